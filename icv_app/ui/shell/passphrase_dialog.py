"""Asking for the passphrase that protects the local data when there is no OS keyring."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

MIN_LENGTH = 8


class PassphraseDialog(QDialog):
    """New profile: choose and confirm a passphrase. Existing profile: enter it.

    ``error`` (e.g. "that passphrase is not the right one") is shown above the fields.
    """

    def __init__(
        self, new_profile: bool, error: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.new_profile = new_profile
        self.setWindowTitle("Choose a passphrase" if new_profile else "Enter your passphrase")
        layout = QVBoxLayout(self)
        if new_profile:
            text = (
                "This computer has no secure keyring to keep the key to your visit "
                "reports, so they are protected by a passphrase. Choose one of at least "
                f"{MIN_LENGTH} characters. It cannot be recovered: without it the reports "
                "on this computer cannot be opened."
            )
        else:
            text = "Enter the passphrase that protects the visit reports on this computer."
        intro = QLabel(text)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.error = QLabel(error)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setVisible(bool(error))
        layout.addWidget(self.error)

        form = QFormLayout()
        layout.addLayout(form)
        self.passphrase = QLineEdit()
        self.passphrase.setEchoMode(QLineEdit.EchoMode.Password)
        self.passphrase.setAccessibleName("Passphrase")
        label = QLabel("&Passphrase:")
        label.setBuddy(self.passphrase)
        form.addRow(label, self.passphrase)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm.setAccessibleName("Confirm passphrase")
        if new_profile:
            label = QLabel("&Confirm:")
            label.setBuddy(self.confirm)
            form.addRow(label, self.confirm)
        else:
            self.confirm.hide()
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setAccessibleName("Open")
        self.ok_button.setText("&Open")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Quit")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("&Quit")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.passphrase.textChanged.connect(self._update)
        self.confirm.textChanged.connect(self._update)
        self.setMinimumWidth(440)
        self._update()

    def _update(self) -> None:
        text = self.passphrase.text()
        if not self.new_profile:
            self.ok_button.setEnabled(bool(text))
            return
        if len(text) < MIN_LENGTH:
            hint = f"At least {MIN_LENGTH} characters."
        elif self.confirm.text() != text:
            hint = "The two entries do not match yet."
        else:
            hint = ""
        self.hint.setText(hint)
        self.ok_button.setEnabled(not hint)

    def value(self) -> str:
        return self.passphrase.text()


def ask_passphrase(new_profile: bool, error: str = "", parent: QWidget | None = None) -> str | None:
    """The passphrase typed, or None if the user chose to quit."""
    dialog = PassphraseDialog(new_profile, error, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.value()
