"""Interviews on the laptop: the shipped forms walked question by question, every answer
saved as it is given, skip logic, refused answers, resuming, paradata, quotas and the
safe-to-talk check."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pytest

from icv_app.domain.survey import engine
from icv_app.domain.survey.records import PHONE_MESSAGE, InterviewMode, InterviewStatus
from icv_app.services.survey import interviews
from icv_app.services.survey.instruments import InstrumentService
from icv_app.services.survey.interviews import (
    InterviewError,
    InterviewService,
    LiveInterview,
)
from icv_app.store.local_store import LocalStore
from icv_app.store.records import load_record
from icv_app.survey_commands import shipped_forms
from tests.test_survey_engine import write_form

INTERVIEWER = "0b7e2d7c-1f55-4a8c-9f0e-6a1d2c3b4a51"
START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)

# A telephone respondent's answers to the perception form, by question name.
PERCEPTION = {
    "consent": "yes", "area": "shropshire", "neighbourhood": "shropshire_b",
    "confidence_in_police": "agree", "confident_good_service": "agree",
    "police_job_rating": "good", "officer_seen_frequency": "weekly",
    "officer_seen_where": ["on_foot", "vehicle"], "satisfied_policing_level": "neither",
    "confident_contact_emergency": "strongly_agree",
    "confident_contact_non_emergency": "agree", "police_understand_issues": "agree",
    "crime_asb_problem": "disagree", "crime_asb_change": "same",
    "police_dealing_crime_asb": "agree", "trust_police": "agree",
    "treat_everyone_fairly": "neither", "act_with_integrity": "agree", "age": 42,
    "gender": "woman", "ethnicity": "white", "disability": "no",
}


class Clock:
    """A clock the test moves on by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def held(store: LocalStore) -> LocalStore:
    """The store with the shipped perception and survivor forms imported."""
    forms = shipped_forms()
    for name in ("perception", "survivor_consultation"):
        InstrumentService(store).import_file(forms[name])
    return store


@pytest.fixture
def service(held: LocalStore, clock: Clock) -> InterviewService:
    return InterviewService(held, INTERVIEWER, now=clock)


def telephone(service: InterviewService, **kw: Any) -> LiveInterview:
    return service.start("perception", mode=InterviewMode.TELEPHONE,
                         preset={"interview_mode": "telephone"}, **kw)


def stored(service: InterviewService, live: LiveInterview) -> dict[str, Any]:
    live.wait_saved()
    body = load_record(service.store.reader, "survey_interview", live.id)
    assert body is not None
    return body


def stored_answers(service: InterviewService, live: LiveInterview) -> dict[str, Any]:
    return json.loads(stored(service, live)["answers_json"])


def stored_paradata(service: InterviewService, live: LiveInterview) -> dict[str, Any]:
    return json.loads(stored(service, live)["paradata_json"])


def give(live: LiveInterview, answers: Mapping[str, Any], until: str | None = None) -> None:
    """Answer each question from ``answers`` and move on (Enter past notes), until the
    question ``until`` is being asked (or the end)."""
    while live.current is not None and live.current.name != until:
        step = live.current
        if not step.is_note:
            assert live.answer(answers[step.name]) == [], step.path
        assert live.next() == [], step.path


def test_a_telephone_interview_walks_the_form_and_completes(service):
    live = telephone(service)
    # The mode was preset from the call: its question is not asked, its note is shown.
    assert live.current is not None and live.current.path == "intro_telephone"
    assert live.current.is_note and "calling on behalf" in live.current.label
    assert stored(service, live)["status"] == "in_progress"  # saved from the start
    assert live.next() == []
    assert live.current.name == "consent"
    assert live.current.choices == (("yes", "Yes"), ("no", "No"))
    assert (live.position, live.total) == (2, 2)  # nothing after consent until it's given

    give(live, PERCEPTION, until="neighbourhood")
    step = live.current
    # A cascading choice: only the neighbourhoods of the area given, and "not sure".
    assert [name for name, _ in step.choices] == [
        "shropshire_a", "shropshire_b", "shropshire_c", "not_sure"]
    assert step.headings == ("Interview", "Where you live")
    assert live.total > 20
    give(live, PERCEPTION)
    assert live.current is None and live.at_end and live.can_complete
    assert live.complete() == []

    body = stored(service, live)
    assert body["status"] == "complete" and body["ended_at"] == START.isoformat()
    assert body["form_version"] == "2026.1" and body["interviewer_id"] == INTERVIEWER
    answers = json.loads(body["answers_json"])
    assert answers == {"interview_mode": "telephone", **PERCEPTION}
    assert answers["officer_seen_where"] == ["on_foot", "vehicle"]
    assert live.ended_reason == "complete" and live.current is None
    assert live.answer("no") == [] and live.next() == []  # nothing changes once ended


