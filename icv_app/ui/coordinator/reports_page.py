"""All reports: every visit report of the scheme on the coordinator's laptop, filtered by
period, suite, panel, visitor, review status and unresolved issues, or searched; beside
the list, the selected report's review: a summary, its review status and notes, the
queries to its visitor with their replies, and its unresolved issues taken further.

The list is one query on a worker thread (:mod:`icv_app.services.custody.scheme_reports`)
whose answer replaces the rows, keeping the selected report selected; it is asked again
whenever a report, an amendment or a coordinator's record changes (a sync, an edit).
The review's writes go one after another, each reading what the one before wrote.
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from icv_app.domain.custody.coordination import ReviewStatus
from icv_app.domain.custody.reference import ReferenceData
from icv_app.domain.status import VisitStatus
from icv_app.kinds.coordination import MAX_MESSAGE
from icv_app.reports.custody.visit_outline import short_reference
from icv_app.reports.formatting import and_list, plural, yes_no
from icv_app.services.custody.scheme_reports import (
    LIST_LIMIT,
    REPORT_KINDS,
    ReportsAnswer,
    SchemeReports,
    period_shortcuts,
)
from icv_app.store.custody.scheme_reports import ReportFilter, ReportRow
from icv_app.ui.coordinator.page import CoordinatorContext, CoordinatorPage
from icv_app.ui.custody.amendments_panel import local_time
from icv_app.ui.custody.visits_list import HINT_STYLE, SEARCH_DELAY_MS, display_date
from icv_app.ui.shared.input_widgets import ChoiceCombo, EnumCombo, OptionalDateEdit
from icv_app.ui.shared.tasks import run_in_background, when_done

if TYPE_CHECKING:
    from icv_app.domain.custody.visit import VisitReport
    from icv_app.services.custody.coordination import Conversation
    from icv_app.store.changes import StoreChange

COLUMNS = ("Reference", "Date", "Suite", "Visitors", "Status", "Review", "Detainees",
           "Issues", "Unresolved", "Open queries", "Amendments")
VISITORS_COLUMN = 3
# What the widest usual cell of each column holds (the header's words too); the visitors
# column is wide enough for two names, and the last column takes any width left over.
SAMPLES = ("NS-26-8CRP-SZG8", "19 Mar 2026", "Beckley Park", "Eden Farrow, Flo Whitcombe",
           "Submitted", "Query sent",
           "", "", "", "", "")
NUMBER_COLUMNS = 6  # this column and the ones after it are counts
ID_ROLE = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex
CHOSEN_DATES = "chosen"  # the period choice when From/To were typed
MIN_SEARCH = 3  # characters (the search index is of trigrams)
STATUS_SETTLE_MS = 400


def _created(iso: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return dt.datetime.now(dt.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def short_date(iso: str | None) -> str:
    """``19 Mar 2026`` (the list's column; its tooltip has the weekday)."""
    if not iso:
        return "No date"
    try:
        return f"{dt.date.fromisoformat(iso):%d %b %Y}"
    except ValueError:
        return iso


def reference_of(row: ReportRow, reference: ReferenceData) -> str:
    """A listed report's short reference (``NS-26-7K3Q-F2M9``)."""
    day = dt.date.fromisoformat(row.visit_date) if row.visit_date else None
    return short_reference(row.id, day, _created(row.created_at), reference)


class ReportsTableModel(QAbstractTableModel):
    """Plain rows; a cell is formatted only when the view asks for it."""

    def __init__(self, reference: ReferenceData, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[ReportRow] = []
        self.reference = reference
        self._references: dict[str, str] = {}

    def set_reference(self, reference: ReferenceData) -> None:
        self.reference = reference
        self._references.clear()
        if self.rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self.rows) - 1, len(COLUMNS) - 1))

    def set_rows(self, rows: list[ReportRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].replace(" ", "\n")  # narrow columns, two short lines
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section]
        return None

    def reference_text(self, row: ReportRow) -> str:
        text = self._references.get(row.id)
        if text is None:
            text = self._references[row.id] = reference_of(row, self.reference)
        return text

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (1, VISITORS_COLUMN):
            return (display_date(row.visit_date) if column == 1
                    else self._text(row, column))
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= NUMBER_COLUMNS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: ReportRow, column: int) -> Any:
        if column == 0:
            return self.reference_text(row)
        if column == 1:
            return short_date(row.visit_date)
        if column == 2:
            return self.reference.suite_name(row.suite_id) if row.suite_id else "No suite"
        if column == 3:
            return ", ".join(self.reference.visitor_name(v) for v in row.visitor_ids)
        if column == 4:
            return row.status.label
        if column == 5:
            return row.review.label
        return (row.detainee_count, row.issue_count, row.unresolved_count, row.open_queries,
                row.amendment_count)[column - NUMBER_COLUMNS]

    def row_of(self, visit_id: str) -> int:
        return next((i for i, r in enumerate(self.rows) if r.id == visit_id), -1)


