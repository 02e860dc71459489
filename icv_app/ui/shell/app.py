"""Starting the desktop app: the QApplication, opening the encrypted store (asking for a
passphrase when the computer has no keyring), the main window, and a self-test.

The profile is opened through :class:`~icv_app.composition.AppContext`, as the headless
commands open it. Only what the first window needs is imported at start-up; the store,
the visit form, its dialogs and reportlab load when first used.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog

from icv_app.domain.custody.reference import ReferenceData, load_shipped
from icv_app.paths import Paths
from icv_app.store.errors import PassphraseRequired, StoreError, WrongKey
from icv_app.ui.shell.main_window import MainWindow

if TYPE_CHECKING:
    from icv_app.composition import AppContext
    from icv_app.services.sync import SyncStatus
    from icv_app.store.keys import Profile
    from icv_app.store.local_store import LocalStore
    from icv_app.ui.coordinator.page import CoordinatorContext
    from icv_app.ui.survey.page import SurveyContext
    from icv_app.ui.sync.sync_controller import SyncController

EXIT_STORE = 3  # the same status the command line uses for store errors
SELF_TEST_TIMEOUT_S = 20.0
ENV_REPORT_SHOWN = "ICV_APP_REPORT_SHOWN_AT"

AskPassphrase = Callable[[bool, str], str | None]


def application() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("icv-app")
    # Qt appends the display name to every window title ("Custody visits — icv-app").
    app.setApplicationDisplayName("icv-app")
    app.setOrganizationName("icv-app")
    return app


def coordinator_context(window: MainWindow, context: AppContext,
                        username: str) -> CoordinatorContext:
    """The services behind the Coordination menu's pages, for the signed-in coordinator."""
    from icv_app.services.admin import AdminService
    from icv_app.services.custody.coordination import CoordinationService
    from icv_app.ui.coordinator.page import CoordinatorContext

    return CoordinatorContext(
        visits=context.visits,
        coordination=CoordinationService(context.store),
        references=context.references,
        reference=lambda: window.reference,
        username=username,
        open_report=window.open_report_from_page,
        admin=AdminService(context.store),
    )


def survey_context(window: MainWindow, context: AppContext,
                   status: SyncStatus) -> SurveyContext:
    """Who is signed in, for the Survey menu's pages (their services take the store)."""
    from icv_app.sync.credentials import load_account
    from icv_app.ui.survey.page import SurveyContext

    account = load_account(context.store.reader)
    return SurveyContext(
        store=context.store,
        user_id=account.user_id if account is not None else "",
        username=status.username or "",
        role=status.role or "interviewer",
        show_page=window.show_page,
        sync_now=lambda: window.sync.sync_now() if window.sync is not None else None,
    )


def install_focus_ring(app: QApplication) -> None:
    """A focus ring that is seen at a glance. Set up once the first window is up (its
    module and style cost some 25 ms that the first paint need not wait for); it rings
    whatever has the focus by then."""
    from icv_app.ui.shared.focus_style import install_focus_style

    install_focus_style(app)


def build_main_window(store: LocalStore, reference: ReferenceData) -> MainWindow:
    """The main window over an open store, with the visits list already populated
    (``window.is_populated`` is True; ``window.list_populated`` fires on each refresh)."""
    from icv_app.services.custody.reference import ReferenceService
    from icv_app.services.custody.visits import VisitService

    references = ReferenceService(store, reference)
    current = references.current()
    window = MainWindow(VisitService(store, current), current, store.paths.exports)
    window.follow_reference(references.current)
    return window


def _ask_with_dialog(new_profile: bool, error: str) -> str | None:
    from icv_app.ui.shell.passphrase_dialog import ask_passphrase

    return ask_passphrase(new_profile, error)


def unlock(
    paths: Paths, ask: AskPassphrase = _ask_with_dialog
) -> tuple[bytes, Profile] | None:
    """The profile's key (asking for the passphrase where there is no keyring), or None
    if the user chose to quit at the prompt. Runs on the UI thread: it may ask.

    A wrong passphrase is asked again (with the reason shown); every other StoreError
    is raised for the caller to show.
    """
    from icv_app.store.keys import ENV_PASSPHRASE, obtain_key

    paths.ensure()
    error = ""
    while True:
        cancelled = False

        def provider(new_profile: bool, error: str = error) -> str | None:
            nonlocal cancelled
            value = ask(new_profile, error)
            cancelled = value is None
            return value

        try:
            return obtain_key(paths.profile, paths.database, provider)
        except PassphraseRequired:
            if cancelled:
                return None
            raise
        except WrongKey as exc:
            if exc.from_passphrase and not os.environ.get(ENV_PASSPHRASE):
                error = str(exc)
                continue
            raise


def open_store(paths: Paths, ask: AskPassphrase = _ask_with_dialog) -> LocalStore | None:
    """The open store (on this thread), or None if the user chose to quit at the prompt."""
    from icv_app.store.local_store import LocalStore

    unlocked = unlock(paths, ask)
    return None if unlocked is None else LocalStore(paths, *unlocked)