def test_consent_no_thanks_the_respondent_and_ends(service):
    live = telephone(service)
    give(live, {}, until="consent")
    assert live.answer("no") == []
    assert live.next() == []
    assert live.current is not None and live.current.name == "consent_declined"
    assert live.steps == ["intro_telephone", "consent", "consent_declined"]
    assert live.next() == []
    assert live.at_end and live.can_complete and live.declined
    assert live.complete() == []
    assert stored_answers(service, live) == {"interview_mode": "telephone", "consent": "no"}
    # Not an interview to count anywhere: stopped, with the reason.
    assert live.ended_reason == "declined"
    assert json.loads(service.store.reader.execute(
        "SELECT body FROM survey_interviews WHERE id = ?", [live.id]).fetchone()[0]
    )["status"] == "stopped"


def test_where_officers_were_seen_is_skipped_when_never_seen(service):
    live = telephone(service)
    give(live, {**PERCEPTION, "officer_seen_frequency": "never"},
         until="satisfied_policing_level")
    assert "officer_seen_where" not in live.steps
    asked = [e["question"] for e in live.paradata["events"] if e["event"] == "shown"]
    assert "officer_seen_where" not in asked
    # Going back and changing the answer brings the question back into the walk.
    assert live.back()
    assert live.current.name == "officer_seen_frequency"
    live.answer("daily")
    live.next()
    assert live.current.name == "officer_seen_where"


def test_an_answer_the_form_refuses_is_saved_as_given_but_not_moved_past(service):
    live = telephone(service)
    give(live, PERCEPTION, until="age")
    messages = live.answer(7)
    assert messages == ["The age must be between 16 and 110."]
    assert stored_answers(service, live)["age"] == 7  # kept as given
    assert live.next() == messages
    assert live.current.name == "age" and live.current.problems == tuple(messages)
    # A value that is no number: refused with the engine's words, kept as typed.
    assert live.answer("forty") == ["'forty' is not a whole number."]
    assert stored_answers(service, live)["age"] == "forty"
    paradata = json.dumps(stored_paradata(service, live))
    assert "forty" not in paradata  # paradata never holds an answer
    rejected = [e for e in live.paradata["events"] if e["event"] == "rejected"]
    assert [e["message"] for e in rejected][:2] == [
        "The age must be between 16 and 110.", "The age must be between 16 and 110."]
    assert rejected[-1]["message"] == "'…' is not a whole number."
    assert live.answer(34) == [] and live.next() == []
    assert live.current.name == "gender"
    assert live.session.values["age_band"] == "age_25_34"


def test_a_required_question_cannot_be_left_blank(service):
    live = telephone(service)
    give(live, {}, until="consent")
    assert live.next() == ["An answer is required."]
    assert live.current.name == "consent"
    give(live, PERCEPTION, until="age")
    assert live.next() == []  # age may be left blank: the age band is asked instead
    assert live.current.name == "age_band_asked"


