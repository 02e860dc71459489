"""Dip sampling: a reproducible random sample of visit reports or custody record reviews.

A coordinator samples a period's reports (a number or a percentage, overall or in each
suite or for each visitor) and reviews each one against :data:`CHECKLIST`, recording an
outcome and notes. The seed and the rule are stored with the sample, so anyone can draw
it again and get the same records; :func:`redraw` does that and says what differs.

How a sample is drawn (:func:`draw`)
------------------------------------
Every candidate is ranked by the SHA-256 digest of ``f"{seed}:{id}"`` (UTF-8, as hex),
ties (which SHA-256 makes impossible in practice) by id; the rule picks the lowest-ranked
``k``. The seed is text (a number typed is its digits; spaces at the ends are dropped).
By hand: ``printf '%s' 'SEED:ID' | sha256sum`` for each record, sort, take the top.

Why not ``random.Random(seed).sample(population, k)``:

- Python promises the same sequence from ``random()`` for a seed, not from ``sample``,
  ``shuffle`` or ``randrange``, whose algorithms have changed between versions; a sample
  drawn this year must come out the same on next year's Python. SHA-256 never changes.
- ``sample`` depends on the order and the size of the whole population: one report added
  to the period, or listed in another order, changes every choice, so a difference cannot
  be explained. Here a record's rank depends only on the seed and its own id: the order
  the population comes in does not matter, and a record added since moves the sample only
  if it ranks among the chosen, where it displaces exactly the last one (a percentage may
  also grow by one more record: the period is bigger).
- Nothing depends on ``hash()`` or set order, which change from run to run.

Stratified draws apply the rule within each stratum (a suite, or a visitor), using the
same ranks. A visit made by two visitors is in both visitors' strata: each stratum takes
its own lowest-ranked ``k`` and the sample is their union, so a shared report drawn for
both is reviewed once (listed under the first stratum that drew it). Every visitor thus
has at least their ``k`` reports in the sample, exactly those a draw from their reports
alone would give, and the sample does not depend on the order strata are taken in.
Strata are listed by id, with "none recorded" (``""``) last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from icv_app.domain.custody.record_review import Answer, RecordReview
from icv_app.domain.custody.validation import Problem, Severity, plural
from icv_app.domain.custody.visit import VisitorRole, VisitReport, new_id, utc_now
from icv_app.domain.status import LabelledEnum

MAX_SEED_CHARS = 100


class SampledKind(LabelledEnum):
    VISIT = "visit", "Visit reports"
    RECORD_REVIEW = "record_review", "Custody record reviews"


class RuleKind(LabelledEnum):
    NUMBER = "number", "A number of records"
    PERCENTAGE = "percentage", "A percentage of records"


class Stratify(LabelledEnum):
    NONE = "none", "Overall"
    SUITE = "suite", "In each suite"
    VISITOR = "visitor", "For each visitor"


class ChecklistItem(LabelledEnum):
    """A question asked of each sampled item; "yes" is always the answer hoped for."""

    COMPLETE = "complete", "Complete"
    LEGIBLE = "legible", "Legible"
    ISSUES_FOLLOWED_UP = "issues_followed_up", "Issues followed up"
    TIMINGS_PLAUSIBLE = "timings_plausible", "Timings plausible"
    NO_PERSONAL_DATA = "no_personal_data", "No personal data beyond the custody number"


CHECKLIST: tuple[ChecklistItem, ...] = tuple(ChecklistItem)


class ReviewOutcome(LabelledEnum):
    NOT_REVIEWED = "not_reviewed", "Not reviewed yet"
    SATISFACTORY = "satisfactory", "Satisfactory"
    MINOR_CONCERNS = "minor_concerns", "Minor concerns"
    SERIOUS_CONCERNS = "serious_concerns", "Serious concerns"


CONCERNS = (ReviewOutcome.MINOR_CONCERNS, ReviewOutcome.SERIOUS_CONCERNS)


@dataclass(frozen=True)
class SampleRule:
    """How many to draw: ``amount`` records (a whole number, 1 or more) or ``amount``
    percent (more than 0, at most 100; decimals allowed, rounded up to whole records),
    overall or within each stratum."""

    kind: RuleKind
    amount: float
    stratify: Stratify = Stratify.NONE


@dataclass(frozen=True)
class Candidate:
    """A record that may be drawn: its id and what strata it falls in. ``visitor_ids``
    are the visitors who wrote it (for a record review, the reviewer)."""

    id: str
    suite_id: str = ""
    visitor_ids: tuple[str, ...] = ()
    date: dt.date | None = None


@dataclass(frozen=True)
class Stratum:
    """One stratum of a draw: ``key`` is the suite or visitor id ("" for the whole
    population, or for records with none recorded); ``drawn`` its own lowest-ranked
    ``quota`` ids, in rank order (some may be listed under an earlier stratum too)."""

    key: str
    size: int
    quota: int
    drawn: tuple[str, ...]


@dataclass
class SampledItem:
    """A drawn record and its review. ``answers`` holds None for a question not answered
    yet; ``stratum`` is the key of the stratum that drew it."""

    item_id: str
    stratum: str = ""
    answers: dict[ChecklistItem, Answer | None] = field(default_factory=dict)
    outcome: ReviewOutcome = ReviewOutcome.NOT_REVIEWED
    notes: str = ""
    reviewed_at: dt.datetime | None = None
    reviewer: str = ""

    @property
    def reviewed(self) -> bool:
        return self.outcome is not ReviewOutcome.NOT_REVIEWED

    def unanswered(self) -> list[ChecklistItem]:
        return [item for item in CHECKLIST if self.answers.get(item) is None]


@dataclass
class DipSample:
    """A sample as drawn, and its reviews. ``population_ids`` (sorted) are the records in
    the period when it was drawn, so :func:`redraw` can say which were added or removed
    since; ``items`` are in the order drawn."""

    created_by: str
    sampled: SampledKind
    period_from: dt.date
    period_to: dt.date
    rule: SampleRule
    seed: str
    population_size: int = 0
    population_ids: list[str] = field(default_factory=list)
    items: list[SampledItem] = field(default_factory=list)
    id: str = field(default_factory=new_id)
    created_at: dt.datetime = field(default_factory=utc_now)

    @property
    def drawn_ids(self) -> list[str]:
        return [item.item_id for item in self.items]

    def item(self, item_id: str) -> SampledItem:
        for item in self.items:
            if item.item_id == item_id:
                return item
        raise KeyError(item_id)


class InvalidSample(ValueError):
    """A rule, seed or period that cannot be drawn from; the message says why, plainly."""


# Seeds -------------------------------------------------------------------------------------

def new_seed() -> str:
    """Twelve digits from a secure source, so nobody can steer a sample by choosing its
    seed; never starting with 0, so the seed read as a number is the same seed."""
    return str(10**11 + secrets.randbelow(9 * 10**11))


def normalise_seed(seed: str | int) -> str:
    """The seed as stored and hashed: its text without spaces at the ends (42 and "42"
    are the same seed; letters are case-sensitive)."""
    return str(seed).strip()


def seed_problem(seed: str | int) -> str:
    text = normalise_seed(seed)
    if not text:
        return "Enter a seed, or keep the one chosen at random."
    if len(text) > MAX_SEED_CHARS:
        return f"A seed has at most {MAX_SEED_CHARS} characters."
    return ""


# Rules -------------------------------------------------------------------------------------

def rule_problem(rule: SampleRule) -> str:
    """Why a rule cannot be drawn ("" if it can)."""
    amount = rule.amount
    if rule.kind is RuleKind.NUMBER:
        if not math.isfinite(amount) or amount != int(amount):
            return "The number of records to sample must be a whole number."
        if amount < 1:
            return "Sample at least 1 record."
        return ""
    if not math.isfinite(amount) or amount <= 0:
        return "The percentage to sample must be more than 0."
    if amount > 100:
        return "The percentage to sample cannot be more than 100."
    return ""


def quota(rule: SampleRule, size: int) -> int:
    """How many of ``size`` records the rule draws. A percentage rounds up (so any
    non-empty stratum gives at least one), worked out exactly from the percentage as
    written: 16.1% of 1000 is 161, not the 162 that binary floating point would give."""
    problem = rule_problem(rule)
    if problem:
        raise InvalidSample(problem)
    if rule.kind is RuleKind.NUMBER:
        return min(int(rule.amount), size)
    return min(math.ceil(size * Fraction(str(rule.amount)) / 100), size)


# Drawing -----------------------------------------------------------------------------------

def rank(seed: str | int, item_id: str) -> str:
    """A record's place in the draw: the lower, the sooner drawn."""
    return hashlib.sha256(f"{normalise_seed(seed)}:{item_id}".encode()).hexdigest()


