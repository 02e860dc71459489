"""The local store's change announcements as a Qt signal, delivered on the UI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from icv_app.store.changes import ChangeHub, StoreChange


class StoreEvents(QObject):
    """Re-emits every :class:`~icv_app.store.changes.StoreChange` of a store.

    The hub calls in on the writer thread; a signal emitted there reaches receivers that
    live on the UI thread queued, so slots may touch widgets.

    Signals:
        changed(object): a StoreChange, after its transaction committed.
    """

    changed = Signal(object)

    def __init__(self, hub: ChangeHub, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._unsubscribe = hub.subscribe(self._on_change)
        self.destroyed.connect(lambda *_: self._unsubscribe())

    def _on_change(self, change: StoreChange) -> None:
        self.changed.emit(change)

    def close(self) -> None:
        self._unsubscribe()
