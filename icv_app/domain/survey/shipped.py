"""The instruments that ship with the app (``resources/survey``): the perception survey,
the strategy consultation and the survivor consultation."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def shipped_forms() -> dict[str, Path]:
    """The shipped instruments by file stem (their form_id)."""
    folder = resources.files("icv_app.resources").joinpath("survey")
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir()
            if str(p).endswith(".xlsx")}
