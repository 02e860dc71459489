"""A section that holds a list of records (detainees met, issues raised): a table to pick
one, buttons to add and remove, and an editor for the one picked.

Validation paths of the list (``detainees[2].custody_number``) go to the editor when
that record is the one shown, and are counted per row in the table otherwise.
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.validation import Problem, Severity
from icv_app.ui.shared.form_section import FormSection, scrolling

_INDEXED = re.compile(r"^(\w+)\[(\d+)\](?:\.(.+))?$")


def split_path(path: str) -> tuple[str, int, str] | None:
    """``detainees[2].custody_number`` -> ("detainees", 2, "custody_number")."""
    match = _INDEXED.match(path)
    if not match:
        return None
    return match.group(1), int(match.group(2)), match.group(3) or ""


class RecordEditor(FormSection):
    """Edits one record of a list; its cells are keyed by paths inside the record."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item: Any = None

    def load_item(self, item: Any) -> None:
        self.item = item
        self.refresh()
        self.setEnabled(item is not None)

    def held_key(self, path: str | None) -> str:
        item_id = getattr(self.item, "id", "")
        return f"{item_id}|{path or ''}"

    def held_for(self, item: Any) -> list[tuple[str, Problem, bool]]:
        """(path in the record, problem, shown) for the text held for ``item``."""
        prefix = f"{getattr(item, 'id', '')}|"
        return [
            (key[len(prefix):], Problem(key[len(prefix):], held.message), held.shown)
            for key, held in self.held.items()
            if key.startswith(prefix)
        ]

    def refresh(self) -> None:
        if self.item is not None:
            super().refresh()

    def first_input(self) -> QWidget:
        raise NotImplementedError


