"""Submitting a report: every visitor on the visit ticks to confirm it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import VisitReport
from icv_app.services.custody.visits import confirmers_needed


class SubmitDialog(QDialog):
    """Asks each visitor who must confirm (everyone but accompanied observers).

    Submit is enabled once every one of them has ticked; ``confirmed_by()`` gives their ids.
    """

    def __init__(
        self, report: VisitReport, reference: ReferenceData, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Submit visit report")
        self.report = report
        self.boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Once submitted the report cannot be edited; a later correction is added as an "
            "amendment. Each visitor confirms that the report is a true record of the visit."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        h = report.header
        facts = [
            reference.suite_name(h.suite_id),
            h.visit_date.strftime("%a %d %b %Y") if h.visit_date else "",
            f"{len(report.detainees)} detainee(s) met",
            f"{len(report.issues)} issue(s) raised",
        ]
        summary = QLabel("<b>" + " · ".join(f for f in facts if f) + "</b>")
        summary.setWordWrap(True)
        layout.addWidget(summary)
        for visitor_id in confirmers_needed(report):
            name = reference.visitor_name(visitor_id) if visitor_id else "(visitor not chosen)"
            box = QCheckBox(f"I, {name}, confirm this report")
            box.setAccessibleName(f"{name} confirms the report")
            box.toggled.connect(self._update)
            layout.addWidget(box)
            self.boxes[visitor_id] = box
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.submit_button = self.buttons.addButton(
            "&Submit report", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.submit_button.setAccessibleName("Submit report")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        # Default once the box is in the dialog, so Enter submits (when enabled).
        self.submit_button.setDefault(True)
        self.setMinimumWidth(460)
        self._update()

    def _update(self) -> None:
        self.submit_button.setEnabled(
            bool(self.boxes) and all(b.isChecked() for b in self.boxes.values())
        )

    def confirmed_by(self) -> list[str]:
        return [vid for vid, box in self.boxes.items() if box.isChecked()]
