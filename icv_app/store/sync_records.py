"""The laptop's side of sync bookkeeping, in the local database.

Each syncable row carries ``rev`` (bumped by every local change) and ``base_rev`` (the
rev the server last acknowledged): ``rev > base_rev`` means "not yet on the server".
A pulled change is applied together with the new pull cursor in one transaction, so the
cursor never runs ahead of the data. A pulled change never overwrites an unsynced local
edit: both copies are kept and the pair becomes a conflict for a person to resolve.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from icv_app.domain.serialize import from_dict, to_dict
from icv_app.domain.visit import Amendment, VisitReport, utc_now
from icv_app.store.visits import visit_row
from icv_app.sync.digest import scope_digest

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable

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
    modified_at: str | None = None  # the laptop's clock: informational only


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

    @property
    def can_keep_mine(self) -> bool:
        """False when the server copy is final (a submitted report, an amendment): the
        server would refuse ours over it, so only "take the server's" (and, for a report,
        an amendment carrying our changes) makes sense."""
        if self.type == "amendment":
            return False
        return not (
            not self.server_deleted
            and self.server_body is not None
            and self.server_body.get("status") == "submitted"
        )


# Settings ------------------------------------------------------------------------------

def get_setting(db: Queryable, key: str, default: str | None = None) -> str | None:
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

_MODIFIED_COLUMN = {"visit": "updated_at", "amendment": "created_at"}
# An amendment whose report waits on a person (rejected, or in conflict) waits with it: the
# server would only refuse it for want of its report.
_HELD_BACK = {
    # A draft with no custody suite yet is still being typed (a new visit is saved at
    # once): the server would refuse it, so it waits here, counted as unsent, until the
    # suite is chosen, instead of showing up as a problem.
    "visit": "AND NOT (t.deleted = 0 AND t.status = 'draft' AND trim(t.suite_id) = '') ",
    "amendment": "AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.id = t.visit_id AND "
    "(v.attention IS NOT NULL OR EXISTS (SELECT 1 FROM conflicts c2 "
    "WHERE c2.record_type = 'visit' AND c2.record_id = v.id))) ",
}


def pending(db: Queryable, limit: int = 200) -> list[OutgoingRecord]:
    """Unsynced records, visits first; skips those waiting on a person (rejected or in
    conflict) so one bad record never holds up the rest."""
    out: list[OutgoingRecord] = []
    for rtype in PUSH_ORDER:
        table = RECORD_TABLES[rtype]
        rows = db.execute(
            f"SELECT id, rev, base_rev, deleted, body, {_MODIFIED_COLUMN[rtype]} "
            f"FROM {table} t WHERE rev > base_rev AND attention IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM conflicts c WHERE c.record_type = ? AND c.record_id = t.id) "
            f"{_HELD_BACK[rtype]}ORDER BY rowid LIMIT ?",
            [rtype, limit - len(out)],
        ).fetchall()
        out += [
            OutgoingRecord(rtype, r[0], r[1], r[2], bool(r[3]), json.loads(r[4]), r[5])
            for r in rows
        ]
        if len(out) >= limit:
            break
    return out


def count_pending(db: Queryable) -> int:
    return sum(
        db.execute(f"SELECT count(*) FROM {t} WHERE rev > base_rev").fetchone()[0]
        for t in RECORD_TABLES.values()
    )


def count_attention(db: Queryable) -> int:
    rejected = sum(
        int(db.execute(f"SELECT count(*) FROM {t} WHERE attention IS NOT NULL").fetchone()[0])
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
    db: sqlite_utils.Database, rtype: str, rid: str, deleted: bool,
    body: dict[str, Any] | None, rev: int | None = None,
) -> bool:
    """Is the server copy identical to our unsynced one (at ``rev``, if given)?"""
    row = db.execute(
        f"SELECT rev, deleted, body FROM {RECORD_TABLES[rtype]} WHERE id = ?", [rid]
    ).fetchone()
    if row is None or (rev is not None and row[0] != rev) or bool(row[1]) != deleted:
        return False
    return deleted or (body is not None and json.loads(row[2]) == body)


def _adopt_identical(db: sqlite_utils.Database, change: IncomingChange) -> None:
    """Our copy is the server's: take its rev (the content is the same, so it stays)."""
    db.execute(
        f"UPDATE {RECORD_TABLES[change.type]} SET rev = ?, base_rev = ?, attention = NULL "
        "WHERE id = ?", [change.rev, change.rev, change.id],
    )
    db.execute(
        "DELETE FROM conflicts WHERE record_type = ? AND record_id = ?", [change.type, change.id]
    )


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
            _store_server_copy(db, change)
        set_setting(db, "pull_since", str(next_since))
    return conflicts


