"""Survey commands for scripts and checks.

    icv-app survey preview FORM --answers FILE.json [--json] [--language L]
        run the form's logic on the answers given, storing nothing: what is asked, in
        what order, every value (calculations included) and every problem. FORM is a
        shipped instrument's form_id (``perception``, ``strategy_consultation``,
        ``survivor_consultation``) or the path of an XLSForm file.

Exit status: 0 when the form ran (problems are part of the answer), 2 for a form or an
answers file that cannot be read, with the reason.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from icv_app.domain.survey.instrument import Instrument

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


REGISTRARS = [register]


def shipped_forms() -> dict[str, Path]:
    """The shipped instruments by file stem (their form_id)."""
    folder = resources.files("icv_app.resources").joinpath("survey")
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir()
            if str(p).endswith(".xlsx")}


def load_form(form: str) -> Instrument:
    """FORM as the command takes it; raises InstrumentRefused or OSError."""
    from icv_app.domain.survey.instrument import load_xlsform

    shipped = shipped_forms()
    if form in shipped:
        return load_xlsform(shipped[form])
    path = Path(form)
    if path.suffix.lower() in (".xlsx", ".xls") or path.exists():
        return load_xlsform(path)
    raise FileNotFoundError(
        f"No form {form!r}: give a shipped form ({', '.join(sorted(shipped))}) or the "
        "path of an XLSForm file.")


def cmd_preview(args: argparse.Namespace) -> int:
    from icv_app.domain.survey.engine import run
    from icv_app.domain.survey.instrument import InstrumentRefused

    try:
        form = load_form(args.form)
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
