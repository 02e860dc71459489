"""What every section of the visit form shares: binding inputs to report fields,
showing validation messages by field path, and turning read-only.

A binding is a pair of callables that read and write one value of the report (an
attribute, or an entry of one of its dicts). Loading a report pushes every value into its
widget with change handling paused; a change by the user writes the value back and emits
``changed``, on which the form autosaves and re-validates.

Nothing typed is silently dropped: an input whose text cannot be stored (a time that is
not one, a custody number that holds a name; see :class:`~icv_app.ui.shared.
input_widgets.HeldText`) keeps the text as typed, writes nothing, and the section holds
it with its message (``held``) until the text is put right. Held text lives only in
memory: it is never saved or synced; the form lists it as a problem that blocks
submission, and shows it again when the same record is shown again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QTextEdit,
    QWidget,
)

from icv_app.domain.custody.validation import Problem
from icv_app.domain.custody.visit import VisitReport
from icv_app.ui.shared.field_cell import FieldCell
from icv_app.ui.shared.input_widgets import (
    ChoiceCombo,
    CustodyNumberEdit,
    HeldText,
    OptionalDateEdit,
    TimeField,
)

Getter = Callable[[], Any]
Setter = Callable[[Any], None]

# Inputs a person types into or chooses with; containers and labels are not inputs.
INPUT_TYPES: tuple[type[QWidget], ...] = (
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QAbstractSpinBox,
    QComboBox,
    QAbstractButton,
    QAbstractItemView,
)


def read_widget(widget: QWidget) -> Any:
    if isinstance(widget, ChoiceCombo | TimeField | OptionalDateEdit | CustodyNumberEdit):
        return widget.value()
    if isinstance(widget, QLineEdit):
        return widget.text()
    if isinstance(widget, QPlainTextEdit):
        return widget.toPlainText()
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QAbstractSpinBox):
        return widget.value()  # type: ignore[attr-defined]
    raise TypeError(f"cannot bind {type(widget).__name__}")


def write_widget(widget: QWidget, value: Any) -> None:
    if isinstance(widget, ChoiceCombo | TimeField | OptionalDateEdit | CustodyNumberEdit):
        widget.set_value(value)
    elif isinstance(widget, QLineEdit):
        if widget.text() != (value or ""):
            widget.setText(value or "")
    elif isinstance(widget, QPlainTextEdit):
        if widget.toPlainText() != (value or ""):
            widget.setPlainText(value or "")
    elif isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QAbstractSpinBox):
        widget.setValue(value or 0)  # type: ignore[attr-defined]
    else:
        raise TypeError(f"cannot bind {type(widget).__name__}")


def change_signal(widget: QWidget) -> Any:
    if isinstance(widget, ChoiceCombo | OptionalDateEdit):
        return widget.value_changed
    if isinstance(widget, QLineEdit | QPlainTextEdit):
        return widget.textChanged
    if isinstance(widget, QCheckBox):
        return widget.toggled
    if isinstance(widget, QAbstractSpinBox):
        return widget.valueChanged  # type: ignore[attr-defined]
    raise TypeError(f"cannot bind {type(widget).__name__}")


_HINT = "icvPlaceholder"


def set_input_read_only(widget: QWidget, read_only: bool) -> None:
    """Text stays selectable (read-only) but no longer looks like a box waiting for
    typing: no frame, no input hint; choices and ticks are disabled."""
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit | QAbstractSpinBox):
        widget.setReadOnly(read_only)
        if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit):
            if widget.property(_HINT) is None:
                widget.setProperty(_HINT, widget.placeholderText())
            widget.setPlaceholderText("" if read_only else str(widget.property(_HINT)))
        if isinstance(widget, QLineEdit):
            widget.setFrame(not read_only)
        if isinstance(widget, QAbstractSpinBox):
            # No up/down arrows on a value that cannot change.
            widget.setButtonSymbols(
                QAbstractSpinBox.ButtonSymbols.NoButtons if read_only
                else QAbstractSpinBox.ButtonSymbols.UpDownArrows
            )
        if isinstance(widget, OptionalDateEdit):
            widget.setCalendarPopup(not read_only)
        # Style sheets match [readOnly="true"] only after a re-polish.
        widget.style().unpolish(widget)
        widget.style().polish(widget)
    else:
        widget.setEnabled(not read_only)


def plain_label(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(":")


@dataclass
class Binding:
    widget: QWidget
    get: Getter
    set: Setter
    path: str | None = None  # the field's path within the section (set by add_field)


@dataclass
class Held:
    """Text an input holds that cannot be stored, and why. ``shown`` once the person left
    the field (or at once, for a name where a number belongs)."""

    text: str
    message: str
    shown: bool = False


class FormSection(QWidget):
    """Base of the form's sections.

    Signals:
        changed(): the user edited the report; autosave and re-validate.
    """

    changed = Signal()
    held_changed = Signal()
    title = ""
    prefix_key = ""  # the first part of the paths of its fields ("header")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: VisitReport = VisitReport()
        self.read_only = False
        self.cells: dict[str, FieldCell] = {}
        self._bindings: list[Binding] = []
        self._inputs: list[QWidget] = []
        self._loading = False
        self.held: dict[str, Held] = {}
        self.scroll: QScrollArea | None = None
        # Read-only text looks like the window, not like a box waiting for typing.
        self.setStyleSheet(
            "QLineEdit[readOnly=\"true\"], QPlainTextEdit[readOnly=\"true\"],"
            " QAbstractSpinBox[readOnly=\"true\"] { background: palette(window);"
            " border: none; }"
        )

    # Building ----------------------------------------------------------------------
    def bind(self, widget: QWidget, get: Getter, set_: Setter) -> QWidget:
        binding = Binding(widget, get, set_)
        self._bindings.append(binding)
        self.register_input(widget)
        change_signal(widget).connect(lambda *_: self._edited(binding))
        if isinstance(widget, HeldText):
            widget.finished.connect(lambda: self._finished(binding))  # type: ignore[attr-defined]
        return widget

    def bind_attr(self, widget: QWidget, owner: Getter, attr: str) -> QWidget:
        return self.bind(
            widget,
            lambda: getattr(owner(), attr),
            lambda value: setattr(owner(), attr, value),
        )

    def register_input(self, widget: QWidget) -> None:
        """An input that turns read-only with the form (bound or not)."""
        if widget not in self._inputs:
            self._inputs.append(widget)

    def add_field(
        self,
        layout: QFormLayout,
        label: str,
        widget: QWidget,
        path: str | None = None,
        cells: dict[str, FieldCell] | None = None,
        required: bool = False,
    ) -> FieldCell:
        """A labelled row whose widget shows the problems of ``path``; a required
        field's label ends with an asterisk (and its accessible name says so)."""
        name = plain_label(label)
        if not widget.accessibleName():
            widget.setAccessibleName(name + (" (required)" if required else ""))
        cell = FieldCell(widget)
        text = label.rstrip(":")
        caption = QLabel(f"{text} *:" if required else (f"{text}:" if text else ""))
        if required:
            caption.setToolTip("Needed before the report can be submitted")
        if label:
            caption.setBuddy(widget.focusProxy() or widget)
        layout.addRow(caption, cell)
        if path is not None:
            (self.cells if cells is None else cells)[path] = cell
            self.set_binding_path(widget.focusProxy() or widget, path)
        return cell

    def set_binding_path(self, widget: QWidget, path: str) -> None:
        for binding in self._bindings:
            if binding.widget is widget:
                binding.path = path

    # Loading and editing -------------------------------------------------------------
    def load(self, report: VisitReport) -> None:
        if report.id != self.report.id:
            self.held.clear()  # another report: what was held was about the last one
        self.report = report
        self.refresh()

    def refresh(self) -> None:
        """Push the report's values into the widgets without treating it as an edit;
        text still held back is shown again as it was typed."""
        self._loading = True
        try:
            for binding in self._bindings:
                write_widget(binding.widget, binding.get())
                held = self.held.get(self.held_key(binding.path))
                if held is not None and isinstance(binding.widget, QLineEdit):
                    binding.widget.setText(held.text)
            self.after_load()
        finally:
            self._loading = False

    def after_load(self) -> None:
        """Subclasses refresh what bindings do not cover (tables, dependent widgets)."""

    def after_edit(self, widget: QWidget) -> None:
        """Subclasses react to an edit (e.g. enable dependent fields)."""

    def held_key(self, path: str | None) -> str:
        """The key text held for a field is kept under (a record editor adds the id of
        the record shown, so text held for one detainee stays with that detainee)."""
        return path or ""

    def _edited(self, binding: Binding) -> None:
        if self._loading or self.read_only:
            return
        widget = binding.widget
        if isinstance(widget, HeldText) and binding.path is not None:
            key = self.held_key(binding.path)
            message = widget.held_message()
            if message:
                before = self.held.get(key)
                shown = bool(before and before.shown) or widget.urgent()
                self.held[key] = Held(widget.text(), message, shown)  # type: ignore[attr-defined]
                self.held_changed.emit()
                return
            if self.held.pop(key, None) is not None:
                self.held_changed.emit()
        binding.set(read_widget(widget))
        self.after_edit(widget)
        self.changed.emit()

    def _finished(self, binding: Binding) -> None:
        held = self.held.get(self.held_key(binding.path))
        if held is not None and not held.shown:
            held.shown = True
            self.held_changed.emit()

    def held_problems(self, everything: bool = False) -> list[Problem]:
        """Text held back, as problems (only those shown, unless ``everything``)."""
        return [
            Problem(key, held.message)
            for key, held in self.held.items()
            if everything or held.shown
        ]

    def emit_changed(self) -> None:
        if not self._loading and not self.read_only:
            self.changed.emit()

    # Problems, notes, focus, read-only ---------------------------------------------------
    def show_problems(self, problems: list[Problem]) -> None:
        for path, cell in self.cells.items():
            cell.set_problems([p for p in problems if path in p.fields])

    def show_notes(self, notes: dict[str, str]) -> None:
        """Lines beside fields that are not problems (corrections by amendment)."""
        for path, cell in self.cells.items():
            cell.set_note(notes.get(path, ""))

    def focus_field(self, path: str) -> bool:
        cell = self.cells.get(path)
        if cell is None:
            return False
        self.reveal(cell.widget)
        cell.widget.setFocus()
        return True

    def reveal(self, widget: QWidget) -> None:
        if self.scroll is not None:
            self.scroll.ensureWidgetVisible(widget, 40, 40)

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for widget in self._inputs:
            set_input_read_only(widget, read_only)
        self.after_read_only()

    def after_read_only(self) -> None:
        """Subclasses keep dependent enabling in step with read-only."""


def scrolling(section: FormSection, content: QWidget) -> QScrollArea:
    """Put a section's content in a scroll area that the section can scroll to fields."""
    area = QScrollArea(section)
    area.setWidgetResizable(True)
    area.setWidget(content)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    # The area itself is no Tab stop: Tab goes from field to field, never to the section.
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    section.scroll = area
    return area


def new_form_layout() -> QFormLayout:
    layout = QFormLayout()
    layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    layout.setLabelAlignment(layout.labelAlignment())
    return layout
