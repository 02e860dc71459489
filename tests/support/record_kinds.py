"""Record kinds that exist only in tests: proof that a new kind is one declaration plus
its local migration, and syncs through the real server with nothing else written.

- ``test_task``: made by a coordinator, assigned to a volunteer (``assignee_id``), who
  sees only tasks assigned to them and may mark them done; a done task is final.
- ``test_notice``: written on the server (reference data), read by every role.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from icv_app import kinds
from icv_app.domain.custody.visit import new_id
from icv_app.kinds import Author, Kind, Problem, Relation


@dataclass
class TestTask:
    __test__ = False  # not a pytest class

    assignee_id: str
    title: str = ""
    done: bool = False
    note: str = ""
    id: str = field(default_factory=new_id)


@dataclass
class TestNotice:
    __test__ = False

    text: str = ""
    id: str = field(default_factory=new_id)


def _table(name: str, columns: str) -> Any:
    def migrate(db: Any) -> None:
        db.execute(
            f"""CREATE TABLE {name} (
                id TEXT PRIMARY KEY, body TEXT NOT NULL,
                rev INTEGER NOT NULL DEFAULT 1, base_rev INTEGER NOT NULL DEFAULT 0,
                deleted INTEGER NOT NULL DEFAULT 0, owner_id TEXT, attention TEXT,
                updated_at TEXT NOT NULL, {columns})"""
        )

    return migrate


def _task_check(task: TestTask) -> list[Problem]:
    return [] if task.title.strip() else [Problem("title", "A task needs a title.")]


TASK = Kind(
    name="test_task",
    label="task",
    load_type=lambda: TestTask,
    table="test_tasks",
    read={"volunteer": Relation.ASSIGNED, "coordinator": Relation.SCHEME},
    write={"volunteer": Relation.ASSIGNED, "coordinator": Relation.SCHEME},
    is_final=lambda body: body.get("done") is True,
    final_message="A task marked done cannot be changed.",
    assignee_field="assignee_id",
    check=_task_check,
    columns=lambda task: {"title": task.title, "done": int(task.done)},
    local_migrations=(
        ("0001_tasks", _table("test_tasks", "title TEXT NOT NULL, done INTEGER NOT NULL")),
    ),
    push_order=50,
)

NOTICE = Kind(
    name="test_notice",
    label="notice",
    load_type=lambda: TestNotice,
    table="test_notices",
    author=Author.SERVER,
    read={role: Relation.EVERYONE for role in
          ("volunteer", "coordinator", "admin", "interviewer", "survey_manager")},
    columns=lambda notice: {"text": notice.text},
    local_migrations=(("0001_notices", _table("test_notices", "text TEXT NOT NULL")),),
    push_order=60,
)


@contextmanager
def extra_kinds_registered() -> Iterator[None]:
    kinds.register(TASK)
    kinds.register(NOTICE)
    try:
        yield
    finally:
        kinds.unregister(NOTICE.name)
        kinds.unregister(TASK.name)
