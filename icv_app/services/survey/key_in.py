"""Keying in an email or paper consultation response with the interview runner.

The runner works on a :class:`~icv_app.services.survey.interviews.LiveInterview`, which
saves an interview record after every answer. A keyed-in response is not an interview
(survey managers, who key most of them in, do not make interviews, and it must not count
as one): :class:`KeyInInterviews` runs the same walk but keeps the working copy in memory,
and when it completes keeps the answers as one ``consultation_response`` with its
channel, through :meth:`ConsultationService.key_in`. The paper or the email is still in
the keyer's hand, so a response keyed halfway when the app stops is keyed again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from icv_app.domain.survey.records import InterviewMode, InterviewStatus, ResponseChannel
from icv_app.services.survey.consultations import ConsultationService, KeyInResult
from icv_app.services.survey.interviews import InterviewService, LiveInterview

if TYPE_CHECKING:
    from icv_app.store.local_store import LocalStore

_MODES = {ResponseChannel.EMAIL: InterviewMode.EMAIL, ResponseChannel.PAPER: InterviewMode.PAPER}


class KeyInInterviews(InterviewService):
    """An interview service whose records are never stored as interviews: a completed
    walk becomes a consultation response."""

    def __init__(self, store: LocalStore, user_id: str, username: str = "", *,
                 now: Callable[[], dt.datetime] | None = None) -> None:
        super().__init__(store, user_id, **({"now": now} if now else {}))
        self.consultations = ConsultationService(store, user_id, username,
                                                 **({"now": now} if now else {}))
        self.channel = ResponseChannel.PAPER
        self.received_on: dt.date | None = None
        self.kept: KeyInResult | None = None

    def begin(self, form_id: str, channel: ResponseChannel | str,
              received_on: dt.date | None = None) -> LiveInterview:
        self.channel = ResponseChannel.from_value(channel)
        if self.channel not in _MODES:
            raise ValueError("Only email and paper responses are keyed in.")
        self.received_on = received_on or self.now().astimezone().date()
        self.kept = None
        return self.start(form_id, mode=_MODES[self.channel])

    def save(self, body: dict[str, Any]) -> Future[int]:
        if body.get("status") == InterviewStatus.COMPLETE.value:
            self._keep(body)
        done: Future[int] = Future()
        done.set_result(1)
        return done

    def _keep(self, body: dict[str, Any]) -> None:
        answers = json.loads(str(body.get("answers_json") or "{}"))
        assert self.received_on is not None
        self.kept = self.consultations.key_in(str(body["form_id"]), self.channel,
                                              self.received_on, answers, force=True)
