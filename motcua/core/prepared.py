"""Hot read queries compiled once per connection.

On the live path (filing, reception, every bearer-token request) building and compiling an ORM query costs
several times running it on PostgreSQL: a filing+reception pair spent about half of its Python time in
`SQLCompiler.as_sql` for a dozen small SELECTs (bench/bench_inproc.py). A `Prepared` query is an ordinary
QuerySet written over *sample* parameter values; the first call on a database connection lets the ORM build
and compile it, remembers the SQL and where the samples sit among its parameters, and every later call binds
the new values into that SQL and reads the rows through Django's own model iterator (the compiler's
converters, select_related population, `Model.from_db`). The instances are the ones the ORM would return for
the same QuerySet with the real values; tests compare them.

Rules for the QuerySet factory: every value that varies is one of the factory's arguments and is used as a
plain lookup value (`field=value`, `field__lte=value`) of type str, int or date; everything else in the query
is constant. The factory runs once per connection (per thread) and must not depend on anything else that
varies (the user, settings, the time). Literal LIMITs (`[:1]`) are part of the SQL.
"""

from __future__ import annotations

import copy
import datetime as dt
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet


@dataclass
class _Compiled:
    queryset: QuerySet
    compiler: Any
    sql: str
    params: tuple
    positions: tuple[int, ...]
    adapters: tuple[Callable[[Any], Any], ...]
    converters: dict


def _sample(kind: type, i: int):
    if kind is str:
        return f"\x1fmotcua-prepared-{i}\x1f"
    if kind is int:
        return -(10**15) - i
    if kind is dt.date:
        return dt.date(1901, 2, 1 + i)
    raise TypeError(f"Prepared parameters are str, int or date, not {kind.__name__}")


class Prepared:
    """`Prepared(lambda code: Model.objects.filter(code=code)[:1], str)`; then `query(code)` returns the list
    of instances and `query.first(code)` the first or None."""

    def __init__(self, factory: Callable[..., QuerySet], *kinds: type):
        self.factory = factory
        self.kinds = kinds
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _compile(self, connection, using: str) -> _Compiled:
        samples = [_sample(kind, i) for i, kind in enumerate(self.kinds)]
        queryset = self.factory(*samples).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        adapters, positions = [], []
        for kind, sample in zip(self.kinds, samples, strict=True):
            adapt = connection.ops.adapt_datefield_value if kind is dt.date else _same
            found = [i for i, p in enumerate(params) if p == adapt(sample)]
            if len(found) != 1:
                raise ValueError(f"Prepared: parameter {sample!r} appears {len(found)} times in {sql}")
            positions.append(found[0])
            adapters.append(adapt)
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        entry = _Compiled(
            queryset=queryset,
            compiler=compiler,
            sql=sql,
            params=tuple(params),
            positions=tuple(positions),
            adapters=tuple(adapters),
            converters=compiler.get_converters(fields),
        )
        self._compiled[connection] = entry
        return entry

    def __call__(self, *values, using: str = DEFAULT_DB_ALIAS) -> list:
        if len(values) != len(self.kinds):
            raise TypeError(f"Prepared query takes {len(self.kinds)} values, got {len(values)}")
        connection = connections[using]
        entry = self._compiled.get(connection) or self._compile(connection, using)
        params = list(entry.params)
        for position, adapt, value in zip(entry.positions, entry.adapters, values, strict=True):
            params[position] = adapt(value)
        compiler = copy.copy(entry.compiler)
        compiler.as_sql = lambda *args, **kwargs: (entry.sql, params)
        compiler.get_converters = lambda expressions: entry.converters
        queryset = entry.queryset._chain()
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)

    def first(self, *values, using: str = DEFAULT_DB_ALIAS):
        found = self(*values, using=using)
        return found[0] if found else None


def _same(value):
    return value


# --- single-row INSERTs and UPDATEs compiled once per connection ----------------------------------------------


