"""Consultation responses from an online survey tool's CSV export: reading the file,
matching its columns to a form's questions and turning each row's cells into answers.

Plain Python: bytes and an :class:`~icv_app.domain.survey.instrument.Instrument` in,
plain data out; the store, the saved mappings and the deduplication live in
:mod:`icv_app.services.survey.consultations`.

Columns. Each column maps to a *target*: a question's name, or one of
:data:`RESPONSE_ID` (the tool's own id for the response), :data:`RECEIVED` (when the
response arrived: its date becomes the response's ``received_on``) or
:data:`SOURCE` (kept as it is, as source metadata). In order of precedence:

1. a mapping given for this import (``--map "Header=question"``, the mapping dialog);
2. the mapping saved for the form on this laptop (an entry naming a question the form no
   longer has is passed over);
3. the id column named for the import (``--id-column``), else a header such as "ID",
   "Response ID" or "Respondent ID";
4. a question whose name, or whose label in any of the form's languages, equals the
   header. Headers and labels are compared ignoring case, surrounding and repeated white
   space, and typographic quotes, apostrophes and ellipses (online tools turn ``'``
   into ``’``). Only questions a person answers are matched (not notes, calculations
   or questions inside a repeat, whose answers a flat row cannot hold). A header that
   matches several questions, or a question that a column before it already took, is
   kept as source metadata and reported;
5. a timestamp header ("Timestamp", "Completion time", "Date submitted", ...): the
   received date, its text also kept as source metadata;
6. anything else: source metadata. Unmatched columns never refuse a file.

Values. An empty cell is no answer. select_one: a choice's label (any language, compared
as headers are) or its name; select_multiple: several of those separated by ";" or ","
(the whole cell is tried first, then the pieces, joining neighbours again where a label
holds a comma itself: "Local newspaper, radio or TV"), or ODK's space-separated names;
integer and decimal as numbers; date as ISO (2026-03-02) or dd/mm/yyyy (a time after it
is ignored); time as HH:MM; text as written.

A value that cannot be mapped is reported with the file, row, column and question, and
the response is still imported: the question is left unanswered and the cell's text is
kept in the response's source metadata under the column's header, so nothing in the
file is lost. A row is refused (not imported) only when it has no response id, or
when one of its cells holds what looks like a phone number (the server refuses a phone
number anywhere but a sample case's phone field).

Rows are numbered as a spreadsheet shows the file: the header is row 1, the first
response row 2 (a cell with line breaks in it does not shift the numbers).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final

from icv_app.domain.survey.instrument import (
    MISSING_TRANSLATION,
    Group,
    Instrument,
    Question,
)
from icv_app.domain.survey.records import PHONE_MESSAGE, phone_in

__all__ = [
    "RECEIVED",
    "RESPONSE_ID",
    "SOURCE",
    "TARGET_LABELS",
    "ColumnMatch",
    "CsvTable",
    "CsvUnreadable",
    "HeaderMatch",
    "ImportProblem",
    "MappedRow",
    "MappingRefused",
    "MissingIdColumn",
    "RowMapper",
    "answerable",
    "map_row",
    "map_value",
    "match_headers",
    "normalise",
    "parse_day",
    "read_csv",
]

RESPONSE_ID: Final = "@id"
SOURCE: Final = "@source"
RECEIVED: Final = "@received"
TARGET_LABELS: Final[Mapping[str, str]] = {
    RESPONSE_ID: "Response id",
    RECEIVED: "Date received (also kept as source metadata)",
    SOURCE: "Keep as source metadata",
}
"""The targets that are not questions, as the mapping dialog names them."""

MAPPED_TYPES: Final = frozenset({"integer", "decimal", "text", "select_one",
                                 "select_multiple", "date", "time", "datetime",
                                 "acknowledge"})
"""The question types a column may fill: those a person answers (as engine.ANSWERED)."""

_ID_HEADERS: Final = frozenset({
    "id", "response id", "responseid", "response_id", "respondent id", "respondentid",
    "respondent_id", "submission id", "submission_id", "_id", "_uuid", "uuid",
    "response number",
})
_TIMESTAMP_HEADERS: Final = frozenset({
    "timestamp", "time stamp", "completion time", "completed", "completed at",
    "date completed", "date submitted", "submitted", "submitted at", "submission date",
    "submission time", "_submission_time", "end date", "end time", "ended",
    "date received", "received", "received on", "response date",
})


# --------------------------------------------------------------------------- the file


class CsvUnreadable(Exception):
    """The file cannot be read as CSV text; the message says why and what to do."""


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's header and its response rows (blank rows left out), each with its
    row number as a spreadsheet shows it. Every row has one cell per header: a short row
    is padded with empty cells, and a row longer than the header gives the extra cells
    headers of their own ("(column 12)")."""

    filename: str
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]

    def samples(self, column: int, count: int = 3) -> tuple[str, ...]:
        """The first ``count`` different non-empty values of a column."""
        seen: list[str] = []
        for _number, cells in self.rows:
            value = cells[column].strip()
            if value and value not in seen:
                seen.append(value)
                if len(seen) == count:
                    break
        return tuple(seen)


