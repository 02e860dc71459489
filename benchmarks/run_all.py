"""Run every ``benchmarks/bench_*.py`` in turn, with its default arguments, and print what
each one prints (as it prints it), then how long each took.

    python benchmarks/run_all.py [NAME ...]

NAME picks only the benchmarks whose file name contains it (e.g. ``sync``). Each benchmark
runs in its own process with this interpreter; one that crashes is reported and the rest
still run. Like the benchmarks themselves, this exits 0: the figures are the result.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("names", nargs="*", help="run only benchmarks whose name contains one")
    args = parser.parse_args()

    scripts = sorted(HERE.glob("bench_*.py"))
    if args.names:
        scripts = [s for s in scripts if any(n in s.name for n in args.names)]
    if not scripts:
        print("no benchmark matches")
        return 0
    ran: list[tuple[str, float, int]] = []
    for script in scripts:
        print(f"=== {script.name}", flush=True)
        start = time.perf_counter()
        code = subprocess.run([sys.executable, str(script)], cwd=HERE.parent).returncode
        elapsed = time.perf_counter() - start
        ran.append((script.name, elapsed, code))
        if code != 0:
            print(f"!!! {script.name} exited with status {code}", flush=True)
        print(flush=True)
    print("=== summary")
    for name, elapsed, code in ran:
        print(f"  {name:<28} {elapsed:7.1f} s  {'ok' if code == 0 else f'exit {code}'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
