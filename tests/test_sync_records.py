"""Sync bookkeeping on the laptop, without a server: what is pending, what a pull may
overwrite, conflicts kept for a person, and the retention purge."""

from __future__ import annotations

import datetime as dt

import pytest

from icv_app.domain.custody.demo import generate_visits
from icv_app.domain.custody.visit import Amendment, VisitStatus
from icv_app.domain.serialize import to_dict
from icv_app.store.custody import visits as vs
from icv_app.store.sync import sync_records as sr


def write(store, job):  # type: ignore[no-untyped-def]
    return store.writer.submit(job).result()


@pytest.fixture
def reports(reference):
    return list(generate_visits(reference, 6, seed=21, today=dt.date(2026, 11, 1)))


def test_new_and_changed_records_are_pending_visits_first(store, reports):
    write(store, lambda db: vs.insert_many(db, reports))
    submitted = next(r for r in reports if r.is_submitted)
    a = Amendment(submitted.id, "typo", "Arrival was 10:05.")
    write(store, lambda db: vs.add_amendment(db, a))
    out = sr.pending(store.reader)
    assert [o.type for o in out] == ["visit"] * 6 + ["amendment"]
    assert {o.id for o in out if o.type == "visit"} == {r.id for r in reports}


def test_accepted_records_stop_being_pending_but_later_edits_do_not(store, reports):
    draft = reports[0]
    draft.status = VisitStatus.DRAFT
    write(store, lambda db: vs.save_visit(db, draft))
    [out] = sr.pending(store.reader)
    draft.header.officer_in_charge = "PS 0001"  # edited while the push was in flight
    write(store, lambda db: vs.save_visit(db, draft))
    write(store, lambda db: sr.record_outcomes(
        db, [sr.PushOutcome("visit", draft.id, out.rev, "accepted", owner_id="u1")]))
    [again] = sr.pending(store.reader)
    assert again.rev == 2 and again.base_rev == 1


def test_rejected_record_is_marked_and_does_not_block_others(store, reports):
    write(store, lambda db: vs.insert_many(db, reports[:3]))
    bad = reports[0]
    write(store, lambda db: sr.record_outcomes(db, [
        sr.PushOutcome("visit", bad.id, 1, "rejected", reason="Unknown suite"),
        sr.PushOutcome("visit", reports[1].id, 1, "accepted"),
    ]))
    assert {o.id for o in sr.pending(store.reader)} == {reports[2].id}
    assert sr.count_attention(store.reader) == 1
    row = store.reader.execute("SELECT attention FROM visits WHERE id = ?", [bad.id]).fetchone()
    assert row[0] == "Unknown suite"


def test_pull_never_overwrites_an_unsynced_local_edit(store, reports):
    draft = reports[0]
    draft.status = VisitStatus.DRAFT
    write(store, lambda db: vs.save_visit(db, draft))
    write(store, lambda db: sr.record_outcomes(
        db, [sr.PushOutcome("visit", draft.id, 1, "accepted")]))
    draft.header.officer_in_charge = "mine"
    write(store, lambda db: vs.save_visit(db, draft))
    theirs = to_dict(draft)
    theirs["header"]["officer_in_charge"] = "theirs"
    change = sr.IncomingChange("visit", draft.id, 2, False, theirs, "u2")
    assert write(store, lambda db: sr.apply_changes(db, [change], 10)) == 1
    assert vs.load_visit(store.reader, draft.id).header.officer_in_charge == "mine"
    [conflict] = sr.list_conflicts(store.reader)
    assert conflict.local_body["header"]["officer_in_charge"] == "mine"
    assert conflict.server_body["header"]["officer_in_charge"] == "theirs"
    assert sr.pending(store.reader) == []  # waits for a person
    assert sr.get_setting(store.reader, "pull_since") == "10"

    write(store, lambda db: sr.resolve_conflict(db, "visit", draft.id, "mine"))
    [out] = sr.pending(store.reader)
    assert (out.base_rev, out.rev) == (2, 3)


