"""The statistics summary table (ADR 0017): maintenance (database triggers), recount, and the read path.

A dossier contributes to cells (local month, receiving agency, effective field, channel) — see `StatsCell`:

- received            +1 in month(received_at)
- resolved            +1 in month(resolved_at), and early / on_time / late by the stored classification;
                      timed +1 and processing_seconds + the stored time when the dossier has one (indicator 2.2)
- stopped / refused   +1 in month(stopped_at) / month(refused_at)
- opened / closed     with close = min(resolved_at, stopped_at): opened +1 in month(received_at) and closed +1 in
                      month(close), for a received dossier that is pending at some instant (no close, or
                      received_at < close). Then, for an instant T, #{received_at < T and not close < T} =
                      Σ over instants < T of (opened − closed): pending at E and carried over at S are such sums.
- overdue_from / _to  with o = max(received_at, due_at): overdue_from +1 in month(o) and overdue_to +1 in
                      month(close), for a received dossier with a due instant, pending overdue at some instant
                      (no close, or o < close). Pending overdue at E = Σ over instants < E of (from − to),
                      since a dossier is pending overdue at E iff o < E and not close < E. A dossier whose clock
                      stopped before its due instant and is still stopped (paused_since <= due_at) has no o: it
                      is overdue at no instant until the applicant acts and its due instant moves (`_over`).

A sum "over instants < T" = the cells of the months before month(T) + the dossiers of [month(T), T) read from the
dossier table (or, when T is nearer the next month start, the cells up to it minus the dossiers of [T, next)).

The table is maintained by triggers on the dossier table (PostgreSQL: statement-level with transition tables, one
aggregated upsert per statement — also for COPY; SQLite: row-level), so every writer — the lifecycle services, the
migration import, bulk loaders, raw UPDATEs — keeps it exact in its own transaction. A change of a procedure's
field moves the contributions of its dossiers without a field snapshot (trigger on the procedure table).

Months are UTC+07:00 months. Asia/Ho_Chi_Minh has been UTC+07:00 since 13 June 1975; periods starting before
1976 are computed from the dossier table only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, Sum

from .models import MEASURES, StatsCell

TABLE = StatsCell._meta.db_table
DOSSIER_TABLE = "dossiers_dossier"
PROCEDURE_TABLE = "catalog_procedure"
CELL = ("month", "agency_id", "field_id", "channel")
SUMMARY_FROM = dt.date(1976, 1, 1)
COLUMNS = (
    "agency_id",
    "procedure_id",
    "field_id_snapshot",
    "channel",
    "received_at",
    "resolved_at",
    "stopped_at",
    "refused_at",
    "due_at",
    "classification",
    "processing_seconds",
    "paused_since",
)

# --- the contributions in SQL (both dialects) ------------------------------------------------------------------


def _month(vendor: str, t: str) -> str:
    if vendor == "postgresql":
        return f"(date_trunc('month', ({t}) AT TIME ZONE 'UTC' + interval '7 hours'))::date"
    return f"date({t}, '+7 hours', 'start of month')"


def _close(s: str) -> str:
    return (
        f"(CASE WHEN {s}.resolved_at IS NULL THEN {s}.stopped_at "
        f"WHEN {s}.stopped_at IS NULL OR {s}.resolved_at <= {s}.stopped_at THEN {s}.resolved_at "
        f"ELSE {s}.stopped_at END)"
    )


def _over(s: str) -> str:
    """o = max(received_at, due_at), or NULL for a dossier whose clock stopped before its due instant and is still
    stopped (paused_since <= due_at): it is overdue at no instant — its due instant moves by the paused time when
    the applicant acts (contract §5), and until then it is not reached."""
    return (
        f"(CASE WHEN {s}.paused_since IS NOT NULL AND {s}.paused_since <= {s}.due_at THEN NULL "
        f"WHEN {s}.due_at > {s}.received_at THEN {s}.due_at ELSE {s}.received_at END)"
    )


def _contribution_specs() -> list[tuple[str, str, dict[str, str]]]:
    """The six contributions of a row `s`: (instant, condition, measures), the measures unsigned."""
    c, o = _close("s"), _over("s")
    received = "s.received_at IS NOT NULL"
    closes = f"{received} AND {c} IS NOT NULL AND s.received_at < {c}"
    overdue = f"{received} AND s.due_at IS NOT NULL AND {o} IS NOT NULL AND ({c} IS NULL OR {o} < {c})"
    return [
        (
            "s.received_at",
            received,
            {"received": "1", "opened": f"CASE WHEN {c} IS NULL OR s.received_at < {c} THEN 1 ELSE 0 END"},
        ),
        (
            "s.resolved_at",
            "s.resolved_at IS NOT NULL",
            {
                "resolved": "1",
                "early": "CASE WHEN s.classification = 'early' THEN 1 ELSE 0 END",
                "on_time": "CASE WHEN s.classification = 'on_time' THEN 1 ELSE 0 END",
                "late": "CASE WHEN s.classification = 'late' THEN 1 ELSE 0 END",
                "timed": "CASE WHEN s.processing_seconds IS NULL THEN 0 ELSE 1 END",
                "processing_seconds": "COALESCE(s.processing_seconds, 0)",
            },
        ),
        ("s.stopped_at", "s.stopped_at IS NOT NULL", {"stopped": "1"}),
        ("s.refused_at", "s.refused_at IS NOT NULL", {"refused": "1"}),
        (
            c,
            closes,
            {"closed": "1", "overdue_to": f"CASE WHEN s.due_at IS NOT NULL AND {o} < {c} THEN 1 ELSE 0 END"},
        ),
        (o, overdue, {"overdue_from": "1"}),
    ]


def contribution_parts(
    vendor: str, source: str, field: str, sign: int, join_procedure: bool, fan_out: bool = False
) -> list[str]:
    """SELECTs (to UNION ALL) of the contributions of the rows of `source` (aliased `s`), one row per (cell,
    kind), measures multiplied by `sign`. `field` is the SQL of the cell's field (may use `p`, the procedure).

    By default one SELECT per contribution kind, each reading `source` with its own condition. `fan_out`
    (PostgreSQL only, which has LATERAL): one SELECT that reads each row of `source` and its procedure once and
    fans it out into its contributions with a LATERAL VALUES list. For the one or few rows of a live action's
    transition table that costs about a third less (ADR 0017, addendum 28/11/2026); over many rows (the recount,
    a bulk statement) it evaluates every kind's measures for every row and is slower."""
    frm = f"{source} s" + (
        f" LEFT JOIN {PROCEDURE_TABLE} p ON p.id = s.procedure_id" if join_procedure else ""
    )
    specs = _contribution_specs()

    def signed(measures: dict[str, str], m: str) -> str:
        return f"{sign} * ({measures[m]})" if m in measures else "0"

    if fan_out and vendor == "postgresql":
        rows = ", ".join(
            f"({_month(vendor, instant)}, {where}, " + ", ".join(signed(measures, m) for m in MEASURES) + ")"
            for instant, where, measures in specs
        )
        cols = ", ".join(f"v.{m} AS {m}" for m in MEASURES)
        return [
            f"SELECT v.month AS month, s.agency_id AS agency_id, {field} AS field_id, s.channel AS channel, {cols} "
            f"FROM {frm} CROSS JOIN LATERAL (VALUES {rows}) v(month, counts, {', '.join(MEASURES)}) "
            "WHERE v.counts"
        ]
    return [
        f"SELECT {_month(vendor, instant)} AS month, s.agency_id AS agency_id, {field} AS field_id, "
        f"s.channel AS channel, "
        + ", ".join(f"{signed(measures, m)} AS {m}" for m in MEASURES)
        + f" FROM {frm} WHERE {where}"
        for instant, where, measures in specs
    ]


