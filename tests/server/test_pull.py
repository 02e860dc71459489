"""Pulling changes in pages from a cursor, scope per user, and the count/digest check."""

from __future__ import annotations

import uuid

from sqlalchemy import update

from icv_app.server.storage import counters, write
from icv_app.sync.wire import scope_digest
from tests.server.support import (
    Server,
    amendment_record,
    draft_visit,
    submitted_visit,
    visit_record,
)


def test_pages_come_in_seq_order_and_the_cursor_resumes(server: Server) -> None:
    vol = server.user("vol.alpha")
    reports = [draft_visit() for _ in range(7)]
    vol.push(*(visit_record(r) for r in reports))

    first = vol.pull(since=0, limit=3)
    assert [c["seq"] for c in first["changes"]] == [1, 2, 3]
    assert first["has_more"] is True
    assert first["next_since"] == 3
    second = vol.pull(since=first["next_since"], limit=3)
    assert [c["seq"] for c in second["changes"]] == [4, 5, 6]
    last = vol.pull(since=second["next_since"], limit=3)
    assert [c["seq"] for c in last["changes"]] == [7]
    assert last["has_more"] is False
    assert last["next_since"] == 7
    assert [c["id"] for c in first["changes"] + second["changes"] + last["changes"]] == [
        r.id for r in reports
    ]
    empty = vol.pull(since=7)
    assert empty == {"changes": [], "next_since": 7, "has_more": False}


def test_a_changed_record_comes_again_at_its_new_seq(server: Server) -> None:
    vol = server.user("vol.alpha")
    a, b = draft_visit(), draft_visit()
    vol.push(visit_record(a), visit_record(b))
    cursor = vol.pull()["next_since"]
    a.header.panel = "Panel C"
    vol.push_one(visit_record(a, rev=2, base_rev=1))
    changes = vol.pull(cursor)["changes"]
    assert [(c["id"], c["rev"], c["seq"]) for c in changes] == [(a.id, 2, 3)]
    # From the start, each record comes once, in its latest state.
    assert [(c["id"], c["rev"]) for c in vol.pull_all()] == [(b.id, 1), (a.id, 2)]


def test_a_volunteer_never_receives_another_volunteers_records(server: Server) -> None:
    alpha = server.user("vol.alpha")
    bravo = server.user("vol.bravo")
    coordinator = server.user("coord.one", "coordinator")
    alpha_visit, bravo_visit = submitted_visit(), submitted_visit()
    alpha.push(visit_record(alpha_visit), amendment_record(alpha_visit.id))
    bravo.push(visit_record(bravo_visit), amendment_record(bravo_visit.id))
    # The coordinator amends bravo's report: bravo sees it, alpha does not.
    coordinator_amendment = amendment_record(bravo_visit.id, text="Corrected by office")
    assert coordinator.push_one(coordinator_amendment)["status"] == "accepted"

    alpha_ids = {c["id"] for c in alpha.pull_all(limit=1)}
    bravo_ids = {c["id"] for c in bravo.pull_all(limit=1)}
    assert bravo_visit.id not in alpha_ids and coordinator_amendment["id"] not in alpha_ids
    assert len(alpha_ids) == 2
    assert {bravo_visit.id, coordinator_amendment["id"]} <= bravo_ids
    assert len(bravo_ids) == 3
    assert len(coordinator.pull_all()) == 5


def test_the_cursor_skips_invisible_changes(server: Server) -> None:
    alpha = server.user("vol.alpha")
    bravo = server.user("vol.bravo")
    alpha.push_one(visit_record(draft_visit()))
    bravo.push(*(visit_record(draft_visit()) for _ in range(5)))
    page = alpha.pull(since=1)
    assert page == {"changes": [], "next_since": 6, "has_more": False}


def test_check_counts_and_digests_what_is_in_scope(server: Server) -> None:
    alpha = server.user("vol.alpha")
    bravo = server.user("vol.bravo")
    report = submitted_visit()
    gone = draft_visit()
    amendment = amendment_record(report.id)
    alpha.push(visit_record(report), visit_record(gone), amendment)
    alpha.push_one(visit_record(gone, rev=2, base_rev=1, deleted=True))
    bravo.push_one(visit_record(draft_visit()))

    check = alpha.get("/sync/check").json()
    expected = [("visit", report.id, 1), ("amendment", amendment["id"], 1)]
    assert check == {
        "count": 2,
        "digest": scope_digest(expected),
        "as_of_seq": 5,
        # Every kind the volunteer reaches is counted, those with none yet too.
        "counts": {"suite": 0, "panel": 0, "visitor": 0, "visit": 1, "amendment": 1,
                   "visit_query": 0, "query_reply": 0, "follow_up": 0, "record_review": 0},
        "server_time": "2030-03-01T09:00:00Z",  # the server's clock, for retention
    }
    # The client computes the same digest from what it pulled.
    pulled = alpha.pull_all()
    assert scope_digest((c["type"], c["id"], c["rev"]) for c in pulled if not c["deleted"]) == (
        check["digest"]
    )


def test_a_cursor_past_the_servers_latest_seq_says_pull_again(server: Server) -> None:
    """A server restored from a backup has fewer seqs than a laptop has seen."""
    vol = server.user("vol.alpha")
    vol.push(*(visit_record(draft_visit()) for _ in range(3)))
    page = vol.pull(since=10)
    assert page["next_since"] == 3 < 10
    assert page["changes"] == []


def test_pull_paging_limits_are_enforced(server: Server) -> None:
    vol = server.user("vol.alpha")
    assert vol.get("/sync/pull", params={"limit": 0}).status_code == 422
    assert vol.get("/sync/pull", params={"limit": 1001}).status_code == 422
    response = vol.get("/sync/pull", params={"since": -1})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_request"


def test_seq_counter_survives_in_the_database(server: Server) -> None:
    vol = server.user("vol.alpha")
    vol.push_one(visit_record(draft_visit()))
    with write(server.engine) as conn:
        conn.execute(update(counters).values(value=41))
    assert vol.push_one(visit_record(draft_visit()))["seq"] == 42


def test_locate_says_which_records_the_server_holds_and_nothing_more(server: Server) -> None:
    """After a full re-pull a laptop asks about records it holds that the pull did not
    bring: held outside its scope (drop them) or lost by the server (send them back)."""
    alpha = server.user("vol.alpha")
    bravo = server.user("vol.bravo")
    theirs = visit_record(draft_visit())
    bravo.push_one(theirs)
    lost = str(uuid.uuid4())
    answer = alpha.post("/sync/locate", json={"records": [
        {"type": "visit", "id": theirs["id"]}, {"type": "visit", "id": lost},
    ]})
    assert answer.status_code == 200
    assert answer.json() == {"held": [{"type": "visit", "id": theirs["id"]}]}
    # Ids only in canonical form, and a bounded number per call.
    upper = alpha.post("/sync/locate", json={"records": [
        {"type": "visit", "id": theirs["id"].upper()}]})
    assert upper.status_code == 422
    many = alpha.post("/sync/locate", json={"records": [
        {"type": "visit", "id": str(uuid.uuid4())} for _ in range(1001)]})
    assert many.status_code == 422
