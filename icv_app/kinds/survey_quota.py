"""A form's interview quota (:class:`~icv_app.domain.survey.quotas.SurveyQuota`) as the
kind ``survey_quota``, and the local-only tables of the counts a laptop last fetched.

Survey managers and admins define and change quotas (``scheme``); interviewers read
every one (``scheme``: they interview to them) and write none. One record per form (its
id comes from the form id), never final: a manager may move targets during fieldwork.
The server refuses a quota out of bounds (:func:`~icv_app.domain.survey.quotas.quota_problems`).

Local-only tables (not synced; :mod:`icv_app.services.survey.quota_sync` fills them after
each sync, :mod:`icv_app.services.survey.quotas` reads them):

- ``survey_quota_counts``: per form and cell, the server's count of complete interviews,
  when it was fetched, and the ids of the interviews beyond the target that the server
  showed this user (a JSON list).
- ``survey_quota_fetches``: per form, when the counts were last fetched.
- ``survey_quota_counted``: per form, this laptop's own complete interviews the server
  held when the counts were fetched (and so counted); any other complete interview of
  this laptop's is added to the server's count until the next fetch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from icv_app.kinds.base import Kind, Problem, Relation, record_table

if TYPE_CHECKING:
    from icv_app.domain.survey.quotas import SurveyQuota

_MANAGERS = {"survey_manager": Relation.SCHEME, "admin": Relation.SCHEME}
_READ = {"interviewer": Relation.SCHEME, **_MANAGERS}

COUNTS_TABLE = "survey_quota_counts"
FETCHES_TABLE = "survey_quota_fetches"
COUNTED_TABLE = "survey_quota_counted"


def _load() -> type:
    from icv_app.domain.survey.quotas import SurveyQuota

    return SurveyQuota


def _check(quota: SurveyQuota) -> list[Problem]:
    from icv_app.domain.survey.quotas import quota_problems

    return [Problem(p.field, p.message) for p in quota_problems(quota)]


def _counts_tables(db: Any) -> None:
    db.execute(
        f"""CREATE TABLE {COUNTS_TABLE} (
            form_id TEXT NOT NULL, cell TEXT NOT NULL, count INTEGER NOT NULL,
            target INTEGER, fetched_at TEXT NOT NULL, flagged TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (form_id, cell))"""
    )
    db.execute(
        f"""CREATE TABLE {FETCHES_TABLE} (
            form_id TEXT PRIMARY KEY, fetched_at TEXT NOT NULL,
            as_of_seq INTEGER NOT NULL DEFAULT 0)"""
    )
    db.execute(
        f"""CREATE TABLE {COUNTED_TABLE} (
            form_id TEXT NOT NULL, interview_id TEXT NOT NULL,
            PRIMARY KEY (form_id, interview_id))"""
    )


_QUOTAS_TABLE: Callable[[Any], None] = record_table(
    "survey_quotas", "form_id TEXT, name TEXT, cells INTEGER, defined_at TEXT",
    {"by_form_id": "form_id"})

QUOTA = Kind(
    name="survey_quota",
    label="survey quota",
    load_type=_load,
    table="survey_quotas",
    read=_READ,
    write=_MANAGERS,
    check=_check,
    columns=lambda q: {"form_id": q.form_id, "name": q.name, "cells": len(q.targets),
                       "defined_at": q.defined_at.isoformat()},
    local_migrations=(
        ("0001_survey_quotas", _QUOTAS_TABLE),
        ("0002_survey_quota_counts", _counts_tables),
    ),
    local_tables=(COUNTS_TABLE, FETCHES_TABLE, COUNTED_TABLE),
    push_order=75,
    labels={"form_id": "Form", "name": "Name", "variables": "Variables",
            "variables[]": "Variable", "targets": "Targets", "targets[]": "Cell",
            "targets[].cell": "Cell", "targets[].target": "Target",
            "other_cells_full": "Other cells full", "defined_by": "Defined by",
            "defined_at": "Defined at"},
)

KINDS = (QUOTA,)
