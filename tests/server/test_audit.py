"""The audit log: written with every change, never holding secrets, refusing edits, and
pruned only of entries older than 30 days."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine, delete, update
from sqlalchemy.exc import DatabaseError

from icv_app.server import admin, audit
from icv_app.server.app import create_app
from icv_app.server.audit import CLI_ACTOR, AuditEntry
from icv_app.server.config import ServerConfig
from icv_app.server.storage import audit_log, audit_prune, read, write
from tests.server.support import FAST_HASHER, PASSWORD, Server, draft_visit, visit_record


def test_sign_ins_pushes_and_admin_actions_are_logged(server: Server) -> None:
    vol = server.user("vol.alpha")
    server.login_response("vol.alpha", password="a wrong password")
    report = draft_visit()
    custody_number = "CN-123-SYNTH"
    report.detainees = []
    report.header.panel = custody_number
    vol.push_one(visit_record(report))
    bad = draft_visit(suite="")
    vol.push_one(visit_record(bad))
    admin.revoke_device(server.engine, vol.device_id)
    vol.get("/me")

    with read(server.engine) as conn:
        log = audit.entries(conn)
    actions = [e["action"] for e in log]
    assert actions == [
        "user.created",
        "login.succeeded",
        "login.failed",
        "record.accepted",
        "record.rejected",
        "device.revoked",
        "device.refused_revoked",
    ]
    accepted = log[3]
    assert accepted["actor"] == "vol.alpha"
    assert accepted["actor_user_id"] == vol.user_id
    assert accepted["device_id"] == vol.device_id
    assert accepted["record_type"] == "visit"
    assert accepted["record_id"] == report.id
    assert accepted["at"] is not None
    assert log[4]["record_id"] == bad.id
    assert log[5]["actor"] == "admin-cli"

    text = repr(log)
    for secret in (vol.token, PASSWORD, "a wrong password", custody_number):
        assert secret not in text


def test_a_failed_sign_in_under_an_unknown_name_does_not_log_the_name(server: Server) -> None:
    server.login_response("my secret passphrase", password="oops")  # typed in the wrong box
    with read(server.engine) as conn:
        (entry,) = audit.entries(conn, action="login.failed")
    assert entry["actor"] is None
    assert "passphrase" not in repr(entry)


def test_the_audit_log_refuses_update_and_delete(server: Server) -> None:
    server.user("vol.alpha")
    with pytest.raises(DatabaseError, match="append-only"), write(server.engine) as conn:
        conn.execute(update(audit_log).values(actor="someone else"))
    with pytest.raises(DatabaseError, match="append-only"), write(server.engine) as conn:
        conn.execute(delete(audit_log))
    with read(server.engine) as conn:
        assert len(audit.entries(conn)) == 2


@pytest.mark.postgres
def test_the_audit_log_refuses_truncate_on_postgresql(postgres_url: str) -> None:
    app = create_app(postgres_url, config=ServerConfig())
    engine = app.state.icv.engine
    try:
        admin.create_user(engine, "vol.alpha", "volunteer", PASSWORD, hasher=FAST_HASHER)
        with pytest.raises(DatabaseError, match="append-only"), write(engine) as conn:
            conn.exec_driver_sql("TRUNCATE audit_log")
    finally:
        engine.dispose()


# --- pruning ----------------------------------------------------------------------------
# By the real clock, not the tests' one: the database checks the last 30 days by its own.


def _entry(engine: Engine, action: str, at: dt.datetime) -> None:
    with write(engine) as conn:
        audit.record(conn, AuditEntry(action, CLI_ACTOR), at)


def test_old_entries_can_be_pruned_but_never_the_last_30_days(server: Server) -> None:
    now = dt.datetime.now(dt.UTC)
    for days in (400, 100, 40, 29, 1):
        _entry(server.engine, f"probe.{days}", now - dt.timedelta(days=days))
    with pytest.raises(admin.AdminError, match="keeps the last 30 days"):
        admin.prune_audit(server.engine, older_than_days=29, now=now)
    with pytest.raises(admin.AdminError, match="keeps the last 30 days"):
        admin.prune_audit(server.engine, before=(now - dt.timedelta(days=10)).date(), now=now)

    assert admin.prune_audit(server.engine, older_than_days=90, now=now).deleted == 2
    before = (now - dt.timedelta(days=35)).date()
    assert admin.prune_audit(server.engine, before=before, now=now).deleted == 1

    with read(server.engine) as conn:
        log = audit.entries(conn)
    assert [e["action"] for e in log] == ["probe.29", "probe.1", "audit.pruned", "audit.pruned"]
    assert log[2]["actor"] == "admin-cli"
    assert json.loads(log[2]["detail"]) == {
        "older_than": (now - dt.timedelta(days=90)).isoformat(), "deleted": 2,
    }


def test_the_database_itself_keeps_the_last_30_days(server: Server) -> None:
    now = dt.datetime.now(dt.UTC)
    _entry(server.engine, "probe.recent", now - dt.timedelta(days=10))
    _entry(server.engine, "probe.old", now - dt.timedelta(days=40))
    # Not even within a prune's transaction, whatever cutoff it gives.
    with pytest.raises(DatabaseError, match="append-only"), write(server.engine) as conn:
        conn.execute(audit_prune.insert().values(cutoff=now + dt.timedelta(days=1)))
        conn.execute(delete(audit_log))
    # Nor an old entry outside a prune.
    with pytest.raises(DatabaseError, match="append-only"), write(server.engine) as conn:
        conn.execute(delete(audit_log).where(audit_log.c.action == "probe.old"))
    # A server clock a year ahead reaches only the entries old by the database's clock.
    ahead = now + dt.timedelta(days=365)
    assert admin.prune_audit(server.engine, older_than_days=30, now=ahead).deleted == 1
    with read(server.engine) as conn:
        assert [e["action"] for e in audit.entries(conn)] == ["probe.recent", "audit.pruned"]
        assert conn.execute(audit_prune.select()).all() == []
