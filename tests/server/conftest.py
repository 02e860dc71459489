"""Fixtures for the central store: the same tests on SQLite and on PostgreSQL.

Each test gets a fresh database: a SQLite file in its tmp dir, or a fresh schema (dropped
afterwards) in this test process's own PostgreSQL database, one per xdist worker
(tests/support/postgres.py). If PostgreSQL does not answer, its half of the tests is
skipped, except in CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from icv_app.server.app import create_app
from icv_app.server.config import ServerConfig, ThrottlePolicy
from tests.server.support import FAST_HASHER, Server
from tests.support import postgres

# This process's own database (made by require_postgres()); never the one that
# ICV_TEST_POSTGRES_URL names, which only serves to create it.
POSTGRES_URL = postgres.WORKER_URL


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def require_postgres() -> None:
    """Skip (fail in CI) unless PostgreSQL answers; then POSTGRES_URL's database exists."""
    error = postgres.server_error()
    if error is None:
        return
    where = postgres.BASE_URL.rsplit("@", 1)[-1]  # never print a password from the URL
    message = f"PostgreSQL at {where} does not answer or cannot make a database ({error})"
    if os.environ.get("CI") == "true":
        pytest.fail(message + "; CI needs it", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL to a fresh, empty schema of this process's PostgreSQL test database."""
    require_postgres()
    import psycopg

    schema = f"icv_srv_{uuid.uuid4().hex[:12]}"
    conninfo = postgres.conninfo(POSTGRES_URL)
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
            free_failures_per_pair=3,
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


