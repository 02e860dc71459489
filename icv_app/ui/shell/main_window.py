"""The main window: the visits list, the visit form (created on first use), the menus
with every keyboard shortcut, and the status bar that says whether work is saved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSettings, QSize, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.status import VisitStatus
from icv_app.ui.custody.visits_list import VisitsListPage, display_date
from icv_app.ui.shared.tasks import when_done

if TYPE_CHECKING:
    from icv_app.services.custody.visits import VisitService
    from icv_app.services.sync import SyncStatus
    from icv_app.store.changes import StoreChange
    from icv_app.ui.coordinator.page import CoordinatorContext, CoordinatorPage
    from icv_app.ui.custody.visit_form import VisitForm
    from icv_app.ui.shared.store_events import StoreEvents
    from icv_app.ui.survey.page import SurveyContext, SurveyPage
    from icv_app.ui.sync.sync_controller import SyncController

LIST_TITLE = "Custody visits"
# The size the window opens at when it has no remembered one, if the screen has room.
DEFAULT_SIZE = QSize(1180, 760)
# Room kept for the window's frame and title bar, which the client size does not include.
FRAME_ALLOWANCE = QSize(16, 48)

SAVED_STYLE = "color: #1b5e20;"
SAVING_STYLE = "color: #5f6368;"
ERROR_STYLE = "color: #b3261e; font-weight: bold;"


class MainWindow(QMainWindow):
    """Signals:
    list_populated(): the visits list shows the rows of the current filter.
    draft_deleted(str): a draft was deleted (it can be restored with Undo).
    draft_restored(str): a deleted draft was restored.
    form_opened(str): the visit with this id is shown in the form.
    """

    list_populated = Signal()
    draft_deleted = Signal(str)
    draft_restored = Signal(str)
    form_opened = Signal(str)

    def __init__(
        self,
        service: VisitService | None,
        reference: ReferenceData,
        export_dir: Path | None = None,
        parent: QWidget | None = None,
        state_file: Path | None = None,
    ) -> None:
        super().__init__(parent)
        # Without a service the window shows at once and the store is attached (attach())
        # as soon as it is open: the keyring and the database never delay the first paint.
        self._service = service
        self.reference = reference
        self.export_dir = export_dir
        self.setWindowTitle(LIST_TITLE)
        self.state_file = state_file
        self._reference_source: Callable[[], ReferenceData] | None = None
        self._coordinator: CoordinatorContext | None = None
        self._pages: dict[str, CoordinatorPage | SurveyPage] = {}
        self._back_page: CoordinatorPage | SurveyPage | None = None
        self._make_coordinator: Callable[[str], CoordinatorContext] | None = None
        self._form: VisitForm | None = None
        self._undo_visit_id: str | None = None
        # Set by attach_sync() once the store is open (the sync modules load after that).
        self.sync: SyncController | None = None

        self.visits = VisitsListPage(service, reference)
        self.visits.populated.connect(self.list_populated)
        self.visits.open_requested.connect(self.open_visit)
        self.visits.selection_changed.connect(self._update_actions)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.visits)
        self.setCentralWidget(self.pages)
        from icv_app.ui.shared.quick_hide import QuickHide

        # F12: the window blanks to a neutral screen at once (and back).
        self.quick_hide = QuickHide(self, self.pages)

        self.save_state = QLabel()
        self.save_state.setAccessibleName("Save state")
        self.undo_button = QPushButton("Undo delete")
        self.undo_button.setAccessibleName("Undo delete draft")
        self.undo_button.clicked.connect(self.undo_delete)
        self.undo_button.hide()
        self.statusBar().addPermanentWidget(self.undo_button)
        self.statusBar().addPermanentWidget(self.save_state)

        self._events: StoreEvents | None = None
        self._build_actions()
        if service is not None:
            self._listen(service)
            self.visits.refresh(first_page=True)
        else:
            self.statusBar().showMessage("Opening your visit reports…")
        self._update_actions()
        self.sync_status_changed(None)
        self.restore_placement()

    # Where the window is --------------------------------------------------------------
    def _settings(self) -> QSettings | None:
        if self.state_file is None:
            return None
        return QSettings(str(self.state_file), QSettings.Format.IniFormat)

    def restore_placement(self) -> None:
        """Open where and as large as it was last closed, or at the default size; either
        way within the screen's free area (a 1366x768 laptop shows the status bar)."""
        settings = self._settings()
        saved = settings.value("main_window/geometry") if settings is not None else None
        if not (saved and self.restoreGeometry(saved)):  # type: ignore[arg-type]
            self.resize(DEFAULT_SIZE)
        self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """Shrink the window to the screen's free area if need be, and move it fully
        onto it (a window remembered on a larger or a second monitor comes back)."""
        screen = self.screen()
        if screen is None or self.isMaximized() or self.isFullScreen():
            return
        free: QRect = screen.availableGeometry()
        room = free.size() - FRAME_ALLOWANCE
        self.resize(self.size().boundedTo(room))
        frame = self.frameGeometry()
        if free.contains(frame):
            return
        x = max(free.left(), min(frame.x(), free.right() + 1 - frame.width()))
        y = max(free.top(), min(frame.y(), free.bottom() + 1 - frame.height()))
        self.move(x, y)

    def save_placement(self) -> None:
        settings = self._settings()
        if settings is None:
            return
        settings.setValue("main_window/geometry", self.saveGeometry())
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_placement()
        super().closeEvent(event)

    @property
    def service(self) -> VisitService:
        if self._service is None:
            raise RuntimeError("the local store is not open yet")
        return self._service

    def attach(self, service: VisitService) -> None:
        """Use the store now open: list its visits and enable what needs it."""
        self._service = service
        self._listen(service)
        self.visits.set_service(service)
        self.statusBar().clearMessage()
        self._update_actions()

    def _listen(self, service: VisitService) -> None:
        """Screens follow the store: every committed change reaches them here."""
        from icv_app.ui.shared.store_events import StoreEvents

        if self._events is None:
            self._events = StoreEvents(service.store.changes, self)
            self._events.changed.connect(self._store_changed)

    def follow_reference(self, current: Callable[[], ReferenceData]) -> None:
        """Ask ``current`` for the scheme's lists whenever a sync changes them."""
        self._reference_source = current

    def set_reference(self, reference: ReferenceData) -> None:
        """Offer the scheme's suites, panels and visitors as they are now."""
        self.reference = reference
        if self._service is not None:
            self._service.reference = reference
        self.visits.set_reference(reference)
        if self._form is not None:
            self._form.set_reference(reference)

    def _store_changed(self, change: StoreChange) -> None:
        """Every committed change: the list, the open form and the sync counts follow it
        (saves, submissions, amendments, deletions and pulls alike)."""
        if {"suite", "panel", "visitor"} & change.kinds and self._reference_source:
            self.set_reference(self._reference_source())
        for page in self._pages.values():
            page.store_changed(change)
        if self._form is not None and self.pages.currentWidget() is self._form:
            self._form.store_changed(change)  # the report, its amendments and messages
        # The list shows the reports, their amendments and the questions waiting; any
        # other change (a coordinator's own record) only waits to be sent.
        listed = {"visit", "amendment", "visit_query", "query_reply"}
        if listed & change.kinds and self.pages.currentWidget() is self.visits:
            self.visits.refresh()
        self._local_change()

    @property
    def has_service(self) -> bool:
        return self._service is not None

    def attach_sync(self, controller: SyncController) -> None:
        """Show sync in the status bar and enable the Sync menu."""
        self.sync = controller
        self.statusBar().insertPermanentWidget(0, controller.panel)
        self.sync_status_changed(controller.status)

    def offer_coordinator(self, make: Callable[[str], CoordinatorContext]) -> None:
        """Once sync says the account is a coordinator's or an admin's, build their
        context with ``make(username)`` and offer the Coordination menu."""
        self._make_coordinator = make

    def sync_status_changed(self, status: SyncStatus | None) -> None:
        """Enable the Sync menu's actions for ``status`` (None: sync not available yet)."""
        if (status is not None and status.role in ("coordinator", "admin")
                and self._coordinator is None and self._make_coordinator is not None):
            self.attach_coordinator(self._make_coordinator(status.username or ""))
        self.survey.status_changed(status)
        if status is None:
            for action in (self.sign_in_action, self.sync_now_action, self.cancel_sync_action,
                           self.sync_problems_action, self.sign_out_action):
                action.setEnabled(False)
            return
        idle = not status.running
        self.sign_in_action.setEnabled(idle)
        self.sync_now_action.setEnabled(
            idle and status.signed_in and not status.device_revoked
            and not status.update_required
        )
        self.cancel_sync_action.setEnabled(status.running)
        self.sync_problems_action.setEnabled(True)
        self.sign_out_action.setEnabled(idle and status.signed_in)

    def _sync_call(self, name: str) -> None:
        if self.sync is not None:
            getattr(self.sync, name)()

    def _local_change(self) -> None:
        if self.sync is not None:
            self.sync.local_change()

    # The coordinator's pages ---------------------------------------------------------
    def attach_coordinator(self, context: CoordinatorContext) -> None:
        """Offer the Coordination menu (the signed-in account is a coordinator or an admin)."""
        self._coordinator = context
        self.scheme_menu.menuAction().setVisible(True)
        self._update_actions()

    def offer_survey(self, make: Callable[[SyncStatus], SurveyContext]) -> None:
        """Once sync says the account is a survey account, build its context with
        ``make(status)`` and offer the Survey menu."""
        self.survey.offer(make)

    def hide_custody(self) -> None:
        """A survey account's laptop: no custody visits to make or list."""
        # Taken off the menu bar, not only hidden: a hidden menu's mnemonic (Alt+V,
        # Alt+N) would still take the key from the survey pages' buttons.
        for menu in (self.visit_menu, self.scheme_menu):
            self.menuBar().removeAction(menu.menuAction())
        self.new_action.setVisible(False)
        self.close_visit_action.setText("&Back")

    @property
    def on_visits_list(self) -> bool:
        return self.pages.currentWidget() is self.visits

    def show_page(self, key: str) -> CoordinatorPage | SurveyPage | None:
        """Show a coordinator's or a survey page (built on first use); None if it cannot
        be shown."""
        from icv_app.ui.coordinator.pages import PAGES

        if self.quick_hide.hidden:
            return None
        survey_entry = self.survey.entry(key)
        survey = self.survey.context
        made: Callable[[], CoordinatorPage | SurveyPage] | None = None
        if survey_entry is not None:
            if (survey is None or survey.role not in survey_entry.roles
                    or not survey_entry.available):
                return None
            title = survey_entry.title
            made = lambda: survey_entry.load()(survey)  # noqa: E731
        else:
            entry = next((p for p in PAGES if p.key == key), None)
            coordinator = self._coordinator
            if entry is None or coordinator is None or not entry.available:
                return None
            title = entry.title
            made = lambda: entry.load()(coordinator)  # noqa: E731
        current = self.current_page
        if current is not None and current is not self._pages.get(key) and hasattr(
                current, "may_leave") and not current.may_leave():
            return None
        page = self._pages.get(key)
        if page is None:
            page = made()
            page.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
            self._pages[key] = page
            self.pages.addWidget(page)
        self.setWindowTitle(title.replace("&", ""))
        self.pages.setCurrentWidget(page)
        self._hide_undo()
        self._update_actions()
        page.shown()
        page.setFocus()
        return page

    @property
    def current_page(self) -> CoordinatorPage | SurveyPage | None:
        current = self.pages.currentWidget()
        return next((p for p in self._pages.values() if p is current), None)

    def close_form(self) -> None:
        """Back to the list, the open report closed (its data is about to go)."""
        if self._form is not None and self.pages.currentWidget() is self._form:
            self.setWindowTitle(LIST_TITLE)
            self.pages.setCurrentWidget(self.visits)
            self._update_actions()

    @property
    def is_populated(self) -> bool:
        return self.visits.is_populated

    # Actions -------------------------------------------------------------------------
    def _action(
        self, text: str, slot: object, *shortcuts: QKeySequence | str, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        if shortcuts:
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())  # type: ignore[operator]
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.new_action = self._action(
            "&New visit", self.new_visit, QKeySequence.StandardKey.New,
            tip="Start a report for a visit happening now",
        )
        self.export_action = self._action(
            "&Export PDF…", self.export_pdf, "Ctrl+P", "Ctrl+E",
            tip="Write the open report as a PDF",
        )
        self.close_visit_action = self._action(
            "&Back to visits", self.show_list, "Ctrl+W", "Alt+Left",
            tip="Close the report and return to the list of visits",
        )
        self.quit_action = self._action("&Quit", self.close, "Ctrl+Q")
        self.undo_action = self._action(
            "&Undo delete draft", self.undo_delete, QKeySequence.StandardKey.Undo
        )
        self.delete_action = self._action(
            "&Delete draft", self.delete_selected, QKeySequence.StandardKey.Delete
        )
        self.find_action = self._action("&Find visits", self.focus_search, "Ctrl+F")
        self.add_detainee_action = self._action(
            "Add &detainee", lambda: self._form_call("add_detainee"), "Ctrl+D"
        )
        self.add_issue_action = self._action(
            "Add &issue", lambda: self._form_call("add_issue"), "Ctrl+I"
        )
        self.submit_action = self._action(
            "&Submit report…", lambda: self._form_call("submit"), "Ctrl+Return", "Ctrl+Enter"
        )
        self.amend_action = self._action(
            "Add &amendment…", lambda: self._form_call("add_amendment"), "Ctrl+Shift+A"
        )

        self.sign_in_action = self._action(
            "Sign &in…", lambda: self._sync_call("sign_in"),
            tip="Sign this laptop in to your scheme's central store",
        )
        self.sync_now_action = self._action(
            "&Sync now", lambda: self._sync_call("sync_now"), "F5", "Ctrl+Shift+S",
            tip="Send and receive changes now, in the background",
        )
        self.cancel_sync_action = self._action(
            "&Cancel sync", lambda: self._sync_call("cancel"),
            tip="Stop the running sync; what was already sent is kept",
        )
        self.sync_problems_action = self._action(
            "Sync &problems…", lambda: self._sync_call("show_problems"),
            tip="Records the server refused, and conflicts to resolve",
        )
        self.sign_out_action = self._action(
            "Sign &out", lambda: self._sync_call("sign_out"),
            tip="Forget this laptop's access; the reports stay on it",
        )

        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        for action in (self.new_action, self.export_action, self.close_visit_action):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menus.addMenu("&Edit")
        for action in (self.undo_action, self.delete_action, self.find_action):
            edit_menu.addAction(action)
        visit_menu = self.visit_menu = menus.addMenu("&Visit")
        for action in (
            self.add_detainee_action, self.add_issue_action, self.submit_action,
            self.amend_action,
        ):
            visit_menu.addAction(action)
        # The Coordination menu: only for a coordinator's or an admin's laptop.
        from icv_app.ui.coordinator.pages import PAGES

        # Alt+N: every other letter of "Scheme" is taken on the list or the form.
        self.scheme_menu = menus.addMenu("Coordi&nation")
        self.page_actions: dict[str, QAction] = {}
        for entry in PAGES:
            action = self._action(entry.title, lambda key=entry.key: self.show_page(key),
                                  entry.shortcut)
            self.scheme_menu.addAction(action)
            self.page_actions[entry.key] = action
        self.scheme_menu.menuAction().setVisible(False)
        sync_menu = menus.addMenu("S&ync")
        from icv_app.ui.shell.survey_menu import SurveyMenu

        # The Survey menu: only for an interviewer's, a survey manager's or an admin's.
        self.survey = SurveyMenu(self, menus, sync_menu.menuAction())
        for action in (self.sign_in_action, self.sync_now_action, self.cancel_sync_action):
            sync_menu.addAction(action)
        sync_menu.addSeparator()
        sync_menu.addAction(self.sync_problems_action)
        sync_menu.addSeparator()
        sync_menu.addAction(self.sign_out_action)

    def _update_actions(self) -> None:
        from icv_app.ui.coordinator.pages import PAGES

        """Actions that cannot apply where the user is are greyed out; those that apply
        to the report open but may be refused for it (editing a submitted report,
        deleting one) stay enabled and say why when used, so no key press goes unheard."""
        on_form = self._form is not None and self.pages.currentWidget() is self._form
        form = self._form if on_form else None
        summary = self.visits.selected_summary() if not on_form else None
        self.export_action.setEnabled(form is not None)
        self.close_visit_action.setEnabled(on_form or self.current_page is not None)
        for action in (self.add_detainee_action, self.add_issue_action, self.submit_action,
                       self.amend_action):
            action.setEnabled(form is not None)
        self.delete_action.setEnabled(summary is not None)
        self.undo_action.setEnabled(not on_form and self._undo_visit_id is not None)
        self.find_action.setEnabled(not on_form)
        self.new_action.setEnabled(self._service is not None)
        for key, action in self.page_actions.items():
            entry = next(p for p in PAGES if p.key == key)
            action.setEnabled(self._coordinator is not None and entry.available)
        self.survey.update()

    def _form_call(self, name: str) -> None:
        if self._form is not None and self.pages.currentWidget() is self._form:
            getattr(self._form, name)()

    # The form ------------------------------------------------------------------------
    @property
    def form(self) -> VisitForm:
        """The visit form, built on first use (start-up does not pay for it)."""
        if self._form is None:
            from icv_app.ui.custody.visit_form import VisitForm

            form = VisitForm(self.service, self.reference, self.export_dir)
            form.status_message.connect(lambda text: self.statusBar().showMessage(text, 8000))
            form.autosaver.saving.connect(lambda: self._save_state("Saving…", SAVING_STYLE))
            form.autosaver.saved.connect(lambda: self._save_state("Saved", SAVED_STYLE))
            form.autosaver.failed.connect(lambda text: self._save_state(text, ERROR_STYLE))
            form.submitted.connect(lambda _id: self._update_actions())
            form.amended.connect(lambda _id: self._update_actions())
            self.pages.addWidget(form)
            self._form = form
        return self._form

    def _save_state(self, text: str, style: str) -> None:
        self.save_state.setText(text)
        self.save_state.setStyleSheet(style)

    def new_visit(self) -> None:
        """A draft dated now, opened in the form; it is saved at the first edit, so a new
        visit left untouched (Ctrl+N, then back) leaves no empty draft behind."""
        report = self.service.blank_visit()
        form = self.form
        form.load(report, [])
        self._save_state("", SAVED_STYLE)
        self._show_form(report.id)

    def open_visit(self, visit_id: str) -> None:
        try:
            report = self.service.load(visit_id)
        except KeyError as exc:
            QMessageBox.warning(self, "Visit not found", str(exc))
            self.visits.refresh()
            return
        form = self.form
        form.load(report, self.service.amendments(visit_id))
        self._save_state("", SAVED_STYLE)
        self._back_page = None
        self._show_form(visit_id)

    def _show_form(self, visit_id: str) -> None:
        form = self.form
        self.setWindowTitle(f"Visit report {form.reference_text()}")
        self.pages.setCurrentWidget(form)
        self._hide_undo()
        self._update_actions()
        form.header.suite.setFocus()
        self.form_opened.emit(visit_id)

    def open_report_from_page(self, visit_id: str) -> None:
        """Open a report from a coordinator page; Back (Ctrl+W) returns to that page."""
        page = self.current_page
        self.open_visit(visit_id)
        self._back_page = page

    def show_list(self) -> None:
        """Back: from a report to where it was opened from (the list, or a coordinator
        page), from a coordinator page to the list."""
        back, self._back_page = self._back_page, None
        home = self.survey.home_key()
        if home is not None:  # a survey account's laptop lists no visits
            self.show_page(home)
            return
        if (back is not None and self._form is not None
                and self.pages.currentWidget() is self._form):
            key = next(k for k, p in self._pages.items() if p is back)
            self.show_page(key)
            return
        if self.pages.currentWidget() is self.visits:
            return
        current = self._form.report.id if self._form is not None else None
        self.setWindowTitle(LIST_TITLE)
        self.pages.setCurrentWidget(self.visits)
        self.visits.refresh()
        if current is not None:
            self.visits.select(current)
        self.visits.table.setFocus()
        self._update_actions()

    def focus_search(self) -> None:
        self.show_list()
        self.visits.search.setFocus()
        self.visits.search.selectAll()

    def export_pdf(self) -> None:
        self._form_call("export_pdf")

    # Deleting drafts -----------------------------------------------------------------
    def delete_selected(self) -> None:
        summary = self.visits.selected_summary()
        if summary is None:
            return
        if summary.status is not VisitStatus.DRAFT:
            self.statusBar().showMessage(
                "A submitted report cannot be deleted: it is the record of the visit. Open "
                "it and add an amendment to correct it.", 10000
            )
            return
        suite = self.reference.suite_name(summary.suite_id) or "no suite"
        label = f"{display_date(summary.visit_date)}, {suite}"

        def deleted(_result: object) -> None:
            self._undo_visit_id = summary.id
            self.visits.refresh()
            self.statusBar().showMessage(f"Deleted the draft of {label}. Ctrl+Z undoes it.")
            self.undo_button.show()
            self._update_actions()
            self.draft_deleted.emit(summary.id)

        when_done(self.service.delete_draft(summary.id), self, deleted, self._failed)

    def undo_delete(self) -> None:
        visit_id = self._undo_visit_id
        if visit_id is None:
            return

        def restored(_result: object) -> None:
            self._hide_undo()
            self.visits.refresh()
            self.visits.select(visit_id)
            self.statusBar().showMessage("Draft restored.", 8000)
            self._update_actions()
            self.draft_restored.emit(visit_id)

        when_done(self.service.restore_draft(visit_id), self, restored, self._failed)

    def _hide_undo(self) -> None:
        self._undo_visit_id = None
        self.undo_button.hide()

    def _failed(self, exc: BaseException) -> None:
        self._save_state(str(exc), ERROR_STYLE)
        self.statusBar().showMessage(str(exc))

