"""schemathesis against the served OpenAPI description: no input makes a server error,
and every answer matches what the description promises."""

from __future__ import annotations

import os
from typing import Any

import pytest
from fastapi import FastAPI

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests.server.support import Server  # noqa: E402

EXAMPLES = int(os.environ.get("ICV_FUZZ_EXAMPLES", "40"))


@pytest.fixture
def api_schema(app: FastAPI) -> Any:
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture
def admin_headers(server: Server) -> dict[str, str]:
    server.add_user("vol.alpha")
    session = server.user("admin.one", "admin")
    return {"Authorization": f"Bearer {session.token}"}


def test_no_input_breaks_the_api(api_schema: Any, admin_headers: dict[str, str]) -> None:
    # Driven by hand rather than through schemathesis' pytest plugin, which does not
    # support this pytest version.
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: Any) -> None:
            headers = {} if case.path.endswith("/logout") else dict(admin_headers)
            case.call_and_validate(headers=headers)

        try:
            fuzz()
        except Exception as exc:  # collect every operation's failure, then report
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
