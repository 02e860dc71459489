"""What a kind of synced record declares, once, for the local store, the sync client and
the server to read.

A :class:`Kind` says what its body is (a dataclass, loaded on first use so that the first
window does not pay for it), which version of that body this app writes, its parent kind
(an amendment's visit), when a record becomes final (immutable on the server), who
authors it (laptops, or the server itself for reference data), who may see and change it
(role x relation), the columns its local list needs, and a field catalogue of labelled
paths that screens and documents use to name a field. No Qt, no SQL, no HTTP.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from icv_app.kinds.bodies import Unreadable, project


class Relation(str, Enum):
    """Which records of a kind a role reaches.

    - ``own``: records in the user's own scope: those they created, and children of
      their own records (an amendment to their visit).
    - ``assigned``: records assigned to the user (the body's assignee field), and their own.
    - ``scheme``: every record of the kind in the scheme.
    - ``everyone``: every record of the kind, meant for every role (reference data).
    """

    OWN = "own"
    ASSIGNED = "assigned"
    SCHEME = "scheme"
    EVERYONE = "everyone"


class Author(str, Enum):
    LAPTOP = "laptop"  # made on laptops and pushed
    SERVER = "server"  # written on the server (reference data); laptops only pull it


@dataclass(frozen=True)
class FieldInfo:
    """One field of a body. ``path`` uses ``[]`` for any list item and ``{}`` for any key
    of a map (``detainees[].custody_number``, ``conditions{}.note``); ``choices`` maps
    stored values to labels for choice fields and map keys."""

    path: str
    label: str
    type: str  # text, int, bool, date, time, datetime, choice, list, map, object
    choices: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


@dataclass(frozen=True)
class Derived:
    """What the server keeps beside a body in its generic columns."""

    parent_id: str | None = None
    final: bool = False
    assignee_id: str | None = None


def _never_final(_body: Mapping[str, Any]) -> bool:
    return False


def _no_problems(_obj: Any) -> list[Problem]:
    return []


def record_table(name: str, columns: str,
                 indexes: Mapping[str, str] | None = None) -> Callable[[Any], None]:
    """A kind's local migration making its table: the columns every synced record has,
    then ``columns`` (the kind's list columns); ``indexes``: index name suffix -> column
    (``{"by_parent": "visit_id"}`` makes ``<name>_by_parent``)."""
    def migrate(db: Any) -> None:
        db.execute(
            f"""CREATE TABLE {name} (
                id TEXT PRIMARY KEY, body TEXT NOT NULL,
                rev INTEGER NOT NULL DEFAULT 1, base_rev INTEGER NOT NULL DEFAULT 0,
                deleted INTEGER NOT NULL DEFAULT 0, owner_id TEXT, attention TEXT,
                updated_at TEXT NOT NULL, {columns})"""
        )
        for suffix, column in (indexes or {}).items():
            db.execute(f"CREATE INDEX {name}_{suffix} ON {name}({column})")

    return migrate


@dataclass(frozen=True, eq=False)
class Kind:
    name: str  # on the wire and in every table: [a-z][a-z0-9_]*
    label: str  # "visit report": for sentences shown to people
    load_type: Callable[[], type]  # the body dataclass, imported when first needed
    table: str  # the local table holding it
    body_version: int = 1
    parent: str | None = None  # the parent kind's name
    parent_field: str | None = None  # the body key holding the parent's id
    parent_must_be_final: bool = False  # e.g. only a submitted report is amended
    author: Author = Author.LAPTOP
    read: Mapping[str, Relation] = field(default_factory=dict)  # role -> relation
    write: Mapping[str, Relation] = field(default_factory=dict)
    is_final: Callable[[Mapping[str, Any]], bool] = _never_final
    final_message: str = "This record is final on the server and cannot be changed."
    assignee_field: str | None = None
    # Rules the server checks on every push, on the readable body (a dataclass).
    check: Callable[[Any], list[Problem]] = _no_problems
    # Local table: the list columns, computed from the readable body.
    columns: Callable[[Any], dict[str, Any]] = lambda _obj: {}
    modified_column: str = "updated_at"
    # Local migrations of this kind's own tables: (name, function(db)) in order, applied
    # as their own sqlite-utils migration set named after the kind.
    local_migrations: tuple[tuple[str, Callable[[Any], None]], ...] = ()
    # Tables of this laptop's own that those migrations make beside the kind's table
    # (counts fetched from the server, say): emptied with the records when a revoked
    # laptop's data is removed.
    local_tables: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)  # path pattern -> label
    push_order: int = 100  # parents before children
    # Whether an unsent record is ready to go (a draft still being started may wait).
    ready: Callable[[Mapping[str, Any]], bool] = lambda _body: True

    # Bodies --------------------------------------------------------------------------
    @property
    def body_type(self) -> type:
        return _load(self.load_type)

    def readable(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The part of a stored body this version can show (see :func:`project`)."""
        return project(body, self.body_type)

    def structure(self, body: Mapping[str, Any], *, projected: bool = False) -> Any:
        """The body as this version's dataclass; raises :class:`Unreadable`.
        ``projected``: the body is already :meth:`readable` (skip that walk)."""
        from icv_app.domain.serialize import from_dict

        if not projected:
            body = self.readable(body)
        try:
            return from_dict(dict(body), self.body_type)
        except Exception as exc:  # cattrs' errors, or a value the hooks refuse
            raise Unreadable(f"{type(exc).__name__}: {exc}") from exc

    def parent_of(self, body: Mapping[str, Any]) -> str | None:
        if self.parent_field is None:
            return None
        value = body.get(self.parent_field)
        return value if isinstance(value, str) else None

    def derive(self, body: Mapping[str, Any]) -> Derived:
        assignee = body.get(self.assignee_field) if self.assignee_field else None
        return Derived(
            parent_id=self.parent_of(body),
            final=bool(self.is_final(body)),
            assignee_id=assignee if isinstance(assignee, str) else None,
        )

    def may_read(self, role: str) -> Relation | None:
        return self.read.get(role)

    def may_write(self, role: str) -> Relation | None:
        if self.author is Author.SERVER:
            return None  # laptops never push server-authored records
        return self.write.get(role)

    # The field catalogue ---------------------------------------------------------------
    @property
    def fields(self) -> dict[str, FieldInfo]:
        return _catalogue(self)

    def field(self, path: str) -> FieldInfo | None:
        """The catalogue entry for a concrete path (``detainees[2].raised``)."""
        return self.fields.get(pattern_of(path, self))

    def describe(self, path: str) -> str:
        """A person's name for a field: "Detainee 3 › Raised", "Conditions › Heating"."""
        return describe(self, path)


@functools.cache
def _load(loader: Callable[[], type]) -> type:
    return loader()


_INDEX = re.compile(r"\[(\d+)\]")


def pattern_of(path: str, kind: Kind) -> str:
    """``detainees[2].checks.rest`` -> ``detainees[].checks{}``: the catalogue's key."""
    pattern = _INDEX.sub("[]", path)
    fields = kind.fields
    if pattern in fields:
        return pattern
    # Map keys: replace one dotted piece at a time with {} until a catalogue entry fits.
    pieces = pattern.split(".")
    for i in range(1, len(pieces)):
        candidate = ".".join(pieces[:i]) + "{}"
        rest = pieces[i + 1 :]
        full = candidate + ("." + ".".join(rest) if rest else "")
        if full in fields:
            return full
    return pattern


def _humanise(name: str) -> str:
    return name.replace("_", " ").capitalize()


def describe(kind: Kind, path: str) -> str:
    fields = kind.fields
    parts: list[str] = []
    pieces = path.split(".")
    prefix = ""
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        match = re.fullmatch(r"(\w+)\[(\d+)\]", piece)
        name = match.group(1) if match else piece
        pattern = f"{prefix}.{name}" if prefix else name
        info = fields.get(pattern + "[]" if match else pattern)
        label = info.label if info else _humanise(name)
        if match:
            parts.append(f"{label} {int(match.group(2)) + 1}")
            prefix = pattern + "[]"
        else:
            if not (info and info.type == "object" and label == ""):
                parts.append(label)
            prefix = pattern
            if info is not None and info.type == "map" and i + 1 < len(pieces):
                key = pieces[i + 1]
                parts.append(info.choices.get(key, _humanise(key)))
                prefix = pattern + "{}"
                i += 1
        i += 1
    return " › ".join(p for p in parts if p) or path


def _kind_of_type(tp: Any) -> tuple[str, Any]:
    """(catalogue type, the type to walk into) for a field's annotation."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _kind_of_type(args[0]) if len(args) == 1 else ("text", None)
    if origin is list:
        return "list", typing.get_args(tp)[0]
    if origin is dict:
        return "map", typing.get_args(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return "object", tp
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "choice", tp
    simple = {bool: "bool", int: "int", float: "number", str: "text", dt.date: "date",
              dt.time: "time", dt.datetime: "datetime"}
    return simple.get(tp, "text"), None


def _choices(enum_type: Any) -> dict[str, str]:
    if not (isinstance(enum_type, type) and issubclass(enum_type, Enum)):
        return {}
    return {m.value: str(getattr(m, "label", m.value)) for m in enum_type}


def _walk(cls: type, prefix: str, kind: Kind, out: dict[str, FieldInfo]) -> None:
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        path = f"{prefix}.{f.name}" if prefix else f.name
        what, inner = _kind_of_type(hints[f.name])
        if what == "list":
            item_what, item_inner = _kind_of_type(inner)
            label = kind.labels.get(path + "[]", _humanise(f.name).removesuffix("s"))
            out[path + "[]"] = FieldInfo(path + "[]", label, item_what, _choices(item_inner))
            out[path] = FieldInfo(path, kind.labels.get(path, _humanise(f.name)), "list")
            if item_what == "object":
                _walk(item_inner, path + "[]", kind, out)
        elif what == "map":
            key_type, value_type = inner
            out[path] = FieldInfo(path, kind.labels.get(path, _humanise(f.name)), "map",
                                  _choices(key_type))
            value_what, value_inner = _kind_of_type(value_type)
            out[path + "{}"] = FieldInfo(path + "{}", "", value_what, _choices(value_inner))
            if value_what == "object":
                _walk(value_inner, path + "{}", kind, out)
        elif what == "object":
            out[path] = FieldInfo(path, kind.labels.get(path, ""), "object")
            _walk(inner, path, kind, out)
        else:
            out[path] = FieldInfo(path, kind.labels.get(path, _humanise(f.name)), what,
                                  _choices(inner))


@functools.cache
def _catalogue(kind: Kind) -> dict[str, FieldInfo]:
    out: dict[str, FieldInfo] = {}
    _walk(kind.body_type, "", kind, out)
    for path, label in kind.labels.items():
        if path not in out:
            out[path] = FieldInfo(path, label, "text")
    return out


__all__ = ["Author", "Derived", "FieldInfo", "Kind", "Problem", "Relation", "Unreadable"]
