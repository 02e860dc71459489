"""The scheme's reference records on this laptop (suites, panels, visitors), read as the
domain's record dataclasses. A body this version cannot read is skipped (it is kept, and
shown as held aside, by the sync machinery)."""

from __future__ import annotations

import json
from typing import Any

from icv_app import kinds
from icv_app.domain.custody.reference import PanelRecord, SuiteRecord, VisitorRecord
from icv_app.kinds.base import Unreadable
from icv_app.store.database import Queryable


def _bodies(db: Queryable, kind_name: str) -> list[Any]:
    kind = kinds.require(kind_name)
    out = []
    for (body,) in db.execute(f"SELECT body FROM {kind.table} WHERE deleted = 0"):
        try:
            out.append(kind.structure(json.loads(body)))
        except (Unreadable, ValueError):
            continue
    return out


def load_reference_records(
    db: Queryable,
) -> tuple[list[SuiteRecord], list[PanelRecord], list[VisitorRecord]]:
    return _bodies(db, "suite"), _bodies(db, "panel"), _bodies(db, "visitor")
