"""Follow-up items as the coordinator's Follow-ups page lists them: the issues of reports
taken further (from the All reports page), and the escalated concerns of custody record
reviews; and this laptop's number of days after which an open item is overdue.

An issue's follow-up is kind ``follow_up`` (a child of its visit report), read and saved
through :class:`~icv_app.services.custody.coordination.CoordinationService`; a record
review's is kind ``record_follow_up`` (a child of the review, see
:func:`~icv_app.domain.custody.coordination.follow_up_for_record_review`). Both are
:class:`FollowUp` bodies, so the page treats them alike.
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from icv_app import kinds
from icv_app.domain.custody.coordination import FollowUp
from icv_app.domain.serialize import to_dict
from icv_app.kinds.base import Unreadable
from icv_app.store.settings import FOLLOW_UP_OVERDUE_DAYS

if TYPE_CHECKING:
    from icv_app.services.custody.coordination import CoordinationService
    from icv_app.store.database import Queryable
    from icv_app.store.local_store import LocalStore

FOLLOW_UP_KINDS = frozenset({"follow_up", "record_follow_up"})


def _has_table(db: Queryable, table: str) -> bool:
    """False in a profile made before the kind: the writer adds its table when it starts."""
    return bool(db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone())


def record_follow_ups(db: Queryable, record_review_id: str | None = None) -> list[FollowUp]:
    """The follow-ups of custody record reviews (of one review, given its id)."""
    kind = kinds.require("record_follow_up")
    if not _has_table(db, kind.table):
        return []
    sql, args = f"SELECT body FROM {kind.table} WHERE deleted = 0", []
    if record_review_id is not None:
        sql, args = sql + " AND record_review_id = ?", [record_review_id]
    out = []
    for (body,) in db.execute(sql, args):
        try:
            out.append(kind.structure(json.loads(body)))
        except (Unreadable, ValueError):
            continue  # held aside and shown by sync
    return out


class FollowUpService:
    def __init__(self, store: LocalStore, coordination: CoordinationService) -> None:
        self.store = store
        self.coordination = coordination

    # The overdue threshold (a setting of this laptop) --------------------------------
    def overdue_days(self) -> int:
        return FOLLOW_UP_OVERDUE_DAYS.get(self.store.reader)

    def set_overdue_days(self, days: int) -> Future[None]:
        return self.store.writer.submit(lambda db: FOLLOW_UP_OVERDUE_DAYS.set(db, days))

    # Reading and writing ---------------------------------------------------------------
    def follow_ups(self) -> list[FollowUp]:
        """Every follow-up: issues' and record reviews'. One small table each, read on
        the UI thread (2,000 items take some 30 ms)."""
        return [*self.coordination.follow_ups(), *record_follow_ups(self.store.reader)]

    def save(self, item: FollowUp) -> Future[FollowUp]:
        if not item.from_record_review:
            return self.coordination.save_follow_up(item)
        from icv_app.store.records import save_record

        body = to_dict(item)

        def job(db: Any) -> FollowUp:
            save_record(db, "record_follow_up", body)
            return item

        return self.store.writer.submit(job)
