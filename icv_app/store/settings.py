"""The local profile's settings, each declared once with its type and default.

Like Picard's options: a :class:`Setting` names its key in the ``settings`` table, the
type its value has in the app, its default and what it is for; code reads and writes
``PULL_CURSOR.get(db)`` instead of string keys spread over modules. Values are stored as
text; a value that no longer parses (edited by hand, or written by a future version)
reads as the default instead of failing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable

T = TypeVar("T")


def get_raw(db: Queryable, key: str) -> str | None:
    """The stored text of a key (prefer a declared :class:`Setting`)."""
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_raw(db: sqlite_utils.Database, key: str, value: str | None) -> None:
    if value is None:
        db.execute("DELETE FROM settings WHERE key = ?", [key])
    else:
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


@dataclass(frozen=True)
class Setting(Generic[T]):
    key: str
    default: T
    parse: Callable[[str], T]
    format: Callable[[T], str]
    doc: str

    def get(self, db: Queryable) -> T:
        text = get_raw(db, self.key)
        if text is None:
            return self.default
        try:
            return self.parse(text)
        except ValueError:
            return self.default

    def set(self, db: sqlite_utils.Database, value: T | None) -> None:
        """Store ``value``; None (or the default) removes the entry."""
        set_raw(db, self.key, None if value is None or value == self.default
                 else self.format(value))


def _text(key: str, doc: str) -> Setting[str]:
    return Setting(key, "", str, str, doc)


def _parse_bool(text: str) -> bool:
    if text not in ("0", "1"):
        raise ValueError(text)
    return text == "1"


def _parse_time(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text)


PULL_CURSOR: Setting[int] = Setting(
    "pull_since", 0, int, str,
    "The server seq this laptop has pulled up to (stored with each pulled page).",
)
LAST_SYNCED: Setting[dt.datetime | None] = Setting(
    "sync.last_synced", None, _parse_time, lambda v: v.isoformat() if v else "",
    "When the last sync finished (the laptop's clock; shown in the status bar).",
)
SERVER_URL = _text("sync.server_url", "The central store this profile syncs with.")
USERNAME = _text("sync.username", "Who this profile is signed in as.")
USER_ID = _text("sync.user_id", "The server's id of that user.")
ROLE = _text("sync.role", "That user's role (volunteer, coordinator, ...).")
DEVICE_ID = _text("sync.device_id", "The server's id of this laptop.")
DEVICE_NAME = _text("sync.device_name", "This laptop's name in the server's device list.")
ALLOW_INSECURE: Setting[bool] = Setting(
    "sync.allow_insecure_http", False, _parse_bool, lambda v: "1" if v else "0",
    "The person allowed plain http to a server that is not on this machine.",
)
# Only where the OS has no keyring: inside the encrypted database (sync.credentials).
DEVICE_TOKEN_IN_DB = _text("sync.secret.device_token",
                           "The device token, where the OS has no keyring.")

ACCOUNT = (SERVER_URL, USERNAME, USER_ID, ROLE, DEVICE_ID, DEVICE_NAME, ALLOW_INSECURE)

MAX_OVERDUE_DAYS = 365


def _parse_overdue_days(text: str) -> int:
    days = int(text)
    if not 1 <= days <= MAX_OVERDUE_DAYS:
        raise ValueError(text)
    return days


FOLLOW_UP_OVERDUE_DAYS: Setting[int] = Setting(
    "coordination.follow_up_overdue_days", 28, _parse_overdue_days, str,
    "Days after it was raised that a follow-up not closed counts as overdue (this laptop's "
    "Follow-ups page).",
)
