"""The conditions of the suite: each item satisfactory, not satisfactory or not checked,
with a note (required when not satisfactory)."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from icv_app.domain.custody.visit import ConditionCheck, ConditionItem, ConditionState
from icv_app.ui.shared.field_cell import FieldCell
from icv_app.ui.shared.form_section import FormSection, scrolling
from icv_app.ui.shared.input_widgets import EnumCombo

STATE_ORDER = [
    ConditionState.NOT_CHECKED,
    ConditionState.SATISFACTORY,
    ConditionState.NOT_SATISFACTORY,
]


class ConditionsSection(FormSection):
    title = "C&onditions"
    prefix_key = "conditions"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.states: dict[ConditionItem, EnumCombo] = {}
        self.notes: dict[ConditionItem, QLineEdit] = {}
        content = QWidget()
        grid = QGridLayout(content)
        grid.setColumnStretch(2, 1)
        grid.setHorizontalSpacing(12)
        for c, heading in enumerate(("Item", "State", "Note")):
            grid.addWidget(QLabel(f"<b>{heading}</b>"), 0, c)
        for r, item in enumerate(ConditionItem, start=1):
            label = QLabel(item.label)
            label.setWordWrap(True)
            state = EnumCombo(STATE_ORDER)
            state.setAccessibleName(f"{item.label}: state")
            self.bind(
                state,
                lambda i=item: self.report.conditions.get(i, ConditionCheck()).state,
                lambda value, i=item: setattr(self.report.condition(i), "state", value),
            )
            label.setBuddy(state)
            note = QLineEdit()
            note.setAccessibleName(f"{item.label}: note")
            note.setPlaceholderText("What was wrong, or what was seen")
            self.bind(
                note,
                lambda i=item: self.report.conditions.get(i, ConditionCheck()).note,
                lambda value, i=item: setattr(self.report.condition(i), "note", value),
            )
            state_cell = FieldCell(state)
            note_cell = FieldCell(note)
            self.cells[f"conditions.{item.value}.state"] = state_cell
            self.cells[f"conditions.{item.value}.note"] = note_cell
            grid.addWidget(label, r, 0)
            grid.addWidget(state_cell, r, 1)
            grid.addWidget(note_cell, r, 2)
            self.states[item] = state
            self.notes[item] = note
        grid.setRowStretch(len(ConditionItem) + 1, 1)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scrolling(self, content))
