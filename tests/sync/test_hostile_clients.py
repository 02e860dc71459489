"""A volunteer with a valid token and a raw HTTP client, against the served API.

Every request below was built by hand, as an attacker (or a buggy client) would send it.
Whatever it is, the answer is a 4xx or a clean per-record result, never a 5xx; and
afterwards every other laptop in the scheme (the coordinator's, which holds the whole
scheme, and the volunteer's own second laptop) still syncs, and its count-and-digest
check agrees with the server.

The requests go through uvicorn on loopback (``live_server``), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from icv_app.sync.wire import MAX_PUSH_BATCH, SCHEMA_HEADER, WIRE_SCHEMA
from tests.server.support import (
    PASSWORD,
    amendment_record,
    draft_visit,
    submitted_visit,
    visit_record,
)
from tests.sync.conftest import LaptopFactory, Scheme
from tests.sync.support import Laptop, LiveServer, server_records

API = "/api/v1"
pytestmark = pytest.mark.timeout(300)


@dataclass
class Raw:
    """A raw HTTP client holding a volunteer's device token."""

    http: httpx.Client
    token: str

    def post(self, path: str, content: bytes, **headers: str) -> httpx.Response:
        return self.http.post(
            API + path, content=content,
            headers={SCHEMA_HEADER: str(WIRE_SCHEMA), "Authorization": f"Bearer {self.token}",
                     "Content-Type": "application/json", **headers},
        )

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(
            API + path, params=params,
            headers={SCHEMA_HEADER: str(WIRE_SCHEMA), "Authorization": f"Bearer {self.token}"},
        )

    def push_json(self, records: Any) -> httpx.Response:
        return self.post("/sync/push", json.dumps({"records": records}).encode())


@dataclass
class World:
    scheme: Scheme
    raw: Raw
    coordinator: Laptop
    spare: Laptop  # the attacker's own second laptop, used as the app uses it
    other: Laptop  # another volunteer

    def assert_everyone_still_syncs(self) -> None:
        for laptop in (self.coordinator, self.spare, self.other):
            summary = laptop.sync()
            assert summary.check_ok is True, (laptop.name, summary)
            again = laptop.sync()
            assert (again.check_ok, again.repulled) == (True, False), (laptop.name, again)


@pytest.fixture
def world(
    scheme: Scheme, live_server: LiveServer, laptops: LaptopFactory
) -> Iterator[World]:
    scheme.add_user("vol.mallory")
    scheme.add_user("vol.other")
    scheme.add_user("coord.one", "coordinator")
    with httpx.Client(base_url=live_server.url, timeout=60) as http:
        answer = http.post(
            API + "/login",
            json={"username": "vol.mallory", "password": PASSWORD, "device_name": "curl"},
            headers={SCHEMA_HEADER: str(WIRE_SCHEMA)},
        )
        assert answer.status_code == 200, answer.text
        raw = Raw(http, answer.json()["device_token"])
        coordinator = laptops("coord.one", url=live_server.url, name="coordinator")
        spare = laptops("vol.mallory", url=live_server.url, name="spare")
        other = laptops("vol.other", url=live_server.url, name="other")
        # Everyone starts with something synced, so a broken pull would show.
        for laptop in (spare, other):
            laptop.submit(laptop.new_draft().id)
            laptop.new_draft()
        w = World(scheme, raw, coordinator, spare, other)
        w.assert_everyone_still_syncs()
        yield w


def _no_5xx(response: httpx.Response) -> httpx.Response:
    assert response.status_code < 500, response.text[:500]
    return response


