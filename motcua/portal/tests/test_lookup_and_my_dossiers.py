import datetime as dt
import hashlib
import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from motcua.dossiers import documents
from motcua.dossiers import services as dossiers
from motcua.dossiers.models import Dossier
from motcua.notifications.tests.factories import APPLICANT, PASSWORD, PDF_BYTES, add_result

SECRET = {
    "name": "Phạm Minh Khôi",
    "id_number": "079205001234",
    "phone": "0987001122",
    "email": "khoi.pham@example.vn",
    "address": "45 Lý Thường Kiệt, Hoàn Kiếm",
}


def file_for(world, user, applicant=None) -> Dossier:
    dossier, _ = dossiers.dossier_file(
        actor=user,
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="online",
        applicant={"kind": "individual", **(applicant or APPLICANT)},
    )
    return dossier


def act(world, dossier, action, who="officer", **params):
    return dossiers.dossier_act(code=dossier.code, action=action, actor=world[who], params=params)


# --- public lookup ------------------------------------------------------------------------------------------


def assert_no_personal_data(page: str):
    for value in SECRET.values():
        assert value not in page
    assert "Minh" not in page and "Khôi" not in page


@pytest.mark.parametrize("who", [None, "other", "officer"])
def test_lookup_never_shows_personal_data_unmasked(client, world, who):
    dossier = act(world, file_for(world, world["citizen"], SECRET), "receive")
    if who:
        client.login(username=world[who].username, password=PASSWORD)
    r = client.get("/tra-cuu/", {"ma": dossier.code})
    page = r.content.decode()
    assert r.status_code == 200
    assert_no_personal_data(page)
    assert "Phạm M*** K***" in page and "*********234" in page
    assert "Được tiếp nhận" in page and dossier.code in page
    assert dossier.due_at.astimezone(timezone.get_current_timezone()).strftime("%d/%m/%Y") in page
    assert "Xem đầy đủ trong Hồ sơ của tôi" not in page


def test_lookup_by_qr_content_and_owner_link(client, world):
    dossier = file_for(world, world["citizen"], SECRET)
    client.login(username="congdan", password=PASSWORD)
    scanned = f"https://dichvucong.example.vn/tra-cuu/?ma={dossier.code}"
    r = client.get("/tra-cuu/", {"ma": scanned})
    page = r.content.decode()
    assert r.status_code == 200 and "Mới đăng ký" in page
    assert_no_personal_data(page)  # the owner gets a link, the lookup page itself stays masked
    assert f"/ho-so-cua-toi/{dossier.code}/" in page
    r = client.get("/tra-cuu/", {"ma": dossier.code.lower()})
    assert r.status_code == 200  # typed in lower case


def test_lookup_errors(client, world):
    r = client.get("/tra-cuu/", {"ma": "000.00.21.H26-250101-9999"})
    assert (
        r.status_code == 404 and "Không tìm thấy hồ sơ có mã 000.00.21.H26-250101-9999" in r.content.decode()
    )
    r = client.get("/tra-cuu/", {"ma": "<script>alert(1)</script>"})
    assert r.status_code == 400 and "<script>alert" not in r.content.decode()
    assert client.get("/tra-cuu/").status_code == 200


def test_lookup_takes_a_code_typed_with_spaces(client, world):
    """A code copied from a text message or typed from the receipt with spaces around its dashes was refused as
    "Mã hồ sơ không hợp lệ", while the PAKN, rating and claim pages take it (core.text.code_forms)."""
    dossier = file_for(world, world["citizen"], SECRET)
    head, day, number = dossier.code.rsplit("-", 2)
    for typed in (
        f"{head} - {day} - {number}",
        f" {head.lower()}-{day}-\n{number} ",
        # copied from a Word document or a PDF: en dashes, a zero-width space, a byte order mark
        f"\ufeff{head}\u2013{day}\u2013{number}\u200b",
        f"{head}\u00a0\u2011\u00a0{day}-{number}",
    ):
        r = client.get("/tra-cuu/", {"ma": typed})
        assert r.status_code == 200 and "Mới đăng ký" in r.content.decode(), typed
        assert r.context["query"] == dossier.code


def test_qr_image_encodes_the_lookup_url(client, world):
    dossier = file_for(world, world["citizen"])
    r = client.get(f"/tra-cuu/qr/{dossier.code}.svg")
    assert r.status_code == 200 and r["Content-Type"] == "image/svg+xml"
    assert r.content.startswith(b"<?xml") and b"<svg" in r.content
    assert client.get("/tra-cuu/qr/not a code.svg").status_code == 404


