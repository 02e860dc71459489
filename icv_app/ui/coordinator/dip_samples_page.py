"""Dip samples (Coordination, Ctrl+3): the samples drawn so far, drawing a new one, and
reviewing each sampled record against the checklist.

The page has two views. The history lists every sample, newest first, with its rule in
words, its seed and how far its review has got; Enter opens one. A sample's view lists
its records in the order drawn beside the review of the one selected; Ctrl+S saves the
reviews changed, Enter opens the report (or the custody record review), and "Redraw and
compare" draws the sample again from its stored seed and rule against the period's
records as they are now and says whether the same records come out, and if not why.

Reviews typed are kept in the page until saved (leaving for a report and coming back
keeps them); saving writes only the items changed onto the sample as stored then, so
reviews of other items that a sync brought meanwhile are kept.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.dip_sample import (
    DipSample,
    RedrawCheck,
    SampledKind,
    Stratify,
    progress,
    redraw,
    validate,
)
from icv_app.domain.custody.validation import Severity, plural
from icv_app.services.custody.dip_samples import (
    DipSampleService,
    Population,
    SampledRecord,
    newest_first,
)
from icv_app.ui.coordinator.dip_sample_text import (
    NOUNS,
    day,
    outcomes_text,
    period_text,
    redraw_text,
    rule_text,
    stratum_name,
)
from icv_app.ui.coordinator.page import CoordinatorContext, CoordinatorPage
from icv_app.ui.coordinator.sample_review_editor import ReviewEditor
from icv_app.ui.shared.tasks import run_in_background, when_done

if TYPE_CHECKING:
    from icv_app.domain.custody.reference import ReferenceData
    from icv_app.store.changes import StoreChange

_Index = QModelIndex | QPersistentModelIndex
ID_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_KINDS = frozenset({"visit", "amendment", "record_review"})
REFRESH_DELAY_MS = 300  # a sync commits page by page: read once it has settled
WHAT = {SampledKind.VISIT: "Reports", SampledKind.RECORD_REVIEW: "Custody records"}


def _table(name: str) -> QTableView:
    table = QTableView()
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    vertical = table.verticalHeader()
    vertical.setVisible(False)
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(table.fontMetrics().height() + 10)
    return table


def _select_row(table: QTableView, row: int) -> None:
    model = table.model()
    if not 0 <= row < model.rowCount():
        return
    index = model.index(row, 0)
    selection = table.selectionModel()
    selection.setCurrentIndex(
        index, selection.SelectionFlag.ClearAndSelect | selection.SelectionFlag.Rows
    )
    table.scrollTo(index)


class HistoryModel(QAbstractTableModel):
    COLUMNS = ("Drawn", "By", "What", "Period", "Rule", "Seed", "Progress", "Outcomes")

    def __init__(self, zone: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[DipSample] = []
        self.zone = ZoneInfo(zone)

    def set_rows(self, rows: list[DipSample]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def text(self, sample: DipSample, column: int) -> str:
        if column == 0:
            return sample.created_at.astimezone(self.zone).strftime("%d %b %Y %H:%M")
        if column == 1:
            return sample.created_by
        if column == 2:
            return WHAT[sample.sampled]
        if column == 3:
            return period_text(sample.period_from, sample.period_to)
        if column == 4:
            return rule_text(sample.rule, sample.sampled)
        if column == 5:
            return sample.seed
        if column == 6:
            return str(progress(sample))
        return outcomes_text(sample)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        sample = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(sample, index.column())
        if role == ID_ROLE:
            return sample.id
        return None

    def row_of(self, sample_id: str) -> int:
        return next((i for i, s in enumerate(self.rows) if s.id == sample_id), -1)


class ItemsModel(QAbstractTableModel):
    """The records of the open sample, in the order drawn."""

    COLUMNS = ("#", "Suite", "Date", "Reference", "Drawn for", "Review")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.sample: DipSample | None = None
        self.records: dict[str, SampledRecord] = {}
        self.edited: set[str] = set()
        self.reference: ReferenceData | None = None

    def set_sample(self, sample: DipSample | None, records: dict[str, SampledRecord],
                   edited: set[str], reference: ReferenceData) -> None:
        same_rows = (sample is not None and self.sample is not None
                     and sample.drawn_ids == self.sample.drawn_ids)
        if same_rows:
            # The same records (reviews saved, details read): the current row and the
            # focus stay where they are.
            self.sample, self.records, self.reference = sample, records, reference
            self.refresh(edited)
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, self.columnCount() - 1)
            return
        self.beginResetModel()
        self.sample, self.records, self.edited = sample, records, edited
        self.reference = reference
        self.endResetModel()

    def refresh(self, edited: set[str]) -> None:
        self.edited = edited
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, self.columnCount() - 1))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.sample is None else len(self.sample.items)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            if section == 3 and self.sample is not None:
                return ("Reference" if self.sample.sampled is SampledKind.VISIT
                        else "Custody record")
            return self.COLUMNS[section]
        return None

    def label(self, item_id: str) -> str:
        record = self.records.get(item_id)
        return record.label if record else "Not on this laptop"

    def text(self, row: int, column: int) -> str:
        assert self.sample is not None and self.reference is not None
        item = self.sample.items[row]
        record = self.records.get(item.item_id)
        if column == 0:
            return str(row + 1)
        if column == 1:
            return self.reference.suite_name(record.suite_id) if record else ""
        if column == 2:
            return day(record.date) if record else ""
        if column == 3:
            return self.label(item.item_id)
        if column == 4:
            return stratum_name(self.sample.rule.stratify, item.stratum, self.reference)
        text = item.outcome.label
        return f"{text} (not saved)" if item.item_id in self.edited else text

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.sample is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), index.column())
        if role == ID_ROLE:
            return self.sample.items[index.row()].item_id
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class DipSamplesPage(CoordinatorPage):
    """Signals:
    samples_loaded(): the history shows the samples on this laptop now.
    sample_opened(str): the sample with this id is shown with its records.
    sample_saved(str): a new sample, or reviews of one, were saved.
    sample_refreshed(str): the open sample changed elsewhere (a sync) and is shown anew.
    redraw_checked(object): a :class:`RedrawCheck` of the open sample, now shown.
    """

    samples_loaded = Signal()
    sample_opened = Signal(str)
    sample_saved = Signal(str)
    sample_refreshed = Signal(str)
    redraw_checked = Signal(object)
    title = "Dip samples"

    def __init__(self, context: CoordinatorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.service = DipSampleService(context.references.store)
        self.dialog: QWidget | None = None
        self.samples: list[DipSample] = []
        self.stored: DipSample | None = None  # the open sample as last read or saved
        self.working: DipSample | None = None  # the same, with the reviews typed since
        self.records: dict[str, SampledRecord] = {}
        self.check: RedrawCheck | None = None
        self._edited: dict[str, int] = {}  # item id -> edit count, while not saved
        self._edits = 0
        self._origin = f"dip-samples-{id(self)}"
        self._history_stale = True
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self._refresh_now)
        self._pending: set[str] = set()  # what the coming refresh reads: history, sample, records

        self.views = QStackedWidget()
        self.history = self._build_history()
        self.detail = self._build_detail()
        self.views.addWidget(self.history)
        self.views.addWidget(self.detail)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.views)
        self.setFocusProxy(self.history_table)

        save = QShortcut(QKeySequence.StandardKey.Save, self.detail)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.detail)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        back.activated.connect(self.show_history)

    @property
    def reference(self) -> ReferenceData:
        return self.context.reference()

    # Building --------------------------------------------------------------------------
    def _build_history(self) -> QWidget:
        view = QWidget()
        self.new_button = QPushButton("Dra&w a new sample…")
        self.new_button.setAccessibleName("Draw a new sample")
        self.new_button.clicked.connect(self.new_sample)
        self.history_model = HistoryModel(self.reference.time_zone, self)
        self.history_table = _table("Samples drawn")
        self.history_table.setModel(self.history_model)
        self.history_table.activated.connect(
            lambda index: self.open_sample(self.history_model.rows[index.row()].id))
        header = self.history_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((130, 90, 110, 190, 230, 110, 120)):
            self.history_table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        heading = QLabel("&Samples drawn:")
        heading.setBuddy(self.history_table)
        self.history_empty = QLabel("No samples yet. Draw one with Alt+W: reports or custody "
                                    "records of a period, a number or a percentage of them.")
        self.history_empty.setWordWrap(True)
        self.history_empty.hide()
        self.history_count = QLabel()
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addStretch(1)
        top.addWidget(self.new_button)
        layout = QVBoxLayout(view)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.history_empty)
        layout.addWidget(self.history_table, 1)
        layout.addWidget(self.history_count)
        QWidget.setTabOrder(self.new_button, self.history_table)
        return view

    def _build_detail(self) -> QWidget:
        view = QWidget()
        self.back_button = QPushButton("&All samples")
        self.back_button.setAccessibleName("Back to all samples")
        self.back_button.setToolTip("Back to the list of samples (Escape)")
        self.back_button.clicked.connect(self.show_history)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("The sample")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress_label = QLabel()
        self.progress_label.setAccessibleName("Progress")
        self.redraw_button = QPushButton("Redraw and &compare")
        self.redraw_button.setAccessibleName("Redraw and compare")
        self.redraw_button.setToolTip("Draw again from the stored seed and rule, from the "
                                      "period's records as they are now, and compare")
        self.redraw_button.clicked.connect(self.redraw)
        self.redraw_label = QLabel()
        self.redraw_label.setWordWrap(True)
        self.redraw_label.setAccessibleName("Redraw result")
        self.redraw_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.redraw_label.hide()

        self.items_model = ItemsModel(self)
        self.items_table = _table("Sampled records")
        self.items_table.setModel(self.items_model)
        self.items_table.activated.connect(lambda _index: self.open_record())
        self.items_table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._item_chosen(current.row()))
        header = self.items_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((36, 130, 100, 150, 130)):
            self.items_table.setColumnWidth(column, width)
        header.setStretchLastSection(True)
        items_label = QLabel("Sampled recor&ds:")
        items_label.setBuddy(self.items_table)
        self.editor = ReviewEditor()
        self.editor.edited.connect(self._edited_now)
        self.editor.open_button.clicked.connect(self.open_record)
        self.editor.save_button.clicked.connect(self.save)

        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.summary, 1)
        top.addWidget(self.redraw_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(items_label)
        left_layout.addWidget(self.items_table, 1)
        left_layout.addWidget(self.progress_label)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.editor)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([720, 560])
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(view)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.redraw_label)
        layout.addWidget(split, 1)
        QWidget.setTabOrder(self.back_button, self.redraw_button)
        QWidget.setTabOrder(self.redraw_button, self.items_table)
        QWidget.setTabOrder(self.items_table, self.editor.open_button)
        return view

    # Following the store ---------------------------------------------------------------
    def shown(self) -> None:
        if self._history_stale:
            self._pending.add("history")
        if self._pending:
            self._refresh_now()

    def store_changed(self, change: StoreChange) -> None:
        if "dip_sample" in change.kinds and change.origin != self._origin:
            self._history_stale = True
            self._schedule("history")
            if self.stored is not None and change.touches("dip_sample", self.stored.id):
                self._schedule("sample")
        if RECORD_KINDS & change.kinds and self.stored is not None:
            self._schedule("records")

    def _schedule(self, what: str) -> None:
        """Read ``what`` again once a burst of changes has settled; while the page is
        not shown (a report open, another page), when it is shown again."""
        self._pending.add(what)
        if self.isVisible():
            self._refresh_timer.start()

    def _refresh_now(self) -> None:
        self._refresh_timer.stop()
        pending, self._pending = self._pending, set()
        if "history" in pending:
            self.load_history()
        if self.stored is not None and "sample" in pending:
            sample_id = self.stored.id
            when_done(run_in_background(self.service.sample, sample_id), self,
                      lambda found: self._reloaded(sample_id, found), self._failed)
        elif self.stored is not None and "records" in pending:
            self._load_records(self.stored)

    # History ---------------------------------------------------------------------------
    def load_history(self) -> None:
        self._history_stale = False
        when_done(run_in_background(self.service.samples), self, self._history_loaded,
                  self._failed)

    def _history_loaded(self, samples: list[DipSample]) -> None:
        if self.working is not None:
            # The open sample is listed as it is shown (with the reviews saved since).
            samples = [self.stored if self.stored and s.id == self.stored.id else s
                       for s in samples]
        self._set_history(samples)
        self.samples_loaded.emit()

    def _set_history(self, samples: list[DipSample], select: str | None = None) -> None:
        current = select or self._current_history_id()
        self.samples = newest_first(samples)
        self.history_model.set_rows(self.samples)
        count = len(self.samples)
        self.history_empty.setVisible(count == 0)
        self.history_count.setText(plural(count, "sample"))
        row = self.history_model.row_of(current) if current else -1
        _select_row(self.history_table, row if row >= 0 else 0)

    def _current_history_id(self) -> str | None:
        index = self.history_table.currentIndex()
        return self.history_model.rows[index.row()].id if index.isValid() else None

    def show_history(self) -> None:
        """Back to the list of samples (asking first if reviews are not saved)."""
        if self.views.currentWidget() is self.history:
            return
        if self._edited:
            self._ask_unsaved()
            return
        self._leave_sample()

    def _leave_sample(self) -> None:
        current = self.stored.id if self.stored else None
        self.stored = self.working = self.check = None
        self._edited.clear()
        self.items_model.set_sample(None, {}, set(), self.reference)
        self.views.setCurrentWidget(self.history)
        self.setFocusProxy(self.history_table)
        if current is not None:
            _select_row(self.history_table, self.history_model.row_of(current))
        self.history_table.setFocus()
        if self._history_stale:
            self.load_history()

    def _ask_unsaved(self) -> None:
        count = len(self._edited)
        box = QMessageBox(QMessageBox.Icon.Question, "Reviews not saved",
                          f"{plural(count, 'review')} in this sample "
                          f"{'is' if count == 1 else 'are'} not saved yet.",
                          QMessageBox.StandardButton.Save
                          | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText("Save them before going back to the list of samples?")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)

        def answered(button: int) -> None:
            if button == QMessageBox.StandardButton.Save:
                self.save(then_leave=True)
            elif button == QMessageBox.StandardButton.Discard:
                self._edited.clear()
                self._leave_sample()

        box.finished.connect(answered)
        box.finished.connect(box.deleteLater)
        self._open(box)

    # Drawing ---------------------------------------------------------------------------
    def new_sample(self) -> None:
        from icv_app.ui.coordinator.new_sample_dialog import NewSampleDialog

        dialog = NewSampleDialog(self.service, self.reference, self.context.today(),
                                 self.context.username, self)
        dialog.accepted.connect(lambda: self._drawn(dialog.sample))
        dialog.finished.connect(dialog.deleteLater)
        self._open(dialog)

    def _drawn(self, sample: DipSample | None) -> None:
        if sample is None:
            return
        self.status_message.emit("Saving the sample…")
        when_done(self.service.save(sample, origin=self._origin), self, self._new_saved,
                  self._failed)

    def _new_saved(self, sample: DipSample) -> None:
        self._set_history([sample, *(s for s in self.samples if s.id != sample.id)],
                          select=sample.id)
        one, many = NOUNS[sample.sampled]
        self.status_message.emit(
            f"Drew {plural(len(sample.items), one, many)} of {sample.population_size} with "
            f"seed {sample.seed}. Review each one; Ctrl+S saves the reviews.")
        self.sample_saved.emit(sample.id)
        self.open_sample(sample.id)

    # A sample --------------------------------------------------------------------------
    def open_sample(self, sample_id: str) -> None:
        sample = next((s for s in self.samples if s.id == sample_id), None)
        if sample is None:
            return
        self.stored = sample
        self.working = copy.deepcopy(sample)
        self.records = {}
        self.check = None
        self._edited.clear()
        self.redraw_label.hide()
        self.views.setCurrentWidget(self.detail)
        self.setFocusProxy(self.items_table)
        self._show_sample(select_row=0)
        self.items_table.setFocus()
        self._load_records(sample)

    def _load_records(self, sample: DipSample) -> None:
        future = run_in_background(self.service.records, sample.sampled, sample.drawn_ids,
                                   self.reference.reference_prefix)
        when_done(future, self, lambda records: self._records_loaded(sample.id, records),
                  self._failed)

    def _records_loaded(self, sample_id: str, records: dict[str, SampledRecord]) -> None:
        if self.stored is None or self.stored.id != sample_id:
            return
        self.records = records
        self._show_sample()
        self.sample_opened.emit(sample_id)

    def _reloaded(self, sample_id: str, found: DipSample | None) -> None:
        """The open sample changed elsewhere (a sync): show it, keeping what is typed."""
        if self.stored is None or self.stored.id != sample_id:
            return
        if found is None:
            self.status_message.emit("This sample is no longer on this laptop.")
            self._edited.clear()
            self._leave_sample()
            return
        self._take_stored(found)
        self.status_message.emit("This sample was changed elsewhere and is shown as it is "
                                 "now; reviews not saved here are kept.")
        self.sample_refreshed.emit(sample_id)

    def _take_stored(self, stored: DipSample) -> None:
        """Show ``stored`` with the reviews still being edited here laid over it."""
        assert self.working is not None
        typed = {item.item_id: item for item in self.working.items
                 if item.item_id in self._edited}
        self.stored = stored
        self.working = copy.deepcopy(stored)
        self.working.items = [copy.deepcopy(typed.get(i.item_id, i))
                              for i in self.working.items]
        self._show_sample()
        self.samples = [stored if s.id == stored.id else s for s in self.samples]
        self.history_model.set_rows(self.samples)

    def _show_sample(self, select_row: int | None = None) -> None:
        sample = self.working
        if sample is None:
            return
        row = select_row if select_row is not None else self.items_table.currentIndex().row()
        self.items_model.set_sample(sample, self.records, set(self._edited), self.reference)
        stratified = sample.rule.stratify is not Stratify.NONE
        self.items_table.setColumnHidden(4, not stratified)
        one, many = NOUNS[sample.sampled]
        self.summary.setText(
            f"<b>{WHAT[sample.sampled]}, {period_text(sample.period_from, sample.period_to)}"
            f"</b>: {rule_text(sample.rule, sample.sampled)}, seed {sample.seed}. "
            f"{plural(len(sample.items), one, many)} drawn of "
            f"{sample.population_size} in the period, by {sample.created_by or 'someone'}."
        )
        self.editor.set_open_text("Open &report" if sample.sampled is SampledKind.VISIT
                                  else "Open &record")
        self._show_progress()
        target = min(max(row, 0), len(sample.items) - 1)
        if target < 0:
            self._item_chosen(-1)
        elif self.items_table.currentIndex().row() != target:
            _select_row(self.items_table, target)  # shows the item in the editor
        else:
            self._item_chosen(target)

    def _show_progress(self) -> None:
        if self.working is None:
            return
        self.progress_label.setText(
            f"{progress(self.working)}. Outcomes: {outcomes_text(self.working)}.")

    def _item_chosen(self, row: int) -> None:
        sample = self.working
        if sample is None or not 0 <= row < len(sample.items):
            self.editor.show_item(None, "Nothing to review.")
            self.editor.show_problems([], False)
            return
        item = sample.items[row]
        record = self.records.get(item.item_id)
        what = "Report" if sample.sampled is SampledKind.VISIT else "Custody record"
        heading = (f"<b>{row + 1}. {what} {self.items_model.label(item.item_id)}</b>"
                   + (f"<br>{self.reference.suite_name(record.suite_id)}, {day(record.date)}"
                      if record else ""))
        self.editor.show_item(item, heading)
        local = (item.reviewed_at.astimezone(ZoneInfo(self.reference.time_zone))
                 .strftime("%d %b %Y") if item.reviewed_at else "")
        self.editor.show_reviewer(item.reviewer, item.reviewed_at, local)
        self._show_problems(row)

    def current_row(self) -> int:
        return self.items_table.currentIndex().row()

    def _show_problems(self, row: int) -> None:
        assert self.working is not None
        prefix = f"items[{row}]."
        problems = [p for p in validate(self.working) if p.field.startswith(prefix)]
        item = self.working.items[row]
        self.editor.show_problems(problems, item.item_id in self._edited)

    def _edited_now(self) -> None:
        row = self.current_row()
        if self.working is None or not 0 <= row < len(self.working.items):
            return
        item = self.working.items[row]
        self.editor.apply_to(item)
        self._edits += 1
        self._edited[item.item_id] = self._edits
        self.items_model.refresh(set(self._edited))
        self._show_progress()
        self._show_problems(row)

    # Saving ----------------------------------------------------------------------------
    def save(self, then_leave: bool = False) -> None:
        """Save every review changed in the open sample (Ctrl+S)."""
        sample = self.working
        if sample is None:
            return
        if not self._edited:
            self.status_message.emit("Nothing to save: no review has changed since the "
                                     "last save.")
            return
        rows = {item.item_id: i for i, item in enumerate(sample.items)}
        errors = [p for p in validate(sample) if p.severity is Severity.ERROR
                  and any(p.field.startswith(f"items[{rows[i]}].") for i in self._edited)]
        if errors:
            row = int(errors[0].field.split("[")[1].split("]")[0])
            _select_row(self.items_table, row)
            self.editor.notes.setFocus()
            self.status_message.emit(
                f"Not saved: record {row + 1} ({self.items_model.label(sample.items[row].item_id)})"
                f": {errors[0].message}")
            return
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        versions = dict(self._edited)
        items = []
        for item_id in versions:
            item = sample.items[rows[item_id]]
            item.reviewed_at = now if item.reviewed else None
            item.reviewer = self.context.username if item.reviewed else ""
            items.append(copy.deepcopy(item))
        self.status_message.emit("Saving the reviews…")
        future = self.service.save_reviews(sample.id, items, origin=self._origin)
        when_done(future, self, lambda stored: self._saved(stored, versions, then_leave),
                  self._failed)

    def _saved(self, stored: DipSample, versions: dict[str, int], then_leave: bool) -> None:
        if self.stored is None or self.stored.id != stored.id:
            return
        for item_id, version in versions.items():
            if self._edited.get(item_id) == version:  # not typed into again since
                del self._edited[item_id]
        self._take_stored(stored)
        self.status_message.emit(
            f"Saved {plural(len(versions), 'review')}. {progress(stored)}.")
        self.sample_saved.emit(stored.id)
        if then_leave:
            self._leave_sample()

    # Opening a record ------------------------------------------------------------------
    def open_record(self) -> None:
        sample = self.working
        row = self.current_row()
        if sample is None or not 0 <= row < len(sample.items):
            return
        item_id = sample.items[row].item_id
        if item_id not in self.records:
            self.status_message.emit("This record is no longer on this laptop (its copy "
                                     "was removed once safely on the central store).")
            return
        if sample.sampled is SampledKind.VISIT:
            self.context.open_report(item_id)
            return
        when_done(run_in_background(self.service.record_review, item_id), self,
                  self._show_record_review, self._failed)

    def _show_record_review(self, review: Any) -> None:
        if review is None:
            self.status_message.emit("This custody record review is no longer on this laptop.")
            return
        from icv_app.ui.coordinator.record_review_view import RecordReviewView

        view = RecordReviewView(review, self.reference, self)
        view.finished.connect(view.deleteLater)
        self._open(view)

    # Redrawing -------------------------------------------------------------------------
    def redraw(self) -> None:
        """Draw the open sample again from its seed and rule, from the period's records
        as they are now, and say whether the same records come out."""
        sample = self.stored
        if sample is None:
            return
        self.redraw_button.setEnabled(False)
        self.redraw_label.setText("Drawing again from the period's records as they are now…")
        self.redraw_label.show()
        future = run_in_background(self.service.population, sample.sampled,
                                   sample.period_from, sample.period_to,
                                   self.reference.reference_prefix)
        when_done(future, self, lambda population: self._redrawn(sample, population),
                  self._redraw_failed)

    def _redrawn(self, sample: DipSample, population: Population) -> None:
        self.redraw_button.setEnabled(True)
        if self.stored is None or self.stored.id != sample.id:
            return
        check = redraw(sample, population.candidates)
        labels = {i: r.label for i, r in {**self.records, **population.records}.items()}
        self.check = check
        self.redraw_label.setText(redraw_text(check, labels))
        self.redraw_label.show()
        self.redraw_checked.emit(check)

    def _redraw_failed(self, exc: BaseException) -> None:
        self.redraw_button.setEnabled(True)
        self._failed(exc)

    # Dialogs and failures --------------------------------------------------------------
    def _open(self, dialog: QWidget) -> None:
        """Open window-modal with the keyboard focus (Escape closes it)."""
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self.window().activateWindow())  # type: ignore[attr-defined]
        dialog.open()  # type: ignore[attr-defined]
        dialog.activateWindow()

    def _failed(self, exc: BaseException) -> None:
        self.status_message.emit(f"Dip samples: {exc}")
