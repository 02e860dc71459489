"""Managing the scheme's accounts over the API (``/api/v1/admin``): the JSON bodies the
server's :mod:`icv_app.server.admin_api` and the app's :mod:`icv_app.sync.admin_client`
exchange.

Requests are read strictly (unknown fields, a number sent as text, an unknown role are
all refused with 422) and bounded: a username as the server stores it (1 to 64 of
letters, digits and ``. _ @ -``), a password of :data:`MIN_PASSWORD_LENGTH` to
:data:`MAX_PASSWORD_LENGTH` characters. Who may call what is the server's table
(``icv_app.server.admin_api.PERMISSIONS``); ``GET /api/v1/admin/access`` tells the
caller its own row, so the app can grey out what the account can never do.

Errors are :class:`~icv_app.sync.wire.ErrorBody` as everywhere: 403 ``forbidden`` (this
role may not, or not on that account), 404 ``not_found`` (no such user or device), 409
``invalid_request`` (the request is well formed but refused as things stand: the user
exists already, the last admin, the caller's own device or account), 422
``invalid_request`` (the body does not fit: ``detail`` says which field). Always show
``message``.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool

from icv_app.sync.wire import UUID_PATTERN, Role

ADMIN_PREFIX = "/admin"
# As icv_app.server.admin.normalise_username, before lower-casing: the server stores it
# in lower case.
USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$"
MAX_USERNAME_LENGTH = 64
# The shortest is the server's rule (icv_app.server.admin.MIN_PASSWORD_LENGTH; a test
# keeps the two equal); the longest bounds what one request can make the server hash.
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
DEVICE_ID_PATTERN = UUID_PATTERN
MAX_RETENTION_DAYS = 3650


class AdminAction(str, Enum):
    """Everything ``/api/v1/admin`` does, one name per endpoint."""

    LIST_USERS = "list_users"
    CREATE_USER = "create_user"
    SET_ROLE = "set_role"
    SET_DISABLED = "set_disabled"
    RESET_PASSWORD = "reset_password"
    UNLOCK = "unlock"
    LIST_DEVICES = "list_devices"
    REVOKE_DEVICE = "revoke_device"
    SET_RETENTION = "set_retention"


class Reach(str, Enum):
    """Whose accounts (or devices) a role may act on with an action."""

    ANY = "any"  # every account
    VOLUNTEERS = "volunteers"  # only accounts whose role is volunteer
    INTERVIEWERS = "interviewers"  # only accounts whose role is interviewer


def _not_text(value: Any) -> Any:
    # JSON Schema's "integer" includes 7.0, which is read as 7 (7.5 is refused); "7" and
    # true are not numbers.
    if isinstance(value, str | bool):
        raise ValueError("must be a whole number, not text or true/false")
    return value


WholeNumber = Annotated[int, BeforeValidator(_not_text)]


class _Request(BaseModel):
    # A hostile client gets nothing past the schema: no extra fields, and no "7" for 7 or
    # 1 for true.
    model_config = ConfigDict(extra="forbid")


class _Answer(BaseModel):
    # Answers are read leniently, so a newer server may add fields.
    model_config = ConfigDict(extra="ignore")


Username = Annotated[
    str, Field(min_length=1, max_length=MAX_USERNAME_LENGTH, pattern=USERNAME_PATTERN)
]
Password = Annotated[
    str,
    Field(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH),
]


class CreateUserRequest(_Request):
    username: Username
    role: Role
    password: Password


class RoleChange(_Request):
    role: Role


class DisabledChange(_Request):
    disabled: StrictBool


class PasswordReset(_Request):
    password: Password


class RetentionChange(_Request):
    retention_days: WholeNumber = Field(
        ge=0,
        le=MAX_RETENTION_DAYS,
        description="Days a submitted report stays on a volunteer's laptop once it is "
        "safely on the server.",
    )


class AdminAccess(_Answer):
    """The caller, and what its role may do through ``/api/v1/admin`` (an action not
    listed is refused)."""

    username: str
    role: Role
    device_id: str
    permissions: dict[AdminAction, Reach]


class UserOut(_Answer):
    id: str
    username: str
    role: Role
    disabled: bool
    created_at: dt.datetime


class UserList(_Answer):
    users: list[UserOut]


class DeviceOut(_Answer):
    id: str
    user_id: str
    username: str
    name: str
    created_at: dt.datetime
    last_seen_at: dt.datetime | None
    revoked_at: dt.datetime | None
    current: bool = Field(
        default=False, description="The device this request came from (it cannot be revoked "
        "from itself: sign out instead)."
    )


class DeviceList(_Answer):
    devices: list[DeviceOut]


class UnlockOut(_Answer):
    username: str
    cleared: int = Field(description="Failed sign-in counts removed.")
