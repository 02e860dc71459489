"""The scheme's statistics for a period: the coordinator's dashboard (Coordination →
Statistics, Ctrl+5).

For a quarter, a calendar or financial year, or any range of days, against the period
before it (see :mod:`icv_app.domain.custody.statistics` for how each figure counts):

- headline tiles, each with the previous period's value and the change in words;
- the **Figures table** tab: every figure per suite and in total, beside the previous
  period's total and the change (Ctrl+C or "Copy table" copies it as tab-separated text
  for a spreadsheet or an email), and how recently each suite was visited in person
  against the scheme's target (editable; overdue suites marked in words);
- the **Charts** tab: visits per suite in person and remote, the acceptance rate per
  suite, the spread of visits over the week as a weekday × hour heat map
  (:mod:`icv_app.ui.shared.charts`) and the predictability warnings in words;
- exports: the figures (CSV or XLSX), the visits behind them, and the period's PDF for
  publication, each written off the UI thread.

Keys: PageUp / PageDown go to the previous / next period (Alt+Left is the window's
"Back to visits"); the keyboard starts in the figures table.

The figures are worked out on a worker thread (:class:`StatisticsService` reads on a
connection of its own) with a busy indicator, again whenever the period changes, and a
moment after a change to visits, amendments, follow-ups or suites arrives (several in a
row, as a sync brings them, make one recount).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFocusEvent,
    QFont,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.statistics import FIGURES, WEEKDAYS, Period, SchemeStatistics
from icv_app.services.custody.statistics import (
    DEFAULT_TARGET_DAYS,
    PeriodStatistics,
    StatisticsService,
    next_period,
)
from icv_app.ui.coordinator.page import CoordinatorContext, CoordinatorPage
from icv_app.ui.custody.visits_list import DateFilter
from icv_app.ui.shared.charts import (
    NOT_AVAILABLE,
    SERIES_COLOURS,
    BarChart,
    BarSeries,
    HeatMap,
)
from icv_app.ui.shared.input_widgets import ChoiceCombo, NumberBox
from icv_app.ui.shared.tasks import run_in_background, when_done

if TYPE_CHECKING:
    from icv_app.domain.custody.reference import ReferenceData
    from icv_app.store.changes import StoreChange

_Index = QModelIndex | QPersistentModelIndex

# Changes that alter the figures: the reports, their corrections, follow-ups (outstanding
# at the period's end) and the suites (which are open, and their names).
RELEVANT_KINDS = frozenset({"visit", "amendment", "follow_up", "suite"})
RECOUNT_DELAY_MS = 400  # after the last of a burst of changes (a sync brings many)
DATES_DELAY_MS = 400  # after the last keystroke in a custom date

PERIOD_KINDS: tuple[tuple[str, str], ...] = (
    ("Quarter", "quarter"),
    ("Calendar year", "year"),
    ("Financial year (April\u2013March)", "financial"),
    ("Custom dates", "custom"),
)
# The headline tiles: (key of FIGURES, what it is).
TILES: tuple[tuple[str, str], ...] = (
    ("visits", "Visits"),
    ("in_custody", "In custody at visits"),
    ("accepted", "Accepted a visit"),
    ("acceptance_rate", "Acceptance rate"),
    ("issues", "Issues raised"),
    ("resolved_share", "Issues resolved at the time"),
    ("outstanding_follow_ups", "Outstanding follow-ups"),
    ("visitor_hours", "Visitor hours"),
)
PERCENT = frozenset({"acceptance_rate", "resolved_share"})
ONE_DECIMAL = frozenset({"mean_delay_minutes", "visitor_hours"})
MINUS = "\u2212"
OVERDUE_FILL = QColor("#fde2e1")
WARN_STYLE = "color: #8a1c1c; font-weight: bold;"
MUTED_STYLE = "color: #5f6b7a;"
BUSY_TEXT = "Working out the figures\u2026"


# Numbers and periods in words ------------------------------------------------------------

def figure_text(key: str, value: int | float | None) -> str:
    """A figure as the page (and the PDF) shows it: ``1,234``, ``84.2%``, ``12.5``, or
    "—" where there is nothing to divide by."""
    if value is None:
        return NOT_AVAILABLE
    if key in PERCENT:
        return f"{value:.1%}"
    if key in ONE_DECIMAL:
        return f"{value:,.1f}"
    return f"{value:,}"


def change_text(key: str, current: int | float | None,
                previous: int | float | None) -> str:
    """The change from the previous period: ``+12``, ``−3``, ``+2.5 points`` for a rate,
    "no change", or "—" when either side is not known."""
    if current is None or previous is None:
        return NOT_AVAILABLE
    change = current - previous
    if key in PERCENT:
        points = round(change * 100, 1)
        text = "no change" if points == 0 else f"{points:+.1f} points"
    elif key in ONE_DECIMAL:
        change = round(change, 1)
        text = "no change" if change == 0 else f"{change:+,.1f}"
    else:
        text = "no change" if change == 0 else f"{change:+,}"
    return text.replace("-", MINUS)


def previous_name(period: Period) -> str:
    """What the period before ``period`` is called: "the previous quarter", "the
    previous financial year", "the previous 30 days"."""
    if period.kind == "quarter":
        return "the previous quarter"
    if period.kind == "year":
        return "the previous year" if period.start.month == 1 else "the previous financial year"
    return f"the previous {period.days:,} days" if period.days != 1 else "the day before"


