"""Random edits on three laptops, random network faults, syncs in any order: in the end,
after a fault-free sync of everyone, all converge and nothing is lost.

The laptops: two of one volunteer (``vol.alpha``) and one coordinator's, each its own
profile, talking to the real server in process through a transport that injects faults
(connection refused, answer lost after the server committed, answer timed out, 503).
A fresh server database per example, on SQLite and on PostgreSQL.

"Nothing lost" is checked against a model of versions and where they came from. Every
version a laptop writes records the version it was made from; a person choosing "keep
mine" in a conflict makes theirs a successor of the server's copy too. At the end every
version the server ever accepted must be the server's current one or an ancestor of it
(or one a person gave up by choosing the server's copy), and each laptop's last version of
everything it changed must have reached the server or still be on that laptop, marked for
a person. A conflict between two identical copies is never shown to anyone.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings, strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from icv_app import kinds
from icv_app.domain.custody.reference import ReferenceData
from icv_app.server import admin
from icv_app.server.app import create_app
from icv_app.server.config import ServerConfig
from icv_app.server.settings import set_retention
from icv_app.store.sync import sync_records as sr
from icv_app.sync.errors import SyncError
from tests.server import conftest as server_conftest
from tests.server.support import FAST_HASHER, PASSWORD
from tests.sync.support import (
    IN_PROCESS_URL,
    FaultTransport,
    Laptop,
    local_hash,
    open_laptop,
    server_records,
    server_revision_hashes,
    sign_in,
)

PATHS = ["/api/v1/sync/push", "/api/v1/sync/pull", "/api/v1/sync/check", "/api/v1/settings"]
Key = tuple[str, str]


@contextlib.contextmanager
def fresh_database(kind: str, root: Path) -> Iterator[str]:
    """A new, empty server database, as the server's fixtures make one."""
    if kind == "sqlite":
        yield f"sqlite:///{root / f'server-{uuid.uuid4().hex[:8]}.db'}"
        return
    import psycopg

    base = server_conftest.POSTGRES_URL
    schema = f"icv_sync_{uuid.uuid4().hex[:12]}"
    conninfo = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


