"""The amendments to a submitted report, newest last: why, what, when and by whom."""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtWidgets import QLabel, QTextBrowser, QVBoxLayout, QWidget

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.times import DEFAULT_TIME_ZONE, to_local
from icv_app.domain.custody.visit import Amendment
from icv_app.kinds.custody import VISIT


def local_time(when: dt.datetime, zone_name: str = DEFAULT_TIME_ZONE) -> str:
    """A stamped moment in the scheme's zone, with the zone: ``14 Jul 2026 21:05 BST``."""
    local = to_local(when, zone_name)
    return f"{local:%d %b %Y %H:%M} {local.tzname()}"


class AmendmentsPanel(QWidget):
    """Read-only list of amendments (a report is never edited after submission)."""

    title = "&Amendments"

    def __init__(self, reference: ReferenceData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reference = reference
        self.amendments: list[Amendment] = []
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.view = QTextBrowser()
        self.view.setAccessibleName("Amendments to this report")
        self.view.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.view, 1)
        self.set_amendments([], submitted=False)

    def set_amendments(self, amendments: list[Amendment], submitted: bool) -> None:
        self.amendments = list(amendments)
        if not submitted:
            self.intro.setText(
                "A draft is corrected by editing it. Once submitted, a report is not "
                "changed: a correction is added here as an amendment that says why."
            )
        elif not amendments:
            self.intro.setText("No amendments. Use Add amendment to correct this report.")
        else:
            count = len(amendments)
            self.intro.setText(f"{count} amendment{'s' if count != 1 else ''}, oldest first.")
        blocks = []
        for n, a in enumerate(self.amendments, start=1):
            author = self.reference.visitor_name(a.author_id) if a.author_id else "not recorded"
            text = html.escape(a.text).replace("\n", "<br>")
            corrects = (
                f"<p><b>Corrects:</b> {html.escape(VISIT.describe(a.field_path))}, now "
                f"“{html.escape(a.new_value)}” (shown in place in the report)</p>"
                if a.field_path else ""
            )
            when = local_time(a.created_at, self.reference.time_zone)
            blocks.append(
                f"<h3>Amendment {n}</h3>"
                f"<p><b>When:</b> {html.escape(when)} &nbsp; "
                f"<b>By:</b> {html.escape(author)}</p>"
                f"{corrects}"
                f"<p><b>Reason:</b> {html.escape(a.reason)}</p>"
                f"<p><b>Correction:</b><br>{text}</p>"
            )
        self.view.setHtml("<hr>".join(blocks))

    def plain_text(self) -> str:
        return self.view.toPlainText()
