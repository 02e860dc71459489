"""An interview's logic, from an instrument and the answers given so far: which questions
are asked and in what order, every value (calculations included), and what is wrong.

One evaluator (:mod:`icv_app.domain.survey.expressions`) serves relevant, constraint,
calculation, required and choice filters. :func:`run` is what ``icv-app survey preview``
prints and what the interview runner walks: it never stores anything.

Answers are given by name (``{"age": 34}``); a select_multiple's as a list of choice names
(or ODK's space-separated string); a repeat's as a list of objects, one per instance. In
what :func:`run` returns, a question inside a repeat is named ``group[1].name`` (the
instance counted from 1).

How references resolve, as in ODK: ``${name}`` of a question in the same repeat instance
is that instance's value; of a question in a repeat seen from outside it, the list of its
values (a node-set, for ``count``, ``sum`` and predicates); otherwise the value.
Calculations may refer to questions further on: the form is evaluated again until no
value changes (at most a few rounds; a cycle is reported as a problem).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from icv_app.domain.survey import expressions as ex
from icv_app.domain.survey.instrument import (
    MISSING_TRANSLATION,
    Choice,
    Group,
    Instrument,
    Node,
    Question,
)

__all__ = ["Asked", "Problem", "Result", "run"]

# Types that take an answer from the respondent (notes are shown, calculates computed).
ANSWERED = frozenset({"integer", "decimal", "text", "select_one", "select_multiple",
                      "date", "time", "datetime", "acknowledge"})
MAX_ROUNDS = 5  # calculations referring forward settle in two or three


@dataclass(frozen=True)
class Problem:
    name: str  # the path: "age", "child[2].age_band"
    message: str


@dataclass(frozen=True)
class Asked:
    path: str
    question: Question


@dataclass
class Result:
    asked: list[Asked] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # path -> value, calculations too
    problems: list[Problem] = field(default_factory=list)
    shown_notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "asked": [a.path for a in self.asked],
            "values": {k: _json_value(v) for k, v in self.values.items()},
            "problems": [{"name": p.name, "message": p.message} for p in self.problems],
        }


def _json_value(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
    return value


class _Scope:
    """Where an expression is evaluated: the repeat instances it sits in (outermost
    first: (repeat name, 1-based index))."""

    __slots__ = ("instances",)

    def __init__(self, instances: tuple[tuple[str, int], ...] = ()) -> None:
        self.instances = instances

    def path(self, name: str) -> str:
        return "".join(f"{g}[{i}]." for g, i in self.instances) + name


class _Env:
    """The expression engine's view of the interview at one place in the form."""

    def __init__(self, state: _State, scope: _Scope, current: Any = None,
                 choice: Choice | None = None) -> None:
        self.state, self.scope, self._current, self.choice = state, scope, current, choice

    def value(self, name: str) -> Any:
        return self.state.lookup(name, self.scope)

    def current(self) -> Any:
        return self._current

    def position(self) -> int:
        """The repeat instance this is evaluated in (1 outside any)."""
        return self.scope.instances[-1][1] if self.scope.instances else 1

    def choice_column(self, column: str) -> Any:
        if self.choice is None:
            return None
        if column == "name":
            return self.choice.name
        return self.choice.columns.get(column, "")

    def today(self) -> dt.date:
        return self.state.today

    def now(self) -> dt.datetime:
        return self.state.now


