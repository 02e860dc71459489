"""XLSForm survey instruments, read with pyxform into a plain model (no Qt).

An instrument is an XLSForm workbook (.xlsx; sheets ``survey``, ``choices``, ``settings``)
as ODK, KoboToolbox and SurveyCTO use them. pyxform, the reference converter, is the
parser: nothing here parses XLSForm by hand. Loading goes:

1. the bytes are hashed (``source_sha256``) and sniffed: only an .xlsx/.xlsm workbook
   (a zip) is read, so a text file renamed .xlsx is refused instead of being parsed as
   CSV, which pyxform would otherwise try;
2. ``pyxform.xls2json_backends.get_xlsform`` reads the sheets into rows (the row at index
   ``i`` is the Excel row ``i + 2``: pyxform keeps blank rows so that row numbers hold);
3. this module's own checks run over those rows, after pyxform's own header handling
   (``dealias_and_group_headers``: aliases such as ``relevance`` or ``repeat_count``,
   ``label::Welsh (cy)`` columns): the types, the columns, names, choice lists and
   ``${name}`` references, each refusal naming the sheet, row and column;
4. ``pyxform.xls2json.workbook_to_json`` builds pyxform's form dict (nesting of groups and
   repeats, select types and lists, the choices), ``builder.create_survey_element_from_dict``
   the survey, and ``Survey.to_xml`` the XForm, which checks what is left (references
   resolved to XPaths, translations). Any ``PyXFormError`` becomes an
   :class:`InstrumentRefused` with pyxform's ``[row : N]`` and "On the 'x' sheet, the 'y'
   value" turned into sheet, row and column (the column found from the message when pyxform
   does not name it);
5. the model is built from pyxform's tree, every node taking its settings from its own
   survey row as pyxform read it. Elements pyxform generates (the ``meta`` group and its
   ``instanceID``, a repeat count's ``<repeat>_count`` calculate, table-list header rows)
   have no row and are left out; an unnamed note keeps pyxform's name for it,
   ``generated_note_name_<row>``.

Supported question types: integer, decimal, text, select_one, select_multiple, date,
time, datetime, note, calculate, acknowledge, and the metadata types start, end and today
(never asked: the runner fills them with the interview's start and end time and its
date); ``begin group``/``end group`` and ``begin repeat``/``end repeat`` (with
``repeat_count``). The aliases ``int``, ``string``, ``dateTime``, ``select one``, …
that pyxform accepts for these are accepted.

Supported survey columns: type, name, label, hint, relevant, constraint,
constraint_message, required, required_message, calculation, default, appearance,
read_only, choice_filter, repeat_count (and pyxform's aliases for them); label, hint,
constraint_message and required_message may carry a language (``label::Welsh (cy)``).
Settings: form_id, form_title, version (required), default_language; the others that
concern ODK servers or devices (instance_name, style, public_key, submission_url,
auto_send, auto_delete, namespaces, …) are ignored. Choices: list_name, name, label(s),
and any further columns, kept on each :class:`Choice` for ``choice_filter``.

Refused at load, so that no interview can start on a form the app would run differently
from ODK:

* every other question type (geopoint, image, audio, video, file, barcode, range, rank,
  select_one_from_file, select_one_external, ``or_other``, choices from earlier answers
  ``select_one ${q}``, device metadata such as deviceid or audit, …) and ``begin loop``;
* columns pyxform knows that change behaviour the app does not implement, as soon as a
  cell in them has a value: trigger, parameters, media (image, big-image, audio, video,
  on the survey or the choices sheet), autoplay, intent, disabled, save_to, and any
  other ``bind::``/``body::`` attribute or pyxform survey column not listed above;
* a missing version; a duplicate name anywhere in the survey (the app finds questions by
  name, so names must be unique across groups and repeats too); a ``${name}`` naming no
  question or group (or ``${last-saved#name}``); ``pulldata()`` and ``search()``, which
  need files beside the form; a select whose list is not on the choices sheet; a
  ``select_one`` without a list name; a choice without a list name or without any label;
  a select_multiple choice name with a space; a question (other than calculate and the
  metadata types) without a label; a ``default_language`` that no label uses;
* the entities, external_choices and osm sheets when they hold rows;
* everything pyxform itself refuses, and a file that is not an XLSForm (not .xlsx, an
  old .xls, a damaged workbook, no survey sheet, a survey sheet without its header row
  or without a type or name column, a header that is a number or appears twice, a survey
  sheet with no questions).

Ignored: columns pyxform does not know (comments, notes to translators, …: pyxform
ignores them too, though it still checks ``${}`` references in them), guidance_hint,
rows (text box height), instance:: and sms columns. Other sheets (``_lists``, notes)
are ignored as pyxform ignores them.

Translations: a label, hint or message missing in one language (while present in
another) is ``"-"`` (:data:`MISSING_TRANSLATION`) in that language, as in the XForm
pyxform writes; it is not refused (pyxform warns, and its warnings are kept in
:attr:`Instrument.warnings`). A form with no language columns has the one language
``"default"`` (or its settings ``default_language``).

Expressions (relevant, constraint, calculation, …) are kept as written, ``${name}``
included, for the expression engine (``expressions.py``) to evaluate; this module does
not parse them beyond finding their references.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal, TypeAlias

from openpyxl import load_workbook
from pyxform import aliases, constants
from pyxform.builder import create_survey_element_from_dict
from pyxform.errors import PyXFormError
from pyxform.parsing.sheet_headers import dealias_and_group_headers, process_header
from pyxform.question import MultipleChoiceQuestion, Option
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT
from pyxform.survey import Survey
from pyxform.validators.pyxform.pyxform_reference import parse_pyxform_references
from pyxform.validators.pyxform.sheet_misspellings import find_sheet_misspellings
from pyxform.xls2json import (
    RE_BEGIN_CONTROL,
    RE_END_CONTROL,
    RE_OSM,
    RE_SELECT,
    workbook_to_json,
)
from pyxform.xls2json_backends import DefinitionData, get_xlsform

__all__ = [
    "DEFAULT_LANGUAGE",
    "METADATA_TYPES",
    "MISSING_TRANSLATION",
    "QUESTION_TYPES",
    "SELECT_TYPES",
    "Choice",
    "Group",
    "Instrument",
    "InstrumentRefused",
    "Node",
    "Question",
    "load_xlsform",
    "load_xlsform_bytes",
]

QUESTION_TYPES: Final[tuple[str, ...]] = (
    "integer",
    "decimal",
    "text",
    "select_one",
    "select_multiple",
    "date",
    "time",
    "datetime",
    "note",
    "calculate",
    "acknowledge",
    "start",
    "end",
    "today",
)
"""Every :attr:`Question.type` this module produces."""

METADATA_TYPES: Final[frozenset[str]] = frozenset({"start", "end", "today"})
"""Question types never asked: the runner fills them (interview start, end, date)."""

SELECT_TYPES: Final[frozenset[str]] = frozenset({"select_one", "select_multiple"})

MISSING_TRANSLATION: Final = "-"
"""A text missing in one language, as pyxform writes it into the XForm."""

DEFAULT_LANGUAGE: Final = constants.DEFAULT_LANGUAGE_VALUE  # "default"

Texts: TypeAlias = Mapping[str, str]
_NO_TEXTS: Final[Texts] = MappingProxyType({})


# --------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice:
    """One row of the choices sheet: its name (the stored answer), labels by language,
    and the sheet's other columns (e.g. ``county`` for a ``choice_filter``)."""

    name: str
    labels: Texts = field(default_factory=lambda: _NO_TEXTS)
    columns: Texts = field(default_factory=lambda: _NO_TEXTS)


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    """A survey row that holds (or shows) a value. Expressions are kept as written."""

    name: str
    type: str
    row: int
    labels: Texts = field(default_factory=lambda: _NO_TEXTS)
    hints: Texts = field(default_factory=lambda: _NO_TEXTS)
    list_name: str | None = None
    choice_filter: str | None = None
    relevant: str | None = None
    constraint: str | None = None
    constraint_messages: Texts = field(default_factory=lambda: _NO_TEXTS)
    required: str | None = None
    required_messages: Texts = field(default_factory=lambda: _NO_TEXTS)
    calculation: str | None = None
    default: str | None = None
    appearance: str | None = None
    read_only: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """A group or repeat (``repeat=True``) and its children in form order."""

    name: str
    row: int
    labels: Texts = field(default_factory=lambda: _NO_TEXTS)
    relevant: str | None = None
    appearance: str | None = None
    children: tuple[Node, ...] = ()
    repeat: bool = False
    repeat_count: str | None = None

    def walk(self) -> Iterator[Node]:
        """Every node below this group, depth-first in form order (a group before its
        children)."""
        for child in self.children:
            yield child
            if isinstance(child, Group):
                yield from child.walk()


