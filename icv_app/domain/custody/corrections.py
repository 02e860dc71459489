"""Amendments in place: a correction that names a field of a submitted report and its new
value, shown where the field is with the original and the reason beside it.

Paths are the report's field paths with list positions and map keys written out
(``header.departure_time``, ``detainees[1].raised``, ``conditions.heating.state``,
``detainees[0].checks.rest``). Values travel as text in the form the report shows them
(``00:45``, ``3``, ``Yes``, ``Not satisfactory``), so an amendment reads the same in the
app, on the server and in the PDF; :func:`parse_value` turns it back into the field's
value and says in plain words what is wrong when it cannot.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import re
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from icv_app.domain.custody.custody_number import looks_personal, normalise
from icv_app.domain.custody.visit import Amendment, VisitReport

_PIECE = re.compile(r"^([a-z_][a-z0-9_]*)(?:\[(\d+)\])?$")
# Fields that are not the visit's facts (or not one value): not corrected in place.
_NOT_AMENDABLE = {"id", "status", "confirmed_by", "created_at", "submitted_at", "reopened",
                  "header.visitors", "detainees", "issues", "detainee_id", "visitor_id"}
# The record's own parts: nothing in them is corrected (a list of visit facts such as
# ``detainees`` is not one value, but each detainee's fields are).
_RECORD = {"id", "status", "confirmed_by", "created_at", "submitted_at", "reopened"}


class PathError(ValueError):
    """The path names no single value of a report."""


@dataclass(frozen=True)
class Correction:
    """One amendment's change to one field, for showing beside it."""

    path: str
    original: str  # the field as submitted (or as the previous correction left it)
    corrected: str
    reason: str
    amendment: Amendment


@dataclass
class CorrectedReport:
    """The report with every field correction applied, and what each field was before."""

    report: VisitReport
    corrections: dict[str, list[Correction]]
    free_text: list[Amendment]  # amendments that name no field (or one that is gone)

    def corrected(self, path: str) -> Correction | None:
        """The latest correction of this field, if any."""
        found = self.corrections.get(path)
        return found[-1] if found else None


# Walking paths -----------------------------------------------------------------------------

def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    args = typing.get_args(tp)
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return inner[0], True
    return tp, False


def _map_key(key_type: Any, text: str) -> Any:
    if isinstance(key_type, type) and issubclass(key_type, Enum):
        try:
            return key_type(text)
        except ValueError as exc:
            raise PathError(f"no {text!r} here") from exc
    return text


def resolve(report: VisitReport, path: str) -> tuple[Any, Any, Any]:
    """(container, key, type) of the value at ``path``: ``container[key]`` or
    ``getattr(container, key)`` holds it. Map entries not made yet are created."""
    obj: Any = report
    tp: Any = type(report)
    pieces = path.split(".")
    i = 0
    container: Any = None
    key: Any = None
    while i < len(pieces):
        piece = pieces[i]
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            match = _PIECE.match(piece)
            if not match or match.group(1) not in {f.name for f in dataclasses.fields(obj)}:
                raise PathError(f"{path}: no field {piece!r}")
            name, index = match.group(1), match.group(2)
            field_type = _hints(type(obj))[name]
            container, key, tp = obj, name, field_type
            value = getattr(obj, name)
            if index is not None:
                if not isinstance(value, list) or int(index) >= len(value):
                    raise PathError(f"{path}: no item {int(index) + 1} of {name}")
                container, key = value, int(index)
                tp = typing.get_args(field_type)[0]
                value = value[int(index)]
            obj = value
        elif isinstance(obj, dict):
            key_type, value_type = typing.get_args(tp)
            map_key = _map_key(key_type, piece)
            if map_key not in obj:
                obj[map_key] = _default(value_type)
            container, key, tp = obj, map_key, value_type
            obj = obj[map_key]
        else:
            raise PathError(f"{path}: {piece!r} is inside a single value")
        i += 1
    return container, key, tp


