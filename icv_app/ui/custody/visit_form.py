"""The visit report form: its sections in tabs, the problems still to fix, and what a
volunteer does with a finished report (submit, amend, export as PDF).

Every edit is saved at once (the service coalesces saves on its writer thread) and
re-validated, so the messages beside the fields are always current and nothing typed is
lost if the app is killed. Long work (the PDF) runs on a worker thread.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.corrections import CorrectedReport, apply_corrections
from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.validation import Problem, Severity, count_problems, validate
from icv_app.domain.custody.visit import Amendment, VisitReport
from icv_app.kinds.custody import VISIT
from icv_app.services.custody.visits import (
    SubmitRefused,
    VisitService,
    confirmers_needed,
    submit_problems,
)
from icv_app.ui.custody.amendments_panel import AmendmentsPanel
from icv_app.ui.custody.autosaver import Autosaver
from icv_app.ui.custody.form_banner import banner_text
from icv_app.ui.custody.form_conditions import ConditionsSection
from icv_app.ui.custody.form_counts import CountsSection
from icv_app.ui.custody.form_detainees import DetaineesSection
from icv_app.ui.custody.form_header import HeaderSection
from icv_app.ui.custody.form_issues import IssuesSection
from icv_app.ui.custody.pdf_export import pdf_file_name, write_pdf
from icv_app.ui.custody.problems_panel import ProblemsPanel, where
from icv_app.ui.shared.form_section import FormSection
from icv_app.ui.shared.tasks import run_in_background, when_done

if TYPE_CHECKING:
    from icv_app.store.changes import StoreChange
    from icv_app.store.custody.visits import SaveOutcome
    from icv_app.ui.custody.amendment_dialog import AmendmentValues


def section_of(path: str) -> str:
    """Which section a field path is in: header, counts, detainees, conditions, issues."""
    head = path.split(".", 1)[0].split("[", 1)[0]
    return "header" if head == "confirmed_by" else head


def correction_notes(corrected: CorrectedReport) -> dict[str, str]:
    """The line beside each corrected field: the original, when and why."""
    from icv_app.domain.custody.times import to_local

    notes = {}
    for path, changes in corrected.corrections.items():
        lines = []
        for c in changes:
            when = to_local(c.amendment.created_at).strftime("%d %b %Y")
            lines.append(f"Corrected from “{c.original}” on {when}: {c.reason}")
        notes[path] = "\n".join(lines)
    return notes


class VisitForm(QWidget):
    """One visit report, editable while a draft.

    Signals:
        status_message(str): something to tell the user in the status bar.
        submitted(str): the visit with this id was submitted.
        amended(str): an amendment was added to the visit with this id.
        pdf_exported(str): a PDF was written to this path.
        problems_changed(): validation ran and the messages were updated.
    """

    status_message = Signal(str)
    submitted = Signal(str)
    amended = Signal(str)
    pdf_exported = Signal(str)
    problems_changed = Signal()

    def __init__(
        self,
        service: VisitService,
        reference: ReferenceData,
        export_dir: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.reference = reference
        self.export_dir = export_dir
        self.report = VisitReport()
        self.amendments: list[Amendment] = []
        self.problems: list[Problem] = []
        self.corrected: CorrectedReport | None = None
        self.read_only = False
        self.autosaver = Autosaver(service, self)
        self.autosaver.moved.connect(self._moved)
        self.dialog: QWidget | None = None  # the dialog or message box open, if any

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setObjectName("formBanner")
        self.submit_button = QPushButton("Submit…")
        self.submit_button.setAccessibleName("Submit the report")
        self.submit_button.setToolTip("Submit the report (Ctrl+Enter)")
        self.submit_button.clicked.connect(self.submit)
        self.amend_button = QPushButton("Add amendment…")
        self.amend_button.setAccessibleName("Add an amendment")
        self.amend_button.setToolTip("Correct the submitted report (Ctrl+Shift+A)")
        self.amend_button.clicked.connect(self.add_amendment)
        self.pdf_button = QPushButton("Export PDF…")
        self.pdf_button.setAccessibleName("Export the report as PDF")
        self.pdf_button.setToolTip("Export the report as PDF (Ctrl+P)")
        self.pdf_button.clicked.connect(self.export_pdf)
        top = QHBoxLayout()
        top.addWidget(self.banner, 1)
        top.addWidget(self.submit_button)
        top.addWidget(self.amend_button)
        top.addWidget(self.pdf_button)

        self.header = HeaderSection(reference)
        self.counts = CountsSection()
        self.detainees = DetaineesSection(reference.custody_number_pattern)
        self.conditions = ConditionsSection()
        self.issues = IssuesSection()
        self.sections: list[FormSection] = [
            self.header, self.counts, self.detainees, self.conditions, self.issues,
        ]
        self.amendments_panel = AmendmentsPanel(reference)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Sections of the report")
        for section in self.sections:
            self.tabs.addTab(section, section.title)
            section.changed.connect(self._edited)
            section.held_changed.connect(self._validate)
        self.tabs.addTab(self.amendments_panel, AmendmentsPanel.title)
        from icv_app.services.custody.coordination import CoordinationService
        from icv_app.ui.custody.messages_panel import MessagesPanel

        self.coordination = CoordinationService(service.store)
        self.messages = MessagesPanel(reference)
        self.messages.status_message.connect(self.status_message)
        self.tabs.addTab(self.messages, MessagesPanel.title)
        self.detainees.changed.connect(self.issues.detainees_changed)

        self.problems_panel = ProblemsPanel()
        self.problems_panel.go_to.connect(self.go_to)
        splitter = QSplitter()
        splitter.addWidget(self.tabs)
        splitter.addWidget(self.problems_panel)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([820, 260])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

    # Loading -------------------------------------------------------------------------
    def load(self, report: VisitReport, amendments: list[Amendment] | None = None) -> None:
        """Show a report. A submitted one is shown with its corrections in place: each
        corrected field holds the corrected value, with the original and the reason
        beside it (``self.report`` stays the report as submitted)."""
        self.report = report
        self.amendments = list(amendments or [])
        shown = report
        notes: dict[str, str] = {}
        if report.is_submitted:
            self.corrected = apply_corrections(report, self.amendments)
            shown = self.corrected.report
            notes = correction_notes(self.corrected)
        for section in self.sections:
            section.load(shown)
            section.show_notes(notes)
        self._set_read_only(report.is_submitted)
        self._show_messages()
        self._validate()
        self.tabs.setCurrentIndex(0)

    def set_reference(self, reference: ReferenceData) -> None:
        """The scheme's lists changed (a sync brought a coordinator's edit): offer what
        they say now, keeping everything typed."""
        self.reference = reference
        self.header.reference = reference
        self.header.visitors.reference = reference
        self.amendments_panel.reference = reference
        shown = self.corrected.report if self.corrected is not None else self.report
        self.header.load(shown)
        self._validate()
        self._update_banner()

    def _show_messages(self) -> None:
        """The coordinator's questions and the follow-ups of this report; the tab counts
        the questions waiting for a reply."""
        self.messages.show_report(self.coordination, self.report.id, self.report.is_submitted)
        waiting = self.messages.count()
        index = self.tabs.indexOf(self.messages)
        self.tabs.setTabText(index, self.messages.title + (f" ({waiting})" if waiting else ""))

    def store_changed(self, change: StoreChange) -> None:
        """A committed change in the store: show the newer copy if this report (or one
        of its amendments) was changed by someone other than this form."""
        from icv_app.ui.custody.messages_panel import MESSAGE_KINDS

        if MESSAGE_KINDS & change.kinds and self.report.is_submitted:
            self._show_messages()
        report = self.report
        if self.service.origin_of(report) == change.origin:
            return
        ours = change.touches("visit", report.id)
        amended = "amendment" in change.kinds and report.is_submitted
        if not (ours or amended):
            return
        if ours:
            self.reload("This report was changed by a sync; the newer copy is shown.")
        else:
            self.reload()  # an amendment: show its correction in place

    def reload(self, message: str = "") -> None:
        """Show the report as stored now (it changed elsewhere), on the same tab."""
        from icv_app.store.custody.visits import VisitNotFound

        tab = self.tabs.currentIndex()
        try:
            report = self.service.load(self.report.id)
        except VisitNotFound:
            self.status_message.emit("This report is no longer on this laptop.")
            return
        self.load(report, self.service.amendments(report.id))
        self.tabs.setCurrentIndex(tab)
        if message:
            self.status_message.emit(message)

    def _moved(self, outcome: SaveOutcome) -> None:
        if outcome.overruled:
            fields = ", ".join(VISIT.describe(p) for p in outcome.overruled[:5])
            text = (
                "This report was changed elsewhere while you typed. Your other edits are "
                f"kept; for {fields} the other change was kept: check it."
            )
        elif outcome.restored:
            text = "This draft had been deleted elsewhere; your edit kept it."
        else:
            text = "This report was changed elsewhere; your edits were added to that version."
        self.reload(text)

    def _set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        for section in self.sections:
            section.set_read_only(read_only)
        self.submit_button.setEnabled(not read_only)
        self.submit_button.setVisible(not self.report.is_submitted)
        self.amend_button.setVisible(self.report.is_submitted)
        self.amendments_panel.set_amendments(self.amendments, self.report.is_submitted)
        self.problems_panel.setVisible(not self.report.is_submitted)
        self._update_banner()

    def reference_text(self) -> str:
        """The report's short reference (``ICV-26-7K3Q-F2M9``), as printed on its PDF."""
        from icv_app.reports.custody.visit_outline import visit_reference

        return visit_reference(self.report, self.reference)

    def _update_banner(self) -> None:
        self.banner.setText(banner_text(self.report, self.reference))

    # Editing -------------------------------------------------------------------------
    def _edited(self) -> None:
        if self.read_only:
            return
        self.autosaver.save(self.report)
        self._validate()
        self._update_banner()

    def held_problems(self, everything: bool = False) -> list[Problem]:
        """Text typed that cannot be stored, still in the form (never saved)."""
        return [p for section in self.sections for p in section.held_problems(everything)]

    def _validate(self) -> None:
        if self.report.is_submitted:
            self.problems = []
        else:
            held = self.held_problems()
            # A field whose text is held back (shown yet or not) is not judged by the
            # value it had before: only why its text cannot be stored is said.
            held_fields = {p.field for p in self.held_problems(everything=True)}
            context = self.service.context()
            # A field whose text is held back shows why, not what its old value implies.
            self.problems = held + [
                p for p in validate(self.report, context) if p.field not in held_fields
            ]
        for section in self.sections:
            section.show_problems(self.problems)
        self.problems_panel.set_problems(self.problems, self.report.is_submitted)
        self._count_on_tabs()
        self.problems_changed.emit()

    def _count_on_tabs(self) -> None:
        """Each section's tab says how many problems it has."""
        for i, section in enumerate(self.sections):
            mine = [p for p in self.problems if section_of(p.field) == section.prefix_key]
            errors, warnings = count_problems(mine)
            title = section.title
            if errors or warnings:
                title += f" ({errors + warnings})"
            self.tabs.setTabText(i, title)
            tip = ", ".join(
                part for part in (
                    f"{errors} to fix" if errors else "", f"{warnings} to check" if warnings
                    else "",
                ) if part
            )
            self.tabs.setTabToolTip(i, tip)

    def cell_message(self, path: str) -> str:
        """The message shown beside the field with this path ("" if none or not shown)."""
        for section in self.sections:
            cell = section.cells.get(path)
            if cell is not None:
                return cell.message_text()
        for section in (self.detainees, self.issues):
            parts = path.split(".", 1)
            if parts[0].startswith(section.prefix + "[") and len(parts) == 2:
                index = int(parts[0][len(section.prefix) + 1 : -1])
                if section.current_index == index:
                    cell = section.editor.cells.get(parts[1])
                    if cell is not None:
                        return cell.message_text()
        return ""

    def focused_path(self) -> str:
        """The path of the field the keyboard focus is in ("" if none)."""
        from PySide6.QtWidgets import QApplication

        focus = QApplication.focusWidget()
        if focus is None:
            return ""
        for section in self.sections:
            for path, cell in section.cells.items():
                if focus in (cell.widget, cell.widget.focusProxy()):
                    return path
        for section in (self.detainees, self.issues):
            index = section.current_index
            for path, cell in section.editor.cells.items():
                if index >= 0 and focus in (cell.widget, cell.widget.focusProxy()):
                    return f"{section.prefix}[{index}].{path}"
        return ""

    def go_to(self, path: str) -> None:
        """Show the section holding the field with this path and focus its input."""
        for section in self.sections:
            if path in section.cells or (
                isinstance(section, DetaineesSection | IssuesSection)
                and path.startswith(section.prefix + "[")
            ):
                self.tabs.setCurrentWidget(section)
                section.focus_field(path)
                return
        if path == "confirmed_by":
            self.tabs.setCurrentWidget(self.header)
            self.header.focus_field("header.visitors")

    def _refuse_if_read_only(self) -> bool:
        """Say why an edit cannot be made to this report (True: it cannot)."""
        if not self.read_only:
            return False
        if self.report.is_submitted:
            self.status_message.emit(
                "This report is submitted and cannot be edited: correct it with Add "
                "amendment (Ctrl+Shift+A)."
            )
        else:
            self.status_message.emit("The report is being submitted; wait a moment.")
        return True

    def add_detainee(self) -> None:
        if self._refuse_if_read_only():
            return
        self.tabs.setCurrentWidget(self.detainees)
        self.detainees.add_item()

    def add_issue(self) -> None:
        if self._refuse_if_read_only():
            return
        self.tabs.setCurrentWidget(self.issues)
        self.issues.add_item()

    # Submitting ----------------------------------------------------------------------
    def submit(self) -> None:
        if self._refuse_if_read_only():
            return
        problems = self.held_problems(everything=True) + submit_problems(
            self.report, confirmers_needed(self.report), self.service.context()
        )
        if problems:
            self._show_refusal(problems)
            return
        from icv_app.ui.custody.submit_dialog import SubmitDialog

        warnings = sum(p.severity is Severity.WARNING for p in self.problems)
        dialog = SubmitDialog(self.report, self.reference, self,
                              review_html=self.review_html(), warnings=warnings)
        dialog.accepted.connect(lambda: self._confirmed(dialog.confirmed_by()))
        dialog.finished.connect(dialog.deleteLater)
        self._open(dialog)

    def review_html(self) -> str:
        """The report as it will be printed, with empty and flagged fields marked."""
        from icv_app.ui.custody.review import review_html

        return review_html(self.report, self.amendments, self.reference, self.problems)

    def _confirmed(self, confirmed_by: list[str]) -> None:
        try:
            future = self.service.submit(self.report, confirmed_by)
        except SubmitRefused as refused:
            self._show_refusal(refused.problems)
            return
        self._set_read_only(True)
        self.status_message.emit("Submitting…")
        when_done(future, self, self._submitted, self._submit_failed)

    def _submitted(self, report: VisitReport) -> None:
        self.load(report, self.amendments)
        self.status_message.emit("Report submitted.")
        self.submitted.emit(report.id)

    def _submit_failed(self, exc: BaseException) -> None:
        from icv_app.store.custody.visits import RecordMoved

        self._set_read_only(False)
        if isinstance(exc, RecordMoved):
            self.reload()
        self._message(QMessageBox.Icon.Critical, "The report was not submitted", str(exc))

    def _show_refusal(self, problems: list[Problem]) -> None:
        lines = "\n".join(f"• {where(p.field)}: {p.message}" for p in problems)
        self._message(
            QMessageBox.Icon.Warning,
            "The report cannot be submitted yet",
            f"Fix these first (they are also listed under Problems):\n\n{lines}",
        )
        if problems:
            self.go_to(problems[0].field)

    def _message(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        box = QMessageBox(icon, title, title, QMessageBox.StandardButton.Ok, self)
        box.setInformativeText(text)
        box.finished.connect(box.deleteLater)
        self._open(box)

    def _open(self, dialog: QWidget) -> None:
        """Open window-modal and take the keyboard focus (Escape closes it)."""
        self.dialog = dialog
        # Back to the form when it closes (window managers mostly do this anyway).
        dialog.finished.connect(lambda _result: self.window().activateWindow())  # type: ignore[attr-defined]
        dialog.open()  # type: ignore[attr-defined]
        dialog.activateWindow()

    # Amending ------------------------------------------------------------------------
    def add_amendment(self) -> None:
        if not self.report.is_submitted:
            self.status_message.emit(
                "Amendments are for submitted reports; a draft is corrected by editing it."
            )
            return
        from icv_app.ui.custody.amendment_dialog import AmendmentDialog

        # Offered with the values as corrected so far (a second correction of a field
        # starts from the first one's value).
        shown = self.corrected.report if self.corrected is not None else self.report
        # Started from a field (Ctrl+Shift+A with the focus in it): that field is chosen.
        dialog = AmendmentDialog(shown, self.reference, self, field_path=self.focused_path())
        dialog.accepted.connect(lambda: self._amend(dialog.values()))
        dialog.finished.connect(dialog.deleteLater)
        self._open(dialog)

    def _amend(self, values: AmendmentValues) -> None:
        future = self.service.add_amendment(
            self.report.id, values.reason, values.text, values.author_id,
            field_path=values.field_path, new_value=values.new_value,
        )
        self.status_message.emit("Saving the amendment…")
        when_done(future, self, self._amended, self._amend_failed)

    def _amended(self, amendment: Amendment) -> None:
        if amendment.visit_id != self.report.id:
            return
        self.load(self.report, self.service.amendments(self.report.id))
        if amendment.field_path:
            self.go_to(amendment.field_path)
        else:
            self.tabs.setCurrentWidget(self.amendments_panel)
        self.status_message.emit("Amendment added.")
        self.amended.emit(self.report.id)

    def _amend_failed(self, exc: BaseException) -> None:
        self._message(QMessageBox.Icon.Critical, "The amendment was not saved", str(exc))

    # PDF -------------------------------------------------------------------------------
    def export_pdf(self) -> None:
        folder = self.export_dir or Path.home()
        suggested = str(folder / pdf_file_name(self.report, self.reference))
        path, _ = QFileDialog.getSaveFileName(
            self, "Export visit report as PDF", suggested, "PDF documents (*.pdf)"
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != ".pdf":
            target = target.with_suffix(".pdf")
        target.parent.mkdir(parents=True, exist_ok=True)
        # A snapshot: the worker must not read a report the user is still editing.
        future = run_in_background(
            write_pdf, copy.deepcopy(self.report), list(self.amendments), self.reference, target
        )
        self.status_message.emit(f"Writing {target.name}…")
        when_done(future, self, self._exported, self._export_failed)

    def _exported(self, path: Path) -> None:
        self.status_message.emit(f"PDF saved to {path}")
        self.pdf_exported.emit(str(path))

    def _export_failed(self, exc: BaseException) -> None:
        self._message(QMessageBox.Icon.Critical, "The PDF was not written", str(exc))
