"""Schema migrations of the central store: Alembic revisions, the same on SQLite and PostgreSQL.

:func:`migrate` runs on start. It applies all pending revisions (in ``alembic/versions``)
in one transaction (DDL is transactional on both engines), holding a lock so that two
servers starting at once do not migrate together. A database whose schema is newer than
this server knows is refused untouched, never "repaired".

Before Alembic the server had numbered migrations recorded in ``schema_migrations``;
revisions 0001 and 0002 are migrations 1 and 2 unchanged. A database with no
``alembic_version`` but a ``schema_migrations`` at version 1 or 2 is stamped at the same
revision and upgraded from there; one at a higher version is refused. Revision 0003 adds
version 3 to that table (and nothing after it does), so that a server from before Alembic
refuses, as written by a newer version, a database it could not run on.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Identity, func, inspect, select
from sqlalchemy.engine import Connection

from icv_app.server.storage import (
    StorageError,
    is_postgres,
    metadata,
    schema_migrations,
    write,
)

SCRIPT_LOCATION = Path(__file__).with_name("alembic")

# Numbered migration -> the Alembic revision that reproduces it (and everything before).
NUMBERED_REVISIONS = {1: "0001", 2: "0002"}
NUMBERED_LATEST = max(NUMBERED_REVISIONS)

# An arbitrary constant: the PostgreSQL advisory lock that keeps two servers starting at
# once from migrating the same database together.
_MIGRATION_LOCK = 0x1C5A_0001

# How the schema is compared with the ``Table`` objects (tests, and any new revision).
COMPARE_OPTIONS: dict[str, Any] = {"compare_type": True, "compare_server_default": True}


class SchemaTooNew(StorageError):
    def __init__(self, found: int | str, known: int | str) -> None:
        super().__init__(
            f"The server database has schema version {found}, but this icv-app server only "
            f"knows up to {known}: it was written by a newer version. Upgrade icv-app on "
            "the server; nothing was changed."
        )
        self.found = found
        self.known = known


class SchemaUnrecognised(StorageError):
    def __init__(self, tables: list[str]) -> None:
        super().__init__(
            "The server database already has tables of its own ("
            + ", ".join(tables)
            + ") but no record of an icv-app schema version, so this server cannot tell "
            "what they are. Use an empty database (or the one icv-app made); nothing was "
            "changed."
        )
        self.tables = tables


def alembic_config(
    connection: Connection | None = None, now: dt.datetime | None = None
) -> Config:
    """Alembic's configuration for the server's revisions, without an ``alembic.ini``.

    ``env.py`` runs the revisions on ``connection``; ``now`` is the time recorded in
    ``schema_migrations`` by the revisions that still write it.
    """
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    config.attributes["now"] = now
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision this server knows."""
    head = script_directory().get_current_head()
    assert head is not None, "no revisions in " + str(SCRIPT_LOCATION)
    return head


def current_revisions(conn: Connection) -> tuple[str, ...]:
    """What ``alembic_version`` says (empty if there is none); reads only."""
    return tuple(MigrationContext.configure(conn).get_current_heads())


def numbered_version(conn: Connection) -> int | None:
    """The highest version in the old ``schema_migrations`` (None without that table)."""
    if not inspect(conn).has_table("schema_migrations"):
        return None
    query = select(func.coalesce(func.max(schema_migrations.c.version), 0))
    return int(conn.execute(query).scalar_one())


def schema_differences(conn: Connection) -> list[Any]:
    """How the database's schema differs from the ``Table`` objects (empty: it does not):
    Alembic's autogenerate comparison, one entry per difference.

    Two things SQLite does not have are left out there: NOT NULL on a primary key column
    that is not an INTEGER (SQLite lets one hold NULL unless it says NOT NULL, which
    migration 1 did not; the code never writes one, and a table rebuild for it is not worth
    it), and the identity column of ``audit_log`` (the rowid does that on SQLite).
    """
    context = MigrationContext.configure(conn, opts=COMPARE_OPTIONS)
    differences: list[Any] = []
    for entry in compare_metadata(context, metadata):
        for change in entry if isinstance(entry, list) else [entry]:
            if not (conn.dialect.name == "sqlite" and _not_in_sqlite(change)):
                differences.append(change)
    return differences


def _not_in_sqlite(change: Any) -> bool:
    if not isinstance(change, tuple) or len(change) != 7:
        return False
    kind, _, table, column, _, old, new = change
    if kind == "modify_nullable":
        return column in metadata.tables[table].primary_key.columns
    if kind == "modify_default":
        return isinstance(old, Identity) or isinstance(new, Identity)
    return False


def _starting_revision(conn: Connection, script: ScriptDirectory) -> str | None:
    """The revision the database is at, to stamp it with if it has no ``alembic_version``
    (None: a fresh database); raises if it is one this server must not touch."""
    found = current_revisions(conn)
    if found:
        known = {script_revision.revision for script_revision in script.walk_revisions()}
        unknown = sorted(set(found) - known)
        if unknown:
            raise SchemaTooNew(", ".join(unknown), script.get_current_head() or "none")
        return None
    numbered = numbered_version(conn)
    if numbered is not None and numbered > NUMBERED_LATEST:
        raise SchemaTooNew(numbered, NUMBERED_LATEST)
    if numbered:
        return NUMBERED_REVISIONS[numbered]
    ours = sorted(
        set(inspect(conn).get_table_names())
        & (set(metadata.tables) - {schema_migrations.name})
    )
    if ours:
        raise SchemaUnrecognised(ours)
    return None


def migrate(engine: Engine, now: dt.datetime | None = None) -> str:
    """Bring the database to the newest revision; returns that revision."""
    now = now or dt.datetime.now(dt.UTC)
    script = script_directory()
    with write(engine) as conn:
        if is_postgres(conn):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        config = alembic_config(conn, now)
        start = _starting_revision(conn, script)
        if start is not None:
            command.stamp(config, start)
        command.upgrade(config, "head")
    head = script.get_current_head()
    assert head is not None
    return head
