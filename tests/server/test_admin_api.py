"""Managing accounts over the API (/api/v1/admin), on both engines: what an admin does
from the app, who else may do what (the declared role table, enforced), hostile input
refused with a reason and never a server error, and every change in the audit log with
the acting user and device."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from icv_app.server import admin, audit
from icv_app.server.admin_api import PERMISSIONS
from icv_app.server.settings import get_settings
from icv_app.server.storage import read
from icv_app.sync.admin_wire import MIN_PASSWORD_LENGTH, AdminAction, Reach
from icv_app.sync.wire import Role
from tests.server.support import API, PASSWORD, Server, Session

NEW_PASSWORD = "a different battery staple"  # synthetic, test only
ROLES = [r.value for r in Role]


def call(session: Session, method: str, path: str, body: Any = None) -> Any:
    return session.client.request(method, API + path, headers=session.headers, json=body)


def audit_rows(server: Server, action: str) -> list[dict[str, Any]]:
    with read(server.engine) as conn:
        return audit.entries(conn, action=action)


def role_of(server: Server, username: str) -> Role:
    return admin.get_user(server.engine, username).role


# --- the role table ----------------------------------------------------------------------


def test_the_app_and_the_server_agree_on_the_shortest_password() -> None:
    assert MIN_PASSWORD_LENGTH == admin.MIN_PASSWORD_LENGTH


def test_the_role_table_is_the_documented_split() -> None:
    """Admins do everything; a coordinator lists users and devices and helps volunteers
    (password, lockout, lost laptop); a survey manager lists the interviewers (to assign
    them cases); nobody else reaches administration at all."""
    admin_only = {Role.ADMIN: Reach.ANY}
    listing = {Role.ADMIN: Reach.ANY, Role.COORDINATOR: Reach.ANY}
    helping = {Role.ADMIN: Reach.ANY, Role.COORDINATOR: Reach.VOLUNTEERS}
    assert {a: dict(row) for a, row in PERMISSIONS.items()} == {
        AdminAction.LIST_USERS: {**listing, Role.SURVEY_MANAGER: Reach.INTERVIEWERS},
        AdminAction.CREATE_USER: admin_only,
        AdminAction.SET_ROLE: admin_only,
        AdminAction.SET_DISABLED: admin_only,
        AdminAction.RESET_PASSWORD: helping,
        AdminAction.UNLOCK: helping,
        AdminAction.LIST_DEVICES: listing,
        AdminAction.REVOKE_DEVICE: helping,
        AdminAction.SET_RETENTION: admin_only,
    }


Target = dict[str, str]  # the target account's user, role and device; the caller's role


@dataclass
class Endpoint:
    action: AdminAction
    method: str
    path: Callable[[Target], str]
    body: Callable[[Target], Any] = lambda _t: None
    targeted: bool = True  # acts on one account (a coordinator: only a volunteer's)


# Each acts on the target account and is made so that trying it again (every caller in
# turn) still succeeds for those allowed, and changes nothing the next caller relies on.
ENDPOINTS = [
    Endpoint(AdminAction.LIST_USERS, "GET", lambda t: "/admin/users", targeted=False),
    Endpoint(AdminAction.CREATE_USER, "POST", lambda t: "/admin/users",
             lambda t: {"username": f"new.{t['caller']}", "role": "volunteer",
                        "password": PASSWORD}, targeted=False),
    Endpoint(AdminAction.SET_ROLE, "PUT", lambda t: f"/admin/users/{t['user']}/role",
             lambda t: {"role": t["role"]}),
    Endpoint(AdminAction.SET_DISABLED, "PUT",
             lambda t: f"/admin/users/{t['user']}/disabled", lambda t: {"disabled": False}),
    Endpoint(AdminAction.RESET_PASSWORD, "POST",
             lambda t: f"/admin/users/{t['user']}/password",
             lambda t: {"password": PASSWORD}),
    Endpoint(AdminAction.UNLOCK, "POST", lambda t: f"/admin/users/{t['user']}/unlock"),
    Endpoint(AdminAction.LIST_DEVICES, "GET", lambda t: f"/admin/devices?user={t['user']}",
             targeted=False),
    Endpoint(AdminAction.REVOKE_DEVICE, "POST",
             lambda t: f"/admin/devices/{t['device']}/revoke"),
    Endpoint(AdminAction.SET_RETENTION, "PUT", lambda t: "/admin/retention",
             lambda t: {"retention_days": 30}, targeted=False),
]


def test_every_endpoint_is_in_the_table_and_the_openapi_description(server: Server) -> None:
    assert {e.action for e in ENDPOINTS} == set(AdminAction) == set(PERMISSIONS)
    spec = server.client.get("/openapi.json").json()
    admin_paths = [p for p in spec["paths"] if p.startswith(f"{API}/admin/")]
    operations = sum(len(spec["paths"][p]) for p in admin_paths)
    assert operations == len(ENDPOINTS) + 1  # and GET /admin/access


@pytest.mark.parametrize("target_role", ["volunteer", "coordinator", "admin"])
def test_the_table_is_enforced_for_every_role_on_every_endpoint(
    server: Server, target_role: str
) -> None:
    target = server.user(f"target.{target_role}", target_role)
    wrong: list[str] = []
    for role in ROLES:
        caller = server.user(f"caller.{role}", role)
        t = {"user": target.username, "role": target_role, "device": target.device_id,
             "caller": role}
        for endpoint in ENDPOINTS:
            reach = PERMISSIONS[endpoint.action].get(Role(role))
            allowed = reach is Reach.ANY or (
                reach in (Reach.VOLUNTEERS, Reach.INTERVIEWERS)
                and (target_role == reach.value.removesuffix("s") or not endpoint.targeted)
            )
            response = call(caller, endpoint.method, endpoint.path(t), endpoint.body(t))
            ok = response.status_code in (200, 201)
            if ok != allowed or (not ok and response.status_code != 403):
                wrong.append(f"{role} {endpoint.action.value} on a {target_role}: "
                             f"{response.status_code} {response.text}")
            if not ok:
                assert response.json()["message"], response.text
    assert not wrong, "\n".join(wrong)


def test_a_volunteer_is_refused_every_endpoint_even_with_garbage(server: Server) -> None:
    vol = server.user("vol.alpha")
    requests = [
        ("GET", "/admin/access", None),
        ("GET", "/admin/users", None),
        ("POST", "/admin/users", {"username": "-", "role": "god", "password": 1}),
        ("PUT", "/admin/users/vol.alpha/role", {"role": "admin"}),
        ("PUT", "/admin/users/-bad-/disabled", {"disabled": "yes"}),
        ("POST", "/admin/users/vol.alpha/password", {"password": "x" * 5000}),
        ("POST", "/admin/users/vol.alpha/unlock", None),
        ("GET", "/admin/devices?user=%00", None),
        ("POST", f"/admin/devices/{vol.device_id}/revoke", None),
        ("POST", "/admin/devices/not-a-uuid/revoke", None),
        ("PUT", "/admin/retention", {"retention_days": -5}),
    ]
    for method, path, body in requests:
        response = call(vol, method, path, body)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json() == {
            "error": "forbidden",
            "message": "Your role (volunteer) may not manage accounts or devices.",
        }
    assert role_of(server, "vol.alpha") is Role.VOLUNTEER
    assert audit_rows(server, "user.role_changed") == []


def test_a_coordinator_helps_volunteers_but_not_other_accounts(server: Server) -> None:
    coord = server.user("coord.one", "coordinator")
    vol = server.user("vol.alpha")
    boss = server.user("admin.one", "admin")
    access = coord.get("/admin/access").json()
    assert access["role"] == "coordinator"
    assert access["permissions"] == {
        "list_users": "any", "reset_password": "volunteers", "unlock": "volunteers",
        "list_devices": "any", "revoke_device": "volunteers",
    }

    assert call(coord, "POST", "/admin/users/vol.alpha/password",
                {"password": NEW_PASSWORD}).status_code == 200
    assert server.login_response("vol.alpha", NEW_PASSWORD).status_code == 200
    response = call(coord, "POST", "/admin/users/admin.one/password",
                    {"password": NEW_PASSWORD})
    assert response.status_code == 403
    assert response.json()["message"] == (
        "A coordinator may do this only for volunteers' accounts; admin.one is an admin: "
        "ask an admin."
    )
    assert server.login_response("admin.one", NEW_PASSWORD).status_code == 401

    assert call(coord, "POST", f"/admin/devices/{boss.device_id}/revoke").status_code == 403
    assert boss.get("/me").status_code == 200
    assert call(coord, "POST", f"/admin/devices/{vol.device_id}/revoke").status_code == 200
    assert vol.get("/me").json()["error"] == "device_revoked"
    # Only an admin adds users, changes roles and retention.
    for method, path, body in (
        ("POST", "/admin/users", {"username": "x.y", "role": "admin", "password": PASSWORD}),
        ("PUT", "/admin/users/coord.one/role", {"role": "admin"}),
        ("PUT", "/admin/retention", {"retention_days": 1}),
    ):
        response = call(coord, method, path, body)
        assert response.status_code == 403
        assert response.json()["message"] == (
            "Your role (coordinator) may not do this: ask an admin."
        )
    assert role_of(server, "coord.one") is Role.COORDINATOR


def test_a_survey_manager_lists_the_interviewers_and_nothing_else(server: Server) -> None:
    """To assign telephone cases by name: the interviewers' accounts, read-only."""
    manager = server.user("sm.one", "survey_manager")
    for username, role in (("int.b", "interviewer"), ("int.a", "interviewer"),
                           ("vol.alpha", "volunteer"), ("admin.one", "admin")):
        server.add_user(username, role)
    listed = manager.get("/admin/users").json()["users"]
    assert [(u["username"], u["role"]) for u in listed] == [
        ("int.a", "interviewer"), ("int.b", "interviewer")]
    assert manager.get("/admin/access").json()["permissions"] == {
        "list_users": "interviewers"}
    for method, path, body in (
        ("GET", "/admin/devices", None),
        ("POST", "/admin/users/int.a/unlock", None),
        ("PUT", "/admin/users/int.a/role", {"role": "survey_manager"}),
    ):
        response = call(manager, method, path, body)
        assert response.status_code == 403
        assert response.json()["message"] == (
            "Your role (survey_manager) may not do this: ask an admin.")


