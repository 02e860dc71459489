"""Work a survey page hands off the UI thread: reads through a connection of their own
(the store's ``reader`` belongs to the UI thread), and network calls on a thread of
their own. Pair the futures with :func:`icv_app.ui.shared.tasks.when_done`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, TypeVar, cast

from icv_app.ui.shared.tasks import run_in_background

if TYPE_CHECKING:
    import sqlcipher3

    from icv_app.store.local_store import LocalStore
    from icv_app.store.writer import Writer

T = TypeVar("T")


class WorkerStore:
    """The store as a worker thread uses it: a read connection of its own (the store's
    ``reader`` belongs to the UI thread) and the store's one writer. The services need
    no more of a store than these two."""

    def __init__(self, store: LocalStore) -> None:
        self.reader: sqlcipher3.Connection = store.new_reader()
        self.writer: Writer = store.writer

    def close(self) -> None:
        self.reader.close()


def on_worker(store: LocalStore, job: Callable[[LocalStore], T]) -> Future[T]:
    """Run ``job(worker_store)`` on the UI worker; pair with :func:`when_done`."""

    def run() -> T:
        worker = WorkerStore(store)
        try:
            return job(cast("LocalStore", worker))
        finally:
            worker.close()

    return run_in_background(run)


def on_own_thread(call: Callable[[], T], name: str) -> Future[T]:
    """Run ``call`` on a daemon thread of its own: network work that may take its time
    never holds up the UI worker, nor quitting."""
    future: Future[T] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(call())
        except BaseException as exc:  # handed to whoever waits on the future
            future.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
