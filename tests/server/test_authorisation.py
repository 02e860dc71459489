"""The authorisation matrix: every endpoint, every role, own and others' records.

Each case says which callers may do it; the test tries it as every caller and reports
every cell that differs, so one run shows the whole matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.server.support import (
    API,
    SCHEMA,
    Server,
    Session,
    amendment_record,
    draft_visit,
    submitted_visit,
    visit_record,
)

ROLES = ("volunteer", "coordinator", "interviewer", "survey_manager", "admin")
EVERY_ROLE = frozenset(ROLES)
CUSTODY = frozenset({"volunteer", "coordinator", "admin"})
SCHEME_WIDE = frozenset({"coordinator", "admin"})
ADMIN = frozenset({"admin"})


class World:
    """The owner's records that every caller is tried against (fresh per caller)."""

    def __init__(self, server: Server, owner: Session) -> None:
        self.draft = draft_visit()
        self.submitted = submitted_visit()
        results = owner.push(visit_record(self.draft), visit_record(self.submitted))
        assert all(r["status"] == "accepted" for r in results)


def _accepted(result: dict[str, Any]) -> bool:
    return result["status"] == "accepted"


def _own_new_visit(s: Session, w: World) -> bool:
    return _accepted(s.push_one(visit_record(draft_visit())))


def _own_visit_changed(s: Session, w: World) -> bool:
    report = draft_visit()
    if not _accepted(s.push_one(visit_record(report))):
        return False
    report.header.panel = "Panel B"
    return _accepted(s.push_one(visit_record(report, rev=2, base_rev=1)))


def _own_visit_amended(s: Session, w: World) -> bool:
    report = submitted_visit()
    if not _accepted(s.push_one(visit_record(report))):
        return False
    return _accepted(s.push_one(amendment_record(report.id)))


def _others_draft_changed(s: Session, w: World) -> bool:
    w.draft.header.panel = "Changed by someone else"
    return _accepted(s.push_one(visit_record(w.draft, rev=2, base_rev=1)))


def _others_draft_deleted(s: Session, w: World) -> bool:
    return _accepted(s.push_one(visit_record(w.draft, rev=2, base_rev=1, deleted=True)))


def _others_visit_amended(s: Session, w: World) -> bool:
    return _accepted(s.push_one(amendment_record(w.submitted.id)))


def _others_records_pulled(s: Session, w: World) -> bool:
    ids = {c["id"] for c in s.pull_all()}
    return bool({w.draft.id, w.submitted.id} & ids)


def _others_records_counted(s: Session, w: World) -> bool:
    own = [c for c in s.pull_all() if c["owner_id"] == s.user_id and not c["deleted"]]
    return int(s.get("/sync/check").json()["count"]) > len(own)


def _own_records_pulled(s: Session, w: World) -> bool:
    report = draft_visit()
    if not _accepted(s.push_one(visit_record(report))):
        return False
    return report.id in {c["id"] for c in s.pull_all()}


def _status_ok(call: Callable[[Session], Any]) -> Callable[[Session, World], bool]:
    def check(s: Session, _w: World) -> bool:
        status = call(s).status_code
        assert status in (200, 204, 401, 403), status
        return status in (200, 204)

    return check


CASES: dict[str, tuple[Callable[[Session, World], bool], frozenset[str]]] = {
    "GET /me": (_status_ok(lambda s: s.get("/me")), EVERY_ROLE),
    "GET /settings": (_status_ok(lambda s: s.get("/settings")), EVERY_ROLE),
    "PUT /settings": (
        _status_ok(lambda s: s.put("/settings", json={"retention_days": 14})), ADMIN,
    ),
    "GET /sync/pull": (_status_ok(lambda s: s.get("/sync/pull")), EVERY_ROLE),
    "GET /sync/check": (_status_ok(lambda s: s.get("/sync/check")), EVERY_ROLE),
    "POST /sync/push (empty)": (
        _status_ok(lambda s: s.post("/sync/push", json={"records": []})), EVERY_ROLE,
    ),
    "push: new visit of one's own": (_own_new_visit, CUSTODY),
    "push: change to one's own draft": (_own_visit_changed, CUSTODY),
    "push: amendment to one's own report": (_own_visit_amended, CUSTODY),
    "pull: one's own records": (_own_records_pulled, CUSTODY),
    "push: change to another's draft": (_others_draft_changed, SCHEME_WIDE),
    "push: delete another's draft": (_others_draft_deleted, SCHEME_WIDE),
    "push: amendment to another's report": (_others_visit_amended, SCHEME_WIDE),
    "pull: another's records": (_others_records_pulled, SCHEME_WIDE),
    "check: another's records": (_others_records_counted, SCHEME_WIDE),
    # Last: it signs the device out.
    "POST /logout": (_status_ok(lambda s: s.post("/logout")), EVERY_ROLE),
}


def test_every_endpoint_every_role_own_and_others_records(server: Server) -> None:
    owner = server.user("vol.owner")
    wrong: list[str] = []
    for role in ROLES:
        session = server.user(f"caller.{role}", role)
        for name, (attempt, allowed) in CASES.items():
            world = World(server, owner)
            expected = role in allowed
            actual = attempt(session, world)
            if actual != expected:
                verb = "was allowed" if actual else "was refused"
                wrong.append(f"{role}: {name} {verb}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/me"),
        ("POST", "/logout"),
        ("GET", "/settings"),
        ("PUT", "/settings"),
        ("POST", "/sync/push"),
        ("GET", "/sync/pull"),
        ("GET", "/sync/check"),
    ],
)
def test_every_api_endpoint_but_login_needs_a_token(
    server: Server, method: str, path: str
) -> None:
    json_body: dict[str, Any] | None = None
    if method in ("POST", "PUT"):
        json_body = {"records": []} if "push" in path else {"retention_days": 5}
    response = server.client.request(method, API + path, headers=SCHEMA, json=json_body)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"


def test_openapi_lists_exactly_the_endpoints_the_matrix_covers(server: Server) -> None:
    spec = server.client.get("/openapi.json").json()
    operations = {
        f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item
    }
    assert operations == {
        "GET /health",
        "POST /api/v1/login",
        "POST /api/v1/logout",
        "GET /api/v1/me",
        "POST /api/v1/sync/push",
        "GET /api/v1/sync/pull",
        "GET /api/v1/sync/check",
        "GET /api/v1/settings",
        "PUT /api/v1/settings",
    }
