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
    # citizens sign in with the e-mail or phone number they registered with (portal.backends): the label says so
    assert ">Tên đăng nhập, thư điện tử hoặc số điện thoại</label>" in html


def test_successful_login_redirects(client, user):
    r = _post(client, LOGIN, "dung-mat-khau")
    assert r.status_code == 302
    assert r["Location"] == "/ho-so-cua-toi/"  # no staff role: a citizen's own dossiers


@pytest.mark.parametrize(
    "kind, landing",
    [
        ("officer", "/staff/"),
        ("specialist_and_overseer", "/staff/"),
        ("superuser", "/staff/"),
        ("overseer", "/thong-ke/giam-sat/"),
        ("community_member", "/to-cong-nghe-so/nop-ho/"),
        ("inactive_community_member", "/ho-so-cua-toi/"),
        ("citizen", "/ho-so-cua-toi/"),
    ],
)
def test_each_user_lands_on_their_own_page_after_signing_in(client, tree, django_user_model, kind, landing):
    """Without a `next` page an officer lands at the inbox, an overseer at the overseers' statistics, a digital
    community team member at filing on a resident's behalf, a citizen at their own dossiers (not at a staff
    page that refuses them)."""
    from motcua.community.models import Member, Team
    from motcua.org import services

    if kind == "superuser":
        django_user_model.objects.create_superuser("nguoidung", password="dung-mat-khau")
    else:
        u = django_user_model.objects.create_user("nguoidung", password="dung-mat-khau")
        roles = {"officer": ["officer"], "specialist_and_overseer": ["specialist", "overseer"]}.get(kind, [])
        roles = ["overseer"] if kind == "overseer" else roles
        for role in roles:
            services.staff_assign_role(user=u, agency=tree["w1"], role=role)
        if kind.endswith("community_member"):
            team = Team.objects.create(ward=tree["w1"], name="Tổ CNSCĐ TDP số 1")
            Member.objects.create(
                team=team, full_name="Phạm Thị Hoa", organisation="group_head", user=u, active=kind[0] != "i"
            )
    r = _post(client, LOGIN, "dung-mat-khau", username="nguoidung")
    assert r.status_code == 302
    assert r["Location"] == landing
    assert client.get(landing).status_code == 200


def test_a_safe_next_page_wins_and_an_outside_one_is_ignored(client, user):
    r = client.post(f"{LOGIN}?next=/thu-tuc/", {"username": "canbo", "password": "dung-mat-khau"})
    assert r["Location"] == "/thu-tuc/"
    client.logout()
    r = client.post(
        f"{LOGIN}?next=https://lua-dao.example/", {"username": "canbo", "password": "dung-mat-khau"}
    )
    assert r["Location"] == "/ho-so-cua-toi/"


def test_wrong_password_message(client, user):
    r = _post(client, LOGIN, "sai")
    assert r.status_code == 400  # a refused form, as every other (Django answered 200)
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in r.content.decode()
    client.cookies["django_language"] = "en"
    r = _post(client, LOGIN, "sai")
    assert "Incorrect user name or password" in r.content.decode() and "không đúng" not in r.content.decode()


def test_locked_after_max_failures_even_with_right_password(client, user):
    for _ in range(3):
        assert _post(client, LOGIN, "sai").status_code == 400
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


def _citizen_with_phone(django_user_model):
    from motcua.portal.models import CitizenProfile

    u = django_user_model.objects.create_user(
        "congdan9", email="nguyen.thi.mai@example.vn", password="dung-mat-khau"
    )
    CitizenProfile.objects.update_or_create(user=u, defaults={"phone": "0912345678"})
    return u


def test_spellings_of_one_mobile_number_share_one_lock(client, user, django_user_model):
    """The e-mail-or-phone backend signs in with "0912 345 678", "+84912345678", "(0912)345678"…: each spelling
    had its own count, so a guesser changing the spaces had as many tries as they liked."""
    _citizen_with_phone(django_user_model)
    for spelling in ("0912345678", "0912 345 678", "+84 912 345 678"):
        assert _post(client, LOGIN, "sai", username=spelling).status_code == 400
    for spelling in ("84912345678", "(0912)345.678", "0912345678"):
        r = _post(client, LOGIN, "dung-mat-khau", username=spelling)
        assert r.status_code == 429, spelling
    assert "_auth_user_id" not in client.session


