"""After every sync: closed telephone cases lose their phone numbers on every laptop, and
a survey manager's laptop closes the cases that interviewers' calls have closed.

Registered with :func:`icv_app.sync.after_sync.register` on import (the sync client
imports this module). On the sync's writer connection, in one transaction:

- an interviewer's laptop (any role that does not write cases) takes the phone number out
  of every case it holds that is closed: closed on the server's copy, or closed here by
  its calls (:func:`icv_app.domain.survey.calls.case_state`). In place, not as a change
  to push (interviewers do not write cases): a pull that brought a newer copy of a case
  still carrying the number (changed by a manager who had not seen the closing call yet)
  loses it again here.
- a survey manager's or an admin's laptop closes every open case whose calls close it,
  as a real change (status closed, ``closed_at`` the closing call's time, ``attempts``
  the calls counted, phone ""), pushed with the next sync; from there the server's copy,
  and every laptop's, holds no number. A closed case that still has a number loses it
  the same way. A case waiting on a person (in conflict) is left for them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from icv_app import kinds
from icv_app.domain.survey.calls import DEFAULT_RULES, RetryRules, case_state
from icv_app.domain.survey.records import CaseStatus
from icv_app.services.survey.cati import attempts_by_case, take_phone_off
from icv_app.store.records import save_record
from icv_app.sync import after_sync

if TYPE_CHECKING:
    import sqlite_utils

    from icv_app.sync.phases import SyncRun

STEP_NAME = "survey_cases"


def _writes_cases(role: str) -> bool:
    return kinds.require("sample_case").may_write(role) is not None


def scrub_closed_cases(db: sqlite_utils.Database, rules: RetryRules = DEFAULT_RULES) -> int:
    """An interviewer's laptop: take the number off every closed case held, in place.
    Returns how many cases lost theirs."""
    rows = db.execute(
        "SELECT id, status, attempts FROM sample_cases WHERE deleted = 0 "
        "AND json_extract(body, '$.phone') != ''").fetchall()
    if not rows:
        return 0
    held = attempts_by_case(db, [r[0] for r in rows])
    scrubbed = 0
    for rid, status, counted in rows:
        closed = status == CaseStatus.CLOSED.value or case_state(
            held.get(rid, ()), rules, counted=int(counted or 0)).closed
        if closed and take_phone_off(db, rid):
            scrubbed += 1
    return scrubbed


def close_cases(db: sqlite_utils.Database, rules: RetryRules = DEFAULT_RULES) -> int:
    """A survey manager's laptop: close the cases whose calls close them, and take the
    number off closed cases, as changes to push. Returns how many cases changed."""
    in_conflict = {rid for (rid,) in db.execute(
        "SELECT record_id FROM conflicts WHERE record_type = 'sample_case'")}
    rows = db.execute(
        "SELECT id, body, status FROM sample_cases WHERE deleted = 0 AND (status = ? OR "
        "json_extract(body, '$.phone') != '')", [CaseStatus.OPEN.value]).fetchall()
    held = attempts_by_case(db, [r[0] for r in rows if r[2] == CaseStatus.OPEN.value])
    changed = 0
    for rid, body_text, status in rows:
        if rid in in_conflict:
            continue
        body = json.loads(body_text)
        if status == CaseStatus.OPEN.value:
            attempts = held.get(rid)
            if not attempts:
                continue
            state = case_state(attempts, rules, counted=int(body.get("attempts") or 0))
            if state.closed_by is None:
                continue
            body.update(status=CaseStatus.CLOSED.value,
                        closed_at=state.closed_by.at.isoformat(),
                        attempts=state.attempts, appointment_at=None, phone="")
        elif body.get("phone"):
            body["phone"] = ""
        else:
            continue
        save_record(db, "sample_case", body)
        changed += 1
    return changed


def step(s: SyncRun) -> None:
    """The after-sync step (module doc)."""
    account = s.account
    if account is None or kinds.require("sample_case").may_read(account.role) is None:
        return  # a role that holds no cases
    if _writes_cases(account.role):
        s.db(lambda db: close_cases(db))
    else:
        s.db(lambda db: scrub_closed_cases(db))


after_sync.register(STEP_NAME, step)
