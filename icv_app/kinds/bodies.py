"""Record bodies kept losslessly: what this version can read of a body, and three-way
merges that put a person's edits back onto the body as it was stored.

A laptop stores every body exactly as the server sent it. A newer app may have added
fields, list items or enum values this version does not know; :func:`project` keeps
only what this version's dataclasses can hold (so the form can show it) and
:func:`merge3` writes the person's edits back onto the stored body, so that everything
the projection left out survives an edit and a push. No Qt, no SQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from collections.abc import Callable
from enum import Enum
from typing import Any, Final

MISSING: Final = type("Missing", (), {"__repr__": lambda self: "MISSING"})()


class Unreadable(ValueError):
    """This version cannot make a record of its type out of the body at all."""


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _readable_text(value: object, parse: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse(value)
    except ValueError:
        return False
    return True


_NO = (False, None)


Reader = Callable[[Any, "list[str] | None", str], tuple[bool, Any]]


@functools.cache
def _reader(tp: Any) -> Reader:
    """A reader for values of ``tp``, built once per type: the type is taken apart here,
    not at every value (the server reads every pushed body this way). A reader returns
    (can this version hold the value, the part it can hold), and adds to ``lost`` the
    paths of known fields, list items and map entries it had to leave out."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        nullable = type(None) in args
        options = [_reader(a) for a in args if a is not type(None)]

        def read_union(value: Any, lost: list[str] | None, path: str) -> tuple[bool, Any]:
            if value is None:
                return (True, None) if nullable else _NO
            for option in options:
                ok, projected = option(value, lost, path)
                if ok:
                    return True, projected
            return _NO

        return read_union
    if origin is list:
        item = _reader(typing.get_args(tp)[0])

        def read_list(value: Any, lost: list[str] | None, path: str) -> tuple[bool, Any]:
            if not isinstance(value, list):
                return _NO
            out = []
            for i, entry in enumerate(value):
                ok, projected = item(entry, lost, f"{path}[{i}]")
                if ok:  # an item this version cannot hold is left out, not the list
                    out.append(projected)
                elif lost is not None:
                    lost.append(f"{path}[{i}]")
            return True, out

        return read_list
    if origin is dict:
        key_type, value_type = typing.get_args(tp)
        read_key, read_value = _reader(key_type), _reader(value_type)

        def read_map(value: Any, lost: list[str] | None, path: str) -> tuple[bool, Any]:
            if not isinstance(value, dict):
                return _NO
            out = {}
            for key, entry in value.items():
                sub = f"{path}.{key}" if path else str(key)
                key_ok, _ = read_key(key, None, sub)
                ok, projected = read_value(entry, lost, sub) if key_ok else _NO
                if ok:
                    out[key] = projected
                elif lost is not None:
                    lost.append(sub)
            return True, out

        return read_map
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_reader(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        values = frozenset(tp._value2member_map_)
        return lambda value, _lost, _path: (True, value) if (
            isinstance(value, str) and value in values) else _NO
    if tp is bool:
        return lambda value, _lost, _path: (True, value) if isinstance(value, bool) else _NO
    if tp is int:
        return lambda value, _lost, _path: (True, value) if (
            isinstance(value, int) and not isinstance(value, bool)) else _NO
    if tp is float:
        return lambda value, _lost, _path: (True, value) if (
            isinstance(value, int | float) and not isinstance(value, bool)) else _NO
    if tp is str:
        return lambda value, _lost, _path: (True, value) if isinstance(value, str) else _NO
    parsers = {dt.datetime: dt.datetime.fromisoformat, dt.date: dt.date.fromisoformat,
               dt.time: dt.time.fromisoformat}
    if tp in parsers:
        parse = parsers[tp]
        return lambda value, _lost, _path: (True, value) if _readable_text(
            value, parse) else _NO
    if tp is Any:
        return lambda value, _lost, _path: (True, value)
    return lambda _value, _lost, _path: _NO


def _dataclass_reader(cls: type) -> Reader:
    hints = _hints(cls)
    fields = [
        (f.name, f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
        for f in dataclasses.fields(cls)
    ]
    readers: dict[str, Reader] = {}

    def read_object(value: Any, lost: list[str] | None, path: str) -> tuple[bool, Any]:
        if not isinstance(value, dict):
            return _NO
        out = {}
        for name, required in fields:
            if name not in value:
                if required:
                    return _NO
                continue
            reader = readers.get(name)
            if reader is None:  # built on first use: dataclasses may refer to each other
                reader = readers[name] = _reader(hints[name])
            sub = f"{path}.{name}" if path else name
            ok, projected = reader(value[name], lost, sub)
            if ok:
                out[name] = projected
            elif required:
                return _NO  # a required field this version cannot read
            elif lost is not None:
                lost.append(sub)
        return True, out

    return read_object


def project(body: Any, cls: type) -> dict[str, Any]:
    """The part of ``body`` that a ``cls`` of this version can hold.

    Unknown keys, enum values this version does not know and values of the wrong type are
    left out (the dataclass default takes their place); a list item or map entry that
    cannot be read is left out on its own. Raises :class:`Unreadable` when not even that
    is possible (not an object, or a required field unreadable).
    """
    ok, projected = _reader(cls)(body, None, "")
    if not ok:
        raise Unreadable(f"not a {cls.__name__} this version can read")
    return dict(projected)


def read_strictly(body: Any, cls: type) -> tuple[dict[str, Any] | None, list[str]]:
    """(the projection, the known fields that had to be left out) in one walk; the
    projection is None when not even that could be read."""
    lost: list[str] = []
    ok, projected = _reader(cls)(body, lost, "")
    if not ok:
        return None, lost or ["(the record)"]
    return dict(projected), lost


def _is_id_list(*lists: Any) -> bool:
    """Lists of objects that each carry a unique string ``id`` (detainees, issues)."""
    for items in lists:
        if items is MISSING:
            continue
        ids = [item.get("id") if isinstance(item, dict) else None for item in items]
        if not all(isinstance(i, str) for i in ids) or len(set(ids)) != len(ids):
            return False
    return True


def merge3(
    base: Any, mine: Any, theirs: Any, *, prefer: str = "mine", path: str = ""
) -> tuple[Any, list[str]]:
    """Merge the change from ``base`` to ``mine`` into ``theirs``.

    Where only one side changed a value, that side's value is taken; where both changed
    it differently, ``prefer`` ("mine" or "theirs") wins and the path is reported. Objects
    are merged key by key, lists of objects with ids item by item (by id), other lists of
    the same length item by item. :data:`MISSING` stands for an absent key.

    Returns (merged value, paths where both sides changed the same value).
    """
    if mine == base:
        return theirs, []
    if theirs == base or mine == theirs:
        return mine, []
    if isinstance(mine, dict) and isinstance(theirs, dict):
        base_map = base if isinstance(base, dict) else {}
        out: dict[Any, Any] = {}
        conflicts: list[str] = []
        keys = list(mine) + [k for k in theirs if k not in mine]
        keys += [k for k in base_map if k not in mine and k not in theirs]
        for key in keys:
            sub = f"{path}.{key}" if path else str(key)
            value, more = merge3(
                base_map.get(key, MISSING), mine.get(key, MISSING), theirs.get(key, MISSING),
                prefer=prefer, path=sub,
            )
            conflicts += more
            if value is not MISSING:
                out[key] = value
        return out, conflicts
    if isinstance(mine, list) and isinstance(theirs, list):
        base_list = base if isinstance(base, list) else []
        if _is_id_list(base_list, mine, theirs):
            return _merge_by_id(base_list, mine, theirs, prefer, path)
        if len(base_list) == len(mine) == len(theirs):
            merged = []
            conflicts = []
            for i, (b, m, t) in enumerate(zip(base_list, mine, theirs, strict=True)):
                value, more = merge3(b, m, t, prefer=prefer, path=f"{path}[{i}]")
                merged.append(value)
                conflicts += more
            return merged, conflicts
    return (mine if prefer == "mine" else theirs), [path]


def _merge_by_id(
    base: list[Any], mine: list[Any], theirs: list[Any], prefer: str, path: str
) -> tuple[list[Any], list[str]]:
    by_base = {item["id"]: item for item in base}
    by_theirs = {item["id"]: item for item in theirs}
    mine_ids = {item["id"] for item in mine}
    out: list[Any] = []
    conflicts: list[str] = []
    for i, item in enumerate(mine):
        value, more = merge3(
            by_base.get(item["id"], MISSING), item, by_theirs.get(item["id"], MISSING),
            prefer=prefer, path=f"{path}[{i}]",
        )
        conflicts += more
        if value is not MISSING:
            out.append(value)
    # Items the other side added (or that this version could not show) stay.
    out += [t for t in theirs if t["id"] not in by_base and t["id"] not in mine_ids]
    return out, conflicts
