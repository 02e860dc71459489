"""The review-before-submit screen's content: the report as it will be printed, drawn
from the same outline as the PDF, with empty and flagged fields marked."""

from __future__ import annotations

from collections.abc import Sequence

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.validation import Problem
from icv_app.domain.custody.visit import Amendment, VisitReport
from icv_app.reports.custody.visit_html import render_review_html
from icv_app.reports.custody.visit_outline import build_visit_outline


def review_html(
    report: VisitReport,
    amendments: Sequence[Amendment],
    reference: ReferenceData,
    problems: Sequence[Problem],
) -> str:
    """The report as rich text for a QTextBrowser, each problem beside its value."""
    return render_review_html(build_visit_outline(report, amendments, reference, problems))
