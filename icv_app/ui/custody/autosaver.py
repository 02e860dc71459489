"""Saving a draft after every change, and telling the window how the saving is going."""

from __future__ import annotations

from concurrent.futures import Future

from PySide6.QtCore import QObject, Signal

from icv_app.domain.custody.visit import VisitReport
from icv_app.services.custody.visits import VisitService
from icv_app.ui.shared.tasks import when_done


class Autosaver(QObject):
    """Hands each change of a report to the service and follows the save.

    The writer coalesces queued saves of one report, so several changes may share one
    future; the report is on disk when the future of the newest change resolves.

    Signals:
        saving(): a change is queued and not on disk yet.
        saved(): everything changed so far is on disk.
        failed(str): a save failed; the message is fit to show.
        moved(object): the report had changed elsewhere (a sync) and the edits were
            merged onto the newer copy; the SaveOutcome says which fields kept the other
            value. The form should show the stored report again.
    """

    saving = Signal()
    saved = Signal()
    failed = Signal(str)
    moved = Signal(object)

    def __init__(self, service: VisitService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._latest: Future[object] | None = None
        self._watched: set[int] = set()

    @property
    def idle(self) -> bool:
        """True when no change is waiting to reach the disk."""
        return self._latest is None

    def save(self, report: VisitReport) -> None:
        self.track(self._service.autosave(report))

    def track(self, future: Future[object]) -> None:
        """Follow a save started elsewhere (e.g. the first save of a new visit)."""
        was_idle = self._latest is None
        self._latest = future
        if was_idle:
            self.saving.emit()
        if id(future) in self._watched:
            return
        self._watched.add(id(future))
        when_done(
            future,
            self,
            lambda outcome, f=future: self._finished(f, None, outcome),
            lambda exc, f=future: self._finished(f, exc),
        )

    def _finished(
        self, future: Future[object], exc: BaseException | None, outcome: object = None
    ) -> None:
        self._watched.discard(id(future))
        if exc is None and getattr(outcome, "merged", False):
            self.moved.emit(outcome)
        if exc is not None:
            if future is self._latest:
                self._latest = None
            self.failed.emit(f"Not saved: {exc}")
            return
        if future is self._latest:
            self._latest = None
            self.saved.emit()
