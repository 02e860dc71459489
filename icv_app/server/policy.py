"""Who may see and change which records: role x kind x relation, read off the kind
declarations in :mod:`icv_app.kinds` (their ``read`` and ``write`` maps).

A relation says which records of a kind a role reaches: ``own`` (in the user's own
scope: what they created, and children of their own records), ``assigned`` (assigned to
them, or their own), ``scheme`` and ``everyone`` (all records of the kind). A role a kind
does not list reaches none of it; server-authored kinds are never pushed by anyone.
"""

from __future__ import annotations

from typing import Protocol

from icv_app import kinds
from icv_app.kinds import Kind, Relation
from icv_app.sync.wire import Role


class Scoped(Protocol):
    @property
    def scope_owner_id(self) -> str: ...

    @property
    def assignee_id(self) -> str | None: ...


def readable_kinds(role: Role) -> dict[str, Relation]:
    """Kind name -> the relation through which this role reads it."""
    out = {}
    for kind in kinds.all_kinds():
        relation = kind.may_read(role.value)
        if relation is not None:
            out[kind.name] = relation
    return out


def reaches(relation: Relation | None, user_id: str, record: Scoped) -> bool:
    """Does a user with this relation to the kind reach this stored record?"""
    if relation is None:
        return False
    if relation in (Relation.SCHEME, Relation.EVERYONE):
        return True
    if record.scope_owner_id == user_id:
        return True
    return relation is Relation.ASSIGNED and record.assignee_id == user_id


def may_read(kind: Kind, role: Role, user_id: str, record: Scoped) -> bool:
    return reaches(kind.may_read(role.value), user_id, record)


def may_write(kind: Kind, role: Role, user_id: str, record: Scoped) -> bool:
    return reaches(kind.may_write(role.value), user_id, record)


def settings_writers() -> frozenset[Role]:
    return frozenset({Role.ADMIN})
