"""Records the server refused, in the local database: the refusal's reason sits in the
record's own ``attention`` column until a person retries the record (after fixing it) or
discards this laptop's change.

A refused record, and any child of it, is left out of the push meanwhile
(:func:`icv_app.store.sync.sync_records.pending`), so one bad record never holds up the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from icv_app import kinds
from icv_app.store import changes
from icv_app.store.settings import PULL_CURSOR

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable


@dataclass(frozen=True)
class Rejected:
    """A record the server refused, with its reason, waiting for a person."""

    type: str
    id: str
    reason: str
    body: dict[str, Any]
    parent_id: str  # the record it belongs to (itself for a top-level record)
    final: bool  # this laptop's copy is final (e.g. a submitted report)

    @property
    def visit_id(self) -> str:  # the custody screens' name for it
        return self.parent_id


def list_rejected(db: Queryable) -> list[Rejected]:
    out = []
    for kind in kinds.all_kinds():
        for rid, reason, body_text in db.execute(
            f"SELECT id, attention, body FROM {kind.table} WHERE attention IS NOT NULL "
            "ORDER BY rowid"
        ).fetchall():
            body = json.loads(body_text)
            parent = kind.parent_of(body) if kind.parent else rid
            out.append(Rejected(kind.name, rid, reason, body, parent or "",
                                bool(kind.is_final(body))))
    return out


def retry_rejected(db: sqlite_utils.Database, rtype: str, rid: str) -> None:
    """Clear the attention mark so the record is pushed again (after the user fixed it).

    Retrying a record retries its refused children too: they were most likely refused
    for want of it.
    """
    with db.atomic():
        kind = kinds.require(rtype)
        db.execute(f"UPDATE {kind.table} SET attention = NULL WHERE id = ?", [rid])
        changes.note(db, rtype, rid)
        for child in kinds.children_of(rtype):
            db.execute(
                f"UPDATE {child.table} SET attention = NULL WHERE {child.parent_field} = ?",
                [rid],
            )


def discard_rejected(db: sqlite_utils.Database, rtype: str, rid: str) -> None:
    """Drop this laptop's refused change and take the server's copy back on the next
    sync (or, for a record the server never had, remove it). A person chose this."""
    kind = kinds.require(rtype)
    with db.atomic():
        row = db.execute(
            f"SELECT base_rev FROM {kind.table} WHERE id = ? AND attention IS NOT NULL", [rid]
        ).fetchone()
        if row is None:
            raise KeyError(f"no refused {rtype} {rid}")
        for child in kinds.children_of(rtype):
            db.execute(f"DELETE FROM {child.table} WHERE {child.parent_field} = ? "
                       "AND base_rev = 0", [rid])
        db.execute(f"DELETE FROM {kind.table} WHERE id = ?", [rid])
        changes.note(db, rtype, rid)
        if int(row[0]) > 0:
            # The server has an earlier version: read everything again so it comes back.
            PULL_CURSOR.set(db, None)
