"""The laptop's side of sync bookkeeping, in the local database, for every record kind.

Each syncable row carries ``rev`` (bumped by every local change) and ``base_rev`` (the
rev the server last acknowledged): ``rev > base_rev`` means "not yet on the server".
A pulled change is applied together with the new pull cursor in one transaction, so the
cursor never runs ahead of the data. A pulled change never overwrites an unsynced local
edit: both copies are kept and the pair becomes a conflict for a person to resolve.

Which tables exist, which kind is final when, and which kind waits on which, all come
from :mod:`icv_app.kinds`; nothing here names a kind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from icv_app import kinds
from icv_app.domain.custody.visit import utc_now
from icv_app.kinds import Kind
from icv_app.store import changes
from icv_app.store.records import (
    IncomingChange as IncomingChange,
    list_held_aside as list_held_aside,
    store_server_copy as store_server_copy,
)
from icv_app.store.settings import PULL_CURSOR, get_raw, set_raw
from icv_app.store.sync.sync_check import (  # re-exported: part of the bookkeeping API
    purge_all as purge_all,
    purge_retained as purge_retained,
    reconcile as reconcile,
    synced_digest as synced_digest,
)

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable


class ResolutionRefused(ValueError):
    """A way of resolving a conflict that the server would refuse (keeping this laptop's
    copy over a final one)."""


@dataclass(frozen=True)
class OutgoingRecord:
    type: str
    id: str
    rev: int
    base_rev: int
    deleted: bool
    body: dict[str, Any]
    modified_at: str | None = None  # the laptop's clock: informational only


@dataclass(frozen=True)
class PushOutcome:
    """The server's answer for one pushed record."""

    type: str
    id: str
    rev: int  # the rev that was pushed
    status: str  # accepted | duplicate | conflict | rejected
    reason: str = ""
    owner_id: str | None = None
    server_rev: int | None = None
    server_deleted: bool = False
    server_body: dict[str, Any] | None = None
    code: str | None = None  # rejected: the server's RejectCode


@dataclass(frozen=True)
class Conflict:
    type: str
    id: str
    local_body: dict[str, Any] | None
    server_rev: int
    server_deleted: bool
    server_body: dict[str, Any] | None
    detected_at: str

    @property
    def can_keep_mine(self) -> bool:
        """False when the server copy is final (a submitted report, an amendment): the
        server would refuse ours over it, so only "take the server's" (and, for a report,
        an amendment carrying our changes) makes sense."""
        return can_keep_mine(self.type, self.server_deleted, self.server_body)


def can_keep_mine(rtype: str, server_deleted: bool, server_body: dict[str, Any] | None) -> bool:
    kind = kinds.get(rtype)
    if kind is None:
        return False
    return server_deleted or server_body is None or not kind.is_final(server_body)


# Settings (raw keys; prefer the declared ones in icv_app.store.settings) ----------------

def get_setting(db: Queryable, key: str, default: str | None = None) -> str | None:
    value = get_raw(db, key)
    return default if value is None else value


set_setting = set_raw


# Push ----------------------------------------------------------------------------------

def _waiting_on_person(kind: Kind) -> str:
    """SQL: this row, or the parent it belongs to, waits on a person (refused, or in
    conflict). A child of such a parent waits with it: the server would only refuse it
    for want of its parent."""
    own = (
        "t.attention IS NULL AND NOT EXISTS (SELECT 1 FROM conflicts c "
        f"WHERE c.record_type = '{kind.name}' AND c.record_id = t.id)"
    )
    if kind.parent is None:
        return own
    parent = kinds.require(kind.parent)
    return own + (
        f" AND NOT EXISTS (SELECT 1 FROM {parent.table} p WHERE p.id = t.{kind.parent_field} "
        "AND (p.attention IS NOT NULL OR EXISTS (SELECT 1 FROM conflicts c2 "
        f"WHERE c2.record_type = '{parent.name}' AND c2.record_id = p.id)))"
    )


def pending(
    db: Queryable, limit: int = 200, skip: set[tuple[str, str]] | None = None
) -> list[OutgoingRecord]:
    """Unsynced records, parents first; skips those waiting on a person (rejected or in
    conflict) so one bad record never holds up the rest, those the kind says are not
    ready yet (a draft still being started), and the (kind, id) pairs in ``skip``."""
    out: list[OutgoingRecord] = []
    skip = skip or set()
    for kind in kinds.all_kinds():
        cursor = db.execute(
            f"SELECT id, rev, base_rev, deleted, body, {kind.modified_column} "
            f"FROM {kind.table} t WHERE rev > base_rev AND {_waiting_on_person(kind)} "
            "ORDER BY rowid"
        )
        for rid, rev, base_rev, deleted, body_text, modified in cursor:
            if (kind.name, rid) in skip:
                continue
            body = json.loads(body_text)
            if not deleted and not kind.ready(body):
                continue
            out.append(OutgoingRecord(kind.name, rid, rev, base_rev, bool(deleted), body,
                                      modified))
            if len(out) >= limit:
                return out
    return out


