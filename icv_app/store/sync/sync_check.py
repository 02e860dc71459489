"""After a sync: what the laptop holds as the server's copy (the count-and-digest check),
putting things right after a full re-pull, and removing what retention allows.

Generic over the record kinds of :mod:`icv_app.kinds`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from icv_app import kinds
from icv_app.domain.custody.visit import utc_now
from icv_app.store import changes
from icv_app.store.settings import PULL_CURSOR
from icv_app.sync.digest import scope_digest

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable


def synced_digest(db: Queryable) -> tuple[int, str]:
    """Count and digest of what this laptop holds as the server's copy: every record the
    server acknowledged and that is not deleted there, plus those purged here under
    retention and those held aside because this version cannot read them. A record in
    conflict counts as the server copy the conflict holds.

    digest = sha256 of the sorted lines ``type:id:rev`` joined by newlines, as
    :func:`icv_app.sync.digest.scope_digest` defines it.
    """
    held: list[tuple[str, str, int]] = []
    for kind in kinds.all_kinds():
        # A local deletion not yet acknowledged (rev > base_rev) is still live on the server.
        held += [
            (kind.name, rid, rev)
            for rid, rev in db.execute(
                f"SELECT id, base_rev FROM {kind.table} WHERE base_rev > 0 "
                "AND (deleted = 0 OR rev > base_rev) "
                "AND NOT EXISTS (SELECT 1 FROM conflicts c "
                f"WHERE c.record_type = ? AND c.record_id = {kind.table}.id)",
                [kind.name],
            ).fetchall()
        ]
    for query in (
        "SELECT record_type, record_id, server_rev FROM conflicts WHERE server_deleted = 0",
        "SELECT record_type, record_id, rev FROM purged",
        "SELECT record_type, record_id, rev FROM held_aside WHERE deleted = 0",
    ):
        held += [(t, i, r) for t, i, r in db.execute(query).fetchall()]
    return len(held), scope_digest(held)


def _has_unsynced_children(db: sqlite_utils.Database, kind_name: str, rid: str) -> bool:
    for child in kinds.children_of(kind_name):
        if db.execute(
            f"SELECT 1 FROM {child.table} WHERE {child.parent_field} = ? "
            "AND (rev > base_rev OR attention IS NOT NULL)", [rid],
        ).fetchone():
            return True
    return False


def reconcile(
    db: sqlite_utils.Database, server: dict[tuple[str, str], tuple[int, bool]], user_id: str
) -> tuple[int, int, int]:
    """After a full re-pull: make what this laptop holds agree with what the server has.

    ``server`` maps every record in scope to its (rev, deleted) on the server. A record
    the laptop holds as acknowledged at a rev the server does not have (a server restored
    from an older backup) is marked unsynced again so the next push sends it back: nothing
    is lost. One someone else owns that is no longer in scope is dropped from the laptop
    (the server keeps it), unless a change made here depends on it (an unsent amendment
    to it): then it stays, and the server's answer to that change tells the person. A
    purged record the server no longer has cannot be re-sent; its mark is dropped so the
    check can agree again; so is a held-aside record the server no longer sends.

    Returns (marked for re-sending, dropped as out of scope, marks forgotten).
    """
    resend = dropped = forgotten = 0
    with db.atomic():
        for kind in kinds.all_kinds():
            rows = db.execute(
                f"SELECT id, rev, base_rev, deleted, owner_id FROM {kind.table} t "
                "WHERE base_rev > 0 AND NOT EXISTS (SELECT 1 FROM conflicts c "
                "WHERE c.record_type = ? AND c.record_id = t.id)",
                [kind.name],
            ).fetchall()
            for rid, rev, base_rev, deleted, owner_id in rows:
                server_rev, _server_deleted = server.get((kind.name, rid), (0, True))
                if server_rev >= base_rev:
                    continue
                out_of_scope = server_rev == 0 and owner_id and owner_id != user_id
                if out_of_scope and rev == base_rev:
                    if _has_unsynced_children(db, kind.name, rid):
                        continue
                    for child in kinds.children_of(kind.name):
                        db.execute(f"DELETE FROM {child.table} WHERE {child.parent_field} = ?",
                                   [rid])
                    db.execute(f"DELETE FROM {kind.table} WHERE id = ?", [rid])
                    changes.note(db, kind.name, rid)
                    dropped += 1
                elif deleted and rev == base_rev:
                    continue  # deleted here and gone there: nothing to send
                else:
                    db.execute(
                        f"UPDATE {kind.table} SET base_rev = ?, rev = max(rev, ? + 1) "
                        "WHERE id = ?", [server_rev, server_rev, rid],
                    )
                    changes.note(db, kind.name, rid)
                    resend += 1
        for table in ("purged", "held_aside"):
            for rtype, rid, rev in db.execute(
                f"SELECT record_type, record_id, rev FROM {table}"
            ).fetchall():
                server_rev, server_deleted = server.get((rtype, rid), (0, True))
                if server_deleted or server_rev < rev:
                    db.execute(
                        f"DELETE FROM {table} WHERE record_type = ? AND record_id = ?",
                        [rtype, rid],
                    )
                    forgotten += 1
    return resend, dropped, forgotten


def purge_all(db: sqlite_utils.Database) -> int:
    """Delete every synced record and all sync bookkeeping of this profile (a revoked
    laptop, after the person confirmed). Returns how many records went."""
    db.execute("PRAGMA secure_delete = ON")
    with db.atomic():
        n = 0
        for kind in reversed(kinds.all_kinds()):  # children first
            n += int(db.execute(f"SELECT count(*) FROM {kind.table}").fetchone()[0])
            ids = [r[0] for r in db.execute(f"SELECT id FROM {kind.table}").fetchall()]
            db.execute(f"DELETE FROM {kind.table}")
            changes.note(db, kind.name, ids)
        for table in ("conflicts", "purged", "held_aside"):
            db.execute(f"DELETE FROM {table}")
        PULL_CURSOR.set(db, None)
    return n


def purge_retained(db: sqlite_utils.Database, days: int, now: str | None = None) -> int:
    """Remove submitted reports that are safely on the server and older than ``days``.

    Only reports whose every change the server acknowledged (and their amendments) go;
    anything unsynced, rejected or in conflict stays. Returns how many reports went.
    """
    visit = kinds.require("visit")
    cutoff_dt = dt.datetime.fromisoformat(now) if now else utc_now()
    cutoff = (cutoff_dt - dt.timedelta(days=days)).isoformat()
    children = kinds.children_of(visit.name)
    with db.atomic():
        ids = [
            r[0]
            for r in db.execute(
                f"SELECT v.id FROM {visit.table} v WHERE v.status = 'submitted' "
                "AND v.deleted = 0 AND v.rev = v.base_rev AND v.attention IS NULL "
                "AND v.submitted_at < ? "
                "AND NOT EXISTS (SELECT 1 FROM conflicts c WHERE c.record_id = v.id)",
                [cutoff],
            ).fetchall()
        ]
        ids = [vid for vid in ids if not _has_unsynced_children(db, visit.name, vid)]
        for vid in ids:
            for child in children:
                db.execute(
                    "INSERT OR REPLACE INTO purged (record_type, record_id, rev) "
                    f"SELECT ?, id, base_rev FROM {child.table} WHERE {child.parent_field} = ? "
                    "AND deleted = 0", [child.name, vid],
                )
                db.execute(f"DELETE FROM {child.table} WHERE {child.parent_field} = ?", [vid])
            db.execute(
                "INSERT OR REPLACE INTO purged (record_type, record_id, rev) "
                f"SELECT ?, id, base_rev FROM {visit.table} WHERE id = ?", [visit.name, vid],
            )
            db.execute(f"DELETE FROM {visit.table} WHERE id = ?", [vid])
            changes.note(db, visit.name, vid)
    return len(ids)
