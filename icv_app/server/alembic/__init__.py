"""The central store's schema history: Alembic revisions, applied by :func:`migrate`.

``env.py`` and ``versions/`` are Alembic's script directory; :mod:`icv_app.server.migrations`
runs it from Python (there is no ``alembic.ini``), on the connection and in the transaction
that ``migrate`` opens. Revisions are explicit DDL written by hand, the same on SQLite and
PostgreSQL (SQLite has no ALTER for most changes: use ``op.batch_alter_table``, which
rebuilds the table there and emits plain ALTERs on PostgreSQL). Never edit a revision that
has shipped; add the next one and change the ``Table`` objects in :mod:`storage` to match
(``tests/server/test_migrations.py`` compares the two on both engines). A new revision file:

    from alembic import command
    from icv_app.server.migrations import alembic_config
    command.revision(alembic_config(), "what it does", rev_id="0004")

Revisions 0001 and 0002 are the numbered migrations 1 and 2 that came before Alembic,
statement for statement, so a database those made is stamped at its version, not rebuilt.
Revisions up to 0003 also write the old ``schema_migrations`` table (see
:func:`record_numbered_version`); later ones must not.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

from icv_app.server.storage import UtcDateTime


def record_numbered_version(version: int, name: str) -> None:
    """Add a row to ``schema_migrations``, as the numbered migrations did for each version.

    Part of the shipped revisions 0001-0003: do not change it. The row for version 3 is
    the last: it makes a server from before Alembic (which knows up to 2) refuse the
    database as written by a newer version instead of running on a schema it does not know.
    """
    config = op.get_context().config
    now = config.attributes.get("now") if config is not None else None
    table = sa.table(
        "schema_migrations",
        sa.column("version", sa.Integer),
        sa.column("name", sa.Text),
        sa.column("applied_at", UtcDateTime),
    )
    op.get_bind().execute(
        table.insert().values(
            version=version, name=name, applied_at=now or dt.datetime.now(dt.UTC)
        )
    )
