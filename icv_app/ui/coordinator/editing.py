"""What the coordinator's editing panels share: a date that can be typed from the
keyboard when it is not set yet, and the question asked before unsaved changes would be
left behind (Save, Discard or Cancel, Cancel the default)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDateTimeEdit, QLineEdit, QMessageBox, QWidget

from icv_app.ui.shared.input_widgets import OptionalDateEdit


class DayEdit(OptionalDateEdit):
    """An optional date that starts from today when typed into while unset.

    The unset date shows "Not set" on the earliest date, where typed digits have nowhere
    to go and Up steps from the year 2000; here the first digit (or Up/Down) puts today
    in and goes on from its day, so "05Mar2026" types the 5th of March 2026. Delete or
    Backspace on the whole date clears it again, as before."""

    def __init__(self, today: Callable[[], dt.date], unset_text: str = "Not set",
                 parent: QWidget | None = None) -> None:
        super().__init__(unset_text, parent)
        self._today = today

    def keyPressEvent(self, event: QKeyEvent) -> None:
        starts = event.text()[:1].isdigit() or event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down)
        if self.value() is None and not self.isReadOnly() and starts:
            today = self._today()
            self.setDate(QDate(today.year, today.month, today.day))
            self.setCurrentSection(QDateTimeEdit.Section.DaySection)
            self.setSelectedSection(QDateTimeEdit.Section.DaySection)
            if not event.text()[:1].isdigit():
                return  # Up/Down: today is the first step
        super().keyPressEvent(event)


def focus_field(widget: QWidget) -> None:
    """Put the keyboard in a field to correct it, ready to be typed over: the whole of a
    line, the day of a date (even when the focus is there already)."""
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    if isinstance(widget, QDateTimeEdit):
        widget.setSelectedSection(QDateTimeEdit.Section.DaySection)
    elif isinstance(widget, QLineEdit):
        widget.selectAll()


class Unsaved(Enum):
    SAVE = "save"
    DISCARD = "discard"
    CANCEL = "cancel"


def ask_unsaved(parent: QWidget, what: str, then: Callable[[Unsaved], None]) -> QMessageBox:
    """Ask whether to save ``what`` ("The follow-up “Call bell…”") before leaving it;
    ``then(choice)`` runs once answered. Window-modal and not blocking: no nested event
    loop while saves are in flight. S saves, D discards, Escape (the default) stays."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Unsaved changes")
    box.setText(f"{what} has changes that are not saved.")
    box.setInformativeText("Save them, discard them, or cancel to go on editing.")
    save = box.addButton("&Save", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("&Discard changes", QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton("Cancel", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.setWindowModality(Qt.WindowModality.WindowModal)

    def answered(_result: int) -> None:
        clicked = box.clickedButton()
        choice = (Unsaved.SAVE if clicked is save
                  else Unsaved.DISCARD if clicked is discard else Unsaved.CANCEL)
        box.deleteLater()
        parent.window().activateWindow()  # the keyboard back where the question came from
        then(choice)

    box.finished.connect(answered)
    box.open()
    return box
