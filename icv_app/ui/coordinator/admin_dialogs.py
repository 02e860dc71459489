"""The administration page's dialogs: a new user, another role, a new password.

Each stays open while the central store answers (busy, its fields greyed) and, when the
server refuses, says why in place with the server's own sentence, so nothing typed is
lost and the person can correct it and try again. The call itself runs on the
administration service's worker (:class:`~icv_app.services.admin.AdminService`).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from icv_app.sync.admin_wire import MAX_PASSWORD_LENGTH, MAX_USERNAME_LENGTH
from icv_app.sync.wire import Role
from icv_app.ui.shared.input_widgets import ChoiceCombo
from icv_app.ui.shared.tasks import when_done

ERROR_STYLE = "color: #b3261e;"
ROLE_LABELS = {
    Role.VOLUNTEER: "Volunteer",
    Role.COORDINATOR: "Coordinator",
    Role.INTERVIEWER: "Interviewer",
    Role.SURVEY_MANAGER: "Survey manager",
    Role.ADMIN: "Admin",
}
MIN_PASSWORD_HINT = "at least 10 characters"


def error_text(exc: BaseException) -> str:
    """The sentence to show for a failed call: the server's or the client's own words."""
    from icv_app.sync.errors import SyncError

    if isinstance(exc, SyncError):
        return exc.message
    return f"That failed unexpectedly ({type(exc).__name__}). Please try again."


def role_combo() -> ChoiceCombo:
    combo = ChoiceCombo([(label, role) for role, label in ROLE_LABELS.items()])
    combo.setAccessibleName("Role")
    return combo


def password_field(name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(MAX_PASSWORD_LENGTH)
    field.setAccessibleName(name)
    field.setPlaceholderText(MIN_PASSWORD_HINT)
    return field


class AdminDialog(QDialog):
    """A form sent to the central store by its accept button; accepted once the server
    has done it. Subclasses add their fields and say what to send (:meth:`send`).

    Signals (QDialog's): accepted() once the change is made.
    """

    def __init__(
        self, title: str, intro: str, accept_text: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.busy = False
        self.result_value: Any = None
        layout = QVBoxLayout(self)
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.error = QLabel()
        self.error.setAccessibleName("Problem")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        layout.addWidget(self.error)
        self.busy_label = QLabel("Asking the central store…")
        self.busy_label.setAccessibleName("Working")
        self.busy_label.hide()
        layout.addWidget(self.busy_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.accept_button = self.buttons.addButton(
            accept_text, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.accept_button.setAccessibleName(accept_text.replace("&", ""))
        self._accept_text = accept_text
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        # Once in the dialog (a button not yet in it cannot be the dialog's default).
        self.accept_button.setDefault(True)  # Enter sends
        self.setMinimumWidth(420)

    def add_row(self, caption: str, field: QWidget) -> None:
        label = QLabel(caption)
        label.setBuddy(field)
        self.form.addRow(label, field)

    def fields(self) -> list[QWidget]:
        return [self.form.itemAt(i).widget() for i in range(self.form.count())
                if self.form.itemAt(i).widget() is not None
                and not isinstance(self.form.itemAt(i).widget(), QLabel)]

    def send(self) -> Future[Any] | None:
        """Check what was typed (show_error and return None if it cannot be sent) and
        start the call."""
        raise NotImplementedError

    def show_error(self, text: str, field: QWidget | None = None) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        if field is not None:
            field.setFocus()
        self.adjustSize()

    def submit(self) -> None:
        if self.busy:
            return
        self.show_error("")
        future = self.send()
        if future is None:
            return
        self._set_busy(True)
        when_done(future, self, self._succeeded, self._failed)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_label.setVisible(busy)
        for field in self.fields():
            field.setEnabled(not busy)
        self.accept_button.setEnabled(not busy)
        self.accept_button.setText("Working…" if busy else self._accept_text)

    def _succeeded(self, value: Any) -> None:
        self._set_busy(False)
        self.result_value = value
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.show_error(error_text(exc), self.focus_after_error())

    def focus_after_error(self) -> QWidget | None:
        fields = self.fields()
        return fields[0] if fields else None


class NewUserDialog(AdminDialog):
    """A new account: username, role and an initial password (typed twice)."""

    def __init__(
        self,
        create: Callable[[str, Role, str], Future[Any]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "New user",
            "The new user signs in on their laptop with this username and password; "
            "give them the password in person, not by email.",
            "&Create user",
            parent,
        )
        self._create = create
        self.username = QLineEdit()
        self.username.setMaxLength(MAX_USERNAME_LENGTH)
        self.username.setAccessibleName("Username")
        self.username.setPlaceholderText("e.g. j.smith: letters, digits and . _ @ -")
        self.role = role_combo()
        self.password = password_field("Password")
        self.repeat = password_field("Repeat the password")
        self.add_row("&Username:", self.username)
        self.add_row("&Role:", self.role)
        self.add_row("&Password:", self.password)
        self.add_row("Repe&at password:", self.repeat)
        self.username.setFocus()

    def send(self) -> Future[Any] | None:
        name = self.username.text().strip()
        if not name:
            self.show_error("Enter a username.", self.username)
            return None
        if not self.password.text():
            self.show_error("Enter an initial password.", self.password)
            return None
        if self.password.text() != self.repeat.text():
            self.show_error("The two passwords differ: type the same password twice.",
                            self.repeat)
            return None
        return self._create(name, self.role.value(), self.password.text())

    def focus_after_error(self) -> QWidget | None:
        return self.username


class RoleDialog(AdminDialog):
    """Another role for one user."""

    def __init__(
        self,
        username: str,
        current: Role,
        change: Callable[[str, Role], Future[Any]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"Role of {username}",
            f"{username} is now {_a(ROLE_LABELS[current])}. Their laptops act in the new "
            "role from their next sync.",
            "&Change role",
            parent,
        )
        self._username = username
        self._change = change
        self.role = role_combo()
        self.role.set_value(current)
        self.add_row("&Role:", self.role)
        self.role.setFocus()

    def send(self) -> Future[Any] | None:
        return self._change(self._username, self.role.value())


class PasswordDialog(AdminDialog):
    """A new password for one user (typed twice)."""

    def __init__(
        self,
        username: str,
        reset: Callable[[str, str], Future[Any]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"New password for {username}",
            f"Set a new password for {username} and give it to them in person. Laptops "
            "already signed in stay signed in: revoke a device to shut it out.",
            "Set &password",
            parent,
        )
        self._username = username
        self._reset = reset
        self.password = password_field("New password")
        self.repeat = password_field("Repeat the new password")
        self.add_row("&New password:", self.password)
        self.add_row("Repe&at it:", self.repeat)
        self.password.setFocus()

    def send(self) -> Future[Any] | None:
        if not self.password.text():
            self.show_error("Enter the new password.", self.password)
            return None
        if self.password.text() != self.repeat.text():
            self.show_error("The two passwords differ: type the same password twice.",
                            self.repeat)
            return None
        return self._reset(self._username, self.password.text())


def _a(noun: str) -> str:
    return f"an {noun.lower()}" if noun[:1].lower() in "aeiou" else f"a {noun.lower()}"
