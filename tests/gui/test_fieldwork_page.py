"""The Fieldwork page of a survey manager's laptop, by keyboard: the shipped perception
form imported (and a broken one refused with its sheet, row and column), a sample with a
bad row refused with its problems and then its good rows imported, cases of an area
assigned to an interviewer (a typed user id, or an account listed by the central store),
the quota's overfilled cell flagged in words, and each interviewer's figures."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QWidget,
)

from icv_app.domain.serialize import to_dict
from icv_app.domain.survey.records import (
    CallOutcome,
    InterviewMode,
    InterviewStatus,
    SurveyInterview,
)
from icv_app.services.survey.cati import CatiError, CatiService, SampleImport
from icv_app.services.survey.instruments import InstrumentService
from icv_app.services.survey.quota_sync import CellCountAnswer, QuotaCountsAnswer, store_counts
from icv_app.services.survey.quotas import QuotaService
from icv_app.store.local_store import LocalStore
from icv_app.store.records import save_record
from icv_app.survey_commands import shipped_forms
from icv_app.sync import credentials as cred
from icv_app.sync.admin_client import AdminOffline
from icv_app.ui.shared.field_cell import ERROR_COLOUR
from icv_app.ui.shared.store_events import StoreEvents
from icv_app.ui.survey import fieldwork_page
from icv_app.ui.survey.fieldwork_page import FieldworkPage, Interviewer
from icv_app.ui.survey.page import SurveyContext
from tests.gui.conftest import focused, sign_in_survey
from tests.gui.test_accessible_names import unnamed
from tests.test_survey_engine import write_form

pytestmark = pytest.mark.gui
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
MANAGER = "9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f"
INTERVIEWER = "5b0c4f1e-7a52-4d8e-9c36-1f0e2a7d4b91"
NOW = dt.datetime(2030, 3, 4, 9, 0, tzinfo=dt.UTC)
CELL = "shropshire|age_35_44|woman"
OTHER = "herefordshire|age_16_24|man"
# The window's menus: File, Edit, Sync, Survey, and an admin's Visit and Coordination.
WINDOW_MNEMONICS = set("feysvn")
# Herefordshire and Shropshire cases in sample order (phones from Ofcom's drama range).
SAMPLE = [("H-01", "07700 900101", "Herefordshire"), ("S-01", "07700 900102", "Shropshire"),
          ("S-02", "07700 900103", "Shropshire"), ("H-02", "07700 900104", "Herefordshire"),
          ("S-03", "07700 900105", "Shropshire"), ("S-04", "07700 900106", "Shropshire")]


def write_sample(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    lines = ["case_id,phone,area,age_band",
             *(f"{ref},{tel},{area},35-54" for ref, tel, area in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def choose(monkeypatch: pytest.MonkeyPatch, path: Path | None) -> list[str]:
    """The file dialog answers ``path`` (None: cancelled); returns the captions asked."""
    asked: list[str] = []

    def answer(_parent: QWidget, caption: str, *_a: object, **_k: object) -> tuple[str, str]:
        asked.append(caption)
        return (str(path) if path else "", "")

    monkeypatch.setattr(QFileDialog, "getOpenFileName", answer)
    return asked


def alt(key: Qt.Key) -> None:
    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert target is not None
    QTest.keyClick(target, key, ALT)


def rows(table: QTableWidget) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def hold_perception(store: LocalStore) -> None:
    InstrumentService(store).import_file(shipped_forms()["perception"])


def import_sample(store: LocalStore, tmp_path: Path) -> None:
    CatiService(store, MANAGER, now=lambda: NOW).import_sample(
        write_sample(tmp_path / "sample.csv", SAMPLE), "perception")


def make_page(qtbot, store: LocalStore) -> FieldworkPage:  # type: ignore[no-untyped-def]
    context = SurveyContext(store=store, user_id=MANAGER, username="manager.one",
                            role="survey_manager", now=lambda: NOW)
    widget = FieldworkPage(context)
    qtbot.addWidget(widget, before_close_func=lambda w: qtbot.waitUntil(
        lambda: not w.reading and not w.busy))
    events = StoreEvents(store.changes, widget)  # as the main window passes changes on
    events.changed.connect(widget.store_changed)
    qtbot.waitUntil(lambda: widget.forms is not None and not widget.reading)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)
    return widget


@pytest.fixture
def empty(qtbot, store: LocalStore) -> FieldworkPage:  # type: ignore[no-untyped-def]
    return make_page(qtbot, store)


@pytest.fixture
def page(qtbot, store: LocalStore, tmp_path: Path) -> FieldworkPage:  # type: ignore[no-untyped-def]
    """The perception form held, with its sample of six cases."""
    hold_perception(store)
    import_sample(store, tmp_path)
    widget = make_page(qtbot, store)
    assert widget.form_id == "perception"
    return widget


# --- forms ------------------------------------------------------------------------------


def test_the_shipped_form_is_imported_by_ctrl_o_and_a_broken_one_is_refused_where_wrong(
        qtbot, empty, store, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    page = empty
    assert page.form_id is None and rows(page.forms_table) == []
    assert not page.import_sample_button.isEnabled() and not page.assign_button.isEnabled()
    choose(monkeypatch, shipped_forms()["perception"])
    with qtbot.waitSignal(page.form_import_finished, timeout=10_000) as done:
        QTest.keyClick(page.forms_table, Qt.Key.Key_O, CTRL)
    assert done.args[0].added
    held = InstrumentService(store).forms()
    qtbot.waitUntil(lambda: len(rows(page.forms_table)) == 1)
    assert rows(page.forms_table) == [["perception", held[0].version, held[0].title, "0"]]
    assert page.form_id == "perception"
    assert page.import_sample_button.isEnabled() and page.assign_button.isEnabled()

    bad = write_form(tmp_path / "bad.xlsx", {
        "survey": [["type", "name", "label"], ["integer", "age", "Age"],
                   ["geopoint", "where", "Where?"]],
        "settings": [["form_id", "version"], ["bad", "1"]]})
    choose(monkeypatch, bad)
    with qtbot.waitSignal(page.form_import_finished, timeout=10_000) as done:
        alt(Qt.Key.Key_I)
    assert isinstance(done.args[0], Exception)
    notice = page.notice
    assert notice is not None and notice.isVisible()
    assert notice.text().startswith("Nothing was imported. bad.xlsx, sheet survey, row 3, "
                                    "column type: ")
    assert "geopoint" in notice.text()
    notice.accept()
    assert [f.form_id for f in InstrumentService(store).forms()] == ["perception"]
    assert len(rows(page.forms_table)) == 1


def test_choosing_another_form_in_the_list_shows_its_sample(qtbot, page, store):  # type: ignore[no-untyped-def]
    InstrumentService(store).import_file(shipped_forms()["strategy_consultation"])
    qtbot.waitUntil(lambda: page.forms_table.rowCount() == 2)
    alt(Qt.Key.Key_R)
    assert focused() is page.forms_table and page.form_id == "perception"
    QTest.keyClick(page.forms_table, Qt.Key.Key_Down)
    assert page.form_id == "strategy_consultation"
    qtbot.waitUntil(lambda: page.cases_summary.text() == (
        "No sample for strategy_consultation yet: import one."))
    assert rows(page.cases_table) == [] and page.area_combo.values() == [None]
    QTest.keyClick(page.forms_table, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: page.cases_summary.text().startswith("6 cases"))


# --- the sample ---------------------------------------------------------------------------


def test_a_sample_with_a_bad_row_lists_its_problems_then_imports_the_good_rows(
        qtbot, empty, store, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    hold_perception(store)
    page = empty
    qtbot.waitUntil(lambda: page.form_id == "perception")
    bad_row = ("S-05", "01234", "Shropshire")  # row 8 of the file: no number to dial
    asked = choose(monkeypatch, write_sample(tmp_path / "sample.csv", [*SAMPLE, bad_row]))
    with qtbot.waitSignal(page.sample_import_finished, timeout=10_000) as done:
        alt(Qt.Key.Key_M)
    assert asked == ["Import a sample for perception"]
    refused = done.args[0]
    assert isinstance(refused, SampleImport) and refused.refused
    dialog = page.problems_dialog
    assert dialog is not None and dialog.isVisible() and unnamed(dialog) == []
    assert dialog.problems.toPlainText() == (
        "sample.csv, row 8, column phone: not a phone number that could be dialled (a UK "
        "number: 0 or +44, then 9 or 10 digits).")
    assert page.outcome.toPlainText().startswith("Nothing was imported: sample.csv has bad")
    assert page.cases_summary.text() == "No sample for perception yet: import one."

    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    with qtbot.waitSignal(page.sample_import_finished, timeout=10_000) as done:
        QTest.keyClick(dialog.problems, Qt.Key.Key_G, ALT)  # Import the good rows
    assert (done.args[0].added, done.args[0].already_there) == (6, 0)
    assert page.outcome.toPlainText().splitlines() == [
        "Added 6 cases to perception, 0 were already here.",
        "1 bad row left out:",
        "sample.csv, row 8, column phone: not a phone number that could be dialled (a UK "
        "number: 0 or +44, then 9 or 10 digits)."]
    qtbot.waitUntil(lambda: page.cases_summary.text() == (
        "6 cases: 6 open and not assigned, 0 open and assigned, 0 closed."))
    assert rows(page.cases_table) == [["Not assigned", "6", "0"]]
    assert page.area_combo.values() == [None, "Herefordshire", "Shropshire"]
    assert page.area_combo.itemText(2) == "Shropshire (4 not assigned)"

    # Again, with two cases already here and a new one: no problems, no dialog.
    again = [SAMPLE[0], SAMPLE[1], ("T-01", "07700 900107", "Telford and Wrekin")]
    choose(monkeypatch, write_sample(tmp_path / "more.csv", again))
    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page)
    with qtbot.waitSignal(page.sample_import_finished, timeout=10_000):
        page.import_sample_button.click()
    assert page.problems_dialog is None
    assert page.outcome.toPlainText() == "Added 1 case to perception, 2 were already here."
    qtbot.waitUntil(lambda: page.cases_summary.text().startswith("7 cases"))


# --- assigning ----------------------------------------------------------------------------


def test_three_cases_of_an_area_are_assigned_to_a_typed_interviewer_id(
        qtbot, page, store):  # type: ignore[no-untyped-def]
    alt(Qt.Key.Key_T)
    QTest.keyClicks(focused(), INTERVIEWER)
    alt(Qt.Key.Key_H)
    assert focused() is page.count_spin
    QTest.keyClicks(focused(), "3")  # the shortcut selected the number there
    alt(Qt.Key.Key_A)
    assert focused() is page.area_combo
    QTest.keyClicks(focused(), "S")  # Shropshire
    assert page.area_combo.value() == "Shropshire" and page.count_spin.value() == 3
    with qtbot.waitSignal(page.assign_finished, timeout=10_000) as done:
        alt(Qt.Key.Key_G)
    assert done.args == [3]
    assert page.assign_result.text() == (
        f"Assigned 3 cases of perception in Shropshire to {INTERVIEWER}. They reach the "
        "interviewer with the next sync (this laptop's, then theirs).")
    qtbot.waitUntil(lambda: page.cases_summary.text() == (
        "6 cases: 3 open and not assigned, 3 open and assigned, 0 closed."))
    assert rows(page.cases_table) == [["Not assigned", "3", "0"], [INTERVIEWER, "3", "0"]]
    assert page.area_combo.itemText(2) == "Shropshire (1 not assigned)"
    queue = CatiService(store, INTERVIEWER, now=lambda: NOW).queue()
    assert [(e.case_ref, e.area) for e in queue] == [
        ("S-01", "Shropshire"), ("S-02", "Shropshire"), ("S-03", "Shropshire")]

    # Asking for more than are left assigns what there is, and says so.
    with qtbot.waitSignal(page.assign_finished, timeout=10_000) as done:
        page.assign_button.click()
    assert done.args == [1]
    assert "(only 1 open and not assigned in Shropshire)" in page.assign_result.text()


def test_an_interviewer_that_is_neither_an_account_nor_an_id_is_refused(
        qtbot, page, store):  # type: ignore[no-untyped-def]
    page.interviewer_combo.setEditText("somebody")
    with qtbot.waitSignal(page.assign_finished) as done:
        alt(Qt.Key.Key_G)
    assert isinstance(done.args[0], CatiError)
    assert page.assign_result.text().startswith(
        "'somebody' is neither an interviewer account listed here nor a user id")
    assert focused() in (page.interviewer_combo, page.interviewer_combo.lineEdit())
    assert CatiService(store, INTERVIEWER, now=lambda: NOW).queue() == []
    assert page.cases_summary.text().startswith("6 cases: 6 open and not assigned")


def test_signed_in_the_interviewers_accounts_are_listed_and_offline_an_id_is_typed(
        qtbot, page, store, monkeypatch):  # type: ignore[no-untyped-def]
    page.load_accounts()  # not signed in: nothing to ask
    assert page.accounts_note.text() == ("Not signed in to the central store: type the "
                                         "interviewer's user id.")
    account = cred.Account(server_url="https://icv.example.test", username="manager.one",
                           user_id=MANAGER, role="survey_manager", device_id="laptop-7")
    store.writer.submit(lambda db: cred.save_account(db, account)).result()
    monkeypatch.setattr(fieldwork_page, "interviewer_accounts",
                        lambda _store: [Interviewer(INTERVIEWER, "int.one")])
    with qtbot.waitSignal(page.accounts_loaded, timeout=10_000):
        page.shown()
    assert [page.interviewer_combo.itemText(i)
            for i in range(page.interviewer_combo.count())] == ["int.one"]
    assert page.accounts_note.text().startswith("1 interviewer account on the central store")
    page.interviewer_combo.setCurrentIndex(0)
    page.count_spin.setValue(2)
    with qtbot.waitSignal(page.assign_finished, timeout=10_000) as done:
        alt(Qt.Key.Key_G)
    assert done.args == [2] and "to int.one." in page.assign_result.text()
    qtbot.waitUntil(lambda: ["int.one", "2", "0"] in rows(page.cases_table))

    def offline(_store: LocalStore) -> list[Interviewer]:
        raise AdminOffline()

    monkeypatch.setattr(fieldwork_page, "interviewer_accounts", offline)
    with qtbot.waitSignal(page.accounts_loaded, timeout=10_000):
        alt(Qt.Key.Key_L)
    assert page.accounts_note.text().startswith(
        "The accounts could not be listed (The central store cannot be reached")
    assert page.accounts_note.text().endswith("Type the interviewer's user id instead.")


# --- quotas and figures -------------------------------------------------------------------


def test_the_quota_table_follows_the_counts_and_flags_an_overfilled_cell_in_words(
        qtbot, page, store):  # type: ignore[no-untyped-def]
    assert page.quota_note.text().startswith("No quota for this form.")
    QuotaService(store, MANAGER, now=lambda: NOW).define(
        "perception", ["area", "age_band", "gender"], {CELL: 2, OTHER: 5},
        name="Area x age x gender")
    qtbot.waitUntil(lambda: page.quotas_table.rowCount() == 2)
    assert rows(page.quotas_table) == [[CELL, "2", "0", "2", "Open"],
                                       [OTHER, "5", "0", "5", "Open"]]
    assert page.quotas_table.horizontalHeaderItem(0).text() == "Cell (area | age_band | gender)"

    # The counts the central store gave at a sync: one interview beyond the target.
    answer = QuotaCountsAnswer(form_id="perception", cells=[
        CellCountAnswer(cell=CELL, achieved=3, target=2, overfilled_by=1,
                        flagged=["interview-late"]),
        CellCountAnswer(cell=OTHER, achieved=1, target=5)])
    store.writer.submit(lambda db: store_counts(db, answer, NOW, MANAGER)).result()
    qtbot.waitUntil(lambda: rows(page.quotas_table)[0][2] == "3")
    assert rows(page.quotas_table) == [
        [CELL, "2", "3", "0", "Overfilled by 1, 1 interview flagged"],
        [OTHER, "5", "1", "4", "Open"]]
    state = page.quotas_table.item(0, 4)
    assert state.foreground().color() == QColor(ERROR_COLOUR) and state.font().bold()
    assert page.quotas_table.item(1, 4).foreground().color() != QColor(ERROR_COLOUR)
    assert page.quota_note.text().endswith("1 cell overfilled.")


def test_a_quota_is_defined_from_a_csv_file_and_a_bad_row_is_named(
        qtbot, page, store, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad targets.csv"
    bad.write_text("area,age_band,gender,target\n"
                   "shropshire,age_35_44,woman,20\n"
                   "shropshire,age_35_44,martian,5\n", encoding="utf-8")
    choose(monkeypatch, bad)
    page.define_quota()
    text = page.outcome.toPlainText()
    assert text.startswith("The quota for perception was not changed")
    assert "bad targets.csv, row 3" in text and "martian" in text
    assert QuotaService(store, MANAGER).quota("perception") is None  # nothing kept

    good = tmp_path / "targets.csv"
    good.write_text("area,age_band,gender,target\n"
                    "shropshire,age_35_44,woman,20\n"
                    "herefordshire,age_25_34,man,12\n", encoding="utf-8")
    choose(monkeypatch, good)
    page.define_quota()
    assert page.outcome.toPlainText().startswith(
        "Quota for perception kept: 2 cells of area × age_band × gender, 32 interviews")
    quota = QuotaService(store, MANAGER).quota("perception")
    assert quota is not None and quota.variables == ["area", "age_band", "gender"]
    qtbot.waitUntil(lambda: page.quotas_table.rowCount() == 2)


def test_the_figures_table_shows_each_interviewers_calls_and_completes(
        qtbot, page, store):  # type: ignore[no-untyped-def]
    assert rows(page.figures_table) == []
    CatiService(store, MANAGER, now=lambda: NOW).assign("perception", INTERVIEWER, count=2)
    calls = CatiService(store, INTERVIEWER, now=lambda: NOW)
    first, second = (e.case_id for e in calls.queue())
    calls.record_attempt(first, CallOutcome.COMPLETED)
    calls.record_attempt(second, CallOutcome.REFUSED)
    interview = SurveyInterview(
        form_id="perception", form_version=InstrumentService(store).forms()[0].version,
        interviewer_id=INTERVIEWER, mode=InterviewMode.TELEPHONE, case_id=first,
        started_at=NOW - dt.timedelta(minutes=12, seconds=30), ended_at=NOW,
        status=InterviewStatus.COMPLETE)
    body = to_dict(interview)
    store.writer.submit(lambda db: save_record(db, "survey_interview", body)).result()
    # Two cases called: one complete, one refusal, so RR1, COOP1 and REF1 are each 1/2.
    qtbot.waitUntil(lambda: rows(page.figures_table) == [
        [INTERVIEWER, "2", "1", "50%", "50%", "50%", "12 min 30 s"]])
    qtbot.waitUntil(lambda: rows(page.forms_table)[0][3] == "1")  # the form's responses


# --- the keyboard -------------------------------------------------------------------------


def mnemonics(root: QWidget) -> list[str]:
    found = []
    for widget in root.findChildren(QWidget):
        if isinstance(widget, QLabel | QPushButton):
            match = re.search(r"&(\w)", widget.text())
            if match:
                found.append(match.group(1).lower())
    return found


def test_every_control_is_reached_by_its_own_mnemonic_or_shortcut(
        qtbot, page, monkeypatch):  # type: ignore[no-untyped-def]
    assert unnamed(page) == []
    keys = mnemonics(page)
    assert len(keys) == len(set(keys)) == 12, keys
    assert not set(keys) & WINDOW_MNEMONICS

    for key, widget in ((Qt.Key.Key_R, page.forms_table), (Qt.Key.Key_C, page.cases_table),
                        (Qt.Key.Key_H, page.count_spin), (Qt.Key.Key_A, page.area_combo),
                        (Qt.Key.Key_Q, page.quotas_table),
                        (Qt.Key.Key_B, page.figures_table)):
        alt(key)
        assert focused() is widget, widget.accessibleName()
    alt(Qt.Key.Key_T)
    assert focused() in (page.interviewer_combo, page.interviewer_combo.lineEdit())

    asked = choose(monkeypatch, None)  # each file dialog is cancelled: nothing happens
    alt(Qt.Key.Key_I)  # a mnemonic presses its button a moment later (animateClick)
    qtbot.waitUntil(lambda: asked == ["Import a form (XLSForm)"])
    QTest.keyClick(focused(), Qt.Key.Key_O, CTRL)
    assert len(asked) == 2
    alt(Qt.Key.Key_M)
    qtbot.waitUntil(lambda: asked[2:] == ["Import a sample for perception"])
    alt(Qt.Key.Key_D)
    qtbot.waitUntil(lambda: asked[3:] == ["Quota targets for perception"])
    with qtbot.waitSignal(page.assign_finished):
        alt(Qt.Key.Key_G)
    with qtbot.waitSignal(page.accounts_loaded):
        alt(Qt.Key.Key_L)


def test_a_survey_managers_laptop_opens_on_the_page_and_its_keys_reach_it(
        qtbot, window, store):  # type: ignore[no-untyped-def]

    hold_perception(store)
    sign_in_survey(qtbot, window, store, role="survey_manager", user_id=MANAGER,
                   username="manager.one", now=lambda: NOW, show=False)
    page = window.current_page
    assert isinstance(page, FieldworkPage)
    qtbot.waitUntil(lambda: page.form_id == "perception" and not page.reading)
    menus = [re.search(r"&(\w)", a.text()) for a in window.menuBar().actions()
             if a.isVisible()]
    taken = {m.group(1).lower() for m in menus if m}
    assert taken and not taken & set(mnemonics(page))
    page.count_spin.setFocus()
    alt(Qt.Key.Key_R)  # the page's own key, not a menu's
    assert focused() is page.forms_table
    qtbot.waitUntil(lambda: not page.reading)
