"""Keyring backends for tests: this machine has no usable OS keyring.

``MemoryKeyring`` lives in one process. ``FileKeyring`` keeps entries in the JSON file
named by ``ICV_TEST_KEYRING_FILE`` so that a child process (the crash test, the CLI
tests) sees the keys its parent's test created. Both rank as a real OS keyring does
(priority 1) and are for tests only: the app never writes a key to a plain file.

The others stand for backends the app must treat as no keyring at all:
``PlaintextKeyring`` is keyrings.alt's (a plain file, priority 0.5; not a dependency, so
imitated here), ``NotRecommendedKeyring`` ranks under 1 with a name that says nothing,
``RankedPlaintextKeyring`` claims priority 1 but is plain text by name, and
``chain_of(...)`` is keyring's chainer over the backends given.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.backends import chainer
from keyring.compat import properties
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def _path(self) -> Path:
        return Path(os.environ["ICV_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        return json.loads(self._path.read_text()) if self._path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\x1f{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}\x1f{username}"] = password
        self._path.write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}\x1f{username}", None) is None:
            raise PasswordDeleteError(username)
        self._path.write_text(json.dumps(data))


class PlaintextKeyring(KeyringBackend):
    """Like keyrings.alt.file.PlaintextKeyring: every secret in clear in one file."""

    priority = 0.5  # type: ignore[assignment]  # keyrings.alt's own value

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.writes = 0

    def _load(self) -> dict[str, str]:
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service} {username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        self.writes += 1
        data = self._load()
        data[f"{service} {username}"] = password
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service} {username}", None) is None:
            raise PasswordDeleteError(username)
        self.path.write_text(json.dumps(data))


class RankedPlaintextKeyring(PlaintextKeyring):
    priority = 1  # type: ignore[assignment]


class NotRecommendedKeyring(MemoryKeyring):
    priority = 0.5  # type: ignore[assignment]


def chain_of(*backends: KeyringBackend) -> chainer.ChainerBackend:
    """keyring's chainer over ``backends`` (it discovers installed ones by itself)."""

    class Chain(chainer.ChainerBackend):
        @properties.classproperty
        def backends(cls) -> list[KeyringBackend]:
            return list(backends)

    return Chain()
