"""The wire models' own rules, which the client relies on as much as the server."""

from __future__ import annotations

import hashlib

import pytest
from pydantic import ValidationError

from icv_app.sync.wire import LoginRequest, PushRequest, scope_digest


def test_scope_digest_is_order_independent_and_documented() -> None:
    a = ("visit", "11111111-1111-4111-8111-111111111111", 2)
    b = ("amendment", "22222222-2222-4222-8222-222222222222", 1)
    assert scope_digest([a, b]) == scope_digest([b, a])
    expected = hashlib.sha256(
        b"amendment:22222222-2222-4222-8222-222222222222:1\n"
        b"visit:11111111-1111-4111-8111-111111111111:2"
    ).hexdigest()
    assert scope_digest([a, b]) == expected
    assert scope_digest([]) == hashlib.sha256(b"").hexdigest()
    assert scope_digest([a]) != scope_digest([(a[0], a[1], 3)])


def test_batches_are_bounded() -> None:
    record = {"type": "visit", "id": "11111111-1111-4111-8111-111111111111", "rev": 1,
              "base_rev": 0, "body": {}}
    PushRequest.model_validate({"records": [record] * 500})
    with pytest.raises(ValidationError):
        PushRequest.model_validate({"records": [record] * 501})


def test_usernames_with_control_characters_are_refused() -> None:
    with pytest.raises(ValidationError):
        LoginRequest(username="vol\x00alpha", password="x")