# --- an admin's day ----------------------------------------------------------------------


def test_an_admin_lists_creates_and_changes_users(server: Server) -> None:
    boss = server.user("admin.one", "admin")
    server.add_user("vol.alpha")

    listed = boss.get("/admin/users").json()["users"]
    assert [(u["username"], u["role"], u["disabled"]) for u in listed] == [
        ("admin.one", "admin", False), ("vol.alpha", "volunteer", False),
    ]

    created = call(boss, "POST", "/admin/users",
                   {"username": "Vol.Beta", "role": "coordinator", "password": PASSWORD})
    assert created.status_code == 201
    assert (created.json()["username"], created.json()["role"]) == ("vol.beta", "coordinator")
    assert created.json()["created_at"].startswith("2030-03-01")  # the server's clock
    assert server.login_response("vol.beta").status_code == 200

    changed = call(boss, "PUT", "/admin/users/vol.beta/role", {"role": "volunteer"})
    assert changed.status_code == 200 and changed.json()["role"] == "volunteer"
    assert role_of(server, "vol.beta") is Role.VOLUNTEER

    off = call(boss, "PUT", "/admin/users/vol.alpha/disabled", {"disabled": True})
    assert off.status_code == 200 and off.json()["disabled"] is True
    assert server.login_response("vol.alpha").status_code == 403
    on = call(boss, "PUT", "/admin/users/VOL.ALPHA/disabled", {"disabled": False})
    assert on.status_code == 200 and on.json()["disabled"] is False
    assert server.login_response("vol.alpha").status_code == 200

    reset = call(boss, "POST", "/admin/users/vol.alpha/password", {"password": NEW_PASSWORD})
    assert reset.status_code == 200
    assert server.login_response("vol.alpha").status_code == 401
    assert server.login_response("vol.alpha", NEW_PASSWORD).status_code == 200


