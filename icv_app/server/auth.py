"""Signing in a device, and knowing who is calling.

Sign-in checks the password (argon2id), registers the laptop as a device and hands back a
random token once; the server keeps only its SHA-256. Every later call presents the token
as a bearer token. A revoked device, a disabled account and an unknown token each get a
401 whose ``error`` says which, so the app can tell the person what happened.

Each sign-in attempt is counted by :mod:`throttle` before its password is checked, and
only a few checks run at once (each takes 64 MiB): a burst of attempts is answered 429
(locked) or 503 (busy, retry shortly) instead of each being checked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from icv_app.server import audit, throttle
from icv_app.server.admin import AdminError, normalise_username
from icv_app.server.audit import Actor, AuditEntry
from icv_app.server.context import ServerContext, client_address, get_context
from icv_app.server.errors import ApiError
from icv_app.server.storage import devices, read, users, write
from icv_app.sync.wire import WIRE_SCHEMA, ErrorCode, LoginRequest, LoginResponse, Role

REVOKED_MESSAGE = (
    "This device has been revoked on the server (for example, reported lost) or was "
    "signed out. It can no longer sync. Sign in again if you are its owner, or remove "
    "its local data."
)
DISABLED_MESSAGE = "This account has been disabled. Ask your scheme coordinator."
# Seconds a sign-in turned away for want of a password-check slot is told to wait.
BUSY_RETRY_AFTER = 1
_BEARER_HEADERS = {"WWW-Authenticate": "Bearer"}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The user and device behind a request."""

    user_id: str
    username: str
    role: Role
    device_id: str
    device_name: str
    address: str | None = None

    def actor(self) -> Actor:
        return Actor(self.user_id, self.username, self.device_id, self.address)


def login(context: ServerContext, request: LoginRequest, address: str | None) -> LoginResponse:
    now = context.now()
    policy = context.config.throttle
    try:
        username = normalise_username(request.username)
    except AdminError:
        username = None
    anonymous = Actor(None, None, None, address)

    # Counted before the password is checked, in the same write transaction as the check
    # for a lockout: attempts at once cannot all pass the check before any is counted.
    with write(context.engine) as conn:
        row = None
        if username is not None:
            row = conn.execute(select(users).where(users.c.username == username)).first()
        known = row is not None and throttle.is_known_address(conn, row.id, address)
        counts = throttle.counts_for(username or request.username, address, known, policy)
        # Who tried is worth logging only for a real account: an unknown "username" is
        # often a password typed into the wrong box.
        actor = Actor(row.id, row.username, None, address) if row else anonymous
        admission = throttle.admit(conn, counts, now, policy, actor)
    if admission.retry_after is not None:
        wait = admission.retry_after
        raise ApiError(
            429,
            ErrorCode.THROTTLED,
            f"Too many failed sign-in attempts. Try again in {wait} seconds.",
            retry_after=wait,
        )

    ok = _check_password(
        context, admission, row.password_hash if row else context.dummy_hash, request.password
    )
    if row is None or not ok:
        with write(context.engine) as conn:
            audit.record(conn, AuditEntry("login.failed", actor), now)
        raise ApiError(
            401, ErrorCode.INVALID_CREDENTIALS, "Wrong username or password.",
            headers=_BEARER_HEADERS,
        )

    if row.disabled:
        with write(context.engine) as conn:
            # The right password: not a failure, but not a sign-in to remember either.
            throttle.take_back(conn, admission)
            audit.record(conn, AuditEntry("login.refused_disabled", actor), now)
        raise ApiError(403, ErrorCode.USER_DISABLED, DISABLED_MESSAGE)

    hasher = context.config.password_hasher
    token = secrets.token_urlsafe(32)
    device_id = str(uuid.uuid4())
    device_name = request.device_name.strip() or "unnamed device"
    with write(context.engine) as conn:
        throttle.succeeded(conn, admission)
        throttle.remember_address(conn, row.id, address, now)
        conn.execute(
            devices.insert().values(
                id=device_id,
                user_id=row.id,
                name=device_name,
                token_hash=hash_token(token),
                created_at=now,
                last_seen_at=now,
            )
        )
        if hasher.check_needs_rehash(row.password_hash):
            conn.execute(
                users.update()
                .where(users.c.id == row.id)
                .values(password_hash=hasher.hash(request.password))
            )
        audit.record(
            conn,
            AuditEntry(
                "login.succeeded",
                Actor(row.id, row.username, device_id, address),
                detail={"device_name": device_name},
            ),
            now,
        )
    return LoginResponse(
        device_id=device_id,
        device_token=token,
        user_id=row.id,
        username=row.username,
        role=Role(row.role),
        server_schema=WIRE_SCHEMA,
    )


