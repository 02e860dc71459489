"""Request-body limits: a body over its limit is refused with 413 before it is read.

Most tests call the app as the HTTP server does (ASGI), with a body that is made as it is
read, so they can tell exactly how much of it the server took; one sends a real request
over a socket, as an attacker would.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from icv_app.cli import main
from icv_app.domain.custody.visit import IssueRaised, VisitReport
from icv_app.domain.serialize import to_dict
from icv_app.server import admin
from icv_app.server.app import create_app
from icv_app.server.config import ServerConfig
from icv_app.server.limits import UNAUTHENTICATED_MAX_BODY_BYTES
from tests.server.support import (
    API,
    FAST_HASHER,
    PASSWORD,
    SCHEMA,
    Server,
    draft_visit,
    visit_record,
)
from tests.sync.support import LiveServer

PUSH = f"{API}/sync/push"
LOGIN = f"{API}/login"
MiB = 1024 * 1024
CHUNK = MiB  # a generous chunk: the HTTP server hands the app at most this at a time


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    read: int  # how many bytes of the request body the app asked for


def _call(
    app: FastAPI,
    path: str,
    size: int,
    *,
    token: str | None = None,
    declare: bool = False,
    prefix: bytes = b'{"records":[],"padding":"',
) -> Answer:
    """POST a JSON body of ``size`` bytes (valid JSON: an ignored padding field) made
    chunk by chunk as the app reads it; ``declare`` sends its Content-Length."""
    suffix = b'"}'
    filler = b"x" * CHUNK  # one buffer, sent again and again: the test allocates nothing
    headers = [(b"content-type", b"application/json"),
               *((k.lower().encode(), v.encode()) for k, v in SCHEMA.items())]
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if declare:
        headers.append((b"content-length", str(size).encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": "POST", "scheme": "http", "path": path, "raw_path": path.encode(),
        "root_path": "", "query_string": b"", "headers": headers,
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8765),
    }
    read = 0
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read >= size:
            await asyncio.sleep(3600)  # the body is over: wait, as a server does
        if read == 0:
            piece = prefix
        elif size - read <= len(suffix) + CHUNK:
            piece = filler[: size - read - len(suffix)] + suffix
        else:
            piece = filler
        read += len(piece)
        return {"type": "http.request", "body": piece, "more_body": read < size}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=60))
    start = next(m for m in messages if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return Answer(start["status"], json.loads(content), read)


def _long_report(size: int) -> VisitReport:
    """A draft of about ``size`` bytes: issues with long accounts, as a person types them."""
    report = draft_visit()
    report.issues = [IssueRaised(text="t" * 20_000) for _ in range(size // 20_000)]
    return report


def _app_with(database_url: str, config: ServerConfig, **changes: Any) -> Iterator[FastAPI]:
    app = create_app(database_url, config=dataclasses.replace(config, **changes))
    try:
        yield app
    finally:
        app.state.icv.engine.dispose()


@pytest.fixture
def small_limit_app(database_url: str, config: ServerConfig) -> Iterator[FastAPI]:
    yield from _app_with(database_url, config, max_body_bytes=256 * 1024)


def test_a_300_mb_body_without_a_token_is_refused_before_it_is_read(app: FastAPI) -> None:
    # The defect: FastAPI read and parsed all of it before answering 401 (1.4 GB). Sent
    # in chunks with no length, it is refused once past the small limit, or answered 401
    # before its body is wanted at all.
    tracemalloc.start()
    try:
        answer = _call(app, PUSH, 300 * MiB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (answer.status, answer.body["error"]) in {
        (413, "too_large"), (401, "unauthenticated"),
    }
    assert answer.body["message"]
    assert answer.read <= UNAUTHENTICATED_MAX_BODY_BYTES + CHUNK
    assert peak < 16 * MiB


def test_a_declared_length_over_the_limit_is_refused_unread(app: FastAPI) -> None:
    # Without a token the request could only end in 401, and is told so, unread.
    answer = _call(app, PUSH, 300 * MiB, declare=True)
    assert (answer.status, answer.body["error"]) == (401, "unauthenticated")
    assert answer.read == 0


def test_sign_in_takes_only_a_few_kilobytes(server: Server) -> None:
    server.add_user("vol.alpha")
    answer = _call(server.app, LOGIN, 64 * 1024, prefix=b'{"username":"vol.alpha","x":"')
    assert (answer.status, answer.body["error"]) == (413, "too_large")
    assert answer.read <= UNAUTHENTICATED_MAX_BODY_BYTES + CHUNK
    # An ordinary sign-in is far below it.
    assert server.login_response("vol.alpha").status_code == 200


def test_a_signed_in_push_is_limited_to_the_configured_size(
    small_limit_app: FastAPI,
) -> None:
    from fastapi.testclient import TestClient

    with TestClient(small_limit_app) as client:
        vol = Server(small_limit_app, client).user("vol.alpha")
        streamed = _call(small_limit_app, PUSH, 4 * MiB, token=vol.token)
        assert (streamed.status, streamed.body["error"]) == (413, "too_large")
        assert streamed.read <= 256 * 1024 + CHUNK
        # Declared, and far over: not even read.
        declared = _call(small_limit_app, PUSH, 4 * MiB, token=vol.token, declare=True)
        assert (declared.status, declared.read) == (413, 0)
        # Declared, and not absurdly over: read to its end and thrown away (so that the
        # client gets to read the answer), never handed on.
        drained = _call(small_limit_app, PUSH, MiB, token=vol.token, declare=True)
        assert (drained.status, drained.body["error"], drained.read) == (413, "too_large", MiB)
        # Just under the limit is a push like any other.
        report = _long_report(200 * 1024)
        response = vol.post("/sync/push", json={"records": [visit_record(report)]})
        assert response.status_code == 200, response.text
        assert response.json()["results"][0]["status"] == "accepted"


def test_the_default_limit_takes_a_megabyte_push(server: Server) -> None:
    # Larger than nginx's default limit: the server itself is not the narrow part.
    vol = server.user("vol.alpha")
    report = _long_report(MiB)
    assert vol.push_one(visit_record(report))["status"] == "accepted"
    (change,) = vol.pull_all()
    assert change["body"] == to_dict(report)


def test_a_huge_declared_body_over_a_socket_is_answered_at_once(
    database_url: str, config: ServerConfig
) -> None:
    # Before the limit the server waited for all 300 MB (then read them all in).
    with LiveServer(lambda: create_app(database_url, config=config)) as live, \
            socket.create_connection(("127.0.0.1", live.port), timeout=10) as sock:
        sock.sendall(
            f"POST {PUSH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-ICV-Schema: {SCHEMA['X-ICV-Schema']}\r\n"
            f"Content-Length: {300 * MiB}\r\n\r\n".encode()
            + b'{"records": ['
        )
        answer = b""
        while b"\r\n\r\n" not in answer:
            piece = sock.recv(65536)
            assert piece, answer
            answer += piece
    status_line = answer.split(b"\r\n", 1)[0]
    assert b" 401 " in status_line, answer  # no token: sign in first, answered unread


def test_a_client_still_sending_gets_to_read_the_413(
    database_url: str, config: ServerConfig
) -> None:
    # Closing on a client that is still sending resets the connection, and the client
    # often loses the answer with it: it must read "too large", not "connection lost".
    served: list[FastAPI] = []

    def make_app() -> FastAPI:
        served.append(create_app(database_url, config=config))
        return served[-1]

    with LiveServer(make_app) as live:
        admin.create_user(served[0].state.icv.engine, "vol.alpha", "volunteer", PASSWORD,
                          hasher=FAST_HASHER)
        with httpx.Client(base_url=live.url, headers=SCHEMA, timeout=30) as client:
            login = client.post(LOGIN, json={"username": "vol.alpha", "password": PASSWORD})
            assert login.status_code == 200, login.text
            headers = {"Authorization": f"Bearer {login.json()['device_token']}"}
            body = b'{"records":[],"padding":"' + b"x" * (20 * MiB) + b'"}'
            statuses = [
                client.post(PUSH, content=body, headers=headers).status_code
                for _ in range(5)
            ]
    assert statuses == [413] * 5


def test_serve_takes_the_body_limit_in_megabytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps: list[FastAPI] = []

    def fake_run(app: FastAPI, **_kwargs: Any) -> None:
        apps.append(app)
        app.state.icv.engine.dispose()

    monkeypatch.setattr("uvicorn.run", fake_run)
    assert main(["--data-dir", str(tmp_path), "serve"]) == 0
    assert main(["--data-dir", str(tmp_path), "serve", "--max-body-mb", "3"]) == 0
    default, three = (a.state.icv.config.max_body_bytes for a in apps)
    assert (default, three) == (8 * MiB, 3 * MiB)


def test_serve_refuses_a_body_limit_below_one_megabyte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        main(["--data-dir", str(tmp_path), "serve", "--max-body-mb", "0"])
    assert "1 or more" in capsys.readouterr().err
