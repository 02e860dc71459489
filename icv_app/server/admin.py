"""Managing users and devices, lifting sign-in lockouts and pruning the audit log: the
operations behind ``icv-app admin``.

Each function is one transaction with its audit entry. Usernames are case-insensitive and
kept lower-case; passwords are stored only as argon2id hashes.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import Engine, Select, func, select
from sqlalchemy.engine import Connection

from icv_app.server import audit, throttle
from icv_app.server.audit import CLI_ACTOR, Actor, AuditEntry
from icv_app.server.storage import devices, is_postgres, read, users, write
from icv_app.sync.wire import Role

MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,63}$")


class AdminError(Exception):
    """A management request that cannot be done as asked (the message says why)."""


@dataclass(frozen=True)
class UserInfo:
    id: str
    username: str
    role: Role
    disabled: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class DeviceInfo:
    id: str
    user_id: str
    username: str
    name: str
    created_at: dt.datetime
    last_seen_at: dt.datetime | None
    revoked_at: dt.datetime | None


def normalise_username(name: str) -> str:
    """The stored form of a username, or AdminError if it cannot be one."""
    username = name.strip().lower()
    if not _USERNAME.match(username):
        raise AdminError(
            "A username is 1 to 64 characters: letters, digits and . _ @ - "
            "(starting with a letter or digit)."
        )
    return username


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise AdminError(f"Unknown role {value!r}; choose one of: {names}.") from None


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AdminError(f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _user_info(row: object) -> UserInfo:
    m = row._mapping  # type: ignore[attr-defined]
    return UserInfo(
        id=m["id"],
        username=m["username"],
        role=Role(m["role"]),
        disabled=bool(m["disabled"]),
        created_at=m["created_at"],
    )


def _find_user(conn: Connection, username: str) -> UserInfo:
    name = normalise_username(username)
    row = conn.execute(select(users).where(users.c.username == name)).first()
    if row is None:
        raise AdminError(f"No user named {name!r}.")
    return _user_info(row)


def create_user(
    engine: Engine,
    username: str,
    role: Role | str,
    password: str,
    *,
    hasher: PasswordHasher | None = None,
    actor: Actor = CLI_ACTOR,
    now: dt.datetime | None = None,
) -> UserInfo:
    name = normalise_username(username)
    role = parse_role(role.value if isinstance(role, Role) else role)
    check_password(password)
    password_hash = (hasher or PasswordHasher()).hash(password)
    now = now or _now()
    user_id = str(uuid.uuid4())
    with write(engine) as conn:
        exists = conn.execute(select(users.c.id).where(users.c.username == name)).first()
        if exists is not None:
            raise AdminError(f"A user named {name!r} already exists.")
        conn.execute(
            users.insert().values(
                id=user_id,
                username=name,
                role=role.value,
                password_hash=password_hash,
                disabled=False,
                created_at=now,
                password_changed_at=now,
            )
        )
        audit.record(
            conn,
            AuditEntry("user.created", actor, detail={"user_id": user_id, "role": role.value}),
            now,
        )
    return UserInfo(id=user_id, username=name, role=role, disabled=False, created_at=now)


def list_users(engine: Engine) -> list[UserInfo]:
    with read(engine) as conn:
        rows = conn.execute(select(users).order_by(users.c.username)).all()
    return [_user_info(r) for r in rows]


def get_user(engine: Engine, username: str) -> UserInfo:
    with read(engine) as conn:
        return _find_user(conn, username)


def set_disabled(
    engine: Engine,
    username: str,
    disabled: bool,
    *,
    actor: Actor = CLI_ACTOR,
    now: dt.datetime | None = None,
) -> UserInfo:
    """Disable (or re-enable) an account: its devices are refused while it is disabled."""
    now = now or _now()
    with write(engine) as conn:
        user = _find_user(conn, username)
        conn.execute(users.update().where(users.c.id == user.id).values(disabled=disabled))
        action = "user.disabled" if disabled else "user.enabled"
        audit.record(conn, AuditEntry(action, actor, detail={"user_id": user.id}), now)
    return UserInfo(user.id, user.username, user.role, disabled, user.created_at)


def reset_password(
    engine: Engine,
    username: str,
    password: str,
    *,
    hasher: PasswordHasher | None = None,
    actor: Actor = CLI_ACTOR,
    now: dt.datetime | None = None,
) -> UserInfo:
    """Set a new password. Signed-in devices stay signed in (revoke them to sign them out)."""
    check_password(password)
    password_hash = (hasher or PasswordHasher()).hash(password)
    now = now or _now()
    with write(engine) as conn:
        user = _find_user(conn, username)
        conn.execute(
            users.update()
            .where(users.c.id == user.id)
            .values(password_hash=password_hash, password_changed_at=now)
        )
        # Whoever had the old password may have signed in from anywhere: until the owner
        # signs in again, every address is held to the account's count (throttle.py).
        forgotten = throttle.forget_addresses(conn, user.id)
        audit.record(
            conn,
            AuditEntry(
                "user.password_reset",
                actor,
                detail={"user_id": user.id, "addresses_forgotten": forgotten},
            ),
            now,
        )
    return user


@dataclass(frozen=True)
class Unlocked:
    user_id: str
    username: str
    cleared: int  # sign-in counts removed: the account's own and its (account, address) pairs'
    refused_while_locked: dict[str, int]


def unlock(
    engine: Engine,
    username: str,
    *,
    actor: Actor = CLI_ACTOR,
    now: dt.datetime | None = None,
) -> Unlocked:
    """Lift every sign-in lockout of an account and forget its failed attempts, from every
    address. An address's own count (guessing across accounts) is not the account's and
    stays; it ends by itself within the policy's longest lockout."""
    now = now or _now()
    with write(engine) as conn:
        user = _find_user(conn, username)
        result = throttle.unlock(conn, user.username)
        audit.record(
            conn,
            AuditEntry(
                "user.unlocked",
                actor,
                detail={
                    "user_id": user.id,
                    "cleared": result.cleared,
                    "refused_while_locked": result.refused_while_locked,
                },
            ),
            now,
        )
    return Unlocked(user.id, user.username, result.cleared, result.refused_while_locked)


