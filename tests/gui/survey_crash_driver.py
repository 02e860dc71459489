"""Child process for the interview crash test: the interview runner on a data directory.

    python -m tests.gui.survey_crash_driver DATA_DIR

Imports the shipped perception form, starts a telephone interview in a real
QApplication and answers it from the keyboard: after each answer has reached the disk it
prints ``saved <name>=<answer as JSON>``, then goes back one question with Page Up and
prints ``asking <name>`` once that place is saved too, and keeps running until the test
kills it. The keyring comes from PYTHON_KEYRING_BACKEND (the test's file keyring), so the
parent can reopen the store afterwards.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from icv_app.domain.survey.records import InterviewMode
from icv_app.paths import Paths
from icv_app.services.survey.instruments import InstrumentService
from icv_app.services.survey.interviews import InterviewService
from icv_app.store.local_store import LocalStore
from icv_app.survey_commands import shipped_forms
from icv_app.ui.shell.app import application
from icv_app.ui.survey.runner import InterviewRunner

INTERVIEWER = "0b7e2d7c-1f55-4a8c-9f0e-6a1d2c3b4a51"
# (question, digit): yes; Shropshire; Ward B; agree; agree
ANSWERS = [("consent", Qt.Key.Key_1), ("area", Qt.Key.Key_2),
           ("neighbourhood", Qt.Key.Key_2), ("confidence_in_police", Qt.Key.Key_2),
           ("confident_good_service", Qt.Key.Key_2)]


def main(data_dir: str) -> None:
    app = application()
    store = LocalStore.open(Paths(Path(data_dir)))
    InstrumentService(store).import_file(shipped_forms()["perception"])
    service = InterviewService(store, INTERVIEWER)
    live = service.start("perception", mode=InterviewMode.TELEPHONE,
                         preset={"interview_mode": "telephone"})
    runner = InterviewRunner(live)
    runner.show()
    print(f"interview {live.id}", flush=True)

    def key(k: Qt.Key) -> None:
        target = QApplication.focusWidget() or runner.input
        assert target is not None
        QTest.keyClick(target, k)

    key(Qt.Key.Key_Return)  # the introduction (a note)
    for name, digit in ANSWERS:
        step = live.current
        assert step is not None and step.name == name, (step, name)
        key(digit)
        key(Qt.Key.Key_Return)
        live.wait_saved()
        print(f"saved {name}={json.dumps(live.answers[name])}", flush=True)
    key(Qt.Key.Key_PageUp)
    live.wait_saved()
    step = live.current
    assert step is not None
    print(f"asking {step.name}", flush=True)
    app.exec()  # until killed


if __name__ == "__main__":
    main(sys.argv[1])
