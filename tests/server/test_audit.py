"""The audit log: written with every change, never holding secrets, refusing edits."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update
from sqlalchemy.exc import DatabaseError

from icv_app.server import admin, audit
from icv_app.server.app import create_app
from icv_app.server.config import ServerConfig
from icv_app.server.storage import audit_log, read, write
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
