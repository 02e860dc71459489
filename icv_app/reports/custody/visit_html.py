"""A visit outline as HTML for a QTextBrowser: the review screen before submitting.

It shows the report as it will print (:mod:`icv_app.reports.custody.visit_pdf` draws the
same outline), and marks what a visitor should look at before submitting: a field not
recorded in grey italics, a field with a problem in red (to fix) or amber (to check)
with the message under it, and a corrected field with its correction beside it.

Only Qt's rich-text subset is used: tables with ``bgcolor``/``cellpadding``/``width``,
``<b>``, ``<i>``, ``<br>``, headings, and ``<span style="color:…">`` (no CSS classes, no
style sheet). Everything in the outline is escaped: nothing typed can become markup.

Pure Python: no Qt import here (the review screen owns the widget).
"""

from __future__ import annotations

from html import escape

from icv_app.domain.custody.validation import Severity
from icv_app.reports.outline import (
    Block,
    Card,
    Figures,
    Flag,
    Grid,
    GridGroup,
    GridRow,
    Outline,
    Part,
    Row,
    Section,
    Text,
    Tone,
    Value,
    change_note,
)

__all__ = ["render_review_html"]

INK = "#1f2933"
MUTED = "#52606d"
EMPTY = "#7b8794"
RULE = "#9aa5b1"
LABEL_FILL = "#f0f4f8"
CORRECTED = "#0b5394"
ALERT = "#9b1c1c"
# The form's colours for problems (icv_app.ui.shared.field_cell), and fills to match.
SEVERITY_INK = {Severity.ERROR: "#b3261e", Severity.WARNING: "#8a5300"}
SEVERITY_FILL = {Severity.ERROR: "#fde8e8", Severity.WARNING: "#fff3c4"}
SEVERITY_WORD = {Severity.ERROR: "To fix", Severity.WARNING: "To check"}
FILL: dict[Tone, str] = {
    "plain": "#d9e2ec", "ok": "#e3f9e5", "alert": "#fde8e8", "draft": "#fff3c4",
}
_TABLE = ('<table width="100%" border="1" cellspacing="0" cellpadding="4" '
          f'style="border-collapse: collapse; border-color: {RULE}; border-style: solid">')


