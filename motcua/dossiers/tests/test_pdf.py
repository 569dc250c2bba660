"""Forms 01–07 rendered to PDF from the dossier's events: national header, agency, number, place and date,
dossier code (and its QR), applicant, appointment dd/mm/yyyy, and the rows of the control slip / tracking book."""

import datetime as dt
import re
import shutil
import subprocess

import pytest

from motcua.core.errors import NotFound
from motcua.dossiers import pdf, services
from motcua.dossiers.models import Dossier

from .conftest import APPLICANT, act, local


def pdf_text(data: bytes, html: str | None = None) -> str:
    """Text of a rendered form. With poppler's pdftotext: extracted from the PDF bytes themselves. Without it
    (a machine without poppler-utils): the text of WeasyPrint's laid-out pages of the same HTML."""
    assert data.startswith(b"%PDF-")
    exe = shutil.which("pdftotext")
    if exe:
        out = subprocess.run(
            [exe, "-raw", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
        )
        return out.stdout.decode("utf-8")
    assert html is not None, "pdftotext not installed and no HTML given"
    return layout_text(html)


def page_texts(html: str) -> list[str]:
    """The text of each page WeasyPrint lays out for `html`."""
    from weasyprint import HTML

    def walk(box, parts):
        text = getattr(box, "text", None)
        if text:
            parts.append(text)
        for child in getattr(box, "children", None) or []:
            walk(child, parts)
        return parts

    return [" ".join(walk(page._page_box, [])) for page in HTML(string=html).render().pages]


def layout_text(html: str) -> str:
    return " ".join(page_texts(html))


def form_text(form: str, dossier, seq=None) -> str:
    return pdf_text(pdf.render_form_pdf(form, dossier, seq), pdf.render_form_html(form, dossier, seq))


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def named_org(org):
    org["so"].place_name = "Hà Nội"
    org["so"].save()
    officer = org["users"]["officer"]
    officer.first_name, officer.last_name = "Nguyễn Thị", "Hoa"
    officer.save()
    return org


def file_online(org, at, name="Đặng Thị Ngọc Hương", channel="online"):
    """Filed online by the citizen; `channel="counter"`: registered at the counter by the officer (on paper)."""
    d, _ = services.dossier_file(
        actor=org["users"]["citizen" if channel == "online" else "officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel=channel,
        applicant={**APPLICANT, "name": name, "address": "12 Phố Huế, Hai Bà Trưng"},
        at=at,
    )
    return d


def file_counter(org, at, name="Đặng Thị Ngọc Hương"):
    return file_online(org, at, name, channel="counter")


def test_receipt_pdf_has_header_code_applicant_and_due_date(named_org):
    org = named_org
    d = file_online(org, local(2025, 1, 24, 9, 0))
    d = act(org, d, "receive", "officer", local(2025, 1, 24, 10, 0))
    data = pdf.render_form_pdf("receipt", d)
    assert data.startswith(b"%PDF-")
    text = squash(pdf_text(data, pdf.render_form_html("receipt", d)))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert d.code in text
    assert "Đặng Thị Ngọc Hương" in text
    # 3 working days across Tết 2025: due 05/02/2025 10:00 (contract §2 example)
    # the form writes its instants "… giờ … phút, ngày … tháng … năm …"
    assert "4. Thời gian nhận hồ sơ: 10 giờ 00 phút, ngày 24 tháng 01 năm 2025." in text
    assert "5. Thời gian trả kết quả giải quyết hồ sơ: 10 giờ 00 phút, ngày 05 tháng 02 năm 2025." in text
    assert d.due_at == local(2025, 2, 5, 10, 0)  # the appointment printed is the dossier's
    assert "Hà Nội, ngày 24 tháng 01 năm 2025" in text
    assert "Số: 250124-0001/BPTNTKQ" in text  # the Sở's own one-stop unit, not a TTPVHCC
    assert "Nguyễn Thị Hoa" in text  # the receiving officer, from the event's actor
    assert "03 ngày làm việc" in text


def test_a_paper_receipt_without_files_lists_the_required_components_only(named_org):
    from motcua.catalog.models import ProcedureComponent

    org = named_org
    version = org["version"]
    ProcedureComponent.objects.create(version=version, order=1, name="Giấy đề nghị đăng ký hộ kinh doanh")
    ProcedureComponent.objects.create(
        version=version, order=2, name="Bản sao biên bản họp thành viên hộ gia đình", required=False
    )
    d = file_counter(org, local(2025, 1, 24, 9, 0))  # at the counter, on paper: no file recorded
    d = act(org, d, "receive", "officer", local(2025, 1, 24, 10, 0))
    text = squash(pdf.render_form_html("receipt", d))
    assert "Giấy đề nghị đăng ký hộ kinh doanh" in text
    assert "biên bản họp" not in text
    assert "Không có tệp" not in text
    # online there is no paper: a dossier received with no file does not list what was never filed
    d = file_online(org, local(2025, 1, 24, 9, 0))
    d = act(org, d, "receive", "officer", local(2025, 1, 24, 10, 0))
    text = squash(pdf.render_form_html("receipt", d))
    assert "Giấy đề nghị đăng ký hộ kinh doanh" not in text
    assert "Không có tệp thành phần hồ sơ nào được nộp kèm hồ sơ trực tuyến." in text


def test_reception_records_the_components_handed_in_on_paper_and_the_receipt_lists_them(named_org):
    from motcua.catalog.models import ProcedureComponent

    org = named_org
    version = org["version"]
    for order, name, required in [
        (1, "Giấy đề nghị đăng ký hộ kinh doanh", True),
        (2, "Bản sao biên bản họp thành viên hộ gia đình", False),
        (3, "Bản sao văn bản ủy quyền", False),
    ]:
        ProcedureComponent.objects.create(version=version, order=order, name=name, required=required)
    d = file_online(org, local(2025, 1, 24, 9, 0))
    for bad in ([9], ["1"], "1,2"):
        with pytest.raises(services.Unprocessable):
            act(org, d, "receive", "officer", local(2025, 1, 24, 10, 0), paper_components=bad)
    d.refresh_from_db()
    assert d.state == "submitted" and d.events.count() == 1  # a refused reception changes nothing
    with pytest.raises(services.Unprocessable):
        act(
            org,
            d,
            "request_supplement",
            "officer",
            local(2025, 1, 24, 10, 0),
            reason="x",
            paper_components=[1],
        )
    d = act(org, d, "receive", "officer", local(2025, 1, 24, 10, 0), paper_components=[2, 1, 2])
    event = d.events.get(action="receive")
    assert event.data["paper_components"] == [
        {"order": 1, "name": "Giấy đề nghị đăng ký hộ kinh doanh"},
        {"order": 2, "name": "Bản sao biên bản họp thành viên hộ gia đình"},
    ]
    assert services.verify_chain(d) == []
    text = squash(pdf.render_form_html("receipt", d))
    assert "Giấy đề nghị đăng ký hộ kinh doanh" in text and "biên bản họp" in text
    assert "Bản sao văn bản ủy quyền" not in text  # not handed in


def test_qr_encodes_the_code():
    uri = pdf.qr_data_uri("000.00.21.H26-250124-0001")
    assert uri.startswith("data:image/svg+xml")
    import segno

    # Same payload → same symbol; a different code gives a different symbol.
    assert uri == segno.make("000.00.21.H26-250124-0001", error="m", micro=False).svg_data_uri(
        scale=3, border=1
    )
    assert uri != pdf.qr_data_uri("000.00.21.H26-250124-0002")


def test_supplement_form_lists_every_item_with_its_reason(named_org):
    org = named_org
    d = file_online(org, local(2025, 3, 3, 9, 0))
    items = [
        {"name": "Giấy đề nghị đăng ký hộ kinh doanh", "reason": "Thiếu chữ ký của chủ hộ"},
        {"name": "Bản sao biên bản họp thành viên hộ gia đình", "reason": "Chưa nộp"},
    ]
    d = act(
        org,
        d,
        "request_supplement",
        "officer",
        local(2025, 3, 3, 10, 0),
        reason="Hồ sơ chưa đầy đủ",
        items=items,
    )
    html = pdf.render_form_html("supplement", d)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in html.upper()
    text = squash(form_text("supplement", d))
    for item in items:
        assert item["name"] in text and item["reason"] in text
    assert "/PBS-BPTNTKQ" in text and d.code in text
    assert "Người hướng dẫn".upper() in text.upper()


def test_refusal_and_stop_forms(named_org):
    org = named_org
    d = file_online(org, local(2025, 3, 3, 9, 0))
    d = act(
        org,
        d,
        "refuse",
        "officer",
        local(2025, 3, 3, 9, 30),
        reason="Không thuộc thẩm quyền giải quyết của Sở",
    )
    text = squash(form_text("refusal", d))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Không thuộc thẩm quyền giải quyết của Sở" in text and "Đặng Thị Ngọc Hương" in text

    e = file_online(org, local(2025, 3, 4, 9, 0), name="Trần Văn Bình")
    e = act(org, e, "receive", "officer", local(2025, 3, 4, 9, 30))
    e = services.dossier_act(
        code=e.code,
        action="request_withdrawal",
        actor=org["users"]["citizen"],
        params={"reason": "Không còn nhu cầu"},
        at=local(2025, 3, 4, 14, 0),
    )
    e = act(org, e, "stop", "officer", local(2025, 3, 5, 8, 30), reason="Theo đề nghị rút hồ sơ của công dân")
    text = squash(form_text("stop", e))
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text
    assert "Theo đề nghị rút hồ sơ của công dân" in text and e.code in text
    assert "Căn cứ đề nghị dừng giải quyết hồ sơ của Ông/Bà lúc 14 giờ 00 phút, ngày 04/03/2025" in text
    assert not re.search(r"ngày \d\d giờ", text)  # "ngày 14 giờ 00 phút, ngày …" read wrong
    assert "được trả lại cho Ông/Bà tại Bộ phận Một cửa." in text
    # a dossier whose result goes by post gets its papers back by post (the notice said "at the one-stop unit")
    Dossier.objects.filter(pk=e.pk).update(result_method="post")
    e.refresh_from_db()
    assert "được trả lại cho Ông/Bà qua dịch vụ bưu chính, theo địa chỉ đã đăng ký." in squash(
        form_text("stop", e)
    )


def test_apology_form_has_reason_old_and_new_dates(named_org):
    org = named_org
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))  # due Thu 06/03/2025 09:00
    d = act(
        org,
        d,
        "apologize",
        "leader",
        local(2025, 3, 4, 15, 0),
        reason="Cần xác minh thêm thông tin",
        new_return_at=local(2025, 3, 10, 16, 0),
    )
    text = squash(form_text("apology", d))
    # issued in March 2025, under Circular 01/2018/TT-VPCP: its Form 04 and title (Circular 03/2025 came later)
    assert "Mẫu số 04 — Thông tư số 01/2018/TT-VPCP" in text
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "Cần xác minh thêm thông tin" in text
    # the appointment it replaces and the new date, as the form writes them ("… giờ …, ngày … tháng … năm …")
    assert "Thời gian hẹn trả kết quả giải quyết hồ sơ: 09 giờ 00 phút, ngày 06 tháng 3 năm 2025." in text
    assert "sẽ trả kết quả giải quyết hồ sơ cho Ông/Bà vào 16 giờ 00 phút, ngày 10 tháng 3 năm 2025." in text
    assert "/PXL-BPTNTKQ" in text
    assert "Ngày 03 tháng 3 năm 2025, " in text and not re.search(r"ngày \d\d giờ", text, re.IGNORECASE)
    assert text.count("06 tháng 3 năm 2025") == 1  # no "(ngày 06/03/2025)" repeating the appointment
    assert "/03/2025" not in text
    # the form's sentences, in its order; nothing it does not say
    assert (
        "Tuy nhiên đến nay, Sở Kế hoạch và Đầu tư chưa trả kết quả giải quyết hồ sơ của Ông/Bà đúng thời hạn quy "
        "định ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả."
    ) in text
    assert text.index("Lý do:") < text.index("xin trân trọng gửi lời xin lỗi") < text.index("sẽ trả kết quả")
    assert text.endswith("Mong nhận được sự thông cảm của Ông/Bà vì sự chậm trễ này./.") or (
        "Mong nhận được sự thông cảm của Ông/Bà vì sự chậm trễ này./. THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ" in text
    )
    assert "chỉ thực hiện một lần" not in text and "hợp tác" not in text
    # Circular 01/2018's Form 04: the seal line, no digital-signature line [U]
    assert "(Ký, ghi rõ họ tên và đóng dấu)" in text and "Chữ ký số" not in text
    leader = org["users"]["leader"]
    assert (leader.get_full_name() or leader.username) in text  # the head signs: a leader sent it


