"""A citizen rates a result and files a complaint; an officer signs in and answers it on /staff/phan-anh/."""

import pytest

from motcua.dossiers.tests.conftest import PASSWORD as ORG_PASSWORD
from motcua.dossiers.tests.conftest import org  # noqa: F401 - the lifecycle's agencies and people
from motcua.feedback.models import Feedback, Rating, Status

from .conftest import PASSWORD, make_dossier

# the live server, Chromium and the sign_in fixture: conftest.py at the top
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.browser_context_args(locale="vi-VN"),
]


def test_citizen_rates_and_complains_officer_answers(live_server, page, world, sign_in):
    dossier = make_dossier(world, state="returned")
    base = live_server.url

    sign_in("congdan", PASSWORD, f"/danh-gia/{dossier.code}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Đánh giá mức độ hài lòng"
    page.get_by_label("Hài lòng", exact=True).check()
    page.get_by_label("Thái độ, tinh thần phục vụ của cán bộ, công chức").select_option("4")
    page.get_by_label("Ý kiến góp ý").fill("Cán bộ hướng dẫn tận tình")
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_selector(".rating-overall")
    assert page.locator(".rating-overall").inner_text() == "Hài lòng"
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.overall, rating.scores, rating.user.username) == (3, {"thai-do-can-bo": 4}, "congdan")

    page.get_by_role("link", name="Gửi phản ánh, kiến nghị về hồ sơ này").click()
    page.wait_for_url("**/phan-anh/?ho-so=*")
    assert page.get_by_label("Mã hồ sơ").input_value() == dossier.code
    page.get_by_label("Khiếu nại về việc giải quyết hồ sơ").check()
    page.get_by_label("Tiêu đề").fill("Trả kết quả chậm so với giấy hẹn")
    page.get_by_label("Nội dung").fill("Tôi phải đến lấy kết quả hai lần.")
    page.get_by_label("Số điện thoại").fill("0912345678")
    page.get_by_role("button", name="Gửi phản ánh").click()
    page.wait_for_selector(".pakn-reference")
    reference = page.locator(".pakn-reference").inner_text().strip()
    fb = Feedback.objects.get(reference=reference)
    assert (fb.kind, fb.agency, fb.dossier, fb.status) == (
        "complaint",
        world["ward"],
        dossier,
        Status.RECEIVED,
    )

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/accounts/logout/")
    sign_in("phuong.mc", PASSWORD, "/staff/phan-anh/")
    row = page.locator(f'tr[data-reference="{reference}"]')
    assert "Trả kết quả chậm" in row.inner_text()
    row.get_by_role("link", name=reference).click()
    page.wait_for_url(f"**/staff/phan-anh/{reference}/")
    page.get_by_label("Nội dung trả lời").fill("Bộ phận Một cửa xin lỗi Ông/Bà và đã chấn chỉnh.")
    page.get_by_label("Công khai câu trả lời").check()
    page.get_by_role("button", name="Gửi trả lời").click()
    # the original content is not published as such: a redacted draft and the preview, to confirm
    preview = page.locator(".pakn-preview")
    assert "Tôi phải đến lấy kết quả hai lần." in preview.inner_text()
    assert (
        page.get_by_label("Nội dung phản ánh công khai").input_value() == "Tôi phải đến lấy kết quả hai lần."
    )
    assert Feedback.objects.get(pk=fb.pk).status == Status.RECEIVED
    page.get_by_role("button", name="Xác nhận công khai và gửi trả lời").click()
    page.wait_for_selector("text=Đã gửi trả lời phản ánh")
    assert page.locator(".pakn-status").inner_text() == "Đã trả lời"
    fb.refresh_from_db()
    assert fb.status == Status.ANSWERED and fb.on_time and fb.answer_public
    assert fb.answered_by.username == "phuong.mc"

    page.goto(f"{base}/phan-anh/cong-khai/")
    body = page.locator("main").inner_text()
    assert "Trả kết quả chậm so với giấy hẹn" in body and "đã chấn chỉnh" in body
    assert "0912345678" not in body and dossier.code not in body and "Nguyễn Văn An" not in body


def test_a_walk_in_applicant_rates_from_the_public_lookup(live_server, page, world):
    """No account: the receipt's code on the lookup page, then the applicant's ID number to rate."""
    dossier = make_dossier(world, state="returned", owner=None, channel="counter")
    base = live_server.url
    page.goto(f"{base}/tra-cuu/?ma={dossier.code}")
    page.get_by_role("link", name="Đánh giá mức độ hài lòng").click()
    page.wait_for_url(f"**/danh-gia/{dossier.code}/")
    page.get_by_label("Rất hài lòng").check()
    page.get_by_label("Số định danh cá nhân hoặc mã số thuế của người nộp hồ sơ").fill("001203012399")
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_selector("#error-summary")  # focused, linked to the number typed
    assert "không khớp" in page.locator("#error-summary").inner_text()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert not Rating.objects.exists()
    page.get_by_label("Số định danh cá nhân hoặc mã số thuế của người nộp hồ sơ").fill("001 203 012 345")
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_selector("text=Cảm ơn Ông/Bà đã đánh giá")
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.overall, rating.channel, rating.user) == (4, "receipt", None)
    assert "đã được đánh giá" in page.locator(".rating-done").inner_text()


