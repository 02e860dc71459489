"""Dip samples (Coordination, Ctrl+3): a coordinator draws a sample of a period's reports
with a seed of their choosing, anyone redrawing it gets the same records, each record is
reviewed against the checklist, and a redraw says why the sample would come out
differently now."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from icv_app.domain.custody.dip_sample import (
    ChecklistItem,
    DipSample,
    ReviewOutcome,
    RuleKind,
    SampledItem,
    SampledKind,
    SampleRule,
    Stratify,
    candidate_from_visit,
    draw,
    rank,
)
from icv_app.domain.custody.record_review import Answer
from icv_app.domain.custody.report_reference import report_reference
from icv_app.domain.custody.visit import VisitReport, VisitStatus
from icv_app.services.custody.dip_samples import DipSampleService
from icv_app.ui.coordinator.dip_samples_page import DipSamplesPage
from icv_app.ui.coordinator.new_sample_dialog import NewSampleDialog
from tests.gui.conftest import focused, make_visit, press, type_text
from tests.gui.test_keyboard_traps import collisions, shown_mnemonics

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
# Reports per suite in March: a stratified sample of 2 takes 2, 2 and the only 1.
PER_SUITE = {"suite-ashford-road": 5, "suite-beckley-park": 4, "suite-canal-street": 1}


# What a person types in a choice to pick it (its first letters).
TYPED = {RuleKind.NUMBER: "N", RuleKind.PERCENTAGE: "P", Stratify.NONE: "O",
         Stratify.SUITE: "I", Stratify.VISITOR: "F"}


def submitted(suite_id: str, day: dt.date, hour: int = 14) -> VisitReport:
    return make_visit(suite_id, day, dt.time(hour, 0), status=VisitStatus.SUBMITTED)


@pytest.fixture
def march(seed) -> list[VisitReport]:
    """Ten submitted reports in March over three suites, and some that are not sampled:
    a draft in March and reports of February and April."""
    reports = [submitted(suite, dt.date(2026, 3, 2 + 2 * i + j))
               for j, (suite, n) in enumerate(PER_SUITE.items()) for i in range(n)]
    others = [make_visit("suite-ashford-road", dt.date(2026, 3, 10)),
              submitted("suite-elmwick", dt.date(2026, 2, 27)),
              submitted("suite-elmwick", dt.date(2026, 4, 1))]
    seed(reports + others)
    return reports


def open_page(qtbot, window) -> DipSamplesPage:  # type: ignore[no-untyped-def]
    press(Qt.Key.Key_3, CTRL)
    page = window.current_page
    assert isinstance(page, DipSamplesPage)
    qtbot.waitUntil(lambda: not page._history_stale and page.history_model is not None)
    return page


def type_date(mnemonic: Qt.Key, day: dt.date) -> None:
    """Go to a date with its label's Alt+letter and type it as a person does: the day,
    the month's name, the year (each section moves on to the next once complete)."""
    press(mnemonic, ALT)
    type_text(day.strftime("%d%b%Y"))


def type_period(qtbot, dialog: NewSampleDialog, period: tuple[dt.date, dt.date]) -> None:  # type: ignore[no-untyped-def]
    """Type the period and wait for the preview of its records."""
    type_date(Qt.Key.Key_F, period[0])
    type_date(Qt.Key.Key_T, period[1])
    assert (dialog.date_from.value(), dialog.date_to.value()) == period

    def counted() -> bool:
        population = dialog.population
        return population is not None and (population.start, population.end) == period

    qtbot.waitUntil(counted, timeout=5000)