Node: TypeAlias = Question | Group


@dataclass(frozen=True, slots=True, kw_only=True)
class Instrument:
    """A loaded XLSForm. ``root`` is the whole survey sheet (named after the form, row 1);
    ``choices`` maps each list name to its choices in sheet order."""

    form_id: str
    version: str
    title: str
    languages: tuple[str, ...]
    default_language: str
    root: Group
    choices: Mapping[str, tuple[Choice, ...]]
    source_sha256: str
    warnings: tuple[str, ...] = ()
    _by_name: Mapping[str, Node] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "_by_name", MappingProxyType({node.name: node for node in self.root.walk()})
        )

    def questions(self) -> Iterator[Node]:
        """Every question and group, depth-first in form order (not the root)."""
        return self.root.walk()

    def find(self, name: str) -> Node | None:
        """The question or group called ``name`` (names are unique), else None."""
        return self._by_name.get(name)


class InstrumentRefused(Exception):
    """The form cannot be used; where (sheet, Excel row, column header) and why."""

    def __init__(
        self,
        file: str,
        sheet: str | None,
        row: int | None,
        column: str | None,
        message: str,
    ) -> None:
        super().__init__(file, sheet, row, column, message)
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        self.message = message

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet is not None:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


# --------------------------------------------------------------------------- loading


