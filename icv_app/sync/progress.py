"""What a sync reports while it runs (:class:`SyncProgress`) and what it did when it is
done (:class:`SyncSummary`). Plain values, no I/O: the sync client makes them, the
service and the GUI show them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SyncProgress:
    """Where a running sync is. ``phase`` is one of push, pull, check, repull, retention;
    ``total`` is None where it is not known in advance (pulling)."""

    phase: str
    done: int = 0
    total: int | None = None

    @property
    def label(self) -> str:
        names = {
            "push": "Sending changes",
            "pull": "Receiving changes",
            "check": "Checking",
            "repull": "Re-reading everything from the server",
            "retention": "Tidying up old reports",
        }
        text = names.get(self.phase, self.phase)
        if self.total:
            return f"{text} ({self.done} of {self.total})"
        return f"{text} ({self.done})" if self.done else text


ProgressCallback = Callable[[SyncProgress], None]


@dataclass
class SyncSummary:
    """What one sync did."""

    pushed: int = 0  # records sent (a retried batch counts once)
    accepted: int = 0
    duplicates: int = 0  # already stored by an earlier try: success
    conflicts: int = 0  # push conflicts and pulled changes that met a local edit
    rejected: int = 0
    pulled: int = 0
    purged: int = 0
    retries: int = 0
    repulled: bool = False  # the check disagreed and everything was re-read
    resent: int = 0  # records the server turned out not to have, sent again
    lost: int = 0  # reports purged here that the server no longer has (see sync_check)
    check_ok: bool | None = None  # None: the server was too busy to compare
    last_synced: dt.datetime | None = None

    def describe(self) -> str:
        parts = [
            f"sent {self.pushed} (accepted {self.accepted}, already there "
            f"{self.duplicates}, conflicts {self.conflicts}, rejected {self.rejected})",
            f"received {self.pulled}",
        ]
        if self.purged:
            parts.append(f"removed {self.purged} old submitted reports from this laptop")
        if self.repulled:
            parts.append("re-read everything from the server after a mismatch")
        if self.resent:
            parts.append(f"sent {self.resent} records back that the server had lost")
        if self.lost:
            parts.append(
                f"{self.lost} submitted reports removed from this laptop earlier are no "
                "longer on the server (restored from an older backup?): tell your "
                "administrator"
            )
        return "; ".join(parts)
