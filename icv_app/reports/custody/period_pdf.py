"""The scheme's figures for a period as a PDF: what a coordinator publishes each quarter
and year (see :mod:`icv_app.domain.custody.statistics` for how each figure is counted).

What it holds, in order:

- the title (the scheme, the period, the previous period it is compared with, when it
  was made) and a box of headline totals, each with the previous period's value and the
  change;
- a table per group of figures (visits; people in custody; not offered and why; issues
  by category and the share resolved at the time; follow-ups; visitor hours), a column
  per suite and the total. More suites than fit across a portrait page
  (:data:`MAX_COLUMNS` columns of numbers) are shared over two or more tables of equal
  width, the total in the last;
- charts drawn with reportlab's graphics (:mod:`icv_app.reports.charts`): visits per
  suite in person and remote, the acceptance rate per suite, issues by category, and
  the spread of visits over the week as a weekday × hour heat map with a legend;
- the predictability warnings in words, and how recently each suite was visited
  against the scheme's target (overdue ones marked).

A period without a submitted report says so ("No submitted reports in this period")
instead of drawing empty charts; a rate of nothing (nobody offered a visit) prints as
"—". The pages are those of every report (:mod:`icv_app.reports.document`): the
marking top and bottom, the running header, "Page X of Y"; the footer says the pages
hold counts only. The figures name no detainee or visitor, but coverage and the
predictability warnings tell when and where a visit is due: the scheme decides what of
it to publish.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.statistics import (
    FIGURES,
    WEEKDAYS,
    Figures,
    SchemeStatistics,
)
from icv_app.domain.custody.visit import IssueCategory, NotOfferedReason
from icv_app.reports import styles as st
from icv_app.reports.charts import NOT_AVAILABLE, SERIES_COLOURS, Series, bar_chart, heat_map
from icv_app.reports.document import MARKING, Document
from icv_app.reports.formatting import day_text, stamp_text
from icv_app.reports.styles import Fonts, Styles, markup

__all__ = [
    "EMPTY_PERIOD",
    "GROUPS",
    "HEADLINES",
    "MAX_COLUMNS",
    "STATISTICS_NOTICE",
    "PeriodPdf",
    "change_text",
    "figure_text",
    "render_period_pdf",
    "write_period_pdf",
]

EMPTY_PERIOD = "No submitted reports in this period"
STATISTICS_NOTICE = (
    "Counts only: no detainee or visitor is named \u2014 handle as OFFICIAL-SENSITIVE "
    "until published"
)

_LABELS = dict(FIGURES)
_PERCENT = frozenset({"acceptance_rate", "resolved_share"})
_ONE_DECIMAL = frozenset({"mean_delay_minutes", "visitor_hours"})

# The groups of figures, each a table: (heading, keys of FIGURES, in order).
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Visits", ("visits", "in_person", "remote", "telephone", "video", "completed",
                "abandoned", "refused_access", "delayed", "mean_delay_minutes",
                "max_delay_minutes")),
    ("People in custody", ("in_custody", "offered", "accepted", "declined", "observed",
                           "not_offered", "acceptance_rate", "detainees_met")),
    ("Not offered a visit, and why", (
        *(f"not_offered.{r.value}" for r in NotOfferedReason), "not_offered")),
    ("Issues raised", (*(f"issues.{c.value}" for c in IssueCategory), "issues",
                       "issues_to_resolve", "issues_resolved", "resolved_share")),
    ("Follow-ups", ("outstanding_follow_ups",)),
    ("Visitor hours", ("visitor_hours", "visits_without_times")),
)
# A row's label where the group's heading already says half of it.
_SHORT_LABELS = {
    **{f"not_offered.{r.value}": r.label for r in NotOfferedReason},
    "not_offered": "Not offered (all reasons)",
    **{f"issues.{c.value}": c.label for c in IssueCategory},
    "issues": "Issues raised (all categories)",
}
# The summary box: (key, label).
HEADLINES: tuple[tuple[str, str], ...] = (
    ("visits", "Visits"),
    ("in_custody", "In custody at visits"),
    ("offered", "Offered a visit"),
    ("accepted", "Accepted a visit"),
    ("acceptance_rate", "Acceptance rate"),
    ("issues", "Issues raised"),
    ("resolved_share", "Issues resolved at the time"),
    ("visitor_hours", "Visitor hours"),
)

LABEL_COLUMN = 58 * mm
NUMBER_COLUMN_MIN = 16 * mm  # "Beckley Park" over two lines, "12,345.5" on one
NUMBER_COLUMN_MAX = 24 * mm
# Columns of numbers (suites and the total) one table holds across a portrait page.
MAX_COLUMNS = int((st.FRAME_WIDTH - LABEL_COLUMN) // NUMBER_COLUMN_MIN)
MINUS = "\u2212"


# Numbers as printed ----------------------------------------------------------------------

def figure_text(key: str, value: int | float | None) -> str:
    """A figure as the PDF prints it: ``1,234``, ``84.2%``, ``12.5``, or "—" for none."""
    if value is None:
        return NOT_AVAILABLE
    if key in _PERCENT:
        return f"{value:.1%}"
    if key in _ONE_DECIMAL:
        return f"{value:,.1f}"
    return f"{value:,}"


def change_text(key: str, change: int | float | None) -> str:
    """The change from the previous period: ``+12``, ``−3``, ``+2.5 pts`` for a rate (in
    percentage points), "no change", or "—" when either side is not known."""
    if change is None:
        return NOT_AVAILABLE
    if key in _PERCENT:
        points = round(change * 100, 1)
        text = "no change" if points == 0 else f"{points:+.1f} pts"
    elif key in _ONE_DECIMAL:
        change = round(change, 1)
        text = "no change" if change == 0 else f"{change:+,.1f}"
    else:
        text = "no change" if change == 0 else f"{change:+,}"
    return text.replace("-", MINUS)


@functools.cache
def _bullet(styles: Styles) -> ParagraphStyle:
    """Body text hanging from a bullet."""
    return ParagraphStyle("bullet", parent=styles.body, leftIndent=10, bulletIndent=1,
                          spaceBefore=1.5)


def _chunks(count: int, most: int) -> list[range]:
    """``count`` columns in as few tables as hold at most ``most`` each, sizes even."""
    tables = max(1, math.ceil(count / most))
    size = math.ceil(count / tables)
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


# The document ------------------------------------------------------------------------------

class PeriodPdf(Document):
    """The pages of one period's statistics."""

    notice = STATISTICS_NOTICE

    def __init__(self, stats: SchemeStatistics, reference: ReferenceData, styles: Styles,
                 generated: dt.datetime) -> None:
        self.stats = stats
        self.reference = reference
        self.generated = generated
        period = stats.current.period
        super().__init__(styles, running_title=f"Scheme statistics \u2014 {reference.scheme}",
                         running_ref=period.label, draft=False)

    @property
    def empty(self) -> bool:
        return self.stats.current.total.visits == 0

    def suite_name(self, suite_id: str) -> str:
        return self.reference.suite_name(suite_id)

    def write(self, out: BinaryIO) -> None:
        period = self.stats.current.period
        self.build(out, title=f"Scheme statistics: {period.label}",
                   subject=f"Scheme statistics, {period.label} ({MARKING})",
                   author=self.reference.scheme)

    # the story ---------------------------------------------------------------------------

    def story(self) -> list[Flowable]:
        out = self.title_block()
        if self.empty:
            out += [self.empty_banner(), Spacer(1, 8), *self.summary()]
            out += self.coverage_section()
            return out
        out += self.summary()
        for title, keys in GROUPS:
            out += self.group_section(title, keys)
        out += self.spread_section()
        out += self.coverage_section()
        return out

    def title_block(self) -> list[Flowable]:
        s = self.s
        current, previous = self.stats.current.period, self.stats.previous.period
        zone_name = self.reference.time_zone
        return [
            self.p(markup(self.reference.scheme), s.scheme),
            self.p(f"Scheme statistics: {markup(current.label)}", s.title),
            self.p(f"{day_text(current.start)} to {day_text(current.end)}"
                   f" \u2014 compared with {markup(previous.label)}", s.subtitle),
            self.p(
                f'<font color="{st.MUTED.hexval()}" size=8.5>'
                f"Generated {stamp_text(self.generated, zone_name)}. Counts of submitted "
                "visit reports (drafts are not counted); a visit belongs to the period "
                "holding the day it began.</font>",
                s.reference,
            ),
        ]

    def empty_banner(self) -> Table:
        current, previous = self.stats.current, self.stats.previous
        before = previous.total.visits
        note = (
            f"No visit from {day_text(current.period.start)} to "
            f"{day_text(current.period.end)} has a submitted report, so there are no "
            "figures per suite, charts or spread of visits to show. "
            + (f"{markup(previous.period.label)} had {before:,} submitted "
               f"visit{'s' if before != 1 else ''}."
               if before else f"Nor had {markup(previous.period.label)}.")
        )
        return self.banner(EMPTY_PERIOD, note, st.DRAFT_FILL, st.DRAFT_INK)

    # summary -----------------------------------------------------------------------------

    def summary(self) -> list[Flowable]:
        """Headline totals in a box of cards: the number, what it is, and the previous
        period's value with the change."""
        f = self.s.fonts
        current, previous = self.stats.current.total, self.stats.previous.total
        per_row = 4
        width = st.FRAME_WIDTH / per_row
        previous_label = self.stats.previous.period.label
        head = (f"Headline figures for {self.stats.current.period.label}, "
                f"with {previous_label} beside each")
        data: list[list[Any]] = [[self.fit(head, f.bold, 9, st.FRAME_WIDTH - 12), "", "", ""]]
        commands: list[tuple[Any, ...]] = [
            ("SPAN", (0, 0), (-1, 0)),
            ("BACKGROUND", (0, 0), (-1, 0), st.HEAD_FILL),
            ("FONTNAME", (0, 0), (-1, 0), f.bold),
            ("FONTSIZE", (0, 0), (-1, 0), 9),
            ("LEADING", (0, 0), (-1, 0), 12),
            ("TEXTCOLOR", (0, 0), (-1, 0), st.INK),
            ("TOPPADDING", (0, 0), (-1, 0), 4),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 4),
            ("BOX", (0, 0), (-1, -1), 0.6, st.RULE),
            ("BACKGROUND", (0, 1), (-1, -1), st.LABEL_FILL),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ]
        for start in range(0, len(HEADLINES), per_row):
            cards = HEADLINES[start:start + per_row]
            numbers, labels, befores = [], [], []
            for key, label in cards:
                now, then = current.value(key), previous.value(key)
                change = None if now is None or then is None else now - then
                numbers.append(figure_text(key, now))
                labels.append(self.fit(label, f.regular, 8, width - 10))
                befores.append(self.fit(
                    f"previously {figure_text(key, then)} \u00b7 {change_text(key, change)}",
                    f.regular, 7.5, width - 10))
            row = len(data)
            data += [numbers, labels, befores]
            commands += [
                ("FONTNAME", (0, row), (-1, row), f.bold),
                ("FONTSIZE", (0, row), (-1, row), 15),
                ("LEADING", (0, row), (-1, row), 18),
                ("TEXTCOLOR", (0, row), (-1, row), st.INK),
                ("TOPPADDING", (0, row), (-1, row), 6),
                ("BOTTOMPADDING", (0, row), (-1, row), 0),
                ("FONTNAME", (0, row + 1), (-1, row + 1), f.regular),
                ("FONTSIZE", (0, row + 1), (-1, row + 1), 8),
                ("LEADING", (0, row + 1), (-1, row + 1), 10),
                ("TEXTCOLOR", (0, row + 1), (-1, row + 1), st.INK),
                ("TOPPADDING", (0, row + 1), (-1, row + 1), 0),
                ("BOTTOMPADDING", (0, row + 1), (-1, row + 1), 1),
                ("FONTNAME", (0, row + 2), (-1, row + 2), f.regular),
                ("FONTSIZE", (0, row + 2), (-1, row + 2), 7.5),
                ("LEADING", (0, row + 2), (-1, row + 2), 9.5),
                ("TEXTCOLOR", (0, row + 2), (-1, row + 2), st.MUTED),
                ("TOPPADDING", (0, row + 2), (-1, row + 2), 0),
                ("BOTTOMPADDING", (0, row + 2), (-1, row + 2), 6),
                ("LINEAFTER", (0, row), (-2, row + 2), 0.4, st.GRID),
            ]
            if start:
                commands.append(("LINEABOVE", (0, row), (-1, row), 0.4, st.GRID))
        table = Table(data, colWidths=[width] * per_row)
        table.setStyle(TableStyle(commands))
        return [table, Spacer(1, 4)]

    # tables ------------------------------------------------------------------------------

    def columns(self) -> list[tuple[str, Figures]]:
        """Every suite with its figures, by id, then the total."""
        current = self.stats.current
        return [*((self.suite_name(s), f) for s, f in current.by_suite.items()),
                ("Total", current.total)]

    def figures_table(self, keys: Sequence[str], columns: Sequence[tuple[str, Figures]],
                      with_total: bool) -> Table:
        """Figures down, suites across; the total's column (if here) set apart."""
        f = self.s.fonts
        width = min(NUMBER_COLUMN_MAX, (st.FRAME_WIDTH - LABEL_COLUMN) / len(columns))
        head: list[Any] = [""] + [self.fit(name, f.bold, 7.5, width - 6)
                                  for name, _ in columns]
        data: list[list[Any]] = [head]
        for key in keys:
            label = _SHORT_LABELS.get(key, _LABELS[key])
            data.append([self.fit(label, f.regular, 8.5, LABEL_COLUMN - 10),
                         *(figure_text(key, figures.value(key)) for _, figures in columns)])
        commands: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, 0), f.bold),
            ("FONTSIZE", (0, 0), (-1, 0), 7.5),
            ("LEADING", (0, 0), (-1, 0), 9),
            ("TEXTCOLOR", (0, 0), (-1, 0), st.INK),
            ("BACKGROUND", (0, 0), (-1, 0), st.HEAD_FILL),
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("FONTNAME", (0, 1), (-1, -1), f.regular),
            ("FONTSIZE", (0, 1), (-1, -1), 8.5),
            ("LEADING", (0, 1), (-1, -1), 10.5),
            ("TEXTCOLOR", (0, 1), (-1, -1), st.INK),
            ("VALIGN", (0, 1), (-1, -1), "TOP"),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ("BOX", (0, 0), (-1, -1), 0.6, st.RULE),
            ("LINEBELOW", (0, 0), (-1, -2), 0.4, st.GRID),
            ("LINEAFTER", (0, 0), (0, -1), 0.6, st.RULE),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]
        if with_total:
            commands += [
                ("FONTNAME", (-1, 1), (-1, -1), f.bold),
                ("BACKGROUND", (-1, 1), (-1, -1), st.LABEL_FILL),
                ("LINEBEFORE", (-1, 0), (-1, -1), 0.6, st.RULE),
            ]
        table = Table(data, colWidths=[LABEL_COLUMN] + [width] * len(columns),
                      repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle(commands))
        return table

    def group_tables(self, keys: Sequence[str]) -> list[Flowable]:
        """The group's table, or its tables one under the other when the suites need
        more columns than a page holds (kept as one block: a short group moves on to
        the next page whole rather than leaving its last suites behind)."""
        columns = self.columns()
        pieces = _chunks(len(columns), MAX_COLUMNS)
        out: list[Flowable] = []
        for number, piece in enumerate(pieces, start=1):
            if out:
                out.append(Spacer(1, 6))
            out.append(self.figures_table(keys, [columns[i] for i in piece],
                                          with_total=number == len(pieces)))
        return out

    def group_section(self, title: str, keys: Sequence[str]) -> list[Flowable]:
        blocks = [self.group_tables(keys)]
        if "outstanding_follow_ups" in keys and self.stats.current.total.outstanding_follow_ups \
                is None:
            blocks[-1].append(self.p(
                f"<i>{NOT_AVAILABLE} Not tracked: these figures were made without the "
                "follow-up items, which is not the same as none outstanding.</i>",
                self.s.small))
        if title == "Visits":
            blocks.append(self.chart_block("Visits per suite, in person and remote",
                                           self.visits_chart()))
        elif title == "People in custody":
            blocks.append(self.chart_block(
                "Acceptance rate per suite (accepted of those offered a visit)",
                self.acceptance_chart()))
        elif title == "Issues raised":
            blocks.append(self.issues_block())
        return self.section(title, blocks)

    # charts ------------------------------------------------------------------------------

    def chart_block(self, caption: str, chart: Flowable) -> list[Flowable]:
        """A chart under its caption, never split between pages: one table cell."""
        cell = Table([[[self.p(f"<b>{caption}</b>", self.s.small), Spacer(1, 3), chart]]],
                     colWidths=[st.FRAME_WIDTH])
        cell.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                  ("TOPPADDING", (0, 0), (-1, -1), 4),
                                  ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
        return [cell]

    def visits_chart(self) -> Flowable:
        current = self.stats.current
        names = [self.suite_name(s) for s in current.by_suite]
        figures = list(current.by_suite.values())
        return bar_chart(
            names,
            [Series("In person", [f.in_person for f in figures], SERIES_COLOURS[0]),
             Series("Remote (telephone or video)", [f.remote for f in figures],
                    SERIES_COLOURS[1])],
            width=st.FRAME_WIDTH, fonts=self.s.fonts, stacked=True,
        )

    def acceptance_chart(self) -> Flowable:
        current = self.stats.current
        names = [*(self.suite_name(s) for s in current.by_suite), "All suites"]
        rates = [f.acceptance_rate for f in current.by_suite.values()]
        rates.append(current.total.acceptance_rate)
        return bar_chart(
            names,
            [Series("Acceptance rate", [None if r is None else r * 100 for r in rates])],
            width=st.FRAME_WIDTH, fonts=self.s.fonts,
            value_text=lambda v: NOT_AVAILABLE if v is None else f"{v:.1f}%",
            value_max=100, value_step=20, axis_text=lambda v: f"{v:.0f}%",
            bar_colours=[None] * (len(names) - 1) + [SERIES_COLOURS[2]],
        )

    def issues_block(self) -> list[Flowable]:
        total = self.stats.current.total
        caption = "Issues raised by category"
        if total.issues == 0:
            return [Spacer(1, 4), self.p("<i>No issues were raised in this period.</i>",
                                         self.s.small)]
        resolved = (f"; {figure_text('resolved_share', total.resolved_share)} of those to "
                    "resolve (all but positive findings) were resolved at the time"
                    if total.resolved_share is not None else "")
        chart = bar_chart(
            [c.label for c in IssueCategory],
            [Series("Issues", [total.issues_by_category.get(c, 0) for c in IssueCategory])],
            width=st.FRAME_WIDTH, fonts=self.s.fonts,
        )
        return self.chart_block(caption + resolved, chart)

    def spread_section(self) -> list[Flowable]:
        spread = self.stats.spread
        s = self.s
        intro = (
            "Visits by the day of the week and the hour the visitors arrived (the scheme's "
            "local time). Schemes vary when they visit so that custody staff cannot come "
            "to expect them."
        )
        if spread.without_time:
            n = spread.without_time
            intro += (f" {n:,} visit{'s' if n != 1 else ''} without an arrival time "
                      f"{'are' if n != 1 else 'is'} not in the grid.")
        blocks: list[list[Flowable]] = [[
            self.p(intro, s.body), Spacer(1, 5),
            heat_map(spread.total, WEEKDAYS, width=st.FRAME_WIDTH, fonts=s.fonts),
        ]]
        warnings = self.stats.warnings
        if warnings:
            items: list[Flowable] = [self.p(
                f'<font color="{st.WARN.hexval()}"><b>Predictable visits</b></font>'
                f" \u2014 {len(warnings)} warning{'s' if len(warnings) != 1 else ''}:",
                s.body)]
            items += [Paragraph(markup(w), _bullet(s), bulletText="\u2022")
                      for w in warnings]
        else:
            items = [self.p("<b>Predictable visits:</b> none found. No day of the week or "
                            "time of day stands out, across the scheme or at any suite.",
                            s.body)]
        blocks.append(items)
        return self.section("When visits began", blocks)

    # coverage ----------------------------------------------------------------------------

    def coverage_section(self) -> list[Flowable]:
        cover = self.stats.coverage
        s, f = self.s, self.s.fonts
        if not cover:
            return self.section("How recently each suite was visited",
                                [[self.p("<i>No suites to report on.</i>", s.small)]])
        as_of, target = cover[0].as_of, cover[0].target_days
        since = self.stats.previous.period.start
        overdue = sum(c.overdue for c in cover)
        intro = (
            f"The last completed visit in person to each suite, as at {day_text(as_of)}, "
            f"against the scheme's target of a visit every {target} days: "
            + (f"<b>{overdue} of {len(cover)} suites overdue</b>." if overdue
               else "every suite within it.")
        )
        widths = [LABEL_COLUMN, 40 * mm, 22 * mm, 24 * mm]
        widths.append(st.FRAME_WIDTH - sum(widths))
        data: list[list[Any]] = [["Suite", "Last visited in person", "Days since",
                                  "Target (days)", ""]]
        commands: list[tuple[Any, ...]] = [
            ("FONTNAME", (0, 0), (-1, 0), f.bold),
            ("FONTSIZE", (0, 0), (-1, 0), 7.5),
            ("BACKGROUND", (0, 0), (-1, 0), st.HEAD_FILL),
            ("FONTNAME", (0, 1), (-1, -1), f.regular),
            ("FONTSIZE", (0, 0), (-1, -1), 8.5),
            ("LEADING", (0, 0), (-1, -1), 10.5),
            ("TEXTCOLOR", (0, 0), (-1, -1), st.INK),
            ("ALIGN", (2, 0), (3, -1), "CENTER"),
            ("LEFTPADDING", (4, 0), (4, -1), 12),
            ("BOX", (0, 0), (-1, -1), 0.6, st.RULE),
            ("LINEBELOW", (0, 0), (-1, -2), 0.4, st.GRID),
            ("LEFTPADDING", (0, 0), (-1, -1), 5),
            ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ]
        for row, c in enumerate(cover, start=1):
            last = (day_text(c.last_visited) if c.last_visited is not None
                    else f"None since {day_text(since)}")
            days = NOT_AVAILABLE if c.days_since is None else f"{c.days_since:,}"
            data.append([self.fit(self.suite_name(c.suite_id), f.regular, 8.5, widths[0] - 10),
                         last, days, str(c.target_days),
                         "Overdue" if c.overdue else "Within target"])
            if c.overdue:
                commands += [
                    ("BACKGROUND", (0, row), (-1, row), st.ALERT_FILL),
                    ("TEXTCOLOR", (4, row), (4, row), st.ALERT),
                    ("FONTNAME", (4, row), (4, row), f.bold),
                ]
        table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle(commands))
        return self.section("How recently each suite was visited",
                            [[self.p(intro, s.body), Spacer(1, 4), table]])


