"""Searching the visits list on a coordinator's laptop (the whole scheme: 50,000 visits),
through the FTS5 trigram index, against the row-by-row LIKE scan it replaced, on the same
encrypted database in the same run.

What is timed is ``list_visits`` with a search term (the list's own query: filters, the
amendment counts, the order), for terms that match a few visits and terms that match
many. The baseline is the same query with the search as ``search_text LIKE '%term%'``.

    python benchmarks/bench_search.py [--visits 50000] [--repeat 20]

Target: a search that finds a handful of visits answers within 50 ms at 50,000 visits.
"""

from __future__ import annotations

import argparse
import random
import time

from _common import summary, temp_dir, use_memory_keyring, verdict


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    use_memory_keyring()

    from icv_app.domain.custody.demo import generate_visits
    from icv_app.domain.custody.reference import load_shipped
    from icv_app.paths import Paths
    from icv_app.store.custody import visit_list
    from icv_app.store.custody.visits import VisitFilter, insert_many, list_visits
    from icv_app.store.local_store import LocalStore

    reference = load_shipped()
    store = LocalStore.open(Paths(temp_dir("search")))
    generated = generate_visits(reference, args.visits, seed=3)
    batch: list = []
    numbers: list[str] = []
    for report in generated:
        batch.append(report)
        numbers += [d.custody_number for d in report.detainees]
        if len(batch) == 2000:
            store.writer.submit(lambda db, b=batch: insert_many(db, b)).result()
            batch = []
    if batch:
        store.writer.submit(lambda db, b=batch: insert_many(db, b)).result()
    rng = random.Random(7)
    rare = [n[2:-1] for n in rng.sample(numbers, 10)]  # a part of one custody number
    common = ["ps ", "blanket", "cell"]
    db = store.reader

    def timed(terms: list[str], indexed: bool) -> tuple[list[float], int]:
        found = 0
        samples = []
        saved = visit_list.MIN_INDEXED_SEARCH
        visit_list.MIN_INDEXED_SEARCH = 3 if indexed else 10**9  # the LIKE path
        try:
            for _ in range(args.repeat):
                for term in terms:
                    start = time.perf_counter()
                    found += len(list_visits(db, VisitFilter(search=term)))
                    samples.append(time.perf_counter() - start)
        finally:
            visit_list.MIN_INDEXED_SEARCH = saved
        return samples, found

    print(f"search of the visits list ({args.visits} visits, encrypted, {args.repeat} rounds)")
    ok = True
    for name, terms in (("a part of one custody number", rare), ("common words", common)):
        fts, n_fts = timed(terms, True)
        like, n_like = timed(terms, False)
        assert n_fts == n_like, (name, n_fts, n_like)
        a, b = summary("fts", fts), summary("like", like)
        print(f"  {name}: {n_fts // (args.repeat * len(terms))} visits found per search")
        print(f"    FTS5 trigram median {a['median_ms']:.1f} ms  p95 {a['p95_ms']:.1f} ms")
        print(f"    LIKE scan    median {b['median_ms']:.1f} ms  p95 {b['p95_ms']:.1f} ms"
              "  (baseline)")
        print(f"    ratio median {a['median_ms'] / b['median_ms']:.3f}x")
        if terms is rare:
            ok = a["p95_ms"] <= 50.0
    store.close()
    print(f"  target rare-term p95 <= 50 ms: {verdict(ok)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
