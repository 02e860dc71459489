"""One visit report as a PDF: what goes to the PCC's office and the custody inspector.

The layout follows the paper form: visit details, people in custody, each detainee met
(custody record number only, never a name), conditions of the suite, issues raised, and
any amendments made after submission. Every page carries the report id, "page X of Y" and
the OFFICIAL-SENSITIVE marking, because the document holds personal data.

Everything a visitor typed is escaped before it reaches Paragraph markup.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from icv_app.domain.reference import ReferenceData
from icv_app.domain.visit import (
    Amendment,
    ConditionCheck,
    ConditionItem,
    ConditionState,
    Detainee,
    Entitlement,
    Gender,
    IssueRaised,
    VisitReport,
    WelfareCheck,
)
from icv_app.reports import styles as st
from icv_app.reports.styles import Fonts, Styles, markup

MARKING = "OFFICIAL-SENSITIVE"
PERSONAL_DATA_NOTICE = (
    "Contains personal data about detainees and visitors \u2014 handle as OFFICIAL-SENSITIVE"
)
LABEL_WIDTH = 42 * mm
ITEM_WIDTH = 62 * mm  # conditions table: item, state, note
STATE_WIDTH = 32 * mm
NOT_RECORDED = "Not recorded"


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
    builder.build(out)


# --- formatting -------------------------------------------------------------------------


def _date(value: dt.date | None) -> str:
    return value.strftime("%a %d %b %Y") if value else NOT_RECORDED


def _time(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value else NOT_RECORDED


def _stamp(value: dt.datetime) -> str:
    """A stored UTC timestamp in the machine's local time, with its zone named."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone()
    return local.strftime("%a %d %b %Y %H:%M ") + (local.tzname() or "")


def _yes_no(value: bool | None) -> str:
    if value is None:
        return NOT_RECORDED
    return "Yes" if value else "No"


