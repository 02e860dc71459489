"""Keyboard without traps: the focus can be seen at a glance, every Alt+letter shown does
one thing and does what it says, and Tab walks each part of a screen once, top to bottom,
and back with Shift+Tab, never stuck inside a field."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QObject, QPoint, QRect, Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLayout,
    QLineEdit,
    QMenuBar,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.visit import VisitStatus
from icv_app.ui.custody.amendment_dialog import AmendmentDialog
from icv_app.ui.custody.submit_dialog import SubmitDialog
from icv_app.ui.shared.focus_style import FOCUS_COLOUR, RING_WIDTH, FocusTracker
from icv_app.ui.shared.form_section import INPUT_TYPES
from icv_app.ui.shell.passphrase_dialog import PassphraseDialog
from icv_app.ui.sync.sign_in_dialog import SignInDialog
from tests.gui.conftest import focused, make_visit, press, type_text

pytestmark = pytest.mark.gui

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
FORM_TABS = range(7)  # Header, Counts, Detainees, Conditions, Issues, Amendments, Messages
# The offscreen platform cannot raise a menu's popup or grab the keyboard for it; the
# menu opens and takes the keys all the same.
OPENS_MENUS = pytest.mark.qt_log_ignore(
    r"does not support raise\(\)", "does not support grabbing the keyboard", extend=True
)


def describe(widget: QObject | None) -> str:
    if widget is None:
        return "nothing"
    name = widget.accessibleName() if isinstance(widget, QWidget) else ""
    text = getattr(widget, "text", lambda: "")()
    return f"{type(widget).__name__} {name or text or widget.objectName()!r}"


def has_focus(widget: QWidget) -> bool:
    now = focused()
    return now is widget or now is widget.focusProxy() or now.focusProxy() is widget


def wait_active(qtbot, window: QWidget) -> None:  # type: ignore[no-untyped-def]
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


# The focus ring -------------------------------------------------------------------------
def grab(widget: QWidget) -> QImage:
    return widget.grab().toImage()


def rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def ring_share(image: QImage, rect: QRect) -> float:
    """The share of the band RING_WIDTH px wide just outside ``rect`` (its rounded
    corners left out) that is painted in the focus colour."""
    colour = FOCUS_COLOUR.rgb()
    inset = RING_WIDTH + 2
    points = [
        (x, y)
        for x in range(rect.left() + inset, rect.right() - inset + 1)
        for d in range(1, RING_WIDTH + 1)
        for y in (rect.top() - d, rect.bottom() + d)
    ] + [
        (x, y)
        for y in range(rect.top() + inset, rect.bottom() - inset + 1)
        for d in range(1, RING_WIDTH + 1)
        for x in (rect.left() - d, rect.right() + d)
    ]
    assert points and all(image.rect().contains(x, y) for x, y in points), "ring off screen"
    return sum(image.pixel(x, y) == colour for x, y in points) / len(points)


def focus_pixels(image: QImage, rect: QRect) -> int:
    """How many pixels inside ``rect`` are in the focus colour."""
    colour = FOCUS_COLOUR.rgb()
    return sum(
        image.pixel(x, y) == colour
        for x in range(rect.left(), rect.right() + 1)
        for y in range(rect.top(), rect.bottom() + 1)
    )


def ring_on(tracker: FocusTracker, widget: QWidget) -> bool:
    ring = tracker.ring
    return ring is not None and ring.widget() is widget


def wait_ring(qtbot, tracker: FocusTracker, widget: QWidget) -> None:  # type: ignore[no-untyped-def]
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: has_focus(widget) and ring_on(tracker, widget))


KINDS: dict[str, Callable[[], QWidget]] = {
    "line edit": QLineEdit,
    "plain-text edit": QPlainTextEdit,
    "spin box": QSpinBox,
    "date edit": QDateEdit,
    "combo box": lambda: _combo(),
    "check box": lambda: QCheckBox("Juvenile (under 18)"),
    "radio button": lambda: QRadioButton("In person"),
    "push button": lambda: QPushButton("Add visitor"),
}


def _combo() -> QComboBox:
    combo = QComboBox()
    combo.addItems(["Not recorded", "Male", "Female"])
    return combo


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_focused_input_has_a_strong_ring_round_it_and_only_while_focused(
    qtbot, focus_style, kind
):
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    widget = KINDS[kind]()
    other = QLineEdit()
    layout.addWidget(widget)
    layout.addWidget(other)
    wait_active(qtbot, window)

    wait_ring(qtbot, focus_style, widget)
    assert ring_share(grab(window), rect_in(widget, window)) > 0.9

    wait_ring(qtbot, focus_style, other)
    assert ring_share(grab(window), rect_in(widget, window)) == 0
    assert ring_share(grab(window), rect_in(other, window)) > 0.9


def test_the_ring_stays_when_a_style_sheet_is_set_round_the_focused_input(
    qtbot, focus_style
):
    # As a field's problem mark does: a frame round the input gets a style sheet.
    window = QWidget()
    qtbot.addWidget(window)
    mark = QFrame()
    mark.setObjectName("fieldMarker")
    field = QLineEdit()
    QVBoxLayout(mark).addWidget(field)
    layout = QVBoxLayout(window)
    layout.addWidget(mark)
    layout.addWidget(QLineEdit())
    wait_active(qtbot, window)
    wait_ring(qtbot, focus_style, field)
    mark.setStyleSheet("QFrame#fieldMarker { border: 2px solid #b3261e; }")
    assert ring_on(focus_style, field)
    assert ring_share(grab(window), rect_in(field, window)) > 0.9


def test_a_read_only_field_of_a_submitted_report_shows_the_ring(
    qtbot, window, seed, focus_style
):
    report = make_visit(status=VisitStatus.SUBMITTED)
    seed([report])
    window.open_visit(report.id)
    officer = window.form.header.officer
    assert officer.isReadOnly()  # painted through the form's style sheet
    window.form.header.reveal(officer)
    wait_ring(qtbot, focus_style, officer)
    assert ring_share(grab(window), rect_in(officer, window)) > 0.9


def test_the_ring_stays_while_a_fields_problem_mark_comes_and_goes(
    qtbot, window, seed, focus_style
):
    report = make_visit()  # no departure time yet: the field is marked "to fix"
    seed([report])
    window.open_visit(report.id)
    form = window.form
    departure = form.header.departure
    assert form.cell_message("header.departure_time")
    wait_ring(qtbot, focus_style, departure)
    type_text("15:30")
    qtbot.waitUntil(lambda: not form.cell_message("header.departure_time"))
    # Setting the mark's style sheet restyles the field; the ring is still round it.
    assert has_focus(departure) and ring_on(focus_style, departure)
    assert ring_share(grab(window), rect_in(departure, window)) > 0.9


def test_the_current_tab_and_the_current_row_are_ringed_when_focused(
    qtbot, window, seed, focus_style
):
    report = make_visit(custody_numbers=("01NS/0421/26", "01NS/0422/26"))
    seed([report])
    window.open_visit(report.id)
    form = window.form
    bar = form.tabs.tabBar()
    form.tabs.setCurrentWidget(form.detainees)
    table = form.detainees.table

    def current_tab() -> QRect:
        return bar.tabRect(bar.currentIndex())

    def current_cell() -> QRect:
        cell = table.visualRect(table.currentIndex())
        return QRect(table.viewport().mapTo(table, cell.topLeft()), cell.size())

    bar.setFocus()
    qtbot.waitUntil(bar.hasFocus)
    assert focus_pixels(grab(bar), current_tab()) > current_tab().width()
    assert focus_pixels(grab(table), current_cell()) == 0

    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    assert focus_pixels(grab(table), current_cell()) > current_cell().width()
    assert focus_pixels(grab(bar), current_tab()) == 0
    # ... and the table as a whole has the ring round it.
    assert ring_on(focus_style, table)


# Mnemonics ------------------------------------------------------------------------------
def mnemonic(text: str) -> str:
    """The letter after a single "&" ("" if none; "&&" is a literal ampersand)."""
    i = text.find("&")
    while 0 <= i < len(text) - 1:
        if text[i + 1] != "&":
            return text[i + 1].lower()
        i = text.find("&", i + 2)
    return ""


@dataclass(frozen=True)
class Mnemonic:
    """An Alt+letter shown on a menu title, a tab, a label, a button or a group box."""

    letter: str
    text: str
    owner: QObject  # the menu bar's QAction, the QTabBar, QLabel, button or QGroupBox
    index: int = -1  # the tab's

    def __str__(self) -> str:
        return f"{type(self.owner).__name__} {self.text!r}"


def shown_mnemonics(window: QWidget) -> list[Mnemonic]:
    """Every mnemonic shown in ``window`` now: menu bar titles, visible tab titles, visible
    labels with a buddy, buttons and check boxes, group boxes. A disabled button's letter
    is shown too (and works once it is enabled), so it counts."""
    found: list[Mnemonic] = []

    def add(text: str, owner: QObject, index: int = -1) -> None:
        if letter := mnemonic(text):
            found.append(Mnemonic(letter, text, owner, index))

    for bar in window.findChildren(QMenuBar):
        if bar.isVisible():
            for action in bar.actions():
                if action.isVisible():
                    add(action.text(), action)
    for tabs in window.findChildren(QTabBar):
        if tabs.isVisible():
            for i in range(tabs.count()):
                if tabs.isTabVisible(i) and tabs.isTabEnabled(i):
                    add(tabs.tabText(i), tabs, i)
    for label in window.findChildren(QLabel):
        if label.isVisible() and label.buddy() is not None:
            add(label.text(), label)
    for group in window.findChildren(QGroupBox):
        if group.isVisible():
            add(group.title(), group)
    for button in window.findChildren(QAbstractButton):
        if button.isVisible():
            add(button.text(), button)
    return found


def collisions(mnemonics: list[Mnemonic]) -> dict[str, list[str]]:
    by_letter: dict[str, list[str]] = {}
    for m in mnemonics:
        by_letter.setdefault(m.letter, []).append(str(m))
    return {letter: owners for letter, owners in by_letter.items() if len(owners) > 1}


def press_order(m: Mnemonic) -> int:
    """Buttons last: pressing one may change the screen (add a row, close a dialog)."""
    owner = m.owner
    return 2 if isinstance(owner, QPushButton) else 1 if isinstance(owner, QCheckBox) else 0


def can_work(m: Mnemonic) -> bool:
    """Whether the mnemonic can do anything now (a disabled button's is asleep; a label
    whose field is disabled has nowhere to go)."""
    owner = m.owner
    if isinstance(owner, QLabel):
        buddy = owner.buddy()
        return buddy.isEnabled() and buddy.isVisible()
    if isinstance(owner, QWidget):
        return owner.isEnabled()
    return True


def press_mnemonic(qtbot, m: Mnemonic) -> None:  # type: ignore[no-untyped-def]
    """Press Alt+letter and check that it does what it says."""
    key = Qt.Key(ord(m.letter.upper()))
    owner = m.owner
    if isinstance(owner, QAction):
        menu = owner.menu()
        press(key, ALT)
        qtbot.waitUntil(menu.isVisible)
        assert QApplication.activePopupWidget() is menu
        press(Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not menu.isVisible())
    elif isinstance(owner, QTabBar):
        press(key, ALT)
        assert owner.currentIndex() == m.index, f"Alt+{m.letter} did not show {m}"
    elif isinstance(owner, QLabel):
        press(key, ALT)
        assert has_focus(owner.buddy()), (
            f"Alt+{m.letter} ({m}) went to {describe(focused())}, not its field"
        )
    elif isinstance(owner, QGroupBox):
        press(key, ALT)
        assert owner.isAncestorOf(focused()), f"Alt+{m.letter} did not go into {m}"
    elif isinstance(owner, QAbstractButton):
        signal = owner.toggled if owner.isCheckable() else owner.clicked
        with qtbot.waitSignal(signal, timeout=2000):  # clicked, as Qt 6 does: not focused
            press(key, ALT)
    else:
        raise AssertionError(f"no check for {m}")


def check_mnemonics(qtbot, window: QWidget, restore: Callable[[], None]) -> None:  # type: ignore[no-untyped-def]
    shown = shown_mnemonics(window)
    assert shown
    assert collisions(shown) == {}
    for m in sorted(shown, key=press_order):
        if can_work(m):
            press_mnemonic(qtbot, m)
        restore()


@pytest.fixture
def reports(seed):
    draft = make_visit(custody_numbers=("01NS/0421/26",), issue_text="Cell 3 was cold.")
    draft.header.tact = True  # every header field enabled
    submitted = make_visit(
        "suite-canal-street", dt.date(2026, 3, 3), status=VisitStatus.SUBMITTED,
        custody_numbers=("01NS/0500/26",), issue_text="Bell not answered.",
    )
    seed([draft, submitted])
    return {VisitStatus.DRAFT: draft, VisitStatus.SUBMITTED: submitted}


@pytest.fixture(autouse=True)
def keep_records(monkeypatch):
    """Remove asks before it removes a record with data; here the answer is always No."""
    monkeypatch.setattr(
        QMessageBox, "question", lambda *_a, **_k: QMessageBox.StandardButton.No
    )


@OPENS_MENUS
@pytest.mark.parametrize("any_date", [True, False], ids=["any date", "dates chosen"])
def test_the_visits_list_mnemonics_differ_and_do_what_they_say(
    qtbot, window, reports, any_date
):
    page = window.visits
    page.any_date.setChecked(any_date)
    page.table.setFocus()
    check_mnemonics(qtbot, window, lambda: page.any_date.setChecked(any_date))
    # Alt+F is the File menu (the date label once had it).
    assert "f" in {m.letter for m in shown_mnemonics(window) if isinstance(m.owner, QAction)}


@OPENS_MENUS
@pytest.mark.parametrize("tab", FORM_TABS)
@pytest.mark.parametrize("status", [VisitStatus.DRAFT, VisitStatus.SUBMITTED], ids=str)
def test_the_visit_form_mnemonics_differ_and_do_what_they_say(
    qtbot, window, reports, status, tab
):
    window.open_visit(reports[status].id)
    form = window.form
    form.tabs.setCurrentIndex(tab)
    titles = [form.tabs.tabText(i) for i in range(form.tabs.count())]
    assert [mnemonic(t) for t in titles] == ["h", "c", "t", "o", "i", "a", "m"]

    def restore() -> None:
        form.tabs.setCurrentIndex(tab)
        form.tabs.currentWidget().setFocus()

    check_mnemonics(qtbot, window, restore)


def _sign_in(server_url: str = "") -> SignInDialog:
    return SignInDialog(None, server_url=server_url)  # type: ignore[arg-type]  # never called


def _submit_ticked(report, reference) -> SubmitDialog:  # type: ignore[no-untyped-def]
    dialog = SubmitDialog(report, reference)
    for box in dialog.boxes.values():
        box.setChecked(True)
    return dialog


def _amendment_ready(submitted, reference) -> AmendmentDialog:  # type: ignore[no-untyped-def]
    dialog = AmendmentDialog(submitted, reference, field_path="header.officer_in_charge")
    dialog.value.setText("PS 1002")
    dialog.reason.setText("Officer's number mistyped")
    return dialog


DIALOGS: dict[str, Callable[..., QDialog]] = {
    "submit": lambda d, s, ref: SubmitDialog(d, ref),
    "submit, every visitor ticked": lambda d, s, ref: _submit_ticked(d, ref),
    "amendment": lambda d, s, ref: AmendmentDialog(s, ref),
    "amendment ready to add": lambda d, s, ref: _amendment_ready(s, ref),
    "sign-in": lambda d, s, ref: _sign_in(),
    "sign-in over http": lambda d, s, ref: _sign_in("http://192.0.2.10:8000"),
    "passphrase for a new profile": lambda d, s, ref: PassphraseDialog(new_profile=True),
    "passphrase": lambda d, s, ref: PassphraseDialog(new_profile=False, error="Wrong."),
}


@pytest.mark.parametrize("name", list(DIALOGS))
def test_each_dialogs_mnemonics_differ_and_do_what_they_say(qtbot, reports, reference, name):
    def open_dialog() -> QDialog:
        dialog = DIALOGS[name](reports[VisitStatus.DRAFT], reports[VisitStatus.SUBMITTED],
                               reference)
        qtbot.addWidget(dialog)
        wait_active(qtbot, dialog)
        return dialog

    shown = shown_mnemonics(open_dialog())
    assert shown
    assert collisions(shown) == {}
    # Each on a dialog of its own: a button may close it.
    for i in range(len(shown)):
        dialog = open_dialog()
        m = shown_mnemonics(dialog)[i]
        assert m.text == shown[i].text
        if can_work(m):
            press_mnemonic(qtbot, m)
        dialog.close()


# Tab order ------------------------------------------------------------------------------
def is_tab_stop(widget: QWidget) -> bool:
    return (
        widget.isVisible()
        and widget.isEnabled()
        and bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
    )


def reading_order(root: QWidget) -> list[QWidget]:
    """The inputs in ``root`` in the order its layouts show them: box layouts item by
    item, form rows label then field, grids row by row, a scroll area's content in place.
    Tab should meet the inputs that can take the focus in this order."""
    found: list[QWidget] = []

    def visit_widget(widget: QWidget) -> None:
        if isinstance(widget, INPUT_TYPES):
            found.append(widget)
            return  # not the parts of a composite input
        if isinstance(widget, QScrollArea) and widget.widget() is not None:
            visit_widget(widget.widget())
        if widget.layout() is not None:
            visit_layout(widget.layout())

    def visit_layout(layout: QLayout) -> None:
        if isinstance(layout, QFormLayout):
            roles = (QFormLayout.ItemRole.LabelRole, QFormLayout.ItemRole.FieldRole,
                     QFormLayout.ItemRole.SpanningRole)
            items = [layout.itemAt(row, role) for row in range(layout.rowCount())
                     for role in roles]
        elif isinstance(layout, QGridLayout):
            where = sorted(range(layout.count()), key=lambda i: layout.getItemPosition(i)[:2])
            items = [layout.itemAt(i) for i in where]
        else:
            items = [layout.itemAt(i) for i in range(layout.count())]
        for item in items:
            if item is None:
                continue
            if item.widget() is not None:
                visit_widget(item.widget())
            elif item.layout() is not None:
                visit_layout(item.layout())

    visit_widget(root)
    return [w for w in found if is_tab_stop(w)]


def walk(root: QWidget, forward: bool = True, limit: int = 400) -> list[QWidget]:
    """The widgets Tab (Shift+Tab) stops at from the focused one until it leaves
    ``root``, the first included. Fails if a press leaves the focus where it was."""
    stops = [focused()]
    for _ in range(limit):
        before = focused()
        if forward:
            press(Qt.Key.Key_Tab)
        else:
            press(Qt.Key.Key_Backtab, SHIFT)
        now = focused()
        assert now is not before, f"{'Tab' if forward else 'Shift+Tab'} is stuck in " \
            f"{describe(before)}"
        if not root.isAncestorOf(now):
            return stops
        stops.append(now)
    raise AssertionError(f"Tab never left {describe(root)}: {[describe(w) for w in stops]}")


def scroll_area_stops(stops: list[QWidget]) -> list[QWidget]:
    return [w for w in stops if isinstance(w, QScrollArea)]


def inputs_only(stops: list[QWidget]) -> list[QWidget]:
    # A section's scroll area takes a Tab stop of its own (a known fault, see
    # test_no_section_has_a_tab_stop_that_is_not_an_input); the inputs are judged here.
    return [w for w in stops if w not in scroll_area_stops(stops)]


def names(widgets: list[QWidget]) -> list[str]:
    return [describe(w) for w in widgets]


@pytest.mark.parametrize("tab", FORM_TABS)
@pytest.mark.parametrize("status", [VisitStatus.DRAFT, VisitStatus.SUBMITTED], ids=str)
def test_tab_meets_every_input_of_a_section_once_top_to_bottom_and_shift_tab_walks_back(
    qtbot, window, reports, status, tab
):
    window.open_visit(reports[status].id)
    form = window.form
    form.tabs.setCurrentIndex(tab)
    section = form.tabs.currentWidget()
    expected = reading_order(section)
    assert expected

    expected[0].setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: has_focus(expected[0]))
    forward = inputs_only(walk(section))
    assert names(forward) == names(expected)

    expected[-1].setFocus(Qt.FocusReason.BacktabFocusReason)
    qtbot.waitUntil(lambda: has_focus(expected[-1]))
    backward = inputs_only(walk(section, forward=False))
    assert names(backward) == names(expected[::-1])


def test_no_section_has_a_tab_stop_that_is_not_an_input(qtbot, window, reports):
    window.open_visit(reports[VisitStatus.DRAFT].id)
    form = window.form
    found = []
    for tab in FORM_TABS:
        form.tabs.setCurrentIndex(tab)
        bar = form.tabs.tabBar()
        bar.setFocus()
        qtbot.waitUntil(bar.hasFocus)
        press(Qt.Key.Key_Tab)  # into the section
        stops = walk(form.tabs.currentWidget())
        found += [describe(w) for w in stops if not isinstance(w, INPUT_TYPES)]
    assert found == []


def test_one_tab_leaves_a_date_and_shift_tab_comes_back(qtbot, window, reports):
    window.open_visit(reports[VisitStatus.DRAFT].id)
    header = window.form.header
    for date, before, after in (
        (header.visit_date, header.panel, header.arrival),
        (header.tact_copy_sent, header.tact, header.tact_recordings),
    ):
        date.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(lambda date=date: has_focus(date))
        press(Qt.Key.Key_Tab)
        assert has_focus(after), describe(focused())
        press(Qt.Key.Key_Backtab, SHIFT)
        assert has_focus(date), describe(focused())
        press(Qt.Key.Key_Backtab, SHIFT)
        assert has_focus(before), describe(focused())


def test_the_submit_dialog_tabs_through_the_ticks_then_submit_then_cancel(
    qtbot, reports, reference
):
    dialog = SubmitDialog(reports[VisitStatus.DRAFT], reference)
    qtbot.addWidget(dialog)
    wait_active(qtbot, dialog)
    first, second = dialog.boxes.values()
    assert has_focus(first)
    press(Qt.Key.Key_Space)
    press(Qt.Key.Key_Tab)
    assert has_focus(second)
    press(Qt.Key.Key_Space)
    assert dialog.submit_button.isEnabled()
    press(Qt.Key.Key_Tab)
    assert has_focus(dialog.submit_button)
    press(Qt.Key.Key_Tab)
    assert has_focus(dialog.cancel_button)
    press(Qt.Key.Key_Tab)
    assert has_focus(dialog.review)  # round to the report, then the ticks again
    press(Qt.Key.Key_Tab)
    assert has_focus(first)
    press(Qt.Key.Key_Backtab, SHIFT)
    assert has_focus(dialog.review)
    press(Qt.Key.Key_Backtab, SHIFT)
    assert has_focus(dialog.cancel_button)
    press(Qt.Key.Key_Backtab, SHIFT)
    assert has_focus(dialog.submit_button)


# The visits list ------------------------------------------------------------------------
@pytest.fixture
def three_visits(seed):
    visits = [
        make_visit("suite-ashford-road", dt.date(2026, 1, 10), officer="PS 4411"),
        make_visit("suite-canal-street", dt.date(2026, 2, 14), officer="PS 4412"),
        make_visit("suite-dunmore", dt.date(2026, 3, 20), officer="PS 7788"),
    ]
    seed(visits)
    return visits


def test_the_visits_list_starts_in_the_table_and_down_moves_through_the_visits(
    window, three_visits
):
    page = window.visits
    assert has_focus(page.table)
    newest_first = [v.id for v in reversed(three_visits)]
    assert page.selected_id() == newest_first[0]
    suite = page.suite.value()
    press(Qt.Key.Key_Down)
    assert page.selected_id() == newest_first[1]
    press(Qt.Key.Key_Down)
    assert page.selected_id() == newest_first[2]
    assert page.suite.value() == suite  # the Suite filter did not move
    assert has_focus(page.table)


def test_from_the_search_box_down_goes_to_the_results_and_enter_opens_the_current_one(
    qtbot, window, three_visits
):
    page = window.visits
    press(Qt.Key.Key_F, CTRL)
    assert has_focus(page.search)
    type_text("PS 441")
    press(Qt.Key.Key_Down)  # at once, before the search delay has passed
    assert has_focus(page.table)
    assert [r.id for r in page.model.rows] == [three_visits[1].id, three_visits[0].id]
    assert page.selected_id() == three_visits[1].id
    press(Qt.Key.Key_Down)
    assert page.selected_id() == three_visits[0].id
    press(Qt.Key.Key_F, CTRL)
    assert has_focus(page.search)
    with qtbot.waitSignal(window.form_opened) as opened:
        press(Qt.Key.Key_Return)
    assert opened.args == [three_visits[0].id]


def test_the_visits_list_is_sorted_from_the_keyboard(qtbot, window, three_visits):
    page = window.visits
    press(Qt.Key.Key_R, ALT)  # So&rt by
    assert has_focus(page.sort)
    press(Qt.Key.Key_Down)  # Date, oldest first
    assert [r.id for r in page.model.rows] == [v.id for v in three_visits]
    header = page.table.horizontalHeader()
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        0, Qt.SortOrder.AscendingOrder,
    )
    type_text("Sui")  # Suite, A to Z
    press(Qt.Key.Key_Down)
    assert page.sort.currentText() == "Suite, Z to A"
    assert [r.suite_id for r in page.model.rows] == [
        "suite-dunmore", "suite-canal-street", "suite-ashford-road",
    ]


@pytest.mark.parametrize("any_date", [True, False], ids=["any date", "dates chosen"])
def test_tab_walks_the_visits_list_filters_in_order_and_into_the_table(
    qtbot, window, three_visits, any_date
):
    page = window.visits
    page.any_date.setChecked(any_date)
    expected = reading_order(page)
    assert expected[0] is page.suite and expected[-1] is page.table
    assert (page.date_from in expected) is (not any_date)
    page.suite.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: has_focus(page.suite))
    stops = [focused()]
    for _ in expected[1:]:
        press(Qt.Key.Key_Tab)
        stops.append(focused())
    assert names(stops) == names(expected)
    for widget in reversed(expected[:-1]):
        press(Qt.Key.Key_Backtab, SHIFT)
        assert has_focus(widget), describe(focused())
