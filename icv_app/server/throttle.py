"""Throttling sign-in attempts: per (account, address) pair, per account, per address.

Three counts, so that guessing is bounded without handing strangers a way to lock people
out (ThrottlePolicy has the numbers):

- the pair's count bounds guessing one account from one address;
- the account's count bounds guessing one account from many addresses;
- the address's count bounds guessing many accounts from one address.

An attempt from an address this account has signed in from before (remembered, hashed,
in ``login_known_addresses``) is held to its pair's count only: a stranger who knows the
username can lock the account for every *other* address, but not for the owner's usual
laptop. An attempt from anywhere else is held to all three.

Each attempt is counted *before* its password is checked, in one write transaction with
the check for a lockout (:func:`admit`; on PostgreSQL the rows are locked FOR UPDATE, on
SQLite ``write()`` is one writer at a time): however many arrive at once, only the free
ones and the one that starts a lockout get as far as argon2. A successful sign-in then
clears the counts it was held to, except the address's, from which it is only taken back
(one known account must not reset an address's guessing); an attempt turned away before
its check (the server busy) is taken back from all of them.

An attempt refused because of a lockout adds to the row's ``throttled`` count; the audit
log gets one ``login.locked`` entry when a lockout begins (with how many were refused
during the ones before), not one entry per refusal.

The clock is not trusted to be right: a lockout is never longer than ``max_lockout`` from
now (a longer one, written while the clock ran ahead, is cut down and saved so), and a
failure dated in the future counts as one that happened now.

State lives in the database, so it survives a restart and is shared by every server
process. Usernames are stored hashed: people do type their password into the username
box, and it must not sit in a table in plain text. Addresses are stored as they are in
the audit log, except the known ones, hashed with the user id so that the table is not a
list of where each person signs in from.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection, Row

from icv_app.server import audit
from icv_app.server.audit import Actor, AuditEntry
from icv_app.server.config import ThrottlePolicy
from icv_app.server.storage import (
    insert_ignoring_duplicates,
    is_postgres,
    login_known_addresses,
    login_throttle,
)

PAIR = "pair"
ACCOUNT = "account"
ADDRESS = "address"


def user_key(username: str) -> str:
    return "user:" + hashlib.sha256(username.encode()).hexdigest()[:32]


def address_key(address: str | None) -> str:
    return f"addr:{address or 'unknown'}"


def pair_key(username: str, address: str | None) -> str:
    pair = f"{username}\x00{address or 'unknown'}"
    return "pair:" + hashlib.sha256(pair.encode()).hexdigest()[:32]


def _address_hash(user_id: str, address: str) -> str:
    return hashlib.sha256(f"{user_id}\x00{address}".encode()).hexdigest()


@dataclass(frozen=True)
class Count:
    """One count an attempt is held to: its row's key, what it counts, its free failures."""

    key: str
    scope: str  # PAIR, ACCOUNT or ADDRESS
    free: int
    account_key: str | None


def counts_for(
    username: str, address: str | None, known_address: bool, policy: ThrottlePolicy
) -> tuple[Count, ...]:
    """The counts an attempt at ``username`` from ``address`` is held to, in key order:
    every transaction locks throttle rows in that order, so none waits on another in a
    circle."""
    account = user_key(username)
    counts = [Count(pair_key(username, address), PAIR, policy.free_failures_per_pair, account)]
    if not known_address:
        counts += [
            Count(account, ACCOUNT, policy.free_failures_per_user, account),
            Count(address_key(address), ADDRESS, policy.free_failures_per_address, None),
        ]
    return tuple(sorted(counts, key=lambda c: c.key))


