"""An input together with the messages about its field, shown right below it."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from icv_app.domain.custody.validation import Problem, Severity

ERROR_COLOUR = "#b3261e"
WARNING_COLOUR = "#8a5300"
NOTE_COLOUR = "#1a4f8b"


class FieldCell(QWidget):
    """Wraps one input: a frame that turns red (amber for warnings) around it, and a
    label under it with the validation messages for its field path. The messages also
    become the input's tooltip and accessible description, for screen readers."""

    def __init__(self, widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = widget
        self._problems: list[Problem] = []
        self._marked: str | None = None

        self.marker = QFrame(self)
        self.marker.setObjectName("fieldMarker")
        inner = QHBoxLayout(self.marker)
        inner.setContentsMargins(2, 2, 2, 2)
        inner.addWidget(widget)

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.marker)
        if widget.maximumWidth() < 1000:
            row.addStretch(1)

        self.message = QLabel(self)
        self.message.setObjectName("fieldMessage")
        self.message.setWordWrap(True)
        self.message.setContentsMargins(4, 0, 0, 0)
        self.message.hide()
        # A correction made by amendment: the original value and the reason, beside it.
        self.note = QLabel(self)
        self.note.setObjectName("fieldNote")
        self.note.setWordWrap(True)
        self.note.setContentsMargins(4, 0, 0, 0)
        self.note.setStyleSheet(f"QLabel#fieldNote {{ color: {NOTE_COLOUR}; }}")
        self.note.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.note)

    @property
    def problems(self) -> list[Problem]:
        return list(self._problems)

    def message_text(self) -> str:
        return self.message.text() if not self.message.isHidden() else ""

    def set_problems(self, problems: list[Problem]) -> None:
        if problems == self._problems:
            return
        self._problems = list(problems)
        self._refresh()

    def note_text(self) -> str:
        return self.note.text() if not self.note.isHidden() else ""

    def set_note(self, text: str) -> None:
        """A line under the input that is not a problem (e.g. "Corrected from 13:00 on 3
        Dec 2026: typo")."""
        if text == self.note_text():
            return
        self.note.setText(text)
        self.note.setVisible(bool(text))
        self._describe()

    def _describe(self) -> None:
        parts = [self.message_text(), self.note_text()]
        text = "\n".join(p for p in parts if p)
        target = self.widget.focusProxy() or self.widget  # the input inside a row
        target.setToolTip(text)
        target.setAccessibleDescription(text)

    def _refresh(self) -> None:
        messages = [p.message for p in self._problems]
        if not messages:
            self.message.hide()
            self.message.clear()
            self._mark(None)
            self._describe()
            return
        is_error = any(p.severity is Severity.ERROR for p in self._problems)
        colour = ERROR_COLOUR if is_error else WARNING_COLOUR
        text = "\n".join(messages)
        self.message.setText(text)
        self.message.setStyleSheet(f"QLabel#fieldMessage {{ color: {colour}; }}")
        self.message.show()
        self._mark(colour)
        self._describe()

    def _mark(self, colour: str | None) -> None:
        if colour == self._marked:
            return
        self._marked = colour
        if colour is None:
            self.marker.setStyleSheet("")
        else:
            self.marker.setStyleSheet(
                f"QFrame#fieldMarker {{ border: 2px solid {colour}; border-radius: 3px; }}"
            )
