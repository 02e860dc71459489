"""Telephone fieldwork's rules as plain functions over call attempts: when a case may be
dialled again, when its attempts close it, the order of an interviewer's call queue, and
the AAPOR outcome rates of their work. No store, no Qt: the CATI service
(:mod:`icv_app.services.survey.cati`) reads the records and hands them here.

Retry rules (:class:`RetryRules`, one dataclass with the defaults):

- no answer: try again 3 hours after the call; busy: 15 minutes; answering machine:
  4 hours; a partial interview: 1 hour;
- an appointment: the case comes back at the time agreed (it enters the due part of the
  queue 5 minutes before, so the interviewer is ready on the minute);
- a closing outcome (:attr:`~icv_app.domain.survey.records.CallOutcome.closes_case`:
  completed, refused, wrong number, not eligible) ends the case;
- at most 6 attempts: the 6th, whatever its outcome, closes the case, as a final
  non-contact unless it was a closing outcome itself.

The queue (:func:`plan_queue`): appointments that are due come first (by their time),
then cases whose retry time has come (the longest waiting first), then fresh cases in
sample order, then every case not yet due, soonest first, saying when.

Outcome rates (:func:`outcome_rates`) follow the AAPOR Standard Definitions:

- RR1 = I / ((I + P) + (R + NC + O) + (UH + UO))
- RR2 = (I + P) / ((I + P) + (R + NC + O) + (UH + UO))
- COOP1 = I / ((I + P) + R + O)
- REF1 = R / ((I + P) + (R + NC + O) + (UH + UO))
- CON1 = ((I + P) + R + O) / ((I + P) + (R + NC + O) + (UH + UO))

where each case called counts once, in the group of its disposition
(:func:`case_disposition`):

- I (complete, 1.1): a completed interview;
- P (partial, 1.2): no complete, but a partial interview;
- R (refusal, 2.11): refused;
- NC (non-contact, 2.21): an appointment made and never kept (the last outcome of an
  unfinished case was an appointment);
- UH (unknown if household, 3.12 / 3.13 / 3.14): only busy, no answer or answering
  machine;
- NE (not eligible, 4.30 / 4.70): a wrong or non-working number, no eligible respondent:
  left out of every rate;
- O and UO are not recorded by this app and count as 0.

Approximations, said plainly: a case still being worked counts with the disposition its
attempts so far give (AAPOR's rates are meant for final dispositions, at the end of
fieldwork); cases never dialled are left out (AAPOR would count them as 3.11 "not
attempted", UH), so that an interviewer's figures judge the calls they made; the rates
treat every case of unknown eligibility as eligible (RR1 and RR2 do, by definition); and
an interviewer's figures count only their own attempts on a case (after a case moved to
another interviewer, each is judged on their own calls).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum

from icv_app.domain.survey.records import CallAttempt, CallOutcome

__all__ = [
    "DEFAULT_RULES",
    "AAPORRates",
    "CaseState",
    "InterviewLength",
    "InterviewerFigures",
    "QueueCase",
    "QueueEntry",
    "QueueGroup",
    "RetryRules",
    "case_disposition",
    "case_state",
    "figures",
    "next_ready_at",
    "outcome_rates",
    "plan_queue",
]


@dataclass(frozen=True)
class RetryRules:
    """When a case not closed may be dialled again, and when attempts close it.

    ``appointment_early``: an appointment enters the due part of the queue this long
    before its time. ``appointment_late``: an appointment is kept (for the figures) if
    the next call is made no earlier than ``appointment_early`` before it and no later
    than this after it; later, it was missed.
    """

    no_answer: dt.timedelta = dt.timedelta(hours=3)
    busy: dt.timedelta = dt.timedelta(minutes=15)
    answering_machine: dt.timedelta = dt.timedelta(hours=4)
    partial: dt.timedelta = dt.timedelta(hours=1)
    max_attempts: int = 6
    appointment_early: dt.timedelta = dt.timedelta(minutes=5)
    appointment_late: dt.timedelta = dt.timedelta(minutes=30)

    def retry_after(self, outcome: CallOutcome) -> dt.timedelta | None:
        """How long after a call with this outcome the case may be dialled again; None
        for an appointment (its own time) and for closing outcomes."""
        return self._delays.get(outcome)

    @functools.cached_property
    def _delays(self) -> dict[CallOutcome, dt.timedelta]:
        return {
            CallOutcome.NO_ANSWER: self.no_answer,
            CallOutcome.BUSY: self.busy,
            CallOutcome.ANSWERING_MACHINE: self.answering_machine,
            CallOutcome.PARTIAL: self.partial,
        }


DEFAULT_RULES = RetryRules()


# --- one case ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseState:
    """What a case's attempts say of it: how many, the latest, and what closed it.

    ``closed_by``: the attempt that closed the case (its outcome closes cases, or it was
    the last attempt allowed), None while it is open. ``final_non_contact``: closed by
    the maximum number of attempts without a closing outcome.
    """

    attempts: int
    last: CallAttempt | None
    closed_by: CallAttempt | None
    final_non_contact: bool = False

    @property
    def closed(self) -> bool:
        return self.closed_by is not None


def _by_time(attempts: Iterable[CallAttempt]) -> list[CallAttempt]:
    return sorted(attempts, key=lambda a: (a.at, a.id))


def case_state(attempts: Iterable[CallAttempt], rules: RetryRules = DEFAULT_RULES, *,
               counted: int = 0) -> CaseState:
    """The state of one case from its attempts (any order).

    ``counted``: attempts known from elsewhere (the case's ``attempts`` as its manager's
    laptop last counted them, which may include attempts this laptop never holds). The
    case has made ``max(counted, len(attempts))`` attempts: a count from elsewhere may
    already include the ones held here, so the two are not added.
    """
    ordered = _by_time(attempts)
    count = max(counted, len(ordered))
    last = ordered[-1] if ordered else None
    for i, attempt in enumerate(ordered):
        if attempt.outcome.closes_case:
            return CaseState(count, last, attempt)
        if max(counted, i + 1) >= rules.max_attempts:
            return CaseState(count, last, attempt, final_non_contact=True)
    if count >= rules.max_attempts:  # counted elsewhere, none of them here
        return CaseState(count, last, last, final_non_contact=True)
    return CaseState(count, last, None)


# --- the queue --------------------------------------------------------------------------


class QueueGroup(str, Enum):
    """Where an entry stands in the queue, in the queue's order."""

    APPOINTMENT = "appointment"  # an appointment that is due (or soon: see RetryRules)
    RETRY = "retry"  # called before, and its retry time has come
    NEW = "new"  # never called
    LATER = "later"  # an appointment or a retry not yet due


