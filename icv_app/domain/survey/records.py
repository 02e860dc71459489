"""Survey fieldwork's synced records: instruments, sample cases, call attempts, interviews
and consultation responses.

Plain dataclasses with string enums, structured with cattrs
(:mod:`icv_app.domain.serialize`) and synced as the kinds in :mod:`icv_app.kinds.survey`.

- :class:`SurveyInstrument`: one imported XLSForm version, the workbook itself carried as
  base64. One record per (form_id, version): its id comes from them
  (:func:`instrument_id_for`), so two imports of the same version converge on one record.
  A version never changes: a changed form is a new version, a new record.
- :class:`SampleCase`: one telephone case from a sample file (phone, area, strata),
  assigned to an interviewer.
- :class:`CallAttempt`: one dialling of a case and its outcome
  (:class:`CallOutcome`, with its AAPOR disposition code).
- :class:`SurveyInterview`: one interview (telephone, street, paper...), its answers
  and paradata.
- :class:`ConsultationResponse`: a consultation's response from the online tool's
  export, an email or paper.

Answers, paradata and an online tool's unmapped columns are JSON texts
(``answers_json``...), not maps in the body. The server's strict reader
(:mod:`icv_app.kinds.bodies`) would take ``dict[str, Any]``, but it takes ``Any``
unchecked (any value at all passes), and the body catalogue, three-way merges and list
columns would treat every question name of every form version as a field of the record.
A JSON text is one field of a known type that the kind's check parses and inspects
(:func:`json_object_problem`), and the form engine reads and writes it as it is. Any one
text in a body is at most 200,000 characters on the server
(:data:`icv_app.server.record_prep.MAX_STRING_CHARS`), which bounds an interview's answers,
its paradata and an instrument's workbook (about 150 KB once base64 is undone).

Phone numbers: only a sample case's ``phone`` may hold one (:func:`phone_in`,
:func:`plausible_phone`); the server refuses one anywhere else (a note, an answer).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from icv_app.domain.custody.visit import new_id, utc_now
from icv_app.domain.status import LabelledEnum

_NAMESPACE = uuid.UUID("5b0c4f1e-7a52-4d8e-9c36-1f0e2a7d4b91")


# --- phone numbers --------------------------------------------------------------------------

# A UK number as people write it: 0 or +44 (optionally "+44 (0)"), then 9 or 10 digits
# of which the first is 1-9 (10 or 11 digits in all with the 0), with spaces, hyphens or
# brackets between groups ("07700 900123", "+44 7700 900123", "(0121) 496 0000"). After
# a 0 the first group has at least three digits, as UK numbers are written, so that a
# date such as 01-02-2026 10:00 is not taken for one. Not inside a longer run of letters
# or digits (an id, a timestamp).
_GROUPS = r"(?:[ \-)]{0,2}\d)"
_PHONE = re.compile(
    r"(?<![\w+])(?:\+44[ ]?(?:\(0\)[ ]?)?[1-9]" + _GROUPS + r"{8,9}"
    r"|\(?0[1-9]\d" + _GROUPS + r"{7,8})(?!\w)"
)
_PHONE_SEPARATORS = re.compile(r"[ \-()]")
_PLAUSIBLE = re.compile(r"(?:\+44|0044|0)[1-9]\d{8,9}")


def phone_in(text: str) -> bool:
    """Does the text hold what looks like a UK phone number?"""
    return bool(_PHONE.search(text))


def plausible_phone(value: str) -> bool:
    """A UK phone number that could be dialled: 0 or +44, then 9 or 10 digits, written
    with spaces, hyphens or brackets or none."""
    digits = _PHONE_SEPARATORS.sub("", value.strip())
    return bool(_PLAUSIBLE.fullmatch(digits))


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for key, entry in item.items():
                yield str(key)
                stack.append(entry)
        elif isinstance(item, list):
            stack.extend(item)


def holds_phone(value: Any) -> bool:
    """Does any string in a JSON value (keys included) look like a phone number? What
    the server refuses in an answer, a note or metadata."""
    return any(phone_in(s) for s in _strings(value))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def json_object_problem(text: str) -> str | None:
    """Why a JSON text field cannot be kept, or None: not JSON, not an object, or a phone
    number in any of its strings. "" counts as an empty object."""
    if not text:
        return None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # not JSON, NaN, or nested beyond reading
        return "Not valid JSON."
    if not isinstance(value, dict):
        return "Must be a JSON object."
    if holds_phone(value):
        return PHONE_MESSAGE
    return None


PHONE_MESSAGE = ("This looks like a phone number. Only a sample case's phone field may "
                 "hold one; leave it out here.")


# --- instruments ------------------------------------------------------------------------------


def version_key(version: str) -> tuple[tuple[int, str], ...]:
    """A form version as compared with others: piece by piece, numbers as numbers
    ("2026.10" after "2026.9")."""
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in version.split("."))


def instrument_id_for(form_id: str, version: str) -> str:
    """One record per form version on every laptop: importing the same version twice
    (or on two laptops) makes one record, never two."""
    return str(uuid.uuid5(_NAMESPACE, f"instrument:{form_id}:{version}"))


@dataclass
class SurveyInstrument:
    form_id: str
    version: str
    title: str = ""
    filename: str = ""
    sha256: str = ""  # of the workbook's bytes, lower-case hex
    xlsform_b64: str = ""  # the workbook's bytes, base64
    imported_by: str = ""
    imported_at: dt.datetime = field(default_factory=utc_now)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = instrument_id_for(self.form_id, self.version)

    @classmethod
    def from_workbook(cls, data: bytes, *, form_id: str, version: str, title: str = "",
                      filename: str = "", imported_by: str = "") -> SurveyInstrument:
        return cls(form_id=form_id, version=version, title=title, filename=filename,
                   sha256=hashlib.sha256(data).hexdigest(),
                   xlsform_b64=base64.b64encode(data).decode("ascii"),
                   imported_by=imported_by)

    def workbook(self) -> bytes:
        """The workbook's bytes (raises ValueError if the base64 is damaged)."""
        try:
            return base64.b64decode(self.xlsform_b64, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"the workbook is not valid base64: {exc}") from exc


