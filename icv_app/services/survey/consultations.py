"""Consultation responses on this laptop: an online survey tool's CSV export imported
(columns matched to the form's questions, see :mod:`icv_app.domain.survey.consultations`),
email and paper responses keyed in, and the responses held.

An import is one writer job, so one transaction: the file is read, matched and mapped on
the writer thread against what the profile holds at that moment, every new response is
saved as a ``consultation_response`` record (channel online, ``source_id`` the tool's
own response id), and the mapping used is saved for the form (a setting of this laptop,
``consultation.mapping.<form_id>``: header -> question name or ``@id``, ``@received``,
``@source``), to be applied before the automatic matching at the next import.

A response is never imported twice: a row whose response id this laptop already holds
for the form (imported here, or brought by a sync from another laptop's import) is
counted as already here; a second row with the same id in one file is reported and left
out. If the form is not held but is one the app ships, the shipped version is imported
first, in the same transaction (and the outcome says so).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icv_app import kinds
from icv_app.domain.serialize import to_dict
from icv_app.domain.survey import engine
from icv_app.domain.survey.consultations import (
    RESPONSE_ID,
    CsvTable,
    CsvUnreadable,
    HeaderMatch,
    ImportProblem,
    MappedRow,
    MappingRefused,
    MissingIdColumn,
    RowMapper,
    answerable,
    match_headers,
    normalise,
    read_csv,
)
from icv_app.domain.survey.instrument import Instrument, load_xlsform_bytes
from icv_app.domain.survey.records import (
    PHONE_MESSAGE,
    ConsultationResponse,
    ResponseChannel,
    SurveyInstrument,
    phone_in,
)
from icv_app.kinds.base import Unreadable
from icv_app.services.survey.instruments import InstrumentService, latest_held
from icv_app.store.records import dumps, save_record
from icv_app.store.settings import Setting

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable
    from icv_app.store.local_store import LocalStore

__all__ = [
    "ColumnPlan",
    "ConsultationRefused",
    "ConsultationService",
    "CsvUnreadable",
    "ImportOutcome",
    "ImportPlan",
    "KeyInResult",
    "Progress",
    "held_or_shipped",
    "mapping_setting",
]

Progress = Callable[[int, int], None]  # (rows done, rows in all), on the writer thread

KIND = "consultation_response"
MAPPING_PREFIX = "consultation.mapping."


class ConsultationRefused(Exception):
    """The import (or key-in) cannot go ahead: an unknown form, no response id column,
    a mapping naming no question. Nothing was saved."""


def _parse_mapping(text: str) -> dict[str, str]:
    value = json.loads(text)
    if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ValueError("not a mapping of header to target")
    return value


def mapping_setting(form_id: str) -> Setting[dict[str, str]]:
    """The column mapping saved on this laptop for a form: header -> question name, or
    ``@id`` (the response id), ``@received`` (the date received), ``@source`` (kept as
    source metadata)."""
    return Setting(f"{MAPPING_PREFIX}{form_id}", {}, _parse_mapping,
                   lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True),
                   "How the columns of this form's CSV exports map to its questions "
                   "(made by hand at an import).")


@dataclass(frozen=True)
class ColumnPlan:
    header: str
    target: str  # a question's name, or RESPONSE_ID / RECEIVED / SOURCE
    how: str  # given, saved, name, label, id, timestamp, none (ColumnMatch.how)
    samples: tuple[str, ...]  # a few of its values


@dataclass(frozen=True)
class ImportPlan:
    """What an import of a file would do (nothing saved): each column's target, the
    problems found in every row, and how many rows are new."""

    file: str
    form_id: str
    form_version: str
    columns: tuple[ColumnPlan, ...]
    questions: tuple[tuple[str, str], ...]  # (name, label) of the questions a column may fill
    id_column: str | None
    received_column: str | None
    matched: dict[str, str]  # header -> question
    unmatched: list[str]  # headers kept as source metadata
    problems: list[ImportProblem]
    rows: int  # response rows in the file (blank rows not counted)
    already_there: int  # rows whose response id is held for the form
    shipped_form: bool  # the form is not held: the shipped one would be imported first


@dataclass(frozen=True)
class ImportOutcome:
    added: int
    already_there: int
    unmatched_columns: list[str]  # kept as source metadata
    problems: list[ImportProblem]  # every one, in row order (column problems first)
    not_imported: int  # rows refused: no response id, a phone number, a repeated id
    form_id: str = ""
    form_version: str = ""
    received_column: str | None = None
    instrument_imported: bool = False  # the shipped form was imported first

    def summary(self) -> str:
        return (f"Added {self.added} response{'' if self.added == 1 else 's'}; "
                f"{self.already_there} {'was' if self.already_there == 1 else 'were'} "
                "already here.")


@dataclass
class KeyInResult:
    """A keyed-in response and what the form found wrong with it; ``saved`` is False
    when there were problems and it was not forced (or a phone number, never saved)."""

    response: ConsultationResponse
    problems: list[engine.Problem] = field(default_factory=list)
    saved: bool = False


@dataclass
class _Prepared:
    instrument: Instrument
    new_instrument: SurveyInstrument | None
    table: CsvTable
    match: HeaderMatch
    rows: list[MappedRow]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _strings(value: Any, name: str) -> Iterator[tuple[str, str]]:
    """(question name, text) of every string in an answer (repeats included)."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, name)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, str(key))


