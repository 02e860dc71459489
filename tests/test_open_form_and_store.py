"""An open report never saves a stale copy over a newer one; bodies keep what a newer app
added; the store's writer and migrations are all-or-nothing.

Each test here reproduces a defect found in review (issue 6) and failed before its fix.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from icv_app.domain.custody.demo import generate_visits
from icv_app.domain.custody.visit import VisitStatus
from icv_app.domain.serialize import to_dict
from icv_app.services.custody.visits import VisitService
from icv_app.store import changes
from icv_app.store.changes import StoreChange
from icv_app.store.custody import visits as vs
from icv_app.store.local_store import LocalStore
from icv_app.store.sync import sync_records as sr


def write(store, job, **kwargs):  # type: ignore[no-untyped-def]
    return store.writer.submit(job, **kwargs).result()


@pytest.fixture
def service(store, reference) -> VisitService:  # type: ignore[no-untyped-def]
    return VisitService(store, reference)


@pytest.fixture
def synced_draft(store, reference):  # type: ignore[no-untyped-def]
    """A draft this laptop has pushed (the server holds it at rev 1)."""
    report = next(generate_visits(reference, 1, seed=5, today=dt.date(2026, 11, 1)))
    report.status = VisitStatus.DRAFT
    report.submitted_at = None
    write(store, lambda db: vs.save_visit(db, report))
    write(store, lambda db: sr.record_outcomes(db, [sr.PushOutcome("visit", report.id, 1,
                                                                   "accepted")]))
    return report


def pulled(report_dict: dict, **header: object) -> dict:
    body = json.loads(json.dumps(report_dict))
    body["header"].update(header)
    return body


def test_a_keystroke_after_a_pull_keeps_the_pulled_change(service, store, synced_draft):
    """Defect 1: the form's stale copy was saved over the pulled change (rev base+1),
    and the server took the next push as a plain edit."""
    form_copy = service.load(synced_draft.id)  # the volunteer has it open
    # A background pull brings the coordinator's change to the same draft.
    theirs = pulled(to_dict(synced_draft), officer_in_charge="PS 9001")
    write(store, lambda db: sr.apply_changes(
        db, [sr.IncomingChange("visit", synced_draft.id, 2, False, theirs)], 2))
    # One keystroke in another field of the open form.
    form_copy.header.delay_reason = "Handover at shift change"
    outcome = service.autosave(form_copy).result()

    assert outcome.merged and not outcome.overruled
    stored = vs.load_visit(store.reader, synced_draft.id)
    assert stored.header.officer_in_charge == "PS 9001"  # the pulled change stays
    assert stored.header.delay_reason == "Handover at shift change"  # and so does mine
    [out] = sr.pending(store.reader)
    assert (out.rev, out.base_rev) == (3, 2)  # an edit on top of the server's rev 2


def test_the_same_field_changed_on_both_sides_keeps_the_newer_copy_and_says_so(
    service, store, synced_draft
):
    form_copy = service.load(synced_draft.id)
    theirs = pulled(to_dict(synced_draft), officer_in_charge="PS 9001")
    write(store, lambda db: sr.apply_changes(
        db, [sr.IncomingChange("visit", synced_draft.id, 2, False, theirs)], 2))
    form_copy.header.officer_in_charge = "PS 1234"
    outcome = service.autosave(form_copy).result()
    assert outcome.overruled == ("header.officer_in_charge",)
    assert vs.load_visit(store.reader, synced_draft.id).header.officer_in_charge == "PS 9001"


def test_a_report_open_twice_does_not_lose_either_windows_edit(service, store, synced_draft):
    first, second = service.load(synced_draft.id), service.load(synced_draft.id)
    first.header.officer_in_charge = "PS 1111"
    service.autosave(first).result()
    second.header.delay_reason = "Busy booking-in"
    service.autosave(second).result()
    stored = vs.load_visit(store.reader, synced_draft.id)
    assert (stored.header.officer_in_charge, stored.header.delay_reason) == (
        "PS 1111", "Busy booking-in")


def test_fields_and_values_a_newer_app_added_survive_an_edit_here(service, store, reference):
    """Defect 2: bodies were re-serialised through this version's dataclasses, so what a
    newer app added was dropped, here and (after a push) on the server."""
    report = next(generate_visits(reference, 1, seed=8, today=dt.date(2026, 11, 1)))
    report.status, report.submitted_at = VisitStatus.DRAFT, None
    body = to_dict(report)
    body["header"]["weather"] = "storm"  # a field this version does not know
    body["header"]["mode"] = "hologram"  # a value this version does not know
    body["conditions"]["noise_levels"] = {"state": "satisfactory", "note": ""}
    body["detainees"][0]["wristband"] = "blue"
    body["issues"].append({"id": "0f8b2f0e-0000-4000-8000-000000000001",
                           "category": "telepathy", "text": "Future issue"})
    body["new_section"] = {"nested": [1, 2, {"deep": True}]}
    write(store, lambda db: sr.apply_changes(
        db, [sr.IncomingChange("visit", report.id, 4, False, body)], 4))

    shown = service.load(report.id)  # what this version can show
    assert shown.header.mode.value == "in_person"  # unknown value: shown as the default
    shown.header.officer_in_charge = "PS 4242"
    shown.detainees[0].raised = "Asked for a blanket"
    service.autosave(shown).result()

    [out] = sr.pending(store.reader)
    sent = out.body  # what the next push sends
    assert sent["header"]["weather"] == "storm"
    assert sent["header"]["mode"] == "hologram"
    assert sent["conditions"]["noise_levels"] == {"state": "satisfactory", "note": ""}
    assert sent["detainees"][0]["wristband"] == "blue"
    assert sent["detainees"][0]["raised"] == "Asked for a blanket"
    assert sent["issues"][-1]["category"] == "telepathy"
    assert sent["new_section"] == {"nested": [1, 2, {"deep": True}]}
    assert sent["header"]["officer_in_charge"] == "PS 4242"


def test_a_pulled_body_this_version_cannot_read_is_kept_aside_and_the_pull_goes_on(
    store, reference
):
    """Defect 2: an unreadable value raised out of the pull; the cursor never moved."""
    good = next(generate_visits(reference, 1, seed=9, today=dt.date(2026, 11, 1)))
    # An amendment from a newer app whose reason is no longer text: a required field this
    # version cannot read.
    broken = {"id": "6f1d3a52-0000-4000-8000-000000000002", "visit_id": good.id,
              "reason": {"code": "typo"}, "text": "Arrived 10:20"}
    unknown_kind = {"id": "6f1d3a52-0000-4000-8000-000000000003", "q": 1}
    write(store, lambda db: sr.apply_changes(db, [
        sr.IncomingChange("visit", good.id, 1, False, to_dict(good)),
        sr.IncomingChange("amendment", broken["id"], 1, False, broken),
        sr.IncomingChange("interview", unknown_kind["id"], 1, False, unknown_kind),
    ], 3))
    assert sr.get_setting(store.reader, "pull_since") == "3"
    assert vs.load_visit(store.reader, good.id).id == good.id
    aside = {(h.type, h.id) for h in sr.list_held_aside(store.reader)}
    assert aside == {("amendment", broken["id"]), ("interview", unknown_kind["id"])}
    # Held aside counts as held: the post-sync check agrees with the server.
    count, _digest = sr.synced_digest(store.reader)
    assert count == 3


def test_a_writer_job_that_fails_half_way_changes_nothing(store, reference):
    """Defect 4: the writer ran jobs without a transaction unless each job opened one."""
    a, b = list(generate_visits(reference, 2, seed=3, today=dt.date(2026, 11, 1)))

    def half_done(db):  # type: ignore[no-untyped-def]
        vs.insert_many(db, [a])
        db.execute("UPDATE settings SET value = 'x' WHERE key = 'none'")
        raise OSError("disk went away")

    with pytest.raises(OSError):
        write(store, half_done)
    assert vs.count_visits(store.reader) == 0
    write(store, lambda db: vs.insert_many(db, [b]))
    assert vs.count_visits(store.reader) == 1


def test_a_committed_write_is_announced_with_what_changed_and_who_changed_it(
    service, store, reference
):
    seen: list[StoreChange] = []
    store.changes.subscribe(seen.append)
    report, saved = service.new_visit("suite-ashford-road")
    saved.result()
    write(store, lambda db: sr.set_setting(db, "x", "1"))  # changes no record: no news
    write(store, lambda db: vs.delete_draft(db, report.id), origin=changes.SYNC)
    assert [(c.origin, c.records) for c in seen] == [
        (service.origin_of(report), frozenset({("visit", report.id)})),
        (changes.SYNC, frozenset({("visit", report.id)})),
    ]


def test_a_failed_job_announces_nothing(store, reference):
    seen: list[StoreChange] = []
    store.changes.subscribe(seen.append)
    [r] = list(generate_visits(reference, 1, seed=4, today=dt.date(2026, 11, 1)))

    def fails(db):  # type: ignore[no-untyped-def]
        vs.insert_many(db, [r])
        raise ValueError("no")

    with pytest.raises(ValueError):
        write(store, fails)
    assert seen == []


def undo_last_migration(paths, key) -> None:  # type: ignore[no-untyped-def]
    """As if this database came from the version before the visits search (0005)."""
    from icv_app.store import database

    conn = database.connect(paths.database, key)
    for trigger in ("insert", "update", "delete"):
        conn.execute(f"DROP TRIGGER visits_search_{trigger}")
    conn.execute("DROP TABLE visits_search")
    conn.execute("DROP TABLE server_stored")
    conn.execute("DROP TABLE lost")
    for trigger in ("insert", "update", "delete"):
        conn.execute(f"DROP TRIGGER visit_facets_{trigger}")
    conn.execute("DROP TABLE visit_facets")
    for table in ("visits", "amendments"):
        for trigger in ("insert", "update", "delete"):
            conn.execute(f"DROP TRIGGER {table}_figures_{trigger}")
    conn.execute("DROP TABLE visit_figures")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name IN "
                 "('0005_visits_search', '0006_server_stored', '0007_scheme_reports', "
                 "'0008_visit_figures')")
    conn.execute("PRAGMA user_version = 4")
    conn.close()


def test_the_schema_version_is_that_of_the_migrations_applied_whatever_stops_the_app(
    paths, monkeypatch
):
    """Defect 4: user_version was written after, outside, the migrations' transactions: an
    app stopped right after the migrations left a database that says an older version."""
    from icv_app.store import database, migrations

    s = LocalStore.open(paths)
    key = s._key
    s.close()
    undo_last_migration(paths, key)

    real_apply = migrations._core.apply

    def then_the_power_goes(db, **kwargs):  # type: ignore[no-untyped-def]
        real_apply(db, **kwargs)
        raise OSError("power cut")

    monkeypatch.setattr(migrations._core, "apply", then_the_power_goes)
    with pytest.raises(OSError):
        database.open_for_writing(paths.database, key)
    conn = database.connect(paths.database, key, read_only=True)
    applied = conn.execute(
        "SELECT count(*) FROM _sqlite_migrations WHERE migration_set = 'icv_app'"
    ).fetchone()[0]
    assert database.schema_version(conn) == applied == len(database.MIGRATION_NAMES)
    conn.close()


def test_a_failing_migration_leaves_the_database_at_the_version_before(paths, monkeypatch):
    import sqlite_utils

    from icv_app.store import database, migrations

    s = LocalStore.open(paths)
    key = s._key
    s.close()
    undo_last_migration(paths, key)
    target = next(m for m in migrations._core._migrations if m.name == "0005_visits_search")
    original = target.fn

    def fails_half_way(db: sqlite_utils.Database) -> None:
        original(db)
        raise OSError("disk full")

    monkeypatch.setattr(target, "fn", fails_half_way)
    with pytest.raises(OSError):
        database.open_for_writing(paths.database, key)
    conn = database.connect(paths.database, key, read_only=True)
    assert database.schema_version(conn) == 4
    assert not conn.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'visits_search'").fetchone()
    conn.close()


def test_a_full_disk_is_a_clear_message_and_loses_nothing_saved(service, store, reference):
    from icv_app.store.errors import StorageFull

    report, saved = service.new_visit("suite-ashford-road")
    saved.result()
    report.header.officer_in_charge = "PS 5150"
    service.autosave(report).result()
    # The database may not grow by a single page more: the disk is full.
    pages = store.reader.execute("PRAGMA page_count").fetchone()[0]
    write(store, lambda db: db.execute(f"PRAGMA max_page_count = {pages}"), transaction=False)
    report.header.outcome_note = "x" * 200_000
    with pytest.raises(StorageFull) as caught:
        service.autosave(report).result()
    assert "disk is full" in str(caught.value)
    assert vs.load_visit(store.reader, report.id).header.officer_in_charge == "PS 5150"
    # Room again: the next save writes what was typed meanwhile.
    write(store, lambda db: db.execute("PRAGMA max_page_count = 1073741823"),
          transaction=False)
    service.autosave(report).result()
    assert vs.load_visit(store.reader, report.id).header.outcome_note == "x" * 200_000


def test_search_finds_any_part_of_a_custody_number_issue_or_officer(store, reference):
    reports = list(generate_visits(reference, 30, seed=12, today=dt.date(2026, 11, 1)))
    write(store, lambda db: vs.insert_many(db, reports))
    target = next(r for r in reports if r.detainees and not r.is_submitted)
    number = target.detainees[0].custody_number
    middle = number[1:-1]
    found = {s.id for s in vs.list_visits(store.reader, vs.VisitFilter(search=middle))}
    expected = {r.id for r in reports
                if any(middle.lower() in d.custody_number.lower() for d in r.detainees)
                or middle.lower() in vs.visit_row(r)["search_text"]}
    assert target.id in found and found == expected
    # Edited and deleted reports leave the index with the row.
    target.detainees[0].custody_number = "ZZ/9876/26"
    write(store, lambda db: vs.save_visit(db, target))
    assert target.id not in {
        s.id for s in vs.list_visits(store.reader, vs.VisitFilter(search=middle))}
    assert [s.id for s in vs.list_visits(store.reader, vs.VisitFilter(search="9876/2"))] == [
        target.id]
    write(store, lambda db: db.execute("DELETE FROM visits WHERE id = ?", [target.id]))
    assert vs.list_visits(store.reader, vs.VisitFilter(search="9876/2")) == []


def test_a_value_this_version_shows_as_its_default_survives_a_save_outside_a_form(
    store, reference
):
    """The same as through a form, for a report read and saved by a command (or the sync
    tests' laptops): the session it adopts must compare against what was shown."""
    report = next(generate_visits(reference, 1, seed=6, today=dt.date(2026, 11, 1)))
    report.status, report.submitted_at = VisitStatus.DRAFT, None
    body = to_dict(report)
    body["header"]["mode"] = "hologram"
    write(store, lambda db: sr.apply_changes(
        db, [sr.IncomingChange("visit", report.id, 2, False, body)], 2))
    shown = vs.load_visit(store.reader, report.id)
    shown.header.officer_in_charge = "PS 2718"
    write(store, lambda db: vs.save_visit(db, shown))
    [out] = sr.pending(store.reader)
    assert out.body["header"]["mode"] == "hologram"
    assert out.body["header"]["officer_in_charge"] == "PS 2718"


def test_a_kind_new_in_this_version_has_its_tables_before_anything_reads(paths):
    """A profile from before a kind existed (its tables missing, the core schema
    current): opening it makes the kind's tables before the first read, not when the
    writer happens to start."""
    store = LocalStore.open(paths)
    store.writer.submit(lambda db: (
        db.execute("DROP TABLE survey_interviews"),
        db.execute("DELETE FROM _sqlite_migrations WHERE migration_set = "
                   "'kind:survey_interview'"),
    )).result()
    store.close()

    reopened = LocalStore.open(paths)
    try:
        count = reopened.reader.execute("SELECT count(*) FROM survey_interviews").fetchone()
        assert count == (0,)
    finally:
        reopened.close()
