"""The single writer: one thread owns the only write connection and runs jobs in order.

Like datasette's write thread and Anki's collection operations, every change to the
local database is a job handed to this thread, so the UI thread never waits on disk and
writes never interleave. Autosaves are coalesced per record: if a save of the same
visit is still queued when a newer one arrives, the queued one is replaced, so typing
fast never builds a backlog, and the newest state always wins.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import sqlite_utils



T = TypeVar("T")
Job = Callable[["sqlite_utils.Database"], Any]


class WriterClosed(RuntimeError):
    pass


class Writer:
    def __init__(self, open_db: Callable[[], sqlite_utils.Database]) -> None:
        self._open_db = open_db
        self._jobs: OrderedDict[Hashable, tuple[Job, Future[Any]]] = OrderedDict()
        self._cond = threading.Condition()
        self._closed = False
        self._seq = 0
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name="icv-writer", daemon=True)
        self._thread.start()

    def wait_ready(self) -> None:
        """Block until the write connection is open (and migrated); re-raise its error."""
        self._ready.result()

    def submit(self, job: Callable[[sqlite_utils.Database], T]) -> Future[T]:
        with self._cond:
            self._seq += 1
            return self._enqueue(("job", self._seq), job)

    def submit_latest(
        self, key: Hashable, job: Callable[[sqlite_utils.Database], T]
    ) -> Future[T]:
        """Queue ``job`` under ``key``, replacing a queued, not yet started job of that key.

        Callers of the replaced job get the newer job's result, so everyone waiting on a
        save learns when their data (or newer data) is on disk.
        """
        with self._cond:
            pending = self._jobs.get(("latest", key))
            if pending is not None:
                future = pending[1]
                self._jobs[("latest", key)] = (job, future)
                return future
            return self._enqueue(("latest", key), job)

    def _enqueue(self, key: Hashable, job: Job) -> Future[Any]:
        if self._closed:
            raise WriterClosed("the local store is closed")
        future: Future[Any] = Future()
        self._jobs[key] = (job, future)
        self._cond.notify()
        return future

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
            for _, future in jobs:
                future.set_exception(WriterClosed(str(exc)))
            return
        self._ready.set_result(None)
        try:
            while True:
                with self._cond:
                    while not self._jobs and not self._closed:
                        self._cond.wait()
                    if not self._jobs:
                        return
                    _, (job, future) = self._jobs.popitem(last=False)
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    result = job(db)
                except BaseException as exc:
                    if db.conn.in_transaction:
                        db.conn.rollback()
                    future.set_exception(exc)
                else:
                    future.set_result(result)
        finally:
            db.close()
