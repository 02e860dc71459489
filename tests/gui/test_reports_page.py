"""All reports (Coordination, Ctrl+1): every report of the scheme, filtered and searched,
with the selected report's review beside it, driven from the keyboard."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from icv_app.domain.custody.coordination import ReviewStatus
from icv_app.domain.custody.visit import IssueRaised, VisitorOnVisit, VisitStatus
from tests.gui.conftest import focused, make_visit, press, type_text

pytestmark = pytest.mark.gui

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SUBMITTED = VisitStatus.SUBMITTED


def submitted(suite: str = "suite-ashford-road", day: dt.date = dt.date(2026, 3, 2),
              visitors: tuple[str, ...] = ("v-001", "v-002"), panel: str = "",
              unresolved: int = 0, **kwargs):  # type: ignore[no-untyped-def]
    report = make_visit(suite, day, status=SUBMITTED, **kwargs)
    report.header.visitors = [VisitorOnVisit(v) for v in visitors]
    report.confirmed_by = list(visitors)
    report.header.panel = panel
    report.issues += [IssueRaised(text=f"Cell {n} too cold", raised_with="PS 1001",
                                  resolved=False if n % 2 else None)
                      for n in range(unresolved)]
    return report


def open_page(qtbot, window):  # type: ignore[no-untyped-def]
    press(Qt.Key.Key_1, CTRL)
    page = window.current_page
    assert page is not None and page.title == "All reports"
    qtbot.waitUntil(lambda: page.is_populated)
    return page


def shown(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.id for r in page.model.rows]


def cell(page, visit_id: str, column: str):  # type: ignore[no-untyped-def]
    from icv_app.ui.coordinator.reports_page import COLUMNS

    model = page.model
    return model.data(model.index(model.row_of(visit_id), COLUMNS.index(column)))


def choose(qtbot, page, mnemonic: Qt.Key, text: str) -> None:  # type: ignore[no-untyped-def]
    """Alt+mnemonic to a filter, then type the start of the choice, as a coordinator does."""
    press(mnemonic, ALT)
    with qtbot.waitSignal(page.populated):
        type_text(text)


def step(qtbot, page, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """Another choice in the focused filter by a key (Home: the first, "All" or "Any")."""
    with qtbot.waitSignal(page.populated):
        press(key)


# The list and its filters ---------------------------------------------------------------

@pytest.fixture
def scheme(seed, store):  # type: ignore[no-untyped-def]
    """Four reports of the scheme, three of them reviewed or queried."""
    from icv_app.services.custody.coordination import CoordinationService

    reports = {
        "ashford": submitted("suite-ashford-road", dt.date(2026, 3, 2), panel="North panel"),
        "dunmore": submitted("suite-dunmore", dt.date(2025, 11, 10), ("v-005", "v-006"),
                             panel="South panel", unresolved=1),
        "canal": submitted("suite-canal-street", dt.date(2026, 2, 15), ("v-003", "v-004"),
                           custody_numbers=("01NS/0421/26",)),
        "draft": make_visit("suite-elmwick", dt.date(2026, 3, 18)),
    }
    reports["draft"].header.visitors = [VisitorOnVisit("v-006")]
    seed(list(reports.values()))
    coordination = CoordinationService(store)
    coordination.set_review(reports["ashford"].id, ReviewStatus.REVIEWED, "", "coord.one").result()
    coordination.send_query(reports["dunmore"].id, "Which cell?", "coord.one").result()
    coordination.set_review(reports["canal"].id, ReviewStatus.CLOSED, "", "coord.one").result()
    return {name: r.id for name, r in reports.items()}


def test_the_list_shows_every_report_newest_first_with_its_columns(qtbot, window, coordinator,
                                                                   scheme):
    page = open_page(qtbot, window)
    assert shown(page) == [scheme[n] for n in ("draft", "ashford", "canal", "dunmore")]
    assert page.count_label.text() == "4 reports"
    dunmore = scheme["dunmore"]
    assert re.fullmatch(r"NS-25-[0-9A-Z]{4}-[0-9A-Z]{4}", cell(page, dunmore, "Reference"))
    assert cell(page, dunmore, "Suite") == "Dunmore"
    assert cell(page, dunmore, "Visitors") == "Eden Farrow, Flo Whitcombe"
    assert cell(page, dunmore, "Review") == "Query sent"
    assert (cell(page, dunmore, "Issues"), cell(page, dunmore, "Unresolved"),
            cell(page, dunmore, "Open queries")) == (1, 1, 1)
    assert cell(page, scheme["draft"], "Status") == "Draft"
    # The keyboard starts in the list, on the newest report, shown beside it.
    assert focused() is page.table
    assert page.review_panel.visit_id == scheme["draft"]


def test_the_period_narrows_the_list_by_quarter_or_by_typed_dates(qtbot, window, coordinator,
                                                                  scheme):
    page = open_page(qtbot, window)
    choose(qtbot, page, Qt.Key.Key_D, "Thi")  # Perio&d: This quarter (Jan–Mar 2026)
    assert set(shown(page)) == {scheme["draft"], scheme["ashford"], scheme["canal"]}
    assert page.date_from.value() == dt.date(2026, 1, 1)
    assert page.date_to.value() == dt.date(2026, 3, 31)
    with qtbot.waitSignal(page.populated):
        press(Qt.Key.Key_Down)  # Last quarter (Oct–Dec 2025)
    assert shown(page) == [scheme["dunmore"]]

    press(Qt.Key.Key_T, ALT)  # &To: the day, typed over
    assert focused() is page.date_to
    with qtbot.waitSignal(page.populated):
        page.date_to.set_value(dt.date(2026, 2, 28))
    assert page.period.currentText() == "Chosen dates"
    assert shown(page) == [scheme["canal"], scheme["dunmore"]]


def test_suite_panel_and_visitor_each_narrow_the_list(qtbot, window, coordinator, scheme):
    page = open_page(qtbot, window)
    choose(qtbot, page, Qt.Key.Key_S, "Dun")
    assert shown(page) == [scheme["dunmore"]]
    step(qtbot, page, Qt.Key.Key_Home)
    assert page.suite.currentText() == "All suites" and len(shown(page)) == 4

    choose(qtbot, page, Qt.Key.Key_P, "North")
    # Ashford Road names its panel; the draft names none and its suite is South's.
    assert shown(page) == [scheme["ashford"]]
    step(qtbot, page, Qt.Key.Key_Down)  # South panel: Dunmore's, and the draft at Elmwick
    assert shown(page) == [scheme["draft"], scheme["dunmore"]]
    step(qtbot, page, Qt.Key.Key_Home)

    choose(qtbot, page, Qt.Key.Key_I, "Flo")  # any visitor on the visit
    assert shown(page) == [scheme["draft"], scheme["dunmore"]]
    for _ in range(2):
        press(Qt.Key.Key_Up)
    step(qtbot, page, Qt.Key.Key_Up)
    assert page.visitor.currentText() == "Cass Ingleby"
    assert shown(page) == [scheme["canal"]]


def test_review_status_and_unresolved_issues_narrow_the_list(qtbot, window, coordinator,
                                                             scheme):
    page = open_page(qtbot, window)
    choose(qtbot, page, Qt.Key.Key_R, "New")  # no review yet
    assert shown(page) == [scheme["draft"]]
    expected = {"Reviewed": "ashford", "Query sent": "dunmore", "Closed": "canal"}
    for label, name in expected.items():
        step(qtbot, page, Qt.Key.Key_Down)
        assert page.review.currentText() == label
        assert shown(page) == [scheme[name]]
    step(qtbot, page, Qt.Key.Key_Home)

    with qtbot.waitSignal(page.populated):
        press(Qt.Key.Key_L, ALT)  # Unreso&lved issues only
    assert page.unresolved.isChecked()
    assert shown(page) == [scheme["dunmore"]]
    assert page.count_label.text() == "1 report"


def test_search_finds_a_custody_number_and_enter_opens_it(qtbot, window, coordinator, scheme):
    page = open_page(qtbot, window)
    press(Qt.Key.Key_C, ALT)  # Sear&ch
    assert focused() is page.search
    with qtbot.waitSignal(page.populated):
        type_text("0421/26")
    assert shown(page) == [scheme["canal"]]
    with qtbot.waitSignal(page.populated):
        page.search.setText("no such text")
    assert shown(page) == []
    assert page.empty_label.text() == "No report matches these filters and this search."
    assert page.review_panel.visit_id is None


def test_a_search_of_one_or_two_characters_waits_for_more(qtbot, window, coordinator,
                                                          scheme):
    page = open_page(qtbot, window)
    press(Qt.Key.Key_C, ALT)
    with qtbot.waitSignal(page.populated):
        type_text("01")
    assert page.search_hint.isVisible() and len(shown(page)) == 4
    with qtbot.waitSignal(page.populated):
        type_text("NS")
    assert not page.search_hint.isVisible() and shown(page) == [scheme["canal"]]


def test_a_report_is_found_by_its_short_reference(qtbot, window, coordinator, scheme):
    page = open_page(qtbot, window)
    reference = cell(page, scheme["ashford"], "Reference")
    press(Qt.Key.Key_C, ALT)
    with qtbot.waitSignal(page.populated):
        type_text(reference)
    assert shown(page) == [scheme["ashford"]]


# The review beside the list -------------------------------------------------------------

def select(qtbot, page, visit_id: str) -> None:  # type: ignore[no-untyped-def]
    page.table.setFocus()
    while page.selected_id() != visit_id:
        press(Qt.Key.Key_Down)
    assert page.review_panel.visit_id == visit_id


def test_a_review_status_chosen_is_saved_and_shown_in_the_list(qtbot, window, coordinator,
                                                               scheme):
    page = open_page(qtbot, window)
    panel = page.review_panel
    select(qtbot, page, scheme["ashford"])
    assert "Alex Marlow and Bea Thornfield" in panel.summary.text()
    press(Qt.Key.Key_U, ALT)  # Review stat&us
    assert focused() is panel.status
    with qtbot.waitSignal(page.populated):
        type_text("Cl")
    assert coordinator.coordination.review(scheme["ashford"]).status is ReviewStatus.CLOSED
    assert cell(page, scheme["ashford"], "Review") == "Closed"

    press(Qt.Key.Key_O, ALT)  # N&otes
    type_text("Checked against the custody record.")
    with qtbot.waitSignal(page.populated):
        press(Qt.Key.Key_A, ALT)  # S&ave review
    review = coordinator.coordination.review(scheme["ashford"])
    assert (review.status, review.notes, review.reviewed_by) == (
        ReviewStatus.CLOSED, "Checked against the custody record.", "coord.one")
    assert page.selected_id() == scheme["ashford"]  # the refresh kept the selection
    assert "saved" in window.statusBar().currentMessage()


def test_arrowing_through_the_statuses_saves_only_the_one_chosen(qtbot, window, coordinator,
                                                                  scheme, store):
    page = open_page(qtbot, window)
    select(qtbot, page, scheme["ashford"])  # Reviewed
    press(Qt.Key.Key_U, ALT)
    press(Qt.Key.Key_Down)  # Query sent
    with qtbot.waitSignal(page.populated):
        press(Qt.Key.Key_Down)  # Closed
    assert cell(page, scheme["ashford"], "Review") == "Closed"
    revs = store.reader.execute(
        "SELECT rev FROM visit_reviews WHERE visit_id = ?", [scheme["ashford"]]).fetchall()
    assert revs == [(2,)]  # made by the fixture, then this one save


def test_a_query_too_long_is_held_with_a_message(qtbot, window, coordinator, scheme):
    from icv_app.kinds.coordination import MAX_MESSAGE

    page = open_page(qtbot, window)
    panel = page.review_panel
    select(qtbot, page, scheme["ashford"])
    panel.query.setPlainText("x" * (MAX_MESSAGE + 1))
    assert not panel.send.isEnabled()
    assert panel.query_hint.isVisible()
    assert "at most 5,000 characters; this one has 5,001" in panel.query_hint.text()
    panel.query.setFocus()
    press(Qt.Key.Key_Return, CTRL)
    assert coordinator.coordination.conversations(scheme["ashford"]) == []
    assert panel.query.toPlainText() == "x" * (MAX_MESSAGE + 1)  # nothing typed is lost


def test_notes_typed_are_saved_when_moving_to_another_report(qtbot, window, coordinator,
                                                             scheme):
    page = open_page(qtbot, window)
    select(qtbot, page, scheme["ashford"])
    press(Qt.Key.Key_O, ALT)
    type_text("Read; nothing to add.")
    page.table.setFocus()
    with qtbot.waitSignal(page.populated):
        press(Qt.Key.Key_Down)
    assert coordinator.coordination.review(scheme["ashford"]).notes == "Read; nothing to add."


def test_a_query_sent_appears_in_the_thread_and_sets_query_sent(qtbot, window, coordinator,
                                                                scheme):
    page = open_page(qtbot, window)
    panel = page.review_panel
    select(qtbot, page, scheme["ashford"])
    assert not panel.send.isEnabled()  # nothing typed yet
    press(Qt.Key.Key_K, ALT)  # As&k the visitor
    assert focused() is panel.query
    type_text("What time did you leave the suite?")
    with qtbot.waitSignal(page.populated):
        press(Qt.Key.Key_Return, CTRL)
    assert "What time did you leave the suite?" in panel.thread.toPlainText()
    assert "No reply yet" in panel.thread.toPlainText()
    assert panel.query.toPlainText() == ""
    assert panel.status.value() is ReviewStatus.QUERY_SENT
    assert cell(page, scheme["ashford"], "Review") == "Query sent"
    assert cell(page, scheme["ashford"], "Open queries") == 1
    assert "next sync" in window.statusBar().currentMessage()


def test_a_reply_arriving_shows_in_the_thread_and_clears_open_queries(qtbot, window,
                                                                      coordinator, scheme):
    page = open_page(qtbot, window)
    panel = page.review_panel
    select(qtbot, page, scheme["dunmore"])
    assert cell(page, scheme["dunmore"], "Open queries") == 1
    [conversation] = coordinator.coordination.conversations(scheme["dunmore"])
    # As a sync brings the visitor's answer.
    with qtbot.waitSignal(page.populated):
        coordinator.coordination.reply(conversation.query.id, "Cell 4, by the door.",
                                       "v-005").result()
    assert cell(page, scheme["dunmore"], "Open queries") == 0
    qtbot.waitUntil(lambda: "Cell 4, by the door." in panel.thread.toPlainText())
    assert "Eden Farrow" in panel.thread.toPlainText()
    assert page.selected_id() == scheme["dunmore"]


def test_follow_ups_are_created_once_for_the_unresolved_issues(qtbot, window, coordinator,
                                                               seed):
    report = submitted(unresolved=2, issue_text="Broken call bell")  # resolved at the time
    seed([report])
    page = open_page(qtbot, window)
    panel = page.review_panel
    assert "resolved: <b>Yes</b>" in panel.summary.text()
    assert "resolved: <b>No</b>" in panel.summary.text()
    with qtbot.waitSignal(panel.written):
        press(Qt.Key.Key_W, ALT)  # Follo&w up unresolved issues
    assert window.statusBar().currentMessage().startswith("2 follow-ups created")
    made = coordinator.coordination.follow_ups(report.id)
    assert sorted(f.summary for f in made) == ["Cell 0 too cold", "Cell 1 too cold"]
    with qtbot.waitSignal(panel.written):
        press(Qt.Key.Key_W, ALT)
    assert window.statusBar().currentMessage().startswith("No follow-up created")
    assert len(coordinator.coordination.follow_ups(report.id)) == 2


def test_a_draft_cannot_be_reviewed_yet(qtbot, window, coordinator, scheme):
    page = open_page(qtbot, window)
    panel = page.review_panel
    assert page.selected_id() == scheme["draft"]
    assert panel.draft_note.isVisible()
    for widget in (panel.status, panel.notes, panel.query, panel.send, panel.follow_up,
                   panel.save_review):
        assert not widget.isEnabled()
    assert panel.open_report.isEnabled()


def test_enter_opens_the_report_and_ctrl_w_comes_back_to_the_page(qtbot, window, coordinator,
                                                                   scheme):
    page = open_page(qtbot, window)
    select(qtbot, page, scheme["canal"])
    with qtbot.waitSignal(window.form_opened) as opened:
        press(Qt.Key.Key_Return)
    assert opened.args == [scheme["canal"]]
    assert window.pages.currentWidget() is window.form
    press(Qt.Key.Key_W, CTRL)
    assert window.current_page is page
    assert page.selected_id() == scheme["canal"]
    assert focused() is page.table


def test_mnemonics_are_unique_and_leave_the_menu_bar_alone(qtbot, window, coordinator):
    page = open_page(qtbot, window)
    texts = [w.text() for w in page.findChildren(QWidget)
             if isinstance(w, (QLabel, QAbstractButton)) and "&" in w.text()]
    letters = [t[t.index("&") + 1].lower() for t in texts]
    assert len(letters) == len(set(letters)), texts
    assert not set(letters) & set("fevny"), texts


def test_a_report_arriving_by_sync_appears_and_the_selection_stays(qtbot, window, coordinator,
                                                                   scheme, store):
    from icv_app.store.custody.visits import insert_many

    page = open_page(qtbot, window)
    select(qtbot, page, scheme["canal"])
    newer = dataclasses.replace(submitted(day=dt.date(2026, 3, 19)))
    with qtbot.waitSignal(page.populated):
        store.writer.submit(lambda db: insert_many(db, [newer])).result()
    assert shown(page)[0] == newer.id and len(shown(page)) == 5
    assert page.selected_id() == scheme["canal"]