def open_draw_dialog(qtbot, page: DipSamplesPage) -> NewSampleDialog:  # type: ignore[no-untyped-def]
    page.history_table.setFocus()
    page.dialog = None
    press(Qt.Key.Key_W, ALT)  # a button's mnemonic clicks it a moment later
    qtbot.waitUntil(lambda: isinstance(page.dialog, NewSampleDialog))
    dialog = page.dialog
    assert isinstance(dialog, NewSampleDialog)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def draw_sample(qtbot, page: DipSamplesPage, *, seed: str, amount: str = "5",  # type: ignore[no-untyped-def]
                kind: RuleKind = RuleKind.NUMBER, stratify: Stratify = Stratify.NONE,
                period: tuple[dt.date, dt.date] = MARCH) -> DipSample:
    dialog = open_draw_dialog(qtbot, page)
    type_period(qtbot, dialog, period)
    press(Qt.Key.Key_M, ALT)
    assert focused() is dialog.kind
    type_text(TYPED[kind])
    assert dialog.kind.value() is kind
    press(Qt.Key.Key_H, ALT)
    focused().selectAll()  # type: ignore[attr-defined]
    type_text(amount)
    press(Qt.Key.Key_A, ALT)
    type_text(TYPED[stratify])
    assert dialog.stratify.value() is stratify
    press(Qt.Key.Key_E, ALT)
    assert focused() is dialog.seed
    dialog.seed.selectAll()
    type_text(seed)
    assert dialog.draw_button.isEnabled(), dialog.problem_label.text()
    with qtbot.waitSignal(page.sample_opened, timeout=5000):
        press(Qt.Key.Key_Return)
    assert page.working is not None
    return page.working


def stored(store, sample_id: str) -> DipSample:  # type: ignore[no-untyped-def]
    found = DipSampleService(store).sample(sample_id)
    assert found is not None
    return found


def test_a_sample_drawn_with_a_typed_seed_comes_out_the_same_when_redrawn(
    qtbot, window, coordinator, march, store
):
    page = open_page(qtbot, window)
    sample = draw_sample(qtbot, page, seed="20260320", amount="4")

    # The seed typed and the rule are stored with the sample...
    kept = stored(store, sample.id)
    assert kept.seed == "20260320"
    assert kept.rule == SampleRule(RuleKind.NUMBER, 4.0, Stratify.NONE)
    # ...and are all anyone needs: the period's submitted reports ranked by that seed.
    expected = draw([candidate_from_visit(r) for r in march],
                    SampleRule(RuleKind.NUMBER, 4), "20260320")
    assert kept.drawn_ids == expected
    assert [page.items_model.text(row, 3) for row in range(4)] == [
        report_reference(i, next(r for r in march if r.id == i).header.visit_date, "NS")
        for i in expected]
    assert page.items_table.hasFocus()

    with qtbot.waitSignal(page.redraw_checked, timeout=5000) as redrawn:
        press(Qt.Key.Key_C, ALT)
    check = redrawn.args[0]
    assert check.same and list(check.drawn) == expected
    assert page.redraw_label.text().startswith(
        "Drawn again, the sample is the same: 4 records in the same order.")


def test_a_sample_stratified_by_suite_takes_the_number_from_each_suite(
    qtbot, window, coordinator, march
):
    page = open_page(qtbot, window)
    sample = draw_sample(qtbot, page, seed="77", amount="2", stratify=Stratify.SUITE)

    suite_of = {r.id: r.header.suite_id for r in march}
    per_suite = Counter(suite_of[item.item_id] for item in sample.items)
    assert per_suite == {"suite-ashford-road": 2, "suite-beckley-park": 2,
                         "suite-canal-street": 1}
    # Each item says which suite drew it, and the table shows it.
    assert not page.items_table.isColumnHidden(4)
    assert {page.items_model.text(row, 4) for row in range(5)} == {
        "Ashford Road", "Beckley Park", "Canal Street"}
    assert "2 reports in each suite" in page.summary.text()


def test_a_percentage_is_rounded_up_and_the_preview_says_so(qtbot, window, coordinator, march):
    page = open_page(qtbot, window)
    dialog = open_draw_dialog(qtbot, page)
    type_period(qtbot, dialog, MARCH)
    press(Qt.Key.Key_M, ALT)
    type_text(TYPED[RuleKind.PERCENTAGE])
    press(Qt.Key.Key_H, ALT)
    focused().selectAll()  # type: ignore[attr-defined]
    type_text("25")
    # 25% of 10 is 2.5: 3 reports.
    assert "10 submitted reports from 01 Mar 2026 to 31 Mar 2026" in dialog.preview.text()
    assert "draws 3 reports" in dialog.preview.text()
    focused().selectAll()  # type: ignore[attr-defined]
    type_text("150")
    assert dialog.problem_label.text() == "The percentage to sample cannot be more than 100."
    assert not dialog.draw_button.isEnabled()
    press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert DipSampleService(page.service.store).samples() == []


