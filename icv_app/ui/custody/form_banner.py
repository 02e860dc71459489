"""The line above the visit form: which visit it is (suite and date) and what state the
report is in (a draft, reopened after a refusal, or submitted and read-only).

Rich text built from the report alone, so the form only has to set it.
"""

from __future__ import annotations

import html

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import VisitReport
from icv_app.reports.custody.visit_outline import visit_reference
from icv_app.ui.custody.amendments_panel import local_time


def banner_text(report: VisitReport, reference: ReferenceData) -> str:
    r = report
    suite = reference.suite_name(r.header.suite_id) if r.header.suite_id else ""
    date = r.header.visit_date.strftime("%a %d %b %Y") if r.header.visit_date else ""
    what = " — ".join(p for p in (suite, date) if p) or "New visit"
    ref = visit_reference(r, reference)  # as the PDF prints it
    what = f"{ref} · {what}"
    if r.is_submitted:
        zone = reference.time_zone
        when = local_time(r.submitted_at, zone) if r.submitted_at else ""
        state = (
            f"Submitted {when}. The report is read-only; corrections are added as "
            "amendments."
        )
    else:
        state = "Draft, saved as you type."
        if r.reopened:
            last = r.reopened[-1]
            when = local_time(last.at, reference.time_zone)
            state += (
                f" Reopened {when} because the server refused it: "
                f"{html.escape(last.reason)} Correct it and submit again."
            )
    return f"<b>{html.escape(what)}</b><br>{state}"
