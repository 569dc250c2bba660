import html
import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.dossiers.models import Dossier, DossierDocument
from motcua.notifications.tests.factories import PASSWORD, PDF_BYTES
from motcua.portal.models import Draft, DraftFile

from .helpers import CODE, EFORM, WHO, pdf, sha, url, walk_wizard


@pytest.fixture
def citizen(client, world):
    assert client.login(username="congdan", password=PASSWORD)
    return world["citizen"]


def test_anonymous_is_sent_to_login(client, world):
    r = client.get(url())
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=/nop-ho-so/")


def test_full_filing_creates_the_online_dossier_with_the_exact_files(
    client, world, citizen, django_capture_on_commit_callbacks
):
    walk_wizard(client, world, files=pdf(extra=b"% signed page 1\n"))
    r = client.get(url("xem-lai"))
    assert r.status_code == 200
    page = r.content.decode()
    assert "Tạp hoá Bình An" in page and "giay-de-nghi.pdf" in page and "Hồ sơ chưa đầy đủ" not in page
    draft_blob = DraftFile.objects.get().file.name
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url("xem-lai"), {"submit": "1"})
    dossier = Dossier.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/ho-so-cua-toi/{dossier.code}/"
    assert not default_storage.exists(draft_blob)  # the draft copy is dropped once the dossier holds the file
    assert dossier.code.startswith("000.00.21.H26-")
    assert (dossier.channel, dossier.state, dossier.applicant_user, dossier.filed_by) == (
        "online",
        "submitted",
        citizen,
        citizen,
    )
    assert dossier.applicant_phone == "0912345678"  # +84 form normalised
    assert dossier.applicant_id_number == "001203012345" and dossier.result_method == "electronic"
    assert dossier.form_data == {
        "ten_ho_kinh_doanh": "Tạp hoá Bình An",
        "von_kinh_doanh": "50000000",
        "ngay_bat_dau": "2026-12-01",
        "nganh_nghe": "Bán lẻ",
        "ghi_chu": "",
    }
    (doc,) = DossierDocument.objects.all()
    expected = PDF_BYTES + b"% signed page 1\n"
    assert (doc.kind, doc.component, doc.name, doc.sha256) == (
        "component",
        world["components"][0],
        "giay-de-nghi.pdf",
        sha(expected),
    )
    with doc.file.open("rb") as fh:
        assert fh.read() == expected  # nothing the citizen uploaded is altered
    draft = Draft.objects.get()
    assert draft.dossier == dossier and draft.submitted_at is not None
    submit = dossier.events.get()
    assert submit.action == "submit" and submit.file_hashes == [sha(expected)]


def test_submitting_twice_files_one_dossier(client, world, citizen):
    walk_wizard(client, world)
    first = client.post(url("xem-lai"), {"submit": "1"})
    draft = Draft.objects.get()
    from motcua.portal import services

    again = services.draft_submit(draft_id=draft.pk, user=citizen)
    assert Dossier.objects.count() == 1 and again.code in first["Location"]
    assert DossierDocument.objects.count() == 1


def test_draft_is_saved_and_resumed_after_signing_out(client, world, citizen):
    data = {**WHO, "applicant_address": "Số 1 Tràng Tiền", "save_exit": "1"}
    data.pop("next")
    r = client.post(url("nguoi-nop"), data)
    assert r.status_code == 302 and r["Location"] == "/ho-so-cua-toi/"
    c1 = world["components"][0]
    client.post(url("thanh-phan"), {f"file_{c1.pk}": pdf("trang-1.pdf"), "save_exit": "1"})
    client.logout()
    assert client.login(username="congdan", password=PASSWORD)
    listing = client.get("/ho-so-cua-toi/").content.decode()
    assert "Hồ sơ đang soạn" in listing and "Đăng ký thành lập hộ kinh doanh" in listing
    r = client.get(url())
    assert r["Location"] == url("thanh-phan")  # resumes where the citizen left
    page = client.get(url("nguoi-nop")).content.decode()
    assert 'value="Số 1 Tràng Tiền"' in page
    page = client.get(url("thanh-phan")).content.decode()
    assert "trang-1.pdf" in page
    f = DraftFile.objects.get()
    assert f.sha256 == sha(PDF_BYTES) and default_storage.exists(f.file.name)