def test_letters_the_database_matches_as_one_share_one_lock(client, user, django_user_model):
    """E-mail sign-in matches case-insensitively in the database (UPPER() = UPPER()), where the dotless "ı" is an
    "i": "nguyen.thı.maı@example.vn" signs in the account of "nguyen.thi.mai@example.vn" and must count against
    it."""
    _citizen_with_phone(django_user_model)
    for typed in ("nguyen.thi.mai@example.vn", "nguyen.thı.mai@example.vn", "nguyen.thi.maı@example.vn"):
        assert _post(client, LOGIN, "sai", username=typed).status_code == 400
    assert _post(client, LOGIN, "dung-mat-khau", username="NGUYEN.THI.MAI@example.vn").status_code == 429
    assert throttle.normalise_username("nguyen.thı.maı@example.vn") == "nguyen.thi.mai@example.vn"


def test_success_resets_the_count(client, user):
    for _ in range(2):
        _post(client, LOGIN, "sai")
    assert _post(client, LOGIN, "dung-mat-khau").status_code == 302
    client.logout()
    for _ in range(2):
        assert _post(client, LOGIN, "sai").status_code == 400
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


def test_a_public_lookup_count_does_not_wipe_a_longer_sign_in_count(user):
    """The table holds counts of different windows: a status lookup's (five minutes) clean-up of stale records
    must not delete a sign-in count still inside its own window (ten minutes here), or a guesser alternating
    wrong passwords with a lookup would never be locked."""
    t0 = timezone.now()
    throttle.record_failure("canbo", "1.2.3.4", now=t0)
    throttle.record_failure("canbo", "1.2.3.4", now=t0 + dt.timedelta(seconds=10))
    # six minutes later the same address looks a dossier up: a new lookup count, which cleans stale records
    later = t0 + dt.timedelta(seconds=360)
    five_minutes = dt.timedelta(seconds=300)
    assert throttle.check_rate("#api-status", "1.2.3.4", limit=60, window=five_minutes, now=later) == 0
    throttle.record_failure("canbo", "1.2.3.4", now=later)  # the third failure within the ten minutes: locked
    assert throttle.seconds_locked("canbo", "1.2.3.4", now=later + dt.timedelta(seconds=1)) > 0


def test_records_a_day_old_are_cleaned_up(user):
    t0 = timezone.now() - dt.timedelta(days=1, seconds=5)
    throttle.record_failure("canbo", "1.2.3.4", now=t0)
    throttle.check_rate("#api-status", "5.6.7.8", limit=60, window=dt.timedelta(seconds=300))
    assert not throttle.LoginThrottle.objects.filter(username="canbo").exists()


def test_an_ipv6_client_is_counted_by_its_slash_64(client, user):
    """An IPv6 line (or one host's privacy addresses) spans a /64: a guesser rotating through it would start every
    count afresh. The lock holds for the whole /64, not for another network; an IPv4-mapped address is its IPv4."""
    for n in range(3):
        _post(client, LOGIN, "sai", ip=f"2001:db8:1:2::{n + 1}")
    assert _post(client, LOGIN, "dung-mat-khau", ip="2001:db8:1:2:aaaa:bbbb:cccc:dddd").status_code == 429
    assert _post(client, LOGIN, "dung-mat-khau", ip="2001:db8:1:3::1").status_code == 302
    assert throttle.throttle_address("::ffff:10.0.0.7") == "10.0.0.7"
    assert throttle.throttle_address("10.0.0.7") == "10.0.0.7" and throttle.throttle_address("u42") == "u42"


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


# Password spraying: failures per client IP across account names ------------------------------------------------


@pytest.fixture
def sprayed(user, django_user_model, settings):
    """Five accounts and a per-IP cap of 6 failures (each account's own lock stays at 3)."""
    settings.LOGIN_IP_MAX_FAILURES = 6
    settings.LOGIN_IP_WINDOW_SECONDS = 900
    for i in range(5):
        django_user_model.objects.create_user(f"canbo{i}", password="dung-mat-khau")
    return user


