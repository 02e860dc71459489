"""The runner's live form: after every answer, the same result as working the whole form
out from all the answers (engine.run), while evaluating only what reads the change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings, strategies as st

from icv_app.domain.survey.engine import run
from icv_app.domain.survey.instrument import Instrument, load_xlsform
from icv_app.domain.survey.session import FormSession
from tests.test_survey_engine import CHOICES, SETTINGS, SURVEY, write_form

TODAY = dt.date(2026, 12, 4)
FLAT = [["type", "name", "label", "relevant", "constraint", "required", "calculation"],
        ["select_one yes_no", "consent", "Agree?", "", "", "yes", ""],
        ["calculate", "double", "", "", "", "", "${n} * 2"],  # reads a later question
        ["integer", "m", "M", "${double} > 100", "", "", ""],
        ["begin group", "main", "Main", "${consent} = 'yes'", "", "", ""],
        ["integer", "age", "Age", "", ". >= 16", "yes", ""],
        ["calculate", "older", "", "", "", "", "${age} >= 65"],
        ["select_one yes_no", "retired", "Retired?", "${older}", "", "", ""],
        ["text", "why", "Why?", "${retired} = 'no'", "", "", ""],
        ["integer", "n", "N", "", ". <= ${age}", "", ""],
        ["end group", "", "", "", "", "", ""]]
FLAT += [["text", f"free{i}", f"Free {i}", "", "", "", ""] for i in range(40)]
YES_NO = [["list_name", "name", "label"], ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]]


def load(tmp_path, survey, choices, settings_rows) -> Instrument:  # type: ignore[no-untyped-def]
    return load_xlsform(write_form(tmp_path / "form.xlsx", {
        "survey": survey, "choices": choices, "settings": settings_rows}))


ANSWERS: dict[str, Any] = {
    "consent": st.sampled_from(["yes", "no", None]),
    "age": st.sampled_from([10, 30, 70, None, "x"]),
    "retired": st.sampled_from(["yes", "no", None]),
    "why": st.sampled_from(["tired", None]),
    "n": st.sampled_from([5, 80, None]),
    "free3": st.sampled_from(["a", None]),
    "m": st.sampled_from([1, None]),
}


def same_as_run(session: FormSession, form: Instrument, answers: dict[str, Any]) -> None:
    assert session.as_json() == run(form, answers, today=TODAY).as_json()


def test_each_answer_gives_what_the_whole_form_gives(tmp_path):
    form = load(tmp_path, FLAT, YES_NO, [["form_id", "version"], ["flat", "1"]])

    @settings(max_examples=150, deadline=None)
    @given(st.lists(st.sampled_from(sorted(ANSWERS)).flatmap(
        lambda name: st.tuples(st.just(name), ANSWERS[name])), max_size=12))
    def check(steps: list[tuple[str, Any]]) -> None:
        session = FormSession(form, today=TODAY)
        answers: dict[str, Any] = {}
        for name, value in steps:
            session.set_answer(name, value)
            if value is None:
                answers.pop(name, None)
            else:
                answers[name] = value
            same_as_run(session, form, answers)

    check()


def test_an_answer_nothing_reads_works_out_only_its_own_question(tmp_path):
    form = load(tmp_path, FLAT, YES_NO, [["form_id", "version"], ["flat", "1"]])
    session = FormSession(form, {"consent": "yes", "age": 70}, today=TODAY)
    before = session.evaluations
    session.set_answer("free7", "hello")
    assert session.evaluations - before == 1
    before = session.evaluations
    session.set_answer("age", 40)  # age -> older -> retired -> why; n reads age
    assert session.evaluations - before == 5 + 2  # and n's readers: double, then m
    assert "retired" not in session.asked
    same_as_run(session, form, {"consent": "yes", "age": 40, "free7": "hello"})


def test_a_form_with_a_repeat_stays_right_through_changes(tmp_path):
    form = load(tmp_path, SURVEY, CHOICES, SETTINGS)
    session = FormSession(form, today=TODAY)
    answers: dict[str, Any] = {}
    for name, value in [("consent", "yes"), ("area", "north"), ("age", 40),
                        ("household", 2),
                        ("person", [{"person_age": 30}, {"person_age": 12}]),
                        ("ward", "s1"), ("heard", ["radio", "other"]), ("household", 1),
                        ("consent", "no"), ("consent", "yes")]:
        session.set_answer(name, value)
        answers[name] = value
        same_as_run(session, form, answers)
    assert session.values["adults"] == 1