def test_bad_uploads_are_refused_and_nothing_is_kept(client, world, citizen):
    client.post(url("nguoi-nop"), WHO)
    c1 = world["components"][0]
    exe = SimpleUploadedFile("giay-de-nghi.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    r = client.post(url("thanh-phan"), {f"file_{c1.pk}": exe, "next": "1"})
    assert r.status_code == 422
    assert "tệp chạy Windows" in r.content.decode()
    # the file named in typographic quotes, as the page's other text, not 'giay-de-nghi.pdf'
    assert "Tệp “giay-de-nghi.pdf”: " in r.content.decode()
    assert DraftFile.objects.count() == 0
    r = client.post(url("thanh-phan"), {"next": "1"})
    assert r.status_code == 400 and "Chưa tải lên: Giấy đề nghị đăng ký hộ kinh doanh" in r.content.decode()


def test_removing_and_reuploading_a_file(client, world, citizen, django_capture_on_commit_callbacks):
    client.post(url("nguoi-nop"), WHO)
    c1 = world["components"][0]
    client.post(url("thanh-phan"), {f"file_{c1.pk}": pdf("a.pdf"), "upload": "1"})
    client.post(url("thanh-phan"), {f"file_{c1.pk}": pdf("a-again.pdf"), "upload": "1"})  # same bytes
    assert DraftFile.objects.count() == 1
    f = DraftFile.objects.get()
    name = f.file.name
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(url("thanh-phan"), {"remove": str(f.pk)})
    assert r.status_code == 302 and DraftFile.objects.count() == 0
    assert not default_storage.exists(name)


def test_invalid_applicant_and_eform_are_refused_with_vietnamese_messages(client, world, citizen):
    bad = {**WHO, "applicant_id_number": "999203012345", "applicant_phone": "0212345678"}
    r = client.post(url("nguoi-nop"), bad)
    page = r.content.decode()
    assert r.status_code == 400
    assert "mã tỉnh nơi đăng ký khai sinh &#x27;999&#x27; không tồn tại" in page
    assert "03, 05, 07, 08 hoặc 09" in page and 'aria-invalid="true"' in page
    assert Draft.objects.get().data["applicant_id_number"] == ""  # nothing invalid was stored
    r = client.post(url("to-khai"), {**EFORM, "von_kinh_doanh": "nhiều", "nganh_nghe": "Khác lạ"})
    page = r.content.decode()
    assert r.status_code == 400 and "Vui lòng nhập một số, ví dụ 100.000.000 hoặc 2,5." in page
    assert "Lựa chọn không hợp lệ." in page and 'value="nhiều"' in page  # kept as typed
    r = client.post(url("to-khai"), {**EFORM, "von_kinh_doanh": "-5"})  # an amount is never negative
    assert r.status_code == 400 and "Giá trị phải từ 0 trở lên." in r.content.decode()
    assert "von_kinh_doanh" not in Draft.objects.get().data.get("form", {})


def test_review_refuses_an_incomplete_filing(client, world, citizen):
    client.post(url("nguoi-nop"), WHO)
    page = client.get(url("xem-lai")).content.decode()
    assert "Chưa tải lên: Giấy đề nghị đăng ký hộ kinh doanh" in page
    assert "Tờ khai điện tử chưa đầy đủ" in page
    r = client.post(url("xem-lai"), {"submit": "1"})
    assert r.status_code == 422 and Dossier.objects.count() == 0


def test_filing_on_behalf_needs_the_authorisation_document(client, world, citizen):
    who = {
        **WHO,
        "who": "behalf",
        "applicant_kind": "organization",
        "applicant_name": "Công ty TNHH Bình An",
        "applicant_id_number": "0100233488",
        "rep_name": "Trần Thị Bình",
        "rep_id_number": "001303012345",
        "rep_phone": "0987654321",
    }
    r = client.post(url("nguoi-nop"), who)
    assert r.status_code == 302
    c1 = world["components"][0]
    r = client.post(url("thanh-phan"), {f"file_{c1.pk}": pdf(), "next": "1"})
    assert r.status_code == 400 and "Chưa tải lên văn bản ủy quyền" in r.content.decode()
    r = client.post(url("thanh-phan"), {"file_auth": pdf("uy-quyen.pdf", b"%auth\n"), "next": "1"})
    assert r.status_code == 302
    client.post(url("to-khai"), EFORM)
    r = client.post(url("nhan-ket-qua"), {"next": "1"})  # nothing chosen: asked to choose, not to type
    assert r.status_code == 400 and "Vui lòng chọn một mục." in r.content.decode()
    client.post(url("nhan-ket-qua"), {"result_method": "post", "result_address": "", "next": "1"})
    assert Draft.objects.get().data.get("result_method") is None  # post needs an address: refused
    # an address typed too long: its length is what is wrong, not "enter an address"
    long = client.post(
        url("nhan-ket-qua"), {"result_method": "post", "result_address": "Phố Huế " * 80, "next": "1"}
    )
    assert (
        long.status_code == 400
        and "Vui lòng nhập địa chỉ nhận kết quả qua bưu chính." not in long.content.decode()
    )
    client.post(url("nhan-ket-qua"), {"result_method": "post", "result_address": "12 Phố Huế", "next": "1"})
    client.post(url("xem-lai"), {"submit": "1"})
    dossier = Dossier.objects.get()
    assert dossier.applicant_kind == "organization" and dossier.applicant_id_number == "0100233488"
    assert dossier.representative == {
        "name": "Trần Thị Bình",
        "id_number": "001303012345",
        "phone": "0987654321",
        # the receipt writes "văn bản ủy quyền: <this>": it said "văn bản ủy quyền: Văn bản ủy quyền: tệp nộp kèm…"
        "authorisation_document": "tệp uy-quyen.pdf, nộp kèm hồ sơ trực tuyến",
    }
    assert dossier.form_data["dia_chi_nhan_ket_qua"] == "12 Phố Huế"
    assert sorted(dossier.documents.values_list("kind", flat=True)) == ["authorisation", "component"]
    # once received, the receipt (Form 01) names the authorisation document, not a bare file name
    from motcua.dossiers import pdf as forms
    from motcua.dossiers import services

    services.dossier_act(code=dossier.code, action="receive", actor=world["officer"], params={})
    listed = {(c["name"], c["file"]) for c in forms.receipt_context(dossier)["components"]}
    assert ("Văn bản ủy quyền", "uy-quyen.pdf") in listed


def test_filing_on_behalf_puts_the_account_holder_as_representative_not_as_applicant(client, world, citizen):
    """The first step is pre-filled from the account. Filing on behalf, the account holder is the representative:
    their details are pre-filled there too, and left in the applicant's fields they are refused, not filed as
    the principal's."""
    from motcua.portal.services import profile_update

    profile_update(
        user=citizen,
        full_name="Nguyễn Văn An",
        phone="0912345678",
        id_number="001203012345",
        address="Phố Huế",
    )
    client.post(url())  # "Bắt đầu nộp hồ sơ" on the start page
    data = Draft.objects.get().data
    assert (data["rep_name"], data["rep_id_number"], data["rep_phone"]) == (
        "Nguyễn Văn An",
        "001203012345",
        "0912345678",
    )
    mine = {
        **WHO,
        "who": "behalf",
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "001203012345",
        "rep_name": "Nguyễn Văn An",
        "rep_id_number": "001203012345",
        "rep_phone": "0912345678",
    }
    r = client.post(url("nguoi-nop"), mine)
    assert r.status_code == 400 and "không phải của bạn" in html.unescape(r.content.decode())
    assert Draft.objects.get().data.get("who") == "self"  # nothing saved
    principal = {**mine, "applicant_name": "Trần Thị Bình", "applicant_id_number": "001303012345"}
    assert client.post(url("nguoi-nop"), principal).status_code == 302


def test_procedures_not_online_or_unknown(client, world, citizen):
    world["version"].online_level = "none"
    world["version"].save()
    r = client.get(url())
    assert r.status_code == 422 and "chưa được cung cấp trực tuyến" in r.content.decode()
    assert client.get("/nop-ho-so/9.999999/").status_code == 404
    assert client.get(f"/nop-ho-so/{CODE}/buoc-la/").status_code == 404


def test_files_of_another_citizens_draft_are_not_served(client, world, citizen):
    client.post(url("nguoi-nop"), WHO)
    client.post(url("thanh-phan"), {f"file_{world['components'][0].pk}": pdf(), "upload": "1"})
    f = DraftFile.objects.get()
    r = client.get(f"/nop-ho-so/tep/{f.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF_BYTES
    client.logout()
    client.login(username="congdan2", password=PASSWORD)
    assert client.get(f"/nop-ho-so/tep/{f.pk}/").status_code == 404
    assert client.post(f"/nop-ho-so/nhap/{f.draft_id}/xoa/").status_code == 404


def test_a_business_files_for_itself_as_an_organisation(client, world):
    client.login(username="congdan", password=PASSWORD)
    client.get(url())
    who = {
        **WHO,
        "who": "self",
        "applicant_kind": "organization",
        "applicant_name": "Công ty TNHH Bình An",
        "applicant_id_number": "0100109106",
    }
    walk_wizard(client, world, who=who)
    r = client.post(url("xem-lai"), {"submit": "1"})
    assert r.status_code == 302, r.content.decode()[-2000:]
    dossier = Dossier.objects.get()
    assert (dossier.applicant_kind, dossier.applicant_id_number, dossier.applicant_name) == (
        "organization",
        "0100109106",
        "Công ty TNHH Bình An",
    )
    assert not dossier.representative


def test_an_individual_still_needs_a_personal_id(client, world):
    client.login(username="congdan", password=PASSWORD)
    client.get(url())
    r = client.post(
        url("nguoi-nop"), {**WHO, "applicant_kind": "individual", "applicant_id_number": "0100109106"}
    )
    page = html.unescape(r.content.decode())
    # a business's tax code with "Cá nhân" left chosen is told which choice takes it
    assert (
        r.status_code == 400
        and "Đây là mã số thuế của tổ chức, doanh nghiệp: hãy chọn “Tổ chức, doanh nghiệp”" in page
    )
    r = client.post(
        url("nguoi-nop"), {**WHO, "applicant_kind": "individual", "applicant_id_number": "0100109107"}
    )
    page = html.unescape(r.content.decode())  # not a valid tax code either: the personal ID's own message
    assert r.status_code == 400 and "Số định danh cá nhân phải gồm đúng 12 chữ số." in page
    assert "Đây là mã số thuế" not in page
    # the choice made is kept on the page
    r = client.post(url("nguoi-nop"), {**WHO, "applicant_kind": "organization", "applicant_id_number": "12"})
    assert r.status_code == 400 and "Mã số thuế / mã số doanh nghiệp không hợp lệ" in r.content.decode()
    assert (
        'value="organization" checked' in r.content.decode()
        or 'value="organization" selected' in r.content.decode()
    )


def _en(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_wizard_in_english_says_everything_in_english(client, world):
    client.login(username="congdan", password=PASSWORD)
    _en(client).get(url())
    r = client.post(
        url("nguoi-nop"),
        {**WHO, "applicant_id_number": "12345", "applicant_phone": "0123", "applicant_email": ""},
    )
    page = html.unescape(r.content.decode())
    assert r.status_code == 400
    assert "The personal identification number must be exactly 12 digits." in page
    assert "Invalid mobile number" in page
    assert "12 chữ số" not in page and "không hợp lệ" not in page
    r = client.post(url("nguoi-nop"), {**WHO, "who": "behalf", "rep_name": "", "rep_id_number": ""})
    page = html.unescape(r.content.decode())
    assert "Enter the authorised representative's full name." in page
    assert "Vui lòng nhập" not in page
    page = html.unescape(client.get(url("thanh-phan")).content.decode())
    c1 = world["components"][0]
    assert f"Choose files for “{c1.name}”" in page and "Chọn tệp" not in page
    review = html.unescape(client.get(url("xem-lai")).content.decode())
    assert f"Not uploaded yet: {c1.name}" in review
    assert (
        "The e-form is incomplete or invalid" in review
        and "No way of receiving the result chosen yet" in review
    )
    assert "Not chosen" in review
    for vietnamese in ("Chưa tải lên", "Tờ khai điện tử chưa", "Chưa chọn"):
        assert vietnamese not in review
    r = client.post(url("xem-lai"), {"submit": "1"})
    page = html.unescape(r.content.decode())
    assert (
        r.status_code == 422
        and "The filing is incomplete: " in page
        and f"Not uploaded yet: {c1.name}" in page
    )
    assert "Hồ sơ chưa đầy đủ:" not in page
    assert not Dossier.objects.exists()


def test_the_incomplete_filing_message_in_vietnamese(client, world):
    client.login(username="congdan", password=PASSWORD)
    client.get(url())
    r = client.post(url("xem-lai"), {"submit": "1"})
    page = html.unescape(r.content.decode())
    c1 = world["components"][0]
    assert r.status_code == 422 and "Hồ sơ chưa đầy đủ: " in page and f"; Chưa tải lên: {c1.name}" in page


def test_the_eform_takes_numbers_written_the_vietnamese_way(client, world):
    client.login(username="congdan", password=PASSWORD)
    client.get(url())
    r = client.post(url("to-khai"), {**EFORM, "von_kinh_doanh": "100.000.000"})
    assert r.status_code == 302
    assert Draft.objects.get().data["form"]["von_kinh_doanh"] == "100000000"
    page = client.get(url("to-khai")).content.decode()
    assert 'value="100.000.000"' in page and 'type="text"' in page  # shown back the way it was written
    r = client.post(url("to-khai"), {**EFORM, "von_kinh_doanh": "2,5"})
    assert r.status_code == 302 and Draft.objects.get().data["form"]["von_kinh_doanh"] == "2.5"
    r = client.post(url("to-khai"), {**EFORM, "von_kinh_doanh": "1e3"})
    assert r.status_code == 400 and 'value="1e3"' in r.content.decode()
    assert Draft.objects.get().data["form"]["von_kinh_doanh"] == "2.5"  # the refused value changed nothing
    # "save and exit" keeps a number in plain notation, anything else as typed
    client.post(url("to-khai"), {**EFORM, "von_kinh_doanh": "1.125", "save_exit": "1"})
    assert Draft.objects.get().data["form"]["von_kinh_doanh"] == "1125"


def test_the_review_sent_again_after_filing_leads_to_the_dossier_and_creates_nothing(client, world, citizen):
    walk_wizard(client, world)
    page = client.get(url("xem-lai")).content.decode()
    draft = Draft.objects.get()
    assert f'name="draft" value="{draft.pk}"' in page  # the page names the draft it shows
    first = client.post(url("xem-lai"), {"submit": "1", "draft": draft.pk})
    dossier = Dossier.objects.get()
    assert first["Location"] == f"/ho-so-cua-toi/{dossier.code}/"
    # the back button, then "Nộp hồ sơ" again
    r = client.post(url("xem-lai"), {"submit": "1", "draft": draft.pk})
    assert r.status_code == 302 and r["Location"] == f"/ho-so-cua-toi/{dossier.code}/"
    assert Dossier.objects.count() == 1 and Draft.objects.count() == 1  # no stray empty draft
    page = client.get(r["Location"]).content.decode()
    assert f"Hồ sơ này đã được nộp (mã hồ sơ {dossier.code})" in page
    # an earlier step sent again from the browser's history: same
    r = client.post(url("nguoi-nop"), {**WHO, "draft": draft.pk})
    assert r["Location"] == f"/ho-so-cua-toi/{dossier.code}/" and Draft.objects.count() == 1
    # a new filing of the same procedure starts a new draft as before, from the start page's button
    assert client.get(url()).status_code == 200
    assert not Draft.objects.filter(submitted_at__isnull=True).exists()
    assert client.post(url())["Location"] == url("nguoi-nop")
    assert Draft.objects.filter(submitted_at__isnull=True).count() == 1


def test_deleting_a_draft_asks_first(client, world, citizen):
    client.post(url("nguoi-nop"), WHO)
    client.post(url("thanh-phan"), {f"file_{world['components'][0].pk}": pdf("to-khai.pdf"), "upload": "1"})
    draft = Draft.objects.get()
    listing = client.get("/ho-so-cua-toi/").content.decode()
    assert (
        f'href="/nop-ho-so/nhap/{draft.pk}/xoa/"' in listing
    )  # a link to a confirmation page, not a one-tap form
    page = client.get(f"/nop-ho-so/nhap/{draft.pk}/xoa/").content.decode()
    assert "Xóa hồ sơ nháp?" in page and "to-khai.pdf" in page and "Không, giữ lại bản nháp" in page
    assert Draft.objects.count() == 1
    r = client.post(f"/nop-ho-so/nhap/{draft.pk}/xoa/")  # an old one-tap form, without the confirmation
    assert r.status_code == 400 and Draft.objects.count() == 1 and DraftFile.objects.count() == 1
    r = client.post(f"/nop-ho-so/nhap/{draft.pk}/xoa/", {"confirm": "1"})
    assert r.status_code == 302 and r["Location"] == "/ho-so-cua-toi/"
    assert not Draft.objects.exists() and not DraftFile.objects.exists()
    assert client.get(f"/nop-ho-so/nhap/{draft.pk}/xoa/").status_code == 404


def test_the_review_shows_the_eform_as_the_dossier_pages_do(client, world, citizen):
    """The review showed the stored values: 50000000 for "50.000.000" đồng and 2026-12-01 for a date the citizen
    typed as 01/12/2026, unlike the dossier page after filing."""
    walk_wizard(client, world)
    page = client.get(url("xem-lai")).content.decode()
    assert "50.000.000" in page and "01/12/2026" in page
    assert "50000000" not in page and "2026-12-01" not in page
    _en(client)
    assert "50,000,000" in client.get(url("xem-lai")).content.decode()


def test_each_edit_link_of_the_review_says_what_it_edits(client, world, citizen):
    """Four links read "Sửa" alone to a screen reader's list of links: each now names its part (the visible word
    stays the start of the name, WCAG 2.5.3), in Vietnamese and in English."""
    import re

    walk_wizard(client, world)
    page = client.get(url("xem-lai")).content.decode()
    names = [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'<a class="edit-step"[^>]*>(.*?)</a>', page)]
    assert names == ["Sửa người nộp", "Sửa thành phần hồ sơ", "Sửa tờ khai", "Sửa cách nhận kết quả"]
    _en(client)
    page = client.get(url("xem-lai")).content.decode()
    names = [re.sub(r"<[^>]+>", "", m) for m in re.findall(r'<a class="edit-step"[^>]*>(.*?)</a>', page)]
    assert len(set(names)) == 4 and all(n.startswith("Edit ") for n in names), names


def test_the_review_says_how_long_the_agency_takes(client, world, citizen):
    """Before filing, the citizen reads the time limit at the agency chosen: its own registered cut when it has
    one (here 2 of the 3 legal days), else the procedure's."""
    from decimal import Decimal

    from motcua.catalog.models import Offering

    walk_wizard(client, world)
    page = client.get(url("xem-lai")).content.decode()
    assert "<dt>Thời hạn giải quyết</dt><dd>03 ngày, kể từ khi hồ sơ được tiếp nhận đầy đủ, hợp lệ" in page
    Offering.objects.update(registered_days=Decimal(2))
    page = client.get(url("xem-lai")).content.decode()
    assert "<dd>02 ngày (cắt giảm 01/03, 33,33%), kể từ khi hồ sơ được tiếp nhận đầy đủ, hợp lệ" in page


def test_the_largest_file_is_said_before_an_upload(client, world, citizen, settings):
    """The 20 MB limit was said only in the refusal, after a citizen on a phone had sent the whole scan."""
    settings.MOTCUA_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    client.post(url("nguoi-nop"), WHO)
    page = client.get(url("thanh-phan")).content.decode()
    assert "Mỗi tệp tối đa 5 MB." in page


def test_a_procedure_without_components_says_there_is_nothing_to_upload(client, world, citizen):
    # a catalogue imported without components (the reference catalogue gives none): the step neither lists
    # nothing under an upload button nor asks for files; it says so and goes on
    for component in world["components"]:
        component.delete()
    r = client.post(url("nguoi-nop"), WHO)
    assert r.status_code == 302 and r["Location"] == url("thanh-phan")
    page = client.get(url("thanh-phan")).content.decode()
    assert "chưa có danh sách thành phần hồ sơ trên hệ thống" in page
    assert 'name="upload"' not in page and "Chấp nhận tệp PDF" not in page
    r = client.post(url("thanh-phan"), {"next": "1"})
    assert r.status_code == 302 and r["Location"] == url("to-khai")


def test_filing_on_behalf_without_components_still_asks_for_the_authorisation(client, world, citizen):
    for component in world["components"]:
        component.delete()
    who = {
        **WHO,
        "who": "behalf",
        "applicant_kind": "organization",
        "applicant_name": "Công ty TNHH Bình An",
        "applicant_id_number": "0100233488",
        "rep_name": "Trần Thị Bình",
        "rep_id_number": "001303012345",
        "rep_phone": "0987654321",
    }
    r = client.post(url("nguoi-nop"), who)
    assert r.status_code == 302, r.content.decode()[-2000:]
    page = client.get(url("thanh-phan")).content.decode()
    assert 'name="file_auth"' in page and 'name="upload"' in page
    assert "chưa có danh sách thành phần hồ sơ" not in page


def test_the_steps_done_are_marked_by_more_than_their_colour(client, world, citizen):
    """The steps before the open one differed from those after it by their green border only (WCAG 1.4.1: not by
    colour alone): they carry a check mark, and a screen reader hears "đã xong" with their name."""
    client.post(url("nguoi-nop"), WHO)
    client.post(url("thanh-phan"), {f"file_{world['components'][0].pk}": pdf(), "next": "1"})
    page = client.get(url("to-khai")).content.decode()
    steps = re.search(r'<ol class="steps".*?</ol>', page, re.S).group(0)
    items = re.findall(r"<li[^>]*>(.*?)</li>", steps, re.S)
    assert len(items) == 5

    def said(item):  # the text of a step's link, as a screen reader reads it (without what is aria-hidden)
        item = re.sub(r'<span[^>]*aria-hidden="true"[^>]*>.*?</span>', "", item)
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", item)).split())

    for item in items[:2]:
        assert re.search(r'<span class="step-done" aria-hidden="true">✓</span>', item), item
        assert said(item).endswith("(đã xong)"), said(item)
    assert said(items[0]) == "1 Người nộp (đã xong)"
    for item in items[2:]:  # the open step and those after it
        assert "✓" not in item and "đã xong" not in item, item
    assert 'aria-current="step"' in items[2]

    # the review opened from the list, the e-form and the result's delivery not yet given: steps 3 and 4 are not done
    page = client.get(url("xem-lai")).content.decode()
    steps = re.search(r'<ol class="steps".*?</ol>', page, re.S).group(0)
    done = [said(item) for item in re.findall(r"<li[^>]*>(.*?)</li>", steps, re.S) if "đã xong" in item]
    assert done == ["1 Người nộp (đã xong)", "2 Thành phần hồ sơ (đã xong)"]


def test_going_back_keeps_what_the_step_holds(client, world, citizen):
    """ "← Quay lại" keeps what was typed on the step (unchecked, as "Lưu nháp và thoát") and shows the step before:
    it was a link, and a citizen going back to look at the files found the declaration's fields empty again."""
    walk_wizard(client, world)
    typed = {**EFORM, "ten_ho_kinh_doanh": "Tạp hoá Bình Minh", "von_kinh_doanh": "-5", "back": "1"}
    typed.pop("next")
    r = client.post(url("to-khai"), typed)
    assert r.status_code == 302 and r["Location"] == url("thanh-phan")
    page = client.get(url("to-khai")).content.decode()
    assert (
        'value="Tạp hoá Bình Minh"' in page and 'value="-5"' in page
    )  # kept as typed, checked on "Tiếp tục"
    r = client.post(
        url("nhan-ket-qua"), {"result_method": "post", "result_address": "Số 2 Hàng Bài", "back": "1"}
    )
    assert r.status_code == 302 and r["Location"] == url("to-khai")
    assert Draft.objects.get().data["result_address"] == "Số 2 Hàng Bài"
    r = client.post(url("thanh-phan"), {"back": "1"})
    assert r.status_code == 302 and r["Location"] == url("nguoi-nop")
    # the pages offer it as a button of the step's form, after "Tiếp tục" (Enter in a field still continues)
    page = client.get(url("to-khai")).content.decode()
    form = page[page.index('id="wizard-form"') :]
    buttons = re.findall(r'<button type="submit" name="(\w+)"', form)
    assert buttons[:2] == ["next", "back"]
    assert 'name="back"' in client.get(url("thanh-phan")).content.decode()


def test_the_step_list_keeps_what_the_step_holds(client, world, citizen):
    """The numbered steps at the top were links: going to another step from them dropped what was typed on the
    open one. They are buttons of the step's form now, keeping it in the draft as typed (unchecked, as "← Quay
    lại"); the default button (Enter in a field) is still "Tiếp tục"; the review page, which holds nothing typed
    and whose form files the dossier, keeps links."""
    walk_wizard(client, world)
    typed = {**EFORM, "ten_ho_kinh_doanh": "Tạp hoá Bình Minh", "von_kinh_doanh": "-5", "goto": "nguoi-nop"}
    typed.pop("next")
    r = client.post(url("to-khai"), typed)
    assert r.status_code == 302 and r["Location"] == url("nguoi-nop")
    page = client.get(url("to-khai")).content.decode()
    assert (
        'value="Tạp hoá Bình Minh"' in page and 'value="-5"' in page
    )  # kept as typed, checked on "Tiếp tục"
    r = client.post(
        url("nhan-ket-qua"), {"result_method": "post", "result_address": "Số 3 Tràng Tiền", "goto": "xem-lai"}
    )
    assert r.status_code == 302 and r["Location"] == url("xem-lai")
    assert Draft.objects.get().data["result_address"] == "Số 3 Tràng Tiền"
    r = client.post(url("thanh-phan"), {"goto": "no-such-step"})
    assert r.status_code == 302 and r["Location"] == url("thanh-phan")
    # the page: a hidden "Tiếp tục" first of all (a form's default button is its first submit button, even one
    # outside it), then one button per step, all of the step's form, the open one aria-current
    steps = re.search(r'<ol class="steps".*?</ol>', page, re.S).group(0)
    assert (
        len(
            re.findall(
                r'<button type="submit" form="wizard-form" name="goto" value="[\w-]+" formnovalidate', steps
            )
        )
        == 5
    )
    assert re.search(r'name="goto" value="to-khai" formnovalidate class="step" aria-current="step"', steps)
    first = re.search(r'<button type="submit" form="wizard-form"[^>]*>', page)
    assert first.start() < page.index('<ol class="steps"') and page.index('<ol class="steps"') < page.index(
        'id="wizard-form"'
    )
    assert (
        'name="next"' in first.group(0)
        and 'aria-hidden="true"' in first.group(0)
        and 'tabindex="-1"' in first.group(0)
    )
    review = client.get(url("xem-lai")).content.decode()
    steps = re.search(r'<ol class="steps".*?</ol>', review, re.S).group(0)
    assert "<button" not in steps and steps.count("<a href=") == 5
    # a step's button sent to the review page (an old tab) moves, and files nothing
    r = client.post(url("xem-lai"), {"goto": "to-khai"})
    assert r.status_code == 302 and r["Location"] == url("to-khai") and not Dossier.objects.exists()


def test_an_authorisation_letter_left_after_choosing_to_file_for_oneself_is_shown_and_not_filed(
    client, world, citizen
):
    """Filing on behalf, the letter uploaded, then "Cho chính tôi" chosen: the components step hid the letter (no
    way to remove it) while the review listed it and the filing attached a "Văn bản ủy quyền" to a dossier with no
    representative. The step shows it with its remove button and says to remove it; the filing waits until then."""
    behalf = {
        **WHO,
        "who": "behalf",
        "applicant_name": "Phạm Văn Bố",
        "applicant_id_number": "001060012345",
        "rep_name": "Trần Thị Bình",
        "rep_id_number": "001303012345",
        "rep_phone": "0987654321",
    }
    assert client.post(url("nguoi-nop"), behalf).status_code == 302
    c1 = world["components"][0]
    r = client.post(url("thanh-phan"), {f"file_{c1.pk}": pdf(), "file_auth": pdf("uy-quyen.pdf", b"%a\n")})
    assert r.status_code == 302
    letter = DraftFile.objects.get(kind="authorisation")
    client.post(url("to-khai"), EFORM)
    client.post(url("nhan-ket-qua"), {"result_method": "electronic", "next": "1"})
    assert client.post(url("nguoi-nop"), WHO).status_code == 302  # now for oneself
    message = "Bạn nộp hồ sơ cho chính mình: hãy xóa văn bản ủy quyền đã tải lên"
    r = client.post(url("thanh-phan"), {"next": "1"})
    page = r.content.decode()
    assert r.status_code == 400 and message in page
    assert "uy-quyen.pdf" in page and f'name="remove" value="{letter.pk}"' in page
    assert message in client.get(url("xem-lai")).content.decode()
    r = client.post(url("xem-lai"), {"submit": "1"})
    assert r.status_code == 422 and not Dossier.objects.exists()
    assert client.post(url("thanh-phan"), {"remove": str(letter.pk)}).status_code == 302
    assert message not in client.get(url("xem-lai")).content.decode()
    client.post(url("xem-lai"), {"submit": "1"})
    dossier = Dossier.objects.get()
    assert not dossier.representative
    assert list(dossier.documents.values_list("kind", flat=True)) == ["component"]


def test_a_contact_typed_wrong_is_not_also_called_missing(client, world, citizen):
    """A phone typed wrong was told it is invalid and also "Cần số điện thoại hoặc thư điện tử", as if none was
    typed; the second message is for a step with neither."""
    needed = "Cần số điện thoại hoặc thư điện tử để nhận thông báo về hồ sơ."
    r = client.post(url("nguoi-nop"), {**WHO, "applicant_phone": "0123", "applicant_email": ""})
    errors = r.context["form"].errors
    assert r.status_code == 400 and "không hợp lệ" in " ".join(errors["applicant_phone"])
    assert needed not in " ".join(errors["applicant_phone"])
    r = client.post(url("nguoi-nop"), {**WHO, "applicant_phone": "", "applicant_email": ""})
    assert r.status_code == 400 and needed in r.context["form"].errors["applicant_phone"]
    behalf = {**WHO, "who": "behalf", "applicant_id_number": "001060012345", "rep_name": "Trần Thị Bình"}
    r = client.post(url("nguoi-nop"), {**behalf, "rep_id_number": "001303012345", "rep_phone": "0123"})
    rep = " ".join(r.context["form"].errors["rep_phone"])
    assert "không hợp lệ" in rep and "Cần số điện thoại hoặc thư điện tử của người được ủy quyền" not in rep


def test_the_components_step_announces_its_errors_once(client, world, citizen):
    """The summary and each component's message both carried role="alert": a screen reader read every error twice.
    The summary is announced; the message by the file input describes it (aria-describedby, aria-invalid)."""
    client.post(url("nguoi-nop"), WHO)
    r = client.post(url("thanh-phan"), {"next": "1"})
    page = r.content.decode()
    c1 = world["components"][0]
    assert r.status_code == 400 and page.count('role="alert"') == 1
    assert 'class="error-summary" role="alert"' in page and f'href="#file_{c1.pk}"' in page
    assert f'<p class="errorlist" id="file_{c1.pk}-error">' in page
    assert f'aria-invalid="true" aria-describedby="file_{c1.pk}-error"' in page


def test_filing_for_myself_takes_my_own_id_number(client, world, citizen):
    """ "Cho chính tôi" took any name and ID number: an account filed in another person's name with no
    representative and no authorisation recorded. When the account's profile has a personal ID, filing for oneself
    must use it; another person's dossier is filed "on behalf", with the authorisation. An account without a
    recorded ID is not blocked."""
    from motcua.portal.models import CitizenProfile

    own = WHO["applicant_id_number"]
    CitizenProfile.objects.update_or_create(user=world["citizen"], defaults={"id_number": own})
    client.get(url())
    other = {**WHO, "applicant_name": "Lê Quang Minh", "applicant_id_number": "001088045678"}
    r = client.post(url("nguoi-nop"), other)
    page = html.unescape(r.content.decode())
    assert r.status_code == 400 and "Bạn chọn “Cho chính tôi” nên người yêu cầu là chủ tài khoản" in page
    assert f"({own})" in page and "Thay mặt người khác/tổ chức" in page
    assert Draft.objects.get().data.get("applicant_id_number") != "001088045678"  # nothing of it kept
    walk_wizard(client, world)  # the account holder's own ID goes through
    CitizenProfile.objects.filter(user=world["citizen"]).update(id_number="")
    assert client.post(url("nguoi-nop"), other).status_code == 302


def test_the_receiving_agency_is_chosen_not_preselected_when_several_receive_it():
    """The first agency of the list (a department) was selected beforehand for a procedure the citizen's ward also
    receives: one who did not look filed it there. With several, none is chosen until the citizen chooses; with
    one, it is that one."""
    from types import SimpleNamespace

    from motcua.portal.forms import WhoForm

    so = SimpleNamespace(identifier="000.00.21.H26", name="Sở Kế hoạch và Đầu tư")
    ward = SimpleNamespace(identifier="000.02.33.H26", name="UBND Phường Bách Khoa")
    form = WhoForm(agencies=[so, ward])
    assert form.fields["agency"].choices[0] == ("", "— Chọn cơ quan tiếp nhận hồ sơ —")
    assert 'value="" selected' in str(form["agency"])
    bound = WhoForm(data={"agency": ""}, agencies=[so, ward])
    assert not bound.is_valid() and bound.errors["agency"] == ["Vui lòng chọn một mục."]
    assert [c for c, _ in WhoForm(agencies=[ward]).fields["agency"].choices] == ["000.02.33.H26"]


def test_after_filing_the_start_page_names_the_dossier_under_way(client, world, citizen):
    """Back after filing led to "Bắt đầu nộp hồ sơ" with nothing saying the dossier was filed, and a citizen filed a
    second one: the start page names the citizen's dossiers of the procedure still under way."""
    page = client.get(url()).content.decode()
    assert "Bạn đã nộp hồ sơ thủ tục này" not in page
    walk_wizard(client, world)
    client.post(url("xem-lai"), {"submit": "1"})
    dossier = Dossier.objects.get()
    page = html.unescape(client.get(url()).content.decode())
    assert "Bạn đã nộp hồ sơ thủ tục này và hồ sơ đang được giải quyết:" in page
    assert f'href="/ho-so-cua-toi/{dossier.code}/"' in page and "Mới đăng ký" in page
    Dossier.objects.filter(pk=dossier.pk).update(state="returned")  # finished: no longer named
    assert "Bạn đã nộp hồ sơ thủ tục này" not in client.get(url()).content.decode()
