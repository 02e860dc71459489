"""The call queue: the interviewer's telephone cases in the order to call them, the
current case, and their own figures.

The queue (:meth:`CatiService.queue`) shows no phone number: due appointments first, then
retries whose time has come, new cases, and those not yet due with when. Enter on a case
opens it: only then is its number shown, beside the outcomes of a call. A call that
reaches someone goes on to the interview (Enter on **Start interview**, or Ctrl+Return);
one that does not is recorded with its outcome (each a button with its Alt+key) and the
number goes away again. An interview in progress on the case (a call back) goes on where
it stopped.

Appointments come back on time: a timer is set for the next case to become due, and
when it fires the queue is brought up to date and the status bar says which call is due.

What the interviewer sees of their own work (:meth:`CatiService.figures`): today's calls,
completes, and the AAPOR response, cooperation and refusal rates over the fieldwork.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.survey.calls import InterviewerFigures, next_ready_at
from icv_app.domain.survey.instrument import Question
from icv_app.domain.survey.records import CallOutcome, InterviewMode
from icv_app.services.survey.cati import CatiError, CatiService
from icv_app.services.survey.interviews import InterviewError, InterviewService
from icv_app.store.records import load_record
from icv_app.ui.shared.rows_model import Index, RowsModel
from icv_app.ui.shared.tasks import when_done
from icv_app.ui.survey.background import on_worker
from icv_app.ui.survey.page import SurveyContext, SurveyPage

if TYPE_CHECKING:
    from icv_app.domain.survey.calls import QueueEntry
    from icv_app.domain.survey.instrument import Instrument
    from icv_app.store.changes import StoreChange
    from icv_app.ui.survey.interview_page import Ending

# The outcomes of a call that reached no interview, each a button: (outcome, caption).
# "Call back later" asks when; a call that reaches the respondent starts the interview.
OUTCOME_BUTTONS: tuple[tuple[CallOutcome, str], ...] = (
    (CallOutcome.NO_ANSWER, "&No answer"),
    (CallOutcome.BUSY, "&Busy"),
    (CallOutcome.ANSWERING_MACHINE, "Answering &machine"),
    (CallOutcome.APPOINTMENT, "Call back &later…"),
    (CallOutcome.REFUSED, "&Refused"),
    (CallOutcome.WRONG_NUMBER, "&Wrong number"),
    (CallOutcome.INELIGIBLE, "Not &eligible"),
)
# How an interview's end is recorded as the call's outcome (None: the interviewer says).
ENDING_OUTCOME = {"complete": CallOutcome.COMPLETED, "quota_full": CallOutcome.QUOTA_FULL,
                  "declined": CallOutcome.REFUSED}


def _when(entry: QueueEntry, now: dt.datetime) -> str:
    if entry.due:
        return "Now"
    moment = entry.due_at or entry.ready_at  # an appointment: its own time
    if moment is None:
        return ""
    local = moment.astimezone()
    if local.date() == now.astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%a %d %b %H:%M")


def presets_for(instrument: Instrument, fields: dict[str, str]) -> dict[str, Any]:
    """Answers the case already gives: a select_one question named like one of the case's
    fields (area, a stratum) takes the choice whose name or label is that value; the
    mode question, if the form has one, takes "telephone"."""
    wanted = {"interview_mode": InterviewMode.TELEPHONE.value, **fields}
    preset: dict[str, Any] = {}
    for name, value in wanted.items():
        question = instrument.find(name)
        if (not isinstance(question, Question) or not value or question.type != "select_one"
                or question.list_name is None):
            continue
        target = value.strip().casefold()
        for choice in instrument.choices.get(question.list_name, ()):
            labels = {choice.name.casefold(), *(t.strip().casefold()
                                                for t in choice.labels.values())}
            if target in labels:
                preset[name] = choice.name
                break
    return preset


class QueueModel(RowsModel["QueueEntry"]):
    """The queue as the table shows it (no phone numbers); due cases in bold."""

    def __init__(self) -> None:
        super().__init__([
            ("When", lambda e: _when(e, self.now)),
            ("Case", lambda e: e.case_ref),
            ("Area", lambda e: e.area),
            ("Calls", lambda e: str(e.attempts)),
            ("Last outcome", lambda e: e.last_outcome.label if e.last_outcome else ""),
            ("Why", lambda e: f"Interview in progress · {e.reason}"
             if e.case_id in self.interrupted else e.reason),
        ], key=lambda e: e.case_id)
        self.interrupted: set[str] = set()
        self.now = dt.datetime.now(dt.UTC)
        self._bold = QFont()
        self._bold.setBold(True)

    def show(self, entries: list[QueueEntry], interrupted: set[str],
             now: dt.datetime) -> None:
        self.interrupted, self.now = interrupted, now
        self.set_rows(entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (role == Qt.ItemDataRole.FontRole and index.isValid()
                and self.rows[index.row()].due):
            return self._bold
        return super().data(index, role)


class CallsPage(SurveyPage):
    """Signals: queue_shown(): the queue was brought up to date; figures_shown(): the
    interviewer's figures were worked out and shown."""

    title = "&Calls"
    queue_shown = Signal()
    figures_shown = Signal()

    def __init__(self, context: SurveyContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.cati = CatiService(context.store, context.user_id, now=context.now)
        self.interviews = InterviewService(context.store, context.user_id, now=context.now)
        self.entries: list[QueueEntry] = []
        self.current: QueueEntry | None = None

        self.figures = QLabel()
        self.figures.setObjectName("callFigures")
        self.figures.setWordWrap(True)
        self.figures.setAccessibleName("Your figures")
        self.summary = QLabel()
        self.summary.setObjectName("queueSummary")

        self.model = QueueModel()
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Call queue")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        for column, width in enumerate((110, 90, 170, 50, 180)):
            header.resizeSection(column, width)  # fixed: sizing to thousands of rows is slow
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.activated.connect(lambda _index: self.open_case())
        queue_label = QLabel("Call &queue:")
        queue_label.setBuddy(self.table)

        # The current case: the only place a phone number is shown.
        self.case_box = QGroupBox("Current call")
        self.case_title = QLabel()
        self.case_title.setObjectName("caseTitle")
        self.phone = QLabel()
        self.phone.setObjectName("casePhone")
        self.phone.setAccessibleName("Phone number to call")
        self.phone.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        big = QFont(self.phone.font())
        big.setPointSizeF(big.pointSizeF() * 1.6)
        big.setBold(True)
        self.phone.setFont(big)
        self.case_note = QLabel()
        self.case_note.setWordWrap(True)
        self.start_button = QPushButton("Start &interview (Ctrl+Return)")
        self.start_button.setAccessibleName("Start the interview")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start_interview)
        self.outcome_buttons: dict[CallOutcome, QPushButton] = {}
        grid = QGridLayout()
        for i, (outcome, caption) in enumerate(OUTCOME_BUTTONS):
            button = QPushButton(caption)
            button.setAccessibleName(caption.replace("&", "").rstrip("…"))
            button.clicked.connect(lambda _c=False, o=outcome: self.record(o))
            grid.addWidget(button, i // 4, i % 4)
            self.outcome_buttons[outcome] = button
        self.close_button = QPushButton("Put the case &down (Esc)")
        self.close_button.clicked.connect(self.close_case)
        case_layout = QVBoxLayout(self.case_box)
        case_layout.addWidget(self.case_title)
        case_layout.addWidget(self.phone)
        case_layout.addWidget(self.case_note)
        case_layout.addWidget(self.start_button)
        case_layout.addLayout(grid)
        case_layout.addWidget(self.close_button)
        case_layout.addStretch(1)
        self.case_box.hide()

        left = QVBoxLayout()
        left.addWidget(self.figures)
        left.addWidget(self.summary)
        left.addWidget(queue_label)
        left.addWidget(self.table, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(self.case_box, 2)

        for keys, slot in (("Ctrl+Return", self.start_interview),
                           ("Ctrl+Enter", self.start_interview),
                           ("Escape", self.close_case)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)
        self.due_timer = QTimer(self)
        self.due_timer.setSingleShot(True)
        self.due_timer.timeout.connect(self.check_due)
        self._figuring = False  # the figures are being worked out off the UI thread
        self._figures_again = False
        self.setFocusProxy(self.table)
        self.refresh()

    # The queue -------------------------------------------------------------------------
    def shown(self) -> None:
        self.refresh()
        (self.start_button if self.current is not None else self.table).setFocus()

    def store_changed(self, change: StoreChange) -> None:
        # Out of sight (an interview running: each answer is a change) it waits for
        # shown(), which reads the queue afresh.
        if self.isVisible() and change.kinds & {"sample_case", "call_attempt",
                                                "survey_interview"}:
            self.refresh()

    def refresh(self, *, first: bool = False) -> None:
        """The queue as it is now; the selection stays on its case (``first``: on the
        case to call next)."""
        now = self.context.now()
        selected = None if first else self.selected_case_id()
        self.entries = self.cati.queue(now)
        # Interviews interrupted (a call back, or the app stopped): Enter goes on with them.
        interrupted = {s.case_id for s in self.interviews.in_progress() if s.case_id}
        self.model.show(self.entries, interrupted, now)
        due = sum(1 for e in self.entries if e.due)
        waiting = sum(1 for e in self.entries if e.case_id in interrupted)
        self.summary.setText(
            (f"{due} case{'s' if due != 1 else ''} to call now, "
             f"{len(self.entries) - due} later."
             + (f" {waiting} interview{'s' if waiting != 1 else ''} in progress: open "
                "the case to go on where it stopped." if waiting else ""))
            if self.entries
            else "No cases to call: your survey manager assigns them, and they arrive "
                 "with the next sync.")
        row = self.model.row_of(selected) if selected is not None else -1
        self.table.selectRow(max(row, 0))
        self._work_out_figures(now)
        self._arm_timer(now)
        self.queue_shown.emit()

    def _work_out_figures(self, now: dt.datetime) -> None:
        """The interviewer's figures read every call and interview they made: worked out
        off the UI thread (the queue is on screen meanwhile), one reading at a time."""
        if self._figuring:
            self._figures_again = True
            return
        self._figuring = True
        midnight = now.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
        user_id, clock, rules = self.context.user_id, self.context.now, self.cati.rules

        def read(store: Any) -> tuple[InterviewerFigures, InterviewerFigures]:
            service = CatiService(store, user_id, now=clock, rules=rules)
            return service.figures(since=midnight.astimezone(dt.UTC)), service.figures()

        def done(result: tuple[InterviewerFigures, InterviewerFigures]) -> None:
            self._figuring = False
            self._show_figures(*result)
            if self._figures_again:
                self._figures_again = False
                self._work_out_figures(self.context.now())

        def failed(exc: BaseException) -> None:
            self._figuring = False
            self.figures.setText(f"Your figures could not be worked out: {exc}")

        when_done(on_worker(self.context.store, read), self, done, failed)

    def _show_figures(self, today: InterviewerFigures, overall: InterviewerFigures) -> None:
        rates = overall.rates
        parts = [f"Today: {today.attempts} call{'s' if today.attempts != 1 else ''}, "
                 f"{today.completes} complete{'s' if today.completes != 1 else ''}"]
        for name, value in (("response rate (RR1)", rates.rr1),
                            ("cooperation (COOP1)", rates.coop1),
                            ("refusals (REF1)", rates.ref1)):
            if value is not None:
                parts.append(f"{name} {value:.0%}")
        parts.append(f"in all {overall.completes} complete of {overall.cases} cases called")
        self.figures.setText(" · ".join(parts))
        self.figures_shown.emit()

    def _arm_timer(self, now: dt.datetime) -> None:
        """Wake when the next case becomes due (an appointment comes back on time)."""
        self.due_timer.stop()
        when = next_ready_at(self.entries, now)
        if when is None:
            return
        milliseconds = max(0, int((when - now).total_seconds() * 1000))
        self.due_timer.start(min(milliseconds, 2**31 - 1))

    def check_due(self) -> None:
        """The timer fired: bring the queue up to date and say which call is due."""
        before = {e.case_id for e in self.entries if e.due}
        self.refresh()
        for entry in self.entries:
            if entry.due and entry.case_id not in before:
                self.status_message.emit(f"Due now: case {entry.case_ref}"
                                         f"{' (' + entry.area + ')' if entry.area else ''}"
                                         f" – {entry.reason}")
                QApplication.alert(self.window())
                break

    def selected_case_id(self) -> str | None:
        row = self.table.currentIndex().row()
        if not 0 <= row < len(self.entries):
            return None
        return self.entries[row].case_id

    # The current case ------------------------------------------------------------------
    def open_case(self) -> None:
        """Enter on a case: show its number and what can come of the call."""
        case_id = self.selected_case_id()
        if case_id is None:
            return
        entry = next(e for e in self.entries if e.case_id == case_id)
        try:
            phone = self.cati.phone_for(case_id)
        except CatiError as exc:
            self.status_message.emit(str(exc))
            return
        self.current = entry
        area = f" · {entry.area}" if entry.area else ""
        self.case_title.setText(f"Case {entry.case_ref}{area} · call {entry.attempts + 1}")
        self.phone.setText(phone)
        resuming = self.interviews.in_progress(case_id)
        self.case_note.setText(
            "An interview is in progress on this case: Start goes on where it stopped."
            if resuming else entry.reason)
        self.start_button.setText(("Go on with the &interview" if resuming
                                   else "Start &interview") + " (Ctrl+Return)")
        self.case_box.show()
        self.start_button.setFocus()

    def close_case(self) -> None:
        """Put the case down: its number goes from the screen."""
        self.current = None
        self.phone.clear()
        self.case_box.hide()
        self.table.setFocus()

    def record(self, outcome: CallOutcome, appointment_at: dt.datetime | None = None,
               note: str = "") -> bool:
        """Record the call's outcome for the current case."""
        entry = self.current
        if entry is None:
            return False
        if outcome is CallOutcome.APPOINTMENT and appointment_at is None:
            from icv_app.ui.survey.call_dialogs import ask_appointment

            chosen = ask_appointment(self, self.context.now())
            if chosen is None:
                return False
            appointment_at, note = chosen
        try:
            self.cati.record_attempt(entry.case_id, outcome, appointment_at=appointment_at,
                                     note=note)
        except CatiError as exc:
            self.status_message.emit(str(exc))
            return False
        self.status_message.emit(f"Case {entry.case_ref}: {outcome.label.lower()} recorded.")
        self.close_case()
        self.refresh(first=True)  # on to the next case to call
        return True

    def start_interview(self) -> None:
        entry = self.current
        if entry is None:
            if self.table.hasFocus():
                self.open_case()
            return
        from icv_app.ui.survey.interview_page import CaseBanner, InterviewPage

        quota = _quota_gate(self.context)
        try:
            phone = self.cati.phone_for(entry.case_id)
            waiting = self.interviews.in_progress(entry.case_id)
            if waiting:
                live = self.interviews.resume(waiting[0].id, quota)
            else:
                instrument = self.interviews.instrument(entry.form_id)
                live = self.interviews.start(
                    entry.form_id, mode=InterviewMode.TELEPHONE, case_id=entry.case_id,
                    preset=presets_for(instrument, self._case_fields(entry.case_id)),
                    quota=quota)
        except (CatiError, InterviewError) as exc:
            self.status_message.emit(str(exc))
            return
        page = self.context.show_page("interview")
        if not isinstance(page, InterviewPage):
            return
        banner = CaseBanner(entry.case_ref, entry.area, phone)
        self.phone.clear()
        self.case_box.hide()
        page.begin(live, on_end=lambda ending, e=entry: self._interview_ended(e, ending),
                   return_to="calls", case=banner)
        page.setFocus()

    def _case_fields(self, case_id: str) -> dict[str, str]:
        body = load_record(self.context.store.reader, "sample_case", case_id) or {}
        fields = {"area": str(body.get("area") or "")}
        strata = body.get("strata")
        if isinstance(strata, dict):
            fields |= {str(k): str(v) for k, v in strata.items()}
        return fields

    def _interview_ended(self, entry: QueueEntry, ending: Ending) -> None:
        """Record the call from how the interview ended; the interviewer says the rest."""
        self.current = entry
        outcome = ENDING_OUTCOME.get(ending.reason)
        if ending.reason == "callback" and ending.appointment_at is not None:
            self.record(CallOutcome.APPOINTMENT, ending.appointment_at, ending.note)
        elif outcome is not None:
            self.record(outcome)
            if outcome is CallOutcome.COMPLETED:
                self.context.sync_now()
        else:
            # Stopped, or not safe to talk: the interviewer records what happened.
            self.open_case()
            self.case_note.setText(
                "Not safe to talk: the interview was ended. Record a call back or the "
                "outcome." if ending.reason == "not_safe" else
                "The interview was stopped. Record the outcome of the call.")


def _quota_gate(context: SurveyContext) -> Any:
    """The quotas of the forms, if this build has them (None: no quota stops anyone)."""
    try:
        from icv_app.services.survey.quotas import QuotaService
    except ModuleNotFoundError:
        return None
    return QuotaService(context.store, context.user_id, now=context.now)


__all__ = ["CallsPage", "presets_for"]
