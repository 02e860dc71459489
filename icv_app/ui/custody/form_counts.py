"""The counts of a visit: who was in custody, who was offered a visit, how it went."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from icv_app.domain.custody.visit import Counts, NotOfferedReason
from icv_app.ui.shared.field_cell import FieldCell
from icv_app.ui.shared.form_section import FormSection, new_form_layout, scrolling
from icv_app.ui.shared.input_widgets import NumberBox

MAX_COUNT = 999


def count_box() -> QSpinBox:
    box = NumberBox()
    box.setRange(0, MAX_COUNT)
    box.setMaximumWidth(90)
    return box


class CountsSection(FormSection):
    title = "&Counts"
    prefix_key = "counts"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes: dict[str, QSpinBox] = {}
        self.reason_boxes: dict[NotOfferedReason, QSpinBox] = {}
        content = QWidget()
        page = QVBoxLayout(content)
        columns = QHBoxLayout()
        left = QVBoxLayout()
        right = QVBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)
        page.addLayout(columns)

        left.addWidget(self._group("In custody at the time of the visit", [
            ("in_custody", "Detainees in custody"),
            ("juveniles", "Juveniles"),
            ("male", "Male"),
            ("female", "Female"),
        ]))
        left.addWidget(self._group("Visits offered", [
            ("offered", "Offered a visit"),
            ("accepted", "Accepted and spoken to"),
            ("declined", "Declined"),
            ("observed", "Observed only (e.g. at the hatch)"),
            ("not_offered", "Not offered a visit"),
        ]))
        self.accounted = QLabel()
        self.accounted.setWordWrap(True)
        left.addWidget(self.accounted)
        left.addWidget(self._group("Where contact happened", [
            ("contact_cell", "In the cell"),
            ("contact_hatch", "At the hatch"),
            ("contact_interview_room", "In an interview room"),
        ]))
        left.addStretch(1)

        reasons = QGroupBox("Why detainees were not offered a visit")
        form = new_form_layout()
        reasons.setLayout(form)
        for reason in NotOfferedReason:
            box = count_box()
            self.bind(
                box,
                lambda r=reason: self._counts().not_offered_reasons.get(r, 0),
                lambda value, r=reason: self._set_reason(r, value),
            )
            self.reason_boxes[reason] = box
            self.add_field(form, reason.label, box)
            box.setAccessibleName(f"Not offered: {reason.label}")
        # The reasons are checked together, so their message goes under the group.
        reasons_cell = FieldCell(reasons)
        self.cells["counts.not_offered_reasons"] = reasons_cell
        right.addWidget(reasons_cell)
        right.addStretch(1)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(self, content))

    def _group(self, title: str, fields: list[tuple[str, str]]) -> QGroupBox:
        group = QGroupBox(title)
        form = new_form_layout()
        group.setLayout(form)
        for name, label in fields:
            box = count_box()
            self.bind_attr(box, self._counts, name)
            self.boxes[name] = box
            self.add_field(form, label, box, f"counts.{name}")
            if name in ("juveniles", "male", "female"):
                box.setAccessibleName(f"{label} in custody")
        return group

    def _counts(self) -> Counts:
        return self.report.counts

    def _set_reason(self, reason: NotOfferedReason, value: int) -> None:
        reasons = self._counts().not_offered_reasons
        if value:
            reasons[reason] = value
        else:
            reasons.pop(reason, None)

    def after_load(self) -> None:
        self._update_sum()

    def after_edit(self, widget: QWidget) -> None:
        self._update_sum()

    def _update_sum(self) -> None:
        c = self._counts()
        reasons = sum(c.not_offered_reasons.values())
        self.accounted.setText(
            f"Accounted for: {c.accounted_for} of {c.in_custody} in custody "
            f"(accepted + declined + observed + not offered). "
            f"Reasons given for {reasons} of {c.not_offered} not offered."
        )