def _strata(population: Sequence[Candidate], stratify: Stratify) -> dict[str, list[Candidate]]:
    groups: dict[str, list[Candidate]] = {}
    for c in population:
        if stratify is Stratify.NONE:
            keys: Iterable[str] = ("",)
        elif stratify is Stratify.SUITE:
            keys = (c.suite_id,)
        else:
            keys = set(c.visitor_ids) or {""}
        for key in keys:
            groups.setdefault(key, []).append(c)
    return {key: groups[key] for key in sorted(groups, key=lambda k: (k == "", k))}


def draw_strata(
    population: Sequence[Candidate], rule: SampleRule, seed: str | int
) -> list[Stratum]:
    """Each stratum of the draw, in the order listed (see the module docstring)."""
    problem = rule_problem(rule) or seed_problem(seed)
    if problem:
        raise InvalidSample(problem)
    by_id = sorted(population, key=lambda c: c.id)
    for before, after in itertools.pairwise(by_id):
        if before.id == after.id:
            raise ValueError(f"Record {after.id} is listed twice in the population.")
    ranks = {c.id: rank(seed, c.id) for c in by_id}
    out = []
    for key, members in _strata(by_id, rule.stratify).items():
        ranked = sorted(members, key=lambda c: (ranks[c.id], c.id))
        k = quota(rule, len(ranked))
        out.append(Stratum(key, len(ranked), k, tuple(c.id for c in ranked[:k])))
    return out


