"""The laptop's side of sync bookkeeping, in the local database.

Each syncable row carries ``rev`` (bumped by every local change) and ``base_rev`` (the
rev the server last acknowledged): ``rev > base_rev`` means "not yet on the server".
A pulled change is applied together with the new pull cursor in one transaction, so the
cursor never runs ahead of the data. A pulled change never overwrites an unsynced local
edit: both copies are kept and the pair becomes a conflict for a person to resolve.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from icv_app.domain.serialize import from_dict, to_dict
from icv_app.domain.visit import Amendment, VisitReport, utc_now
from icv_app.store.visits import visit_row

RECORD_TABLES = {"visit": "visits", "amendment": "amendments"}
# Visits go first: an amendment's original must reach the server before it does.
PUSH_ORDER = ("visit", "amendment")


@dataclass(frozen=True)
class OutgoingRecord:
    type: str
    id: str
    rev: int
    base_rev: int
    deleted: bool
    body: dict[str, Any]


@dataclass(frozen=True)
class IncomingChange:
    type: str
    id: str
    rev: int
    deleted: bool
    body: dict[str, Any] | None
    owner_id: str | None = None


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


@dataclass(frozen=True)
class Conflict:
    type: str
    id: str
    local_body: dict[str, Any] | None
    server_rev: int
    server_deleted: bool
    server_body: dict[str, Any] | None
    detected_at: str


# Settings ------------------------------------------------------------------------------

def get_setting(db: sqlite_utils.Database, key: str, default: str | None = None) -> str | None:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else default


def set_setting(db: sqlite_utils.Database, key: str, value: str | None) -> None:
    if value is None:
        db.execute("DELETE FROM settings WHERE key = ?", [key])
    else:
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


# Push ----------------------------------------------------------------------------------

def pending(db: sqlite_utils.Database, limit: int = 200) -> list[OutgoingRecord]:
    """Unsynced records, visits first; skips those waiting on a person (rejected or in
    conflict) so one bad record never holds up the rest."""
    out: list[OutgoingRecord] = []
    for rtype in PUSH_ORDER:
        table = RECORD_TABLES[rtype]
        rows = db.execute(
            f"SELECT id, rev, base_rev, deleted, body FROM {table} t "
            "WHERE rev > base_rev AND attention IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM conflicts c WHERE c.record_type = ? AND c.record_id = t.id) "
            "ORDER BY rowid LIMIT ?",
            [rtype, limit - len(out)],
        ).fetchall()
        out += [
            OutgoingRecord(rtype, r[0], r[1], r[2], bool(r[3]), json.loads(r[4])) for r in rows
        ]
        if len(out) >= limit:
            break
    return out


def count_pending(db: sqlite_utils.Database) -> int:
    return sum(
        db.execute(f"SELECT count(*) FROM {t} WHERE rev > base_rev").fetchone()[0]
        for t in RECORD_TABLES.values()
    )


def count_attention(db: sqlite_utils.Database) -> int:
    rejected = sum(
        db.execute(f"SELECT count(*) FROM {t} WHERE attention IS NOT NULL").fetchone()[0]
        for t in RECORD_TABLES.values()
    )
    return rejected + int(db.execute("SELECT count(*) FROM conflicts").fetchone()[0])


def record_outcomes(db: sqlite_utils.Database, outcomes: list[PushOutcome]) -> None:
    """Store what the server said of each pushed record, in one transaction."""
    with db.atomic():
        for o in outcomes:
            table = RECORD_TABLES[o.type]
            if o.status in ("accepted", "duplicate"):
                # Only what was pushed is acknowledged: edits made meanwhile stay pending.
                db.execute(
                    f"UPDATE {table} SET base_rev = max(base_rev, ?), attention = NULL, "
                    "owner_id = coalesce(?, owner_id) WHERE id = ?",
                    [o.rev, o.owner_id, o.id],
                )
            elif o.status == "conflict":
                _record_conflict(db, o.type, o.id, o.server_rev or 0, o.server_deleted,
                                 o.server_body)
            elif o.status == "rejected":
                db.execute(
                    f"UPDATE {table} SET attention = ? WHERE id = ?",
                    [o.reason or "Rejected by the server.", o.id],
                )
            else:
                raise ValueError(f"unknown push status {o.status!r} for {o.type} {o.id}")


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


# Pull ----------------------------------------------------------------------------------

def apply_changes(
    db: sqlite_utils.Database, changes: list[IncomingChange], next_since: int
) -> int:
    """Apply one pulled page and advance the cursor, all in one transaction.

    Returns how many changes became conflicts.
    """
    conflicts = 0
    with db.atomic():
        for change in changes:
            table = RECORD_TABLES.get(change.type)
            if table is None:
                continue  # a record type this version does not know: skip, keep going
            if db.execute(
                "SELECT 1 FROM purged WHERE record_type = ? AND record_id = ? AND rev >= ?",
                [change.type, change.id, change.rev],
            ).fetchone():
                continue  # purged here under the retention rule; the server keeps it
            local = db.execute(
                f"SELECT rev, base_rev FROM {table} WHERE id = ?", [change.id]
            ).fetchone()
            if local is not None and local[1] >= change.rev:
                continue  # we hold that server version (local edits may sit on top of it)
            if local is not None and local[0] > local[1]:
                _record_conflict(db, change.type, change.id, change.rev, change.deleted,
                                 change.body)
                conflicts += 1
                continue
            _store_server_copy(db, change)
        set_setting(db, "pull_since", str(next_since))
    return conflicts


def _store_server_copy(db: sqlite_utils.Database, change: IncomingChange) -> None:
    table = RECORD_TABLES[change.type]
    # Delete then insert: a server copy replaces ours wholesale (the read-only trigger
    # guards edits of submitted reports, not replacement by the server's copy).
    db.execute(f"DELETE FROM {table} WHERE id = ?", [change.id])
    if change.deleted or change.body is None:
        if change.type == "visit":
            _insert_tombstone_visit(db, change)
        return
    if change.type == "visit":
        report = from_dict(change.body, VisitReport)
        row = visit_row(report)
        row.update(rev=change.rev, base_rev=change.rev, owner_id=change.owner_id, deleted=0)
        db.table("visits").insert(row)
    else:
        amendment = from_dict(change.body, Amendment)
        if not db.execute("SELECT 1 FROM visits WHERE id = ?", [amendment.visit_id]).fetchone():
            return  # its visit is not here (purged or out of scope)
        db.table("amendments").insert(
            {
                "id": amendment.id,
                "visit_id": amendment.visit_id,
                "body": json.dumps(to_dict(amendment)),
                "created_at": amendment.created_at.isoformat(),
                "rev": change.rev,
                "base_rev": change.rev,
                "deleted": 0,
                "owner_id": change.owner_id,
            }
        )


def _insert_tombstone_visit(db: sqlite_utils.Database, change: IncomingChange) -> None:
    now = utc_now().isoformat()
    db.table("visits").insert(
        {"id": change.id, "body": json.dumps(to_dict(VisitReport(id=change.id))),
         "created_at": now, "updated_at": now, "rev": change.rev, "base_rev": change.rev,
         "deleted": 1, "owner_id": change.owner_id}
    )


# Conflicts -----------------------------------------------------------------------------

def list_conflicts(db: sqlite_utils.Database) -> list[Conflict]:
    out = []
    for rtype, rid, srev, sdel, sbody, at in db.execute(
        "SELECT record_type, record_id, server_rev, server_deleted, server_body, detected_at "
        "FROM conflicts ORDER BY detected_at"
    ).fetchall():
        row = db.execute(
            f"SELECT body FROM {RECORD_TABLES[rtype]} WHERE id = ?", [rid]
        ).fetchone()
        out.append(
            Conflict(rtype, rid, json.loads(row[0]) if row else None, srev, bool(sdel),
                     json.loads(sbody) if sbody else None, at)
        )
    return out


def resolve_conflict(db: sqlite_utils.Database, rtype: str, rid: str, keep: str) -> None:
    """``keep="server"`` takes the server's copy; ``keep="mine"`` sends ours again as a
    newer version of the server's (nothing is dropped without a person choosing)."""
    table = RECORD_TABLES[rtype]
    with db.atomic():
        row = db.execute(
            "SELECT server_rev, server_deleted, server_body FROM conflicts "
            "WHERE record_type = ? AND record_id = ?", [rtype, rid],
        ).fetchone()
        if row is None:
            raise KeyError(f"no conflict for {rtype} {rid}")
        server_rev, server_deleted, server_body = row
        if keep == "server":
            _store_server_copy(
                db,
                IncomingChange(rtype, rid, server_rev, bool(server_deleted),
                               json.loads(server_body) if server_body else None),
            )
        elif keep == "mine":
            db.execute(
                f"UPDATE {table} SET base_rev = ?, rev = ? + 1, attention = NULL WHERE id = ?",
                [server_rev, server_rev, rid],
            )
        else:
            raise ValueError("keep must be 'server' or 'mine'")
        db.execute(
            "DELETE FROM conflicts WHERE record_type = ? AND record_id = ?", [rtype, rid]
        )


