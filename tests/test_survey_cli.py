"""``icv-app survey preview``: a form's routing checked on given answers, storing
nothing, as survey managers check a form before fieldwork."""

from __future__ import annotations

import json

from icv_app.cli import main


def preview(capsys, tmp_path, form: str, answers: object, *extra: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "answers.json"
    path.write_text(answers if isinstance(answers, str) else json.dumps(answers))
    code = main(["survey", "preview", form, "--answers", str(path), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_shipped_forms_routing_on_given_answers(capsys, tmp_path):
    code, out, _err = preview(capsys, tmp_path, "survivor_consultation",
                              {"safe_to_talk": "no"}, "--json")
    assert code == 0
    result = json.loads(out)
    assert result["asked"] == ["safe_to_talk"]  # not safe: nothing else is asked
    assert result["values"] == {"safe_to_talk": "no"}
    assert result["problems"] == []


def test_every_problem_is_listed_with_its_question(capsys, tmp_path):
    answers = {"consent": "yes", "interview_mode": "telephone", "area": "nowhere",
               "age": 7}
    code, out, _err = preview(capsys, tmp_path, "perception", answers, "--json")
    assert code == 0
    problems = {p["name"]: p["message"] for p in json.loads(out)["problems"]}
    assert problems["area"] == "'nowhere' is not one of the choices offered for this question."
    assert "age" in problems  # 16 to 110
    assert "confidence_in_police" in problems  # required, not answered


def test_a_form_or_answers_that_cannot_be_read_say_why(capsys, tmp_path):
    code, _out, err = preview(capsys, tmp_path, "no_such_form", {})
    assert code == 2 and "No form 'no_such_form'" in err
    code, _out, err = preview(capsys, tmp_path, "perception", '{"age": 3,,}')
    assert code == 2 and "answers.json, line 1, column 11" in err
    code, _out, err = preview(capsys, tmp_path, "perception", "[1, 2]")
    assert code == 2 and "must be an object" in err
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    code, _out, err = preview(capsys, tmp_path, str(bad), {})
    assert code == 2 and "bad.xlsx" in err
