"""The coordinator's list of all reports, from the store: each filter narrows it, its
columns follow every way a report changes (an edit, a deletion, a pull), and follow-ups
are made once per unresolved issue."""

from __future__ import annotations

import datetime as dt

import pytest

from icv_app.domain.custody.coordination import (
    FollowUp,
    QueryReply,
    ReviewStatus,
    VisitQuery,
    VisitReview,
    follow_up_id_for,
)
from icv_app.domain.custody.report_reference import reference_id_prefix, report_reference
from icv_app.domain.custody.visit import (
    Amendment,
    Detainee,
    IssueRaised,
    VisitorOnVisit,
    VisitReport,
    VisitStatus,
)
from icv_app.domain.serialize import to_dict
from icv_app.services.custody.coordination import CoordinationService
from icv_app.services.custody.scheme_reports import SchemeReports, period_shortcuts
from icv_app.store.custody import visits as vs
from icv_app.store.custody.scheme_reports import (
    ReportFilter,
    count_reports,
    find_reports,
    list_reports,
    prepare,
)
from icv_app.store.local_store import LocalStore
from icv_app.store.records import IncomingChange, save_record, store_server_copy


def write(store: LocalStore, job):  # type: ignore[no-untyped-def]
    return store.writer.submit(job).result()


def visit(suite: str = "suite-ashford-road", day: dt.date = dt.date(2026, 3, 2),
          visitors: tuple[str, ...] = ("v-001", "v-002"), panel: str = "",
          resolved: tuple[bool | None, ...] = (), number: str = "",
          submitted: bool = True) -> VisitReport:
    r = VisitReport()
    r.header.suite_id = suite
    r.header.visit_date = day
    r.header.arrival_time = dt.time(14, 0)
    r.header.panel = panel
    r.header.visitors = [VisitorOnVisit(v) for v in visitors]
    r.issues = [IssueRaised(text=f"Issue {i}", resolved=v) for i, v in enumerate(resolved)]
    if number:
        r.detainees = [Detainee(custody_number=number)]
    if submitted:
        r.status = VisitStatus.SUBMITTED
        r.submitted_at = dt.datetime(2026, 3, 2, 16, 0, tzinfo=dt.UTC)
    return r


def put(store: LocalStore, *reports: VisitReport) -> None:
    write(store, lambda db: vs.insert_many(db, list(reports)))


def ids(store: LocalStore, **where: object) -> set[str]:
    found = ReportFilter(**where)  # type: ignore[arg-type]
    rows = list_reports(store.reader, found)
    assert count_reports(store.reader, found) == len(rows)
    return {r.id for r in rows}


def one(store: LocalStore, visit_id: str):  # type: ignore[no-untyped-def]
    return next(r for r in list_reports(store.reader, ReportFilter()) if r.id == visit_id)


def test_the_list_shows_what_only_the_body_holds(store):
    r = visit(visitors=("v-003", "v-001"), panel="City panel", resolved=(True, False, None))
    put(store, r)
    row = one(store, r.id)
    assert row.visitor_ids == ("v-003", "v-001")
    assert row.panel == "City panel"
    assert (row.issue_count, row.unresolved_count) == (3, 2)
    assert row.status is VisitStatus.SUBMITTED and row.review is ReviewStatus.NEW


def test_the_list_follows_edits_deletions_and_pulls(store):
    r = visit(resolved=(False,), submitted=False)
    write(store, lambda db: vs.save_visit(db, r))
    assert one(store, r.id).unresolved_count == 1
    r.issues[0].resolved = True
    r.header.visitors = [VisitorOnVisit("v-005")]
    write(store, lambda db: vs.save_visit(db, r))
    assert one(store, r.id).unresolved_count == 0
    assert ids(store, visitor_id="v-005") == {r.id}
    assert ids(store, visitor_id="v-001") == set()

    write(store, lambda db: vs.delete_draft(db, r.id))
    assert ids(store) == set() and ids(store, visitor_id="v-005") == set()
    write(store, lambda db: vs.restore_draft(db, r.id))
    assert ids(store, visitor_id="v-005") == {r.id}

    # A pull replaces the row (delete and insert): one line, its visitors once.
    body = to_dict(visit(visitors=("v-006", "v-006")))
    body["id"] = r.id
    write(store, lambda db: store_server_copy(
        db, IncomingChange("visit", r.id, 7, False, body)))
    assert ids(store) == {r.id}
    assert one(store, r.id).visitor_ids == ("v-006", "v-006")
    assert ids(store, visitor_id="v-006") == {r.id}
    assert ids(store, visitor_id="v-005") == set()


