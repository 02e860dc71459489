"""The repeating sections of the visit report PDF, and the names its fields print under.

:class:`VisitSections` draws what a visit holds one item at a time: each detainee met, the
conditions of the suite (grouped by state), each issue raised and each amendment made
after submission. It is the base of the visit document in
:mod:`icv_app.reports.custody.visit_pdf`, which supplies the report, its amendments and
the reference data, and draws the title block, the visit details and the counts.

A field's name comes from the record kind's field catalogue (:func:`label`,
:func:`key_label`): the same names the form's problems list and the sync conflicts show,
so a field is called one thing wherever it appears. Rows that combine several fields
("Consent", "Custody record") and sentences keep the report's own wording.

Everything a visitor typed is escaped before it reaches Paragraph markup.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table, TableStyle

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
from icv_app.kinds.base import Kind
from icv_app.kinds.custody import AMENDMENT, VISIT
from icv_app.reports import styles as st
from icv_app.reports.document import (
    LABEL_WIDTH,
    NOT_RECORDED,
    Document,
    stamp_text,
    yes_no,
)
from icv_app.reports.styles import markup

ITEM_WIDTH = 62 * mm  # conditions table: item, state, note
STATE_WIDTH = 32 * mm


def label(path: str, kind: Kind = VISIT) -> str:
    """The catalogue's name for a field of the body, by its pattern (``header.panel``,
    ``detainees[].raised``). A path the catalogue does not hold raises KeyError: a field
    renamed in the body should fail the PDF tests, not print a guessed name."""
    return kind.fields[path].label


def key_label(path: str, key: Enum, kind: Kind = VISIT) -> str:
    """The catalogue's name for one key of a map field (a condition, a welfare check)."""
    return kind.fields[path].choices[key.value]


class VisitSections(Document):
    """The per-item sections of one visit report; see the module docstring."""

    report: VisitReport
    amendments: list[Amendment]
    reference: ReferenceData

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
            facts.append(label("detainees[].juvenile"))
        head = self.p(
            f"{label('detainees[]')} {number} \u2014 custody record "
            f"<b>{markup(d.custody_number) or '?'}</b>"
            + (f' <font color="{st.MUTED.hexval()}">({", ".join(facts)})</font>' if facts else ""),
            s.cell_head,
        )
        flags = [
            label(f"detainees[].{name}")
            for flag, name in (
                (d.mental_health, "mental_health"),
                (d.learning_disability, "learning_disability"),
                (d.needs_appropriate_adult, "needs_appropriate_adult"),
                (d.interpreter_needed, "interpreter_needed"),
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
            (label("detainees[].entitlements"), self.entitlements(d)),
            (label("detainees[].checks"), self.welfare(d)),
            (label("detainees[].raised"), self.text(d.raised, "Nothing raised")),
            (label("detainees[].action_taken"), self.text(d.action_taken, "None recorded")),
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
            [key_label("detainees[].entitlements", e),
             *(yes_no(v) for v in (a.told, a.wanted, a.received))]
            for e, a in answered
        ]
        head = [label(f"detainees[].entitlements{{}}.{name}")
                for name in ("told", "wanted", "received")]
        return self.grid(["", *head], rows, [first_width] + [answer_width] * 3)

    def welfare(self, d: Detainee) -> Flowable:
        yes = [key_label("detainees[].checks", c) for c in WelfareCheck
               if d.checks.get(c) is True]
        no = [key_label("detainees[].checks", c) for c in WelfareCheck
              if d.checks.get(c) is False]
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
                        self.fit(key_label("conditions", item), s.fonts.regular, 9.5,
                                 ITEM_WIDTH - 10),
                        self.fit(c.state.label, state_font, 9.5, STATE_WIDTH - 10),
                        self.text(c.note, "\u2013"),
                    ]
                )
            if bare:
                row = len(data)
                data.append(
                    [self.p("; ".join(key_label("conditions", item) for item in bare)), "", ""]
                )
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
            f"{label('issues[]')} {number} \u2014 {issue.category.label}"
            f'<font color="{st.MUTED.hexval()}"> \u2014 resolved at the time: </font>{resolved}',
            self.s.cell_head,
        )
        rows: list[tuple[str, Flowable | str]] = [
            (label("issues[].text"), self.text(issue.text, "No description")),
            (label("issues[].raised_with"), self.text(issue.raised_with, NOT_RECORDED)),
            (label("issues[].response"), self.text(issue.response, "No response recorded")),
        ]
        if issue.detainee_id:
            try:
                number_text = markup(self.report.detainee(issue.detainee_id).custody_number)
            except KeyError:
                number_text = "<i>(detainee no longer on the report)</i>"
            rows.append((label("issues[].detainee_id"), number_text))
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
                (label("visit_id", AMENDMENT), markup(a.visit_id)),
                (label("reason", AMENDMENT), self.text(a.reason)),
                (label("text", AMENDMENT), self.text(a.text)),
            ]
            blocks.append([self.kv_table(rows, head=head, head_fill=st.DRAFT_FILL)])
        return blocks
