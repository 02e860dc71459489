"""revisions_by_id: index record_revisions by id (numbered migration 2, unchanged).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 (as migration 2)
"""

from __future__ import annotations

from alembic import op

from icv_app.server.alembic import record_numbered_version

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every push looks up the revisions of the ids it carries; without this index that
    # lookup scanned the whole table while holding the push lock (linear in history).
    op.get_bind().exec_driver_sql("CREATE INDEX record_revisions_by_id ON record_revisions (id)")
    record_numbered_version(2, "revisions_by_id")


def downgrade() -> None:
    op.execute("DROP INDEX record_revisions_by_id")
    op.execute("DELETE FROM schema_migrations WHERE version = 2")
