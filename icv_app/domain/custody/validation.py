"""Checks on a visit report, each naming the field it is about.

A draft may be saved with problems (nothing typed is ever refused); a report with any
problem of severity ``error`` cannot be submitted. Field paths are dotted, with list
positions in brackets, e.g. ``detainees[1].custody_number``; the form uses them to put
the message next to the right input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from icv_app.domain.custody.visit import (
    ConditionState,
    Gender,
    VisitOutcome,
    VisitReport,
    WelfareCheck,
)


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


# A custody record number always has digits in it; text without any is most likely a name.
_HAS_DIGIT = re.compile(r"\d")


def validate(report: VisitReport) -> list[Problem]:
    problems: list[Problem] = []
    problems += _header(report)
    problems += _counts(report)
    problems += _detainees(report)
    problems += _conditions(report)
    problems += _issues(report)
    return problems


def errors(report: VisitReport) -> list[Problem]:
    return [p for p in validate(report) if p.severity is Severity.ERROR]


def _header(report: VisitReport) -> list[Problem]:
    h = report.header
    out: list[Problem] = []
    if not h.suite_id:
        out.append(Problem("header.suite_id", "Choose the custody suite visited."))
    if h.visit_date is None:
        out.append(Problem("header.visit_date", "Enter the date of the visit."))
    if h.arrival_time is None:
        out.append(Problem("header.arrival_time", "Enter the time you arrived."))
    if h.arrival_time and h.admitted_time and h.admitted_time < h.arrival_time:
        out.append(
            Problem("header.admitted_time", "Time admitted is before the arrival time.")
        )
    if h.arrival_time and h.departure_time and h.departure_time < h.arrival_time:
        out.append(Problem("header.departure_time", "Departure is before arrival."))
    if h.admitted_time and h.departure_time and h.departure_time < h.admitted_time:
        out.append(
            Problem("header.departure_time", "Departure is before the time admitted.")
        )
    if h.delay_minutes < 0:
        out.append(Problem("header.delay_minutes", "A delay cannot be negative."))
    if h.delay_minutes > 0:
        if not h.delay_reason.strip():
            out.append(
                Problem("header.delay_reason", "Give the reason for the delay before admission.")
            )
        if not h.delay_authorised_by.strip():
            out.append(
                Problem(
                    "header.delay_authorised_by",
                    "Say who authorised the delay (an inspector or above).",
                )
            )
    if not h.visitors:
        out.append(Problem("header.visitors", "Add the visitors on this visit."))
    elif len(h.visitors) < 2 and h.outcome is VisitOutcome.COMPLETED:
        out.append(
            Problem("header.visitors", "Visits are normally made in pairs.", Severity.WARNING)
        )
    ids = [v.visitor_id for v in h.visitors]
    if len(set(ids)) != len(ids):
        out.append(Problem("header.visitors", "The same visitor is listed twice."))
    if h.outcome is not VisitOutcome.COMPLETED and not h.outcome_note.strip():
        out.append(
            Problem(
                "header.outcome_note",
                f"Say why the visit was {h.outcome.label.lower()}.",
            )
        )
    return out


def _counts(report: VisitReport) -> list[Problem]:
    c = report.counts
    out: list[Problem] = []
    for name in (
        "in_custody", "juveniles", "male", "female", "offered", "accepted",
        "declined", "observed", "not_offered",
    ):
        if getattr(c, name) < 0:
            out.append(Problem(f"counts.{name}", "A count cannot be negative."))
    if c.juveniles > c.in_custody:
        out.append(
            Problem(
                "counts.juveniles",
                f"Juveniles ({c.juveniles}) are more than the {c.in_custody} in custody.",
            )
        )
    if c.male + c.female > c.in_custody:
        out.append(
            Problem(
                "counts.female",
                f"Male and female ({c.male + c.female}) add up to more than the "
                f"{c.in_custody} in custody.",
            )
        )
    if c.accounted_for > c.in_custody:
        out.append(
            Problem(
                "counts.not_offered",
                f"Accepted + declined + observed + not offered ({c.accounted_for}) is more "
                f"than the {c.in_custody} in custody.",
            )
        )
    if c.accepted + c.declined > c.offered:
        out.append(
            Problem(
                "counts.offered",
                f"Accepted + declined ({c.accepted + c.declined}) is more than the "
                f"{c.offered} offered a visit.",
            )
        )
    reasons = sum(c.not_offered_reasons.values())
    if reasons and reasons != c.not_offered:
        out.append(
            Problem(
                "counts.not_offered_reasons",
                f"The reasons add up to {reasons} but {c.not_offered} were not offered.",
            )
        )
    met = len(report.detainees)
    if met > c.accepted and report.header.outcome is VisitOutcome.COMPLETED:
        out.append(
            Problem(
                "counts.accepted",
                f"{met} detainees are recorded but only {c.accepted} accepted a visit.",
                Severity.WARNING,
            )
        )
    return out


def _detainees(report: VisitReport) -> list[Problem]:
    out: list[Problem] = []
    seen: dict[str, int] = {}
    for i, d in enumerate(report.detainees):
        path = f"detainees[{i}]"
        number = d.custody_number.strip()
        if not number:
            out.append(Problem(f"{path}.custody_number", "Enter the custody record number."))
        elif not _HAS_DIGIT.search(number):
            out.append(
                Problem(
                    f"{path}.custody_number",
                    "A custody record number has digits in it; never record a name.",
                )
            )
        elif number.upper() in seen:
            out.append(
                Problem(
                    f"{path}.custody_number",
                    f"Custody number {number} is already recorded for detainee "
                    f"{seen[number.upper()] + 1}.",
                )
            )
        else:
            seen[number.upper()] = i
        if d.record_checked and d.consent_record_check is not True:
            out.append(
                Problem(
                    f"{path}.record_checked",
                    "The custody record may only be checked with the detainee's consent.",
                )
            )
        if d.record_matches is not None and not d.record_checked:
            out.append(
                Problem(
                    f"{path}.record_matches",
                    "Say the custody record was checked before recording whether it matches.",
                )
            )
        if d.consent_to_talk is False and d.raised.strip():
            out.append(
                Problem(
                    f"{path}.raised",
                    "This detainee did not consent to talk, yet something they raised is "
                    "recorded.",
                    Severity.WARNING,
                )
            )
        if d.gender is Gender.MALE and d.checks.get(WelfareCheck.MENSTRUAL_PRODUCTS) is not None:
            out.append(
                Problem(
                    f"{path}.checks.menstrual_products",
                    "Menstrual products are recorded for a detainee recorded as male.",
                    Severity.WARNING,
                )
            )
    return out


def _conditions(report: VisitReport) -> list[Problem]:
    return [
        Problem(f"conditions.{item.value}.note", f"Say what was wrong with: {item.label}.")
        for item, check in report.conditions.items()
        if check.state is ConditionState.NOT_SATISFACTORY and not check.note.strip()
    ]


def _issues(report: VisitReport) -> list[Problem]:
    out: list[Problem] = []
    ids = {d.id for d in report.detainees}
    for i, issue in enumerate(report.issues):
        path = f"issues[{i}]"
        if not issue.text.strip():
            out.append(Problem(f"{path}.text", "Describe the issue raised."))
        if issue.resolved is None:
            out.append(
                Problem(f"{path}.resolved", "Say whether the issue was resolved at the time.")
            )
        if issue.resolved is not None and not issue.raised_with.strip():
            out.append(Problem(f"{path}.raised_with", "Say who the issue was raised with."))
        if issue.detainee_id is not None and issue.detainee_id not in ids:
            out.append(
                Problem(f"{path}.detainee_id", "The detainee this issue is about was removed.")
            )
    return out
