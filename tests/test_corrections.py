"""A submitted report is not edited: a correction is an amendment naming a field and its
new value, shown in place with the original and the reason beside it."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from icv_app.domain.custody.corrections import (
    amendable_paths,
    apply_corrections,
    check_correction,
    current_text,
    is_amendable,
)
from icv_app.domain.custody.visit import (
    Amendment,
    ConditionItem,
    ConditionState,
    Entitlement,
    EntitlementAnswer,
    IssueRaised,
    NotOfferedReason,
    VisitStatus,
    WelfareCheck,
)
from tests.test_validation import complete_report

T0 = dt.datetime(2026, 3, 15, 9, 0, tzinfo=dt.UTC)


def submitted():
    r = complete_report()
    r.status = VisitStatus.SUBMITTED
    r.submitted_at = dt.datetime(2026, 3, 14, 20, 30, tzinfo=dt.UTC)
    r.issues.append(IssueRaised(text="Cell 3 cold.", resolved=True, raised_with="PS 2417"))
    return r


def amend(report, path: str, value: str, minutes: int = 0, reason: str = "Typo") -> Amendment:
    return Amendment(report.id, reason, f"{path} should be {value}", field_path=path,
                     new_value=value, created_at=T0 + dt.timedelta(minutes=minutes))


def test_a_corrected_departure_shows_the_new_time_and_remembers_the_original():
    r = submitted()
    a = amend(r, "header.departure_time", "20:45", reason="Misread the clock")
    result = apply_corrections(r, [a])
    assert result.report.header.departure_time == dt.time(20, 45)
    c = result.corrected("header.departure_time")
    assert c is not None
    assert (c.original, c.corrected, c.reason) == ("20:15", "20:45", "Misread the clock")
    assert c.amendment is a
    assert result.free_text == []


def test_the_submitted_report_itself_is_never_changed():
    r = submitted()
    before = copy.deepcopy(r)
    apply_corrections(r, [amend(r, "header.departure_time", "20:45"),
                          amend(r, "conditions.heating.state", "Not satisfactory")])
    assert r == before


@pytest.mark.parametrize(("path", "text", "value_of"), [
    ("counts.in_custody", "7", lambda r: r.counts.in_custody == 7),
    ("header.visit_date", "13 Mar 2026", lambda r: r.header.visit_date == dt.date(2026, 3, 13)),
    ("header.tact", "Yes", lambda r: r.header.tact is True),
    ("detainees[0].raised", "Asked for a blanket.",
     lambda r: r.detainees[0].raised == "Asked for a blanket."),
    ("detainees[0].consent_to_talk", "Not recorded",
     lambda r: r.detainees[0].consent_to_talk is None),
    ("detainees[0].checks.rest", "No",
     lambda r: r.detainees[0].checks[WelfareCheck.REST] is False),
    ("detainees[0].entitlements.legal_advice.told", "Yes",
     lambda r: r.detainees[0].entitlements[Entitlement.LEGAL_ADVICE]
     == EntitlementAnswer(told=True)),
    ("conditions.heating.state", "Not satisfactory",
     lambda r: r.conditions[ConditionItem.HEATING].state is ConditionState.NOT_SATISFACTORY),
    ("counts.not_offered_reasons.asleep", "1",
     lambda r: r.counts.not_offered_reasons == {NotOfferedReason.ASLEEP: 1}),
    ("issues[0].resolved", "no", lambda r: r.issues[0].resolved is False),
])
def test_each_kind_of_field_takes_its_value_as_the_report_shows_it(path, text, value_of):
    r = submitted()
    assert check_correction(r, path, text) == ""
    result = apply_corrections(r, [amend(r, path, text)])
    assert value_of(result.report)
    assert result.corrected(path) is not None


def test_corrections_apply_in_the_order_they_were_made_each_remembering_the_last():
    r = submitted()
    later = amend(r, "header.departure_time", "21:00", minutes=10)
    earlier = amend(r, "header.departure_time", "20:45", minutes=5)
    result = apply_corrections(r, [later, earlier])
    assert result.report.header.departure_time == dt.time(21, 0)
    history = result.corrections["header.departure_time"]
    assert [(c.original, c.corrected) for c in history] == [("20:15", "20:45"),
                                                             ("20:45", "21:00")]
    assert result.corrected("header.departure_time") is history[-1]
    assert result.corrected("header.arrival_time") is None


def test_an_amendment_in_words_only_is_kept_as_words():
    r = submitted()
    words = Amendment(r.id, "Left out", "The custody sergeant was PS 2417.")
    result = apply_corrections(r, [words])
    assert result.free_text == [words] and result.corrections == {}
    assert result.report == r


def test_an_amendment_this_report_cannot_place_is_shown_in_words_and_changes_nothing():
    r = submitted()
    gone = amend(r, "detainees[4].raised", "Asked for a drink.")
    bad_value = amend(r, "conditions.kitchen.state", "Filthy")
    section = amend(r, "header", "All wrong")
    result = apply_corrections(r, [gone, bad_value, section])
    assert result.free_text == [gone, bad_value, section]
    assert result.corrections == {}
    assert result.report == r  # not even an empty kitchen entry made on the way


@pytest.mark.parametrize(("path", "value", "message"), [
    ("header.departure_time", "25:99", "Enter a time as HH:MM (24-hour clock)."),
    ("counts.in_custody", "-1", "Enter a whole number from 0 to 9999."),
    ("counts.in_custody", "six", "Enter a whole number from 0 to 9999."),
    ("header.tact", "maybe", "Answer Yes or No."),
    ("detainees[0].consent_to_talk", "maybe", "Answer Yes or No (or Not recorded)."),
    ("header.visit_date", "31/02/2026", "Enter a date such as 14 Mar 2026 or 2026-03-14."),
    ("conditions.heating.state", "Broken",
     "Choose one of: Not checked, Satisfactory, Not satisfactory."),
])
def test_a_value_the_field_cannot_hold_is_refused_saying_what_to_enter(path, value, message):
    assert check_correction(submitted(), path, value) == message


@pytest.mark.parametrize("path", [
    "header.nope", "detainees[4].raised", "conditions.nonsense.state",
    "header.departure_time.hour", "Header.departure_time",
])
def test_a_path_the_report_does_not_have_is_refused(path):
    assert check_correction(submitted(), path, "x") == "The report has no such field."
    assert not is_amendable(path) or path == "detainees[4].raised"


@pytest.mark.parametrize("path", [
    "", "id", "status", "submitted_at", "confirmed_by", "detainees[0].id",
    "issues[0].detainee_id", "header.visitors", "header.visitors[0].visitor_id",
])
def test_ids_status_and_lists_are_not_corrected_in_place(path):
    assert not is_amendable(path)
    assert check_correction(submitted(), path, "x") == (
        "This field cannot be corrected in place; describe the correction in words.")


@pytest.mark.parametrize("path", [
    "header", "counts", "conditions.heating", "detainees[0].entitlements.legal_advice",
    "detainees[0].checks",
])
def test_a_whole_part_of_the_report_is_not_one_field(path):
    assert not is_amendable(path)
    assert "not one field" in check_correction(submitted(), path, "anything")


def test_a_corrected_custody_number_is_never_a_name_and_is_stored_normalised():
    r = submitted()
    path = "detainees[0].custody_number"
    assert "looks like a name" in check_correction(r, path, "John Smith")
    assert "date of birth" in check_correction(r, path, "01/02/1990")
    personal = amend(r, path, "John Smith")
    result = apply_corrections(r, [personal])
    assert result.report.detainees[0].custody_number == "07NS/0193/26"
    assert result.free_text == [personal]
    assert check_correction(r, path, "07ns / 0194/26") == ""
    fixed = apply_corrections(r, [amend(r, path, "07ns / 0194/26")])
    assert fixed.report.detainees[0].custody_number == "07NS/0194/26"


def test_the_fields_of_each_detainee_issue_and_visitor_are_offered_for_correction():
    r = submitted()
    paths = set(amendable_paths(r))
    assert {"detainees[0].raised", "detainees[0].custody_number",
            "detainees[0].checks.rest", "detainees[0].entitlements.legal_advice.told",
            "issues[0].text", "issues[0].resolved", "header.visitors[1].role"} <= paths
    assert not {p for p in paths if p.startswith(("reopened", "confirmed_by"))}


def test_every_field_offered_for_correction_takes_its_own_value_back():
    r = submitted()
    before = copy.deepcopy(r)
    paths = list(amendable_paths(r))
    assert "header.departure_time" in paths and "detainees[0].raised" in paths
    assert "conditions.heating.state" in paths and "issues[0].resolved" in paths
    assert not [p for p in paths if p.endswith((".id", "detainee_id"))]
    for path in paths:
        assert is_amendable(path), path
        assert check_correction(r, path, current_text(r, path)) == "", path
    assert r == before  # looking does not add empty entries
