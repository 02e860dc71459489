"""Telephone fieldwork (CATI) on this laptop: a survey manager imports a sample and assigns
its cases to interviewers; an interviewer works their call queue, records each call's
outcome and sees their own figures.

:class:`CatiService` reads through the store's reader (call it from the thread that
opened the store, or a worker with its own service) and writes through the writer, one
transaction per action. The rules themselves (retry times, what closes a case, the
queue's order, the AAPOR rates) are :mod:`icv_app.domain.survey.calls`'s.

Phone numbers
    Only a sample case's ``phone`` holds one. The queue (:class:`QueueEntry`) and every
    list here leave it out: :meth:`CatiService.phone_for` gives the one number of the case
    being called, and only while that case is open and the caller's. When a call closes
    a case (a closing outcome, or the last attempt allowed), the case's local copy loses
    its number in the same transaction as the attempt is saved. That copy is the
    server's (interviewers do not write cases), so the number is taken out of the stored
    body in place, not made a local change to push: the sync check compares
    ``type:id:rev`` only (:func:`icv_app.store.sync.sync_check.synced_digest`), and the
    server's copy moves on when the survey manager's laptop closes the case
    (:mod:`icv_app.services.survey.cati_sync`).

Sample files (:meth:`CatiService.import_sample`)
    CSV with a header row: the case id (``case_id``, or ``case id`` or ``id``; any case),
    ``phone``, ``area``; every other column is a stratum (its header is the stratum's
    name). UTF-8, with or without a byte-order mark (Excel's "CSV UTF-8"). Rows are
    numbered as a spreadsheet shows them: the header is row 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icv_app.domain.custody.visit import utc_now
from icv_app.domain.serialize import to_dict
from icv_app.domain.survey.calls import (
    DEFAULT_RULES,
    CaseState,
    InterviewerFigures,
    InterviewLength,
    QueueCase,
    QueueEntry,
    RetryRules,
    case_state,
    figures,
    next_ready_at,
    plan_queue,
)
from icv_app.domain.survey.records import (
    PHONE_MESSAGE,
    CallAttempt,
    CallOutcome,
    CaseStatus,
    InterviewStatus,
    SampleCase,
    phone_in,
    plausible_phone,
)
from icv_app.kinds.survey import MAX_TEXT
from icv_app.store import changes
from icv_app.store.records import save_record

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable
    from icv_app.store.local_store import LocalStore

__all__ = [
    "CatiError",
    "CatiService",
    "QueueEntry",
    "RecentInterview",
    "SampleImport",
    "SampleProblem",
    "SampleUnreadable",
    "attempts_by_case",
    "take_phone_off",
]

ProgressCallback = Callable[[int, int], None]  # (done, total)

ID_HEADERS = ("case_id", "case id", "id")
PHONE_HEADER = "phone"
AREA_HEADER = "area"
_PROGRESS_EVERY = 500


class CatiError(Exception):
    """Refused, with a sentence for the person (what, and why)."""


class SampleUnreadable(CatiError):
    """The sample file cannot be read at all (not UTF-8, no header, a column missing)."""


@dataclass(frozen=True)
class SampleProblem:
    """One bad row of a sample file: where (file, row, column) and what is wrong."""

    file: str
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str  # the column's header as written in the file ("" for the whole row)
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class SampleImport:
    """What an import did. ``refused``: the file had bad rows and nothing was imported
    (import again with ``skip_bad`` to take the good rows)."""

    added: int
    already_there: int  # case ids of this form imported before: not imported twice
    problems: tuple[SampleProblem, ...] = ()
    refused: bool = False


@dataclass(frozen=True)
class RecentInterview:
    """One of the interviewer's own interviews, for their list."""

    id: str
    form_id: str
    case_id: str
    case_ref: str  # "" for a street interview, or a case no longer held here
    status: InterviewStatus
    started_at: dt.datetime
    ended_at: dt.datetime | None


@dataclass
class _SampleRow:
    row: int
    case_ref: str
    phone: str
    area: str
    strata: dict[str, str] = field(default_factory=dict)


# --- reading what the store holds ---------------------------------------------------------


