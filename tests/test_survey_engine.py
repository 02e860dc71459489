"""The form engine on a real-world shape of XLSForm: groups, a repeat, cascading selects,
English and Welsh labels, a count-selected constraint and a calculation with a
predicate. What is asked, in what order, every value, and every problem (not only the
first): what ``icv-app survey preview`` prints and the interview runner walks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from icv_app.domain.survey.engine import run
from icv_app.domain.survey.instrument import Instrument, load_xlsform

EN, CY = "label::English (en)", "label::Welsh (cy)"
TODAY = dt.date(2026, 12, 4)

SURVEY = [
    ["type", "name", EN, CY, "relevant", "constraint", "constraint_message::English (en)",
     "required", "calculation", "choice_filter", "repeat_count"],
    ["select_one yes_no", "consent", "Do you agree to take part?", "Ydych chi'n cytuno?",
     "", "", "", "yes", "", "", ""],
    ["begin group", "main", "Questions", "Cwestiynau", "${consent} = 'yes'", "", "", "",
     "", "", ""],
    ["select_one area", "area", "Area", "Ardal", "", "", "", "yes", "", "", ""],
    ["select_one ward", "ward", "Ward", "Ward", "", "", "", "", "", "area = ${area}", ""],
    ["integer", "age", "Age", "Oed", "", ". >= 16 and . <= 110",
     "Age must be 16 to 110", "yes", "", "", ""],
    ["select_multiple heard", "heard", "How did you hear?", "Sut glywsoch chi?", "",
     "count-selected(.) <= 2", "At most two", "", "", "", ""],
    ["text", "heard_other", "Say how", "Dywedwch sut", "selected(${heard}, 'other')", "",
     "", "", "", "", ""],
    ["integer", "household", "People in the household", "Pobl yn y cartref", "",
     ". >= 1 and . <= 12", "", "", "", "", ""],
    ["begin repeat", "person", "Person", "Person", "", "", "", "", "", "",
     "${household}"],
    ["integer", "person_age", "Their age", "Eu hoed", "", ". >= 0", "", "", "", "", ""],
    ["end repeat", "", "", "", "", "", "", "", "", "", ""],
    ["calculate", "adults", "", "", "", "", "", "",
     "count(${person_age}[. >= 18])", "", ""],
    ["calculate", "band", "", "", "", "", "", "",
     "if(${age} < 35, 'young', if(${age} < 65, 'middle', 'older'))", "", ""],
    ["note", "thanks", "Thank you", "Diolch", "", "", "", "", "", "", ""],
    ["end group", "", "", "", "", "", "", "", "", "", ""],
    ["note", "stop", "End the interview politely", "Gorffennwch y cyfweliad",
     "${consent} = 'no'", "", "", "", "", "", ""],
]
CHOICES = [
    ["list_name", "name", EN, CY, "area"],
    ["yes_no", "yes", "Yes", "Ie", ""],
    ["yes_no", "no", "No", "Na", ""],
    ["area", "north", "North", "Gogledd", ""],
    ["area", "south", "South", "De", ""],
    ["ward", "n1", "North Ward A", "Ward A y Gogledd", "north"],
    ["ward", "n2", "North Ward B", "Ward B y Gogledd", "north"],
    ["ward", "s1", "South Ward A", "Ward A y De", "south"],
    ["heard", "radio", "Radio", "Radio", ""],
    ["heard", "post", "Post", "Post", ""],
    ["heard", "web", "Website", "Gwefan", ""],
    ["heard", "other", "Other", "Arall", ""],
]
SETTINGS = [["form_id", "version", "default_language"], ["household", "7", "English (en)"]]


def write_form(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([cell if cell != "" else None for cell in row])
    workbook.save(path)
    return path


@pytest.fixture(scope="module")
def form(tmp_path_factory) -> Instrument:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("forms") / "household.xlsx"
    write_form(path, {"survey": SURVEY, "choices": CHOICES, "settings": SETTINGS})
    return load_xlsform(path)


def preview(form: Instrument, answers: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return run(form, answers, today=TODAY, **kw).as_json()


def test_the_form_loads_with_both_languages(form):
    assert (form.form_id, form.version) == ("household", "7")
    assert form.languages == ("English (en)", "Welsh (cy)")
    assert form.find("age").labels == {"English (en)": "Age", "Welsh (cy)": "Oed"}


def test_no_consent_skips_the_whole_group(form):
    out = preview(form, {"consent": "no", "age": 40})
    assert out["asked"] == ["consent"]
    assert out["values"] == {"consent": "no"}  # an answer to a question not asked is dropped
    assert out["problems"] == []


def test_a_complete_interview_routes_repeats_and_calculates(form):
    answers = {"consent": "yes", "area": "north", "ward": "n2", "age": 40,
               "heard": ["radio", "other"], "heard_other": "a neighbour", "household": 3,
               "person": [{"person_age": 40}, {"person_age": 17}, {"person_age": 70}]}
    out = preview(form, answers)
    assert out["asked"] == [
        "consent", "area", "ward", "age", "heard", "heard_other", "household",
        "person[1].person_age", "person[2].person_age", "person[3].person_age",
    ]
    values = out["values"]
    assert values["heard"] == "radio other"
    assert values["person[2].person_age"] == 17
    assert values["adults"] == 2  # the predicate keeps 40 and 70
    assert values["band"] == "middle"
    assert out["problems"] == []


def test_every_problem_is_reported_not_only_the_first(form):
    answers = {"consent": "yes", "area": "south", "ward": "n1", "age": 12,
               "heard": ["radio", "post", "web"], "household": 2,
               "person": [{"person_age": -1}, {"person_age": "x"}]}
    out = preview(form, answers)
    problems = {p["name"]: p["message"] for p in out["problems"]}
    assert problems == {
        "ward": "'n1' is not one of the choices offered for this question.",
        "age": "Age must be 16 to 110",
        "heard": "At most two",
        "person[1].person_age": "This answer is not allowed.",
        "person[2].person_age": "'x' is not a whole number.",
    }


def test_a_missing_required_answer_is_a_problem(form):
    out = preview(form, {"consent": "yes"})
    names = [p["name"] for p in out["problems"]]
    assert names == ["area", "age"]
    assert all(p["message"] == "An answer is required." for p in out["problems"])
    assert "heard_other" not in out["asked"]  # relevant on a choice not made


def test_the_repeat_count_follows_the_household_size(form):
    out = preview(form, {"consent": "yes", "area": "north", "age": 30, "household": 1,
                         "person": [{"person_age": 30}, {"person_age": 5}]})
    assert [a for a in out["asked"] if a.startswith("person")] == ["person[1].person_age"]
    assert out["values"]["adults"] == 1
    assert out["values"]["band"] == "young"


def test_a_later_question_feeds_an_earlier_calculation():
    """Calculations may refer forward: the form is evaluated until values settle."""
    import tempfile

    survey = [["type", "name", "label", "calculation"],
              ["calculate", "double", "", "${n} * 2"],
              ["integer", "n", "A number", ""]]
    with tempfile.TemporaryDirectory() as folder:
        path = write_form(Path(folder) / "forward.xlsx", {
            "survey": survey, "settings": [["form_id", "version"], ["forward", "1"]]})
        form = load_xlsform(path)
    out = run(form, {"n": 21}, today=TODAY).as_json()
    assert out["values"] == {"double": 42, "n": 21}


def test_defaults_fill_an_unanswered_question_literal_or_computed(tmp_path):
    survey = [["type", "name", "label", "default"],
              ["select_one yes_no", "agree", "Agree?", "yes"],
              ["integer", "n", "A number", ""],
              ["integer", "next", "The next one", "${n} + 1"]]
    choices = [["list_name", "name", "label"], ["yes_no", "yes", "Yes"], ["yes_no", "no", "No"]]
    form = load_xlsform(write_form(tmp_path / "defaults.xlsx", {
        "survey": survey, "choices": choices,
        "settings": [["form_id", "version"], ["defaults", "1"]]}))
    out = run(form, {"n": 4}, today=TODAY).as_json()
    assert out["values"] == {"agree": "yes", "n": 4, "next": 5}
    out = run(form, {"agree": "no", "n": 4, "next": 9}, today=TODAY).as_json()
    assert out["values"] == {"agree": "no", "n": 4, "next": 9}  # answers win


def test_a_calculation_on_a_blank_answer_settles(tmp_path):
    """Not a number, again and again, is no change: no false "never settle" problem."""
    survey = [["type", "name", "label", "calculation"],
              ["calculate", "double", "", "${n} * 2"],
              ["integer", "n", "A number", ""]]
    form = load_xlsform(write_form(tmp_path / "blank.xlsx", {
        "survey": survey, "settings": [["form_id", "version"], ["blank", "1"]]}))
    out = run(form, {}, today=TODAY).as_json()
    assert out["problems"] == []
    assert out["values"] == {"double": None}  # NaN prints as null
