"""The Survey menu and quick-hide: a survey account's laptop opens on its own pages with
no custody menus; F12 blanks the window to a neutral screen at once and brings it back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QVBoxLayout

from icv_app.services.sync import SyncStatus
from icv_app.ui.survey.page import SurveyContext, SurveyPage
from icv_app.ui.survey.pages import SURVEY_PAGES
from tests.gui.conftest import focused, press

pytestmark = pytest.mark.gui
SECRET = "Respondent: safe to talk until 14:30"


def context(store, role: str) -> SurveyContext:  # type: ignore[no-untyped-def]
    return SurveyContext(store=store, user_id="u-1", username="int.one", role=role)


def test_a_custody_laptop_has_no_survey_menu(window, store):
    made: list[SyncStatus] = []
    window.offer_survey(lambda status: made.append(status))  # type: ignore[arg-type,func-returns-value]
    window.sync_status_changed(SyncStatus(signed_in=True, username="vol.one", role="volunteer"))
    assert made == [] and window.survey.menu is None
    titles = [a.text() for a in window.menuBar().actions() if a.isVisible()]
    assert "&Survey" not in titles and "Survey" not in titles


def test_an_interviewers_laptop_offers_the_survey_pages_and_no_custody_menus(window, store):
    made: list[str] = []

    def make(status: SyncStatus) -> SurveyContext:
        made.append(status.username or "")
        return context(store, "interviewer")

    window.offer_survey(make)
    status = SyncStatus(signed_in=True, username="int.one", role="interviewer")
    window.sync_status_changed(status)
    window.sync_status_changed(status)
    assert made == ["int.one"]
    visible = [a.text() for a in window.menuBar().actions() if a.isVisible()]
    assert "&Survey" in visible and "&Visit" not in visible
    assert not window.new_action.isVisible()
    manager_only = [e for e in SURVEY_PAGES if "interviewer" not in e.roles]
    assert manager_only and all(not window.survey.actions[e.key].isVisible()
                                for e in manager_only)
    for entry in manager_only:
        assert window.show_page(entry.key) is None  # refused, not merely hidden


def test_an_admin_keeps_the_custody_menus_and_alt_s_for_the_pages(window, store):
    window.offer_survey(lambda _status: context(store, "admin"))
    window.sync_status_changed(SyncStatus(signed_in=True, username="adm", role="admin"))
    visible = [a.text() for a in window.menuBar().actions() if a.isVisible()]
    assert "Survey" in visible and "&Visit" in visible


class _Page(SurveyPage):
    title = "&Calls"

    def __init__(self, ctx: SurveyContext) -> None:
        super().__init__(ctx)
        QVBoxLayout(self).addWidget(QLabel(SECRET))


def activate(qtbot, window) -> None:  # type: ignore[no-untyped-def]
    """F12 reaches the app's windows only while one of them is active."""
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_f12_blanks_the_window_and_its_dialogs_and_f12_brings_them_back(qtbot, window, store):
    activate(qtbot, window)
    window._pages["calls"] = page = _Page(context(store, "interviewer"))
    window.pages.addWidget(page)
    window.pages.setCurrentWidget(page)
    window.setWindowTitle("Calls")
    dialog = QDialog(window)
    dialog.setWindowTitle("Call back at…")
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    app_name = QGuiApplication.applicationDisplayName()

    press(Qt.Key.Key_F12)
    assert window.quick_hide.hidden
    assert window.pages.currentWidget() is window.quick_hide.screen
    assert window.windowTitle() == "Notes" and QGuiApplication.applicationDisplayName() == ""
    assert not window.menuBar().isVisible() and not window.statusBar().isVisible()
    assert not dialog.isVisible()
    # Nothing of the app is painted: only the neutral page is on screen.
    shown = [w.text() for w in window.findChildren(QLabel) if w.isVisible()]
    assert SECRET not in shown and not any("Custody" in t for t in shown)
    assert window.show_page("calls") is None  # nothing brings a page back but F12
    # The hidden dialog had the keyboard: the window takes it, so F12 still reaches it.
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)

    press(Qt.Key.Key_F12)
    assert not window.quick_hide.hidden
    assert window.pages.currentWidget() is page and window.windowTitle() == "Calls"
    assert QGuiApplication.applicationDisplayName() == app_name
    assert window.menuBar().isVisible() and dialog.isVisible()


def test_what_was_typed_on_the_neutral_screen_is_not_kept(qtbot, window):
    activate(qtbot, window)
    press(Qt.Key.Key_F12)
    assert focused() is window.quick_hide.screen.notes
    window.quick_hide.screen.notes.setPlainText("shopping list")
    press(Qt.Key.Key_F12)
    press(Qt.Key.Key_F12)
    assert window.quick_hide.screen.notes.toPlainText() == ""


def test_f12_hides_the_window_it_is_pressed_in_even_with_another_open(qtbot, window):
    from icv_app.ui.shell.main_window import MainWindow

    other = MainWindow(None, window.reference)
    qtbot.addWidget(other)
    other.show()
    qtbot.waitExposed(other)
    activate(qtbot, window)
    press(Qt.Key.Key_F12)
    assert window.quick_hide.hidden and not other.quick_hide.hidden
    press(Qt.Key.Key_F12)
    assert not window.quick_hide.hidden
