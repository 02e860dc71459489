"""The Statistics page: a coordinator picks a period and reads the scheme's figures
against the period before, per suite and in total, sees when visits began and which
suites are overdue, copies the table and exports the figures, the visits and the PDF."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from icv_app.domain.custody.coordination import FollowUp
from icv_app.domain.custody.statistics import FIGURES, Period, scheme_statistics
from icv_app.domain.custody.visit import (
    Counts,
    IssueCategory,
    IssueRaised,
    VisitMode,
    VisitReport,
    VisitStatus,
)
from icv_app.ui.coordinator.statistics_page import StatisticsPage, figure_text
from tests.gui.conftest import focused, make_visit, press, type_text
from tests.gui.test_keyboard_traps import OPENS_MENUS, check_mnemonics

pytestmark = pytest.mark.gui

TODAY = dt.date(2026, 3, 20)  # the coordinator fixture's today
SHOTS = Path("/work/shots/statistics")
ASHFORD, BECKLEY, CANAL = "suite-ashford-road", "suite-beckley-park", "suite-canal-street"
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def visit(suite: str, day: dt.date, hour: int, minute: int = 0, *,
          mode: VisitMode = VisitMode.IN_PERSON, in_custody: int = 4, offered: int = 3,
          accepted: int = 2, unresolved: int = 0) -> VisitReport:
    """A submitted two-hour visit with counts and one issue resolved at the time."""
    report = make_visit(suite, day, dt.time(hour, minute), VisitStatus.SUBMITTED)
    report.header.departure_time = dt.time(hour + 2, minute)
    report.header.mode = mode
    report.counts = Counts(in_custody=in_custody, offered=offered, accepted=accepted,
                           declined=offered - accepted, not_offered=in_custody - offered)
    report.issues = [IssueRaised(category=IssueCategory.CONDITIONS, text="No hot meal offered",
                                 raised_with="PS 1001", resolved=True)]
    report.issues += [IssueRaised(category=IssueCategory.WELFARE, text="Cell too cold",
                                  raised_with="PS 1001", resolved=False)
                      for _ in range(unresolved)]
    return report


def reports() -> list[VisitReport]:
    """Two quarters: January–March 2026 busiest on Thursday afternoons (January 1st was
    a Thursday), October–December 2025 quieter; one draft that never counts."""
    return [
        # January to March 2026
        visit(ASHFORD, dt.date(2026, 1, 8), 14),
        visit(ASHFORD, dt.date(2026, 1, 22), 14, 30, unresolved=1),
        visit(ASHFORD, dt.date(2026, 2, 12), 14, 10, offered=4, accepted=4),
        visit(ASHFORD, dt.date(2026, 3, 12), 14),  # 8 days before today
        visit(BECKLEY, dt.date(2026, 2, 26), 14, 20),  # 22 days before today
        visit(BECKLEY, dt.date(2026, 1, 12), 10, mode=VisitMode.TELEPHONE),
        visit(BECKLEY, dt.date(2026, 3, 14), 19, mode=VisitMode.VIDEO, in_custody=2,
              offered=0, accepted=0),
        # October to December 2025
        visit(ASHFORD, dt.date(2025, 10, 14), 11, offered=2, accepted=1),
        visit(CANAL, dt.date(2025, 11, 19), 20, unresolved=2),
        # a draft: never counted
        make_visit(ASHFORD, dt.date(2026, 3, 5), dt.time(9, 0)),
    ]


def expected(reference, period: Period):  # type: ignore[no-untyped-def]
    """The figures the domain works out for the same reports and period."""
    return scheme_statistics(
        reports(), period, suite_ids=[s.id for s in reference.open_suites()],
        follow_ups=[], as_of=min(period.end, TODAY),
        suite_names={s.id: s.name for s in reference.suites},
        zone_name=reference.time_zone,
    )


@pytest.fixture
def page(qtbot, window, seed, coordinator) -> StatisticsPage:  # type: ignore[no-untyped-def]
    # The window hears of the reports (and forwards the news to its pages) before the
    # page opens: the page's first count is then of every report, with no recount.
    with qtbot.waitSignal(window._events.changed):
        seed(reports())
    window.resize(1366, 740)
    with qtbot.waitSignal(QApplication.instance().focusChanged, timeout=2000,  # type: ignore[union-attr]
                          raising=False):
        press(Qt.Key.Key_5, CTRL)
    shown = window.current_page
    assert isinstance(shown, StatisticsPage)
    qtbot.waitUntil(lambda: shown.is_current)
    return shown


def grab(page: StatisticsPage, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.grab().save(str(SHOTS / f"{name}.png"))


def table_text(page: StatisticsPage, key: str, column: str) -> str:
    """The table's cell for a figure, in a column by its heading ("Ashford Road")."""
    model = page.figures_model
    row = [k for k, _label in FIGURES].index(key)
    headers = [h.replace("\n", " ") for h in model.headers]
    return model.text(row, headers.index(column))


