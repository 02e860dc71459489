"""The coordinator's pages, in the order of the Coordination menu: each a module and class
loaded when first opened (a volunteer's laptop never imports them)."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass

from icv_app.ui.coordinator.page import CoordinatorPage


@dataclass(frozen=True)
class PageEntry:
    key: str
    title: str  # menu text, with its mnemonic
    module: str
    cls: str
    shortcut: str

    @property
    def available(self) -> bool:
        return importlib.util.find_spec(self.module) is not None

    def load(self) -> type[CoordinatorPage]:
        page = getattr(importlib.import_module(self.module), self.cls)
        assert issubclass(page, CoordinatorPage)
        return page


PAGES: tuple[PageEntry, ...] = (
    PageEntry("reports", "All &reports", "icv_app.ui.coordinator.reports_page",
              "ReportsPage", "Ctrl+1"),
    PageEntry("follow_ups", "&Follow-ups", "icv_app.ui.coordinator.follow_ups_page",
              "FollowUpsPage", "Ctrl+2"),
    PageEntry("dip_samples", "&Dip samples", "icv_app.ui.coordinator.dip_samples_page",
              "DipSamplesPage", "Ctrl+3"),
    PageEntry("record_reviews", "Custody record re&views",
              "icv_app.ui.coordinator.record_reviews_page", "RecordReviewsPage", "Ctrl+4"),
    PageEntry("statistics", "&Statistics", "icv_app.ui.coordinator.statistics_page",
              "StatisticsPage", "Ctrl+5"),
    PageEntry("reference", "Suites, &panels and visitors",
              "icv_app.ui.coordinator.reference_page", "ReferencePage", "Ctrl+6"),
    PageEntry("admin", "&Administration", "icv_app.ui.coordinator.admin_page",
              "AdminPage", "Ctrl+7"),
)
