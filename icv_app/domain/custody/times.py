"""Times as a person lives them: the scheme's local time zone, and visits that run past
midnight.

A report's times are wall-clock times in the scheme's zone (``Europe/London`` unless the
scheme says otherwise), typed as the visitors read them off a clock; admission and
departure may fall on the next day (``admitted_next_day`` / ``departure_next_day``).
Moments the app stamps itself (created, submitted) are kept in UTC and shown in the
scheme's zone, with the zone's abbreviation (GMT or BST) wherever they are printed.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icv_app.domain.custody.visit import Header

DEFAULT_TIME_ZONE = "Europe/London"


@functools.lru_cache(maxsize=8)
def zone(name: str = DEFAULT_TIME_ZONE) -> dt.tzinfo:
    """The zone by IANA name; UTC when this computer does not know it (a bad setting must
    not stop anyone working)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def local_now(zone_name: str = DEFAULT_TIME_ZONE) -> dt.datetime:
    """Now, as a wall-clock time in the scheme's zone (naive, like a report's times)."""
    return dt.datetime.now(zone(zone_name)).replace(tzinfo=None, second=0, microsecond=0)


def to_local(moment: dt.datetime, zone_name: str = DEFAULT_TIME_ZONE) -> dt.datetime:
    """A stamped moment (UTC, or naive meaning UTC) in the scheme's zone (aware)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(zone(zone_name))


def zone_abbreviation(when: dt.datetime, zone_name: str = DEFAULT_TIME_ZONE) -> str:
    """``GMT`` or ``BST`` (or the zone's own) for a wall-clock time in the zone."""
    tz = zone(zone_name)
    # An aware moment (a UTC stamp) is named as the scheme's clock shows it, not "UTC".
    aware = when.replace(tzinfo=tz) if when.tzinfo is None else when.astimezone(tz)
    return aware.tzname() or zone_name


@dataclass(frozen=True)
class VisitTimes:
    """The visit's moments as naive local datetimes (None where not recorded), on the
    wall clock of ``zone_name``."""

    arrival: dt.datetime | None
    admitted: dt.datetime | None
    departure: dt.datetime | None
    zone_name: str = DEFAULT_TIME_ZONE

    def minutes(self, start: dt.datetime | None, end: dt.datetime | None) -> int | None:
        """Minutes from ``start`` to ``end`` as they passed: on the night the clocks
        change, 00:50 to 02:05 by the wall clock is 15 minutes in spring (01:00 became
        02:00), not 75."""
        if start is None or end is None:
            return None
        tz = zone(self.zone_name)
        real = end.replace(tzinfo=tz).astimezone(dt.UTC) - start.replace(
            tzinfo=tz).astimezone(dt.UTC)
        return int(real.total_seconds() // 60)

    @property
    def duration_minutes(self) -> int | None:
        """Arrival to departure."""
        return self.minutes(self.arrival, self.departure)

    @property
    def latest(self) -> dt.datetime | None:
        moments = [m for m in (self.arrival, self.admitted, self.departure) if m is not None]
        return max(moments) if moments else None


def _at(date: dt.date | None, time: dt.time | None, next_day: bool) -> dt.datetime | None:
    if date is None or time is None:
        return None
    return dt.datetime.combine(date + dt.timedelta(days=1 if next_day else 0), time)


def visit_times(header: Header, zone_name: str = DEFAULT_TIME_ZONE) -> VisitTimes:
    """The header's times as moments, in the scheme's zone ``zone_name``."""
    return VisitTimes(
        arrival=_at(header.visit_date, header.arrival_time, False),
        admitted=_at(header.visit_date, header.admitted_time, header.admitted_next_day),
        departure=_at(header.visit_date, header.departure_time, header.departure_next_day),
        zone_name=zone_name,
    )