def test_the_page_opens_on_the_current_quarter_with_its_headline_figures(
        page, reference):  # type: ignore[no-untyped-def]
    stats = expected(reference, Period.quarter_of(TODAY))
    assert page.period_label.text() == "Jan–Mar 2026"
    assert "compared with Oct–Dec 2025" in page.period_detail.text()
    assert focused() is page.table  # the keyboard starts in the figures
    current, previous = stats.current.total, stats.previous.total
    assert (current.visits, previous.visits) == (7, 2)
    tile = page.tiles["visits"]
    assert tile.value.text() == "7"
    assert tile.change.text() == "+5 on the previous quarter"
    assert tile.before.text() == "Oct–Dec 2025: 2"
    for key, tile in page.tiles.items():
        assert tile.value.text() == figure_text(key, current.value(key)), key
        assert tile.before.text().endswith(figure_text(key, previous.value(key))), key
    rate = page.tiles["acceptance_rate"]
    assert rate.value.text() == f"{current.acceptance_rate:.1%}"
    assert rate.change.text().endswith("points on the previous quarter")
    assert page.tiles["outstanding_follow_ups"].value.text() == "0"
    grab(page, "01-figures-table")


def test_the_table_holds_every_figure_per_suite_and_in_total(page, reference):  # type: ignore[no-untyped-def]
    stats = expected(reference, Period.quarter_of(TODAY))
    model = page.figures_model
    names = [reference.suite_name(s) for s in stats.current.by_suite]
    headers = [h.replace("\n", " ") for h in model.headers]
    assert headers == ["Figure", *names, "Total", "Total, Oct–Dec 2025", "Change"]
    assert model.rowCount() == len(FIGURES)
    for key, label in FIGURES:
        assert table_text(page, key, "Figure") == label
        for suite_id, name in zip(stats.current.by_suite, names, strict=True):
            assert table_text(page, key, name) == figure_text(
                key, stats.current.suite(suite_id).value(key)), (key, name)
        assert table_text(page, key, "Total") == figure_text(key, stats.current.total.value(key))
    assert table_text(page, "visits", "Ashford Road") == "4"
    assert table_text(page, "remote", "Beckley Park") == "2"
    assert table_text(page, "visits", "Change") == "+5"
    # Nobody offered at Dunmore: a rate of nothing is "—", not 0%.
    assert table_text(page, "acceptance_rate", "Dunmore") == "—"


def test_page_up_and_page_down_move_to_the_previous_and_next_quarter(
        qtbot, page, reference):  # type: ignore[no-untyped-def]
    earlier = expected(reference, Period.quarter_of(dt.date(2025, 11, 1)))
    with qtbot.waitSignal(page.populated):
        press(Qt.Key.Key_PageUp)
    assert page.period_label.text() == "Oct–Dec 2025"
    assert page.tiles["visits"].value.text() == "2"
    assert page.tiles["visits"].change.text() == (
        f"{2 - earlier.previous.total.visits:+} on the previous quarter".replace("-", "−"))
    assert table_text(page, "visits", "Canal Street") == "1"
    assert table_text(page, "visits", "Total") == figure_text(
        "visits", earlier.current.total.visits)
    assert page.next_button.isEnabled()
    with qtbot.waitSignal(page.populated):
        press(Qt.Key.Key_PageDown)
    assert page.period_label.text() == "Jan–Mar 2026"
    assert page.tiles["visits"].value.text() == "7"
    # April has not begun: there is no next quarter to show.
    assert not page.next_button.isEnabled()
    press(Qt.Key.Key_PageDown)
    assert page.period_label.text() == "Jan–Mar 2026"


def test_a_financial_year_is_chosen_from_the_keyboard(qtbot, page, reference):  # type: ignore[no-untyped-def]
    press(Qt.Key.Key_P, ALT)
    assert focused() is page.kind
    with qtbot.waitSignal(page.populated):
        page.kind.setCurrentIndex(page.kind.findText("Financial year (April–March)"))
    stats = expected(reference, Period.year_of(TODAY, 4))
    assert page.period_label.text() == "2025/26"
    assert page.tiles["visits"].value.text() == figure_text("visits", stats.current.total.visits)
    assert page.tiles["visits"].change.text().endswith("on the previous financial year")


