"""Throttling failed sign-ins, per username and per client address (see ThrottlePolicy).

State lives in the database, so it survives a restart and is shared by every server
process. Username keys are stored hashed: people do type their password into the
username box, and it must not sit in a table in plain text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from sqlalchemy import select
from sqlalchemy.engine import Connection

from icv_app.server.config import ThrottlePolicy
from icv_app.server.storage import insert_ignoring_duplicates, is_postgres, login_throttle


def user_key(username: str) -> str:
    return "user:" + hashlib.sha256(username.encode()).hexdigest()[:32]


def address_key(address: str | None) -> str:
    return f"addr:{address or 'unknown'}"


def retry_after(conn: Connection, keys: list[str], now: dt.datetime) -> int | None:
    """Seconds until every key is unlocked, or None if none is locked now."""
    rows = conn.execute(
        select(login_throttle.c.locked_until).where(login_throttle.c.key.in_(keys))
    ).all()
    waits = [
        (row.locked_until - now).total_seconds()
        for row in rows
        if row.locked_until is not None and row.locked_until > now
    ]
    return max(1, math.ceil(max(waits))) if waits else None


def record_failure(
    conn: Connection, username_key: str, addr_key: str, now: dt.datetime, policy: ThrottlePolicy
) -> None:
    for key, free in (
        (username_key, policy.free_failures_per_user),
        (addr_key, policy.free_failures_per_address),
    ):
        # Two failures at once for a new key must not both insert it: insert-if-absent,
        # then lock the row and count.
        conn.execute(
            insert_ignoring_duplicates(conn, login_throttle).values(
                key=key, failures=0, last_failure_at=now, locked_until=None
            )
        )
        query = select(login_throttle).where(login_throttle.c.key == key)
        if is_postgres(conn):
            query = query.with_for_update()
        row = conn.execute(query).one()
        failures = 1
        if now - row.last_failure_at < policy.forget_after:
            failures = row.failures + 1
        locked_until = None
        if failures > free:
            doublings = min(failures - free - 1, 30)
            lockout = min(policy.base_lockout * (2**doublings), policy.max_lockout)
            locked_until = now + lockout
        conn.execute(
            login_throttle.update()
            .where(login_throttle.c.key == key)
            .values(failures=failures, last_failure_at=now, locked_until=locked_until)
        )


def clear(conn: Connection, key: str) -> None:
    conn.execute(login_throttle.delete().where(login_throttle.c.key == key))
