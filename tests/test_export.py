"""Exporting the scheme's figures and the visits behind them, as CSV and XLSX."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import openpyxl
import pytest

from icv_app import cli
from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.statistics import FIGURES, Period, scheme_statistics
from icv_app.domain.custody.visit import (
    Amendment,
    Counts,
    Detainee,
    Header,
    IssueCategory,
    IssueRaised,
    VisitMode,
    VisitorOnVisit,
    VisitReport,
    VisitStatus,
)
from icv_app.paths import Paths
from icv_app.reports.custody import export
from icv_app.reports.custody.export import (
    FIGURE_COLUMNS,
    VISIT_COLUMNS,
    UnsupportedFormat,
    csv_safe,
    output_format,
    write_figures,
    write_visits,
)
from icv_app.reports.custody.visit_outline import visit_reference
from icv_app.store.custody.visits import add_amendment, save_visit, submit_visit

ASHFORD, CANAL = "suite-ashford-road", "suite-canal-street"
Q2 = Period.quarter_of(dt.date(2026, 4, 1))
CUSTODY_NUMBER = re.compile(r"\d{2}NS/\d{4}/\d{2}")


def make_visit(
    suite: str, day: str, arrival: str, departure: str, *, next_day: bool = False,
    panel: str = "North panel", mode: VisitMode = VisitMode.IN_PERSON, delay: int = 0,
    counts: Counts | None = None, met: int = 0,
    issues: tuple[tuple[IssueCategory, bool | None], ...] = (),
    status: VisitStatus = VisitStatus.SUBMITTED,
) -> VisitReport:
    return VisitReport(
        header=Header(
            suite_id=suite, panel=panel, visit_date=dt.date.fromisoformat(day),
            arrival_time=dt.time.fromisoformat(arrival),
            departure_time=dt.time.fromisoformat(departure), departure_next_day=next_day,
            mode=mode, delay_minutes=delay,
            visitors=[VisitorOnVisit("vis-01"), VisitorOnVisit("vis-02")],
        ),
        counts=counts or Counts(),
        detainees=[Detainee(custody_number=f"01NS/{421 + i:04d}/26") for i in range(met)],
        issues=[IssueRaised(category=c, text="synthetic", resolved=r) for c, r in issues],
        status=status,
    )


def quarter() -> list[VisitReport]:
    # Listed out of order: the export sorts by date.
    return [
        make_visit(CANAL, "2026-04-14", "23:30", "01:15", next_day=True,
                   mode=VisitMode.TELEPHONE, delay=15, panel="City panel",
                   counts=Counts(in_custody=3, offered=2, accepted=1, declined=1,
                                 not_offered=1)),
        make_visit(ASHFORD, "2026-04-07", "10:00", "11:30", met=2,
                   counts=Counts(in_custody=6, juveniles=1, male=5, female=1, offered=4,
                                 accepted=3, declined=1, observed=1, not_offered=1),
                   issues=((IssueCategory.WELFARE, True), (IssueCategory.CONDITIONS, False),
                           (IssueCategory.POSITIVE, None))),
        make_visit(ASHFORD, "2026-05-01", "10:00", "11:00", status=VisitStatus.DRAFT),
        make_visit(ASHFORD, "2026-07-01", "10:00", "11:00"),
        # The quarter before: compared with.
        make_visit(ASHFORD, "2026-03-10", "09:00", "10:00",
                   counts=Counts(in_custody=2, offered=2, accepted=2)),
    ]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# The visits behind the figures ---------------------------------------------------------------

def test_visits_csv_has_one_row_per_submitted_visit_of_the_period(tmp_path, reference):
    out = tmp_path / "visits.csv"
    visits = quarter()

    assert write_visits(out, visits, Q2, reference) == 2

    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = read_csv(out)
    assert list(rows[0]) == list(VISIT_COLUMNS)
    first, second = rows
    assert first == {
        "Reference": visit_reference(visits[1], reference),
        "Date": "2026-04-07", "Weekday": "Tuesday", "Suite": "Ashford Road",
        "Panel": "North panel", "Mode": "In person", "Outcome": "Completed",
        "Arrival": "10:00", "Departure": "11:30", "Departed next day": "no", "Zone": "BST",
        "Delay (minutes)": "0", "Duration (minutes)": "90", "Visitors": "2",
        "In custody": "6", "Juveniles": "1", "Male": "5", "Female": "1", "Offered": "4",
        "Accepted": "3", "Declined": "1", "Observed": "1", "Not offered": "1",
        "Detainees met": "2",
        # Welfare (resolved), conditions (not), a positive finding (nothing to resolve).
        "Issues": "3", "Unresolved issues": "1",
    }
    assert (second["Suite"], second["Panel"], second["Mode"], second["Arrival"],
            second["Departure"], second["Departed next day"], second["Delay (minutes)"],
            second["Duration (minutes)"]) == (
        "Canal Street", "City panel", "Telephone", "23:30", "01:15", "yes", "15", "105")


def test_the_visits_export_carries_no_custody_numbers(tmp_path, reference):
    visits = quarter()
    assert any(d.custody_number for v in visits for d in v.detainees)
    for name in ("visits.csv", "visits.xlsx"):
        out = tmp_path / name
        write_visits(out, visits, Q2, reference)
        if name.endswith(".csv"):
            text = out.read_text("utf-8-sig")
        else:
            book = openpyxl.load_workbook(out)
            text = " ".join(str(c) for row in book["Visits"].iter_rows(values_only=True)
                            for c in row)
        assert not CUSTODY_NUMBER.search(text)
        assert "01NS" not in text


def test_visits_xlsx_round_trip_keeps_dates_times_and_numbers(tmp_path, reference):
    out = tmp_path / "visits.xlsx"
    write_visits(out, quarter(), Q2, reference)

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Visits"]
    rows = list(book["Visits"].iter_rows(values_only=True))
    assert rows[0] == VISIT_COLUMNS
    record = dict(zip(VISIT_COLUMNS, rows[1], strict=True))
    assert record["Date"] == dt.datetime(2026, 4, 7)
    assert record["Arrival"] == dt.time(10, 0)
    assert record["Departure"] == dt.time(11, 30)
    assert (record["Suite"], record["Duration (minutes)"], record["In custody"],
            record["Unresolved issues"]) == ("Ashford Road", 90, 6, 1)
    assert len(rows) == 3


# The figures --------------------------------------------------------------------------------

def quarter_stats(reference: ReferenceData):
    return scheme_statistics(quarter(), Q2, suite_ids=[ASHFORD, CANAL])


def test_figures_csv_has_a_row_per_suite_a_total_and_a_column_per_figure(tmp_path, reference):
    out = tmp_path / "figures.csv"
    write_figures(out, quarter_stats(reference), reference)

    rows = read_csv(out)
    assert list(rows[0]) == list(FIGURE_COLUMNS)
    assert len(FIGURE_COLUMNS) == 3 + len(FIGURES)
    assert [r["Suite"] for r in rows] == ["Ashford Road", "Canal Street", "Total"]
    ashford, canal, total = rows
    assert {r["From"] for r in rows} == {"2026-04-01"}
    assert {r["To"] for r in rows} == {"2026-06-30"}
    assert (ashford["Visits"], canal["Visits"], total["Visits"]) == ("1", "1", "2")
    assert (total["In person"], total["Remote (telephone or video)"]) == ("1", "1")
    assert total["In custody at visits"] == "9"  # 6 + 3
    # 4 of 6 offered accepted: 0.6667 (four places); Ashford 3 of 4.
    assert total["Acceptance rate (accepted / offered)"] == "0.6667"
    assert ashford["Acceptance rate (accepted / offered)"] == "0.75"
    # 90 min x 2 + 105 min x 2 = 390 min = 6.5 hours.
    assert total["Visitor hours"] == "6.5"
    assert (total["Issues raised"], total["Issues: Positive finding"],
            total["Share resolved at the time"]) == ("3", "1", "0.5")
    assert (canal["Mean delay (minutes)"], ashford["Mean delay (minutes)"]) == ("15.0", "")
    assert total["Outstanding follow-ups at period end"] == ""  # not tracked: blank


def test_figures_xlsx_adds_the_comparison_spread_and_coverage(tmp_path, reference):
    out = tmp_path / "figures.xlsx"
    write_figures(out, quarter_stats(reference), reference)

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Figures", "Comparison", "Spread", "Coverage"]
    figures = list(book["Figures"].iter_rows(values_only=True))
    assert figures[0] == FIGURE_COLUMNS
    total = dict(zip(FIGURE_COLUMNS, figures[-1], strict=True))
    assert (total["Suite"], total["Visits"], total["Visitor hours"]) == ("Total", 2, 6.5)
    assert total["From"] == dt.datetime(2026, 4, 1)
    rate_column = FIGURE_COLUMNS.index("Acceptance rate (accepted / offered)") + 1
    assert book["Figures"].cell(row=4, column=rate_column).number_format == "0.0%"

    comparison = {row[0]: row[1:] for row in
                  book["Comparison"].iter_rows(min_row=2, values_only=True)}
    # This quarter 2 visits, the one before 1 (10 March): change +1.
    assert comparison["Visits"] == (2, 1, 1)
    assert comparison["In custody at visits"] == (9, 2, 7)

    spread = {row[0]: row[1:] for row in book["Spread"].iter_rows(min_row=2,
                                                                  values_only=True)}
    tuesday = spread["Tuesday"]
    assert (tuesday[10], tuesday[23], tuesday[24]) == (1, 1, 2)  # 10:00, 23:30; total
    assert sum(spread["Monday"]) == 0

    coverage = {row[0]: row[1:] for row in book["Coverage"].iter_rows(min_row=2,
                                                                      values_only=True)}
    # Ashford: in person on 7 Apr, 84 days before 30 Jun. Canal: by telephone only.
    assert coverage["Ashford Road"] == (dt.datetime(2026, 4, 7), 84, 14, "yes")
    assert coverage["Canal Street"] == (None, None, 14, "yes")


# Never a formula ------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"),
    ("+44 20 7946 0000", "'+44 20 7946 0000"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=cmd", "'\t=cmd"),
    ("\r=cmd", "'\r=cmd"),
    ("Canal Street", "Canal Street"),
    ("a=b", "a=b"),
    ("", ""),
    (-3, "-3"),  # a number is not text: no quote
    (2.5, "2.5"),
    (None, ""),
    (dt.date(2026, 4, 7), "2026-04-07"),
    (dt.time(9, 5), "09:05"),
])
def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(value, expected):
    assert csv_safe(value) == expected


def formula_reference(reference: ReferenceData) -> ReferenceData:
    suites = tuple(
        dataclasses.replace(s, name='=HYPERLINK("http://example.invalid","x")')
        if s.id == ASHFORD else s
        for s in reference.suites
    )
    return dataclasses.replace(reference, suites=suites)


def test_a_suite_name_or_panel_starting_with_a_formula_sign_is_never_a_formula(
        tmp_path, reference):
    hostile = formula_reference(reference)
    visits = [make_visit(ASHFORD, "2026-04-07", "10:00", "11:00", panel="@SUM(1+1)"),
              make_visit(CANAL, "2026-04-08", "10:00", "11:00", panel="-1+2")]

    write_visits(tmp_path / "v.csv", visits, Q2, hostile)
    rows = read_csv(tmp_path / "v.csv")
    assert rows[0]["Suite"] == '\'=HYPERLINK("http://example.invalid","x")'
    assert [r["Panel"] for r in rows] == ["'@SUM(1+1)", "'-1+2"]

    write_visits(tmp_path / "v.xlsx", visits, Q2, hostile)
    sheet = openpyxl.load_workbook(tmp_path / "v.xlsx")["Visits"]
    suite = sheet.cell(row=2, column=VISIT_COLUMNS.index("Suite") + 1)
    panel = sheet.cell(row=3, column=VISIT_COLUMNS.index("Panel") + 1)
    # Kept exactly, stored as text (an XLSX formula would read back as type "f").
    assert (suite.value, suite.data_type) == ('=HYPERLINK("http://example.invalid","x")', "s")
    assert (panel.value, panel.data_type) == ("-1+2", "s")

    stats = scheme_statistics(visits, Q2)
    write_figures(tmp_path / "f.csv", stats, hostile)
    assert read_csv(tmp_path / "f.csv")[0]["Suite"].startswith("'=HYPERLINK")


# File names and writing -------------------------------------------------------------------------

def test_the_format_comes_from_the_extension_in_any_case():
    assert output_format(Path("q2.csv")) == "csv"
    assert output_format(Path("Q2.XLSX")) == "xlsx"
    assert output_format(Path("figures.2026.Csv")) == "csv"


@pytest.mark.parametrize(("name", "named"), [
    ("figures.txt", "“.txt”"), ("figures.xls", "“.xls”"), ("figures", "no extension"),
])
def test_any_other_extension_is_refused_naming_it_and_nothing_is_written(
        tmp_path, reference, name, named):
    out = tmp_path / name
    with pytest.raises(UnsupportedFormat) as caught:
        write_visits(out, quarter(), Q2, reference)
    assert named in str(caught.value) and ".csv or .xlsx" in str(caught.value)
    with pytest.raises(UnsupportedFormat):
        write_figures(out, quarter_stats(reference), reference)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_old_file_as_it_was(tmp_path, reference, monkeypatch):
    out = tmp_path / "visits.csv"
    out.write_text("the export of last quarter", "utf-8")

    def fail_halfway(tmp: Path, sheet: export.Sheet) -> None:
        tmp.write_text("Reference,Da", "utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "_write_csv", fail_halfway)
    with pytest.raises(OSError, match="No space"):
        write_visits(out, quarter(), Q2, reference)
    assert out.read_text("utf-8") == "the export of last quarter"
    assert [p.name for p in tmp_path.iterdir()] == ["visits.csv"]


# The commands ------------------------------------------------------------------------------------

def run(capsys, paths: Paths, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["--data-dir", str(paths.data_dir), *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo_profile(paths, capsys):
    assert run(capsys, paths, "demo", "--visits", "120", "--seed", "9")[0] == 0
    _code, out, _err = run(capsys, paths, "visits", "list", "--json")
    return json.loads(out)


EVERYTHING = ("--from", "2000-01-01", "--to", "2099-12-31")


def test_export_visits_writes_every_submitted_visit_of_the_period(
        demo_profile, paths, capsys, tmp_path):
    submitted = [r for r in demo_profile if r["status"] == "submitted"]
    assert 0 < len(submitted) < len(demo_profile)  # the demo has drafts too
    out = tmp_path / "visits.csv"

    code, printed, _ = run(capsys, paths, "export", "visits", *EVERYTHING, "-o", str(out))

    assert code == 0 and str(out) in printed
    rows = read_csv(out)
    assert sorted(r["Reference"] for r in rows) == sorted(r["reference"] for r in submitted)
    assert not CUSTODY_NUMBER.search(out.read_text("utf-8-sig"))

    # One month: only its visits.
    month = [r for r in submitted if r["date"].startswith(submitted[0]["date"][:7])]
    first = dt.date.fromisoformat(submitted[0]["date"]).replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    out = tmp_path / "month.xlsx"
    code, _, _ = run(capsys, paths, "export", "visits", "--from", first.isoformat(),
                     "--to", last.isoformat(), "-o", str(out))
    assert code == 0
    sheet = openpyxl.load_workbook(out)["Visits"]
    assert sheet.max_row - 1 == len(month)


def test_export_figures_totals_the_submitted_visits(demo_profile, paths, capsys, tmp_path):
    submitted = [r for r in demo_profile if r["status"] == "submitted"]
    out = tmp_path / "figures.xlsx"

    code, printed, _ = run(capsys, paths, "export", "figures", *EVERYTHING, "-o", str(out))

    assert code == 0
    assert f"the figures of {len(submitted)} submitted visits" in printed
    rows = list(openpyxl.load_workbook(out)["Figures"].iter_rows(values_only=True))
    total = dict(zip(FIGURE_COLUMNS, rows[-1], strict=True))
    assert total["Suite"] == "Total"
    assert total["Visits"] == len(submitted)
    per_suite = {row[0]: row[3] for row in rows[1:-1]}
    for name, visits in per_suite.items():
        assert visits == sum(r["suite"] == name for r in submitted), name


def test_export_figures_counts_a_visit_as_corrected(store, paths, capsys, tmp_path):
    report = make_visit(ASHFORD, "2026-04-07", "10:00", "11:00",
                        counts=Counts(in_custody=3, offered=3, accepted=1, declined=2))
    report.confirmed_by = ["vis-01", "vis-02"]
    amendment = Amendment(visit_id=report.id, reason="Miscounted at the time",
                          text="Two accepted, not one.", field_path="counts.accepted",
                          new_value="2")
    report.status = VisitStatus.DRAFT
    store.writer.submit(lambda db: save_visit(db, report)).result()
    store.writer.submit(lambda db: submit_visit(db, report)).result()
    store.writer.submit(lambda db: add_amendment(db, amendment)).result()
    store.close()
    out = tmp_path / "q2.csv"

    code, _, _ = run(capsys, paths, "export", "figures", "--from", "2026-04-01", "--to",
                     "2026-06-30", "-o", str(out))

    assert code == 0
    total = read_csv(out)[-1]
    assert (total["Accepted"], total["Acceptance rate (accepted / offered)"]) == (
        "2", "0.6667")


def test_export_figures_names_overdue_suites_and_predictable_visits(
        store, paths, capsys, tmp_path):
    # Four visits to Ashford Road in April 2020, three of them Thursday afternoons; the
    # last on Thursday 16 April, 75 days before 30 June. No other suite visited.
    for day, arrival in (("2020-04-02", "14:00"), ("2020-04-07", "10:00"),
                         ("2020-04-09", "14:30"), ("2020-04-16", "13:00")):
        report = make_visit(ASHFORD, day, arrival, "15:30")
        report.status = VisitStatus.DRAFT
        store.writer.submit(lambda db, r=report: save_visit(db, r)).result()
        store.writer.submit(lambda db, r=report: submit_visit(db, r)).result()
    store.close()
    quarter_2020 = ("--from", "2020-04-01", "--to", "2020-06-30")

    code, printed, _ = run(capsys, paths, "export", "figures", *quarter_2020,
                           "-o", str(tmp_path / "f.csv"))

    assert code == 0
    lines = printed.splitlines()
    assert ("Overdue: Ashford Road, last visited in person 2020-04-16 (75 days before "
            "2020-06-30); the target is every 14 days.") in lines
    assert ("Overdue: Canal Street, not visited in person since at least 2020-01-01; the "
            "target is every 14 days.") in lines
    assert lines[-1] == (
        "Predictable: At Ashford Road, 3 of 4 visits (75%) were on a Thursday between "
        "12:00 and 15:00: custody staff could come to expect them.")

    _code, printed, _ = run(capsys, paths, "export", "figures", *quarter_2020,
                            "--target-days", "75", "-o", str(tmp_path / "f.csv"))
    assert "Overdue: Ashford Road" not in printed
    assert "Overdue: Canal Street" in printed


@pytest.mark.parametrize(("dates", "message"), [
    (("--from", "2026-13-01", "--to", "2026-12-31"), "--from '2026-13-01' is not a date"),
    (("--from", "2026-01-01", "--to", "31/12/2026"), "--to '31/12/2026' is not a date"),
    (("--from", "20260101", "--to", "2026-12-31"), "--from '20260101' is not a date"),
    (("--from", "2026-07-01", "--to", "2026-06-30"),
     "--from 2026-07-01 is after --to 2026-06-30"),
])
@pytest.mark.parametrize("what", ["visits", "figures"])
def test_bad_dates_are_refused_saying_why(paths, capsys, tmp_path, what, dates, message):
    out = tmp_path / "out.csv"
    code, _, err = run(capsys, paths, "export", what, *dates, "-o", str(out))
    assert code == 2
    assert message in err
    assert not out.exists()


@pytest.mark.parametrize("what", ["visits", "figures"])
def test_an_unknown_extension_is_refused_naming_it(paths, capsys, tmp_path, what):
    out = tmp_path / "out.ods"
    code, _, err = run(capsys, paths, "export", what, "--from", "2026-01-01", "--to",
                       "2026-03-31", "-o", str(out))
    assert code == 2
    assert "“.ods”" in err
    assert not out.exists()


def test_an_unwritable_output_is_an_error_not_a_crash(demo_profile, paths, capsys, tmp_path):
    out = tmp_path / "no-such-folder" / "visits.csv"
    code, _, err = run(capsys, paths, "export", "visits", *EVERYTHING, "-o", str(out))
    assert code == 2 and "cannot write" in err


def test_export_figures_counts_the_follow_ups_still_open_at_the_periods_end(
        store, paths, capsys, tmp_path):
    from icv_app.domain.custody.coordination import FollowUp
    from icv_app.domain.serialize import to_dict
    from icv_app.store.records import save_record

    report = make_visit(ASHFORD, "2026-04-07", "10:00", "11:00", counts=Counts(in_custody=1))
    report.status = VisitStatus.DRAFT
    store.writer.submit(lambda db: save_visit(db, report)).result()
    store.writer.submit(lambda db: submit_visit(db, report)).result()
    still_open = FollowUp(report.id, "issue-1", suite_id=ASHFORD, raised_on=dt.date(2026, 4, 7))
    closed = FollowUp(report.id, "issue-2", suite_id=ASHFORD, raised_on=dt.date(2026, 4, 7),
                      closed_on=dt.date(2026, 4, 20))
    for item in (still_open, closed):
        body = to_dict(item)
        store.writer.submit(lambda db, b=body: save_record(db, "follow_up", b)).result()
    store.close()
    out = tmp_path / "figures.xlsx"
    code, _, _ = run(capsys, paths, "export", "figures", "--from", "2026-04-01",
                     "--to", "2026-06-30", "-o", str(out))
    assert code == 0
    rows = list(openpyxl.load_workbook(out)["Figures"].iter_rows(values_only=True))
    total = dict(zip(FIGURE_COLUMNS, rows[-1], strict=True))
    assert total["Outstanding follow-ups at period end"] == 1