def aggregate_sql(vendor: str, parts: list[str]) -> str:
    """The contributions summed per cell (non-zero cells only), in cell order."""
    sums = ", ".join(f"SUM({m}) AS {m}" for m in MEASURES)
    nonzero = " OR ".join(f"SUM({m}) <> 0" for m in MEASURES)
    union = " UNION ALL ".join(parts)
    return (
        f"SELECT month, agency_id, field_id, channel, {sums} FROM ({union}) x "
        f"GROUP BY month, agency_id, field_id, channel HAVING {nonzero} "
        f"ORDER BY month, agency_id, field_id, channel"
    )


def upsert_sql(vendor: str, parts: list[str]) -> str:
    """Add the contributions to the table: one INSERT … ON CONFLICT DO UPDATE (cells taken in a fixed order, so
    concurrent writers lock shared cells in the same order)."""
    cols = ", ".join((*CELL, *MEASURES))
    add = ", ".join(f"{m} = {TABLE}.{m} + excluded.{m}" for m in MEASURES)
    return (
        f"INSERT INTO {TABLE} ({cols}) SELECT {cols} FROM ({aggregate_sql(vendor, parts)}) agg WHERE true "
        f"ON CONFLICT (month, agency_id, field_id, channel) DO UPDATE SET {add}"
    )


EFFECTIVE_FIELD = "COALESCE(s.field_id_snapshot, p.field_id, 0)"


def recount_sql(vendor: str) -> str:
    return aggregate_sql(vendor, contribution_parts(vendor, DOSSIER_TABLE, EFFECTIVE_FIELD, 1, True))


