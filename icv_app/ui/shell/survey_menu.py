"""The Survey menu of the main window: the survey pages, offered once sync says the
signed-in account is an interviewer's, a survey manager's or an admin's.

A survey account has no custody visits: its laptop opens on its home page (the call
queue for an interviewer, fieldwork for a survey manager) and the custody menus are not
offered. An admin has both the Coordination and the Survey menus.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from icv_app.ui.survey.pages import HOME, SURVEY_PAGES, SurveyPageEntry

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenuBar

    from icv_app.services.sync import SyncStatus
    from icv_app.ui.shell.main_window import MainWindow
    from icv_app.ui.survey.page import SurveyContext

SURVEY_ROLES = frozenset({"interviewer", "survey_manager", "admin"})
CUSTODY_ROLES = frozenset({"volunteer", "coordinator", "admin"})


class SurveyMenu:
    """The Survey menu, added to the menu bar only once a survey account is signed in (so
    its mnemonic never takes Alt+S from a custody laptop's pages). Its page actions exist
    from the start, disabled, for the window to look up."""

    def __init__(self, window: MainWindow, menubar: QMenuBar, before: QAction) -> None:
        self.window = window
        self.menubar = menubar
        self.before = before  # the menu it goes in front of (Sync)
        self.menu: QMenu | None = None
        self.context: SurveyContext | None = None
        self._make: Callable[[SyncStatus], SurveyContext] | None = None
        self.actions: dict[str, QAction] = {}
        for entry in (e for e in SURVEY_PAGES if e.in_menu):
            action = QAction(entry.title, window)
            action.setShortcuts([QKeySequence(f"Ctrl+Shift+{entry.shortcut}")])
            action.triggered.connect(lambda _c=False, key=entry.key: window.show_page(key))
            window.addAction(action)
            self.actions[entry.key] = action

    def entry(self, key: str) -> SurveyPageEntry | None:
        return next((e for e in SURVEY_PAGES if e.key == key), None)

    def offer(self, make: Callable[[SyncStatus], SurveyContext]) -> None:
        """Once sync says the account is a survey account, build its context with
        ``make(status)`` and offer the Survey menu."""
        self._make = make

    def status_changed(self, status: SyncStatus | None) -> None:
        if (status is not None and status.role in SURVEY_ROLES and self.context is None
                and self._make is not None):
            self.attach(self._make(status))

    def attach(self, context: SurveyContext) -> None:
        self.context = context
        survey_only = context.role not in CUSTODY_ROLES
        # An admin's laptop has the custody pages too, whose Alt+S it must not take.
        self.menu = QMenu("&Survey" if survey_only else "Survey", self.window)
        self.menubar.insertMenu(self.before, self.menu)
        for action in self.actions.values():
            self.menu.addAction(action)
        if survey_only:
            # The custody menus have nothing for this account; its pages take Ctrl+N too.
            self.window.hide_custody()
            for entry in (e for e in SURVEY_PAGES if e.in_menu):
                action = self.actions[entry.key]
                action.setShortcuts([QKeySequence(f"Ctrl+Shift+{entry.shortcut}"),
                                     QKeySequence(f"Ctrl+{entry.shortcut}")])
        self.update()
        home = HOME.get(context.role)
        if survey_only and home is not None and self.window.on_visits_list:
            self.window.show_page(home)

    def home_key(self) -> str | None:
        """The page Back returns to on a survey account's laptop (None: the visits list)."""
        if self.context is None or self.context.role in CUSTODY_ROLES:
            return None
        return HOME.get(self.context.role)

    def update(self) -> None:
        for entry in (e for e in SURVEY_PAGES if e.in_menu):
            action = self.actions[entry.key]
            allowed = self.context is not None and self.context.role in entry.roles
            action.setVisible(self.context is None or allowed)
            action.setEnabled(allowed and entry.available)
