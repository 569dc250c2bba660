"""The live path's SQL, compiled once per connection: hot reads (`Prepared`), saves (`CompiledSaveMixin`,
`insert_rows`), all run on the backend's cursor kept per connection (`statement_cursor`). Each is checked against
what the ORM itself builds the first time, and takes the ORM's path for anything it does not cover.

Reads.

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

import contextlib
import copy
import datetime as dt
import functools
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, router
from django.db.models import QuerySet
from django.db.models.base import DEFERRED, ModelState
from django.db.models.fields import AutoFieldMixin
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.utils.connection import ConnectionProxy

# --- one statement through the backend's cursor -------------------------------------------------------------


class statement_cursor:
    """`with statement_cursor(connection) as cursor:` — a cursor for the live path's statements, with what
    Django's cursor guarantees: its exceptions (IntegrityError…), the broken-transaction check, thread-sharing
    validation, the health check. It is the backend's own cursor (Django's SQLite cursor turns `%s` into `?`),
    kept per database connection and reused: Django's CursorWrapper created a cursor and re-wrapped every method
    for each statement (about 75 µs per statement on PostgreSQL, measured against the same driver cursor; a
    filing+reception pair runs eleven). Whenever Django would log or intercept the statement (DEBUG, a test's
    query capture, `connection.execute_wrapper`), or there is no open connection yet, it is Django's cursor.
    Read every row before the next statement; do not close it.

    With `key` (the statement's SQL), the statement gets a cursor of its own, kept with the connection: psycopg
    keeps, per cursor, how it converted the last statement's parameters and rows, and one cursor shared by the
    dozen statements of an action converted every one from scratch. At most `KEYED` keys per connection; others
    share one cursor.

    `django.db.connection` (a proxy that looks the connection up again at every attribute) is resolved once:
    through the proxy the checks below cost as much as executing the statement itself."""

    KEYED = 256
    __slots__ = ("connection", "django", "errors", "key")

    def __init__(self, connection, key: str | None = None):
        if type(connection) is ConnectionProxy:
            connection = connection._connections[connection._alias]
        self.connection = connection
        self.django = None
        self.key = key

    def __enter__(self):
        c = self.connection
        if c.connection is not None and not (c.execute_wrappers or c.queries_logged):
            c.close_if_health_check_failed()
            raw = c.connection
            if raw is not None:  # (else the health check closed it: Django's cursor reconnects)
                c.validate_thread_sharing()
                c.validate_no_broken_transaction()
                kept = c.__dict__.get("_motcua_cursors")
                if kept is None or kept[0] is not raw:
                    kept = c.__dict__["_motcua_cursors"] = (raw, {})
                cursors = kept[1]
                key = self.key if self.key in cursors or len(cursors) < self.KEYED else None
                cursor = cursors.get(key)
                if cursor is None:
                    with c.wrap_database_errors:
                        cursor = cursors[key] = c.create_cursor()
                self.errors = c.wrap_database_errors
                self.errors.__enter__()
                return cursor
        self.django = c.cursor()
        return self.django.__enter__()

    def __exit__(self, exc_type, exc, tb):
        if self.django is not None:
            return self.django.__exit__(exc_type, exc, tb)
        return self.errors.__exit__(exc_type, exc, tb)


@dataclass
class _Compiled:
    queryset: QuerySet
    compiler: Any
    sql: str
    params: tuple
    positions: tuple[int, ...]
    adapters: tuple[Callable[[Any], Any], ...]
    converters: dict
    # rows -> instances, as ModelIterable builds them (None: iterate the QuerySet)
    read: Callable[[list], list] | None


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
        converters = compiler.get_converters(fields)
        entry = _Compiled(
            queryset=queryset,
            compiler=compiler,
            sql=sql,
            params=tuple(params),
            positions=tuple(positions),
            adapters=tuple(adapters),
            converters=converters,
            read=_model_reader(queryset, compiler, fields, converters, using),
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
        if entry.read is not None:
            with statement_cursor(connection, entry.sql) as cursor:
                cursor.execute(entry.sql, params)
                return entry.read(cursor.fetchall())
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


def _model_reader(queryset, compiler, fields, converters, using: str):
    """What Django's ModelIterable does with the rows of this compiled query (the converters, `from_db` of the
    model, the select_related populators, the annotations), set up once; None when the QuerySet uses something
    that reader does not do here (prefetching, known related objects, peer tracking, composite keys, values()):
    then every call iterates the QuerySet."""
    from django.db.models.query import ModelIterable, _get_from_db, get_related_populators

    fetch_mode = getattr(queryset, "_fetch_mode", None)
    if (
        queryset._iterable_class is not ModelIterable
        or queryset._prefetch_related_lookups
        or queryset._known_related_objects
        or getattr(fetch_mode, "track_peers", False)
        or compiler.has_composite_fields(fields)
    ):
        return None
    select, klass_info, annotation_col_map = compiler.select, compiler.klass_info, compiler.annotation_col_map
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [f[0].target.attname for f in select[start:end]]
    from_db = _from_db(
        klass_info["model"], init_list, _get_from_db(klass_info["model"], fetch_mode), fetch_mode
    )
    populators = get_related_populators(klass_info, select, using, fetch_mode)
    annotations = tuple((annotation_col_map or {}).items())
    apply_converters = compiler.apply_converters

    def read(rows: list) -> list:
        if converters:
            rows = apply_converters(rows, converters)
        found = []
        for row in rows:
            obj = from_db(using, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    return read


def _from_db(model, init_list: list, django_from_db, fetch_mode):
    """Django's `from_db` as ModelIterable binds it — or, for a full row of a model whose fields are stored as they
    are given (`_init_plan`) and whose `from_db` is Django's, the instance it builds (the row's values in field
    order, not adding, on the database read, the query's fetch mode) without `Model.__init__`'s loop, which sends
    each foreign key through its descriptor: about 2 % of a filing+reception pair. A model with pre_init or
    post_init receivers takes Django's."""
    if (
        model.from_db.__func__ is not models.Model.from_db.__func__
        or _init_plan(model) is None
        or list(init_list) != [f.attname for f in model._meta.concrete_fields]
    ):
        return django_from_db
    attnames = tuple(init_list)

    def from_db(using, names, values):
        if _init_receivers(model):
            return django_from_db(using, names, values)
        obj = model.__new__(model)
        state = obj._state = ModelState()
        obj.__dict__.update(zip(attnames, values, strict=True))
        state.adding = False
        state.db = using
        if fetch_mode is not None:
            state.fetch_mode = fetch_mode
        return obj

    return from_db


