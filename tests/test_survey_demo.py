"""Synthetic interviews of the perception survey: complete, valid for the form, spread over
the five areas and the demographics, near the published headline figures; and
``icv-app demo --interviews N``."""

from __future__ import annotations

import collections
import datetime as dt
import json

import pytest

from icv_app.cli import main
from icv_app.domain.survey.demo import generate_interviews
from icv_app.domain.survey.engine import run
from icv_app.domain.survey.instrument import Instrument, load_xlsform
from icv_app.domain.survey.records import InterviewMode, InterviewStatus
from icv_app.survey_commands import shipped_forms

AREAS = {"herefordshire", "shropshire", "telford_and_wrekin", "north_worcestershire",
         "south_worcestershire"}
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 3, 31, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def perception() -> Instrument:
    return load_xlsform(shipped_forms()["perception"])


@pytest.fixture(scope="module")
def interviews(perception: Instrument):  # type: ignore[no-untyped-def]
    return generate_interviews(perception, 600, seed=7, interviewer_id="int-1",
                               start=START, end=END)


def test_every_interview_is_complete_and_valid_for_the_form(perception, interviews):
    assert len(interviews) == 600
    for interview in interviews:
        answers = json.loads(interview.answers_json)
        result = run(perception, answers, today=interview.started_at.date(),
                     now=interview.started_at)
        assert result.problems == [], (interview.id, result.problems)
        assert interview.status is InterviewStatus.COMPLETE
        assert (interview.form_id, interview.form_version) == ("perception", "2026.1")
        assert interview.interviewer_id == "int-1"
        assert interview.mode.value == answers["interview_mode"]
        assert START <= interview.started_at < interview.ended_at <= END
        area, age_band, gender = interview.quota_cell.split("|")
        assert (area, age_band, gender) == (answers["area"], result.values["age_band"],
                                            answers["gender"])
    assert len({i.id for i in interviews}) == 600


def test_interviews_spread_over_the_areas_modes_and_demographics(interviews):
    answers = [json.loads(i.answers_json) for i in interviews]
    areas = collections.Counter(a["area"] for a in answers)
    assert set(areas) == AREAS and min(areas.values()) >= 50
    modes = collections.Counter(i.mode for i in interviews)
    assert set(modes) == {InterviewMode.TELEPHONE, InterviewMode.STREET}
    bands = {i.quota_cell.split("|")[1] for i in interviews}
    assert {"age_16_24", "age_45_54", "age_75_plus"} <= bands
    assert {a["gender"] for a in answers} >= {"woman", "man"}
    assert any("age" not in a for a in answers)  # some give only a band


def test_the_headline_figures_are_near_the_published_ones(interviews):
    answers = [json.loads(i.answers_json) for i in interviews]

    def share(name: str, counted: set[str]) -> float:
        return sum(a[name] in counted for a in answers) / len(answers)

    agree = {"agree", "strongly_agree"}
    assert share("confidence_in_police", agree) == pytest.approx(0.85, abs=0.04)
    assert share("police_job_rating", {"good", "excellent"}) == pytest.approx(0.69, abs=0.05)
    assert share("crime_asb_problem", agree) == pytest.approx(0.26, abs=0.05)
    assert share("crime_asb_change", {"same"}) == pytest.approx(0.68, abs=0.05)
    # Answers hang together: those confident in the police trust them more often.
    confident = [a for a in answers if a["confidence_in_police"] in agree]
    others = [a for a in answers if a["confidence_in_police"] not in agree]
    assert (sum(a["trust_police"] in agree for a in confident) / len(confident)
            > sum(a["trust_police"] in agree for a in others) / len(others) + 0.1)


def test_the_same_seed_gives_the_same_interviews(perception):
    def draw() -> list[tuple[str, str]]:
        return [(i.id, i.answers_json) for i in
                generate_interviews(perception, 5, seed=3, start=START, end=END)]

    assert draw() == draw()


def test_demo_interviews_import_the_shipped_form_and_say_how_many(capsys, paths):
    def demo(*args: str) -> tuple[int, str]:
        code = main(["--data-dir", str(paths.data_dir), "demo", "--visits", "0", *args])
        return code, capsys.readouterr().out

    code, out = demo("--interviews", "12", "--seed", "1")
    assert code == 0
    assert ("Imported the shipped perception form (version 2026.1). Added 12 synthetic "
            "completed interviews of the perception survey; the profile now holds 12.") in out
    code, out = demo("--interviews", "3")
    assert code == 0 and "Imported" not in out and "now holds 15." in out
    code, out = demo()  # no --interviews: none
    assert code == 0 and "interviews" not in out
    main(["--data-dir", str(paths.data_dir), "survey", "list", "--json"])
    listed = json.loads(capsys.readouterr().out)
    assert [(f["form_id"], f["responses"]) for f in listed] == [("perception", 15)]
    assert main(["--data-dir", str(paths.data_dir), "demo", "--interviews", "-1"]) == 2
    assert "--interviews must be 0 or more" in capsys.readouterr().err