def test_custom_dates_back_to_front_are_refused_in_words(qtbot, page):  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(page.populated):
        page.kind.set_value("custom")
    assert page.date_from.isVisible() and page.date_to.isVisible()
    press(Qt.Key.Key_O, ALT)
    assert focused() is page.date_to
    page.date_to.setDate(page.date_to.date().addMonths(-4))  # before the start
    qtbot.waitUntil(lambda: "is after its end" in page.alerts.text())
    assert page.period_label.text() == "1 Jan 2026 to 31 Mar 2026"  # unchanged


def test_the_heat_map_names_the_busiest_hour_and_reads_each_square_by_keyboard(
        qtbot, page, reference):  # type: ignore[no-untyped-def]
    stats = expected(reference, Period.quarter_of(TODAY))
    thursday_2pm = stats.spread.total[3][14]
    assert thursday_2pm == 5
    summary = page.heat_map.summary()
    assert summary.startswith("Most visits: Thursday 14:00–15:00 (5).")
    assert page.heat_map.accessibleDescription().startswith(summary)
    assert page.heat_caption.text().startswith(summary)
    press(Qt.Key.Key_C, ALT)  # the Charts tab
    assert page.tabs.currentIndex() == 1
    press(Qt.Key.Key_B, ALT)  # "When visits began"
    assert focused() is page.heat_map
    press(Qt.Key.Key_Right)
    assert page.heat_caption.text() == "Thursday 15:00–16:00: 0 visits"
    press(Qt.Key.Key_Left)
    assert page.heat_caption.text() == "Thursday 14:00–15:00: 5 visits"
    assert page.visits_chart.summary().startswith(
        "Ashford Road: 4 (4 in person, 0 remote); Beckley Park: 3 (1 in person, 2 remote)")
    assert "All suites: " + f"{stats.current.total.acceptance_rate * 100:.1f}%" in (
        page.acceptance_chart.accessibleDescription())
    grab(page, "02-charts")


def test_coverage_marks_overdue_suites_and_follows_the_target(qtbot, page):  # type: ignore[no-untyped-def]
    def status(name: str) -> str:
        model = page.coverage_model
        row = next(r for r in range(model.rowCount()) if model.rows[r][0] == name)
        return " | ".join(str(model.index(row, c).data()) for c in range(model.columnCount()))

    assert status("Ashford Road") == "Ashford Road | 12 Mar 2026 | 8 | 14 | Within target"
    assert status("Beckley Park") == "Beckley Park | 26 Feb 2026 | 22 | 14 | Overdue"
    assert status("Dunmore") == "Dunmore | None since 1 Oct 2025 | — | 14 | Overdue"
    assert "Beckley Park" in page.alerts.text() and "Overdue" in page.alerts.text()
    press(Qt.Key.Key_G, ALT)
    assert focused() is page.target
    type_text("30")
    assert status("Beckley Park") == "Beckley Park | 26 Feb 2026 | 22 | 30 | Within target"
    assert status("Dunmore").endswith("| 30 | Overdue")
    assert "Beckley Park" not in page.alerts.text()
    assert page.stats_now().coverage[0].target_days == 30  # what the exports write
    grab(page, "03-coverage-target-30")


def test_ctrl_c_copies_the_whole_table_as_tab_separated_text(qtbot, page):  # type: ignore[no-untyped-def]
    QApplication.clipboard().clear()
    page.table.setFocus()
    press(Qt.Key.Key_C, CTRL)
    qtbot.waitUntil(lambda: QApplication.clipboard().text() != "")
    lines = QApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[:3] == ["Figure", "Ashford Road", "Beckley Park"]
    assert len(lines) == 1 + len(FIGURES)
    visits = lines[1].split("\t")
    assert visits[0] == "Visits" and visits[1:3] == ["4", "3"]
    assert visits[-3:] == ["7", "2", "+5"]
    assert lines[0].split("\t")[-3:] == ["Total", "Total, Oct–Dec 2025", "Change"]


