"""Synced records of every kind in the local database, read off the kind declarations.

Every kind's table has the same sync columns (``id``, ``body``, ``rev``, ``base_rev``,
``deleted``, ``owner_id``, ``attention``), its parent's id under the parent field's
name, and the list columns its declaration computes. Bodies are stored exactly as the
server sent them (or as the person's edits merged onto that, see
:mod:`icv_app.kinds.bodies`): what a newer app added survives here.

A pulled record this version cannot read (an unknown kind, a body it cannot make sense
of) is kept aside in ``held_aside``, never dropped and never allowed to stop a pull.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from icv_app import kinds
from icv_app.domain.custody.visit import utc_now
from icv_app.kinds import Kind, Unreadable
from icv_app.store import changes

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable


@dataclass(frozen=True)
class IncomingChange:
    type: str
    id: str
    rev: int
    deleted: bool
    body: dict[str, Any] | None
    owner_id: str | None = None
    stored_at: str | None = None  # the server's clock when it stored this rev


def note_stored(db: sqlite_utils.Database, rtype: str, rid: str, rev: int,
                stored_at: str | None) -> None:
    """Remember when the server stored the rev this laptop holds (retention counts from
    there), if this laptop holds that rev as the server's."""
    if not stored_at:
        return
    kind = kinds.get(rtype)
    if kind is None:
        return
    db.execute(
        "INSERT OR REPLACE INTO server_stored (record_type, record_id, rev, stored_at) "
        f"SELECT ?, id, base_rev, ? FROM {kind.table} WHERE id = ? AND base_rev = ?",
        [rtype, stored_at, rid, rev],
    )


def dumps(body: Any) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def columns_for(kind: Kind, body: dict[str, Any], now: str | None = None) -> dict[str, Any]:
    """The list columns of a body (raises :class:`Unreadable`)."""
    row = dict(kind.columns(kind.structure(body)))
    if kind.parent_field is not None:
        row[kind.parent_field] = kind.parent_of(body)
    if kind.modified_column not in row:
        row[kind.modified_column] = now or utc_now().isoformat()
    return row


def _children(db: sqlite_utils.Database, kind: Kind, rid: str) -> list[tuple[Kind, list[dict]]]:
    out = []
    for child in kinds.children_of(kind.name):
        assert child.parent_field is not None
        cursor = db.execute(
            f"SELECT * FROM {child.table} WHERE {child.parent_field} = ?", [rid]
        )
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
        if rows:
            out.append((child, rows))
    return out


def store_server_copy(db: sqlite_utils.Database, change: IncomingChange) -> None:
    """Replace our copy by the server's (the caller checked nothing local is lost).

    The delete would cascade to the record's children (a report's amendments), so they
    are set aside and put back: a record replaced by the server's copy keeps every child
    made here.
    """
    kind = kinds.get(change.type)
    if kind is None:
        hold_aside(db, change, f"This version of icv-app does not know {change.type!r} "
                               "records; update the app to see them.")
        return
    body = change.body
    row: dict[str, Any] | None = None
    if not change.deleted and body is not None:
        try:
            row = columns_for(kind, body)
        except Unreadable as exc:
            hold_aside(db, change, f"This version of icv-app cannot read this {kind.label} "
                                   f"({exc}); update the app to see it.")
            return
        if kind.parent is not None and not _parent_here(db, kind, body):
            _note_child_of_absent_parent(db, kind, change, body)
            return
    children = _children(db, kind, change.id)
    db.execute(f"DELETE FROM {kind.table} WHERE id = ?", [change.id])
    for table in ("purged", "lost"):
        db.execute(f"DELETE FROM {table} WHERE record_type = ? AND record_id = ?",
                   [change.type, change.id])
    db.execute("DELETE FROM held_aside WHERE record_type = ? AND record_id = ?",
               [change.type, change.id])
    changes.note(db, kind.name, change.id)
    if row is None:
        row = _tombstone_columns(kind, change.id)
        if row is None:
            return  # this kind keeps no tombstones here
        body = {"id": change.id}
    row.update(id=change.id, body=dumps(body), rev=change.rev, base_rev=change.rev,
               owner_id=change.owner_id, deleted=int(change.deleted or change.body is None))
    db.table(kind.table).insert(row)
    for child, rows in children:
        db.table(child.table).insert_all(rows)
        changes.note(db, child.name, [r["id"] for r in rows])


def _tombstone_columns(kind: Kind, rid: str) -> dict[str, Any] | None:
    try:
        return columns_for(kind, {"id": rid})
    except Unreadable:
        return None


