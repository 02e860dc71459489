"""The visit form and the visits list offer the scheme's lists as they are on this
laptop: a suite a coordinator closed (arriving by sync) is no longer offered for a new
visit, a new suite is, and the list names suites by their current names."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt

from icv_app.domain.custody.reference import records_from
from icv_app.services.custody.reference import ReferenceService
from tests.gui.conftest import press

pytestmark = pytest.mark.gui


def test_a_suite_closed_by_sync_leaves_the_open_forms_choices(qtbot, window, store, reference):
    with qtbot.waitSignal(window.form_opened):
        press(Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    form = window.form
    target = next(s for s in reference.suites if s.open)
    assert target.id in form.header.suite.values()

    # What a pull of the coordinator's edit writes: the scheme's suites as records, one
    # of them closed and one new.
    suites, _panels, _visitors = records_from(reference)
    closed = [dataclasses.replace(s, open=False) if s.code == target.id else s for s in suites]
    new = dataclasses.replace(suites[0], code="suite-harbour-view", name="Harbour View",
                              id="0b6c3a52-7d3e-4d8e-9a61-3d0f2a1b9c55")
    service = ReferenceService(store, reference)
    for record in (*closed, new):
        service.save(record).result()
    qtbot.waitUntil(lambda: "suite-harbour-view" in form.header.suite.values(), timeout=5000)
    assert target.id not in form.header.suite.values()
    assert any(s.id == target.id and not s.open for s in window.reference.suites)

    press(Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert "suite-harbour-view" in window.visits.suite.values()
