"""Quotas on this laptop: the cell an interview falls in, whether that cell is full, how
every cell stands, and defining a form's quota (survey managers).

The interview runner asks :meth:`QuotaService.cell` after each answer and
:meth:`QuotaService.full` once a cell is known. A cell's count is what the server
counted at the last sync (:mod:`icv_app.services.survey.quota_sync` keeps it) plus this
laptop's complete interviews in that cell that the server had not counted then:

- those not yet acknowledged by the server (never pushed, or changed since), and
- this user's own that the server acknowledged after the counts were fetched (a sync
  whose fetch failed after its push went through),

so two interviewers offline each see the last place free, both fill it, and the overfill
shows after both have synced (the server flags the later interview). A cell not among
the quota's targets is never full unless the quota says ``other_cells_full``. A form
without a quota has no cells and is never full.

Reads go through the store's reader (the thread that opened the store: the UI thread);
:meth:`QuotaService.define` writes through the writer.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from icv_app import kinds
from icv_app.domain.custody.visit import utc_now
from icv_app.domain.serialize import to_dict
from icv_app.domain.survey.quotas import (
    CELL_SEPARATOR,
    CellStatus,
    QuotaProblem,
    QuotaTarget,
    SurveyQuota,
    cell_statuses,
    is_full,
    quota_id_for,
    quota_problems,
)
from icv_app.kinds.base import Unreadable
from icv_app.kinds.survey_quota import COUNTED_TABLE, COUNTS_TABLE, FETCHES_TABLE

if TYPE_CHECKING:
    from pathlib import Path

    import sqlite_utils

    from icv_app.store.database import Queryable
    from icv_app.store.local_store import LocalStore

__all__ = ["QuotaRefused", "QuotaService", "local_counts", "server_counts"]

KIND = "survey_quota"
MAX_CHOICES_NAMED = 12  # a refusal lists at most this many of a question's choices


class QuotaRefused(ValueError):
    """The quota cannot be kept: ``problems`` say where (``targets[3].cell``) and why."""

    def __init__(self, form_id: str, problems: list[QuotaProblem]) -> None:
        self.form_id = form_id
        self.problems = problems
        lines = "\n".join(f"  {p.field}: {p.message}" for p in problems)
        super().__init__(f"The quota for {form_id} cannot be kept:\n{lines}")


@dataclass(frozen=True)
class _Cached:
    body: str
    quota: SurveyQuota


# --- reading the local tables (any connection: the reader, or the writer's) ------------------


def server_counts(db: Queryable, form_id: str,
                  cell: str | None = None) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Cell -> (the server's count at the last fetch, the flagged interview ids)."""
    sql = f"SELECT cell, count, flagged FROM {COUNTS_TABLE} WHERE form_id = ?"
    args: list[Any] = [form_id]
    if cell is not None:
        sql, args = sql + " AND cell = ?", [*args, cell]
    out = {}
    for name, count, flagged in db.execute(sql, args).fetchall():
        try:
            ids = json.loads(flagged)
        except ValueError:
            ids = []
        out[str(name)] = (int(count), tuple(str(i) for i in ids if isinstance(i, str)))
    return out


def local_counts(db: Queryable, form_id: str, user_id: str,
                 cell: str | None = None) -> dict[str, int]:
    """Cell -> this laptop's complete interviews the server had not counted at the last
    fetch (module doc)."""
    sql = (
        "SELECT quota_cell, count(*) FROM survey_interviews AS i "
        "WHERE deleted = 0 AND status = 'complete' AND form_id = ? AND quota_cell != '' "
        "AND (rev > base_rev OR (? != '' AND base_rev > 0 AND interviewer_id = ? "
        f"AND NOT EXISTS (SELECT 1 FROM {COUNTED_TABLE} AS c "
        "WHERE c.form_id = i.form_id AND c.interview_id = i.id)))"
    )
    args: list[Any] = [form_id, user_id, user_id]
    if cell is not None:
        sql, args = sql + " AND quota_cell = ?", [*args, cell]
    rows = db.execute(sql + " GROUP BY quota_cell", args).fetchall()
    return {str(name): int(n) for name, n in rows}


def fetched_at(db: Queryable, form_id: str) -> dt.datetime | None:
    row = db.execute(f"SELECT fetched_at FROM {FETCHES_TABLE} WHERE form_id = ?",
                     [form_id]).fetchone()
    if row is None:
        return None
    try:
        return dt.datetime.fromisoformat(row[0])
    except (TypeError, ValueError):
        return None


def held_quota_bodies(db: Queryable) -> list[str]:
    return [str(r[0]) for r in db.execute(
        f"SELECT body FROM {kinds.require(KIND).table} WHERE deleted = 0").fetchall()]


