"""Synced records on the server: applying a pushed batch, pulling changes, the scope check,
and records the server itself writes (reference data).

A push is decided record by record, in order, against the server's copy (and the earlier
records of the same batch), then written in one transaction that commits before the
answer goes out. Bodies are parsed before the transaction starts
(:mod:`record_prep`), so the time spent holding the seq lock is database work only. One
bad record is rejected with a reason; it never stops the others. The records table
holds no kind-specific columns: what a kind needs beside its body (parent, final,
assignee) is derived from the body by the kind's declaration.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy import Engine, and_, bindparam, or_, select
from sqlalchemy.engine import Connection

from icv_app import kinds
from icv_app.kinds import Relation
from icv_app.log_privacy import withhold_messages
from icv_app.server import audit, policy
from icv_app.server.audit import AuditEntry
from icv_app.server.auth import Principal
from icv_app.server.record_prep import (  # re-exported for callers and tests
    MAX_BODY_CHARS as MAX_BODY_CHARS,
    Prepared,
    canonical_json as canonical_json,
    content_hash as content_hash,
    prepare,
    rejected,
)
from icv_app.server.record_rules import Accepted, Stored, decide
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
    PullResponse,
    PushRecord,
    PushResult,
    PushStatus,
    RecordKey,
    RejectCode,
    scope_digest,
)

# A failure's message can quote the record it failed on: log where, not what.
log = withhold_messages(logging.getLogger(__name__))

_STORED_COLUMNS = (
    records.c.type, records.c.id, records.c.rev, records.c.seq, records.c.deleted,
    records.c.body, records.c.content_hash, records.c.owner_id,
    users.c.username.label("owner"), records.c.scope_owner_id, records.c.parent_id,
    records.c.final, records.c.assignee_id, records.c.body_version,
    records.c.last_device_id, records.c.created_at, records.c.updated_at,
)


def _stored(row: Any) -> Stored:
    m = dict(row._mapping)
    m["deleted"] = bool(m["deleted"])
    m["final"] = bool(m["final"])
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
    return {(s.type, s.id): s for s in found}


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


def _usernames(conn: Connection, ids: set[str]) -> dict[str, str]:
    """The accounts that records sent back after a restore name as their owners."""
    if not ids:
        return {}
    rows = conn.execute(select(users.c.id, users.c.username).where(users.c.id.in_(ids)))
    return {r.id: r.username for r in rows}


def _parent_key(p: Prepared) -> tuple[str, str] | None:
    if p.kind is None or p.kind.parent is None or p.parent_id is None:
        return None
    return (p.kind.parent, p.parent_id)


def push(
    engine: Engine, principal: Principal, batch: list[PushRecord], now: dt.datetime
) -> list[PushResult]:
    prepared = [prepare(r) for r in batch]
    keys = {(p.record.type, p.id) for p in prepared}
    keys |= {k for p in prepared if (k := _parent_key(p)) is not None}
    results: list[PushResult] = []
    entries: list[AuditEntry] = []
    revisions: list[dict[str, Any]] = []
    actor = principal.actor()
    with write(engine) as conn:
        seq = lock_seq(conn)
        before = _load(conn, keys)
        state = dict(before)
        accepted_revs = _load_revisions(conn, keys)
        owners = _usernames(conn, {o for p in prepared if (o := p.record.owner_id)})
        for p in prepared:
            key = (p.record.type, p.id)
            current = state.get(key)
            parent_key = _parent_key(p)
            if parent_key is None and current is not None and current.parent_id and p.kind \
                    and p.kind.parent:
                parent_key = (p.kind.parent, current.parent_id)
            parent = state.get(parent_key) if parent_key else None
            try:
                outcome = decide(p, current, parent, accepted_revs, principal, seq + 1, now,
                                 owners)
            except Exception:  # a bug must cost one record, not the batch
                log.exception("deciding a pushed %s failed", p.record.type)
                outcome = rejected(
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
                    status=PushStatus.ACCEPTED, seq=seq, stored_at=now,
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


def write_server_record(
    engine: Engine,
    principal: Principal,
    kind_name: str,
    record_id: str,
    body: dict[str, Any] | None,
    now: dt.datetime,
) -> int:
    """Write a server-authored record (reference data) as ``principal``: a new rev with
    the next seq, pulled by every role the kind lets read it. Returns its seq.

    The body is checked like a pushed one (strict reading, the kind's rules)."""
    kind = kinds.require(kind_name)
    with write(engine) as conn:
        seq = lock_seq(conn) + 1
        current = _load(conn, {(kind.name, record_id)}).get((kind.name, record_id))
        rev = (current.rev if current else 0) + 1
        prepared = prepare(PushRecord(
            type=kind.name, id=record_id,
            rev=rev, base_rev=rev - 1, deleted=body is None, body=body,
        ))
        if prepared.rejected is not None:
            raise ValueError(prepared.rejected.reason)
        stored = Stored(
            type=kind.name, id=prepared.id, rev=rev, seq=seq, deleted=body is None,
            body=prepared.body, content_hash=prepared.content_hash,
            owner_id=current.owner_id if current else principal.user_id,
            owner=current.owner if current else principal.username,
            scope_owner_id=current.scope_owner_id if current else principal.user_id,
            parent_id=prepared.parent_id, final=prepared.final,
            assignee_id=prepared.assignee_id, body_version=kind.body_version,
            last_device_id=principal.device_id,
            created_at=current.created_at if current else now, updated_at=now,
        )
        key = (kind.name, prepared.id)
        before = {key: current} if current else {}
        revision = {"type": kind.name, "id": stored.id, "rev": rev, "seq": seq,
                    "content_hash": stored.content_hash, "user_id": principal.user_id,
                    "device_id": principal.device_id, "accepted_at": now}
        _write_changes(conn, before, {key: stored}, [revision], {})
        audit.record_many(conn, [AuditEntry(
            "record.deleted" if body is None else "record.written", principal.actor(),
            kind.name, stored.id, {"rev": rev, "seq": seq},
        )], now)
        store_seq(conn, seq)
    return seq


def _client_clocks(prepared: list[Prepared]) -> dict[tuple[str, str], str | None]:
    """The laptop's clock at each record's last pushed change (informational only)."""
    out: dict[tuple[str, str], str | None] = {}
    for p in prepared:
        modified = p.record.modified_at
        out[(p.record.type, p.id)] = modified.isoformat() if modified else None
    return out


def _row(stored: Stored, principal_user: str, modified: str | None) -> dict[str, Any]:
    return {
        "type": stored.type, "id": stored.id, "rev": stored.rev, "seq": stored.seq,
        "deleted": stored.deleted, "body": stored.body, "content_hash": stored.content_hash,
        "owner_id": stored.owner_id, "scope_owner_id": stored.scope_owner_id,
        "parent_id": stored.parent_id, "final": stored.final,
        "assignee_id": stored.assignee_id, "body_version": stored.body_version,
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
    """Only the records this user reaches: each kind through its relation for the role."""
    by_relation: dict[Relation, list[str]] = {}
    for name, relation in policy.readable_kinds(principal.role).items():
        by_relation.setdefault(relation, []).append(name)
    clauses: list[Any] = []
    everything = by_relation.get(Relation.SCHEME, []) + by_relation.get(Relation.EVERYONE, [])
    if everything:
        clauses.append(records.c.type.in_(everything))
    if by_relation.get(Relation.OWN):
        clauses.append(and_(records.c.type.in_(by_relation[Relation.OWN]),
                            records.c.scope_owner_id == principal.user_id))
    if by_relation.get(Relation.ASSIGNED):
        clauses.append(and_(
            records.c.type.in_(by_relation[Relation.ASSIGNED]),
            or_(records.c.assignee_id == principal.user_id,
                records.c.scope_owner_id == principal.user_id),
        ))
    return query.where(or_(*clauses)) if clauses else query.where(records.c.seq < 0)


def pull(engine: Engine, principal: Principal, since: int, limit: int) -> PullResponse:
    """Changes visible to this user after ``since``, in seq order, at most ``limit``.

    If ``since`` is past the server's latest seq (a server restored from a backup), the
    answer's ``next_since`` is below ``since``: the client should pull again from 0.
    """
    with read(engine) as conn:
        upper = current_seq(conn)
        if not policy.readable_kinds(principal.role) or since >= upper:
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


def locate(engine: Engine, keys: list[RecordKey]) -> list[RecordKey]:
    """Which of these records the server holds at all (in scope or not, deleted or not).

    A laptop asks after a full re-pull about records it holds as synced that the pull did
    not bring: the server answers with existence only, never content, and a record id is
    a random UUID that only those who held the record know.
    """
    if not keys:
        return []
    with read(engine) as conn:
        found = _load(conn, {(k.type, k.id) for k in keys})
    return [k for k in keys if (k.type, k.id) in found]


def check(engine: Engine, principal: Principal, now: dt.datetime) -> CheckResponse:
    readable = policy.readable_kinds(principal.role)
    with read(engine) as conn:
        upper = current_seq(conn)
        items: list[tuple[str, str, int]] = []
        if readable:
            query = select(records.c.type, records.c.id, records.c.rev).where(
                records.c.deleted.is_(False)
            )
            items = [(r.type, r.id, r.rev) for r in conn.execute(_scope(query, principal))]
    counts = dict.fromkeys(readable, 0)
    for t, _i, _r in items:
        counts[t] = counts.get(t, 0) + 1
    return CheckResponse(
        count=len(items), digest=scope_digest(items), as_of_seq=upper, counts=counts,
        server_time=now,
    )