# --- telephone samples ------------------------------------------------------------------------


class CaseStatus(LabelledEnum):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


@dataclass
class SampleCase:
    form_id: str
    case_ref: str  # the sample file's id for the case
    phone: str
    area: str = ""  # e.g. the local policing area
    strata: dict[str, str] = field(default_factory=dict)
    interviewer_id: str = ""  # the user id of the interviewer it is assigned to ("" if none)
    status: CaseStatus = CaseStatus.OPEN
    closed_at: dt.datetime | None = None
    appointment_at: dt.datetime | None = None
    attempts: int = 0  # informative: the attempts the manager's laptop has seen
    position: int = 0  # the case's place in its form's sample (file order): sample order
    id: str = field(default_factory=new_id)


class CallOutcome(LabelledEnum):
    """What came of one call, with the AAPOR Standard Definitions final disposition code
    it stands for (telephone surveys, Table 1 of the Standard Definitions)."""

    COMPLETED = "completed", "Completed interview"
    PARTIAL = "partial", "Partial interview"
    REFUSED = "refused", "Refused"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    ANSWERING_MACHINE = "answering_machine", "Answering machine"
    WRONG_NUMBER = "wrong_number", "Wrong or non-working number"
    INELIGIBLE = "ineligible", "Not eligible"
    APPOINTMENT = "appointment", "Appointment to call back"
    QUOTA_FULL = "quota_full", "Quota cell full"

    @property
    def aapor_code(self) -> str:
        return _AAPOR[self][0]

    @property
    def aapor_group(self) -> str:
        """The outcome-rate group: I, P, R, NC, UH or NE (AAPOR's formulas)."""
        return _AAPOR[self][1]

    @property
    def closes_case(self) -> bool:
        """An outcome after which the case is not called again: interviewed, refused,
        a number that does not reach the sampled household, or no one eligible."""
        return self in _CLOSING


