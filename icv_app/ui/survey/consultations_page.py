"""The Consultations page: a consultation's responses, an online survey tool's CSV export
imported, and email and paper responses keyed in.

Pick a form (the forms held on this laptop). **Import a CSV export…** (Ctrl+O) reads the
file on the store's writer thread and opens the mapping dialog: every column of the file
with a few of its values and what it maps to (a question, the response id, the date
received, or kept as source metadata), filled in from the mapping saved for the form and
the automatic matching (a header equal to a question's label or name). **Import** runs
the import on the writer thread with a progress bar, shows how many responses were
added and how many were already here, and lists every problem with its row and column;
the mapping is saved for the next import of the form. **Key in a response…** (Ctrl+K)
asks the window to open the interview runner for an email or paper response
(``key_in_requested``); the shell does that, not this page.

Signals:
    key_in_requested(str, str): the form_id and the channel ("email" or "paper").
    import_finished(object): an import ended: its ImportOutcome, or the exception that
        stopped it.
    status_message(str): from SurveyPage.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.survey.consultations import RECEIVED, RESPONSE_ID, SOURCE
from icv_app.domain.survey.records import ConsultationResponse, ResponseChannel
from icv_app.services.survey.consultations import (
    ConsultationService,
    ImportOutcome,
    ImportPlan,
)
from icv_app.ui.shared.field_cell import ERROR_COLOUR
from icv_app.ui.shared.input_widgets import ChoiceCombo
from icv_app.ui.shared.rows_model import RowsModel
from icv_app.ui.shared.tasks import when_done
from icv_app.ui.survey.page import SurveyContext, SurveyPage, nothing_imported

if TYPE_CHECKING:
    from icv_app.store.changes import StoreChange

KEYED_CHANNELS = (ResponseChannel.EMAIL, ResponseChannel.PAPER)
SPECIAL_CHOICES = (("Keep as source metadata", SOURCE), ("Response id", RESPONSE_ID),
                   ("Date received (also kept as source metadata)", RECEIVED))
MAX_LABEL = 70
MAX_SAMPLE = 40
MAX_PROBLEMS_SHOWN = 500



def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _plain_label(text: str) -> QLabel:
    """A label showing text from a file as it is (no rich text, no mnemonics)."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    return label


def responses_model(parent: QObject | None = None) -> RowsModel[ConsultationResponse]:
    """The responses of the chosen form."""
    return RowsModel([
        ("Channel", lambda r: r.channel.label),
        ("Response id", lambda r: r.source_id or "(keyed in)"),
        ("Received on", lambda r: r.received_on.strftime("%d %b %Y")),
        ("Keyed in by", lambda r: r.keyed_by),
    ], parent=parent)


