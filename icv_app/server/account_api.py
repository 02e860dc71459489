"""Endpoints for signing a device in and out, and for asking who the caller is."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from icv_app.server import auth
from icv_app.server.auth import Principal, current_principal
from icv_app.server.context import ServerContext, client_address, get_context
from icv_app.server.errors import error_responses
from icv_app.sync.wire import LoginRequest, LoginResponse, MeResponse

router = APIRouter(tags=["account"])


@router.post(
    "/login",
    response_model=LoginResponse,
    summary="Sign in and register this device (no token needed)",
    responses=error_responses(401, 403, 429),
)
def login(
    body: LoginRequest,
    request: Request,
    context: Annotated[ServerContext, Depends(get_context)],
) -> LoginResponse:
    return auth.login(context, body, client_address(request))


@router.post(
    "/logout",
    status_code=204,
    summary="Sign this device out: its token stops working",
    response_class=Response,
)
def logout(
    context: Annotated[ServerContext, Depends(get_context)],
    principal: Annotated[Principal, Depends(current_principal)],
) -> Response:
    auth.logout(context, principal)
    return Response(status_code=204)


@router.get("/me", response_model=MeResponse, summary="The signed-in user and device")
def me(principal: Annotated[Principal, Depends(current_principal)]) -> MeResponse:
    return MeResponse(
        user_id=principal.user_id,
        username=principal.username,
        role=principal.role,
        device_id=principal.device_id,
        device_name=principal.device_name,
    )
