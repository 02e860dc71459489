"""The machinery a PDF report is built with; what a report says lives in its own module.

A report subclasses :class:`Document`: it supplies its story (the flowables, in order) and
what its running header says, and this module does the rest. Every page carries the
OFFICIAL-SENSITIVE marking top and bottom, the document's title and reference, "Page X of
Y" and the personal-data notice, because the reports hold personal data; a document that
is not final also carries a DRAFT watermark.

The building blocks keep the reports' two kinds of text apart: labels and headings are
fixed text the app wrote, while anything a visitor typed goes through :meth:`Document.text`
(or :func:`~icv_app.reports.styles.markup`), which escapes it before it reaches Paragraph
markup. The value formatters below are shared so that every report writes a date, a time
or an unanswered question the same way.
"""

from __future__ import annotations

import datetime as dt
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

from icv_app.reports import styles as st
from icv_app.reports.styles import Styles, markup

MARKING = "OFFICIAL-SENSITIVE"
PERSONAL_DATA_NOTICE = (
    "Contains personal data about detainees and visitors \u2014 handle as OFFICIAL-SENSITIVE"
)
LABEL_WIDTH = 42 * mm
NOT_RECORDED = "Not recorded"


# --- formatting values ------------------------------------------------------------------


def date_text(value: dt.date | None) -> str:
    return value.strftime("%a %d %b %Y") if value else NOT_RECORDED


def time_text(value: dt.time | None) -> str:
    return value.strftime("%H:%M") if value else NOT_RECORDED


def stamp_text(value: dt.datetime) -> str:
    """A stored UTC timestamp in the machine's local time, with its zone named."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone()
    return local.strftime("%a %d %b %Y %H:%M ") + (local.tzname() or "")


def yes_no(value: bool | None) -> str:
    if value is None:
        return NOT_RECORDED
    return "Yes" if value else "No"


def and_list(items: Sequence[str]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def minutes_between(start: dt.time, end: dt.time) -> int:
    day = dt.date(2000, 1, 1)
    return int((dt.datetime.combine(day, end) - dt.datetime.combine(day, start)).seconds // 60)


def duration_text(minutes: int) -> str:
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


class Document:
    """One PDF being built: building blocks for the story, and the page furniture.

    ``running_title`` and ``running_ref`` are the left and right of every page's header
    line; ``draft`` adds the watermark and says so in the title.
    """

    def __init__(self, styles: Styles, *, running_title: str, running_ref: str,
                 draft: bool) -> None:
        self.s = styles
        self.running_title = running_title
        self.running_ref = running_ref
        self.draft = draft

    def story(self) -> list[Flowable]:
        raise NotImplementedError

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

    def figures(self, items: Sequence[tuple[str, int]]) -> Table:
        """A strip of numbers, each over its label, in equal columns across the frame."""
        f = self.s.fonts
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

    def grid(self, head: Sequence[str], rows: Iterable[Sequence[str]],
             widths: Sequence[float]) -> Table:
        """Short fixed strings in columns under a muted header row, without a frame: for
        a small table inside a :meth:`kv_table` value cell."""
        f = self.s.fonts
        data: list[list[Any]] = [list(head)]
        for row in rows:
            data.append(
                [self.fit(text, f.regular, 9.5, width - 2)
                 for text, width in zip(row, widths, strict=True)]
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
        reference = self.running_ref
        # The title gives way to the reference, which must always print whole.
        room = right - left - stringWidth(reference, f.regular, 7.5) - 12
        while len(title) > 12 and stringWidth(title, f.regular, 7.5) > room:
            title = title[:-2] + "\u2026"
        canvas.drawString(left, height - 16 * mm, title)
        canvas.drawRightString(right, height - 16 * mm, reference)
        canvas.setStrokeColor(st.RULE)
        canvas.setLineWidth(0.5)
        canvas.line(left, height - 17.8 * mm, right, height - 17.8 * mm)
        canvas.line(left, 15.5 * mm, right, 15.5 * mm)
        canvas.drawString(left, 12 * mm, PERSONAL_DATA_NOTICE)
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
