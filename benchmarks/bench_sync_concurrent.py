"""Fifty laptops pushing at once: zero lost, latency per push, throughput; against one
laptop pushing the same records alone.

``--clients`` volunteers (each their own user, signed in from their own laptop) push
``--records`` new visits each (with their detainees, from ``generate_visits``) in batches
of ``--batch``, all at the same moment, each from its own thread with its own
``httpx.Client`` (its own keep-alive connection) to a real server (uvicorn in its own
process, on 127.0.0.1). Request bodies are encoded before the clock starts, so that fifty
simulated laptops sharing this process's one core do not slow each other down in JSON
encoding; what is measured is the server under load. A push that fails (network error,
5xx, 503 busy) is retried with back-off, as the real client does; every failed attempt
is counted and shown.

Verified afterwards: the server holds exactly ``clients x records`` visits, every client's
ids are there with the pushed rev and the right owner, no seq was handed out twice, and
each laptop's ``check`` (count and digest of its scope) agrees with what it pushed.

Baseline, same run, same engine: ONE laptop pushing all the same records sequentially in
batches of the same size to a fresh server. The ratio is of wall times (concurrent /
sequential): at most 1 means concurrency costs nothing over one laptop doing all the work.

    python benchmarks/bench_sync_concurrent.py [--engine postgres|sqlite|both]
                                               [--clients 50] [--records 200] [--batch 50]

No target: prints figures, zero-lost verification (PASS/FAIL) and errors. Exits 0.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from _common import percentile, verdict
from _server import (
    HASHER_NOTE,
    ServerProcess,
    create_users,
    describe,
    fresh_database,
    login,
    machine_note,
    push_record,
    reachable_engines,
    schema_headers,
    visit_bodies,
)

PUSH = "/api/v1/sync/push"
RETRIES = 5


@dataclass
class Laptop:
    username: str
    bodies: list[dict[str, Any]]
    requests: list[bytes] = field(default_factory=list)
    token: str = ""
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # failed attempts (then retried)
    statuses: dict[str, int] = field(default_factory=dict)
    seqs: list[int] = field(default_factory=list)
    gave_up: int = 0  # batches still failing after every retry


def encode(laptop: Laptop, size: int) -> None:
    laptop.requests = [
        json.dumps(
            {"records": [push_record(b) for b in laptop.bodies[i : i + size]]},
            ensure_ascii=False, separators=(",", ":"),
        ).encode()
        for i in range(0, len(laptop.bodies), size)
    ]


def push_all(client: Any, laptop: Laptop) -> None:
    import httpx

    headers = {**schema_headers(laptop.token), "Content-Type": "application/json"}
    for content in laptop.requests:
        for attempt in range(RETRIES + 1):
            t0 = time.perf_counter()
            try:
                response = client.post(PUSH, content=content, headers=headers)
            except httpx.TransportError as exc:
                laptop.latencies.append(time.perf_counter() - t0)
                laptop.failures.append(f"{type(exc).__name__}: {exc}")
            else:
                laptop.latencies.append(time.perf_counter() - t0)
                if response.status_code == 200:
                    for result in response.json()["results"]:
                        status = result["status"]
                        laptop.statuses[status] = laptop.statuses.get(status, 0) + 1
                        if status == "accepted":
                            laptop.seqs.append(result["seq"])
                    break
                laptop.failures.append(f"HTTP {response.status_code}: {response.text[:160]}")
                if response.status_code < 500 and response.status_code != 429:
                    laptop.gave_up += 1  # a 4xx will not get better by retrying
                    break
            if attempt == RETRIES:
                laptop.gave_up += 1
            else:
                time.sleep(0.2 * 2**attempt)


def run_pushes(server_url: str, laptops: list[Laptop]) -> float:
    """Every laptop pushes from its own thread, all released together: wall seconds."""
    import httpx

    start = threading.Barrier(len(laptops) + 1)
    errors: list[BaseException] = []

    def work(laptop: Laptop) -> None:
        try:
            with httpx.Client(base_url=server_url, timeout=300) as client:
                client.get("/health").raise_for_status()  # connect before the clock starts
                start.wait()
                push_all(client, laptop)
        except BaseException as exc:  # reported, never silently lost
            errors.append(exc)
            laptop.failures.append(f"thread died: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=work, args=(laptop,)) for laptop in laptops]
    for thread in threads:
        thread.start()
    start.wait()
    t0 = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - t0


def verify(url: str, server_url: str, laptops: list[Laptop], users: dict[str, str]) -> list[str]:
    """What the server holds against what the laptops pushed: a line per finding."""
    import httpx
    from sqlalchemy import select

    from icv_app.server.storage import create_store_engine, records
    from icv_app.sync.wire import scope_digest

    expected = {b["id"]: (1, users[lap.username]) for lap in laptops for b in lap.bodies}
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(records.c.id, records.c.rev, records.c.owner_id)
                .where(records.c.type == "visit")
            ).all()
    finally:
        engine.dispose()
    held = {r.id: (r.rev, r.owner_id) for r in rows}
    missing = expected.keys() - held.keys()
    extra = held.keys() - expected.keys()
    wrong_rev = [i for i in expected.keys() & held.keys() if held[i][0] != expected[i][0]]
    wrong_owner = [i for i in expected.keys() & held.keys() if held[i][1] != expected[i][1]]
    seqs = [s for lap in laptops for s in lap.seqs]
    check_ok = 0
    with httpx.Client(base_url=server_url, timeout=60) as client:
        for lap in laptops:
            response = client.get("/api/v1/sync/check", headers=schema_headers(lap.token))
            body = response.json() if response.status_code == 200 else {}
            mine = [("visit", b["id"], 1) for b in lap.bodies]
            if body.get("count") == len(mine) and body.get("digest") == scope_digest(mine):
                check_ok += 1
    ok = (len(rows) == len(expected) and not missing and not extra and not wrong_rev
          and not wrong_owner and len(set(seqs)) == len(seqs) == len(expected)
          and check_ok == len(laptops))
    return [
        f"server holds {len(rows)} visits, expected {len(expected)}: lost {len(missing)}, "
        f"unexpected {len(extra)}, wrong rev {len(wrong_rev)}, wrong owner {len(wrong_owner)}",
        f"seqs handed out {len(seqs)}, distinct {len(set(seqs))}; laptops whose check "
        f"(count + digest) matches: {check_ok}/{len(laptops)}",
        f"zero lost: {verdict(ok)}",
    ]


def session(engine: str, label: str, laptops: list[Laptop]) -> dict[str, Any]:
    """A fresh database and server; sign every laptop in; push; verify."""
    import httpx

    with fresh_database(engine, label) as url:
        users = create_users(url, sorted({lap.username for lap in laptops}))
        with ServerProcess(url) as server:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                tokens = {name: login(client, name) for name in users}
            for lap in laptops:
                lap.token = tokens[lap.username]
            gc.collect()
            wall = run_pushes(server.url, laptops)
            findings = verify(url, server.url, laptops, users)
        return {"wall": wall, "findings": findings, "where": describe(url)}


def latency_line(laptops: list[Laptop]) -> str:
    ms = [s * 1000 for lap in laptops for s in lap.latencies]
    return (f"per push request: p50 {statistics.median(ms):.0f} ms, p95 "
            f"{percentile(ms, 95):.0f} ms, max {max(ms):.0f} ms ({len(ms)} requests)")


def error_lines(laptops: list[Laptop]) -> list[str]:
    failures = [f for lap in laptops for f in lap.failures]
    gave_up = sum(lap.gave_up for lap in laptops)
    statuses: dict[str, int] = {}
    for lap in laptops:
        for k, v in lap.statuses.items():
            statuses[k] = statuses.get(k, 0) + v
    lines = [f"results: {', '.join(f'{k} {v}' for k, v in sorted(statuses.items()))}; "
             f"failed attempts (retried): {len(failures)}; batches given up: {gave_up}"]
    kinds: dict[str, int] = {}
    for failure in failures:
        kinds[failure[:120]] = kinds.get(failure[:120], 0) + 1
    lines += [f"  {n} x {kind}" for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1])[:5]]
    return lines


def run(engine: str, args: argparse.Namespace, bodies: list[dict[str, Any]]) -> None:
    per, size = args.records, args.batch
    total = len(bodies)
    many = [Laptop(f"vol.{n:03d}", bodies[n * per : (n + 1) * per]) for n in range(args.clients)]
    alone = [Laptop("vol.alone", bodies)]
    for lap in [*many, alone[0]]:
        encode(lap, size)
    gc.collect()
    gc.freeze()

    ours = session(engine, "concurrent", many)
    base = session(engine, "sequential", alone)

    print(f"[{engine}] {args.clients} laptops x {per} visits in batches of {size} "
          f"({total} visits), {ours['where']}")
    print(f"  concurrent   wall {ours['wall']:6.2f} s  {total / ours['wall']:6.0f} visits/s  "
          + latency_line(many))
    for line in error_lines(many):
        print(f"    {line}")
    for line in ours["findings"]:
        print(f"    {line}")
    print(f"  baseline     wall {base['wall']:6.2f} s  {total / base['wall']:6.0f} visits/s  "
          f"(one laptop, sequential) " + latency_line(alone))
    for line in error_lines(alone):
        print(f"    {line}")
    for line in base["findings"]:
        print(f"    {line}")
    print(f"  ratio        {ours['wall'] / base['wall']:.2f}x  (concurrent wall / sequential wall)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="postgres")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--records", type=int, default=200, help="visits per client")
    parser.add_argument("--batch", type=int, default=50, help="records per push (max 500)")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    from icv_app.sync.wire import MAX_PUSH_BATCH

    args.batch = max(1, min(args.batch, MAX_PUSH_BATCH))
    bodies = visit_bodies(args.clients * args.records, args.seed)
    print(f"concurrent sync push: {args.clients} volunteers, each signed in on their own "
          f"laptop (thread + httpx.Client), {args.records} synthetic visits each")
    print(f"  note: {HASHER_NOTE}")
    print(f"  machine: {machine_note()}")
    for engine in reachable_engines(args.engine):
        run(engine, args, bodies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
