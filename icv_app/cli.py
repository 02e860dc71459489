"""Command line: the GUI by default, plus headless commands for scripts and tests.

    icv-app [--data-dir DIR] [--self-test]      start the app (or self-test and exit)
    icv-app demo --visits N [--interviews N]    fill the profile with synthetic visits
                                                (and completed perception interviews)
    icv-app visits list [--json]                list the profile's visits
    icv-app pdf visit ID -o FILE                write one visit report as PDF
    icv-app pdf period --from DATE --to DATE -o FILE
                                                the period's statistics as PDF (or
                                                --quarter 2026-Q2, --year 2026 or 2026/27)
    icv-app export figures --from DATE --to DATE -o FILE
                                                the period's statistics (.csv or .xlsx)
    icv-app export visits --from DATE --to DATE -o FILE
                                                the period's submitted visits, one a row

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
    import datetime as dt

    import sqlite_utils

    from icv_app.composition import AppContext
    from icv_app.domain.custody.reference import ReferenceData
    from icv_app.domain.custody.statistics import Period, SchemeStatistics
    from icv_app.domain.custody.visit import VisitReport

EXIT_USAGE = 2
EXIT_STORE = 3

# Extra command groups (e.g. the server's) register themselves here: each is a function
# that adds a sub-parser, and sets ``handler`` on it.
CommandRegistrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]


def _extra_registrars() -> list[CommandRegistrar]:
    """Command groups of the central store (serve, admin), of sync (login, sync) and of
    surveys (survey)."""
    import importlib

    registrars: list[CommandRegistrar] = []
    for module in ("icv_app.server.commands", "icv_app.sync.commands",
                   "icv_app.survey_commands", "icv_app.consultation_commands"):
        try:
            registrars.extend(importlib.import_module(module).REGISTRARS)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return registrars


_BASE_COMMANDS = {"demo", "visits", "pdf", "export"}


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
    demo.add_argument("--interviews", type=int, default=0, metavar="N",
                      help="also N synthetic completed interviews of the shipped perception "
                           "survey (form_id perception), spread over areas and demographics")
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
    pdf_period = pdf_sub.add_parser(
        "period", help="the scheme's statistics for a period, with charts (for publication)")
    pdf_period.add_argument("--from", dest="date_from", metavar="DATE",
                            help="first day, YYYY-MM-DD (with --to)")
    pdf_period.add_argument("--to", dest="date_to", metavar="DATE",
                            help="last day (included), YYYY-MM-DD (with --from)")
    pdf_period.add_argument("--quarter", metavar="YYYY-QN",
                            help="a calendar quarter instead, e.g. 2026-Q2 (April to June)")
    pdf_period.add_argument("--year", metavar="YYYY",
                            help="a year instead: 2026 (calendar) or 2026/27 (April to March)")
    pdf_period.add_argument("-o", "--output", required=True, metavar="FILE")
    pdf_period.add_argument(
        "--target-days", type=int, default=14, metavar="N",
        help="a suite not visited in person for more than N days is overdue (default 14)")
    pdf_period.set_defaults(handler=cmd_pdf_period)

    export = sub.add_parser(
        "export", help="write the scheme's figures or the visits behind them (CSV or XLSX)")
    export_sub = export.add_subparsers(dest="export_command", metavar="WHAT", required=True)
    for name, help_text, handler in (
        ("figures", "statistics per suite and in total", cmd_export_figures),
        ("visits", "one row per submitted visit (no custody numbers)", cmd_export_visits),
    ):
        command = export_sub.add_parser(name, help=help_text)
        command.add_argument("--from", dest="date_from", required=True, metavar="DATE",
                             help="first day, YYYY-MM-DD")
        command.add_argument("--to", dest="date_to", required=True, metavar="DATE",
                             help="last day (included), YYYY-MM-DD")
        command.add_argument("-o", "--output", required=True, metavar="FILE",
                             help="FILE.csv or FILE.xlsx: the extension picks the format")
        if name == "figures":
            command.add_argument(
                "--target-days", type=int, default=14, metavar="N",
                help="a suite not visited in person for more than N days is overdue "
                     "(default 14)")
        command.set_defaults(handler=handler)

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

    for option, value in (("--visits", args.visits), ("--interviews", args.interviews)):
        if value < 0:
            print(f"icv-app: {option} must be 0 or more", file=sys.stderr)
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
        interviews = _demo_interviews(profile, args.interviews, args.seed)
    print(f"Added {args.visits} synthetic visits; the profile now holds {total}.")
    if interviews:
        print(interviews)
    return 0


def _demo_interviews(profile: AppContext, count: int, seed: int | None) -> str:
    """Add ``count`` synthetic completed interviews of the perception survey in one
    transaction (importing the shipped form first if it is not held); what to print."""
    if count == 0:
        return ""
    import datetime as dt

    from icv_app.domain.serialize import to_dict
    from icv_app.domain.survey.demo import generate_interviews
    from icv_app.services.survey.consultations import held_or_shipped
    from icv_app.store.records import save_record
    from icv_app.store.settings import USER_ID

    store = profile.store
    instrument, record = held_or_shipped(store.reader, "perception", imported_by="demo")
    end = dt.datetime.now(dt.UTC).replace(microsecond=0)
    bodies = [to_dict(i) for i in generate_interviews(
        instrument, count, seed=seed, interviewer_id=USER_ID.get(store.reader) or "demo",
        start=end - dt.timedelta(days=90), end=end)]

    def held(db: sqlite_utils.Database) -> int:
        return int(db.execute("SELECT count(*) FROM survey_interviews WHERE deleted = 0 "
                              "AND form_id = 'perception'").fetchone()[0])

    def save(db: sqlite_utils.Database) -> tuple[int, int]:
        before = held(db)
        if record is not None:
            save_record(db, "survey_instrument", to_dict(record))
        for body in bodies:
            save_record(db, "survey_interview", body)
        return before, held(db)

    # The same --seed gives the same interviews, ids included: saved again, not added.
    before, after = store.writer.submit(save).result()
    first = (f"Imported the shipped perception form (version {instrument.version}). "
             if record is not None else "")
    return (f"{first}Added {after - before} synthetic completed interviews of the perception "
            f"survey; the profile now holds {after}.")


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


def _named_period(period: Period) -> Period:
    """The period as the quarter or year it is, if it is one: its label reads "Apr–Jun
    2026" and it is compared with the quarter before, not with the 91 days before."""
    from icv_app.domain.custody.statistics import Period

    for named in (Period.quarter_of(period.start), Period.year_of(period.start),
                  Period.year_of(period.start, 4)):
        if (named.start, named.end) == (period.start, period.end):
            return named
    return period


