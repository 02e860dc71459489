"""Managing the scheme's accounts from the app: ``/api/v1/admin``, what ``icv-app admin``
does at the server's command line (users, roles, passwords, lockouts, devices, retention).

Who may do what is one declared table, :data:`PERMISSIONS`: an action's row names the
roles that may call it and whose accounts each may act on. Admins manage every account;
a coordinator (whose job includes looking after the volunteers) may list users and
devices, and reset a password, lift a lockout or revoke a lost laptop of a *volunteer*;
a survey manager may list the *interviewers'* accounts (to assign telephone cases to
them), and nothing else; only an admin creates users, changes roles, disables accounts
and sets retention. Every other role is refused every endpoint (403).

Every change is written with its audit entry (the acting user, device and address) in
one transaction, by the same functions the command line uses (:mod:`admin`,
:mod:`settings`). The server refuses, with a sentence saying why, what would lock the
scheme out of its own administration: demoting or disabling the last enabled admin,
disabling the caller's own account, revoking the device the request comes from.
Request bodies are the strict models of :mod:`icv_app.sync.admin_wire`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from icv_app.server import admin, settings
from icv_app.server.admin import AdminError, DeviceInfo, UserInfo
from icv_app.server.auth import BUSY_RETRY_AFTER, Principal, current_principal
from icv_app.server.context import ServerContext, get_context
from icv_app.server.errors import ApiError, error_responses
from icv_app.sync.admin_wire import (
    DEVICE_ID_PATTERN,
    MAX_USERNAME_LENGTH,
    USERNAME_PATTERN,
    AdminAccess,
    AdminAction,
    CreateUserRequest,
    DeviceList,
    DeviceOut,
    DisabledChange,
    PasswordReset,
    Reach,
    RetentionChange,
    RoleChange,
    UnlockOut,
    UserList,
    UserOut,
)
from icv_app.sync.wire import ErrorCode, Role, SchemeSettings

A = AdminAction
_ADMIN_ONLY = MappingProxyType({Role.ADMIN: Reach.ANY})
_WITH_COORDINATOR = MappingProxyType({Role.ADMIN: Reach.ANY, Role.COORDINATOR: Reach.ANY})
_COORDINATOR_FOR_VOLUNTEERS = MappingProxyType(
    {Role.ADMIN: Reach.ANY, Role.COORDINATOR: Reach.VOLUNTEERS}
)

# action -> {role: whose accounts it may act on}; a role not in a row is refused (403).
PERMISSIONS: Mapping[AdminAction, Mapping[Role, Reach]] = MappingProxyType({
    A.LIST_USERS: MappingProxyType({**_WITH_COORDINATOR,
                                    Role.SURVEY_MANAGER: Reach.INTERVIEWERS}),
    A.CREATE_USER: _ADMIN_ONLY,
    A.SET_ROLE: _ADMIN_ONLY,
    A.SET_DISABLED: _ADMIN_ONLY,
    A.RESET_PASSWORD: _COORDINATOR_FOR_VOLUNTEERS,
    A.UNLOCK: _COORDINATOR_FOR_VOLUNTEERS,
    A.LIST_DEVICES: _WITH_COORDINATOR,
    A.REVOKE_DEVICE: _COORDINATOR_FOR_VOLUNTEERS,
    A.SET_RETENTION: _ADMIN_ONLY,
})

# Roles that reach the admin pages at all (``GET /admin/access``).
ADMIN_ROLES = frozenset(role for row in PERMISSIONS.values() for role in row)

UsernamePath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_USERNAME_LENGTH,
        pattern=USERNAME_PATTERN,
        description="The username (any case; stored in lower case).",
    ),
]
DeviceIdPath = Annotated[
    str, Path(pattern=DEVICE_ID_PATTERN, description="The device's full id (a UUID).")
]


def _refused(message: str) -> ApiError:
    return ApiError(403, ErrorCode.FORBIDDEN, message)


def _conflict(message: str) -> ApiError:
    return ApiError(409, ErrorCode.INVALID_REQUEST, message)


@contextmanager
def _as_conflict() -> Iterator[None]:
    """An :class:`AdminError` left once the request is known to be well formed and its
    target to exist: refused as things stand (409), with the admin module's sentence."""
    try:
        yield
    except AdminError as exc:
        raise _conflict(str(exc)) from None


