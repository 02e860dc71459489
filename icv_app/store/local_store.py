"""The local store of one profile: its key, its writer thread and a reader connection."""

from __future__ import annotations

import threading

import sqlcipher3

from icv_app.paths import Paths
from icv_app.store.changes import ChangeHub
from icv_app.store.database import (
    SCHEMA_VERSION,
    connect,
    kind_migrations_pending,
    open_for_writing,
    schema_version,
)
from icv_app.store.keys import PassphraseProvider, Profile, obtain_key
from icv_app.store.writer import Writer


class LocalStore:
    """Open with :meth:`open`; close with :meth:`close` (flushes pending writes).

    ``reader`` is a plain read-only connection for quick reads on the thread that opened
    the store (the UI thread); every write goes through ``writer``. The writer thread
    starts at once when the database must be created or migrated, otherwise on first use
    (or :meth:`start_writer`), so showing the first window never waits for it.

    ``changes`` announces every committed write (:mod:`icv_app.store.changes`).
    """

    def __init__(self, paths: Paths, key: bytes, profile: Profile) -> None:
        self.paths = paths
        self.profile = profile
        self._key = key
        self.changes = ChangeHub()
        self._writer: Writer | None = None
        self._writer_lock = threading.Lock()
        try:
            if not paths.database.exists():
                self._ensure_writer().wait_ready()
            reader = connect(paths.database, key, read_only=True)
            try:
                # Migrate before anything reads: the core schema, or a kind's own tables
                # (a kind new in this version brings tables with no core migration).
                if (schema_version(reader) < SCHEMA_VERSION
                        or kind_migrations_pending(reader)):
                    self._ensure_writer().wait_ready()
            except BaseException:
                reader.close()
                raise
        except BaseException:
            if self._writer is not None:
                self._writer.close()
            raise
        self.reader: sqlcipher3.Connection = reader

    @classmethod
    def open(
        cls, paths: Paths, passphrase_provider: PassphraseProvider | None = None
    ) -> LocalStore:
        paths.ensure()
        key, profile = obtain_key(paths.profile, paths.database, passphrase_provider)
        return cls(paths, key, profile)

    @property
    def writer(self) -> Writer:
        return self._ensure_writer()

    def start_writer(self) -> None:
        """Start the writer thread now (e.g. once the first window is on screen)."""
        self._ensure_writer()

    def _ensure_writer(self) -> Writer:
        with self._writer_lock:
            if self._writer is None:
                path, key = self.paths.database, self._key
                self._writer = Writer(lambda: open_for_writing(path, key), self.changes)
            return self._writer

    def new_reader(self) -> sqlcipher3.Connection:
        """Another read-only connection, for a worker thread."""
        return connect(self.paths.database, self._key, read_only=True)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self.reader.close()

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
