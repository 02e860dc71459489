"""A kind declared only in the tests syncs end to end through the real server, on SQLite
and PostgreSQL, with its scope enforced: a new kind is one declaration plus its local
migration (tests/support/record_kinds.py), nothing else."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest

from icv_app.server.auth import Principal
from icv_app.server.records import write_server_record
from icv_app.store.records import RecordFinal, load_record, save_record
from icv_app.sync.wire import Role
from tests.support.record_kinds import TASK, extra_kinds_registered
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import Laptop, server_records


@pytest.fixture(autouse=True)
def _kinds() -> Iterator[None]:
    with extra_kinds_registered():
        yield


def task(assignee: str, title: str = "Check the suite's new intercoms", **extra: object) -> dict:
    return {"id": str(uuid.uuid4()), "assignee_id": assignee, "title": title, "done": False,
            "note": "", **extra}


def save(laptop: Laptop, body: dict) -> int:
    return int(laptop.write(lambda db: save_record(db, TASK.name, body)))


def held(laptop: Laptop, rid: str) -> dict | None:
    return laptop.write(lambda db: load_record(db, TASK.name, rid))  # type: ignore[no-any-return]


def test_an_assigned_record_reaches_its_assignee_and_nobody_else(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("coord.one", "coordinator")
    alpha = scheme.add_user("vol.alpha")
    scheme.add_user("vol.beta")
    coordinator, a, b = laptops("coord.one"), laptops("vol.alpha"), laptops("vol.beta")

    body = task(alpha)
    save(coordinator, body)
    summary = coordinator.sync()
    assert summary.accepted == 1 and summary.check_ok
    assert server_records(scheme.engine)[(TASK.name, body["id"])].rev == 1

    assert a.sync().check_ok and held(a, body["id"]) == body
    assert b.sync().check_ok and held(b, body["id"]) is None

    # The assignee marks it done; the coordinator sees that; it is final from then on.
    save(a, {**body, "done": True, "note": "All six work."})
    assert a.sync().accepted == 1
    coordinator.sync()
    assert held(coordinator, body["id"])["note"] == "All six work."  # type: ignore[index]
    with pytest.raises(RecordFinal):
        save(coordinator, {**body, "done": True, "note": "changed"})


def test_a_user_outside_the_records_scope_cannot_change_it(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("coord.one", "coordinator")
    alpha = scheme.add_user("vol.alpha")
    scheme.add_user("vol.beta")
    coordinator, b = laptops("coord.one"), laptops("vol.beta")
    body = task(alpha)
    save(coordinator, body)
    coordinator.sync()

    # vol.beta's raw client claims the task (same id, next rev): refused, not stored.
    save(b, {**body, "title": "Mine now"})
    b.write(lambda db: db.execute("UPDATE test_tasks SET base_rev = 1, rev = 2"))
    summary = b.sync()
    assert summary.rejected == 1
    copy = server_records(scheme.engine)[(TASK.name, body["id"])]
    assert copy.rev == 1 and copy.body["title"] == body["title"]  # type: ignore[index]

    # A task vol.beta makes is in vol.beta's own scope; assigning it to vol.alpha makes
    # it reach vol.alpha too (the assigned relation), but it stays vol.beta's record.
    other = task(alpha, title="Sneaky")
    save(b, other)
    b.sync()
    a = laptops("vol.alpha")
    a.sync()
    assert held(a, other["id"]) == other  # assigned to alpha: alpha reaches it
    assert server_records(scheme.engine)[(TASK.name, other["id"])].scope_owner != alpha


def test_a_record_breaking_its_kinds_rule_is_refused_with_the_rule(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("coord.one", "coordinator")
    alpha = scheme.add_user("vol.alpha")
    coordinator = laptops("coord.one")
    save(coordinator, task(alpha, title="  "))
    summary = coordinator.sync()
    assert summary.rejected == 1
    [refused] = coordinator.client.store.writer.submit(
        lambda db: db.execute("SELECT attention FROM test_tasks").fetchall()).result()
    assert "A task needs a title" in refused[0]


def test_server_written_reference_data_reaches_every_role_and_cannot_be_pushed(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    admin_id = scheme.add_user("admin.one", "admin")
    scheme.add_user("vol.alpha")
    scheme.add_user("int.one", "interviewer")
    notice_id = str(uuid.uuid4())
    principal = Principal(admin_id, "admin.one", Role.ADMIN, "server", "server")
    write_server_record(scheme.engine, principal, "test_notice", notice_id,
                        {"id": notice_id, "text": "Suite 3 closed for repairs"},
                        dt.datetime.now(dt.UTC))
    for name in ("vol.alpha", "int.one"):
        laptop = laptops(name)
        assert laptop.sync().check_ok
        assert laptop.write(lambda db: load_record(db, "test_notice", notice_id)) == {
            "id": notice_id, "text": "Suite 3 closed for repairs"}

    # A laptop's own "notice" is refused: the kind is written on the server only.
    vol = laptops("vol.alpha", name="second")
    vol.sync()
    forged = str(uuid.uuid4())
    vol.write(lambda db: save_record(db, "test_notice", {"id": forged, "text": "Forged"}))
    summary = vol.sync()
    assert summary.rejected == 1
    assert ("test_notice", forged) not in server_records(scheme.engine)


def test_records_of_a_kind_this_laptop_did_not_know_are_kept_aside_then_taken_in(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    """An older app keeps a newer kind's records aside, counted as held; once it knows
    the kind (after an update), the next sync stores them."""
    from icv_app import kinds
    from icv_app.store.sync import sync_records as sr
    from tests.sync.support import server_seqs

    scheme.add_user("coord.one", "coordinator")
    alpha = scheme.add_user("vol.alpha")
    coordinator, a = laptops("coord.one"), laptops("vol.alpha")
    body = task(alpha)
    save(coordinator, body)
    coordinator.sync()
    [seq] = server_seqs(scheme.engine)
    change = sr.IncomingChange(TASK.name, body["id"], 1, False, body, alpha)

    # What the pull brings, applied by an app that does not know tasks yet.
    kinds.unregister(TASK.name)
    try:
        a.write(lambda db: sr.apply_changes(db, [change], seq))
        assert [(h.type, h.id) for h in a.write(sr.list_held_aside)] == [
            (TASK.name, body["id"])]
        assert a.write(sr.synced_digest)[0] == 1  # held aside counts as held
    finally:
        kinds.register(TASK)
    summary = a.sync()  # after the update
    assert summary.check_ok and not summary.repulled
    assert held(a, body["id"]) == body
    assert a.write(sr.list_held_aside) == []
