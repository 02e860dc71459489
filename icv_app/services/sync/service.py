"""Sync for the app, without Qt: a background worker, its status, and the problems a
person must look at (conflicts side by side, records the server refused; the views of
those are built in :mod:`icv_app.services.sync.views` and re-exported here).

:class:`SyncService` owns one worker thread (``icv-sync``). Everything that touches the
network (sign-in, sync, the reachability probe) runs there, one job at a time, so the
caller's thread (the UI thread) never waits on the network. Methods that start work return
a :class:`concurrent.futures.Future`.

The worker also keeps the counts current: it recounts after each job and
:meth:`SyncService.refresh`, and notices other writes to the store (``PRAGMA
data_version``, checked every ``watch_interval`` seconds while idle).

It keeps sync going on its own: after a sync it schedules the next one
(``auto_interval``); when the server cannot be reached it probes ``GET /health`` with
growing, jittered pauses and syncs as soon as the server answers again ("the network came
back"). A hint from the OS that the network changed (:meth:`SyncService.network_changed`)
probes at once. Errors that need a person (sign in again, update the app, a revoked
laptop) stop the automatic attempts until the person acts.

Listeners get a :class:`SyncStatus` snapshot whenever anything in it changes, including
progress. **They are called on the worker thread**: a Qt GUI re-emits them as a signal
(queued to the UI thread) and must not touch widgets in the callback itself.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

from icv_app.services.sync.views import (
    ConflictView,
    FieldDifference,
    RejectedView,
    conflict_views,
    differences,
    rejected_views,
)
from icv_app.store import settings as st
from icv_app.store.records import HeldAside, list_held_aside
from icv_app.store.sync import sync_records as sr
from icv_app.sync import credentials as cred
from icv_app.sync.errors import SyncCancelled, SyncError

if TYPE_CHECKING:
    from icv_app.store.local_store import LocalStore
    from icv_app.sync.client import SyncClient, SyncProgress, SyncSummary

log = logging.getLogger(__name__)

T = TypeVar("T")
Listener = Callable[["SyncStatus"], None]


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar and the sync menu show. Immutable: a snapshot."""

    signed_in: bool = False
    server_url: str | None = None
    username: str | None = None
    role: str | None = None
    running: bool = False
    progress: SyncProgress | None = None  # while running: phase, done, total, label
    last_synced: dt.datetime | None = None
    pending: int = 0  # changes not yet on the server
    problems: int = 0  # refused records + conflicts waiting for a person
    last_error: str | None = None  # a sentence for the person, or None
    error_kind: str | None = None  # SyncError.kind: network, auth, revoked, ...
    online: bool | None = None  # None: not known yet
    next_attempt: dt.datetime | None = None  # when the service tries again on its own
    last_summary: SyncSummary | None = None

    @property
    def device_revoked(self) -> bool:
        """Offer to remove the local data (:meth:`SyncService.purge_local_data`)."""
        return self.error_kind == "revoked"

    @property
    def update_required(self) -> bool:
        return self.error_kind == "update_required"

    @property
    def needs_sign_in(self) -> bool:
        return not self.signed_in or self.error_kind in ("auth", "signed_out")


@dataclass
class _Job:
    kind: str
    future: Future[Any]
    run: Callable[[], Any] | None = None
    auto: bool = False


@dataclass
class _Schedule:
    due: float | None = None  # monotonic time of the next automatic attempt
    probe: bool = False  # the next attempt is a reachability probe, not a sync
    probe_delay: float = 0.0