def test_an_admin_unlocks_a_locked_out_volunteer(server: Server) -> None:
    boss = server.user("admin.one", "admin")
    server.add_user("vol.alpha")
    statuses = [server.login_response("vol.alpha", "wrong guess").status_code
                for _ in range(5)]
    assert statuses[-1] == 429
    assert server.login_response("vol.alpha").status_code == 429
    unlocked = call(boss, "POST", "/admin/users/vol.alpha/unlock")
    assert unlocked.status_code == 200
    assert unlocked.json()["username"] == "vol.alpha" and unlocked.json()["cleared"] > 0
    assert server.login_response("vol.alpha").status_code == 200


def test_an_admin_lists_devices_and_revokes_a_lost_laptop(server: Server) -> None:
    boss = server.user("admin.one", "admin")
    server.add_user("vol.alpha")
    lost = server.login("vol.alpha", device="laptop of vol.alpha")
    kept = server.login("vol.alpha", device="home pc of vol.alpha")

    everything = boss.get("/admin/devices").json()["devices"]
    assert [(d["username"], d["name"], d["current"]) for d in everything] == [
        ("admin.one", "test laptop", True),
        ("vol.alpha", "laptop of vol.alpha", False),
        ("vol.alpha", "home pc of vol.alpha", False),
    ]
    theirs = boss.get("/admin/devices", params={"user": "vol.alpha"}).json()["devices"]
    assert [d["id"] for d in theirs] == [lost.device_id, kept.device_id]

    revoked = call(boss, "POST", f"/admin/devices/{lost.device_id}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"].startswith("2030-03-01")
    assert lost.get("/me").json()["error"] == "device_revoked"
    assert kept.get("/me").status_code == 200
    # Twice is harmless, and logged once.
    assert call(boss, "POST", f"/admin/devices/{lost.device_id}/revoke").status_code == 200
    assert len(audit_rows(server, "device.revoked")) == 1


