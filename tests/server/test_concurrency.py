"""Many laptops pushing at once: every accepted change gets its own seq, seqs only grow,
and a laptop pulling meanwhile never skips one (seqs become visible in order)."""

from __future__ import annotations

import threading
from contextlib import closing

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.server.support import Server, Session, draft_visit, visit_record

PUSHERS = 6
BATCHES = 5
PER_BATCH = 8


def test_concurrent_pushes_get_distinct_increasing_seqs(app: FastAPI, server: Server) -> None:
    sessions: list[Session] = []
    for n in range(PUSHERS):
        server.add_user(f"vol.{n}")
        sessions.append(server.login(f"vol.{n}"))
    coordinator = server.user("coord.one", "coordinator")

    seqs: dict[int, list[int]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(PUSHERS + 1)
    done = threading.Event()
    seen_by_puller: set[str] = set()

    # closing(), not `with TestClient`: a client's lifespan disposes the engine on leaving,
    # and a pool disposed while other threads have connections out leaks them unclosed
    # (ResourceWarning). The server fixture's client runs the lifespan once, at the end.
    def pusher(n: int) -> None:
        try:
            with closing(TestClient(app)) as client:
                session = Session(client, **{
                    k: getattr(sessions[n], k)
                    for k in ("username", "user_id", "device_id", "token")
                })
                start.wait()
                mine: list[int] = []
                for _ in range(BATCHES):
                    results = session.push(
                        *(visit_record(draft_visit()) for _ in range(PER_BATCH))
                    )
                    assert all(r["status"] == "accepted" for r in results)
                    mine += [r["seq"] for r in results]
                seqs[n] = mine
        except BaseException as exc:
            errors.append(exc)

    def puller() -> None:
        # Pulls while the pushes run, as a coordinator's laptop would; a seq that became
        # visible after a higher one would be skipped by the cursor and never seen.
        try:
            with closing(TestClient(app)) as client:
                session = Session(client, coordinator.username, coordinator.user_id,
                                  coordinator.device_id, coordinator.token)
                since = 0
                start.wait()
                while True:
                    finished = done.is_set()
                    page = session.pull(since, limit=7)
                    seen_by_puller.update(c["id"] for c in page["changes"])
                    since = page["next_since"]
                    if finished and not page["has_more"]:
                        return
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=pusher, args=(n,)) for n in range(PUSHERS)]
    pull_thread = threading.Thread(target=puller)
    for t in [*threads, pull_thread]:
        t.start()
    for t in threads:
        t.join(timeout=120)
    done.set()
    pull_thread.join(timeout=120)
    assert not errors, errors

    total = PUSHERS * BATCHES * PER_BATCH
    every = [s for mine in seqs.values() for s in mine]
    assert len(every) == total
    assert len(set(every)) == total
    assert sorted(every) == list(range(1, total + 1))
    for mine in seqs.values():
        assert mine == sorted(mine)

    everything = coordinator.pull_all()
    assert [c["seq"] for c in everything] == list(range(1, total + 1))
    assert seen_by_puller == {c["id"] for c in everything}
