"""The authorisation matrix: every endpoint, every role, own and others' records.

Each case says which callers may do it; the test tries it as every caller and reports
every cell that differs, so one run shows the whole matrix.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from icv_app.server.auth import Principal
from icv_app.server.records import write_server_record
from icv_app.sync.wire import Role
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
from tests.support.record_kinds import extra_kinds_registered

ROLES = ("volunteer", "coordinator", "interviewer", "survey_manager", "admin")
EVERY_ROLE = frozenset(ROLES)
CUSTODY = frozenset({"volunteer", "coordinator", "admin"})
SCHEME_WIDE = frozenset({"coordinator", "admin"})
ADMIN = frozenset({"admin"})
FIELDWORK = frozenset({"interviewer", "survey_manager", "admin"})


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
    # Existence only, of records whose random ids the caller already knows (restores).
    "POST /sync/locate": (
        _status_ok(lambda s: s.post("/sync/locate", json={"records": []})), EVERY_ROLE,
    ),
    "POST /sync/push (empty)": (
        _status_ok(lambda s: s.post("/sync/push", json={"records": []})), EVERY_ROLE,
    ),
    "push: new visit of one's own": (_own_new_visit, CUSTODY),
    "push: change to one's own draft": (_own_visit_changed, CUSTODY),
    "push: amendment to one's own report": (_own_visit_amended, CUSTODY),
    "pull: one's own records": (_own_records_pulled, CUSTODY),
    "GET /survey/quota-counts": (
        _status_ok(lambda s: s.get("/survey/quota-counts", params={"form_id": "f"})), FIELDWORK,
    ),
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
        ("POST", "/sync/locate"),
        ("GET", "/survey/quota-counts?form_id=f"),
    ],
)
def test_every_api_endpoint_but_login_needs_a_token(
    server: Server, method: str, path: str
) -> None:
    json_body: dict[str, Any] | None = None
    if method in ("POST", "PUT"):
        json_body = {"records": []} if "sync" in path else {"retention_days": 5}
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
        "POST /api/v1/sync/locate",
        "GET /api/v1/settings",
        "PUT /api/v1/settings",
        "GET /api/v1/survey/quota-counts",  # the survey roles only (in CASES)
        # Administration: its own role table and matrix, tests/server/test_admin_api.py.
        "GET /api/v1/admin/access",
        "GET /api/v1/admin/users",
        "POST /api/v1/admin/users",
        "PUT /api/v1/admin/users/{username}/role",
        "PUT /api/v1/admin/users/{username}/disabled",
        "POST /api/v1/admin/users/{username}/password",
        "POST /api/v1/admin/users/{username}/unlock",
        "GET /api/v1/admin/devices",
        "POST /api/v1/admin/devices/{device_id}/revoke",
        "PUT /api/v1/admin/retention",
    }


# --- role x kind x relation, with kinds that exist only in the tests ------------------------


def _task(assignee: str, title: str = "Check the intercoms") -> dict[str, Any]:
    rid = str(uuid.uuid4())
    body = {"id": rid, "assignee_id": assignee, "title": title, "done": False, "note": ""}
    return {"type": "test_task", "id": rid, "rev": 1, "base_rev": 0, "body": body}


def _changed(record: dict[str, Any]) -> dict[str, Any]:
    body = {**record["body"], "note": "changed"}
    return {**record, "rev": 2, "base_rev": 1, "body": body}


class KindWorld:
    """A coordinator's tasks (one assigned to the caller, one to someone else) and a
    notice written on the server."""

    def __init__(self, server: Server, coordinator: Session, caller: Session,
                 other_id: str) -> None:
        self.mine = _task(caller.user_id)
        self.others = _task(other_id)
        assert all(r["status"] == "accepted" for r in coordinator.push(self.mine, self.others))
        self.notice_id = str(uuid.uuid4())
        admin_principal = Principal(coordinator.user_id, coordinator.username, Role.ADMIN,
                                    coordinator.device_id, "server")
        write_server_record(server.engine, admin_principal, "test_notice", self.notice_id,
                            {"id": self.notice_id, "text": "Suite 3 closed"},
                            dt.datetime.now(dt.UTC))


def _pulled(s: Session, rid: str) -> bool:
    return rid in {c["id"] for c in s.pull_all()}


KIND_CASES: dict[str, tuple[Callable[[Session, KindWorld], bool], frozenset[str]]] = {
    "push: a new task of one's own": (
        lambda s, w: _accepted(s.push_one(_task(s.user_id))),
        frozenset({"volunteer", "coordinator"}),
    ),
    "pull: a task assigned to me": (
        lambda s, w: _pulled(s, w.mine["id"]), frozenset({"volunteer", "coordinator"}),
    ),
    "push: change to a task assigned to me": (
        lambda s, w: _accepted(s.push_one(_changed(w.mine))),
        frozenset({"volunteer", "coordinator"}),
    ),
    "pull: a task assigned to another": (
        lambda s, w: _pulled(s, w.others["id"]), frozenset({"coordinator"}),
    ),
    "push: change to a task assigned to another": (
        lambda s, w: _accepted(s.push_one(_changed(w.others))), frozenset({"coordinator"}),
    ),
    "pull: a notice written on the server": (
        lambda s, w: _pulled(s, w.notice_id), EVERY_ROLE,
    ),
    "push: a notice from a laptop": (
        lambda s, w: _accepted(s.push_one({
            "type": "test_notice", "id": (rid := str(uuid.uuid4())), "rev": 1, "base_rev": 0,
            "body": {"id": rid, "text": "Forged"}})),
        frozenset(),
    ),
}


def test_every_role_reaches_each_kind_through_its_relation(server: Server) -> None:
    with extra_kinds_registered():
        coordinator = server.user("coord.owner", "coordinator")
        other = server.add_user("vol.other")
        wrong: list[str] = []
        for role in ROLES:
            session = server.user(f"kinds.{role}", role)
            for name, (attempt, allowed) in KIND_CASES.items():
                world = KindWorld(server, coordinator, session, other)
                actual = attempt(session, world)
                if actual != (role in allowed):
                    wrong.append(f"{role}: {name} {'was allowed' if actual else 'was refused'}")
        assert not wrong, "\n".join(wrong)
