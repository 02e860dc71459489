"""Sync for the app, without Qt: the background service (:mod:`.service`) and its views."""

from icv_app.services.sync.service import (
    ConflictView,
    FieldDifference,
    RejectedView,
    SyncService,
    SyncStatus,
    differences,
)

__all__ = [
    "ConflictView",
    "FieldDifference",
    "RejectedView",
    "SyncService",
    "SyncStatus",
    "differences",
]
