"""A team member files a dossier online for a resident; the resident signs in, claims it with the dossier code and
their personal ID number, and sees it with its state."""

import datetime as dt

import pytest
from django.utils import timezone

from motcua.community.models import AssistedFiling, ClaimRecord
from motcua.dossiers.models import Dossier

from .conftest import PASSWORD, RESIDENT_ID

# the live server, Chromium and the sign_in fixture: conftest.py at the top
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(locale="vi-VN"),
]


def test_member_files_resident_claims(live_server, page, world, sign_in):
    sign_in("tcns.bk1", PASSWORD, "/to-cong-nghe-so/nop-ho/")
    page.get_by_label("Thủ tục hành chính").select_option("1.001193")
    page.get_by_role("button", name="Chọn thủ tục").click()
    page.wait_for_url("**/to-cong-nghe-so/nop-ho/?procedure_code=1.001193")
    page.get_by_label("Họ và tên người dân").fill("Trần Văn Bảo")
    page.get_by_label("Số định danh cá nhân").fill(RESIDENT_ID)
    page.get_by_label("Số điện thoại").fill("0912345678")
    page.get_by_label("Hình thức người dân đồng ý").select_option(label="Xác nhận qua điện thoại")
    # how and when the resident consented: recorded by the member, nothing filled in beforehand
    assert page.get_by_label("Thời điểm đồng ý").input_value() == ""
    consented = timezone.localtime() - dt.timedelta(minutes=30)
    page.get_by_label("Thời điểm đồng ý").fill(consented.strftime("%d/%m/%Y %H:%M"))
    page.get_by_label("Ghi chú về sự đồng ý").fill("Ông Bảo đồng ý qua điện thoại lúc 9 giờ")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_selector(".dossier-code")
    code = page.locator(".dossier-code").inner_text().strip()
    assert code.startswith("000.02.33.H26-")
    dossier = Dossier.objects.get(code=code)
    assert (dossier.applicant_name, dossier.filed_by.username, dossier.applicant_user) == (
        "Trần Văn Bảo",
        "tcns.bk1",
        None,
    )
    assert AssistedFiling.objects.get(dossier=dossier).consent_method == "phone"

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/accounts/logout/")
    sign_in("nguoidan", PASSWORD, f"/to-cong-nghe-so/nhan-ho-so/?ma={code}")
    assert page.get_by_label("Mã hồ sơ").input_value() == code
    page.get_by_label("Số định danh cá nhân").fill("001085099999")
    page.get_by_role("button", name="Nhận hồ sơ").click()
    page.wait_for_selector(".msg-error")
    assert "không đúng" in page.locator(".msg-error").inner_text()
    assert Dossier.objects.get(code=code).applicant_user is None

    page.get_by_label("Số định danh cá nhân").fill(RESIDENT_ID)
    page.get_by_role("button", name="Nhận hồ sơ").click()
    page.wait_for_url(f"**/to-cong-nghe-so/nhan-ho-so/{code}/")
    assert page.locator(".dossier-code").inner_text().strip() == code
    assert page.locator(".dossier-state").inner_text() == "Mới đăng ký"
    note = page.locator(".assisted-note").inner_text()
    assert "Tổ CNSCĐ TDP số 1" in note and "Phạm Thị Hoa" in note
    assert code in page.locator(".claimed-list").inner_text()
    assert Dossier.objects.get(code=code).applicant_user.username == "nguoidan"
    assert ClaimRecord.objects.get().user.username == "nguoidan"


def test_member_records_an_outreach_round(live_server, page, world, sign_in):
    from django.utils import timezone

    from motcua.community.models import OutreachLog

    sign_in("tcns.bk1", PASSWORD, "/to-cong-nghe-so/nop-ho/")
    page.get_by_role("link", name="Ghi nhật ký hỗ trợ người dân của tổ").click()
    page.wait_for_url("**/to-cong-nghe-so/nhat-ky/")
    day = (timezone.localdate() - dt.timedelta(days=2)).strftime("%d/%m/%Y")
    # the team was established for Tổ dân phố số 1: the one group it is offered
    offered = page.get_by_label("Tổ dân phố").locator("option").all_inner_texts()
    assert offered == ["— Chọn tổ dân phố —", "Tổ dân phố số 1"], offered
    page.get_by_label("Tổ dân phố").select_option(label="Tổ dân phố số 1")
    page.get_by_label("Ngày đi hỗ trợ").fill(day)
    page.get_by_label("Vũ Minh Đức (Tổ phó)").check()
    page.get_by_label("Số hộ đã đến").fill("30")
    page.get_by_label("Trong đó: số hộ lần đầu được tiếp cận").fill("31")
    page.get_by_label("Dịch vụ công trực tuyến").check()
    page.get_by_label("Khác", exact=True).check()
    page.get_by_role("button", name="Ghi nhật ký").click()
    first_error = page.locator("#id_households_first_visit_error")
    assert "không thể lớn hơn số hộ đã đến" in first_error.inner_text()
    assert "hãy ghi nội dung đó" in page.locator("#id_other_topic_error").inner_text()
    assert not OutreachLog.objects.exists()
    # what was typed is kept: correct the two fields only
    assert page.get_by_label("Ngày đi hỗ trợ").input_value() == day
    page.get_by_label("Trong đó: số hộ lần đầu được tiếp cận").fill("12")
    page.get_by_label("Nội dung khác").fill("Cài ứng dụng iHanoi")
    page.get_by_role("button", name="Ghi nhật ký").click()
    page.wait_for_selector(".msg-success")
    row = page.locator("table.outreach-recent tbody tr").first.inner_text()
    assert day in row and "Tổ dân phố số 1" in row and "Vũ Minh Đức" in row and "iHanoi" in row
    log = OutreachLog.objects.get()
    assert (log.households_visited, log.households_first_visit, log.topics) == (
        30,
        12,
        ["online_services", "other"],
    )
