"""A short reference a person can read out, per report: ``NS-26-7K3Q-F2M9``.

The scheme's prefix, the two-digit year of the visit, and eight characters of Crockford's
base 32 (no I, L, O or U: nothing to misread) taken from the report's id. The id is made
on the laptop where the report is made, so the reference needs no server and no counter
shared between laptops: two laptops offline never hand out the same one. Forty bits of a
random id make a clash between two reports of one scheme's year a one-in-a-million chance
(about 1,500 visits a year); the full id stays on every document beside it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BITS = 40


def id_code(record_id: str) -> str:
    """Eight characters from the first 40 bits of a UUID (``7K3QF2M9``); an id that is
    not a UUID gives the first 40 bits of its SHA-256 (all of it counts, so ``visit-1``
    and ``visit-2`` differ)."""
    try:
        value = uuid.UUID(record_id).int >> (128 - _BITS)
    except ValueError:
        digest = hashlib.sha256(record_id.encode("utf-8")).digest()
        value = int.from_bytes(digest[: _BITS // 8], "big")
    chars = []
    for _ in range(_BITS // 5):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def report_reference(record_id: str, when: dt.date | None, prefix: str) -> str:
    """``{prefix}-{yy}-{XXXX}-{XXXX}``; ``when`` is the visit's date (or, with none yet,
    the day the report was made)."""
    code = id_code(record_id)
    year = f"{when.year % 100:02d}" if when else "00"
    return f"{prefix}-{year}-{code[:4]}-{code[4:]}"


# "NS-26-7K3Q-F2M9", "7K3Q-F2M9" or "7k3qf2m9" with its prefix: Crockford's base 32.
_REFERENCE = re.compile(r"^(?:[A-Z]{1,10}-\d{2}-)?([0-9A-Z]{4})-?([0-9A-Z]{4})$")
_MISREAD = str.maketrans({"O": "0", "I": "1", "L": "1"})


def reference_id_prefix(text: str) -> str | None:
    """The start of the id (``7c3e1f2a-4b``) of the report whose short reference is
    ``text`` (the first 40 bits of its UUID), or None if ``text`` is not a reference.
    A bare eight characters count only with a digit and a letter among them (a word of
    issue text or a number is searched for as text)."""
    compact = text.strip().upper()
    found = _REFERENCE.match(compact)
    if found is None:
        return None
    code = found[1] + found[2]
    if "-" not in compact and not (re.search(r"\d", code) and re.search(r"[A-Z]", code)):
        return None
    code = code.translate(_MISREAD)
    if "U" in code:
        return None
    value = 0
    for char in code:
        value = value * 32 + _CROCKFORD.index(char)
    digits = f"{value:010x}"
    return f"{digits[:8]}-{digits[8:]}"
