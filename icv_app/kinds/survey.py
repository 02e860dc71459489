"""Survey fieldwork's synced records (:mod:`icv_app.domain.survey.records`) as kinds.

Who reaches what:

- ``survey_instrument``: survey managers and admins import instruments (``scheme``);
  interviewers read every one (``scheme``: they interview with them). Final once on
  the server: a version never changes, a changed form is a new version.
- ``sample_case``: survey managers and admins make and assign cases (``scheme``); an
  interviewer reads only the cases assigned to them (``assigned``, through the body's
  ``interviewer_id``) and writes none. The core's ``assigned`` write would also let an
  interviewer make a case of their own, reassign an assigned case or change its phone
  (a kind's ``check`` sees only the new body, never the server's copy or who pushed
  it), so interviewers close cases through their call attempts instead
  (:attr:`~icv_app.domain.survey.records.CallOutcome.closes_case`, or the last attempt
  allowed): the survey manager's laptop closes the case once they reach it
  (:mod:`icv_app.services.survey.cati_sync`). A closed case may have no phone number.
- ``call_attempt``: the interviewer's own (``own``: they made it), read by survey
  managers and admins (``scheme``). Final once on the server: a mistake is put right by
  a new attempt. It names its case in ``case_id`` but is not declared as the case's
  child: in the core a child lives in its parent's scope (here the manager's), so
  ``own`` would not reach it, and ``assigned`` (through the attempt's
  ``interviewer_id``) reaches it on its own, apart from its case: once a case is
  reassigned, the first interviewer's laptop would be sent attempts whose case it no
  longer holds (it does not store them, and its count-and-digest check would fail on
  every sync), and an attempt naming another interviewer would be sent to them. As its
  own record, an attempt reaches whoever made it, whatever happens to the case; the
  price is that the server does not check that the case exists and is assigned to the
  caller (case ids are random UUIDs, which only those who hold the case know).
- ``survey_interview``: the interviewer's own (``own``); survey managers and admins read
  every one (``scheme``). Final once complete.
- ``consultation_response``: survey managers and admins (``scheme``); an interviewer may
  key responses in and reaches the ones they keyed (``own``).

No custody role (volunteer, coordinator) reaches any of these kinds; the custody and
coordination kinds list no survey role.

What the server refuses in every push: a phone number anywhere but a sample case's
``phone``; a sample case whose phone is not a plausible phone number (a closed case may
have none: its number is taken off every laptop once it is closed); an appointment
without its time; an interview or response without its form version; an instrument
whose id is not its (form_id, version)'s or whose workbook does not match its hash.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from icv_app.kinds.base import Kind, Problem, Relation, record_table

if TYPE_CHECKING:
    from icv_app.domain.survey.records import (
        CallAttempt,
        ConsultationResponse,
        SampleCase,
        SurveyInstrument,
        SurveyInterview,
    )

_MANAGERS = {"survey_manager": Relation.SCHEME, "admin": Relation.SCHEME}
_INSTRUMENT_READ = {"interviewer": Relation.SCHEME, **_MANAGERS}
_CASE_READ = {"interviewer": Relation.ASSIGNED, **_MANAGERS}
_ATTEMPT_READ = {"interviewer": Relation.OWN, **_MANAGERS}
_ATTEMPT_WRITE = {"interviewer": Relation.OWN}
_INTERVIEW_READ = {"interviewer": Relation.OWN, **_MANAGERS}
_INTERVIEW_WRITE = {"interviewer": Relation.OWN}
_RESPONSE_ACCESS = {"interviewer": Relation.OWN, **_MANAGERS}
MAX_TEXT = 5000  # a note, a title, a reference


def _table(name: str, columns: str, index: str) -> Callable[[Any], None]:
    return record_table(name, columns, {f"by_{index}": index})


def _add_column(table: str, column: str, sql_type: str,
                path: str) -> Callable[[Any], None]:
    """A local migration adding a list column, filled from the bodies held."""
    def migrate(db: Any) -> None:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")
        db.execute(f"UPDATE {table} SET {column} = json_extract(body, ?)", [path])

    return migrate


def _index(table: str, name: str, columns: str) -> Callable[[Any], None]:
    """A local migration adding an index (``<table>_<name>``) for a list's query."""
    def migrate(db: Any) -> None:
        db.execute(f"CREATE INDEX IF NOT EXISTS {table}_{name} ON {table}({columns})")

    return migrate


