"""An e-form definition (ProcedureVersion.form_fields) is checked in the admin by the rules the e-form code relies
on; a broken definition already stored never turns filing into a server error; a version that dossiers use keeps
what gives them their meaning (limits, e-form, components) read-only in the admin."""

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from motcua.catalog.eforms import check_form_fields, usable_fields
from motcua.catalog.models import ProcedureComponent, ProcedureVersion
from motcua.core.models import ApiToken
from motcua.dossiers.models import Dossier

from .test_api import BODY, call

BROKEN = [
    [{"type": "rocket"}, "x", {"type": "select", "options": 5}],
    {"name": "ten", "label": "Tên"},
    "ten",
    [{"name": "von", "label": "Vốn", "type": "number", "min": "nhiều"}],
]
GOOD = [
    {"name": "ten", "label": "Tên hộ kinh doanh", "type": "text", "required": True},
    {"name": "loai", "label": "Loại hình", "type": "select", "options": ["Bán lẻ", "Dịch vụ"]},
]


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("quantri", "qt@example.vn", "mat-khau-dai-1")


def admin_form(superuser, version, form_fields):
    model_admin = admin.site._registry[ProcedureVersion]
    request = RequestFactory().get("/")
    request.user = superuser
    Form = model_admin.get_form(request, version, change=True)
    data = {
        "procedure": version.procedure_id,
        "effective_from": "01/01/2020",
        "name": version.name,
        "field": version.field_id,
        "level": version.level,
        "legal_days": "3",
        "online_level": "none",
        "form_fields": form_fields,
        "source": "{}",
    }
    return Form(data=data, instance=version)


def test_the_checker_names_what_is_wrong():
    clean, errors = check_form_fields(BROKEN[0])
    en = " ".join(e for _vi, e in errors)
    assert "unsupported type 'rocket'" in en and "Form field #2 is invalid" in en and "needs 'options'" in en
    assert check_form_fields(BROKEN[1])[1] == [
        ("'form_fields' phải là danh sách.", "'form_fields' must be a list.")
    ]
    assert check_form_fields(GOOD) == (
        [
            {"name": "ten", "label": "Tên hộ kinh doanh", "type": "text", "required": True},
            {
                "name": "loai",
                "label": "Loại hình",
                "type": "select",
                "required": False,
                "options": GOOD[1]["options"],
            },
        ],
        [],
    )
    assert usable_fields(BROKEN[0]) == [] and usable_fields(BROKEN[1]) == [] and usable_fields(GOOD) == GOOD


@pytest.mark.parametrize("definition", BROKEN)
def test_the_admin_refuses_a_broken_definition(org, superuser, definition):
    import json

    form = admin_form(superuser, org["version"], json.dumps(definition, ensure_ascii=False))
    assert not form.is_valid()
    assert "form_fields" in form.errors


def test_the_admin_takes_a_good_definition(org, superuser):
    import json

    form = admin_form(superuser, org["version"], json.dumps(GOOD, ensure_ascii=False))
    assert form.is_valid(), form.errors
    form.save()
    org["version"].refresh_from_db()
    assert org["version"].form_fields == GOOD


@pytest.mark.parametrize("definition", BROKEN)
def test_filing_with_a_broken_stored_definition_is_no_server_error(org, definition):
    ProcedureVersion.objects.filter(pk=org["version"].pk).update(form_fields=definition)
    c = Client(raise_request_exception=False)
    tok = ApiToken.issue(org["users"]["citizen"])
    r = call(c, "post", "/api/v1/dossiers", tok, {**BODY, "form_data": {"ten": "Hộ An"}})
    assert r.status_code == 201, r.content
    assert r.json()["form_data"] == {"ten": "Hộ An"}  # no usable field declared: kept as given
    dossier = Dossier.objects.get()
    # the staff page shows the dossier's e-form
    c.force_login(org["users"]["officer"])
    assert c.get(f"/staff/dossiers/{dossier.code}/").status_code == 200
    # and the catalogue's API lists the version
    assert c.get("/api/v1/procedures/1.001612").status_code == 200