def count_pending(db: Queryable) -> int:
    return sum(
        db.execute(f"SELECT count(*) FROM {k.table} WHERE rev > base_rev").fetchone()[0]
        for k in kinds.all_kinds()
    )


def count_attention(db: Queryable) -> int:
    rejected = sum(
        int(db.execute(f"SELECT count(*) FROM {k.table} WHERE attention IS NOT NULL")
            .fetchone()[0])
        for k in kinds.all_kinds()
    )
    return rejected + int(db.execute("SELECT count(*) FROM conflicts").fetchone()[0])


def record_outcomes(db: sqlite_utils.Database, outcomes: list[PushOutcome]) -> None:
    """Store what the server said of each pushed record, in one transaction."""
    with db.atomic():
        for o in outcomes:
            table = kinds.require(o.type).table
            changes.note(db, o.type, o.id)
            if o.status in ("accepted", "duplicate"):
                # Only what was pushed is acknowledged: edits made meanwhile stay pending.
                db.execute(
                    f"UPDATE {table} SET base_rev = max(base_rev, ?), attention = NULL, "
                    "owner_id = coalesce(?, owner_id) WHERE id = ?",
                    [o.rev, o.owner_id, o.id],
                )
            elif o.status == "conflict":
                if _same_as_ours(db, o.type, o.id, o.server_deleted, o.server_body, o.rev):
                    # The server already has exactly what we sent (another laptop of the
                    # same person made the same change): take its rev, ask nobody.
                    _adopt_identical(db, IncomingChange(
                        o.type, o.id, o.server_rev or 0, o.server_deleted, o.server_body,
                        o.owner_id))
                    continue
                _record_conflict(db, o.type, o.id, o.server_rev or 0, o.server_deleted,
                                 o.server_body)
            elif o.status == "rejected":
                db.execute(
                    f"UPDATE {table} SET attention = ? WHERE id = ?",
                    [o.reason or "Rejected by the server.", o.id],
                )
            else:
                raise ValueError(f"unknown push status {o.status!r} for {o.type} {o.id}")


def _same_as_ours(
    db: Queryable, rtype: str, rid: str, deleted: bool,
    body: dict[str, Any] | None, rev: int | None = None,
) -> bool:
    """Is the server copy identical to our unsynced one (at ``rev``, if given)?"""
    kind = kinds.get(rtype)
    if kind is None:
        return False
    row = db.execute(
        f"SELECT rev, deleted, body FROM {kind.table} WHERE id = ?", [rid]
    ).fetchone()
    if row is None or (rev is not None and row[0] != rev) or bool(row[1]) != deleted:
        return False
    return deleted or (body is not None and json.loads(row[2]) == body)


def _adopt_identical(db: sqlite_utils.Database, change: IncomingChange) -> None:
    """Our copy is the server's: take its rev (the content is the same, so it stays)."""
    db.execute(
        f"UPDATE {kinds.require(change.type).table} SET rev = ?, base_rev = ?, "
        "attention = NULL WHERE id = ?", [change.rev, change.rev, change.id],
    )
    db.execute(
        "DELETE FROM conflicts WHERE record_type = ? AND record_id = ?", [change.type, change.id]
    )
    changes.note(db, change.type, change.id)


def settle_identical_conflicts(db: sqlite_utils.Database) -> int:
    """Close conflicts that no longer need a person: the local copy has since become the
    same as the server's (both deleted the draft, or made the same change). Returns how
    many were closed."""
    settled = 0
    with db.atomic():
        for rtype, rid, srev, sdel, sbody in db.execute(
            "SELECT record_type, record_id, server_rev, server_deleted, server_body "
            "FROM conflicts"
        ).fetchall():
            body = json.loads(sbody) if sbody else None
            if _same_as_ours(db, rtype, rid, bool(sdel), body):
                _adopt_identical(db, IncomingChange(rtype, rid, srev, bool(sdel), body))
                settled += 1
    return settled


def _record_conflict(
    db: sqlite_utils.Database, rtype: str, rid: str, server_rev: int, deleted: bool,
    body: dict[str, Any] | None,
) -> None:
    db.execute(
        "INSERT INTO conflicts (record_type, record_id, server_rev, server_deleted, "
        "server_body, detected_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(record_type, record_id) DO UPDATE SET server_rev = excluded.server_rev, "
        "server_deleted = excluded.server_deleted, server_body = excluded.server_body",
        [rtype, rid, server_rev, int(deleted), json.dumps(body) if body is not None else None,
         utc_now().isoformat()],
    )
    changes.note(db, rtype, rid)


