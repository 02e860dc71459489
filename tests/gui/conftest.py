"""Fixtures for driving the desktop UI offscreen, the way a volunteer uses it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import (
    Detainee,
    IssueRaised,
    VisitorOnVisit,
    VisitReport,
    VisitStatus,
)
from icv_app.services.custody.visits import VisitService
from icv_app.store.custody.visits import insert_many
from icv_app.store.local_store import LocalStore
from icv_app.ui.shell.app import build_main_window
from icv_app.ui.shell.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture(scope="session", autouse=True)
def focus_style(qapp):  # type: ignore[no-untyped-def]
    """The focus ring the app installs (application()), on pytest-qt's own QApplication:
    every GUI test runs with the style and the ring the volunteer sees."""
    from icv_app.ui.shared.focus_style import install_focus_style

    return install_focus_style(qapp)


def late_today(reference: ReferenceData) -> Callable[[], dt.datetime]:
    """A clock stopped at 23:59 today on the scheme's wall clock: any time a test types
    for today is in the past, whatever time of day the tests run."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(reference.time_zone)
    moment = dt.datetime.combine(dt.datetime.now(zone).date(), dt.time(23, 59), tzinfo=zone)
    return lambda: moment


@pytest.fixture
def service(store: LocalStore, reference: ReferenceData) -> VisitService:
    return VisitService(store, reference, clock=late_today(reference))


@pytest.fixture
def window(qtbot, store: LocalStore, reference: ReferenceData) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    win = build_main_window(store, reference)
    win.service.clock = late_today(reference)

    def let_saves_land(w: MainWindow) -> None:
        # Before the window closes: pytest-qt closes and deletes it before any fixture's
        # teardown, and a deleted form never hears of its last save, so waiting after the
        # yield timed out whenever a save was still in flight (a slow or busy machine).
        if w._form is not None:
            qtbot.waitUntil(lambda: w.form.autosaver.idle, timeout=5000)

    qtbot.addWidget(win, before_close_func=let_saves_land)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    yield win
    # Queued saves have landed (let_saves_land) before the store fixture closes the writer.


def make_visit(
    suite_id: str = "suite-ashford-road",
    day: dt.date = dt.date(2026, 3, 2),
    arrival: dt.time = dt.time(14, 0),
    status: VisitStatus = VisitStatus.DRAFT,
    custody_numbers: tuple[str, ...] = (),
    issue_text: str = "",
    officer: str = "PS 1001",
) -> VisitReport:
    """A synthetic report (no real names or custody numbers)."""
    report = VisitReport()
    h = report.header
    h.suite_id = suite_id
    h.visit_date = day
    h.arrival_time = arrival
    h.officer_in_charge = officer
    h.visitors = [VisitorOnVisit("v-001"), VisitorOnVisit("v-002")]
    report.detainees = [Detainee(custody_number=n) for n in custody_numbers]
    if issue_text:
        report.issues = [IssueRaised(text=issue_text, raised_with="PS 1001", resolved=True)]
    report.status = status
    if status is VisitStatus.SUBMITTED:
        report.submitted_at = dt.datetime(2026, 3, 2, 16, 0, tzinfo=dt.UTC)
        report.confirmed_by = ["v-001", "v-002"]
    return report


@pytest.fixture
def seed(store: LocalStore) -> Callable[[list[VisitReport]], None]:
    """Put reports straight into the store (before the window opens)."""

    def put(reports: list[VisitReport]) -> None:
        store.writer.submit(lambda db: insert_many(db, reports)).result()

    return put


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    return widget


def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A key press where the focus is (else to the active window), as a keyboard sends it."""
    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert target is not None, "no window is active"
    QTest.keyClick(target, key, modifier)


def type_text(text: str) -> None:
    QTest.keyClicks(focused(), text)


def tab_to(widget: QWidget, limit: int = 120) -> None:
    """Press Tab until ``widget`` has the focus (it must be reachable by Tab)."""
    for _ in range(limit):
        if focused() is widget or focused().focusProxy() is widget:
            return
        press(Qt.Key.Key_Tab)
    raise AssertionError(
        f"Tab never reached {widget.accessibleName() or type(widget).__name__}"
    )


@pytest.fixture
def coordinator(window: MainWindow, store: LocalStore, reference: ReferenceData):  # type: ignore[no-untyped-def]
    """The window as a coordinator's laptop shows it: the Coordination menu attached,
    with the scheme's date fixed at 2026-03-20 (after the fixtures' visits)."""
    from icv_app.services.custody.coordination import CoordinationService
    from icv_app.services.custody.reference import ReferenceService
    from icv_app.ui.coordinator.page import CoordinatorContext

    context = CoordinatorContext(
        visits=window.service,
        coordination=CoordinationService(store),
        references=ReferenceService(store, reference),
        reference=lambda: window.reference,
        username="coord.one",
        today=lambda: dt.date(2026, 3, 20),
        open_report=window.open_report_from_page,
    )
    window.attach_coordinator(context)
    return context


def sign_in_survey(qtbot, window: MainWindow, store: LocalStore, *, role: str,  # type: ignore[no-untyped-def]
                   user_id: str, username: str,
                   now: Callable[[], dt.datetime] | None = None, show: bool = True) -> None:
    """The window as a survey account's laptop has it once sync says who is signed in:
    the Survey menu offered (on its home page for an interviewer or a survey manager),
    the window on screen and active (``show``)."""
    from icv_app.services.sync import SyncStatus
    from icv_app.ui.survey.page import SurveyContext

    def context(status: SyncStatus) -> SurveyContext:
        made = SurveyContext(store=store, user_id=user_id, username=status.username or "",
                             role=role, show_page=window.show_page)
        if now is not None:
            made.now = now
        return made

    window.offer_survey(context)
    if show:
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
    window.sync_status_changed(SyncStatus(signed_in=True, username=username, role=role))

