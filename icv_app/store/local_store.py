"""The local store of one profile: its key, its writer thread and a reader connection."""

from __future__ import annotations

import sqlite_utils

from icv_app.paths import Paths
from icv_app.store.database import connect, open_for_writing
from icv_app.store.keys import PassphraseProvider, Profile, obtain_key
from icv_app.store.writer import Writer


class LocalStore:
    """Open with :meth:`open`; close with :meth:`close` (flushes pending writes).

    ``reader`` is for quick reads on the thread that opened the store (the UI thread);
    every write goes through ``writer``.
    """

    def __init__(self, paths: Paths, key: bytes, profile: Profile) -> None:
        self.paths = paths
        self.profile = profile
        self.writer = Writer(lambda: open_for_writing(paths.database, key))
        try:
            self.writer.wait_ready()
        except BaseException:
            self.writer.close()
            raise
        self.reader: sqlite_utils.Database = connect(paths.database, key, read_only=True)
        self._key = key

    @classmethod
    def open(
        cls, paths: Paths, passphrase_provider: PassphraseProvider | None = None
    ) -> LocalStore:
        paths.ensure()
        key, profile = obtain_key(paths.profile, paths.database, passphrase_provider)
        return cls(paths, key, profile)

    def new_reader(self) -> sqlite_utils.Database:
        """Another read-only connection, for a worker thread."""
        return connect(self.paths.database, self._key, read_only=True)

    def close(self) -> None:
        self.writer.close()
        self.reader.close()

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
