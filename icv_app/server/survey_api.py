"""Survey fieldwork's own endpoints: ``/api/v1/survey``.

``GET /survey/quota-counts?form_id=F``: the complete interviews of every version of form
F counted per quota cell, the form's quota (its targets), and the cells past their
target with the interviews beyond it (ordered by end time, then id: the later ones are
flagged). Survey managers and admins get every flagged interview's id; an interviewer
only the ids of their own (they already hold those). Every other role is refused (403).
A form nobody has interviewed or set a quota for gets empty counts, not a 404.

Counting is done in Python over the interviews' bodies (see
:func:`complete_interviews`), narrowed first in SQL by a plain text match on the form
id as the canonical body spells it. What one interviewer pushes cannot swell the answer
for everyone else: a cell longer than :data:`~icv_app.domain.survey.quotas.MAX_CELL_CHARS`
is not counted, at most :data:`MAX_OTHER_CELLS` cells outside the targets are listed
(those with most interviews), and at most :data:`MAX_FLAGGED` ids are sent.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection

from icv_app import kinds
from icv_app.domain.survey.quotas import (
    CELL_SEPARATOR,
    FORM_ID_PATTERN,
    MAX_CELL_CHARS,
    MAX_FORM_ID_CHARS,
    Counted,
    SurveyQuota,
    overfill,
    quota_id_for,
)
from icv_app.kinds import Unreadable
from icv_app.server.auth import Principal, current_principal
from icv_app.server.context import ServerContext, get_context
from icv_app.server.errors import ApiError, error_responses
from icv_app.server.storage import current_seq, read, records
from icv_app.sync.wire import ErrorCode, Role

router = APIRouter(prefix="/survey", tags=["survey"])

QUOTA_COUNT_ROLES = frozenset({Role.INTERVIEWER, Role.SURVEY_MANAGER, Role.ADMIN})
# Roles that see every flagged interview's id; an interviewer sees only their own.
SEES_EVERY_INTERVIEW = frozenset({Role.SURVEY_MANAGER, Role.ADMIN})
# Cells outside the targets (a "prefer not to say", a value the quota left out): a real
# quota has a few dozen; more would be one interviewer's junk, sent to everyone.
MAX_OTHER_CELLS = 500
MAX_FLAGGED = 5000
INTERVIEW = "survey_interview"
QUOTA = "survey_quota"


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QuotaTargetOut(_Out):
    cell: str
    target: int


class QuotaOut(_Out):
    name: str
    variables: list[str]
    targets: list[QuotaTargetOut]
    other_cells_full: bool


class CellCountOut(_Out):
    cell: str
    achieved: int = Field(description="Complete interviews in the cell, every version.")
    target: int | None = Field(description="None: not among the quota's targets.")
    overfilled_by: int = Field(description="How many beyond the target (0 if none).")
    flagged: list[str] = Field(
        default_factory=list,
        description="Interviews beyond the target, latest last (an interviewer: only "
        "their own).")


class QuotaCountsOut(_Out):
    form_id: str
    as_of_seq: int = Field(description="The server's latest seq when counted.")
    counted_at: dt.datetime
    quota: QuotaOut | None
    cells: list[CellCountOut]
    flagged_truncated: bool = Field(
        default=False, description=f"More than {MAX_FLAGGED} interviews are flagged; "
        "the first are listed.")


FormIdQuery = Annotated[str, Query(
    min_length=1, max_length=MAX_FORM_ID_CHARS, pattern=FORM_ID_PATTERN,
    description="The form's id (its XLSForm settings' form_id).")]


@router.get(
    "/quota-counts",
    response_model=QuotaCountsOut,
    summary="Complete interviews per quota cell of a form, its targets and its overfill",
    responses=error_responses(403),
)
def quota_counts(
    context: Annotated[ServerContext, Depends(get_context)],
    principal: Annotated[Principal, Depends(current_principal)],
    form_id: FormIdQuery,
) -> QuotaCountsOut:
    if principal.role not in QUOTA_COUNT_ROLES:
        raise ApiError(403, ErrorCode.FORBIDDEN, f"Your role ({principal.role.value}) "
                       "takes no part in survey fieldwork.")
    return count(context.engine, principal, form_id, context.now())


# --- counting ---------------------------------------------------------------------------------


def _quota(conn: Connection, form_id: str) -> SurveyQuota | None:
    body = conn.execute(
        select(records.c.body).where(records.c.type == QUOTA,
                                     records.c.id == quota_id_for(form_id),
                                     records.c.deleted.is_(False))
    ).scalar_one_or_none()
    if body is None:
        return None
    try:
        quota = kinds.require(QUOTA).structure(json.loads(body))
    except (Unreadable, ValueError):  # stored under an older server's rules: no targets
        return None
    return quota if isinstance(quota, SurveyQuota) and quota.form_id == form_id else None


def complete_interviews(conn: Connection, form_id: str) -> Iterator[Counted]:
    """The complete (final) interviews of every version of the form that name a cell.

    Read in Python over the bodies: with 20,000 interviews this took about half the
    time of the database's own JSON functions on PostgreSQL (whose cast to ``jsonb``
    dominates), and it reads each body once for the counts and the end times together.
    """
    query = select(records.c.id, records.c.scope_owner_id, records.c.body).where(
        records.c.type == INTERVIEW,
        records.c.deleted.is_(False),
        records.c.final.is_(True),
        # Narrows cheaply before any JSON is parsed: the canonical body (sorted keys, no
        # spaces) spells the field so, and inside a text value its quotes would be
        # escaped. The parsed body decides.
        records.c.body.contains(f'"form_id":{json.dumps(form_id)}', autoescape=True),
    ).execution_options(yield_per=1000)  # PostgreSQL: a server-side cursor, in batches
    for row in conn.execute(query):
        try:
            body = json.loads(row.body)
        except (TypeError, ValueError, RecursionError):  # stored bodies are JSON objects
            continue
        cell = body.get("quota_cell") if isinstance(body, dict) else None
        if body.get("form_id") != form_id or not isinstance(cell, str) or not cell:
            continue
        if len(cell) > MAX_CELL_CHARS:
            continue
        yield Counted(id=row.id, cell=cell, ended_at=_when(body.get("ended_at")),
                      interviewer_id=row.scope_owner_id)


def _when(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _shaped(cell: str, quota: SurveyQuota | None) -> bool:
    return quota is None or len(cell.split(CELL_SEPARATOR)) == len(quota.variables)


def count(engine: Engine, principal: Principal, form_id: str,
          now: dt.datetime) -> QuotaCountsOut:
    """What ``GET /survey/quota-counts`` answers (module doc)."""
    with read(engine) as conn:
        upper = current_seq(conn)
        quota = _quota(conn, form_id)
        interviews = list(complete_interviews(conn, form_id))
    targets = quota.target_map() if quota is not None else {}
    counts: dict[str, int] = {}
    for item in interviews:
        counts[item.cell] = counts.get(item.cell, 0) + 1
    flagged = overfill(targets, interviews)
    if principal.role not in SEES_EVERY_INTERVIEW:
        own = {i.id for i in interviews if i.interviewer_id == principal.user_id}
        flagged = {c: [i for i in ids if i in own] for c, ids in flagged.items()}
    others = sorted((c for c in counts if c not in targets and _shaped(c, quota)),
                    key=lambda c: (-counts[c], c))[:MAX_OTHER_CELLS]
    cells: list[CellCountOut] = []
    budget = MAX_FLAGGED
    truncated = False
    for cell in [*targets, *others]:
        achieved, target = counts.get(cell, 0), targets.get(cell)
        ids = flagged.get(cell, [])
        if len(ids) > budget:
            ids, truncated = ids[:budget], True
        budget -= len(ids)
        cells.append(CellCountOut(
            cell=cell, achieved=achieved, target=target,
            overfilled_by=max(achieved - target, 0) if target is not None else 0,
            flagged=ids))
    return QuotaCountsOut(
        form_id=form_id, as_of_seq=upper, counted_at=now, cells=cells,
        flagged_truncated=truncated,
        quota=None if quota is None else QuotaOut(
            name=quota.name, variables=list(quota.variables),
            targets=[QuotaTargetOut(cell=t.cell, target=t.target) for t in quota.targets],
            other_cells_full=quota.other_cells_full),
    )
