"""The survey pages, in the order of the Survey menu: each a module and class loaded when
first opened (a custody visitor's laptop never imports them), with the roles it is for."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

from icv_app.ui.survey.page import SurveyPage

INTERVIEWER = frozenset({"interviewer", "survey_manager", "admin"})
MANAGER = frozenset({"survey_manager", "admin"})


@dataclass(frozen=True)
class SurveyPageEntry:
    key: str
    title: str  # menu text, with its mnemonic
    module: str
    cls: str
    shortcut: str  # Ctrl+Shift+N; an interviewer's or survey manager's laptop also Ctrl+N
    roles: frozenset[str] = INTERVIEWER
    in_menu: bool = True  # False: opened by other pages (the interview runner)

    @property
    def available(self) -> bool:
        return importlib.util.find_spec(self.module) is not None

    def load(self) -> type[SurveyPage]:
        page = getattr(importlib.import_module(self.module), self.cls)
        assert issubclass(page, SurveyPage)
        return page


SURVEY_PAGES: tuple[SurveyPageEntry, ...] = (
    SurveyPageEntry("calls", "&Calls", "icv_app.ui.survey.calls_page", "CallsPage", "1"),
    SurveyPageEntry("street", "S&treet interviews", "icv_app.ui.survey.street_page",
                    "StreetPage", "2"),
    SurveyPageEntry("consultations", "C&onsultations",
                    "icv_app.ui.survey.consultations_page", "ConsultationsPage", "3"),
    SurveyPageEntry("fieldwork", "&Fieldwork", "icv_app.ui.survey.fieldwork_page",
                    "FieldworkPage", "4", MANAGER),
    SurveyPageEntry("interview", "&Interview", "icv_app.ui.survey.interview_page",
                    "InterviewPage", "", in_menu=False),
)
# The page an account's laptop opens on: a survey account has no visits to list.
HOME = {"interviewer": "calls", "survey_manager": "fieldwork"}
INTERVIEW_KEY = "interview"  # the interview runner's page: calls and street open it
