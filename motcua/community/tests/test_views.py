from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from motcua.community.models import AssistedFiling, ClaimRecord
from motcua.dossiers.models import Dossier

from .conftest import RESIDENT_ID


def post_filing(client, **over):
    data = {
        "procedure_code": "1.001193",
        "agency": "000.02.33.H26",
        "resident_name": "Trần Văn Bảo",
        "resident_id_number": RESIDENT_ID,
        "resident_phone": "0912345678",
        "consent_method": "phone",
        "consent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "consent_note": "Gọi lúc 9h",
        "result_method": "electronic",
        **over,
    }
    return client.post(reverse("community:assisted_new"), data)


def test_assisted_filing_page(client, world, settings):
    settings.MOTCUA_SITE_URL = "https://dichvucong.example.gov.vn"
    url = reverse("community:assisted_new")
    assert client.get(url).status_code == 302
    client.force_login(world["users"]["resident"])
    assert client.get(url).status_code == 403  # not a team member
    client.force_login(world["users"]["member"])
    page = client.get(url).content.decode()
    assert "1.001193" in page  # offered procedures suggested
    chosen = client.get(url, {"procedure_code": "1.001193"}).content.decode()
    assert "Mỗi tệp tối đa 20 MB." in chosen  # before the member sends a large scan
    bad = post_filing(client, resident_id_number="123")
    assert bad.status_code == 400 and "12 chữ số" in bad.content.decode()
    assert post_filing(client, consent_method="").status_code == 400
    bad_phone = post_filing(client, resident_phone="0912 345")
    assert bad_phone.status_code == 400 and "Số điện thoại không hợp lệ" in bad_phone.content.decode()
    assert not Dossier.objects.exists()
    ok = post_filing(client)
    assert ok.status_code == 302
    f = AssistedFiling.objects.get()
    assert ok["Location"] == reverse("community:assisted_done", args=[f.dossier.code])
    done = client.get(ok["Location"]).content.decode()
    assert f.dossier.code in done and "Phạm Thị Hoa" in done and "xác nhận qua điện thoại" in done
    # the claim page's whole address for the household to type (it said only "/to-cong-nghe-so/nhan-ho-so/")
    assert ">https://dichvucong.example.gov.vn/to-cong-nghe-so/nhan-ho-so/</a>" in done
    client.force_login(world["users"]["member_b"])  # another team's member cannot see it
    assert client.get(ok["Location"]).status_code == 404


