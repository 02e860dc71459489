"""The custody visit report as plain, typed Python.

Nothing here knows about Qt, SQL or HTTP. A report is a tree of dataclasses; the field
names are the ones validation messages, the store and the PDF refer to. Detainees are
identified by custody record number only, never by name.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from icv_app.domain.status import LabelledEnum, VisitStatus


def new_id() -> str:
    """A client-generated record id (sync relies on ids made where the record is made)."""
    return str(uuid.uuid4())


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class VisitMode(LabelledEnum):
    IN_PERSON = "in_person", "In person"
    TELEPHONE = "telephone", "Telephone"
    VIDEO = "video", "Video"


class VisitOutcome(LabelledEnum):
    COMPLETED = "completed", "Completed"
    ABANDONED = "abandoned", "Abandoned"
    REFUSED_ACCESS = "refused_access", "Refused access"


class VisitorRole(LabelledEnum):
    VISITOR = "visitor", "Visitor"
    TRAINEE = "trainee", "Trainee"
    OBSERVER = "observer", "Accompanied observer"


class Gender(LabelledEnum):
    NOT_RECORDED = "not_recorded", "Not recorded"
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other / self-described"


class NotOfferedReason(LabelledEnum):
    ASLEEP = "asleep", "Asleep"
    IN_INTERVIEW = "in_interview", "In interview"
    WITH_LEGAL_ADVISER = "with_legal_adviser", "With legal adviser"
    AT_HOSPITAL_OR_COURT = "at_hospital_or_court", "At hospital or court"
    MEDICAL_ROOM = "medical_room", "In the medical room"
    SHOWER = "shower", "In the shower"
    UNSAFE = "unsafe", "Unsafe / violent / intoxicated"
    OTHER = "other", "Other"


class ConditionState(LabelledEnum):
    NOT_CHECKED = "not_checked", "Not checked"
    SATISFACTORY = "satisfactory", "Satisfactory"
    NOT_SATISFACTORY = "not_satisfactory", "Not satisfactory"


class ConditionItem(LabelledEnum):
    CELL_CLEANLINESS = "cell_cleanliness", "Cell cleanliness"
    TOILET_CLEANLINESS = "toilet_cleanliness", "Toilet cleanliness"
    HEATING = "heating", "Heating"
    LIGHTING = "lighting", "Lighting"
    VENTILATION = "ventilation", "Ventilation"
    CCTV = "cctv", "CCTV working"
    CALL_BELLS = "call_bells", "Cell call bells / intercoms working"
    KITCHEN = "kitchen", "Kitchen"
    FOOD_IN_DATE = "food_in_date", "Food in date"
    STOCK_MEALS_DRINKS = "stock_meals_drinks", "Stocks of meals and drinks"
    STOCK_CLOTHING_BLANKETS = "stock_clothing_blankets", "Stocks of clothing and blankets"
    STOCK_HYGIENE = "stock_hygiene", "Hygiene packs"
    STOCK_SANITARY = "stock_sanitary", "Sanitary products"
    STOCK_RELIGIOUS = "stock_religious", "Religious items"
    MEDICAL_ROOM = "medical_room", "Medical room"
    SHOWERS = "showers", "Showers / washing facilities"
    EXERCISE_YARD = "exercise_yard", "Exercise yard"
    SAFETY_HAZARDS = "safety_hazards", "Free of safety hazards"
    MAINTENANCE = "maintenance", "Maintenance"


class IssueCategory(LabelledEnum):
    WELFARE = "welfare", "Welfare matter"
    ALLEGATION = "allegation", "Allegation of concern"
    CONDITIONS = "conditions", "Condition of detention"
    SAFETY = "safety", "Safety hazard"
    POSITIVE = "positive", "Positive finding"


class Entitlement(LabelledEnum):
    SOMEONE_INFORMED = "someone_informed", "Have someone informed"
    LEGAL_ADVICE = "legal_advice", "Free legal advice"
    CODES_OF_PRACTICE = "codes_of_practice", "Consult the Codes of Practice"


class WelfareCheck(LabelledEnum):
    """Yes/no/unknown questions asked of (or observed for) each detainee met."""

    APPROPRIATE_ADULT_REQUESTED = "appropriate_adult_requested", "Appropriate adult requested"
    APPROPRIATE_ADULT_ARRIVED = "appropriate_adult_arrived", "Appropriate adult arrived"
    INTERPRETER_PROVIDED = "interpreter_provided", "Interpreter provided"
    FOOD_OFFERED = "food_offered", "Food offered"
    DRINK_OFFERED = "drink_offered", "Drinks offered"
    REST = "rest", "Able to rest"
    EXERCISE = "exercise", "Exercise offered"
    READING = "reading", "Reading material offered"
    BLANKET_MATTRESS = "blanket_mattress", "Blanket / mattress"
    WASHING = "washing", "Able to wash"
    HEALTHCARE_WANTED = "healthcare_wanted", "Wanted a healthcare professional"
    HEALTHCARE_SEEN = "healthcare_seen", "Seen by a healthcare professional"
    MEDICATION = "medication", "Medication provided as needed"
    MENSTRUAL_PRODUCTS = "menstrual_products", "Menstrual products offered"
    SAME_SEX_OFFICER = "same_sex_officer", "Offered a same-sex officer to speak to"
    TOILET_PRIVACY = "toilet_privacy", "Toilet privacy on CCTV"
    RELIGIOUS_NEEDS = "religious_needs", "Religious needs met (items, diet)"
    CARER_RESPONSIBILITIES = "carer_responsibilities", "Has carer or childcare responsibilities"


@dataclass
class VisitorOnVisit:
    visitor_id: str
    role: VisitorRole = VisitorRole.VISITOR


@dataclass
class Header:
    suite_id: str = ""
    panel: str = ""
    visit_date: dt.date | None = None
    arrival_time: dt.time | None = None
    admitted_time: dt.time | None = None
    departure_time: dt.time | None = None
    # Admission or departure after midnight: the day after the visit date.
    admitted_next_day: bool = False
    departure_next_day: bool = False
    delay_minutes: int = 0
    delay_reason: str = ""
    delay_authorised_by: str = ""
    visitors: list[VisitorOnVisit] = field(default_factory=list)
    mode: VisitMode = VisitMode.IN_PERSON
    outcome: VisitOutcome = VisitOutcome.COMPLETED
    outcome_note: str = ""
    officer_in_charge: str = ""
    # TACT (terrorism) detainees: the copy to the Independent Reviewer and recordings.
    tact: bool = False
    tact_copy_sent: dt.date | None = None
    tact_recordings_viewed: bool = False
    tact_access_denied_by: str = ""


@dataclass
class Counts:
    in_custody: int = 0
    juveniles: int = 0
    male: int = 0
    female: int = 0
    offered: int = 0
    accepted: int = 0
    declined: int = 0
    observed: int = 0
    not_offered: int = 0
    not_offered_reasons: dict[NotOfferedReason, int] = field(default_factory=dict)
    contact_cell: int = 0
    contact_hatch: int = 0
    contact_interview_room: int = 0

    @property
    def accounted_for(self) -> int:
        return self.accepted + self.declined + self.observed + self.not_offered


@dataclass
class EntitlementAnswer:
    """Was the detainee told of an entitlement, did they want it, did they get it."""

    told: bool | None = None
    wanted: bool | None = None
    received: bool | None = None


@dataclass
class Detainee:
    id: str = field(default_factory=new_id)
    custody_number: str = ""
    gender: Gender = Gender.NOT_RECORDED
    juvenile: bool = False
    mental_health: bool = False
    learning_disability: bool = False
    needs_appropriate_adult: bool = False
    interpreter_needed: bool = False
    consent_to_talk: bool | None = None
    consent_record_check: bool | None = None
    entitlements: dict[Entitlement, EntitlementAnswer] = field(default_factory=dict)
    checks: dict[WelfareCheck, bool | None] = field(default_factory=dict)
    raised: str = ""
    action_taken: str = ""
    record_checked: bool = False
    record_matches: bool | None = None
    record_note: str = ""


@dataclass
class ConditionCheck:
    state: ConditionState = ConditionState.NOT_CHECKED
    note: str = ""


@dataclass
class IssueRaised:
    id: str = field(default_factory=new_id)
    category: IssueCategory = IssueCategory.WELFARE
    text: str = ""
    raised_with: str = ""
    response: str = ""
    resolved: bool | None = None
    detainee_id: str | None = None


@dataclass
class Amendment:
    """A correction to a submitted report: it references the original and says why.

    It may name the field it corrects (``field_path``: a concrete path such as
    ``header.departure_time`` or ``detainees[1].raised``) and the corrected value
    (``new_value``, as text in the form the report shows it: ``"00:45"``, ``"3"``,
    ``"Yes"``); or it may be free text only (``field_path`` empty). ``text`` is the
    correction as a sentence either way."""

    visit_id: str
    reason: str
    text: str
    author_id: str = ""
    id: str = field(default_factory=new_id)
    created_at: dt.datetime = field(default_factory=utc_now)
    field_path: str = ""
    new_value: str = ""


@dataclass
class Reopening:
    """A submitted report the server refused, made a draft again to be corrected: when,
    and the server's reason (the report's audit trail)."""

    at: dt.datetime
    reason: str


@dataclass
class VisitReport:
    id: str = field(default_factory=new_id)
    header: Header = field(default_factory=Header)
    counts: Counts = field(default_factory=Counts)
    detainees: list[Detainee] = field(default_factory=list)
    conditions: dict[ConditionItem, ConditionCheck] = field(default_factory=dict)
    issues: list[IssueRaised] = field(default_factory=list)
    status: VisitStatus = VisitStatus.DRAFT
    confirmed_by: list[str] = field(default_factory=list)
    created_at: dt.datetime = field(default_factory=utc_now)
    submitted_at: dt.datetime | None = None
    reopened: list[Reopening] = field(default_factory=list)

    @property
    def is_submitted(self) -> bool:
        return self.status is VisitStatus.SUBMITTED

    def condition(self, item: ConditionItem) -> ConditionCheck:
        """The check for an item, created (not checked) on first access."""
        return self.conditions.setdefault(item, ConditionCheck())

    def detainee(self, detainee_id: str) -> Detainee:
        for d in self.detainees:
            if d.id == detainee_id:
                return d
        raise KeyError(detainee_id)


class ReportLocked(Exception):
    """Raised when something tries to change a submitted report."""

    def __init__(self, visit_id: str) -> None:
        super().__init__(
            f"Visit {visit_id} has been submitted and cannot be edited; add an amendment instead."
        )
        self.visit_id = visit_id
