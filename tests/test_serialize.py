"""Reports survive the trip to JSON and back unchanged."""

from __future__ import annotations

import json

from hypothesis import given, settings, strategies as st

from icv_app.domain.custody.demo import generate_visits
from icv_app.domain.serialize import report_from_json, report_to_json


def test_demo_reports_round_trip(reference):
    for report in generate_visits(reference, 50, seed=3):
        assert report_from_json(report_to_json(report)) == report


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_any_generated_report_round_trips(reference, seed):
    report = next(generate_visits(reference, 1, seed=seed))
    assert report_from_json(report_to_json(report)) == report


def test_unknown_fields_from_a_newer_app_are_ignored(reference):
    report = next(generate_visits(reference, 1, seed=1))
    data = json.loads(report_to_json(report))
    data["header"]["field_from_the_future"] = 1
    data["new_section"] = {"x": 1}
    assert report_from_json(json.dumps(data)) == report
