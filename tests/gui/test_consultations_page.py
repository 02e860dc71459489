"""The Consultations page, by keyboard: a CSV export imported through the mapping dialog
(pre-filled by the automatic matching and by the mapping saved at the last import), the
import's outcome shown, and a key-in asked of the window for an email or paper response."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog

from icv_app.domain.survey.consultations import RECEIVED, RESPONSE_ID, SOURCE
from icv_app.domain.survey.records import ResponseChannel
from icv_app.services.survey.consultations import ConsultationService, mapping_setting
from icv_app.services.survey.instruments import InstrumentService
from icv_app.ui.survey.consultations_page import ConsultationsPage
from icv_app.ui.survey.page import SurveyContext
from tests.gui.test_accessible_names import unnamed
from tests.test_consultations import CHOICES, SETTINGS, SURVEY, write_csv
from tests.test_survey_engine import write_form

pytestmark = pytest.mark.gui
CTRL = Qt.KeyboardModifier.ControlModifier
HEADERS = ["Response ID", "Timestamp", "Are you responding as...", "What worries you",
           "Browser"]


@pytest.fixture
def page(qtbot, store, tmp_path):  # type: ignore[no-untyped-def]
    form = write_form(tmp_path / "consult.xlsx",
                      {"survey": SURVEY, "choices": CHOICES, "settings": SETTINGS})
    InstrumentService(store).import_file(form)
    context = SurveyContext(store=store, user_id="u-1", username="manager.one",
                            role="survey_manager",
                            now=lambda: dt.datetime(2026, 4, 20, 12, tzinfo=dt.UTC))
    widget = ConsultationsPage(context)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)
    return widget


def choose_file(monkeypatch, path: Path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a, **k: (str(path), "CSV files (*.csv)"))


def open_mapping(qtbot, page: ConsultationsPage):  # type: ignore[no-untyped-def]
    page.activateWindow()  # again, once a dialog before has closed
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    QTest.keyClick(page.form_combo, Qt.Key.Key_O, CTRL)
    qtbot.waitUntil(lambda: page.mapping_dialog is not None
                    and page.mapping_dialog.isVisible())
    return page.mapping_dialog


def test_the_dialog_is_prefilled_and_a_hand_mapping_is_saved_and_reused(
        qtbot, page, store, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    first = write_csv(tmp_path / "first.csv",
                      [["R-1", "02/03/2026 10:00", "A member of the public", "Speeding", "Edge"]],
                      HEADERS)
    choose_file(monkeypatch, first)
    dialog = open_mapping(qtbot, page)
    assert {h: c.value() for h, c in dialog.combos.items()} == {
        "Response ID": RESPONSE_ID, "Timestamp": RECEIVED,
        "Are you responding as...": "respondent_type", "What worries you": SOURCE,
        "Browser": SOURCE}
    assert QApplication.focusWidget() is dialog.combos["Response ID"]
    # By hand, by keyboard: Tab to the column's box and pick the question.
    for _ in range(3):
        QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    combo = dialog.combos["What worries you"]
    assert QApplication.focusWidget() is combo
    combo.set_value("concerns")
    with qtbot.waitSignal(page.import_finished, timeout=10_000) as done:
        QTest.keyClick(combo, Qt.Key.Key_Return)  # Import is the default button
    outcome = done.args[0]
    assert (outcome.added, outcome.already_there) == (1, 0)
    assert page.model.rowCount() == 1
    assert page.outcome.toPlainText().splitlines()[:2] == [
        "Added 1 response; 0 were already here.",
        "Kept as source metadata: Timestamp, Browser"]
    assert mapping_setting("consult").get(store.reader)["What worries you"] == "concerns"
    kept = ConsultationService(store).responses("consult")[0]
    assert json.loads(kept.answers_json) == {"respondent_type": "public",
                                             "concerns": "Speeding"}

    second = write_csv(tmp_path / "second.csv",
                       [["R-2", "03/03/2026 11:00", "Ar ran busnes", "Parking", "Firefox"]],
                       HEADERS)
    choose_file(monkeypatch, second)
    dialog = open_mapping(qtbot, page)
    assert dialog.combos["What worries you"].value() == "concerns"  # the saved mapping
    with qtbot.waitSignal(page.import_finished, timeout=10_000):
        dialog.import_button.click()
    assert page.model.rowCount() == 2
    assert page.summary.text() == "2 responses: 2 online."


def test_import_waits_for_a_response_id_column(qtbot, page, store, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    choose_file(monkeypatch, write_csv(tmp_path / "r.csv", [["R-1", "", "", "", ""]],
                                       HEADERS))
    dialog = open_mapping(qtbot, page)
    assert unnamed(dialog) == []
    dialog.combos["Response ID"].set_value(SOURCE)
    dialog.import_button.click()
    assert dialog.isVisible() and dialog.error.isVisible()
    assert "Choose the column that holds each response's id" in dialog.error.text()
    dialog.combos["Browser"].set_value(RESPONSE_ID)
    dialog.combos["Timestamp"].set_value(RESPONSE_ID)
    dialog.import_button.click()
    assert dialog.isVisible()
    assert dialog.error.text() == "Only one column can be the response id: Timestamp, Browser."
    dialog.reject()
    assert ConsultationService(store).responses("consult") == []


def test_a_file_that_cannot_be_read_says_so_and_imports_nothing(
        qtbot, page, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    latin = write_csv(tmp_path / "latin.csv", [["R-1", "Siân"]], ["Response ID", "Name"],
                      encoding="cp1252")
    choose_file(monkeypatch, latin)
    with qtbot.waitSignal(page.import_finished) as done:
        QTest.keyClick(page.form_combo, Qt.Key.Key_O, CTRL)
    assert page.mapping_dialog is None
    assert isinstance(done.args[0], Exception)
    assert page.outcome.toPlainText().startswith(
        "Nothing was imported. latin.csv is not UTF-8 text")


def test_ctrl_k_asks_for_a_key_in_of_the_form_by_the_channel_chosen(qtbot, page):  # type: ignore[no-untyped-def]
    assert unnamed(page) == []
    page.channel_combo.setFocus()
    page.channel_combo.set_value(ResponseChannel.PAPER)
    with qtbot.waitSignal(page.key_in_requested) as asked:
        QTest.keyClick(page.channel_combo, Qt.Key.Key_K, CTRL)
    assert asked.args == ["consult", "paper"]
