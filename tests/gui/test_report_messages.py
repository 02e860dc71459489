"""On the visitor's laptop, the coordinator's question about a submitted report shows on
that report, with a place to reply; the outcome of an issue taken further shows too."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt

from icv_app.domain.custody.coordination import FollowUp, VisitQuery
from icv_app.domain.custody.visit import IssueRaised, VisitStatus
from icv_app.domain.serialize import to_dict
from icv_app.services.custody.coordination import CoordinationService
from icv_app.store.records import save_record
from icv_app.ui.custody.visits_list import QUESTIONS_COLUMN
from tests.gui.conftest import make_visit, press, tab_to, type_text

pytestmark = pytest.mark.gui


def arrives(store, kind: str, record: object) -> None:  # type: ignore[no-untyped-def]
    """A record as a pull stores it (the form did not make it)."""
    body = to_dict(record)
    store.writer.submit(lambda db: save_record(db, kind, body)).result()


def test_a_coordinators_question_shows_on_the_report_and_is_answered(qtbot, window, seed, store):
    report = make_visit(status=VisitStatus.SUBMITTED)
    report.issues = [IssueRaised(text="Call bell in cell 4 not answered.", resolved=False)]
    seed([report])
    window.visits.refresh()
    qtbot.waitUntil(lambda: window.visits.model.rowCount() == 1)
    with qtbot.waitSignal(window.form_opened):
        window.open_visit(report.id)
    form = window.form
    index = form.tabs.indexOf(form.messages)
    assert form.tabs.tabText(index) == "&Messages"
    assert "No messages" in form.messages.intro.text()

    query = VisitQuery(report.id, "Was the bell repaired before you left?", "coord.one")
    arrives(store, "visit_query", query)
    qtbot.waitUntil(lambda: form.tabs.tabText(index) == "&Messages (1)")
    assert "Was the bell repaired before you left?" in form.messages.plain_text()
    assert form.messages.intro.text() == "1 question waiting for your reply."

    press(Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert form.tabs.currentWidget() is form.messages
    tab_to(form.messages.reply)
    type_text("No: an engineer was booked for the next day.")
    tab_to(form.messages.send)
    press(Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: form.tabs.tabText(index) == "&Messages", timeout=5000)
    [conversation] = CoordinationService(store).conversations(report.id)
    assert [r.text for r in conversation.replies] == [
        "No: an engineer was booked for the next day."]
    assert "Reply" in form.messages.plain_text()

    item = FollowUp(report.id, report.issues[0].id, raised_on=report.header.visit_date,
                    summary="Call bell in cell 4 not answered.", escalated_to="Insp 5521",
                    response="Engineer repaired the bell.",
                    response_on=dt.date(2026, 3, 5), closed_on=dt.date(2026, 3, 6))
    arrives(store, "follow_up", item)
    qtbot.waitUntil(lambda: "Engineer repaired the bell." in form.messages.plain_text())
    assert "Closed 06 Mar 2026" in form.messages.plain_text()


def test_a_draft_has_no_reply_box_to_use(qtbot, window, seed):
    report = make_visit()
    seed([report])
    window.visits.refresh()
    qtbot.waitUntil(lambda: window.visits.model.rowCount() == 1)
    with qtbot.waitSignal(window.form_opened):
        window.open_visit(report.id)
    messages = window.form.messages
    assert not messages.reply.isEnabled() and not messages.send.isEnabled()
    assert "Once the report is submitted" in messages.intro.text()


def test_the_list_says_which_reports_have_questions_waiting(qtbot, window, seed, store):
    """A question arriving with a sync is announced above the list; Alt+Q brings its
    report to the top, Enter opens it, and once answered the notice goes."""
    quiet, asked = (make_visit(status=VisitStatus.SUBMITTED, day=dt.date(2026, 3, d))
                    for d in (9, 2))
    seed([quiet, asked])
    window.visits.refresh()
    page = window.visits
    qtbot.waitUntil(lambda: page.model.rowCount() == 2)
    assert not page.questions_row.isVisibleTo(window)

    with qtbot.waitSignal(page.populated):
        arrives(store, "visit_query", VisitQuery(asked.id, "Which cell was it?", "coord.one"))
    assert page.questions_row.isVisibleTo(window)
    assert page.questions_label.text() == (
        "1 question from a coordinator is waiting for a reply, about a report.")
    questions = [page.model.index(r, QUESTIONS_COLUMN).data() for r in range(2)]
    assert questions == [0, 1]  # newest first: the asked report is second

    with qtbot.waitSignal(page.show_questions.clicked):  # Qt clicks it a moment later
        press(Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    assert page.sort.currentText() == "Questions waiting, most first"
    assert page.table.hasFocus()
    assert page.selected_id() == asked.id
    with qtbot.waitSignal(window.form_opened):
        press(Qt.Key.Key_Return)
    form = window.form
    press(Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    tab_to(form.messages.reply)
    type_text("Cell 4.")
    tab_to(form.messages.send)
    press(Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: "Reply" in form.messages.plain_text(), timeout=5000)
    window.show_list()
    assert not page.questions_row.isVisibleTo(window)
    assert [page.model.index(r, QUESTIONS_COLUMN).data() for r in range(2)] == [0, 0]
