"""What every coordinator page shares: the services it works through, and how the main
window shows it and tells it about changes.

A page is a QWidget built on first use (:class:`CoordinatorPage`). It gets a
:class:`CoordinatorContext`, never the store: it reads and writes through the services
there, on the writer thread, and it follows every committed change through
:meth:`CoordinatorPage.store_changed` (a sync bringing another coordinator's edit, an
edit of its own) to refresh what it shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from icv_app.domain.custody.reference import ReferenceData
    from icv_app.services.admin import AdminService
    from icv_app.services.custody.coordination import CoordinationService
    from icv_app.services.custody.reference import ReferenceService
    from icv_app.services.custody.visits import VisitService
    from icv_app.store.changes import StoreChange


@dataclass
class CoordinatorContext:
    """The services behind the coordinator's pages.

    ``reference()``: the scheme's lists as they are now; ``username``: who is signed in
    (recorded as the author of reviews, queries and follow-ups); ``today()``: the
    scheme's date today (tests fix it); ``open_report(visit_id)``: show a report in the
    visit form (read-only once submitted); ``admin``: managing the central store's
    accounts and devices as the signed-in account (None: not offered here)."""

    visits: VisitService
    coordination: CoordinationService
    references: ReferenceService
    reference: Callable[[], ReferenceData]
    username: str = ""
    today: Callable[[], dt.date] = field(default=lambda: dt.date.today())
    open_report: Callable[[str], None] = field(default=lambda _visit_id: None)
    # The central store's administration (users, devices, retention); None where this
    # laptop offers none.
    admin: AdminService | None = None


class CoordinatorPage(QWidget):
    """Base of the coordinator's pages.

    Signals:
        status_message(str): something to tell the user in the status bar.
    """

    status_message = Signal(str)
    title = ""  # shown in the window title and the Coordination menu ("&All reports")

    def __init__(self, context: CoordinatorContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context

    def shown(self) -> None:
        """The page became the current one: bring what it shows up to date."""

    def store_changed(self, change: StoreChange) -> None:
        """A committed change in the store (any kind); refresh if it concerns the page."""