@dataclass(frozen=True)
class Pruned:
    cutoff: dt.datetime
    deleted: int


def prune_audit(
    engine: Engine,
    *,
    older_than_days: int | None = None,
    before: dt.date | None = None,
    actor: Actor = CLI_ACTOR,
    now: dt.datetime | None = None,
) -> Pruned:
    """Delete audit entries older than ``older_than_days`` days or from before the date
    ``before`` (UTC), never any from the last ``audit.KEEP_DAYS`` days. The prune itself
    is logged, with its cutoff and how many entries went."""
    now = now or _now()
    if (older_than_days is None) == (before is None):
        raise AdminError("Say which entries to remove: a number of days or a date.")
    if older_than_days is not None:
        cutoff = now - dt.timedelta(days=older_than_days)
    else:
        assert before is not None
        cutoff = dt.datetime.combine(before, dt.time(), tzinfo=dt.UTC)
    floor = now - dt.timedelta(days=audit.KEEP_DAYS)
    if cutoff > floor:
        raise AdminError(
            f"The audit log always keeps the last {audit.KEEP_DAYS} days: choose "
            f"{audit.KEEP_DAYS} days or more, or a date no later than "
            f"{floor.date().isoformat()}. Nothing was removed."
        )
    with write(engine) as conn:
        deleted = audit.prune(conn, cutoff)
        audit.record(
            conn,
            AuditEntry(
                "audit.pruned",
                actor,
                detail={"older_than": cutoff.isoformat(), "deleted": deleted},
            ),
            now,
        )
    return Pruned(cutoff, deleted)


def _device_query() -> Select[Any]:
    return select(
        devices.c.id,
        devices.c.user_id,
        users.c.username,
        devices.c.name,
        devices.c.created_at,
        devices.c.last_seen_at,
        devices.c.revoked_at,
    ).join(users, users.c.id == devices.c.user_id)


def list_devices(engine: Engine, username: str | None = None) -> list[DeviceInfo]:
    with read(engine) as conn:
        query = _device_query().order_by(users.c.username, devices.c.created_at)
        if username is not None:
            query = query.where(users.c.id == _find_user(conn, username).id)
        rows = conn.execute(query).all()
    return [DeviceInfo(**r._mapping) for r in rows]


def revoke_device(
    engine: Engine,
    device_id: str,
    *,
    actor: Actor = CLI_ACTOR,
    now: dt.datetime | None = None,
) -> DeviceInfo:
    """Refuse a device from now on (a lost laptop). ``device_id`` may be a unique prefix
    of at least 8 characters. Revoking twice is harmless."""
    now = now or _now()
    wanted = device_id.strip().lower()
    if len(wanted) < 8:
        raise AdminError("Give the device id (at least its first 8 characters).")
    with write(engine) as conn:
        rows = conn.execute(
            _device_query().where(
                func.substr(devices.c.id, 1, len(wanted)) == wanted
            )
        ).all()
        if not rows:
            raise AdminError(f"No device with id {device_id!r}.")
        if len(rows) > 1:
            raise AdminError(f"More than one device id starts with {device_id!r}; give more.")
        device = DeviceInfo(**rows[0]._mapping)
        if device.revoked_at is None:
            conn.execute(
                devices.update()
                .where(devices.c.id == device.id)
                .values(revoked_at=now, revoked_by=actor.name)
            )
            audit.record(
                conn,
                AuditEntry(
                    "device.revoked",
                    actor,
                    detail={"device_id": device.id, "user_id": device.user_id},
                ),
                now,
            )
            device = DeviceInfo(**{**device.__dict__, "revoked_at": now})
    return device