def _default(tp: Any) -> Any:
    inner, optional = _unwrap_optional(tp)
    if optional:
        return None
    if isinstance(inner, type) and dataclasses.is_dataclass(inner):
        return inner()
    if inner is int:
        return 0
    if inner is bool:
        return False
    return ""


def _get(container: Any, key: Any) -> Any:
    return container[key] if isinstance(container, list | dict) else getattr(container, key)


def _set(container: Any, key: Any, value: Any) -> None:
    if isinstance(container, list | dict):
        container[key] = value
    else:
        setattr(container, key, value)


def _listed(path: str) -> bool:
    """Not one of the fields that are no visit fact (ids, status, the lists themselves)."""
    generic = re.sub(r"\[\d+\]", "", path)
    last = generic.rsplit(".", 1)[-1]
    return (generic != "" and generic not in _NOT_AMENDABLE and last not in _NOT_AMENDABLE
            and generic.split(".", 1)[0] not in _RECORD)


def declared_type(path: str) -> Any:
    """The type a report declares at ``path`` (any report: list positions are not looked
    up); PathError when a report has no such field."""
    tp: Any = VisitReport
    for piece in path.split("."):
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            match = _PIECE.match(piece)
            names = {f.name for f in dataclasses.fields(tp)}
            if not match or match.group(1) not in names:
                raise PathError(f"{path}: no field {piece!r}")
            tp = _hints(tp)[match.group(1)]
            if match.group(2) is not None:
                if typing.get_origin(tp) is not list:
                    raise PathError(f"{path}: {match.group(1)} is not a list")
                tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            key_type, tp = typing.get_args(tp)
            _map_key(key_type, piece)
        else:
            raise PathError(f"{path}: {piece!r} is inside a single value")
    return tp


def _single_value(tp: Any) -> bool:
    """A value a correction can hold as text: not a section, list or map of the report."""
    inner, _optional = _unwrap_optional(tp)
    if inner in (str, int, bool, dt.date, dt.time):
        return True
    return isinstance(inner, type) and issubclass(inner, Enum)


def is_amendable(path: str) -> bool:
    """May an amendment correct this field in place: one value that is a fact of the
    visit (not a whole section such as ``header``, not an id or the report's status)."""
    if not _listed(path):
        return False
    try:
        return _single_value(declared_type(path))
    except PathError:
        return False


# Values as text ----------------------------------------------------------------------------

def value_text(value: Any, tp: Any = None) -> str:
    if value is None:
        return "Not recorded"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Enum):
        return str(getattr(value, "label", value.value))
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d %b %Y")
    return str(value)


def parse_value(text: str, tp: Any) -> Any:
    """The field's value for ``text``; ValueError with a plain message when it is not one."""
    from icv_app.domain.custody.parsing import parse_date, parse_time

    inner, optional = _unwrap_optional(tp)
    stripped = text.strip()
    if optional and stripped.lower() in ("", "not recorded", "not asked", "unknown", "—"):
        return None
    if inner is bool:
        answers = {"yes": True, "y": True, "no": False, "n": False}
        if stripped.lower() not in answers:
            raise ValueError("Answer Yes or No" + (" (or Not recorded)." if optional else "."))
        return answers[stripped.lower()]
    if inner is int:
        if not re.fullmatch(r"\d{1,4}", stripped):
            raise ValueError("Enter a whole number from 0 to 9999.")
        return int(stripped)
    if inner is dt.time:
        value = parse_time(stripped)
        if value is None:
            raise ValueError("Enter a time as HH:MM (24-hour clock).")
        return value
    if inner is dt.date:
        day = parse_date(stripped)
        if day is None:
            raise ValueError("Enter a date such as 14 Mar 2026 or 2026-03-14.")
        return day
    if isinstance(inner, type) and issubclass(inner, Enum):
        for member in inner:
            label = str(getattr(member, "label", member.value))
            if stripped.lower() in (label.lower(), str(member.value).lower()):
                return member
        labels = ", ".join(str(getattr(m, "label", m.value)) for m in inner)
        raise ValueError(f"Choose one of: {labels}.")
    return text


