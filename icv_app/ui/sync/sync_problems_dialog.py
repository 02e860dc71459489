"""What sync could not do on its own: records the server refused (with the server's reason,
to fix and "Try again") and conflicts waiting for a person (opened side by side). Other
records keep syncing meanwhile; nothing here is lost."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
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

from icv_app.ui.shared.tasks import when_done
from icv_app.ui.sync.conflicts_dialog import ConflictsDialog, field_label, record_name, record_title

if TYPE_CHECKING:
    from icv_app.domain.custody.reference import ReferenceData
    from icv_app.services.sync import ConflictView, RejectedView, SyncService


def _table(headers: list[str], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(True)
    header = table.horizontalHeader()
    for col in range(len(headers) - 1):
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    return table


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
    item.setToolTip(text)
    return item


class SyncProblemsDialog(QDialog):
    """Lists :meth:`SyncService.rejected` and :meth:`SyncService.conflicts`; not modal.

    Signals:
        open_visit_requested(str): the person wants to fix this visit in the form.
    """

    open_visit_requested = Signal(str)

    def __init__(
        self, service: SyncService, reference: ReferenceData, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.reference = reference
        self.refused: list[RejectedView] = []
        self.conflict_list: list[ConflictView] = []
        self.conflict_dialog: ConflictsDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.setWindowTitle("Sync problems")
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Summary of sync problems")
        layout.addWidget(self.summary)

        refused = QGroupBox("Refused by the server")
        refused_layout = QVBoxLayout(refused)
        hint = QLabel(
            "These stay on this laptop. Open the report, correct what the server says, "
            "then press “Try again”. A submitted report the server refused never reached "
            "it: “Reopen to correct” makes it a draft again (the refusal is kept with the "
            "report), to fix and submit again."
        )
        hint.setWordWrap(True)
        refused_layout.addWidget(hint)
        self.rejected_table = _table(["Visit", "Record", "The server's reason"],
                                     "Records refused by the server")
        self.rejected_table.itemSelectionChanged.connect(self._update_buttons)
        self.rejected_table.itemDoubleClicked.connect(lambda _item: self.open_selected())
        refused_layout.addWidget(self.rejected_table)
        row = QHBoxLayout()
        row.addStretch(1)
        self.open_button = QPushButton("&Open report")
        self.open_button.setAccessibleName("Open the refused report")
        self.open_button.clicked.connect(self.open_selected)
        self.retry_button = QPushButton("&Try again")
        self.retry_button.setAccessibleName("Try sending again")
        self.retry_button.clicked.connect(self.retry_selected)
        self.reopen_button = QPushButton("&Reopen to correct")
        self.reopen_button.setAccessibleName("Reopen the refused report as a draft to correct")
        self.reopen_button.clicked.connect(self.reopen_selected)
        self.discard_button = QPushButton("&Discard this change…")
        self.discard_button.setAccessibleName("Discard this laptop's refused change")
        self.discard_button.clicked.connect(self.discard_selected)
        # The one that removes something stands apart, on the left.
        row.insertWidget(0, self.discard_button)
        row.addWidget(self.open_button)
        row.addWidget(self.reopen_button)
        row.addWidget(self.retry_button)
        refused_layout.addLayout(row)
        layout.addWidget(refused)
        # Tab goes to the likely way out first; the one that removes something comes last.
        QWidget.setTabOrder(self.rejected_table, self.reopen_button)
        QWidget.setTabOrder(self.reopen_button, self.retry_button)
        QWidget.setTabOrder(self.retry_button, self.open_button)
        QWidget.setTabOrder(self.open_button, self.discard_button)

        conflicts = QGroupBox("Changed here and on the server")
        conflicts_layout = QVBoxLayout(conflicts)
        self.conflicts_table = _table(["Visit", "Record", "What differs"],
                                      "Conflicts to resolve")
        self.conflicts_table.itemSelectionChanged.connect(self._update_buttons)
        self.conflicts_table.itemDoubleClicked.connect(lambda _item: self.compare_selected())
        conflicts_layout.addWidget(self.conflicts_table)
        row = QHBoxLayout()
        row.addStretch(1)
        self.compare_button = QPushButton("&Compare and choose…")
        self.compare_button.setAccessibleName("Compare both copies")
        self.compare_button.clicked.connect(self.compare_selected)
        row.addWidget(self.compare_button)
        conflicts_layout.addLayout(row)
        layout.addWidget(conflicts)

        self.held_note = QLabel()
        self.held_note.setWordWrap(True)
        self.held_note.setAccessibleName("Records kept aside")
        layout.addWidget(self.held_note)

        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b3261e;")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(860, 560)
        self.reload()
        # Start on the list, not on a button: Enter must not act on anything unseen.
        self.rejected_table.setFocus()

    def reload(self) -> None:
        """Read the problems again (they are few; read on the UI thread by design)."""
        self.refused = self.service.rejected()
        self.conflict_list = self.service.conflicts()
        t = self.rejected_table
        t.setRowCount(len(self.refused))
        for row, r in enumerate(self.refused):
            t.setItem(row, 0, _item(record_title(r, self.reference)))
            t.setItem(row, 1, _item(record_name(r.type).capitalize()))
            t.setItem(row, 2, _item(r.reason))
        t.resizeRowsToContents()
        t = self.conflicts_table
        t.setRowCount(len(self.conflict_list))
        for row, c in enumerate(self.conflict_list):
            t.setItem(row, 0, _item(record_title(c, self.reference)))
            t.setItem(row, 1, _item(record_name(c.type).capitalize()))
            t.setItem(row, 2, _item(self._what_differs(c)))
        t.resizeRowsToContents()
        for table in (self.rejected_table, self.conflicts_table):
            if table.rowCount() and not table.selectedItems():
                table.selectRow(0)
        held = self.service.held_aside()
        self.held_note.setVisible(bool(held))
        one = len(held) == 1
        self.held_note.setText(
            f"<b>{len(held)} record{'' if one else 's'} from the server "
            f"{'is' if one else 'are'} kept aside</b>: this version of icv-app cannot read "
            f"{'it' if one else 'them'} ({'it was' if one else 'they were'} made with a newer "
            f"version). {'It is' if one else 'They are'} kept safely and will be shown once "
            "the app is updated."
        )
        n_rej, n_con = len(self.refused), len(self.conflict_list)
        if not n_rej and not n_con and not held:
            self.summary.setText("No sync problems: everything on this laptop can be sent.")
        else:
            parts = []
            if n_rej:
                parts.append(f"{n_rej} record{'s' if n_rej != 1 else ''} refused by the server")
            if n_con:
                parts.append(f"{n_con} conflict{'s' if n_con != 1 else ''} to resolve")
            if held:
                parts.append(f"{len(held)} kept aside")
            self.summary.setText(
                "<b>" + " and ".join(parts) + ".</b> Everything else keeps syncing."
            )
        self._update_buttons()

    @staticmethod
    def _what_differs(c: ConflictView) -> str:
        if c.theirs_deleted:
            return "Deleted on the server"
        if c.mine_deleted:
            return "Deleted on this laptop"
        names = [field_label(d.path, c.type) for d in c.differences]
        if not names:
            return "Same content"
        shown = ", ".join(names[:3])
        return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")

    def _selected(self, table: QTableWidget) -> int | None:
        rows = table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _update_buttons(self) -> None:
        row = self._selected(self.rejected_table)
        has_rejected = row is not None
        reopen = row is not None and self.refused[row].can_reopen
        self.open_button.setEnabled(has_rejected)
        self.retry_button.setEnabled(has_rejected)
        self.discard_button.setEnabled(has_rejected)
        self.reopen_button.setEnabled(reopen)
        self.reopen_button.setVisible(any(r.can_reopen for r in self.refused))
        self.compare_button.setEnabled(self._selected(self.conflicts_table) is not None)

    def open_selected(self) -> None:
        row = self._selected(self.rejected_table)
        if row is not None:
            self.open_visit_requested.emit(self.refused[row].visit_id)

    def retry_selected(self) -> None:
        row = self._selected(self.rejected_table)
        if row is None:
            return
        r = self.refused[row]
        self.retry_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.error.setText(f"Could not send it again: {exc}")
            self.error.show()
            self.reload()

        when_done(self.service.retry_rejected(r.type, r.id), self,
                  lambda _r: self.reload(), failed)

    def reopen_selected(self) -> None:
        """Make the refused submitted report a draft again and open it to correct."""
        row = self._selected(self.rejected_table)
        if row is None or not self.refused[row].can_reopen:
            return
        r = self.refused[row]

        def reopened(_report: object) -> None:
            self.reload()
            self.open_visit_requested.emit(r.id)

        def failed(exc: BaseException) -> None:
            self.error.setText(f"Could not reopen it: {exc}")
            self.error.show()
            self.reload()

        when_done(self.service.reopen_refused(r.id), self, reopened, failed)

    def discard_selected(self) -> None:
        row = self._selected(self.rejected_table)
        if row is None:
            return
        r = self.refused[row]
        what = record_name(r.type)
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Discard this change?",
            f"Discard this laptop's refused {what}?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel, self,
        )
        box.setInformativeText(
            "What the server refused is removed from this laptop. If the server holds an "
            "earlier version, that comes back with the next sync. This cannot be undone; "
            "export a PDF first if you need a copy."
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm_box = box

        def answered(button: int) -> None:
            self.confirm_box = None
            if button != QMessageBox.StandardButton.Discard:
                return
            when_done(self.service.discard_rejected(r.type, r.id), self,
                      lambda _r: self.reload(), self._failed)

        box.finished.connect(answered)
        box.open()

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(str(exc))
        self.error.show()
        self.reload()

    def compare_selected(self) -> ConflictsDialog | None:
        row = self._selected(self.conflicts_table)
        if row is None:
            return None
        dialog = ConflictsDialog(self.service, self.conflict_list[row], self.reference, self)
        dialog.finished.connect(lambda _r: self._conflict_closed(dialog))
        self.conflict_dialog = dialog
        dialog.open()
        return dialog

    def _conflict_closed(self, dialog: ConflictsDialog) -> None:
        if self.conflict_dialog is dialog:
            self.conflict_dialog = None
        dialog.deleteLater()
        self.reload()
