"""The coordinator's records about visit reports: a review status with notes, a query to
the visitor and their reply, and follow-up items for issues not resolved at the time.

- :class:`VisitReview`: one per report (its id comes from the report's), the
  coordinator's status (new, reviewed, query sent, closed) and notes. Coordinators only.
- :class:`VisitQuery`: a question about a report, which reaches the visitor's laptop
  through sync and is shown on that report; final once sent.
- :class:`QueryReply`: the visitor's answer, which travels back the same way; final.
- :class:`FollowUp`: an issue taken further: escalated to whom and when, the response
  and its date, closed. The visitor who raised the issue sees its outcome on the report.
  A custody record review whose concern was escalated has one too
  (:func:`follow_up_for_record_review`).

Plain dataclasses with string enums, synced as the kinds in :mod:`icv_app.kinds.coordination`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from icv_app.domain.custody.visit import new_id, utc_now
from icv_app.domain.status import LabelledEnum

_NAMESPACE = uuid.UUID("9d2f3f8c-0c53-4f55-8a8e-2d5c1b7e6a40")


class ReviewStatus(LabelledEnum):
    NEW = "new", "New"
    REVIEWED = "reviewed", "Reviewed"
    QUERY_SENT = "query_sent", "Query sent"
    CLOSED = "closed", "Closed"


class FollowUpStatus(LabelledEnum):
    OPEN = "open", "Open"
    ESCALATED = "escalated", "Escalated"
    RESPONDED = "responded", "Response received"
    CLOSED = "closed", "Closed"


def review_id_for(visit_id: str) -> str:
    """One review per report on every laptop: two coordinators reviewing the same report
    edit one record (a conflict a person resolves), never make two."""
    return str(uuid.uuid5(_NAMESPACE, f"review:{visit_id}"))


def follow_up_id_for(visit_id: str, issue_id: str) -> str:
    """One follow-up per issue, whoever takes it further first."""
    return str(uuid.uuid5(_NAMESPACE, f"follow-up:{visit_id}:{issue_id}"))


@dataclass
class VisitReview:
    visit_id: str
    status: ReviewStatus = ReviewStatus.NEW
    notes: str = ""
    reviewed_by: str = ""
    updated_at: dt.datetime = field(default_factory=utc_now)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = review_id_for(self.visit_id)


@dataclass
class VisitQuery:
    visit_id: str
    text: str
    asked_by: str = ""
    asked_at: dt.datetime = field(default_factory=utc_now)
    id: str = field(default_factory=new_id)


@dataclass
class QueryReply:
    query_id: str
    text: str
    replied_by: str = ""
    replied_at: dt.datetime = field(default_factory=utc_now)
    id: str = field(default_factory=new_id)


@dataclass
class FollowUp:
    visit_id: str
    issue_id: str
    suite_id: str = ""
    raised_on: dt.date | None = None
    summary: str = ""  # the issue as raised, for the coordinator's list
    escalated_to: str = ""
    escalated_on: dt.date | None = None
    response: str = ""
    response_on: dt.date | None = None
    closed_on: dt.date | None = None
    notes: str = ""
    id: str = ""
    # A custody record review's follow-up (kind ``record_follow_up``) names the review
    # here and no report: ``visit_id`` is "" and ``issue_id`` is RECORD_REVIEW_ISSUE (see
    # :func:`follow_up_for_record_review`).
    record_review_id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = follow_up_id_for(self.visit_id, self.issue_id)

    @property
    def from_record_review(self) -> bool:
        return bool(self.record_review_id)

    @property
    def status(self) -> FollowUpStatus:
        if self.closed_on is not None:
            return FollowUpStatus.CLOSED
        if self.response_on is not None or self.response.strip():
            return FollowUpStatus.RESPONDED
        if self.escalated_on is not None or self.escalated_to.strip():
            return FollowUpStatus.ESCALATED
        return FollowUpStatus.OPEN

    def days_open(self, today: dt.date) -> int | None:
        """Days since it was raised (to closing, if closed); None without a date."""
        if self.raised_on is None:
            return None
        end = self.closed_on or today
        return max(0, (end - self.raised_on).days)

    def overdue(self, today: dt.date, after_days: int) -> bool:
        """Still not closed more than ``after_days`` after it was raised."""
        days = self.days_open(today)
        return self.closed_on is None and days is not None and days > after_days


def follow_ups_for(report: object) -> list[FollowUp]:
    """A follow-up item for each issue of a submitted report not resolved at the time
    (resolved "No", or not said). Ids come from the report and the issue, so calling this
    again (or on another laptop) gives the same items."""
    from icv_app.domain.custody.visit import VisitReport

    assert isinstance(report, VisitReport)
    if not report.is_submitted:
        return []
    return [
        FollowUp(
            visit_id=report.id, issue_id=issue.id, suite_id=report.header.suite_id,
            raised_on=report.header.visit_date, summary=issue.text.strip(),
        )
        for issue in report.issues
        if issue.resolved is not True
    ]


RECORD_REVIEW_ISSUE = "record-review"


def record_follow_up_id(record_review_id: str) -> str:
    """One follow-up per custody record review, whoever escalates it first."""
    return follow_up_id_for(record_review_id, RECORD_REVIEW_ISSUE)


def follow_up_for_record_review(review: object) -> FollowUp:
    """The follow-up item of a custody record review whose concern was escalated: raised
    on the day of the review, its concern as the summary, escalated to whom it names.

    It is a :class:`FollowUp` like an issue's, kept as its own kind (``record_follow_up``,
    a child of the review): the ``follow_up`` kind is a child of a submitted visit report,
    which the server checks, so a review's follow-up cannot be one of those."""
    from icv_app.domain.custody.record_review import RecordReview

    assert isinstance(review, RecordReview)
    return FollowUp(
        visit_id="", issue_id=RECORD_REVIEW_ISSUE, suite_id=review.suite_id,
        raised_on=review.reviewed_on, summary=review.concerns.strip(),
        escalated_to=review.escalated_to.strip(), record_review_id=review.id,
        id=record_follow_up_id(review.id),
    )


def follow_up_problems(item: FollowUp) -> list[tuple[str, str]]:
    """(field, message) for what a follow-up cannot say: dates out of order."""
    out = []
    start = item.raised_on
    for name, label in (("escalated_on", "escalated"), ("response_on", "answered"),
                        ("closed_on", "closed")):
        value = getattr(item, name)
        if value is not None and start is not None and value < start:
            out.append((name, f"It cannot have been {label} before the issue was raised."))
    if item.response_on is not None and item.escalated_on is not None and (
        item.response_on < item.escalated_on
    ):
        out.append(("response_on", "The response cannot come before the escalation."))
    return out
