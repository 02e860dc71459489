"""Interviews on this laptop: started from an instrument held here, answered one question
at a time, every answer saved as it is given, resumed where they stopped.

:class:`InterviewService` finds the instrument (the ``survey_instrument`` records that
arrive by sync or by ``survey import``), starts an interview (a ``survey_interview``
record, status ``in_progress``) and resumes one. A :class:`LiveInterview` is what the
interview runner (:mod:`icv_app.ui.survey.runner`) walks: it wraps the form's logic
(:class:`~icv_app.domain.survey.session.FormSession`) and keeps a place in the form.

The walk
    The steps are the questions the form asks, given the answers so far, and the notes
    it shows, in form order (skip logic routes by itself: an answer that makes questions
    relevant or not changes the steps). Calculations and the metadata types (start, end,
    today: filled with the interview's start, end and date) are never steps, nor is a
    question whose answer was preset (the sample case's area, the mode), unless that
    answer has a problem. Notes inside a repeat are not shown. A repeat's questions are
    asked once per instance of its ``repeat_count``.

Repeats without a repeat_count ("add another household member" in ODK)
    Where the walk reaches (and would show) a repeat that has no ``repeat_count``, a
    step of its own comes before its first instance: "<the repeat's label>: how many?
    (0 for none)", a whole number from 0 to :data:`MAX_INSTANCES` (anything else is
    refused, not saved). Its path is the repeat's name followed by ``[#]``: ``child[#]``
    (inside an instance of another repeat ``household[2].person[#]``: asked once per
    instance of the repeat around it, at any depth); :attr:`Step.is_count` says it is
    one. Its answer is kept only as the number of instances in the answers: the repeat
    becomes a list of that many objects (``{"child": [{}, {}]}`` before any of their
    questions is answered; ``[]`` for 0), what the instances already hold is kept when
    the number grows, and the last instances (their answers with them) are dropped when
    it shrinks. The instances' questions then follow as for a counted repeat; going
    back to the count and changing it routes again. A count once given cannot be left
    blank (the instances would go with it): type 0 for none. The paradata records the
    step under its path like any question (``child[#]``). :func:`engine.run
    <icv_app.domain.survey.engine.run>` (``survey preview``) is unchanged: it takes the
    list's length as the number of instances.
    :meth:`LiveInterview.answer` sets the current question's answer and saves the record
    before it returns; an answer the form refuses (its constraint, a required question
    left blank) is saved as given and its messages come back, and :meth:`~LiveInterview.
    next` will not move past it. :meth:`~LiveInterview.back` goes to the step before.

Saving
    Each save hands the whole record to the store's writer, which runs saves in order,
    so one that lands makes up for any that failed before it. :meth:`~LiveInterview.
    answer`, :meth:`~LiveInterview.complete` and :meth:`~LiveInterview.stop` wait for
    theirs and raise if it failed (the state stays here; :meth:`~LiveInterview.
    retry_save` tries again); moving between questions and changing the language only
    change the place, the timings and the language, and do not wait (next() takes
    about 0.1 ms on the perception form).

Refused here, not saved: text in which :func:`~icv_app.domain.survey.records.phone_in`
finds a phone number (the server refuses an interview holding one anywhere).

Ends
    ``complete`` (every answer the form needs, at the end of the walk), ``stopped`` (the
    interviewer stopped it), ``quota_full`` (the answers put the interview in a quota
    cell the :class:`QuotaGate` says is full: checked when the cell is first known or
    changes, so an interview already admitted to its cell is not stopped later because
    others filled it meanwhile), ``not_safe`` / ``callback`` (``safe_to_talk`` answered
    ``no`` / ``callback``, or anything but ``yes``: the interview ends at once).
    :attr:`LiveInterview.ended_reason` says which; the record's status is ``complete``,
    ``stopped`` or ``partial``.

answers_json
    The answers by question name as the engine takes them: numbers as numbers, a
    select_multiple as a list of choice names, a date as ``2026-03-01``, a repeat as a
    list of objects (one per instance, ``{"child": [{"child_age_band": "under_5"}]}``).

paradata_json (an object; format 1; never an answer's value)
    ``questions``: per question (by path, ``child[2].child_age_band`` inside a repeat):
    ``first_shown_ms`` (when first shown, milliseconds since the interview started),
    ``ms`` (total time on it), ``visits`` (times shown), ``changes`` (times an answer
    was changed after the first); ``events``: ``{"ms": ..., "event": ..., "question":
    ...}`` with event ``shown``, ``answered``, ``changed``, ``back``, ``rejected`` (with
    its ``message``, any quoted answer replaced by "…"), ``resumed``, ``stopped`` (with
    its ``reason``) or ``completed``; at most :data:`MAX_EVENTS` (the oldest go first,
    counted in ``events_dropped``), and the whole text at most
    :data:`MAX_PARADATA_CHARS`. Also ``current`` (the step being asked, "" at the end:
    where a resumed interview goes on), ``preset``, ``language``, ``ended_reason`` and
    ``duration_ms`` once ended.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from icv_app.domain.serialize import to_dict
from icv_app.domain.survey import engine, expressions as ex
from icv_app.domain.survey.instrument import (
    MISSING_TRANSLATION,
    Group,
    Instrument,
    Question,
    load_xlsform_bytes,
)
from icv_app.domain.survey.records import (
    PHONE_MESSAGE,
    InterviewMode,
    InterviewStatus,
    SurveyInterview,
    holds_phone,
    version_key,
)
from icv_app.domain.survey.session import FormSession
from icv_app.store.records import load_record, save_record

if TYPE_CHECKING:
    from icv_app.store.local_store import LocalStore

__all__ = [
    "COUNT_SUFFIX",
    "MAX_EVENTS",
    "MAX_INSTANCES",
    "MAX_PARADATA_CHARS",
    "InterviewError",
    "InterviewService",
    "InterviewSummary",
    "LiveInterview",
    "QuotaGate",
    "Step",
    "version_key",
]

KIND = "survey_interview"
SAFE_TO_TALK = "safe_to_talk"
CONSENT = "consent"
MAX_EVENTS = 2000
MAX_PARADATA_CHARS = 150_000  # the server keeps a text of at most 200,000 characters
PARADATA_FORMAT = 1
NOTE = "note"
COUNT_SUFFIX = "[#]"  # "child[#]": how many instances of the repeat child (module doc)
MAX_INSTANCES = 50  # the most instances a count step takes
COUNT_NEEDED = "Say how many: type 0 for none."
COUNT_RANGE = f"Give a whole number from 0 to {MAX_INSTANCES}."

# Why an interview ended (LiveInterview.ended_reason, the runner's ended signal).
COMPLETE = "complete"
STOPPED = "stopped"
QUOTA_FULL = "quota_full"
NOT_SAFE = "not_safe"
CALLBACK = "callback"
DECLINED = "declined"  # the respondent did not consent: stopped, counted nowhere


class InterviewError(Exception):
    """An interview cannot be started or resumed; the message says why."""


class QuotaGate(Protocol):
    """The quotas of a form, as the interview consults them after each answer."""

    def cell(self, form_id: str, values: Mapping[str, Any]) -> str | None:
        """The cell key once every quota variable has a value, else None."""
        ...

    def full(self, form_id: str, cell: str) -> bool:
        """Has the cell reached its target?"""
        ...


@dataclass(frozen=True)
class InterviewSummary:
    """An interview in progress, as the runner offers it for resuming."""

    id: str
    form_id: str
    form_version: str
    case_id: str
    mode: InterviewMode
    started_at: dt.datetime
    answered: int  # answers given (not counting preset ones)


@dataclass(frozen=True)
class Step:
    """What the runner shows: one question (or note), in the interview's language."""

    path: str  # "age"; inside a repeat "child[2].child_age_band"
    question: Question
    headings: tuple[str, ...]  # the labels of the groups it sits in, outermost first
    label: str
    hint: str
    choices: tuple[tuple[str, str], ...]  # a select's offered (name, label), after filters
    value: Any  # the answer as given (None: none yet)
    problems: tuple[str, ...]  # what the form says is wrong with it now

    @property
    def name(self) -> str:
        return self.question.name

    @property
    def type(self) -> str:
        return self.question.type

    @property
    def is_note(self) -> bool:
        return self.question.type == NOTE

    @property
    def is_count(self) -> bool:
        """Is this the "How many ...?" step of a repeat without a repeat_count?"""
        return self.path.endswith(COUNT_SUFFIX)


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ms(delta: dt.timedelta) -> int:
    return max(0, int(delta.total_seconds() * 1000))


