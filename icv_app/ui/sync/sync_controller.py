"""The glue between the main window and :class:`~icv_app.services.sync.SyncService`.

The controller owns the service for the window's profile. The service calls its listeners
on its worker thread; the controller re-emits each status as a queued signal so widgets
are only touched on the UI thread. It answers the Sync menu (sign in, sync now, cancel,
problems, sign out), refreshes the visits list after a sync so pulled reports appear, and
says so plainly when this laptop's access was revoked (offering, with confirmation, to
remove the local data) or when the app must be updated (local data kept).

Imported only after the store is open: this module pulls in the sync packages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

from icv_app.services.sync import SyncService, SyncStatus
from icv_app.ui.shared.tasks import when_done
from icv_app.ui.sync.sync_panel import SyncPanel

if TYPE_CHECKING:
    from icv_app.ui.shell.main_window import MainWindow
    from icv_app.ui.sync.sign_in_dialog import SignInDialog
    from icv_app.ui.sync.sync_problems_dialog import SyncProblemsDialog

REVOKED_TITLE = "This laptop's access was revoked"
REVOKED_TEXT = (
    "This laptop's access was revoked by an administrator, so it can no longer send or "
    "receive visit reports. This usually means the laptop was reported lost or is being "
    "handed back."
)
UPDATE_TITLE = "Update icv-app to keep syncing"


class SyncController(QObject):
    """Owns the window's :class:`SyncService`; create it once the store is open.

    Signals:
        status_changed(object): a new :class:`SyncStatus`, on the UI thread.
        sync_finished(): a sync ended (well or not) and the visits list was refreshed.
        purged(int): local data was removed after the person confirmed (records removed).
    """

    status_changed = Signal(object)
    sync_finished = Signal()
    purged = Signal(int)
    _posted = Signal(object)  # from the worker thread

    def __init__(self, window: MainWindow, service: SyncService) -> None:
        super().__init__(window)
        self.window = window
        self.service = service
        self.status: SyncStatus = service.status()
        self.panel = SyncPanel()
        self.sign_in_dialog: SignInDialog | None = None
        self.problems_dialog: SyncProblemsDialog | None = None
        self.revoked_box: QMessageBox | None = None
        self.update_box: QMessageBox | None = None
        self.purge_confirm_box: QMessageBox | None = None
        self._closed = False

        self._posted.connect(self._on_status, Qt.ConnectionType.QueuedConnection)
        self.panel.sync_requested.connect(self.sync_now)
        self.panel.cancel_requested.connect(self.cancel)
        self.panel.problems_requested.connect(self.show_problems)
        self.panel.show_status(self.status)
        self._remove_listener = service.add_listener(self._posted.emit)
        window.attach_sync(self)

    @classmethod
    def started(cls, window: MainWindow, service: SyncService) -> SyncController:
        """The controller over ``service``, which it then starts (the app's normal path:
        the service comes from the profile's :class:`~icv_app.composition.AppContext`)."""
        controller = cls(window, service)
        service.start()
        return controller

    def close(self) -> None:
        """Stop listening and stop the service (before the store closes)."""
        if self._closed:
            return
        self._closed = True
        self._remove_listener()
        self.service.close()

    # Status -----------------------------------------------------------------------------
    @Slot(object)
    def _on_status(self, status: SyncStatus) -> None:
        if self._closed:
            return
        previous, self.status = self.status, status
        self.panel.show_status(status)
        self.window.sync_status_changed(status)
        if previous.running and not status.running:
            self._after_sync()
        if status.device_revoked and not previous.device_revoked:
            self.show_revoked()
        if status.update_required and not previous.update_required:
            self.show_update_required()
        finished = previous.running and not status.running
        # Reload after every sync too: a record sent again and refused again leaves the
        # count as it was, but the dialog showed it gone while it was being sent.
        if self.problems_dialog is not None and (
            status.problems != previous.problems or finished
        ):
            self.problems_dialog.reload()
        self.status_changed.emit(status)

    def _after_sync(self) -> None:
        # Pulled reports (and changed statuses) appear without the person asking.
        if self.window.has_service:
            self.window.visits.refresh()
        self.sync_finished.emit()

    # Actions ----------------------------------------------------------------------------
    def sync_now(self) -> None:
        if not self.status.signed_in:
            self.sign_in()
            return
        self.window.statusBar().showMessage("Syncing in the background…", 4000)
        when_done(self.service.sync_now(), self, lambda _summary: None, self._sync_failed)

    def _sync_failed(self, exc: BaseException) -> None:
        # The status (headline, tooltip, messages) already tells the person; a cancelled
        # queued sync or a revoked laptop needs nothing more here.
        from concurrent.futures import CancelledError

        from icv_app.sync.errors import SyncError

        if isinstance(exc, (CancelledError, SyncError)):
            return
        self.window.statusBar().showMessage(
            f"Sync failed unexpectedly ({type(exc).__name__}); your changes are kept.", 8000
        )

    def cancel(self) -> None:
        self.service.cancel()

    def local_change(self) -> None:
        """Something was saved here: recount what waits to be sent."""
        if not self._closed:
            self.service.refresh()

    def sign_in(self) -> SignInDialog:
        """Open (or raise) the sign-in dialog; it is not modal to the rest of the app."""
        from icv_app.ui.sync.sign_in_dialog import SignInDialog

        if self.sign_in_dialog is None:
            dialog = SignInDialog(
                self.service, self.window,
                server_url=self.status.server_url or "",
                username=self.status.username or "",
            )
            dialog.signed_in.connect(self._signed_in)
            dialog.finished.connect(self._sign_in_closed)
            self.sign_in_dialog = dialog
            dialog.open()
        else:
            _bring_forward(self.sign_in_dialog)
        return self.sign_in_dialog

    def _sign_in_closed(self, _result: int) -> None:
        if self.sign_in_dialog is not None:
            self.sign_in_dialog.deleteLater()
        self.sign_in_dialog = None

    def _signed_in(self, account: Any) -> None:
        self.window.statusBar().showMessage(
            f"Signed in as {account.username}. Syncing in the background…", 8000
        )

    def sign_out(self) -> None:
        pending = self.status.pending
        if pending:
            noun = "change" if pending == 1 else "changes"
            answer = QMessageBox.question(
                self.window, "Sign out",
                f"{pending} {noun} have not been sent yet. They stay on this laptop and are "
                "sent when you sign in again. Sign out now?",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return

        def done(_result: object) -> None:
            self.window.statusBar().showMessage(
                "Signed out. Your visit reports stay on this laptop.", 8000
            )

        when_done(self.service.sign_out(), self, done, self._action_failed)

    def show_problems(self) -> SyncProblemsDialog:
        from icv_app.ui.sync.sync_problems_dialog import SyncProblemsDialog

        if self.problems_dialog is None:
            dialog = SyncProblemsDialog(self.service, self.window.reference, self.window)
            dialog.open_visit_requested.connect(self._open_visit)
            dialog.finished.connect(self._problems_closed)
            self.problems_dialog = dialog
            dialog.show()
        else:
            self.problems_dialog.reload()
            _bring_forward(self.problems_dialog)
        return self.problems_dialog

    def _problems_closed(self, _result: int) -> None:
        if self.problems_dialog is not None:
            self.problems_dialog.deleteLater()
        self.problems_dialog = None

    def _open_visit(self, visit_id: str) -> None:
        if self.problems_dialog is not None:
            self.problems_dialog.close()
        self.window.open_visit(visit_id)

    def _action_failed(self, exc: BaseException) -> None:
        QMessageBox.warning(self.window, "Sync", str(exc))

    # A revoked laptop; an app too old for the server -----------------------------------
    def show_revoked(self) -> QMessageBox:
        """Say so, and offer to remove the local data (asked again before anything goes)."""
        if self.revoked_box is not None:
            _bring_forward(self.revoked_box)
            return self.revoked_box
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(REVOKED_TITLE)
        box.setText(REVOKED_TEXT)
        pending = self.status.pending
        unsent = (
            f" {pending} change{'s' if pending != 1 else ''} on this laptop "
            f"{'were' if pending != 1 else 'was'} never sent and would be lost."
            if pending else ""
        )
        box.setInformativeText(
            "If this laptop is leaving your hands, remove the visit reports from it now."
            + unsent + " If you think this is a mistake, keep them and ask your coordinator."
        )
        self.remove_button = box.addButton(
            "Remove data from this laptop…", QMessageBox.ButtonRole.DestructiveRole
        )
        self.keep_button = box.addButton("Keep for now", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.keep_button)
        box.setEscapeButton(self.keep_button)
        box.buttonClicked.connect(self._revoked_answer)
        self.revoked_box = box
        box.open()
        return box

    def _revoked_answer(self, button: QWidget) -> None:
        self.revoked_box = None
        if button is self.remove_button:
            self.confirm_purge()

    def confirm_purge(self) -> QMessageBox:
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Remove data from this laptop")
        box.setText(
            "Remove every visit report, the account and the access token from this laptop?"
        )
        box.setInformativeText(
            "This cannot be undone. Reports already on the server are not affected."
        )
        self.purge_button = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.setEscapeButton(cancel)
        box.buttonClicked.connect(self._purge_answer)
        self.purge_confirm_box = box
        box.open()
        return box

    def _purge_answer(self, button: QWidget) -> None:
        self.purge_confirm_box = None
        if button is self.purge_button:
            self.purge()

    def purge(self) -> None:
        """Remove the local data (the person confirmed), then show the empty list."""
        self.window.close_form()

        def done(removed: int) -> None:
            if self.window.has_service:
                self.window.visits.refresh()
            self.window.statusBar().showMessage(
                f"Removed {removed} record{'s' if removed != 1 else ''} from this laptop.",
                15000,
            )
            self.purged.emit(removed)

        when_done(self.service.purge_local_data(confirmed=True), self, done,
                  self._action_failed)

    def show_update_required(self) -> QMessageBox:
        if self.update_box is not None:
            return self.update_box
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Information)
        box.setWindowTitle(UPDATE_TITLE)
        box.setText(
            self.status.last_error
            or "The server needs a newer version of icv-app before this laptop can sync."
        )
        box.setInformativeText(
            "Your visit reports stay on this laptop and you can keep working. They are sent "
            "once the app is updated."
        )
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.finished.connect(lambda _r: setattr(self, "update_box", None))
        self.update_box = box
        box.open()
        return box


def _bring_forward(widget: QWidget) -> None:
    """Show a window already open again in front (the person asked for it twice)."""
    widget.show()
    if widget.windowHandle() is not None and QGuiApplication.platformName() != "offscreen":
        widget.raise_()
    widget.activateWindow()