@dataclass(frozen=True)
class QueueCase:
    """What the queue needs of one open case: no phone number."""

    id: str
    form_id: str
    case_ref: str
    area: str = ""
    position: int = 0  # sample order
    counted: int = 0  # attempts counted elsewhere (the case's ``attempts``)


@dataclass(frozen=True)
class QueueEntry:
    """One case in the interviewer's call queue. Holds no phone number: the number of
    the case being called is asked for on its own (``CatiService.phone_for``).

    ``due_at``: an appointment's time or the retry time; None for a new case.
    ``ready_at``: when the case enters the due part of the queue (an appointment a few
    minutes before its time); None for a new case. ``due``: it is ready now.
    """

    case_id: str
    form_id: str
    case_ref: str
    area: str
    attempts: int
    last_outcome: CallOutcome | None
    due_at: dt.datetime | None
    ready_at: dt.datetime | None
    group: QueueGroup
    reason: str

    @property
    def due(self) -> bool:
        return self.group is not QueueGroup.LATER


def _clock(moment: dt.datetime, today: dt.date, tz: dt.tzinfo | None) -> str:
    """14:30 today; "14:30 on Tue 3 Mar" another day (in ``tz``, default: this
    computer's time zone)."""
    local = moment.astimezone(tz)
    text = f"{local.hour:02d}:{local.minute:02d}"
    day = local.date()
    return text if day == today else text + _on_day(day)


@functools.lru_cache(maxsize=512)
def _on_day(day: dt.date) -> str:
    return f" on {day:%a} {day.day} {day:%b}"