def test_an_apology_after_a_pause_says_the_receipts_time_and_why_it_moved(named_org):
    """After a supplement pause the appointment moves later; the apology printed the moved time as the one "ghi
    trên Giấy tiếp nhận", while the receipt said another, and no paper had told the applicant it moved."""
    org = named_org
    d = act(org, file_online(org, local(2025, 3, 3, 8, 30)), "receive", "officer", local(2025, 3, 3, 9, 0))
    d = act(org, d, "request_supplement", "specialist", local(2025, 3, 3, 14, 0), reason="Thiếu bản sao")
    d = act(org, d, "supplement", "citizen", local(2025, 3, 4, 10, 0))  # 5 working hours paused
    d = act(org, d, "apologize", "leader", local(2025, 3, 4, 15, 0), reason="Cần xác minh",
            new_return_at=local(2025, 3, 10, 16, 0))  # fmt: skip
    text = squash(form_text("apology", d))
    assert (
        "Thời gian hẹn trả kết quả giải quyết hồ sơ: 15 giờ 00 phút, ngày 06 tháng 3 năm 2025 (Giấy tiếp nhận hồ "
        "sơ và hẹn trả kết quả ghi 09 giờ 00 phút, ngày 06 tháng 3 năm 2025; thời hạn được cộng thêm thời gian hồ "
        "sơ tạm dừng để bổ sung hoặc thực hiện nghĩa vụ tài chính)."
    ) in text


