"""The central store's tables (SQLAlchemy Core) and how to open and use its database.

One schema serves SQLite (the default: a file in the data directory) and PostgreSQL (a
real deployment). The tables are created and changed only by the Alembic revisions in
``alembic/versions`` (applied by :mod:`migrations`); the ``Table`` objects here describe
them (columns, defaults, indexes) for queries, and a test checks the two agree.

Writes that hand out sequence numbers must commit in the order of those numbers, or a
client pulling meanwhile could skip one for ever: :func:`write` therefore takes a lock on
the ``counters`` row before anything else on PostgreSQL, and ``BEGIN IMMEDIATE`` (one
writer at a time) on SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    TIMESTAMP,
    BigInteger,
    Boolean,
    Column,
    Dialect,
    Engine,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    TypeDecorator,
    create_engine,
    event,
    false,
    select,
    text,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError


class StorageError(Exception):
    """The server's database cannot be used as it is (the message says why and what to do)."""


class UnsupportedDatabaseUrl(StorageError):
    pass


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both engines (SQLite keeps no zone, so store UTC).

    The columns are ``TIMESTAMP [WITH TIME ZONE]`` (SQLAlchemy's SQLite dialect stores and
    reads a ``TIMESTAMP`` exactly as a ``DATETIME``: ISO text).
    """

    impl = TIMESTAMP(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the server store")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)  # type: ignore[no-any-return]
        return value.astimezone(dt.UTC)  # type: ignore[no-any-return]


metadata = MetaData()

# The numbered migrations' own record, from before Alembic (which keeps alembic_version):
# frozen at versions 1-3, read only to recognise such a database (see migrations).
schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
    Column("applied_at", UtcDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", Text, primary_key=True),
    Column("username", Text, nullable=False, unique=True),
    Column("role", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("password_changed_at", UtcDateTime, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Text, primary_key=True),
    Column("user_id", Text, ForeignKey("users.id"), nullable=False),
    Column("name", Text, nullable=False),
    # sha256 hex of the token; the token itself is never stored.
    Column("token_hash", Text, nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_seen_at", UtcDateTime, nullable=True),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("revoked_by", Text, nullable=True),
    Index("devices_user", "user_id"),
)

counters = Table(
    "counters",
    metadata,
    Column("name", Text, primary_key=True),
    Column("value", BigInteger, nullable=False),
)
SEQ_COUNTER = "seq"

records = Table(
    "records",
    metadata,
    Column("type", Text, nullable=False),
    Column("id", Text, nullable=False),
    Column("rev", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False, unique=True),
    Column("deleted", Boolean, nullable=False),
    Column("body", Text, nullable=True),  # canonical JSON as the client sent it
    Column("content_hash", Text, nullable=False),
    # Who first pushed it; and whose scope it is in (for an amendment: the visit's owner).
    Column("owner_id", Text, ForeignKey("users.id"), nullable=False),
    Column("scope_owner_id", Text, ForeignKey("users.id"), nullable=False),
    # The record's parent record, of any kind (an amendment: the visit it corrects).
    Column("parent_id", Text, nullable=True),
    # Immutable on the server (a submitted visit).
    Column("final", Boolean, nullable=False, server_default=false()),
    # Kinds scoped to an assigned user: that user.
    Column("assignee_id", Text, nullable=True),
    # The version of the body's format.
    Column("body_version", Integer, nullable=False, server_default=text("1")),
    Column("last_user_id", Text, nullable=False),
    Column("last_device_id", Text, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("client_modified_at", Text, nullable=True),
    PrimaryKeyConstraint("type", "id"),
    Index("records_scope_seq", "scope_owner_id", "seq"),
    Index("records_type_parent", "type", "parent_id"),
)

# Every accepted rev (content hashes only): a retry of a rev the server has since moved
# past is still recognised as a duplicate.
record_revisions = Table(
    "record_revisions",
    metadata,
    Column("type", Text, nullable=False),
    Column("id", Text, nullable=False),
    Column("rev", Integer, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("content_hash", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("device_id", Text, nullable=True),
    Column("accepted_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("type", "id", "rev"),
    Index("record_revisions_by_id", "id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    # BIGINT GENERATED ALWAYS AS IDENTITY on PostgreSQL; on SQLite the rowid (INTEGER
    # PRIMARY KEY AUTOINCREMENT), which takes no Identity.
    Column(
        "id",
        BigInteger().with_variant(Integer, "sqlite"),
        Identity(always=True),
        primary_key=True,
        autoincrement=True,
    ),
    Column("at", UtcDateTime, nullable=False),
    Column("actor_user_id", Text, nullable=True),
    Column("actor", Text, nullable=True),
    Column("device_id", Text, nullable=True),
    Column("action", Text, nullable=False),
    Column("record_type", Text, nullable=True),
    Column("record_id", Text, nullable=True),
    Column("address", Text, nullable=True),
    Column("detail", Text, nullable=True),
    Index("audit_log_at", "at"),
    Index("audit_log_record", "record_id"),
)

# One row per count of sign-in attempts (throttle.py): an account, an address, or an
# (account, address) pair. Accounts appear only hashed.
login_throttle = Table(
    "login_throttle",
    metadata,
    Column("key", Text, primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UtcDateTime, nullable=False),
    Column("locked_until", UtcDateTime, nullable=True),
    # The account's key (throttle.user_key) on its own row and its pairs' rows, so that
    # `icv-app admin unlock` finds them all; NULL on an address's row.
    Column("account_key", Text, nullable=True),
    # Attempts refused while locked since the last login.locked audit entry reported them.
    Column("throttled", Integer, nullable=False, server_default=text("0")),
    Index("login_throttle_account", "account_key"),
)

# Addresses each account has signed in from (hashed with the user id): an attempt from
# one of them is not held to the account's own count (see throttle.py).
login_known_addresses = Table(
    "login_known_addresses",
    metadata,
    Column("user_id", Text, ForeignKey("users.id"), nullable=False),
    Column("address_hash", Text, nullable=False),
    Column("first_signed_in_at", UtcDateTime, nullable=False),
    Column("last_signed_in_at", UtcDateTime, nullable=False),
    PrimaryKeyConstraint("user_id", "address_hash"),
)

# Empty but while `icv-app admin audit-prune` runs: the audit log's triggers let a DELETE
# through only for entries older than the cutoff in here (and older than 30 days by the
# database's clock), within the transaction that wrote it (audit.prune).
audit_prune = Table(
    "audit_prune",
    metadata,
    Column("cutoff", UtcDateTime, primary_key=True),
)

scheme_settings = Table(
    "scheme_settings",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),  # JSON
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", Text, nullable=True),
)


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here (psycopg2 is not used)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_store_engine(url: str) -> Engine:
    """An engine for ``sqlite:///FILE`` or ``postgresql[+psycopg]://...``."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise UnsupportedDatabaseUrl(f"Not a database URL: {url!r}") from exc
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        if parsed.database in (None, "", ":memory:"):
            raise UnsupportedDatabaseUrl(
                "The server needs a database file: use sqlite:///PATH (not in memory)."
            )
        engine = create_engine(
            parsed, connect_args={"check_same_thread": False, "timeout": 30}
        )
        _configure_sqlite(engine)
        return engine
    if parsed.drivername == "postgresql+psycopg":
        return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise UnsupportedDatabaseUrl(
        f"Unsupported database {parsed.drivername!r}: use sqlite:///PATH or postgresql://..."
    )