def _loader(name: str) -> Callable[[], type]:
    def load() -> type:
        from icv_app.domain.survey import records

        return getattr(records, name)  # type: ignore[no-any-return]

    return load


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# --- checks ---------------------------------------------------------------------------------


def _no_phone(fields: Mapping[str, str]) -> list[Problem]:
    from icv_app.domain.survey.records import PHONE_MESSAGE, phone_in

    return [Problem(path, PHONE_MESSAGE) for path, text in fields.items() if phone_in(text)]


def _json_fields(fields: Mapping[str, str]) -> list[Problem]:
    from icv_app.domain.survey.records import json_object_problem

    return [Problem(path, message) for path, text in fields.items()
            if (message := json_object_problem(text)) is not None]


def _too_long(fields: Mapping[str, str]) -> list[Problem]:
    return [Problem(path, f"At most {MAX_TEXT} characters.")
            for path, text in fields.items() if len(text) > MAX_TEXT]


def _needs(fields: Mapping[str, str], what: str) -> list[Problem]:
    return [Problem(path, f"A {what} needs its {path.replace('_', ' ')}.")
            for path, text in fields.items() if not text.strip()]


def _instrument_check(instrument: SurveyInstrument) -> list[Problem]:
    import hashlib

    from icv_app.domain.survey.records import instrument_id_for

    texts = {"form_id": instrument.form_id, "version": instrument.version,
             "title": instrument.title, "filename": instrument.filename}
    problems = _needs({"form_id": instrument.form_id, "version": instrument.version},
                      "survey instrument")
    problems += _too_long(texts) + _no_phone(texts)
    if instrument.id != instrument_id_for(instrument.form_id, instrument.version):
        problems.append(Problem("id", "An instrument has one record per form version, whose "
                                "id comes from the form's id and version."))
    try:
        data = instrument.workbook()
    except ValueError:
        problems.append(Problem("xlsform_b64", "The workbook is not valid base64."))
    else:
        if not data:
            problems.append(Problem("xlsform_b64", "The instrument has no workbook."))
        elif hashlib.sha256(data).hexdigest() != instrument.sha256:
            problems.append(Problem("sha256", "The workbook does not match its SHA-256."))
    return problems


def _case_check(case: SampleCase) -> list[Problem]:
    from icv_app.domain.survey.records import (
        PHONE_MESSAGE,
        CaseStatus,
        phone_in,
        plausible_phone,
    )

    problems = _needs({"form_id": case.form_id, "case_ref": case.case_ref}, "sample case")
    closed_without_number = case.status is CaseStatus.CLOSED and case.phone == ""
    if not closed_without_number and not plausible_phone(case.phone):
        problems.append(Problem("phone", "Not a phone number that could be dialled (a UK "
                                "number: 0 or +44 and 9 or 10 digits)."))
    texts = {"form_id": case.form_id, "case_ref": case.case_ref, "area": case.area,
             "interviewer_id": case.interviewer_id}
    texts |= {f"strata.{key}": value for key, value in case.strata.items()}
    problems += _too_long(texts) + _no_phone(texts)
    if any(phone_in(key) for key in case.strata):  # nor a stratum's name
        problems.append(Problem("strata", PHONE_MESSAGE))
    return problems


def _case_reference(case_id: str, required: bool) -> list[Problem]:
    import uuid

    if not case_id and not required:
        return []
    try:
        canonical = str(uuid.UUID(case_id))
    except ValueError:
        canonical = ""
    if canonical != case_id:
        return [Problem("case_id", "Not the id of a sample case.")]
    return []


def _attempt_check(attempt: CallAttempt) -> list[Problem]:
    from icv_app.domain.survey.records import CallOutcome

    problems = _needs({"interviewer_id": attempt.interviewer_id}, "call attempt")
    problems += _case_reference(attempt.case_id, required=True)
    if attempt.outcome is CallOutcome.APPOINTMENT and attempt.appointment_at is None:
        problems.append(Problem("appointment_at", "An appointment needs the time to call "
                                "back."))
    texts = {"note": attempt.note, "interviewer_id": attempt.interviewer_id}
    return problems + _too_long(texts) + _no_phone(texts)


