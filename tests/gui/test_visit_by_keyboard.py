"""A volunteer records, submits and amends a visit with the keyboard alone."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QTabBar,
    QTextEdit,
    QWidget,
)

from icv_app.domain.custody.visit import ReportLocked, VisitStatus
from icv_app.store.custody.visits import save_visit
from icv_app.ui.custody.amendment_dialog import AmendmentDialog
from icv_app.ui.custody.submit_dialog import SubmitDialog
from icv_app.ui.shared.form_section import INPUT_TYPES
from tests.gui.conftest import focused, press, tab_to, type_text

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def editable_inputs(root: QWidget) -> list[QWidget]:
    """Inputs that could change the report (not tables, tabs or the amendments view)."""
    found = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, INPUT_TYPES) or isinstance(widget, QAbstractItemView):
            continue
        if isinstance(widget, QTextEdit) and widget.isReadOnly():
            continue  # the amendments view is read-only text by design
        if isinstance(widget.parent(), QTabBar):
            continue
        if widget.objectName().startswith("qt_"):
            continue  # parts of composite widgets (spin box line edits, scroll buttons)
        found.append(widget)
    return found


def is_locked(widget: QWidget) -> bool:
    if not widget.isEnabled():
        return True
    if isinstance(widget, QLineEdit | QPlainTextEdit | QAbstractSpinBox):
        return widget.isReadOnly()
    return isinstance(widget, QAbstractButton) and widget.text() in ("Export PDF…",)


def test_volunteer_records_submits_and_amends_a_visit(qtbot, window, service, store):
    # New visit: Ctrl+N opens a draft dated now, focus in the suite; it is kept from the
    # first thing typed.
    with qtbot.waitSignal(window.form_opened):
        press(Qt.Key.Key_N, CTRL)
    form = window.form
    visit_id = form.report.id
    header = form.header
    assert focused() is header.suite

    type_text("Canal")
    qtbot.waitUntil(lambda: form.autosaver.idle)
    assert service.load(visit_id).status is VisitStatus.DRAFT
    assert form.report.header.suite_id == "suite-canal-street"
    assert form.report.header.panel == "City panel"
    tab_to(header.arrival)
    type_text("14:05")
    tab_to(header.admitted)
    type_text("14:10")
    tab_to(header.departure)
    type_text("15:30")
    tab_to(header.visitors.add_button)
    press(Qt.Key.Key_Space)
    assert focused() is header.visitors.rows[0][0]
    type_text("Cass")
    tab_to(header.visitors.add_button)
    press(Qt.Key.Key_Space)
    type_text("Gus")
    tab_to(header.officer)
    type_text("PS 1234")
    h = form.report.header
    assert [v.visitor_id for v in h.visitors] == ["v-003", "v-007"]
    assert (h.arrival_time.isoformat(), h.admitted_time.isoformat(),
            h.departure_time.isoformat()) == ("14:05:00", "14:10:00", "15:30:00")
    assert h.officer_in_charge == "PS 1234"

    # Two detainees, by custody number only.
    press(Qt.Key.Key_D, CTRL)
    assert focused() is form.detainees.editor.custody_number
    type_text("01NS/0421/26")
    tab_to(form.detainees.editor.consent_to_talk)
    type_text("Y")
    press(Qt.Key.Key_D, CTRL)
    type_text("01NS/0422/26")
    assert [d.custody_number for d in form.report.detainees] == ["01NS/0421/26", "01NS/0422/26"]
    assert form.report.detainees[0].consent_to_talk is True

    # One issue.
    press(Qt.Key.Key_I, CTRL)
    assert focused() is form.issues.editor.text
    type_text("Call bell in cell 4 not answered for ten minutes.")
    tab_to(form.issues.editor.raised_with)
    type_text("PS 1234")
    tab_to(form.issues.editor.response)
    type_text("Bell repaired during the visit.")
    tab_to(form.issues.editor.resolved)
    type_text("Y")
    issue = form.report.issues[0]
    assert issue.resolved is True and issue.raised_with == "PS 1234"

    # Counts that add up.
    press(Qt.Key.Key_C, ALT)
    assert form.tabs.currentWidget() is form.counts
    boxes = form.counts.boxes
    for name, value in (
        ("in_custody", "4"), ("male", "3"), ("female", "1"), ("offered", "3"),
        ("accepted", "2"), ("declined", "1"), ("not_offered", "1"),
    ):
        tab_to(boxes[name])
        type_text(value)
    tab_to(form.counts.reason_boxes[next(iter(form.counts.reason_boxes))])
    type_text("1")
    c = form.report.counts
    assert (c.in_custody, c.offered, c.accepted, c.not_offered) == (4, 3, 2, 1)
    assert [p for p in form.problems if p.severity.value == "error"] == []

    # Submit: both visitors confirm.
    press(Qt.Key.Key_Return, CTRL)
    dialog = form.dialog
    assert isinstance(dialog, SubmitDialog)
    qtbot.waitExposed(dialog)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    assert not dialog.submit_button.isEnabled()
    tab_to(next(iter(dialog.boxes.values())))
    press(Qt.Key.Key_Space)
    press(Qt.Key.Key_Tab)
    press(Qt.Key.Key_Space)
    assert dialog.submit_button.isEnabled()
    with qtbot.waitSignal(form.submitted, timeout=5000):
        press(Qt.Key.Key_Return)
    assert form.report.is_submitted

    # The form can no longer be edited ...
    sections = [form.header, form.counts, form.detainees, form.conditions, form.issues]
    unlocked = [
        w.accessibleName() for s in sections for w in editable_inputs(s) if not is_locked(w)
    ]
    assert unlocked == []
    press(Qt.Key.Key_D, CTRL)
    assert len(form.report.detainees) == 2
    # ... and the store refuses a change even if one got through.
    stored = service.load(visit_id)
    assert stored.status is VisitStatus.SUBMITTED
    assert stored.confirmed_by == ["v-003", "v-007"]
    with pytest.raises(ReportLocked):
        service.autosave(stored).result()
    stored.header.officer_in_charge = "changed"
    with pytest.raises(ReportLocked):
        store.writer.submit(lambda db: save_visit(db, stored)).result()

    # The list shows it as submitted.
    press(Qt.Key.Key_W, CTRL)
    model = window.visits.model
    row = model.rows[model.row_of(visit_id)]
    assert row.status is VisitStatus.SUBMITTED
    assert (row.detainee_count, row.issue_count, row.amendment_count) == (2, 1, 0)

    # Reopen with Enter and correct the departure time in place: Ctrl+Shift+A in the
    # field opens the amendment with that field chosen.
    assert window.visits.selected_id() == visit_id
    assert focused() is window.visits.table
    with qtbot.waitSignal(window.form_opened):
        press(Qt.Key.Key_Return)
    form.header.departure.setFocus()
    press(Qt.Key.Key_A, CTRL | Qt.KeyboardModifier.ShiftModifier)
    amend = form.dialog
    assert isinstance(amend, AmendmentDialog)
    qtbot.waitExposed(amend)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is amend)
    assert amend.field.value() == "header.departure_time"
    assert focused() is amend.value
    type_text("15:50")
    press(Qt.Key.Key_Tab)
    assert focused() is amend.reason
    type_text("Departure time mistyped")
    press(Qt.Key.Key_Tab)
    type_text("Departure was 15:50, not 15:30.")
    press(Qt.Key.Key_Tab)
    with qtbot.waitSignal(form.amended, timeout=5000):
        press(Qt.Key.Key_Return)
    shown = form.amendments_panel.plain_text()
    assert "Departure time mistyped" in shown
    assert "Departure was 15:50, not 15:30." in shown
    assert "Cass Ingleby" in shown
    # The form shows the corrected value, with the original and the reason beside it;
    # the report as submitted is unchanged.
    assert form.header.departure.text() == "15:50"
    note = form.header.cells["header.departure_time"].note_text()
    assert "15:30" in note and "Departure time mistyped" in note
    assert service.load(visit_id).header.departure_time.isoformat() == "15:30:00"

    press(Qt.Key.Key_W, CTRL)
    row = model.rows[model.row_of(visit_id)]
    assert row.amendment_count == 1
    column = 6
    assert model.data(model.index(model.row_of(visit_id), column)) == 1
