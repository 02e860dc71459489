"""Signing in, device tokens, throttling, revoked devices, disabled accounts, handshake."""

from __future__ import annotations

from sqlalchemy import select

from icv_app.server import admin
from icv_app.server.storage import devices, read
from tests.server.conftest import Clock
from tests.server.support import API, PASSWORD, SCHEMA, Server


def test_sign_in_registers_a_device_whose_token_works(server: Server) -> None:
    user_id = server.add_user("vol.alpha")
    response = server.login_response("VOL.Alpha ", device="laptop 7")
    assert response.status_code == 200
    body = response.json()
    assert body["user_id"] == user_id
    assert body["role"] == "volunteer"
    assert body["server_schema"] == 1
    assert len(body["device_token"]) >= 40

    headers = {**SCHEMA, "Authorization": f"Bearer {body['device_token']}"}
    me = server.client.get(f"{API}/me", headers=headers)
    assert me.status_code == 200
    assert me.json() == {
        "user_id": user_id,
        "username": "vol.alpha",
        "role": "volunteer",
        "device_id": body["device_id"],
        "device_name": "laptop 7",
    }


def test_the_server_keeps_only_a_hash_of_the_token(server: Server) -> None:
    session = server.user("vol.alpha")
    with read(server.engine) as conn:
        stored = conn.execute(select(devices.c.token_hash)).scalar_one()
    assert session.token not in stored
    assert len(stored) == 64


def test_each_sign_in_is_a_new_device(server: Server) -> None:
    server.add_user("vol.alpha")
    first = server.login("vol.alpha", device="laptop")
    second = server.login("vol.alpha", device="spare laptop")
    assert first.device_id != second.device_id
    assert {d.name for d in admin.list_devices(server.engine, "vol.alpha")} == {
        "laptop", "spare laptop",
    }


def test_wrong_password_and_unknown_user_get_the_same_answer(server: Server) -> None:
    server.add_user("vol.alpha")
    wrong = server.login_response("vol.alpha", password="not the password")
    unknown = server.login_response("nobody.here")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json() == {
            "error": "invalid_credentials", "message": "Wrong username or password.",
        }


def test_calls_without_a_token_or_with_a_bad_one_are_refused(server: Server) -> None:
    assert server.client.get(f"{API}/me", headers=SCHEMA).json()["error"] == "unauthenticated"
    response = server.client.get(
        f"{API}/me", headers={**SCHEMA, "Authorization": "Bearer made-up-token"}
    )
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_failed_sign_ins_are_throttled_per_username(server: Server, clock: Clock) -> None:
    server.add_user("vol.alpha")
    for _ in range(3):  # the free attempts (config fixture)
        assert server.login_response("vol.alpha", password="wrong guess!").status_code == 401
    # The 4th failure locks the name for 10 s; even the right password is refused then.
    assert server.login_response("vol.alpha", password="wrong guess!").status_code == 401
    locked = server.login_response("vol.alpha")
    assert locked.status_code == 429
    assert locked.headers["Retry-After"] == "10"
    assert locked.json()["error"] == "throttled"
    assert locked.json()["retry_after"] == 10

    clock.advance(seconds=11)
    # The next failure doubles the window.
    assert server.login_response("vol.alpha", password="wrong guess!").status_code == 401
    assert server.login_response("vol.alpha").headers["Retry-After"] == "20"
    clock.advance(seconds=21)
    assert server.login_response("vol.alpha").status_code == 200
    # Success clears the name's count (the address's 6th failure is still free).
    assert server.login_response("vol.alpha", password="wrong guess!").status_code == 401
    assert server.login_response("vol.alpha").status_code == 200


def test_other_names_are_not_locked_by_one_names_failures(server: Server) -> None:
    server.add_user("vol.alpha")
    server.add_user("vol.bravo")
    for _ in range(4):
        server.login_response("vol.alpha", password="wrong guess!")
    assert server.login_response("vol.alpha").status_code == 429
    assert server.login_response("vol.bravo").status_code == 200


