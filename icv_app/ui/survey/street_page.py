"""Street interviews (CAPI): no sample list. Pick the form (and the language the
respondent prefers), start an interview, and go on with one that was interrupted. Quotas
still apply: an interview whose quota cell is full ends as soon as the cell is known.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.survey.records import InterviewMode
from icv_app.services.survey.instruments import InstrumentService
from icv_app.services.survey.interviews import InterviewError, InterviewService
from icv_app.ui.survey.calls_page import _quota_gate
from icv_app.ui.survey.page import SurveyContext, SurveyPage

if TYPE_CHECKING:
    from icv_app.store.changes import StoreChange
    from icv_app.ui.survey.interview_page import Ending


class StreetPage(SurveyPage):
    """Signals: started(str): an interview began (its id), for tests."""

    title = "S&treet interviews"
    started = Signal(str)

    def __init__(self, context: SurveyContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.instruments = InstrumentService(context.store)
        self.interviews = InterviewService(context.store, context.user_id, now=context.now)
        self.form = QComboBox()
        self.form.setAccessibleName("Form")
        self.form.currentIndexChanged.connect(self._form_chosen)
        self.language = QComboBox()
        self.language.setAccessibleName("Language")
        self.start_button = QPushButton("Start a street &interview (Ctrl+Return)")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.waiting = QListWidget()
        self.waiting.setAccessibleName("Interrupted interviews")
        self.waiting.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.waiting.itemActivated.connect(self._resume_item)
        self.note = QLabel()
        self.note.setWordWrap(True)
        form_label = QLabel("&Form:")
        form_label.setBuddy(self.form)
        language_label = QLabel("&Language:")
        language_label.setBuddy(self.language)
        waiting_label = QLabel("Interrupted interviews (Enter goes on with one):")
        waiting_label.setBuddy(self.waiting)
        fields = QFormLayout()
        fields.addRow(form_label, self.form)
        fields.addRow(language_label, self.language)
        layout = QVBoxLayout(self)
        layout.addLayout(fields)
        layout.addWidget(self.start_button)
        layout.addWidget(self.note)
        layout.addWidget(waiting_label)
        layout.addWidget(self.waiting, 1)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.start)
        self.setFocusProxy(self.form)
        self.refresh()

    def shown(self) -> None:
        self.refresh()

    def store_changed(self, change: StoreChange) -> None:
        # Out of sight (an interview running: each answer is a change) it waits for
        # shown(), which reads afresh.
        if self.isVisible() and change.kinds & {"survey_instrument", "survey_interview"}:
            self.refresh()

    def refresh(self) -> None:
        chosen = self.form.currentData()
        self.form.blockSignals(True)
        self.form.clear()
        latest = {f.form_id: f.title or f.form_id for f in self.instruments.latest_forms()}
        for form_id, title in sorted(latest.items()):
            self.form.addItem(f"{title} ({form_id})", form_id)
        index = self.form.findData(chosen)
        self.form.setCurrentIndex(index if index >= 0 else 0)
        self.form.blockSignals(False)
        self._form_chosen()
        self.start_button.setEnabled(bool(latest))
        self.note.setText("" if latest else "No forms on this laptop yet: they arrive "
                          "with the next sync once your survey manager imports them.")
        self.waiting.clear()
        for summary in self.interviews.in_progress():
            if summary.mode is not InterviewMode.STREET:
                continue
            started = summary.started_at.astimezone().strftime("%a %d %b %H:%M")
            item = QListWidgetItem(f"{summary.form_id}, started {started}, "
                                   f"{summary.answered} answered")
            item.setData(Qt.ItemDataRole.UserRole, summary.id)
            self.waiting.addItem(item)

    def _form_chosen(self) -> None:
        form_id = self.form.currentData()
        self.language.clear()
        if not form_id:
            return
        try:
            instrument = self.interviews.instrument(str(form_id))
        except InterviewError:
            return
        for language in instrument.languages:
            self.language.addItem(language.split(" (")[0], language)
        self.language.setCurrentIndex(
            max(0, self.language.findData(instrument.default_language)))

    def start(self) -> None:
        form_id = self.form.currentData()
        if not form_id:
            return
        preset: dict[str, str] = {}
        try:
            instrument = self.interviews.instrument(str(form_id))
            mode = instrument.find("interview_mode")
            if mode is not None:
                preset["interview_mode"] = InterviewMode.STREET.value
            live = self.interviews.start(
                str(form_id), mode=InterviewMode.STREET, preset=preset,
                language=self.language.currentData(), quota=_quota_gate(self.context))
        except InterviewError as exc:
            self.status_message.emit(str(exc))
            return
        self._run(live)

    def _resume_item(self, item: QListWidgetItem) -> None:
        try:
            live = self.interviews.resume(str(item.data(Qt.ItemDataRole.UserRole)),
                                          _quota_gate(self.context))
        except InterviewError as exc:
            self.status_message.emit(str(exc))
            return
        self._run(live)

    def _run(self, live: object) -> None:
        from icv_app.services.survey.interviews import LiveInterview
        from icv_app.ui.survey.interview_page import InterviewPage

        assert isinstance(live, LiveInterview)
        page = self.context.show_page("interview")
        if not isinstance(page, InterviewPage):
            return
        page.begin(live, on_end=self._ended, return_to="street")
        self.started.emit(live.id)
        page.setFocus()

    def _ended(self, ending: Ending) -> None:
        text = {"complete": "Interview complete and saved.",
                "quota_full": "The respondent's quota cell is full: thank them; the "
                              "interview was not counted."}.get(
            ending.reason, "Interview stopped; what was answered is kept.")
        self.status_message.emit(text)
        if ending.reason == "complete":
            self.context.sync_now()
