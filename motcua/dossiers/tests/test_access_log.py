"""Who read a dossier's personal data (access_log, ADR 0024): every read by someone other than the applicant is
recorded — page, API record, documents, forms, on the web and through the API —; the applicant and the agency's
leadership read the record; nobody changes it."""

import re

import pytest
from django.test import Client

from motcua.dossiers import documents
from motcua.dossiers.models import AccessKind, DossierAccess

from .conftest import act, login
from .test_api import call
from .test_documents import make_pdf, upload
from .test_views import file_online


@pytest.fixture
def dossier(org):
    d = file_online(org)
    documents.add_files(
        dossier=d, user=org["users"]["citizen"], files=[upload(make_pdf(), "giay-to.pdf")], kind="component"
    )
    act(org, d, "receive", "officer")
    d.refresh_from_db()
    return d


def test_staff_reads_on_the_web_are_recorded_with_name_capacity_and_what(org, dossier, client):
    login(client, org, "specialist")
    assert client.get(f"/staff/dossiers/{dossier.code}/").status_code == 200
    doc = dossier.documents.get()
    assert client.get(f"/staff/dossiers/{dossier.code}/documents/{doc.pk}/").status_code == 200
    assert client.get(f"/staff/dossiers/{dossier.code}/forms/receipt.pdf").status_code == 200
    rows = list(DossierAccess.objects.filter(dossier=dossier).order_by("pk"))
    assert [(a.kind, a.channel) for a in rows] == [
        (AccessKind.VIEW, "web"),
        (AccessKind.DOCUMENT, "web"),
        (AccessKind.FORM, "web"),
    ]
    assert all(a.user == org["users"]["specialist"] and a.user_name == "cv" for a in rows)
    assert rows[0].capacity == "Chuyên viên xử lý — Sở Kế hoạch và Đầu tư"
    assert rows[1].detail == "giay-to.pdf" and "tiếp nhận" in rows[2].detail.lower()
    assert rows[0].ip == "127.0.0.1"


def test_api_reads_are_recorded_and_the_applicants_own_are_not(org, dossier, token):
    c = Client()
    citizen, overseer = token("citizen"), token("overseer")
    doc = dossier.documents.get()
    for tok in (citizen, overseer):
        assert call(c, "get", f"/api/v1/dossiers/{dossier.code}", tok).status_code == 200
        assert call(c, "get", f"/api/v1/dossiers/{dossier.code}/documents/{doc.pk}", tok).status_code == 200
        assert call(c, "get", f"/api/v1/dossiers/{dossier.code}/forms/receipt", tok).status_code == 200
    rows = list(DossierAccess.objects.filter(dossier=dossier).order_by("pk"))
    assert [(a.kind, a.channel, a.user_name) for a in rows] == [
        (AccessKind.VIEW, "api", "gs"),
        (AccessKind.DOCUMENT, "api", "gs"),
        (AccessKind.FORM, "api", "gs"),
    ]
    # the overseer reads from the city above the Sở
    assert rows[0].capacity == "Giám sát (HĐND) — Thành phố Hà Nội"


def test_a_refused_read_records_nothing(org, dossier, token, client):
    c = Client()
    assert call(c, "get", f"/api/v1/dossiers/{dossier.code}", token("other_officer")).status_code == 404
    assert call(c, "get", f"/api/v1/dossiers/{dossier.code}", token("citizen2")).status_code == 404
    login(client, org, "other_officer")
    assert client.get(f"/staff/dossiers/{dossier.code}/").status_code == 404
    assert not DossierAccess.objects.exists()


def test_the_applicant_and_the_leadership_read_the_record_others_do_not(org, dossier, token, client):
    c = Client()
    assert call(c, "get", f"/api/v1/dossiers/{dossier.code}", token("specialist")).status_code == 200
    r = call(c, "get", f"/api/v1/dossiers/{dossier.code}/access-log", token("citizen"))
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["name"] == "cv" and item["kind"] == "view" and item["channel"] == "api"
    assert item["kind_label"] == "Xem hồ sơ" and "ip" not in item
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", item["at"]), item["at"]
    # the leader of the Sở reads it (and reading the record is no read of the dossier's personal data)
    assert call(c, "get", f"/api/v1/dossiers/{dossier.code}/access-log", token("leader")).json()["count"] == 1
    # a specialist who reads the dossier does not read who else did; another citizen learns nothing
    r = call(c, "get", f"/api/v1/dossiers/{dossier.code}/access-log", token("specialist"))
    assert r.status_code == 403 and "lãnh đạo" in r.json()["message"]
    assert call(c, "get", f"/api/v1/dossiers/{dossier.code}/access-log", token("citizen2")).status_code == 404
    # reading the record, or being refused it, is no read of the dossier
    assert DossierAccess.objects.count() == 1

    # on the pages: the citizen's dossier page lists the reads, the specialist's staff page has no such section
    login(client, org, "citizen")
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert "Ai đã xem hồ sơ của bạn" in page and "Chuyên viên xử lý — Sở Kế hoạch và Đầu tư" in page
    section = "Nhật ký truy cập dữ liệu cá nhân"
    login(client, org, "specialist")
    assert section not in client.get(f"/staff/dossiers/{dossier.code}/").content.decode()
    login(client, org, "leader")
    assert section in client.get(f"/staff/dossiers/{dossier.code}/").content.decode()


