"""A survey manager keys in a paper response to the strategy consultation with the
interview runner, from the keyboard: it is kept as a consultation response with its
channel, never as an interview."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from icv_app.services.survey.instruments import InstrumentService
from icv_app.survey_commands import shipped_forms
from icv_app.ui.survey.consultations_page import ConsultationsPage
from icv_app.ui.survey.interview_page import InterviewPage
from tests.gui.conftest import focused, press, sign_in_survey, type_text

pytestmark = pytest.mark.gui
ENTER = Qt.Key.Key_Return


def test_a_paper_response_is_keyed_in_with_the_runner(qtbot, window, store):
    InstrumentService(store).import_file(shipped_forms()["strategy_consultation"])
    sign_in_survey(qtbot, window, store, role="survey_manager", user_id="m-1",
                   username="manager.one")
    page = window.show_page("consultations")
    assert isinstance(page, ConsultationsPage)
    page.channel_combo.setCurrentIndex(
        next(i for i in range(page.channel_combo.count())
             if "aper" in page.channel_combo.itemText(i)))
    page.setFocus()
    press(Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    runner_page = window.current_page
    assert isinstance(runner_page, InterviewPage) and runner_page.runner is not None
    assert not runner_page.banner.isVisible()  # no case, no phone number
    for _ in range(40):
        if window.current_page is not runner_page:
            break
        live = runner_page.runner.interview if runner_page.runner else None
        step = live.current if live is not None else None
        if step is not None:
            assert focused() is runner_page.runner.input
            if step.type in ("select_one", "select_multiple"):
                type_text("1")
            elif step.type == "date":
                type_text("2026-11-30")
            elif step.type == "text":
                type_text("Speeding near the primary school")
        press(ENTER)
    qtbot.waitUntil(lambda: window.current_page is page)
    responses = [json.loads(b) for (b,) in store.reader.execute(
        "SELECT body FROM consultation_responses")]
    assert len(responses) == 1 and responses[0]["channel"] == "paper"
    assert responses[0]["keyed_by"] == "manager.one"
    answers = json.loads(responses[0]["answers_json"])
    assert answers["concerns"] == "Speeding near the primary school"
    assert store.reader.execute("SELECT count(*) FROM survey_interviews").fetchone()[0] == 0
    assert page.service.counts("strategy_consultation")["paper"] == 1
