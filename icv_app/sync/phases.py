"""The phases of one sync: push, pull, check, full re-pull, retention.

:meth:`icv_app.sync.client.SyncClient.sync` runs them in the order its module doc gives;
this module is what each one sends, and what it stores of the answers. Each phase is a
function of the :class:`SyncRun` it belongs to, which carries the requests
(:class:`~icv_app.sync.http.HttpSession`), the account, the way to the store's writer
thread, and the :class:`~icv_app.sync.progress.SyncSummary` being filled in. Signing in,
credentials and opening the connection stay with the client: a phase only ever runs inside
a sync that has done those.

Every database access goes through ``SyncRun.db`` (the client's, onto ``store.writer``):
phases run on the client's worker thread.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import sqlite_utils

from icv_app.store import settings as st
from icv_app.store.sync import sync_records as sr
from icv_app.sync import credentials as cred
from icv_app.sync.errors import ProtocolError
from icv_app.sync.http import HttpSession
from icv_app.sync.progress import ProgressCallback, SyncProgress, SyncSummary
from icv_app.sync.wire import (
    API_PREFIX,
    CheckResponse,
    PullResponse,
    PushRecord,
    PushRequest,
    PushResponse,
    PushResult,
    PushStatus,
    SchemeSettings,
)

PUSH_PATH = f"{API_PREFIX}/sync/push"
PULL_PATH = f"{API_PREFIX}/sync/pull"
CHECK_PATH = f"{API_PREFIX}/sync/check"
SETTINGS_PATH = f"{API_PREFIX}/settings"

T = TypeVar("T")


class RunOnWriter(Protocol):
    """Run ``job`` on the store's writer thread and wait for its result."""

    def __call__(self, job: Callable[[sqlite_utils.Database], T], /) -> T: ...


@dataclass
class SyncRun:
    """One sync's requests, whose account they are for, where what comes is stored, and
    what it did on the way."""

    http: HttpSession
    account: cred.Account | None
    progress: ProgressCallback | None
    db: RunOnWriter
    push_batch: int
    pull_limit: int
    clock: Callable[[], dt.datetime]
    summary: SyncSummary = field(default_factory=SyncSummary)

    def report(self, phase: str, done: int = 0, total: int | None = None) -> None:
        if self.progress is not None:
            self.progress(SyncProgress(phase, done, total))


def push(s: SyncRun) -> None:
    """Send each unsynced record once. A record edited while this runs (someone is
    typing) goes with the next sync: pushing every keystroke's rev here would never
    end."""
    total = s.db(sr.count_pending)
    sent: set[tuple[str, str]] = set()
    done = 0
    s.report("push", 0, total)
    while True:
        s.http.check_cancel()
        batch = s.db(lambda db: sr.pending(db, s.push_batch, skip=sent))
        if not batch:
            return
        request = PushRequest(
            records=[
                PushRecord(
                    type=r.type,
                    id=r.id,  # type: ignore[arg-type]
                    rev=r.rev,
                    base_rev=r.base_rev,
                    deleted=r.deleted,
                    body=r.body,
                    modified_at=_parse_time(r.modified_at),
                )
                for r in batch
            ]
        )
        response = s.http.call(
            "POST", PUSH_PATH, PushResponse, json=request.model_dump(mode="json")
        )
        outcomes = _outcomes(s, batch, response.results)
        s.db(functools.partial(sr.record_outcomes, outcomes=outcomes))
        sent.update((r.type, r.id) for r in batch)
        done += len(batch)
        s.summary.pushed += len(batch)
        s.report("push", done, max(total, done))


def _outcomes(
    s: SyncRun, batch: list[sr.OutgoingRecord], results: list[PushResult]
) -> list[sr.PushOutcome]:
    by_key = {(r.type, r.id.lower(), r.rev): r for r in results}
    outcomes = []
    for record in batch:
        result = by_key.get((record.type, record.id.lower(), record.rev))
        if result is None:
            continue  # not answered: stays pending, sent again next time
        status = result.status
        if status in (PushStatus.ACCEPTED, PushStatus.DUPLICATE):
            if status is PushStatus.ACCEPTED:
                s.summary.accepted += 1
            else:
                s.summary.duplicates += 1
            # The first pusher of a new record is its owner.
            owner = s.account.user_id if s.account and record.base_rev == 0 else None
            outcomes.append(
                sr.PushOutcome(record.type, record.id, record.rev, status.value,
                               owner_id=owner)
            )
        elif status is PushStatus.CONFLICT:
            s.summary.conflicts += 1
            server = result.server
            outcomes.append(
                sr.PushOutcome(
                    record.type, record.id, record.rev, "conflict",
                    reason=result.reason or "",
                    server_rev=server.rev if server else 0,
                    server_deleted=server.deleted if server else False,
                    server_body=server.body if server else None,
                )
            )
        else:
            s.summary.rejected += 1
            outcomes.append(
                sr.PushOutcome(record.type, record.id, record.rev, "rejected",
                               reason=_rejection_text(result),
                               code=result.code.value if result.code else None)
            )
    return outcomes


