"""Pushing records: accepted, duplicate, conflict, rejected; immutability; tombstones."""

from __future__ import annotations

from sqlalchemy import func, select

from icv_app.domain.serialize import to_dict
from icv_app.server.storage import read, records
from tests.server.support import (
    Server,
    amendment_record,
    draft_visit,
    submitted_visit,
    visit_record,
)


def _count(server: Server) -> int:
    with read(server.engine) as conn:
        return int(conn.execute(select(func.count()).select_from(records)).scalar_one())


def test_a_new_record_is_accepted_with_a_seq(server: Server) -> None:
    vol = server.user("vol.alpha")
    report = draft_visit()
    result = vol.push_one(visit_record(report))
    assert result["status"] == "accepted"
    assert result["seq"] == 1
    assert result["rev"] == 1
    (change,) = vol.pull_all()
    assert change["id"] == report.id
    assert change["body"] == to_dict(report)
    assert change["owner"] == "vol.alpha"


def test_the_same_push_twice_is_a_duplicate_not_a_second_record(server: Server) -> None:
    vol = server.user("vol.alpha")
    record = visit_record(draft_visit())
    first = vol.push_one(record)
    again = vol.push_one(record)
    assert again["status"] == "duplicate"
    assert again["seq"] == first["seq"]
    assert _count(server) == 1
    assert len(vol.pull_all()) == 1


def test_a_retry_of_an_older_rev_is_still_a_duplicate(server: Server) -> None:
    vol = server.user("vol.alpha")
    report = draft_visit()
    rev1 = visit_record(report, rev=1)
    vol.push_one(rev1)
    report.header.panel = "Panel B"
    assert vol.push_one(visit_record(report, rev=2, base_rev=1))["status"] == "accepted"
    assert vol.push_one(rev1)["status"] == "duplicate"


def test_a_lost_answer_then_more_edits_is_not_a_conflict(server: Server) -> None:
    vol = server.user("vol.alpha")
    report = draft_visit()
    vol.push_one(visit_record(report, rev=1))  # the laptop never hears "accepted"
    report.header.panel = "Panel B"
    result = vol.push_one(visit_record(report, rev=2, base_rev=0))
    assert result["status"] == "accepted"


def test_a_change_made_on_an_old_rev_conflicts_and_gets_the_server_copy(
    server: Server,
) -> None:
    server.add_user("vol.alpha")
    laptop = server.login("vol.alpha", device="laptop")
    tablet = server.login("vol.alpha", device="second laptop")
    report = draft_visit()
    laptop.push_one(visit_record(report, rev=1))

    report.header.panel = "Panel from the second laptop"
    assert tablet.push_one(visit_record(report, rev=2, base_rev=1))["status"] == "accepted"

    report.header.panel = "Panel from the first laptop"
    result = laptop.push_one(visit_record(report, rev=2, base_rev=1))
    assert result["status"] == "conflict"
    assert result["server"]["rev"] == 2
    assert result["server"]["body"]["header"]["panel"] == "Panel from the second laptop"
    assert "rev 2" in result["reason"]
    # Nothing was overwritten.
    (change,) = laptop.pull_all()
    assert change["body"]["header"]["panel"] == "Panel from the second laptop"


def test_one_invalid_record_does_not_hold_up_the_others(server: Server) -> None:
    vol = server.user("vol.alpha")
    good_1, good_2 = draft_visit(), draft_visit()
    no_suite = draft_visit(suite="")
    broken = visit_record(draft_visit())
    broken["body"]["counts"] = {"in_custody": "many"}
    results = vol.push(
        visit_record(good_1), visit_record(no_suite), broken, visit_record(good_2)
    )
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected", "accepted"]
    assert results[1]["code"] == "problems"
    assert results[1]["problems"] == [
        {"field": "header.suite_id", "message": "Choose the custody suite."}
    ]
    assert results[2]["code"] == "invalid"
    assert "counts.in_custody" in results[2]["reason"]
    assert {c["id"] for c in vol.pull_all()} == {good_1.id, good_2.id}


