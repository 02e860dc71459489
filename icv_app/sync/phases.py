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
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import sqlite_utils

from icv_app import kinds
from icv_app.store import settings as st
from icv_app.store.sync import sync_records as sr
from icv_app.sync import credentials as cred
from icv_app.sync.errors import ProtocolError, TooLarge
from icv_app.sync.http import HttpSession
from icv_app.sync.progress import ProgressCallback, SyncProgress, SyncSummary
from icv_app.sync.wire import (
    API_PREFIX,
    MAX_LOCATE_BATCH,
    UUID_PATTERN,
    CheckResponse,
    LocateRequest,
    LocateResponse,
    PullResponse,
    PushRecord,
    PushResponse,
    PushResult,
    PushStatus,
    RecordKey,
    SchemeSettings,
)

PUSH_PATH = f"{API_PREFIX}/sync/push"
# What one push request may weigh, as JSON. nginx, the usual reverse proxy, takes 1 MB by
# default (client_max_body_size): well under that, a default proxy never refuses a push
# and it never costs a 413 to find out. A record larger than this goes on its own.
PUSH_BYTE_BUDGET = 512 * 1024
PULL_PATH = f"{API_PREFIX}/sync/pull"
CHECK_PATH = f"{API_PREFIX}/sync/check"
LOCATE_PATH = f"{API_PREFIX}/sync/locate"
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
    push_batch: int  # records per push; halved by a 413, for the rest of the sync
    pull_limit: int
    clock: Callable[[], dt.datetime]
    summary: SyncSummary = field(default_factory=SyncSummary)
    server_time: dt.datetime | None = None  # the server's clock, from its latest check
    push_bytes: int = PUSH_BYTE_BUDGET  # JSON bytes per push; halved with push_batch

    def report(self, phase: str, done: int = 0, total: int | None = None) -> None:
        if self.progress is not None:
            self.progress(SyncProgress(phase, done, total))


def push(s: SyncRun) -> None:
    """Send each unsynced record once. A record edited while this runs (someone is
    typing) goes with the next sync: pushing every keystroke's rev here would never
    end.

    Batches are at most ``s.push_batch`` records and ``s.push_bytes`` of JSON. A batch
    the server or a proxy in front of it refuses as too large (413) is halved, and the
    smaller size kept for the rest of this sync; a record refused on its own is marked
    refused here, as the server would, with a reason a person can act on, and the others
    go on.
    """
    total = s.db(sr.count_pending)
    sent: set[tuple[str, str]] = set()
    done = 0
    s.report("push", 0, total)
    while True:
        s.http.check_cancel()
        waiting = s.db(lambda db: sr.pending(db, s.push_batch, skip=sent))
        if not waiting:
            return
        batch, records, size = _fill(waiting, s.push_bytes)
        try:
            response = s.http.call("POST", PUSH_PATH, PushResponse, json={"records": records})
        except TooLarge:
            if len(batch) > 1:
                s.push_batch = max(1, len(batch) // 2)
                s.push_bytes = max(1, size // 2)
                continue
            s.summary.rejected += 1
            outcomes = [_too_large(batch[0], size)]
        else:
            outcomes = _outcomes(s, batch, response.results)
        s.db(functools.partial(sr.record_outcomes, outcomes=outcomes))
        sent.update((r.type, r.id) for r in batch)
        done += len(batch)
        s.summary.pushed += len(batch)
        s.report("push", done, max(total, done))


def _fill(
    waiting: list[sr.OutgoingRecord], budget: int
) -> tuple[list[sr.OutgoingRecord], list[dict[str, Any]], int]:
    """The records of ``waiting`` that go in the next push (at least one, then as many as
    fit in ``budget`` bytes), their JSON, and the size of the request body they make."""
    batch: list[sr.OutgoingRecord] = []
    records: list[dict[str, Any]] = []
    size = _ENVELOPE
    for r in waiting:
        record = PushRecord(
            type=r.type,
            id=r.id,
            rev=r.rev,
            base_rev=r.base_rev,
            deleted=r.deleted,
            body=r.body,
            modified_at=_parse_time(r.modified_at),
            # Sent back after a restore: whose it was (the server decides if it listens).
            owner_id=r.owner_id if r.base_rev == 0 and r.owner_id else None,
        ).model_dump(mode="json", exclude_none=True)
        weight = _json_size(record) + (1 if records else 0)  # and its comma
        if records and size + weight > budget:
            break
        batch.append(r)
        records.append(record)
        size += weight
    return batch, records, size


def _too_large(record: sr.OutgoingRecord, size: int) -> sr.PushOutcome:
    label = kinds.require(record.type).label
    reason = (
        f"This {label} is too large for the server or its proxy to accept "
        f"({-(-size // 1024)} KB). It is kept on this laptop; ask your administrator to "
        "raise the size limit, then try again."
    )
    return sr.PushOutcome(record.type, record.id, record.rev, "rejected", reason=reason)


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
            # The first pusher of a new record is its owner (one sent back after a
            # restore keeps the owner it had).
            owner = (s.account.user_id if s.account and record.base_rev == 0
                     and not record.owner_id else None)
            outcomes.append(
                sr.PushOutcome(record.type, record.id, record.rev, status.value,
                               owner_id=owner, stored_at=server_time(result.stored_at))
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
            sr.IncomingChange(c.type, c.id, c.rev, c.deleted, c.body, c.owner_id,
                              stored_at=server_time(c.updated_at))
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
        s.server_time = answer.server_time or s.server_time
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
    missing = [(t, i) for t, i in s.db(lambda db: sr.missing_from(db, seen))
               if re.fullmatch(UUID_PATTERN, i)]
    elsewhere: set[tuple[str, str]] = set()
    for start in range(0, len(missing), MAX_LOCATE_BATCH):
        s.http.check_cancel()
        chunk = missing[start:start + MAX_LOCATE_BATCH]
        answer = s.http.call(
            "POST", LOCATE_PATH, LocateResponse,
            json=LocateRequest(records=[RecordKey(type=t, id=i) for t, i in chunk])
            .model_dump(mode="json"),
        )
        elsewhere |= {(k.type, k.id) for k in answer.held}
    resend, _dropped, lost = s.db(lambda db: sr.reconcile(db, seen, elsewhere))
    s.summary.resent += resend
    s.summary.lost += lost


def retention(s: SyncRun) -> None:
    s.report("retention")
    settings = s.http.call("GET", SETTINGS_PATH, SchemeSettings)
    # The server's clock, where it gave one: a laptop clock that is off must not purge
    # early (nothing is ordered by client time).
    now = (s.server_time or s.http.server_now or s.clock()).isoformat()
    days = settings.retention_days
    s.summary.purged = s.db(lambda db: sr.purge_retained(db, days, now))


# Helpers -------------------------------------------------------------------------------

def server_time(value: dt.datetime | None) -> str | None:
    """A server timestamp as this laptop stores it: UTC, to the microsecond, so that
    stored times compare as text."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _cursor(s: SyncRun) -> int:
    return s.db(st.PULL_CURSOR.get)


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


# {"records":[]}, as httpx sends it: compact, UTF-8.
_ENVELOPE = len(b'{"records":[]}')


def _json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def _rejection_text(result: PushResult) -> str:
    text = result.reason or "The server refused this record."
    if result.problems:
        text += " " + "; ".join(f"{p.field}: {p.message}" for p in result.problems)
    return text
