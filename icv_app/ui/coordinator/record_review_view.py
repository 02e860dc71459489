"""A custody record review shown read-only, as a dip sample's reviewer reads it: the
record number, suite, dates, groups, what was checked, findings and escalation."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from icv_app.domain.custody.record_review import RECORD_CHECKS, RecordReview
from icv_app.domain.custody.reference import ReferenceData
from icv_app.ui.coordinator.dip_sample_text import day


def review_html(review: RecordReview, reference: ReferenceData) -> str:
    def row(caption: str, value: str) -> str:
        shown = html.escape(value) if value.strip() else "<i>Not recorded</i>"
        return f"<tr><th align='left'>{html.escape(caption)}</th><td>{shown}</td></tr>"

    checks = "".join(
        row(check.label, answer.label if (answer := review.checks.get(check)) else
            "Not answered")
        for check in RECORD_CHECKS
    )
    escalated = (f"Yes, to {review.escalated_to}" if review.escalate and review.escalated_to
                 else "Yes" if review.escalate else "No")
    return (
        "<table cellspacing='4'>"
        + row("Custody record number", review.custody_number)
        + row("Suite", reference.suite_name(review.suite_id) if review.suite_id else "")
        + row("Date in", day(review.date_in) if review.date_in else "")
        + row("Date out", day(review.date_out) if review.date_out else "")
        + row("Groups", ", ".join(g.label for g in review.groups))
        + checks
        + row("Findings", review.findings)
        + row("Concerns", review.concerns)
        + row("Escalated", escalated)
        + row("Reviewed on", day(review.reviewed_on) if review.reviewed_on else "")
        + row("Reviewed by", reference.visitor_name(review.reviewer_id)
              if review.reviewer_id else "")
        + "</table>"
    )


class RecordReviewView(QDialog):
    """Read-only; Escape or Close shuts it."""

    def __init__(self, review: RecordReview, reference: ReferenceData,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Custody record review {review.custody_number}".strip())
        self.text = QTextBrowser()
        self.text.setAccessibleName("Custody record review")
        self.text.setHtml(review_html(review, reference))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(560, 480)
        self.text.setFocus()
