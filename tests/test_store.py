"""The encrypted local store: keys, refusals that leave the file alone, reports, amendments."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
import threading
from pathlib import Path

import keyring
import pytest
import sqlcipher3

from icv_app.domain.custody.demo import generate_visits
from icv_app.domain.custody.visit import Amendment, Detainee, ReportLocked, VisitReport, VisitStatus
from icv_app.paths import Paths
from icv_app.store.custody import visits as vs
from icv_app.store.custody.visits import VisitFilter
from icv_app.store.database import PLAIN_SQLITE_HEADER, SCHEMA_VERSION
from icv_app.store.errors import (
    DamagedDatabase,
    KeyMissing,
    NewerDatabase,
    PassphraseRequired,
    WrongKey,
)
from icv_app.store.keys import ENV_PASSPHRASE, KEYRING_SERVICE, load_profile, obtain_key
from icv_app.store.local_store import LocalStore
from tests.conftest import plaintext_file
from tests.support.keyring_backend import MemoryKeyring, PlaintextKeyring, chain_of


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write(store: LocalStore, job):  # type: ignore[no-untyped-def]
    return store.writer.submit(job).result()


def draft(suite: str = "suite-dunmore", day: int = 1) -> VisitReport:
    r = VisitReport()
    r.header.suite_id = suite
    r.header.visit_date = dt.date(2026, 5, day)
    r.header.arrival_time = dt.time(10, 0)
    return r


# Encryption and keys -------------------------------------------------------------------

def test_database_file_is_encrypted_and_unreadable_without_the_key(store, paths):
    write(store, lambda db: vs.save_visit(db, draft()))
    store.close()
    raw = paths.database.read_bytes()
    assert not raw.startswith(PLAIN_SQLITE_HEADER)
    assert b"suite-dunmore" not in raw
    plain = sqlite3.connect(paths.database)
    with pytest.raises(sqlite3.DatabaseError):
        plain.execute("SELECT * FROM sqlite_master").fetchall()
    plain.close()
    no_key = sqlcipher3.connect(str(paths.database))
    with pytest.raises(sqlcipher3.DatabaseError):
        no_key.execute("SELECT * FROM sqlite_master").fetchall()
    no_key.close()


def test_with_the_key_from_the_keyring_it_opens(store, paths, memory_keyring):
    report = draft()
    write(store, lambda db: vs.save_visit(db, report))
    store.close()
    profile = load_profile(paths.profile)
    assert profile is not None and profile.key_source == "keyring"
    stored_key = memory_keyring.get_password(KEYRING_SERVICE, profile.keyring_entry)
    assert stored_key and len(bytes.fromhex(stored_key)) == 32
    # The key is not in any plain file of the profile.
    for f in paths.data_dir.iterdir():
        assert stored_key.encode() not in f.read_bytes()
    conn = sqlcipher3.connect(str(paths.database))
    conn.execute(f"PRAGMA key = \"x'{stored_key}'\"")
    assert conn.execute("SELECT id FROM visits").fetchall() == [(report.id,)]
    conn.close()


def test_each_profile_has_its_own_key(tmp_path):
    a = LocalStore.open(Paths(tmp_path / "a"))
    b = LocalStore.open(Paths(tmp_path / "b"))
    assert a.profile.keyring_entry != b.profile.keyring_entry
    a.close()
    b.close()


def test_key_missing_from_keyring_is_refused_and_file_untouched(store, paths, memory_keyring):
    write(store, lambda db: vs.save_visit(db, draft()))
    store.close()
    before = digest(paths.database)
    memory_keyring.entries.clear()
    with pytest.raises(KeyMissing, match="not in this computer's keyring"):
        LocalStore.open(paths)
    assert digest(paths.database) == before


def test_wrong_key_in_keyring_is_refused_and_file_untouched(store, paths, memory_keyring):
    write(store, lambda db: vs.save_visit(db, draft()))
    store.close()
    before = digest(paths.database)
    for k in memory_keyring.entries:
        memory_keyring.entries[k] = "00" * 32
    with pytest.raises(WrongKey, match="does not open"):
        LocalStore.open(paths)
    assert digest(paths.database) == before


def test_without_a_keyring_a_passphrase_protects_the_profile(
    paths, no_keyring, monkeypatch
):
    with pytest.raises(PassphraseRequired) as info:
        LocalStore.open(paths)
    assert info.value.new_profile
    monkeypatch.setenv("ICV_APP_PASSPHRASE", "correct horse battery staple")
    s = LocalStore.open(paths)
    write(s, lambda db: vs.save_visit(db, draft()))
    s.close()
    profile = load_profile(paths.profile)
    assert profile is not None and profile.key_source == "passphrase"
    assert "correct horse" not in paths.profile.read_text()

    before = digest(paths.database)
    monkeypatch.setenv("ICV_APP_PASSPHRASE", "wrong passphrase")
    with pytest.raises(WrongKey, match="passphrase is not the one"):
        LocalStore.open(paths)
    assert digest(paths.database) == before

    monkeypatch.delenv("ICV_APP_PASSPHRASE")
    asked: list[bool] = []

    def provider(new: bool) -> str:
        asked.append(new)
        return "correct horse battery staple"

    s = LocalStore.open(paths, provider)
    assert asked == [False]
    assert vs.count_visits(s.reader) == 1
    s.close()


def files_holding_key(root: Path, key: bytes) -> list[Path]:
    """Every file under ``root`` with the key in it: raw, or in hex as keyring holds it."""
    forms = (key, key.hex().encode(), key.hex().upper().encode())
    return [
        f for f in root.rglob("*")
        if f.is_file() and any(form in f.read_bytes() for form in forms)
    ]


def test_an_insecure_keyring_counts_as_none_and_a_passphrase_protects_the_profile(
    tmp_path, paths, insecure_keyring, monkeypatch
):
    # A plain-text file, a backend keyring itself does not recommend, one that keeps
    # nothing, or a chain of such: all mean "no keyring", as on a headless machine.
    with pytest.raises(PassphraseRequired) as info:
        LocalStore.open(paths)
    assert info.value.new_profile
    asked: list[bool] = []

    def provider(new: bool) -> str:
        asked.append(new)
        return "correct horse battery staple"

    key, profile = obtain_key(paths.profile, paths.database, provider)
    assert asked == [True] and profile.key_source == "passphrase"
    LocalStore(paths, key, profile).close()  # the database, made with that key
    assert files_holding_key(tmp_path, key) == []
    assert not plaintext_file(tmp_path).exists()
    assert getattr(insecure_keyring, "entries", {}) == {}

    monkeypatch.setenv(ENV_PASSPHRASE, "correct horse battery staple")
    s = LocalStore.open(paths)
    assert s.profile.key_source == "passphrase"
    s.close()


def test_a_chained_keyring_keeps_the_key_only_in_its_secure_backend(tmp_path, paths):
    secure = MemoryKeyring()
    keyring.set_keyring(chain_of(PlaintextKeyring(plaintext_file(tmp_path)), secure))
    s = LocalStore.open(paths)
    s.close()
    assert s.profile.key_source == "keyring"
    stored = secure.get_password(KEYRING_SERVICE, s.profile.keyring_entry)
    assert stored is not None
    assert not plaintext_file(tmp_path).exists()
    assert files_holding_key(tmp_path, bytes.fromhex(stored)) == []
    LocalStore.open(paths).close()  # and it opens again from there


def test_cancelled_passphrase_prompt_opens_nothing(paths, no_keyring):
    with pytest.raises(PassphraseRequired):
        LocalStore.open(paths, lambda new: None)
    assert not paths.database.exists()


def test_newer_database_is_refused_and_left_untouched(store, paths):
    write(store, lambda db: db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}"))
    store.close()
    before = digest(paths.database)
    with pytest.raises(NewerDatabase, match="newer version of icv-app"):
        LocalStore.open(paths)
    assert digest(paths.database) == before


def test_database_with_unknown_migrations_is_refused(store, paths):
    write(
        store,
        lambda db: db["_sqlite_migrations"].insert(
            {"migration_set": "icv_app", "name": "0099_future", "applied_at": "x"}
        ),
    )
    store.close()
    with pytest.raises(NewerDatabase):
        LocalStore.open(paths)


def test_damaged_database_is_refused_and_left_untouched(store, paths):
    write(store, lambda db: vs.insert_many(db, [draft(day=d) for d in range(1, 20)]))
    store.close()
    for suffix in ("-wal", "-shm"):
        Path(str(paths.database) + suffix).unlink(missing_ok=True)
    data = bytearray(paths.database.read_bytes())
    data[100:4096] = b"\x00" * (4096 - 100)  # scribble over the first page
    paths.database.write_bytes(bytes(data))
    before = digest(paths.database)
    with pytest.raises(DamagedDatabase, match="damaged"):
        LocalStore.open(paths)
    assert digest(paths.database) == before


def test_unencrypted_sqlite_file_is_refused(paths, store):
    store.close()
    paths.database.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(paths.database) + suffix).unlink(missing_ok=True)
    conn = sqlite3.connect(paths.database)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(DamagedDatabase, match="unencrypted"):
        LocalStore.open(paths)


def test_store_uses_wal_and_foreign_keys(store):
    def pragmas(db):  # type: ignore[no-untyped-def]
        return (
            db.execute("PRAGMA journal_mode").fetchone()[0],
            db.execute("PRAGMA foreign_keys").fetchone()[0],
        )

    assert write(store, pragmas) == ("wal", 1)


def test_reopening_applies_no_migration_twice(paths):
    LocalStore.open(paths).close()
    s = LocalStore.open(paths)
    names = [r[0] for r in s.reader.execute("SELECT name FROM _sqlite_migrations")]
    from icv_app import kinds

    own = sum(len(kind.local_migrations) for kind in kinds.all_kinds())  # each kind's set
    assert len(names) == len(set(names)) == SCHEMA_VERSION + own
    s.close()


# Reports -------------------------------------------------------------------------------

def test_draft_saves_bump_rev_and_load_back(store):
    r = draft()
    assert write(store, lambda db: vs.save_visit(db, r)) == 1
    r.header.officer_in_charge = "PS 2417"
    r.detainees.append(Detainee(custody_number="01NS/0001/26"))
    assert write(store, lambda db: vs.save_visit(db, r)) == 2
    assert vs.load_visit(store.reader, r.id) == r


def test_a_submitted_report_cannot_be_edited(store):
    r = draft()
    write(store, lambda db: vs.save_visit(db, r))
    write(store, lambda db: vs.submit_visit(db, r))
    assert vs.load_visit(store.reader, r.id).status is VisitStatus.SUBMITTED
    r.header.officer_in_charge = "changed after submission"
    with pytest.raises(ReportLocked):
        write(store, lambda db: vs.save_visit(db, r))
    # Even raw SQL is stopped by the trigger.
    with pytest.raises(sqlcipher3.IntegrityError, match="cannot be edited"):
        write(store, lambda db: db.execute("UPDATE visits SET body = '{}' WHERE id = ?", [r.id]))
    with pytest.raises(ReportLocked):
        write(store, lambda db: vs.delete_draft(db, r.id))
    assert vs.load_visit(store.reader, r.id).header.officer_in_charge == ""


def test_amendment_references_the_original_and_is_listed_with_it(store):
    r = draft()
    write(store, lambda db: vs.save_visit(db, r))
    with pytest.raises(ValueError, match="edit the draft"):
        write(store, lambda db: vs.add_amendment(db, Amendment(r.id, "typo", "x")))
    write(store, lambda db: vs.submit_visit(db, r))
    with pytest.raises(ValueError, match="reason"):
        write(store, lambda db: vs.add_amendment(db, Amendment(r.id, " ", "x")))
    a = Amendment(r.id, "Departure time mistyped", "Departure was 21:40, not 12:40.", "v-001")
    write(store, lambda db: vs.add_amendment(db, a))
    assert vs.list_amendments(store.reader, r.id) == [a]
    assert vs.list_visits(store.reader)[0].amendment_count == 1


def test_deleted_draft_can_be_restored(store):
    r = draft()
    write(store, lambda db: vs.save_visit(db, r))
    write(store, lambda db: vs.delete_draft(db, r.id))
    assert vs.list_visits(store.reader) == []
    write(store, lambda db: vs.restore_draft(db, r.id))
    assert [s.id for s in vs.list_visits(store.reader)] == [r.id]


def test_list_filters_by_suite_status_date_and_search(store, reference):
    reports = list(generate_visits(reference, 200, seed=11))
    write(store, lambda db: vs.insert_many(db, reports))
    everything = vs.list_visits(store.reader)
    assert len(everything) == 200
    dates = [s.visit_date for s in everything]
    assert dates == sorted(dates, reverse=True)

    suite = reports[0].header.suite_id
    by_suite = vs.list_visits(store.reader, VisitFilter(suite_id=suite))
    assert {s.id for s in by_suite} == {r.id for r in reports if r.header.suite_id == suite}

    drafts = vs.list_visits(store.reader, VisitFilter(status=VisitStatus.DRAFT))
    assert {s.id for s in drafts} == {r.id for r in reports if not r.is_submitted}

    lo, hi = dt.date.today() - dt.timedelta(days=60), dt.date.today() - dt.timedelta(days=30)
    in_range = vs.list_visits(store.reader, VisitFilter(date_from=lo, date_to=hi))
    assert {s.id for s in in_range} == {
        r.id for r in reports if r.header.visit_date and lo <= r.header.visit_date <= hi
    }

    with_detainees = next(r for r in reports if r.detainees)
    number = with_detainees.detainees[0].custody_number
    found = vs.list_visits(store.reader, VisitFilter(search=number.lower()))
    assert with_detainees.id in {s.id for s in found}
    assert all(
        any(d.custody_number == number for d in vs.load_visit(store.reader, s.id).detainees)
        for s in found
    )
    assert vs.list_visits(store.reader, VisitFilter(search="100%_sure")) == []


# Writer --------------------------------------------------------------------------------

def test_writer_runs_jobs_in_order_off_the_calling_thread(store):
    seen: list[tuple[int, str]] = []
    futures = [
        store.writer.submit(lambda db, i=i: seen.append((i, threading.current_thread().name)))
        for i in range(50)
    ]
    for f in futures:
        f.result()
    assert [i for i, _ in seen] == list(range(50))
    assert {name for _, name in seen} == {"icv-writer"}


def test_queued_autosaves_of_one_visit_coalesce_and_the_newest_wins(store):
    r = draft()
    gate = threading.Event()
    store.writer.submit(lambda db: gate.wait(5))  # hold the writer busy
    futures = []
    for i in range(20):
        r.header.officer_in_charge = f"PS {i}"
        row = vs.visit_row(r)
        futures.append(
            store.writer.submit_latest(("visit", r.id), lambda db, row=row: vs.save_row(db, row))
        )
    gate.set()
    assert {f.result() for f in futures} == {1}  # one write happened
    assert vs.load_visit(store.reader, r.id).header.officer_in_charge == "PS 19"


def test_a_failing_job_is_rolled_back_and_the_writer_goes_on(store):
    r = draft()

    def half_then_fail(db):  # type: ignore[no-untyped-def]
        with db.atomic():
            vs.save_visit(db, r)
            raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write(store, half_then_fail)
    assert vs.list_visits(store.reader) == []
    write(store, lambda db: vs.save_visit(db, r))
    assert len(vs.list_visits(store.reader)) == 1


def test_keyring_test_backend_is_in_use():
    assert type(keyring.get_keyring()).__name__ == "MemoryKeyring"