class QuotaService:
    """Quotas for the runner, the command line and the screens (module doc).

    ``user_id`` is the signed-in user's server id ("" if none: then only interviews the
    server has not acknowledged are added to its counts); ``now`` stamps definitions.
    """

    def __init__(self, store: LocalStore, user_id: str = "", *,
                 now: Callable[[], dt.datetime] = utc_now) -> None:
        self.store = store
        self.user_id = user_id
        self.now = now
        self._cache: dict[str, _Cached] = {}

    # The quota of a form ---------------------------------------------------------------
    def quota(self, form_id: str) -> SurveyQuota | None:
        """The form's quota held here (None if none, or one this version cannot read)."""
        kind = kinds.require(KIND)
        row = self.store.reader.execute(
            f"SELECT body FROM {kind.table} WHERE id = ? AND deleted = 0",
            [quota_id_for(form_id)]).fetchone()
        if row is None:
            self._cache.pop(form_id, None)
            return None
        body = str(row[0])
        cached = self._cache.get(form_id)
        if cached is not None and cached.body == body:  # the runner asks after each answer
            return cached.quota
        try:
            quota = kind.structure(json.loads(body))
        except (Unreadable, ValueError):
            return None
        self._cache[form_id] = _Cached(body, quota)
        return quota  # type: ignore[no-any-return]

    def quotas(self) -> list[SurveyQuota]:
        """Every quota held, by form id."""
        kind = kinds.require(KIND)
        out = []
        for body in held_quota_bodies(self.store.reader):
            try:
                out.append(kind.structure(json.loads(body)))
            except (Unreadable, ValueError):
                continue  # held aside and shown by sync
        return sorted(out, key=lambda q: q.form_id)

    # What the runner asks ----------------------------------------------------------------
    def cell(self, form_id: str, values: Mapping[str, Any]) -> str | None:
        """The interview's cell once every quota variable has a value; None before that,
        and for a form without a quota."""
        quota = self.quota(form_id)
        return quota.cell(values) if quota is not None else None

    def achieved(self, form_id: str, cell: str) -> int:
        """The server's count at the last sync + this laptop's not yet counted."""
        server = server_counts(self.store.reader, form_id, cell).get(cell, (0, ()))[0]
        here = local_counts(self.store.reader, form_id, self.user_id, cell).get(cell, 0)
        return server + here

    def full(self, form_id: str, cell: str) -> bool:
        """Does the cell take no more interviews (count >= target)?"""
        quota = self.quota(form_id)
        if quota is None:
            return False
        return is_full(quota, cell, self.achieved(form_id, cell))

    # What managers and the command line ask ---------------------------------------------
    def status(self, form_id: str) -> list[CellStatus]:
        """Every cell: target, achieved, remaining, overfilled_by, flagged (the
        interviews beyond the target as the server saw them at the last sync: every
        one for a manager, an interviewer's own for an interviewer)."""
        quota = self.quota(form_id)
        if quota is None:
            return []
        server = server_counts(self.store.reader, form_id)
        return cell_statuses(
            quota, {c: n for c, (n, _ids) in server.items()},
            local_counts(self.store.reader, form_id, self.user_id),
            {c: ids for c, (_n, ids) in server.items()},
        )

    def fetched_at(self, form_id: str) -> dt.datetime | None:
        """When the server's counts were last fetched (None: never)."""
        return fetched_at(self.store.reader, form_id)

    # Defining a quota (survey managers) ---------------------------------------------------
    def define(self, form_id: str, variables: Iterable[str],
               targets: Mapping[str, int] | Iterable[QuotaTarget], *, name: str = "",
               other_cells_full: bool = False, defined_by: str = "") -> SurveyQuota:
        """Keep the form's quota (replacing any before it); it reaches interviewers with
        the next sync. Raises :class:`QuotaRefused` with every problem: out of bounds
        (:func:`~icv_app.domain.survey.quotas.quota_problems`), or, when a version of the
        form is held here, a variable the form does not ask or a cell value that is not
        one of a select_one question's choices."""
        items = ([QuotaTarget(c, t) for c, t in targets.items()]
                 if isinstance(targets, Mapping) else list(targets))
        quota = SurveyQuota(form_id=form_id, variables=list(variables), targets=items,
                            name=name, other_cells_full=other_cells_full,
                            defined_by=defined_by, defined_at=self.now())
        problems = quota_problems(quota)
        if not problems:
            problems = _against_the_form(quota, _held_forms(self.store.reader, form_id))
        if problems:
            raise QuotaRefused(form_id, problems)
        body = to_dict(quota)

        def save(db: sqlite_utils.Database) -> None:
            from icv_app.store.records import load_record, save_record

            stored = load_record(db, KIND, quota.id) or {}
            # Fields a newer app added to the stored quota survive this one's change.
            save_record(db, KIND, {**stored, **body})

        self.store.writer.submit(save).result()
        return quota


# --- checking a quota against the form ---------------------------------------------------------


@dataclass(frozen=True)
class _FormNames:
    versions: tuple[str, ...]
    questions: frozenset[str]
    choices: Mapping[str, frozenset[str]]  # a select_one question's choice names