def test_an_admin_sets_retention(server: Server) -> None:
    boss = server.user("admin.one", "admin")
    response = call(boss, "PUT", "/admin/retention", {"retention_days": 7})
    assert response.status_code == 200 and response.json() == {"retention_days": 7}
    assert get_settings(server.engine).retention_days == 7
    assert boss.get("/settings").json() == {"retention_days": 7}


def test_every_change_is_audited_with_the_acting_user_and_device(server: Server) -> None:
    boss = server.user("admin.one", "admin")
    vol = server.user("vol.alpha")
    for method, path, body in (
        ("POST", "/admin/users", {"username": "vol.beta", "role": "volunteer",
                                  "password": PASSWORD}),
        ("PUT", "/admin/users/vol.beta/role", {"role": "coordinator"}),
        ("PUT", "/admin/users/vol.beta/disabled", {"disabled": True}),
        ("POST", "/admin/users/vol.alpha/password", {"password": NEW_PASSWORD}),
        ("POST", "/admin/users/vol.alpha/unlock", None),
        ("POST", f"/admin/devices/{vol.device_id}/revoke", None),
        ("PUT", "/admin/retention", {"retention_days": 14}),
    ):
        assert call(boss, method, path, body).status_code in (200, 201), path
    actions = ["user.created", "user.role_changed", "user.disabled", "user.password_reset",
               "user.unlocked", "device.revoked", "settings.changed"]
    with read(server.engine) as conn:
        rows = [r for r in audit.entries(conn)
                if r["action"] in actions and r["actor"] != "admin-cli"]
    assert [r["action"] for r in rows] == actions
    for row in rows:
        assert (row["actor"], row["actor_user_id"], row["device_id"]) == (
            "admin.one", boss.user_id, boss.device_id
        ), row
        assert NEW_PASSWORD not in (row["detail"] or "") and PASSWORD not in (
            row["detail"] or ""
        )
    change = json.loads(rows[1]["detail"])
    assert (change["from"], change["to"]) == ("volunteer", "coordinator")


