"""login_throttle: per-account lockouts findable and counted, known addresses, audit pruning.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-09

Sign-in throttling now counts attempts per account, per address and per (account,
address) pair (see ``icv_app.server.throttle``). ``login_throttle`` gains ``account_key``
(the account's key on its own row and its pairs' rows, so that ``icv-app admin unlock``
finds them all; existing ``user:`` rows get their own key) and ``throttled`` (attempts
refused while locked, counted instead of each writing an audit entry).
``login_known_addresses`` remembers, hashed, the addresses each account has signed in from.

The audit log stays append-only, except that ``icv-app admin audit-prune`` may delete
entries older than a cutoff it writes into the new ``audit_prune`` table within its own
transaction, and never one less than 30 days old by the database's clock: the triggers
of revision 0001 are replaced by ones that check both.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from icv_app.server.storage import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# The floor is written into the triggers, not read from icv_app.server.audit, so that this
# revision means the same whatever a later version sets there.
_PG_FUNCTION = """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                -- A prune (audit_prune holds its cutoff, in its own transaction only) may
                -- delete entries older than the cutoff and than 30 days.
                IF TG_OP = 'DELETE' AND TG_LEVEL = 'ROW'
                   AND OLD.at < now() - interval '30 days'
                   AND OLD.at < (SELECT max(cutoff) FROM audit_prune) THEN
                    RETURN OLD;
                END IF;
                RAISE EXCEPTION USING
                    MESSAGE = 'audit_log is append-only: ' || TG_OP || ' refused';
            END
            $$"""

# Revision 0001's function, character for character (PostgreSQL keeps the body as written).
_PG_FUNCTION_0001 = """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION USING
                    MESSAGE = 'audit_log is append-only: ' || TG_OP || ' refused';
            END
            $$"""

# SQLite keeps timestamps as ISO text ("YYYY-MM-DD HH:MM:SS.ffffff"), which compares in
# time order with datetime()'s "YYYY-MM-DD HH:MM:SS". With audit_prune empty, the COALESCE
# makes the condition true (the trigger refuses): a NULL there would let the DELETE by.
_SQLITE_NO_DELETE = """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        WHEN OLD.at >= datetime('now', '-30 days')
            OR OLD.at >= COALESCE((SELECT max(cutoff) FROM audit_prune), '')
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END"""

_SQLITE_NO_DELETE_0001 = """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END"""


def upgrade() -> None:
    op.add_column("login_throttle", sa.Column("account_key", sa.Text(), nullable=True))
    op.add_column(
        "login_throttle",
        sa.Column("throttled", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    throttle = sa.table("login_throttle", sa.column("key", sa.Text),
                        sa.column("account_key", sa.Text))
    op.execute(
        throttle.update().where(throttle.c.key.like("user:%")).values(account_key=throttle.c.key)
    )
    op.create_index("login_throttle_account", "login_throttle", ["account_key"])

    op.create_table(
        "login_known_addresses",
        sa.Column("user_id", sa.Text(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("address_hash", sa.Text(), nullable=False),
        sa.Column("first_signed_in_at", UtcDateTime(), nullable=False),
        sa.Column("last_signed_in_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "address_hash"),
    )

    op.create_table("audit_prune", sa.Column("cutoff", UtcDateTime(), primary_key=True))
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        # The triggers of 0001 call this function; replacing it changes them both (and
        # TRUNCATE, a statement-level trigger, is still refused).
        connection.exec_driver_sql(_PG_FUNCTION)
    else:
        connection.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        connection.exec_driver_sql(_SQLITE_NO_DELETE)


def downgrade() -> None:
    # Lossy: the known addresses, the throttled counts and the accounts of pair rows go.
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(_PG_FUNCTION_0001)
    else:
        connection.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        connection.exec_driver_sql(_SQLITE_NO_DELETE_0001)
    op.drop_table("audit_prune")
    op.drop_table("login_known_addresses")
    op.drop_index("login_throttle_account", table_name="login_throttle")
    # Pair rows mean nothing to the code before this revision; it would keep them forever.
    op.execute("DELETE FROM login_throttle WHERE key LIKE 'pair:%'")
    with op.batch_alter_table("login_throttle") as batch:
        batch.drop_column("account_key")
        batch.drop_column("throttled")
