"""Telephone fieldwork from the command line (``icv-app survey ...``).

    icv-app survey sample import FILE.csv --form F [--skip-bad]
        import a sample (case_id, phone, area, strata) as cases of form F; a file with
        bad rows imports nothing and lists every problem (file, row, column), unless
        --skip-bad imports the good rows. Exit status 1 when refused.
    icv-app survey assign --form F --interviewer NAME_OR_ID [--count N] [--area A]
        assign open, unassigned cases to an interviewer, in sample order; a name is
        looked up on the central store (signed in as a survey manager or admin)
    icv-app survey calls [--json]
        the signed-in interviewer's call queue, in the order to call (no phone numbers)
    icv-app survey call CASE_REF --outcome OUTCOME [--at ISO] [--note T] [--form F]
        record a call's outcome (OUTCOME: completed, partial, refused, no_answer, busy,
        answering_machine, wrong_number, ineligible, appointment with --at)
    icv-app survey figures [--json] [--from DATE] [--to DATE]
        the signed-in interviewer's figures (a survey manager: every interviewer's)

Nothing printed here holds a phone number. Exit status: 0 done; 1 refused (with the
reason); 2 a file that cannot be read; 4 the central store cannot be reached; 5 not
signed in.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from icv_app.domain.survey.calls import InterviewerFigures
    from icv_app.store.local_store import LocalStore
    from icv_app.sync.credentials import Account

EXIT_REFUSED = 1
EXIT_UNREADABLE = 2
EXIT_AUTH = 5
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                   r"[0-9a-fA-F]{12}")
MANAGER_ROLES = ("survey_manager", "admin")
NOT_SIGNED_IN = ("This profile is not signed in: icv-app login --server URL --user NAME "
                 "(as the interviewer whose calls these are).")


def register_survey(survey_sub: Any) -> None:
    sample = survey_sub.add_parser("sample", help="telephone samples")
    sample_sub = sample.add_subparsers(dest="sample_command", metavar="ACTION", required=True)
    imported = sample_sub.add_parser(
        "import", help="import a sample file (CSV: case_id, phone, area, strata)")
    imported.add_argument("file", metavar="FILE.csv")
    imported.add_argument("--form", required=True, metavar="F",
                          help="the form_id of the survey the cases are for")
    imported.add_argument("--skip-bad", action="store_true",
                          help="import the good rows of a file with bad ones")
    imported.set_defaults(handler=cmd_sample_import)

    assign = survey_sub.add_parser(
        "assign", help="assign open, unassigned cases to an interviewer (sample order)")
    assign.add_argument("--form", required=True, metavar="F")
    assign.add_argument("--interviewer", required=True, metavar="NAME_OR_ID",
                        help="a username (looked up on the central store) or a user id")
    assign.add_argument("--count", type=int, metavar="N", help="at most N cases")
    assign.add_argument("--area", metavar="A", help="only cases in area A")
    assign.set_defaults(handler=cmd_assign)

    calls = survey_sub.add_parser("calls", help="your call queue, in the order to call")
    calls.add_argument("--json", action="store_true", help="print JSON")
    calls.set_defaults(handler=cmd_calls)

    call = survey_sub.add_parser("call", help="record a call's outcome")
    call.add_argument("case_ref", metavar="CASE_REF", help="the case's id in the sample")
    call.add_argument("--outcome", required=True, metavar="OUTCOME",
                      help="completed, partial, refused, no_answer, busy, "
                           "answering_machine, wrong_number, ineligible, appointment")
    call.add_argument("--at", metavar="ISO",
                      help="an appointment's time, e.g. 2026-03-02T14:30 (this computer's "
                           "time zone unless one is given)")
    call.add_argument("--note", default="", metavar="T", help="a note (no phone numbers)")
    call.add_argument("--form", metavar="F",
                      help="the form, if the case id is in the samples of two")
    call.set_defaults(handler=cmd_call)

    fig = survey_sub.add_parser(
        "figures", help="your call figures (a survey manager: every interviewer's)")
    fig.add_argument("--json", action="store_true", help="print JSON")
    fig.add_argument("--from", dest="date_from", type=dt.date.fromisoformat,
                     metavar="DATE", help="from this day (YYYY-MM-DD)")
    fig.add_argument("--to", dest="date_to", type=dt.date.fromisoformat,
                     metavar="DATE", help="to this day, included (YYYY-MM-DD)")
    fig.set_defaults(handler=cmd_figures)


# --- helpers ------------------------------------------------------------------------------


def _err(message: object) -> None:
    print(f"icv-app: {message}", file=sys.stderr)


def _account(store: LocalStore) -> Account | None:
    from icv_app.sync.credentials import load_account

    return load_account(store.reader)


def _service(store: LocalStore, account: Account | None) -> Any:
    from icv_app.services.survey.cati import CatiService

    return CatiService(store, account.user_id if account else "")


def _interviewer_id(store: LocalStore, account: Account | None, value: str) -> str:
    """A user id as given, or the id of the interviewer with that username (asked of the
    central store). Raises CatiError or SyncError."""
    from icv_app.services.survey.cati import CatiError
    from icv_app.sync.admin_client import AdminClient
    from icv_app.sync.wire import Role

    value = value.strip()
    if _UUID.fullmatch(value):
        return value.lower()
    if account is None:
        raise CatiError(f"To assign by name ({value}), sign in first (icv-app login), or "
                        "give the interviewer's user id.")
    users = AdminClient(store).users()
    found = next((u for u in users if u.username.casefold() == value.casefold()), None)
    if found is None:
        raise CatiError(f"No interviewer {value!r} on {account.server_url}.")
    if found.role is not Role.INTERVIEWER:
        raise CatiError(f"{found.username} is not an interviewer "
                        f"({found.role.value.replace('_', ' ')}).")
    return str(found.id)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --- commands -----------------------------------------------------------------------------


def cmd_sample_import(args: argparse.Namespace) -> int:
    from icv_app.cli import _open_profile
    from icv_app.services.survey.cati import CatiError, SampleUnreadable

    with _open_profile(args) as profile:
        service = _service(profile.store, _account(profile.store))
        try:
            outcome = service.import_sample(Path(args.file), args.form,
                                            skip_bad=args.skip_bad)
        except SampleUnreadable as exc:
            _err(exc)
            return EXIT_UNREADABLE
        except CatiError as exc:
            _err(f"refused: {exc}")
            return EXIT_REFUSED
        except OSError as exc:
            _err(f"cannot read {args.file}: {exc.strerror or exc}")
            return EXIT_UNREADABLE
    for problem in outcome.problems:
        print(f"  {problem}", file=sys.stderr)
    if outcome.refused:
        _err(f"refused: {_plural(len(outcome.problems), 'problem')} in {Path(args.file).name}"
             "; nothing was imported. Put them right, or import the good rows with "
             "--skip-bad.")
        return EXIT_REFUSED
    print(f"Added {_plural(outcome.added, 'case')} to {args.form}; "
          f"{outcome.already_there} already there; "
          f"{_plural(len(outcome.problems), 'bad row')} left out.")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    from icv_app.cli import _open_profile
    from icv_app.services.survey.cati import CatiError
    from icv_app.sync.commands import exit_status
    from icv_app.sync.errors import SyncError

    with _open_profile(args) as profile:
        account = _account(profile.store)
        try:
            interviewer = _interviewer_id(profile.store, account, args.interviewer)
            count = _service(profile.store, account).assign(
                args.form, interviewer, count=args.count, area=args.area)
        except CatiError as exc:
            _err(f"refused: {exc}")
            return EXIT_REFUSED
        except SyncError as exc:
            _err(exc)
            return exit_status(exc)
    print(f"Assigned {_plural(count, 'case')} of {args.form} to {args.interviewer}; "
          "they reach the interviewer with the next syncs.")
    return 0


def _entry_json(entry: Any) -> dict[str, Any]:
    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    return {"case_id": entry.case_id, "form_id": entry.form_id, "case_ref": entry.case_ref,
            "area": entry.area, "attempts": entry.attempts,
            "last_outcome": entry.last_outcome.value if entry.last_outcome else None,
            "due": entry.due, "group": entry.group.value, "due_at": iso(entry.due_at),
            "ready_at": iso(entry.ready_at), "reason": entry.reason}


def cmd_calls(args: argparse.Namespace) -> int:
    from icv_app.cli import _open_profile

    with _open_profile(args) as profile:
        account = _account(profile.store)
        if account is None:
            _err(NOT_SIGNED_IN)
            return EXIT_AUTH
        entries = _service(profile.store, account).queue()
    if args.json:
        print(json.dumps([_entry_json(e) for e in entries], ensure_ascii=False, indent=2))
        return 0
    if not entries:
        print("No cases to call.")
        return 0
    due = [e for e in entries if e.due]
    later = [e for e in entries if not e.due]
    for title, part in (("Call now", due), ("Later", later)):
        if part:
            print(f"{title}:")
        for e in part:
            print(f"  {e.case_ref:<12} {e.area:<22} {_plural(e.attempts, 'attempt'):<11} "
                  f"{e.reason}")
    return 0


def cmd_call(args: argparse.Namespace) -> int:
    from icv_app.cli import _open_profile
    from icv_app.services.survey.cati import CatiError

    at = None
    if args.at:
        try:
            at = dt.datetime.fromisoformat(args.at)
        except ValueError:
            _err(f"--at {args.at}: not a time like 2026-03-02T14:30")
            return EXIT_UNREADABLE
        if at.tzinfo is None:
            at = at.astimezone()  # this computer's time zone
    with _open_profile(args) as profile:
        account = _account(profile.store)
        if account is None:
            _err(NOT_SIGNED_IN)
            return EXIT_AUTH
        service = _service(profile.store, account)
        try:
            case_id = service.find_case(args.case_ref, args.form)
            attempt = service.record_attempt(case_id, args.outcome, appointment_at=at,
                                             note=args.note)
        except CatiError as exc:
            _err(f"refused: {exc}")
            return EXIT_REFUSED
        entry = next((e for e in service.queue() if e.case_id == case_id), None)
    outcome = attempt.outcome
    print(f"Recorded for {args.case_ref}: {outcome.label} (AAPOR {outcome.aapor_code}).")
    if entry is None:
        print("The case is closed: it is not called again, and its phone number is no "
              "longer on this laptop.")
    else:
        print(f"Next: {entry.reason}.")
    return 0


def _figures_json(f: InterviewerFigures, name: str) -> dict[str, Any]:
    return {"interviewer_id": f.interviewer_id, "interviewer": name,
            "attempts": f.attempts, "cases": f.cases, "completes": f.completes,
            "partials": f.partials, "refusals": f.refusals, "non_contacts": f.non_contacts,
            "not_eligible": f.not_eligible, "appointments_made": f.appointments_made,
            "appointments_kept": f.appointments_kept,
            "appointments_missed": f.appointments_missed, "groups": dict(f.groups),
            "rr1": f.rates.rr1, "rr2": f.rates.rr2, "coop1": f.rates.coop1,
            "ref1": f.rates.ref1, "con1": f.rates.con1, "interviews": f.interviews,
            "average_interview_seconds": f.average_interview_seconds}


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _print_figures(f: InterviewerFigures, name: str) -> None:
    print(f"{name}:")
    print(f"  {_plural(f.attempts, 'call')} to {_plural(f.cases, 'case')}: "
          f"{f.completes} complete, {f.partials} partial, {f.refusals} refused, "
          f"{f.non_contacts} not reached, {f.not_eligible} not eligible")
    print(f"  appointments: {f.appointments_made} made, {f.appointments_kept} kept, "
          f"{f.appointments_missed} missed")
    r = f.rates
    print(f"  RR1 {_percent(r.rr1)}  RR2 {_percent(r.rr2)}  COOP1 {_percent(r.coop1)}  "
          f"REF1 {_percent(r.ref1)}  CON1 {_percent(r.con1)}")
    average = f.average_interview_seconds
    length = "-" if average is None else f"{int(average // 60)} min {int(average % 60)} s"
    print(f"  {_plural(f.interviews, 'complete interview')}, average length {length}")


def _names(store: LocalStore) -> dict[str, str]:
    """User id -> username from the central store, if it answers (else ids are shown)."""
    from icv_app.sync.admin_client import AdminClient
    from icv_app.sync.errors import SyncError

    try:
        return {u.id: u.username for u in AdminClient(store).users()}
    except SyncError:
        return {}


def cmd_figures(args: argparse.Namespace) -> int:
    from icv_app.cli import _open_profile

    def bound(day: dt.date | None) -> dt.datetime | None:
        return None if day is None else dt.datetime.combine(day, dt.time()).astimezone()

    since = bound(args.date_from)
    until = bound(args.date_to + dt.timedelta(days=1) if args.date_to else None)
    with _open_profile(args) as profile:
        account = _account(profile.store)
        if account is None:
            _err(NOT_SIGNED_IN)
            return EXIT_AUTH
        service = _service(profile.store, account)
        if account.role in MANAGER_ROLES:
            every = service.figures_by_interviewer(since, until)
            names = _names(profile.store) if every else {}
        else:
            every = {account.user_id: service.figures(since, until)}
            names = {account.user_id: account.username}
    if args.json:
        print(json.dumps([_figures_json(f, names.get(i, i)) for i, f in every.items()],
                         ensure_ascii=False, indent=2))
        return 0
    if not every:
        print("No calls recorded yet.")
    for person, f in every.items():
        _print_figures(f, names.get(person, person))
    return 0