# Pull ----------------------------------------------------------------------------------

def apply_changes(
    db: sqlite_utils.Database, changes_: list[IncomingChange], next_since: int
) -> int:
    """Apply one pulled page and advance the cursor, all in one transaction.

    A change this version cannot read is held aside (never dropped, never an error).
    Returns how many changes became conflicts.
    """
    conflicts = 0
    with db.atomic():
        for change in changes_:
            if db.execute(
                "SELECT 1 FROM purged WHERE record_type = ? AND record_id = ? AND rev >= ?",
                [change.type, change.id, change.rev],
            ).fetchone():
                continue  # purged here under the retention rule; the server keeps it
            kind = kinds.get(change.type)
            local = None
            if kind is not None:
                row = db.execute(
                    f"SELECT rev, base_rev FROM {kind.table} WHERE id = ?", [change.id]
                ).fetchone()
                local = (int(row[0]), int(row[1])) if row else None
            if local is not None and local[1] >= change.rev:
                continue  # we hold that server version (local edits may sit on top of it)
            if local is not None and local[0] > local[1]:
                if _same_as_ours(db, change.type, change.id, change.deleted, change.body):
                    _adopt_identical(db, change)  # the same change, made twice
                    continue
                known = db.execute(
                    "SELECT server_rev FROM conflicts WHERE record_type = ? AND record_id = ?",
                    [change.type, change.id],
                ).fetchone()
                if known is not None and known[0] >= change.rev:
                    continue  # the push already brought this server copy back
                _record_conflict(db, change.type, change.id, change.rev, change.deleted,
                                 change.body)
                conflicts += known is None
                continue
            store_server_copy(db, change)
        PULL_CURSOR.set(db, next_since)
    return conflicts


# Conflicts -----------------------------------------------------------------------------

def list_conflicts(db: Queryable) -> list[Conflict]:
    out = []
    for rtype, rid, srev, sdel, sbody, at in db.execute(
        "SELECT record_type, record_id, server_rev, server_deleted, server_body, detected_at "
        "FROM conflicts ORDER BY detected_at"
    ).fetchall():
        kind = kinds.get(rtype)
        row = None
        if kind is not None:
            row = db.execute(
                f"SELECT body, deleted FROM {kind.table} WHERE id = ?", [rid]
            ).fetchone()
        server_body = json.loads(sbody) if sbody else None
        local_body = json.loads(row[0]) if row else None
        if row is not None and (
            (bool(row[1]) and bool(sdel))
            or (not row[1] and not sdel and local_body == server_body)
        ):
            continue  # the same on both sides now: nothing to choose (settled at next sync)
        out.append(Conflict(rtype, rid, local_body, srev, bool(sdel), server_body, at))
    return out


def resolve_conflict(db: sqlite_utils.Database, rtype: str, rid: str, keep: str) -> None:
    """``keep="server"`` takes the server's copy; ``keep="mine"`` sends ours again as a
    newer version of the server's (nothing is dropped without a person choosing).

    Keeping ours over a final server copy is refused (:class:`ResolutionRefused`): the
    server would refuse it in turn, and the record would be stuck.
    """
    if keep not in ("server", "mine"):
        raise ValueError("keep must be 'server' or 'mine'")
    kind = kinds.require(rtype)
    with db.atomic():
        row = db.execute(
            "SELECT server_rev, server_deleted, server_body FROM conflicts "
            "WHERE record_type = ? AND record_id = ?", [rtype, rid],
        ).fetchone()
        if row is None:
            raise KeyError(f"no conflict for {rtype} {rid}")
        server_rev, server_deleted, server_text = row
        server_body = json.loads(server_text) if server_text else None
        if keep == "server":
            store_server_copy(
                db, IncomingChange(rtype, rid, server_rev, bool(server_deleted), server_body)
            )
        else:
            if not can_keep_mine(rtype, bool(server_deleted), server_body):
                raise ResolutionRefused(
                    f"The server's copy of this {kind.label} is final: {kind.final_message}"
                )
            db.execute(
                f"UPDATE {kind.table} SET base_rev = ?, rev = ? + 1, attention = NULL "
                "WHERE id = ?", [server_rev, server_rev, rid],
            )
        db.execute(
            "DELETE FROM conflicts WHERE record_type = ? AND record_id = ?", [rtype, rid]
        )
        changes.note(db, rtype, rid)


# Records the server refused --------------------------------------------------------------

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
