"""The coordinator's Follow-ups page, by keyboard: the items taken further, filtered by
suite, status and overdue; an item overdue once it has been open more days than the
threshold (a setting of this laptop), said in words; an item edited and saved, and
refused with its dates out of order; unsaved changes never left behind unasked."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QMessageBox

from icv_app.domain.custody.coordination import (
    FollowUp,
    FollowUpStatus,
    follow_up_for_record_review,
)
from icv_app.domain.custody.record_review import RecordReview
from icv_app.domain.custody.visit import IssueRaised, VisitStatus
from icv_app.domain.serialize import to_dict
from icv_app.store.records import save_record
from icv_app.store.settings import FOLLOW_UP_OVERDUE_DAYS
from icv_app.ui.coordinator.follow_ups_page import OVERDUE_MARK, FollowUpsPage
from tests.gui.conftest import focused, make_visit, press, type_text

pytestmark = pytest.mark.gui

TODAY = dt.date(2026, 3, 20)  # the coordinator fixture's today
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def report_with_issue(suite: str, day: dt.date, text: str):  # type: ignore[no-untyped-def]
    report = make_visit(suite_id=suite, day=day, status=VisitStatus.SUBMITTED)
    report.issues = [IssueRaised(text=text, raised_with="PS 1001", resolved=False)]
    return report


def store_record(store, kind: str, record: object) -> None:  # type: ignore[no-untyped-def]
    body = to_dict(record)
    store.writer.submit(lambda db: save_record(db, kind, body)).result()


@pytest.fixture
def items(seed, store):  # type: ignore[no-untyped-def]
    """Four issues taken further: open 28 days (the threshold, not over it), open 29 days,
    escalated 10 days ago, and closed; and an escalated record review's concern."""
    reports = [
        report_with_issue("suite-ashford-road", TODAY - dt.timedelta(days=28),
                          "Call bell in cell 4 not answered."),
        report_with_issue("suite-beckley-park", TODAY - dt.timedelta(days=29),
                          "No blankets in the female wing."),
        report_with_issue("suite-ashford-road", dt.date(2026, 3, 10),
                          "Shower out of order."),
        report_with_issue("suite-canal-street", dt.date(2026, 1, 5),
                          "Broken window in cell 2."),
    ]
    seed(reports)
    made = {}
    for name, report in zip(("bell", "blankets", "shower", "window"), reports, strict=True):
        issue = report.issues[0]
        made[name] = FollowUp(report.id, issue.id, suite_id=report.header.suite_id,
                              raised_on=report.header.visit_date, summary=issue.text)
    made["shower"].escalated_to = "Insp 5521"
    made["shower"].escalated_on = dt.date(2026, 3, 11)
    made["window"].response = "Glazier came."
    made["window"].response_on = dt.date(2026, 1, 20)
    made["window"].closed_on = dt.date(2026, 1, 21)
    review = RecordReview(custody_number="01NS/0421/26", suite_id="suite-dunmore",
                          date_in=dt.date(2026, 3, 1), reviewed_on=dt.date(2026, 3, 2),
                          concerns="Rights given four hours late.", escalate=True,
                          escalated_to="Insp 7001", reviewer_id="coord.one")
    store_record(store, "record_review", review)
    made["review"] = follow_up_for_record_review(review)
    for name, item in made.items():
        store_record(store, "record_follow_up" if name == "review" else "follow_up", item)
    made["record_review"] = review  # type: ignore[assignment]
    return made


def open_page(window) -> FollowUpsPage:  # type: ignore[no-untyped-def]
    press(Qt.Key.Key_2, CTRL)
    page = window.current_page
    assert isinstance(page, FollowUpsPage)
    return page


def column(page: FollowUpsPage, name: str) -> list[str]:
    from icv_app.ui.coordinator.follow_ups_page import COLUMNS

    c = COLUMNS.index(name)
    return [page.model.text(item, c) for item in page.model.rows]


def summaries(page: FollowUpsPage) -> list[str]:
    return column(page, "Summary")


