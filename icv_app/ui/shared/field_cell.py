"""An input together with the messages about its field, shown right below it."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from icv_app.domain.custody.validation import Problem, Severity

ERROR_COLOUR = "#b3261e"
WARNING_COLOUR = "#8a5300"


class FieldCell(QWidget):
    """Wraps one input: a frame that turns red (amber for warnings) around it, and a
    label under it with the validation messages for its field path. The messages also
    become the input's tooltip and accessible description, for screen readers."""

    def __init__(self, widget: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widget = widget
        self._problems: list[Problem] = []
        self._local = ""
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

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(row)
        layout.addWidget(self.message)

        format_problem = getattr(widget, "format_problem", None)
        if format_problem is not None:
            format_problem.connect(self.set_local_problem)

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

    def set_local_problem(self, message: str) -> None:
        """A problem only the widget knows about (e.g. text that is not a time)."""
        if message != self._local:
            self._local = message
            self._refresh()

    def _refresh(self) -> None:
        messages = ([self._local] if self._local else []) + [p.message for p in self._problems]
        if not messages:
            self.message.hide()
            self.message.clear()
            self._mark(None)
            self.widget.setToolTip("")
            self.widget.setAccessibleDescription("")
            return
        is_error = bool(self._local) or any(
            p.severity is Severity.ERROR for p in self._problems
        )
        colour = ERROR_COLOUR if is_error else WARNING_COLOUR
        text = "\n".join(messages)
        self.message.setText(text)
        self.message.setStyleSheet(f"QLabel#fieldMessage {{ color: {colour}; }}")
        self.message.show()
        self._mark(colour)
        self.widget.setToolTip(text)
        self.widget.setAccessibleDescription(text)

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
