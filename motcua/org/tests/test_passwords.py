"""Password change (signed in) and "Quên mật khẩu?" (a one-use link by e-mail): Django's views and token generator
with Vietnamese pages and messages, the login throttle and rate limits (motcua/org/views.py, ADR 0003 addendum)."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from motcua.org import throttle
from motcua.org.models import LoginThrottle

CHANGE = "/accounts/password/change/"
RESET = "/accounts/password/reset/"
OLD = "dung-mat-khau-cu"
NEW = "Hoa-sen-Tay-Ho-2026"
LINK = re.compile(r"https://dichvucong\.example\.gov\.vn(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def user(db, django_user_model, settings):
    settings.LOGIN_MAX_ATTEMPTS = 3
    settings.LOGIN_LOCKOUT_SECONDS = 600
    settings.MOTCUA_SITE_URL = "https://dichvucong.example.gov.vn"
    return django_user_model.objects.create_user(
        "canbo", email="canbo@phuong.example.vn", password=OLD, first_name="Nguyễn Văn An"
    )


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def _change(client, old=OLD, new1=NEW, new2=None, **extra):
    data = {"old_password": old, "new_password1": new1, "new_password2": NEW if new2 is None else new2}
    return client.post(CHANGE, data, REMOTE_ADDR="10.0.0.1", **extra)


def _reload(user):
    return get_user_model().objects.get(pk=user.pk)


# --- change ---------------------------------------------------------------------------------------------------


def test_change_page_needs_a_signed_in_user(client, db):
    r = client.get(CHANGE)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=")


def test_change_page_in_vietnamese(signed_in):
    html = signed_in.get(CHANGE).content.decode()
    assert "Đổi mật khẩu" in html and "Mật khẩu hiện tại" in html and "Nhập lại mật khẩu mới" in html


@pytest.mark.parametrize(
    "old, new1, new2, field, message",
    [
        ("sai-mat-khau", NEW, NEW, "old_password", "Mật khẩu hiện tại không đúng"),
        (OLD, NEW, NEW + "x", "new_password2", "Hai mật khẩu không khớp"),
        (OLD, "abc12", "abc12", "new_password1", "Mật khẩu này quá ngắn: cần ít nhất 8 ký tự"),
        (OLD, "password123", "password123", "new_password1", "Mật khẩu này quá phổ biến"),
        (OLD, "3141592653589", "3141592653589", "new_password1", "Mật khẩu này hoàn toàn là số"),
        (
            OLD,
            "canbo@phuong.example",
            "canbo@phuong.example",
            "new_password1",
            "Mật khẩu quá giống thông tin cá nhân",
        ),
        (OLD, "", "", "new_password1", "Vui lòng nhập thông tin này"),
    ],
)
def test_change_refuses_bad_input_with_400_and_keeps_the_password(
    signed_in, user, old, new1, new2, field, message
):
    r = _change(signed_in, old, new1, new2)
    assert r.status_code == 400
    assert message in " ".join(r.context["form"].errors[field])
    assert message in r.content.decode()
    assert _reload(user).check_password(OLD)


def test_change_succeeds_keeps_this_session_and_ends_the_others(client, user):
    other = Client()
    other.force_login(user)
    assert other.get(CHANGE).status_code == 200
    client.force_login(user)
    r = _change(client, **{"QUERY_STRING": "next=/tai-khoan/"})
    assert r.status_code == 302 and r["Location"] == "/tai-khoan/"
    assert _reload(user).check_password(NEW)
    page = client.get("/tai-khoan/")
    assert page.status_code == 200 and "Đã đổi mật khẩu" in page.content.decode()  # still signed in here
    r = other.get(CHANGE)  # the other browser's session hash no longer matches: signed out
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_change_ignores_a_next_page_elsewhere(signed_in, user):
    r = _change(signed_in, **{"QUERY_STRING": "next=https://lua-dao.example/"})
    assert r.status_code == 302 and r["Location"] == CHANGE


def test_wrong_current_passwords_count_in_the_login_throttle(signed_in, user):
    for _ in range(3):
        assert _change(signed_in, old="doan-mo").status_code == 400
    r = _change(signed_in)  # even the right one, while locked
    assert r.status_code == 429 and int(r["Retry-After"]) > 500
    assert "nhập sai mật khẩu quá nhiều lần" in r.content.decode()
    assert _reload(user).check_password(OLD)


def test_oidc_only_account_is_told_it_has_no_local_password(client, db):
    """An account the OIDC backend created (portal/oidc.py: unusable password) sees no form, and a POST changes
    nothing."""
    from motcua.portal.oidc import CitizenOIDCBackend

    backend = CitizenOIDCBackend.__new__(CitizenOIDCBackend)
    backend.UserModel = get_user_model()
    user = backend.create_user({"sub": "vneid-000777", "email": "tran.binh@example.vn", "name": "Trần Bình"})
    assert not user.has_usable_password()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    r = client.get(CHANGE)
    html = r.content.decode()
    assert r.status_code == 200 and "không có mật khẩu riêng" in html and "VNeID" in html
    assert 'name="old_password"' not in html
    assert 'href="/accounts/password/change/"' not in html  # the header does not offer it
    r = client.post(CHANGE, {"old_password": "", "new_password1": NEW, "new_password2": NEW})
    assert r.status_code == 400
    assert not _reload(user).has_usable_password()
    # nor does "Quên mật khẩu?" give it one: no mail
    mail.outbox.clear()
    r = client.post(RESET, {"email": "tran.binh@example.vn"})
    assert r.status_code == 302 and mail.outbox == []


def test_signed_in_pages_link_to_the_change_page(signed_in):
    html = signed_in.get("/tai-khoan/").content.decode()
    assert 'href="/accounts/password/change/?next=/tai-khoan/"' in html
    assert 'href="/accounts/password/change/"' in html  # the header, for staff and citizens alike


# --- forgotten password ---------------------------------------------------------------------------------------


def test_login_page_links_to_the_reset_page(client, db):
    html = client.get("/accounts/login/").content.decode()
    assert f'href="{RESET}"' in html and "Quên mật khẩu?" in html


def _ask(client, email, ip="10.0.0.9"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=ip)


def test_reset_mails_a_vietnamese_link_that_works_once(client, user, settings):
    r = _ask(client, "CanBo@Phuong.example.vn ")
    assert r.status_code == 302 and r["Location"] == "/accounts/password/reset/sent/"
    assert "Kiểm tra hộp thư" in client.get(r["Location"]).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["canbo@phuong.example.vn"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    # Vietnamese first, then English: the reader may have asked from the English page (an English walk found it
    # Vietnamese only)
    assert (
        message.subject
        == "Đặt lại mật khẩu tài khoản Một cửa điện tử / Password reset for your Mot Cua account"
    )
    assert (
        message.body.index("Kính gửi")
        < message.body.index("— English —")
        < message.body.index("Dear Nguyễn Văn An")
    )
    assert "within 24 hours" in message.body
    assert "Kính gửi Ông/Bà Nguyễn Văn An" in message.body and "tên đăng nhập canbo" in message.body
    assert "trong 24 giờ" in message.body and not message.alternatives  # plain text only
    link = LINK.search(message.body).group(1)

    r = client.get(link)  # the token moves into the session, out of the address bar
    assert r.status_code == 302 and r["Location"].endswith("/set-password/")
    page = client.get(r["Location"])
    assert page.status_code == 200 and "Đặt mật khẩu mới" in page.content.decode()
    r = client.post(r["Location"], {"new_password1": "abc", "new_password2": "abc"})
    assert r.status_code == 400 and "quá ngắn" in r.content.decode()
    assert _reload(user).check_password(OLD)
    r = client.post(client.get(link)["Location"], {"new_password1": NEW, "new_password2": NEW})
    assert r.status_code == 302 and r["Location"] == "/accounts/password/reset/done/"
    assert "Đã đặt mật khẩu mới" in client.get(r["Location"]).content.decode()
    assert _reload(user).check_password(NEW)
    assert Client().post("/accounts/login/", {"username": "canbo", "password": NEW}).status_code == 302

    # used: the link is refused, says why and where to ask again
    r = Client().get(link)
    html = r.content.decode()
    assert r.status_code == 400 and "Đường dẫn không hợp lệ" in html and f'href="{RESET}"' in html


def test_unknown_address_gets_the_same_answer_and_no_mail(client, user):
    known, unknown = _ask(client, "canbo@phuong.example.vn"), _ask(client, "khong-co@example.vn")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [["canbo@phuong.example.vn"]]


def test_inactive_account_gets_no_mail(client, user):
    user.is_active = False
    user.save()
    assert _ask(client, "canbo@phuong.example.vn").status_code == 302
    assert mail.outbox == []


@pytest.mark.parametrize(
    "email, message",
    [("", "Vui lòng nhập thư điện tử"), ("khong-phai-thu", "Địa chỉ thư điện tử không hợp lệ")],
)
def test_reset_refuses_a_bad_address_with_400(client, user, email, message):
    r = _ask(client, email)
    assert r.status_code == 400 and message in r.content.decode()
    assert mail.outbox == []


def test_expired_link_is_refused(client, user, settings, monkeypatch):
    _ask(client, "canbo@phuong.example.vn")
    link = LINK.search(mail.outbox[0].body).group(1)
    later = dt.datetime.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr("django.contrib.auth.tokens.PasswordResetTokenGenerator._now", lambda self: later)
    r = client.get(link)
    assert r.status_code == 400 and "đã hết hạn" in r.content.decode()


@pytest.mark.parametrize("tamper", ["token", "uid"])
def test_tampered_link_is_refused(client, user, tamper):
    _ask(client, "canbo@phuong.example.vn")
    link = LINK.search(mail.outbox[0].body).group(1)
    uid, token = link.strip("/").split("/")[-2:]
    bad = f"{RESET}{uid}/{token[:-2]}xx/" if tamper == "token" else f"{RESET}Mg/{token}/"
    r = client.get(bad)
    assert r.status_code == 400 and "Yêu cầu đường dẫn mới" in r.content.decode()
    # the form page without a token in the session is refused too, and posting to it changes nothing
    r = client.post(f"{RESET}{uid}/set-password/", {"new_password1": NEW, "new_password2": NEW})
    assert r.status_code == 400 and _reload(user).check_password(OLD)


def test_reset_is_throttled_per_address(client, user, settings):
    settings.PASSWORD_RESET_EMAIL_RATE_LIMIT = 2
    for ip in ("10.0.0.1", "10.0.0.2"):
        assert _ask(client, "canbo@phuong.example.vn", ip=ip).status_code == 302
    r = _ask(client, "CANBO@phuong.example.vn", ip="10.0.0.3")
    assert r.status_code == 429 and int(r["Retry-After"]) > 3000
    assert "yêu cầu đặt lại mật khẩu quá nhiều lần" in r.content.decode()
    assert len(mail.outbox) == 2
    # an unknown address is counted the same way (the answer tells nothing)
    for ip in ("10.0.0.1", "10.0.0.2"):
        assert _ask(client, "khong-co@example.vn", ip=ip).status_code == 302
    assert _ask(client, "khong-co@example.vn", ip="10.0.0.4").status_code == 429
    assert not LoginThrottle.objects.filter(ip__contains="@").exists()  # a digest is stored, not the address


def test_reset_is_throttled_per_client_ip(client, user, settings):
    settings.PASSWORD_RESET_IP_RATE_LIMIT = 3
    for n in range(3):
        assert _ask(client, f"nguoi{n}@example.vn").status_code == 302
    r = _ask(client, "canbo@phuong.example.vn")
    assert r.status_code == 429 and mail.outbox == []
    assert _ask(client, "canbo@phuong.example.vn", ip="10.0.0.10").status_code == 302


def test_a_reset_clears_the_login_locks_of_the_account(client, user):
    for ip in ("10.0.0.1", "10.0.0.2"):
        for name in ("canbo", "CanBo@Phuong.example.vn"):
            for _ in range(3):
                client.post("/accounts/login/", {"username": name, "password": "doan"}, REMOTE_ADDR=ip)
    assert throttle.seconds_locked("canbo", "10.0.0.1") and throttle.seconds_locked(
        "canbo@phuong.example.vn", "10.0.0.2"
    )
    throttle.record_failure("nguoi-khac", "10.0.0.1")
    _ask(client, "canbo@phuong.example.vn")
    link = LINK.search(mail.outbox[0].body).group(1)
    r = client.post(client.get(link)["Location"], {"new_password1": NEW, "new_password2": NEW})
    assert r.status_code == 302
    assert set(LoginThrottle.objects.values_list("username", flat=True)) >= {"nguoi-khac"}
    assert not LoginThrottle.objects.filter(username__in=["canbo", "canbo@phuong.example.vn"]).exists()
    r = Client().post("/accounts/login/", {"username": "canbo", "password": NEW}, REMOTE_ADDR="10.0.0.1")
    assert r.status_code == 302


def test_reset_link_uses_the_site_address_not_the_request_host(client, user, settings):
    settings.ALLOWED_HOSTS = ["*"]
    client.post(RESET, {"email": "canbo@phuong.example.vn"}, HTTP_HOST="lua-dao.example")
    body = mail.outbox[0].body
    assert "lua-dao.example" not in body and LINK.search(body)


def test_a_failed_delivery_gives_the_same_page(client, user, settings):
    settings.MAILERS = {"default": {"BACKEND": "motcua.org.tests.test_passwords.BrokenBackend"}}
    r = _ask(client, "canbo@phuong.example.vn")
    assert r.status_code == 302 and r["Location"] == "/accounts/password/reset/sent/"


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")

    def open(self):
        return True

    def close(self):
        pass
