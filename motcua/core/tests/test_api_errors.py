"""Every refusal of the API is JSON in one shape ({error, message, message_en}), a wrong method included."""

import pytest
from django.test import Client


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/dossiers/000.00.21.H26-250101-0001/receive"),
        ("delete", "/api/v1/dossiers/000.00.21.H26-250101-0001"),
        ("post", "/api/v1/agencies"),
    ],
)
def test_a_method_the_path_does_not_take_is_a_json_405(db, method, path):
    r = getattr(Client(), method)(path)
    assert r.status_code == 405 and r["Content-Type"] == "application/json"
    body = r.json()
    assert body["error"] == "method_not_allowed" and body["message"] and body["message_en"]
    assert r["Allow"] and method.upper() not in r["Allow"]


def test_an_unknown_api_address_is_a_json_404(db, settings):
    settings.DEBUG = False
    r = Client().get("/api/v1/nope")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


@pytest.mark.parametrize("debug", [False, True])
def test_a_body_over_the_size_limit_is_a_json_413_naming_the_limit(db, settings, debug):
    # DEBUG on is how `make run` serves: django-ninja answered a traceback as a 500 (text/plain) there
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    from django.contrib.auth import get_user_model

    from motcua.core.models import ApiToken

    raw = ApiToken.issue(get_user_model().objects.create_user("nguoidung"))
    body = '{"applicant": {"name": "' + "x" * (1024 * 1024) + '"}}'
    r = Client().post(
        "/api/v1/dossiers", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert r.status_code == 413 and r["Content-Type"] == "application/json"
    refusal = r.json()
    assert (
        refusal["error"] == "too_large" and "1 MB" in refusal["message"] and "1 MB" in refusal["message_en"]
    )


def test_a_page_form_over_the_size_limit_says_so(db, settings):
    settings.DEBUG = False
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    r = Client().post("/accounts/login/", {"username": "x" * (1024 * 1024), "password": "y"})
    assert r.status_code == 413 and "quá lớn" in r.content.decode() and "1 MB" in r.content.decode()


@pytest.mark.parametrize("lang, limit", [("vi", "tối đa 1,5 MB"), ("en", "at most 1.5 MB")])
def test_a_page_form_over_the_size_limit_writes_the_limit_in_the_readers_language(db, settings, lang, limit):
    settings.DEBUG = False
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = int(1.5 * 1024 * 1024)
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    r = c.post("/accounts/login/", {"username": "x" * (2 * 1024 * 1024), "password": "y"})
    assert r.status_code == 413 and limit in r.content.decode(), r.content.decode()[-2000:]
