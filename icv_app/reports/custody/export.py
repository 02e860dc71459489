"""The scheme's figures, and the visits behind them, as spreadsheets (CSV or XLSX).

Two exports for a period:

- **figures** (:func:`write_figures`): one row per suite and a total row, a column per
  figure of :data:`~icv_app.domain.custody.statistics.FIGURES`. An XLSX file adds sheets
  a CSV file cannot hold: the scheme's figures against the previous period's
  ("Comparison"), the spread of visits by weekday and hour ("Spread") and how recently
  each suite was visited ("Coverage").
- **visits** (:func:`write_visits`): one row per submitted visit in the period (drafts
  never), with its reference, date, suite, panel, mode, outcome, times, delay, counts,
  the number of detainees met and of issues (and of those unresolved).

No detainee's identity leaves the app this way: the visits export carries no custody
record numbers (nor anything else said about a detainee, nor visitors' names): the
figures do not need them. It is still about real visits; treat the file as the reports
themselves are treated.

The format comes from the file's extension, ``.csv`` or ``.xlsx`` (any case); anything
else is refused with :class:`UnsupportedFormat` before anything is written. A file is
written whole or not at all (built beside the target, then moved into place).

CSV is UTF-8 with a byte-order mark (so Excel reads the encoding right), and no cell is
ever a formula: text beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is prefixed with a single quote, as OWASP advises against CSV injection. In XLSX
every text is stored as text (never as a formula) and kept exactly as it is; dates and
times are real dates and times there, and rates are formatted as percentages.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.statistics import (
    FIGURES,
    WEEKDAYS,
    Figures,
    Period,
    SchemeStatistics,
    is_unresolved,
    visit_minutes,
)
from icv_app.domain.custody.times import zone_abbreviation
from icv_app.domain.custody.visit import VisitReport
from icv_app.reports.custody.visit_outline import visit_reference

__all__ = [
    "FIGURE_COLUMNS",
    "VISIT_COLUMNS",
    "Sheet",
    "UnsupportedFormat",
    "csv_safe",
    "figures_sheets",
    "output_format",
    "visits_sheet",
    "write_figures",
    "write_sheets",
    "write_visits",
]

Cell = str | int | float | dt.date | dt.time | None
Format = Literal["csv", "xlsx"]

# OWASP's list of characters that make a spreadsheet read a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

VISIT_COLUMNS = (
    "Reference", "Date", "Weekday", "Suite", "Panel", "Mode", "Outcome",
    "Arrival", "Departure", "Departed next day", "Zone", "Delay (minutes)",
    "Duration (minutes)", "Visitors", "In custody", "Juveniles", "Male", "Female",
    "Offered", "Accepted", "Declined", "Observed", "Not offered", "Detainees met",
    "Issues", "Unresolved issues",
)
FIGURE_COLUMNS = ("Suite", "From", "To", *(label for _key, label in FIGURES))

# Rounding of the figures that are not whole numbers (and their format in XLSX).
_DECIMALS = {"mean_delay_minutes": 1, "visitor_hours": 2, "acceptance_rate": 4,
             "resolved_share": 4}
_PERCENT = {"acceptance_rate", "resolved_share"}


class UnsupportedFormat(ValueError):
    """The output file's extension names no format this export writes."""

    def __init__(self, path: Path) -> None:
        suffix = path.suffix
        named = f"“{suffix}”" if suffix else "no extension"
        super().__init__(
            f"Cannot export to {path.name}: {named} is not a format this export writes. "
            "Name the file .csv or .xlsx."
        )
        self.suffix = suffix


