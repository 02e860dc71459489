"""The list of visits: a table model over the store's summaries, and the page with its
filters (suite, status, dates, search) and its sort order.

The model holds plain :class:`VisitSummary` rows and formats only the cells Qt asks for,
so ten thousand visits cost one query and no widget per row.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.status import VisitStatus
from icv_app.store.custody.visit_list import VisitFilter, VisitSummary
from icv_app.ui.shared.input_widgets import ChoiceCombo, OptionalDateEdit

COLUMNS = ("Date", "Arrival", "Suite", "Status", "Detainees", "Issues", "Amendments",
           "Questions")
QUESTIONS_COLUMN = 7  # a coordinator's questions waiting for a reply
ID_ROLE = Qt.ItemDataRole.UserRole + 1
if TYPE_CHECKING:
    from icv_app.services.custody.visits import VisitService

SEARCH_DELAY_MS = 250
# Rows read before the first window is shown; the rest follow once it is painted.
FIRST_PAGE_ROWS = 200

_Index = QModelIndex | QPersistentModelIndex

_ASC = Qt.SortOrder.AscendingOrder
_DESC = Qt.SortOrder.DescendingOrder
# Every order the header can show, in words, so it can be chosen from the keyboard too.
SORT_CHOICES: tuple[tuple[str, tuple[int, Qt.SortOrder]], ...] = (
    ("Date, newest first", (0, _DESC)),
    ("Date, oldest first", (0, _ASC)),
    ("Arrival time, earliest first", (1, _ASC)),
    ("Arrival time, latest first", (1, _DESC)),
    ("Suite, A to Z", (2, _ASC)),
    ("Suite, Z to A", (2, _DESC)),
    ("Status, drafts first", (3, _ASC)),
    ("Status, submitted first", (3, _DESC)),
    ("Detainees, most first", (4, _DESC)),
    ("Detainees, fewest first", (4, _ASC)),
    ("Issues, most first", (5, _DESC)),
    ("Issues, fewest first", (5, _ASC)),
    ("Amendments, most first", (6, _DESC)),
    ("Amendments, fewest first", (6, _ASC)),
    ("Questions waiting, most first", (7, _DESC)),
    ("Questions waiting, fewest first", (7, _ASC)),
)
DEFAULT_SORT = SORT_CHOICES[0][1]
HINT_STYLE = "color: #8a5300; font-weight: bold;"


def display_date(iso: str | None) -> str:
    if not iso:
        return "No date"
    try:
        return dt.date.fromisoformat(iso).strftime("%a %d %b %Y")
    except ValueError:
        return iso


class VisitsTableModel(QAbstractTableModel):
    def set_reference(self, reference: ReferenceData) -> None:
        self._suite_names = {s.id: s.name for s in reference.suites}
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, self.columnCount() - 1))

    def __init__(self, reference: ReferenceData, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[VisitSummary] = []
        self._suite_names = {s.id: s.name for s in reference.suites}

    def set_rows(self, rows: list[VisitSummary]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return display_date(row.visit_date)
            if column == 1:
                return row.arrival_time or ""
            if column == 2:
                return self._suite_names.get(row.suite_id, row.suite_id) or "No suite"
            if column == 3:
                return row.status.label
            if column == 4:
                return row.detainee_count
            if column == 5:
                return row.issue_count
            if column == 6:
                return row.amendment_count
            return row.waiting_queries
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if column == QUESTIONS_COLUMN and row.waiting_queries:
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.ToolTipRole:
                n = row.waiting_queries
                return (f"{n} question{'s' if n != 1 else ''} from a coordinator waiting "
                        "for a reply: open the report, Messages tab (Alt+M)")
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        keys = {
            0: lambda r: (r.visit_date or "", r.arrival_time or ""),
            1: lambda r: r.arrival_time or "",
            2: lambda r: self._suite_names.get(r.suite_id, r.suite_id),
            3: lambda r: r.status.value,
            4: lambda r: r.detainee_count,
            5: lambda r: r.issue_count,
            6: lambda r: r.amendment_count,
            7: lambda r: r.waiting_queries,
        }
        self.layoutAboutToBeChanged.emit()
        self.rows.sort(key=keys[column], reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()

    def row_of(self, visit_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == visit_id), -1)


class DateFilter(QDateEdit):
    def __init__(self, accessible: str) -> None:
        super().__init__()
        self.setCalendarPopup(True)
        self.setDisplayFormat("dd MMM yyyy")
        self.setDate(QDate.currentDate())
        self.setAccessibleName(accessible)

    def event(self, event: QEvent) -> bool:
        if OptionalDateEdit.tab_leaves(self, event):  # one Tab leaves, as in the form
            return True
        return super().event(event)

    def value(self) -> dt.date:
        d = self.date()
        return dt.date(d.year(), d.month(), d.day())


class VisitsListPage(QWidget):
    """The visits, their filters and their order.

    The keyboard starts in the table (Down moves through the visits, Enter opens one);
    from the search box, Down goes to the results and Enter opens the current one.

    Signals:
        open_requested(str): the user asked to open the visit with this id.
        populated(): the rows reflect the current filter.
        selection_changed(): another visit (or none) is selected.
    """

    open_requested = Signal(str)
    populated = Signal()
    selection_changed = Signal()

    def __init__(
        self,
        service: VisitService | None,
        reference: ReferenceData,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.reference = reference
        self.is_populated = False
        self.is_complete = False  # every row of the current filter is in the model
        self._sort_column, self._sort_order = DEFAULT_SORT

        self.suite = ChoiceCombo(
            [("All suites", None)] + [(s.name, s.id) for s in reference.suites]
        )
        self.suite.setAccessibleName("Filter by suite")
        self.status = ChoiceCombo(
            [("All", None), ("Drafts", VisitStatus.DRAFT), ("Submitted", VisitStatus.SUBMITTED)]
        )
        self.status.setAccessibleName("Filter by status")
        self.any_date = QCheckBox("Any &date")
        self.any_date.setChecked(True)
        self.any_date.setAccessibleName("Any date")
        self.date_from = DateFilter("Visits from")
        self.date_to = DateFilter("Visits up to")
        self.date_from.setDate(QDate.currentDate().addMonths(-3))
        self.date_hint = QLabel()
        self.date_hint.setAccessibleName("Date range problem")
        self.date_hint.setStyleSheet(HINT_STYLE)
        self.date_hint.hide()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Custody number, issue text, officer or reference")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search visits")
        self.search.setToolTip("Down goes to the results; Enter opens the one selected")
        self.search.installEventFilter(self)
        self.search.returnPressed.connect(self._open_from_search)
        self.sort = ChoiceCombo(SORT_CHOICES)
        self.sort.setAccessibleName("Sort visits by")

        # Mnemonics: the menu bar holds F, E, V and Y; these must differ from them.
        dates = QHBoxLayout()
        for caption, widget in (
            ("S&uite:", self.suite),
            ("S&tatus:", self.status),
        ):
            dates.addWidget(self._label(caption, widget))
            dates.addWidget(widget)
        dates.addSpacing(8)
        dates.addWidget(self.any_date)
        dates.addWidget(self._label("Fro&m:", self.date_from))
        dates.addWidget(self.date_from)
        dates.addWidget(self._label("T&o:", self.date_to))
        dates.addWidget(self.date_to)
        dates.addSpacing(8)
        dates.addWidget(self.date_hint)
        dates.addStretch(1)
        finding = QHBoxLayout()
        finding.addWidget(self._label("&Search:", self.search))
        finding.addWidget(self.search, 1)
        finding.addSpacing(8)
        finding.addWidget(self._label("So&rt by:", self.sort))
        finding.addWidget(self.sort)

        self.model = VisitsTableModel(reference, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Visits")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSortingEnabled(False)
        self.table.setWordWrap(False)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        # Fixed row heights: the view never measures ten thousand rows.
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._header_clicked)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(self._sort_column, self._sort_order)
        for column, width in enumerate((130, 70, 0, 90, 85, 70, 100, 90)):
            if width:
                self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().currentRowChanged.connect(
            lambda *_: self.selection_changed.emit()
        )
        # The list is what a person comes to this page for: the keyboard starts there.
        self.setFocusProxy(self.table)

        self.count_label = QLabel()
        # Questions from a coordinator wait for a reply: said above the list, with a way
        # to bring those reports to the top.
        self.questions_label = QLabel()
        self.questions_label.setAccessibleName("Questions waiting for a reply")
        self.questions_label.setStyleSheet(HINT_STYLE)
        self.show_questions = QPushButton("Show the &questions first")
        self.show_questions.setAccessibleName("Show the reports with questions first")
        self.show_questions.setToolTip("Sort the list by questions waiting, most first")
        self.show_questions.clicked.connect(self._show_questions_first)
        questions = QHBoxLayout()
        questions.addWidget(self.questions_label)
        questions.addWidget(self.show_questions)
        questions.addStretch(1)
        self.questions_row = QWidget()
        self.questions_row.setLayout(questions)
        questions.setContentsMargins(0, 0, 0, 0)
        self.questions_row.hide()
        self.empty_label = QLabel()
        self.empty_label.setAccessibleName("No visits shown")
        self.empty_label.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(dates)
        layout.addLayout(finding)
        layout.addWidget(self.questions_row)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        # Tab follows the rows as they are seen: filters, search, sort, then the list.
        QWidget.setTabOrder(self.search, self.sort)
        QWidget.setTabOrder(self.sort, self.table)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.suite.value_changed.connect(lambda _v: self.refresh())
        self.status.value_changed.connect(lambda _v: self.refresh())
        self.sort.value_changed.connect(lambda value: self.set_sort(*value))
        self.any_date.toggled.connect(self._dates_toggled)
        self.date_from.dateChanged.connect(lambda _d: self._date_changed())
        self.date_to.dateChanged.connect(lambda _d: self._date_changed())
        self._dates_toggled(True)

    @staticmethod
    def _label(caption: str, buddy: QWidget) -> QLabel:
        label = QLabel(caption)
        label.setBuddy(buddy)
        return label

    def set_reference(self, reference: ReferenceData) -> None:
        """The scheme's suites changed: the filter and the suite names follow."""
        self.reference = reference
        self.suite.set_choices([("All suites", None)] + [(s.name, s.id) for s in reference.suites])
        self.model.set_reference(reference)

    # Filtering -------------------------------------------------------------------------
    def current_filter(self) -> VisitFilter:
        dates = not self.any_date.isChecked()
        return VisitFilter(
            suite_id=self.suite.value(),
            status=self.status.value(),
            date_from=self.date_from.value() if dates else None,
            date_to=self.date_to.value() if dates else None,
            search=self.search.text(),
        )

    def _dates_toggled(self, any_date: bool) -> None:
        self.date_from.setEnabled(not any_date)
        self.date_to.setEnabled(not any_date)
        self._check_dates()
        if self.is_populated:
            self.refresh()

    def _date_changed(self) -> None:
        self._check_dates()
        if not self.any_date.isChecked():
            self.refresh()

    def _check_dates(self) -> None:
        """Say so beside the dates when no visit can match them (From after To)."""
        backwards = not self.any_date.isChecked() and self.date_from.date() > self.date_to.date()
        text = "“From” is after “To”: no visit can match. Change one of the dates."
        self.date_hint.setText(text if backwards else "")
        self.date_hint.setVisible(backwards)
        for edit in (self.date_from, self.date_to):
            edit.setAccessibleDescription(text if backwards else "")

    def refresh(self, first_page: bool = False) -> None:
        """Query the store with the current filter, keeping the selected visit selected
        (else the first one: there is always a current row to open with Enter).

        With ``first_page`` (at start-up) only the newest screenfuls are read now and the
        rest right after the window is painted, so a large profile opens as fast as a
        small one; the count shown is the true total from the start.
        """
        self._search_timer.stop()
        if self.service is None:
            return  # not open yet: set_service() lists the visits
        selected = self.selected_id()
        where = self.current_filter()
        limit = FIRST_PAGE_ROWS if first_page else None
        rows = self.service.list(where, limit)
        self.model.set_rows(rows)
        if (self._sort_column, self._sort_order) != DEFAULT_SORT:
            self.model.sort(self._sort_column, self._sort_order)
        unfiltered = where == VisitFilter(search=where.search) and not where.search.strip()
        partial = limit is not None and len(rows) == limit
        self.is_complete = not partial
        if partial:
            QTimer.singleShot(0, self._load_rest)
        # Unfiltered and complete, the rows are the total: one query, not two.
        total = len(rows) if unfiltered and not partial else self.service.count()
        shown = len(rows)
        if total == 0:
            self.empty_label.setText("No visits yet. Press Ctrl+N to record a new visit.")
        elif shown == 0:
            self.empty_label.setText("No visit matches these filters and this search.")
        self.empty_label.setVisible(shown == 0)
        if shown == total:
            self.count_label.setText(f"{total:,} visit{'s' if total != 1 else ''}")
        else:
            self.count_label.setText(f"Showing {shown:,} of {total:,} visits")
        self._show_waiting_questions()
        if (selected is None or not self.select(selected)) and rows:
            self.select_row(0)
        self.is_populated = True
        self.populated.emit()

    def _show_waiting_questions(self) -> None:
        assert self.service is not None
        queries, reports = self.service.waiting_queries()
        if queries:
            about = "a report" if reports == 1 else f"{reports} reports"
            self.questions_label.setText(
                f"{queries} question{'s' if queries != 1 else ''} from a coordinator "
                f"{'is' if queries == 1 else 'are'} waiting for a reply, about {about}."
            )
        self.questions_row.setVisible(bool(queries))

    def _show_questions_first(self) -> None:
        self.set_sort(QUESTIONS_COLUMN, _DESC)
        self.table.setFocus()
        self.select_row(0)

    def set_service(self, service: VisitService) -> None:
        self.service = service
        self.refresh(first_page=True)

    def _load_rest(self) -> None:
        if not self.is_complete:  # a filter change may have loaded everything already
            self.refresh()

    # Sorting ---------------------------------------------------------------------------
    def _header_clicked(self, column: int) -> None:
        if column == self._sort_column:
            order = _ASC if self._sort_order == _DESC else _DESC
        else:
            order = _ASC
        self.set_sort(column, order)

    def set_sort(self, column: int, order: Qt.SortOrder) -> None:
        """Order the rows (the header and "Sort by" show the same order), keeping the
        current visit current."""
        self.sort.blockSignals(True)
        self.sort.set_value((column, order))
        self.sort.blockSignals(False)
        if (column, order) == (self._sort_column, self._sort_order):
            return
        self._sort_column, self._sort_order = column, order
        self.table.horizontalHeader().setSortIndicator(column, order)
        selected = self.selected_id()
        self.model.sort(column, order)
        if selected is not None:
            self.select(selected)

    # Selection -------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        value: str = self.model.data(index, ID_ROLE)
        return value

    def selected_summary(self) -> VisitSummary | None:
        index = self.table.currentIndex()
        return self.model.rows[index.row()] if index.isValid() else None

    def select(self, visit_id: str) -> bool:
        row = self.model.row_of(visit_id)
        if row < 0:
            return False
        self.select_row(row)
        return True

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        selection = self.table.selectionModel()
        selection.setCurrentIndex(
            index, selection.SelectionFlag.ClearAndSelect | selection.SelectionFlag.Rows
        )
        self.table.scrollTo(index)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_requested.emit(self.model.data(index, ID_ROLE))

    # From the search box to the results ------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            self.go_to_results()
            return True
        return super().eventFilter(watched, event)

    def _results_now(self) -> None:
        if self._search_timer.isActive():  # typed faster than the search delay
            self.refresh()

    def go_to_results(self) -> None:
        """Focus the list on the current result (the first, after a new search)."""
        self._results_now()
        if not self.table.currentIndex().isValid() and self.model.rowCount():
            self.select_row(0)
        self.table.setFocus(Qt.FocusReason.TabFocusReason)

    def _open_from_search(self) -> None:
        self._results_now()
        index = self.table.currentIndex()
        if not index.isValid() and self.model.rowCount():
            index = self.model.index(0, 0)
        if index.isValid():
            self._activated(index)
        # else: the empty label already says that nothing matches
