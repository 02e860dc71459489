"""Input widgets for report fields whose value Qt has no widget for.

Each has ``value()``, ``set_value()`` and a ``value_changed(object)`` signal, so the form
binds them all the same way: a choice among Python values (enum members, ids), a yes/no
that may be unknown, a time that may be blank, a date that may be unset.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from PySide6.QtCore import QDate, QRegularExpression, Qt, Signal
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QWidget


class ChoiceCombo(QComboBox):
    """A combo box whose items stand for Python values (kept here, not in QVariants, so
    str-enum members come back as members).

    Signals:
        value_changed(object): the user (or code) chose another value.
    """

    value_changed = Signal(object)

    def __init__(
        self, choices: Iterable[tuple[str, Any]] = (), parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._values: list[Any] = []
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.set_choices(choices)
        self.currentIndexChanged.connect(self._emit)

    def set_choices(self, choices: Iterable[tuple[str, Any]]) -> None:
        """Replace the items, keeping the current value when it is still offered."""
        current = self.value()
        self.blockSignals(True)
        self.clear()
        self._values = []
        for label, value in choices:
            self.addItem(label)
            self._values.append(value)
        self.blockSignals(False)
        if self._values:
            self.set_value(current)

    def value(self) -> Any:
        i = self.currentIndex()
        return self._values[i] if 0 <= i < len(self._values) else None

    def set_value(self, value: Any) -> None:
        try:
            index = self._values.index(value)
        except ValueError:
            index = 0 if self._values else -1
        if index != self.currentIndex():
            self.setCurrentIndex(index)

    def values(self) -> list[Any]:
        return list(self._values)

    def _emit(self, _index: int) -> None:
        self.value_changed.emit(self.value())


class EnumCombo(ChoiceCombo):
    """A choice among the members of a labelled enum."""

    def __init__(self, members: Sequence[Enum], parent: QWidget | None = None) -> None:
        super().__init__(((str(m), m) for m in members), parent)


class TriStateCombo(ChoiceCombo):
    """Yes / No / Unknown for a ``bool | None`` answer (type Y, N or U to choose)."""

    def __init__(self, unknown: str = "Unknown", parent: QWidget | None = None) -> None:
        super().__init__([(unknown, None), ("Yes", True), ("No", False)], parent)


_TIME_TEXT = re.compile(r"^\s*(\d{1,2})[:.]?(\d{2})\s*$")


def parse_time(text: str) -> dt.time | None:
    """``14:05``, ``14.05``, ``1405`` or ``9:05`` as a time; None when blank or invalid."""
    match = _TIME_TEXT.match(text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


class TimeField(QLineEdit):
    """A 24-hour time that may be left blank.

    Signals:
        value_changed(object): the time (or None) changed.
        format_problem(str): the text is not a time ("" when it is, or is blank).
    """

    value_changed = Signal(object)
    format_problem = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("HH:MM")
        self.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"^\d{0,2}[:.]?\d{0,2}$"), self)
        )
        self.setMaxLength(5)
        self.setMaximumWidth(90)
        self._value: dt.time | None = None
        self.textChanged.connect(self._on_text)
        self.editingFinished.connect(self._check_format)

    def value(self) -> dt.time | None:
        return self._value

    def set_value(self, value: dt.time | None) -> None:
        text = value.strftime("%H:%M") if value else ""
        if text != self.text():
            self.setText(text)

    def _on_text(self, text: str) -> None:
        value = parse_time(text)
        if value is not None or not text.strip():
            self.format_problem.emit("")
        if value != self._value:
            self._value = value
            self.value_changed.emit(value)

    def _check_format(self) -> None:
        text = self.text()
        if text.strip() and parse_time(text) is None:
            self.format_problem.emit("Enter a time as HH:MM (24-hour clock).")


class OptionalDateEdit(QDateEdit):
    """A date that may be unset: the earliest date stands for "not set".

    Delete or Backspace with the whole date selected clears it.

    Signals:
        value_changed(object): the date (or None) changed.
    """

    value_changed = Signal(object)
    UNSET = QDate(2000, 1, 1)

    def __init__(self, unset_text: str = "Not set", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("dd MMM yyyy")
        self.setMinimumDate(self.UNSET)
        self.setSpecialValueText(unset_text)
        self.setMaximumWidth(170)
        self.setDate(self.UNSET)
        self.dateChanged.connect(lambda _d: self.value_changed.emit(self.value()))

    def value(self) -> dt.date | None:
        date = self.date()
        if date == self.UNSET:
            return None
        return dt.date(date.year(), date.month(), date.day())

    def set_value(self, value: dt.date | None) -> None:
        date = QDate(value.year, value.month, value.day) if value else self.UNSET
        if date != self.date():
            self.setDate(date)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and not self.isReadOnly()
            and self.lineEdit().selectedText() == self.lineEdit().text()
        ):
            self.setDate(self.UNSET)
            return
        super().keyPressEvent(event)
