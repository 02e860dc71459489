"""Suites, panels and visitors (Coordination, Ctrl+6): the coordinator keeps the scheme's
lists; a suite closed or a visitor made inactive is no longer offered for new visits,
and the app's sample lists become the scheme's records at the first save."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from icv_app.domain.custody.reference import records_from
from icv_app.domain.serialize import to_dict
from icv_app.services.custody.reference import ReferenceService
from icv_app.store.changes import SYNC
from icv_app.store.records import save_record
from icv_app.ui.coordinator.reference_page import ReferencePage
from tests.gui.conftest import focused, press, type_text
from tests.gui.test_keyboard_traps import collisions, shown_mnemonics

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def open_page(window) -> ReferencePage:  # type: ignore[no-untyped-def]
    press(Qt.Key.Key_6, CTRL)
    page = window.current_page
    assert isinstance(page, ReferencePage)
    return page


def closed(box: QMessageBox) -> bool:
    """The box is gone (deleted once closed) or hidden."""
    return not shiboken6.isValid(box) or not box.isVisible()


def question(qtbot, page: ReferencePage) -> QMessageBox:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: isinstance(page.dialog, QMessageBox) and page.dialog.isVisible())
    box = page.dialog
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is box)
    return box


def save_confirmed(qtbot, page: ReferencePage, *answers: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+S, then each question answered by its button's Alt+letter; wait for the save."""
    with qtbot.waitSignal(page.record_saved, timeout=5000):
        page.dialog = None
        press(Qt.Key.Key_S, CTRL)
        for key in answers:
            box = question(qtbot, page)
            press(key, ALT)
            qtbot.waitUntil(lambda box=box: closed(box))
            page.dialog = None
    # The window hears of the change too, and offers the lists as saved.
    qtbot.waitUntil(lambda: page.context.reference() == page.context.references.current())


def new_visit_suites(qtbot, window) -> list[str]:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(window.form_opened):
        press(Qt.Key.Key_N, CTRL)
    values: list[str] = window.form.header.suite.values()
    return values


def test_a_suite_added_renamed_and_closed_is_no_longer_offered_for_new_visits(
    qtbot, window, coordinator, store, reference
):
    page = open_page(window)
    assert page.suites.table.hasFocus()
    assert page.note.isVisible() and "the app's sample lists" in page.note.text()

    press(Qt.Key.Key_W, ALT)  # New suite
    qtbot.waitUntil(lambda: page.suites.is_new)
    assert focused() is page.suites.name
    type_text("Harbour View")
    assert page.suites.code.text() == "suite-harbour-view"
    press(Qt.Key.Key_A, ALT)
    type_text("Waterside")  # a new area (no other suite's area to complete)
    press(Qt.Key.Key_L, ALT)
    type_text("S")  # South panel
    # The first save asks (this laptop never synced), then writes the sample lists too.
    save_confirmed(qtbot, page, Qt.Key.Key_L)
    current = ReferenceService(store, reference).current()
    suite = current.suite("suite-harbour-view")
    assert suite is not None and suite.open and suite.panel == "South panel"
    assert {s.id for s in reference.suites} < {s.id for s in current.suites}
    assert not page.note.isVisible()

    # Renamed: its code, which reports hold, stays.
    page.suites.name.setFocus()
    page.suites.name.selectAll()
    type_text("Harbour View Road")
    save_confirmed(qtbot, page)
    suites, _panels, _visitors = ReferenceService(store, reference).records()
    assert [s.name for s in suites if s.code == "suite-harbour-view"] == ["Harbour View Road"]
    assert "suite-harbour-view" in new_visit_suites(qtbot, window)

    # Closed: asked first, Cancel the default.
    press(Qt.Key.Key_6, CTRL)
    assert window.current_page is page
    assert page.suites.record.code == "suite-harbour-view"
    press(Qt.Key.Key_O, ALT)  # Open: offered for new visits, unticked (a moment later)
    qtbot.waitUntil(lambda: not page.suites.open.isChecked())
    page.dialog = None
    press(Qt.Key.Key_S, CTRL)
    box = question(qtbot, page)
    assert "will no longer be offered for new visits" in box.text()
    press(Qt.Key.Key_Return)  # Cancel
    qtbot.waitUntil(lambda: closed(box))
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert ReferenceService(store, reference).current().suite("suite-harbour-view").open
    assert not page.suites.open.isChecked()  # what was typed is kept

    page.suites.name.setFocus()
    save_confirmed(qtbot, page, Qt.Key.Key_L)  # Close the suite
    current = ReferenceService(store, reference).current()
    assert "suite-harbour-view" not in {s.id for s in current.open_suites()}
    assert page.suites.model.cell(page.suites.record, 5) == "Closed"
    offered = new_visit_suites(qtbot, window)
    assert "suite-harbour-view" not in offered
    assert "suite-ashford-road" in offered


