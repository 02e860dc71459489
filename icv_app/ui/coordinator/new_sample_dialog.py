"""Drawing a new dip sample: what to sample (reports or custody records), the period, the
rule (a number or a percentage, overall or in each suite or for each visitor) and the
seed, with a preview of the period's records and of what the rule would draw."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.dip_sample import (
    MAX_SEED_CHARS,
    DipSample,
    InvalidSample,
    RuleKind,
    SampledKind,
    SampleRule,
    Stratify,
    draw_strata,
    new_sample,
    new_seed,
    rule_problem,
    seed_problem,
)
from icv_app.domain.custody.validation import plural
from icv_app.ui.coordinator.dip_sample_text import NOUNS, period_text, rule_text, stratum_name
from icv_app.ui.custody.visits_list import DateFilter
from icv_app.ui.shared.field_cell import ERROR_COLOUR
from icv_app.ui.shared.input_widgets import ChoiceCombo, EnumCombo
from icv_app.ui.shared.tasks import run_in_background, when_done

if TYPE_CHECKING:
    from icv_app.domain.custody.reference import ReferenceData
    from icv_app.services.custody.dip_samples import DipSampleService, Population

PREVIEW_DELAY_MS = 200
WHAT = {SampledKind.VISIT: "Submitted visit reports",
        SampledKind.RECORD_REVIEW: "Custody record reviews"}


def previous_quarter(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last quarter over by ``today`` (a sample is usually of a period that is over)."""
    start_of_this = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = start_of_this - dt.timedelta(days=1)
    return dt.date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end


def parse_amount(text: str, kind: RuleKind) -> tuple[float | None, str]:
    """The amount typed ("5", "12.5", "12,5 %") and, if it is not a number, why."""
    cleaned = text.strip().removesuffix("%").strip().replace(",", ".")
    if not cleaned:
        return None, ("Enter how many records to sample." if kind is RuleKind.NUMBER
                      else "Enter the percentage of records to sample.")
    try:
        return float(cleaned), ""
    except ValueError:
        return None, ("Enter the number of records as digits, for example 5."
                      if kind is RuleKind.NUMBER
                      else "Enter the percentage as a number, for example 10 or 12.5.")


