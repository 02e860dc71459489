"""A loopback HTTP proxy that injects network faults, for sync tests.

It sits between a sync client and a real server on 127.0.0.1 and, per request, either
passes it on or misbehaves the way real networks do:

- ``cut_before``: the connection drops before the server sees the request;
- ``cut_after``: the server handles the request, then the connection drops before the
  client gets the answer (the dangerous one: the client cannot know it succeeded);
- ``cut_mid``: the server handles the request and the answer is dropped half-way (the
  status line and part of the body arrive, then the connection drops);
- ``stall``: the server handles the request but the answer is held back until the
  client gives up (its timeout), then the connection is closed.

Faults are planned per path prefix, in order: ``proxy.plan("/api/v1/sync/push",
"cut_after")`` makes the next push fail that way and later ones pass. Everything binds to
127.0.0.1 and every wait is bounded, so a test can never hang on the proxy.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections import deque
from dataclasses import dataclass, field

FAULTS = ("pass", "cut_before", "cut_after", "cut_mid", "stall")
_MAX_STALL_S = 30.0


@dataclass
class ProxyLog:
    """What happened to each request, in order: (method, path, fault)."""

    entries: list[tuple[str, str, str]] = field(default_factory=list)

    def faults(self) -> list[str]:
        return [f for _, _, f in self.entries if f != "pass"]


class FaultProxy:
    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self._plans: dict[str, deque[str]] = {}
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.log = ProxyLog()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._sockets: set[socket.socket] = set()
        self._accept = threading.Thread(target=self._serve, name="fault-proxy", daemon=True)
        self._accept.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def plan(self, path_prefix: str, *faults: str) -> None:
        for f in faults:
            if f not in FAULTS:
                raise ValueError(f"unknown fault {f!r}; one of {FAULTS}")
        with self._lock:
            self._plans.setdefault(path_prefix, deque()).extend(faults)

    def _next_fault(self, path: str) -> str:
        with self._lock:
            for prefix, queue in self._plans.items():
                if path.startswith(prefix) and queue:
                    return queue.popleft()
        return "pass"

    def close(self) -> None:
        self._closing.set()
        self._accept.join(timeout=5)
        self._listener.close()
        # Wake handlers blocked reading an idle keep-alive connection.
        with self._lock:
            live = list(self._sockets)
        for sock in live:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for t in self._threads:
            t.join(timeout=5)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Plumbing -------------------------------------------------------------------------
    def _serve(self) -> None:
        while not self._closing.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            t = threading.Thread(target=self._handle, args=(client,), daemon=True)
            self._threads.append(t)
            t.start()

    def _track(self, sock: socket.socket, live: bool) -> None:
        with self._lock:
            if live:
                self._sockets.add(sock)
            else:
                self._sockets.discard(sock)

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(_MAX_STALL_S)
        self._track(client, True)
        upstream: socket.socket | None = None
        try:
            reader = client.makefile("rb")
            while not self._closing.is_set():
                request = _read_message(reader, is_request=True)
                if request is None:
                    return
                method, path = _request_line(request)
                fault = self._next_fault(path)
                self.log.entries.append((method, path, fault))
                if fault == "cut_before":
                    return
                if upstream is None:
                    upstream = socket.create_connection(self.upstream, timeout=_MAX_STALL_S)
                    self._track(upstream, True)
                    upstream_reader = upstream.makefile("rb")
                upstream.sendall(request)
                response = _read_message(upstream_reader, is_request=False)
                if response is None or fault == "cut_after":
                    return
                if fault == "cut_mid":
                    client.sendall(response[: max(1, len(response) // 2)])
                    return
                if fault == "stall":
                    # Hold the answer until the client gives up and hangs up (or we close).
                    client.settimeout(0.2)
                    waited = 0.0
                    while waited < _MAX_STALL_S and not self._closing.is_set():
                        try:
                            if client.recv(1) == b"":
                                return
                        except TimeoutError:
                            waited += 0.2
                    return
                client.sendall(response)
                if _closes_connection(response):
                    # The server closes after this answer: the next request needs a new
                    # upstream connection, not a write into a dead one.
                    self._track(upstream, False)
                    upstream.close()
                    upstream = None
        except OSError:
            return
        finally:
            self._track(client, False)
            client.close()
            if upstream is not None:
                self._track(upstream, False)
                upstream.close()


def _closes_connection(message: bytes) -> bool:
    head = message.split(b"\r\n\r\n", 1)[0].lower()
    return b"\r\nconnection: close" in head


def _request_line(message: bytes) -> tuple[str, str]:
    line = message.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return parts[0], parts[1] if len(parts) > 1 else "/"


def _read_message(reader, is_request: bool) -> bytes | None:  # type: ignore[no-untyped-def]
    """One whole HTTP/1.1 message (headers and body) as bytes, or None at EOF."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = reader.readline()
        if not line:
            return None
        head += line
    headers = {}
    for raw in head.split(b"\r\n")[1:]:
        if b":" in raw:
            k, v = raw.split(b":", 1)
            headers[k.strip().lower()] = v.strip()
    body = b""
    if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while True:
            size_line = reader.readline()
            body += size_line
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            chunk = reader.read(size + 2)
            body += chunk
            if size == 0:
                break
    elif b"content-length" in headers:
        body = reader.read(int(headers[b"content-length"]))
    return head + body
