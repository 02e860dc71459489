"""The interview runner: one question at a time, drawn from the instrument, answered
from the keyboard.

:class:`InterviewRunner` shows a :class:`~icv_app.services.survey.interviews.LiveInterview`
(start one with ``InterviewService.start``; go on with one in progress with
:meth:`InterviewRunner.for_resume`, or ``InterviewService.resume`` and the constructor).
What it shows of a question: the labels of the groups it sits in as a heading, its label
(in the chosen language: a Language box when the form has several), its hint, the input
for its type (:mod:`icv_app.ui.survey.runner_inputs`), the form's message when the answer
is refused, and the progress, "Question 7 of ~31" (about: the count follows the routing).

Keys (the answer input keeps the focus throughout)
    1-9 (0 for the tenth) choose a choice, the arrow keys move; in a list of ticks a
    digit or Space ticks. Enter or Page Down: the answer is given (and saved) and the
    next question comes; a note is passed. Page Up (or the Back button): the answer
    typed so far is saved and the previous question comes back. At the end, Enter
    completes the interview. Alt+Left is left to the main window.

Every answer is saved when it is given (Enter, Page Down, Page Up): a crash loses at most
what is being typed into the current question.

A repeat without a repeat_count is asked as "How many <its label>? (0 for none)", typed
as any whole number (0 to 50), then its questions once per instance (see
:mod:`icv_app.services.survey.interviews`); a number refused there is not saved, and
Page Up keeps it on screen with its message.

When the interview ends (completed, stopped, a full quota cell, not safe to talk) the
question and the answers disappear at once; a short message says what to do.

Signals:
    ended(str): the interview ended: complete, stopped, quota_full, not_safe or callback.
    answered(str): the question (by name) whose answer was just given and accepted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.survey.records import PHONE_MESSAGE, InterviewStatus
from icv_app.services.survey.interviews import COMPLETE, DECLINED, STOPPED, LiveInterview, Step
from icv_app.store.errors import StoreError
from icv_app.store.records import RecordFinal
from icv_app.store.writer import WriterClosed
from icv_app.ui.shared.field_cell import ERROR_COLOUR
from icv_app.ui.survey.runner_inputs import (
    AnswerInput,
    InputProblem,
    make_input,
    runner_action,
)

if TYPE_CHECKING:
    from icv_app.services.survey.interviews import InterviewService, QuotaGate

HINT_COLOUR = "#4a4a4a"
ENDED_TEXT = {
    COMPLETE: "The interview is complete and saved. Thank the respondent.",
    STOPPED: "The interview was stopped. What was answered is saved.",
    DECLINED: "The respondent declined to take part. Thank them and end the call.",
}


# What saving an interview may run into that is the environment's fault (a full disk,
# the store closed under it, a record already final on the server): said in the runner,
# whose input keeps what was typed. Anything else is a bug and goes to the crash report.
SAVE_FAILURES = (StoreError, WriterClosed, RecordFinal)

Slot = TypeVar("Slot", bound=Callable[..., None])


def _saying_failures(method: Slot) -> Slot:
    @functools.wraps(method)
    def slot(self: InterviewRunner, *args: Any) -> None:
        try:
            method(self, *args)
        except SAVE_FAILURES as exc:
            self._say([f"This could not be saved: {exc}"])

    return slot  # type: ignore[return-value]


class InterviewRunner(QWidget):
    """One interview, one question at a time (module doc)."""

    ended = Signal(str)
    answered = Signal(str)

    def __init__(self, interview: LiveInterview, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.interview = interview
        self.input: AnswerInput | None = None
        self._step: Step | None = None
        self.setObjectName("interviewRunner")

        self.heading = QLabel()
        self.heading.setObjectName("runnerHeading")
        bold = QFont(self.heading.font())
        bold.setBold(True)
        self.heading.setFont(bold)
        self.progress = QLabel()
        self.progress.setObjectName("runnerProgress")

        self.language = QComboBox()
        self.language.setAccessibleName("Language of the questions")
        self.language_label = QLabel("&Language:")
        self.language_label.setBuddy(self.language)
        for language in interview.languages:
            self.language.addItem(_language_name(language), language)
        self.language.setCurrentIndex(max(0, self.language.findData(interview.language)))
        self.language.currentIndexChanged.connect(self._language_chosen)
        several = len(interview.languages) > 1
        self.language.setVisible(several)
        self.language_label.setVisible(several)

        self.question = QLabel()
        self.question.setObjectName("runnerQuestion")
        self.question.setWordWrap(True)
        self.question.setTextFormat(Qt.TextFormat.PlainText)
        big = QFont(self.question.font())
        big.setPointSizeF(big.pointSizeF() * 1.25)
        self.question.setFont(big)
        self.hint = QLabel()
        self.hint.setObjectName("runnerHint")
        self.hint.setWordWrap(True)
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setStyleSheet(f"QLabel#runnerHint {{ color: {HINT_COLOUR}; }}")
        self.message = QLabel()
        self.message.setObjectName("runnerMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setStyleSheet(
            f"QLabel#runnerMessage {{ color: {ERROR_COLOUR}; font-weight: bold; "
            f"border-left: 4px solid {ERROR_COLOUR}; padding-left: 6px; }}")
        self.message.setAccessibleName("Message")
        self.message.hide()

        self.back_button = QPushButton("Back")
        self.back_button.setToolTip("Back to the previous question (Page Up)")
        self.back_button.setAccessibleName("Back to the previous question")
        self.next_button = QPushButton("Next")
        self.next_button.setToolTip("Give the answer and go on (Enter or Page Down)")
        self.next_button.setAccessibleName("Next question")
        self.complete_button = QPushButton("Complete interview")
        self.complete_button.setToolTip("Complete and save the interview (Enter)")
        self.stop_button = QPushButton("Stop interview")
        self.stop_button.setToolTip("Stop the interview here; what was answered is kept")
        for button in (self.back_button, self.next_button, self.complete_button,
                       self.stop_button):
            button.setAutoDefault(True)  # Enter on a focused button presses it
        self.retry_button = QPushButton("Save again")
        self.retry_button.setAutoDefault(True)
        self.retry_button.setToolTip("Try saving the interview again (Enter)")
        self.retry_button.hide()
        self.retry_button.clicked.connect(self._retry)
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_on)
        self.complete_button.clicked.connect(self.go_on)
        self.stop_button.clicked.connect(self.stop)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.language_label)
        top.addWidget(self.language)
        self.input_area = QVBoxLayout()
        self.input_area.setContentsMargins(0, 0, 0, 0)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addWidget(self.complete_button)
        buttons.addWidget(self.retry_button)
        buttons.addStretch(1)
        buttons.addWidget(self.stop_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addSpacing(8)
        layout.addWidget(self.question)
        layout.addWidget(self.hint)
        layout.addLayout(self.input_area)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.show_current()

    @classmethod
    def for_resume(cls, service: InterviewService, interview_id: str,
                   quota: QuotaGate | None = None,
                   parent: QWidget | None = None) -> InterviewRunner:
        """A runner on an interview in progress, at the question it stopped on (raises
        InterviewError as ``service.resume`` does)."""
        return cls(service.resume(interview_id, quota), parent)

    # Showing ---------------------------------------------------------------------------
    def show_current(self, raw: object = None) -> None:
        """Show the interview's current step (or its end), the focus in its input. What
        is typed but not yet given stays when the same question is shown again."""
        interview = self.interview
        old, self.input = self.input, None
        old_path = self._step.path if self._step is not None else None
        self.message.hide()
        self.message.clear()
        if interview.ended:
            self._drop(old)
            self._show_ended("")
            return
        step = interview.current
        self._step = step
        self.back_button.setEnabled(interview.position > 1)
        if step is None:
            self.heading.setText("")
            self.progress.setText("End of the interview")
            self.question.setText("That is the end of the questions. Press Enter to "
                                  "complete the interview.")
            self.hint.hide()
            self.next_button.hide()
            self.complete_button.show()
            self.complete_button.setFocus()
            self._drop(old)
            return
        self.heading.setText(" › ".join(step.headings))
        self.progress.setText(f"Question {interview.position} of ~{interview.total}")
        self.question.setText(step.label or step.name)
        self.hint.setText(step.hint)
        self.hint.setVisible(bool(step.hint))
        self.next_button.show()
        self.complete_button.hide()
        widget = make_input(step, self)
        if raw is None and old is not None and old_path == step.path:
            raw = old.raw()
        if raw is not None:
            widget.set_raw(raw)
        widget.setAccessibleName(step.label or step.name)
        widget.setAccessibleDescription(step.hint)
        widget.action.connect(self._action)
        self.input_area.addWidget(widget)
        self.input = widget
        QWidget.setTabOrder(widget, self.back_button)
        QWidget.setTabOrder(self.back_button, self.next_button)
        QWidget.setTabOrder(self.next_button, self.stop_button)
        QWidget.setTabOrder(self.stop_button, self.language)
        # Shown and focused before the old input goes, so that the focus moves from
        # answer to answer and never passes through the buttons.
        widget.show()
        widget.setFocus()
        self._drop(old)
        if step.problems and step.value is not None:
            self._say(list(step.problems))

    def _drop(self, widget: QWidget | None) -> None:
        if widget is not None:
            widget.hide()
            widget.setParent(None)  # type: ignore[call-overload]
            widget.deleteLater()

    def _clear_input(self) -> None:
        old, self.input = self.input, None
        self._drop(old)

    def _say(self, messages: list[str]) -> None:
        text = "\n".join(messages)
        self.message.setText(text)
        self.message.setVisible(bool(text))
        if self.input is not None:
            described = "\n".join(p for p in (self._step.hint if self._step else "", text)
                                  if p)
            self.input.setAccessibleDescription(described)
            if isinstance(self.input, QLineEdit) and text:
                self.input.selectAll()  # typing puts it right at once
            self.input.setFocus()

    def _show_ended(self, message: str) -> None:
        """Nothing of the interview stays on screen once it ends."""
        self._clear_input()
        self._step = None
        reason = self.interview.ended_reason
        self.heading.setText("")
        self.progress.setText("Interview ended")
        self.question.setText(message or ENDED_TEXT.get(reason, "The interview has ended."))
        self.hint.hide()
        self.message.hide()
        for button in (self.back_button, self.next_button, self.complete_button,
                       self.stop_button):
            button.hide()
        self.language.setEnabled(False)
        self.question.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.question.setFocus()

    # Keys and buttons ------------------------------------------------------------------
    def _action(self, action: str) -> None:
        if action == "back":
            self.go_back()
        else:
            self.go_on()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Keys that the focused widget (a button) left alone."""
        action = runner_action(event)
        if action is not None and not self.interview.ended:
            event.accept()
            self._action(action)
            return
        super().keyPressEvent(event)

    def _give(self) -> tuple[list[str], bool] | None:
        """Give what the input holds. Returns the messages ([]: accepted) and whether
        what the input holds is saved, or None when the interview ended on it (not safe
        to talk, a full quota cell)."""
        step, widget = self._step, self.input
        if step is None or widget is None or step.is_note:
            return [], True
        try:
            value = widget.value()
        except InputProblem as problem:
            return [str(problem)], False
        try:
            messages = self.interview.answer(value)
        except SAVE_FAILURES as exc:  # say so, and keep the input as it is
            if self.interview.ended:  # not safe to talk, a full cell: it ends here all the same
                self._finish([], exc)
                return None
            return [f"The answer could not be saved: {exc}"], False
        if self.interview.ended:
            self._finish(messages)
            return None
        self._step = self.interview.current
        if not messages:
            self.answered.emit(step.name)
        # A refused phone number or count is not saved (other refused answers are).
        refused_count = step.is_count and bool(messages) and value is not None
        return messages, PHONE_MESSAGE not in messages and not refused_count

    @_saying_failures
    def go_on(self) -> None:
        """Enter: give the answer and go on (at the end: complete the interview)."""
        interview = self.interview
        if interview.ended:
            return
        if interview.at_end:
            try:
                messages = interview.complete()
            except SAVE_FAILURES as exc:
                self._finish([], exc)
                return
            if messages:
                self._say(messages)
                return
            self._finish([])
            return
        given = self._give()
        if given is None:
            return
        messages = given[0] or interview.next()
        if messages:
            self._say(messages)
            return
        self.show_current()

    @_saying_failures
    def go_back(self) -> None:
        """Page Up: keep what was typed, then show the question before. What cannot be
        saved (a date that is none, a phone number) keeps the runner where it is, so
        that nothing typed is lost unseen."""
        if self.interview.ended:
            return
        given = self._give()
        if given is None:
            return
        messages, saved = given
        if not saved:
            self._say(messages)
            return
        if self.interview.back():
            self.show_current()
        elif self.input is not None:
            self.input.setFocus()

    @_saying_failures
    def stop(self) -> None:
        """Stop the interview here (status stopped)."""
        if self.interview.ended:
            return
        self._give()
        if not self.interview.ended:
            try:
                self.interview.stop(InterviewStatus.STOPPED)
            except SAVE_FAILURES as exc:
                self._finish([], exc)
                return
            self._finish([])

    def _finish(self, messages: list[str], failure: Exception | None = None) -> None:
        """Show the end; tell whoever listens once the end is saved (a failed save is
        said, and Enter on "Save again" tries again)."""
        self._show_ended("\n".join(messages))
        if failure is not None:
            self._save_failed(failure)
            return
        self.ended.emit(self.interview.ended_reason)

    def _save_failed(self, failure: Exception) -> None:
        self.message.setText(f"The end of the interview could not be saved: {failure}")
        self.message.show()
        self.retry_button.show()
        self.retry_button.setFocus()

    def _retry(self) -> None:
        try:
            self.interview.retry_save()
        except SAVE_FAILURES as exc:
            self._save_failed(exc)
            return
        self.retry_button.hide()
        self.message.hide()
        self.question.setFocus()
        self.ended.emit(self.interview.ended_reason)

    @_saying_failures
    def _language_chosen(self, index: int) -> None:
        language = self.language.itemData(index)
        if not language or language == self.interview.language or self.interview.ended:
            return
        raw = self.input.raw() if self.input is not None else None
        self.interview.set_language(str(language))
        self.show_current(raw)


def _language_name(language: str) -> str:
    """"Welsh (cy)" as people read it; the default language as "Default"."""
    return "Default" if language == "default" else language