def output_format(path: Path) -> Format:
    """``csv`` or ``xlsx`` from the file's extension, or :class:`UnsupportedFormat`."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    raise UnsupportedFormat(path)


def csv_safe(value: Cell) -> str:
    """A cell as CSV text that no spreadsheet reads as a formula. Only text is escaped:
    a negative number is a number, not an injection."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_START) else value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class Sheet:
    """One table: a title (the XLSX sheet's name), a header row and data rows.
    ``percent``: the columns (by index) whose numbers are fractions shown as percentages."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    percent: frozenset[int] = field(default_factory=frozenset)


# Tables ------------------------------------------------------------------------------------------

def _figure(key: str, value: int | float | None) -> int | float | None:
    if value is None or key not in _DECIMALS:
        return value
    return round(value, _DECIMALS[key])


def _figures_row(name: str, period: Period, figures: Figures) -> list[Cell]:
    return [name, period.start, period.end,
            *(_figure(key, figures.value(key)) for key, _label in FIGURES)]


def figures_sheets(stats: SchemeStatistics, reference: ReferenceData) -> list[Sheet]:
    """The figures table, then the sheets only XLSX holds (see the module doc)."""
    current, previous = stats.current, stats.previous
    period = current.period
    rows = [
        _figures_row(reference.suite_name(suite_id), period, figures)
        for suite_id, figures in current.by_suite.items()
    ]
    rows.append(_figures_row("Total", period, current.total))
    percent_keys = [i for i, (key, _label) in enumerate(FIGURES) if key in _PERCENT]
    figures = Sheet("Figures", FIGURE_COLUMNS, rows,
                    frozenset(3 + i for i in percent_keys))

    comparison = Sheet(
        "Comparison",
        ("Figure", f"{period.label} ({period.start} to {period.end})",
         f"{previous.period.label} ({previous.period.start} to {previous.period.end})",
         "Change"),
        [
            [c.label, _figure(c.key, c.current), _figure(c.key, c.previous),
             _figure(c.key, c.change)]
            for c in stats.comparison()
        ],
    )
    spread = Sheet(
        "Spread",
        ("Weekday", *(f"{hour:02d}:00" for hour in range(24)), "Total"),
        [[WEEKDAYS[day], *row, sum(row)] for day, row in enumerate(stats.spread.total)],
    )
    cover = Sheet(
        "Coverage",
        ("Suite", "Last visited (in person, completed)", "Days since", "Target (days)",
         "Overdue"),
        [
            [reference.suite_name(c.suite_id), c.last_visited, c.days_since, c.target_days,
             "yes" if c.overdue else "no"]
            for c in stats.coverage
        ],
    )
    return [figures, comparison, spread, cover]


def _visit_row(report: VisitReport, reference: ReferenceData) -> list[Cell]:
    h, c = report.header, report.counts
    assert h.visit_date is not None
    zone_name = reference.time_zone
    zone = (zone_abbreviation(dt.datetime.combine(h.visit_date, h.arrival_time), zone_name)
            if h.arrival_time is not None else "")
    return [
        visit_reference(report, reference),
        h.visit_date,
        WEEKDAYS[h.visit_date.weekday()],
        reference.suite_name(h.suite_id),
        h.panel,
        h.mode.label,
        h.outcome.label,
        h.arrival_time,
        h.departure_time,
        ("yes" if h.departure_next_day else "no") if h.departure_time is not None else "",
        zone,
        h.delay_minutes,
        visit_minutes(h, zone_name),
        len(h.visitors),
        c.in_custody,
        c.juveniles,
        c.male,
        c.female,
        c.offered,
        c.accepted,
        c.declined,
        c.observed,
        c.not_offered,
        len(report.detainees),
        len(report.issues),
        sum(is_unresolved(issue) for issue in report.issues),
    ]


def visits_sheet(
    visits: Iterable[VisitReport], period: Period, reference: ReferenceData
) -> Sheet:
    """The submitted visits in ``period``, by date and arrival time."""
    chosen = [
        r for r in visits
        if r.is_submitted and r.header.visit_date is not None
        and period.start <= r.header.visit_date <= period.end
    ]
    chosen.sort(key=lambda r: (r.header.visit_date, r.header.arrival_time or dt.time(),
                               r.id))
    return Sheet("Visits", VISIT_COLUMNS, [_visit_row(r, reference) for r in chosen])


# Writing -----------------------------------------------------------------------------------------

def _write_csv(tmp: Path, sheet: Sheet) -> None:
    with tmp.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([csv_safe(h) for h in sheet.header])
        for row in sheet.rows:
            writer.writerow([csv_safe(v) for v in row])


def _xlsx_cell(ws: Any, value: Cell, percent: bool = False) -> Any:
    from openpyxl.cell import WriteOnlyCell

    made = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        made.data_type = "s"  # text, even when it begins with "="
    elif isinstance(value, dt.time):
        made.number_format = "hh:mm"
    elif isinstance(value, dt.date):
        made.number_format = "yyyy-mm-dd"
    elif percent and value is not None:
        made.number_format = "0.0%"
    return made


def _write_xlsx(tmp: Path, sheets: Sequence[Sheet]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])  # Excel's limit on a sheet's name
        ws.freeze_panes = "B2"
        heading = [_xlsx_cell(ws, text) for text in sheet.header]
        for made in heading:
            made.font = bold
        ws.append(heading)
        for row in sheet.rows:
            ws.append([_xlsx_cell(ws, v, column in sheet.percent)
                       for column, v in enumerate(row)])
    book.save(tmp)


def write_sheets(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write ``sheets`` to ``path`` in the format its extension names: every sheet in
    XLSX, the first only in CSV. Whole or not at all."""
    fmt = output_format(path)
    tmp = path.with_name(path.name + ".part")
    try:
        if fmt == "csv":
            _write_csv(tmp, sheets[0])
        else:
            _write_xlsx(tmp, sheets)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_figures(path: Path, stats: SchemeStatistics, reference: ReferenceData) -> None:
    """The period's figures per suite and in total (module doc)."""
    output_format(path)
    write_sheets(path, figures_sheets(stats, reference))


def write_visits(
    path: Path, visits: Iterable[VisitReport], period: Period, reference: ReferenceData
) -> int:
    """The period's submitted visits, one a row (module doc); returns how many."""
    output_format(path)  # refuse a bad name before reading any visit
    sheet = visits_sheet(visits, period, reference)
    write_sheets(path, [sheet])
    return len(sheet.rows)