def review_current(qtbot, outcome_key: Qt.Key, answers: str = "YYYYY") -> None:  # type: ignore[no-untyped-def]
    """Answer the checklist from the keyboard (Y yes, N no, A not applicable, U not
    answered) and pick the outcome by its first letter."""
    for key, answer in zip((Qt.Key.Key_M, Qt.Key.Key_L, Qt.Key.Key_I, Qt.Key.Key_T,
                            Qt.Key.Key_P), answers, strict=True):
        press(key, ALT)
        type_text(answer)
    press(Qt.Key.Key_O, ALT)
    press(outcome_key)


def test_reviewing_records_updates_the_progress(qtbot, window, coordinator, march, store):
    page = open_page(qtbot, window)
    sample = draw_sample(qtbot, page, seed="5150", amount="3")
    assert page.progress_label.text() == "0 of 3 reviewed. Outcomes: None yet."

    review_current(qtbot, Qt.Key.Key_S)  # Satisfactory
    assert page.editor.outcome.value() is ReviewOutcome.SATISFACTORY
    assert page.items_model.text(0, 5) == "Satisfactory (not saved)"
    with qtbot.waitSignal(page.sample_saved, timeout=5000):
        press(Qt.Key.Key_S, CTRL)
    assert page.progress_label.text() == "1 of 3 reviewed. Outcomes: 1 satisfactory."
    assert page.items_model.text(0, 5) == "Satisfactory"
    first = stored(store, sample.id).items[0]
    assert first.outcome is ReviewOutcome.SATISFACTORY
    assert first.answers[ChecklistItem.COMPLETE] is Answer.YES
    assert first.reviewer == "coord.one" and first.reviewed_at is not None

    # A concern needs notes: Save refuses and says so, typing them lets it through.
    page.items_table.setFocus()
    press(Qt.Key.Key_Down)
    review_current(qtbot, Qt.Key.Key_M, answers="YNYYY")  # Minor concerns
    press(Qt.Key.Key_S, CTRL)
    assert "The outcome is minor concerns: say what they are." in page.editor.messages.text()
    assert stored(store, sample.id).items[1].outcome is ReviewOutcome.NOT_REVIEWED
    press(Qt.Key.Key_S, ALT)
    assert focused() is page.editor.notes
    type_text("Legibility: the arrival time is crossed out.")
    with qtbot.waitSignal(page.sample_saved, timeout=5000):
        press(Qt.Key.Key_S, CTRL)
    assert page.progress_label.text() == (
        "2 of 3 reviewed. Outcomes: 1 satisfactory, 1 minor concerns.")
    second = stored(store, sample.id).items[1]
    assert second.answers[ChecklistItem.LEGIBLE] is Answer.NO
    assert second.notes == "Legibility: the arrival time is crossed out."
    # The first record's review, saved before, is still there.
    assert stored(store, sample.id).items[0].outcome is ReviewOutcome.SATISFACTORY

    # The history shows the progress too.
    page.items_table.setFocus()
    press(Qt.Key.Key_Escape)
    assert page.views.currentWidget() is page.history
    assert page.history_model.text(page.history_model.rows[0], 6) == "2 of 3 reviewed"
    assert page.history_model.text(page.history_model.rows[0], 7) == (
        "1 satisfactory, 1 minor concerns")


def test_leaving_a_sample_with_reviews_not_saved_asks_first(qtbot, window, coordinator, march):
    page = open_page(qtbot, window)
    draw_sample(qtbot, page, seed="99", amount="2")
    review_current(qtbot, Qt.Key.Key_S)
    page.items_table.setFocus()
    press(Qt.Key.Key_Escape)
    box = page.dialog
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is box)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    press(Qt.Key.Key_Return)  # the default: Cancel
    qtbot.waitUntil(lambda: not box.isVisible())
    assert page.views.currentWidget() is page.detail
    assert page.items_model.text(0, 5) == "Satisfactory (not saved)"


