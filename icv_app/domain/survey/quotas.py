"""Interview quotas: which cell an interview falls in, how full each cell is, and which
interviews went past a cell's target.

A :class:`SurveyQuota` belongs to one form (every version of it): its ``variables`` are
question (or calculation) names, e.g. ``["area", "age_band", "gender"]``, and its
``targets`` the number of complete interviews wanted in each cell. A cell's key is the
variables' values joined with ``|`` in the order of ``variables``
(``"shropshire|age_35_44|woman"``); a select_one question's value is its choice *name*,
exactly as the form spells it (not its label). One quota per form: its record id comes
from the form id (:func:`quota_id_for`), so two managers who define one converge on one
record (and a sync conflict, if both change it offline).

Targets are a list of ``{"cell": ..., "target": ...}`` rather than a map from cell to
target: the strict body reader checks each item's types, and the body catalogue, merges
and list columns see two fields, not one field per cell (see
:mod:`icv_app.domain.survey.records`).

A cell not among the targets is open (never full) unless the quota says
``other_cells_full``: then only the listed cells take interviews.

Counting (:func:`overfill`, :func:`cell_statuses`) is plain Python over what the server
and the laptop report; nothing here touches a database or the network.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from icv_app.domain.custody.visit import utc_now
from icv_app.domain.survey.records import PHONE_MESSAGE, phone_in

__all__ = [
    "CELL_SEPARATOR",
    "FORM_ID_PATTERN",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_NAME_CHARS",
    "MAX_TARGET",
    "MAX_VARIABLES",
    "VARIABLE_PATTERN",
    "CellStatus",
    "Counted",
    "QuotaProblem",
    "QuotaTarget",
    "SurveyQuota",
    "cell_key",
    "cell_statuses",
    "is_full",
    "overfill",
    "quota_id_for",
    "quota_problems",
    "value_text",
]

CELL_SEPARATOR = "|"
MAX_CELLS = 2000
MAX_TARGET = 100_000
MAX_VARIABLES = 5
MAX_VARIABLE_CHARS = 64
MAX_CELL_CHARS = 500  # five variables of long choice names fit well within it
MAX_NAME_CHARS = 200
MAX_FORM_ID_CHARS = 100
# An XLSForm name (a question's, a form's id): a letter or underscore, then letters,
# digits, underscores, dots and hyphens.
VARIABLE_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.-]*$"
FORM_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$"
_VARIABLE = re.compile(VARIABLE_PATTERN)
_FORM_ID = re.compile(FORM_ID_PATTERN)
MAX_PROBLEMS = 20  # a refusal lists this many, then says how many more

_NAMESPACE = uuid.UUID("0d6f3c52-84e1-4a39-b0a7-6f5e2c9d1b48")


def quota_id_for(form_id: str) -> str:
    """The one quota record of a form, the same on every laptop."""
    return str(uuid.uuid5(_NAMESPACE, f"quota:{form_id}"))


@dataclass
class QuotaTarget:
    cell: str
    target: int


@dataclass
class SurveyQuota:
    form_id: str
    variables: list[str]
    targets: list[QuotaTarget] = field(default_factory=list)
    name: str = ""  # e.g. "Area x age band x gender"
    other_cells_full: bool = False  # a cell not in targets takes no interview either
    defined_by: str = ""
    defined_at: dt.datetime = field(default_factory=utc_now)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            self.id = quota_id_for(self.form_id)

    def target_map(self) -> dict[str, int]:
        """Cell -> target (the first, should a cell be listed twice)."""
        out: dict[str, int] = {}
        for item in self.targets:
            out.setdefault(item.cell, item.target)
        return out

    def cell(self, values: Mapping[str, Any]) -> str | None:
        return cell_key(self.variables, values)


@dataclass(frozen=True)
class QuotaProblem:
    field: str  # "variables[1]", "targets[3].cell"
    message: str


# --- cell keys --------------------------------------------------------------------------------


def value_text(value: Any) -> str | None:
    """An answer as it appears in a cell key, or None while the question has no value.

    Text as given (trimmed), a select_one's choice name, whole numbers without a
    decimal point (``35``, also for ``35.0``), a select_multiple's choice names sorted
    and joined by spaces (as XLSForm stores them), dates in ISO form.
    """
    if value is None or isinstance(value, bool):
        return None if value is None else ("true" if value else "false")
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        parts = sorted(t for v in value if (t := value_text(v)) is not None)
        return " ".join(parts) or None
    text = str(value).strip()
    return text or None


def cell_key(variables: Sequence[str], values: Mapping[str, Any]) -> str | None:
    """The cell once every variable has a value, else None (module doc)."""
    parts = []
    for name in variables:
        text = value_text(values.get(name))
        if text is None:
            return None
        parts.append(text)
    return CELL_SEPARATOR.join(parts) if parts else None


# --- definitions --------------------------------------------------------------------------------


def _cell_problem(cell: str, variables: Sequence[str]) -> str | None:
    if not cell:
        return "A cell needs a value for each variable."
    if len(cell) > MAX_CELL_CHARS:
        return f"A cell is at most {MAX_CELL_CHARS} characters."
    parts = cell.split(CELL_SEPARATOR)
    if len(parts) != len(variables):
        return (f"A cell has one value per variable ({', '.join(variables)}), joined by "
                f"'{CELL_SEPARATOR}': this one has {len(parts)}.")
    for name, part in zip(variables, parts, strict=True):
        if not part.strip():
            return f"The value for {name} is empty."
        if part != part.strip():
            return f"The value for {name} has spaces at its start or end."
    if phone_in(cell):
        return PHONE_MESSAGE
    return None


def quota_problems(quota: SurveyQuota) -> list[QuotaProblem]:
    """Why the quota cannot be kept, each with the field it is about; [] if it can.

    Bounds: 1 to :data:`MAX_VARIABLES` distinct variables named as XLSForm names, at
    most :data:`MAX_CELLS` cells, each listed once with a value per variable, targets
    from 0 to :data:`MAX_TARGET`. At most :data:`MAX_PROBLEMS` problems are listed.
    """
    problems: list[QuotaProblem] = []
    if not _FORM_ID.match(quota.form_id):
        problems.append(QuotaProblem("form_id", "Not a form id (a letter or _, then "
                                     "letters, digits, _ . or -; at most "
                                     f"{MAX_FORM_ID_CHARS} characters)."))
    if quota.id != quota_id_for(quota.form_id):
        problems.append(QuotaProblem("id", "A form has one quota record, whose id comes "
                                     "from the form's id."))
    if len(quota.name) > MAX_NAME_CHARS:
        problems.append(QuotaProblem("name", f"At most {MAX_NAME_CHARS} characters."))
    elif phone_in(quota.name):
        problems.append(QuotaProblem("name", PHONE_MESSAGE))
    if len(quota.defined_by) > MAX_NAME_CHARS:
        problems.append(QuotaProblem("defined_by", f"At most {MAX_NAME_CHARS} characters."))
    variables = quota.variables
    if not 1 <= len(variables) <= MAX_VARIABLES:
        problems.append(QuotaProblem("variables", f"A quota has 1 to {MAX_VARIABLES} "
                                     f"variables; this one has {len(variables)}."))
    seen: set[str] = set()
    for i, name in enumerate(variables[:MAX_VARIABLES + 1]):
        if len(name) > MAX_VARIABLE_CHARS or not _VARIABLE.match(name):
            problems.append(QuotaProblem(f"variables[{i}]", "Not a question name (a letter "
                                         "or _, then letters, digits, _ . or -; at most "
                                         f"{MAX_VARIABLE_CHARS} characters)."))
        elif name in seen:
            problems.append(QuotaProblem(f"variables[{i}]", f"{name} is listed twice."))
        seen.add(name)
    if len(quota.targets) > MAX_CELLS:
        problems.append(QuotaProblem("targets", f"At most {MAX_CELLS} cells; this quota "
                                     f"has {len(quota.targets)}."))
    elif 1 <= len(variables) <= MAX_VARIABLES:
        cells: set[str] = set()
        for i, item in enumerate(quota.targets):
            message = _cell_problem(item.cell, variables)
            if message is None and item.cell in cells:
                message = "This cell is listed twice."
            if message is not None:
                problems.append(QuotaProblem(f"targets[{i}].cell", message))
            cells.add(item.cell)
            if not 0 <= item.target <= MAX_TARGET:
                problems.append(QuotaProblem(f"targets[{i}].target", "A target is a whole "
                                             f"number from 0 to {MAX_TARGET}."))
            if len(problems) > MAX_PROBLEMS:
                break
    if len(problems) > MAX_PROBLEMS:
        problems = problems[:MAX_PROBLEMS]
        problems.append(QuotaProblem("targets", "More problems follow; fix these first."))
    return problems


# --- counting -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    """One complete interview as the server counts it."""

    id: str
    cell: str
    ended_at: dt.datetime | None
    interviewer_id: str = ""


def _order(item: Counted) -> tuple[bool, dt.datetime, str]:
    # Ended first, counted first; an interview without an end time is taken as the latest.
    ended = item.ended_at
    if ended is not None and ended.tzinfo is None:
        ended = ended.replace(tzinfo=dt.UTC)
    return (ended is None, ended or dt.datetime.min.replace(tzinfo=dt.UTC), item.id)


def overfill(targets: Mapping[str, int], interviews: Iterable[Counted]) -> dict[str, list[str]]:
    """Cell -> the ids of the interviews beyond its target, for every cell whose count
    passed its target: its interviews ordered by end time then id, the later ones
    flagged. A cell without a target has none flagged."""
    by_cell: dict[str, list[Counted]] = {}
    for item in interviews:
        if item.cell in targets:
            by_cell.setdefault(item.cell, []).append(item)
    out: dict[str, list[str]] = {}
    for cell, items in by_cell.items():
        target = targets[cell]
        if len(items) > target:
            out[cell] = [i.id for i in sorted(items, key=_order)[target:]]
    return out


def is_full(quota: SurveyQuota, cell: str, achieved: int) -> bool:
    """Does the cell take no more interviews? (count >= target; a cell without a target
    is full only if the quota closes other cells)."""
    target = quota.target_map().get(cell)
    if target is None:
        return quota.other_cells_full
    return achieved >= target


@dataclass(frozen=True)
class CellStatus:
    cell: str
    target: int | None  # None: not among the quota's targets
    achieved: int  # the server's count at the last sync + this laptop's not yet counted
    remaining: int | None  # to the target (0 once reached); None without a target
    overfilled_by: int  # beyond the target (0 if not)
    full: bool
    flagged: tuple[str, ...] = ()  # interviews beyond the target, as the server saw them
    counted_by_server: int = 0
    counted_here: int = 0  # this laptop's complete interviews the server had not counted


def cell_statuses(
    quota: SurveyQuota,
    server: Mapping[str, int],
    local: Mapping[str, int],
    flagged: Mapping[str, Sequence[str]] | None = None,
) -> list[CellStatus]:
    """Every cell with a target (in the quota's order), then any other cell with
    interviews (by name): what is achieved, what remains, what went over."""
    flagged = flagged or {}
    targets = quota.target_map()
    others = sorted((set(server) | set(local)) - set(targets))
    out = []
    for cell in [*targets, *others]:
        from_server, here = server.get(cell, 0), local.get(cell, 0)
        achieved = from_server + here
        target = targets.get(cell)
        out.append(CellStatus(
            cell=cell, target=target, achieved=achieved,
            remaining=None if target is None else max(target - achieved, 0),
            overfilled_by=0 if target is None else max(achieved - target, 0),
            full=quota.other_cells_full if target is None else achieved >= target,
            flagged=tuple(flagged.get(cell, ())),
            counted_by_server=from_server, counted_here=here,
        ))
    return out
