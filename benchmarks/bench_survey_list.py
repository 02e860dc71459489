"""Opening an interviewer's list on a laptop that holds many stored interviews: their call
queue (``CatiService.queue``) and their recent interviews
(``CatiService.recent_interviews``), as the calls page shows them, on an encrypted
profile.

The profile holds a sample of 5,000 cases (a fifth closed) and 20,000 call attempts, all
the measured interviewer's (the worst case: a laptop holds one interviewer's cases), and
100,000 stored survey_interviews (a fifth of them theirs). The baseline is the same
sample and calls with 1,000 interviews, in the same run; the ratio shows what the stored
interviews cost the list. For information, the 100,000 again without the index the list
reads (``survey_interviews_by_interviewer``).

The fixture is written through the store's writer, one transaction per table.

    python benchmarks/bench_survey_list.py [--interviews 100000] [--cases 5000]
                                           [--attempts 20000] [--repeat 30]

Target: with 100,000 stored interviews, the list opens (queue + recent interviews) in at
most 300 ms at the 95th percentile.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
import uuid
from typing import Any

from _common import summary, temp_dir, use_memory_keyring, verdict

ME = "5b0c4f1e-7a52-4d8e-9c36-1f0e2a7d4b91"
FORM = "perception"
T0 = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)
AREAS = ("Herefordshire", "Shropshire", "Telford and Wrekin", "North Worcestershire",
         "South Worcestershire")
OUTCOMES = ("no_answer", "no_answer", "busy", "answering_machine", "partial",
            "appointment", "completed", "refused")
RECORD = "id, body, rev, base_rev, deleted, owner_id, attention, updated_at"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _insert(store: Any, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    marks = ", ".join("?" * (8 + len(columns.split(","))))

    def job(db: Any) -> None:
        db.conn.executemany(f"INSERT INTO {table} ({RECORD}, {columns}) VALUES ({marks})",
                            rows)

    store.writer.submit(job).result()


def build(path: Any, interviews: int, cases: int, attempts: int) -> Any:
    """A profile holding the sample, the calls and ``interviews`` interviews."""
    from icv_app.paths import Paths
    from icv_app.store.local_store import LocalStore

    rng = random.Random(11)
    store = LocalStore.open(Paths(path))
    now = T0.isoformat()

    def record(rid: str, body: dict[str, Any], *columns: Any) -> tuple[Any, ...]:
        """A row as the server's copy (rev 1, acknowledged), with the list columns."""
        return (rid, json.dumps(body, separators=(",", ":")), 1, 1, 0, None, None, now,
                *columns)

    case_rows, case_ids = [], []
    for n in range(cases):
        rid = _uuid(rng)
        closed = n % 5 == 4
        body = {"form_id": FORM, "case_ref": f"C-{n:05d}", "area": AREAS[n % 5],
                "phone": "" if closed else f"07700 900{n % 1000:03d}",
                "strata": {"age_band": "35-54", "gender": "female"},
                "interviewer_id": ME, "status": "closed" if closed else "open",
                "closed_at": now if closed else None, "appointment_at": None,
                "attempts": 0, "position": n + 1, "id": rid}
        case_rows.append(record(rid, body, FORM, body["case_ref"], body["area"],
                                body["status"], ME, None, body["closed_at"], 0, n + 1))
        case_ids.append(rid)
    _insert(store, "sample_cases", "form_id, case_ref, area, status, interviewer_id, "
            "appointment_at, closed_at, attempts, position", case_rows)

    attempt_rows = []
    for n in range(attempts):
        rid, case = _uuid(rng), case_ids[n % cases]
        at = T0 - dt.timedelta(minutes=rng.randrange(60 * 24 * 14))
        outcome = rng.choice(OUTCOMES[:6]) if rng.random() < 0.9 else rng.choice(OUTCOMES)
        appointment = (at + dt.timedelta(hours=rng.randrange(1, 72))).isoformat() \
            if outcome == "appointment" else None
        body = {"case_id": case, "interviewer_id": ME, "outcome": outcome,
                "at": at.isoformat(), "appointment_at": appointment, "note": "", "id": rid}
        attempt_rows.append(record(rid, body, case, ME, body["at"], outcome, appointment))
    _insert(store, "call_attempts", "case_id, interviewer_id, at, outcome, appointment_at",
            attempt_rows)

    answers = json.dumps({f"q{i}": rng.choice(["agree", "disagree", "dont_know"])
                          for i in range(30)})
    interview_rows = []
    for n in range(interviews):
        rid = _uuid(rng)
        who = ME if n % 5 == 0 else f"other-{n % 40}"
        started = T0 - dt.timedelta(minutes=n * 7)
        ended = started + dt.timedelta(minutes=12)
        case = case_ids[n % cases] if who == ME else ""
        body = {"form_id": FORM, "form_version": "2026.1", "interviewer_id": who,
                "mode": "telephone", "case_id": case, "started_at": started.isoformat(),
                "ended_at": ended.isoformat(), "status": "complete",
                "answers_json": answers, "paradata_json": "{}", "quota_cell": "", "id": rid}
        interview_rows.append(record(rid, body, FORM, "2026.1", case, "telephone",
                                     "complete", who, body["started_at"], body["ended_at"],
                                     ""))
    for start in range(0, len(interview_rows), 50_000):
        _insert(store, "survey_interviews", "form_id, form_version, case_id, mode, status, "
                "interviewer_id, started_at, ended_at, quota_cell",
                interview_rows[start:start + 50_000])
    return store


