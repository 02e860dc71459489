"""The scheme's statistics, against figures worked out by hand.

Every expected number below was computed by hand from the reports built here (the sums
are written out beside them); none was copied from the code's output.
"""

from __future__ import annotations

import datetime as dt

import pytest

from icv_app.domain.custody.statistics import (
    FIGURES,
    Figures,
    FollowUp,
    Period,
    Predictability,
    band_label,
    coverage,
    predictability_warnings,
    scheme_statistics,
    visit_minutes,
    visit_spread,
)
from icv_app.domain.custody.times import visit_times
from icv_app.domain.custody.visit import (
    Counts,
    Detainee,
    Header,
    IssueCategory,
    IssueRaised,
    NotOfferedReason,
    VisitMode,
    VisitorOnVisit,
    VisitorRole,
    VisitOutcome,
    VisitReport,
    VisitStatus,
)

A, B, C = "suite-a", "suite-b", "suite-c"
Q2 = Period.quarter_of(dt.date(2026, 5, 15))  # 1 Apr to 30 Jun 2026


def t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def visit(
    suite: str, day: str, arrival: str | None = None, departure: str | None = None, *,
    next_day: bool = False, mode: VisitMode = VisitMode.IN_PERSON,
    outcome: VisitOutcome = VisitOutcome.COMPLETED, delay: int = 0, visitors: int = 2,
    counts: Counts | None = None, met: int = 0,
    issues: tuple[tuple[IssueCategory, bool | None], ...] = (),
    status: VisitStatus = VisitStatus.SUBMITTED,
) -> VisitReport:
    header = Header(
        suite_id=suite, panel="North panel", visit_date=dt.date.fromisoformat(day),
        arrival_time=t(arrival) if arrival else None,
        departure_time=t(departure) if departure else None, departure_next_day=next_day,
        mode=mode, outcome=outcome, delay_minutes=delay,
        visitors=[VisitorOnVisit(f"v{i}", VisitorRole.TRAINEE if i == 2 else
                                 VisitorRole.VISITOR) for i in range(visitors)],
    )
    return VisitReport(
        header=header, counts=counts or Counts(), status=status,
        detainees=[Detainee(custody_number=f"01NS/{i:04d}/26") for i in range(met)],
        issues=[IssueRaised(category=c, text="synthetic", resolved=r) for c, r in issues],
    )


# The quarter April to June 2026, and the one before it -------------------------------------
#
# V1 A Tue 7 Apr   10:00-11:30  in person, completed, 2 visitors: 90 min x 2 = 180
#     in custody 6: offered 4 (accepted 3, declined 1), observed 1, not offered 1 (asleep)
#     met 3; issues: welfare resolved, conditions NOT resolved
# V2 A Tue 14 Apr  23:30-01:15 next day, delay 15, 3 visitors: 105 min x 3 = 315
#     in custody 4: offered 2 (accepted 2), not offered 2 (in interview 1, unsafe 1)
#     met 2; issues: positive finding (resolved not recorded), safety resolved
# V3 A Wed 20 May  14:00-14:45  telephone, 2 visitors: 45 x 2 = 90
#     in custody 5: offered 5 (accepted 1, declined 4); met 1
# V4 B Sat 6 Jun   19:00-19:55  ABANDONED after a 45-minute delay, nobody seen: 55 x 2 = 110
# V5 B Mon 29 Jun  08:00-(none) REFUSED ACCESS, no departure time: not in visitor hours
# V6 B Thu 11 Jun  13:00-13:40  nobody in custody, delay 5: 40 x 2 = 80
#     issue: conditions, resolved not recorded (so not resolved)
# D  A Fri 1 May   a DRAFT with 99 in custody: never counted
# X  A Wed 1 Jul   next quarter: not counted
# Previous quarter (January to March 2026):
# P1 A Tue 31 Mar  10:00-11:00, 2 visitors: 60 x 2 = 120; 3 in custody, offered 3,
#     accepted 3; issue: welfare resolved
# P2 B Tue 10 Feb  15:00-16:00, delay 10, 2 visitors: 120; 2 in custody, offered 2,
#     accepted 1, declined 1

