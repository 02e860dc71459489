"""One record changed both on this laptop and on the server: both copies side by side,
field by field, the differences highlighted, for a person to choose "Keep mine" or "Take
the server's". Nothing is dropped until they choose."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from icv_app import kinds
from icv_app.ui.custody.visits_list import display_date
from icv_app.ui.shared.tasks import when_done

if TYPE_CHECKING:
    from icv_app.domain.custody.reference import ReferenceData
    from icv_app.services.sync import ConflictView, SyncService

MINE_COLOUR = QColor("#fff4d6")  # a changed value: amber on this laptop's side
THEIRS_COLOUR = QColor("#e3f0ff")  # blue on the server's side
ERROR_STYLE = "color: #b3261e;"
def record_name(record_type: str) -> str:
    """"visit report", "amendment": the kind's own label."""
    kind = kinds.get(record_type)
    return kind.label if kind is not None else record_type


def field_label(path: str, record_type: str = "visit") -> str:
    """A field's name from its kind's catalogue: ``detainees[2].raised`` → "Detainee 3 ›
    What they raised"."""
    kind = kinds.get(record_type)
    return kind.describe(path) if kind is not None else path


def display_value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _row_order(path: str) -> tuple[int, str]:
    # The visit's header first (where most edits are), then detainees, issues and the rest.
    return (0 if path.startswith("header.") else 1, path)


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Every leaf of a JSON-like value by its path, as ``differences`` names them."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key in sorted(value, key=str):
            out.update(flatten(value[key], f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, item in enumerate(value):
            out.update(flatten(item, f"{path}[{i}]"))
        return out
    return {path: value}


def record_title(view: Any, reference: ReferenceData) -> str:
    suite = reference.suite_name(view.suite_id) if view.suite_id else ""
    return f"{suite or 'No custody suite'}, {display_date(view.visit_date)}"


class ConflictsDialog(QDialog):
    """Resolve one :class:`~icv_app.services.sync.ConflictView`.

    Signals:
        resolved(str): the conflict was resolved; "mine" or "server".
    """

    resolved = Signal(str)

    def __init__(
        self,
        service: SyncService,
        conflict: ConflictView,
        reference: ReferenceData,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.conflict = conflict
        self.reference = reference
        kind = record_name(conflict.type)
        self.setWindowTitle(f"Resolve a conflict — {record_title(conflict, reference)}")
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>{kind.capitalize()}: {record_title(conflict, reference)}</b>")
        title.setAccessibleName("Record in conflict")
        layout.addWidget(title)
        intro = QLabel(
            f"This {kind} was changed on this laptop and, since it was last sent, on the "
            "server too (another laptop, or a coordinator). Both copies are kept until you "
            "choose which one stays. Changed fields are highlighted."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if conflict.theirs_deleted:
            layout.addWidget(self._note("On the server this record has been deleted."))
        if conflict.mine_deleted:
            layout.addWidget(self._note("On this laptop this record has been deleted."))

        self.table = QTableWidget(0, 3)
        self.table.setAccessibleName("Both copies side by side")
        self.table.setHorizontalHeaderLabels(["Field", "On this laptop (mine)", "On the server"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.show_all = QCheckBox("Show the fields that are the same as well")
        self.show_all.setAccessibleName("Show unchanged fields")
        self.show_all.toggled.connect(self._fill)
        layout.addWidget(self.show_all)

        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setAccessibleName("Problem resolving")
        self.error.hide()
        layout.addWidget(self.error)
        if not conflict.can_keep_mine:
            layout.addWidget(self._note(
                "The server's copy is final (the report was submitted there), so it is the "
                "one that stays; add an amendment afterwards if something must be corrected."
            ))

        self.buttons = QDialogButtonBox()
        self.keep_mine_button = self.buttons.addButton(
            "&Keep mine", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.keep_mine_button.setAccessibleName("Keep mine")
        self.keep_mine_button.setToolTip("Send this laptop's copy as the newest version")
        self.keep_mine_button.setEnabled(conflict.can_keep_mine)
        self.take_server_button = self.buttons.addButton(
            "&Take the server's", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.take_server_button.setAccessibleName("Take the server's")
        self.take_server_button.setToolTip("Replace this laptop's copy with the server's")
        self.later_button = self.buttons.addButton(
            "Decide &later", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.later_button.setAccessibleName("Decide later")
        self.keep_mine_button.clicked.connect(lambda: self.resolve("mine"))
        self.take_server_button.clicked.connect(lambda: self.resolve("server"))
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        # Enter must not pick a side by accident: it only closes the dialog.
        for button in (self.keep_mine_button, self.take_server_button):
            button.setAutoDefault(False)
        self.later_button.setDefault(True)
        self.resize(820, 480)
        self._fill()

    @staticmethod
    def _note(text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setStyleSheet("color: #8a4b00;")
        return label

    def _fill(self) -> None:
        c = self.conflict
        changed = {d.path: d for d in c.differences}
        if self.show_all.isChecked():
            mine, theirs = flatten(c.mine or {}), flatten(c.theirs or {})
            paths = sorted(set(mine) | set(theirs), key=_row_order)
            rows = [(p, mine.get(p), theirs.get(p)) for p in paths]
        else:
            rows = [(d.path, d.mine, d.theirs)
                    for d in sorted(c.differences, key=lambda d: _row_order(d.path))]
        self.table.setRowCount(len(rows))
        for row, (path, mine_value, theirs_value) in enumerate(rows):
            different = path in changed
            items = [
                QTableWidgetItem(field_label(path, c.type)),
                QTableWidgetItem("(deleted)" if c.mine_deleted else self._value(path, mine_value)),
                QTableWidgetItem(
                    "(deleted)" if c.theirs_deleted else self._value(path, theirs_value)
                ),
            ]
            items[0].setToolTip(path)
            if different:
                font = items[0].font()
                font.setBold(True)
                items[0].setFont(font)
                items[1].setBackground(QBrush(MINE_COLOUR))
                items[2].setBackground(QBrush(THEIRS_COLOUR))
            for col, item in enumerate(items):
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(row, col, item)
        self.table.resizeRowsToContents()
        self.table.clearSelection()

    def _value(self, path: str, value: Any) -> str:
        if path.endswith("suite_id") and isinstance(value, str) and value:
            return self.reference.suite_name(value) or value
        return display_value(value)

    def resolve(self, keep: str) -> None:
        for button in (self.keep_mine_button, self.take_server_button):
            button.setEnabled(False)
        self.error.hide()
        c = self.conflict

        def done(_result: object) -> None:
            self.resolved.emit(keep)
            self.accept()

        def failed(exc: BaseException) -> None:
            self.error.setText(f"That did not work: {exc}")
            self.error.show()
            self.keep_mine_button.setEnabled(c.can_keep_mine)
            self.take_server_button.setEnabled(True)

        when_done(self.service.resolve_conflict(c.type, c.id, keep), self, done, failed)
