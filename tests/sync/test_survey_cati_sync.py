"""Telephone fieldwork across laptops, through the real server on SQLite and PostgreSQL: a
survey manager imports a sample and assigns it to two interviewers; each interviewer's
laptop receives only their own cases (and no custody record); a call that closes a case
reaches the manager, whose laptop closes the case, and after the next syncs no laptop
holds that case's phone number anywhere; a reassigned case leaves the first
interviewer's laptop. A survey manager finds interviewers by name on the central store."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from icv_app.cli import main
from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.serialize import to_dict
from icv_app.domain.survey.records import CallOutcome, SampleCase, SurveyInstrument
from icv_app.kinds import coordination, custody, reference as reference_kinds
from icv_app.server import admin
from icv_app.services.survey import cati_sync
from icv_app.services.survey.cati import CatiService
from icv_app.store.records import load_record, save_record
from icv_app.sync.admin_client import AdminClient
from tests.server.support import PASSWORD
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import FaultTransport, Laptop, LiveServer, server_records

WORKBOOK = Path(__file__).resolve().parents[2] / "resources" / "survey" / "perception.xlsx"
FORM = "perception"
# Phone numbers from Ofcom's drama range (07700 900000-900999): never anyone's.
PHONES = {f"C-{n:04d}": f"07700 900{100 + n:03d}" for n in range(1, 7)}
AREAS = ("Herefordshire", "Shropshire", "Telford and Wrekin")
CUSTODY_KINDS = {k.name for k in (*custody.KINDS, *coordination.KINDS,
                                  *reference_kinds.KINDS)}


def sample_file(tmp_path: Path) -> Path:
    lines = ["case_id,phone,area,age_band"]
    lines += [f"{ref},{phone},{AREAS[i % 3]},35-54" for i, (ref, phone)
              in enumerate(PHONES.items())]
    path = tmp_path / "sample.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def held(laptop: Laptop, kind: str, rid: str) -> dict[str, Any] | None:
    return laptop.write(lambda db: load_record(db, kind, rid))  # type: ignore[no-any-return]


def places_holding(laptop: Laptop, phone: str) -> list[str]:
    """Every table and column of the laptop's database where ``phone`` is found (as
    written, or its digits alone)."""
    wanted = (phone, phone.replace(" ", ""))

    def job(db: Any) -> list[str]:
        found = []
        tables = [t for (t,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cursor = db.execute(f'SELECT * FROM "{table}"')
            names = [d[0] for d in cursor.description]
            for row in cursor.fetchall():
                for name, value in zip(names, row, strict=True):
                    text = value.decode(errors="replace") if isinstance(value, bytes) else value
                    if isinstance(text, str) and any(w in text for w in wanted):
                        found.append(f"{table}.{name}")
        return found

    return laptop.write(job)  # type: ignore[no-any-return]


class Fieldwork:
    """A survey manager with a form, a sample of six cases (C-0001..C-0006) imported and
    assigned: three to interviewer A, three to B, all on the server."""

    def __init__(self, scheme: Scheme, laptops: LaptopFactory, tmp_path: Path,
                 reference: ReferenceData) -> None:
        scheme.add_user("coord.one", "coordinator")
        scheme.add_user("vol.alpha")
        self.manager_id = scheme.add_user("sm.one", "survey_manager")
        self.a_id = scheme.add_user("int.a", "interviewer")
        self.b_id = scheme.add_user("int.b", "interviewer")
        # The scheme's custody lists (suites, panels, visitors) are on the server too.
        admin.import_reference(scheme.engine, "coord.one", reference)
        self.manager, self.a, self.b = laptops("sm.one"), laptops("int.a"), laptops("int.b")

        instrument = SurveyInstrument.from_workbook(
            WORKBOOK.read_bytes(), form_id=FORM, version="2026.1", filename=WORKBOOK.name)
        self.manager.write(lambda db: save_record(db, "survey_instrument",
                                                  to_dict(instrument)))
        cati = self.cati(self.manager)
        imported = cati.import_sample(sample_file(tmp_path), FORM)
        assert (imported.added, imported.problems) == (6, ())
        assert cati.assign(FORM, self.a_id, count=3) == 3
        assert cati.assign(FORM, self.b_id) == 3
        summary = self.manager.sync()
        assert (summary.accepted, summary.rejected, summary.check_ok) == (7, 0, True)
        self.ids = {ref: rid for rid, ref in self.manager.store.reader.execute(
            "SELECT id, case_ref FROM sample_cases")}

    def cati(self, laptop: Laptop) -> CatiService:
        user = {self.manager: self.manager_id, self.a: self.a_id, self.b: self.b_id}[laptop]
        return CatiService(laptop.store, user)

    def cases_on(self, laptop: Laptop) -> set[str]:
        refs = {rid: ref for ref, rid in self.ids.items()}
        return {refs[rid] for kind, rid in laptop.live_ids() if kind == "sample_case"}


@pytest.fixture
def work(scheme: Scheme, laptops: LaptopFactory, tmp_path: Path,
         reference: ReferenceData) -> Fieldwork:
    return Fieldwork(scheme, laptops, tmp_path, reference)


def test_a_closing_call_ends_with_the_number_on_no_laptop(
    work: Fieldwork, scheme: Scheme
) -> None:
    a, b, manager = work.a, work.b, work.manager
    # Each interviewer receives their own cases, and nothing of custody.
    for laptop, refs in ((a, {"C-0001", "C-0002", "C-0003"}),
                         (b, {"C-0004", "C-0005", "C-0006"})):
        assert laptop.sync().check_ok
        assert work.cases_on(laptop) == refs
        assert not {kind for kind, _id in laptop.live_ids()} & CUSTODY_KINDS
    assert [e.case_ref for e in work.cati(a).queue()] == ["C-0001", "C-0002", "C-0003"]

    # A calls: C-0001 refuses (the case closes: its number leaves A's laptop at once),
    # nobody answers at C-0002.
    closed, phone = work.ids["C-0001"], PHONES["C-0001"]
    cati = work.cati(a)
    assert cati.phone_for(closed) == phone
    cati.record_attempt(closed, CallOutcome.REFUSED)
    cati.record_attempt(work.ids["C-0002"], CallOutcome.NO_ANSWER)
    assert places_holding(a, phone) == []
    summary = a.sync()
    assert (summary.accepted, summary.rejected, summary.check_ok) == (2, 0, True)
    assert not a.sync().repulled  # the number taken off in place upsets no check
    assert places_holding(a, phone) == []

    # The manager's laptop receives the calls and closes the case: a change to send.
    assert manager.sync().check_ok
    case = held(manager, "sample_case", closed)
    assert case is not None
    assert (case["status"], case["phone"], case["attempts"]) == ("closed", "", 1)
    assert case["closed_at"] is not None
    assert manager.pending() == 1
    assert manager.sync().accepted == 1
    stored = server_records(scheme.engine)[("sample_case", closed)].body
    assert stored is not None and (stored["status"], stored["phone"]) == ("closed", "")

    for laptop in (a, b, manager):
        assert laptop.sync().check_ok
    assert held(a, "sample_case", closed) == stored  # the server's closed copy
    for laptop in (a, b, manager):
        assert places_holding(laptop, phone) == [], laptop.name
    # The other numbers are where they should be (the search finds them).
    assert places_holding(a, PHONES["C-0002"]) == ["sample_cases.body"]
    assert places_holding(manager, PHONES["C-0004"]) == ["sample_cases.body"]
    assert places_holding(a, PHONES["C-0004"]) == []
    assert [e.case_ref for e in work.cati(a).queue()] == ["C-0003", "C-0002"]


def test_a_newer_copy_of_a_case_closed_here_loses_its_number_again_after_the_sync(
    work: Fieldwork,
) -> None:
    a, manager = work.a, work.manager
    assert a.sync().check_ok
    case_id, phone = work.ids["C-0003"], PHONES["C-0003"]
    work.cati(a).record_attempt(case_id, CallOutcome.WRONG_NUMBER)
    assert places_holding(a, phone) == []

    # Before the call reaches it, the manager changes the case (its area): the copy A
    # pulls carries the number again, and the step after the sync takes it off.
    assert manager.sync().check_ok
    body = held(manager, "sample_case", case_id)
    assert body is not None
    manager.write(lambda db: save_record(db, "sample_case", {**body, "area": "Shropshire"}))
    assert manager.sync().accepted == 1
    summary = a.sync()
    assert summary.check_ok and summary.accepted == 1
    local = held(a, "sample_case", case_id)
    assert local is not None and (local["area"], local["phone"]) == ("Shropshire", "")
    assert places_holding(a, phone) == []
    assert a.pending() == 0  # in place: nothing for the interviewer to send

    # The manager closes it with the next sync; every copy then agrees.
    assert manager.sync().check_ok and manager.sync().accepted == 1
    assert a.sync().check_ok
    local = held(a, "sample_case", case_id)
    assert local is not None and (local["status"], local["phone"]) == ("closed", "")


def test_a_reassigned_case_leaves_the_first_interviewers_laptop(work: Fieldwork) -> None:
    a, b, manager = work.a, work.b, work.manager
    assert a.sync().check_ok and b.sync().check_ok
    moved = work.ids["C-0002"]
    work.cati(a).record_attempt(moved, CallOutcome.BUSY)
    assert a.sync().accepted == 1
    assert manager.sync().check_ok
    assert work.cati(manager).reassign(FORM, work.a_id, work.b_id,
                                       case_refs=["C-0002"]) == 1
    assert manager.sync().accepted == 1

    assert a.sync().check_ok
    assert work.cases_on(a) == {"C-0001", "C-0003"}
    assert places_holding(a, PHONES["C-0002"]) == []
    assert [e.case_ref for e in work.cati(a).queue()] == ["C-0001", "C-0003"]
    assert b.sync().check_ok
    assert work.cases_on(b) == {"C-0002", "C-0004", "C-0005", "C-0006"}
    entry = next(e for e in work.cati(b).queue() if e.case_ref == "C-0002")
    assert entry.attempts == 1  # A's call, as the manager counted it
    assert work.cati(b).phone_for(moved) == PHONES["C-0002"]


def test_only_a_closed_case_may_be_without_a_number_and_only_managers_close_cases(
    work: Fieldwork,
) -> None:
    a, manager = work.a, work.manager
    assert a.sync().check_ok
    no_number = SampleCase(form_id=FORM, case_ref="C-0100", phone="",
                           interviewer_id=work.a_id)
    manager.write(lambda db: save_record(db, "sample_case", to_dict(no_number)))
    summary = manager.sync()
    assert (summary.accepted, summary.rejected) == (0, 1)
    assert "Not a phone number that could be dialled" in manager.rejected()[0].reason

    # An interviewer's laptop never sends a case, not even one closed by its calls.
    work.cati(a).record_attempt(work.ids["C-0001"], CallOutcome.INELIGIBLE)
    a.write(lambda db: cati_sync.close_cases(db))  # as if it were a manager's laptop
    summary = a.sync()
    assert (summary.accepted, summary.rejected) == (1, 1)
    assert "cannot record sample cases" in a.rejected()[0].reason


def test_an_interviewer_receives_no_custody_record_and_a_custody_role_no_case(
    work: Fieldwork, laptops: LaptopFactory
) -> None:
    coordinator, volunteer = laptops("coord.one"), laptops("vol.alpha")
    for laptop in (coordinator, volunteer):
        assert laptop.sync().check_ok
        assert {kind for kind, _id in laptop.live_ids()} & {"suite", "visitor"}
        assert not {kind for kind, _id in laptop.live_ids()} & {
            "sample_case", "call_attempt", "survey_instrument"}
    for laptop in (work.a, work.b, work.manager):
        assert laptop.sync().check_ok
        assert not {kind for kind, _id in laptop.live_ids()} & CUSTODY_KINDS


def test_a_survey_manager_lists_the_interviewers_and_assigns_by_name(
    work: Fieldwork, scheme: Scheme, in_process: FaultTransport, live_server: LiveServer,
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    users = AdminClient(work.manager.store, transport=in_process).users()
    assert sorted((u.username, u.role.value) for u in users) == [
        ("int.a", "interviewer"), ("int.b", "interviewer")]

    # The command line: a survey manager's profile signed in over the network.
    profile = str(tmp_path / "cli-manager")

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--data-dir", profile, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, _out, err = run("login", "--server", live_server.url, "--user", "sm.one",
                          "--password-stdin", "--device-name", "cli test")
    assert code == 0, err
    assert run("sync")[0] == 0  # the form and the sample, from the server
    extra = tmp_path / "extra.csv"
    extra.write_text("case_id,phone,area\nC-0007,07700 900777,Shropshire\n"
                     "C-0008,07700 900778,Herefordshire\n", encoding="utf-8")
    code, out, err = run("survey", "sample", "import", str(extra), "--form", FORM)
    assert code == 0 and out.startswith("Added 2 cases to perception"), err
    code, out, err = run("survey", "assign", "--form", FORM, "--interviewer", "INT.B",
                         "--area", "shropshire")
    assert code == 0 and "Assigned 1 case of perception to INT.B" in out, err
    code, _out, err = run("survey", "assign", "--form", FORM, "--interviewer", "vol.alpha")
    assert code == 1 and "No interviewer 'vol.alpha'" in err
    assert run("sync")[0] == 0
    assert work.b.sync().check_ok
    assert "C-0007" in {e.case_ref for e in work.cati(work.b).queue()}
    code, out, _err = run("survey", "figures", "--json")
    assert code == 0 and json.loads(out) == []