@pytest.mark.parametrize("drawn_now", [True, False], ids=["drawn now", "not drawn"])
def test_a_report_added_to_the_period_afterwards_is_explained_by_redraw(
    qtbot, window, coordinator, march, seed, drawn_now
):
    page = open_page(qtbot, window)
    sample = draw_sample(qtbot, page, seed="314159", amount="3")
    last = max(rank("314159", i) for i in sample.drawn_ids)
    # A report submitted late for March (synced after the sample was drawn), whose rank
    # puts it among the three drawn, or after them.
    while True:
        late = submitted("suite-beckley-park", dt.date(2026, 3, 28))
        if (rank("314159", late.id) < last) == drawn_now:
            break
    seed([late])
    late_reference = report_reference(late.id, late.header.visit_date, "NS")

    with qtbot.waitSignal(page.redraw_checked, timeout=5000) as redrawn:
        press(Qt.Key.Key_C, ALT)
    check = redrawn.args[0]
    assert check.added == (late.id,)
    text = page.redraw_label.text()
    assert f"1 record was added to the period ({late_reference})" in text
    assert late.id not in text  # records are named by their reference
    if drawn_now:
        assert not check.same
        assert text.startswith("Drawn again, the sample differs")
        assert f"Now drawn: {late_reference}" in text
    else:
        assert check.same
        assert "none of those records is drawn" in text


def test_the_history_lists_samples_newest_first(qtbot, window, coordinator, march, store):
    older = DipSample(created_by="coord.two", sampled=SampledKind.VISIT,
                      period_from=dt.date(2026, 2, 1), period_to=dt.date(2026, 2, 28),
                      rule=SampleRule(RuleKind.PERCENTAGE, 10, Stratify.VISITOR),
                      seed="4711", population_size=1,
                      items=[SampledItem(march[0].id)],
                      created_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC))
    DipSampleService(store).save(older).result()
    page = open_page(qtbot, window)
    qtbot.waitUntil(lambda: page.history_model.rowCount() == 1)
    newer = draw_sample(qtbot, page, seed="1", amount="2")
    press(Qt.Key.Key_Escape)
    assert page.history_table.hasFocus()

    model = page.history_model
    assert [s.id for s in model.rows] == [newer.id, older.id]
    assert [model.text(s, 4) for s in model.rows] == [
        "2 reports", "10% of each visitor's reports"]
    assert model.text(older, 0) == "01 Mar 2026 09:30"
    assert model.text(older, 3) == "01 Feb 2026 to 28 Feb 2026"
    assert page.history_count.text() == "2 samples"
    # Enter opens the sample selected.
    press(Qt.Key.Key_Down)
    with qtbot.waitSignal(page.sample_opened, timeout=5000):
        press(Qt.Key.Key_Return)
    assert page.stored is not None and page.stored.id == older.id


def test_enter_on_a_sampled_report_opens_it_and_back_returns_to_the_sample(
    qtbot, window, coordinator, march
):
    page = open_page(qtbot, window)
    sample = draw_sample(qtbot, page, seed="8", amount="2")
    with qtbot.waitSignal(window.form_opened, timeout=5000) as opened:
        press(Qt.Key.Key_Return)
    assert opened.args == [sample.items[0].item_id]
    press(Qt.Key.Key_W, CTRL)
    assert window.current_page is page
    assert page.views.currentWidget() is page.detail


def test_the_mnemonics_of_both_views_differ(qtbot, window, coordinator, march):
    page = open_page(qtbot, window)
    assert collisions(shown_mnemonics(window)) == {}
    draw_sample(qtbot, page, seed="3", amount="2")
    assert collisions(shown_mnemonics(window)) == {}


def test_keys_pick_an_answer_and_delete_clears_it_without_touching_anything_else(
    qtbot, window, coordinator, march
):
    page = open_page(qtbot, window)
    draw_sample(qtbot, page, seed="12", amount="2")
    complete = page.editor.answers[ChecklistItem.COMPLETE]
    press(Qt.Key.Key_M, ALT)
    assert focused() is complete
    for key, answer in ((Qt.Key.Key_A, Answer.NOT_APPLICABLE), (Qt.Key.Key_N, Answer.NO),
                        (Qt.Key.Key_Y, Answer.YES)):
        press(key)
        assert complete.value() is answer
    # Delete is the answer's, not the window's "Delete draft" (a March draft exists).
    with qtbot.assertNotEmitted(window.draft_deleted, wait=100):
        press(Qt.Key.Key_Delete)
    assert complete.value() is None
    assert page.working is not None
    assert page.working.items[0].answers[ChecklistItem.COMPLETE] is None