class InterviewService:
    """Interviews of the signed-in interviewer (module doc)."""

    def __init__(self, store: LocalStore, interviewer_id: str, *,
                 now: Callable[[], dt.datetime] = _utc_now) -> None:
        self.store = store
        self.interviewer_id = interviewer_id
        self.now = now
        self._parsed: dict[str, Instrument] = {}  # by the workbook's sha256

    # Instruments -------------------------------------------------------------------
    def instrument(self, form_id: str, version: str | None = None) -> Instrument:
        """The form held here: ``version``, or the latest. Raises InterviewError."""
        from icv_app.services.survey.instruments import latest_held

        record = latest_held(self.store.reader, form_id, version)
        if record is None:
            which = f"version {version} of the form {form_id!r}" if version is not None \
                else f"the form {form_id!r}"
            raise InterviewError(f"This laptop does not hold {which}; sync to receive it.")
        cached = self._parsed.get(record.sha256)
        if cached is not None:
            return cached
        try:
            parsed = load_xlsform_bytes(record.workbook(), record.filename or f"{form_id}.xlsx")
        except ValueError as exc:  # damaged base64, or InstrumentRefused
            raise InterviewError(f"Version {record.version} of {form_id} cannot be used: "
                                 f"{exc}") from exc
        self._parsed[record.sha256] = parsed
        return parsed

    # Interviews --------------------------------------------------------------------
    def start(self, form_id: str, *, mode: InterviewMode, case_id: str = "",
              preset: Mapping[str, Any] | None = None, language: str | None = None,
              quota: QuotaGate | None = None) -> LiveInterview:
        """Start and save a new interview with the latest version of the form held.
        ``preset`` answers (the sample case's area, the mode) are set first and their
        questions are not asked."""
        instrument = self.instrument(form_id)
        if language is not None and language not in instrument.languages:
            raise InterviewError(f"The form {form_id} has no language {language!r} "
                                 f"(it has {', '.join(instrument.languages)}).")
        for name, value in (preset or {}).items():
            if instrument.find(name) is None:
                raise InterviewError(f"The form {form_id} has no question {name!r} to "
                                     "preset.")
            if holds_phone(value):
                raise InterviewError(f"The preset answer to {name}: {PHONE_MESSAGE}")
        started = self.now()
        record = SurveyInterview(form_id=form_id, form_version=instrument.version,
                                 interviewer_id=self.interviewer_id, mode=mode,
                                 case_id=case_id, started_at=started)
        body = json.loads(json.dumps(to_dict(record)))  # plain JSON, as stored
        live = LiveInterview(self, instrument, body, quota=quota,
                             language=language, preset=preset or {})
        live.begin()
        return live

    def resume(self, interview_id: str, quota: QuotaGate | None = None) -> LiveInterview:
        """Go on with an interview in progress, at the question it stopped on, with every
        answer given. Raises InterviewError."""
        body = load_record(self.store.reader, KIND, interview_id)
        if body is None:
            raise InterviewError(f"No interview {interview_id} on this laptop.")
        if body.get("status") != InterviewStatus.IN_PROGRESS.value:
            raise InterviewError(f"Interview {interview_id} is {body.get('status')}: only an "
                                 "interview in progress can be resumed.")
        if body.get("interviewer_id") != self.interviewer_id:
            raise InterviewError(f"Interview {interview_id} is another interviewer's.")
        instrument = self.instrument(str(body.get("form_id", "")),
                                     str(body.get("form_version", "")))
        live = LiveInterview(self, instrument, body, quota=quota, resumed=True)
        live.begin()
        return live

    def in_progress(self, case_id: str | None = None) -> list[InterviewSummary]:
        """This interviewer's interviews in progress (of one case, if given), newest
        first."""
        sql = ("SELECT body FROM survey_interviews WHERE deleted = 0 AND status = ? "
               "AND interviewer_id = ?")
        params: list[Any] = [InterviewStatus.IN_PROGRESS.value, self.interviewer_id]
        if case_id is not None:
            sql += " AND case_id = ?"
            params.append(case_id)
        summaries = []
        for (text,) in self.store.reader.execute(sql + " ORDER BY started_at DESC", params):
            body = json.loads(text)
            answers = _json_object(body.get("answers_json"))
            preset = set(_json_object(body.get("paradata_json")).get("preset", ()))
            summaries.append(InterviewSummary(
                id=str(body["id"]), form_id=str(body.get("form_id", "")),
                form_version=str(body.get("form_version", "")),
                case_id=str(body.get("case_id", "")),
                mode=InterviewMode.from_value(str(body.get("mode", "telephone"))),
                started_at=dt.datetime.fromisoformat(str(body["started_at"])),
                answered=sum(1 for k in answers if k not in preset)))
        return summaries

    def save(self, body: dict[str, Any]) -> Future[int]:
        """Hand the record to the writer (it runs the saves in the order given)."""
        snapshot = dict(body)
        return self.store.writer.submit(lambda db: save_record(db, KIND, snapshot))


