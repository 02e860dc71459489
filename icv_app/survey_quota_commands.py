"""Quota commands, added to ``icv-app survey``.

    icv-app survey quota set FORM --variables area,age_band,gender
                             (--target CELL=N ... | --file targets.csv)
                             [--name NAME] [--other-cells-full]
        define the form's quota (survey managers and admins): a cell is the variables'
        values joined by '|' (a select_one's choice names, e.g.
        shropshire|age_35_44|woman). The CSV file has a header row naming each variable
        and ``target``, then one row per cell. A cell without a target is open unless
        --other-cells-full. Kept on this laptop; interviewers receive it with the next
        sync. Problems name the file, row and column (or the --target given).
    icv-app survey quotas FORM [--json]
        every cell: target, achieved (the server's count at the last sync plus this
        laptop's complete interviews it had not counted), remaining, overfilled_by, and
        the interviews flagged beyond the target.

Exit status: 0 done; 1 refused (the problems are printed); 2 a file or an argument that
cannot be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from icv_app.domain.survey.quotas import QuotaTarget

EXIT_REFUSED = 1
EXIT_UNREADABLE = 2
MANAGER_ROLES = ("survey_manager", "admin")


def register_survey(survey_sub: Any) -> None:
    quota = survey_sub.add_parser("quota", help="define a form's interview quota")
    quota_sub = quota.add_subparsers(dest="quota_command", metavar="ACTION", required=True)
    define = quota_sub.add_parser(
        "set", help="define the quota's variables and each cell's target (managers)")
    define.add_argument("form", metavar="FORM", help="the form's id, e.g. perception")
    define.add_argument("--variables", required=True, metavar="A,B,C",
                        help="the questions whose answers make a cell, in order")
    source = define.add_mutually_exclusive_group(required=True)
    source.add_argument("--target", action="append", metavar="CELL=N",
                        help="a cell's target, e.g. 'shropshire|age_35_44|woman=20' "
                             "(repeat for each cell)")
    source.add_argument("--file", metavar="targets.csv",
                        help="a CSV file: a column per variable and 'target'")
    define.add_argument("--name", default="", help="a name, e.g. 'Area x age x gender'")
    define.add_argument("--other-cells-full", action="store_true",
                        help="cells without a target take no interviews (default: open)")
    define.set_defaults(handler=cmd_quota_set)
    status = survey_sub.add_parser(
        "quotas", help="how full each quota cell of a form is")
    status.add_argument("form", metavar="FORM")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.set_defaults(handler=cmd_quotas)


def _fail(message: str, code: int) -> int:
    print(f"icv-app: {message}", file=sys.stderr)
    return code


class _Unreadable(Exception):
    pass


def _from_arguments(given: list[str]) -> tuple[list[QuotaTarget], list[str]]:
    from icv_app.domain.survey.quotas import QuotaTarget

    targets, origins = [], []
    for text in given:
        cell, sep, number = text.rpartition("=")
        if not sep or not cell:
            raise _Unreadable(f"--target {text!r}: give CELL=N, e.g. "
                              "'shropshire|age_35_44|woman=20'")
        try:
            target = int(number.strip())
        except ValueError:
            raise _Unreadable(f"--target {text!r}: {number.strip()!r} is not a whole "
                              "number") from None
        targets.append(QuotaTarget(cell.strip(), target))
        origins.append(f"--target {text!r}")
    return targets, origins


def cmd_quota_set(args: argparse.Namespace) -> int:
    from icv_app.cli import _open_profile
    from icv_app.services.survey.quotas import (
        QuotaFileUnreadable,
        QuotaRefused,
        QuotaService,
        targets_from_file,
        where,
    )
    from icv_app.sync.credentials import load_account

    variables = [v.strip() for v in args.variables.split(",") if v.strip()]
    try:
        if args.file:
            _names, targets, origins = targets_from_file(Path(args.file), variables)
        else:
            targets, origins = _from_arguments(args.target)
    except (_Unreadable, QuotaFileUnreadable) as exc:
        return _fail(str(exc), EXIT_UNREADABLE)
    with _open_profile(args) as profile:
        account = load_account(profile.store.reader)
        if account is not None and account.role not in MANAGER_ROLES:
            return _fail(f"refused: only survey managers and admins define quotas; this "
                         f"laptop is signed in as {account.username} ({account.role})",
                         EXIT_REFUSED)
        service = QuotaService(profile.store, account.user_id if account else "")
        try:
            quota = service.define(
                args.form, variables, targets, name=args.name,
                other_cells_full=args.other_cells_full,
                defined_by=account.username if account else "")
        except QuotaRefused as exc:
            print(f"icv-app: refused: the quota for {args.form} cannot be kept:",
                  file=sys.stderr)
            for problem in exc.problems:
                print(f"  {where(problem.field, origins)}: {problem.message}",
                      file=sys.stderr)
            return EXIT_REFUSED
    total = sum(t.target for t in quota.targets)
    print(f"Quota for {quota.form_id} kept: {len(quota.targets)} cells of "
          f"{' x '.join(quota.variables)}, {total} interviews in all; interviewers "
          "receive it with the next sync.")
    return 0


def cmd_quotas(args: argparse.Namespace) -> int:
    from icv_app.cli import _open_profile
    from icv_app.services.survey.quotas import QuotaService
    from icv_app.sync.credentials import load_account

    with _open_profile(args) as profile:
        account = load_account(profile.store.reader)
        service = QuotaService(profile.store, account.user_id if account else "")
        quota = service.quota(args.form)
        if quota is None:
            return _fail(f"no quota for {args.form} on this laptop (a manager defines one "
                         "with: icv-app survey quota set)", EXIT_REFUSED)
        cells = service.status(args.form)
        fetched = service.fetched_at(args.form)
    if args.json:
        print(json.dumps({
            "form_id": quota.form_id, "name": quota.name, "variables": quota.variables,
            "other_cells_full": quota.other_cells_full,
            "counted_at": fetched.isoformat() if fetched else None,
            "cells": [{"cell": c.cell, "target": c.target, "achieved": c.achieved,
                       "remaining": c.remaining, "overfilled_by": c.overfilled_by,
                       "full": c.full, "flagged": list(c.flagged)} for c in cells],
        }, ensure_ascii=False, indent=2))
        return 0
    when = (f"server counts of {fetched:%Y-%m-%d %H:%M} UTC" if fetched
            else "no server counts yet (sync to fetch them)")
    print(f"{quota.form_id}: {quota.name or ' x '.join(quota.variables)} ({when})")
    for c in cells:
        target = "-" if c.target is None else str(c.target)
        remaining = "-" if c.remaining is None else str(c.remaining)
        line = (f"  {c.cell}: target {target}, achieved {c.achieved}, remaining "
                f"{remaining}")
        if c.overfilled_by:
            line += f", overfilled by {c.overfilled_by}"
        if c.full:
            line += " (full)"
        print(line)
        for rid in c.flagged:
            print(f"    flagged: {rid}")
    return 0
