"""The tabs of the Suites, panels and visitors page: each a table of one list beside an
editor of the entry selected (or of a new one), with Save and Discard.

A tab keeps what is typed until it is saved or discarded: moving to another entry with
changes not saved asks first (Save, Discard or Cancel, Cancel the default), and leaving
the tab or the page keeps them. What a save must pass, and how it is written, is the
page's (:mod:`icv_app.ui.coordinator.reference_page`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QCompleter,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.reference import PanelRecord, SuiteRecord, VisitorRecord
from icv_app.domain.custody.validation import plural
from icv_app.services.custody.reference_editing import ReferenceLists, new_code
from icv_app.ui.shared.field_cell import ERROR_COLOUR
from icv_app.ui.shared.input_widgets import ChoiceCombo

if TYPE_CHECKING:
    from icv_app.kinds.base import Problem
    from icv_app.services.custody.reference_editing import Record

_Index = QModelIndex | QPersistentModelIndex
HOURS = (("24-hour", "24-hour"), ("Reserve", "reserve"))
NO_PANEL = ("No panel", "")


class RecordsModel(QAbstractTableModel):
    def __init__(self, columns: tuple[str, ...], cell: Callable[[Any, int], str],
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.cell = cell
        self.rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if index.isValid() and role == Qt.ItemDataRole.DisplayRole:
            return self.cell(self.rows[index.row()], index.column())
        return None

    def row_of(self, record_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == record_id), -1)


def _label(caption: str, buddy: QWidget) -> QLabel:
    label = QLabel(caption)
    if "&" in caption:
        label.setBuddy(buddy)
    return label


class ListTab(QWidget):
    """One list and its editor. Subclasses say what the list is (``kind``, ``noun``,
    columns) and build, fill and read the editor's fields.

    Signals:
        save_requested(): the person asked to save what the editor holds (Ctrl+S, the
            Save button, or Save when asked before moving on).
    """

    save_requested = Signal()
    kind = ""
    noun = ""
    columns: tuple[str, ...] = ()

    def __init__(self, ask: Callable[[QMessageBox], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ask = ask
        self.lists = ReferenceLists([], [], [])
        self.record: Any = None  # the entry in the editor, as stored (or a blank new one)
        self.is_new = False
        self._moving = False  # the selection is being put back: not a choice
        self.then: Callable[[], None] | None = None  # what to do once saved

        self.model = RecordsModel(self.columns, self.cell, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(self.noun.capitalize() + "s")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, previous: self._row_changed(current.row(), previous.row()))
        self.new_button = QPushButton(f"Ne&w {self.noun}")
        self.new_button.setAccessibleName(f"New {self.noun}")
        self.new_button.clicked.connect(self.new_record)

        self.heading = QLabel()
        self.heading.setAccessibleName(f"The {self.noun} being edited")
        self.code = QLineEdit()
        self.code.setReadOnly(True)
        self.code.setAccessibleName("Code")
        self.code.setToolTip("What reports hold to name it; it never changes once saved.")
        self.name = QLineEdit()
        self.name.setAccessibleName("Name")
        self.name.textChanged.connect(lambda _t: self._edited())
        # Enter goes to the editor of the entry selected.
        self.table.activated.connect(lambda _index: self.name.setFocus())
        self.form = QFormLayout()
        self.form.addRow(_label("Code:", self.code), self.code)
        self.form.addRow(_label("Na&me:", self.name), self.name)
        self.build_fields(self.form)
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setAccessibleName(f"Problems with the {self.noun}")
        self.problem_label.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.problem_label.hide()
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setAccessibleName("Save state")
        self.save_button = QPushButton("Save chan&ges")
        self.save_button.setAccessibleName(f"Save the {self.noun}")
        self.save_button.setToolTip("Ctrl+S")
        self.save_button.clicked.connect(self.save_requested)
        self.discard_button = QPushButton("&Discard changes")
        self.discard_button.setAccessibleName("Discard changes")
        self.discard_button.clicked.connect(self.discard)

        left = QVBoxLayout()
        left.addWidget(self.table, 1)
        left_buttons = QHBoxLayout()
        left_buttons.addWidget(self.new_button)
        left_buttons.addStretch(1)
        left.addLayout(left_buttons)
        buttons = QHBoxLayout()
        buttons.addWidget(self.state, 1)
        buttons.addWidget(self.discard_button)
        buttons.addWidget(self.save_button)
        right = QVBoxLayout()
        right.addWidget(self.heading)
        right.addLayout(self.form)
        right.addWidget(self.problem_label)
        right.addStretch(1)
        right.addLayout(buttons)
        editor = QWidget()
        editor.setLayout(right)
        editor.setMinimumWidth(420)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(editor, 2)
        self.setFocusProxy(self.table)
        QWidget.setTabOrder(self.table, self.new_button)
        QWidget.setTabOrder(self.new_button, self.code)
        self._update_state()

    # What a subclass says ------------------------------------------------------------
    def cell(self, record: Any, column: int) -> str:
        raise NotImplementedError

    def build_fields(self, form: QFormLayout) -> None:
        """Add the fields after Code and Name."""

    def fill(self, record: Any) -> None:
        """Show ``record``'s fields after Code and Name."""

    def read(self, record: Any) -> Any:
        """``record`` with the fields after Code and Name as typed."""
        return record

    def blank(self) -> Any:
        raise NotImplementedError

    def field_widget(self, field: str) -> QWidget:
        """The input a problem with ``field`` is fixed in."""
        return self.name

    # Lists -----------------------------------------------------------------------------
    def set_lists(self, lists: ReferenceLists) -> None:
        """The lists as they are now: the table follows; the editor keeps what is typed,
        and shows the entry's stored state anew when nothing is."""
        self.lists = lists
        records = lists.of(self.kind)
        selected = self.record.id if self.record is not None and not self.is_new else None
        self._moving = True
        try:
            self.model.set_rows(records)
            self.table.resizeColumnsToContents()  # a few hundred rows at most
            for column in range(self.model.columnCount() - 1):  # the last one stretches
                self.table.setColumnWidth(column, max(self.table.columnWidth(column) + 16, 90))
            self.choices_changed()
            row = self.model.row_of(selected) if selected else -1
            if row < 0 and not self.is_new and records:
                row = 0
            if row >= 0:
                self._select(row)
        finally:
            self._moving = False
        if self.is_new:
            self._update_state()
            return
        stored = records[row] if row >= 0 else None
        if self.dirty:
            self.record = stored if stored is not None else self.record
            self._update_state()
        else:
            self.show_record(stored)

    def choices_changed(self) -> None:
        """The panels changed: offer them (a subclass with a panel choice)."""

    def offer_panels(self, combo: ChoiceCombo, keep: str) -> None:
        """Offer the panels, and ``keep`` chosen (listed even if no panel has its name,
        so that nothing changes unless the person changes it)."""
        names = self.lists.panel_names()
        extra = [(f"{keep} (not in the list of panels)", keep)] if keep and keep not in names \
            else []
        was = combo.blockSignals(True)
        combo.set_choices([NO_PANEL, *((n, n) for n in names), *extra])
        combo.set_value(keep)
        combo.blockSignals(was)

    def _select(self, row: int) -> None:
        index = self.model.index(row, 0)
        selection = self.table.selectionModel()
        selection.setCurrentIndex(
            index, selection.SelectionFlag.ClearAndSelect | selection.SelectionFlag.Rows)
        self.table.scrollTo(index)

    def select(self, record_id: str) -> bool:
        row = self.model.row_of(record_id)
        if row < 0:
            return False
        self._select(row)
        return True

    # The editor ------------------------------------------------------------------------
    def show_record(self, record: Any, new: bool = False) -> None:
        self.record, self.is_new = record, new
        self._moving = True
        try:
            self.code.setText(record.code if record is not None else "")
            self.name.setText(record.name if record is not None else "")
            if record is not None:
                self.fill(record)
        finally:
            self._moving = False
        for widget in self.inputs():
            widget.setEnabled(record is not None)
        self.problem_label.hide()
        self._update_state()

    def inputs(self) -> list[QWidget]:
        return [self.name]

    def values(self) -> Any:
        """The entry as typed (a new one without its code yet)."""
        if self.record is None:
            return None
        return self.read(dataclasses.replace(self.record, name=self.name.text().strip()))

    def to_save(self) -> Record:
        """The entry to save: as typed, with its code (a new one gets one here)."""
        record = self.values()
        if self.is_new:
            record = dataclasses.replace(
                record, code=new_code(self.kind, record.name, record.id, self.lists))
        return record  # type: ignore[no-any-return]

    @property
    def dirty(self) -> bool:
        return self.record is not None and self.values() != self.record

    def _edited(self) -> None:
        if not self._moving:
            self.problem_label.hide()
            self._update_state()

    def _update_state(self) -> None:
        if self.is_new and self.record is not None:
            name = self.name.text().strip()
            code = new_code(self.kind, name, self.record.id, self.lists) if name else ""
            self.code.setText(code)
            self.code.setPlaceholderText("Made from the name when saved")
            self.heading.setText(f"<b>New {self.noun}</b> (not saved yet)")
        elif self.record is not None:
            self.heading.setText(f"<b>{self.record.name or 'No name'}</b>")
        else:
            self.heading.setText(f"No {self.noun} selected. Alt+W adds one.")
        dirty = self.dirty
        self.state.setText("Changes not saved yet (Ctrl+S saves)." if dirty or self.is_new
                           else "")
        self.discard_button.setEnabled(dirty or self.is_new)
        self.save_button.setEnabled(self.record is not None)

    def show_problems(self, problems: list[Problem]) -> None:
        self.problem_label.setText("\n".join(p.message for p in problems))
        self.problem_label.setVisible(bool(problems))
        if problems:
            self.field_widget(problems[0].field).setFocus()

    def discard(self) -> None:
        """Back to the entry as stored (a new one not saved is dropped)."""
        if self.is_new:
            self.is_new = False
            row = self.table.currentIndex().row()
            self.show_record(self.model.rows[row] if row >= 0 else None)
            self.table.setFocus()
        else:
            self.show_record(self.record)
            self.name.setFocus()

    # Moving on -------------------------------------------------------------------------
    def new_record(self) -> None:
        if self.dirty or (self.is_new and self.name.text().strip()):
            self._ask_first(self.new_record)
            return
        self.show_record(self.blank(), new=True)
        self._moving = True
        self.table.clearSelection()
        self._moving = False
        self.name.setFocus()

    def _row_changed(self, row: int, previous: int) -> None:
        if self._moving or row < 0:
            return
        if self.dirty or (self.is_new and self.name.text().strip()):
            target = self.model.rows[row].id
            self._moving = True
            if previous >= 0 and not self.is_new:
                self._select(previous)
            else:
                self.table.clearSelection()
            self._moving = False
            self._ask_first(lambda: self._go_to(target))
            return
        self.show_record(self.model.rows[row])

    def _go_to(self, record_id: str) -> None:
        self.is_new = False
        row = self.model.row_of(record_id)
        self._moving = True
        if row >= 0:
            self._select(row)
        self._moving = False
        self.show_record(self.model.rows[row] if row >= 0 else None)

    def _ask_first(self, then: Callable[[], None]) -> None:
        name = self.name.text().strip() or f"the new {self.noun}"
        box = QMessageBox(QMessageBox.Icon.Question, "Changes not saved",
                          f"Your changes to {name} are not saved yet.",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText("Save them first?")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Save:
                self.then = then
                self.save_requested.emit()
            elif button == QMessageBox.StandardButton.Discard:
                self.is_new = False
                self.show_record(self.record if self.record is not None else None)
                then()

        box.finished.connect(answered)
        self._ask(box)


class SuitesTab(ListTab):
    kind = "suite"
    noun = "suite"
    columns = ("Name", "Code", "Area", "Panel", "Hours", "Status")

    def cell(self, record: Any, column: int) -> str:
        suite: SuiteRecord = record
        return [suite.name, suite.code, suite.area, suite.panel or "No panel",
                "24-hour" if suite.hours == "24-hour" else "Reserve",
                "Open" if suite.open else "Closed"][column]

    def build_fields(self, form: QFormLayout) -> None:
        self.area = QLineEdit()
        self.area.setAccessibleName("Area")
        self.area.textChanged.connect(lambda _t: self._edited())
        self.panel = ChoiceCombo([NO_PANEL])
        self.panel.setAccessibleName("Panel")
        self.panel.value_changed.connect(lambda _v: self._edited())
        self.hours = ChoiceCombo(HOURS)
        self.hours.setAccessibleName("Hours")
        self.hours.value_changed.connect(lambda _v: self._edited())
        self.open = QCheckBox("&Open: offered for new visits")
        self.open.setAccessibleName("Open: offered for new visits")
        self.open.toggled.connect(lambda _on: self._edited())
        form.addRow(_label("&Area:", self.area), self.area)
        form.addRow(_label("Pane&l:", self.panel), self.panel)
        form.addRow(_label("&Hours:", self.hours), self.hours)
        form.addRow("", self.open)

    def inputs(self) -> list[QWidget]:
        return [self.name, self.area, self.panel, self.hours, self.open]

    def choices_changed(self) -> None:
        areas = sorted({s.area for s in self.lists.suites if s.area}, key=str.casefold)
        completer = QCompleter(areas, self.area)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.area.setCompleter(completer)
        self.offer_panels(self.panel, self.panel.value() or "")

    def fill(self, record: Any) -> None:
        suite: SuiteRecord = record
        self.area.setText(suite.area)
        self.offer_panels(self.panel, suite.panel)
        self.hours.set_value(suite.hours)
        self.open.setChecked(suite.open)

    def read(self, record: Any) -> Any:
        return dataclasses.replace(record, area=self.area.text().strip(),
                                   panel=self.panel.value() or "", hours=self.hours.value(),
                                   open=self.open.isChecked())

    def blank(self) -> Any:
        return SuiteRecord()

    def field_widget(self, field: str) -> QWidget:
        return {"hours": self.hours, "area": self.area, "panel": self.panel}.get(
            field, self.name)


class PanelsTab(ListTab):
    kind = "panel"
    noun = "panel"
    columns = ("Name", "Code", "Suites", "Visitors")

    def cell(self, record: Any, column: int) -> str:
        panel: PanelRecord = record
        suites, visitors = self.lists.using_panel(panel.name)
        return [panel.name, panel.code, str(len(suites)), str(len(visitors))][column]

    def build_fields(self, form: QFormLayout) -> None:
        self.used = QLabel()
        self.used.setWordWrap(True)
        self.used.setAccessibleName("Where the panel is used")
        form.addRow("", self.used)

    def fill(self, record: Any) -> None:
        suites, visitors = self.lists.using_panel(record.name) if record.name else ([], [])
        if suites or visitors:
            self.used.setText(f"{plural(len(suites), 'suite')} and "
                              f"{plural(len(visitors), 'visitor')} belong to this panel; "
                              "renaming it renames it for them too.")
        else:
            self.used.setText("No suite or visitor belongs to this panel yet.")

    def blank(self) -> Any:
        return PanelRecord()


class VisitorsTab(ListTab):
    kind = "visitor"
    noun = "visitor"
    columns = ("Name", "Code", "Panel", "Status", "Trainee", "TACT-trained")

    def cell(self, record: Any, column: int) -> str:
        visitor: VisitorRecord = record
        return [visitor.name, visitor.code, visitor.panel or "No panel",
                "Active" if visitor.active else "Not active",
                "Trainee" if visitor.trainee else "", "TACT-trained" if visitor.tact else ""
                ][column]

    def build_fields(self, form: QFormLayout) -> None:
        self.panel = ChoiceCombo([NO_PANEL])
        self.panel.setAccessibleName("Panel")
        self.panel.value_changed.connect(lambda _v: self._edited())
        self.active = QCheckBox("&Active: offered for new visits")
        self.active.setAccessibleName("Active: offered for new visits")
        self.trainee = QCheckBox("&Trainee")
        self.trainee.setAccessibleName("Trainee")
        self.tact = QCheckBox("TA&CT-trained")
        self.tact.setAccessibleName("TACT-trained")
        for box in (self.active, self.trainee, self.tact):
            box.toggled.connect(lambda _on: self._edited())
        form.addRow(_label("Pane&l:", self.panel), self.panel)
        form.addRow("", self.active)
        form.addRow("", self.trainee)
        form.addRow("", self.tact)

    def inputs(self) -> list[QWidget]:
        return [self.name, self.panel, self.active, self.trainee, self.tact]

    def choices_changed(self) -> None:
        self.offer_panels(self.panel, self.panel.value() or "")

    def fill(self, record: Any) -> None:
        visitor: VisitorRecord = record
        self.offer_panels(self.panel, visitor.panel)
        self.active.setChecked(visitor.active)
        self.trainee.setChecked(visitor.trainee)
        self.tact.setChecked(visitor.tact)

    def read(self, record: Any) -> Any:
        return dataclasses.replace(record, panel=self.panel.value() or "",
                                   active=self.active.isChecked(),
                                   trainee=self.trainee.isChecked(),
                                   tact=self.tact.isChecked())

    def blank(self) -> Any:
        return VisitorRecord()

    def field_widget(self, field: str) -> QWidget:
        return self.panel if field == "panel" else self.name
