"""An outline (:mod:`icv_app.reports.outline`) printed as PDF pages with reportlab.

Each block becomes a table or paragraph of :mod:`icv_app.reports.document`; each value is
escaped (nothing in an outline is markup) and drawn by what it is: grey italic when not
recorded, its correction beside it ("— corrected from 13:00 on 3 Dec 2026: typo"), and
in red (errors) or amber (warnings) with the message under the row when problems were
given. A grid's column widths are chosen by its ``key`` (:attr:`OutlinePdf.grid_widths`).
Text the fonts cannot print as itself shows as its code points, "[U+1F600]", and the
report then says why under its banner (:func:`~icv_app.reports.styles.printable_markup`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, BinaryIO, ClassVar

from reportlab.lib.colors import Color
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from icv_app.domain.custody.validation import Severity
from icv_app.reports import styles as st
from icv_app.reports.document import LABEL_WIDTH, CardTable, Document
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
    moved_changes,
)
from icv_app.reports.styles import UNPRINTABLE_NOTE, Styles, printable_markup

_FILL: dict[Tone, Color] = {
    "plain": st.HEAD_FILL, "ok": st.OK_FILL, "alert": st.ALERT_FILL, "draft": st.DRAFT_FILL,
}
_SEVERITY_INK = {Severity.ERROR: st.ALERT, Severity.WARNING: st.WARN}
# The form's words: errors are "to fix" before submitting, warnings "to check".
_SEVERITY_WORD = {Severity.ERROR: "To fix", Severity.WARNING: "To check"}

# Widths of a grid's columns for the width it is given: (key) -> widths.
GridWidths = Callable[["OutlinePdf", float], list[float]]


def _font(text: str, colour: Color) -> str:
    return f'<font color="{colour.hexval()}">{text}</font>'


def _simple(parts: tuple[Part, ...]) -> Value | str | None:
    """The one plain part of a cell that can be drawn as a plain string (fast), if so."""
    if len(parts) != 1:
        return None
    part = parts[0]
    if isinstance(part, str):
        return part
    if part.changes or part.problems or part.related or part.empty or part.typed:
        return None
    return part


def _titled_list(chunk: list[GridRow | GridGroup]) -> GridRow | None:
    """A group that is only a heading over a one-cell row, as one row led by its title."""
    if len(chunk) != 2:
        return None
    group, row = chunk
    if not isinstance(group, GridGroup) or not isinstance(row, GridRow) or len(row.cells) != 1:
        return None
    return GridRow(((Value(f"{group.title}:", strong=True), " ", *row.cells[0]),))


class OutlinePdf(Document):
    """The pages of one outline."""

    grid_widths: ClassVar[dict[str, GridWidths]] = {}

    def __init__(self, outline: Outline, styles: Styles) -> None:
        self.outline = outline
        super().__init__(
            styles,
            running_title=outline.running_title,
            running_ref=outline.reference,
            running_id=outline.record_id,
            draft=outline.draft,
        )
        # Whether any text was printed as code points (see styles.printable_markup).
        self.substituted = False

    def esc(self, text: str) -> str:
        """Text as Paragraph markup: escaped, line breaks kept, and any character the
        fonts cannot print shown as its code point."""
        markup, substituted = printable_markup(text, self.s.fonts)
        self.substituted = self.substituted or substituted
        return markup

    def write(self, out: BinaryIO, *, subject: str) -> None:
        o = self.outline
        self.build(out, title=o.pdf_title or o.title, subject=subject, author=o.scheme)

    # the story ---------------------------------------------------------------------------

    def story(self) -> list[Flowable]:
        # The sections first: the title block says whether any of their text had to be
        # printed as code points.
        sections: list[Flowable] = []
        for section in self.outline.sections:
            sections += self.section_flowables(section)
        return self.title_block() + sections

    def title_block(self) -> list[Flowable]:
        o, s = self.outline, self.s
        out: list[Flowable] = [
            self.p(self.esc(o.scheme), s.scheme),
            self.p(self.esc(o.title), s.title),
            self.p(self.parts(o.subtitle), s.subtitle),
            self.p(
                f"<b>Reference {self.esc(o.reference)}</b>"
                + _font(f"<font size=7.5>\u2003id {self.esc(o.record_id)}"
                        f" \u00b7 created {self.esc(o.created)}</font>", st.MUTED),
                s.reference,
            ),
        ]
        ink = st.DRAFT_INK if o.banner.tone == "draft" else st.INK
        out += [
            self.banner(self.parts(o.banner.line), self.esc(o.banner.note),
                        _FILL[o.banner.tone], ink),
            Spacer(1, 2),
        ]
        if o.problems:
            out.append(self.p(self.flag_lines(o.problems), s.body))
        if self.substituted:
            out.append(self.p(f"<i>{self.esc(UNPRINTABLE_NOTE)}</i>", s.small))
        return out

    def section_flowables(self, section: Section) -> list[Flowable]:
        only = section.blocks[0] if len(section.blocks) == 1 else None
        if isinstance(only, Text) and only.muted and not section.problems:
            # Nothing to show but a remark ("No issues were raised on this visit."): on
            # the heading's line, so an empty section takes one line, not two.
            remark = _font(f'<font name="{self.s.fonts.italic}" size=8.5>'
                           f"{self.parts(only.parts)}</font>", st.MUTED)
            return [self.heading(f"{self.esc(section.title)}\u2003{remark}")]
        blocks = [flowables for b in section.blocks for flowables in self.block(b)]
        if section.problems:
            blocks.insert(0, [self.p(self.flag_lines(section.problems), self.s.body)])
        return self.section(self.esc(section.title), blocks)

    def block(self, block: Block) -> list[list[Flowable]]:
        """The flowables of a block, in the pieces each kept together at its start."""
        if isinstance(block, Card):
            return [[self.card(block)]]
        if isinstance(block, Figures):
            return [self.figure_strip(block)]
        if isinstance(block, Grid):
            # One table per group: a group's heading stays with its first rows, and is
            # repeated when the group runs on to the next page.
            return [[table] for table in self.framed_grid(block)]
        return [[self.text(block)]]

    # parts -------------------------------------------------------------------------------

    def parts(self, parts: tuple[Part, ...]) -> str:
        return "".join(self.esc(p) if isinstance(p, str) else self.value(p)
                       for p in parts)

    def value(self, v: Value) -> str:
        text = self.esc(v.text)
        if v.strong:
            text = f"<b>{text}</b>"
        severity = v.severity
        if severity is not None:
            text = _font(text, _SEVERITY_INK[severity])
        elif v.empty:
            text = _font(f"<i>{text}</i>", st.MUTED)
        elif v.alert:
            text = _font(text, st.ALERT)
        elif v.muted:
            text = _font(text, st.MUTED)
        for c in v.changes:
            text += self.note(" \u2014 " + change_note(c, v.path))
        return text

    def note(self, text: str) -> str:
        """A correction's words, small, in the correction colour."""
        return _font(f"<font size=8.5>{self.esc(text)}</font>", st.CORRECTED)

    def flag_lines(self, flags: tuple[Flag, ...]) -> str:
        return "<br/>".join(
            _font(f"<b>{_SEVERITY_WORD[f.severity]}:</b> {self.esc(f.message)}",
                  _SEVERITY_INK[f.severity])
            for f in flags
        )

    def cell(self, parts: tuple[Part, ...], extra: tuple[Flag, ...] = (),
             notes: Sequence[str] = (), style: Any = None) -> Paragraph:
        """A paragraph of parts, with ``notes`` (corrections in words) and the messages of
        their problems under it."""
        flags = [f for p in parts if isinstance(p, Value) for f in p.problems] + list(extra)
        if (not flags and not notes and len(parts) == 1 and isinstance(parts[0], Value)
                and parts[0].empty and not parts[0].changes and style is None):
            # A cell with nothing recorded: a muted remark, as small as the labels.
            return self.p(f"<i>{self.esc(parts[0].text)}</i>", self.s.small)
        text = self.parts(parts)
        for note in notes:
            text += "<br/>" + self.note(note)
        if flags:
            text += "<br/>" + self.flag_lines(tuple(dict.fromkeys(flags)))
        return self.p(text, style)

    def text(self, block: Text) -> Paragraph:
        if block.muted:
            return self.p(f"<i>{self.parts(block.parts)}</i>", self.s.small)
        return self.cell(block.parts)

    # blocks ------------------------------------------------------------------------------

    def card(self, card: Card) -> Table:
        rows: list[tuple[str, Flowable | list[Flowable] | str]] = []
        for row in card.rows:
            rows.append((row.label, self.row_content(row)))
        head = continued = None
        if card.head:
            head = self.cell(card.head, style=self.s.cell_head)
            if card.continued:
                continued = self.p(self.esc(card.continued), self.s.cell_head)
        return self.kv_table(rows, head=head, head_fill=_FILL[card.tone], continued=continued)

    def row_content(self, row: Row) -> Flowable | list[Flowable]:
        if isinstance(row.content, Grid):
            grid, notes = self.inner_grid(row.content, st.FRAME_WIDTH - LABEL_WIDTH - 10)
            below = [self.note(n) for n in notes]
            if row.problems:
                below.append(self.flag_lines(row.problems))
            return [grid, self.p("<br/>".join(below))] if below else grid
        return self.cell(row.content, row.problems)

    def figure_strip(self, figures: Figures) -> list[Flowable]:
        items: list[tuple[str, str, Color | None]] = []
        notes: list[str] = []
        for label, v in figures.items:
            severity = v.severity
            colour = _SEVERITY_INK[severity] if severity else (
                st.CORRECTED if v.changes else None)
            items.append((label, v.text, colour))
            if v.problems or v.changes:
                notes.append(f"<b>{self.esc(label)}:</b> "
                             + self.value(Value(v.text, changes=v.changes))
                             + ("<br/>" + self.flag_lines(v.problems) if v.problems else ""))
        out: list[Flowable] = [self.figures(items)]
        if notes:
            out += [Spacer(1, 2), self.p("<br/>".join(notes))]
        return out

    def grid_cell(self, parts: tuple[Part, ...], font: str, width: float) -> Any:
        simple = _simple(parts)
        if isinstance(simple, str):
            return self.fit(simple, font, 9.5, width)
        if simple is not None and not (simple.strong or simple.alert or simple.muted):
            return self.fit(simple.text, font, 9.5, width)
        return self.cell(parts)

    def inner_grid(self, grid: Grid, width: float) -> tuple[Table, list[str]]:
        """A grid inside a card's row, and its corrections in words (for under it: its
        columns are short answers)."""
        widths = self.widths(grid, width)
        rows = []
        notes: list[str] = []
        for row in grid.rows:
            if isinstance(row, GridRow):
                cells, moved = moved_changes(GridRow((*row.cells, ())))
                notes += moved
                rows.append([self.grid_cell(cell, self.s.fonts.regular, w - 2)
                             for cell, w in zip(cells[:-1], widths, strict=True)])
        return self.grid(list(grid.columns), rows, widths), notes

    def widths(self, grid: Grid, width: float) -> list[float]:
        layout = self.grid_widths.get(grid.key)
        if layout is not None:
            return layout(self, width)
        columns = max((len(r.cells) for r in grid.rows if isinstance(r, GridRow)),
                      default=1)
        return [width / columns] * columns

    def framed_grid(self, grid: Grid) -> list[Table]:
        """A grid as tables of their own, one per group (its heading row across it); a
        one-cell row spans every column; state-like values (strong, alert) are drawn in
        bold red as plain strings, without the cost of a Paragraph."""
        widths = self.widths(grid, st.FRAME_WIDTH)
        chunks: list[list[GridRow | GridGroup]] = [[]]
        for row in grid.rows:
            if isinstance(row, GridGroup) and chunks[-1]:
                chunks.append([])
            chunks[-1].append(row)
        # A group that is only a list of names ("Satisfactory (17): Cell cleanliness;
        # ...") is one row that starts with its title, and such groups in a row share a
        # table: a heading row over a single line would double its height.
        merged: list[list[GridRow | GridGroup]] = []
        previous_bare = False
        for chunk in chunks:
            titled = _titled_list(chunk)
            if titled is None:
                merged.append(chunk)
            elif previous_bare:
                merged[-1].append(titled)
            else:
                merged.append([titled])
            previous_bare = titled is not None
        chunks = merged
        tables = []
        for n, chunk in enumerate(chunks):
            columns = grid.columns if n == 0 else ()
            tables.append(self.grid_table(columns, chunk, widths))
        return tables

    def grid_table(self, columns: tuple[str, ...], rows: list[GridRow | GridGroup],
                   widths: list[float]) -> Table:
        s = self.s
        count = len(widths)
        data: list[list[Any]] = []
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTNAME", (0, 0), (-1, -1), s.fonts.regular),
            ("FONTSIZE", (0, 0), (-1, -1), 9.5),
            ("LEADING", (0, 0), (-1, -1), st.LEADING),
            ("TEXTCOLOR", (0, 0), (-1, -1), st.INK),
            ("BOX", (0, 0), (-1, -1), 0.6, st.RULE),
            ("INNERGRID", (0, 0), (-1, -1), 0.4, st.GRID),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), st.CELL_PADDING),
            ("BOTTOMPADDING", (0, 0), (-1, -1), st.CELL_PADDING),
        ]
        continued = None
        if columns:
            data.append(list(columns))
            commands += [("FONTNAME", (0, 0), (-1, 0), s.fonts.bold),
                         ("BACKGROUND", (0, 0), (-1, 0), st.LABEL_FILL)]
        for row in rows:
            n = len(data)
            if isinstance(row, GridGroup):
                data.append([self.p(self.esc(row.title), s.cell_head)]
                            + [""] * (count - 1))
                commands += [("SPAN", (0, n), (-1, n)),
                             ("BACKGROUND", (0, n), (-1, n), _FILL[row.tone])]
                if n == 0:
                    continued = self.p(self.esc(f"{row.title} (continued)"), s.cell_head)
                continue
            if len(row.cells) == 1:
                data.append([self.cell(row.cells[0])] + [""] * (count - 1))
                commands.append(("SPAN", (0, n), (-1, n)))
                continue
            cells: list[Any] = []
            moved, notes = moved_changes(row)
            for column, (cell, width) in enumerate(zip(moved, widths, strict=True)):
                simple = _simple(cell)
                if isinstance(simple, Value) and (simple.strong or simple.alert):
                    font = s.fonts.bold if simple.strong else s.fonts.regular
                    commands.append(("FONTNAME", (column, n), (column, n), font))
                    if simple.alert:
                        commands.append(("TEXTCOLOR", (column, n), (column, n), st.ALERT))
                    cells.append(self.fit(simple.text, font, 9.5, width - 10))
                elif simple is not None and column < count - 1:
                    cells.append(self.grid_cell(cell, s.fonts.regular, width - 10))
                else:
                    cells.append(self.cell(cell, notes=notes if column == count - 1 else ()))
            data.append(cells)
        table = CardTable(data, colWidths=widths, splitInRow=1,
                          repeatRows=1 if columns or continued is not None else 0)
        table.continued = continued
        table.setStyle(TableStyle(commands))
        return table
