"""Editing the scheme's suites, panels and visitors on a coordinator's laptop: the lists as
the coordinator edits them, the checks a save must pass, codes for new entries, and
saving (several records in one transaction).

Why the first save writes whole lists
-------------------------------------
The app offers a list from records as soon as one record of its kind is on the laptop,
and the shipped list until then (:func:`~icv_app.domain.custody.reference.with_records`
replaces a list whole, it never mixes the two). Saving a single new suite as the only
suite record would therefore leave every laptop offering that one suite. So while a list
is still the shipped one, a save writes every entry of it as records (with the edit), and
the lists still shipped alongside it too: panels and visitors name their panel by its
name, and a list made of records beside a shipped one would drift apart from it. The
records of a list written this way have ids made from their codes (as the server's import
of a reference file makes them), so two laptops that do this before syncing write the
same records, which sync sets side by side as conflicts instead of doubling every suite.
A list that has records already is never rewritten: its records keep their ids.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from icv_app.domain.custody.reference import (
    PanelRecord,
    SuiteRecord,
    VisitorRecord,
    records_from,
)
from icv_app.domain.custody.report_reference import id_code
from icv_app.kinds.base import Problem

if TYPE_CHECKING:
    from icv_app.services.custody.reference import ReferenceService

Record = SuiteRecord | PanelRecord | VisitorRecord
KIND_OF: dict[type, str] = {SuiteRecord: "suite", PanelRecord: "panel",
                            VisitorRecord: "visitor"}
KINDS = ("suite", "panel", "visitor")


def kind_of(record: Record) -> str:
    return KIND_OF[type(record)]


def _by_name(records: Iterable[Any]) -> list[Any]:
    return sorted(records, key=lambda r: (r.name.casefold(), r.code))


@dataclass
class ReferenceLists:
    """The three lists as the app offers them now. ``shipped``: the kinds whose list is
    still the app's own (no record of that kind on this laptop yet)."""

    suites: list[SuiteRecord]
    panels: list[PanelRecord]
    visitors: list[VisitorRecord]
    shipped: frozenset[str] = frozenset()

    def of(self, kind: str) -> list[Any]:
        lists: dict[str, list[Any]] = {"suite": self.suites, "panel": self.panels,
                                       "visitor": self.visitors}
        return lists[kind]

    def panel_names(self) -> list[str]:
        return [p.name for p in self.panels]

    def using_panel(self, name: str) -> tuple[list[SuiteRecord], list[VisitorRecord]]:
        return ([s for s in self.suites if s.panel == name],
                [v for v in self.visitors if v.panel == name])


# Codes ---------------------------------------------------------------------------------

def slug(name: str) -> str:
    """"Harbour View (reserve)" -> "harbour-view-reserve"."""
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


def unique_code(base: str, taken: Iterable[str]) -> str:
    used = {code.casefold() for code in taken}
    if base.casefold() not in used:
        return base
    n = 2
    while f"{base}-{n}".casefold() in used:
        n += 1
    return f"{base}-{n}"


def new_code(kind: str, name: str, record_id: str, lists: ReferenceLists) -> str:
    """The code a new entry gets, which reports then hold: a suite's and a panel's from
    its name (``suite-harbour-view``), a visitor's from its record's id (``v-7k3qf2m9``:
    a person's name is not copied into every report they make). Unique in its list."""
    taken = [r.code for r in lists.of(kind)]
    if kind == "visitor":
        return unique_code(f"v-{id_code(record_id).lower()}", taken)
    return unique_code(f"{kind}-{slug(name) or 'new'}", taken)


# Checks --------------------------------------------------------------------------------

def problems(record: Record, lists: ReferenceLists) -> list[Problem]:
    """What stops ``record`` being saved into ``lists``: its kind's own checks (the
    server's), and a name or code another entry of the list already has."""
    from icv_app import kinds

    kind = kind_of(record)
    out = list(kinds.require(kind).check(record))
    others = [r for r in lists.of(kind) if r.id != record.id]
    name = record.name.strip()
    what = {"suite": "suite", "panel": "panel", "visitor": "visitor"}[kind]
    if name and kind != "visitor" and any(r.name.strip().casefold() == name.casefold()
                                          for r in others):
        # Two people may share a name; two suites or panels offered alike may not.
        out.append(Problem("name", f"Another {what} is already called “{name}”."))
    if record.code and any(r.code.casefold() == record.code.casefold() for r in others):
        out.append(Problem("code", f"Another {what} already has the code “{record.code}”."))
    return out


# Saving --------------------------------------------------------------------------------

def records_to_write(lists: ReferenceLists, edited: Sequence[Record]) -> list[Record]:
    """``edited`` and, for every list still shipped, the rest of that list (see the
    module docstring), each record once, edits taking the place of what they change."""
    by_id = {r.id: r for r in edited}
    out: list[Record] = list(edited)
    for kind in KINDS:
        if kind in lists.shipped:
            out.extend(r for r in lists.of(kind) if r.id not in by_id)
    return out


def renamed_panel(lists: ReferenceLists, old: str, new: str) -> list[Record]:
    """The suites and visitors of panel ``old``, moved to its new name ``new``."""
    suites, visitors = lists.using_panel(old)
    return [*(dataclasses.replace(s, panel=new) for s in suites),
            *(dataclasses.replace(v, panel=new) for v in visitors)]


class ReferenceEditing:
    """The lists a coordinator edits, read through and written beside
    :class:`ReferenceService` (one transaction for all the records of a save)."""

    def __init__(self, references: ReferenceService) -> None:
        self.references = references

    def lists(self) -> ReferenceLists:
        """The lists as the app offers them: the records of each kind, or the shipped
        list where this laptop has none (quick: a few hundred rows at most)."""
        suites, panels, visitors = self.references.records()
        shipped_suites, shipped_panels, shipped_visitors = records_from(self.references.base)
        shipped = frozenset(kind for kind, found in
                            (("suite", suites), ("panel", panels), ("visitor", visitors))
                            if not found)
        return ReferenceLists(
            _by_name(suites or shipped_suites),
            _by_name(panels or shipped_panels),
            _by_name(visitors or shipped_visitors),
            shipped,
        )

    def last_synced(self) -> dt.datetime | None:
        """When this laptop last finished a sync (None: never)."""
        from icv_app.store.settings import LAST_SYNCED

        return LAST_SYNCED.get(self.references.store.reader)

    def save(self, records: Sequence[Record], origin: str | None = None) -> Future[int]:
        """Write ``records`` in one transaction (all or none); returns how many. Sent
        with the next sync; the server checks that the account may change them."""
        from icv_app.domain.serialize import to_dict
        from icv_app.store.records import save_record

        bodies = [(kind_of(r), to_dict(r)) for r in records]

        def job(db: Any) -> int:
            for kind, body in bodies:
                save_record(db, kind, body)
            return len(bodies)

        writer = self.references.store.writer
        return writer.submit(job) if origin is None else writer.submit(job, origin=origin)
