"""The append-only audit log: who did what, when, from which device, to which record.

Entries never hold a password, a token, a key or anything from a record's body (detainee
details live only in the records). Database triggers (revisions 0001 and 0004) refuse any
UPDATE or DELETE of the table, but for :func:`prune`: ``icv-app admin audit-prune`` may
remove entries older than a cutoff, and never one from the last :data:`KEEP_DAYS` days
(the triggers check that by the database's own clock too). An entry is written in the
same transaction as the change it describes, so the log and the data never disagree.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.engine import Connection

from icv_app.server.storage import audit_log, audit_prune, is_postgres

# The audit log always keeps at least this many days: long enough for a complaint or an
# incident to be looked into (a monthly review at the least). Revision 0004 writes the
# same number into the triggers; changing it here does not change them.
KEEP_DAYS = 30


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user on a device, an admin at the command line, or nobody."""

    user_id: str | None
    name: str | None
    device_id: str | None = None
    address: str | None = None


CLI_ACTOR = Actor(user_id=None, name="admin-cli")


@dataclass(frozen=True)
class AuditEntry:
    action: str
    actor: Actor
    record_type: str | None = None
    record_id: str | None = None
    detail: dict[str, Any] | None = None


def _row(entry: AuditEntry, at: dt.datetime) -> dict[str, Any]:
    return {
        "at": at,
        "actor_user_id": entry.actor.user_id,
        "actor": entry.actor.name,
        "device_id": entry.actor.device_id,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "address": entry.actor.address,
        "detail": json.dumps(entry.detail, sort_keys=True) if entry.detail else None,
    }


def record(conn: Connection, entry: AuditEntry, at: dt.datetime) -> None:
    conn.execute(audit_log.insert().values(**_row(entry, at)))


def record_many(conn: Connection, entries: Sequence[AuditEntry], at: dt.datetime) -> None:
    if entries:
        conn.execute(audit_log.insert(), [_row(e, at) for e in entries])


def entries(conn: Connection, *, action: str | None = None) -> list[dict[str, Any]]:
    """The log, oldest first (for admins and tests)."""
    query = select(audit_log).order_by(audit_log.c.id)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    return [dict(r._mapping) for r in conn.execute(query)]


def prune(conn: Connection, cutoff: dt.datetime) -> int:
    """Delete the entries from before ``cutoff``, but none from the last KEEP_DAYS days by
    the database's clock (were the server's own clock ahead, it could otherwise reach
    into them). Returns how many went. Call in a write transaction; the caller checks
    ``cutoff`` against its own clock and logs the prune."""
    # The triggers let a DELETE through only while audit_prune holds a cutoff, which no
    # other transaction ever sees: it is gone again before this one commits.
    conn.execute(audit_prune.insert().values(cutoff=cutoff))
    result = conn.execute(
        audit_log.delete().where(audit_log.c.at < cutoff, audit_log.c.at < _database_floor(conn))
    )
    conn.execute(audit_prune.delete())
    return int(result.rowcount or 0)


def _database_floor(conn: Connection) -> ColumnElement[Any]:
    if is_postgres(conn):
        return literal_column(f"now() - interval '{KEEP_DAYS} days'")
    return func.datetime("now", f"-{KEEP_DAYS} days")
