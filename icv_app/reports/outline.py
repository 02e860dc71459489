"""A report as a neutral outline: what it says, in order, with no page or widget in it.

One outline is printed (:mod:`icv_app.reports.outline_pdf`) and shown on screen
(:mod:`icv_app.reports.custody.visit_html`), so the review before submitting reads as the
printed report does. An outline is sections of blocks:

- :class:`Card`: label/value rows, optionally under a head line (a detainee, an issue);
- :class:`Figures`: a strip of counts, each over its label;
- :class:`Grid`: short values in columns, optionally in groups (the conditions);
- :class:`Text`: a paragraph.

What a row, a head or a cell says is a run of *parts*: a plain ``str`` is fixed text the
app wrote (``"\\n"`` breaks the line), a :class:`Value` is one field of the record, with
its path and what a reader must know about it: not recorded (:attr:`Value.empty`), typed
by a person (:attr:`Value.typed`: a renderer escapes it and keeps its line breaks),
corrected after submission (:attr:`Value.changes`), or flagged by validation
(:attr:`Value.problems`). No part holds markup: renderers decide how each looks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

from icv_app.domain.custody.validation import Severity

# How a head, a group or a banner is coloured: plain, good news, bad news, a draft.
Tone = Literal["plain", "ok", "alert", "draft"]


class Flag(NamedTuple):
    """One validation problem as a reader sees it: ``(severity, message)``."""

    severity: Severity
    message: str


@dataclass(frozen=True)
class Change:
    """One amendment's correction of the value it is attached to."""

    original: str  # the value before this correction, as the report showed it
    corrected: str
    reason: str
    date: str  # the amendment's day in the scheme's zone: "3 Dec 2026"
    number: int  # the amendment's number in the Amendments section (1, 2, ...)
    path: str = ""  # the field corrected: the value's own, or one it shows with it
    field: str = ""  # that field's short name ("Departed the next day", "State")
    quoted: bool = False  # free text: its values are quoted, so a sentence reads as one


@dataclass(frozen=True)
class Value:
    """One field's value as printed; ``path`` is its concrete field path
    (``header.departure_time``, ``detainees[1].raised``), empty for styled fixed text."""

    text: str
    path: str = ""
    empty: bool = False  # not recorded: ``text`` is the placeholder ("Not recorded")
    typed: bool = False  # free text a person typed
    strong: bool = False  # an answer that should stand out in its sentence
    alert: bool = False  # bad news in itself ("Not satisfactory", resolved: "No")
    muted: bool = False  # a side remark ("— Trainee", "(24-hour, City)")
    changes: tuple[Change, ...] = ()
    problems: tuple[Flag, ...] = ()  # problems about this field
    related: tuple[Flag, ...] = ()  # problems about another field that name this one too

    @property
    def corrected(self) -> bool:
        return bool(self.changes)

    @property
    def severity(self) -> Severity | None:
        """The worst problem about (or naming) this field, if any."""
        flags = self.problems + self.related
        if any(f.severity is Severity.ERROR for f in flags):
            return Severity.ERROR
        return Severity.WARNING if flags else None


Part = Value | str


@dataclass(frozen=True)
class Row:
    """A label over (or beside) what it says; the content is parts or a small grid."""

    label: str
    content: tuple[Part, ...] | Grid
    path: str = ""  # the field the row as a whole shows (``header.visitors``), if any
    problems: tuple[Flag, ...] = ()  # problems about that field
    related: tuple[Flag, ...] = ()  # problems about another field that name it too


@dataclass(frozen=True)
class Card:
    """Label/value rows under an optional head; ``continued`` is the head to repeat when
    the card runs on to another page."""

    rows: tuple[Row, ...]
    head: tuple[Part, ...] = ()
    tone: Tone = "plain"
    continued: str = ""
    key: str = ""  # what the card is ("visit", "detainee", "issue", "amendment")


@dataclass(frozen=True)
class Figures:
    items: tuple[tuple[str, Value], ...]  # (label, count)


@dataclass(frozen=True)
class GridGroup:
    """A heading row across the grid that starts a group of its rows."""

    title: str
    tone: Tone = "plain"


@dataclass(frozen=True)
class GridRow:
    """One row of cells; a row of a single cell spans every column."""

    cells: tuple[tuple[Part, ...], ...]