def load_xlsform(path: Path) -> Instrument:
    """Load the XLSForm at ``path``; raise :class:`InstrumentRefused` if it cannot be used."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise InstrumentRefused(
            Path(path).name, None, None, None, f"the file could not be read ({err.strerror})"
        ) from err
    return load_xlsform_bytes(data, Path(path).name)


def load_xlsform_bytes(data: bytes, filename: str) -> Instrument:
    """Load an XLSForm from its bytes; ``filename`` names it in messages, and its stem is
    the form id when the settings sheet has none. Every expression is compiled here, so
    a form the engine cannot run is refused before any interview starts."""
    instrument = _Loader(data, filename).load()
    _check_expressions(instrument, filename)
    return instrument


def _check_expressions(instrument: Instrument, filename: str) -> None:
    """Refuse, at its cell, an expression the engine cannot parse (a syntax error, an
    unknown function, a function it does not support)."""
    from icv_app.domain.survey import expressions as ex

    for node in instrument.questions():
        cells: list[tuple[str, str | None]] = [("relevant", node.relevant)]
        if isinstance(node, Group):
            cells.append(("repeat_count", node.repeat_count))
        else:
            cells += [("constraint", node.constraint), ("calculation", node.calculation),
                      ("required", node.required), ("choice_filter", node.choice_filter),
                      ("read_only", node.read_only)]
            if node.default and ex.is_dynamic_default(node.default, node.type):
                cells.append(("default", node.default))
        for column, text in cells:
            if not text:
                continue
            try:
                ex.parse(text)
            except ex.ExpressionError as err:
                raise InstrumentRefused(filename, "survey", node.row, column,
                                        f"the expression {text!r} cannot be used: {err}"
                                        ) from None


_XLSX_MAGIC: Final = b"PK\x03\x04"
_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls)

_PLAIN_TYPES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "integer": "integer",
        "int": "integer",
        "decimal": "decimal",
        "text": "text",
        "string": "text",
        "date": "date",
        "time": "time",
        "datetime": "datetime",
        "dateTime": "datetime",
        "note": "note",
        "calculate": "calculate",
        "acknowledge": "acknowledge",
        "start": "start",
        "end": "end",
        "today": "today",
    }
)
_UNLABELLED_TYPES: Final = METADATA_TYPES | {"calculate"}
_SUPPORTED_TEXT: Final = ", ".join(QUESTION_TYPES) + ", begin/end group, begin/end repeat"
_DEVICE_METADATA: Final = frozenset(
    {
        "deviceid",
        "imei",
        "username",
        "phonenumber",
        "simserial",
        "subscriberid",
        "email",
        "audit",
        "start-geopoint",
        "background-audio",
        "background-geopoint",
    }
)
_OTHER_PYXFORM_TYPES: Final = frozenset(
    {"range", "rank", "audit", "background-audio", "background-geopoint", "start-geopoint"}
)

# Survey columns, by pyxform's parsed header tokens (e.g. ("bind", "relevant")).
_EXPRESSION_COLUMNS: Final[Mapping[tuple[str, ...], str]] = MappingProxyType(
    {
        ("bind", "relevant"): "relevant",
        ("bind", "required"): "required",
        ("bind", "constraint"): "constraint",
        ("bind", "calculate"): "calculation",
        ("bind", "readonly"): "read_only",
        ("default",): "default",
        ("control", "appearance"): "appearance",
        ("control", "jr:count"): "repeat_count",
        ("choice_filter",): "choice_filter",
    }
)
_TEXT_COLUMNS: Final[Mapping[tuple[str, ...], str]] = MappingProxyType(
    {
        ("label",): "labels",
        ("hint",): "hints",
        ("bind", "jr:constraintMsg"): "constraint_messages",
        ("bind", "jr:requiredMsg"): "required_messages",
    }
)
_MEDIA_REASON: Final = (
    "pictures, audio and video are not shown by this app, so the question would be "
    "asked without them; put what they say in the label, or clear this cell"
)
_REFUSED_COLUMNS: Final[Mapping[tuple[str, ...], str]] = MappingProxyType(
    {
        ("trigger",): (
            "recalculating a question when another one changes (trigger) is not supported; "
            "use a calculation that refers to the other question instead"
        ),
        ("parameters",): (
            "question parameters (randomize, seed, rows, max-pixels, …) are not supported "
            "and would be ignored; clear this cell"
        ),
        ("media",): _MEDIA_REASON,
        ("control", "autoplay"): _MEDIA_REASON,
        ("disabled",): (
            "the disabled column is not supported; to leave a question out, delete its row "
            "or give it a relevant of false()"
        ),
        ("intent",): "launching another app (intent) is not supported",
        ("control", "intent"): "launching another app (intent) is not supported",
        ("bind", constants.ENTITIES_SAVETO_NS): "saving answers to entities (save_to) "
        "is not supported",
    }
)
_IGNORED_KNOWN_COLUMNS: Final = frozenset({"guidance_hint", "instance", "sms_field"})
_PYXFORM_SURVEY_COLUMNS: Final = frozenset(MultipleChoiceQuestion.get_slot_names()) | {
    "bind",
    "control",
    "media",
    "disabled",
    "intent",
}
_CHOICE_KEYS: Final = frozenset({"name", "label", "media", "sms_option", "__row", "extra_data"})
_EXTERNAL_DATA_FUNCTIONS: Final = re.compile(r"\b(pulldata|search)\s*\(")

# pyxform's messages: "[row : 14] On the 'survey' sheet, the 'name' value 'x' is invalid."
_PYX_ROW: Final = re.compile(r"^\s*\[row\s*:\s*(\d+)\]\s*")
_PYX_SHEET_COLUMN: Final = re.compile(
    r"On the '([^']+)' sheet, the '([^']+)' value(?: '[^']*')? is (?:invalid|problematic)\.\s*"
)
_PYX_HEADERS: Final = re.compile(r"Invalid headers provided for sheet: '([^']+)'\.\s*")
_PYX_UNMATCHED: Final = re.compile(
    r"Unmatched '(begin|end)_(\w+)'\. No matching '\w+' was found for the name '([^']*)'\."
)
_PYX_COLUMN_HINTS: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"Question with no type"), "type"),
    (re.compile(r"Question or group with no name"), "name"),
    (re.compile(r"Missing calculation"), "calculation"),
    (re.compile(r"Unmatched '(begin|end)_"), "type"),
    (re.compile(r"List name not in"), "type"),
    (re.compile(r"Unknown question type"), "type"),
    (re.compile(r"Repeat loop without list name"), "type"),
    (re.compile(r"Audits must always be named"), "name"),
    (re.compile(r"Choice filter not supported"), "choice_filter"),
)
_PYX_NAMED: Final = re.compile(r"survey element named '([^']+)'")


_ColumnKind: TypeAlias = Literal["type", "name", "text", "expression", "ignored", "refused"]
_RowKind: TypeAlias = Literal["question", "group", "repeat"]


@dataclass(frozen=True, slots=True)
class _Column:
    """A survey column header as written, and what it is."""

    header: str
    tokens: tuple[str, ...]
    kind: _ColumnKind
    language: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class _Row:
    """A survey row that is a question, group or repeat, as this module read it."""

    row: int
    name: str
    kind: _RowKind
    type: str
    list_name: str | None
    data: Mapping[str, Any]


class _Loader:
    def __init__(self, data: bytes, filename: str) -> None:
        self.data = data
        self.file = Path(filename).name or "form.xlsx"
        self.stem = Path(filename).stem or "form"
        self.sheet_titles: dict[str, str] = {}
        self.warnings: list[str] = []
        self.rows: dict[str, _Row] = {}  # the survey's named rows, once checked

    # -- refusals

    def refuse(
        self, sheet: str | None, row: int | None, column: str | None, message: str
    ) -> InstrumentRefused:
        title = self.sheet_titles.get(sheet, sheet) if sheet is not None else None
        return InstrumentRefused(self.file, title, row, column, message)

    # -- the whole load

    def load(self) -> Instrument:
        digest = hashlib.sha256(self.data).hexdigest()
        book = self.read_workbook()
        settings = self.read_settings(book)
        default_key = settings.get("default_language") or DEFAULT_LANGUAGE
        clean_text = aliases.yes_no.get(settings.get("clean_text_values", "yes"), True)
        choice_lists, choice_languages = self.check_choices(book, default_key)
        columns, survey_rows = self.read_survey(book, default_key, clean_text)
        rows = self.check_survey(book, columns, survey_rows, choice_lists)
        if not any(info.kind == "question" for info in rows.values()):
            raise self.refuse("survey", None, None, "the survey sheet has no questions")
        self.check_references(book, columns, rows)
        form = self.run_pyxform(book)

        languages = self.languages(book, columns, choice_languages, default_key)
        wanted_default = settings.get("default_language")
        if wanted_default and wanted_default not in languages:
            raise self.refuse(
                "settings",
                2,
                "default_language",
                f"the default language '{wanted_default}' is not a language of any label "
                f"(the labels are in: {', '.join(languages)}); write it exactly as in the "
                "label columns, e.g. 'English (en)' for label::English (en)",
            )
        default_language = default_key if default_key in languages else languages[0]
        builder = _Builder(self, rows, languages, default_key)
        form_id = str(settings.get(constants.ID_STRING) or self.stem)
        title = str(settings.get(constants.TITLE) or form_id)
        root = Group(
            name=form_id,
            row=1,
            labels=MappingProxyType(dict.fromkeys(languages, title)),
            children=builder.children(form.get(constants.CHILDREN, [])),
        )
        return Instrument(
            form_id=form_id,
            version=str(settings["version"]),
            title=title,
            languages=languages,
            default_language=default_language,
            root=root,
            choices=builder.choices(form.get(constants.CHOICES) or {}),
            source_sha256=digest,
            warnings=tuple(self.warnings),
        )

    # -- the workbook

    def read_workbook(self) -> DefinitionData:
        if self.data.startswith(_OLE_MAGIC):
            raise self.refuse(
                None,
                None,
                None,
                "this is an old Excel 97-2003 (.xls) workbook: open it in Excel or "
                "LibreOffice and save it as an Excel workbook (.xlsx), then load that",
            )
        if not self.data.startswith(_XLSX_MAGIC):
            raise self.refuse(
                None,
                None,
                None,
                "this is not an Excel workbook (.xlsx); an XLSForm is an .xlsx file with "
                "the sheets survey, choices and settings",
            )
        try:
            book = get_xlsform(io.BytesIO(self.data), file_type=".xlsx")
        except Exception as err:  # PyXFormError, or openpyxl on a damaged or foreign zip
            raise (self.header_problem() or self.unreadable(err)) from err
        self.sheet_titles = {name.lower(): name for name in book.sheet_names or ()}
        if "survey" not in self.sheet_titles:
            found = ", ".join(book.sheet_names or ()) or "none"
            similar = find_sheet_misspellings(key="survey", keys=book.sheet_names)
            raise self.refuse(
                None,
                None,
                None,
                "the workbook has no sheet named 'survey', so it is not an XLSForm "
                f"(its sheets: {found})." + (f" {similar}" if similar else ""),
            )
        if not book.survey_header:
            raise self.refuse(
                "survey",
                1,
                None,
                "the first row must name the columns (type, name, label, …), and it is empty",
            )
        for sheet, data, what in (
            ("entities", book.entities, "entities (ODK Central datasets) are"),
            ("external_choices", book.external_choices, "external choices are"),
            ("osm", book.osm, "OpenStreetMap questions are"),
        ):
            if any(data or ()):
                raise self.refuse(sheet, None, None, f"{what} not supported; remove this sheet")
        return book

    def unreadable(self, err: Exception) -> InstrumentRefused:
        return self.refuse(
            None,
            None,
            None,
            f"the file could not be read as an Excel workbook ({type(err).__name__}: {err})",
        )

    def header_problem(self) -> InstrumentRefused | None:
        """A header row pyxform could not read (a number, a column twice), placed."""
        try:
            workbook = load_workbook(io.BytesIO(self.data), read_only=True, data_only=True)
        except Exception:  # not readable at all: the caller says so
            return None
        try:
            sheets = workbook.worksheets
            for sheet in sheets:
                if sheet.title.lower() not in constants.SUPPORTED_SHEET_NAMES and len(sheets) > 1:
                    continue
                self.sheet_titles.setdefault(sheet.title.lower(), sheet.title)
                seen: set[str] = set()
                for value in next(sheet.iter_rows(max_row=1, values_only=True), ()):
                    if value is None or (isinstance(value, str) and not value.strip()):
                        continue
                    if not isinstance(value, str):
                        return self.refuse(
                            sheet.title.lower(),
                            1,
                            str(value),
                            f"the column header {value} is not text; the first row names "
                            "the columns (type, name, label, …)",
                        )
                    header = " ".join(value.split())
                    if header in seen:
                        return self.refuse(
                            sheet.title.lower(),
                            1,
                            header,
                            f"the column '{header}' appears twice; keep one of them",
                        )
                    seen.add(header)
        except Exception:  # only to place the message; the refusal stands without it
            return None
        finally:
            workbook.close()
        return None

    # -- settings

    def read_settings(self, book: DefinitionData) -> dict[str, Any]:
        settings: dict[str, Any] = {}
        if book.settings:
            try:
                sheet = dealias_and_group_headers(
                    sheet_name="settings",
                    sheet_data=book.settings,
                    sheet_header=book.settings_header,
                    header_aliases=aliases.settings_header,
                    header_columns=set(Survey.get_slot_names()),
                )
            except PyXFormError as err:
                raise self.translate(err) from err
            if sheet.data:
                settings = dict(sheet.data[0])
        version = settings.get("version")
        if not isinstance(version, str) or not version.strip():
            where = "" if book.settings_header else " (add a settings sheet if there is none)"
            raise self.refuse(
                "settings",
                None,
                "version",
                "the form has no version: add a 'version' column to the settings sheet"
                f"{where} with a value in row 2, e.g. 2024060101, and change it whenever "
                "the form changes; every response records the version it was taken with",
            )
        if aliases.yes_no.get(str(settings.get("add_none_option", "no")), False):
            raise self.refuse(
                "settings",
                2,
                "add_none_option",
                "add_none_option is not supported; add a 'none' choice to the lists instead",
            )
        return settings

    # -- choices

    def check_choices(
        self, book: DefinitionData, default_key: str
    ) -> tuple[dict[str, list[tuple[int, Mapping[str, Any]]]], list[str]]:
        """Choice lists by name (row, row data), and the languages of the choice labels
        in column order. Refuses media, and choices without a list name or a label."""
        lists: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
        languages: list[str] = []
        if not book.choices or not book.choices_header:
            return lists, languages
        option_fields = set(Option.get_slot_names())
        headers = list(book.choices_header[0])
        double_colon = any("::" in h for h in headers)
        tokens_by_header = {
            h: process_header(h, double_colon, aliases.list_header, option_fields)[1]
            for h in headers
        }
        for header in headers:
            tokens = tokens_by_header[header]
            used = any(header in raw for raw in book.choices)
            if tokens[0] == "label" and len(tokens) <= 2 and used:
                languages.append(tokens[1] if len(tokens) == 2 else default_key)
        try:
            sheet = dealias_and_group_headers(
                sheet_name="choices",
                sheet_data=book.choices,
                sheet_header=book.choices_header,
                header_aliases=aliases.list_header,
                header_columns=option_fields,
                headers_required={"name"},
                default_language=default_key,
            )
        except PyXFormError as err:
            raise self.translate(err) from err
        for index, (raw, data) in enumerate(zip(book.choices, sheet.data, strict=True)):
            row = index + 2
            if not data:
                continue
            for header in raw:
                tokens = tokens_by_header.get(header, (header,))
                if tokens[0] == "media":
                    raise self.refuse("choices", row, header, _MEDIA_REASON)
            list_name = data.get(constants.LIST_NAME_S)
            name = data.get("name")
            if not list_name:
                raise self.refuse(
                    "choices",
                    row,
                    constants.LIST_NAME_U,
                    f"the choice {repr(str(name)) + ' ' if name else ''}has no list name, so no "
                    "question can offer it; fill in list_name (or delete the row)",
                )
            if name and not _texts_of(data.get("label"), default_key):
                raise self.refuse(
                    "choices",
                    row,
                    "label",
                    f"the choice '{name}' of the list '{list_name}' has no label, so the "
                    "interviewer would see nothing to pick",
                )
            lists.setdefault(str(list_name), []).append((row, data))
        return lists, languages

    # -- survey sheet

    def read_survey(
        self, book: DefinitionData, default_key: str, clean_text: bool
    ) -> tuple[dict[str, _Column], Sequence[Mapping[str, Any]]]:
        headers = list(book.survey_header[0]) if book.survey_header else []
        question_fields = set(MultipleChoiceQuestion.get_slot_names())
        double_colon = any("::" in h for h in headers)
        columns = {
            h: _classify(
                h,
                process_header(h, double_colon, aliases.survey_header, question_fields)[1],
            )
            for h in headers
        }
        kinds = {c.kind for c in columns.values()}
        if "type" not in kinds or "name" not in kinds:
            missing = " and ".join(k for k in ("type", "name") if k not in kinds)
            raise self.refuse(
                "survey",
                1,
                None,
                f"the first row must name the columns, and it has no {missing} column "
                f"(it has: {', '.join(headers)})",
            )
        try:
            sheet = dealias_and_group_headers(
                sheet_name="survey",
                sheet_data=book.survey or (),
                sheet_header=book.survey_header,
                header_aliases=aliases.survey_header,
                header_columns=question_fields,
                headers_required={"type"},
                default_language=default_key,
                strip_whitespace=clean_text,
            )
        except PyXFormError as err:
            raise self.translate(err) from err
        return columns, sheet.data

    def check_survey(
        self,
        book: DefinitionData,
        columns: Mapping[str, _Column],
        survey_rows: Sequence[Mapping[str, Any]],
        choice_lists: Mapping[str, list[tuple[int, Mapping[str, Any]]]],
    ) -> dict[str, _Row]:
        """The questions, groups and repeats by name; refuses what the app cannot run."""
        type_header = next(h for h, c in columns.items() if c.kind == "type")
        name_header = next(h for h, c in columns.items() if c.kind == "name")
        rows: dict[str, _Row] = {}
        for index, (raw, data) in enumerate(zip(book.survey or (), survey_rows, strict=True)):
            row = index + 2
            if not data:
                continue
            for header in raw:
                column = columns[header]
                if column.kind == "refused":
                    raise self.refuse("survey", row, header, column.reason)
            type_text = str(data.get("type") or "").strip()
            if not type_text:
                if "name" in data or "label" in data:
                    raise self.refuse(
                        "survey",
                        row,
                        type_header,
                        "this row has a name or label but no type (e.g. integer, text, "
                        "select_one list_name)",
                    )
                continue  # a comment row, skipped as pyxform skips it
            kind, qtype, list_name = self.classify_type(type_text, row, type_header)
            if kind == "end":
                continue
            name = str(data.get("name") or "").strip()
            if not name:
                if qtype != "note":
                    raise self.refuse(
                        "survey",
                        row,
                        name_header,
                        "this row has no name; every question and group needs one "
                        "(letters, digits and underscores, starting with a letter)",
                    )
                name = f"generated_note_name_{row}"  # pyxform's name for an unnamed note
            if name in rows:
                raise self.refuse(
                    "survey",
                    row,
                    name_header,
                    f"the name '{name}' is already used on row {rows[name].row}; every "
                    "question, group and repeat needs a name of its own",
                )
            if list_name is not None:
                self.check_list(row, type_header, qtype, list_name, choice_lists)
            if kind == "question" and qtype not in _UNLABELLED_TYPES and "label" not in data:
                raise self.refuse(
                    "survey",
                    row,
                    _first_header(columns, "text", ("label",)) or "label",
                    f"the question '{name}' has no label, so the interviewer would have "
                    "nothing to read out; add one",
                )
            rows[name] = _Row(row, name, kind, qtype, list_name, data)
        self.rows = rows
        return rows

    def classify_type(
        self, text: str, row: int, column: str
    ) -> tuple[_RowKind | Literal["end"], str, str | None]:
        """(kind, type, list name) of a survey row's type, or refuse it."""

        def unsupported(why: str = "") -> InstrumentRefused:
            return self.refuse(
                "survey",
                row,
                column,
                f"the type '{text}' is not supported here{why} (supported: {_SUPPORTED_TEXT})",
            )

        end = RE_END_CONTROL.search(text)
        if end:
            control = aliases.control[end.group("type")]
            if control == constants.LOOP:
                raise unsupported()
            return "end", control, None
        begin = RE_BEGIN_CONTROL.search(text)
        if begin:
            control = aliases.control[begin.group("type")]
            if control == constants.LOOP:
                raise unsupported(": use a repeat")
            return ("repeat" if control == constants.REPEAT else "group"), control, None
        select = RE_SELECT.search(text)
        if select:
            command = select.group("select_command")
            list_name = select.group("list_name")
            meaning = aliases.select[command]
            if select.group("specify_other"):
                raise self.refuse(
                    "survey",
                    row,
                    column,
                    f"'or_other' in the type '{text}' is not supported: add an 'other' "
                    "choice to the list and a text question with relevant "
                    "selected(${<this question>}, 'other')",
                )
            if command in aliases.select_from_file or Path(list_name).suffix in (
                constants.EXTERNAL_INSTANCE_EXTENSIONS
            ):
                raise unsupported(": choices from a file")
            if "${" in list_name:
                raise unsupported(": choices from earlier answers")
            if meaning == constants.SELECT_ONE:
                return "question", "select_one", list_name
            if meaning == constants.SELECT_ALL_THAT_APPLY:
                return "question", "select_multiple", list_name
            raise unsupported()
        if text in aliases.select:
            raise self.refuse(
                "survey",
                row,
                column,
                f"the type '{text}' needs the name of its choice list, e.g. "
                f"'{text} agree5' for the choices whose list_name is agree5",
            )
        if text in _PLAIN_TYPES:
            return "question", _PLAIN_TYPES[text], None
        if text in _DEVICE_METADATA or text.startswith("uri:"):
            raise unsupported(
                ": the app records the interviewer, the device and the timings itself; "
                "delete this row"
            )
        if (
            text in QUESTION_TYPE_DICT
            or text in aliases._type_alias_map
            or text in _OTHER_PYXFORM_TYPES
            or RE_OSM.search(text)
        ):
            raise unsupported()
        raise self.refuse(
            "survey",
            row,
            column,
            f"'{text}' is not an XLSForm question type (supported here: {_SUPPORTED_TEXT})",
        )

    def check_list(
        self,
        row: int,
        column: str,
        qtype: str,
        list_name: str,
        choice_lists: Mapping[str, list[tuple[int, Mapping[str, Any]]]],
    ) -> None:
        choices = choice_lists.get(list_name)
        if choices is None:
            if not choice_lists:
                where = "there is no choices sheet (or it has no choices)"
            else:
                where = f"the lists there are: {', '.join(sorted(choice_lists))}"
            raise self.refuse(
                "survey",
                row,
                column,
                f"the choice list '{list_name}' is not on the choices sheet ({where}); "
                "add its choices there with list_name "
                f"'{list_name}', or correct the name",
            )
        if qtype == "select_multiple":
            for choice_row, data in choices:
                if " " in str(data.get("name", "")):
                    raise self.refuse(
                        "choices",
                        choice_row,
                        "name",
                        f"the choice name '{data.get('name')}' has a space, which "
                        "select_multiple cannot store (answers are separated by spaces); "
                        "use an underscore",
                    )

    def check_references(
        self, book: DefinitionData, columns: Mapping[str, _Column], rows: Mapping[str, _Row]
    ) -> None:
        """Every ``${name}`` names a question or group; no functions that need files."""
        for index, raw in enumerate(book.survey or ()):
            row = index + 2
            for header, value in raw.items():
                column = columns[header]
                if column.kind not in ("text", "expression") or not isinstance(value, str):
                    continue
                if column.kind == "expression":
                    external = _EXTERNAL_DATA_FUNCTIONS.search(value)
                    if external:
                        raise self.refuse(
                            "survey",
                            row,
                            header,
                            f"{external.group(1)}() reads a file that is sent with the "
                            "form to ODK, which this app does not have; it is not supported",
                        )
                try:
                    references = parse_pyxform_references(value)
                except PyXFormError as err:
                    raise self.refuse(
                        "survey",
                        row,
                        header,
                        "a reference to another question must be written ${name}, with "
                        f"nothing else inside the braces: {value}",
                    ) from err
                for reference in references:
                    if reference.last_saved:
                        raise self.refuse(
                            "survey",
                            row,
                            header,
                            f"${{last-saved#{reference.name}}} (the answer in the last "
                            "saved interview) is not supported",
                        )
                    if reference.name not in rows:
                        raise self.refuse(
                            "survey",
                            row,
                            header,
                            f"${{{reference.name}}} refers to no question or group: there "
                            f"is no name '{reference.name}' on the survey sheet",
                        )

    # -- pyxform

    def run_pyxform(self, book: DefinitionData) -> dict[str, Any]:
        try:
            form: dict[str, Any] = workbook_to_json(
                workbook_dict=book,
                fallback_form_name=self.stem,
                warnings=self.warnings,
            )
            survey = create_survey_element_from_dict(form)
            survey.to_xml(validate=False, pretty_print=False, warnings=self.warnings)
        except PyXFormError as err:
            raise self.translate(err) from err
        except Exception as err:  # a pyxform failure on odd input: refuse, do not crash
            raise self.refuse(
                None,
                None,
                None,
                f"pyxform could not convert this form ({type(err).__name__}: {err})",
            ) from err
        return form

    def translate(self, err: PyXFormError) -> InstrumentRefused:
        """pyxform's error as sheet, row, column and a message without the location."""
        text = str(err).strip()
        context = err.context or {}
        row: int | None = context.get("row") if isinstance(context.get("row"), int) else None
        sheet: str | None = context.get("sheet")
        column: str | None = context.get("column")
        prefix = _PYX_ROW.match(text)
        if prefix:
            row = row or int(prefix.group(1))
            text = text[prefix.end() :]
        located = _PYX_SHEET_COLUMN.search(text)
        if located:
            sheet = sheet or located.group(1)
            column = column or located.group(2)
            text = (text[: located.start()] + text[located.end() :]).strip()
        headers = _PYX_HEADERS.search(text)
        if headers:
            sheet, row = headers.group(1), 1
            same = re.search(r"were found: '[^']*', '([^']*)'", text)
            column = column or (same.group(1) if same else None)
            text = (text[: headers.start()] + text[headers.end() :]).strip()
        if column is None:
            column = next((c for pattern, c in _PYX_COLUMN_HINTS if pattern.search(text)), None)
        named = _PYX_NAMED.search(text)
        if row is None and named and named.group(1) in self.rows:
            row, sheet = self.rows[named.group(1)].row, "survey"
            column = column or "name"
        unmatched = _PYX_UNMATCHED.search(text)
        if unmatched:
            edge, control, name = unmatched.groups()
            if edge == "begin":
                text = (
                    f"the {control} '{name}' begins here but never ends: add an "
                    f"'end {control}' row after its last question"
                )
            else:
                text = f"this 'end {control}' has no 'begin {control}' above it"
        elif text.startswith("Missing calculation"):
            text = "a calculate row needs its formula in the calculation column"
        if row is not None and sheet is None:
            sheet = "survey"
        return self.refuse(sheet, row, column, text or "pyxform refused the form")

    # -- languages

    def languages(
        self,
        book: DefinitionData,
        columns: Mapping[str, _Column],
        choice_languages: Sequence[str],
        default_key: str,
    ) -> tuple[str, ...]:
        """The languages of the texts actually written, in column order (survey sheet,
        then choices)."""
        raw_rows = book.survey or ()
        found = [
            column.language or default_key
            for header, column in columns.items()
            if column.kind == "text" and any(header in raw for raw in raw_rows)
        ]
        found.extend(choice_languages)
        return tuple(dict.fromkeys(found)) or (default_key,)