def _interview_check(interview: SurveyInterview) -> list[Problem]:
    problems = _needs({"form_id": interview.form_id, "form_version": interview.form_version,
                       "interviewer_id": interview.interviewer_id}, "survey interview")
    texts = {"form_id": interview.form_id, "form_version": interview.form_version,
             "quota_cell": interview.quota_cell}
    problems += _too_long(texts) + _no_phone(texts)
    problems += _case_reference(interview.case_id, required=False)
    return problems + _json_fields({"answers_json": interview.answers_json,
                                    "paradata_json": interview.paradata_json})


def _response_check(response: ConsultationResponse) -> list[Problem]:
    problems = _needs({"form_id": response.form_id, "form_version": response.form_version},
                      "consultation response")
    texts = {"form_id": response.form_id, "form_version": response.form_version,
             "source_id": response.source_id, "keyed_by": response.keyed_by}
    problems += _too_long(texts) + _no_phone(texts)
    return problems + _json_fields({"answers_json": response.answers_json,
                                    "source_json": response.source_json})


# --- kinds ----------------------------------------------------------------------------------


def _interview_final(body: Mapping[str, Any]) -> bool:
    return body.get("status") == "complete"


INSTRUMENT = Kind(
    name="survey_instrument",
    label="survey instrument",
    load_type=_loader("SurveyInstrument"),
    table="survey_instruments",
    read=_INSTRUMENT_READ,
    write=_MANAGERS,
    is_final=lambda _body: True,
    final_message="A form version cannot be changed once on the server; import the changed "
                  "form as a new version.",
    check=_instrument_check,
    columns=lambda i: {"form_id": i.form_id, "version": i.version, "title": i.title,
                       "imported_at": i.imported_at.isoformat()},
    local_migrations=(("0001_survey_instruments", _table(
        "survey_instruments", "form_id TEXT, version TEXT, title TEXT, imported_at TEXT",
        "form_id")),),
    push_order=70,
    labels={"form_id": "Form", "version": "Version", "title": "Title",
            "filename": "File", "sha256": "SHA-256", "xlsform_b64": "Workbook",
            "imported_by": "Imported by", "imported_at": "Imported at"},
)

SAMPLE_CASE = Kind(
    name="sample_case",
    label="sample case",
    load_type=_loader("SampleCase"),
    table="sample_cases",
    read=_CASE_READ,
    write=_MANAGERS,
    assignee_field="interviewer_id",
    check=_case_check,
    columns=lambda c: {"form_id": c.form_id, "case_ref": c.case_ref, "area": c.area,
                       "status": c.status.value, "interviewer_id": c.interviewer_id,
                       "appointment_at": _iso(c.appointment_at),
                       "closed_at": _iso(c.closed_at), "attempts": c.attempts,
                       "position": c.position},
    local_migrations=(("0001_sample_cases", _table(
        "sample_cases", "form_id TEXT, case_ref TEXT, area TEXT, status TEXT, "
        "interviewer_id TEXT, appointment_at TEXT, closed_at TEXT, attempts INTEGER",
        "form_id")),
        # The interviewer's call queue: their open cases.
        ("0002_sample_cases_by_interviewer", _index(
            "sample_cases", "by_interviewer", "interviewer_id, status")),
        ("0003_sample_cases_position", _add_column(
            "sample_cases", "position", "INTEGER", "$.position"))),
    push_order=71,
    labels={"form_id": "Form", "case_ref": "Case", "phone": "Phone", "area": "Area",
            "strata": "Strata", "interviewer_id": "Interviewer", "status": "Status",
            "closed_at": "Closed at", "appointment_at": "Appointment",
            "attempts": "Attempts", "position": "Place in the sample"},
)

