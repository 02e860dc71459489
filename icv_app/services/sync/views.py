"""What a person is shown of the sync problems they must settle, without Qt.

A :class:`ConflictView` puts both copies of a record that changed here and on the server
side by side, with the fields that differ (:func:`differences`); a :class:`RejectedView`
is a record the server refused, with its reason. Each carries the suite and visit date of
the report it belongs to (an amendment's are its visit's): that, not an id, is how a
person recognises which report is meant.

The views are built from the store's sync bookkeeping (:mod:`icv_app.store.sync.sync_records`)
with whatever reader the caller passes; :class:`~icv_app.services.sync.SyncService`
passes the store's reader, on the caller's (UI) thread.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from icv_app import kinds
from icv_app.store.sync import sync_records as sr


@dataclass(frozen=True)
class FieldDifference:
    """One field that differs between the two copies; ``path`` like ``header.panel`` or
    ``detainees[2].raised``. A value is ``None`` where that copy lacks the field."""

    path: str
    mine: Any
    theirs: Any


@dataclass(frozen=True)
class ConflictView:
    """Both copies of a record that changed here and on the server, for a side-by-side
    dialog. ``mine`` is this laptop's unsent copy, ``theirs`` the server's."""

    type: str
    id: str
    suite_id: str
    visit_date: str | None
    mine: dict[str, Any] | None
    theirs: dict[str, Any] | None
    theirs_deleted: bool
    mine_deleted: bool
    can_keep_mine: bool  # False when the server copy is final (submitted): keep theirs
    differences: list[FieldDifference]
    detected_at: str


@dataclass(frozen=True)
class RejectedView:
    """A record the server refused, with its reason, kept here for a person."""

    type: str
    id: str
    visit_id: str
    suite_id: str
    visit_date: str | None
    reason: str
    body: dict[str, Any]
    final: bool = False  # this laptop's copy is final (a submitted report): reopen to fix

    @property
    def can_reopen(self) -> bool:
        """A final record the server refused never reached it: it can be made a draft
        again, corrected and submitted anew (the way out for a rule it does not meet)."""
        return self.final and self.type == "visit"


def conflict_views(db: Any) -> list[ConflictView]:
    """Every conflict waiting for a person."""
    return [_conflict_view(c, db) for c in sr.list_conflicts(db)]


def rejected_views(db: Any) -> list[RejectedView]:
    """Every record the server refused that is still kept here."""
    out = []
    for r in sr.list_rejected(db):
        visit = r.body if r.type == "visit" else _visit_body(db, r.visit_id)
        header = (visit or {}).get("header", {})
        out.append(RejectedView(r.type, r.id, r.visit_id, header.get("suite_id", ""),
                                header.get("visit_date"), r.reason, r.body, r.final))
    return out


def differences(mine: Any, theirs: Any, path: str = "") -> list[FieldDifference]:
    """The leaves where two JSON-like values differ, in a stable order."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        out: list[FieldDifference] = []
        for key in sorted(set(mine) | set(theirs), key=str):
            sub = f"{path}.{key}" if path else str(key)
            out += differences(mine.get(key), theirs.get(key), sub)
        return out
    if isinstance(mine, list) and isinstance(theirs, list):
        out = []
        for i in range(max(len(mine), len(theirs))):
            out += differences(mine[i] if i < len(mine) else None,
                               theirs[i] if i < len(theirs) else None, f"{path}[{i}]")
        return out
    return [] if mine == theirs else [FieldDifference(path, mine, theirs)]


def _visit_body(db: Any, visit_id: str) -> dict[str, Any] | None:
    row = db.execute("SELECT body FROM visits WHERE id = ?", [visit_id]).fetchone()
    return json.loads(row[0]) if row else None


def _conflict_view(c: sr.Conflict, db: Any) -> ConflictView:
    visit = c.local_body or c.server_body or {}
    if c.type == "amendment":
        visit = _visit_body(db, str(visit.get("visit_id", ""))) or {}
    header = visit.get("header", {})
    kind = kinds.get(c.type)
    row = db.execute(
        f"SELECT deleted FROM {kind.table} WHERE id = ?", [c.id]
    ).fetchone() if kind else None
    mine_deleted = bool(row[0]) if row else False
    return ConflictView(
        type=c.type, id=c.id, suite_id=header.get("suite_id", ""),
        visit_date=header.get("visit_date"), mine=c.local_body, theirs=c.server_body,
        theirs_deleted=c.server_deleted, mine_deleted=mine_deleted,
        can_keep_mine=c.can_keep_mine,
        differences=differences(c.local_body, c.server_body),
        detected_at=c.detected_at,
    )
