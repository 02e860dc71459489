"""Sizes end to end: pushes that fit behind a reverse proxy's body limit, and what happens
when one does not.

The laptop keeps each push under a byte budget (well under nginx's 1 MB default), halves
a batch that is refused as too large (413: the server's own, or a proxy's HTML page) and
keeps the smaller size for the rest of the sync, and marks refused, with a reason a
person can act on, a record that is too large even alone; everything else syncs. Through
a real nginx (tests/support/nginx.py) and, without one, through a transport that answers
as nginx does; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from icv_app.domain.custody.visit import IssueRaised, VisitReport
from icv_app.domain.serialize import to_dict
from icv_app.server.app import create_app
from icv_app.server.config import ServerConfig
from icv_app.sync.phases import PUSH_BYTE_BUDGET
from tests.support.nginx import Nginx, require_nginx
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import FaultTransport, Laptop, LiveServer, server_records
from tests.sync.test_protocol import assert_server_holds_exactly

PUSH = "/api/v1/sync/push"
KB = 1024
MB = 1024 * 1024
# nginx's own answer to a body over client_max_body_size, word for word.
NGINX_413 = (
    "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
    "<center><h1>413 Request Entity Too Large</h1></center>\r\n"
    "<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"
)
_PROSE = (
    "The custody sergeant explained the delay in admitting us; the detainee in cell 4 had "
    "been seen by the healthcare practitioner at 10:40, offered a meal and a drink, and "
    "asked for the duty solicitor, who was on the way. "
)


def note(i: int, size: int) -> str:
    """A visitor's long note of about ``size`` characters (different for each visit)."""
    text = f"Visit {i}. " + _PROSE * (size // len(_PROSE) + 1)
    return text[:size]


def make_visits(laptop: Laptop, count: int, note_size: int = 4 * KB) -> list[VisitReport]:
    return [laptop.new_draft(outcome_note=note(i, note_size)) for i in range(count)]


def make_huge(laptop: Laptop, size: int = 200 * KB) -> VisitReport:
    """A draft of about ``size`` bytes: many issues, each with a long account."""
    report = laptop.new_draft()
    report.issues = [
        IssueRaised(text=note(i, 20 * KB)) for i in range(size // (20 * KB) + 1)
    ]
    laptop.save(report)
    return report


def json_size(report: VisitReport) -> int:
    return len(json.dumps(to_dict(report), separators=(",", ":")).encode())


# --- without nginx: a transport that answers as nginx does -----------------------------------


@dataclass(frozen=True)
class Sent:
    size: int  # bytes of the push request's body
    records: int
    status: int


class ProxyLimit(httpx.BaseTransport):
    """In front of the in-process server: a body over ``limit`` bytes gets nginx's HTML 413
    (its client_max_body_size), the rest pass. Records every push."""

    def __init__(self, inner: httpx.BaseTransport, limit: int | None) -> None:
        self.inner = inner
        self.limit = limit
        self.pushes: list[Sent] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        if self.limit is not None and len(body) > self.limit:
            response = httpx.Response(
                413, text=NGINX_413, headers={"Content-Type": "text/html"}, request=request
            )
        else:
            response = self.inner.handle_request(request)
        if request.url.path == PUSH:
            records = len(json.loads(body)["records"])
            self.pushes.append(Sent(len(body), records, response.status_code))
        return response


def test_pushes_stay_under_the_byte_budget(
    scheme: Scheme, laptops: LaptopFactory, in_process: FaultTransport
) -> None:
    scheme.add_user("vol.alpha")
    wire = ProxyLimit(in_process, limit=None)
    home = laptops("vol.alpha", transport=wire)
    make_visits(home, 300)
    summary = home.sync()
    assert (summary.accepted, summary.rejected) == (300, 0)
    assert all(p.size <= PUSH_BYTE_BUDGET for p in wire.pushes)
    # Not one record a batch either: full batches, each nearly the whole budget.
    assert len(wire.pushes) <= sum(p.size for p in wire.pushes) // (PUSH_BYTE_BUDGET // 2) + 1
    assert_server_holds_exactly(scheme, home)


def test_a_413_halves_the_batch_and_a_record_too_large_alone_is_refused(
    scheme: Scheme, laptops: LaptopFactory, in_process: FaultTransport
) -> None:
    scheme.add_user("vol.alpha")
    wire = ProxyLimit(in_process, limit=64 * KB)  # client_max_body_size 64k
    home = laptops("vol.alpha", transport=wire)
    made = make_visits(home, 40)
    huge = make_huge(home)
    made += make_visits(home, 40)

    summary = home.sync()
    assert (summary.accepted, summary.rejected) == (80, 1)
    refused = [p for p in wire.pushes if p.status == 413]
    # Halved from the budget until a batch passed; that size was kept: after the first
    # accepted batch, the only 413 is the record too large on its own.
    first_ok = next(i for i, p in enumerate(wire.pushes) if p.status == 200)
    halvings = wire.pushes[:first_ok]
    assert len(halvings) >= 2
    assert all(b.records <= a.records // 2 + 1 for a, b in itertools.pairwise(halvings))
    later = [p for p in wire.pushes[first_ok:] if p.status == 413]
    assert [p.records for p in later] == [1]
    assert len(refused) == len(halvings) + 1
    assert all(p.size <= 64 * KB for p in wire.pushes if p.status == 200)

    (rejected,) = home.rejected()
    assert rejected.id == huge.id
    assert "too large for the server or its proxy" in rejected.reason
    assert f"({later[0].size // KB + 1} KB)" in rejected.reason
    on_server = server_records(scheme.engine)
    assert ("visit", huge.id) not in on_server
    assert {("visit", v.id) for v in made} == set(on_server)

    # Refused, it waits for a person: the next sync does not send it again.
    pushes_before = len(wire.pushes)
    again = home.sync()
    assert again.pushed == 0 and len(wire.pushes) == pushes_before
    assert [r.id for r in home.rejected()] == [huge.id]


def test_the_servers_own_413_is_handled_the_same_way(
    scheme: Scheme, laptops: LaptopFactory, database_url: str, config: ServerConfig,
    tmp_path: Path,
) -> None:
    small = dataclasses.replace(config, max_body_bytes=64 * KB)
    with LiveServer(lambda: create_app(database_url, config=small)) as live:
        scheme.add_user("vol.alpha")
        home = laptops("vol.alpha", url=live.url)
        made = make_visits(home, 30)
        huge = make_huge(home)
        summary = home.sync()
        assert (summary.accepted, summary.rejected) == (30, 1)
        (rejected,) = home.rejected()
        assert rejected.id == huge.id and "too large" in rejected.reason
        assert {("visit", v.id) for v in made} == set(server_records(scheme.engine))


# --- through a real nginx ------------------------------------------------------------------


@pytest.fixture
def nginx(tmp_path: Path, live_server: LiveServer) -> Iterator[Callable[..., Nginx]]:
    """``nginx(max_body="64k")``: nginx started in front of the live server."""
    binary = require_nginx()
    started: list[Nginx] = []

    def start(max_body: str | None = None) -> Nginx:
        proxy = Nginx(binary, live_server.port, tmp_path / f"nginx{len(started)}",
                      max_body=max_body)
        started.append(proxy)
        proxy.start()
        return proxy

    yield start
    for proxy in started:
        proxy.stop()


def test_300_visits_sync_through_nginx_with_its_default_body_limit(
    scheme: Scheme, laptops: LaptopFactory, nginx: Callable[..., Nginx]
) -> None:
    # The defect: nginx's 1 MB default refused every push of 200 such visits, the laptop
    # took its 413 for a bug, and not one of the 300 reached the server.
    proxy = nginx()
    scheme.add_user("vol.alpha")
    home = laptops("vol.alpha", url=proxy.url)
    made = make_visits(home, 300)
    assert sum(json_size(v) for v in made[:200]) > MB  # one batch of old would not pass

    summary = home.sync()
    assert (summary.accepted, summary.rejected) == (300, 0)
    assert home.pending() == 0
    pushes = [r for r in proxy.requests() if r.path == PUSH]
    assert pushes and {r.status for r in pushes} == {200}  # not even one 413
    assert_server_holds_exactly(scheme, home)

    spare = laptops("vol.alpha", url=proxy.url)
    pulled = spare.sync()
    assert pulled.pulled == 300 and pulled.check_ok is True
    assert spare.live_ids() == home.live_ids() == {("visit", v.id) for v in made}


def test_a_proxy_limit_below_the_budget_halves_batches_and_refuses_only_the_huge_record(
    scheme: Scheme, laptops: LaptopFactory, nginx: Callable[..., Nginx]
) -> None:
    proxy = nginx(max_body="64k")
    scheme.add_user("vol.alpha")
    home = laptops("vol.alpha", url=proxy.url)
    made = make_visits(home, 60)
    huge = make_huge(home)
    made += make_visits(home, 60)

    summary = home.sync()
    assert (summary.accepted, summary.rejected) == (120, 1)
    pushes = [r for r in proxy.requests() if r.path == PUSH]
    refused = [r for r in pushes if r.status == 413]
    # A few halvings and the one record too large alone, not a 413 per batch.
    assert 2 <= len(refused) <= 8
    assert len(pushes) - len(refused) < 120
    (rejected,) = home.rejected()
    assert rejected.id == huge.id
    assert "too large for the server or its proxy" in rejected.reason
    on_server = server_records(scheme.engine)
    assert {("visit", v.id) for v in made} == set(on_server)

    before = len(proxy.requests())
    again = home.sync()
    assert again.pushed == 0
    assert not [r for r in proxy.requests()[before:] if r.path == PUSH]

    spare = laptops("vol.alpha", url=proxy.url)
    assert spare.sync().check_ok is True
    assert spare.live_ids() == {("visit", v.id) for v in made}
