"""Sync in the desktop app, against the real server in-process (SQLite): signing in
through the dialog by keyboard, the status bar, "Sync now", the problems a person must
look at (refused records, conflicts side by side), a revoked laptop, and a start-up that
does not load the sync machinery before the window shows. Waits on signals, not sleeps."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from icv_app.domain.custody.reference import ReferenceData
from icv_app.services.sync import SyncService, SyncStatus
from icv_app.store.local_store import LocalStore
from icv_app.sync.client import SyncClient
from icv_app.ui.shell.main_window import MainWindow
from icv_app.ui.sync.sync_controller import SyncController
from tests.conftest import REPO
from tests.gui.conftest import press, type_text
from tests.server.support import PASSWORD
from tests.sync import conftest as sync_fixtures
from tests.sync.conftest import Scheme
from tests.sync.support import (
    FAST_RETRY,
    IN_PROCESS_URL,
    FaultTransport,
    Laptop,
    open_laptop,
    server_records,
    sign_in,
)

pytestmark = pytest.mark.gui

# The sync tests' server fixtures, exactly as they use them (SQLite only here, below).
clock = sync_fixtures.clock
config = sync_fixtures.config
app = sync_fixtures.app
scheme = sync_fixtures.scheme
in_process = sync_fixtures.in_process

WAIT_MS = 20_000


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only here: the protocol itself runs on both engines in tests/sync."""
    return f"sqlite:///{tmp_path / 'server.db'}"


@pytest.fixture
def sync(
    window: MainWindow, store: LocalStore, in_process: FaultTransport
) -> Iterator[SyncController]:
    client = SyncClient(store, transport=in_process, retry=FAST_RETRY)
    service = SyncService(store, client=client, first_sync_delay=-1, auto_interval=0)
    controller = SyncController(window, service)
    service.start()
    yield controller
    controller.close()


@pytest.fixture
def home(sync: SyncController, store: LocalStore, reference: ReferenceData) -> Laptop:
    """The window's own profile, to write reports as the app's services do."""
    return Laptop("home", store, sync.service.client, reference, seed=7)


def wait_status(qtbot, sync: SyncController, check: Callable[[SyncStatus], bool]) -> SyncStatus:  # type: ignore[no-untyped-def]
    if not check(sync.status):
        with qtbot.waitSignal(sync.status_changed, timeout=WAIT_MS, check_params_cb=check):
            pass
    return sync.status


def signed_in_quietly(qtbot, sync: SyncController, scheme: Scheme) -> None:  # type: ignore[no-untyped-def]
    scheme.add_user("vol.alpha")
    sync.service.login(IN_PROCESS_URL, "vol.alpha", PASSWORD, "test laptop",
                       sync_after=False).result(20)
    wait_status(qtbot, sync, lambda s: s.signed_in)


def sync_and_wait(qtbot, sync: SyncController) -> SyncStatus:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(sync.sync_finished, timeout=WAIT_MS):
        sync.panel.sync_button.click()
    return sync.status


def test_not_signed_in_says_how_to_sign_in(qtbot, sync: SyncController) -> None:  # type: ignore[no-untyped-def]
    status = wait_status(qtbot, sync, lambda s: not s.signed_in)
    assert sync.panel.state_label.text() == "Not signed in — Sync ▸ Sign in…"
    assert not sync.panel.problems_button.isVisible() and status.pending == 0
    assert sync.window.sign_in_action.isEnabled()
    assert not sync.window.sync_now_action.isEnabled()
    # The button where "Sync now" will be offers to sign in meanwhile.
    assert sync.panel.sync_button.text() == "Sign in…"
    sync.panel.sync_button.click()
    assert sync.sign_in_dialog is not None and sync.sign_in_dialog.isVisible()


