"""The expression engine of XLSForm survey instruments: the ODK subset of XPath 1.0.

An instrument's ``relevant``, ``constraint``, ``calculation``, ``required``,
``choice_filter`` and ``default`` columns hold expressions as pyxform keeps them in its
JSON output: ``${name}`` reads another question, ``.`` the current question's value, and
in a choice_filter a bare name (``county = ${county}``) reads a column of the choice row
being filtered. :func:`parse` turns the text into an :class:`Expression` once (parses are
cached); :meth:`Expression.evaluate` runs it against an :class:`Environment` as often as
the interview needs. Only parsing raises (:class:`ExpressionError`, with the offset of the
fault); evaluation never raises for bad data: XPath's conversions turn it into NaN, ``""``
or ``false``.

Values (:data:`Value`)
    ``str``
        An XPath string, and the value of any answered question as ODK stores it: a
        select_multiple answer is its choice names separated by spaces, a date
        ``2026-01-02``, a dateTime ``2026-01-02T10:30:00.000+01:00``.
    ``float``
        An XPath number (an environment may also hand back ``int``; it is read as a
        number). NaN is XPath's "not a number".
    ``bool``
        An XPath boolean.
    ``None``
        An unanswered question: an existing node with an empty value, so it behaves as
        ``""`` everywhere (``${q} = ''`` is true).
    ``list``
        A node-set: the values of a question inside a repeat seen from outside it, one
        per repeat instance, and the result of a predicate (``${ages}[. >= 18]``). Its
        string value is its first member's (``""`` when empty), its boolean "is it
        non-empty", and a comparison with it is true if any member compares true.

    A single question's value is its value, not a one-node node-set: ``boolean(${q})``
    is false for an unanswered or empty ``q``, as in ODK Collect (JavaRosa unpacks
    single nodes).

Dates
    There is no date type. ``today()``, ``date()`` and date questions give ISO strings,
    ``now()`` an ISO dateTime with its offset. Converted to a number (``+``, ``-``, ``<``,
    ``number()``), an ISO date or dateTime string is the number of days since
    1970-01-01 (a dateTime with an offset counts in UTC, one without as if UTC), as the
    ODK spec extends ``number()``: ``today() - ${dob}`` is an age in days,
    ``date(today() + 7)`` a week ahead, ``${end} > ${start}`` compares correctly. ``=``
    between two strings compares the strings, as XPath says.

Choices made where ODK clients differ (documented in the tests)
    * ``round()`` rounds halves away from zero, with or without digits (Enketo;
      JavaRosa rounds negative halves up: ``round(-2.5)`` is -2 there, -3 here).
    * ``sum()``, ``max()`` and ``min()`` are NaN if any member is not a number (XPath,
      Enketo; JavaRosa skips them). ``max()``/``min()`` of nothing is NaN.
    * ``regex()`` must match the whole value (JavaRosa); a literal pattern that does not
      compile is a parse error.
    * ``=`` between numbers allows 1e-12 of rounding error (JavaRosa), so
      ``0.1 + 0.2 = 0.3``; the relational operators agree with it.
    * ``count()``/``count-non-empty()``/``sum()`` of a single value treat it as a
      one-node node-set.
    * ``format-date()`` and ``format-date-time()`` are one function: English month and
      day names, a dateTime's wall-clock time as written (not moved to another zone).
    * ``indexed-repeat()`` over one repeat level reads the environment's optional
      ``all_values(name)`` (see :class:`Environment`); nested levels are refused.

Refused at parse time (an ExpressionError naming the function or construct)
    unknown functions and wrong numbers of arguments; ODK functions this app does not
    implement (``pulldata``, ``instance``, ``current``, ``jr:choice-name``,
    ``jr:itext``, ``randomize``, ``area``, ``distance``, ``digest``,
    ``base64-decode``, ``decimal-time``, ``checklist``, ``weighted-checklist``);
    location paths (``/data/x``, ``../x``, ``//x``, ``@attr``) except ``position(..)``;
    the union ``|``; XPath variables (``$v``).
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import random
import re
import string as _string
import uuid
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import NamedTuple, Protocol, TypeAlias

__all__ = [
    "Environment",
    "Expression",
    "ExpressionError",
    "MappingEnvironment",
    "Value",
    "as_boolean",
    "as_number",
    "as_string",
    "is_dynamic_default",
    "parse",
    "parse_default",
    "parse_required",
]

Value: TypeAlias = str | float | bool | list["Value"] | None
"""What an expression reads and returns; see the module's docstring."""

NAN = math.nan


class ExpressionError(ValueError):
    """A syntax error, an unknown or unsupported function, or a wrong number of
    arguments. ``message`` says what is wrong, ``position`` where (0-based offset in
    ``text``, the expression)."""

    def __init__(self, message: str, position: int, text: str = "") -> None:
        super().__init__(message, position, text)
        self.message = message
        self.position = position
        self.text = text

    def __str__(self) -> str:
        where = f"at position {self.position}"
        if self.text:
            where += f" of {self.text!r}"
        return f"{self.message} ({where})"


class Environment(Protocol):
    """What an expression reads.

    Two optional methods are used when present (found with ``getattr``):
    ``position() -> int``, the 1-based index of the current question's repeat instance
    (``position()`` outside a predicate and ``position(..)``; 1 without it), and
    ``all_values(name) -> list[Value]``, a repeated question's values in every
    instance even from inside the repeat (``indexed-repeat()``; without it the
    ``value(name)`` list is used).
    """

    def value(self, name: str) -> Value:
        """``${name}``: its value; for a question inside a repeat seen from outside it
        the list of its values, one per repeat instance; None when unanswered."""
        ...

    def current(self) -> Value:
        """``.``: the value of the question whose expression this is."""
        ...

    def choice_column(self, column: str) -> Value:
        """A bare name in a choice_filter: that column of the choice row being
        filtered (None, or raise, outside a choice filter)."""
        ...

    def today(self) -> dt.date:
        """``today()``: the local date."""
        ...

    def now(self) -> dt.datetime:
        """``now()``: the current moment (aware, so that ``now()`` carries its offset)."""
        ...