def test_the_defaults_stay_above_what_one_office_reaches(settings):
    from motcua import settings as configured

    assert configured.LOGIN_IP_MAX_FAILURES == 100 and configured.LOGIN_IP_WINDOW_SECONDS == 900
    assert throttle.login_ip_limit() == (settings.LOGIN_IP_MAX_FAILURES, dt.timedelta(seconds=900))
    # twenty officers behind one address, each stopping one short of their own lock, stay under the cap
    assert 20 * (configured.LOGIN_MAX_ATTEMPTS - 1) < configured.LOGIN_IP_MAX_FAILURES


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_one_address_spraying_many_accounts_is_capped(client, sprayed, django_user_model, url):
    """Two wrong passwords on each of three accounts — never an account's own lock (3) — reach the address's cap
    (6): then even the right password of another account is refused from that address, with 429, Retry-After and
    the message; other addresses are not affected."""
    if url == ADMIN_LOGIN:
        django_user_model.objects.filter(username="canbo4").update(is_staff=True)
    for name in ("canbo0", "canbo1", "canbo2"):
        for _ in range(2):
            # our page refuses with 400, the admin's (Django's view) with 200
            assert _post(client, url, "sai", username=name).status_code == (400 if url == LOGIN else 200)
    r = _post(client, url, "dung-mat-khau", username="canbo4")
    assert r.status_code == 429
    assert 890 < int(r["Retry-After"]) <= 900
    body = r.content.decode()
    assert "quá nhiều lần đăng nhập sai từ địa chỉ mạng này" in body
    assert "15 phút" in body
    assert "_auth_user_id" not in client.session
    # an account the sprayer never tried is refused too, and so is an unknown name
    assert _post(client, url, "dung-mat-khau", username="canbo3").status_code == 429
    assert _post(client, url, "x", username="khong-ton-tai").status_code == 429
    # another address signs the same account in
    assert _post(client, url, "dung-mat-khau", username="canbo4", ip="10.0.0.2").status_code == 302


def test_the_site_and_the_admin_share_the_address_count(client, sprayed):
    for name in ("canbo0", "canbo1", "canbo2"):
        _post(client, LOGIN, "sai", username=name)
        _post(client, ADMIN_LOGIN, "sai", username=name)
    assert _post(client, LOGIN, "dung-mat-khau", username="canbo4").status_code == 429


def test_a_success_does_not_reset_the_address_count(client, sprayed):
    """The sprayer's own account signing in between rounds must not reopen the address."""
    for name in ("canbo0", "canbo1", "canbo2"):
        _post(client, LOGIN, "sai", username=name)
    assert _post(client, LOGIN, "dung-mat-khau", username="canbo4").status_code == 302  # 3 of 6 so far
    client.logout()
    for name in ("canbo0", "canbo1", "canbo2"):
        assert _post(client, LOGIN, "sai", username=name).status_code == 400
    assert _post(client, LOGIN, "dung-mat-khau", username="canbo4").status_code == 429


def test_the_per_account_lock_still_comes_first(client, sprayed):
    """Three failures on one account lock that account (its own message), well below the address's cap; the
    address can still sign other accounts in."""
    for _ in range(3):
        _post(client, LOGIN, "sai", username="canbo0")
    r = _post(client, LOGIN, "dung-mat-khau", username="canbo0")
    assert r.status_code == 429
    assert "Bạn đã đăng nhập sai quá nhiều lần" in r.content.decode()
    assert _post(client, LOGIN, "dung-mat-khau", username="canbo1").status_code == 302


def test_the_address_lock_ends_when_the_window_passes(client, sprayed, monkeypatch):
    for name in ("canbo0", "canbo1", "canbo2"):
        for _ in range(2):
            _post(client, LOGIN, "sai", username=name)
    assert _post(client, LOGIN, "dung-mat-khau", username="canbo4").status_code == 429
    later = timezone.now() + dt.timedelta(seconds=901)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert _post(client, LOGIN, "dung-mat-khau", username="canbo4").status_code == 302


def test_a_name_with_a_hash_counts_for_the_address_only(client, sprayed):
    """A name beginning with '#' signs nobody in and would land on the address's own row with the account limit
    (3): it is counted once, for the address."""
    for _ in range(3):
        assert _post(client, LOGIN, "x", username="#dang-nhap").status_code == 400
    assert throttle.seconds_locked(throttle.LOGIN_IP_KEY, "10.0.0.1") == 0
    assert _post(client, LOGIN, "dung-mat-khau").status_code == 302
