"""Administration: the central store's users and devices, and how long reports stay on
volunteers' laptops, managed from the app as ``icv-app admin`` does at the server.

Everything here is asked of the central store, as the account this laptop is signed in
with, through :class:`~icv_app.services.admin.AdminService` (never on the UI thread);
nothing is kept on the laptop and nothing is queued while offline. The server decides
who may do what (admins everything; a coordinator lists users and devices, and resets a
password, lifts a lockout or revokes a lost laptop of a volunteer): what the account can
never do is greyed out with the reason, and whatever the server refuses is said in its
own words at the top of the page.

Keys: the keyboard starts in the users table; Enter on a user shows that user's devices.
Alt+W new user, Alt+R change role, Alt+P reset password, Alt+L disable or enable,
Alt+U unlock, Alt+K revoke the selected device (confirmed, Cancel by default), Alt+T the
retention days and Alt+A to apply them, Alt+H refresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from icv_app.sync.admin_wire import (
    MAX_RETENTION_DAYS,
    AdminAction,
    DeviceOut,
    Reach,
    UserOut,
)
from icv_app.sync.wire import Role
from icv_app.ui.coordinator.admin_dialogs import (
    ERROR_STYLE,
    ROLE_LABELS,
    NewUserDialog,
    PasswordDialog,
    RoleDialog,
    error_text,
)
from icv_app.ui.coordinator.page import CoordinatorContext, CoordinatorPage
from icv_app.ui.shared.input_widgets import ChoiceCombo, NumberBox
from icv_app.ui.shared.rows_model import RowsModel
from icv_app.ui.shared.tasks import when_done

if TYPE_CHECKING:
    from icv_app.services.admin import AdminService
    from icv_app.sync.admin_client import AdminOverview

NOT_AVAILABLE = (
    "Administration is not available on this laptop. Accounts and devices are managed "
    "on the central store (icv-app admin) or from an admin's or coordinator's laptop."
)
RETENTION_NOTE = (
    "How long a submitted report stays on a volunteer's laptop once it is safely on the "
    "central store (0: removed at the next sync)."
)
_Index = QModelIndex | QPersistentModelIndex
R = TypeVar("R")

# Why a button is greyed out, for a role that may never do it.
ONLY_ADMIN = {
    AdminAction.CREATE_USER: "Only an admin adds users.",
    AdminAction.SET_ROLE: "Only an admin changes roles.",
    AdminAction.SET_DISABLED: "Only an admin disables or enables accounts.",
    AdminAction.RESET_PASSWORD: "Only an admin or a coordinator resets passwords.",
    AdminAction.UNLOCK: "Only an admin or a coordinator lifts lockouts.",
    AdminAction.REVOKE_DEVICE: "Only an admin or a coordinator revokes devices.",
    AdminAction.SET_RETENTION: "Only an admin changes how long reports stay on laptops.",
}


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def show_day(moment: dt.datetime | None) -> str:
    return moment.astimezone().strftime("%d %b %Y") if moment else ""


def show_time(moment: dt.datetime | None, never: str = "Never") -> str:
    return moment.astimezone().strftime("%d %b %Y %H:%M") if moment else never


def _table(model: QAbstractTableModel, name: str, widths: Sequence[int]) -> QTableView:
    """A table of rows; the columns this wide, the last one taking the rest."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    for column, width in enumerate(widths):
        table.setColumnWidth(column, width)
    return table


def _heading(caption: str, buddy: QWidget) -> QLabel:
    label = _label(caption, buddy)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _label(caption: str, buddy: QWidget) -> QLabel:
    label = QLabel(caption)
    label.setBuddy(buddy)
    return label


def _device_name(device: DeviceOut) -> str:
    return f"{device.name} (this laptop)" if device.current else device.name


def _device_state(device: DeviceOut) -> str:
    return f"Revoked {show_time(device.revoked_at)}" if device.revoked_at else "Active"