class MappingEnvironment:
    """An :class:`Environment` over a plain mapping of answers (tests, previews,
    callers with the answers at hand). A name missing from ``values`` is unanswered
    (None). ``today``/``now`` default to the computer's clock at each call."""

    def __init__(
        self,
        values: Mapping[str, Value] | None = None,
        current: Value = None,
        choice: Mapping[str, Value] | None = None,
        today: dt.date | None = None,
        now: dt.datetime | None = None,
        position: int = 1,
    ) -> None:
        self._values: Mapping[str, Value] = values if values is not None else {}
        self._current = current
        self._choice = choice
        self._today = today
        self._now = now
        self._position = position

    def value(self, name: str) -> Value:
        return self._values.get(name)

    def current(self) -> Value:
        return self._current

    def choice_column(self, column: str) -> Value:
        if self._choice is None:
            return None
        return self._choice.get(column)

    def today(self) -> dt.date:
        return self._today if self._today is not None else dt.date.today()

    def now(self) -> dt.datetime:
        return self._now if self._now is not None else dt.datetime.now().astimezone()

    def position(self) -> int:
        return self._position

    def all_values(self, name: str) -> list[Value]:
        return _members(self._values.get(name))


# --------------------------------------------------------------------------------------
# Conversions (XPath 1.0 section 4, with ODK's date extension of number())

_NUMBER_TEXT = re.compile(r"\s*-?(?:\d+(?:\.\d*)?|\.\d+)\s*")
_DATE_TEXT = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DATETIME_TEXT = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?"
)
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_ONE_DAY = dt.timedelta(days=1)
_TOLERANCE = 1e-12


def as_boolean(v: Value) -> bool:
    """XPath ``boolean()``: a string is true if non-empty, a number if neither 0 nor
    NaN, a node-set if non-empty; None (unanswered) is false."""
    if isinstance(v, str):
        return v != ""
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float):
        return not (v == 0 or math.isnan(v))
    if v is None:
        return False
    return len(v) > 0


def as_number(v: Value) -> float:
    """XPath ``number()``: a string is a decimal number (no exponent, no ``+``) after
    trimming, or an ISO date/dateTime (days since 1970-01-01), else NaN (``""`` too);
    true is 1; a node-set is its first member's number (NaN when empty)."""
    if isinstance(v, str):
        if v.isascii() and v.isdigit():
            return float(v)
        return _string_to_number(v)
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        return float(v)
    if v is None:
        return NAN
    return as_number(v[0]) if v else NAN


def as_string(v: Value) -> str:
    """XPath ``string()``: a number without exponent (``3``, ``2.5``, ``NaN``,
    ``Infinity``), ``true``/``false``, a node-set's first member (``""`` when empty),
    ``""`` for None."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return _number_to_string(float(v))
    if v is None:
        return ""
    return as_string(v[0]) if v else ""


@functools.lru_cache(maxsize=4096)
def _string_to_number(text: str) -> float:
    if _NUMBER_TEXT.fullmatch(text):
        return float(text)
    days = _days_since_epoch(text)
    return NAN if days is None else days


def _number_to_string(x: float) -> str:
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == int(x):
        return str(int(x))
    text = repr(x)
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def _members(v: Value) -> list[Value]:
    """A value as a node-set: a list flattened, anything else a one-member list."""
    if not isinstance(v, list):
        return [v]
    if not any(isinstance(m, list) for m in v):
        return v
    flat: list[Value] = []
    for m in v:
        flat.extend(_members(m))
    return flat


def _first(v: Value) -> Value:
    """A node-set's first member (None when empty); anything else itself."""
    if isinstance(v, list):
        return _first(v[0]) if v else None
    return v


# --------------------------------------------------------------------------------------
# Dates


class _Moment(NamedTuple):
    wall: dt.datetime  # naive: the date and clock time as written
    offset: dt.timedelta | None  # the written UTC offset, None when absent
    has_time: bool


def _parse_moment(text: str) -> _Moment | None:
    text = text.strip()
    try:
        m = _DATE_TEXT.fullmatch(text)
        if m:
            day = dt.datetime(int(m[1]), int(m[2]), int(m[3]))
            return _Moment(day, None, False)
        m = _DATETIME_TEXT.fullmatch(text)
        if m is None:
            return None
        fraction = (m[7] or "")[:6].ljust(6, "0")
        wall = dt.datetime(
            int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0), int(fraction)
        )
    except ValueError:  # 2026-02-30, 25:00
        return None
    zone = m[8]
    offset: dt.timedelta | None = None
    if zone == "Z":
        offset = dt.timedelta(0)
    elif zone:
        digits = zone[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
        offset = dt.timedelta(minutes=minutes if zone[0] == "+" else -minutes)
    return _Moment(wall, offset, True)


def _days_since_epoch(text: str) -> float | None:
    moment = _parse_moment(text)
    if moment is None:
        return None
    if not moment.has_time:
        return float(moment.wall.toordinal() - _EPOCH_ORDINAL)
    utc = moment.wall - moment.offset if moment.offset is not None else moment.wall
    return (utc - _EPOCH) / _ONE_DAY


def _moment_of(v: Value) -> dt.datetime | None:
    """A value as a wall-clock moment: an ISO date/dateTime string (its time as
    written), or a number (or numeric string) of days since 1970-01-01."""
    v = _first(v)
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, str):
        moment = _parse_moment(v)
        if moment is not None:
            return moment.wall
        if not _NUMBER_TEXT.fullmatch(v):
            return None
    days = as_number(v)
    if not math.isfinite(days):
        return None
    try:
        return _EPOCH + dt.timedelta(days=days)
    except (OverflowError, ValueError):
        return None


def _date_string(v: Value) -> str:
    """``date()``: an ISO date (a dateTime's date as written, single-digit months and
    days padded), or a number of days since 1970-01-01 floored to a date; else ``""``."""
    first = _first(v)
    if isinstance(first, str):
        moment = _parse_moment(first)
        if moment is not None:
            return moment.wall.date().isoformat()
        if not _NUMBER_TEXT.fullmatch(first):
            return ""
    if isinstance(first, bool) or first is None:
        return ""
    days = as_number(first)
    if not math.isfinite(days):
        return ""
    try:
        return dt.date.fromordinal(_EPOCH_ORDINAL + math.floor(days)).isoformat()
    except (ValueError, OverflowError):
        return ""


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FORMAT_CODES: dict[str, Callable[[dt.datetime], str]] = {
    "Y": lambda m: f"{m.year:04d}",
    "y": lambda m: f"{m.year % 100:02d}",
    "m": lambda m: f"{m.month:02d}",
    "n": lambda m: str(m.month),
    "b": lambda m: _MONTHS[m.month - 1],
    "d": lambda m: f"{m.day:02d}",
    "e": lambda m: str(m.day),
    "a": lambda m: _WEEKDAYS[m.weekday()],
    "H": lambda m: f"{m.hour:02d}",
    "h": lambda m: str(m.hour),
    "M": lambda m: f"{m.minute:02d}",
    "S": lambda m: f"{m.second:02d}",
    "3": lambda m: f"{m.microsecond // 1000:03d}",
}