WAL_WAIT_SECONDS = 30.0  # as long as a connection waits for a lock ("timeout" above)


def _wal(cursor: Any) -> None:
    """Put the database in WAL mode. SQLite answers "database is locked" at once, without
    waiting as it does for other locks, while another connection is switching the mode or
    writing (two servers starting on a new file at the same moment): try again, briefly
    backing off, for as long as a lock is waited for."""
    import sqlite3
    import time

    deadline = time.monotonic() + WAL_WAIT_SECONDS
    delay = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(delay)  # nothing to wait on: SQLite offers no signal for this lock
        delay = min(delay * 2, 0.1)


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling would run DDL outside transactions and cannot
    # start a write transaction up front; take over BEGIN (SQLAlchemy's documented recipe).
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit is on disk before the server answers, so a power cut cannot take
        # back what a laptop was told is stored (and may then purge under retention).
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("icv_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def insert_ignoring_duplicates(conn: Connection, table: Table) -> Any:
    """INSERT that does nothing when the primary key already exists (both engines)."""
    if is_postgres(conn):
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def is_postgres(conn_or_engine: Connection | Engine) -> bool:
    return conn_or_engine.dialect.name == "postgresql"


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """A write transaction, committed on leaving (one writer at a time on SQLite)."""
    with engine.connect() as conn:
        conn = conn.execution_options(icv_write=True)
        with conn.begin():
            yield conn


def lock_seq(conn: Connection) -> int:
    """The last seq handed out, locked until this transaction ends (module doc).

    Call it first in a write transaction that hands out seqs, before touching any other
    row, so that two such transactions can never wait on each other in a circle.
    """
    query = select(counters.c.value).where(counters.c.name == SEQ_COUNTER)
    if is_postgres(conn):
        query = query.with_for_update()
    return int(conn.execute(query).scalar_one())


def store_seq(conn: Connection, value: int) -> None:
    conn.execute(
        counters.update().where(counters.c.name == SEQ_COUNTER).values(value=value)
    )


def current_seq(conn: Connection) -> int:
    """The last seq handed out (and, as seqs commit in order, the last one visible)."""
    return int(
        conn.execute(
            select(counters.c.value).where(counters.c.name == SEQ_COUNTER)
        ).scalar_one()
    )


@contextmanager
def read(engine: Engine) -> Iterator[Connection]:
    """A read-only transaction that sees one consistent snapshot throughout."""
    with engine.connect() as conn:
        if is_postgres(conn):
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            yield conn
