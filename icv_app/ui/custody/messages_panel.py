"""The coordinator's messages on a submitted report, as its visitor sees them: each query
with the replies to it, a box to reply, and what became of each issue taken further
(follow-ups). They arrive by sync; a reply is sent with the next sync."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.reference import ReferenceData
from icv_app.ui.custody.amendments_panel import local_time
from icv_app.ui.shared.input_widgets import ChoiceCombo
from icv_app.ui.shared.tasks import when_done

if TYPE_CHECKING:
    from icv_app.domain.custody.coordination import FollowUp
    from icv_app.services.custody.coordination import Conversation, CoordinationService

MESSAGE_KINDS = frozenset({"visit_query", "query_reply", "follow_up"})


def _date(value: object) -> str:
    return f"{value:%d %b %Y}" if value is not None else ""


class MessagesPanel(QWidget):
    """Signals:
    status_message(str): something to tell the user in the status bar.
    """

    status_message = Signal(str)
    title = "&Messages"

    def __init__(self, reference: ReferenceData, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reference = reference
        self.service: CoordinationService | None = None
        self.visit_id = ""
        self.conversations: list[Conversation] = []
        self.follow_ups: list[FollowUp] = []
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.view = QTextBrowser()
        self.view.setAccessibleName("Messages about this report")
        self.view.setOpenLinks(False)
        self.query = ChoiceCombo()
        self.query.setAccessibleName("Query to reply to")
        self.reply = QPlainTextEdit()
        self.reply.setTabChangesFocus(True)
        self.reply.setAccessibleName("Your reply")
        self.reply.setPlaceholderText("Your answer to the coordinator")
        self.reply.setFixedHeight(80)
        self.send = QPushButton("Send &reply")
        self.send.setAccessibleName("Send reply")
        self.send.clicked.connect(self.send_reply)
        self.reply.textChanged.connect(self._update)
        reply_label = QLabel("&Question to answer:")
        reply_label.setBuddy(self.query)
        row = QHBoxLayout()
        row.addWidget(reply_label)
        row.addWidget(self.query, 1)
        row.addWidget(self.send)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)
        layout.addWidget(self.reply)

    def show_report(self, service: CoordinationService, visit_id: str, submitted: bool) -> None:
        self.service = service
        self.visit_id = visit_id
        if not submitted:
            self.conversations, self.follow_ups = [], []
        else:
            self.conversations = service.conversations(visit_id)
            self.follow_ups = service.follow_ups(visit_id)
        self._render(submitted)

    def count(self) -> int:
        """Queries still waiting for a reply."""
        return sum(not c.answered for c in self.conversations)

    def _render(self, submitted: bool) -> None:
        if not submitted:
            self.intro.setText("Once the report is submitted, the coordinator's questions "
                               "about it and the outcome of its issues appear here.")
        elif not self.conversations and not self.follow_ups:
            self.intro.setText("No messages from the coordinator about this report.")
        else:
            waiting = self.count()
            self.intro.setText(
                f"{waiting} question{'s' if waiting != 1 else ''} waiting for your reply."
                if waiting else "All questions answered."
            )
        zone = self.reference.time_zone
        blocks = []
        for n, c in enumerate(self.conversations, start=1):
            q = c.query
            parts = [f"<h3>Question {n}</h3><p><b>{html.escape(local_time(q.asked_at, zone))}"
                     f"</b> — {html.escape(q.asked_by or 'the coordinator')}:<br>"
                     f"{html.escape(q.text).replace(chr(10), '<br>')}</p>"]
            for r in c.replies:
                parts.append(f"<p style='margin-left:16px'><b>Reply, "
                             f"{html.escape(local_time(r.replied_at, zone))}</b>:<br>"
                             f"{html.escape(r.text).replace(chr(10), '<br>')}</p>")
            if not c.replies:
                parts.append("<p style='margin-left:16px'><i>Not answered yet.</i></p>")
            blocks.append("".join(parts))
        for item in self.follow_ups:
            lines = [f"<h3>Issue followed up: {html.escape(item.summary or 'issue')}</h3>",
                     f"<p><b>Status:</b> {html.escape(item.status.label)}"]
            if item.escalated_to:
                lines.append(f"; escalated to {html.escape(item.escalated_to)} "
                             f"{_date(item.escalated_on)}")
            lines.append("</p>")
            if item.response:
                lines.append(f"<p><b>Response</b> {_date(item.response_on)}:<br>"
                             f"{html.escape(item.response).replace(chr(10), '<br>')}</p>")
            if item.closed_on:
                lines.append(f"<p>Closed {_date(item.closed_on)}.</p>")
            blocks.append("".join(lines))
        self.view.setHtml("<hr>".join(blocks))
        self.query.set_choices(
            [(f"Question {n}: {c.query.text[:60]}", c.query.id)
             for n, c in enumerate(self.conversations, start=1)]
        )
        open_query = next((c.query.id for c in self.conversations if not c.answered), None)
        if open_query:
            self.query.set_value(open_query)
        has_queries = bool(self.conversations)
        for widget in (self.query, self.reply):
            widget.setEnabled(has_queries)
        self._update()

    def _update(self) -> None:
        self.send.setEnabled(bool(self.conversations) and bool(self.reply.toPlainText().strip()))

    def send_reply(self) -> None:
        if self.service is None or not self.reply.toPlainText().strip():
            return
        query_id = self.query.value()
        if not query_id:
            return
        future = self.service.reply(query_id, self.reply.toPlainText())

        def sent(_reply: object) -> None:
            self.reply.clear()
            self.refresh()
            self.status_message.emit("Reply saved; it is sent to the coordinator at the next "
                                     "sync.")

        when_done(future, self, sent,
                  lambda exc: self.status_message.emit(f"The reply was not saved: {exc}"))

    def refresh(self) -> None:
        if self.service is not None and self.visit_id:
            self.show_report(self.service, self.visit_id, True)

    def plain_text(self) -> str:
        return self.view.toPlainText()