class _State:
    def __init__(self, instrument: Instrument, answers: Mapping[str, Any],
                 today: dt.date, now: dt.datetime, language: str) -> None:
        self.instrument = instrument
        self.answers = answers
        self.today, self.now, self.language = today, now, language
        self.values: dict[str, Any] = {}
        # name -> the repeats it sits in (outermost first)
        self.repeats_of: dict[str, tuple[str, ...]] = {}
        self._index(instrument.root, ())

    def _index(self, node: Node, repeats: tuple[str, ...]) -> None:
        if isinstance(node, Group):
            inner = (*repeats, node.name) if node.repeat else repeats
            for child in node.children:
                self._index(child, inner)
        else:
            self.repeats_of[node.name] = repeats

    def lookup(self, name: str, scope: _Scope) -> Any:
        repeats = self.repeats_of.get(name)
        if repeats is None:
            return None
        # The instances of the scope that the name shares; beyond those, every instance.
        shared = []
        for (group, index), repeat in zip(scope.instances, repeats, strict=False):
            if group != repeat:
                break
            shared.append((group, index))
        if len(shared) == len(repeats):
            return self.values.get(_Scope(tuple(shared)).path(name))
        prefix = "".join(f"{g}[{i}]." for g, i in shared)
        return [v for k, v in self.values.items()
                if k.startswith(prefix) and k.rsplit(".", 1)[-1] == name
                and _in_repeats(k, repeats[len(shared):])]

    def given(self, name: str, scope: _Scope) -> Any:
        """The answer given for ``name`` at ``scope`` (None if none)."""
        node: Any = self.answers
        for group, index in scope.instances:
            items = node.get(group) if isinstance(node, Mapping) else None
            if not isinstance(items, list) or index > len(items):
                return None
            node = items[index - 1]
        return node.get(name) if isinstance(node, Mapping) else None


def _in_repeats(path: str, repeats: tuple[str, ...]) -> bool:
    pieces = path.split(".")[:-1]
    names = [p.split("[", 1)[0] for p in pieces]
    return names[-len(repeats):] == list(repeats) if repeats else not names


def run(instrument: Instrument, answers: Mapping[str, Any], *,
        today: dt.date | None = None, now: dt.datetime | None = None,
        language: str | None = None) -> Result:
    """The form's logic on ``answers`` (module doc)."""
    now = now or dt.datetime.now(dt.UTC)
    state = _State(instrument, answers, today or now.date(), now,
                   language or instrument.default_language)
    result = Result()
    for _round in range(MAX_ROUNDS):
        before = dict(state.values)
        result = Result()
        _walk(state, instrument.root, _Scope(), result, shown=True)
        if not changed_names(before, state.values):
            break
    else:
        result.problems.append(Problem("", "The calculations never settle: two of them "
                                           "depend on each other."))
    result.values = dict(state.values)
    return result


