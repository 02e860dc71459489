"""The Administration page (Coordination ▸ Administration, Ctrl+7) against the real
server in-process (SQLite): the users and devices as the central store holds them, a new
user made by keyboard, a lost laptop revoked after a confirmation whose default is
Cancel, the server's reason shown whenever it refuses, and a plain message when the
central store cannot be reached (nothing queued). Waits on conditions, never sleeps."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from icv_app.server import admin, audit
from icv_app.server.settings import get_settings
from icv_app.server.storage import read
from icv_app.services.admin import AdminService
from icv_app.store.local_store import LocalStore
from icv_app.sync.admin_client import OFFLINE_MESSAGE, AdminClient
from icv_app.sync.client import SyncClient
from icv_app.sync.wire import SCHEMA_HEADER, WIRE_SCHEMA, Role
from icv_app.ui.coordinator.admin_dialogs import NewUserDialog, PasswordDialog, RoleDialog
from icv_app.ui.coordinator.admin_page import NOT_AVAILABLE, AdminPage
from icv_app.ui.coordinator.page import CoordinatorContext
from icv_app.ui.shell.main_window import MainWindow
from tests.gui.conftest import focused, press, type_text
from tests.server.support import PASSWORD
from tests.sync import conftest as sync_fixtures
from tests.sync.conftest import Scheme
from tests.sync.support import FAST_RETRY, IN_PROCESS_URL, FaultTransport

pytestmark = pytest.mark.gui

# The sync tests' server fixtures, exactly as they use them (SQLite only here).
clock = sync_fixtures.clock
config = sync_fixtures.config
app = sync_fixtures.app
scheme = sync_fixtures.scheme
in_process = sync_fixtures.in_process

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
WAIT_MS = 20_000
SHOTS = Path("/work/shots/admin")
NEW_PASSWORD = "a fresh battery staple"  # synthetic, test only


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only here: the API itself runs on both engines in tests/server."""
    return f"sqlite:///{tmp_path / 'server.db'}"


def sign_in(store: LocalStore, transport: FaultTransport, username: str) -> None:
    """This laptop signed in as ``username``, as the sign-in dialog leaves it."""
    client = SyncClient(store, transport=transport, retry=FAST_RETRY)
    client.login(IN_PROCESS_URL, username, PASSWORD, "office laptop")


@pytest.fixture
def admin_service(store: LocalStore, in_process: FaultTransport) -> Iterator[AdminService]:
    service = AdminService(client=AdminClient(store, transport=in_process))
    yield service
    service.close(wait=10)  # a call still in flight ends before the server does


def open_page(qtbot, window: MainWindow, context: CoordinatorContext) -> AdminPage:  # type: ignore[no-untyped-def]
    window.attach_coordinator(context)
    press(Qt.Key.Key_7, CTRL)
    page = window.current_page
    assert isinstance(page, AdminPage)
    wait_idle(qtbot, page)
    return page


def wait_idle(qtbot, page: AdminPage) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not page.busy, timeout=WAIT_MS)


@pytest.fixture
def page(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, coordinator: CoordinatorContext, store: LocalStore,
    in_process: FaultTransport, scheme: Scheme, admin_service: AdminService,
) -> AdminPage:
    """The page on an admin's laptop; the scheme has a volunteer signed in elsewhere."""
    scheme.add_user("admin.one", "admin")
    scheme.add_user("vol.alpha")
    sign_in(store, in_process, "admin.one")
    assert server_login(in_process, "vol.alpha", device="laptop of vol.alpha") == 200
    return open_page(qtbot, window, dataclasses.replace(coordinator, admin=admin_service))


def server_login(
    transport: FaultTransport, username: str, password: str = PASSWORD,
    device: str = "a laptop",
) -> int:
    """Sign in as another laptop would (the volunteer's own); the answer's status."""
    with httpx.Client(transport=transport, base_url=IN_PROCESS_URL) as http:
        response = http.post(
            "/api/v1/login",
            json={"username": username, "password": password, "device_name": device},
            headers={SCHEMA_HEADER: str(WIRE_SCHEMA)},
        )
    return response.status_code