def test_the_qr_image_does_not_tell_whether_a_code_exists(client, world, settings):
    """The image is not counted against the lookup limit: it must answer an unknown code as a known one, or it
    would walk through codes past the limit."""
    settings.LOOKUP_RATE_LIMIT = 1
    dossier = file_for(world, world["citizen"])
    unknown = "000.00.21.H26-250101-9999"
    known = client.get(f"/tra-cuu/qr/{dossier.code}.svg")
    for _ in range(3):
        r = client.get(f"/tra-cuu/qr/{unknown}.svg")
        assert r.status_code == known.status_code == 200 and r["Content-Type"] == "image/svg+xml"
        assert b"<svg" in r.content


# --- my dossiers ----------------------------------------------------------------------------------------------


def test_my_dossiers_lists_only_mine_with_state_and_due_date(client, world):
    mine = file_for(world, world["citizen"])
    theirs = file_for(world, world["other"], SECRET)
    act(world, mine, "receive")
    mine.refresh_from_db()
    client.login(username="congdan", password=PASSWORD)
    page = client.get("/ho-so-cua-toi/").content.decode()
    assert mine.code in page and theirs.code not in page
    assert "Được tiếp nhận" in page
    assert mine.due_at.astimezone(timezone.get_current_timezone()).strftime("%d/%m/%Y") in page
    assert client.get(f"/ho-so-cua-toi/{theirs.code}/").status_code == 404


def test_my_dossiers_lead_to_claiming_a_dossier_a_team_filed(client, world):
    """A household a community team filed for is told to open "Nhận hồ sơ" once signed in; a new account's list
    said only "Bạn chưa nộp hồ sơ nào." with no way there but the team pages."""
    client.login(username="congdan", password=PASSWORD)
    page = client.get("/ho-so-cua-toi/").content.decode()
    assert 'href="/to-cong-nghe-so/nhan-ho-so/"' in page and "Nhận hồ sơ" in page


def test_my_dossiers_show_the_new_return_date_after_an_apology(client, world):
    """After an apology (Form 04) the list kept showing the first appointment as "Hẹn trả"."""
    mine = act(world, file_for(world, world["citizen"]), "receive")
    new_date = mine.due_at + dt.timedelta(days=5)
    Dossier.objects.filter(pk=mine.pk).update(new_return_at=new_date)  # as the apology records it
    client.login(username="congdan", password=PASSWORD)
    page = client.get("/ho-so-cua-toi/").content.decode()
    local = timezone.get_current_timezone()
    first, new = (x.astimezone(local).strftime("%d/%m/%Y") for x in (mine.due_at, new_date))
    assert f'{new} <small class="muted">(hẹn lại; hẹn ban đầu {first})</small>' in page

    # a supplement asked after the apology moved the due date past the apology's date: the list shows the later
    # one, the appointment in force, not the apology's date as "hẹn lại" before "hẹn ban đầu"
    moved = new_date + dt.timedelta(days=3)
    Dossier.objects.filter(pk=mine.pk).update(due_at=moved)
    page = client.get("/ho-so-cua-toi/").content.decode()
    assert "hẹn ban đầu" not in page and moved.astimezone(local).strftime("%d/%m/%Y") in page


def test_my_dossiers_newest_filing_first(client, world):
    """Ordered by filing date, not by row creation (a migrated dossier is created at import time)."""
    newer = file_for(world, world["citizen"])
    older = file_for(world, world["citizen"])
    Dossier.objects.filter(pk=older.pk).update(submitted_at=newer.submitted_at - dt.timedelta(days=400))
    client.login(username="congdan", password=PASSWORD)
    page = client.get("/ho-so-cua-toi/").content.decode()
    assert page.index(newer.code) < page.index(older.code)


