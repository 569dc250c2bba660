"""Reference data cached in the process, checked against the database once per request.

Every action on a dossier needs the same few rows of reference data: the agency, the procedure and the version in
force, the internal process to instantiate, the acting user's roles. They change a few times a day (an
administrator's edit, a catalogue import), yet reading them was a third of the statements of a filing+reception
pair (bench/bench_inproc.py). So they are kept in the process, under a *stamp*:

- one row, `core_refstamp`, holds a random value that database triggers replace whenever a watched table changes
  (`WATCHED`; PostgreSQL: one statement-level trigger per table, SQLite: row triggers). The triggers are
  (re)installed after every `migrate`, so a migration that rebuilds a watched table cannot leave it unwatched;
- the cache holds the entries read under one stamp. A request reads the current stamp once — with the API token,
  in the same statement (motcua.core.auth), or on the first cached lookup of a web request — and when it differs
  from the cache's, the cache is emptied. Another process's edit is therefore seen by the next request anywhere;
  an edit in this process also empties the cache at once (post_save / post_delete signals), and the request that
  made it reads the stamp again;
- outside a request (commands, tests, the shell), each service call that opens a `scope()` reads the stamp once;
  without a scope every lookup reads it.

The stamp is random, not a counter: a rolled-back edit cannot leave a value that a later edit would reuse. Entries
are read after the stamp, so an entry may be newer than its stamp (then the next stamp differs and drops it), never
older. Cached values are shared between requests: callers must not change them (copy first).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.signals import post_delete, post_save

from .prepared import statement_cursor

# app_label.ModelName of the tables whose changes replace the stamp (what the cached reads depend on)
WATCHED = (
    "org.Agency",
    "org.Unit",
    "org.StaffRole",
    "catalog.Field",
    "catalog.Procedure",
    "catalog.ProcedureVersion",
    "catalog.ProcedureComponent",
    "catalog.ProcessTemplate",
    "catalog.ProcessStep",
    "catalog.Offering",
    "community.Team",
    "community.Member",
)
# A bound on memory, not a tuning knob: the staff roles of every user of a province and the versions in force
# fit many times over; when it is reached the cache starts again (the version in force is keyed by day, so
# entries accumulate in a process that sees no edit for weeks).
MAX_ENTRIES = 20_000
TABLE = "core_refstamp"
_READ = f"SELECT stamp FROM {TABLE} WHERE id = 1"

_UNREAD = object()
_lock = threading.Lock()
_stamp: Any = _UNREAD  # the stamp the entries were read under
_entries: dict = {}
_table_seen = False
_scope: ContextVar[list | None] = ContextVar("motcua_refcache_scope", default=None)


def read_stamp(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The current stamp; None when the table or its row is missing (not migrated yet, or just flushed): then
    nothing is cached."""
    global _table_seen
    connection = connections[using]
    if not _table_seen:
        # checked without a failing statement (one would abort a PostgreSQL transaction)
        with connection.cursor() as cursor:
            if TABLE not in connection.introspection.table_names(cursor):
                return None
        _table_seen = True
    with statement_cursor(connection, _READ) as cursor:
        cursor.execute(_READ)
        row = cursor.fetchone()
    return row[0] if row else None


def current() -> str | None:
    """The stamp for this request or scope (read at most once in it)."""
    scope = _scope.get()
    if scope is None:
        return read_stamp()
    if scope[0] is _UNREAD:
        scope[0] = read_stamp()
    return scope[0]


def note(stamp: str | None) -> None:
    """The stamp was read with something else (the API token): the request need not read it again."""
    scope = _scope.get()
    if scope is not None:
        scope[0] = stamp


@contextlib.contextmanager
def scope():
    """Read the stamp at most once inside (a request, a service call). Nested scopes share the outer one."""
    if _scope.get() is not None:
        yield
        return
    token = _scope.set([_UNREAD])
    try:
        yield
    finally:
        _scope.reset(token)


def scoped(fn):
    """Decorator: the function runs in a `scope()` (one stamp read per call outside a request)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with scope():
            return fn(*args, **kwargs)

    return wrapper


def get(key, load: Callable[[], Any]):
    """The cached value of `key`, loaded by `load()` when missing or when the stamp changed."""
    global _stamp, _entries
    stamp = current()
    if stamp is None:
        return load()
    if stamp != _stamp:
        with _lock:
            if stamp != _stamp:
                _stamp, _entries = stamp, {}
    entries = _entries
    try:
        return entries[key]
    except KeyError:
        pass
    value = load()
    if entries is _entries:
        if len(entries) >= MAX_ENTRIES:  # a bound on memory: start again rather than stop caching
            entries.clear()
        entries[key] = value
    return value


def clear() -> None:
    """Forget every entry and make this request (or scope) read the stamp again."""
    global _stamp, _entries
    with _lock:
        _stamp, _entries = _UNREAD, {}
    scope = _scope.get()
    if scope is not None:
        scope[0] = _UNREAD


class RefCacheMiddleware:
    """One stamp read per request (motcua.core.refcache)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with scope():
            return self.get_response(request)


# --- invalidation -------------------------------------------------------------------------------------------


def _changed(sender, **kwargs) -> None:
    clear()


def connect_signals() -> None:
    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"refcache-save-{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"refcache-delete-{label}")


def install_triggers(using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Create the stamp's row and the triggers on every watched table that exists (idempotent; post_migrate)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        if TABLE not in tables:
            return
        cursor.execute(f"SELECT COUNT(*) FROM {TABLE} WHERE id = 1")
        if not cursor.fetchone()[0]:
            cursor.execute(f"INSERT INTO {TABLE} (id, stamp) VALUES (1, 'initial')")
        watched = [apps.get_model(label)._meta.db_table for label in WATCHED]
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""
                CREATE OR REPLACE FUNCTION motcua_refstamp_bump() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  UPDATE {TABLE} SET stamp = gen_random_uuid()::text WHERE id = 1;
                  RETURN NULL;
                END $$
                """
            )
            # only where missing: creating a trigger locks its table, and migrate runs on a live database
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE t.tgname = 'motcua_refstamp' AND pg_table_is_visible(c.oid)"
            )
            present = {row[0] for row in cursor.fetchall()}
            for table in watched:
                if table in tables and table not in present:
                    cursor.execute(
                        f"CREATE TRIGGER motcua_refstamp AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                        f"FOR EACH STATEMENT EXECUTE FUNCTION motcua_refstamp_bump()"
                    )
        elif connection.vendor == "sqlite":
            for table in watched:
                if table not in tables:
                    continue
                for event in ("INSERT", "UPDATE", "DELETE"):
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS motcua_refstamp_{table}_{event.lower()} AFTER {event} "
                        f"ON {table} BEGIN UPDATE {TABLE} SET stamp = lower(hex(randomblob(16))) WHERE id = 1; END"
                    )
    clear()
