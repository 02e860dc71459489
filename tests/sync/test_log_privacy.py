"""What the server and the laptop log when something fails: where it failed and what kind
of failure, never the record it failed on. An exception's message can quote what it was
given (a custody number, a name, a whole body in an SQL error's parameters), so no
message reaches a log; the traceback's frames and the exception types do."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from icv_app.log_privacy import exception_outline
from icv_app.server import records as server_records
from icv_app.services.sync import SyncService
from icv_app.store.changes import ChangeHub, StoreChange
from icv_app.sync.errors import ServerUnavailable
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import LiveServer

WAIT = 30.0
# In the body of every report these tests push: it must show up in no log line.
OFFICER = "PS Quentin Marlowe-Tibbs"


def _quoting_body(record: Any) -> str:
    return json.dumps(record.body)


class Collected(logging.Handler):
    """Every record a logger emits, formatted as a log file would hold it."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
        self.lines: list[str] = []
        self.emitted = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.emitted.set()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def uvicorn_log(live_server: LiveServer) -> Iterator[Collected]:
    """What uvicorn logs (after it configured its loggers, when the server started)."""
    handler = Collected()
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_the_outline_of_an_exception_keeps_where_and_what_kind_not_the_message() -> None:
    def inner() -> None:
        raise KeyError(f"custody number {OFFICER}")

    try:
        try:
            inner()
        except KeyError as exc:
            raise ValueError(f"while reading {OFFICER}") from exc
    except ValueError as exc:
        outline = exception_outline(exc)
    assert OFFICER not in outline
    assert "in inner" in outline and "KeyError" in outline and "ValueError" in outline
    assert outline.index("KeyError") < outline.index("ValueError")  # cause first


def test_a_record_the_server_fails_on_is_logged_without_its_body(
    scheme: Scheme, laptops: LaptopFactory, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")
    laptop.new_draft(officer_in_charge=OFFICER)

    def broken(prepared: Any, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"cannot decide on {_quoting_body(prepared.record)}")

    monkeypatch.setattr(server_records, "decide", broken)
    with caplog.at_level(logging.ERROR):
        assert laptop.sync().rejected == 1
    assert "deciding a pushed visit failed" in caplog.text
    assert "ValueError" in caplog.text and "in broken" in caplog.text
    assert OFFICER not in caplog.text


def test_a_request_the_server_fails_on_is_logged_without_the_body_by_it_and_by_uvicorn(
    scheme: Scheme, live_server: LiveServer, uvicorn_log: Collected, laptops: LaptopFactory,
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha", url=live_server.url)
    laptop.new_draft(officer_in_charge=OFFICER)

    def broken(conn: Any, before: Any, state: dict[Any, Any], *args: Any) -> None:
        # What SQLAlchemy raises for a failed statement: its message lists the parameters
        # (a long one shortened in the middle, so here the part of the body that matters).
        [stored] = state.values()
        officer = json.loads(stored.body)["header"]["officer_in_charge"]
        raise IntegrityError("UPDATE records SET body = ?", (officer,),
                             Exception("constraint failed"))

    monkeypatch.setattr(server_records, "_write_changes", broken)
    with caplog.at_level(logging.ERROR), pytest.raises(ServerUnavailable):
        laptop.sync()
    assert "unhandled error" in caplog.text and "IntegrityError" in caplog.text
    assert OFFICER not in caplog.text
    # Starlette re-raises after the 500 answer was sent, and uvicorn logs it again.
    assert uvicorn_log.emitted.wait(WAIT)
    assert "Exception in ASGI application" in uvicorn_log.text
    assert "IntegrityError" in uvicorn_log.text
    assert OFFICER not in uvicorn_log.text


def test_the_laptop_logs_an_unexpected_sync_failure_without_what_it_was_about(
    scheme: Scheme, laptops: LaptopFactory, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    scheme.add_user("vol.alpha")
    laptop = laptops("vol.alpha")

    def broken(**_kwargs: Any) -> Any:
        raise RuntimeError(f"a bug while sending {OFFICER}")

    monkeypatch.setattr(laptop.client, "sync", broken)
    service = SyncService(laptop.store, client=laptop.client, first_sync_delay=-1,
                          auto_interval=0, watch_interval=0)
    try:
        service.start()
        with caplog.at_level(logging.ERROR), pytest.raises(RuntimeError):
            service.sync_now().result(WAIT)
    finally:
        service.close()
    assert "sync failed" in caplog.text and "RuntimeError" in caplog.text
    assert OFFICER not in caplog.text


def test_a_failing_store_subscriber_is_logged_without_what_it_was_given(
    caplog: pytest.LogCaptureFixture,
) -> None:
    hub = ChangeHub()

    def broken(change: StoreChange) -> None:
        raise KeyError(f"no row for {OFFICER}")

    hub.subscribe(broken)
    with caplog.at_level(logging.ERROR):
        hub.publish(StoreChange("local", frozenset({("visit", "an-id")})))
    assert "store change subscriber failed" in caplog.text and "KeyError" in caplog.text
    assert OFFICER not in caplog.text
