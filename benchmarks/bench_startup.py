"""Start-up to main window shown, with 10,000 visits stored, against a bare PySide6 window.

The app shows its main window first and then opens the encrypted store (key from the
keyring) and lists the visits, so two moments are reported: the window shown, and the
visits listed. The issue's target applies to the first; the second is printed beside it.

Both sides are measured the same way: wall-clock time from just before spawning a fresh
Python process to the moment that process reports its main window shown (exposed and
painted). The app runs ``icv-app --data-dir D --self-test`` (open the encrypted store,
show the main window with all visits listed) with ICV_APP_REPORT_SHOWN_AT set; the
baseline runs a script that creates a QApplication and a QMainWindow holding an empty
QTableView, shows it, waits until it is exposed, paints it and reports the same way.
Runs alternate between the two so machine load affects both alike.

    python benchmarks/bench_startup.py [--visits 10000] [--runs 15]

Target: ratio at most 2.0x (medians).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

from _common import REPO, temp_dir, verdict

BASELINE = """
import sys, time
from PySide6.QtWidgets import QApplication, QMainWindow, QTableView
app = QApplication(sys.argv)
window = QMainWindow()
window.setCentralWidget(QTableView())
window.resize(1100, 700)
window.show()
while window.windowHandle() is None or not window.windowHandle().isExposed():
    app.processEvents()
window.grab()
print(f"shown-at {time.time():.6f} cpu {time.process_time():.6f}", flush=True)
"""


def timed(cmd: list[str], env: dict[str, str]) -> dict[str, tuple[float, float]]:
    """For each moment the process reports (``shown``, and ``ready`` for the app): seconds
    from spawning it, and the CPU seconds it had used by then (less sensitive to load)."""
    start = time.time()
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    moments = {}
    for line in out.splitlines():
        if line.startswith(("shown-at ", "ready-at ")):
            what, wall, _, cpu = line.split()
            moments[what.removesuffix("-at")] = (float(wall) - start, float(cpu))
    return moments


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    data = temp_dir("startup")
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["ICV_APP_REPORT_SHOWN_AT"] = "1"
    env["PYTHONPATH"] = str(REPO)
    env["PYTHON_KEYRING_BACKEND"] = "tests.support.keyring_backend.FileKeyring"
    env["ICV_TEST_KEYRING_FILE"] = str(data / "test-keyring.json")
    profile = data / "profile"
    subprocess.run(
        [sys.executable, "-m", "icv_app", "--data-dir", str(profile), "demo",
         "--visits", str(args.visits), "--seed", "1"],
        env=env, check=True, capture_output=True,
    )
    app_cmd = [sys.executable, "-m", "icv_app", "--data-dir", str(profile), "--self-test"]
    base_cmd = [sys.executable, "-c", BASELINE]
    for cmd in (app_cmd, base_cmd):  # warm the OS file cache
        timed(cmd, env)
    ours, base = [], []
    for _ in range(args.runs):
        ours.append(timed(app_cmd, env))
        base.append(timed(base_cmd, env))
    print(f"start-up ({args.visits} visits stored, {args.runs} runs each); baseline: a bare "
          "PySide6 QMainWindow with an empty QTableView, shown and painted")
    ratios = {}
    for moment, label in (("shown", "main window shown"),
                          ("ready", "visits listed (store opened, first rows painted)")):
        print(f"  {label}:")
        for i, what in ((0, "wall"), (1, "cpu ")):
            o = statistics.median(r[moment][i] for r in ours) * 1000
            b = statistics.median(r["shown"][i] for r in base) * 1000
            ratios[(moment, what)] = o / b
            print(f"    {what}  icv-app median {o:4.0f} ms (min "
                  f"{min(r[moment][i] for r in ours) * 1000:4.0f})   baseline median "
                  f"{b:4.0f} ms (min {min(r['shown'][i] for r in base) * 1000:4.0f})   "
                  f"ratio {o / b:.2f}x")
    load = os.getloadavg()[0]
    print(f"  target: main window shown within 2.0x of the baseline (wall): "
          f"{verdict(ratios[('shown', 'wall')] <= 2.0)}"
          + ("" if load < 1.0 else f"   (load average {load:.1f}: wall times are noisy)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
