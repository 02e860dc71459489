"""The scheme's one promise: a detainee is recorded by custody record number, never by name.

:func:`check_custody_number` says whether typed text may be stored as a custody record
number. It refuses, with a message that says why, text that holds a name, a date of
birth or an address (whatever else it holds), and text that does not match the scheme's
pattern for custody numbers. The form keeps refused text only in memory, beside the
message; it is never saved or synced, and the server refuses it too.

The default pattern fits numbers like ``01NS/0421/26``: two digits (the force), two to
four letters (the suite), a running number, a two-digit year. A scheme sets its own
(``custody_number_pattern``): a regular expression matched against the whole number after
it is upper-cased and spaces around slashes are removed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

DEFAULT_PATTERN = r"\d{2}[A-Z]{2,4}/\d{1,6}/\d{2}"
EXAMPLE = "01NS/0421/26"
MAX_PATTERN_CHARS = 200

# A date of birth: "DOB", "born", "d.o.b", or a full date (12/03/1990, 1990-03-12, 12 Mar 90).
_DOB = re.compile(
    r"\b(d\.?\s*o\.?\s*b\.?|born|birth|aged)\b"
    r"|\b\d{1,2}[/.\-]\d{1,2}[/.\-](19|20)?\d{2}\b"
    r"|\b(19|20)\d{2}[/.\-]\d{1,2}[/.\-]\d{1,2}\b"
    r"|\b\d{1,2}(st|nd|rd|th)?\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b",
    re.IGNORECASE,
)
# An address: a street word, a flat or house, or a UK postcode.
_ADDRESS = re.compile(
    r"\b(road|rd|street|st|lane|ln|avenue|ave|close|drive|dr|way|crescent|court|ct|place|"
    r"terrace|gardens|grove|square|flat|house|cottage|estate|apartment|apt)\b"
    r"|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b",
    re.IGNORECASE,
)
# Letters that a custody number never has: a word of three or more letters standing
# alone (a part between slashes is a suite or force code, as in ``ABC/12345/26``), five
# letters in a row anywhere, or two words of letters (initials and a surname: "J Smith").
_WORD = re.compile(r"(?<![\w/])[^\W\d_]{3,}(?![\w/])|[^\W\d_]{5,}")
_TWO_WORDS = re.compile(r"\b[^\W\d_]+\b\s+\b[^\W\d_]+\b")
_AROUND_SLASH = re.compile(r"\s*/\s*")


@dataclass(frozen=True)
class CustodyNumberCheck:
    """``value``: what to store (normalised), or None when refused; ``message`` says why."""

    value: str | None
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.value is not None


def normalise(text: str) -> str:
    """Upper case, no spaces around slashes or at the ends: ``01ns / 0421/26`` ->
    ``01NS/0421/26``."""
    return _AROUND_SLASH.sub("/", text.strip()).upper()


@functools.lru_cache(maxsize=16)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The scheme's pattern, compiled; raises ValueError with a plain message when it is
    not a usable regular expression."""
    if not pattern or len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"A custody number pattern has 1 to {MAX_PATTERN_CHARS} characters.")
    try:
        # ASCII: \d is 0-9 only, so a look-alike digit from another script never passes.
        return re.compile(pattern, re.ASCII)
    except re.error as exc:
        raise ValueError(f"The custody number pattern is not a valid expression: {exc}.") from exc


def looks_personal(text: str) -> str:
    """Why ``text`` looks like it holds a name, a date of birth or an address ("" if not).
    Independent of any scheme's pattern, so the server can refuse it from any client."""
    if _DOB.search(text):
        return (
            "This looks like a date of birth. Record the custody record number only: "
            "never a name, date of birth or address."
        )
    if _ADDRESS.search(text):
        return (
            "This looks like an address. Record the custody record number only: "
            "never a name, date of birth or address."
        )
    if _WORD.search(text) or _TWO_WORDS.search(text):
        return (
            "This looks like a name. Record the custody record number only "
            f"(e.g. {EXAMPLE}): never a name."
        )
    return ""


def check_custody_number(text: str, pattern: str = DEFAULT_PATTERN) -> CustodyNumberCheck:
    """May ``text`` be stored as a custody record number under the scheme's ``pattern``?
    Blank text is stored as blank (whether one is needed is checked elsewhere)."""
    if not text.strip():
        return CustodyNumberCheck("")
    personal = looks_personal(text)
    if personal:
        return CustodyNumberCheck(None, personal)
    value = normalise(text)
    try:
        compiled = compile_pattern(pattern)
    except ValueError:
        compiled = compile_pattern(DEFAULT_PATTERN)
    if not compiled.fullmatch(value):
        return CustodyNumberCheck(
            None,
            f"This is not a custody record number of this scheme (like {EXAMPLE}); "
            "check it against the custody record.",
        )
    return CustodyNumberCheck(value)
