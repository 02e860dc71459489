"""Shared bits for the sync benchmarks: a real server on loopback, fresh databases, users.

The server runs in its own process (``python benchmarks/_server.py --database URL --fd N``)
so that it has its own interpreter and GIL, as in production, instead of sharing the
benchmark client's. The parent binds 127.0.0.1:0 and hands the listening socket to the
child (no free-port race), waits until ``GET /health`` answers, and on leaving asks it to
stop (SIGTERM: uvicorn shuts down gracefully, the app's lifespan disposes its engine),
killing it only if it does not stop in time.

The server is configured exactly like ``icv-app serve`` except for one thing: its password
hasher is a cheap argon2id (time_cost=1, memory_cost=8 KiB), the same one the tests use,
so that signing in 50 benchmark users costs milliseconds. It matters only for login (and
the server's start-up): the sync calls being measured do not hash passwords.

Databases: a SQLite file in a fresh temporary directory (removed afterwards), or a fresh
schema in the PostgreSQL database the tests use (``postgresql+psycopg://postgres@127.0.0.1
:5432/test`` unless ``ICV_BENCH_POSTGRES_URL`` says otherwise), dropped afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from argon2 import PasswordHasher  # noqa: E402

POSTGRES_URL = os.environ.get(
    "ICV_BENCH_POSTGRES_URL",
    os.environ.get("ICV_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
)
PASSWORD = "benchmark password, synthetic"
# Cheap argon2id, as in tests/server/support.py (the default costs ~50 ms and 64 MiB a hash).
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
HASHER_NOTE = (
    "cheap argon2id password hasher (time_cost=1, memory_cost=8 KiB) for sign-in only; "
    "the sync calls measured do no hashing"
)
# Fixed, so every run generates the same synthetic visits.
REFERENCE_DAY = dt.date(2026, 6, 30)


def machine_note() -> str:
    """CPUs and load at the start: other work on the machine inflates every figure."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"{os.cpu_count()} CPUs, 1-minute load average {load:.1f} before the run"