def _moved_field_parts(vendor: str, old: str, new: str) -> list[str]:
    src = f"(SELECT * FROM {DOSSIER_TABLE} WHERE procedure_id = NEW.id AND field_id_snapshot IS NULL)"
    return [
        *contribution_parts(vendor, src, f"COALESCE({old}.field_id, 0)", -1, False),
        *contribution_parts(vendor, src, f"COALESCE({new}.field_id, 0)", 1, False),
    ]


def install_sql(vendor: str) -> list[str]:
    """The trigger definitions for the vendor (applied by migration reports.0001)."""
    if vendor == "postgresql":

        def parts(table: str, sign: int, fan_out: bool) -> list[str]:
            return contribution_parts(vendor, table, EFFECTIVE_FIELD, sign, True, fan_out=fan_out)

        def upsert(tables: tuple[str, ...], fan_out: bool) -> str:
            signs = {"old_rows": -1, "new_rows": 1}
            return upsert_sql(vendor, [p for t in tables for p in parts(t, signs[t], fan_out)])

        def fn(name: str, tables: tuple[str, ...], unless: str = "") -> str:
            # `unless`: a cheap test that the statement's rows contribute nothing, so the upsert (a dozen
            # aggregated SELECTs) is skipped — a filing not yet received, an assignment or a hand-over.
            # A statement of one row (every live action) reads it once and fans it out; a statement of many (an
            # import, a bulk UPDATE) takes one SELECT per contribution kind, cheaper over many rows (ADR 0017).
            skip = f"IF NOT EXISTS ({unless}) THEN RETURN NULL; END IF; " if unless else ""
            one = f"(SELECT count(*) FROM (SELECT 1 FROM {tables[0]} LIMIT 2) x) = 1"
            return (
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$ "
                f"BEGIN {skip}IF {one} THEN {upsert(tables, True)}; ELSE {upsert(tables, False)}; END IF; "
                "RETURN NULL; END $fn$"
            )

        # every contribution needs one of these instants (contribution_parts)
        counted = " OR ".join(
            f"s.{c} IS NOT NULL" for c in ("received_at", "resolved_at", "stopped_at", "refused_at")
        )
        changed = (
            "SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id "
            f"WHERE ({', '.join(f'o.{c}' for c in COLUMNS)}) IS DISTINCT FROM ({', '.join(f'n.{c}' for c in COLUMNS)})"
        )
        moved = upsert_sql(vendor, _moved_field_parts(vendor, "OLD", "NEW"))
        return [
            fn("motcua_stats_ins", ("new_rows",), f"SELECT 1 FROM new_rows s WHERE {counted}"),
            fn("motcua_stats_upd", ("old_rows", "new_rows"), changed),
            fn("motcua_stats_del", ("old_rows",), f"SELECT 1 FROM old_rows s WHERE {counted}"),
            "CREATE OR REPLACE FUNCTION motcua_stats_proc() RETURNS trigger LANGUAGE plpgsql AS $fn$ "
            f"BEGIN {moved}; RETURN NULL; END $fn$",
            f"CREATE TRIGGER motcua_stats_ins AFTER INSERT ON {DOSSIER_TABLE} REFERENCING NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION motcua_stats_ins()",
            f"CREATE TRIGGER motcua_stats_upd AFTER UPDATE ON {DOSSIER_TABLE} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION motcua_stats_upd()",
            f"CREATE TRIGGER motcua_stats_del AFTER DELETE ON {DOSSIER_TABLE} REFERENCING OLD TABLE AS old_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION motcua_stats_del()",
            f"CREATE TRIGGER motcua_stats_proc AFTER UPDATE OF field_id ON {PROCEDURE_TABLE} FOR EACH ROW "
            "WHEN (OLD.field_id IS DISTINCT FROM NEW.field_id) EXECUTE FUNCTION motcua_stats_proc()",
        ]
    if vendor == "sqlite":

        def row(ref: str) -> str:
            return "(SELECT " + ", ".join(f"{ref}.{col} AS {col}" for col in COLUMNS) + ")"

        new = contribution_parts(vendor, row("NEW"), EFFECTIVE_FIELD, 1, True)
        old = contribution_parts(vendor, row("OLD"), EFFECTIVE_FIELD, -1, True)
        changed = " OR ".join(f"OLD.{col} IS NOT NEW.{col}" for col in COLUMNS)
        return [
            f"CREATE TRIGGER motcua_stats_ins AFTER INSERT ON {DOSSIER_TABLE} BEGIN {upsert_sql(vendor, new)}; END",
            f"CREATE TRIGGER motcua_stats_upd AFTER UPDATE ON {DOSSIER_TABLE} WHEN {changed} "
            f"BEGIN {upsert_sql(vendor, old + new)}; END",
            f"CREATE TRIGGER motcua_stats_del AFTER DELETE ON {DOSSIER_TABLE} BEGIN {upsert_sql(vendor, old)}; END",
            f"CREATE TRIGGER motcua_stats_proc AFTER UPDATE OF field_id ON {PROCEDURE_TABLE} "
            f"WHEN OLD.field_id IS NOT NEW.field_id "
            f"BEGIN {upsert_sql(vendor, _moved_field_parts(vendor, 'OLD', 'NEW'))}; END",
        ]
    raise NotImplementedError(f"statistics summary triggers for {vendor}")


