"""A custody visit report as an outline (:mod:`icv_app.reports.outline`): what the PDF
prints and the review screen shows, in the order of the paper form.

Built from the report with its amendments applied
(:func:`~icv_app.domain.custody.corrections.apply_corrections`): a corrected field shows
its corrected value where it is, with the original, the reason and the day of the
amendment beside it, and the Amendments section still lists every amendment in order.
Given validation problems, each value they are about carries them (severity, message);
a problem about a field the report does not show is put on its section, naming the
field. Times are in the scheme's zone with GMT/BST; everything a person typed is kept
whole (a renderer escapes it), and nothing typed is left out because another field is
empty (a delay reason with a wait of 0 is printed).

A field's name comes from the record kind's field catalogue (:func:`label`,
:func:`key_label`): the names the form's problems list and the sync conflicts show.
Rows that combine several fields ("Consent", "Custody record") keep the report's wording.

Pure Python: no reportlab, no Qt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from enum import Enum

from icv_app.domain.custody.corrections import CorrectedReport, Correction, apply_corrections
from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.report_reference import report_reference
from icv_app.domain.custody.times import visit_times
from icv_app.domain.custody.validation import Problem
from icv_app.domain.custody.visit import (
    Amendment,
    ConditionCheck,
    ConditionItem,
    ConditionState,
    Detainee,
    Entitlement,
    Gender,
    IssueRaised,
    VisitMode,
    VisitOutcome,
    VisitReport,
    WelfareCheck,
)
from icv_app.kinds.base import Kind
from icv_app.kinds.custody import AMENDMENT, VISIT
from icv_app.reports.formatting import (
    NOT_RECORDED,
    and_list,
    clock_text,
    date_text,
    day_text,
    duration_text,
    elapsed_minutes,
    local_date,
    plural,
    stamp_text,
    yes_no,
)
from icv_app.reports.outline import (
    Banner,
    Block,
    Card,
    Change,
    Figures,
    Flag,
    Grid,
    GridGroup,
    GridRow,
    Outline,
    Part,
    Row,
    Section,
    Text,
    Value,
)

__all__ = ["build_visit_outline", "key_label", "label", "short_reference", "visit_reference"]

# Where a problem about a field goes when no value shows it: the section of its prefix.
_SECTION_OF = (
    ("header", "visit"),
    ("counts", "people"),
    ("detainees", "detainees"),
    ("conditions", "conditions"),
    ("issues", "issues"),
)


def label(path: str, kind: Kind = VISIT) -> str:
    """The catalogue's name for a field (``header.panel``, ``detainees[].raised``). A path
    the catalogue does not hold raises KeyError: a field renamed in the body should fail
    the report's tests, not print a guessed name."""
    return kind.fields[path].label


def key_label(path: str, key: Enum, kind: Kind = VISIT) -> str:
    """The catalogue's name for one key of a map field (a condition, a welfare check)."""
    return kind.fields[path].choices[key.value]


def _short_name(path: str) -> str:
    """A field's name without the item it belongs to: "Departed the next day",
    "Heating › State", "Free legal advice › Told"."""
    pieces = VISIT.describe(path).split(" \u203a ")
    return " \u203a ".join(pieces[-2:]) if len(pieces) > 2 else pieces[-1]


def _is_text(path: str) -> bool:
    """Whether the field at ``path`` is free text (its values are quoted in a note)."""
    info = VISIT.field(path)
    return info is not None and info.type == "text"


def visit_reference(report: VisitReport, reference: ReferenceData) -> str:
    """The report's short reference: from its id, the visit's date (or, with none yet,
    the day it was made, in the scheme's zone) and the scheme's prefix."""
    return short_reference(report.id, report.header.visit_date, report.created_at, reference)


def short_reference(record_id: str, visit_date: dt.date | None, created_at: dt.datetime,
                    reference: ReferenceData) -> str:
    """:func:`visit_reference` from a report's id, visit date and moment of making alone
    (what a list of reports holds)."""
    when = visit_date or local_date(created_at, reference.time_zone)
    return report_reference(record_id, when, reference.reference_prefix)


