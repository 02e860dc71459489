"""The visitors on a visit: one row per visitor (who, in what role), added and removed
with the keyboard."""

from __future__ import annotations

import itertools

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import VisitorOnVisit, VisitorRole
from icv_app.ui.shared.input_widgets import ChoiceCombo, EnumCombo


class VisitorsEditor(QWidget):
    """Edits a list of :class:`VisitorOnVisit` in place.

    Signals:
        changed(): a visitor was added, removed or changed.
    """

    changed = Signal()

    def __init__(self, reference: ReferenceData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reference = reference
        self.visitors: list[VisitorOnVisit] = []
        self.anchor: QWidget | None = None  # the input before this one in the tab order
        self.read_only = False
        self.rows: list[tuple[ChoiceCombo, EnumCombo, QPushButton]] = []

        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setColumnStretch(0, 3)
        self._grid.setColumnStretch(1, 2)
        self.add_button = QPushButton("Add vi&sitor")
        self.add_button.setAccessibleName("Add visitor")
        self.add_button.clicked.connect(self.add_visitor)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._grid)
        layout.addLayout(buttons)
        self.setFocusProxy(self.add_button)

    def _choices(self) -> list[tuple[str, str]]:
        known = [(v.name + (" (trainee)" if v.trainee else ""), v.id)
                 for v in self.reference.visitors if v.active]
        ids = {vid for _, vid in known}
        # A visitor no longer active still shows on the reports they were on.
        extra = [(self.reference.visitor_name(v.visitor_id), v.visitor_id)
                 for v in self.visitors if v.visitor_id not in ids]
        return known + extra

    def set_visitors(self, visitors: list[VisitorOnVisit]) -> None:
        self.visitors = visitors
        self._rebuild()

    def add_visitor(self) -> None:
        if self.read_only:
            return
        used = {v.visitor_id for v in self.visitors}
        free = [vid for _, vid in self._choices() if vid not in used]
        first_free = free[0] if free else ""
        role = VisitorRole.VISITOR
        info = self.reference.visitor(first_free)
        if info is not None and info.trainee:
            role = VisitorRole.TRAINEE
        self.visitors.append(VisitorOnVisit(first_free, role))
        self._rebuild()
        self.rows[-1][0].setFocus()
        self.changed.emit()

    def remove_visitor(self, index: int) -> None:
        if self.read_only or not 0 <= index < len(self.visitors):
            return
        del self.visitors[index]
        self._rebuild()
        target = self.rows[min(index, len(self.rows) - 1)][0] if self.rows else self.add_button
        target.setFocus()
        self.changed.emit()

    def set_read_only(self, read_only: bool) -> None:
        self.read_only = read_only
        self.add_button.setEnabled(not read_only)
        for who, role, remove in self.rows:
            who.setEnabled(not read_only)
            role.setEnabled(not read_only)
            remove.setEnabled(not read_only)

    def _rebuild(self) -> None:
        for row in self.rows:
            for widget in row:
                self._grid.removeWidget(widget)
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        self.rows = []
        choices = self._choices()
        for i, visitor in enumerate(self.visitors):
            who = ChoiceCombo(choices)
            who.set_value(visitor.visitor_id)
            who.setAccessibleName(f"Visitor {i + 1}")
            role = EnumCombo(list(VisitorRole))
            role.set_value(visitor.role)
            role.setAccessibleName(f"Role of visitor {i + 1}")
            remove = QPushButton("Remove")
            remove.setAccessibleName(f"Remove visitor {i + 1}")
            who.value_changed.connect(lambda value, i=i: self._set(i, "visitor_id", value))
            role.value_changed.connect(lambda value, i=i: self._set(i, "role", value))
            remove.clicked.connect(lambda _=False, i=i: self.remove_visitor(i))
            self._grid.addWidget(who, i, 0)
            self._grid.addWidget(role, i, 1)
            self._grid.addWidget(remove, i, 2)
            self.rows.append((who, role, remove))
            for widget in (who, role, remove):
                widget.show()  # now, not when the layout gets round to it: focus needs it
        self.set_read_only(self.read_only)
        self._fix_tab_order()

    def _fix_tab_order(self) -> None:
        # New rows join the end of the window's focus chain; put them back in place.
        chain: list[QWidget] = [w for row in self.rows for w in row] + [self.add_button]
        if self.anchor is not None and self.anchor.window() is self.window():
            chain.insert(0, self.anchor)
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _set(self, index: int, attr: str, value: object) -> None:
        if self.read_only or not 0 <= index < len(self.visitors):
            return
        setattr(self.visitors[index], attr, value)
        self.changed.emit()