def test_an_apology_prepared_by_the_officer_leaves_the_heads_name_to_be_signed(named_org):
    org = named_org
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    d = act(org, d, "apologize", "officer", local(2025, 3, 4, 15, 0), reason="Chờ xác minh",
            new_return_at=local(2025, 3, 10, 16, 0))  # fmt: skip
    ctx = pdf.apology_context(d)
    assert ctx["signer"] == ""


def test_control_slip_rows_come_from_hand_over_events(named_org):
    org = named_org
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    d = act(org, d, "assign", "unit_head", local(2025, 3, 3, 9, 30), assignee="cv")
    d = act(org, d, "hand_over", "specialist", local(2025, 3, 4, 10, 0), to_agency="000.00.40.H26", hours=4)
    d = act(org, d, "hand_over", "tax_specialist", local(2025, 3, 4, 14, 0))
    d = act(org, d, "resolve", "leader", local(2025, 3, 5, 10, 0), outcome="approved")
    d = act(org, d, "return_result", "officer", local(2025, 3, 5, 11, 0), method="counter")
    ctx = pdf.control_context(d)
    rows = ctx["rows"]
    notes = [r["note"] for r in rows]
    assert notes[0].startswith("Tiếp nhận")
    assert any(n.startswith("Phân công") for n in notes)
    inter = [r for r in rows if r["note"].startswith("Chuyển liên thông")]
    assert len(inter) == 1 and inter[0]["receiver_unit"] == "Cục Thuế"
    assert inter[0]["at"] == "10 giờ 00 phút, ngày 04/03/2025"
    # the specialist's step (16 h from 03/03 09:00 → due 05/03 09:00) finished 04/03: early
    assert inter[0]["result"] == "Trước hạn"
    assert rows[-1]["note"].startswith("Trả kết quả") and rows[-1]["result"] == "Trước hạn"
    text = squash(form_text("control", d))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert (
        "Cục Thuế" in text
        and d.code in text
        and "Hẹn trả kết quả vào 09 giờ 00 phút, ngày 06 tháng 3 năm 2025" in text
    )


