"""The visits list's queries: what the first window needs and nothing more.

Imported before the main window shows, so it depends only on the visit status, not on
the full report model (see :mod:`icv_app.store.custody.visits` for reports and amendments).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from icv_app.domain.custody.report_reference import reference_id_prefix
from icv_app.domain.status import VisitStatus

if TYPE_CHECKING:
    from icv_app.store.database import Queryable


MIN_INDEXED_SEARCH = 3  # shorter terms are matched row by row (the index is of trigrams)


class VisitSummary(NamedTuple):
    """One line of the visits list (a tuple: ten thousand of them are made at start-up)."""

    id: str
    suite_id: str
    visit_date: str | None
    arrival_time: str | None
    status: VisitStatus
    detainee_count: int
    issue_count: int
    amendment_count: int
    updated_at: str
    # When the report was made (UTC, ISO): its short reference's year when it has no
    # visit date yet.
    created_at: str = ""
    # A coordinator's questions about the report not yet answered by its visitors.
    waiting_queries: int = 0


@dataclass(frozen=True)
class VisitFilter:
    suite_id: str | None = None
    status: VisitStatus | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    search: str = ""


def search_clause(search: str) -> tuple[str, list[Any]] | None:
    """The condition on ``visits AS v`` (and its parameters) for a search term, or None
    for no term. A report's short reference (``NS-26-7K3Q-F2M9``, as a coordinator's
    question or the PDF names it) finds that report."""
    term = search.strip().lower()
    prefix = reference_id_prefix(term)
    if prefix is not None:
        return "v.id >= ? AND v.id < ?", [prefix, prefix + "~"]
    if len(term) >= MIN_INDEXED_SEARCH:
        # The trigram index finds any substring of three or more characters.
        return (
            "v.id IN (SELECT visit_id FROM visits_search WHERE visits_search MATCH ?)",
            [fts_phrase(term)],
        )
    if term:
        return f"v.{LIKE}", [like_pattern(term)]
    return None


LIKE = "search_text LIKE ? ESCAPE '\\'"  # with like_pattern(term): the row-by-row search


def like_pattern(term: str) -> str:
    """The LIKE pattern (for :data:`LIKE`) that finds ``term`` anywhere."""
    term = term.strip().lower()
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def fts_phrase(term: str) -> str:
    """The MATCH argument of ``visits_search`` that finds ``term`` anywhere (three
    characters or more: the index is of trigrams)."""
    term = term.strip().lower()
    return '"' + term.replace('"', '""') + '"'


def list_visits(
    db: Queryable, where: VisitFilter | None = None, limit: int | None = None
) -> list[VisitSummary]:
    where = where or VisitFilter()
    clauses = ["v.deleted = 0"]
    params: list[Any] = []
    if where.suite_id:
        clauses.append("v.suite_id = ?")
        params.append(where.suite_id)
    if where.status is not None:
        clauses.append("v.status = ?")
        params.append(where.status.value)
    if where.date_from:
        clauses.append("v.visit_date >= ?")
        params.append(where.date_from.isoformat())
    if where.date_to:
        clauses.append("v.visit_date <= ?")
        params.append(where.date_to.isoformat())
    search = search_clause(where.search)
    if search is not None:
        clauses.append(search[0])
        params += search[1]
    sql = (
        "SELECT v.id, v.suite_id, v.visit_date, v.arrival_time, v.status, v.detainee_count, "
        "v.issue_count, coalesce(a.n, 0), v.updated_at, v.created_at, coalesce(q.n, 0) "
        "FROM visits v LEFT JOIN "
        "(SELECT visit_id, count(*) AS n FROM amendments WHERE deleted = 0 GROUP BY visit_id)"
        f" a ON a.visit_id = v.id LEFT JOIN ({_WAITING} GROUP BY visit_id) q "
        "ON q.visit_id = v.id WHERE "
        + " AND ".join(clauses)
        + " ORDER BY v.visit_date DESC, v.arrival_time DESC"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    status = {s.value: s for s in VisitStatus}
    return [
        VisitSummary(r[0], r[1], r[2], r[3], status[r[4]], r[5], r[6], r[7], r[8], r[9],
                     r[10])
        for r in db.execute(sql, params).fetchall()
    ]


# The queries (kind visit_query) that no reply (kind query_reply) answers yet, per report.
_WAITING = (
    "SELECT visit_id, count(*) AS n FROM visit_queries q WHERE q.deleted = 0 "
    "AND NOT EXISTS (SELECT 1 FROM query_replies p WHERE p.query_id = q.id "
    "AND p.deleted = 0)"
)


def count_waiting_queries(db: Queryable) -> tuple[int, int]:
    """How many queries wait for a reply, and on how many live reports."""
    row = db.execute(
        f"SELECT coalesce(sum(q.n), 0), count(*) FROM ({_WAITING} GROUP BY visit_id) q "
        "JOIN visits v ON v.id = q.visit_id AND v.deleted = 0"
    ).fetchone()
    return int(row[0]), int(row[1])


def count_visits(db: Queryable) -> int:
    return int(db.execute("SELECT count(*) FROM visits WHERE deleted = 0").fetchone()[0])
