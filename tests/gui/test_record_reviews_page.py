"""The coordinator's custody record reviews, by keyboard: listed by suite and period; a
review made with Ctrl+N and saved with Ctrl+S; a name typed where the custody number goes
never saved; the checks' errors keeping a review from being saved while warnings do not;
an escalated concern becoming one follow-up item; unsaved changes never left unasked."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from PySide6.QtCore import Qt

from icv_app.domain.custody.coordination import record_follow_up_id
from icv_app.domain.custody.record_review import Answer, RecordCheck, RecordGroup, RecordReview
from icv_app.domain.serialize import to_dict
from icv_app.services.custody.follow_ups import record_follow_ups
from icv_app.store.records import load_record, save_record
from icv_app.ui.coordinator.record_reviews_page import RecordReviewsPage
from tests.gui.conftest import focused, press, tab_to, type_text
from tests.gui.test_follow_ups_page import back_on, choose, mnemonics, modal_box

pytestmark = pytest.mark.gui

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def store_review(store, review: RecordReview) -> None:  # type: ignore[no-untyped-def]
    body = to_dict(review)
    store.writer.submit(lambda db: save_record(db, "record_review", body)).result()


def stored_bodies(store) -> list[str]:  # type: ignore[no-untyped-def]
    return [row[0] for row in store.reader.execute("SELECT body FROM record_reviews")]


@pytest.fixture
def reviews(store):  # type: ignore[no-untyped-def]
    """This quarter's review at Ashford Road, last quarter's at Beckley Park."""
    made = {
        "ashford": RecordReview(
            custody_number="01NS/0421/26", suite_id="suite-ashford-road",
            date_in=dt.date(2026, 3, 2), date_out=dt.date(2026, 3, 3),
            groups=[RecordGroup.CHILD], checks={RecordCheck.RIGHTS_TIMELY: Answer.YES,
                                                 RecordCheck.APPROPRIATE_ADULT_ARRIVAL: Answer.YES},
            reviewer_id="coord.one", reviewed_on=dt.date(2026, 3, 5)),
        "beckley": RecordReview(
            custody_number="01NS/0388/25", suite_id="suite-beckley-park",
            date_in=dt.date(2025, 11, 10), checks={RecordCheck.FOOD: Answer.YES},
            reviewer_id="coord.one", reviewed_on=dt.date(2025, 11, 12)),
    }
    for review in made.values():
        store_review(store, review)
    return made


def open_page(window) -> RecordReviewsPage:  # type: ignore[no-untyped-def]
    press(Qt.Key.Key_4, CTRL)
    page = window.current_page
    assert isinstance(page, RecordReviewsPage)
    return page


def numbers(page: RecordReviewsPage) -> list[str]:
    return [r.custody_number for r in page.model.rows]


def new_review(qtbot, page: RecordReviewsPage) -> None:  # type: ignore[no-untyped-def]
    press(Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: page.opened is not None and page.opened.raw is None
                    and focused() is page.editor.custody)


def fill_in(page: RecordReviewsPage, number: str = "01NS/0502/26") -> None:
    """From the custody number, a review as a coordinator types it: Tab from field to
    field, Space to tick, the first letters to choose."""
    editor = page.editor
    assert focused() is editor.custody
    type_text(number)
    press(Qt.Key.Key_Tab)
    choose(editor.suite, "Canal Street")
    press(Qt.Key.Key_Tab)
    assert focused() is editor.date_in
    type_text("14Mar2026")
    press(Qt.Key.Key_Tab)
    type_text("15Mar2026")
    press(Qt.Key.Key_Tab)
    assert focused() is editor.reviewed_on  # today, already
    press(Qt.Key.Key_Tab)
    assert focused() is editor.groups[RecordGroup.CHILD]
    press(Qt.Key.Key_Tab)
    press(Qt.Key.Key_Space)  # Mental-health needs
    tab_to(editor.checks[RecordCheck.RIGHTS_TIMELY])
    choose(editor.checks[RecordCheck.RIGHTS_TIMELY], "Yes")
    tab_to(editor.checks[RecordCheck.HEALTHCARE])
    choose(editor.checks[RecordCheck.HEALTHCARE], "No")
    tab_to(editor.findings)
    type_text("No record of the nurse being called.")


def test_a_review_is_made_by_keyboard_and_listed(qtbot, window, coordinator, reviews, store):
    page = open_page(window)
    assert focused() is page.table
    assert numbers(page) == ["01NS/0421/26", "01NS/0388/25"]  # the latest reviewed first
    assert page.count_label.text() == "2 record reviews"

    new_review(qtbot, page)
    assert page.editor.heading.text() == "New record review (not saved yet)"
    fill_in(page)
    with qtbot.waitSignal(page.saved) as saved:
        press(Qt.Key.Key_S, CTRL)
    body = load_record(store.reader, "record_review", saved.args[0])
    assert body is not None
    assert (body["custody_number"], body["suite_id"], body["date_in"], body["date_out"]) == (
        "01NS/0502/26", "suite-canal-street", "2026-03-14", "2026-03-15")
    assert body["groups"] == ["mental_health"]
    assert body["checks"] == {"rights_timely": "yes", "healthcare": "no"}
    assert body["findings"] == "No record of the nurse being called."
    assert (body["reviewer_id"], body["reviewed_on"]) == ("coord.one", "2026-03-20")
    assert numbers(page) == ["01NS/0502/26", "01NS/0421/26", "01NS/0388/25"]
    assert page.count_label.text() == "3 record reviews"
    assert page.editor.heading.text() == "Record review of 01NS/0502/26"
    assert "Changes not saved" not in page.editor.state.text()


def test_ctrl_n_on_the_page_makes_a_review_not_a_visit(qtbot, window, coordinator, reviews):
    page = open_page(window)
    press(Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: page.opened is not None and page.opened.raw is None)
    assert window.current_page is page  # no visit form
    assert window.visits.model.rowCount() == 0
    # Away from the page, Ctrl+N is New visit again.
    press(Qt.Key.Key_W, CTRL)
    with qtbot.waitSignal(window.form_opened):
        press(Qt.Key.Key_N, CTRL)


def test_a_name_typed_as_the_custody_number_is_never_saved(qtbot, window, coordinator,
                                                           reviews, store):
    page = open_page(window)
    new_review(qtbot, page)
    type_text("John Smith")
    cell = page.editor.cells["custody_number"]
    # Said while typing, before the field is left.
    assert "looks like a name" in cell.message_text()
    press(Qt.Key.Key_Tab)
    choose(page.editor.suite, "Canal Street")
    press(Qt.Key.Key_Tab)
    type_text("14Mar2026")
    messages: list[str] = []
    page.status_message.connect(messages.append)
    press(Qt.Key.Key_S, CTRL)
    assert messages[-1].startswith("Not saved: 1 problem to fix, said beside the field. "
                                   "First, Custody record number: This looks like a name.")
    assert focused() is page.editor.custody
    store.writer.flush()  # had a save been asked for, it would have landed by now
    assert not any("Smith" in body for body in stored_bodies(store))
    assert len(stored_bodies(store)) == 2

    # An existing review: the name typed over its number is not saved either.
    press(Qt.Key.Key_W, ALT)  # to the list (the question about the new one comes first)
    assert focused() is page.table
    press(Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: modal_box() is not None)
    press(Qt.Key.Key_D)  # discard the new one
    back_on(qtbot, page)
    assert page.opened is not None and page.opened.raw is not None
    press(Qt.Key.Key_M, ALT)
    assert focused() is page.editor.custody
    press(Qt.Key.Key_A, CTRL)
    type_text("J Smith 12 High Street")
    press(Qt.Key.Key_S, CTRL)
    store.writer.flush()
    assert "never a name" in page.editor.cells["custody_number"].message_text()
    assert load_record(store.reader, "record_review", reviews["ashford"].id)[
        "custody_number"] == "01NS/0421/26"
    assert not any("Smith" in body for body in stored_bodies(store))


def test_errors_keep_a_review_from_being_saved_and_warnings_do_not(qtbot, window,
                                                                  coordinator, store):
    page = open_page(window)
    assert page.empty_label.text() == "No custody record reviews yet. Press Ctrl+N to record one."
    new_review(qtbot, page)
    # Nothing shouts at a review not yet typed into.
    assert all(not c.message_text() for c in page.editor.cells.values())
    type_text("01NS/0611/26")
    press(Qt.Key.Key_Tab)
    choose(page.editor.suite, "Dunmore")
    press(Qt.Key.Key_Tab)
    type_text("16Mar2026")
    press(Qt.Key.Key_Tab)
    type_text("12Mar2026")  # out before in
    date_out = page.editor.cells["date_out"]
    assert date_out.message_text() == "The date out is before the date in."
    press(Qt.Key.Key_S, CTRL)
    assert focused() is page.editor.date_out
    store.writer.flush()
    assert stored_bodies(store) == []
    assert "1 problem to fix before saving." in page.editor.state.text()

    type_text("17Mar2026")  # the day is selected: typed over
    assert date_out.message_text() == ""
    # Nothing checked yet: a warning, which does not stop the save.
    checks = page.editor.cells["checks"]
    assert checks.message_text() == "Record what was checked in the custody record."
    with qtbot.waitSignal(page.saved):
        press(Qt.Key.Key_S, CTRL)
    assert len(stored_bodies(store)) == 1
    assert page.editor.state.text() == "1 thing to check."

    # A check answered "no" asks for the findings (an error).
    press(Qt.Key.Key_H, ALT)
    choose(page.editor.checks[RecordCheck.RIGHTS_TIMELY], "No")
    assert page.editor.cells["findings"].message_text() == (
        "Rights and entitlements given in good time is answered no: say what was found.")
    press(Qt.Key.Key_S, CTRL)
    store.writer.flush()
    assert json.loads(stored_bodies(store)[0])["checks"] == {}


def test_an_escalated_concern_becomes_one_follow_up(qtbot, window, coordinator, reviews,
                                                    store):
    page = open_page(window)
    assert page.opened.review.id == reviews["ashford"].id
    press(Qt.Key.Key_A, ALT)  # Escalate the concern
    qtbot.waitUntil(lambda: page.editor.escalate.isChecked())
    press(Qt.Key.Key_S, CTRL)
    assert page.editor.cells["concerns"].message_text() == (
        "Describe the concern being escalated.")
    assert page.editor.cells["escalated_to"].message_text() == (
        "Say who the concern was escalated to.")
    store.writer.flush()
    assert record_follow_ups(store.reader) == []

    press(Qt.Key.Key_C, ALT)
    type_text("Rights given four hours after arrival.")
    press(Qt.Key.Key_O, ALT)
    type_text("Insp 5521")
    messages: list[str] = []
    page.status_message.connect(messages.append)
    with qtbot.waitSignal(page.saved):
        press(Qt.Key.Key_S, CTRL)
    assert messages[-1].endswith("Its escalated concern is now a follow-up item "
                                 "(Follow-ups, Ctrl+2).")
    [item] = record_follow_ups(store.reader)
    assert item.id == record_follow_up_id(reviews["ashford"].id)
    assert (item.summary, item.escalated_to, item.suite_id, item.raised_on) == (
        "Rights given four hours after arrival.", "Insp 5521", "suite-ashford-road",
        dt.date(2026, 3, 5))
    qtbot.waitUntil(lambda: page.editor.follow_up_note.isVisible())
    assert "follow-up item (escalated)" in page.editor.follow_up_note.text()

    # Saved again, it is still one item, its progress untouched.
    press(Qt.Key.Key_C, ALT)
    type_text(" Custody sergeant told.")
    with qtbot.waitSignal(page.saved):
        press(Qt.Key.Key_S, CTRL)
    assert len(record_follow_ups(store.reader)) == 1

    # The Follow-ups page lists it, from a record review.
    press(Qt.Key.Key_2, CTRL)
    follow_ups = window.current_page
    assert item.id in [i.id for i in follow_ups.model.rows]
    assert follow_ups.select(item.id)
    assert follow_ups.editor.details.text().endswith("from a record review")


def test_moving_on_with_unsaved_changes_asks_first(qtbot, window, coordinator, reviews, store):
    page = open_page(window)
    press(Qt.Key.Key_S, ALT)  # Findings
    type_text("Detention reviews on time.")
    press(Qt.Key.Key_W, ALT)
    assert focused() is page.table

    press(Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: modal_box() is not None)
    assert "The record review of 01NS/0421/26 has changes" in modal_box().text()
    press(Qt.Key.Key_Escape)  # Cancel: stay, the text kept
    back_on(qtbot, page)
    assert page.opened.review.id == reviews["ashford"].id
    assert page.editor.findings.toPlainText() == "Detention reviews on time."
    assert numbers(page)[page.table.currentIndex().row()] == "01NS/0421/26"

    # Ctrl+N asks too; Save keeps the text and then starts the new review.
    press(Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: modal_box() is not None)
    with qtbot.waitSignal(page.saved):
        press(Qt.Key.Key_S)
    back_on(qtbot, page)
    qtbot.waitUntil(lambda: page.opened is not None and page.opened.raw is None)
    assert load_record(store.reader, "record_review", reviews["ashford"].id)[
        "findings"] == "Detention reviews on time."

    # Discard: the new review's typing goes, and the one chosen opens.
    type_text("01NS/0999/26")
    press(Qt.Key.Key_W, ALT)
    press(Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: modal_box() is not None)
    press(Qt.Key.Key_D)
    back_on(qtbot, page)
    assert page.opened is not None and page.opened.raw is not None
    assert page.opened.review.id == reviews["ashford"].id
    assert focused() is page.table
    assert len(stored_bodies(store)) == 2


def test_filters_by_suite_and_period(qtbot, window, coordinator, reviews):
    page = open_page(window)
    press(Qt.Key.Key_P, ALT)
    choose(page.period, "This quarter (Jan–Mar 2026)")
    assert numbers(page) == ["01NS/0421/26"]
    choose(page.period, "Last quarter (Oct–Dec 2025)")
    assert numbers(page) == ["01NS/0388/25"]
    choose(page.period, "Last year (2025)")
    assert numbers(page) == ["01NS/0388/25"]
    choose(page.period, "All dates")
    press(Qt.Key.Key_U, ALT)
    choose(page.suite_filter, "Ashford Road")
    assert numbers(page) == ["01NS/0421/26"]
    choose(page.suite_filter, "Dunmore")
    assert numbers(page) == []
    assert page.empty_label.text() == "No record review matches these filters."
    assert page.count_label.text() == "0 record reviews"


def test_a_review_changed_by_a_sync_shows_unless_being_edited(qtbot, window, coordinator,
                                                             reviews, store):
    page = open_page(window)
    newer = to_dict(reviews["ashford"])
    newer["findings"] = "Checked again by the second coordinator."
    newer["added_by_a_newer_app"] = {"kept": True}
    with qtbot.waitSignal(page.populated):
        store.writer.submit(lambda db: save_record(db, "record_review", newer)).result()
    qtbot.waitUntil(lambda: page.editor.findings.toPlainText()
                    == "Checked again by the second coordinator.")

    # Being edited: the edits stay, and the save keeps the other side's changes too.
    press(Qt.Key.Key_C, ALT)
    type_text("Late rights.")
    newer["date_out"] = "2026-03-04"
    with qtbot.waitSignal(page.populated):
        store.writer.submit(lambda db: save_record(db, "record_review", newer)).result()
    assert "changed elsewhere" in page.editor.state.text()
    assert page.editor.concerns.toPlainText() == "Late rights."
    with qtbot.waitSignal(page.saved):
        press(Qt.Key.Key_S, CTRL)
    body = load_record(store.reader, "record_review", reviews["ashford"].id)
    assert (body["concerns"], body["date_out"], body["added_by_a_newer_app"]) == (
        "Late rights.", "2026-03-04", {"kept": True})


def test_mnemonics_on_the_page_are_unique_and_miss_the_menu_bar(window, coordinator, reviews):
    page = open_page(window)
    letters = mnemonics(page)
    assert len(letters) == len(set(letters)), sorted(letters)
    assert not set(letters) & set("fevny")


def test_a_field_reached_by_its_alt_key_is_scrolled_into_view(qtbot, window, coordinator,
                                                              reviews):
    window.resize(1366, 740)
    page = open_page(window)
    area = page.editor_area
    field = page.editor.escalated_to
    assert area.verticalScrollBar().maximum() > 0  # the editor is taller than the window

    def seen(widget) -> bool:  # type: ignore[no-untyped-def]
        top = widget.mapTo(area.viewport(), widget.rect().topLeft()).y()
        return top >= 0 and top + widget.height() <= area.viewport().height()

    assert not seen(field)
    press(Qt.Key.Key_O, ALT)
    assert focused() is field
    qtbot.waitUntil(lambda: seen(field))
    press(Qt.Key.Key_M, ALT)
    qtbot.waitUntil(lambda: seen(page.editor.custody))