def test_taking_the_server_copy_replaces_ours(store, reports):
    draft = reports[0]
    draft.status = VisitStatus.DRAFT
    write(store, lambda db: vs.save_visit(db, draft))
    theirs = to_dict(draft)
    theirs["header"]["officer_in_charge"] = "theirs"
    write(store, lambda db: sr.apply_changes(
        db, [sr.IncomingChange("visit", draft.id, 5, False, theirs)], 3))
    write(store, lambda db: sr.resolve_conflict(db, "visit", draft.id, "server"))
    assert vs.load_visit(store.reader, draft.id).header.officer_in_charge == "theirs"
    assert sr.pending(store.reader) == [] and sr.list_conflicts(store.reader) == []


def test_cursor_only_moves_with_the_data(store, reports):
    changes = [sr.IncomingChange("visit", r.id, 1, False, to_dict(r), "u1") for r in reports]

    def apply_then_crash(db):  # type: ignore[no-untyped-def]
        with db.atomic():
            sr.apply_changes(db, changes, 99)
            raise RuntimeError("killed while applying a pull")

    with pytest.raises(RuntimeError):
        write(store, apply_then_crash)
    assert sr.get_setting(store.reader, "pull_since") is None
    assert vs.count_visits(store.reader) == 0
    write(store, lambda db: sr.apply_changes(db, changes, 99))
    assert sr.get_setting(store.reader, "pull_since") == "99"
    assert vs.count_visits(store.reader) == 6 and sr.pending(store.reader) == []


def test_pulled_tombstone_removes_the_record(store, reports):
    r = reports[0]
    write(store, lambda db: sr.apply_changes(
        db, [sr.IncomingChange("visit", r.id, 1, False, to_dict(r))], 1))
    write(store, lambda db: sr.apply_changes(
        db, [sr.IncomingChange("visit", r.id, 2, True, None)], 2))
    assert vs.count_visits(store.reader) == 0


def test_retention_purges_only_old_reports_safely_on_the_server(store, reports):
    stored = "2027-04-01T00:00:00.000000+00:00"  # on the server's clock
    changes = [sr.IncomingChange("visit", r.id, 1, False, to_dict(r), stored_at=stored)
               for r in reports]
    write(store, lambda db: sr.apply_changes(db, changes, 6))
    count_before, digest_before = sr.synced_digest(store.reader)
    unsynced = next(r for r in reports if r.is_submitted)
    write(store, lambda db: db.execute(
        "UPDATE visits SET rev = rev + 1 WHERE id = ?", [unsynced.id]))
    now = "2027-06-01T00:00:00+00:00"
    purged = write(store, lambda db: sr.purge_retained(db, 30, now))
    submitted = [r for r in reports if r.is_submitted]
    assert purged == len(submitted) - 1
    left = {s.id for s in vs.list_visits(store.reader)}
    assert unsynced.id in left
    assert all(r.id in left for r in reports if not r.is_submitted)
    # The purged ones still count as held, and a re-pull does not bring them back.
    write(store, lambda db: sr.apply_changes(db, changes, 6))
    assert {s.id for s in vs.list_visits(store.reader)} == left
    write(store, lambda db: db.execute(
        "UPDATE visits SET rev = rev - 1 WHERE id = ?", [unsynced.id]))
    assert sr.synced_digest(store.reader) == (count_before, digest_before)


def test_nothing_recent_is_purged(store, reports):
    changes = [sr.IncomingChange("visit", r.id, 1, False, to_dict(r)) for r in reports]
    write(store, lambda db: sr.apply_changes(db, changes, 6))
    assert write(store, lambda db: sr.purge_retained(db, 3650)) == 0