def _decode(data: bytes, filename: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")  # Excel's "Unicode text": unambiguous with its BOM
        except UnicodeDecodeError as exc:
            raise CsvUnreadable(f"{filename} is damaged UTF-16 text ({exc.reason}).") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvUnreadable(
            f"{filename} is not UTF-8 text (byte 0x{data[exc.start]:02X} on line {line} "
            "is not UTF-8: the file was probably saved in another encoding, such as "
            "Windows-1252). Export it from the survey tool as UTF-8 CSV, or in Excel "
            "save it as 'CSV UTF-8 (Comma delimited)', and import that.") from exc


def _delimiter(first_line: str) -> str:
    """The delimiter that splits the header line into the most cells (Excel writes ";"
    in some countries, and tab for "Unicode text"); a comma when in doubt."""
    best, cells = ",", 0
    for candidate in (",", ";", "\t"):
        count = len(next(csv.reader([first_line], delimiter=candidate), []))
        if count > cells:
            best, cells = candidate, count
    return best


def read_csv(data: bytes, filename: str) -> CsvTable:
    """The file's header and rows; raises :class:`CsvUnreadable` (encoding, not CSV, no
    header)."""
    text = _decode(data, filename).removeprefix("\ufeff")
    if "\x00" in text:
        raise CsvUnreadable(f"{filename} is not a CSV file (it holds binary data); export "
                            "the responses from the survey tool as CSV.")
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise CsvUnreadable(f"{filename} is empty, or its first line (the column headers) "
                            "is blank.")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""),
                                  delimiter=_delimiter(first_line), strict=True))
    except csv.Error as exc:
        raise CsvUnreadable(f"{filename} is not a CSV file that can be read: {exc}.") from exc
    raw_headers = records[0]
    width = max(len(r) for r in records)
    headers = _headers([*raw_headers, *[""] * (width - len(raw_headers))])
    rows = tuple(
        (number, tuple([*cells, *[""] * (width - len(cells))]))
        for number, cells in enumerate(records[1:], start=2)
        if any(c.strip() for c in cells)
    )
    return CsvTable(filename, headers, rows)


def _headers(raw: Sequence[str]) -> tuple[str, ...]:
    """Headers as shown: blank ones named by position, repeated ones told apart."""
    out: list[str] = []
    seen: set[str] = set()
    for index, header in enumerate(raw, start=1):
        name = " ".join(header.split())
        if not name:
            name = f"(column {index})"
        elif normalise(name) in seen:
            name = f"{name} (column {index})"
        seen.add(normalise(name))
        out.append(name)
    return tuple(out)


# --------------------------------------------------------------------------- matching

_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                             "\u00a0": " ", "\u2026": "..."})


def normalise(text: str) -> str:
    """Text as headers and labels are compared: case, surrounding and repeated white space
    and typographic quotes and ellipses ignored."""
    return " ".join(text.translate(_TYPOGRAPHY).split()).casefold()


def answerable(instrument: Instrument) -> list[Question]:
    """The questions a column may fill, in form order (not in a repeat)."""
    found: list[Question] = []

    def walk(group: Group) -> None:
        for node in group.children:
            if isinstance(node, Group):
                if not node.repeat:
                    walk(node)
            elif node.type in MAPPED_TYPES:
                found.append(node)

    walk(instrument.root)
    return found


