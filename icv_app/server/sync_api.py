"""The sync endpoints: push a batch, pull changes since a seq, check what is in scope.

Every role may call them; what each call touches is limited by :mod:`policy` (a record
outside the caller's scope is rejected on push and never returned on pull).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from icv_app.server import records
from icv_app.server.auth import Principal, current_principal
from icv_app.server.context import ServerContext, get_context
from icv_app.sync.wire import (
    DEFAULT_PULL_LIMIT,
    MAX_PULL_LIMIT,
    MAX_SEQ,
    CheckResponse,
    PullResponse,
    PushRequest,
    PushResponse,
)

router = APIRouter(prefix="/sync", tags=["sync"])


@router.post(
    "/push",
    response_model=PushResponse,
    summary="Send changed records; one result per record, in order",
)
def push(
    body: PushRequest,
    context: Annotated[ServerContext, Depends(get_context)],
    principal: Annotated[Principal, Depends(current_principal)],
) -> PushResponse:
    results = records.push(context.engine, principal, body.records, context.now())
    return PushResponse(results=results)


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
    return records.check(context.engine, principal)
