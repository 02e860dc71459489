"""One visit report as a PDF: what goes to the PCC's office and the custody inspector.

What the report says, and in what order (visit details, people in custody, each
detainee met by custody record number only, conditions of the suite, issues raised, and
the amendments made after submission, shown in place and listed), is the visit's outline
(:mod:`icv_app.reports.custody.visit_outline`), which the review screen shows too. This
module prints it: the entry points, and the column widths of the visit's grids. The
pages themselves (the short reference and full id, "page X of Y", the
OFFICIAL-SENSITIVE marking, the DRAFT watermark) come from
:mod:`icv_app.reports.document`, the drawing of each block from
:mod:`icv_app.reports.outline_pdf`.

Everything a visitor typed is escaped before it reaches Paragraph markup.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO, ClassVar

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.validation import Problem
from icv_app.domain.custody.visit import Amendment, ConditionState, VisitReport
from icv_app.reports import styles as st
from icv_app.reports.custody.visit_outline import build_visit_outline
from icv_app.reports.document import MARKING
from icv_app.reports.outline import Outline
from icv_app.reports.outline_pdf import GridWidths, OutlinePdf
from icv_app.reports.styles import Fonts

__all__ = ["ITEM_WIDTH", "render_outline_pdf", "render_visit_pdf", "state_width",
           "write_visit_pdf"]

ITEM_WIDTH = 60 * mm  # conditions table: item, state (as wide as its longest), note
ANSWER_WIDTH = 22 * mm  # rights and entitlements: told, wanted, received


@functools.cache
def state_width(fonts: Fonts) -> float:
    """The conditions table's state column: its longest state in bold on one line."""
    longest = max(stringWidth(s.label, fonts.bold, 9.5) for s in ConditionState)
    return longest + 10 + 4  # cell padding, and room for rounding


def _conditions(doc: OutlinePdf, width: float) -> list[float]:
    state = state_width(doc.s.fonts)
    return [ITEM_WIDTH, state, width - ITEM_WIDTH - state]


def _entitlements(_doc: OutlinePdf, width: float) -> list[float]:
    return [width - 3 * ANSWER_WIDTH, ANSWER_WIDTH, ANSWER_WIDTH, ANSWER_WIDTH]


class _VisitPdf(OutlinePdf):
    grid_widths: ClassVar[dict[str, GridWidths]] = {
        "conditions": _conditions,
        "entitlements": _entitlements,
    }


def render_visit_pdf(
    report: VisitReport,
    amendments: Sequence[Amendment],
    reference: ReferenceData,
    fonts: Fonts | None = None,
    problems: Iterable[Problem] = (),
) -> bytes:
    """The PDF of a report (with its amendments in place and listed) as bytes; with
    ``problems``, each is printed beside the value it is about."""
    return render_outline_pdf(build_visit_outline(report, amendments, reference, problems),
                              fonts)


def render_outline_pdf(outline: Outline, fonts: Fonts | None = None) -> bytes:
    """The PDF of a visit outline as bytes."""
    buffer = io.BytesIO()
    _write(outline, buffer, fonts)
    return buffer.getvalue()


def _write(outline: Outline, out: BinaryIO, fonts: Fonts | None) -> None:
    styles = st.styles_for(fonts or st.default_fonts())
    _VisitPdf(outline, styles).write(
        out, subject=f"Visit report {outline.reference} ({outline.record_id}) ({MARKING})"
    )


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
    _write(build_visit_outline(report, amendments, reference), out, fonts)
