"""Consultation responses from an online survey tool's CSV export, and keyed in: columns
matched to questions by label (any language) or name, answers given as labels mapped to
choices, the rest kept as source metadata; a response imported once only; every problem
named with its file, row and column; and ``icv-app consultation``."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from icv_app.cli import main
from icv_app.domain.serialize import to_dict
from icv_app.domain.survey.consultations import (
    RECEIVED,
    RESPONSE_ID,
    SOURCE,
    CsvUnreadable,
    map_value,
    match_headers,
    read_csv,
)
from icv_app.domain.survey.instrument import Instrument, Question, load_xlsform
from icv_app.domain.survey.records import (
    PHONE_MESSAGE,
    ConsultationResponse,
    ResponseChannel,
)
from icv_app.services.survey.consultations import (
    ConsultationRefused,
    ConsultationService,
    mapping_setting,
)
from icv_app.services.survey.instruments import InstrumentService
from icv_app.store.records import IncomingChange, store_server_copy
from tests.test_survey_engine import write_form

EN, CY = "label::English (en)", "label::Welsh (cy)"
SURVEY = [
    ["type", "name", EN, CY],
    ["select_one who", "respondent_type", "Are you responding as...",
     "Ydych chi'n ymateb fel..."],
    ["select_one agree", "agree_vision", "How far do you agree with the vision?",
     "I ba raddau ydych chi'n cytuno â'r weledigaeth?"],
    ["select_multiple heard", "heard_about", "How did you hear about it?",
     "Sut y clywsoch chi amdano?"],
    ["integer", "age", "Your age", "Eich oed"],
    ["date", "date_received", "Date received", "Dyddiad ei dderbyn"],
    ["text", "concerns", "Concerns", "Pryderon"],
    ["note", "thanks", "Thank you", "Diolch"],
]
CHOICES = [
    ["list_name", "name", EN, CY],
    ["who", "public", "A member of the public", "Aelod o'r cyhoedd"],
    ["who", "business", "On behalf of a business", "Ar ran busnes"],
    ["agree", "agree", "Agree", "Cytuno"],
    ["agree", "disagree", "Disagree", "Anghytuno"],
    ["heard", "local_news", "Local newspaper, radio or TV",
     "Papur newydd, radio neu deledu lleol"],
    ["heard", "social_media", "Social media", "Cyfryngau cymdeithasol"],
    ["heard", "word_of_mouth", "Word of mouth", "Ar lafar"],
]
SETTINGS = [["form_id", "version", "default_language"], ["consult", "3", "English (en)"]]
HEADERS = ["Response ID", "Timestamp", "Are you responding as...",
           "How far do you agree with the vision?", "How did you hear about it?",
           "Your age", "Browser"]
TODAY = dt.date(2026, 4, 20)


def clock() -> dt.datetime:
    return dt.datetime(2026, 4, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def form_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("forms") / "consult.xlsx"
    return write_form(path, {"survey": SURVEY, "choices": CHOICES, "settings": SETTINGS})


@pytest.fixture(scope="module")
def form(form_file: Path) -> Instrument:
    return load_xlsform(form_file)


@pytest.fixture
def service(store, form_file: Path) -> ConsultationService:  # type: ignore[no-untyped-def]
    InstrumentService(store).import_file(form_file)
    return ConsultationService(store, "u-7", "manager.one", now=clock)


def write_csv(path: Path, rows: list[list[str]], headers: list[str] | None = None,
              encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        writer.writerow(headers or HEADERS)
        writer.writerows(rows)
    return path


def question(form: Instrument, name: str) -> Question:
    node = form.find(name)
    assert isinstance(node, Question)
    return node


def held(store) -> list[ConsultationResponse]:  # type: ignore[no-untyped-def]
    return ConsultationService(store).responses("consult")


# --- matching columns and values ------------------------------------------------------


def test_headers_match_a_label_in_any_language_ignoring_case_and_space(form):
    headers = ["  ARE YOU RESPONDING AS...  ", "I ba raddau ydych chi’n cytuno â’r weledigaeth?",
               "age", "Timestamp", "Browser", "Response ID", "Thank you"]
    match = match_headers(form, headers)
    assert match.matched == {"  ARE YOU RESPONDING AS...  ": "respondent_type",
                             "I ba raddau ydych chi’n cytuno â’r weledigaeth?": "agree_vision",
                             "age": "age"}
    assert [c.target for c in match.columns] == [
        "respondent_type", "agree_vision", "age", RECEIVED, SOURCE, RESPONSE_ID, SOURCE]
    # A note is not answered: a column of that label is kept, not matched.
    assert match.unmatched == ["Timestamp", "Browser", "Thank you"]


def test_a_header_matching_two_questions_is_kept_and_reported(tmp_path):
    path = write_form(tmp_path / "twice.xlsx", {
        "survey": [["type", "name", "label"], ["text", "a", "Comments"],
                   ["text", "b", "Comments"]],
        "settings": [["form_id", "version"], ["twice", "1"]]})
    match = match_headers(load_xlsform(path), ["Comments"], filename="r.csv")
    assert match.unmatched == ["Comments"]
    assert [str(p) for p in match.problems] == [
        "r.csv, column 'Comments': the header matches several questions (a, b); it is kept "
        "as source metadata: map it to one of them by hand"]


def test_choice_labels_in_any_language_and_names_map_to_choices(form):
    who = question(form, "respondent_type")
    assert map_value(form, who, " a MEMBER of the public ") == ("public", None)
    assert map_value(form, who, "Aelod o’r cyhoedd") == ("public", None)
    assert map_value(form, who, "business") == ("business", None)
    value, why = map_value(form, who, "A parish council")
    assert value is None and why is not None and "'A parish council' is not one of" in why
    assert map_value(form, who, "   ") == (None, None)  # an empty cell: no answer


def test_a_multiple_choice_cell_is_split_without_breaking_a_label_holding_a_comma(form):
    heard = question(form, "heard_about")
    assert map_value(form, heard, "Local newspaper, radio or TV") == (["local_news"], None)
    assert map_value(form, heard, "Social media, Local newspaper, radio or TV") == (
        ["social_media", "local_news"], None)
    assert map_value(form, heard, "Word of mouth;Social media;") == (
        ["word_of_mouth", "social_media"], None)  # Microsoft Forms ends lists with ";"
    assert map_value(form, heard, "Ar lafar, Cyfryngau cymdeithasol") == (
        ["word_of_mouth", "social_media"], None)
    assert map_value(form, heard, "local_news word_of_mouth") == (
        ["local_news", "word_of_mouth"], None)  # ODK's own form
    value, why = map_value(form, heard, "Social media, Carrier pigeon")
    assert value is None and why is not None and why.startswith("'Carrier pigeon' is not one")


def test_numbers_and_dates_are_converted(form):
    age, day = question(form, "age"), question(form, "date_received")
    assert map_value(form, age, "34") == (34, None)
    assert map_value(form, age, "34.0") == (34, None)
    assert map_value(form, age, "forty")[1] == "'forty' is not a whole number"
    assert map_value(form, day, "02/03/2026") == ("2026-03-02", None)
    assert map_value(form, day, "2026-03-02 14:05:00") == ("2026-03-02", None)
    assert map_value(form, day, "31/02/2026")[0] is None


def test_a_file_not_in_utf8_is_refused_saying_so_and_a_bom_is_fine():
    with pytest.raises(CsvUnreadable, match=r"r\.csv is not UTF-8 text .* line 2"):
        read_csv("id,name\n1,Siân\n".encode("cp1252"), "r.csv")
    table = read_csv("\ufeffid,name\n1,Siân\n\n".encode(), "r.csv")
    assert table.headers == ("id", "name") and table.rows == ((2, ("1", "Siân")),)


# --- importing ---------------------------------------------------------------------------


ROWS = [
    ["R-101", "02/03/2026 10:15:00", "A member of the public", "Agree",
     "Social media, Local newspaper, radio or TV", "34", "Firefox"],
    ["R-102", "2026-03-03T09:00:00Z", "Ar ran busnes", "Disagree", "", "", "Edge"],
]


def test_an_import_keeps_each_row_with_its_answers_and_the_other_columns(service, store,
                                                                         tmp_path):
    calls: list[tuple[int, int]] = []
    outcome = service.import_file(write_csv(tmp_path / "r.csv", ROWS), "consult",
                                  "Response ID", progress=lambda *a: calls.append(a))
    assert (outcome.added, outcome.already_there, outcome.problems) == (2, 0, [])
    assert outcome.unmatched_columns == ["Timestamp", "Browser"]
    assert calls[-1] == (2, 2)
    first, second = held(store)
    assert (first.source_id, first.channel, first.form_version) == (
        "R-101", ResponseChannel.ONLINE, "3")
    assert json.loads(first.answers_json) == {
        "respondent_type": "public", "agree_vision": "agree",
        "heard_about": ["social_media", "local_news"], "age": 34}
    assert json.loads(first.source_json) == {"Timestamp": "02/03/2026 10:15:00",
                                             "Browser": "Firefox"}
    assert first.received_on == dt.date(2026, 3, 2)  # from the timestamp column
    assert second.received_on == dt.date(2026, 3, 3)
    assert json.loads(second.answers_json) == {"respondent_type": "business",
                                               "agree_vision": "disagree"}


def test_the_same_file_imported_twice_adds_nothing_the_second_time(service, store, tmp_path):
    path = write_csv(tmp_path / "r.csv", ROWS)
    service.import_file(path, "consult", "Response ID")
    again = service.import_file(path, "consult", "Response ID")
    assert (again.added, again.already_there) == (0, 2)
    assert len(held(store)) == 2


def test_a_response_brought_by_sync_is_not_imported_again(service, store, tmp_path):
    synced = ConsultationResponse(form_id="consult", form_version="3",
                                  channel=ResponseChannel.ONLINE,
                                  received_on=dt.date(2026, 3, 2), source_id="R-101")
    change = IncomingChange("consultation_response", synced.id, 1, False, to_dict(synced),
                            owner_id="another-laptop")
    store.writer.submit(lambda db: store_server_copy(db, change)).result()
    outcome = service.import_file(write_csv(tmp_path / "r.csv", ROWS), "consult",
                                  "Response ID")
    assert (outcome.added, outcome.already_there) == (1, 1)
    assert sorted(r.source_id for r in held(store)) == ["R-101", "R-102"]


def test_a_response_id_repeated_in_the_file_is_imported_once_and_reported(service, store,
                                                                          tmp_path):
    rows = [*ROWS, ["R-101", "", "", "Disagree", "", "", ""]]
    outcome = service.import_file(write_csv(tmp_path / "r.csv", rows), "consult",
                                  "Response ID")
    assert (outcome.added, outcome.already_there, outcome.not_imported) == (2, 0, 1)
    assert [str(p) for p in outcome.problems] == [
        "r.csv, row 4, column 'Response ID': the response id 'R-101' was already given at "
        "row 2; this row was not imported"]
    assert json.loads(held(store)[0].answers_json)["agree_vision"] == "agree"  # the first


def test_a_missing_id_column_is_refused_naming_it_and_the_columns(service, store, tmp_path):
    with pytest.raises(ConsultationRefused) as refused:
        service.import_file(write_csv(tmp_path / "r.csv", ROWS), "consult", "Respondent")
    assert str(refused.value) == (
        "r.csv has no column 'Respondent' for the response id (the source's own id, which "
        "keeps a response from being imported twice). Its columns are: 'Response ID', "
        "'Timestamp', 'Are you responding as...', 'How far do you agree with the vision?', "
        "'How did you hear about it?', 'Your age', 'Browser'.")
    assert held(store) == []


def test_every_bad_value_is_reported_with_row_and_column_and_its_text_kept(service, store,
                                                                         tmp_path):
    rows = [["R-1", "", "Someone", "Agree", "", "forty", ""],
            ["R-2", "", "", "Agree", "", "", ""],
            ["R-3", "yesterday", "", "Maybe", "", "", ""]]
    outcome = service.import_file(write_csv(tmp_path / "r.csv", rows), "consult",
                                  "Response ID")
    assert outcome.added == 3  # the responses are kept; the bad cells are not answers
    messages = [str(p) for p in outcome.problems]
    assert messages[0].startswith(
        "r.csv, row 2, column 'Are you responding as...' (question respondent_type): "
        "'Someone' is not one of the question's choices")
    assert messages[1] == (
        "r.csv, row 2, column 'Your age' (question age): 'forty' is not a whole number; the "
        "question is left unanswered and the text kept as source metadata")
    assert messages[2] == ("r.csv, row 4, column 'Timestamp': 'yesterday' is not a date "
                           "(2026-03-02 or 02/03/2026); the response is dated the day of "
                           "the import")
    assert messages[3].startswith("r.csv, row 4, column 'How far do you agree with the "
                                  "vision?' (question agree_vision): 'Maybe' is not one")
    assert len(messages) == 4
    first = held(store)[0]
    assert json.loads(first.answers_json) == {"agree_vision": "agree"}
    assert json.loads(first.source_json) == {"Are you responding as...": "Someone",
                                             "Your age": "forty"}
    assert held(store)[2].received_on == TODAY  # the import's day


def test_a_row_holding_a_phone_number_is_refused_and_the_others_imported(service, store,
                                                                        tmp_path):
    rows = [ROWS[0], ["R-102", "", "", "Agree", "", "", "ring 07700 900123"]]
    outcome = service.import_file(write_csv(tmp_path / "r.csv", rows), "consult",
                                  "Response ID")
    assert (outcome.added, outcome.not_imported) == (1, 1)
    assert [str(p) for p in outcome.problems] == [
        f"r.csv, row 3, column 'Browser': {PHONE_MESSAGE} This row was not imported."]
    assert [r.source_id for r in held(store)] == ["R-101"]


def test_a_row_without_its_id_is_reported_and_the_others_imported(service, store, tmp_path):
    rows = [ROWS[0], ["", "", "", "Agree", "", "", ""]]
    outcome = service.import_file(write_csv(tmp_path / "r.csv", rows), "consult",
                                  "Response ID")
    assert (outcome.added, outcome.not_imported) == (1, 1)
    assert str(outcome.problems[0]).startswith(
        "r.csv, row 3, column 'Response ID': the response id is empty")


def test_a_mapping_made_by_hand_is_saved_and_used_at_the_next_import(service, store,
                                                                    tmp_path):
    headers = ["Response ID", "What worries you", "Are you responding as..."]
    first = write_csv(tmp_path / "first.csv", [["R-1", "Speeding on rural roads", ""]],
                      headers)
    service.import_file(first, "consult", "Response ID",
                        mapping={"What worries you": "concerns"})
    assert mapping_setting("consult").get(store.reader) == {
        "What worries you": "concerns", "Response ID": RESPONSE_ID}
    # The next export: the same columns (their case changed), no mapping given, no id.
    second = write_csv(tmp_path / "second.csv", [["R-2", "Poor road conditions", ""]],
                       ["RESPONSE ID", "what worries you", "Are you responding as..."])
    plan = service.preview(second, "consult")
    assert [(c.header, c.target, c.how) for c in plan.columns] == [
        ("RESPONSE ID", RESPONSE_ID, "saved"), ("what worries you", "concerns", "saved"),
        ("Are you responding as...", "respondent_type", "label")]
    service.import_file(second, "consult", None)
    assert [json.loads(r.answers_json) for r in held(store)] == [
        {"concerns": "Speeding on rural roads"}, {"concerns": "Poor road conditions"}]


def test_a_mapping_to_no_question_is_refused_listing_the_questions(service, tmp_path):
    path = write_csv(tmp_path / "r.csv", ROWS)
    with pytest.raises(ConsultationRefused, match="'Browser' cannot map to 'browser': "
                                                  "consult has no question of that name"):
        service.import_file(path, "consult", "Response ID", mapping={"Browser": "browser"})
    with pytest.raises(ConsultationRefused, match="it is a note, which no one answers"):
        service.import_file(path, "consult", "Response ID", mapping={"Browser": "thanks"})


def test_a_shipped_form_not_held_is_imported_first_and_an_unknown_form_refused(store,
                                                                              tmp_path):
    service = ConsultationService(store, now=clock)
    path = write_csv(tmp_path / "r.csv", [["R-1", "Agree"]],
                     ["ID", "How far do you agree or disagree with the vision in the draft "
                            "strategy?"])
    outcome = service.import_file(path, "strategy_consultation", "ID")
    assert outcome.instrument_imported and outcome.added == 1
    assert [f.form_id for f in InstrumentService(store).forms()] == ["strategy_consultation"]
    assert json.loads(service.responses("strategy_consultation")[0].answers_json) == {
        "agree_vision": "agree"}
    with pytest.raises(ConsultationRefused, match="No form 'no_such_form' here"):
        service.import_file(path, "no_such_form", "ID")


# --- keying in --------------------------------------------------------------------------


def test_a_keyed_in_response_is_checked_by_the_form_and_saved_when_right(service, store):
    wrong = service.key_in("consult", ResponseChannel.PAPER, dt.date(2026, 4, 2),
                           {"respondent_type": "nobody", "age": 30})
    assert not wrong.saved and held(store) == []
    assert [p.name for p in wrong.problems] == ["respondent_type"]
    forced = service.key_in("consult", ResponseChannel.PAPER, dt.date(2026, 4, 2),
                            {"respondent_type": "nobody"}, force=True)
    assert forced.saved and forced.problems
    right = service.key_in("consult", ResponseChannel.EMAIL, dt.date(2026, 4, 3),
                           {"respondent_type": "public", "heard_about": ["word_of_mouth"]})
    assert right.saved and right.problems == []
    kept = {r.id: r for r in held(store)}[right.response.id]
    assert (kept.channel, kept.keyed_by, kept.source_id, kept.received_on) == (
        ResponseChannel.EMAIL, "manager.one", "", dt.date(2026, 4, 3))


def test_a_phone_number_keyed_in_is_never_saved_even_forced(service, store):
    result = service.key_in("consult", ResponseChannel.EMAIL, TODAY,
                            {"concerns": "Call me on 07700 900456"}, force=True)
    assert not result.saved
    assert [(p.name, p.message) for p in result.problems] == [("concerns", PHONE_MESSAGE)]
    with pytest.raises(ConsultationRefused, match="import the file"):
        service.key_in("consult", ResponseChannel.ONLINE, TODAY, {})
    assert held(store) == []


# --- the command line -------------------------------------------------------------------


def cli(capsys, paths, *args: str) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    code = main(["--data-dir", str(paths.data_dir), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_import_command_says_what_it_added_kept_and_found(capsys, paths, form_file,
                                                            tmp_path):
    assert cli(capsys, paths, "survey", "import", str(form_file))[0] == 0
    path = write_csv(tmp_path / "r.csv", [*ROWS, ["R-103", "", "", "Maybe", "", "", ""]])
    code, out, _err = cli(capsys, paths, "consultation", "import", str(path), "--form",
                          "consult", "--id-column", "Response ID")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Added 3 responses; 0 were already here."
    assert lines[1] == "Kept as source metadata (no question): 'Timestamp', 'Browser'"
    assert lines[-1].startswith("  r.csv, row 4, column 'How far do you agree with the "
                                "vision?' (question agree_vision): 'Maybe' is not one")
    code, out, _err = cli(capsys, paths, "consultation", "import", str(path), "--form",
                          "consult", "--id-column", "Response ID")
    assert code == 0 and out.splitlines()[0] == "Added 0 responses; 3 were already here."
    code, out, _err = cli(capsys, paths, "consultation", "list", "--form", "consult",
                          "--json")
    assert code == 0 and json.loads(out) == {
        "form_id": "consult", "responses": 3,
        "by_channel": {"online": 3, "email": 0, "paper": 0}}


def test_the_import_command_keeps_a_map_for_the_next_import(capsys, paths, form_file,
                                                           tmp_path):
    cli(capsys, paths, "survey", "import", str(form_file))
    headers = ["Response ID", "Worries"]
    code, _out, _err = cli(capsys, paths, "consultation", "import",
                           str(write_csv(tmp_path / "a.csv", [["R-1", "Speeding"]], headers)),
                           "--form", "consult", "--id-column", "Response ID",
                           "--map", "Worries=concerns")
    assert code == 0
    code, out, _err = cli(capsys, paths, "consultation", "import",
                          str(write_csv(tmp_path / "b.csv", [["R-2", "Parking"]], headers)),
                          "--form", "consult", "--id-column", "Response ID")
    assert code == 0 and "Kept as source metadata" not in out  # Worries -> concerns again


@pytest.mark.parametrize(("args", "code", "said"), [
    (["--id-column", "Respondent"], 1, "has no column 'Respondent' for the response id"),
    (["--id-column", "Response ID", "--form", "nope"], 1, "No form 'nope' here"),
    (["--id-column", "Response ID", "--map", "Browser=browser"], 1,
     "consult has no question of that name"),
])
def test_a_refused_import_exits_1_and_saves_nothing(capsys, paths, form_file, tmp_path,
                                                   args, code, said):
    cli(capsys, paths, "survey", "import", str(form_file))
    path = write_csv(tmp_path / "r.csv", ROWS)
    form = [] if "--form" in args else ["--form", "consult"]
    got, _out, err = cli(capsys, paths, "consultation", "import", str(path), *form, *args)
    assert got == code and said in err and "Nothing was imported" in err
    _code, out, _err = cli(capsys, paths, "consultation", "list", "--form", "consult")
    assert out.startswith("consult: 0 responses")


def test_a_file_that_cannot_be_read_exits_2(capsys, paths, form_file, tmp_path):
    cli(capsys, paths, "survey", "import", str(form_file))
    code, _out, err = cli(capsys, paths, "consultation", "import",
                          str(tmp_path / "missing.csv"), "--form", "consult",
                          "--id-column", "ID")
    assert code == 2 and "cannot read" in err and "missing.csv" in err
    latin = write_csv(tmp_path / "latin.csv", [["R-1", "", "Siân"]],
                      ["Response ID", "Timestamp", "Name"], encoding="cp1252")
    code, _out, err = cli(capsys, paths, "consultation", "import", str(latin), "--form",
                          "consult", "--id-column", "Response ID")
    assert code == 2 and "latin.csv is not UTF-8 text" in err

