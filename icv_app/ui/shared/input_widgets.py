"""Input widgets for report fields whose value Qt has no widget for.

Each has ``value()`` and ``set_value()``, so the form binds them all the same way: a
choice among Python values (enum members, ids), a yes/no that may be unknown, a time that
may be blank, a date that may be unset, a custody record number that is never a name.
Choices and dates signal ``value_changed(object)``; the typed ones (time, custody
number) are line edits whose text the form reads, and which may hold text back
(:class:`HeldText`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Any

from PySide6.QtCore import QDate, QRegularExpression, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QSpinBox, QWidget

from icv_app.domain.custody.custody_number import (
    DEFAULT_PATTERN,
    EXAMPLE,
    check_custody_number,
    looks_personal,
)
from icv_app.domain.custody.parsing import parse_time, time_problem


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
        # Rebuilding the list is not a choice: nothing is emitted unless the value had
        # to change (it is no longer offered). A caller's own blockSignals is kept.
        was_blocked = self.blockSignals(True)
        try:
            self.clear()
            self._values = []
            for label, value in choices:
                self.addItem(label)
                self._values.append(value)
            if self._values:
                self.set_value(current)
        finally:
            self.blockSignals(was_blocked)
        if self.value() != current and not was_blocked:
            self.value_changed.emit(self.value())

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


class NumberBox(QSpinBox):
    """A whole number that is replaced, not appended to, when typed over: however the
    focus arrives (Tab, a click, a mnemonic, a tab switching to its section) the number
    is selected, so typing 4 into a box showing 0 gives 4, not 40 or 04."""

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if not self.isReadOnly():
            self.selectAll()
            # A click places the cursor after this event: select again once it has.
            QTimer.singleShot(0, self.selectAll)


class HeldText:
    """What an input whose text may not be storable offers its form (see
    :class:`~icv_app.ui.shared.form_section.FormSection`): ``held_message()`` says why the
    text cannot be stored ("" when it can), ``urgent()`` whether to say so while the person
    is still typing (a name where a custody number belongs), and ``finished`` fires when
    they leave the field. Text that cannot be stored stays in the input, is never saved,
    and is a problem that blocks submission."""

    def held_message(self) -> str:
        raise NotImplementedError

    def urgent(self) -> bool:
        return False


class TimeField(QLineEdit, HeldText):
    """A 24-hour time that may be left blank. Text that is not a time (``25:99``) stays
    as typed and is held back: :meth:`value` is the time last typed that was one.

    Signals:
        finished(): the person left the field (``editingFinished``).
    """

    finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPlaceholderText("HH:MM")
        self.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"^\d{0,2}[:.]?\d{0,2}$"), self)
        )
        self.setMaxLength(5)
        self.setMaximumWidth(90)
        self.editingFinished.connect(self.finished)

    def value(self) -> dt.time | None:
        return parse_time(self.text())

    def set_value(self, value: dt.time | None) -> None:
        text = value.strftime("%H:%M") if value else ""
        if parse_time(self.text()) != value or (value is None and self.text().strip()):
            self.setText(text)

    def held_message(self) -> str:
        return time_problem(self.text())


class CustodyNumberEdit(QLineEdit, HeldText):
    """A custody record number, checked as typed against the scheme's pattern and
    against names, dates of birth and addresses (:mod:`icv_app.domain.custody.
    custody_number`); text that fails is held back, never stored.

    Signals:
        finished(): the person left the field.
    """

    finished = Signal()

    def __init__(self, pattern: str = DEFAULT_PATTERN, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pattern = pattern
        self.setPlaceholderText(f"e.g. {EXAMPLE} (never a name)")
        self.editingFinished.connect(self.finished)

    def value(self) -> str:
        return check_custody_number(self.text(), self.pattern).value or ""

    def set_value(self, value: str | None) -> None:
        if self.value() != (value or "") or (not value and self.text().strip()):
            self.setText(value or "")

    def held_message(self) -> str:
        return check_custody_number(self.text(), self.pattern).message

    def urgent(self) -> bool:
        return bool(looks_personal(self.text()))


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

    def event(self, event: Any) -> bool:
        if OptionalDateEdit.tab_leaves(self, event):
            return True
        return super().event(event)

    @staticmethod
    def tab_leaves(widget: QDateEdit, event: Any) -> bool:
        """Move the focus on from ``widget`` if ``event`` is Tab or Shift+Tab.

        QDateTimeEdit spends Tab on stepping through its sections (three presses to
        leave a "dd MMM yyyy" date), so a keyboard user seems stuck in it. Left/Right,
        Ctrl+Left/Right and typing still move between day, month and year; Tab leaves
        the field as it leaves every other one. Any date edit can call this from its
        ``event()`` (the visits list's date filters do).
        """
        if not isinstance(event, QKeyEvent) or event.type() != event.Type.KeyPress:
            return False
        modifiers = event.modifiers()
        if event.key() not in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) or modifiers & (
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
        ):
            return False
        forward = event.key() == Qt.Key.Key_Tab and not (
            modifiers & Qt.KeyboardModifier.ShiftModifier
        )
        # QWidget's own step through the window's focus chain, not QDateTimeEdit's.
        return bool(QWidget.focusNextPrevChild(widget, forward))
