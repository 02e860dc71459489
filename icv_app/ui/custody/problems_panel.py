"""The summary of what is still wrong with a report; Enter on a line goes to its field."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from icv_app.domain.custody.validation import Problem, Severity
from icv_app.kinds.custody import VISIT
from icv_app.ui.shared.field_cell import ERROR_COLOUR, WARNING_COLOUR

PATH_ROLE = Qt.ItemDataRole.UserRole + 1


def where(path: str) -> str:
    """A person's name for a field, from the visit's field catalogue: "Detainee 2 ›
    Custody record number", "Conditions › Heating › Note"."""
    return VISIT.describe(path)


class ProblemsPanel(QWidget):
    """Signals:
    go_to(str): the user asked to go to the field with this path.
    """

    go_to = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Problems to fix before submitting")
        self.list.setWordWrap(True)
        self.list.setSpacing(3)
        self.list.itemActivated.connect(lambda item: self.go_to.emit(item.data(PATH_ROLE)))
        caption = QLabel("&Problems")
        caption.setBuddy(self.list)
        caption.setStyleSheet("font-weight: bold")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(caption)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        self.problems: list[Problem] = []

    def set_problems(self, problems: list[Problem], submitted: bool = False) -> None:
        self.problems = list(problems)
        errors = sum(p.severity is Severity.ERROR for p in problems)
        warnings = len(problems) - errors
        if submitted:
            self.summary.setText("Submitted: the report is read-only.")
        elif not problems:
            self.summary.setText("Nothing to fix: the report can be submitted.")
        else:
            parts = []
            if errors:
                parts.append(f"{errors} to fix before submitting")
            if warnings:
                parts.append(f"{warnings} to check")
            self.summary.setText(", ".join(parts) + ". Press Enter on one to go to it.")
        self.list.clear()
        for p in problems:
            # Said in words as well as in colour: "To fix" blocks submitting, "To check"
            # does not.
            word = "To fix" if p.severity is Severity.ERROR else "To check"
            item = QListWidgetItem(f"{word} · {where(p.field)}: {p.message}")
            item.setData(PATH_ROLE, p.field)
            colour = ERROR_COLOUR if p.severity is Severity.ERROR else WARNING_COLOUR
            item.setForeground(QBrush(QColor(colour)))
            self.list.addItem(item)
