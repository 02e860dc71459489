"""What a volunteer does with reports, through the service the UI uses."""

from __future__ import annotations

import datetime as dt

import pytest

from icv_app.domain.custody.visit import Detainee, ReportLocked, VisitorOnVisit, VisitorRole
from icv_app.services.custody.visits import SubmitRefused, VisitService


@pytest.fixture
def service(store, reference):
    return VisitService(store, reference)


def ready_to_submit(service):
    report, saved = service.new_visit(
        "suite-canal-street", ("v-003", "v-004"), now=dt.datetime(2026, 6, 2, 21, 30)
    )
    saved.result()
    report.header.admitted_time = dt.time(21, 34)
    report.header.departure_time = dt.time(22, 20)
    c = report.counts
    c.in_custody, c.male, c.offered, c.accepted = 3, 3, 2, 2
    report.detainees = [Detainee(custody_number="12NS/0042/26")]
    return report


def test_new_visit_is_saved_at_once_with_date_time_and_panel(service):
    report, saved = service.new_visit(
        "suite-canal-street", ("v-003", "v-004"), now=dt.datetime(2026, 6, 2, 21, 30, 41)
    )
    assert saved.result().rev == 1
    loaded = service.load(report.id)
    assert loaded.header.visit_date == dt.date(2026, 6, 2)
    assert loaded.header.arrival_time == dt.time(21, 30)
    assert loaded.header.panel == "City panel"


def test_autosave_keeps_every_change(service):
    report = ready_to_submit(service)
    for text in ("P", "PS", "PS 1", "PS 11", "PS 118"):
        report.header.officer_in_charge = text
        service.autosave(report)
    service.store.writer.flush()
    assert service.load(report.id).header.officer_in_charge == "PS 118"


def test_submit_needs_both_visitors_to_confirm(service):
    report = ready_to_submit(service)
    with pytest.raises(SubmitRefused, match="Every visitor"):
        service.submit(report, ["v-003"])
    service.submit(report, ["v-003", "v-004"]).result()
    stored = service.load(report.id)
    assert stored.is_submitted and stored.confirmed_by == ["v-003", "v-004"]


def test_an_accompanied_observer_need_not_confirm(service):
    report = ready_to_submit(service)
    report.header.visitors.append(VisitorOnVisit("v-007", VisitorRole.OBSERVER))
    service.submit(report, ["v-003", "v-004"]).result()
    assert service.load(report.id).is_submitted


def test_submit_is_refused_while_there_are_errors(service):
    report = ready_to_submit(service)
    report.header.departure_time = dt.time(20, 0)
    with pytest.raises(SubmitRefused) as info:
        service.submit(report, ["v-003", "v-004"])
    assert "header.departure_time" in {p.field for p in info.value.problems}
    assert not service.load(report.id).is_submitted


def test_after_submission_autosave_is_refused(service):
    report = ready_to_submit(service)
    submitted = service.submit(report, ["v-003", "v-004"]).result()
    with pytest.raises(ReportLocked):
        service.autosave(submitted).result()


def test_amendment_shows_with_the_report(service):
    report = ready_to_submit(service)
    service.submit(report, ["v-003", "v-004"]).result()
    service.add_amendment(report.id, "Wrong suite", "The visit was to Elmwick.", "v-003").result()
    [amendment] = service.amendments(report.id)
    assert amendment.visit_id == report.id and amendment.reason == "Wrong suite"


@pytest.mark.parametrize("invisible", ["", "   ", "\u200b", "\u00ad\u200d", "\x00\x07", "\u3000"])
def test_an_amendment_whose_reason_or_text_shows_nothing_is_refused(service, invisible):
    # Found by the property test of typed values: a zero-width or control character
    # alone passed for a reason and printed as nothing at all.
    report = ready_to_submit(service)
    service.submit(report, ["v-003", "v-004"]).result()
    with pytest.raises(ValueError, match="needs a reason"):
        service.add_amendment(report.id, invisible, "The visit was to Elmwick.").result()
    with pytest.raises(ValueError, match="needs the corrected text"):
        service.add_amendment(report.id, "Wrong suite", invisible).result()
    assert service.amendments(report.id) == []


def test_submitted_between_reads_a_periods_reports_as_corrected(service):

    from icv_app.domain.custody.visit import Amendment, VisitReport, VisitStatus
    from icv_app.store.custody.visits import add_amendment, insert_many

    def report(day: dt.date, status: VisitStatus) -> VisitReport:
        r = VisitReport()
        r.header.suite_id = "suite-ashford-road"
        r.header.visit_date = day
        r.counts.in_custody = 3
        r.status = status
        return r

    inside = report(dt.date(2026, 3, 2), VisitStatus.SUBMITTED)
    last_day = report(dt.date(2026, 3, 31), VisitStatus.SUBMITTED)
    draft = report(dt.date(2026, 3, 3), VisitStatus.DRAFT)
    outside = report(dt.date(2026, 4, 1), VisitStatus.SUBMITTED)
    store = service.store
    store.writer.submit(lambda db: insert_many(db, [inside, last_day, draft, outside])).result()
    fix = Amendment(visit_id=inside.id, reason="Miscounted", text="Four, not three.",
                    field_path="counts.in_custody", new_value="4")
    store.writer.submit(lambda db: add_amendment(db, fix)).result()

    found = service.submitted_between(dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert [r.id for r in found] == [inside.id, last_day.id]
    assert [r.counts.in_custody for r in found] == [4, 3]  # the correction applied
