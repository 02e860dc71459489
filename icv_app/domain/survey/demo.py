"""Synthetic completed interviews of the public confidence and perceptions survey
(form_id ``perception``), for demonstrations, screenshots and load tests.

Each interview is drawn as a respondent: a local policing area, an age (or only an age
band), a gender, an ethnic group and a disability, then answers that depend on them. The
headline figures the force publishes are the targets across the whole sample (85% have
confidence in the police, 69% say the police do a good or excellent job, 26% see an
officer at least weekly, 51% are satisfied with the level of policing, 80% confident they
could reach the police in an emergency and 67% in a non-emergency, 69% feel the police
understand their community's issues, 26% think crime and ASB a problem, 68% think it has
stayed the same and 18% that it has increased, 80% that the police deal with it, and over
80% trust the police, find them fair and think they act with integrity).

Answers hang together as real ones do: each respondent has a disposition towards the
police, a little more favourable in some areas and age groups than others, and every
agreement is drawn from it (someone confident in the police tends to trust them too).
With a disposition ``z`` (standard normal, shifted by area, age and gender), a statement
whose target is ``p`` is agreed with probability ``Φ(t + λz)``, where ``t`` is chosen
so that the share across everyone is ``p``: ``t = Φ⁻¹(p)·√(1 + λ²)``.

Every interview is walked through the form as the runner would (a
:class:`~icv_app.domain.survey.session.FormSession`: only what is asked is answered, and
relevance, choice filters and calculations are the form's) and then checked by
:func:`~icv_app.domain.survey.engine.run`: each one is valid for the form. Questions the
perception form does not have here are answered by a generic rule (a choice offered, a
number that meets no constraint problem), so a later version of the form still works.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from statistics import NormalDist
from typing import Any, Final

from icv_app.domain.survey import engine
from icv_app.domain.survey.instrument import Instrument, Question
from icv_app.domain.survey.records import InterviewMode, InterviewStatus, SurveyInterview
from icv_app.domain.survey.session import FormSession

__all__ = ["HEADLINE_TARGETS", "generate_interviews"]

_NORMAL = NormalDist()
_LAMBDA = 0.8  # how strongly the disposition drives each answer

AREAS: Final = (("herefordshire", 0.18, 0.15), ("shropshire", 0.26, 0.05),
                ("telford_and_wrekin", 0.14, -0.25), ("north_worcestershire", 0.21, -0.05),
                ("south_worcestershire", 0.21, 0.10))
"""(area, share of the sample, shift of the disposition)."""

AGE_BANDS: Final = (("age_16_24", 16, 24, 0.13, -0.30), ("age_25_34", 25, 34, 0.15, -0.15),
                    ("age_35_44", 35, 44, 0.14, -0.05), ("age_45_54", 45, 54, 0.16, 0.0),
                    ("age_55_64", 55, 64, 0.16, 0.10), ("age_65_74", 65, 74, 0.14, 0.20),
                    ("age_75_plus", 75, 94, 0.12, 0.25))
"""(band, youngest, oldest, share, shift)."""

GENDERS: Final = (("woman", 0.505, 0.05), ("man", 0.48, -0.05), ("another_way", 0.005, -0.2),
                  ("prefer_not_to_say", 0.01, -0.2))
ETHNICITY: Final = (("white", 0.90), ("asian", 0.035), ("mixed", 0.02), ("black", 0.015),
                    ("other", 0.01), ("prefer_not_to_say", 0.02))
DISABILITY: Final = (("no", 0.75), ("yes", 0.22), ("prefer_not_to_say", 0.03))

HEADLINE_TARGETS: Final[Mapping[str, float]] = {
    "confidence_in_police": 0.85,
    "confident_good_service": 0.82,
    "police_job_rating": 0.69,  # good or excellent
    "officer_seen_frequency": 0.26,  # at least once a week
    "satisfied_policing_level": 0.51,
    "confident_contact_emergency": 0.80,
    "confident_contact_non_emergency": 0.67,
    "police_understand_issues": 0.69,
    "crime_asb_problem": 0.26,
    "police_dealing_crime_asb": 0.80,
    "trust_police": 0.82,
    "treat_everyone_fairly": 0.81,
    "act_with_integrity": 0.81,
}
"""The share giving the answer each figure counts: agree or strongly agree, unless noted
(for crime_asb_problem, agreeing that crime and ASB are a problem)."""

# How the answers that are not favourable split (and the favourable ones).
_AGREE = (("strongly_agree", 0.35), ("agree", 0.65))
_NOT_AGREE = (("neither", 0.45), ("disagree", 0.28), ("strongly_disagree", 0.12),
              ("dont_know", 0.15))
_GOOD = (("excellent", 0.28), ("good", 0.72))
_NOT_GOOD = (("fair", 0.60), ("poor", 0.20), ("very_poor", 0.08), ("dont_know", 0.12))
_OFTEN = (("daily", 0.3), ("weekly", 0.7))
_NOT_OFTEN = (("monthly", 0.3), ("less_often", 0.38), ("never", 0.27), ("dont_know", 0.05))
_SATISFIED = (("very_satisfied", 0.25), ("fairly_satisfied", 0.75))
_NOT_SATISFIED = (("neither", 0.42), ("fairly_dissatisfied", 0.33), ("very_dissatisfied", 0.17),
                  ("dont_know", 0.08))
_CHANGE = (("same", 0.68), ("increased_little", 0.12), ("increased_lot", 0.06),
           ("decreased_little", 0.05), ("decreased_lot", 0.02), ("dont_know", 0.07))
_SEEN_WHERE = ("on_foot", "vehicle", "community_event", "other")
_INCREASES = ("Speeding on the rural roads", "Antisocial behaviour in the town centre",
              "Shoplifting", "Drug dealing near the park", "Burglaries on the estate",
              "Vandalism and graffiti", "Off-road bikes on the playing fields")

# The answers counted, and the others, of the questions not on the agreement scale.
_SCALES: Final[Mapping[str, tuple[Sequence[tuple[str, float]], Sequence[tuple[str, float]]]]] = {
    "police_job_rating": (_GOOD, _NOT_GOOD),
    "officer_seen_frequency": (_OFTEN, _NOT_OFTEN),
    "satisfied_policing_level": (_SATISFIED, _NOT_SATISFIED),
}
_AGAINST_DISPOSITION: Final = frozenset({"crime_asb_problem"})
_TELEPHONE_SHARE = 0.7
_AGE_GIVEN_SHARE = 0.85  # the rest give only a band
_MAX_TRIES = 20


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, ...]]) -> Any:
    """A value from (value, weight, ...) rows."""
    return rng.choices([row[0] for row in weighted], [row[1] for row in weighted])[0]


class _Respondent:
    """One synthetic respondent: who they are, and their answers drawn from it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        area = _pick(rng, AREAS)
        band = rng.choices(AGE_BANDS, [b[3] for b in AGE_BANDS])[0]
        gender = rng.choices(GENDERS, [g[1] for g in GENDERS])[0]
        self.area: str = area
        self.age_band: str = band[0]
        self.age: int | None = (rng.randint(band[1], band[2])
                                if rng.random() < _AGE_GIVEN_SHARE else None)
        if self.age is None and rng.random() < 0.1:
            self.age_band = "prefer_not_to_say"
        self.gender: str = gender[0]
        shift = dict((a, s) for a, _w, s in AREAS)[area] + band[4] + gender[2]
        self.disposition = rng.gauss(shift, 1.0)
        self.mode = (InterviewMode.TELEPHONE if rng.random() < _TELEPHONE_SHARE
                     else InterviewMode.STREET)

    def counted(self, name: str) -> bool:
        """Whether this respondent gives the answer ``HEADLINE_TARGETS[name]`` counts."""
        threshold = _NORMAL.inv_cdf(HEADLINE_TARGETS[name]) * math.sqrt(1 + _LAMBDA ** 2)
        # Agreeing that crime is a problem goes with a poor view of the police.
        z = -self.disposition if name in _AGAINST_DISPOSITION else self.disposition
        return self.rng.random() < _NORMAL.cdf(threshold + _LAMBDA * z)

    def answer(self, q: Question, offered: Callable[[], list[str]]) -> Any:
        """This respondent's answer to ``q`` (None: left blank)."""
        rng, name = self.rng, q.name
        fixed: dict[str, Any] = {
            "interview_mode": self.mode.value, "consent": "yes", "area": self.area,
            "age": self.age, "age_band_asked": self.age_band, "gender": self.gender,
        }
        if name in fixed:
            return fixed[name]
        if name == "neighbourhood":
            choices = offered()
            wards = [c for c in choices if c.startswith(self.area)]
            return rng.choice(wards) if wards and rng.random() < 0.93 else (
                "not_sure" if "not_sure" in choices else _first(choices))
        if name in HEADLINE_TARGETS:
            yes = self.counted(name)
            if name in _SCALES:
                good, bad = _SCALES[name]
                return _pick(rng, good if yes else bad)
            return _pick(rng, _AGREE if yes else _NOT_AGREE)
        if name == "crime_asb_change":
            return _pick(rng, _CHANGE)
        if name == "crime_asb_increase_detail":
            return rng.choice(_INCREASES) if rng.random() < 0.8 else None
        if name == "officer_seen_where":
            return rng.sample(_SEEN_WHERE, rng.choice((1, 1, 2)))
        if name == "ethnicity":
            return _pick(rng, ETHNICITY)
        if name == "disability":
            return _pick(rng, DISABILITY)
        return _generic(rng, q, offered)


