"""initial: the tables of the central store (numbered migration 1, unchanged).

Revision ID: 0001
Revises:
Create Date: 2026-11-22 (as migration 1)

Statement for statement what migration 1 (and the ``schema_migrations`` table that the
numbered scheme kept) created before the server moved to Alembic.
"""

from __future__ import annotations

from alembic import op

from icv_app.server.alembic import record_numbered_version

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEQ_COUNTER = "seq"  # storage.SEQ_COUNTER when this shipped


def _types() -> dict[str, str]:
    if op.get_context().dialect.name == "postgresql":
        return {
            "ts": "TIMESTAMP WITH TIME ZONE",
            "bool": "BOOLEAN",
            "serial": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        }
    return {"ts": "TIMESTAMP", "bool": "BOOLEAN", "serial": "INTEGER PRIMARY KEY AUTOINCREMENT"}


def _append_only_audit() -> list[str]:
    """Triggers that refuse UPDATE and DELETE (and on PostgreSQL TRUNCATE) of the audit log.

    They stop mistakes and the application's own code; a database superuser can still drop
    them, so a deployment also ships the log off the machine (see the README).
    """
    if op.get_context().dialect.name == "postgresql":
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


def upgrade() -> None:
    t = _types()
    statements = [
        # The numbered scheme's own table; kept so that a server from before Alembic sees
        # a version it does not know and refuses the database (see revision 0003).
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        f"name TEXT NOT NULL, applied_at {t['ts']} NOT NULL)",
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
    statements += _append_only_audit()
    connection = op.get_bind()
    for statement in statements:
        connection.exec_driver_sql(statement)
    record_numbered_version(1, "initial")


def downgrade() -> None:
    raise NotImplementedError("There is no schema before the initial one to go back to.")