def retry_rejected(db: sqlite_utils.Database, rtype: str, rid: str) -> None:
    """Clear the attention mark so the record is pushed again (after the user fixed it)."""
    db.execute(f"UPDATE {RECORD_TABLES[rtype]} SET attention = NULL WHERE id = ?", [rid])


# Check and retention ---------------------------------------------------------------------

def synced_digest(db: sqlite_utils.Database) -> tuple[int, str]:
    """Count and digest of what this laptop holds as the server's copy: every record the
    server acknowledged and that is not deleted, plus those purged here under retention.

    digest = sha256 of the sorted lines ``type:id:rev`` joined by newlines.
    """
    lines = []
    for rtype, table in RECORD_TABLES.items():
        lines += [
            f"{rtype}:{rid}:{rev}"
            for rid, rev in db.execute(
                f"SELECT id, base_rev FROM {table} WHERE base_rev > 0 AND deleted = 0 "
                f"AND NOT EXISTS (SELECT 1 FROM conflicts c WHERE c.record_id = {table}.id)"
            ).fetchall()
        ]
    lines += [
        f"{rtype}:{rid}:{rev}"
        for rtype, rid, rev in db.execute(
            "SELECT record_type, record_id, rev FROM purged"
        ).fetchall()
    ]
    lines.sort()
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def purge_retained(db: sqlite_utils.Database, days: int, now: str | None = None) -> int:
    """Remove submitted reports that are safely on the server and older than ``days``.

    Only reports whose every change the server acknowledged (and their amendments) go;
    anything unsynced, rejected or in conflict stays. Returns how many reports went.
    """
    import datetime as dt

    cutoff_dt = dt.datetime.fromisoformat(now) if now else utc_now()
    cutoff = (cutoff_dt - dt.timedelta(days=days)).isoformat()
    with db.atomic():
        ids = [
            r[0]
            for r in db.execute(
                "SELECT v.id FROM visits v WHERE v.status = 'submitted' AND v.deleted = 0 "
                "AND v.rev = v.base_rev AND v.attention IS NULL AND v.submitted_at < ? "
                "AND NOT EXISTS (SELECT 1 FROM conflicts c WHERE c.record_id = v.id) "
                "AND NOT EXISTS (SELECT 1 FROM amendments a WHERE a.visit_id = v.id "
                "AND (a.rev > a.base_rev OR a.attention IS NOT NULL))",
                [cutoff],
            ).fetchall()
        ]
        for vid in ids:
            db.execute(
                "INSERT OR REPLACE INTO purged (record_type, record_id, rev) "
                "SELECT 'amendment', id, base_rev FROM amendments WHERE visit_id = ? "
                "AND deleted = 0", [vid],
            )
            db.execute(
                "INSERT OR REPLACE INTO purged (record_type, record_id, rev) "
                "SELECT 'visit', id, base_rev FROM visits WHERE id = ?", [vid],
            )
            db.execute("DELETE FROM amendments WHERE visit_id = ?", [vid])
            db.execute("DELETE FROM visits WHERE id = ?", [vid])
    return len(ids)