def _text(text: str) -> str:
    """Plain text as HTML: escaped, line breaks kept."""
    return escape(text.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br>")


def _colour(html: str, colour: str) -> str:
    return f'<span style="color: {colour}">{html}</span>'


def _small(html: str) -> str:
    return f'<span style="font-size: small">{html}</span>'


def render_review_html(outline: Outline) -> str:
    """The whole report as one HTML document for ``QTextBrowser.setHtml``."""
    return _Html(outline).document()


class _Html:
    def __init__(self, outline: Outline) -> None:
        self.outline = outline

    def document(self) -> str:
        o = self.outline
        out = [f'<html><body style="color: {INK}">',
               f"<p>{_colour(_small(_text(o.scheme)), MUTED)}</p>",
               f"<h1>{_text(o.title)}</h1>",
               f"<p>{_colour(self.parts(o.subtitle), MUTED)}</p>",
               f"<p><b>Reference {_text(o.reference)}</b>&nbsp;&nbsp;"
               + _colour(_small(f"id {_text(o.record_id)} \u00b7 created {_text(o.created)}"),
                         MUTED) + "</p>",
               self.banner(),
               self.summary()]
        if o.problems:
            out.append(f"<p>{self.flag_lines(o.problems)}</p>")
        for section in o.sections:
            out.append(self.section(section))
        out.append("</body></html>")
        return "\n".join(part for part in out if part)

    def banner(self) -> str:
        b = self.outline.banner
        ink = "#8d2b0b" if b.tone == "draft" else INK
        return (f'<table width="100%" border="1" cellspacing="0" cellpadding="6" '
                f'style="border-collapse: collapse; border-color: {RULE}" '
                f'bgcolor="{FILL[b.tone]}"><tr><td>'
                f"<b>{_colour(self.parts(b.line), ink)}</b><br>"
                f"{_colour(_small(_text(b.note)), MUTED)}</td></tr></table>")

    def summary(self) -> str:
        """What the review is for: how many problems, and of which kind, at the top."""
        flags = self.outline.flags()
        if not flags:
            return ""
        errors = sum(f.severity is Severity.ERROR for f in flags)
        warnings = len(flags) - errors
        parts = []
        if errors:
            parts.append(_colour(f"<b>{errors} to fix before submitting</b>",
                                 SEVERITY_INK[Severity.ERROR]))
        if warnings:
            parts.append(_colour(f"<b>{warnings} to check</b>",
                                 SEVERITY_INK[Severity.WARNING]))
        return f"<p>{', '.join(parts)} (marked below).</p>"

    def section(self, section: Section) -> str:
        out = [f"<h2>{_text(section.title)}</h2>"]
        if section.problems:
            out.append(f"<p>{self.flag_lines(section.problems)}</p>")
        out += [self.block(b) for b in section.blocks]
        return "\n".join(out)

    def block(self, block: Block) -> str:
        if isinstance(block, Card):
            return self.card(block)
        if isinstance(block, Figures):
            return self.figures(block)
        if isinstance(block, Grid):
            return self.grid(block)
        return self.text(block)

    # parts -------------------------------------------------------------------------------

    def parts(self, parts: tuple[Part, ...]) -> str:
        return "".join(_text(p) if isinstance(p, str) else self.value(p) for p in parts)

    def value(self, v: Value) -> str:
        html = _text(v.text)
        if v.strong:
            html = f"<b>{html}</b>"
        severity = v.severity
        if severity is not None:
            html = (f'<span style="color: {SEVERITY_INK[severity]}; background-color: '
                    f'{SEVERITY_FILL[severity]}">{html}</span>')
        elif v.empty:
            html = _colour(f"<i>{html}</i>", EMPTY)
        elif v.alert:
            html = _colour(html, ALERT)
        elif v.muted:
            html = _colour(html, MUTED)
        for c in v.changes:
            html += _colour(_small(" \u2014 " + _text(change_note(c, v.path))), CORRECTED)
        return html

    def flag_lines(self, flags: tuple[Flag, ...]) -> str:
        return "<br>".join(
            _colour(f"<b>{SEVERITY_WORD[f.severity]}:</b> {_text(f.message)}",
                    SEVERITY_INK[f.severity])
            for f in dict.fromkeys(flags)
        )

    def cell(self, parts: tuple[Part, ...], extra: tuple[Flag, ...] = ()) -> str:
        """Parts, with the messages of their problems under them."""
        flags = tuple(f for p in parts if isinstance(p, Value) for f in p.problems) + extra
        html = self.parts(parts)
        if flags:
            html += "<br>" + self.flag_lines(flags)
        return html

    def text(self, block: Text) -> str:
        if block.muted:
            return f"<p>{_colour(f'<i>{self.parts(block.parts)}</i>', EMPTY)}</p>"
        return f"<p>{self.cell(block.parts)}</p>"

    # blocks ------------------------------------------------------------------------------

    def card(self, card: Card) -> str:
        out = [_TABLE]
        if card.head:
            out.append(f'<tr><td colspan="2" bgcolor="{FILL[card.tone]}">'
                       f"<b>{self.parts(card.head)}</b></td></tr>")
        for row in card.rows:
            out.append(self.row(row))
        out.append("</table><br>")
        return "".join(out)

    def row(self, row: Row) -> str:
        content = (self.inner_grid(row.content) + (
            "<br>" + self.flag_lines(row.problems) if row.problems else "")
            if isinstance(row.content, Grid) else self.cell(row.content, row.problems))
        severity = _row_severity(row)
        fill = SEVERITY_FILL[severity] if severity else LABEL_FILL
        label = _colour(_small(f"<b>{_text(row.label)}</b>"),
                        SEVERITY_INK[severity] if severity else MUTED)
        return (f'<tr><td width="27%" valign="top" bgcolor="{fill}">{label}</td>'
                f'<td valign="top">{content}</td></tr>')

    def figures(self, figures: Figures) -> str:
        cells = []
        width = 100 // max(len(figures.items), 1)
        for label, v in figures.items:
            severity = v.severity
            number = f'<span style="font-size: x-large"><b>{_text(v.text)}</b></span>'
            if severity is not None:
                number = _colour(number, SEVERITY_INK[severity])
            elif v.changes:
                number = _colour(number, CORRECTED)
            below = _colour(_small(_text(label)), MUTED)
            notes = self.value(Value("", changes=v.changes)) if v.changes else ""
            if v.problems:
                notes += "<br>" + self.flag_lines(v.problems)
            fill = SEVERITY_FILL[severity] if severity else LABEL_FILL
            cells.append(f'<td width="{width}%" align="center" valign="top" bgcolor="{fill}">'
                         f"{number}<br>{below}{'<br>' + notes if notes else ''}</td>")
        return f"{_TABLE}<tr>{''.join(cells)}</tr></table><br>"

    def grid(self, grid: Grid) -> str:
        columns = max((len(r.cells) for r in grid.rows if isinstance(r, GridRow)),
                      default=1)
        out = [_TABLE]
        if grid.columns:
            out.append("<tr>" + "".join(
                f'<td bgcolor="{LABEL_FILL}"><b>{_text(c)}</b></td>' for c in grid.columns)
                + "</tr>")
        for row in grid.rows:
            if isinstance(row, GridGroup):
                out.append(f'<tr><td colspan="{columns}" bgcolor="{FILL[row.tone]}">'
                           f"<b>{_text(row.title)}</b></td></tr>")
            elif len(row.cells) == 1:
                out.append(f'<tr><td colspan="{columns}">{self.cell(row.cells[0])}</td></tr>')
            else:
                widths = _GRID_WIDTHS.get(grid.key, ())
                out.append("<tr>" + "".join(
                    f'<td valign="top"{_width(widths, i)}>{self.cell(cell)}</td>'
                    for i, cell in enumerate(row.cells)) + "</tr>")
        out.append("</table><br>")
        return "".join(out)

    def inner_grid(self, grid: Grid) -> str:
        out = ['<table cellspacing="0" cellpadding="2" border="0">']
        if grid.columns:
            out.append("<tr>" + "".join(
                f"<td>{_colour(_small(f'<b>{_text(c)}</b>'), MUTED)}</td>"
                for c in grid.columns) + "</tr>")
        for row in grid.rows:
            if isinstance(row, GridRow):
                out.append("<tr>" + "".join(
                    f'<td valign="top">{self.cell(cell)}&nbsp;&nbsp;</td>'
                    for cell in row.cells) + "</tr>")
        out.append("</table>")
        return "".join(out)


# The conditions' columns as in the PDF: item, state (one line), note.
_GRID_WIDTHS: dict[str, tuple[int, ...]] = {"conditions": (34, 22, 44)}


def _width(widths: tuple[int, ...], i: int) -> str:
    return f' width="{widths[i]}%"' if i < len(widths) else ""


def _row_severity(row: Row) -> Severity | None:
    """The worst problem about the row or any value in it: its label is marked too."""
    flags = list(row.problems) + list(row.related)
    content = row.content
    if isinstance(content, Grid):
        values = [p for r in content.rows if isinstance(r, GridRow)
                  for cell in r.cells for p in cell if isinstance(p, Value)]
    else:
        values = [p for p in content if isinstance(p, Value)]
    for v in values:
        flags += v.problems + v.related
    if any(f.severity is Severity.ERROR for f in flags):
        return Severity.ERROR
    return Severity.WARNING if flags else None
