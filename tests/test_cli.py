"""Headless commands scripts rely on."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from icv_app.cli import main
from icv_app.store.local_store import LocalStore


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_fills_the_profile_and_list_prints_json(paths, capsys, reference):
    code, out, _ = run(capsys, "--data-dir", str(paths.data_dir), "demo", "--visits", "40",
                       "--seed", "5")
    assert code == 0 and "profile now holds 40" in out
    code, out, _ = run(capsys, "--data-dir", str(paths.data_dir), "visits", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 40
    assert {"id", "suite", "date", "status"} <= set(rows[0])
    suite_names = {s.name for s in reference.suites}
    assert {r["suite"] for r in rows} <= suite_names
    assert len({r["suite"] for r in rows}) >= 3  # varied suites
    assert {r["status"] for r in rows} <= {"draft", "submitted"}
    with LocalStore.open(paths) as s:
        assert {r["id"] for r in rows} == {
            v[0] for v in s.reader.execute("SELECT id FROM visits").fetchall()
        }


def test_demo_visits_vary_by_day_and_time(paths, capsys):
    run(capsys, "--data-dir", str(paths.data_dir), "demo", "--visits", "300", "--seed", "2")
    _code, out, _ = run(capsys, "--data-dir", str(paths.data_dir), "visits", "list", "--json")
    rows = json.loads(out)
    import datetime as dt

    weekdays = {dt.date.fromisoformat(r["date"]).weekday() for r in rows}
    hours = {int(r["arrival"][:2]) for r in rows}
    assert weekdays == set(range(7))
    assert len(hours) >= 12
    assert sum(r["detainees"] for r in rows) > 300


def test_data_dir_from_environment(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("ICV_APP_DATA_DIR", str(tmp_path / "envprofile"))
    assert run(capsys, "demo", "--visits", "3")[0] == 0
    assert (tmp_path / "envprofile" / "icv.db").exists()


def test_store_errors_print_a_message_and_exit_nonzero(paths, capsys, memory_keyring):
    run(capsys, "--data-dir", str(paths.data_dir), "demo", "--visits", "1")
    memory_keyring.entries.clear()
    code, _, err = run(capsys, "--data-dir", str(paths.data_dir), "visits", "list")
    assert code == 3
    assert "not in this computer's keyring" in err


def test_negative_visit_count_is_a_usage_error(paths, capsys):
    code, _, err = run(capsys, "--data-dir", str(paths.data_dir), "demo", "--visits", "-1")
    assert code == 2 and "--visits" in err


@pytest.mark.slow
def test_console_entry_point_runs_headless_with_a_passphrase(tmp_path, child_env):
    env = dict(child_env)
    env.pop("PYTHON_KEYRING_BACKEND")
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["ICV_APP_PASSPHRASE"] = "a long synthetic passphrase"
    data = str(tmp_path / "p")
    subprocess.run([sys.executable, "-m", "icv_app", "--data-dir", data, "demo",
                    "--visits", "5"], env=env, check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-m", "icv_app", "--data-dir", data, "visits",
                          "list", "--json"], env=env, check=True, capture_output=True, text=True)
    assert len(json.loads(out.stdout)) == 5
    env["ICV_APP_PASSPHRASE"] = "not it"
    bad = subprocess.run([sys.executable, "-m", "icv_app", "--data-dir", data, "visits",
                          "list"], env=env, capture_output=True, text=True)
    assert bad.returncode == 3 and "passphrase is not the one" in bad.stderr


def test_list_json_gives_each_visit_the_short_reference_its_pdf_carries(
    paths, capsys, store, reference, tmp_path
):
    import datetime as dt

    import pypdf

    from icv_app.domain.custody.visit import VisitReport
    from icv_app.reports.custody.visit_outline import visit_reference
    from icv_app.store.custody.visits import save_visit

    dated = VisitReport()
    dated.header.suite_id = "suite-canal-street"
    dated.header.visit_date = dt.date(2026, 3, 10)
    # No visit date yet: the reference takes the year the report was made.
    undated = VisitReport(created_at=dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC))
    for report in (dated, undated):
        store.writer.submit(lambda db, r=report: save_visit(db, r)).result()
    store.close()

    code, out, _ = run(capsys, "--data-dir", str(paths.data_dir), "visits", "list", "--json")

    assert code == 0
    references = {row["id"]: row["reference"] for row in json.loads(out)}
    assert references == {r.id: visit_reference(r, reference) for r in (dated, undated)}
    assert references[dated.id].startswith("NS-26-")
    assert references[undated.id].startswith("NS-25-")
    for report in (dated, undated):
        pdf = tmp_path / f"{report.id}.pdf"
        run(capsys, "--data-dir", str(paths.data_dir), "pdf", "visit", report.id, "-o", str(pdf))
        first = pypdf.PdfReader(pdf).pages[0].extract_text()
        assert f"Reference {references[report.id]}" in first