class ReviewPanel(QWidget):
    """The selected report's review (see the module doc).

    Signals:
        status_message(str): something to tell the user in the status bar.
        open_requested(str): open this report in full.
        written(): a write of the panel's landed (its answer is shown).
    """

    status_message = Signal(str)
    open_requested = Signal(str)
    written = Signal()

    def __init__(self, context: CoordinatorContext, reports: SchemeReports,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.reports = reports
        self.visit_id: str | None = None
        self.report: VisitReport | None = None
        self.conversations: list[Conversation] = []
        self._saved: tuple[ReviewStatus, str] = (ReviewStatus.NEW, "")
        self._queue: list[tuple[Callable[[], Future[Any]], Callable[[Any], None], str]] = []
        self._pending_query = ""  # a query on its way (sent once, however often asked)
        self._writing = False
        self._reload_wanted = False  # a change arrived while a write was on its way

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.summary.setAccessibleName("Report summary")
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = EnumCombo(list(ReviewStatus))
        self.status.setAccessibleName("Review status")
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)  # no Tab trap
        self.notes.setAccessibleName("Review notes")
        self.notes.setPlaceholderText("Notes on this report (coordinators only)")
        self.notes.setFixedHeight(64)
        self.notes.installEventFilter(self)
        self.save_review = QPushButton("S&ave review")
        self.save_review.setToolTip("The status is saved as soon as it is chosen; notes are "
                                    "also saved when you leave them")
        self.thread = QTextBrowser()
        self.thread.setAccessibleName("Queries and replies")
        self.thread.setOpenLinks(False)
        self.query = QPlainTextEdit()
        self.query.setTabChangesFocus(True)
        self.query.setAccessibleName("New query to the visitor")
        self.query.setPlaceholderText("A question for the visitors about this report "
                                      "(Ctrl+Enter sends it)")
        self.query.setFixedHeight(56)
        self.query.installEventFilter(self)
        self.query_hint = QLabel()
        self.query_hint.setWordWrap(True)
        self.query_hint.setStyleSheet(HINT_STYLE)
        self.query_hint.setAccessibleName("Query problem")
        self.query_hint.hide()
        self.send = QPushButton("Send &query")
        self.send.setToolTip("Saved now; it reaches the visitor with the next sync")
        self.open_report = QPushButton("Open t&he full report")
        self.open_report.setToolTip("Enter in the list does the same; Ctrl+W comes back here")
        self.follow_up = QPushButton("Follo&w up unresolved issues")
        self.follow_up.setToolTip("A follow-up item for each issue not resolved at the time "
                                  "(none is made twice)")
        self.draft_note = QLabel("A draft: it can be reviewed, queried and followed up once "
                                 "its visitors submit it.")
        self.draft_note.setWordWrap(True)
        self.draft_note.setStyleSheet(HINT_STYLE)
        self.draft_note.hide()
        self.empty = QLabel("Choose a report in the list to review it.")
        self.empty.setWordWrap(True)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(self._label("Review stat&us:", self.status), self.status)
        form.addRow(self._label("N&otes:", self.notes), self.notes)
        save_row = QHBoxLayout()
        save_row.addStretch(1)
        save_row.addWidget(self.save_review)
        query_label = self._label("As&k the visitor:", self.query)
        send_row = QHBoxLayout()
        send_row.addWidget(self.query_hint, 4)
        send_row.addStretch(1)
        send_row.addWidget(self.send)
        actions = QHBoxLayout()
        actions.addWidget(self.open_report)
        actions.addWidget(self.follow_up)
        actions.addStretch(1)
        self.content = QWidget()  # hidden, with every label, while no report is chosen
        inner = QVBoxLayout(self.content)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.summary)
        inner.addLayout(actions)
        inner.addWidget(self.draft_note)
        inner.addLayout(form)
        inner.addLayout(save_row)
        inner.addWidget(QLabel("Queries and replies:"))
        inner.addWidget(self.thread, 1)
        inner.addWidget(query_label)
        inner.addWidget(self.query)
        inner.addLayout(send_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 0, 0)
        layout.addWidget(self.empty)
        layout.addWidget(self.content, 1)
        layout.addStretch(0)
        for first, second in ((self.open_report, self.follow_up), (self.follow_up, self.status),
                              (self.status, self.notes), (self.notes, self.save_review),
                              (self.save_review, self.thread), (self.thread, self.query),
                              (self.query, self.send)):
            QWidget.setTabOrder(first, second)

        self._status_timer = QTimer(self)
        self._status_timer.setSingleShot(True)
        self._status_timer.setInterval(STATUS_SETTLE_MS)
        self._status_timer.timeout.connect(self.save)
        self.status.value_changed.connect(lambda _v: self._status_chosen())
        self.save_review.clicked.connect(self.save)
        self.send.clicked.connect(self.send_query)
        self.query.textChanged.connect(self._update_buttons)
        self.open_report.clicked.connect(
            lambda: self.visit_id and self.open_requested.emit(self.visit_id))
        self.follow_up.clicked.connect(self.follow_up_unresolved)
        self.show_report(None)

    @staticmethod
    def _label(caption: str, buddy: QWidget) -> QLabel:
        label = QLabel(caption)
        label.setBuddy(buddy)
        return label

    # What is shown ---------------------------------------------------------------------
    @property
    def reviewable(self) -> bool:
        return self.report is not None and self.report.status is VisitStatus.SUBMITTED

    @property
    def dirty(self) -> bool:
        return self.visit_id is not None and self.reviewable and (
            self.status.value(), self.notes.toPlainText()) != self._saved

    def show_report(self, visit_id: str | None) -> None:
        """Show another report's review (None: no report), first saving what was typed
        in the notes of the one shown."""
        if visit_id != self.visit_id and self.dirty:
            self.save()
        self._status_timer.stop()
        self.visit_id = visit_id
        self.report = None
        if visit_id is not None:
            try:
                self.report = self.context.visits.load(visit_id)
            except KeyError:
                self.visit_id = None
        self.reload(keep_typing=False)

    def report_changed(self) -> None:
        """The shown report itself changed (a sync brought a newer copy, it was deleted):
        read it again, keeping notes typed and not saved yet."""
        if self.visit_id is None:
            return
        try:
            self.report = self.context.visits.load(self.visit_id)
        except KeyError:
            self.report, self.visit_id = None, None
        self.reload()

    def reload(self, keep_typing: bool = True) -> None:
        """Read the shown report's review and thread again (a change arrived). Notes
        typed and not saved yet stay as typed. While the panel's own writes are on their
        way, this waits for the last of them (it would show what they replace)."""
        if keep_typing and self._writing:
            self._reload_wanted = True
            return
        report = self.report
        has_report = report is not None
        self.empty.setVisible(not has_report)
        self.content.setVisible(has_report)
        self.draft_note.setVisible(has_report and not self.reviewable)
        if report is None or self.visit_id is None:
            self.conversations = []
            return
        coordination = self.context.coordination
        keep = keep_typing and self.dirty
        chosen, typed = self.status.value(), self.notes.toPlainText()
        review = coordination.review(self.visit_id)
        saved, self._saved = self._saved, (review.status, review.notes)
        if not (keep and chosen != saved[0]):
            self.status.blockSignals(True)
            self.status.set_value(review.status)
            self.status.blockSignals(False)
        if not (keep and typed != saved[1]):
            self.notes.setPlainText(review.notes)
        self.conversations = coordination.conversations(self.visit_id) if self.reviewable else []
        self.summary.setText(self._summary_html(report, review.reviewed_by))
        self.thread.setHtml(self._thread_html())
        for widget in (self.status, self.notes, self.query):
            widget.setEnabled(self.reviewable)
        self._update_buttons()

    def _summary_html(self, report: VisitReport, reviewed_by: str) -> str:
        reference = self.context.reference()
        h = report.header
        when = display_date(h.visit_date.isoformat() if h.visit_date else None)
        if h.arrival_time:
            when += f", arrived {h.arrival_time:%H:%M}"
        visitors = and_list([reference.visitor_name(v.visitor_id) for v in h.visitors])
        ref = short_reference(report.id, h.visit_date, report.created_at, reference)
        lines = [
            f"<b style='font-size:larger'>{html.escape(ref)}</b> "
            f"({html.escape(report.status.label.lower())})",
            f"<b>Suite:</b> {html.escape(reference.suite_name(h.suite_id) or 'none')}"
            + (f" ({html.escape(h.panel)})" if h.panel else ""),
            f"<b>Date:</b> {html.escape(when)}",
            f"<b>Visitors:</b> {html.escape(visitors or 'none named')}",
        ]
        if reviewed_by:
            lines.append(f"<b>Last reviewed by:</b> {html.escape(reviewed_by)}")
        parts = ["<br>".join(lines)]
        if report.issues:
            items = "".join(
                f"<li>{html.escape(i.text.strip() or '(no text)')} — resolved: "
                f"<b>{'Yes' if i.resolved else yes_no(i.resolved)}</b></li>"
                for i in report.issues
            )
            parts.append(f"<p><b>{plural(len(report.issues), 'issue')}:</b></p>"
                         f"<ul style='margin-top:0'>{items}</ul>")
        else:
            parts.append("<p>No issues raised.</p>")
        return "".join(parts)

    def _thread_html(self) -> str:
        if not self.reviewable:
            return "<p><i>Queries can be sent once the report is submitted.</i></p>"
        if not self.conversations:
            return "<p><i>No queries about this report.</i></p>"
        zone = self.context.reference().time_zone
        reference = self.context.reference()
        blocks = []
        for n, c in enumerate(self.conversations, start=1):
            q = c.query
            parts = [f"<p><b>Query {n}, {html.escape(local_time(q.asked_at, zone))}</b> — "
                     f"{html.escape(q.asked_by or 'a coordinator')}:<br>"
                     f"{html.escape(q.text).replace(chr(10), '<br>')}</p>"]
            for r in c.replies:
                who = reference.visitor_name(r.replied_by) if r.replied_by else "the visitor"
                parts.append(f"<p style='margin-left:16px'><b>Reply, "
                             f"{html.escape(local_time(r.replied_at, zone))}</b> — "
                             f"{html.escape(who)}:<br>"
                             f"{html.escape(r.text).replace(chr(10), '<br>')}</p>")
            if not c.replies:
                parts.append("<p style='margin-left:16px'><i>No reply yet.</i></p>")
            blocks.append("".join(parts))
        return "<hr>".join(blocks)

    def unresolved_count(self) -> int:
        report = self.report
        return sum(i.resolved is not True for i in report.issues) if report else 0

    def _update_buttons(self) -> None:
        self.save_review.setEnabled(self.reviewable)
        problem = self._query_problem() if self.reviewable else ""
        self.query_hint.setText(problem)
        self.query_hint.setVisible(bool(problem))
        self.query.setAccessibleDescription(problem)
        self.send.setEnabled(self.reviewable and bool(self.query.toPlainText().strip())
                             and not problem)
        self.follow_up.setEnabled(self.reviewable and self.unresolved_count() > 0)
        self.open_report.setEnabled(self.report is not None)

    # Writing, one write at a time --------------------------------------------------------
    def _enqueue(self, start: Callable[[], Future[Any]], done: Callable[[Any], None],
                 what: str) -> None:
        """Run ``start()`` (a write) once the writes before it have landed, so it reads
        what they wrote; then ``done(result)`` on the UI thread, or say that ``what``
        was not saved."""
        self._queue.append((start, done, what))
        if not self._writing:
            self._next()

    def _next(self) -> None:
        if not self._queue:
            self._writing = False
            if self._reload_wanted:
                self._reload_wanted = False
                self.reload()
            return
        self._writing = True
        start, done, what = self._queue.pop(0)

        def landed(result: Any) -> None:
            done(result)
            self.written.emit()
            self._next()

        def failed(exc: BaseException) -> None:
            self._pending_query = ""
            self.status_message.emit(f"{what} was not saved: {exc}")
            self._next()

        try:
            future = start()
        except BaseException:
            self._queue.clear()  # a bug: reported as one, and the panel is usable again
            self._writing = False
            raise
        when_done(future, self, landed, failed)

    def _status_chosen(self) -> None:
        """A status chosen is saved once the choice rests (arrowing through the list
        to the one wanted saves only that one)."""
        if self.reviewable:
            self._status_timer.start()

    def save(self) -> None:
        """Save the review status and notes shown (with the coordinator's name)."""
        self._status_timer.stop()
        if self.visit_id is None or not self.reviewable:
            return
        visit_id, status, notes = self.visit_id, self.status.value(), self.notes.toPlainText()
        if (status, notes) == self._saved:
            return
        self._saved = (status, notes)
        ref = self._reference_text()

        def start() -> Future[Any]:
            return self.context.coordination.set_review(visit_id, status, notes,
                                                        self.context.username)

        self._enqueue(start, lambda _r: self.status_message.emit(
            f"Review of {ref} saved: {status.label}."), f"The review of {ref}")

    def send_query(self) -> None:
        """Save the query typed (it goes to the visitor with the next sync); the box is
        emptied once it is saved, and keeps the text if it could not be."""
        text = self.query.toPlainText().strip()
        if (self.visit_id is None or not self.reviewable or not text
                or text == self._pending_query or self._query_problem()):
            return
        if self.dirty:
            self.save()  # first, so the query's review keeps the notes
        visit_id, ref = self.visit_id, self._reference_text()
        self._pending_query = text

        def start() -> Future[Any]:
            return self.context.coordination.send_query(visit_id, text, self.context.username)

        def sent(_query: object) -> None:
            self._pending_query = ""
            if self.visit_id == visit_id:
                if self.query.toPlainText().strip() == text:
                    self.query.clear()
                self.reload(keep_typing=True)
            self.status_message.emit(f"Query on {ref} saved; it reaches the visitor with "
                                     "the next sync.")

        self._enqueue(start, sent, f"The query on {ref}")

    def _query_problem(self) -> str:
        length = len(self.query.toPlainText().strip())
        if length > MAX_MESSAGE:
            return (f"A query has at most {MAX_MESSAGE:,} characters; this one has "
                    f"{length:,}. Shorten it, or send it as two queries.")
        return ""

    def follow_up_unresolved(self) -> None:
        report = self.report
        if report is None or not self.reviewable:
            return
        ref = self._reference_text()

        def made(count: int) -> None:
            if count:
                self.status_message.emit(
                    f"{plural(count, 'follow-up')} created for {ref}; see Follow-ups.")
            else:
                self.status_message.emit(
                    f"No follow-up created: each unresolved issue of {ref} has one already.")

        self._enqueue(lambda: self.reports.follow_up_unresolved(report), made,
                      f"The follow-ups of {ref}")

    def _reference_text(self) -> str:
        report = self.report
        if report is None:
            return "the report"
        return short_reference(report.id, report.header.visit_date, report.created_at,
                               self.context.reference())

    @property
    def idle(self) -> bool:
        return not self._writing

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.query and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.send_query()
            return True
        if watched is self.notes and event.type() == QEvent.Type.FocusOut and self.dirty:
            self.save()
        return super().eventFilter(watched, event)