def test_records_cannot_be_changed_or_deleted(org, dossier, client):
    login(client, org, "officer")
    client.get(f"/staff/dossiers/{dossier.code}/")
    a = DossierAccess.objects.get()
    a.user_name = "someone else"
    with pytest.raises(ValueError):
        a.save()
    with pytest.raises(ValueError):
        a.delete()
    assert DossierAccess.objects.get().user_name == "mc"


def test_an_english_page_names_the_readers_role_in_english(org, dossier, client):
    """The record keeps the capacity as at the read, in Vietnamese (the API gives it so); an English page shows the
    role's words in English and the agency's name as it is."""
    from motcua.portal.tests.test_english_labels import in_english

    login(client, org, "specialist")
    client.get(f"/staff/dossiers/{dossier.code}/")
    assert DossierAccess.objects.get().capacity == "Chuyên viên xử lý — Sở Kế hoạch và Đầu tư"
    login(client, org, "citizen")
    page = in_english(client).get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert "Specialist — Sở Kế hoạch và Đầu tư" in page and "Chuyên viên xử lý —" not in page
    client.cookies["django_language"] = "vi"
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert "Chuyên viên xử lý — Sở Kế hoạch và Đầu tư" in page


def test_repeated_reads_of_one_person_show_as_one_row_on_the_page(org, dossier, client):
    """An officer reloading the dossier's page after each action left 26 identical "Xem hồ sơ" cards on the
    citizen's phone: one person's reads of the same thing within an hour are one row with their count and span;
    another reader, another thing read or a gap of more than an hour starts a new row. The API lists every read."""
    import datetime as dt

    from django.utils import timezone

    login(client, org, "specialist")
    for _ in range(5):
        assert client.get(f"/staff/dossiers/{dossier.code}/").status_code == 200
    client.get(f"/staff/dossiers/{dossier.code}/forms/receipt.pdf")
    client.get(f"/staff/dossiers/{dossier.code}/")
    earlier = timezone.now() - dt.timedelta(hours=3)
    first = DossierAccess.objects.order_by("pk").first()
    DossierAccess.objects.filter(pk=first.pk).update(at=earlier)  # the first read, hours before the rest
    login(client, org, "citizen")
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    rows = re.findall(r"<tr><td class=\"day\"[^>]*>(.*?)</td>", page, re.S)
    assert len(rows) == 4, rows  # 1 view · the form · 4 views (within the hour) · the view hours before
    assert "(4 lượt)" in rows[2] and "–" in rows[2] and "lượt" not in rows[0] + rows[1] + rows[3]
    assert "Có 7 lượt truy cập" not in page  # all seven are on the page, four of them in one row
    c = Client()
    assert (
        call(c, "get", f"/api/v1/dossiers/{dossier.code}/access-log", token_for(org, "citizen")).json()[
            "count"
        ]
        == 7
    )


def token_for(org, key):
    from motcua.core.models import ApiToken

    return ApiToken.issue(org["users"][key])


def test_a_form_read_is_named_in_the_pages_language(org, dossier, client):
    """ "Form downloaded: Giấy tiếp nhận hồ sơ và hẹn trả kết quả" on an English page: the record keeps the PDF's
    Vietnamese title, the page names the form as its forms list does."""
    from django.conf import settings

    login(client, org, "specialist")
    client.get(f"/staff/dossiers/{dossier.code}/forms/receipt.pdf")
    login(client, org, "citizen")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    row = re.search(r'<tr><td class="day".*?</tr>', page, re.S).group(0)
    assert "Giấy tiếp nhận" not in row and "receipt" in row.lower(), row
    assert DossierAccess.objects.get(kind=AccessKind.FORM).detail.startswith("Giấy tiếp nhận")
