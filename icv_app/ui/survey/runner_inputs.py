"""The interview runner's answer inputs, one per question type, all driven from the
keyboard the same way.

Every input signals ``action(str)``: ``"next"`` for Enter (Return or the keypad's) and
Page Down, ``"back"`` for Page Up; the runner decides what they do. Each has
``value()`` (the answer as the interview takes it, None for none; raises
:class:`InputProblem` for text that is no value of its type, which is shown and never
saved), ``set_value()``, and ``raw()``/``set_raw()`` (what is typed or chosen, kept
across a change of language).

Choices (:class:`ChoiceList`) are numbered: the keys 1 to 9 choose the first nine, 0 the
tenth (a choice beyond the tenth has no number: the arrow keys reach it, or typing the
start of its label). In a select_one a digit or an arrow key moves the choice; in a
select_multiple a digit or Space ticks or unticks a choice and the arrows move between
them. Dates are typed as 2026-03-01 or 01/03/2026 (day first), times as 14:30.
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType
from typing import Any, Final

from PySide6.QtCore import QItemSelectionModel, QRegularExpression, Qt, Signal
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from icv_app.services.survey.interviews import Step

# The highlighted row is the selection: in a select_one it is the choice, in a
# select_multiple only where the arrows are (the ticks are the answer).
SELECT = QItemSelectionModel.SelectionFlag.ClearAndSelect
NAME_ROLE = Qt.ItemDataRole.UserRole
LABEL_ROLE = Qt.ItemDataRole.UserRole + 1
DIGITS = {Qt.Key.Key_1: 0, Qt.Key.Key_2: 1, Qt.Key.Key_3: 2, Qt.Key.Key_4: 3,
          Qt.Key.Key_5: 4, Qt.Key.Key_6: 5, Qt.Key.Key_7: 6, Qt.Key.Key_8: 7,
          Qt.Key.Key_9: 8, Qt.Key.Key_0: 9}
DATE_HINT = "Type the date as 2026-03-01 or 01/03/2026."
TIME_HINT = "Type the time as 14:30."
DATETIME_HINT = "Type the date and time as 2026-03-01 14:30 or 01/03/2026 14:30."


class InputProblem(ValueError):
    """What is typed is no value of the question's type (the message says how to type
    it); nothing is saved."""


def runner_action(event: QKeyEvent, newline_with_shift: bool = False) -> str | None:
    """The runner's meaning of a key press: "next", "back" or None."""
    key = event.key()
    modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
        if newline_with_shift and modifiers & Qt.KeyboardModifier.ShiftModifier:
            return None
        if modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            return "next"
        return None
    if modifiers != Qt.KeyboardModifier.NoModifier:
        return None
    if key == Qt.Key.Key_PageDown:
        return "next"
    if key == Qt.Key.Key_PageUp:
        return "back"
    return None


def digit_label(index: int) -> str:
    """The key that chooses the choice at ``index`` (from 0): "1".."9", "0", or ""."""
    if index < 9:
        return str(index + 1)
    return "0" if index == 9 else ""


