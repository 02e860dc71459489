"""The local database's numbered schema migrations (sqlite-utils ``Migrations``).

Only the writer imports this module: the names, in order, are also listed in
:data:`icv_app.store.database.MIGRATION_NAMES` so that readers can check a database's
version without importing sqlite-utils at start-up.

Each migration runs in its own transaction together with the record that it ran and the
schema version (``PRAGMA user_version``), so a crash leaves the database at one version
or the next, never in between. Record kinds bring their own tables as their own
migration sets (:attr:`icv_app.kinds.base.Kind.local_migrations`), applied after these.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils
from sqlite_utils.migrations import Migrations

from icv_app import kinds
from icv_app.store.database import MIGRATION_NAMES

_core = Migrations("icv_app")


def _versioned(name: str) -> Callable[[Callable[[sqlite_utils.Database], None]], object]:
    """Register a core migration that also moves ``user_version``, in its transaction."""
    version = MIGRATION_NAMES.index(name) + 1

    def decorate(fn: Callable[[sqlite_utils.Database], None]) -> object:
        def apply(db: sqlite_utils.Database) -> None:
            fn(db)
            db.execute(f"PRAGMA user_version = {version}")

        apply.__name__ = fn.__name__
        return _core(name=name)(apply)

    return decorate


migrations = _core


@_versioned("0001_visits")
def _m0001(db: sqlite_utils.Database) -> None:
    db.execute(
        """
        CREATE TABLE visits (
            id TEXT PRIMARY KEY,
            suite_id TEXT NOT NULL DEFAULT '',
            visit_date TEXT,
            arrival_time TEXT,
            status TEXT NOT NULL DEFAULT 'draft',
            detainee_count INTEGER NOT NULL DEFAULT 0,
            issue_count INTEGER NOT NULL DEFAULT 0,
            search_text TEXT NOT NULL DEFAULT '',
            body TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            base_rev INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            submitted_at TEXT
        )
        """
    )
    db.execute("CREATE INDEX visits_date ON visits(visit_date DESC, arrival_time DESC)")
    db.execute("CREATE INDEX visits_suite ON visits(suite_id)")
    db.execute("CREATE INDEX visits_status ON visits(status)")
    # A submitted report is immutable: only sync bookkeeping (rev, base_rev) may change.
    db.execute(
        """
        CREATE TRIGGER visits_submitted_read_only BEFORE UPDATE OF body ON visits
        WHEN OLD.status = 'submitted' AND NEW.body IS NOT OLD.body
        BEGIN SELECT RAISE(ABORT, 'a submitted visit report cannot be edited'); END
        """
    )
    db.execute(
        """
        CREATE TABLE amendments (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL REFERENCES visits(id) ON DELETE CASCADE,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            rev INTEGER NOT NULL DEFAULT 1,
            base_rev INTEGER NOT NULL DEFAULT 0,
            deleted INTEGER NOT NULL DEFAULT 0
        )
        """
    )
    db.execute("CREATE INDEX amendments_visit ON amendments(visit_id, created_at)")
    db.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


@_versioned("0002_sync")
def _m0002(db: sqlite_utils.Database) -> None:
    for table in ("visits", "amendments"):
        # owner_id: the server's user id of who first pushed it (known after sync).
        # attention: the server's reason when it rejected this record; shown to the user.
        db.execute(f"ALTER TABLE {table} ADD COLUMN owner_id TEXT")
        db.execute(f"ALTER TABLE {table} ADD COLUMN attention TEXT")
        db.execute(f"CREATE INDEX {table}_unsynced ON {table}(rev, base_rev) WHERE rev > base_rev")
    db.execute(
        """
        CREATE TABLE conflicts (
            record_type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            server_rev INTEGER NOT NULL,
            server_deleted INTEGER NOT NULL DEFAULT 0,
            server_body TEXT,
            detected_at TEXT NOT NULL,
            PRIMARY KEY (record_type, record_id)
        )
        """
    )
    # Records removed from this laptop under the retention rule: never re-pulled, still
    # counted in the post-sync check against the server.
    db.execute(
        """
        CREATE TABLE purged (
            record_type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            rev INTEGER NOT NULL,
            PRIMARY KEY (record_type, record_id)
        )
        """
    )


@_versioned("0003_visits_list_index")
def _m0003(db: sqlite_utils.Database) -> None:
    # The visits list (and its count) is answered from this index alone: without it every
    # row's JSON body (overflow pages, each decrypted) is read at start-up.
    db.execute(
        "CREATE INDEX visits_live ON visits(visit_date DESC, arrival_time DESC, id, suite_id, "
        "status, detainee_count, issue_count, updated_at) WHERE deleted = 0"
    )


@_versioned("0004_held_aside")
def _m0004(db: sqlite_utils.Database) -> None:
    # Pulled records this version cannot read (a kind it does not know, or a body it
    # cannot make sense of): kept verbatim, shown to the person, counted as held in the
    # post-sync check, and replaced when a readable version arrives.
    db.execute(
        """
        CREATE TABLE held_aside (
            record_type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            rev INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            body TEXT,
            owner_id TEXT,
            reason TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (record_type, record_id)
        )
        """
    )


@_versioned("0005_visits_search")
def _m0005(db: sqlite_utils.Database) -> None:
    # Full-text search of the visits list (custody numbers, issue text, officers) with
    # FTS5's trigram tokenizer: any substring of three characters or more is found from
    # the index, not by reading every row (a coordinator's laptop holds the whole scheme).
    # Keyed by the visit id, not the rowid, which VACUUM may renumber. Re-indexed only
    # when the text changed: most autosaves touch other fields.
    db.execute(
        "CREATE VIRTUAL TABLE visits_search USING fts5(visit_id UNINDEXED, search_text, "
        "tokenize = 'trigram')"
    )
    db.execute(
        "INSERT INTO visits_search (visit_id, search_text) "
        "SELECT id, search_text FROM visits"
    )
    db.execute(
        """
        CREATE TRIGGER visits_search_insert AFTER INSERT ON visits BEGIN
            INSERT INTO visits_search (visit_id, search_text) VALUES (new.id, new.search_text);
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER visits_search_update AFTER UPDATE OF search_text, id ON visits
        WHEN old.search_text IS NOT new.search_text OR old.id IS NOT new.id BEGIN
            DELETE FROM visits_search WHERE visit_id = old.id;
            INSERT INTO visits_search (visit_id, search_text) VALUES (new.id, new.search_text);
        END
        """
    )
    db.execute(
        """
        CREATE TRIGGER visits_search_delete AFTER DELETE ON visits BEGIN
            DELETE FROM visits_search WHERE visit_id = old.id;
        END
        """
    )


@_versioned("0006_server_stored")
def _m0006(db: sqlite_utils.Database) -> None:
    # When the server stored the rev this laptop holds of each record, on the server's
    # clock: retention counts from here (not from submission), so a report leaves the
    # laptop only once every backup taken within the retention period holds it. A record
    # not listed here (synced by an older version) is kept until a pull brings its time.
    # "lost": reports purged here under retention that the server no longer has (it was
    # restored from a backup older than them): shown until one comes back.
    db.execute(
        """
        CREATE TABLE server_stored (
            record_type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            rev INTEGER NOT NULL,
            stored_at TEXT NOT NULL,
            PRIMARY KEY (record_type, record_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE lost (
            record_type TEXT NOT NULL,
            record_id TEXT NOT NULL,
            rev INTEGER NOT NULL,
            noticed_at TEXT NOT NULL,
            PRIMARY KEY (record_type, record_id)
        )
        """
    )
    # What this laptop already holds came without its storing time: pull everything once
    # more (nothing local is replaced: the revs are the same) to learn it.
    db.execute("DELETE FROM settings WHERE key = 'pull_since'")


# The coordinator's list of all reports (a coordinator's laptop holds the whole scheme)
# reads one narrow row per live report, never the visits table: a visit's row carries its
# JSON body (an overflow chain of encrypted pages) before ``deleted`` and ``created_at``,
# so reading them for 50,000 visits takes seconds. Triggers keep the rows (so every way a
# report arrives keeps them right: a save, a submission, a pull, an import, a deletion)
# and read from the body what has no column: the panel, the visitors and the issues not
# resolved at the time. A body that is not JSON (never written by this app) gives empty
# values rather than stopping the write.
def _facets_sql(row: str, source: str = "") -> str:
    """The statement that writes the list row of the live report(s) ``row``: ``new`` in
    a trigger, or ``v`` over ``source`` (``FROM visits AS v``) when filling in."""
    body = f"CASE WHEN json_valid({row}.body) THEN {row}.body ELSE '{{}}' END"
    vid = "CAST(CASE WHEN j.type = 'object' THEN json_extract(j.value, '$.visitor_id') END AS TEXT)"
    return f"""
        INSERT OR REPLACE INTO visit_facets (visit_id, suite_id, visit_date, arrival_time,
            status, detainee_count, issue_count, created_at, panel, visitor_ids,
            unresolved_count)
        SELECT {row}.id, {row}.suite_id, {row}.visit_date, {row}.arrival_time, {row}.status,
            {row}.detainee_count, {row}.issue_count, {row}.created_at,
            coalesce(CAST(json_extract({body}, '$.header.panel') AS TEXT), ''),
            coalesce((SELECT group_concat({vid}, char(31) ORDER BY j.key)
                      FROM json_each({body}, '$.header.visitors') AS j
                      WHERE {vid} IS NOT NULL), ''),
            (SELECT count(*) FROM json_each({body}, '$.issues') AS i
             WHERE CASE WHEN i.type = 'object'
                   THEN json_extract(i.value, '$.resolved') IS NOT 1 ELSE 0 END)
        {source} WHERE {row}.deleted = 0"""


@_versioned("0007_scheme_reports")
def _m0007(db: sqlite_utils.Database) -> None:
    # A live report's list columns (copied from visits), its panel, its visitors in order
    # joined by U+001F, and how many of its issues were not resolved at the time
    # (resolved "No" or not said).
    db.execute(
        """
        CREATE TABLE visit_facets (
            visit_id TEXT PRIMARY KEY,
            suite_id TEXT NOT NULL DEFAULT '',
            visit_date TEXT,
            arrival_time TEXT,
            status TEXT NOT NULL DEFAULT 'draft',
            detainee_count INTEGER NOT NULL DEFAULT 0,
            issue_count INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL DEFAULT '',
            panel TEXT NOT NULL DEFAULT '',
            visitor_ids TEXT NOT NULL DEFAULT '',
            unresolved_count INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID
        """
    )
    # The list's filters are answered from one of these alone, newest first: by period,
    # by suite, by panel, and the few reports with unresolved issues; each holds every
    # column a filter reads, so no report's row is read to count or to pick a page.
    db.execute(
        "CREATE INDEX visit_facets_date ON visit_facets(visit_date DESC, arrival_time DESC, "
        "suite_id, panel, unresolved_count, visitor_ids)"
    )
    db.execute(
        "CREATE INDEX visit_facets_suite ON visit_facets(suite_id, visit_date DESC, "
        "arrival_time DESC, panel, unresolved_count, visitor_ids)"
    )
    db.execute(
        "CREATE INDEX visit_facets_panel ON visit_facets(panel, visit_date DESC, "
        "arrival_time DESC, suite_id, unresolved_count, visitor_ids)"
    )
    db.execute(
        "CREATE INDEX visit_facets_unresolved ON visit_facets(visit_date DESC, "
        "arrival_time DESC, suite_id, panel, unresolved_count, visitor_ids) "
        "WHERE unresolved_count > 0"
    )
    facets = _facets_sql("new")
    clear = "DELETE FROM visit_facets WHERE visit_id = {0}.id;"
    # An insert may replace a row whose delete trigger did not run (REPLACE): clear first.
    db.execute(
        "CREATE TRIGGER visit_facets_insert AFTER INSERT ON visits BEGIN "
        f"{clear.format('new')} {facets}; END"
    )
    db.execute(
        "CREATE TRIGGER visit_facets_update AFTER UPDATE OF body, id, suite_id, visit_date, "
        "arrival_time, status, detainee_count, issue_count, created_at, deleted ON visits "
        f"BEGIN {clear.format('old')} {facets}; END"
    )
    db.execute(
        f"CREATE TRIGGER visit_facets_delete AFTER DELETE ON visits BEGIN "
        f"{clear.format('old')} END"
    )
    db.execute(_facets_sql("v", "FROM visits AS v"))  # the reports already here, once


# The statistics keep each submitted report's figures (as corrected by its amendments)
# between runs, so that a year of a large scheme is counted from small rows instead of
# every report being read and typed again (icv_app.store.custody.visit_figures). Kept
# right by removal: any change to a report or to its amendments, by whatever path
# (a save, a submission, a pull, an import, a purge), drops its row, and the next run
# counts that report afresh.
@_versioned("0008_visit_figures")
def _m0008(db: sqlite_utils.Database) -> None:
    # visit_date: the report's as its row has it (not as corrected), which picks it for a
    # period as visit_facets does; the figures hold the corrected one.
    db.execute(
        "CREATE TABLE visit_figures (visit_id TEXT PRIMARY KEY, visit_date TEXT, "
        "figures TEXT NOT NULL) WITHOUT ROWID"
    )
    db.execute("CREATE INDEX visit_figures_date ON visit_figures(visit_date)")
    # How many submitted reports a period holds, from the index alone.
    db.execute("CREATE INDEX visit_facets_status ON visit_facets(status, visit_date)")
    drop = "DELETE FROM visit_figures WHERE visit_id = {0};"
    # What the figures are made of (not the sync bookkeeping: rev, base_rev, ...).
    made_of = {"visits": "id, body, status, deleted, visit_date, suite_id",
               "amendments": "visit_id, body, deleted"}
    for table, key in (("visits", "id"), ("amendments", "visit_id")):
        db.execute(
            f"CREATE TRIGGER {table}_figures_insert AFTER INSERT ON {table} BEGIN "
            f"{drop.format('new.' + key)} END"
        )
        db.execute(
            f"CREATE TRIGGER {table}_figures_update AFTER UPDATE OF {made_of[table]} "
            f"ON {table} BEGIN "
            f"{drop.format('old.' + key)} {drop.format('new.' + key)} END"
        )
        db.execute(
            f"CREATE TRIGGER {table}_figures_delete AFTER DELETE ON {table} BEGIN "
            f"{drop.format('old.' + key)} END"
        )


def kind_migrations() -> list[Migrations]:
    """One migration set per registered kind that brings tables of its own."""
    sets = []
    for kind in kinds.all_kinds():
        if not kind.local_migrations:
            continue
        mset = Migrations(f"kind:{kind.name}")
        for name, fn in kind.local_migrations:
            mset(name=name)(fn)
        sets.append(mset)
    return sets


def apply_all(db: sqlite_utils.Database) -> None:
    _core.apply(db)
    for mset in kind_migrations():
        mset.apply(db)


def _check_names() -> None:
    registered = tuple(m.name for m in _core._migrations)
    if registered != MIGRATION_NAMES:
        raise RuntimeError(f"migrations {registered} do not match MIGRATION_NAMES")


_check_names()
