"""Survey commands for scripts and checks.

    icv-app survey import FILE.xlsx
        check an XLSForm in full and keep it on this laptop (it reaches interviewers with
        the next sync); prints the form id and version, or the refusal with sheet, row
        and column (exit status 1)
    icv-app survey list [--json]
        the forms held: form_id, version, responses
    icv-app survey preview FORM --answers FILE.json [--json] [--language L]
        run the form's logic on the answers given, storing nothing: what is asked, in
        what order, every value (calculations included) and every problem. FORM is a
        shipped instrument's form_id (``perception``, ``strategy_consultation``,
        ``survivor_consultation``) or the path of an XLSForm file.

Preview's exit status: 0 when the form ran (problems are part of the answer), 2 for a
form or an answers file that cannot be read, with the reason.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from icv_app.domain.survey.shipped import shipped_forms

if TYPE_CHECKING:
    from icv_app.domain.survey.instrument import Instrument

EXIT_REFUSED = 1
EXIT_UNREADABLE = 2


def register(sub: Any) -> None:
    survey = sub.add_parser("survey", help="survey instruments: check a form's routing")
    survey_sub = survey.add_subparsers(dest="survey_command", metavar="ACTION",
                                       required=True)
    preview = survey_sub.add_parser(
        "preview", help="run a form's logic on given answers, storing nothing")
    preview.add_argument("form", metavar="FORM",
                         help="a shipped form's form_id, or the path of an XLSForm (.xlsx)")
    preview.add_argument("--answers", metavar="FILE.json", required=True,
                         help='answers by name: {"age": 34, "heard": ["radio"], '
                              '"person": [{"person_age": 40}]}')
    preview.add_argument("--json", action="store_true", help="print JSON")
    preview.add_argument("--language", metavar="L",
                         help="the language of messages, e.g. 'Welsh (cy)'")
    preview.add_argument("--today", metavar="YYYY-MM-DD", type=dt.date.fromisoformat,
                         help="the date today() gives (default: today)")
    preview.set_defaults(handler=cmd_preview)
    imported = survey_sub.add_parser(
        "import", help="check an XLSForm and keep it (interviewers get it by sync)")
    imported.add_argument("file", metavar="FILE.xlsx")
    imported.set_defaults(handler=cmd_import)
    listing = survey_sub.add_parser("list", help="the forms held, with their responses")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=cmd_list)
    for module in _SURVEY_EXTRAS:  # telephone samples and calls, quotas
        try:
            importlib.import_module(module).register_survey(survey_sub)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


# Modules adding actions to ``icv-app survey``: each has register_survey(survey_sub).
_SURVEY_EXTRAS = ("icv_app.survey_cati_commands", "icv_app.survey_quota_commands")


REGISTRARS = [register]


def load_form(form: str, data_dir: str | None = None) -> Instrument:
    """FORM as the command takes it: the path of an XLSForm, a form imported into the
    profile (its latest version), or a shipped form. Raises InstrumentRefused or
    OSError."""
    from icv_app.domain.survey.instrument import load_xlsform

    held = _imported(form, data_dir)
    if held is not None:
        return held
    shipped = shipped_forms()
    if form in shipped:
        return load_xlsform(shipped[form])
    path = Path(form)
    if path.suffix.lower() in (".xlsx", ".xls") or path.exists():
        return load_xlsform(path)
    raise FileNotFoundError(
        f"No form {form!r}: give a shipped form ({', '.join(sorted(shipped))}) or the "
        "path of an XLSForm file.")


def _imported(form: str, data_dir: str | None) -> Instrument | None:
    """The latest version of ``form`` imported into the profile, if the profile exists
    and can be opened (a preview of a shipped form or a file needs no profile)."""
    from icv_app.composition import AppContext
    from icv_app.domain.survey.instrument import load_xlsform_bytes
    from icv_app.paths import Paths
    from icv_app.services.survey.instruments import latest_held
    from icv_app.store.errors import StoreError

    paths = Paths.resolve(data_dir)
    if Path(form).suffix or not paths.database.exists():
        return None
    try:
        with AppContext.open(paths) as profile:
            latest = latest_held(profile.store.reader, form)
    except StoreError:
        return None
    if latest is None:
        return None
    return load_xlsform_bytes(latest.workbook(), latest.filename or f"{form}.xlsx")


def cmd_preview(args: argparse.Namespace) -> int:
    from icv_app.domain.survey.engine import run
    from icv_app.domain.survey.instrument import InstrumentRefused

    try:
        form = load_form(args.form, args.data_dir)
    except InstrumentRefused as exc:
        print(f"icv-app: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except OSError as exc:
        print(f"icv-app: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    answers = _answers(Path(args.answers))
    if answers is None:
        return EXIT_UNREADABLE
    if args.language and args.language not in form.languages:
        print(f"icv-app: the form has no language {args.language!r} "
              f"(it has {', '.join(form.languages)})", file=sys.stderr)
        return EXIT_UNREADABLE
    result = run(form, answers, today=args.today, language=args.language)
    out = result.as_json()
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(f"{form.form_id} version {form.version}: {len(out['asked'])} questions asked")
    for name in out["asked"]:
        value = out["values"].get(name)
        print(f"  {name} = {value!r}" if value is not None else f"  {name}: no answer")
    calculated = [k for k in out["values"] if k not in set(out["asked"])]
    for name in calculated:
        print(f"  ({name} = {out['values'][name]!r})")
    for problem in out["problems"]:
        print(f"  problem at {problem['name'] or 'the form'}: {problem['message']}")
    if not out["problems"]:
        print("  no problems")
    return 0


def _answers(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"icv-app: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return None
    except UnicodeDecodeError:
        print(f"icv-app: {path} is not UTF-8 text", file=sys.stderr)
        return None
    try:
        answers = json.loads(text)
    except json.JSONDecodeError as exc:
        print(f"icv-app: {path}, line {exc.lineno}, column {exc.colno}: {exc.msg}",
              file=sys.stderr)
        return None
    if not isinstance(answers, dict):
        print(f'icv-app: {path}: the answers must be an object, {{"name": value, ...}}',
              file=sys.stderr)
        return None
    return answers


def cmd_import(args: argparse.Namespace) -> int:
    from icv_app.cli import _open_profile
    from icv_app.domain.survey.instrument import InstrumentRefused
    from icv_app.services.survey.instruments import InstrumentConflict, InstrumentService

    with _open_profile(args) as profile:
        try:
            outcome = InstrumentService(profile.store).import_file(Path(args.file))
        except InstrumentRefused as exc:
            print(f"icv-app: refused: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        except InstrumentConflict as exc:
            print(f"icv-app: refused: {exc}", file=sys.stderr)
            return EXIT_REFUSED
        except OSError as exc:
            print(f"icv-app: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_UNREADABLE
    form = outcome.instrument
    count = sum(1 for _ in form.questions())
    if outcome.added:
        print(f"Imported {form.form_id} version {form.version} ({count} questions and "
              "groups); interviewers receive it with the next sync.")
    else:
        print(f"{form.form_id} version {form.version} is already here; nothing changed.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from icv_app.cli import _open_profile
    from icv_app.services.survey.instruments import InstrumentService

    with _open_profile(args) as profile:
        forms = InstrumentService(profile.store).forms()
    if args.json:
        print(json.dumps([{"form_id": f.form_id, "version": f.version, "title": f.title,
                           "responses": f.responses} for f in forms], ensure_ascii=False,
                         indent=2))
        return 0
    if not forms:
        print("No forms yet: icv-app survey import FILE.xlsx")
    for f in forms:
        print(f"{f.form_id} version {f.version}: {f.title or '(no title)'}, "
              f"{f.responses} response{'s' if f.responses != 1 else ''}")
    return 0
