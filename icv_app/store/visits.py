"""Visit reports and amendments in the local database: the queries the app needs.

A report is stored whole as JSON in ``body`` (one row write per autosave) with the
columns the visits list filters and sorts on copied beside it. Reads take any
connection (the UI's plain reader, or the writer's); writes take the writer's
``sqlite_utils.Database`` and run as jobs on the writer thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from icv_app.domain.serialize import (
    amendment_from_json,
    amendment_to_json,
    report_from_json,
    report_to_json,
)
from icv_app.domain.visit import (
    Amendment,
    ReportLocked,
    VisitReport,
    VisitStatus,
    utc_now,
)
from icv_app.store.visit_list import (  # re-exported: the list is part of this API
    VisitFilter as VisitFilter,
    VisitSummary as VisitSummary,
    count_visits as count_visits,
    list_visits as list_visits,
)

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable


class VisitNotFound(KeyError):
    def __init__(self, visit_id: str) -> None:
        super().__init__(visit_id)
        self.visit_id = visit_id

    def __str__(self) -> str:
        return f"No visit with id {self.visit_id} in this profile."


def _search_text(report: VisitReport) -> str:
    h = report.header
    parts = [h.officer_in_charge, h.panel, h.outcome_note, h.delay_reason]
    parts += [d.custody_number for d in report.detainees]
    parts += [d.raised for d in report.detainees]
    parts += [i.text for i in report.issues] + [i.response for i in report.issues]
    return "\n".join(p for p in parts if p).lower()


def visit_row(report: VisitReport, now: str | None = None) -> dict[str, Any]:
    """The row for a report, computed where the report lives (the UI thread), so the
    writer thread gets an immutable snapshot and never reads a report being edited."""
    h = report.header
    now = now or utc_now().isoformat()
    return {
        "id": report.id,
        "suite_id": h.suite_id,
        "visit_date": h.visit_date.isoformat() if h.visit_date else None,
        "arrival_time": h.arrival_time.isoformat(timespec="minutes") if h.arrival_time else None,
        "status": report.status.value,
        "detainee_count": len(report.detainees),
        "issue_count": len(report.issues),
        "search_text": _search_text(report),
        "body": report_to_json(report),
        "created_at": report.created_at.isoformat(),
        "updated_at": now,
        "submitted_at": report.submitted_at.isoformat() if report.submitted_at else None,
    }


def save_visit(db: sqlite_utils.Database, report: VisitReport) -> int:
    """Insert or update a draft; returns its new local rev. Submitted reports are refused."""
    return save_row(db, visit_row(report))


def save_row(db: sqlite_utils.Database, row: dict[str, Any]) -> int:
    """Write a row made by :func:`visit_row`; returns the record's new local rev."""
    with db.atomic():
        current = db.execute(
            "SELECT status, rev FROM visits WHERE id = ?", [row["id"]]
        ).fetchone()
        if current is None:
            db.execute(
                "INSERT INTO visits (id, suite_id, visit_date, arrival_time, status, "
                "detainee_count, issue_count, search_text, body, created_at, updated_at, "
                "submitted_at, rev) VALUES (:id, :suite_id, :visit_date, :arrival_time, "
                ":status, :detainee_count, :issue_count, :search_text, :body, :created_at, "
                ":updated_at, :submitted_at, 1)",
                row,
            )
            return 1
        if current[0] == VisitStatus.SUBMITTED.value:
            raise ReportLocked(row["id"])
        db.execute(
            "UPDATE visits SET suite_id = :suite_id, visit_date = :visit_date, "
            "arrival_time = :arrival_time, status = :status, "
            "detainee_count = :detainee_count, issue_count = :issue_count, "
            "search_text = :search_text, body = :body, updated_at = :updated_at, "
            "submitted_at = :submitted_at, rev = rev + 1, attention = NULL WHERE id = :id",
            row,
        )
        return int(current[1]) + 1


def submit_visit(db: sqlite_utils.Database, report: VisitReport) -> VisitReport:
    """Mark a draft submitted (read-only from then on) in one transaction."""
    report.status = VisitStatus.SUBMITTED
    report.submitted_at = report.submitted_at or utc_now()
    try:
        save_visit(db, report)
    except BaseException:
        report.status = VisitStatus.DRAFT
        report.submitted_at = None
        raise
    return report


def load_visit(db: Queryable, visit_id: str) -> VisitReport:
    row = db.execute(
        "SELECT body FROM visits WHERE id = ? AND deleted = 0", [visit_id]
    ).fetchone()
    if row is None:
        raise VisitNotFound(visit_id)
    return report_from_json(row[0])


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


def restore_draft(db: sqlite_utils.Database, visit_id: str) -> None:
    """Undo :func:`delete_draft`."""
    db.execute(
        "UPDATE visits SET deleted = 0, rev = rev + 1, updated_at = ? "
        "WHERE id = ? AND status = 'draft'",
        [utc_now().isoformat(), visit_id],
    )


def add_amendment(db: sqlite_utils.Database, amendment: Amendment) -> None:
    """Store a correction to a submitted report. Drafts are edited, not amended."""
    if not amendment.reason.strip():
        raise ValueError("An amendment needs a reason.")
    if not amendment.text.strip():
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


def list_amendments(db: Queryable, visit_id: str) -> list[Amendment]:
    rows = db.execute(
        "SELECT body FROM amendments WHERE visit_id = ? AND deleted = 0 ORDER BY created_at, id",
        [visit_id],
    ).fetchall()
    return [amendment_from_json(r[0]) for r in rows]


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