def _parse(data: bytes, _sha256: str, filename: str) -> Instrument:
    return load_xlsform_bytes(data, filename)


def held_or_shipped(db: Queryable, form_id: str, *, imported_by: str = "",
                    load: Callable[[bytes, str, str], Instrument] = _parse
                    ) -> tuple[Instrument, SurveyInstrument | None]:
    """The latest version of ``form_id`` held in the profile, or else the form of that id
    shipped with the app together with the record that would keep it (not saved here:
    the caller saves it in its own transaction). Raises ConsultationRefused naming the
    forms held and shipped. ``load(workbook, sha256, filename)`` parses (a cache)."""
    latest = latest_held(db, form_id)
    if latest is not None:
        return load(latest.workbook(), latest.sha256,
                    latest.filename or f"{form_id}.xlsx"), None
    from icv_app.domain.survey.shipped import shipped_forms

    shipped = shipped_forms()
    if form_id not in shipped:
        held = sorted({str(r[0]) for r in db.execute(
            "SELECT form_id FROM survey_instruments WHERE deleted = 0")})
        raise ConsultationRefused(
            f"No form {form_id!r} here: import its XLSForm first (icv-app survey "
            "import FILE.xlsx). Forms held: " + (", ".join(held) or "none") +
            "; shipped with the app: " + ", ".join(sorted(shipped)) + ".")
    path = shipped[form_id]
    data = path.read_bytes()
    instrument = load(data, hashlib.sha256(data).hexdigest(), path.name)
    record = SurveyInstrument.from_workbook(
        data, form_id=instrument.form_id, version=instrument.version,
        title=instrument.title, filename=path.name, imported_by=imported_by)
    return instrument, record


