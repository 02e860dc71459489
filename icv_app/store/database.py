"""Opening the encrypted local database.

Every connection goes through :func:`connect`, which refuses, without writing anything,
a plain (unencrypted) file, a wrong key, a damaged file and a database from a newer app.
Readers get a plain SQLCipher connection (nothing else is imported at start-up); only
the writer wraps its connection in sqlite-utils and applies the migrations in
:mod:`icv_app.store.migrations`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import sqlcipher3

from icv_app.store.errors import DamagedDatabase, NewerDatabase

if TYPE_CHECKING:
    import sqlite_utils

PLAIN_SQLITE_HEADER = b"SQLite format 3\x00"

# The schema migrations this version knows, in order (defined in store/migrations.py).
MIGRATION_NAMES = (
    "0001_visits", "0002_sync", "0003_visits_list_index", "0004_held_aside",
    "0005_visits_search", "0006_server_stored", "0007_scheme_reports",
    "0008_visit_figures",
)
SCHEMA_VERSION = len(MIGRATION_NAMES)

# What read queries accept: a reader's plain connection or the writer's sqlite-utils one.
Queryable: TypeAlias = "sqlite_utils.Database | sqlcipher3.Connection"


def connect(path: Path, key: bytes, *, read_only: bool = False) -> sqlcipher3.Connection:
    """An open, checked connection to the encrypted database at ``path``.

    ``check_same_thread`` is off because the writer thread creates its own connection
    and readers may be handed to worker threads; each connection is used by one thread
    at a time.
    """
    if path.exists() and path.stat().st_size >= len(PLAIN_SQLITE_HEADER):
        with path.open("rb") as fh:
            if fh.read(len(PLAIN_SQLITE_HEADER)) == PLAIN_SQLITE_HEADER:
                raise DamagedDatabase(path, "it is an unencrypted SQLite file")
    conn = sqlcipher3.connect(str(path), check_same_thread=False, isolation_level=None)
    try:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            # The key was already checked against the profile, so a file that will not
            # decrypt is damaged (or was replaced), not opened with the wrong key.
            raise DamagedDatabase(path, str(exc)) from None
        _refuse_newer(conn, path)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        if read_only:
            conn.execute("PRAGMA query_only = ON")
        else:
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed autosave survives a power cut, not only a crash.
            conn.execute("PRAGMA synchronous = FULL")
            # What is deleted or overwritten (a closed case's phone number) is zeroed in
            # its page, at no extra I/O ("fast"); a revoked laptop's purge zeroes all.
            conn.execute("PRAGMA secure_delete = FAST")
    except BaseException:
        conn.close()
        raise
    return conn


def schema_version(conn: sqlcipher3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _refuse_newer(conn: sqlcipher3.Connection, path: Path) -> None:
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise NewerDatabase(path, version, SCHEMA_VERSION)
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlite_migrations'"
    ).fetchone()
    if has_table:
        applied = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = 'icv_app'"
            )
        ]
        if set(applied) - set(MIGRATION_NAMES):
            raise NewerDatabase(path, len(applied), SCHEMA_VERSION)
        _refuse_newer_kinds(conn, path)


def _refuse_newer_kinds(conn: sqlcipher3.Connection, path: Path) -> None:
    """A kind's own tables migrated further than this version knows: refuse."""
    from icv_app import kinds

    for kind in kinds.all_kinds():
        known = {name for name, _fn in kind.local_migrations}
        applied = {
            r[0]
            for r in conn.execute(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ?",
                [f"kind:{kind.name}"],
            )
        }
        if applied - known:
            raise NewerDatabase(path, len(applied), len(known))


def kind_migrations_pending(conn: sqlcipher3.Connection) -> bool:
    """Has a registered kind local migrations this database has not applied yet (a kind
    new in this version of the app, with no core migration beside it)?"""
    from icv_app import kinds

    applied: dict[str, set[str]] = {}
    for migration_set, name in conn.execute(
        "SELECT migration_set, name FROM _sqlite_migrations"
    ):
        applied.setdefault(migration_set, set()).add(name)
    return any(
        {name for name, _fn in kind.local_migrations} - applied.get(f"kind:{kind.name}", set())
        for kind in kinds.all_kinds()
    )


def open_for_writing(path: Path, key: bytes) -> sqlite_utils.Database:
    """The writer's connection: checked, migrated to this app's schema."""
    import sqlite_utils

    from icv_app.store.migrations import apply_all

    db = sqlite_utils.Database(connect(path, key))
    try:
        apply_all(db)
    except BaseException:
        db.close()
        raise
    return db