def _pdf_period(args: argparse.Namespace) -> Period | None:
    """The period ``--from``/``--to``, ``--quarter`` or ``--year`` names (exactly one of
    them), or None after saying what is wrong."""
    import datetime as dt
    import re

    from icv_app.domain.custody.statistics import Period

    given = [name for name, value in (("--from/--to", args.date_from or args.date_to),
                                      ("--quarter", args.quarter), ("--year", args.year))
             if value]
    if len(given) != 1:
        print("icv-app: name the period with one of --from DATE --to DATE, "
              "--quarter YYYY-QN or --year YYYY"
              + (f" (not {' and '.join(given)})" if given else ""), file=sys.stderr)
        return None
    if args.quarter:
        match = re.fullmatch(r"(\d{4})-?Q([1-4])", args.quarter.strip(), re.IGNORECASE)
        if not match:
            print(f"icv-app: --quarter {args.quarter!r} is not a quarter: write it as "
                  "YYYY-QN, e.g. 2026-Q2 for April to June 2026", file=sys.stderr)
            return None
        year, quarter = int(match[1]), int(match[2])
        return Period.quarter_of(dt.date(year, 3 * quarter - 2, 1))
    if args.year:
        match = re.fullmatch(r"(\d{4})(?:/(\d{2}))?", args.year.strip())
        if not match or (match[2] and int(match[2]) != (int(match[1]) + 1) % 100):
            print(f"icv-app: --year {args.year!r} is not a year: write 2026 for the calendar "
                  "year or 2026/27 for April 2026 to March 2027", file=sys.stderr)
            return None
        return Period.year_of(dt.date(int(match[1]), 4 if match[2] else 1, 1),
                              4 if match[2] else 1)
    if not (args.date_from and args.date_to):
        missing = "--to" if args.date_from else "--from"
        print(f"icv-app: {missing} is missing: give both --from and --to", file=sys.stderr)
        return None
    period = _export_period(args)
    return None if period is None else _named_period(period)