class ChoiceList(QListWidget):
    """A select's choices, numbered (module doc).

    Signals:
        action(str): "next" or "back".
        chosen(): the choice (or a tick) was changed from the keyboard or a click.
    """

    action = Signal(str)
    chosen = Signal()

    def __init__(self, choices: tuple[tuple[str, str], ...], multiple: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.multiple = multiple
        self.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        # Read at arm's length from a headset, at night: larger than the body text, with
        # room between the choices.
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.setFont(font)
        self.setSpacing(3)
        for index, (name, label) in enumerate(choices):
            number = digit_label(index)
            item = QListWidgetItem(f"{number:>2}   {label}" if number else f"      {label}")
            item.setData(NAME_ROLE, name)
            item.setData(LABEL_ROLE, label)
            if multiple:
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
            self.addItem(item)
        self.itemChanged.connect(lambda _item: self.chosen.emit())
        self.itemClicked.connect(lambda _item: self.chosen.emit())
        rows = max(1, min(self.count(), 12))
        self.setMinimumHeight(self.sizeHintForRow(0) * rows + 2 * self.frameWidth() + 4)

    def names(self) -> list[str]:
        return [str(self.item(i).data(NAME_ROLE)) for i in range(self.count())]

    def value(self) -> Any:
        if self.multiple:
            ticked = [str(self.item(i).data(NAME_ROLE)) for i in range(self.count())
                      if self.item(i).checkState() == Qt.CheckState.Checked]
            return ticked or None
        selected = self.selectedItems()
        return str(selected[0].data(NAME_ROLE)) if selected else None

    def set_value(self, value: Any) -> None:
        wanted = value if isinstance(value, list) else (
            value.split() if self.multiple and isinstance(value, str) else [value])
        self.blockSignals(True)
        try:
            self.clearSelection()
            first = None
            for i in range(self.count()):
                item = self.item(i)
                hit = item.data(NAME_ROLE) in wanted
                if self.multiple:
                    item.setCheckState(Qt.CheckState.Checked if hit
                                       else Qt.CheckState.Unchecked)
                elif hit:
                    item.setSelected(True)
                if hit and first is None:
                    first = i
            if first is not None:
                self.setCurrentRow(first, SELECT)
        finally:
            self.blockSignals(False)

    def raw(self) -> Any:
        return self.value()

    def set_raw(self, raw: Any) -> None:
        self.set_value(raw)

    def choose(self, index: int) -> None:
        """What the digit for the choice at ``index`` does."""
        if not 0 <= index < self.count():
            return
        item = self.item(index)
        if self.multiple:
            self.setCurrentRow(index, SELECT)
            ticked = item.checkState() == Qt.CheckState.Checked
            item.setCheckState(Qt.CheckState.Unchecked if ticked else Qt.CheckState.Checked)
        else:
            self.setCurrentRow(index, SELECT)
            self.chosen.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = runner_action(event)
        if action is not None:
            event.accept()
            self.action.emit(action)
            return
        plain = (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier) == \
            Qt.KeyboardModifier.NoModifier
        key = Qt.Key(event.key())
        if plain and key in DIGITS:
            event.accept()
            self.choose(DIGITS[key])
            return
        if plain and self.multiple and key == Qt.Key.Key_Space:
            event.accept()
            self.choose(self.currentRow())
            return
        before = self.currentRow()
        super().keyPressEvent(event)
        if not self.multiple and self.currentRow() != before:
            self.chosen.emit()

    def keyboardSearch(self, search: str) -> None:
        """Typing the start of a label moves to it (the number in front is skipped)."""
        text = search.casefold().strip()
        if not text:
            return
        start = self.currentRow() + 1 if len(search) == 1 else max(self.currentRow(), 0)
        for offset in range(self.count()):
            row = (start + offset) % self.count()
            if str(self.item(row).data(LABEL_ROLE)).casefold().startswith(text):
                self.setCurrentRow(row, SELECT)
                if not self.multiple:
                    self.chosen.emit()
                return


_PATTERNS: Final = MappingProxyType(
    {"integer": r"-?\d{0,15}", "decimal": r"-?\d{0,15}([.,]\d{0,10})?"})
_PLACEHOLDERS: Final = MappingProxyType(
    {"date": "2026-03-01 or 01/03/2026", "time": "14:30", "datetime": "2026-03-01 14:30"})


class LineInput(QLineEdit):
    """One line of text, a number, a date or a time (by ``kind``), typed.

    Signals:
        action(str): "next" or "back".
    """

    action = Signal(str)

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        pattern = _PATTERNS.get(kind)
        if pattern is not None:
            self.setValidator(QRegularExpressionValidator(QRegularExpression(pattern), self))
        self.setPlaceholderText(_PLACEHOLDERS.get(kind, ""))
        if kind in ("integer", "decimal", "date", "time", "datetime"):
            self.setMaximumWidth(260)

    def value(self) -> Any:
        text = self.text().strip()
        if not text:
            return None
        if self.kind == "integer":
            try:
                return int(text)
            except ValueError:
                raise InputProblem("A whole number is needed.") from None
        if self.kind == "decimal":
            try:
                return float(text.replace(",", "."))
            except ValueError:
                raise InputProblem("A number is needed.") from None
        if self.kind == "date":
            return _date(text).isoformat()
        if self.kind == "time":
            return _time(text).isoformat(timespec="minutes")
        if self.kind == "datetime":
            return _datetime(text).isoformat(timespec="minutes")
        return text

    def set_value(self, value: Any) -> None:
        if value is None:
            self.clear()
        elif self.kind == "date" and isinstance(value, str):
            self.setText(value[:10])
        elif self.kind == "decimal" and isinstance(value, float) and value.is_integer():
            self.setText(str(int(value)))
        else:
            self.setText(str(value))

    def raw(self) -> Any:
        return self.text()

    def set_raw(self, raw: Any) -> None:
        self.setText(str(raw or ""))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = runner_action(event)
        if action is not None:
            event.accept()
            self.action.emit(action)
            return
        super().keyPressEvent(event)


class TextBox(QPlainTextEdit):
    """Text over several lines (appearance ``multiline``): Enter moves on, Shift+Enter
    starts a new line.

    Signals:
        action(str): "next" or "back".
    """

    action = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)

    def value(self) -> Any:
        return self.toPlainText().strip() or None

    def set_value(self, value: Any) -> None:
        self.setPlainText("" if value is None else str(value))
        self.moveCursor(self.textCursor().MoveOperation.End)

    def raw(self) -> Any:
        return self.toPlainText()

    def set_raw(self, raw: Any) -> None:
        self.set_value(raw)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = runner_action(event, newline_with_shift=True)
        if action is not None:
            event.accept()
            self.action.emit(action)
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.insertPlainText("\n")  # Shift+Enter
            event.accept()
            return
        super().keyPressEvent(event)