def test_retention_counts_from_when_the_server_stored_a_report_not_from_submission(
    store, reports
):
    """Submitted a year ago, stored by the server yesterday: every backup older than a day
    lacks it, so it stays. And a report whose storing time this laptop does not know (one
    synced by an older version) stays too."""
    now = dt.datetime(2027, 6, 1, tzinfo=dt.UTC)
    yesterday = (now - dt.timedelta(days=1)).isoformat(timespec="microseconds")
    submitted = [r for r in reports if r.is_submitted]
    assert all(r.submitted_at < now - dt.timedelta(days=30) for r in submitted)
    changes = [sr.IncomingChange("visit", r.id, 1, False, to_dict(r),
                                 stored_at=yesterday if i else None)
               for i, r in enumerate(submitted)]
    write(store, lambda db: sr.apply_changes(db, changes, 6))
    assert write(store, lambda db: sr.purge_retained(db, 30, now.isoformat())) == 0
    later = (now + dt.timedelta(days=30)).isoformat()
    assert write(store, lambda db: sr.purge_retained(db, 30, later)) == len(submitted) - 1


# Added with the sync client ----------------------------------------------------------------


def _synced(store, reports):  # type: ignore[no-untyped-def]
    changes = [sr.IncomingChange("visit", r.id, 1, False, to_dict(r), "u1") for r in reports]
    write(store, lambda db: sr.apply_changes(db, changes, len(changes)))


def test_a_report_replaced_by_the_server_copy_keeps_its_amendments(store, reports):
    submitted = next(r for r in reports if r.is_submitted)
    _synced(store, [submitted])
    mine = Amendment(submitted.id, "typo", "Arrival was 10:05.")
    write(store, lambda db: vs.add_amendment(db, mine))
    theirs = to_dict(submitted)
    theirs["header"]["officer_in_charge"] = "PS 0002"
    # The server's copy replaces ours (a person chose it in a conflict).
    write(store, lambda db: sr.store_server_copy(
        db, sr.IncomingChange("visit", submitted.id, 2, False, theirs)))
    assert vs.load_visit(store.reader, submitted.id).header.officer_in_charge == "PS 0002"
    assert [a.id for a in vs.list_amendments(store.reader, submitted.id)] == [mine.id]
    assert [o.id for o in sr.pending(store.reader)] == [mine.id]


def test_a_pulled_copy_identical_to_an_unsynced_edit_is_not_a_conflict(store, reports):
    draft = reports[0]
    draft.status = VisitStatus.DRAFT
    _synced(store, [draft])
    draft.header.officer_in_charge = "the same on both laptops"
    write(store, lambda db: vs.save_visit(db, draft))
    same = sr.IncomingChange("visit", draft.id, 2, False, to_dict(draft))
    assert write(store, lambda db: sr.apply_changes(db, [same], 5)) == 0
    assert sr.list_conflicts(store.reader) == [] and sr.pending(store.reader) == []


def test_a_conflict_that_became_moot_is_hidden_and_settled(store, reports):
    draft = reports[0]
    draft.status = VisitStatus.DRAFT
    _synced(store, [draft])
    write(store, lambda db: vs.save_visit(db, draft))  # an edit here...
    gone = sr.IncomingChange("visit", draft.id, 2, True, None)  # ...deleted there
    assert write(store, lambda db: sr.apply_changes(db, [gone], 5)) == 1
    [conflict] = sr.list_conflicts(store.reader)
    assert conflict.can_keep_mine
    write(store, lambda db: vs.delete_draft(db, draft.id))  # the person deletes it too
    assert sr.list_conflicts(store.reader) == []
    assert write(store, sr.settle_identical_conflicts) == 1
    assert sr.count_attention(store.reader) == 0 and sr.pending(store.reader) == []


def test_keeping_mine_over_a_submitted_server_copy_is_not_offered(store, reports):
    draft = reports[0]
    draft.status = VisitStatus.DRAFT
    _synced(store, [draft])
    write(store, lambda db: vs.save_visit(db, draft))
    theirs = to_dict(draft)
    theirs["status"] = "submitted"
    write(store, lambda db: sr.apply_changes(
        db, [sr.IncomingChange("visit", draft.id, 2, False, theirs)], 5))
    [conflict] = sr.list_conflicts(store.reader)
    assert not conflict.can_keep_mine