def refresh_functions(apps, schema_editor) -> None:
    """Migration step: replace the PostgreSQL trigger functions with the current definitions (the triggers, and
    SQLite's, are unchanged)."""
    conn = schema_editor.connection
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cur:
        for sql in install_sql(conn.vendor):
            if sql.startswith("CREATE OR REPLACE FUNCTION"):
                cur.execute(sql)


def uninstall_sql(vendor: str) -> list[str]:
    names = ("motcua_stats_ins", "motcua_stats_upd", "motcua_stats_del")
    if vendor == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS {n} ON {DOSSIER_TABLE}" for n in names),
            f"DROP TRIGGER IF EXISTS motcua_stats_proc ON {PROCEDURE_TABLE}",
            *(f"DROP FUNCTION IF EXISTS {n}()" for n in (*names, "motcua_stats_proc")),
        ]
    return [f"DROP TRIGGER IF EXISTS {n}" for n in (*names, "motcua_stats_proc")]


# --- the contributions in Python (the independent reference for checks) ---------------------------------------


def month_of(instant: dt.datetime) -> dt.date:
    local = instant.astimezone(dt.timezone(dt.timedelta(hours=7)))
    return dt.date(local.year, local.month, 1)


def contributions(d, field_id: int) -> list[tuple[tuple, dict]]:
    """A dossier's contributions as (cell, measures) pairs, from its stored columns (attribute access: a Dossier
    or any object with the same names). `field_id` = its effective field (0 if none)."""
    key = (d.agency_id, field_id or 0, d.channel)
    out: list[tuple[tuple, dict]] = []
    r, res, stop = d.received_at, d.resolved_at, d.stopped_at
    closes = [t for t in (res, stop) if t is not None]
    c = min(closes) if closes else None
    if r is not None:
        out.append(((month_of(r), *key), {"received": 1, "opened": int(c is None or r < c)}))
    if res is not None:
        cls = d.classification
        out.append(
            (
                (month_of(res), *key),
                {
                    "resolved": 1,
                    "early": int(cls == "early"),
                    "on_time": int(cls == "on_time"),
                    "late": int(cls == "late"),
                    "timed": int(d.processing_seconds is not None),
                    "processing_seconds": d.processing_seconds or 0,
                },
            )
        )
    if stop is not None:
        out.append(((month_of(stop), *key), {"stopped": 1}))
    if d.refused_at is not None:
        out.append(((month_of(d.refused_at), *key), {"refused": 1}))
    o = overdue_from(d)
    if r is not None and c is not None and r < c:
        out.append(((month_of(c), *key), {"closed": 1, "overdue_to": int(o is not None and o < c)}))
    if o is not None and (c is None or o < c):
        out.append(((month_of(o), *key), {"overdue_from": 1}))
    return out


def overdue_from(d) -> dt.datetime | None:
    """The instant from which the received dossier `d` is pending overdue (until it closes): max(received_at,
    due_at); None without a due instant, or while its clock is stopped since before its due instant (paused_since
    <= due_at: the due instant moves by the paused time when the applicant acts, contract §5)."""
    r, due, paused = d.received_at, d.due_at, d.paused_since
    if r is None or due is None or (paused is not None and paused <= due):
        return None
    return max(r, due)


def python_recount(dossiers) -> dict[tuple, dict]:
    """Sum the contributions of `dossiers` (iterable of (dossier-like, effective field id)); non-zero cells."""
    cells: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    for d, field_id in dossiers:
        for cell, measures in contributions(d, field_id):
            acc = cells[cell]
            for k, v in measures.items():
                acc[k] += v
    return {k: v for k, v in cells.items() if any(v.values())}