def _check_password(
    context: ServerContext, admission: throttle.Admission, password_hash: str, password: str
) -> bool:
    """argon2 in one of the process's few slots for it (ServerConfig.max_password_checks);
    if none comes free soon, 503 and the attempt is taken back, unchecked."""
    slots = context.password_checks
    if not slots.acquire(timeout=context.config.password_check_wait.total_seconds()):
        with write(context.engine) as conn:
            throttle.take_back(conn, admission)
        raise ApiError(
            503,
            ErrorCode.UNAVAILABLE,
            "The server is busy with other sign-ins just now; try again in a moment.",
            retry_after=BUSY_RETRY_AFTER,
        )
    try:
        return _verify(context.config.password_hasher, password_hash, password)
    finally:
        slots.release()


def _verify(hasher: PasswordHasher, password_hash: str, password: str) -> bool:
    try:
        return bool(hasher.verify(password_hash, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def logout(context: ServerContext, principal: Principal) -> None:
    """The device signs itself out: its token is refused from now on."""
    now = context.now()
    with write(context.engine) as conn:
        conn.execute(
            devices.update()
            .where(devices.c.id == principal.device_id, devices.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by=principal.username)
        )
        audit.record(conn, AuditEntry("logout", principal.actor()), now)


_bearer = HTTPBearer(
    auto_error=False,
    description="The device token from POST /api/v1/login.",
)


def current_principal(
    request: Request,
    context: Annotated[ServerContext, Depends(get_context)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise ApiError(
            401, ErrorCode.UNAUTHENTICATED, "Sign in first: this call needs a device token.",
            headers=_BEARER_HEADERS,
        )
    now = context.now()
    address = client_address(request)
    query = (
        select(
            devices.c.id.label("device_id"),
            devices.c.name.label("device_name"),
            devices.c.revoked_at,
            devices.c.last_seen_at,
            users.c.id.label("user_id"),
            users.c.username,
            users.c.role,
            users.c.disabled,
        )
        .join(users, users.c.id == devices.c.user_id)
        .where(devices.c.token_hash == hash_token(credentials.credentials))
    )
    with read(context.engine) as conn:
        row = conn.execute(query).first()
    if row is None:
        raise ApiError(
            401,
            ErrorCode.UNAUTHENTICATED,
            "The server does not know this device's token. Sign in again.",
            headers=_BEARER_HEADERS,
        )
    principal = Principal(
        row.user_id, row.username, Role(row.role), row.device_id, row.device_name, address
    )
    if row.revoked_at is not None:
        with write(context.engine) as conn:
            audit.record(conn, AuditEntry("device.refused_revoked", principal.actor()), now)
        raise ApiError(
            401, ErrorCode.DEVICE_REVOKED, REVOKED_MESSAGE, headers=_BEARER_HEADERS
        )
    if row.disabled:
        with write(context.engine) as conn:
            audit.record(conn, AuditEntry("device.refused_disabled", principal.actor()), now)
        raise ApiError(
            401, ErrorCode.USER_DISABLED, DISABLED_MESSAGE, headers=_BEARER_HEADERS
        )
    _touch(context, row.device_id, row.last_seen_at, now)
    return principal


def _touch(
    context: ServerContext, device_id: str, last_seen: dt.datetime | None, now: dt.datetime
) -> None:
    if last_seen is not None and now - last_seen < context.config.last_seen_resolution:
        return
    with write(context.engine) as conn:
        conn.execute(devices.update().where(devices.c.id == device_id).values(last_seen_at=now))


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only these roles through (403 for the others)."""
    allowed = frozenset(roles)

    def dependency(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Principal:
        if principal.role not in allowed:
            raise ApiError(
                403,
                ErrorCode.FORBIDDEN,
                f"Your role ({principal.role.value}) may not do this.",
            )
        return principal

    return dependency