def _held_forms(db: Queryable, form_id: str) -> _FormNames | None:
    """The questions and select_one choices of every version of the form held here."""
    from icv_app.domain.survey.instrument import Group, InstrumentRefused, load_xlsform_bytes
    from icv_app.domain.survey.records import SurveyInstrument

    rows = db.execute(
        "SELECT body FROM survey_instruments WHERE deleted = 0 AND form_id = ?", [form_id]
    ).fetchall()
    versions: list[str] = []
    questions: set[str] = set()
    choices: dict[str, set[str]] = {}
    for (body,) in rows:
        try:
            record = kinds.require("survey_instrument").structure(json.loads(body))
            if not isinstance(record, SurveyInstrument):
                continue
            form = load_xlsform_bytes(record.workbook(), record.filename or f"{form_id}.xlsx")
        except (Unreadable, ValueError, InstrumentRefused):
            continue
        versions.append(form.version)
        for node in form.questions():
            if isinstance(node, Group) or node.type == "note":
                continue
            questions.add(node.name)
            if node.type == "select_one" and node.list_name:
                choices.setdefault(node.name, set()).update(
                    c.name for c in form.choices.get(node.list_name, ()))
    if not versions:
        return None
    return _FormNames(tuple(sorted(versions)), frozenset(questions),
                      {k: frozenset(v) for k, v in choices.items()})


def _against_the_form(quota: SurveyQuota, form: _FormNames | None) -> list[QuotaProblem]:
    if form is None:  # not imported here yet: checked when it is defined again
        return []
    problems = []
    held = ", ".join(form.versions)
    for i, name in enumerate(quota.variables):
        if name not in form.questions:
            problems.append(QuotaProblem(
                f"variables[{i}]", f"{quota.form_id} (version {held}) has no question or "
                f"calculation named {name}."))
    if problems:
        return problems
    for i, item in enumerate(quota.targets):
        for name, value in zip(quota.variables, item.cell.split(CELL_SEPARATOR), strict=True):
            names = form.choices.get(name)
            if names is not None and value not in names:
                listed = sorted(names)
                more = "" if len(listed) <= MAX_CHOICES_NAMED else ", ..."
                problems.append(QuotaProblem(
                    f"targets[{i}].cell", f"'{value}' is not a choice of {name} (its "
                    f"choices: {', '.join(listed[:MAX_CHOICES_NAMED])}{more})."))
                break
        if len(problems) >= 20:
            break
    return problems


# --- targets from a file --------------------------------------------------------------------


class QuotaFileUnreadable(ValueError):
    """A targets file that cannot be read as one; the message says where and why."""


def targets_from_file(path: Path, variables: Sequence[str] | None = None,
                      ) -> tuple[list[str], list[QuotaTarget], list[str]]:
    """A quota's targets from a CSV file: a header row naming each variable and
    ``target``, then one row per cell. ``variables``: the columns making a cell, in order
    (None: every column but ``target``, as the header has them). Returns the variables,
    the targets and, for each target, where it came from ("targets.csv, row 4"), for
    :func:`where`. Raises :class:`QuotaFileUnreadable`."""
    from icv_app.domain.survey.quotas import CELL_SEPARATOR, QuotaTarget

    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise QuotaFileUnreadable(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise QuotaFileUnreadable(f"{path} is not UTF-8 text") from None
    except csv.Error as exc:
        raise QuotaFileUnreadable(f"{path}: {exc}") from None
    header = [h.strip() for h in rows[0]] if rows else []
    if variables is None:
        variables = [h for h in header if h and h != "target"]
    variables = list(variables)
    if not rows:
        raise QuotaFileUnreadable(f"{path} is empty: it needs a header row "
                                  f"({', '.join([*variables, 'target'])})")
    missing = [name for name in [*variables, "target"] if name not in header]
    if missing or not variables:
        raise QuotaFileUnreadable(
            f"{path}, row 1: no column {', '.join(missing or ['for a variable'])} (the "
            f"header has {', '.join(h for h in header if h) or 'nothing'})")
    column = {name: header.index(name) for name in [*variables, "target"]}
    targets, origins = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = [row[column[n]].strip() if column[n] < len(row) else "" for n in variables]
        text = row[column["target"]].strip() if column["target"] < len(row) else ""
        try:
            target = int(text)
        except ValueError:
            raise QuotaFileUnreadable(f"{path}, row {number}, column target: {text!r} is "
                                      "not a whole number") from None
        targets.append(QuotaTarget(CELL_SEPARATOR.join(values), target))
        origins.append(f"{path.name}, row {number}")
    return variables, targets, origins


def where(field: str, origins: Sequence[str]) -> str:
    """A problem's place as the person gave it: the file's row (or the --target)."""
    if field.startswith("targets["):
        index = int(field[len("targets["):field.index("]")])
        if index < len(origins):
            column = field[field.index("]") + 2:] or "cell"
            return f"{origins[index]} ({column})"
    return field

