"""The laptop's side of sync: sign in, push, pull, check, retention. Headless, no Qt.

One :meth:`SyncClient.sync` does, in order (``shared/design.md``):

1. **push** the unsynced records in batches, storing the server's answer for each batch
   before sending the next (accepted / duplicate / conflict / rejected);
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
:mod:`icv_app.sync.http`'s; this module is what the sync does with them.

All database access goes through ``store.writer``: the client runs on a worker thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import random
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import httpx
import pydantic
import sqlite_utils

from icv_app import kinds
from icv_app.store import changes, settings as st
from icv_app.store.local_store import LocalStore
from icv_app.store.records import retry_held_aside
from icv_app.store.sync import sync_records as sr
from icv_app.sync import credentials as cred
from icv_app.sync.errors import (
    AccountMismatch,
    AuthFailed,
    NotSignedIn,
    ProtocolError,
    SyncError,
    UpdateRequired,
)
from icv_app.sync.http import HttpSession, RetryPolicy, open_client
from icv_app.sync.wire import (
    API_PREFIX,
    DEFAULT_PULL_LIMIT,
    MAX_PUSH_BATCH,
    WIRE_SCHEMA,
    CheckResponse,
    HealthResponse,
    LoginRequest,
    LoginResponse,
    PullResponse,
    PushRecord,
    PushRequest,
    PushResponse,
    PushResult,
    PushStatus,
    SchemeSettings,
)

HEALTH_PATH = "/health"
LOGIN_PATH = f"{API_PREFIX}/login"
LOGOUT_PATH = f"{API_PREFIX}/logout"
PUSH_PATH = f"{API_PREFIX}/sync/push"
PULL_PATH = f"{API_PREFIX}/sync/pull"
CHECK_PATH = f"{API_PREFIX}/sync/check"
SETTINGS_PATH = f"{API_PREFIX}/settings"

# Roles whose laptops purge old submitted reports (the issue: "a volunteer's laptop").
RETENTION_ROLES = frozenset({"volunteer"})

T = TypeVar("T")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@dataclass(frozen=True)
class SyncProgress:
    """Where a running sync is. ``phase`` is one of push, pull, check, repull, retention;
    ``total`` is None where it is not known in advance (pulling)."""

    phase: str
    done: int = 0
    total: int | None = None

    @property
    def label(self) -> str:
        names = {
            "push": "Sending changes",
            "pull": "Receiving changes",
            "check": "Checking",
            "repull": "Re-reading everything from the server",
            "retention": "Tidying up old reports",
        }
        text = names.get(self.phase, self.phase)
        if self.total:
            return f"{text} ({self.done} of {self.total})"
        return f"{text} ({self.done})" if self.done else text


ProgressCallback = Callable[[SyncProgress], None]


@dataclass
class SyncSummary:
    """What one sync did."""

    pushed: int = 0  # records sent (a retried batch counts once)
    accepted: int = 0
    duplicates: int = 0  # already stored by an earlier try: success
    conflicts: int = 0  # push conflicts and pulled changes that met a local edit
    rejected: int = 0
    pulled: int = 0
    purged: int = 0
    retries: int = 0
    repulled: bool = False  # the check disagreed and everything was re-read
    resent: int = 0  # records the server turned out not to have, sent again
    check_ok: bool | None = None  # None: the server was too busy to compare
    last_synced: dt.datetime | None = None

    def describe(self) -> str:
        parts = [
            f"sent {self.pushed} (accepted {self.accepted}, already there "
            f"{self.duplicates}, conflicts {self.conflicts}, rejected {self.rejected})",
            f"received {self.pulled}",
        ]
        if self.purged:
            parts.append(f"removed {self.purged} old submitted reports from this laptop")
        if self.repulled:
            parts.append("re-read everything from the server after a mismatch")
        return "; ".join(parts)


@dataclass
class _Session:
    """One sync's requests, whose account they are for, and what it did on the way."""

    http: HttpSession
    account: cred.Account | None
    progress: ProgressCallback | None
    summary: SyncSummary = field(default_factory=SyncSummary)

    def report(self, phase: str, done: int = 0, total: int | None = None) -> None:
        if self.progress is not None:
            self.progress(SyncProgress(phase, done, total))


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
            s = _Session(http, account, progress)
            self._push(s)
            self._pull(s)
            s.summary.check_ok = self._check(s)
            if s.summary.check_ok is False:
                self._full_repull(s)
                self._push(s)
                self._pull(s)
                s.summary.check_ok = self._check(s)
            if s.summary.check_ok and account.role in RETENTION_ROLES:
                self._retention(s)
        s.summary.retries = http.retries
        now = self._clock()
        self._db(lambda db: st.LAST_SYNCED.set(db, now))
        s.summary.last_synced = now
        return s.summary

    # Phases ---------------------------------------------------------------------------
    def _push(self, s: _Session) -> None:
        """Send each unsynced record once. A record edited while this runs (someone is
        typing) goes with the next sync: pushing every keystroke's rev here would never
        end."""
        total = self._db(sr.count_pending)
        sent: set[tuple[str, str]] = set()
        done = 0
        s.report("push", 0, total)
        while True:
            s.http.check_cancel()
            batch = self._db(lambda db: sr.pending(db, self.push_batch, skip=sent))
            if not batch:
                return
            request = PushRequest(
                records=[
                    PushRecord(
                        type=r.type,
                        id=r.id,  # type: ignore[arg-type]
                        rev=r.rev,
                        base_rev=r.base_rev,
                        deleted=r.deleted,
                        body=r.body,
                        modified_at=_parse_time(r.modified_at),
                    )
                    for r in batch
                ]
            )
            response = s.http.call(
                "POST", PUSH_PATH, PushResponse, json=request.model_dump(mode="json")
            )
            outcomes = self._outcomes(s, batch, response.results)
            self._db(functools.partial(sr.record_outcomes, outcomes=outcomes))
            sent.update((r.type, r.id) for r in batch)
            done += len(batch)
            s.summary.pushed += len(batch)
            s.report("push", done, max(total, done))

    def _outcomes(
        self, s: _Session, batch: list[sr.OutgoingRecord], results: list[PushResult]
    ) -> list[sr.PushOutcome]:
        by_key = {(r.type, r.id.lower(), r.rev): r for r in results}
        outcomes = []
        for record in batch:
            result = by_key.get((record.type, record.id.lower(), record.rev))
            if result is None:
                continue  # not answered: stays pending, sent again next time
            status = result.status
            if status in (PushStatus.ACCEPTED, PushStatus.DUPLICATE):
                if status is PushStatus.ACCEPTED:
                    s.summary.accepted += 1
                else:
                    s.summary.duplicates += 1
                # The first pusher of a new record is its owner.
                owner = s.account.user_id if s.account and record.base_rev == 0 else None
                outcomes.append(
                    sr.PushOutcome(record.type, record.id, record.rev, status.value,
                                   owner_id=owner)
                )
            elif status is PushStatus.CONFLICT:
                s.summary.conflicts += 1
                server = result.server
                outcomes.append(
                    sr.PushOutcome(
                        record.type, record.id, record.rev, "conflict",
                        reason=result.reason or "",
                        server_rev=server.rev if server else 0,
                        server_deleted=server.deleted if server else False,
                        server_body=server.body if server else None,
                    )
                )
            else:
                s.summary.rejected += 1
                outcomes.append(
                    sr.PushOutcome(record.type, record.id, record.rev, "rejected",
                                   reason=_rejection_text(result),
                                   code=result.code.value if result.code else None)
                )
        return outcomes

    def _pull(
        self,
        s: _Session,
        since: int | None = None,
        seen: dict[tuple[str, str], tuple[int, bool]] | None = None,
        phase: str = "pull",
    ) -> int:
        """Pull every page after ``since`` (default: the stored cursor); returns how many
        changes came. ``seen`` collects each record's latest (rev, deleted)."""
        if since is None:
            since = self._cursor()
        count = 0
        s.report(phase, 0)
        while True:
            s.http.check_cancel()
            page = s.http.call(
                "GET", PULL_PATH, PullResponse,
                params={"since": since, "limit": self.pull_limit},
            )
            changes = [
                sr.IncomingChange(c.type, c.id, c.rev, c.deleted, c.body, c.owner_id)
                for c in page.changes
            ]
            next_since = page.next_since

            def apply(db: sqlite_utils.Database, changes: list[sr.IncomingChange] = changes,
                      next_since: int = next_since) -> int:
                return sr.apply_changes(db, changes, next_since)

            try:
                s.summary.conflicts += self._db(apply)
            except (ValueError, TypeError, KeyError) as exc:
                raise ProtocolError(
                    "A change from the server could not be stored on this laptop "
                    f"({type(exc).__name__}); this version of the app may be too old. "
                    "Nothing was lost."
                ) from exc
            if seen is not None:
                for c in changes:
                    seen[(c.type, c.id)] = (c.rev, c.deleted)
            count += len(changes)
            s.summary.pulled += len(changes)
            s.report(phase, count)
            if not page.has_more or (not changes and next_since <= since):
                return count
            since = next_since

    def _check(self, s: _Session) -> bool | None:
        """Compare what is in scope on the server with what the laptop holds.

        True: they agree; False: they do not (re-pull); None: the server kept moving
        under us and there was no quiet moment to compare (not an error).
        """
        s.report("check")
        for _ in range(3):
            s.http.check_cancel()
            check = s.http.call("GET", CHECK_PATH, CheckResponse)
            cursor = self._cursor()
            if check.as_of_seq < cursor:
                return False  # the server has gone back in time (restored from a backup)
            if check.as_of_seq > cursor and self._pull(s) > 0:
                continue  # we have moved past this check's snapshot: ask again
            local = self._db(sr.synced_digest)
            return local == (check.count, check.digest)
        return None

    def _full_repull(self, s: _Session) -> None:
        """Re-read every record in scope from seq 0. Unsynced local changes are kept
        (they become conflicts where the server moved on); records the server turns out
        not to have are marked to be sent again."""
        s.summary.repulled = True
        seen: dict[tuple[str, str], tuple[int, bool]] = {}
        self._pull(s, since=0, seen=seen, phase="repull")
        user_id = s.account.user_id if s.account else ""
        resend, _dropped, _forgotten = self._db(lambda db: sr.reconcile(db, seen, user_id))
        s.summary.resent += resend

    def _retention(self, s: _Session) -> None:
        s.report("retention")
        settings = s.http.call("GET", SETTINGS_PATH, SchemeSettings)
        # The server's clock, where it gave one: a laptop clock that is off must not purge
        # early (nothing is ordered by client time).
        now = (s.http.server_now or self._clock()).isoformat()
        days = settings.retention_days
        s.summary.purged = self._db(lambda db: sr.purge_retained(db, days, now))

    # Plumbing -------------------------------------------------------------------------
    def _db(self, job: Callable[[sqlite_utils.Database], T]) -> T:
        return self.store.writer.submit(job, origin=changes.SYNC).result()

    def _cursor(self) -> int:
        return self._db(st.PULL_CURSOR.get)

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


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _rejection_text(result: PushResult) -> str:
    text = result.reason or "The server refused this record."
    if result.problems:
        text += " " + "; ".join(f"{p.field}: {p.message}" for p in result.problems)
    return text
