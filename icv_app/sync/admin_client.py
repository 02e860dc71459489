"""The laptop's side of ``/api/v1/admin``: managing accounts, devices and retention on the
central store as the account this laptop is signed in with. Headless, no Qt.

It signs its requests with the laptop's device token, read (as the sync client reads it)
from the OS keyring or the encrypted profile through the store's writer, so call it from
a worker thread, never the UI's (:class:`icv_app.services.admin.AdminService` does).
Nothing is queued: administration needs the server now, and an unreachable server is
:class:`AdminOffline` at once, not a change to be sent later. Reads are retried once
after a network fault; changes are not retried (an answer lost in transit would come
back as "already exists" or similar, which a person can read and act on).

Every error is a :class:`~icv_app.sync.errors.SyncError` whose message is for the person:
the server's own sentence where it refused (a role that may not, the last admin, the
laptop in use), or :data:`OFFLINE_MESSAGE`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pydantic

from icv_app.store import changes
from icv_app.store.local_store import LocalStore
from icv_app.sync import credentials as cred
from icv_app.sync.admin_wire import (
    ADMIN_PREFIX,
    MIN_PASSWORD_LENGTH,
    AdminAccess,
    CreateUserRequest,
    DeviceList,
    DeviceOut,
    DisabledChange,
    PasswordReset,
    RetentionChange,
    RoleChange,
    UnlockOut,
    UserList,
    UserOut,
)
from icv_app.sync.errors import NetworkError, NotSignedIn, SyncError
from icv_app.sync.http import HttpSession, RetryPolicy, open_client
from icv_app.sync.wire import API_PREFIX, WIRE_SCHEMA, Role, SchemeSettings

OFFLINE_MESSAGE = "The central store cannot be reached; administration needs a connection."
# After a change was sent, a broken connection leaves its fate unknown.
MAYBE_CHANGED = (
    " If the change reached it before the connection broke, Refresh shows it once the "
    "connection is back."
)
ADMIN_PATH = f"{API_PREFIX}{ADMIN_PREFIX}"
SETTINGS_PATH = f"{API_PREFIX}/settings"
# A person is waiting: one quick retry of a read, none of a change.
READ_RETRY = RetryPolicy(attempts=2, base_delay=0.3, max_delay=1.0)
NO_RETRY = RetryPolicy(attempts=1)

_FIELD_NAMES = {
    "username": "Username",
    "password": "Password",
    "role": "Role",
    "retention_days": "Retention",
    "disabled": "Disabled",
}


class AdminOffline(NetworkError):
    """The central store could not be reached (or broke off): nothing was changed."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or OFFLINE_MESSAGE)


class AdminInputError(SyncError):
    """What was typed cannot be sent (checked here first, with the server's own rules)."""

    kind = "invalid"


@dataclass(frozen=True)
class AdminOverview:
    """Everything the administration page shows, read in one go."""

    access: AdminAccess
    users: list[UserOut]
    devices: list[DeviceOut]
    settings: SchemeSettings


def _segment(value: str) -> str:
    return quote(value, safe="")


def _input_error(exc: pydantic.ValidationError) -> AdminInputError:
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first.get("loc") else ""
    name = _FIELD_NAMES.get(field, field.replace("_", " ").capitalize())
    kind = first.get("type", "")
    if field == "username":
        reason = ("1 to 64 characters: letters, digits and . _ @ - (starting with a "
                  "letter or digit)")
    elif kind == "string_too_long":
        reason = f"at most {first.get('ctx', {}).get('max_length')} characters"
    elif kind == "string_too_short" and field == "password":
        reason = f"at least {MIN_PASSWORD_LENGTH} characters"
    elif kind in ("string_too_short", "missing"):
        reason = "required"
    else:
        reason = str(first.get("msg", "not valid")).lower()
    return AdminInputError(f"{name}: {reason}.")


def _body(model: type[pydantic.BaseModel], **values: Any) -> dict[str, Any]:
    try:
        return model.model_validate(values).model_dump(mode="json")
    except pydantic.ValidationError as exc:
        raise _input_error(exc) from None


