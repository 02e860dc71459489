"""The visits list: filters, search, opening, deleting a draft and undoing it."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt

from icv_app.domain.custody.report_reference import report_reference
from icv_app.domain.custody.visit import VisitStatus
from icv_app.store.custody.visits import VisitNotFound
from tests.gui.conftest import make_visit, press, tab_to, type_text

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def visits(seed):
    reports = [
        make_visit("suite-ashford-road", dt.date(2026, 1, 10), custody_numbers=("01NS/0421/26",)),
        make_visit("suite-canal-street", dt.date(2026, 2, 14), status=VisitStatus.SUBMITTED,
                   issue_text="Blankets in short supply on the juvenile corridor."),
        make_visit("suite-canal-street", dt.date(2026, 3, 20), officer="PS 7788"),
        make_visit("suite-dunmore", dt.date(2026, 4, 2), status=VisitStatus.SUBMITTED,
                   custody_numbers=("02NS/0100/26", "02NS/0101/26")),
    ]
    seed(reports)
    return reports


def shown_ids(window) -> list[str]:
    return [r.id for r in window.visits.model.rows]


def test_the_list_shows_every_visit_newest_first(visits, window):
    page = window.visits
    assert page.is_populated
    assert shown_ids(window) == [r.id for r in reversed(visits)]
    model = page.model
    assert [model.data(model.index(0, c)) for c in range(7)] == [
        "Thu 02 Apr 2026", "14:00", "Dunmore", "Submitted", 2, 0, 0,
    ]
    assert page.count_label.text() == "4 visits"


def test_filter_by_suite_status_and_dates(qtbot, visits, window):
    page = window.visits
    with qtbot.waitSignal(window.list_populated):
        page.suite.set_value("suite-canal-street")
    assert shown_ids(window) == [visits[2].id, visits[1].id]
    assert page.count_label.text() == "Showing 2 of 4 visits"

    with qtbot.waitSignal(window.list_populated):
        page.status.set_value(VisitStatus.SUBMITTED)
    assert shown_ids(window) == [visits[1].id]

    with qtbot.waitSignal(window.list_populated):
        page.suite.set_value(None)
    assert shown_ids(window) == [visits[3].id, visits[1].id]

    with qtbot.waitSignal(window.list_populated):
        page.status.set_value(None)
    page.date_from.setDate(QDate(2026, 2, 1))
    page.date_to.setDate(QDate(2026, 3, 31))
    assert page.date_from.isEnabled() is False  # "any date" is on
    with qtbot.waitSignal(window.list_populated):
        page.any_date.setChecked(False)
    assert shown_ids(window) == [visits[2].id, visits[1].id]
    with qtbot.waitSignal(window.list_populated):
        page.any_date.setChecked(True)
    assert len(shown_ids(window)) == 4


@pytest.mark.parametrize(
    ("term", "expected"),
    [("0421", [0]), ("02ns/0101", [3]), ("blankets", [1]), ("ps 7788", [2]), ("nothing", [])],
)
def test_search_by_custody_number_issue_text_or_officer(qtbot, visits, window, term, expected):
    press(Qt.Key.Key_F, CTRL)
    assert window.visits.search.hasFocus()
    with qtbot.waitSignal(window.list_populated, timeout=3000):
        type_text(term)
    assert shown_ids(window) == [visits[i].id for i in expected]



def test_search_by_the_reference_a_coordinator_quotes(qtbot, visits, window):
    """A coordinator's question names a report by its short reference: typed into the
    search, with or without the scheme's prefix, it finds exactly that report."""
    wanted = visits[2]
    reference = report_reference(wanted.id, wanted.header.visit_date,
                                 window.reference.reference_prefix)
    press(Qt.Key.Key_F, CTRL)
    with qtbot.waitSignal(window.list_populated, timeout=3000):
        type_text(reference)
    assert shown_ids(window) == [wanted.id]
    window.visits.search.clear()
    with qtbot.waitSignal(window.list_populated, timeout=3000):
        type_text(reference.split("-", 2)[2].lower())  # "7k3q-f2m9"
    assert shown_ids(window) == [wanted.id]

def test_enter_opens_the_selected_visit(qtbot, visits, window):
    page = window.visits
    page.select(visits[2].id)
    page.table.setFocus()
    with qtbot.waitSignal(window.form_opened) as opened:
        press(Qt.Key.Key_Return)
    assert opened.args == [visits[2].id]
    assert window.form.report.id == visits[2].id
    assert window.form.header.officer.text() == "PS 7788"


def test_a_deleted_draft_comes_back_with_undo(qtbot, visits, window, service):
    page = window.visits
    draft = visits[2]
    page.select(draft.id)
    page.table.setFocus()
    with qtbot.waitSignal(window.draft_deleted):
        press(Qt.Key.Key_Delete)
    assert draft.id not in shown_ids(window)
    with pytest.raises(VisitNotFound):
        service.load(draft.id)
    assert window.undo_button.isVisible()
    assert "Ctrl+Z" in window.statusBar().currentMessage()

    with qtbot.waitSignal(window.draft_restored):
        press(Qt.Key.Key_Z, CTRL)
    assert draft.id in shown_ids(window)
    assert page.selected_id() == draft.id
    assert service.load(draft.id).header.officer_in_charge == "PS 7788"
    assert not window.undo_button.isVisible()


def test_a_submitted_report_cannot_be_deleted_and_del_says_why(visits, window, monkeypatch):
    asked: list[str] = []
    monkeypatch.setattr(window.service, "delete_draft", asked.append)
    page = window.visits
    page.select(visits[1].id)
    page.table.setFocus()
    press(Qt.Key.Key_Delete)
    assert asked == []
    assert visits[1].id in shown_ids(window)
    message = window.statusBar().currentMessage()
    assert "submitted report cannot be deleted" in message and "amendment" in message


def test_an_untouched_new_visit_leaves_no_draft(qtbot, window, service):
    for _ in range(3):
        with qtbot.waitSignal(window.form_opened):
            press(Qt.Key.Key_N, CTRL)
        press(Qt.Key.Key_W, CTRL)
    assert shown_ids(window) == []
    assert service.count() == 0
    assert "No visits yet" in window.visits.empty_label.text()


def test_new_visit_is_listed_when_going_back(qtbot, window, service):
    with qtbot.waitSignal(window.form_opened):
        press(Qt.Key.Key_N, CTRL)
    form = window.form
    tab_to(form.header.officer)
    type_text("PS 4242")
    qtbot.waitUntil(lambda: form.autosaver.idle)
    press(Qt.Key.Key_W, CTRL)
    assert shown_ids(window) == [form.report.id]
    assert window.visits.selected_id() == form.report.id
    assert service.load(form.report.id).header.officer_in_charge == "PS 4242"
    assert window.save_state.text() == "Saved"