# --- hostile and impossible requests -------------------------------------------------------


HOSTILE = [
    # (method, path, body, status, words in the message or a field in the detail)
    ("POST", "/admin/users", {"username": "", "role": "volunteer", "password": PASSWORD},
     422, "username"),
    ("POST", "/admin/users", {"username": "-lead", "role": "volunteer",
                              "password": PASSWORD}, 422, "username"),
    ("POST", "/admin/users", {"username": "a" * 65, "role": "volunteer",
                              "password": PASSWORD}, 422, "username"),
    ("POST", "/admin/users", {"username": "robert'); drop table users;--",
                              "role": "volunteer", "password": PASSWORD}, 422, "username"),
    ("POST", "/admin/users", {"username": "näme", "role": "volunteer",
                              "password": PASSWORD}, 422, "username"),
    ("POST", "/admin/users", {"username": "ok.name", "role": "volunteer",
                              "password": "short"}, 422, "at least 10 characters"),
    ("POST", "/admin/users", {"username": "ok.name", "role": "volunteer",
                              "password": "x" * 100_000}, 422, "password"),
    ("POST", "/admin/users", {"username": "ok.name", "role": "volunteer",
                              "password": 1234567890123}, 422, "password"),
    ("POST", "/admin/users", {"username": "ok.name", "role": "superuser",
                              "password": PASSWORD}, 422, "role"),
    ("POST", "/admin/users", {"username": "ok.name", "role": "volunteer",
                              "password": PASSWORD, "is_admin": True}, 422, "is_admin"),
    ("POST", "/admin/users", {"username": "admin.one", "role": "volunteer",
                              "password": PASSWORD}, 409, "already exists"),
    ("POST", "/admin/users", [1, 2, 3], 422, "body"),
    ("PUT", "/admin/users/vol.alpha/role", {"role": "root"}, 422, "role"),
    ("PUT", "/admin/users/vol.alpha/role", {"role": None}, 422, "role"),
    ("PUT", "/admin/users/no.such.user/role", {"role": "admin"}, 404, "No user named"),
    ("PUT", f"/admin/users/{'a' * 65}/role", {"role": "admin"}, 422, "username"),
    ("PUT", "/admin/users/-x/role", {"role": "admin"}, 422, "username"),
    ("PUT", "/admin/users/vol.alpha/disabled", {"disabled": "true"}, 422, "disabled"),
    ("PUT", "/admin/users/vol.alpha/disabled", {"disabled": 1}, 422, "disabled"),
    ("POST", "/admin/users/vol.alpha/password", {"password": "x" * 1025}, 422, "password"),
    ("POST", "/admin/users/vol.alpha/password", {"password": ""}, 422, "password"),
    ("POST", "/admin/users/vol.alpha/password", {}, 422, "password"),
    ("POST", "/admin/users/nobody/unlock", None, 404, "No user named"),
    ("GET", "/admin/devices?user=nobody", None, 404, "No user named"),
    ("GET", "/admin/devices?user=%27%20or%201=1", None, 422, "user"),
    ("POST", "/admin/devices/not-a-uuid/revoke", None, 422, "device_id"),
    ("POST", "/admin/devices/00000000-0000-4000-8000-000000000000/revoke", None, 404,
     "No device"),
    ("PUT", "/admin/retention", {"retention_days": -1}, 422, "retention_days"),
    ("PUT", "/admin/retention", {"retention_days": 3651}, 422, "retention_days"),
    ("PUT", "/admin/retention", {"retention_days": "7"}, 422, "retention_days"),
    ("PUT", "/admin/retention", {"retention_days": 7.5}, 422, "retention_days"),
    ("PUT", "/admin/retention", {"retention_days": True}, 422, "retention_days"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "why"), HOSTILE)
