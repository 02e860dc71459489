"""One visit report as PDF: median and p95 render time, against a minimal reportlab PDF.

What is timed is ``render_visit_pdf`` for a typical submitted report (4 detainees met,
3 issues, every condition checked, 1 amendment), from the report objects to the PDF bytes
in memory. The baseline, measured in the same run on the same machine, is reportlab
building a one-page document of one paragraph; the ratio shows how much of the time is
the report itself rather than reportlab's fixed cost.

    python benchmarks/bench_visit_pdf.py [--runs 30] [--warmup 5]

Target: median at most 150 ms. Prints PASS or FAIL and exits 0 either way.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import time
from collections.abc import Callable

from _common import summary, verdict

TARGET_MEDIAN_MS = 150.0


def typical_report():  # type: ignore[no-untyped-def]
    from icv_app.domain.custody.visit import (
        Amendment,
        ConditionCheck,
        ConditionItem,
        ConditionState,
        Counts,
        Detainee,
        Entitlement,
        EntitlementAnswer,
        Gender,
        Header,
        IssueCategory,
        IssueRaised,
        NotOfferedReason,
        VisitorOnVisit,
        VisitorRole,
        VisitReport,
        VisitStatus,
        WelfareCheck,
    )

    detainees = [
        Detainee(
            custody_number=f"01NS/{421 + i:04d}/26",
            gender=Gender.FEMALE if i % 2 else Gender.MALE,
            juvenile=i == 3,
            mental_health=i == 1,
            needs_appropriate_adult=i == 3,
            interpreter_needed=i == 2,
            consent_to_talk=True,
            consent_record_check=i % 2 == 0,
            entitlements={
                e: EntitlementAnswer(told=True, wanted=i % 2 == 0, received=i % 2 == 0)
                for e in Entitlement
            },
            checks={c: (n + i) % 5 != 0 for n, c in enumerate(WelfareCheck) if n % 3 != 2},
            raised=(
                "Says the solicitor has not called back after four hours and would like "
                "a blanket; also asked when the nurse will next be round."
            ),
            action_taken=(
                "Raised with the custody sergeant, who rang the duty solicitor scheme "
                "and brought a blanket while we were there."
            ),
            record_checked=i % 2 == 0,
            record_matches=True if i % 2 == 0 else None,
            record_note="Call to the solicitor logged at 13:10." if i % 2 == 0 else "",
        )
        for i in range(4)
    ]
    conditions = {item: ConditionCheck(ConditionState.SATISFACTORY) for item in ConditionItem}
    conditions[ConditionItem.HEATING] = ConditionCheck(
        ConditionState.NOT_SATISFACTORY, "Cells 4-7 cold; heating engineer booked for Friday."
    )
    conditions[ConditionItem.STOCK_SANITARY] = ConditionCheck(
        ConditionState.NOT_SATISFACTORY, "No sanitary products in the female wing store."
    )
    conditions[ConditionItem.KITCHEN] = ConditionCheck(
        ConditionState.SATISFACTORY, "Clean; microwave replaced since last visit."
    )
    issues = [
        IssueRaised(
            category=category,
            text=text,
            raised_with="PS 2231",
            response=response,
            resolved=resolved,
            detainee_id=detainees[n].id if n < 2 else None,
        )
        for n, (category, text, response, resolved) in enumerate(
            [
                (IssueCategory.WELFARE, "Detainee waiting four hours for legal advice.",
                 "Sergeant chased the duty solicitor scheme; call expected within the hour.",
                 True),
                (IssueCategory.CONDITIONS, "No blankets left in the store for cells 4-7.",
                 "Blankets ordered from the central store today.", False),
                (IssueCategory.POSITIVE, "Detainees spoke well of the night staff.",
                 "Thanks passed to the inspector.", True),
            ]
        )
    ]
    report = VisitReport(
        header=Header(
            suite_id="suite-canal-street",
            panel="City panel",
            visit_date=dt.date(2026, 3, 10),
            arrival_time=dt.time(14, 5),
            admitted_time=dt.time(14, 12),
            departure_time=dt.time(15, 47),
            visitors=[VisitorOnVisit("v-003"), VisitorOnVisit("v-004", VisitorRole.TRAINEE)],
            officer_in_charge="PS 2231",
        ),
        counts=Counts(
            in_custody=9, juveniles=1, male=6, female=3, offered=7, accepted=4, declined=2,
            observed=1, not_offered=2,
            not_offered_reasons={NotOfferedReason.ASLEEP: 1, NotOfferedReason.IN_INTERVIEW: 1},
            contact_cell=3, contact_hatch=1,
        ),
        detainees=detainees,
        conditions=conditions,
        issues=issues,
        status=VisitStatus.SUBMITTED,
        confirmed_by=["v-003", "v-004"],
        submitted_at=dt.datetime(2026, 3, 10, 16, 2, tzinfo=dt.UTC),
    )
    amendment = Amendment(
        visit_id=report.id,
        reason="Departure time typed wrongly",
        text="We left at 15:47, not 15:17.",
        author_id="v-003",
    )
    return report, [amendment]


def minimal_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4)
    doc.build([Paragraph("Custody visit report", getSampleStyleSheet()["Normal"])])
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
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()

    from icv_app.domain.custody.reference import load_shipped
    from icv_app.reports.custody.visit_pdf import render_visit_pdf

    reference = load_shipped()
    report, amendments = typical_report()
    size = len(render_visit_pdf(report, amendments, reference))

    baseline = summary("baseline", measure(minimal_pdf, args.runs, args.warmup))
    visit = summary(
        "visit pdf",
        measure(
            lambda: render_visit_pdf(report, amendments, reference), args.runs, args.warmup
        ),
    )
    ratio = visit["median_ms"] / baseline["median_ms"]
    print(f"visit PDF ({size / 1024:.0f} KiB), {args.runs} runs after {args.warmup} warm-up:")
    print(f"  median {visit['median_ms']:.1f} ms, p95 {visit['p95_ms']:.1f} ms")
    print(
        f"baseline (one page, one paragraph): median {baseline['median_ms']:.2f} ms, "
        f"p95 {baseline['p95_ms']:.2f} ms"
    )
    print(f"ratio (median / baseline median): {ratio:.1f}x")
    ok = visit["median_ms"] <= TARGET_MEDIAN_MS
    print(
        f"{verdict(ok)}: median {visit['median_ms']:.1f} ms against a target of at most "
        f"{TARGET_MEDIAN_MS:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
