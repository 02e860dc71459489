"""Quick-hide: one key (F12) blanks the window to a neutral screen at once, for an
interviewer whose respondent, or whoever is near the screen, must not see what is on it
(a survivor consultation). F12 again brings everything back as it was.

While hidden, nothing of the app is painted: the window's pages give way to an empty
notes page, the menu and status bars go, every other window of the app (a dialog) is
hidden, and the title says "Notes" with no application name. Nothing is closed or lost:
an interview in progress stays where it was (every answer is already saved).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QPlainTextEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

KEY = Qt.Key.Key_F12
NEUTRAL_TITLE = "Notes"


class NeutralScreen(QWidget):
    """An empty notes page: nothing in it says what the app is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("neutral_screen")
        self.setStyleSheet("background: #ffffff;")
        layout = QVBoxLayout(self)
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Notes")
        self.notes.setFrameShape(QPlainTextEdit.Shape.NoFrame)
        layout.addWidget(self.notes)


class QuickHide(QObject):
    """F12 in ``window`` or any dialog over it hides everything behind a
    :class:`NeutralScreen` in ``pages``, and restores it.

    F12 is caught before any widget sees it (an application event filter), whichever
    widget has the keyboard: a text box, a table, a dialog, a menu. Not a shortcut: two
    windows with the same application-wide shortcut (a test's windows) would make it
    ambiguous, and neither would fire.

    Signals: toggled(bool): True when hidden."""

    toggled = Signal(bool)

    def __init__(self, window: QMainWindow, pages: QStackedWidget) -> None:
        super().__init__(window)
        self.window = window
        self.pages = pages
        self.screen = NeutralScreen()
        pages.addWidget(self.screen)
        self._before: QWidget | None = None
        self._title = ""
        self._display_name = ""
        self._bars: list[QWidget] = []
        self._hidden_windows: list[QWidget] = []
        self._focus: QWidget | None = None
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)  # removed by Qt when this object goes

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() is QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
                and event.key() == KEY
                and event.modifiers() == Qt.KeyboardModifier.NoModifier
                and self._ours(QApplication.activeWindow())):
            if not event.isAutoRepeat():  # held down: once
                self.toggle()
            return True
        return False

    def _ours(self, active: QWidget | None) -> bool:
        """The key was pressed in this window, or in a window over it (a dialog)."""
        widget = active
        while widget is not None:  # parentWidget crosses windows, isAncestorOf does not
            if widget is self.window:
                return True
            widget = widget.parentWidget()
        return False

    @property
    def hidden(self) -> bool:
        return self._before is not None

    def toggle(self) -> None:
        if self.hidden:
            self.restore()
        else:
            self.hide()

    def hide(self) -> None:
        if self.hidden:
            return
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self._focus = app.focusWidget()
        self._before = self.pages.currentWidget()
        self._title = self.window.windowTitle()
        self._display_name = QGuiApplication.applicationDisplayName()
        # Other windows first (a dialog over the interview), then this one's contents.
        self._hidden_windows = [w for w in app.topLevelWidgets()
                                if w is not self.window and w.isVisible()]
        for other in self._hidden_windows:
            other.hide()
        self._bars = [bar for bar in (self.window.menuBar(), self.window.statusBar())
                      if bar.isVisible()]
        for bar in self._bars:
            bar.hide()
        self.pages.setCurrentWidget(self.screen)
        QGuiApplication.setApplicationDisplayName("")
        self.window.setWindowTitle(NEUTRAL_TITLE)
        # The dialog that had the keyboard is gone: this window takes it, so that F12
        # (and only F12) brings everything back.
        self.window.activateWindow()
        self.screen.notes.setFocus()
        self.toggled.emit(True)

    def restore(self) -> None:
        before = self._before
        if before is None:
            return
        self._before = None
        self.screen.notes.clear()
        QGuiApplication.setApplicationDisplayName(self._display_name)
        self.window.setWindowTitle(self._title)
        for bar in self._bars:
            bar.show()
        if self.pages.indexOf(before) >= 0:
            self.pages.setCurrentWidget(before)
        for other in self._hidden_windows:
            other.show()
        if self._hidden_windows:
            self._hidden_windows[-1].activateWindow()  # a dialog takes the keyboard back
        self._hidden_windows = []
        if self._focus is not None:
            self._focus.setFocus()
        self.toggled.emit(False)