def test_a_resumed_interview_is_where_it_stopped_with_every_answer(held, clock):
    first = InterviewService(held, INTERVIEWER, now=clock)
    live = telephone(first)
    give(live, PERCEPTION, until="police_job_rating")
    live.back()  # the interviewer went back to check an answer
    assert live.current.name == "confident_good_service"
    given = live.answers
    live.wait_saved()  # moving back saves without waiting; closing the app lets it land

    # Another session on the same profile (the app reopened).
    again = InterviewService(held, INTERVIEWER, now=clock)
    [summary] = again.in_progress()
    assert (summary.id, summary.form_id, summary.answered) == (live.id, "perception", 5)
    resumed = again.resume(live.id)
    assert resumed.current.path == "confident_good_service"
    assert resumed.current.value == "agree"
    assert resumed.answers == given
    assert resumed.position == live.position
    assert [e["event"] for e in resumed.paradata["events"]][-2:] == ["resumed", "shown"]
    with pytest.raises(InterviewError, match="another interviewer"):
        InterviewService(held, "someone-else").resume(live.id)
    give(resumed, PERCEPTION)
    assert resumed.complete() == []
    assert again.in_progress() == []
    with pytest.raises(InterviewError, match="complete"):
        again.resume(live.id)


def test_resuming_without_a_recorded_place_goes_to_the_first_unanswered(service):
    live = telephone(service)
    give(live, PERCEPTION, until="police_job_rating")
    body = stored(service, live)
    paradata = json.loads(body["paradata_json"])
    del paradata["current"]
    body["paradata_json"] = json.dumps(paradata)
    service.save(body).result()
    assert service.resume(live.id).current.name == "police_job_rating"


def test_paradata_keeps_time_and_changes_per_question(service, clock):
    live = telephone(service)
    clock.advance(20)  # the introduction, read out
    live.next()
    clock.advance(3)
    live.answer("no")
    clock.advance(2)
    live.answer("yes")  # changed
    live.answer("no")  # changed again
    live.answer("yes")
    clock.advance(1)
    live.next()
    questions = stored_paradata(service, live)["questions"]
    assert questions["intro_telephone"] == {"first_shown_ms": 0, "ms": 20_000,
                                            "visits": 1, "changes": 0}
    assert questions["consent"] == {"first_shown_ms": 20_000, "ms": 6_000, "visits": 1,
                                    "changes": 3}
    events = [(e["event"], e.get("question"), e["ms"]) for e in live.paradata["events"]]
    assert events[:7] == [
        ("shown", "intro_telephone", 0), ("shown", "consent", 20_000),
        ("answered", "consent", 23_000), ("changed", "consent", 25_000),
        ("changed", "consent", 25_000), ("changed", "consent", 25_000),
        ("shown", "area", 26_000)]
    assert all(set(e) <= {"ms", "event", "question", "message", "reason"}
               for e in live.paradata["events"])
    live.back()
    assert live.paradata["questions"]["consent"]["visits"] == 2
    live.stop()
    paradata = stored_paradata(service, live)
    assert paradata["ended_reason"] == "stopped" and paradata["duration_ms"] == 26_000
    assert paradata["events"][-1]["event"] == "stopped"


def test_paradata_is_bounded(service, monkeypatch):
    monkeypatch.setattr(interviews, "MAX_EVENTS", 10)
    live = telephone(service)
    live.next()
    for _ in range(8):
        live.answer("yes")
        live.answer("no")
    paradata = stored_paradata(service, live)
    assert len(paradata["events"]) == 10
    assert paradata["events_dropped"] == 2 + 16 - 10  # 2 shown, 16 answered or changed
    assert paradata["questions"]["consent"]["changes"] == 15


def test_a_phone_number_in_an_answer_is_refused_at_once(service):
    live = telephone(service)
    give(live, {**PERCEPTION, "crime_asb_change": "increased_lot"},
         until="crime_asb_increase_detail")
    assert live.answer("Ring my neighbour on 07700 900123 about it") == [PHONE_MESSAGE]
    assert "crime_asb_increase_detail" not in stored_answers(service, live)
    assert live.current.name == "crime_asb_increase_detail"
    assert live.answer("Speeding on the main road") == []
    assert stored_answers(service, live)["crime_asb_increase_detail"] == \
        "Speeding on the main road"
    with pytest.raises(InterviewError, match="phone number"):
        service.start("perception", mode=InterviewMode.STREET,
                      preset={"interview_mode": "07700 900123"})


