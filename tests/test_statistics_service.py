"""The statistics service: the period after a period, and the figures read from the store
on a connection of its own (amendments applied, drafts and undated follow-ups left out,
coverage measured to today while the period runs)."""

from __future__ import annotations

import datetime as dt
import threading

from icv_app.domain.custody.coordination import FollowUp
from icv_app.domain.custody.statistics import Period
from icv_app.domain.custody.visit import Amendment, VisitStatus
from icv_app.services.custody.coordination import CoordinationService
from icv_app.services.custody.statistics import StatisticsService, next_period
from icv_app.store.custody.visits import add_amendment, insert_many
from tests.gui.conftest import make_visit


def test_the_next_period_has_the_same_shape():
    assert next_period(Period.quarter_of(dt.date(2025, 11, 3))) == Period.quarter_of(
        dt.date(2026, 1, 1))
    assert next_period(Period.year_of(dt.date(2025, 6, 1))) == Period.year_of(
        dt.date(2026, 6, 1))
    financial = next_period(Period.year_of(dt.date(2025, 6, 1), 4))
    assert (financial.start, financial.end, financial.label) == (
        dt.date(2026, 4, 1), dt.date(2027, 3, 31), "2026/27")
    week = next_period(Period.between(dt.date(2026, 3, 1), dt.date(2026, 3, 7)))
    assert (week.start, week.end, week.kind) == (dt.date(2026, 3, 8), dt.date(2026, 3, 14),
                                                 "custom")
    for period in (Period.quarter_of(dt.date(2026, 2, 1)), week, financial):
        assert next_period(period).previous() == period


def test_figures_are_read_as_corrected_on_a_worker_thread(store, reference):
    march = make_visit("suite-ashford-road", dt.date(2026, 3, 2), status=VisitStatus.SUBMITTED)
    december = make_visit("suite-dunmore", dt.date(2025, 12, 9), status=VisitStatus.SUBMITTED)
    draft = make_visit("suite-ashford-road", dt.date(2026, 3, 4))
    store.writer.submit(lambda db: insert_many(db, [march, december, draft])).result()
    # A correction: the March visit began at 09:30, not 14:00.
    fix = Amendment(visit_id=march.id, reason="Typed the wrong time", text="Arrival 09:30.",
                    field_path="header.arrival_time", new_value="09:30")
    store.writer.submit(lambda db: add_amendment(db, fix)).result()
    coordination = CoordinationService(store)
    coordination.save_follow_up(FollowUp(march.id, "issue-1", "suite-ashford-road",
                                         raised_on=dt.date(2026, 3, 2))).result()
    coordination.save_follow_up(FollowUp(march.id, "issue-2", "suite-ashford-road")).result()

    results = []
    worker = threading.Thread(target=lambda: results.append(
        StatisticsService(store).period_statistics(
            Period.quarter_of(dt.date(2026, 3, 20)), reference, today=dt.date(2026, 3, 20))))
    worker.start()
    worker.join()
    result = results[0]
    stats = result.stats
    assert result.as_of == dt.date(2026, 3, 20)  # the quarter is not over: today
    assert stats.current.total.visits == 1 and stats.previous.total.visits == 1
    assert stats.spread.total[0][9] == 1  # Monday 2 March, 09:00 as corrected
    assert stats.current.total.outstanding_follow_ups == 1  # the undated one is left out
    assert [c.suite_id for c in stats.coverage] == [s.id for s in reference.open_suites()]
    ended = StatisticsService(store).period_statistics(
        Period.quarter_of(dt.date(2025, 12, 1)), reference, today=dt.date(2026, 3, 20))
    assert ended.as_of == dt.date(2025, 12, 31)
    assert [r.id for r in StatisticsService(store).submitted_visits(
        Period.quarter_of(dt.date(2026, 3, 1)))] == [march.id]



def kept_ids(store) -> set[str]:  # type: ignore[no-untyped-def]
    return {r[0] for r in store.reader.execute("SELECT visit_id FROM visit_figures")}


def test_kept_figures_count_as_the_reports_do_and_follow_every_change(store, reference):
    """The figures kept between runs give the same statistics as every report read and
    corrected afresh; an amendment or a report's removal drops that report's kept
    figures (as does any change to its row: migration 0008's triggers), and the next run
    counts it as it is now."""
    from icv_app.domain.custody.demo import generate_visits
    from icv_app.services.custody.statistics import period_statistics

    today = dt.date(2026, 6, 30)
    reports = list(generate_visits(reference, 400, seed=7, today=today))
    store.writer.submit(lambda db: insert_many(db, reports)).result()
    submitted = [r for r in reports if r.is_submitted and r.header.visit_date is not None]
    year = Period.year_of(dt.date(2026, 1, 1))
    service = StatisticsService(store)

    def afresh():  # type: ignore[no-untyped-def]
        # Every report of both years read, typed and corrected: the reference answer.
        every = service.submitted_visits(Period.between(year.previous().start, year.end))
        return period_statistics(every, [], year, reference, today=today).stats

    def counted():  # type: ignore[no-untyped-def]
        return service.period_statistics(year, reference, today=today).stats

    assert kept_ids(store) == set()
    first = counted()
    assert first == afresh()
    assert first.current.total.visits + first.previous.total.visits > 100
    in_range = {r.id for r in submitted if year.previous().start <= r.header.visit_date}
    assert kept_ids(store) == in_range
    assert counted() == first  # from the kept figures alone

    # An amendment: 40 more in custody on one visit of this year.
    target = next(r for r in submitted if r.header.visit_date >= year.start)
    fix = Amendment(visit_id=target.id, reason="Miscounted", text="More in custody.",
                    field_path="counts.in_custody",
                    new_value=str(target.counts.in_custody + 40))
    store.writer.submit(lambda db: add_amendment(db, fix)).result()
    assert target.id not in kept_ids(store)
    after = counted()
    assert after.current.total.in_custody == first.current.total.in_custody + 40
    assert after == afresh()

    # A report removed from the laptop (as the retention purge removes one) no longer
    # counts.
    removed = next(r for r in submitted
                   if r.header.visit_date >= year.start and r.id != target.id)
    store.writer.submit(lambda db: db.execute(
        "DELETE FROM visits WHERE id = ?", [removed.id])).result()
    assert removed.id not in kept_ids(store)
    assert counted() == afresh()
    assert counted().current.total.visits == after.current.total.visits - 1

    # A kept row that cannot be read back is counted afresh, not trusted.
    store.writer.submit(lambda db: db.execute(
        "UPDATE visit_figures SET figures = '[1, 2]' WHERE visit_id = ?", [target.id])
    ).result()
    assert counted() == afresh()