def _format_date(value: Value, fmt: Value) -> str:
    moment = _moment_of(value)
    if moment is None:
        return ""
    pattern = as_string(fmt)
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern[i] == "%" and i + 1 < len(pattern) and pattern[i + 1] in _FORMAT_CODES:
            out.append(_FORMAT_CODES[pattern[i + 1]](moment))
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def _decimal_date_time(v: Value) -> float:
    first = _first(v)
    if isinstance(first, str):
        days = _days_since_epoch(first)
        if days is not None:
            return days
    return as_number(first)


# --------------------------------------------------------------------------------------
# Operators


def _close(x: float, y: float) -> bool:
    return x == y or abs(x - y) < _TOLERANCE


def _equal(a: Value, b: Value) -> bool:
    """``=`` between two single values (XPath 3.4: booleans win, then numbers)."""
    if a is None:
        a = ""
    if b is None:
        b = ""
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return as_boolean(a) == as_boolean(b)
    return _close(as_number(a), as_number(b))


def _lt(x: float, y: float) -> bool:
    return x < y and not _close(x, y)


def _le(x: float, y: float) -> bool:
    return x <= y or _close(x, y)


def _gt(x: float, y: float) -> bool:
    return x > y and not _close(x, y)


def _ge(x: float, y: float) -> bool:
    return x >= y or _close(x, y)


_RELATIONS: dict[str, Callable[[float, float], bool]] = {
    "<": _lt,
    "<=": _le,
    ">": _gt,
    ">=": _ge,
}
_FLIPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _compare_single(op: str, a: Value, b: Value) -> bool:
    if op == "=":
        return _equal(a, b)
    if op == "!=":
        return not _equal(a, b)
    return _RELATIONS[op](as_number(a), as_number(b))


def _compare(op: str, a: Value, b: Value) -> bool:
    """XPath 3.4 comparison; with a node-set, true if any member compares true."""
    a_nodes = isinstance(a, list)
    b_nodes = isinstance(b, list)
    if not a_nodes and not b_nodes:
        return _compare_single(op, a, b)
    if a_nodes and b_nodes:
        return any(
            _compare_single(op, as_string(x), as_string(y))
            for x in _members(a)
            for y in _members(b)
        )
    nodes, other = (a, b) if a_nodes else (b, a)
    if not a_nodes:
        op = _FLIPPED[op]
    if isinstance(other, bool):
        return _compare_single(op, as_boolean(nodes), other)
    return any(_compare_single(op, as_string(x), other) for x in _members(nodes))


def _divide(x: float, y: float) -> float:
    if y == 0:
        if x == 0 or math.isnan(x):
            return NAN
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def _modulo(x: float, y: float) -> float:
    """XPath ``mod``: the remainder of truncating division (sign of the dividend)."""
    try:
        return math.fmod(x, y)
    except ValueError:  # y == 0, x infinite
        return NAN


# --------------------------------------------------------------------------------------
# Functions over values


def _round_half_away(x: float, digits: float = 0.0) -> float:
    """round(x, digits): halves away from zero, on the decimal the number prints as
    (round(2.15, 1) is 2.2); negative digits round to tens, hundreds..."""
    if not math.isfinite(x) or math.isnan(digits):
        return x if not math.isnan(digits) else NAN
    if math.isinf(digits):
        return x if digits > 0 else 0.0
    places = max(-400, min(400, math.trunc(digits)))
    context = Context(prec=1000)
    try:
        scaled = Decimal(repr(x)).scaleb(places, context)
        whole = scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP, context=context)
        return float(whole.scaleb(-places, context))
    except InvalidOperation:  # pragma: no cover - the precision covers every float
        return x


def _int(x: float) -> float:
    if not math.isfinite(x):
        return x
    return float(math.trunc(x))


def _floor(x: float) -> float:
    return float(math.floor(x)) if math.isfinite(x) else x


def _ceiling(x: float) -> float:
    return float(math.ceil(x)) if math.isfinite(x) else x


def _xpath_round(x: float) -> float:
    """XPath 1.0 round (halves up), used by substring()."""
    return _floor(x + 0.5) if math.isfinite(x) else x


def _pow(x: float, y: float) -> float:
    """XPath 3.0 math:pow: pow(0, -1) is INF, pow(-8, 0.5) NaN, overflow infinite."""
    odd = y.is_integer() and math.trunc(y) % 2 == 1
    try:
        return math.pow(x, y)
    except ValueError:
        if x == 0 and y < 0:
            return math.copysign(math.inf, x) if odd else math.inf
        return NAN
    except OverflowError:
        return -math.inf if x < 0 and odd else math.inf


def _log(x: float) -> float:
    return -math.inf if x == 0 else (math.log(x) if x > 0 else NAN)


def _log10(x: float) -> float:
    return -math.inf if x == 0 else (math.log10(x) if x > 0 else NAN)


def _math(fn: Callable[[float], float]) -> Callable[[Value], float]:
    """A math function of one number: outside its domain NaN, past float range INF."""

    def apply(v: Value) -> float:
        try:
            return fn(as_number(v))
        except ValueError:
            return NAN
        except OverflowError:
            return math.inf

    return apply


def _atan2(y: Value, x: Value) -> float:
    return math.atan2(as_number(y), as_number(x))


def _selected(selection: Value, choice: Value) -> bool:
    return as_string(choice).strip() in as_string(selection).split()


def _count_selected(selection: Value) -> float:
    return float(len(as_string(selection).split()))


def _selected_at(selection: Value, index: Value) -> str:
    items = as_string(selection).split()
    position = as_number(index)
    if not math.isfinite(position):
        return ""
    i = math.trunc(position)
    return items[i] if 0 <= i < len(items) else ""


def _count(v: Value) -> float:
    return float(len(_members(v)))


def _count_non_empty(v: Value) -> float:
    return float(sum(1 for m in _members(v) if as_string(m) != ""))


def _sum(v: Value) -> float:
    numbers = [as_number(m) for m in _members(v)]
    try:
        return math.fsum(numbers)
    except ValueError:  # inf + -inf
        return NAN
    except OverflowError:
        return sum(numbers)