@dataclass
class Admission:
    """What :func:`admit` decided: refused for ``retry_after`` seconds, or let through to
    the password check, counted as a failure until the check says otherwise."""

    counts: tuple[Count, ...]
    retry_after: int | None = None
    # key -> the locked_until this attempt set, so that taking it back can undo the lock.
    locks_set: dict[str, dt.datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class _Effective:
    failures: int
    locked_until: dt.datetime | None
    clamped: bool  # locked_until or last_failure_at had to be brought back to now


def _effective(row: Row[Any], now: dt.datetime, policy: ThrottlePolicy) -> _Effective:
    """A row as it counts now, whatever the clock did since it was written."""
    last = min(row.last_failure_at, now)  # a failure "in the future" happened now
    failures = row.failures if now - last < policy.forget_after else 0
    locked_until = row.locked_until
    if locked_until is not None and locked_until > now + policy.max_lockout:
        locked_until = now + policy.max_lockout
    clamped = last != row.last_failure_at or locked_until != row.locked_until
    return _Effective(failures, locked_until, clamped)


def _lock_rows(
    conn: Connection, counts: tuple[Count, ...], now: dt.datetime
) -> dict[str, Row[Any]]:
    # Two attempts at once for a new key must not both insert it: insert-if-absent (key
    # order), then lock them all (key order: LockRows runs after the ORDER BY).
    for count in counts:
        conn.execute(
            insert_ignoring_duplicates(conn, login_throttle).values(
                key=count.key, failures=0, last_failure_at=now, locked_until=None,
                account_key=count.account_key, throttled=0,
            )
        )
    query = (
        select(login_throttle)
        .where(login_throttle.c.key.in_([c.key for c in counts]))
        .order_by(login_throttle.c.key)
    )
    if is_postgres(conn):
        query = query.with_for_update()
    return {row.key: row for row in conn.execute(query)}


def _is_empty(failures: int, locked_until: dt.datetime | None, throttled: int) -> bool:
    return failures == 0 and locked_until is None and throttled == 0


def admit(
    conn: Connection,
    counts: tuple[Count, ...],
    now: dt.datetime,
    policy: ThrottlePolicy,
    actor: Actor,
) -> Admission:
    """Refuse the attempt if any of its counts is locked; else count it as a failure now,
    before its password is checked (module doc). Call in a write transaction."""
    rows = _lock_rows(conn, counts, now)
    effective = {c.key: _effective(rows[c.key], now, policy) for c in counts}
    waits = [
        (e.locked_until - now).total_seconds()
        for e in effective.values()
        if e.locked_until is not None and e.locked_until > now
    ]
    if waits:
        for count in counts:
            row, state = rows[count.key], effective[count.key]
            locked = state.locked_until is not None and state.locked_until > now
            throttled = row.throttled + 1 if locked else row.throttled
            if _is_empty(row.failures, row.locked_until, throttled):
                # Only just inserted above (or long since taken back): not worth a row.
                conn.execute(login_throttle.delete().where(login_throttle.c.key == count.key))
            elif locked or state.clamped:
                conn.execute(
                    login_throttle.update()
                    .where(login_throttle.c.key == count.key)
                    .values(
                        throttled=throttled,
                        locked_until=state.locked_until,
                        last_failure_at=min(row.last_failure_at, now),
                    )
                )
        return Admission(counts, retry_after=max(1, math.ceil(max(waits))))

    admission = Admission(counts)
    began: dict[str, Any] = {}
    for count in counts:
        row, state = rows[count.key], effective[count.key]
        failures = state.failures + 1
        locked_until = None  # not locked now (else refused above): any lock had ended
        throttled = row.throttled
        if failures > count.free:
            doublings = min(failures - count.free - 1, 30)
            lockout = min(policy.base_lockout * (2**doublings), policy.max_lockout)
            locked_until = now + lockout
            admission.locks_set[count.key] = locked_until
            began[count.scope] = {
                "failures": failures,
                "lockout_seconds": math.ceil(lockout.total_seconds()),
                "refused_while_locked": row.throttled,
            }
            throttled = 0  # reported just below
        conn.execute(
            login_throttle.update()
            .where(login_throttle.c.key == count.key)
            .values(
                failures=failures, last_failure_at=now, locked_until=locked_until,
                throttled=throttled,
            )
        )
    if began:
        # Who is locked is worth naming only for a real account (see auth.login); the
        # scopes name which counts locked, the numbers how hard they were tried.
        audit.record(conn, AuditEntry("login.locked", actor, detail=began), now)
    return admission


def _take_back(conn: Connection, admission: Admission, count: Count) -> None:
    query = select(login_throttle).where(login_throttle.c.key == count.key)
    if is_postgres(conn):
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        return
    failures = max(row.failures - 1, 0)
    locked_until = row.locked_until
    if locked_until is not None and locked_until == admission.locks_set.get(count.key):
        # This attempt's lock (no later attempt has locked it since): before this attempt
        # the count was not locked, so it is not now.
        locked_until = None
    if _is_empty(failures, locked_until, row.throttled):
        conn.execute(login_throttle.delete().where(login_throttle.c.key == count.key))
        return
    conn.execute(
        login_throttle.update()
        .where(login_throttle.c.key == count.key)
        .values(failures=failures, locked_until=locked_until)
    )


def take_back(conn: Connection, admission: Admission) -> None:
    """Undo an admitted attempt whose password was never checked (or was right, for an
    account that is disabled): as if it had not been made."""
    for count in admission.counts:
        _take_back(conn, admission, count)


def succeeded(conn: Connection, admission: Admission) -> None:
    """The attempt's password was right: clear the counts it was held to, and take it
    back from its address's (module doc)."""
    for count in admission.counts:
        if count.scope == ADDRESS:
            _take_back(conn, admission, count)
        else:
            conn.execute(login_throttle.delete().where(login_throttle.c.key == count.key))


def is_known_address(conn: Connection, user_id: str, address: str | None) -> bool:
    if address is None:
        return False
    query = select(login_known_addresses.c.user_id).where(
        login_known_addresses.c.user_id == user_id,
        login_known_addresses.c.address_hash == _address_hash(user_id, address),
    )
    return conn.execute(query).first() is not None


def remember_address(
    conn: Connection, user_id: str, address: str | None, now: dt.datetime
) -> None:
    """The account signed in from ``address``: from now on it is held to its pair's count
    there. An unknown address (no client address at all) is never remembered."""
    if address is None:
        return
    address_hash = _address_hash(user_id, address)
    conn.execute(
        insert_ignoring_duplicates(conn, login_known_addresses).values(
            user_id=user_id, address_hash=address_hash, first_signed_in_at=now,
            last_signed_in_at=now,
        )
    )
    conn.execute(
        login_known_addresses.update()
        .where(
            login_known_addresses.c.user_id == user_id,
            login_known_addresses.c.address_hash == address_hash,
        )
        .values(last_signed_in_at=now)
    )


def forget_addresses(conn: Connection, user_id: str) -> int:
    """Forget where the account signed in from (its password was reset: whoever had the
    old one may have signed in from anywhere). Returns how many were forgotten."""
    result = conn.execute(
        login_known_addresses.delete().where(login_known_addresses.c.user_id == user_id)
    )
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class Unlocked:
    cleared: int  # throttle rows removed
    refused_while_locked: dict[str, int]  # attempts they had refused, by scope


def unlock(conn: Connection, username: str) -> Unlocked:
    """Remove every count of the account: its own and its pairs' (not its addresses',
    which are not the account's). Call in a write transaction."""
    account = user_key(username)
    query = (
        select(login_throttle)
        .where(login_throttle.c.account_key == account)
        .order_by(login_throttle.c.key)
    )
    if is_postgres(conn):
        query = query.with_for_update()
    rows = conn.execute(query).all()
    conn.execute(login_throttle.delete().where(login_throttle.c.account_key == account))
    refused = {"account": 0, "pairs": 0}
    for row in rows:
        refused["account" if row.key == account else "pairs"] += row.throttled
    return Unlocked(len(rows), refused)
