"""The composition root: one open profile and the services over it, without Qt.

The headless commands (:mod:`icv_app.cli`) and the GUI (:mod:`icv_app.ui.shell.app`) both
open a profile through :class:`AppContext`: the encrypted store, the shipped reference
data, the visit service, and the sync service (built on first use, so a command that does
not sync never imports the sync packages).

Importing this module is cheap: the store (sqlcipher3), the services and sync load when a
context is opened or first asks for them, so the GUI can import it before its first paint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icv_app.domain.custody.reference import ReferenceData
    from icv_app.paths import Paths
    from icv_app.services.custody.visits import VisitService
    from icv_app.services.sync import SyncService
    from icv_app.store.keys import PassphraseProvider, Profile
    from icv_app.store.local_store import LocalStore


class AppContext:
    """An open profile: ``store``, ``reference`` (as of opening; ``references.current()``
    after a sync), ``visits`` and (lazily) ``sync``.

    Open with :meth:`open` (key from the keyring, or a passphrase from
    ``passphrase_provider``) or :meth:`unlocked` (a key the caller already has, e.g. after
    the GUI asked for the passphrase on the UI thread). Close with :meth:`close`, or use
    it as a context manager: the sync service stops before the store closes, and the
    store flushes any write still queued.
    """

    def __init__(self, store: LocalStore, reference: ReferenceData | None = None) -> None:
        from icv_app.services.custody.reference import ReferenceService
        from icv_app.services.custody.visits import VisitService

        if reference is None:
            from icv_app.domain.custody.reference import load_shipped

            reference = load_shipped()
        self.store = store
        # The shipped lists, replaced by the scheme's suites, panels and visitors once
        # sync has brought them.
        self.references = ReferenceService(store, reference)
        self.reference = self.references.current()
        self.visits: VisitService = VisitService(store, self.reference)
        self._sync: SyncService | None = None
        self._closed = False

    @classmethod
    def open(
        cls,
        paths: Paths,
        passphrase_provider: PassphraseProvider | None = None,
        reference: ReferenceData | None = None,
    ) -> AppContext:
        """Open the profile at ``paths`` (creating it if new), asking
        ``passphrase_provider`` for the passphrase where there is no keyring."""
        from icv_app.store.local_store import LocalStore

        store = LocalStore.open(paths, passphrase_provider)
        try:
            return cls(store, reference)
        except BaseException:
            store.close()
            raise

    @classmethod
    def unlocked(
        cls,
        paths: Paths,
        key: bytes,
        profile: Profile,
        reference: ReferenceData | None = None,
    ) -> AppContext:
        """Open the profile with a key already obtained (``store.keys.obtain_key``). May
        migrate the database: the GUI calls it off the UI thread."""
        from icv_app.store.local_store import LocalStore

        store = LocalStore(paths, key, profile)
        try:
            return cls(store, reference)
        except BaseException:
            store.close()
            raise

    @property
    def paths(self) -> Paths:
        return self.store.paths

    @property
    def sync(self) -> SyncService:
        """The sync service over this profile, built on first use (not started: call its
        ``start()`` to begin syncing in the background)."""
        if self._sync is None:
            if self._closed:
                raise RuntimeError("the profile is closed")
            from icv_app.services.sync import SyncService

            self._sync = SyncService(self.store)
        return self._sync

    def close(self) -> None:
        """Stop sync (if it was built), then close the store. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._sync is not None:
                self._sync.close()
        finally:
            self.store.close()

    def __enter__(self) -> AppContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
