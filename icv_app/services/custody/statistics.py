"""The scheme's statistics for a period, read from the store and worked out in one go:
what the coordinator's Statistics page shows and what the command line's figures
export and period PDF print.

:func:`period_statistics` is the one place the inputs of
:func:`~icv_app.domain.custody.statistics.scheme_statistics` are put together (the
reports of the period and of the one before it, as corrected by their amendments; the
follow-ups that have the day their issue was raised; the open suites; the day coverage
is measured to), so the page and the command line count alike.

:class:`StatisticsService` reads on a connection of its own, opened for each call and
closed after it: its methods are meant for a worker thread (a year of a whole scheme is
tens of thousands of reports to read and count), where the store's shared reader, which
belongs to the UI thread, must not be used. It counts from each report's kept figures
(:mod:`icv_app.store.custody.visit_figures`), and counts afresh, through the store's
writer, only the reports new or changed since the last run.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.statistics import (
    Period,
    SchemeStatistics,
    VisitFigures,
    scheme_statistics,
)

if TYPE_CHECKING:
    from icv_app.domain.custody.coordination import FollowUp
    from icv_app.domain.custody.visit import VisitReport
    from icv_app.store.local_store import LocalStore

__all__ = [
    "DEFAULT_TARGET_DAYS",
    "PeriodStatistics",
    "StatisticsService",
    "next_period",
    "period_statistics",
]

DEFAULT_TARGET_DAYS = 14  # a visit to every suite every fortnight


@dataclass(frozen=True)
class PeriodStatistics:
    """A period's statistics and the day its coverage was measured to (the period's
    last day, or today for a period not over yet)."""

    stats: SchemeStatistics
    as_of: dt.date

    @property
    def period(self) -> Period:
        return self.stats.current.period


def next_period(period: Period) -> Period:
    """The period after ``period``, of the same shape: the next quarter, the next
    (calendar or financial) year, or the same number of days straight after."""
    after = period.end + dt.timedelta(days=1)
    if period.kind == "quarter":
        return Period.quarter_of(after)
    if period.kind == "year":
        return Period.year_of(after, period.start.month)
    return Period.between(after, period.end + dt.timedelta(days=period.days))


def period_statistics(
    reports: Iterable[VisitReport | VisitFigures],
    follow_ups: Iterable[FollowUp],
    period: Period,
    reference: ReferenceData,
    *,
    today: dt.date,
    target_days: int = DEFAULT_TARGET_DAYS,
) -> PeriodStatistics:
    """The figures of ``period`` against the period before it.

    ``reports``: the submitted reports (as corrected) of both periods, or their figures;
    a suite's last visit may lie in the previous one. ``follow_ups``: every follow-up
    item; one without the day its issue was raised cannot be placed in time and is left
    out.
    ``today``: the scheme's date today; coverage is measured to it when the period is
    not over yet.
    """
    as_of = min(period.end, today)
    stats = scheme_statistics(
        reports, period,
        suite_ids=[s.id for s in reference.open_suites()],
        follow_ups=[(f.suite_id, f.raised_on, f.closed_on)
                    for f in follow_ups if f.raised_on is not None],
        as_of=as_of,
        target_days=target_days,
        suite_names={s.id: s.name for s in reference.suites},
        zone_name=reference.time_zone,
    )
    return PeriodStatistics(stats, as_of)


def _submitted_between(db: Any, start: dt.date, end: dt.date) -> list[VisitReport]:
    """As :meth:`VisitService.submitted_between`, on the connection ``db``."""
    from icv_app.domain.custody.corrections import apply_corrections
    from icv_app.store.custody import visits as visit_store

    return [
        apply_corrections(report, found).report if found else report
        for report, found in visit_store.submitted_between(db, start, end)
    ]


def _follow_ups(db: Any) -> list[FollowUp]:
    """As :meth:`CoordinationService.follow_ups`, on the connection ``db``."""
    from icv_app import kinds
    from icv_app.kinds.base import Unreadable

    kind = kinds.require("follow_up")
    out = []
    for (body,) in db.execute(f"SELECT body FROM {kind.table} WHERE deleted = 0"):
        try:
            out.append(kind.structure(json.loads(body)))
        except (Unreadable, ValueError):
            continue  # held aside and shown by sync
    return out


class StatisticsService:
    """Reads for the statistics, each on a connection of its own (see the module)."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store

    @contextmanager
    def _reader(self) -> Iterator[Any]:
        db = self.store.new_reader()
        try:
            yield db
        finally:
            db.close()

    def period_statistics(
        self, period: Period, reference: ReferenceData, *, today: dt.date,
        target_days: int = DEFAULT_TARGET_DAYS,
        progress: Callable[[int, int], None] | None = None,
    ) -> PeriodStatistics:
        """The period's statistics from what the store holds now (module doc).
        ``progress(done, total)``: called as reports not counted before are counted."""
        previous = period.previous()
        figures = self.figures_between(previous.start, period.end, progress)
        with self._reader() as db:
            follow_ups = _follow_ups(db)
        return period_statistics(figures, follow_ups, period, reference, today=today,
                                 target_days=target_days)

    def figures_between(
        self, start: dt.date, end: dt.date,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[VisitFigures]:
        """The figures of the submitted reports dated ``start`` to ``end``, as
        corrected: those kept from earlier runs, and the rest counted now (and kept) by
        the store's writer, a few hundred reports per job so that saves are not held
        up."""
        from icv_app.store.custody.visit_figures import CHUNK, count_and_keep, figures_between

        with self._reader() as db:
            figures, missing = figures_between(db, start, end)
        for i in range(0, len(missing), CHUNK):
            if progress is not None:
                progress(i, len(missing))
            chunk = missing[i:i + CHUNK]
            counted: list[VisitFigures] = self.store.writer.submit(
                functools.partial(count_and_keep, visit_ids=chunk)).result()
            figures += counted
        if missing and progress is not None:
            progress(len(missing), len(missing))
        return figures

    def submitted_visits(self, period: Period) -> list[VisitReport]:
        """The period's submitted reports, as corrected: the rows of the visits export."""
        with self._reader() as db:
            return _submitted_between(db, period.start, period.end)