@dataclass(frozen=True)
class ImportProblem:
    """Something in the file that needs a person's eye: where (file, row, column) and
    what. ``row`` is None for a problem with a whole column."""

    file: str
    row: int | None
    column: str | None
    question: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}"
                         + (f" (question {self.question})"
                            if self.question and self.question != self.column else ""))
        return f"{', '.join(where)}: {self.message}"


class MissingIdColumn(Exception):
    """The column named as the response id is not in the file."""

    def __init__(self, filename: str, column: str, headers: Sequence[str]) -> None:
        self.filename, self.column, self.headers = filename, column, tuple(headers)
        super().__init__(
            f"{filename} has no column {column!r} for the response id (the source's own "
            "id, which keeps a response from being imported twice). Its columns are: "
            + ", ".join(repr(h) for h in headers) + ".")


class MappingRefused(Exception):
    """A mapping given for this import names no question of the form (or is not
    usable); the message says which and lists what it could name."""


@dataclass(frozen=True)
class ColumnMatch:
    """What one column maps to, and why: ``how`` is ``given`` (this import's mapping or
    id column), ``saved`` (the mapping saved on this laptop), ``name`` or ``label``
    (matched to a question), ``id`` or ``timestamp`` (a well-known header), or ``none``
    (kept as source metadata)."""

    index: int
    header: str
    target: str
    how: str

    @property
    def question(self) -> str | None:
        return None if self.target.startswith("@") else self.target

    @property
    def kept_as_source(self) -> bool:
        return self.target in (SOURCE, RECEIVED)


@dataclass(frozen=True)
class HeaderMatch:
    columns: tuple[ColumnMatch, ...]
    problems: tuple[ImportProblem, ...] = ()

    @property
    def id_column(self) -> str | None:
        return next((c.header for c in self.columns if c.target == RESPONSE_ID), None)

    @property
    def received_column(self) -> str | None:
        return next((c.header for c in self.columns if c.target == RECEIVED), None)

    @property
    def matched(self) -> dict[str, str]:
        """Header -> question name."""
        return {c.header: c.target for c in self.columns if c.question is not None}

    @property
    def unmatched(self) -> list[str]:
        """The headers kept as source metadata (the received date's too)."""
        return [c.header for c in self.columns if c.kept_as_source]

    def mapping(self) -> dict[str, str]:
        """Header -> target, for saving."""
        return {c.header: c.target for c in self.columns}


def _by_normalised(mapping: Mapping[str, str] | None) -> dict[str, str]:
    return {normalise(k): v for k, v in (mapping or {}).items()}


def _label_index(questions: Iterable[Question]) -> tuple[dict[str, str], dict[str, list[str]]]:
    names: dict[str, str] = {}
    labels: dict[str, list[str]] = {}
    for q in questions:
        names.setdefault(normalise(q.name), q.name)
        for text in dict.fromkeys(q.labels.values()):
            if text and text != MISSING_TRANSLATION:
                found = labels.setdefault(normalise(text), [])
                if q.name not in found:
                    found.append(q.name)
    return names, labels