# AAPOR Standard Definitions, final disposition codes for telephone surveys:
# 1.1 complete, 1.2 partial, 2.11 refusal, 2.21 respondent never available (a call-back
# appointment never kept: an appointment is a temporary outcome, this is the code if
# the case ends on it), 3.12 always busy, 3.13 no answer, 3.14 telephone answering
# device (not known to be a household), 4.30 non-working/disconnected number (the number
# does not reach the sampled household), 4.70 no eligible respondent, 4.80 quota filled
# (the respondent's quota cell was full: screened out, not eligible).
_AAPOR: dict[CallOutcome, tuple[str, str]] = {
    CallOutcome.COMPLETED: ("1.1", "I"),
    CallOutcome.PARTIAL: ("1.2", "P"),
    CallOutcome.REFUSED: ("2.11", "R"),
    CallOutcome.APPOINTMENT: ("2.21", "NC"),
    CallOutcome.BUSY: ("3.12", "UH"),
    CallOutcome.NO_ANSWER: ("3.13", "UH"),
    CallOutcome.ANSWERING_MACHINE: ("3.14", "UH"),
    CallOutcome.WRONG_NUMBER: ("4.30", "NE"),
    CallOutcome.INELIGIBLE: ("4.70", "NE"),
    CallOutcome.QUOTA_FULL: ("4.80", "NE"),
}
_CLOSING = frozenset({CallOutcome.COMPLETED, CallOutcome.REFUSED, CallOutcome.WRONG_NUMBER,
                      CallOutcome.INELIGIBLE, CallOutcome.QUOTA_FULL})


@dataclass
class CallAttempt:
    case_id: str
    interviewer_id: str
    outcome: CallOutcome
    at: dt.datetime = field(default_factory=utc_now)
    appointment_at: dt.datetime | None = None  # when to call back (an appointment)
    note: str = ""
    id: str = field(default_factory=new_id)


# --- interviews and responses -----------------------------------------------------------------


class InterviewMode(LabelledEnum):
    TELEPHONE = "telephone", "Telephone"
    STREET = "street", "Street"
    PAPER = "paper", "Paper"
    EMAIL = "email", "Email"
    ONLINE = "online", "Online"


class InterviewStatus(LabelledEnum):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"
    PARTIAL = "partial", "Partial"
    STOPPED = "stopped", "Stopped"


@dataclass
class SurveyInterview:
    form_id: str
    form_version: str
    interviewer_id: str
    mode: InterviewMode = InterviewMode.TELEPHONE
    case_id: str = ""  # the sample case of a telephone interview; "" in the street
    started_at: dt.datetime = field(default_factory=utc_now)
    ended_at: dt.datetime | None = None
    status: InterviewStatus = InterviewStatus.IN_PROGRESS
    answers_json: str = "{}"  # question name -> answer, as the form engine keeps them
    paradata_json: str = "{}"  # per-question timings and changes
    quota_cell: str = ""  # e.g. "Shropshire|35-54|female"
    id: str = field(default_factory=new_id)


class ResponseChannel(LabelledEnum):
    ONLINE = "online", "Online"
    EMAIL = "email", "Email"
    PAPER = "paper", "Paper"


@dataclass
class ConsultationResponse:
    form_id: str
    form_version: str
    channel: ResponseChannel
    received_on: dt.date
    source_id: str = ""  # the online tool's response id; "" when keyed in
    answers_json: str = "{}"
    source_json: str = "{}"  # the export's columns that map to no question, kept as is
    keyed_by: str = ""
    id: str = field(default_factory=new_id)


__all__ = [
    "PHONE_MESSAGE",
    "CallAttempt",
    "CallOutcome",
    "CaseStatus",
    "ConsultationResponse",
    "InterviewMode",
    "InterviewStatus",
    "ResponseChannel",
    "SampleCase",
    "SurveyInstrument",
    "SurveyInterview",
    "holds_phone",
    "instrument_id_for",
    "json_object_problem",
    "phone_in",
    "plausible_phone",
    "version_key",
]
