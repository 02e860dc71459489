"""Typography, colours and table styles shared by the PDF reports.

The built-in Helvetica only covers Western European text (WinAnsi): a Polish name or an
interpreter's language typed in its own script would print as black boxes. When the app
ships a Unicode TrueType family in ``icv_app.resources/fonts`` (DejaVu Sans), it is used
instead; otherwise Helvetica. A character neither can print as itself (an emoji, Chinese,
right-to-left writing) is printed as its code point, never left out
(:func:`printable_markup`).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
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
LEADING = 12  # body text (9.5 pt) and table cells
CELL_PADDING = 3  # above and below the text of a table cell

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
        "body", fontName=fonts.regular, fontSize=9.5, leading=LEADING, textColor=INK
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
            spaceBefore=9, spaceAfter=4,
        ),
        banner=ParagraphStyle(
            "banner", parent=body, fontName=fonts.bold, fontSize=10, leading=13.5
        ),
    )


# What a report prints must show every character typed: a character the font has no glyph
# for would print as nothing (or an empty box), which reads as a value silently cut short.
# Such characters print as their code points instead, muted ("[U+1F600]"), and the report
# says why (:data:`UNPRINTABLE_NOTE`). The same goes for characters the font has but
# reportlab cannot print faithfully: right-to-left letters (Arabic, Hebrew), which it
# would lay out left to right and unjoined, reversed for a reader; characters beyond
# U+FFFF, whose text reportlab maps wrongly, so searching or copying the PDF loses them;
# and control characters, which print nothing.
_RTL = frozenset({"R", "AL"})
_KEEP_CONTROLS = frozenset({"\t", "\n", "\r"})
UNPRINTABLE_NOTE = (
    "Characters the printed report cannot show as themselves (emoji, some scripts, "
    "right-to-left writing, control characters) are printed as their Unicode code points, "
    "such as [U+1F600]."
)


@functools.cache
def _glyphs(font_name: str) -> frozenset[int] | None:
    """Code points a registered TrueType font draws; None for a standard PDF font."""
    font = pdfmetrics.getFont(font_name)
    if isinstance(font, TTFont):
        return frozenset(font.face.charToGlyph)
    return None


@functools.lru_cache(maxsize=1 << 16)
def _printable_char(char: str, fonts: Fonts) -> bool:
    if char in _KEEP_CONTROLS:
        return True
    code = ord(char)
    if code > 0xFFFF or unicodedata.category(char) == "Cc":
        return False
    if unicodedata.bidirectional(char) in _RTL:
        return False
    # Typed text is drawn in the regular face, and in bold where it stands out.
    for name in (fonts.regular, fonts.bold):
        glyphs = _glyphs(name)
        if glyphs is None:
            # The standard fonts draw what their encoding (WinAnsi, cp1252) holds.
            try:
                char.encode("cp1252")
            except UnicodeEncodeError:
                return False
        elif code not in glyphs:
            return False
    return True


# Text with nothing but these needs no checking, character by character.
_PLAIN = re.compile(r"[\t\n\r\x20-\x7e]*")


def code_points(text: str) -> str:
    """``[U+4E2D U+6587]``: a run of characters as their code points."""
    return "[" + " ".join(f"U+{ord(c):04X}" for c in text) + "]"


def printable_markup(text: str, fonts: Fonts) -> tuple[str, bool]:
    """Text as Paragraph markup (like :func:`inline_markup`) with every run of characters
    the fonts cannot print shown as its code points, muted; and whether there was any."""
    known = _known_printable(fonts)
    if _PLAIN.fullmatch(text) or known.issuperset(text):
        return inline_markup(text), False
    out: list[str] = []
    found = False
    for printable, chars in itertools.groupby(text, lambda c: _printable_char(c, fonts)):
        run = "".join(chars)
        if printable:
            known.update(run)
            out.append(inline_markup(run))
        else:
            found = True
            out.append(f'<font color="{MUTED.hexval()}">{code_points(run)}</font>')
    return "".join(out), found


@functools.cache
def _known_printable(_fonts: Fonts) -> set[str]:
    """Characters already found printable with these fonts: most text is made of a few
    dozen, and one set lookup per character is the cheap way to tell."""
    return set()


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
