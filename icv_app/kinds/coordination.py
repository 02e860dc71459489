"""The coordinator's records about reports (:mod:`icv_app.domain.custody.coordination`)
as synced kinds.

Each lives in its report's scope: a query and a follow-up reach the visitor who made the
report (through ``own``, as children of their visit), and the visitor's reply reaches the
coordinators (``scheme``). The review status and notes are for coordinators only.
Custody record reviews and dip samples stand on their own; the follow-up of an escalated
record review is a child of that review.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from icv_app.kinds.base import Kind, Problem, Relation, record_table

if TYPE_CHECKING:
    from icv_app.domain.custody.coordination import FollowUp, QueryReply, VisitQuery, VisitReview

_COORDINATORS = {"coordinator": Relation.SCHEME, "admin": Relation.SCHEME}
_WITH_VISITOR = {"volunteer": Relation.OWN, **_COORDINATORS}
MAX_MESSAGE = 5000


def _table(name: str, columns: str) -> Callable[[Any], None]:
    return record_table(name, columns, {"by_parent": columns.split()[0]})


def _message(text: str, what: str) -> list[Problem]:
    if not text.strip():
        return [Problem("text", f"A {what} needs some text.")]
    if len(text) > MAX_MESSAGE:
        return [Problem("text", f"A {what} has at most {MAX_MESSAGE} characters.")]
    return []


def _review_check(review: VisitReview) -> list[Problem]:
    from icv_app.domain.custody.coordination import review_id_for

    if review.id != review_id_for(review.visit_id):
        return [Problem("id", "A report has one review record, whose id comes from the "
                        "report's.")]
    return []


def _query_check(query: VisitQuery) -> list[Problem]:
    return _message(query.text, "query")


def _reply_check(reply: QueryReply) -> list[Problem]:
    return _message(reply.text, "reply")


def _follow_up_check(item: FollowUp) -> list[Problem]:
    from icv_app.domain.custody.coordination import follow_up_id_for, follow_up_problems

    problems = [Problem(f, m) for f, m in follow_up_problems(item)]
    if item.id != follow_up_id_for(item.visit_id, item.issue_id):
        problems.append(Problem("id", "An issue has one follow-up record, whose id comes "
                                "from the report's and the issue's."))
    if item.record_review_id:
        problems.append(Problem("record_review_id", "A custody record review's follow-up "
                                "is a record review follow-up, not a report's."))
    return problems


def _record_follow_up_check(item: FollowUp) -> list[Problem]:
    from icv_app.domain.custody.coordination import (
        RECORD_REVIEW_ISSUE,
        follow_up_problems,
        record_follow_up_id,
    )

    problems = [Problem(f, m) for f, m in follow_up_problems(item)]
    if item.visit_id or item.issue_id != RECORD_REVIEW_ISSUE or not item.record_review_id:
        problems.append(Problem("record_review_id", "A record review's follow-up names the "
                                "review, and no report or issue."))
    elif item.id != record_follow_up_id(item.record_review_id):
        problems.append(Problem("id", "A record review has one follow-up record, whose id "
                                "comes from the review's."))
    return problems


def _loader(name: str) -> Callable[[], type]:
    def load() -> type:
        from icv_app.domain.custody import coordination

        return getattr(coordination, name)  # type: ignore[no-any-return]

    return load


VISIT_REVIEW = Kind(
    name="visit_review",
    label="review",
    load_type=_loader("VisitReview"),
    table="visit_reviews",
    parent="visit",
    parent_field="visit_id",
    parent_must_be_final=True,
    read=_COORDINATORS,
    write=_COORDINATORS,
    check=_review_check,
    columns=lambda r: {"visit_id": r.visit_id, "status": r.status.value},
    local_migrations=(("0001_visit_reviews",
                       _table("visit_reviews", "visit_id TEXT, status TEXT")),),
    push_order=30,
    labels={"status": "Review status", "notes": "Review notes"},
)

VISIT_QUERY = Kind(
    name="visit_query",
    label="query",
    load_type=_loader("VisitQuery"),
    table="visit_queries",
    parent="visit",
    parent_field="visit_id",
    parent_must_be_final=True,
    read=_WITH_VISITOR,
    write=_COORDINATORS,
    is_final=lambda _body: True,
    final_message="A query cannot be changed once sent; send another.",
    check=_query_check,
    columns=lambda q: {"visit_id": q.visit_id, "asked_at": q.asked_at.isoformat()},
    local_migrations=(("0001_visit_queries",
                       _table("visit_queries", "visit_id TEXT, asked_at TEXT")),),
    push_order=30,
    labels={"text": "Query"},
)

QUERY_REPLY = Kind(
    name="query_reply",
    label="reply",
    load_type=_loader("QueryReply"),
    table="query_replies",
    parent="visit_query",
    parent_field="query_id",
    parent_must_be_final=True,
    read=_WITH_VISITOR,
    write=_WITH_VISITOR,
    is_final=lambda _body: True,
    final_message="A reply cannot be changed once sent; reply again.",
    check=_reply_check,
    columns=lambda r: {"query_id": r.query_id, "replied_at": r.replied_at.isoformat()},
    local_migrations=(("0001_query_replies",
                       _table("query_replies", "query_id TEXT, replied_at TEXT")),),
    push_order=40,
    labels={"text": "Reply"},
)

FOLLOW_UP = Kind(
    name="follow_up",
    label="follow-up",
    load_type=_loader("FollowUp"),
    table="follow_ups",
    parent="visit",
    parent_field="visit_id",
    parent_must_be_final=True,
    read=_WITH_VISITOR,
    write=_COORDINATORS,
    check=_follow_up_check,
    columns=lambda f: {"visit_id": f.visit_id, "status": f.status.value},
    local_migrations=(("0001_follow_ups", _table("follow_ups", "visit_id TEXT, status TEXT")),),
    push_order=30,
    labels={"escalated_to": "Escalated to", "escalated_on": "Escalated on",
            "response": "Response", "response_on": "Response received on",
            "closed_on": "Closed on"},
)

def _errors(problems: list[Any]) -> list[Problem]:
    return [Problem(p.field, p.message) for p in problems if p.severity.value == "error"]


def _sample_check(sample: Any) -> list[Problem]:
    from icv_app.domain.custody.dip_sample import validate

    return _errors(validate(sample))


def _record_review_check(review: Any) -> list[Problem]:
    """Every error the app shows, the custody number checked for names, dates of birth
    and addresses (the scheme's own pattern is the laptops' to check)."""
    from icv_app.domain.custody.record_review import validate

    return _errors(validate(review, custody_number_pattern=None))


def _dip_sample_type() -> type:
    from icv_app.domain.custody.dip_sample import DipSample

    return DipSample


def _record_review_type() -> type:
    from icv_app.domain.custody.record_review import RecordReview

    return RecordReview


# A sample with its items' reviews, one record: two coordinators reviewing items of one
# sample at once meet as a sync conflict, shown side by side for a person to settle.
DIP_SAMPLE = Kind(
    name="dip_sample",
    label="dip sample",
    load_type=_dip_sample_type,
    table="dip_samples",
    read=_COORDINATORS,
    write=_COORDINATORS,
    check=_sample_check,
    columns=lambda d: {"created_at": d.created_at.isoformat(),
                       "period_from": d.period_from.isoformat()},
    local_migrations=(("0001_dip_samples",
                       _table("dip_samples", "created_at TEXT, period_from TEXT")),),
    push_order=50,
    labels={"seed": "Seed", "rule": "Rule", "items": "Items"},
)

RECORD_REVIEW = Kind(
    name="record_review",
    label="custody record review",
    load_type=_record_review_type,
    table="record_reviews",
    read=_WITH_VISITOR,
    write=_WITH_VISITOR,
    check=_record_review_check,
    columns=lambda r: {"suite_id": r.suite_id,
                       "reviewed_on": r.reviewed_on.isoformat() if r.reviewed_on else None},
    local_migrations=(("0001_record_reviews",
                       _table("record_reviews", "suite_id TEXT, reviewed_on TEXT")),),
    push_order=50,
    labels={"custody_number": "Custody record number", "date_in": "Date in",
            "date_out": "Date out", "escalated_to": "Escalated to"},
)

# The follow-up of a custody record review whose concern was escalated: the same body as
# an issue's follow-up, a child of the review (FOLLOW_UP's parent must be a submitted
# visit report, which a review is not). Coordinators only for now: the trained visitor
# who made the review does not see its outcome (their laptop's scope would grow).
RECORD_FOLLOW_UP = Kind(
    name="record_follow_up",
    label="record review follow-up",
    load_type=_loader("FollowUp"),
    table="record_follow_ups",
    parent="record_review",
    parent_field="record_review_id",
    read=_COORDINATORS,
    write=_COORDINATORS,
    check=_record_follow_up_check,
    columns=lambda f: {"status": f.status.value},
    local_migrations=(("0001_record_follow_ups",
                       _table("record_follow_ups", "record_review_id TEXT, status TEXT")),),
    push_order=60,  # after its review
    labels=FOLLOW_UP.labels,
)

KINDS = (VISIT_REVIEW, VISIT_QUERY, QUERY_REPLY, FOLLOW_UP, DIP_SAMPLE, RECORD_REVIEW,
         RECORD_FOLLOW_UP)
