"""Dip samples on this laptop: the samples drawn so far, the records a period offers for a
new one, what each sampled record is, and saving a sample and its reviews.

The records a sample is drawn from are the period's submitted reports, as corrected by
their amendments (what :meth:`VisitService.submitted_between` returns, and what the
scheme's figures count), or the custody record reviews dated in the period.

Every read here opens a connection of its own and closes it after: these methods are
meant for a worker thread (a year of a whole scheme is thousands of reports to read),
where the store's shared reader, which belongs to the UI thread, must not be used.
Writes go through the store's writer and are sent with the next sync.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from icv_app.domain.custody.dip_sample import (
    Candidate,
    DipSample,
    SampledItem,
    SampledKind,
    candidate_from_record_review,
    candidate_from_visit,
)
from icv_app.domain.custody.report_reference import report_reference

if TYPE_CHECKING:
    from icv_app.domain.custody.record_review import RecordReview
    from icv_app.domain.custody.visit import VisitReport
    from icv_app.store.local_store import LocalStore

DIP_SAMPLE = "dip_sample"


@dataclass(frozen=True)
class SampledRecord:
    """What the coordinator sees of a record that is (or may be) in a sample: its suite,
    its date (the visit's, or the day the custody record was reviewed) and a label to
    read out (a report's reference, a custody record number)."""

    id: str
    suite_id: str
    date: dt.date | None
    label: str


@dataclass(frozen=True)
class Population:
    """The records of ``sampled`` dated ``start`` to ``end`` that a sample is drawn from."""

    sampled: SampledKind
    start: dt.date
    end: dt.date
    candidates: tuple[Candidate, ...] = ()
    records: dict[str, SampledRecord] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.candidates)


def newest_first(samples: Iterable[DipSample]) -> list[DipSample]:
    return sorted(samples, key=lambda s: (s.created_at, s.id), reverse=True)


def _visit_record(report: VisitReport, corrected: VisitReport, prefix: str) -> SampledRecord:
    # The reference comes from the report as made (as its PDF and its form show it); the
    # suite and date are the corrected ones the sample was drawn on.
    made_on = report.header.visit_date or report.created_at.date()
    return SampledRecord(report.id, corrected.header.suite_id, corrected.header.visit_date,
                         report_reference(report.id, made_on, prefix))


def _review_record(review: RecordReview) -> SampledRecord:
    return SampledRecord(review.id, review.suite_id, review.reviewed_on,
                         review.custody_number or "No custody number")


def _bodies(db: Any, kind_name: str, where: str = "", args: Sequence[Any] = ()) -> list[Any]:
    from icv_app import kinds
    from icv_app.kinds.base import Unreadable

    kind = kinds.require(kind_name)
    sql = f"SELECT body FROM {kind.table} WHERE deleted = 0"
    if where:
        sql += f" AND {where}"
    out = []
    for (body,) in db.execute(sql, list(args)):
        try:
            out.append(kind.structure(json.loads(body)))
        except (Unreadable, ValueError):
            continue  # held aside and shown by sync
    return out


def _corrected(db: Any, reports: Iterable[tuple[VisitReport, list[Any]]]
               ) -> list[tuple[VisitReport, VisitReport]]:
    from icv_app.domain.custody.corrections import apply_corrections

    return [(report, apply_corrections(report, found).report if found else report)
            for report, found in reports]


class DipSampleService:
    """Reads on connections of their own (see the module); writes on the writer."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store

    @contextmanager
    def _reader(self) -> Iterator[Any]:
        db = self.store.new_reader()
        try:
            yield db
        finally:
            db.close()

    # Reading ---------------------------------------------------------------------------
    def samples(self) -> list[DipSample]:
        """Every sample on this laptop, the newest drawn first."""
        with self._reader() as db:
            return newest_first(_bodies(db, DIP_SAMPLE))

    def sample(self, sample_id: str) -> DipSample | None:
        with self._reader() as db:
            found = _bodies(db, DIP_SAMPLE, "id = ?", [sample_id])
        return found[0] if found else None

    def population(self, sampled: SampledKind, start: dt.date, end: dt.date,
                   prefix: str) -> Population:
        """The records a sample of ``sampled`` for ``start`` to ``end`` is drawn from
        (``prefix``: the scheme's, for the reports' references)."""
        from icv_app.domain.custody.dip_sample import in_period

        if end < start:
            return Population(sampled, start, end)
        with self._reader() as db:
            if sampled is SampledKind.VISIT:
                from icv_app.store.custody import visits as visit_store

                pairs = _corrected(db, visit_store.submitted_between(db, start, end))
                candidates = [candidate_from_visit(c) for _, c in pairs]
                records = {r.id: _visit_record(r, c, prefix) for r, c in pairs}
            else:
                reviews = _bodies(db, "record_review", "reviewed_on BETWEEN ? AND ?",
                                  [start.isoformat(), end.isoformat()])
                candidates = [candidate_from_record_review(r) for r in reviews]
                records = {r.id: _review_record(r) for r in reviews}
        # An amendment may have moved a report's date out of the period.
        kept = in_period(candidates, start, end)
        return Population(sampled, start, end,
                          tuple(sorted(kept, key=lambda c: (c.date or dt.date.min, c.id))),
                          {c.id: records[c.id] for c in kept})

    def records(self, sampled: SampledKind, ids: Sequence[str],
                prefix: str) -> dict[str, SampledRecord]:
        """What each of ``ids`` is (those still on this laptop; a report purged or a
        review deleted since is left out)."""
        if not ids:
            return {}
        out: dict[str, SampledRecord] = {}
        with self._reader() as db:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start:start + 500])
                marks = ",".join("?" * len(chunk))
                if sampled is SampledKind.VISIT:
                    from icv_app import kinds

                    visit = kinds.require("visit")
                    amendments = kinds.require("amendment")
                    found: dict[str, list[Any]] = {}
                    for visit_id, body in db.execute(
                        f"SELECT visit_id, body FROM {amendments.table} WHERE deleted = 0 "
                        f"AND visit_id IN ({marks}) ORDER BY created_at, id", chunk
                    ):
                        found.setdefault(visit_id, []).append(
                            amendments.structure(json.loads(body)))
                    reports = [(visit.structure(json.loads(body)), found.get(rid, []))
                               for rid, body in db.execute(
                                   f"SELECT id, body FROM {visit.table} WHERE deleted = 0 "
                                   f"AND id IN ({marks})", chunk)]
                    for report, corrected in _corrected(db, reports):
                        out[report.id] = _visit_record(report, corrected, prefix)
                else:
                    for review in _bodies(db, "record_review", f"id IN ({marks})", chunk):
                        out[review.id] = _review_record(review)
        return out

    def record_review(self, review_id: str) -> RecordReview | None:
        with self._reader() as db:
            found = _bodies(db, "record_review", "id = ?", [review_id])
        return found[0] if found else None

    # Writing ---------------------------------------------------------------------------
    def save(self, sample: DipSample, origin: str | None = None) -> Future[DipSample]:
        """Store a sample just drawn."""
        from icv_app.domain.serialize import to_dict
        from icv_app.store.records import save_record

        body = to_dict(sample)

        def job(db: Any) -> DipSample:
            save_record(db, DIP_SAMPLE, body)
            return sample

        return self._submit(job, origin)

    def save_reviews(self, sample_id: str, items: Sequence[SampledItem],
                     origin: str | None = None) -> Future[DipSample]:
        """Store the reviews of ``items`` on the sample as it is stored now, and return
        it. Only these items change: reviews of other items that a sync brought while
        these were being edited are kept."""
        from icv_app import kinds
        from icv_app.domain.serialize import to_dict
        from icv_app.store.records import load_record, save_record

        edited = {item.item_id: item for item in items}

        def job(db: Any) -> DipSample:
            body = load_record(db, DIP_SAMPLE, sample_id)
            if body is None:
                raise LookupError("This sample is no longer on this laptop.")
            stored: DipSample = kinds.require(DIP_SAMPLE).structure(body)
            stored.items = [edited.get(item.item_id, item) for item in stored.items]
            save_record(db, DIP_SAMPLE, {**body, "items": to_dict(stored)["items"]})
            return stored

        return self._submit(job, origin)

    def _submit(self, job: Any, origin: str | None) -> Future[Any]:
        if origin is None:
            return self.store.writer.submit(job)
        return self.store.writer.submit(job, origin=origin)
