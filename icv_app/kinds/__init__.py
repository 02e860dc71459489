"""Every kind of record that syncs, declared once (:class:`~icv_app.kinds.base.Kind`).

The local store, the sync client and the server all look kinds up here; nothing else
lists them. Adding a kind is one declaration (and its local migrations): see
:mod:`icv_app.kinds.custody` for visits and amendments. Tests register kinds of their
own with :func:`register` / :func:`unregister`.
"""

from __future__ import annotations

import re

from icv_app.kinds.base import Author, Derived, FieldInfo, Kind, Problem, Relation, Unreadable

NAME_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"  # also the wire's pattern for a record type
_NAME = re.compile(NAME_PATTERN)
_KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if not _NAME.match(kind.name):
        raise ValueError(f"kind name {kind.name!r} must match {_NAME.pattern}")
    if kind.parent is not None and kind.parent not in _KINDS:
        raise ValueError(f"kind {kind.name!r}: parent kind {kind.parent!r} is not registered")
    existing = _KINDS.get(kind.name)
    if existing is not None and existing is not kind:
        raise ValueError(f"kind {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    if any(k.parent == name for k in _KINDS.values()):
        raise ValueError(f"kind {name!r} still has child kinds")
    _KINDS.pop(name, None)


def get(name: str) -> Kind | None:
    return _KINDS.get(name)


def require(name: str) -> Kind:
    kind = _KINDS.get(name)
    if kind is None:
        raise KeyError(f"unknown record kind {name!r}")
    return kind


def all_kinds() -> tuple[Kind, ...]:
    """Every registered kind, parents before children (the order records are pushed)."""
    return tuple(sorted(_KINDS.values(), key=lambda k: (k.push_order, k.name)))


def children_of(name: str) -> tuple[Kind, ...]:
    return tuple(k for k in all_kinds() if k.parent == name)


def _register_builtin() -> None:
    from icv_app.kinds import coordination, custody, reference, survey, survey_quota

    for kind in (*reference.KINDS, *custody.KINDS, *coordination.KINDS, *survey.KINDS,
                 *survey_quota.KINDS):
        register(kind)


_register_builtin()

__all__ = [
    "NAME_PATTERN",
    "Author",
    "Derived",
    "FieldInfo",
    "Kind",
    "Problem",
    "Relation",
    "Unreadable",
    "all_kinds",
    "children_of",
    "get",
    "register",
    "require",
    "unregister",
]
