"""Dialogs of the Fieldwork page (:mod:`icv_app.ui.survey.fieldwork_page`).

:class:`SampleProblemsDialog`: a sample file was refused for its bad rows; every problem
is listed with its file, row and column, and the survey manager may import the good rows
(the bad ones are left out) or cancel and put the file right.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from icv_app.services.survey.cati import SampleProblem

MAX_PROBLEMS_SHOWN = 500


def problem_lines(problems: tuple[SampleProblem, ...] | list[SampleProblem],
                  limit: int = MAX_PROBLEMS_SHOWN) -> list[str]:
    """One line per problem (file, row, column: what), at most ``limit`` of them."""
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"… and {len(problems) - limit:,} more (icv-app survey sample import "
                     "lists every one).")
    return lines


class SampleProblemsDialog(QDialog):
    """The problems of a refused sample file; accepted: import the good rows."""

    def __init__(self, file_name: str, problems: tuple[SampleProblem, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Problems in {file_name}")
        bad_rows = len({p.row for p in problems})
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"{file_name} has {bad_rows:,} bad row{'' if bad_rows == 1 else 's'}, so nothing "
            "was imported. Put them right and import the file again, or import the good "
            "rows now and leave the bad ones out.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        label = QLabel("&Problems (file, row, column):")
        self.problems = QPlainTextEdit("\n".join(problem_lines(problems)))
        self.problems.setReadOnly(True)
        self.problems.setTabChangesFocus(True)
        self.problems.setAccessibleName("Problems found in the sample file")
        label.setBuddy(self.problems)
        layout.addWidget(label)
        layout.addWidget(self.problems, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton("Import the &good rows",
                                               QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setAccessibleName("Import the good rows, leaving the bad ones out")
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("&Cancel")
        cancel.setAccessibleName("Cancel: import nothing")
        # Enter never imports by accident: the good rows are imported only when asked.
        for button in (self.import_button, cancel):
            button.setAutoDefault(False)
            button.setDefault(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 380)
        self.problems.setFocus()
