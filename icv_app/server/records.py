"""Synced records on the server: applying a pushed batch, pulling changes, the scope check.

A push is decided record by record, in order, against the server's copy (and the earlier
records of the same batch), then written in one transaction that commits before the
answer goes out. Bodies are parsed before the transaction starts, so the time spent
holding the seq lock is database work only. One bad record is rejected with a reason;
it never stops the others.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass, replace
from typing import Any

import cattrs
from sqlalchemy import Engine, and_, bindparam, or_, select
from sqlalchemy.engine import Connection

from icv_app.domain import validation
from icv_app.domain.serialize import from_dict
from icv_app.domain.visit import Amendment, VisitReport, VisitStatus
from icv_app.server import audit, policy
from icv_app.server.audit import AuditEntry
from icv_app.server.auth import Principal
from icv_app.server.storage import (
    current_seq,
    lock_seq,
    read,
    record_revisions,
    records,
    store_seq,
    users,
    write,
)
from icv_app.sync.wire import (
    CheckResponse,
    Problem,
    PullResponse,
    PushRecord,
    PushResult,
    PushStatus,
    RecordState,
    RecordType,
    RejectCode,
    scope_digest,
)

log = logging.getLogger(__name__)

MAX_BODY_CHARS = 2_000_000


@dataclass(frozen=True)
class Stored:
    """The server's current copy of one record."""

    type: RecordType
    id: str
    rev: int
    seq: int
    deleted: bool
    body: str | None
    content_hash: str
    owner_id: str
    owner: str
    scope_owner_id: str
    visit_id: str | None
    status: str | None
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
class Prepared:
    """A pushed record, parsed and checked on its own (before any database access)."""

    record: PushRecord
    id: str
    body: str | None = None
    content_hash: str = ""
    visit_id: str | None = None  # amendments
    status: str | None = None  # visits
    rejected: PushResult | None = None


def content_hash(body: str | None, deleted: bool) -> str:
    return hashlib.sha256(f"{int(deleted)}:{body or ''}".encode()).hexdigest()


