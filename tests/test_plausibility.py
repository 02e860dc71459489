"""The visit form catches what a volunteer gets wrong (issue 8): each rule of
:mod:`icv_app.domain.custody.validation` on its own, an error where the report would be
wrong, a warning where it is merely unusual, each naming the field to look at.

Every test starts from a report with no problem at all under the scheme's context, changes
one thing, and checks what is said about it and where.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from icv_app.domain.custody.reference import ReferenceData, Suite, Visitor, load_shipped
from icv_app.domain.custody.validation import (
    DELAY_TOLERANCE_MINUTES,
    LATE_REPORT_DAYS,
    LONG_VISIT_MINUTES,
    Context,
    Problem,
    Severity,
    count_problems,
    errors,
    plural,
    validate,
)
from icv_app.domain.custody.visit import (
    ConditionItem,
    ConditionState,
    Detainee,
    Gender,
    IssueRaised,
    NotOfferedReason,
    VisitMode,
    VisitorOnVisit,
    VisitOutcome,
    VisitReport,
    VisitStatus,
    WelfareCheck,
)
from tests.test_validation import complete_report

ERROR, WARNING = Severity.ERROR, Severity.WARNING
REFERENCE = load_shipped()
# A week after complete_report()'s visit (14 Mar 2026, 19:05 to 20:15).
NOW = dt.datetime(2026, 3, 21, 12, 0)
CONTEXT = Context(now=NOW, reference=REFERENCE)


def check(report: VisitReport, context: Context = CONTEXT) -> list[Problem]:
    return validate(report, context)


def on(report: VisitReport, field: str, context: Context = CONTEXT) -> list[Problem]:
    """The problems marked on ``field`` (as the one it is about, or as related)."""
    return [p for p in check(report, context) if field in p.fields]


def only(report: VisitReport, context: Context = CONTEXT) -> Problem:
    """The one problem the report has (the test changed one thing)."""
    problems = check(report, context)
    assert len(problems) == 1, problems
    return problems[0]


def test_the_starting_report_has_no_problem_at_all():
    assert check(complete_report()) == []


# Required fields ---------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "words"), [
    ("suite_id", "custody suite"),
    ("visit_date", "date of the visit"),
    ("arrival_time", "time you arrived"),
    ("departure_time", "time you left"),
])
def test_a_completed_visit_needs_suite_date_arrival_and_departure(field, words):
    r = complete_report()
    setattr(r.header, field, "" if field == "suite_id" else None)
    problems = [p for p in errors(r, CONTEXT) if p.field == f"header.{field}"]
    assert len(problems) == 1 and words in problems[0].message


def test_an_abandoned_visit_needs_no_departure_time_but_says_why():
    r = complete_report()
    r.header.outcome = VisitOutcome.ABANDONED
    r.header.departure_time = None
    r.detainees = []
    r.counts = type(r.counts)()
    p = only(r)
    assert (p.field, p.severity) == ("header.outcome_note", ERROR)
    assert p.message == "Say why the visit was abandoned."
    r.header.outcome_note = "Kept waiting 45 minutes."
    assert check(r) == []


def test_a_refused_visit_needs_a_reason_too():
    r = complete_report()
    r.header.outcome = VisitOutcome.REFUSED_ACCESS
    r.detainees = []
    problems = [p for p in errors(r, CONTEXT) if p.field == "header.outcome_note"]
    assert problems and "refused access" in problems[0].message


def test_a_completed_visit_with_nothing_recorded_is_not_nothing_to_fix():
    r = VisitReport()
    r.header.suite_id = "suite-dunmore"
    r.header.visit_date = dt.date(2026, 3, 14)
    r.header.arrival_time = dt.time(19, 5)
    r.header.visitors = [VisitorOnVisit("v-005"), VisitorOnVisit("v-006")]
    problems = check(r)
    n_errors, n_warnings = count_problems(problems)
    assert n_errors >= 1 and n_warnings >= 1
    assert any(p.field == "header.departure_time" and p.severity is ERROR for p in problems)
    nothing = [p for p in problems if p.field == "counts.in_custody"]
    assert len(nothing) == 1 and nothing[0].severity is WARNING
    assert nothing[0].message.startswith("Nothing is recorded about this visit")


def test_nobody_in_custody_is_fine_when_the_conditions_were_checked():
    r = complete_report()
    r.counts = type(r.counts)()
    r.detainees = []
    assert [p.message[:31] for p in on(r, "counts.in_custody")] == [
        "Nothing is recorded about this "]
    r.condition(ConditionItem.HEATING).state = ConditionState.SATISFACTORY
    assert check(r) == []


# Times in order, and past midnight -------------------------------------------------------

def past_midnight(next_day: bool) -> VisitReport:
    r = complete_report()
    r.header.arrival_time = dt.time(23, 30)
    r.header.admitted_time = dt.time(23, 33)
    r.header.departure_time = dt.time(0, 45)
    r.header.departure_next_day = next_day
    return r


def test_a_visit_running_past_midnight_is_valid_with_next_day_ticked():
    assert check(past_midnight(next_day=True)) == []


def test_a_departure_after_midnight_without_next_day_says_to_tick_it():
    p = only(past_midnight(next_day=False))
    assert (p.field, p.severity) == ("header.departure_time", ERROR)
    assert p.message.startswith("Departure is before arrival.")
    assert "next day" in p.message and "tick" in p.message


def test_an_admission_after_midnight_is_valid_with_next_day_ticked():
    r = complete_report()
    r.header.arrival_time = dt.time(23, 55)
    r.header.admitted_time = dt.time(0, 2)
    r.header.departure_time = dt.time(1, 10)
    r.header.departure_next_day = True
    p = only(r)
    assert (p.field, p.severity) == ("header.admitted_time", ERROR)
    assert "before the arrival time" in p.message and "next day" in p.message
    r.header.admitted_next_day = True
    assert check(r) == []


def test_a_departure_before_admission_is_an_error_without_the_hint_when_ticked():
    r = complete_report()
    r.header.arrival_time = dt.time(23, 55)
    r.header.admitted_time, r.header.admitted_next_day = dt.time(0, 3), True
    r.header.departure_time, r.header.departure_next_day = dt.time(0, 1), True
    p = only(r)
    assert p.field == "header.departure_time"
    assert p.message == "Departure is before the time admitted."


def test_next_day_ticked_with_no_time_is_an_error():
    r = complete_report()
    r.header.admitted_time = None
    r.header.admitted_next_day = True
    p = only(r)
    assert p.field == "header.admitted_time" and "no admission time" in p.message
    r = complete_report()
    r.header.outcome = VisitOutcome.ABANDONED
    r.header.outcome_note = "Left early."
    r.detainees = []
    r.header.departure_time = None
    r.header.departure_next_day = True
    p = only(r)
    assert p.field == "header.departure_time" and "no departure time" in p.message


def test_a_visit_of_a_day_or_more_is_an_error():
    r = complete_report()
    r.header.departure_time = dt.time(19, 30)
    r.header.departure_next_day = True
    p = only(r, Context(reference=REFERENCE))
    assert (p.field, p.severity) == ("header.departure_time", ERROR)
    assert "a day or more" in p.message


def test_a_long_visit_is_a_warning_giving_its_length():
    r = complete_report()
    r.header.arrival_time = dt.time(9, 0)
    r.header.admitted_time = dt.time(9, 5)
    r.header.departure_time = dt.time(16, 5)  # 7 h 05 min
    p = only(r)
    assert (p.field, p.severity) == ("header.departure_time", WARNING)
    assert "7 h 05 min" in p.message
    r.header.departure_time = dt.time(9 + LONG_VISIT_MINUTES // 60, 0)  # exactly the limit
    assert check(r) == []


def test_a_visit_on_the_night_the_clocks_go_back_counts_the_hour_lived_twice():
    # 25 Oct 2026: 02:00 BST became 01:00 GMT. 00:00 to 05:45 on the wall is 6 h 45 min.
    r = complete_report()
    r.header.visit_date = dt.date(2026, 10, 25)
    r.header.arrival_time = dt.time(0, 0)
    r.header.admitted_time = dt.time(0, 5)
    r.header.departure_time = dt.time(5, 45)
    p = only(r, Context(now=dt.datetime(2026, 10, 26, 9, 0), reference=REFERENCE))
    assert "6 h 45 min" in p.message


def test_a_visit_on_the_night_the_clocks_go_forward_is_not_long_by_the_missing_hour():
    # 29 Mar 2026: 01:00 GMT became 02:00 BST. 00:30 to 07:00 on the wall is 5 h 30 min.
    r = complete_report()
    r.header.visit_date = dt.date(2026, 3, 29)
    r.header.arrival_time = dt.time(0, 30)
    r.header.admitted_time = dt.time(0, 35)
    r.header.departure_time = dt.time(7, 0)
    assert check(r, Context(now=dt.datetime(2026, 3, 30, 9, 0), reference=REFERENCE)) == []


# Nothing later than now ------------------------------------------------------------------

def test_a_visit_date_still_to_come_is_an_error():
    r = complete_report()
    r.header.visit_date = NOW.date() + dt.timedelta(days=1)
    p = only(r)
    assert (p.field, p.severity) == ("header.visit_date", ERROR)
    assert "still to come" in p.message


@pytest.mark.parametrize(("field", "label"), [
    ("arrival_time", "arrival"), ("admitted_time", "admission"),
    ("departure_time", "departure"),
])
def test_a_time_later_than_now_is_an_error_on_that_time(field, label):
    r = complete_report()
    r.header.visit_date = NOW.date()  # now is 12:00
    r.header.arrival_time, r.header.admitted_time = dt.time(12, 10), dt.time(12, 14)
    r.header.departure_time = dt.time(12, 40)
    [p] = [p for p in check(r) if p.field == f"header.{field}"]
    assert p.severity is ERROR
    assert p.message == (f"The {label} time is later than now (12:00): a report records a "
                         "visit that has happened.")


def test_only_the_time_still_to_come_is_marked():
    r = complete_report()
    r.header.visit_date = NOW.date()
    r.header.arrival_time, r.header.admitted_time = dt.time(11, 0), dt.time(11, 4)
    r.header.departure_time = dt.time(12, 5)
    p = only(r)
    assert (p.field, p.severity) == ("header.departure_time", ERROR)
    assert "later than now" in p.message


def test_a_time_exactly_now_is_accepted():
    r = complete_report()
    r.header.visit_date = NOW.date()
    r.header.arrival_time, r.header.admitted_time = dt.time(11, 0), dt.time(11, 4)
    r.header.departure_time = NOW.time()
    assert check(r) == []


def test_a_departure_after_midnight_still_to_come_is_later_than_now():
    r = past_midnight(next_day=True)
    r.header.visit_date = NOW.date()  # 23:30 today: already later than 12:00
    fields = {p.field for p in errors(r, CONTEXT) if "later than now" in p.message}
    assert fields == {"header.arrival_time", "header.admitted_time", "header.departure_time"}


def test_without_a_clock_nothing_is_compared_with_now():
    r = complete_report()
    r.header.visit_date = dt.date(2999, 1, 1)
    assert check(r, Context(reference=REFERENCE)) == []


def test_a_copy_to_the_reviewer_dated_still_to_come_or_before_the_visit_is_an_error():
    r = complete_report()
    r.header.tact_copy_sent = NOW.date() + dt.timedelta(days=2)
    assert [p.message for p in on(r, "header.tact_copy_sent")] == ["This date is still to come."]
    r.header.tact_copy_sent = dt.date(2026, 3, 13)
    p = only(r)
    assert p.field == "header.tact_copy_sent" and "before the visit" in p.message


# Late reports ----------------------------------------------------------------------------

def test_a_draft_of_a_visit_weeks_ago_is_a_warning_with_the_days():
    r = complete_report()
    now = dt.datetime.combine(r.header.visit_date, dt.time(12)) + dt.timedelta(days=20)
    p = only(r, Context(now=now, reference=REFERENCE))
    assert (p.field, p.severity) == ("header.visit_date", WARNING)
    assert p.message.startswith("This visit was 20 days ago")
    within = dt.datetime.combine(r.header.visit_date, dt.time(12)) + dt.timedelta(
        days=LATE_REPORT_DAYS)
    assert check(r, Context(now=within, reference=REFERENCE)) == []


def test_a_report_submitted_on_the_day_is_not_late_however_long_ago():
    r = complete_report()
    r.status = VisitStatus.SUBMITTED
    r.submitted_at = dt.datetime(2026, 3, 14, 20, 30, tzinfo=dt.UTC)
    a_year_on = Context(now=dt.datetime(2027, 3, 20, 9, 0), reference=REFERENCE)
    assert check(r, a_year_on) == []


def test_a_report_submitted_weeks_after_the_visit_is_a_warning():
    r = complete_report()
    r.header.visit_date = dt.date(2026, 7, 14)
    r.status = VisitStatus.SUBMITTED
    # 23:30 UTC on the 28th is 00:30 BST on the 29th: 15 days after, on the scheme's clock.
    r.submitted_at = dt.datetime(2026, 7, 28, 23, 30, tzinfo=dt.UTC)
    p = only(r, Context(now=dt.datetime(2026, 8, 1, 9, 0), reference=REFERENCE))
    assert p.field == "header.visit_date" and p.severity is WARNING
    assert "submitted 15 days after the visit" in p.message


# Delay before admission ------------------------------------------------------------------

def waited(arrival: dt.time, admitted: dt.time, minutes: int) -> VisitReport:
    r = complete_report()
    r.header.arrival_time, r.header.admitted_time = arrival, admitted
    r.header.departure_time = dt.time(15, 30)
    r.header.delay_minutes = minutes
    if minutes:
        r.header.delay_reason = "Incident in the cell block."
        r.header.delay_authorised_by = "Insp 5521"
    return r


def test_a_wait_longer_than_arrival_to_admission_is_a_warning_on_the_wait():
    p = only(waited(dt.time(14, 5), dt.time(14, 20), 20))
    assert (p.field, p.severity) == ("header.delay_minutes", WARNING)
    assert p.related == ("header.arrival_time", "header.admitted_time")
    assert p.message == ("Kept waiting 20 minutes, but arrival at 14:05 to admission at 14:20 "
                         "is 15 minutes: check the wait and the times.")


def test_a_gap_far_longer_than_the_wait_is_a_warning():
    p = only(waited(dt.time(14, 5), dt.time(14, 40), 5))
    assert p.field == "header.delay_minutes" and p.severity is WARNING
    assert "Kept waiting 5 minutes" in p.message and "is 35 minutes" in p.message


def test_a_gap_up_to_the_tolerance_beyond_the_wait_is_signing_in_not_a_delay():
    arrival = dt.datetime(2026, 3, 14, 14, 5)
    admitted = (arrival + dt.timedelta(minutes=5 + DELAY_TOLERANCE_MINUTES)).time()
    assert check(waited(arrival.time(), admitted, 5)) == []
    later = (arrival + dt.timedelta(minutes=6 + DELAY_TOLERANCE_MINUTES)).time()
    assert [p.field for p in check(waited(arrival.time(), later, 5))] == [
        "header.delay_minutes"]


def test_a_long_gap_with_no_wait_recorded_says_so_in_words():
    p = only(waited(dt.time(14, 0), dt.time(14, 30), 0))
    assert p.message.startswith("No wait is recorded, but arrival at 14:00")


def test_one_minute_is_said_in_the_singular():
    p = only(waited(dt.time(14, 5), dt.time(14, 5), 1))
    assert "Kept waiting 1 minute, " in p.message and "is 0 minutes" in p.message


def test_a_delay_reason_with_no_wait_is_a_warning_not_dropped():
    r = complete_report()
    r.header.delay_reason = "Cell block busy."
    p = only(r)
    assert (p.field, p.severity) == ("header.delay_minutes", WARNING)
    assert p.related == ("header.delay_reason",)
    assert "A reason for a delay is recorded but the wait is 0 minutes" in p.message


def test_who_authorised_a_delay_with_no_wait_is_a_warning_on_that_field_too():
    r = complete_report()
    r.header.delay_authorised_by = "Insp 5521"
    p = only(r)
    assert p.field == "header.delay_minutes" and p.related == ("header.delay_authorised_by",)
    assert p.message.startswith("Who authorised a delay is recorded")


def test_a_delay_needs_its_reason_and_who_authorised_it():
    r = waited(dt.time(14, 5), dt.time(14, 20), 12)
    assert check(r) == []
    r.header.delay_reason = r.header.delay_authorised_by = "  "
    assert {(p.field, p.severity) for p in check(r)} == {
        ("header.delay_reason", ERROR), ("header.delay_authorised_by", ERROR)}


def test_a_negative_delay_is_an_error_and_nothing_else_about_the_wait():
    r = waited(dt.time(14, 5), dt.time(14, 40), 0)
    r.header.delay_minutes = -5
    p = only(r)
    assert (p.field, p.message) == ("header.delay_minutes", "A delay cannot be negative.")


# Visitors, suite, mode ---------------------------------------------------------------------

def test_visitors_are_needed_once_each():
    r = complete_report()
    r.header.visitors = []
    assert [(p.field, p.severity) for p in check(r)] == [("header.visitors", ERROR)]
    r.header.visitors = [VisitorOnVisit("v-005"), VisitorOnVisit("v-005")]
    assert [p.message for p in errors(r, CONTEXT)] == ["The same visitor is listed twice."]


def tact_visit(*visitors: str) -> VisitReport:
    r = complete_report()
    r.header.tact = True
    r.header.visitors = [VisitorOnVisit(v) for v in visitors]
    return r


def test_tact_detainees_without_a_tact_trained_visitor_are_a_warning():
    assert not any(REFERENCE.visitor(v).tact for v in ("v-005", "v-006"))  # type: ignore
    p = only(tact_visit("v-005", "v-006"))
    assert (p.field, p.severity) == ("header.tact", WARNING)
    assert "TACT-trained" in p.message and p.related == ("header.visitors",)


def test_one_tact_trained_visitor_is_enough():
    assert REFERENCE.visitor("v-001").tact  # type: ignore[union-attr]
    assert check(tact_visit("v-001", "v-005")) == []


def test_without_reference_data_tact_training_is_not_judged():
    assert validate(tact_visit("v-005", "v-006"), Context(now=NOW)) == []


def with_closed_suite() -> ReferenceData:
    suites = (Suite("s-open", "Open Road", "North", "North panel", "24-hour", True),
              Suite("s-shut", "Old Yard", "North", "North panel", "reserve", False))
    visitors = (Visitor("v-005", "Test Visitor A", "North panel", True, False, False),
                Visitor("v-006", "Test Visitor B", "North panel", True, False, False))
    return ReferenceData("Test scheme", ("North panel",), suites, visitors)


def test_a_closed_suite_is_a_warning_naming_it():
    ref = with_closed_suite()
    r = complete_report()
    r.header.suite_id = "s-shut"
    p = only(r, Context(now=NOW, reference=ref))
    assert (p.field, p.severity) == ("header.suite_id", WARNING)
    assert p.message.startswith("Old Yard is recorded as closed")
    r.header.suite_id = "s-open"
    assert check(r, Context(now=NOW, reference=ref)) == []


def test_only_open_suites_are_offered_and_the_one_a_report_keeps():
    ref = with_closed_suite()
    assert [s.id for s in ref.open_suites()] == ["s-open"]
    assert [s.id for s in ref.open_suites(keep="s-shut")] == ["s-open", "s-shut"]
    assert [s.id for s in ref.open_suites(keep="s-open")] == ["s-open"]


@pytest.mark.parametrize("mode", [VisitMode.TELEPHONE, VisitMode.VIDEO])
def test_a_remote_visit_with_contact_in_the_cell_is_an_error_on_that_count(mode):
    r = complete_report()
    r.header.mode = mode
    r.counts.contact_cell = 2
    p = only(r)
    assert (p.field, p.severity) == ("counts.contact_cell", ERROR)
    assert p.related == ("header.mode",)
    assert p.message.startswith(f"A {mode.label.lower()} visit meets no one in person")


def test_each_place_of_contact_on_a_remote_visit_is_marked():
    r = complete_report()
    r.header.mode = VisitMode.TELEPHONE
    r.counts.contact_hatch = 1
    r.counts.contact_interview_room = 1
    p = only(r)
    assert p.fields == ("counts.contact_hatch", "counts.contact_interview_room", "header.mode")


def test_contact_in_the_cell_is_fine_in_person():
    r = complete_report()
    r.counts.contact_cell = 3
    assert check(r) == []


def test_conditions_checked_on_a_telephone_visit_are_a_warning_on_the_mode():
    r = complete_report()
    r.condition(ConditionItem.HEATING).state = ConditionState.SATISFACTORY
    r.header.mode = VisitMode.TELEPHONE
    p = only(r)
    assert (p.field, p.severity) == ("header.mode", WARNING)
    r.header.mode = VisitMode.VIDEO  # a camera can show a cell
    assert check(r) == []


# Counts ------------------------------------------------------------------------------------

def test_accepted_more_than_in_custody_marks_accepted_and_nothing_else():
    r = complete_report()
    r.counts.accepted = 8  # 6 in custody, 4 offered
    p = only(r)
    assert (p.field, p.severity) == ("counts.accepted", ERROR)
    assert p.message == "Accepted (8) is more than the 6 in custody."
    assert p.related == ("counts.in_custody",)


def test_a_sum_that_is_too_big_marks_each_count_in_it():
    r = complete_report()
    c = r.counts
    c.offered, c.accepted, c.declined, c.observed, c.not_offered = 6, 4, 2, 0, 3
    p = only(r)
    assert p.fields == ("counts.accepted", "counts.declined", "counts.not_offered",
                        "counts.in_custody")
    assert "(9) is more than the 6 in custody" in p.message


def test_offered_observed_and_not_offered_cannot_add_up_to_more_than_in_custody():
    r = complete_report()
    c = r.counts
    c.offered, c.accepted, c.declined, c.observed, c.not_offered = 6, 2, 0, 0, 3
    p = only(r)
    assert p.severity is ERROR
    assert p.fields == ("counts.offered", "counts.not_offered", "counts.in_custody")
    assert p.message == "Offered + observed + not offered (9) is more than the 6 in custody."


def test_male_and_female_adding_up_to_more_than_in_custody_marks_both():
    r = complete_report()
    r.counts.male, r.counts.female = 5, 2
    p = only(r)
    assert p.fields == ("counts.male", "counts.female", "counts.in_custody")


def test_accepted_and_declined_cannot_be_more_than_offered():
    r = complete_report()
    r.counts.offered = 3  # accepted 3 + declined 1
    p = only(r)
    assert p.fields == ("counts.accepted", "counts.declined", "counts.offered")
    r = complete_report()
    r.counts.offered, r.counts.declined = 2, 0
    p = only(r)
    assert p.field == "counts.accepted" and p.message.startswith("Accepted (3) is more than")


def test_a_negative_count_is_the_one_marked():
    r = complete_report()
    r.counts.in_custody = -1
    assert [(p.field, p.message) for p in errors(r, CONTEXT)] == [
        ("counts.in_custody", "A count cannot be negative.")]
    r = complete_report()
    r.counts.contact_hatch = -2
    assert [p.field for p in errors(r, CONTEXT)] == ["counts.contact_hatch"]


@pytest.mark.parametrize("name", ["in_custody", "accepted", "offered"])
def test_a_negative_count_in_an_otherwise_empty_report_is_said_not_a_crash(name):
    # As a report pushed by a faulty client reaches the server's checks.
    r = complete_report()
    r.counts = type(r.counts)()
    r.detainees = []
    r.condition(ConditionItem.HEATING).state = ConditionState.SATISFACTORY
    setattr(r.counts, name, -1)
    assert [(p.field, p.message) for p in check(r)] == [
        (f"counts.{name}", "A count cannot be negative.")]


def test_reasons_not_offered_must_add_up_to_those_not_offered():
    r = complete_report()
    r.counts.not_offered_reasons = {NotOfferedReason.ASLEEP: 1, NotOfferedReason.SHOWER: 1}
    p = only(r)
    assert p.fields == ("counts.not_offered_reasons", "counts.not_offered")
    assert p.message == "The reasons add up to 2 but 1 was not offered a visit."
    r.counts.not_offered_reasons = {NotOfferedReason.ASLEEP: 1}
    assert check(r) == []


def test_places_of_contact_cannot_be_more_than_those_who_accepted():
    r = complete_report()
    r.counts.contact_cell, r.counts.contact_hatch = 2, 2
    p = only(r)
    assert p.fields == ("counts.contact_cell", "counts.contact_hatch", "counts.accepted")


# Counts against the detainees met ----------------------------------------------------------

def test_a_detainee_ticked_juvenile_with_no_juveniles_counted_marks_juveniles():
    r = complete_report()
    r.detainees[0].juvenile = True
    r.detainees[0].needs_appropriate_adult = True
    p = only(r)
    assert (p.field, p.severity) == ("counts.juveniles", ERROR)
    assert p.message == "1 detainee met is ticked juvenile, but Juveniles in custody is 0."


def test_two_juveniles_are_said_in_the_plural():
    r = complete_report()
    r.detainees.append(Detainee(custody_number="07NS/0194/26"))
    for d in r.detainees:
        d.juvenile = d.needs_appropriate_adult = True
    r.counts.juveniles = 1
    assert [p.message for p in on(r, "counts.juveniles")] == [
        "2 detainees met are ticked juvenile, but Juveniles in custody is 1."]


def test_more_detainees_recorded_than_in_custody_is_an_error():
    r = complete_report()
    r.counts = type(r.counts)(in_custody=1, male=1, offered=1, accepted=1)
    r.detainees.append(Detainee(custody_number="07NS/0194/26"))
    assert [p.message for p in errors(r, CONTEXT) if p.field == "counts.in_custody"] == [
        "2 detainees are recorded but 1 was in custody."]


def test_more_detainees_recorded_than_accepted_is_a_warning():
    r = complete_report()
    r.counts.accepted, r.counts.declined = 0, 4
    p = only(r)
    assert (p.field, p.severity) == ("counts.accepted", WARNING)
    assert p.message == "1 detainee is recorded but no one accepted a visit."


def test_a_detainee_met_of_a_gender_not_counted_is_a_warning():
    r = complete_report()
    r.detainees[0].gender = Gender.FEMALE
    assert check(r) == []  # 1 female counted
    r.counts.male, r.counts.female = 6, 0
    p = only(r)
    assert (p.field, p.severity) == ("counts.female", WARNING)
    assert "1 detainee met is recorded as female" in p.message


def test_accepted_with_no_detainee_recorded_is_a_warning():
    r = complete_report()
    r.detainees = []
    p = only(r)
    assert (p.field, p.severity, p.related) == ("detainees", WARNING, ("counts.accepted",))


def test_detainees_on_an_abandoned_visit_are_a_warning():
    r = complete_report()
    r.header.outcome = VisitOutcome.ABANDONED
    r.header.outcome_note = "Suite closed for an incident."
    p = only(r)
    assert (p.field, p.severity) == ("detainees", WARNING)
    assert "abandoned" in p.message


def test_people_in_custody_none_offered_observed_or_not_offered_is_a_warning():
    r = complete_report()
    c = r.counts
    c.offered = c.accepted = c.declined = c.observed = c.not_offered = 0
    r.detainees = []
    p = only(r)
    assert (p.field, p.severity) == ("counts.offered", WARNING)
    assert p.message.startswith("6 in custody, but none")


# Detainees ---------------------------------------------------------------------------------

def test_a_detainee_needs_a_custody_number():
    r = complete_report()
    r.detainees[0].custody_number = " "
    p = only(r)
    assert (p.field, p.message) == ("detainees[0].custody_number",
                                    "Enter the custody record number.")


@pytest.mark.parametrize(("typed", "words"), [
    ("John Smith", "a name"),
    ("John Smith DOB 1990", "date of birth"),
    ("12 High Street", "an address"),
    ("01/02/1990", "date of birth"),
])
def test_personal_data_where_a_custody_number_belongs_is_an_error(typed, words):
    r = complete_report()
    r.detainees[0].custody_number = typed
    for context in (CONTEXT, Context(now=NOW, custody_number_pattern=None)):
        p = only(r, context)
        assert (p.field, p.severity) == ("detainees[0].custody_number", ERROR)
        assert words in p.message


def test_a_number_not_of_the_schemes_pattern_is_an_error_unless_no_pattern_is_set():
    r = complete_report()
    r.detainees[0].custody_number = "XY-99"
    p = only(r)
    assert "not a custody record number of this scheme" in p.message
    assert check(r, Context(now=NOW, reference=REFERENCE, custody_number_pattern=None)) == []


def test_the_same_custody_number_typed_differently_is_a_duplicate():
    r = complete_report()
    r.detainees.append(Detainee(custody_number="07ns / 0193 / 26"))
    p = only(r)
    assert p.field == "detainees[1].custody_number"
    assert p.message.endswith("is already recorded for detainee 1.")
    r.detainees[1].custody_number = "07NS/0194/26"
    assert check(r) == []


def test_a_record_checked_needs_consent_and_a_match_needs_a_check():
    r = complete_report()
    d = r.detainees[0]
    d.record_matches = True
    p = only(r)
    assert p.field == "detainees[0].record_matches" and "checked" in p.message
    d.record_checked = True
    p = only(r)
    assert p.field == "detainees[0].record_checked" and "consent" in p.message
    d.consent_record_check = False
    assert [p.field for p in check(r)] == ["detainees[0].record_checked"]
    d.consent_record_check = True
    assert check(r) == []


def test_something_raised_by_a_detainee_who_did_not_consent_to_talk_is_a_warning():
    r = complete_report()
    r.detainees[0].consent_to_talk = False
    r.detainees[0].raised = "Asked for a blanket."
    p = only(r)
    assert (p.field, p.severity) == ("detainees[0].raised", WARNING)


def test_menstrual_products_for_a_detainee_recorded_as_male_is_a_warning():
    r = complete_report()
    d = r.detainees[0]
    d.gender = Gender.MALE
    d.checks[WelfareCheck.MENSTRUAL_PRODUCTS] = True
    p = only(r)
    assert (p.field, p.severity) == ("detainees[0].checks.menstrual_products", WARNING)


def test_a_juvenile_without_an_appropriate_adult_is_a_warning_on_both_boxes():
    r = complete_report()
    r.counts.juveniles = 1
    r.detainees[0].juvenile = True
    p = only(r)
    assert (p.field, p.severity) == ("detainees[0].needs_appropriate_adult", WARNING)
    assert p.related == ("detainees[0].juvenile",)
    r.detainees[0].needs_appropriate_adult = True
    assert check(r) == []


def test_an_appropriate_adult_arriving_unrequested_is_a_warning():
    r = complete_report()
    d = r.detainees[0]
    d.checks[WelfareCheck.APPROPRIATE_ADULT_REQUESTED] = False
    d.checks[WelfareCheck.APPROPRIATE_ADULT_ARRIVED] = True
    p = only(r)
    assert (p.field, p.severity) == ("detainees[0].checks.appropriate_adult_arrived", WARNING)
    d.checks[WelfareCheck.APPROPRIATE_ADULT_REQUESTED] = True
    assert check(r) == []


# Conditions and issues ---------------------------------------------------------------------

def test_a_condition_not_satisfactory_needs_a_note():
    r = complete_report()
    check_ = r.condition(ConditionItem.CALL_BELLS)
    check_.state = ConditionState.NOT_SATISFACTORY
    p = only(r)
    assert p.field == "conditions.call_bells.note"
    assert p.message.startswith("Cell call bells / intercoms working is marked not satisfactory")
    check_.note = "Cell 4 bell silent."
    assert check(r) == []


def test_an_issue_needs_text_whether_resolved_and_who_it_was_raised_with():
    r = complete_report()
    issue = IssueRaised()
    r.issues.append(issue)
    assert {p.field for p in check(r)} == {"issues[0].text", "issues[0].resolved"}
    issue.text, issue.resolved = "Cell 3 cold.", True
    assert [p.field for p in check(r)] == ["issues[0].raised_with"]
    issue.raised_with = "PS 2417"
    assert check(r) == []


def test_an_issue_about_a_detainee_since_removed_is_an_error():
    r = complete_report()
    r.issues.append(IssueRaised(text="Asked for a drink.", resolved=True,
                                raised_with="PS 2417", detainee_id=r.detainees[0].id))
    assert check(r) == []
    r.issues[0].detainee_id = "gone"
    p = only(r)
    assert p.field == "issues[0].detainee_id" and "removed" in p.message


# Plain English -----------------------------------------------------------------------------

def test_plural_says_one_without_an_s():
    assert [plural(n, "detainee") for n in (0, 1, 2)] == [
        "0 detainees", "1 detainee", "2 detainees"]
    assert plural(1, "person", "people") == "1 person"
    assert plural(3, "person", "people") == "3 people"


def one_of_everything() -> list[VisitReport]:
    """Reports where every number a message gives is 1 (the place a wrong plural shows)."""
    reports = []
    r = complete_report()
    r.counts = type(r.counts)(in_custody=1, male=1, offered=1, accepted=1, not_offered=1,
                              not_offered_reasons={NotOfferedReason.ASLEEP: 1})
    r.detainees.append(Detainee(custody_number="07NS/0194/26", juvenile=True))
    reports.append(r)
    r = complete_report()
    r.detainees[0].juvenile = True
    r.detainees[0].gender = Gender.FEMALE
    r.counts.female = 0
    r.counts.accepted, r.counts.declined = 0, 4
    reports.append(r)
    reports.append(waited(dt.time(14, 5), dt.time(14, 5), 1))
    r = complete_report()
    r.counts.contact_cell = 4
    r.counts.accepted = 1
    r.counts.declined = 3
    reports.append(r)
    return reports


def test_no_message_says_one_of_anything_in_the_plural_or_hedges_with_s_in_brackets():
    messages = [p.message for r in one_of_everything() for p in check(r)]
    assert len(messages) >= 6
    for message in messages:
        assert "(s)" not in message, message
        assert not re.search(r"\b1 (detainees|minutes|days|were)\b", message), message
