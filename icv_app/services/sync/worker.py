"""The machinery under :class:`~icv_app.services.sync.SyncService`: one worker thread
(``icv-sync``) that runs the jobs it is given one at a time, schedules sync on its own, and
keeps the :class:`~icv_app.services.sync.status.SyncStatus` current.

Everything that touches the network (sign-in, sync, the reachability probe) runs on that
thread, so the caller's thread (the UI thread) never waits on the network. Methods that
start work return a :class:`concurrent.futures.Future`.

The worker also keeps the counts current: it recounts after each job and
:meth:`SyncWorker.refresh`, and notices other writes to the store (``PRAGMA
data_version``, checked every ``watch_interval`` seconds while idle).

It keeps sync going on its own: after a sync it schedules the next one
(``auto_interval``); when the server cannot be reached it probes ``GET /health`` with
growing, jittered pauses and syncs as soon as the server answers again ("the network came
back"). A hint from the OS that the network changed (:meth:`SyncWorker.network_changed`)
probes at once. Errors that need a person (sign in again, update the app, a revoked
laptop) stop the automatic attempts until the person acts.

What the worker runs besides sync (sign-in, sign-out, removing a revoked laptop's data)
and the problems a person must look at are :mod:`icv_app.services.sync.service`'s.
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
from typing import TYPE_CHECKING, Any, Self, TypeVar

from icv_app.log_privacy import withhold_messages
from icv_app.services.sync.status import Listener, SyncStatus
from icv_app.store import settings as st
from icv_app.store.records import list_held_aside
from icv_app.store.sync import sync_records as sr
from icv_app.sync import credentials as cred
from icv_app.sync.errors import SyncCancelled, SyncError

if TYPE_CHECKING:
    from icv_app.store.local_store import LocalStore
    from icv_app.sync.client import SyncClient
    from icv_app.sync.progress import SyncProgress, SyncSummary

# An unexpected failure's message can quote a report being synced: log where, not what.
log = withhold_messages(logging.getLogger(__name__))

T = TypeVar("T")


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


class SyncWorker:
    """The worker thread of one profile's sync, its queue, its schedule and its status
    (module doc). :class:`~icv_app.services.sync.SyncService` is what the app uses."""

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

    def __enter__(self) -> Self:
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
