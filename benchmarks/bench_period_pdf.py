"""The period statistics PDF for a quarter of 1,000 visits: median and p95 render time,
against a plain reportlab document holding the same tables, built in the same run.

What is timed is ``render_period_pdf`` from the statistics (computed once beforehand:
``bench_statistics.py`` times that) to the PDF bytes in memory: the title, the headline
box, a table per group of figures, the four charts (visits per suite, acceptance rate,
issues by category, the weekday × hour heat map), the warnings and the coverage table.
The baseline is reportlab's SimpleDocTemplate with one plain Table per group holding the
same numbers (a column per suite and the total), no charts and no page furniture; the
ratio shows what the charts, the layout and the numbered pages cost on top.

The visits are the demo's (about 1 in 10 a draft, which is not counted), 1,000 moved
into April–June 2026 and 1,000 into the quarter before, which the figures are compared
with.

    python benchmarks/bench_period_pdf.py [--visits 1000] [--runs 20] [--warmup 3]

Target: median at most 2 s. Prints PASS or FAIL and exits 0 either way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import time
from collections.abc import Callable

from _common import summary, verdict

TARGET_MEDIAN_MS = 2000.0


def quarter_statistics(count: int):  # type: ignore[no-untyped-def]
    from icv_app.domain.custody.demo import generate_visits
    from icv_app.domain.custody.reference import load_shipped
    from icv_app.domain.custody.statistics import Period, scheme_statistics

    reference = load_shipped()
    quarter = Period.quarter_of(dt.date(2026, 5, 1))
    visits = []
    for period, seed in ((quarter, 31), (quarter.previous(), 32)):
        # The demo spreads visits over 540 days; fold them into the period's last 12
        # weeks, each keeping its weekday.
        for report in generate_visits(reference, count, seed=seed, today=period.end):
            assert report.header.visit_date is not None
            offset = (period.end - report.header.visit_date).days % 84
            report.header.visit_date = period.end - dt.timedelta(days=offset)
            visits.append(report)
    stats = scheme_statistics(
        visits, quarter, suite_ids=[s.id for s in reference.open_suites()],
        suite_names={s.id: s.name for s in reference.suites}, zone_name=reference.time_zone)
    return stats, reference


def plain_tables_pdf(stats, reference) -> bytes:  # type: ignore[no-untyped-def]
    """The same numbers in plain tables: one per group, a column per suite and the total."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    from icv_app.reports.custody.period_pdf import GROUPS, figure_text

    sheet = getSampleStyleSheet()
    columns = [*((reference.suite_name(s), f) for s, f in stats.current.by_suite.items()),
               ("Total", stats.current.total)]
    story = [Paragraph(f"Scheme statistics: {stats.current.period.label}", sheet["Title"])]
    for title, keys in GROUPS:
        data = [["", *(name for name, _ in columns)]]
        data += [[key, *(figure_text(key, f.value(key)) for _, f in columns)]
                 for key in keys]
        story += [Paragraph(title, sheet["Heading2"]), Table(data), Spacer(1, 6)]
    coverage = [["Suite", "Last visited", "Days since", "Overdue"]]
    coverage += [[reference.suite_name(c.suite_id), str(c.last_visited), str(c.days_since),
                  "yes" if c.overdue else "no"] for c in stats.coverage]
    story += [Paragraph("Coverage", sheet["Heading2"]), Table(coverage)]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return buffer.getvalue()


def measure(fn: Callable[[], bytes], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    samples: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()

    from icv_app.reports.custody.period_pdf import render_period_pdf

    stats, reference = quarter_statistics(args.visits)
    generated = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    data = render_period_pdf(stats, reference, generated=generated)

    baseline = summary("plain tables",
                       measure(lambda: plain_tables_pdf(stats, reference), args.runs,
                               args.warmup))
    period = summary(
        "period pdf",
        measure(lambda: render_period_pdf(stats, reference, generated=generated), args.runs,
                args.warmup),
    )
    ratio = period["median_ms"] / baseline["median_ms"]
    print(f"period PDF for {stats.current.period.label}: {stats.current.total.visits} "
          f"submitted visits of {args.visits} ({len(data) / 1024:.0f} KiB, "
          f"{data.count(b'/Type /Page') - data.count(b'/Type /Pages')} pages), "
          f"{args.runs} runs after {args.warmup} warm-up:")
    print(f"  median {period['median_ms']:.1f} ms, p95 {period['p95_ms']:.1f} ms")
    print(f"baseline (the same tables, plain, no charts): median "
          f"{baseline['median_ms']:.1f} ms, p95 {baseline['p95_ms']:.1f} ms")
    print(f"ratio (median / baseline median): {ratio:.1f}x")
    ok = period["median_ms"] <= TARGET_MEDIAN_MS
    print(f"{verdict(ok)}: median {period['median_ms']:.1f} ms against a target of at most "
          f"{TARGET_MEDIAN_MS:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
