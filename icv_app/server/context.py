"""What every request handler needs, passed in explicitly (no module-level globals)."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy import Engine

from icv_app.server.config import ServerConfig


@dataclass
class ServerContext:
    engine: Engine
    config: ServerConfig
    # Verified against when the username is unknown, so both cases take as long.
    dummy_hash: str = field(init=False)
    # Slots for password checks (ServerConfig.max_password_checks); one app per process,
    # so this bounds the whole server process's argon2 memory.
    password_checks: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self.dummy_hash = self.config.password_hasher.hash("no such user: timing only")
        self.password_checks = threading.BoundedSemaphore(self.config.max_password_checks)

    def now(self) -> dt.datetime:
        return self.config.clock()


def get_context(request: Request) -> ServerContext:
    context: ServerContext = request.app.state.icv
    return context


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None