# --- INSERTs and UPDATEs compiled once per connection --------------------------------------------------------


class CompiledSaveMixin:
    """Model mixin: a plain `save()` — a new row with an automatic primary key, or an `update_fields` save of an
    existing one — runs the statement Django built the first time on the connection for the same columns, with
    the values computed as Django computes them, instead of building it again. Django's `_save_table` (the
    query objects, `as_sql` quoting and joining every column, the compiler's per-value dispatch) was about a
    third of a filing+reception pair's Python time; the signals, `Model.save`'s checks and the transaction
    handling are Django's own, unchanged (`save_base` calls this).

    Each value is the field's `pre_save` (auto_now, auto_now_add) then `get_db_prep_save`, as the compiler does;
    for a value of a type the field only hands to the backend's adapter (a str in a CharField, an int in an
    IntegerField or an integer foreign key, a bool in a BooleanField, an aware datetime in a DateTimeField; None
    where the field is nullable) that adapter is called directly (`_fast_path`, checked per field on a sample).

    The first save of a column set on a connection goes through Django (`super()._save_table`) and the statement
    it executes is captured; it is kept only if it is one statement whose parameters are exactly the values
    computed here (then, for an UPDATE, the primary key) — otherwise that column set keeps Django's path. A value
    that is an expression (`F()`, `Now()`) at a later save takes Django's path too. `insert_rows` does the same
    for a list of new rows (bulk_create's one multi-row INSERT)."""

    def _prepare_related_fields_for_save(self, operation_name, fields=None):
        """Django's check that no unsaved instance was assigned to a relation, over the model's relation fields
        only: Django's loop visits every concrete field (38 for a dossier) and acts on relations alone, once per
        save and once per row of a bulk insert. Same outcome, same messages (Django's own code for each
        relation, `_check_relation`); a model with GenericForeignKeys takes Django's whole check. A cached instance
        of the related model whose integer primary key the row already holds — every relation an action sets — is
        passed over without reading it through its descriptor: Django's code would neither refuse it nor change
        anything (about 2 % of a filing+reception pair)."""
        meta = self._meta
        if meta.private_fields:
            return super()._prepare_related_fields_for_save(operation_name, fields)
        cache = self._state.fields_cache
        if not cache:
            return  # no related instance assigned or loaded: Django's loop would look at none
        values = self.__dict__
        for field, name, attname, model, key_name in _relations(type(self)):
            related = cache.get(name)
            if not related or (fields and field not in fields):
                continue  # not cached, or cached as None: Django's loop skips it too
            if type(related) is model:
                key = related.__dict__.get(key_name)
                if type(key) is int and values.get(attname) == key:
                    continue  # a saved instance whose key this row holds: Django's check changes nothing
            _check_relation(self, field, operation_name)

    def _save_table(
        self, raw=False, cls=None, force_insert=False, force_update=False, using=None, update_fields=None
    ):
        args = (raw, cls, force_insert, force_update, using, update_fields)
        kind = _plain_save(self, *args)
        if kind is None:
            return super()._save_table(*args)
        connection = connections[using]
        key = (cls, kind, update_fields)
        plans = _PLANS.setdefault(connection, {})
        plan = plans.get(key, _UNSEEN)
        if plan is _UNSEEN:
            fields = _fields(cls, update_fields)
            if _has_expression([self], fields):  # not a statement to keep: wait for a plain save
                return super()._save_table(*args)
            with _capture(connection) as executed:
                updated = super()._save_table(*args)
            plans[key] = _Plan.check(cls, kind, fields, executed, self, connection)
            return updated
        if plan is None:
            return super()._save_table(*args)
        try:
            params = plan.params(self)
        except _Expression:
            return super()._save_table(*args)
        with statement_cursor(connection, plan.sql) as cursor:
            cursor.execute(plan.sql, params)
            if kind == "insert":
                setattr(self, cls._meta.pk.attname, cursor.fetchone()[0])
                return False
            if cursor.rowcount:
                return True
        raise self.NotUpdated("Save with update_fields did not affect any rows.")


