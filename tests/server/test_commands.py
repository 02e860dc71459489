"""``icv-app admin ...`` and ``icv-app serve``, called in-process as a script would."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from icv_app.cli import main
from icv_app.server.app import create_app
from icv_app.server.config import ServerConfig
from icv_app.server.storage import normalise_url
from tests.conftest import REPO
from tests.server.support import SCHEMA

PASSWORD = "synthetic passphrase 1"


@pytest.fixture
def cli(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[Any]:
    """Run ``icv-app`` with ``stdin``; returns (status, stdout, stderr).

    On SQLite it relies on the default database in the data directory; on PostgreSQL it
    passes ``--database``.
    """
    url = database_url
    data_dir = tmp_path / "profile"
    database = [] if url.startswith("sqlite") else ["--database", url]

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        argv = ["--data-dir", str(data_dir), *args]
        if args[0] == "admin":
            argv += database
        status = main(argv)
        out, err = capsys.readouterr()
        return status, out, err

    run.url = url if database else f"sqlite:///{data_dir / 'server.db'}"  # type: ignore[attr-defined]
    yield run


def _login(url: str, username: str, password: str) -> Any:
    app = create_app(url, config=ServerConfig())
    try:
        with TestClient(app) as client:
            return client.post(
                "/api/v1/login",
                json={"username": username, "password": password, "device_name": "cli test"},
                headers=SCHEMA,
            )
    finally:
        app.state.icv.engine.dispose()


def test_admin_manages_users_and_devices(cli: Any) -> None:
    status, out, _ = cli(
        "admin", "create-user", "Coord.One", "--role", "coordinator", "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert status == 0
    assert "Created coordinator coord.one" in out

    status, _, err = cli(
        "admin", "create-user", "coord.one", "--role", "volunteer", "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert status == 2
    assert "already exists" in err

    status, _, err = cli(
        "admin", "create-user", "vol.short", "--role", "volunteer", "--password-stdin",
        stdin="short\n",
    )
    assert status == 2
    assert "at least 10 characters" in err

    status, out, _ = cli("admin", "list-users", "--json")
    assert status == 0
    (user,) = json.loads(out)
    assert user["username"] == "coord.one"
    assert user["role"] == "coordinator"
    assert user["disabled"] is False

    login = _login(cli.url, "coord.one", PASSWORD)
    assert login.status_code == 200
    device_id = login.json()["device_id"]

    status, out, _ = cli("admin", "list-devices", "--user", "coord.one", "--json")
    (device,) = json.loads(out)
    assert device["id"] == device_id
    assert device["name"] == "cli test"
    assert device["revoked_at"] is None

    status, out, _ = cli("admin", "revoke-device", device_id)
    assert status == 0
    assert "revoked" in out
    status, out, _ = cli("admin", "list-devices")
    assert "revoked" in out

    status, _, err = cli("admin", "revoke-device", "00000000-0000")
    assert status == 2
    assert "No device" in err

    status, out, _ = cli("admin", "disable-user", "coord.one")
    assert (status, out.strip()) == (0, "coord.one is now disabled.")
    assert _login(cli.url, "coord.one", PASSWORD).status_code == 403
    cli("admin", "enable-user", "coord.one")

    status, _, _ = cli(
        "admin", "reset-password", "coord.one", "--password-stdin",
        stdin="another synthetic passphrase\n",
    )
    assert status == 0
    assert _login(cli.url, "coord.one", PASSWORD).status_code == 401
    assert _login(cli.url, "coord.one", "another synthetic passphrase").status_code == 200

    status, _, err = cli("admin", "disable-user", "nobody")
    assert status == 2
    assert "No user named 'nobody'" in err


def test_passwords_are_prompted_twice_without_stdin(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    status, _, err = cli("admin", "create-user", "vol.alpha", "--role", "volunteer")
    assert status == 2
    assert "differ" in err

    answers = iter([PASSWORD, PASSWORD])
    status, _, _ = cli("admin", "create-user", "vol.alpha", "--role", "volunteer")
    assert status == 0


def test_admin_unlocks_an_account_and_prunes_the_audit_log(cli: Any) -> None:
    cli("admin", "create-user", "vol.alpha", "--role", "volunteer", "--password-stdin",
        stdin=PASSWORD + "\n")
    for _ in range(6):  # 5 free (the default policy), the 6th locks
        _login(cli.url, "vol.alpha", "not the password")
    assert _login(cli.url, "vol.alpha", PASSWORD).status_code == 429

    status, out, _ = cli("admin", "unlock", "VOL.Alpha")
    assert status == 0
    assert out.startswith("vol.alpha can sign in again")
    assert _login(cli.url, "vol.alpha", PASSWORD).status_code == 200
    status, _, err = cli("admin", "unlock", "nobody")
    assert status == 2
    assert "No user named 'nobody'" in err

    status, _, err = cli("admin", "audit-prune", "--older-than-days", "7")
    assert status == 2
    assert "keeps the last 30 days" in err
    status, out, _ = cli("admin", "audit-prune", "--older-than-days", "30")
    assert status == 0
    assert out.startswith("Removed 0 audit entries from before")
    status, out, _ = cli("admin", "audit-prune", "--before", "2001-01-01")
    assert status == 0


def test_set_retention(cli: Any) -> None:
    status, out, _ = cli("admin", "set-retention", "14")
    assert status == 0
    assert "14 days" in out
    status, _, err = cli("admin", "set-retention", "-1")
    assert status == 2
    assert "between 0 and 3650" in err


def test_serve_defaults_to_sqlite_in_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def fake_run(app: Any, **kwargs: Any) -> None:
        calls.append({"app": app, **kwargs})
        app.state.icv.engine.dispose()

    monkeypatch.setattr("uvicorn.run", fake_run)
    assert main(["--data-dir", str(tmp_path), "serve"]) == 0
    (call,) = calls
    assert (call["host"], call["port"]) == ("127.0.0.1", 8765)
    assert str(call["app"].state.icv.engine.url) == f"sqlite:///{tmp_path / 'server.db'}"
    assert (tmp_path / "server.db").exists()


def test_serve_with_an_unusable_database_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["--data-dir", str(tmp_path), "serve", "--database", "mysql://x@y/z"])
    assert status == 3
    assert "Unsupported database" in capsys.readouterr().err


def test_postgres_urls_use_psycopg() -> None:
    assert normalise_url("postgresql://postgres@127.0.0.1/test").startswith(
        "postgresql+psycopg://"
    )


def test_import_reference_writes_the_schemes_lists_once(cli: Any, tmp_path: Path) -> None:
    from icv_app.domain.custody.reference import load_shipped
    from icv_app.server.storage import create_store_engine
    from tests.sync.support import server_records

    shipped = load_shipped()
    source = REPO / "resources" / "reference.json"
    assert cli("admin", "create-user", "coord.one", "--role", "coordinator",
               "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    assert cli("admin", "create-user", "vol.one", "--role", "volunteer",
               "--password-stdin", stdin=PASSWORD + "\n")[0] == 0

    status, _, err = cli("admin", "import-reference", str(source), "--as", "vol.one")
    assert status == 2 and "coordinator or an admin" in err
    bad = tmp_path / "bad.json"
    bad.write_text('{"suites": []}')
    status, _, err = cli("admin", "import-reference", str(bad), "--as", "coord.one")
    assert status == 2 and "bad.json" in err and "not a reference file" in err

    for _ in range(2):  # a second import updates the same records
        status, out, _ = cli("admin", "import-reference", str(source), "--as", "coord.one")
        assert status == 0
        assert (f"Imported {len(shipped.suites)} suites, {len(shipped.panels)} panels and "
                f"{len(shipped.visitors)} visitors") in out
    engine = create_store_engine(cli.url)
    try:
        records = server_records(engine)
    finally:
        engine.dispose()
    kinds_held = [kind for kind, _id in records]
    assert kinds_held.count("suite") == len(shipped.suites)
    assert kinds_held.count("visitor") == len(shipped.visitors)
    assert {r.rev for (kind, _id), r in records.items() if kind == "suite"} == {2}