@dataclass(frozen=True)
class Grid:
    columns: tuple[str, ...]  # column headings; empty: no heading row
    rows: tuple[GridRow | GridGroup, ...]
    key: str = ""  # what the grid is ("conditions", "entitlements"), for its layout
    framed: bool = True  # a table of its own (True) or inside a card's row


@dataclass(frozen=True)
class Text:
    parts: tuple[Part, ...]
    muted: bool = False  # a remark such as "No issues were raised on this visit."


Block = Card | Figures | Grid | Text


@dataclass(frozen=True)
class Section:
    key: str  # "visit", "people", "detainees", "conditions", "issues", "amendments"
    title: str
    blocks: tuple[Block, ...]
    # Problems about the section's fields that no value in it shows (with the field named).
    problems: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class Banner:
    line: tuple[Part, ...]
    note: str
    tone: Tone


@dataclass(frozen=True)
class Outline:
    """A whole report: its title block, running header and sections."""

    scheme: str
    title: str
    subtitle: tuple[Part, ...]
    reference: str  # the short reference a person reads out ("NS-26-7K3Q-F2M9")
    record_id: str  # the full id, printed smaller beside it
    created: str  # when the report was made, in the scheme's zone
    banner: Banner
    sections: tuple[Section, ...]
    draft: bool
    running_title: str
    pdf_title: str = ""
    problems: tuple[Flag, ...] = ()  # problems no section could place

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def values(self) -> Iterator[Value]:
        """Every value in reading order (heads, rows, grids, figures)."""
        yield from _values(self.banner.line)
        yield from _values(self.subtitle)
        for section in self.sections:
            for block in section.blocks:
                yield from block_values(block)

    def flags(self) -> list[Flag]:
        """Every problem once, where it is shown (a value, a row, a section, the top)."""
        found: list[Flag] = list(self.problems)
        for section in self.sections:
            found += section.problems
            for block in section.blocks:
                if isinstance(block, Card):
                    for row in block.rows:
                        found += row.problems
                for value in block_values(block):
                    found += value.problems
        return found

    def find(self, path: str) -> list[Value]:
        """The values showing the field at ``path``."""
        return [v for v in self.values() if v.path == path]


def _values(parts: tuple[Part, ...]) -> Iterator[Value]:
    for part in parts:
        if isinstance(part, Value):
            yield part


def block_values(block: Block) -> Iterator[Value]:
    if isinstance(block, Card):
        yield from _values(block.head)
        for row in block.rows:
            if isinstance(row.content, Grid):
                yield from block_values(row.content)
            else:
                yield from _values(row.content)
    elif isinstance(block, Figures):
        for _label, value in block.items:
            yield value
    elif isinstance(block, Grid):
        for grid_row in block.rows:
            if isinstance(grid_row, GridRow):
                for cell in grid_row.cells:
                    yield from _values(cell)
    else:
        yield from _values(block.parts)


def change_note(change: Change, beside: str = "") -> str:
    """A correction in words, for printing after the value at path ``beside``:
    "corrected from 13:00 on 3 Dec 2026: typo (amendment 1)"; a correction of another
    field shown with it (or away from it) names the field and the new value too."""
    tail = f"on {change.date}: {change.reason} (amendment {change.number})"
    original, corrected = change.original, change.corrected
    if change.quoted:
        original, corrected = f"\u201c{original}\u201d", f"\u201c{corrected}\u201d"
    if change.path and change.path != beside:
        return f"{change.field} corrected from {original} to {corrected} {tail}"
    return f"corrected from {original} {tail}"


def moved_changes(row: GridRow) -> tuple[tuple[tuple[Part, ...], ...], list[str]]:
    """A grid row's cells with the corrections of all but the last cell taken out, and
    those corrections in words (naming the field), to print in the last cell: a grid's
    short columns (a state) have no room for a sentence beside the value."""
    if len(row.cells) < 2:
        return row.cells, []
    notes: list[str] = []
    cells: list[tuple[Part, ...]] = []
    for cell in row.cells[:-1]:
        parts: list[Part] = []
        for part in cell:
            if isinstance(part, Value) and part.changes:
                notes += [change_note(c) for c in part.changes]
                part = dataclasses.replace(part, changes=())
            parts.append(part)
        cells.append(tuple(parts))
    return (*cells, row.cells[-1]), notes


def plain_text(parts: tuple[Part, ...]) -> str:
    """Parts as plain text, as a screen reader or a test would read them."""
    return "".join(p if isinstance(p, str) else p.text for p in parts)
