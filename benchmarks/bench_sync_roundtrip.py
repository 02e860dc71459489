"""An up-to-date sync round trip: median and p95, against a ``GET /health`` round trip.

The server (uvicorn in its own process, on 127.0.0.1) holds ``--volunteers`` volunteers'
visits, ``--visits`` each. A volunteer's laptop and a coordinator's laptop, each signed in
and already in sync (pulled to the end, every record acknowledged), then sync again and
again with nothing new on either side. One round, as the client does it with nothing to
push: ``GET /sync/pull?since=<cursor>`` (answers no changes) and ``GET /sync/check`` (count
and digest, compared with the laptop's own). Also timed in each round: ``POST /sync/push``
with an empty batch (for a client that does not skip the push), shown as a second round
trip, and the baseline, ``GET /health`` on the same server and connection (no auth, no
database), interleaved with the rounds so that load affects both alike.

Every answer is verified: a pull that returns a change, or a check whose count or digest
differs from the laptop's, is counted as an error and printed.

    python benchmarks/bench_sync_roundtrip.py [--engine sqlite|postgres|both] [--rounds 200]
                                              [--visits 500] [--volunteers 10]

No target: prints figures and ratios. Exits 0.
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from typing import Any

from _common import summary
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

API = "/api/v1"


def populate(client: Any, tokens: list[str], bodies: list[dict[str, Any]], per: int) -> None:
    """Each volunteer pushes their ``per`` visits (batches of 500)."""
    for n, token in enumerate(tokens):
        mine = bodies[n * per : (n + 1) * per]
        headers = {**schema_headers(token), "Content-Type": "application/json"}
        for i in range(0, len(mine), 500):
            content = json.dumps({"records": [push_record(b) for b in mine[i : i + 500]]})
            response = client.post(f"{API}/sync/push", content=content, headers=headers)
            response.raise_for_status()
            if any(r["status"] != "accepted" for r in response.json()["results"]):
                raise RuntimeError("setting up: a visit was not accepted")


def catch_up(client: Any, token: str) -> tuple[int, int, str]:
    """Pull everything: the cursor, and the count and digest the laptop then holds."""
    from icv_app.sync.wire import scope_digest

    headers = schema_headers(token)
    since, held = 0, []
    while True:
        response = client.get(f"{API}/sync/pull", params={"since": since, "limit": 1000},
                              headers=headers)
        response.raise_for_status()
        page = response.json()
        held += [(c["type"], c["id"], c["rev"]) for c in page["changes"] if not c["deleted"]]
        since = page["next_since"]
        if not page["has_more"]:
            return since, len(held), scope_digest(held)


def rounds(client: Any, token: str, count: int, warmup: int) -> dict[str, Any]:
    cursor, held, digest = catch_up(client, token)
    headers = schema_headers(token)
    push_headers = {**headers, "Content-Type": "application/json"}
    empty = b'{"records":[]}'
    samples: dict[str, list[float]] = {"health": [], "push": [], "pull": [], "check": []}
    errors: list[str] = []
    gc.collect()
    for i in range(warmup + count):
        timed: dict[str, float] = {}

        t0 = time.perf_counter()
        r = client.get("/health")
        timed["health"] = time.perf_counter() - t0
        if r.status_code != 200:
            errors.append(f"health: HTTP {r.status_code}")

        t0 = time.perf_counter()
        r = client.post(f"{API}/sync/push", content=empty, headers=push_headers)
        timed["push"] = time.perf_counter() - t0
        if r.status_code != 200 or r.json()["results"]:
            errors.append(f"empty push: HTTP {r.status_code} {r.text[:100]}")

        t0 = time.perf_counter()
        r = client.get(f"{API}/sync/pull", params={"since": cursor, "limit": 200},
                       headers=headers)
        timed["pull"] = time.perf_counter() - t0
        if r.status_code != 200:
            errors.append(f"pull: HTTP {r.status_code} {r.text[:100]}")
        else:
            page = r.json()
            if page["changes"] or page["has_more"] or page["next_since"] != cursor:
                errors.append(f"pull: not up to date ({len(page['changes'])} changes)")

        t0 = time.perf_counter()
        r = client.get(f"{API}/sync/check", headers=headers)
        timed["check"] = time.perf_counter() - t0
        if r.status_code != 200:
            errors.append(f"check: HTTP {r.status_code} {r.text[:100]}")
        else:
            body = r.json()
            if body["count"] != held or body["digest"] != digest:
                errors.append(f"check: count {body['count']} digest differs, laptop {held}")

        if i >= warmup:
            for name, seconds in timed.items():
                samples[name].append(seconds)
    return {"samples": samples, "errors": errors, "held": held}


def report(label: str, result: dict[str, Any]) -> None:
    s = result["samples"]
    n = len(s["health"])
    trip = [p + c for p, c in zip(s["pull"], s["check"], strict=True)]
    trip_push = [u + p + c for u, p, c in zip(s["push"], s["pull"], s["check"], strict=True)]
    health = summary("health", s["health"])
    print(f"  {label}: {result['held']} records in scope, {n} rounds")

    def line(name: str, samples: list[float], note: str) -> None:
        fig = summary(name, samples)
        print(f"    {name:<19} median {fig['median_ms']:6.2f} ms  p95 {fig['p95_ms']:6.2f} ms"
              f"  ratio {fig['median_ms'] / health['median_ms']:5.1f}x /"
              f" {fig['p95_ms'] / health['p95_ms']:5.1f}x{note}")

    line("round trip", trip, "  (pull + check)")
    line("  + empty push", trip_push, "  (push [] + pull + check)")
    line("    pull", s["pull"], "")
    line("    check", s["check"], "")
    line("    empty push", s["push"], "")
    print(f"    {'baseline /health':<19} median {health['median_ms']:6.2f} ms  p95 "
          f"{health['p95_ms']:6.2f} ms  (ratios: median / p95 against it)")
    print(f"    errors: {len(result['errors'])}")
    for error in result["errors"][:5]:
        print(f"      {error}")


def run(engine: str, args: argparse.Namespace, bodies: list[dict[str, Any]]) -> None:
    import httpx

    names = [f"vol.{n:02d}" for n in range(args.volunteers)]
    with fresh_database(engine, "roundtrip") as url:
        create_users(url, names)
        create_users(url, ["coord.bench"], role="coordinator")
        with ServerProcess(url) as server, httpx.Client(base_url=server.url, timeout=120) as c:
            tokens = [login(c, name) for name in names]
            populate(c, tokens, bodies, args.visits)
            print(f"[{engine}] up-to-date sync round trip, {describe(url)}, "
                  f"{len(bodies)} visits on the server")
            report("volunteer", rounds(c, tokens[0], args.rounds, args.warmup))
            report("coordinator", rounds(c, login(c, "coord.bench"), args.rounds, args.warmup))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--visits", type=int, default=500, help="visits per volunteer")
    parser.add_argument("--volunteers", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2)
    args = parser.parse_args()

    bodies = visit_bodies(args.visits * args.volunteers, args.seed)
    gc.collect()
    gc.freeze()
    print(f"sync round trip: {args.volunteers} volunteers x {args.visits} synthetic visits; "
          "the volunteer's scope is their own, the coordinator's the whole scheme")
    print(f"  note: {HASHER_NOTE}")
    print(f"  machine: {machine_note()}")
    for engine in reachable_engines(args.engine):
        run(engine, args, bodies)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
