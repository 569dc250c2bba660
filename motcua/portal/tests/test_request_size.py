"""The filing step sends every component's files in one request: over MOTCUA_UPLOAD_MAX_REQUEST_BYTES it is
refused before anything is read (413, a page naming both limits), and the draft keeps nothing of it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.notifications.tests.factories import PASSWORD, PDF_BYTES
from motcua.portal.models import DraftFile

from .helpers import WHO, url


@pytest.fixture
def citizen(client, world):
    assert client.login(username="congdan", password=PASSWORD)
    return world["citizen"]


def big_pdf(name: str, n: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, PDF_BYTES + b"%" + bytes([65 + n]) * 30_000 + b"\n", content_type="application/pdf"
    )


def test_the_filing_step_over_the_total_is_refused_and_keeps_nothing(client, world, citizen, settings):
    settings.MOTCUA_UPLOAD_MAX_BYTES = 50_000
    settings.MOTCUA_UPLOAD_MAX_REQUEST_BYTES = 64 * 1024
    client.post(url("nguoi-nop"), WHO)
    c1 = world["components"][0]
    step = f"http://testserver{url('thanh-phan')}"
    r = client.post(
        url("thanh-phan"),
        {f"file_{c1.pk}": [big_pdf(f"{n}.pdf", n) for n in range(3)], "next": "1"},
        HTTP_REFERER=step,
    )
    assert r.status_code == 413
    page = r.content.decode()
    assert "mỗi lần gửi tối đa 64 KB, mỗi tệp tối đa 49 KB" in page and f'href="{step}"' in page
    assert DraftFile.objects.count() == 0
    # the same files sent one at a time are taken
    for n in range(3):
        r = client.post(url("thanh-phan"), {f"file_{c1.pk}": big_pdf(f"{n}.pdf", n)})
        assert r.status_code == 302
    assert DraftFile.objects.count() == 3


def test_the_page_is_in_english_for_an_english_reader(client, world, citizen, settings):
    settings.MOTCUA_UPLOAD_MAX_REQUEST_BYTES = 10_000
    client.cookies["django_language"] = "en"
    client.post(url("nguoi-nop"), WHO)
    c1 = world["components"][0]
    r = client.post(url("thanh-phan"), {f"file_{c1.pk}": big_pdf("a.pdf", 0), "next": "1"})
    assert r.status_code == 413
    assert '<html lang="en"' in r.content.decode()
