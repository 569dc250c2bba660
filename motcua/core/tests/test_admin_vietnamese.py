"""The admin in Vietnamese: Django 6.1's own strings that its Vietnamese catalogue leaves in English (the front
page's table headers and landmarks, the blank choice of every select, the selection boxes of a list, the date
filter) come from motcua/locale/vi (kept by hand: English msgid, Vietnamese translation)."""

import datetime as dt
import html
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from motcua.catalog.models import Field, Procedure, ProcedureVersion
from motcua.org.models import Agency

# English as Django 6.1 renders it → what a Vietnamese operator reads instead
EXPECTED = {
    "Breadcrumbs": "Đường dẫn trang",
    "Sidebar": "Thanh bên",
    "Model name": "Tên mục",
    "Add link": "Liên kết thêm mới",
    "Change or view list link": "Liên kết sửa hoặc xem danh sách",
    "- Select an option -": "- Chọn một mục -",
    "Select all objects on this page for an action": "Chọn mọi đối tượng trên trang này để thực hiện thao tác",
    "Select this object for an action": "Chọn đối tượng này để thực hiện thao tác",
    "Filter by": "Lọc theo",
}


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("quantri", "quantri@example.vn", "mat-khau-dai-2026")
    client.force_login(user)
    Agency.objects.create(identifier="000.00.21.H26", name="Sở Kế hoạch và Đầu tư", level="department")
    field = Field.objects.create(code="ho-kinh-doanh", name="Hộ kinh doanh")
    procedure = Procedure.objects.create(
        code="1.001612", name="Đăng ký hộ kinh doanh", field=field, level="commune"
    )
    ProcedureVersion.objects.create(procedure=procedure, effective_from=dt.date(2025, 1, 1), name=procedure.name,
                                    field=field, level="commune", legal_days=Decimal(3))  # fmt: skip
    return client


def _page(client, path: str) -> str:
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_the_admin_front_page_and_lists_have_no_english_left(admin_client):
    pages = {
        path: _page(admin_client, path)
        for path in ("/admin/", "/admin/org/agency/", "/admin/catalog/procedureversion/", "/admin/auth/user/")
    }
    seen = "\n".join(pages.values())
    for english, vietnamese in EXPECTED.items():
        for path, text in pages.items():
            assert english not in text, f"{english!r} left in English on {path}"
        assert vietnamese in seen, vietnamese
    # the front page's model table: its column headers (read by screen readers) in Vietnamese
    front = pages["/admin/"]
    assert '<th scope="col">Tên mục</th>' in front and '<th scope="col">Liên kết thêm mới</th>' in front
    # the action select's blank choice, and the date filter of the procedure versions
    assert '<option value="" selected>- Chọn một mục -</option>' in pages["/admin/auth/user/"]
    assert "Lọc theo" in pages["/admin/catalog/procedureversion/"]


def test_the_user_pages_password_switch_is_in_vietnamese(admin_client):
    user = get_user_model().objects.get(username="quantri")
    text = _page(admin_client, f"/admin/auth/user/{user.pk}/password/") + _page(
        admin_client, "/admin/auth/user/add/"
    )
    for english in ("Password-based authentication", "Disable password-based authentication", "Enabled"):
        assert english not in text
    assert "Đăng nhập bằng mật khẩu" in text and "Tắt đăng nhập bằng mật khẩu" in text


def test_every_hand_kept_entry_is_translated():
    """What the catalogue holds is used: every entry compiles into the .mo that is committed."""
    with translation.override("vi"):
        assert translation.gettext("- Select an option -") == "- Chọn một mục -"
        assert translation.ngettext("…and %(count)d more object.", "…and %(count)d more objects.", 3) == (
            "…và %(count)d đối tượng khác."
        )


def test_the_admin_stays_vietnamese_when_the_site_is_read_in_english(admin_client):
    """With English chosen on the site, the admin mixed Django's English with the project's Vietnamese names
    ("Select cơ quan to change", "ADD CƠ QUAN"); it is Vietnamese throughout, and the site stays English."""
    from django.conf import settings

    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = _page(admin_client, "/admin/org/agency/")
    assert "Select cơ quan to change" not in page and "Chọn cơ quan để thay đổi" in page
    assert admin_client.get("/admin/org/agency/")["Content-Language"] == "vi"
    assert admin_client.get("/thu-tuc/")["Content-Language"] == "en"


def test_the_chosen_language_is_kept_beyond_the_browsers_session(client, db):
    """Django's language cookie ended with the browser: an English reader came back to Vietnamese pages."""
    from django.conf import settings

    r = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    cookie = r.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en" and int(cookie["max-age"]) >= 300 * 24 * 3600
