"""The append-only audit log: who did what, when, from which device, to which record.

Entries never hold a password, a token, a key or anything from a record's body (detainee
details live only in the records). Database triggers (see :mod:`migrations`) refuse any
UPDATE or DELETE of the table. An entry is written in the same transaction as the change
it describes, so the log and the data never disagree.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from icv_app.server.storage import audit_log


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
