"""Times as a person lives them: typed times and dates read (or refused with a clear
message), visits running past midnight, the scheme's zone and GMT/BST."""

from __future__ import annotations

import datetime as dt

import pytest

from icv_app.domain.custody.parsing import TIME_HINT, parse_date, parse_time, time_problem
from icv_app.domain.custody.times import (
    local_now,
    to_local,
    visit_times,
    zone,
    zone_abbreviation,
)
from icv_app.domain.custody.visit import Header

# Typed times --------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "expected"), [
    ("14:05", dt.time(14, 5)),
    ("14.05", dt.time(14, 5)),
    ("1405", dt.time(14, 5)),
    ("9:05", dt.time(9, 5)),
    (" 09:05 ", dt.time(9, 5)),
    ("00:00", dt.time(0, 0)),
    ("23:59", dt.time(23, 59)),
])
def test_a_time_is_read_as_people_type_it(typed, expected):
    assert parse_time(typed) == expected
    assert time_problem(typed) == ""


@pytest.mark.parametrize("typed", ["25:99", "24:00", "12:60", "99:00"])
def test_a_time_that_is_not_a_time_of_day_is_refused_saying_why(typed):
    assert parse_time(typed) is None
    assert time_problem(typed) == (
        f"“{typed}” is not a time of day: hours go to 23, minutes to 59.")


@pytest.mark.parametrize("typed", ["7pm", "14-05", "9:5", "noon", "14:05:30"])
def test_text_that_is_no_time_is_refused_with_how_to_type_one(typed):
    assert parse_time(typed) is None
    message = time_problem(typed)
    assert message.startswith(f"“{typed}” is not a time.") and message.endswith(TIME_HINT)


def test_a_blank_time_is_no_time_and_no_problem():
    assert parse_time("  ") is None
    assert time_problem("  ") == ""


# Typed dates --------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "2026-03-14", "14/03/2026", "14/3/2026", "14 Mar 2026", "14 March 2026", "Sat 14 Mar 2026",
])
def test_a_date_is_read_in_the_forms_the_app_shows_and_people_type(typed):
    assert parse_date(typed) == dt.date(2026, 3, 14)


@pytest.mark.parametrize("typed", ["31/02/2026", "2026-13-01", "14/03/26", "yesterday", ""])
def test_a_date_that_does_not_exist_or_is_ambiguous_is_refused(typed):
    assert parse_date(typed) is None


# Visits past midnight ---------------------------------------------------------------------

def header(**kw: object) -> Header:
    h = Header(visit_date=dt.date(2026, 3, 14), arrival_time=dt.time(23, 30))
    for key, value in kw.items():
        setattr(h, key, value)
    return h


def test_a_departure_next_day_is_on_the_day_after_the_visit():
    t = visit_times(header(departure_time=dt.time(0, 45), departure_next_day=True))
    assert t.arrival == dt.datetime(2026, 3, 14, 23, 30)
    assert t.departure == dt.datetime(2026, 3, 15, 0, 45)
    assert t.duration_minutes == 75
    assert t.latest == t.departure


def test_without_next_day_the_same_time_is_before_the_arrival():
    t = visit_times(header(departure_time=dt.time(0, 45)))
    assert t.departure == dt.datetime(2026, 3, 14, 0, 45)
    assert t.duration_minutes is not None and t.duration_minutes < 0


def test_an_admission_next_day_is_on_the_day_after_the_visit():
    t = visit_times(header(admitted_time=dt.time(0, 5), admitted_next_day=True))
    assert t.admitted == dt.datetime(2026, 3, 15, 0, 5)
    assert t.minutes(t.arrival, t.admitted) == 35


def test_times_not_recorded_are_none_and_give_no_length():
    t = visit_times(Header(arrival_time=dt.time(9, 0)))  # no date yet
    assert (t.arrival, t.admitted, t.departure, t.latest) == (None, None, None, None)
    assert t.duration_minutes is None


def test_minutes_across_the_clocks_going_forward_are_the_minutes_lived():
    # 29 Mar 2026, Europe/London: 01:00 GMT became 02:00 BST.
    h = Header(visit_date=dt.date(2026, 3, 29), arrival_time=dt.time(0, 50),
               admitted_time=dt.time(2, 5))
    t = visit_times(h)
    assert t.minutes(t.arrival, t.admitted) == 15
    assert visit_times(h, "UTC").minutes(t.arrival, t.admitted) == 75  # no change in UTC


def test_minutes_across_the_clocks_going_back_count_the_hour_twice():
    # 25 Oct 2026, Europe/London: 02:00 BST became 01:00 GMT.
    h = Header(visit_date=dt.date(2026, 10, 25), arrival_time=dt.time(0, 30),
               departure_time=dt.time(3, 0))
    assert visit_times(h).duration_minutes == 210


# The scheme's zone ------------------------------------------------------------------------

def test_wall_clock_times_are_gmt_in_winter_and_bst_in_summer():
    assert zone_abbreviation(dt.datetime(2026, 1, 14, 19, 5)) == "GMT"
    assert zone_abbreviation(dt.datetime(2026, 7, 14, 19, 5)) == "BST"


def test_a_utc_stamp_is_named_as_the_schemes_clock_shows_it():
    stamp = dt.datetime(2026, 7, 14, 18, 5, tzinfo=dt.UTC)
    assert zone_abbreviation(stamp) == "BST"
    assert zone_abbreviation(dt.datetime(2026, 1, 14, 18, 5, tzinfo=dt.UTC)) == "GMT"


def test_a_stamped_moment_is_shown_on_the_schemes_clock():
    summer = to_local(dt.datetime(2026, 7, 14, 12, 0, tzinfo=dt.UTC))
    assert (summer.hour, summer.tzname()) == (13, "BST")
    winter = to_local(dt.datetime(2026, 1, 14, 12, 0))  # naive: meant as UTC
    assert (winter.hour, winter.tzname()) == (12, "GMT")
    # Another scheme's zone.
    assert to_local(dt.datetime(2026, 7, 14, 12, 0, tzinfo=dt.UTC), "Europe/Dublin").hour == 13


def test_an_unknown_zone_setting_does_not_stop_anyone_working():
    assert zone("Not/A_Zone") is dt.UTC
    assert zone("../etc/passwd") is dt.UTC
    assert to_local(dt.datetime(2026, 7, 14, 12, 0, tzinfo=dt.UTC), "Not/A_Zone").hour == 12


def test_now_on_the_wall_clock_is_naive_and_to_the_minute():
    before = dt.datetime.now(dt.UTC)
    now = local_now()
    assert now.tzinfo is None and now.second == 0 and now.microsecond == 0
    expected = to_local(before).replace(tzinfo=None)
    assert abs((now - expected).total_seconds()) < 120
