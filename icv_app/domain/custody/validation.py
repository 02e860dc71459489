"""Checks on a visit report, each naming the field it is about.

A draft may be saved with problems; a report with any problem of severity ``error``
cannot be submitted. Errors are where the report would be wrong (a departure before the
arrival, more detainees met than were in custody, a time still to come); warnings where
it is merely unusual and a coordinator would ask (a wait that does not match the times,
a juvenile with no appropriate adult). Field paths are dotted, with list positions in
brackets, e.g. ``detainees[1].custody_number``; the form uses them to put the message
next to the right input, and ``related`` names the other fields a message is about (the
counts that add up to too many), so each is marked.

The rules are grouped by section below, each a small function with its own tests in
``tests/test_validation.py`` and ``tests/test_plausibility.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from icv_app.domain.custody.custody_number import (
    DEFAULT_PATTERN,
    check_custody_number,
    looks_personal,
    normalise,
)
from icv_app.domain.custody.times import DEFAULT_TIME_ZONE, VisitTimes, to_local, visit_times
from icv_app.domain.custody.visit import (
    ConditionState,
    Gender,
    VisitMode,
    VisitOutcome,
    VisitReport,
    WelfareCheck,
)

if TYPE_CHECKING:
    from icv_app.domain.custody.reference import ReferenceData


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    severity: Severity = Severity.ERROR
    related: tuple[str, ...] = ()  # other fields this message is about

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    @property
    def fields(self) -> tuple[str, ...]:
        return (self.field, *self.related)


@dataclass(frozen=True)
class Context:
    """What the checks need beyond the report.

    ``now``: the scheme's wall-clock time now (naive, like the report's times); None
    skips the checks against it. ``custody_number_pattern``: the scheme's pattern; None
    checks only that a number holds no name, date of birth or address (the server, which
    serves laptops of any configuration). ``reference``: suites and visitors, for the
    checks that need them (a closed suite, TACT-trained visitors)."""

    now: dt.datetime | None = None
    custody_number_pattern: str | None = DEFAULT_PATTERN
    reference: ReferenceData | None = None

    @property
    def time_zone(self) -> str:
        """The scheme's zone: the report's times are on its wall clock."""
        return self.reference.time_zone if self.reference is not None else DEFAULT_TIME_ZONE

    def times(self, report: VisitReport) -> VisitTimes:
        return visit_times(report.header, self.time_zone)


# Long visits and late reports are unusual enough to ask about.
LONG_VISIT_MINUTES = 6 * 60
LATE_REPORT_DAYS = 14
# Signing in and walking through to the cells: a gap up to this is not a delay.
DELAY_TOLERANCE_MINUTES = 10
REMOTE_MODES = (VisitMode.TELEPHONE, VisitMode.VIDEO)

W = Severity.WARNING


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 detainee``, ``2 detainees``, ``0 detainees``."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def validate(report: VisitReport, context: Context | None = None) -> list[Problem]:
    context = context or Context()
    problems: list[Problem] = []
    for rule in RULES:
        problems += rule(report, context)
    return problems


def errors(report: VisitReport, context: Context | None = None) -> list[Problem]:
    return [p for p in validate(report, context) if p.severity is Severity.ERROR]


def count_problems(problems: Iterable[Problem]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors_ = warnings = 0
    for p in problems:
        if p.severity is Severity.ERROR:
            errors_ += 1
        else:
            warnings += 1
    return errors_, warnings


# Header ------------------------------------------------------------------------------------

def _required(report: VisitReport, _c: Context) -> list[Problem]:
    h = report.header
    out: list[Problem] = []
    if not h.suite_id:
        out.append(Problem("header.suite_id", "Choose the custody suite visited."))
    if h.visit_date is None:
        out.append(Problem("header.visit_date", "Enter the date of the visit."))
    if h.arrival_time is None:
        out.append(Problem("header.arrival_time", "Enter the time you arrived."))
    if h.outcome is VisitOutcome.COMPLETED and h.departure_time is None:
        out.append(
            Problem("header.departure_time", "Enter the time you left (a completed visit "
                    "has a departure time).")
        )
    return out


NEXT_DAY_HINT = " If it was after midnight, tick “next day”."


def _times_in_order(report: VisitReport, c: Context) -> list[Problem]:
    h = report.header
    t = c.times(report)
    out: list[Problem] = []
    if t.arrival and t.admitted and t.admitted < t.arrival:
        out.append(Problem("header.admitted_time", "Time admitted is before the arrival time."
                           + ("" if h.admitted_next_day else NEXT_DAY_HINT)))
    if t.arrival and t.departure and t.departure < t.arrival:
        out.append(Problem("header.departure_time", "Departure is before arrival."
                           + ("" if h.departure_next_day else NEXT_DAY_HINT)))
    elif t.admitted and t.departure and t.departure < t.admitted:
        out.append(Problem("header.departure_time", "Departure is before the time admitted."
                           + ("" if h.departure_next_day else NEXT_DAY_HINT)))
    duration = t.duration_minutes
    if duration is not None and duration >= 24 * 60:
        out.append(Problem("header.departure_time", "The visit would last a day or more: "
                           "untick “next day” or check the times."))
    elif duration is not None and duration > LONG_VISIT_MINUTES:
        out.append(Problem("header.departure_time",
                           f"The visit lasted {duration // 60} h {duration % 60:02d} min: "
                           "check the arrival and departure times.", W))
    if h.departure_next_day and h.departure_time is None:
        out.append(Problem("header.departure_time",
                           "“Next day” is ticked but no departure time is entered."))
    if h.admitted_next_day and h.admitted_time is None:
        out.append(Problem("header.admitted_time",
                           "“Next day” is ticked but no admission time is entered."))
    return out


def _not_in_the_future(report: VisitReport, c: Context) -> list[Problem]:
    if c.now is None:
        return []
    h = report.header
    t = c.times(report)
    out: list[Problem] = []
    if h.visit_date and h.visit_date > c.now.date():
        out.append(Problem("header.visit_date", "The date of the visit is still to come."))
        return out
    for path, moment, label in (
        ("header.arrival_time", t.arrival, "arrival"),
        ("header.admitted_time", t.admitted, "admission"),
        ("header.departure_time", t.departure, "departure"),
    ):
        if moment is not None and moment > c.now:
            out.append(Problem(path, f"The {label} time is later than now "
                               f"({c.now:%H:%M}): a report records a visit that has happened."))
    if h.tact_copy_sent and h.tact_copy_sent > c.now.date():
        out.append(Problem("header.tact_copy_sent", "This date is still to come."))
    return out


def _late_report(report: VisitReport, c: Context) -> list[Problem]:
    """A report written long after the visit: measured to when it was submitted (a report
    submitted on the day is not late however old it is now), else to now."""
    h = report.header
    if h.visit_date is None:
        return []
    if report.submitted_at is not None:
        written = to_local(report.submitted_at, c.time_zone).date()
    elif c.now is not None:
        written = c.now.date()
    else:
        return []
    days = (written - h.visit_date).days
    if days <= LATE_REPORT_DAYS:
        return []
    when = (f"This report was submitted {days} days after the visit"
            if report.submitted_at is not None else f"This visit was {days} days ago")
    return [Problem("header.visit_date", f"{when}: check the date (reports are normally "
                    "written on the day).", W)]


def _delay(report: VisitReport, c: Context) -> list[Problem]:
    h = report.header
    out: list[Problem] = []
    if h.delay_minutes < 0:
        out.append(Problem("header.delay_minutes", "A delay cannot be negative."))
    if h.delay_minutes > 0:
        if not h.delay_reason.strip():
            out.append(Problem("header.delay_reason",
                               "Give the reason for the delay before admission."))
        if not h.delay_authorised_by.strip():
            out.append(Problem("header.delay_authorised_by",
                               "Say who authorised the delay (an inspector or above)."))
    elif h.delay_minutes == 0 and (h.delay_reason.strip() or h.delay_authorised_by.strip()):
        # What was typed is never dropped in silence: it is marked, to be kept or cleared.
        typed = [path for path, text in (("header.delay_reason", h.delay_reason),
                                         ("header.delay_authorised_by", h.delay_authorised_by))
                 if text.strip()]
        what = ("A reason for a delay" if h.delay_reason.strip()
                else "Who authorised a delay")
        out.append(Problem("header.delay_minutes", f"{what} is recorded but the "
                           "wait is 0 minutes: enter how long you were kept waiting, or clear "
                           f"the {'reason' if h.delay_reason.strip() else 'name'}.", W,
                           related=tuple(typed)))
    t = c.times(report)
    gap = t.minutes(t.arrival, t.admitted)
    wait = h.delay_minutes
    # Nobody waits longer than the time between arriving and being admitted; a gap much
    # longer than the wait recorded is a wait nobody wrote down (or a mistyped time). A
    # negative wait is an error above, not compared.
    if (gap is not None and gap >= 0 and wait >= 0
            and (wait > gap or gap - wait > DELAY_TOLERANCE_MINUTES)):
        waited = f"Kept waiting {plural(wait, 'minute')}" if wait else "No wait is recorded"
        out.append(Problem(
            "header.delay_minutes",
            f"{waited}, but arrival at "
            f"{h.arrival_time:%H:%M} to admission at {h.admitted_time:%H:%M} is "
            f"{plural(gap, 'minute')}: check the wait and the times.", W,
            related=("header.arrival_time", "header.admitted_time")))
    if h.tact_copy_sent and h.visit_date and h.tact_copy_sent < h.visit_date:
        out.append(Problem("header.tact_copy_sent",
                           "The copy cannot have been sent before the visit."))
    return out


def _visitors(report: VisitReport, c: Context) -> list[Problem]:
    h = report.header
    out: list[Problem] = []
    if not h.visitors:
        out.append(Problem("header.visitors", "Add the visitors on this visit."))
    elif len(h.visitors) < 2 and h.outcome is VisitOutcome.COMPLETED:
        out.append(Problem("header.visitors", "Visits are normally made in pairs.", W))
    ids = [v.visitor_id for v in h.visitors]
    if len(set(ids)) != len(ids):
        out.append(Problem("header.visitors", "The same visitor is listed twice."))
    if h.outcome is not VisitOutcome.COMPLETED and not h.outcome_note.strip():
        out.append(Problem("header.outcome_note",
                           f"Say why the visit was {h.outcome.label.lower()}."))
    ref = c.reference
    if ref is not None and h.tact and h.visitors:
        people = [ref.visitor(v.visitor_id) for v in h.visitors]
        if not any(p is not None and p.tact for p in people):
            out.append(Problem("header.tact", "TACT detainees are recorded but no visitor on "
                               "this visit is TACT-trained.", W, related=("header.visitors",)))
    if ref is not None and h.suite_id:
        suite = ref.suite(h.suite_id)
        if suite is not None and not suite.open:
            out.append(Problem("header.suite_id", f"{suite.name} is recorded as closed: "
                               "check the suite visited.", W))
    return out


def _remote(report: VisitReport, _c: Context) -> list[Problem]:
    h = report.header
    c = report.counts
    if h.mode not in REMOTE_MODES:
        return []
    out: list[Problem] = []
    places = {"counts.contact_cell": c.contact_cell, "counts.contact_hatch": c.contact_hatch,
              "counts.contact_interview_room": c.contact_interview_room}
    met = [path for path, n in places.items() if n]
    if met:
        out.append(Problem(met[0], f"A {h.mode.label.lower()} visit meets no one in person: "
                           "the places of contact are for visits in person.",
                           related=(*met[1:], "header.mode")))
    checked = [i for i, chk in report.conditions.items()
               if chk.state is not ConditionState.NOT_CHECKED]
    if h.mode is VisitMode.TELEPHONE and checked:
        out.append(Problem("header.mode", "Conditions are recorded as checked on a telephone "
                           "visit: check the mode of the visit.", W))
    return out


# Counts ------------------------------------------------------------------------------------

_COUNT_LABELS = {
    "in_custody": "In custody", "juveniles": "Juveniles", "male": "Male", "female": "Female",
    "offered": "Offered a visit", "accepted": "Accepted", "declined": "Declined",
    "observed": "Observed", "not_offered": "Not offered",
}


_CONTACT_PLACES = ("contact_cell", "contact_hatch", "contact_interview_room")


def _counts(report: VisitReport, _ctx: Context) -> list[Problem]:
    c = report.counts
    out: list[Problem] = []
    for name in (*_COUNT_LABELS, *_CONTACT_PLACES):
        if getattr(c, name) < 0:
            out.append(Problem(f"counts.{name}", "A count cannot be negative."))
    if out:
        # A negative count is the one wrong; sums with it in would mark the others.
        return out
    total = c.in_custody
    # A count that on its own is more than those in custody is the one marked.
    single = [n for n in ("juveniles", "male", "female", "offered", "accepted", "declined",
                          "observed", "not_offered") if getattr(c, n) > total]
    for name in single:
        out.append(Problem(f"counts.{name}", f"{_COUNT_LABELS[name]} ({getattr(c, name)}) is "
                           f"more than the {total} in custody.",
                           related=("counts.in_custody",)))
    if c.male + c.female > total and not {"male", "female"} & set(single):
        out.append(Problem("counts.male", f"Male and female ({c.male + c.female}) add up to "
                           f"more than the {total} in custody.",
                           related=("counts.female", "counts.in_custody")))
    parts = [n for n in ("accepted", "declined", "observed", "not_offered") if getattr(c, n)]
    # Those offered, observed only and not offered are each of those in custody once.
    seen = [n for n in ("offered", "observed", "not_offered") if getattr(c, n)]
    seen_total = c.offered + c.observed + c.not_offered
    if c.accounted_for > total and not set(parts) & set(single):
        out.append(Problem(f"counts.{parts[0]}",
                           "Accepted + declined + observed + not offered "
                           f"({c.accounted_for}) is more than the {total} in custody.",
                           related=(*(f"counts.{n}" for n in parts[1:]), "counts.in_custody")))
    elif seen_total > total and not set(seen) & set(single):
        out.append(Problem(f"counts.{seen[0]}",
                           f"Offered + observed + not offered ({seen_total}) is more than "
                           f"the {total} in custody.",
                           related=(*(f"counts.{n}" for n in seen[1:]), "counts.in_custody")))
    if c.accepted + c.declined > c.offered and not {"accepted", "declined"} & set(single):
        if c.accepted > c.offered:
            out.append(Problem("counts.accepted", f"Accepted ({c.accepted}) is more than the "
                               f"{c.offered} offered a visit.", related=("counts.offered",)))
        elif c.declined > c.offered:
            out.append(Problem("counts.declined", f"Declined ({c.declined}) is more than the "
                               f"{c.offered} offered a visit.", related=("counts.offered",)))
        else:
            out.append(Problem("counts.accepted", f"Accepted + declined "
                               f"({c.accepted + c.declined}) is more than the {c.offered} "
                               "offered a visit.",
                               related=("counts.declined", "counts.offered")))
    reasons = sum(c.not_offered_reasons.values())
    if reasons and reasons != c.not_offered:
        out.append(Problem("counts.not_offered_reasons",
                           f"The reasons add up to {reasons} but {c.not_offered} "
                           f"{'was' if c.not_offered == 1 else 'were'} not offered a visit.",
                           related=("counts.not_offered",)))
    contact = c.contact_cell + c.contact_hatch + c.contact_interview_room
    if contact > c.accepted:
        places = [p for p in _CONTACT_PLACES if getattr(c, p)]
        out.append(Problem(f"counts.{places[0]}", f"The places of contact add up to {contact} "
                           f"but {c.accepted} accepted and spoke to you.",
                           related=(*(f"counts.{p}" for p in places[1:]), "counts.accepted")))
    return out


def _counts_against_detainees(report: VisitReport, _c: Context) -> list[Problem]:
    c = report.counts
    met = report.detainees
    out: list[Problem] = []
    completed = report.header.outcome is VisitOutcome.COMPLETED
    # A negative count is an error of its own (_counts), not compared with those met.
    if met and len(met) > c.in_custody >= 0:
        out.append(Problem("counts.in_custody", f"{plural(len(met), 'detainee')} "
                           f"{'is' if len(met) == 1 else 'are'} recorded but "
                           f"{c.in_custody} {'was' if c.in_custody == 1 else 'were'} "
                           "in custody."))
    elif met and len(met) > c.accepted >= 0 and completed:
        accepted = "no one" if c.accepted == 0 else f"only {c.accepted}"
        out.append(Problem("counts.accepted", f"{plural(len(met), 'detainee')} "
                           f"{'is' if len(met) == 1 else 'are'} recorded but {accepted} "
                           "accepted a visit.", W))
    juveniles = sum(d.juvenile for d in met)
    if juveniles > c.juveniles >= 0:
        out.append(Problem("counts.juveniles", f"{plural(juveniles, 'detainee')} met "
                           f"{'is' if juveniles == 1 else 'are'} ticked juvenile, but "
                           f"Juveniles in custody is {c.juveniles}."))
    for gender, name in ((Gender.MALE, "male"), (Gender.FEMALE, "female")):
        n = sum(d.gender is gender for d in met)
        if n > getattr(c, name) >= 0:
            out.append(Problem(f"counts.{name}", f"{plural(n, 'detainee')} met "
                               f"{'is' if n == 1 else 'are'} recorded as {name}, but "
                               f"{name.capitalize()} in custody is {getattr(c, name)}.", W))
    if completed and c.accepted > 0 and not met:
        out.append(Problem("detainees", f"{c.accepted} accepted a visit but no detainee is "
                           "recorded: add the detainees you spoke to.", W,
                           related=("counts.accepted",)))
    if not completed and met:
        out.append(Problem("detainees", f"The visit was {report.header.outcome.label.lower()}"
                           ", yet detainees are recorded: check the outcome.", W,
                           related=("header.outcome",)))
    if completed and c.in_custody > 0 and not (c.offered or c.not_offered or c.observed):
        out.append(Problem("counts.offered", f"{c.in_custody} in custody, but none is "
                           "recorded as offered a visit, observed or not offered.", W))
    nothing = (c.in_custody == 0 and not met and not any(
        chk.state is not ConditionState.NOT_CHECKED for chk in report.conditions.values()))
    if completed and nothing:
        out.append(Problem("counts.in_custody", "Nothing is recorded about this visit: no one "
                           "in custody and no conditions checked. Enter the counts, or check "
                           "the outcome.", W))
    return out


# Detainees ---------------------------------------------------------------------------------

def _detainees(report: VisitReport, ctx: Context) -> list[Problem]:
    out: list[Problem] = []
    seen: dict[str, int] = {}
    for i, d in enumerate(report.detainees):
        path = f"detainees[{i}]"
        number = d.custody_number.strip()
        if not number:
            out.append(Problem(f"{path}.custody_number", "Enter the custody record number."))
        else:
            if ctx.custody_number_pattern is None:
                message = looks_personal(number)
            else:
                message = check_custody_number(number, ctx.custody_number_pattern).message
            # Compared as stored: "01ns / 0421/26" is "01NS/0421/26".
            key = normalise(number)
            if message:
                out.append(Problem(f"{path}.custody_number", message))
            elif key in seen:
                out.append(Problem(f"{path}.custody_number", f"Custody number {number} is "
                                   f"already recorded for detainee {seen[key] + 1}."))
            else:
                seen[key] = i
        if d.record_checked and d.consent_record_check is not True:
            out.append(Problem(f"{path}.record_checked", "The custody record may only be "
                               "checked with the detainee's consent."))
        if d.record_matches is not None and not d.record_checked:
            out.append(Problem(f"{path}.record_matches", "Say the custody record was checked "
                               "before recording whether it matches."))
        if d.consent_to_talk is False and d.raised.strip():
            out.append(Problem(f"{path}.raised", "This detainee did not consent to talk, yet "
                               "something they raised is recorded.", W))
        if d.gender is Gender.MALE and d.checks.get(WelfareCheck.MENSTRUAL_PRODUCTS) is not None:
            out.append(Problem(f"{path}.checks.menstrual_products", "Menstrual products are "
                               "recorded for a detainee recorded as male.", W))
        if d.juvenile and not d.needs_appropriate_adult:
            out.append(Problem(f"{path}.needs_appropriate_adult", "A juvenile needs an "
                               "appropriate adult: tick it, or check the juvenile box.", W,
                               related=(f"{path}.juvenile",)))
        aa_arrived = d.checks.get(WelfareCheck.APPROPRIATE_ADULT_ARRIVED)
        if aa_arrived is True and d.checks.get(WelfareCheck.APPROPRIATE_ADULT_REQUESTED) is False:
            out.append(Problem(f"{path}.checks.appropriate_adult_arrived", "An appropriate "
                               "adult arrived, but none is recorded as requested.", W))
    return out


# Conditions and issues ---------------------------------------------------------------------

def _conditions(report: VisitReport, _c: Context) -> list[Problem]:
    return [
        Problem(f"conditions.{item.value}.note",
                f"{item.label} is marked not satisfactory: say what was wrong.")
        for item, check in report.conditions.items()
        if check.state is ConditionState.NOT_SATISFACTORY and not check.note.strip()
    ]


def _issues(report: VisitReport, _c: Context) -> list[Problem]:
    out: list[Problem] = []
    ids = {d.id for d in report.detainees}
    for i, issue in enumerate(report.issues):
        path = f"issues[{i}]"
        if not issue.text.strip():
            out.append(Problem(f"{path}.text", "Describe the issue raised."))
        if issue.resolved is None:
            out.append(Problem(f"{path}.resolved",
                               "Say whether the issue was resolved at the time."))
        if issue.resolved is not None and not issue.raised_with.strip():
            out.append(Problem(f"{path}.raised_with", "Say who the issue was raised with."))
        if issue.detainee_id is not None and issue.detainee_id not in ids:
            out.append(Problem(f"{path}.detainee_id",
                               "The detainee this issue is about was removed."))
    return out


Rule = Callable[[VisitReport, Context], list[Problem]]
RULES: tuple[Rule, ...] = (
    _required, _times_in_order, _not_in_the_future, _late_report, _delay, _visitors, _remote,
    _counts, _counts_against_detainees, _detainees, _conditions, _issues,
)