class FakeQuota:
    """A quota on area x gender in which the named cells are full."""

    def __init__(self, full: set[str]) -> None:
        self.full_cells = full
        self.asked: list[str] = []

    def cell(self, form_id: str, values: Mapping[str, Any]) -> str | None:
        if values.get("area") is None or values.get("gender") is None:
            return None
        return f"{values['area']}|{values['gender']}"

    def full(self, form_id: str, cell: str) -> bool:
        self.asked.append(cell)
        return cell in self.full_cells


def test_a_full_quota_cell_stops_the_interview(service):
    gate = FakeQuota({"shropshire|woman"})
    live = telephone(service, quota=gate)
    give(live, PERCEPTION, until="gender")
    assert gate.asked == []  # no cell until both variables have a value
    messages = live.answer("woman")
    assert messages and "shropshire|woman" in messages[0] and "full" in messages[0]
    assert live.ended and live.ended_reason == "quota_full" and live.current is None
    body = stored(service, live)
    assert body["status"] == "stopped" and body["quota_cell"] == "shropshire|woman"
    assert json.loads(body["answers_json"])["gender"] == "woman"
    assert json.loads(body["paradata_json"])["ended_reason"] == "quota_full"


def test_a_cell_with_room_is_kept_and_not_checked_again(service):
    gate = FakeQuota(set())
    live = telephone(service, quota=gate)
    give(live, PERCEPTION, until="ethnicity")
    assert live.quota_cell == "shropshire|woman" and gate.asked == ["shropshire|woman"]
    gate.full_cells.add("shropshire|woman")  # others fill the cell meanwhile
    give(live, PERCEPTION)
    assert live.complete() == []  # admitted to its cell before it filled
    assert stored(service, live)["quota_cell"] == "shropshire|woman"


@pytest.mark.parametrize(("answer", "reason"), [("no", "not_safe"),
                                                ("callback", "callback")])
def test_not_safe_to_talk_ends_the_interview_at_once(service, answer, reason):
    live = service.start("survivor_consultation", mode=InterviewMode.TELEPHONE)
    assert live.current.name == "safe_to_talk"
    assert live.current.choices == (("yes", "Yes"), ("no", "No"),
                                    ("callback", "Call back later"))
    messages = live.answer(answer)
    assert len(messages) == 1 and "stopped" in messages[0]
    assert live.ended and live.ended_reason == reason and live.current is None
    body = stored(service, live)
    assert body["status"] == "stopped"
    assert json.loads(body["answers_json"]) == {"safe_to_talk": answer}
    assert service.in_progress() == []


def test_safe_to_talk_yes_goes_on_to_consent_and_repeats(service):
    live = service.start("survivor_consultation", mode=InterviewMode.TELEPHONE)
    give(live, {"safe_to_talk": "yes", "consent": "yes", "used_advocacy": "no",
                "has_children": "yes", "children_count": 2}, until="child_age_band")
    assert live.current.path == "child[1].child_age_band"
    assert live.current.headings == ("Interview", "Your experience", "Child 1")
    live.answer("under_5")
    live.next()
    assert live.current.path == "child[2].child_age_band"
    live.answer("age_11_15")
    assert stored_answers(service, live)["child"] == [{"child_age_band": "under_5"},
                                                      {"child_age_band": "age_11_15"}]
    live.back()
    assert live.current.path == "child[1].child_age_band"
    assert live.current.value == "under_5"


def test_in_progress_lists_the_newest_first_and_by_case(service, clock):
    case = "5d1c1b9e-8f47-4f0e-9a57-3c8b2a1d0e6f"
    older = telephone(service, case_id=case)
    clock.advance(60)
    newer = service.start("perception", mode=InterviewMode.STREET)
    assert [s.id for s in service.in_progress()] == [newer.id, older.id]
    [only] = service.in_progress(case_id=case)
    assert (only.id, only.mode, only.answered) == (older.id, InterviewMode.TELEPHONE, 0)
    newer.stop(InterviewStatus.PARTIAL)
    assert stored(service, newer)["status"] == "partial"
    assert [s.id for s in service.in_progress()] == [older.id]


