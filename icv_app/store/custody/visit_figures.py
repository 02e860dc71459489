"""Each submitted report's figures for the statistics, kept between runs.

Counting a year of a large scheme from the reports themselves means reading, decrypting
and typing every one of them (tens of seconds for 50,000). The figures the statistics
need of a report (:class:`~icv_app.domain.custody.statistics.VisitFigures`, as corrected
by its amendments) are a small row, kept in ``visit_figures`` once counted. Triggers
(migration 0008) drop a report's row whenever the report or one of its amendments
changes, however it changed; the next run counts that report afresh here.

- :func:`figures_between`: the rows of the submitted reports dated in a range, and the
  ids of those that have none (new, changed, or written by an older app).
- :func:`count_and_keep`: for such ids, read the reports, correct them, and keep their
  figures: a job for the store's writer, so the row is written from the report as it is
  in the same transaction and no change can slip between the reading and the keeping.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from icv_app.domain.custody.corrections import apply_corrections
from icv_app.domain.custody.statistics import (
    VisitFigures,
    figures_from_json,
    figures_from_list,
    figures_of,
    figures_to_json,
)
from icv_app.kinds import custody

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.store.database import Queryable

# Reports counted per writer job: other saves wait for at most one such job.
CHUNK = 250


def figures_between(
    db: Queryable, start: dt.date, end: dt.date
) -> tuple[list[VisitFigures], list[str]]:
    """The kept figures of the live submitted reports dated ``start`` to ``end``, and
    the ids of those whose figures are not kept (or cannot be read back).

    The kept rows are read as one JSON array, in order of date, and their number
    compared with the period's submitted reports: a kept row is always of a live
    submitted report of that date (a change to the report drops it), so when the two
    numbers agree nothing is missing, and the reports are not looked at one by one."""
    dates = [start.isoformat(), end.isoformat()]
    text, kept_count = db.execute(
        "SELECT '[' || coalesce(group_concat(figures, ','), '') || ']', count(*) "
        "FROM visit_figures WHERE visit_date BETWEEN ? AND ?",
        dates,
    ).fetchone()
    try:
        with _collector_paused():
            kept = [figures_from_list(items) for items in json.loads(text)]
    except (ValueError, KeyError, TypeError):
        return _one_by_one(db, dates)
    total = db.execute(
        "SELECT count(*) FROM visit_facets WHERE status = 'submitted' "
        "AND visit_date BETWEEN ? AND ?",
        dates,
    ).fetchone()[0]
    if total == kept_count:
        return kept, []
    missing = [r[0] for r in db.execute(
        "SELECT visit_id FROM visit_facets WHERE status = 'submitted' "
        "AND visit_date BETWEEN ? AND ? "
        "EXCEPT SELECT visit_id FROM visit_figures WHERE visit_date BETWEEN ? AND ?",
        dates + dates,
    )]
    return kept, missing


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a year's figures are made: hundreds of
    thousands of small lists and tuples, none in a cycle, would otherwise set it off
    again and again (more than half the time of the whole read)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _one_by_one(db: Queryable, dates: list[str]) -> tuple[list[VisitFigures], list[str]]:
    """As :func:`figures_between`, row by row: some kept row cannot be read back (written
    by a newer app, or damaged), and is counted afresh."""
    kept: list[VisitFigures] = []
    missing: list[str] = []
    for visit_id, text in db.execute(
        "SELECT f.visit_id, g.figures FROM visit_facets f "
        "LEFT JOIN visit_figures g ON g.visit_id = f.visit_id "
        "WHERE f.status = 'submitted' AND f.visit_date BETWEEN ? AND ?",
        dates,
    ):
        try:
            kept.append(figures_from_json(text))
        except (ValueError, KeyError, TypeError):
            missing.append(visit_id)
    return kept, missing


def count_and_keep(db: sqlite_utils.Database, visit_ids: list[str]) -> list[VisitFigures]:
    """The figures of those of ``visit_ids`` still live and submitted, counted from the
    reports as stored (amendments applied), kept in ``visit_figures``."""
    if not visit_ids:
        return []
    marks = ", ".join("?" * len(visit_ids))
    # "+": found by id, never by the status index (which would read every submitted
    # report's row to find these few).
    rows = db.execute(
        f"SELECT id, visit_date, body FROM visits WHERE id IN ({marks}) AND +deleted = 0 "
        "AND +status = 'submitted'",
        visit_ids,
    ).fetchall()
    amendments: dict[str, list] = {}
    for visit_id, body in db.execute(
        f"SELECT visit_id, body FROM amendments WHERE visit_id IN ({marks}) "
        "AND deleted = 0 ORDER BY created_at, id",
        visit_ids,
    ):
        amendments.setdefault(visit_id, []).append(
            custody.AMENDMENT.structure(json.loads(body)))
    out: list[VisitFigures] = []
    kept: list[tuple[str, str, str]] = []
    for visit_id, visit_date, body in rows:
        report = custody.VISIT.structure(json.loads(body))
        found = amendments.get(visit_id)
        if found:
            report = apply_corrections(report, found).report
        figures = figures_of(report)
        if figures is None:
            continue
        out.append(figures)
        kept.append((visit_id, visit_date, figures_to_json(figures)))
    db.conn.executemany(
        "INSERT OR REPLACE INTO visit_figures (visit_id, visit_date, figures) "
        "VALUES (?, ?, ?)",
        kept,
    )
    return out
