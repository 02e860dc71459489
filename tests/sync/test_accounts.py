"""Signing in from a laptop: where the token lives, what is refused, a revoked laptop, an
app too old for the server. Against the real server in process, on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from icv_app.domain.custody.reference import ReferenceData
from icv_app.server import admin
from icv_app.server.app import create_app
from icv_app.server.config import ServerConfig
from icv_app.store.keys import KEYRING_SERVICE
from icv_app.store.sync import sync_records as sr
from icv_app.sync import credentials as cred
from icv_app.sync.client import SyncClient, purge_local_data
from icv_app.sync.errors import (
    AccountMismatch,
    AuthFailed,
    DeviceRevoked,
    InsecureServerUrl,
    InvalidServerUrl,
    NotSignedIn,
    Throttled,
    UpdateRequired,
)
from icv_app.sync.wire import WIRE_SCHEMA
from tests.server.support import FAST_HASHER, PASSWORD
from tests.support.keyring_backend import MemoryKeyring
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import IN_PROCESS_URL, FaultTransport, open_laptop, sign_in

# --- server addresses --------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://icv.example.org", "https://icv.example.org/scheme/", "http://localhost:8000",
    "http://127.0.0.1:9000", "http://[::1]:8000",
])
def test_https_anywhere_and_plain_http_to_this_machine_are_accepted(url: str) -> None:
    assert cred.check_server_url(url) == url.rstrip("/")


@pytest.mark.parametrize("url", ["http://icv.example.org", "http://192.168.1.20:8000"])
def test_plain_http_over_a_network_is_refused_unless_allowed(url: str) -> None:
    with pytest.raises(InsecureServerUrl, match="not encrypted"):
        cred.check_server_url(url)
    assert cred.check_server_url(url, allow_insecure=True) == url


@pytest.mark.parametrize("url", ["icv.example.org", "ftp://icv.example.org",
                                 "https://user:pw@icv.example.org", "https://"])
def test_what_is_not_a_server_address_is_refused(url: str) -> None:
    with pytest.raises(InvalidServerUrl):
        cred.check_server_url(url)


# --- signing in ----------------------------------------------------------------------------


def test_the_device_token_is_only_in_the_keyring(
    scheme: Scheme, laptops: LaptopFactory, memory_keyring: MemoryKeyring
) -> None:
    user_id = scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    profile = laptop.store.profile
    token = memory_keyring.entries[(KEYRING_SERVICE, f"device-token/{profile.profile_id}")]
    assert len(token) >= 40
    account = laptop.client.account()
    assert account is not None
    assert (account.username, account.user_id, account.role) == ("vol.alpha", user_id,
                                                                  "volunteer")
    settings = dict(laptop.write(lambda db: db.execute(
        "SELECT key, value FROM settings").fetchall()))
    assert token not in "".join(settings.values())
    for path in Path(laptop.store.paths.data_dir).rglob("*"):
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("backend", ["no_keyring", "plaintext_keyring"])
def test_without_an_os_keyring_the_token_stays_inside_the_encrypted_database(
    scheme: Scheme, tmp_path: Path, reference: ReferenceData, in_process: FaultTransport,
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A plain-text keyring (keyrings.alt's) counts as none: the token is not put in it.
    request.getfixturevalue(backend)
    monkeypatch.setenv("ICV_APP_PASSPHRASE", "a synthetic passphrase")
    scheme.add_user("vol.alpha")
    laptop = open_laptop(tmp_path, "headless", reference, transport=in_process)
    try:
        sign_in(laptop, IN_PROCESS_URL, "vol.alpha")
        laptop.new_draft()
        assert laptop.sync().accepted == 1
        token = laptop.write(lambda db: cred.load_token(db, laptop.store.profile))
        assert token
        for path in tmp_path.rglob("*"):  # the profile, and any plain-text keyring file
            if path.is_file():
                assert token.encode() not in path.read_bytes(), path
    finally:
        laptop.store.close()


def test_a_wrong_password_is_refused_and_repeated_failures_are_throttled(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops(None)
    with pytest.raises(AuthFailed, match="Wrong username or password"):
        laptop.client.login(IN_PROCESS_URL, "vol.alpha", "not the password")
    for _ in range(3):
        with pytest.raises((AuthFailed, Throttled)):
            laptop.client.login(IN_PROCESS_URL, "vol.alpha", "not the password")
    with pytest.raises(Throttled) as throttled:
        laptop.client.login(IN_PROCESS_URL, "vol.alpha", PASSWORD)
    assert throttled.value.retry_after and throttled.value.retry_after > 0
    assert "Try again in" in str(throttled.value)
    assert laptop.client.account() is None
    with pytest.raises(NotSignedIn):
        laptop.sync()


def test_a_disabled_account_cannot_sign_in_or_sync(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    admin.set_disabled(scheme.engine, "vol.alpha", True)
    with pytest.raises(AuthFailed, match="disabled"):
        laptop.sync()
    with pytest.raises(AuthFailed, match="disabled"):
        laptop.client.login(IN_PROCESS_URL, "vol.alpha", PASSWORD)


def test_plain_http_to_another_machine_is_refused_before_the_password_leaves(
    scheme: Scheme, laptops: LaptopFactory, in_process: FaultTransport
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops(None)
    with pytest.raises(InsecureServerUrl):
        laptop.client.login("http://icv.example.org", "vol.alpha", PASSWORD)
    assert in_process.log == [] and laptop.client.account() is None
    # Allowed explicitly (a test network), it works and the choice is remembered.
    laptop.client.login("http://icv.example.org", "vol.alpha", PASSWORD, allow_insecure=True)
    laptop.new_draft()
    assert laptop.sync().accepted == 1


def test_a_profile_with_one_persons_reports_does_not_sign_in_as_another(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    scheme.add_user("vol.bravo")
    laptop = laptops("vol.alpha")
    laptop.new_draft()
    laptop.sync()
    with pytest.raises(AccountMismatch, match=r"vol\.alpha"):
        laptop.client.login(IN_PROCESS_URL, "vol.bravo", PASSWORD)
    laptop.client.login(IN_PROCESS_URL, "VOL.ALPHA", PASSWORD)  # the same person again


def test_signing_out_ends_the_token_on_the_server_and_keeps_the_data(
    scheme: Scheme, laptops: LaptopFactory, memory_keyring: MemoryKeyring
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    report = laptop.new_draft()
    laptop.client.sign_out()
    assert not any(k[1].startswith("device-token/") for k in memory_keyring.entries)
    assert [d.revoked_at is not None for d in admin.list_devices(scheme.engine)] == [True]
    with pytest.raises(NotSignedIn):
        laptop.sync()
    assert laptop.live_ids() == {("visit", report.id)}
    sign_in(laptop, IN_PROCESS_URL, "vol.alpha")
    assert laptop.sync().accepted == 1


# --- a revoked laptop ----------------------------------------------------------------------


def test_a_revoked_laptop_is_told_so_and_can_purge_its_data_once_confirmed(
    scheme: Scheme, laptops: LaptopFactory, memory_keyring: MemoryKeyring
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    synced = laptop.new_draft()
    laptop.sync()
    unsent = laptop.new_draft()
    scheme.revoke_devices("vol.alpha")

    with pytest.raises(DeviceRevoked, match="revoked") as refused:
        laptop.sync()
    assert refused.value.kind == "revoked"
    # Nothing is removed by the refusal itself.
    assert laptop.live_ids() == {("visit", synced.id), ("visit", unsent.id)}

    with pytest.raises(ValueError):
        purge_local_data(laptop.store, confirmed=False)
    assert laptop.live_ids() == {("visit", synced.id), ("visit", unsent.id)}

    assert purge_local_data(laptop.store, confirmed=True) == 2
    assert laptop.records() == {}
    assert laptop.client.account() is None
    profile = laptop.store.profile
    assert (KEYRING_SERVICE, f"device-token/{profile.profile_id}") not in memory_keyring.entries
    assert laptop.write(lambda db: sr.get_setting(db, "pull_since")) is None
    # The profile itself still opens (its database key is kept): it can sign in afresh.
    assert (KEYRING_SERVICE, profile.keyring_entry) in memory_keyring.entries


# --- an app too old for the server ------------------------------------------------------


def test_an_app_too_old_for_the_server_is_told_to_update_and_keeps_its_data(
    scheme: Scheme, laptops: LaptopFactory, database_url: str, config: ServerConfig
) -> None:
    from fastapi.testclient import TestClient

    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    synced = laptop.new_draft()
    laptop.sync()
    unsent = laptop.new_draft()
    before = (laptop.records(), laptop.cursor())

    upgraded: FastAPI = create_app(database_url, config=ServerConfig(
        password_hasher=FAST_HASHER, min_client_schema=WIRE_SCHEMA + 1,
        max_client_schema=WIRE_SCHEMA + 1,
    ))
    try:
        with TestClient(upgraded) as client:
            old_app = SyncClient(laptop.store, transport=client._transport)
            with pytest.raises(UpdateRequired, match="Update the app") as refused:
                old_app.sync()
            assert "kept" in str(refused.value)
            with pytest.raises(UpdateRequired):
                old_app.health()
    finally:
        upgraded.state.icv.engine.dispose()
    assert (laptop.records(), laptop.cursor()) == before
    assert {("visit", synced.id), ("visit", unsent.id)} == laptop.live_ids()