@dataclass(frozen=True)
class ReferenceImported:
    suites: int
    panels: int
    visitors: int


def import_reference(
    engine: Engine, username: str, reference: Any, *, now: dt.datetime | None = None
) -> ReferenceImported:
    """Write a scheme's suites, panels and visitors (a ``ReferenceData``) as reference
    records owned by ``username`` (a coordinator or an admin), which every laptop pulls
    at its next sync. Importing the same file again updates the same records (their ids
    come from their codes); records already there and not in the file are left alone."""
    from icv_app.domain.custody.reference import records_from
    from icv_app.domain.serialize import to_dict
    from icv_app.server.auth import Principal
    from icv_app.server.records import write_server_record

    now = now or _now()
    with read(engine) as conn:
        user = _find_user(conn, username)
    if user.role not in (Role.COORDINATOR, Role.ADMIN):
        raise AdminError(f"{user.username} is a {user.role.value}: reference data is kept "
                         "by a coordinator or an admin.")
    principal = Principal(user.id, user.username, user.role, "server", "server")
    suites, panels, visitors = records_from(reference)
    for kind, records in (("panel", panels), ("suite", suites), ("visitor", visitors)):
        for record in records:
            try:
                write_server_record(engine, principal, kind, record.id, to_dict(record), now)
            except ValueError as exc:
                raise AdminError(f"{kind} {getattr(record, 'code', '')!r}: {exc}") from None
    return ReferenceImported(len(suites), len(panels), len(visitors))


# --- for the admin API (icv_app.server.admin_api) ----------------------------------------


def _last_enabled_admin(conn: Connection, user: UserInfo) -> bool:
    """Is ``user`` the only enabled admin (so that no one could manage accounts without
    them but the server's operator at the command line)?"""
    if user.role is not Role.ADMIN or user.disabled:
        return False
    query = select(users.c.id).where(
        users.c.role == Role.ADMIN.value, users.c.disabled.is_(False)
    )
    if is_postgres(conn):
        # Lock the enabled admins' rows: of two admins demoting each other at once, the
        # second waits for the first and then sees one admin fewer (SQLite's write
        # transactions are one at a time already).
        query = query.with_for_update()
    admins = {row[0] for row in conn.execute(query)}
    return not (admins - {user.id})


def _last_admin_message(user: UserInfo, change: str) -> str:
    return (
        f"{user.username} is the only admin left, so cannot be {change}: make another "
        "user an admin first (the scheme's accounts would otherwise have no one to "
        "manage them)."
    )


def set_role(
    engine: Engine,
    username: str,
    role: Role | str,
    *,
    actor: Actor = CLI_ACTOR,
    now: dt.datetime | None = None,
) -> UserInfo:
    """Change a user's role; refused (AdminError) if it would leave no enabled admin.
    Their devices stay signed in and act in the new role from their next request."""
    new_role = parse_role(role.value if isinstance(role, Role) else role)
    now = now or _now()
    with write(engine) as conn:
        user = _find_user(conn, username)
        if user.role is new_role:
            return user
        if _last_enabled_admin(conn, user):
            raise AdminError(_last_admin_message(user, f"made a {new_role.value}"))
        conn.execute(users.update().where(users.c.id == user.id).values(role=new_role.value))
        audit.record(
            conn,
            AuditEntry(
                "user.role_changed",
                actor,
                detail={"user_id": user.id, "from": user.role.value, "to": new_role.value},
            ),
            now,
        )
    return UserInfo(user.id, user.username, new_role, user.disabled, user.created_at)


def set_disabled_keeping_an_admin(
    engine: Engine,
    username: str,
    disabled: bool,
    *,
    actor: Actor = CLI_ACTOR,
    now: dt.datetime | None = None,
) -> UserInfo:
    """As :func:`set_disabled`, but never disables the last enabled admin (checked in the
    same transaction, so two admins disabling each other at once cannot both succeed)."""
    now = now or _now()
    with write(engine) as conn:
        user = _find_user(conn, username)
        if user.disabled == disabled:
            return user
        if disabled and _last_enabled_admin(conn, user):
            raise AdminError(_last_admin_message(user, "disabled"))
        conn.execute(users.update().where(users.c.id == user.id).values(disabled=disabled))
        action = "user.disabled" if disabled else "user.enabled"
        audit.record(conn, AuditEntry(action, actor, detail={"user_id": user.id}), now)
    return UserInfo(user.id, user.username, user.role, disabled, user.created_at)


def get_device(engine: Engine, device_id: str) -> DeviceInfo:
    """The device with exactly this id, or AdminError."""
    with read(engine) as conn:
        row = conn.execute(_device_query().where(devices.c.id == device_id)).first()
    if row is None:
        raise AdminError(f"No device with id {device_id!r}.")
    return DeviceInfo(**row._mapping)
