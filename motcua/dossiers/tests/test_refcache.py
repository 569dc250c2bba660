"""The reference-data cache (motcua.core.refcache): every watched table changes the stamp through database triggers
(so an edit made by another process, or by SQL that sends no signal, is seen by the next request), the stamp is
read once per request, and an action never uses reference data older than the request's stamp."""

import datetime as dt
import json

import pytest
from django.apps import apps
from django.db import connection, transaction

from motcua.catalog.models import ProcessStep, ProcessTemplate
from motcua.community.models import Member, Team
from motcua.core import refcache
from motcua.dossiers import services
from motcua.org.models import Agency, StaffRole

from .conftest import APPLICANT, local


def raw(sql: str, params=()) -> None:
    """SQL outside the ORM: no model signal fires, as for an edit made by another process."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("label", refcache.WATCHED)
def test_every_watched_table_changes_the_stamp(org, label):
    model = apps.get_model(label)
    if label == "catalog.ProcedureComponent":  # the fixture's version has none
        model.objects.create(version=org["version"], order=1, name="Giấy đề nghị")
    if label.startswith("community."):  # nor has the fixture a community team
        team = Team.objects.create(ward=org["so"], name="Tổ công nghệ số 1")
        Member.objects.create(team=team, full_name="Nguyễn Văn Tổ", organisation="other")
    row = model.objects.order_by("pk").first()
    assert row is not None, label
    before = refcache.read_stamp()
    assert before is not None
    raw(f"UPDATE {model._meta.db_table} SET id = id WHERE id = %s", [row.pk])
    assert refcache.read_stamp() != before, f"{label}: an UPDATE did not change the stamp"


def test_insert_and_delete_change_the_stamp(org):
    before = refcache.read_stamp()
    added = Agency.objects.bulk_create(
        [Agency(identifier="X1", name="Ủy ban nhân dân xã X", level="commune")]
    )
    inserted = refcache.read_stamp()
    assert inserted != before
    raw("DELETE FROM org_agency WHERE id = %s", [added[0].pk])
    assert refcache.read_stamp() != inserted


def test_an_edit_by_another_process_is_seen_by_the_next_request(org):
    so = org["so"]
    with refcache.scope():
        cached = services.agency_by_identifier(so.identifier)
        assert cached.name == "Sở Kế hoạch và Đầu tư"
    with refcache.scope():
        assert services.agency_by_identifier(so.identifier) is cached  # unchanged: no read of the agency
    raw("UPDATE org_agency SET name = %s WHERE id = %s", ["Sở Tài chính", so.pk])
    with refcache.scope():
        assert services.agency_by_identifier(so.identifier).name == "Sở Tài chính"


def test_stamp_read_once_per_scope(org, django_assert_num_queries):
    so = org["so"]
    with refcache.scope():
        services.agency_by_identifier(so.identifier)  # warm
        services.version_in_force("1.001612", dt.date(2025, 3, 3))
    with refcache.scope():
        with django_assert_num_queries(1):  # the stamp, once, for both lookups
            services.agency_by_identifier(so.identifier)
            services.version_in_force("1.001612", dt.date(2025, 3, 3))
            services.version_in_force("1.001612", dt.date(2025, 3, 3))
        with django_assert_num_queries(0):
            services.agency_by_identifier(so.identifier)


def test_an_edit_in_this_process_is_seen_at_once_in_the_same_request(org):
    so = org["so"]
    with refcache.scope():
        assert services.agency_by_identifier(so.identifier).name == "Sở Kế hoạch và Đầu tư"
        agency = Agency.objects.get(pk=so.pk)
        agency.name = "Sở Tài chính"
        agency.save()
        assert services.agency_by_identifier(so.identifier).name == "Sở Tài chính"
        # a queryset update sends no signal; the stamp is still read again at the next request
        Agency.objects.filter(pk=so.pk).update(name="Sở Xây dựng")
    with refcache.scope():
        assert services.agency_by_identifier(so.identifier).name == "Sở Xây dựng"


def test_a_rolled_back_edit_leaves_nothing_cached(org):
    so = org["so"]
    with refcache.scope():
        services.agency_by_identifier(so.identifier)
    with pytest.raises(RuntimeError), transaction.atomic():
        raw("UPDATE org_agency SET name = %s WHERE id = %s", ["Tên tạm", so.pk])
        with refcache.scope():
            assert services.agency_by_identifier(so.identifier).name == "Tên tạm"
        raise RuntimeError
    with refcache.scope():
        assert services.agency_by_identifier(so.identifier).name == "Sở Kế hoạch và Đầu tư"


def test_a_role_revoked_elsewhere_stops_the_next_api_action(org, token, client):
    officer = token("officer")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {officer}"}
    body = {"procedure": "1.001612", "agency": "000.00.21.H26", "channel": "counter", "applicant": APPLICANT}
    filed = client.post("/api/v1/dossiers", body, content_type="application/json", **headers)
    assert filed.status_code == 201, filed.content
    code = filed.json()["code"]
    raw("UPDATE org_staffrole SET active = %s WHERE user_id = %s", [False, org["users"]["officer"].pk])
    refused = client.post(f"/api/v1/dossiers/{code}/receive", {}, content_type="application/json", **headers)
    assert refused.status_code in (403, 404), refused.content
    assert json.loads(refused.content)["message"]
    raw("UPDATE org_staffrole SET active = %s WHERE user_id = %s", [True, org["users"]["officer"].pk])
    received = client.post(f"/api/v1/dossiers/{code}/receive", {}, content_type="application/json", **headers)
    assert received.status_code == 200 and received.json()["state"] == "received"


def test_a_process_published_elsewhere_is_used_by_the_next_reception(org):
    proc, so = org["procedure"], org["so"]
    officer = org["users"]["officer"]

    def file_and_receive(day):
        d, _ = services.dossier_file(
            actor=officer,
            procedure_code=proc.code,
            agency_identifier=so.identifier,
            channel="counter",
            applicant=APPLICANT,
            receive=True,
            at=local(2025, 3, day, 9, 0),
        )
        return [s.label for s in d.steps.order_by("order")]

    general = file_and_receive(3)
    own = ProcessTemplate.objects.bulk_create([ProcessTemplate(procedure=proc, agency=so, total_hours=8)])[0]
    ProcessStep.objects.bulk_create(
        [
            ProcessStep(
                template=own,
                order=1,
                label="Bước riêng của Sở",
                actor="Phòng ĐKKD",
                role="specialist",
                hours=8,
            )
        ]
    )  # bulk_create sends no signal: only the triggers tell
    assert file_and_receive(4) == ["Bước riêng của Sở"] != general


def test_triggers_reinstalled_after_migrate(org):
    """A migration that rebuilds a watched table drops its triggers (SQLite rebuilds for most ALTERs): migrate's
    post_migrate handler installs them again."""
    if connection.vendor == "postgresql":
        raw("DROP TRIGGER motcua_refstamp ON org_staffrole")
    else:
        for event in ("insert", "update", "delete"):
            raw(f"DROP TRIGGER motcua_refstamp_org_staffrole_{event}")
    before = refcache.read_stamp()
    StaffRole.objects.filter(pk=-1).update(active=False)
    raw("UPDATE org_staffrole SET active = active")
    assert refcache.read_stamp() == before  # unwatched now
    refcache.install_triggers()
    refcache.install_triggers()  # idempotent
    raw("UPDATE org_staffrole SET active = active")
    assert refcache.read_stamp() != before


def test_no_stamp_row_means_no_cache(org):
    so = org["so"]
    raw(f"DELETE FROM {refcache.TABLE}")
    with refcache.scope():
        first = services.agency_by_identifier(so.identifier)
        assert services.agency_by_identifier(so.identifier) is not first  # read each time
    refcache.install_triggers()  # puts the row back
    assert refcache.read_stamp() == "initial"


def test_a_full_cache_starts_again_rather_than_stop_caching(org, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(refcache, "MAX_ENTRIES", 3)
    with refcache.scope():
        for day in range(1, 6):  # five keys through a cache of three
            services.version_in_force("1.001612", dt.date(2025, 3, day))
        with django_assert_num_queries(0):  # the last key is cached
            services.version_in_force("1.001612", dt.date(2025, 3, 5))
        assert len(refcache._entries) <= 3
