import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from motcua.notifications.tests.factories import PASSWORD
from motcua.portal.models import CitizenProfile

GOOD = {
    "full_name": "  Lê   Thị Hoa ",
    "email": "Hoa.Le@Example.VN",
    "phone": "+84 35 123 4567",
    "id_number": "",
    "password1": "hoa-le-mat-khau-2026",
    "password2": "hoa-le-mat-khau-2026",
    "consent": "on",
}


def login_page(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_register_then_sign_in_with_email_or_phone(client, db):
    r = client.post("/tai-khoan/dang-ky/", GOOD)
    assert r.status_code == 302 and r["Location"] == "/ho-so-cua-toi/"
    user = get_user_model().objects.get(email="hoa.le@example.vn")
    profile = user.citizen_profile
    assert (profile.full_name, profile.phone) == ("Lê Thị Hoa", "0351234567")
    # the privacy notice accepted, and when: shown on the account page (and in "Tải dữ liệu của tôi")
    assert profile.privacy_notice == "2026-01" and profile.privacy_accepted_at is not None
    account = client.get("/tai-khoan/").content.decode()
    assert "Bạn đã đồng ý với Thông báo xử lý dữ liệu cá nhân (phiên bản 2026-01)" in account
    assert client.get("/ho-so-cua-toi/").status_code == 200  # signed in right away
    client.logout()
    for identifier in ("HOA.LE@example.vn", "0351234567", "+84351234567", "035 123 4567", user.username):
        r = login_page(client, identifier, GOOD["password1"])
        assert r.status_code == 302, identifier
        assert int(client.session["_auth_user_id"]) == user.pk
        client.logout()
    assert login_page(client, "0351234567", "wrong-password").status_code == 400
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"phone": "0212345678"}, "phone", "03, 05, 07, 08 hoặc 09"),
        ({"email": "hoa@"}, "email", "Địa chỉ thư điện tử không hợp lệ."),
        ({"email": "", "phone": ""}, "email", "Cần ít nhất thư điện tử hoặc số điện thoại."),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "Mật khẩu này hoàn toàn là số"),
        ({"password1": "short", "password2": "short"}, "password1", "Mật khẩu này quá ngắn"),
        ({"password2": "something-else-2026"}, "password2", "Hai mật khẩu không khớp."),
        ({"id_number": "12345"}, "id_number", "Số định danh cá nhân phải gồm đúng 12 chữ số."),
        ({"full_name": " "}, "full_name", "Vui lòng nhập thông tin này."),
        ({"consent": ""}, "consent", "Vui lòng đọc và đồng ý với Thông báo xử lý dữ liệu cá nhân"),
        # RFC 5321: a local part over 64 characters bounces every message sent to it
        ({"email": "a" * 65 + "@example.vn"}, "email", "phần trước dấu @ dài tối đa 64 ký tự"),
    ],
)
def test_registration_refuses_bad_input(client, db, change, field, message):
    r = client.post("/tai-khoan/dang-ky/", {**GOOD, **change})
    assert r.status_code == 400
    assert message in r.content.decode()
    assert f'id="id_{field}_error"' in r.content.decode()
    assert get_user_model().objects.count() == 0 and CitizenProfile.objects.count() == 0


def _registration(n: int) -> dict:
    return {**GOOD, "email": f"cong.dan{n}@example.vn", "phone": f"09123456{n:02d}"}


def test_accounts_created_from_one_address_are_limited(client, db, settings):
    """REGISTRATION_RATE_LIMIT accounts per client IP within the window (here 3), then 429 with Retry-After and
    the message, and nothing is created; another address still registers. Forms refused for bad input are not
    counted (a citizen correcting a typo)."""
    from motcua import settings as configured

    assert configured.REGISTRATION_RATE_LIMIT == 20 and configured.REGISTRATION_RATE_WINDOW_SECONDS == 3600
    settings.REGISTRATION_RATE_LIMIT = 3
    settings.REGISTRATION_RATE_WINDOW_SECONDS = 3600
    for _ in range(5):
        bad = {**_registration(0), "password2": "something-else-2026"}
        assert client.post("/tai-khoan/dang-ky/", bad, REMOTE_ADDR="10.0.0.7").status_code == 400
    for n in range(3):
        r = client.post("/tai-khoan/dang-ky/", _registration(n), REMOTE_ADDR="10.0.0.7")
        assert r.status_code == 302, n
        client.logout()
    r = client.post("/tai-khoan/dang-ky/", _registration(3), REMOTE_ADDR="10.0.0.7")
    assert r.status_code == 429
    assert 3590 < int(r["Retry-After"]) <= 3600
    page = r.content.decode()
    assert "quá nhiều tài khoản được đăng ký từ địa chỉ mạng này" in page and "60 phút" in page
    assert "_auth_user_id" not in client.session
    assert not get_user_model().objects.filter(email="cong.dan3@example.vn").exists()
    assert get_user_model().objects.count() == 3 and CitizenProfile.objects.count() == 3
    r = client.post("/tai-khoan/dang-ky/", _registration(3), REMOTE_ADDR="10.0.0.8")
    assert r.status_code == 302
    assert get_user_model().objects.filter(email="cong.dan3@example.vn").exists()