def pull(
    s: SyncRun,
    since: int | None = None,
    seen: dict[tuple[str, str], tuple[int, bool]] | None = None,
    phase: str = "pull",
) -> int:
    """Pull every page after ``since`` (default: the stored cursor); returns how many
    changes came. ``seen`` collects each record's latest (rev, deleted)."""
    if since is None:
        since = _cursor(s)
    count = 0
    s.report(phase, 0)
    while True:
        s.http.check_cancel()
        page = s.http.call(
            "GET", PULL_PATH, PullResponse,
            params={"since": since, "limit": s.pull_limit},
        )
        changes = [
            sr.IncomingChange(c.type, c.id, c.rev, c.deleted, c.body, c.owner_id)
            for c in page.changes
        ]
        next_since = page.next_since

        def apply(db: sqlite_utils.Database, changes: list[sr.IncomingChange] = changes,
                  next_since: int = next_since) -> int:
            return sr.apply_changes(db, changes, next_since)

        try:
            s.summary.conflicts += s.db(apply)
        except (ValueError, TypeError, KeyError) as exc:
            raise ProtocolError(
                "A change from the server could not be stored on this laptop "
                f"({type(exc).__name__}); this version of the app may be too old. "
                "Nothing was lost."
            ) from exc
        if seen is not None:
            for c in changes:
                seen[(c.type, c.id)] = (c.rev, c.deleted)
        count += len(changes)
        s.summary.pulled += len(changes)
        s.report(phase, count)
        if not page.has_more or (not changes and next_since <= since):
            return count
        since = next_since


def check(s: SyncRun) -> bool | None:
    """Compare what is in scope on the server with what the laptop holds.

    True: they agree; False: they do not (re-pull); None: the server kept moving
    under us and there was no quiet moment to compare (not an error).
    """
    s.report("check")
    for _ in range(3):
        s.http.check_cancel()
        answer = s.http.call("GET", CHECK_PATH, CheckResponse)
        cursor = _cursor(s)
        if answer.as_of_seq < cursor:
            return False  # the server has gone back in time (restored from a backup)
        if answer.as_of_seq > cursor and pull(s) > 0:
            continue  # we have moved past this check's snapshot: ask again
        local = s.db(sr.synced_digest)
        return local == (answer.count, answer.digest)
    return None


def full_repull(s: SyncRun) -> None:
    """Re-read every record in scope from seq 0. Unsynced local changes are kept
    (they become conflicts where the server moved on); records the server turns out
    not to have are marked to be sent again."""
    s.summary.repulled = True
    seen: dict[tuple[str, str], tuple[int, bool]] = {}
    pull(s, since=0, seen=seen, phase="repull")
    user_id = s.account.user_id if s.account else ""
    resend, _dropped, _forgotten = s.db(lambda db: sr.reconcile(db, seen, user_id))
    s.summary.resent += resend


def retention(s: SyncRun) -> None:
    s.report("retention")
    settings = s.http.call("GET", SETTINGS_PATH, SchemeSettings)
    # The server's clock, where it gave one: a laptop clock that is off must not purge
    # early (nothing is ordered by client time).
    now = (s.http.server_now or s.clock()).isoformat()
    days = settings.retention_days
    s.summary.purged = s.db(lambda db: sr.purge_retained(db, days, now))


# Helpers -------------------------------------------------------------------------------

def _cursor(s: SyncRun) -> int:
    return s.db(st.PULL_CURSOR.get)


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def _rejection_text(result: PushResult) -> str:
    text = result.reason or "The server refused this record."
    if result.problems:
        text += " " + "; ".join(f"{p.field}: {p.message}" for p in result.problems)
    return text
