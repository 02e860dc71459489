"""Realistic synthetic visit reports for demos, screenshots and benchmarks.

Everything here is invented: visitors come from the synthetic reference data, custody
numbers are made up in the usual shape (``01NS/0421/26``), and the issue texts are
generic. Visits vary over suites, days of the week and times of day, as real schemes
must, and every generated report passes validation.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.validation import LATE_REPORT_DAYS
from icv_app.domain.custody.visit import (
    ConditionCheck,
    ConditionItem,
    ConditionState,
    Detainee,
    Entitlement,
    EntitlementAnswer,
    Gender,
    IssueCategory,
    IssueRaised,
    NotOfferedReason,
    VisitMode,
    VisitorOnVisit,
    VisitorRole,
    VisitOutcome,
    VisitReport,
    VisitStatus,
    WelfareCheck,
)

_ISSUES: dict[IssueCategory, list[tuple[str, str]]] = {
    IssueCategory.WELFARE: [
        ("Detainee asked for a drink and had not been offered one since arrival.",
         "Custody sergeant arranged a hot drink straight away."),
        ("Detainee said they had not been told when their solicitor would arrive.",
         "Detention officer checked and updated the detainee on the expected time."),
        ("Detainee asked for a blanket; the cell was cold.",
         "A blanket was provided during the visit."),
        ("Detainee wanted to see the healthcare professional about medication.",
         "Healthcare professional added to the list; detainee told of the wait."),
    ],
    IssueCategory.ALLEGATION: [
        ("Detainee said an officer spoke to them rudely at booking-in.",
         "Inspector informed; the detainee was told how to make a complaint."),
    ],
    IssueCategory.CONDITIONS: [
        ("Cell 7 call bell did not work when tested.",
         "Cell taken out of use and a repair logged."),
        ("Toilet in cell 3 was blocked.",
         "Maintenance request raised; detainee moved to another cell."),
        ("Stocks of replacement clothing were low.",
         "Order placed by the custody manager."),
    ],
    IssueCategory.SAFETY: [
        ("Loose ligature point noticed on a cell door hatch.",
         "Cell closed pending repair; estates informed."),
    ],
    IssueCategory.POSITIVE: [
        ("Detainees spoke well of the care received from the detention officers.",
         "Feedback passed to the custody sergeant."),
    ],
}

_RAISED = [
    "Asked how long they would be kept.",
    "Wanted to know whether their family had been told.",
    "Said they were hungry.",
    "No concerns; thanked the visitors.",
    "Asked for something to read.",
    "Wanted a shower before interview.",
]

_OFFICERS = ["PS 2417", "PS 1180", "PS 3302", "PS 0956", "A/PS 4471", "PS 2093"]


def _custody_number(rng: random.Random, year: int) -> str:
    return f"{rng.randint(1, 42):02d}NS/{rng.randint(1, 9999):04d}/{year % 100:02d}"


def _visit_time(rng: random.Random) -> dt.time:
    # Schemes vary the time of day; most visits are in the day and evening.
    hour = rng.choices(range(24), weights=[1, 1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6,
                                           5, 5, 6, 6, 6, 5, 5, 5, 4, 3, 2, 1])[0]
    return dt.time(hour, rng.choice([0, 5, 10, 15, 20, 30, 40, 45, 50]))


def _add_minutes(t: dt.time, minutes: int) -> tuple[dt.time, bool]:
    """``minutes`` after ``t``, and whether that is the next day."""
    total = t.hour * 60 + t.minute + minutes
    return dt.time((total // 60) % 24, total % 60), total >= 24 * 60


def _detainee(rng: random.Random, year: int, number: str) -> Detainee:
    gender = rng.choice([Gender.MALE, Gender.MALE, Gender.MALE, Gender.FEMALE])
    d = Detainee(custody_number=number, gender=gender)
    d.juvenile = rng.random() < 0.08
    d.mental_health = rng.random() < 0.15
    d.learning_disability = rng.random() < 0.05
    d.needs_appropriate_adult = d.juvenile or d.learning_disability
    d.interpreter_needed = rng.random() < 0.07
    d.consent_to_talk = True
    d.consent_record_check = rng.random() < 0.6
    for ent in Entitlement:
        told = rng.random() < 0.95
        wanted = told and rng.random() < 0.5
        d.entitlements[ent] = EntitlementAnswer(
            told=told, wanted=wanted, received=(rng.random() < 0.9) if wanted else None
        )
    for check in (WelfareCheck.FOOD_OFFERED, WelfareCheck.DRINK_OFFERED, WelfareCheck.REST,
                  WelfareCheck.BLANKET_MATTRESS, WelfareCheck.READING):
        d.checks[check] = rng.random() < 0.85
    if gender is Gender.FEMALE:
        d.checks[WelfareCheck.MENSTRUAL_PRODUCTS] = rng.random() < 0.9
        d.checks[WelfareCheck.SAME_SEX_OFFICER] = rng.random() < 0.8
    if d.needs_appropriate_adult:
        d.checks[WelfareCheck.APPROPRIATE_ADULT_REQUESTED] = True
        d.checks[WelfareCheck.APPROPRIATE_ADULT_ARRIVED] = rng.random() < 0.7
    if d.interpreter_needed:
        d.checks[WelfareCheck.INTERPRETER_PROVIDED] = rng.random() < 0.9
    d.raised = rng.choice(_RAISED)
    d.action_taken = "Raised with the custody sergeant." if "No concerns" not in d.raised else ""
    if d.consent_record_check and rng.random() < 0.5:
        d.record_checked = True
        d.record_matches = rng.random() < 0.9
        d.record_note = "" if d.record_matches else "Meal times not recorded since 14:00."
    return d


def generate_visit(
    reference: ReferenceData, rng: random.Random, today: dt.date
) -> VisitReport:
    suites = [s for s in reference.suites if s.open] or list(reference.suites)
    suite = rng.choice(suites)
    report = VisitReport()
    h = report.header
    h.suite_id = suite.id
    h.panel = suite.panel
    h.visit_date = today - dt.timedelta(days=rng.randint(1, 540))
    h.arrival_time = _visit_time(rng)
    panel_visitors = [v for v in reference.visitors if v.panel == suite.panel and v.active]
    pool = panel_visitors if len(panel_visitors) >= 2 else [
        v for v in reference.visitors if v.active
    ]
    pair = rng.sample(pool, 2)
    h.visitors = [
        VisitorOnVisit(v.id, VisitorRole.TRAINEE if v.trainee else VisitorRole.VISITOR)
        for v in pair
    ]
    h.mode = VisitMode.IN_PERSON if rng.random() < 0.95 else VisitMode.TELEPHONE
    h.officer_in_charge = rng.choice(_OFFICERS)

    roll = rng.random()
    if roll < 0.04:
        h.outcome = VisitOutcome.ABANDONED
        h.delay_minutes = rng.randint(41, 70)
        h.delay_reason = "Suite too busy to admit visitors safely."
        h.delay_authorised_by = "Insp 5521"
        h.outcome_note = f"Kept waiting {h.delay_minutes} minutes; visit abandoned."
        h.departure_time, h.departure_next_day = _add_minutes(
            h.arrival_time, h.delay_minutes + 2
        )
        _finish(report, rng, today)
        return report
    if roll < 0.15:
        h.delay_minutes = rng.randint(5, 30)
        h.delay_reason = rng.choice(
            ["Detainee being booked in was violent.", "Cell block incident in progress."]
        )
        h.delay_authorised_by = rng.choice(["Insp 5521", "Insp 6034", "CI 1207"])
    admitted_after = h.delay_minutes + rng.randint(1, 4)
    h.admitted_time, h.admitted_next_day = _add_minutes(h.arrival_time, admitted_after)

    c = report.counts
    c.in_custody = rng.randint(0, 24)
    c.juveniles = sum(rng.random() < 0.06 for _ in range(c.in_custody))
    c.female = sum(rng.random() < 0.18 for _ in range(c.in_custody))
    c.male = c.in_custody - c.female
    reasons = list(NotOfferedReason)
    c.not_offered = 0
    for _ in range(c.in_custody):
        if rng.random() < 0.3:
            reason = rng.choice(reasons)
            c.not_offered_reasons[reason] = c.not_offered_reasons.get(reason, 0) + 1
            c.not_offered += 1
    available = c.in_custody - c.not_offered
    c.observed = sum(rng.random() < 0.1 for _ in range(available))
    c.offered = available - c.observed
    c.accepted = sum(rng.random() < 0.84 for _ in range(c.offered))
    c.declined = c.offered - c.accepted
    remote = h.mode is not VisitMode.IN_PERSON
    c.contact_cell = 0 if remote else c.accepted
    met = min(c.accepted, rng.randint(1, 6))
    year = h.visit_date.year
    numbers: set[str] = set()
    while len(numbers) < met:
        numbers.add(_custody_number(rng, year))
    report.detainees = [_detainee(rng, year, n) for n in sorted(numbers)]
    # The counts hold at least the juveniles, women and men met.
    c.juveniles = max(c.juveniles, sum(d.juvenile for d in report.detainees))
    men = sum(d.gender is Gender.MALE for d in report.detainees)
    women = sum(d.gender is Gender.FEMALE for d in report.detainees)
    c.female = min(max(c.female, women), c.in_custody - men)
    c.male = c.in_custody - c.female

    for item in ConditionItem:
        if remote:
            break  # conditions are checked in person
        if rng.random() < 0.1:
            report.conditions[item] = ConditionCheck(ConditionState.NOT_CHECKED)
        elif rng.random() < 0.08:
            report.conditions[item] = ConditionCheck(
                ConditionState.NOT_SATISFACTORY, f"{item.label}: needs attention."
            )
        else:
            report.conditions[item] = ConditionCheck(ConditionState.SATISFACTORY)

    for _ in range(rng.choices([0, 1, 2, 3], weights=[4, 3, 2, 1])[0]):
        category = rng.choice(list(_ISSUES))
        text, response = rng.choice(_ISSUES[category])
        resolved = rng.random() < 0.89
        report.issues.append(
            IssueRaised(
                category=category,
                text=text,
                raised_with=h.officer_in_charge,
                response=response if resolved else "To be followed up by the custody inspector.",
                resolved=resolved,
                detainee_id=(rng.choice(report.detainees).id
                             if report.detainees and category is IssueCategory.WELFARE
                             else None),
            )
        )
    h.departure_time, h.departure_next_day = _add_minutes(
        h.arrival_time, admitted_after + 20 + 12 * met + rng.randint(0, 40)
    )
    _finish(report, rng, today)
    return report


def _finish(report: VisitReport, rng: random.Random, today: dt.date) -> None:
    """Most demo reports are submitted (confirmed by their visitors); a few are drafts,
    of visits in the last fortnight (a draft left for months is a thing to check)."""
    assert report.header.visit_date is not None
    if rng.random() >= 0.9:
        age = (today - report.header.visit_date).days
        if age > LATE_REPORT_DAYS:
            # Moved without drawing from ``rng``: every other report stays as it was.
            report.header.visit_date = today - dt.timedelta(days=1 + age % LATE_REPORT_DAYS)
    else:
        report.status = VisitStatus.SUBMITTED
        report.confirmed_by = [v.visitor_id for v in report.header.visitors]
        day = report.header.visit_date + dt.timedelta(
            days=1 if report.header.departure_next_day else 0
        )
        report.submitted_at = dt.datetime.combine(
            day, report.header.departure_time or dt.time(23, 59), tzinfo=dt.UTC
        )
        report.created_at = report.submitted_at


def generate_visits(
    reference: ReferenceData, count: int, seed: int | None = None,
    today: dt.date | None = None,
) -> Iterator[VisitReport]:
    rng = random.Random(seed)
    today = today or dt.date.today()
    for _ in range(count):
        yield generate_visit(reference, rng, today)
