"""How one running server is tuned: sign-in throttling, password hashing, client versions.

Scheme policy that clients read (e.g. retention) is not here but in :mod:`settings`, in the
database. Tests pass a cheaper hasher and a clock they can move.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from argon2 import PasswordHasher

from icv_app.sync.wire import WIRE_SCHEMA


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ThrottlePolicy:
    """Failed sign-ins, counted per account and address pair, per account, per address.

    An attempt from an address this account has signed in from before is held to its
    pair's count only, so a stranger who knows the username cannot lock its owner out of
    their usual laptop. From any other address it is held to all three: the account's
    count bounds guessing spread over many addresses, the address's guessing across many
    accounts. (See :mod:`icv_app.server.throttle`.)

    The first ``free_*`` failures of a count cost nothing; each one after that locks it
    for ``base_lockout`` doubled per further failure, up to ``max_lockout`` (never longer
    from now, whatever the clock did). A count with no failure for ``forget_after`` starts
    again from zero. A successful sign-in clears the counts it was held to except the
    address's (one known account must not reset an address's guessing).
    """

    free_failures_per_user: int = 5  # per account, from addresses it never signed in from
    free_failures_per_address: int = 20
    free_failures_per_pair: int = 5
    base_lockout: dt.timedelta = dt.timedelta(seconds=10)
    max_lockout: dt.timedelta = dt.timedelta(minutes=15)
    forget_after: dt.timedelta = dt.timedelta(hours=1)


@dataclass(frozen=True)
class ServerConfig:
    throttle: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    # argon2id with the library's defaults (RFC 9106 low-memory profile).
    password_hasher: PasswordHasher = field(default_factory=PasswordHasher)
    clock: Callable[[], dt.datetime] = utc_now
    min_client_schema: int = WIRE_SCHEMA
    max_client_schema: int = WIRE_SCHEMA
    # Devices' last_seen_at is written at most this often, not on every request.
    last_seen_resolution: dt.timedelta = dt.timedelta(minutes=5)
    # Password checks running at once in this process: each argon2id check takes 64 MiB
    # (the default hasher), so a burst of sign-ins could otherwise take gigabytes. A
    # sign-in that cannot start its check within password_check_wait is answered 503
    # with Retry-After (the app retries) instead of queueing without bound.
    max_password_checks: int = 4
    password_check_wait: dt.timedelta = dt.timedelta(seconds=2)
    # The largest request body taken from a signed-in device (limits.py; sign-in and
    # unauthenticated requests get a few KB): `icv-app serve --max-body-mb`.
    max_body_bytes: int = 8 * 1024 * 1024