class SyncService:
    """Background sync of one profile (module doc). Create it on the UI thread with the
    open store, :meth:`start` it, :meth:`close` it before the store."""

    def __init__(
        self,
        store: LocalStore,
        *,
        client: SyncClient | None = None,
        auto_interval: float = 300.0,
        first_sync_delay: float = 5.0,
        probe_min: float = 5.0,
        probe_max: float = 300.0,
        watch_interval: float = 2.0,
        rng: random.Random | None = None,
    ) -> None:
        if client is None:
            from icv_app.sync.client import SyncClient

            client = SyncClient(store)
        self.store = store
        self.client = client
        self.auto_interval = auto_interval
        self.first_sync_delay = first_sync_delay
        self.probe_min = probe_min
        self.probe_max = probe_max
        self.watch_interval = watch_interval
        self._data_version: int | None = None
        self._rng = rng or random.Random()
        self._cond = threading.Condition()
        self._jobs: list[_Job] = []
        self._queued_sync: Future[SyncSummary] | None = None
        self._cancel = threading.Event()
        self._schedule = _Schedule()
        self._closed = False
        self._thread: threading.Thread | None = None
        self._listeners: list[Listener] = []
        self._status = SyncStatus()
        self._status_lock = threading.Lock()

    # Life cycle -------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker; it reads the account and counts, then syncs after
        ``first_sync_delay`` seconds if the laptop is signed in."""
        with self._cond:
            if self._thread is not None or self._closed:
                return
            self._thread = threading.Thread(target=self._run, name="icv-sync", daemon=True)
            self._thread.start()

    def close(self, timeout: float = 10.0) -> None:
        """Cancel what is running, stop the worker, wait for it (bounded)."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cancel.set()
            pending, self._jobs = self._jobs, []
            self._cond.notify_all()
        for job in pending:
            job.future.cancel()
        if self._thread is not None:
            self._thread.join(timeout)

    def __enter__(self) -> SyncService:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Status -----------------------------------------------------------------------------
    def status(self) -> SyncStatus:
        with self._status_lock:
            return self._status

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(status)`` on every change (on the worker thread); returns a
        function that removes it."""
        with self._status_lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._status_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return remove

    def _update(self, **changes: Any) -> None:
        with self._status_lock:
            new = replace(self._status, **changes)
            if new == self._status:
                return
            self._status = new
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(new)
            except Exception:  # a listener's bug must not stop sync
                log.exception("sync status listener failed")

    # Actions (all return at once) -------------------------------------------------------
    def sync_now(self) -> Future[SyncSummary]:
        """Sync as soon as the worker is free. Asking again while one is queued returns
        the queued one; while one runs, another follows it (it will see newer edits)."""
        with self._cond:
            if self._queued_sync is not None:
                return self._queued_sync
            future: Future[SyncSummary] = Future()
            self._queued_sync = future
            self._enqueue(_Job("sync", future))
            return future

    def cancel(self) -> None:
        """Stop the running sync at the next safe point; what it stored is kept."""
        with self._cond:
            for job in [j for j in self._jobs if j.kind == "sync"]:
                self._jobs.remove(job)
                job.future.cancel()
            self._queued_sync = None
        self._cancel.set()

    def login(
        self,
        server_url: str,
        username: str,
        password: str,
        device_name: str = "",
        *,
        allow_insecure: bool = False,
        sync_after: bool = True,
    ) -> Future[cred.Account]:
        """Sign this laptop in (then sync, unless ``sync_after`` is False)."""

        def run() -> cred.Account:
            account = self.client.login(
                server_url, username, password, device_name, allow_insecure=allow_insecure
            )
            self._update(last_error=None, error_kind=None, online=True)
            self._reload_account()
            if sync_after:
                self.sync_now()
            return account

        return self._submit("login", run)

    def sign_out(self) -> Future[None]:
        """Forget this laptop's access (the server is told if it answers); data stays."""

        def run() -> None:
            self.client.sign_out()
            self._stop_auto()
            self._update(error_kind="signed_out", last_error=None, next_attempt=None)
            self._reload_account()

        return self._submit("sign_out", run)

    def purge_local_data(self, *, confirmed: bool) -> Future[int]:
        """Remove this profile's reports, account and token (a revoked laptop), only with
        the person's confirmation. The future gives how many records went."""
        if not confirmed:
            raise ValueError("purge_local_data needs the person's confirmation")

        def run() -> int:
            from icv_app.sync.client import purge_local_data

            removed = purge_local_data(self.store, confirmed=True)
            self._stop_auto()
            self._update(error_kind=None, last_error=None, last_synced=None,
                         next_attempt=None, last_summary=None)
            self._reload_account()
            return removed

        return self._submit("purge", run)

    def refresh(self) -> None:
        """Recount pending changes and problems (call after local edits)."""
        with self._cond:
            if not any(j.kind == "refresh" for j in self._jobs):
                self._enqueue(_Job("refresh", Future(), run=lambda: None))

    def network_changed(self) -> None:
        """The OS says the network changed: if the server was unreachable, probe now."""
        with self._cond:
            if self._schedule.probe:
                self._schedule.due = time.monotonic()
                self._schedule.probe_delay = 0.0
                self._cond.notify_all()

    # Problems for a person --------------------------------------------------------------
    # These read on the caller's thread with the store's reader (the UI thread, which
    # opened the store); the tables are small.
    def conflicts(self) -> list[ConflictView]:
        return conflict_views(self.store.reader)

    def rejected(self) -> list[RejectedView]:
        return rejected_views(self.store.reader)

    def held_aside(self) -> list[HeldAside]:
        """Pulled records this version of the app cannot read, kept until an update."""
        return list_held_aside(self.store.reader)

    def reopen_refused(self, record_id: str) -> Future[Any]:
        """A submitted report the server refused becomes a draft again (with the refusal
        kept in its audit trail), to be corrected and submitted anew."""
        from icv_app.store.custody import visits as visit_store

        future = self.store.writer.submit(lambda db: visit_store.reopen_refused(db, record_id))
        future.add_done_callback(lambda f: self._after_local_fix(f, False))
        return future

    def discard_rejected(
        self, record_type: str, record_id: str, *, sync_after: bool = True
    ) -> Future[None]:
        """Drop this laptop's refused change (the person confirmed): the server's copy,
        if it has one, comes back with the next sync."""
        future = self.store.writer.submit(
            lambda db: sr.discard_rejected(db, record_type, record_id))
        future.add_done_callback(lambda f: self._after_local_fix(f, sync_after))
        return future

    def resolve_conflict(
        self, record_type: str, record_id: str, keep: str, *, sync_after: bool = True
    ) -> Future[None]:
        """``keep="mine"`` sends this laptop's copy as the next version; ``"server"``
        takes the server's. Then syncs (unless ``sync_after`` is False)."""
        if keep not in ("mine", "server"):
            raise ValueError("keep must be 'mine' or 'server'")
        future = self.store.writer.submit(
            lambda db: sr.resolve_conflict(db, record_type, record_id, keep))
        future.add_done_callback(lambda f: self._after_local_fix(f, sync_after))
        return future

    def retry_rejected(
        self, record_type: str, record_id: str, *, sync_after: bool = True
    ) -> Future[None]:
        """Send a refused record again (after it was corrected, or the server changed)."""
        future = self.store.writer.submit(
            lambda db: sr.retry_rejected(db, record_type, record_id))
        future.add_done_callback(lambda f: self._after_local_fix(f, sync_after))
        return future

    def _after_local_fix(self, future: Future[Any], sync_after: bool) -> None:
        if future.exception() is not None or self._closed:
            return
        if sync_after and self.status().signed_in:
            self.sync_now()
        else:
            self.refresh()

    # The worker -----------------------------------------------------------------------
    def _submit(self, kind: str, run: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._cond:
            self._enqueue(_Job(kind, future, run=run))
        return future

    def _enqueue(self, job: _Job) -> None:
        if self._closed:
            job.future.set_exception(RuntimeError("sync has been shut down"))
            return
        self._jobs.append(job)
        self._cond.notify_all()

    def _run(self) -> None:
        self._reader = self.store.new_reader()
        try:
            self._reload_account()
            self._recount()
            if self.status().signed_in and self.first_sync_delay >= 0:
                self._schedule_next(self.first_sync_delay)
            while True:
                job = self._next_job()
                if job is None:
                    return
                self._do(job)
        finally:
            self._reader.close()

    def _next_job(self) -> _Job | None:
        with self._cond:
            while not self._closed:
                if self._jobs:
                    job = self._jobs.pop(0)
                    if job.kind == "sync":
                        if job.future is self._queued_sync:
                            self._queued_sync = None
                        # Cleared here, under the lock cancel() takes: a Cancel pressed
                        # from now on reaches this sync, however soon it comes.
                        self._cancel.clear()
                    return job
                due = self._schedule.due
                now = time.monotonic()
                if due is not None and due <= now:
                    self._schedule.due = None
                    kind = "probe" if self._schedule.probe else "sync"
                    if kind == "sync":
                        self._cancel.clear()
                    return _Job(kind, Future(), auto=True)
                timeout = None if due is None else due - now
                if self.watch_interval > 0:
                    timeout = min(timeout or self.watch_interval, self.watch_interval)
                if not self._cond.wait(timeout) and self._store_changed():
                    return _Job("refresh", Future(), run=lambda: None)
            return None

    def _store_changed(self) -> bool:
        """Did another connection write since we last counted? (Writes that did not call
        :meth:`refresh`: an import, a command, another window.) Cheap: one pragma."""
        try:
            version = int(self._reader.execute("PRAGMA data_version").fetchone()[0])
        except Exception:  # the store closing under us at exit
            return False
        return version != self._data_version

    def _do(self, job: _Job) -> None:
        if not job.future.set_running_or_notify_cancel():
            return
        try:
            if job.kind == "sync":
                result: Any = self._sync()
            elif job.kind == "probe":
                result = self._probe()
            else:
                assert job.run is not None
                result = job.run()
        except BaseException as exc:  # the future carries it to whoever asked
            self._recount()
            job.future.set_exception(exc)
        else:
            # Counted before the future resolves: whoever waited sees a current status.
            self._recount()
            job.future.set_result(result)

    def _sync(self) -> SyncSummary:
        self._update(running=True, progress=None)
        try:
            summary = self.client.sync(progress=self._on_progress, cancel=self._cancel)
        except SyncCancelled as exc:
            self._update(running=False, progress=None, last_error=exc.message,
                         error_kind=exc.kind)
            self._schedule_periodic()
            raise
        except SyncError as exc:
            self._update(running=False, progress=None, last_error=exc.message,
                         error_kind=exc.kind, online=False if exc.retryable else None)
            if exc.retryable:
                self._start_probing()
            else:
                self._stop_auto()
            raise
        except Exception as exc:
            log.exception("sync failed")
            self._update(running=False, progress=None, error_kind="bug",
                         last_error=f"Sync failed unexpectedly ({type(exc).__name__}); "
                         "your changes are kept on this laptop.")
            self._schedule_periodic()
            raise
        self._update(running=False, progress=None, last_error=None, error_kind=None,
                     online=True, last_synced=summary.last_synced, last_summary=summary)
        self._schedule_periodic()
        return summary

    def _probe(self) -> bool:
        """Is the server back? If so, sync now; if not, wait longer."""
        try:
            self.client.health(timeout=5.0)
        except SyncError as exc:
            if not exc.retryable:
                self._update(last_error=exc.message, error_kind=exc.kind, online=True)
                self._stop_auto()
                return False
            self._start_probing()
            return False
        self._update(online=True)
        self._stop_auto()  # the sync below schedules what comes next
        self.sync_now()
        return True

    def _on_progress(self, progress: SyncProgress) -> None:
        self._update(progress=progress)

    def _start_probing(self) -> None:
        """Probe after a pause that doubles each time the server stays away."""
        with self._cond:
            previous = self._schedule.probe_delay if self._schedule.probe else 0.0
        self._schedule_next(min(self.probe_max, max(self.probe_min, previous * 2)), probe=True)

    def _schedule_periodic(self) -> None:
        self._schedule_next(self.auto_interval if self.auto_interval > 0 else None)

    def _stop_auto(self) -> None:
        self._schedule_next(None)

    def _schedule_next(self, delay: float | None, probe: bool = False) -> None:
        """The next automatic attempt in ``delay`` seconds (None: none until asked)."""
        if delay is None:
            with self._cond:
                self._schedule = _Schedule()
            self._update(next_attempt=None)
            return
        # Jitter (up to a fifth) so laptops that lost the network together do not all
        # come back in the same second.
        jittered = delay * (1 + self._rng.uniform(0, 0.2))
        with self._cond:
            self._schedule = _Schedule(time.monotonic() + jittered, probe, delay)
            self._cond.notify_all()
        self._update(next_attempt=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=jittered))

    def _reload_account(self) -> None:
        account = cred.load_account(self._reader)
        profile = self.store.profile
        token = cred.load_token(self._reader, profile)
        last = st.LAST_SYNCED.get(self._reader)
        self._update(
            signed_in=account is not None and bool(token),
            server_url=account.server_url if account else None,
            username=account.username if account else None,
            role=account.role if account else None,
            last_synced=last,
        )
        if account is None or not token:
            self._stop_auto()

    def _recount(self) -> None:
        db: Any = self._reader
        try:
            self._data_version = int(db.execute("PRAGMA data_version").fetchone()[0])
            pending = sr.count_pending(db)
            problems = (len(sr.list_conflicts(db)) + len(sr.list_rejected(db))
                        + len(list_held_aside(db)))
        except Exception:  # the store closing under us at exit
            log.debug("could not count pending changes", exc_info=True)
            return
        self._update(pending=pending, problems=problems)


__all__ = [
    "ConflictView",
    "FieldDifference",
    "RejectedView",
    "SyncService",
    "SyncStatus",
    "differences",
]