def test_preset_answers_are_not_asked(service):
    live = service.start("perception", mode=InterviewMode.TELEPHONE,
                         preset={"interview_mode": "telephone", "area": "shropshire"})
    give(live, PERCEPTION, until="neighbourhood")
    assert "area" not in live.steps
    assert stored_answers(service, live)["area"] == "shropshire"
    with pytest.raises(InterviewError, match="no question 'region'"):
        service.start("perception", mode=InterviewMode.STREET, preset={"region": "x"})


def test_the_questions_in_welsh(service):
    live = telephone(service, language="Welsh (cy)")
    live.next()
    assert live.current.choices == (("yes", "Ie"), ("no", "Na"))
    live.set_language("English (en)")
    assert live.current.choices == (("yes", "Yes"), ("no", "No"))
    live.set_language("Welsh (cy)")
    give(live, PERCEPTION, until="age")
    assert live.answer(200) == ["Rhaid i'r oed fod rhwng 16 a 110."]
    assert service.resume(live.id).language == "Welsh (cy)"
    with pytest.raises(InterviewError, match="no language"):
        telephone(service, language="Cornish (kw)")


def test_back_and_going_on_from_the_end(service):
    live = telephone(service)
    assert live.back() is False  # at the first step
    give(live, {**PERCEPTION, "consent": "no"})
    assert live.at_end and live.position == live.total + 1
    assert live.back() and live.current.name == "consent_declined"
    live.go_to("consent")
    assert live.current.name == "consent"
    assert live.complete() == ["The interview is not at its end yet."]


def test_the_latest_version_held_is_used_and_parsed_once(store, tmp_path):
    def form(version: str, label: str):  # type: ignore[no-untyped-def]
        return write_form(tmp_path / f"v{version}.xlsx", {
            "survey": [["type", "name", "label"], ["text", "q", label]],
            "settings": [["form_id", "version"], ["tiny", version]]})

    for version, label in (("2026.9", "Nine"), ("2026.10", "Ten")):
        InstrumentService(store).import_file(form(version, label))
    service = InterviewService(store, INTERVIEWER)
    latest = service.instrument("tiny")
    assert latest.version == "2026.10"
    assert service.instrument("tiny") is latest  # parsed once
    assert service.instrument("tiny", "2026.9").find("q").labels == {"default": "Nine"}
    live = service.start("tiny", mode=InterviewMode.STREET)
    assert live.current.label == "Ten" and not live.declined
    # The list of forms (survey list, the street page) orders them the same way.
    instruments = InstrumentService(store)
    assert [f.version for f in instruments.forms()] == ["2026.9", "2026.10"]
    assert [(f.form_id, f.version) for f in instruments.latest_forms()] == [
        ("tiny", "2026.10")]
    with pytest.raises(InterviewError, match="does not hold the form 'other'"):
        service.instrument("other")
    with pytest.raises(InterviewError, match="version 3 of the form 'tiny'"):
        service.instrument("tiny", "3")


def test_start_end_and_today_are_filled_never_asked(store, tmp_path, clock):
    path = write_form(tmp_path / "timed.xlsx", {
        "survey": [["type", "name", "label"], ["start", "began", ""], ["today", "day", ""],
                   ["text", "q", "Anything?"], ["end", "finished", ""]],
        "settings": [["form_id", "version"], ["timed", "1"]]})
    InstrumentService(store).import_file(path)
    service = InterviewService(store, INTERVIEWER, now=clock)
    live = service.start("timed", mode=InterviewMode.STREET)
    assert live.steps == ["q"]
    live.answer("Nothing")
    live.next()
    clock.advance(90)
    assert live.complete() == []
    assert stored_answers(service, live) == {
        "began": "2026-03-02T10:00:00+00:00", "day": "2026-03-02", "q": "Nothing",
        "finished": "2026-03-02T10:01:30+00:00"}
    assert stored(service, live)["ended_at"] == "2026-03-02T10:01:30+00:00"