def test_asking_whether_an_id_or_address_has_an_account_is_limited(client, db, settings):
    """The answer "this ID number / e-mail is already used" told anyone, without limit, whether a CCCD number had an account
    (personal data): each such answer counts as an account created from the address; past the limit the page
    answers 429 and no longer says which value is taken."""
    settings.REGISTRATION_RATE_LIMIT = 3
    settings.REGISTRATION_RATE_WINDOW_SECONDS = 3600
    assert client.post("/tai-khoan/dang-ky/", _registration(0), REMOTE_ADDR="10.0.0.9").status_code == 302
    client.logout()
    probe = {**_registration(0), "password2": "something-else-2026"}  # nothing would be created anyway
    for _ in range(2):
        r = client.post("/tai-khoan/dang-ky/", probe, REMOTE_ADDR="10.0.0.9")
        assert r.status_code == 400 and "Thư điện tử này đã được dùng" in r.content.decode()
    r = client.post("/tai-khoan/dang-ky/", probe, REMOTE_ADDR="10.0.0.9")
    page = r.content.decode()
    assert r.status_code == 429 and "Retry-After" in r
    assert "quá nhiều tài khoản được đăng ký" in page and "đã được dùng" not in page
    # a typo alone is still not counted, and another address is answered as before
    typo = {**_registration(5), "password2": "something-else-2026"}
    assert client.post("/tai-khoan/dang-ky/", typo, REMOTE_ADDR="10.0.0.10").status_code == 400
    r = client.post("/tai-khoan/dang-ky/", probe, REMOTE_ADDR="10.0.0.10")
    assert r.status_code == 400 and "Thư điện tử này đã được dùng" in r.content.decode()
    assert get_user_model().objects.count() == 1


def test_email_and_phone_are_unique(client, world):
    world["officer"].citizen_profile = CitizenProfile.objects.create(
        user=world["officer"], phone="0351234567"
    )
    r = client.post("/tai-khoan/dang-ky/", {**GOOD, "email": "AN.NGUYEN@example.vn"})
    page = r.content.decode()
    assert r.status_code == 400
    assert "Thư điện tử này đã được dùng" in page and "Số điện thoại này đã được dùng" in page


def test_an_email_shared_by_two_accounts_signs_in_nobody(client, world):
    world["other"].email = "an.nguyen@example.vn"
    world["other"].save()
    assert login_page(client, "an.nguyen@example.vn", PASSWORD).status_code == 400
    assert "_auth_user_id" not in client.session
    assert login_page(client, "congdan", PASSWORD).status_code == 302  # the username still works


def test_a_username_signs_in_in_any_capitals_unless_two_accounts_share_it(client, world):
    """A phone keyboard capitalises the first letter ("Congdan"), an officer types a username from paper in
    capitals: the username signed in only as stored. Any capitals now sign in its one account; two usernames that
    differ only by capitals (older accounts: the admin refuses such a pair now) sign in nobody but their exact
    spelling, as a shared e-mail address."""
    user = world["citizen"]
    for typed in ("Congdan", "CONGDAN", " congDan "):
        assert login_page(client, typed, PASSWORD).status_code == 302, typed
        assert int(client.session["_auth_user_id"]) == user.pk
        client.logout()
    assert login_page(client, "CONGDAN", "wrong-password").status_code == 400
    assert "_auth_user_id" not in client.session
    get_user_model().objects.create_user("CongDan", password=PASSWORD)
    assert login_page(client, "CONGDAN", PASSWORD).status_code == 400
    assert "_auth_user_id" not in client.session
    assert login_page(client, "congdan", PASSWORD).status_code == 302  # the exact spelling still signs in
    assert int(client.session["_auth_user_id"]) == user.pk


def test_profile_page_updates_and_validates(client, world):
    client.login(username="congdan", password=PASSWORD)
    r = client.post(
        "/tai-khoan/",
        {
            "full_name": "Nguyễn Văn An",
            "phone": "0912345678",
            "id_number": "001203012345",
            "address": "Hà Nội",
        },
    )
    assert r.status_code == 302
    p = CitizenProfile.objects.get(user=world["citizen"])
    assert (p.phone, p.id_number, p.address) == ("0912345678", "001203012345", "Hà Nội")
    r = client.post(
        "/tai-khoan/", {"full_name": "Nguyễn Văn An", "phone": "123", "id_number": "", "address": ""}
    )
    assert r.status_code == 400
    assert CitizenProfile.objects.get(user=world["citizen"]).phone == "0912345678"


