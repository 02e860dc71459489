"""Reference data: the scheme's custody suites, panels and visitors, and how it wants its
reports: the prefix of its report references, its time zone and the pattern of its
custody record numbers (each with a default, so older reference files still load)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from icv_app.domain.custody.custody_number import DEFAULT_PATTERN


@dataclass(frozen=True)
class Suite:
    id: str
    name: str
    area: str
    panel: str
    hours: str  # "24-hour" or "reserve"
    open: bool


@dataclass(frozen=True)
class Visitor:
    id: str
    name: str
    panel: str
    active: bool
    tact: bool
    trainee: bool


@dataclass(frozen=True)
class ReferenceData:
    scheme: str
    panels: tuple[str, ...]
    suites: tuple[Suite, ...]
    visitors: tuple[Visitor, ...]
    # The scheme's short code, first part of every report's reference ("NS-26-…").
    reference_prefix: str = "ICV"
    time_zone: str = "Europe/London"
    custody_number_pattern: str = DEFAULT_PATTERN

    def suite(self, suite_id: str) -> Suite | None:
        return next((s for s in self.suites if s.id == suite_id), None)

    def visitor(self, visitor_id: str) -> Visitor | None:
        return next((v for v in self.visitors if v.id == visitor_id), None)

    def suite_name(self, suite_id: str) -> str:
        suite = self.suite(suite_id)
        return suite.name if suite else suite_id

    def visitor_name(self, visitor_id: str) -> str:
        visitor = self.visitor(visitor_id)
        return visitor.name if visitor else visitor_id

    def open_suites(self, keep: str = "") -> tuple[Suite, ...]:
        """Suites a new visit may be made to: the open ones (and ``keep``, the suite a
        report already names, even if it has closed since)."""
        return tuple(s for s in self.suites if s.open or s.id == keep)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferenceData:
        optional = {
            key: data[key]
            for key in ("reference_prefix", "time_zone", "custody_number_pattern")
            if isinstance(data.get(key), str) and data[key]
        }
        return cls(
            scheme=data["scheme"],
            panels=tuple(data["panels"]),
            suites=tuple(Suite(**s) for s in data["suites"]),
            visitors=tuple(Visitor(**v) for v in data["visitors"]),
            **optional,
        )


def load_shipped() -> ReferenceData:
    """The synthetic reference data shipped in resources/reference.json."""
    text = resources.files("icv_app.resources").joinpath("reference.json").read_text("utf-8")
    return ReferenceData.from_dict(json.loads(text))
