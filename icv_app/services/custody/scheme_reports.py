"""Every report of the scheme, as the coordinator's "All reports" page lists them, and the
follow-ups made from a report's unresolved issues.

:meth:`SchemeReports.find` answers one filter (the rows shown and how many match) on a
read connection of its own, so the page can ask from a worker thread while the UI thread
keeps the store's reader. :meth:`SchemeReports.follow_up_unresolved` makes the missing
follow-ups of a report in one writer job: pressing twice, or a sync bringing another
coordinator's follow-up meanwhile, never makes or overwrites one twice.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from icv_app.domain.custody.coordination import follow_ups_for
from icv_app.domain.custody.statistics import Period
from icv_app.domain.serialize import to_dict
from icv_app.store.custody.scheme_reports import (
    ReportFilter,
    ReportRow,
    find_reports,
)
from icv_app.store.local_store import LocalStore

if TYPE_CHECKING:
    import sqlcipher3

    from icv_app.domain.custody.visit import VisitReport

# The page lists at most this many reports (the newest) and says how many more match:
# a coordinator narrows the period or the filters rather than scroll past thousands.
LIST_LIMIT = 1000

CACHE_KIB = 64 * 1024  # the worker connection's page cache

# The kinds whose change can alter a line of the list.
REPORT_KINDS = frozenset(
    {"visit", "amendment", "visit_review", "visit_query", "query_reply", "follow_up"}
)


@dataclass(frozen=True)
class ReportsAnswer:
    """The reports a filter selects (``rows``, newest first, at most the limit asked
    for) and how many it selects in all (``total``)."""

    where: ReportFilter
    rows: list[ReportRow]
    total: int

    @property
    def partial(self) -> bool:
        return len(self.rows) < self.total


def period_shortcuts(today: dt.date) -> list[tuple[str, Period]]:
    """The periods a coordinator reports on, relative to ``today``: this and last
    quarter, this and last calendar year, this and last financial year (April–March)."""
    quarter = Period.quarter_of(today)
    year = Period.year_of(today)
    financial = Period.year_of(today, first_month=4)
    return [
        (f"This quarter ({quarter.label})", quarter),
        (f"Last quarter ({quarter.previous().label})", quarter.previous()),
        (f"This year ({year.label})", year),
        (f"Last year ({year.previous().label})", year.previous()),
        (f"This financial year ({financial.label})", financial),
        (f"Last financial year ({financial.previous().label})", financial.previous()),
    ]


class SchemeReports:
    def __init__(self, store: LocalStore) -> None:
        self.store = store
        self._reader: sqlcipher3.Connection | None = None
        self._lock = threading.Lock()  # one query at a time on the connection

    def find(self, where: ReportFilter, limit: int = LIST_LIMIT) -> ReportsAnswer:
        """The reports ``where`` selects. Callable from any thread (one at a time)."""
        with self._lock:
            if self._reader is None:
                self._reader = self.store.new_reader()
                # The list's rows, their indexes and the reviews of 50,000 reports stay
                # decrypted in memory (about 40 MB): a query then reads no page twice.
                self._reader.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            rows, total = find_reports(self._reader, where, limit)
        return ReportsAnswer(where, rows, total)

    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def follow_up_unresolved(self, report: VisitReport) -> Future[int]:
        """A follow-up item for each issue of the (submitted) report not resolved at the
        time, unless it has one already; resolves to how many were made."""
        from icv_app.store.records import save_record

        bodies = [to_dict(item) for item in follow_ups_for(report)]

        def job(db: Any) -> int:
            made = 0
            for body in bodies:
                if db.execute("SELECT 1 FROM follow_ups WHERE id = ? AND deleted = 0",
                              [body["id"]]).fetchone():
                    continue
                save_record(db, "follow_up", body)
                made += 1
            return made

        return self.store.writer.submit(job)
