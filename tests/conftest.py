"""Shared fixtures: a fresh profile directory and keyring per test, Qt offscreen."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("ICV_APP_PASSPHRASE", None)
os.environ.pop("ICV_APP_DATA_DIR", None)

from icv_app.domain.custody.reference import ReferenceData, load_shipped
from icv_app.paths import Paths
from icv_app.store.local_store import LocalStore
from tests.support.keyring_backend import (
    FileKeyring,
    MemoryKeyring,
    NotRecommendedKeyring,
    PlaintextKeyring,
    RankedPlaintextKeyring,
    chain_of,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test gets an empty keyring of its own."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """A machine with no usable keyring (headless Linux)."""
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    yield


def plaintext_file(tmp_path: Path) -> Path:
    """Where keyrings.alt would keep its plain-text file, under the test's own directory
    (so a test that scans tmp_path for a secret scans this file too)."""
    return tmp_path / "python_keyring" / "keyring_pass.cfg"


@pytest.fixture
def plaintext_keyring(tmp_path: Path) -> PlaintextKeyring:
    """keyring's pick on a machine with keyrings.alt and no OS keyring."""
    backend = PlaintextKeyring(plaintext_file(tmp_path))
    keyring.set_keyring(backend)
    return backend


@pytest.fixture(params=["plaintext", "not-recommended", "plaintext-by-name", "null",
                        "chainer-of-insecure"])
def insecure_keyring(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    """A keyring backend that is no keyring for the app's secrets."""
    from keyring.backends import null

    backend: keyring.backend.KeyringBackend = {
        "plaintext": lambda: PlaintextKeyring(plaintext_file(tmp_path)),
        "not-recommended": NotRecommendedKeyring,
        "plaintext-by-name": lambda: RankedPlaintextKeyring(plaintext_file(tmp_path)),
        "null": null.Keyring,
        "chainer-of-insecure": lambda: chain_of(
            PlaintextKeyring(plaintext_file(tmp_path)), NotRecommendedKeyring()
        ),
    }[request.param]()
    keyring.set_keyring(backend)
    return backend


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(tmp_path / "profile").ensure()


@pytest.fixture
def store(paths: Paths) -> Iterator[LocalStore]:
    s = LocalStore.open(paths)
    yield s
    s.close()


@pytest.fixture(scope="session")
def reference() -> ReferenceData:
    return load_shipped()


@pytest.fixture
def child_env(tmp_path: Path) -> dict[str, str]:
    """Environment for a child process of the app that shares a test keyring file."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    env["PYTHON_KEYRING_BACKEND"] = f"{FileKeyring.__module__}.{FileKeyring.__name__}"
    env["ICV_TEST_KEYRING_FILE"] = str(tmp_path / "test-keyring.json")
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("ICV_APP_PASSPHRASE", None)
    return env


@pytest.fixture
def file_keyring(child_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> FileKeyring:
    """Use the same keyring file as child processes, in this process too."""
    monkeypatch.setenv("ICV_TEST_KEYRING_FILE", child_env["ICV_TEST_KEYRING_FILE"])
    backend = FileKeyring()
    keyring.set_keyring(backend)
    return backend


PYTHON = sys.executable


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop this process's PostgreSQL database, if a test made it (each xdist worker has
    its own: tests/support/postgres.py)."""
    from tests.support import postgres

    postgres.drop_database()