def _json_object(text: Any) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str) and text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _clean(value: Any) -> Any:
    """An answer as kept: "" and [] are no answer; text is stripped at its ends."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, list | tuple):
        return list(value) or None
    return value


def _split(path: str) -> tuple[list[tuple[str, int]], str]:
    """``a[1].b[2].q`` -> ([("a", 1), ("b", 2)], "q")."""
    *outer, name = path.split(".")
    instances = []
    for piece in outer:
        group, _, rest = piece.partition("[")
        instances.append((group, int(rest.rstrip("]") or 1)))
    return instances, name


def _count_group(path: str) -> str | None:
    """The repeat a count step's path counts (``a[1].person[#]`` -> ``person``), else
    None."""
    if not path.endswith(COUNT_SUFFIX):
        return None
    return path.rsplit(".", 1)[-1][:-len(COUNT_SUFFIX)]


def _count_of(value: Any) -> tuple[int, str]:
    """A count step's answer as a number, or what is wrong with it."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return 0, COUNT_RANGE
    try:
        number = float(value)
    except ValueError:
        return 0, COUNT_RANGE
    if not number.is_integer() or not 0 <= number <= MAX_INSTANCES:
        return 0, COUNT_RANGE
    return int(number), ""


def _text(texts: Mapping[str, str], language: str, default: str) -> str:
    usable = {k: v for k, v in texts.items() if v and v != MISSING_TRANSLATION}
    if not usable:
        return ""
    return usable.get(language) or usable.get(default) or next(iter(usable.values()))


