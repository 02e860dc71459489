"""The PDF of a visit report as the form exports it: the file name it suggests, and the
write itself, which runs on a worker thread.
"""

from __future__ import annotations

from pathlib import Path

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import Amendment, VisitReport


def write_pdf(
    report: VisitReport, amendments: list[Amendment], reference: ReferenceData, path: Path
) -> Path:
    """Runs on a worker thread; reportlab is imported there, not at start-up."""
    from icv_app.reports.custody.visit_pdf import write_visit_pdf

    write_visit_pdf(report, amendments, reference, path)
    return path


def pdf_file_name(report: VisitReport, reference: ReferenceData) -> str:
    h = report.header
    suite = reference.suite_name(h.suite_id) if h.suite_id else "no-suite"
    date = h.visit_date.isoformat() if h.visit_date else "undated"
    slug = "".join(c if c.isalnum() else "-" for c in suite.lower()).strip("-")
    return f"visit-{date}-{slug}.pdf"
