"""Alembic's environment for the central store: run by :func:`migrations.migrate` only.

``migrate`` passes the connection (already in its write transaction, holding the migration
lock) and the time to record in ``config.attributes``; all revisions run in that one
transaction, so a failure leaves the database as it was.
"""

from __future__ import annotations

from alembic import context

from icv_app.server.storage import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "The server's migrations run on a connection given by "
        "icv_app.server.migrations.migrate(), not from the alembic command line."
    )
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
