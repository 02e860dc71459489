"""records_kind_agnostic: parent_id, final, assignee_id and body_version on records.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

``records`` had columns for two kinds only: ``visit_id`` (an amendment's visit) and
``status`` (a visit's draft/submitted). They become ``parent_id`` (the record's parent
record, from ``visit_id``), ``final`` (the record is immutable on the server: true where
``status`` was 'submitted'), ``assignee_id`` (kinds scoped to an assigned user) and
``body_version``. The first revision that a server from before Alembic cannot run on, so
it also writes version 3 to ``schema_migrations``, which such a server refuses.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from icv_app.server.alembic import record_numbered_version

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ADD COLUMN with a constant default is a plain ALTER on both engines.
    op.add_column("records", sa.Column("parent_id", sa.Text(), nullable=True))
    op.add_column(
        "records",
        sa.Column("final", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("records", sa.Column("assignee_id", sa.Text(), nullable=True))
    op.add_column(
        "records",
        sa.Column("body_version", sa.Integer(), nullable=False, server_default=sa.text("1")),
    )
    records = sa.table(
        "records",
        sa.column("type", sa.Text),
        sa.column("visit_id", sa.Text),
        sa.column("status", sa.Text),
        sa.column("parent_id", sa.Text),
        sa.column("final", sa.Boolean),
    )
    op.execute(
        records.update()
        .where(records.c.visit_id.is_not(None))
        .values(parent_id=records.c.visit_id)
    )
    op.execute(records.update().where(records.c.status == "submitted").values(final=sa.true()))
    # An amendment is final as soon as the server has it (icv_app.kinds.custody).
    op.execute(records.update().where(records.c.type == "amendment").values(final=sa.true()))

    op.drop_index("records_visit", table_name="records")
    # SQLite cannot drop these columns in place everywhere (before 3.35): batch mode
    # rebuilds the table there (copy, drop, rename, indexes again); plain ALTERs on PostgreSQL.
    with op.batch_alter_table("records") as batch:
        batch.drop_column("visit_id")
        batch.drop_column("status")
    op.create_index("records_type_parent", "records", ["type", "parent_id"])
    record_numbered_version(3, "alembic: see alembic_version")


def downgrade() -> None:
    # Lossy: assignee_id and body_version go, and so does parent_id of any kind but amendments.
    op.drop_index("records_type_parent", table_name="records")
    op.add_column("records", sa.Column("visit_id", sa.Text(), nullable=True))
    op.add_column("records", sa.Column("status", sa.Text(), nullable=True))
    records = sa.table(
        "records",
        sa.column("type", sa.Text),
        sa.column("visit_id", sa.Text),
        sa.column("status", sa.Text),
        sa.column("parent_id", sa.Text),
        sa.column("final", sa.Boolean),
    )
    op.execute(
        records.update()
        .where(records.c.type == "amendment")
        .values(visit_id=records.c.parent_id)
    )
    op.execute(
        records.update()
        .where(records.c.type == "visit")
        .values(status=sa.case((records.c.final, "submitted"), else_="draft"))
    )
    with op.batch_alter_table("records") as batch:
        batch.drop_column("parent_id")
        batch.drop_column("final")
        batch.drop_column("assignee_id")
        batch.drop_column("body_version")
    op.create_index("records_visit", "records", ["visit_id"])
    op.execute("DELETE FROM schema_migrations WHERE version = 3")
