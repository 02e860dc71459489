"""The Coordination menu: shown only on a coordinator's or an admin's laptop, each page
opened by its shortcut, and Back returns from a report to the page it was opened from."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from icv_app.services.sync import SyncStatus
from icv_app.ui.coordinator.page import CoordinatorPage
from icv_app.ui.coordinator.pages import PAGES
from tests.gui.conftest import make_visit, press

pytestmark = pytest.mark.gui


def test_a_volunteers_laptop_has_no_coordination_menu(window):
    assert not window.scheme_menu.menuAction().isVisible()
    made: list[str] = []
    window.offer_coordinator(lambda username: made.append(username))  # type: ignore[arg-type,func-returns-value]
    window.sync_status_changed(SyncStatus(signed_in=True, username="vol.one", role="volunteer"))
    assert made == [] and not window.scheme_menu.menuAction().isVisible()


def test_a_coordinators_laptop_offers_the_menu_once_sync_says_so(window, coordinator):
    window._coordinator = None
    window.scheme_menu.menuAction().setVisible(False)
    made = []

    def make(username):  # type: ignore[no-untyped-def]
        made.append(username)
        return coordinator

    window.offer_coordinator(make)
    status = SyncStatus(signed_in=True, username="coord.one", role="coordinator")
    window.sync_status_changed(status)
    window.sync_status_changed(status)
    assert made == ["coord.one"]
    assert window.scheme_menu.menuAction().isVisible()


def test_each_available_page_opens_with_its_shortcut_and_back_returns_to_the_list(
    qtbot, window, coordinator
):
    for entry in PAGES:
        if not entry.available:
            assert not window.page_actions[entry.key].isEnabled()
            continue
        key = entry.shortcut.split("+")[1]
        press(getattr(Qt.Key, f"Key_{key}"), Qt.KeyboardModifier.ControlModifier)
        page = window.current_page
        assert isinstance(page, CoordinatorPage) and page is window._pages[entry.key]
        assert window.windowTitle() == entry.title.replace("&", "")
        press(Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
        assert window.pages.currentWidget() is window.visits


def test_a_report_opened_from_a_page_goes_back_to_that_page(qtbot, window, seed, coordinator):
    entry = next(e for e in PAGES if e.available)
    report = make_visit()
    seed([report])
    page = window.show_page(entry.key)
    with qtbot.waitSignal(window.form_opened):
        coordinator.open_report(report.id)
    assert window.pages.currentWidget() is window.form
    press(Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page is page