@functools.cache
def _relations(cls) -> tuple:
    """(field, cache name, key attname, related model, its key's attname) of the model's relation fields, when the
    key is the related model's primary key; a relation to another column always takes `_check_relation`."""
    out = []
    for f in cls._meta.concrete_fields:
        if f.is_relation:
            model = f.related_model
            by_pk = f.target_field is model._meta.pk
            out.append((f, f.cache_name, f.attname, model if by_pk else None, f.target_field.attname))
    return tuple(out)


def _check_relation(obj, field, operation_name: str) -> None:
    """The body of Django's `Model._prepare_related_fields_for_save` loop for one cached relation (Django 6.1):
    an unsaved related instance is refused; one saved since it was assigned sets the key; a key changed since
    then drops the cached instance."""
    related = getattr(obj, field.name, None)
    if not related:
        return
    if not related._is_pk_set():
        if not field.remote_field.multiple:
            field.remote_field.delete_cached_value(related)
        raise ValueError(
            f"{operation_name}() prohibited to prevent data loss due to unsaved related object '{field.name}'."
        )
    elif getattr(obj, field.attname) in field.empty_values:
        setattr(obj, field.name, related)
    if getattr(related, field.target_field.attname) != getattr(obj, field.attname):
        field.delete_cached_value(obj)


