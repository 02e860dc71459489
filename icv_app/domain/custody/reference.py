"""Reference data: the scheme's custody suites, panels and visitors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferenceData:
        return cls(
            scheme=data["scheme"],
            panels=tuple(data["panels"]),
            suites=tuple(Suite(**s) for s in data["suites"]),
            visitors=tuple(Visitor(**v) for v in data["visitors"]),
        )


def load_shipped() -> ReferenceData:
    """The synthetic reference data shipped in resources/reference.json."""
    text = resources.files("icv_app.resources").joinpath("reference.json").read_text("utf-8")
    return ReferenceData.from_dict(json.loads(text))