class AdminClient:
    """Calls ``/api/v1/admin`` as this laptop's signed-in account (module doc).

    ``transport`` replaces the network (tests: the in-process server).
    """

    def __init__(
        self,
        store: LocalStore,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.store = store
        self._transport = transport
        self._timeout = timeout

    # Reads -------------------------------------------------------------------------------
    def overview(self) -> AdminOverview:
        """What the caller may do, the users, the devices and the scheme's settings."""
        with self._session(changing=False) as http:
            access = http.call("GET", f"{ADMIN_PATH}/access", AdminAccess)
            users = http.call("GET", f"{ADMIN_PATH}/users", UserList).users
            devices = http.call("GET", f"{ADMIN_PATH}/devices", DeviceList).devices
            settings = http.call("GET", SETTINGS_PATH, SchemeSettings)
        return AdminOverview(access, users, devices, settings)

    def users(self) -> list[UserOut]:
        """The accounts the caller's role may list: every one for an admin or a
        coordinator, the interviewers' for a survey manager (assigning cases)."""
        with self._session(changing=False) as http:
            return http.call("GET", f"{ADMIN_PATH}/users", UserList).users

    def devices(self, username: str | None = None) -> list[DeviceOut]:
        params = {"user": username} if username else None
        with self._session(changing=False) as http:
            return http.call("GET", f"{ADMIN_PATH}/devices", DeviceList, params=params).devices

    # Changes -----------------------------------------------------------------------------
    def create_user(self, username: str, role: Role, password: str) -> UserOut:
        body = _body(CreateUserRequest, username=username.strip(), role=role,
                     password=password)
        return self._change("POST", "/users", UserOut, body)

    def set_role(self, username: str, role: Role) -> UserOut:
        body = _body(RoleChange, role=role)
        return self._change("PUT", f"/users/{_segment(username)}/role", UserOut, body)

    def set_disabled(self, username: str, disabled: bool) -> UserOut:
        body = _body(DisabledChange, disabled=disabled)
        return self._change("PUT", f"/users/{_segment(username)}/disabled", UserOut, body)

    def reset_password(self, username: str, password: str) -> UserOut:
        body = _body(PasswordReset, password=password)
        return self._change("POST", f"/users/{_segment(username)}/password", UserOut, body)

    def unlock(self, username: str) -> UnlockOut:
        return self._change("POST", f"/users/{_segment(username)}/unlock", UnlockOut, None)

    def revoke_device(self, device_id: str) -> DeviceOut:
        return self._change("POST", f"/devices/{_segment(device_id)}/revoke", DeviceOut, None)

    def set_retention(self, days: int) -> SchemeSettings:
        body = _body(RetentionChange, retention_days=days)
        return self._change("PUT", "/retention", SchemeSettings, body)

    # Plumbing ----------------------------------------------------------------------------
    def _change(
        self,
        method: str,
        path: str,
        model: type[Any],
        body: dict[str, Any] | None,
    ) -> Any:
        with self._session(changing=True) as http:
            return http.call(method, f"{ADMIN_PATH}{path}", model, json=body, retry=False)

    def _credentials(self) -> tuple[cred.Account, str]:
        profile = self.store.profile
        account, token = self.store.writer.submit(
            lambda db: (cred.load_account(db), cred.load_token(db, profile)),
            origin=changes.SYNC,
        ).result()
        if account is None or not token:
            raise NotSignedIn(
                "This laptop is not signed in to the central store: sign in (Sync ▸ Sign "
                "in…) as an admin or a coordinator first."
            )
        cred.check_server_url(account.server_url, account.allow_insecure)
        return account, token

    @contextlib.contextmanager
    def _session(self, *, changing: bool) -> Iterator[HttpSession]:
        account, token = self._credentials()
        try:
            with open_client(account.server_url, schema=WIRE_SCHEMA, timeout=self._timeout,
                             transport=self._transport) as http:
                yield HttpSession(http, token=token,
                                  retry=NO_RETRY if changing else READ_RETRY)
        except NetworkError as exc:
            # Refused before anything was sent: certainly nothing changed. Broken off
            # later, a change may have landed.
            sent = not isinstance(exc.__cause__, httpx.ConnectError | httpx.ConnectTimeout)
            raise AdminOffline(
                OFFLINE_MESSAGE + (MAYBE_CHANGED if sent and changing else "")
            ) from exc


__all__ = [
    "OFFLINE_MESSAGE",
    "AdminClient",
    "AdminInputError",
    "AdminOffline",
    "AdminOverview",
]