def match_headers(
    instrument: Instrument,
    headers: Sequence[str],
    *,
    filename: str = "",
    id_column: str | None = None,
    given: Mapping[str, str] | None = None,
    saved: Mapping[str, str] | None = None,
) -> HeaderMatch:
    """What every column maps to (module doc). Raises :class:`MissingIdColumn` when
    ``id_column`` is not a header, and :class:`MappingRefused` when ``given`` names a
    column the file does not have or a question the form does not have."""
    questions = answerable(instrument)
    known = {q.name for q in questions}
    names, labels = _label_index(questions)
    by_header = {normalise(h): h for h in headers}
    given_n, saved_n = _by_normalised(given), _by_normalised(saved)
    for header, target in (given or {}).items():
        if normalise(header) not in by_header:
            raise MappingRefused(
                f"{filename} has no column {header!r} to map; its columns are: "
                + ", ".join(repr(h) for h in headers) + ".")
        if target not in known and target not in TARGET_LABELS:
            raise MappingRefused(_unknown_target(instrument, header, target, questions))
    id_key: str | None = None
    if id_column is not None:
        id_key = normalise(id_column)
        if id_key not in by_header:
            raise MissingIdColumn(filename, id_column, headers)

    chosen: list[tuple[str, str] | None] = []
    for header in headers:
        key = normalise(header)
        pre: tuple[str, str] | None = None
        if id_key is not None and key == id_key:
            pre = (RESPONSE_ID, "given")
        elif key in given_n:
            pre = (given_n[key], "given")
        elif key in saved_n and (saved_n[key] in known or saved_n[key] in TARGET_LABELS):
            pre = (saved_n[key], "saved")
        if id_key is not None and pre is not None and pre[0] == RESPONSE_ID \
                and key != id_key:
            pre = None  # the id column named for this import wins over a saved one
        chosen.append(pre)

    problems: list[ImportProblem] = []
    taken: dict[str, str] = {}  # question or special target -> the header that has it
    columns: list[ColumnMatch] = []
    have_id = any(c is not None and c[0] == RESPONSE_ID for c in chosen)
    have_received = any(c is not None and c[0] == RECEIVED for c in chosen)
    for index, (header, pick) in enumerate(zip(headers, chosen, strict=True)):
        key = normalise(header)
        if pick is None:
            pick = _automatic(key, names, labels, have_id, have_received)
            if pick[0] == RESPONSE_ID:
                have_id = True
            elif pick[0] == RECEIVED:
                have_received = True
            elif pick[1] == "ambiguous":
                problems.append(ImportProblem(
                    filename, None, header, None,
                    "the header matches several questions ("
                    + ", ".join(labels[key]) + "); it is kept as source metadata: map it "
                    "to one of them by hand"))
                pick = (SOURCE, "none")
        target, how = pick
        if target in (RESPONSE_ID, RECEIVED) or target in known:
            if target in taken:
                what = {RESPONSE_ID: "the response id", RECEIVED: "the date received"
                        }.get(target, f"question {target}")
                problems.append(ImportProblem(
                    filename, None, header, None,
                    f"column {taken[target]!r} already maps to {what}; this one is kept "
                    "as source metadata"))
                target, how = SOURCE, "none"
            else:
                taken[target] = header
        if target == SOURCE and phone_in(header):
            problems.append(ImportProblem(
                filename, 1, header, None,
                f"{PHONE_MESSAGE} The column's header is one, so the column is left out."))
        columns.append(ColumnMatch(index, header, target, how))
    return HeaderMatch(tuple(columns), tuple(problems))


def _automatic(key: str, names: Mapping[str, str], labels: Mapping[str, list[str]],
               have_id: bool, have_received: bool) -> tuple[str, str]:
    if not have_id and key in _ID_HEADERS:
        return RESPONSE_ID, "id"
    if key in names:
        return names[key], "name"
    found = labels.get(key, [])
    if len(found) == 1:
        return found[0], "label"
    if len(found) > 1:
        return SOURCE, "ambiguous"
    if not have_received and key in _TIMESTAMP_HEADERS:
        return RECEIVED, "timestamp"
    return SOURCE, "none"


def _unknown_target(instrument: Instrument, header: str, target: str,
                    questions: Sequence[Question]) -> str:
    node = instrument.find(target)
    if node is not None:
        why = ("it is a group" if isinstance(node, Group) else
               f"it is a {node.type}, which no one answers" if node.type not in MAPPED_TYPES
               else "it is inside a repeat, whose answers a row cannot hold")
        return f"{header!r} cannot map to {target!r}: {why}."
    return (f"{header!r} cannot map to {target!r}: {instrument.form_id} has no question "
            f"of that name. Its questions are: {', '.join(q.name for q in questions)}; "
            f"or use {RESPONSE_ID} (the response id), {RECEIVED} (the date received) or "
            f"{SOURCE} (keep as source metadata).")


# --------------------------------------------------------------------------- values

_ISO_DAY = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:$|[T ])")
_UK_DAY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:$|[ ,T])")
_ZONE = re.compile(r"\s*(?:Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5})$")
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([ap]\.?m\.?)?",
                   re.IGNORECASE)


def parse_day(text: str) -> dt.date | None:
    """The date a cell starts with: ISO (2026-03-02, 2026/03/02, with a time after it or
    not) or dd/mm/yyyy (02/03/2026 14:05); None if it holds no date."""
    return _day_and_rest(text)[0]


