"""The scheme's statistics for a year of 50,000 visits (a large force's whole record),
against the plainest loop over the same reports in the same run.

What is timed is ``scheme_statistics`` for the year: every figure per suite and in total,
the previous year's for comparison, coverage, the weekday × hour spread and the
predictability warnings, in one pass over reports already in memory (reading them from
the store is not part of it). The baseline is a loop that only sums
``counts.in_custody`` over the same list: the cost of touching each report at all.

The reports are the demo's (about 1 in 10 a draft, which must be skipped), generated
once, with their dates moved into the one year so that all 50,000 are in it.

    python benchmarks/bench_statistics.py [--visits 50000] [--repeat 20] [--from-store]

With ``--from-store`` it also times what the Statistics page waits for: the same year
read from an encrypted profile and counted. The first run reads, types and corrects every
report and keeps its figures (once per report: any change to a report drops its kept
figures); later runs count from the kept figures. The baseline is reading the same
reports' bodies without doing anything with them.

Target: a year of 50,000 visits computes within 1 s (p95).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

from _common import summary, verdict


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--from-store", action="store_true",
                        help="also time the whole read from an encrypted profile")
    args = parser.parse_args()

    from icv_app.domain.custody.demo import generate_visits
    from icv_app.domain.custody.reference import load_shipped
    from icv_app.domain.custody.statistics import Period, scheme_statistics

    reference = load_shipped()
    year = Period.year_of(dt.date(2025, 6, 1))
    today = dt.date(2026, 1, 1)
    visits = list(generate_visits(reference, args.visits, seed=11, today=today))
    for report in visits:
        # The demo spreads visits over 540 days; fold them into the year, weekday mix kept
        # (364 days is whole weeks).
        assert report.header.visit_date is not None
        offset = (today - report.header.visit_date).days % 364
        report.header.visit_date = year.end - dt.timedelta(days=offset)
    suite_ids = [s.id for s in reference.open_suites()]
    names = {s.id: s.name for s in reference.suites}

    def statistics() -> int:
        stats = scheme_statistics(visits, year, suite_ids=suite_ids, suite_names=names,
                                  zone_name=reference.time_zone)
        return stats.current.total.in_custody

    def baseline() -> int:
        return sum(report.counts.in_custody for report in visits)

    def timed(run: object) -> tuple[list[float], int]:
        assert callable(run)
        samples, result = [], 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = run()
            samples.append(time.perf_counter() - start)
        return samples, result

    submitted = sum(r.is_submitted for r in visits)
    print(f"scheme statistics for {year.label} ({args.visits} visits, {submitted} submitted,"
          f" {args.repeat} rounds)")
    stats_samples, in_custody = timed(statistics)
    base_samples, all_in_custody = timed(baseline)
    assert 0 < in_custody <= all_in_custody
    a, b = summary("statistics", stats_samples), summary("baseline", base_samples)
    print(f"  scheme_statistics  median {a['median_ms']:.1f} ms  p95 {a['p95_ms']:.1f} ms")
    print(f"  sum of in_custody  median {b['median_ms']:.1f} ms  p95 {b['p95_ms']:.1f} ms"
          "  (baseline)")
    print(f"  ratio median {a['median_ms'] / b['median_ms']:.1f}x")
    print(f"  target p95 <= 1000 ms: {verdict(a['p95_ms'] <= 1000.0)}")
    if args.from_store:
        from_store(visits, year, reference, args.repeat)
    return 0


def from_store(visits: list, year: object, reference: object, repeat: int) -> None:
    """What the Statistics page waits for: the same year read from an encrypted profile
    (every submitted report of the year and the year before, amendments applied) and
    counted, against reading the same rows' bodies only."""
    from _common import temp_dir, use_memory_keyring

    from icv_app.paths import Paths
    from icv_app.services.custody.statistics import StatisticsService
    from icv_app.store.custody.visits import insert_many
    from icv_app.store.local_store import LocalStore

    use_memory_keyring()
    store = LocalStore.open(Paths(temp_dir("statistics")))
    for i in range(0, len(visits), 1000):
        batch = visits[i:i + 1000]
        store.writer.submit(lambda db, b=batch: insert_many(db, b)).result()
    service = StatisticsService(store)
    db = store.new_reader()

    def whole() -> None:
        service.period_statistics(year, reference, today=dt.date(2026, 1, 1))

    def bodies() -> None:
        db.execute("SELECT body FROM visits WHERE status = 'submitted'").fetchall()

    def timed(run: object) -> list[float]:
        assert callable(run)
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            run()
            samples.append(time.perf_counter() - start)
        return samples

    start = time.perf_counter()
    whole()  # counts every report once and keeps its figures
    first = time.perf_counter() - start
    a, b = summary("whole", timed(whole)), summary("bodies", timed(bodies))
    print(f"from the encrypted store ({repeat} rounds):")
    print(f"  first run (every report read, corrected, counted, figures kept): "
          f"{first * 1000:.0f} ms")
    print(f"  later runs (kept figures)  median {a['median_ms']:.0f} ms  "
          f"p95 {a['p95_ms']:.0f} ms")
    print(f"  read the bodies only       median {b['median_ms']:.0f} ms  (baseline)")
    print(f"  ratio median {a['median_ms'] / b['median_ms']:.2f}x")
    print(f"  target p95 <= 1000 ms: {verdict(a['p95_ms'] <= 1000.0)}")
    db.close()
    store.close()


if __name__ == "__main__":
    raise SystemExit(main())