_REFERENCE = re.compile(r"\$\{([^}]+)\}")


def _shown_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value)


class _TopEnvironment:
    """The expression engine's view from outside any repeat, over the values so far:
    what decides whether a note (and the groups around it) is shown."""

    def __init__(self, session: FormSession, repeated: frozenset[str]) -> None:
        self._values = session.values
        self._session = session
        self._repeated = repeated

    def value(self, name: str) -> ex.Value:
        if name in self._repeated:
            return [v for k, v in self._values.items()
                    if "[" in k and k.rsplit(".", 1)[-1] == name]
        return self._values.get(name)  # type: ignore[no-any-return]

    def current(self) -> ex.Value:
        return None

    def choice_column(self, column: str) -> ex.Value:
        return None

    def today(self) -> dt.date:
        return self._session.today

    def now(self) -> dt.datetime:
        return self._session.now

    def position(self) -> int:
        return 1


@dataclass(frozen=True)
class _Shape:
    """Where each node of the form sits: its groups and its place in form order."""

    groups: Mapping[str, tuple[Group, ...]]
    order: Mapping[str, int]
    repeated: frozenset[str]  # names inside a repeat
    notes: tuple[Question, ...]  # notes outside any repeat
    metadata: Mapping[str, str]  # name -> start / end / today
    uncounted: frozenset[str]  # repeats without a repeat_count


def _shape(instrument: Instrument) -> _Shape:
    groups: dict[str, tuple[Group, ...]] = {}
    repeated: set[str] = set()
    notes: list[Question] = []
    metadata: dict[str, str] = {}

    def walk(group: Group, outer: tuple[Group, ...], in_repeat: bool) -> None:
        for node in group.children:
            groups[node.name] = outer
            if in_repeat:
                repeated.add(node.name)
            if isinstance(node, Group):
                walk(node, (*outer, node), in_repeat or node.repeat)
            elif node.type == NOTE and not in_repeat:
                notes.append(node)
            elif node.type in ("start", "end", "today"):
                metadata[node.name] = node.type

    walk(instrument.root, (), False)
    order = {node.name: i for i, node in enumerate(instrument.questions())}
    uncounted = frozenset(node.name for node in instrument.questions()
                          if isinstance(node, Group) and node.repeat
                          and not node.repeat_count)
    return _Shape(groups, order, frozenset(repeated), tuple(notes), metadata, uncounted)