# Entry points ---------------------------------------------------------------------------------

def render_period_pdf(
    stats: SchemeStatistics,
    reference: ReferenceData,
    *,
    generated: dt.datetime | None = None,
    fonts: Fonts | None = None,
) -> bytes:
    """The PDF of a period's statistics as bytes. ``generated``: the moment printed as
    when it was made (now by default; UTC)."""
    buffer = io.BytesIO()
    _write(stats, reference, buffer, generated, fonts)
    return buffer.getvalue()


def _write(stats: SchemeStatistics, reference: ReferenceData, out: BinaryIO,
           generated: dt.datetime | None, fonts: Fonts | None) -> None:
    styles = st.styles_for(fonts or st.default_fonts())
    moment = generated or dt.datetime.now(dt.UTC).replace(microsecond=0)
    PeriodPdf(stats, reference, styles, moment).write(out)


def write_period_pdf(
    stats: SchemeStatistics,
    reference: ReferenceData,
    out: Path | os.PathLike[str] | BinaryIO,
    *,
    generated: dt.datetime | None = None,
    fonts: Fonts | None = None,
) -> None:
    """Write the PDF of a period's statistics to a path or a binary file object.

    A path is written whole or not at all: the PDF is built in memory first and moved
    into place, so an error never leaves half a file behind (nor replaces an older one).
    """
    if isinstance(out, os.PathLike):
        path = Path(out)
        data = render_period_pdf(stats, reference, generated=generated, fonts=fonts)
        tmp = path.with_name(path.name + ".part")
        try:
            tmp.write_bytes(data)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        return
    _write(stats, reference, out, generated, fonts)