def may(action: AdminAction) -> Callable[[Principal], tuple[Principal, Reach]]:
    """A dependency: the caller and its reach for ``action``, or 403 for its role."""
    row = PERMISSIONS[action]

    def dependency(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> tuple[Principal, Reach]:
        reach = row.get(principal.role)
        if reach is None:
            if principal.role in ADMIN_ROLES:
                raise _refused(
                    f"Your role ({principal.role.value}) may not do this: ask an admin."
                )
            raise _refused(
                f"Your role ({principal.role.value}) may not manage accounts or devices."
            )
        return principal, reach

    return dependency


def _a(role: Role) -> str:
    name = role.value.replace("_", " ")
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


# The role a limited reach is limited to.
_REACH_ROLE = {Reach.VOLUNTEERS: Role.VOLUNTEER, Reach.INTERVIEWERS: Role.INTERVIEWER}


def _within(reach: Reach, user: UserInfo) -> bool:
    role = _REACH_ROLE.get(reach)
    return role is None or user.role is role


def _reaches(principal: Principal, reach: Reach, target: UserInfo) -> None:
    if not _within(reach, target):
        raise _refused(
            f"{_a(principal.role).capitalize()} may do this only for {reach.value}' "
            f"accounts; {target.username} is {_a(target.role)}: ask an admin."
        )


def _target(context: ServerContext, username: str) -> UserInfo:
    try:
        return admin.get_user(context.engine, username)
    except AdminError as exc:
        raise ApiError(404, ErrorCode.NOT_FOUND, str(exc)) from None


def _reached_user(
    context: ServerContext, caller: tuple[Principal, Reach], username: str
) -> tuple[Principal, UserInfo]:
    """The caller and the account they act on: 404 for no such account, 403 for one
    beyond their reach."""
    principal, reach = caller
    target = _target(context, username)
    _reaches(principal, reach, target)
    return principal, target


def _checked_password(password: str) -> str:
    try:
        admin.check_password(password)
    except AdminError as exc:
        raise ApiError(
            422,
            ErrorCode.INVALID_REQUEST,
            str(exc),
        ) from None
    return password


@contextmanager
def _hashing_slot(context: ServerContext) -> Iterator[None]:
    """Hash a password in one of the few slots sign-ins use (ServerConfig.
    max_password_checks): each hash takes as much memory as a sign-in's check, and a
    burst of resets must not take more than a burst of sign-ins may."""
    slots = context.password_checks
    if not slots.acquire(timeout=context.config.password_check_wait.total_seconds()):
        raise ApiError(
            503,
            ErrorCode.UNAVAILABLE,
            "The server is busy just now; try again in a moment. Nothing was changed.",
            retry_after=BUSY_RETRY_AFTER,
        )
    try:
        yield
    finally:
        slots.release()


def _user_out(user: UserInfo) -> UserOut:
    return UserOut(
        id=user.id,
        username=user.username,
        role=user.role,
        disabled=user.disabled,
        created_at=user.created_at,
    )


def _device_out(device: DeviceInfo, principal: Principal) -> DeviceOut:
    return DeviceOut(
        id=device.id,
        user_id=device.user_id,
        username=device.username,
        name=device.name,
        created_at=device.created_at,
        last_seen_at=device.last_seen_at,
        revoked_at=device.revoked_at,
        current=device.id == principal.device_id,
    )


Context = Annotated[ServerContext, Depends(get_context)]
router = APIRouter(prefix="/admin", tags=["admin"], responses=error_responses(403))


@router.get(
    "/access",
    response_model=AdminAccess,
    summary="What the caller's role may do here (admin, coordinator)",
)
def access(principal: Annotated[Principal, Depends(current_principal)]) -> AdminAccess:
    if principal.role not in ADMIN_ROLES:
        raise _refused(
            f"Your role ({principal.role.value}) may not manage accounts or devices."
        )
    return AdminAccess(
        username=principal.username,
        role=principal.role,
        device_id=principal.device_id,
        permissions={
            action: row[principal.role]
            for action, row in PERMISSIONS.items()
            if principal.role in row
        },
    )


@router.get(
    "/users",
    response_model=UserList,
    summary="Every user the caller's role reaches, by username (a survey manager: the "
            "interviewers)",
)
def list_users(
    context: Context,
    caller: Annotated[tuple[Principal, Reach], Depends(may(A.LIST_USERS))],
) -> UserList:
    _principal, reach = caller
    return UserList(users=[_user_out(u) for u in admin.list_users(context.engine)
                           if _within(reach, u)])


@router.post(
    "/users",
    response_model=UserOut,
    status_code=201,
    summary="Add a user with a role and an initial password (admin)",
    responses=error_responses(409),
)
def create_user(
    body: CreateUserRequest,
    context: Context,
    caller: Annotated[tuple[Principal, Reach], Depends(may(A.CREATE_USER))],
) -> UserOut:
    principal, _reach = caller
    password = _checked_password(body.password)
    with _hashing_slot(context), _as_conflict():
        user = admin.create_user(
            context.engine,
            body.username,
            body.role,
            password,
            hasher=context.config.password_hasher,
            actor=principal.actor(),
            now=context.now(),
        )
    return _user_out(user)


@router.put(
    "/users/{username}/role",
    response_model=UserOut,
    summary="Change a user's role (admin; never the last admin's)",
    responses=error_responses(404, 409),
)
def set_role(
    username: UsernamePath,
    body: RoleChange,
    context: Context,
    caller: Annotated[tuple[Principal, Reach], Depends(may(A.SET_ROLE))],
) -> UserOut:
    principal, target = _reached_user(context, caller, username)
    with _as_conflict():
        user = admin.set_role(
            context.engine, target.username, body.role, actor=principal.actor(),
            now=context.now(),
        )
    return _user_out(user)


@router.put(
    "/users/{username}/disabled",
    response_model=UserOut,
    summary="Disable or enable an account (admin; never one's own, nor the last admin)",
    responses=error_responses(404, 409),
)
def set_disabled(
    username: UsernamePath,
    body: DisabledChange,
    context: Context,
    caller: Annotated[tuple[Principal, Reach], Depends(may(A.SET_DISABLED))],
) -> UserOut:
    principal, target = _reached_user(context, caller, username)
    if body.disabled and target.id == principal.user_id:
        raise _conflict(
            "You cannot disable your own account while you are signed in with it; ask "
            "another admin."
        )
    with _as_conflict():
        user = admin.set_disabled_keeping_an_admin(
            context.engine, target.username, body.disabled, actor=principal.actor(),
            now=context.now(),
        )
    return _user_out(user)


@router.post(
    "/users/{username}/password",
    response_model=UserOut,
    summary="Set a new password (admin; a coordinator for a volunteer)",
    responses=error_responses(404, 409),
)
def reset_password(
    username: UsernamePath,
    body: PasswordReset,
    context: Context,
    caller: Annotated[tuple[Principal, Reach], Depends(may(A.RESET_PASSWORD))],
) -> UserOut:
    principal, target = _reached_user(context, caller, username)
    password = _checked_password(body.password)
    with _hashing_slot(context), _as_conflict():
        user = admin.reset_password(
            context.engine,
            target.username,
            password,
            hasher=context.config.password_hasher,
            actor=principal.actor(),
            now=context.now(),
        )
    return _user_out(user)


@router.post(
    "/users/{username}/unlock",
    response_model=UnlockOut,
    summary="Lift a user's sign-in lockout (admin; a coordinator for a volunteer)",
    responses=error_responses(404, 409),
)
def unlock(
    username: UsernamePath,
    context: Context,
    caller: Annotated[tuple[Principal, Reach], Depends(may(A.UNLOCK))],
) -> UnlockOut:
    principal, target = _reached_user(context, caller, username)
    with _as_conflict():
        done = admin.unlock(
            context.engine, target.username, actor=principal.actor(), now=context.now()
        )
    return UnlockOut(username=done.username, cleared=done.cleared)


@router.get(
    "/devices",
    response_model=DeviceList,
    summary="Signed-in devices (all, or one user's), revoked ones too",
    responses=error_responses(404),
)
def list_devices(
    context: Context,
    caller: Annotated[tuple[Principal, Reach], Depends(may(A.LIST_DEVICES))],
    user: Annotated[
        str | None,
        Query(min_length=1, max_length=MAX_USERNAME_LENGTH, pattern=USERNAME_PATTERN,
              description="Only this user's devices."),
    ] = None,
) -> DeviceList:
    principal, _reach = caller
    if user is not None:
        user = _target(context, user).username
    found = admin.list_devices(context.engine, user)
    return DeviceList(devices=[_device_out(d, principal) for d in found])


@router.post(
    "/devices/{device_id}/revoke",
    response_model=DeviceOut,
    summary="Refuse a device from now on: a lost laptop (admin; a coordinator for a "
    "volunteer's). Revoking twice is harmless.",
    responses=error_responses(404, 409),
)
def revoke_device(
    device_id: DeviceIdPath,
    context: Context,
    caller: Annotated[tuple[Principal, Reach], Depends(may(A.REVOKE_DEVICE))],
) -> DeviceOut:
    principal, reach = caller
    try:
        device = admin.get_device(context.engine, device_id)
    except AdminError as exc:
        raise ApiError(404, ErrorCode.NOT_FOUND, str(exc)) from None
    _reaches(principal, reach, _target(context, device.username))
    if device.id == principal.device_id:
        raise _conflict(
            f"“{device.name}” is the device you are using now: it cannot revoke itself. "
            "To stop using it, sign out (Sync ▸ Sign out); to revoke it, do so from "
            "another device."
        )
    with _as_conflict():
        revoked = admin.revoke_device(
            context.engine, device.id, actor=principal.actor(), now=context.now()
        )
    return _device_out(revoked, principal)


@router.put(
    "/retention",
    response_model=SchemeSettings,
    summary="Days a submitted report stays on a volunteer's laptop once on the server "
    "(admin)",
)
def set_retention(
    body: RetentionChange,
    context: Context,
    caller: Annotated[tuple[Principal, Reach], Depends(may(A.SET_RETENTION))],
) -> SchemeSettings:
    principal, _reach = caller
    current = settings.get_settings(context.engine)
    updated = current.model_copy(update={"retention_days": body.retention_days})
    return settings.update_settings(
        context.engine, updated, actor=principal.actor(), now=context.now()
    )

