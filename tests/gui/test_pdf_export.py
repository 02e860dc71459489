"""Exporting a report as PDF runs off the UI thread and tells the user where it went."""

from __future__ import annotations

import sys
import threading
import types

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from icv_app.domain.custody.visit import VisitStatus
from tests.gui.conftest import make_visit, press

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def fake_pdf(monkeypatch):
    """Record the call instead of drawing (the PDF itself is tested with the reports)."""
    calls: list[dict] = []

    def write_visit_pdf(report, amendments, reference, path):
        calls.append({"report": report, "amendments": amendments, "path": path,
                      "thread": threading.current_thread().name})
        path.write_bytes(b"%PDF-1.4 fake")

    module = types.ModuleType("icv_app.reports.custody.visit_pdf")
    module.write_visit_pdf = write_visit_pdf
    monkeypatch.setitem(sys.modules, "icv_app.reports.custody.visit_pdf", module)
    return calls


def test_ctrl_p_writes_the_open_report_on_a_worker(qtbot, seed, window, tmp_path, monkeypatch,
                                                   fake_pdf, service):
    report = make_visit(status=VisitStatus.SUBMITTED, custody_numbers=("01NS/0421/26",))
    seed([report])
    service.add_amendment(report.id, "Typo", "Arrival was 14:05.").result()
    window.visits.refresh()
    window.open_visit(report.id)
    target = tmp_path / "out" / "visit"
    suggested: list[str] = []

    def save_name(parent, caption, directory, filter_):
        suggested.append(directory)
        return str(target), filter_

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    with qtbot.waitSignal(window.form.pdf_exported, timeout=5000) as done:
        press(Qt.Key.Key_P, CTRL)
    assert done.args == [str(target.with_suffix(".pdf"))]
    assert suggested[0].endswith("visit-2026-03-02-ashford-road.pdf")
    (call,) = fake_pdf
    assert call["thread"] != threading.current_thread().name
    assert call["report"].id == report.id and call["report"] is not window.form.report
    assert [a.reason for a in call["amendments"]] == ["Typo"]
    assert target.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    assert "PDF saved to" in window.statusBar().currentMessage()


def test_cancelling_the_file_dialog_writes_nothing(qtbot, seed, window, monkeypatch, fake_pdf):
    report = make_visit()
    seed([report])
    window.visits.refresh()
    window.open_visit(report.id)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    press(Qt.Key.Key_E, CTRL)
    assert fake_pdf == []