class _Builder:
    """The model from pyxform's tree, each node's settings from its own row."""

    def __init__(
        self,
        loader: _Loader,
        rows: Mapping[str, _Row],
        languages: tuple[str, ...],
        default_key: str,
    ) -> None:
        self.loader = loader
        self.rows = rows
        self.languages = languages
        self.default_key = default_key
        self.built: set[str] = set()

    def texts(self, value: object) -> Texts:
        texts = _texts_of(value, self.default_key)
        if not texts:
            return _NO_TEXTS
        for language in self.languages:
            texts.setdefault(language, MISSING_TRANSLATION)
        return MappingProxyType(texts)

    def children(self, elements: Sequence[Mapping[str, Any]]) -> tuple[Node, ...]:
        nodes: list[Node] = []
        for element in elements:
            name = element.get("name")
            info = self.rows.get(name) if isinstance(name, str) else None
            if info is None:
                continue  # made by pyxform: meta/instanceID, repeat counts, table-list rows
            if info.name in self.built:
                raise self.loader.refuse(
                    "survey",
                    info.row,
                    "name",
                    f"the name '{info.name}' clashes with a name pyxform makes for another "
                    "row (e.g. <repeat>_count for a repeat count); rename it",
                )
            self.built.add(info.name)
            nodes.append(self.node(info, element))
        return tuple(nodes)

    def node(self, info: _Row, element: Mapping[str, Any]) -> Node:
        data = info.data
        bind = _mapping(data.get("bind"))
        control = _mapping(data.get("control"))
        if info.kind in ("group", "repeat"):
            return Group(
                name=info.name,
                row=info.row,
                labels=self.texts(data.get("label")),
                relevant=_expression(bind.get("relevant")),
                appearance=_expression(control.get("appearance")),
                children=self.children(element.get(constants.CHILDREN) or []),
                repeat=info.kind == "repeat",
                repeat_count=_expression(control.get("jr:count")),
            )
        return Question(
            name=info.name,
            type=info.type,
            row=info.row,
            labels=self.texts(data.get("label")),
            hints=self.texts(data.get("hint")),
            list_name=info.list_name,
            choice_filter=_expression(data.get("choice_filter")),
            relevant=_expression(bind.get("relevant")),
            constraint=_expression(bind.get("constraint")),
            constraint_messages=self.texts(bind.get("jr:constraintMsg")),
            required=_flag(bind.get("required")),
            required_messages=self.texts(bind.get("jr:requiredMsg")),
            calculation=_expression(bind.get("calculate")),
            default=_expression(data.get("default")),
            appearance=_expression(control.get("appearance")),
            read_only=_flag(bind.get("readonly")),
        )

    def choices(
        self, lists: Mapping[str, Sequence[Mapping[str, Any]]]
    ) -> Mapping[str, tuple[Choice, ...]]:
        result: dict[str, tuple[Choice, ...]] = {}
        for list_name, options in lists.items():
            result[str(list_name)] = tuple(
                Choice(
                    name=str(option.get("name", "")),
                    labels=self.texts(option.get("label")),
                    columns=MappingProxyType(_flatten(option)),
                )
                for option in options
            )
        return MappingProxyType(result)


