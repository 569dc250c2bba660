"""The live path's prepared reads (motcua.core.prepared) return what the ORM expressions they replace return:
the same rows, in the same order, with the same related objects already loaded, on SQLite and PostgreSQL; the
SQL is compiled once per connection."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Q
from django.db.models.sql.compiler import SQLCompiler

from motcua.catalog.models import Procedure, ProcedureVersion, ProcessTemplate
from motcua.core import auth, refcache
from motcua.core.models import ApiToken
from motcua.core.prepared import Prepared
from motcua.dossiers import api as dossiers_api
from motcua.dossiers import documents, selectors, services
from motcua.dossiers.models import Dossier
from motcua.org import selectors as org_selectors
from motcua.org.models import StaffRole

from .conftest import APPLICANT, local
from .test_documents import make_png


def same(a, b):
    assert type(a) is type(b) and a.pk == b.pk
    for f in type(a)._meta.concrete_fields:
        assert getattr(a, f.attname) == getattr(b, f.attname), f.name


def same_lists(xs, ys):
    assert len(xs) == len(ys)
    for x, y in zip(xs, ys, strict=True):
        same(x, y)


@pytest.fixture
def dossier(org, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    officer = org["users"]["officer"]
    d, _ = services.dossier_file(
        actor=officer,
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant=APPLICANT,
        receive=True,
        at=local(2025, 3, 3, 9, 0),
    )
    services.dossier_act(
        code=d.code, action="assign", actor=org["users"]["unit_head"], params={"assignee": "cv"}
    )
    documents.store_upload(
        dossier=d, uploaded_file=documents.bytes_file(make_png(), "a.png"), kind="other", actor=officer
    )
    documents.store_upload(
        dossier=d, uploaded_file=documents.bytes_file(make_png() + b"x", "b.png"), kind="other", actor=None
    )
    return Dossier.objects.get(pk=d.pk)


def test_compiled_once_then_only_bound(org, monkeypatch):
    calls = []
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    by_code = Prepared(lambda code: Procedure.objects.filter(code=code), str)
    assert by_code("1.001612") == [org["procedure"]] and len(calls) == 1
    assert by_code("9.999999") == [] and by_code.first("9.999999") is None
    assert by_code.first("1.001612").name == "Đăng ký thành lập hộ kinh doanh"
    assert len(calls) == 1


def test_misuse_is_refused(org):
    twice = Prepared(lambda code: Procedure.objects.filter(Q(code=code) | Q(name=code)), str)
    with pytest.raises(ValueError, match="appears 2 times"):
        twice("1.001612")
    with pytest.raises(TypeError, match="not float"):
        Prepared(lambda x: Procedure.objects.filter(pk=x), float)("1")
    with pytest.raises(TypeError, match="takes 1 values, got 2"):
        Prepared(lambda code: Procedure.objects.filter(code=code), str)("a", "b")


def test_locked_read_is_the_orm_first_with_its_relations(dossier, django_assert_num_queries):
    with transaction.atomic(), refcache.scope():
        got = services.locked_dossier(dossier.code)
        expected = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("agency", "procedure", "procedure_version", "applicant_user")
            .filter(code=dossier.code)
            .first()
        )
        same(got, expected)
        with django_assert_num_queries(0):
            same(got.agency, expected.agency)
            same(got.procedure, expected.procedure)
            same(got.procedure_version, expected.procedure_version)
            assert got.applicant_user is None  # a counter filing
        # the references come from the cache now: one statement, the locked row
        with django_assert_num_queries(1):
            again = services.locked_dossier(dossier.code)
        assert again.agency is got.agency and again.procedure_version is got.procedure_version
    assert services.locked_dossier("000.00.21.H26-250303-9999") is None


def test_events_steps_documents_and_readable(dossier, django_assert_num_queries):
    events = services._EVENTS(dossier.pk)
    assert [e.action for e in events] == ["register", "receive", "assign"]
    same_lists(events, list(dossier.events.order_by("seq")))
    steps = services._STEPS(dossier.pk)
    same_lists(steps, list(dossier.steps.select_related("agency", "assignee").order_by("order")))
    with django_assert_num_queries(0):
        assert [(s.agency.identifier, s.assignee.username if s.assignee else None) for s in steps] == [
            ("000.00.21.H26", "cv"),
            ("000.00.21.H26", None),
        ]
        services._of_dossier(events, dossier)
        assert all(e.dossier is dossier for e in events)
    docs = selectors._DOCUMENTS(dossier.pk)
    assert [d.name for d in docs] == ["a.png", "b.png"]
    same_lists(docs, list(dossier.documents.all()))
    readable = services.with_references(dossiers_api._READABLE.first(dossier.code))
    same(
        readable,
        Dossier.objects.select_related("agency", "procedure", "procedure_version").get(pk=dossier.pk),
    )
    with django_assert_num_queries(0):
        assert (readable.agency.name, readable.procedure_version.legal_days) == ("Sở Kế hoạch và Đầu tư", 3)
    assert services._EVENTS(0) == [] and services._STEPS(0) == [] and selectors._DOCUMENTS(0) == []


def test_filing_reads(org):
    assert org_selectors._AGENCY.first("000.00.21.H26") == org["so"]
    same(org_selectors._AGENCY.first("H26"), org["hn"])
    assert org_selectors._AGENCY.first("000.00.99.H26") is None
    same(services._PROCEDURE.first("1.001612"), org["procedure"])
    proc = org["procedure"]
    newer = ProcedureVersion.objects.create(
        procedure=proc,
        effective_from=dt.date(2025, 7, 1),
        name=proc.name,
        field=org["field"],
        level="commune",
        legal_days=2,
    )
    for day in (dt.date(2019, 12, 31), dt.date(2020, 1, 1), dt.date(2025, 6, 30), dt.date(2025, 7, 1)):
        got = services._VERSION_OF_CODE.first(proc.code, day)
        expected = proc.version_at(day)
        assert (got.pk if got else None) == (expected.pk if expected else None), day
        if got is not None:
            same(got, expected)
            same(got.procedure, proc)  # loaded with it
    assert services._VERSION_OF_CODE.first(proc.code, dt.date(2026, 1, 1)) == newer
    assert services._VERSION_OF_CODE.first(proc.code, dt.date(2019, 1, 1)) is None
    assert services._VERSION_OF_CODE.first("9.999999", dt.date(2026, 1, 1)) is None


def test_process_template_reads(org):
    proc, so = org["procedure"], org["so"]
    default = ProcessTemplate.objects.get(procedure=proc)
    own = ProcessTemplate.objects.create(procedure=proc, agency=so, total_hours=16)
    got = services._TEMPLATES(proc.pk, so.pk)
    expected = list(
        ProcessTemplate.objects.filter(procedure=proc)
        .filter(Q(agency=so.pk) | Q(agency__isnull=True))
        .order_by("-pk")
    )
    same_lists(got, expected)
    assert [t.pk for t in got] == [own.pk, default.pk]
    assert [t.pk for t in services._TEMPLATES(proc.pk, org["other"].pk)] == [default.pk]
    steps = services._TEMPLATE_STEPS(default.pk)
    same_lists(steps, list(default.steps.select_related("partner_agency").order_by("order")))
    assert [s.hours for s in steps] == [16, 8]


def test_token_and_roles(org, token, django_assert_num_queries):
    raw = token("officer")
    user = auth.user_for_token(raw)
    assert user == org["users"]["officer"]
    row = auth._TOKEN.first(auth.hash_token(raw))
    same(row, ApiToken.objects.select_related("user").get(key_hash=auth.hash_token(raw)))
    ApiToken.objects.filter(pk=row.pk).update(revoked=True)
    assert auth.user_for_token(raw) is None
    officer = org["users"]["officer"]
    roles = org_selectors._ROLES(officer.pk)
    same_lists(
        roles, list(StaffRole.objects.filter(user=officer, active=True).select_related("agency", "unit"))
    )
    with django_assert_num_queries(0):
        assert [(r.role, r.agency.identifier, r.unit.name) for r in roles] == [
            ("officer", "000.00.21.H26", "Bộ phận Một cửa")
        ]
    StaffRole.objects.filter(user=officer).update(active=False)
    assert org_selectors._ROLES(officer.pk) == []


# --- compiled INSERTs (CompiledSaveMixin) ---------------------------------------------------------------------


def _plans(kind):
    from django.db import connections

    from motcua.core.prepared import _PLANS

    return {k: v for k, v in _PLANS.get(connections["default"], {}).items() if k[1] == kind}


def _inserts():
    return _plans("insert")


def test_inserts_reuse_the_statement_and_store_what_the_orm_stores(org):
    from motcua.dossiers.models import DossierEvent

    u = org["users"]
    made = []
    for i in range(3):
        d, _ = services.dossier_file(actor=u["citizen"], procedure_code="1.001612", agency_identifier="000.00.21.H26",
                                     channel="online", applicant={**APPLICANT, "name": f"Lê Thị Hoa {i}"},
                                     form_data={"ghi_chu": f"lần {i}", "số": [i]}, at=local(2025, 3, 3, 8, 30 + i))  # fmt: skip
        same(d, Dossier.objects.get(pk=d.pk))  # as filed
        d = services.dossier_act(
            code=d.code, action="receive", actor=u["officer"], at=local(2025, 3, 3, 9, i)
        )
        made.append(d)
    kept = {k[0].__name__: v for k, v in _inserts().items() if k[0] in (Dossier, DossierEvent)}
    assert kept.get("Dossier") and kept.get("DossierEvent"), "the statements were kept for reuse"
    for d in made:  # every column as written, read back by the ORM
        same(d, Dossier.objects.get(pk=d.pk))
        events = list(DossierEvent.objects.filter(dossier=d).order_by("seq"))
        assert [e.seq for e in events] == [1, 2] and events[1].prev_hash == events[0].hash
        assert all(e.recorded_at is not None for e in events)
    assert [d.form_data for d in Dossier.objects.filter(pk__in=[d.pk for d in made]).order_by("pk")] == [
        {"ghi_chu": f"lần {i}", "số": [i]} for i in range(3)
    ]
    assert services.verify_chain(made[2]) == []


def test_an_expression_value_takes_the_orms_path(org):
    from django.db.models import Value
    from django.db.models.functions import Concat

    u = org["users"]
    first, _ = services.dossier_file(actor=u["citizen"], procedure_code="1.001612", agency_identifier="000.00.21.H26",
                                     channel="online", applicant=APPLICANT, at=local(2025, 3, 3, 8, 30))  # fmt: skip
    copy = Dossier.objects.get(pk=first.pk)
    copy.pk, copy.code = None, "EXPR-1"
    copy._state.adding = True
    copy.applicant_name = Concat(Value("Trần "), Value("Văn An"))
    copy.save()
    assert Dossier.objects.get(code="EXPR-1").applicant_name == "Trần Văn An"


def _updates():
    return _plans("update")


def test_updates_reuse_the_statement_and_store_what_the_orm_stores(org):
    from django.db.models import F

    u = org["users"]
    for i in range(3):
        d, _ = services.dossier_file(actor=u["citizen"], procedure_code="1.001612", agency_identifier="000.00.21.H26",
                                     channel="online", applicant=APPLICANT, at=local(2025, 3, 3, 8, 30 + i))  # fmt: skip
        for action, who, at in (("receive", "officer", (9, i)), ("request_supplement", "officer", (10, i))):
            params = {"reason": "Thiếu bản sao"} if action == "request_supplement" else {}
            d = services.dossier_act(
                code=d.code, action=action, actor=u[who], params=params, at=local(2025, 3, 3, *at)
            )
            same(d, Dossier.objects.get(pk=d.pk))  # every column as the action left it
    assert any(k[0] is Dossier and v for k, v in _updates().items()), "an UPDATE statement was kept for reuse"
    # an expression value takes Django's path
    d.version = F("version") + 10
    d.save(update_fields=["version"])
    d.refresh_from_db()
    assert d.version == 13
    # a row that is gone: the update affects nothing and save says so
    gone = Dossier.objects.get(pk=d.pk)
    Dossier.objects.filter(pk=d.pk).delete()
    gone.applicant_phone = "0912345678"
    with pytest.raises(Dossier.NotUpdated):
        gone.save(update_fields=["applicant_phone"])


def test_steps_are_inserted_by_one_reused_statement(org):
    from motcua.core.prepared import insert_rows
    from motcua.dossiers.models import DossierStep

    u = org["users"]
    received = []
    for i in range(3):
        d, _ = services.dossier_file(actor=u["officer"], procedure_code="1.001612", agency_identifier="000.00.21.H26",
                                     channel="counter", applicant=APPLICANT, receive=True,
                                     at=local(2025, 3, 3, 9, i))  # fmt: skip
        received.append(d)
    assert any(k[0] is DossierStep and v for k, v in _plans("rows").items()), "the multi-row INSERT was kept"
    for d in received:
        in_memory = services.steps_of(d)
        assert all(s.pk and not s._state.adding for s in in_memory)
        same_lists(in_memory, list(DossierStep.objects.filter(dossier=d).order_by("order")))
        assert [s.order for s in in_memory] == [1, 2] and in_memory[0].started_at is not None
    # rows that are not plain new rows take bulk_create's own path
    extra = DossierStep(
        dossier=received[0], order=9, label="x", actor="y", role="specialist", agency=org["so"]
    )
    extra.pk = 10_000
    insert_rows([extra])
    assert DossierStep.objects.filter(pk=10_000, order=9).exists()


def test_an_expression_at_the_first_save_does_not_stop_reuse(org):
    """The first UPDATE of a column set being an expression keeps nothing; the next plain one is kept."""
    from django.db.models import F

    u = org["users"]
    d, _ = services.dossier_file(actor=u["citizen"], procedure_code="1.001612", agency_identifier="000.00.21.H26",
                                 channel="online", applicant=APPLICANT, at=local(2025, 3, 3, 8, 30))  # fmt: skip
    d.supplement_rounds = F("supplement_rounds") + 2
    d.save(update_fields=["supplement_rounds"])
    assert not any(k[0] is Dossier and k[2] == frozenset({"supplement_rounds"}) for k in _updates())
    d.refresh_from_db()
    assert d.supplement_rounds == 2
    d.supplement_rounds = 5
    d.save(update_fields=["supplement_rounds"])
    kept = [v for k, v in _updates().items() if k[0] is Dossier and k[2] == frozenset({"supplement_rounds"})]
    assert kept and kept[0] is not None
    d.supplement_rounds = 6
    d.save(update_fields=["supplement_rounds"])  # through the kept statement
    assert Dossier.objects.get(pk=d.pk).supplement_rounds == 6


# --- statement_cursor ---------------------------------------------------------------------------------------


def test_statement_cursor_keeps_djangos_guarantees(org, django_assert_num_queries):
    from django.db import IntegrityError, connection
    from django.db.transaction import TransactionManagementError

    from motcua.core.prepared import statement_cursor
    from motcua.org.models import Agency

    table = Agency._meta.db_table
    with statement_cursor(connection) as cursor:
        cursor.execute(f"SELECT identifier FROM {table} WHERE id = %s", [org["so"].pk])
        assert cursor.fetchall() == [("000.00.21.H26",)]
    with statement_cursor(connection) as again:
        assert again is cursor  # the backend's cursor, kept for the connection
    # Django's exception classes, and the transaction is marked as broken as Django's cursor would leave it
    with pytest.raises(IntegrityError), transaction.atomic():
        with statement_cursor(connection) as cursor:
            cursor.execute(f"UPDATE {table} SET identifier = %s WHERE id = %s", ["H26", org["so"].pk])
    assert Agency.objects.get(pk=org["so"].pk).identifier == "000.00.21.H26"
    with transaction.atomic():
        connection.needs_rollback = True
        with pytest.raises(TransactionManagementError), statement_cursor(connection) as cursor:
            cursor.execute("SELECT 1")
        connection.needs_rollback = False
    # a query capture (assertNumQueries, DEBUG) sees the statement: Django's cursor is used then
    with django_assert_num_queries(1) as captured:
        with statement_cursor(connection) as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            assert cursor.fetchone()[0] == 4
    assert table in captured.captured_queries[0]["sql"]


def test_statement_cursor_after_the_connection_is_closed(transactional_db):
    from django.db import connection

    from motcua.core.prepared import statement_cursor

    with statement_cursor(connection) as first:
        first.execute("SELECT 1")
        first.fetchall()
    before = connection.connection
    connection.close()  # (Django keeps an in-memory SQLite test database open)
    with statement_cursor(connection) as cursor:  # Django's cursor reconnects
        cursor.execute("SELECT 2")
        assert cursor.fetchall() == [(2,)]
    with statement_cursor(connection) as cursor:
        assert (cursor is first) == (connection.connection is before)  # a new connection, a new cursor
        cursor.execute("SELECT 3")
        assert cursor.fetchall() == [(3,)]


def test_statement_cursor_keeps_a_cursor_per_statement(org, monkeypatch):
    """A keyed statement has its own kept cursor (psycopg keeps its conversions per cursor); past KEYED keys
    they share the unkeyed one; django.db.connection (the proxy) is resolved to the connection itself."""
    from django.db import DEFAULT_DB_ALIAS, connection, connections

    from motcua.core.prepared import statement_cursor
    from motcua.org.models import Agency

    assert statement_cursor(connection).connection is connections[DEFAULT_DB_ALIAS]
    table = Agency._meta.db_table
    by_id = f"SELECT identifier FROM {table} WHERE id = %s"
    count = f"SELECT COUNT(*) FROM {table}"
    with statement_cursor(connection) as shared:
        shared.execute("SELECT 1")
        shared.fetchall()
    with statement_cursor(connection, by_id) as first:
        first.execute(by_id, [org["so"].pk])
        assert first.fetchall() == [("000.00.21.H26",)]
    with statement_cursor(connection, count) as second:
        second.execute(count)
        assert second.fetchone()[0] == 4
    assert first is not second and shared not in (first, second)
    with statement_cursor(connection, by_id) as again:
        assert again is first
        again.execute(by_id, [org["so"].pk])
        assert again.fetchall() == [("000.00.21.H26",)]
    monkeypatch.setattr(statement_cursor, "KEYED", 0)  # full: a new key shares the unkeyed cursor
    with statement_cursor(connection, "SELECT 4") as other:
        assert other is shared
        other.execute("SELECT 4")
        assert other.fetchall() == [(4,)]
    with statement_cursor(connection, by_id) as known:
        assert known is first  # keys already kept keep their cursor


# --- the relation check before a save (CompiledSaveMixin._prepare_related_fields_for_save) ------------------


def _outcome(check, obj, operation_name="save", fields=None):
    """What a relation check did: the error it raised, or the keys and cached relations it left."""
    try:
        check(obj, operation_name, fields)
    except ValueError as exc:
        return ("refused", str(exc))
    meta = type(obj)._meta
    return tuple(
        (f.attname, getattr(obj, f.attname), f.is_cached(obj)) for f in meta.concrete_fields if f.is_relation
    )


@pytest.mark.parametrize(
    "case",
    [
        "unsaved",
        "saved_since",
        "key_changed",
        "nothing_assigned",
        "fields",
        "assigned",
        "key_cleared",
        "none",
    ],
)
def test_relation_check_does_what_djangos_does(dossier, case):
    from django.db import models

    from motcua.dossiers.models import DossierEvent

    def make():
        event = DossierEvent(seq=99, action="note", at=dossier.created_at, to_state=dossier.state)
        if case == "unsaved":
            event.dossier = Dossier(code="X")
        elif case == "saved_since":
            new = Dossier(code="Y")
            event.dossier = new
            new.pk = dossier.pk  # saved after the assignment: the key is still empty on the event
        elif case == "assigned":  # what every action does: a saved instance, its key on the row
            event.dossier = dossier
        elif case == "key_cleared":  # the key emptied behind the descriptor's back: Django puts it back
            event.dossier = dossier
            event.__dict__["dossier_id"] = None
        elif case == "none":
            event.dossier = None
        elif case in ("key_changed", "fields"):
            event.dossier = dossier
            # the key changed after the assignment, behind the descriptor's back (it would drop the cache itself)
            event.__dict__["dossier_id"] = dossier.pk + 1000
        return event

    fields = (DossierEvent._meta.get_field("actor"),) if case == "fields" else None
    ours = _outcome(lambda o, n, f: o._prepare_related_fields_for_save(n, f), make(), fields=fields)
    djangos = _outcome(
        lambda o, n, f: models.Model._prepare_related_fields_for_save(o, n, f), make(), fields=fields
    )
    assert ours == djangos
    if case == "unsaved":
        assert ours == (
            "refused",
            "save() prohibited to prevent data loss due to unsaved related object 'dossier'.",
        )
    if case == "saved_since":
        assert ("dossier_id", dossier.pk, True) in ours
    if case == "key_changed":
        assert ("dossier_id", dossier.pk + 1000, False) in ours  # the stale cached dossier was dropped
    if case in ("assigned", "key_cleared"):
        assert ("dossier_id", dossier.pk, True) in ours
    if case == "fields":
        assert ("dossier_id", dossier.pk + 1000, True) in ours  # not among the fields checked: left as it was


# --- new rows (prepared.new_instance) ----------------------------------------------------------------------------


def _constructed(obj):
    """What a constructor leaves on an instance: every attribute (each field's value or default, in order), and
    the state: adding, database, the cached related instances (by identity)."""
    attrs = {k: v for k, v in obj.__dict__.items() if k != "_state"}
    state = obj._state
    cache = {k: id(v) for k, v in state.fields_cache.items()}
    return list(attrs.items()), state.adding, state.db, cache


def _new_rows(dossier):
    from motcua.dossiers.models import DossierEvent, DossierStep

    user = dossier.filed_by
    return [
        (
            Dossier,
            {
                "agency": dossier.agency,
                "procedure": dossier.procedure,
                "procedure_version": dossier.procedure_version,
                "field_id_snapshot": 3,
                "channel": "online",
                "state": "",
                "representative": {},
                "form_data": {"a": 1},
                "result_method": "post",
                "limit_hours": 24,
                "filed_by": user,
                "applicant_user": None,
                "applicant_name": "Nguyễn Văn An",
            },
        ),
        (
            DossierEvent,
            {
                "dossier": dossier,
                "seq": 9,
                "action": "note",
                "at": dossier.created_at,
                "actor": user,
                "actor_name": "cb",
                "from_state": "",
                "to_state": "received",
                "data": {"x": [1]},
                "file_hashes": [],
                "hash": "h",
            },
        ),
        (
            DossierStep,
            {"dossier": dossier, "order": 1, "label": "Xử lý", "agency": dossier.agency, "hours": 8},
        ),
        (DossierStep, {"dossier_id": dossier.pk, "order": 2, "label": "Ký", "agency_id": dossier.agency_id}),
    ]


def test_new_instance_builds_what_the_models_constructor_builds(dossier):
    from motcua.core.prepared import _init_plan, new_instance

    for model, values in _new_rows(dossier):
        assert _init_plan(model) is not None  # the live path's models take the short way
        ours, djangos = new_instance(model, **values), model(**values)
        assert _constructed(ours) == _constructed(djangos), model


def test_new_instance_leaves_the_unusual_to_djangos_constructor(dossier, settings):
    from django.db.models.signals import pre_init

    from motcua.core.prepared import new_instance
    from motcua.dossiers.models import DossierEvent

    with pytest.raises(TypeError, match="unexpected keyword arguments: 'colour'"):
        new_instance(DossierEvent, dossier=dossier, colour="red")
    with pytest.raises(ValueError, match='must be a "Dossier" instance'):
        new_instance(DossierEvent, dossier=dossier.agency)
    seen = []

    def receiver(sender, **kwargs):
        seen.append(sorted(kwargs["kwargs"]))  # Django pops the dict afterwards

    pre_init.connect(receiver, sender=DossierEvent)
    try:
        event = new_instance(DossierEvent, dossier=dossier, seq=3)
    finally:
        pre_init.disconnect(receiver, sender=DossierEvent)
    assert seen == [["dossier", "seq"]] and event.seq == 3
    settings.DATABASE_ROUTERS = ["motcua.dossiers.tests.test_prepared.NoRouter"]
    event = new_instance(DossierEvent, dossier=dossier, seq=4)
    assert _constructed(event) == _constructed(DossierEvent(dossier=dossier, seq=4))


class NoRouter:
    """A database router with no opinion: its presence alone sends construction through Django's code."""


def test_a_prepared_read_builds_the_instances_the_orm_builds(dossier):
    """The rows of a prepared read become the instances the ORM's iterator makes (prepared._from_db): values in
    field order, not adding, on the database read — with and without a related row loaded with them."""
    from motcua.dossiers.models import DossierEvent

    def state(obj):
        return _constructed(obj), getattr(obj._state, "fetch_mode", None)

    read = Prepared(lambda pk: Dossier.objects.filter(pk=pk)[:1], int)
    assert state(read.first(dossier.pk)) == state(Dossier.objects.filter(pk=dossier.pk)[:1].get())
    events = Prepared(lambda pk: DossierEvent.objects.filter(dossier_id=pk).order_by("seq"), int)
    ours, orms = events(dossier.pk), list(DossierEvent.objects.filter(dossier_id=dossier.pk).order_by("seq"))
    assert [state(e) for e in ours] == [state(e) for e in orms] and len(ours) >= 2
    token = Prepared(lambda key: ApiToken.objects.select_related("user").filter(key_hash=key)[:1], str)
    ApiToken.issue(dossier.filed_by)
    key = ApiToken.objects.get(user=dossier.filed_by).key_hash
    ours, orm = token.first(key), ApiToken.objects.select_related("user").get(key_hash=key)
    assert state(ours)[0][:3] == state(orm)[0][:3] and state(ours.user) == state(orm.user)


def test_a_model_with_its_own_constructor_keeps_it(monkeypatch, dossier):
    from django.db import models

    from motcua.core import prepared
    from motcua.dossiers.models import DossierEvent

    def remembering(self, *args, **kwargs):
        models.Model.__init__(self, *args, **kwargs)
        self.remembered = True

    prepared._init_plan.cache_clear()
    monkeypatch.setattr(DossierEvent, "__init__", remembering, raising=False)
    try:
        assert prepared._init_plan(DossierEvent) is None
        assert prepared.new_instance(DossierEvent, dossier=dossier, seq=5).remembered
    finally:
        monkeypatch.undo()
        prepared._init_plan.cache_clear()
    assert prepared._init_plan(DossierEvent) is not None


@pytest.mark.parametrize("action", ["receive", "resolve"])
def test_the_dossiers_update_is_the_actions_last_statement(org, action):
    """On PostgreSQL the dossier's UPDATE fires the statistics trigger, which locks the agency's statistics cell
    until the commit (ADR 0017): the steps are written before it, so the lock is held for the commit only."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer, leader = org["users"]["officer"], org["users"]["leader"]
    d, _ = services.dossier_file(
        actor=officer,
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="online",
        applicant=APPLICANT,
        at=local(2025, 3, 3, 9, 0),
    )
    if action == "resolve":
        services.dossier_act(code=d.code, action="receive", actor=officer, at=local(2025, 3, 3, 10))
    actor, params = (leader, {"outcome": "approved"}) if action == "resolve" else (officer, {})
    with CaptureQueriesContext(connection) as ctx:
        services.dossier_act(code=d.code, action=action, actor=actor, params=params, at=local(2025, 3, 4, 9))
    writes = [
        q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))
    ]
    assert any("dossiers_dossierstep" in w for w in writes), writes  # steps instantiated / completed
    assert writes[-1].startswith('UPDATE "dossiers_dossier" SET'), writes