def quarter_visits() -> list[VisitReport]:
    w, cond, pos, safe = (IssueCategory.WELFARE, IssueCategory.CONDITIONS,
                          IssueCategory.POSITIVE, IssueCategory.SAFETY)
    return [
        visit(A, "2026-04-07", "10:00", "11:30",
              counts=Counts(in_custody=6, offered=4, accepted=3, declined=1, observed=1,
                            not_offered=1,
                            not_offered_reasons={NotOfferedReason.ASLEEP: 1}),
              met=3, issues=((w, True), (cond, False))),
        visit(A, "2026-04-14", "23:30", "01:15", next_day=True, delay=15, visitors=3,
              counts=Counts(in_custody=4, offered=2, accepted=2, not_offered=2,
                            not_offered_reasons={NotOfferedReason.IN_INTERVIEW: 1,
                                                 NotOfferedReason.UNSAFE: 1}),
              met=2, issues=((pos, None), (safe, True))),
        visit(A, "2026-05-20", "14:00", "14:45", mode=VisitMode.TELEPHONE,
              counts=Counts(in_custody=5, offered=5, accepted=1, declined=4), met=1),
        visit(B, "2026-06-06", "19:00", "19:55", outcome=VisitOutcome.ABANDONED, delay=45),
        visit(B, "2026-06-29", "08:00", None, outcome=VisitOutcome.REFUSED_ACCESS),
        visit(B, "2026-06-11", "13:00", "13:40", delay=5, issues=((cond, None),)),
        visit(A, "2026-05-01", "10:00", "11:00", status=VisitStatus.DRAFT,
              counts=Counts(in_custody=99, offered=99, accepted=99)),
        visit(A, "2026-07-01", "10:00", "11:00", counts=Counts(in_custody=50)),
        visit(A, "2026-03-31", "10:00", "11:00",
              counts=Counts(in_custody=3, offered=3, accepted=3), issues=((w, True),)),
        visit(B, "2026-02-10", "15:00", "16:00", delay=10,
              counts=Counts(in_custody=2, offered=2, accepted=1, declined=1)),
    ]


@pytest.fixture
def stats():
    return scheme_statistics(iter(quarter_visits()), Q2, suite_ids=[A, B, C])


def test_periods_are_quarters_years_or_ranges_with_a_previous_of_the_same_length():
    q = Period.quarter_of(dt.date(2026, 5, 15))
    assert (q.start, q.end, q.label) == (dt.date(2026, 4, 1), dt.date(2026, 6, 30),
                                         "Apr–Jun 2026")
    assert q.previous() == Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31), "quarter")
    assert Period.quarter_of(dt.date(2026, 1, 1)).previous().start == dt.date(2025, 10, 1)
    year = Period.year_of(dt.date(2026, 5, 15))
    assert (year.start, year.end, year.label) == (dt.date(2026, 1, 1),
                                                  dt.date(2026, 12, 31), "2026")
    # A PCC's financial year: April to March, labelled 2026/27; the one before is 2025/26.
    financial = Period.year_of(dt.date(2027, 2, 1), first_month=4)
    assert (financial.start, financial.end, financial.label) == (
        dt.date(2026, 4, 1), dt.date(2027, 3, 31), "2026/27")
    assert financial.previous() == Period(dt.date(2025, 4, 1), dt.date(2026, 3, 31), "year")
    # 10 days (3rd to 12th) are compared with the 10 days before (23 Feb to 2 Mar 2026).
    custom = Period.between(dt.date(2026, 3, 3), dt.date(2026, 3, 12))
    assert custom.days == 10
    assert custom.previous() == Period.between(dt.date(2026, 2, 21), dt.date(2026, 3, 2))
    assert custom.previous().days == 10
    assert dt.date(2026, 3, 12) in custom and dt.date(2026, 3, 13) not in custom


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends"):
        Period.between(dt.date(2026, 4, 2), dt.date(2026, 4, 1))


