"""Reviews, queries and replies, and follow-ups on this laptop: what the coordinator's
screens and the visitor's report read and write. Writes go through the store's writer
and are sent with the next sync; reads use the reader."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from icv_app import kinds
from icv_app.domain.custody.coordination import (
    FollowUp,
    QueryReply,
    ReviewStatus,
    VisitQuery,
    VisitReview,
    review_id_for,
)
from icv_app.domain.serialize import to_dict
from icv_app.kinds.base import Unreadable
from icv_app.store.local_store import LocalStore

COORDINATION_KINDS = frozenset({"visit_review", "visit_query", "query_reply", "follow_up"})


@dataclass(frozen=True)
class Conversation:
    """A query on a report with its replies, oldest first."""

    query: VisitQuery
    replies: tuple[QueryReply, ...]

    @property
    def answered(self) -> bool:
        return bool(self.replies)


class CoordinationService:
    def __init__(self, store: LocalStore) -> None:
        self.store = store

    # Reading ---------------------------------------------------------------------------
    def _bodies(self, kind_name: str, where: str = "", args: Iterable[Any] = ()) -> list[Any]:
        kind = kinds.require(kind_name)
        sql = f"SELECT body FROM {kind.table} WHERE deleted = 0"
        if where:
            sql += f" AND {where}"
        out = []
        for (body,) in self.store.reader.execute(sql, list(args)):
            try:
                out.append(kind.structure(json.loads(body)))
            except (Unreadable, ValueError):
                continue  # held aside and shown by sync
        return out

    def review(self, visit_id: str) -> VisitReview:
        """The report's review (a new one, status New, when there is none yet)."""
        found = self._bodies("visit_review", "id = ?", [review_id_for(visit_id)])
        return found[0] if found else VisitReview(visit_id)

    def reviews(self) -> dict[str, VisitReview]:
        """Every review on this laptop, by report id."""
        return {r.visit_id: r for r in self._bodies("visit_review")}

    def conversations(self, visit_id: str) -> list[Conversation]:
        queries = sorted(self._bodies("visit_query", "visit_id = ?", [visit_id]),
                         key=lambda q: q.asked_at)
        out = []
        for query in queries:
            replies = sorted(self._bodies("query_reply", "query_id = ?", [query.id]),
                             key=lambda r: r.replied_at)
            out.append(Conversation(query, tuple(replies)))
        return out

    def follow_ups(self, visit_id: str | None = None) -> list[FollowUp]:
        if visit_id is None:
            return self._bodies("follow_up")
        return self._bodies("follow_up", "visit_id = ?", [visit_id])

    # Writing ---------------------------------------------------------------------------
    def _save(self, kind_name: str, record: Any) -> Future[Any]:
        from icv_app.store.records import save_record

        body = to_dict(record)

        def job(db: Any) -> Any:
            save_record(db, kind_name, body)
            return record

        return self.store.writer.submit(job)

    def set_review(self, visit_id: str, status: ReviewStatus, notes: str,
                   reviewed_by: str = "") -> Future[VisitReview]:
        review = self.review(visit_id)
        review.status, review.notes, review.reviewed_by = status, notes, reviewed_by
        review.updated_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        return self._save("visit_review", review)

    def send_query(self, visit_id: str, text: str, asked_by: str = "") -> Future[VisitQuery]:
        """Ask the visitor about their report; the review status becomes Query sent."""
        query = VisitQuery(visit_id, text.strip(), asked_by)
        review = self.review(visit_id)
        if review.status is not ReviewStatus.CLOSED:
            review.status = ReviewStatus.QUERY_SENT
        from icv_app.store.records import save_record

        query_body, review_body = to_dict(query), to_dict(review)

        def job(db: Any) -> VisitQuery:
            save_record(db, "visit_query", query_body)
            save_record(db, "visit_review", review_body)
            return query

        return self.store.writer.submit(job)

    def reply(self, query_id: str, text: str, replied_by: str = "") -> Future[QueryReply]:
        return self._save("query_reply", QueryReply(query_id, text.strip(), replied_by))

    def save_follow_up(self, item: FollowUp) -> Future[FollowUp]:
        return self._save("follow_up", item)