# A repeat without a repeat_count (ODK's "add another"): the runner asks how many.
FAMILY = {
    "survey": [
        ["type", "name", "label::English (en)", "label::Welsh (cy)", "relevant",
         "constraint"],
        ["integer", "adults", "How many adults live here?", "Sawl oedolyn sy'n byw yma?",
         "", ""],
        ["begin repeat", "child", "Children", "Plant", "${adults} > 0", ""],
        ["text", "child_name", "Child's first name", "Enw cyntaf y plentyn", "", ""],
        ["integer", "child_age", "Child's age", "Oed y plentyn", "", ". < 18"],
        ["end repeat", "", "", "", "", ""],
        ["text", "comments", "Anything else?", "Unrhyw beth arall?", "", ""],
    ],
    "settings": [["form_id", "version", "default_language"],
                 ["family", "1", "English (en)"]],
}
CHILDREN = {"child[1].child_name": "Ada", "child[1].child_age": 7,
            "child[2].child_name": "Ben", "child[2].child_age": 4}


@pytest.fixture
def family(store: LocalStore, tmp_path, clock: Clock) -> InterviewService:  # type: ignore[no-untyped-def]
    InstrumentService(store).import_file(write_form(tmp_path / "family.xlsx", FAMILY))
    return InterviewService(store, INTERVIEWER, now=clock)


def give_paths(live: LiveInterview, answers: Mapping[str, Any], until: str) -> None:
    """Answer the steps by path and move on until the step ``until`` is asked."""
    while live.current is not None and live.current.path != until:
        path = live.current.path
        assert live.answer(answers[path]) == [], path
        assert live.next() == [], path


def test_a_repeat_without_a_count_asks_how_many_then_each_child(family):
    live = family.start("family", mode=InterviewMode.STREET)
    assert live.steps == ["adults", "comments"]  # the repeat is relevant once adults > 0
    live.answer(2)
    assert live.steps == ["adults", "child[#]", "comments"]
    live.next()
    step = live.current
    assert step.path == "child[#]" and step.is_count and step.type == "integer"
    assert step.label == "Children: how many? (0 for none)"
    assert step.value is None and step.headings == ()
    # It must be answered, with a whole number from 0 to 50; a refused one is not saved.
    assert live.next() == [interviews.COUNT_NEEDED]
    for wrong in (51, -1, 2.5, "two"):
        assert live.answer(wrong) == [interviews.COUNT_RANGE], wrong
        assert "child" not in stored_answers(family, live)
    assert live.answer(2) == []
    assert stored_answers(family, live)["child"] == [{}, {}]  # saved at once
    assert live.steps == ["adults", "child[#]", "child[1].child_name", "child[1].child_age",
                          "child[2].child_name", "child[2].child_age", "comments"]
    assert live.next() == []
    assert live.current.path == "child[1].child_name"
    assert live.current.headings == ("Children 1",)
    give_paths(live, {**CHILDREN, "child[1].child_age": 19}, until="child[1].child_age")
    assert live.answer(19) == ["This answer is not allowed."]  # the form's own rules hold
    give_paths(live, CHILDREN, until="comments")
    live.answer("Nothing")
    live.next()
    assert live.complete() == []

    answers = stored_answers(family, live)
    assert answers == {"adults": 2, "comments": "Nothing", "child": [
        {"child_name": "Ada", "child_age": 7}, {"child_name": "Ben", "child_age": 4}]}
    # What the engine (survey preview) makes of the saved answers: both children, no
    # problem.
    result = engine.run(family.instrument("family"), answers)
    assert [a.path for a in result.asked] == [
        "adults", "child[1].child_name", "child[1].child_age", "child[2].child_name",
        "child[2].child_age", "comments"]
    assert result.problems == []
    paradata = stored_paradata(family, live)
    assert paradata["questions"]["child[#]"]["visits"] == 1
    assert [e["event"] for e in paradata["events"] if e.get("question") == "child[#]"] == [
        "shown", "rejected", "rejected", "rejected", "rejected", "rejected", "answered"]
    assert all("51" not in str(e) for e in paradata["events"])  # never an answer


