"""What changed in the local store, announced after each committed write.

Every writer job may note the records it changed (:func:`note`); once the job's
transaction has committed, the writer publishes one :class:`StoreChange` with the job's
``origin`` to every subscriber. Screens subscribe instead of being refreshed by hand, and
an open form reloads its record only when a change came from somewhere else (a pull, a
conflict resolved, another window): that is what keeps it from saving a stale copy over
a newer one (as Anki's editor does with ``operation_did_execute``).

Subscribers are called on the writer thread: a GUI re-emits the change as a queued
signal and must not touch widgets in the callback itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from icv_app.log_privacy import withhold_messages

# A subscriber's failure can quote the record it was showing: log where, not what.
log = withhold_messages(logging.getLogger(__name__))

SYNC = "sync"  # a pull, a push's answer, a conflict settled by sync
LOCAL = "local"  # a command, an import, a person's action outside an open form


@dataclass(frozen=True)
class StoreChange:
    origin: str  # SYNC, LOCAL, or an edit session's own token
    records: frozenset[tuple[str, str]]  # (kind, id)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(k for k, _ in self.records)

    def touches(self, kind: str, record_id: str | None = None) -> bool:
        if record_id is None:
            return kind in self.kinds
        return (kind, record_id) in self.records


Subscriber = Callable[[StoreChange], None]


class ChangeHub:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Call ``subscriber(change)`` after every committed change; returns a function
        that unsubscribes."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, change: StoreChange) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            try:
                subscriber(change)
            except Exception:  # one screen's bug must not stop the writer
                log.exception("store change subscriber failed")


_ATTR = "icv_changes"


def begin(db: Any) -> None:
    setattr(db, _ATTR, set())


def note(db: Any, kind: str, ids: str | Iterable[str]) -> None:
    """Record that this job changed these records of ``kind`` (no-op outside the writer)."""
    changed = getattr(db, _ATTR, None)
    if changed is None:
        return
    if isinstance(ids, str):
        changed.add((kind, ids))
    else:
        changed.update((kind, i) for i in ids)


def collect(db: Any) -> frozenset[tuple[str, str]]:
    changed = getattr(db, _ATTR, None) or set()
    setattr(db, _ATTR, None)
    return frozenset(changed)
