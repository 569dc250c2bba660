"""Tải dữ liệu của tôi ("download my data"): the signed-in account's own data as a ZIP (motcua.portal.export; ADR 0024 addendum)."""

import datetime as dt
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from motcua.core.models import ApiToken
from motcua.dossiers.models import AccessKind, Dossier, DossierAccess, DossierDocument
from motcua.feedback.models import Feedback, Rating
from motcua.notifications.tests.factories import APPLICANT, PASSWORD
from motcua.portal import export
from motcua.portal.models import Payment

from .test_english_labels import in_english
from .test_lookup_and_my_dossiers import act, file_for

URL = "/tai-khoan/tai-du-lieu/"
SCAN = b"%PDF-1.4 giay to cua cong dan\n"
OTHER = {
    "name": "Trần Thị Bình",
    "id_number": "079301000999",
    "phone": "0987654321",
    "email": "binh@example.vn",
}
RESIDENT = {"name": "Lê Văn Cư", "id_number": "001099000111", "address": "Tổ 5, phường Hoàn Kiếm"}


def add_document(dossier, name="Giấy đề nghị.pdf", data=SCAN):
    return DossierDocument.objects.create(
        dossier=dossier,
        name=name,
        file=ContentFile(data, name="scan.pdf"),
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


@pytest.fixture
def filled(world):
    """The citizen's dossier with a document, a read by an officer, a payment, a rating and a PAKN; another
    citizen's dossier; a dossier the citizen filed for a resident as a community team member."""
    citizen = world["citizen"]
    mine = act(world, file_for(world, citizen), "receive")
    add_document(mine)
    DossierAccess.objects.create(
        dossier=mine,
        at=timezone.now().replace(microsecond=0),
        user=world["officer"],
        user_name="Phạm Cán Bộ",
        capacity="Cán bộ một cửa — Sở Kế hoạch và Đầu tư",
        kind=AccessKind.VIEW,
        channel="web",
        ip="203.0.113.77",
    )
    Payment.objects.create(
        dossier=mine,
        amount=Decimal("100000"),
        reference="FAKE-EXPORT-1",
        provider="fake",
        payer=citizen,
        request_seq=2,
        status="paid",
        paid_at=timezone.now(),
    )
    Rating.objects.create(
        dossier=mine, user=citizen, overall=4, comment="Cán bộ nhiệt tình", created_at=timezone.now()
    )
    Feedback.objects.create(
        reference="PAKN-2026-000123",
        kind="complaint",
        subject="dossier",
        dossier=mine,
        agency=world["so"],
        title="Chậm trả kết quả",
        content="Hồ sơ của tôi chưa có kết quả.",
        user=citizen,
        contact_name=APPLICANT["name"],
        received_at=timezone.now(),
        working_days=Decimal(10),
        due_at=timezone.now() + dt.timedelta(days=14),
    )
    theirs = file_for(world, world["other"], OTHER)
    add_document(theirs, name="Giấy của người khác.pdf", data=b"%PDF-1.4 other\n")
    assisted = file_for(world, citizen, RESIDENT)  # as the community team's member, for a resident
    Dossier.objects.filter(pk=assisted.pk).update(applicant_user=None, filed_by=citizen)
    return {"mine": mine, "theirs": theirs, "assisted": assisted}


def download(client, username="congdan"):
    client.login(username=username, password=PASSWORD)
    r = client.post(URL)
    assert r.status_code == 200, r.status_code
    return r, zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content)))


def read_json(z):
    raw = z.read(export.JSON_NAME).decode("utf-8")
    assert unicodedata.normalize("NFC", raw) == raw
    return raw, json.loads(raw)


def test_the_archive_holds_the_citizens_own_data(client, world, filled):
    r, z = download(client)
    day = timezone.localdate().isoformat()
    assert r["Content-Type"] == "application/zip" and r["Cache-Control"] == "no-store"
    assert f'filename="du-lieu-ca-nhan_congdan_{day}.zip"' in r["Content-Disposition"]
    raw, data = read_json(z)
    assert data["account"]["username"] == "congdan" and data["account"]["email"] == "an.nguyen@example.vn"
    assert [d["code"] for d in data["dossiers"]] == [filled["mine"].code]
    d = data["dossiers"][0]
    assert d["applicant"]["id_number"] == APPLICANT["id_number"] and d["state"] == "received"
    assert d["procedure"]["code"] == "1.001612" and d["agency"]["identifier"] == "000.00.21.H26"
    instant = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00"  # as the API writes them: local, to the second
    assert re.fullmatch(instant, d["received_at"]) and re.fullmatch(instant, data["account"]["last_login"])
    assert [e["action"] for e in d["events"]] == ["submit", "receive"]
    assert all(e["at"].endswith("+07:00") and "hash" not in e for e in d["events"])
    (doc,) = d["documents"]
    assert doc["sha256"] == hashlib.sha256(SCAN).hexdigest() and doc["size"] == len(SCAN)
    assert doc["file"].startswith(f"tai-lieu/{filled['mine'].code}/") and z.read(doc["file"]) == SCAN
    assert z.getinfo(doc["file"]).date_time[:3] == timezone.localdate().timetuple()[:3]  # dated as uploaded
    (read,) = d["access_record"]
    assert (read["name"], read["kind"], read["channel"]) == ("Phạm Cán Bộ", "view", "web")
    assert "203.0.113.77" not in raw  # the reader's address is the agency's, not shown
    assert d["payments"][0]["reference"] == "FAKE-EXPORT-1" and d["payments"][0]["amount"] == 100000
    assert data["ratings"][0]["comment"] == "Cán bộ nhiệt tình"
    assert data["feedback"][0]["reference"] == "PAKN-2026-000123"
    readme = z.read(export.README_NAME).decode("utf-8")
    assert "Luật Bảo vệ dữ liệu cá nhân" in readme and export.JSON_NAME in readme
    # nobody else's: another citizen's dossier, a resident's dossier the citizen filed for them
    for value in (filled["theirs"].code, OTHER["id_number"], filled["assisted"].code, RESIDENT["id_number"]):
        assert value not in raw
    assert not any("người khác" in n for n in z.namelist())
    # the applicant's own download is on no dossier's access record
    assert DossierAccess.objects.filter(dossier=filled["mine"]).count() == 1


