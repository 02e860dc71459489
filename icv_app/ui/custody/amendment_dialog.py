"""Adding an amendment to a submitted report: the field it corrects and the corrected
value (or a correction in words only), why, and who made it."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.corrections import amendable_paths, check_correction, current_text
from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.custody.visit import VisitReport
from icv_app.kinds.custody import VISIT
from icv_app.ui.shared.field_cell import ERROR_COLOUR
from icv_app.ui.shared.input_widgets import ChoiceCombo

IN_WORDS = ""


@dataclass(frozen=True)
class AmendmentValues:
    reason: str
    text: str
    author_id: str
    field_path: str = ""
    new_value: str = ""


class AmendmentDialog(QDialog):
    """Add is enabled once there is a reason and either a valid corrected value for the
    chosen field or, with no field chosen, the correction in words."""

    def __init__(
        self,
        report: VisitReport,
        reference: ReferenceData,
        parent: QWidget | None = None,
        field_path: str = "",
    ) -> None:
        super().__init__(parent)
        self.report = report
        self.setWindowTitle("Add amendment")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "The submitted report stays as it was; this correction is kept with it and "
            "shown wherever the report is: beside the field it corrects, with the reason."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        layout.addLayout(form)
        choices = [("Nothing in particular: describe the correction in words", IN_WORDS)]
        for path in amendable_paths(report):
            choices.append((f"{VISIT.describe(path)} (now: {current_text(report, path)})", path))
        self.field = ChoiceCombo(choices)
        self.field.setEditable(True)
        self.field.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.field.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.field.setAccessibleName("Field corrected")
        self.field.setMinimumContentsLength(40)
        self.field.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.value = QLineEdit()
        self.value.setAccessibleName("Corrected value")
        self.value_hint = QLabel()
        self.value_hint.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Reason for the amendment")
        self.reason.setPlaceholderText("Why the report needs correcting")
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setAccessibleName("Correction in words")
        self.text.setPlaceholderText("What the report should say")
        self.text.setFixedHeight(80)
        self.author = ChoiceCombo(
            [(reference.visitor_name(v.visitor_id), v.visitor_id) for v in report.header.visitors]
            + [("Not recorded", "")]
        )
        self.author.setAccessibleName("Amendment by")
        for caption, widget in (
            ("&Field corrected:", self.field),
            ("Corrected &value:", self.value),
            ("", self.value_hint),
            ("&Reason:", self.reason),
            ("Correction in &words:", self.text),
            ("Amendment &by:", self.author),
        ):
            label = QLabel(caption)
            if caption:
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
        self.field.value_changed.connect(self._field_chosen)
        self.value.textChanged.connect(self._update)
        self.reason.textChanged.connect(self._update)
        self.text.textChanged.connect(self._update)
        self.setMinimumWidth(560)
        self.field.set_value(field_path if field_path in self.field.values() else IN_WORDS)
        self._field_chosen(self.field.value())
        (self.value if self.field.value() else self.field).setFocus()

    def _field_chosen(self, path: object) -> None:
        chosen = bool(path)
        self.value.setEnabled(chosen)
        if chosen:
            now = current_text(self.report, str(path))
            self.value.setPlaceholderText(f"Now: {now}")
        else:
            self.value.clear()
            self.value.setPlaceholderText("Choose a field above to correct it in place")
        self._update()

    def problem(self) -> str:
        """Why Add is not possible yet ("" when it is)."""
        path = self.field.value() or ""
        if path:
            if not self.value.text().strip():
                return "Enter the corrected value."
            message = check_correction(self.report, path, self.value.text())
            if message:
                return message
        elif not self.text.toPlainText().strip():
            return "Describe the correction in words, or choose the field it corrects."
        if not self.reason.text().strip():
            return "Give the reason for the amendment."
        return ""

    def _update(self) -> None:
        problem = self.problem()
        field_problem = (
            bool(self.field.value())
            and bool(self.value.text().strip())
            and (check_correction(self.report, self.field.value(), self.value.text()) != "")
        )
        self.value_hint.setText(problem if field_problem else "")
        self.value_hint.setStyleSheet(f"color: {ERROR_COLOUR};" if field_problem else "")
        self.ok_button.setEnabled(not problem)
        self.ok_button.setToolTip(problem)

    def values(self) -> AmendmentValues:
        path = self.field.value() or ""
        value = self.value.text().strip() if path else ""
        text = self.text.toPlainText().strip()
        if path and not text:
            text = f"{VISIT.describe(path)}: {current_text(self.report, path)} → {value}"
        return AmendmentValues(
            reason=self.reason.text().strip(),
            text=text,
            author_id=self.author.value(),
            field_path=path,
            new_value=value,
        )
