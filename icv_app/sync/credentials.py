"""Which server this profile syncs with, as whom, and where its device token is kept.

The device token is a secret: it lives in the OS keyring (service ``icv-app``, entry
``device-token/<profile id>``) and nowhere else. Where the OS has no usable keyring the
profile's database is already protected by a passphrase-derived key, and the token is kept
inside that encrypted database instead; it is never written to a plain file or a log.
"Usable" is decided as for the database key, by :func:`icv_app.store.keys.usable_keyring`:
a keyring backend that keeps secrets in a plain file counts as none.

The rest (server URL, username, user id, role, device id) is not secret and sits in the
local database's settings table, so a profile remembers its account across restarts.

Plain ``http://`` is refused except to this machine (localhost, 127.0.0.1, ::1) unless the
person explicitly allows it: a token sent in clear over a network is a token given away.
"""

from __future__ import annotations

import contextlib
import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from icv_app.store import settings as st
from icv_app.store.keys import KEYRING_SERVICE, Profile, usable_keyring
from icv_app.sync.errors import InsecureServerUrl, InvalidServerUrl

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable


_LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def token_entry(profile: Profile) -> str:
    return f"device-token/{profile.profile_id}"


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(url: str, allow_insecure: bool = False) -> str:
    """The URL normalised (no trailing slash, no query); raises if unusable or unsafe."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidServerUrl(
            f"{url!r} is not a server address; it looks like https://icv.example.org"
        )
    if parts.username or parts.password:
        raise InvalidServerUrl("Put the username in its own field, not in the server address.")
    if parts.scheme == "http" and not allow_insecure and not _is_loopback(parts.hostname):
        raise InsecureServerUrl(
            f"{url} is not encrypted (http, not https): your password and this laptop's "
            "access would cross the network in clear. Use the https:// address of the "
            "server, or allow insecure http explicitly if you are sure."
        )
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


@dataclass(frozen=True)
class Account:
    """The signed-in account of this profile (nothing secret)."""

    server_url: str
    username: str
    user_id: str
    role: str
    device_id: str
    device_name: str = ""
    allow_insecure: bool = False


def load_account(db: Queryable) -> Account | None:
    url = st.SERVER_URL.get(db)
    if not url:
        return None
    return Account(
        server_url=url,
        username=st.USERNAME.get(db),
        user_id=st.USER_ID.get(db),
        role=st.ROLE.get(db),
        device_id=st.DEVICE_ID.get(db),
        device_name=st.DEVICE_NAME.get(db),
        allow_insecure=st.ALLOW_INSECURE.get(db),
    )


def save_account(db: sqlite_utils.Database, account: Account) -> None:
    """Store the account; a different server or user starts pulling from the beginning."""
    with db.atomic():
        previous = load_account(db)
        if previous is not None and (
            previous.server_url != account.server_url or previous.user_id != account.user_id
        ):
            st.PULL_CURSOR.set(db, None)
        st.SERVER_URL.set(db, account.server_url)
        st.USERNAME.set(db, account.username)
        st.USER_ID.set(db, account.user_id)
        st.ROLE.set(db, account.role)
        st.DEVICE_ID.set(db, account.device_id)
        st.DEVICE_NAME.set(db, account.device_name)
        st.ALLOW_INSECURE.set(db, account.allow_insecure)


def clear_account(db: sqlite_utils.Database) -> None:
    with db.atomic():
        for setting in (*st.ACCOUNT, st.DEVICE_TOKEN_IN_DB):
            setting.set(db, None)


# The token ------------------------------------------------------------------------------
# Writers of the token run on the store's writer thread (they may touch the database).


def store_token(db: sqlite_utils.Database, profile: Profile, token: str) -> None:
    backend = usable_keyring()
    if backend is not None:
        backend.set_password(KEYRING_SERVICE, token_entry(profile), token)
        st.DEVICE_TOKEN_IN_DB.set(db, None)
    else:
        st.DEVICE_TOKEN_IN_DB.set(db, token)


def load_token(db: Queryable, profile: Profile) -> str | None:
    backend = usable_keyring()
    if backend is not None:
        token = backend.get_password(KEYRING_SERVICE, token_entry(profile))
        if token:
            return token
    return st.DEVICE_TOKEN_IN_DB.get(db) or None


def forget_token(db: sqlite_utils.Database, profile: Profile) -> None:
    backend = usable_keyring()
    if backend is not None:
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            backend.delete_password(KEYRING_SERVICE, token_entry(profile))
    st.DEVICE_TOKEN_IN_DB.set(db, None)
