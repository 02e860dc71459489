"""After every sync, the server's quota counts for each form whose quota this laptop
holds (``GET /api/v1/survey/quota-counts``), kept in the local counts tables
(:mod:`icv_app.kinds.survey_quota`) for :class:`~icv_app.services.survey.quotas.QuotaService`
to read offline.

Registered on import as the after-sync step ``survey_quotas``. It runs for the roles
that take part in fieldwork (interviewer, survey manager, admin) and asks nothing when
no quota is held. A server without the endpoint (an older one answers 404), or an answer
this version cannot read, is skipped quietly: the counts held stay as they were. A
network fault or a busy server fails the sync like any phase (what was pushed and
pulled is kept).

With the counts, the step notes which of this user's own complete interviews the server
held when it counted (it counted them); any other of their complete interviews is added
to the server's count until the next fetch (see :mod:`icv_app.services.survey.quotas`).

The answer is read with a model of its own rather than the server's
(:mod:`icv_app.server.survey_api`): the laptop does not import the server, and it reads
only the fields it uses, ignoring any a newer server adds. A test checks that the two
agree.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from icv_app.domain.survey.quotas import FORM_ID_PATTERN, MAX_CELL_CHARS, MAX_CELLS
from icv_app.kinds.survey_quota import COUNTED_TABLE, COUNTS_TABLE, FETCHES_TABLE
from icv_app.store import changes
from icv_app.sync import after_sync
from icv_app.sync.errors import ProtocolError
from icv_app.sync.wire import API_PREFIX

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.sync.phases import SyncRun

__all__ = ["COUNTS_CHANGE", "QUOTA_COUNTS_PATH", "QuotaCountsAnswer", "step", "store_counts"]

log = logging.getLogger(__name__)

QUOTA_COUNTS_PATH = f"{API_PREFIX}/survey/quota-counts"
ROLES = frozenset({"interviewer", "survey_manager", "admin"})
COUNTS_CHANGE = "survey_quota_counts"  # the "kind" a counts change is announced under
MAX_FLAGGED = 5000
_FORM_ID = re.compile(FORM_ID_PATTERN)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore")


class CellCountAnswer(_Answer):
    cell: str = Field(min_length=1, max_length=MAX_CELL_CHARS)
    achieved: int = Field(ge=0)
    target: int | None = None
    overfilled_by: int = Field(default=0, ge=0)
    flagged: list[str] = Field(default_factory=list, max_length=MAX_FLAGGED)


class QuotaCountsAnswer(_Answer):
    form_id: str
    as_of_seq: int = 0
    counted_at: dt.datetime | None = None
    # The targets' cells and at most as many others.
    cells: list[CellCountAnswer] = Field(default_factory=list, max_length=2 * MAX_CELLS)
    flagged_truncated: bool = False


def _forms_held(db: sqlite_utils.Database) -> list[str]:
    rows = db.execute(
        "SELECT DISTINCT form_id FROM survey_quotas WHERE deleted = 0 AND form_id IS NOT NULL"
    ).fetchall()
    return sorted(str(r[0]) for r in rows if _FORM_ID.match(str(r[0])))


def store_counts(db: sqlite_utils.Database, answer: QuotaCountsAnswer, fetched_at: dt.datetime,
                 user_id: str) -> None:
    """Replace the form's counts by the server's, and note which of this user's complete
    interviews the server held when it counted them (one writer job: one transaction)."""
    form_id = answer.form_id
    when = fetched_at.isoformat()
    db.execute(f"DELETE FROM {COUNTS_TABLE} WHERE form_id = ?", [form_id])
    seen: set[str] = set()
    rows = []
    for c in answer.cells:
        if c.cell in seen:
            continue
        seen.add(c.cell)
        rows.append([form_id, c.cell, c.achieved, c.target, when, json.dumps(c.flagged)])
    db.conn.executemany(
        f"INSERT INTO {COUNTS_TABLE} (form_id, cell, count, target, fetched_at, flagged) "
        "VALUES (?, ?, ?, ?, ?, ?)", rows)
    db.execute(
        f"INSERT INTO {FETCHES_TABLE} (form_id, fetched_at, as_of_seq) VALUES (?, ?, ?) "
        "ON CONFLICT(form_id) DO UPDATE SET fetched_at = excluded.fetched_at, "
        "as_of_seq = excluded.as_of_seq", [form_id, when, answer.as_of_seq])
    db.execute(f"DELETE FROM {COUNTED_TABLE} WHERE form_id = ?", [form_id])
    if user_id:
        db.execute(
            f"INSERT INTO {COUNTED_TABLE} (form_id, interview_id) "
            "SELECT form_id, id FROM survey_interviews WHERE form_id = ? AND deleted = 0 "
            "AND status = 'complete' AND base_rev > 0 AND rev = base_rev "
            "AND interviewer_id = ?", [form_id, user_id])
    changes.note(db, COUNTS_CHANGE, form_id)


def _forget_others(db: sqlite_utils.Database, held: list[str]) -> None:
    """Counts of forms whose quota is no longer held."""
    marks = ", ".join("?" for _ in held) or "''"
    for table in (COUNTS_TABLE, FETCHES_TABLE, COUNTED_TABLE):
        db.execute(f"DELETE FROM {table} WHERE form_id NOT IN ({marks})", held)


def _storing(answer: QuotaCountsAnswer, fetched_at: dt.datetime,
             user_id: str) -> Callable[[sqlite_utils.Database], None]:
    return lambda db: store_counts(db, answer, fetched_at, user_id)


def step(s: SyncRun) -> None:
    """Fetch and keep the counts of every form whose quota is held (module doc)."""
    account = s.account
    if account is None or account.role not in ROLES:
        return
    held = s.db(_forms_held)
    s.db(lambda db: _forget_others(db, held))
    for done, form_id in enumerate(held):
        s.report("Fetching quota counts", done, len(held))
        try:
            answer = s.http.call("GET", QUOTA_COUNTS_PATH, QuotaCountsAnswer,
                                 params={"form_id": form_id})
        except ProtocolError:
            log.info("the server gives no quota counts; the counts held are kept")
            return
        if answer.form_id != form_id:
            log.info("the server's quota counts were for another form; not kept")
            continue
        fetched = answer.counted_at or s.http.server_now or s.clock()
        s.db(_storing(answer, fetched, account.user_id))


after_sync.register("survey_quotas", step)
