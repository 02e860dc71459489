"""Problems show beside the field they are about, as the volunteer types."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import press, tab_to, type_text

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def form(qtbot, window):
    with qtbot.waitSignal(window.form_opened):
        press(Qt.Key.Key_N, CTRL)
    return window.form


def test_departure_before_arrival_is_shown_next_to_departure(form):
    header = form.header
    tab_to(header.arrival)
    type_text("14:00")
    tab_to(header.departure)
    type_text("13:30")

    cell = header.cells["header.departure_time"]
    assert cell.message_text().startswith("Departure is before arrival.")
    assert "next day" in cell.message_text()  # the way to record a visit past midnight
    assert not cell.message.isHidden()
    assert "Departure is before arrival." in header.departure.toolTip()
    assert "border" in cell.marker.styleSheet()  # the input is framed in red
    assert form.cell_message("header.arrival_time") == ""
    assert any(
        "Departure is before arrival." in form.problems_panel.list.item(i).text()
        for i in range(form.problems_panel.list.count())
    )

    # Fixing it clears the message and the frame.
    press(Qt.Key.Key_A, CTRL)
    type_text("15:30")
    assert cell.message_text() == ""
    assert cell.marker.styleSheet() == ""
    assert header.departure.toolTip() == ""


def test_custody_record_check_without_consent_is_shown_next_to_the_check(form):
    press(Qt.Key.Key_D, CTRL)
    editor = form.detainees.editor
    type_text("01NS/0421/26")
    tab_to(editor.record_checked)
    press(Qt.Key.Key_Space)
    assert form.report.detainees[0].record_checked is True

    message = "The custody record may only be checked with the detainee's consent."
    assert editor.cells["record_checked"].message_text() == message
    assert form.cell_message("detainees[0].record_checked") == message
    assert form.detainees.table.item(0, len(form.detainees.columns)).text() == "1 to fix"

    # Consent given: the problem goes.
    tab_to(editor.consent_record_check)
    type_text("Y")
    assert form.report.detainees[0].consent_record_check is True
    assert editor.cells["record_checked"].message_text() == ""


def test_a_time_that_is_not_a_time_is_flagged_when_leaving_the_field(form):
    header = form.header
    tab_to(header.admitted)
    type_text("25:00")
    press(Qt.Key.Key_Tab)
    assert header.cells["header.admitted_time"].message_text() == (
        "“25:00” is not a time of day: hours go to 23, minutes to 59."
    )
    assert form.report.header.admitted_time is None


def test_enter_on_a_problem_goes_to_its_field(form):
    panel = form.problems_panel
    row = next(
        i for i in range(panel.list.count())
        if panel.list.item(i).data(Qt.ItemDataRole.UserRole + 1) == "header.suite_id"
    )
    panel.list.setFocus()
    panel.list.setCurrentRow(row)
    press(Qt.Key.Key_Return)
    assert form.header.suite.hasFocus()
