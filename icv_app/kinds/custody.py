"""Custody visiting's synced records: visit reports and their amendments.

A volunteer reaches the records in their own scope (their visits, and amendments to
them); coordinators and admins the whole scheme. A visit is final once submitted; an
amendment is final as soon as the server has it (corrections are further amendments).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from icv_app.kinds.base import Kind, Problem, Relation

if TYPE_CHECKING:
    from icv_app.domain.custody.visit import Amendment, VisitReport

_CUSTODY_READ = {
    "volunteer": Relation.OWN,
    "coordinator": Relation.SCHEME,
    "admin": Relation.SCHEME,
}


def _visit_type() -> type:
    from icv_app.domain.custody.visit import VisitReport

    return VisitReport


def _amendment_type() -> type:
    from icv_app.domain.custody.visit import Amendment

    return Amendment


def _visit_final(body: Mapping[str, Any]) -> bool:
    return body.get("status") == "submitted"


def _visit_check(report: VisitReport) -> list[Problem]:
    """What the server refuses in any visit it is sent: no suite, and a custody number
    holding a name, a date of birth or an address (the scheme's promise holds against any
    client); and in a submitted one, every error the app shows (the scheme's own pattern
    for custody numbers is the laptops' to check: the server serves every configuration)."""
    from icv_app.domain.custody import validation
    from icv_app.domain.custody.custody_number import looks_personal

    problems = []
    if not report.header.suite_id.strip():
        problems.append(Problem("header.suite_id", "Choose the custody suite."))
    for i, detainee in enumerate(report.detainees):
        message = looks_personal(detainee.custody_number)
        if message:
            problems.append(Problem(f"detainees[{i}].custody_number", message))
    if report.is_submitted:
        seen = {(p.field, p.message) for p in problems}
        context = validation.Context(custody_number_pattern=None)
        problems += [
            Problem(p.field, p.message) for p in validation.errors(report, context)
            if p.field != "header.suite_id" and (p.field, p.message) not in seen
        ]
    return problems


def _search_text(report: VisitReport) -> str:
    h = report.header
    parts = [h.officer_in_charge, h.panel, h.outcome_note, h.delay_reason]
    parts += [d.custody_number for d in report.detainees]
    parts += [d.raised for d in report.detainees]
    parts += [i.text for i in report.issues] + [i.response for i in report.issues]
    return "\n".join(p for p in parts if p).lower()


def visit_columns(report: VisitReport) -> dict[str, Any]:
    """The visits list's columns, copied beside the body."""
    h = report.header
    return {
        "suite_id": h.suite_id,
        "visit_date": h.visit_date.isoformat() if h.visit_date else None,
        "arrival_time": h.arrival_time.isoformat(timespec="minutes") if h.arrival_time else None,
        "status": report.status.value,
        "detainee_count": len(report.detainees),
        "issue_count": len(report.issues),
        "search_text": _search_text(report),
        "created_at": report.created_at.isoformat(),
        "submitted_at": report.submitted_at.isoformat() if report.submitted_at else None,
    }


def _amendment_check(amendment: Amendment) -> list[Problem]:
    from icv_app.domain.custody.corrections import is_amendable

    problems = []
    if not amendment.reason.strip():
        problems.append(Problem("reason", "An amendment needs a reason."))
    if not amendment.text.strip():
        problems.append(Problem("text", "An amendment needs the corrected text."))
    path = amendment.field_path
    if path and (not is_amendable(path) or VISIT.field(path) is None):
        problems.append(Problem("field_path", "An amendment can only correct a field of "
                                "the report; describe other corrections in words."))
    if path.endswith("custody_number"):
        from icv_app.domain.custody.custody_number import looks_personal

        message = looks_personal(amendment.new_value)
        if message:
            problems.append(Problem("new_value", message))
    if not path and amendment.new_value:
        problems.append(Problem("new_value", "A corrected value needs the field it is for."))
    return problems


def _amendment_columns(amendment: Amendment) -> dict[str, Any]:
    return {"visit_id": amendment.visit_id, "created_at": amendment.created_at.isoformat()}


def visit_ready(body: Mapping[str, Any]) -> bool:
    """A draft with no custody suite yet is still being typed (a new visit is saved at
    once): the server would refuse it, so it waits on the laptop until a suite is chosen."""
    header = body.get("header")
    suite = header.get("suite_id") if isinstance(header, dict) else None
    return isinstance(suite, str) and bool(suite.strip())


VISIT = Kind(
    name="visit",
    label="visit report",
    load_type=_visit_type,
    table="visits",
    # 2: admitted_next_day / departure_next_day.
    body_version=2,
    read=_CUSTODY_READ,
    write=_CUSTODY_READ,
    is_final=_visit_final,
    final_message="This visit report was submitted and cannot be changed; add an amendment.",
    check=_visit_check,
    columns=visit_columns,
    modified_column="updated_at",
    push_order=10,
    labels={
        "header.suite_id": "Custody suite",
        "header.panel": "Panel",
        "header.visit_date": "Date of visit",
        "header.arrival_time": "Arrived at",
        "header.admitted_time": "Admitted at",
        "header.departure_time": "Departed at",
        "header.admitted_next_day": "Admitted the next day",
        "header.departure_next_day": "Departed the next day",
        "header.delay_minutes": "Kept waiting (minutes)",
        "header.delay_reason": "Reason for the delay",
        "header.delay_authorised_by": "Delay authorised by",
        "header.visitors": "Visitors",
        "header.visitors[]": "Visitor",
        "header.mode": "How the visit was made",
        "header.outcome": "Outcome",
        "header.outcome_note": "Why",
        "header.officer_in_charge": "Officer in charge",
        "header.tact": "TACT detainees present",
        "header.tact_copy_sent": "Copy sent to the Independent Reviewer",
        "header.tact_recordings_viewed": "Interview recordings viewed",
        "header.tact_access_denied_by": "Access to recordings denied by",
        "counts": "Counts",
        "counts.in_custody": "In custody",
        "counts.offered": "Offered a visit",
        "counts.accepted": "Accepted and spoken to",
        "counts.observed": "Observed only",
        "counts.not_offered_reasons": "Reasons not offered",
        "detainees[]": "Detainee",
        "detainees": "Detainees",
        "detainees[].custody_number": "Custody record number",
        "detainees[].needs_appropriate_adult": "Needs an appropriate adult",
        "detainees[].raised": "What they raised",
        "detainees[].checks": "Welfare checks",
        "detainees[].entitlements": "Rights and entitlements",
        "conditions": "Conditions",
        "issues[]": "Issue",
        "issues": "Issues",
        "issues[].text": "Issue raised",
        "issues[].response": "Response given",
        "issues[].detainee_id": "Detainee concerned",
        "confirmed_by": "Sign-off",
        "status": "Status",
    },
    ready=visit_ready,
)

AMENDMENT = Kind(
    name="amendment",
    label="amendment",
    load_type=_amendment_type,
    table="amendments",
    # 2: field_path / new_value (a correction in place).
    body_version=2,
    parent="visit",
    parent_field="visit_id",
    parent_must_be_final=True,
    read=_CUSTODY_READ,
    write=_CUSTODY_READ,
    is_final=lambda _body: True,
    final_message="An amendment cannot be changed once it is on the server; add another.",
    check=_amendment_check,
    columns=_amendment_columns,
    modified_column="created_at",
    push_order=20,
    labels={"reason": "Reason", "text": "Correction", "visit_id": "Amends report",
            "field_path": "Field corrected", "new_value": "Corrected value"},
)

KINDS = (VISIT, AMENDMENT)
