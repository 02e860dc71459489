"""An interviewer runs whole interviews with the keyboard alone: digits choose, Enter
moves on, Page Up goes back, skip logic routes, refused answers explain themselves, and
an interview interrupted by a crash resumes with every answer given."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QPlainTextEdit

from icv_app.domain.survey.records import PHONE_MESSAGE, InterviewMode
from icv_app.paths import Paths
from icv_app.services.survey.instruments import InstrumentService
from icv_app.services.survey.interviews import (
    COUNT_RANGE,
    InterviewService,
    LiveInterview,
)
from icv_app.store.local_store import LocalStore
from icv_app.store.records import load_record
from icv_app.survey_commands import shipped_forms
from icv_app.ui.survey.runner import InterviewRunner
from icv_app.ui.survey.runner_inputs import ChoiceList, NoteInput
from tests.conftest import REPO
from tests.gui.conftest import focused, press, tab_to, type_text
from tests.test_survey_engine import write_form
from tests.test_survey_interviews import FAMILY

pytestmark = pytest.mark.gui

INTERVIEWER = "0b7e2d7c-1f55-4a8c-9f0e-6a1d2c3b4a51"
ENTER = Qt.Key.Key_Return
TIMEOUT_S = 60


@pytest.fixture
def service(store: LocalStore) -> InterviewService:
    InstrumentService(store).import_file(shipped_forms()["perception"])
    return InterviewService(store, INTERVIEWER)


def open_runner(qtbot, runner: InterviewRunner) -> InterviewRunner:  # type: ignore[no-untyped-def]
    qtbot.addWidget(runner)
    runner.resize(700, 600)
    runner.show()
    qtbot.waitExposed(runner)
    runner.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is runner)
    return runner


def asking(runner: InterviewRunner) -> str:
    """The question the runner shows (by name); its input has the focus."""
    step = runner.interview.current
    assert step is not None, "the interview is at its end"
    assert runner.question.text() == step.label
    assert focused() is runner.input, f"the focus left the answer to {step.name}"
    return step.name


def choose(runner: InterviewRunner, name: str, digit: str) -> None:
    """Asked ``name``: press the digit, then Enter."""
    assert asking(runner) == name
    assert isinstance(runner.input, ChoiceList)
    press(getattr(Qt.Key, f"Key_{digit}"))
    press(ENTER)


def stored(store: LocalStore, live: LiveInterview) -> dict[str, Any]:
    live.wait_saved()
    body = load_record(store.reader, "survey_interview", live.id)
    assert body is not None
    return body


def test_a_whole_telephone_interview_by_keyboard(qtbot, service, store):
    live = service.start("perception", mode=InterviewMode.TELEPHONE,
                         preset={"interview_mode": "telephone"})
    runner = open_runner(qtbot, InterviewRunner(live))
    answered: list[str] = []
    runner.answered.connect(answered.append)

    # The introduction to read out: a note, passed with Enter.
    assert asking(runner) == "intro_telephone" and isinstance(focused(), NoteInput)
    assert runner.progress.text() == "Question 1 of ~2"
    assert runner.back_button.toolTip().endswith("(Page Up)")
    press(ENTER)
    assert asking(runner) == "consent"
    assert [runner.input.item(i).text().split()[0] for i in range(2)] == ["1", "2"]
    press(ENTER)  # nothing chosen yet: the form requires an answer
    assert runner.message.isVisible()
    assert runner.message.text() == "An answer is required."
    assert asking(runner) == "consent"
    choose(runner, "consent", "1")  # yes
    assert not runner.message.isVisible()
    assert runner.progress.text().startswith("Question 3 of ~")
    choose(runner, "area", "2")  # Shropshire
    assert runner.heading.text() == "Interview › Where you live"
    # Only Shropshire's neighbourhoods are offered (and "Not sure").
    labels = [runner.input.item(i).text() for i in range(runner.input.count())]
    assert [t.split(None, 1)[1] for t in labels] == [
        "Shropshire Ward A", "Shropshire Ward B", "Shropshire Ward C", "Not sure"]
    choose(runner, "neighbourhood", "2")
    for name, digit in (("confidence_in_police", "2"), ("confident_good_service", "2"),
                        ("police_job_rating", "2"), ("officer_seen_frequency", "5")):
        choose(runner, name, digit)
    # "Never" seen: where they were seen is skipped.
    assert asking(runner) == "satisfied_policing_level"
    # The arrow keys move the choice too.
    press(Qt.Key.Key_3)
    press(Qt.Key.Key_Down)
    press(ENTER)
    assert live.answers["satisfied_policing_level"] == "fairly_dissatisfied"
    for name, digit in (("confident_contact_emergency", "1"),
                        ("confident_contact_non_emergency", "2"),
                        ("police_understand_issues", "2"), ("crime_asb_problem", "4"),
                        ("crime_asb_change", "3"), ("police_dealing_crime_asb", "2"),
                        ("trust_police", "2"), ("treat_everyone_fairly", "3"),
                        ("act_with_integrity", "2")):
        choose(runner, name, digit)
    assert asking(runner) == "about_you_intro"
    press(Qt.Key.Key_PageDown)  # Page Down moves on as Enter does

    # An age the form refuses: the message says why, the answer stays as typed.
    assert asking(runner) == "age" and isinstance(focused(), QLineEdit)
    type_text("7")
    press(ENTER)
    assert asking(runner) == "age"
    assert runner.message.text() == "The age must be between 16 and 110."
    assert stored(store, live)["answers_json"] and live.answers["age"] == 7
    press(Qt.Key.Key_PageUp)  # back to the note, and on again: the message is still there
    assert asking(runner) == "about_you_intro"
    press(ENTER)
    assert asking(runner) == "age" and runner.input.text() == "7"
    assert runner.message.text() == "The age must be between 16 and 110."
    press(ENTER)
    assert asking(runner) == "age" and runner.input.selectedText() == "7"
    type_text("34")  # the refused age is selected: typing replaces it
    press(ENTER)
    for name, digit in (("gender", "1"), ("ethnicity", "1"), ("disability", "2")):
        choose(runner, name, digit)
    assert asking(runner) == "end_note"
    press(ENTER)

    # The end: Enter completes.
    assert runner.progress.text() == "End of the interview"
    assert focused() is runner.complete_button
    with qtbot.waitSignal(runner.ended, timeout=5000) as ended:
        press(ENTER)
    assert ended.args == ["complete"]
    assert runner.input is None and "complete" in runner.question.text()

    body = stored(store, live)
    assert body["status"] == "complete" and body["ended_at"]
    answers = json.loads(body["answers_json"])
    assert answers == {
        "interview_mode": "telephone", "consent": "yes", "area": "shropshire",
        "neighbourhood": "shropshire_b", "confidence_in_police": "agree",
        "confident_good_service": "agree", "police_job_rating": "good",
        "officer_seen_frequency": "never", "satisfied_policing_level": "fairly_dissatisfied",
        "confident_contact_emergency": "strongly_agree",
        "confident_contact_non_emergency": "agree", "police_understand_issues": "agree",
        "crime_asb_problem": "disagree", "crime_asb_change": "same",
        "police_dealing_crime_asb": "agree", "trust_police": "agree",
        "treat_everyone_fairly": "neither", "act_with_integrity": "agree", "age": 34,
        "gender": "woman", "ethnicity": "white", "disability": "no"}
    assert answered[:2] == ["consent", "area"] and "age" in answered
    paradata = json.loads(body["paradata_json"])
    assert paradata["questions"]["age"]["changes"] == 1
    assert [e["event"] for e in paradata["events"] if e.get("question") == "age"][:4] == [
        "shown", "answered", "rejected", "back"]


SMALL = {
    "survey": [
        ["type", "name", "label::English (en)", "label::Welsh (cy)", "appearance",
         "constraint"],
        ["date", "visit_day", "When did you visit?", "Pryd wnaethoch chi ymweld?", "", ""],
        ["select_multiple place", "where", "Where did you go?", "Ble aethoch chi?", "",
         "count-selected(.) <= 2"],
        ["decimal", "spend", "How much did you spend?", "Faint wnaethoch chi wario?", "",
         ""],
        ["text", "comments", "Any comments?", "Unrhyw sylwadau?", "multiline", ""],
    ],
    "choices": [
        ["list_name", "name", "label::English (en)", "label::Welsh (cy)"],
        ["place", "market", "Market", "Marchnad"],
        ["place", "park", "Park", "Parc"],
        ["place", "library", "Library", "Llyfrgell"],
    ],
    "settings": [["form_id", "version", "default_language"],
                 ["visit", "1", "English (en)"]],
}


def test_dates_ticks_numbers_text_and_the_language(qtbot, store, tmp_path):
    InstrumentService(store).import_file(write_form(tmp_path / "visit.xlsx", SMALL))
    service = InterviewService(store, INTERVIEWER)
    live = service.start("visit", mode=InterviewMode.STREET)
    runner = open_runner(qtbot, InterviewRunner(live))

    assert asking(runner) == "visit_day"
    type_text("31/02/2026")
    press(ENTER)
    assert "not a date" in runner.message.text() and "01/03/2026" in runner.message.text()
    assert "visit_day" not in live.answers  # what is no date is not saved
    type_text("01/03/2026")
    press(ENTER)
    assert live.answers["visit_day"] == "2026-03-01"

    # Ticks: digits tick and untick; the form allows two at most.
    assert asking(runner) == "where"
    for key in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_2):
        press(key)
    assert runner.input.value() == ["market", "library"]
    press(Qt.Key.Key_2)
    press(ENTER)
    assert runner.message.text() == "This answer is not allowed."
    assert live.answers["where"] == ["market", "park", "library"]  # kept as given
    type_text("m")  # typing the start of a label moves there; Space unticks it
    assert runner.input.currentItem().text().endswith("Market")
    press(Qt.Key.Key_Space)
    press(ENTER)
    assert live.answers["where"] == ["park", "library"]

    # The language, from the keyboard: the question comes back in Welsh, focus kept.
    assert asking(runner) == "spend"
    type_text("12.5")
    tab_to(runner.language)
    press(Qt.Key.Key_Down)
    assert runner.question.text() == "Faint wnaethoch chi wario?"
    assert asking(runner) == "spend" and runner.input.text() == "12.5"
    press(ENTER)
    assert live.answers["spend"] == 12.5

    # Several lines of text: Shift+Enter starts a line, Enter moves on.
    assert asking(runner) == "comments" and isinstance(focused(), QPlainTextEdit)
    type_text("Busy market")
    press(ENTER, Qt.KeyboardModifier.ShiftModifier)
    type_text("call 07700 900456")
    press(ENTER)
    assert runner.message.text() == PHONE_MESSAGE
    assert "comments" not in live.answers
    press(Qt.Key.Key_PageUp)  # not saved: the runner stays, the text with it
    assert asking(runner) == "comments" and "07700" in runner.input.toPlainText()
    press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    type_text("Busy market")
    press(ENTER, Qt.KeyboardModifier.ShiftModifier)
    type_text("Quiet park")
    press(ENTER)
    assert live.answers["comments"] == "Busy market\nQuiet park"
    with qtbot.waitSignal(runner.ended, timeout=5000) as ended:
        press(ENTER)
    assert ended.args == ["complete"]


def test_not_safe_to_talk_ends_and_clears_the_screen_at_once(qtbot, store):
    InstrumentService(store).import_file(shipped_forms()["survivor_consultation"])
    live = InterviewService(store, INTERVIEWER).start("survivor_consultation",
                                                      mode=InterviewMode.TELEPHONE)
    runner = open_runner(qtbot, InterviewRunner(live))
    assert asking(runner) == "safe_to_talk"
    assert runner.hint.text().startswith("Ask this before anything else.")
    press(Qt.Key.Key_2)  # no
    with qtbot.waitSignal(runner.ended, timeout=5000) as ended:
        press(ENTER)
    assert ended.args == ["not_safe"]
    assert runner.input is None and runner.heading.text() == ""
    assert runner.question.text().startswith("Not safe to talk: end the call now")
    assert stored(store, live)["status"] == "stopped"


def test_stopping_hides_the_interview_at_once(qtbot, service, store):
    live = service.start("perception", mode=InterviewMode.STREET)
    runner = open_runner(qtbot, InterviewRunner(live))
    choose(runner, "interview_mode", "2")
    assert asking(runner) == "intro_street"
    with qtbot.waitSignal(runner.ended, timeout=5000) as ended:
        runner.stop_button.click()
    assert ended.args == ["stopped"]
    assert runner.input is None and not runner.back_button.isVisible()
    assert stored(store, live)["status"] == "stopped"


def test_an_interview_killed_midway_resumes_with_every_answer(
        qtbot, tmp_path, child_env, file_keyring):
    data_dir = tmp_path / "profile"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.gui.survey_crash_driver", str(data_dir)],
        cwd=REPO, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert child.stdout is not None
    stdout = child.stdout
    reader = threading.Thread(target=lambda: [lines.put(x) for x in stdout], daemon=True)
    reader.start()
    given: dict[str, Any] = {}
    interview_id = asked = ""
    try:
        while True:  # each line is printed once its save reached the disk
            try:
                line = lines.get(timeout=TIMEOUT_S).strip()
            except queue.Empty:
                pytest.fail("the driver stopped reporting saved answers")
            if line.startswith("interview "):
                interview_id = line.split()[1]
            elif line.startswith("saved "):
                name, _, value = line[len("saved "):].partition("=")
                given[name] = json.loads(value)
            elif line.startswith("asking "):
                asked = line.split()[1]
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=TIMEOUT_S)
        reader.join(timeout=TIMEOUT_S)
        stdout.close()
        assert child.stderr is not None
        err = child.stderr.read()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL, err
    assert interview_id and asked == "confident_good_service", err
    assert len(given) == 5, err

    with LocalStore.open(Paths(data_dir)) as store:
        service = InterviewService(store, INTERVIEWER)
        [waiting] = service.in_progress()
        assert waiting.id == interview_id
        runner = open_runner(qtbot, InterviewRunner.for_resume(service, interview_id))
        assert asking(runner) == asked
        assert runner.input.value() == given[asked]  # chosen before the kill
        assert runner.interview.answers == {"interview_mode": "telephone", **given}
        runner.close()


def test_an_answer_that_cannot_be_saved_says_so_and_stays(qtbot, service, store,
                                                          monkeypatch):
    from concurrent.futures import Future

    from icv_app.store.errors import StorageFull

    live = service.start("perception", mode=InterviewMode.STREET)
    runner = open_runner(qtbot, InterviewRunner(live))

    def full_disk(body: dict[str, Any]) -> Future[int]:
        failed: Future[int] = Future()
        failed.set_exception(StorageFull())
        return failed

    monkeypatch.setattr(service, "save", full_disk)
    press(Qt.Key.Key_1)
    press(ENTER)
    assert runner.message.text().startswith("The answer could not be saved:")
    assert asking(runner) == "interview_mode" and runner.input.value() == "telephone"
    monkeypatch.undo()
    press(ENTER)  # the disk has room again: given again, saved, on to the next
    assert asking(runner) == "intro_telephone"
    assert json.loads(stored(store, live)["answers_json"]) == {"interview_mode": "telephone"}
    # The end cannot be saved either: it is said, and Enter tries again.
    monkeypatch.setattr(service, "save", full_disk)
    with qtbot.assertNotEmitted(runner.ended):
        runner.stop_button.click()
    assert runner.input is None  # the interview is off the screen all the same
    assert runner.message.text().startswith("The end of the interview could not be saved")
    assert focused() is runner.retry_button
    monkeypatch.undo()
    with qtbot.waitSignal(runner.ended, timeout=5000) as ended:
        press(ENTER)
    assert ended.args == ["stopped"] and not runner.retry_button.isVisible()
    assert stored(store, live)["status"] == "stopped"


def test_a_repeat_without_a_count_by_keyboard(qtbot, store, tmp_path):
    InstrumentService(store).import_file(write_form(tmp_path / "family.xlsx", FAMILY))
    live = InterviewService(store, INTERVIEWER).start("family", mode=InterviewMode.STREET)
    runner = open_runner(qtbot, InterviewRunner(live))
    assert asking(runner) == "adults"
    type_text("2")
    press(ENTER)

    # How many children: typed as any number; too many is refused, said and kept.
    assert asking(runner) == "child[#]"
    assert runner.question.text() == "Children: how many? (0 for none)"
    assert isinstance(runner.input, QLineEdit)
    type_text("51")
    press(ENTER)
    assert runner.message.text() == COUNT_RANGE and "child" not in live.answers
    press(Qt.Key.Key_PageUp)  # not saved: the runner stays, with what was typed
    assert asking(runner) == "child[#]" and runner.input.text() == "51"
    type_text("2")  # the refused number is selected: typing replaces it
    press(ENTER)
    assert stored_answers(store, live)["child"] == [{}, {}]

    for index, (name, age) in enumerate((("Ada", "7"), ("Ben", "4")), start=1):
        assert asking(runner) == "child_name"
        assert runner.heading.text() == f"Children {index}"
        type_text(name)
        press(ENTER)
        assert asking(runner) == "child_age"
        type_text(age)
        press(ENTER)
    assert asking(runner) == "comments"
    for _ in range(5):  # back through both children to the count, and on again
        press(Qt.Key.Key_PageUp)
    assert asking(runner) == "child[#]" and runner.input.text() == "2"
    for _ in range(5):
        press(ENTER)
    assert asking(runner) == "comments"
    press(ENTER)
    with qtbot.waitSignal(runner.ended, timeout=5000) as ended:
        press(ENTER)
    assert ended.args == ["complete"]
    assert stored_answers(store, live) == {"adults": 2, "child": [
        {"child_name": "Ada", "child_age": 7}, {"child_name": "Ben", "child_age": 4}]}


def stored_answers(store: LocalStore, live: LiveInterview) -> dict[str, Any]:
    return json.loads(stored(store, live)["answers_json"])