def test_signing_in_through_the_dialog_by_keyboard(  # type: ignore[no-untyped-def]
    qtbot, sync: SyncController, scheme: Scheme
) -> None:
    scheme.add_user("vol.alpha")
    dialog = sync.sign_in()
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.server_url)
    assert dialog.password.echoMode() is dialog.password.EchoMode.Password
    assert dialog.device_name.text()  # the computer's name, prefilled
    type_text(IN_PROCESS_URL)
    press(Qt.Key.Key_Tab)
    type_text("vol.alpha")
    press(Qt.Key.Key_Tab)
    type_text(PASSWORD)
    with qtbot.waitSignal(dialog.signed_in, timeout=WAIT_MS):
        press(Qt.Key.Key_Return)
    assert dialog.busy is False
    status = wait_status(qtbot, sync, lambda s: s.signed_in and s.last_synced is not None
                         and not s.running)
    assert (status.username, status.role) == ("vol.alpha", "volunteer")
    assert sync.panel.state_label.text() == "Synced just now"
    assert "vol.alpha" in sync.panel.state_label.toolTip()
    assert sync.window.sync_now_action.isEnabled()


def test_a_wrong_password_is_said_in_the_dialog(  # type: ignore[no-untyped-def]
    qtbot, sync: SyncController, scheme: Scheme
) -> None:
    scheme.add_user("vol.alpha")
    dialog = sync.sign_in()
    dialog.server_url.setText(IN_PROCESS_URL)
    dialog.username.setText("vol.alpha")
    dialog.password.setText("not the password")
    dialog.sign_in_button.click()
    assert dialog.busy and not dialog.sign_in_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
    assert dialog.error.isVisible() and dialog.error.text()
    assert dialog.password.text() == "" and dialog.isVisible()
    assert not sync.status.signed_in


def test_too_many_tries_says_how_long_to_wait_once() -> None:
    from icv_app.sync.errors import Throttled
    from icv_app.ui.sync.sign_in_dialog import sign_in_error_text

    assert sign_in_error_text(Throttled("Too many failed sign-ins.", 120)) == (
        "Too many failed sign-ins. Try again in 2 minutes.")
    server_says = "Too many failed sign-in attempts. Try again in 30 seconds."
    assert sign_in_error_text(Throttled(server_says, 30)) == server_says


def test_plain_http_to_another_computer_is_refused_in_the_dialog(  # type: ignore[no-untyped-def]
    qtbot, sync: SyncController
) -> None:
    dialog = sync.sign_in()
    qtbot.waitExposed(dialog)
    assert not dialog.allow_insecure.isVisible()
    dialog.server_url.setText("http://icv.example.org")
    dialog.username.setText("vol.alpha")
    dialog.password.setText(PASSWORD)
    assert dialog.allow_insecure.isVisible() and not dialog.allow_insecure.isChecked()
    dialog.sign_in_button.click()
    assert not dialog.busy  # nothing was sent
    assert "not encrypted" in dialog.error.text()
    assert "Allow an insecure (http) connection" in dialog.error.text()
    assert dialog.isVisible()
    dialog.server_url.setText("http://localhost:8000")  # this computer: allowed
    assert not dialog.allow_insecure.isVisible()


def test_the_sign_in_dialog_grows_with_its_warnings_and_clips_nothing(  # type: ignore[no-untyped-def]
    qtbot, sync: SyncController
) -> None:
    dialog = sync.sign_in()
    qtbot.waitExposed(dialog)
    height = dialog.height()
    dialog.server_url.setText("http://icv.example.org")  # the http box appears
    dialog.username.setText("vol.alpha")
    dialog.password.setText(PASSWORD)
    dialog.sign_in_button.click()  # and the error under the fields
    assert dialog.allow_insecure.isVisible() and dialog.error.isVisible()
    qtbot.waitUntil(lambda: dialog.height() > height)
    for field in (dialog.server_url, dialog.username, dialog.password, dialog.device_name,
                  dialog.allow_insecure, dialog.error):
        assert field.height() >= field.minimumSizeHint().height(), field.accessibleName()
    assert dialog.error.height() >= dialog.error.heightForWidth(dialog.error.width())