def _parse_at(path: str, text: str, tp: Any) -> Any:
    """``parse_value``, and a corrected custody number held to the same promise as the
    form's: never a name, date of birth or address (stored normalised)."""
    value = parse_value(text, tp)
    if path.rsplit(".", 1)[-1] == "custody_number" and isinstance(value, str):
        personal = looks_personal(value)
        if personal:
            raise ValueError(personal)
        value = normalise(value)
    return value


def current_text(report: VisitReport, path: str) -> str:
    """The field's value as the report shows it (raises PathError)."""
    probe = copy.deepcopy(report)  # resolving may create an empty map entry
    container, key, tp = resolve(probe, path)
    return value_text(_get(container, key), tp)


def check_correction(report: VisitReport, path: str, new_value: str) -> str:
    """Why this correction cannot be made ("" when it can)."""
    if not _listed(path):
        return "This field cannot be corrected in place; describe the correction in words."
    try:
        if not _single_value(declared_type(path)):
            return ("This is a part of the report, not one field: choose the field in it "
                    "to correct.")
        _container, _key, tp = resolve(copy.deepcopy(report), path)
        _parse_at(path, new_value, tp)
    except PathError:
        return "The report has no such field."
    except ValueError as exc:
        return str(exc)
    return ""


def apply_corrections(
    report: VisitReport, amendments: Sequence[Amendment]
) -> CorrectedReport:
    """The report with each field amendment applied in the order they were made."""
    corrected = copy.deepcopy(report)
    corrections: dict[str, list[Correction]] = {}
    free: list[Amendment] = []
    for amendment in sorted(amendments, key=lambda a: a.created_at):
        path = amendment.field_path
        if not path or not is_amendable(path):
            free.append(amendment)
            continue
        try:
            # Read on a copy first: a value refused leaves no empty entry made by the walk.
            _c, _k, tp = resolve(copy.deepcopy(corrected), path)
            value = _parse_at(path, amendment.new_value, tp)
            container, key, tp = resolve(corrected, path)
        except ValueError:
            free.append(amendment)  # a field this version cannot place: shown in words
            continue
        original = value_text(_get(container, key), tp)
        _set(container, key, value)
        corrections.setdefault(path, []).append(
            Correction(path, original, value_text(value, tp), amendment.reason, amendment)
        )
    return CorrectedReport(corrected, corrections, free)


def amendable_paths(report: VisitReport) -> Iterable[str]:
    """Every field of this report that a correction may name, in the form's order."""

    def walk(obj: Any, prefix: str) -> Iterable[str]:
        for f in dataclasses.fields(obj):
            path = f"{prefix}.{f.name}" if prefix else f.name
            value = getattr(obj, f.name)
            if isinstance(value, list):
                # Not one value itself; each item's fields may be (a detainee's raised).
                if path not in _RECORD:
                    for i, item in enumerate(value):
                        if dataclasses.is_dataclass(item):
                            yield from walk(item, f"{path}[{i}]")
                continue
            if not _listed(path):
                continue
            tp = _hints(type(obj))[f.name]
            if isinstance(value, dict):
                key_type, value_type = typing.get_args(tp)
                keys = list(key_type) if isinstance(key_type, type) and issubclass(
                    key_type, Enum) else list(value)
                for k in keys:
                    key_text = k.value if isinstance(k, Enum) else str(k)
                    if isinstance(value_type, type) and dataclasses.is_dataclass(value_type):
                        yield from walk(value.get(k) or value_type(), f"{path}.{key_text}")
                    else:
                        yield f"{path}.{key_text}"
            elif dataclasses.is_dataclass(value):
                yield from walk(value, path)
            else:
                yield path

    yield from walk(report, "")