def _entry(case: QueueCase, attempts: Sequence[CallAttempt], now: dt.datetime,
           rules: RetryRules, tz: dt.tzinfo | None,
           today: dt.date | None = None) -> QueueEntry | None:
    state = case_state(attempts, rules, counted=case.counted)
    if state.closed:
        return None
    last = state.last
    if today is None:
        today = now.astimezone(tz).date()

    def entry(due: dt.datetime | None, ready: dt.datetime | None, group: QueueGroup,
              reason: str) -> QueueEntry:
        return QueueEntry(case.id, case.form_id, case.case_ref, case.area, state.attempts,
                          last.outcome if last else None, due, ready, group, reason)

    if last is None:
        return entry(None, None, QueueGroup.NEW, "New case")
    if last.outcome is CallOutcome.APPOINTMENT and last.appointment_at is not None:
        due = last.appointment_at
        ready = due - rules.appointment_early
        return entry(due, ready,
                     QueueGroup.APPOINTMENT if now >= ready else QueueGroup.LATER,
                     f"Appointment at {_clock(due, today, tz)}")
    due = last.at + (rules.retry_after(last.outcome) or dt.timedelta(0))
    return entry(due, due, QueueGroup.RETRY if now >= due else QueueGroup.LATER,
                 f"{last.outcome.label} at {_clock(last.at, today, tz)}, "
                 f"try again from {_clock(due, today, tz)}")


_GROUP_ORDER = {g: i for i, g in enumerate(QueueGroup)}
_NEVER = dt.datetime.max.replace(tzinfo=dt.UTC)


def plan_queue(cases: Iterable[QueueCase], attempts: Mapping[str, Sequence[CallAttempt]],
               now: dt.datetime, rules: RetryRules = DEFAULT_RULES, *,
               tz: dt.tzinfo | None = None) -> list[QueueEntry]:
    """The call queue of these open cases (``attempts``: case id -> its attempts), in the
    order the module doc gives. A case its attempts close is left out. Times in the
    reasons are shown in ``tz`` (default: this computer's time zone).

    ``attempts`` may hold, instead of every attempt of a case, its latest and any that
    closed it, with the full count in the case's ``counted``: what the queue needs."""
    placed: list[tuple[tuple[int, dt.datetime, int, str], QueueEntry]] = []
    today = now.astimezone(tz).date()
    for case in cases:
        entry = _entry(case, attempts.get(case.id, ()), now, rules, tz, today)
        if entry is None:
            continue
        when = entry.due_at or _NEVER
        if entry.group is QueueGroup.LATER:
            when = entry.ready_at or _NEVER
        placed.append(((_GROUP_ORDER[entry.group], when, case.position, case.case_ref),
                       entry))
    placed.sort(key=lambda p: p[0])
    return [entry for _key, entry in placed]


def next_ready_at(entries: Iterable[QueueEntry], now: dt.datetime) -> dt.datetime | None:
    """When the next case not yet due becomes due (a timer set for then brings an
    appointment back on time); None if nothing is waiting."""
    times = [e.ready_at for e in entries
             if e.group is QueueGroup.LATER and e.ready_at is not None and e.ready_at > now]
    return min(times, default=None)


# --- figures ----------------------------------------------------------------------------


def case_disposition(attempts: Iterable[CallAttempt]) -> str | None:
    """A called case's AAPOR outcome-rate group (I, P, R, NC, UH or NE; module doc), or
    None for a case never called."""
    ordered = _by_time(attempts)
    if not ordered:
        return None
    for attempt in ordered:
        if attempt.outcome.closes_case:
            return attempt.outcome.aapor_group  # I, R or NE: the case ended there
    outcomes = {a.outcome for a in ordered}
    if CallOutcome.PARTIAL in outcomes:
        return "P"
    if ordered[-1].outcome is CallOutcome.APPOINTMENT:
        return "NC"
    return "UH"


@dataclass(frozen=True)
class AAPORRates:
    """AAPOR outcome rates (fractions of 1; None when the denominator is 0)."""

    rr1: float | None
    rr2: float | None
    coop1: float | None
    ref1: float | None
    con1: float | None


def _ratio(top: int, bottom: int) -> float | None:
    return top / bottom if bottom else None


def outcome_rates(groups: Mapping[str, int]) -> AAPORRates:
    """The rates from the number of cases in each group (I, P, R, NC, O, UH, UO; a group
    missing counts 0; NE is not used)."""
    i, p, r = groups.get("I", 0), groups.get("P", 0), groups.get("R", 0)
    nc, o = groups.get("NC", 0), groups.get("O", 0)
    uh, uo = groups.get("UH", 0), groups.get("UO", 0)
    eligible_or_unknown = (i + p) + (r + nc + o) + (uh + uo)
    return AAPORRates(
        rr1=_ratio(i, eligible_or_unknown),
        rr2=_ratio(i + p, eligible_or_unknown),
        coop1=_ratio(i, (i + p) + r + o),
        ref1=_ratio(r, eligible_or_unknown),
        con1=_ratio((i + p) + r + o, eligible_or_unknown),
    )