def _day_and_rest(text: str) -> tuple[dt.date | None, str]:
    """The date a cell starts with, and what follows it (a time, say)."""
    text = text.strip()
    iso = _ISO_DAY.match(text)
    uk = None if iso else _UK_DAY.match(text)
    try:
        if iso:
            return dt.date(int(iso[1]), int(iso[2]), int(iso[3])), text[iso.end():]
        if uk:
            return dt.date(int(uk[3]), int(uk[2]), int(uk[1])), text[uk.end():]
    except ValueError:
        pass
    return None, ""


def _time(text: str) -> dt.time | None:
    match = _TIME.fullmatch(text.strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    meridiem = (match[4] or "").replace(".", "").lower()
    if meridiem:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    try:
        return dt.time(hour, minute, int(match[3] or 0))
    except ValueError:
        return None


def _choice_index(instrument: Instrument, question: Question) -> Choices:
    """A select's choice names, and every normalised label (any language) and name ->
    the choice's name."""
    choices = instrument.choices.get(question.list_name or "", ())
    index: dict[str, str] = {}
    for choice in choices:
        for text in choice.labels.values():
            if text and text != MISSING_TRANSLATION:
                index.setdefault(normalise(text), choice.name)
    for choice in choices:
        index.setdefault(normalise(choice.name), choice.name)
    return {c.name for c in choices}, index


def _one_choice(text: str, names: set[str], index: Mapping[str, str]) -> str | None:
    if text in names:
        return text
    return index.get(normalise(text))


_SEPARATOR = re.compile(r"([;,])")


def _several_choices(text: str, names: set[str],
                     index: Mapping[str, str]) -> tuple[list[str], str | None]:
    """The choices a select_multiple cell names, and the first piece that names none
    (None when every piece is a choice)."""
    whole = _one_choice(text, names, index)
    if whole is not None:
        return [whole], None
    pieces = _SEPARATOR.split(text)  # text, separator, text, ...
    items = pieces[::2]
    chosen: list[str] = []
    start = 0
    while start < len(items):
        if not items[start].strip():
            start += 1  # "a;;b" or a trailing ";" (Microsoft Forms ends every list so)
            continue
        found = _longest_choice(pieces, start, len(items), names, index)
        if found is None:
            spaced = _space_separated(text, names)
            return (spaced, None) if spaced else (chosen, items[start].strip())
        name, start = found
        if name not in chosen:
            chosen.append(name)
    return chosen, None


def _longest_choice(pieces: Sequence[str], start: int, end: int, names: set[str],
                    index: Mapping[str, str]) -> tuple[str, int] | None:
    """The longest run of pieces from ``start`` that is one choice (joined with the
    separators between them), and where the run stops."""
    for stop in range(end, start, -1):
        name = _one_choice("".join(pieces[2 * start: 2 * stop - 1]).strip(), names, index)
        if name is not None:
            return name, stop
    return None


def _space_separated(text: str, names: set[str]) -> list[str] | None:
    """ODK's own form: choice names separated by spaces."""
    words = text.strip(" ;,").split()
    return list(dict.fromkeys(words)) if words and all(w in names for w in words) else None


_ACKNOWLEDGED = frozenset({"ok", "yes", "true", "1", "x", "\u2713", "\u2714"})


Choices = tuple[set[str], dict[str, str]]


def map_value(instrument: Instrument, question: Question, text: str) -> tuple[Any, str | None]:
    """A cell's text as the answer the form engine takes, or (None, why not). An empty
    cell is (None, None): no answer."""
    return _convert(question, text, lambda: _choice_index(instrument, question))


def _convert(question: Question, text: str,
             choices: Callable[[], Choices]) -> tuple[Any, str | None]:
    raw = text.strip()
    if not raw:
        return None, None
    kind = question.type
    if kind == "select_one":
        names, index = choices()
        name = _one_choice(raw, names, index)
        if name is None:
            return None, f"{raw!r} is not one of the question's choices ({_offer(names)})"
        return name, None
    if kind == "select_multiple":
        names, index = choices()
        chosen, bad = _several_choices(raw, names, index)
        if bad is not None:
            return None, (f"{bad!r} is not one of the question's choices ({_offer(names)}; "
                          "several are separated by ';' or ',')")
        return chosen or None, None
    if kind == "integer":
        try:
            number = float(raw)
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or not number.is_integer():
            return None, f"{raw!r} is not a whole number"
        return int(number), None
    if kind == "decimal":
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            return None, f"{raw!r} is not a number"
        return value, None
    if kind == "date":
        day = parse_day(raw)
        if day is None:
            return None, f"{raw!r} is not a date (2026-03-02 or 02/03/2026)"
        return day.isoformat(), None
    if kind == "time":
        moment = _time(raw)
        if moment is None:
            return None, f"{raw!r} is not a time (14:05)"
        return moment.isoformat(timespec="minutes"), None
    if kind == "datetime":
        day, rest = _day_and_rest(raw)
        rest = _ZONE.sub("", rest.strip())
        moment = _time(rest) if rest else dt.time(0, 0)
        if day is None or moment is None:
            return None, f"{raw!r} is not a date and time (2026-03-02 14:05)"
        return dt.datetime.combine(day, moment).isoformat(timespec="minutes"), None
    if kind == "acknowledge":
        if normalise(raw) in _ACKNOWLEDGED:
            return "OK", None
        return None, f"{raw!r} is not an acknowledgement (OK)"
    return raw, None


def _offer(names: set[str]) -> str:
    shown = sorted(names)
    return "e.g. " + ", ".join(shown[:6]) + (", ..." if len(shown) > 6 else "") \
        if shown else "it has none"


# --------------------------------------------------------------------------- rows


@dataclass
class MappedRow:
    """One response row as it will be kept. ``source``: header -> text of the columns
    kept as source metadata, and of the cells that could not be mapped. ``refused``:
    the row is not imported (its problems say why)."""

    row: int
    source_id: str
    answers: dict[str, Any] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)
    received_on: dt.date | None = None
    problems: list[ImportProblem] = field(default_factory=list)
    refused: bool = False