def test_malformed_records_are_rejected_with_reasons(server: Server) -> None:
    vol = server.user("vol.alpha")
    report = draft_visit()
    wrong_id = visit_record(report)
    wrong_id["body"]["id"] = str(draft_visit().id)
    no_body = visit_record(report)
    no_body["body"] = None
    rev_not_after_base = visit_record(report, rev=2, base_rev=2)
    results = vol.push(wrong_id, no_body, rev_not_after_base)
    assert [r["status"] for r in results] == ["rejected"] * 3
    assert results[0]["reason"] == "The body's id is not the record's id."
    assert "needs a body" in results[1]["reason"]
    assert "greater than base_rev" in results[2]["reason"]


def test_a_submitted_report_must_be_complete(server: Server) -> None:
    vol = server.user("vol.alpha")
    report = submitted_visit()
    report.header.arrival_time = None
    result = vol.push_one(visit_record(report))
    assert result["status"] == "rejected"
    assert {"field": "header.arrival_time", "message": "Enter the time you arrived."} in (
        result["problems"]
    )


def test_a_submitted_report_cannot_be_changed_on_the_server(server: Server) -> None:
    vol = server.user("vol.alpha")
    report = submitted_visit()
    assert vol.push_one(visit_record(report, rev=1))["status"] == "accepted"

    report.header.panel = "Changed afterwards"
    changed = vol.push_one(visit_record(report, rev=2, base_rev=1))
    assert changed["status"] == "rejected"
    assert changed["code"] == "immutable"
    assert "amendment" in changed["reason"]
    deleted = vol.push_one(visit_record(report, rev=2, base_rev=1, deleted=True))
    assert deleted["code"] == "immutable"
    (change,) = vol.pull_all()
    assert change["rev"] == 1 and not change["deleted"]


def test_a_draft_becomes_submitted_and_then_is_frozen(server: Server) -> None:
    vol = server.user("vol.alpha")
    report = submitted_visit()
    report.status = report.status.DRAFT
    vol.push_one(visit_record(report, rev=1))
    report.status = report.status.SUBMITTED
    assert vol.push_one(visit_record(report, rev=2, base_rev=1))["status"] == "accepted"
    report.status = report.status.DRAFT
    assert vol.push_one(visit_record(report, rev=3, base_rev=2))["code"] == "immutable"


def test_amendments_correct_submitted_reports_only(server: Server) -> None:
    vol = server.user("vol.alpha")
    submitted, draft = submitted_visit(), draft_visit()
    vol.push(visit_record(submitted), visit_record(draft))

    ok = vol.push_one(amendment_record(submitted.id))
    assert ok["status"] == "accepted"
    on_draft = vol.push_one(amendment_record(draft.id))
    assert on_draft["code"] == "reference"
    assert "draft" in on_draft["reason"]
    missing = vol.push_one(amendment_record(str(draft_visit().id)))
    assert missing["code"] == "reference"


def test_a_visit_and_its_amendment_in_one_batch(server: Server) -> None:
    vol = server.user("vol.alpha")
    report = submitted_visit()
    results = vol.push(visit_record(report), amendment_record(report.id))
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    assert results[0]["seq"] < results[1]["seq"]


def test_an_amendment_cannot_be_changed_once_on_the_server(server: Server) -> None:
    vol = server.user("vol.alpha")
    report = submitted_visit()
    amendment = amendment_record(report.id)
    vol.push(visit_record(report), amendment)
    amendment["body"]["text"] = "Something else"
    changed = vol.push_one({**amendment, "rev": 2, "base_rev": 1})
    assert changed["code"] == "immutable"


