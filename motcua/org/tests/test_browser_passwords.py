"""In Chromium: a citizen who forgot the password asks for a link from the sign-in page, sets a new password from
the e-mail and signs in with it; an officer changes the password from the header."""

import re

import pytest
from django.core import mail

from motcua.notifications.tests.factories import PASSWORD

# the live server, Chromium and the fixtures browser_world and sign_in: conftest.py at the top
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW = "Sen-hong-Ho-Tay-2026"


def test_forgotten_password_by_email_then_sign_in(live_server, page, browser_world, settings, sign_in):
    settings.MOTCUA_SITE_URL = live_server.url
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name="Quên mật khẩu?").click()
    page.wait_for_url(f"{base}/accounts/password/reset/")
    page.get_by_role("button", name="Gửi đường dẫn đặt lại mật khẩu").click()  # nothing typed
    assert page.locator("#error-summary").get_by_text("Vui lòng nhập thư điện tử").is_visible()
    page.get_by_label("Thư điện tử").fill("an.nguyen@example.vn")
    page.get_by_role("button", name="Gửi đường dẫn đặt lại mật khẩu").click()
    page.wait_for_url(f"{base}/accounts/password/reset/sent/")
    assert page.get_by_role("heading", name="Kiểm tra hộp thư").is_visible()

    link = re.search(rf"{re.escape(base)}/accounts/password/reset/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.wait_for_url(re.compile(r".*/set-password/$"))  # the token left the address bar
    page.locator("#id_new_password1").fill(NEW)
    page.get_by_label("Nhập lại mật khẩu mới").fill(NEW)
    page.get_by_role("button", name="Đặt mật khẩu mới").click()
    page.wait_for_url(f"{base}/accounts/password/reset/done/")
    sign_in("congdan", NEW)

    page.goto(link)  # used once
    assert page.get_by_role("heading", name="Đường dẫn không hợp lệ").is_visible()
    assert page.get_by_role("link", name="Yêu cầu đường dẫn mới").is_visible()


def test_officer_changes_the_password_from_the_header(live_server, page, browser_world, sign_in):
    sign_in("mc", next_url="/staff/")
    page.get_by_role("banner").get_by_role("link", name="Đổi mật khẩu").click()
    page.get_by_label("Mật khẩu hiện tại", exact=False).fill(PASSWORD)
    page.locator("#id_new_password1").fill("12345678")
    page.get_by_label("Nhập lại mật khẩu mới").fill("12345678")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    summary = page.locator("#error-summary")
    assert summary.is_visible() and summary.evaluate("el => el === document.activeElement")
    assert summary.get_by_text("quá phổ biến").is_visible()
    page.get_by_label("Mật khẩu hiện tại", exact=False).fill(PASSWORD)
    page.locator("#id_new_password1").fill(NEW)
    page.get_by_label("Nhập lại mật khẩu mới").fill(NEW)
    page.get_by_role("button", name="Đổi mật khẩu").click()
    assert page.get_by_text("Đã đổi mật khẩu").is_visible()
    page.goto(f"{live_server.url}/staff/")  # still signed in
    assert page.get_by_role("button", name="Đăng xuất (mc)").is_visible()
    sign_in("mc", NEW)