@dataclass(frozen=True)
class InterviewLength:
    """One interview's start and end, for the average length."""

    started_at: dt.datetime
    ended_at: dt.datetime | None


@dataclass(frozen=True)
class InterviewerFigures:
    """One interviewer's work over a period.

    Case counts (``completes``...) are cases called in the period, each once, in the
    group of its disposition (:func:`case_disposition`); ``non_contacts`` are NC and UH
    together (nobody reached to interview). Appointments: made in the period; kept when
    the next call came on time (:class:`RetryRules`), missed when it did not (or has not
    and it is too late). ``average_interview_seconds``: of the complete interviews
    started in the period, from their start and end times.
    """

    interviewer_id: str
    attempts: int = 0
    cases: int = 0
    completes: int = 0
    partials: int = 0
    refusals: int = 0
    non_contacts: int = 0
    not_eligible: int = 0
    appointments_made: int = 0
    appointments_kept: int = 0
    appointments_missed: int = 0
    groups: Mapping[str, int] = field(default_factory=dict)
    rates: AAPORRates = field(default_factory=lambda: outcome_rates({}))
    interviews: int = 0
    average_interview_seconds: float | None = None


def _appointments(attempts: Sequence[CallAttempt], mine: Sequence[CallAttempt],
                  now: dt.datetime, rules: RetryRules) -> tuple[int, int, int]:
    """(made, kept, missed) of the appointments in ``mine``, judged by the next call on
    the case in ``attempts`` (every attempt held on it, ordered)."""
    made = kept = missed = 0
    for appointment in mine:
        if appointment.outcome is not CallOutcome.APPOINTMENT:
            continue
        made += 1
        when = appointment.appointment_at
        if when is None:
            continue
        later = [a for a in attempts if (a.at, a.id) > (appointment.at, appointment.id)]
        window_end = when + rules.appointment_late
        if later:
            call = later[0].at
            if when - rules.appointment_early <= call <= window_end:
                kept += 1
            else:
                missed += 1
        elif now > window_end:
            missed += 1
    return made, kept, missed


def figures(interviewer_id: str, attempts: Iterable[CallAttempt],
            interviews: Iterable[InterviewLength], *, now: dt.datetime,
            since: dt.datetime | None = None, until: dt.datetime | None = None,
            rules: RetryRules = DEFAULT_RULES) -> InterviewerFigures:
    """``interviewer_id``'s figures from the attempts held (anyone's: a later call by
    another interviewer still keeps an appointment) and their complete interviews, over
    ``since <= time < until`` (either may be None: no bound)."""
    def within(moment: dt.datetime) -> bool:
        return (since is None or moment >= since) and (until is None or moment < until)

    by_case: dict[str, list[CallAttempt]] = {}
    for attempt in attempts:
        by_case.setdefault(attempt.case_id, []).append(attempt)
    total = 0
    groups: dict[str, int] = {}
    made = kept = missed = 0
    for case_attempts in by_case.values():
        ordered = _by_time(case_attempts)
        mine = [a for a in ordered if a.interviewer_id == interviewer_id and within(a.at)]
        if not mine:
            continue
        total += len(mine)
        group = case_disposition(mine)
        if group is not None:
            groups[group] = groups.get(group, 0) + 1
        m, k, x = _appointments(ordered, mine, now, rules)
        made, kept, missed = made + m, kept + k, missed + x
    lengths = [(i.ended_at - i.started_at).total_seconds() for i in interviews
               if i.ended_at is not None and within(i.started_at)
               and i.ended_at >= i.started_at]
    return InterviewerFigures(
        interviewer_id=interviewer_id,
        attempts=total,
        cases=sum(groups.values()),
        completes=groups.get("I", 0),
        partials=groups.get("P", 0),
        refusals=groups.get("R", 0),
        non_contacts=groups.get("NC", 0) + groups.get("UH", 0),
        not_eligible=groups.get("NE", 0),
        appointments_made=made,
        appointments_kept=kept,
        appointments_missed=missed,
        groups=dict(sorted(groups.items())),
        rates=outcome_rates(groups),
        interviews=len(lengths),
        average_interview_seconds=sum(lengths) / len(lengths) if lengths else None,
    )
