"""Network and process faults between laptops and a real server (uvicorn on 127.0.0.1,
behind the fault proxy), on SQLite and PostgreSQL. After each fault and a retry the server
holds exactly the records the laptops made: same ids, same content, nothing twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from icv_app.domain.custody.reference import ReferenceData
from icv_app.paths import Paths
from icv_app.store.local_store import LocalStore
from icv_app.store.sync import sync_records as sr
from icv_app.sync.client import SyncProgress
from icv_app.sync.errors import NetworkError
from tests.support.fault_proxy import FaultProxy
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import (
    Laptop,
    LiveServer,
    open_laptop,
    server_records,
    server_seqs,
    sign_in,
)
from tests.sync.test_protocol import assert_server_holds_exactly

PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"
FAULTS = ["cut_before", "cut_after", "cut_mid", "stall"]


def make_reports(laptop: Laptop, drafts: int = 5) -> None:
    reports = [laptop.new_draft() for _ in range(drafts)]
    laptop.submit(reports[0].id)
    laptop.amend(reports[0].id)
    laptop.delete(reports[1].id)


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_on_push_or_pull_then_a_retry_loses_and_duplicates_nothing(
    fault: str, scheme: Scheme, laptops: LaptopFactory, proxy: FaultProxy
) -> None:
    scheme.add_user("vol.alpha")
    home = laptops("vol.alpha", url=proxy.url, timeout=1.0)
    spare = laptops("vol.alpha", url=proxy.url, timeout=1.0)
    make_reports(home)

    proxy.plan(PUSH, fault)
    summary = home.sync()
    assert proxy.log.faults() == [fault]
    assert summary.retries == 1
    if fault == "cut_before":  # the server never saw the first try
        assert (summary.accepted, summary.duplicates) == (6, 0)
    else:  # it stored the batch, the answer was lost; the retry is recognised
        assert (summary.accepted, summary.duplicates) == (0, 6)
    assert_server_holds_exactly(scheme, home)

    proxy.plan(PULL, fault)
    summary = spare.sync()
    assert proxy.log.faults() == [fault, fault]
    assert summary.check_ok is True
    assert spare.records() == home.records()


def test_faults_beyond_the_retries_fail_the_sync_and_the_next_one_finishes(
    scheme: Scheme, laptops: LaptopFactory, proxy: FaultProxy
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha", url=proxy.url, timeout=1.0, push_batch=2)
    make_reports(laptop)
    proxy.plan(PUSH, "pass", "cut_after", "cut_mid", "cut_after", "cut_before", "cut_after")
    with pytest.raises(NetworkError) as failure:
        laptop.sync()
    assert "cannot be reached" in str(failure.value)
    # The first batch, and the second whose answers were all lost.
    assert len(server_records(scheme.engine)) == 4
    summary = laptop.sync()
    assert (summary.duplicates, summary.accepted) == (2, 2) and summary.check_ok is True
    assert_server_holds_exactly(scheme, laptop)


def test_the_server_restarting_mid_sync_loses_nothing(
    scheme: Scheme, laptops: LaptopFactory, live_server: LiveServer, proxy: FaultProxy
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha", url=proxy.url, timeout=2.0, push_batch=3)
    make_reports(laptop, drafts=8)
    restarted = []

    def restart_after_first_batch(p: SyncProgress) -> None:
        if p.phase == "push" and p.done == 3 and not restarted:
            live_server.stop()
            live_server.start()
            restarted.append(True)

    summary = laptop.sync(progress=restart_after_first_batch)
    assert restarted and summary.check_ok is True
    assert_server_holds_exactly(scheme, laptop)


def test_a_server_down_for_longer_than_the_retries_then_back(
    scheme: Scheme, laptops: LaptopFactory, live_server: LiveServer, proxy: FaultProxy
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha", url=proxy.url, timeout=2.0, push_batch=3)
    make_reports(laptop, drafts=8)

    def stop_after_first_batch(p: SyncProgress) -> None:
        if p.phase == "push" and p.done == 3:
            live_server.stop()

    with pytest.raises(NetworkError):
        laptop.sync(progress=stop_after_first_batch)
    assert laptop.pending() == 6
    live_server.start()
    summary = laptop.sync()
    assert summary.pushed == 6 and summary.check_ok is True
    assert_server_holds_exactly(scheme, laptop)


def test_an_error_inside_the_pull_transaction_leaves_the_store_as_it_was(
    scheme: Scheme, laptops: LaptopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheme.add_user("vol.alpha")
    source = laptops("vol.alpha")
    make_reports(source, drafts=12)
    source.sync()
    target = laptops("vol.alpha", pull_limit=4)
    original = sr.store_server_copy
    calls = []

    def fail_on_the_sixth(db, change):  # type: ignore[no-untyped-def]
        calls.append(change.id)
        if len(calls) == 6:
            raise RuntimeError("power cut while applying a pull")
        original(db, change)

    monkeypatch.setattr(sr, "store_server_copy", fail_on_the_sixth)
    with pytest.raises(RuntimeError):
        target.sync()
    # The first page (4 changes) is stored with its cursor; nothing of the second.
    assert len(target.records()) == 4
    assert target.cursor() == server_seqs(scheme.engine)[3]
    monkeypatch.setattr(sr, "store_server_copy", original)
    target.sync()
    assert target.records() == source.records()


KILLED_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from icv_app.paths import Paths
    from icv_app.store.sync import sync_records as sr
    from icv_app.store.local_store import LocalStore
    from icv_app.sync.client import SyncClient

    applied = []
    original = sr.store_server_copy

    def store_then_die(db, change):
        original(db, change)
        applied.append(change.id)
        if len(applied) == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)  # mid-transaction, no cleanup at all

    sr.store_server_copy = store_then_die
    store = LocalStore.open(Paths.resolve(sys.argv[1]))
    SyncClient(store, pull_limit=int(sys.argv[3])).sync()
    """
)


@pytest.mark.slow
def test_a_laptop_killed_while_applying_a_pull_restarts_consistent(
    scheme: Scheme,
    laptops: LaptopFactory,
    live_server: LiveServer,
    reference: ReferenceData,
    tmp_path: Path,
    child_env: dict[str, str],
    file_keyring: object,
) -> None:
    scheme.add_user("vol.alpha")
    source = laptops("vol.alpha", url=live_server.url)
    make_reports(source, drafts=14)  # 15 records
    source.sync()
    victim = open_laptop(tmp_path, "victim", reference)
    sign_in(victim, live_server.url, "vol.alpha")
    victim.store.close()

    child = subprocess.run(
        [sys.executable, "-c", KILLED_CHILD, str(tmp_path / "victim"), "8", "5"],
        env=child_env, capture_output=True, text=True, timeout=60,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr

    with LocalStore.open(Paths(tmp_path / "victim")) as store:
        held = store.reader.execute(
            "SELECT count(*) FROM visits").fetchone()[0] + store.reader.execute(
            "SELECT count(*) FROM amendments").fetchone()[0]
        cursor = int(sr.get_setting(store.reader, "pull_since") or 0)
    # Pages of 5: the first is stored with its cursor, the half-applied second is gone.
    seqs = server_seqs(scheme.engine)
    assert held == 5
    assert cursor == seqs[4]

    restarted = open_laptop(tmp_path, "victim", reference)
    try:
        summary = restarted.sync()
        assert summary.check_ok is True and not summary.repulled
        assert restarted.records() == source.records()
    finally:
        restarted.store.close()
