"""Helpers for the sync tests: laptops (a profile with its sync client), the server's view
of what it holds, a real uvicorn server in a thread, and an in-process fault injector."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import random
import socket
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, select

from icv_app import kinds
from icv_app.domain.custody.demo import generate_visit
from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import Amendment, VisitReport, VisitStatus
from icv_app.paths import Paths
from icv_app.server.records import canonical_json, content_hash
from icv_app.server.storage import read, record_revisions, records, users
from icv_app.store.custody import visits as vs
from icv_app.store.local_store import LocalStore
from icv_app.store.sync import sync_records as sr
from icv_app.sync.client import RetryPolicy, SyncClient, SyncSummary
from tests.server.support import PASSWORD
from tests.support.ports import restartable_port

# Quick retries: the faults are injected, so there is nothing to wait for.
FAST_RETRY = RetryPolicy(attempts=5, base_delay=0.01, max_delay=0.05)
IN_PROCESS_URL = "http://127.0.0.1:8000"  # loopback: plain http is allowed


def local_hash(body: dict[str, Any] | None, deleted: bool) -> str:
    """The server's content hash of a record as the laptop holds it."""
    return content_hash(None if deleted or body is None else canonical_json(body), deleted)


# --- the server's side ----------------------------------------------------------------------


@dataclass(frozen=True)
class ServerCopy:
    rev: int
    deleted: bool
    hash: str
    owner: str
    scope_owner: str
    body: dict[str, Any] | None


def server_records(engine: Engine) -> dict[tuple[str, str], ServerCopy]:
    with read(engine) as conn:
        rows = conn.execute(
            select(records.c.type, records.c.id, records.c.rev, records.c.deleted,
                   records.c.content_hash, records.c.owner_id, records.c.scope_owner_id,
                   records.c.body)
        ).all()
    return {
        (r.type, r.id): ServerCopy(r.rev, bool(r.deleted), r.content_hash, r.owner_id,
                                   r.scope_owner_id, json.loads(r.body) if r.body else None)
        for r in rows
    }


def server_seqs(engine: Engine) -> list[int]:
    """The seq of every record's current version, in order."""
    with read(engine) as conn:
        return sorted(int(r.seq) for r in conn.execute(select(records.c.seq)))


def server_revision_hashes(engine: Engine) -> dict[tuple[str, str], set[str]]:
    """Every content the server ever accepted, per record."""
    out: dict[tuple[str, str], set[str]] = {}
    with read(engine) as conn:
        for r in conn.execute(
            select(record_revisions.c.type, record_revisions.c.id,
                   record_revisions.c.content_hash)
        ):
            out.setdefault((r.type, r.id), set()).add(r.content_hash)
    return out


def user_id(engine: Engine, username: str) -> str:
    with read(engine) as conn:
        return str(conn.execute(select(users.c.id).where(users.c.username == username))
                   .scalar_one())


# --- a laptop -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LocalCopy:
    rev: int
    base_rev: int
    deleted: bool
    hash: str
    attention: str | None


class Laptop:
    """One profile (its own data directory and store) with a sync client."""

    def __init__(self, name: str, store: LocalStore, client: SyncClient,
                 reference: ReferenceData, seed: int) -> None:
        self.name = name
        self.store = store
        self.client = client
        self.reference = reference
        self.rng = random.Random(seed)

    # Writing, as the app's services do -----------------------------------------------------
    def write(self, job: Callable[[Any], Any]) -> Any:
        return self.store.writer.submit(job).result()

    def new_draft(self, **header: Any) -> VisitReport:
        report = generate_visit(self.reference, self.rng, dt.date.today())
        # Ids from the laptop's seeded generator: a replayed test makes the same records.
        report.id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        report.status = VisitStatus.DRAFT
        report.submitted_at = None
        report.confirmed_by = []
        for key, value in header.items():
            setattr(report.header, key, value)
        self.save(report)
        return report

    def save(self, report: VisitReport) -> int:
        snapshot = copy.deepcopy(report)
        return int(self.write(lambda db: vs.save_visit(db, snapshot)))

    def edit(self, visit_id: str, officer: str) -> VisitReport:
        report = self.load(visit_id)
        report.header.officer_in_charge = officer
        self.save(report)
        return report

    def submit(self, visit_id: str, at: dt.datetime | None = None) -> VisitReport:
        report = self.load(visit_id)
        report.confirmed_by = [v.visitor_id for v in report.header.visitors]
        # Recent (retention would purge an old one) and the same on a replay that day.
        today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        report.submitted_at = at or today - dt.timedelta(minutes=self.rng.randrange(1440))
        return self.write(lambda db: vs.submit_visit(db, report))  # type: ignore[no-any-return]

    def new_refused(self, at: dt.datetime | None = None) -> VisitReport:
        """A submitted report the server refuses (no visit date): as a laptop whose app
        checks less than the server would send it. The store does not validate."""
        report = self.new_draft(visit_date=None)
        return self.submit(report.id, at)

    def amend(self, visit_id: str, text: str = "Arrival was 10:20, not 10:15.") -> Amendment:
        amendment = Amendment(visit_id=visit_id, reason="Typing error", text=text)
        self.write(lambda db: vs.add_amendment(db, amendment))
        return amendment

    def delete(self, visit_id: str) -> None:
        self.write(lambda db: vs.delete_draft(db, visit_id))

    def load(self, visit_id: str) -> VisitReport:
        return self.write(lambda db: vs.load_visit(db, visit_id))  # type: ignore[no-any-return]

    # Sync ------------------------------------------------------------------------------
    def sync(self, **kwargs: Any) -> SyncSummary:
        return self.client.sync(**kwargs)

    # What it holds -----------------------------------------------------------------------
    def records(self) -> dict[tuple[str, str], LocalCopy]:
        def job(db: Any) -> dict[tuple[str, str], LocalCopy]:
            out = {}
            for kind in kinds.all_kinds():
                rtype, table = kind.name, kind.table
                for rid, rev, base, deleted, body, attention in db.execute(
                    f"SELECT id, rev, base_rev, deleted, body, attention FROM {table}"
                ).fetchall():
                    out[(rtype, rid)] = LocalCopy(
                        rev, base, bool(deleted), local_hash(json.loads(body), bool(deleted)),
                        attention,
                    )
            return out

        return self.write(job)  # type: ignore[no-any-return]

    def live_ids(self) -> set[tuple[str, str]]:
        return {k for k, c in self.records().items() if not c.deleted}

    def pending(self) -> int:
        return int(self.write(sr.count_pending))

    def conflicts(self) -> list[sr.Conflict]:
        return self.write(sr.list_conflicts)  # type: ignore[no-any-return]

    def rejected(self) -> list[sr.Rejected]:
        return self.write(sr.list_rejected)  # type: ignore[no-any-return]

    def cursor(self) -> int:
        return int(self.write(lambda db: sr.get_setting(db, "pull_since")) or 0)


