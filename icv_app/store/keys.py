"""The database key: random and kept in the OS keyring, or derived from a passphrase.

The profile file (``profile.json``) holds only what is not secret: the profile id that
names the keyring entry, where the key comes from, the passphrase salt, and a check value
(an HMAC of a constant under the key) that tells a wrong key from a damaged file without
touching the database. The key itself is never written to a plain file.

Which keyring counts is decided once, by :func:`usable_keyring`, for every secret of a
profile (the device token follows the same rule, :mod:`icv_app.sync.credentials`): a
keyring backend that keeps secrets in a plain file is no keyring.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from icv_app.store.errors import KeyMissing, PassphraseRequired, ProfileMissing, WrongKey

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

KEYRING_SERVICE = "icv-app"
ENV_PASSPHRASE = "ICV_APP_PASSPHRASE"
KEY_BYTES = 32
# scrypt cost: about 0.1 s on a laptop, so guessing passphrases offline is slow.
_SCRYPT = {"n": 2**15, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024}

# Asked for a passphrase: the argument says whether it is a new profile (choose one,
# confirm it) or an existing one (enter it). None means the user cancelled.
PassphraseProvider = Callable[[bool], str | None]


@dataclass
class Profile:
    profile_id: str
    key_source: str  # "keyring" or "passphrase"
    salt: str = ""
    key_check: str = ""

    @property
    def keyring_entry(self) -> str:
        return f"database-key/{self.profile_id}"


def key_check(key: bytes) -> str:
    return hmac.new(key, b"icv-app key check v1", hashlib.sha256).hexdigest()


def derive_key(passphrase: str, salt: bytes) -> bytes:
    return hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, dklen=KEY_BYTES, **_SCRYPT)


# keyring's own rule: a backend of priority 1 or more is recommended, one under 1 merely
# "suitable". The OS keyrings rank 1 or more (Secret Service, macOS Keychain, Windows
# Credential Manager, KWallet); under 1 rank the file backends of keyrings.alt
# (PlaintextKeyring, 0.5, keeps every secret in clear in one file) and the backends that
# keep nothing (fail 0, null -1).
RECOMMENDED_PRIORITY = 1.0


def usable_keyring() -> KeyringBackend | None:
    """The keyring backend to keep this profile's secrets in, or None where there is no
    usable keyring: then the key comes from a passphrase, and the device token is kept
    inside the database it encrypts.

    keyring always hands back some backend, so "usable" means: one keyring recommends
    (:data:`RECOMMENDED_PRIORITY`), not plain text by its name (in case a configuration
    ranks one higher), that answers a read. keyring's chainer, its pick when several
    backends are installed, counts through the backends it chains, and the first usable
    one is returned rather than the chainer: the chainer writes to the next backend when
    one fails, and the next may be a plain-text one.
    """
    import keyring
    from keyring.backends import chainer

    backend = keyring.get_keyring()
    chained = (
        list(backend.backends) if isinstance(backend, chainer.ChainerBackend) else [backend]
    )
    for candidate in chained:
        if _recommended(candidate) and _answers(candidate):
            return candidate
    return None


def _recommended(backend: KeyringBackend) -> bool:
    if "plaintext" in type(backend).__name__.lower():
        return False
    try:
        return float(backend.priority) >= RECOMMENDED_PRIORITY
    except Exception:  # a backend not viable here raises from priority
        return False


def _answers(backend: KeyringBackend) -> bool:
    try:
        backend.get_password(KEYRING_SERVICE, "probe")
    except Exception:  # any backend failure means: not usable here
        return False
    return True


def load_profile(path: Path) -> Profile | None:
    if not path.exists():
        return None
    return Profile(**json.loads(path.read_text("utf-8")))


def _write_profile(path: Path, profile: Profile) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(profile), indent=2), "utf-8")
    os.replace(tmp, path)


def obtain_key(
    profile_path: Path,
    database_path: Path,
    passphrase_provider: PassphraseProvider | None = None,
) -> tuple[bytes, Profile]:
    """The key for this profile, creating the profile (and key) on first use.

    Raises PassphraseRequired when a passphrase is needed and none could be had,
    WrongKey when the passphrase or keyring key does not match the profile, and
    KeyMissing when the keyring lost the key.
    """
    import keyring

    profile = load_profile(profile_path)
    if profile is None:
        if database_path.exists():
            raise ProfileMissing(database_path)
        return _create(profile_path, passphrase_provider)

    if profile.key_source == "keyring":
        # Read through keyring as configured (a chainer reads every backend it chains):
        # the key is wherever usable_keyring() put it, and reading writes nothing.
        stored = keyring.get_password(KEYRING_SERVICE, profile.keyring_entry)
        if stored is None:
            raise KeyMissing(database_path)
        key = bytes.fromhex(stored)
        if not hmac.compare_digest(key_check(key), profile.key_check):
            raise WrongKey(database_path, from_passphrase=False)
        return key, profile

    passphrase = _passphrase(passphrase_provider, new_profile=False)
    key = derive_key(passphrase, bytes.fromhex(profile.salt))
    if not hmac.compare_digest(key_check(key), profile.key_check):
        raise WrongKey(database_path, from_passphrase=True)
    return key, profile


def _passphrase(provider: PassphraseProvider | None, new_profile: bool) -> str:
    passphrase = os.environ.get(ENV_PASSPHRASE)
    if not passphrase and provider is not None:
        passphrase = provider(new_profile)
    if not passphrase:
        raise PassphraseRequired(new_profile)
    return passphrase


def _create(
    profile_path: Path, passphrase_provider: PassphraseProvider | None
) -> tuple[bytes, Profile]:
    profile_id = str(uuid.uuid4())
    backend = usable_keyring()
    if backend is not None:
        key = secrets.token_bytes(KEY_BYTES)
        profile = Profile(profile_id, "keyring", key_check=key_check(key))
        backend.set_password(KEYRING_SERVICE, profile.keyring_entry, key.hex())
    else:
        passphrase = _passphrase(passphrase_provider, new_profile=True)
        salt = secrets.token_bytes(16)
        key = derive_key(passphrase, salt)
        profile = Profile(profile_id, "passphrase", salt=salt.hex(), key_check=key_check(key))
    profile_path.parent.mkdir(parents=True, exist_ok=True)
    _write_profile(profile_path, profile)
    return key, profile
