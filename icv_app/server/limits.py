"""How large a request body the server takes, enforced before anything reads it.

FastAPI reads and parses a request's whole body before it runs the route's dependencies,
authentication among them: without a limit in front, anyone who can reach the server can
make it hold a body of any size in memory (twice: the bytes, then the parsed JSON) before
it answers 401. :class:`BodyLimit` is plain ASGI middleware that sits in front of all of
that. A declared ``Content-Length`` over the limit is answered ``413`` at once, before
any of the body is passed on; a body sent without one (chunked, streamed) is counted as
it comes and refused as soon as it passes the limit. So the application is never handed
more than the limit, and the server never holds more of a body than that.

Two limits: a small one for requests that cannot be authenticated (sign-in, and any
request without an ``Authorization`` header, which can only end in a 401 or carry no body
at all), and the configured one (``ServerConfig.max_body_bytes``, ``icv-app serve
--max-body-mb``) for the rest. A request without a token to any path but sign-in that
sends more than the small limit is answered ``401`` (sign in first), as it would have
been had it sent less: the size is not what is wrong with it. A request with a token,
even a made-up one, may send up to the configured limit before the token is checked:
checking it here would cost a database query before every body, and the limit already
bounds what such a request costs. The number of records per push is bounded separately,
by the wire schema (``MAX_PUSH_BATCH``).
"""

from __future__ import annotations

from collections.abc import Collection

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from icv_app.sync.wire import ErrorBody, ErrorCode

# A sign-in is a username (64 characters), a password (1024) and a device name (100);
# even with every character written as a JSON \u escape that is under 8 KB.
UNAUTHENTICATED_MAX_BODY_BYTES = 16 * 1024
# How much of a refused body is read and thrown away so that the client gets to read the
# 413 (see _refuse): up to this many times the limit, for at most this long.
DRAIN_FACTOR = 8
DRAIN_SECONDS = 10.0


class BodyLimit:
    """Refuse, with ``413`` and an ErrorBody, request bodies larger than their limit.

    ``open_paths`` are the paths that take a body without authentication (sign-in): they
    get ``unauthenticated_limit`` whatever headers the request carries.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        unauthenticated_limit: int = UNAUTHENTICATED_MAX_BODY_BYTES,
        open_paths: Collection[str] = (),
    ) -> None:
        self.app = app
        self.limit = limit
        self.unauthenticated_limit = min(unauthenticated_limit, limit)
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope)
        declared = _content_length(scope)
        refusal = self._refusal_for(scope, limit)
        if declared is not None and declared > limit:
            # Answered before a byte of the body is passed on.
            await _refuse(receive, send, refusal, unread=declared, limit=limit)
            return

        # No length given, or one within the limit (which the HTTP server holds the client
        # to): count what comes, in case it is sent in chunks with no length at all.
        received = 0
        answered = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # This chunk is not passed on and nothing more is read. To the
                    # application the client has gone, which for it is the truth.
                    answered = True
                    if not response_started:
                        await _refuse(receive, send, refusal, unread=None, limit=limit)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if answered:
                return  # the 413 went out instead; whatever the app answers is dropped
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not answered:
                raise
            # The application failed for want of the body it was refused (a route that
            # reads it by hand sees the client disconnect): the 413 has gone out, and
            # there is nothing to report.

    def _refusal_for(self, scope: Scope, limit: int) -> tuple[int, ErrorBody]:
        """What a body over ``limit`` is answered: 413, or for a request that has no
        token and is not a sign-in, 401."""
        if scope.get("path") not in self.open_paths and not _has_token(scope):
            return 401, ErrorBody(error=ErrorCode.UNAUTHENTICATED,
                                  message="Sign in first: this call needs a device token.")
        return 413, ErrorBody(error=ErrorCode.TOO_LARGE, message=too_large_message(limit))

    def _limit_for(self, scope: Scope) -> int:
        if scope.get("path") in self.open_paths:
            return self.unauthenticated_limit
        if not _has_token(scope):
            return self.unauthenticated_limit
        return self.limit


def _has_token(scope: Scope) -> bool:
    return any(name == b"authorization" for name, _ in scope.get("headers", ()))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # the HTTP server refuses a malformed one before we see it
    return None


def too_large_message(limit: int) -> str:
    return f"The request is larger than this server accepts ({_size(limit)}); send less at once."


async def _refuse(receive: Receive, send: Send, refusal: tuple[int, ErrorBody],
                  unread: int | None, limit: int) -> None:
    """Answer ``refusal`` (413, or 401 without a token), then close the connection (the
    rest of the request is never used).

    A client that is still sending when the server closes gets a connection reset, often
    before it has read the answer; so when the client has said how much is still coming
    and that is not absurd (``unread``, at most :data:`DRAIN_FACTOR` times the limit),
    the rest is read and thrown away, chunk by chunk, for at most
    :data:`DRAIN_SECONDS`, before the connection closes. Nothing of it is kept.
    """
    status, body = refusal
    content = body.model_dump_json(exclude_none=True).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(content)).encode()),
            (b"connection", b"close"),
        ],
    })
    drain = unread is not None and unread <= limit * DRAIN_FACTOR
    await send({"type": "http.response.body", "body": content, "more_body": drain})
    if drain:
        with anyio.move_on_after(DRAIN_SECONDS):
            while True:
                message = await receive()
                if message["type"] != "http.request" or not message.get("more_body"):
                    break
        await send({"type": "http.response.body", "body": b""})


def _size(limit: int) -> str:
    if limit >= 1024 * 1024 and limit % (1024 * 1024) == 0:
        return f"{limit // (1024 * 1024)} MB"
    return f"{max(1, limit // 1024)} KB"