class CompiledSaveMixin:
    """Model mixin: `save()` reuses the INSERT (new row) or UPDATE (by primary key) statement Django built the
    first time on the connection for the same columns, instead of building it again (`as_sql` quotes and joins
    every column each time: about a sixth of a filing+reception pair's Python time). The values still come from
    Django: each field's `pre_save` (auto_now, auto_now_add) and `get_db_prep_save`, exactly as `as_sql` computes
    them; an INSERT's returned columns go through the compiler's converters as before.

    The first statement of a column set on a connection runs through `as_sql` unchanged; it is kept only if its
    parameters are the plain prepared values of the fields (no expression, no database default, one row; for an
    UPDATE, then the primary key), which is checked against the values recomputed from the instance — otherwise
    that column set always takes Django's path. A value that is an expression at a later save (`Now()`, `F()`)
    takes Django's path too."""

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update, returning_fields):
        args = (base_qs, using, pk_val, values, update_fields, forced_update, returning_fields)
        if not values or returning_fields or self._meta.select_on_save:
            return super()._do_update(*args)
        connection = connections[using]
        cache = _UPDATES.setdefault(connection, {})
        key = (type(self), tuple(f.attname for f, _, _ in values))
        entry = cache.get(key, _UNSEEN)
        plain = not any(_is_expression(v) or hasattr(v, "prepare_database_save") for *_, v in values)
        if entry is _UNSEEN:
            cache[key] = _update_statement(base_qs, using, pk_val, values, self._meta.pk) if plain else None
        if entry is _UNSEEN or entry is None or not plain:
            return super()._do_update(*args)
        with connection.cursor() as cursor:
            cursor.execute(entry, _update_params(values, self._meta.pk, pk_val, connection))
            return [()] * cursor.rowcount  # as execute_returning_sql without returning columns

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        if raw:
            return super()._do_insert(manager, using, fields, returning_fields, raw)
        from django.db.models import sql

        connection = connections[using]
        cache = _INSERTS.setdefault(connection, {})
        key = (type(self), tuple(f.attname for f in fields), tuple(f.attname for f in returning_fields or ()))
        query = sql.InsertQuery(type(self))
        query.insert_values(fields, [self], raw=False)
        compiler = query.get_compiler(using=using)
        entry = cache.get(key, _UNSEEN)
        if entry is _UNSEEN:
            compiler.returning_fields = returning_fields  # as execute_sql sets it before as_sql
            built = compiler.as_sql()
            cache[key] = _cacheable(compiler, built, fields, self)
            compiler.as_sql = lambda: built
            return compiler.execute_sql(returning_fields)
        if entry is not None:
            values = [compiler.pre_save_val(f, self) for f in fields]
            if not any(_is_expression(v) for v in values):
                statement, returning_params = entry
                params = (*(compiler.prepare_value(f, v) for f, v in zip(fields, values, strict=True)),)
                compiler.returning_params = returning_params
                compiler.as_sql = lambda: [(statement, params + returning_params)]
                return compiler.execute_sql(returning_fields)
        return compiler.execute_sql(returning_fields)


_INSERTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_UPDATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_UNSEEN = object()


def _update_statement(base_qs, using, pk_val, values, pk) -> str | None:
    """The UPDATE Django builds for `values` on the row `pk_val`, when its parameters are exactly the fields'
    prepared values and then the primary key (else None: that column set keeps Django's path)."""
    from django.db.models import sql

    query = base_qs.filter(pk=pk_val).query.chain(sql.UpdateQuery)
    query.add_update_fields(values)
    query.annotations = {}
    if query.get_related_updates():
        return None
    statement, params = query.get_compiler(using).as_sql()
    expected = _update_params(values, pk, pk_val, connections[using])
    return statement if _binds_exactly(statement, params, expected) else None


def _update_params(values, pk, pk_val, connection) -> list:
    """An UPDATE's parameters as Django's compiler prepares them: the new values, then the primary key."""
    params = [f.get_db_prep_save(v, connection=connection) for f, _, v in values]
    params.append(pk.get_db_prep_value(pk_val, connection))
    return params


def _is_expression(value) -> bool:
    return hasattr(value, "resolve_expression")


def _binds_exactly(statement: str, params, expected) -> bool:
    """`statement` takes exactly the `expected` parameters, one placeholder each."""
    return len(params) == len(expected) == statement.count("%s") and all(
        _same_param(a, b) for a, b in zip(params, expected, strict=True)
    )


def _cacheable(compiler, built: list, fields, obj) -> tuple[str, tuple] | None:
    """(statement, returning params) when `built` is one statement whose parameters are the fields' prepared
    values in order (then the returning clause's own parameters), else None."""
    if len(built) != 1 or any(f.has_db_default() for f in fields):
        return None
    statement, params = built[0]
    returning_params = tuple(getattr(compiler, "returning_params", ()) or ())
    values = [getattr(obj, f.attname) for f in fields]  # after as_sql's pre_save
    if any(_is_expression(v) for v in values):
        return None
    prepared = (
        *(compiler.prepare_value(f, v) for f, v in zip(fields, values, strict=True)),
        *returning_params,
    )
    return (statement, returning_params) if _binds_exactly(statement, params, prepared) else None


def _same_param(a, b) -> bool:
    """Equal parameters; driver wrappers (psycopg's Jsonb) compare by type and wrapped object."""
    if type(a) is not type(b):
        return False
    if hasattr(a, "obj") and not isinstance(a, (str, bytes, int, float)):
        return a.obj == b.obj
    return a == b
