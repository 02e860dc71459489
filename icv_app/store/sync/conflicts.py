"""Conflicts in the local database: a pulled (or pushed-back) server copy that met an
unsynced local edit. Both copies are kept, in the ``conflicts`` table beside the record,
until a person chooses, or until the two become the same and nobody needs asking.

Push and pull (:mod:`icv_app.store.sync.sync_records`) record conflicts and settle the
identical ones through :func:`record_conflict`, :func:`same_as_ours` and
:func:`adopt_identical`; this module never calls back into them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from icv_app import kinds
from icv_app.domain.custody.visit import utc_now
from icv_app.store import changes
from icv_app.store.records import IncomingChange, store_server_copy

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable


class ResolutionRefused(ValueError):
    """A way of resolving a conflict that the server would refuse (keeping this laptop's
    copy over a final one)."""


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


# Recording and settling (used by push and pull) -----------------------------------------

def same_as_ours(
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


def adopt_identical(db: sqlite_utils.Database, change: IncomingChange) -> None:
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
            if same_as_ours(db, rtype, rid, bool(sdel), body):
                adopt_identical(db, IncomingChange(rtype, rid, srev, bool(sdel), body))
                settled += 1
    return settled


def record_conflict(
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


# Listing and resolving (a person's choice) ----------------------------------------------

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