def python_recount_from_dossiers() -> dict[tuple, dict]:
    """`python_recount` over every dossier of the table, streamed (flat memory)."""
    from types import SimpleNamespace

    from motcua.dossiers.models import Dossier

    from .selectors import field_key

    names = ("agency_id", "channel", "received_at", "resolved_at", "stopped_at", "refused_at", "due_at",
             "classification", "processing_seconds", "paused_since")  # fmt: skip
    rows = Dossier.objects.annotate(_field=field_key()).order_by().values_list(*names, "_field")

    def dossiers():
        for row in rows.iterator(chunk_size=10000):
            yield SimpleNamespace(**dict(zip(names, row[:-1], strict=True))), row[-1]

    return python_recount(dossiers())


# --- table state, recount, rebuild ------------------------------------------------------------------------------


def stored_cells() -> dict[tuple, dict]:
    """The table's non-zero cells."""
    out = {}
    for row in StatsCell.objects.values_list(*CELL, *MEASURES).iterator(chunk_size=10000):
        measures = dict(zip(MEASURES, row[4:], strict=True))
        if any(measures.values()):
            out[_cell_key(row[:4])] = measures
    return out


def _cell_key(raw) -> tuple:
    month = raw[0] if isinstance(raw[0], dt.date) else dt.date.fromisoformat(str(raw[0]))
    return (month, int(raw[1]), int(raw[2]), raw[3])


def sql_recount() -> dict[tuple, dict]:
    """The cells recounted from the dossier table by the same SQL as the triggers."""
    out = {}
    with connection.cursor() as cur:
        cur.execute(recount_sql(connection.vendor))
        for row in cur.fetchall():
            out[_cell_key(row[:4])] = dict(zip(MEASURES, (int(v) for v in row[4:]), strict=True))
    return out


def diff_cells(expected: dict, actual: dict) -> list[tuple[tuple, dict | None, dict | None]]:
    """(cell, expected, actual) for every cell that differs (None = absent or all zero)."""
    out = []
    for cell in sorted(set(expected) | set(actual), key=lambda c: (c[0], c[1], c[2], c[3])):
        e, a = expected.get(cell), actual.get(cell)
        if e != a:
            out.append((cell, e, a))
    return out


