"""Results of background work reach widgets on the main thread, never blocking it."""

from __future__ import annotations

import threading
from concurrent.futures import Future

import pytest
import shiboken6
from PySide6.QtCore import QObject

from icv_app.ui.shared.tasks import run_in_background, when_done

pytestmark = pytest.mark.gui


def test_a_result_from_another_thread_arrives_on_the_main_thread(qtbot):
    seen: list[tuple[object, str]] = []
    future = run_in_background(lambda: 6 * 7)
    when_done(future, None, lambda value: seen.append((value, threading.current_thread().name)))
    qtbot.waitUntil(lambda: bool(seen))
    assert seen == [(42, threading.main_thread().name)]


def test_a_failure_goes_to_the_failure_callback(qtbot):
    failures: list[BaseException] = []
    future = run_in_background(lambda: 1 / 0)
    when_done(future, None, lambda _v: pytest.fail("no result expected"), failures.append)
    qtbot.waitUntil(lambda: bool(failures))
    assert isinstance(failures[0], ZeroDivisionError)


def test_a_done_future_is_still_delivered_later_not_inline(qtbot):
    future: Future[int] = Future()
    future.set_result(1)
    seen: list[int] = []
    when_done(future, None, seen.append)
    assert seen == []  # queued, so callers see one order of events
    qtbot.waitUntil(lambda: seen == [1])


def test_a_deleted_receiver_gets_nothing(qtbot):
    receiver = QObject()
    future: Future[int] = Future()
    seen: list[int] = []
    when_done(future, receiver, seen.append)
    marker: list[int] = []
    when_done(future, None, marker.append)
    receiver.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(receiver))
    future.set_result(3)
    qtbot.waitUntil(lambda: marker == [3])
    assert seen == []
