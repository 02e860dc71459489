"""XLSForm instruments: loaded with pyxform into the plain model, or refused with the
sheet, row and column a survey manager can go and fix. Forms are written with openpyxl."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook

from icv_app.domain.survey.instrument import (
    MISSING_TRANSLATION,
    QUESTION_TYPES,
    Group,
    Instrument,
    InstrumentRefused,
    Question,
    load_xlsform,
    load_xlsform_bytes,
)

Rows = Sequence[Sequence[object]]

SETTINGS: Rows = [
    ["form_title", "form_id", "version"],
    ["Public confidence survey", "perception", "2024061001"],
]
AGREE: Rows = [
    ["list_name", "name", "label"],
    ["agree5", "strongly_agree", "Strongly agree"],
    ["agree5", "agree", "Agree"],
    ["agree5", "neither", "Neither agree nor disagree"],
    ["agree5", "disagree", "Disagree"],
    ["agree5", "strongly_disagree", "Strongly disagree"],
]
HEADER = ["type", "name", "label"]


def xlsx_bytes(
    survey: Rows | None,
    choices: Rows | None = None,
    settings: Rows | None = SETTINGS,
    extra: dict[str, Rows] | None = None,
) -> bytes:
    workbook = Workbook()
    sheets: dict[str, Rows | None] = {"survey": survey, "choices": choices, "settings": settings}
    sheets.update(extra or {})
    first = True
    for title, rows in sheets.items():
        if rows is None:
            continue
        sheet = workbook.active if first else workbook.create_sheet()
        assert sheet is not None
        sheet.title = title
        first = False
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_form(
    tmp_path: Path,
    survey: Rows | None,
    choices: Rows | None = None,
    settings: Rows | None = SETTINGS,
    name: str = "perception.xlsx",
    extra: dict[str, Rows] | None = None,
) -> Path:
    path = tmp_path / name
    path.write_bytes(xlsx_bytes(survey, choices, settings, extra))
    return path


def load(
    tmp_path: Path,
    survey: Rows | None,
    choices: Rows | None = None,
    settings: Rows | None = SETTINGS,
    extra: dict[str, Rows] | None = None,
) -> Instrument:
    return load_xlsform(write_form(tmp_path, survey, choices, settings, extra=extra))


def refusal(
    tmp_path: Path,
    survey: Rows | None,
    choices: Rows | None = None,
    settings: Rows | None = SETTINGS,
    extra: dict[str, Rows] | None = None,
) -> InstrumentRefused:
    with pytest.raises(InstrumentRefused) as caught:
        load(tmp_path, survey, choices, settings, extra)
    return caught.value


def where(err: InstrumentRefused) -> tuple[str | None, int | None, str | None]:
    return err.sheet, err.row, err.column


def question(instrument: Instrument, name: str) -> Question:
    node = instrument.find(name)
    assert isinstance(node, Question), name
    return node


def group(instrument: Instrument, name: str) -> Group:
    node = instrument.find(name)
    assert isinstance(node, Group), name
    return node


# --------------------------------------------------------------------------- loading


def test_every_supported_type_loads_with_its_row(tmp_path: Path) -> None:
    survey = [
        [*HEADER, "calculation"],
        ["start", "started"],
        ["end", "ended"],
        ["today", "interview_date"],
        ["integer", "age", "How old are you?"],
        ["decimal", "hours", "How many hours a week do you volunteer?"],
        ["text", "comment", "Anything else?"],
        ["select_one agree5", "confidence", "I have confidence in the police"],
        ["select_multiple agree5", "several", "Which of these apply?"],
        ["date", "incident_date", "When did it happen?"],
        ["time", "incident_time", "At what time?"],
        ["datetime", "callback_at", "When may we call back?"],
        ["note", "intro", "Thank you for taking part."],
        ["calculate", "age_next_year", None, "${age} + 1"],
        ["acknowledge", "consent", "The respondent agrees to take part"],
    ]
    instrument = load(tmp_path, survey, AGREE)

    types = {node.name: node.type for node in instrument.questions()}
    assert types == {
        "started": "start",
        "ended": "end",
        "interview_date": "today",
        "age": "integer",
        "hours": "decimal",
        "comment": "text",
        "confidence": "select_one",
        "several": "select_multiple",
        "incident_date": "date",
        "incident_time": "time",
        "callback_at": "datetime",
        "intro": "note",
        "age_next_year": "calculate",
        "consent": "acknowledge",
    }
    assert set(types.values()) == set(QUESTION_TYPES)
    assert [node.row for node in instrument.questions()] == list(range(2, 16))
    assert question(instrument, "confidence").list_name == "agree5"
    assert question(instrument, "several").list_name == "agree5"
    assert question(instrument, "age").list_name is None
    assert question(instrument, "age_next_year").calculation == "${age} + 1"
    assert question(instrument, "age").labels == {"default": "How old are you?"}


def test_pyxform_aliases_of_supported_types(tmp_path: Path) -> None:
    survey = [
        HEADER,
        ["int", "a", "A"],
        ["string", "b", "B"],
        ["dateTime", "c", "C"],
        ["select one agree5", "d", "D"],
        ["select all that apply agree5", "e", "E"],
        ["begin_group", "g", "G"],
        ["integer", "f", "F"],
        ["end_group"],
    ]
    instrument = load(tmp_path, survey, AGREE)
    types = [node.type for node in instrument.questions() if isinstance(node, Question)]
    assert types == ["integer", "text", "datetime", "select_one", "select_multiple", "integer"]
    assert isinstance(instrument.find("g"), Group)


def test_groups_nest_and_questions_come_depth_first_in_form_order(tmp_path: Path) -> None:
    survey = [
        [*HEADER, "relevant", "appearance"],
        ["integer", "age", "Age"],
        ["begin group", "policing", "Policing in your area", "${age} >= 16", "field-list"],
        ["select_one agree5", "visible", "Police are visible"],
        ["begin group", "contact", "Contact"],
        ["select_one agree5", "emergency", "I could reach the police in an emergency"],
        ["end group"],
        ["text", "why", "Why?"],
        ["end group"],
        ["note", "bye", "Thank you"],
    ]
    instrument = load(tmp_path, survey, AGREE)

    assert [node.name for node in instrument.questions()] == [
        "age",
        "policing",
        "visible",
        "contact",
        "emergency",
        "why",
        "bye",
    ]
    policing = group(instrument, "policing")
    assert [child.name for child in policing.children] == ["visible", "contact", "why"]
    assert policing.row == 3
    assert policing.labels == {"default": "Policing in your area"}
    assert policing.relevant == "${age} >= 16"
    assert policing.appearance == "field-list"
    assert policing.repeat is False and policing.repeat_count is None
    contact = group(instrument, "contact")
    assert [child.name for child in contact.children] == ["emergency"]
    assert question(instrument, "emergency").row == 6
    assert [child.name for child in instrument.root.children] == ["age", "policing", "bye"]
    assert instrument.root.name == "perception"
    assert instrument.find("nope") is None


def test_repeat_keeps_its_count_as_written(tmp_path: Path) -> None:
    survey = [
        [*HEADER, "repeat_count"],
        ["integer", "children", "How many children live with you?"],
        ["begin repeat", "child", "Child", "${children}"],
        ["integer", "child_age", "Age of this child"],
        ["end repeat"],
        ["begin repeat", "adult", "Adult", "${children} + 1"],
        ["text", "adult_name", "First name"],
        ["end repeat"],
    ]
    instrument = load(tmp_path, survey)

    child = group(instrument, "child")
    assert child.repeat is True
    assert child.repeat_count == "${children}"
    assert [c.name for c in child.children] == ["child_age"]
    adult = group(instrument, "adult")
    # pyxform adds a calculate 'adult_count' for a count that is not a plain reference;
    # the model keeps the expression and leaves the generated node out.
    assert adult.repeat_count == "${children} + 1"
    assert instrument.find("adult_count") is None
    names = [node.name for node in instrument.questions()]
    assert names == ["children", "child", "child_age", "adult", "adult_name"]
    assert instrument.find("meta") is None and instrument.find("instanceID") is None


def test_logic_columns_are_kept_as_written(tmp_path: Path) -> None:
    survey = [
        [
            "type",
            "name",
            "label",
            "hint",
            "relevant",
            "constraint",
            "constraint_message",
            "required",
            "required_message",
            "calculation",
            "default",
            "appearance",
            "read_only",
        ],
        [
            "integer",
            "age",
            "Age",
            "In whole years",
            None,
            ". >= 16 and . <= 120",
            "Only people aged 16 or over",
            "yes",
            "Please give an age",
        ],
        [
            "select_one agree5",
            "confident",
            "Confident?",
            None,
            "${age} >= 18",
            None,
            None,
            "${age} > 20",
            None,
            None,
            "agree",
            "horizontal",
        ],
        [
            "text",
            "area",
            "Area",
            None,
            None,
            None,
            None,
            "no",
            None,
            None,
            "Shropshire",
            None,
            "yes",
        ],
        ["calculate", "decade", None, None, None, None, None, None, None, "int(${age} div 10)"],
        [
            "date",
            "visit",
            "Date of visit",
            None,
            None,
            ". <= today()",
            None,
            "true()",
            None,
            None,
            "today()",
        ],
    ]
    instrument = load(tmp_path, survey, AGREE)

    age = question(instrument, "age")
    assert age.hints == {"default": "In whole years"}
    assert age.constraint == ". >= 16 and . <= 120"
    assert age.constraint_messages == {"default": "Only people aged 16 or over"}
    assert age.required == "true()"  # "yes" as the expression it means
    assert age.required_messages == {"default": "Please give an age"}
    assert age.relevant is None and age.read_only is None and age.default is None
    confident = question(instrument, "confident")
    assert confident.relevant == "${age} >= 18"
    assert confident.required == "${age} > 20"
    assert confident.default == "agree"
    assert confident.appearance == "horizontal"
    area = question(instrument, "area")
    assert area.required is None  # "no"
    assert area.default == "Shropshire"
    assert area.read_only == "true()"
    assert question(instrument, "decade").calculation == "int(${age} div 10)"
    visit = question(instrument, "visit")
    assert visit.required == "true()"
    assert visit.default == "today()"
    assert visit.constraint == ". <= today()"


def test_cascading_selects_keep_the_filter_and_the_extra_choice_columns(
    tmp_path: Path,
) -> None:
    survey = [
        [*HEADER, "choice_filter"],
        ["select_one county", "county", "Which county do you live in?"],
        ["select_one lpa", "lpa", "Which policing area?", "county=${county}"],
    ]
    choices = [
        ["list_name", "name", "label", "county"],
        ["county", "shropshire", "Shropshire"],
        ["county", "worcestershire", "Worcestershire"],
        ["lpa", "shropshire_lpa", "Shropshire", "shropshire"],
        ["lpa", "telford", "Telford and Wrekin", "shropshire"],
        ["lpa", "north_worcs", "North Worcestershire", "worcestershire"],
        ["lpa", "south_worcs", "South Worcestershire", "worcestershire"],
    ]
    instrument = load(tmp_path, survey, choices)

    lpa = question(instrument, "lpa")
    assert lpa.choice_filter == "county=${county}"
    assert lpa.list_name == "lpa"
    assert question(instrument, "county").choice_filter is None
    assert list(instrument.choices) == ["county", "lpa"]
    lpas = instrument.choices["lpa"]
    assert [c.name for c in lpas] == ["shropshire_lpa", "telford", "north_worcs", "south_worcs"]
    assert lpas[1].labels == {"default": "Telford and Wrekin"}
    assert lpas[1].columns == {"county": "shropshire"}
    assert [c.columns.get("county") for c in lpas] == [
        "shropshire",
        "shropshire",
        "worcestershire",
        "worcestershire",
    ]
    assert instrument.choices["county"][0].columns == {}


def test_two_languages_in_column_order_with_pyxform_fallback(tmp_path: Path) -> None:
    survey = [
        [
            "type",
            "name",
            "label::English (en)",
            "label::Welsh (cy)",
            "hint::English (en)",
            "constraint_message::English (en)",
            "constraint_message::Welsh (cy)",
            "constraint",
        ],
        [
            "select_one agree",
            "agrees",
            "Do you agree?",
            "Ydych chi'n cytuno?",
            "Read out the answers",
        ],
        [
            "integer",
            "age",
            "How old are you?",
            "Faint yw eich oed chi?",
            None,
            "16 or over",
            "16 neu hŷn",
            ". >= 16",
        ],
        ["text", "name_given", "What is your first name?"],
    ]
    choices = [
        ["list_name", "name", "label::English (en)", "label::Welsh (cy)"],
        ["agree", "yes", "Yes", "Ydw"],
        ["agree", "no", "No"],
    ]
    settings = [
        ["form_id", "version", "default_language"],
        ["perception", "3", "English (en)"],
    ]
    instrument = load(tmp_path, survey, choices, settings)

    assert instrument.languages == ("English (en)", "Welsh (cy)")
    assert instrument.default_language == "English (en)"
    agrees = question(instrument, "agrees")
    assert agrees.labels == {"English (en)": "Do you agree?", "Welsh (cy)": "Ydych chi'n cytuno?"}
    # A text missing in one language is "-" there, as in the XForm pyxform writes.
    assert agrees.hints == {"English (en)": "Read out the answers", "Welsh (cy)": "-"}
    assert MISSING_TRANSLATION == "-"
    age = question(instrument, "age")
    assert age.constraint_messages == {"English (en)": "16 or over", "Welsh (cy)": "16 neu hŷn"}
    assert question(instrument, "name_given").labels["Welsh (cy)"] == MISSING_TRANSLATION
    assert instrument.choices["agree"][0].labels == {"English (en)": "Yes", "Welsh (cy)": "Ydw"}
    assert instrument.choices["agree"][1].labels == {"English (en)": "No", "Welsh (cy)": "-"}
    assert any("Welsh (cy)" in warning for warning in instrument.warnings)


def test_without_default_language_the_first_language_is_the_default(tmp_path: Path) -> None:
    survey = [
        ["type", "name", "label::Welsh (cy)", "label::English (en)"],
        ["integer", "age", "Oed", "Age"],
    ]
    instrument = load(tmp_path, survey)
    assert instrument.languages == ("Welsh (cy)", "English (en)")
    assert instrument.default_language == "Welsh (cy)"


def test_a_form_without_language_columns_has_one_default_language(tmp_path: Path) -> None:
    instrument = load(tmp_path, [HEADER, ["integer", "age", "Age"]])
    assert instrument.languages == ("default",)
    assert instrument.default_language == "default"
    assert question(instrument, "age").labels == {"default": "Age"}


def test_settings_give_id_title_and_version(tmp_path: Path) -> None:
    instrument = load(tmp_path, [HEADER, ["integer", "age", "Age"]])
    assert instrument.form_id == "perception"
    assert instrument.title == "Public confidence survey"
    assert instrument.version == "2024061001"

    other = tmp_path / "other"
    other.mkdir()
    numeric = [["version"], [7]]
    bare = load_xlsform(
        write_form(
            other, [HEADER, ["integer", "age", "Age"]], None, numeric, name="road_safety.xlsx"
        )
    )
    assert bare.version == "7"
    assert bare.form_id == "road_safety"  # the file's stem
    assert bare.title == "road_safety"


def test_source_hash_is_the_file_sha256_and_stable(tmp_path: Path) -> None:
    path = write_form(tmp_path, [HEADER, ["integer", "age", "Age"]])
    data = path.read_bytes()
    first = load_xlsform(path)
    again = load_xlsform_bytes(data, "perception.xlsx")
    assert first.source_sha256 == hashlib.sha256(data).hexdigest()
    assert again.source_sha256 == first.source_sha256
    assert again == first
    changed = load_xlsform_bytes(xlsx_bytes([HEADER, ["integer", "age", "Your age"]]), "p.xlsx")
    assert changed.source_sha256 != first.source_sha256


def test_unnamed_notes_metadata_and_note_columns(tmp_path: Path) -> None:
    survey = [
        [*HEADER, "comments", "guidance_hint", "trigger"],
        ["start", "start"],
        ["note", None, "Is it safe for you to talk now?", "ask first", "Read slowly"],
        [None, None, None, "a comment row, skipped"],
        ["integer", "age", "Age"],
    ]
    instrument = load(tmp_path, survey)
    note = instrument.root.children[1]
    assert isinstance(note, Question) and note.type == "note"
    assert note.name == "generated_note_name_3" and note.row == 3
    assert question(instrument, "start").labels == {}
    assert question(instrument, "age").row == 5


def test_table_list_group_keeps_its_rows_and_no_generated_nodes(tmp_path: Path) -> None:
    survey = [
        [*HEADER, "appearance"],
        ["begin group", "grid", "How much do you agree?", "table-list"],
        ["select_one agree5", "fair", "Police treat everyone fairly"],
        ["select_one agree5", "integrity", "Police act with integrity"],
        ["end group"],
    ]
    instrument = load(tmp_path, survey, AGREE)
    grid = group(instrument, "grid")
    assert [c.name for c in grid.children] == ["fair", "integrity"]
    assert grid.labels == {"default": "How much do you agree?"}
    assert grid.appearance == "table-list"
    assert question(instrument, "fair").appearance is None


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "type_text",
    [
        "geopoint",
        "geotrace",
        "image",
        "audio",
        "video",
        "file",
        "barcode",
        "range",
        "rank agree5",
        "select_one_from_file lpas.csv",
        "select_one lpas.csv",
        "select_one ${earlier}",
        "select_one_external agree5",
        "hidden",
    ],
)
def test_unsupported_question_types_are_refused_at_their_row(
    tmp_path: Path, type_text: str
) -> None:
    survey = [
        HEADER,
        ["integer", "age", "Age"],
        ["text", "earlier", "Earlier"],
        [type_text, "q", "Question"],
    ]
    err = refusal(tmp_path, survey, AGREE)
    assert where(err) == ("survey", 4, "type")
    assert f"the type '{type_text}' is not supported here" in err.message
    assert "supported: integer, decimal, text, select_one" in err.message


@pytest.mark.parametrize("type_text", ["deviceid", "username", "audit", "phonenumber"])
def test_device_metadata_is_refused_saying_the_app_records_it(
    tmp_path: Path, type_text: str
) -> None:
    err = refusal(tmp_path, [HEADER, [type_text, type_text], ["integer", "age", "Age"]])
    assert where(err) == ("survey", 2, "type")
    assert "records the interviewer, the device and the timings itself" in err.message


def test_refusal_reads_as_file_sheet_row_column_and_reason(tmp_path: Path) -> None:
    survey = [HEADER] + [["integer", f"q{n}", f"Question {n}"] for n in range(12)]
    survey.append(["geopoint", "where", "Where are you?"])
    err = refusal(tmp_path, survey)
    assert (err.file, err.sheet, err.row, err.column) == ("perception.xlsx", "survey", 14, "type")
    assert str(err).startswith(
        "perception.xlsx, sheet survey, row 14, column type: the type 'geopoint' is not "
        "supported here (supported: integer, decimal, "
    )
    assert isinstance(err, Exception)


def test_a_misspelt_type_is_not_an_xlsform_type(tmp_path: Path) -> None:
    err = refusal(tmp_path, [HEADER, ["interger", "age", "Age"]])
    assert where(err) == ("survey", 2, "type")
    assert "'interger' is not an XLSForm question type" in err.message


def test_select_or_other_is_refused_with_what_to_do_instead(tmp_path: Path) -> None:
    err = refusal(tmp_path, [HEADER, ["select_one agree5 or_other", "q", "Q"]], AGREE)
    assert where(err) == ("survey", 2, "type")
    assert "'or_other'" in err.message and "add an 'other' choice" in err.message


def test_a_loop_is_refused(tmp_path: Path) -> None:
    survey = [
        HEADER,
        ["begin loop over agree5", "each", "Each"],
        ["integer", "n", "N"],
        ["end loop"],
    ]
    err = refusal(tmp_path, survey, AGREE)
    assert where(err) == ("survey", 2, "type")
    assert "not supported here: use a repeat" in err.message


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("trigger", "${age}", "trigger"),
        ("parameters", "randomize=true", "parameters"),
        ("media::image", "police.png", "pictures, audio and video"),
        ("image", "police.png", "pictures, audio and video"),
        ("audio::English (en)", "q.mp3", "pictures, audio and video"),
        ("disabled", "yes", "disabled column"),
        ("save_to", "age", "entities"),
        ("body::accuracyThreshold", "5", "column 'body::accuracyThreshold' is not supported"),
        ("bind::odk:length", "3", "column 'bind::odk:length' is not supported"),
    ],
)
def test_columns_that_would_change_behaviour_are_refused_where_used(
    tmp_path: Path, header: str, value: str, reason: str
) -> None:
    survey = [[*HEADER, header], ["integer", "age", "Age"], ["text", "town", "Town", value]]
    err = refusal(tmp_path, survey)
    assert where(err) == ("survey", 3, header)
    assert reason in err.message

    # The same column left empty changes nothing and is accepted.
    empty = tmp_path / "empty"
    empty.mkdir()
    instrument = load(empty, [[*HEADER, header], ["integer", "age", "Age"]])
    assert question(instrument, "age").row == 2


def test_choice_media_is_refused(tmp_path: Path) -> None:
    choices = [[*list(AGREE[0]), "image"], *AGREE[1:3], ["agree5", "x", "X", "x.png"]]
    err = refusal(tmp_path, [HEADER, ["select_one agree5", "q", "Q"]], choices)
    assert where(err) == ("choices", 4, "image")
    assert "pictures, audio and video" in err.message


@pytest.mark.parametrize(
    ("settings", "hint"),
    [
        (None, "add a settings sheet"),
        ([["form_id", "form_title"], ["perception", "Perception"]], "add a 'version' column"),
        ([["form_id", "version"], ["perception", None]], "add a 'version' column"),
    ],
)
def test_a_form_without_version_is_refused(
    tmp_path: Path, settings: Rows | None, hint: str
) -> None:
    err = refusal(tmp_path, [HEADER, ["integer", "age", "Age"]], None, settings)
    assert where(err) == ("settings", None, "version")
    assert hint in err.message
    assert "every response records the version" in err.message


def test_a_reference_to_no_question_is_refused_at_its_cell(tmp_path: Path) -> None:
    survey = [
        [*HEADER, "relevant"],
        ["integer", "age", "Age"],
        ["select_one agree5", "confident", "Confident?", "${agee} > 16"],
    ]
    err = refusal(tmp_path, survey, AGREE)
    assert where(err) == ("survey", 3, "relevant")
    assert "${agee} refers to no question or group" in err.message


def test_a_reference_in_a_translated_label_names_its_language_column(tmp_path: Path) -> None:
    survey = [
        ["type", "name", "label::English (en)", "label::Welsh (cy)"],
        ["text", "town", "Town", "Tref"],
        ["note", "thanks", "Thanks, ${town}", "Diolch, ${tref}"],
    ]
    err = refusal(tmp_path, survey)
    assert where(err) == ("survey", 3, "label::Welsh (cy)")
    assert "${tref}" in err.message


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("${ age > 1", "must be written ${name}"),
        ("${last-saved#age} > 1", "last-saved"),
        ("pulldata('lpas', 'name', 'id', ${age})", "pulldata() reads a file"),
    ],
)
def test_unusable_expressions_are_refused(tmp_path: Path, cell: str, message: str) -> None:
    survey = [[*HEADER, "calculation"], ["integer", "age", "Age"], ["calculate", "c", None, cell]]
    err = refusal(tmp_path, survey)
    assert where(err) == ("survey", 3, "calculation")
    assert message in err.message


def test_duplicate_names_are_refused_even_in_different_groups(tmp_path: Path) -> None:
    survey = [
        HEADER,
        ["begin group", "first", "First"],
        ["integer", "age", "Age"],
        ["end group"],
        ["begin group", "second", "Second"],
        ["integer", "age", "Age again"],
        ["end group"],
    ]
    err = refusal(tmp_path, survey)
    assert where(err) == ("survey", 6, "name")
    assert "the name 'age' is already used on row 3" in err.message


def test_a_select_whose_list_is_not_on_the_choices_sheet_is_refused(tmp_path: Path) -> None:
    err = refusal(tmp_path, [HEADER, ["select_one agree4", "q", "Q"]], AGREE)
    assert where(err) == ("survey", 2, "type")
    assert "the choice list 'agree4' is not on the choices sheet" in err.message
    assert "agree5" in err.message


def test_a_select_with_no_choices_sheet_is_refused(tmp_path: Path) -> None:
    err = refusal(tmp_path, [HEADER, ["integer", "a", "A"], ["select_multiple yn", "q", "Q"]])
    assert where(err) == ("survey", 3, "type")
    assert "there is no choices sheet" in err.message


def test_a_select_one_without_a_list_is_refused(tmp_path: Path) -> None:
    err = refusal(tmp_path, [HEADER, ["select_one", "q", "Q"]], AGREE)
    assert where(err) == ("survey", 2, "type")
    assert "needs the name of its choice list" in err.message


def test_choices_without_label_or_list_name_are_refused(tmp_path: Path) -> None:
    survey = [HEADER, ["select_one agree5", "q", "Q"]]
    err = refusal(tmp_path, survey, [*AGREE, ["agree5", "dont_know"]])
    assert where(err) == ("choices", 7, "label")
    assert "the choice 'dont_know' of the list 'agree5' has no label" in err.message

    other = tmp_path / "other"
    other.mkdir()
    err = refusal(other, survey, [*AGREE[:3], [None, "dont_know", "Don't know"]])
    assert where(err) == ("choices", 4, "list_name")
    assert "has no list name" in err.message


def test_select_multiple_choice_names_with_spaces_are_refused(tmp_path: Path) -> None:
    choices = [AGREE[0], ["often", "every day", "Every day"], ["often", "never", "Never"]]
    err = refusal(tmp_path, [HEADER, ["select_multiple often", "q", "Q"]], choices)
    assert where(err) == ("choices", 2, "name")
    assert "has a space" in err.message


def test_a_question_without_a_label_is_refused(tmp_path: Path) -> None:
    err = refusal(tmp_path, [HEADER, ["integer", "age", "Age"], ["text", "town"]])
    assert where(err) == ("survey", 3, "label")
    assert "the question 'town' has no label" in err.message


def test_a_row_with_a_name_but_no_type_is_refused(tmp_path: Path) -> None:
    err = refusal(tmp_path, [HEADER, ["integer", "age", "Age"], [None, "town", "Town"]])
    assert where(err) == ("survey", 3, "type")
    assert "no type" in err.message


def test_a_default_language_no_label_uses_is_refused(tmp_path: Path) -> None:
    survey = [["type", "name", "label::English (en)"], ["integer", "age", "Age"]]
    settings = [["version", "default_language"], ["1", "English"]]
    err = refusal(tmp_path, survey, None, settings)
    assert where(err) == ("settings", 2, "default_language")
    assert "'English' is not a language of any label" in err.message


# ---- pyxform's own errors, translated into sheet, row and column


def test_pyxform_unmatched_begin_group(tmp_path: Path) -> None:
    err = refusal(
        tmp_path, [HEADER, ["integer", "a", "A"], ["begin group", "g", "G"], ["integer", "b", "B"]]
    )
    assert where(err) == ("survey", 3, "type")
    assert "the group 'g' begins here but never ends" in err.message
    assert "[row" not in str(err)


def test_pyxform_unmatched_end_repeat(tmp_path: Path) -> None:
    err = refusal(tmp_path, [HEADER, ["integer", "a", "A"], ["end repeat"]])
    assert where(err) == ("survey", 3, "type")
    assert "'end repeat' has no 'begin repeat' above it" in err.message


def test_pyxform_missing_calculation_names_the_column(tmp_path: Path) -> None:
    err = refusal(tmp_path, [[*HEADER, "calculation"], ["integer", "a", "A"], ["calculate", "c"]])
    assert where(err) == ("survey", 3, "calculation")
    assert "needs its formula in the calculation column" in err.message


def test_pyxform_invalid_name(tmp_path: Path) -> None:
    err = refusal(tmp_path, [HEADER, ["integer", "1st_age", "Age"]])
    assert where(err) == ("survey", 2, "name")
    assert "Names must begin with a letter or underscore" in err.message
    assert "On the 'survey' sheet" not in err.message


def test_pyxform_duplicate_choice_names(tmp_path: Path) -> None:
    err = refusal(
        tmp_path,
        [HEADER, ["select_one agree5", "q", "Q"]],
        [*AGREE, ["agree5", "agree", "Agree again"]],
    )
    assert where(err) == ("choices", 7, "name")
    assert "Choice names must be unique" in err.message


def test_pyxform_reference_check_reaches_note_columns(tmp_path: Path) -> None:
    err = refusal(tmp_path, [[*HEADER, "comments"], ["integer", "a", "A", "see ${zz}"]])
    assert where(err) == ("survey", 2, "comments")
    assert "Could not find the name 'zz'" in err.message


def test_a_duplicated_column_header_is_placed(tmp_path: Path) -> None:
    err = refusal(tmp_path, [["type", "name", "label", "label"], ["integer", "a", "A", "B"]])
    assert where(err) == ("survey", 1, "label")
    assert "appears twice" in err.message


# ---- not an XLSForm at all


def test_a_text_file_renamed_xlsx_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "perception.xlsx"
    path.write_text("type,name,label\ninteger,age,Age\n,,,,\n", encoding="utf-8")
    with pytest.raises(InstrumentRefused) as caught:
        load_xlsform(path)
    assert where(caught.value) == (None, None, None)
    assert "not an Excel workbook (.xlsx)" in caught.value.message
    assert str(caught.value).startswith("perception.xlsx: ")


def test_an_old_xls_file_is_refused_with_advice(tmp_path: Path) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    with pytest.raises(InstrumentRefused) as caught:
        load_xlsform_bytes(data, "old.xls")
    assert "save it as an Excel workbook (.xlsx)" in caught.value.message


def test_an_empty_workbook_is_refused(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    with pytest.raises(InstrumentRefused) as caught:
        load_xlsform_bytes(buffer.getvalue(), "empty.xlsx")
    assert where(caught.value) == (None, None, None)
    assert "no sheet named 'survey'" in caught.value.message


def test_a_misspelt_survey_sheet_is_refused_with_the_likely_sheet(tmp_path: Path) -> None:
    data = xlsx_bytes(None, extra={"surveys": [HEADER, ["integer", "a", "A"]]})
    with pytest.raises(InstrumentRefused) as caught:
        load_xlsform_bytes(data, "p.xlsx")
    assert "no sheet named 'survey'" in caught.value.message
    assert "'surveys'" in caught.value.message


def test_a_survey_sheet_without_header_is_refused(tmp_path: Path) -> None:
    err = refusal(tmp_path, [[], ["integer", "age", "Age"]])
    assert where(err) == ("survey", 1, None)
    assert "the first row must name the columns" in err.message


def test_a_survey_sheet_whose_first_row_is_a_question_is_refused(tmp_path: Path) -> None:
    err = refusal(tmp_path, [["integer", "age", "Age"], ["text", "town", "Town"]])
    assert where(err) == ("survey", 1, None)
    assert "no type and name column" in err.message


def test_a_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a spreadsheet")
    with pytest.raises(InstrumentRefused) as caught:
        load_xlsform_bytes(buffer.getvalue(), "perception.xlsx")
    assert "could not be read as an Excel workbook" in caught.value.message


def test_entities_sheet_is_refused(tmp_path: Path) -> None:
    entities = {"entities": [["list_name", "label"], ["people", "${age}"]]}
    err = refusal(tmp_path, [HEADER, ["integer", "age", "Age"]], extra=entities)
    assert where(err) == ("entities", None, None)
    assert "not supported" in err.message


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InstrumentRefused) as caught:
        load_xlsform(tmp_path / "gone.xlsx")
    assert caught.value.file == "gone.xlsx"
    assert "could not be read" in caught.value.message


def test_damaged_workbooks_are_refused_never_crash(tmp_path: Path) -> None:
    good = xlsx_bytes([HEADER, ["integer", "age", "Age"]])
    damaged = [good[:n] for n in (4, 30, len(good) // 2, len(good) - 30)]
    damaged += [good[:n] + bytes([good[n] ^ 0xFF]) + good[n + 1 :] for n in range(200, 2000, 300)]
    for data in damaged:
        try:
            load_xlsform_bytes(data, "damaged.xlsx")
        except InstrumentRefused as err:
            assert err.file == "damaged.xlsx"


@pytest.mark.parametrize(
    ("column", "cell", "words"),
    [
        ("relevant", "${age} >= 18 and zzz(1)", "unknown function zzz()"),
        ("constraint", ". > (3", "("),
        ("calculation", "digest(${age}, 'MD5')", "digest"),
        ("choice_filter", "county = 'north", "string"),
    ],
)
def test_an_expression_the_engine_cannot_run_is_refused_at_its_cell(
    tmp_path: Path, column: str, cell: str, words: str
) -> None:
    survey = [[*HEADER, column], ["integer", "age", "Age"]]
    if column == "calculation":
        survey.append(["calculate", "c", None, cell])
    elif column == "choice_filter":
        survey.append(["select_one agree5", "q", "Q", cell])
    else:
        survey.append(["integer", "n", "N", cell])
    err = refusal(tmp_path, survey, AGREE)
    assert where(err) == ("survey", 3, column)
    assert "cannot be used" in err.message and words in err.message
