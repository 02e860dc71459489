"""The laptop's side of sync: sign in, push, pull, check, retention. Headless, no Qt.

One :meth:`SyncClient.sync` does, in order (``shared/design.md``):

1. **push** the unsynced records in batches, storing the server's answer for each batch
   before sending the next (accepted / duplicate / conflict / rejected); each batch is
   kept small enough for a reverse proxy's default body limit, and halved if the server
   or a proxy still answers 413 (too large);
2. **pull** the pages of changes since the stored cursor, each page applied together with
   its cursor in one transaction on the store's writer thread;
3. **check** count and digest of what is in scope against what the laptop holds; on a
   mismatch, re-pull everything from the start (keeping every unsynced local change) and
   re-send whatever the server turns out not to have;
4. **retention**: purge submitted reports that are safely on the server and older than the
   scheme's ``retention_days`` (volunteers' laptops).

Network faults and busy servers are retried with exponential back-off and jitter; a
request retried after a lost answer is safe because the server answers ``duplicate`` for
a change it already stored. Every error that reaches the caller is a
:class:`~icv_app.sync.errors.SyncError` with a message for the person using the app.
Progress is stored as it is made, so a sync interrupted at any point (cancelled, network
gone, app killed) loses nothing and the next one carries on. The requests themselves (the
retries, the typed errors, parsing answers, the server's clock) are
:mod:`icv_app.sync.http`'s; what each phase sends and stores is :mod:`icv_app.sync.phases`'s;
this module signs in and out, holds the credentials, opens the connection and runs the
phases in order.

All database access goes through ``store.writer``: the client runs on a worker thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import httpx
import pydantic
import sqlite_utils

from icv_app import kinds
from icv_app.store import changes, settings as st
from icv_app.store.local_store import LocalStore
from icv_app.store.records import retry_held_aside
from icv_app.store.sync import sync_records as sr
from icv_app.sync import after_sync, credentials as cred, phases
from icv_app.sync.errors import (
    AccountMismatch,
    AuthFailed,
    NotSignedIn,
    SyncError,
    UpdateRequired,
)
from icv_app.sync.http import HttpSession, RetryPolicy, open_client
from icv_app.sync.phases import CHECK_PATH, PULL_PATH, PUSH_PATH, SETTINGS_PATH, SyncRun
from icv_app.sync.progress import ProgressCallback, SyncProgress, SyncSummary
from icv_app.sync.wire import (
    API_PREFIX,
    DEFAULT_PULL_LIMIT,
    MAX_PUSH_BATCH,
    WIRE_SCHEMA,
    HealthResponse,
    LoginRequest,
    LoginResponse,
)

HEALTH_PATH = "/health"
LOGIN_PATH = f"{API_PREFIX}/login"
LOGOUT_PATH = f"{API_PREFIX}/logout"

# Roles whose laptops purge old submitted reports (the issue: "a volunteer's laptop").
RETENTION_ROLES = frozenset({"volunteer"})

T = TypeVar("T")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class SyncClient:
    """Sign in and sync one profile's store. Call from a worker thread, never the UI's.

    ``transport`` replaces the network (tests: the in-process server, fault injection).
    """

    def __init__(
        self,
        store: LocalStore,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        push_batch: int = 200,
        pull_limit: int = DEFAULT_PULL_LIMIT,
        rng: random.Random | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.store = store
        self._transport = transport
        self._timeout = timeout
        self.retry = retry or RetryPolicy()
        self.push_batch = max(1, min(push_batch, MAX_PUSH_BATCH))
        self.pull_limit = pull_limit
        self._rng = rng or random.Random()
        self._clock = clock

    # Public API -----------------------------------------------------------------------
    def account(self) -> cred.Account | None:
        return self._db(cred.load_account)

    def login(
        self,
        server_url: str,
        username: str,
        password: str,
        device_name: str = "",
        *,
        allow_insecure: bool = False,
    ) -> cred.Account:
        """Register this laptop with the server as ``username``; keep its token.

        The password is sent once and never stored. Not retried: a person is waiting.
        """
        url = cred.check_server_url(server_url, allow_insecure)
        username = username.strip()
        if not username or not password:
            raise AuthFailed("Enter your username and password.")
        previous, has_synced = self._db(
            lambda db: (cred.load_account(db), _holds_synced_records(db))
        )
        if (
            previous is not None
            and has_synced
            and (
                previous.server_url != url
                or previous.username.casefold() != username.casefold()
            )
        ):
            raise AccountMismatch(
                f"This profile holds reports of {previous.username} on {previous.server_url}. "
                "Sign in as that account here, or use another profile (--data-dir) for "
                f"{username}."
            )
        try:
            body = LoginRequest(
                username=username, password=password, device_name=device_name[:100]
            ).model_dump(mode="json")
        except pydantic.ValidationError:
            raise AuthFailed(
                "That username or device name cannot be right (too long, or it holds "
                "control characters)."
            ) from None
        with self._connect(url) as http:
            response = http.call("POST", LOGIN_PATH, LoginResponse, json=body, retry=False)
        account = cred.Account(
            server_url=url,
            username=response.username,
            user_id=response.user_id,
            role=response.role.value,
            device_id=response.device_id,
            device_name=device_name,
            allow_insecure=allow_insecure,
        )
        profile = self.store.profile

        def keep(db: sqlite_utils.Database) -> None:
            with db.atomic():
                cred.save_account(db, account)
                cred.store_token(db, profile, response.device_token)

        self._db(keep)
        return account

    def sign_out(self, *, tell_server: bool = True) -> None:
        """Forget the token (and tell the server, if it can be reached); keep the data."""
        account, token = self._credentials(required=False)
        if tell_server and account is not None and token:
            try:
                with self._connect(account.server_url, token) as http:
                    http.call("POST", LOGOUT_PATH, None, retry=False)
            except SyncError:
                pass  # signing out here must work offline too
        profile = self.store.profile
        self._db(lambda db: cred.forget_token(db, profile))

    def health(self, server_url: str | None = None, timeout: float = 5.0) -> HealthResponse:
        """Is the server up (no sign-in needed)? Raises NetworkError / ServerUnavailable,
        or UpdateRequired if it no longer serves this app version."""
        if server_url is None:
            account = self.account()
            if account is None:
                raise NotSignedIn()
            server_url = account.server_url
        with self._connect(server_url, timeout=timeout) as http:
            health = http.call("GET", HEALTH_PATH, HealthResponse, retry=False)
        if not health.min_client_schema <= WIRE_SCHEMA <= health.max_client_schema:
            raise UpdateRequired()
        return health

    def sync(
        self,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> SyncSummary:
        """Push, pull, check, purge (module doc). Raises a SyncError subclass."""
        account, token = self._credentials(required=True)
        assert account is not None
        self._db(sr.settle_identical_conflicts)
        # Records held aside by an older version of the app may be readable now.
        self._db(retry_held_aside)
        with self._connect(account.server_url, token, cancel) as http:
            s = SyncRun(http, account, progress, db=self._db, push_batch=self.push_batch,
                        pull_limit=self.pull_limit, clock=self._clock)
            phases.push(s)
            phases.pull(s)
            s.summary.check_ok = phases.check(s)
            if s.summary.check_ok is False:
                phases.full_repull(s)
                phases.push(s)
                phases.pull(s)
                s.summary.check_ok = phases.check(s)
            if s.summary.check_ok and account.role in RETENTION_ROLES:
                phases.retention(s)
            after_sync.run_all(s)
        s.summary.retries = http.retries
        now = self._clock()
        self._db(lambda db: st.LAST_SYNCED.set(db, now))
        s.summary.last_synced = now
        return s.summary

    # Plumbing -------------------------------------------------------------------------
    def _db(self, job: Callable[[sqlite_utils.Database], T]) -> T:
        return self.store.writer.submit(job, origin=changes.SYNC).result()

    def _credentials(self, required: bool) -> tuple[cred.Account | None, str | None]:
        profile = self.store.profile
        account, token = self._db(
            lambda db: (cred.load_account(db), cred.load_token(db, profile))
        )
        if required and (account is None or not token):
            raise NotSignedIn(
                "This laptop is not signed in to a server yet."
                if account is None
                else "Sign in again: this laptop's access to the server is not on record."
            )
        if account is not None:
            # Re-checked on every use: settings could have been edited by hand.
            cred.check_server_url(account.server_url, account.allow_insecure)
        return account, token

    @contextlib.contextmanager
    def _connect(
        self,
        server_url: str,
        token: str | None = None,
        cancel: threading.Event | None = None,
        timeout: float | None = None,
    ) -> Iterator[HttpSession]:
        # WIRE_SCHEMA is read here, at call time, from this module: the number sent is then
        # the one health() checks (and a test can pretend to be an app from long ago).
        with open_client(server_url, schema=WIRE_SCHEMA, timeout=timeout or self._timeout,
                         transport=self._transport) as http:
            yield HttpSession(http, token=token, cancel=cancel, retry=self.retry,
                              rng=self._rng)


def purge_local_data(store: LocalStore, *, confirmed: bool) -> int:
    """Remove this profile's records, sync bookkeeping, account and device token.

    For a revoked laptop, once the person has said yes (the GUI asks; pass
    ``confirmed=True``). Records never sent are lost with the rest: the dialog should say
    how many (:func:`icv_app.store.sync.sync_records.count_pending`). Returns how many records
    were removed.
    """
    if not confirmed:
        raise ValueError("purge_local_data needs the person's confirmation (confirmed=True)")
    profile = store.profile

    def job(db: sqlite_utils.Database) -> int:
        removed = sr.purge_all(db)
        with db.atomic():
            cred.clear_account(db)
            st.LAST_SYNCED.set(db, None)
            cred.forget_token(db, profile)
        db.execute("VACUUM")  # no readable remains of deleted pages in the file
        return removed

    # Not one transaction: VACUUM cannot run inside one (the steps above make their own).
    return store.writer.submit(job, origin=changes.SYNC, transaction=False).result()


# Helpers -------------------------------------------------------------------------------

def _holds_synced_records(db: sqlite_utils.Database) -> bool:
    return any(
        db.execute(f"SELECT 1 FROM {k.table} WHERE base_rev > 0 LIMIT 1").fetchone()
        for k in kinds.all_kinds()
    ) or bool(db.execute("SELECT 1 FROM purged LIMIT 1").fetchone())


__all__ = [
    "CHECK_PATH",
    "HEALTH_PATH",
    "LOGIN_PATH",
    "LOGOUT_PATH",
    "PULL_PATH",
    "PUSH_PATH",
    "RETENTION_ROLES",
    "SETTINGS_PATH",
    "ProgressCallback",
    "RetryPolicy",
    "SyncClient",
    "SyncProgress",
    "SyncSummary",
    "purge_local_data",
    "utc_now",
]
