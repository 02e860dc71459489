"""A read-only table over plain rows: a heading and a formatter per column."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
_TEXT_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)


class RowsModel(QAbstractTableModel, Generic[R]):
    """Rows shown as ``columns`` say: (heading, the row's text in that column). Rows are
    formatted only when painted, so thousands cost nothing to list. ``key`` names a row
    for :meth:`row_of` (selecting it again after a refresh)."""

    def __init__(
        self,
        columns: Sequence[tuple[str, Callable[[R], str]]],
        key: Callable[[R], str] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.key = key
        self.rows: list[R] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section][0]
        return None

    def text(self, row: int, column: int) -> str:
        return self.columns[column][1](self.rows[row])

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in _TEXT_ROLES:
            return None
        return self.text(index.row(), index.column())

    def row_of(self, key: str) -> int:
        """The row whose key is ``key`` (-1: none)."""
        assert self.key is not None, "a model without a key finds no row by it"
        return next((i for i, r in enumerate(self.rows) if self.key(r) == key), -1)
