"""The real-world shape of XLSForm (groups, a repeat, cascading selects, Welsh and English
labels, a count-selected constraint, a calculation with a predicate) in the interview
runner, by keyboard, in Welsh: what it asks, what it refuses and what it keeps are what
``icv-app survey preview`` gives for the same answers."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from icv_app.domain.survey.engine import run
from icv_app.domain.survey.records import InterviewMode
from icv_app.services.survey.instruments import InstrumentService
from icv_app.services.survey.interviews import InterviewService
from icv_app.store.records import load_record
from icv_app.ui.survey.runner import InterviewRunner
from tests.gui.conftest import press, type_text
from tests.gui.test_survey_runner import asking, open_runner
from tests.test_survey_engine import CHOICES, SETTINGS, SURVEY, TODAY, write_form

pytestmark = pytest.mark.gui
ENTER = Qt.Key.Key_Return
CY = "Welsh (cy)"


def test_the_real_world_form_runs_in_welsh_by_keyboard_as_preview_says(qtbot, store,
                                                                     tmp_path):
    path = write_form(tmp_path / "household.xlsx",
                      {"survey": SURVEY, "choices": CHOICES, "settings": SETTINGS})
    form = InstrumentService(store).import_file(path).instrument
    service = InterviewService(store, "i-1")
    live = service.start("household", mode=InterviewMode.STREET, language=CY)
    runner = open_runner(qtbot, InterviewRunner(live))

    assert asking(runner) == "consent" and runner.question.text() == "Ydych chi'n cytuno?"
    press(Qt.Key.Key_1)  # Ie
    press(ENTER)
    assert asking(runner) == "area" and runner.heading.text() == "Cwestiynau"
    press(Qt.Key.Key_2)  # De
    press(ENTER)
    # Cascading: only the south's ward is offered, in Welsh.
    assert asking(runner) == "ward"
    assert [runner.input.item(i).text().split(None, 1)[1]
            for i in range(runner.input.count())] == ["Ward A y De"]
    press(Qt.Key.Key_1)
    press(ENTER)
    assert asking(runner) == "age"
    type_text("44")
    press(ENTER)
    # count-selected(.) <= 2: a third tick is refused with the form's message (English
    # only in the form: the message falls back to it), kept as given, not moved past.
    assert asking(runner) == "heard"
    for key in (Qt.Key.Key_1, Qt.Key.Key_3, Qt.Key.Key_4):
        press(key)
    press(ENTER)
    assert asking(runner) == "heard" and runner.message.text() == "At most two"
    press(Qt.Key.Key_3)  # untick Gwefan
    press(ENTER)
    assert asking(runner) == "heard_other"  # "other" ticked: asked how
    type_text("Cymydog")
    press(ENTER)
    assert asking(runner) == "household"
    type_text("3")
    press(ENTER)
    # The repeat: one person per member of the household.
    for age in ("52", "17", "19"):
        assert asking(runner) == "person_age"
        type_text(age)
        press(ENTER)
    assert asking(runner) == "thanks"
    with qtbot.waitSignal(runner.ended, timeout=5000) as ended:
        press(ENTER)
        if runner.interview.status.value != "complete":
            press(ENTER)
    assert ended.args == ["complete"]

    body = load_record(store.reader, "survey_interview", live.id)
    assert body is not None and body["status"] == "complete"
    answers = json.loads(body["answers_json"])
    expected = run(form, answers, today=TODAY).as_json()
    assert expected["problems"] == []
    assert expected["values"]["adults"] == 2  # count(${person_age}[. >= 18])
    assert expected["values"]["band"] == "middle"
    asked_by_runner = [e["question"] for e in json.loads(body["paradata_json"])["events"]
                       if e["event"] == "answered"]
    # Every question preview says is asked was answered in the runner, in that order.
    assert [q for q in expected["asked"] if q != "thanks"] == [
        q for q in asked_by_runner if q != "thanks"]
