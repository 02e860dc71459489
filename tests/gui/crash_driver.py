"""Child process for the crash-safety test: the real main window on a data directory.

    python -m tests.gui.crash_driver DATA_DIR

Creates a visit and types into fields of several kinds. After each field's autosave has
reached the disk it prints ``entered <field path>=<value>`` and flushes, then it keeps
running until the test kills it. The keyring comes from PYTHON_KEYRING_BACKEND (the
test's file keyring), so the parent can reopen the store afterwards.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from icv_app.domain.custody.reference import load_shipped
from icv_app.paths import Paths
from icv_app.store.local_store import LocalStore
from icv_app.ui.shell.app import application, build_main_window


def main(data_dir: str) -> None:
    app = application()
    store = LocalStore.open(Paths(Path(data_dir)))
    window = build_main_window(store, load_shipped())
    window.show()
    window.new_visit()
    form = window.form

    def wait_saved() -> None:
        # Woken by the queued "saved" signal from the writer thread; no sleeping.
        while not form.autosaver.idle:
            app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)

    def enter(path: str, widget: QWidget, text: str) -> None:
        widget.setFocus()
        QTest.keyClicks(widget, text)
        wait_saved()
        print(f"entered {path}={text}", flush=True)

    wait_saved()
    print(f"visit {form.report.id}", flush=True)
    header = form.header
    enter("header.officer_in_charge", header.officer, "PS 1234")
    enter("header.departure_time", header.departure, "15:30")
    header.delay_minutes.selectAll()
    enter("header.delay_minutes", header.delay_minutes, "12")
    enter("header.delay_reason", header.delay_reason, "Cell block incident")
    form.tabs.setCurrentWidget(form.counts)
    box = form.counts.boxes["in_custody"]
    box.selectAll()
    enter("counts.in_custody", box, "7")
    form.add_detainee()
    enter("detainees[0].custody_number", form.detainees.editor.custody_number, "01NS/0421/26")
    form.add_issue()
    enter("issues[0].text", form.issues.editor.text, "Call bell not answered")
    print("ready", flush=True)
    app.exec()  # until killed


if __name__ == "__main__":
    main(sys.argv[1])
