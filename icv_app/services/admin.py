"""Administration of the central store for the app (users, roles, passwords, devices,
retention), without Qt: :class:`AdminService` runs each call of an
:class:`~icv_app.sync.admin_client.AdminClient` on its own worker thread (``icv-admin``)
and hands back a :class:`concurrent.futures.Future`, so the UI thread never waits on the
network.

One thread, one call at a time, in the order asked: a refresh asked after a change sees
that change. It is not the sync worker's thread, so an administrator is not kept waiting
behind a long sync. Nothing is queued for later: a call made while the central store
cannot be reached fails at once with a message saying so
(:class:`~icv_app.sync.admin_client.AdminOffline`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from icv_app.store.local_store import LocalStore
    from icv_app.sync.admin_client import AdminClient, AdminOverview
    from icv_app.sync.admin_wire import DeviceOut, UnlockOut, UserOut
    from icv_app.sync.wire import Role, SchemeSettings

T = TypeVar("T")


class AdminService:
    """The central store's administration for one profile's signed-in account.

    Build it with the open store (or a client, in tests); every method returns at once
    with a Future. :meth:`close` cancels what has not started and lets the thread end.
    """

    def __init__(
        self, store: LocalStore | None = None, *, client: AdminClient | None = None
    ) -> None:
        if client is None:
            if store is None:
                raise ValueError("AdminService needs a store or a client")
            from icv_app.sync.admin_client import AdminClient

            client = AdminClient(store)
        self.client = client
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = (
            queue.SimpleQueue()
        )
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    # What the page asks -----------------------------------------------------------------
    def overview(self) -> Future[AdminOverview]:
        """The caller's permissions, the users, the devices and the scheme's settings."""
        return self._submit(self.client.overview)

    def create_user(self, username: str, role: Role, password: str) -> Future[UserOut]:
        return self._submit(lambda: self.client.create_user(username, role, password))

    def set_role(self, username: str, role: Role) -> Future[UserOut]:
        return self._submit(lambda: self.client.set_role(username, role))

    def set_disabled(self, username: str, disabled: bool) -> Future[UserOut]:
        return self._submit(lambda: self.client.set_disabled(username, disabled))

    def reset_password(self, username: str, password: str) -> Future[UserOut]:
        return self._submit(lambda: self.client.reset_password(username, password))

    def unlock(self, username: str) -> Future[UnlockOut]:
        return self._submit(lambda: self.client.unlock(username))

    def revoke_device(self, device_id: str) -> Future[DeviceOut]:
        return self._submit(lambda: self.client.revoke_device(device_id))

    def set_retention(self, days: int) -> Future[SchemeSettings]:
        return self._submit(lambda: self.client.set_retention(days))

    # The worker ---------------------------------------------------------------------------
    def close(self, wait: float = 0.0) -> None:
        """Cancel calls not yet started; the one running finishes on its own (bounded by
        the client's timeout) on a daemon thread, which never holds up quitting. With
        ``wait``, wait up to that many seconds for it (tests, before their server goes)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].cancel()
        self._jobs.put(None)
        if wait > 0 and thread is not None:
            thread.join(wait)

    def _submit(self, call: Callable[[], T]) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the administration service is closed")
            if self._thread is None:
                # Started on first use: a laptop whose coordinator never opens the page
                # never starts it.
                self._thread = threading.Thread(target=self._run, name="icv-admin",
                                                daemon=True)
                self._thread.start()
            self._jobs.put((future, call))
        return future

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            future, call = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = call()
            except BaseException as exc:  # handed to whoever waits on the future
                future.set_exception(exc)
            else:
                future.set_result(result)