def overdue_summaries(page: FollowUpsPage) -> list[str]:
    return [s for s, mark in zip(summaries(page), column(page, "Overdue"), strict=True)
            if mark == OVERDUE_MARK]


def choose(combo, text: str) -> None:  # type: ignore[no-untyped-def]
    """Pick an entry of a focused combo box with the keyboard: Home, then Down to it."""
    assert focused() is combo
    press(Qt.Key.Key_Home)
    for _ in range(combo.count()):
        if combo.currentText() == text:
            return
        press(Qt.Key.Key_Down)
    raise AssertionError(f"{text!r} is not offered")


def back_on(qtbot, page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the question has gone and the keyboard is back on the page."""
    qtbot.waitUntil(lambda: modal_box() is None and QApplication.focusWidget() is not None
                    and page.isAncestorOf(QApplication.focusWidget()))


def modal_box() -> QMessageBox | None:
    """The question being asked, once it has the keyboard."""
    widget = QApplication.activeModalWidget()
    focus = QApplication.focusWidget()
    if isinstance(widget, QMessageBox) and focus is not None and widget.isAncestorOf(focus):
        return widget
    return None


def test_the_list_starts_in_the_table_with_what_is_not_closed_oldest_first(window, coordinator,
                                                                         items):
    page = open_page(window)
    assert focused() is page.table
    assert summaries(page) == ["No blankets in the female wing.",
                               "Call bell in cell 4 not answered.",
                               "Rights given four hours late.",
                               "Shower out of order."]
    assert column(page, "From") == ["Visit report", "Visit report", "Record review",
                                    "Visit report"]
    assert column(page, "Days open") == ["29", "28", "18", "10"]
    assert column(page, "Status") == ["Open", "Open", "Escalated", "Escalated"]
    assert page.count_label.text() == "Showing 4 of 5 follow-ups, 1 overdue"
    # The editor shows the first: the blankets, from Beckley Park.
    assert page.editor.heading.text() == "No blankets in the female wing."
    assert "Beckley Park" in page.editor.details.text()


def test_overdue_is_more_days_open_than_the_threshold_said_in_words_and_kept(
        qtbot, window, coordinator, items, store):
    page = open_page(window)
    # 29 days open is over 28; 28 days open is not yet.
    assert overdue_summaries(page) == ["No blankets in the female wing."]
    row = page.model.row_of(items["blankets"].id)
    index = page.model.index(row, 7)
    assert page.model.data(index) == "⚠ Overdue"  # a word and a symbol, not colour alone
    assert page.model.data(index, Qt.ItemDataRole.BackgroundRole) is not None
    calm = page.model.index(page.model.row_of(items["bell"].id), 7)
    assert page.model.data(calm) == ""
    assert page.model.data(calm, Qt.ItemDataRole.BackgroundRole) is None

    press(Qt.Key.Key_A, ALT)
    assert focused() is page.after_days
    type_text("27")
    assert page.after_days.value() == 27
    assert overdue_summaries(page) == ["No blankets in the female wing.",
                                       "Call bell in cell 4 not answered."]
    assert page.count_label.text().endswith("2 overdue")
    qtbot.waitUntil(lambda: FOLLOW_UP_OVERDUE_DAYS.get(store.reader) == 27)

    # Kept on this laptop: the page made anew reads it back.
    again = FollowUpsPage(coordinator)
    qtbot.addWidget(again)
    assert again.after_days.value() == 27


def test_filters_by_suite_status_and_overdue_only(qtbot, window, coordinator, items):
    page = open_page(window)
    press(Qt.Key.Key_U, ALT)
    choose(page.suite, "Ashford Road")
    assert summaries(page) == ["Call bell in cell 4 not answered.", "Shower out of order."]

    press(Qt.Key.Key_T, ALT)
    choose(page.status, "Escalated")
    assert summaries(page) == ["Shower out of order."]

    press(Qt.Key.Key_U, ALT)
    choose(page.suite, "All suites")
    press(Qt.Key.Key_T, ALT)
    choose(page.status, "Closed")
    assert summaries(page) == ["Broken window in cell 2."]
    assert column(page, "Days open") == ["16"]  # counted to the day it closed
    assert overdue_summaries(page) == []  # closed: never overdue

    choose(page.status, "All")
    assert len(summaries(page)) == 5
    press(Qt.Key.Key_L, ALT)  # Overdue only
    qtbot.waitUntil(lambda: page.overdue_only.isChecked())
    assert summaries(page) == ["No blankets in the female wing."]
    assert page.count_label.text() == "Showing 1 of 5 follow-ups, 1 overdue"

    press(Qt.Key.Key_U, ALT)
    choose(page.suite, "Ashford Road")
    assert summaries(page) == []
    assert page.empty_label.isVisible()
    assert page.empty_label.text() == "No follow-up matches these filters."


def test_a_follow_up_is_edited_and_saved_by_keyboard(qtbot, window, coordinator, items):
    page = open_page(window)
    press(Qt.Key.Key_Down)  # the bell, second in the list
    assert page.editor.heading.text() == "Call bell in cell 4 not answered."
    press(Qt.Key.Key_Return)  # Enter: to the editor
    assert focused() is page.editor.escalated_to
    type_text("Insp 5521, custody inspector")
    press(Qt.Key.Key_Tab)
    assert focused() is page.editor.escalated_on
    type_text("23Feb2026")
    press(Qt.Key.Key_Tab)
    assert focused() is page.editor.response
    type_text("The call bell was repaired.")
    press(Qt.Key.Key_Tab)
    type_text("02Mar2026")
    assert page.editor.state.text() == "Changes not saved yet."

    with qtbot.waitSignal(page.saved):
        press(Qt.Key.Key_S, CTRL)
    [stored] = coordinator.coordination.follow_ups(items["bell"].visit_id)
    assert stored.escalated_to == "Insp 5521, custody inspector"
    assert stored.escalated_on == dt.date(2026, 2, 23)
    assert stored.response == "The call bell was repaired."
    assert stored.response_on == dt.date(2026, 3, 2)
    assert stored.status is FollowUpStatus.RESPONDED
    assert page.editor.state.text() == ""
    row = page.model.row_of(stored.id)
    assert page.model.text(page.model.rows[row], 4) == "Response received"

    # Closing it: gone from the list of what is not closed.
    press(Qt.Key.Key_C, ALT)
    assert focused() is page.editor.closed_on
    type_text("03Mar2026")
    with qtbot.waitSignal(page.saved):
        press(Qt.Key.Key_S, CTRL)
    assert coordinator.coordination.follow_ups(items["bell"].visit_id)[0].closed_on == (
        dt.date(2026, 3, 3))
    assert "Call bell in cell 4 not answered." not in summaries(page)


def test_dates_out_of_order_are_said_beside_the_field_and_not_saved(qtbot, window,
                                                                    coordinator, items, store):
    page = open_page(window)
    press(Qt.Key.Key_Down)  # the bell, raised on 20 Feb 2026
    press(Qt.Key.Key_D, ALT)
    assert focused() is page.editor.escalated_on
    type_text("10Mar2026")
    press(Qt.Key.Key_I, ALT)
    assert focused() is page.editor.response_on
    type_text("05Mar2026")
    cell = page.editor.cells["response_on"]
    assert cell.message_text() == "The response cannot come before the escalation."
    press(Qt.Key.Key_C, ALT)
    type_text("01Feb2026")
    assert page.editor.cells["closed_on"].message_text() == (
        "It cannot have been closed before the issue was raised.")

    messages: list[str] = []
    page.status_message.connect(messages.append)
    press(Qt.Key.Key_S, CTRL)
    assert messages[-1] == "Not saved: 2 dates out of order, said beside the fields."
    assert focused() is page.editor.response_on  # the first field to put right
    store.writer.flush()  # had a save been asked for, it would have landed by now
    [stored] = coordinator.coordination.follow_ups(items["bell"].visit_id)
    assert stored == items["bell"]

    # Put right, it saves.
    press(Qt.Key.Key_I, ALT)
    type_text("12Mar2026")
    press(Qt.Key.Key_C, ALT)
    press(Qt.Key.Key_A, CTRL)
    press(Qt.Key.Key_Delete)  # the whole date selected: cleared
    assert page.editor.closed_on.value() is None
    assert cell.message_text() == ""
    with qtbot.waitSignal(page.saved):
        press(Qt.Key.Key_S, CTRL)
    [stored] = coordinator.coordination.follow_ups(items["bell"].visit_id)
    assert (stored.escalated_on, stored.response_on, stored.closed_on) == (
        dt.date(2026, 3, 10), dt.date(2026, 3, 12), None)


def test_moving_on_with_unsaved_changes_asks_and_cancel_is_the_default(qtbot, window,
                                                                     coordinator, items):
    page = open_page(window)
    press(Qt.Key.Key_Return)  # the blankets
    type_text("Insp 7001")
    press(Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert focused() is page.table

    press(Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: modal_box() is not None)
    box = modal_box()
    assert box is not None and "No blankets in the female wing." in box.text()
    press(Qt.Key.Key_Return)  # the default: Cancel, go on editing
    qtbot.waitUntil(lambda: QApplication.focusWidget() is page.editor.escalated_to)
    assert page.editor.item == items["blankets"]
    assert page.editor.escalated_to.text() == "Insp 7001"
    assert page.selected() == items["blankets"]

    press(Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    press(Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: modal_box() is not None)
    press(Qt.Key.Key_D)  # Discard changes
    back_on(qtbot, page)
    assert page.editor.item == items["bell"]
    assert page.editor.escalated_to.text() == ""
    assert coordinator.coordination.follow_ups(items["blankets"].visit_id)[0].escalated_to == ""

    press(Qt.Key.Key_Return)
    type_text("Insp 8002")
    press(Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    press(Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: modal_box() is not None)
    with qtbot.waitSignal(page.saved):
        press(Qt.Key.Key_S)  # Save, then move
    back_on(qtbot, page)
    qtbot.waitUntil(lambda: page.editor.item == items["blankets"])
    assert coordinator.coordination.follow_ups(items["bell"].visit_id)[0].escalated_to == (
        "Insp 8002")


def test_open_report_shows_the_report_and_back_returns(qtbot, window, coordinator, items):
    page = open_page(window)
    with qtbot.waitSignal(window.form_opened) as opened:
        press(Qt.Key.Key_P, ALT)
    assert opened.args == [items["blankets"].visit_id]
    press(Qt.Key.Key_W, CTRL)
    assert window.current_page is page


def test_a_record_reviews_follow_up_opens_its_review(qtbot, window, coordinator, items):
    page = open_page(window)
    assert page.select(items["review"].id)
    assert page.editor.details.text().endswith("from a record review")
    assert page.open_button.text() == "O&pen record review"
    press(Qt.Key.Key_P, ALT)  # a button's mnemonic clicks it a moment later
    qtbot.waitUntil(lambda: type(window.current_page).__name__ == "RecordReviewsPage")
    reviews = window.current_page
    assert reviews.opened.review.id == items["record_review"].id


def test_a_follow_up_saved_elsewhere_shows_at_once(qtbot, window, coordinator, items, store):
    page = open_page(window)
    assert page.editor.item == items["blankets"]
    items["blankets"].escalated_to = "Insp 9000"
    with qtbot.waitSignal(page.populated, timeout=3000):
        store_record(store, "follow_up", items["blankets"])  # as a sync brings it
    assert page.editor.escalated_to.text() == "Insp 9000"
    assert column(page, "Escalated to")[0] == "Insp 9000"


def mnemonics(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The Alt+letter of every label and button shown on the page."""
    texts = [w.text() for kind in (QLabel, QAbstractButton) for w in page.findChildren(kind)
             if w.isVisibleTo(page)]
    return [t[t.index("&") + 1].lower() for t in texts if "&" in t and "&&" not in t]


def test_mnemonics_on_the_page_are_unique_and_miss_the_menu_bar(window, coordinator, items):
    page = open_page(window)
    letters = mnemonics(page)
    assert len(letters) == len(set(letters)), sorted(letters)
    assert not set(letters) & set("fevny")  # File, Edit, Visit, Coordination, Sync
