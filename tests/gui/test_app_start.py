"""Starting the app: the self-test, the passphrase prompt, and stores that cannot open."""

from __future__ import annotations

import subprocess
import sys

import pytest
from PySide6.QtWidgets import QMessageBox

from icv_app.paths import Paths
from icv_app.store.database import PLAIN_SQLITE_HEADER
from icv_app.ui.shell import app as ui_app
from tests.conftest import REPO

pytestmark = pytest.mark.gui


@pytest.mark.slow
def test_self_test_exits_0_on_a_throwaway_profile(child_env):
    result = subprocess.run(
        [sys.executable, "-m", "icv_app", "--self-test"],
        cwd=REPO, env=child_env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "self-test passed" in result.stdout


@pytest.mark.slow
def test_self_test_on_a_data_dir_lists_its_visits(tmp_path, child_env):
    profile = tmp_path / "profile"
    demo = subprocess.run(
        [sys.executable, "-m", "icv_app", "--data-dir", str(profile), "demo", "--visits", "5",
         "--seed", "1"],
        cwd=REPO, env=child_env, capture_output=True, text=True, timeout=120,
    )
    assert demo.returncode == 0, demo.stderr
    result = subprocess.run(
        [sys.executable, "-m", "icv_app", "--data-dir", str(profile), "--self-test"],
        cwd=REPO, env=child_env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "5 visits listed" in result.stdout


def test_a_new_profile_without_keyring_asks_for_a_passphrase(qapp, paths, no_keyring):
    asked: list[tuple[bool, str]] = []

    def ask(new_profile: bool, error: str) -> str | None:
        asked.append((new_profile, error))
        return "correct horse battery"

    store = ui_app.open_store(paths, ask)
    assert store is not None
    store.close()
    assert asked == [(True, "")]

    # The same profile later: enter it; a wrong one is asked again, with the reason.
    answers = iter(["wrong passphrase", "correct horse battery"])
    asked.clear()
    store = ui_app.open_store(paths, lambda new, error: asked.append((new, error)) or next(answers))
    assert store is not None
    store.close()
    assert [new for new, _ in asked] == [False, False]
    assert asked[0][1] == ""
    assert "passphrase is not the one" in asked[1][1]


def test_a_plain_text_keyring_is_no_keyring_and_the_app_asks_for_a_passphrase(
    qapp, paths, plaintext_keyring
):
    asked: list[tuple[bool, str]] = []

    def ask(new_profile: bool, error: str) -> str | None:
        asked.append((new_profile, error))
        return "correct horse battery"

    store = ui_app.open_store(paths, ask)
    assert store is not None
    store.close()
    assert asked == [(True, "")]
    assert store.profile.key_source == "passphrase"
    assert plaintext_keyring.writes == 0


def test_cancelling_the_passphrase_quits_cleanly(qapp, paths, no_keyring):
    assert ui_app.open_store(paths, lambda new, error: None) is None
    assert not paths.database.exists()


def test_a_store_that_cannot_open_is_explained_and_left_alone(qapp, tmp_path, monkeypatch):
    paths = Paths(tmp_path / "profile").ensure()
    content = PLAIN_SQLITE_HEADER + b"\0" * 100  # a plain SQLite file, not ours
    paths.database.write_bytes(content)
    paths.profile.write_text('{"profile_id": "x", "key_source": "keyring", "key_check": ""}')
    shown: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "critical", lambda parent, title, text, *a: shown.append(text)
    )
    status = ui_app.run_gui(paths)
    assert status == ui_app.EXIT_STORE
    assert len(shown) == 1 and str(paths.database) in shown[0]
    assert paths.database.read_bytes() == content