class AdminPage(CoordinatorPage):
    """Users, devices and retention on the central store (module doc).

    Signals: ``status_message(str)`` (CoordinatorPage's) after each change made.
    """

    title = "Administration"

    def __init__(self, context: CoordinatorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.admin: AdminService | None = context.admin
        self.overview: AdminOverview | None = None
        self.running = 0  # calls to the central store not yet answered
        self._refresh_future: Future[AdminOverview] | None = None
        self.dialog: QWidget | None = None  # the dialog or confirmation open now
        self._notice_is_error = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        self.notice = QLabel()
        self.notice.setAccessibleName("Administration message")
        self.notice.setWordWrap(True)
        self.notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if self.admin is None:
            self.notice.setText(NOT_AVAILABLE)
            layout.addWidget(self.notice)
            layout.addStretch(1)
            return
        self._build(layout)

    # Building ------------------------------------------------------------------------------
    def _build(self, layout: QVBoxLayout) -> None:
        top = QHBoxLayout()
        top.addWidget(self.notice, 1)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy, no percentage: one call at a time
        self.progress.setAccessibleName("Asking the central store")
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.progress_label = QLabel("Asking the central store…")
        self.progress_label.hide()
        top.addWidget(self.progress_label)
        top.addWidget(self.progress)
        self.refresh_button = QPushButton("Refres&h")
        self.refresh_button.setToolTip("Read the users and devices from the central store again")
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)

        # Users ----------------------------------------------------------------------------
        self.users_model: RowsModel[UserOut] = RowsModel(
            [
                ("Username", lambda u: u.username),
                ("Role", lambda u: ROLE_LABELS.get(u.role, u.role.value)),
                ("Account", lambda u: "Disabled" if u.disabled else "Active"),
                ("Created", lambda u: show_day(u.created_at)),
            ],
            key=lambda u: u.username,
            parent=self,
        )
        self.users = _table(self.users_model, "Users", (260, 150, 100))
        self.users.activated.connect(lambda _i: self._show_devices_of_selected())
        self.users.selectionModel().currentRowChanged.connect(lambda *_: self._update())
        self.users_count = QLabel()
        self.users_count.setAccessibleName("Number of users")
        heading = QHBoxLayout()
        heading.addWidget(_heading("U&sers", self.users))
        heading.addStretch(1)
        heading.addWidget(self.users_count)
        layout.addLayout(heading)
        layout.addWidget(self.users, 3)
        self.new_user_button = QPushButton("Ne&w user…")
        self.role_button = QPushButton("Change &role…")
        self.password_button = QPushButton("Reset &password…")
        self.disable_button = QPushButton("Disab&le")
        self.unlock_button = QPushButton("&Unlock")
        self.unlock_button.setToolTip("Lift the user's sign-in lockout after too many "
                                      "wrong passwords")
        user_actions = QHBoxLayout()
        for button, slot in (
            (self.new_user_button, self.new_user),
            (self.role_button, self.change_role),
            (self.password_button, self.reset_password),
            (self.disable_button, self.toggle_disabled),
            (self.unlock_button, self.unlock),
        ):
            button.clicked.connect(slot)
            user_actions.addWidget(button)
        user_actions.addStretch(1)
        layout.addLayout(user_actions)

        # Devices --------------------------------------------------------------------------
        self.devices_model: RowsModel[DeviceOut] = RowsModel(
            [
                ("User", lambda d: d.username),
                ("Device", _device_name),
                ("Last seen", lambda d: show_time(d.last_seen_at)),
                ("First signed in", lambda d: show_time(d.created_at)),
                ("State", _device_state),
            ],
            key=lambda d: d.id,
            parent=self,
        )
        self.devices = _table(self.devices_model, "Devices", (180, 330, 150, 150))
        self.devices.selectionModel().currentRowChanged.connect(lambda *_: self._update())
        self.devices_of = ChoiceCombo([("All users", None)])
        self.devices_of.setAccessibleName("Show devices of")
        self.devices_of.value_changed.connect(lambda _v: self._show_devices())
        self.devices_count = QLabel()
        self.devices_count.setAccessibleName("Number of devices")
        heading = QHBoxLayout()
        heading.addWidget(_heading("&Devices", self.devices))
        heading.addSpacing(16)
        heading.addWidget(_label("Show devices &of:", self.devices_of))
        heading.addWidget(self.devices_of)
        heading.addStretch(1)
        heading.addWidget(self.devices_count)
        layout.addLayout(heading)
        layout.addWidget(self.devices, 2)
        self.revoke_button = QPushButton("Revo&ke device…")
        self.revoke_button.setToolTip("Refuse the selected device from now on (a lost or "
                                      "stolen laptop)")
        self.revoke_button.clicked.connect(self.revoke)
        device_actions = QHBoxLayout()
        device_actions.addWidget(self.revoke_button)
        device_actions.addStretch(1)
        layout.addLayout(device_actions)

        # Retention ------------------------------------------------------------------------
        self.retention = NumberBox()
        self.retention.setRange(0, MAX_RETENTION_DAYS)
        self.retention.setSuffix(" days")
        self.retention.setAccessibleName("Retention in days")
        self.retention_button = QPushButton("&Apply")
        self.retention_button.setAccessibleName("Apply retention")
        self.retention_button.clicked.connect(self.apply_retention)
        self.retention_note = QLabel(RETENTION_NOTE)
        self.retention_note.setWordWrap(True)
        retention = QHBoxLayout()
        retention.addWidget(_label("Re&tention:", self.retention))
        retention.addWidget(self.retention)
        retention.addWidget(self.retention_button)
        retention.addWidget(self.retention_note, 1)
        layout.addLayout(retention)

        self._tips = {b: b.toolTip() for b in (
            self.new_user_button, self.role_button, self.password_button,
            self.disable_button, self.unlock_button, self.revoke_button,
            self.retention_button,
        )}
        # The users are what a person comes here for: the keyboard starts there.
        self.setFocusProxy(self.users)
        # Tab: the users and what to do with them, the devices, retention, then Refresh.
        QWidget.setTabOrder(self.users, self.new_user_button)
        QWidget.setTabOrder(self.unlock_button, self.devices_of)
        QWidget.setTabOrder(self.devices_of, self.devices)
        QWidget.setTabOrder(self.devices, self.revoke_button)
        QWidget.setTabOrder(self.revoke_button, self.retention)
        QWidget.setTabOrder(self.retention, self.retention_button)
        QWidget.setTabOrder(self.retention_button, self.refresh_button)
        self._update()

    # The page's life ----------------------------------------------------------------------
    def shown(self) -> None:
        self.refresh()

    @property
    def busy(self) -> bool:
        return self.running > 0

    def refresh(self) -> None:
        """Read everything again from the central store (a refresh already under way
        is not doubled)."""
        if self.admin is None:
            return
        if self._refresh_future is not None and not self._refresh_future.done():
            return
        future = self.admin.overview()
        self._refresh_future = future
        self._track(future, self._loaded, self._load_failed)

    def _track(
        self,
        future: Future[Any],
        on_success: Callable[[Any], None],
        on_failure: Callable[[BaseException], None],
    ) -> None:
        self.running += 1
        self._update_progress()

        def finish() -> None:
            self.running -= 1
            self._update_progress()

        def succeeded(value: Any) -> None:
            finish()
            on_success(value)

        def failed(exc: BaseException) -> None:
            finish()
            on_failure(exc)

        when_done(future, self, succeeded, failed)

    def _update_progress(self) -> None:
        self.progress.setVisible(self.busy)
        self.progress_label.setVisible(self.busy)

    def say(self, text: str, *, error: bool = False) -> None:
        self._notice_is_error = error
        self.notice.setText(text)
        self.notice.setStyleSheet(ERROR_STYLE if error else "")
        self.notice.setAccessibleDescription(text)

    def _loaded(self, overview: AdminOverview) -> None:
        self.overview = overview
        if self._notice_is_error:  # what went wrong is over; what was done stays said
            self.say("")
        selected_user = self.selected_user()
        self.users_model.set_rows(overview.users)
        self._select(self.users, self.users_model,
                     selected_user.username if selected_user else None)
        self.users_count.setText(plural(len(overview.users), "user"))
        self.devices_of.set_choices(
            [("All users", None)] + [(u.username, u.username) for u in overview.users]
        )
        self._show_devices()
        if not self.retention.hasFocus():
            self.retention.setValue(overview.settings.retention_days)
        self._update()

    def _load_failed(self, exc: BaseException) -> None:
        shown = "" if self.overview is None else (
            " What is shown is as the central store last answered."
        )
        self.say(error_text(exc) + shown, error=True)
        self._update()

    def _show_devices(self) -> None:
        if self.overview is None:
            return
        selected = self.selected_device()
        who = self.devices_of.value()
        rows = [d for d in self.overview.devices if who is None or d.username == who]
        self.devices_model.set_rows(rows)
        self._select(self.devices, self.devices_model, selected.id if selected else None)
        revoked = sum(1 for d in rows if d.revoked_at is not None)
        text = plural(len(rows), "device")
        self.devices_count.setText(f"{text}, {revoked:,} revoked" if revoked else text)
        self._update()

    def _show_devices_of_selected(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        self.devices_of.set_value(user.username)
        self.devices.setFocus()

    @staticmethod
    def _select(table: QTableView, model: RowsModel[Any], key: str | None) -> None:
        row = model.row_of(key) if key is not None else -1
        if row < 0 and model.rowCount():
            row = 0
        if row >= 0:
            table.setCurrentIndex(model.index(row, 0))

    # What is selected ----------------------------------------------------------------------
    def selected_user(self) -> UserOut | None:
        return None if self.admin is None else self._current(self.users, self.users_model)

    def selected_device(self) -> DeviceOut | None:
        return None if self.admin is None else self._current(self.devices, self.devices_model)

    @staticmethod
    def _current(table: QTableView, model: RowsModel[R]) -> R | None:
        index = table.currentIndex()
        valid = index.isValid() and index.row() < len(model.rows)
        return model.rows[index.row()] if valid else None

    def _allowed(self, action: AdminAction) -> bool:
        return self.overview is not None and action in self.overview.access.permissions

    def _reaches(self, action: AdminAction, username: str | None) -> bool:
        """May this account do ``action`` to ``username``'s account (or device)? A role
        that reaches only volunteers (a coordinator helping with a password, a lockout,
        a lost laptop) may not touch anyone else's; the server decides all the same."""
        if self.overview is None or username is None:
            return True
        reach = self.overview.access.permissions.get(action)
        if reach is not Reach.VOLUNTEERS:
            return True
        role = next((u.role for u in self.users_model.rows if u.username == username), None)
        return role is Role.VOLUNTEER

    def _update(self) -> None:
        """Grey out what this account may never do, or may not do to the account or
        device selected (saying why); the server checks everything again."""
        user = self.selected_user()
        device = self.selected_device()
        self.disable_button.setText(
            "Enab&le" if user is not None and user.disabled else "Disab&le"
        )
        user_name = None if user is None else user.username
        device_owner = None if device is None else device.username
        for button, action, needs, whose in (
            (self.new_user_button, AdminAction.CREATE_USER, True, None),
            (self.role_button, AdminAction.SET_ROLE, user is not None, user_name),
            (self.password_button, AdminAction.RESET_PASSWORD, user is not None, user_name),
            (self.disable_button, AdminAction.SET_DISABLED, user is not None, user_name),
            (self.unlock_button, AdminAction.UNLOCK, user is not None, user_name),
            (self.revoke_button, AdminAction.REVOKE_DEVICE, device is not None,
             device_owner),
            (self.retention_button, AdminAction.SET_RETENTION, True, None),
        ):
            loaded = self.overview is not None
            allowed = self._allowed(action)
            reaches = self._reaches(action, whose)
            button.setEnabled(allowed and needs and reaches)
            if loaded and not allowed:
                why = ONLY_ADMIN[action]
            elif not needs:
                why = "Select one first."
            elif not reaches:
                why = (f"Only for volunteers' accounts here: {whose} is not a volunteer's. "
                       "Ask an admin.")
            else:
                why = ""
            button.setAccessibleDescription(why)
            button.setToolTip(why or self._tips.get(button, ""))
        may_set = self._allowed(AdminAction.SET_RETENTION)
        self.retention.setEnabled(may_set)
        self.retention_note.setText(
            RETENTION_NOTE if may_set or self.overview is None
            else f"{RETENTION_NOTE} Only an admin changes it."
        )

    # Actions ---------------------------------------------------------------------------
    def _change(self, future: Future[Any], done: Callable[[Any], str]) -> None:
        """A change sent: say how it went, then read everything again."""

        def succeeded(value: Any) -> None:
            text = done(value)
            self.say(text)
            self.status_message.emit(text)
            self.refresh()

        def failed(exc: BaseException) -> None:
            self.say(error_text(exc), error=True)

        self._track(future, succeeded, failed)

    def _open(self, dialog: QWidget, on_done: Callable[[Any], str]) -> None:
        from PySide6.QtWidgets import QDialog

        assert isinstance(dialog, QDialog)
        self.dialog = dialog

        def finished(result: int) -> None:
            self.dialog = None
            self.window().activateWindow()  # the keyboard back where it was
            if result == QDialog.DialogCode.Accepted:
                text = on_done(getattr(dialog, "result_value", None))
                self.say(text)
                self.status_message.emit(text)
            # Also after Cancel: a change may have been sent before it.
            self.refresh()
            dialog.deleteLater()

        dialog.finished.connect(finished)
        dialog.open()  # window-modal, with the keyboard
        dialog.activateWindow()

    def new_user(self) -> None:
        if self.admin is None or not self._allowed(AdminAction.CREATE_USER):
            return
        self._open(
            NewUserDialog(self.admin.create_user, self),
            lambda user: f"Added {user.username}, {ROLE_LABELS[user.role].lower()}.",
        )

    def change_role(self) -> None:
        user = self.selected_user()
        if self.admin is None or user is None or not self._allowed(AdminAction.SET_ROLE):
            return
        self._open(
            RoleDialog(user.username, user.role, self.admin.set_role, self),
            lambda u: f"{u.username} is now {ROLE_LABELS[u.role].lower()}.",
        )

    def reset_password(self) -> None:
        user = self.selected_user()
        if (self.admin is None or user is None
                or not self._allowed(AdminAction.RESET_PASSWORD)):
            return
        self._open(
            PasswordDialog(user.username, self.admin.reset_password, self),
            lambda u: f"The password of {u.username} is changed.",
        )

    def toggle_disabled(self) -> None:
        user = self.selected_user()
        if (self.admin is None or user is None
                or not self._allowed(AdminAction.SET_DISABLED)):
            return
        admin = self.admin
        if user.disabled:
            self._change(admin.set_disabled(user.username, False),
                         lambda u: f"{u.username} can sign in and sync again.")
            return
        self._confirm(
            f"Disable {user.username}?",
            f"Disable the account {user.username}?",
            "They can no longer sign in, and none of their laptops can sync until the "
            "account is enabled again. Nothing they recorded is removed.",
            "Disab&le account",
            lambda: self._change(admin.set_disabled(user.username, True),
                                 lambda u: f"{u.username} is disabled."),
        )

    def unlock(self) -> None:
        user = self.selected_user()
        if self.admin is None or user is None or not self._allowed(AdminAction.UNLOCK):
            return
        self._change(self.admin.unlock(user.username),
                     lambda u: f"{u.username} can sign in again from anywhere.")

    def revoke(self) -> None:
        device = self.selected_device()
        if (self.admin is None or device is None
                or not self._allowed(AdminAction.REVOKE_DEVICE)):
            return
        if device.current:
            self.say(f"“{device.name}” is the laptop you are using now: it cannot revoke "
                     "itself. To stop using it, sign out (Sync ▸ Sign out); to revoke it, "
                     "do so from another device.", error=True)
            return
        if device.revoked_at is not None:
            self.say(f"“{device.name}” of {device.username} was already revoked "
                     f"{show_time(device.revoked_at)}.")
            return
        admin = self.admin
        self._confirm(
            "Revoke device?",
            f"Revoke “{device.name}” of {device.username}?",
            "That laptop is refused from its next sync and cannot be let back in; "
            "reports on it not yet sent stay on it. Its owner can sign in again, on any "
            "laptop, with their password: if this one was lost, also reset the password "
            f"of {device.username}.",
            "Revo&ke",
            lambda: self._change(
                admin.revoke_device(device.id),
                lambda d: f"“{d.name}” of {d.username} is revoked: its next sync is "
                "refused.",
            ),
        )

    def apply_retention(self) -> None:
        if self.admin is None or not self._allowed(AdminAction.SET_RETENTION):
            return
        days = self.retention.value()
        self._change(
            self.admin.set_retention(days),
            lambda s: "Submitted reports now stay on volunteers' laptops for "
            f"{plural(s.retention_days, 'day')} once on the central store.",
        )

    def _confirm(
        self, title: str, text: str, detail: str, action: str, then: Callable[[], None]
    ) -> None:
        """Ask first, Cancel the default (Enter or Escape leaves things as they are)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                          QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText(detail)
        go = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.button(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        self.dialog = box

        def finished(_result: int) -> None:
            self.dialog = None
            self.window().activateWindow()
            chosen = box.clickedButton()
            box.deleteLater()
            if chosen is go:
                then()

        box.finished.connect(finished)
        box.open()
        box.activateWindow()


__all__ = ["AdminPage"]
