"""A live interview's logic, for the runner: answers are set one at a time, and after each
only what reads the changed answer is worked out again.

:func:`~icv_app.domain.survey.engine.run` works out a whole form from all its answers (what
``survey preview`` prints). A :class:`FormSession` gives the same result after every
:meth:`~FormSession.set_answer`, but evaluates only the expressions that depend on what
changed: each question's and group's expressions name the answers they read
(``${name}``), which gives, for every name, the nodes to look at again when it changes;
a calculation or a question whose value changes passes the change on to its own readers,
and a group whose relevance changes to every question inside it.

Repeats are the exception: a change that touches a repeat (a question inside one, or a
repeat's count) works the whole form out again, as :func:`run` does. Forms are mostly
flat, and a repeat's instances come and go with its count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from icv_app.domain.survey import engine, expressions as ex
from icv_app.domain.survey.instrument import Group, Instrument, Node, Question

__all__ = ["FormSession"]


@dataclass(frozen=True)
class _Place:
    node: Node
    groups: tuple[Group, ...]  # the groups it sits in, outermost first
    in_repeat: bool


def _expressions(node: Node) -> Iterable[str]:
    texts = [node.relevant]
    if isinstance(node, Group):
        texts.append(node.repeat_count)
    else:
        texts += [node.constraint, node.calculation, node.required, node.choice_filter]
        if node.default and ex.is_dynamic_default(node.default, node.type):
            texts.append(node.default)
    return [t for t in texts if t]


def _outermost(path: str) -> str:
    """The outermost repeat of a path inside one: ``person[2].age`` -> ``person``."""
    return path.split("[", 1)[0]


class FormSession:
    """The interview's answers and everything worked out from them (module doc)."""

    def __init__(self, instrument: Instrument, answers: Mapping[str, Any] | None = None, *,
                 today: dt.date | None = None, now: dt.datetime | None = None,
                 language: str | None = None) -> None:
        self.instrument = instrument
        self.now = now or dt.datetime.now(dt.UTC)
        self.today = today or self.now.date()
        self.language = language or instrument.default_language
        self.answers: dict[str, Any] = dict(answers or {})
        self.evaluations = 0  # nodes worked out since the session began (for tests)
        self._places: dict[str, _Place] = {}
        self._order: list[str] = []
        self._readers: dict[str, set[str]] = {}
        self._has_repeats = False
        self._index(instrument.root, (), False)
        self._position = {name: i for i, name in enumerate(self._order)}
        self._shown: dict[str, bool] = {}  # a node's own relevance (not its groups')
        self._problems: dict[str, list[engine.Problem]] = {}
        # An outermost repeat's name -> what the last whole-form run asked in it, and its
        # problems there.
        self._in_repeats: dict[str, tuple[list[str], list[engine.Problem]]] = {}
        self._recompute_all()

    # The form's shape ------------------------------------------------------------------
    def _index(self, group: Group, groups: tuple[Group, ...], in_repeat: bool) -> None:
        for node in group.children:
            self._places[node.name] = _Place(node, groups, in_repeat)
            self._order.append(node.name)
            for text in _expressions(node):
                for name in ex.parse(text).references:
                    self._readers.setdefault(name, set()).add(node.name)
            if isinstance(node, Group):
                self._has_repeats |= node.repeat
                self._index(node, (*groups, node), in_repeat or node.repeat)

    def _touches_repeat(self, names: Iterable[str]) -> bool:
        for name in names:
            place = self._places.get(name)
            if place is not None and (place.in_repeat or (
                    isinstance(place.node, Group) and place.node.repeat)):
                return True
        return False

    # Answers ---------------------------------------------------------------------------
    def set_answer(self, name: str, value: Any) -> None:
        """Give (or with None clear) the answer to question ``name`` (at the top level or
        in groups; a repeat's answers are set as a list of objects under its name)."""
        if value is None:
            self.answers.pop(name, None)
        else:
            self.answers[name] = value
        affected = self._affected(name)
        if self._has_repeats and self._touches_repeat(affected):
            self._recompute_all()
            return
        self._recompute(affected)

    def _affected(self, name: str) -> set[str]:
        """``name`` and every node whose expressions read it, directly or through a value
        that changes with it (a calculation, a question or a group shown or hidden)."""
        affected = {name}
        queue = [name]
        while queue:
            current = queue.pop()
            place = self._places.get(current)
            if place is not None and isinstance(place.node, Group):
                for inner in place.node.walk():
                    if inner.name not in affected:
                        affected.add(inner.name)
                        queue.append(inner.name)
            for reader in self._readers.get(current, ()):
                if reader not in affected:
                    affected.add(reader)
                    queue.append(reader)
        return affected

    # Working out -----------------------------------------------------------------------
    def _recompute_all(self) -> None:
        result = engine.run(self.instrument, self.answers, today=self.today, now=self.now,
                            language=self.language)
        self.evaluations += len(self._order)
        self._values = dict(result.values)
        self._asked = [a.path for a in result.asked]
        self._problem_list = list(result.problems)
        self._full = True

    def _recompute(self, affected: set[str]) -> None:
        if self._full:
            self._split_full_result()
        state = engine._State(self.instrument, self.answers, self.today, self.now,
                              self.language)
        state.values = self._values
        scope = engine._Scope()
        # Calculations may read questions further on: go round again while a value
        # changed that something before it reads.
        for _round in range(engine.MAX_ROUNDS):
            before = dict(self._values)
            for name in self._order:
                if name in affected:
                    self._work_out(state, self._places[name], scope)
            changed = engine.changed_names(before, self._values)
            if not any(self._position[reader] < self._position[name]
                       for name in changed if name in self._position
                       for reader in self._readers.get(name, ()) if reader in affected):
                break
        self._asked, self._problem_list = [], []
        for name in self._order:
            if self._is_asked(name):
                self._asked.append(name)
            self._problem_list += self._problems.get(name, ())
            repeated = self._in_repeats.get(name)
            if repeated is not None and self._visible(self._places[name]):
                self._asked += repeated[0]
                self._problem_list += repeated[1]

    def _split_full_result(self) -> None:
        """After a whole-form run: each node's own relevance and problems, for updating
        node by node; what sits in repeats is kept as the run left it (a change that
        touches a repeat runs the whole form again)."""
        self._problems = {}
        self._in_repeats = {}
        for path in self._asked:
            if "[" in path:
                self._in_repeats.setdefault(_outermost(path), ([], []))[0].append(path)
        for problem in self._problem_list:
            if "[" in problem.name:
                self._in_repeats.setdefault(_outermost(problem.name), ([], []))[1].append(
                    problem)
            else:
                self._problems.setdefault(problem.name, []).append(problem)
        state = engine._State(self.instrument, self.answers, self.today, self.now,
                              self.language)
        state.values = self._values
        for name in self._order:
            place = self._places[name]
            if not place.in_repeat:
                self._shown[name] = engine._relevant(state, place.node.relevant,
                                                     engine._Scope())
        self._full = False

    def _visible(self, place: _Place) -> bool:
        return all(self._shown.get(g.name, True) for g in place.groups)

    def _is_asked(self, name: str) -> bool:
        place = self._places[name]
        node = place.node
        return (isinstance(node, Question) and node.type in engine.ANSWERED
                and not place.in_repeat and self._visible(place)
                and self._shown.get(name, True))

    def _work_out(self, state: engine._State, place: _Place, scope: engine._Scope) -> None:
        node = place.node
        self.evaluations += 1
        self._shown[node.name] = engine._relevant(state, node.relevant, scope)
        if isinstance(node, Group) or place.in_repeat:
            return
        result = engine.Result()
        engine._question(state, node, scope, result, self._visible(place))
        self._problems[node.name] = result.problems

    # What the runner reads -----------------------------------------------------------
    @property
    def asked(self) -> list[str]:
        return list(self._asked)

    @property
    def values(self) -> dict[str, Any]:
        return dict(self._values)

    @property
    def problems(self) -> list[engine.Problem]:
        return list(self._problem_list)

    def as_json(self) -> dict[str, Any]:
        return engine.Result(
            [engine.Asked(p, self._question(p)) for p in self._asked],
            dict(self._values), list(self._problem_list),
        ).as_json()

    def _question(self, path: str) -> Question:
        node = self.instrument.find(path.rsplit(".", 1)[-1].split("[", 1)[0])
        assert isinstance(node, Question)
        return node
