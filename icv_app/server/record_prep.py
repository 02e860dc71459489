"""A pushed record, parsed and checked on its own, before any database access.

Everything that needs no server state happens here, outside the push transaction (so the
seq lock is held for database work only): the kind is looked up in :mod:`icv_app.kinds`,
the body is canonicalised and bounded, read strictly (a known field of the wrong type or
an enum value the server does not know is refused, never read loosely), checked against
the kind's rules, and what the server keeps beside the body (parent, final, assignee) is
derived from it. Unknown fields are kept: the body is stored as sent.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, replace
from typing import Any

from icv_app import kinds
from icv_app.kinds import Kind, Unreadable
from icv_app.kinds.bodies import read_strictly
from icv_app.sync.wire import (
    MAX_REV_STEP,
    Problem,
    PushRecord,
    PushResult,
    PushStatus,
    RejectCode,
)

MAX_BODY_CHARS = 2_000_000
# Far deeper than any kind's body (a visit's is 5 levels): a body nested deeper could not
# be sent back out in a pull, and would stop every laptop that pulls it.
MAX_BODY_DEPTH = 32
# Any one text in a body (the longest a person types is an issue's account: a few pages).
MAX_STRING_CHARS = 200_000
# Numbers in a body are exact JSON integers: beyond +-2^53 some readers round them, and
# two laptops would then hold different values under one content hash.
MAX_SAFE_INT = 2**53 - 1


@dataclass(frozen=True)
class Prepared:
    record: PushRecord
    id: str
    kind: Kind | None = None
    body: str | None = None
    content_hash: str = ""
    parent_id: str | None = None
    final: bool = False
    assignee_id: str | None = None
    rejected: PushResult | None = None


def content_hash(body: str | None, deleted: bool) -> str:
    return hashlib.sha256(f"{int(deleted)}:{body or ''}".encode()).hexdigest()


def canonical_json(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def rejected(
    record: PushRecord, code: RejectCode, reason: str, problems: list[Problem] | None = None
) -> PushResult:
    return PushResult(
        type=record.type, id=record.id, rev=record.rev, status=PushStatus.REJECTED,
        code=code, reason=reason, problems=problems,
    )


def canonical_id(value: object) -> str | None:
    """The id in canonical form (lower-case UUID), or None if it is not one exactly."""
    if not isinstance(value, str):
        return None
    try:
        canonical = str(uuid.UUID(value))
    except ValueError:
        return None
    return canonical if canonical == value else None


def prepare(record: PushRecord) -> Prepared:
    rid = record.id
    base = Prepared(record=record, id=rid)
    kind = kinds.get(record.type)
    if kind is None:
        return replace(base, rejected=rejected(
            record, RejectCode.INVALID, f"This server does not know {record.type!r} records."
        ))
    base = replace(base, kind=kind)
    if record.rev <= record.base_rev:
        return replace(base, rejected=rejected(
            record, RejectCode.INVALID, "rev must be greater than base_rev."
        ))
    if record.rev - record.base_rev > MAX_REV_STEP:
        return replace(base, rejected=rejected(
            record, RejectCode.INVALID,
            f"rev may move on by at most {MAX_REV_STEP} in one push.",
        ))
    if record.deleted:
        return replace(base, content_hash=content_hash(None, True))
    if record.body is None:
        return replace(base, rejected=rejected(
            record, RejectCode.INVALID, "A record that is not deleted needs a body."
        ))
    if len(record.body) > MAX_BODY_CHARS:  # keys alone: refuse before walking them
        return replace(base, rejected=rejected(
            record, RejectCode.INVALID, "The record is too large for the server."
        ))
    fault = _out_of_bounds(record.body)
    if fault is not None:
        return replace(base, rejected=rejected(record, RejectCode.INVALID, fault))
    try:
        body = canonical_json(record.body)
    except ValueError:
        return replace(base, rejected=rejected(
            record, RejectCode.INVALID, "The body is not valid JSON (NaN or infinity)."
        ))
    if len(body) > MAX_BODY_CHARS:
        return replace(base, rejected=rejected(
            record, RejectCode.INVALID, "The record is too large for the server."
        ))
    try:
        body.encode("utf-8")  # a lone surrogate, in a value or a key, could not be sent out
    except UnicodeEncodeError:
        return replace(base, rejected=rejected(
            record, RejectCode.INVALID, "The record holds text that is not valid Unicode."
        ))
    prepared = replace(base, body=body, content_hash=content_hash(body, False))
    return _check_body(prepared, kind, record.body)


def _out_of_bounds(body: dict[str, Any]) -> str | None:
    """Why the body cannot be stored as sent, or None: nesting, a text too long, a number
    that is not exact in JSON. One walk over the containers, without recursion (the
    value is what a client sent); valid Unicode is checked once, on the encoded body."""
    stack: list[tuple[Any, int]] = [(body, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_BODY_DEPTH:
            return f"The record is nested more than {MAX_BODY_DEPTH} levels deep."
        for child in item.values() if type(item) is dict else item:
            kind = type(child)
            if kind is str:
                if len(child) > MAX_STRING_CHARS:
                    return f"A text in the record is longer than {MAX_STRING_CHARS} characters."
            elif kind is int:
                if not -MAX_SAFE_INT <= child <= MAX_SAFE_INT:
                    return f"A number in the record is beyond \u00b1{MAX_SAFE_INT}."
            elif kind is dict or kind is list:
                stack.append((child, depth + 1))
    return None


def _check_body(prepared: Prepared, kind: Kind, data: dict[str, Any]) -> Prepared:
    record = prepared.record
    readable, bad = read_strictly(data, kind.body_type)
    if bad or readable is None:
        return replace(prepared, rejected=rejected(
            record, RejectCode.INVALID,
            f"The {kind.label} is not well formed: these fields do not hold a value of "
            "their type: " + ", ".join(f"{kind.describe(p)} ({p})" for p in bad[:10]),
            [Problem(field=p, message="Not a value of this field's type.") for p in bad[:50]],
        ))
    try:
        obj = kind.structure(readable, projected=True)
    except Unreadable as exc:
        return replace(prepared, rejected=rejected(
            record, RejectCode.INVALID, f"The {kind.label} is not well formed ({exc})."
        ))
    if data.get("id") != prepared.id:
        return replace(prepared, rejected=rejected(
            record, RejectCode.INVALID, "The body's id is not the record's id."
        ))
    problems = [Problem(field=p.field, message=p.message) for p in kind.check(obj)]
    if problems:
        return replace(prepared, rejected=rejected(
            record, RejectCode.PROBLEMS,
            f"The {kind.label} has problems to fix: "
            + "; ".join(f"{kind.describe(p.field)}: {p.message}" for p in problems),
            problems,
        ))
    derived = kind.derive(data)
    if kind.parent is not None:
        parent_id = canonical_id(derived.parent_id)
        if parent_id is None:
            return replace(prepared, rejected=rejected(
                record, RejectCode.REFERENCE,
                f"The {kind.label}'s {kind.parent_field} is not the id of a "
                f"{kinds.require(kind.parent).label}.",
            ))
    return replace(prepared, parent_id=derived.parent_id, final=derived.final,
                   assignee_id=derived.assignee_id)
