"""Submitted reports that are safely on the server leave a volunteer's laptop once the
server has held them for the scheme's retention period (a server setting), counted on the
server's clock from when it stored them; nothing else does."""

from __future__ import annotations

import datetime as dt

from icv_app.store.sync import sync_records as sr
from tests.sync.conftest import Clock, LaptopFactory, Scheme
from tests.sync.support import server_records

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)  # the laptops' clock: never used


def days_ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def test_old_submitted_reports_safely_on_the_server_are_purged_after_retention_days(
    scheme: Scheme, laptops: LaptopFactory, clock: Clock
) -> None:
    scheme.add_user("vol.alpha")
    scheme.add_user("coord.one", "coordinator")
    scheme.set_retention(30)
    laptop = laptops("vol.alpha", clock=lambda: NOW)
    old, amended, recent, draft = (laptop.new_draft() for _ in range(4))
    laptop.submit(old.id, at=days_ago(45))
    laptop.submit(amended.id, at=days_ago(45))
    laptop.amend(amended.id)
    # Refused by the server: not safely there, so it stays however old it is.
    refused = laptop.new_refused(at=days_ago(45))
    # Submitted long ago, but the server has only just stored them: they stay.
    assert laptop.sync().purged == 0
    clock.advance(days=27)
    laptop.submit(recent.id, at=days_ago(3))
    assert laptop.sync().purged == 0
    clock.advance(days=4)

    summary = laptop.sync()
    assert summary.check_ok is True
    assert summary.purged == 2  # the old report, and the amended one with its amendment
    left = laptop.live_ids()
    assert left == {("visit", recent.id), ("visit", draft.id), ("visit", refused.id)}
    assert [r.id for r in laptop.rejected()] == [refused.id]
    # The server keeps everything; the laptop neither re-fetches the purged reports nor
    # mistakes their absence for a mismatch.
    assert len(server_records(scheme.engine)) == 5  # 4 reports and the amendment
    again = laptop.sync()
    assert (again.pulled, again.repulled, again.check_ok) == (0, False, True)
    assert laptop.live_ids() == left

    # The volunteer's other laptop receives them and purges them at once; a coordinator's
    # laptop keeps the whole scheme.
    spare = laptops("vol.alpha", clock=lambda: NOW)
    assert spare.sync().purged == 2
    assert spare.live_ids() == {("visit", recent.id), ("visit", draft.id)}
    coordinator = laptops("coord.one", clock=lambda: NOW)
    assert coordinator.sync().purged == 0
    assert len(coordinator.live_ids()) == 5


def test_a_later_amendment_to_a_purged_report_is_not_a_mismatch(
    scheme: Scheme, laptops: LaptopFactory, clock: Clock
) -> None:
    scheme.add_user("vol.alpha")
    scheme.add_user("coord.one", "coordinator")
    scheme.set_retention(7)
    volunteer = laptops("vol.alpha", clock=lambda: NOW)
    report = volunteer.new_draft()
    volunteer.submit(report.id, at=days_ago(20))
    volunteer.sync()
    clock.advance(days=8)
    assert volunteer.sync().purged == 1
    coordinator = laptops("coord.one", clock=lambda: NOW)
    coordinator.sync()
    coordinator.amend(report.id, "Coordinator: the detainee count was 4.")
    coordinator.sync()
    summary = volunteer.sync()
    assert (summary.check_ok, summary.repulled) == (True, False)
    assert volunteer.live_ids() == set()


def test_the_retention_period_is_the_servers_to_set(
    scheme: Scheme, laptops: LaptopFactory, clock: Clock
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha", clock=lambda: NOW)
    report = laptop.new_draft()
    laptop.submit(report.id, at=days_ago(20))
    laptop.sync()
    clock.advance(days=20)
    scheme.set_retention(30)
    assert laptop.sync().purged == 0
    scheme.set_retention(10)
    assert laptop.sync().purged == 1
    assert laptop.write(lambda db: db.execute(
        "SELECT record_id FROM purged").fetchall()) == [(report.id,)]
    assert sr.count_pending(laptop.store.reader) == 0
