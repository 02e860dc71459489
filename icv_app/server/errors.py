"""Errors as the API answers them: one JSON shape (:class:`~icv_app.sync.wire.ErrorBody`).

Handlers turn FastAPI's own errors (422, 404, 405) and database outages into that shape
too, so the client reads ``error`` and ``message`` whatever went wrong.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from icv_app.log_privacy import withhold_messages
from icv_app.sync.wire import ErrorBody, ErrorCode

# An unhandled error's message can quote the request (an SQL error lists its parameters,
# a record body among them): log where it failed, not on what.
log = withhold_messages(logging.getLogger(__name__))


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        error: ErrorCode,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = dict(headers or {})
        self.retry_after = retry_after
        if retry_after is not None:
            self.headers["Retry-After"] = str(retry_after)


def error_response(
    status: int,
    body: ErrorBody,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        status_code=status, content=body.model_dump(mode="json", exclude_none=True),
        headers=headers,
    )


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error statuses."""
    return {status: {"model": ErrorBody} for status in statuses}


_STATUS_CODES = {
    400: ErrorCode.INVALID_REQUEST,
    401: ErrorCode.UNAUTHENTICATED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
}


def install_handlers(app: FastAPI) -> None:
    # Starlette re-raises an unhandled error once the 500 answer is sent, so that the
    # server logs it: uvicorn does, on this logger, and must withhold the message too.
    withhold_messages("uvicorn.error")

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        body = ErrorBody(error=exc.error, message=exc.message, retry_after=exc.retry_after)
        return error_response(exc.status, body, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        body = ErrorBody(
            error=ErrorCode.INVALID_REQUEST,
            message="The request does not match what the server expects.",
            detail=detail,
        )
        return error_response(422, body)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, ErrorCode.INVALID_REQUEST)
        body = ErrorBody(error=code, message=str(exc.detail))
        return error_response(exc.status_code, body, getattr(exc, "headers", None))

    @app.exception_handler(OperationalError)
    async def _unavailable(_request: Request, exc: OperationalError) -> JSONResponse:
        # The message may quote SQL with parameters: log only the exception type.
        log.error("database unavailable: %s", type(exc.orig).__name__)
        body = ErrorBody(
            error=ErrorCode.UNAVAILABLE,
            message="The server's database is unavailable just now; try again shortly.",
            retry_after=5,
        )
        return error_response(503, body, {"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        body = ErrorBody(
            error=ErrorCode.INTERNAL,
            message="The server failed on this request; it has been logged. Try again later.",
        )
        return error_response(500, body)