def _store_server_copy(db: sqlite_utils.Database, change: IncomingChange) -> None:
    table = RECORD_TABLES[change.type]
    # Delete then insert: a server copy replaces ours wholesale (the read-only trigger
    # guards edits of submitted reports, not replacement by the server's copy). The
    # delete cascades to the report's amendments, so they are set aside and put back:
    # a report replaced by the server's copy keeps every correction made here.
    amendments = _amendments_of(db, change.id) if change.type == "visit" else []
    db.execute(f"DELETE FROM {table} WHERE id = ?", [change.id])
    db.execute(
        "DELETE FROM purged WHERE record_type = ? AND record_id = ?", [change.type, change.id]
    )
    try:
        if change.deleted or change.body is None:
            if change.type == "visit":
                _insert_tombstone_visit(db, change)
            return
        _insert_server_copy(db, change)
    finally:
        if amendments and db.execute(
            "SELECT 1 FROM visits WHERE id = ?", [change.id]
        ).fetchone():
            db.table("amendments").insert_all(amendments)


def _amendments_of(db: sqlite_utils.Database, visit_id: str) -> list[dict[str, Any]]:
    cursor = db.execute("SELECT * FROM amendments WHERE visit_id = ?", [visit_id])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _insert_server_copy(db: sqlite_utils.Database, change: IncomingChange) -> None:
    assert change.body is not None
    if change.type == "visit":
        report = from_dict(change.body, VisitReport)
        row = visit_row(report)
        row.update(rev=change.rev, base_rev=change.rev, owner_id=change.owner_id, deleted=0)
        db.table("visits").insert(row)
    else:
        amendment = from_dict(change.body, Amendment)
        if not db.execute("SELECT 1 FROM visits WHERE id = ?", [amendment.visit_id]).fetchone():
            if db.execute(
                "SELECT 1 FROM purged WHERE record_type = 'visit' AND record_id = ?",
                [amendment.visit_id],
            ).fetchone():
                # A correction to a report purged here: the server holds both; count it as
                # held (the post-sync check) without keeping it.
                db.execute(
                    "INSERT OR REPLACE INTO purged (record_type, record_id, rev) "
                    "VALUES ('amendment', ?, ?)", [change.id, change.rev],
                )
            return  # its visit is not here (purged, or not in this laptop's scope)
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