class ColumnMappingDialog(QDialog):
    """What each column of the file maps to, pre-filled by the saved mapping and the
    automatic matching; Import is refused (with the reason) until exactly one column is
    the response id and no question is given two columns."""

    def __init__(self, plan: ImportPlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plan = plan
        self.setWindowTitle(f"Import {plan.file}")
        self.combos: dict[str, ChoiceCombo] = {}
        layout = QVBoxLayout(self)
        new = plan.rows - plan.already_there
        intro = _plain_label(
            f"{plan.file}: {_plural(plan.rows, 'response')}, {plan.already_there:,} already "
            f"here ({new:,} to add) for {plan.form_id} version {plan.form_version}. Choose "
            "what each column holds. Columns kept as source metadata are stored with each "
            "response as they are.")
        layout.addWidget(intro)
        if plan.shipped_form:
            shipped = QLabel(f"The form {plan.form_id} is not held here: the version "
                             "shipped with the app will be imported first.")
            shipped.setWordWrap(True)
            layout.addWidget(shipped)

        grid_host = QWidget()
        grid = QGridLayout(grid_host)
        for column, heading in enumerate(("Column", "Some of its values", "Maps to")):
            label = QLabel(f"<b>{heading}</b>")
            grid.addWidget(label, 0, column)
        choices = [*SPECIAL_CHOICES,
                   *((_short(f"{label} ({name})" if label else name, MAX_LABEL), name)
                     for name, label in plan.questions)]
        for row, column_plan in enumerate(plan.columns, start=1):
            header = _plain_label(column_plan.header)
            samples = _plain_label(" · ".join(_short(s, MAX_SAMPLE)
                                              for s in column_plan.samples) or "(empty)")
            combo = ChoiceCombo(choices)
            combo.set_value(column_plan.target)
            combo.setAccessibleName(f"Column {column_plan.header}: maps to")
            combo.setToolTip(f"What the column {column_plan.header!r} holds")
            self.combos[column_plan.header] = combo
            grid.addWidget(header, row, 0)
            grid.addWidget(samples, row, 1)
            grid.addWidget(combo, row, 2)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(len(plan.columns) + 1, 1)  # the rows stay together at the top
        scroll = QScrollArea()
        scroll.setWidget(grid_host)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout.addWidget(scroll, 1)

        if plan.problems:
            found = QLabel(f"Found in the file with this mapping ({len(plan.problems)}):")
            layout.addWidget(found)
            problems = QPlainTextEdit("\n".join(str(p) for p in
                                                plan.problems[:MAX_PROBLEMS_SHOWN]))
            problems.setReadOnly(True)
            problems.setMaximumHeight(120)
            problems.setAccessibleName("Problems found in the file")
            problems.setTabChangesFocus(True)
            found.setBuddy(problems)
            layout.addWidget(problems)

        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.error.setAccessibleName("Why the file cannot be imported yet")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton("&Import",
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setAccessibleName("Import the responses")
        self.import_button.setDefault(True)
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel the import")
        cancel.setAutoDefault(False)  # Enter in a box below imports; it never cancels
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(820, 560)
        if self.combos:
            next(iter(self.combos.values())).setFocus()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.import_button.setDefault(True)  # the button box picks its own on show

    def mapping(self) -> dict[str, str]:
        """Header -> target, as chosen."""
        return {header: str(combo.value()) for header, combo in self.combos.items()}

    def id_column(self) -> str | None:
        return next((h for h, t in self.mapping().items() if t == RESPONSE_ID), None)

    def problem(self) -> str:
        """Why the mapping cannot be used ("" when it can)."""
        chosen = self.mapping()
        ids = [h for h, t in chosen.items() if t == RESPONSE_ID]
        if not ids:
            return ("Choose the column that holds each response's id (Response id): it "
                    "keeps a response from being imported twice.")
        if len(ids) > 1:
            return "Only one column can be the response id: " + ", ".join(ids) + "."
        received = [h for h, t in chosen.items() if t == RECEIVED]
        if len(received) > 1:
            return "Only one column can be the date received: " + ", ".join(received) + "."
        by_question: dict[str, list[str]] = {}
        for header, target in chosen.items():
            if not target.startswith("@"):
                by_question.setdefault(target, []).append(header)
        for question, headers in by_question.items():
            if len(headers) > 1:
                return (f"The columns {', '.join(headers)} all map to the question "
                        f"{question}: choose one, and keep the others as source metadata.")
        return ""

    def accept(self) -> None:
        problem = self.problem()
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        super().accept()


class ConsultationsPage(SurveyPage):
    """A consultation's responses; CSV import and key-in (module doc)."""

    title = "&Consultations"
    key_in_requested = Signal(str, str)
    import_finished = Signal(object)
    _progress = Signal(int, int)

    def __init__(self, context: SurveyContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.service = ConsultationService(context.store, context.user_id, context.username,
                                           now=context.now)
        self.mapping_dialog: ColumnMappingDialog | None = None
        self.importing = False
        self.import_dir: Path | None = None

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        form_label = QLabel("For&m:")  # Alt+F is the window's File menu
        self.form_combo = ChoiceCombo()
        self.form_combo.setAccessibleName("Form")
        form_label.setBuddy(self.form_combo)
        top.addWidget(form_label)
        top.addWidget(self.form_combo, 1)
        layout.addLayout(top)

        actions = QHBoxLayout()
        self.import_button = QPushButton("&Import a CSV export…")
        self.import_button.setAccessibleName("Import a CSV export of online responses")
        self.import_button.setToolTip("Ctrl+O")
        self.import_button.clicked.connect(lambda: self.import_csv())
        actions.addWidget(self.import_button)
        channel_label = QLabel("&Received by:")
        self.channel_combo = ChoiceCombo((c.label, c) for c in KEYED_CHANNELS)
        self.channel_combo.setAccessibleName("Received by (a keyed-in response)")
        channel_label.setBuddy(self.channel_combo)
        actions.addWidget(channel_label)
        actions.addWidget(self.channel_combo)
        self.key_in_button = QPushButton("&Key in a response…")
        self.key_in_button.setAccessibleName("Key in an email or paper response")
        self.key_in_button.setToolTip("Ctrl+K")
        self.key_in_button.clicked.connect(self.request_key_in)
        self.key_in_requested.connect(self.key_in)
        actions.addWidget(self.key_in_button)
        actions.addStretch(1)
        layout.addLayout(actions)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = responses_model(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Responses")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout.addWidget(self.table, 1)

        self.progress = QProgressBar()
        self.progress.setAccessibleName("Import progress")
        self.progress.hide()
        layout.addWidget(self.progress)
        self.outcome = QPlainTextEdit()
        self.outcome.setReadOnly(True)
        self.outcome.setTabChangesFocus(True)
        self.outcome.setAccessibleName("Outcome of the last import")
        self.outcome.setMaximumHeight(160)
        self.outcome.hide()
        layout.addWidget(self.outcome)

        for keys, slot in (("Ctrl+O", self.import_csv), ("Ctrl+K", self.request_key_in)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda slot=slot: slot())
        self._progress.connect(self._show_progress)
        self.form_combo.value_changed.connect(lambda _value: self.refresh_responses())
        self.refresh()

    # What is shown -------------------------------------------------------------------
    @property
    def form_id(self) -> str | None:
        value = self.form_combo.value()
        return str(value) if value else None

    def refresh(self) -> None:
        forms = self.service.forms()
        self.form_combo.set_choices(
            (f"{title} ({form_id})" if title and title != form_id else form_id, form_id)
            for form_id, title in forms)
        self.refresh_responses()

    def refresh_responses(self) -> None:
        form_id = self.form_id
        has_form = form_id is not None
        for widget in (self.import_button, self.key_in_button, self.channel_combo):
            widget.setEnabled(has_form and not (self.importing and widget is
                                                self.import_button))
        if form_id is None:
            self.model.set_rows([])
            self.summary.setText("No forms are held on this laptop yet: a survey manager "
                                 "imports them (icv-app survey import FILE.xlsx), and they "
                                 "arrive with the next sync.")
            return
        self.model.set_rows(self.service.responses(form_id))
        counts = self.service.counts(form_id)
        total = sum(counts.values())
        by_channel = ", ".join(f"{n:,} {ResponseChannel.from_value(c).label.lower()}"
                               for c, n in counts.items() if n)
        self.summary.setText(f"{_plural(total, 'response')}" +
                             (f": {by_channel}." if total else "."))

    def shown(self) -> None:
        self.refresh()

    def store_changed(self, change: StoreChange) -> None:
        if change.touches("consultation_response") or change.touches("survey_instrument"):
            self.refresh()

    # Key in ----------------------------------------------------------------------------
    def request_key_in(self) -> None:
        form_id = self.form_id
        if form_id is None:
            return
        channel = self.channel_combo.value()
        assert isinstance(channel, ResponseChannel)
        self.key_in_requested.emit(form_id, channel.value)

    def key_in(self, form_id: str, channel: str) -> None:
        """Key in an email or paper response in the interview runner; when it is
        complete it is kept as a consultation response with its channel."""
        from icv_app.services.survey.interviews import InterviewError
        from icv_app.services.survey.key_in import KeyInInterviews
        from icv_app.ui.survey.interview_page import InterviewPage

        keying = KeyInInterviews(self.context.store, self.context.user_id,
                                 self.context.username, now=self.context.now)
        try:
            live = keying.begin(form_id, channel)
        except (InterviewError, ValueError) as exc:
            self.status_message.emit(str(exc))
            return
        page = self.context.show_page("interview")
        if not isinstance(page, InterviewPage):
            return

        def ended(_ending: object) -> None:
            kept = keying.kept
            if kept is None:
                self.status_message.emit("Keying in stopped: nothing was kept.")
                return
            left = f" ({len(kept.problems)} to check)" if kept.problems else ""
            self.status_message.emit(f"The {kept.response.channel.label.lower()} response "
                                     f"is kept{left}.")
            self.refresh_responses()

        page.begin(live, on_end=ended, return_to="consultations")
        page.setFocus()

    # Import ----------------------------------------------------------------------------
    def choose_file(self) -> Path | None:
        folder = self.import_dir or Path.home()
        path, _chosen = QFileDialog.getOpenFileName(
            self, "Import a CSV export of responses", str(folder),
            "CSV files (*.csv);;All files (*)")
        return Path(path) if path else None

    def import_csv(self, path: Path | None = None) -> None:
        """Choose a file (unless given), then show the mapping dialog for it."""
        form_id = self.form_id
        if form_id is None or self.importing:
            return
        path = path or self.choose_file()
        if path is None:
            return
        self.import_dir = path.parent
        self._say(f"Reading {path.name}…")
        when_done(self.service.submit_preview(path, form_id), self,
                  lambda plan: self._open_mapping(path, plan), self._failed)

    def _open_mapping(self, path: Path, plan: ImportPlan) -> None:
        dialog = ColumnMappingDialog(plan, self)
        self.mapping_dialog = dialog
        dialog.accepted.connect(lambda: self._start_import(path, plan, dialog))
        dialog.finished.connect(lambda _result: self._dialog_closed(dialog))
        dialog.open()

    def _dialog_closed(self, dialog: ColumnMappingDialog) -> None:
        if self.mapping_dialog is dialog:
            self.mapping_dialog = None
        dialog.deleteLater()

    def _start_import(self, path: Path, plan: ImportPlan, dialog: ColumnMappingDialog) -> None:
        self.importing = True
        self.refresh_responses()
        self.progress.setRange(0, max(1, plan.rows))
        self.progress.setValue(0)
        self.progress.show()
        self._say(f"Importing {path.name}…")
        future = self.service.submit_import(path, plan.form_id, dialog.id_column(),
                                            dialog.mapping(), progress=self._report)
        when_done(future, self, self._imported, self._failed)

    def _report(self, done: int, total: int) -> None:
        """Progress, called on the writer thread: never let a closed page fail the job."""
        if shiboken6.isValid(self):
            with contextlib.suppress(RuntimeError):  # deleted between the check and now
                self._progress.emit(done, total)

    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(done)

    def _imported(self, outcome: ImportOutcome) -> None:
        self._finish()
        lines = []
        if outcome.instrument_imported:
            lines.append(f"The form {outcome.form_id} was not here: imported the version "
                         f"shipped with the app ({outcome.form_version}) first.")
        lines.append(outcome.summary())
        if outcome.unmatched_columns:
            lines.append("Kept as source metadata: " + ", ".join(outcome.unmatched_columns))
        if outcome.not_imported:
            lines.append(f"{_plural(outcome.not_imported, 'row')} not imported (see below).")
        lines += [str(p) for p in outcome.problems[:MAX_PROBLEMS_SHOWN]]
        if len(outcome.problems) > MAX_PROBLEMS_SHOWN:
            lines.append(f"… and {len(outcome.problems) - MAX_PROBLEMS_SHOWN:,} more "
                         "problems (icv-app consultation import lists every one).")
        self.outcome.setPlainText("\n".join(lines))
        self.outcome.show()
        self.status_message.emit(outcome.summary())
        self.refresh()
        self.import_finished.emit(outcome)

    def _failed(self, exc: BaseException) -> None:
        self._finish()
        self.outcome.setPlainText(nothing_imported(exc))
        self.outcome.show()
        self.status_message.emit("Nothing was imported.")
        self.import_finished.emit(exc)

    def _finish(self) -> None:
        self.importing = False
        self.progress.hide()
        self.refresh_responses()

    def _say(self, text: str) -> None:
        self.status_message.emit(text)