class ConsultationService:
    """Imports, key-ins and the responses held, for one signed-in user.

    ``now()`` is the clock (an aware datetime; tests fix it): an imported response with
    no date received column is dated the day of the import, on this laptop's calendar.
    """

    def __init__(self, store: LocalStore, user_id: str = "", username: str = "", *,
                 now: Callable[[], dt.datetime] = _utc_now) -> None:
        self.store = store
        self.user_id = user_id
        self.username = username
        self.now = now
        self._parsed: dict[str, Instrument] = {}  # by the workbook's sha256
        self._lock = threading.Lock()

    # Forms ---------------------------------------------------------------------------
    def forms(self) -> list[tuple[str, str]]:
        """(form_id, title) of every form held, the latest version's title."""
        return [(f.form_id, f.title) for f in InstrumentService(self.store).latest_forms()]

    def instrument(self, form_id: str) -> Instrument:
        """The latest version of the form held, else the shipped form of that id
        (not saved); raises ConsultationRefused."""
        return self._instrument(self.store.reader, form_id)[0]

    def _instrument(self, db: Queryable, form_id: str
                    ) -> tuple[Instrument, SurveyInstrument | None]:
        return held_or_shipped(db, form_id, imported_by=self.username or self.user_id,
                               load=self._load)

    def _load(self, data: bytes, sha256: str, filename: str) -> Instrument:
        with self._lock:
            cached = self._parsed.get(sha256)
        if cached is None:
            cached = load_xlsform_bytes(data, filename)
            with self._lock:
                self._parsed[sha256] = cached
        return cached

    # The saved mapping -----------------------------------------------------------------
    def saved_mapping(self, form_id: str) -> dict[str, str]:
        return mapping_setting(form_id).get(self.store.reader)

    def save_mapping(self, form_id: str, mapping: Mapping[str, str]) -> Future[None]:
        """Add ``mapping`` (header -> target) to the form's saved mapping."""
        given = dict(mapping)
        return self.store.writer.submit(lambda db: self._merge_mapping(db, form_id, given))

    @staticmethod
    def _merge_mapping(db: sqlite_utils.Database, form_id: str,
                       given: Mapping[str, str]) -> None:
        setting = mapping_setting(form_id)
        merged = {normalise(k): (k, v) for k, v in setting.get(db).items()}
        if RESPONSE_ID in given.values():  # one id column: a new one replaces the old
            merged = {k: hv for k, hv in merged.items() if hv[1] != RESPONSE_ID}
        for header, target in given.items():
            merged[normalise(header)] = (header, target)
        setting.set(db, dict(merged.values()) or None)

    # Import ----------------------------------------------------------------------------
    def _prepare(self, db: Queryable, path: Path, form_id: str, id_column: str | None,
                 mapping: Mapping[str, str] | None) -> _Prepared:
        """Read and map the file (raises OSError, CsvUnreadable, ConsultationRefused)."""
        instrument, new_instrument = self._instrument(db, form_id)
        table = read_csv(Path(path).read_bytes(), Path(path).name)
        try:
            match = match_headers(instrument, table.headers, filename=table.filename,
                                  id_column=id_column, given=mapping,
                                  saved=mapping_setting(form_id).get(db))
        except (MissingIdColumn, MappingRefused) as exc:
            raise ConsultationRefused(str(exc)) from exc
        mapper = RowMapper(instrument, match, table.filename)
        rows = [mapper.map(number, cells) for number, cells in table.rows]
        return _Prepared(instrument, new_instrument, table, match, rows)

    @staticmethod
    def _held_ids(db: Queryable, form_id: str) -> set[str]:
        return {str(r[0]) for r in db.execute(
            f"SELECT source_id FROM {kinds.require(KIND).table} "
            "WHERE deleted = 0 AND form_id = ? AND source_id != ''", [form_id])}

    def submit_preview(self, path: Path, form_id: str, id_column: str | None = None,
                       mapping: Mapping[str, str] | None = None) -> Future[ImportPlan]:
        """:meth:`preview` on the writer thread (for the UI)."""
        given = dict(mapping) if mapping is not None else None
        return self.store.writer.submit(
            lambda db: self._preview(db, Path(path), form_id, id_column, given))

    def preview(self, path: Path, form_id: str, id_column: str | None = None,
                mapping: Mapping[str, str] | None = None) -> ImportPlan:
        """What importing ``path`` would do, saving nothing. Without ``id_column``, the
        saved mapping's or a well-known header ("Response ID") is the id column, or
        none. Raises OSError, CsvUnreadable, ConsultationRefused."""
        return self.submit_preview(path, form_id, id_column, mapping).result()

    def _preview(self, db: Queryable, path: Path, form_id: str, id_column: str | None,
                 mapping: Mapping[str, str] | None) -> ImportPlan:
        prep = self._prepare(db, path, form_id, id_column, mapping)
        held = self._held_ids(db, form_id)
        language = prep.instrument.default_language
        questions = tuple((q.name, q.labels.get(language) or next(iter(q.labels.values()), ""))
                          for q in answerable(prep.instrument))
        match = prep.match
        return ImportPlan(
            file=prep.table.filename, form_id=form_id, form_version=prep.instrument.version,
            columns=tuple(ColumnPlan(c.header, c.target, c.how, prep.table.samples(c.index))
                          for c in match.columns),
            questions=questions, id_column=match.id_column,
            received_column=match.received_column, matched=match.matched,
            unmatched=match.unmatched,
            problems=[*match.problems, *(p for r in prep.rows for p in r.problems)],
            rows=len(prep.rows),
            already_there=sum(1 for r in prep.rows if r.source_id and r.source_id in held),
            shipped_form=prep.new_instrument is not None)

    def submit_import(self, path: Path, form_id: str, id_column: str | None,
                      mapping: Mapping[str, str] | None = None,
                      progress: Progress | None = None) -> Future[ImportOutcome]:
        """:meth:`import_file` as one writer job; the future fails with OSError,
        CsvUnreadable or ConsultationRefused."""
        given = dict(mapping) if mapping is not None else None
        return self.store.writer.submit(
            lambda db: self._import(db, Path(path), form_id, id_column, given, progress))

    def import_file(self, path: Path, form_id: str, id_column: str | None,
                    mapping: Mapping[str, str] | None = None,
                    progress: Progress | None = None) -> ImportOutcome:
        """Import every new response of the CSV at ``path`` in one transaction and save
        the mapping used (``mapping``: header -> target, given by hand for this import,
        applied before the saved mapping and the automatic matching). ``id_column``: the
        column holding the source's response id (None: the saved mapping's). Raises
        OSError (cannot read), CsvUnreadable (not UTF-8 CSV), ConsultationRefused (an
        unknown form, no id column, a mapping naming no question)."""
        return self.submit_import(path, form_id, id_column, mapping, progress).result()

    def _import(self, db: sqlite_utils.Database, path: Path, form_id: str,
                id_column: str | None, mapping: Mapping[str, str] | None,
                progress: Progress | None) -> ImportOutcome:
        prep = self._prepare(db, path, form_id, id_column, mapping)
        match, table = prep.match, prep.table
        if match.id_column is None:
            raise ConsultationRefused(
                f"Name the column of {table.filename} that holds each response's id (the "
                "source's own id, which keeps a response from being imported twice). Its "
                "columns are: " + ", ".join(repr(h) for h in table.headers) + ".")
        if prep.new_instrument is not None:
            save_record(db, "survey_instrument", to_dict(prep.new_instrument))
        held = self._held_ids(db, form_id)
        first_row: dict[str, int] = {}
        problems = list(match.problems)
        added = already = refused = 0
        today = self.now().astimezone().date()
        total = len(prep.rows)
        step = max(1, total // 100)
        for done, row in enumerate(prep.rows, start=1):
            status, extra = self._import_row(db, prep, row, held, first_row, today)
            if status == "already":
                already += 1  # its problems were reported when it was imported
            else:
                problems += [*row.problems, *extra]
                added += status == "added"
                refused += status == "refused"
            if progress is not None and (done % step == 0 or done == total):
                progress(done, total)
        self._merge_mapping(db, form_id, {**(mapping or {}), match.id_column: RESPONSE_ID})
        return ImportOutcome(
            added=added, already_there=already, unmatched_columns=match.unmatched,
            problems=problems, not_imported=refused, form_id=form_id,
            form_version=prep.instrument.version, received_column=match.received_column,
            instrument_imported=prep.new_instrument is not None)

    @staticmethod
    def _import_row(db: sqlite_utils.Database, prep: _Prepared, row: MappedRow,
                    held: set[str], first_row: dict[str, int], today: dt.date
                    ) -> tuple[str, list[ImportProblem]]:
        """Save one row's response. "added"; "already" (its id is held for the form);
        or "refused" (by its own problems, or with the problem that kept it out: an id
        given before in the file, the record kind's check)."""
        if row.refused:
            return "refused", []
        if row.source_id in held:
            return "already", []
        filename, id_column = prep.table.filename, prep.match.id_column
        if row.source_id in first_row:
            return "refused", [ImportProblem(
                filename, row.row, id_column, None,
                f"the response id {row.source_id!r} was already given at row "
                f"{first_row[row.source_id]}; this row was not imported")]
        response = ConsultationResponse(
            form_id=prep.instrument.form_id, form_version=prep.instrument.version,
            channel=ResponseChannel.ONLINE, received_on=row.received_on or today,
            source_id=row.source_id, answers_json=dumps(row.answers),
            source_json=dumps(row.source))
        kind = kinds.require(KIND)
        wrong = kind.check(response)
        if wrong:
            return "refused", [ImportProblem(
                filename, row.row, None, None,
                f"{kind.describe(p.field)}: {p.message} This row was not imported.")
                for p in wrong]
        save_record(db, KIND, to_dict(response))
        first_row[row.source_id] = row.row
        return "added", []

    # Keying in -------------------------------------------------------------------------
    def key_in(self, form_id: str, channel: ResponseChannel, received_on: dt.date,
               answers: Mapping[str, Any], *, force: bool = False) -> KeyInResult:
        """Keep an email or paper response, checked by the form (engine.run): saved when
        the form finds no problem, or with ``force`` (kept as given; the problems are
        still returned). A phone number in an answer is never saved (the server refuses
        it). Raises ConsultationRefused for an online channel or an unknown form."""
        try:
            channel = ResponseChannel.from_value(channel)
        except KeyError:
            raise ConsultationRefused(f"{channel!r} is not a channel (email or paper)."
                                      ) from None
        if channel is ResponseChannel.ONLINE:
            raise ConsultationRefused("Online responses come from the online tool's CSV "
                                      "export: import the file instead of keying them in.")
        instrument = self.instrument(form_id)
        now = self.now()
        result = engine.run(instrument, answers, today=now.astimezone().date(), now=now)
        phones = [engine.Problem(name, PHONE_MESSAGE)
                  for top, value in answers.items() for name, text in _strings(value, top)
                  if phone_in(text)]
        response = ConsultationResponse(
            form_id=form_id, form_version=instrument.version, channel=channel,
            received_on=received_on, answers_json=dumps(dict(answers)),
            keyed_by=self.username or self.user_id)
        problems = [*phones, *result.problems]
        if phones or (problems and not force):
            return KeyInResult(response, problems, saved=False)
        body = to_dict(response)
        self.store.writer.submit(lambda db: save_record(db, KIND, body)).result()
        return KeyInResult(response, problems, saved=True)

    # Reading ---------------------------------------------------------------------------
    def responses(self, form_id: str) -> list[ConsultationResponse]:
        """The form's responses held (every version), by date received then source id."""
        kind = kinds.require(KIND)
        out = []
        for (body,) in self.store.reader.execute(
                f"SELECT body FROM {kind.table} WHERE deleted = 0 AND form_id = ? "
                "ORDER BY received_on, source_id, id", [form_id]):
            try:
                out.append(kind.structure(json.loads(body)))
            except (Unreadable, ValueError):
                continue  # held aside and shown by sync
        return out

    def counts(self, form_id: str) -> dict[str, int]:
        """Responses held for the form by channel (every channel, 0 when none)."""
        counts = {c.value: 0 for c in ResponseChannel}
        for channel, count in self.store.reader.execute(
                f"SELECT channel, count(*) FROM {kinds.require(KIND).table} "
                "WHERE deleted = 0 AND form_id = ? GROUP BY channel", [form_id]):
            counts[str(channel)] = int(count)
        return counts