def test_the_digest_is_the_wire_digest_and_counts_a_conflict_as_the_server_copy(
    store, reports
):
    from icv_app.sync.wire import scope_digest

    _synced(store, reports[:3])
    assert sr.synced_digest(store.reader) == (
        3, scope_digest(("visit", r.id, 1) for r in reports[:3]))
    draft = reports[0]
    write(store, lambda db: db.execute(
        "UPDATE visits SET rev = rev + 1 WHERE id = ?", [draft.id]))
    theirs = sr.IncomingChange("visit", draft.id, 4, False, to_dict(draft) | {"status": "x"})
    write(store, lambda db: sr.apply_changes(db, [theirs], 9))
    assert sr.synced_digest(store.reader)[1] == scope_digest(
        [("visit", draft.id, 4)] + [("visit", r.id, 1) for r in reports[1:3]])


def test_reconcile_resends_what_the_server_lost_and_drops_what_left_scope(store, reports):
    mine, lost, others = reports[0], reports[1], reports[2]
    changes = [
        sr.IncomingChange("visit", mine.id, 1, False, to_dict(mine), "me"),
        sr.IncomingChange("visit", lost.id, 1, False, to_dict(lost), "me"),
        sr.IncomingChange("visit", others.id, 1, False, to_dict(others), "someone else"),
    ]
    write(store, lambda db: sr.apply_changes(db, changes, 3))
    server = {("visit", mine.id): (1, False)}  # it has lost one; the other left our scope
    assert write(store, lambda db: sr.missing_from(db, server)) == [
        ("visit", lost.id), ("visit", others.id)]
    elsewhere = {("visit", others.id)}  # what the server says it holds, outside our scope
    assert write(store, lambda db: sr.reconcile(db, server, elsewhere)) == (1, 1, 0)
    assert [(o.id, o.base_rev) for o in sr.pending(store.reader)] == [(lost.id, 0)]
    assert ("visit", others.id) not in {("visit", s.id) for s in vs.list_visits(store.reader)}


def test_retrying_a_refused_report_retries_its_refused_amendments(store, reports):
    submitted = next(r for r in reports if r.is_submitted)
    write(store, lambda db: vs.insert_many(db, [submitted]))
    amendment = Amendment(submitted.id, "typo", "Arrival was 10:05.")
    write(store, lambda db: vs.add_amendment(db, amendment))
    write(store, lambda db: sr.record_outcomes(db, [
        sr.PushOutcome("visit", submitted.id, 1, "rejected", reason="Unknown suite"),
        sr.PushOutcome("amendment", amendment.id, 1, "rejected", reason="No such visit"),
    ]))
    assert [(r.type, r.reason) for r in sr.list_rejected(store.reader)] == [
        ("visit", "Unknown suite"), ("amendment", "No such visit")]
    assert sr.pending(store.reader) == []
    write(store, lambda db: sr.retry_rejected(db, "visit", submitted.id))
    assert [o.type for o in sr.pending(store.reader)] == ["visit", "amendment"]


def test_an_amendment_waits_while_its_report_waits_on_a_person(store, reports):
    submitted = next(r for r in reports if r.is_submitted)
    write(store, lambda db: vs.insert_many(db, [submitted]))
    amendment = Amendment(submitted.id, "typo", "Arrival was 10:05.")
    write(store, lambda db: vs.add_amendment(db, amendment))
    write(store, lambda db: sr.record_outcomes(db, [
        sr.PushOutcome("visit", submitted.id, 1, "rejected", reason="Unknown suite")]))
    assert sr.pending(store.reader) == []
    assert sr.count_pending(store.reader) == 2  # still unsent, not forgotten