def test_each_filter_narrows_the_list(store):
    march = visit(day=dt.date(2026, 3, 2), number="01NS/0421/26")
    january = visit(day=dt.date(2026, 1, 15), suite="suite-dunmore", visitors=("v-005",))
    canal = visit(suite="suite-canal-street", panel="City panel", resolved=(False,))
    blank_panel = visit(suite="suite-beckley-park", resolved=(True,))
    put(store, march, january, canal, blank_panel)
    everyone = {march.id, january.id, canal.id, blank_panel.id}
    assert ids(store) == everyone
    assert ids(store, date_from=dt.date(2026, 3, 1)) == everyone - {january.id}
    assert ids(store, date_to=dt.date(2026, 1, 31)) == {january.id}
    assert ids(store, suite_id="suite-dunmore") == {january.id}
    assert ids(store, panel="City panel") == {canal.id}
    # A report that names no panel counts under its suite's.
    assert ids(store, panel="North panel",
               panel_suite_ids=("suite-ashford-road", "suite-beckley-park")) == {
        march.id, blank_panel.id}
    assert ids(store, visitor_id="v-005") == {january.id}
    assert ids(store, unresolved_only=True) == {canal.id}
    assert ids(store, search="0421/26") == {march.id}
    assert ids(store, search="0421/26", suite_id="suite-dunmore") == set()


def test_review_status_open_queries_and_amendments(store):
    new, reviewed, queried, closed = (visit() for _ in range(4))
    put(store, new, reviewed, queried, closed)
    coordination = CoordinationService(store)
    explicit_new = visit()
    put(store, explicit_new)
    coordination.set_review(explicit_new.id, ReviewStatus.NEW, "", "coord.one").result()
    coordination.set_review(reviewed.id, ReviewStatus.REVIEWED, "Fine", "coord.one").result()
    coordination.set_review(closed.id, ReviewStatus.CLOSED, "", "coord.one").result()
    first = coordination.send_query(queried.id, "When did you leave?", "coord.one").result()
    coordination.send_query(queried.id, "Who was the inspector?", "coord.one").result()

    assert ids(store, review=ReviewStatus.NEW) == {new.id, explicit_new.id}
    assert ids(store, review=ReviewStatus.REVIEWED) == {reviewed.id}
    assert ids(store, review=ReviewStatus.QUERY_SENT) == {queried.id}
    assert ids(store, review=ReviewStatus.CLOSED) == {closed.id}
    assert one(store, queried.id).open_queries == 2
    coordination.reply(first.id, "At 16:05.", "v-001").result()
    assert one(store, queried.id).open_queries == 1

    write(store, lambda db: vs.add_amendment(db, Amendment(closed.id, "Typo", "16:05")))
    assert one(store, closed.id).amendment_count == 1
    assert one(store, new.id).amendment_count == 0


def test_a_common_word_among_few_reports_is_searched_report_by_report(store):
    """Both ways of searching find the same reports; the cheaper is taken."""
    common = [visit(day=dt.date(2026, 1, 1) + dt.timedelta(days=i), number=f"01NS/{i:04}/26")
              for i in range(10)]
    put(store, *common)
    late = ReportFilter(date_from=dt.date(2026, 1, 9), search="01ns/")
    query = prepare(store.reader, late)
    assert "LIKE" in query.clauses[-1]  # 2 reports in the period, 10 match the term
    everywhere = prepare(store.reader, ReportFilter(search="01ns/"))
    assert "MATCH" in everywhere.clauses[-1]
    expected = {r.id for r in common[8:]}
    assert {r.id for r in list_reports(store.reader, query)} == expected
    assert {r.id for r in list_reports(store.reader, everywhere)} == {r.id for r in common}
    assert find_reports(store.reader, query, 1)[1] == 2


