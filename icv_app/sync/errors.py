"""What can go wrong when a laptop talks to the central store, each with a sentence fit to
show the person using the app.

Split by what the app should do next: a ``retryable`` error (the network, a busy or
restarting server) is retried with back-off and, when retries run out, the app waits for
the server to answer again; the others need a person (sign in again, update the app, the
laptop was revoked). None of them means local data was lost: every change stays on the
laptop until the server has acknowledged it.

This module imports nothing heavy, so the GUI can branch on these classes cheaply.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base class; ``str(error)`` is the user-facing message."""

    retryable = False
    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotSignedIn(SyncError):
    kind = "signed_out"

    def __init__(self, message: str = "This laptop is not signed in to a server yet.") -> None:
        super().__init__(message)


class AuthFailed(SyncError):
    """Wrong username or password, an unknown token, a disabled account, or a role that
    may not do this: the person must sign in again (or ask a coordinator)."""

    kind = "auth"


class DeviceRevoked(SyncError):
    """An administrator revoked this laptop's access (a lost laptop, or it signed out).

    The app says so and offers to remove the local data; nothing is removed unless the
    person confirms (:func:`icv_app.sync.client.purge_local_data`).
    """

    kind = "revoked"

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "An administrator has revoked this laptop's access to the server. "
            "Reports on it can no longer be sent."
        )


class UpdateRequired(SyncError):
    """The server no longer serves this version of the app (HTTP 426). Local data is kept."""

    kind = "update_required"

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "The server needs a newer version of icv-app. Update the app; your reports "
            "stay on this laptop and will be sent after the update."
        )


class Throttled(SyncError):
    """Too many failed sign-ins: wait ``retry_after`` seconds."""

    kind = "throttled"

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerUnavailable(SyncError):
    """The server answered that it cannot serve now (5xx): try again later."""

    retryable = True
    kind = "unavailable"

    def __init__(self, message: str = "", retry_after: float | None = None) -> None:
        super().__init__(
            message or "The server is not available at the moment; sync will try again."
        )
        self.retry_after = retry_after


class NetworkError(ServerUnavailable):
    """The server could not be reached, or the connection broke."""

    kind = "network"

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "The server cannot be reached (no network, or the server is down). "
            "Your changes are kept on this laptop; sync will try again."
        )


class ProtocolError(SyncError):
    """The server answered something this app does not understand (a bug, or a proxy in
    the way): not retried automatically."""

    kind = "protocol"


class TooLarge(SyncError):
    """The server, or a reverse proxy in front of it, refused a request as too large
    (HTTP 413). A push answers it by sending fewer records at a time
    (:func:`icv_app.sync.phases.push`); anywhere else it needs an administrator."""

    kind = "too_large"

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "The server, or a proxy in front of it, refused a request as too large. "
            "Ask your administrator to check its size limit; nothing was lost."
        )


class SyncCancelled(SyncError):
    kind = "cancelled"

    def __init__(self, message: str = "Sync was cancelled. Nothing was lost.") -> None:
        super().__init__(message)


class AccountMismatch(SyncError):
    """The profile holds another account's synced data: signing in as someone else here
    would mix two people's reports."""

    kind = "account_mismatch"


class InvalidServerUrl(SyncError, ValueError):
    kind = "invalid_url"


class InsecureServerUrl(InvalidServerUrl):
    """The server URL would send the password and token unencrypted over a network."""

    kind = "insecure_url"