class SyncMachine(RuleBasedStateMachine):
    kind = "sqlite"
    root = Path(".")
    reference: ReferenceData
    counter = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        from fastapi.testclient import TestClient

        self.resources = contextlib.ExitStack()
        n = next(self.counter)
        url = self.resources.enter_context(fresh_database(self.kind, self.root))
        app = create_app(url, config=ServerConfig(password_hasher=FAST_HASHER))
        self.resources.callback(app.state.icv.engine.dispose)
        self.engine = app.state.icv.engine
        client = self.resources.enter_context(TestClient(app))
        self.faults = FaultTransport(client._transport)
        self.alpha = admin.create_user(self.engine, "vol.alpha", "volunteer", PASSWORD,
                                       hasher=FAST_HASHER).id
        admin.create_user(self.engine, "coord.one", "coordinator", PASSWORD, hasher=FAST_HASHER)
        set_retention(self.engine, 3650)  # the model expects nothing purged
        self.laptops: list[Laptop] = []
        for i, user in enumerate(["vol.alpha", "vol.alpha", "coord.one"]):
            laptop = open_laptop(self.root / f"ex{n}", f"laptop{i}", self.reference,
                                 transport=self.faults, seed=i)
            self.resources.callback(laptop.store.close)
            sign_in(laptop, IN_PROCESS_URL, user)
            self.laptops.append(laptop)
        # The model: each laptop's last written version (content hash) of each record;
        # what each version was made from; the versions a person gave up in a conflict.
        self.written: dict[tuple[int, Key], str] = {}
        self.parents: dict[tuple[Key, str], set[str]] = {}
        self.given_up: set[tuple[int, Key]] = set()
        self.given_up_versions: set[tuple[Key, str]] = set()

    @initialize()
    def shared_start(self) -> None:
        """A few reports every laptop already holds, so edits can meet."""
        for i in (0, 1):
            for _ in range(2):
                self.create(i)
        for laptop in (*self.laptops, self.laptops[0]):
            laptop.sync()

    # Local work, as a person does it ----------------------------------------------------
    def _version(self, i: int, key: Key) -> str | None:
        held = self.laptops[i].records().get(key)
        return held.hash if held else None

    def _wrote(self, i: int, key: Key, made_from: str | None = None) -> None:
        version = self._version(i, key)
        assert version is not None
        self.written[(i, key)] = version
        if made_from is not None and made_from != version:
            self.parents.setdefault((key, version), set()).add(made_from)
        self.given_up.discard((i, key))

    def _visits(self, i: int, status: str) -> list[str]:
        return [r[0] for r in self.laptops[i].write(lambda db: db.execute(
            "SELECT id FROM visits WHERE status = ? AND deleted = 0 ORDER BY rowid", [status]
        ).fetchall())]

    @rule(i=st.integers(0, 2))
    def create(self, i: int) -> None:
        report = self.laptops[i].new_draft()
        self._wrote(i, ("visit", report.id))

    @rule(i=st.integers(0, 2), data=st.data(), text=st.text("abcXYZ 0123", max_size=12))
    def edit(self, i: int, data: st.DataObject, text: str) -> None:
        drafts = self._visits(i, "draft")
        if drafts:
            vid = data.draw(st.sampled_from(drafts))
            before = self._version(i, ("visit", vid))
            self.laptops[i].edit(vid, f"PS {text}")
            self._wrote(i, ("visit", vid), before)

    @rule(i=st.integers(0, 2), data=st.data())
    def submit(self, i: int, data: st.DataObject) -> None:
        drafts = self._visits(i, "draft")
        if drafts:
            vid = data.draw(st.sampled_from(drafts))
            before = self._version(i, ("visit", vid))
            self.laptops[i].submit(vid)
            self._wrote(i, ("visit", vid), before)

    @rule(i=st.integers(0, 2), data=st.data())
    def delete(self, i: int, data: st.DataObject) -> None:
        drafts = self._visits(i, "draft")
        if drafts:
            vid = data.draw(st.sampled_from(drafts))
            before = self._version(i, ("visit", vid))
            self.laptops[i].delete(vid)
            self._wrote(i, ("visit", vid), before)

    @rule(i=st.integers(0, 2), data=st.data())
    def amend(self, i: int, data: st.DataObject) -> None:
        submitted = self._visits(i, "submitted")
        if submitted:
            vid = data.draw(st.sampled_from(submitted))
            amendment = self.laptops[i].amend(vid)
            self._wrote(i, ("amendment", amendment.id))

    @rule(i=st.integers(0, 2), mine=st.booleans())
    def resolve(self, i: int, mine: bool) -> None:
        for conflict in self.laptops[i].conflicts()[:1]:
            self._resolve(i, conflict, mine)

    def _resolve(self, i: int, conflict: sr.Conflict, mine: bool) -> None:
        key = (conflict.type, conflict.id)
        keep = "mine" if mine and conflict.can_keep_mine else "server"
        ours = self._version(i, key)
        theirs = local_hash(conflict.server_body, conflict.server_deleted)
        assert ours is not None
        self.laptops[i].write(
            lambda db: sr.resolve_conflict(db, conflict.type, conflict.id, keep))
        if keep == "mine":  # the person saw the server's copy and chose to go on from ours
            self.parents.setdefault((key, ours), set()).add(theirs)
        else:
            self.given_up.add((i, key))
            self.given_up_versions.add((key, ours))

    @rule(i=st.integers(0, 2))
    def retry_rejected(self, i: int) -> None:
        for r in self.laptops[i].rejected():
            self.laptops[i].write(lambda db, r=r: sr.retry_rejected(db, r.type, r.id))

    # Sync, with faults --------------------------------------------------------------------
    @rule(
        i=st.integers(0, 2),
        faults=st.lists(
            st.tuples(st.sampled_from(PATHS), st.sampled_from(FaultTransport.FAULTS)),
            min_size=1, max_size=3,
        ),
    )
    def sync_with_faults(self, i: int, faults: list[tuple[str, str]]) -> None:
        for path, fault in faults:
            self.faults.plan(path, fault)
        self.sync(i)

    @rule(i=st.integers(0, 2))
    def sync(self, i: int) -> None:
        try:
            self.laptops[i].sync()
        except SyncError as exc:
            assert exc.retryable, exc  # only the injected faults may stop a sync
        finally:
            self.faults.clear()

    # The end: a fault-free sync of everyone, then the invariants -----------------------
    def settle(self) -> None:
        for _round in range(6):
            for i, laptop in enumerate(self.laptops):
                for conflict in laptop.conflicts():
                    self._resolve(i, conflict, mine=True)
                summary = laptop.sync()
                assert summary.check_ok is not False
            if all(not laptop.conflicts() and _unflagged_pending(laptop) == 0
                   for laptop in self.laptops):
                # One more pass so every laptop has pulled everyone's last pushes.
                for laptop in self.laptops:
                    assert laptop.sync().check_ok is True
                return
        raise AssertionError("the laptops did not settle in six fault-free rounds")

    @invariant()
    def conflicts_are_real(self) -> None:
        for laptop in self.laptops:
            for c in laptop.conflicts():
                ours = laptop.records()[(c.type, c.id)]
                assert ours.hash != local_hash(c.server_body, c.server_deleted), (
                    f"{laptop.name} was asked to choose between identical copies")

    def _ancestors(self, key: Key, version: str) -> set[str]:
        seen, todo = {version}, [version]
        while todo:
            for parent in self.parents.get((key, todo.pop()), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    def check_nothing_overwritten(self) -> None:
        """No version the server accepted was replaced by one made without seeing it."""
        history = server_revision_hashes(self.engine)
        for key, current in server_records(self.engine).items():
            lineage = self._ancestors(key, current.hash)
            for accepted in history.get(key, set()):
                assert accepted in lineage or (key, accepted) in self.given_up_versions, (
                    f"{key}: an accepted version was overwritten without anyone seeing it")

    def check_nothing_lost(self) -> None:
        history = server_revision_hashes(self.engine)
        for (i, key), written in self.written.items():
            if (i, key) in self.given_up:
                continue
            held = self.laptops[i].records().get(key)
            flagged = held is not None and held.attention is not None
            assert written in history.get(key, set()) or (
                flagged and held is not None and held.hash == written
            ), f"laptop{i} lost its last version of {key}"

    def check_converged(self) -> None:
        on_server = server_records(self.engine)
        made = {key for (_i, key) in self.written}
        assert set(on_server) <= made, "the server holds records no laptop made"
        for i, laptop in enumerate(self.laptops):
            volunteer = i < 2
            scope = {
                key: copy for key, copy in on_server.items()
                if not copy.deleted and (not volunteer or copy.scope_owner == self.alpha)
            }
            held = laptop.records()
            flagged = {k for k, c in held.items() if c.attention is not None}
            for key, copy in scope.items():
                if key in flagged:
                    continue
                assert key in held, f"laptop{i} is missing {key}"
                assert (held[key].rev, held[key].base_rev, held[key].hash) == (
                    copy.rev, copy.rev, copy.hash), f"laptop{i} differs on {key}"
            live = {k for k, c in held.items() if not c.deleted and k not in flagged}
            assert live <= set(scope), f"laptop{i} holds records outside its scope"

    def teardown(self) -> None:
        try:
            self.settle()
            self.check_nothing_lost()
            self.check_nothing_overwritten()
            self.check_converged()
        finally:
            self.resources.close()


def _unflagged_pending(laptop: Laptop) -> int:
    return int(laptop.write(lambda db: sum(
        db.execute(f"SELECT count(*) FROM {t} WHERE rev > base_rev AND attention IS NULL")
        .fetchone()[0] for t in (k.table for k in kinds.all_kinds())
    )))


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_random_edits_faults_and_syncs_converge_and_lose_nothing(
    kind: str, tmp_path: Path, reference: ReferenceData
) -> None:
    if kind == "postgresql":
        server_conftest.require_postgres()

    class Machine(SyncMachine):
        pass

    Machine.kind = kind
    Machine.root = tmp_path
    Machine.reference = reference
    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=30,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            # No shrinking: a failing run prints its (unshrunk) steps in seconds instead of
            # shrinking for minutes; add Phase.shrink locally to minimise a failure.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
        ),
    )
