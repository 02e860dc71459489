"""Scheme settings that laptops follow, set on the server (e.g. how long a submitted report
stays on a volunteer's laptop once it is safely on the server).

Stored as JSON values by key; a key never set reads as its default. Every role may read
them (``GET /api/v1/settings``); only an admin may change them (``PUT``, or
``icv-app admin set-retention``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlalchemy import Engine, select

from icv_app.server import audit, policy
from icv_app.server.audit import CLI_ACTOR, Actor, AuditEntry
from icv_app.server.auth import Principal, current_principal, require_roles
from icv_app.server.context import ServerContext, get_context
from icv_app.server.errors import error_responses
from icv_app.server.storage import insert_ignoring_duplicates, read, scheme_settings, write
from icv_app.sync.wire import SchemeSettings

DEFAULTS = SchemeSettings(retention_days=30)


def get_settings(engine: Engine) -> SchemeSettings:
    with read(engine) as conn:
        rows = conn.execute(select(scheme_settings.c.key, scheme_settings.c.value)).all()
    values = DEFAULTS.model_dump()
    values.update({r.key: json.loads(r.value) for r in rows if r.key in values})
    return SchemeSettings.model_validate(values)


def update_settings(
    engine: Engine,
    new: SchemeSettings,
    *,
    actor: Actor = CLI_ACTOR,
    now: dt.datetime | None = None,
) -> SchemeSettings:
    now = now or dt.datetime.now(dt.UTC)
    values = new.model_dump()
    with write(engine) as conn:
        for key, value in values.items():
            conn.execute(
                insert_ignoring_duplicates(conn, scheme_settings).values(
                    key=key, value="null", updated_at=now, updated_by=actor.name
                )
            )
            conn.execute(
                scheme_settings.update()
                .where(scheme_settings.c.key == key)
                .values(value=json.dumps(value), updated_at=now, updated_by=actor.name)
            )
        audit.record(conn, AuditEntry("settings.changed", actor, detail=values), now)
    return new


def set_retention(engine: Engine, days: int, *, actor: Actor = CLI_ACTOR) -> SchemeSettings:
    current = get_settings(engine)
    updated = SchemeSettings.model_validate({**current.model_dump(), "retention_days": days})
    return update_settings(engine, updated, actor=actor)


router = APIRouter(tags=["settings"])


@router.get(
    "/settings",
    response_model=SchemeSettings,
    summary="The scheme's settings (any signed-in role)",
)
def read_settings(
    context: Annotated[ServerContext, Depends(get_context)],
    _principal: Annotated[Principal, Depends(current_principal)],
) -> SchemeSettings:
    return get_settings(context.engine)


@router.put(
    "/settings",
    response_model=SchemeSettings,
    summary="Change the scheme's settings (admin only)",
    responses=error_responses(403),
)
def write_settings(
    body: SchemeSettings,
    context: Annotated[ServerContext, Depends(get_context)],
    principal: Annotated[Principal, Depends(require_roles(*policy.settings_writers()))],
) -> SchemeSettings:
    return update_settings(context.engine, body, actor=principal.actor(), now=context.now())