def _parent_here(db: sqlite_utils.Database, kind: Kind, body: dict[str, Any]) -> bool:
    parent = kinds.require(kind.parent or "")
    pid = kind.parent_of(body)
    return pid is not None and bool(
        db.execute(f"SELECT 1 FROM {parent.table} WHERE id = ?", [pid]).fetchone()
    )


def _note_child_of_absent_parent(
    db: sqlite_utils.Database, kind: Kind, change: IncomingChange, body: dict[str, Any]
) -> None:
    """A child whose parent is not here: purged under retention (count it as held, as the
    server has both), or not in this laptop's scope (ignore it)."""
    pid = kind.parent_of(body)
    if pid and db.execute(
        "SELECT 1 FROM purged WHERE record_type = ? AND record_id = ?", [kind.parent, pid]
    ).fetchone():
        db.execute(
            "INSERT OR REPLACE INTO purged (record_type, record_id, rev) VALUES (?, ?, ?)",
            [kind.name, change.id, change.rev],
        )


def hold_aside(db: sqlite_utils.Database, change: IncomingChange, reason: str) -> None:
    db.execute(
        "INSERT INTO held_aside (record_type, record_id, rev, deleted, body, owner_id, reason, "
        "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(record_type, record_id) DO "
        "UPDATE SET rev = excluded.rev, deleted = excluded.deleted, body = excluded.body, "
        "reason = excluded.reason, received_at = excluded.received_at",
        [change.type, change.id, change.rev, int(change.deleted),
         dumps(change.body) if change.body is not None else None, change.owner_id, reason,
         utc_now().isoformat()],
    )
    changes.note(db, "held_aside", change.id)


@dataclass(frozen=True)
class HeldAside:
    type: str
    id: str
    rev: int
    reason: str
    received_at: str


def list_held_aside(db: Queryable) -> list[HeldAside]:
    return [
        HeldAside(*row)
        for row in db.execute(
            "SELECT record_type, record_id, rev, reason, received_at FROM held_aside "
            "WHERE deleted = 0 ORDER BY received_at, record_id"
        ).fetchall()
    ]


def retry_held_aside(db: sqlite_utils.Database) -> int:
    """Try again to store what was held aside (after an update brought a kind or a field
    this version now reads). Returns how many could be stored."""
    stored = 0
    for rtype, rid, rev, deleted, body, owner in db.execute(
        "SELECT record_type, record_id, rev, deleted, body, owner_id FROM held_aside"
    ).fetchall():
        kind = kinds.get(rtype)
        if kind is None:
            continue
        change = IncomingChange(rtype, rid, rev, bool(deleted),
                                json.loads(body) if body else None, owner)
        if change.body is not None and not change.deleted:
            try:
                columns_for(kind, change.body)
            except Unreadable:
                continue
        store_server_copy(db, change)
        stored += 1
    return stored


class RecordFinal(Exception):
    """A final record (submitted, or final by its kind's rule once on the server) is not
    changed here either."""


def save_record(db: sqlite_utils.Database, kind_name: str, body: dict[str, Any]) -> int:
    """Create or change a record of any laptop-authored kind; returns its new local rev.

    The body is written as given (callers that edit through a form merge first, as
    :mod:`icv_app.store.custody.visits` does for reports). A record that is final and already on
    the server is refused.
    """
    kind = kinds.require(kind_name)
    rid = body.get("id")
    if not isinstance(rid, str):
        raise ValueError("a record body needs its id")
    row = columns_for(kind, body)
    current = db.execute(
        f"SELECT rev, base_rev, body FROM {kind.table} WHERE id = ?", [rid]
    ).fetchone()
    if current is not None and int(current[1]) > 0 and kind.is_final(json.loads(current[2])):
        raise RecordFinal(f"This {kind.label} is final and cannot be changed.")
    rev = int(current[0]) + 1 if current else 1
    row.update(id=rid, body=dumps(body), rev=rev, deleted=0, attention=None)
    if current is None:
        row["base_rev"] = 0
        db.table(kind.table).insert(row)
    else:
        db.table(kind.table).update(rid, row)
    changes.note(db, kind.name, rid)
    return rev


def load_record(db: Queryable, kind_name: str, rid: str) -> dict[str, Any] | None:
    """The stored body of a record (as the server sent it, or as last saved here)."""
    kind = kinds.require(kind_name)
    row = db.execute(
        f"SELECT body FROM {kind.table} WHERE id = ? AND deleted = 0", [rid]
    ).fetchone()
    return json.loads(row[0]) if row else None
