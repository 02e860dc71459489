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

# The kind that retention removes from laptops (with its children).
_RETAINED = "visit"

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


def missing_from(
    db: Queryable, server: dict[tuple[str, str], tuple[int, bool]]
) -> list[tuple[str, str]]:
    """Records this laptop holds as the server's that a full pull did not bring: the
    server lacks them (restored from an older backup) or holds them outside this user's
    scope. The server says which (``POST /sync/locate``), for :func:`reconcile`."""
    out = []
    for kind in kinds.all_kinds():
        out += [
            (kind.name, rid)
            for (rid,) in db.execute(f"SELECT id FROM {kind.table} WHERE base_rev > 0")
            if (kind.name, rid) not in server
        ]
    out += [
        (rtype, rid)
        for rtype, rid in db.execute("SELECT record_type, record_id FROM purged")
        if (rtype, rid) not in server
    ]
    return out


def reconcile(
    db: sqlite_utils.Database,
    server: dict[tuple[str, str], tuple[int, bool]],
    held_elsewhere: set[tuple[str, str]],
    now: str | None = None,
) -> tuple[int, int, int]:
    """After a full re-pull: make what this laptop holds agree with what the server has.

    ``server`` maps every record in scope to its (rev, deleted) on the server;
    ``held_elsewhere``: records the server holds outside this user's scope. A record the
    laptop holds as acknowledged at a rev the server does not have (a server restored
    from an older backup) is marked unsynced again so the next push sends it back,
    whoever owns it: nothing is lost, and a coordinator's laptop, which holds the whole
    scheme, restores every report. One the server holds outside this user's scope now is
    dropped from the laptop (the server keeps it), unless a change made here depends on
    it (an unsent amendment to it): then it stays, and the server's answer to that
    change tells the person. A purged record the server no longer has cannot be re-sent
    from here: it is listed as lost (shown until it comes back from a laptop that still
    holds it), so nobody is told that all is well; a held-aside record the server no
    longer sends is forgotten.

    Returns (marked for re-sending, dropped as out of scope, purged records lost).
    """
    resend = dropped = lost = 0
    noticed = now or utc_now().isoformat()
    with db.atomic():
        for kind in kinds.all_kinds():
            rows = db.execute(
                f"SELECT id, rev, base_rev, deleted FROM {kind.table} t "
                "WHERE base_rev > 0 AND NOT EXISTS (SELECT 1 FROM conflicts c "
                "WHERE c.record_type = ? AND c.record_id = t.id)",
                [kind.name],
            ).fetchall()
            for rid, rev, base_rev, deleted in rows:
                server_rev, _server_deleted = server.get((kind.name, rid), (0, True))
                if server_rev >= base_rev:
                    continue
                out_of_scope = server_rev == 0 and (kind.name, rid) in held_elsewhere
                if out_of_scope and rev == base_rev:
                    if _has_unsynced_children(db, kind.name, rid):
                        continue
                    for child in kinds.children_of(kind.name):
                        db.execute(f"DELETE FROM {child.table} WHERE {child.parent_field} = ?",
                                   [rid])
                    db.execute(f"DELETE FROM {kind.table} WHERE id = ?", [rid])
                    changes.note(db, kind.name, rid)
                    dropped += 1
                elif out_of_scope:
                    continue  # a change made here: the server's answer tells the person
                elif deleted and rev == base_rev:
                    continue  # deleted here and gone there: nothing to send
                else:
                    db.execute(
                        f"UPDATE {kind.table} SET base_rev = ?, rev = max(rev, ? + 1) "
                        "WHERE id = ?", [server_rev, server_rev, rid],
                    )
                    db.execute(
                        "DELETE FROM server_stored WHERE record_type = ? AND record_id = ?",
                        [kind.name, rid],
                    )
                    changes.note(db, kind.name, rid)
                    resend += 1
        for rtype, rid, rev in db.execute(
            "SELECT record_type, record_id, rev FROM purged"
        ).fetchall():
            server_rev, server_deleted = server.get((rtype, rid), (0, True))
            if not server_deleted and server_rev >= rev:
                continue
            db.execute("DELETE FROM purged WHERE record_type = ? AND record_id = ?",
                       [rtype, rid])
            gone = (rtype, rid) not in server and (rtype, rid) not in held_elsewhere
            if gone and rtype == _RETAINED:
                db.execute(
                    "INSERT OR REPLACE INTO lost (record_type, record_id, rev, noticed_at) "
                    "VALUES (?, ?, ?, ?)", [rtype, rid, rev, noticed],
                )
                lost += 1
        for rtype, rid, rev in db.execute(
            "SELECT record_type, record_id, rev FROM held_aside"
        ).fetchall():
            server_rev, server_deleted = server.get((rtype, rid), (0, True))
            if server_deleted or server_rev < rev:
                db.execute(
                    "DELETE FROM held_aside WHERE record_type = ? AND record_id = ?",
                    [rtype, rid],
                )
    return resend, dropped, lost


