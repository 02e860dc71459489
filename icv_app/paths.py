"""Every file location the app uses, in one place.

The profile directory comes from ``--data-dir``, else ``ICV_APP_DATA_DIR``, else the
per-user data directory of the OS (platformdirs). Tests and several profiles on one
machine never collide because each has its own directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "icv-app"
ENV_DATA_DIR = "ICV_APP_DATA_DIR"


def default_data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @classmethod
    def resolve(cls, data_dir: str | os.PathLike[str] | None = None) -> Paths:
        chosen = data_dir or os.environ.get(ENV_DATA_DIR) or default_data_dir()
        return cls(Path(chosen).expanduser().resolve())

    @property
    def database(self) -> Path:
        return self.data_dir / "icv.db"

    @property
    def profile(self) -> Path:
        """Non-secret profile settings: its id, how the key is kept, a key check value."""
        return self.data_dir / "profile.json"

    @property
    def server_database(self) -> Path:
        return self.data_dir / "server.db"

    @property
    def window_state(self) -> Path:
        """Where the main window was and how big (no report data: an INI file)."""
        return self.data_dir / "window.ini"

    @property
    def exports(self) -> Path:
        return self.data_dir / "exports"

    def ensure(self) -> Paths:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self
