"""The central store restored from a backup: nothing is lost, on SQLite and PostgreSQL.

The scenario that lost 157 of 200 reports: a volunteer syncs 20 reports, the nightly
backup is taken, 180 more sync, and retention purged the old ones from the laptop at once
(their age was counted from submission). The server is then restored from the backup.
Now a report leaves a laptop only once the server has held it for the retention period
(on the server's clock), every laptop that holds records the server lacks sends them
back (a coordinator's laptop, which holds the whole scheme, included, with each report
going back to its owner), and nobody is told "all checked" while records are missing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, delete, select, update

from icv_app.server.storage import (
    SEQ_COUNTER,
    counters,
    current_seq,
    read,
    record_revisions,
    records,
    users,
    write,
)
from icv_app.store.sync import sync_records as sr
from tests.sync.conftest import Clock, LaptopFactory, Scheme
from tests.sync.support import Laptop, server_records

RETENTION_DAYS = 30


def _backup(engine: Engine) -> int:
    """A backup of the records, as of now (the seq it holds everything up to)."""
    with read(engine) as conn:
        return current_seq(conn)


def _restore(engine: Engine, backup_seq: int) -> None:
    """The server restored from that backup: what came after it is gone, seqs included."""
    with write(engine) as conn:
        conn.execute(delete(records).where(records.c.seq > backup_seq))
        conn.execute(delete(record_revisions).where(record_revisions.c.seq > backup_seq))
        conn.execute(update(counters).where(counters.c.name == SEQ_COUNTER)
                     .values(value=backup_seq))


def _submit_old_reports(laptop: Laptop, n: int, clock: Clock) -> list[str]:
    """Reports visited and submitted long ago (well past the retention period), only now
    synced: their age on the laptop is no reason to think the server's backups hold them."""
    ids = []
    for _ in range(n):
        report = laptop.new_draft()
        laptop.submit(report.id, at=clock.now - dt.timedelta(days=RETENTION_DAYS + 15))
        ids.append(report.id)
    return ids


def _owners(engine: Engine) -> dict[str, str]:
    with read(engine) as conn:
        rows = conn.execute(
            select(records.c.id, users.c.username)
            .join(users, users.c.id == records.c.owner_id)
            .where(records.c.type == "visit")
        )
        return {r.id: r.username for r in rows}


def _laptop(laptops: LaptopFactory, username: str, clock: Clock, **kwargs: Any) -> Laptop:
    return laptops(username, clock=clock, **kwargs)


def test_a_restore_loses_no_report_that_a_volunteer_synced(
    scheme: Scheme, laptops: LaptopFactory, clock: Clock
) -> None:
    scheme.add_user("vol.alpha")
    scheme.set_retention(RETENTION_DAYS)
    volunteer = _laptop(laptops, "vol.alpha", clock)
    first = _submit_old_reports(volunteer, 20, clock)
    assert volunteer.sync().check_ok is True
    backup = _backup(scheme.engine)
    clock.advance(days=1)
    later = _submit_old_reports(volunteer, 180, clock)
    summary = volunteer.sync()
    # Submitted 45 days ago, but on the server for a day at most: nothing is purged.
    assert (summary.check_ok, summary.purged) == (True, 0)
    assert len(volunteer.live_ids()) == 200

    _restore(scheme.engine, backup)
    assert len(server_records(scheme.engine)) == 20
    summary = volunteer.sync()
    assert summary.check_ok is True
    assert (summary.resent, summary.lost) == (180, 0)
    assert {i for _t, i in server_records(scheme.engine)} == set(first + later)
    again = volunteer.sync()
    assert (again.check_ok, again.repulled, again.resent) == (True, False, 0)

    # The server has now held the first 20 for the retention period; the 180 it has held
    # only since they were sent back, so they stay until their time comes too.
    clock.advance(days=RETENTION_DAYS)
    assert volunteer.sync().purged == 20
    clock.advance(days=2)
    assert volunteer.sync().purged == 180
    assert volunteer.live_ids() == set()
    assert len(server_records(scheme.engine)) == 200


def test_a_coordinators_laptop_sends_the_whole_scheme_back_after_a_restore(
    scheme: Scheme, laptops: LaptopFactory, clock: Clock
) -> None:
    """It used to delete its copies instead (out of scope, it concluded)."""
    scheme.add_user("vol.alpha")
    scheme.add_user("vol.beta")
    scheme.add_user("coord.one", "coordinator")
    scheme.set_retention(RETENTION_DAYS)
    alpha = _laptop(laptops, "vol.alpha", clock)
    beta = _laptop(laptops, "vol.beta", clock)
    coordinator = _laptop(laptops, "coord.one", clock)
    before = _submit_old_reports(alpha, 5, clock)
    alpha.sync()
    backup = _backup(scheme.engine)
    clock.advance(hours=6)
    alphas = _submit_old_reports(alpha, 10, clock)
    betas = _submit_old_reports(beta, 10, clock)
    alpha.amend(alphas[0])
    alpha.sync()
    beta.sync()
    assert coordinator.sync().check_ok is True
    owners = _owners(scheme.engine)
    assert len(coordinator.live_ids()) == 26  # 25 reports and an amendment

    _restore(scheme.engine, backup)
    # The volunteers' laptops have been lost (or wiped): only the coordinator's holds
    # what came after the backup.
    summary = coordinator.sync()
    assert summary.check_ok is True
    assert summary.resent == 21
    assert len(coordinator.live_ids()) == 26
    assert _owners(scheme.engine) == owners  # each report is its volunteer's again
    assert {i for t, i in server_records(scheme.engine) if t == "visit"} == set(
        before + alphas + betas)
    # And each volunteer, on a new laptop, gets their own reports back.
    for name, mine in (("vol.alpha", before + alphas), ("vol.beta", betas)):
        fresh = _laptop(laptops, name, clock)
        assert fresh.sync().check_ok is True
        assert {i for t, i in fresh.live_ids() if t == "visit"} == set(mine)


def test_reports_a_restore_took_beyond_reach_are_reported_not_checked_as_fine(
    scheme: Scheme, laptops: LaptopFactory, clock: Clock
) -> None:
    """A backup older than the retention period (against the README's advice): reports
    purged from the volunteer's laptop cannot come back from it, and it says so; the
    coordinator's laptop still holds them and sends them back, and then all is well."""
    scheme.add_user("vol.alpha")
    scheme.add_user("coord.one", "coordinator")
    scheme.set_retention(RETENTION_DAYS)
    volunteer = _laptop(laptops, "vol.alpha", clock)
    coordinator = _laptop(laptops, "coord.one", clock)
    backup = _backup(scheme.engine)  # taken before any report
    _submit_old_reports(volunteer, 3, clock)
    volunteer.sync()
    coordinator.sync()
    clock.advance(days=RETENTION_DAYS + 1)
    assert volunteer.sync().purged == 3

    _restore(scheme.engine, backup)
    summary = volunteer.sync()
    assert summary.lost == 3
    assert "no longer on the server" in summary.describe()
    assert volunteer.write(sr.count_lost) == 3

    assert coordinator.sync().resent == 3
    volunteer.sync()
    assert volunteer.write(sr.count_lost) == 0
    assert len(server_records(scheme.engine)) == 3
