"""The composition root: one open profile for the commands and the GUI, without Qt."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from icv_app.composition import AppContext
from icv_app.store.keys import obtain_key
from tests.conftest import REPO


def test_a_profile_opens_with_its_services_and_reopens_from_its_key(paths):
    with AppContext.open(paths) as context:
        assert context.paths == paths
        assert context.visits.store is context.store
        assert context.visits.reference is context.reference
        report, saved = context.visits.new_visit("suite-canal-street", ("v-003", "v-004"))
        saved.result()
    key, profile = obtain_key(paths.profile, paths.database, None)
    context = AppContext.unlocked(paths, key, profile)
    try:
        assert [s.id for s in context.visits.list()] == [report.id]
    finally:
        context.close()


def test_sync_is_built_once_on_first_use_and_stopped_before_the_store_closes(paths):
    context = AppContext.open(paths)
    sync = context.sync
    assert context.sync is sync and sync.store is context.store
    sync.start()
    worker = sync._thread
    assert worker is not None and worker.is_alive()
    context.close()
    assert not worker.is_alive()
    context.close()  # twice is harmless


def test_a_closed_profile_builds_no_sync(paths):
    context = AppContext.open(paths)
    context.close()
    with pytest.raises(RuntimeError):
        context.sync  # noqa: B018


@pytest.mark.slow
def test_opening_a_profile_imports_neither_qt_nor_sync(tmp_path, child_env):
    script = textwrap.dedent(f"""
        import sys
        from icv_app.composition import AppContext
        from icv_app.paths import Paths

        with AppContext.open(Paths.resolve({str(tmp_path / "profile")!r})) as context:
            context.visits.list()
            print("qt", sorted(m for m in sys.modules if m.startswith("PySide6")))
            print("sync", sorted(m for m in sys.modules if m == "httpx"
                                 or m.startswith(("icv_app.sync", "icv_app.services.sync"))))
            context.sync
            print("later", "icv_app.services.sync" in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=child_env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "qt []" in result.stdout, result.stdout
    assert "sync []" in result.stdout, result.stdout
    assert "later True" in result.stdout, result.stdout
