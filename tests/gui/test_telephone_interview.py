"""A whole telephone interview, from the call queue to the end, with the keyboard alone,
in the main window of an interviewer's laptop: the queue shows no number until a case is
opened; the interview routes past a skipped question, refuses an impossible age with the
form's message, is put off with a call back (Ctrl+L) that comes back on time, resumes
with every answer, completes, and the call's outcome and the closed case's missing phone
number follow."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from icv_app.domain.serialize import to_dict
from icv_app.domain.survey.records import CallOutcome, SampleCase
from icv_app.services.survey.cati import CatiService
from icv_app.services.survey.instruments import InstrumentService
from icv_app.store.local_store import LocalStore
from icv_app.store.records import load_record, save_record
from icv_app.survey_commands import shipped_forms
from icv_app.ui.survey.calls_page import CallsPage
from icv_app.ui.survey.interview_page import InterviewPage
from tests.gui.conftest import focused, press, sign_in_survey, type_text

pytestmark = pytest.mark.gui

ME = "4d1f6a0e-2b9c-4e7a-8f31-5c6d7e8f9a01"
PHONE = "07700 900123"  # Ofcom's drama range: never anyone's
ENTER = Qt.Key.Key_Return
CTRL = Qt.KeyboardModifier.ControlModifier


class Clock:
    def __init__(self) -> None:
        self.at = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def __call__(self) -> dt.datetime:
        return self.at


@pytest.fixture
def case_id(store: LocalStore) -> str:
    InstrumentService(store).import_file(shipped_forms()["perception"])
    case = SampleCase(form_id="perception", case_ref="S-0042", phone=PHONE,
                      area="Shropshire", strata={"band": "urban"}, interviewer_id=ME)
    body = to_dict(case)
    store.writer.submit(lambda db: save_record(db, "sample_case", body)).result()
    return case.id


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def interviewer(qtbot, window, store, clock, case_id):  # type: ignore[no-untyped-def]
    sign_in_survey(qtbot, window, store, role="interviewer", user_id=ME,
                   username="int.one", now=clock)
    page = window.current_page
    assert isinstance(page, CallsPage)
    return page


def shown_texts(window) -> list[str]:  # type: ignore[no-untyped-def]
    return [w.text() for w in window.findChildren(QLabel) if w.isVisible()]


def phone_anywhere(window) -> bool:  # type: ignore[no-untyped-def]
    return any(PHONE in text for text in shown_texts(window))


def current(page: InterviewPage) -> str:
    assert page.runner is not None and page.runner.interview.current is not None
    step = page.runner.interview.current
    assert focused() is page.runner.input, f"the focus left the answer to {step.name}"
    return step.name


def answer(page: InterviewPage, until: str, choose: dict[str, str]) -> list[str]:
    """Answer with the keyboard until the question ``until`` is asked: a digit for a
    choice (``choose`` gives others), typed text otherwise, Enter after each."""
    asked = []
    for _ in range(60):
        name = current(page)
        if name == until:
            return asked
        asked.append(name)
        assert page.runner is not None and page.runner.interview.current is not None
        kind = page.runner.interview.current.type
        if kind in ("select_one", "select_multiple"):
            type_text(choose.get(name, "2"))
        elif kind == "text":
            type_text("Speeding on rural roads")
        elif kind == "integer":
            type_text(choose.get(name, "40"))
        press(ENTER)
    raise AssertionError(f"never reached {until}")


def test_a_whole_telephone_interview_by_keyboard_with_a_skip_a_refusal_and_a_call_back(
        qtbot, window, store, clock, case_id, interviewer):
    calls = interviewer
    # The queue: the case, due now, and no phone number anywhere.
    assert [e.case_ref for e in calls.entries] == ["S-0042"]
    assert calls.entries[0].due and not phone_anywhere(window)
    assert focused() is calls.table

    press(ENTER)  # open the case: now its number shows, beside the call's outcomes
    assert calls.phone.text() == PHONE and focused() is calls.start_button
    press(ENTER, CTRL)  # the call reached someone: start the interview
    page = window.current_page
    assert isinstance(page, InterviewPage) and page.phone.text() == PHONE
    assert page.runner is not None
    # The case's area and the mode come with the case: not asked.
    assert page.runner.interview.answers["area"] == "shropshire"
    assert page.runner.interview.answers["interview_mode"] == "telephone"

    asked = answer(page, "trust_police", {"consent": "1", "officer_seen_frequency": "5",
                                          "crime_asb_change": "3"})
    assert "officer_seen_where" not in asked  # "never" seen an officer: skipped
    assert "crime_asb_increase_detail" not in asked
    assert "area" not in asked and "interview_mode" not in asked
    assert window.show_page("calls") is None  # the window does not leave an interview

    # The respondent asks to be called back: Ctrl+L, the time offered, Enter.
    seen: list[str] = []

    def accept_call_back() -> None:  # once the dialog is up (it runs its own loop)
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(10, accept_call_back)
            return
        seen.append(dialog.windowTitle())
        dialog.activateWindow()
        QTest.keyClick(dialog.focusWidget() or dialog, ENTER)

    QTimer.singleShot(0, accept_call_back)
    press(Qt.Key.Key_L, CTRL)
    assert seen == ["Call back later"]
    assert window.current_page is calls and not phone_anywhere(window)
    interview_id = json.loads(store.reader.execute(
        "SELECT body FROM survey_interviews").fetchone()[0])["id"]
    attempts = [json.loads(b) for (b,) in store.reader.execute(
        "SELECT body FROM call_attempts").fetchall()]
    assert [a["outcome"] for a in attempts] == ["appointment"]
    appointment = dt.datetime.fromisoformat(attempts[0]["appointment_at"])
    assert appointment > clock.at
    assert not calls.entries[0].due  # not before its time
    assert "Interview in progress" in calls.model.text(0, 5)
    assert "1 interview in progress" in calls.summary.text()

    # The appointment comes back on time: the timer is set for it, and when it fires
    # (the clock moved on) the case is due again and the status bar says so.
    assert calls.due_timer.isActive()
    due_in = (calls.cati.next_due_at(clock.at) - clock.at).total_seconds() * 1000
    assert abs(calls.due_timer.remainingTime() - due_in) < 5000
    clock.at = appointment
    with qtbot.waitSignal(calls.status_message) as said:
        calls.due_timer.timeout.emit()
    assert "S-0042" in said.args[0] and calls.entries[0].due

    window.activateWindow()  # the dialog was the active window; back to the queue
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    calls.table.setFocus()
    press(ENTER)
    assert "in progress" in calls.case_note.text()
    press(ENTER, CTRL)  # goes on where it stopped, with every answer
    page = window.current_page
    assert isinstance(page, InterviewPage) and page.runner is not None
    assert page.runner.interview.id == interview_id
    assert current(page) == "trust_police"
    assert page.runner.interview.answers["officer_seen_frequency"] == "never"

    answer(page, "age", {})
    type_text("7")  # refused: the form's constraint, and the interview waits
    press(ENTER)
    assert current(page) == "age"
    assert page.runner.message.text() == "The age must be between 16 and 110."
    assert page.runner.message.isVisible()
    press(Qt.Key.Key_A, CTRL)
    type_text("34")
    press(ENTER)
    answer(page, "end_note", {})
    press(ENTER)  # the end: Enter completes
    if window.current_page is page:  # a last Enter on "Complete interview"
        press(ENTER)
    qtbot.waitUntil(lambda: window.current_page is calls)

    stored = load_record(store.reader, "survey_interview", interview_id)
    assert stored is not None and stored["status"] == "complete"
    answers = json.loads(stored["answers_json"])
    assert answers["age"] == 34 and "officer_seen_where" not in answers
    paradata = json.loads(stored["paradata_json"])
    assert paradata  # timings and changes kept
    outcomes = [json.loads(b)["outcome"] for (b,) in store.reader.execute(
        "SELECT body FROM call_attempts ORDER BY json_extract(body, '$.at')").fetchall()]
    assert outcomes == ["appointment", CallOutcome.COMPLETED.value]
    # The case is closed by the complete interview: its number is off this laptop.
    case = load_record(store.reader, "sample_case", case_id)
    assert case is not None and case["phone"] == ""
    assert calls.entries == [] and not phone_anywhere(window)
    assert CatiService(store, ME, now=clock).figures().completes == 1
    # The interviewer's own figures, worked out off the UI thread, follow.
    qtbot.waitUntil(lambda: "Today: 2 calls, 1 complete" in calls.figures.text())


def _body(store: LocalStore, table: str) -> list[dict[str, Any]]:
    return [json.loads(b) for (b,) in store.reader.execute(f"SELECT body FROM {table}")]


def test_a_call_that_reaches_nobody_is_recorded_and_the_number_goes(
        qtbot, window, store, interviewer):
    calls = interviewer
    press(ENTER)
    assert phone_anywhere(window)
    # Alt+N: No answer (a button's Alt+key clicks it a moment later, as it shows the press)
    with qtbot.waitSignal(calls.outcome_buttons[CallOutcome.NO_ANSWER].clicked):
        press(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert [a["outcome"] for a in _body(store, "call_attempts")] == ["no_answer"]
    assert not phone_anywhere(window) and not calls.case_box.isVisible()
    assert not calls.entries[0].due and "No answer" in calls.entries[0].reason


def test_escape_puts_the_case_down_and_hides_its_number(qtbot, window, interviewer):
    press(ENTER)
    assert phone_anywhere(window)
    press(Qt.Key.Key_Escape)
    assert not phone_anywhere(window) and focused() is interviewer.table


def test_a_respondent_who_declines_is_a_refusal_not_an_interview(qtbot, window, store,
                                                                  interviewer):
    calls = interviewer
    press(ENTER)
    press(ENTER, CTRL)
    page = window.current_page
    assert isinstance(page, InterviewPage)
    answer(page, "consent", {})
    type_text("2")  # No
    press(ENTER)
    assert current(page) == "consent_declined"
    press(ENTER)
    for _ in range(3):  # the note passed, then Complete
        if window.current_page is calls:
            break
        press(ENTER)
    qtbot.waitUntil(lambda: window.current_page is calls)
    assert [a["outcome"] for a in _body(store, "call_attempts")] == ["refused"]
    assert [i["status"] for i in _body(store, "survey_interviews")] == ["stopped"]
    assert calls.entries == [] and not phone_anywhere(window)


def test_a_case_arriving_by_sync_joins_the_queue_on_screen_at_once(qtbot, store, interviewer):
    calls = interviewer
    case = SampleCase(form_id="perception", case_ref="S-0043", phone="07700 900124",
                      area="Shropshire", interviewer_id=ME)
    body = to_dict(case)
    with qtbot.waitSignal(calls.queue_shown):
        store.writer.submit(lambda db: save_record(db, "sample_case", body)).result()
    assert [e.case_ref for e in calls.entries] == ["S-0042", "S-0043"]


def test_out_of_sight_the_queue_waits_to_be_shown_before_reading_again(qtbot, window,
                                                                       store, interviewer):
    calls = interviewer
    press(ENTER)
    press(ENTER, CTRL)  # the interview page in front: every answer saved is a change
    assert not calls.isVisible()
    read: list[bool] = []
    calls.queue_shown.connect(lambda: read.append(True))
    assert window._events is not None
    with qtbot.waitSignal(window._events.changed):  # the change reached the pages
        press(ENTER)  # the introduction passed: the interview is saved again
    assert read == []
    with qtbot.waitSignal(calls.queue_shown):
        calls.shown()