class NoteInput(QLabel):
    """A note has nothing to answer: this takes the focus and the keys, so that Enter
    moves on as from any question.

    Signals:
        action(str): "next" or "back".
    """

    action = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Press Enter to go on.", parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def value(self) -> Any:
        return None

    def set_value(self, value: Any) -> None:
        """A note holds no answer."""

    def raw(self) -> Any:
        return None

    def set_raw(self, raw: Any) -> None:
        """A note holds nothing typed."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = runner_action(event)
        if action is not None:
            event.accept()
            self.action.emit(action)
            return
        super().keyPressEvent(event)


AnswerInput = ChoiceList | LineInput | TextBox | NoteInput


def make_input(step: Step, parent: QWidget | None = None) -> AnswerInput:
    """The input for a step, holding its answer so far."""
    widget: AnswerInput
    if step.is_note:
        widget = NoteInput(parent)
    elif step.choices or step.type in ("select_one", "select_multiple", "acknowledge"):
        widget = ChoiceList(step.choices, step.type == "select_multiple", parent)
    elif step.type == "text" and "multiline" in (step.question.appearance or ""):
        widget = TextBox(parent)
    else:
        widget = LineInput(step.type, parent)
    widget.set_value(step.value)
    return widget


def _date(text: str) -> dt.date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise InputProblem(f"{text!r} is not a date. {DATE_HINT}")


def _time(text: str) -> dt.time:
    for pattern in ("%H:%M", "%H.%M", "%H%M"):
        try:
            return dt.datetime.strptime(text, pattern).time()
        except ValueError:
            continue
    raise InputProblem(f"{text!r} is not a time. {TIME_HINT}")


def _datetime(text: str) -> dt.datetime:
    day, _, time = text.replace("T", " ").partition(" ")
    try:
        return dt.datetime.combine(_date(day.strip()), _time(time.strip()))
    except InputProblem:
        raise InputProblem(f"{text!r} is not a date and time. {DATETIME_HINT}") from None
