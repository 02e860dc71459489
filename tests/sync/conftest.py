"""Fixtures for the sync tests: the real server (in-process, or uvicorn behind the fault
proxy) on SQLite and PostgreSQL, exactly as the server's own tests run it, and laptops
(profiles with a sync client) that sign in to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from icv_app.domain.custody.reference import ReferenceData
from icv_app.server.app import create_app
from icv_app.server.config import ServerConfig
from tests.server import conftest as server_conftest
from tests.server.support import FAST_HASHER, PASSWORD
from tests.support.fault_proxy import FaultProxy
from tests.sync.support import (
    IN_PROCESS_URL,
    FaultTransport,
    Laptop,
    LiveServer,
    open_laptop,
    sign_in,
)

# The server's own fixtures, exactly as its tests use them: the same database on SQLite
# and on PostgreSQL (a fresh schema per test in the worker's own database; skipped if
# PostgreSQL is down, unless CI).
database_url = server_conftest.database_url
postgres_url = server_conftest.postgres_url
clock = server_conftest.clock
config = server_conftest.config
app = server_conftest.app
engine = server_conftest.engine
Clock = server_conftest.Clock


class Scheme:
    """The server side of a test: add users, look at what it holds."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.engine = app.state.icv.engine

    def add_user(self, username: str, role: str = "volunteer") -> str:
        from icv_app.server import admin

        return admin.create_user(self.engine, username, role, PASSWORD, hasher=FAST_HASHER).id

    def revoke_devices(self, username: str) -> None:
        from icv_app.server import admin

        for device in admin.list_devices(self.engine, username):
            admin.revoke_device(self.engine, device.id)

    def set_retention(self, days: int) -> None:
        from icv_app.server.settings import set_retention

        set_retention(self.engine, days)


@pytest.fixture
def scheme(app: FastAPI) -> Scheme:
    return Scheme(app)


@pytest.fixture
def in_process(app: FastAPI) -> Iterator[FaultTransport]:
    """The app served in this process, through a transport that can inject faults."""
    with TestClient(app) as client:
        yield FaultTransport(client._transport)


@pytest.fixture
def live_server(database_url: str, config: ServerConfig) -> Iterator[LiveServer]:
    """The same database served by uvicorn on 127.0.0.1 (restartable)."""
    server = LiveServer(lambda: create_app(database_url, config=config))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def proxy(live_server: LiveServer) -> Iterator[FaultProxy]:
    with FaultProxy(live_server.port) as p:
        yield p


LaptopFactory = Callable[..., Laptop]


@pytest.fixture
def laptops(
    tmp_path: Path, reference: ReferenceData, in_process: FaultTransport
) -> Iterator[LaptopFactory]:
    """``laptops("vol.a")``: a new profile signed in as vol.a to the in-process server.
    ``url=proxy.url`` (and no transport) talks over the network instead."""
    opened: list[Laptop] = []

    def make(username: str | None, *, url: str | None = None, **kwargs: Any) -> Laptop:
        name = kwargs.pop("name", f"laptop{len(opened)}")
        if url is None:
            kwargs.setdefault("transport", in_process)
        laptop = open_laptop(tmp_path / "laptops", name, reference,
                             seed=len(opened), **kwargs)
        opened.append(laptop)
        if username is not None:
            sign_in(laptop, url or IN_PROCESS_URL, username)
        return laptop

    yield make
    for laptop in opened:
        laptop.store.close()