def test_a_review_that_arrives_by_sync_is_shown_and_kept_beside_one_being_typed(
    qtbot, window, coordinator, march, store
):
    from icv_app.store.changes import SYNC

    page = open_page(qtbot, window)
    sample = draw_sample(qtbot, page, seed="2718", amount="3")
    review_current(qtbot, Qt.Key.Key_S)  # the first record, not saved yet

    # Another coordinator reviewed the second record; a sync brings it.
    theirs = SampledItem(sample.items[1].item_id, outcome=ReviewOutcome.SERIOUS_CONCERNS,
                         notes="No times recorded at all.", reviewer="coord.two")
    with qtbot.waitSignal(page.sample_refreshed, timeout=5000):
        DipSampleService(store).save_reviews(sample.id, [theirs], origin=SYNC).result()
    assert page.items_model.text(1, 5) == "Serious concerns"
    assert page.items_model.text(0, 5) == "Satisfactory (not saved)"

    with qtbot.waitSignal(page.sample_saved, timeout=5000):
        press(Qt.Key.Key_S, CTRL)
    kept = stored(store, sample.id)
    assert [i.outcome for i in kept.items] == [
        ReviewOutcome.SATISFACTORY, ReviewOutcome.SERIOUS_CONCERNS, ReviewOutcome.NOT_REVIEWED]
    assert kept.items[1].reviewer == "coord.two"


def test_a_sample_of_custody_record_reviews_opens_each_record(
    qtbot, window, coordinator, store
):
    from icv_app.domain.custody.record_review import RecordReview
    from icv_app.domain.serialize import to_dict
    from icv_app.store.records import save_record
    from icv_app.ui.coordinator.record_review_view import RecordReviewView

    reviews = [RecordReview(custody_number=f"01NS/04{20 + i}/26", suite_id="suite-elmwick",
                            date_in=dt.date(2026, 3, 1 + i), reviewer_id="v-005",
                            reviewed_on=dt.date(2026, 3, 10 + i), findings="On time.")
               for i in range(4)]

    def put(db):  # type: ignore[no-untyped-def]
        for review in reviews:
            save_record(db, "record_review", to_dict(review))

    store.writer.submit(put).result()
    page = open_page(qtbot, window)
    dialog = open_draw_dialog(qtbot, page)
    dialog.what.setFocus()
    type_text("C")  # Custody record reviews
    assert dialog.what.value() is SampledKind.RECORD_REVIEW
    type_period(qtbot, dialog, MARCH)
    assert dialog.preview.text().startswith("4 custody records from 01 Mar 2026")
    press(Qt.Key.Key_E, ALT)
    dialog.seed.selectAll()
    type_text("31")
    with qtbot.waitSignal(page.sample_opened, timeout=5000):
        press(Qt.Key.Key_Return)
    assert page.items_model.headerData(3, Qt.Orientation.Horizontal) == "Custody record"
    labels = {page.items_model.text(row, 3) for row in range(4)}
    assert labels == {r.custody_number for r in reviews}
    assert "Open record" in page.editor.open_button.text().replace("&", "")

    page.dialog = None
    press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(page.dialog, RecordReviewView))
    view = page.dialog
    assert isinstance(view, RecordReviewView)
    first = page.working.items[0].item_id if page.working else ""
    number = next(r.custody_number for r in reviews if r.id == first)
    assert number in view.text.toPlainText()
    assert "Eden Farrow" in view.text.toPlainText()


def test_every_input_of_the_page_and_its_dialog_has_a_name(qtbot, window, coordinator, march):
    from tests.gui.test_accessible_names import unnamed

    page = open_page(qtbot, window)
    dialog = open_draw_dialog(qtbot, page)
    assert unnamed(dialog) == []
    press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    draw_sample(qtbot, page, seed="6", amount="2")
    assert unnamed(page) == []
