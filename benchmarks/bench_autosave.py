"""Autosave of one field: p99 latency, against raw SQLite writing the same row.

What is timed is what a keystroke costs end to end: the service snapshots the report
(on the calling thread), the writer thread writes and commits it to the encrypted
database (WAL, synchronous=FULL), and the caller's future resolves. The baseline is the
same UPDATE of the same row on a plain, unencrypted sqlite3 connection with the same
journal settings, on the calling thread.

    python benchmarks/bench_autosave.py [--saves 2000]

Target: p99 at most 5 ms.
"""

from __future__ import annotations

import argparse
import sqlite3
import time

from _common import summary, temp_dir, use_memory_keyring, verdict


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=2000)
    parser.add_argument("--visits", type=int, default=2000, help="visits already stored")
    args = parser.parse_args()
    use_memory_keyring()

    from icv_app.domain.custody.demo import generate_visits
    from icv_app.domain.custody.reference import load_shipped
    from icv_app.paths import Paths
    from icv_app.services.custody.visits import VisitService
    from icv_app.store.custody.visits import insert_many, visit_row
    from icv_app.store.local_store import LocalStore

    reference = load_shipped()
    store = LocalStore.open(Paths(temp_dir("autosave")))
    reports = list(generate_visits(reference, args.visits, seed=1))
    store.writer.submit(lambda db: insert_many(db, reports)).result()
    service = VisitService(store, reference)
    report, saved = service.new_visit("suite-elmwick", ("v-005", "v-006"))
    saved.result()
    # A typical draft mid-visit: detainees and issues from a realistic report.
    typical = next(r for r in reports if len(r.detainees) >= 4)
    report.detainees = typical.detainees
    report.issues = typical.issues
    report.conditions = typical.conditions
    service.autosave(report).result()

    samples: list[float] = []
    for i in range(args.saves):
        report.header.officer_in_charge = f"PS {i:04d}"
        start = time.perf_counter()
        service.autosave(report).result()
        samples.append(time.perf_counter() - start)
    store.close()

    plain = sqlite3.connect(temp_dir("autosave-baseline") / "plain.db", isolation_level=None)
    plain.execute("PRAGMA journal_mode = WAL")
    plain.execute("PRAGMA synchronous = FULL")
    plain.execute("CREATE TABLE visits (id TEXT PRIMARY KEY, body TEXT, rev INTEGER)")
    plain.execute("INSERT INTO visits VALUES (?, ?, 1)", [report.id, visit_row(report)["body"]])
    base: list[float] = []
    for i in range(args.saves):
        report.header.officer_in_charge = f"PS {i:04d}"
        body = visit_row(report)["body"]
        start = time.perf_counter()
        plain.execute("UPDATE visits SET body = ?, rev = rev + 1 WHERE id = ?", [body, report.id])
        base.append(time.perf_counter() - start)
    plain.close()

    ours, baseline = summary("autosave", samples), summary("baseline", base)
    print(f"autosave of one field ({args.saves} saves, {args.visits} visits stored)")
    print(f"  icv-app  median {ours['median_ms']:.2f} ms  p99 {ours['p99_ms']:.2f} ms")
    print(f"  baseline median {baseline['median_ms']:.2f} ms  p99 {baseline['p99_ms']:.2f} ms"
          "  (plain sqlite3 UPDATE, same journal settings)")
    print(f"  ratio p99 {ours['p99_ms'] / baseline['p99_ms']:.2f}x  "
          f"median {ours['median_ms'] / baseline['median_ms']:.2f}x")
    print(f"  target p99 <= 5 ms: {verdict(ours['p99_ms'] <= 5.0)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
