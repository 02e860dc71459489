"""Sync for the app, without Qt: a background worker, its status, and the problems a
person must look at (conflicts side by side, records the server refused; the views of
those are built in :mod:`icv_app.services.sync.views` and re-exported here).

:class:`SyncService` owns one worker thread (``icv-sync``); the thread, its queue, the
automatic syncs and probes, and the counts it keeps current are
:mod:`icv_app.services.sync.worker`'s (:class:`~icv_app.services.sync.worker.SyncWorker`,
which :class:`SyncService` extends). This module adds what the app asks of sync besides
syncing: signing in and out, removing a revoked laptop's data, and looking at and fixing
the problems a sync left for a person. Methods that start work return a
:class:`concurrent.futures.Future`.

Listeners get a :class:`SyncStatus` snapshot (:mod:`icv_app.services.sync.status`)
whenever anything in it changes, including progress. **They are called on the worker
thread**: a Qt GUI re-emits them as a signal (queued to the UI thread) and must not touch
widgets in the callback itself.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from icv_app.services.sync.status import Listener, SyncStatus
from icv_app.services.sync.views import (
    ConflictView,
    FieldDifference,
    RejectedView,
    conflict_views,
    differences,
    rejected_views,
)
from icv_app.services.sync.worker import SyncWorker
from icv_app.store.records import HeldAside, list_held_aside
from icv_app.store.sync import sync_records as sr
from icv_app.sync import credentials as cred


class SyncService(SyncWorker):
    """Background sync of one profile (module doc). Create it on the UI thread with the
    open store, :meth:`start` it, :meth:`close` it before the store."""

    # Account actions (all return at once) -----------------------------------------------
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


__all__ = [
    "ConflictView",
    "FieldDifference",
    "Listener",
    "RejectedView",
    "SyncService",
    "SyncStatus",
    "differences",
]
