"""What the status bar and the sync menu show of sync: the :class:`SyncStatus` snapshot
that :class:`~icv_app.services.sync.SyncService` hands its listeners, and the type of those
listeners. Plain values, no threads and no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icv_app.sync.progress import SyncProgress, SyncSummary

Listener = Callable[["SyncStatus"], None]


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar and the sync menu show. Immutable: a snapshot."""

    signed_in: bool = False
    server_url: str | None = None
    username: str | None = None
    role: str | None = None
    running: bool = False
    progress: SyncProgress | None = None  # while running: phase, done, total, label
    last_synced: dt.datetime | None = None
    pending: int = 0  # changes not yet on the server
    problems: int = 0  # refused records + conflicts waiting for a person
    last_error: str | None = None  # a sentence for the person, or None
    error_kind: str | None = None  # SyncError.kind: network, auth, revoked, ...
    online: bool | None = None  # None: not known yet
    next_attempt: dt.datetime | None = None  # when the service tries again on its own
    last_summary: SyncSummary | None = None

    @property
    def device_revoked(self) -> bool:
        """Offer to remove the local data (:meth:`SyncService.purge_local_data`)."""
        return self.error_kind == "revoked"

    @property
    def update_required(self) -> bool:
        return self.error_kind == "update_required"

    @property
    def needs_sign_in(self) -> bool:
        return not self.signed_in or self.error_kind in ("auth", "signed_out")
