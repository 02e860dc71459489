"""The server's answer for one pushed record, given the copies it holds: accepted,
duplicate, conflict or rejected. No SQL: :mod:`records` loads the state and writes the
outcome.

The same rules hold for every kind (:mod:`icv_app.kinds`): the role must be allowed to
write the kind and reach the record; a final record is never changed; a child needs its
parent on the server, reachable, and final where the kind says so; it lives in its
parent's scope.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

from icv_app import kinds
from icv_app.kinds import Relation
from icv_app.server import policy
from icv_app.server.auth import Principal
from icv_app.server.record_prep import Prepared, rejected
from icv_app.sync.wire import PushResult, PushStatus, RecordState, RejectCode


@dataclass(frozen=True)
class Stored:
    """The server's current copy of one record."""

    type: str
    id: str
    rev: int
    seq: int
    deleted: bool
    body: str | None
    content_hash: str
    owner_id: str
    owner: str
    scope_owner_id: str
    parent_id: str | None
    final: bool
    assignee_id: str | None
    body_version: int
    last_device_id: str | None
    created_at: dt.datetime
    updated_at: dt.datetime

    def state(self) -> RecordState:
        return RecordState(
            seq=self.seq,
            type=self.type,
            id=self.id,
            rev=self.rev,
            deleted=self.deleted,
            body=json.loads(self.body) if self.body is not None else None,
            owner_id=self.owner_id,
            owner=self.owner,
            updated_at=self.updated_at,
        )


@dataclass(frozen=True)
class Accepted:
    stored: Stored
    is_new: bool


def decide(
    prepared: Prepared,
    current: Stored | None,
    parent: Stored | None,
    accepted_revs: dict[tuple[str, str, int], tuple[str, int]],
    principal: Principal,
    seq: int,
    now: dt.datetime,
    owners: Mapping[str, str] | None = None,
) -> PushResult | Accepted:
    """``parent``: the record's parent as the server has it; ``accepted_revs``: (type, id,
    rev) -> (content hash, seq) of earlier accepted revs; ``seq``: the seq this record gets
    if it is accepted; ``owners``: id -> username of the accounts named as owners by
    records sent back after a restore."""
    owners = owners or {}
    record = prepared.record
    role = principal.role
    kind = prepared.kind
    if kind is None or kind.may_write(role.value) is None:
        if prepared.rejected is not None and kind is None:
            return prepared.rejected
        label = kind.label if kind else record.type
        return rejected(
            record, RejectCode.FORBIDDEN, f"Your role ({role.value}) cannot record {label}s."
        )
    if prepared.rejected is not None:
        return prepared.rejected
    if current is not None and not policy.may_write(kind, role, principal.user_id, current):
        return rejected(
            record, RejectCode.FORBIDDEN,
            "This record belongs to another user; you may change only your own records.",
        )
    key = (record.type, prepared.id, record.rev)
    earlier = accepted_revs.get(key)
    if earlier is not None and earlier[0] == prepared.content_hash:
        return PushResult(
            type=record.type, id=prepared.id, rev=record.rev, status=PushStatus.DUPLICATE,
            seq=earlier[1],
        )
    if current is not None and current.rev > record.base_rev:
        # A device that pushed rev N (and lost the answer) and then edited on: its rev
        # N+k descends from the server's copy, so that is no conflict.
        own_lineage = (
            current.last_device_id == principal.device_id and record.rev > current.rev
        )
        if not own_lineage:
            return PushResult(
                type=record.type, id=prepared.id, rev=record.rev,
                status=PushStatus.CONFLICT, server=current.state(),
                reason=(
                    f"The server has a newer version (rev {current.rev}) than the one this "
                    f"change was made on (rev {record.base_rev})."
                ),
            )
    if current is not None and not current.deleted and current.final:
        return rejected(record, RejectCode.IMMUTABLE, kind.final_message)

    owner_id, owner = principal.user_id, principal.username
    restored = record.owner_id
    if current is None and restored and restored in owners and (
        kind.may_write(role.value) in (Relation.SCHEME, Relation.EVERYONE)
    ):
        # A record the server lost, sent back by someone who may write all of its kind
        # (a coordinator's laptop after a restore): it goes back to whose it was.
        owner_id, owner = restored, owners[restored]
    scope_owner = current.scope_owner_id if current else owner_id
    parent_id = prepared.parent_id or (current.parent_id if current else None)
    if kind.parent is not None and not record.deleted:
        parent_kind = kinds.require(kind.parent)
        if (
            parent is None
            or parent.deleted
            or not policy.may_read(parent_kind, role, principal.user_id, parent)
        ):
            return rejected(
                record, RejectCode.REFERENCE,
                f"The {parent_kind.label} this {kind.label} belongs to is not on the server "
                f"(or not yours); sync the {parent_kind.label} first.",
            )
        if kind.parent_must_be_final and not parent.final:
            return rejected(
                record, RejectCode.REFERENCE,
                f"Only a final {parent_kind.label} takes a {kind.label}; this one is still a "
                "draft.",
            )
        scope_owner = parent.scope_owner_id
    final = prepared.final if not record.deleted else (current.final if current else False)
    stored = Stored(
        type=record.type,
        id=prepared.id,
        rev=record.rev,
        seq=seq,
        deleted=record.deleted,
        body=prepared.body,
        content_hash=prepared.content_hash,
        owner_id=current.owner_id if current else owner_id,
        owner=current.owner if current else owner,
        scope_owner_id=scope_owner,
        parent_id=parent_id,
        final=final,
        assignee_id=prepared.assignee_id if not record.deleted else (
            current.assignee_id if current else None),
        body_version=kind.body_version,
        last_device_id=principal.device_id,
        created_at=current.created_at if current else now,
        updated_at=now,
    )
    return Accepted(stored=stored, is_new=current is None)
