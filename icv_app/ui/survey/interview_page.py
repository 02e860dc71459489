"""The interview page: the runner for one interview, with what the interviewer needs
around it. Opened by the call queue (a telephone case) and by street interviews, never
from the menu.

For a telephone case it shows the case (reference, area) and its phone number: the only
place a number is shown, and only while that case is being called. Ctrl+L ("call back
later") stops the interview where it is (every answer kept, to resume) and asks when to
call back. The page does not let the window move on while an interview is running: end
it, stop it or arrange the call back first (quick-hide, F12, always works).

Whoever opened the interview is told how it ended through ``on_end(Ending)`` (the call
queue records the call's outcome from it) and is shown again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from icv_app.services.survey.interviews import LiveInterview
from icv_app.ui.survey.page import SurveyContext, SurveyPage
from icv_app.ui.survey.runner import InterviewRunner

CALLBACK = "callback"


@dataclass(frozen=True)
class Ending:
    interview_id: str
    reason: str  # complete, stopped, declined, quota_full, not_safe, callback
    appointment_at: dt.datetime | None = None  # for a call back
    note: str = ""


@dataclass(frozen=True)
class CaseBanner:
    """The telephone case being called, as the page shows it."""

    case_ref: str
    area: str
    phone: str


class InterviewPage(SurveyPage):
    """Signals: ended(str): the interview ended, with its reason (see :class:`Ending`)."""

    title = "Interview"
    ended = Signal(str)

    def __init__(self, context: SurveyContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.runner: InterviewRunner | None = None
        self._on_end: Callable[[Ending], None] = lambda _ending: None
        self._return_to = ""
        self._live: LiveInterview | None = None

        self.case_label = QLabel()
        self.case_label.setObjectName("interviewCase")
        self.phone = QLabel()
        self.phone.setObjectName("interviewPhone")
        self.phone.setAccessibleName("Phone number of this case")
        self.phone.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        big = QFont(self.phone.font())
        big.setPointSizeF(big.pointSizeF() * 1.4)
        big.setBold(True)
        self.phone.setFont(big)
        self.callback_button = QPushButton("Call back later… (Ctrl+L)")
        self.callback_button.setAccessibleName("Call back later")
        self.callback_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the answer keeps it
        self.callback_button.clicked.connect(self.call_back_later)
        banner = QHBoxLayout()
        banner.addWidget(self.case_label)
        banner.addSpacing(16)
        banner.addWidget(self.phone)
        banner.addStretch(1)
        banner.addWidget(self.callback_button)
        self.banner = QWidget()
        self.banner.setLayout(banner)
        self.banner.hide()
        self.body = QVBoxLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(self.body, 1)
        shortcut = QShortcut(QKeySequence("Ctrl+L"), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.call_back_later)

    # Starting --------------------------------------------------------------------------
    def begin(self, live: LiveInterview, *, on_end: Callable[[Ending], None],
              return_to: str, case: CaseBanner | None = None) -> None:
        """Run ``live`` here; ``on_end`` hears how it ended, then ``return_to`` (a survey
        page's key) is shown again."""
        self._drop_runner()
        self._live = live
        self._on_end = on_end
        self._return_to = return_to
        if case is not None:
            area = f" · {case.area}" if case.area else ""
            self.case_label.setText(f"Case {case.case_ref}{area}")
            self.phone.setText(case.phone)
        self.banner.setVisible(case is not None)
        self.callback_button.setVisible(case is not None)
        self.runner = InterviewRunner(live)
        self.runner.ended.connect(self._runner_ended)
        self.body.addWidget(self.runner)
        self.runner.show()  # a child added to a page already on screen is shown by hand
        self._focus_answer()

    def _focus_answer(self) -> None:
        if self.runner is not None:
            target = self.runner.input if self.runner.input is not None else self.runner
            self.setFocusProxy(target)
            target.setFocus()

    @property
    def running(self) -> bool:
        return self._live is not None and not self._live.ended

    def may_leave(self) -> bool:
        if self.running:
            self.status_message.emit(
                "An interview is running: complete it, stop it, or arrange a call back "
                "(Ctrl+L) first. F12 hides the screen at once.")
            return False
        return True

    def shown(self) -> None:
        self._focus_answer()

    # Ending ----------------------------------------------------------------------------
    def call_back_later(self) -> None:
        """Stop here (every answer kept, to go on later) and ask when to call back."""
        live = self._live
        if live is None or live.ended or not self.callback_button.isVisible():
            return
        from icv_app.ui.survey.call_dialogs import ask_appointment

        chosen = ask_appointment(self, self.context.now())
        if chosen is None:
            return
        at, note = chosen
        live.wait_saved()  # it stays in progress: the call back goes on from here
        self._finish(Ending(live.id, CALLBACK, at, note))

    def _runner_ended(self, reason: str) -> None:
        live = self._live
        if live is None:
            return
        self._finish(Ending(live.id, reason))

    @property
    def live(self) -> LiveInterview | None:
        return self._live

    def _finish(self, ending: Ending) -> None:
        self._live = None
        self.callback_button.hide()
        self.phone.clear()  # the number goes with the call
        self.banner.hide()
        on_end, self._on_end = self._on_end, (lambda _ending: None)
        self._drop_runner()
        self.ended.emit(ending.reason)
        on_end(ending)
        if self._return_to:
            self.context.show_page(self._return_to)

    def _drop_runner(self) -> None:
        if self.runner is not None:
            self.body.removeWidget(self.runner)
            self.runner.deleteLater()
            self.runner = None
