"""Custody record reviews on this laptop: listed by suite and period, opened for editing,
saved through the store's writer (and sent with the next sync).

A review is edited as a :class:`RecordReview`, but the body stored may hold more than
this version shows (a newer app's fields) and may change under an open editor (a sync):
:meth:`RecordReviewService.save` puts the person's edits onto the body as stored now
(:func:`~icv_app.kinds.bodies.merge3`), so neither is lost.

Saving a review whose concern is escalated also makes its follow-up item (kind
``record_follow_up``), once: the coordinator tracks it on the Follow-ups page.
"""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from icv_app import kinds
from icv_app.domain.custody.coordination import (
    FollowUp,
    follow_up_for_record_review,
    record_follow_up_id,
)
from icv_app.domain.custody.record_review import RecordReview
from icv_app.domain.serialize import to_dict
from icv_app.kinds.base import Unreadable

if TYPE_CHECKING:
    from icv_app.store.local_store import LocalStore

RECORD_REVIEW_KINDS = frozenset({"record_review", "record_follow_up"})


@dataclass(frozen=True)
class ReviewFilter:
    """Reviews of one suite (None: any), reviewed from ``reviewed_from`` to
    ``reviewed_to`` (both included; None: no limit)."""

    suite_id: str | None = None
    reviewed_from: dt.date | None = None
    reviewed_to: dt.date | None = None


@dataclass(frozen=True)
class OpenReview:
    """A review as opened for editing: the review, and the body it was read from (None
    for a new one), kept to merge the edits onto at save."""

    review: RecordReview
    raw: dict[str, Any] | None = None

    @property
    def shown(self) -> dict[str, Any] | None:
        return to_dict(self.review) if self.raw is not None else None


@dataclass(frozen=True)
class SavedReview:
    opened: OpenReview  # the review as saved, ready to edit on
    follow_up: FollowUp | None  # the follow-up made by this save, if any


class RecordReviewService:
    def __init__(self, store: LocalStore) -> None:
        self.store = store
        self.kind = kinds.require("record_review")

    def list(self, where: ReviewFilter | None = None) -> list[RecordReview]:
        """The reviews matching ``where``, the latest reviewed first."""
        where = where or ReviewFilter()
        sql = f"SELECT body FROM {self.kind.table} WHERE deleted = 0"
        args: list[Any] = []
        if where.suite_id:
            sql += " AND suite_id = ?"
            args.append(where.suite_id)
        if where.reviewed_from:
            sql += " AND reviewed_on >= ?"
            args.append(where.reviewed_from.isoformat())
        if where.reviewed_to:
            sql += " AND reviewed_on <= ?"
            args.append(where.reviewed_to.isoformat())
        out: list[RecordReview] = []
        for (body,) in self.store.reader.execute(sql, args):
            try:
                out.append(self.kind.structure(json.loads(body)))
            except (Unreadable, ValueError):
                continue  # held aside and shown by sync
        out.sort(key=lambda r: (r.reviewed_on or dt.date.min, r.created_at), reverse=True)
        return out

    def open(self, review_id: str) -> OpenReview:
        """The review as stored now; KeyError if there is none."""
        from icv_app.store.records import load_record

        raw = load_record(self.store.reader, self.kind.name, review_id)
        if raw is None:
            raise KeyError(review_id)
        return OpenReview(self.kind.structure(raw), raw)

    def follow_up_of(self, review_id: str) -> FollowUp | None:
        """The follow-up item of the review's escalated concern, if it has one."""
        from icv_app.services.custody.follow_ups import record_follow_ups

        found = record_follow_ups(self.store.reader, review_id)
        return found[0] if found else None

    def save(self, opened: OpenReview, edited: RecordReview,
             follow_up: bool = True) -> Future[SavedReview]:
        """Save ``edited`` (the review ``opened`` was, as the person changed it); with
        ``follow_up``, an escalated concern becomes a follow-up item if it has none."""
        from icv_app.kinds.bodies import merge3
        from icv_app.store.records import load_record, save_record

        mine = to_dict(edited)
        raw, shown = opened.raw, opened.shown
        if raw is not None and shown is not None:
            mine, _ = merge3(shown, mine, raw, prefer="mine")
        name = self.kind.name

        def job(db: Any) -> SavedReview:
            body = mine
            current = load_record(db, name, edited.id)
            if raw is not None and current is not None and current != raw:
                body, _ = merge3(raw, mine, current, prefer="mine")  # a sync came in
            save_record(db, name, body)
            made = None
            if follow_up and edited.escalate and load_record(
                db, "record_follow_up", record_follow_up_id(edited.id)
            ) is None:
                made = follow_up_for_record_review(edited)
                save_record(db, "record_follow_up", to_dict(made))
            return SavedReview(OpenReview(self.kind.structure(body), body), made)

        return self.store.writer.submit(job)
