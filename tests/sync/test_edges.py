"""Edges of sync that once lost a Cancel, looped, deleted unsent work or let a person pick
a way out the server would refuse; and the way out of a refused submitted report.

Each test reproduces a defect found in review (issue 6) and failed before its fix.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest

from icv_app.services.sync import SyncService
from icv_app.store.custody import visits as vs
from icv_app.store.sync import sync_records as sr
from icv_app.store.sync.conflicts import ResolutionRefused
from icv_app.sync.client import SyncClient
from icv_app.sync.errors import SyncCancelled
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import FAST_RETRY, FaultTransport, Laptop, server_records

WAIT = 30.0


@pytest.fixture
def services(in_process: FaultTransport) -> Iterator[Callable[[Laptop], SyncService]]:
    made: list[SyncService] = []

    def make(laptop: Laptop) -> SyncService:
        client = SyncClient(laptop.store, transport=in_process, retry=FAST_RETRY)
        service = SyncService(laptop.store, client=client, first_sync_delay=-1,
                              auto_interval=0, watch_interval=0)
        made.append(service)
        return service

    yield make
    for service in made:
        service.close()


def test_a_cancel_pressed_as_the_sync_starts_stops_it(
    scheme: Scheme, laptops: LaptopFactory, services: Callable[[Laptop], SyncService]
) -> None:
    """The worker cleared the cancel flag when the sync began, so a Cancel between the
    sync being taken off the queue and it starting was lost."""
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    laptop.new_draft()
    service = services(laptop)  # not started: the test plays the worker's part
    service._reader = laptop.store.new_reader()
    future = service.sync_now()
    job = service._next_job()
    assert job is not None and job.future is future
    service.cancel()  # pressed now: the sync has left the queue but not begun
    service._do(job)
    with pytest.raises(SyncCancelled):
        future.result(0)
    assert server_records(scheme.engine) == {}
    assert laptop.pending() == 1
    service._reader.close()


class TypingWhilePushing(httpx.BaseTransport):
    """Each push request lets the person type once more into the same draft."""

    def __init__(self, inner: httpx.BaseTransport, laptop: Laptop, visit_id: str) -> None:
        self.inner, self.laptop, self.visit_id = inner, laptop, visit_id
        self.pushes = 0
        self.typing = True

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/push"):
            self.pushes += 1
            if self.pushes > 20:
                raise AssertionError("the push phase never ends while someone types")
            response = self.inner.handle_request(request)
            if self.typing:
                self.laptop.edit(self.visit_id, f"PS {1000 + self.pushes}")
            return response
        return self.inner.handle_request(request)


def test_typing_during_a_push_does_not_keep_the_push_going(
    scheme: Scheme, laptops: LaptopFactory, in_process: FaultTransport
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    draft = laptop.new_draft()
    typing = TypingWhilePushing(in_process, laptop, draft.id)
    laptop.client = SyncClient(laptop.store, transport=typing, retry=FAST_RETRY)
    summary = laptop.sync()
    assert typing.pushes == 1 and summary.pushed == 1
    assert laptop.pending() == 1  # the edit made meanwhile goes with the next sync
    typing.typing = False
    laptop.sync()
    assert laptop.pending() == 0


def test_a_report_leaving_scope_keeps_an_unsent_amendment_made_here(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    """Reconcile dropped a report that left this laptop's scope, and the delete cascaded
    to the coordinator's amendment of it that had not been sent yet."""
    scheme.add_user("vol.alpha")
    scheme.add_user("coord.one", "coordinator")
    volunteer = laptops("vol.alpha")
    report = volunteer.new_draft()
    volunteer.submit(report.id)
    volunteer.sync()
    coordinator = laptops("coord.one")
    coordinator.sync()
    amendment = coordinator.amend(report.id, "The suite was Ashford Road, not Canal Street.")
    # The server no longer has the report in the coordinator's scope (say, restored from a
    # backup taken before it was sent); reconcile runs after the full re-pull.
    elsewhere = {("visit", report.id)}
    _resent, dropped, _ = coordinator.write(lambda db: sr.reconcile(db, {}, elsewhere))
    assert dropped == 0
    kept = coordinator.write(lambda db: vs.list_amendments(db, report.id))
    assert [a.id for a in kept] == [amendment.id]
    assert coordinator.pending() >= 1


def test_keep_mine_over_a_final_server_copy_is_refused_by_the_store_too(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    """Only the dialog guarded "keep mine" on an immutable server copy; any other caller
    could send ours over it and leave the record stuck."""
    scheme.add_user("vol.alpha")
    home, spare = laptops("vol.alpha"), laptops("vol.alpha", name="spare")
    draft = home.new_draft()
    home.sync()
    spare.sync()
    spare.submit(draft.id)
    spare.sync()
    home.edit(draft.id, "PS 7777")
    home.sync()  # the server's copy is submitted now: a conflict
    [conflict] = home.write(sr.list_conflicts)
    assert not conflict.can_keep_mine
    with pytest.raises(ResolutionRefused):
        home.write(lambda db: sr.resolve_conflict(db, "visit", draft.id, "mine"))
    assert home.write(sr.list_conflicts)  # still there for a person, nothing changed
    home.write(lambda db: sr.resolve_conflict(db, "visit", draft.id, "server"))
    assert home.load(draft.id).is_submitted


def test_a_refused_submitted_report_is_reopened_corrected_and_accepted_through_the_service(
    scheme: Scheme, laptops: LaptopFactory, services: Callable[[Laptop], SyncService]
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    bad = laptop.new_refused()
    service = services(laptop)
    service.start()
    assert service.sync_now().result(WAIT).rejected == 1
    [refused] = service.rejected()
    assert refused.can_reopen

    service.reopen_refused(bad.id).result(WAIT)
    assert service.rejected() == []
    draft = laptop.load(bad.id)
    assert not draft.is_submitted
    assert draft.reopened and "date of the visit" in draft.reopened[0].reason
    draft.header.visit_date = dt.date.today()
    laptop.save(draft)
    laptop.submit(bad.id)
    assert service.sync_now().result(WAIT).accepted == 1
    assert server_records(scheme.engine)[("visit", bad.id)].body["status"] == "submitted"


def test_a_refused_change_can_be_discarded_and_the_servers_copy_comes_back(
    scheme: Scheme, laptops: LaptopFactory, services: Callable[[Laptop], SyncService]
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    draft = laptop.new_draft()
    laptop.sync()
    # An edit the server refuses (a raw negative delay, as an older app might allow).
    report = laptop.load(draft.id)
    report.header.delay_minutes = -5
    report.status = report.status.SUBMITTED
    report.submitted_at = dt.datetime.now(dt.UTC)
    laptop.save(report)
    service = services(laptop)
    service.start()
    assert service.sync_now().result(WAIT).rejected == 1
    service.discard_rejected("visit", draft.id, sync_after=True).result(WAIT)
    done = threading.Event()
    service.add_listener(lambda s: done.set() if not s.running and s.pending == 0 else None)
    service.sync_now().result(WAIT)
    back = laptop.load(draft.id)
    assert not back.is_submitted and back.header.delay_minutes == draft.header.delay_minutes
    assert service.rejected() == []
