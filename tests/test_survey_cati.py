"""Telephone fieldwork on one laptop: a survey manager imports a sample and assigns it; an
interviewer's queue follows the retry rules on a fixed clock; a call that closes a case
takes its phone number off the laptop at once; no list or command output shows a phone
number; the AAPOR rates come out as worked by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from icv_app.cli import main
from icv_app.domain.serialize import to_dict
from icv_app.domain.survey.calls import (
    InterviewLength,
    QueueEntry,
    QueueGroup,
    RetryRules,
    case_disposition,
    case_state,
    figures,
    outcome_rates,
)
from icv_app.domain.survey.records import (
    CallAttempt,
    CallOutcome,
    InterviewStatus,
    SurveyInstrument,
    SurveyInterview,
    phone_in,
)
from icv_app.paths import Paths
from icv_app.services.survey.cati import (
    CatiError,
    CatiService,
    SampleUnreadable,
)
from icv_app.store.changes import StoreChange
from icv_app.store.local_store import LocalStore
from icv_app.store.records import load_record, save_record
from icv_app.store.sync import sync_records as sr
from icv_app.sync import credentials as cred

FORM = "perception"
ME = "5b0c4f1e-7a52-4d8e-9c36-1f0e2a7d4b91"  # the interviewer's user id
OTHER = "0f1e2d3c-4b5a-4968-8776-655443322110"
# Phone numbers from Ofcom's drama range (07700 900000-900999): never anyone's.
PHONES = [f"07700 900{n:03d}" for n in range(100, 200)]
T0 = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)  # a Monday


class Clock:
    def __init__(self, now: dt.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def at(self, hh: int, mm: int = 0, day: int = 0) -> dt.datetime:
        self.now = T0.replace(hour=hh, minute=mm) + dt.timedelta(days=day)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def sample_text(n: int, start: int = 1, areas: tuple[str, ...] = ("Shropshire",)) -> str:
    lines = ["case_id,phone,area,age_band,gender"]
    for i in range(start, start + n):
        lines.append(f"C-{i:04d},{PHONES[i % 100]},{areas[i % len(areas)]},35-54,female")
    return "\n".join(lines) + "\n"


def hold_form(store: LocalStore, form_id: str = FORM) -> None:
    record = SurveyInstrument.from_workbook(b"a workbook", form_id=form_id, version="1")
    store.writer.submit(lambda db: save_record(db, "survey_instrument",
                                               to_dict(record))).result()


def as_synced(store: LocalStore) -> None:
    """What a sync leaves: every record here acknowledged by the server (its copy)."""
    def job(db: Any) -> None:
        for table in ("sample_cases", "call_attempts", "survey_instruments"):
            db.execute(f"UPDATE {table} SET base_rev = rev")

    store.writer.submit(job).result()


def case_body(store: LocalStore, case_id: str) -> dict[str, Any]:
    body = store.writer.submit(lambda db: load_record(db, "sample_case", case_id)).result()
    assert body is not None
    return body  # type: ignore[no-any-return]


def case_ids(store: LocalStore) -> dict[str, str]:
    return {ref: rid for rid, ref in store.reader.execute(
        "SELECT id, case_ref FROM sample_cases")}


@pytest.fixture
def manager(store: LocalStore, clock: Clock) -> CatiService:
    hold_form(store)
    return CatiService(store, "sm-user", now=clock, tz=dt.UTC)


@pytest.fixture
def me(store: LocalStore, clock: Clock) -> CatiService:
    return CatiService(store, ME, now=clock, tz=dt.UTC)


def assigned(manager: CatiService, tmp_path: Path, n: int) -> dict[str, str]:
    """n cases C-0001... imported, assigned to ME and acknowledged by the server."""
    manager.import_sample(write_csv(tmp_path / "s.csv", sample_text(n)), FORM)
    assert manager.assign(FORM, ME) == n
    as_synced(manager.store)
    return case_ids(manager.store)


# --- importing a sample -----------------------------------------------------------------


def test_a_sample_imports_with_its_strata_once_and_in_one_transaction(
    store: LocalStore, manager: CatiService, tmp_path: Path
) -> None:
    published: list[StoreChange] = []
    store.changes.subscribe(published.append)
    progress: list[tuple[int, int]] = []
    text = "\ufeffCase ID,Phone,AREA,Age band,Gender\n" + sample_text(1200).split("\n", 1)[1]
    result = manager.import_sample(write_csv(tmp_path / "sample.csv", text), FORM,
                                   progress=lambda done, total: progress.append((done, total)))
    assert (result.added, result.already_there, result.problems, result.refused) == (
        1200, 0, (), False)
    assert progress[-1] == (1200, 1200) and len(progress) == 3  # every 500, and the end
    store.writer.flush()
    assert len([c for c in published if c.touches("sample_case")]) == 1  # one transaction

    first = case_body(store, case_ids(store)["C-0001"])
    assert (first["case_ref"], first["phone"], first["area"], first["strata"]) == (
        "C-0001", PHONES[1], "Shropshire", {"Age band": "35-54", "Gender": "female"})
    assert (first["position"], first["interviewer_id"], first["status"]) == (1, "", "open")

    # The same file again, and one with two more cases: nothing imported twice.
    again = manager.import_sample(tmp_path / "sample.csv", FORM)
    assert (again.added, again.already_there) == (0, 1200)
    more = manager.import_sample(write_csv(tmp_path / "more.csv", sample_text(4, 1199)),
                                 FORM)
    assert (more.added, more.already_there) == (2, 2)
    assert case_body(store, case_ids(store)["C-1202"])["position"] == 1202


def test_bad_rows_are_listed_with_row_and_column_and_nothing_is_imported(
    store: LocalStore, manager: CatiService, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "bad.csv", (
        "id,phone,area,lpa\n"
        f"C-1,{PHONES[1]},Herefordshire,west\n"
        f",{PHONES[2]},Shropshire,north\n"  # row 3: no id
        "C-3,12345,Telford and Wrekin,east\n"  # row 4: not a phone number
        f"C-1,{PHONES[4]},Shropshire,north\n"  # row 5: the same id as row 2
        f"C-5,{PHONES[5]},\"Ring 07700 900999 first\",north\n"  # row 6: a number in area
        f"C-6,{PHONES[6]},Shropshire\n"  # row 7: a value short
        "\n"
        f"C-8,{PHONES[8]},South Worcestershire,south\n"))
    result = manager.import_sample(path, FORM)
    assert result.refused and result.added == 0
    assert [str(p) for p in result.problems] == [
        "bad.csv, row 3, column id: no case id.",
        "bad.csv, row 4, column phone: not a phone number that could be dialled (a UK "
        "number: 0 or +44, then 9 or 10 digits).",
        "bad.csv, row 5, column id: case id C-1 is already on row 2 of this file.",
        "bad.csv, row 6, column area: this looks like a phone number; only the phone "
        "column may hold one.",
        "bad.csv, row 7: 3 values, but the header names 4 columns (a comma too many or too "
        "few?).",
    ]
    assert not any("07700" in str(p) for p in result.problems)
    assert case_ids(store) == {}

    skipped = manager.import_sample(path, FORM, skip_bad=True)
    assert (skipped.added, skipped.refused, len(skipped.problems)) == (2, False, 5)
    assert set(case_ids(store)) == {"C-1", "C-8"}


def test_files_that_are_not_a_utf8_sample_say_why(
    manager: CatiService, tmp_path: Path
) -> None:
    latin = write_csv(tmp_path / "latin.csv",
                      f"case_id,phone,area\nC-1,{PHONES[1]},Ynys Môn\n", "latin-1")
    with pytest.raises(SampleUnreadable, match=r"latin\.csv, row 2: not UTF-8 text"):
        manager.import_sample(latin, FORM)
    utf16 = write_csv(tmp_path / "wide.csv", f"case_id,phone\nC-1,{PHONES[1]}\n", "utf-16")
    with pytest.raises(SampleUnreadable, match=r"wide\.csv is UTF-16 text; save it as CSV UTF-8"):
        manager.import_sample(utf16, FORM)
    no_phone = write_csv(tmp_path / "nophone.csv", "case_id,area\nC-1,Shropshire\n")
    with pytest.raises(SampleUnreadable, match=r"nophone\.csv, row 1: no phone column"):
        manager.import_sample(no_phone, FORM)
    with pytest.raises(CatiError, match="No form 'other' here"):
        manager.import_sample(no_phone, "other")


# --- assignment -------------------------------------------------------------------------


def test_cases_are_assigned_in_sample_order_by_count_and_area_and_moved(
    store: LocalStore, manager: CatiService, tmp_path: Path
) -> None:
    areas = ("Herefordshire", "Shropshire")
    manager.import_sample(write_csv(tmp_path / "s.csv", sample_text(10, areas=areas)), FORM)
    ids = case_ids(store)

    def holder(ref: str) -> str:
        return str(case_body(store, ids[ref])["interviewer_id"])

    assert manager.assign(FORM, ME, count=3) == 3
    assert [r for r in sorted(ids) if holder(r) == ME] == ["C-0001", "C-0002", "C-0003"]
    assert manager.assign(FORM, OTHER, area="herefordshire") == 4  # 4, 6, 8, 10
    assert [r for r in sorted(ids) if holder(r) == OTHER] == [
        "C-0004", "C-0006", "C-0008", "C-0010"]
    with pytest.raises(CatiError, match="No open case C-9999"):
        manager.assign(FORM, ME, case_refs=["C-9999"])
    assert manager.reassign(FORM, OTHER, ME, count=1) == 1
    assert holder("C-0004") == ME
    assert manager.unassign(FORM, case_refs=["C-0001"]) == 1
    assert holder("C-0001") == ""
    assert manager.unassign(FORM, interviewer_id=OTHER) == 3
    assert {holder(r) for r in ids} == {"", ME}


# --- the queue --------------------------------------------------------------------------


def test_the_queue_follows_the_retry_rules_and_order_on_a_fixed_clock(
    store: LocalStore, manager: CatiService, me: CatiService, clock: Clock, tmp_path: Path
) -> None:
    ids = assigned(manager, tmp_path, 8)
    clock.at(9, 0)
    me.record_attempt(ids["C-0006"], CallOutcome.ANSWERING_MACHINE)  # again from 13:00
    clock.at(10, 0)
    me.record_attempt(ids["C-0002"], CallOutcome.BUSY)  # again from 10:15
    clock.at(10, 2)
    me.record_attempt(ids["C-0001"], CallOutcome.NO_ANSWER)  # again from 13:02
    clock.at(10, 5)
    me.record_attempt(ids["C-0003"], CallOutcome.APPOINTMENT,
                      appointment_at=T0.replace(hour=14, minute=30))
    me.record_attempt(ids["C-0007"], CallOutcome.APPOINTMENT,
                      appointment_at=T0.replace(hour=13, minute=6))
    clock.at(12, 30)
    me.record_attempt(ids["C-0008"], CallOutcome.PARTIAL)  # again from 13:30

    def queue_at(hh: int, mm: int) -> list[QueueEntry]:
        return me.queue(clock.at(hh, mm))

    entries = queue_at(13, 2)
    assert [(e.case_ref, e.group) for e in entries] == [
        ("C-0007", QueueGroup.APPOINTMENT),  # 13:06, due from 13:01
        ("C-0002", QueueGroup.RETRY),  # waiting since 10:15
        ("C-0006", QueueGroup.RETRY),  # since 13:00
        ("C-0001", QueueGroup.RETRY),  # since 13:02, just now
        ("C-0004", QueueGroup.NEW), ("C-0005", QueueGroup.NEW),  # sample order
        ("C-0008", QueueGroup.LATER),  # 13:30
        ("C-0003", QueueGroup.LATER),  # 14:30, up from 14:25
    ]
    reasons = {e.case_ref: e.reason for e in entries}
    assert reasons["C-0001"] == "No answer at 10:02, try again from 13:02"
    assert reasons["C-0002"] == "Busy at 10:00, try again from 10:15"
    assert reasons["C-0008"] == "Partial interview at 12:30, try again from 13:30"
    assert reasons["C-0003"] == "Appointment at 14:30"
    assert reasons["C-0004"] == "New case"
    by_ref = {e.case_ref: e for e in entries}
    assert (by_ref["C-0001"].attempts, by_ref["C-0001"].last_outcome) == (
        1, CallOutcome.NO_ANSWER)
    assert by_ref["C-0003"].due_at == T0.replace(hour=14, minute=30)

    # A minute earlier, the no answer is not due yet; the timer's next stop is 13:30.
    assert {e.case_ref: e.group for e in queue_at(13, 1)}["C-0001"] is QueueGroup.LATER
    assert me.next_due_at(clock.at(13, 2)) == T0.replace(hour=13, minute=30)
    assert me.next_due_at(clock.at(14, 0)) == T0.replace(hour=14, minute=25)
    # The appointment comes back five minutes before its time, with the appointments
    # (after the one of 13:06, still not kept), ahead of every retry.
    assert {e.case_ref: e.group for e in queue_at(14, 24)}["C-0003"] is QueueGroup.LATER
    assert [(e.case_ref, e.group) for e in queue_at(14, 25)][:3] == [
        ("C-0007", QueueGroup.APPOINTMENT), ("C-0003", QueueGroup.APPOINTMENT),
        ("C-0002", QueueGroup.RETRY)]
    # The next day, times say which day.
    assert {e.case_ref: e.reason for e in queue_at(9, 0)}["C-0002"] == (
        "Busy at 10:00, try again from 10:15")
    clock.at(9, 0, day=1)
    assert {e.case_ref: e.reason for e in me.queue()}["C-0002"] == (
        "Busy at 10:00 on Mon 4 Mar, try again from 10:15 on Mon 4 Mar")


def test_another_interviewers_cases_are_not_in_my_queue_nor_can_i_call_them(
    manager: CatiService, me: CatiService, tmp_path: Path
) -> None:
    manager.import_sample(write_csv(tmp_path / "s.csv", sample_text(3)), FORM)
    manager.assign(FORM, ME, count=1)
    manager.assign(FORM, OTHER)
    ids = case_ids(manager.store)
    assert [e.case_ref for e in me.queue()] == ["C-0001"]
    with pytest.raises(CatiError, match="Case C-0002 is not assigned to you"):
        me.record_attempt(ids["C-0002"], CallOutcome.BUSY)
    with pytest.raises(CatiError, match="not assigned to you"):
        me.phone_for(ids["C-0002"])
    assert me.phone_for(ids["C-0001"]) == PHONES[1]


def test_a_call_is_refused_with_a_reason_and_nothing_saved(
    store: LocalStore, manager: CatiService, me: CatiService, clock: Clock, tmp_path: Path
) -> None:
    ids = assigned(manager, tmp_path, 1)
    case = ids["C-0001"]
    for kwargs, message in [
        ({"outcome": CallOutcome.APPOINTMENT}, "needs the time to call back"),
        ({"outcome": CallOutcome.APPOINTMENT, "appointment_at": clock.now},
         "needs a time in the future"),
        ({"outcome": CallOutcome.APPOINTMENT,
          "appointment_at": dt.datetime(2030, 3, 4, 15, 0)}, "with its time zone"),
        ({"outcome": CallOutcome.BUSY, "appointment_at": clock.now + dt.timedelta(hours=1)},
         "Only an appointment has a time"),
        ({"outcome": CallOutcome.NO_ANSWER, "note": "Try her mobile, 07700 900987"},
         "looks like a phone number"),
        ({"outcome": "hung_up"}, "No call outcome 'hung_up'"),
    ]:
        with pytest.raises(CatiError, match=message):
            me.record_attempt(case, **kwargs)
    assert store.reader.execute("SELECT count(*) FROM call_attempts").fetchone()[0] == 0


# --- closing a case ---------------------------------------------------------------------


def test_the_last_attempt_allowed_closes_the_case_and_takes_the_number_off_at_once(
    store: LocalStore, manager: CatiService, me: CatiService, clock: Clock, tmp_path: Path
) -> None:
    ids = assigned(manager, tmp_path, 2)
    case = ids["C-0001"]
    for n in range(5):
        clock.now = T0 + dt.timedelta(hours=4 * n)
        me.record_attempt(case, CallOutcome.NO_ANSWER)
    assert me.phone_for(case) == PHONES[1]
    assert {e.case_ref: e.attempts for e in me.queue()}["C-0001"] == 5

    published: list[StoreChange] = []
    store.changes.subscribe(published.append)
    clock.now += dt.timedelta(hours=4)
    me.record_attempt(case, CallOutcome.NO_ANSWER)  # the sixth
    store.writer.flush()
    assert [c for c in published if c.touches("sample_case")] == [
        c for c in published if c.touches("call_attempt")]  # one transaction, both

    body = case_body(store, case)
    assert body["phone"] == "" and body["status"] == "open"  # the server's copy, minus it
    assert "07700" not in store.reader.execute(
        "SELECT body FROM sample_cases WHERE id = ?", [case]).fetchone()[0]
    # Not a change to push: interviewers do not write cases.
    rev, base = store.reader.execute(
        "SELECT rev, base_rev FROM sample_cases WHERE id = ?", [case]).fetchone()
    assert rev == base
    assert {o.type for o in store.writer.submit(sr.pending).result()} == {"call_attempt"}
    assert [e.case_ref for e in me.queue()] == ["C-0002"]
    with pytest.raises(CatiError, match=r"C-0001 is closed \(after 6 attempts"):
        me.phone_for(case)
    with pytest.raises(CatiError, match="C-0001 is closed"):
        me.record_attempt(case, CallOutcome.BUSY)


def test_a_closing_outcome_closes_the_case_at_once(
    store: LocalStore, manager: CatiService, me: CatiService, tmp_path: Path
) -> None:
    ids = assigned(manager, tmp_path, 3)
    me.record_attempt(ids["C-0001"], CallOutcome.REFUSED)
    me.record_attempt(ids["C-0002"], CallOutcome.BUSY)
    assert case_body(store, ids["C-0001"])["phone"] == ""
    assert case_body(store, ids["C-0002"])["phone"] == PHONES[2]
    with pytest.raises(CatiError, match=r"C-0001 is closed \(refused"):
        me.phone_for(ids["C-0001"])


def test_case_state_counts_attempts_held_elsewhere() -> None:
    rules = RetryRules(max_attempts=3)
    calls = [CallAttempt("c", ME, CallOutcome.BUSY, at=T0 + dt.timedelta(hours=h))
             for h in range(2)]
    assert not case_state(calls, rules).closed
    assert case_state(calls, rules, counted=3).final_non_contact
    assert case_state([*calls, dataclasses.replace(calls[0], at=T0 + dt.timedelta(hours=5),
                                                   id="x")], rules).closed_by is not None
    assert case_state([], rules, counted=0).attempts == 0


# --- no phone number in any list --------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], paths: Paths, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(paths.data_dir), "survey", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def signed_in(store: LocalStore) -> Iterator[None]:
    account = cred.Account(server_url="http://127.0.0.1:8000", username="int.a",
                           user_id=ME, role="interviewer", device_id=OTHER)
    store.writer.submit(lambda db: cred.save_account(db, account)).result()
    yield


@pytest.fixture
def utc_here() -> Iterator[None]:
    """This computer's time zone is UTC (the commands show times in it)."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    time.tzset()