def insert_rows(objs: list, using: str = DEFAULT_DB_ALIAS) -> list:
    """`Model.objects.bulk_create(objs)` for new rows of one CompiledSaveMixin model with automatic primary keys:
    one multi-row INSERT … RETURNING, built by bulk_create the first time on the connection for this number of
    rows and reused (checked as for `save()`). Sets the primary keys; sends no signal, as bulk_create."""
    if not objs:
        return objs
    model = type(objs[0])
    connection = connections[using]
    plain = (
        all(type(o) is model and o._state.adding and o.pk is None for o in objs)
        and connection.features.can_return_rows_from_bulk_insert
    )
    if not plain:
        return model._default_manager.using(using).bulk_create(objs)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    key = (model, "rows", len(objs))
    plans = _PLANS.setdefault(connection, {})
    plan = plans.get(key, _UNSEEN)
    if plan is _UNSEEN:
        if _has_expression(objs, _fields(model, None)):
            return model._default_manager.using(using).bulk_create(objs)
        with _capture(connection) as executed:
            model._default_manager.using(using).bulk_create(objs)
        plans[key] = _Plan.check(model, "rows", _fields(model, None), executed, objs, connection)
        return objs
    try:
        params = plan.rows_params(objs) if plan is not None else None
    except _Expression:
        params = None
    if params is None:
        return model._default_manager.using(using).bulk_create(objs)
    with statement_cursor(connection, plan.sql) as cursor:
        cursor.execute(plan.sql, params)
        rows = cursor.fetchall()
    attname = model._meta.pk.attname
    for obj, row in zip(objs, rows, strict=True):
        setattr(obj, attname, row[0])
        obj._state.adding = False
        obj._state.db = using
    return objs


_PLANS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_UNSEEN = object()


class _Expression(Exception):
    """A value is a query expression: Django's path builds its SQL."""


def _plain_save(obj, raw, cls, force_insert, force_update, using, update_fields) -> str | None:
    """'insert' (a new row, automatic primary key), 'update' (update_fields of an existing row) or None (anything
    else takes Django's path: raw saves, inheritance, forced inserts or updates, select_on_save, ordering with
    respect to, generated columns, a backend without INSERT … RETURNING)."""
    if raw or force_update or cls is not type(obj) or not _plain_model(cls):
        return None
    if update_fields is None:
        if force_insert or not obj._state.adding or obj.pk is not None:
            return None
        return "insert" if connections[using].features.can_return_columns_from_insert else None
    if force_insert or obj._state.adding or obj.pk is None:
        return None
    return "update"


@functools.cache
def _plain_model(cls) -> bool:
    meta = cls._meta
    return not (
        meta.parents
        or meta.select_on_save
        or meta.order_with_respect_to
        or any(f.generated for f in meta.local_concrete_fields)
        or not isinstance(meta.pk, AutoFieldMixin)
    )


def _fields(cls, update_fields) -> tuple:
    """The columns Django's `_save_table` writes, in its order: without the automatic primary key for an
    INSERT, the `update_fields` for an UPDATE."""
    meta = cls._meta
    fields = [f for f in meta.local_concrete_fields if f not in meta.pk_fields and not f.generated]
    if update_fields is not None:
        fields = [f for f in fields if f.name in update_fields or f.attname in update_fields]
    return tuple(fields)


def _has_expression(objs: list, fields) -> bool:
    return any(hasattr(getattr(obj, f.attname), "resolve_expression") for obj in objs for f in fields)


@contextlib.contextmanager
def _capture(connection):
    executed: list[tuple[str, tuple]] = []

    def wrapper(execute, sql, params, many, context):
        executed.append((sql, params, many))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield executed


# A value of exactly this type is stored as it is by fields of exactly this class (get_db_prep_save returns it).
_AS_IS = {
    models.CharField: str,
    models.TextField: str,
    models.SlugField: str,
    models.EmailField: str,
    models.URLField: str,
    models.IntegerField: int,
    models.BigIntegerField: int,
    models.SmallIntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.PositiveBigIntegerField: int,
    models.BooleanField: bool,
}


_SAMPLES = {
    str: "motcua",
    int: 2_000_000_001,
    bool: True,
    dt.datetime: dt.datetime(2001, 2, 3, 4, 5, 6, tzinfo=dt.UTC),
}


