"""Fixtures for the central store: the same tests on SQLite and on PostgreSQL.

Each test gets a fresh database: a SQLite file in its tmp dir, or a fresh schema in the
PostgreSQL database ``test`` (dropped afterwards). If PostgreSQL does not answer, its
half of the tests is skipped, except in CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")

from fastapi import FastAPI  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from icv_app.server.app import create_app  # noqa: E402
from icv_app.server.config import ServerConfig, ThrottlePolicy  # noqa: E402
from tests.server.support import FAST_HASHER, Server  # noqa: E402

POSTGRES_URL = os.environ.get(
    "ICV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


_postgres_state: dict[str, Any] = {}


def _postgres_error() -> str | None:
    """None if PostgreSQL answers, else why not (checked once per session)."""
    if "error" not in _postgres_state:
        import psycopg

        conninfo = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        try:
            with psycopg.connect(conninfo, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            _postgres_state["error"] = None
        except psycopg.Error as exc:
            _postgres_state["error"] = f"{type(exc).__name__}: {exc}".strip()
    return _postgres_state["error"]  # type: ignore[no-any-return]


def require_postgres() -> None:
    error = _postgres_error()
    if error is None:
        return
    message = f"PostgreSQL at {POSTGRES_URL} does not answer ({error})"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI needs it", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL to a fresh, empty schema of the PostgreSQL test database."""
    require_postgres()
    import psycopg

    schema = f"icv_srv_{uuid.uuid4().hex[:12]}"
    conninfo = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config(clock: Clock) -> ServerConfig:
    return ServerConfig(
        password_hasher=FAST_HASHER,
        clock=clock,
        throttle=ThrottlePolicy(
            free_failures_per_user=3,
            free_failures_per_address=6,
            base_lockout=dt.timedelta(seconds=10),
            max_lockout=dt.timedelta(seconds=60),
            forget_after=dt.timedelta(hours=1),
        ),
    )


@pytest.fixture
def app(database_url: str, config: ServerConfig) -> Iterator[FastAPI]:
    application = create_app(database_url, config=config)
    try:
        yield application
    finally:
        application.state.icv.engine.dispose()


@pytest.fixture
def engine(app: FastAPI) -> Engine:
    engine: Engine = app.state.icv.engine
    return engine


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def server(app: FastAPI, client: TestClient) -> Server:
    return Server(app, client)