class RowsSection(FormSection):
    """Subclasses set ``prefix``, ``noun``, ``columns`` and build ``self.editor``."""

    prefix = ""
    noun = ""

    @property
    def prefix_key(self) -> str:  # type: ignore[override]
        return self.prefix
    columns: tuple[str, ...] = ()

    def __init__(self, editor: RecordEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.editor.changed.connect(self._editor_changed)
        self.editor.held_changed.connect(self.held_changed)
        self._notes: dict[str, str] = {}
        self._problem_counts: dict[int, tuple[int, int]] = {}
        self._problems: list[Problem] = []

        noun = self.noun
        self.add_button = QPushButton(f"Add {noun}")
        self.add_button.setAccessibleName(f"Add {noun}")
        self.add_button.clicked.connect(self.add_item)
        self.remove_button = QPushButton(f"&Remove {noun}")
        self.remove_button.setAccessibleName(f"Remove selected {noun}")
        self.remove_button.clicked.connect(self.remove_current)
        self.empty_hint = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.empty_hint, 1)

        self.table = QTableWidget(0, len(self.columns) + 1)
        self.table.setHorizontalHeaderLabels([*self.columns, "Problems"])
        self.table.setAccessibleName(f"{noun.capitalize()}s recorded")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(110)
        self.table.setMaximumHeight(170)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_row(row))
        self.table.activated.connect(lambda _index: self.editor.first_input().setFocus())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        layout.addWidget(scrolling(self, self.editor), 1)
        self.editor.scroll = self.scroll
        self.register_input(self.add_button)
        self.register_input(self.remove_button)

    # The list --------------------------------------------------------------------------
    def items(self) -> list[Any]:
        items: list[Any] = getattr(self.report, self.prefix)
        return items

    def new_item(self) -> Any:
        raise NotImplementedError

    def row_values(self, index: int, item: Any) -> list[str]:
        raise NotImplementedError

    def item_has_data(self, item: Any) -> bool:
        return True

    @property
    def current_index(self) -> int:
        return self.table.currentRow()

    def load(self, report: Any) -> None:
        if report.id != self.report.id:
            self.editor.held.clear()
        super().load(report)

    def after_load(self) -> None:
        self.editor.item = None
        self._fill_table()
        self.select(0 if self.items() else -1)

    def held_problems(self, everything: bool = False) -> list[Problem]:
        """Text held in the editor for any record of the list, by the record's position."""
        out = []
        ids = {getattr(item, "id", ""): i for i, item in enumerate(self.items())}
        live = set()
        for item_id, index in ids.items():
            for path, problem, shown in self.editor.held_for(self.items()[index]):
                live.add(f"{item_id}|{path}")
                if everything or shown:
                    out.append(Problem(f"{self.prefix}[{index}].{path}", problem.message))
        for key in [k for k in self.editor.held if k not in live]:
            del self.editor.held[key]  # the record was removed
        return out

    def add_item(self) -> None:
        if self.read_only:
            return
        self.items().append(self.new_item())
        self._fill_table()
        self.select(len(self.items()) - 1)
        self.editor.first_input().setFocus()
        self.emit_changed()

    def remove_current(self) -> None:
        index = self.current_index
        items = self.items()
        if self.read_only or not 0 <= index < len(items):
            return
        if self.item_has_data(items[index]):
            answer = QMessageBox.question(
                self,
                f"Remove {self.noun}",
                f"Remove {self.noun} {index + 1} and everything recorded about them?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        del items[index]
        self._fill_table()
        self.select(min(index, len(items) - 1))
        self.table.setFocus()
        self.emit_changed()

    def select(self, index: int) -> None:
        if 0 <= index < self.table.rowCount():
            self.table.setCurrentCell(index, 0)
        self._show_row(index)

    def _show_row(self, row: int) -> None:
        items = self.items()
        item = items[row] if 0 <= row < len(items) else None
        if item is not None and self.editor.item is item:
            return
        self.editor.load_item(item)
        self.editor.set_read_only(self.read_only)
        self._apply_editor_problems()

    def _fill_table(self) -> None:
        items = self.items()
        self.table.setRowCount(len(items))
        for r, item in enumerate(items):
            for c, text in enumerate(self.row_values(r, item)):
                cell = QTableWidgetItem(text)
                cell.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
                self.table.setItem(r, c, cell)
            self._set_problem_cell(r)
        self.add_button.setText(f"Add {self.noun} ({self.add_shortcut})")
        self.empty_hint.setText(
            f"No {self.noun}s yet. Press {self.add_shortcut} to add one." if not items else ""
        )
        self.remove_button.setEnabled(bool(items) and not self.read_only)

    add_shortcut = ""

    def refresh_row(self, row: int) -> None:
        items = self.items()
        if 0 <= row < len(items):
            for c, text in enumerate(self.row_values(row, items[row])):
                cell = self.table.item(row, c)
                if cell is not None and cell.text() != text:
                    cell.setText(text)

    def _editor_changed(self) -> None:
        self.refresh_row(self.current_index)
        self.emit_changed()

    # Problems --------------------------------------------------------------------------
    def show_problems(self, problems: list[Problem]) -> None:
        self._problems = [
            p for p in problems if any(f.startswith(f"{self.prefix}[") for f in p.fields)
        ]
        counts: dict[int, tuple[int, int]] = {}
        for p in self._problems:
            parts = split_path(p.field)
            if parts is None:
                continue
            errors, warnings = counts.get(parts[1], (0, 0))
            if p.severity is Severity.ERROR:
                errors += 1
            else:
                warnings += 1
            counts[parts[1]] = (errors, warnings)
        self._problem_counts = counts
        for r in range(self.table.rowCount()):
            self._set_problem_cell(r)
        self._apply_editor_problems()

    def _set_problem_cell(self, row: int) -> None:
        errors, warnings = self._problem_counts.get(row, (0, 0))
        parts = []
        if errors:
            parts.append(f"{errors} to fix")
        if warnings:
            parts.append(f"{warnings} to check")
        text = ", ".join(parts) or "None"
        column = len(self.columns)
        cell = self.table.item(row, column)
        if cell is None:
            cell = QTableWidgetItem()
            cell.setFlags(Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, column, cell)
        if cell.text() != text:
            cell.setText(text)

    def _apply_editor_problems(self) -> None:
        """The current record's problems (and notes) for its editor, by paths inside it;
        a problem about several fields of the record marks each."""
        index = self.current_index
        mine = []
        for p in self._problems:
            inside = []
            for name in p.fields:
                parts = split_path(name)
                if parts is not None and parts[0] == self.prefix and parts[1] == index \
                        and parts[2]:
                    inside.append(parts[2])
            if inside:
                mine.append(Problem(inside[0], p.message, p.severity, tuple(inside[1:])))
        self.editor.show_problems(mine)
        notes = {}
        for path, text in self._notes.items():
            parts = split_path(path)
            if parts is not None and parts[1] == index and parts[2]:
                notes[parts[2]] = text
        self.editor.show_notes(notes)

    def show_notes(self, notes: dict[str, str]) -> None:
        self._notes = {k: v for k, v in notes.items() if k.startswith(f"{self.prefix}[")}
        self._apply_editor_problems()

    def focus_field(self, path: str) -> bool:
        parts = split_path(path)
        if parts is None or parts[0] != self.prefix:
            return False
        self.select(parts[1])
        if parts[2] and self.editor.focus_field(parts[2]):
            return True
        self.table.setFocus()
        return True

    def after_read_only(self) -> None:
        self.add_button.setEnabled(not self.read_only)
        self.remove_button.setEnabled(bool(self.items()) and not self.read_only)
        self.editor.set_read_only(self.read_only)