def timed(store: Any, repeat: int) -> tuple[list[float], int, int]:
    from icv_app.services.survey.cati import CatiService

    service = CatiService(store, ME, now=lambda: T0)
    samples = []
    queued = listed = 0
    for _ in range(repeat):
        start = time.perf_counter()
        queued = len(service.queue())
        listed = len(service.recent_interviews())
        samples.append(time.perf_counter() - start)
    return samples, queued, listed


def timed_page(store: Any, repeat: int) -> list[float]:
    """The calls page as the interviewer opens it (offscreen): the queue, what is in
    progress, the interviewer's figures and the timer for the next appointment."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from icv_app.ui.survey.calls_page import CallsPage
    from icv_app.ui.survey.page import SurveyContext

    app = QApplication.instance() or QApplication([])
    context = SurveyContext(store=store, user_id=ME, now=lambda: T0)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        page = CallsPage(context)
        samples.append(time.perf_counter() - start)
        # The figures follow off the UI thread: let them land before the next opening
        # (not timed), as they would while the interviewer reads the queue.
        while page._figuring:
            app.processEvents()
            time.sleep(0.005)
        page.deleteLater()
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--interviews", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=1_000)
    parser.add_argument("--cases", type=int, default=5_000)
    parser.add_argument("--attempts", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    use_memory_keyring()

    print(f"an interviewer's list: {args.cases} cases, {args.attempts} calls, encrypted, "
          f"{args.repeat} rounds")
    results = {}
    pages = {}
    for label, count in (("baseline", args.baseline), ("measured", args.interviews)):
        start = time.perf_counter()
        store = build(temp_dir("survey-list"), count, args.cases, args.attempts)
        built = time.perf_counter() - start
        samples, queued, listed = timed(store, args.repeat)
        results[label] = summary(label, samples)
        s = results[label]
        print(f"  {count:>7} interviews (built in {built:.1f} s): {queued} in the queue, "
              f"{listed} recent; median {s['median_ms']:.1f} ms  p95 {s['p95_ms']:.1f} ms"
              + ("  (baseline)" if label == "baseline" else ""))
        pages[label] = summary(f"{label} page", timed_page(store, max(5, args.repeat // 3)))
        p = pages[label]
        print(f"  {count:>7} interviews, the calls page opening (queue, in progress, timer; "
              "figures follow off the UI thread): "
              f"median {p['median_ms']:.1f} ms  p95 {p['p95_ms']:.1f} ms")
        if label == "measured":
            store.writer.submit(lambda db: db.execute(
                "DROP INDEX survey_interviews_by_interviewer")).result()
            unindexed = summary("no index", timed(store, max(3, args.repeat // 5))[0])
            print(f"  {count:>7} interviews, without the list's index: median "
                  f"{unindexed['median_ms']:.1f} ms  p95 {unindexed['p95_ms']:.1f} ms "
                  "(for information)")
        store.close()
    ratio = results["measured"]["median_ms"] / results["baseline"]["median_ms"]
    print(f"  ratio median {ratio:.2f}x ({args.interviews} vs {args.baseline} interviews)")
    page_ratio = pages["measured"]["median_ms"] / pages["baseline"]["median_ms"]
    print(f"  ratio median, the page {page_ratio:.2f}x")
    ok = results["measured"]["p95_ms"] <= 300.0 and pages["measured"]["p95_ms"] <= 300.0
    print(f"  target p95 <= 300 ms with {args.interviews} interviews (the list and the "
          f"page): {verdict(ok)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
