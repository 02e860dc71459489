"""``icv-app serve`` and ``icv-app admin ...``: the server's command-line entry points.

:data:`REGISTRARS` is read by :mod:`icv_app.cli`; each registrar adds its sub-parser and
sets ``handler``. Without ``--database`` both use the SQLite file in the data directory.
Messages go to stderr and exit with status 2 (a request that cannot be done) or 3 (the
database cannot be used).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from collections.abc import Callable
from typing import Any

from icv_app.paths import Paths

EXIT_USAGE = 2
EXIT_STORE = 3


def _database_url(args: argparse.Namespace) -> str:
    if args.database:
        return str(args.database)
    paths = Paths.resolve(args.data_dir).ensure()
    return f"sqlite:///{paths.server_database}"


def _add_database(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database",
        metavar="URL",
        help="sqlite:///FILE or postgresql://USER@HOST/DB "
        "(default: server.db in the data directory)",
    )


def _guarded(handler: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    """Turn the server's expected failures into a message and an exit status."""

    def run(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import OperationalError

        from icv_app.server.admin import AdminError
        from icv_app.server.storage import StorageError

        try:
            return handler(args)
        except AdminError as exc:
            print(f"icv-app: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except StorageError as exc:
            print(f"icv-app: {exc}", file=sys.stderr)
            return EXIT_STORE
        except OperationalError as exc:
            print(
                f"icv-app: cannot use the database ({type(exc.orig).__name__}); check "
                "--database and that the database server is running.",
                file=sys.stderr,
            )
            return EXIT_STORE

    return run


# --- serve -------------------------------------------------------------------------------


def register_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the central store (sync server)")
    _add_database(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument(
        "--forwarded-allow-ips",
        default="127.0.0.1",
        metavar="IPS",
        help="reverse proxies whose X-Forwarded-For is trusted (for throttling by address)",
    )
    serve.add_argument(
        "--max-body-mb",
        type=_megabytes,
        default=8,
        metavar="N",
        help="largest request a signed-in laptop may send, in MB (default 8); laptops "
        "send smaller pushes by themselves",
    )
    serve.set_defaults(handler=_guarded(cmd_serve))


def _megabytes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("must be a whole number of megabytes, 1 or more")
    return value


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from icv_app.server.app import create_app
    from icv_app.server.config import ServerConfig

    url = _database_url(args)
    app = create_app(url, config=ServerConfig(max_body_bytes=args.max_body_mb * 1024 * 1024))
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            "icv-app: listening beyond this machine; put a TLS-terminating reverse proxy in "
            "front (laptops refuse plain http except to localhost).",
            file=sys.stderr,
        )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        proxy_headers=True,
        forwarded_allow_ips=args.forwarded_allow_ips,
    )
    return 0


# --- admin -------------------------------------------------------------------------------


def register_admin(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    admin = sub.add_parser("admin", help="manage the central store's users and devices")
    actions = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str, handler: Callable[[argparse.Namespace], int]) -> Any:
        parser = actions.add_parser(name, help=help_text)
        _add_database(parser)
        parser.set_defaults(handler=_guarded(handler))
        return parser

    create = action("create-user", "add a user", cmd_create_user)
    create.add_argument("name", metavar="NAME")
    create.add_argument(
        "--role", required=True,
        choices=["volunteer", "coordinator", "interviewer", "survey_manager", "admin"],
    )
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input")

    users = action("list-users", "list users and their roles", cmd_list_users)
    users.add_argument("--json", action="store_true")

    disable = action("disable-user", "refuse a user's sign-ins and devices", cmd_disable_user)
    disable.add_argument("name", metavar="NAME")
    enable = action("enable-user", "undo disable-user", cmd_enable_user)
    enable.add_argument("name", metavar="NAME")

    reset = action("reset-password", "set a user's password", cmd_reset_password)
    reset.add_argument("name", metavar="NAME")
    reset.add_argument("--password-stdin", action="store_true")

    devices = action("list-devices", "list signed-in devices", cmd_list_devices)
    devices.add_argument("--user", metavar="NAME")
    devices.add_argument("--json", action="store_true")

    revoke = action("revoke-device", "refuse a device from now on (lost laptop)",
                    cmd_revoke_device)
    revoke.add_argument("device_id", metavar="DEVICE_ID")

    retention = action(
        "set-retention",
        "days a submitted report stays on a volunteer's laptop once safely on the server",
        cmd_set_retention,
    )
    retention.add_argument("days", type=int, metavar="DAYS")

    unlock = action("unlock", "lift a user's sign-in lockout (from every address)",
                    cmd_unlock)
    unlock.add_argument("name", metavar="NAME")

    refs = action(
        "import-reference",
        "write a scheme's suites, panels and visitors (JSON, as resources/reference.json) "
        "as records every laptop pulls",
        cmd_import_reference,
    )
    refs.add_argument("file", metavar="FILE")
    refs.add_argument("--as", dest="as_user", required=True, metavar="NAME",
                      help="the coordinator or admin who owns them")

    prune = action(
        "audit-prune",
        "remove old audit log entries (the last 30 days are always kept)",
        cmd_audit_prune,
    )
    older = prune.add_mutually_exclusive_group(required=True)
    older.add_argument("--older-than-days", type=int, metavar="N",
                       help="entries more than N days old (N at least 30)")
    older.add_argument("--before", type=_date, metavar="YYYY-MM-DD",
                       help="entries from before this date (UTC), 30 days ago or earlier")


def _engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from icv_app.server.migrations import migrate
    from icv_app.server.storage import create_store_engine

    engine = create_store_engine(_database_url(args))
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _read_password(args: argparse.Namespace) -> str:
    from icv_app.server.admin import AdminError

    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    first = getpass.getpass("New password: ")
    second = getpass.getpass("Repeat it: ")
    if first != second:
        raise AdminError("The two passwords differ; nothing was changed.")
    return first


def cmd_create_user(args: argparse.Namespace) -> int:
    from icv_app.server import admin

    password = _read_password(args)
    engine = _engine(args)
    try:
        user = admin.create_user(engine, args.name, args.role, password)
    finally:
        engine.dispose()
    print(f"Created {user.role.value} {user.username} ({user.id}).")
    return 0


def cmd_list_users(args: argparse.Namespace) -> int:
    from icv_app.server import admin

    engine = _engine(args)
    try:
        found = admin.list_users(engine)
    finally:
        engine.dispose()
    if args.json:
        rows = [
            {"id": u.id, "username": u.username, "role": u.role.value, "disabled": u.disabled,
             "created_at": u.created_at.isoformat()}
            for u in found
        ]
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for u in found:
        state = "disabled" if u.disabled else "active"
        print(f"{u.username:24} {u.role.value:15} {state:9} {u.id}")
    return 0


def _set_disabled(args: argparse.Namespace, disabled: bool) -> int:
    from icv_app.server import admin

    engine = _engine(args)
    try:
        user = admin.set_disabled(engine, args.name, disabled)
    finally:
        engine.dispose()
    print(f"{user.username} is now {'disabled' if disabled else 'enabled'}.")
    return 0


def cmd_disable_user(args: argparse.Namespace) -> int:
    return _set_disabled(args, True)


def cmd_enable_user(args: argparse.Namespace) -> int:
    return _set_disabled(args, False)


def cmd_reset_password(args: argparse.Namespace) -> int:
    from icv_app.server import admin

    password = _read_password(args)
    engine = _engine(args)
    try:
        user = admin.reset_password(engine, args.name, password)
    finally:
        engine.dispose()
    print(f"Password of {user.username} changed.")
    return 0


def cmd_list_devices(args: argparse.Namespace) -> int:
    from icv_app.server import admin

    engine = _engine(args)
    try:
        found = admin.list_devices(engine, args.user)
    finally:
        engine.dispose()
    if args.json:
        rows = [
            {"id": d.id, "user_id": d.user_id, "username": d.username, "name": d.name,
             "created_at": d.created_at.isoformat(),
             "last_seen_at": d.last_seen_at.isoformat() if d.last_seen_at else None,
             "revoked_at": d.revoked_at.isoformat() if d.revoked_at else None}
            for d in found
        ]
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for d in found:
        seen = d.last_seen_at.strftime("%Y-%m-%d %H:%M") if d.last_seen_at else "-"
        state = "revoked" if d.revoked_at else "active"
        print(f"{d.id}  {d.username:20} {state:8} last seen {seen}  {d.name}")
    return 0


def cmd_revoke_device(args: argparse.Namespace) -> int:
    from icv_app.server import admin

    engine = _engine(args)
    try:
        device = admin.revoke_device(engine, args.device_id)
    finally:
        engine.dispose()
    print(f"Device {device.id} of {device.username} is revoked: its next sync is refused.")
    return 0


def cmd_set_retention(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from icv_app.server.admin import AdminError
    from icv_app.server.settings import set_retention

    engine = _engine(args)
    try:
        try:
            updated = set_retention(engine, args.days)
        except ValidationError:
            raise AdminError("DAYS must be between 0 and 3650.") from None
    finally:
        engine.dispose()
    print(f"Submitted reports now stay on laptops for {updated.retention_days} days.")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    from icv_app.server import admin

    engine = _engine(args)
    try:
        unlocked = admin.unlock(engine, args.name)
    finally:
        engine.dispose()
    print(f"{unlocked.username} can sign in again from anywhere "
          f"({unlocked.cleared} sign-in counts cleared).")
    return 0


def cmd_import_reference(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from icv_app.domain.custody.reference import ReferenceData
    from icv_app.server import admin

    path = Path(args.file)
    try:
        reference = ReferenceData.from_dict(json.loads(path.read_text("utf-8")))
    except OSError as exc:
        raise admin.AdminError(f"{path}: cannot be read ({exc.strerror}).") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise admin.AdminError(
            f"{path}: not a reference file like resources/reference.json "
            f"({type(exc).__name__}: {exc})."
        ) from None
    engine = _engine(args)
    try:
        done = admin.import_reference(engine, args.as_user, reference)
    finally:
        engine.dispose()
    print(f"Imported {done.suites} suites, {done.panels} panels and {done.visitors} visitors;"
          " laptops receive them at their next sync.")
    return 0


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a date: YYYY-MM-DD") from None


def cmd_audit_prune(args: argparse.Namespace) -> int:
    from icv_app.server import admin

    engine = _engine(args)
    try:
        pruned = admin.prune_audit(
            engine, older_than_days=args.older_than_days, before=args.before
        )
    finally:
        engine.dispose()
    print(f"Removed {pruned.deleted} audit entries from before "
          f"{pruned.cutoff.strftime('%Y-%m-%d %H:%M')} UTC.")
    return 0


REGISTRARS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    register_serve,
    register_admin,
]
