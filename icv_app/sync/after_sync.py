"""Work that follows a sync, for features beyond the record core (a survey's quota counts,
a closed case's phone number taken off the laptop): each step is registered once, by its
feature, and runs at the end of every sync that pushed, pulled and checked, on the sync
worker's thread, with the sync's own connection.

A step gets the :class:`~icv_app.sync.phases.SyncRun`: ``s.http`` for requests to the
server (as the signed-in account), ``s.account`` (its role) and ``s.db`` to run a function
on the store's writer. A step that fails with a :class:`~icv_app.sync.errors.SyncError`
fails the sync as any phase would (what was pushed and pulled is kept); a step must not
raise anything else for a server that lacks its endpoint (an older server): it should
skip quietly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icv_app.sync.phases import SyncRun

Step = Callable[["SyncRun"], None]
_STEPS: dict[str, Step] = {}


def register(name: str, step: Step) -> None:
    """Run ``step`` after every sync (once per name: registering again replaces it)."""
    _STEPS[name] = step


def unregister(name: str) -> None:
    _STEPS.pop(name, None)


def run_all(s: SyncRun) -> None:
    _load_features()
    for _name, step in sorted(_STEPS.items()):
        step(s)


def _load_features() -> None:
    """Import the features that register steps (each registers on import)."""
    import importlib

    for module in ("icv_app.services.survey.cati_sync", "icv_app.services.survey.quota_sync"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