def rebuild() -> dict:
    """Recount the whole table from the dossier table in one transaction (writers of dossiers wait for it on
    PostgreSQL: the table is locked first). Returns {"cells": n, "added": [...], "removed": [...], "changed": [...]}
    relative to what was stored."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute(f"LOCK TABLE {TABLE} IN SHARE ROW EXCLUSIVE MODE")
        before = stored_cells()
        cols = ", ".join((*CELL, *MEASURES))
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {TABLE}")
            cur.execute(f"INSERT INTO {TABLE} ({cols}) {recount_sql(connection.vendor)}")
        after = stored_cells()
    diffs = diff_cells(after, before)
    return {
        "cells": len(after),
        "added": [c for c, new, old in diffs if old is None],
        "removed": [c for c, new, old in diffs if new is None],
        "changed": [(c, old, new) for c, new, old in diffs if old is not None and new is not None],
    }


def fill_on_migrate(apps, schema_editor) -> None:
    """(Re)install the triggers of the current contributions and recount the table. Run by the LATEST migration
    that changes the contributions (the trigger SQL is generated from this module: an earlier migration could not
    run it against the schema of its time)."""
    vendor = schema_editor.connection.vendor
    for sql in (*uninstall_sql(vendor), *install_sql(vendor)):
        schema_editor.execute(sql, params=None)
    cols = ", ".join((*CELL, *MEASURES))
    schema_editor.execute(f"DELETE FROM {TABLE}", params=None)
    schema_editor.execute(f"INSERT INTO {TABLE} ({cols}) {recount_sql(vendor)}", params=None)


def installed_triggers(conn) -> set[str]:
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            cur.execute(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'motcua_stats_%' AND NOT tgisinternal"
            )
        else:
            cur.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'motcua_stats_%'"
            )
        return {row[0] for row in cur.fetchall()}


TRIGGERS = {"motcua_stats_ins", "motcua_stats_upd", "motcua_stats_del", "motcua_stats_proc"}


def ensure_triggers(conn, verbosity: int = 1) -> bool:
    """Reinstall the triggers and recount the table if any trigger is missing — SQLite drops a table's triggers
    when a migration remakes the table (column or constraint changes). Run after every `migrate`. Returns True
    when it had to repair."""
    if conn.vendor not in ("postgresql", "sqlite") or TABLE not in conn.introspection.table_names():
        return False
    if installed_triggers(conn) >= TRIGGERS:
        return False
    with transaction.atomic(using=conn.alias):
        with conn.cursor() as cur:
            for sql in (*uninstall_sql(conn.vendor), *install_sql(conn.vendor)):
                cur.execute(sql)
        changes = rebuild()
    if verbosity:
        print(
            "Statistics summary: triggers reinstalled after a schema change; table recounted "
            f"({changes['cells']} cells, {len(changes['added'])} added, {len(changes['removed'])} removed, "
            f"{len(changes['changed'])} changed)."
        )
    return True


def clear_if_no_dossiers(conn) -> bool:
    """With no dossier left the table must be empty. `flush` (tests, `motcua flush`) deletes table by table in no
    fixed order on SQLite: when the cells go first, the dossiers' delete triggers leave negative cells behind.
    Django emits post_migrate after a flush, which calls this. Returns True when it cleared cells."""
    if TABLE not in conn.introspection.table_names():
        return False
    with conn.cursor() as cur:
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM {DOSSIER_TABLE}), EXISTS (SELECT 1 FROM {TABLE})")
        has_dossiers, has_cells = cur.fetchone()
        if has_dossiers or not has_cells:
            return False
        cur.execute(f"DELETE FROM {TABLE}")
    return True


def drop_on_unmigrate(apps, schema_editor) -> None:
    for sql in uninstall_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


# --- the read path ----------------------------------------------------------------------------------------------

# The measures as read: `received` also split by channel (the channel is a cell key, not a measure).
VECTOR = ("received", "received_online", "received_counter", "received_postal", *MEASURES[1:])


def enabled() -> bool:
    return getattr(settings, "MOTCUA_STATS_SUMMARY", True)


def usable(start: dt.datetime, e: dt.datetime) -> bool:
    from .selectors import local_midnight

    return enabled() and min(start, e) >= local_midnight(SUMMARY_FROM)


def _local_month_start(t: dt.datetime) -> dt.datetime:
    from .selectors import LOCAL, local_midnight

    day = t.astimezone(LOCAL).date()
    return local_midnight(day.replace(day=1))


def _next_month(m: dt.datetime) -> dt.datetime:
    from .selectors import LOCAL, local_midnight

    d = m.astimezone(LOCAL).date()
    return local_midnight(dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1))


def _rows_in(a: dt.datetime, b: dt.datetime) -> Q:
    """Every dossier with some instant in [a, b) — an OR of indexed ranges."""
    return (
        Q(received_at__gte=a, received_at__lt=b)
        | Q(resolved_at__gte=a, resolved_at__lt=b)
        | Q(stopped_at__gte=a, stopped_at__lt=b)
        | Q(refused_at__gte=a, refused_at__lt=b)
        | Q(due_at__gte=a, due_at__lt=b)
    )


class Cumulator:
    """Σ of the vector over the instants < T, per group, for any T ≥ `low`: the summary's month sums plus the
    dossiers of the partial month (from the dossier table, on the nearer side of T). The months before month(low)
    are summed by the database into one row per group."""

    PREFIX = dt.date(1900, 1, 1)

    def __init__(self, qs, cells, raw_group, cell_group, now: dt.datetime, low: dt.datetime):
        """`cell_group`: None, a cell column, or a tuple of cell columns; `raw_group`: the matching expression(s)
        over the dossier table. A group key is None, the value, or the tuple of values (field 0 read as None)."""

        from .selectors import LOCAL

        self.qs, self.now = qs, now
        if cell_group is None:
            groups, raws = [], []
        elif isinstance(cell_group, tuple):
            groups, raws = list(cell_group), list(raw_group)
        else:
            groups, raws = [cell_group], [raw_group]
        self.groups, self.raw_groups = groups, raws
        first = _local_month_start(low).astimezone(LOCAL).date()
        sums = {
            "_s_received": Sum("received"),
            "_s_received_online": Sum("received", filter=Q(channel="online")),
            "_s_received_counter": Sum("received", filter=Q(channel="counter")),
            "_s_received_postal": Sum("received", filter=Q(channel="postal")),
            **{f"_s_{m}": Sum(m) for m in MEASURES if m != "received"},
        }
        # the months of the instants: every measure per month
        rows = (
            cells.filter(month__gte=first)
            .values("month", *groups)
            .order_by()
            .annotate(**sums)
            .values_list("month", *groups, *sums)
        )
        # the months before: only the balances are ever used (flows are differences of two sums that both
        # include these months), so 2 sums instead of 14 — as the row (PREFIX, 0…, opened−closed, 0, from−to, 0)
        balances = {
            "_pending": Sum(F("opened") - F("closed")),
            "_overdue": Sum(F("overdue_from") - F("overdue_to")),
        }
        older = cells.filter(month__lt=first)
        if groups:
            before = older.values(*groups).order_by().annotate(**balances).values_list(*groups, *balances)
        else:  # (values() without fields would group by every column)
            total = older.aggregate(**balances)
            before = [(total["_pending"], total["_overdue"])]
        per_group: dict = defaultdict(list)
        n = len(VECTOR)
        for row in before:
            vec = [0] * n
            vec[VECTOR.index("opened")] = int(row[-2] or 0)
            vec[VECTOR.index("overdue_from")] = int(row[-1] or 0)
            per_group[self._group(row[: len(groups)])].append((self.PREFIX, tuple(vec)))
        for row in rows:
            month = row[0] if isinstance(row[0], dt.date) else dt.date.fromisoformat(str(row[0]))
            g = self._group(row[1 : 1 + len(groups)])
            vec = row[1 + len(groups) :]
            per_group[g].append((month, tuple(int(v or 0) for v in vec)))
        # per group: sorted months and the prefix sums (prefix[i] = Σ of the months before months[i])
        self.months: dict = {}
        zero = (0,) * len(VECTOR)
        for g, items in per_group.items():
            items.sort(key=lambda it: it[0])
            months, prefix, acc = [], [zero], zero
            for month, vec in items:
                months.append(month)
                acc = tuple(a + b for a, b in zip(acc, vec, strict=True))
                prefix.append(acc)
            self.months[g] = (months, prefix)
        self._cache: dict = {}
        self.asof: dict = {}  # instant -> asof.Changed of that instant (figures)

    def _group(self, values):
        """The group key of a row's group values (in the order of `self.groups`)."""
        if not self.groups:
            return None
        key = tuple(
            None if col == "field_id" and v == 0 else v for col, v in zip(self.groups, values, strict=True)
        )
        return key[0] if len(key) == 1 else key

    def _summary_before(self, m: dt.datetime) -> dict:
        from bisect import bisect_left

        from .selectors import LOCAL

        limit = m.astimezone(LOCAL).date()
        out = {}
        for g, (months, prefix) in self.months.items():
            out[g] = dict(zip(VECTOR, prefix[bisect_left(months, limit)], strict=True))
        return out

    def _side(self, t: dt.datetime):
        """(base month start, a, b, sign): Σ(< t) = summary before `base` + sign × dossiers of [a, b)."""
        m = _local_month_start(t)
        nxt = _next_month(m)
        # the nearer side; the future (after now) holds few instants, so prefer it when t is at/after now
        if t >= self.now or (nxt - t) < (t - m):
            return nxt, t, nxt, -1
        return m, m, t, 1

    def prepare(self, instants) -> None:
        """Compute the partial months of every instant not yet known, in ONE query on the dossier table."""
        todo = sorted({t for t in instants if t not in self._cache})
        ranges = {}
        for t in todo:
            if _local_month_start(t) == t:
                self._cache[t] = self._summary_before(t)
            else:
                ranges[t] = self._side(t)
        if not ranges:
            return
        parts = self._raw([(a, b) for _, a, b, _ in ranges.values()])
        for (t, (base, _, _, sign)), part in zip(ranges.items(), parts, strict=True):
            out = self._summary_before(base)
            for g, vec in part.items():
                acc = out.setdefault(g, dict.fromkeys(VECTOR, 0))
                for k in VECTOR:
                    acc[k] += sign * vec[k]
            self._cache[t] = out

    def _raw(self, ranges: list[tuple[dt.datetime, dt.datetime]]) -> list[dict]:
        """Per range [a, b): {group: vector of the dossiers whose instants fall in it}. The scope's rows come from
        the ORM (scope filters, effective field); the conditional sums are plain SQL (cheap to build)."""
        rows_in = Q()
        for a, b in ranges:
            rows_in |= _rows_in(a, b)
        cols = (
            "received_at",
            "resolved_at",
            "stopped_at",
            "refused_at",
            "due_at",
            "channel",
            "classification",
            "processing_seconds",
            "paused_since",
        )
        inner = self.qs.filter(rows_in)
        names = [f"_g{i}" for i in range(len(self.raw_groups))]
        if names:
            inner = inner.annotate(**dict(zip(names, self.raw_groups, strict=True)))
        inner = inner.order_by().values(*cols, *names)
        inner_sql, inner_params = inner.query.sql_with_params()
        adapt = connection.ops.adapt_datetimefield_value
        selects, params = [], []
        for a, b in ranges:
            for cond, cond_params, value in _partial_sql(adapt(a), adapt(b)):
                selects.append(f"SUM(CASE WHEN {cond} THEN {value} ELSE 0 END)")
                params += cond_params
        group = ", ".join(f"t.{name}" for name in names) or "NULL"
        sql = f"SELECT {group}, {', '.join(selects)} FROM ({inner_sql}) t"
        if names:
            sql += f" GROUP BY {group}"
        out = [{} for _ in ranges]
        n, k = len(VECTOR), max(1, len(names))
        with connection.cursor() as cur:
            cur.execute(sql, [*params, *inner_params])
            for row in cur.fetchall():
                g = self._group(row[:k])
                for i in range(len(ranges)):
                    vec = row[k + i * n : k + (i + 1) * n]
                    out[i][g] = dict(zip(VECTOR, (int(v or 0) for v in vec), strict=True))
        return out

    def at(self, t: dt.datetime) -> dict:
        """{group: vector summed over instants < t}."""
        self.prepare([t])
        return self._cache[t]


