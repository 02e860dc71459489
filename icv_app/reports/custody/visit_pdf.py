"""One visit report as a PDF: what goes to the PCC's office and the custody inspector.

The layout follows the paper form: visit details, people in custody, each detainee met
(custody record number only, never a name), conditions of the suite, issues raised, and
any amendments made after submission. This module says what each section holds; the
pages themselves (the report id, "page X of Y", the OFFICIAL-SENSITIVE marking, the DRAFT
watermark) and the generic tables come from :mod:`icv_app.reports.document`.

Everything a visitor typed is escaped before it reaches Paragraph markup.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import (
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
from icv_app.reports.document import (
    LABEL_WIDTH,
    MARKING,
    NOT_RECORDED,
    Document,
    and_list,
    date_text,
    duration_text,
    minutes_between,
    stamp_text,
    time_text,
    yes_no,
)
from icv_app.reports.styles import Fonts, Styles, markup

ITEM_WIDTH = 62 * mm  # conditions table: item, state, note
STATE_WIDTH = 32 * mm


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


class _VisitPdf(Document):
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
            ("Custody suite", suite_text),
            ("Panel", markup(h.panel) or NOT_RECORDED),
            ("Date", date_text(h.visit_date)),
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
                    f"Sent {date_text(h.tact_copy_sent)}" if h.tact_copy_sent else "Not yet sent",
                ),
                ("Interview recordings viewed", yes_no(h.tact_recordings_viewed)),
                (
                    "Access to recordings denied by",
                    markup(h.tact_access_denied_by) or "Not denied",
                ),
            ]
        return self.kv_table(rows)

    def counts(self) -> list[list[Flowable]]:
        c = self.report.counts
        in_custody = self.figures(
            [("In custody", c.in_custody), ("Juveniles", c.juveniles),
             ("Male", c.male), ("Female", c.female)]
        )
        visits = self.figures(
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
            f"To talk: <b>{yes_no(d.consent_to_talk)}</b>; "
            f"to the custody record being checked: <b>{yes_no(d.consent_record_check)}</b>"
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
        rows = [
            [e.label, *(yes_no(v) for v in (a.told, a.wanted, a.received))]
            for e, a in answered
        ]
        return self.grid(["", "Told", "Wanted", "Received"], rows,
                         [first_width] + [answer_width] * 3)

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
            f"<b>{yes_no(d.record_matches)}</b>"
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
        resolved = yes_no(issue.resolved)
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
                f"Amendment {i} \u2014 {stamp_text(a.created_at)}"
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
