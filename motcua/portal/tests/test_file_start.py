"""Starting an online filing: a GET changes nothing (a link or an image on another site cannot fill a citizen's
account with empty drafts); the draft is created by the start page's POST, which carries the CSRF token."""

import re

import pytest
from django.test import Client

from motcua.notifications.tests.factories import PASSWORD
from motcua.portal.models import Draft

from .helpers import CODE, WHO, url


@pytest.fixture
def csrf_client(world):
    c = Client(enforce_csrf_checks=True)
    assert c.login(username="congdan", password=PASSWORD)
    return c


def _token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_get_shows_the_start_page_and_creates_nothing(csrf_client):
    r = csrf_client.get(url())
    assert r.status_code == 200
    page = r.content.decode()
    assert "Bắt đầu nộp hồ sơ" in page and '<form method="post">' in page and "csrfmiddlewaretoken" in page
    # every wizard step, too: without an open draft it leads to the start page
    for step in ("nguoi-nop", "thanh-phan", "to-khai", "nhan-ket-qua", "xem-lai"):
        r = csrf_client.get(url(step))
        assert r.status_code == 302 and r["Location"] == url(), step
    assert not Draft.objects.exists()


def test_post_without_the_csrf_token_is_refused_and_creates_nothing(csrf_client):
    csrf_client.get(url())  # the cookie is there; the token is not sent
    r = csrf_client.post(url())
    assert r.status_code == 403 and "Biểu mẫu đã hết hạn" in r.content.decode()
    r = csrf_client.post(url("nguoi-nop"), WHO)
    assert r.status_code == 403
    assert not Draft.objects.exists()


def test_post_with_the_token_creates_exactly_one_draft(csrf_client, world):
    token = _token(csrf_client.get(url()).content.decode())
    r = csrf_client.post(url(), {"csrfmiddlewaretoken": token})
    assert r.status_code == 302 and r["Location"] == url("nguoi-nop")
    draft = Draft.objects.get()
    assert (draft.user, draft.procedure.code, draft.submitted_at) == (world["citizen"], CODE, None)
    # sent twice (a double click): still the one draft
    assert csrf_client.post(url(), {"csrfmiddlewaretoken": token})["Location"] == url("nguoi-nop")
    assert Draft.objects.count() == 1


def test_get_with_an_open_draft_goes_on_where_the_citizen_stopped(csrf_client, world):
    token = _token(csrf_client.get(url()).content.decode())
    csrf_client.post(url(), {"csrfmiddlewaretoken": token})
    r = csrf_client.post(url("nguoi-nop"), {**WHO, "csrfmiddlewaretoken": token})
    assert r.status_code == 302 and r["Location"] == url("thanh-phan")
    r = csrf_client.get(url())  # "Tiếp tục" from Hồ sơ của tôi, or the procedure page's button again
    assert r.status_code == 302 and r["Location"] == url("thanh-phan")
    assert csrf_client.get(url("thanh-phan")).status_code == 200
    assert Draft.objects.count() == 1


def test_other_methods_are_refused_and_create_nothing(client, world):
    assert client.login(username="congdan", password=PASSWORD)  # CSRF aside: the method alone is refused
    for method in ("put", "delete", "patch"):
        assert getattr(client, method)(url()).status_code == 405, method
    assert not Draft.objects.exists()


def test_the_procedure_page_starts_filing_with_a_post_for_a_signed_in_citizen(client, world):
    anonymous = client.get(f"/thu-tuc/{CODE}/").content.decode()
    # a link: to the sign-in, then the start page; nothing is created
    assert f'href="/nop-ho-so/{CODE}/"' in anonymous
    assert client.login(username="congdan", password=PASSWORD)
    page = client.get(f"/thu-tuc/{CODE}/").content.decode()
    form = re.search(r'<form method="post" action="/nop-ho-so/[^"]+/"[^>]*>.*?</form>', page, re.S)
    assert form and f'action="/nop-ho-so/{CODE}/"' in form.group(0)
    assert "csrfmiddlewaretoken" in form.group(0) and "Nộp hồ sơ trực tuyến" in form.group(0)
    assert f'href="/nop-ho-so/{CODE}/"' not in page
    assert not Draft.objects.exists()
