"""JSON-ready dicts to and from the domain dataclasses (cattrs does the walking).

Dates and times travel as ISO 8601 strings, enums as their values. Unknown keys from a
newer app version are ignored rather than fatal, so an older client can still read them.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import TYPE_CHECKING, Any, TypeVar

from icv_app.domain.custody.visit import Amendment, VisitReport

if TYPE_CHECKING:
    import cattrs

T = TypeVar("T")


@functools.cache
def _converter() -> cattrs.Converter:
    # Built on first use: importing cattrs costs more than the first window may spend.
    import cattrs

    converter = cattrs.Converter(forbid_extra_keys=False)
    for type_ in (dt.date, dt.time, dt.datetime):
        converter.register_unstructure_hook(type_, lambda v: v.isoformat())
    converter.register_structure_hook(dt.date, lambda v, _: dt.date.fromisoformat(v))
    converter.register_structure_hook(dt.time, lambda v, _: dt.time.fromisoformat(v))
    converter.register_structure_hook(dt.datetime, lambda v, _: dt.datetime.fromisoformat(v))
    return converter


def to_dict(obj: Any) -> dict[str, Any]:
    result: dict[str, Any] = _converter().unstructure(obj)
    return result


def from_dict(data: dict[str, Any], cls: type[T]) -> T:
    return _converter().structure(data, cls)


def report_to_json(report: VisitReport) -> str:
    return json.dumps(to_dict(report), separators=(",", ":"), ensure_ascii=False)


def report_from_json(text: str) -> VisitReport:
    return from_dict(json.loads(text), VisitReport)


def amendment_to_json(amendment: Amendment) -> str:
    return json.dumps(to_dict(amendment), separators=(",", ":"), ensure_ascii=False)


def amendment_from_json(text: str) -> Amendment:
    return from_dict(json.loads(text), Amendment)