class ReportsPage(CoordinatorPage):
    """Every report of the scheme, filtered, with the selected one's review beside it.

    The keyboard starts in the list (Enter opens the report; Ctrl+W comes back); from
    the search box, Down goes to the results.

    Signals:
        populated(): the rows reflect the current filters.
    """

    title = "All reports"
    populated = Signal()

    def __init__(self, context: CoordinatorContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.reports = SchemeReports(context.visits.store)
        reports = self.reports
        self.destroyed.connect(lambda *_: reports.close())
        self.answer: ReportsAnswer | None = None
        self.is_populated = False
        self._asked = 0  # the latest query asked; older answers are dropped
        self._stale = False
        self._changed_visits: set[str] = set()  # reports changed since the last refresh
        reference = context.reference()

        self.period = ChoiceCombo()
        self.period.setAccessibleName("Period")
        self.date_from = OptionalDateEdit("Any")
        self.date_from.setAccessibleName("Reports from")
        self.date_to = OptionalDateEdit("Any")
        self.date_to.setAccessibleName("Reports up to")
        self.date_hint = QLabel()
        self.date_hint.setStyleSheet(HINT_STYLE)
        self.date_hint.setAccessibleName("Date range problem")
        self.date_hint.hide()
        self.suite = ChoiceCombo()
        self.suite.setAccessibleName("Filter by suite")
        self.panel = ChoiceCombo()
        self.panel.setAccessibleName("Filter by panel")
        self.visitor = ChoiceCombo()
        self.visitor.setAccessibleName("Filter by visitor")
        self.review = ChoiceCombo(
            [("Any review status", None)] + [(s.label, s) for s in ReviewStatus])
        self.review.setAccessibleName("Filter by review status")
        self.unresolved = QCheckBox("Unreso&lved issues only")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Custody number, issue text, officer or reference")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search reports")
        self.search.setToolTip("Down goes to the results; Enter opens the one selected")
        self.search.installEventFilter(self)
        self.search.returnPressed.connect(self._open_from_search)
        self.search_hint = QLabel(f"Type {MIN_SEARCH} characters or more to search.")
        self.search_hint.setStyleSheet(HINT_STYLE)
        self.search_hint.setAccessibleName("Search problem")
        self.search_hint.hide()
        self._set_choices(reference)

        # Mnemonics: the menu bar holds F, E, V, N and Y; these differ from them, from
        # each other and from the review panel's (A, O, K, Q, H, W).
        dates = QHBoxLayout()
        for caption, widget in (("Perio&d:", self.period), ("Fro&m:", self.date_from),
                                ("&To:", self.date_to)):
            dates.addWidget(self._label(caption, widget))
            dates.addWidget(widget)
        dates.addWidget(self.date_hint)
        dates.addSpacing(12)
        for caption, widget in (("&Suite:", self.suite), ("&Panel:", self.panel)):
            dates.addWidget(self._label(caption, widget))
            dates.addWidget(widget)
        dates.addStretch(1)
        who = QHBoxLayout()
        for caption, widget in (("V&isitor:", self.visitor), ("&Review:", self.review)):
            who.addWidget(self._label(caption, widget))
            who.addWidget(widget)
        who.addWidget(self.unresolved)
        who.addSpacing(12)
        who.addWidget(self._label("Sear&ch:", self.search))
        who.addWidget(self.search, 1)
        who.addWidget(self.search_hint)

        self.model = ReportsTableModel(reference, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Reports")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        vertical = self.table.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        metrics = self.table.fontMetrics()
        for column, sample in enumerate(SAMPLES):
            words = [*COLUMNS[column].split(), sample]
            self.table.setColumnWidth(
                column, max(metrics.horizontalAdvance(w) for w in words) + 18)
        header.setStretchLastSection(True)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selected())
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Reports shown")
        self.empty_label = QLabel()
        self.empty_label.setAccessibleName("No reports shown")
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()
        listing = QWidget()
        list_layout = QVBoxLayout(listing)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(self.empty_label)
        list_layout.addWidget(self.table, 1)
        list_layout.addWidget(self.count_label)

        self.review_panel = ReviewPanel(context, self.reports)
        self.review_panel.status_message.connect(self.status_message)
        self.review_panel.open_requested.connect(self.context.open_report)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(listing)
        self.splitter.addWidget(self.review_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([1000, 350])
        self.splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(dates)
        layout.addLayout(who)
        layout.addWidget(self.splitter, 1)
        self.setFocusProxy(self.table)
        chain = [self.period, self.date_from, self.date_to, self.suite, self.panel,
                 self.visitor, self.review, self.unresolved, self.search, self.table,
                 self.review_panel.open_report]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self._change_timer = QTimer(self)  # a sync's many changes: one query
        self._change_timer.setSingleShot(True)
        self._change_timer.setInterval(0)
        self._change_timer.timeout.connect(self._after_change)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        for combo in (self.suite, self.panel, self.visitor, self.review):
            combo.value_changed.connect(lambda _v: self.refresh())
        self.unresolved.toggled.connect(lambda _on: self.refresh())
        self.period.value_changed.connect(self._period_chosen)
        self.date_from.value_changed.connect(lambda _d: self._date_typed())
        self.date_to.value_changed.connect(lambda _d: self._date_typed())

    @staticmethod
    def _label(caption: str, buddy: QWidget) -> QLabel:
        label = QLabel(caption)
        label.setBuddy(buddy)
        return label

    def _set_choices(self, reference: ReferenceData) -> None:
        """The filters offer the scheme's suites, panels and visitors as they are now."""
        blocked = [w.blockSignals(True) for w in (self.period, self.suite, self.panel,
                                                  self.visitor)]
        self.period.set_choices(
            [("Any date", None)]
            + [(label, (p.start, p.end)) for label, p in period_shortcuts(self.context.today())]
            + [("Chosen dates", CHOSEN_DATES)])
        self.suite.set_choices([("All suites", None)]
                               + [(s.name, s.id) for s in reference.suites])
        self.panel.set_choices([("All panels", None)] + [(p, p) for p in reference.panels])
        visitors = sorted(reference.visitors, key=lambda v: v.name.lower())
        self.visitor.set_choices([("Any visitor", None)] + [(v.name, v.id) for v in visitors])
        for widget, was in zip((self.period, self.suite, self.panel, self.visitor), blocked,
                               strict=True):
            widget.blockSignals(was)
        self._match_period()  # a new quarter began: the dates stay, called what they are

    # Filters -----------------------------------------------------------------------------
    def current_filter(self) -> ReportFilter:
        panel = self.panel.value()
        reference = self.context.reference()
        return ReportFilter(
            date_from=self.date_from.value(),
            date_to=self.date_to.value(),
            suite_id=self.suite.value(),
            panel=panel,
            panel_suite_ids=tuple(s.id for s in reference.suites if s.panel == panel)
            if panel else (),
            visitor_id=self.visitor.value(),
            review=self.review.value(),
            unresolved_only=self.unresolved.isChecked(),
            search=self._search_term(),
        )

    def _search_term(self) -> str:
        """The search typed, once it is long enough to look for (a character or two is
        in nearly every report of a scheme: it would list them all, slowly)."""
        term = self.search.text().strip()
        short = 0 < len(term) < MIN_SEARCH
        self.search_hint.setVisible(short)
        self.search.setAccessibleDescription(self.search_hint.text() if short else "")
        return "" if short else term

    def _period_chosen(self, value: object) -> None:
        if value == CHOSEN_DATES:
            self.date_from.setFocus()
            return
        start, end = value if isinstance(value, tuple) else (None, None)
        for edit, day in ((self.date_from, start), (self.date_to, end)):
            edit.blockSignals(True)
            edit.set_value(day)
            edit.blockSignals(False)
        self._check_dates()
        self.refresh()

    def _date_typed(self) -> None:
        """From or To changed by hand: the period says so."""
        self._match_period()
        self._check_dates()
        self.refresh()

    def _match_period(self) -> None:
        """Show the period that From and To make (a shortcut, or "Chosen dates")."""
        start, end = self.date_from.value(), self.date_to.value()
        match = next((v for v in self.period.values()
                      if v == (start, end) or (v is None and start is end is None)), CHOSEN_DATES)
        self.period.blockSignals(True)
        self.period.set_value(match)
        self.period.blockSignals(False)

    def _check_dates(self) -> None:
        start, end = self.date_from.value(), self.date_to.value()
        backwards = start is not None and end is not None and start > end
        text = "“From” is after “To”: no report can match. Change one of the dates."
        self.date_hint.setText(text if backwards else "")
        self.date_hint.setVisible(backwards)
        for edit in (self.date_from, self.date_to):
            edit.setAccessibleDescription(text if backwards else "")

    # The list ----------------------------------------------------------------------------
    def shown(self) -> None:
        reference = self.context.reference()
        self._set_choices(reference)
        self.model.set_reference(reference)
        if self._stale or not self.is_populated:
            self.refresh()
        self._stale = False

    def store_changed(self, change: StoreChange) -> None:
        if not (REPORT_KINDS & change.kinds or {"suite", "panel", "visitor"} & change.kinds):
            return
        self._changed_visits.update(rid for kind, rid in change.records if kind == "visit")
        if self.isVisible():
            self._change_timer.start()
        else:
            self._stale = True  # asked again when the page is shown

    def _after_change(self) -> None:
        reference = self.context.reference()
        self._set_choices(reference)
        self.model.set_reference(reference)
        self.refresh()
        changed, self._changed_visits = self._changed_visits, set()
        if self.review_panel.visit_id in changed:
            self.review_panel.report_changed()
        else:
            self.review_panel.reload()

    def refresh(self) -> None:
        """Ask for the reports the filters select (on a worker thread); the answer
        replaces the rows, the selected report staying selected."""
        self._search_timer.stop()
        self._asked += 1
        asked = self._asked
        future = run_in_background(self.reports.find, self.current_filter(), LIST_LIMIT)
        when_done(future, self, lambda answer: self._answered(asked, answer),
                  lambda exc: self._failed(asked, exc))

    def _failed(self, asked: int, exc: BaseException) -> None:
        if asked == self._asked:
            self.count_label.setText(f"The reports could not be read: {exc}")
            self.status_message.emit(f"The reports could not be read: {exc}")

    def _answered(self, asked: int, answer: ReportsAnswer) -> None:
        if asked != self._asked:
            return  # a newer query is on its way
        selected = self.selected_id()
        had_focus = self.table.hasFocus()
        self.answer = answer
        self.model.set_rows(answer.rows)
        shown, total = len(answer.rows), answer.total
        if shown == 0:
            unfiltered = answer.where == ReportFilter()
            self.empty_label.setText(
                "No reports on this laptop yet: they arrive with sync." if unfiltered
                else "No report matches these filters and this search.")
        self.empty_label.setVisible(shown == 0)
        if answer.partial:
            self.count_label.setText(
                f"Showing the newest {shown:,} of {total:,} reports: narrow the period or "
                "the filters to see the others.")
        else:
            self.count_label.setText(f"{total:,} report{'s' if total != 1 else ''}")
        if selected is None or not self.select(selected):
            if answer.rows:
                self.select_row(0)
            else:
                self._selected()
        if had_focus:
            self.table.setFocus()
        self.is_populated = True
        self.populated.emit()

    # Selection ---------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.rows[index.row()].id if index.isValid() else None

    def selected_row(self) -> ReportRow | None:
        index = self.table.currentIndex()
        return self.model.rows[index.row()] if index.isValid() else None

    def select(self, visit_id: str) -> bool:
        row = self.model.row_of(visit_id)
        if row < 0:
            return False
        self.select_row(row)
        return True

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        selection = self.table.selectionModel()
        selection.setCurrentIndex(
            index, selection.SelectionFlag.ClearAndSelect | selection.SelectionFlag.Rows)
        self.table.scrollTo(index)
        self._selected()

    def _selected(self) -> None:
        visit_id = self.selected_id()
        if visit_id != self.review_panel.visit_id:
            self.review_panel.show_report(visit_id)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.context.open_report(self.model.rows[index.row()].id)

    # From the search box to the results -------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.search and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown)
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            self.table.setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return super().eventFilter(watched, event)

    def _open_from_search(self) -> None:
        if self._search_timer.isActive():
            return  # the search is still being asked; Enter again opens the first result
        index = self.table.currentIndex()
        if index.isValid():
            self._activated(index)