def _fast_path(field, connection):
    """(type, finish) when `field.get_db_prep_save(v)` is `finish(v)` (or `v` itself when finish is None) for every
    value `v` of exactly that type (an aware datetime for a DateTimeField), else (None, None). Only fields of the
    classes in _AS_IS, integer primary keys, foreign keys to them and DateTimeFields qualify; what the backend
    does to such a value (PostgreSQL wraps integers in typed driver values; SQLite turns datetimes into text) is
    taken from the backend's own adapter, checked on a sample value."""
    target = field.target_field if field.many_to_one and field.concrete else field
    kind = _AS_IS.get(type(target))
    if kind is None and isinstance(target, AutoFieldMixin):
        kind = int
    if kind is None and type(target) is models.DateTimeField:
        kind = dt.datetime
    if kind is None:
        return None, None
    sample = _SAMPLES[kind]
    expected = field.get_db_prep_save(sample, connection=connection)
    if expected is sample:
        return kind, None
    ops = connection.ops
    if kind is int:
        internal = target.get_internal_type()

        def finish(value):
            return ops.adapt_integerfield_value(value, internal)

    elif kind is dt.datetime:
        finish = ops.adapt_datetimefield_value
    else:
        return None, None
    got = finish(sample)
    return (kind, finish) if type(got) is type(expected) and got == expected else (None, None)


def _value_getter(field, connection, add: bool, pre_save: bool):
    attname = field.attname
    own_pre_save = pre_save and type(field).pre_save is not models.Field.pre_save
    kind, finish = _fast_path(field, connection)
    aware = kind is dt.datetime
    nullable = field.null
    prep = field.get_db_prep_save

    def value(obj):
        v = field.pre_save(obj, add) if own_pre_save else getattr(obj, attname)
        if kind is not None:
            if v is None:
                if nullable:
                    return None
            elif type(v) is kind and (not aware or v.tzinfo is not None):
                return v if finish is None else finish(v)
        if hasattr(v, "resolve_expression") or hasattr(v, "prepare_database_save"):
            raise _Expression
        return prep(v, connection=connection)

    return value


@dataclass
class _Plan:
    sql: str
    getters: tuple
    pk_getter: Callable | None  # UPDATE: the primary key's value after the columns
    by_column: bool = False  # a multi-row INSERT taking one array per column (PostgreSQL's UNNEST form)

    def params(self, obj) -> list:
        params = [get(obj) for get in self.getters]
        if self.pk_getter is not None:
            params.append(self.pk_getter(obj))
        return params

    def rows_params(self, objs: list) -> list:
        if self.by_column:
            return [[get(obj) for obj in objs] for get in self.getters]
        return [p for obj in objs for p in self.params(obj)]

    @classmethod
    def check(cls, model, kind, fields, executed, saved, connection) -> _Plan | None:
        """The plan for `fields`, if the statement Django executed (`executed`) for `saved` (an instance, or the
        list of instances of a multi-row INSERT) is one statement taking exactly the parameters this plan
        computes from the saved values."""
        if len(executed) != 1 or executed[0][2] or any(f.has_db_default() for f in fields):
            return None
        sql, params, _ = executed[0]
        params = list(params or ())
        pk = model._meta.pk
        qn = connection.ops.quote_name
        returning = f" RETURNING {qn(model._meta.db_table)}.{qn(pk.column)}"
        # an INSERT returns the primary key only, read back in order; an UPDATE returns nothing
        if (kind == "update" and " RETURNING " in sql) or (kind != "update" and not sql.endswith(returning)):
            return None
        add = kind != "update"
        pk_getter = _pk_value(pk, connection) if kind == "update" else None
        getters = tuple(_value_getter(f, connection, add, pre_save=True) for f in fields)
        # the values as Django computed them: the attributes after its pre_save (no second auto_now)
        stored = tuple(_value_getter(f, connection, add, pre_save=False) for f in fields)
        for by_column in (False, True) if kind == "rows" else (False,):
            check = cls(sql=sql, getters=stored, pk_getter=pk_getter, by_column=by_column)
            try:
                expected = check.rows_params(saved) if kind == "rows" else check.params(saved)
            except _Expression:
                return None
            if _same_params(sql, params, expected, nested=by_column):
                return cls(sql=sql, getters=getters, pk_getter=pk_getter, by_column=by_column)
        return None


