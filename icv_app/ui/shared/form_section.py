"""What every section of the visit form shares: binding inputs to report fields,
showing validation messages by field path, and turning read-only.

A binding is a pair of callables that read and write one value of the report (an
attribute, or an entry of one of its dicts). Loading a report pushes every value into its
widget with change handling paused; a change by the user writes the value back and emits
``changed``, on which the form autosaves and re-validates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
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
from icv_app.ui.shared.input_widgets import ChoiceCombo, OptionalDateEdit, TimeField

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
    if isinstance(widget, ChoiceCombo | TimeField | OptionalDateEdit):
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
    if isinstance(widget, ChoiceCombo | TimeField | OptionalDateEdit):
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
    if isinstance(widget, ChoiceCombo | TimeField | OptionalDateEdit):
        return widget.value_changed
    if isinstance(widget, QLineEdit | QPlainTextEdit):
        return widget.textChanged
    if isinstance(widget, QCheckBox):
        return widget.toggled
    if isinstance(widget, QAbstractSpinBox):
        return widget.valueChanged  # type: ignore[attr-defined]
    raise TypeError(f"cannot bind {type(widget).__name__}")


def set_input_read_only(widget: QWidget, read_only: bool) -> None:
    """Text stays selectable (read-only); choices and ticks are disabled."""
    if isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit | QAbstractSpinBox):
        widget.setReadOnly(read_only)
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


class FormSection(QWidget):
    """Base of the form's sections.

    Signals:
        changed(): the user edited the report; autosave and re-validate.
    """

    changed = Signal()
    title = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: VisitReport = VisitReport()
        self.read_only = False
        self.cells: dict[str, FieldCell] = {}
        self._bindings: list[Binding] = []
        self._inputs: list[QWidget] = []
        self._loading = False
        self.scroll: QScrollArea | None = None
        # Read-only text looks like the window, not like a box waiting for typing.
        self.setStyleSheet(
            "QLineEdit[readOnly=\"true\"], QPlainTextEdit[readOnly=\"true\"],"
            " QAbstractSpinBox[readOnly=\"true\"] { background: palette(window); }"
        )

    # Building ----------------------------------------------------------------------
    def bind(self, widget: QWidget, get: Getter, set_: Setter) -> QWidget:
        binding = Binding(widget, get, set_)
        self._bindings.append(binding)
        self.register_input(widget)
        change_signal(widget).connect(lambda *_: self._edited(binding))
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
    ) -> FieldCell:
        """A labelled row whose widget shows the problems of ``path``."""
        name = plain_label(label)
        if not widget.accessibleName():
            widget.setAccessibleName(name)
        cell = FieldCell(widget)
        caption = QLabel(label if not label or label.endswith(":") else f"{label}:")
        if label:
            caption.setBuddy(widget)
        layout.addRow(caption, cell)
        if path is not None:
            (self.cells if cells is None else cells)[path] = cell
        return cell

    # Loading and editing -------------------------------------------------------------
    def load(self, report: VisitReport) -> None:
        self.report = report
        self.refresh()

    def refresh(self) -> None:
        """Push the report's values into the widgets without treating it as an edit."""
        self._loading = True
        try:
            for binding in self._bindings:
                write_widget(binding.widget, binding.get())
            self.after_load()
        finally:
            self._loading = False

    def after_load(self) -> None:
        """Subclasses refresh what bindings do not cover (tables, dependent widgets)."""

    def after_edit(self, widget: QWidget) -> None:
        """Subclasses react to an edit (e.g. enable dependent fields)."""

    def _edited(self, binding: Binding) -> None:
        if self._loading or self.read_only:
            return
        binding.set(read_widget(binding.widget))
        self.after_edit(binding.widget)
        self.changed.emit()

    def emit_changed(self) -> None:
        if not self._loading and not self.read_only:
            self.changed.emit()

    # Problems, focus, read-only ------------------------------------------------------
    def show_problems(self, problems: list[Problem]) -> None:
        for path, cell in self.cells.items():
            cell.set_problems([p for p in problems if p.field == path])

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
    section.scroll = area
    return area


def new_form_layout() -> QFormLayout:
    layout = QFormLayout()
    layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
    layout.setLabelAlignment(layout.labelAlignment())
    return layout