def canonical_json(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def _rejected(
    record: PushRecord,
    code: RejectCode,
    reason: str,
    problems: list[Problem] | None = None,
) -> PushResult:
    return PushResult(
        type=record.type, id=str(record.id), rev=record.rev, status=PushStatus.REJECTED,
        code=code, reason=reason, problems=problems,
    )


def _canonical_id(value: object) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def prepare(record: PushRecord) -> Prepared:
    """Parse and check one record against the rules that need no server state."""
    rid = str(record.id)
    base = Prepared(record=record, id=rid)
    if record.rev <= record.base_rev:
        return replace(base, rejected=_rejected(
            record, RejectCode.INVALID, "rev must be greater than base_rev."
        ))
    if record.deleted:
        return replace(base, content_hash=content_hash(None, True))
    if record.body is None:
        return replace(base, rejected=_rejected(
            record, RejectCode.INVALID, "A record that is not deleted needs a body."
        ))
    try:
        body = canonical_json(record.body)
    except ValueError:
        return replace(base, rejected=_rejected(
            record, RejectCode.INVALID, "The body is not valid JSON (NaN or infinity)."
        ))
    if len(body) > MAX_BODY_CHARS:
        return replace(base, rejected=_rejected(
            record, RejectCode.INVALID, "The record is too large for the server."
        ))
    prepared = replace(base, body=body, content_hash=content_hash(body, False))
    if record.type is RecordType.VISIT:
        return _prepare_visit(prepared, record.body)
    return _prepare_amendment(prepared, record.body)


def _structure(prepared: Prepared, data: dict[str, Any], cls: type[Any]) -> Any:
    try:
        obj = from_dict(data, cls)
    except Exception as exc:
        messages = cattrs.transform_error(exc) if isinstance(exc, cattrs.BaseValidationError) \
            else [f"{type(exc).__name__}"]
        reason = f"The {prepared.record.type.value} is not well formed: " + "; ".join(
            messages[:10]
        )
        return _rejected(prepared.record, RejectCode.INVALID, reason)
    if _canonical_id(getattr(obj, "id", None)) != prepared.id:
        return _rejected(
            prepared.record, RejectCode.INVALID, "The body's id is not the record's id."
        )
    return obj


def _prepare_visit(prepared: Prepared, data: dict[str, Any]) -> Prepared:
    report = _structure(prepared, data, VisitReport)
    if isinstance(report, PushResult):
        return replace(prepared, rejected=report)
    assert isinstance(report, VisitReport)
    problems: list[Problem] = []
    if not report.header.suite_id.strip():
        problems.append(Problem(field="header.suite_id", message="Choose the custody suite."))
    if report.is_submitted:
        problems += [
            Problem(field=p.field, message=p.message) for p in validation.errors(report)
            if p.field != "header.suite_id"
        ]
    if problems:
        return replace(prepared, rejected=_rejected(
            prepared.record,
            RejectCode.PROBLEMS,
            "The report has problems to fix: "
            + "; ".join(f"{p.field}: {p.message}" for p in problems),
            problems,
        ))
    return replace(prepared, status=report.status.value)


def _prepare_amendment(prepared: Prepared, data: dict[str, Any]) -> Prepared:
    amendment = _structure(prepared, data, Amendment)
    if isinstance(amendment, PushResult):
        return replace(prepared, rejected=amendment)
    assert isinstance(amendment, Amendment)
    problems = []
    if not amendment.reason.strip():
        problems.append(Problem(field="reason", message="An amendment needs a reason."))
    if not amendment.text.strip():
        problems.append(Problem(field="text", message="An amendment needs the corrected text."))
    if problems:
        return replace(prepared, rejected=_rejected(
            prepared.record,
            RejectCode.PROBLEMS,
            "; ".join(p.message for p in problems),
            problems,
        ))
    visit_id = _canonical_id(amendment.visit_id)
    if visit_id is None:
        return replace(prepared, rejected=_rejected(
            prepared.record, RejectCode.REFERENCE, "The amendment's visit_id is not a visit id."
        ))
    return replace(prepared, visit_id=visit_id)


# --- deciding ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    stored: Stored
    is_new: bool


def decide(
    prepared: Prepared,
    current: Stored | None,
    visit: Stored | None,
    accepted_revs: dict[tuple[str, str, int], tuple[str, int]],
    principal: Principal,
    seq: int,
    now: dt.datetime,
) -> PushResult | Accepted:
    """The answer for one record. ``visit``: an amendment's visit as the server has it;
    ``accepted_revs``: (type, id, rev) -> (content hash, seq) of earlier accepted revs;
    ``seq``: the seq this record gets if it is accepted."""
    record = prepared.record
    role = principal.role
    if record.type not in policy.record_types(role):
        return _rejected(
            record, RejectCode.FORBIDDEN,
            f"Your role ({role.value}) cannot record {record.type.value}s.",
        )
    if prepared.rejected is not None:
        return prepared.rejected
    if current is not None and not policy.may_access(
        role, principal.user_id, current.scope_owner_id
    ):
        return _rejected(
            record, RejectCode.FORBIDDEN,
            "This record belongs to another user; you may change only your own records.",
        )
    key = (record.type.value, prepared.id, record.rev)
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
    if current is not None and not current.deleted:
        if current.type is RecordType.VISIT and current.status == VisitStatus.SUBMITTED.value:
            return _rejected(
                record, RejectCode.IMMUTABLE,
                "This visit report was submitted and cannot be changed; add an amendment.",
            )
        if current.type is RecordType.AMENDMENT:
            return _rejected(
                record, RejectCode.IMMUTABLE,
                "An amendment cannot be changed once it is on the server; add another.",
            )

    scope_owner = current.scope_owner_id if current else principal.user_id
    visit_id = prepared.visit_id if prepared.visit_id else (current.visit_id if current else None)
    if record.type is RecordType.AMENDMENT and not record.deleted:
        if (
            visit is None
            or visit.deleted
            or not policy.may_access(role, principal.user_id, visit.scope_owner_id)
        ):
            return _rejected(
                record, RejectCode.REFERENCE,
                "The visit this amendment corrects is not on the server (or not yours); "
                "sync the visit first.",
            )
        if visit.status != VisitStatus.SUBMITTED.value:
            return _rejected(
                record, RejectCode.REFERENCE,
                "Only a submitted report is amended; this visit is still a draft.",
            )
        scope_owner = visit.scope_owner_id
    status = prepared.status
    if record.type is RecordType.VISIT and record.deleted and current is not None:
        status = current.status
    stored = Stored(
        type=record.type,
        id=prepared.id,
        rev=record.rev,
        seq=seq,
        deleted=record.deleted,
        body=prepared.body,
        content_hash=prepared.content_hash,
        owner_id=current.owner_id if current else principal.user_id,
        owner=current.owner if current else principal.username,
        scope_owner_id=scope_owner,
        visit_id=visit_id,
        status=status,
        last_device_id=principal.device_id,
        created_at=current.created_at if current else now,
        updated_at=now,
    )
    return Accepted(stored=stored, is_new=current is None)


# --- push ----------------------------------------------------------------------------------


_STORED_COLUMNS = (
    records.c.type, records.c.id, records.c.rev, records.c.seq, records.c.deleted,
    records.c.body, records.c.content_hash, records.c.owner_id,
    users.c.username.label("owner"), records.c.scope_owner_id, records.c.visit_id,
    records.c.status, records.c.last_device_id, records.c.created_at, records.c.updated_at,
)


def _stored(row: Any) -> Stored:
    m = dict(row._mapping)
    m["type"] = RecordType(m["type"])
    m["deleted"] = bool(m["deleted"])
    return Stored(**m)


def _load(conn: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Stored]:
    by_type: dict[str, list[str]] = {}
    for t, i in keys:
        by_type.setdefault(t, []).append(i)
    if not by_type:
        return {}
    where = or_(*(and_(records.c.type == t, records.c.id.in_(ids))
                  for t, ids in by_type.items()))
    query = (
        select(*_STORED_COLUMNS)
        .join(users, users.c.id == records.c.owner_id)
        .where(where)
    )
    found = [_stored(row) for row in conn.execute(query)]
    return {(s.type.value, s.id): s for s in found}


def _load_revisions(
    conn: Connection, keys: set[tuple[str, str]]
) -> dict[tuple[str, str, int], tuple[str, int]]:
    ids = sorted({i for _t, i in keys})
    if not ids:
        return {}
    rows = conn.execute(
        select(
            record_revisions.c.type, record_revisions.c.id, record_revisions.c.rev,
            record_revisions.c.content_hash, record_revisions.c.seq,
        ).where(record_revisions.c.id.in_(ids))
    )
    return {(r.type, r.id, r.rev): (r.content_hash, r.seq) for r in rows}


def push(
    engine: Engine, principal: Principal, batch: list[PushRecord], now: dt.datetime
) -> list[PushResult]:
    prepared = [prepare(r) for r in batch]
    keys = {(p.record.type.value, p.id) for p in prepared}
    keys |= {(RecordType.VISIT.value, p.visit_id) for p in prepared if p.visit_id}
    results: list[PushResult] = []
    entries: list[AuditEntry] = []
    revisions: list[dict[str, Any]] = []
    actor = principal.actor()
    with write(engine) as conn:
        seq = lock_seq(conn)
        before = _load(conn, keys)
        state = dict(before)
        accepted_revs = _load_revisions(conn, keys)
        for p in prepared:
            key = (p.record.type.value, p.id)
            visit = state.get((RecordType.VISIT.value, p.visit_id)) if p.visit_id else None
            try:
                outcome = decide(
                    p, state.get(key), visit, accepted_revs, principal, seq + 1, now
                )
            except Exception:  # a bug must cost one record, not the batch
                log.exception("deciding a pushed %s failed", p.record.type.value)
                outcome = _rejected(
                    p.record, RejectCode.INTERNAL,
                    "The server failed on this record; it has been logged.",
                )
            if isinstance(outcome, Accepted):
                seq += 1
                stored = outcome.stored
                state[key] = stored
                accepted_revs[(*key, stored.rev)] = (stored.content_hash, seq)
                revisions.append({
                    "type": key[0], "id": stored.id, "rev": stored.rev, "seq": seq,
                    "content_hash": stored.content_hash, "user_id": principal.user_id,
                    "device_id": principal.device_id, "accepted_at": now,
                })
                entries.append(AuditEntry(
                    "record.deleted" if stored.deleted else "record.accepted", actor,
                    key[0], stored.id, {"rev": stored.rev, "seq": seq},
                ))
                results.append(PushResult(
                    type=p.record.type, id=p.id, rev=stored.rev,
                    status=PushStatus.ACCEPTED, seq=seq,
                ))
                continue
            results.append(outcome)
            if outcome.status is PushStatus.CONFLICT:
                entries.append(AuditEntry(
                    "record.conflict", actor, key[0], p.id,
                    {"rev": p.record.rev, "base_rev": p.record.base_rev},
                ))
            elif outcome.status is PushStatus.REJECTED:
                # The reason may quote the record (a custody number): log the code only.
                entries.append(AuditEntry(
                    "record.rejected", actor, key[0], p.id,
                    {"rev": p.record.rev, "code": outcome.code.value if outcome.code else None},
                ))
        _write_changes(conn, before, state, revisions, _client_clocks(prepared))
        audit.record_many(conn, entries, now)
        store_seq(conn, seq)
    return results


def _client_clocks(prepared: list[Prepared]) -> dict[tuple[str, str], str | None]:
    """The laptop's clock at each record's last pushed change (informational only)."""
    out: dict[tuple[str, str], str | None] = {}
    for p in prepared:
        modified = p.record.modified_at
        out[(p.record.type.value, p.id)] = modified.isoformat() if modified else None
    return out


def _row(stored: Stored, principal_user: str, modified: str | None) -> dict[str, Any]:
    return {
        "type": stored.type.value, "id": stored.id, "rev": stored.rev, "seq": stored.seq,
        "deleted": stored.deleted, "body": stored.body, "content_hash": stored.content_hash,
        "owner_id": stored.owner_id, "scope_owner_id": stored.scope_owner_id,
        "visit_id": stored.visit_id, "status": stored.status,
        "last_user_id": principal_user, "last_device_id": stored.last_device_id,
        "created_at": stored.created_at, "updated_at": stored.updated_at,
        "client_modified_at": modified,
    }


def _write_changes(
    conn: Connection,
    before: dict[tuple[str, str], Stored],
    state: dict[tuple[str, str], Stored],
    revisions: list[dict[str, Any]],
    modified: dict[tuple[str, str], str | None],
) -> None:
    if not revisions:
        return
    user_of = {(r["type"], r["id"]): r["user_id"] for r in revisions}
    changed = [
        (key, s) for key, s in state.items()
        if key in user_of and (key not in before or before[key] is not s)
    ]
    inserts = [_row(s, user_of[k], modified.get(k)) for k, s in changed if k not in before]
    updates = [_row(s, user_of[k], modified.get(k)) for k, s in changed if k in before]
    if inserts:
        conn.execute(records.insert(), inserts)
    if updates:
        conn.execute(
            records.update()
            .where(records.c.type == bindparam("k_type"), records.c.id == bindparam("k_id"))
            .values({c: bindparam(f"v_{c}") for c in updates[0] if c not in ("type", "id")}),
            [
                {"k_type": u["type"], "k_id": u["id"], **{f"v_{c}": v for c, v in u.items()}}
                for u in updates
            ],
        )
    conn.execute(record_revisions.insert(), revisions)


# --- pull and check ------------------------------------------------------------------------


def _scope(query: Any, principal: Principal) -> Any:
    types = [t.value for t in policy.record_types(principal.role)]
    query = query.where(records.c.type.in_(types))
    if not policy.sees_whole_scheme(principal.role):
        query = query.where(records.c.scope_owner_id == principal.user_id)
    return query


def pull(engine: Engine, principal: Principal, since: int, limit: int) -> PullResponse:
    """Changes visible to this user after ``since``, in seq order, at most ``limit``.

    If ``since`` is past the server's latest seq (a server restored from a backup), the
    answer's ``next_since`` is below ``since``: the client should pull again from 0.
    """
    with read(engine) as conn:
        upper = current_seq(conn)
        if not policy.record_types(principal.role) or since >= upper:
            return PullResponse(changes=[], next_since=upper, has_more=False)
        query = (
            select(*_STORED_COLUMNS)
            .join(users, users.c.id == records.c.owner_id)
            .where(records.c.seq > since, records.c.seq <= upper)
            .order_by(records.c.seq)
            .limit(limit + 1)
        )
        rows = [_stored(r) for r in conn.execute(_scope(query, principal))]
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_since = rows[-1].seq if has_more else upper
    return PullResponse(
        changes=[r.state() for r in rows], next_since=next_since, has_more=has_more
    )


def check(engine: Engine, principal: Principal) -> CheckResponse:
    with read(engine) as conn:
        upper = current_seq(conn)
        items: list[tuple[str, str, int]] = []
        if policy.record_types(principal.role):
            query = select(records.c.type, records.c.id, records.c.rev).where(
                records.c.deleted.is_(False)
            )
            items = [(r.type, r.id, r.rev) for r in conn.execute(_scope(query, principal))]
    counts = {t.value: 0 for t in policy.record_types(principal.role)}
    for t, _i, _r in items:
        counts[t] = counts.get(t, 0) + 1
    return CheckResponse(
        count=len(items), digest=scope_digest(items), as_of_seq=upper, counts=counts
    )
