"""Issues raised during the visit with custody staff, and how they were answered."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from icv_app.domain.custody.visit import IssueCategory, IssueRaised
from icv_app.ui.shared.form_rows import RecordEditor, RowsSection
from icv_app.ui.shared.form_section import new_form_layout
from icv_app.ui.shared.input_widgets import ChoiceCombo, EnumCombo, TriStateCombo

NO_DETAINEE = "Not about one detainee"


class IssueEditor(RecordEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = new_form_layout()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addStretch(1)
        self.category = EnumCombo(list(IssueCategory))
        self.bind_attr(self.category, self._issue, "category")
        self.add_field(form, "Category", self.category, "category")
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self.text.setPlaceholderText("What was raised")
        self.text.setFixedHeight(84)
        self.bind_attr(self.text, self._issue, "text")
        self.add_field(form, "Issue", self.text, "text", required=True)
        self.detainee = ChoiceCombo([(NO_DETAINEE, None)])
        self.bind_attr(self.detainee, self._issue, "detainee_id")
        self.add_field(form, "About detainee", self.detainee, "detainee_id")
        self.raised_with = QLineEdit()
        self.raised_with.setPlaceholderText("e.g. custody sergeant (name or number)")
        self.bind_attr(self.raised_with, self._issue, "raised_with")
        self.add_field(form, "Raised with", self.raised_with, "raised_with", required=True)
        self.response = QPlainTextEdit()
        self.response.setTabChangesFocus(True)
        self.response.setFixedHeight(84)
        self.bind_attr(self.response, self._issue, "response")
        self.add_field(form, "Response given", self.response, "response")
        self.resolved = TriStateCombo("Not recorded")
        self.bind_attr(self.resolved, self._issue, "resolved")
        self.add_field(form, "Resolved at the time", self.resolved, "resolved", required=True)
        self.setEnabled(False)

    def _issue(self) -> IssueRaised:
        issue: IssueRaised = self.item
        return issue

    def first_input(self) -> QWidget:
        return self.text

    def set_detainees(self, choices: list[tuple[str, str | None]]) -> None:
        self._loading = True
        try:
            self.detainee.set_choices([(NO_DETAINEE, None), *choices])
            if self.item is not None:
                self.detainee.set_value(self.item.detainee_id)
        finally:
            self._loading = False


class IssuesSection(RowsSection):
    title = "&Issues"
    prefix = "issues"
    noun = "issue"
    columns = ("#", "Issue", "Category", "Resolved")
    add_shortcut = "Ctrl+I"

    def __init__(self, parent: QWidget | None = None) -> None:
        self.issue_editor = IssueEditor()
        super().__init__(self.issue_editor, parent)

    def new_item(self) -> IssueRaised:
        return IssueRaised()

    def row_values(self, index: int, item: IssueRaised) -> list[str]:
        first_line = item.text.strip().splitlines()[0] if item.text.strip() else "(not described)"
        resolved = {True: "Yes", False: "No", None: "—"}[item.resolved]
        return [str(index + 1), first_line, item.category.label, resolved]

    def item_has_data(self, item: IssueRaised) -> bool:
        return item != IssueRaised(id=item.id)

    def detainees_changed(self) -> None:
        """The detainees the issue can be about (by custody number, or position)."""
        choices: list[tuple[str, str | None]] = [
            (f"Detainee {i + 1}: {d.custody_number or 'no number yet'}", d.id)
            for i, d in enumerate(self.report.detainees)
        ]
        # An issue about a detainee since removed keeps its link, shown as such.
        known = {d.id for d in self.report.detainees}
        for issue in self.report.issues:
            if issue.detainee_id and issue.detainee_id not in known:
                choices.append(("A removed detainee", issue.detainee_id))
                known.add(issue.detainee_id)
        self.issue_editor.set_detainees(choices)

    def after_load(self) -> None:
        self.detainees_changed()
        super().after_load()
