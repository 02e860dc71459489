"""``icv-app login``, ``icv-app sync`` and ``icv-app logout``: sync from scripts.

    icv-app login --server URL --user NAME [--password-stdin] [--device-name N]
                  [--allow-insecure-http]
    icv-app sync [--status] [--json]
    icv-app logout

Exit status: 0 done; 1 sync failed otherwise (an answer the app did not understand,
cancelled); 2 a request that cannot be done (a bad server address); 3 the local store
cannot be opened; 4 the server cannot be reached or is unavailable (try again later);
5 sign-in needed or refused (wrong password, too many attempts, another account's
profile); 6 this laptop was revoked; 7 the server needs a newer app. Local data is kept
in every case.

What these commands print ends up in terminals, scripts' logs and cron mail, so it names
records by kind and id and counts them, and never shows what they hold: not even the
server's reason for refusing one, which can quote the record (a custody number). The app
shows the reasons, under Sync > Sync problems.

:data:`REGISTRARS` is read by :mod:`icv_app.cli`, which may import this module on every
start: it imports nothing heavy until a command runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from icv_app.store.local_store import LocalStore
    from icv_app.sync.errors import SyncError

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNREACHABLE = 4
EXIT_AUTH = 5
EXIT_REVOKED = 6
EXIT_UPDATE = 7



def exit_status(error: SyncError) -> int:
    from icv_app.sync import errors as e

    if isinstance(error, e.DeviceRevoked):
        return EXIT_REVOKED
    if isinstance(error, e.UpdateRequired):
        return EXIT_UPDATE
    if isinstance(error, e.InvalidServerUrl):
        return EXIT_USAGE
    if isinstance(error, e.AuthFailed | e.NotSignedIn | e.Throttled | e.AccountMismatch):
        return EXIT_AUTH
    if error.retryable:
        return EXIT_UNREACHABLE
    return EXIT_FAILED


def _fail(error: SyncError) -> int:
    print(f"icv-app: {error}", file=sys.stderr)
    if error.kind == "revoked":
        print(
            "icv-app: the reports on this laptop can no longer be sent. Remove them with "
            "the app (it asks first) once you have made sure nothing is needed.",
            file=sys.stderr,
        )
    return exit_status(error)


def _open_store(args: argparse.Namespace) -> LocalStore:
    from icv_app.paths import Paths
    from icv_app.store.local_store import LocalStore

    return LocalStore.open(Paths.resolve(args.data_dir))


# login ----------------------------------------------------------------------------------

def register_login(sub: Any) -> None:
    login = sub.add_parser(
        "login",
        help="sign this profile in to a central store (registers this laptop as a device)",
        description="Sign in to the central store. The password is used once and never "
        "stored; the laptop keeps a device token in the OS keyring.",
    )
    login.add_argument("--server", required=True, metavar="URL",
                       help="the server's address, e.g. https://icv.example.org")
    login.add_argument("--user", required=True, metavar="NAME", help="your username")
    login.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of standard input")
    login.add_argument("--device-name", metavar="NAME", default=None,
                       help="how admins see this laptop (default: the computer's name)")
    login.add_argument("--allow-insecure-http", action="store_true",
                       help="allow a plain http:// server that is not this machine "
                       "(the password and token would cross the network unencrypted)")
    login.set_defaults(handler=cmd_login)


def cmd_login(args: argparse.Namespace) -> int:
    import getpass
    import socket

    from icv_app.sync.client import SyncClient
    from icv_app.sync.errors import SyncError

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"Password for {args.user}: ")
    device_name = args.device_name if args.device_name is not None else socket.gethostname()
    with _open_store(args) as store:
        try:
            account = SyncClient(store).login(
                args.server, args.user, password, device_name,
                allow_insecure=args.allow_insecure_http,
            )
        except SyncError as exc:
            return _fail(exc)
    print(
        f"Signed in to {account.server_url} as {account.username} ({account.role}). "
        f"This laptop is device {account.device_id[:8]}. Run `icv-app sync` to sync."
    )
    return 0


# sync -----------------------------------------------------------------------------------

def register_sync(sub: Any) -> None:
    sync = sub.add_parser(
        "sync",
        help="send this laptop's changes to the central store and fetch what is new",
    )
    sync.add_argument("--status", action="store_true",
                      help="only show the account, last sync, pending changes and problems")
    sync.add_argument("--json", action="store_true", help="print JSON for scripts")
    sync.set_defaults(handler=cmd_sync)


def _status(store: LocalStore) -> dict[str, Any]:
    from icv_app.store import settings as st
    from icv_app.store.sync import sync_records as sr
    from icv_app.sync import credentials as cred

    db: Any = store.reader
    account = cred.load_account(db)
    last_synced = st.LAST_SYNCED.get(db)
    return {
        "server": account.server_url if account else None,
        "username": account.username if account else None,
        "role": account.role if account else None,
        "device_id": account.device_id if account else None,
        "signed_in": account is not None and bool(cred.load_token(db, store.profile)),
        "last_synced": last_synced.isoformat() if last_synced else None,
        "pending": sr.count_pending(db),
        "conflicts": len(sr.list_conflicts(db)),
        # Kind and id only: the reason stays in the app (module doc).
        "rejected": [
            {"type": r.type, "kind": _label(r.type), "id": r.id}
            for r in sr.list_rejected(db)
        ],
    }


def _label(kind_name: str) -> str:
    from icv_app import kinds

    kind = kinds.get(kind_name)
    return kind.label if kind is not None else kind_name


def _print_problems(status: dict[str, Any]) -> None:
    by_kind: dict[str, list[str]] = {}
    for r in status["rejected"]:
        by_kind.setdefault(r["kind"], []).append(r["id"])
    for label, ids in by_kind.items():
        what = f"1 {label} was" if len(ids) == 1 else f"{len(ids)} {label}s were"
        # ASCII: a Windows script's redirected output is not UTF-8.
        print(f"  {what} refused by the server; open the app (Sync > Sync problems) to "
              "see why:")
        for rid in ids:
            print(f"    {rid}")
    if status["conflicts"]:
        print(f"  {status['conflicts']} record(s) changed here and on the server: open the "
              "app to choose which copy to keep.")


def cmd_sync(args: argparse.Namespace) -> int:
    import json

    from icv_app.sync.client import SyncClient
    from icv_app.sync.errors import SyncError

    with _open_store(args) as store:
        if args.status:
            status = _status(store)
            if args.json:
                print(json.dumps(status, indent=2))
                return 0
            if status["server"] is None:
                print("Not signed in. Use `icv-app login --server URL --user NAME`.")
            else:
                print(f"Server {status['server']} as {status['username']} ({status['role']})"
                      + ("" if status["signed_in"] else " - signed out"))
            print(f"Last synced: {status['last_synced'] or 'never'}; "
                  f"{status['pending']} change(s) not yet sent; "
                  f"{status['conflicts'] + len(status['rejected'])} problem(s).")
            _print_problems(status)
            return 0
        progress = None if args.json else _progress_printer()
        try:
            summary = SyncClient(store).sync(progress=progress)
        except SyncError as exc:
            return _fail(exc)
        status = _status(store)
    if args.json:
        print(json.dumps({
            "pushed": summary.pushed, "accepted": summary.accepted,
            "duplicates": summary.duplicates, "conflicts": summary.conflicts,
            "rejected": summary.rejected, "pulled": summary.pulled,
            "purged": summary.purged, "retries": summary.retries,
            "repulled": summary.repulled, "check_ok": summary.check_ok,
            "last_synced": summary.last_synced.isoformat() if summary.last_synced else None,
            "pending": status["pending"], "problems": status["rejected"],
        }, indent=2))
        return 0
    print(f"Synced: {summary.describe()}.")
    _print_problems(status)
    return 0


def _progress_printer() -> Callable[[Any], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(progress: Any) -> None:
        print(f"\r{progress.label}\x1b[K", end="", file=sys.stderr, flush=True)

    return show


# logout ---------------------------------------------------------------------------------

def register_logout(sub: Any) -> None:
    logout = sub.add_parser(
        "logout", help="forget this laptop's access to the server (the data stays)"
    )
    logout.set_defaults(handler=cmd_logout)


def cmd_logout(args: argparse.Namespace) -> int:
    from icv_app.sync.client import SyncClient

    with _open_store(args) as store:
        SyncClient(store, timeout=10.0).sign_out()
    print("Signed out: this laptop's access was forgotten (and ended on the server if it "
          "could be reached). Reports stay on this laptop.")
    return 0


REGISTRARS: list[Callable[[Any], None]] = [register_login, register_sync, register_logout]
