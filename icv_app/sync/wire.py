"""The sync protocol on the wire: the JSON bodies the server and the laptops exchange.

Both sides import these models, so a field renamed here is renamed for both. Every call
under ``/api/v1`` carries the client's wire schema version in the ``X-ICV-Schema`` header;
a missing or unsupported version is answered ``426`` with an :class:`ErrorBody` telling
the person to update the app (their local data is kept). Authenticated calls carry
``Authorization: Bearer <device token>``. Every non-2xx answer is an :class:`ErrorBody`;
branch on its ``error`` code, show its ``message``.

Records (see ``shared/design.md``): the client makes the id (a UUID), bumps ``rev`` on each
local change and remembers ``base_rev``, the server rev it last saw (0: never synced). The
server gives each accepted change a ``seq``; pulling ``since`` a seq returns the later
changes in seq order. Client clocks (``modified_at``) are stored for information only.

How a client syncs
------------------
1. ``GET /health`` (optional): is the server up, which ``X-ICV-Schema`` it serves.
2. ``POST /api/v1/login`` {username, password, device_name} -> :class:`LoginResponse`.
   Keep ``device_token`` in the OS keyring only. 401 ``invalid_credentials``; 403
   ``user_disabled``; 429 ``throttled`` (wait ``Retry-After`` seconds).
3. Push: ``POST /api/v1/sync/push`` {records: [...]} with every record whose ``rev`` is
   above its ``base_rev``, at most :data:`MAX_PUSH_BATCH` per call; parents before
   children (a visit before its amendments; in one batch is fine). One
   :class:`PushResult` per record, same order:

   - ``accepted``: set ``base_rev = rev``; keep ``seq`` if you like.
   - ``duplicate``: the server already has exactly this rev (a retry): same as accepted.
   - ``conflict``: ``server`` is the server's copy; keep both and ask the person. To keep
     the local version, push it again with ``base_rev = server.rev`` and
     ``rev = server.rev + 1``; to take the server's, store it with rev = base_rev =
     server.rev.
   - ``rejected``: not stored; show ``reason`` (and ``problems`` by field) and keep the
     record marked for attention. ``code`` says the kind (:class:`RejectCode`). It is
     pushed again after the next local edit.

   The server commits before it answers, so after a lost answer, just push again.
   A push whose body is over the server's limit is answered 413 ``too_large`` (a proxy in
   front may answer 413 too, in its own words): send fewer records per call.
4. Pull: ``GET /api/v1/sync/pull?since=CURSOR&limit=N`` -> :class:`PullResponse`. Apply
   the page and store ``next_since`` as the new cursor in the same local transaction;
   repeat while ``has_more``. A pulled change whose id has an unsynced local edit is a
   conflict, never an overwrite. Your own pushes come back too (same id and rev: nothing
   to do). Tombstones (``deleted``, ``body`` null) delete the local copy. If
   ``next_since`` is below the ``since`` you sent, the server was restored from a
   backup: pull again from 0 (keeping unsynced edits), then push everything not on it.
5. Check: ``GET /api/v1/sync/check`` -> :class:`CheckResponse`. Once your cursor is at
   least ``as_of_seq``, compute :func:`scope_digest` over the records as the server last
   showed them to you, not deleted there: (type, id, server rev), where the server rev
   is ``base_rev``, or the server copy's rev for a record held in conflict. A different
   count or digest means: pull again from 0, keeping every unsynced local change; then
   ask ``POST /api/v1/sync/locate`` about each record held as synced that the full pull
   did not bring: one the server holds (out of scope now) is dropped, one it lacks (a
   restore from a backup) is pushed again (with ``owner_id``, for a coordinator).
   Retention: a submitted report leaves a laptop only once the server has held it (and
   its children) for the scheme's retention period, on the server's clock:
   ``stored_at`` / ``updated_at`` against the check's ``server_time``.
6. ``GET /api/v1/settings`` -> :class:`SchemeSettings` (e.g. ``retention_days``).

Any authenticated call may answer 401 with ``error`` ``device_revoked`` (say so, offer
to remove local data, stop syncing), ``user_disabled`` or ``unauthenticated`` (sign in
again); 503 ``unavailable`` and 500 ``internal`` mean retry later with back-off.
``POST /api/v1/logout`` ends the token (204).
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from icv_app.kinds import NAME_PATTERN
from icv_app.sync.digest import scope_digest as scope_digest

API_PREFIX = "/api/v1"
SCHEMA_HEADER = "X-ICV-Schema"
# The version of these models. Bump it when a change would confuse the other side; the
# server lists which client versions it still serves (see ``HealthResponse``).
WIRE_SCHEMA = 1

MAX_PUSH_BATCH = 500
MAX_LOCATE_BATCH = 1000
DEFAULT_PULL_LIMIT = 200
MAX_PULL_LIMIT = 1000
# Revs are exact JSON integers (what any client can hold without rounding). One push may
# move a record's rev on by at most MAX_REV_STEP (a laptop bumps it once per local save),
# so no client can leave a record without room for the next edit.
MAX_REV = 2**53 - 1
MAX_REV_STEP = 2**20
MAX_SEQ = 2**63 - 1
# A record id on the wire is a UUID in canonical form: lower case, hyphenated. Any other
# spelling of the same UUID would be a second record to some stores and the same one to
# others.
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class Role(str, Enum):
    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"
    INTERVIEWER = "interviewer"
    SURVEY_MANAGER = "survey_manager"
    ADMIN = "admin"


# A record's ``type`` on the wire is the name of its kind (icv_app.kinds), so a client or
# server that does not know a kind still parses the rest: the server refuses that record
# alone, a laptop keeps it aside.
KIND_PATTERN = NAME_PATTERN


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


# Text that is stored and shown (a username, a device name) has no control characters.
_NO_CONTROL_CHARS = r"^[^\x00-\x1f\x7f]*$"


# --- errors -------------------------------------------------------------------------------


class ErrorCode(str, Enum):
    """The ``error`` of an :class:`ErrorBody`; the client branches on these, not on text."""

    INVALID_REQUEST = "invalid_request"  # 422: the request does not match the schema
    UNAUTHENTICATED = "unauthenticated"  # 401: no token, or an unknown one: sign in
    DEVICE_REVOKED = "device_revoked"  # 401: an admin revoked this laptop (or it signed out)
    USER_DISABLED = "user_disabled"  # 401 on a token, 403 on login: the account is off
    INVALID_CREDENTIALS = "invalid_credentials"  # 401 on login: wrong username or password
    FORBIDDEN = "forbidden"  # 403: this role may not call this endpoint
    THROTTLED = "throttled"  # 429: too many failed sign-ins; see ``retry_after``
    UNSUPPORTED_CLIENT = "unsupported_client"  # 426: update the app
    NOT_FOUND = "not_found"  # 404
    TOO_LARGE = "too_large"  # 413: the request body is over the server's limit; send less
    UNAVAILABLE = "unavailable"  # 503: the database is unreachable or busy; retry later
    INTERNAL = "internal"  # 500: a server bug; retry later, it has been logged


class ErrorBody(_Wire):
    """Every non-2xx answer from ``/api/v1`` has this body."""

    error: ErrorCode
    message: str = Field(description="A sentence to show the person using the app.")
    retry_after: int | None = Field(
        default=None, description="Seconds to wait before trying again (429, 503)."
    )
    detail: list[dict[str, Any]] | None = Field(
        default=None, description="Which request fields were invalid (422)."
    )


# --- handshake and accounts ---------------------------------------------------------------


class HealthResponse(_Wire):
    """``GET /health`` (no auth, no schema header): is the server up, which clients it serves."""

    status: str = "ok"
    server_schema: int
    min_client_schema: int
    max_client_schema: int


class LoginRequest(_Wire):
    username: str = Field(min_length=1, max_length=64, pattern=_NO_CONTROL_CHARS)
    password: str = Field(min_length=1, max_length=1024)
    device_name: str = Field(
        default="",
        max_length=100,
        pattern=_NO_CONTROL_CHARS,
        description="Shown to admins in the device list.",
    )


class LoginResponse(_Wire):
    """The device token is shown once: the client keeps it in the OS keyring only."""

    device_id: str
    device_token: str
    user_id: str
    username: str
    role: Role
    server_schema: int


class MeResponse(_Wire):
    user_id: str
    username: str
    role: Role
    device_id: str
    device_name: str


# --- push ---------------------------------------------------------------------------------


class PushRecord(_Wire):
    """One pushed change. Read strictly (no "1" for 1, no true for 1): the server stores
    exactly what it validated. A record that does not match is refused on its own."""

    type: str = Field(pattern=KIND_PATTERN, max_length=64,
                      description="The record's kind (icv_app.kinds).")
    id: str = Field(pattern=UUID_PATTERN, description="A UUID, lower case and hyphenated.")
    rev: StrictInt = Field(ge=1, le=MAX_REV, description="The client's rev of this change.")
    base_rev: StrictInt = Field(
        ge=0, le=MAX_REV, description="The server rev this change was made on; 0 if new."
    )
    deleted: StrictBool = False
    body: dict[str, Any] | None = Field(
        default=None, description="The record (its dataclass as a dict); may be null if deleted."
    )
    modified_at: dt.datetime | None = Field(
        default=None, description="The laptop's clock at the change: stored, never trusted."
    )
    owner_id: str | None = Field(
        default=None, pattern=UUID_PATTERN,
        description="Sending back a record the server lost (restored from a backup): whose "
        "it was. Honoured only for a record new to the server, from a role that may write "
        "every record of its kind; otherwise the sender owns a new record.",
    )


class PushRequest(_Wire):
    """What a client sends. The server reads each record on its own: one that does not
    match :class:`PushRecord` is refused alone (a ``rejected`` result), never the batch."""

    records: list[PushRecord] = Field(default_factory=list, max_length=MAX_PUSH_BATCH)


class PushStatus(str, Enum):
    ACCEPTED = "accepted"  # stored; ``seq`` and ``rev`` are now the server's
    DUPLICATE = "duplicate"  # this id and rev were stored before with the same content
    CONFLICT = "conflict"  # the server moved on since ``base_rev``; ``server`` is its copy
    REJECTED = "rejected"  # not stored: ``reason`` says why; the others in the batch are


class RejectCode(str, Enum):
    INVALID = "invalid"  # the body is not a well-formed record of its type
    PROBLEMS = "problems"  # the record breaks a rule (``problems`` lists them)
    FORBIDDEN = "forbidden"  # not this user's record, or not for this role
    IMMUTABLE = "immutable"  # a submitted report or an amendment: add an amendment instead
    REFERENCE = "reference"  # an amendment's visit is missing, not submitted, or not visible
    INTERNAL = "internal"  # the server failed on this record; it is logged


class RecordKey(_Wire):
    type: str = Field(pattern=KIND_PATTERN, max_length=64)
    id: str = Field(pattern=UUID_PATTERN)


class Problem(_Wire):
    field: str
    message: str


class RecordState(_Wire):
    """A record as the server holds it: a pulled change, or the server copy in a conflict."""

    seq: int
    type: str
    id: str
    rev: int
    deleted: bool
    body: dict[str, Any] | None
    owner_id: str
    owner: str = Field(description="The owner's username.")
    updated_at: dt.datetime = Field(
        description="Server time when it stored this rev: retention counts from here."
    )


class PushResult(_Wire):
    """One per pushed record, in the order they were sent."""

    type: str
    id: str
    rev: int = Field(description="The pushed rev.")
    status: PushStatus
    seq: int | None = Field(default=None, description="accepted / duplicate: its server seq.")
    stored_at: dt.datetime | None = Field(
        default=None, description="accepted / duplicate: when the server stored this rev "
        "(its clock): retention counts from here.",
    )
    server: RecordState | None = Field(default=None, description="conflict: the server copy.")
    reason: str | None = Field(default=None, description="rejected / conflict: a sentence.")
    code: RejectCode | None = None
    problems: list[Problem] | None = None


class PushResponse(_Wire):
    results: list[PushResult]


# --- pull and check -------------------------------------------------------------------------


class PullResponse(_Wire):
    changes: list[RecordState] = Field(description="In increasing seq order.")
    next_since: int = Field(description="Store this cursor with the page, in one transaction.")
    has_more: bool


class CheckResponse(_Wire):
    """What is in the caller's scope now, to compare after a sync (see :func:`scope_digest`)."""

    count: int = Field(description="Records in scope that are not deleted.")
    digest: str = Field(description="scope_digest over those records.")
    as_of_seq: int = Field(description="Compare only once you have pulled up to this seq.")
    counts: dict[str, int] = Field(description="count per record type")
    server_time: dt.datetime | None = Field(
        default=None, description="The server's clock now: a laptop measures retention "
        "against it, never against its own clock.",
    )


class LocateRequest(_Wire):
    """Records a laptop holds as synced that are missing from its scope on the server."""

    records: list[RecordKey] = Field(default_factory=list, max_length=MAX_LOCATE_BATCH)


class LocateResponse(_Wire):
    """Which of them the server holds (outside the caller's scope): the laptop drops
    those; the others the server lost (a restore), and the laptop sends them back."""

    held: list[RecordKey]


# --- scheme settings ----------------------------------------------------------------------


class SchemeSettings(_Wire):
    retention_days: int = Field(
        ge=0,
        le=3650,
        description="Days a submitted report stays on a volunteer's laptop once it is safely "
        "on the server (acknowledged, with nothing pending); then the laptop purges it.",
    )
