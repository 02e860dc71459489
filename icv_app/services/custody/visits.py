"""What a volunteer can do with visit reports, independent of any GUI.

The UI (and the headless commands) call this service; it snapshots reports on the
calling thread, hands every write to the store's writer thread and returns a Future.
Reads are quick indexed queries on the reader connection.
"""

from __future__ import annotations

import builtins
import copy
import datetime as dt
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import (
    Amendment,
    ReportLocked,
    VisitorOnVisit,
    VisitorRole,
    VisitReport,
)
from icv_app.store.custody import visits as visit_store
from icv_app.store.custody.visits import EditSession, SaveOutcome, VisitFilter, VisitSummary
from icv_app.store.local_store import LocalStore

if TYPE_CHECKING:
    # Validation loads with the visit form, not with the first window.
    from icv_app.domain.custody.validation import Context, Problem


class SubmitRefused(Exception):
    """The report cannot be submitted yet; ``problems`` says what to fix."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"- {p.message}" for p in problems)
        super().__init__(f"The report cannot be submitted yet:\n{lines}")


def confirmers_needed(report: VisitReport) -> list[str]:
    """Visitors who must confirm before submission (everyone but accompanied observers)."""
    return [v.visitor_id for v in report.header.visitors if v.role is not VisitorRole.OBSERVER]


def visit_context(reference: ReferenceData, now: dt.datetime | None = None) -> Context:
    """What validation needs beyond the report: the scheme's clock now (in its zone),
    its custody number pattern, its suites and visitors."""
    from icv_app.domain.custody.times import local_now
    from icv_app.domain.custody.validation import Context

    return Context(
        now=now or local_now(reference.time_zone),
        custody_number_pattern=reference.custody_number_pattern,
        reference=reference,
    )


def submit_problems(
    report: VisitReport, confirmed_by: list[str], context: Context | None = None
) -> list[Problem]:
    from icv_app.domain.custody.validation import Problem, errors

    problems = errors(report, context)
    needed = confirmers_needed(report)
    missing = [v for v in needed if v not in confirmed_by]
    if missing:
        problems.append(
            Problem("confirmed_by", "Every visitor on the visit must confirm the report.")
        )
    elif len(needed) < 2:
        problems.append(Problem("confirmed_by", "Both visitors must confirm the report."))
    return problems


class VisitService:
    """Reports are edited through the objects this service hands out (:meth:`load`,
    :meth:`new_visit`): each is tied to an edit session, so that its saves never write a
    stale copy over a newer one that sync brought in meanwhile (see
    :mod:`icv_app.store.custody.visits`)."""

    def __init__(
        self,
        store: LocalStore,
        reference: ReferenceData,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.store = store
        self.reference = reference
        # The moment now (aware); tests set a fixed one so "later than now" is certain.
        self.clock: Callable[[], dt.datetime] = clock or (lambda: dt.datetime.now(dt.UTC))
        self._sessions: dict[int, EditSession] = {}

    def local_now(self) -> dt.datetime:
        """Now on the scheme's wall clock (naive, minutes), as a report's times are."""
        from icv_app.domain.custody.times import to_local

        return to_local(self.clock(), self.reference.time_zone).replace(
            tzinfo=None, second=0, microsecond=0
        )

    def context(self) -> Context:
        """What validation needs now: the scheme's clock, pattern, suites and visitors."""
        return visit_context(self.reference, self.local_now())

    def _bind(self, report: VisitReport, session: EditSession) -> None:
        key = id(report)
        self._sessions[key] = session
        weakref.finalize(report, self._sessions.pop, key, None)

    def session_of(self, report: VisitReport) -> EditSession:
        """The edit session of a report this service handed out. A report the caller
        made itself adopts whatever is stored under its id at its first save."""
        session = self._sessions.get(id(report))
        if session is None or session.record_id != report.id:
            session = EditSession(report.id, rev=-1)
            self._bind(report, session)
        return session

    def origin_of(self, report: VisitReport) -> str:
        """The origin its saves are announced with (a form ignores its own changes)."""
        return self.session_of(report).origin

    # Reads -------------------------------------------------------------------------
    def list(
        self, where: VisitFilter | None = None, limit: int | None = None
    ) -> builtins.list[VisitSummary]:
        return visit_store.list_visits(self.store.reader, where, limit)

    def load(self, visit_id: str) -> VisitReport:
        """The report as stored now, ready to edit (its own edit session)."""
        report, session = visit_store.load_for_edit(self.store.reader, visit_id)
        self._bind(report, session)
        return report

    def submitted_between(self, start: dt.date, end: dt.date) -> builtins.list[VisitReport]:
        """The submitted reports dated ``start`` to ``end``, each as corrected by its
        amendments: what the scheme's figures and exports count."""
        from icv_app.domain.custody.corrections import apply_corrections

        return [
            apply_corrections(report, found).report if found else report
            for report, found in visit_store.submitted_between(self.store.reader, start, end)
        ]

    def amendments(self, visit_id: str) -> builtins.list[Amendment]:
        return visit_store.list_amendments(self.store.reader, visit_id)

    def count(self) -> int:
        return visit_store.count_visits(self.store.reader)

    def waiting_queries(self) -> tuple[int, int]:
        """(queries waiting for a reply, reports they are about)."""
        return visit_store.count_waiting_queries(self.store.reader)

    # Writes ------------------------------------------------------------------------
    def blank_visit(
        self,
        suite_id: str = "",
        visitor_ids: tuple[str, ...] = (),
        now: dt.datetime | None = None,
    ) -> VisitReport:
        """A new draft dated now (the scheme's wall clock), not saved yet: the form saves
        it at the first edit, so a new visit left untouched leaves nothing behind."""
        now = now or self.local_now()
        report = VisitReport()
        report.header.suite_id = suite_id
        report.header.visit_date = now.date()
        report.header.arrival_time = now.time().replace(second=0, microsecond=0)
        report.header.visitors = [VisitorOnVisit(v) for v in visitor_ids]
        suite = self.reference.suite(suite_id)
        if suite:
            report.header.panel = suite.panel
        return report

    def new_visit(
        self,
        suite_id: str = "",
        visitor_ids: tuple[str, ...] = (),
        now: dt.datetime | None = None,
    ) -> tuple[VisitReport, Future[SaveOutcome]]:
        """A new draft dated now, saved at once (for scripts and the demo: what they
        pass in is already a change worth keeping)."""
        report = self.blank_visit(suite_id, visitor_ids, now)
        return report, self.autosave(report)

    def autosave(self, report: VisitReport) -> Future[SaveOutcome]:
        """Queue a save of the report as it is now; a newer save of it supersedes this one.

        The outcome says whether the record had moved meanwhile and the edits were merged
        onto the newer copy (the form should then show the stored report again)."""
        if report.is_submitted:
            failed: Future[SaveOutcome] = Future()
            failed.set_exception(ReportLocked(report.id))
            return failed
        from icv_app.domain.serialize import to_dict
        from icv_app.kinds.custody import visit_columns

        session = self.session_of(report)
        # Snapshots, taken on the caller's thread: the writer never reads a live report.
        edited = to_dict(report)
        columns = visit_columns(report)
        return self.store.writer.submit_latest(
            ("visit", report.id),
            lambda db: visit_store.save_edit(db, session, edited, columns=columns),
            origin=session.origin,
        )

    def submit(self, report: VisitReport, confirmed_by: builtins.list[str]) -> Future[VisitReport]:
        """Submit after every visitor confirmed; raises SubmitRefused with the problems."""
        problems = submit_problems(report, confirmed_by, self.context())
        if problems:
            raise SubmitRefused(problems)
        snapshot = copy.deepcopy(report)
        snapshot.confirmed_by = list(confirmed_by)
        session = self.session_of(report)
        return self.store.writer.submit(
            lambda db: visit_store.submit_visit(db, snapshot, session), origin=session.origin
        )

    def reopen_refused(self, visit_id: str) -> Future[VisitReport]:
        """Make a submitted report the server refused a draft again, to correct it."""
        return self.store.writer.submit(lambda db: visit_store.reopen_refused(db, visit_id))

    def add_amendment(
        self, visit_id: str, reason: str, text: str, author_id: str = "",
        field_path: str = "", new_value: str = "",
    ) -> Future[Amendment]:
        """Add an amendment: in words only, or correcting ``field_path`` to
        ``new_value`` (checked against the report: a value the field cannot hold is
        refused with a ValueError that says why)."""
        if field_path:
            from icv_app.domain.custody.corrections import check_correction

            problem = check_correction(self.load(visit_id), field_path, new_value)
            if problem:
                raise ValueError(problem)
        amendment = Amendment(
            visit_id=visit_id, reason=reason, text=text, author_id=author_id,
            field_path=field_path, new_value=new_value.strip() if field_path else "",
        )

        def job(db: object) -> Amendment:
            visit_store.add_amendment(db, amendment)  # type: ignore[arg-type]
            return amendment

        return self.store.writer.submit(job)

    def delete_draft(self, visit_id: str) -> Future[None]:
        return self.store.writer.submit(lambda db: visit_store.delete_draft(db, visit_id))

    def restore_draft(self, visit_id: str) -> Future[None]:
        return self.store.writer.submit(lambda db: visit_store.restore_draft(db, visit_id))