def _first(values: Sequence[str]) -> str | None:
    return values[0] if values else None


def _generic(rng: random.Random, q: Question, offered: Callable[[], list[str]]) -> Any:
    """An answer to a question this module does not know: a choice offered; a small
    number; a date; text only where it is required."""
    if q.type == "select_one":
        choices = offered()
        return rng.choice(choices) if choices else None
    if q.type == "select_multiple":
        choices = offered()
        return [rng.choice(choices)] if choices else None
    if q.type in ("integer", "decimal"):
        return rng.randint(1, 5)
    if q.type == "date":
        return dt.date(2026, 1, 1).isoformat()
    if q.type == "acknowledge":
        return "OK"
    if q.required:
        return "No comment"
    return None


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _walk(instrument: Instrument, person: _Respondent, today: dt.date,
          now: dt.datetime) -> dict[str, Any]:
    """Answer what the form asks, in order, as the runner would."""
    session = FormSession(instrument, today=today, now=now)
    tried: set[str] = set()
    while True:
        pending = [p for p in session.asked if p not in tried and "[" not in p]
        if not pending:
            return dict(session.answers)
        path = pending[0]
        tried.add(path)
        q = instrument.find(path)
        if not isinstance(q, Question):
            continue

        def offered(q: Question = q) -> list[str]:
            return [c.name for c in engine.offered(instrument, q, session.values, q.name)]

        value = person.answer(q, offered)
        if value is not None:
            session.set_answer(q.name, value)