def test_tombstones_travel_like_changes(server: Server) -> None:
    server.add_user("vol.alpha")
    laptop = server.login("vol.alpha", device="laptop")
    other_laptop = server.login("vol.alpha", device="second laptop")
    report = draft_visit()
    laptop.push_one(visit_record(report, rev=1))
    cursor = other_laptop.pull()["next_since"]

    deleted = laptop.push_one(visit_record(report, rev=2, base_rev=1, deleted=True))
    assert deleted["status"] == "accepted"
    (change,) = other_laptop.pull(cursor)["changes"]
    assert change["deleted"] is True
    assert change["body"] is None
    assert change["rev"] == 2
    assert other_laptop.get("/sync/check").json()["count"] == 0

    # A deleted draft can come back (Undo), as a newer rev.
    restored = laptop.push_one(visit_record(report, rev=3, base_rev=2))
    assert restored["status"] == "accepted"
    assert other_laptop.get("/sync/check").json()["count"] == 1


def test_the_client_clock_orders_nothing(server: Server) -> None:
    vol = server.user("vol.alpha")
    report = draft_visit()
    early = visit_record(report, rev=1)
    early["modified_at"] = "2031-01-01T00:00:00+00:00"  # a clock a year ahead
    vol.push_one(early)
    report.header.panel = "later"
    late = visit_record(report, rev=2, base_rev=1)
    late["modified_at"] = "2029-01-01T00:00:00+00:00"  # then one behind
    assert vol.push_one(late)["status"] == "accepted"
    (change,) = vol.pull_all()
    assert change["body"]["header"]["panel"] == "later"


def test_an_empty_batch_is_fine(server: Server) -> None:
    vol = server.user("vol.alpha")
    assert vol.push() == []


def test_a_volunteer_cannot_push_over_another_volunteers_record(server: Server) -> None:
    alpha = server.user("vol.alpha")
    bravo = server.user("vol.bravo")
    report = draft_visit()
    alpha.push_one(visit_record(report))
    report.header.panel = "Taken over"
    for record in (visit_record(report, rev=2, base_rev=1), visit_record(report, rev=5)):
        result = bravo.push_one(record)
        assert result["status"] == "rejected"
        assert result["code"] == "forbidden"
        assert result["server"] is None  # nothing of alpha's leaks
    (change,) = alpha.pull_all()
    assert change["rev"] == 1
    assert change["owner"] == "vol.alpha"


def test_a_coordinators_change_keeps_the_volunteer_as_owner(server: Server) -> None:
    vol = server.user("vol.alpha")
    coordinator = server.user("coord.one", "coordinator")
    report = draft_visit()
    vol.push_one(visit_record(report))
    report.header.panel = "Set by the office"
    assert coordinator.push_one(visit_record(report, rev=2, base_rev=1))["status"] == "accepted"
    (change,) = vol.pull_all()
    assert change["owner"] == "vol.alpha"
    assert change["body"]["header"]["panel"] == "Set by the office"


def test_roles_without_custody_records_cannot_push_them(server: Server) -> None:
    interviewer = server.user("int.one", "interviewer")
    result = interviewer.push_one(visit_record(draft_visit()))
    assert result["code"] == "forbidden"
    assert "interviewer" in result["reason"]


def test_a_body_nested_deeper_than_any_kind_is_refused_and_pulls_keep_working(
    server: Server,
) -> None:
    """One volunteer's raw client sent a draft with an unknown key nested 300 levels deep:
    it was stored, and every later pull that included it answered 500, for everyone."""
    volunteer = server.user("vol.alpha")
    coordinator = server.user("coord.one", "coordinator")
    deep = visit_record(draft_visit())
    level = deep["body"]
    for _ in range(300):
        level["k"] = {}
        level = level["k"]
    result = volunteer.push_one(deep)
    assert (result["status"], result["code"]) == ("rejected", "invalid")
    assert "nested" in result["reason"]
    fine = visit_record(draft_visit())
    assert volunteer.push_one(fine)["status"] == "accepted"
    for session in (volunteer, coordinator):
        assert [c["id"] for c in session.pull_all()] == [fine["id"]]