def run_gui(paths: Paths) -> int:
    """Show the main window at once, then open the store (keyring or passphrase prompt)
    and list the visits: the keyring and the database never delay the first paint."""
    app = application()
    reference = load_shipped()
    window = MainWindow(None, reference, paths.exports, state_file=paths.window_state)
    window.show()
    opened: list[AppContext] = []
    syncs: list[SyncController] = []

    def open_now() -> None:
        try:
            unlocked = unlock(paths)
        except StoreError as exc:
            cannot_open(exc)
            return
        if unlocked is None:  # the user chose to quit at the passphrase prompt
            app.exit(0)
            return
        from icv_app.composition import AppContext
        from icv_app.ui.shared.tasks import run_in_background, when_done

        # Opening may migrate the database to this version: off the UI thread, with a
        # progress dialog if it takes long enough to notice.
        progress = QProgressDialog(
            "Preparing your visit reports for this version of icv-app…", "", 0, 0, window
        )
        progress.setWindowTitle("Opening")
        progress.setCancelButton(None)  # type: ignore[arg-type]
        progress.setMinimumDuration(500)
        progress.setWindowModality(Qt.WindowModality.WindowModal)

        def done(context: AppContext) -> None:
            progress.reset()
            attach(context)

        def failed(exc: BaseException) -> None:
            progress.reset()
            if isinstance(exc, StoreError):
                cannot_open(exc)
                return
            raise exc

        opening = run_in_background(AppContext.unlocked, paths, *unlocked, reference)
        when_done(opening, window, done, failed)

    def cannot_open(exc: StoreError) -> None:
        QMessageBox.critical(window, "Your visit reports cannot be opened", str(exc))
        app.exit(EXIT_STORE)

    def attach(context: AppContext) -> None:
        opened.append(context)
        window.attach(context.visits)
        window.set_reference(context.reference)  # the scheme's lists, as synced
        window.follow_reference(context.references.current)
        window.offer_coordinator(lambda username: coordinator_context(window, context,
                                                                       username))
        window.offer_survey(lambda status: survey_context(window, context, status))
        install_focus_ring(app)
        # The writer (and what it imports) starts once the list is up, not before it;
        # sync (httpx and the rest) after that.
        QTimer.singleShot(0, context.store.start_writer)
        QTimer.singleShot(0, lambda: start_sync(context))

    def start_sync(context: AppContext) -> None:
        from icv_app.ui.sync.sync_controller import SyncController

        syncs.append(SyncController.started(window, context.sync))

    QTimer.singleShot(0, open_now)
    try:
        return app.exec()
    finally:
        for sync in syncs:
            sync.close()  # stops listening (and the sync worker) before the store closes
        for context in opened:
            context.close()  # flushes any save still queued


def _open_throwaway(paths: Paths, reference: ReferenceData) -> AppContext:
    """A profile whose key lives only in this process: never the user's keyring."""
    import keyring
    from keyring.backends import fail

    from icv_app.composition import AppContext

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        return AppContext.open(paths, lambda _new: secrets.token_urlsafe(24), reference)
    finally:
        keyring.set_keyring(previous)


def self_test(data_dir: str | None) -> int:
    """Open the main window (offscreen unless a platform is set) and close it again.

    Without ``data_dir`` it runs on a temporary profile with a random, unsaved key.
    Returns 0 when the window showed with its list populated.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        app = application()
        with tempfile.TemporaryDirectory(prefix="icv-self-test-") as tmp:
            reference = load_shipped()
            window = MainWindow(None, reference)
            window.show()
            deadline = time.monotonic() + SELF_TEST_TIMEOUT_S
            while not _exposed(window):
                if time.monotonic() > deadline:
                    raise TimeoutError("the main window did not show")
                app.processEvents()
            window.grab()  # painted, not only mapped
            shown = time.time(), time.process_time()
            # Then, as run_gui does, open the store and list the visits.
            from icv_app.composition import AppContext

            if data_dir is None:
                context = _open_throwaway(Paths(Path(tmp) / "profile"), reference)
            else:
                context = AppContext.open(Paths.resolve(data_dir), reference=reference)
            try:
                window.attach(context.visits)
                while not _exposed(window) or not window.is_populated:
                    if time.monotonic() > deadline:
                        raise TimeoutError("the visits list did not show")
                    app.processEvents()
                window.grab()
                if os.environ.get(ENV_REPORT_SHOWN):
                    # For the start-up benchmark: wall-clock moments and CPU seconds used.
                    print(f"shown-at {shown[0]:.6f} cpu {shown[1]:.6f}", flush=True)
                    print(f"ready-at {time.time():.6f} cpu {time.process_time():.6f}",
                          flush=True)
                install_focus_ring(app)  # as run_gui does, once the list is up
                while not window.visits.is_complete:  # the rest of a long list
                    if time.monotonic() > deadline:
                        raise TimeoutError("the visits list did not finish loading")
                    app.processEvents()
                visits = window.visits.model.rowCount()
                window.close()
                shiboken6.delete(window)  # now, not at interpreter exit
            finally:
                context.close()
    except Exception as exc:  # the point of a self-test: report any failure plainly
        print(f"icv-app self-test failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"icv-app self-test passed: main window shown with {visits} visits listed.")
    return 0


def _exposed(window: MainWindow) -> bool:
    handle = window.windowHandle()
    return window.isVisible() and handle is not None and handle.isExposed()