class RowMapper:
    """Maps the rows of one file with one column mapping (each select's choices indexed
    once, not per cell)."""

    def __init__(self, instrument: Instrument, match: HeaderMatch, filename: str) -> None:
        self.instrument, self.match, self.filename = instrument, match, filename
        self.questions = {q.name: q for q in answerable(instrument)}
        self.left_out = {p.column for p in match.problems if p.row == 1}  # phone headers
        self._choices: dict[str, Choices] = {}

    def choices(self, question: Question) -> Choices:
        found = self._choices.get(question.name)
        if found is None:
            found = self._choices[question.name] = _choice_index(self.instrument, question)
        return found

    def map(self, row: int, cells: Sequence[str]) -> MappedRow:
        """A row's cells (one per header of the match) as a response (module doc)."""
        out = MappedRow(row=row, source_id="")

        def problem(column: ColumnMatch, message: str) -> None:
            out.problems.append(ImportProblem(self.filename, row, column.header,
                                              column.question, message))

        for column in self.match.columns:
            text = cells[column.index] if column.index < len(cells) else ""
            raw = text.strip()
            if column.header in self.left_out:
                continue
            if raw and phone_in(raw):
                problem(column, PHONE_MESSAGE + " This row was not imported.")
                out.refused = True
                continue
            if column.target == RESPONSE_ID:
                out.source_id = raw
            elif column.target == RECEIVED:
                if raw:
                    out.source[column.header] = text
                    out.received_on = parse_day(raw)
                    if out.received_on is None:
                        problem(column, f"{raw!r} is not a date (2026-03-02 or 02/03/2026); "
                                        "the response is dated the day of the import")
            elif column.target == SOURCE:
                if raw:
                    out.source[column.header] = text
            else:
                question = self.questions[column.target]
                value, why = _convert(question, raw, partial(self.choices, question))
                if why is not None:
                    problem(column, f"{why}; the question is left unanswered and the text "
                                    "kept as source metadata")
                    out.source[column.header] = text
                elif value is not None:
                    out.answers[question.name] = value
        id_header = self.match.id_column
        if not out.source_id and id_header is not None and not out.refused:
            out.problems.append(ImportProblem(
                self.filename, row, id_header, None,
                "the response id is empty, so the response could not be told apart from "
                "others; this row was not imported"))
            out.refused = True
        return out


def map_row(instrument: Instrument, match: HeaderMatch, row: int, cells: Sequence[str],
            filename: str) -> MappedRow:
    """A row's cells (one per header of ``match``) as a response (module doc); for many
    rows, make one :class:`RowMapper`."""
    return RowMapper(instrument, match, filename).map(row, cells)
