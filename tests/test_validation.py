"""Validation messages a volunteer sees, each naming the field it is about."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from icv_app.domain.custody.demo import generate_visit, generate_visits
from icv_app.domain.custody.validation import (
    LATE_REPORT_DAYS,
    Context,
    Severity,
    errors,
    validate,
)
from icv_app.domain.custody.visit import (
    ConditionItem,
    ConditionState,
    Detainee,
    IssueRaised,
    VisitorOnVisit,
    VisitOutcome,
    VisitReport,
)


def complete_report() -> VisitReport:
    r = VisitReport()
    h = r.header
    h.suite_id = "suite-dunmore"
    h.visit_date = dt.date(2026, 3, 14)
    h.arrival_time = dt.time(19, 5)
    h.admitted_time = dt.time(19, 9)
    h.departure_time = dt.time(20, 15)
    h.visitors = [VisitorOnVisit("v-005"), VisitorOnVisit("v-006")]
    c = r.counts
    c.in_custody, c.male, c.female = 6, 5, 1
    c.offered, c.accepted, c.declined, c.observed, c.not_offered = 4, 3, 1, 1, 1
    r.detainees = [Detainee(custody_number="07NS/0193/26")]
    return r


def fields(report: VisitReport) -> dict[str, str]:
    """Each field's messages, joined (a message about several fields marks each)."""
    out: dict[str, str] = {}
    for p in errors(report):
        for name in p.fields:
            out[name] = f"{out[name]} {p.message}" if name in out else p.message
    return out


def test_a_complete_report_has_no_errors():
    assert errors(complete_report()) == []


def test_departure_before_arrival_is_named_on_the_departure_field():
    r = complete_report()
    r.header.departure_time = dt.time(18, 0)
    assert "Departure is before arrival" in fields(r)["header.departure_time"]


def test_counts_accounted_for_cannot_exceed_those_in_custody():
    r = complete_report()
    r.counts.not_offered = 3  # 3 + 1 + 1 + 3 = 8 > 6
    message = fields(r)["counts.not_offered"]
    assert "(8)" in message and "6 in custody" in message


def test_juveniles_cannot_exceed_the_total():
    r = complete_report()
    r.counts.juveniles = 7
    assert "Juveniles (7)" in fields(r)["counts.juveniles"]


def test_a_delay_needs_a_reason_and_who_authorised_it():
    r = complete_report()
    r.header.delay_minutes = 15
    got = fields(r)
    assert "reason" in got["header.delay_reason"]
    assert "authorised" in got["header.delay_authorised_by"]
    r.header.delay_reason = "Incident in the cell block"
    r.header.delay_authorised_by = "Insp 5521"
    assert "header.delay_reason" not in fields(r)
    assert "header.delay_authorised_by" not in fields(r)


def test_custody_record_check_needs_consent():
    r = complete_report()
    r.detainees[0].record_checked = True
    assert "consent" in fields(r)["detainees[0].record_checked"]
    r.detainees[0].consent_record_check = True
    assert "detainees[0].record_checked" not in fields(r)


def test_a_name_is_refused_where_a_custody_number_belongs():
    r = complete_report()
    r.detainees.append(Detainee(custody_number="Jo Bloggs"))
    assert "never a name" in fields(r)["detainees[1].custody_number"]


def test_duplicate_custody_numbers_point_at_the_second_entry():
    r = complete_report()
    r.detainees.append(Detainee(custody_number="07ns/0193/26"))
    assert "already recorded for detainee 1" in fields(r)["detainees[1].custody_number"]


def test_unsatisfactory_condition_needs_a_note():
    r = complete_report()
    r.condition(ConditionItem.HEATING).state = ConditionState.NOT_SATISFACTORY
    assert "Heating" in fields(r)["conditions.heating.note"]


def test_issue_needs_text_and_whether_resolved():
    r = complete_report()
    r.issues.append(IssueRaised())
    got = fields(r)
    assert "issues[0].text" in got and "issues[0].resolved" in got


def test_abandoned_visit_needs_a_reason():
    r = complete_report()
    r.header.outcome = VisitOutcome.ABANDONED
    assert "abandoned" in fields(r)["header.outcome_note"]


def test_single_visitor_is_a_warning_not_an_error():
    r = complete_report()
    r.header.visitors = r.header.visitors[:1]
    problems = [p for p in validate(r) if p.field == "header.visitors"]
    assert problems and all(p.severity is Severity.WARNING for p in problems)
    assert errors(r) == []


def test_generated_demo_visits_are_all_valid(reference):
    bad = [
        (r.id, p) for r in generate_visits(reference, 500, seed=7) for p in errors(r)
    ]
    assert bad == []


@pytest.mark.parametrize("today", [dt.date(2026, 1, 20), dt.date(2026, 7, 20)])
def test_demo_visits_have_no_error_under_the_schemes_context_and_few_warnings(
    reference, today
):
    # Demo visits are of yesterday or before, and end by 03:00 the day after: at 07:00
    # "today" every visit has happened.
    context = Context(now=dt.datetime.combine(today, dt.time(7, 0)), reference=reference,
                      custody_number_pattern=reference.custody_number_pattern)
    reports = list(generate_visits(reference, 1000, seed=today.toordinal(), today=today))
    problems = {r.id: validate(r, context) for r in reports}
    assert [(i, p) for i, ps in problems.items() for p in ps if p.severity is Severity.ERROR] == []
    warned = [i for i, ps in problems.items() if ps]
    assert len(warned) <= len(reports) // 100, [problems[i] for i in warned]


def test_a_demo_visit_made_alone_is_valid_the_day_after(reference):
    rng = random.Random(3)
    for _ in range(200):
        today = dt.date(2026, 3, 29)  # the night the clocks go forward is in range
        report = generate_visit(reference, rng, today)
        context = Context(now=dt.datetime.combine(today, dt.time(7, 0)), reference=reference)
        assert errors(report, context) == []


def test_demo_drafts_are_of_recent_visits_and_submitted_reports_were_submitted_on_the_day(
    reference,
):
    today = dt.date(2026, 11, 1)
    reports = list(generate_visits(reference, 500, seed=5, today=today))
    drafts = [r for r in reports if not r.is_submitted]
    assert drafts and all(
        1 <= (today - r.header.visit_date).days <= LATE_REPORT_DAYS for r in drafts)
    submitted = [r for r in reports if r.is_submitted]
    assert all(r.submitted_at is not None
               and 0 <= (r.submitted_at.date() - r.header.visit_date).days <= 1
               for r in submitted)
