"""The review of one sampled record: the checklist (each question yes, no, not applicable
or not answered yet), the outcome, notes, and the problems :func:`validate` finds."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.dip_sample import CHECKLIST, ChecklistItem, ReviewOutcome, SampledItem
from icv_app.domain.custody.record_review import Answer
from icv_app.domain.custody.validation import Problem, Severity
from icv_app.ui.shared.field_cell import ERROR_COLOUR, WARNING_COLOUR
from icv_app.ui.shared.input_widgets import ChoiceCombo, EnumCombo

if TYPE_CHECKING:
    import datetime as dt

ANSWERS: tuple[tuple[str, Answer | None], ...] = (
    ("Not answered", None),
    ("Yes", Answer.YES),
    ("No", Answer.NO),
    ("Not applicable", Answer.NOT_APPLICABLE),
)
# One key picks an answer (AnswerCombo).
ANSWER_KEYS: dict[Qt.Key, Answer | None] = {
    Qt.Key.Key_Y: Answer.YES, Qt.Key.Key_N: Answer.NO, Qt.Key.Key_A: Answer.NOT_APPLICABLE,
    Qt.Key.Key_U: None, Qt.Key.Key_Delete: None, Qt.Key.Key_Backspace: None,
}
# Mnemonics: the menu bar holds F, E, V, N and Y; the page's own buttons A, C, R, D, W.
CAPTIONS = {
    ChecklistItem.COMPLETE: "Co&mplete",
    ChecklistItem.LEGIBLE: "&Legible",
    ChecklistItem.ISSUES_FOLLOWED_UP: "&Issues followed up",
    ChecklistItem.TIMINGS_PLAUSIBLE: "&Timings plausible",
    ChecklistItem.NO_PERSONAL_DATA: "No &personal data beyond the custody number",
}


class AnswerCombo(ChoiceCombo):
    """A checklist answer, chosen by one key: Y yes, N no, A not applicable, U (or
    Delete) not answered. Typed letters never add up to a search that finds nothing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(ANSWERS, parent)
        self.setToolTip("Y yes, N no, A not applicable, U not answered")

    def event(self, event: QEvent) -> bool:
        # These keys are this input's (Delete clears the answer), not a window action's.
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and Qt.Key(event.key()) in ANSWER_KEYS
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        plain = not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        key = Qt.Key(event.key())
        if plain and key in ANSWER_KEYS:
            self.set_value(ANSWER_KEYS[key])
            return
        super().keyPressEvent(event)


class ReviewEditor(QWidget):
    """Shows one item (:meth:`show_item`) and writes the person's changes back into it
    (:meth:`apply_to`); the page keeps the item.

    Signals:
        edited(): an answer, the outcome or the notes changed by the person.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName("Sampled record")
        self.open_button = QPushButton("Open &report")
        self.open_button.setAccessibleName("Open the sampled record")

        self.answers: dict[ChecklistItem, ChoiceCombo] = {}
        checklist = QGroupBox("Checklist")
        rows = QFormLayout(checklist)
        for question in CHECKLIST:
            combo = AnswerCombo()
            combo.setAccessibleName(question.label)
            combo.value_changed.connect(lambda _v: self._changed())
            label = QLabel(CAPTIONS[question])
            label.setBuddy(combo)
            rows.addRow(label, combo)
            self.answers[question] = combo
        self.outcome = EnumCombo(list(ReviewOutcome))
        self.outcome.setAccessibleName("Outcome")
        self.outcome.value_changed.connect(lambda _v: self._changed())
        self.notes = QPlainTextEdit()
        self.notes.setAccessibleName("Notes")
        self.notes.setTabChangesFocus(True)
        self.notes.setPlaceholderText("What was found; required for any concerns")
        self.notes.setMinimumHeight(70)
        self.notes.textChanged.connect(self._changed)
        outcome_label = QLabel("&Outcome:")
        outcome_label.setBuddy(self.outcome)
        notes_label = QLabel("Note&s:")
        notes_label.setBuddy(self.notes)
        self.reviewed_by = QLabel()
        self.reviewed_by.setAccessibleName("Reviewed by")
        self.messages = QLabel()
        self.messages.setWordWrap(True)
        self.messages.setAccessibleName("Problems with this review")
        self.save_button = QPushButton("Save revie&ws")
        self.save_button.setAccessibleName("Save reviews")
        self.save_button.setToolTip("Save every review changed in this sample (Ctrl+S)")

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.open_button)
        outcome_row = QHBoxLayout()
        outcome_row.addWidget(outcome_label)
        outcome_row.addWidget(self.outcome)
        outcome_row.addStretch(1)
        outcome_row.addWidget(self.reviewed_by)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(checklist)
        layout.addLayout(outcome_row)
        layout.addWidget(notes_label)
        layout.addWidget(self.notes, 1)
        layout.addWidget(self.messages)
        layout.addLayout(save_row)

    def _changed(self) -> None:
        if not self._loading:
            self.edited.emit()

    def set_open_text(self, text: str) -> None:
        self.open_button.setText(text)

    def show_item(self, item: SampledItem | None, heading: str) -> None:
        """Show ``item`` (None: nothing to review, the editor is disabled)."""
        self._loading = True
        try:
            self.heading.setText(heading)
            for question, combo in self.answers.items():
                combo.set_value(item.answers.get(question) if item else None)
            self.outcome.set_value(item.outcome if item else ReviewOutcome.NOT_REVIEWED)
            # A letter typed for this record starts a new search ("S" finds Satisfactory),
            # not one added to the letter typed for the last record a moment ago.
            self.outcome.view().keyboardSearch("")
            notes = item.notes if item else ""
            if self.notes.toPlainText() != notes:
                self.notes.setPlainText(notes)
        finally:
            self._loading = False
        for widget in (*self.answers.values(), self.outcome, self.notes, self.open_button):
            widget.setEnabled(item is not None)

    def show_reviewer(self, who: str, when: dt.datetime | None, local_day: str) -> None:
        self.reviewed_by.setText(f"Reviewed by {who or 'someone'} on {local_day}"
                                 if when else "")

    def apply_to(self, item: SampledItem) -> None:
        item.answers = {q: combo.value() for q, combo in self.answers.items()}
        item.outcome = self.outcome.value()
        item.notes = self.notes.toPlainText()

    def show_problems(self, problems: list[Problem], unsaved: bool) -> None:
        lines = []
        for problem in problems:
            colour = ERROR_COLOUR if problem.severity is Severity.ERROR else WARNING_COLOUR
            lines.append(f"<span style='color:{colour}'>{html.escape(problem.message)}</span>")
        if unsaved:
            lines.append("Not saved yet: Ctrl+S saves the reviews changed in this sample.")
        self.messages.setText("<br>".join(lines))
        self.messages.setVisible(bool(lines))
