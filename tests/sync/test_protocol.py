"""Sync between laptops and the real server (in process), on SQLite and PostgreSQL: what
arrives where, scope, conflicts kept for a person, rejected records, the post-sync check."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import delete, update

from icv_app.domain.custody.visit import VisitStatus
from icv_app.server.storage import SEQ_COUNTER, counters, record_revisions, records, write
from icv_app.store.custody import visits as vs
from icv_app.store.sync import sync_records as sr
from icv_app.sync.client import SyncProgress
from icv_app.sync.errors import SyncCancelled
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import Laptop, server_records, user_id


def assert_server_holds_exactly(scheme: Scheme, *laptops: Laptop) -> None:
    """Every record the laptops hold is on the server with the same rev and content, and
    the server holds nothing else of theirs: no loss, no duplicate."""
    held = {}
    for laptop in laptops:
        for key, copy in laptop.records().items():
            assert copy.rev == copy.base_rev, f"{laptop.name}: {key} not acknowledged"
            held[key] = copy
    on_server = server_records(scheme.engine)
    assert set(on_server) == set(held)
    for key, copy in held.items():
        assert (on_server[key].rev, on_server[key].hash) == (copy.rev, copy.hash), key


def test_reports_reach_the_server_and_the_volunteers_other_laptop(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    home, spare = laptops("vol.alpha"), laptops("vol.alpha")
    drafts = [home.new_draft() for _ in range(3)]
    home.submit(drafts[0].id)
    amendment = home.amend(drafts[0].id)
    home.delete(drafts[2].id)

    summary = home.sync()
    assert (summary.pushed, summary.accepted, summary.rejected) == (4, 4, 0)
    assert summary.check_ok is True and not summary.repulled
    spare.sync()
    assert spare.live_ids() == home.live_ids() == {
        ("visit", drafts[0].id), ("visit", drafts[1].id), ("amendment", amendment.id),
    }
    assert spare.load(drafts[0].id) == home.load(drafts[0].id)

    # An edit on the spare laptop comes back to the first one.
    spare.edit(drafts[1].id, "PS 9999")
    spare.sync()
    home.sync()
    assert home.load(drafts[1].id).header.officer_in_charge == "PS 9999"
    assert_server_holds_exactly(scheme, home)
    assert home.records() == spare.records()


def test_a_volunteers_laptop_never_receives_another_volunteers_reports(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    scheme.add_user("vol.bravo")
    scheme.add_user("coord.one", "coordinator")
    alpha, bravo = laptops("vol.alpha"), laptops("vol.bravo")
    mine = alpha.new_draft()
    alpha.submit(mine.id)
    amendment = alpha.amend(mine.id)
    theirs = bravo.new_draft()
    alpha.sync()
    bravo.sync()
    alpha.sync()
    assert alpha.live_ids() == {("visit", mine.id), ("amendment", amendment.id)}
    assert bravo.live_ids() == {("visit", theirs.id)}
    # Not even a tombstone or a trace of the other volunteer's report.
    assert ("visit", theirs.id) not in alpha.records()

    coordinator = laptops("coord.one")
    coordinator.sync()
    assert coordinator.live_ids() == alpha.live_ids() | bravo.live_ids()


def test_one_invalid_record_does_not_hold_up_the_others_and_shows_the_reason(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha", push_batch=3)
    good = [laptop.new_draft() for _ in range(3)]
    bad = laptop.new_refused()  # the server needs a visit date on a submitted report
    more = [laptop.new_draft() for _ in range(2)]

    summary = laptop.sync()
    assert (summary.accepted, summary.rejected) == (5, 1)
    on_server = server_records(scheme.engine)
    assert {("visit", r.id) for r in [*good, *more]} == set(on_server)
    [rejected] = laptop.rejected()
    assert rejected.id == bad.id
    assert "Enter the date of the visit" in rejected.reason
    assert laptop.pending() == 1  # still on the laptop, marked for attention
    assert laptop.live_ids() >= {("visit", bad.id)}

    # The way out (issue 6's policy): the refused submitted report never reached the
    # server, so it is reopened as a draft, with the refusal kept as its audit trail,
    # corrected and submitted again. The rest is not sent twice.
    reopened = laptop.write(lambda db: vs.reopen_refused(db, bad.id))
    assert reopened.status is VisitStatus.DRAFT and reopened.confirmed_by == []
    assert "Enter the date of the visit" in reopened.reopened[0].reason
    assert laptop.rejected() == []
    reopened.header.visit_date = dt.date.today()
    laptop.save(reopened)
    laptop.submit(bad.id)
    summary = laptop.sync()
    assert (summary.pushed, summary.rejected, summary.accepted) == (1, 0, 1)
    on_server = server_records(scheme.engine)[("visit", bad.id)].body
    assert on_server is not None and on_server["status"] == "submitted"
    assert "Enter the date of the visit" in on_server["reopened"][0]["reason"]
    assert laptop.pending() == 0


def test_a_new_draft_without_a_custody_suite_waits_instead_of_being_refused(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    typing = laptop.new_draft(suite_id="")  # a new visit is saved before the suite is set
    summary = laptop.sync()
    assert (summary.pushed, summary.rejected) == (0, 0)
    assert laptop.rejected() == [] and laptop.pending() == 1
    report = laptop.load(typing.id)
    report.header.suite_id = "suite-dunmore"
    laptop.save(report)
    assert laptop.sync().accepted == 1
    assert_server_holds_exactly(scheme, laptop)


def test_a_rejected_report_holds_back_its_amendment_not_the_queue(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    report = laptop.new_draft()
    laptop.submit(report.id)
    laptop.sync()
    other = laptop.new_draft()
    amendment = laptop.amend(report.id)
    # The report was refused earlier (say, an unknown suite on an older server): its
    # amendment waits with it instead of being refused for want of its report.
    laptop.write(lambda db: db.execute(
        "UPDATE visits SET attention = 'refused', rev = rev + 1 WHERE id = ?", [report.id]))
    summary = laptop.sync()
    assert summary.pushed == 1 and ("visit", other.id) in server_records(scheme.engine)
    assert ("amendment", amendment.id) not in server_records(scheme.engine)
    assert [r.id for r in laptop.rejected()] == [report.id]
    laptop.write(lambda db: db.execute(
        "UPDATE visits SET rev = base_rev WHERE id = ?", [report.id]))
    laptop.write(lambda db: sr.retry_rejected(db, "visit", report.id))
    laptop.sync()
    assert ("amendment", amendment.id) in server_records(scheme.engine)


def test_a_coordinators_change_while_the_volunteer_edits_is_kept_for_a_person(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    scheme.add_user("coord.one", "coordinator")
    volunteer, coordinator = laptops("vol.alpha"), laptops("coord.one")
    draft = volunteer.new_draft()
    volunteer.sync()
    coordinator.sync()

    coordinator.edit(draft.id, "PS 1111 (coordinator)")
    coordinator.sync()
    volunteer.edit(draft.id, "PS 2222 (volunteer)")
    summary = volunteer.sync()
    assert summary.conflicts == 1

    # Both copies are kept; nothing was overwritten on either side.
    [conflict] = volunteer.conflicts()
    assert conflict.local_body["header"]["officer_in_charge"] == "PS 2222 (volunteer)"
    assert conflict.server_body["header"]["officer_in_charge"] == "PS 1111 (coordinator)"
    assert volunteer.load(draft.id).header.officer_in_charge == "PS 2222 (volunteer)"
    on_server = server_records(scheme.engine)[("visit", draft.id)]
    assert on_server.body["header"]["officer_in_charge"] == "PS 1111 (coordinator)"
    assert summary.check_ok is True  # an open conflict is not a mismatch

    # The volunteer keeps theirs: it goes to the server as the next version.
    volunteer.write(lambda db: sr.resolve_conflict(db, "visit", draft.id, "mine"))
    volunteer.sync()
    coordinator.sync()
    assert coordinator.load(draft.id).header.officer_in_charge == "PS 2222 (volunteer)"
    assert_server_holds_exactly(scheme, volunteer)


def test_a_coordinators_amendment_and_the_volunteers_amendment_are_both_kept(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    scheme.add_user("coord.one", "coordinator")
    volunteer, coordinator = laptops("vol.alpha"), laptops("coord.one")
    report = volunteer.new_draft()
    volunteer.submit(report.id)
    volunteer.sync()
    coordinator.sync()

    theirs = coordinator.amend(report.id, "Coordinator: the suite was Dunmore.")
    mine = volunteer.amend(report.id, "Volunteer: arrival was 10:20.")
    coordinator.sync()
    volunteer.sync()
    coordinator.sync()
    for laptop in (volunteer, coordinator):
        assert {("amendment", theirs.id), ("amendment", mine.id)} <= laptop.live_ids()
        assert laptop.conflicts() == [] and laptop.rejected() == []
    assert_server_holds_exactly(scheme, volunteer)


def test_a_client_clock_a_day_off_orders_nothing(
    scheme: Scheme, laptops: LaptopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edits win by the server's order, not by the laptops' clocks."""
    import icv_app.domain.custody.visit as visit_module
    import icv_app.store.custody.visits as store_visits

    scheme.add_user("vol.alpha")
    fast, slow = laptops("vol.alpha"), laptops("vol.alpha")
    real_now = visit_module.utc_now

    def clock(offset: dt.timedelta) -> None:
        monkeypatch.setattr(visit_module, "utc_now", lambda: real_now() + offset)
        monkeypatch.setattr(store_visits, "utc_now", lambda: real_now() + offset)

    clock(dt.timedelta(days=1))  # this laptop thinks it is tomorrow
    draft = fast.new_draft()
    fast.edit(draft.id, "edited tomorrow")
    fast.sync()
    clock(dt.timedelta(days=-1))  # and this one, yesterday
    slow.sync()
    slow.edit(draft.id, "edited yesterday, but later")
    slow.sync()
    clock(dt.timedelta(0))
    fast.sync()
    assert fast.load(draft.id).header.officer_in_charge == "edited yesterday, but later"
    assert fast.conflicts() == [] and slow.conflicts() == []
    assert_server_holds_exactly(scheme, fast)


