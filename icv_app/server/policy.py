"""Who may see and change which records: the one place the server's scope rules live.

- volunteer: custody visits and amendments; sees and changes only records in their own
  scope (what they pushed first, and amendments to their visits).
- coordinator, admin: custody visits and amendments of the whole scheme.
- interviewer, survey_manager: no custody records at all (survey records come later).

Reference data, once it syncs, will be visible to every role.
"""

from __future__ import annotations

from icv_app.sync.wire import RecordType, Role

SCHEME_WIDE = frozenset({Role.COORDINATOR, Role.ADMIN})
_CUSTODY = frozenset({RecordType.VISIT, RecordType.AMENDMENT})
_TYPES: dict[Role, frozenset[RecordType]] = {
    Role.VOLUNTEER: _CUSTODY,
    Role.COORDINATOR: _CUSTODY,
    Role.ADMIN: _CUSTODY,
    Role.INTERVIEWER: frozenset(),
    Role.SURVEY_MANAGER: frozenset(),
}


def record_types(role: Role) -> frozenset[RecordType]:
    """The record types this role may pull and push."""
    return _TYPES[role]


def sees_whole_scheme(role: Role) -> bool:
    return role in SCHEME_WIDE


def may_access(role: Role, user_id: str, scope_owner_id: str) -> bool:
    """May this user see (and, within the type rules, change) a record in that scope?"""
    return sees_whole_scheme(role) or scope_owner_id == user_id


def settings_writers() -> frozenset[Role]:
    return frozenset({Role.ADMIN})