def test_the_same_filing_sent_again_files_no_second_dossier(client, world, settings, tmp_path):
    """The back button from the filed page, the fields still filled, then "Nộp hồ sơ" again: the household's dossier
    was filed twice. The same filing (resident, procedure, agency, e-form, files) within the half hour leads to the
    dossier it filed; a filing with anything changed is a new one."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from motcua.notifications.tests.factories import PDF_BYTES

    settings.MEDIA_ROOT = str(tmp_path / "media")
    client.force_login(world["users"]["member"])

    def scan(extra=b""):
        return SimpleUploadedFile("giay-to.pdf", PDF_BYTES + extra, content_type="application/pdf")

    url = reverse("community:assisted_new")
    data = {
        "procedure_code": "1.001193",
        "agency": "000.02.33.H26",
        "resident_name": "Trần Văn Bảo",
        "resident_id_number": RESIDENT_ID,
        "resident_phone": "0912345678",
        "consent_method": "phone",
        "consent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "result_method": "electronic",
    }
    first = client.post(url, {**data, "other_files": scan()})
    assert first.status_code == 302
    code = Dossier.objects.get().code
    again = client.post(url, {**data, "other_files": scan()})
    assert again.status_code == 302 and again["Location"] == reverse("community:assisted_done", args=[code])
    assert Dossier.objects.count() == 1 and AssistedFiling.objects.count() == 1
    assert Dossier.objects.get().documents.count() == 1
    done = client.get(again["Location"]).content.decode()
    assert f"(mã hồ sơ {code})" in done and "không nộp lại lần nữa" in done
    # another file, or another resident: a filing of its own
    assert client.post(url, {**data, "other_files": scan(b"%2\n")}).status_code == 302
    assert Dossier.objects.count() == 2


def test_claim_pages(client, world):
    client.force_login(world["users"]["member"])
    post_filing(client)
    code = AssistedFiling.objects.get().dossier.code
    url = reverse("community:claim")
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(world["users"]["resident"])
    assert client.get(url, {"ma": code}).status_code == 200
    wrong = client.post(url, {"code": code, "id_number": "001085099999"})
    assert wrong.status_code == 404 and "không đúng" in wrong.content.decode()
    assert Dossier.objects.get(code=code).applicant_user is None
    assert client.get(reverse("community:claim_done", args=[code])).status_code == 404  # not yet theirs
    ok = client.post(url, {"code": code, "id_number": RESIDENT_ID})
    assert ok.status_code == 302 and ok["Location"] == reverse("community:claim_done", args=[code])
    page = client.get(ok["Location"]).content.decode()
    assert code in page and "Mới đăng ký" in page and "Tổ CNSCĐ TDP số 1" in page
    # the page leads on to the dossier in the account, where it is followed, supplemented and its result taken
    mine = reverse("portal:my_dossier", args=[code])
    assert page.count(f'href="{mine}"') == 2  # the button and the list of claimed dossiers
    assert client.get(mine).status_code == 200
    assert ClaimRecord.objects.count() == 1
    again = client.post(url, {"code": code, "id_number": RESIDENT_ID})
    assert again.status_code == 302 and ClaimRecord.objects.count() == 1
    client.force_login(world["users"]["other"])
    assert client.post(url, {"code": code, "id_number": RESIDENT_ID}).status_code == 409
    assert client.get(reverse("community:claim_done", args=[code])).status_code == 404


def test_claim_page_throttles(client, world):
    client.force_login(world["users"]["member"])
    post_filing(client)
    code = AssistedFiling.objects.get().dossier.code
    client.force_login(world["users"]["resident"])
    for _ in range(5):
        client.post(reverse("community:claim"), {"code": code, "id_number": "001085099999"})
    assert (
        client.post(reverse("community:claim"), {"code": code, "id_number": RESIDENT_ID}).status_code == 429
    )


def test_assistance_template_tag(world, client):
    client.force_login(world["users"]["member"])
    post_filing(client)
    d = AssistedFiling.objects.get().dossier
    html = Template("{% load community %}{% assistance_note d %}").render(Context({"d": d}))
    assert "Tổ CNSCĐ TDP số 1" in html and "Phạm Thị Hoa" in html and "Tổ trưởng" in html
    plain = Dossier.objects.create(
        code="X-1",
        agency=world["ward_a"],
        procedure=world["procedure"],
        channel="counter",
        state="received",
        applicant_name="A",
        applicant_name_ascii="a",
    )
    assert Template("{% load community %}{% assistance_note d %}").render(Context({"d": plain})).strip() == ""


def test_the_dossier_pages_say_who_helped_file_it(world, client):
    """The resident's own dossier page and the staff dossier page name the team and member that filed it; a dossier
    filed without a team says nothing of the kind."""
    client.force_login(world["users"]["member"])
    post_filing(client)
    d = AssistedFiling.objects.get().dossier
    note = "với sự hỗ trợ của Tổ CNSCĐ TDP số 1 (UBND Phường Bách Khoa), thành viên Phạm Thị Hoa (Tổ trưởng)"
    client.force_login(world["users"]["resident"])
    client.post(reverse("community:claim"), {"code": d.code, "id_number": RESIDENT_ID})
    mine = client.get(reverse("portal:my_dossier", args=[d.code]))
    assert mine.status_code == 200 and note in mine.content.decode()
    client.force_login(world["users"]["officer"])
    staff = client.get(reverse("dossiers:detail", args=[d.code]))
    assert staff.status_code == 200 and note in staff.content.decode()
    Dossier.objects.filter(pk=d.pk).update(code="000.02.33.H26-250101-0099")
    AssistedFiling.objects.all().delete()
    plain = client.get(reverse("dossiers:detail", args=["000.02.33.H26-250101-0099"]))
    assert plain.status_code == 200 and "với sự hỗ trợ của" not in plain.content.decode()


def test_assisted_filing_takes_the_e_form_and_the_components(client, world, settings, tmp_path):
    """The member picks the procedure, then files the resident's e-form and component files as the online wizard
    asks of a citizen: what is missing or bad is refused with nothing created; what is filed is kept as filed."""
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    from motcua.catalog.models import ProcedureComponent
    from motcua.dossiers.models import DossierDocument
    from motcua.notifications.tests.factories import PDF_BYTES

    settings.MEDIA_ROOT = str(tmp_path / "media")
    version = world["procedure"].versions.get()
    version.form_fields = [
        {"name": "ten_tre", "label": "Họ tên trẻ", "type": "text", "required": True},
        {"name": "ngay_sinh", "label": "Ngày sinh", "type": "date", "required": True},
        {"name": "can_nang", "label": "Cân nặng (gam)", "type": "number"},
    ]
    version.save()
    required = ProcedureComponent.objects.create(version=version, order=1, name="Giấy chứng sinh")
    ProcedureComponent.objects.create(version=version, order=2, name="Giấy tờ khác", required=False)
    client.force_login(world["users"]["member"])
    url = reverse("community:assisted_new")

    picker = client.get(url).content.decode()
    assert 'name="procedure_code"' in picker and "Giấy chứng sinh" not in picker  # first pick the procedure
    page = client.get(url, {"procedure_code": "1.001193"}).content.decode()
    assert "Giấy chứng sinh (1 bản chính, bắt buộc)" in page and 'name="tk-ten_tre"' in page
    unknown = client.get(url, {"procedure_code": "9.999999"})
    assert unknown.status_code == 404 and "9.999999" in unknown.content.decode()

    def post(files=None, **over):
        data = {
            "tk-ten_tre": "Trần Minh Khôi",
            "tk-ngay_sinh": "02/11/2026",
            "tk-can_nang": "3200",
            **over,
        }
        for name, content in (files or {}).items():
            data[name] = SimpleUploadedFile(f"{name}.pdf", content, content_type="application/pdf")
        return post_filing(client, **data)

    field = f"component_{required.pk}"
    missing_file = post()
    assert missing_file.status_code == 400 and "thành phần hồ sơ bắt buộc" in missing_file.content.decode()
    missing_form = post({field: PDF_BYTES}, **{"tk-ten_tre": ""})
    assert missing_form.status_code == 400
    bad_number = post({field: PDF_BYTES}, **{"tk-can_nang": "-5"})
    assert bad_number.status_code == 400
    no_address = post({field: PDF_BYTES}, result_method="post")
    assert no_address.status_code == 400 and "địa chỉ" in no_address.content.decode()
    executable = post({field: b"MZ\x90\x00" + b"\x00" * 64})
    assert executable.status_code == 422 and "Không nhận tệp này" in executable.content.decode()
    # a refused file is named in the same sending as the other inputs' errors, on its own input
    both = post({field: b"MZ\x90\x00" + b"\x00" * 64}, **{"tk-ten_tre": ""})
    page = both.content.decode()
    assert both.status_code == 400 and "Không nhận tệp này" in page
    assert page.count('class="errorlist') >= 2, page
    assert not Dossier.objects.exists() and not DossierDocument.objects.exists()
    assert not list((tmp_path / "media").rglob("*.*"))  # nothing left in storage either

    ok = post({field: PDF_BYTES}, result_method="post", result_address="12 Tạ Quang Bửu", form_note="Nộp hộ")
    assert ok.status_code == 302
    dossier = AssistedFiling.objects.get().dossier
    assert dossier.form_data == {
        "ten_tre": "Trần Minh Khôi",
        "ngay_sinh": "2026-11-02",
        "can_nang": "3200",  # as the wizard keeps e-form numbers (catalog.eforms.eform_to_json)
        "noi_dung": "Nộp hộ",
        "dia_chi_nhan_ket_qua": "12 Tạ Quang Bửu",
    }
    assert dossier.result_method == "post" and dossier.applicant_user is None
    doc = dossier.documents.get()
    digest = hashlib.sha256(PDF_BYTES).hexdigest()
    assert (doc.component_id, doc.sha256) == (required.pk, digest)
    assert dossier.events.get().file_hashes == [digest]  # recorded by the submit event, under the hash chain
    client.force_login(world["users"]["officer"])
    staff_page = client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert "Địa chỉ nhận kết quả qua bưu chính" in staff_page and "dia_chi_nhan_ket_qua" not in staff_page


def test_consent_time_is_shown_and_typed_as_dd_mm_yyyy(client, world):
    """Whatever the browser's language, the consent time reads dd/mm/yyyy hh:mm (no native picker in mm/dd/yyyy
    and AM/PM) and is accepted as typed that way."""
    client.force_login(world["users"]["member"])
    page = client.get(reverse("community:assisted_new"), {"procedure_code": "1.001193"}).content.decode()
    now = timezone.localtime()
    assert 'placeholder="dd/mm/yyyy hh:mm"' in page and 'type="datetime-local"' not in page
    # nothing recorded beforehand: the member records how and when the resident consented (rules §10)
    assert f'value="{now:%d/%m/%Y} ' not in page and 'value="signature" selected' not in page
    missing = post_filing(client, consent_at="", consent_method="")
    errors = missing.context["form"].errors
    assert missing.status_code == 400 and not AssistedFiling.objects.exists()
    assert errors["consent_method"] == [
        "Ghi người dân đã đồng ý thế nào: ký trực tiếp, qua điện thoại hoặc qua VNeID."
    ]
    assert errors["consent_at"] == ["Ghi thời điểm người dân đồng ý cho nộp hộ (dd/mm/yyyy hh:mm)."]
    typed = (now - timezone.timedelta(hours=1)).replace(second=0, microsecond=0)
    assert post_filing(client, consent_at=typed.strftime("%d/%m/%Y %H:%M")).status_code == 302
    assert AssistedFiling.objects.get().consent_at == typed


def test_assisted_filing_offers_only_the_agencies_that_receive_the_procedure(
    client, world, province_procedure
):
    """The QA repro: 1.009403 (offered only by 000.00.21.H26) posted with the ward, or with any typed agency, is
    refused (422) with a clear message and what was typed kept; the list names only the agencies that receive it."""
    client.force_login(world["users"]["member"])
    url = reverse("community:assisted_new")
    page = client.get(url, {"procedure_code": "1.009403"})
    assert page.status_code == 200
    choices = page.context["form"].fields["agency"].choices
    assert choices == [("000.00.21.H26", "Sở Kế hoạch và Đầu tư")]
    assert page.context["form"]["agency"].value() == "000.00.21.H26"
    ward = client.get(url, {"procedure_code": "1.001193"}).context["form"]
    assert ward.fields["agency"].choices == [
        ("000.02.33.H26", "UBND Phường Bách Khoa")
    ]  # not the offline district
    for agency in ("000.02.33.H26", "000.00.33.H26", "UBND Phường Bách Khoa", ""):
        refused = post_filing(
            client, procedure_code="1.009403", agency=agency, resident_name="Trần Văn Bảo Lâm"
        )
        html = refused.content.decode()
        assert refused.status_code == (422 if agency else 400), agency
        if agency:
            assert "không tiếp nhận trực tuyến thủ tục đã chọn" in html
            select = html.split('<select name="agency"', 1)[1].split(">", 1)[0]
            assert 'aria-invalid="true"' in select  # the error is on the field too
        assert 'value="Trần Văn Bảo Lâm"' in html  # what was typed is kept
    assert not Dossier.objects.exists()
    ok = post_filing(client, procedure_code="1.009403", agency="000.00.21.H26")
    assert ok.status_code == 302
    assert Dossier.objects.get().agency == province_procedure["dept"]


def test_a_procedure_nobody_receives_online_cannot_be_filed(client, world, province_procedure):
    from motcua.catalog.models import Offering

    Offering.objects.filter(procedure=province_procedure["procedure"]).update(online=False)
    client.force_login(world["users"]["member"])
    page = client.get(reverse("community:assisted_new"), {"procedure_code": "1.009403"})
    assert page.status_code == 422 and "Không cơ quan nào tiếp nhận trực tuyến" in page.content.decode()
    assert post_filing(client, procedure_code="1.009403", agency="000.00.21.H26").status_code == 422
    assert not Dossier.objects.exists()


def test_id_number_and_consent_time_errors_are_on_their_fields(client, world):
    """Checked by the form as the service checks them: the message next to the field, the field marked invalid
    (aria-invalid, described by the message), what was typed kept, nothing filed."""
    client.force_login(world["users"]["member"])
    now = timezone.localtime()
    cases = {
        "resident_id_number": ({"resident_id_number": "999085012345"}, "mã tỉnh nơi đăng ký khai sinh"),
        "consent_at": (
            {"consent_at": (now + timezone.timedelta(days=1)).strftime("%d/%m/%Y %H:%M")},
            "tương lai",
        ),
    }
    old = {"consent_at": (now - timezone.timedelta(days=31)).strftime("%d/%m/%Y %H:%M")}
    # a day that does not exist: the format named, not Django's "Nhập một ngày/thời gian hợp lệ."
    no_day = {"consent_at": "31/02/2026 10:00"}
    for field, (over, message) in [
        *cases.items(),
        ("consent_at", (old, "quá 30 ngày")),
        ("consent_at", (no_day, "Thời điểm không hợp lệ (dùng dạng dd/mm/yyyy hh:mm).")),
    ]:
        resp = post_filing(client, resident_name="Trần Văn Bảo Lâm", **over)
        assert resp.status_code == 400, field
        form = resp.context["form"]
        assert list(form.errors) == [field] and message in form.errors[field][0]
        html = resp.content.decode()
        tag = html.split(f'name="{field}"', 1)[1].split(">", 1)[0]
        assert 'aria-invalid="true"' in tag and f"id_{field}_error" in tag
        assert f'id="id_{field}_error"' in html  # the message it points at
        assert 'value="Trần Văn Bảo Lâm"' in html and "chọn lại tệp" in html
    assert not Dossier.objects.exists()
    ok = post_filing(client, resident_id_number="001 085.012 345")  # grouped as people write it
    assert ok.status_code == 302 and Dossier.objects.get().applicant_id_number == RESIDENT_ID


def test_claim_page_takes_a_lower_case_code(client, world):
    client.force_login(world["users"]["member"])
    post_filing(client)
    code = AssistedFiling.objects.get().dossier.code
    client.force_login(world["users"]["resident"])
    ok = client.post(reverse("community:claim"), {"code": code.lower(), "id_number": RESIDENT_ID})
    assert ok.status_code == 302 and ok["Location"] == reverse("community:claim_done", args=[code])
    assert Dossier.objects.get(code=code).applicant_user == world["users"]["resident"]


def test_claim_refusal_in_the_page_language(client, world):
    client.force_login(world["users"]["member"])
    post_filing(client)
    code = AssistedFiling.objects.get().dossier.code
    client.force_login(world["users"]["resident"])
    client.cookies["django_language"] = "en"
    wrong = client.post(reverse("community:claim"), {"code": code, "id_number": "001085099999"})
    html = wrong.content.decode()
    assert wrong.status_code == 404 and "Wrong dossier code or personal ID number" in html
    assert "không đúng" not in html


def test_assisted_filing_errors_are_summarised_and_linked(client, world):
    """The long filing page said only "kiểm tra lại các ô được đánh dấu": a member on a phone or with the keyboard
    had to find each marked field. Now an error summary, focused, links each problem (the e-form's too)."""
    client.force_login(world["users"]["member"])
    resp = post_filing(client, resident_id_number="999085012345", resident_phone="0912 345")
    assert resp.status_code == 400
    html = resp.content.decode()
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#id_resident_id_number"' in summary and 'href="#id_resident_phone"' in summary
    assert "mã tỉnh nơi đăng ký khai sinh" in summary
    assert 'getElementById("error-summary").focus()' in html
    assert "kiểm tra lại các ô được đánh dấu" not in html  # said once, by the summary
    assert "chọn lại tệp" in html


def test_claims_are_limited_per_client_address_too(client, world, settings):
    """Five failures lock an account; one address trying many households' codes through many accounts was not
    slowed. After CLAIM_IP_MAX_FAILURES (default 20) failures from one address, whoever the account, a claim
    from it is refused (429, Retry-After) and changes nothing; another address is not affected."""
    from django.contrib.auth import get_user_model

    assert settings.CLAIM_IP_MAX_FAILURES == 20 and settings.CLAIM_IP_LOCKOUT_SECONDS == 900
    client.force_login(world["users"]["member"])
    post_filing(client)
    code = AssistedFiling.objects.get().dossier.code
    url = reverse("community:claim")
    users = get_user_model().objects
    for n in range(4):  # 4 accounts × 5 failures each (each account is then locked)
        client.force_login(users.create_user(f"thu{n}", password="pw-123456-x"))
        for k in range(5):
            r = client.post(
                url, {"code": code, "id_number": f"00108509{n}{k:03d}"}, REMOTE_ADDR="198.51.100.7"
            )
            assert r.status_code == 404, (n, k)
    client.force_login(world["users"]["resident"])  # never failed, the right number: the address is locked
    r = client.post(url, {"code": code, "id_number": RESIDENT_ID}, REMOTE_ADDR="198.51.100.7")
    assert r.status_code == 429 and 840 < int(r["Retry-After"]) <= 900
    assert "quá nhiều lần nhập sai mã hồ sơ hoặc số định danh từ địa chỉ mạng này" in r.content.decode()
    assert "thử lại sau 15 phút" in r.content.decode()
    assert Dossier.objects.get(code=code).applicant_user is None and not ClaimRecord.objects.exists()
    client.cookies["django_language"] = "en"
    r = client.post(url, {"code": code, "id_number": RESIDENT_ID}, REMOTE_ADDR="198.51.100.7")
    assert (
        r.status_code == 429
        and "Too many wrong dossier codes or ID numbers from this network address" in (r.content.decode())
    )
    # from another address the resident claims it
    ok = client.post(url, {"code": code, "id_number": RESIDENT_ID}, REMOTE_ADDR="203.0.113.9")
    assert (
        ok.status_code == 302 and Dossier.objects.get(code=code).applicant_user == world["users"]["resident"]
    )


def test_the_address_limit_counts_failures_only(client, world, settings):
    """Residents claiming one after another at the ward office (one address) are not refused for succeeding."""
    settings.CLAIM_IP_MAX_FAILURES = 2
    client.force_login(world["users"]["member"])
    post_filing(client)
    code = AssistedFiling.objects.get().dossier.code
    url = reverse("community:claim")
    client.force_login(world["users"]["resident"])
    assert client.post(url, {"code": code, "id_number": "001085099999"}).status_code == 404
    for _ in range(3):  # successes (the first claims, the others find it already theirs) do not count
        assert client.post(url, {"code": code, "id_number": RESIDENT_ID}).status_code == 302
    assert client.post(url, {"code": code, "id_number": "001085099999"}).status_code == 404
    assert client.post(url, {"code": code, "id_number": RESIDENT_ID}).status_code == 429


def test_claim_errors_are_summarised_and_announced_once(client, world):
    """The claim page had no error summary; its fields' messages were announced. Each form page now has one
    announced, focused summary linking to the fields, and the fields' messages are not announced again."""
    client.force_login(world["users"]["resident"])
    resp = client.post(reverse("community:claim"), {"code": "", "id_number": ""})
    html = resp.content.decode()
    assert resp.status_code == 400 and html.count('role="alert"') == 1
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#id_code"' in summary and 'href="#id_id_number"' in summary
    assert '<span class="errorlist" id="id_code_error">' in html
    assert 'aria-invalid="true" aria-describedby="id_code_error"' in html


def test_a_procedure_no_agency_receives_online_shows_no_form_to_fill(client, world, province_procedure):
    """The page said the procedure could not be filed on a resident's behalf, then showed the whole form, an empty
    list of agencies and a "Nộp hồ sơ" button."""
    from motcua.catalog.models import Offering

    Offering.objects.filter(procedure=province_procedure["procedure"]).update(online=False)
    client.force_login(world["users"]["member"])
    r = client.get(reverse("community:assisted_new"), {"procedure_code": "1.009403"})
    html = r.content.decode()
    assert r.status_code == 422 and "không thể nộp hộ thủ tục này" in html
    assert 'class="assisted-form"' not in html and "Nộp hồ sơ</button>" not in html
    assert "Chọn thủ tục khác" in html


def test_the_signed_consent_slip_is_kept_with_the_dossier(client, world, settings, tmp_path):
    """Consent must be provable (rules §10): the member attaches the signed slip with the filing; it is a document
    of the dossier (kind consent, its hash in the submit event), not listed on the receipt as a component, and the
    dossier's pages say whether one is on file. A member may also add it later through the API."""
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    from motcua.core.models import ApiToken
    from motcua.dossiers.models import DossierDocument
    from motcua.notifications.tests.factories import PDF_BYTES

    settings.MEDIA_ROOT = str(tmp_path / "media")
    client.force_login(world["users"]["member"])
    slip = SimpleUploadedFile("phieu-dong-y.pdf", PDF_BYTES, content_type="application/pdf")
    bad = SimpleUploadedFile("phieu.pdf", b"MZ\x90\x00" + b"\x00" * 64, content_type="application/pdf")
    refused = post_filing(client, consent_file=bad)
    assert refused.status_code == 422 and "Không nhận tệp này" in refused.content.decode()
    assert (
        "chọn lại phiếu đồng ý (nếu có) trước khi nộp" in refused.content.decode()
    )  # the browser dropped it
    assert not Dossier.objects.exists()
    assert post_filing(client, consent_file=slip).status_code == 302
    dossier = AssistedFiling.objects.get().dossier
    doc = DossierDocument.objects.get(dossier=dossier)
    assert (doc.kind, doc.name) == ("consent", "phieu-dong-y.pdf")
    assert dossier.events.get().file_hashes == [hashlib.sha256(PDF_BYTES).hexdigest()]
    client.force_login(world["users"]["officer"])
    page = client.get(reverse("dossiers:detail", args=[dossier.code])).content.decode()
    assert (
        "Phiếu đồng ý có chữ ký được lưu trong tài liệu của hồ sơ." in page and "Phiếu đồng ý nộp hộ" in page
    )

    # filed without the slip: the page says so; the member adds it through the API, the resident cannot
    client.force_login(world["users"]["member"])
    post_filing(client, resident_name="Trần Văn Cường")
    later = AssistedFiling.objects.get(resident_name="Trần Văn Cường").dossier
    client.force_login(world["users"]["officer"])
    assert (
        "Chưa lưu phiếu đồng ý có chữ ký."
        in client.get(reverse("dossiers:detail", args=[later.code])).content.decode()
    )
    url = f"/api/v1/dossiers/{later.code}/documents"

    def upload(user):
        f = SimpleUploadedFile("slip.pdf", PDF_BYTES, content_type="application/pdf")
        auth = f"Bearer {ApiToken.issue(user)}"
        return client.post(url, {"files": [f], "kind": "consent"}, HTTP_AUTHORIZATION=auth)

    later.applicant_user = world["users"]["resident"]
    later.save(update_fields=["applicant_user"])
    assert upload(world["users"]["resident"]).status_code == 403
    r = upload(world["users"]["member"])
    assert r.status_code == 201, r.json()
    assert r.json()["documents"][0]["kind"] == "consent"


def test_a_forgotten_consent_slip_is_added_from_the_filings_page(client, world, settings, tmp_path):
    """The filing's page said "Chưa lưu phiếu đồng ý có chữ ký" and offered no way to add it but the API: the member
    who filed adds it there; another member cannot; once the dossier is received the slip is refused, said so."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from motcua.dossiers.models import DossierDocument
    from motcua.dossiers.services import dossier_act
    from motcua.notifications.tests.factories import PDF_BYTES

    settings.MEDIA_ROOT = str(tmp_path / "media")
    client.force_login(world["users"]["member"])
    assert post_filing(client).status_code == 302
    dossier = AssistedFiling.objects.get().dossier
    done = reverse("community:assisted_done", args=[dossier.code])
    assert 'name="consent_file"' in client.get(done).content.decode()
    url = reverse("community:consent_slip", args=[dossier.code])

    def slip():
        return SimpleUploadedFile("phieu.pdf", PDF_BYTES, content_type="application/pdf")

    other = client.__class__()
    other.force_login(world["users"]["member_b"])
    assert other.post(url, {"consent_file": slip()}).status_code == 404
    r = client.post(url, {"consent_file": slip()}, follow=True)
    assert "Đã lưu phiếu đồng ý có chữ ký cùng hồ sơ." in r.content.decode()
    assert DossierDocument.objects.get(dossier=dossier).kind == "consent"
    assert 'name="consent_file"' not in r.content.decode()  # on file: no form
    # received: the dossier's papers are the agency's now
    DossierDocument.objects.all().delete()
    dossier_act(code=dossier.code, action="receive", actor=world["users"]["officer"])
    r = client.post(url, {"consent_file": slip()}, follow=True)
    assert not DossierDocument.objects.exists() and "không thể thêm tệp" in r.content.decode()
