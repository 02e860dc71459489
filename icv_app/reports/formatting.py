"""How every report writes a date, a time, a moment and a yes/no answer (pure Python).

Times are the scheme's wall-clock times (see :mod:`icv_app.domain.custody.times`) and are
always printed with the zone's abbreviation (GMT or BST), so a reader never has to guess
whether 19:05 is summer time; moments the app stamped itself (created, submitted,
amended) are kept in UTC and printed in the scheme's zone the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from icv_app.domain.custody.times import DEFAULT_TIME_ZONE, to_local, zone, zone_abbreviation

NOT_RECORDED = "Not recorded"


def date_text(value: dt.date | None) -> str:
    """``Tue 10 Mar 2026``, ``Wed 1 Jul 2026``."""
    return f"{value:%a} {value.day} {value:%b %Y}" if value else NOT_RECORDED


def day_text(value: dt.date) -> str:
    """``3 Dec 2026``: a date in a sentence ("corrected on 3 Dec 2026")."""
    return f"{value.day} {value:%b %Y}"


def clock_text(
    day: dt.date | None, time: dt.time, next_day: bool = False,
    zone_name: str = DEFAULT_TIME_ZONE,
) -> str:
    """``19:05 BST``; ``00:45 GMT (next day, Wed 11 Mar)`` after midnight. ``day`` is the
    visit's date (it decides GMT or BST); without one the zone cannot be told."""
    text = time.strftime("%H:%M")
    if day is None:
        return text + (" (next day)" if next_day else "")
    when = dt.datetime.combine(day + dt.timedelta(days=1 if next_day else 0), time)
    text += " " + zone_abbreviation(when, zone_name)
    if next_day:
        text += f" (next day, {when:%a} {when.day} {when:%b})"
    return text


def stamp_text(moment: dt.datetime, zone_name: str = DEFAULT_TIME_ZONE) -> str:
    """A stamped moment (UTC) in the scheme's zone: ``14 Jul 2026 21:05 BST``."""
    local = to_local(moment, zone_name)
    return f"{day_text(local)} {local:%H:%M} {local.tzname() or zone_name}"


def local_date(moment: dt.datetime, zone_name: str = DEFAULT_TIME_ZONE) -> dt.date:
    """The scheme's calendar day of a stamped moment."""
    return to_local(moment, zone_name).date()


def elapsed_minutes(
    start: dt.datetime | None, end: dt.datetime | None, zone_name: str = DEFAULT_TIME_ZONE
) -> int | None:
    """Minutes between two wall-clock times of the zone, as a clock on the wall would not
    count them on the night the clocks change: the difference of the real moments."""
    if start is None or end is None:
        return None
    tz = zone(zone_name)
    real = end.replace(tzinfo=tz).astimezone(dt.UTC) - start.replace(tzinfo=tz).astimezone(
        dt.UTC
    )
    return int(real.total_seconds() // 60)


def duration_text(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours} h {mins} min"
    return f"{hours} h" if hours else f"{mins} min"


def yes_no(value: bool | None) -> str:
    if value is None:
        return NOT_RECORDED
    return "Yes" if value else "No"


def and_list(items: Sequence[str]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"
