"""Submitting a report: the whole report as it will be printed, with empty and flagged
fields marked, then every visitor on the visit ticks to confirm it."""

from __future__ import annotations

import itertools

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.validation import plural
from icv_app.domain.custody.visit import VisitReport
from icv_app.services.custody.visits import confirmers_needed


def summary_line(report: VisitReport, reference: ReferenceData) -> str:
    h = report.header
    facts = [
        reference.suite_name(h.suite_id),
        h.visit_date.strftime("%a %d %b %Y") if h.visit_date else "",
        f"{plural(len(report.detainees), 'detainee')} met",
        f"{plural(len(report.issues), 'issue')} raised",
    ]
    return " · ".join(f for f in facts if f)


class SubmitDialog(QDialog):
    """Shows the report for review (``review_html``: the report as printed, with
    empty and flagged fields marked) and asks each visitor who must confirm (everyone
    but accompanied observers). Submit is enabled once every one of them has ticked;
    ``confirmed_by()`` gives their ids. Tab goes from the report to the ticks, then
    Submit, then Cancel."""

    def __init__(
        self,
        report: VisitReport,
        reference: ReferenceData,
        parent: QWidget | None = None,
        review_html: str = "",
        warnings: int = 0,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Review and submit the visit report")
        self.report = report
        self.boxes: dict[str, QCheckBox] = {}
        layout = QVBoxLayout(self)
        summary = QLabel(f"<b>{summary_line(report, reference)}</b>")
        summary.setWordWrap(True)
        layout.addWidget(summary)
        self.review = QTextBrowser()
        self.review.setAccessibleName("The report as it will be printed")
        self.review.setOpenLinks(False)
        self.review.setHtml(review_html)
        self.review.setMinimumHeight(260)
        caption = QLabel("&Read the report as it will be printed (empty fields in grey, "
                         "anything to check marked):")
        caption.setWordWrap(True)
        caption.setBuddy(self.review)
        layout.addWidget(caption)
        layout.addWidget(self.review, 1)
        if warnings:
            note = QLabel(f"{plural(warnings, 'thing')} to check {'is' if warnings == 1 else 'are'}"
                          " marked in the report. You can still submit.")
            note.setWordWrap(True)
            layout.addWidget(note)
        intro = QLabel(
            "Once submitted the report cannot be edited; a later correction is added as an "
            "amendment. Each visitor confirms that the report is a true record of the visit."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        for n, visitor_id in enumerate(confirmers_needed(report), start=1):
            name = reference.visitor_name(visitor_id) if visitor_id else "(visitor not chosen)"
            box = QCheckBox(f"&{n} I, {name}, confirm this report")
            box.setAccessibleName(f"{name} confirms the report")
            box.toggled.connect(self._update)
            layout.addWidget(box)
            self.boxes[visitor_id] = box
        self.buttons = QDialogButtonBox()
        self.submit_button = self.buttons.addButton(
            "&Submit report", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(
            "Cancel", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.submit_button.setAccessibleName("Submit report")
        self.cancel_button.setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        # Default once the box is in the dialog, so Enter submits (when enabled).
        self.submit_button.setDefault(True)
        # The platform may lay Cancel out first; the keyboard still meets Submit first.
        chain: list[QWidget] = [self.review, *self.boxes.values(), self.submit_button,
                                self.cancel_button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.setMinimumWidth(640)
        self.resize(760, 640)
        self._update()
        (next(iter(self.boxes.values()), None) or self.review).setFocus()

    def _update(self) -> None:
        self.submit_button.setEnabled(
            bool(self.boxes) and all(b.isChecked() for b in self.boxes.values())
        )

    def confirmed_by(self) -> list[str]:
        return [vid for vid, box in self.boxes.items() if box.isChecked()]