def test_no_phone_number_in_the_queue_nor_in_any_command_output(
    store: LocalStore, paths: Paths, manager: CatiService, me: CatiService,
    tmp_path: Path, signed_in: None, capsys: pytest.CaptureFixture[str], utc_here: None,
) -> None:
    assert "phone" not in {f.name for f in dataclasses.fields(QueueEntry)}
    ids = assigned(manager, tmp_path, 4)
    me.record_attempt(ids["C-0002"], CallOutcome.NO_ANSWER)
    store.close()  # the commands open the profile themselves
    outputs = []
    code, out, err = cli(capsys, paths, "calls", "--json")
    assert code == 0
    queue = json.loads(out)
    assert [e["case_ref"] for e in queue] == ["C-0001", "C-0003", "C-0004", "C-0002"]
    assert set(queue[0]) == {"case_id", "form_id", "case_ref", "area", "attempts",
                             "last_outcome", "due", "group", "due_at", "ready_at", "reason"}
    outputs.append(out + err)
    code, out, err = cli(capsys, paths, "calls")
    assert code == 0 and "C-0001" in out and "New case" in out
    outputs.append(out + err)
    code, out, err = cli(capsys, paths, "call", "C-0001", "--outcome", "appointment",
                         "--at", "2031-01-06T14:30+00:00", "--note", "After work")
    assert code == 0 and "Recorded for C-0001: Appointment to call back (AAPOR 2.21)" in out
    assert "Next: Appointment at 14:30 on Mon 6 Jan." in out
    outputs.append(out + err)
    code, out, err = cli(capsys, paths, "call", "C-0003", "--outcome", "refused")
    assert code == 0 and "phone number is no longer on this laptop" in out
    outputs.append(out + err)
    code, out, err = cli(capsys, paths, "call", "C-0003", "--outcome", "busy")
    assert code == 1 and "C-0003 is closed" in err
    outputs.append(out + err)
    code, out, err = cli(capsys, paths, "figures", "--json")
    assert code == 0
    (mine,) = json.loads(out)
    assert (mine["interviewer"], mine["attempts"], mine["refusals"]) == ("int.a", 3, 1)
    outputs.append(out + err)
    code, out, err = cli(capsys, paths, "figures")
    assert code == 0 and "3 calls to 3 cases" in out
    outputs.append(out + err)
    for text in outputs:
        assert not phone_in(text) and "7700" not in text, text


