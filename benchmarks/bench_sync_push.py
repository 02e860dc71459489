"""Pushing 10,000 visits (with their detainees) to the central store, against inserting the
same rows directly.

What is timed ("icv-app"): one signed-in volunteer's laptop pushing new visits to a real
server (uvicorn in its own process, on 127.0.0.1) in protocol batches of ``--batch``
records, from encoding each request to having the server's answer (the server commits
before it answers), end to end over HTTP. The visits come from ``generate_visits`` and
their bodies from ``to_dict``, made before the clock starts, as a laptop has them stored.

Baseline, same run, same engine URL, same driver: SQLAlchemy Core inserting the very rows
the server stores for those visits (the ``records`` table, same columns and content,
bodies already serialised) into a freshly migrated database, in batches of the same size,
one transaction per batch. Two more lines show where the time goes between the two:
"+ bookkeeping" also writes everything else a push writes (seq lock and counter, the
``record_revisions`` row and the audit entry per record), and "server logic" calls
``records.push`` in-process (validation and the database work, without HTTP or JSON).

Afterwards the server must hold exactly the pushed visits: counted by the ``check``
endpoint and in the database.

    python benchmarks/bench_sync_push.py [--engine sqlite|postgres|both] [--visits 10000]
                                         [--batch 500]

No target: prints figures and ratios, and whether the count matched. Exits 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import statistics
import time
import uuid
from typing import Any

from _common import verdict
from _server import (
    HASHER_NOTE,
    ServerProcess,
    create_users,
    describe,
    fresh_database,
    login,
    machine_note,
    migrated_engine,
    push_record,
    reachable_engines,
    schema_headers,
    visit_bodies,
)

USER = "vol.bench"


def settle() -> None:
    """Take the prepared data out of the garbage collector's sight before timing, so the
    benchmark's own large heap does not slow down whatever runs in this process."""
    gc.collect()
    gc.freeze()


def batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def stored_rows(bodies: list[dict[str, Any]], user_id: str, device_id: str) -> list[dict[str, Any]]:
    """The ``records`` rows the server writes for these new visits (same content)."""
    from icv_app.server.records import canonical_json, content_hash

    now = dt.datetime.now(dt.UTC)
    rows = []
    for seq, body in enumerate(bodies, start=1):
        text = canonical_json(body)
        rows.append({
            "type": "visit", "id": body["id"], "rev": 1, "seq": seq, "deleted": False,
            "body": text, "content_hash": content_hash(text, False), "owner_id": user_id,
            "scope_owner_id": user_id, "visit_id": None, "status": body["status"],
            "last_user_id": user_id, "last_device_id": device_id, "created_at": now,
            "updated_at": now, "client_modified_at": "2026-06-30T12:00:00+00:00",
        })
    return rows


def baseline_insert(url: str, bodies: list[dict[str, Any]], size: int) -> float:
    """The same ``records`` rows inserted with SQLAlchemy Core: seconds."""
    from icv_app.server.storage import records

    user_id = create_users(url, [USER])[USER]
    engine = migrated_engine(url)
    try:
        rows = stored_rows(bodies, user_id, str(uuid.uuid4()))
        settle()
        start = time.perf_counter()
        for chunk in batches(rows, size):
            with engine.begin() as conn:
                conn.execute(records.insert(), chunk)
        return time.perf_counter() - start
    finally:
        engine.dispose()


def baseline_bookkeeping(url: str, bodies: list[dict[str, Any]], size: int) -> float:
    """Every row a push writes, no reads or validation: seconds."""
    from icv_app.server import audit
    from icv_app.server.audit import Actor, AuditEntry
    from icv_app.server.storage import lock_seq, record_revisions, records, store_seq, write

    user_id = create_users(url, [USER])[USER]
    engine = migrated_engine(url)
    try:
        device_id = str(uuid.uuid4())
        now = dt.datetime.now(dt.UTC)
        actor = Actor(user_id, USER, device_id, "127.0.0.1")
        work = []
        for chunk in batches(stored_rows(bodies, user_id, device_id), size):
            revisions = [{
                "type": r["type"], "id": r["id"], "rev": r["rev"], "seq": r["seq"],
                "content_hash": r["content_hash"], "user_id": user_id,
                "device_id": device_id, "accepted_at": now,
            } for r in chunk]
            entries = [AuditEntry("record.accepted", actor, "visit", r["id"],
                                  {"rev": r["rev"], "seq": r["seq"]}) for r in chunk]
            work.append((chunk, revisions, entries))
        settle()
        start = time.perf_counter()
        for chunk, revisions, entries in work:
            with write(engine) as conn:
                lock_seq(conn)
                conn.execute(records.insert(), chunk)
                conn.execute(record_revisions.insert(), revisions)
                audit.record_many(conn, entries, now)
                store_seq(conn, chunk[-1]["seq"])
        return time.perf_counter() - start
    finally:
        engine.dispose()


def server_logic(url: str, bodies: list[dict[str, Any]], size: int) -> float:
    """``records.push`` called in-process (no HTTP, no JSON): seconds."""
    from icv_app.server import records
    from icv_app.server.auth import Principal
    from icv_app.sync.wire import PushRecord, Role

    user_id = create_users(url, [USER])[USER]
    engine = migrated_engine(url)
    try:
        principal = Principal(user_id, USER, Role.VOLUNTEER, str(uuid.uuid4()), "laptop",
                              "127.0.0.1")
        work = [[PushRecord.model_validate(push_record(b)) for b in chunk]
                for chunk in batches(bodies, size)]
        settle()
        start = time.perf_counter()
        for chunk in work:
            results = records.push(engine, principal, chunk, dt.datetime.now(dt.UTC))
            if any(r.status.value != "accepted" for r in results):
                raise RuntimeError("records.push did not accept every visit")
        return time.perf_counter() - start
    finally:
        engine.dispose()