def _export_period(args: argparse.Namespace) -> Period | None:
    """The period ``--from``/``--to`` name, or None after saying what is wrong."""
    import datetime as dt
    import re

    from icv_app.domain.custody.statistics import Period

    days: list[dt.date] = []
    for option, text in (("--from", args.date_from), ("--to", args.date_to)):
        try:
            # Only YYYY-MM-DD: fromisoformat alone would take 20260401 or 2026-W14-1 too.
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(text)
            days.append(dt.date.fromisoformat(text))
        except ValueError:
            print(f"icv-app: {option} {text!r} is not a date: write it as YYYY-MM-DD, "
                  "e.g. 2026-04-01", file=sys.stderr)
            return None
    try:
        return Period.between(days[0], days[1])
    except ValueError:
        print(f"icv-app: --from {days[0]} is after --to {days[1]}", file=sys.stderr)
        return None


def _export_target(args: argparse.Namespace) -> Path | None:
    """The output file, or None after saying why its name will not do."""
    from icv_app.reports.custody.export import UnsupportedFormat, output_format

    out = Path(args.output)
    try:
        output_format(out)
    except UnsupportedFormat as exc:
        print(f"icv-app: {exc}", file=sys.stderr)
        return None
    return out


def _submitted_visits(profile: AppContext, period: Period) -> list[VisitReport]:
    """The submitted reports of ``period``, each with its amendments applied: the figures
    are of the visits as corrected."""
    return profile.visits.submitted_between(period.start, period.end)


def _write_export(out: Path, write: Callable[[], object]) -> bool:
    try:
        write()
    except OSError as exc:
        print(f"icv-app: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True


def _period_statistics(
    args: argparse.Namespace, period: Period
) -> tuple[SchemeStatistics, ReferenceData, dt.date]:
    """The scheme's figures for ``period`` (compared with the period before it) from the
    profile's submitted reports as corrected, with the follow-ups it holds; and the day
    coverage is measured to (the period's end, or today for a period not over)."""
    from icv_app.domain.custody.times import local_now
    from icv_app.services.custody.statistics import StatisticsService

    with _open_profile(args) as profile:
        reference = profile.reference
        # The same reading and assembly as the Statistics page's, so both count alike:
        # the reports of the period and of the one before (the figures are compared
        # with it, and a suite's last visit may lie there), as corrected.
        result = StatisticsService(profile.store).period_statistics(
            period, reference, today=local_now(reference.time_zone).date(),
            target_days=args.target_days,
        )
    return result.stats, reference, result.as_of


def cmd_export_figures(args: argparse.Namespace) -> int:
    from icv_app.reports.custody.export import write_figures

    period, out = _export_period(args), _export_target(args)
    if period is None or out is None:
        return EXIT_USAGE
    if args.target_days < 1:
        print("icv-app: --target-days must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    period = _named_period(period)  # a whole quarter is compared with the quarter before
    stats, reference, as_of = _period_statistics(args, period)
    if not _write_export(out, lambda: write_figures(out, stats, reference)):
        return EXIT_USAGE
    print(f"Wrote {out}: the figures of {stats.current.total.visits} submitted visits "
          f"from {period.start} to {period.end}.")
    for c in stats.coverage:
        if c.overdue:
            since = (f"last visited in person {c.last_visited} ({c.days_since} days before "
                     f"{as_of})" if c.last_visited else
                     f"not visited in person since at least {period.previous().start}")
            print(f"Overdue: {reference.suite_name(c.suite_id)}, {since}; "
                  f"the target is every {c.target_days} days.")
    for warning in stats.warnings:
        print(f"Predictable: {warning}")
    return 0


def cmd_pdf_period(args: argparse.Namespace) -> int:
    from icv_app.reports.custody.period_pdf import write_period_pdf

    period = _pdf_period(args)
    if period is None:
        return EXIT_USAGE
    if args.target_days < 1:
        print("icv-app: --target-days must be 1 or more", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.output)
    stats, reference, _as_of = _period_statistics(args, period)
    if not _write_export(out, lambda: write_period_pdf(stats, reference, out)):
        return EXIT_USAGE
    print(f"Wrote {out}: the statistics of {stats.current.total.visits} submitted visits, "
          + (f"{period.label} ({period.start} to {period.end})."
             if period.label != f"{period.start} to {period.end}" else f"{period.label}."))
    return 0


def cmd_export_visits(args: argparse.Namespace) -> int:
    from icv_app.reports.custody.export import write_visits

    period, out = _export_period(args), _export_target(args)
    if period is None or out is None:
        return EXIT_USAGE
    with _open_profile(args) as profile:
        reference = profile.reference
        reports = _submitted_visits(profile, period)
    written: list[int] = []
    if not _write_export(
            out, lambda: written.append(write_visits(out, reports, period, reference))):
        return EXIT_USAGE
    print(f"Wrote {out}: {written[0]} submitted visits from {period.start} to {period.end}.")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
