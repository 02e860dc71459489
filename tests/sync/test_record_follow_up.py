"""An escalated custody record review becomes a follow-up item of its own kind (a child of
the review, not of a visit report), which travels through the real server to the other
coordinators and not to volunteers; on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt

from icv_app.domain.custody.coordination import follow_up_for_record_review
from icv_app.domain.custody.record_review import RecordReview
from icv_app.domain.serialize import to_dict
from icv_app.services.custody.coordination import CoordinationService
from icv_app.services.custody.follow_ups import FollowUpService, record_follow_ups
from icv_app.services.custody.record_reviews import OpenReview, RecordReviewService
from icv_app.store.records import save_record
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import server_records

DAY = dt.date(2026, 3, 2)


def escalated(reviewer: str) -> RecordReview:
    return RecordReview(custody_number="01NS/0421/26", suite_id="suite-ashford-road",
                        date_in=DAY, reviewer_id=reviewer, reviewed_on=DAY,
                        concerns="Rights given four hours late.", escalate=True,
                        escalated_to="Insp 5521")


def test_a_record_reviews_follow_up_reaches_the_coordinators_only(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("coord.one", "coordinator")
    scheme.add_user("coord.two", "coordinator")
    scheme.add_user("vol.alpha")
    desk, other, visitor = laptops("coord.one"), laptops("coord.two"), laptops("vol.alpha")

    # A trained visitor's review, escalated; the coordinator takes the concern further.
    review = escalated("vol.alpha")
    body = to_dict(review)
    visitor.write(lambda db: save_record(db, "record_review", body))
    assert visitor.sync().accepted == 1
    assert desk.sync().check_ok
    reviews = RecordReviewService(desk.store)
    saved = reviews.save(reviews.open(review.id), review).result()
    assert saved.follow_up is not None
    summary = desk.sync()
    assert (summary.accepted, summary.rejected) == (2, 0)  # the review (unchanged rev) too
    assert ("record_follow_up", saved.follow_up.id) in server_records(scheme.engine)

    # Another coordinator records the response; the first sees it.
    assert other.sync().check_ok
    desk_two = FollowUpService(other.store, CoordinationService(other.store))
    [item] = [i for i in desk_two.follow_ups() if i.from_record_review]
    assert item.record_review_id == review.id and item.escalated_to == "Insp 5521"
    item = dataclasses.replace(item, response="Apology sent; sergeant briefed.",
                               response_on=dt.date(2026, 3, 9))
    desk_two.save(item).result()
    assert other.sync().accepted == 1
    assert desk.sync().check_ok
    assert record_follow_ups(desk.store.reader)[0].response == "Apology sent; sergeant briefed."

    # Saving the review again makes no second item.
    again = reviews.save(reviews.open(review.id), dataclasses.replace(
        review, findings="Custody record checked twice.")).result()
    assert again.follow_up is None
    assert len(record_follow_ups(desk.store.reader)) == 1

    # The volunteer's laptop does not receive it (coordinators only, for now).
    assert visitor.sync().check_ok
    assert ("record_follow_up", item.id) not in visitor.records()


def test_a_follow_up_must_name_its_review_and_match_its_id(
    scheme: Scheme, laptops: LaptopFactory
) -> None:
    scheme.add_user("coord.one", "coordinator")
    desk = laptops("coord.one")
    review = escalated("coord.one")
    review_body = to_dict(review)
    desk.write(lambda db: save_record(db, "record_review", review_body))
    good = follow_up_for_record_review(review)
    wrong_id = dataclasses.replace(good, id="5d1f0f5e-3f52-4b8e-9a57-0f5cf3b0a111")
    # As a report's follow-up (kind follow_up), it is refused: its parent is no report.
    for kind, item in (("record_follow_up", good), ("record_follow_up", wrong_id),
                       ("follow_up", good)):
        item_body = to_dict(item)
        desk.write(lambda db, k=kind, b=item_body: save_record(db, k, b))
    summary = desk.sync()
    assert (summary.accepted, summary.rejected) == (2, 2)
    stored = server_records(scheme.engine)
    assert ("record_follow_up", good.id) in stored
    assert ("record_follow_up", wrong_id.id) not in stored
    assert ("follow_up", good.id) not in stored


def test_opening_a_review_keeps_what_the_review_was_read_from() -> None:
    review = escalated("coord.one")
    opened = OpenReview(review, to_dict(review))
    assert opened.shown == to_dict(review)
    assert OpenReview(review).shown is None
