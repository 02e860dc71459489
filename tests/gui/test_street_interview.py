"""Street interviews (CAPI): no sample list, the form chosen on the page, and quotas
still apply: an interview whose cell is full ends as soon as the cell is known, and one
whose cell has room goes on."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt

from icv_app.services.survey.instruments import InstrumentService
from icv_app.services.survey.quotas import QuotaService
from icv_app.survey_commands import shipped_forms
from icv_app.ui.survey.interview_page import InterviewPage
from icv_app.ui.survey.street_page import StreetPage
from tests.gui.conftest import press, sign_in_survey, type_text

pytestmark = pytest.mark.gui
ME = "7a0c3e55-9d41-4b2a-8e6f-0a1b2c3d4e5f"
ENTER = Qt.Key.Key_Return


@pytest.fixture
def street(qtbot, window, store):  # type: ignore[no-untyped-def]
    InstrumentService(store).import_file(shipped_forms()["perception"])
    # Women of 25-34 in Herefordshire: full (target 0); men of 25-34 there: room for 5.
    QuotaService(store, "m-1").define(
        "perception", ["area", "age_band", "gender"],
        {"herefordshire|age_25_34|woman": 0, "herefordshire|age_25_34|man": 5})
    sign_in_survey(qtbot, window, store, role="interviewer", user_id=ME,
                   username="int.two")
    page = window.show_page("street")
    assert isinstance(page, StreetPage)
    return page


def run_to_gender(window, gender_digit: str) -> InterviewPage:  # type: ignore[no-untyped-def]
    page = window.current_page
    assert isinstance(page, InterviewPage) and page.runner is not None
    assert not page.banner.isVisible()  # no case, no phone number
    digits = {"consent": "1", "area": "1", "age": "30", "gender": gender_digit}
    for _ in range(60):
        runner = page.runner
        if runner is None or runner.interview.current is None:
            break
        step = runner.interview.current
        if step.name == "gender":
            type_text(gender_digit)
            press(ENTER)
            break
        if step.type in ("select_one", "select_multiple"):
            type_text(digits.get(step.name, "2"))
        elif step.type == "integer":
            type_text(digits.get(step.name, "30"))
        elif step.type == "text":
            type_text("Parking on pavements")
        press(ENTER)
    return page


def test_a_full_quota_cell_ends_a_street_interview_and_an_open_one_goes_on(
        qtbot, window, store, street):
    with qtbot.waitSignal(street.started):
        press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    page = run_to_gender(window, "1")  # a woman: her cell is full
    qtbot.waitUntil(lambda: window.current_page is street)
    stored = [json.loads(b) for (b,) in store.reader.execute(
        "SELECT body FROM survey_interviews")]
    assert [(i["mode"], i["status"]) for i in stored] == [("street", "stopped")]
    assert stored[0]["quota_cell"] == "herefordshire|age_25_34|woman"
    assert json.loads(stored[0]["answers_json"])["interview_mode"] == "street"

    with qtbot.waitSignal(street.started):
        press(Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    page = run_to_gender(window, "2")  # a man: room in his cell, the interview goes on
    assert window.current_page is page and page.runner is not None
    assert page.runner.interview.current is not None
    assert page.runner.interview.current.name == "ethnicity"
