"""Quotas without a server: an interview's cell from its answers, whether a cell is full
(the server's count at the last sync plus this laptop's interviews it had not counted),
how each cell stands, definitions refused with their reasons, and the command line."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from icv_app.cli import main
from icv_app.domain.serialize import to_dict
from icv_app.domain.survey.instrument import load_xlsform
from icv_app.domain.survey.quotas import (
    MAX_CELLS,
    Counted,
    QuotaTarget,
    SurveyQuota,
    cell_key,
    cell_statuses,
    is_full,
    overfill,
    quota_id_for,
    quota_problems,
    value_text,
)
from icv_app.domain.survey.records import (
    InterviewMode,
    InterviewStatus,
    SurveyInstrument,
    SurveyInterview,
)
from icv_app.domain.survey.session import FormSession
from icv_app.kinds.survey_quota import COUNTED_TABLE, COUNTS_TABLE
from icv_app.paths import Paths
from icv_app.services.survey.quotas import QuotaRefused, QuotaService
from icv_app.store.local_store import LocalStore
from icv_app.store.records import save_record

SHIPPED = Path(__file__).resolve().parent.parent / "resources" / "survey"
VARIABLES = ["area", "age_band", "gender"]
CELL = "shropshire|age_35_44|woman"
OTHER = "herefordshire|age_16_24|man"
ME = "11111111-1111-4111-8111-111111111111"
SOMEONE = "22222222-2222-4222-8222-222222222222"
AT = dt.datetime(2030, 3, 1, 10, 0, tzinfo=dt.UTC)


def quota(**extra: Any) -> SurveyQuota:
    values: dict[str, Any] = {"form_id": "perception", "variables": list(VARIABLES),
                              "targets": [QuotaTarget(CELL, 2), QuotaTarget(OTHER, 5)],
                              **extra}
    return SurveyQuota(**values)


# --- cell keys ----------------------------------------------------------------------------------


def test_a_cell_is_the_variables_values_in_order_once_each_has_one() -> None:
    values = {"gender": "woman", "area": "shropshire", "age_band": "age_35_44", "x": 1}
    assert cell_key(VARIABLES, values) == CELL
    assert cell_key(VARIABLES, {**values, "gender": None}) is None
    assert cell_key(VARIABLES, {"area": "shropshire", "age_band": "age_35_44"}) is None
    assert cell_key(VARIABLES, {**values, "gender": "  "}) is None
    assert cell_key(VARIABLES, {**values, "gender": float("nan")}) is None  # a blank calc
    assert cell_key(["area", "age"], {"area": "shropshire", "age": 35.0}) == "shropshire|35"
    assert value_text(["radio", "leaflet"]) == value_text(["leaflet", "radio"]) == \
        "leaflet radio"
    assert value_text([]) is None
    assert value_text(dt.date(2030, 3, 1)) == "2030-03-01"


def test_the_perception_forms_answers_give_the_cell_as_they_come() -> None:
    form = load_xlsform(SHIPPED / "perception.xlsx")
    session = FormSession(form, now=AT)
    q = quota()
    session.set_answer("interview_mode", "street")
    session.set_answer("consent", "yes")
    session.set_answer("area", "shropshire")
    assert q.cell(session.values) is None
    session.set_answer("age", 40)  # age_band is calculated from it
    assert q.cell(session.values) is None
    session.set_answer("gender", "woman")
    assert q.cell(session.values) == CELL


# --- definitions ----------------------------------------------------------------------------------


def test_a_quota_has_one_record_per_form() -> None:
    assert quota().id == quota_id_for("perception") != quota_id_for("other")
    assert quota_problems(quota()) == []


@pytest.mark.parametrize(("change", "where", "words"), [
    ({"variables": []}, "variables", "1 to 5 variables"),
    ({"variables": ["a", "b", "c", "d", "e", "f"]}, "variables", "1 to 5 variables"),
    ({"variables": ["area", "age band", "gender"]}, "variables[1]", "Not a question name"),
    ({"variables": ["area", "1age", "gender"]}, "variables[1]", "Not a question name"),
    ({"variables": ["area", "area", "gender"]}, "variables[1]", "listed twice"),
    ({"targets": [QuotaTarget("shropshire|woman", 2)]}, "targets[0].cell", "has 2"),
    ({"targets": [QuotaTarget("shropshire||woman", 2)]}, "targets[0].cell", "age_band is empty"),
    ({"targets": [QuotaTarget("shropshire| age_35_44|woman", 2)]}, "targets[0].cell", "spaces"),
    ({"targets": [QuotaTarget(CELL, 2), QuotaTarget(CELL, 3)]}, "targets[1].cell", "twice"),
    ({"targets": [QuotaTarget(CELL, -1)]}, "targets[0].target", "0 to 100000"),
    ({"targets": [QuotaTarget(CELL, 100_001)]}, "targets[0].target", "0 to 100000"),
    ({"targets": [QuotaTarget("x" * 300 + "|" + "y" * 300 + "|z", 1)]}, "targets[0].cell",
     "at most 500"),
    ({"targets": [QuotaTarget(f"a{i}|b|c", 1) for i in range(MAX_CELLS + 1)]}, "targets",
     "At most 2000 cells"),
    ({"name": "Ring 07700 900123 for changes"}, "name", "phone number"),
    ({"form_id": "per ception", "id": ""}, "form_id", "Not a form id"),
    ({"id": "5b0c4f1e-7a52-4d8e-9c36-1f0e2a7d4b91"}, "id", "one quota record"),
])
def test_a_quota_out_of_bounds_is_refused_with_where_and_why(
    change: dict[str, Any], where: str, words: str
) -> None:
    problems = quota_problems(dataclasses.replace(quota(), **change))
    assert [p.field for p in problems] == [where], problems
    assert words in problems[0].message


def test_a_quota_with_thousands_of_bad_cells_lists_only_the_first_problems() -> None:
    bad = [QuotaTarget(f"c{i}", 1) for i in range(500)]
    problems = quota_problems(dataclasses.replace(quota(), targets=bad))
    assert len(problems) == 21 and "More problems follow" in problems[-1].message


# --- counting ---------------------------------------------------------------------------------


def counted(rid: str, minute: int | None, cell: str = CELL) -> Counted:
    ended = None if minute is None else AT + dt.timedelta(minutes=minute)
    return Counted(rid, cell, ended)


def test_the_interviews_past_a_target_are_the_latest_to_end_then_by_id() -> None:
    interviews = [counted("d", 30), counted("b", 10), counted("c", 10), counted("a", None),
                  counted("e", 5, OTHER)]
    assert overfill({CELL: 1, OTHER: 1}, interviews) == {CELL: ["c", "d", "a"]}
    assert overfill({CELL: 3}, interviews) == {CELL: ["a"]}  # no end time: the latest
    assert overfill({CELL: 5}, interviews) == {}
    assert overfill({}, interviews) == {}  # no targets, nothing flagged
    # An end time without a zone is taken as UTC.
    naive = Counted("z", CELL, (AT + dt.timedelta(minutes=1)).replace(tzinfo=None))
    assert overfill({CELL: 1}, [counted("y", 2), naive]) == {CELL: ["y"]}


def test_full_cells_and_each_cells_status() -> None:
    q = quota()
    assert not is_full(q, CELL, 1) and is_full(q, CELL, 2) and is_full(q, CELL, 3)
    assert not is_full(q, "telford_and_wrekin|age_16_24|man", 500)  # no target: open
    assert is_full(dataclasses.replace(q, other_cells_full=True),
                   "telford_and_wrekin|age_16_24|man", 0)
    statuses = cell_statuses(q, {CELL: 2, "telford_and_wrekin|age_16_24|man": 4},
                             {CELL: 1, OTHER: 1}, {CELL: ["late"]})
    by_cell = {s.cell: s for s in statuses}
    assert [s.cell for s in statuses] == [CELL, OTHER, "telford_and_wrekin|age_16_24|man"]
    s = by_cell[CELL]
    assert (s.target, s.achieved, s.remaining, s.overfilled_by, s.full, s.flagged) == (
        2, 3, 0, 1, True, ("late",))
    assert (s.counted_by_server, s.counted_here) == (2, 1)
    s = by_cell[OTHER]
    assert (s.achieved, s.remaining, s.overfilled_by, s.full) == (1, 4, 0, False)
    s = by_cell["telford_and_wrekin|age_16_24|man"]
    assert (s.target, s.remaining, s.overfilled_by, s.full) == (None, None, 0, False)


# --- the service on a laptop's store ----------------------------------------------------------


@pytest.fixture
def laptop(store: LocalStore) -> Iterator[LocalStore]:
    yield store


def write(store: LocalStore, job: Any) -> Any:
    return store.writer.submit(job).result()


def interview(cell: str = CELL, *, status: InterviewStatus = InterviewStatus.COMPLETE,
              interviewer_id: str = ME, form_id: str = "perception") -> SurveyInterview:
    return SurveyInterview(form_id=form_id, form_version="2026.1",
                           interviewer_id=interviewer_id, mode=InterviewMode.STREET,
                           started_at=AT, ended_at=AT + dt.timedelta(minutes=12),
                           status=status, quota_cell=cell)


def keep(store: LocalStore, item: Any, kind: str = "survey_interview", *,
         synced: bool = False) -> None:
    body = to_dict(item)

    def job(db: Any) -> None:
        save_record(db, kind, body)
        if synced:  # as if the server had acknowledged it
            db.execute("UPDATE survey_interviews SET base_rev = rev WHERE id = ?", [item.id])

    write(store, job)


def server_said(store: LocalStore, cell: str, count: int, *, flagged: tuple[str, ...] = (),
                counted: tuple[str, ...] = ()) -> None:
    """The counts table as the after-sync step leaves it."""
    def job(db: Any) -> None:
        db.execute(f"INSERT OR REPLACE INTO {COUNTS_TABLE} (form_id, cell, count, target, "
                   "fetched_at, flagged) VALUES ('perception', ?, ?, NULL, ?, ?)",
                   [cell, count, AT.isoformat(), json.dumps(list(flagged))])
        for rid in counted:
            db.execute(f"INSERT INTO {COUNTED_TABLE} (form_id, interview_id) "
                       "VALUES ('perception', ?)", [rid])

    write(store, job)


def test_a_form_without_a_quota_has_no_cells_and_is_never_full(laptop: LocalStore) -> None:
    service = QuotaService(laptop, ME)
    assert service.cell("perception", {"area": "shropshire"}) is None
    assert not service.full("perception", CELL)
    assert service.status("perception") == []


def test_full_counts_the_servers_count_and_this_laptops_uncounted_interviews(
    laptop: LocalStore
) -> None:
    service = QuotaService(laptop, ME)
    service.define("perception", VARIABLES, {CELL: 3, OTHER: 1})
    values = {"area": "shropshire", "age_band": "age_35_44", "gender": "woman"}
    assert service.cell("perception", values) == CELL
    assert not service.full("perception", CELL)

    server_said(laptop, CELL, 1)
    keep(laptop, interview(status=InterviewStatus.IN_PROGRESS))  # not complete: not counted
    keep(laptop, interview(form_id="other"))  # another form's
    keep(laptop, interview(OTHER))  # another cell's
    assert service.achieved("perception", CELL) == 1
    keep(laptop, interview())  # complete, never pushed
    assert service.achieved("perception", CELL) == 2 and not service.full("perception", CELL)

    # Someone else's interview pulled from the server is in the server's count already.
    keep(laptop, interview(interviewer_id=SOMEONE), synced=True)
    assert service.achieved("perception", CELL) == 2
    # One of mine the server acknowledged when it counted: in its count, not added again.
    counted_one = interview()
    keep(laptop, counted_one, synced=True)
    server_said(laptop, CELL, 1, counted=(counted_one.id,))
    assert service.achieved("perception", CELL) == 2
    # One of mine acknowledged after the counts were fetched: added to them.
    keep(laptop, interview(), synced=True)
    assert service.achieved("perception", CELL) == 3 and service.full("perception", CELL)
    assert service.full("perception", OTHER)  # one complete here, target 1
    # With no user (not signed in), only what the server has not acknowledged is added.
    assert QuotaService(laptop).achieved("perception", CELL) == 2


def test_status_lists_every_cell_with_what_remains_and_what_went_over(
    laptop: LocalStore
) -> None:
    service = QuotaService(laptop, ME)
    service.define("perception", VARIABLES, [QuotaTarget(CELL, 2), QuotaTarget(OTHER, 4)],
                   name="Area x age x gender")
    server_said(laptop, CELL, 3, flagged=("flagged-id",))
    server_said(laptop, "telford_and_wrekin|age_16_24|man", 1)
    keep(laptop, interview(OTHER))
    rows = {s.cell: s for s in service.status("perception")}
    assert (rows[CELL].achieved, rows[CELL].overfilled_by, rows[CELL].flagged) == (
        3, 1, ("flagged-id",))
    assert (rows[OTHER].achieved, rows[OTHER].remaining) == (1, 3)
    assert rows["telford_and_wrekin|age_16_24|man"].target is None


def test_a_definition_is_refused_with_every_reason_and_nothing_is_kept(
    laptop: LocalStore
) -> None:
    service = QuotaService(laptop, ME)
    with pytest.raises(QuotaRefused) as refused:
        service.define("perception", ["area", "gender"], {"shropshire|woman": -3})
    assert [p.field for p in refused.value.problems] == ["targets[0].target"]
    assert "targets[0].target: A target is a whole number" in str(refused.value)
    assert service.quota("perception") is None


def test_a_definition_is_checked_against_the_form_when_it_is_held(laptop: LocalStore) -> None:
    data = (SHIPPED / "perception.xlsx").read_bytes()
    keep(laptop, SurveyInstrument.from_workbook(data, form_id="perception",
                                                version="2026.1", filename="perception.xlsx"),
         "survey_instrument")
    service = QuotaService(laptop, ME)
    with pytest.raises(QuotaRefused) as refused:
        service.define("perception", ["area", "age_group"], {"shropshire|age_35_44": 5})
    assert [p.field for p in refused.value.problems] == ["variables[1]"]
    assert "no question or calculation named age_group" in refused.value.problems[0].message
    with pytest.raises(QuotaRefused) as refused:
        service.define("perception", VARIABLES, {CELL: 5, "Shropshire|age_35_44|woman": 5})
    problem = refused.value.problems[0]
    assert problem.field == "targets[1].cell"
    assert "'Shropshire' is not a choice of area" in problem.message
    assert "shropshire, south_worcestershire" in problem.message
    # age_band is a calculation: any value goes.
    kept = service.define("perception", VARIABLES, {CELL: 5, "shropshire|35-54|woman": 1})
    assert service.quota("perception") == kept


def test_a_new_definition_replaces_the_quota_and_keeps_fields_a_newer_app_added(
    laptop: LocalStore
) -> None:
    service = QuotaService(laptop, ME)
    first = service.define("perception", VARIABLES, {CELL: 3})
    write(laptop, lambda db: save_record(db, "survey_quota",
                                         {**to_dict(first), "weighting": {"by": "area"}}))
    service.define("perception", ["area"], {"shropshire": 10})
    held = write(laptop, lambda db: db.execute(
        "SELECT body FROM survey_quotas WHERE id = ?", [first.id]).fetchone()[0])
    body = json.loads(held)
    assert body["variables"] == ["area"] and body["weighting"] == {"by": "area"}
    replaced = service.quota("perception")
    assert replaced is not None and replaced.targets == [QuotaTarget("shropshire", 10)]


def test_the_laptops_reading_of_the_counts_matches_the_servers_answer() -> None:
    from icv_app.server.survey_api import CellCountOut, QuotaCountsOut
    from icv_app.services.survey.quota_sync import CellCountAnswer, QuotaCountsAnswer

    assert set(QuotaCountsAnswer.model_fields) <= set(QuotaCountsOut.model_fields)
    assert set(CellCountAnswer.model_fields) <= set(CellCountOut.model_fields)
    out = QuotaCountsOut(form_id="perception", as_of_seq=7, counted_at=AT, quota=None,
                         cells=[CellCountOut(cell=CELL, achieved=3, target=2,
                                             overfilled_by=1, flagged=["x"])])
    read = QuotaCountsAnswer.model_validate(out.model_dump(mode="json"))
    assert (read.cells[0].achieved, read.cells[0].flagged, read.as_of_seq) == (3, ["x"], 7)


# --- the command line ---------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], paths: Paths, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(paths.data_dir), "survey", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_quota_set_and_quotas_on_the_command_line(
    capsys: pytest.CaptureFixture[str], paths: Paths, tmp_path: Path
) -> None:
    code, out, _err = cli(capsys, paths, "quota", "set", "perception",
                          "--variables", "area,age_band,gender",
                          "--target", f"{CELL}=2", "--target", f"{OTHER}=4")
    assert code == 0 and "2 cells of area x age_band x gender, 6 interviews" in out
    with LocalStore.open(paths) as store:
        keep(store, interview())
    code, out, _err = cli(capsys, paths, "quotas", "perception", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["variables"] == VARIABLES and shown["counted_at"] is None
    assert shown["cells"][0] == {"cell": CELL, "target": 2, "achieved": 1, "remaining": 1,
                                 "overfilled_by": 0, "full": False, "flagged": []}
    code, out, _err = cli(capsys, paths, "quotas", "perception")
    assert code == 0 and f"{CELL}: target 2, achieved 1, remaining 1" in out

    targets = tmp_path / "targets.csv"
    targets.write_text("area,gender,age_band,target\nshropshire,woman,age_35_44,20\n\n"
                       "herefordshire,man,age_16_24,15\n", encoding="utf-8")
    code, out, _err = cli(capsys, paths, "quota", "set", "perception", "--variables",
                          "area,age_band,gender", "--file", str(targets))
    assert code == 0 and "35 interviews in all" in out
    code, out, _err = cli(capsys, paths, "quotas", "perception", "--json")
    assert [(c["cell"], c["target"]) for c in json.loads(out)["cells"]] == [
        (CELL, 20), (OTHER, 15)]


def test_quota_problems_name_the_file_row_and_column(
    capsys: pytest.CaptureFixture[str], paths: Paths, tmp_path: Path
) -> None:
    targets = tmp_path / "targets.csv"
    targets.write_text("area,age_band,gender,target\nshropshire,age_35_44,woman,20\n"
                       "shropshire,age_35_44,woman,5\nherefordshire,,man,-2\n")
    code, _out, err = cli(capsys, paths, "quota", "set", "perception", "--variables",
                          "area,age_band,gender", "--file", str(targets))
    assert code == 1
    assert "targets.csv, row 3 (cell): This cell is listed twice." in err
    assert "targets.csv, row 4 (cell): The value for age_band is empty." in err
    assert "targets.csv, row 4 (target): A target is a whole number" in err

    targets.write_text("area,age_band,gender,target\nshropshire,age_35_44,woman,twenty\n")
    code, _out, err = cli(capsys, paths, "quota", "set", "perception", "--variables",
                          "area,age_band,gender", "--file", str(targets))
    assert code == 2 and "targets.csv, row 2, column target: 'twenty'" in err
    targets.write_text("area,gender,target\nshropshire,woman,3\n")
    code, _out, err = cli(capsys, paths, "quota", "set", "perception", "--variables",
                          "area,age_band,gender", "--file", str(targets))
    assert code == 2 and "row 1: no column age_band" in err
    code, _out, err = cli(capsys, paths, "quota", "set", "perception", "--variables",
                          "area", "--target", "shropshire")
    assert code == 2 and "give CELL=N" in err
    code, _out, err = cli(capsys, paths, "quotas", "perception")
    assert code == 1 and "no quota for perception" in err


def test_a_revoked_laptops_purge_empties_the_quota_counts_too(laptop: LocalStore) -> None:
    from icv_app.kinds.survey_quota import FETCHES_TABLE
    from icv_app.store.sync.sync_check import purge_all

    QuotaService(laptop, ME).define("perception", VARIABLES, {CELL: 3})
    server_said(laptop, CELL, 2, flagged=("another-interviewers-interview",),
                counted=("i-1",))
    write(laptop, lambda db: db.execute(
        f"INSERT INTO {FETCHES_TABLE} (form_id, fetched_at) VALUES ('perception', ?)",
        [AT.isoformat()]))
    write(laptop, purge_all)
    for table in (COUNTS_TABLE, COUNTED_TABLE, FETCHES_TABLE, "survey_quotas"):
        assert laptop.reader.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0
