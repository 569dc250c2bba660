"""Behind the HTTPS reverse proxy: X-Forwarded-Proto from a trusted proxy makes the request secure, so a form POST
with Origin https://<host> passes Django's CSRF origin check (staff and admin sign-in); the same header from any
other peer is dropped, so a client reaching the server directly cannot claim HTTPS."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

HOST = "motcua.example.gov.vn"
PROXY = "10.0.0.5"
STRANGER = "203.0.113.7"


@pytest.fixture
def behind_proxy(settings):
    settings.ALLOWED_HOSTS = [HOST]
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    get_user_model().objects.create_user("canbo", password="mat-khau-dai-1", is_staff=True)


def sign_in(path: str, remote: str) -> tuple[Client, int]:
    client = Client(enforce_csrf_checks=True, REMOTE_ADDR=remote, HTTP_X_FORWARDED_PROTO="https")
    page = client.get(path, HTTP_HOST=HOST)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(
        path,
        {"username": "canbo", "password": "mat-khau-dai-1", "csrfmiddlewaretoken": token},
        HTTP_HOST=HOST,
        HTTP_ORIGIN=f"https://{HOST}",
    )
    return client, response.status_code


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_sign_in_through_the_trusted_proxy_succeeds(behind_proxy, path):
    client, status = sign_in(path, PROXY)
    assert status == 302
    assert "_auth_user_id" in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_the_header_from_an_untrusted_peer_is_ignored(behind_proxy, path):
    client, status = sign_in(path, STRANGER)
    assert status == 403  # the request is plain HTTP: Origin https://… does not match
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_is_secure_only_from_a_trusted_proxy(behind_proxy, rf):
    from motcua.core.proxies import ForwardedProtoMiddleware

    seen = {}

    def view(request):
        seen["secure"] = request.is_secure()
        return None

    middleware = ForwardedProtoMiddleware(view)
    middleware(rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https"))
    assert seen["secure"] is True
    middleware(rf.get("/", REMOTE_ADDR=STRANGER, HTTP_X_FORWARDED_PROTO="https"))
    assert seen["secure"] is False


def test_trusted_proxies_turn_the_forwarded_proto_on(monkeypatch):
    import subprocess
    import sys

    code = "from django.conf import settings as s; print(getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    env = {"DJANGO_SETTINGS_MODULE": "motcua.settings", "PATH": "/usr/bin:/bin"}
    run = lambda extra: subprocess.run(  # noqa: E731
        [sys.executable, "-c", code], env={**env, **extra}, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert run({"TRUSTED_PROXIES": "127.0.0.1"}) == "('HTTP_X_FORWARDED_PROTO', 'https')"
    assert run({}) == "None"
