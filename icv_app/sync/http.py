"""The sync client's HTTP session: one request at a time to the server, made safe to retry.

:func:`open_client` sets up the ``httpx`` client (the wire schema and app version on every
request, no redirects followed). An :class:`HttpSession` makes one request with the
laptop's token, retries network faults and busy servers with exponential back-off and
jitter (:class:`RetryPolicy`) until it succeeds, the error is not retryable, the tries run
out or the sync is cancelled, and turns the answer into a pydantic model or into the typed
:class:`~icv_app.sync.errors.SyncError` the person using the app will read. It also keeps
the server's clock (the ``Date`` header), which the client trusts over the laptop's.

What the requests mean (push, pull, check, ...) is :mod:`icv_app.sync.client`'s business.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import json
import random
import threading
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import pydantic

from icv_app import __version__
from icv_app.sync.errors import (
    AuthFailed,
    DeviceRevoked,
    NetworkError,
    ProtocolError,
    ServerUnavailable,
    SyncCancelled,
    SyncError,
    Throttled,
    TooLarge,
    UpdateRequired,
)
from icv_app.sync.wire import SCHEMA_HEADER, ErrorBody, ErrorCode

M = TypeVar("M", bound=pydantic.BaseModel)


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` tries per request; waits grow as ``base_delay * 2**n`` up to
    ``max_delay``, each with jitter (half fixed, half random) so that many laptops coming
    back at once do not all knock together."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, rng: random.Random, hint: float | None = None) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2.0**attempt)
        wait: float = ceiling / 2 + rng.uniform(0, ceiling / 2)
        if hint is not None:  # the server's Retry-After, within reason
            wait = max(wait, min(float(hint), self.max_delay))
        return wait


def open_client(
    server_url: str,
    *,
    schema: int,
    timeout: float,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """The ``httpx`` client for one server; ``transport`` replaces the network (tests).

    ``schema`` is the wire schema this app speaks, named by the caller so that the header
    sent and the range it checks against the server's ``/health`` are the same number.
    """
    return httpx.Client(
        base_url=server_url,
        transport=transport,
        timeout=timeout,
        headers={SCHEMA_HEADER: str(schema), "User-Agent": f"icv-app/{__version__}"},
        follow_redirects=False,
    )


class HttpSession:
    """One sync's (or one sign-in's) requests over ``http``, and what they learnt.

    ``server_now`` is the server's clock as of its latest answer (None until one carried a
    ``Date`` header); ``retries`` counts the requests sent again after a failure.
    """

    def __init__(
        self,
        http: httpx.Client,
        *,
        token: str | None = None,
        cancel: threading.Event | None = None,
        retry: RetryPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.http = http
        self.token = token
        self.cancel = cancel or threading.Event()
        self.retry = retry or RetryPolicy()
        self.rng = rng or random.Random()
        self.server_now: dt.datetime | None = None
        self.retries = 0

    def check_cancel(self) -> None:
        if self.cancel.is_set():
            raise SyncCancelled()

    def call(
        self,
        method: str,
        path: str,
        model: type[M] | None,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        retry: bool = True,
    ) -> M:
        """One request, retried with back-off while the error is retryable."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        attempt = 0
        while True:
            self.check_cancel()
            try:
                response = self.http.request(method, path, json=json, params=params,
                                             headers=headers)
            except httpx.TransportError as exc:
                error: SyncError = NetworkError()
                error.__cause__ = exc
            else:
                self._note_server_time(response)
                if response.is_success:
                    return _parse(response, model)
                error = _error_from(response)
            attempt += 1
            if not (retry and error.retryable) or attempt >= self.retry.attempts:
                raise error
            self.retries += 1
            hint = getattr(error, "retry_after", None)
            if self.cancel.wait(self.retry.delay(attempt - 1, self.rng, hint)):
                raise SyncCancelled()

    def _note_server_time(self, response: httpx.Response) -> None:
        date = response.headers.get("date")
        if not date:
            return
        with contextlib.suppress(TypeError, ValueError):
            self.server_now = email.utils.parsedate_to_datetime(date).astimezone(dt.UTC)


def _parse(response: httpx.Response, model: type[M] | None) -> M:
    if model is None:
        return None  # type: ignore[return-value]
    try:
        return model.model_validate(response.json())
    except (json.JSONDecodeError, pydantic.ValidationError) as exc:
        raise ProtocolError(
            f"The server's answer to {response.request.url.path} was not understood "
            f"(HTTP {response.status_code}). Is the address right?"
        ) from exc


def _retry_after(response: httpx.Response, body: ErrorBody | None) -> float | None:
    if body is not None and body.retry_after is not None:
        return float(body.retry_after)
    header = response.headers.get("retry-after")
    if header and header.isdigit():
        return float(header)
    return None


def _error_from(response: httpx.Response) -> SyncError:
    """The typed error for a non-2xx answer (``ErrorBody`` where the server sent one)."""
    body: ErrorBody | None
    try:
        body = ErrorBody.model_validate(response.json())
    except (json.JSONDecodeError, pydantic.ValidationError):
        body = None
    status = response.status_code
    message = body.message if body else ""
    code = body.error if body else None
    if status == 426 or code is ErrorCode.UNSUPPORTED_CLIENT:
        return UpdateRequired(message)
    if code is ErrorCode.DEVICE_REVOKED:
        return DeviceRevoked(message)
    if status == 429 or code is ErrorCode.THROTTLED:
        retry_after = _retry_after(response, body)
        return Throttled(
            message or "Too many failed sign-ins; wait a while and try again.", retry_after
        )
    if status in (401, 403):
        return AuthFailed(
            message
            or (
                "Sign in again: the server does not accept this laptop's access."
                if status == 401
                else "Your account may not do this."
            )
        )
    if status == 413 or code is ErrorCode.TOO_LARGE:
        # Ours or a proxy's (nginx answers in HTML): the message is ours either way, since
        # a proxy's words are not for the person using the app.
        return TooLarge()
    if status >= 500 or status == 408:
        return ServerUnavailable(message, _retry_after(response, body))
    return ProtocolError(
        message or f"The server refused the request (HTTP {status}); this is probably a bug."
    )
