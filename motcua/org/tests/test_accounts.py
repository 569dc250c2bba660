import datetime as dt

import pytest
from django.utils import timezone

from motcua.org import throttle

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def user(db, django_user_model, settings):
    settings.LOGIN_MAX_ATTEMPTS = 3
    settings.LOGIN_LOCKOUT_SECONDS = 600
    return django_user_model.objects.create_user("canbo", password="dung-mat-khau")


def _post(client, url, password, username="canbo", ip="10.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_in_vietnamese(client, db):
    r = client.get(LOGIN)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Đăng nhập" in html and "Mật khẩu" in html


def test_successful_login_redirects(client, user):
    r = _post(client, LOGIN, "dung-mat-khau")
    assert r.status_code == 302
    assert r["Location"] == "/staff/"


def test_wrong_password_message(client, user):
    r = _post(client, LOGIN, "sai")
    assert r.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in r.content.decode()


def test_locked_after_max_failures_even_with_right_password(client, user):
    for _ in range(3):
        assert _post(client, LOGIN, "sai").status_code == 200
    r = _post(client, LOGIN, "dung-mat-khau")
    assert r.status_code == 429
    assert int(r["Retry-After"]) > 500
    body = r.content.decode()
    assert "đăng nhập sai quá nhiều lần" in body
    assert "10 phút" in body
    assert "_auth_user_id" not in client.session
    # other addresses and other usernames are not affected
    assert _post(client, LOGIN, "dung-mat-khau", ip="10.0.0.2").status_code == 302


def test_username_case_does_not_dodge_the_lock(client, user):
    for _ in range(3):
        _post(client, LOGIN, "sai")
    assert _post(client, LOGIN, "x", username="CanBo").status_code == 429


def test_success_resets_the_count(client, user):
    for _ in range(2):
        _post(client, LOGIN, "sai")
    assert _post(client, LOGIN, "dung-mat-khau").status_code == 302
    client.logout()
    for _ in range(2):
        assert _post(client, LOGIN, "sai").status_code == 200
    # two fresh failures after a success: still below the limit of three
    assert _post(client, LOGIN, "dung-mat-khau").status_code == 302


def test_lock_ends_when_window_passes(client, user, monkeypatch):
    for _ in range(3):
        _post(client, LOGIN, "sai")
    assert _post(client, LOGIN, "dung-mat-khau").status_code == 429
    later = timezone.now() + dt.timedelta(seconds=601)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert _post(client, LOGIN, "dung-mat-khau").status_code == 302


def test_failures_spread_beyond_the_window_do_not_lock(user):
    t0 = timezone.now()
    throttle.record_failure("canbo", "1.2.3.4", now=t0)
    throttle.record_failure("canbo", "1.2.3.4", now=t0 + dt.timedelta(seconds=10))
    # the third failure comes after the window: counting starts over
    row = throttle.record_failure("canbo", "1.2.3.4", now=t0 + dt.timedelta(seconds=700))
    assert row.failures == 1
    assert throttle.seconds_locked("canbo", "1.2.3.4", now=t0 + dt.timedelta(seconds=701)) == 0
    throttle.record_failure("canbo", "1.2.3.4", now=t0 + dt.timedelta(seconds=702))
    throttle.record_failure("canbo", "1.2.3.4", now=t0 + dt.timedelta(seconds=703))
    assert throttle.seconds_locked("canbo", "1.2.3.4", now=t0 + dt.timedelta(seconds=704)) == 599


def test_unknown_usernames_are_throttled_too(client, user):
    for _ in range(3):
        _post(client, LOGIN, "x", username="khong-ton-tai")
    assert _post(client, LOGIN, "x", username="khong-ton-tai").status_code == 429


def test_admin_login_is_throttled(client, db, django_user_model, settings):
    settings.LOGIN_MAX_ATTEMPTS = 3
    django_user_model.objects.create_superuser("quantri", password="dung-mat-khau")
    for _ in range(3):
        r = _post(client, ADMIN_LOGIN, "sai", username="quantri")
        assert r.status_code == 200
    r = _post(client, ADMIN_LOGIN, "dung-mat-khau", username="quantri")
    assert r.status_code == 429
    assert "đăng nhập sai quá nhiều lần" in r.content.decode()
    # failures on the site's login page and the admin's count together
    client.logout()
    assert _post(client, LOGIN, "dung-mat-khau", username="quantri").status_code == 429


def test_admin_login_works_when_not_locked(client, db, django_user_model):
    django_user_model.objects.create_superuser("quantri", password="dung-mat-khau")
    r = _post(client, ADMIN_LOGIN, "dung-mat-khau", username="quantri")
    assert r.status_code == 302


def test_logout_get_confirms_post_logs_out(client, user):
    client.force_login(user)
    r = client.get("/accounts/logout/")
    assert r.status_code == 200
    assert "Đăng xuất" in r.content.decode()
    assert "_auth_user_id" in client.session
    r = client.post("/accounts/logout/")
    assert r.status_code == 200
    assert "Bạn đã đăng xuất" in r.content.decode()
    assert "_auth_user_id" not in client.session
