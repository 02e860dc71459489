"""Signing this laptop in to the central store: server address, username, password and a
name for the laptop. The sign-in itself runs on the sync worker (never the UI thread); the
dialog shows a busy state and, on failure, says why in place (wrong password, too many
tries and how long to wait, the server cannot be reached, the app needs an update).

Plain ``http://`` is refused except to this computer, unless the person ticks "Allow an
insecure connection": the password and the laptop's access would otherwise cross the
network in clear.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from PySide6.QtCore import QSysInfo, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from icv_app.ui.shared.tasks import when_done

if TYPE_CHECKING:
    from icv_app.services.sync import SyncService
    from icv_app.sync.credentials import Account

ERROR_STYLE = "color: #b3261e;"


def _insecure(url: str) -> bool:
    """An http address to another computer (the checkbox then matters)."""
    from icv_app.sync.credentials import check_server_url
    from icv_app.sync.errors import InsecureServerUrl, InvalidServerUrl

    try:
        check_server_url(url)
    except InsecureServerUrl:
        return True
    except InvalidServerUrl:
        return False
    return False


def sign_in_error_text(exc: BaseException) -> str:
    """A sentence for the person; the wait after too many tries is spelled out."""
    from icv_app.sync.errors import NetworkError, ServerUnavailable, SyncError, Throttled

    if isinstance(exc, Throttled):
        text = exc.message
        if exc.retry_after and "try again in" not in text.lower():  # the server may say
            minutes = exc.retry_after / 60
            wait = (
                f"{math.ceil(exc.retry_after)} seconds" if exc.retry_after < 90
                else f"{math.ceil(minutes)} minutes"
            )
            text += f" Try again in {wait}."
        return text
    if isinstance(exc, NetworkError):
        # Not "sync will try again": nothing will, until this laptop is signed in.
        return ("The server cannot be reached: check the address and that this laptop is "
                "online, then sign in again. Your reports stay on this laptop meanwhile.")
    if isinstance(exc, ServerUnavailable):
        return ("The server is not available at the moment. Sign in again later; your "
                "reports stay on this laptop meanwhile.")
    if isinstance(exc, SyncError):
        return exc.message
    return f"Signing in failed unexpectedly ({type(exc).__name__}). Please try again."


class SignInDialog(QDialog):
    """Sign in through ``service`` (:meth:`SyncService.login`); accepted once signed in.

    Signals:
        signed_in(object): the :class:`~icv_app.sync.credentials.Account` now in use.
    """

    signed_in = Signal(object)

    def __init__(
        self,
        service: SyncService,
        parent: QWidget | None = None,
        *,
        server_url: str = "",
        username: str = "",
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.busy = False
        self.setWindowTitle("Sign in to the central store")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Sign in once on this laptop so your visit reports are sent to your scheme's "
            "central store. Your coordinator gives you the server address and your "
            "username. The password is not kept on this laptop."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        layout.addLayout(form)
        self.server_url = QLineEdit(server_url)
        self.server_url.setPlaceholderText("https://icv.example.org")
        self.server_url.setAccessibleName("Server address")
        self.username = QLineEdit(username)
        self.username.setAccessibleName("Username")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.device_name = QLineEdit(QSysInfo.machineHostName())
        self.device_name.setAccessibleName("Name of this laptop")
        self.device_name.setToolTip(
            "How this laptop is listed for your administrator (e.g. to revoke it if lost)"
        )
        self.device_name.setMaxLength(100)
        for text, field in (
            ("Server &address:", self.server_url),  # Alt+S is Sign in
            ("&Username:", self.username),
            ("&Password:", self.password),
            ("&Laptop name:", self.device_name),
        ):
            label = QLabel(text)
            label.setBuddy(field)
            form.addRow(label, field)
        self.allow_insecure = QCheckBox(
            "Allow an insecure (http) connection to this server"
        )
        self.allow_insecure.setAccessibleName("Allow an insecure connection")
        self.allow_insecure.setToolTip(
            "Only on a network you trust: the password and this laptop's access would be "
            "sent unencrypted."
        )
        form.addRow("", self.allow_insecure)

        self.error = QLabel()
        self.error.setAccessibleName("Sign-in problem")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        layout.addWidget(self.error)
        self.busy_label = QLabel("Signing in… (you can keep working; this may take a moment)")
        self.busy_label.setAccessibleName("Signing in")
        self.busy_label.setWordWrap(True)
        self.busy_label.hide()
        layout.addWidget(self.busy_label)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.sign_in_button = self.buttons.addButton(
            "&Sign in", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.sign_in_button.setAccessibleName("Sign in")
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.sign_in_button.setDefault(True)  # Enter signs in

        self.server_url.textChanged.connect(self._url_changed)
        self.server_url.setMinimumWidth(340)  # the dialog's width follows its fields
        self._url_changed()
        first_empty = next(
            (f for f in (self.server_url, self.username, self.password) if not f.text()),
            self.password,
        )
        first_empty.setFocus()

    def _url_changed(self) -> None:
        # The box only matters (and is only offered) for http to another computer.
        insecure = _insecure(self.server_url.text())
        self.allow_insecure.setVisible(insecure)
        if not insecure:
            self.allow_insecure.setChecked(False)
        self._fit()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self._fit()

    def _fit(self) -> None:
        """Grow to what the content needs at the current width (a warning or an error
        appearing), never squeezing the fields until their text is clipped. Word-wrapped
        text needs its height for the width, which a layout's minimum size ignores."""
        layout = self.layout()
        layout.activate()
        width = self.width()
        if layout.hasHeightForWidth():
            need = layout.totalHeightForWidth(width)
        else:
            need = layout.totalSizeHint().height()
        self.setMinimumHeight(need)
        if self.height() < need:
            self.resize(width, need)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.busy_label.setVisible(busy)
        self._fit()
        for widget in (
            self.server_url, self.username, self.password, self.device_name,
            self.allow_insecure, self.sign_in_button,
        ):
            widget.setEnabled(not busy)
        self.sign_in_button.setText("Signing in…" if busy else "&Sign in")

    def submit(self) -> None:
        if self.busy:
            return
        from icv_app.sync.credentials import check_server_url
        from icv_app.sync.errors import InsecureServerUrl, InvalidServerUrl

        url = self.server_url.text().strip()
        if not url:
            self.show_error("Enter the server address your coordinator gave you.")
            self.server_url.setFocus()
            return
        try:
            check_server_url(url, self.allow_insecure.isChecked())
        except InsecureServerUrl as exc:
            self.allow_insecure.show()
            self.show_error(
                f"{exc.message} To do so, tick “Allow an insecure (http) connection” above."
            )
            self.server_url.setFocus()
            return
        except InvalidServerUrl as exc:
            self.show_error(exc.message)
            self.server_url.setFocus()
            return
        if not self.username.text().strip():
            self.show_error("Enter your username.")
            self.username.setFocus()
            return
        if not self.password.text():
            self.show_error("Enter your password.")
            self.password.setFocus()
            return
        self.show_error("")
        self._set_busy(True)
        future = self.service.login(
            url, self.username.text().strip(), self.password.text(),
            self.device_name.text().strip(),
            allow_insecure=self.allow_insecure.isChecked(),
        )
        when_done(future, self, self._succeeded, self._failed)

    def _succeeded(self, account: Account) -> None:
        self._set_busy(False)
        self.password.clear()
        self.signed_in.emit(account)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        from icv_app.sync.errors import AuthFailed, InvalidServerUrl, NetworkError

        self._set_busy(False)
        self.show_error(sign_in_error_text(exc))
        if isinstance(exc, AuthFailed):
            self.password.clear()
            self.password.setFocus()
        elif isinstance(exc, (InvalidServerUrl, NetworkError)):
            self.server_url.setFocus()
            self.server_url.selectAll()
