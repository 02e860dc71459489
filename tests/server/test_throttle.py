"""Sign-in throttling under attack: each attempt counted before its password is checked,
by account and by address (a stranger cannot lock a user out of their usual laptop), a
bounded number of password checks at once, lockouts bounded in time whatever the clock
did, lifted by an admin, and counted rather than logged one by one."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from icv_app.server import admin, audit
from icv_app.server.app import create_app
from icv_app.server.config import ServerConfig, ThrottlePolicy
from icv_app.server.storage import audit_log, login_throttle, read
from tests.server.conftest import Clock
from tests.server.support import API, PASSWORD, SCHEMA, Server
from tests.sync.support import LiveServer

# Documentation addresses (RFC 5737): the volunteer's usual laptop, a stranger, and a
# place the volunteer has never signed in from.
LAPTOP = "198.51.100.20"
STRANGER = "203.0.113.7"
ELSEWHERE = "192.0.2.55"
WRONG = "wrong guess!"


def from_address(app: FastAPI, address: str) -> TestClient:
    """A client whose requests come from ``address`` (as the server sees them)."""
    return TestClient(app, client=(address, 50000))


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return client.post(
        f"{API}/login",
        json={"username": username, "password": password, "device_name": "laptop"},
        headers=SCHEMA,
    )


def actions(server: Server) -> list[str]:
    with read(server.engine) as conn:
        return [e["action"] for e in audit.entries(conn)]


# --- a stranger who knows a username ------------------------------------------------------


def test_a_stranger_cannot_lock_a_user_out_of_their_usual_laptop(server: Server) -> None:
    server.add_user("vol.alpha")
    with closing(from_address(server.app, LAPTOP)) as laptop, closing(
        from_address(server.app, STRANGER)
    ) as stranger:
        assert login(laptop, "vol.alpha").status_code == 200
        statuses = [login(stranger, "vol.alpha", WRONG).status_code for _ in range(20)]
        assert statuses[:4] == [401] * 4  # 3 free (config fixture), the 4th locks
        assert set(statuses[4:]) == {429}
        # Even the right password is refused from the stranger's address...
        assert login(stranger, "vol.alpha").status_code == 429
        # ...but the volunteer at their usual laptop signs in, again and again.
        assert login(laptop, "vol.alpha").status_code == 200
        assert login(laptop, "vol.alpha").status_code == 200


def test_an_address_the_account_never_signed_in_from_faces_the_account_limit(
    server: Server,
) -> None:
    server.add_user("vol.alpha")
    with closing(from_address(server.app, LAPTOP)) as laptop, closing(
        from_address(server.app, STRANGER)
    ) as stranger, closing(from_address(server.app, ELSEWHERE)) as elsewhere:
        assert login(laptop, "vol.alpha").status_code == 200
        for _ in range(4):
            login(stranger, "vol.alpha", WRONG)
        # Guessing spread over many addresses is still bounded per account: a new address
        # (even with the right password) waits out the account's lockout.
        assert login(elsewhere, "vol.alpha").status_code == 429
        assert login(laptop, "vol.alpha").status_code == 200


def test_wrong_passwords_from_the_usual_laptop_are_still_throttled(
    server: Server, clock: Clock
) -> None:
    server.add_user("vol.alpha")
    with closing(from_address(server.app, LAPTOP)) as laptop:
        assert login(laptop, "vol.alpha").status_code == 200
        assert [login(laptop, "vol.alpha", WRONG).status_code for _ in range(4)] == [401] * 4
        locked = login(laptop, "vol.alpha")
        assert locked.status_code == 429
        assert locked.headers["Retry-After"] == "10"
        clock.advance(seconds=11)
        assert login(laptop, "vol.alpha").status_code == 200


def test_a_password_reset_forgets_where_the_account_signed_in_from(server: Server) -> None:
    server.add_user("vol.alpha")
    with closing(from_address(server.app, STRANGER)) as stranger:
        # Someone who had the password signed in from here; the password is then reset.
        assert login(stranger, "vol.alpha").status_code == 200
        admin.reset_password(server.engine, "vol.alpha", "a brand new passphrase")
        for _ in range(4):
            login(stranger, "vol.alpha", WRONG)
    # Their address is a stranger's again: the account limit applies to it.
    with closing(from_address(server.app, ELSEWHERE)) as elsewhere:
        assert login(elsewhere, "vol.alpha", "a brand new passphrase").status_code == 429


# --- the clock ------------------------------------------------------------------------------


def test_a_lockout_ends_soon_after_a_clock_that_ran_ahead_is_put_back(
    server: Server, clock: Clock
) -> None:
    server.add_user("vol.alpha")
    clock.advance(days=365)
    for _ in range(4):
        server.login_response("vol.alpha", password=WRONG)
    assert server.login_response("vol.alpha").status_code == 429
    clock.advance(days=-365)  # the clock is corrected

    locked = server.login_response("vol.alpha")
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) <= 60  # max_lockout (config fixture)
    clock.advance(seconds=30)
    # The bound holds from when the corrected server first saw the lock, not afresh.
    assert int(server.login_response("vol.alpha").headers["Retry-After"]) <= 30
    clock.advance(seconds=31)
    assert server.login_response("vol.alpha").status_code == 200


def test_failures_dated_in_the_future_are_forgotten_like_any_other(
    server: Server, clock: Clock
) -> None:
    server.add_user("vol.alpha")
    clock.advance(days=365)
    for _ in range(3):
        server.login_response("vol.alpha", password=WRONG)
    clock.advance(days=-365)
    # Seen now, the failures count from now: an hour later they are forgotten.
    assert server.login_response("vol.alpha", password=WRONG).status_code == 401
    clock.advance(hours=2)
    assert server.login_response("vol.alpha", password=WRONG).status_code == 401
    assert server.login_response("vol.alpha").status_code == 200


# --- an admin lifts a lockout --------------------------------------------------------------


def test_an_admin_unlocks_an_account(server: Server) -> None:
    server.add_user("vol.alpha")
    with closing(from_address(server.app, STRANGER)) as stranger, closing(
        from_address(server.app, ELSEWHERE)
    ) as elsewhere:
        for _ in range(6):
            login(stranger, "vol.alpha", WRONG)
        assert login(elsewhere, "vol.alpha").status_code == 429

        unlocked = admin.unlock(server.engine, "vol.alpha")
        assert unlocked.username == "vol.alpha"
        assert unlocked.cleared == 2  # the account's count and the stranger's pair
        assert login(elsewhere, "vol.alpha").status_code == 200
        assert login(stranger, "vol.alpha").status_code == 200
    with read(server.engine) as conn:
        (entry,) = audit.entries(conn, action="user.unlocked")
    assert entry["actor"] == "admin-cli"
    # The stranger's 5th and 6th tries, refused while the account (and pair) were locked;
    # the elsewhere address was refused on the account's lock only.
    assert json.loads(entry["detail"])["refused_while_locked"] == {"account": 3, "pairs": 2}

    with pytest.raises(admin.AdminError, match="No user named"):
        admin.unlock(server.engine, "nobody")


# --- the audit log --------------------------------------------------------------------------


def test_throttled_attempts_are_counted_not_logged_one_by_one(
    server: Server, clock: Clock
) -> None:
    server.add_user("vol.alpha")
    for _ in range(4):
        server.login_response("vol.alpha", password=WRONG)
    before = actions(server)
    # The 4th attempt starts the lockout as it is counted, before its password is checked.
    assert before == ["user.created", *["login.failed"] * 3, "login.locked", "login.failed"]
    for _ in range(50):
        assert server.login_response("vol.alpha").status_code == 429
    assert actions(server) == before

    with read(server.engine) as conn:
        (locked,) = audit.entries(conn, action="login.locked")
        refused = conn.execute(select(func.max(login_throttle.c.throttled))).scalar_one()
    assert refused == 50
    assert locked["actor"] == "vol.alpha"
    assert json.loads(locked["detail"]) == {
        "account": {"failures": 4, "lockout_seconds": 10, "refused_while_locked": 0},
        "pair": {"failures": 4, "lockout_seconds": 10, "refused_while_locked": 0},
    }

    # The next lockout's entry says how many were refused during the last one.
    clock.advance(seconds=11)
    server.login_response("vol.alpha", password=WRONG)
    with read(server.engine) as conn:
        second = audit.entries(conn, action="login.locked")[-1]
    assert json.loads(second["detail"])["account"] == {
        "failures": 5, "lockout_seconds": 20, "refused_while_locked": 50,
    }


def test_a_guessed_name_that_is_no_account_is_not_logged_when_it_locks(server: Server) -> None:
    for _ in range(4):
        server.login_response("my secret passphrase", password=WRONG)
    with read(server.engine) as conn:
        (entry,) = audit.entries(conn, action="login.locked")
    assert entry["actor"] is None
    assert "passphrase" not in repr(entry)


# --- many at once, against a real server ----------------------------------------------------


class CountingHasher(PasswordHasher):
    """The tests' cheap argon2id, slowed down, counting the checks it makes and how many
    run at once."""

    def __init__(self, delay: float) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.delay = delay
        self.checks = 0
        self.running = 0
        self.peak = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self._lock:
            self.checks += 1
            self.running += 1
            self.peak = max(self.peak, self.running)
        try:
            time.sleep(self.delay)  # wide enough for every request to arrive meanwhile
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.running -= 1


@contextmanager
def live(app: FastAPI) -> Iterator[str]:
    """uvicorn serving ``app`` in a thread as ``icv-app serve`` does (trusting
    X-Forwarded-For from 127.0.0.1, as behind a reverse proxy); yields its URL."""
    server = LiveServer(lambda: app, lifespan="off", proxy_headers=True,
                        forwarded_allow_ips="127.0.0.1", backlog=512)
    with server:
        yield server.url


def burst(url: str, attempts: list[tuple[str, str, str]]) -> list[httpx.Response]:
    """All the sign-ins (username, password, client address) at once, each on its own
    connection."""

    async def run() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=len(attempts), max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as client:
            return list(await asyncio.gather(*(
                client.post(
                    f"{API}/login",
                    json={"username": name, "password": password, "device_name": "burst"},
                    headers={**SCHEMA, "X-Forwarded-For": address},
                )
                for name, password, address in attempts
            )))

    return asyncio.run(run())


@pytest.fixture
def live_app(database_url: str, request: pytest.FixtureRequest) -> Iterator[FastAPI]:
    """The app on ``database_url`` with the config that ``request.param`` makes."""
    application = create_app(database_url, config=request.param())
    try:
        yield application
    finally:
        application.state.icv.engine.dispose()


def burst_config() -> ServerConfig:
    return ServerConfig(
        password_hasher=CountingHasher(delay=0.05),
        throttle=ThrottlePolicy(
            free_failures_per_user=3,
            free_failures_per_address=50,
            base_lockout=dt.timedelta(seconds=30),
            max_lockout=dt.timedelta(minutes=5),
        ),
    )


@pytest.mark.parametrize("live_app", [burst_config], indirect=True)
def test_parallel_wrong_passwords_are_counted_before_any_is_checked(live_app: FastAPI) -> None:
    hasher = live_app.state.icv.config.password_hasher
    assert isinstance(hasher, CountingHasher)
    engine = live_app.state.icv.engine
    admin.create_user(engine, "vol.alpha", "volunteer", PASSWORD, hasher=hasher)
    with live(live_app) as url:
        (first,) = burst(url, [("vol.alpha", PASSWORD, LAPTOP)])
        assert first.status_code == 200
        hasher.checks = 0

        answers = burst(url, [("vol.alpha", WRONG, STRANGER)] * 100)
        statuses = sorted(r.status_code for r in answers)
        # The 3 free failures and the one that starts the lockout; nothing else is checked.
        assert hasher.checks <= 4, statuses
        assert statuses.count(401) == hasher.checks
        assert statuses.count(429) == 100 - hasher.checks

        # The volunteer, at their usual laptop, with the right password.
        (mine,) = burst(url, [("vol.alpha", PASSWORD, LAPTOP)])
        assert mine.status_code == 200
    with read(engine) as conn:
        logged = conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
    assert logged <= 10  # created, 2 sign-ins, up to 4 failures, the lockout


def slots_config() -> ServerConfig:
    return ServerConfig(
        password_hasher=CountingHasher(delay=0.3),
        throttle=ThrottlePolicy(free_failures_per_user=100, free_failures_per_address=100),
        max_password_checks=2,
        password_check_wait=dt.timedelta(seconds=0.2),
    )


@pytest.mark.parametrize("live_app", [slots_config], indirect=True)
def test_password_checks_at_once_are_bounded_and_the_rest_told_to_retry(
    live_app: FastAPI,
) -> None:
    hasher = live_app.state.icv.config.password_hasher
    assert isinstance(hasher, CountingHasher)
    with live(live_app) as url:
        # Unknown names from many addresses: nothing the throttle would stop.
        answers = burst(url, [(f"guess.{n}", WRONG, f"192.0.2.{n + 1}") for n in range(30)])
    assert hasher.peak <= 2
    busy = [r for r in answers if r.status_code == 503]
    assert {r.status_code for r in answers} == {401, 503}
    for response in busy:
        assert response.json()["error"] == "unavailable"
        assert int(response.headers["Retry-After"]) >= 1
    # An attempt turned away unchecked is not held against the name or the address.
    with read(live_app.state.icv.engine) as conn:
        counted = conn.execute(
            select(func.coalesce(func.sum(login_throttle.c.failures), 0)).where(
                login_throttle.c.key.like("addr:%")
            )
        ).scalar_one()
    assert counted == len(answers) - len(busy) == hasher.checks