def _numbers_of(args: tuple[Value, ...]) -> list[float] | None:
    """Every member's number, or None when there is none or one is NaN."""
    numbers = [as_number(m) for arg in args for m in _members(arg)]
    if not numbers or any(math.isnan(n) for n in numbers):
        return None
    return numbers


def _max(*args: Value) -> float:
    numbers = _numbers_of(args)
    return NAN if numbers is None else max(numbers)


def _min(*args: Value) -> float:
    numbers = _numbers_of(args)
    return NAN if numbers is None else min(numbers)


def _concat(*args: Value) -> str:
    return "".join(as_string(m) for arg in args for m in _members(arg))


def _join(separator: Value, *args: Value) -> str:
    return as_string(separator).join(as_string(m) for arg in args for m in _members(arg))


def _contains(a: Value, b: Value) -> bool:
    return as_string(b) in as_string(a)


def _starts_with(a: Value, b: Value) -> bool:
    return as_string(a).startswith(as_string(b))


def _ends_with(a: Value, b: Value) -> bool:
    return as_string(a).endswith(as_string(b))


def _substring(text: Value, start: Value, *length: Value) -> str:
    """XPath substring(): 1-based, positions rounded, NaN gives ""."""
    s = as_string(text)
    first = _xpath_round(as_number(start))
    past = first + (_xpath_round(as_number(length[0])) if length else math.inf)
    if math.isnan(first) or math.isnan(past):
        return ""
    begin = max(first, 1.0)
    end = min(past, len(s) + 1.0)
    if end <= begin:
        return ""
    return s[int(begin) - 1 : int(end) - 1]


def _substr(text: Value, start: Value, *end: Value) -> str:
    """ODK ``substr``: 0-based start, exclusive end, negative counts from the end."""
    s = as_string(text)
    n = len(s)
    a = as_number(start)
    b = as_number(end[0]) if end else float(n)
    if math.isnan(a) or math.isnan(b):
        return ""
    i = math.trunc(a) if math.isfinite(a) else (n if a > 0 else -n)
    j = math.trunc(b) if math.isfinite(b) else (n if b > 0 else -n)
    i = min(max(0, n + i if i < 0 else i), n)
    j = min(max(0, n + j if j < 0 else j), n)
    return s[i:j] if i <= j else ""


def _substring_before(a: Value, b: Value) -> str:
    s, sep = as_string(a), as_string(b)
    i = s.find(sep)
    return s[:i] if i >= 0 else ""


def _substring_after(a: Value, b: Value) -> str:
    s, sep = as_string(a), as_string(b)
    i = s.find(sep)
    return s[i + len(sep) :] if i >= 0 else ""


def _string_length(v: Value) -> float:
    return float(len(as_string(v)))


_XML_SPACE = re.compile(r"[ \t\r\n]+")


def _normalize_space(v: Value) -> str:
    return _XML_SPACE.sub(" ", as_string(v)).strip(" \t\r\n")


def _translate(text: Value, source: Value, target: Value) -> str:
    src, dst = as_string(source), as_string(target)
    table: dict[int, int | None] = {}
    for i, ch in enumerate(src):
        if ord(ch) not in table:
            table[ord(ch)] = ord(dst[i]) if i < len(dst) else None
    return as_string(text).translate(table)


def _boolean_from_string(v: Value) -> bool:
    s = as_string(v)
    return s.lower() == "true" or s == "1"