def test_a_failed_sign_in_does_not_promise_that_sync_will_try_again() -> None:
    from icv_app.sync.errors import NetworkError, ServerUnavailable
    from icv_app.ui.sync.sign_in_dialog import sign_in_error_text

    for error in (NetworkError(), ServerUnavailable()):
        text = sign_in_error_text(error)
        assert "try again" not in text and "sign in again" in text.lower()


def test_a_new_visit_is_sent_by_sync_now(  # type: ignore[no-untyped-def]
    qtbot, sync: SyncController, scheme: Scheme, window: MainWindow
) -> None:
    signed_in_quietly(qtbot, sync, scheme)
    with qtbot.waitSignal(window.form_opened):
        press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    visit_id = window.form.report.id
    type_text("Canal")  # the custody suite: a draft without one is refused by the server
    qtbot.waitUntil(lambda: window.form.autosaver.idle, timeout=WAIT_MS)
    status = wait_status(qtbot, sync, lambda s: s.pending == 1)
    assert sync.panel.pending_label.text() == "1 change to send"
    assert status.last_synced is None

    with qtbot.waitSignal(sync.sync_finished, timeout=WAIT_MS):
        press(Qt.Key.Key_F5)
    status = wait_status(qtbot, sync, lambda s: not s.running and s.pending == 0)
    assert ("visit", visit_id) in server_records(scheme.engine)
    assert status.last_synced is not None and status.problems == 0
    assert sync.panel.state_label.text() == "Synced just now"
    assert sync.panel.pending_label.text() == "All sent"
    assert not sync.panel.progress.isVisible() and not sync.panel.cancel_button.isVisible()


def test_a_refused_record_shows_the_servers_reason_and_can_be_sent_again(  # type: ignore[no-untyped-def]
    qtbot, sync: SyncController, scheme: Scheme, home: Laptop, window: MainWindow
) -> None:
    signed_in_quietly(qtbot, sync, scheme)
    bad = home.new_refused()  # a submitted report with no visit date: the server says no
    sync_and_wait(qtbot, sync)
    wait_status(qtbot, sync, lambda s: s.problems == 1)
    assert sync.panel.problems_button.isVisible()
    assert sync.panel.problems_button.text() == "1 sync problem"

    qtbot.mouseClick(sync.panel.problems_button, Qt.MouseButton.LeftButton)
    dialog = sync.problems_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.rejected_table.rowCount() == 1
    assert "date of the visit" in dialog.rejected_table.item(0, 2).text()
    assert dialog.conflicts_table.rowCount() == 0

    # Sending it again asks the server again; it is still refused and stays shown, with
    # its reason, and it is still not on the server: nothing is dropped silently.
    with qtbot.waitSignal(sync.sync_finished, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.retry_button, Qt.MouseButton.LeftButton)
    wait_status(qtbot, sync, lambda s: s.problems == 1 and not s.running)
    qtbot.waitUntil(lambda: dialog.rejected_table.rowCount() == 1)
    assert "date of the visit" in dialog.rejected_table.item(0, 2).text()
    assert ("visit", bad.id) not in server_records(scheme.engine)
    assert home.load(bad.id).is_submitted  # kept on the laptop

    # The way out: reopen it as a draft; it opens in the form to be corrected.
    assert dialog.reopen_button.isEnabled()
    with qtbot.waitSignal(window.form_opened, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.reopen_button, Qt.MouseButton.LeftButton)
    form = window.form
    assert form.report.id == bad.id and not form.read_only
    assert "Enter the date of the visit" in form.report.reopened[0].reason
    qtbot.waitUntil(lambda: dialog.rejected_table.rowCount() == 0)
    wait_status(qtbot, sync, lambda s: s.problems == 0)


