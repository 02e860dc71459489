"""Errors opening or using the local store, each with a message fit to show a user.

Split as qutebrowser does: these are the environment's fault (a wrong passphrase, a
database from a newer app, a damaged file) and get a friendly dialog; anything else is a
bug and gets a crash report.
"""

from __future__ import annotations

from pathlib import Path


class StoreError(Exception):
    """Something about the local store the user must know; the file is left untouched."""


class PassphraseRequired(StoreError):
    """No usable OS keyring, and no passphrase was given: ask the user for one."""

    def __init__(self, new_profile: bool) -> None:
        self.new_profile = new_profile
        super().__init__(
            "This computer has no usable keyring, so the local data is protected by a "
            "passphrase. "
            + ("Choose one" if new_profile else "Enter it")
            + " (or set ICV_APP_PASSPHRASE for headless use)."
        )


class WrongKey(StoreError):
    def __init__(self, path: Path, from_passphrase: bool) -> None:
        self.path = path
        self.from_passphrase = from_passphrase
        if from_passphrase:
            msg = f"The passphrase is not the one this profile was created with ({path})."
        else:
            msg = (
                f"The key in the keyring does not open {path}. The database was left as it "
                "is; restore the keyring entry or choose another data directory."
            )
        super().__init__(msg)


class KeyMissing(StoreError):
    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"The key for {path} is not in this computer's keyring, so the data cannot be "
            "opened. The file was left as it is."
        )


class NewerDatabase(StoreError):
    def __init__(self, path: Path, found: int, known: int) -> None:
        self.path = path
        super().__init__(
            f"{path} was written by a newer version of icv-app (schema {found}; this "
            f"version knows up to {known}). Update the app; the file was left as it is."
        )


class DamagedDatabase(StoreError):
    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        super().__init__(
            f"{path} cannot be read: it is damaged or is not an icv-app database "
            f"({detail}). The file was left as it is; restore it from a backup or sync."
        )


class ProfileMissing(StoreError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The database {path} exists but its profile settings (profile.json) are "
            "missing, so its key cannot be found. Nothing was changed."
        )


class StorageFull(StoreError):
    """The disk (or the database's size limit) is full: the write did not happen, and
    everything saved before it is intact. The form keeps what was typed; the next save
    writes it once there is room."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            "The disk is full, so the last change could not be saved yet. Everything saved "
            "before is safe, and what you typed is still in the form: free some space and "
            "it will be saved with your next change."
            + (f" ({detail})" if detail else "")
        )


class StorageUnavailable(StoreError):
    """The operating system refused the write (read-only disk, device removed, I/O
    error): the environment's fault, not the app's; nothing saved before is lost."""

    def __init__(self, detail: str) -> None:
        super().__init__(
            "The change could not be written to disk: the operating system reported "
            f"{detail!r}. Everything saved before is safe; check the disk and try again."
        )


def environment_error(exc: BaseException) -> StoreError | None:
    """The StoreError an SQLite error stands for when it is the environment's fault
    (disk full, read-only, I/O), or None when it is a bug."""
    import sqlcipher3

    if not isinstance(exc, sqlcipher3.OperationalError | sqlcipher3.DatabaseError):
        return None
    text = str(exc).lower()
    if "full" in text:
        return StorageFull()
    if any(w in text for w in ("readonly", "read-only", "disk i/o", "unable to open")):
        return StorageUnavailable(str(exc))
    return None
