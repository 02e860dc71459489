"""Nothing typed is lost when the app is killed: every change is on disk once saved."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading

import pytest

from icv_app.domain.custody.reference import load_shipped
from icv_app.paths import Paths
from icv_app.services.custody.visits import VisitService
from icv_app.store.local_store import LocalStore
from tests.conftest import REPO

pytestmark = [pytest.mark.gui, pytest.mark.slow]

TIMEOUT_S = 60


def value_at(report, path: str) -> str:
    """The report's value at a field path, as text the driver typed."""
    obj = report
    for part in path.split("."):
        if "[" in part:
            name, index = part[:-1].split("[")
            obj = getattr(obj, name)[int(index)]
        else:
            obj = getattr(obj, part)
    if hasattr(obj, "strftime"):
        return obj.strftime("%H:%M")
    return str(obj)


def test_fields_saved_before_a_kill_are_all_there(tmp_path, child_env, file_keyring):
    data_dir = tmp_path / "profile"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.gui.crash_driver", str(data_dir)],
        cwd=REPO, env=child_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert child.stdout is not None
    stdout = child.stdout
    reader = threading.Thread(target=lambda: [lines.put(x) for x in stdout], daemon=True)
    reader.start()
    entered: dict[str, str] = {}
    visit_id = ""
    try:
        while True:  # each line is printed after its save reached the disk
            try:
                line = lines.get(timeout=TIMEOUT_S).strip()
            except queue.Empty:
                pytest.fail("the app stopped reporting saved fields")
            if line.startswith("visit "):
                visit_id = line.split()[1]
            elif line.startswith("entered "):
                path, _, value = line[len("entered "):].partition("=")
                entered[path] = value
            elif line == "ready":
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=TIMEOUT_S)
        reader.join(timeout=TIMEOUT_S)  # at EOF now: then close stdout (no ResourceWarning)
        stdout.close()
        assert child.stderr is not None
        err = child.stderr.read()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL, err
    assert visit_id, err
    assert len(entered) == 7, err

    with LocalStore.open(Paths(data_dir)) as store:
        report = VisitService(store, load_shipped()).load(visit_id)
    assert {path: value_at(report, path) for path in entered} == entered
