"""Suites, panels and visitors (Coordination, Ctrl+6): the scheme's lists, edited by the
coordinator and synced to every laptop as records (not a file shipped with the app).

Three tabs, each a table and an editor of the entry selected. Ctrl+S saves it, after the
kind's own checks (a name is required...) and a name or code no other entry has. Closing
a suite asks first (Cancel is the default): it is no longer offered for new visits, on
this laptop at once and on every laptop after its next sync; reports that name it keep
it. Renaming a panel renames it for its suites and visitors in the same save.

Until the laptop holds records of a list (never synced, or the scheme has none yet) the
page shows the app's sample lists, with a note saying so; the first save writes the whole
of each such list as records, and asks first when this laptop has never synced (see
:mod:`icv_app.services.custody.reference_editing` for why).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QMessageBox, QTabWidget, QVBoxLayout, QWidget

from icv_app.domain.custody.reference import SuiteRecord
from icv_app.domain.custody.validation import plural
from icv_app.services.custody.reference_editing import (
    ReferenceEditing,
    ReferenceLists,
    problems,
    records_to_write,
    renamed_panel,
)
from icv_app.ui.coordinator.page import CoordinatorContext, CoordinatorPage
from icv_app.ui.coordinator.reference_tabs import ListTab, PanelsTab, SuitesTab, VisitorsTab
from icv_app.ui.shared.field_cell import NOTE_COLOUR
from icv_app.ui.shared.tasks import when_done

if TYPE_CHECKING:
    from icv_app.services.custody.reference_editing import Record
    from icv_app.store.changes import StoreChange

REFERENCE_KINDS = frozenset({"suite", "panel", "visitor"})
LIST_NAMES = {"suite": "suites", "panel": "panels", "visitor": "visitors"}


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


class ReferencePage(CoordinatorPage):
    """Signals:
    lists_loaded(): the tables show the lists as they are on this laptop now.
    record_saved(str): the entry with this id was saved (with any it changed).
    """

    lists_loaded = Signal()
    record_saved = Signal(str)
    title = "Suites, panels and visitors"

    def __init__(self, context: CoordinatorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.editing = ReferenceEditing(context.references)
        self.lists = ReferenceLists([], [], [])
        self.dialog: QWidget | None = None
        self._origin = f"reference-page-{id(self)}"

        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setAccessibleName("About these lists")
        self.note.setStyleSheet(f"color: {NOTE_COLOUR};")
        self.note.hide()
        self.suites = SuitesTab(self._open)
        self.panels = PanelsTab(self._open)
        self.visitors = VisitorsTab(self._open)
        self.tabs = QTabWidget()
        # Mnemonics: the menu bar holds F, E, V, N and Y.
        for tab, title in ((self.suites, "&Suites"), (self.panels, "&Panels"),
                           (self.visitors, "V&isitors")):
            self.tabs.addTab(tab, title)
            tab.save_requested.connect(lambda tab=tab: self.save(tab))
        self.tabs.currentChanged.connect(lambda _i: self.setFocusProxy(self.tabs.currentWidget()))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.note)
        layout.addWidget(self.tabs, 1)
        self.setFocusProxy(self.suites)

        save = QShortcut(QKeySequence.StandardKey.Save, self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(lambda: self.save(self.current_tab))
        self.reload()

    @property
    def current_tab(self) -> ListTab:
        tab = self.tabs.currentWidget()
        assert isinstance(tab, ListTab)
        return tab

    @property
    def tab_list(self) -> tuple[ListTab, ...]:
        return (self.suites, self.panels, self.visitors)

    # Following the store ---------------------------------------------------------------
    def shown(self) -> None:
        self.reload()

    def store_changed(self, change: StoreChange) -> None:
        if REFERENCE_KINDS & change.kinds and change.origin != self._origin:
            self.reload()

    def reload(self) -> None:
        """Read the lists (a few hundred rows at most) and show them, keeping what is
        typed in each editor."""
        self.lists = self.editing.lists()
        for tab in self.tab_list:
            tab.set_lists(self.lists)
        self._show_note()
        self.lists_loaded.emit()

    def _show_note(self) -> None:
        shipped = [LIST_NAMES[k] for k in ("suite", "panel", "visitor") if k in self.lists.shipped]
        if not shipped:
            self.note.hide()
            return
        text = (f"These {_and(shipped)} are the app's sample lists: this laptop holds none "
                "of the scheme's own yet. If your scheme keeps its lists on the central "
                "store, a sync (F5) brings them here in place of these. The first save here "
                "writes these lists, with your change, as the scheme's lists, sent to every "
                "laptop at the next sync.")
        if self.editing.last_synced() is None:
            text += " This laptop has not synced yet."
        self.note.setText(text)
        self.note.show()

    # Saving ----------------------------------------------------------------------------
    def save(self, tab: ListTab) -> None:
        """Save the entry in ``tab``'s editor, after its checks and any confirmation."""
        if tab.record is None:
            return
        if not tab.dirty and not tab.is_new:
            self.status_message.emit(f"Nothing to save: the {tab.noun} is as saved.")
            self._then(tab)
            return
        record = tab.to_save()
        found = problems(record, self.lists)
        if found:
            tab.then = None
            tab.show_problems(found)
            self.status_message.emit(f"The {tab.noun} was not saved: {found[0].message}")
            return
        edited: list[Record] = [record]
        if tab is self.panels and not tab.is_new and tab.record.name != record.name:
            edited += renamed_panel(self.lists, tab.record.name, record.name)
        steps: list[Callable[[Callable[[], None]], None]] = []
        if (isinstance(record, SuiteRecord) and not tab.is_new and tab.record.open
                and not record.open):
            steps.append(lambda go: self._confirm_closing(record.name, go))
        if self.lists.shipped and self.editing.last_synced() is None:
            steps.append(self._confirm_first_save)
        self._run(steps, lambda: self._write(tab, record, edited), tab)

    def _run(self, steps: list[Callable[[Callable[[], None]], None]],
             done: Callable[[], None], tab: ListTab) -> None:
        if not steps:
            done()
            return
        first, rest = steps[0], steps[1:]
        first(lambda: self._run(rest, done, tab))

    def _write(self, tab: ListTab, record: Record, edited: list[Record]) -> None:
        first = bool(self.lists.shipped)
        records = records_to_write(self.lists, edited)
        self.status_message.emit(f"Saving the {tab.noun}…")
        future = self.editing.save(records, origin=self._origin)
        when_done(future, self, lambda count: self._written(tab, record, count, first),
                  lambda exc: self._failed(tab, exc))

    def _written(self, tab: ListTab, record: Record, count: int, first: bool) -> None:
        tab.record, tab.is_new = record, False  # what the editor holds is saved now
        self.reload()
        tab.select(record.id)
        message = f"Saved the {tab.noun} {record.name}."
        if first:
            lists = self.lists
            message += (f" The scheme's lists are now records ({plural(len(lists.suites), 'suite')}"
                        f", {plural(len(lists.panels), 'panel')}, "
                        f"{plural(len(lists.visitors), 'visitor')}), sent to every laptop "
                        "at the next sync.")
        elif count > 1:
            message += f" {plural(count - 1, 'other entry', 'other entries')} changed with it."
        if isinstance(record, SuiteRecord) and not record.open:
            message += " It is no longer offered for new visits."
        self.status_message.emit(message)
        self.record_saved.emit(record.id)
        self._then(tab)

    def _then(self, tab: ListTab) -> None:
        then, tab.then = tab.then, None
        if then is not None:
            then()

    def _failed(self, tab: ListTab, exc: BaseException) -> None:
        tab.then = None
        box = QMessageBox(QMessageBox.Icon.Critical, f"The {tab.noun} was not saved",
                          f"The {tab.noun} was not saved", QMessageBox.StandardButton.Ok, self)
        box.setInformativeText(f"{exc}\n\nWhat you typed is still in the form.")
        self._open(box)

    # Confirmations ---------------------------------------------------------------------
    def _confirm(self, title: str, text: str, detail: str, action: str,
                 go: Callable[[], None]) -> None:
        box = QMessageBox(QMessageBox.Icon.Question, title, text,
                          QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText(detail)
        accept = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        accept.setAccessibleName(action.replace("&", ""))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setEscapeButton(QMessageBox.StandardButton.Cancel)

        def answered(_result: int) -> None:
            if box.clickedButton() is accept:
                go()
            else:
                self.current_tab.then = None
                self.status_message.emit("Not saved; your changes are still in the form.")

        box.finished.connect(answered)
        self._open(box)

    def _confirm_closing(self, name: str, go: Callable[[], None]) -> None:
        self._confirm(
            f"Close {name}?",
            f"{name} will no longer be offered for new visits: on this laptop at once, and "
            "on every laptop after its next sync.",
            "Reports that name it keep it. You can open it again later.",
            "C&lose the suite", go)

    def _confirm_first_save(self, go: Callable[[], None]) -> None:
        lists = self.lists
        self._confirm(
            "Make these the scheme's lists?",
            "This laptop has not synced yet: the lists shown are the app's samples.",
            f"Saving writes them, with your change, as the scheme's lists "
            f"({plural(len(lists.suites), 'suite')}, {plural(len(lists.panels), 'panel')}, "
            f"{plural(len(lists.visitors), 'visitor')}), sent to every laptop at the next "
            "sync. If your scheme already keeps its lists on the central store, cancel and "
            "sync first (F5).",
            "Save the &lists", go)

    def _open(self, dialog: QWidget) -> None:
        """Open window-modal with the keyboard focus (Escape cancels)."""
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self.window().activateWindow())  # type: ignore[attr-defined]
        dialog.finished.connect(dialog.deleteLater)  # type: ignore[attr-defined]
        dialog.open()  # type: ignore[attr-defined]
        dialog.activateWindow()
