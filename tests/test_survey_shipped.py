"""The shipped XLSForm instruments: the workbooks are what their build script writes
(so the readable script is the form's source), and pyxform, the reference converter,
converts each one with no warning."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import pytest

SURVEY = Path(__file__).resolve().parent.parent / "resources" / "survey"
FORMS = {"perception.xlsx": "perception",
         "strategy_consultation.xlsx": "strategy_consultation",
         "survivor_consultation.xlsx": "survivor_consultation"}


def build_script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("build_instruments",
                                                  SURVEY / "build_instruments.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_shipped_workbook_is_what_its_script_writes():
    script = build_script()
    built = {filename: script.build(form_id, title, survey, choices)
             for filename, form_id, title, survey, choices in script.FORMS}
    assert set(built) == set(FORMS)
    for filename, data in built.items():
        assert (SURVEY / filename).read_bytes() == data, (
            f"{filename} differs from build_instruments.py: run the script")


@pytest.mark.parametrize("filename", sorted(FORMS))
def test_pyxform_converts_each_shipped_form_with_no_warning(filename, tmp_path):
    from pyxform.xls2xform import convert

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = convert(xlsform=str(SURVEY / filename))
    assert result.warnings == []
    assert f'id="{FORMS[filename]}"' in result.xform
    assert 'version="2026.1"' in result.xform
    assert "Welsh (cy)" in result.xform and "English (en)" in result.xform
