"""Asking when to call back: a date and time in the scheme's local time (shown as the
laptop's clock shows it), never in the past, and a short note."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from icv_app.domain.survey.records import phone_in


def _default_time(now: dt.datetime) -> dt.datetime:
    """The next whole hour but one: a common "call me back in an hour or so"."""
    local = now.astimezone()
    return (local + dt.timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)


class AppointmentDialog(QDialog):
    def __init__(self, parent: QWidget | None, now: dt.datetime) -> None:
        super().__init__(parent)
        self.setWindowTitle("Call back later")
        self.setMinimumWidth(460)
        self.now = now
        self.when = QDateTimeEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("ddd d MMM yyyy HH:mm")
        self.when.setAccessibleName("Call back at")
        self.when.setDateTime(QDateTime(_default_time(now)))
        self.note = QLineEdit()
        self.note.setAccessibleName("Note for the call back")
        self.note.setPlaceholderText("e.g. ask for the respondent by first name only")
        self.message = QLabel()
        self.message.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.message.setWordWrap(True)
        self.message.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        when_label = QLabel("Call back &at:")
        when_label.setBuddy(self.when)
        note_label = QLabel("&Note:")
        note_label.setBuddy(self.note)
        form.addRow(when_label, self.when)
        form.addRow(note_label, self.note)
        form.addRow(self.message)
        form.addRow(buttons)
        self.when.setFocus(Qt.FocusReason.OtherFocusReason)

    def appointment(self) -> dt.datetime:
        chosen = self.when.dateTime().toPython()
        assert isinstance(chosen, dt.datetime)
        return chosen.astimezone().astimezone(dt.UTC)  # local wall time -> aware UTC

    def accept(self) -> None:
        if self.appointment() <= self.now:
            self._say("The call back must be later than now.")
            return
        if phone_in(self.note.text()):
            self._say("The note looks like it holds a phone number: leave it out (the "
                      "case keeps its number).")
            return
        super().accept()

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()


def ask_appointment(parent: QWidget | None,
                    now: dt.datetime) -> tuple[dt.datetime, str] | None:
    """When to call back and a note, or None if the interviewer thought better of it."""
    dialog = AppointmentDialog(parent, now)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.appointment(), dialog.note.text().strip()