def push_over_http(url: str, bodies: list[dict[str, Any]], size: int) -> dict[str, Any]:
    """The laptop's push through a real server; timings and the server's counts after."""
    import httpx
    from sqlalchemy import func, select

    from icv_app.server.storage import create_store_engine, records

    create_users(url, [USER])
    out: dict[str, Any] = {"statuses": {}, "errors": []}
    with ServerProcess(url) as server, httpx.Client(base_url=server.url, timeout=300) as client:
        token = login(client, USER)
        headers = {**schema_headers(token), "Content-Type": "application/json"}
        latencies: list[float] = []
        encoding = 0.0
        settle()
        start = time.perf_counter()
        for chunk in batches(bodies, size):
            t0 = time.perf_counter()
            content = json.dumps(
                {"records": [push_record(b) for b in chunk]},
                ensure_ascii=False, separators=(",", ":"), allow_nan=False,
            ).encode()
            t1 = time.perf_counter()
            response = client.post("/api/v1/sync/push", content=content, headers=headers)
            latencies.append(time.perf_counter() - t0)
            encoding += t1 - t0
            if response.status_code != 200:
                out["errors"].append(f"HTTP {response.status_code}: {response.text[:200]}")
                continue
            for result in response.json()["results"]:
                status = result["status"]
                out["statuses"][status] = out["statuses"].get(status, 0) + 1
        out["seconds"] = time.perf_counter() - start
        out["encoding"] = encoding
        out["latencies"] = latencies
        check = client.get("/api/v1/sync/check", headers=schema_headers(token))
        check.raise_for_status()
        out["check_count"] = check.json()["counts"].get("visit")
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            out["db_count"] = conn.execute(
                select(func.count()).select_from(records).where(records.c.type == "visit")
            ).scalar_one()
    finally:
        engine.dispose()
    return out


def run(engine: str, bodies: list[dict[str, Any]], size: int) -> None:
    n = len(bodies)
    with fresh_database(engine, "pushbase") as url:
        where = describe(url)
        base = baseline_insert(url, bodies, size)
    with fresh_database(engine, "pushbook") as url:
        book = baseline_bookkeeping(url, bodies, size)
    with fresh_database(engine, "pushlogic") as url:
        logic = server_logic(url, bodies, size)
    with fresh_database(engine, "push") as url:
        ours = push_over_http(url, bodies, size)

    t = ours["seconds"]
    lat_ms = [s * 1000 for s in ours["latencies"]]
    print(f"[{engine}] push {n} visits in batches of {size} ({len(lat_ms)} pushes), {where}")
    print(f"  icv-app   {t:7.2f} s  {n / t:8.0f} visits/s  (HTTP push to uvicorn, end to end;"
          f" per push median {statistics.median(lat_ms):.0f} ms, max {max(lat_ms):.0f} ms;"
          f" client JSON encoding {ours['encoding']:.2f} s)")
    print(f"  baseline  {base:7.2f} s  {n / base:8.0f} rows/s    (SQLAlchemy Core INSERT of"
          f" the same records rows, one transaction per batch)")
    print(f"  ratio     {t / base:7.1f}x  (icv-app time / baseline time)")
    print("  where the time goes:")
    print(f"    + bookkeeping rows  {book:7.2f} s  {n / book:8.0f} rows/s  ({book / base:.1f}x"
          " baseline: + seq lock, record_revisions, audit_log, counter)")
    print(f"    server logic        {logic:7.2f} s  {n / logic:8.0f} visits/s ({logic / base:.1f}x"
          " baseline: records.push in-process, no HTTP/JSON)")
    print(f"    HTTP, JSON, auth    {t - logic:7.2f} s  (icv-app minus server logic)")
    statuses = ", ".join(f"{k} {v}" for k, v in sorted(ours["statuses"].items())) or "none"
    print(f"  results: {statuses}; request errors: {len(ours['errors'])}")
    for error in ours["errors"][:5]:
        print(f"    {error}")
    ok = ours["check_count"] == n and ours["db_count"] == n
    print(f"  server holds {ours['db_count']} visits (database), check endpoint says "
          f"{ours['check_count']}; expected {n}: {verdict(ok)}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500, help="records per push (max 500)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from icv_app.sync.wire import MAX_PUSH_BATCH

    size = max(1, min(args.batch, MAX_PUSH_BATCH))
    start = time.perf_counter()
    bodies = visit_bodies(args.visits, args.seed)
    detainees = sum(len(b["detainees"]) for b in bodies)
    mean_kb = statistics.mean(len(json.dumps(b)) for b in bodies) / 1024
    print(f"sync push: {len(bodies)} synthetic visits with {detainees} detainees "
          f"(mean body {mean_kb:.1f} KiB), made in {time.perf_counter() - start:.1f} s")
    print(f"  note: {HASHER_NOTE}")
    print(f"  machine: {machine_note()}")
    for engine in reachable_engines(args.engine):
        run(engine, bodies, size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