def _and_list(items: Sequence[str]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _minutes_between(start: dt.time, end: dt.time) -> int:
    day = dt.date(2000, 1, 1)
    return int((dt.datetime.combine(day, end) - dt.datetime.combine(day, start)).seconds // 60)


def _duration(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


# --- page furniture ---------------------------------------------------------------------


class _NumberedCanvas(Canvas):
    """Holds every page back until the end so each can say "page X of Y" in one pass."""

    def __init__(self, *args: Any, furniture: Callable[[Canvas, int, int], None], **kw: Any):
        super().__init__(*args, **kw)
        self._furniture = furniture
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._furniture(self, number, total)
            super().showPage()
        super().save()


# --- the document -----------------------------------------------------------------------


class _VisitPdf:
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
        self.s = styles
        self.suite_name = reference.suite_name(report.header.suite_id) or "Suite not recorded"

    # building blocks

    def p(self, text: str, style: Any = None) -> Paragraph:
        """A paragraph of already-safe markup."""
        return Paragraph(text, style or self.s.body)

    def text(self, value: str, empty: str = "None recorded") -> Paragraph:
        """A paragraph of free text typed by a user (escaped), or a muted placeholder."""
        if value.strip():
            return Paragraph(markup(value), self.s.body)
        return Paragraph(f"<i>{empty}</i>", self.s.small)

    def fit(self, text: str, font: str, size: float, width: float) -> str:
        """Fixed text for a plain-string cell, broken into lines that fit ``width``."""
        return "\n".join(simpleSplit(text, font, size, width))

    def kv_table(
        self,
        rows: Iterable[tuple[str, Flowable | str]],
        head: Flowable | None = None,
        head_fill: Any = None,
        label_width: float = LABEL_WIDTH,
    ) -> Table:
        """A two-column label/value table; ``head`` spans both columns on top.

        Labels are fixed text, drawn as plain strings broken to fit: a Paragraph per
        label would cost much rendering time for nothing.
        """
        data: list[list[Any]] = []
        if head is not None:
            data.append([head, ""])
        first = len(data)
        f = self.s.fonts
        for label, value in rows:
            cell = value if isinstance(value, Flowable) else self.p(value)
            data.append([self.fit(label, f.bold, 8.5, label_width - 10), cell])
        style = [
            ("FONTNAME", (0, first), (0, -1), f.bold),
            ("FONTSIZE", (0, first), (0, -1), 8.5),
            ("LEADING", (0, first), (0, -1), 11),
            ("TEXTCOLOR", (0, first), (0, -1), st.MUTED),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BOX", (0, 0), (-1, -1), 0.6, st.RULE),
            ("INNERGRID", (0, 0), (-1, -1), 0.4, st.GRID),
            ("BACKGROUND", (0, 0), (0, -1), st.LABEL_FILL),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
        if head is not None:
            style += [
                ("SPAN", (0, 0), (1, 0)),
                ("BACKGROUND", (0, 0), (1, 0), head_fill or st.HEAD_FILL),
            ]
        table = Table(
            data,
            colWidths=[label_width, st.FRAME_WIDTH - label_width],
            splitInRow=1,
        )
        table.setStyle(TableStyle(style))
        return table

    def heading(self, text: str) -> Paragraph:
        return Paragraph(text, self.s.heading)

    def section(self, title: str, blocks: list[list[Flowable]]) -> list[Flowable]:
        """A heading kept on the page with its first block; each block kept whole when it
        fits on a page. (KeepTogether must not be nested: an inner one reports an
        unbounded height, which would push the outer one to a new page every time.)"""
        if not blocks:
            return []
        out: list[Flowable] = [KeepTogether([self.heading(title), *blocks[0]])]
        for block in blocks[1:]:
            out += [Spacer(1, 6), KeepTogether(block)]
        return out

    # page furniture

    def watermark(self, canvas: Canvas) -> None:
        # Drawn over the content, translucent, so table fills cannot hide it.
        canvas.saveState()
        canvas.setFont(self.s.fonts.bold, 110)
        canvas.setFillColor(st.WATERMARK)
        width, height = st.PAGE_SIZE
        canvas.translate(width / 2, height / 2)
        canvas.rotate(50)
        canvas.drawCentredString(0, -35, "DRAFT")
        canvas.restoreState()

    def furniture(self, canvas: Canvas, number: int, total: int) -> None:
        width, height = st.PAGE_SIZE
        left, right = st.MARGIN_X, width - st.MARGIN_X
        f = self.s.fonts
        if not self.report.is_submitted:
            self.watermark(canvas)
        canvas.saveState()
        canvas.setFillColor(st.INK)
        canvas.setFont(f.bold, 8.5)
        canvas.drawCentredString(width / 2, height - 10 * mm, MARKING)
        canvas.drawCentredString(width / 2, 7 * mm, MARKING)
        canvas.setFont(f.regular, 7.5)
        canvas.setFillColor(st.MUTED)
        visit_date = _date(self.report.header.visit_date)
        title = f"Custody visit report \u2014 {self.suite_name}, {visit_date}"
        if not self.report.is_submitted:
            title += " \u2014 DRAFT"
        report_id = f"Report {self.report.id}"
        room = right - left - stringWidth(report_id, f.regular, 7.5) - 12
        while len(title) > 12 and stringWidth(title, f.regular, 7.5) > room:
            title = title[:-2] + "\u2026"
        canvas.drawString(left, height - 16 * mm, title)
        canvas.drawRightString(right, height - 16 * mm, report_id)
        canvas.setStrokeColor(st.RULE)
        canvas.setLineWidth(0.5)
        canvas.line(left, height - 17.8 * mm, right, height - 17.8 * mm)
        canvas.line(left, 15.5 * mm, right, 15.5 * mm)
        canvas.drawString(left, 12 * mm, PERSONAL_DATA_NOTICE)
        canvas.setFont(f.bold, 7.5)
        canvas.drawRightString(right, 12 * mm, f"Page {number} of {total}")
        canvas.restoreState()

    def build(self, out: BinaryIO) -> None:
        h = self.report.header
        doc = SimpleDocTemplate(
            out,
            pagesize=st.PAGE_SIZE,
            # The frame pads its content; move the margins out by that much so the
            # content lines up with the page header and footer rules.
            leftMargin=st.MARGIN_X - st.FRAME_PADDING,
            rightMargin=st.MARGIN_X - st.FRAME_PADDING,
            topMargin=st.MARGIN_TOP - st.FRAME_PADDING,
            bottomMargin=st.MARGIN_BOTTOM - st.FRAME_PADDING,
            title=f"Custody visit report: {self.suite_name}, {_date(h.visit_date)}",
            subject=f"Visit report {self.report.id} ({MARKING})",
            author=self.reference.scheme,
            creator="icv-app",
        )
        story = self.story()

        def canvasmaker(*args: Any, **kw: Any) -> Canvas:
            return _NumberedCanvas(*args, furniture=self.furniture, **kw)

        doc.build(story, canvasmaker=canvasmaker)

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
                f"{_date(r.header.visit_date)}"
                + (f" \u2014 {markup(r.header.panel)}" if r.header.panel.strip() else ""),
                s.subtitle,
            ),
        ]
        if r.is_submitted:
            names = [markup(self.reference.visitor_name(v)) for v in r.confirmed_by]
            when = _stamp(r.submitted_at) if r.submitted_at else "(time not recorded)"
            line = f"Submitted {when}, " + (
                f"confirmed by {_and_list(names)}" if names else "no confirmation recorded"
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
        banner = Table(
            [
                [self.p(f'<font color="{ink.hexval()}">{line}</font>', s.banner)],
                [self.p(note, s.small)],
            ],
            colWidths=[st.FRAME_WIDTH],
        )
        banner.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, -1), fill),
                    ("BOX", (0, 0), (-1, -1), 0.6, st.RULE),
                    ("LEFTPADDING", (0, 0), (-1, -1), 7),
                    ("TOPPADDING", (0, 0), (-1, 0), 5),
                    ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
                    ("TOPPADDING", (0, 1), (-1, -1), 0),
                ]
            )
        )
        out += [banner, Spacer(1, 2)]
        return out

    def visit_details(self) -> Table:
        h = self.report.header
        suite = self.reference.suite(h.suite_id)
        suite_text = markup(self.suite_name)
        if suite is not None:
            suite_text += f' <font color="{st.MUTED.hexval()}">({markup(suite.hours)}'
            suite_text += f", {markup(suite.area)})</font>"
        times = (
            f"Arrived <b>{_time(h.arrival_time)}</b>, "
            f"admitted to the custody area <b>{_time(h.admitted_time)}</b>, "
            f"departed <b>{_time(h.departure_time)}</b>"
        )
        start, where = (
            (h.admitted_time, "in the custody area")
            if h.admitted_time
            else (h.arrival_time, "at the suite")
        )
        if start and h.departure_time and h.departure_time >= start:
            times += (
                f'<br/><font color="{st.MUTED.hexval()}">'
                f"{_duration(_minutes_between(start, h.departure_time))} {where}</font>"
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
            ("Custody suite", suite_text),
            ("Panel", markup(h.panel) or NOT_RECORDED),
            ("Date", _date(h.visit_date)),
            ("Times", times),
            ("Delay", delay),
            ("Visitors", visitors),
            ("Mode", h.mode.label),
            ("Outcome", outcome),
            ("Custody officer in charge", markup(h.officer_in_charge) or NOT_RECORDED),
        ]
        if h.tact:
            rows += [
                ("TACT visit", "Yes: terrorism detainees; a copy goes to the "
                 "Independent Reviewer of Terrorism Legislation"),
                (
                    "Copy to the Independent Reviewer",
                    f"Sent {_date(h.tact_copy_sent)}" if h.tact_copy_sent else "Not yet sent",
                ),
                ("Interview recordings viewed", _yes_no(h.tact_recordings_viewed)),
                (
                    "Access to recordings denied by",
                    markup(h.tact_access_denied_by) or "Not denied",
                ),
            ]
        return self.kv_table(rows)

    def counts(self) -> list[list[Flowable]]:
        c, f = self.report.counts, self.s.fonts

        def strip(items: list[tuple[str, int]]) -> Table:
            width = st.FRAME_WIDTH / len(items)
            table = Table(
                [
                    [str(n) for _, n in items],
                    [self.fit(label, f.regular, 8, width - 12) for label, _ in items],
                ],
                colWidths=[width] * len(items),
            )
            table.setStyle(
                TableStyle(
                    [
                        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                        ("FONTNAME", (0, 0), (-1, 0), f.bold),
                        ("FONTSIZE", (0, 0), (-1, 0), 14),
                        ("LEADING", (0, 0), (-1, 0), 17),
                        ("TEXTCOLOR", (0, 0), (-1, 0), st.INK),
                        ("FONTNAME", (0, 1), (-1, 1), f.regular),
                        ("FONTSIZE", (0, 1), (-1, 1), 8),
                        ("LEADING", (0, 1), (-1, 1), 10),
                        ("TEXTCOLOR", (0, 1), (-1, 1), st.MUTED),
                        ("BOX", (0, 0), (-1, -1), 0.6, st.RULE),
                        ("LINEAFTER", (0, 0), (-2, -1), 0.4, st.GRID),
                        ("BACKGROUND", (0, 0), (-1, -1), st.LABEL_FILL),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("TOPPADDING", (0, 0), (-1, 0), 5),
                        ("BOTTOMPADDING", (0, 0), (-1, 0), 0),
                        ("BOTTOMPADDING", (0, 1), (-1, 1), 6),
                    ]
                )
            )
            return table

        in_custody = strip(
            [("In custody", c.in_custody), ("Juveniles", c.juveniles),
             ("Male", c.male), ("Female", c.female)]
        )
        visits = strip(
            [("Offered a visit", c.offered), ("Accepted and spoken to", c.accepted),
             ("Declined", c.declined), ("Observed only", c.observed),
             ("Not offered", c.not_offered)]
        )
        reasons = ", ".join(
            f"{reason.label} {n}" for reason, n in c.not_offered_reasons.items() if n
        )
        contact = (
            f"in the cell {c.contact_cell}, at the hatch {c.contact_hatch}, "
            f"in an interview room {c.contact_interview_room}"
        )
        details = self.kv_table(
            [
                ("Not offered because", reasons or ("Not recorded" if c.not_offered else "None")),
                ("Where contact happened", contact),
            ]
        )
        return [[in_custody, Spacer(1, 4), visits, Spacer(1, 4), details]]

    # detainees

    def detainees(self) -> list[list[Flowable]]:
        if not self.report.detainees:
            return [[self.p("<i>No detainees were met on this visit.</i>", self.s.small)]]
        return [[self.detainee(i, d)] for i, d in enumerate(self.report.detainees, start=1)]

    def detainee(self, number: int, d: Detainee) -> Table:
        s = self.s
        facts = []
        if d.gender is not Gender.NOT_RECORDED:
            facts.append(d.gender.label)
        if d.juvenile:
            facts.append("Juvenile")
        head = self.p(
            f"Detainee {number} \u2014 custody record <b>{markup(d.custody_number) or '?'}</b>"
            + (f' <font color="{st.MUTED.hexval()}">({", ".join(facts)})</font>' if facts else ""),
            s.cell_head,
        )
        flags = [
            label
            for flag, label in (
                (d.mental_health, "Mental health"),
                (d.learning_disability, "Learning disability"),
                (d.needs_appropriate_adult, "Needs an appropriate adult"),
                (d.interpreter_needed, "Interpreter needed"),
            )
            if flag
        ]
        consent = (
            f"To talk: <b>{_yes_no(d.consent_to_talk)}</b>; "
            f"to the custody record being checked: <b>{_yes_no(d.consent_record_check)}</b>"
        )
        rows: list[tuple[str, Flowable | str]] = [
            ("Vulnerability", ", ".join(flags) if flags else "None recorded"),
            ("Consent", consent),
            ("Rights and entitlements", self.entitlements(d)),
            ("Welfare", self.welfare(d)),
            ("Raised by the detainee", self.text(d.raised, "Nothing raised")),
            ("Action taken", self.text(d.action_taken, "None recorded")),
            ("Custody record", self.record_check(d)),
        ]
        return self.kv_table(rows, head=head)

    def entitlements(self, d: Detainee) -> Flowable:
        s = self.s
        answered = [(e, d.entitlements[e]) for e in Entitlement if e in d.entitlements]
        if not answered:
            return self.p("<i>Not recorded</i>", s.small)
        answer_width = 24 * mm
        first_width = st.FRAME_WIDTH - LABEL_WIDTH - 10 - 3 * answer_width
        data: list[list[Any]] = [["", "Told", "Wanted", "Received"]]
        for e, a in answered:
            data.append(
                [
                    self.fit(e.label, s.fonts.regular, 9.5, first_width - 2),
                    *(
                        self.fit(_yes_no(v), s.fonts.regular, 9.5, answer_width - 2)
                        for v in (a.told, a.wanted, a.received)
                    ),
                ]
            )
        table = Table(data, colWidths=[first_width] + [answer_width] * 3)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), s.fonts.bold),
                    ("FONTSIZE", (0, 0), (-1, 0), 8.5),
                    ("TEXTCOLOR", (0, 0), (-1, 0), st.MUTED),
                    ("FONTNAME", (0, 1), (-1, -1), s.fonts.regular),
                    ("FONTSIZE", (0, 1), (-1, -1), 9.5),
                    ("LEADING", (0, 0), (-1, -1), 12.5),
                    ("TEXTCOLOR", (0, 1), (-1, -1), st.INK),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.4, st.GRID),
                ]
            )
        )
        return table

    def welfare(self, d: Detainee) -> Flowable:
        yes = [c.label for c in WelfareCheck if d.checks.get(c) is True]
        no = [c.label for c in WelfareCheck if d.checks.get(c) is False]
        lines = []
        if yes:
            lines.append("<b>Yes:</b> " + "; ".join(yes))
        if no:
            lines.append("<b>No:</b> " + "; ".join(no))
        if not lines:
            return self.p("<i>No welfare questions answered</i>", self.s.small)
        return self.p("<br/>".join(lines))

    def record_check(self, d: Detainee) -> Flowable:
        if not d.record_checked:
            reason = "" if d.consent_record_check else " (no consent)"
            return self.p(f"<i>Not checked{reason}</i>", self.s.small)
        text = (
            "Checked with consent. Matches what the detainee said: "
            f"<b>{_yes_no(d.record_matches)}</b>"
        )
        if d.record_note.strip():
            text += f"<br/>{markup(d.record_note)}"
        return self.p(text)

    # conditions

    def conditions(self) -> list[list[Flowable]]:
        s = self.s
        checks: dict[ConditionItem, ConditionCheck] = {
            item: self.report.conditions.get(item, ConditionCheck()) for item in ConditionItem
        }
        if all(c.state is ConditionState.NOT_CHECKED and not c.note.strip()
               for c in checks.values()):
            return [[self.p("<i>No conditions were checked on this visit.</i>", s.small)]]
        groups = [
            (state, [(item, c) for item, c in checks.items() if c.state is state])
            for state in (
                ConditionState.NOT_SATISFACTORY,
                ConditionState.SATISFACTORY,
                ConditionState.NOT_CHECKED,
            )
        ]
        data: list[list[Any]] = []
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTNAME", (0, 0), (-1, -1), s.fonts.regular),
            ("FONTSIZE", (0, 0), (-1, -1), 9.5),
            ("LEADING", (0, 0), (-1, -1), 12.5),
            ("TEXTCOLOR", (0, 0), (-1, -1), st.INK),
            ("BOX", (0, 0), (-1, -1), 0.6, st.RULE),
            ("INNERGRID", (0, 0), (-1, -1), 0.4, st.GRID),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
        for state, items in groups:
            if not items:
                continue
            row = len(data)
            fill = st.ALERT_FILL if state is ConditionState.NOT_SATISFACTORY else st.HEAD_FILL
            data.append([self.p(f"{state.label} ({len(items)})", s.cell_head), "", ""])
            commands += [("SPAN", (0, row), (-1, row)), ("BACKGROUND", (0, row), (-1, row), fill)]
            # Items that are fine (or not looked at) and have no note share one line, so
            # the rows that need reading stand out.
            if state is ConditionState.NOT_SATISFACTORY:
                noted, bare = items, []
            else:
                noted = [(item, c) for item, c in items if c.note.strip()]
                bare = [item for item, c in items if not c.note.strip()]
            for item, c in noted:
                state_font = s.fonts.regular
                if c.state is ConditionState.NOT_SATISFACTORY:
                    state_font = s.fonts.bold
                    commands += [
                        ("FONTNAME", (1, len(data)), (1, len(data)), state_font),
                        ("TEXTCOLOR", (1, len(data)), (1, len(data)), st.ALERT),
                    ]
                data.append(
                    [
                        self.fit(item.label, s.fonts.regular, 9.5, ITEM_WIDTH - 10),
                        self.fit(c.state.label, state_font, 9.5, STATE_WIDTH - 10),
                        self.text(c.note, "\u2013"),
                    ]
                )
            if bare:
                row = len(data)
                data.append([self.p("; ".join(item.label for item in bare)), "", ""])
                commands.append(("SPAN", (0, row), (-1, row)))
        table = Table(
            data,
            colWidths=[ITEM_WIDTH, STATE_WIDTH, st.FRAME_WIDTH - ITEM_WIDTH - STATE_WIDTH],
            splitInRow=1,
        )
        table.setStyle(TableStyle(commands))
        return [[table]]

    # issues

    def issues(self) -> list[list[Flowable]]:
        if not self.report.issues:
            return [[self.p("<i>No issues were raised on this visit.</i>", self.s.small)]]
        return [[self.issue(i, issue)] for i, issue in enumerate(self.report.issues, start=1)]

    def issue(self, number: int, issue: IssueRaised) -> Table:
        resolved = _yes_no(issue.resolved)
        if issue.resolved is False:
            resolved = f'<font color="{st.ALERT.hexval()}">{resolved}</font>'
        head = self.p(
            f"Issue {number} \u2014 {issue.category.label}"
            f'<font color="{st.MUTED.hexval()}"> \u2014 resolved at the time: </font>{resolved}',
            self.s.cell_head,
        )
        rows: list[tuple[str, Flowable | str]] = [
            ("Issue", self.text(issue.text, "No description")),
            ("Raised with", self.text(issue.raised_with, NOT_RECORDED)),
            ("Response", self.text(issue.response, "No response recorded")),
        ]
        if issue.detainee_id:
            try:
                number_text = markup(self.report.detainee(issue.detainee_id).custody_number)
            except KeyError:
                number_text = "<i>(detainee no longer on the report)</i>"
            rows.append(("About detainee", number_text))
        fill = st.OK_FILL if issue.resolved else st.HEAD_FILL
        return self.kv_table(rows, head=head, head_fill=fill)

    # amendments

    def amendment_blocks(self) -> list[list[Flowable]]:
        if not self.amendments:
            return [[self.p("<i>None.</i>", self.s.small)]]
        blocks: list[list[Flowable]] = []
        for i, a in enumerate(self.amendments, start=1):
            author = markup(self.reference.visitor_name(a.author_id)) if a.author_id else ""
            head = self.p(
                f"Amendment {i} \u2014 {_stamp(a.created_at)}"
                + (f" by {author}" if author else ""),
                self.s.cell_head,
            )
            rows: list[tuple[str, Flowable | str]] = [
                ("Amends report", markup(a.visit_id)),
                ("Reason", self.text(a.reason)),
                ("Correction", self.text(a.text)),
            ]
            blocks.append([self.kv_table(rows, head=head, head_fill=st.DRAFT_FILL)])
        return blocks
