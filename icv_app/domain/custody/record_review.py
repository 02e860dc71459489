"""The custody record review: a redacted custody record looked through, and what was found.

Coordinators review custody records when visits are suspended, and trained visitors do
where their scheme allows. One review is one record: its custody number (never a name),
the suite, the dates in and out, the groups the detainee falls in (one pilot looked at
children, people with mental-health needs and foreign nationals), what was checked, the
findings and concerns, and whether a concern was escalated and to whom.

:func:`validate` names each problem's field, as :mod:`~icv_app.domain.custody.validation`
does for visit reports: errors keep a review from being finished, warnings are what a
coordinator would ask about.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from icv_app.domain.custody.custody_number import (
    DEFAULT_PATTERN,
    check_custody_number,
    looks_personal,
)
from icv_app.domain.custody.validation import Problem, Severity
from icv_app.domain.custody.visit import new_id, utc_now
from icv_app.domain.status import LabelledEnum


class Answer(LabelledEnum):
    """An answer to a checklist question (None where it is not answered yet)."""

    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class RecordGroup(LabelledEnum):
    CHILD = "child", "Child (under 18)"
    MENTAL_HEALTH = "mental_health", "Mental-health needs"
    APPROPRIATE_ADULT = "appropriate_adult", "Needs an appropriate adult"
    FOREIGN_NATIONAL = "foreign_national", "Foreign national"
    OTHER = "other", "Other"


class RecordCheck(LabelledEnum):
    """What a reviewer looks for in the record; answered yes (as it should be), no, or not
    applicable."""

    RIGHTS_TIMELY = "rights_timely", "Rights and entitlements given in good time"
    APPROPRIATE_ADULT_ARRIVAL = "appropriate_adult_arrival", "Appropriate adult arrived promptly"
    DETENTION_REVIEWS = "detention_reviews", "Reviews of detention on time"
    HEALTHCARE = "healthcare", "Healthcare needs met"
    FOOD = "food", "Food and drink offered"


RECORD_GROUPS: tuple[RecordGroup, ...] = tuple(RecordGroup)
RECORD_CHECKS: tuple[RecordCheck, ...] = tuple(RecordCheck)

# Groups for whom an appropriate adult must be called (PACE Code C).
NEEDS_APPROPRIATE_ADULT = (RecordGroup.CHILD, RecordGroup.APPROPRIATE_ADULT)
# 96 hours is the most PACE allows before charge; a longer span is a mistyped date, or a
# terrorism (TACT) detention, which may last up to 14 days.
LONG_DETENTION_DAYS = 4


@dataclass
class RecordReview:
    """One custody record reviewed. ``groups`` is a set, kept as a list in declared order
    without repeats (so it travels as JSON): change it with :meth:`set_group`."""

    id: str = field(default_factory=new_id)
    custody_number: str = ""
    suite_id: str = ""
    date_in: dt.date | None = None
    date_out: dt.date | None = None
    groups: list[RecordGroup] = field(default_factory=list)
    checks: dict[RecordCheck, Answer | None] = field(default_factory=dict)
    findings: str = ""
    concerns: str = ""
    escalate: bool = False
    escalated_to: str = ""
    reviewer_id: str = ""
    reviewed_on: dt.date | None = None
    created_at: dt.datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        chosen = set(self.groups)
        self.groups = [g for g in RECORD_GROUPS if g in chosen]

    def set_group(self, group: RecordGroup, on: bool = True) -> None:
        chosen = set(self.groups) - {group}
        if on:
            chosen.add(group)
        self.groups = [g for g in RECORD_GROUPS if g in chosen]

    def has_group(self, group: RecordGroup) -> bool:
        return group in self.groups


W = Severity.WARNING


def validate(
    review: RecordReview,
    *,
    custody_number_pattern: str | None = DEFAULT_PATTERN,
    today: dt.date | None = None,
) -> list[Problem]:
    """Problems with a review, each naming its field (``custody_number``, ``date_out``,
    ``checks.food``...). ``custody_number_pattern`` None checks only that the number holds
    no name, date of birth or address (the server's check, for any scheme's laptops);
    ``today`` None skips the checks against today."""
    return [
        *_custody_number(review, custody_number_pattern),
        *_where_and_when(review, today),
        *_checks(review),
        *_escalation(review),
    ]


def _custody_number(review: RecordReview, pattern: str | None) -> list[Problem]:
    number = review.custody_number.strip()
    if not number:
        return [Problem("custody_number", "Enter the custody record number (never a name).")]
    message = looks_personal(number) if pattern is None else (
        check_custody_number(number, pattern).message)
    return [Problem("custody_number", message)] if message else []


def _where_and_when(review: RecordReview, today: dt.date | None) -> list[Problem]:
    out: list[Problem] = []
    if not review.suite_id.strip():
        out.append(Problem("suite_id", "Choose the custody suite the record is from."))
    date_in, date_out = review.date_in, review.date_out
    if date_in is None:
        out.append(Problem("date_in", "Enter the date the detainee came into custody."))
    if date_in and date_out and date_out < date_in:
        out.append(Problem("date_out", "The date out is before the date in.",
                           related=("date_in",)))
    elif date_in and date_out and (date_out - date_in).days > LONG_DETENTION_DAYS:
        out.append(Problem("date_out", f"The record covers {(date_out - date_in).days} days: "
                           "more than PACE allows unless this was a terrorism (TACT) detention. "
                           "Check the dates.", W, related=("date_in",)))
    if today is not None:
        for path, day in (("date_in", date_in), ("date_out", date_out),
                          ("reviewed_on", review.reviewed_on)):
            if day is not None and day > today:
                out.append(Problem(path, "This date is still to come."))
    if review.reviewed_on and date_in and review.reviewed_on < date_in:
        out.append(Problem("reviewed_on", "The review is dated before the detainee came into "
                           "custody.", related=("date_in",)))
    return out


def _checks(review: RecordReview) -> list[Problem]:
    out: list[Problem] = []
    if not any(answer is not None for answer in review.checks.values()):
        out.append(Problem("checks", "Record what was checked in the custody record.", W))
    needs_aa = [g for g in NEEDS_APPROPRIATE_ADULT if review.has_group(g)]
    aa = review.checks.get(RecordCheck.APPROPRIATE_ADULT_ARRIVAL)
    if needs_aa and aa in (None, Answer.NOT_APPLICABLE):
        who = needs_aa[0].label.lower()
        out.append(Problem("checks.appropriate_adult_arrival", f"The record is marked “{who}”: "
                           "record whether the appropriate adult arrived promptly.", W,
                           related=("groups",)))
    no = [check for check in RECORD_CHECKS if review.checks.get(check) is Answer.NO]
    if no and not (review.findings.strip() or review.concerns.strip()):
        out.append(Problem("findings", f"{no[0].label} is answered no: say what was found.",
                           related=tuple(f"checks.{c.value}" for c in no)))
    return out


def _escalation(review: RecordReview) -> list[Problem]:
    out: list[Problem] = []
    if review.escalate:
        if not review.concerns.strip():
            out.append(Problem("concerns", "Describe the concern being escalated.",
                               related=("escalate",)))
        if not review.escalated_to.strip():
            out.append(Problem("escalated_to", "Say who the concern was escalated to.",
                               related=("escalate",)))
    elif review.escalated_to.strip():
        # What was typed is never dropped in silence: it is marked, to be kept or cleared.
        out.append(Problem("escalate", "Someone to escalate to is recorded, but “escalate” is "
                           "not ticked: tick it, or clear the name.", W,
                           related=("escalated_to",)))
    return out
