"""The project's own promises: the README's commands, lint."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    return re.findall(r"```sh\n(.+?)\n```", text)[:2]


def test_ci_runs_exactly_the_readme_test_command():
    run_app, run_tests = readme_commands()
    assert "icv-app" in run_app and "pytest" in run_tests
    ci = (REPO / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == run_tests


def test_every_dependency_is_pinned_in_the_constraints_file():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    pinned = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (REPO / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    names = {re.split(r"[\[<>=! ]", w, maxsplit=1)[0].lower().replace("_", "-") for w in wanted}
    assert names - pinned == set()



def test_every_package_is_in_the_built_wheel():
    """An installed (not editable) app has every subpackage: pyproject names each one."""
    import tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())
                 ["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "icv_app").rglob("__init__.py")
    }
    assert found - listed == set()

def test_ruff_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--quiet", "icv_app", "tests", "benchmarks"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean_on_the_typed_layers():
    result = subprocess.run(
        [sys.executable, "-m", "mypy"], cwd=REPO, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
