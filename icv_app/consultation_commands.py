"""Consultation commands for scripts and checks.

    icv-app consultation import FILE.csv --form FORM_ID --id-column NAME [--map H=Q ...]
        import an online survey tool's CSV export of a consultation's responses: columns
        whose header is a question's label (or name) map to it, the others are kept as
        source metadata; a response already here (same response id) is not imported
        again. ``--map "Header=question_name"`` (repeatable) maps a column by hand; it is
        saved for the form and used again at the next import, as the mapping made in the
        app is. Besides a question's name, a column may map to @id (the response id),
        @received (the date received) or @source (kept as source metadata).
        Prints "Added N responses; M were already here.", the columns kept as source
        metadata and every problem with its file, row and column.
    icv-app consultation list --form FORM_ID [--json]
        the responses held for the form, by channel (online, email, paper)

Exit status: 0 when the file was read (problems are reported, and the rows they concern
imported unless the problem says otherwise), 1 when the import was refused (no such form,
no id column, a mapping naming no question; nothing saved), 2 when the file cannot be read
(missing, not UTF-8, not CSV).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_REFUSED = 1
EXIT_UNREADABLE = 2


def _map_entry(text: str) -> tuple[str, str]:
    header, sep, target = text.rpartition("=")
    if not sep or not header.strip() or not target.strip():
        raise argparse.ArgumentTypeError(
            f"{text!r}: write it as \"Column header=question_name\"")
    return header.strip(), target.strip()


def register(sub: Any) -> None:
    consultation = sub.add_parser(
        "consultation", help="consultation responses: import an online survey's CSV export")
    actions = consultation.add_subparsers(dest="consultation_command", metavar="ACTION",
                                          required=True)
    imported = actions.add_parser(
        "import", help="import a CSV export of responses (each response once)")
    imported.add_argument("file", metavar="FILE.csv")
    imported.add_argument("--form", required=True, metavar="FORM_ID",
                          help="the consultation's form (held here, or shipped with the app)")
    imported.add_argument("--id-column", required=True, metavar="NAME",
                          help="the column holding the survey tool's own response id")
    imported.add_argument("--map", action="append", default=[], type=_map_entry,
                          metavar="HEADER=QUESTION",
                          help="map a column to a question by hand (repeatable; saved for "
                               "the form); QUESTION may also be @id, @received or @source")
    imported.set_defaults(handler=cmd_import)
    listing = actions.add_parser("list", help="the responses held for a form, by channel")
    listing.add_argument("--form", required=True, metavar="FORM_ID")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=cmd_list)


REGISTRARS = [register]


def _service(profile: Any) -> Any:
    from icv_app.services.survey.consultations import ConsultationService
    from icv_app.store.settings import USER_ID, USERNAME

    reader = profile.store.reader
    return ConsultationService(profile.store, USER_ID.get(reader), USERNAME.get(reader))


def cmd_import(args: argparse.Namespace) -> int:
    from icv_app.cli import _open_profile
    from icv_app.services.survey.consultations import ConsultationRefused, CsvUnreadable

    path = Path(args.file)
    with _open_profile(args) as profile:
        try:
            outcome = _service(profile).import_file(
                path, args.form, args.id_column, mapping=dict(args.map) or None)
        except ConsultationRefused as exc:
            print(f"icv-app: refused: {exc} Nothing was imported.", file=sys.stderr)
            return EXIT_REFUSED
        except CsvUnreadable as exc:
            print(f"icv-app: {exc}", file=sys.stderr)
            return EXIT_UNREADABLE
        except OSError as exc:
            print(f"icv-app: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_UNREADABLE
    if outcome.instrument_imported:
        print(f"The form {outcome.form_id} was not here: imported the version shipped with "
              f"the app ({outcome.form_version}) first.")
    print(outcome.summary())
    if outcome.unmatched_columns:
        print("Kept as source metadata (no question): "
              + ", ".join(repr(h) for h in outcome.unmatched_columns))
    if outcome.received_column:
        print(f"Date received taken from the column {outcome.received_column!r}.")
    if outcome.not_imported:
        print(f"{outcome.not_imported} row{'' if outcome.not_imported == 1 else 's'} "
              "not imported (see the problems).")
    if outcome.problems:
        print(f"{len(outcome.problems)} problem{'' if len(outcome.problems) == 1 else 's'}:")
        for problem in outcome.problems:
            print(f"  {problem}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from icv_app.cli import _open_profile

    with _open_profile(args) as profile:
        counts = _service(profile).counts(args.form)
    total = sum(counts.values())
    if args.json:
        print(json.dumps({"form_id": args.form, "responses": total, "by_channel": counts},
                         indent=2))
        return 0
    by_channel = ", ".join(f"{channel} {n}" for channel, n in counts.items())
    print(f"{args.form}: {total} response{'' if total == 1 else 's'} ({by_channel})")
    return 0
