"""What every survey page shares: who is signed in, the store its services work on, and
how the main window shows it and tells it about changes.

A page is a QWidget built on first use (:class:`SurveyPage`). It gets a
:class:`SurveyContext` and builds the services it needs from ``context.store`` (the
survey services take the store and the signed-in user); it reads and writes through them,
never with SQL of its own, and follows every committed change through
:meth:`SurveyPage.store_changed` (a sync bringing a new case, an answer saved) to refresh
what it shows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

if TYPE_CHECKING:
    from icv_app.store.changes import StoreChange
    from icv_app.store.local_store import LocalStore


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def nothing_imported(exc: BaseException) -> str:
    """What a page says when an import of a file stopped with ``exc``: nothing was kept."""
    if isinstance(exc, OSError):
        return f"Nothing was imported. The file could not be read: {exc.strerror or exc}."
    return f"Nothing was imported. {exc}"


@dataclass
class SurveyContext:
    """The signed-in survey account and the store.

    ``user_id``: the account's id on the central store (a case's ``interviewer_id``, an
    interview's ``interviewer_id``); ``username`` for people to read; ``role``:
    ``interviewer``, ``survey_manager`` or ``admin``; ``now()``: the clock (tests fix
    it); ``show_page(key)``: ask the window to show another survey page (the call queue
    opening the runner, say); ``sync_now()``: ask for a sync (after an interview ends)."""

    store: LocalStore
    user_id: str
    username: str = ""
    role: str = "interviewer"
    now: Callable[[], dt.datetime] = field(default=_utc_now)
    show_page: Callable[[str], object] = field(default=lambda _key: None)
    sync_now: Callable[[], None] = field(default=lambda: None)

    @property
    def is_manager(self) -> bool:
        return self.role in ("survey_manager", "admin")


class SurveyPage(QWidget):
    """Base of the survey pages.

    Signals:
        status_message(str): something to tell the user in the status bar.
    """

    status_message = Signal(str)
    title = ""  # shown in the window title and the Survey menu ("&Calls")

    def __init__(self, context: SurveyContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context

    def shown(self) -> None:
        """The page became the current one: bring what it shows up to date."""

    def store_changed(self, change: StoreChange) -> None:
        """A committed change in the store (any kind); refresh if it concerns the page."""

    def may_leave(self) -> bool:
        """False to keep the user here (an interview that must be ended first)."""
        return True