def test_the_check_repairs_a_laptop_that_lost_a_record(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    reports = [laptop.new_draft() for _ in range(4)]
    laptop.sync()
    # Something went wrong locally: a synced record vanished, the cursor says all is well.
    laptop.write(lambda db: db.execute("DELETE FROM visits WHERE id = ?", [reports[1].id]))
    unsynced = laptop.new_draft()
    summary = laptop.sync()
    assert summary.repulled and summary.check_ok is True
    assert laptop.live_ids() == {("visit", r.id) for r in [*reports, unsynced]}
    assert_server_holds_exactly(scheme, laptop)


def test_a_server_restored_from_an_older_backup_gets_the_lost_reports_again(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    before_backup = [laptop.new_draft() for _ in range(2)]
    laptop.sync()
    backup_seq = laptop.cursor()
    after = [laptop.new_draft() for _ in range(2)]
    laptop.submit(after[0].id)
    laptop.amend(after[0].id)
    laptop.sync()
    assert laptop.cursor() > backup_seq
    # The server is restored from the backup: what came after it is gone, seqs included.
    with write(scheme.engine) as conn:
        conn.execute(delete(records).where(records.c.seq > backup_seq))
        conn.execute(delete(record_revisions).where(record_revisions.c.seq > backup_seq))
        conn.execute(update(counters).where(counters.c.name == SEQ_COUNTER)
                     .values(value=backup_seq))
    assert len(server_records(scheme.engine)) == 2

    summary = laptop.sync()
    assert summary.repulled and summary.resent == 3 and summary.check_ok is True
    assert len(server_records(scheme.engine)) == 5
    assert_server_holds_exactly(scheme, laptop)
    assert {("visit", r.id) for r in [*before_backup, *after]} <= laptop.live_ids()


def test_progress_is_reported_and_cancel_loses_nothing(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha", push_batch=5)
    reports = [laptop.new_draft() for _ in range(12)]
    cancel = threading.Event()
    seen: list[SyncProgress] = []

    def progress(p: SyncProgress) -> None:
        seen.append(p)
        if p.phase == "push" and p.done == 5:
            cancel.set()  # the person pressed Cancel after the first batch

    with pytest.raises(SyncCancelled):
        laptop.sync(progress=progress, cancel=cancel)
    assert [(p.done, p.total) for p in seen] == [(0, 12), (5, 12)]
    assert seen[-1].label == "Sending changes (5 of 12)"
    assert len(server_records(scheme.engine)) == 5
    assert laptop.pending() == 7

    seen.clear()
    summary = laptop.sync(progress=progress)
    assert summary.pushed == 7
    assert {p.phase for p in seen} >= {"push", "pull", "check"}
    assert {("visit", r.id) for r in reports} == laptop.live_ids()
    assert_server_holds_exactly(scheme, laptop)


def test_a_record_first_pushed_here_is_owned_by_the_signed_in_user(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    uid = scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    report = laptop.new_draft()
    laptop.sync()
    owner = laptop.write(lambda db: db.execute(
        "SELECT owner_id FROM visits WHERE id = ?", [report.id]).fetchone()[0])
    assert owner == uid == user_id(scheme.engine, "vol.alpha")