def _results(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text[:500]
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def _nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = [value]
    return value


def _visit(**changes: Any) -> dict[str, Any]:
    record = visit_record(draft_visit())
    for path, value in changes.items():
        target = record["body"]
        *parents, last = path.split("__")
        for p in parents:
            target = target[p]
        target[last] = value
    return record


# --- one record per case: refused alone, the rest of its batch accepted ------------------

Case = Callable[[], dict[str, Any]]


def _upper_body_id() -> dict[str, Any]:
    record = _visit()
    record["body"]["id"] = record["id"].upper()
    return record


def _upper_record_id() -> dict[str, Any]:
    record = _visit()
    record["id"] = record["id"].upper()
    record["body"]["id"] = record["id"]
    return record


def _hex_ids() -> dict[str, Any]:
    record = _visit()
    record["id"] = uuid.UUID(record["id"]).hex
    record["body"]["id"] = record["id"]
    return record


def _urn_ids() -> dict[str, Any]:
    record = _visit()
    record["id"] = uuid.UUID(record["id"]).urn
    record["body"]["id"] = record["id"]
    return record


def _rev(rev: Any, base_rev: Any = 0) -> Case:
    def case() -> dict[str, Any]:
        record = _visit()
        record["rev"], record["base_rev"] = rev, base_rev
        return record
    return case


def _field(**changes: Any) -> Case:
    return lambda: _visit(**changes)


def _surrogate_value() -> dict[str, Any]:
    return _visit(header__officer_in_charge="PS \ud800 Example")


def _surrogate_key() -> dict[str, Any]:
    record = _visit()
    record["body"]["extra_\udfff"] = 1
    return record


def _deep_unknown() -> dict[str, Any]:
    record = _visit()
    record["body"]["from_a_newer_app"] = _nested(300)
    return record


def _long_string() -> dict[str, Any]:
    return _visit(header__officer_in_charge="x" * 3_000_000)


def _type(value: Any) -> Case:
    def case() -> dict[str, Any]:
        record = _visit()
        record["type"] = value
        return record
    return case


def _body(value: Any) -> Case:
    def case() -> dict[str, Any]:
        record = _visit()
        record["body"] = value
        return record
    return case


def _missing(key: str) -> Case:
    def case() -> dict[str, Any]:
        record = _visit()
        del record[key]
        return record
    return case


def _huge_int_in_unknown_key() -> dict[str, Any]:
    record = _visit()
    record["body"]["counter"] = 2**70
    return record


REFUSED: dict[str, Case] = {
    "body id in upper case": _upper_body_id,
    "record and body id in upper case": _upper_record_id,
    "ids as 32 hex digits": _hex_ids,
    "ids as urn:uuid": _urn_ids,
    "rev 2^31-1 (no room for one more edit)": _rev(2**31 - 1),
    "rev 2^31": _rev(2**31),
    "rev 2^63": _rev(2**63),
    "rev 2^64": _rev(2**64),
    "rev 0": _rev(0),
    "rev -1": _rev(-1),
    "base_rev above rev": _rev(2, 5),
    "base_rev -1": _rev(1, -1),
    "rev as a string": _rev("1"),
    "rev as a float": _rev(1.5),
    "rev as true": _rev(True),
    "detainees as an object": _field(detainees={"a": {"custody_number": "AB/00001/30"}}),
    "tact as 'no'": _field(header__tact="no"),
    "in custody as a string": _field(counts__in_custody="3"),
    "in custody past 2^63": _field(counts__in_custody=2**64),
    "an impossible date": _field(header__visit_date="2030-13-45"),
    "an unknown mode": _field(header__mode="by carrier pigeon"),
    "a lone surrogate in a value": _surrogate_value,
    "a lone surrogate in a key": _surrogate_key,
    "an unknown key nested 300 deep": _deep_unknown,
    "a string over the body limit": _long_string,
    "an unknown type": _type("zzz"),
    "a type in capitals": _type("VISIT"),
    "a type as a number": _type(7),
    "a body that is a list": _body([1, 2]),
    "a body that is a string": _body("visit"),
    "no id": _missing("id"),
    "no rev": _missing("rev"),
    "a huge int in an unknown key": _huge_int_in_unknown_key,
}


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_a_hostile_record_is_refused_alone_and_breaks_nobodys_sync(
    world: World, case: Case
) -> None:
    hostile = case()
    fine = visit_record(draft_visit())
    results = _results(_no_5xx(world.raw.push_json([hostile, fine])))
    assert [r["status"] for r in results] == ["rejected", "accepted"], results
    assert results[0]["reason"]
    assert (("visit", fine["id"])) in server_records(world.scheme.engine)
    world.assert_everyone_still_syncs()


def test_an_amendment_pointing_at_its_visit_in_upper_case_is_refused(world: World) -> None:
    """Stored, it was skipped on every laptop, so the check never agreed again."""
    visit = visit_record(submitted_visit())
    assert _results(world.raw.push_json([visit]))[0]["status"] == "accepted"
    amendment = amendment_record(visit["id"].upper())
    good = amendment_record(visit["id"])
    results = _results(_no_5xx(world.raw.push_json([amendment, good])))
    assert [r["status"] for r in results] == ["rejected", "accepted"]
    assert results[0]["code"] == "reference"
    world.assert_everyone_still_syncs()
    assert len(world.coordinator.live_ids()) == len(server_records(world.scheme.engine))


def test_a_revision_may_not_jump_out_of_reach_of_the_next_edit(world: World) -> None:
    """A draft at a rev near the top left no room for the owner's next edit: that laptop's
    sync crashed every time, and all its other pending records were blocked."""
    record = visit_record(draft_visit())
    assert _results(world.raw.push_json([record]))[0]["status"] == "accepted"
    jump = copy.deepcopy(record)
    jump["rev"], jump["base_rev"] = 2**31 - 2, 1
    results = _results(_no_5xx(world.raw.push_json([jump])))
    assert results[0]["status"] == "rejected"
    # The owner's laptop edits it and pushes, with everything else it has.
    world.spare.sync()
    world.spare.edit(record["id"], "PS Example")
    world.spare.new_draft()
    summary = world.spare.sync()
    assert (summary.rejected, summary.check_ok, world.spare.pending()) == (0, True, 0)
    world.assert_everyone_still_syncs()


# --- whole requests ------------------------------------------------------------------------


def test_a_batch_of_ten_thousand_records_is_refused_whole(world: World) -> None:
    batch = [visit_record(draft_visit()) for _ in range(10_000)]
    response = _no_5xx(world.raw.push_json(batch))
    assert response.status_code in (413, 422)
    assert response.json()["message"]
    assert len(batch) > MAX_PUSH_BATCH
    world.assert_everyone_still_syncs()


def test_a_fifty_megabyte_body_is_refused_before_it_is_read(world: World) -> None:
    record = visit_record(draft_visit())
    record["body"]["padding"] = "x" * 50_000_000
    response = _no_5xx(world.raw.push_json([record]))
    assert response.status_code == 413
    world.assert_everyone_still_syncs()


@pytest.mark.parametrize("content", [
    b"\xff\xfe{not utf-8}",
    b'{"records": [{"type": "visit", "id": "\xc3\x28"}]}',
    b'{"records": ',
    b"[]",
    b'{"records": {"type": "visit"}}',
    b'{"records": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}",
    b'{"records": [{"type": "visit", "rev": ' + b"9" * 5000 + b"}]}",
    b'{"records": [{"type": "visit", "rev": NaN}]}',
], ids=["invalid utf-8", "invalid utf-8 in a string", "truncated", "not an object",
        "records not a list", "nested 100000 deep", "a 5000-digit number", "NaN"])
def test_a_request_that_is_not_json_of_the_right_shape_is_a_4xx(
    world: World, content: bytes
) -> None:
    response = _no_5xx(world.raw.post("/sync/push", content))
    assert 400 <= response.status_code < 500
    world.assert_everyone_still_syncs()


@pytest.mark.parametrize("params", [
    {"since": -1}, {"since": 2**63}, {"since": 2**64}, {"since": "abc"},
    {"since": 0, "limit": 0}, {"since": 0, "limit": 10**9},
], ids=["since -1", "since 2^63", "since 2^64", "since text", "limit 0", "limit 10^9"])
def test_pull_cursors_out_of_range_are_a_4xx(world: World, params: dict[str, Any]) -> None:
    response = _no_5xx(world.raw.get("/sync/pull", **params))
    assert 400 <= response.status_code < 500
    world.assert_everyone_still_syncs()


def test_the_last_seq_is_a_valid_cursor(world: World) -> None:
    response = world.raw.get("/sync/pull", since=2**63 - 1)
    assert response.status_code == 200
    assert response.json()["has_more"] is False


def test_a_pulled_change_this_laptop_cannot_store_is_held_aside_and_the_rest_applied(
    scheme: Scheme, laptops: LaptopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever one record does to a laptop's store, the page, the cursor and every other
    record go on; the record is kept aside with the reason, and the check still agrees."""
    import sqlcipher3

    from icv_app.store.sync import sync_records as sr

    scheme.add_user("vol.alpha")
    source = laptops("vol.alpha")
    reports = [source.new_draft() for _ in range(5)]
    source.sync()
    bad = reports[2].id
    original = sr.store_server_copy

    def store(db: Any, change: Any) -> None:
        if change.id == bad:
            raise sqlcipher3.IntegrityError("UNIQUE constraint failed: visits.id")
        original(db, change)

    monkeypatch.setattr(sr, "store_server_copy", store)
    target = laptops("vol.alpha", pull_limit=2)
    summary = target.sync()
    assert summary.check_ok is True
    assert target.live_ids() == {("visit", r.id) for r in reports if r.id != bad}
    held = target.write(sr.list_held_aside)
    assert [(h.id, "IntegrityError" in h.reason) for h in held] == [(bad, True)]
    # Once the laptop can store it (an update), it comes out of the aside pile.
    monkeypatch.setattr(sr, "store_server_copy", original)
    target.sync()
    assert target.live_ids() == {("visit", r.id) for r in reports}