def _same(a: Any, b: Any) -> bool:
    """Equal values, NaN included (a calculation on a blank answer gives NaN each round)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def changed_names(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """The paths whose values differ between two sets of values."""
    return {k for k in before.keys() | after.keys()
            if k not in before or k not in after or not _same(before[k], after[k])}


def _relevant(state: _State, text: str | None, scope: _Scope) -> bool:
    if not text:
        return True
    return ex.as_boolean(ex.parse(text).evaluate(_Env(state, scope)))


def _walk(state: _State, node: Node, scope: _Scope, result: Result, shown: bool) -> None:
    if isinstance(node, Group):
        shown = shown and _relevant(state, node.relevant, scope)
        if not node.repeat:
            for child in node.children:
                _walk(state, child, scope, result, shown)
            return
        for index in range(1, _instances(state, node, scope, shown) + 1):
            inner = _Scope((*scope.instances, (node.name, index)))
            for child in node.children:
                _walk(state, child, inner, result, shown)
        return
    _question(state, node, scope, result, shown)


def _instances(state: _State, group: Group, scope: _Scope, shown: bool) -> int:
    if not shown:
        return 0
    if group.repeat_count:
        count = ex.as_number(ex.parse(group.repeat_count).evaluate(_Env(state, scope)))
        return 0 if math.isnan(count) else max(0, min(int(count), 1000))
    given = state.given(group.name, scope) if scope.instances else state.answers.get(group.name)
    return len(given) if isinstance(given, list) else 0


def _question(state: _State, q: Question, scope: _Scope, result: Result,
              shown: bool) -> None:
    path = scope.path(q.name)
    if not shown or not _relevant(state, q.relevant, scope):
        state.values.pop(path, None)  # a question not asked has no value
        return
    env = _Env(state, scope)
    if q.type == "calculate":
        state.values[path] = (ex.parse(q.calculation).evaluate(env)
                              if q.calculation else "")
        return
    if q.type == "note":
        result.shown_notes.append(path)
        return
    if q.type not in ANSWERED:
        return
    result.asked.append(Asked(path, q))
    given = state.given(q.name, scope)
    if given is None and q.default:
        given = (ex.parse_default(q.default, q.type).evaluate(env)
                 if ex.is_dynamic_default(q.default, q.type) else q.default)
    value, problem = _typed(q, given)
    if problem:
        result.problems.append(Problem(path, problem))
        state.values.pop(path, None)
        return
    if value is None or value == "":
        state.values.pop(path, None)
        if q.required and ex.as_boolean(ex.parse(q.required).evaluate(env)):
            result.problems.append(Problem(path, _message(state, q.required_messages)
                                           or "An answer is required."))
        return
    state.values[path] = value
    if q.list_name is not None:
        offered = {c.name for c in _offered(state, q, scope)}
        chosen = value.split() if q.type == "select_multiple" else [value]
        for name in chosen:
            if name not in offered:
                result.problems.append(Problem(path, f"'{name}' is not one of the choices "
                                                     "offered for this question."))
    if q.constraint:
        ok = ex.as_boolean(ex.parse(q.constraint).evaluate(_Env(state, scope, value)))
        if not ok:
            result.problems.append(Problem(path, _message(state, q.constraint_messages)
                                           or "This answer is not allowed."))


def _offered(state: _State, q: Question, scope: _Scope) -> Iterator[Choice]:
    """The choices of a select, after its choice filter."""
    assert q.list_name is not None
    choices = state.instrument.choices.get(q.list_name, ())
    if not q.choice_filter:
        yield from choices
        return
    expression = ex.parse(q.choice_filter)
    for choice in choices:
        if ex.as_boolean(expression.evaluate(_Env(state, scope, choice=choice))):
            yield choice


def offered(instrument: Instrument, q: Question, values: Mapping[str, Any],
            path: str = "") -> list[Choice]:
    """The choices a select offers given the values so far (for the runner)."""
    state = _State(instrument, {}, dt.date.today(), dt.datetime.now(dt.UTC),
                   instrument.default_language)
    state.values = dict(values)
    return list(_offered(state, q, _scope_of(path)))


def _scope_of(path: str) -> _Scope:
    instances = []
    for piece in path.split(".")[:-1]:
        name, _, rest = piece.partition("[")
        instances.append((name, int(rest.rstrip("]") or 1)))
    return _Scope(tuple(instances))


def _message(state: _State, messages: Mapping[str, str]) -> str:
    """A message in the interview's language, else the form's default language, else any
    (pyxform writes "-" for a text missing in one language)."""
    usable = {k: v for k, v in messages.items() if v and v != MISSING_TRANSLATION}
    if not usable:
        return ""
    return (usable.get(state.language) or usable.get(state.instrument.default_language)
            or next(iter(usable.values())))


def _typed(q: Question, given: Any) -> tuple[Any, str]:
    """The answer as the engine holds it (numbers as float or int, a select_multiple as
    a space-separated string, dates as ISO text), or a problem in words."""
    if given is None:
        return None, ""
    kind = q.type
    if kind == "integer":
        if isinstance(given, bool) or not isinstance(given, int | float | str):
            return None, "A whole number is needed."
        try:
            number = float(given)
        except ValueError:
            return None, f"'{given}' is not a whole number."
        if not number.is_integer():
            return None, f"'{given}' is not a whole number."
        return int(number), ""
    if kind == "decimal":
        if isinstance(given, bool):
            return None, "A number is needed."
        try:
            return float(given), ""
        except (TypeError, ValueError):
            return None, f"'{given}' is not a number."
    if kind == "select_multiple":
        if isinstance(given, list):
            if not all(isinstance(x, str) for x in given):
                return None, "The choices must be given by name."
            return " ".join(given), ""
        if isinstance(given, str):
            return " ".join(given.split()), ""
        return None, "The choices must be a list of names."
    if kind == "date":
        try:
            return dt.date.fromisoformat(str(given)).isoformat(), ""
        except ValueError:
            return None, f"'{given}' is not a date (YYYY-MM-DD)."
    if kind == "time":
        try:
            return dt.time.fromisoformat(str(given)).isoformat(timespec="minutes"), ""
        except ValueError:
            return None, f"'{given}' is not a time (HH:MM)."
    if isinstance(given, list | dict):
        return None, "A single answer is needed."
    return str(given), ""