def test_failed_sign_ins_are_throttled_per_address(server: Server, clock: Clock) -> None:
    server.add_user("vol.alpha")
    # Guessing across many names from one address: 6 free, then locked.
    for n in range(7):
        assert server.login_response(f"guess.{n}", password="wrong guess!").status_code == 401
    response = server.login_response("vol.alpha")
    assert response.status_code == 429
    clock.advance(seconds=11)
    assert server.login_response("vol.alpha").status_code == 200


def test_throttling_forgets_old_failures(server: Server, clock: Clock) -> None:
    server.add_user("vol.alpha")
    for _ in range(3):
        server.login_response("vol.alpha", password="wrong guess!")
    clock.advance(hours=2)
    assert server.login_response("vol.alpha", password="wrong guess!").status_code == 401
    assert server.login_response("vol.alpha").status_code == 200


def test_a_revoked_device_is_refused_and_told_so(server: Server) -> None:
    session = server.user("vol.alpha")
    other = server.login("vol.alpha", device="second laptop")
    admin.revoke_device(server.engine, session.device_id)

    for response in (session.get("/me"), session.get("/sync/pull"), session.post(
        "/sync/push", json={"records": []}
    )):
        assert response.status_code == 401
        body = response.json()
        assert body["error"] == "device_revoked"
        assert "revoked" in body["message"]
    assert other.get("/me").status_code == 200


def test_revoking_by_a_short_prefix_of_the_id(server: Server) -> None:
    session = server.user("vol.alpha")
    device = admin.revoke_device(server.engine, session.device_id[:8])
    assert device.id == session.device_id
    assert session.get("/me").json()["error"] == "device_revoked"


def test_signing_out_ends_the_token(server: Server) -> None:
    session = server.user("vol.alpha")
    assert session.post("/logout").status_code == 204
    assert session.get("/me").status_code == 401


def test_a_disabled_user_cannot_sign_in_or_sync(server: Server) -> None:
    session = server.user("vol.alpha")
    admin.set_disabled(server.engine, "vol.alpha", True)

    assert session.get("/me").json()["error"] == "user_disabled"
    refused = server.login_response("vol.alpha")
    assert refused.status_code == 403
    assert refused.json()["error"] == "user_disabled"
    # Only the right password learns that the account is disabled.
    assert server.login_response("vol.alpha", password="wrong guess!").status_code == 401

    admin.set_disabled(server.engine, "vol.alpha", False)
    assert session.get("/me").status_code == 200


def test_password_reset_takes_effect(server: Server) -> None:
    server.add_user("vol.alpha")
    admin.reset_password(server.engine, "vol.alpha", "a brand new passphrase")
    assert server.login_response("vol.alpha", password=PASSWORD).status_code == 401
    assert server.login_response(
        "vol.alpha", password="a brand new passphrase"
    ).status_code == 200


def test_health_needs_no_token_or_schema(server: Server) -> None:
    response = server.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "server_schema": 1, "min_client_schema": 1, "max_client_schema": 1,
    }


def test_an_unsupported_client_is_told_to_update(server: Server) -> None:
    session = server.user("vol.alpha")
    auth = {"Authorization": f"Bearer {session.token}"}
    for schema in ("0", "not-a-number", None):
        headers = dict(auth)
        if schema is not None:
            headers["X-ICV-Schema"] = schema
        response = server.client.get(f"{API}/sync/pull", headers=headers)
        assert response.status_code == 426
        body = response.json()
        assert body["error"] == "unsupported_client"
        assert "Update the app" in body["message"]
        assert "kept" in body["message"]
        assert response.headers["Upgrade"] == "icv-sync/1"

    newer = server.client.get(f"{API}/me", headers={**auth, "X-ICV-Schema": "2"})
    assert newer.status_code == 426
    assert "update the server" in newer.json()["message"]

    login = server.client.post(
        f"{API}/login",
        json={"username": "vol.alpha", "password": PASSWORD},
        headers={"X-ICV-Schema": "0"},
    )
    assert login.status_code == 426