def test_an_open_draft_shows_a_pulled_change_and_the_next_keystroke_keeps_it(  # type: ignore[no-untyped-def]
    qtbot, sync: SyncController, scheme: Scheme, home: Laptop, window: MainWindow,
    tmp_path: Path, reference: ReferenceData, in_process: FaultTransport,
) -> None:
    signed_in_quietly(qtbot, sync, scheme)
    spare = open_laptop(tmp_path / "laptops", "spare", reference, transport=in_process)
    try:
        sign_in(spare, IN_PROCESS_URL, "vol.alpha")
        draft = home.new_draft(officer_in_charge="PS 1000", delay_reason="")
        sync_and_wait(qtbot, sync)
        window.open_visit(draft.id)
        form = window.form
        assert form.header.officer.text() == "PS 1000"

        spare.sync()
        spare.edit(draft.id, "PS 2002")  # the volunteer's other laptop
        spare.sync()
        sync_and_wait(qtbot, sync)  # the pull brings it while the form is open
        qtbot.waitUntil(lambda: form.header.officer.text() == "PS 2002", timeout=WAIT_MS)

        form.header.delay_reason.setFocus()
        QTest.keyClicks(form.header.delay_reason, "Shift handover")
        qtbot.waitUntil(lambda: form.autosaver.idle, timeout=WAIT_MS)
        sync_and_wait(qtbot, sync)
        on_server = server_records(scheme.engine)[("visit", draft.id)].body
        assert on_server is not None
        assert on_server["header"]["officer_in_charge"] == "PS 2002"
        assert on_server["header"]["delay_reason"] == "Shift handover"
        assert sync.status.problems == 0
    finally:
        spare.store.close()


def test_a_conflict_shows_both_copies_and_the_servers_can_be_taken(  # type: ignore[no-untyped-def]
    qtbot, sync: SyncController, scheme: Scheme, home: Laptop, tmp_path: Path,
    reference: ReferenceData, in_process: FaultTransport, window: MainWindow,
) -> None:
    signed_in_quietly(qtbot, sync, scheme)
    spare = open_laptop(tmp_path / "laptops", "spare", reference, transport=in_process)
    try:
        sign_in(spare, IN_PROCESS_URL, "vol.alpha")
        draft = home.new_draft()
        sync_and_wait(qtbot, sync)
        spare.sync()
        spare.edit(draft.id, "PS 2002")
        spare.sync()
        home.edit(draft.id, "PS 3003")
        sync_and_wait(qtbot, sync)
        wait_status(qtbot, sync, lambda s: s.problems == 1)

        problems = sync.show_problems()
        assert problems.conflicts_table.rowCount() == 1
        assert "Officer in charge" in problems.conflicts_table.item(0, 2).text()
        dialog = problems.compare_selected()
        assert dialog is not None
        qtbot.waitExposed(dialog)
        table = dialog.table
        assert [table.item(0, c).text() for c in range(3)] == [
            "Officer in charge", "PS 3003", "PS 2002"]
        assert table.horizontalHeaderItem(1).text().startswith("On this laptop")
        assert table.horizontalHeaderItem(2).text() == "On the server"
        assert dialog.keep_mine_button.isEnabled()
        dialog.show_all.setChecked(True)  # the rest, same on both sides, not highlighted
        assert table.rowCount() > 1

        with qtbot.waitSignal(dialog.resolved, timeout=WAIT_MS):
            qtbot.mouseClick(dialog.take_server_button, Qt.MouseButton.LeftButton)
        wait_status(qtbot, sync, lambda s: s.problems == 0 and s.pending == 0
                    and not s.running)
        assert home.load(draft.id).header.officer_in_charge == "PS 2002"
        qtbot.waitUntil(lambda: problems.conflicts_table.rowCount() == 0)
    finally:
        spare.store.close()