# --------------------------------------------------------------------------- helpers


def _classify(header: str, tokens: tuple[str, ...]) -> _Column:
    if tokens == ("type",):
        return _Column(header, tokens, "type")
    if tokens == ("name",):
        return _Column(header, tokens, "name")
    for prefix in _TEXT_COLUMNS:
        if tokens[: len(prefix)] == prefix and len(tokens) in (len(prefix), len(prefix) + 1):
            language = tokens[len(prefix)] if len(tokens) > len(prefix) else None
            return _Column(header, tokens, "text", language)
    if tokens in _EXPRESSION_COLUMNS:
        return _Column(header, tokens, "expression")
    for prefix, reason in _REFUSED_COLUMNS.items():
        if tokens[: len(prefix)] == prefix:
            return _Column(header, tokens, "refused", reason=reason)
    if tokens[0] in _IGNORED_KNOWN_COLUMNS or tokens == ("control", "rows"):
        return _Column(header, tokens, "ignored")
    if tokens[0] in _PYXFORM_SURVEY_COLUMNS:
        return _Column(
            header,
            tokens,
            "refused",
            reason=f"the column '{header}' is not supported by this app and would be "
            "ignored; clear it or remove the column",
        )
    return _Column(header, tokens, "ignored")  # unknown to pyxform too: a note column


def _first_header(columns: Mapping[str, _Column], kind: str, prefix: tuple[str, ...]) -> str | None:
    return next(
        (h for h, c in columns.items() if c.kind == kind and c.tokens[: len(prefix)] == prefix),
        None,
    )


def _texts_of(value: object, default_key: str) -> dict[str, str]:
    """A label-like value (text, or texts by language) as texts by language."""
    if isinstance(value, str):
        return {default_key: value} if value.strip() else {}
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items() if isinstance(v, str) and v.strip()}
    return {}


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _expression(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _flag(value: object) -> str | None:
    """required/read_only: yes/true → "true()", no/false → None, else the expression."""
    text = _expression(value)
    if text is None:
        return None
    text = aliases.BINDING_CONVERSIONS.get(text, text)
    return None if text == "false()" else text


def _flatten(option: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """A choice's extra columns (not name, label, media) as column → text."""
    columns: dict[str, str] = {}
    for key, value in option.items():
        if not prefix and key in _CHOICE_KEYS:
            continue
        if isinstance(value, Mapping):
            columns.update(_flatten(value, f"{prefix}{key}::"))
        elif value is not None:
            columns[f"{prefix}{key}"] = str(value)
    return columns