def shot(window: MainWindow, page: QWidget, name: str) -> None:
    """Keep a picture of what the person sees, to look at (not compared)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.resize(1366, 740)
    QApplication.processEvents()
    page.grab().save(str(SHOTS / f"{name}.png"))


def cells(page: AdminPage, table: str) -> list[list[str]]:
    view = page.users if table == "users" else page.devices
    model = view.model()
    return [[str(model.index(r, c).data()) for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def wait_modal(qtbot, kind: type) -> object:  # type: ignore[no-untyped-def]
    """The dialog or question asked, once it has the keyboard."""

    def asking() -> bool:
        widget = QApplication.activeModalWidget()
        focus = QApplication.focusWidget()
        return (isinstance(widget, kind) and focus is not None
                and widget.isAncestorOf(focus))

    qtbot.waitUntil(asking, timeout=WAIT_MS)
    return QApplication.activeModalWidget()


def back_on(qtbot, page: AdminPage) -> None:  # type: ignore[no-untyped-def]
    """The dialog or question has gone and the keyboard is back on the page."""
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None
                    and QApplication.focusWidget() is not None
                    and page.isAncestorOf(QApplication.focusWidget()), timeout=WAIT_MS)


def audit_actions(scheme: Scheme, action: str) -> list[dict[str, object]]:
    with read(scheme.engine) as conn:
        return audit.entries(conn, action=action)


# --- what it shows ------------------------------------------------------------------------


def test_the_page_lists_the_users_and_devices_of_the_central_store(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, page: AdminPage
) -> None:
    assert window.windowTitle() == "Administration"
    assert cells(page, "users") == [
        ["admin.one", "Admin", "Active", cells(page, "users")[0][3]],
        ["vol.alpha", "Volunteer", "Active", cells(page, "users")[1][3]],
    ]
    assert all(row[3] for row in cells(page, "users"))  # the day each was created
    assert page.users_count.text() == "2 users"
    devices = cells(page, "devices")
    assert [(d[0], d[1], d[4]) for d in devices] == [
        ("admin.one", "office laptop (this laptop)", "Active"),
        ("vol.alpha", "laptop of vol.alpha", "Active"),
    ]
    assert page.devices_count.text() == "2 devices"
    assert page.retention.value() == 30
    # The keyboard starts in the users table, on the first user.
    assert focused() is page.users and page.selected_user().username == "admin.one"
    # Enter on a user shows that user's devices.
    press(Qt.Key.Key_Down)
    press(Qt.Key.Key_Return)
    assert [d[0] for d in cells(page, "devices")] == ["vol.alpha"]
    assert page.devices_count.text() == "1 device"
    assert focused() is page.devices
    shot(window, page, "admin_users_and_devices")


def test_a_new_user_is_made_by_keyboard(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, page: AdminPage, scheme: Scheme, in_process: FaultTransport
) -> None:
    press(Qt.Key.Key_W, ALT)
    dialog = wait_modal(qtbot, NewUserDialog)
    assert isinstance(dialog, NewUserDialog)
    qtbot.waitUntil(lambda: focused() is dialog.username)
    type_text("vol.gamma")
    press(Qt.Key.Key_Tab)
    assert focused() is dialog.role
    type_text("C")  # Coordinator
    assert dialog.role.value() is Role.COORDINATOR
    press(Qt.Key.Key_Tab)
    type_text(NEW_PASSWORD)
    press(Qt.Key.Key_Tab)
    type_text("not the same password")
    press(Qt.Key.Key_Return)
    # Told in place, nothing sent, nothing typed lost.
    assert dialog.error.text() == "The two passwords differ: type the same password twice."
    assert focused() is dialog.repeat and dialog.username.text() == "vol.gamma"
    dialog.repeat.selectAll()
    type_text(NEW_PASSWORD)
    shot(window, dialog, "admin_new_user_dialog")
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        press(Qt.Key.Key_Return)
    wait_idle(qtbot, page)
    qtbot.waitUntil(lambda: "vol.gamma" in [r[0] for r in cells(page, "users")],
                    timeout=WAIT_MS)
    assert page.notice.text() == "Added vol.gamma, coordinator."
    made = admin.get_user(scheme.engine, "vol.gamma")
    assert made.role is Role.COORDINATOR and not made.disabled
    # The password typed is the one that signs in.
    assert server_login(in_process, "vol.gamma", NEW_PASSWORD) == 200
    row = next(r for r in audit_actions(scheme, "user.created") if r["actor"] == "admin.one")
    assert row["device_id"] is not None



def test_revoking_a_laptop_asks_first_and_cancel_is_the_default(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, page: AdminPage, scheme: Scheme
) -> None:
    press(Qt.Key.Key_D, ALT)  # the devices table
    assert focused() is page.devices
    press(Qt.Key.Key_Down)
    assert page.selected_device().name == "laptop of vol.alpha"

    press(Qt.Key.Key_K, ALT)
    box = wait_modal(qtbot, QMessageBox)
    assert isinstance(box, QMessageBox)
    assert box.text() == "Revoke “laptop of vol.alpha” of vol.alpha?"
    assert "reset the password of vol.alpha" in box.informativeText()
    shot(window, box, "admin_revoke_confirmation")
    press(Qt.Key.Key_Return)  # the default: Cancel
    back_on(qtbot, page)
    assert focused() is page.devices  # where the keyboard was
    assert audit_actions(scheme, "device.revoked") == []
    assert all(d.revoked_at is None for d in admin.list_devices(scheme.engine, "vol.alpha"))

    press(Qt.Key.Key_K, ALT)
    box = wait_modal(qtbot, QMessageBox)
    press(Qt.Key.Key_K, ALT)  # "Revo&ke" in the box
    back_on(qtbot, page)
    qtbot.waitUntil(lambda: bool(audit_actions(scheme, "device.revoked")), timeout=WAIT_MS)
    wait_idle(qtbot, page)
    qtbot.waitUntil(lambda: cells(page, "devices")[1][4].startswith("Revoked"),
                    timeout=WAIT_MS)
    assert page.notice.text() == (
        "“laptop of vol.alpha” of vol.alpha is revoked: its next sync is refused."
    )
    (entry,) = audit_actions(scheme, "device.revoked")
    assert entry["actor"] == "admin.one"
    assert page.devices_count.text() == "2 devices, 1 revoked"
    shot(window, page, "admin_revoked")


def test_a_refused_change_says_the_servers_reason(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, page: AdminPage, scheme: Scheme
) -> None:
    assert page.selected_user().username == "admin.one"
    press(Qt.Key.Key_R, ALT)
    dialog = wait_modal(qtbot, RoleDialog)
    assert isinstance(dialog, RoleDialog)
    qtbot.waitUntil(lambda: focused() is dialog.role)
    type_text("V")  # Volunteer
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible() and not dialog.busy, timeout=WAIT_MS)
    assert dialog.error.text() == (
        "admin.one is the only admin left, so cannot be made a volunteer: make another "
        "user an admin first (the scheme's accounts would otherwise have no one to "
        "manage them)."
    )
    assert dialog.isVisible()  # still open: the choice can be changed, or cancelled
    shot(window, dialog, "admin_refused_role")
    press(Qt.Key.Key_Escape)
    back_on(qtbot, page)
    wait_idle(qtbot, page)  # read again: a change may have been made before Cancel
    assert admin.get_user(scheme.engine, "admin.one").role is Role.ADMIN
    assert page.notice.text() == ""


def test_a_coordinator_sees_what_only_an_admin_may_do_and_the_servers_refusals(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, coordinator: CoordinatorContext, store: LocalStore,
    in_process: FaultTransport, scheme: Scheme, admin_service: AdminService,
) -> None:
    scheme.add_user("coord.one", "coordinator")
    scheme.add_user("admin.one", "admin")
    sign_in(store, in_process, "coord.one")
    page = open_page(qtbot, window, dataclasses.replace(coordinator, admin=admin_service))
    assert not page.new_user_button.isEnabled()
    assert page.new_user_button.toolTip() == "Only an admin adds users."
    assert not page.role_button.isEnabled() and not page.retention_button.isEnabled()

    # An admin's account is beyond a coordinator's help: greyed, saying why.
    assert page.selected_user().username == "admin.one"
    for button in (page.unlock_button, page.password_button):
        assert not button.isEnabled()
        assert button.toolTip() == (
            "Only for volunteers' accounts here: admin.one is not a volunteer's. "
            "Ask an admin.")
    scheme.add_user("vol.alpha")
    press(Qt.Key.Key_H, ALT)  # Refresh
    qtbot.waitUntil(lambda: len(page.users_model.rows) == 3 and not page.busy,
                    timeout=WAIT_MS)
    page.users.setCurrentIndex(page.users_model.index(
        [u.username for u in page.users_model.rows].index("vol.alpha"), 0))
    assert page.unlock_button.isEnabled() and page.password_button.isEnabled()

    # A client that asks all the same is refused by the server, with the reason.
    with pytest.raises(Exception, match=re.escape(
            "only for volunteers' accounts; admin.one is an admin: ask an admin")):
        admin_service.unlock("admin.one").result(timeout=WAIT_MS / 1000)
    assert audit_actions(scheme, "user.unlocked") == []
    shot(window, page, "admin_coordinator_refused")


def test_offline_says_so_and_queues_nothing(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, page: AdminPage, scheme: Scheme, in_process: FaultTransport
) -> None:
    in_process.plan("/api/v1/admin", *["cut_before"] * 10)
    press(Qt.Key.Key_H, ALT)  # Refresh
    qtbot.waitUntil(lambda: OFFLINE_MESSAGE in page.notice.text() and not page.busy,
                    timeout=WAIT_MS)
    assert "as the central store last answered" in page.notice.text()
    assert [r[0] for r in cells(page, "users")] == ["admin.one", "vol.alpha"]  # kept

    press(Qt.Key.Key_Down)
    press(Qt.Key.Key_U, ALT)  # unlock vol.alpha, offline
    qtbot.waitUntil(lambda: page.notice.text() == OFFLINE_MESSAGE and not page.busy,
                    timeout=WAIT_MS)
    shot(window, page, "admin_offline")
    in_process.clear()
    press(Qt.Key.Key_H, ALT)
    qtbot.waitUntil(lambda: page.notice.text() == "" and not page.busy, timeout=WAIT_MS)
    assert audit_actions(scheme, "user.unlocked") == []  # nothing was sent later


def test_retention_is_set_from_the_page(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, page: AdminPage, scheme: Scheme
) -> None:
    press(Qt.Key.Key_T, ALT)
    assert focused() is page.retention
    type_text("7")
    press(Qt.Key.Key_A, ALT)
    qtbot.waitUntil(lambda: get_settings(scheme.engine).retention_days == 7,
                    timeout=WAIT_MS)
    wait_idle(qtbot, page)
    assert page.notice.text() == (
        "Submitted reports now stay on volunteers' laptops for 7 days once on the "
        "central store."
    )


def test_without_an_admin_service_the_page_says_it_is_not_available(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, coordinator: CoordinatorContext
) -> None:
    press(Qt.Key.Key_7, CTRL)
    page = window.current_page
    assert isinstance(page, AdminPage)
    assert page.notice.text() == NOT_AVAILABLE


def test_disabling_asks_first_and_enabling_does_not(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, page: AdminPage, scheme: Scheme, in_process: FaultTransport
) -> None:
    press(Qt.Key.Key_Down)  # vol.alpha
    assert page.disable_button.text() == "Disab&le"
    press(Qt.Key.Key_L, ALT)
    box = wait_modal(qtbot, QMessageBox)
    assert isinstance(box, QMessageBox)
    assert box.text() == "Disable the account vol.alpha?"
    press(Qt.Key.Key_L, ALT)  # "Disab&le account" in the box
    back_on(qtbot, page)
    qtbot.waitUntil(lambda: cells(page, "users")[1][2] == "Disabled", timeout=WAIT_MS)
    wait_idle(qtbot, page)
    assert admin.get_user(scheme.engine, "vol.alpha").disabled
    assert server_login(in_process, "vol.alpha") == 403
    assert page.disable_button.text() == "Enab&le"
    press(Qt.Key.Key_L, ALT)  # no question: enabling takes nothing away
    qtbot.waitUntil(lambda: cells(page, "users")[1][2] == "Active", timeout=WAIT_MS)
    wait_idle(qtbot, page)
    assert page.notice.text() == "vol.alpha can sign in and sync again."
    assert server_login(in_process, "vol.alpha") == 200


def test_a_coordinator_resets_a_volunteers_password(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, coordinator: CoordinatorContext, store: LocalStore,
    in_process: FaultTransport, scheme: Scheme, admin_service: AdminService,
) -> None:
    scheme.add_user("coord.one", "coordinator")
    scheme.add_user("vol.alpha")
    sign_in(store, in_process, "coord.one")
    page = open_page(qtbot, window, dataclasses.replace(coordinator, admin=admin_service))
    press(Qt.Key.Key_Down)
    assert page.selected_user().username == "vol.alpha"
    press(Qt.Key.Key_P, ALT)
    dialog = wait_modal(qtbot, PasswordDialog)
    assert isinstance(dialog, PasswordDialog)
    type_text("short")
    press(Qt.Key.Key_Tab)
    type_text("short")
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.error.isVisible() and not dialog.busy, timeout=WAIT_MS)
    assert dialog.error.text() == "Password: at least 10 characters."
    dialog.password.setFocus()
    dialog.password.selectAll()
    type_text(NEW_PASSWORD)
    press(Qt.Key.Key_Tab)
    dialog.repeat.selectAll()
    type_text(NEW_PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        press(Qt.Key.Key_Return)
    back_on(qtbot, page)
    wait_idle(qtbot, page)
    assert page.notice.text() == "The password of vol.alpha is changed."
    assert server_login(in_process, "vol.alpha", NEW_PASSWORD) == 200
    (entry,) = audit_actions(scheme, "user.password_reset")
    assert entry["actor"] == "coord.one"


def test_every_part_of_the_page_is_reached_by_tab_and_each_alt_letter_is_its_own(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, page: AdminPage
) -> None:
    from PySide6.QtWidgets import QAbstractButton, QLabel

    letters: list[str] = []
    for widget in page.findChildren(QAbstractButton) + page.findChildren(QLabel):
        text = widget.text()
        if "&" in text and widget.isVisible():
            letters.append(text[text.index("&") + 1].upper())
    assert len(letters) == len(set(letters)), sorted(letters)
    assert not set(letters) & set("FEVNY")  # the menu bar's: File, Edit, Visit, ...
    # Tab walks the page top to bottom once and comes back round, trapped nowhere.
    walk = [focused()]
    for _ in range(30):
        press(Qt.Key.Key_Tab)
        if focused() is walk[0]:
            break
        walk.append(focused())
    inside = [w for w in walk if page.isAncestorOf(w)]
    expected = [page.users, page.new_user_button, page.role_button, page.password_button,
                page.disable_button, page.unlock_button, page.devices_of, page.devices,
                page.revoke_button, page.retention, page.retention_button,
                page.refresh_button]
    assert inside == expected, " > ".join(w.accessibleName() or type(w).__name__
                                          for w in walk)
