"""The detainees met on a visit, each known only by custody record number."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.custody_number import DEFAULT_PATTERN
from icv_app.domain.custody.visit import (
    Detainee,
    Entitlement,
    EntitlementAnswer,
    Gender,
    WelfareCheck,
)
from icv_app.ui.shared.form_rows import RecordEditor, RowsSection
from icv_app.ui.shared.form_section import new_form_layout
from icv_app.ui.shared.input_widgets import CustodyNumberEdit, EnumCombo, TriStateCombo


def _yes_no(value: bool | None) -> str:
    return {True: "Yes", False: "No", None: "—"}[value]


class DetaineeEditor(RecordEditor):
    """Everything recorded about one detainee met."""

    def __init__(self, pattern: str = DEFAULT_PATTERN, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        columns = QHBoxLayout(self)
        left = QVBoxLayout()
        right = QVBoxLayout()
        columns.addLayout(left, 1)
        columns.addLayout(right, 1)

        who = QGroupBox("Detainee")
        form = new_form_layout()
        who.setLayout(form)
        self.custody_number = CustodyNumberEdit(pattern)
        self.bind_attr(self.custody_number, self._d, "custody_number")
        self.add_field(form, "Custody record number", self.custody_number, "custody_number",
                       required=True)
        self.gender = EnumCombo(list(Gender))
        self.bind_attr(self.gender, self._d, "gender")
        self.add_field(form, "Gender", self.gender, "gender")
        for attr, text in (
            ("juvenile", "Juvenile (under 18)"),
            ("mental_health", "Mental-health needs"),
            ("learning_disability", "Learning disability"),
            ("needs_appropriate_adult", "Needs an appropriate adult"),
            ("interpreter_needed", "Needs an interpreter"),
        ):
            box = QCheckBox(text)
            setattr(self, attr, box)
            self.bind_attr(box, self._d, attr)
            self.add_field(form, "", box, attr).widget.setAccessibleName(text)
        self.consent_to_talk = TriStateCombo("Not asked")
        self.bind_attr(self.consent_to_talk, self._d, "consent_to_talk")
        self.add_field(form, "Consented to talk", self.consent_to_talk, "consent_to_talk")
        self.consent_record_check = TriStateCombo("Not asked")
        self.bind_attr(self.consent_record_check, self._d, "consent_record_check")
        self.add_field(
            form, "Consented to a custody record check", self.consent_record_check,
            "consent_record_check",
        )
        left.addWidget(who)

        rights = QGroupBox("Rights and entitlements")
        grid = QGridLayout(rights)
        for c, heading in enumerate(("Told of it", "Wanted it", "Received it"), start=1):
            grid.addWidget(QLabel(f"<b>{heading}</b>"), 0, c)
        self.entitlement_boxes: dict[tuple[Entitlement, str], TriStateCombo] = {}
        for r, entitlement in enumerate(Entitlement, start=1):
            label = QLabel(entitlement.label)
            label.setWordWrap(True)
            grid.addWidget(label, r, 0)
            for c, (attr, verb) in enumerate(
                (("told", "told of"), ("wanted", "wanted"), ("received", "received")), start=1
            ):
                box = TriStateCombo()
                box.setAccessibleName(f"{entitlement.label}: {verb}")
                self.bind(
                    box,
                    lambda e=entitlement, a=attr: getattr(
                        self._d().entitlements.get(e, EntitlementAnswer()), a
                    ),
                    lambda value, e=entitlement, a=attr: self._set_entitlement(e, a, value),
                )
                if c == 1:
                    label.setBuddy(box)
                grid.addWidget(box, r, c)
                self.entitlement_boxes[(entitlement, attr)] = box
        grid.setColumnStretch(0, 1)
        left.addWidget(rights)

        record = QGroupBox("Custody record")
        form = new_form_layout()
        record.setLayout(form)
        self.record_checked = QCheckBox("Custody record checked")
        self.bind_attr(self.record_checked, self._d, "record_checked")
        self.add_field(form, "", self.record_checked, "record_checked").widget.setAccessibleName(
            "Custody record checked"
        )
        self.record_matches = TriStateCombo("Not recorded")
        self.bind_attr(self.record_matches, self._d, "record_matches")
        self.add_field(form, "Matches what the detainee said", self.record_matches,
                       "record_matches")
        self.record_note = QLineEdit()
        self.bind_attr(self.record_note, self._d, "record_note")
        self.add_field(form, "Note on the record", self.record_note, "record_note")
        left.addWidget(record)

        said = QGroupBox("What they raised")
        form = new_form_layout()
        said.setLayout(form)
        self.raised = QPlainTextEdit()
        self.raised.setTabChangesFocus(True)
        self.raised.setPlaceholderText("In the detainee's words")
        self.raised.setFixedHeight(84)
        self.bind_attr(self.raised, self._d, "raised")
        self.add_field(form, "Raised by the detainee", self.raised, "raised")
        self.action_taken = QPlainTextEdit()
        self.action_taken.setTabChangesFocus(True)
        self.action_taken.setFixedHeight(84)
        self.bind_attr(self.action_taken, self._d, "action_taken")
        self.add_field(form, "Action taken by the visitors", self.action_taken, "action_taken")
        left.addWidget(said)
        left.addStretch(1)

        welfare = QGroupBox("Welfare checks")
        form = new_form_layout()
        welfare.setLayout(form)
        self.check_boxes: dict[WelfareCheck, TriStateCombo] = {}
        for check in WelfareCheck:
            box = TriStateCombo()
            self.bind(
                box,
                lambda c=check: self._d().checks.get(c),
                lambda value, c=check: self._set_check(c, value),
            )
            self.add_field(form, check.label, box, f"checks.{check.value}")
            self.check_boxes[check] = box
        right.addWidget(welfare)
        right.addStretch(1)
        self.setEnabled(False)

    def _d(self) -> Detainee:
        detainee: Detainee = self.item
        return detainee

    def first_input(self) -> QWidget:
        return self.custody_number

    def _set_entitlement(self, entitlement: Entitlement, attr: str, value: bool | None) -> None:
        answer = self._d().entitlements.setdefault(entitlement, EntitlementAnswer())
        setattr(answer, attr, value)
        if answer == EntitlementAnswer():
            del self._d().entitlements[entitlement]

    def _set_check(self, check: WelfareCheck, value: bool | None) -> None:
        if value is None:
            self._d().checks.pop(check, None)
        else:
            self._d().checks[check] = value


class DetaineesSection(RowsSection):
    title = "De&tainees"
    prefix = "detainees"
    noun = "detainee"
    columns = ("#", "Custody number", "Gender", "Juvenile", "Consented to talk")
    add_shortcut = "Ctrl+D"

    def __init__(self, pattern: str = DEFAULT_PATTERN, parent: QWidget | None = None) -> None:
        super().__init__(DetaineeEditor(pattern), parent)

    def new_item(self) -> Detainee:
        return Detainee()

    def row_values(self, index: int, item: Detainee) -> list[str]:
        return [
            str(index + 1),
            item.custody_number or "(no number yet)",
            item.gender.label,
            "Yes" if item.juvenile else "No",
            _yes_no(item.consent_to_talk),
        ]

    def item_has_data(self, item: Detainee) -> bool:
        return item != Detainee(id=item.id)
