"""End to end in Chromium: a citizen registers, files online through the wizard with a PDF component, and
after the officer accepts the dossier sees the new state and downloads the receipt (Form 01)."""

import hashlib
import re

import pytest

from motcua.dossiers import services as dossiers
from motcua.dossiers.models import Dossier
from motcua.notifications.tests.factories import PDF_BYTES

# the live server, Chromium and the fixtures browser_world, filed_world and sign_in: conftest.py at the top
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def start_filing(page, base: str, code: str = "1.001612") -> None:
    """The procedure page's "Nộp hồ sơ trực tuyến" button: one click, a POST, and the wizard's first step."""
    page.goto(f"{base}/thu-tuc/{code}/")
    page.get_by_role("button", name="Nộp hồ sơ trực tuyến").click()
    page.wait_for_url(re.compile(rf".*/nop-ho-so/{re.escape(code)}/nguoi-nop/$"))


def test_citizen_registers_files_online_and_gets_the_receipt(live_server, page, tmp_path, browser_world):
    world = browser_world
    scan = tmp_path / "giay-de-nghi.pdf"
    scan.write_bytes(PDF_BYTES)
    base = live_server.url

    # 1. register
    page.goto(f"{base}/tai-khoan/dang-ky/")
    page.get_by_label("Họ và tên").fill("Đặng Thu Trang")
    page.get_by_label("Thư điện tử").fill("trang.dang@example.vn")
    page.get_by_label("Số điện thoại di động").fill("0983 456 789")
    page.locator("#id_password1").fill("trang-dang-2026!")
    page.get_by_label("Nhập lại mật khẩu").fill("trang-dang-2026!")
    page.locator("#id_consent").check()  # the privacy notice, read from the link above it
    page.get_by_role("button", name="Đăng ký").click()
    page.wait_for_url(f"{base}/ho-so-cua-toi/")
    assert page.get_by_text("Đăng ký tài khoản thành công").is_visible()

    # 2. the procedure page's button opens the wizard
    start_filing(page, base)
    assert page.get_by_label("Họ và tên / tên tổ chức").input_value() == "Đặng Thu Trang"
    page.get_by_role("button", name="Tiếp tục →").click()  # ID number and address still missing
    summary = page.locator("#error-summary")
    assert summary.is_visible() and summary.evaluate("el => el === document.activeElement")
    page.get_by_label("Số định danh cá nhân (CCCD) / mã số thuế").fill("001305006789")
    page.locator("#id_applicant_address").fill("8 Đại Cồ Việt, Hai Bà Trưng, Hà Nội")
    page.get_by_role("button", name="Tiếp tục →").click()

    # 3. components: upload the PDF
    page.wait_for_url(re.compile(r".*/thanh-phan/$"))
    c1 = world["components"][0]
    page.locator(f"#file_{c1.pk}").set_input_files(str(scan))
    page.get_by_role("button", name="Tiếp tục →").click()

    # 4. e-form
    page.wait_for_url(re.compile(r".*/to-khai/$"))
    page.get_by_label("Tên hộ kinh doanh").fill("Hiệu sách Thu Trang")
    page.get_by_label("Vốn kinh doanh (đồng)").fill("30000000")
    page.get_by_label("Ngành, nghề kinh doanh").select_option("Bán lẻ")
    page.get_by_role("button", name="Tiếp tục →").click()

    # 5. how to receive the result
    page.wait_for_url(re.compile(r".*/nhan-ket-qua/$"))
    page.get_by_label("Nhận kết quả điện tử trên Cổng dịch vụ công").check()
    page.get_by_role("button", name="Tiếp tục →").click()

    # 6. review and submit
    page.wait_for_url(re.compile(r".*/xem-lai/$"))
    assert page.get_by_role("link", name="giay-de-nghi.pdf").is_visible()
    page.get_by_role("button", name="Nộp hồ sơ").click()
    page.wait_for_url(re.compile(r".*/ho-so-cua-toi/000\.00\.21\.H26-\d{6}-0001/$"))
    assert page.locator("#dossier-state").inner_text() == "Mới đăng ký"
    dossier = Dossier.objects.get()
    assert dossier.channel == "online"
    assert dossier.documents.get().sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert dossier.applicant_user.email == "trang.dang@example.vn"

    # 7. the one-stop officer accepts it
    dossiers.dossier_act(code=dossier.code, action="receive", actor=world["officer"])
    page.reload()
    assert page.locator("#dossier-state").inner_text() == "Được tiếp nhận"
    receipt = page.get_by_role("link", name=re.compile("Giấy tiếp nhận hồ sơ và hẹn trả kết quả"))
    href = receipt.get_attribute("href")
    assert href == f"/ho-so-cua-toi/{dossier.code}/phieu/receipt.pdf"
    response = page.request.get(f"{base}{href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")


