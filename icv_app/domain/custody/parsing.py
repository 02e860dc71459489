"""Text as people type it, read as the values a report holds (no Qt)."""

from __future__ import annotations

import datetime as dt
import re

_TIME_TEXT = re.compile(r"^\s*(\d{1,2})[:.]?(\d{2})\s*$")
TIME_HINT = "Enter a time as HH:MM (24-hour clock), e.g. 14:05."


def parse_time(text: str) -> dt.time | None:
    """``14:05``, ``14.05``, ``1405`` or ``9:05`` as a time; None when blank or invalid."""
    match = _TIME_TEXT.match(text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def time_problem(text: str) -> str:
    """Why ``text`` is not a time ("" when it is one, or is blank)."""
    if not text.strip() or parse_time(text) is not None:
        return ""
    match = _TIME_TEXT.match(text)
    if match and (int(match.group(1)) > 23 or int(match.group(2)) > 59):
        return f"“{text.strip()}” is not a time of day: hours go to 23, minutes to 59."
    return f"“{text.strip()}” is not a time. {TIME_HINT}"


def parse_date(text: str) -> dt.date | None:
    """``2026-03-14``, ``14/03/2026``, ``14 Mar 2026`` as a date; None otherwise."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d %b %Y", "%d %B %Y", "%a %d %b %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
