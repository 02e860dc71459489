"""Follow-up items from a report's unresolved issues, and their status over time."""

from __future__ import annotations

import datetime as dt

from icv_app.domain.custody.coordination import (
    FollowUp,
    FollowUpStatus,
    VisitReview,
    follow_up_problems,
    follow_ups_for,
    review_id_for,
)
from icv_app.domain.custody.visit import IssueRaised, VisitReport, VisitStatus

DAY = dt.date(2026, 3, 2)


def report(*resolved: bool | None, submitted: bool = True) -> VisitReport:
    r = VisitReport()
    r.header.suite_id = "suite-ashford-road"
    r.header.visit_date = DAY
    r.issues = [IssueRaised(text=f"Issue {i}", resolved=v) for i, v in enumerate(resolved)]
    r.status = VisitStatus.SUBMITTED if submitted else VisitStatus.DRAFT
    return r


def test_each_issue_not_resolved_at_the_time_becomes_one_follow_up():
    r = report(True, False, None)
    items = follow_ups_for(r)
    assert [i.summary for i in items] == ["Issue 1", "Issue 2"]
    assert all(i.suite_id == "suite-ashford-road" and i.raised_on == DAY for i in items)
    # The same items again, on any laptop: their ids come from the report and the issue.
    assert [i.id for i in follow_ups_for(r)] == [i.id for i in items]
    assert len({i.id for i in items}) == 2


def test_a_draft_has_no_follow_ups():
    assert follow_ups_for(report(False, submitted=False)) == []


def test_status_follows_what_happened():
    item = FollowUp("v", "i", raised_on=DAY)
    assert item.status is FollowUpStatus.OPEN
    item.escalated_to = "Insp 5521"
    assert item.status is FollowUpStatus.ESCALATED
    item.response_on = DAY + dt.timedelta(days=2)
    assert item.status is FollowUpStatus.RESPONDED
    item.closed_on = DAY + dt.timedelta(days=3)
    assert item.status is FollowUpStatus.CLOSED


def test_overdue_after_the_schemes_number_of_days_until_closed():
    item = FollowUp("v", "i", raised_on=DAY)
    assert not item.overdue(DAY + dt.timedelta(days=28), after_days=28)
    assert item.overdue(DAY + dt.timedelta(days=29), after_days=28)
    item.closed_on = DAY + dt.timedelta(days=10)
    assert not item.overdue(DAY + dt.timedelta(days=60), after_days=28)
    assert item.days_open(DAY + dt.timedelta(days=60)) == 10
    assert FollowUp("v", "i").days_open(DAY) is None


def test_dates_out_of_order_are_named():
    item = FollowUp("v", "i", raised_on=DAY, escalated_on=DAY + dt.timedelta(days=5),
                    response_on=DAY + dt.timedelta(days=1), closed_on=DAY - dt.timedelta(1))
    fields = [f for f, _m in follow_up_problems(item)]
    assert fields == ["closed_on", "response_on"]


def test_one_review_per_report():
    assert VisitReview("visit-1").id == review_id_for("visit-1") == VisitReview("visit-1").id
    assert VisitReview("visit-1").id != VisitReview("visit-2").id
