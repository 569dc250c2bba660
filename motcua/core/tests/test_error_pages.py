"""Django's own error responses: Vietnamese first (English when chosen) on pages, JSON on /api/."""

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from motcua.core import errorviews

pytestmark = pytest.mark.django_db


def english() -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return c


def test_an_unknown_page_is_a_vietnamese_404_with_ways_back():
    r = Client().get("/khong-co-trang-nay/")
    html = r.content.decode()
    assert r.status_code == 404 and r["Content-Type"].startswith("text/html")
    assert "Không tìm thấy trang" in html and "/khong-co-trang-nay/" in html and 'href="/tra-cuu/"' in html
    assert '<html lang="vi">' in html
    r = english().get("/khong-co-trang-nay/")
    assert r.status_code == 404 and "Page not found" in r.content.decode()


def test_an_unknown_api_path_is_json():
    r = Client().get("/api/v1/khong-co")
    assert r.status_code == 404 and r["Content-Type"] == "application/json"
    assert r.json()["error"] == "not_found" and "/api/v1/khong-co" in r.json()["message"]


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_api_path_is_json_with_debug_on_too(settings, method):
    """`make run` serves with DEBUG on, where Django answers a path that matches no route with its technical
    HTML page instead of handler404: an integrator's mistyped URL must still get the API's JSON (contract §6)."""
    settings.DEBUG = True
    for path in ("/api/v1/khong-co", "/api/v1/agencies/", "/api/khong-co"):
        r = getattr(Client(), method)(path)
        assert r.status_code == 404 and r["Content-Type"] == "application/json", (method, path)
        assert r.json()["error"] == "not_found" and path in r.json()["message"]


def test_a_broken_multipart_body_is_a_400_not_a_server_error(org_with_token):
    c = Client()
    r = c.post("/tra-cuu/", content_type="multipart/form-data")  # no boundary
    assert r.status_code == 400 and "Yêu cầu không hợp lệ" in r.content.decode()
    r = c.post(
        "/api/v1/dossiers/X-1/documents",
        content_type="multipart/form-data",
        HTTP_AUTHORIZATION=f"Bearer {org_with_token}",
    )
    assert r.status_code == 400 and r.json()["error"] == "bad_body"


def test_an_expired_form_says_what_to_do():
    r = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "a", "password": "b"})
    assert r.status_code == 403 and "Biểu mẫu đã hết hạn" in r.content.decode()


def test_a_server_error_page_needs_nothing_that_could_have_failed():
    request = RequestFactory().get("/ho-so-cua-toi/")
    r = errorviews.server_error(request)
    assert (
        r.status_code == 500 and "Lỗi máy chủ" in r.content.decode() and "Server error" in r.content.decode()
    )
    r = errorviews.server_error(RequestFactory().post("/api/v1/dossiers"))
    assert r.status_code == 500 and r["Content-Type"] == "application/json"


@pytest.fixture
def org_with_token(db):
    from django.contrib.auth import get_user_model

    from motcua.core.models import ApiToken

    return ApiToken.issue(get_user_model().objects.create_user("u1", password="pw-123456-x"))


def test_a_host_not_served_says_so_not_that_the_data_is_broken(settings):
    settings.ALLOWED_HOSTS = ["motcua.example.gov.vn"]
    r = Client().get("/", HTTP_HOST="ke-gia-mao.example.com")
    html = r.content.decode()
    assert r.status_code == 400
    assert (
        "không được phục vụ tại địa chỉ (tên miền) bạn đã dùng" in html and "bị hỏng hoặc quá lớn" not in html
    )
    r = english().get("/", HTTP_HOST="ke-gia-mao.example.com")  # (English once the catalogue has the text)
    assert r.status_code == 400 and "malformed or too large" not in r.content.decode()
    r = Client().get("/api/v1/agencies", HTTP_HOST="ke-gia-mao.example.com")
    assert r.status_code == 400 and r.json()["error"] == "bad_host"


def test_the_site_icon_is_named_by_pages_and_found_at_favicon_ico(db):
    c = Client()
    r = c.get("/favicon.ico")
    assert r.status_code == 301 and r["Location"].endswith("motcua/favicon.svg")
    assert '<link rel="icon" href="' in c.get("/").content.decode()


def test_make_run_shows_the_products_404_not_djangos_technical_page(settings):
    """`make run` (DEBUG on) answered a mistyped address, or a procedure code that does not exist, with Django's
    technical page listing every URL pattern; citizens trying the demo saw it. With MOTCUA_TECHNICAL_404 a
    developer keeps Django's page."""
    settings.DEBUG = True
    for path in ("/khong-co-trang-nay/", "/thu-tuc/9.999999/"):  # no route; a view's Http404
        r = Client().get(path)
        html = r.content.decode()
        assert r.status_code == 404, path
        assert "Không tìm thấy trang" in html and "DEBUG = True" not in html, path
    assert Client().get("/thu-tuc").status_code == 301  # APPEND_SLASH still redirects
    settings.MOTCUA_TECHNICAL_404 = True
    assert "DEBUG = True" in Client().get("/khong-co-trang-nay/").content.decode()
