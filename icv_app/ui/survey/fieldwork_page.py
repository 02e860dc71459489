"""The Fieldwork page: how a survey manager (or an admin) runs fieldwork from one place.

- **Forms held** (Alt+R): each form version on this laptop with its responses.
  **Import a form (XLSForm)…** (Alt+I, Ctrl+O) checks the workbook in full first; a
  refusal is shown in a message box with its sheet, row and column, and nothing changes.
  The form chosen in the list is the one the rest of the page is about.
- **Sample**: **Import a sample (CSV)…** (Alt+M). A file with bad rows imports nothing:
  its problems (file, row, column) are listed, with **Import the good rows** offered.
  Then "Added N cases, M were already here". **Cases** (Alt+C): open and not assigned,
  open per interviewer, closed.
- **Assign**: **Interviewer** (Alt+T: the interviewers' accounts, listed from the central
  store when signed in and online, or a user id typed in), **How many** (Alt+H),
  **Area** (Alt+A, optional) and **Assign** (Alt+G). Cases reach the interviewer with
  the next sync. **List accounts** (Alt+L) asks the central store again.
- **Quotas** (Alt+Q): the form's cells with target, achieved, remaining and a state that
  says "overfilled by N" in words (and a colour).
- **Figures by interviewer** (Alt+B): calls, completes, RR1, COOP1, REF1, average length.

Alt+F, Alt+E, Alt+Y, Alt+S (and an admin's Alt+V, Alt+N) are the window's menus: no
control here uses them.

Threads. Nothing here waits on the disk or the network on the UI thread: reading what
the page shows (:func:`read_fieldwork`), importing a form or a sample and assigning run on
the UI worker with a read connection of their own (:mod:`icv_app.ui.survey.background`);
the accounts list comes from the central store on a thread of its own. Every committed
change of the kinds shown asks for a fresh read of the parts it concerns
(:data:`PARTS_BY_KIND`; one read at a time: what is asked during a read is read once it
is done).

Signals:
    refreshed(): what the page shows was brought up to date.
    form_import_finished(object): a form import ended: its ImportOutcome, or the
        exception that stopped it.
    sample_import_finished(object): a sample import ended: its SampleImport (refused or
        not), or the exception that stopped it.
    assign_finished(object): an assignment ended: how many cases, or the exception.
    accounts_loaded(): the interviewer accounts were listed, or could not be.
    status_message(str): from SurveyPage.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.survey.instrument import InstrumentRefused
from icv_app.services.survey.cati import (
    CatiError,
    CatiService,
    SampleImport,
    SampleOverview,
    sample_overview,
)
from icv_app.services.survey.instruments import (
    FormHeld,
    ImportOutcome,
    InstrumentConflict,
    InstrumentService,
)
from icv_app.services.survey.quotas import QuotaService
from icv_app.ui.shared.field_cell import ERROR_COLOUR
from icv_app.ui.shared.input_widgets import ChoiceCombo
from icv_app.ui.shared.tasks import when_done
from icv_app.ui.survey.background import on_own_thread, on_worker
from icv_app.ui.survey.fieldwork_dialogs import SampleProblemsDialog, problem_lines
from icv_app.ui.survey.page import SurveyContext, SurveyPage, nothing_imported

if TYPE_CHECKING:

    from icv_app.domain.survey.calls import InterviewerFigures
    from icv_app.domain.survey.quotas import CellStatus
    from icv_app.store.changes import StoreChange
    from icv_app.store.local_store import LocalStore

T = TypeVar("T")

FORM_COLUMNS = ("Form", "Version", "Title", "Responses")
CASE_COLUMNS = ("Held by", "Open", "Closed")
QUOTA_COLUMNS = ("Cell", "Target", "Achieved", "Remaining", "State")
FIGURE_COLUMNS = ("Interviewer", "Calls", "Completes", "RR1", "COOP1", "REF1",
                  "Average length")
# The parts of the page and the kinds whose changes alter each (quota_sync announces the
# server's counts under "survey_quota_counts"). A change re-reads only its parts: the
# figures and the forms' responses read every interview and call held (over a second
# with 100,000 interviews), the sample and the quota a few milliseconds.
FORMS, SAMPLE, QUOTA, FIGURES = "forms", "sample", "quota", "figures"
EVERY_PART = frozenset({FORMS, SAMPLE, QUOTA, FIGURES})
FORM_PARTS = frozenset({SAMPLE, QUOTA})  # those of the chosen form
PARTS_BY_KIND: dict[str, frozenset[str]] = {
    "survey_instrument": frozenset({FORMS}),
    "consultation_response": frozenset({FORMS}),
    "survey_interview": frozenset({FORMS, QUOTA, FIGURES}),
    "sample_case": frozenset({SAMPLE}),
    "call_attempt": frozenset({FIGURES}),
    "survey_quota": frozenset({QUOTA}),
    "survey_quota_counts": frozenset({QUOTA}),
}
NOT_ASSIGNED = "Not assigned"
ANY_AREA = "Any area"
MAX_CASES = 1_000_000
OVERFILL_BACKGROUND = "#fbe3e1"  # behind ERROR_COLOUR text: contrast well above 4.5:1
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _length(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


# --- work off the UI thread ------------------------------------------------------------------




@dataclass(frozen=True)
class Interviewer:
    user_id: str
    username: str


def interviewer_accounts(store: LocalStore) -> list[Interviewer]:
    """The interviewers' accounts on the central store, by username (network: call it
    off the UI thread). Raises SyncError (offline, not signed in, refused)."""
    from icv_app.sync.admin_client import AdminClient
    from icv_app.sync.wire import Role

    users = AdminClient(store).users()
    return sorted((Interviewer(str(u.id), u.username) for u in users
                   if u.role is Role.INTERVIEWER and not u.disabled),
                  key=lambda i: i.username.casefold())


def signed_in(store: LocalStore) -> bool:
    from icv_app.sync.credentials import load_account

    return load_account(store.reader) is not None


@dataclass(frozen=True)
class QuotaView:
    name: str
    variables: tuple[str, ...]
    cells: tuple[CellStatus, ...]
    fetched_at: dt.datetime | None


@dataclass(frozen=True)
class FieldworkSnapshot:
    """The parts of the page read in one go on the worker (``parts``: those read; the
    others are None and left as shown)."""

    parts: frozenset[str]
    form_id: str | None
    forms: tuple[FormHeld, ...] | None = None
    sample: SampleOverview | None = None
    quota: QuotaView | None = None
    figures: dict[str, InterviewerFigures] | None = None


def read_fieldwork(store: LocalStore, form_id: str | None, user_id: str,
                   now: Callable[[], dt.datetime],
                   parts: frozenset[str] = EVERY_PART) -> FieldworkSnapshot:
    """Read ``parts`` of the page for ``form_id`` (None: the first form held; the forms
    are read too, then, to find it)."""
    forms = None
    if FORMS in parts or form_id is None:
        forms = tuple(InstrumentService(store).forms())
        if form_id is None or all(f.form_id != form_id for f in forms):
            form_id = forms[0].form_id if forms else None
            parts = parts | FORM_PARTS  # a form newly chosen: all of it
        parts = parts | {FORMS}
    figures = (CatiService(store, user_id, now=now).figures_by_interviewer()
               if FIGURES in parts else None)
    if form_id is None:
        return FieldworkSnapshot(parts | FORM_PARTS, None, forms, SampleOverview(), None,
                                 figures)
    sample = sample_overview(store.reader, form_id) if SAMPLE in parts else None
    view = None
    if QUOTA in parts:
        quotas = QuotaService(store, user_id, now=now)
        quota = quotas.quota(form_id)
        view = None if quota is None else QuotaView(
            quota.name, tuple(quota.variables), tuple(quotas.status(form_id)),
            quotas.fetched_at(form_id))
    return FieldworkSnapshot(parts, form_id, forms, sample, view, figures)


# --- the page ---------------------------------------------------------------------------------


def _table(name: str, columns: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)  # Tab leaves the table; the arrows move in it
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: Sequence[Sequence[str]]) -> list[list[QTableWidgetItem]]:
    table.setRowCount(len(rows))
    made = []
    for r, row in enumerate(rows):
        items = []
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            table.setItem(r, c, item)
            items.append(item)
        made.append(items)
    return made


def _labelled(text: str, widget: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(widget)
    return label


class FieldworkPage(SurveyPage):
    """Forms, sample, assignment, quotas and figures (module doc)."""

    title = "&Fieldwork"
    refreshed = Signal()
    form_import_finished = Signal(object)
    sample_import_finished = Signal(object)
    assign_finished = Signal(object)
    accounts_loaded = Signal()
    _progress = Signal(int, int)

    def __init__(self, context: SurveyContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.form_id: str | None = None
        # What is shown (None: not read yet).
        self.forms: tuple[FormHeld, ...] | None = None
        self.sample: SampleOverview | None = None
        self.figures: dict[str, InterviewerFigures] = {}
        self.accounts: list[Interviewer] = []
        self.names: dict[str, str] = {}  # user id -> username, once listed
        self.busy = False  # an import or an assignment is under way
        self.reading = False
        self.pending: set[str] = set()  # parts asked for during a read
        self.asked_form: str | None = None
        self.import_dir: Path | None = None
        self.notice: QMessageBox | None = None
        self.problems_dialog: SampleProblemsDialog | None = None

        # Forms -------------------------------------------------------------------------
        self.forms_table = _table("Forms held", FORM_COLUMNS)
        self.forms_table.itemSelectionChanged.connect(self._form_chosen)
        self.import_form_button = QPushButton("&Import a form (XLSForm)…")
        self.import_form_button.setAccessibleName("Import a form (XLSForm)")
        self.import_form_button.setToolTip("Ctrl+O")
        self.import_form_button.clicked.connect(lambda: self.import_form())
        forms_box = QGroupBox("Forms")
        forms_layout = QVBoxLayout(forms_box)
        forms_layout.addWidget(_labelled("Fo&rms held (choose the form to work on):",
                                         self.forms_table))
        forms_layout.addWidget(self.forms_table, 1)
        forms_layout.addWidget(self.import_form_button, 0, Qt.AlignmentFlag.AlignLeft)

        # Sample ------------------------------------------------------------------------
        self.sample_title = QLabel()
        self.sample_title.setWordWrap(True)
        self.import_sample_button = QPushButton("Import a sa&mple (CSV)…")
        self.import_sample_button.setAccessibleName("Import a sample of cases (CSV)")
        self.import_sample_button.clicked.connect(lambda: self.import_sample())
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Sample import progress")
        self.progress.hide()
        self.outcome = QPlainTextEdit()
        self.outcome.setReadOnly(True)
        self.outcome.setTabChangesFocus(True)
        self.outcome.setAccessibleName("Outcome of the last sample import")
        self.outcome.setMaximumHeight(110)
        self.outcome.hide()
        self.cases_summary = QLabel()
        self.cases_summary.setWordWrap(True)
        self.cases_summary.setAccessibleName("Cases of the form")
        self.cases_table = _table("Cases by interviewer", CASE_COLUMNS)

        # Assign ------------------------------------------------------------------------
        self.interviewer_combo = QComboBox()
        self.interviewer_combo.setEditable(True)
        self.interviewer_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.interviewer_combo.setAccessibleName("Interviewer: an account, or a user id")
        self.interviewer_combo.setMinimumContentsLength(24)
        line = self.interviewer_combo.lineEdit()
        assert line is not None
        line.setPlaceholderText("an account, or a user id")
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, MAX_CASES)
        self.count_spin.setValue(10)
        self.count_spin.setAccessibleName("How many cases to assign")
        self.area_combo = ChoiceCombo([(ANY_AREA, None)])
        self.area_combo.setAccessibleName("Area of the cases to assign (optional)")
        self.assign_button = QPushButton("Assi&gn")
        self.assign_button.setAccessibleName("Assign the cases to the interviewer")
        self.assign_button.clicked.connect(lambda: self.assign())
        self.accounts_button = QPushButton("&List accounts")
        self.accounts_button.setAccessibleName(
            "List the interviewers' accounts from the central store")
        self.accounts_button.clicked.connect(lambda: self.load_accounts())
        self.accounts_note = QLabel()
        self.accounts_note.setWordWrap(True)
        self.accounts_note.setAccessibleName("Interviewer accounts")
        self.assign_result = QLabel()
        self.assign_result.setWordWrap(True)
        self.assign_result.setAccessibleName("Outcome of the last assignment")
        assign_row = QHBoxLayout()
        assign_row.addWidget(_labelled("In&terviewer:", self.interviewer_combo))
        assign_row.addWidget(self.interviewer_combo, 2)
        assign_row.addWidget(_labelled("&How many:", self.count_spin))
        assign_row.addWidget(self.count_spin)
        assign_row.addWidget(_labelled("&Area:", self.area_combo))
        assign_row.addWidget(self.area_combo, 1)
        assign_row.addWidget(self.assign_button)
        accounts_row = QHBoxLayout()
        accounts_row.addWidget(self.accounts_note, 1)
        accounts_row.addWidget(self.accounts_button)

        sample_box = QGroupBox("Sample and assignment")
        sample_layout = QVBoxLayout(sample_box)
        sample_layout.addWidget(self.sample_title)
        sample_layout.addWidget(self.import_sample_button, 0, Qt.AlignmentFlag.AlignLeft)
        sample_layout.addWidget(self.progress)
        sample_layout.addWidget(self.outcome)
        sample_layout.addWidget(self.cases_summary)
        sample_layout.addWidget(_labelled("&Cases:", self.cases_table))
        sample_layout.addWidget(self.cases_table, 1)
        sample_layout.addLayout(assign_row)
        sample_layout.addLayout(accounts_row)
        sample_layout.addWidget(self.assign_result)

        # Quotas ------------------------------------------------------------------------
        self.quota_note = QLabel()
        self.quota_note.setWordWrap(True)
        self.quota_note.setAccessibleName("The form's quota")
        self.quotas_table = _table("Quota cells", QUOTA_COLUMNS)
        quotas_box = QGroupBox("Quotas")
        quotas_layout = QVBoxLayout(quotas_box)
        quotas_layout.addWidget(self.quota_note)
        self.define_quota_button = QPushButton("&Define the quota from a CSV file…")
        self.define_quota_button.setAccessibleName("Define the form's quota from a CSV file")
        self.define_quota_button.setToolTip(
            "A header row naming each question of a cell (e.g. area, age_band, gender) and "
            "'target', then a row per cell with its values (choice names) and its target")
        self.define_quota_button.clicked.connect(lambda: self.define_quota())
        quotas_layout.addWidget(self.define_quota_button)
        quotas_layout.addWidget(_labelled("&Quotas of the form:", self.quotas_table))
        quotas_layout.addWidget(self.quotas_table, 1)

        # Figures -----------------------------------------------------------------------
        self.figures_table = _table("Figures by interviewer", FIGURE_COLUMNS)
        figures_box = QGroupBox("Calls")
        figures_layout = QVBoxLayout(figures_box)
        figures_layout.addWidget(_labelled("Figures &by interviewer (every form):",
                                           self.figures_table))
        figures_layout.addWidget(self.figures_table, 1)

        left = QVBoxLayout()
        left.addWidget(forms_box, 2)
        left.addWidget(sample_box, 3)
        right = QVBoxLayout()
        right.addWidget(quotas_box, 3)
        right.addWidget(figures_box, 2)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)

        shortcut = QShortcut(QKeySequence("Ctrl+O"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(lambda: self.import_form())
        self._progress.connect(self._show_progress)
        self.setFocusProxy(self.forms_table)
        self._enable()
        self.refresh()

    # Reading what is shown -----------------------------------------------------------------
    def shown(self) -> None:
        self.refresh()
        if not self.accounts and signed_in(self.context.store):
            self.load_accounts()

    def store_changed(self, change: StoreChange) -> None:
        parts: set[str] = set()
        for kind in change.kinds:
            parts |= PARTS_BY_KIND.get(kind, frozenset())
        if parts:
            self.refresh(parts)

    def refresh(self, parts: set[str] | frozenset[str] = EVERY_PART) -> None:
        """Read ``parts`` of the page on the worker; one read at a time (what is asked
        during a read is read when it ends)."""
        self.pending |= parts
        if self.reading or not self.pending:
            return
        asked, self.pending = frozenset(self.pending), set()
        self.reading = True
        context = self.context
        form_id = self.asked_form = self.form_id
        future = on_worker(context.store, lambda store: read_fieldwork(
            store, form_id, context.user_id, context.now, asked))
        when_done(future, self, self._show, self._read_failed)

    def _read_failed(self, exc: BaseException) -> None:
        self.reading = False
        self.status_message.emit(f"The fieldwork could not be read: {exc}")
        if self.pending:  # what was shown stays; the next change reads again
            self.refresh(set())
        else:
            self.refreshed.emit()

    def _show(self, snapshot: FieldworkSnapshot) -> None:
        self.reading = False
        same_form = self.form_id in (self.asked_form, None)
        if same_form:
            self.form_id = snapshot.form_id
        else:
            self.pending |= FORM_PARTS  # another form was chosen during the read
        if snapshot.forms is not None:
            self.forms = snapshot.forms
            self._show_forms()
        if snapshot.figures is not None:
            self.figures = snapshot.figures
            self._show_figures()
        if same_form:
            if snapshot.sample is not None:
                self.sample = snapshot.sample
                self._show_sample()
            if QUOTA in snapshot.parts:
                self._show_quota(snapshot.quota)
        self._enable()
        if self.pending:
            self.refresh(set())
        else:
            self.refreshed.emit()

    def _show_forms(self) -> None:
        forms = self.forms or ()
        table = self.forms_table
        was = table.blockSignals(True)
        try:
            _fill(table, [(f.form_id, f.version, f.title, f"{f.responses:,}") for f in forms])
            rows = [i for i, f in enumerate(forms) if f.form_id == self.form_id]
            if rows:
                table.setCurrentCell(rows[-1], 0)  # its latest version
        finally:
            table.blockSignals(was)

    def _form_chosen(self) -> None:
        row = self.forms_table.currentRow()
        if self.forms is None or not 0 <= row < len(self.forms):
            return
        form_id = self.forms[row].form_id
        if form_id != self.form_id:
            self.form_id = form_id
            self.refresh(FORM_PARTS)

    def _name(self, user_id: str) -> str:
        return self.names.get(user_id, user_id) if user_id else NOT_ASSIGNED

    def _show_sample(self) -> None:
        form_id, sample = self.form_id, self.sample or SampleOverview()
        if form_id is None:
            self.sample_title.setText("No forms are held here yet: import one (Ctrl+O), "
                                      "then its sample.")
            self.cases_summary.setText("")
            _fill(self.cases_table, [])
            self.area_combo.set_choices([(ANY_AREA, None)])
            return
        self.sample_title.setText(f"The sample of {form_id}: a CSV file with a header row "
                                  "(case_id, phone, area, then any strata).")
        assigned = sum(sample.assigned.values())
        closed = sum(sample.closed.values())
        self.cases_summary.setText(
            f"{_plural(sample.total, 'case')}: {sample.unassigned:,} open and not "
            f"assigned, {assigned:,} open and assigned, {closed:,} closed."
            if sample.total else f"No sample for {form_id} yet: import one.")
        people = sorted(set(sample.assigned) | {p for p in sample.closed if p},
                        key=lambda p: self._name(p).casefold())
        rows = [(NOT_ASSIGNED, f"{sample.unassigned:,}", f"{sample.closed.get('', 0):,}")]
        rows += [(self._name(p), f"{sample.assigned.get(p, 0):,}",
                  f"{sample.closed.get(p, 0):,}") for p in people]
        _fill(self.cases_table, rows if sample.total else [])
        self.area_combo.set_choices(
            [(ANY_AREA, None), *((f"{area} ({n:,} not assigned)", area)
                                 for area, n in sample.areas.items())])

    def _show_quota(self, view: QuotaView | None) -> None:
        if view is None:
            self.quota_note.setText(
                "No quota for this form. Define one from a CSV file: a column per "
                "question of a cell (e.g. area, age_band, gender, with choice names such "
                "as shropshire, age_35_44, woman) and a 'target' column."
                if self.form_id else "")
            self.quotas_table.setHorizontalHeaderItem(0, QTableWidgetItem(QUOTA_COLUMNS[0]))
            _fill(self.quotas_table, [])
            return
        when = (view.fetched_at.astimezone().strftime("%d %b %Y %H:%M")
                if view.fetched_at is not None else None)
        over = [c for c in view.cells if c.overfilled_by]
        parts = [f"{view.name or 'Quota'} on {', '.join(view.variables)}."]
        parts.append(f"Counts as the central store gave them at the last sync ({when}), "
                     "plus this laptop's interviews not yet counted." if when else
                     "No counts from the central store yet (they come with a sync): only "
                     "this laptop's interviews are counted.")
        if over:
            parts.append(f"{_plural(len(over), 'cell')} overfilled.")
        self.quota_note.setText(" ".join(parts))
        self.quotas_table.setHorizontalHeaderItem(
            0, QTableWidgetItem(f"Cell ({' | '.join(view.variables)})"))
        rows = []
        for c in view.cells:
            if c.overfilled_by:
                flagged = (f", {_plural(len(c.flagged), 'interview')} flagged"
                           if c.flagged else "")
                state = f"Overfilled by {c.overfilled_by:,}{flagged}"
            elif c.target is None:
                state = "No target"
            else:
                state = "Full" if c.full else "Open"
            rows.append((c.cell, "–" if c.target is None else f"{c.target:,}",
                         f"{c.achieved:,}",
                         "–" if c.remaining is None else f"{c.remaining:,}", state))
        made = _fill(self.quotas_table, rows)
        for c, items in zip(view.cells, made, strict=True):
            if not c.overfilled_by:
                continue
            for item in items:  # a clear colour as well as the words
                item.setForeground(QBrush(QColor(ERROR_COLOUR)))
                item.setBackground(QBrush(QColor(OVERFILL_BACKGROUND)))
            bold = QFont(items[-1].font())
            bold.setBold(True)
            items[-1].setFont(bold)

    def _show_figures(self) -> None:
        rows = []
        for person, f in sorted(self.figures.items(), key=lambda p: self._name(p[0]).casefold()):
            rows.append((self._name(person) if person else "(unknown)", f"{f.attempts:,}",
                         f"{f.completes:,}", _percent(f.rates.rr1), _percent(f.rates.coop1),
                         _percent(f.rates.ref1), _length(f.average_interview_seconds)))
        _fill(self.figures_table, rows)

    def _enable(self) -> None:
        has_form = self.form_id is not None
        self.import_form_button.setEnabled(not self.busy)
        self.import_sample_button.setEnabled(has_form and not self.busy)
        self.define_quota_button.setEnabled(has_form and not self.busy)
        self.assign_button.setEnabled(has_form and not self.busy)

    # Forms --------------------------------------------------------------------------------
    def choose_form_file(self) -> Path | None:
        path, _chosen = QFileDialog.getOpenFileName(
            self, "Import a form (XLSForm)", str(self.import_dir or Path.home()),
            "XLSForm workbooks (*.xlsx);;All files (*)")
        return Path(path) if path else None

    def import_form(self, path: Path | None = None) -> None:
        """Choose a workbook (unless given) and import it on the worker."""
        if self.busy:
            return
        path = path or self.choose_form_file()
        if path is None:
            return
        self.import_dir = path.parent
        self._start(f"Checking the form {path.name}…")
        username = self.context.username

        def job(store: LocalStore) -> ImportOutcome:
            return InstrumentService(store).import_file(path, imported_by=username)

        when_done(on_worker(self.context.store, job), self,
                  lambda outcome: self._form_imported(path, outcome),
                  lambda exc: self._form_refused(path, exc))

    def _form_imported(self, path: Path, outcome: ImportOutcome) -> None:
        self._finish()
        form = outcome.instrument
        if outcome.added:
            text = (f"Imported {form.form_id} version {form.version} from {path.name}: it "
                    "reaches interviewers with the next sync.")
        else:
            text = f"{form.form_id} version {form.version} was already here: nothing changed."
        self.form_id = form.form_id
        self.status_message.emit(text)
        self.refresh({FORMS} | FORM_PARTS)
        self.form_import_finished.emit(outcome)

    def _form_refused(self, path: Path, exc: BaseException) -> None:
        self._finish()
        if isinstance(exc, InstrumentRefused | InstrumentConflict):
            text = str(exc)
        elif isinstance(exc, OSError):
            text = f"{path.name} could not be read: {exc.strerror or exc}."
        else:
            text = f"{path.name}: {exc}"
        self._notify("The form was not imported", f"Nothing was imported. {text}")
        self.status_message.emit("The form was not imported.")
        self.form_import_finished.emit(exc)

    def _notify(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                          QMessageBox.StandardButton.Ok, self)
        box.setTextFormat(Qt.TextFormat.PlainText)  # a file's text, never markup
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _r: self._notice_closed(box))
        self.notice = box
        box.open()

    def _notice_closed(self, box: QMessageBox) -> None:
        if self.notice is box:
            self.notice = None

    # Sample -------------------------------------------------------------------------------
    def define_quota(self, path: Path | None = None) -> None:
        """Define (or replace) the chosen form's quota from a CSV file of targets: the
        questions making a cell are the file's columns other than ``target``."""
        from icv_app.services.survey.quotas import (
            QuotaFileUnreadable,
            QuotaRefused,
            targets_from_file,
            where,
        )

        form_id = self.form_id
        if form_id is None or self.busy:
            return
        if path is None:
            chosen, _filter = QFileDialog.getOpenFileName(
                self, f"Quota targets for {form_id}",
                str(self.import_dir or Path.home()), "CSV files (*.csv);;All files (*)")
            if not chosen:
                return
            path = Path(chosen)
        self.import_dir = path.parent
        try:
            variables, targets, origins = targets_from_file(path)
            quota = QuotaService(self.context.store, self.context.user_id,
                                 now=self.context.now).define(
                form_id, variables, targets, name=" × ".join(variables),
                defined_by=self.context.username)
        except QuotaFileUnreadable as exc:
            self.outcome.setPlainText(f"The quota was not changed: {exc}")
            self.status_message.emit(f"{path.name} cannot be read as quota targets.")
            return
        except QuotaRefused as exc:
            self.outcome.setPlainText("\n".join([
                f"The quota for {form_id} was not changed: {path.name} has problems.",
                *(f"{where(p.field, origins)}: {p.message}" for p in exc.problems)]))
            self.status_message.emit(f"The quota in {path.name} was refused.")
            return
        total = sum(t.target for t in quota.targets)
        self.outcome.setPlainText(
            f"Quota for {form_id} kept: {len(quota.targets)} cells of "
            f"{' × '.join(quota.variables)}, {total:,} interviews in all. Interviewers "
            "receive it with the next sync.")
        self.status_message.emit(f"Quota for {form_id} kept.")

    def choose_sample_file(self) -> Path | None:
        path, _chosen = QFileDialog.getOpenFileName(
            self, f"Import a sample for {self.form_id}", str(self.import_dir or Path.home()),
            "CSV files (*.csv);;All files (*)")
        return Path(path) if path else None

    def import_sample(self, path: Path | None = None, *, skip_bad: bool = False) -> None:
        """Choose a CSV file (unless given) and import it as cases of the chosen form; a
        file with bad rows imports nothing and lists them (unless ``skip_bad``)."""
        form_id = self.form_id
        if form_id is None or self.busy:
            return
        path = path or self.choose_sample_file()
        if path is None:
            return
        self.import_dir = path.parent
        self._start(f"Importing {path.name}…")
        self.progress.setRange(0, 0)  # busy until the rows are counted
        self.progress.show()
        context = self.context
        report = self._report

        def job(store: LocalStore) -> SampleImport:
            return CatiService(store, context.user_id, now=context.now).import_sample(
                path, form_id, skip_bad=skip_bad, progress=report)

        when_done(on_worker(context.store, job), self,
                  lambda outcome: self._sample_imported(path, form_id, outcome),
                  self._sample_failed)

    def _report(self, done: int, total: int) -> None:
        """Progress, called on the writer thread: never let a closed page fail the job."""
        if shiboken6.isValid(self):
            with contextlib.suppress(RuntimeError):  # deleted between the check and now
                self._progress.emit(done, total)

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def _sample_imported(self, path: Path, form_id: str, outcome: SampleImport) -> None:
        self._finish()
        self.sample_import_finished.emit(outcome)
        if outcome.refused:
            self.outcome.setPlainText("\n".join([
                f"Nothing was imported: {path.name} has bad rows.",
                *problem_lines(outcome.problems)]))
            self.outcome.show()
            self.status_message.emit(f"{path.name} has bad rows: nothing was imported.")
            dialog = SampleProblemsDialog(path.name, outcome.problems, self)
            self.problems_dialog = dialog
            dialog.accepted.connect(lambda: self.import_sample(path, skip_bad=True))
            dialog.finished.connect(lambda _r: self._problems_closed(dialog))
            dialog.open()
            return
        summary = (f"Added {_plural(outcome.added, 'case')} to {form_id}, "
                   f"{outcome.already_there:,} {'was' if outcome.already_there == 1 else 'were'}"
                   " already here.")
        lines = [summary]
        if outcome.problems:
            bad = len({p.row for p in outcome.problems})
            lines.append(f"{_plural(bad, 'bad row')} left out:")
            lines += problem_lines(outcome.problems)
        self.outcome.setPlainText("\n".join(lines))
        self.outcome.show()
        self.status_message.emit(summary)
        self.refresh({SAMPLE})

    def _problems_closed(self, dialog: SampleProblemsDialog) -> None:
        if self.problems_dialog is dialog:
            self.problems_dialog = None
        dialog.deleteLater()

    def _sample_failed(self, exc: BaseException) -> None:
        self._finish()
        self.outcome.setPlainText(nothing_imported(exc))
        self.outcome.show()
        self.status_message.emit("Nothing was imported.")
        self.sample_import_finished.emit(exc)

    # Assign -------------------------------------------------------------------------------
    def load_accounts(self) -> None:
        """List the interviewers' accounts from the central store (signed in, online);
        otherwise a user id is typed in."""
        if not signed_in(self.context.store):
            self.accounts_note.setText("Not signed in to the central store: type the "
                                       "interviewer's user id.")
            self.accounts_loaded.emit()
            return
        self.accounts_note.setText("Listing the interviewers' accounts…")
        store = self.context.store
        when_done(on_own_thread(lambda: interviewer_accounts(store), "icv-fieldwork-accounts"),
                  self, self._accounts_listed, self._accounts_failed)

    def _accounts_listed(self, accounts: list[Interviewer]) -> None:
        self.accounts = accounts
        self.names |= {a.user_id: a.username for a in accounts}
        combo = self.interviewer_combo
        typed = combo.currentText()
        combo.clear()
        for account in accounts:
            combo.addItem(account.username, account.user_id)
        combo.setEditText(typed)
        self.accounts_note.setText(
            f"{_plural(len(accounts), 'interviewer account')} on the central store: choose "
            "one, or type a user id." if accounts else
            "The central store lists no interviewer accounts: an admin creates them.")
        self._show_sample()  # names instead of ids
        self._show_figures()
        self.accounts_loaded.emit()

    def _accounts_failed(self, exc: BaseException) -> None:
        self.accounts_note.setText(f"The accounts could not be listed ({exc}) Type the "
                                   "interviewer's user id instead.")
        self.accounts_loaded.emit()

    def chosen_interviewer(self) -> tuple[str, str]:
        """(user id, name to show) of the interviewer chosen or typed. Raises CatiError
        if it is neither an account listed nor a user id."""
        text = self.interviewer_combo.currentText().strip()
        if not text:
            raise CatiError("Choose an interviewer, or type their user id.")
        for account in self.accounts:
            if account.username.casefold() == text.casefold():
                return account.user_id, account.username
        if _UUID.fullmatch(text):
            user_id = text.lower()
            return user_id, self.names.get(user_id, user_id)
        raise CatiError(f"{text!r} is neither an interviewer account listed here nor a "
                        "user id (like 5b0c4f1e-7a52-4d8e-9c36-1f0e2a7d4b91).")

    def assign(self) -> None:
        """Assign up to How many open, unassigned cases (of the Area, if one is chosen) of
        the chosen form to the interviewer, in sample order."""
        form_id = self.form_id
        if form_id is None or self.busy:
            return
        try:
            user_id, name = self.chosen_interviewer()
        except CatiError as exc:
            self._assign_said(str(exc))
            self.interviewer_combo.setFocus()
            self.assign_finished.emit(exc)
            return
        count = self.count_spin.value()
        area = self.area_combo.value()
        self._start(f"Assigning cases of {form_id} to {name}…")
        context = self.context

        def job(store: LocalStore) -> int:
            return CatiService(store, context.user_id, now=context.now).assign(
                form_id, user_id, count=count, area=area)

        when_done(on_worker(context.store, job), self,
                  lambda n: self._assigned(form_id, name, area, count, n), self._assign_failed)

    def _assigned(self, form_id: str, name: str, area: str | None, asked: int, n: int) -> None:
        self._finish()
        where = f" in {area}" if area else ""
        if n == 0:
            text = (f"No cases assigned: {form_id} has no open case{where} that is not "
                    "assigned yet.")
        else:
            short = (f" (only {n:,} open and not assigned{where})" if n < asked else "")
            text = (f"Assigned {_plural(n, 'case')} of {form_id}{where} to {name}{short}. "
                    "They reach the interviewer with the next sync (this laptop's, then "
                    "theirs).")
        self._assign_said(text)
        self.refresh({SAMPLE})
        self.assign_finished.emit(n)

    def _assign_failed(self, exc: BaseException) -> None:
        self._finish()
        self._assign_said(f"Nothing was assigned: {exc}")
        self.assign_finished.emit(exc)

    def _assign_said(self, text: str) -> None:
        self.assign_result.setText(text)
        self.status_message.emit(text)

    # Busy ---------------------------------------------------------------------------------
    def _start(self, text: str) -> None:
        self.busy = True
        self._enable()
        self.status_message.emit(text)

    def _finish(self) -> None:
        self.busy = False
        self.progress.hide()
        self._enable()


__all__ = ["FieldworkPage", "read_fieldwork"]