def test_exports_write_the_figures_the_visits_and_the_pdf(
        qtbot, page, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    answers: list[tuple[str, str]] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: answers.pop(0))

    answers.append((str(tmp_path / "figures"), "CSV file (*.csv)"))
    with qtbot.waitSignal(page.exported) as sent:
        press(Qt.Key.Key_I, ALT)
    assert sent.args == [str(tmp_path / "figures.csv")]
    with open(tmp_path / "figures.csv", encoding="utf-8-sig", newline="") as fh:
        rows = {row["Suite"]: row for row in csv.DictReader(fh)}
    assert rows["Total"]["Visits"] == "7" and rows["Ashford Road"]["Visits"] == "4"

    answers.append((str(tmp_path / "visits.xlsx"), "Excel workbook (*.xlsx)"))
    with qtbot.waitSignal(page.exported):
        press(Qt.Key.Key_S, ALT)
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "visits.xlsx").active
    assert sheet.max_row == 1 + 7  # a heading and the quarter's submitted visits

    answers.append((str(tmp_path / "statistics"), "PDF documents (*.pdf)"))
    with qtbot.waitSignal(page.exported):
        press(Qt.Key.Key_D, ALT)
    assert (tmp_path / "statistics.pdf").read_bytes().startswith(b"%PDF")


def test_an_export_to_an_unknown_format_says_what_to_do_and_writes_nothing(
        qtbot, page, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(tmp_path / "figures.txt"), ""))
    press(Qt.Key.Key_I, ALT)  # a mnemonic clicks its button a moment later
    qtbot.waitUntil(lambda: isinstance(page.dialog, QMessageBox) and page.dialog.isVisible())
    box = page.dialog
    assert "Name the file .csv or .xlsx" in box.informativeText()
    assert not list(tmp_path.glob("figures*"))
    box.reject()


def test_an_export_that_cannot_be_written_says_so(qtbot, page, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    target = tmp_path / "missing-folder" / "figures.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(target), "CSV file (*.csv)"))
    press(Qt.Key.Key_I, ALT)
    qtbot.waitUntil(lambda: isinstance(page.dialog, QMessageBox) and page.dialog.isVisible())
    assert page.dialog.text() == "The figures were not exported"
    assert str(target) in page.dialog.informativeText()
    page.dialog.reject()


def test_new_visits_and_follow_ups_are_counted_as_they_arrive(
        qtbot, page, seed, coordinator):  # type: ignore[no-untyped-def]
    late = visit(CANAL, dt.date(2026, 3, 19), 9)
    with qtbot.waitSignal(page.populated, timeout=5000):
        seed([late])
    assert page.tiles["visits"].value.text() == "8"
    assert table_text(page, "visits", "Canal Street") == "1"
    item = FollowUp(late.id, late.issues[0].id, CANAL, raised_on=dt.date(2026, 3, 19))
    with qtbot.waitSignal(page.populated, timeout=5000):
        coordinator.coordination.save_follow_up(item)
    assert page.tiles["outstanding_follow_ups"].value.text() == "1"
    assert page.tiles["outstanding_follow_ups"].change.text() == "+1 on the previous quarter"


def test_an_empty_period_says_so_instead_of_drawing_nothing(qtbot, page):  # type: ignore[no-untyped-def]
    for _ in range(3):
        with qtbot.waitSignal(page.populated):
            press(Qt.Key.Key_PageUp)
    assert page.period_label.text() == "Apr–Jun 2025"
    assert page.tiles["visits"].value.text() == "0"
    assert page.tiles["acceptance_rate"].value.text() == "—"
    assert page.visits_chart.summary() == "No submitted visits in this period."
    assert page.heat_map.summary() == "No visits in this period."
    page.tabs.setCurrentIndex(1)
    grab(page, "04-empty-period-charts")


def test_an_export_asked_for_while_counting_waits_for_the_new_periods_figures(
        qtbot, page, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(tmp_path / "figures.csv"), ""))
    press(Qt.Key.Key_PageUp)  # October to December 2025, counted on a worker thread
    assert page.period_label.text() == "Oct–Dec 2025"
    assert page.is_busy and page.busy.isVisible()
    with qtbot.waitSignal(page.exported):
        page.export_figures()  # at once, before the count is back
    with open(tmp_path / "figures.csv", encoding="utf-8-sig", newline="") as fh:
        rows = {row["Suite"]: row for row in csv.DictReader(fh)}
    assert rows["Total"]["Visits"] == "2" and rows["Total"]["From"] == "2025-10-01"
    assert not page.busy.isVisible()