def test_sample_import_command_refuses_a_file_with_bad_rows(
    store: LocalStore, paths: Paths, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hold_form(store)
    store.close()
    bad = write_csv(tmp_path / "bad.csv", f"case_id,phone\nC-1,{PHONES[1]}\nC-2,123\n")
    code, out, err = cli(capsys, paths, "sample", "import", str(bad), "--form", FORM)
    assert code == 1
    assert "bad.csv, row 3, column phone: not a phone number" in err
    assert "nothing was imported" in err
    code, out, err = cli(capsys, paths, "sample", "import", str(bad), "--form", FORM,
                         "--skip-bad")
    assert code == 0 and out.startswith("Added 1 case to perception; 0 already there")
    code, out, err = cli(capsys, paths, "assign", "--form", FORM, "--interviewer", ME)
    assert code == 0 and "Assigned 1 case of perception" in out
    code, out, err = cli(capsys, paths, "assign", "--form", FORM, "--interviewer", "int.a")
    assert code == 1 and "sign in first" in err
    code, out, err = cli(capsys, paths, "calls")
    assert code == 5 and "not signed in" in err


# --- figures ----------------------------------------------------------------------------


def test_aapor_rates_on_a_hand_worked_example() -> None:
    # 4 complete, 1 partial, 2 refusals, 1 non-contact, 2 unknown, 1 not eligible:
    # eligible or unknown = (4 + 1) + (2 + 1 + 0) + (2 + 0) = 10.
    rates = outcome_rates({"I": 4, "P": 1, "R": 2, "NC": 1, "UH": 2, "NE": 1})
    assert rates.rr1 == pytest.approx(0.4)  # 4 / 10
    assert rates.rr2 == pytest.approx(0.5)  # 5 / 10
    assert rates.coop1 == pytest.approx(4 / 7)  # 4 / (5 + 2)
    assert rates.ref1 == pytest.approx(0.2)  # 2 / 10
    assert rates.con1 == pytest.approx(0.7)  # (5 + 2) / 10
    assert outcome_rates({"NE": 3}).rr1 is None


def at(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


def test_figures_give_each_case_one_disposition_and_judge_appointments() -> None:
    def calls(case: str, *steps: tuple[float, CallOutcome] | tuple[float, CallOutcome, float],
              who: str = ME) -> list[CallAttempt]:
        return [CallAttempt(case, who, s[1], at=at(s[0]),
                            appointment_at=at(s[2]) if len(s) == 3 else None,  # type: ignore[misc]
                            id=f"{case}-{i}") for i, s in enumerate(steps)]

    o = CallOutcome
    attempts = [
        *calls("c1", (0, o.NO_ANSWER), (4, o.COMPLETED)),  # I
        *calls("c2", (0, o.APPOINTMENT, 3), (3.1, o.COMPLETED)),  # I; appointment kept
        *calls("c3", (0, o.PARTIAL), (2, o.BUSY)),  # P
        *calls("c4", (0, o.REFUSED)),  # R
        *calls("c5", (0, o.APPOINTMENT, 1)),  # NC; never called back: missed
        *calls("c6", (0, o.BUSY), (1, o.ANSWERING_MACHINE)),  # UH
        *calls("c7", (0, o.WRONG_NUMBER)),  # NE
        *calls("c8", (0, o.APPOINTMENT, 2), (5, o.REFUSED)),  # R; called late: missed
        *calls("c9", (0, o.COMPLETED), who=OTHER),  # someone else's
    ]
    assert [case_disposition([a for a in attempts if a.case_id == c])
            for c in ("c1", "c3", "c5", "c6", "c7")] == ["I", "P", "NC", "UH", "NE"]
    interviews = [InterviewLength(at(4), at(4.25)), InterviewLength(at(3.1), at(3.6)),
                  InterviewLength(at(1), None)]
    mine = figures(ME, attempts, interviews, now=at(8))
    assert (mine.attempts, mine.cases, mine.completes, mine.partials, mine.refusals,
            mine.non_contacts, mine.not_eligible) == (13, 8, 2, 1, 2, 2, 1)
    assert (mine.appointments_made, mine.appointments_kept, mine.appointments_missed) == (
        3, 1, 2)
    # I 2, P 1, R 2, NC 1, UH 1: 7 eligible or unknown.
    assert mine.rates.rr1 == pytest.approx(2 / 7)
    assert mine.rates.coop1 == pytest.approx(2 / 5)
    assert mine.average_interview_seconds == pytest.approx((15 * 60 + 30 * 60) / 2)
    # A period: only the calls made in it.
    early = figures(ME, attempts, interviews, now=at(8), until=at(1))
    assert (early.attempts, early.completes, early.interviews) == (8, 0, 0)


def test_the_service_figures_and_recent_interviews_are_the_callers_own(
    store: LocalStore, manager: CatiService, me: CatiService, clock: Clock, tmp_path: Path
) -> None:
    ids = assigned(manager, tmp_path, 2)
    clock.at(10)
    me.record_attempt(ids["C-0001"], CallOutcome.COMPLETED)
    me.record_attempt(ids["C-0002"], CallOutcome.REFUSED)
    for n, (who, case, minutes) in enumerate([(ME, ids["C-0001"], 12), (ME, "", 20),
                                              (OTHER, "", 8)]):
        interview = SurveyInterview(
            form_id=FORM, form_version="1", interviewer_id=who, case_id=case,
            started_at=at(n), ended_at=at(n) + dt.timedelta(minutes=minutes),
            status=InterviewStatus.COMPLETE)
        body = to_dict(interview)
        store.writer.submit(lambda db, b=body: save_record(db, "survey_interview", b)).result()
    recent = me.recent_interviews()
    assert [(r.case_ref, r.started_at) for r in recent] == [("", at(1)), ("C-0001", at(0))]
    assert recent[1].status is InterviewStatus.COMPLETE
    mine = me.figures()
    assert (mine.attempts, mine.completes, mine.refusals, mine.interviews) == (2, 1, 1, 2)
    assert mine.average_interview_seconds == 16 * 60
    assert me.figures(since=at(11)).attempts == 0
    every = manager.figures_by_interviewer()
    assert set(every) == {ME, OTHER} and every[OTHER].interviews == 1


def test_a_profile_from_before_the_sample_order_column_gets_it_filled(
    paths: Paths, store: LocalStore, manager: CatiService, tmp_path: Path
) -> None:
    manager.import_sample(write_csv(tmp_path / "s.csv", sample_text(3)), FORM)

    def as_before(db: Any) -> None:  # the table and migrations of the previous version
        db.execute("DROP INDEX sample_cases_by_interviewer")
        db.execute("ALTER TABLE sample_cases DROP COLUMN position")
        db.execute("DELETE FROM _sqlite_migrations WHERE migration_set = 'kind:sample_case' "
                   "AND name != '0001_sample_cases'")

    store.writer.submit(as_before).result()
    store.close()
    with LocalStore.open(paths) as reopened:
        assert reopened.reader.execute(
            "SELECT case_ref, position FROM sample_cases ORDER BY position").fetchall() == [
            ("C-0001", 1), ("C-0002", 2), ("C-0003", 3)]
