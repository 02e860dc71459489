"""Dip samples in words, as the coordinator's screens say them: the rule ("5 reports in
each suite"), the period, the outcomes so far, and a redraw's explanation with records
named by what a person can look up (a report's reference, a custody record number)
instead of their ids."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from icv_app.domain.custody.dip_sample import (
    DipSample,
    RedrawCheck,
    ReviewOutcome,
    RuleKind,
    SampledKind,
    SampleRule,
    Stratify,
    outcome_counts,
)
from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.validation import plural

NOUNS = {SampledKind.VISIT: ("report", "reports"),
         SampledKind.RECORD_REVIEW: ("custody record", "custody records")}


def day(value: dt.date | None) -> str:
    return value.strftime("%d %b %Y") if value else "No date"


def period_text(start: dt.date, end: dt.date) -> str:
    return f"{day(start)} to {day(end)}"


def amount_text(amount: float) -> str:
    """10.0 -> "10", 12.5 -> "12.5"."""
    return f"{amount:g}"


def rule_text(rule: SampleRule, sampled: SampledKind) -> str:
    """"5 reports in each suite", "10% of each visitor's custody records"."""
    one, many = NOUNS[sampled]
    if rule.kind is RuleKind.NUMBER:
        whole = math.isfinite(rule.amount) and rule.amount == int(rule.amount)
        head = (plural(int(rule.amount), one, many) if whole
                else f"{amount_text(rule.amount)} {many}")
        return head + {Stratify.NONE: "", Stratify.SUITE: " in each suite",
                       Stratify.VISITOR: " for each visitor"}[rule.stratify]
    share = f"{amount_text(rule.amount)}%"
    return {Stratify.NONE: f"{share} of the {many}",
            Stratify.SUITE: f"{share} of the {many} in each suite",
            Stratify.VISITOR: f"{share} of each visitor's {many}"}[rule.stratify]


def outcomes_text(sample: DipSample) -> str:
    """"2 satisfactory, 1 minor concerns" (outcomes given so far), or "None yet"."""
    counts = outcome_counts(sample)
    parts = [f"{n} {outcome.label.lower()}" for outcome, n in counts.items()
             if n and outcome is not ReviewOutcome.NOT_REVIEWED]
    return ", ".join(parts) or "None yet"


def stratum_name(sample_stratify: Stratify, key: str, reference: ReferenceData) -> str:
    if sample_stratify is Stratify.SUITE:
        return reference.suite_name(key) if key else "No suite recorded"
    if sample_stratify is Stratify.VISITOR:
        return reference.visitor_name(key) if key else "No visitor recorded"
    return "All"


def redraw_text(check: RedrawCheck, labels: Mapping[str, str]) -> str:
    """The domain's explanation, with every record named by its label where known."""
    text = check.explanation
    ids = {*check.drawn, *check.stored, *check.added, *check.removed}
    # Longest first, so that no id that is a prefix of another is replaced inside it.
    for record_id in sorted(ids, key=len, reverse=True):
        label = labels.get(record_id)
        if label:
            text = text.replace(record_id, label)
    return text