def list_conflicts(db: Queryable) -> list[Conflict]:
    out = []
    for rtype, rid, srev, sdel, sbody, at in db.execute(
        "SELECT record_type, record_id, server_rev, server_deleted, server_body, detected_at "
        "FROM conflicts ORDER BY detected_at"
    ).fetchall():
        row = db.execute(
            f"SELECT body, deleted FROM {RECORD_TABLES[rtype]} WHERE id = ?", [rid]
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


@dataclass(frozen=True)
class Rejected:
    """A record the server refused, with its reason, waiting for a person."""

    type: str
    id: str
    reason: str
    body: dict[str, Any]
    visit_id: str  # the report it is (or belongs to)


def list_rejected(db: Queryable) -> list[Rejected]:
    out = [
        Rejected("visit", r[0], r[1], json.loads(r[2]), r[0])
        for r in db.execute(
            "SELECT id, attention, body FROM visits WHERE attention IS NOT NULL "
            "ORDER BY rowid"
        ).fetchall()
    ]
    out += [
        Rejected("amendment", r[0], r[1], json.loads(r[2]), r[3])
        for r in db.execute(
            "SELECT id, attention, body, visit_id FROM amendments WHERE attention IS NOT NULL "
            "ORDER BY rowid"
        ).fetchall()
    ]
    return out


def retry_rejected(db: sqlite_utils.Database, rtype: str, rid: str) -> None:
    """Clear the attention mark so the record is pushed again (after the user fixed it).

    Retrying a report retries its refused amendments too: they were most likely refused
    for want of the report.
    """
    with db.atomic():
        db.execute(f"UPDATE {RECORD_TABLES[rtype]} SET attention = NULL WHERE id = ?", [rid])
        if rtype == "visit":
            db.execute("UPDATE amendments SET attention = NULL WHERE visit_id = ?", [rid])


# Check and retention ---------------------------------------------------------------------

def synced_digest(db: Queryable) -> tuple[int, str]:
    """Count and digest of what this laptop holds as the server's copy: every record the
    server acknowledged and that is not deleted there, plus those purged here under
    retention. A record in conflict counts as the server copy the conflict holds.

    digest = sha256 of the sorted lines ``type:id:rev`` joined by newlines, as
    :func:`icv_app.sync.digest.scope_digest` defines it.
    """
    held: list[tuple[str, str, int]] = []
    for rtype, table in RECORD_TABLES.items():
        # A local deletion not yet acknowledged (rev > base_rev) is still live on the server.
        held += [
            (rtype, rid, rev)
            for rid, rev in db.execute(
                f"SELECT id, base_rev FROM {table} WHERE base_rev > 0 "
                "AND (deleted = 0 OR rev > base_rev) "
                "AND NOT EXISTS (SELECT 1 FROM conflicts c "
                f"WHERE c.record_type = ? AND c.record_id = {table}.id)",
                [rtype],
            ).fetchall()
        ]
    held += [
        (rtype, rid, rev)
        for rtype, rid, rev in db.execute(
            "SELECT record_type, record_id, server_rev FROM conflicts WHERE server_deleted = 0"
        ).fetchall()
    ]
    held += [
        (rtype, rid, rev)
        for rtype, rid, rev in db.execute(
            "SELECT record_type, record_id, rev FROM purged"
        ).fetchall()
    ]
    return len(held), scope_digest(held)


def reconcile(
    db: sqlite_utils.Database, server: dict[tuple[str, str], tuple[int, bool]], user_id: str
) -> tuple[int, int, int]:
    """After a full re-pull: make what this laptop holds agree with what the server has.

    ``server`` maps every record in scope to its (rev, deleted) on the server. A record
    the laptop holds as acknowledged at a rev the server does not have (a server restored
    from an older backup) is marked unsynced again so the next push sends it back: nothing
    is lost. One someone else owns that is no longer in scope is dropped from the laptop
    (the server keeps it). A purged record the server no longer has cannot be re-sent;
    its mark is dropped so the check can agree again.

    Returns (marked for re-sending, dropped as out of scope, purged marks forgotten).
    """
    resend = dropped = forgotten = 0
    with db.atomic():
        for rtype, table in RECORD_TABLES.items():
            rows = db.execute(
                f"SELECT id, rev, base_rev, deleted, owner_id FROM {table} t "
                "WHERE base_rev > 0 AND NOT EXISTS (SELECT 1 FROM conflicts c "
                "WHERE c.record_type = ? AND c.record_id = t.id)",
                [rtype],
            ).fetchall()
            for rid, rev, base_rev, deleted, owner_id in rows:
                server_rev, server_deleted = server.get((rtype, rid), (0, True))
                if server_rev >= base_rev:
                    continue
                if server_rev == 0 and owner_id and owner_id != user_id and rev == base_rev:
                    db.execute(f"DELETE FROM {table} WHERE id = ?", [rid])
                    dropped += 1
                elif deleted and rev == base_rev:
                    continue  # deleted here and gone there: nothing to send
                else:
                    db.execute(
                        f"UPDATE {table} SET base_rev = ?, rev = max(rev, ? + 1) WHERE id = ?",
                        [server_rev, server_rev, rid],
                    )
                    resend += 1
        for rtype, rid, rev in db.execute(
            "SELECT record_type, record_id, rev FROM purged"
        ).fetchall():
            server_rev, server_deleted = server.get((rtype, rid), (0, True))
            if server_deleted or server_rev < rev:
                db.execute(
                    "DELETE FROM purged WHERE record_type = ? AND record_id = ?", [rtype, rid]
                )
                forgotten += 1
    return resend, dropped, forgotten


def purge_all(db: sqlite_utils.Database) -> int:
    """Delete every synced record and all sync bookkeeping of this profile (a revoked
    laptop, after the person confirmed). Returns how many records went."""
    db.execute("PRAGMA secure_delete = ON")
    with db.atomic():
        n = sum(
            int(db.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
            for t in RECORD_TABLES.values()
        )
        db.execute("DELETE FROM amendments")
        db.execute("DELETE FROM visits")
        db.execute("DELETE FROM conflicts")
        db.execute("DELETE FROM purged")
        set_setting(db, "pull_since", None)
    return n


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