def _time(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _attempt(row: Sequence[Any]) -> CallAttempt:
    rid, case_id, interviewer_id, at, outcome, appointment_at = row
    return CallAttempt(case_id=case_id, interviewer_id=interviewer_id or "",
                       outcome=CallOutcome.from_value(outcome),
                       at=dt.datetime.fromisoformat(at),
                       appointment_at=_time(appointment_at), id=rid)


_ATTEMPT_COLUMNS = "a.id, a.case_id, a.interviewer_id, a.at, a.outcome, a.appointment_at"


def attempts_by_case(db: Queryable, case_ids: Iterable[str] | None = None,
                     ) -> dict[str, list[CallAttempt]]:
    """The call attempts held here, by case (every case, or those named)."""
    out: dict[str, list[CallAttempt]] = {}
    if case_ids is None:
        rows = db.execute(f"SELECT {_ATTEMPT_COLUMNS} FROM call_attempts a "
                          "WHERE a.deleted = 0").fetchall()
    else:
        ids = list(case_ids)
        rows = []
        for start in range(0, len(ids), 500):  # bounded: SQLite's host parameters
            chunk = ids[start:start + 500]
            rows += db.execute(
                f"SELECT {_ATTEMPT_COLUMNS} FROM call_attempts a WHERE a.deleted = 0 "
                f"AND a.case_id IN ({', '.join('?' * len(chunk))})", chunk).fetchall()
    for row in rows:
        attempt = _attempt(row)
        out.setdefault(attempt.case_id, []).append(attempt)
    return out


def take_phone_off(db: sqlite_utils.Database, case_id: str) -> bool:
    """Take the phone number out of the stored body of this laptop's copy of a case, in
    place: not a local change to push (the copy stays the server's rev). True if there
    was one."""
    cursor = db.execute(
        "UPDATE sample_cases SET body = json_set(body, '$.phone', '') "
        "WHERE id = ? AND json_extract(body, '$.phone') != ''", [case_id])
    if cursor.rowcount:
        changes.note(db, "sample_case", case_id)
    return bool(cursor.rowcount)


# --- the sample file ----------------------------------------------------------------------


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SampleUnreadable(
            f"{name} is UTF-16 text; save it as CSV UTF-8 (in Excel: Save As, "
            "'CSV UTF-8 (Comma delimited)') and import it again.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[:exc.start].count(b"\n") + 1
        raise SampleUnreadable(
            f"{name}, row {row}: not UTF-8 text (another encoding, such as Windows "
            "Latin-1?); save it as CSV UTF-8 (in Excel: Save As, 'CSV UTF-8 (Comma "
            "delimited)') and import it again.") from None


def _read_sample(text: str, name: str) -> tuple[list[_SampleRow], list[SampleProblem]]:
    """The good rows and the problems of every bad one (SampleUnreadable for a file
    that is not a sample at all)."""
    records = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(records, None)
        while header is not None and not any(h.strip() for h in header):
            header = next(records, None)  # blank lines before the header
        if header is None:
            raise SampleUnreadable(f"{name} is empty: it needs a header row (case_id, "
                                   "phone, area, then any strata) and a row per case.")
        names = [h.strip() for h in header]
        folded = [n.casefold() for n in names]
        for i, n in enumerate(names):
            if not n:
                raise SampleUnreadable(f"{name}, row 1, column {i + 1}: a column without a "
                                       "name; name it (it becomes a stratum) or remove it.")
            if folded.index(n.casefold()) != i:
                raise SampleUnreadable(f"{name}, row 1: two columns are called {n!r}.")
            if phone_in(n) or len(n) > MAX_TEXT:
                raise SampleUnreadable(f"{name}, row 1, column {i + 1}: {PHONE_MESSAGE}"
                                       if phone_in(n) else
                                       f"{name}, row 1, column {i + 1}: a name of at most "
                                       f"{MAX_TEXT} characters.")
        id_col = next((folded.index(h) for h in ID_HEADERS if h in folded), None)
        phone_col = folded.index(PHONE_HEADER) if PHONE_HEADER in folded else None
        if id_col is None or phone_col is None:
            missing = " and ".join(what for what, col in (("case_id", id_col),
                                                          ("phone", phone_col))
                                   if col is None)
            raise SampleUnreadable(
                f"{name}, row 1: no {missing} column. The header needs case_id (or "
                "'case id' or 'id') and phone; area and any strata are optional.")
        area_col = folded.index(AREA_HEADER) if AREA_HEADER in folded else None
        strata_cols = [i for i in range(len(names)) if i not in (id_col, phone_col, area_col)]

        rows: list[_SampleRow] = []
        problems: list[SampleProblem] = []
        first_row: dict[str, int] = {}
        for number, values in enumerate(records, start=2):
            if not any(v.strip() for v in values):
                continue  # a blank line
            if len(values) != len(names):
                problems.append(SampleProblem(
                    name, number, "", f"{len(values)} values, but the header names "
                    f"{len(names)} columns (a comma too many or too few?)."))
                continue
            found = _row_problems(name, number, names, values, id_col, phone_col)
            ref = values[id_col].strip()
            if ref and ref in first_row:
                found.append(SampleProblem(name, number, names[id_col],
                                           f"case id {ref} is already on row "
                                           f"{first_row[ref]} of this file."))
            elif ref:
                first_row[ref] = number
            if found:
                problems += found
                continue
            rows.append(_SampleRow(
                number, ref, values[phone_col].strip(),
                values[area_col].strip() if area_col is not None else "",
                {names[i]: values[i].strip() for i in strata_cols}))
    except csv.Error as exc:
        raise SampleUnreadable(f"{name}, row {records.line_num}: not CSV as expected "
                               f"({exc}).") from None
    return rows, problems


def _row_problems(name: str, number: int, names: list[str], values: list[str],
                  id_col: int, phone_col: int) -> list[SampleProblem]:
    found: list[SampleProblem] = []
    if not values[id_col].strip():
        found.append(SampleProblem(name, number, names[id_col], "no case id."))
    phone = values[phone_col].strip()
    if not phone:
        found.append(SampleProblem(name, number, names[phone_col], "no phone number."))
    elif not plausible_phone(phone):
        found.append(SampleProblem(
            name, number, names[phone_col], "not a phone number that could be dialled "
            "(a UK number: 0 or +44, then 9 or 10 digits)."))
    for i, value in enumerate(values):
        if i == phone_col:
            continue
        text = value.strip()
        if len(text) > MAX_TEXT:
            found.append(SampleProblem(name, number, names[i],
                                       f"at most {MAX_TEXT} characters."))
        elif phone_in(text):
            found.append(SampleProblem(name, number, names[i],
                                       "this looks like a phone number; only the phone "
                                       "column may hold one."))
    return found


# --- the service --------------------------------------------------------------------------


@dataclass(frozen=True)
class SampleOverview:
    """How a form's sample stands: open cases not assigned, open cases per interviewer,
    closed cases per interviewer ("" for none), and the areas with their open cases not
    assigned yet."""

    unassigned: int = 0
    assigned: dict[str, int] = field(default_factory=dict)
    closed: dict[str, int] = field(default_factory=dict)
    areas: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.unassigned + sum(self.assigned.values()) + sum(self.closed.values())


def sample_overview(db: Queryable, form_id: str) -> SampleOverview:
    """Counts of the form's cases (one query on the columns the sample_case kind keeps):
    what the survey manager's Fieldwork page shows."""
    unassigned = 0
    assigned: dict[str, int] = {}
    closed: dict[str, int] = {}
    areas: dict[str, int] = {}
    for interviewer, status, area, count in db.execute(
        "SELECT interviewer_id, status, area, count(*) FROM sample_cases "
        "WHERE form_id = ? AND deleted = 0 GROUP BY interviewer_id, status, area",
        [form_id],
    ).fetchall():
        who, n, place = str(interviewer or ""), int(count), str(area or "")
        if place:
            areas.setdefault(place, 0)
        if status != CaseStatus.OPEN.value:
            closed[who] = closed.get(who, 0) + n
        elif who:
            assigned[who] = assigned.get(who, 0) + n
        else:
            unassigned += n
            if place:
                areas[place] += n
    return SampleOverview(unassigned, assigned, closed,
                          dict(sorted(areas.items(), key=lambda a: a[0].casefold())))



class CatiService:
    """Telephone fieldwork for the signed-in user ``user_id`` (module doc).

    ``now``: the clock (aware UTC; tests fix it). ``rules``: retry rules. ``tz``: the
    time zone of the times in the queue's reasons (default: this computer's).
    """

    def __init__(self, store: LocalStore, user_id: str, *,
                 now: Callable[[], dt.datetime] = utc_now,
                 rules: RetryRules = DEFAULT_RULES, tz: dt.tzinfo | None = None) -> None:
        self.store = store
        self.user_id = user_id
        self.now = now
        self.rules = rules
        self.tz = tz

    @property
    def _db(self) -> Queryable:
        return self.store.reader

    def _write(self, job: Callable[[sqlite_utils.Database], Any]) -> Any:
        return self.store.writer.submit(job).result()

    # The sample (survey managers) ---------------------------------------------------------
    def import_sample(self, path: Path, form_id: str, *, skip_bad: bool = False,
                      progress: ProgressCallback | None = None) -> SampleImport:
        """Import the sample file at ``path`` as cases of ``form_id`` (module doc).

        A file with bad rows imports nothing and lists every problem, unless
        ``skip_bad``: then the good rows are imported and the bad ones listed. A case id
        already imported for the form is not imported again. Everything is written in
        one transaction; ``progress(done, total)`` is called on the store's writer thread
        as the rows are saved. Raises SampleUnreadable (what and where), CatiError (no
        such form here) or OSError.
        """
        path = Path(path)
        if not self._db.execute("SELECT 1 FROM survey_instruments WHERE deleted = 0 AND "
                                "form_id = ?", [form_id]).fetchone():
            raise CatiError(f"No form {form_id!r} here: import its XLSForm first "
                            "(icv-app survey import FILE.xlsx).")
        rows, problems = _read_sample(_decode(path.read_bytes(), path.name), path.name)
        refused = bool(problems) and not skip_bad
        if refused:
            held = self._refs_held(self._db, form_id)
            return SampleImport(0, sum(r.case_ref in held for r in rows), tuple(problems),
                                refused=True)

        def job(db: sqlite_utils.Database) -> tuple[int, int]:
            held = self._refs_held(db, form_id)
            new = [r for r in rows if r.case_ref not in held]
            top = db.execute("SELECT max(position) FROM sample_cases WHERE form_id = ?",
                             [form_id]).fetchone()[0]
            start = int(top or 0)
            for done, row in enumerate(new, start=1):
                case = SampleCase(form_id=form_id, case_ref=row.case_ref, phone=row.phone,
                                  area=row.area, strata=row.strata, position=start + done)
                save_record(db, "sample_case", to_dict(case))
                if progress is not None and (done % _PROGRESS_EVERY == 0 or done == len(new)):
                    progress(done, len(new))
            return len(new), len(rows) - len(new)

        added, already = self._write(job)
        return SampleImport(added, already, tuple(problems))

    @staticmethod
    def _refs_held(db: Queryable, form_id: str) -> set[str]:
        return {ref for (ref,) in db.execute(
            "SELECT case_ref FROM sample_cases WHERE form_id = ? AND deleted = 0", [form_id])}

    # Assignment (survey managers) ---------------------------------------------------------
    def assign(self, form_id: str, interviewer_id: str, *, count: int | None = None,
               area: str | None = None, case_refs: Iterable[str] | None = None) -> int:
        """Assign open, unassigned cases of ``form_id`` to ``interviewer_id``, in sample
        order: at most ``count``, only in ``area`` (any case), only ``case_refs``.
        Returns how many were assigned. Raises CatiError for a case id not in the
        sample."""
        if not interviewer_id.strip():
            raise CatiError("Say whom to assign the cases to.")
        return self._move(form_id, "", interviewer_id, count=count, area=area,
                          case_refs=case_refs)

    def unassign(self, form_id: str, *, interviewer_id: str | None = None,
                 case_refs: Iterable[str] | None = None, count: int | None = None) -> int:
        """Take open cases back from their interviewer (``interviewer_id``'s, or the
        ``case_refs`` named, whoever has them): they leave that laptop with its next
        sync. Returns how many."""
        if interviewer_id is None and case_refs is None:
            raise CatiError("Say whose cases (an interviewer) or which cases to take back.")
        return self._move(form_id, interviewer_id, "", count=count, case_refs=case_refs)

    def reassign(self, form_id: str, from_interviewer: str, to_interviewer: str, *,
                 count: int | None = None, case_refs: Iterable[str] | None = None) -> int:
        """Move open cases from one interviewer to another (they leave the first one's
        laptop with its next sync). Returns how many."""
        if not to_interviewer.strip():
            raise CatiError("Say whom to give the cases to.")
        return self._move(form_id, from_interviewer, to_interviewer, count=count,
                          case_refs=case_refs)

    def _move(self, form_id: str, holder: str | None, to: str, *, count: int | None = None,
              area: str | None = None, case_refs: Iterable[str] | None = None) -> int:
        """Give open cases of ``form_id`` held by ``holder`` ("" unassigned, None:
        anyone) to ``to``, in sample order; each keeps the attempts counted here."""
        refs = None if case_refs is None else {r.strip() for r in case_refs}
        if count is not None and count < 0:
            raise CatiError("The number of cases cannot be negative.")

        def job(db: sqlite_utils.Database) -> int:
            rows = db.execute(
                "SELECT id, body, case_ref, interviewer_id, area FROM sample_cases "
                "WHERE form_id = ? AND status = ? AND deleted = 0 "
                "ORDER BY position, case_ref",
                [form_id, CaseStatus.OPEN.value]).fetchall()
            if refs is not None:
                unknown = refs - {r[2] for r in rows}
                if unknown:
                    raise CatiError(
                        f"No open case {', '.join(sorted(unknown))} in the sample of "
                        f"{form_id} here.")
            chosen = [r for r in rows
                      if (holder is None or (r[3] or "") == holder)
                      and (r[3] or "") != to
                      and (area is None or (r[4] or "").casefold() == area.casefold())
                      and (refs is None or r[2] in refs)]
            if count is not None:
                chosen = chosen[:count]
            seen = attempts_by_case(db, [r[0] for r in chosen])
            for rid, body_text, *_rest in chosen:
                body = json.loads(body_text)
                body["interviewer_id"] = to
                held_here = len(seen.get(rid, ()))
                body["attempts"] = max(int(body.get("attempts") or 0), held_here)
                save_record(db, "sample_case", body)
            return len(chosen)

        return int(self._write(job))

    # Calls (interviewers) -----------------------------------------------------------------
    def record_attempt(self, case_id: str, outcome: CallOutcome | str, *,
                       appointment_at: dt.datetime | None = None, note: str = "",
                       ) -> CallAttempt:
        """Record a call of one of the caller's open cases, now. An appointment needs a
        time in the future. A call that closes the case (its outcome, or the last
        attempt allowed) takes the case's phone number off this laptop in the same
        transaction. Raises CatiError (with the reason) and saves nothing if refused."""
        outcome = _outcome(outcome)
        now = self.now()
        if outcome is CallOutcome.APPOINTMENT:
            if appointment_at is None:
                raise CatiError("An appointment needs the time to call back.")
            if appointment_at.tzinfo is None:
                raise CatiError("Give the appointment's time with its time zone.")
            if appointment_at <= now:
                raise CatiError("An appointment needs a time in the future.")
            appointment_at = appointment_at.astimezone(dt.UTC)
        elif appointment_at is not None:
            raise CatiError(f"Only an appointment has a time to call back, not "
                            f"'{outcome.label}'.")
        note = note.strip()
        if phone_in(note):
            raise CatiError(f"Note: {PHONE_MESSAGE}")
        if len(note) > MAX_TEXT:
            raise CatiError(f"Note: at most {MAX_TEXT} characters.")

        def job(db: sqlite_utils.Database) -> CallAttempt:
            case = self._own_open_case(db, case_id)
            held = attempts_by_case(db, [case_id]).get(case_id, [])
            counted = int(case.get("attempts") or 0)
            before = case_state(held, self.rules, counted=counted)
            if before.closed:
                raise CatiError(_closed_message(case, before))
            attempt = CallAttempt(case_id=case_id, interviewer_id=self.user_id,
                                  outcome=outcome, at=now, appointment_at=appointment_at,
                                  note=note)
            save_record(db, "call_attempt", to_dict(attempt))
            if case_state([*held, attempt], self.rules, counted=counted).closed:
                take_phone_off(db, case_id)
            return attempt

        result: CallAttempt = self._write(job)
        return result

    def _own_open_case(self, db: Queryable, case_id: str) -> dict[str, Any]:
        row = db.execute("SELECT body FROM sample_cases WHERE id = ? AND deleted = 0",
                         [case_id]).fetchone()
        if row is None:
            raise CatiError("This case is not on this laptop (it may have been given to "
                            "another interviewer).")
        body: dict[str, Any] = json.loads(row[0])
        ref = body.get("case_ref", "")
        if body.get("interviewer_id") != self.user_id:
            raise CatiError(f"Case {ref} is not assigned to you.")
        if body.get("status") != CaseStatus.OPEN.value:
            raise CatiError(f"Case {ref} is closed; it is not called again.")
        return body

    def find_case(self, case_ref: str, form_id: str | None = None) -> str:
        """The id of the caller's case ``case_ref`` (of ``form_id``, where the same id is
        in the samples of two forms). Raises CatiError if there is none, or several."""
        sql = ("SELECT id, form_id FROM sample_cases WHERE interviewer_id = ? "
               "AND case_ref = ? AND deleted = 0")
        params = [self.user_id, case_ref.strip()]
        if form_id is not None:
            sql += " AND form_id = ?"
            params.append(form_id)
        found = self._db.execute(sql, params).fetchall()
        if not found:
            raise CatiError(f"You have no case {case_ref}"
                            + (f" of {form_id}." if form_id else "."))
        if len(found) > 1:
            raise CatiError(f"Case {case_ref} is in the samples of "
                            f"{' and '.join(sorted(f for _i, f in found))}: say which form.")
        return str(found[0][0])

    def queue(self, now: dt.datetime | None = None) -> list[QueueEntry]:
        """The caller's open cases in the order to call them (no phone numbers): due
        appointments, retries whose time has come, new cases, then those not yet due."""
        now = now or self.now()
        # Per case, what the queue needs of the caller's attempts (an interviewer's
        # laptop holds no one else's): how many, whether one closed it, and the latest (a
        # bare column takes its value from the row that the query's one max() picked:
        # SQLite's documented rule). From the index alone.
        closing = ", ".join(f"'{o.value}'" for o in CallOutcome if o.closes_case)
        latest: dict[str, list[CallAttempt]] = {}
        made: dict[str, int] = {}
        for count, closed, _last_at, *row in self._db.execute(
            f"SELECT count(*), sum(outcome IN ({closing})), max(at), id, case_id, "
            "interviewer_id, at, outcome, appointment_at FROM call_attempts "
            "WHERE interviewer_id = ? AND deleted = 0 GROUP BY case_id", [self.user_id]):
            attempt = _attempt(row)
            made[attempt.case_id] = int(count)
            if not closed:  # one closed by its calls is not called again
                latest[attempt.case_id] = [attempt]
        cases = [QueueCase(rid, form_id, ref, area or "", int(position or 0),
                           max(int(counted or 0), made.get(rid, 0)))
                 for rid, form_id, ref, area, position, counted in self._db.execute(
                     "SELECT id, form_id, case_ref, area, position, attempts "
                     "FROM sample_cases WHERE interviewer_id = ? AND status = ? "
                     "AND deleted = 0", [self.user_id, CaseStatus.OPEN.value])
                 if rid in latest or rid not in made]
        return plan_queue(cases, latest, now, self.rules, tz=self.tz)

    def next_due_at(self, now: dt.datetime | None = None) -> dt.datetime | None:
        """When the next case not yet due becomes due (set a timer for then: an
        appointment comes back on time); None if none is waiting."""
        now = now or self.now()
        return next_ready_at(self.queue(now), now)

    def phone_for(self, case_id: str) -> str:
        """The phone number of the case about to be called: one of the caller's open
        cases, not closed by its calls. Raises CatiError otherwise."""
        case = self._own_open_case(self._db, case_id)
        held = attempts_by_case(self._db, [case_id]).get(case_id, [])
        state = case_state(held, self.rules, counted=int(case.get("attempts") or 0))
        phone = str(case.get("phone") or "")
        if state.closed or not phone:
            raise CatiError(_closed_message(case, state))
        return phone

    def recent_interviews(self, limit: int = 100) -> list[RecentInterview]:
        """The caller's own interviews, newest first."""
        return [
            RecentInterview(rid, form_id or "", case_id or "", ref or "",
                            InterviewStatus.from_value(status),
                            dt.datetime.fromisoformat(started), _time(ended))
            for rid, form_id, case_id, ref, status, started, ended in self._db.execute(
                "SELECT i.id, i.form_id, i.case_id, c.case_ref, i.status, i.started_at, "
                "i.ended_at FROM survey_interviews i LEFT JOIN sample_cases c "
                "ON c.id = i.case_id AND i.case_id != '' "
                "WHERE i.interviewer_id = ? AND i.deleted = 0 "
                "ORDER BY i.started_at DESC LIMIT ?", [self.user_id, limit])
        ]

    # Figures ------------------------------------------------------------------------------
    def figures(self, since: dt.datetime | None = None, until: dt.datetime | None = None,
                ) -> InterviewerFigures:
        """The caller's own figures over ``since <= time < until`` (module doc of
        :mod:`icv_app.domain.survey.calls`: which outcomes count where)."""
        case_ids = [cid for (cid,) in self._db.execute(
            "SELECT DISTINCT case_id FROM call_attempts WHERE interviewer_id = ? "
            "AND deleted = 0", [self.user_id])]
        held = attempts_by_case(self._db, case_ids)
        return figures(self.user_id, [a for group in held.values() for a in group],
                       self._lengths(self.user_id).get(self.user_id, []), now=self.now(),
                       since=since, until=until, rules=self.rules)

    def figures_by_interviewer(self, since: dt.datetime | None = None,
                               until: dt.datetime | None = None,
                               ) -> dict[str, InterviewerFigures]:
        """Every interviewer's figures from what this laptop holds (a survey manager's
        holds every attempt and interview), by user id."""
        held = [a for group in attempts_by_case(self._db).values() for a in group]
        lengths = self._lengths(None)
        people = sorted({a.interviewer_id for a in held} | set(lengths))
        return {person: figures(person, held, lengths.get(person, []), now=self.now(),
                                since=since, until=until, rules=self.rules)
                for person in people}

    def _lengths(self, interviewer_id: str | None) -> dict[str, list[InterviewLength]]:
        sql = ("SELECT interviewer_id, started_at, ended_at FROM survey_interviews "
               "WHERE status = ? AND deleted = 0")
        params: list[Any] = [InterviewStatus.COMPLETE.value]
        if interviewer_id is not None:
            sql += " AND interviewer_id = ?"
            params.append(interviewer_id)
        out: dict[str, list[InterviewLength]] = {}
        for person, started, ended in self._db.execute(sql, params):
            out.setdefault(person or "", []).append(
                InterviewLength(dt.datetime.fromisoformat(started), _time(ended)))
        return out


def _outcome(value: CallOutcome | str) -> CallOutcome:
    if isinstance(value, CallOutcome):
        return value
    try:
        return CallOutcome.from_value(value)
    except KeyError:
        raise CatiError(f"No call outcome {value!r}: one of "
                        f"{', '.join(o.value for o in CallOutcome)}.") from None


def _closed_message(case: dict[str, Any], state: CaseState) -> str:
    ref = case.get("case_ref", "")
    closed_by = state.closed_by
    if closed_by is None:
        return f"Case {ref} is closed; it is not called again."
    why = (f"after {state.attempts} attempts" if state.final_non_contact
           else closed_by.outcome.label.lower())
    return f"Case {ref} is closed ({why}, {closed_by.at:%d %b %Y}); it is not called again."
