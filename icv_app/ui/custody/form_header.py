"""The header of a visit report: where, when, who, how it went."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import Header, VisitMode, VisitOutcome, VisitReport
from icv_app.ui.custody.visitors_editor import VisitorsEditor
from icv_app.ui.shared.form_section import FormSection, new_form_layout, scrolling
from icv_app.ui.shared.input_widgets import (
    ChoiceCombo,
    EnumCombo,
    NumberBox,
    OptionalDateEdit,
    TimeField,
)


class HeaderSection(FormSection):
    title = "&Header"
    prefix_key = "header"

    def __init__(self, reference: ReferenceData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reference = reference
        h = self._header

        content = QWidget()
        page = QVBoxLayout(content)

        where = QGroupBox("Where and when")
        form = new_form_layout()
        where.setLayout(form)
        self.suite = ChoiceCombo(self._suite_choices(""))
        self.bind_attr(self.suite, h, "suite_id")
        self.add_field(form, "Custody suite", self.suite, "header.suite_id", required=True)
        self.panel = ChoiceCombo([("Not set", "")] + [(p, p) for p in reference.panels])
        self.bind_attr(self.panel, h, "panel")
        self.add_field(form, "Panel", self.panel, "header.panel")
        self.visit_date = OptionalDateEdit("Not set")
        self.bind_attr(self.visit_date, h, "visit_date")
        self.add_field(form, "Date of visit", self.visit_date, "header.visit_date",
                       required=True)
        self.arrival = TimeField()
        self.bind_attr(self.arrival, h, "arrival_time")
        self.add_field(form, "Arrived at", self.arrival, "header.arrival_time", required=True)
        self.admitted = TimeField()
        self.admitted.setAccessibleName("Admitted to custody at")
        self.bind_attr(self.admitted, h, "admitted_time")
        self.admitted_next_day = QCheckBox("next day (after midnight)")
        self.admitted_next_day.setAccessibleName("Admitted the next day, after midnight")
        self.bind_attr(self.admitted_next_day, h, "admitted_next_day")
        self.add_field(form, "Admitted to custody at",
                       self._with_next_day(self.admitted, self.admitted_next_day),
                       "header.admitted_time")
        self.departure = TimeField()
        self.departure.setAccessibleName("Departed at (required)")
        self.bind_attr(self.departure, h, "departure_time")
        self.departure_next_day = QCheckBox("next day (after midnight)")
        self.departure_next_day.setAccessibleName("Departed the next day, after midnight")
        self.bind_attr(self.departure_next_day, h, "departure_next_day")
        self.add_field(form, "Departed at",
                       self._with_next_day(self.departure, self.departure_next_day),
                       "header.departure_time", required=True)
        self.zone_note = QLabel(f"Times are local ({reference.time_zone}).")
        self.zone_note.setObjectName("hint")
        form.addRow("", self.zone_note)
        page.addWidget(where)

        delay = QGroupBox("Delay before admission")
        form = new_form_layout()
        delay.setLayout(form)
        self.delay_minutes = NumberBox()
        self.delay_minutes.setRange(0, 24 * 60)
        self.delay_minutes.setSuffix(" min")
        self.delay_minutes.setMaximumWidth(110)
        self.bind_attr(self.delay_minutes, h, "delay_minutes")
        self.add_field(form, "Kept waiting", self.delay_minutes, "header.delay_minutes")
        self.delay_reason = QLineEdit()
        self.bind_attr(self.delay_reason, h, "delay_reason")
        self.add_field(form, "Reason for the delay", self.delay_reason, "header.delay_reason")
        self.delay_authorised_by = QLineEdit()
        self.delay_authorised_by.setPlaceholderText("Inspector or above: name or number")
        self.bind_attr(self.delay_authorised_by, h, "delay_authorised_by")
        self.add_field(
            form, "Delay authorised by", self.delay_authorised_by, "header.delay_authorised_by"
        )
        page.addWidget(delay)

        people = QGroupBox("Visitors and outcome")
        form = new_form_layout()
        people.setLayout(form)
        self.visitors = VisitorsEditor(reference)
        self.visitors.anchor = self.delay_authorised_by
        self.visitors.changed.connect(self.emit_changed)
        self.add_field(form, "Visitors", self.visitors, "header.visitors", required=True)
        self.mode = EnumCombo(list(VisitMode))
        self.bind_attr(self.mode, h, "mode")
        self.add_field(form, "Mode", self.mode, "header.mode")
        self.outcome = EnumCombo(list(VisitOutcome))
        self.bind_attr(self.outcome, h, "outcome")
        self.add_field(form, "Outcome", self.outcome, "header.outcome")
        self.outcome_note = QLineEdit()
        self.outcome_note.setPlaceholderText("Why the visit was abandoned or refused")
        self.bind_attr(self.outcome_note, h, "outcome_note")
        self.add_field(form, "Outcome note", self.outcome_note, "header.outcome_note")
        self.officer = QLineEdit()
        self.officer.setPlaceholderText("Name or number")
        self.bind_attr(self.officer, h, "officer_in_charge")
        self.add_field(form, "Custody officer in charge", self.officer,
                       "header.officer_in_charge")
        page.addWidget(people)

        tact = QGroupBox("Terrorism Act (TACT) detainees")
        form = new_form_layout()
        tact.setLayout(form)
        self.tact = QCheckBox("TACT detainees were in custody")
        self.bind_attr(self.tact, h, "tact")
        self.add_field(form, "TACT", self.tact, "header.tact")
        self.tact_copy_sent = OptionalDateEdit("Not sent")
        self.bind_attr(self.tact_copy_sent, h, "tact_copy_sent")
        self.add_field(
            form, "Copy sent to the Independent Reviewer", self.tact_copy_sent,
            "header.tact_copy_sent",
        )
        self.tact_recordings = QCheckBox("Interview recordings viewed")
        self.bind_attr(self.tact_recordings, h, "tact_recordings_viewed")
        self.add_field(form, "Recordings", self.tact_recordings, "header.tact_recordings_viewed")
        self.tact_denied_by = QLineEdit()
        self.tact_denied_by.setPlaceholderText("Inspector or above, if access was denied")
        self.bind_attr(self.tact_denied_by, h, "tact_access_denied_by")
        self.add_field(
            form, "Access to recordings denied by", self.tact_denied_by,
            "header.tact_access_denied_by",
        )
        page.addWidget(tact)
        page.addStretch(1)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(self, content))

    def _header(self) -> Header:
        return self.report.header

    def _suite_choices(self, keep: str) -> list[tuple[str, str]]:
        """Open suites (a closed one only when the report already names it)."""
        return [("Choose a suite…", "")] + [
            (s.name + ("" if s.open else " (closed)") + f" — {s.area}", s.id)
            for s in self.reference.open_suites(keep)
        ]

    @staticmethod
    def _with_next_day(time: QWidget, next_day: QCheckBox) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(time)
        layout.addWidget(next_day)
        layout.addStretch(1)
        row.setFocusProxy(time)
        row.setMaximumWidth(400)
        return row

    def load(self, report: VisitReport) -> None:
        self.suite.blockSignals(True)
        try:
            self.suite.set_choices(self._suite_choices(report.header.suite_id))
            self.suite.set_value(report.header.suite_id)
        finally:
            self.suite.blockSignals(False)
        super().load(report)

    def after_load(self) -> None:
        self.visitors.set_visitors(self.report.header.visitors)
        self._enable_tact()

    def after_edit(self, widget: QWidget) -> None:
        if widget is self.suite:
            suite = self.reference.suite(self.report.header.suite_id)
            if suite is not None and suite.panel != self.report.header.panel:
                self.report.header.panel = suite.panel
                self.panel.blockSignals(True)
                self.panel.set_value(suite.panel)
                self.panel.blockSignals(False)
        if widget is self.tact:
            self._enable_tact()

    def after_read_only(self) -> None:
        self.visitors.set_read_only(self.read_only)
        self._enable_tact()

    def _enable_tact(self) -> None:
        on = self.report.header.tact and not self.read_only
        for widget in (self.tact_copy_sent, self.tact_recordings, self.tact_denied_by):
            widget.setEnabled(on)