@functools.lru_cache(maxsize=256)
def _compiled_regex(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return None


def _regex(value: Value, pattern: Value) -> bool:
    compiled = _compiled_regex(as_string(pattern))
    return compiled is not None and compiled.fullmatch(as_string(value)) is not None


_UUID_ALPHABET = _string.ascii_letters + _string.digits


def _uuid(*length: Value) -> str:
    """uuid(): a version 4 UUID; uuid(n): n random letters and digits."""
    if not length:
        return str(uuid.uuid4())
    n = as_number(length[0])
    if not math.isfinite(n) or n < 1:
        return ""
    return "".join(random.choices(_UUID_ALPHABET, k=min(int(n), 4096)))


# --------------------------------------------------------------------------------------
# Evaluation contexts and compiled nodes


class _Ctx:
    """The context outside any predicate: ``.`` is the current question."""

    __slots__ = ("env",)

    def __init__(self, env: Environment) -> None:
        self.env = env

    def current(self) -> Value:
        return self.env.current()

    def outer_position(self) -> float:
        hook = getattr(self.env, "position", None)
        if hook is None:
            return 1.0
        result: Value = hook()
        return as_number(result)

    def position(self) -> float:
        return self.outer_position()


class _MemberCtx(_Ctx):
    """The context inside a predicate: ``.`` is the member, position() its index."""

    __slots__ = ("dot", "pos")

    def __init__(self, env: Environment, dot: Value, pos: int) -> None:
        super().__init__(env)
        self.dot = dot
        self.pos = pos

    def current(self) -> Value:
        return self.dot

    def position(self) -> float:
        return float(self.pos)


_Fn = Callable[[_Ctx], Value]


class _Node:
    """A parsed sub-expression: its evaluator, its start in the text, and what it is
    when that matters to the parser (a literal's value, a reference's name)."""

    __slots__ = ("fn", "is_literal", "literal", "ref", "start")

    def __init__(
        self,
        fn: _Fn,
        start: int,
        *,
        literal: Value = None,
        is_literal: bool = False,
        ref: str | None = None,
    ) -> None:
        self.fn = fn
        self.start = start
        self.literal = literal
        self.is_literal = is_literal
        self.ref = ref


def _constant(value: Value) -> _Fn:
    return lambda c: value


def _apply(impl: Callable[..., Value], args: list[_Node]) -> _Fn:
    """An evaluator calling ``impl`` on the values of ``args`` (all evaluated)."""
    if not args:
        return lambda c: impl()
    if len(args) == 1:
        f0 = args[0].fn
        return lambda c: impl(f0(c))
    if len(args) == 2:
        f0, f1 = args[0].fn, args[1].fn
        return lambda c: impl(f0(c), f1(c))
    if len(args) == 3:
        f0, f1, f2 = args[0].fn, args[1].fn, args[2].fn
        return lambda c: impl(f0(c), f1(c), f2(c))
    fns = tuple(a.fn for a in args)
    return lambda c: impl(*[f(c) for f in fns])


def _numeric(impl: Callable[..., float]) -> Callable[..., Value]:
    """``impl`` over numbers: its arguments converted with :func:`as_number`."""

    def apply(*args: Value) -> Value:
        return impl(*[as_number(a) for a in args])

    return apply


# --------------------------------------------------------------------------------------
# Function table

_Builder = Callable[["_Parser", list[_Node], "_Token"], _Fn]


class _Function(NamedTuple):
    min_args: int
    max_args: int | None  # None: any number
    build: _Builder
    uses_now: bool = False


def _eager(impl: Callable[..., Value]) -> _Builder:
    return lambda parser, args, name: _apply(impl, args)


def _with_current(impl: Callable[[Value], Value]) -> _Builder:
    """A function whose missing argument is the context node (``string()``)."""

    def build(parser: _Parser, args: list[_Node], name: _Token) -> _Fn:
        if args:
            return _apply(impl, args)
        parser.note_current()
        return lambda c: impl(c.current())

    return build


def _build_if(parser: _Parser, args: list[_Node], name: _Token) -> _Fn:
    test, then, otherwise = args[0].fn, args[1].fn, args[2].fn
    return lambda c: then(c) if as_boolean(test(c)) else otherwise(c)


def _is_empty(v: Value) -> bool:
    v = _first(v)
    if isinstance(v, float) and math.isnan(v):
        return True
    return as_string(v) == ""


def _build_coalesce(parser: _Parser, args: list[_Node], name: _Token) -> _Fn:
    first, second = args[0].fn, args[1].fn

    def coalesce(c: _Ctx) -> Value:
        v = first(c)
        return second(c) if _is_empty(v) else v

    return coalesce


def _build_once(parser: _Parser, args: list[_Node], name: _Token) -> _Fn:
    parser.uses_current = True
    calc = args[0].fn

    def once(c: _Ctx) -> Value:
        existing = c.env.current()
        return calc(c) if _is_empty(existing) else existing

    return once


def _build_position(parser: _Parser, args: list[_Node], name: _Token) -> _Fn:
    return lambda c: c.position()


def _build_regex(parser: _Parser, args: list[_Node], name: _Token) -> _Fn:
    pattern = args[1]
    if pattern.is_literal:
        text = as_string(pattern.literal)
        try:
            re.compile(text)
        except re.error as error:
            raise parser.error(
                f"regex() pattern {text!r} is not a valid regular expression: {error.msg}",
                pattern.start,
            ) from None
    return _apply(_regex, args)


def _build_indexed_repeat(parser: _Parser, args: list[_Node], name: _Token) -> _Fn:
    if len(args) % 2 == 0:
        raise parser.error(
            "indexed-repeat() takes a ${question}, then pairs of ${repeat} and index",
            name.pos,
        )
    if len(args) > 3:
        raise parser.error(
            "indexed-repeat() over nested repeats is not supported (only one repeat level)",
            name.pos,
        )
    for position, arg in enumerate(args[:2], start=1):
        if arg.ref is None:
            raise parser.error(
                f"indexed-repeat() argument {position} must be a ${{name}} reference",
                arg.start,
            )
    target = args[0].ref
    assert target is not None
    index = args[2].fn

    def indexed_repeat(c: _Ctx) -> Value:
        hook = getattr(c.env, "all_values", None)
        values = _members(hook(target) if hook is not None else c.env.value(target))
        number = as_number(index(c))
        i = math.trunc(number) if math.isfinite(number) else 1
        i = max(i, 1)  # JavaRosa reads an index below 1 (not yet answered) as 1
        return values[i - 1] if i <= len(values) else ""

    return indexed_repeat


def _build_today(parser: _Parser, args: list[_Node], name: _Token) -> _Fn:
    def today(c: _Ctx) -> Value:
        day = c.env.today()
        if isinstance(day, dt.datetime):
            day = day.date()
        return day.isoformat()

    return today


def _build_now(parser: _Parser, args: list[_Node], name: _Token) -> _Fn:
    return lambda c: c.env.now().isoformat(timespec="milliseconds")


def _binary(op: str, lf: _Fn, rf: _Fn) -> _Fn:
    """The evaluator of ``or``, ``and`` and the arithmetic operators."""
    if op == "or":
        return lambda c: as_boolean(lf(c)) or as_boolean(rf(c))
    if op == "and":
        return lambda c: as_boolean(lf(c)) and as_boolean(rf(c))
    if op == "+":
        return lambda c: as_number(lf(c)) + as_number(rf(c))
    if op == "-":
        return lambda c: as_number(lf(c)) - as_number(rf(c))
    if op == "*":
        return lambda c: as_number(lf(c)) * as_number(rf(c))
    if op == "div":
        return lambda c: _divide(as_number(lf(c)), as_number(rf(c)))
    return lambda c: _modulo(as_number(lf(c)), as_number(rf(c)))


_FUNCTIONS: dict[str, _Function] = {
    # booleans
    "true": _Function(0, 0, lambda p, a, n: _constant(True)),
    "false": _Function(0, 0, lambda p, a, n: _constant(False)),
    "boolean": _Function(1, 1, _eager(as_boolean)),
    "not": _Function(1, 1, _eager(lambda v: not as_boolean(v))),
    "boolean-from-string": _Function(1, 1, _eager(_boolean_from_string)),
    "if": _Function(3, 3, _build_if),
    "coalesce": _Function(2, 2, _build_coalesce),
    "once": _Function(1, 1, _build_once),
    "regex": _Function(2, 2, _build_regex),
    # selects
    "selected": _Function(2, 2, _eager(_selected)),
    "count-selected": _Function(1, 1, _eager(_count_selected)),
    "selected-at": _Function(2, 2, _eager(_selected_at)),
    # node-sets
    "count": _Function(1, 1, _eager(_count)),
    "count-non-empty": _Function(1, 1, _eager(_count_non_empty)),
    "sum": _Function(1, 1, _eager(_sum)),
    "max": _Function(1, None, _eager(_max)),
    "min": _Function(1, None, _eager(_min)),
    "position": _Function(0, 0, _build_position),
    "indexed-repeat": _Function(3, None, _build_indexed_repeat),
    # strings
    "string": _Function(0, 1, _with_current(as_string)),
    "concat": _Function(0, None, _eager(_concat)),
    "join": _Function(1, None, _eager(_join)),
    "contains": _Function(2, 2, _eager(_contains)),
    "starts-with": _Function(2, 2, _eager(_starts_with)),
    "ends-with": _Function(2, 2, _eager(_ends_with)),
    "substring": _Function(2, 3, _eager(_substring)),
    "substr": _Function(2, 3, _eager(_substr)),
    "substring-before": _Function(2, 2, _eager(_substring_before)),
    "substring-after": _Function(2, 2, _eager(_substring_after)),
    "string-length": _Function(1, 1, _eager(_string_length)),
    "normalize-space": _Function(0, 1, _with_current(_normalize_space)),
    "translate": _Function(3, 3, _eager(_translate)),
    "uuid": _Function(0, 1, _eager(_uuid), uses_now=True),
    # numbers
    "number": _Function(0, 1, _with_current(as_number)),
    "int": _Function(1, 1, _eager(_numeric(_int))),
    "round": _Function(1, 2, _eager(_numeric(_round_half_away))),
    "floor": _Function(1, 1, _eager(_numeric(_floor))),
    "ceiling": _Function(1, 1, _eager(_numeric(_ceiling))),
    "abs": _Function(1, 1, _eager(_numeric(math.fabs))),
    "pow": _Function(2, 2, _eager(_numeric(_pow))),
    "log": _Function(1, 1, _eager(_math(_log))),
    "log10": _Function(1, 1, _eager(_math(_log10))),
    "sqrt": _Function(1, 1, _eager(_math(math.sqrt))),
    "exp": _Function(1, 1, _eager(_math(math.exp))),
    "exp10": _Function(1, 1, _eager(_math(lambda x: math.pow(10.0, x)))),
    "sin": _Function(1, 1, _eager(_math(math.sin))),
    "cos": _Function(1, 1, _eager(_math(math.cos))),
    "tan": _Function(1, 1, _eager(_math(math.tan))),
    "asin": _Function(1, 1, _eager(_math(math.asin))),
    "acos": _Function(1, 1, _eager(_math(math.acos))),
    "atan": _Function(1, 1, _eager(_math(math.atan))),
    "atan2": _Function(2, 2, _eager(_atan2)),
    "pi": _Function(0, 0, lambda p, a, n: _constant(math.pi)),
    "random": _Function(0, 0, lambda p, a, n: lambda c: random.random(), uses_now=True),
    # dates
    "today": _Function(0, 0, _build_today, uses_now=True),
    "now": _Function(0, 0, _build_now, uses_now=True),
    "date": _Function(1, 1, _eager(_date_string)),
    "decimal-date-time": _Function(1, 1, _eager(_decimal_date_time)),
    "format-date": _Function(2, 2, _eager(_format_date)),
    "format-date-time": _Function(2, 2, _eager(_format_date)),
}

_UNSUPPORTED = frozenset(
    {
        "pulldata",
        "instance",
        "current",
        "jr:choice-name",
        "jr:itext",
        "randomize",
        "area",
        "distance",
        "digest",
        "base64-decode",
        "decimal-time",
        "checklist",
        "weighted-checklist",
    }
)


# --------------------------------------------------------------------------------------
# Tokens


class _Token(NamedTuple):
    kind: str  # "num", "str", "ref", "name", "op", "eof", or the symbol itself
    text: str  # the token's text (a string's contents, a reference's name)
    pos: int


_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_NAME = re.compile(r"[^\W\d][\w.\-]*(?::[^\W\d][\w.\-]*)?")
_REF_NAME = re.compile(r"[^\W\d][\w.\-]*")
_OPERATOR_NAMES = frozenset({"and", "or", "div", "mod"})
_SYMBOLS_2 = ("!=", "<=", ">=", "//", "..")
_SYMBOLS_1 = "=<>+-*|/()[],.@"
# After one of these a name is an operand, not an operator (XPath 3.7).
_OPERAND_END = frozenset({"num", "str", "ref", "name", ")", "]", ".", ".."})
_HINTS = {
    "&": "use 'and' instead of '&'",
    "!": "use not(...) or '!=' instead of '!'",
    ":": "namespaces and axes ('::') are not supported",
    "\u2018": "use straight quotes ' or \" instead of curly quotes",
    "\u2019": "use straight quotes ' or \" instead of curly quotes",
    "\u201c": "use straight quotes ' or \" instead of curly quotes",
    "\u201d": "use straight quotes ' or \" instead of curly quotes",
}


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    n = len(text)

    def error(message: str, position: int) -> ExpressionError:
        return ExpressionError(message, position, text)

    while True:
        space = _SPACE.match(text, i)
        if space:
            i = space.end()
        if i >= n:
            tokens.append(_Token("eof", "", n))
            return tokens
        ch = text[i]
        operand_before = bool(tokens) and tokens[-1].kind in _OPERAND_END
        if ch in "'\"":
            close = text.find(ch, i + 1)
            if close < 0:
                raise error(f"unterminated string: the quote {ch} is never closed", i)
            tokens.append(_Token("str", text[i + 1 : close], i))
            i = close + 1
            continue
        if ch == "$":
            if text.startswith("${", i):
                close = text.find("}", i + 2)
                if close < 0:
                    raise error("unterminated ${...} reference: '}' is missing", i)
                reference = text[i + 2 : close].strip()
                if not _REF_NAME.fullmatch(reference):
                    shown = f"${{{text[i + 2 : close]}}}"
                    raise error(f"{shown} is not a valid question reference", i)
                tokens.append(_Token("ref", reference, i))
                i = close + 1
                continue
            raise error("unexpected '$': refer to a question as ${name}", i)
        number = _NUMBER.match(text, i)
        if number:
            tokens.append(_Token("num", number.group(), i))
            i = number.end()
            continue
        name = _NAME.match(text, i)
        if name:
            word = name.group()
            kind = "op" if operand_before and word in _OPERATOR_NAMES else "name"
            tokens.append(_Token(kind, word, i))
            i = name.end()
            continue
        pair = text[i : i + 2]
        if pair in _SYMBOLS_2:
            tokens.append(_Token("op" if pair in ("!=", "<=", ">=") else pair, pair, i))
            i += 2
            continue
        if pair in ("==", "&&", "||"):
            better = {"==": "=", "&&": "and", "||": "or"}[pair]
            raise error(f"'{pair}' is not an XPath operator: use '{better}'", i)
        if ch in _SYMBOLS_1:
            if ch in "=<>+-|" or (ch == "*" and operand_before):
                tokens.append(_Token("op", ch, i))
            else:
                tokens.append(_Token(ch, ch, i))
            i += 1
            continue
        hint = _HINTS.get(ch)
        raise error(f"unexpected character {ch!r}" + (f": {hint}" if hint else ""), i)


# --------------------------------------------------------------------------------------
# Parser (recursive descent, XPath 1.0 precedence) building closures

_MAX_DEPTH = 64


def _describe(token: _Token) -> str:
    if token.kind == "eof":
        return "the end of the expression"
    if token.kind == "str":
        return f"string {token.text!r}"
    if token.kind == "ref":
        return f"${{{token.text}}}"
    return repr(token.text)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.references: set[str] = set()
        self.columns: set[str] = set()
        self.uses_current = False
        self.uses_now = False
        self.predicate_depth = 0
        self.depth = 0

    # helpers
    def error(self, message: str, position: int) -> ExpressionError:
        return ExpressionError(message, position, self.text)

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def advance(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def at_op(self, *ops: str) -> bool:
        token = self.tokens[self.i]
        return token.kind == "op" and token.text in ops

    def note_current(self) -> None:
        if self.predicate_depth == 0:
            self.uses_current = True

    def expect_close(self, closing: str, opening: _Token, what: str) -> None:
        token = self.peek()
        if token.kind == closing:
            self.advance()
            return
        if token.kind == "eof":
            sort = "parenthesis" if opening.text == "(" else "bracket"
            raise self.error(
                f"unbalanced {sort}: the '{opening.text}' {what}is never closed", opening.pos
            )
        raise self.error(
            f"expected '{closing}' or an operator, found {_describe(token)}", token.pos
        )

    # grammar
    def parse(self) -> _Node:
        if self.peek().kind == "eof":
            raise self.error("empty expression", 0)
        node = self.parse_or()
        token = self.peek()
        if token.kind != "eof":
            if token.kind in (")", "]"):
                opener, sort = ("(", "parenthesis") if token.kind == ")" else ("[", "bracket")
                raise self.error(
                    f"unbalanced {sort}: '{token.text}' without a matching '{opener}'",
                    token.pos,
                )
            raise self.error(
                f"unexpected {_describe(token)} after a complete expression (a missing operator?)",
                token.pos,
            )
        return node

    def parse_or(self) -> _Node:
        left = self.parse_and()
        while self.at_op("or"):
            self.advance()
            left = _Node(_binary("or", left.fn, self.parse_and().fn), left.start)
        return left

    def parse_and(self) -> _Node:
        left = self.parse_equality()
        while self.at_op("and"):
            self.advance()
            left = _Node(_binary("and", left.fn, self.parse_equality().fn), left.start)
        return left

    def parse_equality(self) -> _Node:
        left = self.parse_relational()
        while self.at_op("=", "!="):
            op = self.advance().text
            right = self.parse_relational()
            left = _Node(_comparison(op, left.fn, right.fn), left.start)
        return left

    def parse_relational(self) -> _Node:
        left = self.parse_additive()
        while self.at_op("<", "<=", ">", ">="):
            op = self.advance().text
            right = self.parse_additive()
            left = _Node(_comparison(op, left.fn, right.fn), left.start)
        return left

    def parse_additive(self) -> _Node:
        left = self.parse_multiplicative()
        while self.at_op("+", "-"):
            op = self.advance().text
            left = _Node(_binary(op, left.fn, self.parse_multiplicative().fn), left.start)
        return left

    def parse_multiplicative(self) -> _Node:
        left = self.parse_unary()
        while self.at_op("*", "div", "mod"):
            op = self.advance().text
            left = _Node(_binary(op, left.fn, self.parse_unary().fn), left.start)
        return left

    def parse_unary(self) -> _Node:
        if self.at_op("-"):
            minus = self.advance()
            self.enter(minus)
            operand = self.parse_unary()
            self.depth -= 1
            f = operand.fn
            if operand.is_literal and isinstance(operand.literal, float):
                value = -operand.literal
                return _Node(_constant(value), minus.pos, literal=value, is_literal=True)
            return _Node(lambda c: -as_number(f(c)), minus.pos)
        return self.parse_union()

    def parse_union(self) -> _Node:
        node = self.parse_path()
        if self.at_op("|"):
            raise self.error("the union operator '|' is not supported", self.peek().pos)
        return node

    def parse_path(self) -> _Node:
        node = self.parse_filter()
        token = self.peek()
        if token.kind in ("/", "//"):
            raise self.error(
                f"paths with '{token.text}' are not supported: refer to a question as ${{name}}",
                token.pos,
            )
        return node

    def parse_filter(self) -> _Node:
        node = self.parse_primary()
        while self.peek().kind == "[":
            opening = self.advance()
            self.enter(opening)
            self.predicate_depth += 1
            if self.peek().kind == "]":
                raise self.error("empty predicate '[]'", opening.pos)
            predicate = self.parse_or()
            self.expect_close("]", opening, "")
            self.predicate_depth -= 1
            self.depth -= 1
            node = _Node(_filter(node.fn, predicate.fn), node.start)
        return node

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error("expression is nested too deeply", token.pos)

    def parse_primary(self) -> _Node:
        token = self.advance()
        kind = token.kind
        if kind == "num":
            value = float(token.text)
            return _Node(_constant(value), token.pos, literal=value, is_literal=True)
        if kind == "str":
            text = token.text
            return _Node(_constant(text), token.pos, literal=text, is_literal=True)
        if kind == "ref":
            name = token.text
            self.references.add(name)
            return _Node(lambda c: c.env.value(name), token.pos, ref=name)
        if kind == "(":
            self.enter(token)
            if self.peek().kind == ")":
                raise self.error("empty parentheses '()'", token.pos)
            inner = self.parse_or()
            self.expect_close(")", token, "")
            self.depth -= 1
            return _Node(inner.fn, token.pos, literal=inner.literal, is_literal=inner.is_literal)
        if kind == ".":
            self.note_current()
            return _Node(lambda c: c.current(), token.pos)
        if kind == "..":
            raise self.error(
                "'..' is only supported as position(..): refer to a question as ${name}",
                token.pos,
            )
        if kind == "name":
            if self.peek().kind == "(":
                return self.parse_call(token)
            column = token.text
            self.columns.add(column)
            return _Node(lambda c: c.env.choice_column(column), token.pos)
        if kind == "@":
            raise self.error("attributes ('@') are not supported", token.pos)
        if kind in ("/", "//"):
            raise self.error("paths are not supported: refer to a question as ${name}", token.pos)
        if kind == "eof":
            previous = self.tokens[self.i - 2] if self.i >= 2 else None
            after = f" after {previous.text!r}" if previous is not None else ""
            raise self.error(f"expected a value{after}, found the end of the expression", token.pos)
        raise self.error(f"expected a value, found {_describe(token)}", token.pos)

    def parse_call(self, name: _Token) -> _Node:
        function = _FUNCTIONS.get(name.text)
        if function is None:
            raise self.error(_unknown_function_message(name.text), name.pos)
        opening = self.advance()
        if name.text == "position" and [t.kind for t in self.tokens[self.i : self.i + 2]] == [
            "..",
            ")",
        ]:
            self.i += 2  # position(..): the current question's repeat instance
            return _Node(lambda c: c.outer_position(), name.pos)
        self.enter(opening)
        args: list[_Node] = []
        if self.peek().kind not in (")", "eof"):
            args.append(self.parse_or())
            while self.peek().kind == ",":
                self.advance()
                args.append(self.parse_or())
        self.expect_close(")", opening, f"of {name.text}() ")
        self.depth -= 1
        count = len(args)
        if count < function.min_args or (
            function.max_args is not None and count > function.max_args
        ):
            raise self.error(_arity_message(name.text, function, count), name.pos)
        if function.uses_now:
            self.uses_now = True
        return _Node(function.build(self, args, name), name.pos)


def _arity_message(name: str, function: _Function, count: int) -> str:
    low, high = function.min_args, function.max_args

    def arguments(n: int) -> str:
        return f"{n} argument" + ("" if n == 1 else "s")

    if high is None:
        wanted = f"at least {arguments(low)}"
    elif low == high:
        wanted = arguments(low) if low else "no arguments"
    else:
        wanted = f"{low} to {arguments(high)}"
    return f"{name}() takes {wanted}, not {count}"


def _unknown_function_message(name: str) -> str:
    if name in _UNSUPPORTED:
        return f"function {name}() is not supported in this app's forms"
    message = f"unknown function {name}()"
    close = difflib.get_close_matches(name, list(_FUNCTIONS), n=1)
    if close:
        message += f" (did you mean {close[0]}()?)"
    return message


def _comparison(op: str, lf: _Fn, rf: _Fn) -> _Fn:
    if op in ("=", "!="):
        negate = op == "!="

        def equality(c: _Ctx) -> Value:
            a = lf(c)
            b = rf(c)
            if isinstance(a, list) or isinstance(b, list):
                return _compare(op, a, b)
            return _equal(a, b) != negate

        return equality
    relation = _RELATIONS[op]

    def relational(c: _Ctx) -> Value:
        a = lf(c)
        b = rf(c)
        if isinstance(a, list) or isinstance(b, list):
            return _compare(op, a, b)
        return relation(as_number(a), as_number(b))

    return relational


def _filter(base: _Fn, predicate: _Fn) -> _Fn:
    def filtered(c: _Ctx) -> Value:
        members = _members(base(c))
        kept: list[Value] = []
        for position, member in enumerate(members, start=1):
            test = predicate(_MemberCtx(c.env, member, position))
            if isinstance(test, int | float) and not isinstance(test, bool):
                if test == position:
                    kept.append(member)
            elif as_boolean(test):
                kept.append(member)
        return kept

    return filtered


# --------------------------------------------------------------------------------------
# The public face


class Expression:
    """A parsed expression: what it reads, and :meth:`evaluate`.

    ``references`` holds every ``${name}`` it reads (in predicates and arguments too),
    ``columns`` every bare name (choice columns in a choice_filter; elsewhere a sign of
    a mistake such as an unquoted ``selected(${q}, yes)``), ``uses_current`` whether it
    reads ``.`` (outside predicates, or through ``once()``/``string()``), ``uses_now``
    whether it calls today()/now()/random()/uuid() and so must not be cached.
    """

    __slots__ = ("_fn", "columns", "references", "text", "uses_current", "uses_now")

    def __init__(
        self,
        text: str,
        fn: _Fn,
        references: frozenset[str],
        columns: frozenset[str],
        uses_current: bool,
        uses_now: bool,
    ) -> None:
        self.text = text
        self._fn = fn
        self.references = references
        self.columns = columns
        self.uses_current = uses_current
        self.uses_now = uses_now

    def evaluate(self, env: Environment) -> Value:
        """The expression's value (never raises for bad data; see the module doc)."""
        return self._fn(_Ctx(env))

    def __repr__(self) -> str:
        return f"Expression({self.text!r})"


@functools.lru_cache(maxsize=4096)
def _parse_cached(text: str) -> Expression:
    parser = _Parser(text)
    try:
        node = parser.parse()
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise ExpressionError("expression is nested too deeply", 0, text) from None
    return Expression(
        text,
        node.fn,
        frozenset(parser.references),
        frozenset(parser.columns),
        parser.uses_current,
        parser.uses_now,
    )


def parse(text: str) -> Expression:
    """Parse an expression once (cached by text); raises :class:`ExpressionError`."""
    return _parse_cached(text)


_YES = frozenset({"yes", "true", "true()"})
_NO = frozenset({"no", "false", "false()", ""})


def parse_required(text: str) -> Expression:
    """The ``required`` column: ``yes``/``no`` (also ``true``/``false``, any case, or
    blank for no) or an expression."""
    word = text.strip().lower()
    if word in _YES:
        return parse("true()")
    if word in _NO:
        return parse("false()")
    return parse(text)


_STATIC_TYPES_WITH_HYPHENS = frozenset({"date", "dateTime", "geopoint", "geotrace", "geoshape"})


def is_dynamic_default(text: str, question_type: str | None = None) -> bool:
    """Whether a ``default`` is an expression to evaluate rather than a literal value,
    by pyxform's rule: it has a ``${}`` reference, a function call, a predicate or an
    arithmetic operator (a ``-`` does not count for dates and geo types)."""
    if not text:
        return False
    try:
        tokens = _tokenize(text)
    except ExpressionError:
        return False
    hyphen_is_static = question_type in _STATIC_TYPES_WITH_HYPHENS
    for index, token in enumerate(tokens):
        if token.kind in ("ref", "[", "|"):
            return True
        if token.kind == "name" and tokens[index + 1].kind == "(":
            return True
        if token.kind == "op" and token.text in ("+", "-", "*", "div", "mod"):
            if token.text == "-" and hyphen_is_static:
                continue
            return True
    return False


def parse_default(text: str, question_type: str | None = None) -> Expression:
    """The ``default`` column: an expression when :func:`is_dynamic_default`, else the
    literal text itself (``yes`` is the choice ``yes``, not a name)."""
    if is_dynamic_default(text, question_type):
        return parse(text)
    return Expression(text, _constant(text), frozenset(), frozenset(), False, False)