LONG_NAME = "Giay_de_nghi_dang_ky_ho_kinh_doanh_ban_chinh_co_chu_ky.pdf"


def test_long_file_names_fit_a_phone(live_server, page, tmp_path, filed_world, sign_in):
    """A file name without spaces widened the citizen's pages to 574px on a 375×812 phone."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from motcua.dossiers import documents
    from motcua.portal.models import Draft

    world, dossier = filed_world, filed_world["dossier"]
    documents.store_upload(
        dossier=dossier,
        uploaded_file=SimpleUploadedFile(LONG_NAME, PDF_BYTES),
        kind="component",
        component=world["components"][0],
        actor=world["citizen"],
    )
    base = live_server.url
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(world["citizen"].username)

    page.goto(f"{base}/ho-so-cua-toi/{dossier.code}/")
    assert page.get_by_text(LONG_NAME).is_visible()
    page.screenshot(path=str(tmp_path / "my-dossier-375.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width

    # the wizard's components step lists a draft's files the same way
    start_filing(page, base)
    draft = Draft.objects.get()
    draft_file = tmp_path / LONG_NAME
    draft_file.write_bytes(PDF_BYTES + b"%draft\n")
    page.goto(f"{base}/nop-ho-so/1.001612/thanh-phan/")
    page.locator(f"#file_{world['components'][0].pk}").set_input_files(str(draft_file))
    page.get_by_role("button", name="Tải lên").click()
    page.wait_for_load_state()
    assert draft.files.count() == 1
    assert page.get_by_role("link", name=LONG_NAME).is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, width
    page.screenshot(path=str(tmp_path / "components-375.png"), full_page=True)


def test_enter_in_a_field_continues_the_wizard(live_server, page, tmp_path, browser_world, sign_in):
    """The phone keyboard's Go key (Enter) sent the form with its first submit button, "Lưu nháp và thoát": the
    citizen was taken out of the wizard to "Hồ sơ của tôi" at every step instead of going on."""
    from motcua.notifications.tests.factories import APPLICANT

    world = browser_world
    scan = tmp_path / "giay-de-nghi.pdf"
    scan.write_bytes(PDF_BYTES)
    base = live_server.url
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(world["citizen"].username)

    # a link to the filing (here typed in) shows the start page; its button opens the draft
    page.goto(f"{base}/nop-ho-so/1.001612/nguoi-nop/")
    page.wait_for_url(re.compile(r".*/nop-ho-so/1\.001612/$"))
    page.get_by_role("button", name="Bắt đầu nộp hồ sơ").click()
    page.wait_for_url(re.compile(r".*/nguoi-nop/$"))
    page.locator("#id_applicant_name").fill(APPLICANT["name"])
    page.locator("#id_applicant_id_number").fill(APPLICANT["id_number"])
    page.locator("#id_applicant_phone").fill(APPLICANT["phone"])
    page.locator("#id_applicant_address").fill(APPLICANT["address"])
    page.locator("#id_applicant_address").press("Enter")
    page.wait_for_url(re.compile(r".*/thanh-phan/$"))

    page.locator(f"#file_{world['components'][0].pk}").set_input_files(str(scan))
    page.get_by_role("button", name="Tiếp tục →").click()
    page.wait_for_url(re.compile(r".*/to-khai/$"))
    page.get_by_label("Tên hộ kinh doanh").fill("Hiệu sách Thu Trang")
    page.get_by_label("Ngành, nghề kinh doanh").select_option("Bán lẻ")
    page.get_by_label("Vốn kinh doanh (đồng)").fill("30.000.000")
    page.get_by_label("Vốn kinh doanh (đồng)").press("Enter")
    page.wait_for_url(re.compile(r".*/nhan-ket-qua/$"))

    page.get_by_label("Nhận qua dịch vụ bưu chính công ích").check()
    page.locator("#id_result_address").fill("8 Đại Cồ Việt, Hai Bà Trưng, Hà Nội")
    page.locator("#id_result_address").press("Enter")
    page.wait_for_url(re.compile(r".*/xem-lai/$"))


def test_a_refused_supplement_is_brought_into_view_on_a_phone(
    live_server, page, tmp_path, filed_world, sign_in
):
    """The refusal was shown beside the supplement form, a screen or more below the top of the page where the
    phone showed the reloaded page: nothing seemed to have happened."""
    world, dossier = filed_world, filed_world["dossier"]
    dossiers.dossier_act(code=dossier.code, action="receive", actor=world["officer"])
    dossiers.dossier_act(
        code=dossier.code,
        action="request_supplement",
        actor=world["officer"],
        params={"reason": "Thiếu biên bản họp", "items": [{"name": "Biên bản họp", "reason": "chưa nộp"}]},
    )
    text_file = tmp_path / "ghi-chu.txt"
    text_file.write_text("không phải PDF")
    base = live_server.url
    page.set_viewport_size({"width": 320, "height": 640})
    sign_in(world["citizen"].username)

    page.goto(f"{base}/ho-so-cua-toi/{dossier.code}/")
    page.locator("#sup-files").set_input_files(str(text_file))
    page.locator("#sup-note").fill("Gửi bổ sung biên bản")
    page.get_by_role("button", name="Nộp bổ sung").click()
    page.wait_for_selector("#sup-error")
    assert page.evaluate("document.activeElement.id") == "sup-error"
    box = page.locator("#sup-error").bounding_box()
    assert 0 <= box["y"] < 640, box  # on the screen, not below it
    assert page.locator("#sup-note").input_value() == "Gửi bổ sung biên bản"


def test_my_dossiers_fit_a_phone_with_the_return_date_in_view(live_server, page, filed_world, sign_in):
    """The citizen's list was a table scrolled sideways on a phone: the return date (the column a citizen looks
    for) was off the screen. On a phone each dossier is a card, every value under its column's name."""
    world, dossier = filed_world, filed_world["dossier"]
    dossiers.dossier_act(code=dossier.code, action="receive", actor=world["officer"])
    due = Dossier.objects.get(pk=dossier.pk).due_at
    base = live_server.url
    page.set_viewport_size({"width": 360, "height": 740})
    sign_in(world["citizen"].username)
    page.goto(f"{base}/ho-so-cua-toi/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    table = page.locator("table.cards-on-phone")
    assert table.evaluate("el => el.parentElement.scrollWidth <= el.parentElement.clientWidth")
    cell = page.locator("td[data-label='Hẹn trả']").first
    assert cell.is_visible() and f"{due.astimezone(dossiers.lifecycle.LOCAL):%d/%m/%Y}" in cell.inner_text()
    box = cell.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    assert page.get_by_role("rowheader", name=dossier.code).is_visible()
    # a desktop keeps the table's columns
    page.set_viewport_size({"width": 1280, "height": 800})
    assert page.locator("table.cards-on-phone thead").is_visible()


def test_a_draft_files_remove_button_is_seen(live_server, page, tmp_path, browser_world, sign_in):
    """The "Xóa" beside a file uploaded to the draft is a link-like button: the rule giving a filled red button
    white text (draft deletion) made its text white on the white page, so a citizen saw no way to remove a file."""
    world = browser_world
    base = live_server.url
    sign_in(world["citizen"].username)
    start_filing(page, base)
    upload = tmp_path / "giay-de-nghi.pdf"
    upload.write_bytes(PDF_BYTES)
    page.goto(f"{base}/nop-ho-so/1.001612/thanh-phan/")
    page.locator(f"#file_{world['components'][0].pk}").set_input_files(str(upload))
    page.get_by_role("button", name="Tải lên").click()
    page.wait_for_load_state()
    remove = page.get_by_role("button", name="Xóa tệp giay-de-nghi.pdf")
    colour, background = remove.evaluate(
        """b => {
            const seen = e => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
                if (c !== "rgba(0, 0, 0, 0)" && c !== "transparent") return c; } return "rgb(255, 255, 255)"; };
            return [getComputedStyle(b).color, seen(b)];
        }"""
    )
    assert colour != background, (colour, background)
    # the filled red "Xóa bản nháp" keeps its white text
    page.goto(f"{base}/ho-so-cua-toi/")
    page.get_by_role("link", name=re.compile("Xóa bản nháp")).click()
    filled = page.get_by_role("button", name="Xóa bản nháp")
    assert filled.evaluate("b => getComputedStyle(b).color") == "rgb(255, 255, 255)"
    assert filled.evaluate("b => getComputedStyle(b).backgroundColor") != "rgb(255, 255, 255)"