def draw(population: Sequence[Candidate], rule: SampleRule, seed: str | int) -> list[str]:
    """The ids drawn, stratum by stratum, each in rank order, none twice. The population
    is taken as given (see :func:`in_period` for a period's records)."""
    return [item_id for item_id, _ in _drawn(draw_strata(population, rule, seed))]


def _drawn(strata: Iterable[Stratum]) -> list[tuple[str, str]]:
    """(id, key of the first stratum that drew it)."""
    seen: dict[str, str] = {}
    for stratum in strata:
        for item_id in stratum.drawn:
            seen.setdefault(item_id, stratum.key)
    return list(seen.items())


def in_period(
    population: Iterable[Candidate], period_from: dt.date, period_to: dt.date
) -> list[Candidate]:
    """The candidates dated within the period, both ends included (undated ones are in no
    period)."""
    return [c for c in population if c.date is not None and period_from <= c.date <= period_to]


def new_sample(
    population: Iterable[Candidate],
    *,
    sampled: SampledKind,
    period_from: dt.date,
    period_to: dt.date,
    rule: SampleRule,
    created_by: str,
    seed: str | int | None = None,
) -> DipSample:
    """Draw a sample of the period's records from ``population`` (which may hold records
    outside the period: they are left out). Raises :class:`InvalidSample` with a plain
    message for a rule, seed or period that cannot be drawn."""
    if period_to < period_from:
        raise InvalidSample("The end of the period is before its start.")
    seed_text = new_seed() if seed is None else normalise_seed(seed)
    candidates = in_period(population, period_from, period_to)
    drawn = _drawn(draw_strata(candidates, rule, seed_text))
    return DipSample(
        created_by=created_by,
        sampled=sampled,
        period_from=period_from,
        period_to=period_to,
        rule=rule,
        seed=seed_text,
        population_size=len(candidates),
        population_ids=sorted(c.id for c in candidates),
        items=[SampledItem(item_id, stratum=key) for item_id, key in drawn],
    )


def candidate_from_visit(report: VisitReport) -> Candidate:
    """A report as a candidate: its suite, date, and the visitors who wrote it (not
    accompanied observers). Which reports may be sampled (submitted ones) is the caller's
    choice."""
    h = report.header
    writers = tuple(v.visitor_id for v in h.visitors if v.role is not VisitorRole.OBSERVER)
    return Candidate(report.id, h.suite_id, writers, h.visit_date)


def candidate_from_record_review(review: RecordReview) -> Candidate:
    """A record review as a candidate: dated when reviewed, its reviewer as the visitor."""
    reviewers = (review.reviewer_id,) if review.reviewer_id else ()
    return Candidate(review.id, review.suite_id, reviewers, review.reviewed_on)


# Drawing again -----------------------------------------------------------------------------

