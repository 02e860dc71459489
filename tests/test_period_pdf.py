"""The period statistics PDF: what a coordinator publishes for a quarter or a year.

The numbers the PDF must print are the ones :func:`scheme_statistics` computes (its own
tests check those against sums worked out by hand); these tests check that the PDF
prints them, where a reader looks for them, and says so plainly when there is nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pypdf
import pytest
from reportlab.graphics.shapes import Drawing, Group, Rect, String
from reportlab.graphics.widgetbase import Widget
from reportlab.platypus import Flowable, Table

from icv_app import cli
from icv_app.domain.custody.demo import generate_visits
from icv_app.domain.custody.reference import ReferenceData, Suite
from icv_app.domain.custody.statistics import Period, SchemeStatistics, scheme_statistics
from icv_app.domain.custody.visit import (
    Counts,
    Header,
    VisitorOnVisit,
    VisitReport,
    VisitStatus,
)
from icv_app.paths import Paths
from icv_app.reports import styles as st
from icv_app.reports.custody import period_pdf
from icv_app.reports.custody.period_pdf import (
    EMPTY_PERIOD,
    MAX_COLUMNS,
    PeriodPdf,
    change_text,
    figure_text,
    render_period_pdf,
    write_period_pdf,
)
from icv_app.reports.document import PERSONAL_DATA_NOTICE

Q2 = Period.quarter_of(dt.date(2026, 5, 1))  # April to June 2026
GENERATED = dt.datetime(2026, 7, 2, 9, 30, tzinfo=dt.UTC)
DASH = "\u2014"


# Data -----------------------------------------------------------------------------------------

def fold(visits: list[VisitReport], period: Period, weeks: int) -> list[VisitReport]:
    """The demo's visits (spread over 540 days) moved into ``period``'s last ``weeks``
    weeks, each keeping its weekday."""
    for report in visits:
        day = report.header.visit_date
        assert day is not None
        report.header.visit_date = period.end - dt.timedelta(
            days=(period.end - day).days % (7 * weeks))
    return visits


def demo_statistics(reference: ReferenceData, count: int = 1000) -> SchemeStatistics:
    """``count`` demo visits in April–June 2026 and 600 in the quarter before."""
    current = fold(list(generate_visits(reference, count, seed=21,
                                        today=dt.date(2026, 7, 1))), Q2, 13)
    before = fold(list(generate_visits(reference, 600, seed=22, today=dt.date(2026, 4, 1))),
                  Q2.previous(), 12)
    return scheme_statistics(
        before + current, Q2, suite_ids=[s.id for s in reference.open_suites()],
        suite_names={s.id: s.name for s in reference.suites}, zone_name=reference.time_zone)


def pdf_lines(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [line.strip() for page in reader.pages
            for line in page.extract_text().splitlines() if line.strip()]


def page_count(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def contains_run(lines: Sequence[str], run: Sequence[str]) -> bool:
    """Whether ``run`` appears in ``lines`` as consecutive lines (a table's row: the PDF's
    text holds a cell a line)."""
    n = len(run)
    return any(list(lines[i:i + n]) == list(run) for i in range(len(lines) - n + 1))


def words(lines: Sequence[str]) -> str:
    """The text with line breaks as spaces: a wrapped sentence read whole."""
    return re.sub(r"\s+", " ", " ".join(lines))


def flowables(story: Sequence[Flowable]) -> list[Flowable]:
    """Every flowable of a story, those inside keepers and table cells too."""
    found: list[Flowable] = []
    for item in story:
        found.append(item)
        inner = getattr(item, "_content", None)
        if inner:
            found += flowables(inner)
        if isinstance(item, Table):
            for row in item._cellvalues:
                for cell in row:
                    cells = cell if isinstance(cell, list | tuple) else [cell]
                    found += flowables([c for c in cells if isinstance(c, Flowable)])
    return found


def shapes(node: Drawing | Group) -> list[object]:
    """Every shape of a drawing, those a chart draws too."""
    found: list[object] = []
    for item in node.contents:
        if isinstance(item, Widget):
            item = item.draw()
        found.append(item)
        if isinstance(item, Group):
            found += shapes(item)
    return found


def story(stats: SchemeStatistics, reference: ReferenceData) -> list[Flowable]:
    return PeriodPdf(stats, reference, st.styles_for(st.default_fonts()), GENERATED).story()


@pytest.fixture(scope="module")
def quarter(reference: ReferenceData) -> tuple[SchemeStatistics, bytes, list[str]]:
    stats = demo_statistics(reference)
    data = render_period_pdf(stats, reference, generated=GENERATED)
    return stats, data, pdf_lines(data)


def visit(day: str, arrival: str, counts: Counts, suite: str = "suite-ashford-road",
          ) -> VisitReport:
    return VisitReport(
        header=Header(suite_id=suite, panel="North panel",
                      visit_date=dt.date.fromisoformat(day),
                      arrival_time=dt.time.fromisoformat(arrival),
                      departure_time=dt.time(23, 0),
                      visitors=[VisitorOnVisit("vis-01"), VisitorOnVisit("vis-02")]),
        counts=counts, status=VisitStatus.SUBMITTED)


# A quarter of 1,000 demo visits ---------------------------------------------------------------

def test_the_pdf_prints_the_totals_scheme_statistics_computes(quarter, reference):
    stats, data, lines = quarter
    total, before = stats.current.total, stats.previous.total
    assert total.visits > 850  # the demo's drafts (about 1 in 10) are not counted

    assert "Scheme statistics: Apr\u2013Jun 2026" in lines
    assert "1 Apr 2026 to 30 Jun 2026 \u2014 compared with Jan\u2013Mar 2026" in lines
    assert "Generated 2 Jul 2026 10:30 BST." in words(lines)
    # The report's pages: marked, numbered, and saying they hold counts, not people.
    pages = page_count(data)
    assert lines.count("OFFICIAL-SENSITIVE") == 2 * pages
    assert f"Page {pages} of {pages}" in lines
    assert lines.count(period_pdf.STATISTICS_NOTICE) == pages
    assert PERSONAL_DATA_NOTICE not in lines
    # The headline box: the four numbers side by side, then the previous quarter's.
    assert contains_run(lines, [f"{total.visits:,}", f"{total.in_custody:,}",
                                f"{total.offered:,}", f"{total.accepted:,}"])
    assert total.acceptance_rate is not None
    assert contains_run(lines, [f"{total.acceptance_rate:.1%}", f"{total.issues:,}"])
    assert f"previously {before.visits:,} \u00b7 {total.visits - before.visits:+,}" in lines
    # The tables: a suite a column, the total last.
    by_suite = list(stats.current.by_suite.values())
    for key, label in (("visits", "Visits"), ("in_custody", "In custody at visits"),
                       ("accepted", "Accepted"), ("offered", "Offered a visit")):
        row = [label, *(f"{f.value(key):,}" for f in by_suite), f"{total.value(key):,}"]
        assert contains_run(lines, row), label
    rates = [f"{f.acceptance_rate:.1%}" for f in [*by_suite, total]
             if f.acceptance_rate is not None]
    assert len(rates) == len(by_suite) + 1
    assert contains_run(lines, rates)


def test_every_suite_is_named_in_its_table_chart_and_coverage(quarter, reference):
    stats, _data, lines = quarter
    names = [reference.suite_name(s) for s in stats.current.by_suite]
    assert set(names) == {s.name for s in reference.open_suites()}
    for name in names:
        # Whole in the charts and the coverage table (a column's head may wrap).
        assert lines.count(name) >= 3, name
    assert "All suites" in lines  # the acceptance chart's scheme-wide bar


def test_the_heat_map_is_drawn_as_shaded_squares_with_a_legend(quarter, reference):
    stats, _data, lines = quarter
    drawings = [f for f in flowables(story(stats, reference)) if isinstance(f, Drawing)]
    texts = [[s.text for s in shapes(d) if isinstance(s, String)] for d in drawings]
    heat = [d for d, t in zip(drawings, texts, strict=True)
            if "Visits begun in the hour:" in t]
    assert len(heat) == 1
    squares = [s for s in shapes(heat[0]) if isinstance(s, Rect)]
    assert len(squares) >= 7 * 24  # a square per weekday and hour, and the legend's
    strings = [s.text for s in shapes(heat[0]) if isinstance(s, String)]
    assert {"Monday", "Sunday", "00", "23", "Total"} <= set(strings)
    for day, row in enumerate(stats.spread.total):
        assert f"{sum(row):,}" in strings, day
    # In the PDF's text too: the legend and its shades' ranges from 0.
    assert contains_run(lines, ["Visits begun in the hour:", "0"])
    # Four charts in all: visits, acceptance rate, issues by category, the heat map.
    assert len(drawings) == 4


def test_no_warning_says_so_in_words(quarter):
    stats, _data, lines = quarter
    assert stats.warnings == ()
    assert "Predictable visits: none found." in words(lines)


# A dozen suites --------------------------------------------------------------------------------

def test_a_dozen_suites_share_two_tables_of_equal_width_within_the_page(reference):
    names = ["Ashford Road", "Beckley Park", "Canal Street", "Dunmore", "Elmwick", "Foxhall",
             "Greyfriars Lane", "Hollins Cross", "Ironbridge Central", "Jubilee Way",
             "Kingsmead", "Longford Marsh"]
    suites = tuple(Suite(f"suite-{i:02d}", name, "North", reference.panels[0], "24-hour",
                         True) for i, name in enumerate(names))
    many = dataclasses.replace(reference, suites=suites)
    stats = demo_statistics(many, count=600)
    data = render_period_pdf(stats, many, generated=GENERATED)
    lines = pdf_lines(data)

    assert len(stats.current.by_suite) == 12
    for name in names:
        assert name in lines, name
    # 12 suites and the total: 13 columns in two tables, 7 then 6, the total in the second.
    assert MAX_COLUMNS < 13
    figures = list(stats.current.by_suite.values())
    first = ["Visits", *(f"{f.visits:,}" for f in figures[:7])]
    second = ["Visits", *(f"{f.visits:,}" for f in figures[7:]),
              f"{stats.current.total.visits:,}"]
    assert contains_run(lines, first) and contains_run(lines, second)
    tables = [f for f in flowables(story(stats, many)) if isinstance(f, Table)]
    for table in tables:
        assert sum(table._argW) <= st.FRAME_WIDTH + 0.01


# Empty periods, rates of nothing ---------------------------------------------------------------

def test_an_empty_period_says_so_instead_of_drawing_empty_charts(reference):
    stats = scheme_statistics(
        [visit("2026-03-10", "10:00", Counts(in_custody=4, offered=4, accepted=3))], Q2,
        suite_ids=[s.id for s in reference.open_suites()])
    data = render_period_pdf(stats, reference, generated=GENERATED)
    lines = pdf_lines(data)

    assert EMPTY_PERIOD in lines
    assert "Jan\u2013Mar 2026 had 1 submitted visit." in words(lines)
    assert not [f for f in flowables(story(stats, reference)) if isinstance(f, Drawing)]
    # Nothing offered: the rate is a dash, and was 75% before.
    assert contains_run(lines, [DASH, "0", DASH, "0.0"])
    assert "previously 75.0% \u00b7 \u2014" in lines
    # Every suite is overdue, and the coverage table says so.
    assert lines.count("Overdue") == len(reference.open_suites())
    assert page_count(data) == 1


def test_an_empty_period_with_no_visits_at_all_renders(reference):
    stats = scheme_statistics([], Q2)
    lines = pdf_lines(render_period_pdf(stats, reference, generated=GENERATED))
    assert EMPTY_PERIOD in lines
    assert "Nor had Jan\u2013Mar 2026." in words(lines)
    assert "No suites to report on." in lines


def test_a_rate_with_nobody_offered_prints_as_a_dash(reference):
    visits = [visit("2026-04-07", "10:00", Counts(in_custody=3, not_offered=3)),
              visit("2026-04-14", "11:00", Counts(in_custody=2, offered=2, accepted=1,
                                                  declined=1), suite="suite-canal-street")]
    stats = scheme_statistics(visits, Q2, suite_ids=["suite-ashford-road",
                                                     "suite-canal-street"])
    lines = pdf_lines(render_period_pdf(stats, reference, generated=GENERATED))

    # The acceptance row: Ashford Road offered nobody, Canal Street 1 of 2, in all 1 of 2.
    assert contains_run(lines, [DASH, "50.0%", "50.0%"])
    # The chart: a dash where Ashford Road's bar would be.
    chart = [d for d in flowables(story(stats, reference)) if isinstance(d, Drawing)][1]
    assert DASH in [s.text for s in shapes(chart) if isinstance(s, String)]


def test_predictability_warnings_are_printed_in_words(reference):
    # Twelve Tuesday-evening visits to Ashford Road: the pattern staff would notice.
    visits = [visit((dt.date(2026, 4, 7) + dt.timedelta(weeks=w)).isoformat(), "18:30",
                    Counts(in_custody=1, offered=1, accepted=1)) for w in range(12)]
    stats = scheme_statistics(visits, Q2, suite_names={"suite-ashford-road": "Ashford Road"})
    assert stats.warnings
    text = words(pdf_lines(render_period_pdf(stats, reference, generated=GENERATED)))

    assert f"Predictable visits \u2014 {len(stats.warnings)} warning" in text
    for warning in stats.warnings:
        assert warning in text
    assert "At Ashford Road, 12 of 12 visits (100%) were on a Tuesday" in text


# Numbers as printed ----------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "value", "printed"), [
    ("visits", 1234, "1,234"),
    ("acceptance_rate", 0.84321, "84.3%"),
    ("acceptance_rate", None, DASH),
    ("resolved_share", 1.0, "100.0%"),
    ("mean_delay_minutes", None, DASH),
    ("mean_delay_minutes", 12.345, "12.3"),
    ("visitor_hours", 2311.94, "2,311.9"),
    ("outstanding_follow_ups", None, DASH),
])
def test_figures_print_with_separators_percentages_and_a_dash_for_none(key, value, printed):
    assert figure_text(key, value) == printed


@pytest.mark.parametrize(("key", "change", "printed"), [
    ("visits", 12, "+12"),
    ("visits", -1500, "\u22121,500"),
    ("visits", 0, "no change"),
    ("acceptance_rate", 0.025, "+2.5 pts"),
    ("acceptance_rate", -0.0004, "no change"),
    ("acceptance_rate", None, DASH),
    ("visitor_hours", -3.26, "\u22123.3"),
])
def test_changes_are_signed_and_rates_change_in_points(key, change, printed):
    assert change_text(key, change) == printed


# Writing a file ----------------------------------------------------------------------------------

def test_write_to_a_path_is_whole_or_not_at_all(tmp_path, reference, monkeypatch):
    stats = scheme_statistics([], Q2)
    out = tmp_path / "q2.pdf"
    write_period_pdf(stats, reference, out, generated=GENERATED)
    assert out.read_bytes().startswith(b"%PDF")
    good = out.read_bytes()

    def disk_full(self: Path, data: bytes) -> int:
        with self.open("wb") as f:
            f.write(data[:100])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", disk_full)
    with pytest.raises(OSError, match="No space"):
        write_period_pdf(stats, reference, out, generated=GENERATED)
    assert out.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["q2.pdf"]


def test_write_to_a_file_object(reference):
    buffer = io.BytesIO()
    write_period_pdf(scheme_statistics([], Q2), reference, buffer, generated=GENERATED)
    assert buffer.getvalue().startswith(b"%PDF")


# The command ------------------------------------------------------------------------------------

def run(capsys, paths: Paths, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["--data-dir", str(paths.data_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo_profile(paths, capsys):
    assert run(capsys, paths, "demo", "--visits", "150", "--seed", "9")[0] == 0
    _code, out, _err = run(capsys, paths, "visits", "list", "--json")
    return json.loads(out)


def test_pdf_period_writes_the_figures_of_the_submitted_visits(
        demo_profile, paths, capsys, tmp_path, reference):
    submitted = [r for r in demo_profile if r["status"] == "submitted"]
    out = tmp_path / "all.pdf"

    code, printed, err = run(capsys, paths, "pdf", "period", "--from", "2000-01-01",
                             "--to", "2099-12-31", "-o", str(out))

    assert (code, err) == (0, "")
    assert f"the statistics of {len(submitted)} submitted visits" in printed
    lines = pdf_lines(out.read_bytes())
    assert "Scheme statistics: 2000-01-01 to 2099-12-31" in lines
    per_suite = {name: sum(r["suite"] == name for r in submitted)
                 for name in sorted({r["suite"] for r in submitted})}
    assert contains_run(lines, ["Visits", *(f"{n:,}" for n in per_suite.values()),
                                f"{len(submitted):,}"])


def test_pdf_period_by_quarter_or_by_dates_of_a_quarter_is_the_quarter(
        demo_profile, paths, capsys, tmp_path):
    day = dt.date.fromisoformat(next(r["date"] for r in demo_profile
                                     if r["status"] == "submitted"))
    quarter = Period.quarter_of(day)
    number = (quarter.start.month - 1) // 3 + 1
    by_name, by_dates = tmp_path / "a.pdf", tmp_path / "b.pdf"

    assert run(capsys, paths, "pdf", "period", "--quarter", f"{day.year}-Q{number}",
               "-o", str(by_name))[0] == 0
    assert run(capsys, paths, "pdf", "period", "--from", quarter.start.isoformat(),
               "--to", quarter.end.isoformat(), "-o", str(by_dates))[0] == 0

    for out in (by_name, by_dates):
        lines = pdf_lines(out.read_bytes())
        assert f"Scheme statistics: {quarter.label}" in lines
        assert f"compared with {quarter.previous().label}" in words(lines)


@pytest.mark.parametrize(("argv", "message"), [
    (("--from", "2026-13-01", "--to", "2026-06-30"), "--from '2026-13-01' is not a date"),
    (("--from", "2026-04-01", "--to", "30/06/2026"), "--to '30/06/2026' is not a date"),
    (("--from", "20260401", "--to", "2026-06-30"), "write it as YYYY-MM-DD"),
    (("--from", "2026-07-01", "--to", "2026-06-30"),
     "--from 2026-07-01 is after --to 2026-06-30"),
    (("--from", "2026-04-01"), "--to is missing"),
    ((), "name the period with one of"),
    (("--quarter", "2026-Q2", "--year", "2026"), "not --quarter and --year"),
    (("--quarter", "2026-Q5"), "is not a quarter"),
    (("--year", "2026/28"), "is not a year"),
])
def test_pdf_period_refuses_a_bad_period_and_writes_nothing(
        paths, capsys, tmp_path, argv, message):
    out = tmp_path / "q2.pdf"
    code, printed, err = run(capsys, paths, "pdf", "period", *argv, "-o", str(out))
    assert code == cli.EXIT_USAGE
    assert message in err and printed == ""
    assert not out.exists()


def test_pdf_period_to_an_unwritable_path_says_why(demo_profile, paths, capsys, tmp_path):
    out = tmp_path / "no such folder" / "q2.pdf"
    code, _printed, err = run(capsys, paths, "pdf", "period", "--year", "2026",
                              "-o", str(out))
    assert code == cli.EXIT_USAGE
    assert f"cannot write {out}: No such file or directory" in err
    assert not out.parent.exists()
    # A folder where the file should be.
    code, _printed, err = run(capsys, paths, "pdf", "period", "--year", "2026",
                              "-o", str(tmp_path))
    assert code == cli.EXIT_USAGE and "cannot write" in err