def _partial_sql(a, b) -> list[tuple[str, list, str]]:
    """(condition, its parameters, value summed) over the columns of alias t, in VECTOR order: the dossiers'
    contributions to the vector for their instants in [a, b)."""

    def within(col):
        return f"(t.{col} >= %s AND t.{col} < %s)", [a, b]

    rec, rec_p = within("received_at")
    res, res_p = within("resolved_at")
    r_bc = "(t.resolved_at IS NULL OR t.received_at < t.resolved_at) AND (t.stopped_at IS NULL OR t.received_at < t.stopped_at)"
    d_bc = "(t.resolved_at IS NULL OR t.due_at < t.resolved_at) AND (t.stopped_at IS NULL OR t.due_at < t.stopped_at)"
    close_in = (
        "(t.resolved_at IS NOT NULL OR t.stopped_at IS NOT NULL) AND (t.resolved_at IS NULL OR t.resolved_at >= %s) "
        "AND (t.stopped_at IS NULL OR t.stopped_at >= %s) AND (t.resolved_at < %s OR t.stopped_at < %s)"
    )
    close_p = [a, a, b, b]
    over_in = "t.received_at < %s AND t.due_at < %s AND (t.received_at >= %s OR t.due_at >= %s)"
    over_p = [b, b, a, a]
    has_rd = (
        "t.received_at IS NOT NULL AND t.due_at IS NOT NULL "
        "AND (t.paused_since IS NULL OR t.paused_since > t.due_at)"  # see _over
    )
    counts = [
        (rec, rec_p),
        (f"{rec} AND t.channel = 'online'", rec_p),
        (f"{rec} AND t.channel = 'counter'", rec_p),
        (f"{rec} AND t.channel = 'postal'", rec_p),
        (res, res_p),
        (f"{res} AND t.classification = 'early'", res_p),
        (f"{res} AND t.classification = 'on_time'", res_p),
        (f"{res} AND t.classification = 'late'", res_p),
        within("stopped_at"),
        within("refused_at"),
        (f"{rec} AND {r_bc}", rec_p),
        (f"{close_in} AND t.received_at IS NOT NULL AND {r_bc}", close_p),
        (f"{over_in} AND {has_rd} AND {r_bc} AND {d_bc}", over_p),
        (f"{close_in} AND {has_rd} AND {r_bc} AND {d_bc}", close_p),
        (f"{res} AND t.processing_seconds IS NOT NULL", res_p),
    ]
    return [(cond, p, "1") for cond, p in counts] + [(res, res_p, "COALESCE(t.processing_seconds, 0)")]


