"""Survey fieldwork's records sync through the real server, on SQLite and PostgreSQL, each
reaching only the people it is for: a survey manager imports an instrument and assigns
telephone cases; each interviewer's laptop holds the instrument and their own cases,
never another interviewer's, never a custody record; their call attempts and interviews
reach the managers and nobody else; custody roles hold no survey record. The kinds'
rules are refused with a reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from icv_app import kinds
from icv_app.domain.serialize import to_dict
from icv_app.domain.survey.records import (
    CallAttempt,
    CallOutcome,
    CaseStatus,
    ConsultationResponse,
    InterviewMode,
    InterviewStatus,
    ResponseChannel,
    SampleCase,
    SurveyInstrument,
    SurveyInterview,
    instrument_id_for,
    json_object_problem,
    phone_in,
    plausible_phone,
)
from icv_app.kinds import coordination, custody, survey
from icv_app.services.custody.coordination import CoordinationService
from icv_app.store.records import RecordFinal, load_record, save_record
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import Laptop, server_records

WORKBOOK = Path(__file__).resolve().parents[2] / "resources" / "survey" / "perception.xlsx"
SURVEY_KINDS = {k.name for k in survey.KINDS}
CUSTODY_KINDS = {k.name for k in (*custody.KINDS, *coordination.KINDS)}
FORM = "perception"
VERSION = "2026.1"
# Phone numbers from Ofcom's drama range (07700 900000-900999): never anyone's.
PHONES = ("07700 900123", "07700 900456", "07700 900789", "07700 900321")
AT = dt.datetime(2030, 3, 1, 10, 0, tzinfo=dt.UTC)


def save(laptop: Laptop, kind: str, record: Any) -> None:
    body = to_dict(record)
    laptop.write(lambda db: save_record(db, kind, body))


def held(laptop: Laptop, kind: str, rid: str) -> dict[str, Any] | None:
    return laptop.write(lambda db: load_record(db, kind, rid))  # type: ignore[no-any-return]


def kinds_held(laptop: Laptop) -> set[str]:
    return {t for t, _ in laptop.live_ids()}


def instrument() -> SurveyInstrument:
    return SurveyInstrument.from_workbook(
        WORKBOOK.read_bytes(), form_id=FORM, version=VERSION,
        title="Public confidence survey", filename=WORKBOOK.name, imported_by="sm.one")


def case(interviewer_id: str, ref: str, phone: str = PHONES[0], **extra: Any) -> SampleCase:
    values: dict[str, Any] = {"area": "Shropshire",
                              "strata": {"lpa": "Shropshire", "age_band": "35-54"}, **extra}
    return SampleCase(form_id=FORM, case_ref=ref, phone=phone,
                      interviewer_id=interviewer_id, **values)


def interview(interviewer_id: str, case_id: str = "", **extra: Any) -> SurveyInterview:
    values: dict[str, Any] = {
        "form_id": FORM, "form_version": VERSION, "interviewer_id": interviewer_id,
        "mode": InterviewMode.TELEPHONE if case_id else InterviewMode.STREET,
        "case_id": case_id, "started_at": AT, "ended_at": AT + dt.timedelta(minutes=12),
        "status": InterviewStatus.COMPLETE, "quota_cell": "Shropshire|35-54",
        "answers_json": json.dumps({"confidence": "agree", "job_rating": "good"}),
        "paradata_json": json.dumps({"confidence": {"seconds": 4.2, "changes": 0}}),
        **extra,
    }
    return SurveyInterview(**values)


class Fieldwork:
    """A scheme with custody records already on the server, a survey manager who has
    imported an instrument and assigned two cases to interviewer A and one to B."""

    def __init__(self, scheme: Scheme, laptops: LaptopFactory) -> None:
        scheme.add_user("vol.alpha")
        scheme.add_user("coord.one", "coordinator")
        scheme.add_user("sm.one", "survey_manager")
        self.a_id = scheme.add_user("int.a", "interviewer")
        self.b_id = scheme.add_user("int.b", "interviewer")
        self.volunteer = laptops("vol.alpha")
        self.coordinator = laptops("coord.one")
        self.manager = laptops("sm.one")
        self.a = laptops("int.a")
        self.b = laptops("int.b")

        # Custody records on the server first: a submitted report, the coordinator's
        # query about it and their review.
        report = self.volunteer.new_draft()
        self.volunteer.submit(report.id)
        assert self.volunteer.sync().accepted == 1
        assert self.coordinator.sync().check_ok
        CoordinationService(self.coordinator.store).send_query(
            report.id, "Was the cell bell repaired?", "coord.one").result()
        assert self.coordinator.sync().accepted == 2
        self.visit_id = report.id

        self.instrument = instrument()
        self.a1 = case(self.a_id, "C-0001", PHONES[0])
        self.a2 = case(self.a_id, "C-0002", PHONES[1])
        self.b1 = case(self.b_id, "C-0003", PHONES[2])
        save(self.manager, "survey_instrument", self.instrument)
        for item in (self.a1, self.a2, self.b1):
            save(self.manager, "sample_case", item)
        summary = self.manager.sync()
        assert (summary.accepted, summary.rejected, summary.check_ok) == (4, 0, True)


@pytest.fixture
def work(scheme: Scheme, laptops: LaptopFactory) -> Fieldwork:
    return Fieldwork(scheme, laptops)


def test_each_laptop_holds_only_the_survey_records_it_is_for(
    work: Fieldwork, scheme: Scheme
) -> None:
    a, b, manager = work.a, work.b, work.manager
    # Interviewer A: the instrument and A's two cases; not B's case, no custody record.
    assert a.sync().check_ok
    assert a.live_ids() == {("survey_instrument", work.instrument.id),
                            ("sample_case", work.a1.id), ("sample_case", work.a2.id)}
    assert held(a, "sample_case", work.a1.id) == to_dict(work.a1)
    assert held(a, "survey_instrument", work.instrument.id) == to_dict(work.instrument)

    # A calls: no answer on the first case; an appointment, then a completed interview,
    # on the second.
    no_answer = CallAttempt(work.a1.id, work.a_id, CallOutcome.NO_ANSWER, at=AT)
    callback = CallAttempt(work.a2.id, work.a_id, CallOutcome.APPOINTMENT, at=AT,
                           appointment_at=AT + dt.timedelta(hours=3),
                           note="Asked to be called back after work.")
    done = CallAttempt(work.a2.id, work.a_id, CallOutcome.COMPLETED,
                       at=AT + dt.timedelta(hours=3))
    taken = interview(work.a_id, work.a2.id)
    for attempt in (no_answer, callback, done):
        save(a, "call_attempt", attempt)
    save(a, "survey_interview", taken)
    summary = a.sync()
    assert (summary.accepted, summary.rejected, summary.check_ok) == (4, 0, True)
    stored = server_records(scheme.engine)
    assert stored[("call_attempt", done.id)].body == to_dict(done)
    assert stored[("call_attempt", done.id)].scope_owner == work.a_id
    assert a.sync().check_ok
    assert held(a, "call_attempt", done.id) == to_dict(done)

    # The manager receives them.
    assert manager.sync().check_ok
    for kind, rid in [("call_attempt", no_answer.id), ("call_attempt", callback.id),
                      ("call_attempt", done.id), ("survey_interview", taken.id)]:
        assert (kind, rid) in manager.live_ids()
    assert held(manager, "survey_interview", taken.id) == to_dict(taken)

    # Interviewer B: the instrument and B's case only; none of A's.
    assert b.sync().check_ok
    assert b.live_ids() == {("survey_instrument", work.instrument.id),
                            ("sample_case", work.b1.id)}

    # Custody roles hold no survey record; survey roles no custody one.
    for laptop in (work.coordinator, work.volunteer):
        assert laptop.sync().check_ok
        assert not kinds_held(laptop) & SURVEY_KINDS
    assert ("visit", work.visit_id) in work.coordinator.live_ids()
    for laptop in (a, b, manager):
        assert laptop.sync().check_ok
        assert not kinds_held(laptop) & CUSTODY_KINDS


def test_the_server_refuses_what_breaks_a_survey_kinds_rules_with_the_reason(
    work: Fieldwork, scheme: Scheme
) -> None:
    a, manager = work.a, work.manager
    assert a.sync().check_ok

    bad_phone = case(work.a_id, "C-0010", "12345")
    phone_in_area = case(work.a_id, "C-0011", PHONES[3], area="Telford, 07700 900654")
    forged_workbook = SurveyInstrument(form_id=FORM, version="2026.2", title="Changed",
                                       sha256="0" * 64, xlsform_b64="UEsDBA==")
    for item in (bad_phone, phone_in_area):
        save(manager, "sample_case", item)
    save(manager, "survey_instrument", forged_workbook)
    summary = manager.sync()
    assert (summary.accepted, summary.rejected) == (0, 3)

    no_time = CallAttempt(work.a1.id, work.a_id, CallOutcome.APPOINTMENT, at=AT)
    phone_in_note = CallAttempt(work.a1.id, work.a_id, CallOutcome.NO_ANSWER, at=AT,
                                note="Daughter said try her mobile, 07700 900987")
    no_case = CallAttempt("C-0001", work.a_id, CallOutcome.BUSY, at=AT)
    no_version = interview(work.a_id, work.a1.id, form_version="")
    phone_in_answers = interview(work.a_id, work.a2.id, answers_json=json.dumps(
        {"confidence": "agree", "comments": "Call me back on +44 7700 900654"}))
    not_json = interview(work.a_id, "", paradata_json="{not json")
    for attempt in (no_time, phone_in_note, no_case):
        save(a, "call_attempt", attempt)
    for taken in (no_version, phone_in_answers, not_json):
        save(a, "survey_interview", taken)
    summary = a.sync()
    assert (summary.accepted, summary.rejected) == (0, 6)

    reasons = {r.id: r.reason for r in [*manager.rejected(), *a.rejected()]}
    assert "Not a phone number that could be dialled" in reasons[bad_phone.id]
    assert "looks like a phone number" in reasons[phone_in_area.id]
    assert "area" in reasons[phone_in_area.id]
    assert "does not match its SHA-256" in reasons[forged_workbook.id]
    assert "An appointment needs the time to call back" in reasons[no_time.id]
    assert "looks like a phone number" in reasons[phone_in_note.id]
    assert "Not the id of a sample case" in reasons[no_case.id]
    assert "needs its form version" in reasons[no_version.id]
    assert "looks like a phone number" in reasons[phone_in_answers.id]
    assert "answers_json" in reasons[phone_in_answers.id]
    assert "Not valid JSON" in reasons[not_json.id]
    # The refusal does not repeat the number it refused.
    assert not any(phone_in(reason) for reason in reasons.values())
    stored = server_records(scheme.engine)
    assert not {rid for _kind, rid in stored} & set(reasons)


def test_an_interviewer_cannot_make_change_or_reach_anothers_case(
    work: Fieldwork, scheme: Scheme
) -> None:
    a = work.a
    assert a.sync().check_ok
    before = server_records(scheme.engine)

    # A case of their own making, and one "assigned" to another interviewer.
    own = case(work.a_id, "C-0100", PHONES[3])
    for_b = case(work.b_id, "C-0101", PHONES[3])
    # B's real case, written as if A held it.
    b_case = {**to_dict(work.b1), "status": CaseStatus.CLOSED.value}
    for item in (own, for_b):
        save(a, "sample_case", item)
    a.write(lambda db: save_record(db, "sample_case", b_case))
    summary = a.sync()
    assert (summary.accepted, summary.rejected) == (0, 3)
    reasons = {r.id: r.reason for r in a.rejected()}
    assert "cannot record sample cases" in reasons[own.id]
    assert "cannot record sample cases" in reasons[for_b.id]
    assert "cannot record sample cases" in reasons[work.b1.id]

    # Nor change a case assigned to them: not its phone, not its interviewer, not even
    # its status (the closest safe rule the core allows: an interviewer closes a case
    # with a call attempt whose outcome closes it).
    changed = {**to_dict(work.a1), "phone": PHONES[3], "interviewer_id": work.b_id}
    a.write(lambda db: save_record(db, "sample_case", changed))
    summary = a.sync()
    assert summary.rejected == 1
    assert server_records(scheme.engine) == before
    assert work.b.sync().check_ok
    assert ("sample_case", work.a1.id) not in work.b.live_ids()


def test_a_reassigned_case_moves_and_the_attempts_stay_with_whoever_made_them(
    work: Fieldwork, scheme: Scheme
) -> None:
    a, b, manager = work.a, work.b, work.manager
    assert a.sync().check_ok
    attempt = CallAttempt(work.a1.id, work.a_id, CallOutcome.BUSY, at=AT)
    save(a, "call_attempt", attempt)
    assert a.sync().accepted == 1
    assert manager.sync().check_ok
    save(manager, "sample_case", dataclasses.replace(work.a1, interviewer_id=work.b_id))
    assert manager.sync().accepted == 1

    summary = a.sync()
    assert summary.check_ok
    assert ("sample_case", work.a1.id) not in a.live_ids()
    assert ("call_attempt", attempt.id) in a.live_ids()
    assert not a.sync().repulled  # settled: no re-read on every sync
    assert b.sync().check_ok
    assert ("sample_case", work.a1.id) in b.live_ids()
    assert ("call_attempt", attempt.id) not in b.live_ids()
    assert manager.sync().check_ok and ("call_attempt", attempt.id) in manager.live_ids()


def test_custody_roles_cannot_push_survey_records_nor_survey_roles_custody_ones(
    work: Fieldwork, scheme: Scheme
) -> None:
    work.coordinator.sync()
    save(work.coordinator, "sample_case", case(work.a_id, "C-0200", PHONES[3]))
    save(work.coordinator, "survey_instrument", SurveyInstrument.from_workbook(
        b"not read", form_id="other", version="1"))
    assert work.coordinator.sync().rejected == 2
    save(work.volunteer, "survey_interview", interview(work.a_id))
    assert work.volunteer.sync().rejected == 1

    work.manager.new_draft()
    summary = work.manager.sync()
    assert summary.rejected == 1
    reason = work.manager.rejected()[0].reason
    assert "survey_manager" in reason and "visit report" in reason
    assert not {t for t, _ in server_records(scheme.engine)} - {
        "visit", "visit_query", "visit_review", "survey_instrument", "sample_case"}


def test_a_form_version_is_one_final_record_and_consultation_responses_sync(
    work: Fieldwork, scheme: Scheme, laptops: LaptopFactory
) -> None:
    # A second manager who imports the same version makes the same record: once held, a
    # version is final (a changed form is a new version).
    scheme.add_user("sm.two", "survey_manager")
    second = laptops("sm.two")
    assert second.sync().check_ok
    again = instrument()
    assert again.id == work.instrument.id == instrument_id_for(FORM, VERSION)
    with pytest.raises(RecordFinal):
        save(second, "survey_instrument", again)
    # The server refuses a change to it too, whoever sends it.
    changed = {**to_dict(work.instrument), "title": "Renamed"}
    second.write(lambda db: db.execute(
        "UPDATE survey_instruments SET body = ?, rev = rev + 1 WHERE id = ?",
        [json.dumps(changed), work.instrument.id]))
    summary = second.sync()
    assert summary.rejected == 1
    assert "new version" in second.rejected()[0].reason

    # Consultation responses: imported by the manager, keyed in by an interviewer.
    online = ConsultationResponse(
        form_id="strategy_consultation", form_version=VERSION,
        channel=ResponseChannel.ONLINE, received_on=dt.date(2030, 2, 27),
        source_id="R_1001", answers_json=json.dumps({"vision": "agree"}),
        source_json=json.dumps({"collector": "Web link 1"}), keyed_by="sm.one")
    keyed = ConsultationResponse(
        form_id="strategy_consultation", form_version=VERSION,
        channel=ResponseChannel.PAPER, received_on=dt.date(2030, 2, 28),
        answers_json=json.dumps({"vision": "disagree"}), keyed_by="int.a")
    save(work.manager, "consultation_response", online)
    save(work.a, "consultation_response", keyed)
    assert work.manager.sync().accepted == 1
    assert work.a.sync().accepted == 1
    assert work.manager.sync().check_ok
    assert ("consultation_response", keyed.id) in work.manager.live_ids()
    assert work.a.sync().check_ok
    assert ("consultation_response", online.id) not in work.a.live_ids()
    assert work.b.sync().check_ok
    assert ("consultation_response", keyed.id) not in work.b.live_ids()


# --- the declarations, without a server ------------------------------------------------------


def test_no_custody_role_reaches_a_survey_kind_and_no_survey_role_a_custody_one() -> None:
    for kind in survey.KINDS:
        assert kinds.get(kind.name) is kind
        for role in ("volunteer", "coordinator"):
            assert kind.may_read(role) is None and kind.may_write(role) is None, kind.name
    for kind in (*custody.KINDS, *coordination.KINDS):
        for role in ("interviewer", "survey_manager"):
            assert kind.may_read(role) is None and kind.may_write(role) is None, kind.name


def test_call_outcomes_carry_their_aapor_disposition_codes() -> None:
    assert {o.value: o.aapor_code for o in CallOutcome} == {
        "completed": "1.1", "partial": "1.2", "refused": "2.11", "appointment": "2.21",
        "busy": "3.12", "no_answer": "3.13", "answering_machine": "3.14",
        "wrong_number": "4.30", "ineligible": "4.70", "quota_full": "4.80",
    }
    assert {o for o in CallOutcome if o.closes_case} == {
        CallOutcome.COMPLETED, CallOutcome.REFUSED, CallOutcome.WRONG_NUMBER,
        CallOutcome.INELIGIBLE, CallOutcome.QUOTA_FULL}
    assert CallOutcome.NO_ANSWER.aapor_group == "UH"


@pytest.mark.parametrize("text", [
    "07700 900123", "07700900123", "+44 7700 900123", "+44 (0)7700 900123",
    "(01632) 960 123", "0161 496 0000", "ring 07700-900-123 after six",
])
def test_a_phone_number_is_found_in_text(text: str) -> None:
    assert phone_in(text)


@pytest.mark.parametrize("text", [
    "01-02-2026 10:00", "2030-03-01T10:00:00+00:00", "5b0c4f1e-7a52-4d8e-9c36-1f0e2a7d4b91",
    "12345678901", "0.1234567890", "1700000000000", "Shropshire|35-54", "101", "",
])
def test_other_numbers_are_not_taken_for_phone_numbers(text: str) -> None:
    assert not phone_in(text)


def test_plausible_phone_numbers_and_json_fields() -> None:
    assert all(plausible_phone(p) for p in (*PHONES, "+44 7700 900123", "(01632) 960123"))
    assert not any(plausible_phone(p) for p in ("12345", "", "07700 900123 ext 4",
                                                "00 7700 900123", "+1 202 555 0100"))
    assert json_object_problem("") is None
    assert json_object_problem('{"q": [1, {"r": "agree"}]}') is None
    assert json_object_problem('{"q": NaN}') == "Not valid JSON."
    assert json_object_problem("[" * 100_000 + "]" * 100_000) == "Not valid JSON."
    assert json_object_problem("[1]") == "Must be a JSON object."
    assert json_object_problem('{"note": ["07700 900123"]}') is not None
