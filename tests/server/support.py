"""Helpers for the server tests: signed-in sessions and synthetic records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from icv_app.domain.custody.visit import Amendment, VisitorOnVisit, VisitReport, VisitStatus
from icv_app.domain.serialize import to_dict
from icv_app.server import admin
from icv_app.sync.wire import SCHEMA_HEADER, WIRE_SCHEMA

PASSWORD = "correct horse battery"  # synthetic, test only
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
API = "/api/v1"
SCHEMA = {SCHEMA_HEADER: str(WIRE_SCHEMA)}


@dataclass
class Session:
    """A signed-in device talking to the test server."""

    client: TestClient
    username: str
    user_id: str
    device_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {**SCHEMA, "Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(API + path, headers=self.headers, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.client.post(API + path, headers=self.headers, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.client.put(API + path, headers=self.headers, **kwargs)

    def push(self, *records: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.post("/sync/push", json={"records": list(records)})
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def push_one(self, record: dict[str, Any]) -> dict[str, Any]:
        return self.push(record)[0]

    def pull(self, since: int = 0, limit: int = 200) -> dict[str, Any]:
        response = self.get("/sync/pull", params={"since": since, "limit": limit})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def pull_all(self, since: int = 0, limit: int = 200) -> list[dict[str, Any]]:
        changes: list[dict[str, Any]] = []
        while True:
            page = self.pull(since, limit)
            changes += page["changes"]
            since = page["next_since"]
            if not page["has_more"]:
                return changes


class Server:
    """The in-process server with helpers to add users and sign devices in."""

    def __init__(self, app: FastAPI, client: TestClient) -> None:
        self.app = app
        self.client = client
        self.engine: Engine = app.state.icv.engine

    def add_user(self, username: str, role: str = "volunteer") -> str:
        return admin.create_user(
            self.engine, username, role, PASSWORD, hasher=FAST_HASHER
        ).id

    def login_response(
        self, username: str, password: str = PASSWORD, device: str = "test laptop"
    ) -> Any:
        return self.client.post(
            f"{API}/login",
            json={"username": username, "password": password, "device_name": device},
            headers=SCHEMA,
        )

    def login(self, username: str, device: str = "test laptop") -> Session:
        response = self.login_response(username, device=device)
        assert response.status_code == 200, response.text
        body = response.json()
        return Session(
            self.client, body["username"], body["user_id"], body["device_id"],
            body["device_token"],
        )

    def user(self, username: str, role: str = "volunteer") -> Session:
        self.add_user(username, role)
        return self.login(username)


# --- synthetic records -------------------------------------------------------------------


def draft_visit(suite: str = "suite-north") -> VisitReport:
    report = VisitReport()
    report.header.suite_id = suite
    return report


def submitted_visit(suite: str = "suite-north") -> VisitReport:
    report = draft_visit(suite)
    report.header.visit_date = dt.date(2030, 2, 27)
    report.header.arrival_time = dt.time(10, 15)
    report.header.departure_time = dt.time(11, 30)
    report.header.visitors = [VisitorOnVisit("visitor-001"), VisitorOnVisit("visitor-002")]
    report.status = VisitStatus.SUBMITTED
    report.submitted_at = dt.datetime(2030, 2, 27, 12, 0, tzinfo=dt.UTC)
    return report


def visit_record(
    report: VisitReport, rev: int = 1, base_rev: int = 0, deleted: bool = False
) -> dict[str, Any]:
    return {
        "type": "visit",
        "id": report.id,
        "rev": rev,
        "base_rev": base_rev,
        "deleted": deleted,
        "body": None if deleted else to_dict(report),
        "modified_at": "2030-02-27T12:00:00+00:00",
    }


def amendment_record(
    visit_id: str, rev: int = 1, base_rev: int = 0, text: str = "Arrival was 10:20."
) -> dict[str, Any]:
    amendment = Amendment(visit_id=visit_id, reason="Typing error", text=text)
    return {
        "type": "amendment",
        "id": amendment.id,
        "rev": rev,
        "base_rev": base_rev,
        "body": to_dict(amendment),
    }
