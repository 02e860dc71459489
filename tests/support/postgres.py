"""The PostgreSQL database of one test process: its own, so that parallel workers never
share one.

``ICV_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
names the server and a database to connect to for administration. Each test process (an
xdist worker, or the one process of a serial run) creates its own database on that
server the first time a test needs PostgreSQL, named after the base database, the worker,
the process id and the time (``test_gw0_p1234_t65f0c1a2``), so two runs on one machine
(two developers, a developer and CI) do not collide either. Tests then make a fresh schema
per test inside it (tests/server/conftest.py). Database-wide state (the server's
migration advisory lock, pg_stat_activity) is thus per worker.

The database is dropped when the session ends. A worker killed on the spot (a hung test
ended by pytest-timeout) cannot drop its own; the next process to create one drops any
such leftover: a database of this naming scheme, older than a few minutes, that nobody is
connected to. While a process lives it holds a connection to its database, so a database
in use is never taken for a leftover.
"""

from __future__ import annotations

import atexit
import os
import re
import time
from typing import Any

from sqlalchemy.engine import make_url

BASE_URL = os.environ.get(
    "ICV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_BASE = make_url(BASE_URL)
if _BASE.drivername in ("postgresql", "postgres"):
    _BASE = _BASE.set(drivername="postgresql+psycopg")
_BASE_DB = _BASE.database or "postgres"
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
_STARTED = int(time.time())
DATABASE = f"{_BASE_DB}_{_WORKER}_p{os.getpid()}_t{_STARTED:x}".lower()[:63]
_LEFTOVER = re.compile(rf"^{re.escape(_BASE_DB.lower())}_(?:gw\d+|main)_p\d+_t([0-9a-f]+)$")
_LEFTOVER_AGE_S = 300

WORKER_URL = _BASE.set(database=DATABASE).render_as_string(hide_password=False)
"""SQLAlchemy URL of this process's database (it exists once server_error() returned None)."""


def conninfo(url: str) -> str:
    """A libpq URL for psycopg from a SQLAlchemy one."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


_state: dict[str, Any] = {}


def server_error() -> str | None:
    """None if the server answers and this process's database exists (made on the first
    call), else why not. Checked once per process."""
    if "error" not in _state:
        _state["error"] = _create()
    return _state["error"]  # type: ignore[no-any-return]


def _create() -> str | None:
    import psycopg

    try:
        with psycopg.connect(conninfo(BASE_URL), autocommit=True, connect_timeout=3) as conn:
            _drop_leftovers(conn)
            conn.execute(f'CREATE DATABASE "{DATABASE}" TEMPLATE template0 ENCODING \'UTF8\'')
            # A test database need not survive a power cut: commits return without waiting
            # for the WAL to reach the disk (still atomic and isolated; only durability
            # goes). The PostgreSQL tests commit a great deal; this saves a disk flush each.
            conn.execute(f'ALTER DATABASE "{DATABASE}" SET synchronous_commit TO off')
        # Held until the database is dropped: marks it as in use (see the module's doc).
        _state["guard"] = psycopg.connect(conninfo(WORKER_URL), autocommit=True,
                                          connect_timeout=3)
    except psycopg.Error as exc:
        return f"{type(exc).__name__}: {exc}".strip()
    atexit.register(drop_database)
    return None


def _drop_leftovers(conn: Any) -> None:
    rows = conn.execute(
        "SELECT d.datname FROM pg_database d WHERE NOT EXISTS "
        "(SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)"
    ).fetchall()
    now = time.time()
    for (name,) in rows:
        match = _LEFTOVER.match(name)
        if match and now - int(match.group(1), 16) > _LEFTOVER_AGE_S:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def drop_database() -> None:
    """Drop this process's database if it made one (idempotent)."""
    guard = _state.pop("guard", None)
    if guard is None:
        return
    import psycopg

    guard.close()
    try:
        with psycopg.connect(conninfo(BASE_URL), autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    except psycopg.Error:
        pass  # left over: the next run drops it