def reachable_engines(choice: str) -> Iterator[str]:
    """The engines ``--engine`` names (``both`` is SQLite then PostgreSQL), printing a skip
    note instead of yielding one that cannot run here."""
    for engine in ["sqlite", "postgres"] if choice == "both" else [choice]:
        note = skip_note(engine)
        if note:
            print(note)
            continue
        yield engine


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def postgres_error(url: str = POSTGRES_URL) -> str | None:
    """None if PostgreSQL answers at ``url``, else why not."""
    import psycopg

    try:
        with psycopg.connect(_conninfo(url), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"{type(exc).__name__}: {exc}".strip()
    return None


def skip_note(engine: str) -> str | None:
    """A line to print instead of running on ``engine``, or None if it can run."""
    if engine != "postgres":
        return None
    error = postgres_error()
    if error is None:
        return None
    where = POSTGRES_URL.rsplit("@", 1)[-1]  # never print a password from the URL
    return f"[postgres] skipped: PostgreSQL at {where} does not answer ({error})"


@contextlib.contextmanager
def fresh_database(engine: str, label: str) -> Iterator[str]:
    """The URL of a new, empty database: removed (file) or dropped (schema) on leaving."""
    if engine == "sqlite":
        directory = Path(tempfile.mkdtemp(prefix=f"icv-bench-{label}-"))
        try:
            yield f"sqlite:///{directory / 'server.db'}"
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    if engine != "postgres":
        raise ValueError(f"unknown engine {engine!r}")
    import psycopg

    schema = f"icv_bench_{label}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_conninfo(POSTGRES_URL), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(_conninfo(POSTGRES_URL), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def describe(url: str) -> str:
    """The database in words, for the printed header (no credentials in the URL used)."""
    if url.startswith("sqlite"):
        return "SQLite file (WAL, synchronous=FULL)"
    return "PostgreSQL " + POSTGRES_URL.rsplit("@", 1)[-1] + " (fresh schema)"


def migrated_engine(url: str) -> Any:
    """An engine on ``url`` with the server's schema in place (migrations applied)."""
    from icv_app.server.migrations import migrate
    from icv_app.server.storage import create_store_engine

    engine = create_store_engine(url)
    migrate(engine, dt.datetime.now(dt.UTC))
    return engine


def create_users(url: str, names: list[str], role: str = "volunteer") -> dict[str, str]:
    """username -> user id, created through the admin operations (cheap hasher), in a
    database migrated first if need be."""
    from icv_app.server import admin

    engine = migrated_engine(url)
    try:
        return {
            name: admin.create_user(engine, name, role, PASSWORD, hasher=FAST_HASHER).id
            for name in names
        }
    finally:
        engine.dispose()


def visit_bodies(count: int, seed: int) -> list[dict[str, Any]]:
    """``count`` realistic synthetic visits (with their detainees) as wire bodies."""
    from icv_app.domain.custody.demo import generate_visits
    from icv_app.domain.custody.reference import load_shipped
    from icv_app.domain.serialize import to_dict

    reports = generate_visits(load_shipped(), count, seed=seed, today=REFERENCE_DAY)
    return [to_dict(r) for r in reports]


def push_record(body: dict[str, Any]) -> dict[str, Any]:
    """A new visit (rev 1, never synced) as the client pushes it."""
    return {
        "type": "visit",
        "id": body["id"],
        "rev": 1,
        "base_rev": 0,
        "deleted": False,
        "body": body,
        "modified_at": "2026-06-30T12:00:00+00:00",
    }


def schema_headers(token: str | None = None) -> dict[str, str]:
    from icv_app.sync.wire import SCHEMA_HEADER, WIRE_SCHEMA

    headers = {SCHEMA_HEADER: str(WIRE_SCHEMA)}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def login(client: Any, username: str, device: str = "benchmark laptop") -> str:
    """Sign ``username`` in on ``client`` (an httpx.Client with base_url): the device token."""
    response = client.post(
        "/api/v1/login",
        json={"username": username, "password": PASSWORD, "device_name": device},
        headers=schema_headers(),
    )
    if response.status_code != 200:
        raise RuntimeError(f"login of {username} failed: {response.status_code} {response.text}")
    token: str = response.json()["device_token"]
    return token


class ServerProcess:
    """``create_app(url)`` served by uvicorn in a child process on 127.0.0.1."""

    def __init__(self, url: str, *, start_timeout: float = 60.0) -> None:
        self.database_url = url
        self.start_timeout = start_timeout
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        import httpx

        sock = socket.create_server(("127.0.0.1", 0), backlog=2048)
        self.port = sock.getsockname()[1]
        fd, log_name = tempfile.mkstemp(prefix="icv-bench-server-", suffix=".log")
        self._log = Path(log_name)
        try:
            with os.fdopen(fd, "wb") as log:
                self._proc = subprocess.Popen(
                    [sys.executable, str(Path(__file__).resolve()), "--database",
                     self.database_url, "--fd", str(sock.fileno())],
                    pass_fds=[sock.fileno()],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=REPO,
                )
        finally:
            sock.close()  # the child has its own copy
        deadline = time.monotonic() + self.start_timeout
        with httpx.Client(base_url=self.url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    break
                try:
                    if client.get("/health").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        output = self.output()
        self.stop()
        raise RuntimeError(f"the benchmark server did not start:\n{output}")

    def output(self) -> str:
        if self._log is None or not self._log.exists():
            return ""
        return self._log.read_text(errors="replace")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if self._log is not None:
            self._log.unlink(missing_ok=True)
            self._log = None

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serve(argv: list[str] | None = None) -> int:
    """The child: serve the app on the inherited listening socket until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--fd", type=int, required=True)
    args = parser.parse_args(argv)

    import uvicorn

    from icv_app.server.app import create_app
    from icv_app.server.config import ServerConfig

    app = create_app(args.database, config=ServerConfig(password_hasher=FAST_HASHER))
    sock = socket.socket(fileno=args.fd)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on",
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    raise SystemExit(_serve())
