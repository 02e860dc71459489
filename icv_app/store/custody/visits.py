"""Visit reports and amendments in the local database: the queries the app needs.

A report is stored whole as JSON in ``body`` (one row write per autosave) with the
columns the visits list filters and sorts on copied beside it. Reads take any
connection (the UI's plain reader, or the writer's); writes take the writer's
``sqlite_utils.Database`` and run as jobs on the writer thread.

Bodies are lossless: a save writes the person's edits onto the body as stored
(:func:`icv_app.kinds.bodies.merge3`), so fields and values that a newer app added and
this one cannot show survive. An open form edits through an :class:`EditSession`: a save
whose record moved since the session last read or wrote it (a pull, a conflict resolved
elsewhere) never writes the stale copy over it; the edits are merged onto the newer copy
instead, and where both changed the same field the newer copy's value stays and the
field is reported.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from icv_app.domain.custody.visit import (
    Amendment,
    ReportLocked,
    VisitReport,
    VisitStatus,
    utc_now,
)
from icv_app.domain.serialize import amendment_to_json, to_dict
from icv_app.kinds import custody
from icv_app.kinds.bodies import merge3
from icv_app.store import changes
from icv_app.store.custody.visit_list import (  # re-exported: the list is part of this API
    VisitFilter as VisitFilter,
    VisitSummary as VisitSummary,
    count_visits as count_visits,
    count_waiting_queries as count_waiting_queries,
    list_visits as list_visits,
)
from icv_app.store.records import dumps

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable

VISIT = custody.VISIT
AMENDMENT = custody.AMENDMENT


class VisitNotFound(KeyError):
    def __init__(self, visit_id: str) -> None:
        super().__init__(visit_id)
        self.visit_id = visit_id

    def __str__(self) -> str:
        return f"No visit with id {self.visit_id} in this profile."


def visit_row(report: VisitReport, now: str | None = None) -> dict[str, Any]:
    """The row for a report, computed where the report lives (the UI thread), so the
    writer thread gets an immutable snapshot and never reads a report being edited."""
    row = custody.visit_columns(report)
    body = to_dict(report)
    row.update(id=report.id, body=dumps(body), updated_at=now or utc_now().isoformat())
    return row


@dataclass
class EditSession:
    """One open form's hold on one report.

    ``rev`` is the local rev the session last read or wrote (0: not stored yet), ``raw``
    the body stored at that rev, ``shown`` the body as the form showed it then. Created on
    the UI thread; after that, changed only by save jobs on the writer thread.
    """

    record_id: str
    rev: int = 0  # -1: adopt the stored record at the first save
    raw: dict[str, Any] | None = None
    shown: dict[str, Any] | None = None
    origin: str = field(default_factory=lambda: f"edit:{uuid.uuid4().hex}")


@dataclass(frozen=True)
class SaveOutcome:
    rev: int
    merged: bool = False  # the record had moved: the edits were merged onto the newer copy
    overruled: tuple[str, ...] = ()  # fields where the newer copy's value was kept
    restored: bool = False  # it had been deleted elsewhere: the edit brought it back


def load_for_edit(db: Queryable, visit_id: str) -> tuple[VisitReport, EditSession]:
    row = db.execute(
        "SELECT body, rev FROM visits WHERE id = ? AND deleted = 0", [visit_id]
    ).fetchone()
    if row is None:
        raise VisitNotFound(visit_id)
    return _session_from(visit_id, int(row[1]), json.loads(row[0]))


def _session_from(
    visit_id: str, rev: int, raw: dict[str, Any]
) -> tuple[VisitReport, EditSession]:
    """The report this version shows for a stored body, and a session that remembers
    both. ``shown`` is the report as a dict, defaults included, so an edit is told apart
    from a value this version could only show as its default."""
    report = VISIT.structure(raw)
    return report, EditSession(visit_id, rev, raw, to_dict(report))


def save_edit(
    db: sqlite_utils.Database, session: EditSession, edited: dict[str, Any],
    now: str | None = None, columns: dict[str, Any] | None = None,
) -> SaveOutcome:
    """Write a form's report (``edited``: its dict) through its session (module doc).

    ``columns``: the list columns of the edited report, computed where the report lives
    (the caller's thread); recomputed here only when the edits were merged onto a newer
    copy (reading a body back into a report costs more than the save itself)."""
    now = now or utc_now().isoformat()
    if session.rev < 0:  # adopt what is stored now (a report not read through a session)
        fresh = _session_now(db, session.record_id)
        session.rev, session.raw, session.shown = fresh.rev, fresh.raw, fresh.shown
    current = db.execute(
        "SELECT status, rev, body, deleted FROM visits WHERE id = ?", [session.record_id]
    ).fetchone()
    # The edits, put onto the body as this session knew it: nothing it could not show
    # is lost.
    if session.raw is not None and session.shown is not None:
        mine, _ = merge3(session.shown, edited, session.raw, prefer="mine")
    else:
        mine = edited
    merged = restored = False
    overruled: list[str] = []
    if current is None:
        if session.rev != 0:
            restored = True  # removed here meanwhile (purged, discarded): keep the edit
        row = _columns(mine, now, columns)
        db.execute(
            "INSERT INTO visits (id, suite_id, visit_date, arrival_time, status, "
            "detainee_count, issue_count, search_text, body, created_at, updated_at, "
            "submitted_at, rev) VALUES (:id, :suite_id, :visit_date, :arrival_time, "
            ":status, :detainee_count, :issue_count, :search_text, :body, :created_at, "
            ":updated_at, :submitted_at, 1)",
            row,
        )
        new_rev = 1
    else:
        status, rev, body_text, deleted = current
        if status == VisitStatus.SUBMITTED.value and not deleted:
            raise ReportLocked(session.record_id)
        if int(rev) != session.rev:
            merged = True
            if deleted:
                restored = True  # deleted elsewhere while open here: the edit keeps it
            else:
                mine, overruled = merge3(session.raw or {}, mine, json.loads(body_text),
                                         prefer="theirs")
        row = _columns(mine, now, None if merged else columns)
        db.execute(
            "UPDATE visits SET suite_id = :suite_id, visit_date = :visit_date, "
            "arrival_time = :arrival_time, status = :status, "
            "detainee_count = :detainee_count, issue_count = :issue_count, "
            "search_text = :search_text, body = :body, updated_at = :updated_at, "
            "submitted_at = :submitted_at, rev = rev + 1, deleted = 0, attention = NULL "
            "WHERE id = :id",
            row,
        )
        new_rev = int(rev) + 1
    session.rev, session.raw, session.shown = new_rev, mine, edited
    changes.note(db, VISIT.name, session.record_id)
    return SaveOutcome(new_rev, merged or restored, tuple(overruled), restored)


def _columns(
    body: dict[str, Any], now: str, known: dict[str, Any] | None = None
) -> dict[str, Any]:
    row = dict(known) if known is not None else custody.visit_columns(VISIT.structure(body))
    row.update(id=body["id"], body=dumps(body), updated_at=now)
    return row


def save_visit(db: sqlite_utils.Database, report: VisitReport) -> int:
    """Insert or update a draft outside any form (commands, tests); returns its new local
    rev. Lossless like a form's save; submitted reports are refused."""
    return save_edit(db, _session_now(db, report.id), to_dict(report)).rev


def _session_now(db: Queryable, visit_id: str) -> EditSession:
    row = db.execute("SELECT body, rev FROM visits WHERE id = ?", [visit_id]).fetchone()
    if row is None:
        return EditSession(visit_id)
    return _session_from(visit_id, int(row[1]), json.loads(row[0]))[1]


def save_row(db: sqlite_utils.Database, row: dict[str, Any]) -> int:
    """Write a row made by :func:`visit_row` (lossless; see :func:`save_visit`)."""
    return save_edit(db, _session_now(db, row["id"]), json.loads(row["body"])).rev


def submit_visit(
    db: sqlite_utils.Database, report: VisitReport, session: EditSession | None = None
) -> VisitReport:
    """Mark a draft submitted (read-only from then on) in one transaction."""
    report.status = VisitStatus.SUBMITTED
    report.submitted_at = report.submitted_at or utc_now()
    try:
        outcome = save_edit(db, session or _session_now(db, report.id), to_dict(report))
        if outcome.merged:
            # It changed elsewhere since the visitors read it: they confirmed another text.
            raise RecordMoved(report.id)
    except BaseException:
        report.status = VisitStatus.DRAFT
        report.submitted_at = None
        raise
    return report


class RecordMoved(Exception):
    """The report changed elsewhere while it was open here (a sync brought a newer
    copy); the action was not taken, and the form shows the newer copy."""

    def __init__(self, visit_id: str) -> None:
        super().__init__(
            "This report was changed elsewhere (it came in with a sync) while it was open. "
            "It has been reloaded: check it and submit again."
        )
        self.visit_id = visit_id


def load_visit(db: Queryable, visit_id: str) -> VisitReport:
    row = db.execute(
        "SELECT body FROM visits WHERE id = ? AND deleted = 0", [visit_id]
    ).fetchone()
    if row is None:
        raise VisitNotFound(visit_id)
    return VISIT.structure(json.loads(row[0]))  # type: ignore[no-any-return]


def delete_draft(db: sqlite_utils.Database, visit_id: str) -> None:
    """Discard a draft that was never submitted (kept as a tombstone for sync)."""
    with db.atomic():
        row = db.execute("SELECT status FROM visits WHERE id = ?", [visit_id]).fetchone()
        if row is None:
            raise VisitNotFound(visit_id)
        if row[0] == VisitStatus.SUBMITTED.value:
            raise ReportLocked(visit_id)
        db.execute(
            "UPDATE visits SET deleted = 1, rev = rev + 1, updated_at = ? WHERE id = ?",
            [utc_now().isoformat(), visit_id],
        )
        changes.note(db, VISIT.name, visit_id)


def restore_draft(db: sqlite_utils.Database, visit_id: str) -> None:
    """Undo :func:`delete_draft`."""
    db.execute(
        "UPDATE visits SET deleted = 0, rev = rev + 1, updated_at = ? "
        "WHERE id = ? AND status = 'draft'",
        [utc_now().isoformat(), visit_id],
    )
    changes.note(db, VISIT.name, visit_id)


def reopen_refused(db: sqlite_utils.Database, visit_id: str) -> VisitReport:
    """The way out for a submitted report the server refused (it never stored it): make
    it a draft again so it can be corrected and submitted anew. The refusal is kept in
    the report (``reopened``) as its audit trail; the visitors confirm again."""
    row = db.execute(
        "SELECT body, attention, status FROM visits WHERE id = ? AND deleted = 0", [visit_id]
    ).fetchone()
    if row is None:
        raise VisitNotFound(visit_id)
    body_text, reason, status = row
    if reason is None or status != VisitStatus.SUBMITTED.value:
        raise ValueError("Only a submitted report that the server refused can be reopened.")
    raw = json.loads(body_text)
    raw["status"] = VisitStatus.DRAFT.value
    raw["submitted_at"] = None
    raw["confirmed_by"] = []
    trail = raw.get("reopened") if isinstance(raw.get("reopened"), list) else []
    raw["reopened"] = [*trail, {"at": utc_now().isoformat(), "reason": reason}]
    # The read-only trigger guards a submitted body; the status changes in the same
    # statement, which the trigger sees as the old row's: lift it by two statements.
    db.execute("UPDATE visits SET status = 'draft' WHERE id = ?", [visit_id])
    row_values = _columns(raw, utc_now().isoformat())
    db.execute(
        "UPDATE visits SET status = :status, submitted_at = :submitted_at, body = :body, "
        "updated_at = :updated_at, rev = rev + 1, attention = NULL WHERE id = :id",
        row_values,
    )
    changes.note(db, VISIT.name, visit_id)
    return VISIT.structure(raw)  # type: ignore[no-any-return]


_INVISIBLE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


def _blank(text: str) -> bool:
    """Nothing a reader could see: only spaces, line breaks, control and format characters
    (a zero-width space, a soft hyphen), which print as nothing."""
    return all(unicodedata.category(c) in _INVISIBLE for c in text)


def add_amendment(db: sqlite_utils.Database, amendment: Amendment) -> None:
    """Store a correction to a submitted report. Drafts are edited, not amended."""
    if _blank(amendment.reason):
        raise ValueError("An amendment needs a reason.")
    if _blank(amendment.text):
        raise ValueError("An amendment needs the corrected text.")
    with db.atomic():
        row = db.execute(
            "SELECT status FROM visits WHERE id = ? AND deleted = 0", [amendment.visit_id]
        ).fetchone()
        if row is None:
            raise VisitNotFound(amendment.visit_id)
        if row[0] != VisitStatus.SUBMITTED.value:
            raise ValueError("Only a submitted report is amended; edit the draft instead.")
        db.execute(
            "INSERT INTO amendments (id, visit_id, body, created_at) VALUES (?, ?, ?, ?)",
            [
                amendment.id,
                amendment.visit_id,
                amendment_to_json(amendment),
                amendment.created_at.isoformat(),
            ],
        )
        changes.note(db, AMENDMENT.name, amendment.id)


def list_amendments(db: Queryable, visit_id: str) -> list[Amendment]:
    rows = db.execute(
        "SELECT body FROM amendments WHERE visit_id = ? AND deleted = 0 ORDER BY created_at, id",
        [visit_id],
    ).fetchall()
    return [AMENDMENT.structure(json.loads(r[0])) for r in rows]


def submitted_between(
    db: Queryable, start: dt.date, end: dt.date
) -> list[tuple[VisitReport, list[Amendment]]]:
    """Every submitted report dated ``start`` to ``end`` (both included), each with its
    amendments oldest first: two queries whatever the number of reports (statistics over
    a year of a whole scheme read them all)."""
    # The period's reports are picked from the narrow list rows (visit_facets: live
    # reports only), by date, and only theirs are read: the visits table's own indexes
    # would read every submitted report's row (its body first) to look at its date.
    picked = (
        "SELECT visit_id FROM visit_facets WHERE status = 'submitted' "
        "AND visit_date BETWEEN ? AND ?"
    )
    dates = [start.isoformat(), end.isoformat()]
    rows = db.execute(
        f"SELECT id, body FROM visits WHERE id IN ({picked}) AND deleted = 0 "
        "ORDER BY visit_date, arrival_time, id",
        dates,
    ).fetchall()
    amendments: dict[str, list[Amendment]] = {}
    for visit_id, body in db.execute(
        f"SELECT visit_id, body FROM amendments WHERE visit_id IN ({picked}) "
        "AND deleted = 0 ORDER BY created_at, id",
        dates,
    ):
        amendments.setdefault(visit_id, []).append(AMENDMENT.structure(json.loads(body)))
    return [(VISIT.structure(json.loads(body)), amendments.get(rid, [])) for rid, body in rows]


def insert_many(db: sqlite_utils.Database, reports: list[VisitReport]) -> None:
    """Bulk insert (demo data, imports) in one transaction."""
    now = utc_now().isoformat()
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO visits (id, suite_id, visit_date, arrival_time, status, "
            "detainee_count, issue_count, search_text, body, created_at, updated_at, "
            "submitted_at) VALUES (:id, :suite_id, :visit_date, :arrival_time, :status, "
            ":detainee_count, :issue_count, :search_text, :body, :created_at, :updated_at, "
            ":submitted_at)",
            [visit_row(r, now) for r in reports],
        )
        changes.note(db, VISIT.name, [r.id for r in reports])