def test_visits_by_mode_and_outcome_count_only_submitted_reports_of_the_period(stats):
    total = stats.current.total
    # V1-V6; not the draft, not 1 July, not the previous quarter's.
    assert total.visits == 6
    assert (total.in_person, total.telephone, total.video, total.remote) == (5, 1, 0, 1)
    assert (total.completed, total.abandoned, total.refused_access) == (4, 1, 1)
    a, b = stats.current.suite(A), stats.current.suite(B)
    assert (a.visits, a.in_person, a.remote, a.completed) == (3, 2, 1, 3)
    assert (b.visits, b.in_person, b.abandoned, b.refused_access, b.completed) == (
        3, 3, 1, 1, 1)


def test_delays_count_visits_with_one_and_their_mean_and_longest(stats):
    total, a, b = stats.current.total, stats.current.suite(A), stats.current.suite(B)
    # Delays 15 (V2), 45 (V4), 5 (V6): 3 visits, mean 65 / 3, longest 45.
    assert total.delayed == 3
    assert total.mean_delay_minutes == pytest.approx(65 / 3)
    assert total.max_delay_minutes == 45
    assert (a.delayed, a.mean_delay_minutes, a.max_delay_minutes) == (1, 15, 15)
    assert (b.delayed, b.mean_delay_minutes, b.max_delay_minutes) == (2, 25, 45)


def test_people_in_custody_and_the_acceptance_rate(stats):
    total = stats.current.total
    assert total.in_custody == 6 + 4 + 5  # nobody at V4-V6
    assert total.offered == 4 + 2 + 5
    assert total.accepted == 3 + 2 + 1
    assert total.declined == 1 + 0 + 4
    assert total.observed == 1
    assert total.not_offered == 1 + 2
    assert total.not_offered_reasons == {
        **dict.fromkeys(NotOfferedReason, 0),
        NotOfferedReason.ASLEEP: 1, NotOfferedReason.IN_INTERVIEW: 1,
        NotOfferedReason.UNSAFE: 1,
    }
    assert total.acceptance_rate == pytest.approx(6 / 11)
    assert total.detainees_met == 3 + 2 + 1
    # Suite B's visits met nobody: no rate rather than 0%.
    b = stats.current.suite(B)
    assert (b.in_custody, b.offered, b.acceptance_rate) == (0, 0, None)


def test_issues_by_category_and_the_share_resolved_at_the_time(stats):
    total = stats.current.total
    assert total.issues == 5
    assert total.issues_by_category == {
        IssueCategory.WELFARE: 1, IssueCategory.ALLEGATION: 0, IssueCategory.CONDITIONS: 2,
        IssueCategory.SAFETY: 1, IssueCategory.POSITIVE: 1,
    }
    # The positive finding has nothing to resolve: 4 to resolve, 2 resolved (welfare,
    # safety); the V6 issue whose outcome was not recorded counts as not resolved.
    assert (total.issues_to_resolve, total.issues_resolved) == (4, 2)
    assert total.resolved_share == 0.5
    a, b = stats.current.suite(A), stats.current.suite(B)
    assert (a.issues, a.issues_to_resolve, a.issues_resolved) == (4, 3, 2)
    assert a.resolved_share == pytest.approx(2 / 3)
    assert (b.issues, b.resolved_share) == (1, 0.0)


def test_visitor_hours_run_past_midnight_and_leave_out_visits_without_times(stats):
    total = stats.current.total
    # 180 + 315 (23:30 to 01:15 the next day, three people) + 90 + 110 + 80
    assert total.visitor_minutes == 775
    assert total.visitor_hours == pytest.approx(775 / 60)
    assert total.visits_without_times == 1  # V5: no departure time
    assert stats.current.suite(A).visitor_minutes == 180 + 315 + 90
    assert stats.current.suite(B).visitor_minutes == 110 + 80


