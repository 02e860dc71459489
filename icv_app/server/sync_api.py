"""The sync endpoints: push a batch, pull changes since a seq, check what is in scope.

Every role may call them; what each call touches is limited by :mod:`policy` (a record
outside the caller's scope is rejected on push and never returned on pull).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from icv_app.server import records
from icv_app.server.auth import Principal, current_principal
from icv_app.server.context import ServerContext, get_context
from icv_app.server.errors import ApiError
from icv_app.sync.wire import (
    DEFAULT_PULL_LIMIT,
    KIND_PATTERN,
    MAX_PULL_LIMIT,
    MAX_PUSH_BATCH,
    MAX_REV,
    MAX_SEQ,
    UUID_PATTERN,
    CheckResponse,
    ErrorCode,
    LocateRequest,
    LocateResponse,
    Problem,
    PullResponse,
    PushRecord,
    PushRequest,
    PushResponse,
    PushResult,
    PushStatus,
    RejectCode,
)

router = APIRouter(prefix="/sync", tags=["sync"])


# The push body is read by hand, after the device token is checked: a caller who is not
# signed in costs the server no parsing at all. Its schema is declared for OpenAPI here
# (the app adds PUSH_BODY_DEFS to the document's components).
_push_schema = PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
PUSH_BODY_DEFS: dict[str, Any] = _push_schema.pop("$defs", {})


@router.post(
    "/push",
    response_model=PushResponse,
    summary="Send changed records; one result per record, in order",
    openapi_extra={"requestBody": {
        "required": True, "content": {"application/json": {"schema": _push_schema}},
    }},
)
async def push(
    request: Request,
    context: Annotated[ServerContext, Depends(get_context)],
    principal: Annotated[Principal, Depends(current_principal)],
) -> PushResponse:
    items = read_push_body(await request.body())
    parsed: list[PushRecord | PushResult] = [_read_record(item) for item in items]
    valid = [p for p in parsed if isinstance(p, PushRecord)]
    decided = iter(await run_in_threadpool(
        records.push, context.engine, principal, valid, context.now()
    ))
    return PushResponse(results=[
        next(decided) if isinstance(p, PushRecord) else p for p in parsed
    ])


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_push_body(raw: bytes) -> list[Any]:
    """The records of a push request, each still unread; a request that is not JSON of
    the right shape is a 422 (the whole request: there is no record to answer for)."""
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, NaN, nested too deep
        raise ApiError(
            422, ErrorCode.INVALID_REQUEST, "The request body is not valid JSON."
        ) from None
    items = data.get("records", []) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ApiError(
            422, ErrorCode.INVALID_REQUEST,
            'The request must be a JSON object with a list of "records".',
        )
    if len(items) > MAX_PUSH_BATCH:
        raise ApiError(
            422, ErrorCode.INVALID_REQUEST,
            f"At most {MAX_PUSH_BATCH} records may be pushed in one request.",
        )
    return items


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "record"


def _read_record(item: Any) -> PushRecord | PushResult:
    """One pushed record, read strictly; a malformed one becomes its own rejection."""
    try:
        return PushRecord.model_validate(item)
    except ValidationError as exc:
        errors = exc.errors()
        fields = sorted({_field(e["loc"]) for e in errors})
        # Echo only what is safe to send back: a type, id and rev that are well formed.
        raw = item if isinstance(item, dict) else {}
        rtype, rid, rev = raw.get("type"), raw.get("id"), raw.get("rev")
        return PushResult(
            type=rtype if isinstance(rtype, str) and re.fullmatch(KIND_PATTERN, rtype) else "",
            id=rid if isinstance(rid, str) and re.fullmatch(UUID_PATTERN, rid) else "",
            rev=rev if type(rev) is int and 0 <= rev <= MAX_REV else 0,
            status=PushStatus.REJECTED, code=RejectCode.INVALID,
            reason=f"The record is not well formed: {_field(errors[0]['loc'])}: "
                   f"{errors[0]['msg']}.",
            problems=[Problem(field=f, message="Not a value this field can hold.")
                      for f in fields[:50]],
        )


@router.get(
    "/pull",
    response_model=PullResponse,
    summary="Changes visible to the caller after `since`, in seq order",
)
def pull(
    context: Annotated[ServerContext, Depends(get_context)],
    principal: Annotated[Principal, Depends(current_principal)],
    since: Annotated[int, Query(ge=0, le=MAX_SEQ, description="The last seq applied")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
) -> PullResponse:
    return records.pull(context.engine, principal, since, limit)


@router.get(
    "/check",
    response_model=CheckResponse,
    summary="Count and digest of the records in the caller's scope",
)
def check(
    context: Annotated[ServerContext, Depends(get_context)],
    principal: Annotated[Principal, Depends(current_principal)],
) -> CheckResponse:
    return records.check(context.engine, principal, context.now())


@router.post(
    "/locate",
    response_model=LocateResponse,
    summary="Which of these records the server holds at all (after a restore, the rest "
    "are to be sent back)",
)
def locate(
    body: LocateRequest,
    context: Annotated[ServerContext, Depends(get_context)],
    principal: Annotated[Principal, Depends(current_principal)],
) -> LocateResponse:
    return LocateResponse(held=records.locate(context.engine, body.records))
