"""The visit form catches what a volunteer gets wrong, driven by keyboard as they would:
nothing typed is silently dropped, times past midnight are recorded truthfully, a name
never reaches the store, and every problem is where the volunteer looks for it."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from icv_app.domain.custody.visit import VisitStatus
from tests.gui.conftest import focused, make_visit, press, tab_to, type_text

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def form(qtbot, window):
    """A new visit, dated two days ago (so no time typed here is still to come)."""
    with qtbot.waitSignal(window.form_opened):
        press(Qt.Key.Key_N, CTRL)
    form = window.form
    form.header.visit_date.set_value(dt.date.today() - dt.timedelta(days=2))
    form.header.arrival.setFocus()
    replace_text("14:00")
    return form


def saved(qtbot, form, service):
    """The report as the store holds it, once every queued save has landed."""
    qtbot.waitUntil(lambda: form.autosaver.idle, timeout=5000)
    return service.load(form.report.id)


def replace_text(text: str) -> None:
    press(Qt.Key.Key_A, CTRL)
    type_text(text)


def problem_lines(form) -> list[str]:
    panel = form.problems_panel.list
    return [panel.item(i).text() for i in range(panel.count())]


def test_a_mistyped_time_stays_as_typed_blocks_submission_and_is_never_saved(
    qtbot, form, service
):
    header = form.header
    tab_to(header.departure)
    type_text("15:30")
    assert saved(qtbot, form, service).header.departure_time == dt.time(15, 30)

    replace_text("25:99")
    press(Qt.Key.Key_Tab)  # leave the field
    assert header.departure.text() == "25:99"  # still visible as typed
    message = header.cells["header.departure_time"].message_text()
    assert "25:99" in message and "not a time" in message
    assert any("Departed at" in line and "25:99" in line for line in problem_lines(form))
    assert not form.problems_panel.summary.text().startswith("Nothing to fix")
    # The stored report keeps the last real time: the typo is not saved as "no time".
    assert saved(qtbot, form, service).header.departure_time == dt.time(15, 30)

    press(Qt.Key.Key_Return, CTRL)  # Submit…
    box = form.dialog
    assert isinstance(box, QMessageBox)
    assert "25:99" in box.informativeText()
    box.reject()

    # Put right, the problem goes and the time is saved.
    tab_to(header.departure)
    replace_text("16:05")
    assert header.cells["header.departure_time"].message_text() == ""
    assert saved(qtbot, form, service).header.departure_time == dt.time(16, 5)


def test_a_visit_past_midnight_has_a_next_day_departure(qtbot, form, service):
    header = form.header
    tab_to(header.arrival)
    replace_text("23:30")
    tab_to(header.departure)
    type_text("00:45")
    message = header.cells["header.departure_time"].message_text()
    assert "Departure is before arrival" in message and "next day" in message

    tab_to(header.departure_next_day)
    press(Qt.Key.Key_Space)
    assert header.cells["header.departure_time"].message_text() == ""
    stored = saved(qtbot, form, service)
    assert stored.header.departure_time == dt.time(0, 45)
    assert stored.header.departure_next_day is True


def test_a_name_typed_as_a_custody_number_is_never_saved(qtbot, form, service):
    press(Qt.Key.Key_D, CTRL)
    editor = form.detainees.editor
    assert focused() is editor.custody_number
    type_text("John Smith DOB 1990")
    # Said at once, while still in the field: the volunteer must not go on typing names.
    message = editor.cells["custody_number"].message_text()
    assert "date of birth" in message
    assert any("Custody record number" in line for line in problem_lines(form))
    stored = saved(qtbot, form, service)
    assert [d.custody_number for d in stored.detainees] == [""]

    # Held in memory only: another detainee and back, the text is still there to fix.
    press(Qt.Key.Key_D, CTRL)
    type_text("01NS/0422/26")
    form.detainees.select(0)
    assert editor.custody_number.text() == "John Smith DOB 1990"
    assert "date of birth" in editor.cells["custody_number"].message_text()

    editor.custody_number.setFocus()
    replace_text("01ns/0421/26")
    assert editor.cells["custody_number"].message_text() == ""
    stored = saved(qtbot, form, service)
    assert [d.custody_number for d in stored.detainees] == ["01NS/0421/26", "01NS/0422/26"]


def test_a_custody_number_that_is_not_the_schemes_is_said_on_leaving(qtbot, form, service):
    press(Qt.Key.Key_D, CTRL)
    editor = form.detainees.editor
    type_text("01NS/04")  # still typing: no message yet
    assert editor.cells["custody_number"].message_text() == ""
    press(Qt.Key.Key_Tab)
    assert "not a custody record number" in editor.cells["custody_number"].message_text()
    assert [d.custody_number for d in saved(qtbot, form, service).detainees] == [""]


def test_a_closed_suite_is_not_offered_for_a_new_visit(form, reference):
    closed = [s.id for s in reference.suites if not s.open]
    assert closed, "the shipped reference data has a closed suite"
    offered = form.header.suite.values()
    assert not set(closed) & set(offered)
    assert {s.id for s in reference.suites if s.open} <= set(offered)


def test_a_report_at_a_suite_closed_since_still_shows_it_with_a_warning(
    qtbot, window, seed, service, reference
):
    closed = next(s for s in reference.suites if not s.open)
    report = make_visit(suite_id=closed.id)
    seed([report])
    window.visits.refresh()
    qtbot.waitUntil(lambda: window.visits.model.rowCount() == 1)
    with qtbot.waitSignal(window.form_opened):
        window.open_visit(report.id)
    form = window.form
    assert form.header.suite.value() == closed.id
    assert "closed" in form.header.cells["header.suite_id"].message_text()


def test_counts_mark_the_count_that_is_wrong(form):
    counts = form.counts
    counts.boxes["in_custody"].setValue(6)
    counts.boxes["offered"].setValue(6)
    counts.boxes["accepted"].setValue(8)
    assert "Accepted (8) is more than the 6 in custody" in (
        counts.cells["counts.accepted"].message_text()
    )
    assert counts.cells["counts.not_offered"].message_text() == ""
    # A sum that is too big marks each count in it.
    counts.boxes["accepted"].setValue(4)
    counts.boxes["declined"].setValue(2)
    counts.boxes["not_offered"].setValue(3)
    for name in ("accepted", "declined", "not_offered"):
        assert "(9) is more than the 6 in custody" in counts.cells[f"counts.{name}"].message_text()


def test_each_tab_shows_how_many_problems_it_has(form):
    def count(prefix: str) -> int:
        return sum(p.field.startswith(prefix) for p in form.problems)

    header = count("header.")
    assert header > 0  # a new visit has no visitors or departure yet
    assert form.tabs.tabText(0) == f"&Header ({header})"
    assert count("detainees") == count("conditions") == 0
    assert form.tabs.tabText(3) == "C&onditions"  # nothing there: no count
    form.counts.boxes["in_custody"].setValue(1)
    form.counts.boxes["juveniles"].setValue(2)  # more juveniles than in custody
    assert count("counts.") >= 1
    assert form.tabs.tabText(1) == f"&Counts ({count('counts.')})"
    assert "to fix" in form.tabs.tabToolTip(1)


def test_required_fields_are_marked(form):
    from PySide6.QtWidgets import QLabel

    captions = {
        label.text() for label in form.header.findChildren(QLabel) if label.text().endswith("*:")
    }
    assert {"Custody suite *:", "Date of visit *:", "Arrived at *:", "Departed at *:",
            "Visitors *:"} <= captions


def test_a_submitted_report_no_longer_looks_editable(qtbot, window, seed):
    report = make_visit(status=VisitStatus.SUBMITTED, custody_numbers=("01NS/0500/26",))
    report.header.departure_time = dt.time(15, 0)
    seed([report])
    window.visits.refresh()
    qtbot.waitUntil(lambda: window.visits.model.rowCount() == 1)
    with qtbot.waitSignal(window.form_opened):
        window.open_visit(report.id)
    form = window.form
    for widget in (form.header.officer, form.header.delay_reason, form.header.arrival,
                   form.detainees.editor.custody_number):
        assert widget.isReadOnly()
        assert widget.placeholderText() == ""  # no input hints
        assert not widget.hasFrame()  # no box waiting for typing
    from PySide6.QtWidgets import QAbstractSpinBox

    for box in (form.header.visit_date, form.header.delay_minutes):
        assert box.isReadOnly()
        assert box.buttonSymbols() is QAbstractSpinBox.ButtonSymbols.NoButtons
    assert QApplication.activeWindow() is window


def set_time(field, text: str) -> None:
    field.setFocus()
    replace_text(text)
    press(Qt.Key.Key_Tab)


def test_a_time_later_than_now_blocks_submission(qtbot, window, form):
    today = dt.date.today()
    form.header.visit_date.set_value(today)
    window.service.clock = lambda: dt.datetime.combine(
        today, dt.time(12, 0), tzinfo=dt.UTC
    )
    # The clock says 12:00 UTC; in the scheme's zone that is 12:00 or 13:00.
    set_time(form.header.arrival, "23:10")
    message = form.header.cells["header.arrival_time"].message_text()
    assert "later than now" in message
    assert any(line.startswith("To fix") and "later than now" in line
               for line in problem_lines(form))
    press(Qt.Key.Key_Return, CTRL)
    box = form.dialog
    assert isinstance(box, QMessageBox) and "later than now" in box.informativeText()
    box.reject()


def test_a_completed_visit_with_nothing_recorded_is_not_nothing_to_fix(form):
    lines = problem_lines(form)
    assert not form.problems_panel.summary.text().startswith("Nothing to fix")
    assert any("Departed at" in line and "time you left" in line for line in lines)
    assert any("Nothing is recorded about this visit" in line for line in lines)


def test_unusual_answers_are_flagged_to_check(qtbot, form):
    header, counts = form.header, form.counts
    set_time(header.arrival, "14:05")
    set_time(header.admitted, "14:20")
    header.delay_minutes.setValue(20)
    assert "check the wait and the times" in header.cells["header.delay_minutes"].message_text()

    header.mode.set_value(next(m for m in header.mode.values() if m.value == "telephone"))
    counts.boxes["in_custody"].setValue(14)
    counts.boxes["offered"].setValue(14)
    counts.boxes["accepted"].setValue(14)
    counts.boxes["contact_cell"].setValue(14)
    assert "meets no one in person" in counts.cells["counts.contact_cell"].message_text()

    press(Qt.Key.Key_D, CTRL)
    editor = form.detainees.editor
    type_text("01NS/0421/26")
    editor.juvenile.setChecked(True)
    assert "ticked juvenile" in counts.cells["counts.juveniles"].message_text()
    assert form.tabs.tabText(1).startswith("&Counts (")


def test_a_from_date_after_the_to_date_says_why_nothing_shows(qtbot, window):
    page = window.visits
    page.any_date.setChecked(False)
    page.date_from.setDate(page.date_to.date().addDays(5))
    assert page.date_hint.isVisible()
    assert "“From” is after “To”" in page.date_hint.text()
    page.date_from.setDate(page.date_to.date().addDays(-5))
    assert not page.date_hint.isVisible()


def test_the_review_screen_shows_the_report_as_printed_with_problems_marked(
    qtbot, window, seed, reference
):
    yesterday = dt.date.today() - dt.timedelta(days=1)
    report = make_visit(day=yesterday, custody_numbers=("01NS/0600/26",))
    report.header.departure_time = dt.time(15, 0)
    report.counts.in_custody = 1
    report.counts.offered = 1
    report.counts.accepted = 1
    report.counts.contact_cell = 1
    report.header.delay_reason = "Cell block busy."  # with no wait: a thing to check
    seed([report])
    window.visits.refresh()
    qtbot.waitUntil(lambda: window.visits.model.rowCount() == 1)
    with qtbot.waitSignal(window.form_opened):
        window.open_visit(report.id)
    form = window.form
    assert not [p for p in form.problems if p.severity.value == "error"]
    press(Qt.Key.Key_Return, CTRL)
    dialog = form.dialog
    from icv_app.ui.custody.submit_dialog import SubmitDialog

    assert isinstance(dialog, SubmitDialog)
    text = dialog.review.toPlainText()
    assert form.reference_text() in text  # the reference, as on the PDF
    assert "01NS/0600/26" in text and "Cell block busy." in text
    assert "To check" in text  # the delay reason with no wait is marked
    assert "Not recorded" in text  # empty fields are shown as such
    from PySide6.QtWidgets import QLabel

    notes = [label.text() for label in dialog.findChildren(QLabel)]
    assert "1 thing to check is marked in the report. You can still submit." in notes
    dialog.reject()
