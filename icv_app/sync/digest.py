"""The post-sync check's digest, shared by the server and the laptop.

Kept free of pydantic and HTTP so the local store can use it without loading the wire
models.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def scope_digest(records: Iterable[tuple[str, str, int]]) -> str:
    """sha256 hex of the sorted ``type:id:rev`` lines, joined by newlines.

    Both sides compute it over the non-deleted records in scope: the server over what it
    stores, the client over its copies as the server last acknowledged them (``base_rev``).
    The empty set's digest is sha256 of the empty string.
    """
    lines = sorted(f"{t}:{i}:{r}" for t, i, r in records)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()