def test_signed_in_users_skip_registration(client, world):
    client.login(username="congdan", password=PASSWORD)
    assert client.get("/tai-khoan/dang-ky/")["Location"] == "/ho-so-cua-toi/"


def test_one_account_per_personal_id(client, db):
    """A second account registered with an ID number another account already holds (two accounts in one person's
    name). Refused, nothing created; the account's own profile keeps its ID when edited, and may not take one
    another account holds."""
    first = {**GOOD, "id_number": "001303012345"}
    assert client.post("/tai-khoan/dang-ky/", first).status_code == 302
    client.logout()
    second = {**first, "email": "khac@example.vn", "phone": "0912345678"}
    r = client.post("/tai-khoan/dang-ky/", second)
    page = r.content.decode()
    assert r.status_code == 400 and "Số định danh cá nhân này đã được dùng cho một tài khoản khác" in page
    assert 'id="id_id_number_error"' in page and get_user_model().objects.count() == 1
    assert client.post("/tai-khoan/dang-ky/", {**second, "id_number": "001088045678"}).status_code == 302
    from motcua.portal.forms import ProfileForm

    owner = get_user_model().objects.get(email="hoa.le@example.vn")
    other = get_user_model().objects.get(email="khac@example.vn")
    mine = {"full_name": "Lê Thị Hoa", "phone": "0351234567", "address": "", "id_number": "001303012345"}
    assert ProfileForm(mine, user=owner).is_valid()
    taken = ProfileForm({**mine, "phone": "0912345678", "id_number": "001303012345"}, user=other)
    assert not taken.is_valid() and "id_number" in taken.errors


def test_the_privacy_notice_is_read_before_registering(client, db, settings):
    """Law 91/2025/QH15 (from 01/01/2026): the data subject is told what is processed, why, by whom, for how long and
    their rights, before processing, and consents explicitly (rules §10). The registration page had one line of
    text under its button and no consent."""
    page = client.get("/tai-khoan/dang-ky/").content.decode()
    assert 'href="/tai-khoan/du-lieu-ca-nhan/"' in page and 'name="consent"' in page
    assert page.index("du-lieu-ca-nhan") < page.index('name="consent"') < page.index("Đăng ký</button>")
    settings.MOTCUA_DATA_CONTROLLER = "Văn phòng UBND Thành phố Hà Nội"
    notice = client.get("/tai-khoan/du-lieu-ca-nhan/").content.decode()
    for part in ("91/2025/QH15", "Văn phòng UBND Thành phố Hà Nội", "Thời gian lưu trữ", "02 ngày làm việc",
                 "Tải dữ liệu của tôi", "Phiên bản 2026-01"):  # fmt: skip
        assert part in notice, part
    client.cookies["django_language"] = "en"
    assert "Privacy notice" in client.get("/tai-khoan/du-lieu-ca-nhan/").content.decode()


def test_a_double_click_on_register_signs_in_rather_than_says_taken(client, db, monkeypatch):
    """Two sendings of the registration page at once: the second found the e-mail just taken (409 "vừa được đăng
    ký cho tài khoản khác") though its own first sending had made the account. Within a minute of the account's
    making, and with its very password, the second sending signs in as the first did; otherwise it is refused as
    before (no password check beside the sign-in page's lockout)."""
    from motcua.core.errors import Conflict
    from motcua.portal import services as portal_services

    real = portal_services.citizen_register
    made = {}

    def raced(**kwargs):  # the other sending committed the account first; this one's insert then failed
        if "user" not in made:
            made["user"] = real(**{**kwargs, "password": made.get("password", kwargs["password"])})
        raise Conflict("Thư điện tử hoặc số điện thoại vừa được đăng ký cho tài khoản khác.", "taken")

    monkeypatch.setattr(portal_services, "citizen_register", raced)
    r = client.post("/tai-khoan/dang-ky/", GOOD)
    assert r.status_code == 302 and int(client.session["_auth_user_id"]) == made["user"].pk
    client.logout()
    # the other sending had another password (not a double click of this page): refused as before
    other = {**GOOD, "email": "khac@example.vn", "phone": "0351234599"}
    made.clear()
    made["password"] = "mat-khau-cua-nguoi-khac-2026"
    r = client.post("/tai-khoan/dang-ky/", other)
    assert r.status_code == 409 and "_auth_user_id" not in client.session
    # the right password, but an account made five minutes ago: refused too
    made.clear()
    third = {**GOOD, "email": "thu.ba@example.vn", "phone": "0351234588"}
    monkeypatch.setattr(portal_services, "JUST_REGISTERED", dt.timedelta(seconds=-1))
    r = client.post("/tai-khoan/dang-ky/", third)
    assert r.status_code == 409 and "_auth_user_id" not in client.session
