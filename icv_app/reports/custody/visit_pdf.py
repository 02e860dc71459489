"""One visit report as a PDF: what goes to the PCC's office and the custody inspector.

The layout follows the paper form: visit details, people in custody, each detainee met
(custody record number only, never a name), conditions of the suite, issues raised, and
any amendments made after submission. This module holds the entry points and the
document: its order of sections, the title block, the visit details and the counts. The
sections that repeat per item (detainees, conditions, issues, amendments), and the field
names taken from the visit's field catalogue, are in
:mod:`icv_app.reports.custody.visit_sections`. The pages themselves (the report id, "page
X of Y", the OFFICIAL-SENSITIVE marking, the DRAFT watermark) and the generic tables come
from :mod:`icv_app.reports.document`.

Everything a visitor typed is escaped before it reaches Paragraph markup.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from reportlab.platypus import Flowable, Spacer, Table

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import Amendment, VisitReport
from icv_app.reports import styles as st
from icv_app.reports.custody.visit_sections import (
    ITEM_WIDTH,
    STATE_WIDTH,
    VisitSections,
    key_label,
    label,
)
from icv_app.reports.document import (
    MARKING,
    NOT_RECORDED,
    and_list,
    date_text,
    duration_text,
    minutes_between,
    stamp_text,
    time_text,
    yes_no,
)
from icv_app.reports.styles import Fonts, Styles, markup

# The conditions table's widths live with the table in visit_sections; they are named
# here too for code that imports them from the module the app calls.
__all__ = ["ITEM_WIDTH", "STATE_WIDTH", "render_visit_pdf", "write_visit_pdf"]


def render_visit_pdf(
    report: VisitReport,
    amendments: Sequence[Amendment],
    reference: ReferenceData,
    fonts: Fonts | None = None,
) -> bytes:
    """The PDF of a report (with its amendments) as bytes."""
    buffer = io.BytesIO()
    write_visit_pdf(report, amendments, reference, buffer, fonts=fonts)
    return buffer.getvalue()


def write_visit_pdf(
    report: VisitReport,
    amendments: Sequence[Amendment],
    reference: ReferenceData,
    out: Path | os.PathLike[str] | BinaryIO,
    fonts: Fonts | None = None,
) -> None:
    """Write the PDF of a report to a path or a binary file object.

    A path is written whole or not at all: the PDF is built in memory first and moved
    into place, so an error never leaves half a file behind.
    """
    if isinstance(out, os.PathLike):
        path = Path(out)
        data = render_visit_pdf(report, amendments, reference, fonts=fonts)
        tmp = path.with_name(path.name + ".part")
        try:
            tmp.write_bytes(data)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        return
    for amendment in amendments:
        # Printing another report's correction here would misstate this report.
        if amendment.visit_id != report.id:
            raise ValueError(
                f"Amendment {amendment.id} is to report {amendment.visit_id}, not {report.id}."
            )
    s = st.styles_for(fonts or st.default_fonts())
    builder = _VisitPdf(report, list(amendments), reference, s)
    builder.write(out)


# --- the visit report -------------------------------------------------------------------


class _VisitPdf(VisitSections):
    """The sections of one custody visit, in the order of the paper form."""

    def __init__(
        self,
        report: VisitReport,
        amendments: list[Amendment],
        reference: ReferenceData,
        styles: Styles,
    ) -> None:
        self.report = report
        self.amendments = amendments
        self.reference = reference
        self.suite_name = reference.suite_name(report.header.suite_id) or "Suite not recorded"
        super().__init__(
            styles,
            running_title=(
                f"Custody visit report \u2014 {self.suite_name}, "
                f"{date_text(report.header.visit_date)}"
            ),
            running_ref=f"Report {report.id}",
            draft=not report.is_submitted,
        )

    def write(self, out: BinaryIO) -> None:
        self.build(
            out,
            title=f"Custody visit report: {self.suite_name}, "
            f"{date_text(self.report.header.visit_date)}",
            subject=f"Visit report {self.report.id} ({MARKING})",
            author=self.reference.scheme,
        )

    # the story

    def story(self) -> list[Flowable]:
        story: list[Flowable] = []
        story += self.title_block()
        story += self.section("Visit", [[self.visit_details()]])
        story += self.section("People in custody", self.counts())
        story += self.section(
            f"Detainees met ({len(self.report.detainees)})", self.detainees()
        )
        story += self.section("Conditions of the suite", self.conditions())
        story += self.section(f"Issues raised ({len(self.report.issues)})", self.issues())
        if self.report.is_submitted or self.amendments:
            story += self.section(
                f"Amendments after submission ({len(self.amendments)})", self.amendment_blocks()
            )
        return story

    def title_block(self) -> list[Flowable]:
        r, s = self.report, self.s
        out: list[Flowable] = [
            self.p(markup(self.reference.scheme), s.scheme),
            self.p(f"Custody visit report: {markup(self.suite_name)}", s.title),
            self.p(
                f"{date_text(r.header.visit_date)}"
                + (f" \u2014 {markup(r.header.panel)}" if r.header.panel.strip() else ""),
                s.subtitle,
            ),
        ]
        if r.is_submitted:
            names = [markup(self.reference.visitor_name(v)) for v in r.confirmed_by]
            when = stamp_text(r.submitted_at) if r.submitted_at else "(time not recorded)"
            line = f"Submitted {when}, " + (
                f"confirmed by {and_list(names)}" if names else "no confirmation recorded"
            )
            fill, ink = st.OK_FILL, st.INK
            note = "After submission this report is not edited; corrections are amendments."
            if self.amendments:
                n = len(self.amendments)
                note = (
                    f"{n} amendment{'s' if n != 1 else ''} made after submission "
                    f"{'are' if n != 1 else 'is'} shown at the end of this report."
                )
        else:
            line = "DRAFT \u2014 not submitted"
            fill, ink = st.DRAFT_FILL, st.DRAFT_INK
            note = "This report may still change and has not been confirmed by the visitors."
        out += [self.banner(line, note, fill, ink), Spacer(1, 2)]
        return out

    def visit_details(self) -> Table:
        h = self.report.header
        suite = self.reference.suite(h.suite_id)
        suite_text = markup(self.suite_name)
        if suite is not None:
            suite_text += f' <font color="{st.MUTED.hexval()}">({markup(suite.hours)}'
            suite_text += f", {markup(suite.area)})</font>"
        times = (
            f"Arrived <b>{time_text(h.arrival_time)}</b>, "
            f"admitted to the custody area <b>{time_text(h.admitted_time)}</b>, "
            f"departed <b>{time_text(h.departure_time)}</b>"
        )
        start, where = (
            (h.admitted_time, "in the custody area")
            if h.admitted_time
            else (h.arrival_time, "at the suite")
        )
        if start and h.departure_time and h.departure_time >= start:
            times += (
                f'<br/><font color="{st.MUTED.hexval()}">'
                f"{duration_text(minutes_between(start, h.departure_time))} {where}</font>"
            )
        if h.delay_minutes > 0:
            delay = (
                f"<b>{h.delay_minutes} minutes</b> before admission. "
                f"Reason: {markup(h.delay_reason.strip().rstrip('.')) or NOT_RECORDED}. "
                f"Authorised by: "
                f"{markup(h.delay_authorised_by.strip().rstrip('.')) or NOT_RECORDED}."
            )
        else:
            delay = "None"
        visitors = "<br/>".join(
            f"{markup(self.reference.visitor_name(v.visitor_id))} "
            f'<font color="{st.MUTED.hexval()}">\u2014 {v.role.label}</font>'
            for v in h.visitors
        ) or NOT_RECORDED
        outcome = f"<b>{h.outcome.label}</b>"
        if h.outcome_note.strip():
            outcome += f": {markup(h.outcome_note)}"
        rows: list[tuple[str, Flowable | str]] = [
            (label("header.suite_id"), suite_text),
            (label("header.panel"), markup(h.panel) or NOT_RECORDED),
            (label("header.visit_date"), date_text(h.visit_date)),
            # Arrival, admission and departure read as one line, the delay (minutes,
            # reason, who authorised it) as one sentence.
            ("Times", times),
            ("Delay", delay),
            (label("header.visitors"), visitors),
            (label("header.mode"), h.mode.label),
            (label("header.outcome"), outcome),
            (label("header.officer_in_charge"), markup(h.officer_in_charge) or NOT_RECORDED),
        ]
        if h.tact:
            rows += [
                (label("header.tact"), "Yes: a copy of this report goes to the "
                 "Independent Reviewer of Terrorism Legislation"),
                (
                    label("header.tact_copy_sent"),
                    date_text(h.tact_copy_sent) if h.tact_copy_sent else "Not yet sent",
                ),
                (label("header.tact_recordings_viewed"), yes_no(h.tact_recordings_viewed)),
                (
                    label("header.tact_access_denied_by"),
                    markup(h.tact_access_denied_by) or "Not denied",
                ),
            ]
        return self.kv_table(rows)

    def counts(self) -> list[list[Flowable]]:
        c = self.report.counts
        in_custody = self.figures(
            [(label("counts.in_custody"), c.in_custody),
             (label("counts.juveniles"), c.juveniles),
             (label("counts.male"), c.male),
             (label("counts.female"), c.female)]
        )
        visits = self.figures(
            [(label("counts.offered"), c.offered),
             (label("counts.accepted"), c.accepted),
             (label("counts.declined"), c.declined),
             (label("counts.observed"), c.observed),
             (label("counts.not_offered"), c.not_offered)]
        )
        reasons = ", ".join(
            f"{key_label('counts.not_offered_reasons', reason)} {n}"
            for reason, n in c.not_offered_reasons.items() if n
        )
        # Three counts of one question, read as a sentence.
        contact = (
            f"in the cell {c.contact_cell}, at the hatch {c.contact_hatch}, "
            f"in an interview room {c.contact_interview_room}"
        )
        details = self.kv_table(
            [
                (
                    label("counts.not_offered_reasons"),
                    reasons or (NOT_RECORDED if c.not_offered else "None"),
                ),
                ("Where contact happened", contact),
            ]
        )
        return [[in_custody, Spacer(1, 4), visits, Spacer(1, 4), details]]
