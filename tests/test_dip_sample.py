"""Dip samples: drawn again from their seed, anyone gets the same records."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from icv_app.domain.custody.dip_sample import (
    CHECKLIST,
    Candidate,
    ChecklistItem,
    DipSample,
    InvalidSample,
    ReviewOutcome,
    RuleKind,
    SampledItem,
    SampledKind,
    SampleRule,
    Stratify,
    candidate_from_record_review,
    candidate_from_visit,
    draw,
    draw_strata,
    new_sample,
    new_seed,
    outcome_counts,
    progress,
    quota,
    redraw,
    rule_problem,
    validate,
)
from icv_app.domain.custody.record_review import Answer, RecordReview
from icv_app.domain.custody.validation import Severity
from icv_app.domain.custody.visit import VisitorOnVisit, VisitorRole, VisitReport
from icv_app.domain.serialize import from_dict, to_dict

JAN_1 = dt.date(2026, 1, 1)
Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def number(n: float, stratify: Stratify = Stratify.NONE) -> SampleRule:
    return SampleRule(RuleKind.NUMBER, n, stratify)


def percent(p: float, stratify: Stratify = Stratify.NONE) -> SampleRule:
    return SampleRule(RuleKind.PERCENTAGE, p, stratify)


def visits(n: int, suites: int = 3, visitors: int = 4) -> list[Candidate]:
    """``n`` reports in Q1, spread over suites, each by two visitors."""
    return [
        Candidate(f"visit-{i:03d}", f"suite-{i % suites}",
                  (f"v{i % visitors}", f"v{(i + 1) % visitors}"),
                  JAN_1 + dt.timedelta(days=i % 90))
        for i in range(n)
    ]


def sample_of(population: list[Candidate], rule: SampleRule, seed: str | None = "2026-Q1"
              ) -> DipSample:
    return new_sample(population, sampled=SampledKind.VISIT, period_from=Q1[0],
                      period_to=Q1[1], rule=rule, created_by="coordinator-1", seed=seed)


# The procedure -----------------------------------------------------------------------------

def test_the_draw_takes_the_records_with_the_lowest_sha256_of_seed_and_id():
    population = visits(50)
    by_hand = sorted(population, key=lambda c: hashlib.sha256(
        f"2026-Q1:{c.id}".encode()).hexdigest())
    assert draw(population, number(5), "2026-Q1") == [c.id for c in by_hand[:5]]


def test_a_stored_sample_draws_the_same_records_on_any_python():
    # Worked out by hand with sha256sum; if this changes, every stored sample would
    # redraw differently.
    population = [Candidate(f"visit-{i:03d}", f"suite-{i % 3}", (f"v{i % 4}",))
                  for i in range(50)]
    assert draw(population, number(5), "2026-Q1") == [
        "visit-047", "visit-010", "visit-007", "visit-016", "visit-046"]
    assert draw(population, percent(10, Stratify.SUITE), "2026-Q1") == [
        "visit-030", "visit-033", "visit-010", "visit-007", "visit-047", "visit-005"]


@pytest.mark.slow
def test_the_draw_does_not_depend_on_hash_randomisation():
    # The population is built from a set, so it comes in a different order under each
    # hash seed; the draw must not notice.
    script = textwrap.dedent("""
        from icv_app.domain.custody.dip_sample import *
        ids = {f"visit-{i}" for i in range(300)}
        population = [Candidate(i, "suite-" + str(len(i) % 3), ("v" + i[-1],)) for i in ids]
        for stratify in Stratify:
            print(draw(population, SampleRule(RuleKind.PERCENTAGE, 5, stratify), "seed"))
    """)
    outputs = set()
    for hash_seed in ("1", "2", "3"):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              check=True, env={"PYTHONHASHSEED": hash_seed},
                              cwd=Path(__file__).resolve().parent.parent)
        outputs.add(done.stdout)
    assert len(outputs) == 1


def test_a_sample_redrawn_from_its_seed_is_identical():
    population = visits(120)
    sample = sample_of(population, percent(10, Stratify.VISITOR), seed="  7741  ")
    assert sample.seed == "7741"
    check = redraw(sample, population)
    assert check.same
    assert check.drawn == tuple(sample.drawn_ids)
    assert check.explanation == ("Drawn again, the sample is the same: "
                                 f"{len(sample.items)} records in the same order.")
    assert draw(population, sample.rule, sample.seed) == sample.drawn_ids


@pytest.mark.parametrize("stratify", list(Stratify))
def test_shuffling_the_population_gives_the_same_sample(stratify):
    population = visits(80)
    expected = draw(population, percent(15, stratify), "seed")
    shuffled = population[:]
    for shuffle_seed in range(5):
        random.Random(shuffle_seed).shuffle(shuffled)
        assert draw(shuffled, percent(15, stratify), "seed") == expected


def test_different_seeds_give_different_samples():
    population = visits(200)
    samples = {tuple(draw(population, number(10), str(seed))) for seed in range(20)}
    assert len(samples) == 20


def test_a_seed_typed_as_a_number_or_as_text_is_the_same_seed():
    population = visits(40)
    assert draw(population, number(4), 42) == draw(population, number(4), " 42")


def test_a_seed_is_chosen_at_random_unless_given():
    population = visits(40)
    first = sample_of(population, number(4), seed=None)
    second = sample_of(population, number(4), seed=None)
    assert first.seed != second.seed
    for seed in (first.seed, second.seed, new_seed()):
        assert len(seed) == 12 and seed.isdigit() and seed[0] != "0"


def test_the_same_record_twice_in_the_population_is_refused():
    population = [*visits(3), Candidate("visit-001")]
    with pytest.raises(ValueError, match="visit-001 is listed twice"):
        draw(population, number(1), "seed")


# How many ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("size", "pct", "expected"), [
    (25, 10, 3),       # 2.5 rounds up
    (1, 1, 1),         # at least one from a non-empty population
    (10, 0.5, 1),
    (3, 33.4, 2),      # 1.002 rounds up
    (100, 7, 7),
    (1000, 16.1, 161),  # exact: 1000 * 16.1 / 100 is 161.00000000000003 in floating point
    (40, 100, 40),
    (0, 50, 0),
])
def test_a_percentage_rounds_up_to_whole_records(size, pct, expected):
    assert quota(percent(pct), size) == expected
    assert len(draw(visits(size), percent(pct), "seed")) == expected


def test_a_number_above_the_population_takes_all_of_it():
    population = visits(4)
    drawn = draw(population, number(10), "seed")
    assert sorted(drawn) == sorted(c.id for c in population)
    assert draw([], number(10), "seed") == []


def test_a_stratified_draw_applies_the_rule_in_each_suite():
    population = [
        *(Candidate(f"a-{i}", "suite-a") for i in range(10)),
        *(Candidate(f"b-{i}", "suite-b") for i in range(5)),
        Candidate("c-0", "suite-c"),
        *(Candidate(f"x-{i}", "") for i in range(3)),  # no suite recorded
    ]
    strata = draw_strata(population, percent(20, Stratify.SUITE), "seed")
    assert [(s.key, s.size, s.quota) for s in strata] == [
        ("suite-a", 10, 2), ("suite-b", 5, 1), ("suite-c", 1, 1), ("", 3, 1)]
    drawn = draw(population, percent(20, Stratify.SUITE), "seed")
    assert len(drawn) == 5
    assert [i.split("-")[0] for i in drawn] == ["a", "a", "b", "c", "x"]
    # Each suite gets what a draw from its own reports alone would give.
    suite_a = [c for c in population if c.suite_id == "suite-a"]
    assert drawn[:2] == draw(suite_a, percent(20), "seed")


def test_a_number_per_suite_takes_all_of_a_small_suite():
    population = [*(Candidate(f"a-{i}", "suite-a") for i in range(10)),
                  Candidate("b-0", "suite-b")]
    strata = draw_strata(population, number(3, Stratify.SUITE), "seed")
    assert [(s.key, len(s.drawn)) for s in strata] == [("suite-a", 3), ("suite-b", 1)]


def test_a_report_by_two_visitors_is_drawn_once_and_counts_for_both():
    population = visits(60, visitors=4)  # every report by two visitors
    rule = percent(10, Stratify.VISITOR)
    drawn = draw(population, rule, "seed")
    assert len(drawn) == len(set(drawn))
    per_visitor = {}
    for visitor in ("v0", "v1", "v2", "v3"):
        theirs = [c for c in population if visitor in c.visitor_ids]
        own = draw(theirs, percent(10), "seed")
        per_visitor[visitor] = own
        # Every visitor's own draw is in the sample...
        assert set(own) <= set(drawn)
        in_sample = [c for c in theirs if c.id in drawn]
        assert len(in_sample) >= math.ceil(len(theirs) * 10 / 100)
    # ...and nothing else is.
    assert set(drawn) == set().union(*per_visitor.values())
    # With 4 visitors in pairs, some reports are shared: fewer than 4 quotas' worth.
    assert len(drawn) < sum(s.quota for s in draw_strata(population, rule, "seed"))


def test_a_visit_with_no_visitor_recorded_is_its_own_stratum_listed_last():
    population = [Candidate("a", visitor_ids=("v1",)), Candidate("b", visitor_ids=()),
                  Candidate("c", visitor_ids=("v0",))]
    strata = draw_strata(population, number(1, Stratify.VISITOR), "seed")
    assert [s.key for s in strata] == ["v0", "v1", ""]
    assert draw(population, number(1, Stratify.VISITOR), "seed") == ["c", "a", "b"]


@pytest.mark.parametrize(("rule", "message"), [
    (number(0), "Sample at least 1 record."),
    (number(-3), "Sample at least 1 record."),
    (number(2.5), "The number of records to sample must be a whole number."),
    (number(math.inf), "The number of records to sample must be a whole number."),
    (percent(0), "The percentage to sample must be more than 0."),
    (percent(-5), "The percentage to sample must be more than 0."),
    (percent(math.nan), "The percentage to sample must be more than 0."),
    (percent(100.5), "The percentage to sample cannot be more than 100."),
])
def test_a_rule_that_cannot_be_drawn_says_why(rule, message):
    assert rule_problem(rule) == message
    with pytest.raises(InvalidSample) as raised:
        draw(visits(10), rule, "seed")
    assert str(raised.value) == message


@pytest.mark.parametrize("rule", [number(1), number(1.0), percent(100), percent(0.1)])
def test_the_edges_of_a_rule_are_allowed(rule):
    assert rule_problem(rule) == ""


def test_a_blank_seed_or_a_backwards_period_is_refused():
    with pytest.raises(InvalidSample, match="Enter a seed"):
        draw(visits(5), number(1), "   ")
    with pytest.raises(InvalidSample, match="end of the period is before its start"):
        new_sample(visits(5), sampled=SampledKind.VISIT, period_from=Q1[1],
                   period_to=Q1[0], rule=number(1), created_by="c", seed="s")


# Property ----------------------------------------------------------------------------------

ids = st.text("abcdef0123456789-", min_size=1, max_size=8)
candidates = st.lists(
    st.builds(Candidate, id=ids, suite_id=st.sampled_from(["", "s1", "s2", "s3"]),
              visitor_ids=st.lists(st.sampled_from(["v1", "v2", "v3"]), max_size=3)
              .map(tuple)),
    unique_by=lambda c: c.id, max_size=40,
)
rules = st.one_of(
    st.builds(SampleRule, st.just(RuleKind.NUMBER), st.integers(1, 50),
              st.sampled_from(Stratify)),
    st.builds(SampleRule, st.just(RuleKind.PERCENTAGE),
              st.floats(0.1, 100).map(lambda p: round(p, 1)), st.sampled_from(Stratify)),
)


@settings(max_examples=200, deadline=None)
@given(population=candidates, rule=rules, seed=st.text(min_size=1, max_size=10)
       .filter(str.strip), order=st.randoms(use_true_random=False))
def test_a_draw_is_a_subset_of_the_right_size_without_repeats_in_any_order(
        population, rule, seed, order):
    drawn = draw(population, rule, seed)
    assert set(drawn) <= {c.id for c in population}
    assert len(drawn) == len(set(drawn))
    strata = draw_strata(population, rule, seed)
    assert set(drawn) == {i for s in strata for i in s.drawn}
    for stratum in strata:
        assert len(stratum.drawn) == stratum.quota
        if rule.kind is RuleKind.NUMBER:
            assert stratum.quota == min(int(rule.amount), stratum.size)
        else:
            assert stratum.quota >= 1
            assert stratum.quota == min(stratum.size, math.ceil(
                stratum.size * rule.amount / 100 - 1e-9))
    if rule.stratify is not Stratify.VISITOR:  # strata are disjoint
        assert len(drawn) == sum(s.quota for s in strata)
    shuffled = population[:]
    order.shuffle(shuffled)
    assert draw(shuffled, rule, seed) == drawn


@settings(max_examples=100, deadline=None)
@given(population=candidates, k=st.integers(1, 10), new_id=ids)
def test_a_record_added_later_changes_at_most_one_choice(population, k, new_id):
    if any(c.id == new_id for c in population):
        return
    before = draw(population, number(k), "seed")
    after = draw([*population, Candidate(new_id)], number(k), "seed")
    if len(population) >= k:
        assert len(set(before) - set(after)) <= 1
        assert set(after) - set(before) <= {new_id}


# The period and drawing again --------------------------------------------------------------

def test_records_outside_the_period_are_not_in_the_population():
    inside = visits(30)
    outside = [Candidate(f"late-{i}", "suite-0", ("v1",), dt.date(2026, 4, 1 + i))
               for i in range(10)]
    sample = sample_of(inside + outside, number(5))
    assert sample.population_size == 30
    assert sample.population_ids == sorted(c.id for c in inside)
    assert not any(i.startswith("late") for i in sample.drawn_ids)
    assert sample.drawn_ids == sample_of(inside, number(5)).drawn_ids
    undated = Candidate("undated")
    assert redraw(sample, [*inside, *outside, undated]).same


def test_drawn_again_after_a_report_was_added_it_says_which_and_what_changed():
    population = visits(40)
    sample = sample_of(population, number(5))
    # Find a new report that ranks among the five.
    newcomer = next(c for c in (Candidate(f"new-{i}", "suite-0", ("v0",), JAN_1)
                                for i in range(1000))
                    if c.id in draw([*population, c], number(5), sample.seed))
    check = redraw(sample, [*population, newcomer])
    assert not check.same
    assert check.added == (newcomer.id,)
    assert check.newly_drawn == (newcomer.id,)
    assert check.no_longer_drawn == (sample.drawn_ids[-1],)
    assert f"1 record was added to the period ({newcomer.id})" in check.explanation
    assert f"Now drawn: {newcomer.id}; no longer drawn: {sample.drawn_ids[-1]}" in (
        check.explanation)


def test_drawn_again_after_a_drawn_report_was_removed_it_says_so():
    population = visits(40)
    sample = sample_of(population, number(5))
    gone = sample.drawn_ids[1]
    check = redraw(sample, [c for c in population if c.id != gone])
    assert not check.same
    assert check.removed == (gone,)
    assert check.no_longer_drawn == (gone,)
    assert f"1 record was removed from the period ({gone})" in check.explanation


def test_changes_that_touch_no_drawn_record_leave_the_sample_the_same_and_are_named():
    population = visits(40)
    sample = sample_of(population, number(5))
    not_drawn = next(c for c in population if c.id not in sample.drawn_ids)
    newcomer = next(c for c in (Candidate(f"new-{i}", "suite-0", ("v0",), JAN_1)
                                for i in range(1000))
                    if c.id not in draw([*population, c], number(5), sample.seed))
    check = redraw(sample, [*(c for c in population if c is not not_drawn), newcomer])
    assert check.same
    assert check.added == (newcomer.id,) and check.removed == (not_drawn.id,)
    assert "none of those records is drawn" in check.explanation


def test_a_report_moved_to_another_suite_is_explained():
    population = visits(30)
    sample = sample_of(population, number(1, Stratify.SUITE))
    moved = sample.drawn_ids[0]
    changed = [Candidate(c.id, "suite-9", c.visitor_ids, c.date) if c.id == moved else c
               for c in population]
    check = redraw(sample, changed)
    assert not check.same
    assert "same records, but their suites or visitors have changed" in check.explanation


# Reviewing ---------------------------------------------------------------------------------

def test_the_checklist_is_the_reference_s_five_questions_in_order():
    assert [(q.value, q.label) for q in CHECKLIST] == [
        ("complete", "Complete"),
        ("legible", "Legible"),
        ("issues_followed_up", "Issues followed up"),
        ("timings_plausible", "Timings plausible"),
        ("no_personal_data", "No personal data beyond the custody number"),
    ]


def reviewed(item: SampledItem, outcome: ReviewOutcome, answer: Answer = Answer.YES,
             notes: str = "") -> None:
    item.answers = dict.fromkeys(CHECKLIST, answer)
    item.outcome = outcome
    item.notes = notes
    item.reviewer = "coordinator-1"
    item.reviewed_at = dt.datetime(2026, 4, 2, 10, 30, tzinfo=dt.UTC)


def test_progress_counts_the_items_reviewed_and_each_outcome():
    sample = sample_of(visits(50), number(5))
    assert str(progress(sample)) == "0 of 5 reviewed"
    reviewed(sample.items[0], ReviewOutcome.SATISFACTORY)
    reviewed(sample.items[3], ReviewOutcome.SERIOUS_CONCERNS, notes="Times do not add up.")
    reviewed(sample.items[4], ReviewOutcome.SATISFACTORY)
    p = progress(sample)
    assert (p.reviewed, p.total, p.remaining, p.done) == (3, 5, 2, False)
    assert outcome_counts(sample) == {
        ReviewOutcome.NOT_REVIEWED: 2, ReviewOutcome.SATISFACTORY: 2,
        ReviewOutcome.MINOR_CONCERNS: 0, ReviewOutcome.SERIOUS_CONCERNS: 1}
    for item in sample.items[1:3]:
        reviewed(item, ReviewOutcome.MINOR_CONCERNS, notes="Hard to read.")
    assert progress(sample).done


def test_an_outcome_of_concerns_needs_notes():
    sample = sample_of(visits(20), number(2))
    reviewed(sample.items[1], ReviewOutcome.MINOR_CONCERNS, notes="  ")
    [problem] = validate(sample)
    assert problem.field == "items[1].notes"
    assert problem.severity is Severity.ERROR
    assert problem.message == "The outcome is minor concerns: say what they are."


def test_a_review_with_questions_unanswered_or_a_no_marked_satisfactory_is_queried():
    sample = sample_of(visits(20), number(2))
    item = sample.items[0]
    reviewed(item, ReviewOutcome.SATISFACTORY)
    item.answers[ChecklistItem.LEGIBLE] = None
    item.answers[ChecklistItem.TIMINGS_PLAUSIBLE] = Answer.NO
    problems = {p.field: p for p in validate(sample)}
    assert problems["items[0].answers"].message == (
        "Answer every question of the checklist (legible).")
    assert problems["items[0].outcome"].message == (
        "“Timings plausible” is answered no, yet the outcome is satisfactory.")
    assert {p.severity for p in problems.values()} == {Severity.WARNING}
    # Not reviewed yet: a half-filled checklist is work in progress.
    item.outcome = ReviewOutcome.NOT_REVIEWED
    assert validate(sample) == []


def test_a_sample_with_a_bad_rule_seed_period_or_a_record_twice_is_invalid():
    sample = sample_of(visits(20), number(2))
    sample.rule = percent(150)
    sample.seed = ""
    sample.period_to = dt.date(2025, 12, 31)
    sample.items.append(SampledItem(sample.items[0].item_id))
    assert {p.field: p.message for p in validate(sample)} == {
        "rule.amount": "The percentage to sample cannot be more than 100.",
        "seed": "Enter a seed, or keep the one chosen at random.",
        "period_to": "The end of the period is before its start.",
        "items[2].item_id": f"Record {sample.items[0].item_id} is in the sample twice.",
    }


# Storing -----------------------------------------------------------------------------------

def test_a_sample_and_its_reviews_survive_the_trip_to_json_and_back():
    sample = sample_of(visits(60), percent(12.5, Stratify.SUITE))
    reviewed(sample.items[0], ReviewOutcome.MINOR_CONCERNS, notes="Departure time missing.")
    sample.items[1].answers = {ChecklistItem.COMPLETE: Answer.NOT_APPLICABLE,
                               ChecklistItem.LEGIBLE: None}
    data = json.loads(json.dumps(to_dict(sample)))
    assert data["sampled"] == "visit"
    assert data["rule"] == {"kind": "percentage", "amount": 12.5, "stratify": "suite"}
    assert data["items"][0]["answers"]["no_personal_data"] == "yes"
    assert data["items"][1]["answers"] == {"complete": "not_applicable", "legible": None}
    assert data["period_from"] == "2026-01-01"
    back = from_dict(data, DipSample)
    assert back == sample
    assert back.items[0].answers[ChecklistItem.COMPLETE] is Answer.YES
    assert redraw(back, visits(60)).same


def test_a_whole_number_rule_read_back_draws_the_same():
    sample = sample_of(visits(30), number(4))
    back = from_dict(json.loads(json.dumps(to_dict(sample))), DipSample)
    assert back == sample
    assert redraw(back, visits(30)).same


# Candidates from records -------------------------------------------------------------------

def test_a_report_is_a_candidate_of_its_suite_date_and_writers():
    report = VisitReport()
    report.header.suite_id = "suite-dunmore"
    report.header.visit_date = dt.date(2026, 2, 3)
    report.header.visitors = [VisitorOnVisit("v-1"), VisitorOnVisit("v-2", VisitorRole.TRAINEE),
                              VisitorOnVisit("v-3", VisitorRole.OBSERVER)]
    assert candidate_from_visit(report) == Candidate(
        report.id, "suite-dunmore", ("v-1", "v-2"), dt.date(2026, 2, 3))


def test_a_record_review_is_a_candidate_of_its_reviewer():
    review = RecordReview(custody_number="01NS/0421/26", suite_id="suite-dunmore",
                          reviewer_id="v-7", reviewed_on=dt.date(2026, 2, 9))
    assert candidate_from_record_review(review) == Candidate(
        review.id, "suite-dunmore", ("v-7",), dt.date(2026, 2, 9))
    assert candidate_from_record_review(RecordReview()).visitor_ids == ()