def test_control_slip_names_who_completed_a_step_nobody_was_assigned(named_org):
    """A step taken without an assignment (its role's holder hands it over, the leader resolves at it) was still
    done by someone: Form 06's "Cán bộ xử lý" names that person, not a blank; an assigned step keeps its assignee."""
    org = named_org
    specialist, leader = org["users"]["specialist"], org["users"]["leader"]
    specialist.first_name, specialist.last_name = "Vũ Văn", "Nam"
    specialist.save()
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    # steps 1 and 2, neither ever assigned
    d = act(org, d, "hand_over", "specialist", local(2025, 3, 4, 10, 0))
    d = act(org, d, "resolve", "leader", local(2025, 3, 5, 10, 0), outcome="approved")
    steps = pdf.control_context(d)["steps"]
    assert [s["assignee"] for s in steps] == ["Vũ Văn Nam", pdf.user_label(leader)]


def test_tracking_book_for_agency_and_period(named_org):
    org = named_org
    a = file_online(org, local(2025, 3, 3, 8, 30), name="Lê Văn Cường")
    a = act(org, a, "receive", "officer", local(2025, 3, 3, 9, 0))
    a = act(org, a, "resolve", "leader", local(2025, 3, 4, 10, 0), outcome="approved")
    a = act(
        org,
        a,
        "return_result",
        "officer",
        local(2025, 3, 4, 11, 0),
        method="post",
        tracking_number="EA123456789VN",
    )
    b = file_online(org, local(2025, 3, 10, 8, 30), name="Phạm Thị Dung")
    b = act(org, b, "receive", "officer", local(2025, 3, 10, 9, 0))
    rows = pdf.tracking_rows(org["so"], dt.date(2025, 3, 1), dt.date(2025, 3, 7))
    assert [r["code"] for r in rows] == [a.code]
    # not yet returned: the book says how the applicant registered to receive it (it was blank until the return)
    pending = pdf.tracking_rows(org["so"], dt.date(2025, 3, 10), dt.date(2025, 3, 10))
    assert [(r["code"], r["returned"], r["method"]) for r in pending] == [
        (b.code, "", f"Đăng ký: {pdf.return_method_label(b.result_method)}")
    ]
    assert rows[0]["received"] == "03/03/2025 09:00" and rows[0]["due"] == "06/03/2025 09:00"
    assert rows[0]["returned"] == "04/03/2025 11:00"
    assert rows[0]["method"] == "Qua dịch vụ bưu chính, số vận đơn EA123456789VN"
    # the control slip's last row says the same
    assert (
        pdf.control_context(a)["rows"][-1]["note"]
        == "Trả kết quả: Qua dịch vụ bưu chính, số vận đơn EA123456789VN"
    )
    text = squash(
        pdf_text(
            pdf.render_tracking_book_pdf(org["so"], dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
            pdf.render_tracking_book_html(org["so"], dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
        )
    )
    assert "SỔ THEO DÕI HỒ SƠ" in text and a.code in text and b.code in text and "Phạm Thị Dung" in text
    # a month's book runs over pages: its table starts on the first page, under the QR (beside it, a full-width
    # table went to page 2, leaving page 1 with the header alone), and its header row repeats on every page
    for i in range(30):
        act(org, file_online(org, local(2025, 3, 11, 8, i)), "receive", "officer", local(2025, 3, 11, 9, i))
    pages = page_texts(pdf.render_tracking_book_html(org["so"], dt.date(2025, 3, 1), dt.date(2025, 3, 31)))
    assert len(pages) > 2 and "Lê Văn Cường" in pages[0]
    assert all("Tên thủ tục hành chính" in p for p in pages)


def test_form_not_issued_yet_is_not_found(named_org):
    d = file_online(named_org, local(2025, 3, 3, 9, 0))
    with pytest.raises(NotFound):
        pdf.render_form_pdf("receipt", d)
    with pytest.raises(NotFound):
        pdf.render_form_pdf("nonsense", d)
    assert [f["key"] for f in pdf.available_forms(d)] == []


def test_place_name_falls_back_to_parent(org):
    org["hn"].place_name = "Hà Nội"
    org["hn"].save()
    assert pdf.place_date(org["so"], dt.date(2025, 9, 3)) == "Hà Nội, ngày 03 tháng 9 năm 2025"


def test_ineligible_notice_only_for_ineligible_outcome(named_org):
    org = named_org
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    d = act(
        org,
        d,
        "resolve",
        "leader",
        local(2025, 3, 4, 9, 0),
        outcome="ineligible",
        reason="Ngành, nghề đăng ký thuộc danh mục cấm kinh doanh",
    )
    assert "ineligible" in [f["key"] for f in pdf.available_forms(d)]
    text = squash(form_text("ineligible", d))
    assert "THÔNG BÁO HỒ SƠ KHÔNG ĐỦ ĐIỀU KIỆN GIẢI QUYẾT" in text
    assert "Ngành, nghề đăng ký thuộc danh mục cấm kinh doanh" in text and d.code in text
    assert "/TB-BPTNTKQ" in text

    e = file_online(org, local(2025, 3, 3, 10, 0), name="Lê Văn Cường")
    e = act(org, e, "receive", "officer", local(2025, 3, 3, 10, 30))
    e = act(org, e, "resolve", "leader", local(2025, 3, 4, 9, 0), outcome="approved")
    assert "ineligible" not in [f["key"] for f in pdf.available_forms(e)]
    with pytest.raises(NotFound):
        pdf.render_form_pdf("ineligible", e)


def test_reasons_listed_one_by_one_keep_their_lines_on_the_forms(named_org):
    """Forms 02–05 and the ineligibility notice list the reasons one by one: reasons typed on separate lines stay on
    separate lines (in the event, hashed as stored, and on the form), not run together into one sentence."""
    org = named_org
    reasons = "Hồ sơ có các vấn đề sau:\n1. Không thuộc thẩm quyền giải quyết của Sở.\r\n\n2.   Người nộp không phải chủ hộ."
    lines = [
        "Hồ sơ có các vấn đề sau:",
        "1. Không thuộc thẩm quyền giải quyết của Sở.",
        "2. Người nộp không phải chủ hộ.",
    ]
    refused = act(
        org,
        file_online(org, local(2025, 3, 3, 9, 0)),
        "refuse",
        "officer",
        local(2025, 3, 3, 9, 30),
        reason=reasons,
    )
    assert refused.events.get(action="refuse").reason == "\n".join(lines)
    assert services.verify_chain(refused) == []
    received = act(
        org,
        file_online(org, local(2025, 3, 3, 10, 0), name="Lê Văn Cường"),
        "receive",
        "officer",
        local(2025, 3, 3, 10, 30),
    )
    ineligible = act(
        org, received, "resolve", "leader", local(2025, 3, 4, 9, 0), outcome="ineligible", reason=reasons
    )
    for form, d in (("refusal", refused), ("ineligible", ineligible)):
        html = pdf.render_form_html(form, d)
        assert "<br>".join(lines) in html, form
        if shutil.which("pdftotext"):
            text_lines = [" ".join(line.split()) for line in form_text(form, d).splitlines()]
            for line in lines:
                assert line in text_lines, (form, line)


def test_receipt_says_how_many_originals_and_copies_of_each_component_were_received(named_org):
    """Form 01 lists the components received with their originals and copies (bản chính, bản sao), as the
    procedure asks for them, for those handed in on paper; a component filed only as a file is shown as its file."""
    from motcua.catalog.models import ProcedureComponent

    org = named_org
    version = org["version"]
    ProcedureComponent.objects.create(version=version, order=1, name="Giấy đề nghị đăng ký hộ kinh doanh")
    ProcedureComponent.objects.create(
        version=version, order=2, name="Biên bản họp thành viên hộ gia đình", originals=0, copies=2
    )
    ProcedureComponent.objects.create(
        version=version, order=3, name="Văn bản ủy quyền", originals=1, copies=1, required=False
    )
    d = file_online(org, local(2025, 1, 24, 9, 0))
    d = act(org, d, "receive", "officer", local(2025, 1, 24, 10, 0), paper_components=[1, 2, 3])
    text = squash(form_text("receipt", d))
    assert "Giấy đề nghị đăng ký hộ kinh doanh — 01 bản chính" in text
    assert "Biên bản họp thành viên hộ gia đình — 02 bản sao" in text
    assert "Văn bản ủy quyền — 01 bản chính, 01 bản sao" in text

    # nothing recorded (a paper dossier received before the boxes existed): the required ones, with their count
    e = file_counter(org, local(2025, 1, 24, 9, 30), name="Lê Văn Cường")
    e = act(org, e, "receive", "officer", local(2025, 1, 24, 10, 30))
    text = squash(form_text("receipt", e))
    assert "Giấy đề nghị đăng ký hộ kinh doanh — 01 bản chính" in text
    assert "Biên bản họp thành viên hộ gia đình — 02 bản sao" in text
    assert "Văn bản ủy quyền" not in text


@pytest.mark.skipif(not shutil.which("pdfinfo"), reason="poppler-utils (pdfinfo) not installed")
def test_forms_are_tagged_pdfs_a_screen_reader_can_follow(org):
    """The forms came out as untagged PDFs: a screen reader met loose glyphs, in no order and no language. They
    are tagged now (structure tree, marked content), in Vietnamese as their HTML says."""
    d = act(
        org, file_online(org, local(2025, 1, 24, 9, 0)), "receive", "officer", at=local(2025, 1, 24, 9, 5)
    )
    data = pdf.render_form_pdf("receipt", d)
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    tree = subprocess.run(["pdfinfo", "-struct-text", "-"], input=data, capture_output=True, check=True)
    tree = tree.stdout.decode()
    heading = tree[tree.index("H1 (block)") :]
    assert heading.split("\n")[2].strip() == '"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ"', heading[:200]
    assert "Table (block)" in tree


def test_forms_01_to_04_say_what_the_forms_say(named_org):
    """Field by field against the national templates (Circular 03/2025/TT-VPCP, as MOH 3621/QĐ-BYT BM.01–04
    reproduces them; rules §2.3): the labels, the sentences, the signature lines of the circular in force."""
    org = named_org
    d = file_online(org, local(2026, 3, 2, 8, 30))
    d = act(org, d, "receive", "officer", local(2026, 3, 2, 9, 0))
    text = squash(form_text("receipt", d))
    assert "Mẫu số 01 — Thông tư số 03/2025/TT-VPCP" in text
    assert "Bộ phận Một cửa — Sở Kế hoạch và Đầu tư tiếp nhận hồ sơ của:" in text
    assert "Số định danh cá nhân/tổ chức: " in text and "mã số thuế" not in text
    # where the result goes, completing the sentence (it read "nhận kết quả tại: Tại Bộ phận Một cửa")
    assert f"6. Đăng ký nhận kết quả tại: {pdf.result_place(d, 'Bộ phận Một cửa', d.agency)}." in text
    assert "tại: Tại" not in text
    for method, address, place in (
        ("counter", "", "Bộ phận Một cửa — Sở Kế hoạch và Đầu tư"),
        ("post", "12 Lê Duẩn, Hà Nội", "địa chỉ 12 Lê Duẩn, Hà Nội (qua dịch vụ bưu chính)"),
        ("electronic", "", "tài khoản dịch vụ công trực tuyến của người nộp (kết quả điện tử)"),
    ):
        d.result_method, d.applicant_address = method, address
        assert f"6. Đăng ký nhận kết quả tại: {place}." in squash(form_text("receipt", d)), method
    d.refresh_from_db()
    assert "4. Thời gian nhận hồ sơ: 09 giờ 00 phút, ngày 02 tháng 3 năm 2026." in text
    assert f"5. Thời gian trả kết quả giải quyết hồ sơ: {pdf.fmt_hm_words(d.due_at)}." in text
    # the receiving officer's digital signature line (2025 template), the names on one line below the blocks
    assert "(Chữ ký số của người tiếp nhận hồ sơ nếu là biểu mẫu điện tử)" in text
    assert "Đặng Thị Ngọc Hương Nguyễn Thị Hoa" in text

    d = act(org, d, "apologize", "leader", local(2026, 3, 4, 15, 0), reason="Cần xác minh thêm",
            new_return_at=local(2026, 3, 10, 16, 0))  # fmt: skip
    text = squash(form_text("apology", d))
    assert "PHIẾU XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text
    assert (
        "Ngày 02 tháng 3 năm 2026, Sở Kế hoạch và Đầu tư tiếp nhận giải quyết hồ sơ đề nghị giải quyết"
        in text
    )
    assert f"số định danh: {APPLICANT['id_number']}; mã số hồ sơ: {d.code}." in text
    assert "vào 16 giờ 00 phút, ngày 10 tháng 3 năm 2026." in text
    # Form 04 of 2025: the head signs "(Ký và ghi rõ họ tên)", digitally on the electronic form; no seal line
    assert "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ (Ký và ghi rõ họ tên)" in text and "đóng dấu" not in text
    assert "(Chữ ký số của Thủ trưởng cơ quan, đơn vị nếu là biểu mẫu điện tử)" in text

    e = file_online(org, local(2026, 3, 2, 9, 0), name="Trần Văn Bình")
    e = act(org, e, "request_supplement", "officer", local(2026, 3, 2, 10, 0), reason="Thiếu giấy tờ",
            items=[{"name": "Giấy đề nghị", "reason": "Chưa ký"}])  # fmt: skip
    text = squash(form_text("supplement", e))
    assert "Ông/Bà liên hệ với Nguyễn Thị Hoa, số điện thoại ……………… để được hướng dẫn./." in text
    assert (
        "NGƯỜI HƯỚNG DẪN (Ký và ghi rõ họ tên) (Chữ ký số của người hướng dẫn nếu là biểu mẫu điện tử)"
        in text
    )

    f = file_online(org, local(2026, 3, 2, 9, 0), name="Lê Văn Cường")
    f = act(org, f, "refuse", "officer", local(2026, 3, 2, 9, 30), reason="Không thuộc thẩm quyền")
    text = squash(form_text("refusal", f))
    assert "Bộ phận Một cửa — Sở Kế hoạch và Đầu tư tiếp nhận hồ sơ của: Ông/Bà: Lê Văn Cường" in text
    assert (
        "Qua xem xét, Bộ phận Một cửa thông báo không tiếp nhận, giải quyết hồ sơ này với lý do cụ thể như sau: "
        "Không thuộc thẩm quyền"
    ) in text
    assert "Xin thông báo cho Ông/Bà được biết và thực hiện./." in text
    assert "(Chữ ký số của người tiếp nhận hồ sơ nếu là biểu mẫu điện tử)" in text


def test_a_circular_table_from_the_settings_words_the_signature_lines(named_org, settings):
    """The lines the circulars word differently come from the circular table (MOTCUA_FORM_CIRCULARS), not the
    templates: an installation whose table leaves them out prints none."""
    settings.MOTCUA_FORM_CIRCULARS = [
        {"code": "03/2025/TT-VPCP", "effective_from": "2025-09-15", "numbers": {"apology": "04"}}
    ]
    org = named_org
    d = file_online(org, local(2026, 3, 2, 8, 30))
    d = act(org, d, "receive", "officer", local(2026, 3, 2, 9, 0))
    d = act(org, d, "apologize", "leader", local(2026, 3, 4, 15, 0), reason="Cần xác minh thêm",
            new_return_at=local(2026, 3, 10, 16, 0))  # fmt: skip
    assert "Chữ ký số" not in squash(form_text("receipt", d))
    text = squash(form_text("apology", d))
    assert "Chữ ký số" not in text and "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ (Ký và ghi rõ họ tên)" in text


def test_the_tracking_books_number_runs_through_the_year_on_form_01_and_form_07(named_org):
    """Form 01's "Vào Sổ theo dõi hồ sơ, Quyển số: 2025, Số thứ tự: 0001" was the day's sequence of the code, so
    entry 0001 came back every day of the year's book, while Form 07 numbered its rows 1, 2, … within the printed
    period. Both now give a reception's place in its year's book (by reception time, then code), whatever the
    period printed; a new year starts at 1."""
    org = named_org
    received = []
    for day, hour in ((3, 9), (3, 10), (4, 9), (5, 9)):  # two a day: each day's sequence restarts at 0001
        d = file_online(org, local(2025, 3, day, 8, 0))
        received.append(act(org, d, "receive", "officer", local(2025, 3, day, hour, 0)))
    nxt = act(org, file_online(org, local(2026, 1, 5, 8, 0)), "receive", "officer", local(2026, 1, 5, 9, 0))
    for n, d in enumerate(received, start=1):
        assert f"Quyển số: 2025, Số thứ tự: {n:04d}." in squash(form_text("receipt", d)), d.code
    assert "Quyển số: 2026, Số thứ tự: 0001." in squash(form_text("receipt", nxt))
    rows = pdf.tracking_rows(org["so"], dt.date(2025, 3, 4), dt.date(2025, 3, 5))  # the 4th and 5th only
    assert [(r["n"], r["code"]) for r in rows] == [(3, received[2].code), (4, received[3].code)]
    rows = pdf.tracking_rows(org["so"], dt.date(2025, 3, 5), dt.date(2026, 1, 31))  # across the new year
    assert [(r["n"], r["code"]) for r in rows] == [(4, received[3].code), (1, nxt.code)]


def test_control_slip_and_tracking_book_say_what_the_forms_say(named_org):
    """Form 06's head ("Mã số hồ sơ", "Ngày nhận", "Hẹn trả kết quả vào … giờ … phút, ngày … tháng … năm …"), its
    columns and its two footnotes; Form 07's "Nhận và trả kết quả" over its five columns and its footnote."""
    org = named_org
    d = file_online(org, local(2026, 3, 2, 8, 30))
    d = act(org, d, "receive", "officer", local(2026, 3, 2, 9, 0))
    d = act(org, d, "hand_over", "specialist", local(2026, 3, 3, 10, 0))
    text = squash(form_text("control", d))
    assert f"Mã số hồ sơ: {d.code}" in text
    assert "Ngày nhận: 09 giờ 00 phút, ngày 02 tháng 3 năm 2026" in text
    assert f"Hẹn trả kết quả vào {pdf.fmt_hm_words(d.due_at)}" in text
    assert "Tên đơn vị Thời gian giao nhận hồ sơ Người giao Người nhận" in text
    assert "10 giờ 00 phút, ngày 03/03/2026" in text  # a row: "…giờ…phút, ngày…/…/…"
    assert "Kết quả giải quyết hồ sơ do bên nhận nhập thông tin/ghi khi nhận bàn giao hồ sơ." in text
    assert (
        "Việc lưu vết được thực hiện tự động theo chức năng của Hệ thống thông tin giải quyết thủ tục hành chính "
        "và thể hiện trên mẫu phiếu điện tử."
    ) in text
    html = pdf.render_tracking_book_html(org["so"], dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert '<th colspan="5">Nhận và trả kết quả</th>' in html
    text = squash(
        pdf_text(pdf.render_tracking_book_pdf(org["so"], dt.date(2026, 3, 1), dt.date(2026, 3, 31)), html)
    )
    assert "Nhận và trả kết quả" in text and d.code in text
    assert "không cần thực hiện in sổ giấy nhưng phải đảm bảo đầy đủ thông tin theo quy định" in text


def test_a_second_supplement_request_does_not_promise_the_guidance_was_given_once(named_org):
    """Form 02 says the dossier is guided "một lần, đầy đủ" (rules §1.3); a second request during processing said
    so too, beside "lần yêu cầu bổ sung thứ 2". The first keeps the form's words; a later one names its round."""
    org = named_org
    d = act(org, file_online(org, local(2025, 3, 3, 8, 30)), "receive", "officer", local(2025, 3, 3, 9, 0))
    d = act(org, d, "request_supplement", "specialist", local(2025, 3, 3, 14, 0), reason="Thiếu bản sao CCCD")
    d = act(org, d, "supplement", "citizen", local(2025, 3, 4, 9, 0))
    d = act(org, d, "request_supplement", "specialist", local(2025, 3, 4, 14, 0), reason="Bản sao không rõ")
    seqs = [f["seq"] for f in pdf.available_forms(d) if f["key"] == "supplement"]
    first, second = (squash(pdf.render_form_html("supplement", d, seq)) for seq in seqs)
    assert "Hồ sơ được hướng dẫn một lần, đầy đủ bằng văn bản này." in first
    assert "một lần" not in second and "(lần yêu cầu bổ sung thứ 2 trong quá trình giải quyết)" in second
