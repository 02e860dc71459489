"""The coordinator's list of every report of the scheme: one query over the live reports'
list rows (``visit_facets``, kept by triggers on the visits: migration
``0007_scheme_reports``) with their reviews, queries and replies, and amendments.

Everything is filtered and counted in SQL from narrow rows and covering indexes; no
report's body is read, and a report's visits row only to search it among few. On a
coordinator's laptop (the whole scheme, tens of thousands of reports) a query answers in
milliseconds. The search finds what the visits list's finds (custody numbers, issue text,
officers: the trigram index of :mod:`icv_app.store.custody.visit_list`), and a report's
short reference (``NS-26-7K3Q-F2M9``) from the id it is made of.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from icv_app.domain.custody.coordination import ReviewStatus
from icv_app.domain.custody.report_reference import reference_id_prefix
from icv_app.domain.status import VisitStatus
from icv_app.store.custody import visit_list
from icv_app.store.custody.visit_list import LIKE, fts_phrase, like_pattern

if TYPE_CHECKING:
    from icv_app.store.database import Queryable

VISITOR_SEPARATOR = "\x1f"  # between the visitor ids of visit_facets.visitor_ids
# Searching one report's row (a page of the large visits table, seldom in the cache) costs
# about this many matches of the trigram index (small rows, many to a page).
ROW_SEARCH_COST = 3


class ReportRow(NamedTuple):
    """One line of the list of all reports (a tuple: thousands are made per query)."""

    id: str
    suite_id: str
    visit_date: str | None
    arrival_time: str | None
    status: VisitStatus
    review: ReviewStatus
    detainee_count: int
    issue_count: int
    unresolved_count: int
    open_queries: int  # sent, with no reply yet
    amendment_count: int
    visitor_ids: tuple[str, ...]
    panel: str
    created_at: str  # only for a report with no visit date (its reference's year)


@dataclass(frozen=True)
class ReportFilter:
    """Which reports to list. ``review``: New matches a report with no review yet;
    ``visitor_id``: any visitor on the visit; ``search``: custody numbers, issue text,
    officers (the visits list's search) or a report's short reference."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    suite_id: str | None = None
    panel: str | None = None
    # Reports naming no panel count under their suite's (the suites of ``panel``).
    panel_suite_ids: tuple[str, ...] = ()
    visitor_id: str | None = None
    review: ReviewStatus | None = None
    unresolved_only: bool = False
    search: str = ""


_REVIEW = (
    "(SELECT r.status FROM visit_reviews r WHERE r.visit_id = f.visit_id AND r.deleted = 0)"
)
_OPEN_QUERIES = (
    "(SELECT count(*) FROM visit_queries q WHERE q.visit_id = f.visit_id AND q.deleted = 0 "
    "AND NOT EXISTS (SELECT 1 FROM query_replies p WHERE p.query_id = q.id "
    "AND p.deleted = 0))"
)
_AMENDMENTS = (
    "(SELECT count(*) FROM amendments a WHERE a.visit_id = f.visit_id AND a.deleted = 0)"
)

@dataclass(frozen=True)
class ReportQuery:
    """A filter made SQL for one database (see :func:`prepare`): the conditions on
    ``visit_facets AS f`` and their parameters. ``sets``: some condition reads a set
    (the reviews, the search index) rather than only the report's own row."""

    where: ReportFilter
    clauses: tuple[str, ...]
    params: tuple[Any, ...]
    sets: bool

    @property
    def condition(self) -> str:
        return " AND ".join(self.clauses) or "1"


def prepare(db: Queryable, where: ReportFilter) -> ReportQuery:
    """The SQL of ``where`` on ``db``. A search is answered the cheaper way of two, from
    how many reports each would read: through the trigram index (every report matching
    the term) or report by report among those the other filters leave (a common word
    within a quarter); both find the same reports."""
    clauses: list[str] = []  # answered from the list's indexes alone
    params: list[Any] = []
    if where.date_from:
        clauses.append("f.visit_date >= ?")
        params.append(where.date_from.isoformat())
    if where.date_to:
        clauses.append("f.visit_date <= ?")
        params.append(where.date_to.isoformat())
    if where.suite_id:
        clauses.append("f.suite_id = ?")
        params.append(where.suite_id)
    if where.panel:
        if where.panel_suite_ids:
            marks = ", ".join("?" * len(where.panel_suite_ids))
            clauses.append(f"(f.panel = ? OR (f.panel = '' AND f.suite_id IN ({marks})))")
            params += [where.panel, *where.panel_suite_ids]
        else:
            clauses.append("f.panel = ?")
            params.append(where.panel)
    if where.visitor_id:
        clauses.append("instr(char(31) || f.visitor_ids || char(31), ?) > 0")
        params.append(f"{VISITOR_SEPARATOR}{where.visitor_id}{VISITOR_SEPARATOR}")
    if where.unresolved_only:
        clauses.append("f.unresolved_count > 0")
    term = where.search.strip().lower()
    prefix = reference_id_prefix(term)
    if prefix is not None:
        clauses.append("f.visit_id >= ? AND f.visit_id < ?")
        params += [prefix, prefix + "~"]
    plain = len(clauses)
    # Reviews are a record kind's table (no index on their status): its rows are read
    # once into a set rather than looked up report by report.
    if where.review is ReviewStatus.NEW:
        clauses.append("f.visit_id NOT IN (SELECT visit_id FROM visit_reviews "
                       "WHERE deleted = 0 AND status != 'new' AND visit_id IS NOT NULL)")
    elif where.review is not None:
        clauses.append("f.visit_id IN (SELECT visit_id FROM visit_reviews "
                       "WHERE deleted = 0 AND status = ?)")
        params.append(where.review.value)
    if term and prefix is None:
        indexed = len(term) >= visit_list.MIN_INDEXED_SEARCH
        if indexed and plain:
            left = _count(db, " AND ".join(clauses[:plain]), params[:_marks(clauses[:plain])])
            matching = db.execute("SELECT count(*) FROM visits_search WHERE visits_search "
                                  "MATCH ?", [fts_phrase(term)]).fetchone()[0]
            indexed = matching <= left * ROW_SEARCH_COST
        if indexed:
            clauses.append("f.visit_id IN (SELECT visit_id FROM visits_search "
                           "WHERE visits_search MATCH ?)")
            params.append(fts_phrase(term))
        else:  # the other filters leave fewer reports than the term matches
            clauses.append(f"(SELECT {LIKE} FROM visits WHERE id = f.visit_id)")
            params.append(like_pattern(term))
    return ReportQuery(where, tuple(clauses), tuple(params), sets=len(clauses) > plain)


def _marks(clauses: list[str]) -> int:
    return sum(c.count("?") for c in clauses)


def _count(db: Queryable, condition: str, params: list[Any] | tuple[Any, ...]) -> int:
    sql = f"SELECT count(*) FROM visit_facets f WHERE {condition or '1'}"
    return int(db.execute(sql, list(params)).fetchone()[0])


_ORDER = "ORDER BY f.visit_date DESC, f.arrival_time DESC, f.visit_id"
_COLUMNS = (
    "f.visit_id, f.suite_id, f.visit_date, f.arrival_time, f.status, "
    f"coalesce({_REVIEW}, 'new'), f.detainee_count, f.issue_count, f.unresolved_count, "
    f"{_OPEN_QUERIES}, {_AMENDMENTS}, f.visitor_ids, f.panel, "
    # Read only when needed: created_at is the reference's year for a report with no date.
    "CASE WHEN f.visit_date IS NULL THEN f.created_at ELSE '' END"
)


def _rows(raw: list[Any]) -> list[ReportRow]:
    status = {s.value: s for s in VisitStatus}
    review = {s.value: s for s in ReviewStatus}
    return [
        ReportRow(
            r[0], r[1], r[2], r[3], status.get(r[4], VisitStatus.DRAFT),
            review.get(r[5], ReviewStatus.NEW), r[6], r[7], r[8], r[9], r[10],
            tuple(r[11].split(VISITOR_SEPARATOR)) if r[11] else (), r[12], r[13],
        )
        for r in raw
    ]


def list_reports(db: Queryable, where: ReportFilter | ReportQuery,
                 limit: int | None = None) -> list[ReportRow]:
    """The reports ``where`` selects, newest visit first (then latest arrival)."""
    query = where if isinstance(where, ReportQuery) else prepare(db, where)
    page = f"SELECT f.visit_id FROM visit_facets f WHERE {query.condition} {_ORDER}"
    if limit is not None:
        page += f" LIMIT {int(limit)}"
    # The reports of the page first, then their columns: a filter that cannot read the
    # reports in order (a review status, a search) sorts ids, not whole lines.
    sql = (f"WITH page AS MATERIALIZED ({page}) SELECT {_COLUMNS} "
           f"FROM page CROSS JOIN visit_facets f ON f.visit_id = page.visit_id {_ORDER}")
    return _rows(db.execute(sql, list(query.params)).fetchall())


def count_reports(db: Queryable, where: ReportFilter | ReportQuery) -> int:
    """How many reports ``where`` selects (all of them, whatever a list's limit)."""
    query = where if isinstance(where, ReportQuery) else prepare(db, where)
    return _count(db, query.condition, query.params)


def find_reports(db: Queryable, where: ReportFilter | ReportQuery,
                 limit: int) -> tuple[list[ReportRow], int]:
    """The newest ``limit`` reports ``where`` selects, and how many it selects in all.

    When a condition reads a set (reviews, the search), the reports it selects are
    found once, for the page and the count alike; otherwise the page is read in order
    from an index (stopping at ``limit``) and counted from the index when it is full."""
    query = where if isinstance(where, ReportQuery) else prepare(db, where)
    if not query.sets:
        rows = list_reports(db, query, limit)
        return rows, len(rows) if len(rows) < limit else count_reports(db, query)
    sql = (
        "WITH found AS MATERIALIZED (SELECT f.visit_id, f.visit_date, f.arrival_time "
        f"FROM visit_facets f WHERE {query.condition}), "
        f"page AS MATERIALIZED (SELECT f.visit_id FROM found f {_ORDER} LIMIT {int(limit)}) "
        f"SELECT {_COLUMNS}, (SELECT count(*) FROM found) "
        f"FROM page CROSS JOIN visit_facets f ON f.visit_id = page.visit_id {_ORDER}"
    )
    raw = db.execute(sql, list(query.params)).fetchall()
    return _rows(raw), int(raw[0][-1]) if raw else 0
