"""Schema migrations on both engines: applied once, recorded, and a newer schema refused."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, select

from icv_app.server.app import create_app
from icv_app.server.config import ServerConfig
from icv_app.server.migrations import LATEST, SchemaTooNew, migrate
from icv_app.server.storage import (
    UnsupportedDatabaseUrl,
    create_store_engine,
    metadata,
    normalise_url,
    read,
    schema_migrations,
    write,
)


def test_the_migrated_schema_is_what_the_code_queries(engine: Engine) -> None:
    inspector = inspect(engine)
    for table in metadata.sorted_tables:
        columns = {c["name"] for c in inspector.get_columns(table.name)}
        assert columns == set(table.columns.keys()), table.name


def test_migrations_are_recorded_and_applied_once(engine: Engine) -> None:
    assert migrate(engine) == LATEST
    assert migrate(engine) == LATEST
    with read(engine) as conn:
        versions = conn.execute(select(schema_migrations.c.version)).scalars().all()
    assert versions == list(range(1, LATEST + 1))


def test_a_newer_database_is_refused_untouched(database_url: str, engine: Engine) -> None:
    with write(engine) as conn:
        conn.execute(schema_migrations.insert().values(
            version=LATEST + 1, name="from the future",
            applied_at=conn.execute(select(schema_migrations.c.applied_at).limit(1)).scalar_one(),
        ))
    with pytest.raises(SchemaTooNew, match="newer version"):
        create_app(database_url, config=ServerConfig())


def test_database_urls() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(UnsupportedDatabaseUrl):
        create_store_engine("sqlite://")
    with pytest.raises(UnsupportedDatabaseUrl):
        create_store_engine("mysql://u@h/db")
