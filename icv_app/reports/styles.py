"""Typography, colours and table styles shared by the PDF reports.

The built-in Helvetica only covers Western European text (WinAnsi): a Polish name or an
interpreter's language typed in its own script would print as black boxes. When the app
ships a Unicode TrueType family in ``icv_app.resources/fonts`` (DejaVu Sans), it is used
instead; otherwise Helvetica.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

PAGE_SIZE = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 25 * mm
MARGIN_BOTTOM = 21 * mm
FRAME_WIDTH = PAGE_SIZE[0] - 2 * MARGIN_X  # the width content is laid out in
FRAME_PADDING = 6  # platypus Frame's default padding on every side, in points

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#52606d")
RULE = colors.HexColor("#9aa5b1")
GRID = colors.HexColor("#cbd2d9")
LABEL_FILL = colors.HexColor("#f0f4f8")
HEAD_FILL = colors.HexColor("#d9e2ec")
ALERT = colors.HexColor("#9b1c1c")
ALERT_FILL = colors.HexColor("#fde8e8")
OK_FILL = colors.HexColor("#e3f9e5")
DRAFT_FILL = colors.HexColor("#fff3c4")
DRAFT_INK = colors.HexColor("#8d2b0b")
WARN = colors.HexColor("#8a5300")  # a warning: amber (the form's warning colour)
CORRECTED = colors.HexColor("#0b5394")  # a correction's note beside the corrected value
WATERMARK = colors.Color(0.45, 0.45, 0.45, alpha=0.13)

# File names of the optional Unicode family, looked for in icv_app.resources/fonts.
UNICODE_FAMILY = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "italic": "DejaVuSans-Oblique.ttf",
}


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    italic: str


HELVETICA = Fonts("Helvetica", "Helvetica-Bold", "Helvetica-Oblique")


def _shipped_font_dir() -> Path | None:
    try:
        folder = resources.files("icv_app.resources").joinpath("fonts")
    except ModuleNotFoundError:  # pragma: no cover - resources always ship with the app
        return None
    return Path(str(folder))


def register_unicode_fonts(folder: Path) -> Fonts | None:
    """Register the Unicode family found in ``folder``; None when a file is missing."""
    files = {style: folder / name for style, name in UNICODE_FAMILY.items()}
    if not all(f.is_file() for f in files.values()):
        return None
    names = Fonts("ICVSans", "ICVSans-Bold", "ICVSans-Italic")
    for style, path in files.items():
        name = getattr(names, style)
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        names.regular,
        normal=names.regular,
        bold=names.bold,
        italic=names.italic,
        boldItalic=names.bold,
    )
    return names


@functools.cache
def default_fonts() -> Fonts:
    folder = _shipped_font_dir()
    found = register_unicode_fonts(folder) if folder is not None else None
    return found or HELVETICA


@dataclass(frozen=True)
class Styles:
    fonts: Fonts
    body: ParagraphStyle
    small: ParagraphStyle
    cell_head: ParagraphStyle
    scheme: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    reference: ParagraphStyle
    heading: ParagraphStyle
    banner: ParagraphStyle


@functools.cache
def styles_for(fonts: Fonts) -> Styles:
    body = ParagraphStyle(
        "body", fontName=fonts.regular, fontSize=9.5, leading=12.5, textColor=INK
    )
    return Styles(
        fonts=fonts,
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=MUTED),
        cell_head=ParagraphStyle(
            "cell_head", parent=body, fontName=fonts.bold, fontSize=10, leading=13
        ),
        scheme=ParagraphStyle(
            "scheme", parent=body, fontSize=9, leading=12, textColor=MUTED, spaceAfter=2
        ),
        title=ParagraphStyle(
            "title", parent=body, fontName=fonts.bold, fontSize=18, leading=22, spaceAfter=2
        ),
        subtitle=ParagraphStyle(
            "subtitle", parent=body, fontSize=11, leading=14, textColor=MUTED, spaceAfter=3
        ),
        reference=ParagraphStyle(
            "reference", parent=body, fontSize=10.5, leading=14, spaceAfter=7
        ),
        heading=ParagraphStyle(
            "heading", parent=body, fontName=fonts.bold, fontSize=12.5, leading=16,
            spaceBefore=12, spaceAfter=5,
        ),
        banner=ParagraphStyle(
            "banner", parent=body, fontName=fonts.bold, fontSize=10.5, leading=14
        ),
    )


# C0 controls other than tab and newline confuse the Paragraph parser and print nothing.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def markup(text: str) -> str:
    """Free text as Paragraph markup: escaped literally, line breaks kept."""
    return inline_markup(text.strip())


def inline_markup(text: str) -> str:
    """Text as Paragraph markup without trimming it (a piece of a sentence, whose spaces
    at either end belong to the sentence): escaped literally, line breaks kept."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return escape(text).replace("\t", " ").replace("\n", "<br/>")