def test_a_visitor_made_inactive_is_not_offered_for_new_visits(
    qtbot, window, coordinator, store, reference
):
    page = open_page(window)
    press(Qt.Key.Key_I, ALT)  # Visitors
    assert page.tabs.currentWidget() is page.visitors
    page.visitors.table.setFocus()
    type_text("Cass")  # the table finds her by name
    assert page.visitors.record.code == "v-003"
    press(Qt.Key.Key_Return)
    assert focused() is page.visitors.name
    press(Qt.Key.Key_A, ALT)  # Active: offered for new visits, unticked (a moment later)
    qtbot.waitUntil(lambda: not page.visitors.active.isChecked())
    save_confirmed(qtbot, page, Qt.Key.Key_L)
    assert not ReferenceService(store, reference).current().visitor("v-003").active

    with qtbot.waitSignal(window.form_opened):
        press(Qt.Key.Key_N, CTRL)
    offered = [vid for _name, vid in window.form.header.visitors._choices()]
    assert "v-003" not in offered
    assert "v-001" in offered


def test_a_suite_without_a_name_is_not_saved_and_the_page_says_why(
    qtbot, window, coordinator, store, reference
):
    page = open_page(window)
    press(Qt.Key.Key_W, ALT)
    qtbot.waitUntil(lambda: page.suites.is_new)
    page.dialog = None
    press(Qt.Key.Key_S, CTRL)
    assert page.suites.problem_label.isVisible()
    assert page.suites.problem_label.text() == "A custody suite needs a name."
    assert focused() is page.suites.name
    assert page.dialog is None  # nothing asked: nothing to save

    type_text("Ashford Road")
    press(Qt.Key.Key_S, CTRL)
    assert page.suites.problem_label.text() == "Another suite is already called “Ashford Road”."
    assert ReferenceService(store, reference).records() == ([], [], [])


def test_a_panel_added_is_offered_and_a_panel_renamed_follows_its_suites_and_visitors(
    qtbot, window, coordinator, store, reference
):
    page = open_page(window)
    press(Qt.Key.Key_P, ALT)
    assert page.tabs.currentWidget() is page.panels
    press(Qt.Key.Key_W, ALT)
    qtbot.waitUntil(lambda: page.panels.is_new)
    type_text("Coastal panel")
    save_confirmed(qtbot, page, Qt.Key.Key_L)
    assert "Coastal panel" in page.suites.panel.values()
    assert "Coastal panel" in page.visitors.panel.values()

    page.panels.table.setFocus()
    type_text("North")
    assert page.panels.record.name == "North panel"
    assert "2 suites and 3 visitors belong to this panel" in page.panels.used.text()
    press(Qt.Key.Key_Return)
    page.panels.name.selectAll()
    type_text("Northern panel")
    save_confirmed(qtbot, page)
    current = ReferenceService(store, reference).current()
    assert "North panel" not in current.panels
    assert current.suite("suite-ashford-road").panel == "Northern panel"
    assert current.visitor("v-001").panel == "Northern panel"


def test_moving_on_from_changes_not_saved_asks_first(qtbot, window, coordinator):
    page = open_page(window)
    tab = page.suites
    tab.name.setFocus()
    tab.name.selectAll()
    type_text("Ashford Road Police Station")
    tab.table.setFocus()
    page.dialog = None
    press(Qt.Key.Key_Down)
    box = question(qtbot, page)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: closed(box))
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert tab.record.code == "suite-ashford-road"
    assert tab.name.text() == "Ashford Road Police Station"
    assert tab.table.currentIndex().row() == 0


def test_lists_that_arrive_by_sync_replace_the_sample_lists(
    qtbot, window, coordinator, store, reference
):
    page = open_page(window)
    assert page.note.isVisible()
    suites, panels, visitors = records_from(reference)
    suites[0].name = "Ashford Road (refurbished)"

    def pull(db):  # type: ignore[no-untyped-def]
        # What a pulled page of the coordinator's records writes: one transaction.
        for kind, records in (("suite", suites), ("panel", panels), ("visitor", visitors)):
            for record in records:
                save_record(db, kind, to_dict(record))

    with qtbot.waitSignal(page.lists_loaded, timeout=5000):
        store.writer.submit(pull, origin=SYNC).result()
    assert not page.note.isVisible()
    assert page.suites.model.rows[0].name == "Ashford Road (refurbished)"


@pytest.mark.parametrize("tab", [0, 1, 2], ids=["suites", "panels", "visitors"])
def test_the_mnemonics_of_each_tab_differ(qtbot, window, coordinator, tab):
    page = open_page(window)
    page.tabs.setCurrentIndex(tab)
    assert collisions(shown_mnemonics(window)) == {}


def test_every_input_of_the_page_has_a_name(qtbot, window, coordinator):
    from tests.gui.test_accessible_names import unnamed

    assert unnamed(open_page(window)) == []