class LiveInterview:
    """One interview being asked (module doc). Made by :class:`InterviewService`."""

    def __init__(self, service: InterviewService, instrument: Instrument,
                 body: dict[str, Any], *, quota: QuotaGate | None = None,
                 language: str | None = None, preset: Mapping[str, Any] | None = None,
                 resumed: bool = False) -> None:
        self.service = service
        self.instrument = instrument
        self.quota = quota
        self._body = body
        self._shape = _shape(instrument)
        self._paradata = _json_object(body.get("paradata_json")) if resumed else {}
        self._paradata.setdefault("format", PARADATA_FORMAT)
        self._paradata.setdefault("questions", {})
        self._paradata.setdefault("events", [])
        self._paradata.setdefault("events_dropped", 0)
        held_language = self._paradata.get("language")
        if language is None and held_language in instrument.languages:
            language = str(held_language)
        self._language = language or instrument.default_language
        self._paradata["language"] = self._language
        answers = _json_object(body.get("answers_json")) if resumed else {}
        now = service.now()
        self.session = FormSession(instrument, answers, now=now, language=self._language)
        self._resumed = resumed
        self._started_at = dt.datetime.fromisoformat(str(body["started_at"]))
        if not resumed:
            self._paradata["preset"] = sorted(preset or {})
            for name, value in (preset or {}).items():
                self.session.set_answer(name, _clean(value))
            for name, kind in self._shape.metadata.items():
                if kind == "start":
                    self.session.set_answer(name, self._started_at.isoformat())
                elif kind == "today":
                    self.session.set_answer(name, self._started_at.date().isoformat())
        self._preset = frozenset(str(n) for n in self._paradata.get("preset", ()))
        self.status = InterviewStatus.from_value(str(body.get("status", "in_progress")))
        self.ended_reason = ""
        self._steps: list[str] | None = None
        self._current: str | None = None  # None: at the end
        self._shown_at: dt.datetime | None = None
        self._pending: Future[int] | None = None

    # Reading -----------------------------------------------------------------------
    @property
    def id(self) -> str:
        return str(self._body["id"])

    @property
    def form_id(self) -> str:
        return self.instrument.form_id

    @property
    def case_id(self) -> str:
        return str(self._body.get("case_id", ""))

    @property
    def quota_cell(self) -> str:
        return str(self._body.get("quota_cell", ""))

    @property
    def ended(self) -> bool:
        return self.status is not InterviewStatus.IN_PROGRESS

    @property
    def declined(self) -> bool:
        """Did the respondent decline to take part (a question named ``consent``
        answered ``no``)? The walk then ends at once and Complete ends the interview as
        stopped (reason ``declined``) with that answer alone, so it never counts as a
        complete interview; a call queue records the call as a refusal."""
        return self.session.answers.get(CONSENT) == "no"

    @property
    def answers(self) -> dict[str, Any]:
        """The answers as saved (a copy)."""
        return copy.deepcopy(self.session.answers)

    @property
    def paradata(self) -> dict[str, Any]:
        """The paradata as it will be saved (a copy)."""
        return copy.deepcopy(self._paradata)

    @property
    def language(self) -> str:
        return self._language

    @property
    def languages(self) -> tuple[str, ...]:
        return self.instrument.languages

    def set_language(self, language: str) -> None:
        """Show the questions (and the form's messages) in another of its languages."""
        if language not in self.instrument.languages:
            raise ValueError(f"The form has no language {language!r}.")
        if language == self._language:
            return
        self._language = language
        self._paradata["language"] = language
        self.session = FormSession(self.instrument, self.session.answers,
                                   now=self.session.now, language=language)
        self._steps = None
        self._save(wait=False)

    @property
    def steps(self) -> list[str]:
        """The paths of the steps, in order, given the answers so far."""
        if self._steps is None:
            self._steps = self._work_out_steps()
        return self._steps

    @property
    def current(self) -> Step | None:
        """The step being asked (None at the end, or once the interview has ended)."""
        if self._current is None or self.ended:
            return None
        return self.step(self._current)

    @property
    def position(self) -> int:
        """The current step's number, counted from 1 (``total + 1`` at the end)."""
        steps = self.steps
        if self._current is None or self._current not in steps:
            return len(steps) + 1
        return steps.index(self._current) + 1

    @property
    def total(self) -> int:
        """How many steps the answers so far lead through (it changes with routing)."""
        return len(self.steps)

    @property
    def at_end(self) -> bool:
        return self._current is None

    @property
    def can_complete(self) -> bool:
        return not self.ended and self._current is None and not self.problems()

    def step(self, path: str) -> Step:
        """What the runner shows for the step at ``path``."""
        instances, name = _split(path)
        counted = _count_group(path)
        node = self._count_question(path) if counted else self.instrument.find(name)
        assert isinstance(node, Question), path
        headings = []
        for group in self._shape.groups.get(counted or name, ()):
            label = _text(group.labels, self._language, self.instrument.default_language)
            if group.repeat:
                index = dict(instances).get(group.name)
                label = f"{label or group.name} {index}" if index else label
            if label:
                headings.append(label)
        values = self.session.values
        choices: tuple[tuple[str, str], ...] = ()
        if node.list_name is not None:
            offered = engine.offered(self.instrument, node, values, path)
            choices = tuple((c.name, self._substitute(
                _text(c.labels, self._language, self.instrument.default_language) or c.name,
                instances)) for c in offered)
        elif node.type == "acknowledge":
            choices = (("OK", "OK"),)
        return Step(
            path=path, question=node, headings=tuple(headings),
            label=self._substitute(_text(node.labels, self._language,
                                         self.instrument.default_language), instances),
            hint=self._substitute(_text(node.hints, self._language,
                                        self.instrument.default_language), instances),
            choices=choices, value=self.given(path),
            problems=tuple(self._problems_at(path)))

    def given(self, path: str) -> Any:
        """The answer given at ``path`` (None if none; at a count step the number of
        instances the answers hold)."""
        instances, name = _split(path)
        counted = _count_group(path)
        node: Any = self.session.answers
        for group, index in instances:
            items = node.get(group) if isinstance(node, Mapping) else None
            if not isinstance(items, list) or index > len(items):
                return None
            node = items[index - 1]
        if not isinstance(node, Mapping):
            return None
        if counted is not None:
            items = node.get(counted)
            return len(items) if isinstance(items, list) else None
        return copy.deepcopy(node.get(name))

    def problems(self) -> list[tuple[str, str]]:
        """Every (path, message) the form has a problem with now (a count step not
        answered among them)."""
        return [(p.name, p.message) for p in self.session.problems] + [
            (path, message) for path in self.steps if _count_group(path) is not None
            for message in self._problems_at(path)]

    def _count_question(self, path: str) -> Question:
        """The integer question a count step asks (module doc)."""
        name = _count_group(path)
        group = self.instrument.find(name or "")
        assert isinstance(group, Group) and group.repeat, path
        label = _text(group.labels, self._language, self.instrument.default_language)
        return Question(name=f"{group.name}{COUNT_SUFFIX}", type="integer", row=group.row,
                        # The label first: forms name a repeat in the singular ("Child")
                        # or the plural, in any language.
                        labels={self._language: f"{label or group.name}: how many? "
                                                "(0 for none)"})

    # Answering ---------------------------------------------------------------------
    def answer(self, value: Any) -> list[str]:
        """Give the current question's answer and save it. Returns the messages about it
        ([]: accepted). A phone number in text is refused and not saved; an answer the
        form refuses is saved as given, and :meth:`next` will not move past it.

        A save that fails (a full disk: a StoreError) raises; the answer is kept here,
        and giving it again (or :meth:`retry_save`) saves it."""
        step = self.current
        if step is None or step.is_note:
            return []
        if step.is_count:
            return self._answer_count(step, value)
        path = step.path
        value = _clean(value)
        if holds_phone(value):
            self._event("rejected", path, message=PHONE_MESSAGE)
            return [PHONE_MESSAGE]
        before = self.given(path)
        if value == before:
            if self.save_failed:
                self._save(wait=True)
            return list(step.problems)
        self._set(path, value)
        stats = self._stats(path)
        if before is None:
            self._event("answered", path)
        else:
            stats["changes"] = int(stats.get("changes", 0)) + 1
            self._event("changed", path)
        messages = self._problems_at(path)
        for message in messages:
            self._event("rejected", path, message=_without(message, value))
        ending = self._safe_to_talk(step, value) or self._quota_check()
        if ending:
            reason, message = ending
            self._end(InterviewStatus.STOPPED, reason)
            return [message]
        self._save(wait=True)
        return messages

    def _answer_count(self, step: Step, value: Any) -> list[str]:
        """A count step's answer: the repeat gets that many instances (module doc).
        Anything but a whole number from 0 to MAX_INSTANCES is refused and not saved."""
        path = step.path
        value = _clean(value)
        before = self.given(path)
        if value is None:
            if before is not None:  # clearing it would drop every instance
                self._event("rejected", path, message=COUNT_NEEDED)
                return [COUNT_NEEDED]
            return list(step.problems)
        count, problem = _count_of(value)
        if problem:
            self._event("rejected", path, message=problem)
            return [problem]
        if count == before:
            if self.save_failed:
                self._save(wait=True)
            return []
        instances, _ = _split(path)
        name = _count_group(path)
        assert name is not None
        prefix = "".join(f"{g}[{i}]." for g, i in instances)
        held: Any = self.session.answers
        for group, index in instances:  # the instance it is asked in (maybe none yet)
            items = held.get(group) if isinstance(held, Mapping) else None
            held = items[index - 1] if isinstance(items, list) and index <= len(items) \
                else {}
        items = copy.deepcopy(held.get(name)) if isinstance(held, Mapping) else None
        items = items[:count] if isinstance(items, list) else []
        items += [{} for _ in range(count - len(items))]
        self._set(prefix + name, items)
        stats = self._stats(path)
        if before is None:
            self._event("answered", path)
        else:
            stats["changes"] = int(stats.get("changes", 0)) + 1
            self._event("changed", path)
        ending = self._quota_check()
        if ending:
            reason, message = ending
            self._end(InterviewStatus.STOPPED, reason)
            return [message]
        self._save(wait=True)
        return []

    def next(self) -> list[str]:
        """Move to the next step; refused (with the messages) while the current question
        has a problem (a refused or missing required answer)."""
        if self.ended or self._current is None:
            return []
        messages = self._problems_at(self._current)
        if messages:
            self._event("rejected", self._current,
                        message=_without("; ".join(messages), self.given(self._current)))
            self._save(wait=False)
            return messages
        steps = self.steps
        self._leave()
        self._enter(self._after(self._current, steps))
        self._save(wait=False)
        return []

    def back(self) -> bool:
        """Go to the step before (False at the first)."""
        if self.ended:
            return False
        steps = self.steps
        if self._current is None:
            target = steps[-1] if steps else None
        else:
            index = steps.index(self._current) if self._current in steps else \
                len([p for p in steps if self._key(p) < self._key(self._current)])
            target = steps[index - 1] if index > 0 else None
        if target is None:
            return False
        if self._current is not None:
            self._event("back", self._current)
        self._leave()
        self._enter(target)
        self._save(wait=False)
        return True

    def go_to(self, path: str) -> None:
        """Show the step at ``path`` (one of :attr:`steps`), e.g. a question with a
        problem listed at the end."""
        if self.ended or path not in self.steps:
            raise ValueError(f"{path} is not asked now.")
        self._leave()
        self._enter(path)
        self._save(wait=False)

    def complete(self) -> list[str]:
        """End the interview as complete; refused (with the reasons) before the end of
        the walk or while a question has a problem. Once ended here, a save that fails
        raises and :meth:`retry_save` saves it (as for :meth:`stop`)."""
        if self.ended:
            return ["The interview has already ended."]
        if self._current is not None:
            return ["The interview is not at its end yet."]
        if self.declined:  # not an interview: no quota cell, no complete to count
            self._end(InterviewStatus.STOPPED, DECLINED)
            return []
        problems = self.problems()
        if problems:
            return [f"{self._label_of(path)}: {message}" for path, message in problems]
        self._end(InterviewStatus.COMPLETE, COMPLETE)
        return []

    def stop(self, status: InterviewStatus = InterviewStatus.STOPPED,
             reason: str = "") -> None:
        """End the interview before its end (``stopped`` or ``partial``), and save it."""
        if status not in (InterviewStatus.STOPPED, InterviewStatus.PARTIAL):
            raise ValueError("An interview is stopped as stopped or partial.")
        if self.ended:
            return
        self._end(status, reason or STOPPED)

    def wait_saved(self) -> None:
        """Block until every save handed to the writer so far is on disk (re-raising a
        failed one)."""
        if self._pending is not None:
            self._pending.result()

    @property
    def save_failed(self) -> bool:
        """Did the last save fail (so that what is here is not all on disk)?"""
        last = self._pending
        return last is not None and last.done() and last.exception() is not None

    def retry_save(self) -> None:
        """Save everything again (after a failed save); raises if it fails again."""
        self._save(wait=True)

    # Inside ------------------------------------------------------------------------
    def begin(self) -> None:
        """Place the interview (at its start, or where it stopped) and save it."""
        if self._resumed:
            self._event("resumed", None)
            target = self._resume_place()
        else:
            steps = self.steps
            target = steps[0] if steps else None
        self._enter(target)
        self._save(wait=True)

    def _resume_place(self) -> str | None:
        steps = self.steps
        held = self._paradata.get("current")
        if isinstance(held, str) and held in steps:
            return held
        if held == "" and self._paradata.get("at_end") and not self.problems():
            return None
        for path in steps:
            if self.step_needs_answer(path):
                return path
        return None

    def step_needs_answer(self, path: str) -> bool:
        if _count_group(path) is not None:
            return self.given(path) is None
        _, name = _split(path)
        node = self.instrument.find(name)
        if isinstance(node, Question) and node.type == NOTE:
            return False
        return self.given(path) is None or bool(self._problems_at(path))

    def _work_out_steps(self) -> list[str]:
        problem_paths = {p.name for p in self.session.problems}
        asked = [p for p in self.session.asked
                 if p not in self._preset or p in problem_paths]
        env = _TopEnvironment(self.session, self._shape.repeated)
        relevant: dict[str, bool] = {}

        def shown(text: str | None) -> bool:
            if not text:
                return True
            if text not in relevant:
                relevant[text] = ex.as_boolean(ex.parse(text).evaluate(env))
            return relevant[text]

        notes = [n.name for n in self._shape.notes
                 if shown(n.relevant)
                 and all(shown(g.relevant) for g in self._shape.groups.get(n.name, ()))]
        return sorted(asked + notes + self._count_steps(), key=self._key)

    def _count_steps(self) -> list[str]:
        """The count steps of the repeats without a repeat_count that the walk reaches
        and shows: in each instance of the repeats around them (module doc)."""
        if not self._shape.uncounted:
            return []
        session = self.session
        state = engine._State(self.instrument, session.answers, session.today,
                              session.now, self._language)
        state.values = session.values
        found: list[str] = []

        def walk(group: Group, scope: engine._Scope) -> None:
            for node in group.children:
                if not isinstance(node, Group) or not engine._relevant(
                        state, node.relevant, scope):
                    continue
                if not node.repeat:
                    walk(node, scope)
                    continue
                if not node.repeat_count:
                    found.append(scope.path(node.name) + COUNT_SUFFIX)
                for index in range(1, engine._instances(state, node, scope, True) + 1):
                    walk(node, engine._Scope((*scope.instances, (node.name, index))))

        walk(self.instrument.root, engine._Scope())
        return found

    def _key(self, path: str) -> tuple[int, ...]:
        """Where a step comes in form order (a count step before its repeat's first
        instance: the repeat's own place)."""
        instances, name = _split(path)
        key: list[int] = []
        for group, index in instances:
            key += [self._shape.order.get(group, -1), index]
        key.append(self._shape.order.get(_count_group(path) or name, -1))
        return tuple(key)

    def _after(self, path: str, steps: list[str]) -> str | None:
        if path in steps:
            index = steps.index(path) + 1
            return steps[index] if index < len(steps) else None
        key = self._key(path)
        return next((p for p in steps if self._key(p) > key), None)

    def _problems_at(self, path: str) -> list[str]:
        if _count_group(path) is not None:
            return [COUNT_NEEDED] if self.given(path) is None else []
        return [p.message for p in self.session.problems if p.name == path]

    def _label_of(self, path: str) -> str:
        if _count_group(path) is not None:
            return _text(self._count_question(path).labels, self._language, "") or path
        _, name = _split(path)
        node = self.instrument.find(name)
        label = _text(node.labels, self._language, self.instrument.default_language) \
            if node is not None else ""
        return label or path

    def _substitute(self, text: str, instances: list[tuple[str, int]]) -> str:
        if "${" not in text:
            return text
        values = self.session.values
        prefix = "".join(f"{g}[{i}]." for g, i in instances)

        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            return _shown_value(values.get(prefix + name, values.get(name)))

        return _REFERENCE.sub(value, text)

    def _set(self, path: str, value: Any) -> None:
        instances, name = _split(path)
        if not instances:
            self.session.set_answer(name, value)
        else:
            outer = instances[0][0]
            top = copy.deepcopy(self.session.answers.get(outer))
            items: list[Any] = top if isinstance(top, list) else []
            node_items = items
            for depth, (_group, index) in enumerate(instances):
                while len(node_items) < index:
                    node_items.append({})
                if not isinstance(node_items[index - 1], dict):
                    node_items[index - 1] = {}
                entry = node_items[index - 1]
                if depth + 1 < len(instances):
                    inner = instances[depth + 1][0]
                    if not isinstance(entry.get(inner), list):
                        entry[inner] = []
                    node_items = entry[inner]
                else:
                    if value is None:
                        entry.pop(name, None)
                    else:
                        entry[name] = value
            self.session.set_answer(outer, items)
        self._steps = None

    def _safe_to_talk(self, step: Step, value: Any) -> tuple[str, str] | None:
        if step.name != SAFE_TO_TALK or value is None or value == "yes":
            return None
        if value == "callback":
            return CALLBACK, ("Not a safe time to talk: ask only when it would be safe to "
                              "call back, then end the call. The interview has been "
                              "stopped.")
        return NOT_SAFE, ("Not safe to talk: end the call now, saying nothing about the "
                          "survey. The interview has been stopped.")

    def _quota_check(self) -> tuple[str, str] | None:
        if self.quota is None:
            return None
        cell = self.quota.cell(self.form_id, self.session.values)
        if (cell or "") == self.quota_cell:
            return None  # no cell yet, or the one it was already admitted to
        self._body["quota_cell"] = cell or ""
        if cell and self.quota.full(self.form_id, cell):
            return QUOTA_FULL, (f"The quota for {cell} is full: thank the respondent and "
                                "end the interview. It has been stopped.")
        return None

    def _end(self, status: InterviewStatus, reason: str) -> None:
        self._leave()
        ended = self.service.now()
        for name, kind in self._shape.metadata.items():
            if kind == "end":
                self.session.set_answer(name, ended.isoformat())
        self.status = status
        self.ended_reason = reason
        self._body["status"] = status.value
        self._body["ended_at"] = ended.isoformat()
        self._paradata["ended_reason"] = reason
        self._paradata["duration_ms"] = _ms(ended - self._started_at)
        if status is InterviewStatus.COMPLETE:
            self._event("completed", None)
        else:
            self._event("stopped", self._current, reason=reason)
        self._save(wait=True)

    # Paradata ----------------------------------------------------------------------
    def _elapsed(self) -> int:
        return _ms(self.service.now() - self._started_at)

    def _stats(self, path: str) -> dict[str, Any]:
        questions: dict[str, Any] = self._paradata["questions"]
        return questions.setdefault(path, {"first_shown_ms": self._elapsed(), "ms": 0,
                                           "visits": 0, "changes": 0})

    def _event(self, event: str, path: str | None, **extra: str) -> None:
        entry: dict[str, Any] = {"ms": self._elapsed(), "event": event}
        if path is not None:
            entry["question"] = path
        entry.update(extra)
        events: list[Any] = self._paradata["events"]
        events.append(entry)
        if len(events) > MAX_EVENTS:
            excess = len(events) - MAX_EVENTS
            del events[:excess]
            self._paradata["events_dropped"] = int(self._paradata["events_dropped"]) + excess

    def _enter(self, path: str | None) -> None:
        self._current = path
        self._paradata["current"] = path or ""
        self._paradata["at_end"] = path is None
        if path is None:
            self._shown_at = None
            return
        self._shown_at = self.service.now()
        stats = self._stats(path)
        stats["visits"] = int(stats.get("visits", 0)) + 1
        self._event("shown", path)

    def _leave(self) -> None:
        if self._current is not None and self._shown_at is not None:
            stats = self._stats(self._current)
            stats["ms"] = int(stats.get("ms", 0)) + _ms(self.service.now() - self._shown_at)
        self._shown_at = None

    def _paradata_text(self) -> str:
        text = json.dumps(self._paradata, separators=(",", ":"), ensure_ascii=False)
        events: list[Any] = self._paradata["events"]
        while len(text) > MAX_PARADATA_CHARS and events:
            drop = max(1, len(events) // 4)
            del events[:drop]
            self._paradata["events_dropped"] = int(self._paradata["events_dropped"]) + drop
            text = json.dumps(self._paradata, separators=(",", ":"), ensure_ascii=False)
        return text

    def _save(self, *, wait: bool) -> None:
        """Hand the whole record to the writer: each save holds everything, so one that
        lands makes up for any that failed before it. Moving from question to question
        does not wait (only the place and the timings change); an answer and an end do,
        and raise if the save failed."""
        self._body["answers_json"] = json.dumps(self.session.answers, separators=(",", ":"),
                                                ensure_ascii=False)
        self._body["paradata_json"] = self._paradata_text()
        future = self.service.save(self._body)
        self._pending = future
        if wait:
            future.result()


def _without(message: str, value: Any) -> str:
    """A message with the answer it quotes taken out (paradata holds no answer): the
    engine quotes what was given ("'abc' is not a whole number.")."""
    for piece in _pieces(value):
        if piece:
            message = message.replace(f"'{piece}'", "'…'")
    return message


def _pieces(value: Any) -> Iterable[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [_shown_value(v) for v in value] + [" ".join(_shown_value(v) for v in value)]
    return [_shown_value(value), str(value)]
