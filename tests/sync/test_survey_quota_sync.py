"""Quotas through the real server, on SQLite and PostgreSQL: a survey manager defines a
quota, interviewers receive it and the counts with every sync, fill a cell offline, and
after they sync both interviews are kept, the cell shows its overfill and the later
interview is flagged (to the manager; to an interviewer only their own). Raw requests
that a hostile client could send are refused or bounded."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from icv_app.cli import main
from icv_app.domain.serialize import to_dict
from icv_app.domain.survey.quotas import QuotaTarget, SurveyQuota, quota_id_for
from icv_app.domain.survey.records import (
    InterviewMode,
    InterviewStatus,
    SurveyInstrument,
    SurveyInterview,
)
from icv_app.kinds.survey_quota import COUNTS_TABLE
from icv_app.services.survey import quota_sync
from icv_app.services.survey.quotas import QuotaService
from icv_app.store.records import save_record
from tests.server.support import SCHEMA, Server, Session
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import Laptop, server_records

WORKBOOK = Path(__file__).resolve().parents[2] / "resources" / "survey" / "perception.xlsx"
FORM = "perception"
VARIABLES = ["area", "age_band", "gender"]
CELL = "shropshire|age_35_44|woman"
OTHER = "herefordshire|age_16_24|man"
# What the runner holds once the three quota questions are answered (age_band from age).
ANSWERS = {"interview_mode": "street", "consent": "yes", "area": "shropshire", "age": 41,
           "age_band": "age_35_44", "gender": "woman"}
AT = dt.datetime(2030, 3, 1, 10, 0, tzinfo=dt.UTC)
COUNTS = "/survey/quota-counts"


def interview(interviewer_id: str, cell: str, ended_minutes: int) -> SurveyInterview:
    return SurveyInterview(
        form_id=FORM, form_version="2026.1", interviewer_id=interviewer_id,
        mode=InterviewMode.STREET, started_at=AT,
        ended_at=AT + dt.timedelta(minutes=ended_minutes),
        status=InterviewStatus.COMPLETE, quota_cell=cell,
        answers_json=json.dumps({k: v for k, v in ANSWERS.items() if k != "age_band"}))


def complete(laptop: Laptop, item: SurveyInterview) -> None:
    body = to_dict(item)
    laptop.write(lambda db: save_record(db, "survey_interview", body))


class Fieldwork:
    """A survey manager who imported the perception form and set a quota (two places in
    CELL), and three interviewers, C of whom has already filled one of them."""

    def __init__(self, scheme: Scheme, laptops: LaptopFactory) -> None:
        self.manager_id = scheme.add_user("sm.one", "survey_manager")
        self.a_id = scheme.add_user("int.a", "interviewer")
        self.b_id = scheme.add_user("int.b", "interviewer")
        self.c_id = scheme.add_user("int.c", "interviewer")
        self.manager, self.a = laptops("sm.one"), laptops("int.a")
        self.b, self.c = laptops("int.b"), laptops("int.c")
        form = SurveyInstrument.from_workbook(WORKBOOK.read_bytes(), form_id=FORM,
                                              version="2026.1", filename=WORKBOOK.name)
        body = to_dict(form)
        self.manager.write(lambda db: save_record(db, "survey_instrument", body))
        self.quota = self.quotas(self.manager).define(
            FORM, VARIABLES, {CELL: 2, OTHER: 5}, name="Area x age x gender",
            defined_by="sm.one")
        assert self.manager.sync().accepted == 2

        assert self.c.sync().check_ok
        self.first = interview(self.c_id, CELL, 5)
        complete(self.c, self.first)
        assert self.c.sync().accepted == 1

    def quotas(self, laptop: Laptop) -> QuotaService:
        ids = {self.manager: self.manager_id, self.a: self.a_id, self.b: self.b_id,
               self.c: self.c_id}
        return QuotaService(laptop.store, ids[laptop])


@pytest.fixture
def work(scheme: Scheme, laptops: LaptopFactory) -> Fieldwork:
    return Fieldwork(scheme, laptops)


def cell_of(service: QuotaService, cell: str = CELL) -> Any:
    return {s.cell: s for s in service.status(FORM)}[cell]


def test_two_interviewers_offline_fill_the_last_place_and_the_overfill_is_flagged(
    work: Fieldwork, scheme: Scheme
) -> None:
    a, b = work.quotas(work.a), work.quotas(work.b)
    # Both sync: they get the quota and the counts (C's interview fills one place of two).
    for laptop, service in ((work.a, a), (work.b, b)):
        assert laptop.sync().check_ok
        assert service.quota(FORM) == work.quota
        assert (cell_of(service).achieved, cell_of(service).remaining) == (1, 1)

    # Offline, each reaches the cell with one place left and completes an interview. B's
    # ends later than A's, but B is the first to sync.
    assert a.cell(FORM, ANSWERS) == b.cell(FORM, ANSWERS) == CELL
    assert not a.full(FORM, CELL) and not b.full(FORM, CELL)
    late, early = interview(work.b_id, CELL, 40), interview(work.a_id, CELL, 20)
    complete(work.b, late)
    complete(work.a, early)
    assert a.full(FORM, CELL) and b.full(FORM, CELL)  # each counts its own at once

    assert work.b.sync().accepted == 1
    assert work.a.sync().accepted == 1
    stored = server_records(scheme.engine)
    assert {("survey_interview", i.id) for i in (work.first, late, early)} <= set(stored)

    # The manager sees the cell overfilled by one, the later interview flagged.
    assert work.manager.sync().check_ok
    manager = work.quotas(work.manager)
    seen = cell_of(manager)
    assert (seen.target, seen.achieved, seen.remaining, seen.overfilled_by) == (2, 3, 0, 1)
    assert seen.flagged == (late.id,)
    assert cell_of(manager, OTHER).achieved == 0

    # Each interviewer: full, over by one; only B (whose it is) sees the flagged id.
    for laptop, service in ((work.a, a), (work.b, b)):
        assert laptop.sync().check_ok
        assert service.full(FORM, CELL)
        assert (cell_of(service).achieved, cell_of(service).overfilled_by) == (3, 1)
    assert cell_of(b).flagged == (late.id,)
    assert cell_of(a).flagged == ()
    # A third interview in that cell is refused; another cell still takes interviews.
    assert a.full(FORM, a.cell(FORM, ANSWERS) or "")
    assert not a.full(FORM, OTHER)


def test_the_command_line_shows_the_overfill_and_refuses_an_interviewers_quota(
    work: Fieldwork, capsys: pytest.CaptureFixture[str]
) -> None:
    late = interview(work.b_id, CELL, 40)
    for laptop, item in ((work.a, interview(work.a_id, CELL, 20)), (work.b, late)):
        assert laptop.sync().check_ok
        complete(laptop, item)
    assert work.a.sync().accepted == work.b.sync().accepted == 1
    assert work.manager.sync().check_ok

    def cli(laptop: Laptop, *args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(laptop.store.paths.data_dir), "survey", *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _err = cli(work.manager, "quotas", FORM, "--json")
    assert code == 0
    shown = {c["cell"]: c for c in json.loads(out)["cells"]}
    assert shown[CELL] == {"cell": CELL, "target": 2, "achieved": 3, "remaining": 0,
                           "overfilled_by": 1, "full": True, "flagged": [late.id]}
    code, out, _err = cli(work.manager, "quotas", FORM)
    assert f"{CELL}: target 2, achieved 3, remaining 0, overfilled by 1 (full)" in out
    assert f"flagged: {late.id}" in out
    code, _out, err = cli(work.a, "quota", "set", FORM, "--variables", "area",
                          "--target", "shropshire=1")
    assert code == 1 and "only survey managers and admins define quotas" in err
    assert "int.a (interviewer)" in err


def test_a_cell_filled_on_this_laptop_stays_counted_when_the_counts_could_not_be_fetched(
    work: Fieldwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = work.quotas(work.a)
    assert work.a.sync().check_ok
    complete(work.a, interview(work.a_id, CELL, 20))
    # A server without the endpoint (an older one): the sync goes on, the counts stay.
    monkeypatch.setattr(quota_sync, "QUOTA_COUNTS_PATH", "/api/v1/survey/no-such-thing")
    summary = work.a.sync()
    assert summary.accepted == 1 and summary.check_ok
    fetched = a.fetched_at(FORM)
    assert fetched is not None
    # Pushed, but not in the counts held: still added to them.
    assert cell_of(a).achieved == 2 and a.full(FORM, CELL)
    monkeypatch.undo()
    assert work.a.sync().check_ok
    assert cell_of(a).achieved == 2 and a.full(FORM, CELL)
    assert cell_of(a).counted_by_server == 2


def test_a_quota_the_manager_moves_reaches_interviewers_and_an_interviewer_cannot_set_one(
    work: Fieldwork, scheme: Scheme
) -> None:
    a = work.quotas(work.a)
    assert work.a.sync().check_ok
    work.quotas(work.manager).define(FORM, VARIABLES, {CELL: 1, OTHER: 5})
    assert work.manager.sync().accepted == 1
    assert work.a.sync().check_ok
    assert a.full(FORM, CELL) and cell_of(a).target == 1

    forged = SurveyQuota(form_id=FORM, variables=["area"])
    body = to_dict(forged)
    work.a.write(lambda db: save_record(db, "survey_quota", body))
    summary = work.a.sync()
    assert summary.rejected == 1
    assert "cannot record survey quotas" in work.a.rejected()[0].reason
    held = server_records(scheme.engine)[("survey_quota", quota_id_for(FORM))].body
    assert held is not None and held["variables"] == VARIABLES


# --- raw requests ---------------------------------------------------------------------------


@pytest.fixture
def server(app: FastAPI) -> Server:
    return Server(app, TestClient(app))


def push_interview(session: Session, item: SurveyInterview | dict[str, Any]) -> dict[str, Any]:
    body = item if isinstance(item, dict) else to_dict(item)
    return session.push_one({"type": "survey_interview", "id": body["id"], "rev": 1,
                             "base_rev": 0, "deleted": False, "body": body})


BAD_FORM_IDS = ["", "x" * 101, "1perception", "per ception", "perception'--", "../perception",
                "perception%", "percepción", "a|b", "perception\x00"]


def test_a_bad_form_id_is_refused(server: Server) -> None:
    session = server.user("int.x", "interviewer")
    for form_id in BAD_FORM_IDS:
        response = session.get(COUNTS, params={"form_id": form_id})
        assert response.status_code == 422, (form_id, response.text)
        assert response.json()["error"] == "invalid_request"
    assert session.get(COUNTS).status_code == 422  # no form_id at all
    assert session.get(COUNTS, params={"form_id": "x" * 100}).status_code == 200


def test_only_fieldwork_roles_get_counts_and_an_unknown_form_has_none(server: Server) -> None:
    assert server.client.get(f"/api/v1{COUNTS}", params={"form_id": FORM},
                             headers=SCHEMA).status_code == 401
    for role in ("volunteer", "coordinator"):
        response = server.user(f"{role}.x", role).get(COUNTS, params={"form_id": FORM})
        assert response.status_code == 403 and response.json()["error"] == "forbidden"
    for role in ("interviewer", "survey_manager", "admin"):
        response = server.user(f"{role}.y", role).get(COUNTS, params={"form_id": "unknown"})
        assert response.status_code == 200, response.text
        answer = response.json()
        assert (answer["form_id"], answer["quota"], answer["cells"]) == ("unknown", None, [])


def test_an_interviewer_never_sees_another_interviewers_ids_and_junk_cells_count_nowhere(
    server: Server,
) -> None:
    manager = server.user("sm.x", "survey_manager")
    honest = server.user("int.honest", "interviewer")
    hostile = server.user("int.hostile", "interviewer")
    quota = SurveyQuota(form_id=FORM, variables=VARIABLES, targets=[QuotaTarget(CELL, 1)])
    assert manager.push_one({"type": "survey_quota", "id": quota.id, "rev": 1,
                             "base_rev": 0, "deleted": False,
                             "body": to_dict(quota)})["status"] == "accepted"

    mine = interview(honest.user_id, CELL, 10)
    theirs = interview(hostile.user_id, CELL, 30)  # later: the flagged one
    for session, item in ((honest, mine), (hostile, theirs)):
        assert push_interview(session, item)["status"] == "accepted"
    # Junk a hostile client can send: cells too long, of the wrong shape, another form's
    # id spelt inside the answers, an end time that is not one.
    junk = [interview(hostile.user_id, "x" * 600, 1), interview(hostile.user_id, "a|b", 1),
            interview(hostile.user_id, "a|b|c|d", 1)]
    odd = {**to_dict(interview(hostile.user_id, CELL, 50)), "ended_at": None}
    other_form = {**to_dict(interview(hostile.user_id, CELL, 1)), "form_id": "other",
                  "answers_json": json.dumps({"note": '"form_id":"perception"'})}
    for item in [*junk, odd, other_form]:
        assert push_interview(hostile, item)["status"] == "accepted"

    def counts(session: Session) -> dict[str, Any]:
        response = session.get(COUNTS, params={"form_id": FORM})
        assert response.status_code == 200, response.text
        return {c["cell"]: c for c in response.json()["cells"]}

    seen = counts(manager)
    assert set(seen) == {CELL}  # the junk cells are not listed
    assert (seen[CELL]["achieved"], seen[CELL]["overfilled_by"]) == (3, 2)
    # Ordered by end time: the one without an end time is taken as the latest.
    assert seen[CELL]["flagged"] == [theirs.id, odd["id"]]
    assert counts(honest)[CELL]["flagged"] == []
    assert counts(hostile)[CELL]["flagged"] == [theirs.id, odd["id"]]
    assert counts(honest)[CELL]["achieved"] == 3


def test_the_quota_counts_table_holds_only_what_the_server_said(work: Fieldwork) -> None:
    assert work.a.sync().check_ok
    rows = work.a.write(lambda db: db.execute(
        f"SELECT cell, count, target, flagged FROM {COUNTS_TABLE} WHERE form_id = ? "
        "ORDER BY cell", [FORM]).fetchall())
    assert [tuple(r) for r in rows] == [(OTHER, 0, 5, "[]"), (CELL, 1, 2, "[]")]


def test_the_answer_is_bounded_whatever_one_interviewer_pushes(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    from icv_app.server import survey_api

    monkeypatch.setattr(survey_api, "MAX_OTHER_CELLS", 2)
    monkeypatch.setattr(survey_api, "MAX_FLAGGED", 1)
    manager = server.user("sm.x", "survey_manager")
    hostile = server.user("int.hostile", "interviewer")
    quota = SurveyQuota(form_id=FORM, variables=VARIABLES, targets=[QuotaTarget(CELL, 0)])
    assert manager.push_one({"type": "survey_quota", "id": quota.id, "rev": 1,
                             "base_rev": 0, "deleted": False,
                             "body": to_dict(quota)})["status"] == "accepted"
    cells = {CELL: 2, "a|b|c": 3, "d|e|f": 2, "g|h|i": 1}
    items = [interview(hostile.user_id, cell, n) for cell, k in cells.items()
             for n in range(k)]
    for item in items:
        assert push_interview(hostile, item)["status"] == "accepted"
    answer = manager.get(COUNTS, params={"form_id": FORM}).json()
    # The target's cell, then only the two other cells with most interviews.
    assert [(c["cell"], c["achieved"]) for c in answer["cells"]] == [
        (CELL, 2), ("a|b|c", 3), ("d|e|f", 2)]
    assert len(answer["cells"][0]["flagged"]) == 1 and answer["flagged_truncated"]