def _moment(rng: random.Random, start: dt.datetime, end: dt.datetime,
            span: float) -> dt.datetime:
    """When an interview began: in working hours (09:00 to 20:00 UTC) where the period
    allows, to the second."""
    for _try in range(10):
        day = start + dt.timedelta(seconds=rng.uniform(0, max(0.0, span)))
        moment = day.replace(hour=rng.randint(9, 19), minute=rng.randint(0, 59),
                             second=rng.randint(0, 59), microsecond=0)
        if start <= moment and (moment - start).total_seconds() <= span:
            return moment
    return start + dt.timedelta(seconds=round(rng.uniform(0, max(0.0, span))))


def generate_interviews(
    instrument: Instrument,
    n: int,
    seed: int | None = None,
    interviewer_id: str = "demo-interviewer",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> list[SurveyInterview]:
    """``n`` complete interviews of ``instrument``, taken by ``interviewer_id`` between
    ``start`` and ``end`` (aware datetimes; default the 90 days to 1 April 2026), each
    valid for the form (raises ValueError if the form makes that impossible). The same
    seed gives the same interviews, ids included."""
    if n < 0:
        raise ValueError("the number of interviews must be 0 or more")
    end = end or dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    start = start or end - dt.timedelta(days=90)
    if start.tzinfo is None or end.tzinfo is None or start >= end:
        raise ValueError("start and end must be aware datetimes, start before end")
    rng = random.Random(seed)
    span = (end - start).total_seconds()
    interviews: list[SurveyInterview] = []
    for _ in range(n):
        minutes = rng.uniform(6, 18)
        began = _moment(rng, start, end, span - minutes * 60)
        ended = min(end, began + dt.timedelta(seconds=round(minutes * 60)))
        for _try in range(_MAX_TRIES):
            person = _Respondent(rng)
            answers = _walk(instrument, person, began.date(), began)
            result = engine.run(instrument, answers, today=began.date(), now=began)
            if not result.problems:
                break
        else:
            raise ValueError(f"No valid interview of {instrument.form_id} could be drawn: "
                             f"{result.problems[0].name}: {result.problems[0].message}")
        values = result.values
        cell = "|".join(str(values.get(name, "")) for name in ("area", "age_band", "gender"))
        mode = InterviewMode.from_value(str(answers.get("interview_mode", person.mode.value)))
        interviews.append(SurveyInterview(
            form_id=instrument.form_id, form_version=instrument.version,
            interviewer_id=interviewer_id, mode=mode, started_at=began, ended_at=ended,
            status=InterviewStatus.COMPLETE,
            answers_json=json.dumps(answers, ensure_ascii=False, sort_keys=True),
            quota_cell=cell, id=_uuid(rng)))
    return interviews
