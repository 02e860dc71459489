"""The coordinator's Follow-ups page (Coordination › Follow-ups, Ctrl+2): the issues of
reports taken further (All reports › Follow up unresolved issues) and the escalated
concerns of custody record reviews, with who each was escalated to and when, the response
and its date, and when it was closed.

An item still open more than a number of days after it was raised is overdue: marked
"⚠ Overdue" in its own column as well as tinted. The number of days is this laptop's
setting (``coordination.follow_up_overdue_days``, 28 unless changed on the page).

The editor beside the list changes the selected item; dates out of order are shown beside
their field and keep it from being saved. Save is Ctrl+S; moving to another item with
unsaved changes asks first (Save, Discard, Cancel).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.coordination import FollowUp, FollowUpStatus, follow_up_problems
from icv_app.domain.custody.validation import Problem
from icv_app.services.custody.follow_ups import FOLLOW_UP_KINDS, FollowUpService
from icv_app.store.changes import StoreChange
from icv_app.store.settings import FOLLOW_UP_OVERDUE_DAYS, MAX_OVERDUE_DAYS
from icv_app.ui.coordinator.editing import DayEdit, Unsaved, ask_unsaved, focus_field
from icv_app.ui.coordinator.page import CoordinatorContext, CoordinatorPage
from icv_app.ui.shared.field_cell import FieldCell
from icv_app.ui.shared.input_widgets import ChoiceCombo, NumberBox
from icv_app.ui.shared.tasks import when_done

COLUMNS = ("From", "Suite", "Raised on", "Summary", "Status", "Escalated to", "Days open",
           "Overdue")
OVERDUE_MARK = "⚠ Overdue"
OVERDUE_BACKGROUND = QColor("#fde7c8")
OVERDUE_TEXT = QColor("#5c3200")
ID_ROLE = Qt.ItemDataRole.UserRole + 1
NOT_CLOSED = "not_closed"
RELOAD_DELAY_MS = 200  # a pull brings many changes at once: read once they have settled

_Index = QModelIndex | QPersistentModelIndex


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def show_date(day: dt.date | None) -> str:
    return day.strftime("%d %b %Y") if day else ""


def source(item: FollowUp) -> str:
    return "Record review" if item.from_record_review else "Visit report"


class FollowUpsModel(QAbstractTableModel):
    """The rows shown, and what makes one overdue (today, and the days allowed)."""

    def __init__(self, suite_name: Callable[[str], str], parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[FollowUp] = []
        self.suite_name = suite_name
        self.today = dt.date.today()
        self.after_days = FOLLOW_UP_OVERDUE_DAYS.default

    def set_rows(self, rows: list[FollowUp]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def set_overdue(self, today: dt.date, after_days: int) -> None:
        self.today, self.after_days = today, after_days
        if self.rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self.rows) - 1, len(COLUMNS) - 1))

    def overdue(self, item: FollowUp) -> bool:
        return item.overdue(self.today, self.after_days)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def text(self, item: FollowUp, column: int) -> str:
        if column == 0:
            return source(item)
        if column == 1:
            return self.suite_name(item.suite_id) or "No suite"
        if column == 2:
            return show_date(item.raised_on) or "No date"
        if column == 3:
            return item.summary.splitlines()[0] if item.summary.strip() else "(no text)"
        if column == 4:
            return item.status.label
        if column == 5:
            return item.escalated_to
        if column == 6:
            days = item.days_open(self.today)
            return "" if days is None else str(days)
        return OVERDUE_MARK if self.overdue(item) else ""

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(item, column)
        if role == ID_ROLE:
            return item.id
        if role == Qt.ItemDataRole.ToolTipRole and column == 3:
            return item.summary
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 6:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if self.overdue(item):
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(OVERDUE_BACKGROUND)
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(OVERDUE_TEXT)
            if role == Qt.ItemDataRole.FontRole and column == 7:
                font = QFont()
                font.setBold(True)
                return font
        return None

    def row_of(self, item_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == item_id), -1)


class FollowUpEditor(QWidget):
    """The selected follow-up's fields, with the problems of each beside it.

    Signals:
        edited(): a field changed.
    """

    edited = Signal()

    def __init__(self, today: Callable[[], dt.date], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.item: FollowUp | None = None
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.PlainText)
        self.heading.setAccessibleName("Follow-up")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.escalated_to = QLineEdit()
        self.escalated_to.setPlaceholderText("e.g. Insp 5521, custody inspector")
        self.escalated_on = DayEdit(today)
        self.response = QPlainTextEdit()
        self.response.setTabChangesFocus(True)
        self.response.setPlaceholderText("What the inspector said or did")
        self.response.setFixedHeight(90)
        self.response_on = DayEdit(today)
        self.closed_on = DayEdit(today, "Not closed")
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)
        self.notes.setFixedHeight(70)
        self.cells: dict[str, FieldCell] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # Mnemonics: the menu bar holds F, E, V, N and Y; the filters U, T, L, A and W.
        for caption, name, widget in (
            ("Escalated t&o:", "escalated_to", self.escalated_to),
            ("Escalate&d on:", "escalated_on", self.escalated_on),
            ("&Response:", "response", self.response),
            ("Response rece&ived on:", "response_on", self.response_on),
            ("&Closed on:", "closed_on", self.closed_on),
            ("Note&s:", "notes", self.notes),
        ):
            cell = FieldCell(widget)
            self.cells[name] = cell
            label = QLabel(caption)
            label.setBuddy(widget)
            widget.setAccessibleName(caption.replace("&", "").rstrip(":"))
            form.addRow(label, cell)
        self.state = QLabel()
        self.state.setAccessibleName("Save state")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addWidget(self.details)
        layout.addLayout(form)
        layout.addWidget(self.state)
        self.escalated_to.textChanged.connect(lambda _t: self.edited.emit())
        for date in (self.escalated_on, self.response_on, self.closed_on):
            date.value_changed.connect(lambda _v: self.edited.emit())
        for text in (self.response, self.notes):
            text.textChanged.connect(self.edited.emit)
        self.setEnabled(False)

    def load(self, item: FollowUp | None, suite_name: str) -> None:
        self.item = item
        widgets = (self.escalated_to, self.escalated_on, self.response, self.response_on,
                   self.closed_on, self.notes)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            shown = item or FollowUp("", "")
            self.escalated_to.setText(shown.escalated_to)
            self.escalated_on.set_value(shown.escalated_on)
            self.response.setPlainText(shown.response)
            self.response_on.set_value(shown.response_on)
            self.closed_on.set_value(shown.closed_on)
            self.notes.setPlainText(shown.notes)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        if item is None:
            self.heading.setText("No follow-up selected.")
            self.details.setText("")
        else:
            self.heading.setText(item.summary.strip() or "(The issue has no text.)")
            self.details.setText(" · ".join([
                suite_name or "No suite",
                f"raised {show_date(item.raised_on) or 'on no date'}",
                f"from a {source(item).lower()}",
            ]))
        self.set_problems([])
        self.setEnabled(item is not None)

    def edited_item(self) -> FollowUp | None:
        if self.item is None:
            return None
        return dataclasses.replace(
            self.item,
            escalated_to=self.escalated_to.text().strip(),
            escalated_on=self.escalated_on.value(),
            response=self.response.toPlainText().strip(),
            response_on=self.response_on.value(),
            closed_on=self.closed_on.value(),
            notes=self.notes.toPlainText().strip(),
        )

    def is_dirty(self) -> bool:
        edited = self.edited_item()
        return edited is not None and edited != self.item

    def set_problems(self, problems: list[Problem]) -> None:
        for name, cell in self.cells.items():
            cell.set_problems([p for p in problems if p.field == name])

    def first_problem_widget(self, problems: list[Problem]) -> QWidget | None:
        for name, cell in self.cells.items():
            if any(p.field == name for p in problems):
                return cell.widget
        return None


class FollowUpsPage(CoordinatorPage):
    """Signals (besides the page's):
        populated(): the list reflects the store and the filters.
        saved(str): a follow-up was saved (its id).
    """

    title = "Follow-ups"
    populated = Signal()
    saved = Signal(str)

    def __init__(self, context: CoordinatorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.service = FollowUpService(context.visits.store, context.coordination)
        self.items: list[FollowUp] = []
        self._stale = True
        self._selecting = False  # the selection moves by code, not by the person
        self._asking = False

        self.suite = ChoiceCombo(self._suite_choices())
        self.suite.setAccessibleName("Filter by suite")
        self.status = ChoiceCombo(
            [("Not closed", NOT_CLOSED), ("All", None)]
            + [(s.label, s) for s in FollowUpStatus]
        )
        self.status.set_value(NOT_CLOSED)  # (a new combo keeps the None it starts with)
        self.status.setAccessibleName("Filter by status")
        self.overdue_only = QCheckBox("Overdue on&ly")
        self.overdue_only.setAccessibleName("Overdue only")
        self.after_days = NumberBox()
        self.after_days.setRange(1, MAX_OVERDUE_DAYS)
        self.after_days.setSuffix(" days")
        self.after_days.setAccessibleName("Overdue after this many days")
        self.after_days.setToolTip("A follow-up not closed this many days after it was raised "
                                   "is overdue (a setting of this laptop)")
        self.after_days.setValue(self.service.overdue_days())

        # Mnemonics: the menu bar holds F, E, V, N and Y; the editor O, D, R, I, C, S, P.
        filters = QHBoxLayout()
        for caption, widget in (("S&uite:", self.suite), ("Sta&tus:", self.status)):
            filters.addWidget(self._label(caption, widget))
            filters.addWidget(widget)
        filters.addSpacing(8)
        filters.addWidget(self.overdue_only)
        filters.addSpacing(8)
        filters.addWidget(self._label("Overdue &after:", self.after_days))
        filters.addWidget(self.after_days)
        filters.addStretch(1)

        self.model = FollowUpsModel(lambda sid: self.context.reference().suite_name(sid), self)
        self.model.set_overdue(context.today(), self.after_days.value())
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Follow-ups")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((100, 110, 90, 220, 125, 110, 75, 90)):
            self.table.setColumnWidth(column, width)
        header.setStretchLastSection(True)  # any width left over
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        # Enter on an item: edit it.
        self.table.activated.connect(lambda _i: self.editor.escalated_to.setFocus())
        self.setFocusProxy(self.table)
        table_label = self._label("Follo&w-ups:", self.table)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Follow-ups shown")
        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()

        self.editor = FollowUpEditor(context.today)
        self.editor.edited.connect(self._edited)
        self.save_button = QPushButton("Save (Ctrl+S)")
        self.save_button.setAccessibleName("Save follow-up")
        self.save_button.clicked.connect(lambda: self.save())
        self.open_button = QPushButton("Open re&port")
        self.open_button.clicked.connect(self.open_source)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(table_label)
        left_layout.addWidget(self.empty_label)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count_label)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addWidget(self.editor)
        right_layout.addLayout(buttons)
        right_layout.addStretch(1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([900, 450])  # the list whole at 1366 wide, the editor beside it

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

        # Tab: the filters, the list, the editor's fields, its buttons.
        order = [self.suite, self.status, self.overdue_only, self.after_days, self.table,
                 self.editor.escalated_to, self.editor.escalated_on, self.editor.response,
                 self.editor.response_on, self.editor.closed_on, self.editor.notes,
                 self.save_button, self.open_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

        self.save_action = QAction("Save follow-up", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.save_action.triggered.connect(lambda _checked=False: self.save())
        self.addAction(self.save_action)

        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)

        self.suite.value_changed.connect(lambda _v: self._apply())
        self.status.value_changed.connect(lambda _v: self._apply())
        self.overdue_only.toggled.connect(lambda _on: self._apply())
        self.after_days.valueChanged.connect(self._threshold_changed)
        self._update_buttons()

    @staticmethod
    def _label(caption: str, buddy: QWidget) -> QLabel:
        label = QLabel(caption)
        label.setBuddy(buddy)
        return label

    def _suite_choices(self) -> list[tuple[str, Any]]:
        return [("All suites", None)] + [(s.name, s.id) for s in self.context.reference().suites]

    # Following the store ---------------------------------------------------------------
    def shown(self) -> None:
        self.suite.set_choices(self._suite_choices())
        self.model.set_overdue(self.context.today(), self.after_days.value())
        self.reload()

    def store_changed(self, change: StoreChange) -> None:
        if not change.kinds & FOLLOW_UP_KINDS:
            return
        if self.isVisible():
            self._reload_timer.start()
        else:
            self._stale = True  # read again when shown

    def reload(self) -> None:
        """Read the follow-ups again; the one in the editor follows, unless it has
        changes not saved yet (they stay, and Save puts them on the newer copy)."""
        self._reload_timer.stop()
        self._stale = False
        self.items = self.service.follow_ups()
        editing = self.editor.item
        if editing is not None and not self.editor.is_dirty():
            fresh = next((i for i in self.items if i.id == editing.id), None)
            if fresh is not None and fresh != editing:
                self._load_editor(fresh)  # changed by a sync, or saved here: show it now
        self._apply()
        self.populated.emit()

    # Filters ---------------------------------------------------------------------------
    def _matches(self, item: FollowUp) -> bool:
        suite, status = self.suite.value(), self.status.value()
        if suite is not None and item.suite_id != suite:
            return False
        if status == NOT_CLOSED and item.status is FollowUpStatus.CLOSED:
            return False
        if isinstance(status, FollowUpStatus) and item.status is not status:
            return False
        return not (self.overdue_only.isChecked() and not self.model.overdue(item))

    def _apply(self) -> None:
        """Show the items that pass the filters, oldest raised first, keeping the one in
        the editor selected (else the first, unless the editor has unsaved changes)."""
        rows = sorted((i for i in self.items if self._matches(i)),
                      key=lambda i: (i.raised_on or dt.date.max, i.suite_id, i.id))
        editing = self.editor.item
        with self._by_code():
            self.model.set_rows(rows)
            target = self.model.row_of(editing.id) if editing is not None else -1
            if target < 0 and rows and not self.editor.is_dirty():
                target = 0
            if target >= 0:
                self._select_row(target)
        if not self.editor.is_dirty():
            shown = rows[target] if target >= 0 else None
            if shown != editing:
                self._load_editor(shown)
        self._show_count()

    def _show_count(self) -> None:
        shown, total = self.model.rowCount(), len(self.items)
        overdue = sum(self.model.overdue(i) for i in self.model.rows)
        text = (plural(total, "follow-up") if shown == total
                else f"Showing {shown:,} of {plural(total, 'follow-up')}")
        if overdue:
            text += f", {overdue:,} overdue"
        self.count_label.setText(text)
        if total == 0:
            self.empty_label.setText(
                "No follow-ups yet. On All reports (Ctrl+1), “Follow up unresolved issues” "
                "takes a report's open issues further; an escalated custody record review "
                "becomes one when saved.")
        elif shown == 0:
            self.empty_label.setText("No follow-up matches these filters.")
        self.empty_label.setVisible(shown == 0)

    def _threshold_changed(self, days: int) -> None:
        self.model.set_overdue(self.context.today(), days)
        self._apply()
        when_done(self.service.set_overdue_days(days), self, lambda _r: None,
                  lambda exc: self.status_message.emit(
                      f"The number of days was not kept for next time: {exc}"))

    # Selection and the editor ----------------------------------------------------------
    @contextlib.contextmanager
    def _by_code(self) -> Iterator[None]:
        was, self._selecting = self._selecting, True
        try:
            yield
        finally:
            self._selecting = was

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        selection = self.table.selectionModel()
        selection.setCurrentIndex(
            index, selection.SelectionFlag.ClearAndSelect | selection.SelectionFlag.Rows
        )
        self.table.scrollTo(index)

    def selected(self) -> FollowUp | None:
        index = self.table.currentIndex()
        return self.model.rows[index.row()] if index.isValid() else None

    def select(self, item_id: str) -> bool:
        """Make the item current, as if the person moved to it (asking first when the one
        edited has unsaved changes)."""
        row = self.model.row_of(item_id)
        if row < 0:
            return False
        self._select_row(row)
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._selecting or not current.isValid():
            return
        item = self.model.rows[current.row()]
        editing = self.editor.item
        if editing is not None and item.id == editing.id:
            return
        if not self.editor.is_dirty():
            self._load_editor(item)
            return
        # Stay on the item edited until the person says what to do with its changes.
        with self._by_code():
            back = self.model.row_of(editing.id) if editing is not None else -1
            if back >= 0:
                self._select_row(back)
            else:
                self.table.selectionModel().clearSelection()
        self._ask_then_go(item.id)

    def _ask_then_go(self, item_id: str) -> None:
        if self._asking:
            return
        self._asking = True
        editing = self.editor.item
        what = f"The follow-up “{_short(editing.summary)}”" if editing else "The follow-up"

        def go() -> None:
            row = self.model.row_of(item_id)
            if row >= 0:
                self._load_editor(self.model.rows[row])
                with self._by_code():
                    self._select_row(row)
            self.table.setFocus()

        def answered(choice: Unsaved) -> None:
            self._asking = False
            if choice is Unsaved.SAVE:
                self.save(then=go)
            elif choice is Unsaved.DISCARD:
                go()
            else:
                self.editor.escalated_to.setFocus()

        ask_unsaved(self, what, answered)

    def _load_editor(self, item: FollowUp | None) -> None:
        suite = self.context.reference().suite_name(item.suite_id) if item else ""
        self.editor.load(item, suite)
        self._update_buttons()

    def _edited(self) -> None:
        item = self.editor.edited_item()
        if item is not None:
            self.editor.set_problems([Problem(f, m) for f, m in follow_up_problems(item)])
        self._update_buttons()

    def _update_buttons(self) -> None:
        item = self.editor.item
        self.editor.state.setText("Changes not saved yet." if self.editor.is_dirty() else "")
        self.save_button.setEnabled(item is not None)
        self.open_button.setEnabled(item is not None)
        if item is not None and item.from_record_review:
            self.open_button.setText("O&pen record review")
            self.open_button.setAccessibleName("Open the custody record review")
        else:
            self.open_button.setText("Open re&port")
            self.open_button.setAccessibleName("Open the report")

    # Actions ---------------------------------------------------------------------------
    def save(self, then: Callable[[], None] | None = None) -> bool:
        """Save the follow-up in the editor; refused, and said why beside the fields, when
        its dates are out of order. ``then`` runs once it is saved."""
        item = self.editor.edited_item()
        if item is None:
            return False
        problems = [Problem(f, m) for f, m in follow_up_problems(item)]
        self.editor.set_problems(problems)
        if problems:
            self.status_message.emit(
                f"Not saved: {plural(len(problems), 'date')} out of order, said beside "
                f"the {'field' if len(problems) == 1 else 'fields'}.")
            widget = self.editor.first_problem_widget(problems)
            if widget is not None:
                focus_field(widget)
            return False
        if item == self.editor.item:
            self.status_message.emit("No changes to save.")
            if then is not None:
                then()
            return True

        def done(saved: FollowUp) -> None:
            if self.editor.item is not None and self.editor.item.id == saved.id:
                if self.editor.edited_item() == saved:
                    self._load_editor(saved)
                else:
                    self.editor.item = saved  # typed on since: those edits stay unsaved
                    self._update_buttons()
            self.items = [i for i in self.items if i.id != saved.id] + [saved]
            self._apply()
            self.status_message.emit("Follow-up saved; it goes to the central store with "
                                     "the next sync.")
            self.saved.emit(saved.id)
            if then is not None:
                then()

        when_done(self.service.save(item), self, done,
                  lambda exc: self.status_message.emit(f"The follow-up was not saved: {exc}"))
        return True

    def open_source(self) -> None:
        """Show the report the issue came from (Ctrl+W comes back), or the record review."""
        item = self.editor.item
        if item is None:
            return
        if not item.from_record_review:
            self.context.open_report(item.visit_id)
            return
        show_page = getattr(self.window(), "show_page", None)
        page = show_page("record_reviews") if show_page is not None else None
        opener = getattr(page, "open_review", None)
        if opener is None:
            self.status_message.emit("The custody record reviews page is not available.")
            return
        opener(item.record_review_id)


def _short(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
