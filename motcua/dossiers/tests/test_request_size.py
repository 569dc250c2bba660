"""The total of one request (MOTCUA_UPLOAD_MAX_REQUEST_BYTES) and the number of files in it
(DATA_UPLOAD_MAX_NUMBER_FILES): each file was bounded, but a request could carry 100 of them. Over the total the
request is refused from its Content-Length before its body is read (413, JSON on the API, a page elsewhere), and
nothing is stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.request import HttpRequest
from django.test import Client

from motcua.core.models import ApiToken
from motcua.dossiers.models import DossierDocument
from motcua.notifications.tests.factories import PDF_BYTES

from .test_views import file_online, login

PAD = 30_000


def big_pdf(name: str, n: int = 0) -> SimpleUploadedFile:
    """A valid PDF of about 30 KB (a comment line pads it), different bytes for each n."""
    return SimpleUploadedFile(
        name, PDF_BYTES + b"%" + bytes([65 + n]) * PAD + b"\n", content_type="application/pdf"
    )


@pytest.fixture
def small_total(settings):
    """Three 30 KB files exceed the total of 64 KB; each alone is well within the file limit."""
    settings.MOTCUA_UPLOAD_MAX_BYTES = 50_000
    settings.MOTCUA_UPLOAD_MAX_REQUEST_BYTES = 64 * 1024


@pytest.fixture
def body_never_parsed(monkeypatch):
    """Fails the test if anything parses the request's form (it must be refused from its Content-Length)."""

    def parse(self):
        raise AssertionError("the body was read")

    monkeypatch.setattr(HttpRequest, "_load_post_and_files", parse)


def test_the_api_refuses_a_request_over_the_total_with_413_json(org, small_total, body_never_parsed):
    d = file_online(org)
    c = Client()
    r = c.post(
        f"/api/v1/dossiers/{d.code}/documents",
        {"files": [big_pdf(f"{n}.pdf", n) for n in range(3)], "kind": "other"},
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(org['users']['officer'])}",
    )
    assert r.status_code == 413, r.content
    body = r.json()
    assert body["error"] == "too_large"
    assert "mỗi lần gửi tối đa 64 KB" in body["message"] and "mỗi tệp tối đa 49 KB" in body["message"]
    assert "at most 64 KB per request" in body["message_en"]
    assert not DossierDocument.objects.filter(dossier=d).exists()


def test_the_api_still_takes_files_within_the_total(org, small_total):
    d = file_online(org)
    r = Client().post(
        f"/api/v1/dossiers/{d.code}/documents",
        {"files": [big_pdf("a.pdf")], "kind": "other"},
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(org['users']['officer'])}",
    )
    assert r.status_code == 201, r.content
    assert DossierDocument.objects.filter(dossier=d).count() == 1


def test_the_staff_upload_over_the_total_is_a_413_page_and_stores_nothing(
    client, org, small_total, body_never_parsed
):
    d = file_online(org)
    login(client, org, "officer")
    page = f"http://testserver/staff/dossiers/{d.code}/"
    r = client.post(
        f"/staff/dossiers/{d.code}/documents/",
        {"kind": "component", "files": [big_pdf(f"{n}.pdf", n) for n in range(3)]},
        HTTP_REFERER=page,
    )
    assert r.status_code == 413
    html = r.content.decode()
    assert "Dữ liệu gửi lên quá lớn" in html and "mỗi lần gửi tối đa 64 KB, mỗi tệp tối đa 49 KB" in html
    assert "Không tệp nào trong lần gửi này được lưu" in html
    assert f'href="{page}"' in html  # back to the form
    assert not DossierDocument.objects.filter(dossier=d).exists()


def test_a_foreign_referer_is_not_offered_as_the_way_back(client, org, small_total):
    d = file_online(org)
    login(client, org, "officer")
    r = client.post(
        f"/staff/dossiers/{d.code}/documents/",
        {"kind": "component", "files": [big_pdf(f"{n}.pdf", n) for n in range(3)]},
        HTTP_REFERER="https://evil.example/",
    )
    assert r.status_code == 413 and "evil.example" not in r.content.decode()


def test_too_many_files_on_a_page_says_the_limit(client, org, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    d = file_online(org)
    login(client, org, "officer")
    files = [SimpleUploadedFile(f"{n}.pdf", PDF_BYTES + bytes([n])) for n in range(4)]
    r = client.post(f"/staff/dossiers/{d.code}/documents/", {"kind": "component", "files": files})
    assert r.status_code == 413
    assert "Mỗi lần gửi tối đa 3 tệp" in r.content.decode()
    assert not DossierDocument.objects.filter(dossier=d).exists()


def test_too_many_files_on_the_api_is_the_apis_too_many_files(org, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    d = file_online(org)
    files = [SimpleUploadedFile(f"{n}.pdf", PDF_BYTES + bytes([n])) for n in range(4)]
    r = Client().post(
        f"/api/v1/dossiers/{d.code}/documents",
        {"files": files, "kind": "other"},
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(org['users']['officer'])}",
    )
    assert r.status_code == 422, r.content
    assert r.json()["error"] == "too_many_files" and "tối đa 20 tệp" in r.json()["message"]
    assert not DossierDocument.objects.filter(dossier=d).exists()


def test_the_settings_bound_the_files_of_one_request():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 50
    assert settings.MOTCUA_UPLOAD_MAX_REQUEST_BYTES == 100 * 1024 * 1024


def test_the_sizes_in_the_refusal_take_each_languages_decimal_mark(db, settings, body_never_parsed):
    """Vietnamese writes 1,5 MB; English 1.5 MB."""
    settings.MOTCUA_UPLOAD_MAX_BYTES = 1024 * 1024
    settings.MOTCUA_UPLOAD_MAX_REQUEST_BYTES = int(1.5 * 1024 * 1024)
    r = Client().post("/api/v1/dossiers", "x" * int(2.3 * 1024 * 1024), content_type="application/json")
    assert r.status_code == 413, r.content
    body = r.json()
    assert "Yêu cầu quá lớn (2,3 MB): mỗi lần gửi tối đa 1,5 MB" in body["message"], body["message"]
    assert "The request is too large (2.3 MB): at most 1.5 MB per request" in body["message_en"], body
