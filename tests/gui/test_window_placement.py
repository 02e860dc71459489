"""The main window fits the screen it opens on and comes back where it was left; its
title says where the volunteer is, once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication

from icv_app.ui.shell.app import application
from icv_app.ui.shell.main_window import MainWindow
from tests.gui.conftest import press

pytestmark = pytest.mark.gui


def open_window(qtbot, reference, state_file) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(None, reference, state_file=state_file)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def free_area():  # type: ignore[no-untyped-def]
    return QApplication.primaryScreen().availableGeometry()


def test_the_window_opens_within_the_screen_with_its_status_bar_showing(
    qtbot, reference, tmp_path
):
    window = open_window(qtbot, reference, tmp_path / "window.ini")
    free = free_area()
    assert window.width() <= free.width() and window.height() <= free.height()
    bar = window.statusBar()
    bottom = bar.mapTo(window, bar.rect().bottomLeft()).y()
    assert bar.isVisible() and bottom < window.height()


def test_size_and_position_are_remembered(qtbot, reference, tmp_path):
    state = tmp_path / "window.ini"
    free = free_area()
    first = open_window(qtbot, reference, state)
    smallest = first.minimumSizeHint()
    size = QSize(min(smallest.width() + 30, free.width() - 20),
                 min(smallest.height() + 30, free.height() - 60))
    first.resize(size)
    first.move(free.left() + 10, free.top() + 20)
    first.close()
    assert state.exists()

    second = open_window(qtbot, reference, state)
    assert second.size() == size
    # Qt may nudge a restored window by a few pixels to keep its title bar on screen.
    assert abs(second.x() - first.x()) <= 5 and abs(second.y() - first.y()) <= 5


def test_a_size_remembered_from_a_bigger_screen_is_shrunk_to_this_one(
    qtbot, reference, tmp_path
):
    state = tmp_path / "window.ini"
    first = open_window(qtbot, reference, state)
    first.setMinimumSize(QSize(0, 0))
    first.resize(QSize(4000, 3000))  # as if on a large monitor
    first.move(3000, 2000)
    first.close()
    second = open_window(qtbot, reference, state)
    assert free_area().contains(second.geometry())


def test_the_title_names_the_app_once_and_the_report_open(qtbot, window):
    app = application()
    assert app.applicationDisplayName() == "icv-app"
    assert window.windowTitle() == "Custody visits"  # Qt adds " — icv-app" once
    with qtbot.waitSignal(window.form_opened):
        press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.windowTitle() == f"Visit report {window.form.reference_text()}"
    assert window.windowTitle().count("icv-app") == 0
    press(Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.windowTitle() == "Custody visits"
