"""The sync corner of the status bar: where sync stands in a few words (signed in or not,
last synced, offline, a problem that needs a person), how many changes wait to be sent,
the problems to look at, progress while a sync runs, and "Sync now" / "Cancel".

The panel only shows a :class:`~icv_app.services.sync.SyncStatus` it is given (on the UI
thread) and emits what the person asked for; :mod:`icv_app.ui.sync.sync_controller` does the
rest. It imports nothing from the sync packages at run time, so building it is cheap.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QWidget,
)

if TYPE_CHECKING:
    from icv_app.services.sync import SyncStatus

OK_STYLE = "color: #1b5e20;"
QUIET_STYLE = "color: #5f6368;"
WARN_STYLE = "color: #8a4b00;"
ERROR_STYLE = "color: #b3261e; font-weight: bold;"
PROBLEMS_STYLE = (
    "QPushButton { color: #b3261e; font-weight: bold; border: none; padding: 0 4px; "
    "text-decoration: underline; }"
)


def relative_time(when: dt.datetime, now: dt.datetime | None = None) -> str:
    """``when`` as a person says it: "just now", "5 min ago", "3 h ago", "yesterday at
    14:05", "on 2 Mar" (local time)."""
    now = now or dt.datetime.now(dt.UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    local, local_now = when.astimezone(), now.astimezone()
    if seconds < 12 * 3600 or local.date() == local_now.date():
        return f"{int(seconds // 3600)} h ago"
    if local.date() == local_now.date() - dt.timedelta(days=1):
        return f"yesterday at {local:%H:%M}"
    if local.year == local_now.year:
        return f"on {local.day} {local:%b}"
    return f"on {local.day} {local:%b %Y}"


def describe(status: SyncStatus, now: dt.datetime | None = None) -> tuple[str, str]:
    """The headline for ``status`` and its style."""
    last = (
        f"synced {relative_time(status.last_synced, now)}" if status.last_synced
        else "not synced yet"
    )
    if status.device_revoked:
        return "Access revoked — this laptop can no longer sync", ERROR_STYLE
    if status.update_required:
        return "Update icv-app to sync — your reports are kept", ERROR_STYLE
    if not status.signed_in:
        return "Not signed in — Sync ▸ Sign in…", QUIET_STYLE
    if status.error_kind == "auth":
        return "Sign in again — Sync ▸ Sign in…", WARN_STYLE
    if status.running:
        label = status.progress.label if status.progress is not None else "Starting"
        return f"Syncing… {label}", QUIET_STYLE
    if status.online is False or status.error_kind in ("network", "unavailable"):
        return f"Offline — {last}; will try again", WARN_STYLE
    if status.error_kind == "cancelled":
        return f"Sync cancelled — {last}", QUIET_STYLE
    if status.last_error:
        return f"Sync failed — {last}", ERROR_STYLE
    if status.last_synced:
        return f"Synced {relative_time(status.last_synced, now)}", OK_STYLE
    return "Signed in — not synced yet", QUIET_STYLE


class SyncPanel(QWidget):
    """Signals:
    sync_requested(): the person pressed "Sync now".
    cancel_requested(): the person pressed "Cancel".
    problems_requested(): the person clicked the problems count.
    """

    sync_requested = Signal()
    cancel_requested = Signal()
    problems_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status: SyncStatus | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)

        self.state_label = QLabel()
        self.state_label.setAccessibleName("Sync status")
        self.state_label.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Sync progress")
        self.progress.setMaximumWidth(120)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.pending_label = QLabel()
        self.pending_label.setAccessibleName("Changes waiting to be sent")
        self.problems_button = QPushButton()
        self.problems_button.setAccessibleName("Sync problems")
        self.problems_button.setToolTip("Records the server refused and conflicts to resolve")
        self.problems_button.setStyleSheet(PROBLEMS_STYLE)
        self.problems_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.problems_button.clicked.connect(self.problems_requested)
        self.problems_button.hide()
        self.sync_button = QPushButton("Sync now")
        self.sync_button.setAccessibleName("Sync now")
        self.sync_button.setToolTip("Send and receive changes now (F5)")
        self.sync_button.clicked.connect(self.sync_requested)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel sync")
        self.cancel_button.setToolTip("Stop this sync; what was already sent is kept")
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.cancel_button.hide()
        for widget in (
            self.state_label, self.progress, self.pending_label, self.problems_button,
            self.sync_button, self.cancel_button,
        ):
            layout.addWidget(widget)

        # "Synced 2 min ago" must age while nothing else changes.
        self._clock = QTimer(self)
        self._clock.setInterval(30_000)
        self._clock.timeout.connect(self._redraw)
        self._clock.start()

    def show_status(self, status: SyncStatus) -> None:
        self.status = status
        self._redraw()

    def _redraw(self) -> None:
        status = self.status
        if status is None:
            return
        text, style = describe(status)
        self.state_label.setText(text)
        self.state_label.setStyleSheet(style)
        self.state_label.setToolTip(status.last_error or self._account_tip(status))

        running = status.running
        self.progress.setVisible(running)
        progress = status.progress
        if running and progress is not None and progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(min(progress.done, progress.total))
        elif running:
            self.progress.setRange(0, 0)  # busy: the total is not known
        self.cancel_button.setVisible(running)
        self.sync_button.setVisible(not running)
        if status.signed_in:
            self.sync_button.setText("Sync now")
            self.sync_button.setAccessibleName("Sync now")
            self.sync_button.setToolTip("Send and receive changes now (F5)")
        else:  # the same place offers what comes first
            self.sync_button.setText("Sign in…")
            self.sync_button.setAccessibleName("Sign in")
            self.sync_button.setToolTip("Sign this laptop in to your scheme's central store")
        self.sync_button.setEnabled(
            not status.device_revoked and not status.update_required
        )

        if status.pending:
            noun = "change" if status.pending == 1 else "changes"
            self.pending_label.setText(f"{status.pending} {noun} to send")
            self.pending_label.setStyleSheet(QUIET_STYLE)
        elif status.signed_in:
            self.pending_label.setText("All sent")
            self.pending_label.setStyleSheet(OK_STYLE)
        else:
            self.pending_label.setText("")
        self.pending_label.setVisible(bool(self.pending_label.text()))

        if status.problems:
            noun = "problem" if status.problems == 1 else "problems"
            self.problems_button.setText(f"{status.problems} sync {noun}")
        self.problems_button.setVisible(bool(status.problems))

    @staticmethod
    def _account_tip(status: SyncStatus) -> str:
        if not status.signed_in:
            return "This laptop is not signed in to a server; everything works offline."
        return f"Signed in as {status.username} ({status.role}) to {status.server_url}"
