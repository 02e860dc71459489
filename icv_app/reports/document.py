"""The machinery a PDF report is built with; what a report says lives in its own module.

A report subclasses :class:`Document`: it supplies its story (the flowables, in order) and
what its running header says, and this module does the rest. Every page carries the
OFFICIAL-SENSITIVE marking top and bottom, the document's title, its short reference and
full id, "Page X of Y" and the personal-data notice, because the reports hold personal
data; a document that is not final also carries a DRAFT watermark.

Sections flow: a section's heading stays on the page with the start of its first block,
and a block (a detainee's card, an issue) runs on to the next page, its head repeated as
"(continued)", rather than leaving a third of a page empty (:class:`KeepStart`).

The building blocks keep the reports' two kinds of text apart: labels and headings are
fixed text the app wrote, while anything a visitor typed is escaped (see
:func:`~icv_app.reports.styles.markup`) before it reaches Paragraph markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, BinaryIO

from reportlab.lib.colors import Color
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
from reportlab.platypus.doctemplate import FrameBreak, NullActionFlowable

from icv_app.reports import styles as st
from icv_app.reports.styles import Styles

MARKING = "OFFICIAL-SENSITIVE"
PERSONAL_DATA_NOTICE = (
    "Contains personal data about detainees and visitors \u2014 handle as OFFICIAL-SENSITIVE"
)
LABEL_WIDTH = 47 * mm  # the catalogue's longer labels ("Where contact happened") on one line

# A block that does not fit in the space left on a page is split there when at least
# MIN_HERE of it fits (a heading and a few rows) and at least MIN_REST goes on; when less
# would go on, it starts on the next page instead, unless that leaves more than MAX_WASTE
# of this page empty (a third of a page empty reads as a missing page).
MIN_HERE = 90.0
MIN_REST = 60.0
MAX_WASTE = 160.0
# The least a card's piece on a page shows beyond its repeated head: two lines of a row.
MIN_PIECE = 30.0


# --- keeping the start of a block together ----------------------------------------------


class KeepStart(KeepTogether):
    """Flowables kept on one page when they fit in the space left; otherwise split where
    they stand if ``min_here`` points of them fit here (so a heading never ends a page)
    and ``min_rest`` go on (so a card does not leave a row or two behind), or if moving
    them would leave more than ``max_waste`` empty; otherwise moved to the next page.
    Unlike KeepTogether, a block taller than the space left does not leave it empty."""

    def __init__(self, flowables: list[Flowable], min_here: float = MIN_HERE,
                 min_rest: float = MIN_REST, max_waste: float = MAX_WASTE) -> None:
        super().__init__(flowables)
        self._min_here = min_here
        self._min_rest = min_rest
        self._max_waste = max_waste

    def split(self, aW: float, aH: float) -> list[Flowable]:
        if getattr(self, "_wrapInfo", None) != (aW, aH):
            self.wrap(aW, aH)
        content = list(self._content)
        frame = getattr(self, "_frame", None)
        at_top = bool(getattr(frame, "_atTop", False))
        here = [NullActionFlowable(), *content]
        height: float = self._H
        if height <= aH or at_top or frame is None:
            return here
        if aH < self._min_here:
            return [FrameBreak(), *content]
        if height - aH >= self._min_rest:
            return here
        page = frame._height - frame._topPadding - frame._bottomPadding
        if aH <= self._max_waste and height <= page:
            return [FrameBreak(), *content]
        return here


class CardTable(Table):
    """A table whose first row is a head, repeated on the next page as ``continued``.

    Split only where it reads well: a piece left on a page shows at least
    :data:`MIN_PIECE` beyond its head, a card does not go on for its last row alone, and
    what goes on starts the next page (never a second piece on the same one)."""

    continued: Flowable | None = None
    remainder = False  # the rest of a card split over pages

    def _held_back(self) -> bool:
        """What is left of a card after its first piece went on a page goes on to the
        next: placed (or split again) on the same page, it would read as a second card
        under a second head."""
        frame = getattr(self, "_frame", None)
        return self.remainder and frame is not None and not frame._atTop

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        width, height = super().wrap(availWidth, availHeight)
        if self._held_back():
            return width, max(height, availHeight + 1)
        return width, height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        if self._held_back():
            return []
        parts = super().split(availWidth, availHeight)
        if len(parts) == 2:
            # A piece that would show little more than its head (or the top line of a
            # row split inside it, such as an inner table's column headings) is not
            # worth leaving on this page: the whole goes on to the next.
            # (Heights from this table's rows, not by measuring the piece again: a row
            # split inside is cut at the space there is.)
            here = len(parts[0]._cellvalues)
            head = sum(self._rowHeights[: self.repeatRows])
            height = min(sum(self._rowHeights[:here]), availHeight)
            if height - head < MIN_PIECE:
                return []
            # Nor does a card go on for its last row alone: one more row goes with it.
            body_here = here - self.repeatRows
            body_rest = len(parts[1]._cellvalues) - self.repeatRows
            if body_rest == 1 and body_here >= 3:
                last = self._rowHeights[here - 1]
                fewer = super().split(availWidth, height - last - 1)
                if len(fewer) == 2:
                    parts = fewer
        if len(parts) == 2:
            parts[1].remainder = True
        if len(parts) == 2 and self.continued is not None and self.repeatRows:
            rest = parts[1]
            # The head row's list is shared with the first part: replace it, not its cell.
            rest._cellvalues[0] = [self.continued, *rest._cellvalues[0][1:]]
            # The head row's height was measured for the original head: measure again.
            rest._argH = [None, *rest._argH[1:]]
            rest.continued = self.continued
        return parts


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


class Document:
    """One PDF being built: building blocks for the story, and the page furniture.

    ``running_title`` is the left of every page's header line, ``running_ref`` (the short
    reference) and ``running_id`` (the full id, smaller) its right; ``draft`` adds the
    watermark and says so in the title.
    """

    # The footer's notice: what the pages hold and how to handle them.
    notice = PERSONAL_DATA_NOTICE

    def __init__(self, styles: Styles, *, running_title: str, running_ref: str,
                 draft: bool, running_id: str = "") -> None:
        self.s = styles
        self.running_title = running_title
        self.running_ref = running_ref
        self.running_id = running_id
        self.draft = draft

    def story(self) -> list[Flowable]:
        raise NotImplementedError

    # building blocks

    def p(self, text: str, style: Any = None) -> Paragraph:
        """A paragraph of already-safe markup."""
        return Paragraph(text, style or self.s.body)

    def fit(self, text: str, font: str, size: float, width: float) -> str:
        """Fixed text for a plain-string cell, broken into lines that fit ``width``."""
        return "\n".join(simpleSplit(text, font, size, width))

    def kv_table(
        self,
        rows: Iterable[tuple[str, Flowable | list[Flowable] | str]],
        head: Flowable | None = None,
        head_fill: Any = None,
        label_width: float = LABEL_WIDTH,
        continued: Flowable | None = None,
    ) -> Table:
        """A two-column label/value table; ``head`` spans both columns on top and is
        repeated as ``continued`` when the table runs on to the next page.

        Labels are fixed text, drawn as plain strings broken to fit: a Paragraph per
        label would cost much rendering time for nothing.
        """
        data: list[list[Any]] = []
        if head is not None:
            data.append([head, ""])
        first = len(data)
        f = self.s.fonts
        for label, value in rows:
            cell = value if isinstance(value, Flowable | list) else self.p(value)
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
            ("TOPPADDING", (0, 0), (-1, -1), st.CELL_PADDING),
            ("BOTTOMPADDING", (0, 0), (-1, -1), st.CELL_PADDING),
        ]
        if head is not None:
            style += [
                ("SPAN", (0, 0), (1, 0)),
                ("BACKGROUND", (0, 0), (1, 0), head_fill or st.HEAD_FILL),
            ]
        table = CardTable(
            data,
            colWidths=[label_width, st.FRAME_WIDTH - label_width],
            splitInRow=1,
            repeatRows=1 if head is not None and continued is not None else 0,
        )
        table.continued = continued
        table.setStyle(TableStyle(style))
        return table

    def figures(self, items: Sequence[tuple[str, str, Color | None]]) -> Table:
        """A strip of numbers, each over its label, in equal columns across the frame;
        a number with a colour is drawn in it (a count with a problem, or corrected)."""
        f = self.s.fonts
        width = st.FRAME_WIDTH / len(items)
        table = Table(
            [
                [number for _, number, _ in items],
                [self.fit(label, f.regular, 7.5, width - 6) for label, _, _ in items],
            ],
            colWidths=[width] * len(items),
        )
        commands: list[tuple[Any, ...]] = [
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            ("FONTNAME", (0, 0), (-1, 0), f.bold),
            ("FONTSIZE", (0, 0), (-1, 0), 14),
            ("LEADING", (0, 0), (-1, 0), 17),
            ("TEXTCOLOR", (0, 0), (-1, 0), st.INK),
            ("FONTNAME", (0, 1), (-1, 1), f.regular),
            ("FONTSIZE", (0, 1), (-1, 1), 7.5),
            ("LEADING", (0, 1), (-1, 1), 9.5),
            ("TEXTCOLOR", (0, 1), (-1, 1), st.MUTED),
            ("BOX", (0, 0), (-1, -1), 0.6, st.RULE),
            ("LINEAFTER", (0, 0), (-2, -1), 0.4, st.GRID),
            ("BACKGROUND", (0, 0), (-1, -1), st.LABEL_FILL),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            # Labels as wide as they can be ("Accepted and spoken to" on one line).
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ("TOPPADDING", (0, 0), (-1, 0), 4),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 0),
            ("BOTTOMPADDING", (0, 1), (-1, 1), 5),
        ]
        for column, (_, _, colour) in enumerate(items):
            if colour is not None:
                commands.append(("TEXTCOLOR", (column, 0), (column, 0), colour))
        table.setStyle(TableStyle(commands))
        return table

    def grid(self, head: Sequence[str], rows: Iterable[Sequence[str | Flowable]],
             widths: Sequence[float]) -> Table:
        """Short values in columns under a muted header row, without a frame: for a small
        table inside a :meth:`kv_table` value cell. Strings are fixed text, broken to
        fit; a cell that needs more (a correction, a problem) is a Paragraph."""
        f = self.s.fonts
        data: list[list[Any]] = [list(head)]
        for row in rows:
            data.append(
                [self.fit(cell, f.regular, 9.5, width - 2) if isinstance(cell, str) else cell
                 for cell, width in zip(row, widths, strict=True)]
            )
        table = Table(data, colWidths=list(widths))
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, 0), f.bold),
                    ("FONTSIZE", (0, 0), (-1, 0), 8.5),
                    ("TEXTCOLOR", (0, 0), (-1, 0), st.MUTED),
                    ("FONTNAME", (0, 1), (-1, -1), f.regular),
                    ("FONTSIZE", (0, 1), (-1, -1), 9.5),
                    ("LEADING", (0, 0), (-1, -1), st.LEADING),
                    ("TEXTCOLOR", (0, 1), (-1, -1), st.INK),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.4, st.GRID),
                ]
            )
        )
        return table

    def banner(self, line: str, note: str, fill: Color, ink: Color) -> Table:
        """A filled box across the frame: ``line`` (markup) in bold ``ink`` over a note."""
        banner = Table(
            [
                [self.p(f'<font color="{ink.hexval()}">{line}</font>', self.s.banner)],
                [self.p(note, self.s.small)],
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
        return banner

    def heading(self, text: str) -> Paragraph:
        return Paragraph(text, self.s.heading)

    def section(self, title: str, blocks: list[list[Flowable]]) -> list[Flowable]:
        """A heading kept on the page with the start of its first block; each block kept
        whole when it fits in the space left, else split where it stands or moved on
        (:class:`KeepStart`). (Keepers must not be nested: an inner one reports an
        unbounded height, which would push the outer one to a new page every time.)"""
        if not blocks:
            return []
        out: list[Flowable] = [KeepStart([self.heading(title), *blocks[0]])]
        for block in blocks[1:]:
            out += [Spacer(1, 6), KeepStart(block)]
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
        if self.draft:
            self.watermark(canvas)
        canvas.saveState()
        canvas.setFillColor(st.INK)
        canvas.setFont(f.bold, 8.5)
        canvas.drawCentredString(width / 2, height - 10 * mm, MARKING)
        canvas.drawCentredString(width / 2, 7 * mm, MARKING)
        canvas.setFont(f.regular, 7.5)
        canvas.setFillColor(st.MUTED)
        title = self.running_title
        if self.draft:
            title += " \u2014 DRAFT"
        # Right: the short reference in bold, and the full id beside it, smaller.
        reference, ident = self.running_ref, self.running_id
        ref_width = stringWidth(reference, f.bold, 8)
        id_width = stringWidth(ident, f.regular, 6.5) + 8 if ident else 0
        # The title gives way to the reference and id, which must always print whole.
        room = right - left - ref_width - id_width - 12
        while len(title) > 12 and stringWidth(title, f.regular, 7.5) > room:
            title = title[:-2] + "\u2026"
        base = height - 16 * mm
        canvas.drawString(left, base, title)
        canvas.setFont(f.bold, 8)
        canvas.setFillColor(st.INK)
        canvas.drawRightString(right, base, reference)
        if ident:
            canvas.setFont(f.regular, 6.5)
            canvas.setFillColor(st.MUTED)
            canvas.drawRightString(right - ref_width - 8, base, ident)
        canvas.setFont(f.regular, 7.5)
        canvas.setFillColor(st.MUTED)
        canvas.setStrokeColor(st.RULE)
        canvas.setLineWidth(0.5)
        canvas.line(left, height - 17.8 * mm, right, height - 17.8 * mm)
        canvas.line(left, 15.5 * mm, right, 15.5 * mm)
        canvas.drawString(left, 12 * mm, self.notice)
        canvas.setFont(f.bold, 7.5)
        canvas.drawRightString(right, 12 * mm, f"Page {number} of {total}")
        canvas.restoreState()

    def build(self, out: BinaryIO, *, title: str, subject: str, author: str) -> None:
        """Lay out :meth:`story` on A4 pages into ``out``; the keywords are the PDF's
        document properties."""
        doc = SimpleDocTemplate(
            out,
            pagesize=st.PAGE_SIZE,
            # The frame pads its content; move the margins out by that much so the
            # content lines up with the page header and footer rules.
            leftMargin=st.MARGIN_X - st.FRAME_PADDING,
            rightMargin=st.MARGIN_X - st.FRAME_PADDING,
            topMargin=st.MARGIN_TOP - st.FRAME_PADDING,
            bottomMargin=st.MARGIN_BOTTOM - st.FRAME_PADDING,
            title=title,
            subject=subject,
            author=author,
            creator="icv-app",
        )
        story = self.story()

        def canvasmaker(*args: Any, **kw: Any) -> Canvas:
            return _NumberedCanvas(*args, furniture=self.furniture, **kw)

        doc.build(story, canvasmaker=canvasmaker)
