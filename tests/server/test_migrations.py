"""Schema migrations on both engines: Alembic revisions applied once, a database from the
numbered migrations taken over, and a newer schema refused untouched."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, bindparam, inspect, select, text
from sqlalchemy.engine import Connection

from icv_app.server.app import create_app
from icv_app.server.config import ServerConfig
from icv_app.server.migrations import (
    NUMBERED_LATEST,
    SchemaTooNew,
    SchemaUnrecognised,
    alembic_config,
    current_revisions,
    head_revision,
    migrate,
    schema_differences,
)
from icv_app.server.storage import (
    UnsupportedDatabaseUrl,
    UtcDateTime,
    create_store_engine,
    is_postgres,
    metadata,
    normalise_url,
    read,
    records,
    schema_migrations,
    write,
)

T0 = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


@pytest.fixture
def store(database_url: str) -> Iterator[Engine]:
    """An engine on the empty test database (no migrations run)."""
    engine = create_store_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


# --- the numbered migrations as they shipped before Alembic (migrations.py, version 2) ----
# Copied verbatim: the database an existing deployment has.


class OldSchemaTooNew(Exception):
    pass


def _old_types(conn: Connection) -> dict[str, str]:
    if is_postgres(conn):
        return {
            "ts": "TIMESTAMP WITH TIME ZONE",
            "bool": "BOOLEAN",
            "serial": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        }
    return {"ts": "TIMESTAMP", "bool": "BOOLEAN", "serial": "INTEGER PRIMARY KEY AUTOINCREMENT"}


def _old_m0001_initial(conn: Connection) -> None:
    t = _old_types(conn)
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
        "INSERT INTO counters (name, value) VALUES ('seq', 0)",
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
    statements += _old_append_only_audit(conn)
    for statement in statements:
        conn.exec_driver_sql(statement)


def _old_append_only_audit(conn: Connection) -> list[str]:
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


def _old_m0002_revisions_by_id(conn: Connection) -> None:
    # Every push looks up the revisions of the ids it carries; without this index that
    # lookup scanned the whole table while holding the push lock (linear in history).
    conn.exec_driver_sql("CREATE INDEX record_revisions_by_id ON record_revisions (id)")


_OLD_MIGRATIONS = (
    (1, "initial", _old_m0001_initial),
    (2, "revisions_by_id", _old_m0002_revisions_by_id),
)


def old_migrate(engine: Engine, upto: int = 2) -> None:
    """What a server from before Alembic did on start (up to migration ``upto``)."""
    with write(engine) as conn:
        if is_postgres(conn):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({0x1C5A_0001})")
        conn.exec_driver_sql(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at " + _old_types(conn)["ts"] + " NOT NULL)"
        )
        found = max(conn.execute(select(schema_migrations.c.version)).scalars(), default=0)
        if found > 2:
            raise OldSchemaTooNew(found)
        for version, name, apply in _OLD_MIGRATIONS[found:upto]:
            apply(conn)
            conn.execute(
                schema_migrations.insert().values(version=version, name=name, applied_at=T0)
            )


def add_old_rows(engine: Engine) -> None:
    """A user, a submitted visit, a draft visit, and an amendment of the submitted visit,
    in the records table as the numbered migrations made it."""
    insert = text(
        "INSERT INTO records (type, id, rev, seq, deleted, body, content_hash, owner_id, "
        "scope_owner_id, visit_id, status, last_user_id, last_device_id, created_at, "
        "updated_at, client_modified_at) VALUES (:type, :id, :rev, :seq, :deleted, :body, "
        ":hash, 'u1', 'u1', :visit_id, :status, 'u1', NULL, :at, :at, NULL)"
    ).bindparams(bindparam("at", type_=UtcDateTime))
    with write(engine) as conn:
        conn.execute(
            text(
                "INSERT INTO users (id, username, role, password_hash, disabled, created_at, "
                "password_changed_at) VALUES ('u1', 'ann', 'volunteer', 'x', :no, :at, :at)"
            ).bindparams(bindparam("at", type_=UtcDateTime)),
            {"no": False, "at": T0},
        )
        rows = [
            ("visit", "v-submitted", 2, 1, False, '{"v": 1}', "h1", None, "submitted"),
            ("visit", "v-draft", 1, 2, False, '{"v": 2}', "h2", None, "draft"),
            ("amendment", "a1", 1, 3, False, '{"a": 1}', "h3", "v-submitted", None),
            ("visit", "v-deleted", 3, 4, True, None, "h4", None, "submitted"),
        ]
        for type_, id_, rev, seq, deleted, body, hash_, visit_id, status in rows:
            conn.execute(insert, {
                "type": type_, "id": id_, "rev": rev, "seq": seq, "deleted": deleted,
                "body": body, "hash": hash_, "visit_id": visit_id, "status": status, "at": T0,
            })
        conn.execute(text("UPDATE counters SET value = 4"))


# --- looking at a database ---------------------------------------------------------------


def schema_snapshot(conn: Connection) -> list[Any]:
    """Every table, column, index, constraint, trigger and function, as the engine has them
    (``alembic_version`` left out)."""
    if not is_postgres(conn):
        return [tuple(row) for row in conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE tbl_name != 'alembic_version' ORDER BY type, name"
        )]
    queries = [
        """SELECT table_name, column_name, ordinal_position, data_type, is_nullable,
                  column_default, is_identity, identity_generation
           FROM information_schema.columns WHERE table_schema = current_schema()
           AND table_name != 'alembic_version' ORDER BY 1, 3""",
        """SELECT tablename, indexname, indexdef FROM pg_indexes
           WHERE schemaname = current_schema() AND tablename != 'alembic_version'
           ORDER BY 2""",
        """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
           FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
           AND conrelid::regclass::text != 'alembic_version' ORDER BY 2""",
        """SELECT tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t
           JOIN pg_class c ON c.oid = t.tgrelid
           WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal
           ORDER BY 1""",
        """SELECT proname, pg_get_functiondef(oid) FROM pg_proc
           WHERE pronamespace = current_schema()::regnamespace ORDER BY 1""",
    ]
    return [[tuple(row) for row in conn.exec_driver_sql(query)] for query in queries]


def database_state(engine: Engine) -> dict[str, Any]:
    """The schema, the version tables and every row: what "left untouched" compares."""
    with read(engine) as conn:
        tables = sorted(inspect(conn).get_table_names())
        return {
            "schema": schema_snapshot(conn),
            "tables": tables,
            "rows": {
                name: sorted(
                    (tuple(str(value) for value in row)
                     for row in conn.exec_driver_sql(f"SELECT * FROM {name}")),
                )
                for name in tables
            },
        }


def sqlite_file(database_url: str) -> Path | None:
    """The database file of a SQLite URL (None for PostgreSQL)."""
    if not database_url.startswith("sqlite:///"):
        return None
    return Path(database_url.removeprefix("sqlite:///"))


def empty_database(engine: Engine, database_url: str) -> None:
    """Drop everything, leaving the test database as the fixture made it."""
    engine.dispose()
    path = sqlite_file(database_url)
    if path is not None:
        for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            leftover.unlink(missing_ok=True)
        return
    with engine.begin() as conn:
        schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")


def upgrade_to(engine: Engine, revision: str) -> None:
    with write(engine) as conn:
        command.upgrade(alembic_config(conn, T0), revision)


def downgrade_to(engine: Engine, revision: str) -> None:
    with write(engine) as conn:
        command.downgrade(alembic_config(conn, T0), revision)


def numbered_versions(engine: Engine) -> list[int]:
    with read(engine) as conn:
        query = select(schema_migrations.c.version).order_by(schema_migrations.c.version)
        return list(conn.execute(query).scalars())


# --- a fresh database ----------------------------------------------------------------------


def test_a_fresh_database_upgrades_to_the_tables_of_storage(store: Engine) -> None:
    assert migrate(store, T0) == head_revision()
    with read(store) as conn:
        assert current_revisions(conn) == (head_revision(),)
        assert schema_differences(conn) == []
    assert numbered_versions(store) == [1, 2, 3]


def test_the_migrated_schema_is_what_the_code_queries(engine: Engine) -> None:
    inspector = inspect(engine)
    for table in metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == set(table.columns.keys()), table.name


def test_the_comparison_sees_a_schema_that_differs(store: Engine) -> None:
    migrate(store, T0)
    downgrade_to(store, "0002")
    with read(store) as conn:
        differences = schema_differences(conn)
    found = set()
    for change in differences:
        if change[0] in ("add_column", "remove_column"):
            found.add((change[0], change[2], change[3].name))
        elif change[0] in ("add_index", "remove_index"):
            found.add((change[0], change[1].table.name, change[1].name))
    assert found == {
        ("add_column", "records", "parent_id"),
        ("add_column", "records", "final"),
        ("add_column", "records", "assignee_id"),
        ("add_column", "records", "body_version"),
        ("remove_column", "records", "visit_id"),
        ("remove_column", "records", "status"),
        ("add_index", "records", "records_type_parent"),
        ("remove_index", "records", "records_visit"),
        ("add_column", "login_throttle", "account_key"),
        ("add_column", "login_throttle", "throttled"),
        ("add_index", "login_throttle", "login_throttle_account"),
    }


def test_running_the_upgrade_again_changes_nothing(store: Engine) -> None:
    migrate(store, T0)
    before = database_state(store)
    assert migrate(store, T0 + dt.timedelta(days=1)) == head_revision()
    assert migrate(store) == head_revision()
    assert database_state(store) == before


def test_two_servers_starting_at_once_migrate_once(database_url: str) -> None:
    engines = [create_store_engine(database_url) for _ in range(2)]
    barrier = threading.Barrier(len(engines))
    results: list[Any] = []

    def start(engine: Engine) -> None:
        barrier.wait()
        try:
            results.append(migrate(engine, T0))
        except Exception as exc:  # reported below
            results.append(exc)

    threads = [threading.Thread(target=start, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    try:
        assert results == [head_revision()] * len(engines)
        assert numbered_versions(engines[0]) == [1, 2, 3]
        with read(engines[0]) as conn:
            assert schema_differences(conn) == []
    finally:
        for engine in engines:
            engine.dispose()


def test_servers_opening_a_new_sqlite_file_at_once_all_get_in(tmp_path: Path) -> None:
    """SQLite refuses at once, without waiting, a switch to WAL while another connection is
    making the same switch: three servers opening a new file together all get in (before
    the fix about one start in four failed with "database is locked")."""
    for attempt in range(12):
        url = f"sqlite:///{tmp_path / f'new-{attempt}.db'}"
        engines = [create_store_engine(url) for _ in range(3)]
        barrier = threading.Barrier(len(engines))
        errors: list[BaseException] = []

        def open_one(engine: Engine, barrier: threading.Barrier,
                     errors: list[BaseException]) -> None:
            barrier.wait()
            try:
                with write(engine) as conn:
                    conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS probe (x INTEGER)")
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=open_one, args=(e, barrier, errors))
                   for e in engines]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for engine in engines:
            engine.dispose()
        assert errors == [], f"start {attempt}: {errors!r}"


def test_audit_log_stays_append_only(store: Engine) -> None:
    migrate(store, T0)
    insert = text("INSERT INTO audit_log (at, action) VALUES (:at, 'probe')")
    with write(store) as conn:
        conn.execute(insert.bindparams(bindparam("at", type_=UtcDateTime)), {"at": T0})
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"), write(store) as conn:
            conn.exec_driver_sql(statement)


# --- a database from the numbered migrations -----------------------------------------------


def test_revisions_0001_and_0002_are_the_numbered_migrations(
    store: Engine, database_url: str
) -> None:
    old_migrate(store)
    with read(store) as conn:
        numbered = schema_snapshot(conn)
    empty_database(store, database_url)
    upgrade_to(store, "0002")
    with read(store) as conn:
        assert schema_snapshot(conn) == numbered
        assert current_revisions(conn) == ("0002",)
    assert numbered_versions(store) == [1, 2]


@pytest.mark.parametrize("version", [1, 2])
def test_a_database_from_the_numbered_migrations_is_stamped_and_upgraded(
    store: Engine, version: int
) -> None:
    old_migrate(store, upto=version)
    add_old_rows(store)
    with read(store) as conn:
        other_tables = {
            name: conn.exec_driver_sql(f"SELECT * FROM {name}").all()
            for name in ("users", "counters", "audit_log")
        }

    assert migrate(store, T0) == head_revision()

    with read(store) as conn:
        assert current_revisions(conn) == (head_revision(),)
        assert schema_differences(conn) == []
        rows = {row.id: row for row in conn.execute(select(records).order_by(records.c.seq))}
        for name, before in other_tables.items():
            assert conn.exec_driver_sql(f"SELECT * FROM {name}").all() == before, name
    assert numbered_versions(store) == [1, 2, 3]
    summary = {
        id_: (row.type, row.parent_id, row.final, row.assignee_id, row.body_version)
        for id_, row in rows.items()
    }
    assert summary == {
        "v-submitted": ("visit", None, True, None, 1),
        "v-draft": ("visit", None, False, None, 1),
        "a1": ("amendment", "v-submitted", True, None, 1),  # final once on the server
        "v-deleted": ("visit", None, True, None, 1),
    }
    submitted = rows["v-submitted"]
    assert (submitted.rev, submitted.seq, submitted.body, submitted.content_hash) == (
        2, 1, '{"v": 1}', "h1"
    )
    assert (submitted.owner_id, submitted.created_at, submitted.deleted) == ("u1", T0, False)
    assert rows["v-deleted"].deleted is True


def test_a_server_from_before_alembic_refuses_a_migrated_database(store: Engine) -> None:
    old_migrate(store)
    migrate(store, T0)
    before = database_state(store)
    with pytest.raises(OldSchemaTooNew):
        old_migrate(store)
    assert database_state(store) == before


def test_revision_0003_goes_back_to_visit_id_and_status(store: Engine) -> None:
    old_migrate(store)
    add_old_rows(store)
    with read(store) as conn:
        numbered = schema_snapshot(conn)
        query = "SELECT id, visit_id, status FROM records ORDER BY id"
        old_rows = conn.exec_driver_sql(query).all()
    migrate(store, T0)
    downgrade_to(store, "0002")
    with read(store) as conn:
        assert conn.exec_driver_sql(query).all() == old_rows
        assert current_revisions(conn) == ("0002",)
        if is_postgres(conn):
            # Dropped and re-added columns come back at the end of the table.
            assert schema_snapshot(conn)[1:] == numbered[1:]
        else:
            names = [(kind, name) for kind, name, *_ in schema_snapshot(conn)]
            assert names == [(kind, name) for kind, name, *_ in numbered]
    assert numbered_versions(store) == [1, 2]
    assert migrate(store, T0) == head_revision()


def test_revision_0004_keeps_the_throttle_counts_and_goes_back(store: Engine) -> None:
    upgrade_to(store, "0003")
    insert = text(
        "INSERT INTO login_throttle (key, failures, last_failure_at, locked_until) "
        "VALUES (:key, :failures, :at, NULL)"
    ).bindparams(bindparam("at", type_=UtcDateTime))
    with write(store) as conn:
        conn.execute(insert, [
            {"key": "user:0123abcd", "failures": 2, "at": T0},
            {"key": "addr:192.0.2.1", "failures": 1, "at": T0},
        ])
    query = "SELECT key, failures, account_key, throttled FROM login_throttle ORDER BY key"
    migrate(store, T0)
    with read(store) as conn:
        assert conn.exec_driver_sql(query).all() == [
            ("addr:192.0.2.1", 1, None, 0),
            ("user:0123abcd", 2, "user:0123abcd", 0),  # so that `admin unlock` finds it
        ]
    downgrade_to(store, "0003")
    with read(store) as conn:
        assert conn.exec_driver_sql(
            "SELECT key, failures FROM login_throttle ORDER BY key"
        ).all() == [("addr:192.0.2.1", 1), ("user:0123abcd", 2)]
    # Revision 0001's triggers again: not even an entry from years ago may go.
    old_entry = text("INSERT INTO audit_log (at, action) VALUES (:at, 'probe')")
    with write(store) as conn:
        conn.execute(old_entry.bindparams(bindparam("at", type_=UtcDateTime)),
                     {"at": dt.datetime(2001, 1, 1, tzinfo=dt.UTC)})
    with pytest.raises(Exception, match="append-only"), write(store) as conn:
        conn.exec_driver_sql("DELETE FROM audit_log")
    assert migrate(store, T0) == head_revision()


# --- databases this server must not touch -------------------------------------------------


def test_a_newer_revision_is_refused_untouched(database_url: str, store: Engine) -> None:
    migrate(store, T0)
    with write(store) as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    before = database_state(store)
    store.dispose()
    path = sqlite_file(database_url)
    file_before = path.read_bytes() if path else None

    with pytest.raises(SchemaTooNew, match="newer version") as refused:
        create_app(database_url, config=ServerConfig())
    assert refused.value.found == "0099"
    assert "0099" in str(refused.value) and "nothing was changed" in str(refused.value)

    if path is not None:
        assert path.read_bytes() == file_before
    assert database_state(store) == before


def test_a_newer_numbered_version_is_refused_untouched(database_url: str, store: Engine) -> None:
    old_migrate(store)
    with write(store) as conn:
        conn.execute(schema_migrations.insert().values(
            version=NUMBERED_LATEST + 1, name="from the future", applied_at=T0
        ))
    before = database_state(store)
    store.dispose()
    path = sqlite_file(database_url)
    file_before = path.read_bytes() if path else None

    with pytest.raises(SchemaTooNew, match="newer version") as refused:
        migrate(store, T0)
    assert (refused.value.found, refused.value.known) == (3, 2)

    store.dispose()
    if path is not None:
        assert path.read_bytes() == file_before
    assert database_state(store) == before
    assert "alembic_version" not in before["tables"]


def test_tables_without_a_schema_version_are_refused(store: Engine) -> None:
    with write(store) as conn:
        conn.exec_driver_sql("CREATE TABLE users (id TEXT PRIMARY KEY)")
    before = database_state(store)
    with pytest.raises(SchemaUnrecognised, match="users"):
        migrate(store, T0)
    assert database_state(store) == before


def test_database_urls() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(UnsupportedDatabaseUrl):
        create_store_engine("sqlite://")
    with pytest.raises(UnsupportedDatabaseUrl):
        create_store_engine("mysql://u@h/db")
