"""Survey instruments on this laptop: importing an XLSForm (checked in full first, so a
form the app cannot run never reaches an interviewer), and the forms held with their
responses. An imported version is a ``survey_instrument`` record: final once written,
and it reaches interviewers with the next sync."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from icv_app import kinds
from icv_app.domain.serialize import to_dict
from icv_app.domain.survey.instrument import Instrument, load_xlsform_bytes
from icv_app.domain.survey.records import SurveyInstrument, instrument_id_for, version_key
from icv_app.kinds.base import Unreadable
from icv_app.store.records import load_record, save_record

if TYPE_CHECKING:
    from icv_app.store.database import Queryable
    from icv_app.store.local_store import LocalStore

__all__ = ["FormHeld", "ImportOutcome", "InstrumentConflict", "InstrumentService",
           "latest_held"]


def latest_held(db: Queryable, form_id: str,
                version: str | None = None) -> SurveyInstrument | None:
    """The instrument record of ``form_id`` held here: ``version``, or the latest one
    (versions compared by :func:`~icv_app.domain.survey.records.version_key`); None if
    there is none this version of the app can read. Only the chosen record's body (the
    workbook) is read."""
    rows = db.execute("SELECT id, version FROM survey_instruments "
                      "WHERE form_id = ? AND deleted = 0", [form_id]).fetchall()
    if version is not None:
        rows = [r for r in rows if r[1] == version]
    kind = kinds.require("survey_instrument")
    for rid, _version in sorted(rows, key=lambda r: version_key(str(r[1])), reverse=True):
        body = load_record(db, kind.name, str(rid))
        try:
            record: SurveyInstrument = kind.structure(body or {})
        except Unreadable:
            continue  # held aside and shown by sync
        return record
    return None


class InstrumentConflict(Exception):
    """This version of the form is already here with other content."""


@dataclass(frozen=True)
class ImportOutcome:
    instrument: Instrument
    added: bool  # False: this very version (same bytes) was already here


@dataclass(frozen=True)
class FormHeld:
    form_id: str
    version: str
    title: str
    responses: int  # complete interviews and consultation responses of this version


class InstrumentService:
    def __init__(self, store: LocalStore) -> None:
        self.store = store

    def import_file(self, path: Path, imported_by: str = "") -> ImportOutcome:
        """Check and keep the XLSForm at ``path``. Raises InstrumentRefused (where and
        why), InstrumentConflict, or OSError."""
        data = Path(path).read_bytes()
        instrument = load_xlsform_bytes(data, Path(path).name)
        record = SurveyInstrument.from_workbook(
            data, form_id=instrument.form_id, version=instrument.version,
            title=instrument.title, filename=Path(path).name, imported_by=imported_by)
        row = self.store.reader.execute(
            "SELECT body FROM survey_instruments WHERE id = ? AND deleted = 0",
            [instrument_id_for(instrument.form_id, instrument.version)],
        ).fetchone()
        if row is not None:
            if json.loads(row[0]).get("sha256") == record.sha256:
                return ImportOutcome(instrument, added=False)
            raise InstrumentConflict(
                f"Version {instrument.version} of {instrument.form_id} is already here with "
                "other content: a version never changes once imported (interviews record "
                "the version they were taken with). Give the form a new version on its "
                "settings sheet and import it again.")
        body = to_dict(record)
        self.store.writer.submit(
            lambda db: save_record(db, "survey_instrument", body)).result()
        return ImportOutcome(instrument, added=True)

    def forms(self) -> list[FormHeld]:
        """Every form version held, by form_id then version (numbers as numbers), with
        its responses."""
        counts: dict[tuple[str, str], int] = {}
        # Complete interviews (not one in progress, stopped or declined) and responses,
        # counted on the kinds' list columns (not by reading every body).
        for table, only in (("survey_interviews", " AND status = 'complete'"),
                            ("consultation_responses", "")):
            for form_id, version, count in self.store.reader.execute(
                f"SELECT form_id, form_version, count(*) FROM {table} "
                f"WHERE deleted = 0{only} GROUP BY form_id, form_version"
            ):
                key = (str(form_id), str(version))
                counts[key] = counts.get(key, 0) + int(count)
        held = [FormHeld(str(form_id), str(version), str(title or ""),
                         counts.get((str(form_id), str(version)), 0))
                for form_id, version, title in self.store.reader.execute(
                    "SELECT form_id, version, title FROM survey_instruments "
                    "WHERE deleted = 0")]
        return sorted(held, key=lambda f: (f.form_id, version_key(f.version)))

    def latest_forms(self) -> list[FormHeld]:
        """Each form held once, as its latest version, by form_id."""
        latest: dict[str, FormHeld] = {}
        for form in self.forms():  # each form's versions oldest first
            latest[form.form_id] = form
        return list(latest.values())
