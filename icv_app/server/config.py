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
    """Failed sign-ins, counted per username and per client address.

    The first ``free_*`` failures cost nothing; each one after that locks the key for
    ``base_lockout`` doubled per further failure, up to ``max_lockout``. A key that has had
    no failure for ``forget_after`` starts again from zero; a successful sign-in clears the
    username's count (not the address's, so one known account cannot reset it).
    """

    free_failures_per_user: int = 5
    free_failures_per_address: int = 20
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
