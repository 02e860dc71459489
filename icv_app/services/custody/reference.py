"""The scheme's reference data as this laptop knows it: the shipped settings and lists,
with the suites, panels and visitors that sync brought (or a coordinator edited here)
taking their place. Screens ask :meth:`ReferenceService.current` again when a change of
those kinds is announced (``StoreChange.kinds``)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from icv_app.domain.custody.reference import (
    PanelRecord,
    ReferenceData,
    SuiteRecord,
    VisitorRecord,
    with_records,
)
from icv_app.domain.serialize import to_dict
from icv_app.store.local_store import LocalStore

REFERENCE_KINDS = frozenset({"suite", "panel", "visitor"})


class ReferenceService:
    def __init__(self, store: LocalStore, base: ReferenceData) -> None:
        self.store = store
        self.base = base

    def current(self) -> ReferenceData:
        from icv_app.store.reference import load_reference_records

        suites, panels, visitors = load_reference_records(self.store.reader)
        return with_records(self.base, suites, panels, visitors)

    def records(self) -> tuple[list[SuiteRecord], list[PanelRecord], list[VisitorRecord]]:
        from icv_app.store.reference import load_reference_records

        return load_reference_records(self.store.reader)

    def save(self, record: SuiteRecord | PanelRecord | VisitorRecord) -> Future[int]:
        """Save a coordinator's edit of one record (sent with the next sync). The server
        checks the role: only coordinators and admins may change reference data."""
        from icv_app.store.records import save_record

        kind = {SuiteRecord: "suite", PanelRecord: "panel", VisitorRecord: "visitor"}[
            type(record)
        ]
        body = to_dict(record)

        def job(db: Any) -> int:
            return save_record(db, kind, body)

        return self.store.writer.submit(job)