def open_laptop(
    root: Path, name: str, reference: ReferenceData, *,
    transport: httpx.BaseTransport | None = None, seed: int = 0, **client_kwargs: Any,
) -> Laptop:
    paths = Paths(root / name).ensure()
    store = LocalStore.open(paths)
    client_kwargs.setdefault("retry", FAST_RETRY)
    client_kwargs.setdefault("rng", random.Random(seed))
    client = SyncClient(store, transport=transport, **client_kwargs)
    return Laptop(name, store, client, reference, seed)


def sign_in(laptop: Laptop, url: str, username: str, password: str = PASSWORD) -> None:
    laptop.client.login(url, username, password, device_name=f"{laptop.name} of {username}")


# --- faults without a network: a transport that misbehaves --------------------------------


class FaultTransport(httpx.BaseTransport):
    """Wraps a transport (the in-process server) and injects the proxy's faults without
    sockets: ``cut_before`` (never reaches the server), ``cut_after`` (handled, answer
    lost), ``stall`` (handled, the answer times out), ``unavailable`` (a 503)."""

    FAULTS = ("cut_before", "cut_after", "stall", "unavailable")

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self._plans: dict[str, deque[str]] = {}
        self._lock = threading.Lock()
        self.log: list[tuple[str, str]] = []

    def plan(self, path_prefix: str, *faults: str) -> None:
        assert all(f in self.FAULTS for f in faults), faults
        with self._lock:
            self._plans.setdefault(path_prefix, deque()).extend(faults)

    def clear(self) -> None:
        with self._lock:
            self._plans.clear()

    def _next(self, path: str) -> str | None:
        with self._lock:
            for prefix, queue in self._plans.items():
                if path.startswith(prefix) and queue:
                    return queue.popleft()
        return None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self._next(request.url.path)
        if fault is not None:
            self.log.append((request.url.path, fault))
        if fault == "cut_before":
            raise httpx.ConnectError("injected: connection refused", request=request)
        if fault == "unavailable":
            body = {"error": "unavailable", "message": "injected outage", "retry_after": 0}
            return httpx.Response(503, json=body, request=request)
        response = self.inner.handle_request(request)
        response.read()
        if fault == "cut_after":
            raise httpx.ReadError("injected: connection reset", request=request)
        if fault == "stall":
            raise httpx.ReadTimeout("injected: timed out", request=request)
        return response


# --- a real server --------------------------------------------------------------------------


class _UvicornServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self.ready.set()


class LiveServer:
    """uvicorn serving the app on 127.0.0.1 in a thread; can be stopped and started
    again on the same port (a server restart). Waits on events, never on sleeps."""

    def __init__(self, make_app: Callable[[], FastAPI], **uvicorn_options: Any) -> None:
        """``uvicorn_options`` change the uvicorn.Config (e.g. proxy headers)."""
        self._make_app = make_app
        self._options = uvicorn_options
        # Not port 0: while stopped, the kernel could give its port to someone else.
        self.port: int = restartable_port()
        self._server: _UvicornServer | None = None
        self._thread: threading.Thread | None = None
        self._done = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        sock = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR on POSIX
        config = uvicorn.Config(self._make_app(), **{
            "log_level": "warning", "access_log": False, "lifespan": "on",
            "timeout_graceful_shutdown": 2, "timeout_keep_alive": 30, **self._options,
        })
        self._server = server = _UvicornServer(config)
        self._done = done = threading.Event()

        def run() -> None:
            try:
                server.run(sockets=[sock])
            finally:
                sock.close()
                done.set()

        self._thread = threading.Thread(target=run, name="uvicorn-test", daemon=True)
        self._thread.start()
        # Started, or failed to start: whichever comes first (bounded).
        for _ in range(600):
            if server.ready.wait(0.05) or done.is_set():
                break
        if not server.ready.is_set() or server.should_exit:
            raise RuntimeError("the test server did not start")

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        if not self._done.wait(15):
            self._server.force_exit = True
            self._done.wait(5)
        self._thread.join(5)
        self._server = None

    def __enter__(self) -> LiveServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def body_digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(body).encode()).hexdigest()