def test_a_version_used_by_dossiers_keeps_its_meaning_read_only(org, superuser, client):
    ProcedureComponent.objects.create(version=org["version"], order=1, name="Giấy đề nghị")
    client.force_login(superuser)
    url = f"/admin/catalog/procedureversion/{org['version'].pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="legal_days"' in page and 'name="form_fields"' in page  # no dossier yet: all editable
    assert 'name="components-0-name"' in page
    call(Client(), "post", "/api/v1/dossiers", ApiToken.issue(org["users"]["citizen"]), BODY)
    assert Dossier.objects.filter(procedure_version=org["version"]).exists()
    page = client.get(url).content.decode()
    for fixed in ("legal_days", "registered_days", "legal_hours", "effective_from", "form_fields", "level"):
        assert f'name="{fixed}"' not in page, fixed
    assert 'name="name"' in page and 'name="fee_text"' in page  # the published texts: typos can be corrected
    assert 'name="components-0-name"' not in page  # the components too
    assert "Đã có hồ sơ nộp theo phiên bản này" in page


def _procedure_post(version, **version_changes) -> dict:
    """The procedure's admin page posted back with its one version inline (changes applied to that row)."""
    proc = version.procedure
    row = {
        "effective_from": version.effective_from.strftime("%d/%m/%Y"),
        "level": version.level,
        "field": version.field_id,
        "name": version.name,
        "legal_days": str(version.legal_days or ""),
        "registered_days": str(version.registered_days or ""),
        "legal_hours": str(version.legal_hours or ""),
        "time_text": version.time_text,
        "online_level": version.online_level,
        "source_document": version.source_document,
        **version_changes,
    }
    data = {
        "code": proc.code,
        "name": proc.name,
        "field": proc.field_id,
        "level": proc.level,
        "active": "on",
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "1",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "1000",
        "versions-0-id": str(version.pk),
        "versions-0-procedure": str(proc.pk),
        "offerings-TOTAL_FORMS": "0",
        "offerings-INITIAL_FORMS": "0",
        "offerings-MIN_NUM_FORMS": "0",
        "offerings-MAX_NUM_FORMS": "1000",
        "_continue": "1",
    }
    data.update({f"versions-0-{k}": v for k, v in row.items()})
    return data


def test_the_procedure_page_does_not_change_a_version_dossiers_use(org, superuser, client):
    """The versions listed on the procedure's own admin page kept every field editable: an operator could shorten
    the limit or move the effective date of the version dossiers were received under, behind the version page's
    read-only rule. Now those rows keep their meaning (and cannot be deleted); an unused version stays editable."""
    version = org["version"]
    client.force_login(superuser)
    url = f"/admin/catalog/procedure/{version.procedure_id}/change/"
    r = client.post(url, _procedure_post(version, legal_days="5"))
    assert r.status_code == 302, r.content.decode()[:2000]
    version.refresh_from_db()
    assert version.legal_days == 5  # no dossier yet: editable

    call(Client(), "post", "/api/v1/dossiers", ApiToken.issue(org["users"]["citizen"]), BODY)
    assert Dossier.objects.filter(procedure_version=version).exists()
    changed = _procedure_post(
        version, legal_days="1", registered_days="1", effective_from="02/01/2020", online_level="full"
    )
    r = client.post(url, changed)
    assert r.status_code == 302, r.content.decode()[:2000]
    version.refresh_from_db()
    assert (version.legal_days, version.registered_days, version.online_level) == (5, None, "none")
    assert version.effective_from.isoformat() == "2020-01-01"
    r = client.post(url, {**changed, "versions-0-DELETE": "on"})
    assert r.status_code == 302 and ProcedureVersion.objects.filter(pk=version.pk).exists()
    page = client.get(url).content.decode()
    assert 'name="versions-0-legal_days"' in page and "disabled" in page
    assert "Đã có hồ sơ nộp theo phiên bản này: thêm phiên bản mới để thay đổi." in page
