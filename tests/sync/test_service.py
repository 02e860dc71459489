"""The sync service the GUI uses: work off the caller's thread, one sync at a time, status
and progress to listeners, cancel, back-off while the server is away and a sync as soon
as it answers again, the problems a person must look at. Waits on events, not sleeps."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from icv_app.domain.custody.reference import ReferenceData
from icv_app.services.sync import SyncService, SyncStatus, differences
from icv_app.sync.client import SyncClient
from icv_app.sync.errors import SyncCancelled
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import FAST_RETRY, IN_PROCESS_URL, FaultTransport, Laptop, server_records

WAIT = 30.0  # an upper bound only: every wait ends as soon as its event happens


class Switch(httpx.BaseTransport):
    """The network: ``down`` refuses every connection; ``gate`` holds pushes until set."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.down = False
        self.health_calls = 0
        self.gate: threading.Event | None = None
        self.pushing = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/health":
            self.health_calls += 1
        if self.down:
            raise httpx.ConnectError("network down", request=request)
        if request.url.path.endswith("/push") and self.gate is not None:
            self.pushing.set()
            self.gate.wait(WAIT)
        return self.inner.handle_request(request)


class Watcher:
    """Collects status snapshots; waits until one matches."""

    def __init__(self, service: SyncService) -> None:
        self.seen: list[SyncStatus] = []
        self.threads: set[str] = set()
        self._cond = threading.Condition()
        service.add_listener(self._on_status)
        self.seen.append(service.status())

    def _on_status(self, status: SyncStatus) -> None:
        with self._cond:
            self.seen.append(status)
            self.threads.add(threading.current_thread().name)
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[SyncStatus], bool]) -> SyncStatus:
        with self._cond:
            assert self._cond.wait_for(
                lambda: any(predicate(s) for s in self.seen), WAIT
            ), f"no such status; last: {self.seen[-1] if self.seen else None}"
            return next(s for s in reversed(self.seen) if predicate(s))

    def wait_until(self, predicate: Callable[[SyncStatus], bool]) -> SyncStatus:
        """Until the latest status matches (not any earlier one)."""
        with self._cond:
            assert self._cond.wait_for(lambda: predicate(self.seen[-1]), WAIT), (
                f"no such status; last: {self.seen[-1]}")
            return self.seen[-1]


@pytest.fixture
def switch(in_process: FaultTransport) -> Switch:
    return Switch(in_process)


@pytest.fixture
def make_service(switch: Switch) -> Iterator[Callable[..., SyncService]]:
    services: list[SyncService] = []

    def make(laptop: Laptop, **kwargs: object) -> SyncService:
        client = SyncClient(laptop.store, transport=switch, retry=FAST_RETRY,
                            push_batch=int(kwargs.pop("push_batch", 200)))  # type: ignore[call-overload]
        kwargs.setdefault("first_sync_delay", -1)
        kwargs.setdefault("auto_interval", 0)
        kwargs.setdefault("watch_interval", 0)
        service = SyncService(laptop.store, client=client, **kwargs)  # type: ignore[arg-type]
        services.append(service)
        return service

    yield make
    for service in services:
        service.close()