def test_hostile_input_is_refused_with_a_reason(
    server: Server, method: str, path: str, body: Any, status: int, why: str
) -> None:
    boss = server.user("admin.one", "admin")
    server.add_user("vol.alpha")
    response = call(boss, method, path, body)
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["message"]
    said = answer["message"] + json.dumps(answer.get("detail") or [])
    assert why in said, answer
    # Nothing changed: still the same two users, the same roles, nobody disabled.
    users = [(u.username, u.role, u.disabled) for u in admin.list_users(server.engine)]
    assert users == [("admin.one", Role.ADMIN, False), ("vol.alpha", Role.VOLUNTEER, False)]
    assert get_settings(server.engine).retention_days == 30


def test_an_admin_cannot_revoke_the_device_they_are_using(server: Server) -> None:
    boss = server.user("admin.one", "admin")
    response = call(boss, "POST", f"/admin/devices/{boss.device_id}/revoke")
    assert response.status_code == 409
    assert "the device you are using now" in response.json()["message"]
    assert boss.get("/me").status_code == 200
    assert audit_rows(server, "device.revoked") == []
    # From another of their devices, it can be.
    other = server.login("admin.one", device="office pc")
    assert call(other, "POST", f"/admin/devices/{boss.device_id}/revoke").status_code == 200
    assert boss.get("/me").json()["error"] == "device_revoked"


def test_the_last_admin_cannot_demote_or_disable_themselves(server: Server) -> None:
    boss = server.user("admin.one", "admin")
    response = call(boss, "PUT", "/admin/users/admin.one/role", {"role": "coordinator"})
    assert response.status_code == 409
    assert response.json()["message"].startswith(
        "admin.one is the only admin left, so cannot be made a coordinator"
    )
    assert role_of(server, "admin.one") is Role.ADMIN
    response = call(boss, "PUT", "/admin/users/admin.one/disabled", {"disabled": True})
    assert response.status_code == 409
    assert "your own account" in response.json()["message"]
    assert not admin.get_user(server.engine, "admin.one").disabled
    assert audit_rows(server, "user.role_changed") == []

    # With a second admin, stepping down is fine; that one is then the last.
    server.add_user("admin.two", "admin")
    demoted = call(boss, "PUT", "/admin/users/admin.one/role", {"role": "coordinator"})
    assert demoted.status_code == 200
    assert boss.get("/admin/access").json()["role"] == "coordinator"
    second = server.login("admin.two")
    response = call(second, "PUT", "/admin/users/admin.two/role", {"role": "volunteer"})
    assert response.status_code == 409 and "only admin left" in response.json()["message"]


def test_a_disabled_admin_does_not_count_as_the_one_left(server: Server) -> None:
    server.add_user("admin.one", "admin")
    server.add_user("admin.two", "admin")
    admin.set_disabled(server.engine, "admin.two", True)
    with pytest.raises(admin.AdminError, match="only admin left"):
        admin.set_disabled_keeping_an_admin(server.engine, "admin.one", True)
    with pytest.raises(admin.AdminError, match="only admin left"):
        admin.set_role(server.engine, "admin.one", "volunteer")
    # Demoting the disabled one takes no admin away.
    assert admin.set_role(server.engine, "admin.two", "volunteer").role is Role.VOLUNTEER


def test_passwords_are_hashed_in_the_same_few_slots_as_sign_ins(server: Server) -> None:
    """Each hash takes a sign-in's memory: a burst of resets waits for the same slots,
    and is told to retry (changing nothing) when none comes free."""
    boss = server.user("admin.one", "admin")
    server.add_user("vol.alpha")
    slots = server.app.state.icv.password_checks
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    try:
        response = call(boss, "POST", "/admin/users/vol.alpha/password",
                        {"password": NEW_PASSWORD})
    finally:
        for _ in range(taken):
            slots.release()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "Nothing was changed" in response.json()["message"]
    assert server.login_response("vol.alpha").status_code == 200  # the old password