def _same_params(sql: str, params: list, expected: list, *, nested: bool) -> bool:
    if len(params) != len(expected) or sql.count("%s") != len(expected):
        return False
    if nested:
        return all(
            isinstance(a, list) and len(a) == len(b) and all(map(_same_param, a, b))
            for a, b in zip(params, expected, strict=True)
        )
    return all(map(_same_param, params, expected))


def _pk_value(pk, connection):
    attname, prep = pk.attname, pk.get_db_prep_value
    return lambda obj: prep(getattr(obj, attname), connection)


def _same_param(a, b) -> bool:
    """Equal parameters; driver wrappers (psycopg's Jsonb) compare by type and wrapped object."""
    if type(a) is not type(b):
        return False
    if hasattr(a, "obj") and not isinstance(a, (str, bytes, int, float)):
        return a.obj == b.obj
    return a == b


# --- new rows ---------------------------------------------------------------------------------------------------


def new_instance(model, **values):
    """`model(**values)` for the live path's new rows (the dossier at filing, its events, its steps): the same
    instance — each field's value or default in field order, a related instance cached and its key set as the
    relation's descriptor does, the state's database — without `Model.__init__`'s per-field dispatch, which was
    about 4 % of a filing+reception pair (bench/bench_inproc.py --instructions pair). Anything else takes Django's
    constructor: a model with pre_init/post_init receivers or a field with its own descriptor, a generated or
    one-to-one field (`_init_plan`), database routers, a related instance of another class or of another
    database, a deferred value, a keyword that names no field (Django raises its TypeError). Tests compare both
    constructions (motcua/dossiers/tests/test_prepared.py)."""
    plan = _init_plan(model)
    if plan is None or router.routers or _init_receivers(model) or DEFERRED in values.values():
        return model(**values)
    given = values.copy()
    obj = model.__new__(model)
    state = obj._state = ModelState()
    attrs, cache = obj.__dict__, state.fields_cache
    for name, attname, related_model, key_name, default in plan:
        if related_model is not None and name in values:
            related = values.pop(name)
            if related is None:
                attrs[attname] = None
                cache[name] = None
                continue
            if type(related) is not related_model or related._state.db not in (None, DEFAULT_DB_ALIAS):
                return model(**given)
            # ForwardManyToOneDescriptor.__set__ without routers: both on the default database, key, cache
            state.db = DEFAULT_DB_ALIAS
            related._state.db = DEFAULT_DB_ALIAS
            attrs[attname] = getattr(related, key_name)
            cache[name] = related
        elif attname in values:
            attrs[attname] = values.pop(attname)
        else:
            attrs[attname] = default()
    if values:  # a property, a private field or a mistake: Django's constructor decides
        return model(**given)
    return obj


def _init_receivers(model) -> bool:
    """Whether constructing `model` sends pre_init or post_init to a receiver (an ImageField's dimensions, a test's
    spy): the empty lists are the common case, and cost nothing to check."""
    return bool(
        (pre_init.receivers and pre_init.has_listeners(model))
        or (post_init.receivers and post_init.has_listeners(model))
    )


@functools.cache
def _init_plan(model) -> tuple | None:
    """(name, attname, related model or None, the related key's attname, default) per concrete field, when every
    field is stored as it is given (a plain attribute, or a foreign key's key attribute) and the model keeps
    Django's constructor — else None."""
    if model.__init__ is not models.Model.__init__:
        return None
    plan = []
    for f in model._meta.concrete_fields:
        if f.generated or type(getattr(model, f.attname, None)) not in (
            DeferredAttribute,
            ForeignKeyDeferredAttribute,
        ):
            return None
        if f.is_relation:
            if (
                not (f.many_to_one and f.remote_field.multiple)
                or f.target_field is not f.related_model._meta.pk
            ):
                return None
            plan.append((f.name, f.attname, f.related_model, f.target_field.attname, f._get_default))
        else:
            plan.append((f.name, f.attname, None, None, f._get_default))  # what Field.get_default calls
    return tuple(plan)