def change_words(key: str, current: int | float | None, previous: int | float | None,
                 period: Period) -> str:
    """"+12 on the previous quarter", "No change on the previous year", "No comparison
    with the previous quarter" (a rate of nothing on either side)."""
    text = change_text(key, current, previous)
    if text == NOT_AVAILABLE:
        return f"No comparison with {previous_name(period)}"
    if text == "no change":
        return f"No change on {previous_name(period)}"
    return f"{text} on {previous_name(period)}"


def day_text(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def period_name(period: Period) -> str:
    """"Jan–Mar 2026", "2026", "2025/26", or for any other days "1 Feb 2026 to 31 Mar
    2026"."""
    if period.kind == "custom":
        return f"{day_text(period.start)} to {day_text(period.end)}"
    return period.label


def before_name(period: Period) -> str:
    """The period before ``period``, short enough for a tile: "Oct–Dec 2025", or
    "Previously" for a custom range (the line above says "the previous 59 days")."""
    if period.kind == "custom":
        return "Previously"
    return period.previous().label


def before_heading(period: Period) -> str:
    """The heading of the previous period's column: "Total,\nOct–Dec 2025", "Total, the
    59\ndays before" (two lines, to keep the column narrow)."""
    if period.kind == "custom":
        return f"Total, the\n{plural(period.days, 'day', 'days')} before"
    return f"Total,\n{period.previous().label}"


def period_detail(period: Period) -> str:
    """The days a period covers and what it is compared with, in words."""
    previous = period.previous()
    if period.kind == "custom":
        return (f"{plural(period.days, 'day', 'days')}, compared with the "
                f"{plural(previous.days, 'day', 'days')} before")
    return (f"{day_text(period.start)} to {day_text(period.end)}, "
            f"compared with {previous.label}")


def two_lines(name: str) -> str:
    """A heading of two words or more on two lines ("Ashford\nRoad"), broken at the
    space nearest its middle: columns of small numbers stay narrow."""
    spaces = [i for i, c in enumerate(name) if c == " "]
    if not spaces:
        return name
    cut = min(spaces, key=lambda i: abs(i - len(name) / 2))
    return f"{name[:cut]}\n{name[cut + 1:]}"


def file_slug(period: Period) -> str:
    """A period in a file name: "2026-01-01-to-2026-03-31"."""
    return f"{period.start.isoformat()}-to-{period.end.isoformat()}"


# The figures table ------------------------------------------------------------------------

class FiguresModel(QAbstractTableModel):
    """Rows: every figure of :data:`FIGURES`; columns: the figure's name, each suite, the
    total, the previous period's total and the change."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.stats: SchemeStatistics | None = None
        self.headers: list[str] = ["Figure", "Total"]
        self.suite_ids: list[str] = []

    def set_stats(self, stats: SchemeStatistics, reference: ReferenceData) -> None:
        self.beginResetModel()
        self.stats = stats
        self.suite_ids = list(stats.current.by_suite)
        # The previous period's total under its name, on two lines: the columns of
        # numbers stay narrow enough for a laptop's width.
        self.headers = ["Figure", *(two_lines(reference.suite_name(s)) for s in self.suite_ids),
                        "Total", before_heading(stats.current.period), "Change"]
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.stats is None else len(FIGURES)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        return None

    def text(self, row: int, column: int) -> str:
        assert self.stats is not None
        key, label = FIGURES[row]
        suites = len(self.suite_ids)
        current, previous = self.stats.current, self.stats.previous
        if column == 0:
            return label
        if column <= suites:
            return figure_text(key, current.suite(self.suite_ids[column - 1]).value(key))
        if column == suites + 1:
            return figure_text(key, current.total.value(key))
        if column == suites + 2:
            return figure_text(key, previous.total.value(key))
        return change_text(key, current.total.value(key), previous.total.value(key))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.stats is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and column == len(self.suite_ids) + 1:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def as_tsv(self) -> str:
        """The table as tab-separated text, a heading row first (what Ctrl+C copies)."""
        rows = ["\t".join(h.replace("\n", " ") for h in self.headers)]
        rows += ["\t".join(self.text(r, c) for c in range(self.columnCount()))
                 for r in range(self.rowCount())]
        return "\n".join(rows) + "\n"


class FiguresTable(QTableView):
    """The figures; Ctrl+C copies the whole table, not only the current cell.

    Signals:
        copy_requested(): the user pressed the copy key.
    """

    copy_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_requested.emit()
            return
        super().keyPressEvent(event)


# Coverage ---------------------------------------------------------------------------------

COVERAGE_COLUMNS = ("Suite", "Last visited\nin person", "Days\nsince", "Target\n(days)",
                    "Status")


class CoverageModel(QAbstractTableModel):
    """How recently each open suite was visited in person, overdue ones marked."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, str, str, str, bool]] = []

    def set_rows(self, rows: list[tuple[str, str, str, str, bool]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COVERAGE_COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COVERAGE_COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        name, last, days, target, overdue = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (name, last, days, target, "Overdue" if overdue else "Within target")[column]
        if role == Qt.ItemDataRole.BackgroundRole and overdue:
            return OVERDUE_FILL
        if role == Qt.ItemDataRole.ForegroundRole and overdue:
            return QColor("#1f2933")  # dark on the pale red, whatever the palette
        if role == Qt.ItemDataRole.FontRole and overdue and column == 4:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (2, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


# Headline tiles ---------------------------------------------------------------------------

class Tile(QFrame):
    """One headline figure: what it is, the number, the change in words and the
    previous period's value."""

    def __init__(self, key: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("tile")
        self.setStyleSheet("QFrame#tile { background: palette(base); border: 1px solid "
                           "#c8ccd2; border-radius: 4px; }")
        self.title = QLabel(title)
        self.title.setStyleSheet(MUTED_STYLE)
        self.value = QLabel(NOT_AVAILABLE)
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.7)
        font.setBold(True)
        self.value.setFont(font)
        self.change = QLabel()
        self.change.setWordWrap(True)
        # Two lines in every tile ("+13.7 points on the previous / financial year"), so
        # the row of tiles is as tall as its longest change and none is cut off.
        self.change.setMinimumHeight(2 * self.change.fontMetrics().lineSpacing())
        self.change.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.before = QLabel()
        self.before.setStyleSheet(MUTED_STYLE)
        self.before.setWordWrap(True)  # "Jul–Sep 2026: 174.5" may not fit a narrow card
        for label in (self.change, self.before):
            # A long text never widens the row of tiles past the window.
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 5, 8, 6)
        layout.setSpacing(1)
        for label in (self.title, self.value, self.change, self.before):
            layout.addWidget(label)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_figures(self, current: int | float | None, previous: int | float | None,
                     period: Period) -> None:
        self.value.setText(figure_text(self.key, current))
        self.change.setText(change_words(self.key, current, previous, period))
        self.before.setText(f"{before_name(period)}: {figure_text(self.key, previous)}")
        self.setAccessibleName(
            f"{self.title.text()}: {self.value.text()}. {self.change.text()} "
            f"({self.before.text()})."
        )


# The page ---------------------------------------------------------------------------------

class StatisticsPage(CoordinatorPage):
    """The scheme's statistics for a period (see the module doc).

    Signals:
        populated(): the figures of the period chosen are on screen.
        exported(str): a file was written (its path).
    """

    title = "Statistics"
    populated = Signal()
    exported = Signal(str)
    # (done, total) from the worker while reports not counted before are counted.
    counting = Signal(int, int)

    def __init__(self, context: CoordinatorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.service = StatisticsService(context.visits.store)
        self.counting.connect(self._counting)
        self.period = Period.quarter_of(context.today())
        self.result: PeriodStatistics | None = None  # what is on screen
        self._reference = context.reference()  # the names the result was shown with
        self.export_dir: Path | None = None
        self.dialog: QWidget | None = None
        self._generation = 0  # the newest request; older results are dropped
        self._busy = 0
        self._stale = True  # the store changed (or nothing was counted) since the last count
        # An export or a copy asked for while the figures are being counted: it waits
        # for them, so it never writes the previous period's figures under the new label.
        self._pending: Callable[[], None] | None = None

        # The period -------------------------------------------------------------------
        self.kind = ChoiceCombo(PERIOD_KINDS)
        self.kind.setAccessibleName("Period")
        self.previous_button = QPushButton("\u25c0 P&revious")
        self.previous_button.setToolTip("The previous period (Page Up)")
        self.next_button = QPushButton("Ne&xt \u25b6")
        self.next_button.setToolTip("The next period (Page Down)")
        self.date_from = DateFilter("Period from")
        self.date_to = DateFilter("Period to")
        self.from_label = self._label("Fro&m:", self.date_from)
        self.to_label = self._label("T&o:", self.date_to)
        self.period_label = QLabel()
        self.period_label.setAccessibleName("Period shown")
        bold = self.period_label.font()
        bold.setBold(True)
        bold.setPointSizeF(bold.pointSizeF() * 1.15)
        self.period_label.setFont(bold)
        self.period_detail = QLabel()
        self.period_detail.setStyleSheet(MUTED_STYLE)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(90)
        self.busy.setTextVisible(False)
        self.busy.setAccessibleName("Working out the figures")
        self.busy_label = QLabel(BUSY_TEXT)
        self.busy.hide()
        self.busy_label.hide()
        self.export_figures_button = QPushButton("Export f&igures\u2026")
        self.export_figures_button.setToolTip(
            "The figures per suite and in total as a spreadsheet (XLSX, or CSV)")
        self.export_visits_button = QPushButton("Export vi&sits\u2026")
        self.export_visits_button.setToolTip(
            "The period's submitted visits, one a row, without custody numbers")
        self.pdf_button = QPushButton("Period P&DF\u2026")
        self.pdf_button.setToolTip("The period's statistics with charts, for publication")

        # Tiles and alerts ----------------------------------------------------------------
        self.tiles = {key: Tile(key, title) for key, title in TILES}
        self.alerts = QLabel()
        self.alerts.setWordWrap(True)
        self.alerts.setAccessibleName("Alerts")
        self.alerts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # Figures table and coverage --------------------------------------------------------
        self.tabs = QTabWidget()
        self.figures_model = FiguresModel(self)
        self.table = FiguresTable()
        self.table.setModel(self.figures_model)
        self.table.setAccessibleName("Figures per suite and in total")
        self.table.setToolTip("Ctrl+C copies the whole table as tab-separated text")
        self._table_style(self.table)
        self.table.copy_requested.connect(self.copy_table)
        self.copy_button = QPushButton("Copy t&able")
        self.copy_button.setToolTip("The whole table as tab-separated text (Ctrl+C)")
        self.copy_button.clicked.connect(self.copy_table)
        self.target = NumberBox()
        self.target.setRange(1, 365)
        self.target.setValue(DEFAULT_TARGET_DAYS)
        self.target.setSuffix(" days")
        self.target.setAccessibleName("Target: a visit to each suite every so many days")
        self.coverage_model = CoverageModel(self)
        self.coverage = QTableView()
        self.coverage.setModel(self.coverage_model)
        self.coverage.setAccessibleName("How recently each suite was visited")
        self._table_style(self.coverage)
        self.coverage_note = QLabel()
        self.coverage_note.setWordWrap(True)

        # Charts ---------------------------------------------------------------------------
        empty = "No submitted visits in this period"
        self.visits_chart = BarChart("Visits per suite, in person and remote", empty)
        self.acceptance_chart = BarChart("Acceptance rate per suite", empty)
        self.heat_map = HeatMap("When visits began: day of the week and hour", WEEKDAYS)
        self.heat_caption = QLabel()
        self.heat_caption.setWordWrap(True)
        self.heat_caption.setAccessibleName("Heat map, current square")
        self.heat_map.cell_changed.connect(self.heat_caption.setText)
        self.warnings = QListWidget()
        self.warnings.setWordWrap(True)
        self.warnings.setAccessibleName("Predictability warnings")
        self.warnings.setSizeAdjustPolicy(QListWidget.SizeAdjustPolicy.AdjustToContents)

        self._build_layout()
        self._build_actions()

        self._recount_timer = QTimer(self)
        self._recount_timer.setSingleShot(True)
        self._recount_timer.setInterval(RECOUNT_DELAY_MS)
        self._recount_timer.timeout.connect(self.refresh)
        self._dates_timer = QTimer(self)
        self._dates_timer.setSingleShot(True)
        self._dates_timer.setInterval(DATES_DELAY_MS)
        self._dates_timer.timeout.connect(self._dates_chosen)

        self.kind.value_changed.connect(self._kind_chosen)
        self.previous_button.clicked.connect(self.go_previous)
        self.next_button.clicked.connect(self.go_next)
        self.date_from.dateChanged.connect(lambda _d: self._dates_timer.start())
        self.date_to.dateChanged.connect(lambda _d: self._dates_timer.start())
        self.target.valueChanged.connect(lambda _v: self._show_coverage())
        self.export_figures_button.clicked.connect(self.export_figures)
        self.export_visits_button.clicked.connect(self.export_visits)
        self.pdf_button.clicked.connect(self.export_pdf)
        self._show_period()
        self._set_actions_enabled()

    # Building ---------------------------------------------------------------------------
    @staticmethod
    def _label(caption: str, buddy: QWidget) -> QLabel:
        label = QLabel(caption)
        label.setBuddy(buddy)
        return label

    def _table_style(self, table: QTableView) -> None:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        vertical = table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 8)

    def _heading(self, caption: str, buddy: QWidget) -> QLabel:
        label = self._label(caption, buddy)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        return label

    def _build_layout(self) -> None:
        # Mnemonics: the menu bar holds F, E, V, N and Y; these differ from them and from
        # each other: P R X M O I S D, T C (tabs), A G U (figures tab), B W (charts tab).
        bar = QHBoxLayout()
        bar.addWidget(self._label("&Period:", self.kind))
        bar.addWidget(self.kind)
        bar.addSpacing(6)
        bar.addWidget(self.previous_button)
        bar.addWidget(self.next_button)
        bar.addSpacing(6)
        bar.addWidget(self.from_label)
        bar.addWidget(self.date_from)
        bar.addWidget(self.to_label)
        bar.addWidget(self.date_to)
        bar.addStretch(1)
        bar.addWidget(self.export_figures_button)
        bar.addWidget(self.export_visits_button)
        bar.addWidget(self.pdf_button)
        # The period's name on a line of its own: custom dates widen the bar above.
        names = QHBoxLayout()
        names.addWidget(self.period_label)
        names.addSpacing(8)
        names.addWidget(self.period_detail)
        names.addSpacing(12)
        names.addWidget(self.busy)
        names.addWidget(self.busy_label)
        names.addStretch(1)

        tiles = QHBoxLayout()
        tiles.setSpacing(6)
        for tile in self.tiles.values():
            tiles.addWidget(tile, 1)

        # Figures table | coverage
        figures = QWidget()
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        copy_row = QHBoxLayout()
        note = QLabel("Every figure per suite and in total, beside the previous period's "
                      "total. Ctrl+C copies the table.")
        note.setStyleSheet(MUTED_STYLE)
        copy_row.addWidget(note, 1)
        copy_row.addWidget(self.copy_button)
        left.addLayout(copy_row)
        left.addWidget(self.table, 1)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.addWidget(self._heading("How recently each s&uite was visited", self.coverage))
        target_row = QHBoxLayout()
        target_row.addWidget(self._label("Tar&get: a visit to each suite every", self.target))
        target_row.addWidget(self.target)
        target_row.addStretch(1)
        right.addLayout(target_row)
        right.addWidget(self.coverage, 1)
        right.addWidget(self.coverage_note)
        split = QHBoxLayout(figures)
        split.setContentsMargins(6, 6, 6, 6)
        split.addLayout(left, 1)
        split.addSpacing(8)
        split.addLayout(right)
        self.tabs.addTab(figures, "Figures &table")

        # Charts: bars | heat map and warnings
        charts = QWidget()
        grid = QGridLayout(charts)
        grid.setContentsMargins(6, 6, 6, 6)
        grid.setHorizontalSpacing(14)
        bars = QVBoxLayout()
        bars.addWidget(self._heading(self.visits_chart.title, self.visits_chart))
        bars.addWidget(self.visits_chart)
        bars.addSpacing(8)
        bars.addWidget(self._heading(self.acceptance_chart.title, self.acceptance_chart))
        bars.addWidget(self.acceptance_chart)
        bars.addStretch(1)
        spread = QVBoxLayout()
        spread.addWidget(self._heading(
            "When visits &began: day of the week and hour of arrival", self.heat_map))
        spread.addWidget(self.heat_map)
        spread.addWidget(self.heat_caption)
        spread.addSpacing(6)
        spread.addWidget(self._heading("Predictability &warnings", self.warnings))
        spread.addWidget(self.warnings, 1)
        grid.addLayout(bars, 0, 0)
        grid.addLayout(spread, 0, 1)
        grid.setColumnStretch(0, 4)
        grid.setColumnStretch(1, 6)
        self.tabs.addTab(charts, "&Charts")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addLayout(names)
        layout.addLayout(tiles)
        layout.addWidget(self.alerts)
        for label in (self.period_label, self.period_detail, self.alerts):
            # Lines of text keep their height; the tabs below take what is left.
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.tabs, 1)

        # Tab follows what is seen: the period bar, the exports, then the tabs' contents.
        order = [self.kind, self.previous_button, self.next_button, self.date_from,
                 self.date_to, self.export_figures_button, self.export_visits_button,
                 self.pdf_button, self.tabs, self.copy_button, self.table, self.target,
                 self.coverage, self.visits_chart, self.acceptance_chart, self.heat_map,
                 self.warnings]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

    def _build_actions(self) -> None:
        for text, keys, slot in (
            ("Previous period", QKeySequence(Qt.Key.Key_PageUp), self.go_previous),
            ("Next period", QKeySequence(Qt.Key.Key_PageDown), self.go_next),
        ):
            action = QAction(text, self)
            action.setShortcut(keys)
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    def focusInEvent(self, event: QFocusEvent) -> None:
        """The window focuses the page when it shows it: the keyboard goes on to what a
        coordinator comes for, the figures. (Not a focus proxy: Tab would then enter the
        page again from its last field and go round its tab only.)"""
        super().focusInEvent(event)
        self.table.setFocus(event.reason())

    # The period -------------------------------------------------------------------------
    def set_period(self, period: Period) -> None:
        """Show ``period`` (and count its figures)."""
        self.period = period
        self._show_period()
        self.refresh()

    def _show_period(self) -> None:
        period = self.period
        kind = ("financial" if period.kind == "year" and period.start.month != 1
                else period.kind)
        was = self.kind.blockSignals(True)
        self.kind.set_value(kind)
        self.kind.blockSignals(was)
        custom = period.kind == "custom"
        for widget in (self.from_label, self.date_from, self.to_label, self.date_to):
            widget.setVisible(custom)
        for edit, day in ((self.date_from, period.start), (self.date_to, period.end)):
            was = edit.blockSignals(True)
            edit.setDate(QDate(day.year, day.month, day.day))
            edit.blockSignals(was)
            edit.setAccessibleDescription("")
        self.period_label.setText(period_name(period))
        self.period_detail.setText(period_detail(period))
        self.next_button.setEnabled(next_period(period).start <= self.context.today())

    def _kind_chosen(self, kind: str) -> None:
        # The new period holds the day the old one was "at": its last day, or today.
        anchor = min(self.period.end, self.context.today())
        if kind == "quarter":
            period = Period.quarter_of(anchor)
        elif kind == "year":
            period = Period.year_of(anchor)
        elif kind == "financial":
            period = Period.year_of(anchor, 4)
        else:
            period = Period.between(self.period.start, self.period.end)
        self.set_period(period)

    def _dates_chosen(self) -> None:
        start, end = self.date_from.value(), self.date_to.value()
        if end < start:
            text = (f"The period's start ({day_text(start)}) is after its end "
                    f"({day_text(end)}): change one of the dates.")
            self._alert(text)
            for edit in (self.date_from, self.date_to):
                edit.setAccessibleDescription(text)
            self.status_message.emit(text)
            return
        if (start, end) != (self.period.start, self.period.end):
            self.set_period(Period.between(start, end))

    def go_previous(self) -> None:
        self.set_period(self.period.previous())

    def go_next(self) -> None:
        following = next_period(self.period)
        if following.start > self.context.today():
            self.status_message.emit(
                f"{period_name(following)} has not begun yet: there is nothing to count.")
            return
        self.set_period(following)

    # Counting ---------------------------------------------------------------------------
    def shown(self) -> None:
        if self._stale:
            self.refresh()

    def store_changed(self, change: StoreChange) -> None:
        if not (RELEVANT_KINDS & change.kinds):
            return
        self._stale = True
        if self.isVisible():
            self._recount_timer.start()  # a burst of changes makes one recount

    def refresh(self) -> None:
        """Count the period's figures on a worker thread; the newest request wins."""
        self._recount_timer.stop()
        self._stale = False
        self._generation += 1
        generation = self._generation
        period = self.period
        reference = self.context.reference()
        future = run_in_background(
            self.service.period_statistics, period, reference,
            today=self.context.today(), target_days=self.target.value(),
            progress=self.counting.emit)  # from the worker: queued to this thread
        self._set_busy(+1)

        def done(result: PeriodStatistics) -> None:
            self._set_busy(-1)
            if generation == self._generation:
                self._show(result, reference)
                self._run_pending()

        def failed(exc: BaseException) -> None:
            self._set_busy(-1)
            if generation == self._generation:
                self._pending = None
                self._error("The figures could not be worked out", str(exc))

        when_done(future, self, done, failed)

    @property
    def is_busy(self) -> bool:
        return self._busy > 0

    @property
    def is_current(self) -> bool:
        """The figures on screen are the period's as the store holds them: counted, no
        count under way and none waiting for a burst of changes to end."""
        return (self.result is not None and not self.is_busy
                and not self._recount_timer.isActive())

    def _set_busy(self, step: int) -> None:
        self._busy += step
        self.busy.setVisible(self.is_busy)
        self.busy_label.setVisible(self.is_busy)
        if not self.is_busy:
            self.busy.setRange(0, 0)
            self.busy_label.setText(BUSY_TEXT)
        self._set_actions_enabled()

    def _counting(self, done: int, total: int) -> None:
        """Reports not counted before (the first time, or after many changes) are being
        counted: say how far it has got."""
        if not self.is_busy or total <= 0:
            return
        self.busy.setRange(0, total)
        self.busy.setValue(done)
        self.busy_label.setText(
            f"Counting reports not counted before: {done:,} of {total:,}\u2026")

    def _when_counted(self, action: Callable[[], None]) -> bool:
        """True to go on now; False when ``action`` must wait for the count under way
        (it then runs as soon as the figures are on screen)."""
        if not self.is_busy:
            return True
        self._pending = action
        self.status_message.emit("Working out the figures first…")
        return False

    def _run_pending(self) -> None:
        action, self._pending = self._pending, None
        if action is not None:
            action()

    def _set_actions_enabled(self) -> None:
        ready = self.result is not None
        for button in (self.export_figures_button, self.export_visits_button, self.pdf_button,
                       self.copy_button):
            button.setEnabled(ready)

    # Showing ----------------------------------------------------------------------------
    def _show(self, result: PeriodStatistics, reference: ReferenceData) -> None:
        self.result = result
        self._reference = reference
        stats = result.stats
        current, previous = stats.current.total, stats.previous.total
        period = stats.current.period
        for key, tile in self.tiles.items():
            tile.show_figures(current.value(key), previous.value(key), period)
        self.figures_model.set_stats(stats, reference)
        # Every column as wide as its longest text; with many suites the table scrolls.
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.resizeColumnsToContents()  # now, not at the next layout: no flicker
        if self.table.currentIndex().row() < 0 and self.figures_model.rowCount():
            self.table.setCurrentIndex(self.figures_model.index(0, 0))
        self._show_charts(stats, reference)
        self._show_coverage()
        self._set_actions_enabled()
        self.populated.emit()

    def _show_charts(self, stats: SchemeStatistics, reference: ReferenceData) -> None:
        current = stats.current
        names = [reference.suite_name(s) for s in current.by_suite]
        figures = list(current.by_suite.values())
        self.visits_chart.set_data(names, [
            BarSeries("In person", [f.in_person for f in figures], SERIES_COLOURS[0]),
            BarSeries("Remote", [f.remote for f in figures], SERIES_COLOURS[1]),
        ], empty=current.total.visits == 0)
        rates = [f.acceptance_rate for f in figures] + [current.total.acceptance_rate]
        self.acceptance_chart.set_data(
            [*names, "All suites"],
            [BarSeries("Acceptance rate", [None if r is None else r * 100 for r in rates])],
            value_text=lambda v: NOT_AVAILABLE if v is None else f"{v:.1f}%",
            value_max=100,
            bar_colours=[None] * len(names) + [SERIES_COLOURS[2]],
            empty=current.total.offered == 0,
            empty_text=("No submitted visits in this period" if current.total.visits == 0
                        else "Nobody was offered a visit in this period"),
        )
        self.heat_map.set_matrix(stats.spread.total)
        caption = self.heat_map.summary()
        if stats.spread.without_time:
            n = stats.spread.without_time
            caption += (f" {plural(n, 'visit', 'visits')} without an arrival time "
                        f"{'is' if n == 1 else 'are'} not in the map.")
        self.heat_caption.setText(caption)
        self.warnings.clear()
        for text in stats.warnings or (
                "None found: no day of the week or time of day stands out, across the "
                "scheme or at any suite.",):
            item = QListWidgetItem(text)
            self.warnings.addItem(item)
        if stats.warnings:
            self.warnings.setAccessibleDescription(
                plural(len(stats.warnings), "warning", "warnings"))
        else:
            self.warnings.setAccessibleDescription("No warnings")

    def coverage_now(self) -> tuple[Any, ...]:
        """Coverage at the target in the spin box (changing it needs no recount)."""
        if self.result is None:
            return ()
        target = self.target.value()
        return tuple(dataclasses.replace(c, target_days=target)
                     for c in self.result.stats.coverage)

    def stats_now(self) -> SchemeStatistics:
        """The statistics on screen, coverage at the target in the spin box: what the
        exports write."""
        assert self.result is not None
        return dataclasses.replace(self.result.stats, coverage=self.coverage_now())

    def _show_coverage(self) -> None:
        if self.result is None:
            return
        reference = self._reference
        since = self.result.stats.previous.period.start
        rows = []
        cover = self.coverage_now()
        for c in cover:
            last = (day_text(c.last_visited) if c.last_visited is not None
                    else f"None since {day_text(since)}")
            days = NOT_AVAILABLE if c.days_since is None else f"{c.days_since:,}"
            rows.append((reference.suite_name(c.suite_id), last, days, str(c.target_days),
                         c.overdue))
        self.coverage_model.set_rows(rows)
        self.coverage.resizeColumnsToContents()
        self.coverage.horizontalHeader().setStretchLastSection(True)
        # As wide as its columns: the figures table beside it takes the rest.
        columns = sum(self.coverage.columnWidth(c) for c in range(len(COVERAGE_COLUMNS)))
        self.coverage.setMinimumWidth(columns + 2 * self.coverage.frameWidth()
                                      + self.coverage.verticalScrollBar().sizeHint().width())
        overdue = [reference.suite_name(c.suite_id) for c in cover if c.overdue]
        as_of = day_text(self.result.as_of)
        if not cover:
            self.coverage_note.setText("No open suites to report on.")
        elif overdue:
            self.coverage_note.setText(
                f"As at {as_of}: {len(overdue)} of {plural(len(cover), 'suite', 'suites')} "
                f"overdue, not visited in person within {self.target.value()} days.")
        else:
            self.coverage_note.setText(
                f"As at {as_of}: every suite visited in person within "
                f"{self.target.value()} days.")
        self._show_alerts(overdue)

    def _show_alerts(self, overdue: list[str]) -> None:
        assert self.result is not None
        parts = []
        if overdue:
            parts.append(f"Overdue for a visit in person (target every "
                         f"{self.target.value()} days): {', '.join(overdue)}.")
        warnings = self.result.stats.warnings
        if warnings:
            parts.append(f"Visits are becoming predictable: "
                         f"{plural(len(warnings), 'warning', 'warnings')} on the Charts tab.")
        if parts:
            self._alert(" ".join(parts))
        else:
            self.alerts.setStyleSheet(MUTED_STYLE)
            self.alerts.setText("Every suite within its target; no predictability warnings.")

    def _alert(self, text: str) -> None:
        self.alerts.setStyleSheet(WARN_STYLE)
        self.alerts.setText(text)

    # Copying ----------------------------------------------------------------------------
    def copy_table(self) -> None:
        if self.result is None or not self._when_counted(self.copy_table):
            return
        QGuiApplication.clipboard().setText(self.figures_model.as_tsv())
        rows = self.figures_model.rowCount()
        self.status_message.emit(
            f"Copied the figures for {period_name(self.result.period)} ({rows} rows) as "
            "tab-separated text.")

    # Exports ----------------------------------------------------------------------------
    def _folder(self) -> Path:
        folder = self.export_dir or getattr(self.window(), "export_dir", None)
        return folder if isinstance(folder, Path) else Path.home()

    def _choose(self, caption: str, name: str, filters: str) -> tuple[Path, str] | None:
        path, chosen = QFileDialog.getSaveFileName(
            self, caption, str(self._folder() / name), filters)
        return (Path(path), chosen) if path else None

    def _spreadsheet_target(self, caption: str, stem: str) -> Path | None:
        """A .xlsx or .csv file the user names (the extension added from the type
        chosen when none is typed), or None after saying what is wrong with it."""
        from icv_app.reports.custody.export import UnsupportedFormat, output_format

        chosen = self._choose(caption, f"{stem}.xlsx",
                              "Excel workbook (*.xlsx);;CSV file (*.csv)")
        if chosen is None:
            return None
        path, type_ = chosen
        if not path.suffix:
            path = path.with_suffix(".csv" if "csv" in type_.lower() else ".xlsx")
        try:
            output_format(path)
        except UnsupportedFormat as exc:
            self._error("Nothing was exported", str(exc))
            return None
        return path

    def export_figures(self) -> None:
        if self.result is None or not self._when_counted(self.export_figures):
            return
        period = self.result.period
        path = self._spreadsheet_target("Export the figures", f"icv-figures-{file_slug(period)}")
        if path is None:
            return
        stats, reference = self.stats_now(), self._reference

        def write() -> str:
            from icv_app.reports.custody.export import write_figures

            write_figures(path, stats, reference)
            return f"Figures for {period_name(period)} saved to {path}"

        self._write_in_background(path, write, "The figures were not exported")

    def export_visits(self) -> None:
        if self.result is None or not self._when_counted(self.export_visits):
            return
        period = self.result.period
        path = self._spreadsheet_target("Export the visits", f"icv-visits-{file_slug(period)}")
        if path is None:
            return
        reference, service = self._reference, self.service

        def write() -> str:
            from icv_app.reports.custody.export import write_visits

            count = write_visits(path, service.submitted_visits(period), period, reference)
            return f"{plural(count, 'visit', 'visits')} of {period_name(period)} saved to {path}"

        self._write_in_background(path, write, "The visits were not exported")

    def export_pdf(self) -> None:
        if self.result is None or not self._when_counted(self.export_pdf):
            return
        period = self.result.period
        chosen = self._choose("Save the period's statistics as PDF",
                              f"icv-statistics-{file_slug(period)}.pdf",
                              "PDF documents (*.pdf)")
        if chosen is None:
            return
        path = chosen[0]
        if path.suffix.lower() != ".pdf":
            path = path.with_name(path.name + ".pdf")
        stats, reference = self.stats_now(), self._reference

        def write() -> str:
            from icv_app.reports.custody.period_pdf import write_period_pdf

            write_period_pdf(stats, reference, path)
            return f"Statistics PDF for {period_name(period)} saved to {path}"

        self._write_in_background(path, write, "The PDF was not written")

    def _write_in_background(self, path: Path, write: Callable[[], str], failure: str) -> None:
        self.status_message.emit(f"Writing {path.name}\u2026")

        def done(message: str) -> None:
            self.status_message.emit(message)
            self.exported.emit(str(path))

        def failed(exc: BaseException) -> None:
            if isinstance(exc, OSError):
                text = f"Cannot write {path}: {exc.strerror or exc}"
            else:
                text = str(exc) or type(exc).__name__
            self._error(failure, text)

        when_done(run_in_background(write), self, done, failed)

    def _error(self, title: str, text: str) -> None:
        """Say plainly what went wrong, in a window-modal box and the status bar."""
        self.status_message.emit(f"{title}: {text}")
        box = QMessageBox(QMessageBox.Icon.Critical, title, title,
                          QMessageBox.StandardButton.Ok, self)
        box.setInformativeText(text)
        box.finished.connect(box.deleteLater)
        self.dialog = box
        box.open()