def test_the_counter_screen_shows_the_result_just_handed_over_by_itself(live_server, page, org, sign_in):  # noqa: F811
    """The tablet at the desk is left on the counter's rating screen; the officer hands a result over at the
    counter on their own computer; the screen, untouched, shows that dossier's QR within seconds, and the
    applicant rates on the tablet, which goes back to its welcome."""
    from django.utils import timezone

    from .test_counter_display import returned

    sign_in("mc", ORG_PASSWORD, "/staff/danh-gia/man-hinh-quay/")
    assert page.locator("#counter-panel").get_attribute("data-key").startswith("-:")
    assert page.get_by_role("link", name="Xử lý hồ sơ").count() == 0  # a kiosk
    d = returned(org, at=timezone.now())
    page.wait_for_selector(f'#counter-panel[data-key^="{d.code}:"]', timeout=15_000)  # no reload by anyone
    assert page.locator("#counter-panel svg").count() == 1
    page.get_by_role("link", name="Đánh giá ngay trên máy này").click()
    page.get_by_label("Rất hài lòng", exact=True).check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url("**/staff/danh-gia/man-hinh-quay/")
    assert "Cảm ơn" in page.locator("main").inner_text()
    assert page.locator("#counter-panel").get_attribute("data-key").startswith("-:")
    rating = Rating.objects.get(dossier=d)
    assert (rating.channel, rating.recorded_by.username) == ("counter", "mc")


def test_a_tablet_paired_with_a_desk_follows_the_officer_sitting_there(live_server, page, org, sign_in):  # noqa: F811
    """An officer adds a desk and pairs the tablet with it on the tablet itself (which signs the officer out there);
    the officer then sits at the desk on their own computer; a result they hand over at the counter appears on the
    tablet by itself, the applicant rates on it and it goes back to the desk's welcome."""
    from django.utils import timezone

    from motcua.feedback import desks

    from .test_counter_display import returned

    sign_in("mc", ORG_PASSWORD, "/staff/quay/")
    page.get_by_label("Số quầy").fill("0")
    page.get_by_label("Số quầy").evaluate("e => e.removeAttribute('min')")  # what a server must refuse anyway
    page.get_by_role("button", name="Thêm quầy").click()
    assert "Số quầy phải là số nguyên từ 1 đến 999" in page.locator("#action-error").inner_text()
    page.get_by_label("Số quầy").fill("2")
    page.get_by_label("Lĩnh vực, ghi chú (không bắt buộc)").fill("Đăng ký kinh doanh")
    page.get_by_role("button", name="Thêm quầy").click()
    assert "Đã thêm Quầy số 2 — Đăng ký kinh doanh" in page.locator(".messages").inner_text()
    page.get_by_role("link", name="Dùng máy này làm màn hình của quầy").click()
    # a step says what pairing does before it is done
    assert "được đăng xuất khỏi máy này" in page.locator("main").inner_text()
    page.get_by_role("button", name="Gắn máy và đăng xuất").click()
    page.wait_for_url("**/quay/man-hinh/")
    assert "Quầy số 2 — Đăng ký kinh doanh" in page.locator("#counter-panel").inner_text()
    assert page.locator("a[href^='/staff/']").count() == 0  # a kiosk with no officer's session behind it
    # the officer, on their own computer, sits at the desk and hands a result over
    desks.desk_sit(
        actor=org["users"]["officer"], desk_id=desks.visible_desks(org["users"]["officer"]).get().pk
    )
    page.wait_for_selector('#counter-panel[data-key^="-:"]:not([data-key$=":0:0"])', timeout=15_000)
    d = returned(org, at=timezone.now())
    page.wait_for_selector(f'#counter-panel[data-key^="{d.code}:"]', timeout=15_000)
    page.get_by_role("link", name="Đánh giá ngay trên máy này").click()
    page.get_by_label("Hài lòng", exact=True).check()
    page.get_by_role("button", name="Gửi đánh giá").click()
    page.wait_for_url("**/quay/man-hinh/")
    assert "Cảm ơn" in page.locator("main").inner_text()
    rating = Rating.objects.get(dossier=d)
    assert (rating.channel, rating.recorded_by.username, rating.overall) == ("counter", "mc", 3)


def test_the_rating_page_fits_a_320px_phone(live_server, page, world, sign_in):
    """The criteria grid's columns were at least 18rem (288px) inside a fieldset's padding: the rating page
    scrolled sideways on a 320px phone (330px wide)."""
    dossier = make_dossier(world, state="returned")
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in("congdan", PASSWORD, f"/danh-gia/{dossier.code}/")
    assert page.get_by_label("Thái độ, tinh thần phục vụ của cán bộ, công chức").is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, width