def test_sync_runs_on_the_worker_thread_and_reports_status_and_progress(
    scheme: Scheme, laptops: LaptopFactory, make_service: Callable[..., SyncService]
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    for _ in range(3):
        laptop.new_draft()
    service = make_service(laptop)
    watcher = Watcher(service)
    service.start()
    ready = watcher.wait_for(lambda s: s.signed_in and s.pending == 3)
    assert (ready.username, ready.role, ready.last_synced) == ("vol.alpha", "volunteer", None)

    summary = service.sync_now().result(WAIT)
    assert summary.accepted == 3
    done = watcher.wait_for(lambda s: s.last_synced is not None and s.pending == 0)
    assert not done.running
    assert done.last_synced == summary.last_synced and done.online is True
    assert done.last_error is None and done.problems == 0
    assert any(s.running and s.progress and s.progress.phase == "push" for s in watcher.seen)
    assert watcher.threads == {"icv-sync"}  # listeners run on the worker, never the caller


def test_asking_again_while_a_sync_is_queued_does_not_queue_another(
    scheme: Scheme, laptops: LaptopFactory, make_service: Callable[..., SyncService]
) -> None:
    scheme.add_user("vol.alpha")
    service = make_service(laptops("vol.alpha"))
    first, second = service.sync_now(), service.sync_now()
    assert first is second
    service.start()
    first.result(WAIT)
    assert service.sync_now() is not first  # a new request after it ran
    service.sync_now().result(WAIT)


def test_cancel_stops_the_sync_and_keeps_what_it_stored(
    scheme: Scheme, laptops: LaptopFactory, switch: Switch,
    make_service: Callable[..., SyncService],
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    for _ in range(6):
        laptop.new_draft()
    service = make_service(laptop, push_batch=2)
    watcher = Watcher(service)
    switch.gate = threading.Event()
    service.start()
    future = service.sync_now()
    assert switch.pushing.wait(WAIT)
    service.cancel()  # while the first batch is on its way
    switch.gate.set()
    with pytest.raises(SyncCancelled):
        future.result(WAIT)
    status = watcher.wait_for(lambda s: not s.running and s.error_kind == "cancelled")
    assert status.last_error and "cancelled" in status.last_error
    assert len(server_records(scheme.engine)) == 2 and laptop.pending() == 4
    service.sync_now().result(WAIT)
    assert laptop.pending() == 0


def test_while_the_server_is_away_it_probes_with_back_off_and_syncs_when_it_is_back(
    scheme: Scheme, laptops: LaptopFactory, switch: Switch,
    make_service: Callable[..., SyncService],
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    laptop.new_draft()
    service = make_service(laptop, probe_min=0.01, probe_max=0.08)
    watcher = Watcher(service)
    switch.down = True
    service.start()
    service.sync_now()
    offline = watcher.wait_for(lambda s: s.online is False and s.next_attempt is not None)
    assert offline.error_kind == "network" and "cannot be reached" in (offline.last_error or "")
    assert offline.pending == 1
    # Several probes fail, each after a longer pause...
    with watcher._cond:
        assert watcher._cond.wait_for(lambda: switch.health_calls >= 3, WAIT)
    # ...then the network is back: the next probe answers and a sync follows by itself.
    switch.down = False
    back = watcher.wait_for(lambda s: s.online and s.pending == 0 and s.last_synced)
    assert back.last_error is None
    assert len(server_records(scheme.engine)) == 1


def test_a_network_change_probes_at_once(
    scheme: Scheme, laptops: LaptopFactory, switch: Switch,
    make_service: Callable[..., SyncService],
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    laptop.new_draft()
    service = make_service(laptop, probe_min=3600, probe_max=3600)  # would wait an hour
    watcher = Watcher(service)
    switch.down = True
    service.start()
    service.sync_now()
    watcher.wait_for(lambda s: s.online is False)
    switch.down = False
    service.network_changed()
    watcher.wait_for(lambda s: s.online and s.pending == 0 and s.last_synced)


def test_a_revoked_laptop_stops_trying_and_can_purge_after_confirmation(
    scheme: Scheme, laptops: LaptopFactory, switch: Switch,
    make_service: Callable[..., SyncService],
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    laptop.new_draft()
    service = make_service(laptop, auto_interval=0.01)
    watcher = Watcher(service)
    scheme.revoke_devices("vol.alpha")
    service.start()
    service.sync_now()
    status = watcher.wait_for(lambda s: s.device_revoked)
    assert status.next_attempt is None and status.pending == 1
    assert "revoked" in (status.last_error or "")
    with pytest.raises(ValueError):
        service.purge_local_data(confirmed=False)
    assert service.purge_local_data(confirmed=True).result(WAIT) == 1
    after = watcher.wait_for(lambda s: not s.signed_in and s.pending == 0)
    assert after.error_kind is None and after.needs_sign_in
    assert laptop.records() == {}


def test_conflicts_side_by_side_and_resolving_them(
    scheme: Scheme, laptops: LaptopFactory, make_service: Callable[..., SyncService]
) -> None:
    scheme.add_user("vol.alpha")
    home, spare = laptops("vol.alpha"), laptops("vol.alpha")
    draft = home.new_draft()
    home.sync()
    spare.sync()
    spare.edit(draft.id, "PS spare")
    spare.sync()
    home.edit(draft.id, "PS home")
    service = make_service(home)
    service.start()
    service.sync_now().result(WAIT)

    [conflict] = service.conflicts()
    assert (conflict.type, conflict.id, conflict.can_keep_mine) == ("visit", draft.id, True)
    assert conflict.suite_id == draft.header.suite_id
    assert [(d.path, d.mine, d.theirs) for d in conflict.differences] == [
        ("header.officer_in_charge", "PS home", "PS spare")]
    assert service.status().problems == 1

    service.resolve_conflict("visit", draft.id, "mine").result(WAIT)
    Watcher(service).wait_for(lambda s: s.problems == 0 and s.pending == 0)
    spare.sync()
    assert spare.load(draft.id).header.officer_in_charge == "PS home"


def test_refused_records_show_the_servers_reason_and_can_be_retried(
    scheme: Scheme, laptops: LaptopFactory, make_service: Callable[..., SyncService],
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    bad = laptop.new_refused()
    service = make_service(laptop)
    watcher = Watcher(service)
    service.start()
    assert service.sync_now().result(WAIT).rejected == 1
    watcher.wait_for(lambda s: s.problems == 1)
    [refused] = service.rejected()
    assert (refused.type, refused.id, refused.visit_id) == ("visit", bad.id, bad.id)
    assert refused.suite_id == bad.header.suite_id
    assert "Enter the date of the visit" in refused.reason

    first = service.status().last_summary
    service.retry_rejected("visit", bad.id).result(WAIT)
    # Sent again by itself (a sync follows the retry); refused again, still shown.
    again = watcher.wait_until(lambda s: s.last_summary is not first and not s.running)
    assert again.last_summary is not None
    assert (again.last_summary.pushed, again.last_summary.rejected) == (1, 1)
    assert [r.id for r in service.rejected()] == [bad.id]
    assert again.problems == 1


def test_signing_in_through_the_service_then_syncing(
    scheme: Scheme, tmp_path: Path, reference: ReferenceData, laptops: LaptopFactory,
    make_service: Callable[..., SyncService],
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops(None)
    laptop.new_draft()
    service = make_service(laptop)
    watcher = Watcher(service)
    service.start()
    from tests.server.support import PASSWORD

    account = service.login(IN_PROCESS_URL, "vol.alpha", PASSWORD, "test laptop").result(WAIT)
    assert account.username == "vol.alpha"
    watcher.wait_for(lambda s: s.signed_in and s.pending == 0 and s.last_synced)


def test_a_listener_that_fails_does_not_stop_sync(
    scheme: Scheme, laptops: LaptopFactory, make_service: Callable[..., SyncService]
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    laptop.new_draft()
    service = make_service(laptop)

    def broken(_status: SyncStatus) -> None:
        raise RuntimeError("a bug in a listener")

    service.add_listener(broken)
    service.start()
    assert service.sync_now().result(WAIT).accepted == 1


def test_differences_lists_the_changed_leaves() -> None:
    mine = {"a": 1, "b": {"c": [1, 2], "d": "x"}, "e": None}
    theirs = {"a": 1, "b": {"c": [1, 3, 4], "d": "x"}, "f": True}
    assert [(d.path, d.mine, d.theirs) for d in differences(mine, theirs)] == [
        ("b.c[1]", 2, 3), ("b.c[2]", None, 4), ("f", None, True),
    ]


def test_writes_that_did_not_ask_for_a_refresh_are_noticed(
    scheme: Scheme, laptops: LaptopFactory, make_service: Callable[..., SyncService]
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    service = make_service(laptop, watch_interval=0.02)
    watcher = Watcher(service)
    service.start()
    watcher.wait_until(lambda s: s.signed_in and s.pending == 0)
    laptop.new_draft()  # straight into the store, as an import or a command would
    laptop.new_draft()
    watcher.wait_until(lambda s: s.pending == 2)
