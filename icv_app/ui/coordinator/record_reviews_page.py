"""The coordinator's custody record reviews (Coordination › Custody record reviews,
Ctrl+4): the reviews on this laptop, by suite and period, and an editor for one review:
its custody record number (never a name: text that fails the checks is held in the field
and never saved), suite, dates, the groups the detainee falls in, what was checked, the
findings and concerns, and whether the concern was escalated and to whom.

The checks of :func:`icv_app.domain.custody.record_review.validate` are shown beside their
fields as the review is edited: errors keep it from being saved, warnings do not. Save is
Ctrl+S, New is Ctrl+N (on this page it makes a review, not a visit); leaving a review with
unsaved changes asks first (Save, Discard, Cancel). Saving a review whose concern is
escalated makes its follow-up item, tracked on the Follow-ups page (Ctrl+2).
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
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.record_review import (
    RECORD_CHECKS,
    RECORD_GROUPS,
    Answer,
    RecordCheck,
    RecordGroup,
    RecordReview,
    validate,
)
from icv_app.domain.custody.validation import Problem, Severity
from icv_app.services.custody.record_reviews import (
    RECORD_REVIEW_KINDS,
    OpenReview,
    RecordReviewService,
    ReviewFilter,
    SavedReview,
)
from icv_app.store.changes import StoreChange
from icv_app.ui.coordinator.editing import DayEdit, Unsaved, ask_unsaved, focus_field
from icv_app.ui.coordinator.page import CoordinatorContext, CoordinatorPage
from icv_app.ui.shared.field_cell import ERROR_COLOUR, WARNING_COLOUR, FieldCell
from icv_app.ui.shared.input_widgets import ChoiceCombo, CustodyNumberEdit
from icv_app.ui.shared.tasks import when_done

COLUMNS = ("Custody number", "Suite", "Date in", "Date out", "Reviewed on", "Groups",
           "Escalated")
ID_ROLE = Qt.ItemDataRole.UserRole + 1
RELOAD_DELAY_MS = 200
ANSWERS: tuple[tuple[str, Answer | None], ...] = (
    ("Not answered", None),
    ("Yes", Answer.YES),
    ("No", Answer.NO),
    ("Not applicable", Answer.NOT_APPLICABLE),
)
SHORT_GROUPS = {
    RecordGroup.CHILD: "Child",
    RecordGroup.MENTAL_HEALTH: "Mental health",
    RecordGroup.APPROPRIATE_ADULT: "Appropriate adult",
    RecordGroup.FOREIGN_NATIONAL: "Foreign national",
    RecordGroup.OTHER: "Other",
}

_Index = QModelIndex | QPersistentModelIndex


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def show_date(day: dt.date | None) -> str:
    return day.strftime("%d %b %Y") if day else ""


def _quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    after = dt.date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return start, after - dt.timedelta(days=1)


def period_choices(today: dt.date) -> list[tuple[str, tuple[dt.date, dt.date] | None]]:
    """All dates, this and last quarter, this and last year (by the day reviewed)."""
    this_q = _quarter(today)
    last_q = _quarter(this_q[0] - dt.timedelta(days=1))

    def months(q: tuple[dt.date, dt.date]) -> str:
        return f"{q[0]:%b}–{q[1]:%b %Y}"

    return [
        ("All dates", None),
        (f"This quarter ({months(this_q)})", this_q),
        (f"Last quarter ({months(last_q)})", last_q),
        (f"This year ({today.year})", (dt.date(today.year, 1, 1), dt.date(today.year, 12, 31))),
        (f"Last year ({today.year - 1})",
         (dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31))),
    ]


class RecordReviewsModel(QAbstractTableModel):
    def __init__(self, suite_name: Callable[[str], str], parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[RecordReview] = []
        self.suite_name = suite_name

    def set_rows(self, rows: list[RecordReview]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        review = self.rows[index.row()]
        column = index.column()
        if role == ID_ROLE:
            return review.id
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if column == 0:
            return review.custody_number or "(none)"
        if column == 1:
            return self.suite_name(review.suite_id) or "No suite"
        if column in (2, 3, 4):
            return show_date((review.date_in, review.date_out, review.reviewed_on)[column - 2])
        if column == 5:
            return ", ".join(SHORT_GROUPS[g] for g in review.groups)
        return f"Yes: {review.escalated_to}" if review.escalate else ""

    def row_of(self, review_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == review_id), -1)


class BoxCell(QWidget):
    """A box of inputs with the messages about the whole of it underneath, unframed."""

    def __init__(self, widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = widget
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(widget)
        layout.addWidget(self.message)

    def set_problems(self, problems: list[Problem]) -> None:
        self.message.setText("\n".join(p.message for p in problems))
        error = any(p.severity is Severity.ERROR for p in problems)
        self.message.setStyleSheet(f"color: {ERROR_COLOUR if error else WARNING_COLOUR};")
        self.message.setVisible(bool(problems))

    def message_text(self) -> str:
        return self.message.text() if not self.message.isHidden() else ""


class RecordReviewEditor(QWidget):
    """One review's fields, each with its problems beside it.

    Problems are shown for the fields the person has been to (and for all of them once a
    save was asked for, or for a review already saved), so a new review does not open
    covered in red.

    Signals:
        edited(): a field changed.
    """

    edited = Signal()

    def __init__(self, pattern: str, today: Callable[[], dt.date],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.review: RecordReview | None = None
        self.show_all = False
        self.touched: set[str] = set()
        self.problems: list[Problem] = []
        self.heading = QLabel()
        self.heading.setAccessibleName("Record review")
        font = self.heading.font()
        font.setBold(True)
        self.heading.setFont(font)

        self.custody = CustodyNumberEdit(pattern)
        self.custody.setMaximumWidth(260)
        self.custody.setMinimumWidth(
            self.custody.fontMetrics().horizontalAdvance(self.custody.placeholderText()) + 24)
        self.suite = ChoiceCombo()
        self.suite.setMaximumWidth(320)
        self.date_in = DayEdit(today)
        self.date_out = DayEdit(today)
        self.reviewed_on = DayEdit(today)
        self.groups: dict[RecordGroup, QCheckBox] = {g: QCheckBox(g.label) for g in RECORD_GROUPS}
        groups_box = QWidget()
        grid = QGridLayout(groups_box)
        grid.setContentsMargins(0, 0, 0, 0)
        for i, box in enumerate(self.groups.values()):
            grid.addWidget(box, i // 2, i % 2)
        self.checks: dict[RecordCheck, ChoiceCombo] = {}
        checks_box = QWidget()
        checks_form = QFormLayout(checks_box)
        checks_form.setContentsMargins(0, 0, 0, 0)
        self.cells: dict[str, FieldCell | BoxCell] = {}
        for check in RECORD_CHECKS:
            combo = ChoiceCombo(ANSWERS)
            combo.setAccessibleName(check.label)
            combo.setMaximumWidth(170)
            self.checks[check] = combo
            cell = FieldCell(combo)
            self.cells[f"checks.{check.value}"] = cell
            checks_form.addRow(QLabel(check.label), cell)
        self.findings = QPlainTextEdit()
        self.concerns = QPlainTextEdit()
        for text in (self.findings, self.concerns):
            text.setTabChangesFocus(True)
            text.setFixedHeight(70)
        self.findings.setPlaceholderText("What the record showed")
        self.concerns.setPlaceholderText("Anything of concern (never a name)")
        self.escalate = QCheckBox("Esc&alate the concern")
        self.escalated_to = QLineEdit()
        self.escalated_to.setPlaceholderText("e.g. Insp 5521, custody inspector")
        self.follow_up_note = QLabel()
        self.follow_up_note.setWordWrap(True)
        self.follow_up_note.hide()

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # Mnemonics: the menu bar holds F, E, V, N and Y; the list's filters U, P and W.
        for caption, name, widget, focus in (
            ("Custody record nu&mber:", "custody_number", self.custody, self.custody),
            ("Sui&te:", "suite_id", self.suite, self.suite),
            ("Date &in:", "date_in", self.date_in, self.date_in),
            ("&Date out:", "date_out", self.date_out, self.date_out),
            ("&Reviewed on:", "reviewed_on", self.reviewed_on, self.reviewed_on),
            ("&Groups:", "groups", groups_box, self.groups[RECORD_GROUPS[0]]),
            ("W&hat was checked:", "checks", checks_box, self.checks[RECORD_CHECKS[0]]),
            ("Finding&s:", "findings", self.findings, self.findings),
            ("Con&cerns:", "concerns", self.concerns, self.concerns),
            ("", "escalate", self.escalate, self.escalate),
            ("Escalated t&o:", "escalated_to", self.escalated_to, self.escalated_to),
        ):
            # The checks' box holds a cell per check: its own messages go under it, unframed
            # (a frame around it would frame every check's cell too).
            cell = BoxCell(widget) if widget is checks_box else FieldCell(widget)
            self.cells[name] = cell
            if widget is not groups_box and widget is not checks_box:
                widget.setAccessibleName(caption.replace("&", "").rstrip(":")
                                         or "Escalate the concern")
            label = QLabel(caption)
            label.setBuddy(focus)
            form.addRow(label, cell)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setAccessibleName("Save state")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.heading)
        layout.addLayout(form)
        layout.addWidget(self.follow_up_note)
        layout.addWidget(self.state)
        layout.addStretch(1)

        self.inputs: list[QWidget] = [
            self.custody, self.suite, self.date_in, self.date_out, self.reviewed_on,
            *self.groups.values(), *self.checks.values(), self.findings, self.concerns,
            self.escalate, self.escalated_to]
        self._connect()
        self.setEnabled(False)

    def _connect(self) -> None:
        def touch(name: str) -> Callable[..., None]:
            def changed(*_args: Any) -> None:
                self.touched.add(name)
                self.edited.emit()
            return changed

        self.custody.textChanged.connect(self._custody_typed)
        self.custody.finished.connect(touch("custody_number"))
        self.suite.value_changed.connect(touch("suite_id"))
        for name in ("date_in", "date_out", "reviewed_on"):
            getattr(self, name).value_changed.connect(touch(name))
        for box in self.groups.values():
            box.toggled.connect(touch("groups"))
        for check, combo in self.checks.items():
            combo.value_changed.connect(touch(f"checks.{check.value}"))
        self.findings.textChanged.connect(touch("findings"))
        self.concerns.textChanged.connect(touch("concerns"))
        self.escalate.toggled.connect(touch("escalate"))
        self.escalated_to.textChanged.connect(touch("escalated_to"))

    def _custody_typed(self, _text: str) -> None:
        if self.custody.urgent():  # a name: say so now, not once they leave the field
            self.touched.add("custody_number")
        self.edited.emit()

    # Loading and reading -------------------------------------------------------------
    def set_suites(self, choices: list[tuple[str, str]]) -> None:
        was = self.suite.blockSignals(True)
        self.suite.set_choices([("Choose a suite", ""), *choices])
        self.suite.blockSignals(was)

    def load(self, review: RecordReview | None, show_all: bool) -> None:
        self.review = review
        self.show_all = show_all
        self.touched = set()
        shown = review or RecordReview()
        signals = [w.blockSignals(True) for w in self.inputs]
        try:
            self.custody.setText(shown.custody_number)
            self.suite.set_value(shown.suite_id)
            self.date_in.set_value(shown.date_in)
            self.date_out.set_value(shown.date_out)
            self.reviewed_on.set_value(shown.reviewed_on)
            for group, box in self.groups.items():
                box.setChecked(shown.has_group(group))
            for check, combo in self.checks.items():
                combo.set_value(shown.checks.get(check))
            self.findings.setPlainText(shown.findings)
            self.concerns.setPlainText(shown.concerns)
            self.escalate.setChecked(shown.escalate)
            self.escalated_to.setText(shown.escalated_to)
        finally:
            for widget, was in zip(self.inputs, signals, strict=True):
                widget.blockSignals(was)
        self.setEnabled(review is not None)

    def edited_review(self) -> RecordReview | None:
        if self.review is None:
            return None
        return dataclasses.replace(
            self.review,
            custody_number=self.custody.value(),
            suite_id=self.suite.value() or "",
            date_in=self.date_in.value(),
            date_out=self.date_out.value(),
            reviewed_on=self.reviewed_on.value(),
            groups=[g for g, box in self.groups.items() if box.isChecked()],
            checks={c: combo.value() for c, combo in self.checks.items()
                    if combo.value() is not None},
            findings=self.findings.toPlainText().strip(),
            concerns=self.concerns.toPlainText().strip(),
            escalate=self.escalate.isChecked(),
            escalated_to=self.escalated_to.text().strip(),
        )

    def held_number(self) -> str:
        """Why the typed custody number cannot be stored ("" if it can, or is empty)."""
        return self.custody.held_message() if self.custody.text().strip() else ""

    def is_dirty(self) -> bool:
        edited = self.edited_review()
        if edited is None or self.review is None:
            return False
        return edited != _comparable(self.review) or bool(self.held_number())

    # Problems --------------------------------------------------------------------------
    def check(self, pattern: str, today: dt.date) -> list[Problem]:
        """Every problem of the review as edited, the held custody number among them; the
        ones for the fields visited are shown beside them."""
        edited = self.edited_review()
        if edited is None:
            self.problems = []
        else:
            problems = validate(edited, custody_number_pattern=pattern, today=today)
            held = self.held_number()
            if held:
                problems = [p for p in problems if p.field != "custody_number"]
                problems.insert(0, Problem("custody_number", held))
            self.problems = problems
        for name, cell in self.cells.items():
            cell.set_problems([p for p in self.problems if p.field == name and self._shows(p)])
        return self.problems

    def _shows(self, problem: Problem) -> bool:
        return self.show_all or any(f in self.touched for f in problem.fields)

    def first_widget(self, problems: list[Problem]) -> QWidget | None:
        for problem in problems:
            cell = self.cells.get(problem.field)
            if cell is not None:
                widget = cell.widget
                if widget is self.cells["groups"].widget:
                    return self.groups[RECORD_GROUPS[0]]
                if widget is self.cells["checks"].widget:
                    return self.checks[RECORD_CHECKS[0]]
                return widget
        return None


def _comparable(review: RecordReview) -> RecordReview:
    """The review as the editor would give it back unchanged (no unanswered checks)."""
    return dataclasses.replace(
        review, checks={c: a for c, a in review.checks.items() if a is not None})


class RecordReviewsPage(CoordinatorPage):
    """Signals (besides the page's):
        populated(): the list reflects the store and the filters.
        saved(str): a review was saved (its id).
    """

    title = "Custody record reviews"
    populated = Signal()
    saved = Signal(str)

    def __init__(self, context: CoordinatorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.service = RecordReviewService(context.visits.store)
        self.opened: OpenReview | None = None
        self._selecting = False
        self._asking = False
        self._saving = False
        self._changed_under_edit = False  # a sync changed the review while it was edited
        reference = context.reference()
        self.pattern = reference.custody_number_pattern

        self.suite_filter = ChoiceCombo(self._suite_choices())
        self.suite_filter.setAccessibleName("Filter by suite")
        self.period = ChoiceCombo(period_choices(context.today()))
        self.period.setAccessibleName("Filter by the day reviewed")
        self.new_button = QPushButton("New review (Ctrl+N)")
        self.new_button.setAccessibleName("New record review")
        self.new_button.clicked.connect(self.new_review)
        filters = QHBoxLayout()
        for caption, widget in (("S&uite:", self.suite_filter), ("&Period:", self.period)):
            filters.addWidget(self._label(caption, widget))
            filters.addWidget(widget)
        filters.addSpacing(12)
        filters.addWidget(self.new_button)
        filters.addStretch(1)

        self.model = RecordReviewsModel(lambda sid: self.context.reference().suite_name(sid),
                                        self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Custody record reviews")
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
        for column, width in enumerate((115, 105, 88, 88, 92, 170, 90)):
            self.table.setColumnWidth(column, width)
        header.setStretchLastSection(True)  # any width left over
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        # Enter on a review: edit it.
        self.table.activated.connect(lambda _i: self.editor.custody.setFocus())
        self.setFocusProxy(self.table)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Reviews shown")
        self.empty_label = QLabel()
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()

        self.editor = RecordReviewEditor(self.pattern, context.today)
        self.editor.set_suites(self._open_suites(""))
        self.editor.edited.connect(self._edited)
        self.save_button = QPushButton("Save (Ctrl+S)")
        self.save_button.setAccessibleName("Save record review")
        self.save_button.clicked.connect(lambda: self.save())
        editor_area = QScrollArea()
        editor_area.setWidgetResizable(True)
        editor_area.setWidget(self.editor)
        editor_area.setFrameShape(QScrollArea.Shape.NoFrame)
        editor_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no Tab stop of its own
        self.editor_area = editor_area

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self._label("Revie&ws:", self.table))
        left_layout.addWidget(self.empty_label)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.count_label)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addWidget(editor_area, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        right_layout.addLayout(buttons)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([700, 650])  # the list whole at 1366 wide, the editor beside it
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)

        order = [self.suite_filter, self.period, self.new_button, self.table,
                 *self.editor.inputs, self.save_button]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

        self.save_action = QAction("Save record review", self)
        self.save_action.setShortcut(QKeySequence.StandardKey.Save)
        self.save_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.save_action.triggered.connect(lambda _checked=False: self.save())
        self.addAction(self.save_action)

        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.reload)
        self.suite_filter.value_changed.connect(lambda _v: self.reload())
        self.period.value_changed.connect(lambda _v: self.reload())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)
        self._update_state()

    @staticmethod
    def _label(caption: str, buddy: QWidget) -> QLabel:
        label = QLabel(caption)
        label.setBuddy(buddy)
        return label

    def _suite_choices(self) -> list[tuple[str, Any]]:
        return [("All suites", None)] + [(s.name, s.id) for s in self.context.reference().suites]

    def _open_suites(self, keep: str) -> list[tuple[str, str]]:
        return [(s.name, s.id) for s in self.context.reference().open_suites(keep)]

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        # A mnemonic may jump to a field scrolled out of sight: bring it into view, once
        # the messages just shown or hidden have moved the fields to where they now are.
        if new is not None and self.editor.isAncestorOf(new):
            QTimer.singleShot(0, lambda: self._show_field(new))

    def _show_field(self, widget: QWidget) -> None:
        if widget.hasFocus():
            self.editor_area.ensureWidgetVisible(widget, 10, 30)

    # Ctrl+N: a new review here, not a new visit ------------------------------------------
    def event(self, event: QEvent) -> bool:
        # The window's New visit action has Ctrl+N too; claiming the key while the focus is
        # on this page makes it this page's (the key press itself then goes nowhere).
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.matches(QKeySequence.StandardKey.New)):
            event.accept()
            QTimer.singleShot(0, self.new_review)
            return True
        return super().event(event)

    # Following the store ---------------------------------------------------------------
    def shown(self) -> None:
        self.suite_filter.set_choices(self._suite_choices())
        self.period.set_choices(period_choices(self.context.today()))  # a new quarter?
        keep = self.editor.suite.value() or ""
        self.editor.set_suites(self._open_suites(keep))
        self.reload()

    def store_changed(self, change: StoreChange) -> None:
        if change.kinds & RECORD_REVIEW_KINDS and self.isVisible():
            self._reload_timer.start()
        if self.opened is not None and change.touches("record_review", self.opened.review.id):
            self._changed_elsewhere()

    def _changed_elsewhere(self) -> None:
        """The review being edited changed in the store: show it again, unless it has
        unsaved changes (they stay; Save puts them onto the newer copy)."""
        if self.opened is None or self.opened.raw is None or self._saving:
            return
        try:
            fresh = self.service.open(self.opened.review.id)
        except KeyError:
            return
        if fresh.raw == self.opened.raw:
            return  # our own save, announced
        if self.editor.is_dirty():
            self._changed_under_edit = True
            self._update_state()
            return
        self._load(fresh, show_all=True)

    def reload(self) -> None:
        """The list again, keeping the review being edited selected."""
        self._reload_timer.stop()
        period = self.period.value()
        where = ReviewFilter(self.suite_filter.value(), *(period or (None, None)))
        rows = self.service.list(where)
        editing = self.opened.review.id if self.opened else None
        with self._by_code():
            self.model.set_rows(rows)
            row = self.model.row_of(editing) if editing else -1
            if row < 0 and rows and self.opened is None:
                row = 0
            if row >= 0:
                self._select_row(row)
        if self.opened is None and row >= 0:
            self._load(self.service.open(rows[row].id), show_all=True)
        self._show_count(where)
        self.populated.emit()

    def _show_count(self, where: ReviewFilter) -> None:
        shown = self.model.rowCount()
        self.count_label.setText(plural(shown, "record review"))
        if shown == 0:
            filtered = where != ReviewFilter()
            self.empty_label.setText(
                "No record review matches these filters." if filtered else
                "No custody record reviews yet. Press Ctrl+N to record one.")
        self.empty_label.setVisible(shown == 0)

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

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if self._selecting or not current.isValid():
            return
        review_id = self.model.rows[current.row()].id
        if self.opened is not None and self.opened.review.id == review_id:
            return
        if not self.editor.is_dirty():
            self._open(review_id)
            return
        with self._by_code():  # stay on the review edited until the person answers
            back = self.model.row_of(self.opened.review.id) if self.opened else -1
            if back >= 0:
                self._select_row(back)
            else:
                self.table.selectionModel().clearSelection()
        self._leave_then(lambda: self._open(review_id, select=True))

    def _leave_then(self, go: Callable[[], None]) -> None:
        """Run ``go`` now, or once the unsaved changes are saved or discarded."""
        if not self.editor.is_dirty():
            go()
            return
        if self._asking:
            return
        self._asking = True

        def answered(choice: Unsaved) -> None:
            self._asking = False
            if choice is Unsaved.SAVE:
                self.save(then=go)
            elif choice is Unsaved.DISCARD:
                go()
            else:
                (self.editor.first_widget(self.editor.problems) or self.editor.custody
                 ).setFocus()

        ask_unsaved(self, self._what(), answered)

    def _what(self) -> str:
        if self.opened is None:
            return "The record review"
        if self.opened.raw is None:
            return "The new record review"
        number = self.opened.review.custody_number
        return f"The record review of {number}" if number else "The record review"

    def _open(self, review_id: str, select: bool = False) -> None:
        try:
            opened = self.service.open(review_id)
        except KeyError:
            self.status_message.emit("That review is no longer on this laptop.")
            self.reload()
            return
        self._load(opened, show_all=True)
        if select:
            with self._by_code():
                row = self.model.row_of(review_id)
                if row >= 0:
                    self._select_row(row)
            self.table.setFocus()

    def _load(self, opened: OpenReview | None, show_all: bool) -> None:
        self.opened = opened
        self._changed_under_edit = False
        review = opened.review if opened else None
        keep = review.suite_id if review else ""
        self.editor.set_suites(self._open_suites(keep))
        self.editor.load(review, show_all)
        if opened is None or opened.raw is None:
            self.editor.heading.setText("New record review (not saved yet)")
        else:
            self.editor.heading.setText(f"Record review of {review.custody_number}"
                                        if review and review.custody_number
                                        else "Record review")
        self._show_follow_up()
        self.editor.check(self.pattern, self.context.today())
        self._update_state()

    def _show_follow_up(self) -> None:
        opened = self.opened
        item = (self.service.follow_up_of(opened.review.id)
                if opened is not None and opened.raw is not None else None)
        if item is None:
            self.editor.follow_up_note.hide()
            return
        self.editor.follow_up_note.setText(
            f"The escalated concern is a follow-up item ({item.status.label.lower()}); "
            "it is tracked on Follow-ups (Ctrl+2).")
        self.editor.follow_up_note.show()

    def open_review(self, review_id: str) -> None:
        """Show this review (from the Follow-ups page), the filters widened if need be."""
        def go() -> None:
            if self.model.row_of(review_id) < 0:
                for combo in (self.suite_filter, self.period):
                    combo.blockSignals(True)
                    combo.set_value(None)
                    combo.blockSignals(False)
                self.reload()
            self._open(review_id, select=True)

        self._leave_then(go)

    def new_review(self) -> None:
        """Start a review (Ctrl+N): dated today, by whoever is signed in."""
        def go() -> None:
            review = RecordReview(reviewer_id=self.context.username,
                                  reviewed_on=self.context.today())
            suite = self.suite_filter.value()
            if suite and any(s.id == suite for s in self.context.reference().open_suites()):
                review.suite_id = suite
            with self._by_code():
                self.table.selectionModel().clearSelection()
                self.table.setCurrentIndex(QModelIndex())
            self._load(OpenReview(review), show_all=False)
            self.editor.custody.setFocus()
            self.status_message.emit("New record review: type the custody record number "
                                     "(never a name), then Ctrl+S to save.")

        self._leave_then(go)

    def _edited(self) -> None:
        self.editor.check(self.pattern, self.context.today())
        self._update_state()

    def _update_state(self) -> None:
        opened = self.opened
        self.save_button.setEnabled(opened is not None)
        if opened is None:
            self.editor.state.setText("")
            return
        errors = sum(p.severity is Severity.ERROR for p in self.editor.problems)
        warnings = len(self.editor.problems) - errors
        parts = []
        if self._changed_under_edit:
            parts.append("This review was changed elsewhere (a sync) while you edited it; "
                         "saving keeps your changes and theirs.")
        if self.editor.is_dirty():
            parts.append("Changes not saved yet.")
        if errors:
            parts.append(f"{plural(errors, 'problem')} to fix before saving.")
        if warnings:
            parts.append(f"{plural(warnings, 'thing')} to check.")
        self.editor.state.setText(" ".join(parts))

    # Saving ----------------------------------------------------------------------------
    def save(self, then: Callable[[], None] | None = None) -> bool:
        """Save the review in the editor; refused while it has errors (each said beside
        its field). ``then`` runs once it is saved."""
        opened, edited = self.opened, self.editor.edited_review()
        if opened is None or edited is None or self._saving:
            return False
        self.editor.show_all = True
        problems = self.editor.check(self.pattern, self.context.today())
        errors = [p for p in problems if p.severity is Severity.ERROR]
        self._update_state()
        if errors:
            first = errors[0]
            self.status_message.emit(
                f"Not saved: {plural(len(errors), 'problem')} to fix, said beside the "
                f"{'field' if len(errors) == 1 else 'fields'}. First, "
                f"{self.service.kind.describe(first.field)}: {first.message}")
            widget = self.editor.first_widget(errors)
            if widget is not None:
                focus_field(widget)
            return False
        if opened.raw is not None and not self.editor.is_dirty():
            self.status_message.emit("No changes to save.")
            if then is not None:
                then()
            return True
        self._saving = True

        def done(saved: SavedReview) -> None:
            self._saving = False
            still = self.opened is not None and self.opened.review.id == saved.opened.review.id
            if still and self.editor.edited_review() == _comparable(saved.opened.review):
                self._load(saved.opened, show_all=True)
            elif still:
                self.opened = saved.opened  # typed on since: those edits stay unsaved
                self._changed_under_edit = False
                self._update_state()
            self.reload()
            message = "Record review saved; it goes to the central store with the next sync."
            if saved.follow_up is not None:
                message += " Its escalated concern is now a follow-up item (Follow-ups, Ctrl+2)."
            self.status_message.emit(message)
            self.saved.emit(saved.opened.review.id)
            if then is not None:
                then()

        def failed(exc: BaseException) -> None:
            self._saving = False
            self.status_message.emit(f"The record review was not saved: {exc}")

        when_done(self.service.save(opened, edited), self, done, failed)
        return True
