"""Shared bits for benchmark scripts: a throwaway profile with a test keyring, statistics."""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def use_memory_keyring() -> None:
    """Benchmarks run where no OS keyring exists; give keyring an in-memory backend."""
    import keyring

    from tests.support.keyring_backend import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())


def temp_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"icv-bench-{prefix}-"))


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(name: str, samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "median_ms": statistics.median(ms),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
