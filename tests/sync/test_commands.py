"""``icv-app login`` and ``icv-app sync`` as a script runs them, against uvicorn."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import json
import random
from pathlib import Path

import pytest

from icv_app.cli import main
from icv_app.domain.custody.demo import generate_visit
from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.validation import errors
from icv_app.domain.custody.visit import VisitReport, VisitStatus
from icv_app.paths import Paths
from icv_app.store.custody import visits as vs
from icv_app.store.local_store import LocalStore
from icv_app.store.sync import sync_records as sr
from icv_app.sync import client as client_module
from tests.server.support import PASSWORD
from tests.sync.conftest import Scheme
from tests.sync.support import FAST_RETRY, LiveServer, server_records


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def profile(tmp_path: Path) -> str:
    return str(tmp_path / "cli-profile")


def login(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, profile: str,
    server: str, user: str = "vol.alpha", password: str = PASSWORD, *extra: str,
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return run(capsys, "--data-dir", profile, "login", "--server", server, "--user", user,
               "--password-stdin", "--device-name", "cli test", *extra)


def test_login_then_sync_sends_the_profiles_reports(
    scheme: Scheme, live_server: LiveServer, profile: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    scheme.add_user("vol.alpha")
    assert run(capsys, "--data-dir", profile, "demo", "--visits", "6", "--seed", "3")[0] == 0
    code, out, err = login(capsys, monkeypatch, profile, live_server.url)
    assert code == 0, err
    assert f"Signed in to {live_server.url} as vol.alpha (volunteer)" in out
    assert PASSWORD not in out + err

    code, out, err = run(capsys, "--data-dir", profile, "sync", "--status")
    assert code == 0 and "6 change(s) not yet sent" in out and "never" in out

    code, out, err = run(capsys, "--data-dir", profile, "sync")
    assert code == 0, err
    assert out.startswith("Synced: sent 6 (accepted 6")
    assert len(server_records(scheme.engine)) == 6

    code, out, _ = run(capsys, "--data-dir", profile, "sync", "--json")
    body = json.loads(out)
    assert code == 0 and (body["pushed"], body["pending"], body["check_ok"]) == (0, 0, True)


def test_a_wrong_password_exits_non_zero_with_the_servers_message(
    scheme: Scheme, live_server: LiveServer, profile: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    scheme.add_user("vol.alpha")
    code, _out, err = login(capsys, monkeypatch, profile, live_server.url, "vol.alpha",
                            "not the password")
    assert code == 5 and "Wrong username or password" in err


def test_plain_http_to_another_machine_is_refused(
    profile: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, _out, err = login(capsys, monkeypatch, profile, "http://192.0.2.10:8000")
    assert code == 2 and "not encrypted" in err


def test_sync_without_signing_in_says_how(
    profile: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(capsys, "--data-dir", profile, "sync")
    assert code == 5 and "not signed in" in err


def test_a_revoked_laptop_and_an_unreachable_server_exit_with_their_own_status(
    scheme: Scheme, live_server: LiveServer, profile: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    scheme.add_user("vol.alpha")
    assert login(capsys, monkeypatch, profile, live_server.url)[0] == 0
    run(capsys, "--data-dir", profile, "demo", "--visits", "2", "--seed", "1")

    fast = functools.partial(client_module.SyncClient, retry=FAST_RETRY)
    monkeypatch.setattr(client_module, "SyncClient", fast)
    live_server.stop()
    code, _out, err = run(capsys, "--data-dir", profile, "sync")
    assert code == 4 and "cannot be reached" in err
    live_server.start()

    with monkeypatch.context() as m:
        m.setattr(client_module, "WIRE_SCHEMA", 0)  # an app from long ago
        code, _out, err = run(capsys, "--data-dir", profile, "sync")
    assert code == 7 and "too old" in err

    scheme.revoke_devices("vol.alpha")
    code, _out, err = run(capsys, "--data-dir", profile, "sync")
    assert code == 6 and "revoked" in err
    code, out, _ = run(capsys, "--data-dir", profile, "sync", "--status")
    assert code == 0 and "2 change(s) not yet sent" in out  # nothing was removed


def test_logout_forgets_the_access_and_keeps_the_reports(
    scheme: Scheme, live_server: LiveServer, profile: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    scheme.add_user("vol.alpha")
    assert login(capsys, monkeypatch, profile, live_server.url)[0] == 0
    run(capsys, "--data-dir", profile, "demo", "--visits", "1", "--seed", "1")
    code, out, _ = run(capsys, "--data-dir", profile, "logout")
    assert code == 0 and "Signed out" in out
    code, out, _ = run(capsys, "--data-dir", profile, "sync", "--status")
    assert "signed out" in out and "1 change(s) not yet sent" in out


def submit_refused(profile: str, reference: ReferenceData) -> tuple[VisitReport, str]:
    """A submitted report the server refuses with a reason that quotes a custody number
    (the same number recorded for two detainees), and that number."""
    rng = random.Random(7)
    while True:
        report = generate_visit(reference, rng, dt.date.today())
        if len(report.detainees) >= 2 and not errors(report):
            break
    number = report.detainees[0].custody_number
    report.detainees[1].custody_number = number
    report.status, report.submitted_at, report.confirmed_by = VisitStatus.DRAFT, None, []
    with LocalStore.open(Paths.resolve(profile)) as store:
        store.writer.submit(lambda db: vs.save_visit(db, copy.deepcopy(report))).result()
        report.confirmed_by = [v.visitor_id for v in report.header.visitors]
        report.submitted_at = dt.datetime.now(dt.UTC)  # recent: retention keeps it
        store.writer.submit(lambda db: vs.submit_visit(db, report)).result()
    return report, number


def test_sync_names_refused_reports_by_id_and_never_prints_their_reasons(
    scheme: Scheme, live_server: LiveServer, profile: str, reference: ReferenceData,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    scheme.add_user("vol.alpha")
    assert login(capsys, monkeypatch, profile, live_server.url)[0] == 0
    report, number = submit_refused(profile, reference)

    code, out, err = run(capsys, "--data-dir", profile, "sync")
    assert code == 0, err
    assert "rejected 1" in out
    assert "1 visit report was refused by the server" in out and report.id in out
    assert "open the app (Sync > Sync problems)" in out
    assert number not in out + err
    # The reason, with the number, is kept for the app to show.
    with LocalStore.open(Paths.resolve(profile)) as store:
        [refused] = sr.list_rejected(store.reader)
    assert refused.id == report.id and number in refused.reason

    for argv in (["sync", "--status"], ["sync"], ["sync", "--json"],
                 ["sync", "--status", "--json"]):
        code, out, err = run(capsys, "--data-dir", profile, *argv)
        assert code == 0, err
        assert report.id in out, argv
        assert number not in out + err, argv
        assert "is already recorded" not in out, argv
    status = json.loads(out)
    assert status["rejected"] == [{"type": "visit", "kind": "visit report", "id": report.id}]