def count_lost(db: Queryable) -> int:
    """Reports purged here under retention that the server no longer has."""
    return int(db.execute("SELECT count(*) FROM lost").fetchone()[0])


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
            for table in kind.local_tables:
                db.execute(f"DELETE FROM {table}")
        for table in ("conflicts", "purged", "held_aside", "server_stored", "lost"):
            db.execute(f"DELETE FROM {table}")
        PULL_CURSOR.set(db, None)
    return n


def purge_retained(db: sqlite_utils.Database, days: int, now: str | None = None) -> int:
    """Remove submitted reports that the server has held for ``days``.

    ``now`` is the server's clock. A report goes only when the server stored the rev this
    laptop holds of it, and of each of its children, more than ``days`` ago (so every
    backup the server took in that time holds them), and every change made here was
    acknowledged; anything unsynced, rejected or in conflict stays, and so does a record
    whose storing time this laptop does not know yet. Returns how many reports went.
    """
    visit = kinds.require(_RETAINED)
    cutoff_dt = dt.datetime.fromisoformat(now) if now else utc_now()
    cutoff = (cutoff_dt - dt.timedelta(days=days)).astimezone(dt.UTC).isoformat()
    children = kinds.children_of(visit.name)
    stored_long_ago = (
        "EXISTS (SELECT 1 FROM server_stored s WHERE s.record_type = ? "
        "AND s.record_id = {alias}.id AND s.rev = {alias}.base_rev AND s.stored_at < ?)"
    )
    with db.atomic():
        ids = [
            r[0]
            for r in db.execute(
                f"SELECT v.id FROM {visit.table} v WHERE v.status = 'submitted' "
                "AND v.deleted = 0 AND v.rev = v.base_rev AND v.attention IS NULL "
                f"AND {stored_long_ago.format(alias='v')} "
                "AND NOT EXISTS (SELECT 1 FROM conflicts c WHERE c.record_id = v.id)",
                [visit.name, cutoff],
            ).fetchall()
        ]
        ids = [
            vid for vid in ids
            if not _has_unsynced_children(db, visit.name, vid)
            and not any(
                db.execute(
                    f"SELECT 1 FROM {child.table} c WHERE c.{child.parent_field} = ? "
                    f"AND c.deleted = 0 AND NOT {stored_long_ago.format(alias='c')}",
                    [vid, child.name, cutoff],
                ).fetchone()
                for child in children
            )
        ]
        for vid in ids:
            for child in children:
                db.execute(
                    "INSERT OR REPLACE INTO purged (record_type, record_id, rev) "
                    f"SELECT ?, id, base_rev FROM {child.table} WHERE {child.parent_field} = ? "
                    "AND deleted = 0", [child.name, vid],
                )
                db.execute(
                    "DELETE FROM server_stored WHERE record_type = ? AND record_id IN "
                    f"(SELECT id FROM {child.table} WHERE {child.parent_field} = ?)",
                    [child.name, vid],
                )
                db.execute(f"DELETE FROM {child.table} WHERE {child.parent_field} = ?", [vid])
            db.execute(
                "INSERT OR REPLACE INTO purged (record_type, record_id, rev) "
                f"SELECT ?, id, base_rev FROM {visit.table} WHERE id = ?", [visit.name, vid],
            )
            db.execute("DELETE FROM server_stored WHERE record_type = ? AND record_id = ?",
                       [visit.name, vid])
            db.execute(f"DELETE FROM {visit.table} WHERE id = ?", [vid])
            changes.note(db, visit.name, vid)
    return len(ids)