# Not declared as the case's child (see the module's docstring): ``case_id`` is a field.
CALL_ATTEMPT = Kind(
    name="call_attempt",
    label="call attempt",
    load_type=_loader("CallAttempt"),
    table="call_attempts",
    read=_ATTEMPT_READ,
    write=_ATTEMPT_WRITE,
    is_final=lambda _body: True,
    final_message="A call attempt cannot be changed once on the server; record another.",
    check=_attempt_check,
    columns=lambda a: {"case_id": a.case_id, "interviewer_id": a.interviewer_id,
                       "at": a.at.isoformat(), "outcome": a.outcome.value,
                       "appointment_at": _iso(a.appointment_at)},
    local_migrations=(("0001_call_attempts", _table(
        "call_attempts", "case_id TEXT, interviewer_id TEXT, at TEXT, outcome TEXT, "
        "appointment_at TEXT", "case_id")),
        # The interviewer's call queue: per case, their attempts' count and latest, read
        # from the index alone.
        ("0002_call_attempts_by_interviewer", _index(
            "call_attempts", "by_interviewer",
            "interviewer_id, case_id, at, outcome, appointment_at, deleted, id"))),
    push_order=72,
    labels={"case_id": "Case", "interviewer_id": "Interviewer", "at": "Called at",
            "outcome": "Outcome", "appointment_at": "Call back at", "note": "Note"},
)

INTERVIEW = Kind(
    name="survey_interview",
    label="survey interview",
    load_type=_loader("SurveyInterview"),
    table="survey_interviews",
    read=_INTERVIEW_READ,
    write=_INTERVIEW_WRITE,
    is_final=_interview_final,
    final_message="A complete interview cannot be changed.",
    check=_interview_check,
    columns=lambda i: {"form_id": i.form_id, "form_version": i.form_version,
                       "case_id": i.case_id, "mode": i.mode.value, "status": i.status.value,
                       "interviewer_id": i.interviewer_id,
                       "started_at": i.started_at.isoformat(),
                       "ended_at": _iso(i.ended_at), "quota_cell": i.quota_cell},
    local_migrations=(("0001_survey_interviews", _table(
        "survey_interviews", "form_id TEXT, form_version TEXT, case_id TEXT, mode TEXT, "
        "status TEXT, interviewer_id TEXT, started_at TEXT, ended_at TEXT, quota_cell TEXT",
        "form_id")),
        # The interviewer's list of their own interviews, newest first (100,000 held on
        # a laptop open it within 300 ms: benchmarks/bench_survey_list.py).
        ("0002_survey_interviews_by_interviewer", _index(
            "survey_interviews", "by_interviewer", "interviewer_id, started_at")),
        # The interviews in progress the call queue and street page offer to go on with
        # (a few among thousands complete).
        ("0003_survey_interviews_by_status", _index(
            "survey_interviews", "by_status", "interviewer_id, status, started_at"))),
    push_order=73,
    labels={"form_id": "Form", "form_version": "Form version", "case_id": "Case",
            "mode": "Mode", "interviewer_id": "Interviewer", "started_at": "Started at",
            "ended_at": "Ended at", "status": "Status", "answers_json": "Answers",
            "paradata_json": "Paradata", "quota_cell": "Quota cell"},
)

CONSULTATION_RESPONSE = Kind(
    name="consultation_response",
    label="consultation response",
    load_type=_loader("ConsultationResponse"),
    table="consultation_responses",
    read=_RESPONSE_ACCESS,
    write=_RESPONSE_ACCESS,
    check=_response_check,
    columns=lambda r: {"form_id": r.form_id, "form_version": r.form_version,
                       "channel": r.channel.value, "source_id": r.source_id,
                       "received_on": r.received_on.isoformat(), "keyed_by": r.keyed_by},
    local_migrations=(("0001_consultation_responses", _table(
        "consultation_responses", "form_id TEXT, form_version TEXT, channel TEXT, "
        "source_id TEXT, received_on TEXT, keyed_by TEXT", "form_id")),),
    push_order=74,
    labels={"form_id": "Form", "form_version": "Form version", "channel": "Channel",
            "source_id": "Online response", "answers_json": "Answers",
            "source_json": "Other columns", "keyed_by": "Keyed in by",
            "received_on": "Received on"},
)

KINDS = (INSTRUMENT, SAMPLE_CASE, CALL_ATTEMPT, INTERVIEW, CONSULTATION_RESPONSE)
