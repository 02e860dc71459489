"""Numbered schema migrations of the central store, the same on SQLite and PostgreSQL.

Applied on start, all pending ones in one transaction (DDL is transactional on both
engines), each recorded in ``schema_migrations``. A database whose schema is newer than
this server knows is refused, never "repaired". Migrations are explicit DDL: never edit
one that has shipped; add the next number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.engine import Connection

from icv_app.server.storage import (
    SEQ_COUNTER,
    StorageError,
    is_postgres,
    schema_migrations,
    write,
)


class SchemaTooNew(StorageError):
    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"The server database has schema version {found}, but this icv-app server only "
            f"knows up to {known}: it was written by a newer version. Upgrade icv-app on "
            "the server; nothing was changed."
        )
        self.found = found
        self.known = known


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


# An arbitrary constant: the PostgreSQL advisory lock that keeps two servers starting at
# once from migrating the same database together.
_MIGRATION_LOCK = 0x1C5A_0001


def _types(conn: Connection) -> dict[str, str]:
    if is_postgres(conn):
        return {
            "ts": "TIMESTAMP WITH TIME ZONE",
            "bool": "BOOLEAN",
            "serial": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        }
    return {"ts": "TIMESTAMP", "bool": "BOOLEAN", "serial": "INTEGER PRIMARY KEY AUTOINCREMENT"}


def _m0001_initial(conn: Connection) -> None:
    t = _types(conn)
    statements = [
        f"""CREATE TABLE users (
            id TEXT PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            disabled {t["bool"]} NOT NULL,
            created_at {t["ts"]} NOT NULL,
            password_changed_at {t["ts"]} NOT NULL
        )""",
        f"""CREATE TABLE devices (
            id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES users(id),
            name TEXT NOT NULL,
            token_hash TEXT NOT NULL UNIQUE,
            created_at {t["ts"]} NOT NULL,
            last_seen_at {t["ts"]},
            revoked_at {t["ts"]},
            revoked_by TEXT
        )""",
        "CREATE INDEX devices_user ON devices(user_id)",
        "CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        f"INSERT INTO counters (name, value) VALUES ('{SEQ_COUNTER}', 0)",
        f"""CREATE TABLE records (
            type TEXT NOT NULL,
            id TEXT NOT NULL,
            rev INTEGER NOT NULL,
            seq BIGINT NOT NULL UNIQUE,
            deleted {t["bool"]} NOT NULL,
            body TEXT,
            content_hash TEXT NOT NULL,
            owner_id TEXT NOT NULL REFERENCES users(id),
            scope_owner_id TEXT NOT NULL REFERENCES users(id),
            visit_id TEXT,
            status TEXT,
            last_user_id TEXT NOT NULL,
            last_device_id TEXT,
            created_at {t["ts"]} NOT NULL,
            updated_at {t["ts"]} NOT NULL,
            client_modified_at TEXT,
            PRIMARY KEY (type, id)
        )""",
        "CREATE INDEX records_scope_seq ON records(scope_owner_id, seq)",
        "CREATE INDEX records_visit ON records(visit_id)",
        f"""CREATE TABLE record_revisions (
            type TEXT NOT NULL,
            id TEXT NOT NULL,
            rev INTEGER NOT NULL,
            seq BIGINT NOT NULL,
            content_hash TEXT NOT NULL,
            user_id TEXT NOT NULL,
            device_id TEXT,
            accepted_at {t["ts"]} NOT NULL,
            PRIMARY KEY (type, id, rev)
        )""",
        f"""CREATE TABLE audit_log (
            id {t["serial"]},
            at {t["ts"]} NOT NULL,
            actor_user_id TEXT,
            actor TEXT,
            device_id TEXT,
            action TEXT NOT NULL,
            record_type TEXT,
            record_id TEXT,
            address TEXT,
            detail TEXT
        )""",
        "CREATE INDEX audit_log_at ON audit_log(at)",
        "CREATE INDEX audit_log_record ON audit_log(record_id)",
        f"""CREATE TABLE login_throttle (
            key TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            last_failure_at {t["ts"]} NOT NULL,
            locked_until {t["ts"]}
        )""",
        f"""CREATE TABLE scheme_settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at {t["ts"]} NOT NULL,
            updated_by TEXT
        )""",
    ]
    statements += _append_only_audit(conn)
    for statement in statements:
        conn.exec_driver_sql(statement)


def _append_only_audit(conn: Connection) -> list[str]:
    """Triggers that refuse UPDATE and DELETE (and on PostgreSQL TRUNCATE) of the audit log.

    They stop mistakes and the application's own code; a database superuser can still drop
    them, so a deployment also ships the log off the machine (see the README).
    """
    if is_postgres(conn):
        return [
            """CREATE FUNCTION audit_log_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION USING
                    MESSAGE = 'audit_log is append-only: ' || TG_OP || ' refused';
            END
            $$""",
            """CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
            """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
            FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
        ]
    return [
        """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END""",
        """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END""",
    ]


def _m0002_revisions_by_id(conn: Connection) -> None:
    # Every push looks up the revisions of the ids it carries; without this index that
    # lookup scanned the whole table while holding the push lock (linear in history).
    conn.exec_driver_sql("CREATE INDEX record_revisions_by_id ON record_revisions (id)")


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial", _m0001_initial),
    Migration(2, "revisions_by_id", _m0002_revisions_by_id),
)
LATEST = MIGRATIONS[-1].version


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_migrations"):
        return 0
    query = select(func.coalesce(func.max(schema_migrations.c.version), 0))
    return int(conn.execute(query).scalar_one())


def migrate(engine: Engine, now: dt.datetime | None = None) -> int:
    """Bring the database to :data:`LATEST`; returns the version it is at."""
    now = now or dt.datetime.now(dt.UTC)
    with write(engine) as conn:
        if is_postgres(conn):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        conn.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at "
            + _types(conn)["ts"]
            + " NOT NULL)"
        )
        found = current_version(conn)
        if found > LATEST:
            raise SchemaTooNew(found, LATEST)
        for migration in MIGRATIONS[found:]:
            migration.apply(conn)
            conn.execute(
                schema_migrations.insert().values(
                    version=migration.version, name=migration.name, applied_at=now
                )
            )
    return LATEST
