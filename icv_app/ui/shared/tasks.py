"""Results of background work, delivered on the Qt main thread.

The store's writer thread (and the small worker pool below, for pure CPU work such as a
PDF) resolves ``concurrent.futures.Future`` objects on its own thread. Widgets must only
be touched on the main thread, so :func:`when_done` posts the outcome back through a
queued signal: the UI never blocks on ``future.result()``.

A callback is dropped when the ``receiver`` it belongs to has been deleted in the
meantime (a form closed while its save was in flight), instead of touching a dead widget.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot

T = TypeVar("T")

Success = Callable[[Any], None]
Failure = Callable[[BaseException], None]


class _Dispatcher(QObject):
    """Lives on the main thread; runs callables posted to it from any thread.

    Signals:
        posted(object): a zero-argument callable to run on the main thread.
    """

    posted = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.posted.connect(self._run, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _run(self, call: Callable[[], None]) -> None:
        call()


_dispatcher: _Dispatcher | None = None
_dispatcher_lock = threading.Lock()


def _get_dispatcher() -> _Dispatcher:
    global _dispatcher
    with _dispatcher_lock:
        if _dispatcher is None or not shiboken6.isValid(_dispatcher):
            app = QCoreApplication.instance()
            if app is None:
                raise RuntimeError("create the QApplication before watching futures")
            dispatcher = _Dispatcher()
            # Created on whichever thread asked first; it must live where the widgets live.
            dispatcher.moveToThread(app.thread())
            _dispatcher = dispatcher
        return _dispatcher


def when_done(
    future: Future[T],
    receiver: QObject | None,
    on_success: Success,
    on_failure: Failure | None = None,
) -> None:
    """Call ``on_success(result)`` or ``on_failure(exception)`` on the main thread.

    Never blocks: if the future is already done the call is still queued, so callers see
    the same order of events either way. Without ``on_failure`` an exception is re-raised
    on the main thread, where Qt's (and pytest-qt's) exception hooks report it.
    """
    dispatcher = _get_dispatcher()

    def deliver(done: Future[T]) -> None:
        if receiver is not None and not shiboken6.isValid(receiver):
            return
        exc = done.exception()
        if exc is None:
            on_success(done.result())
        elif on_failure is not None:
            on_failure(exc)
        else:
            raise exc

    def post(done: Future[T]) -> None:
        if shiboken6.isValid(dispatcher):
            dispatcher.posted.emit(lambda: deliver(done))

    future.add_done_callback(post)


# Pure CPU work (PDF documents) runs here, never on the store's writer thread and never on
# the UI thread. One worker keeps exports in order and leaves a core for the UI.
_pool: ThreadPoolExecutor | None = None


def run_in_background(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
    """Run ``fn(*args, **kwargs)`` on a worker thread; pair with :func:`when_done`."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="icv-ui-worker")
    return _pool.submit(fn, *args, **kwargs)