class NewSampleDialog(QDialog):
    """Draw is enabled once the period's records are counted and the rule and the seed
    can be drawn; :attr:`sample` holds the sample drawn when the dialog is accepted.

    Signals:
        preview_ready(): the records of the chosen period are loaded and the preview says
            what the rule would draw from them.
    """

    preview_ready = Signal()

    def __init__(
        self,
        service: DipSampleService,
        reference: ReferenceData,
        today: dt.date,
        created_by: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.reference = reference
        self.created_by = created_by
        self.sample: DipSample | None = None
        self.population: Population | None = None
        self._asked = 0  # the newest population asked for; older answers are dropped
        self.setWindowTitle("Draw a new dip sample")

        self.what = ChoiceCombo([(WHAT[k], k) for k in SampledKind])
        self.what.setAccessibleName("What to sample")
        start, end = previous_quarter(today)
        self.date_from = DateFilter("Period from")
        self.date_to = DateFilter("Period to")
        self.date_from.setDate(QDate(start.year, start.month, start.day))
        self.date_to.setDate(QDate(end.year, end.month, end.day))
        # Distinct first letters: N or P typed picks one.
        self.kind = ChoiceCombo([("Number of records", RuleKind.NUMBER),
                                 ("Percentage of records", RuleKind.PERCENTAGE)])
        self.kind.setAccessibleName("Sample a number or a percentage")
        self.amount = QLineEdit("5")
        self.amount.setAccessibleName("How many records")
        self.amount.setMaximumWidth(90)
        self.amount_unit = QLabel()
        self.stratify = EnumCombo(list(Stratify))
        self.stratify.setAccessibleName("Apply the rule")
        self.seed = QLineEdit(new_seed())
        self.seed.setAccessibleName("Seed")
        self.seed.setMaxLength(MAX_SEED_CHARS + 20)  # longer is refused in words
        self.seed.setToolTip("Anyone who draws with the same seed and rule from the same "
                             "records gets the same sample. Type your own, or keep this one.")
        self.new_seed_button = QPushButton("&Random seed")
        self.new_seed_button.setAccessibleName("Choose a new random seed")
        self.new_seed_button.setAutoDefault(False)
        self.new_seed_button.clicked.connect(self._random_seed)
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        self.preview.setAccessibleName("Preview of the sample")
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setAccessibleName("Why the sample cannot be drawn")
        self.problem_label.setStyleSheet(f"color: {ERROR_COLOUR};")

        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount)
        amount_row.addWidget(self.amount_unit)
        amount_row.addStretch(1)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.new_seed_button)
        form = QFormLayout()
        for caption, widget, row in (
            ("&What:", self.what, None),
            ("&From:", self.date_from, None),
            ("&To:", self.date_to, None),
            ("Sa&mple:", self.kind, None),
            ("&How many:", self.amount, amount_row),
            ("&Apply the rule:", self.stratify, None),
            ("S&eed:", self.seed, seed_row),
        ):
            label = QLabel(caption)
            label.setBuddy(widget)
            form.addRow(label, row if row is not None else widget)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.draw_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.draw_button.setText("&Draw sample")
        self.draw_button.setAccessibleName("Draw sample")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.draw)
        self.buttons.rejected.connect(self.reject)

        intro = QLabel("The records are ranked by the seed and the rule takes the first "
                       "ones, so the seed and the rule, stored with the sample, let anyone "
                       "draw it again and get the same records.")
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.problem_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(600)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREVIEW_DELAY_MS)
        self._timer.timeout.connect(self._load_population)
        self.what.value_changed.connect(lambda _v: self._period_changed())
        self.date_from.dateChanged.connect(lambda _d: self._period_changed())
        self.date_to.dateChanged.connect(lambda _d: self._period_changed())
        self.kind.value_changed.connect(lambda _v: self._update())
        self.amount.textChanged.connect(lambda _t: self._update())
        self.stratify.value_changed.connect(lambda _v: self._update())
        self.seed.textChanged.connect(lambda _t: self._update())
        self.what.setFocus()
        self._load_population()

    # Reading the form ------------------------------------------------------------------
    @property
    def sampled(self) -> SampledKind:
        value: SampledKind = self.what.value()
        return value

    def period(self) -> tuple[dt.date, dt.date]:
        return self.date_from.value(), self.date_to.value()

    def rule(self) -> tuple[SampleRule | None, str]:
        """The rule typed, or why there is none."""
        kind: RuleKind = self.kind.value()
        amount, problem = parse_amount(self.amount.text(), kind)
        if amount is None:
            return None, problem
        rule = SampleRule(kind, amount, self.stratify.value())
        return rule, rule_problem(rule)

    def problem(self) -> str:
        """Why a sample cannot be drawn now ("" when it can)."""
        start, end = self.period()
        if end < start:
            return "The end of the period is before its start: change one of the dates."
        _rule, problem = self.rule()
        if problem:
            return problem
        problem = seed_problem(self.seed.text())
        if problem:
            return problem
        if self.population is None:
            return ""  # still counting: Draw waits for it, nothing is wrong
        if not len(self.population):
            many = NOUNS[self.sampled][1]
            what = "submitted reports" if self.sampled is SampledKind.VISIT else many
            return f"There are no {what} in this period: there is nothing to sample."
        return ""

    # The period's records ------------------------------------------------------------
    def _period_changed(self) -> None:
        self.population = None
        self._timer.start()
        self._update()

    def _load_population(self) -> None:
        self._timer.stop()
        start, end = self.period()
        self._asked += 1
        asked = self._asked
        if end < start:
            self._update()
            return
        future = run_in_background(self.service.population, self.sampled, start, end,
                                   self.reference.reference_prefix)
        when_done(future, self, lambda population: self._loaded(asked, population),
                  self._failed)
        self._update()

    def _loaded(self, asked: int, population: Population) -> None:
        if asked != self._asked:
            return  # the period changed meanwhile; its own answer is on its way
        self.population = population
        self._update()
        self.preview_ready.emit()

    def _failed(self, exc: BaseException) -> None:
        self.preview.setText(f"The records of the period could not be read: {exc}")

    def _random_seed(self) -> None:
        self.seed.setText(new_seed())
        self.seed.setFocus()

    # Preview ---------------------------------------------------------------------------
    def _update(self) -> None:
        kind: RuleKind = self.kind.value()
        self.amount_unit.setText("records" if kind is RuleKind.NUMBER else "%")
        problem = self.problem()
        self.problem_label.setText(problem)
        self.problem_label.setVisible(bool(problem))
        self.preview.setText(self._preview_text())
        ready = not problem and self.population is not None
        self.draw_button.setEnabled(ready)
        self.draw_button.setToolTip(problem or ("" if ready else "Counting the records…"))

    def _preview_text(self) -> str:
        start, end = self.period()
        one, many = NOUNS[self.sampled]
        if end < start:
            return ""
        if self.population is None:
            return f"Counting the {many} from {period_text(start, end)}…"
        size = len(self.population)
        found = (f"{plural(size, 'submitted report')}" if self.sampled is SampledKind.VISIT
                 else plural(size, one, many))
        text = f"{found} from {period_text(start, end)}."
        rule, problem = self.rule()
        if rule is None or problem or not size or seed_problem(self.seed.text()):
            return text
        try:
            strata = draw_strata(self.population.candidates, rule, self.seed.text())
        except InvalidSample:
            return text
        drawn = len({i for s in strata for i in s.drawn})
        text += f" The rule ({rule_text(rule, self.sampled)}) draws {plural(drawn, one, many)}"
        if rule.stratify is Stratify.NONE:
            return text + "."
        parts = [f"{stratum_name(rule.stratify, s.key, self.reference)} {s.quota} of {s.size}"
                 for s in strata]
        shared = sum(len(s.drawn) for s in strata) - drawn
        text += ": " + "; ".join(parts) + "."
        if shared:
            text += (f" {plural(shared, one, many)} drawn for two visitors "
                     f"{'is' if shared == 1 else 'are'} reviewed once.")
        return text

    # Drawing ---------------------------------------------------------------------------
    def draw(self) -> None:
        rule, problem = self.rule()
        problem = self.problem()
        if problem or rule is None or self.population is None:
            self._update()
            return
        start, end = self.period()
        try:
            self.sample = new_sample(
                self.population.candidates, sampled=self.sampled, period_from=start,
                period_to=end, rule=rule, created_by=self.created_by, seed=self.seed.text(),
            )
        except InvalidSample as exc:
            self.problem_label.setText(str(exc))
            self.problem_label.show()
            return
        self.accept()
