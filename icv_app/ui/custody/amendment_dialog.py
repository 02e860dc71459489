"""Adding an amendment to a submitted report: why, and the corrected text."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import VisitReport
from icv_app.ui.shared.input_widgets import ChoiceCombo


class AmendmentDialog(QDialog):
    """OK is enabled once both a reason and the corrected text are given."""

    def __init__(
        self, report: VisitReport, reference: ReferenceData, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add amendment")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The submitted report stays as it was; this correction is kept with it and "
            "shown wherever the report is."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        layout.addLayout(form)
        self.author = ChoiceCombo(
            [(reference.visitor_name(v.visitor_id), v.visitor_id) for v in report.header.visitors]
            + [("Not recorded", "")]
        )
        self.author.setAccessibleName("Amendment by")
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the amendment")
        self.reason.setPlaceholderText("Why the report needs correcting")
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setAccessibleName("Corrected text")
        self.text.setPlaceholderText("What the report should say")
        for caption, widget in (
            ("&Reason:", self.reason),
            ("&Corrected text:", self.text),
            ("Amendment &by:", self.author),
        ):
            label = QLabel(caption)
            label.setBuddy(widget)
            form.addRow(label, widget)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Add amendment")
        self.ok_button.setAccessibleName("Add amendment")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.ok_button.setDefault(True)
        self.reason.textChanged.connect(self._update)
        self.text.textChanged.connect(self._update)
        self.setMinimumWidth(480)
        self._update()

    def _update(self) -> None:
        self.ok_button.setEnabled(
            bool(self.reason.text().strip()) and bool(self.text.toPlainText().strip())
        )

    def values(self) -> tuple[str, str, str]:
        """(reason, corrected text, author id)."""
        return self.reason.text().strip(), self.text.toPlainText().strip(), self.author.value()
