"""Opening the encrypted local database, and its numbered migrations.

Every connection goes through :func:`connect`, which refuses, without writing anything,
a plain (unencrypted) file, a wrong key, a damaged file and a database from a newer app.
Only the writer connection applies migrations.
"""

from __future__ import annotations

from pathlib import Path

import sqlcipher3
import sqlite_utils
from sqlite_utils.migrations import Migrations

from icv_app.store.errors import DamagedDatabase, NewerDatabase

PLAIN_SQLITE_HEADER = b"SQLite format 3\x00"

migrations = Migrations("icv_app")


@migrations(name="0001_visits")
def _m0001(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE visits (
            id TEXT PRIMARY KEY,
            suite_id TEXT NOT NULL DEFAULT '',
            visit_date TEXT,
            arrival_time TEXT,
            status TEXT NOT NULL DEFAULT 'draft',
            detainee_count INTEGER NOT NULL DEFAULT 0,
            issue_count INTEGER NOT NULL DEFAULT 0,
            search_text TEXT NOT NULL DEFAULT '',
            body TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            base_rev INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            submitted_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX visits_date ON visits(visit_date DESC, arrival_time DESC)")
    db.execute("CREATE INDEX visits_suite ON visits(suite_id)")
    db.execute("CREATE INDEX visits_status ON visits(status)")
    # A submitted report is immutable: only sync bookkeeping (rev, base_rev) may change.
    db.execute(
        """
        CREATE TRIGGER visits_submitted_read_only BEFORE UPDATE OF body ON visits
        WHEN OLD.status = 'submitted' AND NEW.body IS NOT OLD.body
        BEGIN SELECT RAISE(ABORT, 'a submitted visit report cannot be edited'); END
        """
    )
    db.execute(
        """
        CREATE TABLE amendments (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            base_rev INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.execute("CREATE INDEX amendments_visit ON amendments(visit_id, created_at)")
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@migrations(name="0002_sync")
def _m0002(db: sqlite_utils.Database) -> None:
    for table in ("visits", "amendments"):
        # owner_id: the server's user id of who first pushed it (known after sync).
        # attention: the server's reason when it rejected this record; shown to the user.
        db.execute(f"ALTER TABLE {table} ADD COLUMN owner_id TEXT")
        db.execute(f"ALTER TABLE {table} ADD COLUMN attention TEXT")
        db.execute(f"CREATE INDEX {table}_unsynced ON {table}(rev, base_rev) WHERE rev > base_rev")
    db.execute(
        """
        CREATE TABLE conflicts (
            record_type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            server_rev INTEGER NOT NULL,
            server_deleted INTEGER NOT NULL DEFAULT 0,
            server_body TEXT,
            detected_at TEXT NOT NULL,
            PRIMARY KEY (record_type, record_id)
        )
        """
    )
    # Records removed from this laptop under the retention rule: never re-pulled, still
    # counted in the post-sync check against the server.
    db.execute(
        """
        CREATE TABLE purged (
            record_type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            rev INTEGER NOT NULL,
            PRIMARY KEY (record_type, record_id)
        )
        """
    )


@migrations(name="0003_visits_list_index")
def _m0003(db: sqlite_utils.Database) -> None:
    # The visits list (and its count) is answered from this index alone: without it every
    # row's JSON body (overflow pages, each decrypted) is read at start-up.
    db.execute(
        "CREATE INDEX visits_live ON visits(visit_date DESC, arrival_time DESC, id, suite_id, "
        "status, detainee_count, issue_count, updated_at) WHERE deleted = 0"
    )


SCHEMA_VERSION = len(migrations._migrations)


def known_migration_names() -> set[str]:
    return {m.name for m in migrations._migrations}


def connect(path: Path, key: bytes, *, read_only: bool = False) -> sqlite_utils.Database:
    """An open, checked connection to the encrypted database at ``path``.

    ``check_same_thread`` is off because the writer thread creates its own connection
    and readers are handed to worker threads; each connection is used by one thread at
    a time.
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
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise NewerDatabase(path, version, SCHEMA_VERSION)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA busy_timeout = 5000")
        if read_only:
            conn.execute("PRAGMA query_only = ON")
        else:
            conn.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed autosave survives a power cut, not only a crash.
            conn.execute("PRAGMA synchronous = FULL")
    except BaseException:
        conn.close()
        raise
    return sqlite_utils.Database(conn)


def open_for_writing(path: Path, key: bytes) -> sqlite_utils.Database:
    """The writer's connection: checked, migrated to this app's schema."""
    db = connect(path, key)
    try:
        applied = {m.name for m in migrations.applied(db)}
        unknown = applied - known_migration_names()
        if unknown:
            raise NewerDatabase(path, len(applied), SCHEMA_VERSION)
        if migrations.pending(db):
            migrations.apply(db)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    except BaseException:
        db.close()
        raise
    return db


