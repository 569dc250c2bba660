"""OpenID Connect sign-in against a FAKE provider served over HTTP on 127.0.0.1, following the whole
authorisation-code flow (browser redirects, back-channel token and userinfo requests, JWKS) with `requests`
against the live server."""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from jwt.algorithms import RSAAlgorithm

from motcua.portal.models import CitizenProfile

CLIENT_ID = "motcua-portal"
CLIENT_SECRET = "s3cret-client-secret-for-tests-0123456789"


class FakeProvider:
    """A tiny OIDC provider: /authorize (redirects straight back with a code), /token, /userinfo, /jwks."""

    def __init__(self, *, algo="RS256", claims=None, sign_with=None):
        self.algo = algo
        self.claims = claims or {}
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.sign_with = sign_with  # a different key to forge tokens
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.requests: list[str] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlparse(self.path)
                q = {k: v[0] for k, v in parse_qs(url.query).items()}
                provider.requests.append(url.path)
                if url.path == "/authorize":
                    if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
                        return self._json(400, {"error": "invalid_request"})
                    code = secrets.token_urlsafe(16)
                    provider.codes[code] = {"nonce": q.get("nonce"), "redirect_uri": q["redirect_uri"]}
                    self.send_response(302)
                    self.send_header(
                        "Location", q["redirect_uri"] + "?" + urlencode({"code": code, "state": q["state"]})
                    )
                    self.end_headers()
                elif url.path == "/userinfo":
                    token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                    if token not in provider.tokens:
                        return self._json(401, {"error": "invalid_token"})
                    self._json(200, provider.claims)
                elif url.path == "/jwks":
                    jwk = RSAAlgorithm.to_jwk(provider.key.public_key(), as_dict=True)
                    self._json(200, {"keys": [{**jwk, "kid": "k1", "alg": "RS256", "use": "sig"}]})
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self):
                provider.requests.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                grant = provider.codes.pop(form.get("code", ""), None)
                if (
                    self.path != "/token"
                    or form.get("client_id") != CLIENT_ID
                    or form.get("client_secret") != CLIENT_SECRET
                    or grant is None
                    or form.get("redirect_uri") != grant["redirect_uri"]
                ):
                    return self._json(400, {"error": "invalid_grant"})
                access = secrets.token_urlsafe(16)
                provider.tokens[access] = grant
                now = int(time.time())
                payload = {
                    "iss": provider.base,
                    "sub": provider.claims["sub"],
                    "aud": CLIENT_ID,
                    "iat": now,
                    "exp": now + 300,
                    "nonce": grant["nonce"],
                }
                if provider.algo == "HS256":
                    id_token = jwt.encode(payload, CLIENT_SECRET, algorithm="HS256")
                else:
                    key = provider.sign_with or provider.key
                    id_token = jwt.encode(payload, key, algorithm="RS256", headers={"kid": "k1"})
                self._json(200, {"access_token": access, "token_type": "Bearer", "id_token": id_token})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


CLAIMS = {
    "sub": "vneid-000123",
    "name": "Hoàng Thị Mai",
    "email": "mai.hoang@example.vn",
    "phone_number": "+84 903 123 456",
    "personal_id": "001303004321",
}


@pytest.fixture
def provider_factory(settings):
    started = []

    def make(**kwargs):
        op = FakeProvider(**kwargs)
        started.append(op)
        settings.AUTHENTICATION_BACKENDS = [
            "django.contrib.auth.backends.ModelBackend",
            "motcua.portal.backends.EmailOrPhoneBackend",
            "motcua.portal.oidc.CitizenOIDCBackend",
        ]
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{op.base}/authorize"
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{op.base}/token"
        settings.OIDC_OP_USER_ENDPOINT = f"{op.base}/userinfo"
        settings.OIDC_OP_JWKS_ENDPOINT = f"{op.base}/jwks"
        settings.OIDC_RP_SIGN_ALGO = kwargs.get("algo", "RS256")
        settings.OIDC_ID_NUMBER_CLAIM = "personal_id"
        settings.OIDC_TIMEOUT = 10
        return op

    yield make
    for op in started:
        op.close()


def sign_in(live_server, next_url=None) -> tuple[requests.Session, requests.Response]:
    s = requests.Session()
    url = f"{live_server.url}/oidc/authenticate/" + (f"?next={next_url}" if next_url else "")
    r = s.get(url, timeout=20)
    return s, r