def test_a_revoked_laptop_says_so_and_can_remove_its_data(  # type: ignore[no-untyped-def]
    qtbot, sync: SyncController, scheme: Scheme, home: Laptop, window: MainWindow
) -> None:
    signed_in_quietly(qtbot, sync, scheme)
    home.new_draft()
    sync_and_wait(qtbot, sync)
    home.new_draft()  # not sent yet
    sync.local_change()
    wait_status(qtbot, sync, lambda s: s.pending == 1)
    window.visits.refresh()
    qtbot.waitUntil(lambda: window.visits.model.rowCount() == 2)
    scheme.revoke_devices("vol.alpha")

    sync_and_wait(qtbot, sync)
    wait_status(qtbot, sync, lambda s: s.device_revoked)
    box = sync.revoked_box
    assert box is not None and box.isVisible()
    assert "access was revoked by an administrator" in box.text()
    assert "1 change on this laptop was never sent" in box.informativeText()
    assert sync.panel.state_label.text().startswith("Access revoked")
    assert not sync.panel.sync_button.isEnabled()

    qtbot.mouseClick(sync.remove_button, Qt.MouseButton.LeftButton)
    confirm = sync.purge_confirm_box
    assert confirm is not None and confirm.isVisible()  # asked again before anything goes
    with qtbot.waitSignal(sync.purged, timeout=WAIT_MS) as purged:
        qtbot.mouseClick(sync.purge_button, Qt.MouseButton.LeftButton)
    assert purged.args == [2]
    qtbot.waitUntil(lambda: window.visits.model.rowCount() == 0)
    assert home.records() == {}
    status = wait_status(qtbot, sync, lambda s: not s.signed_in)
    assert status.error_kind is None
    assert sync.panel.state_label.text() == "Not signed in — Sync ▸ Sign in…"


def test_keeping_the_data_of_a_revoked_laptop_removes_nothing(  # type: ignore[no-untyped-def]
    qtbot, sync: SyncController, scheme: Scheme, home: Laptop
) -> None:
    signed_in_quietly(qtbot, sync, scheme)
    home.new_draft()
    scheme.revoke_devices("vol.alpha")
    sync_and_wait(qtbot, sync)
    wait_status(qtbot, sync, lambda s: s.device_revoked)
    assert sync.revoked_box is not None
    qtbot.mouseClick(sync.keep_button, Qt.MouseButton.LeftButton)
    assert sync.purge_confirm_box is None
    assert len(home.records()) == 1


def test_update_required_is_explained_and_the_data_kept(  # type: ignore[no-untyped-def]
    qtbot, sync: SyncController
) -> None:
    from dataclasses import replace

    from icv_app.sync.errors import UpdateRequired

    status = replace(sync.status, signed_in=True, error_kind="update_required",
                     last_error=UpdateRequired().message, pending=3)
    sync._posted.emit(status)  # as the worker reports it
    qtbot.waitUntil(lambda: sync.update_box is not None)
    assert sync.update_box is not None
    assert "newer version" in sync.update_box.text()
    assert "stay on this laptop" in sync.update_box.informativeText()
    assert sync.panel.state_label.text().startswith("Update icv-app")
    assert sync.panel.pending_label.text() == "3 changes to send"


@pytest.mark.slow
def test_start_up_shows_the_window_before_loading_sync(tmp_path: Path, child_env) -> None:  # type: ignore[no-untyped-def]
    script = textwrap.dedent(f"""
        import sys
        from PySide6.QtCore import QTimer
        from icv_app.paths import Paths
        from icv_app.ui.shell import app as ui_app
        from icv_app.ui.shell.main_window import MainWindow

        def sync_loaded():
            return sorted(m for m in sys.modules if m == "httpx" or m.startswith(
                ("icv_app.sync", "icv_app.services.sync", "icv_app.ui.sync")))

        show, attach_sync = MainWindow.show, MainWindow.attach_sync

        def shown(self):
            print("at-show", sync_loaded(), flush=True)
            show(self)

        def wired(self, controller):
            attach_sync(self, controller)
            print("wired", controller.status.signed_in, flush=True)
            QTimer.singleShot(0, self.close)

        MainWindow.show, MainWindow.attach_sync = shown, wired
        sys.exit(ui_app.run_gui(Paths.resolve({str(tmp_path / "profile")!r}).ensure()))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=child_env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "at-show []" in result.stdout, result.stdout
    assert "wired False" in result.stdout, result.stdout
