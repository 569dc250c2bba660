"""Sessions, the session user and messages are web-page machinery: on /api/ they step aside (bearer tokens
only), and everything else about a response stays as it was."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from motcua.core import middleware
from motcua.core.models import ApiToken


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("canbo", password="pw-123456-x")


def test_a_signed_in_browser_is_not_authenticated_on_the_api_by_its_session(client, user):
    assert client.login(username="canbo", password="pw-123456-x")
    r = client.get("/api/v1/dossiers")
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert "Set-Cookie" not in r and "Cookie" not in r.get("Vary", "")
    raw = ApiToken.issue(user)
    r = client.get("/api/v1/dossiers", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 200 and r.json() == {"count": 0, "limit": 50, "offset": 0, "items": []}
    # the session survived the API calls: the staff page still knows the user
    assert client.get("/accounts/login/").wsgi_request.user == user


def test_api_responses_keep_their_headers(db):
    r = Client().get("/api/v1/agencies")
    assert r.status_code == 200
    assert r["Content-Language"] == "vi" and r["X-Frame-Options"] == "DENY"
    assert r.wsgi_request.user.is_anonymous
    r = Client().get("/api/v1/khong-co")
    assert r.status_code == 404 and r["Content-Language"] == "vi"


def test_the_settings_use_the_subclasses():
    assert "motcua.core.middleware.SessionMiddleware" in settings.MIDDLEWARE
    assert "django.contrib.sessions.middleware.SessionMiddleware" not in settings.MIDDLEWARE
    from django.contrib.sessions.middleware import SessionMiddleware

    assert issubclass(middleware.SessionMiddleware, SessionMiddleware)


def test_the_wsgi_application_freezes_what_it_loaded():
    """motcua/wsgi.py moves the loaded framework out of the cyclic collector's generations (gc.freeze), so that a
    worker's full collections scan what requests create."""
    import gc
    import importlib

    import motcua.wsgi

    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    importlib.reload(motcua.wsgi)
    assert gc.get_freeze_count() > 10_000
