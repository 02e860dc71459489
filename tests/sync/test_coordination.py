"""A coordinator's review, query and follow-up travel through the real server to the
visitor's laptop, and the visitor's reply travels back; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from icv_app.domain.custody.coordination import (
    ReviewStatus,
    follow_up_id_for,
    follow_ups_for,
    review_id_for,
)
from icv_app.domain.custody.visit import IssueRaised
from icv_app.services.custody.coordination import CoordinationService
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import Laptop, server_records


def submitted_with_issue(laptop: Laptop) -> str:
    report = laptop.new_draft()
    report.issues = [IssueRaised(text="Call bell in cell 4 not answered.", raised_with="PS 1",
                                 resolved=False)]
    laptop.save(report)
    laptop.submit(report.id)
    return report.id


def test_a_query_reaches_the_visitor_and_the_reply_comes_back(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("coord.one", "coordinator")
    scheme.add_user("vol.alpha")
    scheme.add_user("vol.beta")
    visitor, other, coordinator = laptops("vol.alpha"), laptops("vol.beta"), laptops("coord.one")
    visit_id = submitted_with_issue(visitor)
    assert visitor.sync().accepted == 1

    assert coordinator.sync().check_ok
    desk = CoordinationService(coordinator.store)
    query = desk.send_query(visit_id, "Was the bell repaired before you left?",
                            "coord.one").result()
    assert desk.review(visit_id).status is ReviewStatus.QUERY_SENT
    summary = coordinator.sync()
    assert summary.accepted == 2 and summary.rejected == 0 and summary.check_ok

    # The visitor's laptop has the question on that report; the review is not theirs.
    assert visitor.sync().check_ok
    mine = CoordinationService(visitor.store)
    [conversation] = mine.conversations(visit_id)
    assert conversation.query.text == "Was the bell repaired before you left?"
    assert not conversation.answered
    assert ("visit_review", review_id_for(visit_id)) not in visitor.records()
    assert other.sync().check_ok and CoordinationService(other.store).conversations(visit_id) == []

    mine.reply(query.id, "No: the sergeant said an engineer was booked.", "vol.alpha").result()
    assert visitor.sync().accepted == 1

    assert coordinator.sync().check_ok
    [conversation] = desk.conversations(visit_id)
    assert [r.text for r in conversation.replies] == [
        "No: the sergeant said an engineer was booked."]
    desk.set_review(visit_id, ReviewStatus.CLOSED, "Answered; follow-up raised.",
                    "coord.one").result()
    assert coordinator.sync().accepted == 1
    assert server_records(scheme.engine)[("visit_review", review_id_for(visit_id))].rev == 2


def test_the_visitor_sees_the_outcome_of_a_follow_up_and_cannot_change_it(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("coord.one", "coordinator")
    scheme.add_user("vol.alpha")
    visitor, coordinator = laptops("vol.alpha"), laptops("coord.one")
    visit_id = submitted_with_issue(visitor)
    visitor.sync()
    coordinator.sync()

    desk = CoordinationService(coordinator.store)
    [item] = follow_ups_for(coordinator.load(visit_id))
    assert item.id == follow_up_id_for(visit_id, item.issue_id)
    item.escalated_to, item.escalated_on = "Insp 5521", item.raised_on
    desk.save_follow_up(item).result()
    assert coordinator.sync().accepted == 1
    assert item.raised_on is not None
    item.response, item.response_on = "Engineer repaired the bell.", item.raised_on
    item.closed_on = item.raised_on + dt.timedelta(days=3)
    desk.save_follow_up(item).result()
    assert coordinator.sync().accepted == 1

    assert visitor.sync().check_ok
    [seen] = CoordinationService(visitor.store).follow_ups(visit_id)
    assert seen.response == "Engineer repaired the bell." and seen.status.value == "closed"

    # A volunteer's raw attempt to rewrite the outcome is refused by the server.
    seen.response = "Nothing was done."
    CoordinationService(visitor.store).save_follow_up(seen).result()
    assert visitor.sync().rejected == 1
    assert coordinator.sync().check_ok
    assert desk.follow_ups(visit_id)[0].response == "Engineer repaired the bell."


def test_a_volunteer_cannot_send_a_query_or_review(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("vol.alpha")
    visitor = laptops("vol.alpha")
    visit_id = submitted_with_issue(visitor)
    visitor.sync()
    CoordinationService(visitor.store).send_query(visit_id, "Self-query").result()
    summary = visitor.sync()
    assert summary.rejected == 2  # the query and the review that came with it


def test_a_dip_sample_and_a_record_review_sync_and_a_name_is_refused(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    from icv_app.domain.custody.dip_sample import (
        Candidate,
        RuleKind,
        SampledKind,
        SampleRule,
        Stratify,
        new_sample,
    )
    from icv_app.domain.custody.record_review import RecordReview
    from icv_app.domain.serialize import to_dict
    from icv_app.store.records import load_record, save_record

    scheme.add_user("coord.one", "coordinator")
    scheme.add_user("coord.two", "coordinator")
    scheme.add_user("vol.alpha")
    first, second, volunteer = laptops("coord.one"), laptops("coord.two"), laptops("vol.alpha")
    day = dt.date(2026, 3, 2)
    population = [Candidate(f"visit-{i:02d}", "suite-ashford-road", ("v-001",), day)
                  for i in range(20)]
    sample = new_sample(population, sampled=SampledKind.VISIT, period_from=day,
                        period_to=day, rule=SampleRule(RuleKind.NUMBER, 3, Stratify.NONE),
                        created_by="coord.one", seed="424242")
    body = to_dict(sample)
    first.write(lambda db: save_record(db, "dip_sample", body))
    assert first.sync().accepted == 1
    assert second.sync().check_ok
    assert second.write(lambda db: load_record(db, "dip_sample", sample.id)) == body
    assert ("dip_sample", sample.id) not in volunteer.records()

    fine = RecordReview(custody_number="01NS/0421/26", suite_id="suite-ashford-road",
                        date_in=day, reviewer_id="vol.alpha", reviewed_on=day)
    named = RecordReview(custody_number="John Smith", suite_id="suite-ashford-road",
                         date_in=day, reviewer_id="vol.alpha", reviewed_on=day)
    for review in (fine, named):
        review_body = to_dict(review)
        volunteer.write(lambda db, b=review_body: save_record(db, "record_review", b))
    summary = volunteer.sync()
    assert (summary.accepted, summary.rejected) == (1, 1)
    assert first.sync().check_ok
    assert ("record_review", fine.id) in first.records()
    assert ("record_review", named.id) not in server_records(scheme.engine)