def build_visit_outline(
    report: VisitReport,
    amendments: Sequence[Amendment],
    reference: ReferenceData,
    problems: Iterable[Problem] = (),
) -> Outline:
    """The outline of ``report`` with ``amendments`` shown in place (and listed), and each
    of ``problems`` (from :func:`~icv_app.domain.custody.validation.validate`) on the
    values it is about. Raises ValueError for an amendment to another report."""
    for amendment in amendments:
        # Printing another report's correction here would misstate this report.
        if amendment.visit_id != report.id:
            raise ValueError(
                f"Amendment {amendment.id} is to report {amendment.visit_id}, not {report.id}."
            )
    if any(a.field_path for a in amendments):
        corrected = apply_corrections(report, amendments)
    else:
        # Nothing to apply: the report as it is (the outline only reads it), without the
        # deep copy applying corrections makes.
        free = sorted(amendments, key=lambda a: a.created_at)
        corrected = CorrectedReport(report, {}, free)
    return _Builder(corrected, amendments, reference, problems).outline()


class _Builder:
    def __init__(
        self, corrected: CorrectedReport, amendments: Sequence[Amendment],
        reference: ReferenceData, problems: Iterable[Problem],
    ) -> None:
        self.report = corrected.report
        self.corrected = corrected
        self.reference = reference
        self.zone = reference.time_zone
        # In the order they were made, as they were applied.
        self.amendments = sorted(amendments, key=lambda a: a.created_at)
        self.numbers = {a.id: n for n, a in enumerate(self.amendments, start=1)}
        self.primary: dict[str, list[Flag]] = {}
        self.related: dict[str, list[Flag]] = {}
        self.problems = list(problems)
        for p in self.problems:
            flag = Flag(p.severity, p.message)
            self.primary.setdefault(p.field, []).append(flag)
            for other in p.related:
                self.related.setdefault(other, []).append(flag)
        self.placed: set[str] = set()
        h = self.report.header
        self.suite_name = self.reference.suite_name(h.suite_id) if h.suite_id else ""
        self.reference_text = visit_reference(self.report, reference)

    # values ------------------------------------------------------------------------------

    def flags(self, paths: Sequence[str]) -> tuple[tuple[Flag, ...], tuple[Flag, ...]]:
        problems: list[Flag] = []
        related: list[Flag] = []
        for path in paths:
            if not path:
                continue
            self.placed.add(path)
            problems += self.primary.get(path, ())
            related += self.related.get(path, ())
        return tuple(problems), tuple(related)

    def changes(self, paths: Sequence[str]) -> tuple[Change, ...]:
        found: list[Correction] = []
        for path in paths:
            found += self.corrected.corrections.get(path, ())
        found.sort(key=lambda c: c.amendment.created_at)
        return tuple(
            Change(
                original=c.original,
                corrected=c.corrected,
                reason=c.reason,
                date=day_text(local_date(c.amendment.created_at, self.zone)),
                number=self.numbers[c.amendment.id],
                path=c.path,
                field=_short_name(c.path),
                quoted=_is_text(c.path),
            )
            for c in found
        )

    def notable(self, *paths: str) -> bool:
        """Whether a field a report leaves out when it is empty must show anyway: it was
        corrected, or a problem is about it."""
        return any(
            p in self.primary or p in self.related or p in self.corrected.corrections
            for p in paths
        )

    def val(self, text: str, path: str = "", *, also: Sequence[str] = (), empty: bool = False,
            typed: bool = False, strong: bool = False, alert: bool = False,
            muted: bool = False) -> Value:
        paths = (path, *also)
        problems, related = self.flags(paths)
        return Value(text, path, empty=empty, typed=typed, strong=strong, alert=alert,
                     muted=muted, changes=self.changes(paths) if path else (),
                     problems=problems, related=related)

    def typed(self, text: str, path: str, placeholder: str = NOT_RECORDED) -> Value:
        """A free-text field: what was typed, whole, or the placeholder."""
        if text.strip():
            return self.val(text.strip(), path, typed=True)
        return self.val(placeholder, path, empty=True)

    def answer(self, value: bool | None, path: str, *, strong: bool = True) -> Value:
        return self.val(yes_no(value), path, empty=value is None, strong=strong)

    def row(self, label_text: str, *parts: Part, path: str = "") -> Row:
        problems, related = self.flags((path,)) if path else ((), ())
        return Row(label_text, tuple(parts), path, problems, related)

    # the outline -------------------------------------------------------------------------

    def outline(self) -> Outline:
        r = self.report
        h = r.header
        suite = self.suite_name or "Suite not recorded"
        date = date_text(h.visit_date)
        sections = [
            Section("visit", "Visit", (self.visit_details(),)),
            Section("people", "People in custody", self.counts()),
            Section("detainees", f"Detainees met ({len(r.detainees)})", self.detainees()),
            Section("conditions", "Conditions of the suite", self.conditions()),
            Section("issues", f"Issues raised ({len(r.issues)})", self.issues()),
        ]
        # A submitted report with no amendment says so in its banner, not in an empty
        # section of its own.
        if self.amendments:
            sections.append(
                Section("amendments", f"Amendments after submission ({len(self.amendments)})",
                        self.amendment_blocks())
            )
        # The subtitle repeats fields of the Visit section: their problems and
        # corrections are shown there, once.
        subtitle: list[Part] = [Value(date, "header.visit_date", empty=h.visit_date is None)]
        if h.panel.strip():
            subtitle += [" \u2014 ", Value(h.panel.strip(), "header.panel", typed=True)]
        outline = Outline(
            scheme=self.reference.scheme,
            title=f"Custody visit report: {suite}",
            subtitle=tuple(subtitle),
            reference=self.reference_text,
            record_id=r.id,
            created=stamp_text(r.created_at, self.zone),
            banner=self.banner(),
            sections=tuple(sections),
            draft=not r.is_submitted,
            running_title=f"Custody visit report \u2014 {suite}, {date}",
            pdf_title=f"Custody visit report: {suite}, {date}",
        )
        return self.place_leftover_problems(outline)

    def place_leftover_problems(self, outline: Outline) -> Outline:
        """Problems about fields no value shows go on their section, naming the field."""
        by_section: dict[str, list[Flag]] = {}
        general: list[Flag] = []
        for p in self.problems:
            if p.field in self.placed:
                continue
            flag = Flag(p.severity, f"{VISIT.describe(p.field)}: {p.message}")
            key = next((k for prefix, k in _SECTION_OF if p.field.startswith(prefix)), None)
            if key is None:
                general.append(flag)
            else:
                by_section.setdefault(key, []).append(flag)
        if not by_section and not general:
            return outline
        sections = tuple(
            dataclasses.replace(s, problems=s.problems + tuple(by_section.get(s.key, ())))
            for s in outline.sections
        )
        return dataclasses.replace(outline, sections=sections, problems=tuple(general))

    def banner(self) -> Banner:
        r = self.report
        if not r.is_submitted:
            return Banner(
                ("DRAFT \u2014 not submitted",),
                "This report may still change and has not been confirmed by the visitors.",
                "draft",
            )
        when = (self.val(stamp_text(r.submitted_at, self.zone), "submitted_at")
                if r.submitted_at else self.val("(time not recorded)", empty=True))
        names = [self.reference.visitor_name(v) for v in r.confirmed_by]
        line: tuple[Part, ...] = (
            "Submitted ", when, ", " + (
                f"confirmed by {and_list(names)}" if names else "no confirmation recorded"
            ),
        )
        note = ("After submission this report is not edited; corrections are amendments. "
                "No amendment has been made.")
        if self.amendments:
            n = len(self.amendments)
            note = (
                f"{plural(n, 'amendment')} made after submission: corrected values are shown "
                "in place, with the original beside them, and every amendment is listed at "
                "the end of this report."
            )
        return Banner(line, note, "ok")

    # visit -------------------------------------------------------------------------------

    def visit_details(self) -> Card:
        h = self.report.header
        suite = self.reference.suite(h.suite_id)
        suite_parts: list[Part] = [
            self.val(self.suite_name or NOT_RECORDED, "header.suite_id", empty=not h.suite_id)
        ]
        if suite is not None:
            suite_parts.append(self.val(f" ({suite.hours}, {suite.area})", muted=True))
        rows = [
            self.row(label("header.suite_id"), *suite_parts),
            self.row(label("header.panel"), self.typed(h.panel, "header.panel")),
            self.row(label("header.visit_date"),
                     self.val(date_text(h.visit_date), "header.visit_date",
                              empty=h.visit_date is None)),
            *self.time_rows(),
            self.row("Delay", *self.delay()),
            self.row(label("header.visitors"), *self.visitors(), path="header.visitors"),
            self.row(label("header.mode"), self.val(h.mode.label, "header.mode")),
            self.row(label("header.outcome"), *self.outcome()),
            self.row(label("header.officer_in_charge"),
                     self.typed(h.officer_in_charge, "header.officer_in_charge")),
        ]
        tact_paths = ("header.tact", "header.tact_copy_sent", "header.tact_recordings_viewed",
                      "header.tact_access_denied_by")
        # Anything recorded about TACT shows, even with the box unticked: nothing typed is
        # left out because another field is empty.
        recorded = (h.tact_copy_sent is not None or h.tact_recordings_viewed
                    or h.tact_access_denied_by.strip())
        if h.tact or recorded or self.notable(*tact_paths):
            rows += self.tact_rows()
        return Card(tuple(rows), key="visit")

    def time_rows(self) -> list[Row]:
        h = self.report.header
        times = visit_times(h)
        day = h.visit_date or local_date(self.report.created_at, self.zone)

        def clock(path: str, value: dt.time | None, next_day: bool, next_path: str = "",
                  ) -> Value:
            also = (next_path,) if next_path else ()
            if value is None:
                return self.val(NOT_RECORDED, path, also=also, empty=True)
            return self.val(clock_text(day, value, next_day, self.zone), path, also=also)

        # Arrival and admission read as one line, departure and the length of the
        # visit as another.
        parts: list[Part] = [
            "Arrived ", clock("header.arrival_time", h.arrival_time, False),
            ", admitted to the custody area ",
            clock("header.admitted_time", h.admitted_time, h.admitted_next_day,
                  "header.admitted_next_day"),
            "\nDeparted ",
            clock("header.departure_time", h.departure_time, h.departure_next_day,
                  "header.departure_next_day"),
        ]
        start, where = (
            (times.admitted, "in the custody area") if times.admitted
            else (times.arrival, "at the suite")
        )
        minutes = elapsed_minutes(start, times.departure, self.zone)
        if minutes is not None and minutes >= 0:
            parts.append(self.val(f" \u2014 {duration_text(minutes)} {where}", muted=True))
        return [self.row("Times", *parts)]

    def delay(self) -> list[Part]:
        h = self.report.header
        minutes = self.val(
            plural(h.delay_minutes, "minute") if h.delay_minutes else "None",
            "header.delay_minutes", strong=h.delay_minutes > 0,
        )
        reason, authoriser = h.delay_reason.strip(), h.delay_authorised_by.strip()
        if h.delay_minutes <= 0 and not (reason or authoriser) and not self.notable(
            "header.delay_reason", "header.delay_authorised_by"
        ):
            return [minutes]
        # A reason typed with a wait of 0 is printed all the same: a coordinator must see
        # it (and the wait of 0 beside it) to ask which is right.
        reason_part = self.typed(h.delay_reason, "header.delay_reason")
        authoriser_part = self.typed(h.delay_authorised_by, "header.delay_authorised_by")
        if h.delay_minutes > 0:
            return [minutes, " before admission, authorised by ", authoriser_part,
                    "\nReason: ", reason_part]
        minutes = dataclasses.replace(minutes, text=plural(h.delay_minutes, "minute"))
        return [minutes, " before admission\nReason: ", reason_part,
                "\nAuthorised by: ", authoriser_part]

    def visitors(self) -> list[Part]:
        parts: list[Part] = []
        for i, v in enumerate(self.report.header.visitors):
            if parts:
                parts.append("; ")
            parts += [
                self.val(self.reference.visitor_name(v.visitor_id),
                         f"header.visitors[{i}].visitor_id"),
                self.val(f" \u2014 {v.role.label}", f"header.visitors[{i}].role", muted=True),
            ]
        return parts or [self.val(NOT_RECORDED, empty=True)]

    def outcome(self) -> list[Part]:
        h = self.report.header
        parts: list[Part] = [self.val(h.outcome.label, "header.outcome", strong=True)]
        if (h.outcome_note.strip() or h.outcome is not VisitOutcome.COMPLETED
                or self.notable("header.outcome_note")):
            parts += [": ", self.typed(h.outcome_note, "header.outcome_note")]
        return parts

    def tact_rows(self) -> list[Row]:
        h = self.report.header
        return [
            self.row(label("header.tact"), self.val(
                "Yes: a copy of this report goes to the Independent Reviewer of Terrorism "
                "Legislation" if h.tact else "No", "header.tact")),
            self.row(label("header.tact_copy_sent"), self.val(
                date_text(h.tact_copy_sent) if h.tact_copy_sent else "Not yet sent",
                "header.tact_copy_sent", empty=h.tact_copy_sent is None)),
            self.row(label("header.tact_recordings_viewed"),
                     self.answer(h.tact_recordings_viewed, "header.tact_recordings_viewed",
                                 strong=False)),
            self.row(label("header.tact_access_denied_by"),
                     self.typed(h.tact_access_denied_by, "header.tact_access_denied_by",
                                "Not denied")),
        ]

    # counts ------------------------------------------------------------------------------

    def counts(self) -> tuple[Block, ...]:
        c = self.report.counts

        def figures(names: Sequence[str]) -> Figures:
            return Figures(tuple(
                (label(f"counts.{n}"), self.val(str(getattr(c, n)), f"counts.{n}"))
                for n in names
            ))

        rows = [self.row(label("counts.not_offered_reasons"), *self.reasons(),
                         path="counts.not_offered_reasons")]
        contact = self.contact()
        if contact:
            rows.append(self.row("Where contact happened", *contact))
        return (
            figures(("in_custody", "juveniles", "male", "female")),
            figures(("offered", "accepted", "declined", "observed", "not_offered")),
            Card(tuple(rows), key="counts"),
        )

    def reasons(self) -> list[Part]:
        c = self.report.counts
        parts: list[Part] = []
        for reason, n in c.not_offered_reasons.items():
            path = f"counts.not_offered_reasons.{reason.value}"
            if n or self.notable(path):
                if parts:
                    parts.append(", ")
                parts.append(self.val(
                    f"{key_label('counts.not_offered_reasons', reason)} {n}", path))
        if parts:
            return parts
        return [self.val(NOT_RECORDED, empty=True) if c.not_offered else self.val("None")]

    def contact(self) -> list[Part]:
        """Where contact happened, as a sentence of the places that had any; nothing at
        all when there was no one to meet (or the visit was not in person)."""
        c = self.report.counts
        places = (
            ("counts.contact_cell", "in the cell", c.contact_cell),
            ("counts.contact_hatch", "at the hatch", c.contact_hatch),
            ("counts.contact_interview_room", "in an interview room",
             c.contact_interview_room),
        )
        parts: list[Part] = []
        for path, where, n in places:
            if n or self.notable(path):
                if parts:
                    parts.append(", ")
                parts.append(self.val(f"{where} {n}" if parts else f"{where.capitalize()} {n}",
                                      path))
        if parts:
            return parts
        in_person = self.report.header.mode is VisitMode.IN_PERSON
        if in_person and c.accepted:
            return [self.val(NOT_RECORDED, empty=True)]
        return []

    # detainees ---------------------------------------------------------------------------

    def detainees(self) -> tuple[Block, ...]:
        if not self.report.detainees:
            return (Text(("No detainees were met on this visit.",), muted=True),)
        return tuple(self.detainee(i, d) for i, d in enumerate(self.report.detainees))

    def detainee(self, i: int, d: Detainee) -> Card:
        p = f"detainees[{i}]"
        number = self.typed(d.custody_number, f"{p}.custody_number", "?")
        number = dataclasses.replace(number, strong=True)
        facts: list[Part] = []
        if d.gender is not Gender.NOT_RECORDED or self.notable(f"{p}.gender"):
            facts.append(self.val(d.gender.label, f"{p}.gender", muted=True))
        if d.juvenile or self.notable(f"{p}.juvenile"):
            facts.append(self.val(label("detainees[].juvenile") if d.juvenile
                                  else "Not a juvenile", f"{p}.juvenile", muted=True))
        head: list[Part] = [f"{label('detainees[]')} {i + 1} \u2014 custody record ", number]
        if facts:
            head.append(self.val(" (", muted=True))
            for n, fact in enumerate(facts):
                if n:
                    head.append(self.val(", ", muted=True))
                head.append(fact)
            head.append(self.val(")", muted=True))
        rows = [
            self.row("Vulnerability", *self.vulnerability(p, d)),
            self.row("Consent", "To talk: ", self.answer(d.consent_to_talk, f"{p}.consent_to_talk"),
                     "; to the custody record being checked: ",
                     self.answer(d.consent_record_check, f"{p}.consent_record_check")),
            self.entitlements(p, d),
            self.row(label("detainees[].checks"), *self.welfare(p, d), path=f"{p}.checks"),
            self.row(label("detainees[].raised"),
                     self.typed(d.raised, f"{p}.raised", "Nothing raised")),
            self.row(label("detainees[].action_taken"),
                     self.typed(d.action_taken, f"{p}.action_taken", "None recorded")),
            self.row("Custody record", *self.record_check(p, d)),
        ]
        continued = (f"{label('detainees[]')} {i + 1} \u2014 custody record "
                     f"{d.custody_number.strip() or '?'} (continued)")
        return Card(tuple(rows), tuple(head), continued=continued, key="detainee")

    def vulnerability(self, p: str, d: Detainee) -> list[Part]:
        parts: list[Part] = []
        for name in ("mental_health", "learning_disability", "needs_appropriate_adult",
                     "interpreter_needed"):
            flag = getattr(d, name)
            path = f"{p}.{name}"
            if flag or self.notable(path):
                if parts:
                    parts.append(", ")
                text = label(f"detainees[].{name}") + ("" if flag else ": No")
                parts.append(self.val(text, path))
        return parts or [self.val("None recorded", empty=True)]

    def entitlements(self, p: str, d: Detainee) -> Row:
        answered = [e for e in Entitlement
                    if e in d.entitlements or self.notable(*(
                        f"{p}.entitlements.{e.value}.{n}" for n in ("told", "wanted", "received")
                    ))]
        title = label("detainees[].entitlements")
        if not answered:
            return self.row(title, self.val(NOT_RECORDED, empty=True), path=f"{p}.entitlements")
        rows = []
        for e in answered:
            a = d.entitlements.get(e)
            cells: list[tuple[Part, ...]] = [(key_label("detainees[].entitlements", e),)]
            for name in ("told", "wanted", "received"):
                value = getattr(a, name) if a is not None else None
                cells.append((self.answer(value, f"{p}.entitlements.{e.value}.{name}",
                                          strong=False),))
            rows.append(GridRow(tuple(cells)))
        head = tuple(label(f"detainees[].entitlements{{}}.{name}")
                     for name in ("told", "wanted", "received"))
        grid = Grid(("", *head), tuple(rows), key="entitlements", framed=False)
        problems, related = self.flags((f"{p}.entitlements",))
        return Row(title, grid, f"{p}.entitlements", problems, related)

    def welfare(self, p: str, d: Detainee) -> list[Part]:
        groups: list[tuple[str, list[WelfareCheck]]] = [("Yes:", []), ("No:", []),
                                                        (f"{NOT_RECORDED}:", [])]
        for c in WelfareCheck:
            value = d.checks.get(c)
            if value is True:
                groups[0][1].append(c)
            elif value is False:
                groups[1][1].append(c)
            elif self.notable(f"{p}.checks.{c.value}"):
                groups[2][1].append(c)
        parts: list[Part] = []
        for title, checks in groups:
            if not checks:
                continue
            if parts:
                parts.append("\n")
            parts += [self.val(title, strong=True), " "]
            for n, c in enumerate(checks):
                if n:
                    parts.append("; ")
                parts.append(self.val(key_label("detainees[].checks", c), f"{p}.checks.{c.value}"))
        return parts or [self.val("No welfare questions answered", empty=True)]

    def record_check(self, p: str, d: Detainee) -> list[Part]:
        parts: list[Part]
        if d.record_checked:
            parts = [self.val("Checked with consent", f"{p}.record_checked"),
                     ". Matches what the detainee said: ",
                     self.answer(d.record_matches, f"{p}.record_matches")]
        else:
            reason = "" if d.consent_record_check else " (no consent)"
            parts = [self.val(f"Not checked{reason}", f"{p}.record_checked", empty=True)]
            if d.record_matches is not None or self.notable(f"{p}.record_matches"):
                parts += ["; matches what the detainee said: ",
                          self.answer(d.record_matches, f"{p}.record_matches")]
        if d.record_note.strip() or self.notable(f"{p}.record_note"):
            parts += ["\n", self.typed(d.record_note, f"{p}.record_note", "No note")]
        return parts

    # conditions --------------------------------------------------------------------------

    def conditions(self) -> tuple[Block, ...]:
        checks: dict[ConditionItem, ConditionCheck] = {
            item: self.report.conditions.get(item, ConditionCheck()) for item in ConditionItem
        }

        def notable(item: ConditionItem) -> bool:
            return self.notable(f"conditions.{item.value}.state",
                                f"conditions.{item.value}.note")

        if all(c.state is ConditionState.NOT_CHECKED and not c.note.strip()
               and not notable(item) for item, c in checks.items()):
            return (Text(("No conditions were checked on this visit.",), muted=True),)
        rows: list[GridRow | GridGroup] = []
        for state in (ConditionState.NOT_SATISFACTORY, ConditionState.SATISFACTORY,
                      ConditionState.NOT_CHECKED):
            items = [(item, c) for item, c in checks.items() if c.state is state]
            if not items:
                continue
            bad = state is ConditionState.NOT_SATISFACTORY
            rows.append(GridGroup(f"{state.label} ({len(items)})", "alert" if bad else "plain"))
            # Items that are fine (or not looked at) with nothing to say share one line,
            # so the rows that need reading stand out.
            bare = [item for item, c in items if not bad and not c.note.strip()
                    and not notable(item)]
            for item, c in items:
                if item in bare:
                    continue
                path = f"conditions.{item.value}"
                rows.append(GridRow((
                    (key_label("conditions", item),),
                    (self.val(c.state.label, f"{path}.state", strong=bad, alert=bad),),
                    (self.typed(c.note, f"{path}.note",
                                "No note recorded" if bad else "\u2013"),),
                )))
            if bare:
                rows.append(GridRow((("; ".join(key_label("conditions", i) for i in bare),),)))
        return (Grid((), tuple(rows), key="conditions"),)

    # issues ------------------------------------------------------------------------------

    def issues(self) -> tuple[Block, ...]:
        if not self.report.issues:
            return (Text(("No issues were raised on this visit.",), muted=True),)
        return tuple(self.issue(i, issue) for i, issue in enumerate(self.report.issues))

    def issue(self, i: int, issue: IssueRaised) -> Card:
        p = f"issues[{i}]"
        head: tuple[Part, ...] = (
            f"{label('issues[]')} {i + 1} \u2014 ",
            self.val(issue.category.label, f"{p}.category"),
            self.val(" \u2014 resolved at the time: ", muted=True),
            self.val(yes_no(issue.resolved), f"{p}.resolved", empty=issue.resolved is None,
                     alert=issue.resolved is False),
        )
        rows = [
            self.row(label("issues[].text"), self.typed(issue.text, f"{p}.text",
                                                        "No description")),
            self.row(label("issues[].raised_with"),
                     self.typed(issue.raised_with, f"{p}.raised_with")),
            self.row(label("issues[].response"),
                     self.typed(issue.response, f"{p}.response", "No response recorded")),
        ]
        if issue.detainee_id:
            try:
                number = self.report.detainee(issue.detainee_id).custody_number
                concerned = self.typed(number, f"{p}.detainee_id", "?")
            except KeyError:
                concerned = self.val("(detainee no longer on the report)", f"{p}.detainee_id",
                                     empty=True)
            rows.append(self.row(label("issues[].detainee_id"), concerned))
        continued = f"{label('issues[]')} {i + 1} \u2014 {issue.category.label} (continued)"
        return Card(tuple(rows), head, "ok" if issue.resolved else "plain", continued,
                    key="issue")

    # amendments --------------------------------------------------------------------------

    def amendment_blocks(self) -> tuple[Block, ...]:
        if not self.amendments:
            return (Text(("None.",), muted=True),)
        applied = {c.amendment.id: c for cs in self.corrected.corrections.values() for c in cs}
        blocks: list[Block] = []
        for n, a in enumerate(self.amendments, start=1):
            head: list[Part] = [f"Amendment {n} \u2014 ", self.val(stamp_text(a.created_at,
                                                                              self.zone))]
            if a.author_id:
                head += [" by ", self.val(self.reference.visitor_name(a.author_id))]
            rows: list[Row] = []
            if a.field_path:
                rows.append(self.row(label("field_path", AMENDMENT),
                                     *self.corrects(a, applied.get(a.id))))
            rows += [
                self.row(label("reason", AMENDMENT), self.typed(a.reason, "", "None recorded")),
                self.row(label("text", AMENDMENT), self.typed(a.text, "", "None recorded")),
                self.row(label("visit_id", AMENDMENT),
                         self.val(self.reference_text), self.val(f" ({a.visit_id})", muted=True)),
            ]
            blocks.append(Card(tuple(rows), tuple(head), "draft",
                               f"Amendment {n} (continued)", key="amendment"))
        return tuple(blocks)

    def corrects(self, a: Amendment, applied: Correction | None) -> list[Part]:
        try:
            field = VISIT.describe(a.field_path)
        except Exception:  # a path from a newer version: name it as it is
            field = a.field_path
        if applied is None:
            return [self.val(field), ": corrected value ",
                    self.val(a.new_value, typed=True, empty=not a.new_value.strip()),
                    self.val(" (not shown in place: the report has no such field)", muted=True)]
        # Free text is quoted, so a sentence corrected reads as one.
        q, end = ("\u201c", "\u201d") if _is_text(a.field_path) else ("", "")
        return [self.val(field), f": from {q}", self.val(applied.original, typed=True),
                f"{end} to {q}", self.val(applied.corrected, typed=True, strong=True), end]
