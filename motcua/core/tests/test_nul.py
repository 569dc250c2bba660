"""A NUL character (U+0000) in a URL, a query parameter or an API body is refused with a message, before any query is
built with it: PostgreSQL text cannot hold it, and each of these answered 500 there (found by schemathesis)."""

import json

import pytest
from django.test import Client

from motcua.dossiers.models import Dossier
from motcua.notifications.tests.factories import make_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/dossiers/A%00B/status",
        "/api/v1/procedures/1.0016%00",
        "/api/v1/agencies/H%0026",
        "/api/v1/procedures?q=a%00",
        "/api/v1/stats/on-time?from=2025-01-01&to=2025-12-31&agency=%00",
        "/api/v1/calendar/deadline?start=2025-01-24T10:00:00%2B07:00&working_days=3&agency=x%00",
    ],
)
def test_api_urls_with_nul_are_refused(url):
    make_world()
    r = Client().get(url)
    assert r.status_code == 422, r.content
    assert r.json()["error"] == "bad_characters" and "NUL" in r.json()["message"]


def test_pages_with_nul_are_refused_in_vietnamese():
    r = Client().get("/thu-tuc/?q=%00")
    assert r.status_code == 400 and "ký tự không hợp lệ" in r.content.decode()
    assert Client().get("/thu-tuc/?q=%2500").status_code == 200  # the text "%00" is not a NUL


def test_a_filing_body_with_nul_files_nothing():
    from motcua.core.models import ApiToken

    world = make_world()
    token = ApiToken.issue(world["citizen"])
    body = {"procedure": "1.001612", "agency": "000.00.21.H26\u0000", "applicant": {"name": "Nguyễn Văn An"}}
    r = Client().post(
        "/api/v1/dossiers",
        json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 422 and r.json()["error"] == "bad_characters"
    # a backslash and "u0000" in the name, not a NUL
    applicant = {"name": "Nguyễn Văn An \\u0000", "id_number": "001090012345"}
    literal = {**body, "agency": "000.00.21.H26", "applicant": applicant}
    r = Client().post(
        "/api/v1/dossiers",
        json.dumps(literal),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.content
    assert list(Dossier.objects.values_list("applicant_name", flat=True)) == ["Nguyễn Văn An \\u0000"]


def test_a_posted_form_with_nul_is_refused_before_the_view():
    r = Client().post("/accounts/login/", {"username": "congdan\x00", "password": "x"})
    assert r.status_code == 400 and "ký tự không hợp lệ" in r.content.decode()
    assert Client().post("/accounts/login/", {"username": "congdan", "password": "x"}).status_code == 400
