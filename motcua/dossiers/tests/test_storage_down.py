"""The file store down (MOTCUA_STORAGE=s3 with an endpoint nobody listens on): uploads and downloads answer 503
with a bilingual message instead of a 500 with botocore's traceback, an action that carries files is not recorded
without them, `verify-history --files` names the unreadable files and goes on, and `/healthz?deep=1` says so."""

import io
import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from motcua.core import health
from motcua.core.models import ApiToken
from motcua.core.storage import default_storage_from_env, storage_health, unused_s3_settings
from motcua.dossiers import documents
from motcua.dossiers.models import DossierDocument

from .conftest import act, login
from .test_documents import make_png
from .test_views import file_online

STORE_DOWN_VI = "Kho lưu trữ tệp hiện không truy cập được nên tệp chưa được lưu"
READ_DOWN_VI = "Kho lưu trữ tệp hiện không truy cập được nên chưa tải được tệp này"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def store_down(settings, monkeypatch):
    """Switch the default storage to an S3 endpoint on a closed local port (one attempt, no retries)."""
    for var in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_RETRY_MODE", "standard")

    def switch():
        conf = default_storage_from_env(
            {
                "MOTCUA_STORAGE": "s3",
                "MOTCUA_S3_BUCKET": "motcua-ho-so",
                "MOTCUA_S3_ENDPOINT_URL": f"http://127.0.0.1:{closed_port()}",
                "MOTCUA_S3_REGION": "ap-southeast-1",
                "MOTCUA_S3_ACCESS_KEY_ID": "motcua-test",
                "MOTCUA_S3_SECRET_ACCESS_KEY": "motcua-test-secret",
                "MOTCUA_S3_ADDRESSING_STYLE": "path",
            }
        )
        settings.STORAGES = {**settings.STORAGES, "default": conf}
        # FileFields keep the storage they were built with: point them at the new default
        from django.core.files.storage import default_storage

        for model in (DossierDocument,):
            monkeypatch.setattr(model._meta.get_field("file"), "storage", default_storage)

    return switch


def stored_document(org, dossier, data: bytes, name="giay.png"):
    return documents.store_upload(
        dossier=dossier,
        uploaded_file=SimpleUploadedFile(name, data),
        kind="component",
        actor=org["users"]["officer"],
    )


def test_a_staff_upload_is_a_503_and_keeps_nothing(client, org, media, store_down):
    d = file_online(org)
    store_down()
    login(client, org, "officer")
    r = client.post(
        f"/staff/dossiers/{d.code}/documents/",
        {"kind": "component", "files": [SimpleUploadedFile("a.png", make_png())]},
    )
    assert r.status_code == 503 and STORE_DOWN_VI in r.content.decode()
    assert not DossierDocument.objects.filter(dossier=d).exists()


def test_an_action_with_files_is_not_recorded_without_them(client, org, media, store_down):
    d = act(org, file_online(org), "receive", "officer")
    d = act(org, d, "request_supplement", "specialist", reason="Thiếu giấy tờ")
    store_down()
    login(client, org, "officer")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/supplement/",
        {"expected_version": d.version, "files": [SimpleUploadedFile("bo sung.png", make_png())]},
    )
    assert r.status_code == 503 and STORE_DOWN_VI in r.content.decode()
    d.refresh_from_db()
    assert d.state == "supplement_requested"
    assert not d.events.filter(action="supplement").exists()
    assert not d.documents.exists()


def test_the_api_upload_and_download_are_503_json(org, media, store_down):
    d = file_online(org)
    doc = stored_document(org, d, make_png())
    store_down()
    c = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(org['users']['officer'])}"}
    r = c.post(
        f"/api/v1/dossiers/{d.code}/documents",
        {"files": [SimpleUploadedFile("a.png", make_png())], "kind": "other"},
        **auth,
    )
    assert r.status_code == 503, r.content
    body = r.json()
    assert body["error"] == "storage_unavailable" and body["message"].startswith(STORE_DOWN_VI)
    assert "file store cannot be reached" in body["message_en"]
    assert d.documents.count() == 1
    r = c.get(f"/api/v1/dossiers/{d.code}/documents/{doc.pk}", **auth)
    assert r.status_code == 503 and r.json()["message"].startswith(READ_DOWN_VI)


def test_a_download_page_is_a_503_in_the_users_language(client, org, media, store_down):
    d = file_online(org)
    doc = stored_document(org, d, make_png())
    store_down()
    login(client, org, "officer")
    r = client.get(f"/staff/dossiers/{d.code}/documents/{doc.pk}/")
    assert r.status_code == 503 and READ_DOWN_VI in r.content.decode()
    client.cookies["django_language"] = "en"
    r = client.get(f"/staff/dossiers/{d.code}/documents/{doc.pk}/")
    assert r.status_code == 503 and "this file cannot be downloaded now" in r.content.decode()


def test_verify_files_names_the_unreadable_files_and_goes_on(org, media, store_down):
    d = file_online(org)
    first = stored_document(org, d, make_png(), "mot.png")
    second = stored_document(org, d, make_png() + b"\x00", "hai.png")
    store_down()
    checked, problems = documents.verify_files()
    assert checked == 2 and len(problems) == 2
    assert first.file.name in problems[0] and second.file.name in problems[1]
    assert "EndpointConnectionError" in problems[0]
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="2 file"):
        call_command("verify-history", "--files", stdout=out, stderr=err)
    assert first.file.name in err.getvalue() and second.file.name in err.getvalue()
    assert "Checked 2 file(s); 2 missing, unreadable or different." in out.getvalue()


def test_healthz_deep_checks_the_store(client, db, media, store_down, monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)
    media.mkdir(parents=True)
    r = client.get("/healthz?deep=1")
    assert r.status_code == 200 and r.json()["storage"] == "ok"
    store_down()
    assert storage_health() == "unavailable"
    r = client.get("/healthz?deep=1")
    assert r.status_code == 503
    assert r.json() == {
        "status": "unavailable",
        "database": "ok",
        "migrations": "ok",
        "storage": "unavailable",
    }
    # the plain probe (the load balancer's) does not touch the store
    r = client.get("/healthz")
    assert r.status_code == 200 and "storage" not in r.json()


def test_s3_settings_without_s3_storage_are_warned_about(monkeypatch):
    from motcua.core.apps import unused_s3_settings_check

    assert unused_s3_settings({"MOTCUA_S3_BUCKET": "hoso", "MOTCUA_S3_REGION": ""}) == ["MOTCUA_S3_BUCKET"]
    assert unused_s3_settings({"MOTCUA_STORAGE": "s3", "MOTCUA_S3_BUCKET": "hoso"}) == []
    monkeypatch.setenv("MOTCUA_S3_BUCKET", "hoso")
    monkeypatch.delenv("MOTCUA_STORAGE", raising=False)
    (warning,) = unused_s3_settings_check()
    assert warning.id == "motcua.W002" and "MOTCUA_S3_BUCKET" in warning.msg
