"""The survey expression engine (icv_app.domain.survey.expressions): hand-worked cases.

Each table row is (expression, answers, expected). The answers are synthetic. A float
result must be a float equal to the expected (NaN to NaN), a bool the same bool, a
string the same string, a node-set the same list.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

import pytest

from icv_app.domain.survey.expressions import (
    Environment,
    Expression,
    ExpressionError,
    MappingEnvironment,
    Value,
    as_boolean,
    as_number,
    as_string,
    is_dynamic_default,
    parse,
    parse_default,
    parse_required,
)

NAN = math.nan
INF = math.inf
TODAY = dt.date(2026, 3, 15)  # a Sunday; 20527 days after 1970-01-01
NOW = dt.datetime(2026, 3, 15, 10, 30, 5, 250000, tzinfo=dt.timezone(dt.timedelta(hours=1)))

# Answers shared by many rows (rows may add their own).
ANSWERS: dict[str, Value] = {
    "age": "20",
    "young": "17",
    "blank": "",
    "q1": "yes maybe",
    "ages": ["10", "20", "30"],
    "other": ["30", "40"],
    "far": ["40"],
    "members": ["Ann", "Bob"],
    "none": [],
    "mixed": ["a", "", None, "b"],
    "gappy": ["1", ""],
    "tenths": ["0.1", "0.2"],
    "dob": "2016-01-01",
    "start": "2026-03-15T10:00:00+01:00",
    "end": "2026-03-15T09:30:00Z",
    "n5": 5,
    "yes_flag": True,
}


def env(
    values: Mapping[str, Value] | None = None,
    *,
    current: Value = None,
    choice: Mapping[str, Value] | None = None,
    position: int = 1,
) -> MappingEnvironment:
    merged = {**ANSWERS, **(values or {})}
    return MappingEnvironment(
        merged, current=current, choice=choice, today=TODAY, now=NOW, position=position
    )


def evaluate(text: str, values: Mapping[str, Value] | None = None, **kwargs: Any) -> Value:
    return parse(text).evaluate(env(values, **kwargs))


def assert_value(actual: Value, expected: Value) -> None:
    """Type and value both: 3.0 is not "3", True is not 1.0."""
    if isinstance(expected, bool):
        assert actual is expected, f"{actual!r} is not {expected!r}"
    elif isinstance(expected, float | int):
        assert isinstance(actual, float) and not isinstance(actual, bool), repr(actual)
        if math.isnan(expected):
            assert math.isnan(actual), f"{actual!r} is not NaN"
        else:
            assert actual == pytest.approx(expected, rel=1e-12, abs=1e-12), actual
    elif isinstance(expected, str):
        assert isinstance(actual, str), repr(actual)
        assert actual == expected
    elif isinstance(expected, list):
        assert isinstance(actual, list), repr(actual)
        assert actual == expected
    else:
        assert actual is None, repr(actual)


def rows(*cases: tuple[Any, ...]) -> list[Any]:
    """pytest params named by their expression."""
    return [pytest.param(*case, id=case[0]) for case in cases]


# --------------------------------------------------------------------------------------
# Literals and operators

LITERALS = rows(
    ("3", None, 3.0),
    ("2.5", None, 2.5),
    (".5", None, 0.5),
    ("5.", None, 5.0),
    ("  42  ", None, 42.0),
    ("'single'", None, "single"),
    ('"double"', None, "double"),
    ('"it\'s"', None, "it's"),
    ("'say \"hi\"'", None, 'say "hi"'),
    ("''", None, ""),
    ("true()", None, True),
    ("false()", None, False),
)

ARITHMETIC = rows(
    ("1 + 2 * 3", None, 7.0),
    ("(1 + 2) * 3", None, 9.0),
    ("2 - -1", None, 3.0),
    ("--2", None, 2.0),
    ("- 2 * 3", None, -6.0),
    ("10 - 2 - 3", None, 5.0),
    ("12 div 2 div 3", None, 2.0),
    ("10 div 4", None, 2.5),
    ("7 mod 3", None, 1.0),
    ("-7 mod 3", None, -1.0),
    ("7 mod -3", None, 1.0),
    ("5.5 mod 2", None, 1.5),
    ("2 * 3 mod 4", None, 2.0),
    ("1 div 0", None, INF),
    ("-1 div 0", None, -INF),
    ("0 div 0", None, NAN),
    ("5 mod 0", None, NAN),
    ("1 + 'a'", None, NAN),
    ("'3' + '4'", None, 7.0),
    ("${blank} * 2", None, NAN),
    ("${nobody} + 1", None, NAN),
    ("true() + 1", None, 2.0),
    ("${n5} * 2", None, 10.0),
    ("${ages} + 1", None, 11.0),
    ("${none} + 1", None, NAN),
    ("${age}-1", None, 19.0),
    ("0.1 + 0.2", None, 0.1 + 0.2),
)

LOGIC = rows(
    ("1 = 1 or 1 = 2 and 1 = 2", None, True),
    ("1 < 2 = true()", None, True),
    ("3 > 2 > 1", None, False),
    ("1 + 2 = 3", None, True),
    ("1 = 1 = 1", None, True),
    ("2 = 2 and 3 != 4", None, True),
    ("false() or 0 or ''", None, False),
    ("1 and 'a'", None, True),
    ("${age} >= 18 and selected(${q1}, 'yes')", None, True),
    ("${young} >= 18 or selected(${q1}, 'no')", None, False),
    ("not(${blank}) and not(${nobody})", None, True),
)

COMPARISONS = rows(
    ("'abc' = 'abc'", None, True),
    ("'abc' = 'ABC'", None, False),
    ("'10' = 10", None, True),
    ("'10.0' = 10", None, True),
    ("'10.0' = '10'", None, False),
    ("'a' < 'b'", None, False),
    ("'2' < '10'", None, True),
    ("'10' > '9'", None, True),
    ("${age} >= 18", None, True),
    ("${young} >= 18", None, False),
    ("${blank} >= 18", None, False),
    ("${blank} < 18", None, False),
    ("${nobody} = ''", None, True),
    ("${nobody} != ''", None, False),
    ("${age} != ''", None, True),
    ("true() = 'false'", None, True),
    ("false() = ''", None, True),
    ("0 = false()", None, True),
    ("1 != 1", None, False),
    ("'NaN' = 'NaN'", None, True),
    ("number('x') = number('x')", None, False),
    ("number('x') != number('x')", None, True),
    ("0.1 + 0.2 = 0.3", None, True),
    ("0.1 + 0.2 <= 0.3", None, True),
    ("0.1 + 0.2 > 0.3", None, False),
    ("${n5} = '5'", None, True),
    ("${n5} < 6", None, True),
    ("${yes_flag} = 'x'", None, True),
    ("${yes_flag} = ''", None, False),
    ("1 div 0 > 1000000", None, True),
)

NODE_SET_COMPARISONS = rows(
    ("${ages} = 20", None, True),
    ("${ages} = 25", None, False),
    ("${ages} != 20", None, True),
    ("${ages} > 25", None, True),
    ("${ages} > 30", None, False),
    ("${ages} < 15", None, True),
    ("20 = ${ages}", None, True),
    ("25 < ${ages}", None, True),
    ("35 < ${ages}", None, False),
    ("${ages} = '20'", None, True),
    ("${none} = ''", None, False),
    ("${none} != ''", None, False),
    ("${ages} = ${other}", None, True),
    ("${ages} = ${far}", None, False),
    ("${ages} != ${far}", None, True),
    ("${ages} < ${far}", None, True),
    ("${ages} = true()", None, True),
    ("${none} = false()", None, True),
    ("${ages} = false()", None, False),
    ("not(${ages} = 25)", None, True),
)


@pytest.mark.parametrize(
    ("text", "values", "expected"), LITERALS + ARITHMETIC + LOGIC + COMPARISONS
)
def test_operators(text: str, values: Mapping[str, Value] | None, expected: Value) -> None:
    assert_value(evaluate(text, values), expected)


@pytest.mark.parametrize(("text", "values", "expected"), NODE_SET_COMPARISONS)
def test_node_set_comparisons(
    text: str, values: Mapping[str, Value] | None, expected: Value
) -> None:
    assert_value(evaluate(text, values), expected)


# --------------------------------------------------------------------------------------
# Predicates and choice filters

PREDICATES = rows(
    ("count(${ages}[. >= 18])", None, 2.0),
    ("sum(${ages}[. > 10])", None, 50.0),
    ("${ages}[position() = 2]", None, ["20"]),
    ("${members}[position() = 1]", None, ["Ann"]),
    ("${members}[1]", None, ["Ann"]),
    ("${members}[2]", None, ["Bob"]),
    ("${members}[3]", None, []),
    ("${ages}[. > 100]", None, []),
    ("count(${ages}[. > 100])", None, 0.0),
    ("${ages}[. >= 20][1]", None, ["20"]),
    ("${ages}[position() > 1 and . < 30]", None, ["20"]),
    ("count(${ages}[. = ${age}])", None, 1.0),
    ("${single}[. = 'a']", {"single": "a"}, ["a"]),
    ("${single}[. = 'b']", {"single": "a"}, []),
    ("string(${members}[2])", None, "Bob"),
    ("${members}[${idx}]", {"idx": "2"}, ["Ann", "Bob"]),  # a string predicate is boolean
    ("${members}[number(${idx})]", {"idx": "2"}, ["Bob"]),
    ("count(${mixed}[. != ''])", None, 2.0),
    ("(${ages})[last_is_not_xpath = 1]", None, []),  # a bare name: no choice row here
    ("count(${ages}[string-length(.) = 2])", None, 3.0),
    ("${ages}[. = 30] = 30", None, True),
)

CHOICE_FILTERS = rows(
    ("county = ${county}", {"county": "north"}, {"county": "north", "name": "a"}, True),
    ("county = ${county}", {"county": "north"}, {"county": "south", "name": "a"}, False),
    ("name != 'other'", None, {"name": "other"}, False),
    ("name != 'other'", None, {"name": "a"}, True),
    (
        "county = ${county} and name != 'other'",
        {"county": "north"},
        {"county": "north", "name": "b"},
        True,
    ),
    ("selected(${chosen}, name)", {"chosen": "a b"}, {"name": "b"}, True),
    ("not(selected(${chosen}, name))", {"chosen": "a b"}, {"name": "c"}, True),
    ("starts-with(name, ${prefix})", {"prefix": "no"}, {"name": "north"}, True),
    ("size > 2", None, {"size": "10"}, True),  # compared as numbers
    ("county = 'north'", None, None, False),  # outside a choice filter: no row
)


@pytest.mark.parametrize(("text", "values", "expected"), PREDICATES)
def test_predicates(text: str, values: Mapping[str, Value] | None, expected: Value) -> None:
    assert_value(evaluate(text, values), expected)


@pytest.mark.parametrize(("text", "values", "choice", "expected"), CHOICE_FILTERS)
def test_choice_filters(
    text: str,
    values: Mapping[str, Value] | None,
    choice: Mapping[str, Value] | None,
    expected: Value,
) -> None:
    assert_value(evaluate(text, values, choice=choice), expected)


def test_choice_filter_names_columns_and_references() -> None:
    expression = parse("county = ${county} and name != 'other'")
    assert expression.columns == frozenset({"county", "name"})
    assert expression.references == frozenset({"county"})
    # An unquoted choice name outside a choice filter shows up as a column.
    assert parse("selected(${q}, yes)").columns == frozenset({"yes"})


# --------------------------------------------------------------------------------------
# Functions

SELECT_FUNCTIONS = rows(
    ("selected('a b c', 'b')", None, True),
    ("selected('a b c', 'd')", None, False),
    ("selected('a b c', ' b ')", None, True),
    ("selected('ab c', 'a')", None, False),
    ("selected('a b', 'a b')", None, False),
    ("selected('a b', '')", None, False),
    ("selected('', 'a')", None, False),
    ("selected(${nobody}, 'yes')", None, False),
    ("selected(${q1}, 'maybe')", None, True),
    ("count-selected('a b c')", None, 3.0),
    ("count-selected('  a   b ')", None, 2.0),
    ("count-selected('')", None, 0.0),
    ("count-selected(${nobody})", None, 0.0),
    ("selected-at('a b c', 0)", None, "a"),
    ("selected-at('a b c', 2)", None, "c"),
    ("selected-at('a b c', 3)", None, ""),
    ("selected-at('a b c', -1)", None, ""),
    ("selected-at('a b c', '1')", None, "b"),
    ("selected-at('a b c', 1.9)", None, "b"),
    ("selected-at('a b c', 'x')", None, ""),
    ("selected-at('', 0)", None, ""),
)

NODE_SET_FUNCTIONS = rows(
    ("count(${ages})", None, 3.0),
    ("count(${none})", None, 0.0),
    ("count(${age})", None, 1.0),
    ("count(${mixed})", None, 4.0),
    ("count-non-empty(${mixed})", None, 2.0),
    ("count-non-empty(${none})", None, 0.0),
    ("count-non-empty(${blank})", None, 0.0),
    ("sum(${ages})", None, 60.0),
    ("sum(${none})", None, 0.0),
    ("sum(${gappy})", None, NAN),
    ("sum(${tenths})", None, 0.3),
    ("sum(${age})", None, 20.0),
    ("max(${ages})", None, 30.0),
    ("min(${ages})", None, 10.0),
    ("max(1, 5, 3)", None, 5.0),
    ("min(${ages}, 4)", None, 4.0),
    ("max(-3, -17, -32)", None, -3.0),
    ("max(${none})", None, NAN),
    ("max(${gappy})", None, NAN),
    ("min('a', 1)", None, NAN),
)

BRANCHING = rows(
    ("if(1 = 1, 'yes', 'no')", None, "yes"),
    ("if(${nobody}, 'answered', 'blank')", None, "blank"),
    ("if('', 1, 2)", None, 2.0),
    ("if(true(), ${ages}, 0)", None, ["10", "20", "30"]),
    ("coalesce(${nobody}, 'x')", None, "x"),
    ("coalesce(${age}, 'x')", None, "20"),
    ("coalesce(${nobody}, ${blank})", None, ""),
    ("coalesce('', 'z')", None, "z"),
    ("coalesce(number('x'), 5)", None, 5.0),
    ("coalesce(0, 5)", None, 0.0),
    ("coalesce(${none}, 'empty')", None, "empty"),
)

STRING_FUNCTIONS = rows(
    ("concat('a', 'b', 'c')", None, "abc"),
    ("concat('n=', 5)", None, "n=5"),
    ("concat(${members})", None, "AnnBob"),
    ("concat(${members}, '!')", None, "AnnBob!"),
    ("concat()", None, ""),
    ("concat(1 div 0, '')", None, "Infinity"),
    ("concat(true(), ${nobody})", None, "true"),
    ("join(' ', ${members})", None, "Ann Bob"),
    ("join('-', 'a', 'b', 'c')", None, "a-b-c"),
    ("join(', ', ${none})", None, ""),
    ("join('+')", None, ""),
    ("contains('abc', 'b')", None, True),
    ("contains('abc', '')", None, True),
    ("contains('abc', 'd')", None, False),
    ("contains(${nobody}, 'a')", None, False),
    ("starts-with('abc', 'ab')", None, True),
    ("starts-with('abc', 'bc')", None, False),
    ("ends-with('abc', 'bc')", None, True),
    ("ends-with('abc', 'ab')", None, False),
    ("ends-with('', '')", None, True),
    ("substring('12345', 2, 3)", None, "234"),
    ("substring('12345', 2)", None, "2345"),
    ("substring('12345', 1.5, 2.6)", None, "234"),
    ("substring('12345', 0, 3)", None, "12"),
    ("substring('12345', 0 div 0, 3)", None, ""),
    ("substring('12345', 1, 0 div 0)", None, ""),
    ("substring('12345', -42, 1 div 0)", None, "12345"),
    ("substring('12345', -1 div 0, 1 div 0)", None, ""),
    ("substr('hello', 1, 3)", None, "el"),
    ("substr('hello', -2)", None, "lo"),
    ("substring-before('1999/04/01', '/')", None, "1999"),
    ("substring-before('abc', 'x')", None, ""),
    ("substring-before('abc', '')", None, ""),
    ("substring-after('1999/04/01', '/')", None, "04/01"),
    ("substring-after('abc', 'x')", None, ""),
    ("substring-after('abc', '')", None, "abc"),
    ("string-length('hello')", None, 5.0),
    ("string-length('')", None, 0.0),
    ("string-length(${nobody})", None, 0.0),
    ("string-length(12.5)", None, 4.0),
    ("string-length('h\u00e9llo')", None, 5.0),
    ("normalize-space('  a   b  ')", None, "a b"),
    ("normalize-space('a\tb\n c')", None, "a b c"),
    ("translate('bar', 'abc', 'ABC')", None, "BAr"),
    ("translate('--aaa--', 'abc-', 'ABC')", None, "AAA"),
    ("translate('aaa', 'aa', 'xy')", None, "xxx"),
    ("string(12)", None, "12"),
    ("string(-0.5)", None, "-0.5"),
    ("string(-0)", None, "0"),
    ("string(1 div 0)", None, "Infinity"),
    ("string(-1 div 0)", None, "-Infinity"),
    ("string(0 div 0)", None, "NaN"),
    ("string(true())", None, "true"),
    ("string(${ages})", None, "10"),
    ("string(${none})", None, ""),
    ("string(0.000001)", None, "0.000001"),
    ("string(pow(10, 21))", None, "1000000000000000000000"),
    ("string(0.1 + 0.2)", None, "0.30000000000000004"),
    ("regex('abc', 'a.c')", None, True),
    ("regex('abcd', 'a.c')", None, False),
    ("regex('12345', '[0-9]{5}')", None, True),
    ("regex('', '.*')", None, True),
    ("regex('a+', 'a\\+')", None, True),
    ("regex(${nobody}, '[0-9]+')", None, False),
    ("regex('a', ${pattern})", {"pattern": "("}, False),  # a bad pattern in the data
)

NUMBER_FUNCTIONS = rows(
    ("number('12')", None, 12.0),
    ("number(' 12 ')", None, 12.0),
    ("number('-5.5')", None, -5.5),
    ("number('.5')", None, 0.5),
    ("number('')", None, NAN),
    ("number('abc')", None, NAN),
    ("number('1e3')", None, NAN),
    ("number('+5')", None, NAN),
    ("number(true())", None, 1.0),
    ("number(false())", None, 0.0),
    ("number('1970-01-02')", None, 1.0),
    ("number('2008-09-05')", None, 14127.0),
    ("number('1941-12-07')", None, -10252.0),
    ("number('1970-01-01T12:00:00Z')", None, 0.5),
    ("number('1970-01-02T00:00:00+01:00')", None, 23 / 24),
    ("number(${ages})", None, 10.0),
    ("number(${none})", None, NAN),
    ("int(3.7)", None, 3.0),
    ("int(-3.7)", None, -3.0),
    ("int('12.9')", None, 12.0),
    ("int('')", None, NAN),
    ("int(1 div 0)", None, INF),
    ("boolean('')", None, False),
    ("boolean('false')", None, True),
    ("boolean(0)", None, False),
    ("boolean(-0.1)", None, True),
    ("boolean(0 div 0)", None, False),
    ("boolean(${nobody})", None, False),
    ("boolean(${ages})", None, True),
    ("boolean(${none})", None, False),
    ("boolean(${mixed}[2])", None, True),  # a node-set with one (empty) node
    ("not(true())", None, False),
    ("not('')", None, True),
    ("not(${none})", None, True),
    ("boolean-from-string('true')", None, True),
    ("boolean-from-string('TRUE')", None, True),
    ("boolean-from-string('1')", None, True),
    ("boolean-from-string('yes')", None, False),
    ("floor(2.7)", None, 2.0),
    ("floor(-2.2)", None, -3.0),
    ("floor('x')", None, NAN),
    ("ceiling(2.1)", None, 3.0),
    ("ceiling(-2.7)", None, -2.0),
    ("ceiling(1 div 0)", None, INF),
    ("abs(-3)", None, 3.0),
    ("abs('-2.5')", None, 2.5),
    ("abs('')", None, NAN),
    ("pow(2, 10)", None, 1024.0),
    ("pow(2, -1)", None, 0.5),
    ("pow(4, 0.5)", None, 2.0),
    ("pow(-8, 1 div 3)", None, NAN),
    ("pow(0, -1)", None, INF),
    ("pow(0 div 0, 0)", None, 1.0),
    ("pow(10, 400)", None, INF),
    ("pow('a', 2)", None, NAN),
    ("sqrt(16)", None, 4.0),
    ("sqrt(-1)", None, NAN),
    ("log(1)", None, 0.0),
    ("log(0)", None, -INF),
    ("log(-1)", None, NAN),
    ("log10(1000)", None, 3.0),
    ("exp(0)", None, 1.0),
    ("exp(1000)", None, INF),
    ("exp10(2)", None, 100.0),
    ("pi()", None, math.pi),
    ("cos(0)", None, 1.0),
    ("atan2(1, 1)", None, math.pi / 4),
    ("asin(2)", None, NAN),
)

ROUNDING = rows(
    ("round(1.5)", None, 2.0),
    ("round(2.5)", None, 3.0),
    ("round(-1.5)", None, -2.0),
    ("round(-2.5)", None, -3.0),
    ("round(-1.4)", None, -1.0),
    ("round(2.4999)", None, 2.0),
    ("round(1.234, 2)", None, 1.23),
    ("round(2.15, 1)", None, 2.2),
    ("round(23.7825, 2)", None, 23.78),
    ("round(-1.475, 2)", None, -1.48),
    ("round(1.005, 2)", None, 1.01),
    ("round(2.5, 0)", None, 3.0),
    ("round(1234.5678, 2.9)", None, 1234.57),
    ("round(33.33, -1)", None, 30.0),
    ("round(21.5, -1)", None, 20.0),
    ("round(626.3, -3)", None, 1000.0),
    ("round(-50.55, -2)", None, -100.0),
    ("round('a')", None, NAN),
    ("round(${blank}, 2)", None, NAN),
    ("round(1.5, 0 div 0)", None, NAN),
    ("round(1 div 0)", None, INF),
    ("string(round(-0.4))", None, "0"),
)

DATES = rows(
    ("today()", None, "2026-03-15"),
    ("now()", None, "2026-03-15T10:30:05.250+01:00"),
    ("date('2026-01-02')", None, "2026-01-02"),
    ("date('1970-1-2')", None, "1970-01-02"),
    ("date(0)", None, "1970-01-01"),
    ("date(1.5)", None, "1970-01-02"),
    ("date(-1)", None, "1969-12-31"),
    ("date(14127)", None, "2008-09-05"),
    ("date('14127')", None, "2008-09-05"),
    ("date('2026-03-15T23:30:00-05:00')", None, "2026-03-15"),
    ("date('nonsense')", None, ""),
    ("date('2026-02-30')", None, ""),
    ("date(${nobody})", None, ""),
    ("date(1 div 0)", None, ""),
    ("date('2001-12-26') > date('2001-12-25')", None, True),
    ("date('2001-12-26') < date('2001-12-25')", None, False),
    ("date('2004-05-01') = date('2004-05-01')", None, True),
    ("date(0) = date('1970-01-01')", None, True),
    ("'string' != date('1999-09-09')", None, True),
    ("${dob} < today()", None, True),
    ("${dob} > today()", None, False),
    ("${start} < ${end}", None, True),  # 09:00Z before 09:30Z, though not as strings
    ("today() - ${d}", {"d": "2026-03-01"}, 14.0),
    ("today() - ${d}", {"d": ""}, NAN),
    ("date('2001-12-26') - date('2001-12-21')", None, 5.0),
    ("date(date('2001-12-26') + 5)", None, "2001-12-31"),
    ("date(today() - 1)", None, "2026-03-14"),
    ("today() + 0", None, 20527.0),
    ("today() - ${dob}", None, 3726.0),  # 10 years with 3 leap days, then 31 + 28 + 14
    ("int((today() - ${dob}) div 365.25)", None, 10.0),
    ("date(today()) = today()", None, True),
    ("decimal-date-time('1970-01-01T00:00:00Z')", None, 0.0),
    ("decimal-date-time('1970-01-02T00:00:00Z')", None, 1.0),
    ("decimal-date-time('1969-12-31T00:00:00Z')", None, -1.0),
    ("decimal-date-time('1970-01-01T06:00:00Z')", None, 0.25),
    ("decimal-date-time('1970-01-01T01:00:00+01:00')", None, 0.0),
    ("decimal-date-time('1970-01-02')", None, 1.0),
    ("decimal-date-time(1.5)", None, 1.5),
    ("decimal-date-time('garbage')", None, NAN),
    ("decimal-date-time(now())", None, 20527 + (9 * 3600 + 30 * 60 + 5.25) / 86400),
    ("format-date('2001-12-31', '%b %e, %Y')", None, "Dec 31, 2001"),
    ("format-date('2026-03-05', '%d/%m/%y')", None, "05/03/26"),
    ("format-date('2026-03-05', '%e %n')", None, "5 3"),
    ("format-date(today(), '%a %d %b')", None, "Sun 15 Mar"),
    ("format-date('2026-03-15T07:08:09.123+02:00', '%H:%M:%S.%3 %h')", None, "07:08:09.123 7"),
    ("format-date(now(), '%Y-%m-%d %H:%M')", None, "2026-03-15 10:30"),
    ("format-date('2026-03-15', '%H:%M')", None, "00:00"),
    ("format-date(0, '%Y-%m-%d')", None, "1970-01-01"),
    ("format-date(20527, '%d %b')", None, "15 Mar"),
    ("format-date('2026-03-15', '100% %q')", None, "100% %q"),
    ("format-date('', '%Y')", None, ""),
    ("format-date('junk', '%Y')", None, ""),
    ("format-date-time('2026-03-15T18:05:00Z', '%Y %H:%M')", None, "2026 18:05"),
)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    SELECT_FUNCTIONS + NODE_SET_FUNCTIONS + BRANCHING + STRING_FUNCTIONS,
)
def test_functions(text: str, values: Mapping[str, Value] | None, expected: Value) -> None:
    assert_value(evaluate(text, values), expected)


@pytest.mark.parametrize(("text", "values", "expected"), NUMBER_FUNCTIONS + ROUNDING)
def test_number_functions(text: str, values: Mapping[str, Value] | None, expected: Value) -> None:
    assert_value(evaluate(text, values), expected)


@pytest.mark.parametrize(("text", "values", "expected"), DATES)
def test_dates(text: str, values: Mapping[str, Value] | None, expected: Value) -> None:
    assert_value(evaluate(text, values), expected)


CURRENT_AND_POSITION = rows(
    (".", {}, "mine", 1, "mine"),
    (". > 5", {}, "7", 1, True),
    ("string-length(.)", {}, "abc", 1, 3.0),
    ("normalize-space()", {}, "  x   y ", 1, "x y"),
    ("string()", {}, "cur", 1, "cur"),
    ("number()", {}, "4", 1, 4.0),
    ("once(5)", {}, None, 1, 5.0),
    ("once(5)", {}, "", 1, 5.0),
    ("once(5)", {}, "7", 1, "7"),
    ("position()", {}, None, 3, 3.0),
    ("position(..)", {}, None, 2, 2.0),
    ("${ages}[position() = position(..)]", {}, None, 2, ["20"]),
    ("${ages}[. = 20 and position() = 2]", {}, None, 5, ["20"]),
    ("indexed-repeat(${members}, ${household}, 2)", {}, None, 1, "Bob"),
    ("indexed-repeat(${members}, ${household}, 5)", {}, None, 1, ""),
    ("indexed-repeat(${members}, ${household}, 0)", {}, None, 1, "Ann"),
    ("indexed-repeat(${members}, ${household}, ${i})", {"i": "2"}, None, 1, "Bob"),
    ("indexed-repeat(${members}, ${household}, position(..) - 1)", {}, None, 2, "Ann"),
)


@pytest.mark.parametrize(
    ("text", "values", "current", "position", "expected"), CURRENT_AND_POSITION
)
def test_current_and_position(
    text: str,
    values: Mapping[str, Value],
    current: Value,
    position: int,
    expected: Value,
) -> None:
    assert_value(evaluate(text, values, current=current, position=position), expected)


class BareEnvironment:
    """Only the required methods of Environment (no position(), no all_values())."""

    def __init__(self, values: Mapping[str, Value]) -> None:
        self.values = values

    def value(self, name: str) -> Value:
        return self.values.get(name)

    def current(self) -> Value:
        return None

    def choice_column(self, column: str) -> Value:
        raise LookupError(column)

    def today(self) -> dt.date:
        return TODAY

    def now(self) -> dt.datetime:
        return NOW


def test_a_bare_environment_is_enough() -> None:
    bare: Environment = BareEnvironment({"names": ["Ann", "Bob"]})
    assert parse("position()").evaluate(bare) == 1.0
    assert parse("position(..)").evaluate(bare) == 1.0
    assert parse("indexed-repeat(${names}, ${rep}, 2)").evaluate(bare) == "Bob"
    assert parse("today()").evaluate(bare) == "2026-03-15"


def test_uuid_and_random() -> None:
    first = evaluate("uuid()")
    assert isinstance(first, str)
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first
    )
    assert evaluate("uuid()") != first
    short = evaluate("uuid(8)")
    assert isinstance(short, str) and re.fullmatch(r"[A-Za-z0-9]{8}", short)
    assert evaluate("uuid(0)") == ""
    number = evaluate("random()")
    assert isinstance(number, float) and 0.0 <= number < 1.0


class RecordingEnvironment(MappingEnvironment):
    def __init__(self, values: Mapping[str, Value]) -> None:
        super().__init__(values, today=TODAY, now=NOW)
        self.read: list[str] = []

    def value(self, name: str) -> Value:
        self.read.append(name)
        return super().value(name)


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("if(true(), ${a}, ${b})", ["a"]),
        ("if(false(), ${a}, ${b})", ["b"]),
        ("coalesce(${a}, ${b})", ["a"]),
        ("coalesce(${empty}, ${b})", ["empty", "b"]),
        ("${empty} and ${a}", ["empty"]),
        ("${a} or ${b}", ["a"]),
    ],
)
def test_branches_are_evaluated_lazily(text: str, read: list[str]) -> None:
    recording = RecordingEnvironment({"a": "A", "b": "B", "empty": ""})
    parse(text).evaluate(recording)
    assert recording.read == read


# --------------------------------------------------------------------------------------
# What an expression reads


@pytest.mark.parametrize(
    ("text", "references"),
    [
        ("${a} + ${b}", {"a", "b"}),
        ("count(${x}[. > ${y}])", {"x", "y"}),
        ("if(${c}, concat(${d}, 'x'), ${e}[position() = ${f}])", {"c", "d", "e", "f"}),
        ("1 + 2", set()),
        ("${a} = ${a}", {"a"}),
        ("${ a }", {"a"}),
        ("indexed-repeat(${name}, ${rep}, ${i})", {"name", "rep", "i"}),
        ("not(selected(${group.q-1}, 'x'))", {"group.q-1"}),
    ],
)
def test_references(text: str, references: set[str]) -> None:
    assert parse(text).references == frozenset(references)


@pytest.mark.parametrize(
    ("text", "uses_current"),
    [
        (".", True),
        (". > 5 and . < 10", True),
        ("${x}[. > 5]", False),
        ("${x}[string() = 'a']", False),
        ("string-length(.)", True),
        ("normalize-space()", True),
        ("once(1)", True),
        ("${a} + 1", False),
    ],
)
def test_uses_current(text: str, uses_current: bool) -> None:
    assert parse(text).uses_current is uses_current


@pytest.mark.parametrize(
    ("text", "uses_now"),
    [
        ("today()", True),
        ("now()", True),
        ("random()", True),
        ("uuid()", True),
        ("once(uuid())", True),
        ("${a} + 1", False),
        ("format-date(${d}, '%Y')", False),
        ("date('2026-01-01')", False),
    ],
)
def test_uses_now(text: str, uses_now: bool) -> None:
    assert parse(text).uses_now is uses_now


def test_parses_are_cached_and_describe_themselves() -> None:
    expression = parse("${a} + 1")
    assert parse("${a} + 1") is expression
    assert isinstance(expression, Expression)
    assert expression.text == "${a} + 1"
    assert repr(expression) == "Expression('${a} + 1')"


# --------------------------------------------------------------------------------------
# Parse errors

PARSE_ERRORS = [
    # unknown or unsupported functions, named
    ("foo(1)", 0, "unknown function foo()"),
    ("1 + bar(2)", 4, "unknown function bar()"),
    ("flor(2.5)", 0, "unknown function flor() (did you mean floor()?)"),
    ("count_selected(${q})", 0, "did you mean count-selected()?"),
    ("pulldata('a', 'b', 'c', 'd')", 0, "pulldata() is not supported"),
    ("jr:choice-name(${x}, 'x')", 0, "jr:choice-name() is not supported"),
    # wrong number of arguments
    ("selected(${q})", 0, "selected() takes 2 arguments, not 1"),
    ("1 + round()", 4, "round() takes 1 to 2 arguments, not 0"),
    ("true(1)", 0, "true() takes no arguments, not 1"),
    ("max()", 0, "max() takes at least 1 argument, not 0"),
    ("if(1, 2)", 0, "if() takes 3 arguments, not 2"),
    ("string-length()", 0, "string-length() takes 1 argument, not 0"),
    ("concat('a', substring('b'))", 12, "substring() takes 2 to 3 arguments, not 1"),
    # unbalanced parentheses and brackets
    ("(1 + 2", 0, "unbalanced parenthesis: the '(' is never closed"),
    ("count(${x}", 5, "the '(' of count() is never closed"),
    ("((1)", 0, "unbalanced parenthesis"),
    ("1 + 2)", 5, "')' without a matching '('"),
    ("${x}[. > 1", 4, "unbalanced bracket: the '[' is never closed"),
    ("1]", 1, "']' without a matching '['"),
    # unterminated strings
    ("'abc", 0, "unterminated string"),
    ("concat('a', \"b)", 12, "unterminated string"),
    ("${x} = 'yes", 7, "unterminated string"),
    # trailing junk
    ("1 2", 2, "unexpected '2' after a complete expression"),
    ("${a} ${b}", 5, "unexpected ${b} after a complete expression"),
    ("1 + 2 foo", 6, "unexpected 'foo'"),
    ("'a' 'b'", 4, "unexpected string 'b'"),
    ("1e5", 1, "unexpected 'e5'"),
    # everything else
    ("", 0, "empty expression"),
    ("   ", 0, "empty expression"),
    ("1 +", 3, "expected a value after '+', found the end of the expression"),
    ("1 + * 2", 4, "expected a value, found '*'"),
    ("count(1,)", 8, "expected a value, found ')'"),
    ("/data/x", 0, "paths are not supported"),
    ("${a}/b", 4, "paths with '/' are not supported"),
    ("${a} | ${b}", 5, "union operator '|' is not supported"),
    ("@id", 0, "attributes ('@') are not supported"),
    ("../x", 0, "'..' is only supported as position(..)"),
    ("count(..)", 6, "'..' is only supported as position(..)"),
    ("$x", 0, "refer to a question as ${name}"),
    ("${}", 0, "${} is not a valid question reference"),
    ("${a b}", 0, "${a b} is not a valid question reference"),
    ("${a", 0, "unterminated ${...} reference"),
    ("1 == 1", 2, "'==' is not an XPath operator: use '='"),
    ("${a} && ${b}", 5, "use 'and'"),
    ("\u2018yes\u2019", 0, "curly quotes"),
    ("child::x", 5, "axes"),
    ("()", 0, "empty parentheses"),
    ("${x}[]", 4, "empty predicate"),
    ("regex(., '[a-')", 9, "not a valid regular expression"),
    ("indexed-repeat(${a}, ${r1}, 1, ${r2}, 2)", 0, "nested repeats is not supported"),
    ("indexed-repeat('x', ${r}, 1)", 15, "argument 1 must be a ${name} reference"),
    ("position(1)", 0, "position() takes no arguments, not 1"),
    ("(" * 100 + "1" + ")" * 100, 64, "nested too deeply"),
]


@pytest.mark.parametrize(
    ("text", "position", "message"), [pytest.param(*case, id=case[0][:40]) for case in PARSE_ERRORS]
)
def test_parse_errors(text: str, position: int, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    error = caught.value
    assert message in error.message
    assert error.position == position
    assert error.text == text


def test_an_error_reads_as_words() -> None:
    with pytest.raises(ValueError, match=r"unknown function zzz\(\) \(at position 4 of") as caught:
        parse("1 + zzz()")
    assert isinstance(caught.value, ExpressionError)
    assert str(caught.value) == "unknown function zzz() (at position 4 of '1 + zzz()')"
    assert str(ExpressionError("bad", 3)) == "bad (at position 3)"


# --------------------------------------------------------------------------------------
# Conversions, the required and default columns, robustness


@pytest.mark.parametrize(
    ("value", "boolean", "number", "string"),
    [
        ("", False, NAN, ""),
        ("0", True, 0.0, "0"),
        ("abc", True, NAN, "abc"),
        (None, False, NAN, ""),
        (0.0, False, 0.0, "0"),
        (NAN, False, NAN, "NaN"),
        (7, True, 7.0, "7"),
        (1e-7, True, 1e-7, "0.0000001"),
        (123456789012.5, True, 123456789012.5, "123456789012.5"),
        (True, True, 1.0, "true"),
        (False, False, 0.0, "false"),
        ([], False, NAN, ""),
        ([""], True, NAN, ""),
        (["3", "4"], True, 3.0, "3"),
        ([None, "x"], True, NAN, ""),
    ],
)
def test_conversions(value: Value, boolean: bool, number: float, string: str) -> None:
    assert as_boolean(value) is boolean
    assert_value(as_number(value), number)
    assert as_string(value) == string


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("Yes", True),
        ("true()", True),
        ("no", False),
        ("", False),
        ("FALSE", False),
        ("${age} > 18", True),
        ("${young} > 18", False),
    ],
)
def test_required_column(text: str, expected: bool) -> None:
    assert parse_required(text).evaluate(env()) is expected


@pytest.mark.parametrize(
    ("text", "question_type", "dynamic", "value"),
    [
        ("0", "integer", False, "0"),
        ("yes", "select_one", False, "yes"),
        ("hello world", "text", False, "hello world"),
        ("it's", "text", False, "it's"),
        ("2026-01-01", "date", False, "2026-01-01"),
        ("2026-01-01", "text", True, 2024.0),
        ("${age} + 1", "integer", True, 21.0),
        ("today()", "date", True, "2026-03-15"),
        ("5 * 2", "integer", True, 10.0),
        ("", "text", False, ""),
    ],
)
def test_default_column(text: str, question_type: str, dynamic: bool, value: Value) -> None:
    assert is_dynamic_default(text, question_type) is dynamic
    assert_value(parse_default(text, question_type).evaluate(env()), value)


ODD_VALUES: list[Value] = [
    None,
    "",
    "x",
    "2026-13-45",
    "1970-01-01T25:00:00Z",
    NAN,
    INF,
    -INF,
    1e308,
    True,
    [],
    ["a", None, ""],
    [["nested", "1"]],
]

ROBUSTNESS_EXPRESSIONS = [
    "${v} + 1",
    "${v} * pow(10, 308)",
    "${v} div 0",
    "${v} mod 0",
    "-${v}",
    "${v} = ${v}",
    "${v} < 'a'",
    "${v}[. = 1]",
    "${v}[${v}]",
    "count(${v})",
    "sum(${v})",
    "max(${v})",
    "round(${v}, ${v})",
    "int(${v})",
    "floor(${v})",
    "pow(${v}, ${v})",
    "pow(-2, ${v})",
    "date(${v})",
    "decimal-date-time(${v})",
    "format-date(${v}, '%Y %a %b %H %3')",
    "substring('abc', ${v}, ${v})",
    "substr('abc', ${v}, ${v})",
    "selected-at('a b', ${v})",
    "translate(${v}, ${v}, ${v})",
    "regex(${v}, ${v})",
    "uuid(${v})",
    "indexed-repeat(${v}, ${r}, ${v})",
    "string(${v})",
    "concat(${v}, ${v})",
    "exp(${v})",
    "log(${v})",
    "sqrt(${v})",
]


@pytest.mark.parametrize("text", ROBUSTNESS_EXPRESSIONS)
def test_evaluation_never_raises_for_bad_data(text: str) -> None:
    expression = parse(text)
    for value in ODD_VALUES:
        result = expression.evaluate(env({"v": value}, current=value))
        # Whatever came out converts like any value.
        assert isinstance(as_string(result), str)