def test_a_count_of_none_asks_no_child_and_a_hidden_repeat_no_count(family):
    live = family.start("family", mode=InterviewMode.STREET, language="Welsh (cy)")
    live.answer(1)
    live.next()
    assert live.current.label == "Plant: how many? (0 for none)"  # the form's language
    assert live.answer(0) == []
    assert live.steps == ["adults", "child[#]", "comments"]
    live.next()
    assert live.current.path == "comments"
    live.next()
    assert live.complete() == []
    answers = stored_answers(family, live)
    assert answers == {"adults": 1, "child": []}
    assert engine.run(family.instrument("family"), answers).problems == []

    hidden = family.start("family", mode=InterviewMode.STREET)
    hidden.answer(0)  # no adults: the repeat is not relevant, nor its count
    assert hidden.steps == ["adults", "comments"]


def test_going_back_to_the_count_and_changing_it_routes_again(family):
    live = family.start("family", mode=InterviewMode.STREET)
    give_paths(live, {"adults": 2, "child[#]": 2, **CHILDREN}, until="comments")
    live.go_to("child[#]")
    assert live.current.value == 2
    assert live.answer(1) == []  # fewer: the last child goes, answers and all
    assert stored_answers(family, live)["child"] == [{"child_name": "Ada", "child_age": 7}]
    assert "child[2].child_name" not in live.steps
    assert live.answer(3) == []  # more: the first child's answers stay
    assert live.answers["child"] == [{"child_name": "Ada", "child_age": 7}, {}, {}]
    assert live.answer(None) == [interviews.COUNT_NEEDED]  # blank would drop them all
    assert live.answers["child"] == [{"child_name": "Ada", "child_age": 7}, {}, {}]
    assert live.next() == []
    assert live.current.path == "child[1].child_name" and live.current.value == "Ada"
    assert live.back() and live.current.path == "child[#]"  # Page Up reaches the count
    assert live.back() and live.current.path == "adults"
    assert stored_paradata(family, live)["questions"]["child[#]"]["changes"] == 2


def test_a_count_left_unanswered_stops_completion(family):
    live = family.start("family", mode=InterviewMode.STREET)
    live.answer(2)
    live.go_to("comments")
    live.next()
    assert live.at_end and not live.can_complete
    assert live.complete() == [
        "Children: how many? (0 for none): Say how many: type 0 for none."]
    assert live.problems() == [("child[#]", interviews.COUNT_NEEDED)]


def test_an_interview_stopped_after_the_count_resumes_with_the_children(family):
    live = family.start("family", mode=InterviewMode.STREET)
    give_paths(live, {"adults": 2, "child[#]": 2}, until="child[1].child_name")
    live.wait_saved()  # then the laptop is switched off
    again = family.resume(live.id)
    assert again.current.path == "child[1].child_name"
    assert "child[2].child_age" in again.steps
    give_paths(again, CHILDREN, until="comments")
    assert again.answers["child"][1] == {"child_name": "Ben", "child_age": 4}


def test_a_count_is_asked_in_each_instance_of_the_repeat_around_it(store, tmp_path):
    path = write_form(tmp_path / "homes.xlsx", {
        "survey": [["type", "name", "label"],
                   ["begin repeat", "home", "homes"],
                   ["begin repeat", "person", "people"],
                   ["text", "person_name", "Name"],
                   ["end repeat", "", ""],
                   ["end repeat", "", ""]],
        "settings": [["form_id", "version"], ["homes", "1"]]})
    InstrumentService(store).import_file(path)
    live = InterviewService(store, INTERVIEWER).start("homes", mode=InterviewMode.STREET)
    give_paths(live, {"home[#]": 2, "home[1].person[#]": 1, "home[1].person[1].person_name":
                      "Cara", "home[2].person[#]": 0}, until="")
    assert live.current is None and live.complete() == []
    assert live.answers == {"home": [{"person": [{"person_name": "Cara"}]},
                                     {"person": []}]}
    assert live.step("home[2].person[#]").headings == ("homes 2",)
