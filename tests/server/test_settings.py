"""Scheme settings: every laptop reads them, only an admin changes them."""

from __future__ import annotations

from icv_app.server import audit
from icv_app.server.settings import get_settings, set_retention
from icv_app.server.storage import read
from tests.server.support import Server


def test_retention_defaults_and_is_changed_by_an_admin(server: Server) -> None:
    vol = server.user("vol.alpha")
    boss = server.user("admin.one", "admin")
    assert vol.get("/settings").json() == {"retention_days": 30}

    response = boss.put("/settings", json={"retention_days": 7})
    assert response.status_code == 200
    assert vol.get("/settings").json() == {"retention_days": 7}
    assert vol.put("/settings", json={"retention_days": 1}).status_code == 403
    assert boss.put("/settings", json={"retention_days": -1}).status_code == 422

    set_retention(server.engine, 90)
    assert get_settings(server.engine).retention_days == 90
    with read(server.engine) as conn:
        changes = audit.entries(conn, action="settings.changed")
    assert [(c["actor"], c["detail"]) for c in changes] == [
        ("admin.one", '{"retention_days": 7}'),
        ("admin-cli", '{"retention_days": 90}'),
    ]