@dataclass(frozen=True)
class RedrawCheck:
    """A stored sample against the same rule and seed applied to the period's records now.
    ``added``/``removed``: records in the period now and not then, or then and not now."""

    same: bool
    drawn: tuple[str, ...]
    stored: tuple[str, ...]
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def newly_drawn(self) -> tuple[str, ...]:
        stored = set(self.stored)
        return tuple(i for i in self.drawn if i not in stored)

    @property
    def no_longer_drawn(self) -> tuple[str, ...]:
        drawn = set(self.drawn)
        return tuple(i for i in self.stored if i not in drawn)

    @property
    def explanation(self) -> str:
        changed = []
        if self.added:
            changed.append(f"{plural(len(self.added), 'record')} "
                           f"{'was' if len(self.added) == 1 else 'were'} added to the period "
                           f"({_listed(self.added)})")
        if self.removed:
            changed.append(f"{plural(len(self.removed), 'record')} "
                           f"{'was' if len(self.removed) == 1 else 'were'} removed from the period "
                           f"({_listed(self.removed)})")
        if self.same:
            same = (f"Drawn again, the sample is the same: {plural(len(self.stored), 'record')}"
                    " in the same order.")
            if changed:
                same += (f" Since it was drawn, {' and '.join(changed)}; none of those "
                         "records is drawn.")
            return same
        why = (f"since it was drawn, {' and '.join(changed)}" if changed else
               "the period holds the same records, but their suites or visitors have "
               "changed since it was drawn")
        drawn = []
        if self.newly_drawn:
            drawn.append(f"now drawn: {_listed(self.newly_drawn)}")
        if self.no_longer_drawn:
            drawn.append(f"no longer drawn: {_listed(self.no_longer_drawn)}")
        if not drawn:
            drawn.append("the same records are drawn, in a different order")
        which = "; ".join(drawn)
        return (f"Drawn again, the sample differs: {why}. "
                f"({which[:1].upper()}{which[1:]}.)")


def _listed(ids: Sequence[str], most: int = 5) -> str:
    shown = ", ".join(ids[:most])
    return shown if len(ids) <= most else f"{shown} and {len(ids) - most} more"


def redraw(sample: DipSample, population: Iterable[Candidate]) -> RedrawCheck:
    """Draw ``sample`` again from ``population`` (the period is applied, as when it was
    drawn) and compare: the same ids in the same order, or what differs and why."""
    candidates = in_period(population, sample.period_from, sample.period_to)
    drawn = tuple(draw(candidates, sample.rule, sample.seed))
    stored = tuple(sample.drawn_ids)
    now = {c.id for c in candidates}
    then = set(sample.population_ids)
    return RedrawCheck(
        same=drawn == stored,
        drawn=drawn,
        stored=stored,
        added=tuple(sorted(now - then)),
        removed=tuple(sorted(then - now)),
    )


# Progress ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Progress:
    reviewed: int
    total: int

    @property
    def remaining(self) -> int:
        return self.total - self.reviewed

    @property
    def done(self) -> bool:
        return self.reviewed == self.total

    def __str__(self) -> str:
        return f"{self.reviewed} of {self.total} reviewed"


def progress(sample: DipSample) -> Progress:
    return Progress(sum(item.reviewed for item in sample.items), len(sample.items))


def outcome_counts(sample: DipSample) -> dict[ReviewOutcome, int]:
    """How many items have each outcome, every outcome listed (in declared order)."""
    counts = dict.fromkeys(ReviewOutcome, 0)
    for item in sample.items:
        counts[item.outcome] += 1
    return counts


def validate(sample: DipSample) -> list[Problem]:
    """Problems with a sample and its reviews, each naming its field (``rule.amount``,
    ``items[2].notes``...)."""
    out: list[Problem] = []
    problem = rule_problem(sample.rule)
    if problem:
        out.append(Problem("rule.amount", problem))
    problem = seed_problem(sample.seed)
    if problem:
        out.append(Problem("seed", problem))
    if sample.period_to < sample.period_from:
        out.append(Problem("period_to", "The end of the period is before its start.",
                           related=("period_from",)))
    seen: set[str] = set()
    for i, item in enumerate(sample.items):
        path = f"items[{i}]"
        if item.item_id in seen:
            out.append(Problem(f"{path}.item_id", f"Record {item.item_id} is in the sample "
                               "twice."))
        seen.add(item.item_id)
        if item.outcome in CONCERNS and not item.notes.strip():
            out.append(Problem(f"{path}.notes", f"The outcome is "
                               f"{item.outcome.label.lower()}: say what they are.",
                               related=(f"{path}.outcome",)))
        if not item.reviewed:
            continue
        missing = item.unanswered()
        if missing:
            out.append(Problem(f"{path}.answers", "Answer every question of the checklist ("
                               f"{', '.join(m.label.lower() for m in missing)}).",
                               Severity.WARNING))
        no = [q for q in CHECKLIST if item.answers.get(q) is Answer.NO]
        if no and item.outcome is ReviewOutcome.SATISFACTORY:
            out.append(Problem(f"{path}.outcome", f"“{no[0].label}” is answered no, yet the "
                               "outcome is satisfactory.", Severity.WARNING,
                               related=tuple(f"{path}.answers.{q.value}" for q in no)))
    return out
