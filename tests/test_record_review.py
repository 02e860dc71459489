"""Custody record reviews: a custody number (never a name), dates that make sense, and an
escalated concern that says what it is and to whom it went."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from icv_app.domain.custody.custody_number import DEFAULT_PATTERN
from icv_app.domain.custody.record_review import (
    RECORD_CHECKS,
    RECORD_GROUPS,
    Answer,
    RecordCheck,
    RecordGroup,
    RecordReview,
    validate,
)
from icv_app.domain.custody.validation import Severity
from icv_app.domain.serialize import from_dict, to_dict

TODAY = dt.date(2026, 4, 20)


def complete_review() -> RecordReview:
    return RecordReview(
        custody_number="01NS/0421/26",
        suite_id="suite-dunmore",
        date_in=dt.date(2026, 4, 10),
        date_out=dt.date(2026, 4, 11),
        groups=[RecordGroup.CHILD],
        checks={RecordCheck.RIGHTS_TIMELY: Answer.YES,
                RecordCheck.APPROPRIATE_ADULT_ARRIVAL: Answer.YES,
                RecordCheck.DETENTION_REVIEWS: Answer.YES,
                RecordCheck.HEALTHCARE: Answer.NOT_APPLICABLE,
                RecordCheck.FOOD: Answer.YES},
        findings="Rights given on arrival; appropriate adult arrived within the hour.",
        reviewer_id="coordinator-1",
        reviewed_on=dt.date(2026, 4, 15),
    )


def problems(review: RecordReview, custody_number_pattern: str | None = DEFAULT_PATTERN
             ) -> dict[str, tuple[str, Severity]]:
    return {p.field: (p.message, p.severity) for p in validate(
        review, custody_number_pattern=custody_number_pattern, today=TODAY)}


def test_a_complete_review_has_no_problems():
    assert validate(complete_review(), today=TODAY) == []


def test_the_groups_and_checks_are_declared_with_labels():
    assert [g.value for g in RECORD_GROUPS] == [
        "child", "mental_health", "appropriate_adult", "foreign_national", "other"]
    assert [c.value for c in RECORD_CHECKS] == [
        "rights_timely", "appropriate_adult_arrival", "detention_reviews", "healthcare",
        "food"]
    assert all(item.label for item in (*RECORD_GROUPS, *RECORD_CHECKS))


# The custody number ------------------------------------------------------------------------

def test_a_custody_number_is_required():
    review = complete_review()
    review.custody_number = "  "
    assert problems(review) == {"custody_number": (
        "Enter the custody record number (never a name).", Severity.ERROR)}


@pytest.mark.parametrize(("typed", "says"), [
    ("John Smith", "looks like a name"),
    ("DOB 12/03/1990", "looks like a date of birth"),
    ("14 Mill Road", "looks like an address"),
    ("01NS-0421-26", "not a custody record number of this scheme"),
])
def test_a_custody_number_that_is_not_one_is_refused_with_the_reason(typed, says):
    review = complete_review()
    review.custody_number = typed
    message, severity = problems(review)["custody_number"]
    assert says in message
    assert severity is Severity.ERROR


def test_the_scheme_s_own_pattern_is_used_and_the_server_checks_only_for_names():
    review = complete_review()
    review.custody_number = "NS-0421-26"
    assert "custody_number" in problems(review)
    assert problems(review, custody_number_pattern=r"[A-Z]{2}-\d{4}-\d{2}") == {}
    assert problems(review, custody_number_pattern=None) == {}
    review.custody_number = "Jane Doe"
    assert "looks like a name" in problems(review, custody_number_pattern=None)[
        "custody_number"][0]


# Where and when ----------------------------------------------------------------------------

def test_the_suite_and_the_date_in_are_required():
    review = complete_review()
    review.suite_id = ""
    review.date_in = None
    assert problems(review) == {
        "suite_id": ("Choose the custody suite the record is from.", Severity.ERROR),
        "date_in": ("Enter the date the detainee came into custody.", Severity.ERROR),
    }


def test_the_date_out_cannot_be_before_the_date_in():
    review = complete_review()
    review.date_out = dt.date(2026, 4, 9)
    [problem] = validate(review, today=TODAY)
    assert (problem.field, problem.message) == ("date_out", "The date out is before the date in.")
    assert problem.fields == ("date_out", "date_in")


def test_out_the_same_day_or_still_in_custody_is_fine():
    review = complete_review()
    review.date_out = review.date_in
    assert validate(review, today=TODAY) == []
    review.date_out = None
    assert validate(review, today=TODAY) == []


def test_a_record_longer_than_pace_allows_is_queried():
    review = complete_review()
    review.date_out = dt.date(2026, 4, 14)  # 4 days: within 96 hours
    assert validate(review, today=TODAY) == []
    review.date_out = dt.date(2026, 4, 15)
    message, severity = problems(review)["date_out"]
    assert message.startswith("The record covers 5 days")
    assert severity is Severity.WARNING


def test_dates_still_to_come_are_refused():
    review = complete_review()
    review.date_in = dt.date(2026, 4, 19)
    review.date_out = dt.date(2026, 4, 21)
    review.reviewed_on = dt.date(2026, 4, 22)
    assert problems(review) == {
        "date_out": ("This date is still to come.", Severity.ERROR),
        "reviewed_on": ("This date is still to come.", Severity.ERROR),
    }
    assert validate(review) == []  # no today: not checked


def test_a_review_cannot_be_dated_before_the_detention():
    review = complete_review()
    review.reviewed_on = dt.date(2026, 4, 1)
    assert problems(review)["reviewed_on"] == (
        "The review is dated before the detainee came into custody.", Severity.ERROR)


# What was checked --------------------------------------------------------------------------

def test_a_review_with_nothing_checked_is_queried():
    review = complete_review()
    review.groups = []
    review.checks = {RecordCheck.FOOD: None}
    assert problems(review) == {
        "checks": ("Record what was checked in the custody record.", Severity.WARNING)}


@pytest.mark.parametrize("group", [RecordGroup.CHILD, RecordGroup.APPROPRIATE_ADULT])
@pytest.mark.parametrize("answer", [None, Answer.NOT_APPLICABLE])
def test_someone_needing_an_appropriate_adult_needs_the_arrival_checked(group, answer):
    review = complete_review()
    review.groups = [group]
    review.checks[RecordCheck.APPROPRIATE_ADULT_ARRIVAL] = answer
    [problem] = validate(review, today=TODAY)
    assert problem.field == "checks.appropriate_adult_arrival"
    assert f"marked “{group.label.lower()}”" in problem.message
    assert problem.severity is Severity.WARNING
    review.groups = [RecordGroup.FOREIGN_NATIONAL]
    assert validate(review, today=TODAY) == []


def test_a_check_answered_no_needs_a_finding():
    review = complete_review()
    review.checks[RecordCheck.DETENTION_REVIEWS] = Answer.NO
    review.findings = ""
    [problem] = validate(review, today=TODAY)
    assert problem.field == "findings"
    assert problem.message == "Reviews of detention on time is answered no: say what was found."
    assert "checks.detention_reviews" in problem.related
    review.concerns = "The 6-hour review was done at 9 hours."
    assert validate(review, today=TODAY) == []


# Escalation --------------------------------------------------------------------------------

def test_an_escalated_concern_needs_the_concern_and_who_it_went_to():
    review = complete_review()
    review.escalate = True
    assert problems(review) == {
        "concerns": ("Describe the concern being escalated.", Severity.ERROR),
        "escalated_to": ("Say who the concern was escalated to.", Severity.ERROR),
    }
    review.concerns = "The detainee waited 5 hours for a healthcare professional."
    review.escalated_to = "Custody inspector"
    assert validate(review, today=TODAY) == []


def test_someone_to_escalate_to_without_escalate_ticked_is_queried_not_dropped():
    review = complete_review()
    review.escalated_to = "Custody inspector"
    message, severity = problems(review)["escalate"]
    assert "“escalate” is not ticked" in message
    assert severity is Severity.WARNING
    assert review.escalated_to == "Custody inspector"


# Groups and storing ------------------------------------------------------------------------

def test_groups_are_a_set_kept_in_declared_order():
    review = RecordReview(groups=[RecordGroup.FOREIGN_NATIONAL, RecordGroup.CHILD,
                                  RecordGroup.CHILD])
    assert review.groups == [RecordGroup.CHILD, RecordGroup.FOREIGN_NATIONAL]
    review.set_group(RecordGroup.MENTAL_HEALTH)
    review.set_group(RecordGroup.CHILD)
    review.set_group(RecordGroup.FOREIGN_NATIONAL, on=False)
    assert review.groups == [RecordGroup.CHILD, RecordGroup.MENTAL_HEALTH]
    assert review.has_group(RecordGroup.MENTAL_HEALTH)
    assert not review.has_group(RecordGroup.OTHER)


def test_a_review_survives_the_trip_to_json_and_back():
    review = complete_review()
    review.groups = [RecordGroup.MENTAL_HEALTH, RecordGroup.FOREIGN_NATIONAL]
    review.checks[RecordCheck.FOOD] = None
    review.escalate, review.concerns, review.escalated_to = True, "Food late.", "Inspector"
    data = json.loads(json.dumps(to_dict(review)))
    assert data["groups"] == ["mental_health", "foreign_national"]
    assert data["checks"]["food"] is None
    assert data["checks"]["rights_timely"] == "yes"
    assert data["date_in"] == "2026-04-10"
    back = from_dict(data, RecordReview)
    assert back == review
    assert back.groups[0] is RecordGroup.MENTAL_HEALTH
