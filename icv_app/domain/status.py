"""Labelled enums, and the status of a visit report.

Kept apart from :mod:`icv_app.domain.custody.visit` so that the visits list (the first window)
does not pay for building every enum and dataclass of the full report.
"""

from __future__ import annotations

from enum import Enum
from typing import Self


class LabelledEnum(str, Enum):
    """A string enum whose members carry a human label as their second value."""

    label: str

    def __new__(cls, value: str, label: str) -> LabelledEnum:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    def __str__(self) -> str:
        return self.label

    @classmethod
    def from_value(cls, value: str) -> Self:
        """The member for a stored value (the constructor's signature takes a label too)."""
        return cls._value2member_map_[value]  # type: ignore[return-value]


class VisitStatus(LabelledEnum):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