def test_detail_shows_timeline_and_receipt_link(client, world):
    dossier = file_for(world, world["citizen"])
    client.login(username="congdan", password=PASSWORD)
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert "Nộp hồ sơ trực tuyến" in page and "forms/receipt.pdf" not in page
    act(world, dossier, "receive")
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert f'href="/ho-so-cua-toi/{dossier.code}/phieu/receipt.pdf"' in page
    assert "Tiếp nhận hồ sơ" in page and "Hẹn trả kết quả" in page
    r = client.get(f"/ho-so-cua-toi/{dossier.code}/phieu/receipt.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_a_citizens_form_link_that_fails_leads_back_to_their_dossiers(client, world):
    """The citizen's forms were linked under /staff/…, whose error page offered "Về hộp hồ sơ" (the staff inbox,
    a 403 for them). Under /ho-so-cua-toi/ a form that is not theirs, or not a form, leads back to their dossiers;
    a staff-only form (the control slip) is refused as before, and another citizen gets 404."""
    dossier = file_for(world, world["citizen"])
    act(world, dossier, "receive")
    client.login(username="congdan", password=PASSWORD)
    for form in ("control", "khong-co"):
        r = client.get(f"/ho-so-cua-toi/{dossier.code}/phieu/{form}.pdf")
        page = r.content.decode()
        assert r.status_code == 404, form
        assert 'href="/ho-so-cua-toi/"' in page and "Về hồ sơ của tôi" in page, form
        assert "/staff/" not in page, form
    client.logout()
    client.login(username="congdan2", password=PASSWORD)
    assert client.get(f"/ho-so-cua-toi/{dossier.code}/phieu/receipt.pdf").status_code == 404
    client.logout()
    r = client.get(f"/ho-so-cua-toi/{dossier.code}/phieu/receipt.pdf")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_the_notice_of_ineligibility_is_among_the_applicants_forms(client, world):
    """A dossier found ineligible after appraisal gets a written notice with reasons (rules §1.3); the applicant's
    page listed the receipt and the supplement requests but not that notice, the one paper that says why (it was
    downloadable, and the API listed it). The page lists what the API lists for the applicant, in issuing order."""
    dossier = file_for(world, world["citizen"])
    act(world, dossier, "receive")
    act(world, dossier, "resolve", who="leader", outcome="ineligible", reason="Ngành nghề kinh doanh bị cấm")
    client.login(username="congdan", password=PASSWORD)
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    links = re.findall(r'href="(/ho-so-cua-toi/[^"]+/phieu/[^"]+)"', page)
    assert links == [
        f"/ho-so-cua-toi/{dossier.code}/phieu/receipt.pdf",
        f"/ho-so-cua-toi/{dossier.code}/phieu/ineligible.pdf",
    ]
    assert "Thông báo hồ sơ không đủ điều kiện giải quyết" in page
    assert client.get(links[1]).content.startswith(b"%PDF")
    assert "control.pdf" not in page  # the control slip is the staff's


def test_documents_download_only_for_the_owner(client, world):
    dossier = file_for(world, world["citizen"])
    doc = documents.store_upload(
        dossier=dossier,
        uploaded_file=documents.bytes_file(PDF_BYTES, "ket-qua.pdf"),
        kind="result",
        actor=world["officer"],
    )
    client.login(username="congdan", password=PASSWORD)
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert "Kết quả giải quyết" in page and "ket-qua.pdf" in page
    r = client.get(f"/ho-so-cua-toi/{dossier.code}/tai-lieu/{doc.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF_BYTES
    assert 'filename="ket-qua.pdf"' in r["Content-Disposition"]
    client.logout()
    client.login(username="congdan2", password=PASSWORD)
    assert client.get(f"/ho-so-cua-toi/{dossier.code}/tai-lieu/{doc.pk}/").status_code == 404


# --- supplements ----------------------------------------------------------------------------------------------


def request_supplement(world, dossier):
    act(world, dossier, "receive")
    act(
        world,
        dossier,
        "request_supplement",
        who="specialist",
        reason="Thiếu biên bản họp",
        items=[{"name": "Biên bản họp thành viên hộ gia đình", "reason": "chưa nộp"}],
    )


def test_citizen_uploads_the_requested_supplement(client, world):
    dossier = file_for(world, world["citizen"])
    request_supplement(world, dossier)
    client.login(username="congdan", password=PASSWORD)
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert "Yêu cầu bổ sung hồ sơ" in page and "Biên bản họp thành viên hộ gia đình" in page
    content = PDF_BYTES + b"% bien ban\n"
    r = client.post(
        f"/ho-so-cua-toi/{dossier.code}/bo-sung/",
        {"files": [SimpleUploadedFile("bien-ban.pdf", content)], "note": "Đã bổ sung"},
    )
    assert r.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "received"  # back to where it was before the pause
    event = dossier.events.order_by("-seq").first()
    digest = hashlib.sha256(content).hexdigest()
    assert (event.action, event.actor, event.file_hashes) == ("supplement", world["citizen"], [digest])
    assert dossier.documents.get(kind="supplement").sha256 == digest


def test_a_supplementary_file_stands_for_the_component_it_corrects(client, world):
    """The officer asked for the signed application form; the citizen's signed copy was kept as "Tài liệu bổ sung"
    beside the unsigned one, and the receipt listed the unsigned file as the component. The citizen says which
    component the file stands for: it is stored under it, and the receipt lists it there in place of the first."""
    from motcua.dossiers import documents
    from motcua.dossiers.pdf import receipt_context

    dossier = file_for(world, world["citizen"])
    c1 = world["components"][0]
    documents.add_files(
        dossier=dossier, user=world["citizen"], files=[SimpleUploadedFile("chua-ky.pdf", PDF_BYTES)],
        kind="component", component_order=c1.order,
    )  # fmt: skip
    act(
        world,
        dossier,
        "request_supplement",
        reason="Tờ khai chưa ký",
        items=[{"name": c1.name, "reason": "chưa ký"}],
    )
    client.login(username="congdan", password=PASSWORD)
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert 'name="component"' in page and f"1. {c1.name}" in page
    url = f"/ho-so-cua-toi/{dossier.code}/bo-sung/"
    signed = PDF_BYTES + b"% da ky\n"
    bad = client.post(url, {"files": [SimpleUploadedFile("da-ky.pdf", signed)], "component": "99"})
    assert bad.status_code == 422 and "Thành phần hồ sơ đã chọn không thuộc thủ tục" in _text(bad)
    assert dossier.documents.count() == 1 and not dossier.events.filter(action="supplement").exists()
    ok = client.post(url, {"files": [SimpleUploadedFile("da-ky.pdf", signed)], "component": str(c1.order)})
    assert ok.status_code == 302
    doc = dossier.documents.get(kind="supplement")
    assert (doc.name, doc.component_id) == ("da-ky.pdf", c1.pk)
    dossier = act(world, dossier, "receive")
    listed = [(c["name"], c["file"]) for c in receipt_context(dossier)["components"]]
    assert listed == [(c1.name, "da-ky.pdf")], listed  # the signed copy, not the unsigned one beside it


def test_the_same_supplement_sent_twice_is_told_it_was_received(client, world):
    """A double tap (or a resubmitted page) sent the supplement twice: the first sending supplemented the dossier,
    the second found it no longer awaiting one and told the citizen it had failed. The same files sent again within
    minutes are recognised; other files are still refused."""
    dossier = file_for(world, world["citizen"])
    request_supplement(world, dossier)
    client.login(username="congdan", password=PASSWORD)
    content = PDF_BYTES + b"% bien ban\n"

    def send(data):
        return client.post(
            f"/ho-so-cua-toi/{dossier.code}/bo-sung/", {"files": [SimpleUploadedFile("bb.pdf", data)]}
        )

    assert send(content).status_code == 302
    again = send(content)
    assert again.status_code == 302
    page = _text(client.get(again["Location"]))
    assert "Tài liệu bổ sung này đã được nộp lúc" in page and "chưa được đính kèm" not in page
    assert dossier.events.filter(action="supplement").count() == 1 and dossier.documents.count() == 1
    other = send(PDF_BYTES + b"% khac\n")
    assert other.status_code == 409 and "chưa được đính kèm" in _text(other)


def test_a_bad_supplement_changes_nothing(client, world):
    dossier = file_for(world, world["citizen"])
    request_supplement(world, dossier)
    client.login(username="congdan", password=PASSWORD)
    r = client.post(
        f"/ho-so-cua-toi/{dossier.code}/bo-sung/",
        {
            "files": [
                SimpleUploadedFile("ok.pdf", PDF_BYTES),
                SimpleUploadedFile("x.pdf", b"#!/bin/sh\nrm -rf /"),
            ]
        },
    )
    assert r.status_code == 422 and "tệp lệnh" in r.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == "supplement_requested" and dossier.documents.count() == 0
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/bo-sung/", {})
    assert r.status_code == 422 and "ít nhất một tệp" in r.content.decode()


def test_a_supplement_note_and_a_withdrawal_reason_are_named_as_the_page_names_them(client, world):
    """A note or a reason the service refused was named as the API names it ("Ghi chú (note) phải là văn bản…",
    "'reason' contains an invalid character"): the page names its own boxes, and nothing is changed."""
    dossier = file_for(world, world["citizen"])
    request_supplement(world, dossier)
    client.login(username="congdan", password=PASSWORD)
    for note, message in (
        ("x" * 1001, "Ghi chú dài tối đa 1000 ký tự (đã nhập 1001)."),
        ("Đã\u202e gửi", "Ghi chú"),
    ):
        r = client.post(
            f"/ho-so-cua-toi/{dossier.code}/bo-sung/",
            {"files": [SimpleUploadedFile("a.pdf", PDF_BYTES)], "note": note},
        )
        page = html.unescape(r.content.decode())
        assert r.status_code == 422 and message in page and "(note)" not in page and "'note'" not in page, (
            note
        )
    dossier.refresh_from_db()
    assert dossier.state == "supplement_requested" and dossier.documents.count() == 0
    other = file_for(world, world["citizen"])
    r = client.post(f"/ho-so-cua-toi/{other.code}/rut-ho-so/", {"reason": "Nộp\u202e nhầm", "confirm": "1"})
    page = html.unescape(r.content.decode())
    assert r.status_code == 422 and "Lý do rút hồ sơ" in page and "'reason'" not in page
    client.cookies["django_language"] = "en"
    r = client.post(f"/ho-so-cua-toi/{other.code}/rut-ho-so/", {"reason": "Nộp\u202e nhầm", "confirm": "1"})
    assert "The reason for withdrawing" in html.unescape(r.content.decode())


def test_supplement_only_when_requested(client, world):
    dossier = file_for(world, world["citizen"])
    client.login(username="congdan", password=PASSWORD)
    r = client.post(
        f"/ho-so-cua-toi/{dossier.code}/bo-sung/", {"files": [SimpleUploadedFile("a.pdf", PDF_BYTES)]}
    )
    assert r.status_code == 409 and dossier.documents.count() == 0


def test_applicant_requests_withdrawal(client, world):
    dossier = file_for(world, world["citizen"])
    client.login(username="congdan", password=PASSWORD)
    assert "Yêu cầu rút hồ sơ" in client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", {"reason": "Nộp nhầm thủ tục"})
    assert r.status_code == 422 and "xác nhận" in r.content.decode()
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", {"reason": "", "confirm": "1"})
    assert r.status_code == 422
    dossier.refresh_from_db()
    assert dossier.state == "submitted"
    r = client.post(
        f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", {"reason": "Nộp nhầm thủ tục", "confirm": "1"}
    )
    assert r.status_code == 302
    dossier.refresh_from_db()
    event = dossier.events.order_by("-seq").first()
    assert (dossier.state, event.action, event.reason) == (
        "withdrawal_requested",
        "request_withdrawal",
        "Nộp nhầm thủ tục",
    )
    assert "Gửi yêu cầu rút hồ sơ" not in client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    client.logout()
    client.login(username="congdan2", password=PASSWORD)
    assert (
        client.post(f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", {"reason": "x", "confirm": "1"}).status_code
        == 404
    )


# --- refused actions say why --------------------------------------------------------------------------------


def _text(r) -> str:
    return " ".join(html.unescape(r.content.decode()).split())


def test_withdrawing_a_resolved_dossier_is_refused_with_its_reason(client, world):
    dossier = act(
        world,
        act(world, file_for(world, world["citizen"]), "receive"),
        "resolve",
        who="leader",
        outcome="approved",
    )
    assert dossier.state == "resolved"
    client.login(username="congdan", password=PASSWORD)
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", {"reason": "Không cần nữa", "confirm": "1"})
    page = _text(r)
    assert r.status_code == 409
    assert "Không thực hiện được yêu cầu" in page
    assert "Hồ sơ đang ở trạng thái 'Đã xử lý xong': không thể thực hiện" in page
    assert "Hồ sơ không bị thay đổi." in page
    dossier.refresh_from_db()
    assert dossier.state == "resolved"


def test_a_supplement_sent_after_the_officer_moved_on_names_the_files_not_attached(client, world):
    dossier = file_for(world, world["citizen"])
    request_supplement(world, dossier)
    client.login(username="congdan", password=PASSWORD)
    client.get(f"/ho-so-cua-toi/{dossier.code}/")  # the citizen opens the page …
    act(
        world, dossier, "request_withdrawal", who="officer", reason="Công dân gọi điện xin rút"
    )  # … it moves on
    r = client.post(
        f"/ho-so-cua-toi/{dossier.code}/bo-sung/",
        {"files": [SimpleUploadedFile("bien-ban-hop.pdf", PDF_BYTES)], "note": "Bổ sung biên bản"},
    )
    page = _text(r)
    assert r.status_code == 409
    assert "Hồ sơ không ở trạng thái yêu cầu bổ sung." in page
    assert "Các tệp sau chưa được đính kèm vào hồ sơ" in page and "bien-ban-hop.pdf" in page
    assert dossier.documents.count() == 0


def test_a_bad_supplement_keeps_the_note_and_names_the_files(client, world):
    dossier = file_for(world, world["citizen"])
    request_supplement(world, dossier)
    client.login(username="congdan", password=PASSWORD)
    r = client.post(
        f"/ho-so-cua-toi/{dossier.code}/bo-sung/",
        {"files": [SimpleUploadedFile("x.pdf", b"#!/bin/sh\n")], "note": "Ghi chú của tôi"},
    )
    page = _text(r)
    assert r.status_code == 422 and "Ghi chú của tôi</textarea>" in page
    assert "Các tệp sau chưa được đính kèm vào hồ sơ" in page and "x.pdf" in page


def test_pressing_pay_when_nothing_is_due_says_so(client, world):
    dossier = file_for(world, world["citizen"])
    client.login(username="congdan", password=PASSWORD)
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/")
    assert r.status_code == 409 and "Hồ sơ không có khoản phí cần thanh toán." in _text(r)


def test_a_refused_withdrawal_keeps_the_reason_and_an_overlong_one_is_refused_not_cut(client, world):
    dossier = file_for(world, world["citizen"])
    client.login(username="congdan", password=PASSWORD)
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", {"reason": "Nộp nhầm thủ tục"})
    assert r.status_code == 422 and "Nộp nhầm thủ tục</textarea>" in _text(r)
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", {"reason": "x" * 2001, "confirm": "1"})
    assert r.status_code == 422 and "tối đa 2000 ký tự" in _text(r)
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", {"reason": "   ", "confirm": "1"})
    assert r.status_code == 422 and "Vui lòng nêu lý do rút hồ sơ." in _text(r)
    dossier.refresh_from_db()
    assert dossier.state == "submitted"


def test_refusals_on_the_dossier_page_in_english(client, world):
    dossier = file_for(world, world["citizen"])
    client.login(username="congdan", password=PASSWORD)
    client.cookies["django_language"] = "en"
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/thanh-toan/")
    page = _text(r)
    assert "Nothing to pay on this dossier." in page and "không có khoản phí" not in page
    assert f'alt="QR code to track dossier {dossier.code}"' in page and "Mã QR" not in page
    assert "The request was not carried out" in page and "The dossier was not changed." in page
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", {"reason": "x"})
    assert "Tick the box to confirm the withdrawal." in _text(r)
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", {"reason": "Nộp nhầm", "confirm": "1"})
    page = _text(client.get(r["Location"]))
    assert "Withdrawal requested." in page and "Đã gửi yêu cầu rút hồ sơ" not in page


def _words(r) -> str:
    """The page's text without its tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(r.content.decode())).split())


def test_the_dossier_page_says_how_the_result_was_handed_over(client, world):
    """The page kept saying "Nhận kết quả: Qua dịch vụ bưu chính" (the way chosen at filing) after the result was
    sent electronically, the timeline said only "Trả kết quả", and the applicant's note with a supplement and the
    post's tracking number were not shown to the applicant."""
    dossier = file_for(world, world["citizen"])
    Dossier.objects.filter(pk=dossier.pk).update(result_method="post")
    request_supplement(world, dossier)
    dossiers.dossier_act(
        code=dossier.code,
        action="supplement",
        actor=world["citizen"],
        params={"note": "Đã nộp bản sao biên bản họp"},
    )
    act(world, dossier, "resolve", who="leader", outcome="approved")
    client.login(username="congdan", password=PASSWORD)
    before = _words(client.get(f"/ho-so-cua-toi/{dossier.code}/"))
    assert "Nhận kết quả Qua dịch vụ bưu chính" in before
    assert "Ghi chú: Đã nộp bản sao biên bản họp" in before
    act(world, dossier, "return_result", method="post", tracking_number="EE123456789VN")
    page = _words(client.get(f"/ho-so-cua-toi/{dossier.code}/"))
    assert "Hình thức nhận kết quả: Qua dịch vụ bưu chính — Số vận đơn: EE123456789VN" in page

    other = act(
        world,
        act(world, file_for(world, world["citizen"]), "receive"),
        "resolve",
        who="leader",
        outcome="approved",
    )
    Dossier.objects.filter(pk=other.pk).update(result_method="post")
    add_result(world, other)
    act(world, other, "return_result", method="electronic")
    page = _words(client.get(f"/ho-so-cua-toi/{other.code}/"))
    assert "Nhận kết quả Trực tuyến (kết quả điện tử)" in page and "Qua dịch vụ bưu chính" not in page
    assert "Hình thức nhận kết quả: Trực tuyến (kết quả điện tử)" in page


def test_the_dossier_page_shows_the_results_number_and_when_it_was_returned(client, world):
    """Resolved then returned: the citizen's page said neither the result's number (số, ký hiệu văn bản) nor
    when the result was handed over; both are shown beside the dates, with the post's number."""
    dossier = act(world, file_for(world, world["citizen"]), "receive")
    act(world, dossier, "resolve", who="leader", outcome="approved", result_number="0125/GCN-HKD")
    client.login(username="congdan", password=PASSWORD)
    page = _words(client.get(f"/ho-so-cua-toi/{dossier.code}/"))
    assert "Số văn bản kết quả 0125/GCN-HKD" in page and "Ngày trả kết quả" not in page
    act(world, dossier, "return_result", method="post", tracking_number="EE123456789VN")
    dossier.refresh_from_db()
    page = _words(client.get(f"/ho-so-cua-toi/{dossier.code}/"))
    returned = timezone.localtime(dossier.returned_at)
    shown = page[page.index("Ngày trả kết quả") :].split(" Người yêu cầu")[0]
    assert f"{returned:%d/%m/%Y}" in shown and f"{returned:%H:%M}" in shown
    assert shown.endswith("— Số vận đơn: EE123456789VN")


def test_the_supplement_form_says_the_largest_file(client, world):
    dossier = file_for(world, world["citizen"])
    request_supplement(world, dossier)
    client.login(username="congdan", password=PASSWORD)
    page = client.get(f"/ho-so-cua-toi/{dossier.code}/").content.decode()
    assert "Mỗi tệp tối đa 20 MB." in page and 'aria-describedby="sup-files-help"' in page


def test_an_action_address_opened_after_signing_in_again_goes_back_to_the_dossier(client, world):
    """The citizen's session ended as they sent the withdrawal (or a supplement, or a payment): the sign-in page sends
    them back to the form's address, as a GET. They land on their dossier, told nothing was done — not on a blank
    405 page; another method is still refused; nothing changes."""
    dossier = file_for(world, world["citizen"])
    base = f"/ho-so-cua-toi/{dossier.code}"
    anonymous = client.get(f"{base}/rut-ho-so/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    client.login(username="congdan", password=PASSWORD)
    for action in ("rut-ho-so", "bo-sung", "thanh-toan"):
        r = client.get(f"{base}/{action}/", follow=True)
        assert r.redirect_chain == [(f"{base}/", 302)], action
        assert "Chưa thực hiện: thông tin chưa được gửi" in r.content.decode()
        assert client.put(f"{base}/{action}/").status_code == 405
    dossier.refresh_from_db()
    assert dossier.state == "submitted" and dossier.events.count() == 1


def _import_lower_case_dossier(tmp_path, code: str = "hcm.q1-2019-000123") -> Dossier:
    """An imported dossier whose code the previous system wrote in lower case: kept as it came (contract §8)."""
    import json

    from motcua.dossiers import migration_io

    record = {
        "code": code,
        "procedure": "1.001612",
        "agency": "000.00.21.H26",
        "channel": "counter",
        "applicant": {"kind": "individual", "name": SECRET["name"], "id_number": SECRET["id_number"]},
        "events": [
            {"action": "register", "at": "2019-03-04T09:00:00+07:00"},
            {"action": "receive", "at": "2019-03-04T09:10:00+07:00"},
        ],
    }
    path = tmp_path / "history.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    report = migration_io.import_dossiers(str(path))
    assert report.ok, [str(p) for p in report.problems]
    return Dossier.objects.get(code=code)


def test_lookup_finds_an_imported_code_kept_in_lower_case(client, world, tmp_path, settings):
    """The page upper-cased every code, so an imported dossier kept in lower case was "not found" there while the
    status API found it: it now tries the code as typed, then upper-cased (core.text.code_forms), masked and
    counted as before."""
    dossier = _import_lower_case_dossier(tmp_path)
    r = client.get("/tra-cuu/", {"ma": " hcm.q1 - 2019 - 000123 "})
    page = r.content.decode()
    assert r.status_code == 200, page
    assert "Được tiếp nhận" in page and dossier.code in page
    assert r.context["query"] == dossier.code
    assert_no_personal_data(page)
    assert "*********234" in page
    # the status API agrees
    assert client.get(f"/api/v1/dossiers/{dossier.code}/status").status_code == 200
    # its QR is drawn like any other code's
    assert client.get(f"/tra-cuu/qr/{dossier.code}.svg").status_code == 200
    # typed in upper case it is another code: not found, as the API says
    r = client.get("/tra-cuu/", {"ma": dossier.code.upper()})
    assert r.status_code == 404
    assert client.get(f"/api/v1/dossiers/{dossier.code.upper()}/status").status_code == 404
    # words are still not a code, and each lookup still counts against the limit
    assert client.get("/tra-cuu/", {"ma": "hồ sơ của tôi"}).status_code == 400
    settings.LOOKUP_RATE_LIMIT = 1
    client.get("/tra-cuu/", {"ma": dossier.code}, REMOTE_ADDR="203.0.113.9")
    assert client.get("/tra-cuu/", {"ma": dossier.code}, REMOTE_ADDR="203.0.113.9").status_code == 429


def test_a_code_both_as_typed_and_upper_cased_finds_the_one_typed(client, world, tmp_path):
    """Two imported codes differing only in case are two dossiers: the one typed exactly is shown."""
    lower = _import_lower_case_dossier(tmp_path)
    upper = Dossier.objects.get(pk=lower.pk)
    upper.pk = None
    upper.code = lower.code.upper()
    upper.save()
    assert client.get("/tra-cuu/", {"ma": lower.code}).context["query"] == lower.code
    assert client.get("/tra-cuu/", {"ma": lower.code.upper()}).context["query"] == lower.code.upper()


def test_lookup_finds_an_imported_code_with_slashes_or_underscores(client, world, tmp_path):
    """Previous systems numbered dossiers "123/2019/HS" or "HS_2019_0012"; the import keeps such codes (contract §8)
    and the status API found them, but the page refused them as malformed (400); their QR is drawn too."""
    for code in ("123/2019/HS", "HS_2019_0012"):
        dossier = _import_lower_case_dossier(tmp_path, code)
        r = client.get("/tra-cuu/", {"ma": code.replace("/", " / ")})
        assert r.status_code == 200 and r.context["query"] == dossier.code, code
        assert_no_personal_data(r.content.decode())
        svg = client.get(f"/tra-cuu/qr/{dossier.code}.svg")
        assert svg.status_code == 200, code
    assert client.get("/tra-cuu/", {"ma": "<script>"}).status_code == 400


def test_date_and_time_are_written_in_one_order_on_every_page(client, world):
    """The citizen's pages wrote "08:20 28/11/2026", the staff pages and the forms' tables "28/11/2026 08:20": every
    page now writes the date first (SHORT_DATETIME_FORMAT), through the one filter or format; no template writes
    the time first."""
    import pathlib

    from motcua.portal.templatetags.portal_tags import vn_datetime

    at = dt.datetime(2026, 11, 28, 1, 20, tzinfo=dt.UTC)  # 08:20 in Hà Nội
    assert (
        vn_datetime(at) == "28/11/2026 08:20"
        and vn_datetime("2026-11-28T08:20:00+07:00") == "28/11/2026 08:20"
    )
    dossier = act(world, file_for(world, world["citizen"]), "receive")
    client.login(username="congdan", password=PASSWORD)
    page = _words(client.get(f"/ho-so-cua-toi/{dossier.code}/"))
    received = timezone.localtime(dossier.received_at)
    assert f"Ngày tiếp nhận {received:%d/%m/%Y %H:%M}" in page
    root = pathlib.Path(__file__).resolve().parents[2]
    time_first = [
        str(p.relative_to(root))
        for p in root.glob("**/templates/**/*.html")
        if re.search(r"date:\s*\"H:i[^\"]*d/m", p.read_text(encoding="utf-8"))
    ]
    assert time_first == []


def test_a_withdrawal_lists_every_problem_at_once(client, world):
    """A reason missing (or too long) and the box not ticked: both said in one sending, not one after the other."""
    dossier = file_for(world, world["citizen"])
    client.login(username="congdan", password=PASSWORD)
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", {"reason": ""})
    page = _text(r)
    assert r.status_code == 422
    assert "Vui lòng nêu lý do rút hồ sơ." in page and "Vui lòng đánh dấu xác nhận rút hồ sơ." in page
    r = client.post(f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", {"reason": "x" * 2001})
    page = _text(r)
    assert "tối đa 2000 ký tự" in page and "Vui lòng đánh dấu xác nhận rút hồ sơ." in page
    client.cookies["django_language"] = "en"
    page = _text(client.post(f"/ho-so-cua-toi/{dossier.code}/rut-ho-so/", {}))
    assert "Give the reason for withdrawing." in page and "Tick the box to confirm the withdrawal." in page
    dossier.refresh_from_db()
    assert dossier.state == "submitted"