ZERO = dict.fromkeys(VECTOR, 0)


def figures(cum: Cumulator, s: dt.datetime, x: dt.datetime, e: dt.datetime) -> dict:
    """{group: raw counts (selectors.COUNT_KEYS)} for the period [s, x) as of e."""
    from . import asof

    cum.prepare([s, x, e])
    at_s, at_x, at_e = cum.at(s), cum.at(x), cum.at(e)
    # the dossiers whose clock stopped or resumed after E: the cells hold their current class (asof)
    if e not in cum.asof:
        cum.asof[e] = asof.changed_since(cum.qs, e, cum.now, tuple(cum.raw_groups))
    changed: dict = {}
    for c in cum.asof[e]:
        g = cum._group(c.group)
        changed[g] = changed.get(g, 0) + (1 if c.within else -1)
    out = {}
    for g in set(at_s) | set(at_x) | set(at_e):
        vs, vx, ve = at_s.get(g, ZERO), at_x.get(g, ZERO), at_e.get(g, ZERO)
        flows = {k: vx[k] - vs[k] for k in VECTOR[:10]}
        pending = ve["opened"] - ve["closed"]
        overdue = ve["overdue_from"] - ve["overdue_to"]
        overdue -= changed.get(g, 0)
        out[g] = {
            **flows,
            "carried_over": vs["opened"] - vs["closed"],
            "pending_within": pending - overdue,
            "pending_overdue": overdue,
            "timed": vx["timed"] - vs["timed"],
            "processing_seconds": vx["processing_seconds"] - vs["processing_seconds"],
        }
    return out
