"""The single writer: one thread owns the only write connection and runs jobs in order.

Like datasette's write thread and Anki's collection operations, every change to the
local database is a job handed to this thread, so the UI thread never waits on disk and
writes never interleave. Autosaves are coalesced per record: if a save of the same
visit is still queued when a newer one arrives, the queued one is replaced, so typing
fast never builds a backlog, and the newest state always wins.

Each job runs in one transaction (committed when it returns, rolled back when it
raises) unless it is submitted with ``transaction=False`` (VACUUM cannot run inside
one). After the commit, the records the job noted (:func:`icv_app.store.changes.note`)
are announced on the store's :class:`~icv_app.store.changes.ChangeHub` with the job's
``origin``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from icv_app.store import changes
from icv_app.store.changes import ChangeHub, StoreChange
from icv_app.store.errors import environment_error

if TYPE_CHECKING:
    import sqlite_utils


T = TypeVar("T")
Job = Callable[["sqlite_utils.Database"], Any]


@dataclass(frozen=True)
class _Queued:
    job: Job
    future: Future[Any]
    origin: str
    transaction: bool


class WriterClosed(RuntimeError):
    pass


class Writer:
    def __init__(
        self, open_db: Callable[[], sqlite_utils.Database], hub: ChangeHub | None = None
    ) -> None:
        self._open_db = open_db
        self.hub = hub or ChangeHub()
        self._jobs: OrderedDict[Hashable, _Queued] = OrderedDict()
        self._cond = threading.Condition()
        self._closed = False
        self._seq = 0
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name="icv-writer", daemon=True)
        self._thread.start()

    def wait_ready(self) -> None:
        """Block until the write connection is open (and migrated); re-raise its error."""
        self._ready.result()

    def submit(
        self,
        job: Callable[[sqlite_utils.Database], T],
        *,
        origin: str = changes.LOCAL,
        transaction: bool = True,
    ) -> Future[T]:
        with self._cond:
            self._seq += 1
            return self._enqueue(("job", self._seq), _Queued(job, Future(), origin, transaction))

    def submit_latest(
        self,
        key: Hashable,
        job: Callable[[sqlite_utils.Database], T],
        *,
        origin: str = changes.LOCAL,
    ) -> Future[T]:
        """Queue ``job`` under ``key``, replacing a queued, not yet started job of that key.

        Callers of the replaced job get the newer job's result, so everyone waiting on a
        save learns when their data (or newer data) is on disk.
        """
        with self._cond:
            pending = self._jobs.get(("latest", key))
            if pending is not None:
                self._jobs[("latest", key)] = _Queued(job, pending.future, origin, True)
                return pending.future
            return self._enqueue(("latest", key), _Queued(job, Future(), origin, True))

    def _enqueue(self, key: Hashable, queued: _Queued) -> Future[Any]:
        if self._closed:
            raise WriterClosed("the local store is closed")
        self._jobs[key] = queued
        self._cond.notify()
        return queued.future

    def flush(self) -> None:
        """Wait until every job queued so far has run."""
        self.submit(lambda db: None).result()

    def close(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._closed = True
            self._cond.notify()
        self._thread.join()

    def _run(self) -> None:
        try:
            db = self._open_db()
        except BaseException as exc:
            self._ready.set_exception(exc)
            with self._cond:
                self._closed = True
                jobs = list(self._jobs.values())
                self._jobs.clear()
            for queued in jobs:
                queued.future.set_exception(WriterClosed(str(exc)))
            return
        self._ready.set_result(None)
        try:
            while True:
                with self._cond:
                    while not self._jobs and not self._closed:
                        self._cond.wait()
                    if not self._jobs:
                        return
                    _, queued = self._jobs.popitem(last=False)
                self._run_one(db, queued)
        finally:
            db.close()

    def _run_one(self, db: sqlite_utils.Database, queued: _Queued) -> None:
        future = queued.future
        if not future.set_running_or_notify_cancel():
            return
        changes.begin(db)
        try:
            if queued.transaction:
                with db.atomic():
                    result = queued.job(db)
            else:
                result = queued.job(db)
        except BaseException as exc:
            if db.conn.in_transaction:
                db.conn.rollback()
            changes.collect(db)
            # Split as qutebrowser does: a full disk is the environment's fault (a clear
            # message, nothing lost); anything else is a bug and keeps its traceback.
            friendly = environment_error(exc)
            if friendly is not None:
                friendly.__cause__ = exc
                exc = friendly
            future.set_exception(exc)
            return
        changed = changes.collect(db)
        if changed:
            self.hub.publish(StoreChange(queued.origin, changed))
        future.set_result(result)
