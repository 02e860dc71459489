"""The scheme's reference data as synced records: custody suites, panels and visitors.

A coordinator (or an admin) keeps them up to date in the app; every custody role reads
them, so every custody laptop holds the scheme's current lists and the visit form offers
what they say (a closed suite is not offered for a new visit). Survey roles (interviewers,
survey managers) do not: their laptops hold no custody record, and the visitors' list
names people. Bodies are the dataclasses in
:mod:`icv_app.domain.custody.reference`; a record's ``code`` is the key reports hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from icv_app.kinds.base import Kind, Problem, Relation, record_table

if TYPE_CHECKING:
    from icv_app.domain.custody.reference import PanelRecord, SuiteRecord, VisitorRecord

_CUSTODY_ROLES = ("volunteer", "coordinator", "admin")
_READ = {role: Relation.EVERYONE for role in _CUSTODY_ROLES}
_WRITE = {"coordinator": Relation.SCHEME, "admin": Relation.SCHEME}
MAX_CODE = 64
MAX_NAME = 120


def _table(name: str, columns: str) -> Callable[[Any], None]:
    return record_table(name, columns)


def _named(code: str, name: str, what: str) -> list[Problem]:
    problems = []
    if not name.strip():
        problems.append(Problem("name", f"A {what} needs a name."))
    elif len(name) > MAX_NAME:
        problems.append(Problem("name", f"A {what}'s name has at most {MAX_NAME} characters."))
    if len(code) > MAX_CODE:
        problems.append(Problem("code", f"A {what}'s code has at most {MAX_CODE} characters."))
    return problems


def _suite_check(suite: SuiteRecord) -> list[Problem]:
    from icv_app.domain.custody.reference import HOURS

    problems = _named(suite.code, suite.name, "custody suite")
    if suite.hours not in HOURS:
        problems.append(Problem("hours", "A suite is open 24 hours or is a reserve suite."))
    return problems


def _panel_check(panel: PanelRecord) -> list[Problem]:
    return _named(panel.code, panel.name, "panel")


def _visitor_check(visitor: VisitorRecord) -> list[Problem]:
    return _named(visitor.code, visitor.name, "visitor")


def _suite_type() -> type:
    from icv_app.domain.custody.reference import SuiteRecord

    return SuiteRecord


def _panel_type() -> type:
    from icv_app.domain.custody.reference import PanelRecord

    return PanelRecord


def _visitor_type() -> type:
    from icv_app.domain.custody.reference import VisitorRecord

    return VisitorRecord


SUITE = Kind(
    name="suite",
    label="custody suite",
    load_type=_suite_type,
    table="suites",
    read=_READ,
    write=_WRITE,
    check=_suite_check,
    columns=lambda s: {"code": s.code, "name": s.name},
    local_migrations=(("0001_suites", _table("suites", "code TEXT, name TEXT")),),
    push_order=1,
    labels={"code": "Code", "name": "Name", "area": "Area", "panel": "Panel",
            "hours": "Hours", "open": "Open"},
)

PANEL = Kind(
    name="panel",
    label="panel",
    load_type=_panel_type,
    table="panels",
    read=_READ,
    write=_WRITE,
    check=_panel_check,
    columns=lambda p: {"code": p.code, "name": p.name},
    local_migrations=(("0001_panels", _table("panels", "code TEXT, name TEXT")),),
    push_order=1,
    labels={"code": "Code", "name": "Name"},
)

VISITOR = Kind(
    name="visitor",
    label="visitor",
    load_type=_visitor_type,
    table="scheme_visitors",
    read=_READ,
    write=_WRITE,
    check=_visitor_check,
    columns=lambda v: {"code": v.code, "name": v.name},
    local_migrations=(("0001_visitors", _table("scheme_visitors", "code TEXT, name TEXT")),),
    push_order=1,
    labels={"code": "Code", "name": "Name", "panel": "Panel", "active": "Active",
            "tact": "TACT-trained", "trainee": "Trainee"},
)

KINDS = (SUITE, PANEL, VISITOR)
