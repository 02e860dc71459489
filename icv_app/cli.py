"""Command line: the GUI by default, plus headless commands for scripts and tests.

    icv-app [--data-dir DIR] [--self-test]      start the app (or self-test and exit)
    icv-app demo --visits N                     fill the profile with synthetic visits
    icv-app visits list [--json]                list the profile's visits
    icv-app pdf visit ID -o FILE                write one visit report as PDF

Store errors (wrong passphrase, newer database, damaged file) print their message and
exit with status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from icv_app import __version__
from icv_app.paths import Paths

if TYPE_CHECKING:
    from icv_app.composition import AppContext
    from icv_app.domain.custody.visit import VisitReport

EXIT_USAGE = 2
EXIT_STORE = 3

# Extra command groups (e.g. the server's) register themselves here: each is a function
# that adds a sub-parser, and sets ``handler`` on it.
CommandRegistrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _extra_registrars() -> list[CommandRegistrar]:
    """Command groups of the central store (serve, admin) and of sync (login, sync)."""
    import importlib

    registrars: list[CommandRegistrar] = []
    for module in ("icv_app.server.commands", "icv_app.sync.commands"):
        try:
            registrars.extend(importlib.import_module(module).REGISTRARS)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return registrars


_BASE_COMMANDS = {"demo", "visits", "pdf"}


def _needs_extra_commands(argv: Sequence[str]) -> bool:
    """True unless argv is plainly the GUI or a built-in command: starting the GUI does not
    pay for importing the server's and sync's command modules."""
    tokens = list(argv)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in ("-h", "--help"):
            return True
        if token == "--data-dir":
            i += 2
            continue
        if not token.startswith("-"):
            return token not in _BASE_COMMANDS
        i += 1
    return False


def build_parser(with_extras: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="icv-app",
        description="Independent custody visiting: record visits offline, sync, report.",
    )
    parser.add_argument("--version", action="version", version=f"icv-app {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="profile directory (default: $ICV_APP_DATA_DIR, else the per-user data folder)",
    )
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="open the main window offscreen on a throwaway profile and exit 0 if it works",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="fill the profile with synthetic visits")
    demo.add_argument("--visits", type=int, default=50, metavar="N")
    demo.add_argument("--seed", type=int, default=None, help="for a reproducible data set")
    demo.set_defaults(handler=cmd_demo)

    visits = sub.add_parser("visits", help="visit reports")
    visits_sub = visits.add_subparsers(dest="visits_command", metavar="ACTION", required=True)
    vlist = visits_sub.add_parser("list", help="list visits (id, suite, date, status)")
    vlist.add_argument("--json", action="store_true", help="print JSON for scripts")
    vlist.set_defaults(handler=cmd_visits_list)

    pdf = sub.add_parser("pdf", help="write reports as PDF")
    pdf_sub = pdf.add_subparsers(dest="pdf_command", metavar="KIND", required=True)
    pdf_visit = pdf_sub.add_parser("visit", help="one visit report")
    pdf_visit.add_argument("visit_id", metavar="ID")
    pdf_visit.add_argument("-o", "--output", required=True, metavar="FILE")
    pdf_visit.set_defaults(handler=cmd_pdf_visit)

    if with_extras:
        for register in _extra_registrars():
            register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(with_extras=_needs_extra_commands(argv))
    args = parser.parse_args(argv)
    if args.self_test:
        from icv_app.ui.shell.app import self_test

        return self_test(args.data_dir)
    handler = getattr(args, "handler", None)
    if handler is None:
        from icv_app.ui.shell.app import run_gui

        return run_gui(Paths.resolve(args.data_dir))
    from icv_app.store.errors import StoreError

    try:
        return int(handler(args) or 0)
    except StoreError as exc:
        print(f"icv-app: {exc}", file=sys.stderr)
        return EXIT_STORE


def _open_profile(args: argparse.Namespace) -> AppContext:
    from icv_app.composition import AppContext

    return AppContext.open(Paths.resolve(args.data_dir))


def cmd_demo(args: argparse.Namespace) -> int:
    from icv_app.domain.custody.demo import generate_visits
    from icv_app.store.custody.visits import insert_many

    if args.visits < 0:
        print("icv-app: --visits must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    with _open_profile(args) as profile:
        writer = profile.store.writer

        def insert(reports: list[VisitReport]) -> None:
            writer.submit(lambda db: insert_many(db, reports)).result()

        batch: list[VisitReport] = []
        for report in generate_visits(profile.reference, args.visits, seed=args.seed):
            batch.append(report)
            if len(batch) == 1000:
                insert(batch)
                batch = []
        if batch:
            insert(batch)
        total = writer.submit(
            lambda db: db.execute("SELECT count(*) FROM visits").fetchone()[0]
        ).result()
    print(f"Added {args.visits} synthetic visits; the profile now holds {total}.")
    return 0


def cmd_visits_list(args: argparse.Namespace) -> int:
    import datetime as dt

    from icv_app.reports.custody.visit_outline import short_reference

    with _open_profile(args) as profile:
        reference = profile.reference
        summaries = profile.visits.list()
    rows = [
        {
            "id": s.id,
            # The short reference the printed report carries ("NS-26-7K3Q-F2M9").
            "reference": short_reference(
                s.id,
                dt.date.fromisoformat(s.visit_date) if s.visit_date else None,
                dt.datetime.fromisoformat(s.created_at),
                reference,
            ),
            "suite": reference.suite_name(s.suite_id),
            "suite_id": s.suite_id,
            "date": s.visit_date,
            "arrival": s.arrival_time,
            "status": s.status.value,
            "detainees": s.detainee_count,
            "issues": s.issue_count,
            "amendments": s.amendment_count,
        }
        for s in summaries
    ]
    if args.json:
        json.dump(rows, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        for r in rows:
            print(f"{r['id']}  {r['date'] or '-':10}  {r['status']:9}  {r['suite']}")
    return 0


def cmd_pdf_visit(args: argparse.Namespace) -> int:
    from icv_app.reports.custody.visit_pdf import write_visit_pdf
    from icv_app.store.custody.visits import VisitNotFound, load_visit

    with _open_profile(args) as profile:
        reference = profile.reference
        try:
            report = load_visit(profile.store.reader, args.visit_id)
        except VisitNotFound as exc:
            print(f"icv-app: {exc}", file=sys.stderr)
            return EXIT_USAGE
        amendments = profile.visits.amendments(args.visit_id)
    out = Path(args.output)
    try:
        write_visit_pdf(report, amendments, reference, out)
    except OSError as exc:
        print(f"icv-app: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    print(f"Wrote {out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