def test_a_visit_on_the_night_the_clocks_go_forward_is_as_long_as_it_was():
    # Sat 28 March 2026, 23:30 GMT to 02:30 BST: 01:00 GMT became 02:00 BST, so two hours
    # passed, not three; with two visitors, 4 visitor hours.
    night = visit(A, "2026-03-28", "23:30", "02:30", next_day=True)
    assert visit_minutes(night.header) == 120
    assert visit_minutes(night.header, "UTC") == 180
    assert visit_minutes(night.header) == visit_times(night.header).duration_minutes
    march = Period.between(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert scheme_statistics([night], march).current.total.visitor_hours == 4


def test_a_departure_before_the_arrival_is_not_guessed():
    header = visit(A, "2026-04-07", "10:00", "09:00").header  # next day not ticked
    assert visit_minutes(header) is None
    figures = scheme_statistics([visit(A, "2026-04-07", "10:00", "09:00")], Q2).current.total
    assert (figures.visitor_minutes, figures.visits_without_times) == (0, 1)


def test_suites_listed_but_not_visited_show_zeros_and_rows_add_up(stats):
    c = stats.current.suite(C)
    assert stats.current.by_suite[C] == Figures()
    assert (c.visits, c.mean_delay_minutes, c.max_delay_minutes, c.acceptance_rate,
            c.resolved_share) == (0, None, None, None, None)
    assert list(stats.current.by_suite) == [A, B, C]
    for key, _label in FIGURES:
        values = [stats.current.by_suite[s].value(key) for s in (A, B, C)]
        if all(isinstance(v, int) for v in values) and key != "max_delay_minutes":
            assert sum(values) == stats.current.total.value(key), key


def test_an_empty_period_has_zeros_and_no_rates():
    stats = scheme_statistics([], Q2, suite_ids=[A])
    total = stats.current.total
    assert total == Figures()
    assert (total.visits, total.visitor_hours, total.acceptance_rate,
            total.mean_delay_minutes, total.resolved_share) == (0, 0, None, None, None)
    assert stats.current.by_suite == {A: Figures()}
    assert stats.spread.visits == 0
    assert stats.warnings == ()
    # A period where only a draft was made is empty too.
    only_draft = [visit(A, "2026-04-07", "10:00", "11:00", status=VisitStatus.DRAFT,
                        counts=Counts(in_custody=4))]
    assert scheme_statistics(only_draft, Q2).current.total == Figures()


def test_each_figure_is_compared_with_the_previous_quarter(stats):
    previous = stats.previous.total
    assert stats.previous.period == Period(dt.date(2026, 1, 1), dt.date(2026, 3, 31),
                                           "quarter")
    # P1 and P2.
    assert (previous.visits, previous.in_custody, previous.offered, previous.accepted) == (
        2, 5, 5, 4)
    assert previous.visitor_minutes == 240
    changes = {c.key: c for c in stats.comparison()}
    assert [c.key for c in stats.comparison()] == [key for key, _label in FIGURES]
    assert (changes["visits"].current, changes["visits"].previous,
            changes["visits"].change) == (6, 2, 4)
    assert changes["acceptance_rate"].previous == pytest.approx(4 / 5)
    assert changes["acceptance_rate"].change == pytest.approx(6 / 11 - 4 / 5)
    assert changes["visitor_hours"].change == pytest.approx(775 / 60 - 4)
    assert changes["mean_delay_minutes"].change == pytest.approx(65 / 3 - 10)
    assert changes["resolved_share"].change == pytest.approx(0.5 - 1.0)
    # Not tracked (no follow-ups given): no value, no change.
    assert changes["outstanding_follow_ups"].current is None
    assert changes["outstanding_follow_ups"].change is None
    # Per suite: A had P1 (1 visit, 3 in custody) before.
    a = {c.key: c for c in stats.comparison(A)}
    assert (a["visits"].previous, a["visits"].change) == (1, 2)
    assert (a["in_custody"].previous, a["in_custody"].change) == (3, 12)
    # C was visited in neither: 0 both times, change 0; a rate is None both times.
    c = {c.key: c for c in stats.comparison(C)}
    assert (c["visits"].change, c["acceptance_rate"].change) == (0, None)


def test_outstanding_follow_ups_are_those_open_at_the_end_of_each_period():
    follow_ups = [
        FollowUp(A, dt.date(2026, 4, 7)),                      # open: A now
        (B, dt.date(2026, 3, 1), dt.date(2026, 4, 10)),        # open on 31 Mar only: B before
        FollowUp(A, dt.date(2026, 7, 2)),                      # raised after the period
        FollowUp(B, dt.date(2026, 6, 11), dt.date(2026, 7, 5)),  # closed after it: B now
        FollowUp(A, dt.date(2026, 4, 1), dt.date(2026, 6, 30)),  # closed on the last day
    ]
    stats = scheme_statistics(quarter_visits(), Q2, follow_ups=follow_ups)
    assert stats.current.total.outstanding_follow_ups == 2
    assert stats.current.suite(A).outstanding_follow_ups == 1
    assert stats.current.suite(B).outstanding_follow_ups == 1
    assert stats.previous.total.outstanding_follow_ups == 1
    assert stats.previous.suite(B).outstanding_follow_ups == 1
    assert stats.previous.suite(A).outstanding_follow_ups == 0
    change = {c.key: c for c in stats.comparison()}["outstanding_follow_ups"]
    assert (change.current, change.previous, change.change) == (2, 1, 1)


def test_a_suite_with_only_follow_ups_gets_a_row():
    stats = scheme_statistics([], Q2, follow_ups=[(C, dt.date(2026, 5, 1), None)])
    assert stats.current.by_suite[C].outstanding_follow_ups == 1
    assert stats.current.by_suite[C].visits == 0


# Coverage -----------------------------------------------------------------------------------

def test_coverage_counts_days_since_the_last_completed_in_person_visit(stats):
    cover = {c.suite_id: c for c in stats.coverage}
    # A: V3 (20 May) was by telephone, so the last is V2 on 14 Apr: 30 Jun - 14 Apr = 77.
    assert (cover[A].last_visited, cover[A].days_since, cover[A].overdue) == (
        dt.date(2026, 4, 14), 77, True)
    # B: V5 (29 Jun) was refused and V4 abandoned; V6 on 11 Jun: 19 days.
    assert (cover[B].last_visited, cover[B].days_since, cover[B].overdue) == (
        dt.date(2026, 6, 11), 19, True)
    # C: never visited.
    assert (cover[C].last_visited, cover[C].days_since, cover[C].overdue) == (
        None, None, True)


def test_a_suite_visited_exactly_at_the_target_is_not_overdue():
    visits = quarter_visits()
    on_target = coverage(visits, dt.date(2026, 6, 30), target_days=19, suite_ids=[B])
    assert [(c.suite_id, c.days_since, c.overdue) for c in on_target] == [(B, 19, False)]
    one_day_late = coverage(visits, dt.date(2026, 6, 30), target_days=18, suite_ids=[B])
    assert one_day_late[0].overdue
    # Measured to another day: on 15 Jun, V6 was 4 days ago; 1 Jul's visit is in the
    # future then and the draft never counts.
    mid_june = coverage(visits, dt.date(2026, 6, 15), target_days=14)
    assert [(c.suite_id, c.last_visited, c.overdue) for c in mid_june] == [
        (A, dt.date(2026, 4, 14), True), (B, dt.date(2026, 6, 11), False)]


# Spread and predictability ------------------------------------------------------------------

def test_the_heat_map_counts_visits_by_weekday_and_hour_of_arrival(stats):
    expected = [[0] * 24 for _ in range(7)]
    expected[1][10] += 1  # V1 Tuesday 10:00
    expected[1][23] += 1  # V2 Tuesday 23:30
    expected[2][14] += 1  # V3 Wednesday 14:00
    expected[5][19] += 1  # V4 Saturday 19:00
    expected[0][8] += 1   # V5 Monday 08:00
    expected[3][13] += 1  # V6 Thursday 13:00
    assert [list(row) for row in stats.spread.total] == expected
    assert stats.spread.visits == 6
    suite_b = [[0] * 24 for _ in range(7)]
    suite_b[5][19] = suite_b[0][8] = suite_b[3][13] = 1
    assert [list(row) for row in stats.spread.by_suite[B]] == suite_b
    assert visit_spread(quarter_visits(), Q2) == stats.spread


def test_a_visit_with_no_arrival_time_is_left_out_of_the_heat_map_but_counted():
    spread = visit_spread([visit(A, "2026-04-07"), visit(A, "2026-04-08", "09:00")], Q2)
    assert spread.visits == 1 and spread.without_time == 1


def test_no_warning_when_visits_are_varied(stats):
    # Six visits are too few to judge shares; A's two Tuesdays are in different bands.
    assert stats.warnings == ()


def spread_of(*cells: tuple[str, str, str]) -> list[VisitReport]:
    """Visits at (suite, date, arrival), each completed in person."""
    return [visit(suite, day, arrival, None) for suite, day, arrival in cells]


# 1-7 June 2026 are Monday to Sunday; 8-14 June the next week.
DAYS = {name: dt.date(2026, 6, 1 + i) for i, name in enumerate(
    ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


def day(name: str, week: int) -> str:
    return (DAYS[name] + dt.timedelta(weeks=week)).isoformat()


# Ten arrival times, one in each band but 09-12 and 12-15 taking two: no band over 35%.
HOURS = ["01:00", "04:00", "07:00", "10:00", "11:00", "13:00", "14:00", "16:00",
         "19:00", "22:00"]
NAMES = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}


def varied(count: int, *, skip: str = "") -> list[tuple[str, str, str]]:
    """``count`` visits at ten suites in turn (no suite over 3 visits), days in turn
    (leaving out ``skip``), hours in turn: nothing clusters."""
    names = [n for n in ("mon", "tue", "wed", "thu", "fri", "sat", "sun") if n != skip]
    return [(f"suite-{i % 10}", day(names[i % len(names)], i // len(names)),
             HOURS[i % len(HOURS)]) for i in range(count)]


def test_a_weekday_holding_more_than_30_percent_of_visits_is_warned_about():
    # 20 visits on the six days but Tuesday (no day over 4, no band over 4) + 10 on
    # Tuesdays at ten hours: 10 of 30 = 33% on a Tuesday; the busiest bands (09-12 and
    # 12-15) hold 4 + 2 = 6 of 30, 20%.
    tuesdays = [(f"suite-t{i}", day("tue", i % 4), HOURS[i]) for i in range(10)]
    visits = spread_of(*varied(20, skip="tue"), *tuesdays)
    spread = visit_spread(visits, Q2)
    assert spread.visits == 30
    assert predictability_warnings(spread) == (
        "Across the scheme, 10 of 30 visits (33%) were on a Tuesday: vary the day of "
        "the week.",)
    # A scheme may set its own threshold.
    assert predictability_warnings(spread, Predictability(weekday_share=0.34)) == ()


def test_a_weekday_holding_exactly_30_percent_is_not_a_cluster():
    # 21 varied visits (no day over 4) + 9 on Tuesdays: 9 of 30, exactly 30%.
    tuesdays = [(f"suite-t{i}", day("tue", i % 4), HOURS[i]) for i in range(9)]
    visits = spread_of(*varied(21, skip="tue"), *tuesdays)
    assert predictability_warnings(visit_spread(visits, Q2)) == ()


def test_a_three_hour_band_holding_more_than_35_percent_is_warned_about():
    # 20 varied visits (two in 18:00-21:00: HOURS[8] twice) + 11 evening visits at 18:30
    # on days in turn: 13 of 31 (42%) between 18:00 and 21:00.
    evenings = [(f"suite-e{i}", day(name, 3), "18:30")
                for i, name in enumerate(["mon", "tue", "wed", "thu", "fri", "sat", "sun",
                                          "mon", "tue", "wed", "thu"])]
    visits = spread_of(*varied(20), *evenings)
    warnings = predictability_warnings(visit_spread(visits, Q2))
    assert warnings == (
        "Across the scheme, 13 of 31 visits (42%) began between 18:00 and 21:00: vary the "
        "time of day.",)


def test_shares_are_not_judged_on_fewer_visits_than_the_minimum():
    # 10 of 29 on a Tuesday would be 34%, but with min_visits 30 nothing is said.
    tuesdays = [(f"suite-t{i}", day("tue", i % 4), HOURS[i]) for i in range(10)]
    visits = spread_of(*varied(19, skip="tue"), *tuesdays)
    assert predictability_warnings(visit_spread(visits, Q2)) == ()
    assert predictability_warnings(visit_spread(visits, Q2), Predictability(min_visits=29))


def test_the_same_weekday_and_band_repeated_at_a_suite_is_warned_about():
    # Ashford: Thursdays 14:00, 13:30 and 12:15 (all 12:00-15:00) + a Monday and a Sunday
    # morning: 3 of 5 (60%). Beckley: 3 Thursday afternoons of 8 (38%, under 40%).
    visits = spread_of(
        ("ash", day("thu", 0), "14:00"), ("ash", day("thu", 1), "13:30"),
        ("ash", day("thu", 2), "12:15"), ("ash", day("mon", 0), "09:00"),
        ("ash", day("sun", 1), "07:00"),
        ("bec", day("thu", 0), "12:00"), ("bec", day("thu", 1), "12:30"),
        ("bec", day("thu", 2), "14:59"), ("bec", day("mon", 0), "01:00"),
        ("bec", day("tue", 0), "04:00"), ("bec", day("wed", 1), "07:00"),
        ("bec", day("fri", 1), "16:00"), ("bec", day("sat", 2), "22:00"),
    )
    warnings = predictability_warnings(visit_spread(visits, Q2),
                                       suite_names={"ash": "Ashford Road"})
    assert warnings == (
        "At Ashford Road, 3 of 5 visits (60%) were on a Thursday between 12:00 and 15:00: "
        "custody staff could come to expect them.",)


def test_two_repeats_are_a_coincidence_not_a_pattern():
    # 2 of 2 visits on a Thursday afternoon: 100%, but fewer than 3.
    visits = spread_of(("ash", day("thu", 0), "14:00"), ("ash", day("thu", 1), "13:00"))
    assert predictability_warnings(visit_spread(visits, Q2)) == ()
    assert predictability_warnings(visit_spread(visits, Q2), Predictability(repeat_count=2))


def test_scheme_statistics_passes_its_rules_and_names_to_the_warnings():
    visits = spread_of(*(("ash", day("thu", w), "14:00") for w in range(3)))
    stats = scheme_statistics(visits, Q2, suite_names={"ash": "Ashford Road"})
    assert stats.warnings == (
        "At Ashford Road, 3 of 3 visits (100%) were on a Thursday between 12:00 and 15:00:"
        " custody staff could come to expect them.",)
    assert scheme_statistics(visits, Q2, rules=Predictability(repeat_count=4)).warnings == ()


def test_band_labels_name_the_hours():
    assert band_label(0) == "between 00:00 and 03:00"
    assert band_label(6) == "between 18:00 and 21:00"
    assert band_label(7) == "between 21:00 and midnight"
    assert band_label(5, band_hours=4) == "between 20:00 and midnight"
    with pytest.raises(ValueError):
        Predictability(band_hours=5)


def test_a_single_pass_reads_a_one_shot_iterator_once():
    consumed = []

    def reports():
        for report in quarter_visits():
            consumed.append(report.id)
            yield report

    stats = scheme_statistics(reports(), Q2)
    assert len(consumed) == 10
    assert stats.current.total.visits == 6 and stats.previous.total.visits == 2
