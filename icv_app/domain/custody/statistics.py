"""The scheme's statistics: what a coordinator publishes each quarter and year.

For a period (a calendar quarter, a year, or any range of days), per custody suite and
in total: visits in person and remote; abandoned visits, refused access and delays;
detainees in custody at visits, offered, accepted, declined, observed and not offered
(and why); the acceptance rate; issues raised by category and the share resolved at the
time; follow-ups still outstanding at the end of the period; visitor hours. Each figure
comes with the previous period's value (:meth:`SchemeStatistics.comparison`).

Beside the figures: how recently each suite was visited against the scheme's target
(:class:`SuiteCoverage`), the spread of visits over days of the week and hours of the day
(:class:`Spread`, a 7 × 24 heat map) and plain-English warnings when visits cluster
enough for custody staff to expect them (:class:`Predictability` holds the thresholds).

Rules every figure follows:

- Only submitted reports count; drafts never do. A report without a visit date is not
  placed in any period.
- A visit belongs to the period holding its visit date (the day the visitors arrived),
  even when it ran past midnight.
- Remote visits are telephone and video visits.
- A delay is a visit with ``delay_minutes`` above 0; the mean and longest delay are over
  the visits that had one (``None`` when none did).
- The acceptance rate is accepted / offered (``None`` when nobody was offered a visit).
- Positive findings are issues too (counted by category), but there is nothing to
  resolve in them: the share resolved at the time is of the other issues, and an issue
  whose "resolved" is not recorded counts as not resolved.
- Visitor hours: the minutes from arrival to departure as they passed (next-day
  departures and the nights the clocks change included, as
  :func:`~icv_app.domain.custody.times.visit_times` counts them), times the number of
  people on the visit (visitors, trainees and observers). A visit without an arrival or
  a departure time, or whose departure comes before its arrival, is not guessed: it is
  counted in ``visits_without_times`` instead.
- Outstanding follow-ups are those raised on or before the period's last day and not
  closed by then. Follow-up records are kept elsewhere; the caller passes
  ``(suite_id, raised_on, closed_on)`` tuples (or :class:`FollowUp`); without them the
  figure is ``None`` ("not tracked"), never 0.

Everything is computed in one pass over the reports given, without copying them: a year
of 50,000 visits takes a fraction of a second (``benchmarks/bench_statistics.py``).
Plain Python: no Qt, no SQL.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from icv_app.domain.custody.times import DEFAULT_TIME_ZONE, visit_times, zone
from icv_app.domain.custody.visit import (
    Header,
    IssueCategory,
    IssueRaised,
    NotOfferedReason,
    VisitMode,
    VisitOutcome,
    VisitReport,
)

__all__ = [
    "FIGURES",
    "WEEKDAYS",
    "Change",
    "Figures",
    "FollowUp",
    "FollowUpLike",
    "Period",
    "PeriodFigures",
    "Predictability",
    "SchemeStatistics",
    "Spread",
    "SuiteCoverage",
    "VisitFigures",
    "band_label",
    "compare",
    "coverage",
    "figures_from_json",
    "figures_from_list",
    "figures_minutes",
    "figures_of",
    "figures_to_json",
    "is_unresolved",
    "predictability_warnings",
    "scheme_statistics",
    "visit_minutes",
    "visit_spread",
]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

PeriodKind = Literal["quarter", "year", "custom"]


# Periods ------------------------------------------------------------------------------------

def _add_months(day: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """Days from ``start`` to ``end``, both included.

    ``kind`` says how to find the previous period: the quarter or year before (of the
    same shape: a financial year is followed by a financial year), or, for a custom
    range, the same number of days immediately before.
    """

    start: dt.date
    end: dt.date
    kind: PeriodKind = "custom"

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(
                f"The period ends ({self.end.isoformat()}) before it starts "
                f"({self.start.isoformat()})."
            )

    @classmethod
    def quarter_of(cls, day: dt.date) -> Period:
        """The calendar quarter holding ``day`` (January–March, April–June, …; a
        financial year's quarters are the same months)."""
        start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        return cls(start, _add_months(start, 3) - dt.timedelta(days=1), "quarter")

    @classmethod
    def year_of(cls, day: dt.date, first_month: int = 1) -> Period:
        """The year holding ``day``: the calendar year, or with ``first_month=4`` the
        financial year (April to March) that PCCs' annual reports cover."""
        if not 1 <= first_month <= 12:
            raise ValueError(f"A year starts in month 1 to 12, not {first_month}.")
        year = day.year if day.month >= first_month else day.year - 1
        start = dt.date(year, first_month, 1)
        return cls(start, _add_months(start, 12) - dt.timedelta(days=1), "year")

    @classmethod
    def between(cls, start: dt.date, end: dt.date) -> Period:
        """Any range of days (``end`` included)."""
        return cls(start, end, "custom")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end

    def previous(self) -> Period:
        """The period before this one, of the same length (see the class doc)."""
        if self.kind == "quarter":
            return Period.quarter_of(self.start - dt.timedelta(days=1))
        if self.kind == "year":
            return Period.year_of(self.start - dt.timedelta(days=1), self.start.month)
        return Period(self.start - dt.timedelta(days=self.days),
                      self.start - dt.timedelta(days=1), "custom")

    @property
    def label(self) -> str:
        """"Apr–Jun 2026", "2026", "2026/27" (a financial year), or "2026-04-03 to
        2026-05-01"."""
        if self.kind == "quarter":
            first, last = _MONTHS[self.start.month - 1], _MONTHS[self.end.month - 1]
            return f"{first}–{last} {self.start.year}"
        if self.kind == "year":
            if self.start.month == 1:
                return str(self.start.year)
            return f"{self.start.year}/{(self.end.year) % 100:02d}"
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


# Per-visit helpers -----------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)
def _clocks_change(day: dt.date, zone_name: str) -> bool:
    """Whether the zone's offset changes between ``day`` 00:00 and two days later: the
    only visits whose length the wall clock does not give directly."""
    tz = zone(zone_name)
    before = dt.datetime.combine(day, dt.time(), tz).utcoffset()
    after = dt.datetime.combine(day + dt.timedelta(days=2), dt.time(), tz).utcoffset()
    return before != after


def visit_minutes(header: Header, zone_name: str = DEFAULT_TIME_ZONE) -> int | None:
    """Minutes from arrival to departure as they passed, or None without both times (or
    with a departure before the arrival). The same answer as
    ``visit_times(header).duration_minutes``; the wall-clock sum is used on the nights the
    clocks do not change (every other night), which is many times faster."""
    arrival, departure, day = header.arrival_time, header.departure_time, header.visit_date
    if arrival is None or departure is None or day is None:
        return None
    if _clocks_change(day, zone_name):
        minutes = visit_times(header, zone_name).duration_minutes
        assert minutes is not None
    else:
        seconds = (
            departure.hour * 3600 + departure.minute * 60 + departure.second
            - arrival.hour * 3600 - arrival.minute * 60 - arrival.second
            + (86400 if header.departure_next_day else 0)
        )
        minutes = seconds // 60
    return minutes if minutes >= 0 else None


def is_unresolved(issue: IssueRaised) -> bool:
    """An issue that was not resolved at the time (not recorded counts as not), leaving
    aside positive findings, which have nothing to resolve."""
    return issue.category is not IssueCategory.POSITIVE and issue.resolved is not True


class VisitFigures(NamedTuple):
    """What the statistics read of one submitted report (as corrected): made from a
    report by :func:`figures_of`, or kept by the store between runs
    (:func:`figures_to_json`, :func:`figures_from_json`) so that a year of a large
    scheme is counted without reading every report again."""

    suite_id: str
    visit_date: dt.date
    arrival_time: dt.time | None
    departure_time: dt.time | None
    departure_next_day: bool
    mode: VisitMode
    outcome: VisitOutcome
    delay_minutes: int
    visitors: int  # how many visitors went
    in_custody: int
    offered: int
    accepted: int
    declined: int
    observed: int
    not_offered: int
    reasons: tuple[tuple[NotOfferedReason, int], ...]
    detainees_met: int
    issues: tuple[tuple[IssueCategory, bool | None], ...]  # category, resolved at the time


def figures_of(report: VisitReport) -> VisitFigures | None:
    """The figures of a report (None for one with no visit date, which no period
    holds). Drafts are the caller's to leave out."""
    h, c = report.header, report.counts
    if h.visit_date is None:
        return None
    return VisitFigures(
        h.suite_id, h.visit_date, h.arrival_time, h.departure_time, h.departure_next_day,
        h.mode, h.outcome, h.delay_minutes, len(h.visitors), c.in_custody, c.offered,
        c.accepted, c.declined, c.observed, c.not_offered,
        tuple(c.not_offered_reasons.items()), len(report.detainees),
        tuple((i.category, i.resolved) for i in report.issues),
    )


_MODES = {m.value: m for m in VisitMode}
_OUTCOMES = {o.value: o for o in VisitOutcome}
_REASONS = {r.value: r for r in NotOfferedReason}
_CATEGORIES = {c.value: c for c in IssueCategory}


def figures_to_json(f: VisitFigures) -> str:
    """A compact JSON array of ``f`` (read back by :func:`figures_from_json`)."""
    import json

    def clock(t: dt.time | None) -> str | None:
        return None if t is None else t.isoformat()

    return json.dumps([
        f.suite_id, f.visit_date.isoformat(), clock(f.arrival_time), clock(f.departure_time),
        f.departure_next_day, f.mode.value, f.outcome.value, f.delay_minutes, f.visitors,
        f.in_custody, f.offered, f.accepted, f.declined, f.observed, f.not_offered,
        [[r.value, n] for r, n in f.reasons], f.detainees_met,
        [[c.value, resolved] for c, resolved in f.issues],
    ], separators=(",", ":"))


def figures_from_json(text: str) -> VisitFigures:
    """The figures :func:`figures_to_json` wrote; ValueError (or KeyError, TypeError) for
    anything else, which the caller counts afresh from the report."""
    import json

    return figures_from_list(json.loads(text))


def figures_from_list(items: list) -> VisitFigures:  # type: ignore[type-arg]
    """The figures of one array as :func:`figures_to_json` writes it, already parsed
    (many are parsed at once as one JSON array of them); errors as
    :func:`figures_from_json`."""
    (suite, day, arrival, departure, next_day, mode, outcome, delay, visitors, in_custody,
     offered, accepted, declined, observed, not_offered, reasons, met, issues) = items
    return VisitFigures(
        str(suite), _date(day),
        None if arrival is None else _time(arrival),
        None if departure is None else _time(departure),
        bool(next_day), _MODES[mode], _OUTCOMES[outcome], int(delay), int(visitors),
        int(in_custody), int(offered), int(accepted), int(declined), int(observed),
        int(not_offered),
        tuple([(_REASONS[r], int(n)) for r, n in reasons]) if reasons else (),
        int(met),
        tuple([(_CATEGORIES[c], None if r is None else bool(r)) for c, r in issues])
        if issues else (),
    )


_date = dt.date.fromisoformat
_time = dt.time.fromisoformat


def figures_minutes(f: VisitFigures, zone_name: str = DEFAULT_TIME_ZONE) -> int | None:
    """As :func:`visit_minutes`, from a report's figures."""
    arrival, departure, day = f.arrival_time, f.departure_time, f.visit_date
    if arrival is None or departure is None:
        return None
    if _clocks_change(day, zone_name):
        return visit_minutes(Header(visit_date=day, arrival_time=arrival,
                                    departure_time=departure,
                                    departure_next_day=f.departure_next_day), zone_name)
    seconds = (
        departure.hour * 3600 + departure.minute * 60 + departure.second
        - arrival.hour * 3600 - arrival.minute * 60 - arrival.second
        + (86400 if f.departure_next_day else 0)
    )
    minutes = seconds // 60
    return minutes if minutes >= 0 else None


class FollowUp(NamedTuple):
    """The part of a follow-up item the statistics need (a plain 3-tuple will do too)."""

    suite_id: str
    raised_on: dt.date
    closed_on: dt.date | None = None


FollowUpLike = tuple[str, dt.date, dt.date | None]


# Figures ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figures:
    """One suite's (or the scheme's) figures for one period. Rates and means are None
    where there is nothing to divide by."""

    visits: int = 0
    in_person: int = 0
    telephone: int = 0
    video: int = 0
    completed: int = 0
    abandoned: int = 0
    refused_access: int = 0
    delayed: int = 0
    delay_minutes_total: int = 0
    max_delay_minutes: int | None = None
    in_custody: int = 0
    offered: int = 0
    accepted: int = 0
    declined: int = 0
    observed: int = 0
    not_offered: int = 0
    # Every reason and every category is present, 0 where none.
    not_offered_reasons: Mapping[NotOfferedReason, int] = field(
        default_factory=lambda: dict.fromkeys(NotOfferedReason, 0))
    detainees_met: int = 0
    issues: int = 0
    issues_by_category: Mapping[IssueCategory, int] = field(
        default_factory=lambda: dict.fromkeys(IssueCategory, 0))
    issues_to_resolve: int = 0  # issues other than positive findings
    issues_resolved: int = 0  # of those, resolved at the time
    outstanding_follow_ups: int | None = None  # None: follow-ups not tracked
    visitor_minutes: int = 0
    visits_without_times: int = 0

    @property
    def remote(self) -> int:
        return self.telephone + self.video

    @property
    def mean_delay_minutes(self) -> float | None:
        return self.delay_minutes_total / self.delayed if self.delayed else None

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.offered if self.offered else None

    @property
    def resolved_share(self) -> float | None:
        return self.issues_resolved / self.issues_to_resolve if self.issues_to_resolve else None

    @property
    def visitor_hours(self) -> float:
        return self.visitor_minutes / 60

    def value(self, key: str) -> int | float | None:
        """The figure named ``key`` in :data:`FIGURES` (``not_offered.asleep``,
        ``issues.welfare`` for one reason or category)."""
        group, _, member = key.partition(".")
        if group == "not_offered" and member:
            return self.not_offered_reasons.get(NotOfferedReason.from_value(member), 0)
        if group == "issues" and member:
            return self.issues_by_category.get(IssueCategory.from_value(member), 0)
        if key not in _FIGURE_KEYS:
            raise KeyError(key)
        result: int | float | None = getattr(self, key)
        return result

    def flat(self) -> dict[str, int | float | None]:
        """Every figure of :data:`FIGURES`, in its order."""
        return {key: self.value(key) for key, _label in FIGURES}


# Each figure's key and its name in a table: the columns of the figures export, the rows
# of a comparison.
FIGURES: tuple[tuple[str, str], ...] = (
    ("visits", "Visits"),
    ("in_person", "In person"),
    ("remote", "Remote (telephone or video)"),
    ("telephone", "Telephone"),
    ("video", "Video"),
    ("completed", "Completed"),
    ("abandoned", "Abandoned"),
    ("refused_access", "Refused access"),
    ("delayed", "Visits with a delay"),
    ("mean_delay_minutes", "Mean delay (minutes)"),
    ("max_delay_minutes", "Longest delay (minutes)"),
    ("in_custody", "In custody at visits"),
    ("offered", "Offered a visit"),
    ("accepted", "Accepted"),
    ("declined", "Declined"),
    ("observed", "Observed only"),
    ("not_offered", "Not offered"),
    *((f"not_offered.{r.value}", f"Not offered: {r.label}") for r in NotOfferedReason),
    ("acceptance_rate", "Acceptance rate (accepted / offered)"),
    ("detainees_met", "Detainees met"),
    ("issues", "Issues raised"),
    *((f"issues.{c.value}", f"Issues: {c.label}") for c in IssueCategory),
    ("issues_to_resolve", "Issues to resolve (not positive findings)"),
    ("issues_resolved", "Resolved at the time"),
    ("resolved_share", "Share resolved at the time"),
    ("outstanding_follow_ups", "Outstanding follow-ups at period end"),
    ("visitor_hours", "Visitor hours"),
    ("visits_without_times", "Visits without times (not in visitor hours)"),
)
_FIGURE_KEYS = frozenset(key for key, _label in FIGURES)


@dataclass(frozen=True)
class Change:
    """One figure this period, in the previous one, and the difference (None when
    either is None)."""

    key: str
    label: str
    current: int | float | None
    previous: int | float | None

    @property
    def change(self) -> int | float | None:
        if self.current is None or self.previous is None:
            return None
        return self.current - self.previous


def compare(current: Figures, previous: Figures) -> tuple[Change, ...]:
    """Every figure of ``current`` beside its value in ``previous``."""
    return tuple(
        Change(key, label, current.value(key), previous.value(key)) for key, label in FIGURES
    )


class _Tally:
    """One suite's running sums for one period (mutable; frozen into :class:`Figures`)."""

    __slots__ = (
        "abandoned", "accepted", "categories", "completed", "declined", "delay_max",
        "delay_total", "delayed", "detainees_met", "in_custody", "in_person", "issues",
        "not_offered", "observed", "offered", "reasons", "refused_access", "resolved",
        "telephone", "to_resolve", "video", "visitor_minutes", "visits", "without_times",
    )

    def __init__(self) -> None:
        self.visits = self.in_person = self.telephone = self.video = 0
        self.completed = self.abandoned = self.refused_access = 0
        self.delayed = self.delay_total = 0
        self.delay_max: int | None = None
        self.in_custody = self.offered = self.accepted = self.declined = 0
        self.observed = self.not_offered = self.detainees_met = 0
        self.reasons: dict[NotOfferedReason, int] = {}
        self.issues = self.to_resolve = self.resolved = 0
        self.categories: dict[IssueCategory, int] = {}
        self.visitor_minutes = self.without_times = 0

    def add(self, f: VisitFigures, minutes: int | None) -> None:
        self.visits += 1
        mode = f.mode
        if mode is VisitMode.IN_PERSON:
            self.in_person += 1
        elif mode is VisitMode.TELEPHONE:
            self.telephone += 1
        else:
            self.video += 1
        outcome = f.outcome
        if outcome is VisitOutcome.COMPLETED:
            self.completed += 1
        elif outcome is VisitOutcome.ABANDONED:
            self.abandoned += 1
        else:
            self.refused_access += 1
        delay = f.delay_minutes
        if delay > 0:
            self.delayed += 1
            self.delay_total += delay
            if self.delay_max is None or delay > self.delay_max:
                self.delay_max = delay
        self.in_custody += f.in_custody
        self.offered += f.offered
        self.accepted += f.accepted
        self.declined += f.declined
        self.observed += f.observed
        self.not_offered += f.not_offered
        if f.reasons:
            reasons = self.reasons
            for reason, n in f.reasons:
                reasons[reason] = reasons.get(reason, 0) + n
        self.detainees_met += f.detainees_met
        if f.issues:
            categories = self.categories
            for category, resolved in f.issues:
                self.issues += 1
                categories[category] = categories.get(category, 0) + 1
                if category is not IssueCategory.POSITIVE:
                    self.to_resolve += 1
                    if resolved is True:
                        self.resolved += 1
        if minutes is None:
            self.without_times += 1
        else:
            self.visitor_minutes += minutes * f.visitors

    def merge(self, other: _Tally) -> None:
        for name in _Tally.__slots__:
            if name in ("reasons", "categories", "delay_max"):
                continue
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.delay_max is not None and (
                self.delay_max is None or other.delay_max > self.delay_max):
            self.delay_max = other.delay_max
        for reason, n in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + n
        for category, n in other.categories.items():
            self.categories[category] = self.categories.get(category, 0) + n

    def figures(self, outstanding: int | None) -> Figures:
        return Figures(
            visits=self.visits,
            in_person=self.in_person,
            telephone=self.telephone,
            video=self.video,
            completed=self.completed,
            abandoned=self.abandoned,
            refused_access=self.refused_access,
            delayed=self.delayed,
            delay_minutes_total=self.delay_total,
            max_delay_minutes=self.delay_max,
            in_custody=self.in_custody,
            offered=self.offered,
            accepted=self.accepted,
            declined=self.declined,
            observed=self.observed,
            not_offered=self.not_offered,
            not_offered_reasons={r: self.reasons.get(r, 0) for r in NotOfferedReason},
            detainees_met=self.detainees_met,
            issues=self.issues,
            issues_by_category={c: self.categories.get(c, 0) for c in IssueCategory},
            issues_to_resolve=self.to_resolve,
            issues_resolved=self.resolved,
            outstanding_follow_ups=outstanding,
            visitor_minutes=self.visitor_minutes,
            visits_without_times=self.without_times,
        )


@dataclass(frozen=True)
class PeriodFigures:
    """A period's figures per suite (ordered by suite id) and for the whole scheme."""

    period: Period
    by_suite: Mapping[str, Figures]
    total: Figures

    def suite(self, suite_id: str) -> Figures:
        """The suite's figures (all zero for a suite with nothing in the period)."""
        return self.by_suite.get(suite_id) or Figures()


def _outstanding(
    follow_ups: list[FollowUpLike] | None, day: dt.date
) -> dict[str, int] | None:
    """Follow-ups open at the end of ``day`` per suite (None: not tracked)."""
    if follow_ups is None:
        return None
    counts: dict[str, int] = {}
    for suite_id, raised_on, closed_on in follow_ups:
        if raised_on <= day and (closed_on is None or closed_on > day):
            counts[suite_id] = counts.get(suite_id, 0) + 1
    return counts


def _period_figures(
    period: Period, tallies: dict[str, _Tally], suite_ids: Iterable[str],
    outstanding: dict[str, int] | None,
) -> PeriodFigures:
    ids = set(tallies) | set(suite_ids) | set(outstanding or ())
    total = _Tally()
    by_suite: dict[str, Figures] = {}
    for suite_id in sorted(ids):
        tally = tallies.get(suite_id) or _Tally()
        total.merge(tally)
        by_suite[suite_id] = tally.figures(
            None if outstanding is None else outstanding.get(suite_id, 0))
    return PeriodFigures(
        period, by_suite,
        total.figures(None if outstanding is None else sum(outstanding.values())),
    )


# Coverage -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SuiteCoverage:
    """How recently a suite was visited, against the scheme's target.

    Only completed, in-person visits count as a visit to the suite: nobody saw inside it
    on a remote, abandoned or refused visit. ``last_visited`` is None when none of the
    visits looked at was one; such a suite is overdue."""

    suite_id: str
    last_visited: dt.date | None
    as_of: dt.date
    target_days: int

    @property
    def days_since(self) -> int | None:
        return None if self.last_visited is None else (self.as_of - self.last_visited).days

    @property
    def overdue(self) -> bool:
        days = self.days_since
        return days is None or days > self.target_days


class _CoverageTally:
    __slots__ = ("as_of", "last")

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of
        self.last: dict[str, dt.date] = {}

    def add(self, f: VisitFigures) -> None:
        day = f.visit_date
        if (day > self.as_of or f.mode is not VisitMode.IN_PERSON
                or f.outcome is not VisitOutcome.COMPLETED):
            return
        seen = self.last.get(f.suite_id)
        if seen is None or day > seen:
            self.last[f.suite_id] = day

    def result(
        self, target_days: int, suite_ids: Iterable[str] | None
    ) -> tuple[SuiteCoverage, ...]:
        ids = sorted(self.last) if suite_ids is None else list(dict.fromkeys(suite_ids))
        return tuple(
            SuiteCoverage(s, self.last.get(s), self.as_of, target_days) for s in ids
        )


def coverage(
    visits: Iterable[VisitReport | VisitFigures], as_of: dt.date, target_days: int = 14,
    suite_ids: Iterable[str] | None = None,
) -> tuple[SuiteCoverage, ...]:
    """Each suite's last visit on or before ``as_of`` (submitted reports only), and
    whether it is overdue: more than ``target_days`` days ago, or none. ``suite_ids``:
    the suites to report on (the open ones), in that order; by default every suite the
    visits name, by id."""
    tally = _CoverageTally(as_of)
    for f in _submitted_figures(visits):
        tally.add(f)
    return tally.result(target_days, suite_ids)


# Spread and predictability -------------------------------------------------------------------

Matrix = tuple[tuple[int, ...], ...]


def _empty() -> list[list[int]]:
    return [[0] * 24 for _ in range(7)]


def _freeze(rows: list[list[int]]) -> Matrix:
    return tuple(tuple(row) for row in rows)


@dataclass(frozen=True)
class Spread:
    """When visits began: counts by weekday (rows, Monday first) × hour of arrival
    (columns, 0–23), for the scheme and per suite; visits with no arrival time are only
    counted in ``without_time``."""

    total: Matrix
    by_suite: Mapping[str, Matrix]
    without_time: int = 0

    @property
    def visits(self) -> int:
        return sum(map(sum, self.total))


class _SpreadTally:
    __slots__ = ("by_suite", "total", "without_time")

    def __init__(self) -> None:
        self.total = _empty()
        self.by_suite: dict[str, list[list[int]]] = {}
        self.without_time = 0

    def add(self, f: VisitFigures) -> None:
        if f.arrival_time is None:
            self.without_time += 1
            return
        weekday, hour = f.visit_date.weekday(), f.arrival_time.hour
        self.total[weekday][hour] += 1
        suite = self.by_suite.get(f.suite_id)
        if suite is None:
            suite = self.by_suite[f.suite_id] = _empty()
        suite[weekday][hour] += 1

    def result(self) -> Spread:
        return Spread(
            _freeze(self.total),
            {s: _freeze(m) for s, m in sorted(self.by_suite.items())},
            self.without_time,
        )


def _submitted_figures(
    visits: Iterable[VisitReport | VisitFigures],
) -> Iterable[VisitFigures]:
    """The figures of the submitted reports with a date among ``visits`` (figures are
    of submitted reports already)."""
    for item in visits:
        if isinstance(item, VisitFigures):
            yield item
        elif item.is_submitted and (f := figures_of(item)) is not None:
            yield f


def visit_spread(visits: Iterable[VisitReport | VisitFigures], period: Period) -> Spread:
    """The spread of the period's submitted visits over weekdays and hours."""
    tally = _SpreadTally()
    for f in _submitted_figures(visits):
        if period.start <= f.visit_date <= period.end:
            tally.add(f)
    return tally.result()


@dataclass(frozen=True)
class Predictability:
    """When visits count as clustered. A check looks at the scheme's visits and at each
    suite's; shares are of the visits with an arrival time.

    - ``weekday_share`` 0.30: more than 30% of visits on one day of the week. An even
      spread puts 14% on each day; 30% is over twice that.
    - ``band_share`` 0.35: more than 35% of visits beginning in one ``band_hours`` (3)
      hour band of the day. An even spread puts 12.5% in each band; schemes visit mostly
      in the day and evening, which puts some 20% in the busiest band, so 35% is a real
      cluster, not daytime visiting.
    - ``min_visits`` 30: neither share is judged on fewer visits. Small numbers cluster
      by chance: of visits spread at random (any day, the demo data's daytime-heavy
      hours), one or the other check fires in about half of all sets of 10 to 15 visits,
      in 1 of 10 sets of 30, and in 1 of 40 sets of 54 (a scheme's quarter). So a
      quarter is judged for the scheme, a suite's shares over a year or so.
    - ``repeat_count`` 3 and ``repeat_share`` 0.40: at least 3 of a suite's visits, and at
      least 40% of them, on the same weekday in the same band ("Tuesdays between 18:00
      and 21:00"): the pattern staff at one suite notice first, judged on any number of
      visits. By chance it fires for about 1 suite-quarter in 100 (5 or 6 visits) and
      less often with more visits: the share keeps a suite visited hundreds of times
      from tripping it, the count keeps two coincidences from doing so.
    """

    weekday_share: float = 0.30
    band_share: float = 0.35
    band_hours: int = 3
    min_visits: int = 30
    repeat_count: int = 3
    repeat_share: float = 0.40

    def __post_init__(self) -> None:
        if self.band_hours < 1 or 24 % self.band_hours:
            raise ValueError(f"A band of {self.band_hours} hours does not divide the day.")


def band_label(band: int, band_hours: int = 3) -> str:
    """"between 18:00 and 21:00" for band 6 of 3 hours; the last ends at midnight."""
    start, end = band * band_hours, (band + 1) * band_hours
    return f"between {start:02d}:00 and " + ("midnight" if end == 24 else f"{end:02d}:00")


def _band_counts(row: tuple[int, ...], band_hours: int) -> list[int]:
    return [sum(row[b:b + band_hours]) for b in range(0, 24, band_hours)]


def _share_warnings(
    where: str, matrix: Matrix, rules: Predictability, repeats: bool
) -> list[str]:
    found: list[str] = []
    visits = sum(map(sum, matrix))
    if visits == 0:
        return found
    subject = where[0].upper() + where[1:]
    if visits >= rules.min_visits:
        by_day = [sum(row) for row in matrix]
        busiest = max(range(7), key=lambda d: by_day[d])  # the first on a tie
        if by_day[busiest] / visits > rules.weekday_share:
            found.append(
                f"{subject}, {by_day[busiest]} of {visits} visits "
                f"({by_day[busiest] / visits:.0%}) were on a {WEEKDAYS[busiest]}: "
                "vary the day of the week."
            )
        by_band = [sum(col) for col in zip(
            *(_band_counts(row, rules.band_hours) for row in matrix), strict=True)]
        band = max(range(len(by_band)), key=lambda b: by_band[b])
        if by_band[band] / visits > rules.band_share:
            found.append(
                f"{subject}, {by_band[band]} of {visits} visits ({by_band[band] / visits:.0%})"
                f" began {band_label(band, rules.band_hours)}: vary the time of day."
            )
    if repeats:
        cells = [
            (n, day, band)
            for day, row in enumerate(matrix)
            for band, n in enumerate(_band_counts(row, rules.band_hours))
        ]
        n, day, band = max(cells, key=lambda cell: cell[0])  # the first on a tie
        if n >= rules.repeat_count and n / visits >= rules.repeat_share:
            found.append(
                f"{subject}, {n} of {visits} visits ({n / visits:.0%}) were on a "
                f"{WEEKDAYS[day]} {band_label(band, rules.band_hours)}: custody staff "
                "could come to expect them."
            )
    return found


def predictability_warnings(
    spread: Spread, rules: Predictability | None = None,
    suite_names: Mapping[str, str] | None = None,
) -> tuple[str, ...]:
    """Plain-English warnings where visits cluster (see :class:`Predictability`): the
    scheme's first, then each suite's by id, named from ``suite_names``."""
    rules = rules or Predictability()
    names = suite_names or {}
    found = _share_warnings("across the scheme", spread.total, rules, repeats=False)
    for suite_id, matrix in spread.by_suite.items():
        found += _share_warnings(f"at {names.get(suite_id, suite_id)}", matrix, rules,
                                 repeats=True)
    return tuple(found)


# All of it at once -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SchemeStatistics:
    """A period's figures, the previous period's, coverage, spread and warnings."""

    current: PeriodFigures
    previous: PeriodFigures
    spread: Spread
    coverage: tuple[SuiteCoverage, ...]
    warnings: tuple[str, ...]

    def comparison(self, suite_id: str | None = None) -> tuple[Change, ...]:
        """Each figure against the previous period's, for a suite or (None) the scheme."""
        if suite_id is None:
            return compare(self.current.total, self.previous.total)
        return compare(self.current.suite(suite_id), self.previous.suite(suite_id))


def scheme_statistics(
    visits: Iterable[VisitReport | VisitFigures],
    period: Period,
    *,
    suite_ids: Iterable[str] = (),
    follow_ups: Iterable[FollowUpLike] | None = None,
    as_of: dt.date | None = None,
    target_days: int = 14,
    rules: Predictability | None = None,
    suite_names: Mapping[str, str] | None = None,
    zone_name: str = DEFAULT_TIME_ZONE,
) -> SchemeStatistics:
    """Everything for ``period`` and the period before it, in one pass over ``visits``
    (any iterable, read once; drafts and reports outside both periods are skipped): the
    reports, or their :class:`VisitFigures`, or some of each.

    ``suite_ids``: suites to show even with no visits (the open suites); a suite with
    visits is shown whether listed or not, so the rows add up to the total.
    ``follow_ups``: ``(suite_id, raised_on, closed_on)`` records; None: not tracked.
    ``as_of``: the day coverage is measured to (the period's last day by default; only
    the visits given are looked at, so give those back to the previous period at least).
    ``target_days``: the scheme's target, e.g. a visit to every suite every 14 days.
    ``zone_name``: the scheme's time zone, for the length of visits.
    """
    previous = period.previous()
    as_of = as_of or period.end
    wanted = list(dict.fromkeys(suite_ids))
    current_tallies: dict[str, _Tally] = {}
    previous_tallies: dict[str, _Tally] = {}
    spread = _SpreadTally()
    cover = _CoverageTally(as_of)
    start, end, prev_start, prev_end = period.start, period.end, previous.start, previous.end
    for f in _submitted_figures(visits):
        day = f.visit_date
        cover.add(f)
        if start <= day <= end:
            tallies = current_tallies
            spread.add(f)
        elif prev_start <= day <= prev_end:
            tallies = previous_tallies
        else:
            continue
        tally = tallies.get(f.suite_id)
        if tally is None:
            tally = tallies[f.suite_id] = _Tally()
        tally.add(f, figures_minutes(f, zone_name))

    records = None if follow_ups is None else list(follow_ups)
    spread_result = spread.result()
    return SchemeStatistics(
        current=_period_figures(period, current_tallies, wanted,
                                _outstanding(records, period.end)),
        previous=_period_figures(previous, previous_tallies, wanted,
                                 _outstanding(records, previous.end)),
        spread=spread_result,
        coverage=cover.result(target_days, wanted or None),
        warnings=predictability_warnings(spread_result, rules, suite_names),
    )