def signed_in(session, live_server) -> bool:
    r = session.get(f"{live_server.url}/ho-so-cua-toi/", allow_redirects=False, timeout=20)
    return r.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_full_code_flow_rs256_creates_the_citizen(live_server, provider_factory):
    op = provider_factory(claims=dict(CLAIMS))
    session, r = sign_in(live_server)
    assert r.status_code == 200 and r.url == f"{live_server.url}/ho-so-cua-toi/"
    assert op.requests == ["/authorize", "/token", "/jwks", "/userinfo"]
    assert signed_in(session, live_server)
    profile = CitizenProfile.objects.get(oidc_sub="vneid-000123")
    assert (profile.full_name, profile.phone, profile.id_number) == (
        "Hoàng Thị Mai",
        "0903123456",
        "001303004321",
    )
    user = profile.user
    assert user.email == "mai.hoang@example.vn" and not user.has_usable_password()

    # signing in again (new name at the provider) finds the same account by `sub`
    op.claims = {**CLAIMS, "name": "Hoàng Thị Mai Anh"}
    session2, r = sign_in(live_server, next_url="/tra-cuu/")
    assert r.url == f"{live_server.url}/tra-cuu/"
    assert get_user_model().objects.filter(citizen_profile__isnull=False).count() == 1
    assert CitizenProfile.objects.get().full_name == "Hoàng Thị Mai Anh"


@pytest.mark.django_db(transaction=True)
def test_hs256_provider_and_invalid_claims_are_dropped(live_server, provider_factory):
    provider_factory(algo="HS256", claims={**CLAIMS, "personal_id": "999000111222", "phone_number": "12345"})
    session, r = sign_in(live_server)
    assert signed_in(session, live_server)
    profile = CitizenProfile.objects.get()
    assert profile.id_number == "" and profile.phone == ""  # invalid values are never stored


@pytest.mark.django_db(transaction=True)
def test_a_local_account_with_the_same_email_is_not_captured(live_server, provider_factory):
    User = get_user_model()
    squatter = User.objects.create_user("squatter", email="mai.hoang@example.vn", password="x-Y-z-123456789")
    provider_factory(claims=dict(CLAIMS))
    session, _ = sign_in(live_server)
    assert signed_in(session, live_server)
    linked = CitizenProfile.objects.get(oidc_sub="vneid-000123").user
    assert linked.pk != squatter.pk


@pytest.mark.django_db(transaction=True)
def test_a_token_signed_with_another_key_signs_in_nobody(live_server, provider_factory):
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    provider_factory(claims=dict(CLAIMS), sign_with=forged_key)
    session, r = sign_in(live_server)
    assert r.status_code == 400  # SuspiciousOperation: JWS verification failed
    assert not signed_in(session, live_server)
    assert CitizenProfile.objects.count() == 0


@pytest.mark.django_db
def test_oidc_urls_are_off_unless_configured(client, settings):
    assert not getattr(settings, "OIDC_RP_CLIENT_ID", "")
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/?code=x&state=y").status_code == 404
    assert "định danh điện tử" not in client.get("/tai-khoan/dang-ky/").content.decode()


@pytest.mark.django_db
def test_register_page_offers_eid_when_configured(client, settings):
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_PROVIDER_NAME = "VNeID"
    page = client.get("/tai-khoan/dang-ky/").content.decode()
    assert 'href="/oidc/authenticate/"' in page and "tài khoản định danh điện tử VNeID" in page


@pytest.mark.django_db
def test_login_page_offers_eid_only_when_configured_and_links_registration(client, settings):
    page = client.get("/accounts/login/?next=/ho-so-cua-toi/").content.decode()
    assert "/oidc/authenticate/" not in page and "định danh điện tử" not in page
    assert 'href="/tai-khoan/dang-ky/?next=/ho-so-cua-toi/"' in page and "Chưa có tài khoản?" in page
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_PROVIDER_NAME = "VNeID"
    page = client.get("/accounts/login/?next=/ho-so-cua-toi/").content.decode()
    assert 'href="/oidc/authenticate/?next=/ho-so-cua-toi/"' in page
    assert "Đăng nhập bằng tài khoản định danh điện tử VNeID" in page
    english = client
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = english.get("/accounts/login/").content.decode()
    assert "No account yet?" in page and "Create a citizen account" in page