def test_a_report_is_found_by_its_short_reference(store):
    wanted, other = visit(), visit()
    put(store, wanted, other)
    reference = report_reference(wanted.id, wanted.header.visit_date, "NS")
    assert reference_id_prefix(reference) == wanted.id[:11]
    assert ids(store, search=reference) == {wanted.id}
    assert ids(store, search=reference.lower()[6:]) == {wanted.id}  # "7k3q-f2m9"
    # Words and custody numbers are still searched as text.
    assert reference_id_prefix("blankets") is None
    assert reference_id_prefix("01NS/0421/26") is None


def test_reports_stored_before_the_list_existed_are_listed(paths):
    """The migration fills in the rows of reports already on the laptop."""
    from icv_app.store import database

    store = LocalStore.open(paths)
    key = store._key
    r = visit(visitors=("v-007",), resolved=(None,))
    put(store, r)
    store.close()
    conn = database.connect(paths.database, key)
    for trigger in ("insert", "update", "delete"):
        conn.execute(f"DROP TRIGGER visit_facets_{trigger}")
    conn.execute("DROP TABLE visit_facets")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0007_scheme_reports'")
    conn.execute("PRAGMA user_version = 6")
    conn.close()
    store = LocalStore.open(paths)
    try:
        assert ids(store, visitor_id="v-007", unresolved_only=True) == {r.id}
    finally:
        store.close()


def test_follow_ups_are_made_once_per_unresolved_issue(store):
    r = visit(resolved=(True, False, None))
    put(store, r)
    reports = SchemeReports(store)
    coordination = CoordinationService(store)
    # One already taken further by another coordinator: kept as it is.
    taken = FollowUp(r.id, r.issues[1].id, escalated_to="Insp 5521")
    write(store, lambda db: save_record(db, "follow_up", to_dict(taken)))
    assert reports.follow_up_unresolved(r).result() == 1
    assert reports.follow_up_unresolved(r).result() == 0
    items = {f.id: f for f in coordination.follow_ups(r.id)}
    assert set(items) == {follow_up_id_for(r.id, r.issues[i].id) for i in (1, 2)}
    assert items[taken.id].escalated_to == "Insp 5521"


def test_find_answers_from_its_own_connection_with_the_total(store):
    put(store, *(visit(day=dt.date(2026, 3, 1) + dt.timedelta(days=i)) for i in range(5)))
    reports = SchemeReports(store)
    try:
        answer = reports.find(ReportFilter(), limit=3)
        assert [r.visit_date for r in answer.rows] == [
            "2026-03-05", "2026-03-04", "2026-03-03"]
        assert answer.total == 5 and answer.partial
        assert not reports.find(ReportFilter(), limit=10).partial
    finally:
        reports.close()


@pytest.mark.parametrize(("today", "first"), [
    (dt.date(2026, 3, 20), ("This quarter (Jan–Mar 2026)", dt.date(2026, 1, 1),
                            dt.date(2026, 3, 31))),
    (dt.date(2026, 4, 1), ("This quarter (Apr–Jun 2026)", dt.date(2026, 4, 1),
                           dt.date(2026, 6, 30))),
])
def test_period_shortcuts(today, first):
    shortcuts = period_shortcuts(today)
    label, period = shortcuts[0]
    assert (label, period.start, period.end) == first
    labels = [label for label, _ in shortcuts]
    assert labels[1].startswith("Last quarter") and labels[4].startswith("This financial")


def test_a_review_that_is_deleted_counts_as_none(store):
    r = visit()
    put(store, r)
    review = VisitReview(r.id, ReviewStatus.CLOSED)
    write(store, lambda db: save_record(db, "visit_review", to_dict(review)))
    assert ids(store, review=ReviewStatus.CLOSED) == {r.id}
    write(store, lambda db: db.execute("UPDATE visit_reviews SET deleted = 1"))
    assert ids(store, review=ReviewStatus.NEW) == {r.id}
    assert one(store, r.id).review is ReviewStatus.NEW
    assert VisitQuery and QueryReply  # the kinds the list reads (imported for the reader)
