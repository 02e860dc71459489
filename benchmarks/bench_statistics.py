"""The scheme's statistics for a year of 50,000 visits (a large force's whole record),
against the plainest loop over the same reports in the same run.

What is timed is ``scheme_statistics`` for the year: every figure per suite and in total,
the previous year's for comparison, coverage, the weekday × hour spread and the
predictability warnings, in one pass over reports already in memory (reading them from
the store is not part of it). The baseline is a loop that only sums
``counts.in_custody`` over the same list: the cost of touching each report at all.

The reports are the demo's (about 1 in 10 a draft, which must be skipped), generated
once, with their dates moved into the one year so that all 50,000 are in it.

    python benchmarks/bench_statistics.py [--visits 50000] [--repeat 20]

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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
