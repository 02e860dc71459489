"""``icv-app survey preview``: a form's routing checked on given answers, storing
nothing, as survey managers check a form before fieldwork."""

from __future__ import annotations

import json
from pathlib import Path

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


SHIPPED = Path(__file__).resolve().parent.parent / "resources" / "survey"


def cli(capsys, paths, *args: str):  # type: ignore[no-untyped-def]
    code = main(["--data-dir", str(paths.data_dir), "survey", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_keeps_a_form_once_and_list_shows_it(capsys, paths):
    code, out, _err = cli(capsys, paths, "list", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _err = cli(capsys, paths, "import", str(SHIPPED / "perception.xlsx"))
    assert code == 0
    assert out.startswith("Imported perception version 2026.1")
    code, out, _err = cli(capsys, paths, "import", str(SHIPPED / "perception.xlsx"))
    assert code == 0 and "already here; nothing changed" in out
    cli(capsys, paths, "import", str(SHIPPED / "survivor_consultation.xlsx"))
    code, out, _err = cli(capsys, paths, "list", "--json")
    forms = json.loads(out)
    assert [(f["form_id"], f["version"], f["responses"]) for f in forms] == [
        ("perception", "2026.1", 0), ("survivor_consultation", "2026.1", 0)]


def test_a_refused_form_names_sheet_row_and_column_and_keeps_nothing(capsys, paths, tmp_path):
    from tests.test_survey_engine import write_form

    bad = write_form(tmp_path / "bad.xlsx", {
        "survey": [["type", "name", "label"], ["integer", "age", "Age"],
                   ["geopoint", "where", "Where?"]],
        "settings": [["form_id", "version"], ["bad", "1"]]})
    code, _out, err = cli(capsys, paths, "import", str(bad))
    assert code == 1
    assert "bad.xlsx, sheet survey, row 3, column type" in err
    assert "geopoint" in err
    _code, out, _err = cli(capsys, paths, "list", "--json")
    assert json.loads(out) == []


def test_the_same_version_with_other_content_is_refused(capsys, paths, tmp_path):
    from tests.test_survey_engine import write_form

    def form(label: str) -> Path:
        return write_form(tmp_path / f"{label}.xlsx", {
            "survey": [["type", "name", "label"], ["integer", "age", label]],
            "settings": [["form_id", "version"], ["ages", "3"]]})

    assert cli(capsys, paths, "import", str(form("Age")))[0] == 0
    code, _out, err = cli(capsys, paths, "import", str(form("Your age")))
    assert code == 1 and "Version 3 of ages is already here with other content" in err


def test_preview_runs_the_latest_imported_version_of_a_form(capsys, paths, tmp_path):
    from tests.test_survey_engine import write_form

    def form(version: str, limit: int) -> Path:
        return write_form(tmp_path / f"v{version}.xlsx", {
            "survey": [["type", "name", "label", "constraint"],
                       ["integer", "age", "Age", f". <= {limit}"]],
            "settings": [["form_id", "version"], ["ages", version]]})

    cli(capsys, paths, "import", str(form("9", 50)))
    cli(capsys, paths, "import", str(form("10", 120)))  # 10 is after 9
    answers = tmp_path / "answers.json"
    answers.write_text('{"age": 99}')
    code, out, _err = cli(capsys, paths, "preview", "ages", "--answers", str(answers),
                          "--json")
    assert code == 0 and json.loads(out)["problems"] == []  # version 10 allows 99


def test_list_counts_complete_interviews_not_those_in_progress(capsys, paths):
    from icv_app.composition import AppContext
    from icv_app.domain.survey.records import InterviewMode
    from icv_app.services.survey.interviews import InterviewService

    cli(capsys, paths, "import", str(SHIPPED / "perception.xlsx"))
    with AppContext.open(paths) as profile:
        service = InterviewService(profile.store, "i-1")
        service.start("perception", mode=InterviewMode.STREET).wait_saved()
    code, out, _err = cli(capsys, paths, "list", "--json")
    assert code == 0 and [f["responses"] for f in json.loads(out)] == [0]  # in progress
    assert main(["--data-dir", str(paths.data_dir), "demo", "--visits", "0",
                 "--interviews", "3", "--seed", "2"]) == 0
    capsys.readouterr()
    code, out, _err = cli(capsys, paths, "list", "--json")
    assert code == 0 and [f["responses"] for f in json.loads(out)] == [3]
