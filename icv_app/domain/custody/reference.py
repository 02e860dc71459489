"""Reference data: the scheme's custody suites, panels and visitors, and how it wants its
reports: the prefix of its report references, its time zone and the pattern of its
custody record numbers (each with a default, so older reference files still load)."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
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


# Reference data as synced records ------------------------------------------------------
#
# A coordinator keeps the scheme's suites, panels and visitors up to date in the app; each
# is a record of its own kind (icv_app.kinds.reference) that syncs to every laptop. A
# record's ``id`` is its identity for sync (a UUID); its ``code`` is the key reports hold
# (``Header.suite_id``, ``VisitorOnVisit.visitor_id``; a panel by its name), so a suite
# can be renamed, closed or reopened without touching a report that names it.


@dataclass
class SuiteRecord:
    code: str = ""
    name: str = ""
    area: str = ""
    panel: str = ""
    hours: str = "24-hour"  # or "reserve"
    open: bool = True
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def as_suite(self) -> Suite:
        return Suite(self.code or self.id, self.name, self.area, self.panel, self.hours,
                     self.open)


@dataclass
class PanelRecord:
    name: str = ""
    code: str = ""
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class VisitorRecord:
    code: str = ""
    name: str = ""
    panel: str = ""
    active: bool = True
    tact: bool = False
    trainee: bool = False
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def as_visitor(self) -> Visitor:
        return Visitor(self.code or self.id, self.name, self.panel, self.active, self.tact,
                       self.trainee)


HOURS = ("24-hour", "reserve")
# Record ids made from a code, so importing the same reference file twice updates the
# records it made the first time instead of doubling them.
_REFERENCE_NAMESPACE = uuid.UUID("6f1f4d1e-5a4b-4d9e-9a53-2c3b8f0e7a11")


def record_id_for(kind: str, code: str) -> str:
    return str(uuid.uuid5(_REFERENCE_NAMESPACE, f"{kind}:{code}"))


def records_from(reference: ReferenceData) -> tuple[
    list[SuiteRecord], list[PanelRecord], list[VisitorRecord]
]:
    """The records that hold ``reference``'s suites, panels and visitors."""
    suites = [SuiteRecord(s.id, s.name, s.area, s.panel, s.hours, s.open,
                          record_id_for("suite", s.id)) for s in reference.suites]
    panels = [PanelRecord(p, p, record_id_for("panel", p)) for p in reference.panels]
    visitors = [VisitorRecord(v.id, v.name, v.panel, v.active, v.tact, v.trainee,
                              record_id_for("visitor", v.id)) for v in reference.visitors]
    return suites, panels, visitors


def with_records(
    base: ReferenceData,
    suites: Iterable[SuiteRecord] = (),
    panels: Iterable[PanelRecord] = (),
    visitors: Iterable[VisitorRecord] = (),
) -> ReferenceData:
    """``base`` (the scheme's settings and the shipped lists) with each list that has
    synced records replaced by them, sorted by name. A laptop that has never synced
    keeps the shipped lists; once the scheme's records arrive, they are the lists."""
    suite_list = sorted((r.as_suite() for r in suites), key=lambda s: s.name.casefold())
    panel_list = sorted({p.name for p in panels if p.name}, key=str.casefold)
    visitor_list = sorted((r.as_visitor() for r in visitors),
                          key=lambda v: v.name.casefold())
    return dataclasses.replace(
        base,
        suites=tuple(suite_list) if suite_list else base.suites,
        panels=tuple(panel_list) if panel_list else base.panels,
        visitors=tuple(visitor_list) if visitor_list else base.visitors,
    )
