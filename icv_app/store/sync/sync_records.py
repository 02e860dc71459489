"""The laptop's side of sync bookkeeping, in the local database, for every record kind:
what to push, what the server said of it, and applying what was pulled.

Each syncable row carries ``rev`` (bumped by every local change) and ``base_rev`` (the
rev the server last acknowledged): ``rev > base_rev`` means "not yet on the server".
A pulled change is applied together with the new pull cursor in one transaction, so the
cursor never runs ahead of the data. A pulled change never overwrites an unsynced local
edit: both copies are kept and the pair becomes a conflict for a person to resolve
(:mod:`icv_app.store.sync.conflicts`); a record the server refused waits for a person too
(:mod:`icv_app.store.sync.rejected`). Both are re-exported here, with the checks of
:mod:`icv_app.store.sync.sync_check`, so callers see one bookkeeping API.

Which tables exist, which kind is final when, and which kind waits on which, all come
from :mod:`icv_app.kinds`; nothing here names a kind.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from icv_app import kinds
from icv_app.kinds import Kind
from icv_app.store import changes
from icv_app.store.records import (
    IncomingChange as IncomingChange,
    hold_aside,
    list_held_aside as list_held_aside,
    note_stored,
    store_server_copy as store_server_copy,
)
from icv_app.store.settings import PULL_CURSOR, get_raw, set_raw
from icv_app.store.sync.conflicts import (  # re-exported: part of the bookkeeping API
    Conflict as Conflict,
    ResolutionRefused as ResolutionRefused,
    adopt_identical,
    can_keep_mine as can_keep_mine,
    list_conflicts as list_conflicts,
    record_conflict,
    resolve_conflict as resolve_conflict,
    same_as_ours,
    settle_identical_conflicts as settle_identical_conflicts,
)
from icv_app.store.sync.rejected import (  # re-exported: part of the bookkeeping API
    Rejected as Rejected,
    discard_rejected as discard_rejected,
    list_rejected as list_rejected,
    retry_rejected as retry_rejected,
)
from icv_app.store.sync.sync_check import (  # re-exported: part of the bookkeeping API
    count_lost as count_lost,
    missing_from as missing_from,
    purge_all as purge_all,
    purge_retained as purge_retained,
    reconcile as reconcile,
    synced_digest as synced_digest,
)

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingRecord:
    type: str
    id: str
    rev: int
    base_rev: int
    deleted: bool
    body: dict[str, Any]
    modified_at: str | None = None  # the laptop's clock: informational only
    owner_id: str | None = None  # whose it is, where the server said (None: new here)


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
    stored_at: str | None = None  # accepted: the server's clock when it stored the rev


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
            f"SELECT id, rev, base_rev, deleted, body, {kind.modified_column}, owner_id "
            f"FROM {kind.table} t WHERE rev > base_rev AND {_waiting_on_person(kind)} "
            "ORDER BY rowid"
        )
        for rid, rev, base_rev, deleted, body_text, modified, owner in cursor:
            if (kind.name, rid) in skip:
                continue
            body = json.loads(body_text)
            if not deleted and not kind.ready(body):
                continue
            out.append(OutgoingRecord(kind.name, rid, rev, base_rev, bool(deleted), body,
                                      modified, owner))
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
                note_stored(db, o.type, o.id, o.rev, o.stored_at)
            elif o.status == "conflict":
                if same_as_ours(db, o.type, o.id, o.server_deleted, o.server_body, o.rev):
                    # The server already has exactly what we sent (another laptop of the
                    # same person made the same change): take its rev, ask nobody.
                    adopt_identical(db, IncomingChange(
                        o.type, o.id, o.server_rev or 0, o.server_deleted, o.server_body,
                        o.owner_id))
                    continue
                record_conflict(db, o.type, o.id, o.server_rev or 0, o.server_deleted,
                                o.server_body)
            elif o.status == "rejected":
                db.execute(
                    f"UPDATE {table} SET attention = ? WHERE id = ?",
                    [o.reason or "Rejected by the server.", o.id],
                )
            else:
                raise ValueError(f"unknown push status {o.status!r} for {o.type} {o.id}")


# Pull ----------------------------------------------------------------------------------

def apply_changes(
    db: sqlite_utils.Database, changes_: list[IncomingChange], next_since: int
) -> int:
    """Apply one pulled page and advance the cursor, all in one transaction.

    A change this version cannot read is held aside (never dropped, never an error); so
    is one this laptop fails to store (a record that breaks a local constraint), with the
    reason, so one bad change never stops the page, the cursor or the rest of the sync.
    Returns how many changes became conflicts.
    """
    import sqlcipher3

    conflicts = 0
    with db.atomic():
        for change in changes_:
            try:
                with db.atomic():  # a savepoint: a change that fails leaves no trace
                    conflicts += _apply_one(db, change)
                    note_stored(db, change.type, change.id, change.rev, change.stored_at)
            except (sqlcipher3.IntegrityError, ValueError, TypeError, KeyError,
                    RecursionError) as exc:
                log.warning("a pulled %s could not be stored here (%s); held aside",
                            change.type, type(exc).__name__)
                hold_aside(db, change, "This laptop could not store this record "
                           f"({type(exc).__name__}); it is kept aside, nothing was lost.")
        PULL_CURSOR.set(db, next_since)
    return conflicts


def _apply_one(db: sqlite_utils.Database, change: IncomingChange) -> int:
    """Apply one pulled change; 1 if it became a new conflict."""
    if db.execute(
        "SELECT 1 FROM purged WHERE record_type = ? AND record_id = ? AND rev >= ?",
        [change.type, change.id, change.rev],
    ).fetchone():
        return 0  # purged here under the retention rule; the server keeps it
    kind = kinds.get(change.type)
    local = None
    if kind is not None:
        row = db.execute(
            f"SELECT rev, base_rev FROM {kind.table} WHERE id = ?", [change.id]
        ).fetchone()
        local = (int(row[0]), int(row[1])) if row else None
    if local is not None and local[1] >= change.rev:
        return 0  # we hold that server version (local edits may sit on top of it)
    if local is not None and local[0] > local[1]:
        if same_as_ours(db, change.type, change.id, change.deleted, change.body):
            adopt_identical(db, change)  # the same change, made twice
            return 0
        known = db.execute(
            "SELECT server_rev FROM conflicts WHERE record_type = ? AND record_id = ?",
            [change.type, change.id],
        ).fetchone()
        if known is not None and known[0] >= change.rev:
            return 0  # the push already brought this server copy back
        record_conflict(db, change.type, change.id, change.rev, change.deleted, change.body)
        return int(known is None)
    store_server_copy(db, change)
    return 0