def test_the_other_citizen_gets_only_theirs(client, world, filled):
    _, z = download(client, "congdan2")
    raw, data = read_json(z)
    assert [d["code"] for d in data["dossiers"]] == [filled["theirs"].code]
    assert data["ratings"] == [] and data["feedback"] == []
    assert APPLICANT["id_number"] not in raw and filled["mine"].code not in raw


def test_staff_get_their_own_account_only(client, world, filled):
    _, z = download(client, "mc")  # the officer who received and read the citizen's dossier
    raw, data = read_json(z)
    assert data["account"]["username"] == "mc" and data["dossiers"] == []
    assert APPLICANT["id_number"] not in raw and filled["mine"].code not in raw


def test_files_beyond_the_budget_are_listed_only(client, world, filled, settings):
    settings.PERSONAL_DATA_EXPORT_FILES_MAX_BYTES = 10
    _, z = download(client)
    _, data = read_json(z)
    (doc,) = data["dossiers"][0]["documents"]
    assert doc["file"] is None and doc["sha256"]
    assert data["files"] == {"max_total_bytes": 10, "included": 0, "listed_only": 1}
    assert not [n for n in z.namelist() if n.startswith("tai-lieu/")]


def test_a_get_sends_back_to_the_account_page(client, world):
    client.login(username="congdan", password=PASSWORD)
    r = client.get(URL)
    assert r.status_code == 302 and r["Location"] == "/tai-khoan/"


def test_signed_out_is_sent_to_sign_in(client, world):
    r = client.post(URL)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_rate_limited_per_account(client, world, settings):
    settings.PERSONAL_DATA_EXPORT_RATE_LIMIT = 2
    client.login(username="congdan", password=PASSWORD)
    assert [client.post(URL).status_code for _ in range(2)] == [200, 200]
    r = client.post(URL)
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    page = r.content.decode()
    assert "Bạn đã tải dữ liệu cá nhân nhiều lần trong thời gian ngắn" in page and 'id="export-error"' in page
    # another account is counted on its own
    client.login(username="congdan2", password=PASSWORD)
    assert client.post(URL).status_code == 200


def test_the_account_page_offers_the_download_in_both_languages(client, world):
    client.login(username="congdan", password=PASSWORD)
    vi = client.get("/tai-khoan/").content.decode()
    assert "Tải dữ liệu của tôi" in vi and f'action="{URL}"' in vi
    en = in_english(client).get("/tai-khoan/").content.decode()
    assert "Download my data" in en and "Tải dữ liệu của tôi" not in en


def test_the_api_gives_the_tokens_own_archive(client, world, filled):
    raw_token = ApiToken.issue(world["citizen"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw_token}"}
    r = client.get("/api/v1/me/export", **auth)
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content))).read(export.JSON_NAME))
    assert [d["code"] for d in data["dossiers"]] == [filled["mine"].code]
    assert client.get("/api/v1/me/export").status_code == 401


def test_the_api_shares_the_rate_limit(client, world, settings):
    settings.PERSONAL_DATA_EXPORT_RATE_LIMIT = 1
    raw_token = ApiToken.issue(world["citizen"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw_token}"}
    assert client.get("/api/v1/me/export", **auth).status_code == 200
    r = client.get("/api/v1/me/export", **auth)
    assert r.status_code == 429 and r.json()["error"] == "throttled" and r["Retry-After"]
    assert "nhiều lần" in r.json()["message"] and "several times" in r.json()["message_en"]
    client.login(username="congdan", password=PASSWORD)  # the portal's button counts the same
    assert client.post(URL).status_code == 429


def test_paths_in_the_archive_stay_in_their_folder():
    assert export.safe_part("123/2019/HS") == "123_2019_HS"  # an imported code may hold "/"
    assert export.safe_part("../../etc/passwd") == "_.._etc_passwd"  # one part, no separator
    assert export.safe_part("..") == "_" and export.safe_part("Giấy\x00 đề nghị.pdf") == "Giấy_ đề nghị.pdf"


def test_a_file_the_store_cannot_give_is_listed_and_the_rest_goes_out(client, world, filled):
    doc = filled["mine"].documents.get()
    doc.file.storage.delete(doc.file.name)
    _, z = download(client)
    _, data = read_json(z)
    (entry,) = data["dossiers"][0]["documents"]
    assert entry["file"] is None and entry["file_unavailable"] is True and entry["sha256"] == doc.sha256
    assert data["files"]["included"] == 0