def test_custom_dates_count_the_days_chosen(qtbot, page, reference):  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(page.populated):
        page.kind.set_value("custom")
    press(Qt.Key.Key_M, ALT)
    assert focused() is page.date_from
    with qtbot.waitSignal(page.populated):
        page.date_from.setDate(page.date_from.date().addMonths(1))  # from 1 February
    stats = expected(reference, Period.between(dt.date(2026, 2, 1), dt.date(2026, 3, 31)))
    assert page.period_label.text() == "1 Feb 2026 to 31 Mar 2026"
    assert page.period_detail.text() == "59 days, compared with the 59 days before"
    assert page.tiles["visits"].value.text() == str(stats.current.total.visits)
    assert page.tiles["visits"].change.text().endswith("on the previous 59 days")
    assert page.tiles["visits"].before.text() == (
        f"Previously: {stats.previous.total.visits}")
    assert page.figures_model.headers[-2] == "Total, the\n59 days before"
    grab(page, "05-custom-dates")


@OPENS_MENUS
@pytest.mark.parametrize("tab", [0, 1], ids=["figures", "charts"])
@pytest.mark.parametrize("kind", ["quarter", "custom"])
def test_the_mnemonics_differ_from_the_menus_and_each_other_and_work(
        qtbot, window, page, monkeypatch, tab, kind):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))  # Cancel
    page.kind.set_value(kind)
    qtbot.waitUntil(lambda: page.is_current)
    page.tabs.setCurrentIndex(tab)
    page.table.setFocus()

    def restore() -> None:
        page.tabs.setCurrentIndex(tab)
        # Offscreen, a menu closed with Escape can take the activation back a moment
        # later: the next Alt+letter must reach the window.
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
        if QApplication.focusWidget() is None:
            page.table.setFocus()

    check_mnemonics(qtbot, window, restore)


@pytest.mark.parametrize("tab", [0, 1], ids=["figures", "charts"])
def test_tab_goes_round_the_page_without_getting_stuck(page, tab):  # type: ignore[no-untyped-def]
    page.tabs.setCurrentIndex(tab)
    page.kind.setFocus()
    seen = [focused()]
    for _ in range(40):
        press(Qt.Key.Key_Tab)
        assert focused() is not seen[-1], f"Tab stayed on {focused()}"
        seen.append(focused())
    wanted = [page.kind, page.previous_button, page.export_figures_button,
              page.export_visits_button, page.pdf_button, page.tabs.tabBar()]
    wanted += ([page.copy_button, page.table, page.target, page.coverage] if tab == 0 else
               [page.visits_chart, page.acceptance_chart, page.heat_map, page.warnings])
    for widget in wanted:
        assert widget in seen, f"Tab never reached {widget.accessibleName() or widget}"
    assert seen.count(page.kind) >= 2  # it came round again


def test_counting_reports_for_the_first_time_shows_how_far_it_has_got(
        qtbot, window, seed, coordinator, monkeypatch):  # type: ignore[no-untyped-def]
    """The first count of a period reads every report (later ones use the figures kept
    then): the page says how many of how many it has counted, then shows the figures."""
    from icv_app.store.custody import visit_figures

    monkeypatch.setattr(visit_figures, "CHUNK", 3)  # 9 reports: several steps
    with qtbot.waitSignal(window._events.changed):
        seed(reports())
    window.resize(1366, 740)
    seen: list[tuple[int, int, str, int]] = []
    counting = StatisticsPage._counting

    def record(self: StatisticsPage, done: int, total: int) -> None:
        counting(self, done, total)  # the page draws the step, then it is recorded
        seen.append((done, total, self.busy_label.text(), self.busy.value()))

    # In place before the page is made (and connects its slot), so no step is missed.
    monkeypatch.setattr(StatisticsPage, "_counting", record)
    press(Qt.Key.Key_5, CTRL)
    page = window.current_page
    assert isinstance(page, StatisticsPage)
    qtbot.waitUntil(lambda: page.is_current)
    assert [(d, t) for d, t, _text, _value in seen] == [(0, 9), (3, 9), (6, 9), (9, 9)]
    assert seen[1][2] == "Counting reports not counted before: 3 of 9\u2026"
    assert seen[1][3] == 3
    assert not page.busy.isVisible()
    assert page.busy_label.text() == "Working out the figures\u2026"
    assert page.tiles["visits"].value.text() == "7"

    seen.clear()
    page.refresh()  # the same period again: from the figures kept, nothing to count
    qtbot.waitUntil(lambda: page.is_current)
    assert seen == []
