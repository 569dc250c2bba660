import datetime as dt
import unicodedata
from decimal import Decimal

import pytest

from motcua.core.models import ApiToken
from motcua.org import services
from motcua.org.models import Agency, StaffRole, Unit


@pytest.fixture
def staff(tree, django_user_model):
    user = django_user_model.objects.create_user("mc", first_name="Nguyễn Thị", last_name="Hoa")
    unit = services.unit_create(agency=tree["dept"], name="Bộ phận Một cửa", kind="one_stop")
    services.staff_assign_role(user=user, agency=tree["dept"], role="officer", unit=unit)
    return user


def test_agency_changelist_in_tree_order(admin_client, staff):
    r = admin_client.get("/admin/org/agency/")
    assert r.status_code == 200
    html = r.content.decode()
    positions = [
        html.index(name) for name in ("Thành phố Hà Nội", "Sở Kế hoạch", "Hai Bà Trưng", "Bạch Đằng")
    ]
    assert positions == sorted(positions)
    assert "padding-left:3.0em" in html  # wards are indented two levels
    # the admin's own words Django's Vietnamese catalogue leaves in English (motcua/locale/vi)
    for vietnamese in ("Bỏ qua, đến nội dung chính", "Đổi giao diện (hiện tại: tự động)", ">Thực hiện<"):
        assert vietnamese in html, vietnamese
    assert "Skip to main content" not in html and ">Run<" not in html


def test_agency_search_by_identifier_and_folded_name(admin_client, staff):
    r = admin_client.get("/admin/org/agency/", {"q": "000.00.21"})
    assert "Sở Kế hoạch và Đầu tư" in r.content.decode()
    assert "Bạch Đằng" not in r.content.decode()
    r = admin_client.get("/admin/org/agency/", {"q": "bach dang"})
    assert "UBND Phường Bạch Đằng" in r.content.decode()


def test_agency_change_page_has_units_and_staff(admin_client, staff):
    dept = Agency.objects.get(identifier="000.00.21.H26")
    r = admin_client.get(f"/admin/org/agency/{dept.pk}/change/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Bộ phận Một cửa" in html and "cán bộ và vai trò" in html.lower()
    # the roles' first column is named in Vietnamese like the others, not Django's default "User"
    assert '<th class="column-user required">Người dùng' in html and ">User<" not in html
    # the agency's place in the tree is labelled in Vietnamese too (the bare field showed "Path:")
    assert "Vị trí trong cây cơ quan:" in html and ">Path:<" not in html
    assert "/000.00.21.H26/" in html


def test_admin_rejects_cycle(admin_client, staff):
    district = Agency.objects.get(identifier="000.00.33.H26")
    ward = Agency.objects.get(identifier="000.01.33.H26")
    data = _agency_form(district, kind="", parent=ward.pk)
    r = admin_client.post(f"/admin/org/agency/{district.pk}/change/", data)
    assert r.status_code == 200  # form redisplayed with the error
    assert "không thể là chính nó hoặc cấp dưới" in r.content.decode()
    assert "Hãy sửa các lỗi được đánh dấu dưới đây." in r.content.decode()  # not Django's English
    district.refresh_from_db()
    assert district.parent.identifier == "H26"


def _agency_form(agency, **changes) -> dict:
    data = {
        "identifier": agency.identifier,
        "name": agency.name,
        "level": agency.level,
        "kind": agency.kind,
        "parent": agency.parent_id or "",
        "jurisdiction": agency.jurisdiction,
        "morning_start": "08:00",
        "morning_end": "12:00",
        "afternoon_start": "13:00",
        "afternoon_end": "17:00",
        "cutoff": "15:00",
        "active": "on",
        "units-TOTAL_FORMS": "0",
        "units-INITIAL_FORMS": "0",
        "staff_roles-TOTAL_FORMS": "0",
        "staff_roles-INITIAL_FORMS": "0",
    }
    return {**data, **changes}


@pytest.mark.parametrize(
    "who,changes,field,message",
    [
        ("w1", {"level": "district"}, "kind", "không thuộc cấp huyện"),  # a Phường at district level
        ("w1", {"kind": "urban_district"}, "kind", "“Quận” không thuộc cấp xã"),
        ("dept", {"kind": "ward"}, "kind", "không thuộc sở, ban, ngành (chọn: để trống)"),
        ("w1", {"parent": "dept"}, "parent", "không thể trực thuộc “Sở Kế hoạch và Đầu tư” (sở, ban, ngành)"),
        ("w1", {"parent": "w2"}, "parent", "cơ quan cấp trên phải là: cấp huyện, cấp tỉnh"),
        ("w1", {"parent": ""}, "parent", "phải có cơ quan cấp trên"),
        ("district", {"jurisdiction": "HBT X"}, "jurisdiction", "không có khoảng trắng"),
    ],
)
def test_the_agency_form_refuses_a_level_kind_parent_or_calendar_code_that_do_not_fit(
    admin_client, tree, who, changes, field, message
):
    """A ward saved at district level, a commune under a department or under another ward, a calendar code with a
    space (which the override form then refuses, so the agency could never get its local days off): each set a
    wrong statistics scope or calendar and was saved without a word."""
    for agency in tree.values():
        Agency.objects.filter(pk=agency.pk).update(kind="ward" if agency.level == "commune" else "")
        agency.refresh_from_db()
    agency = tree[who]
    changes = {k: (tree[v].pk if k == "parent" and v else v) for k, v in changes.items()}
    before = Agency.objects.values().get(pk=agency.pk)
    r = admin_client.post(f"/admin/org/agency/{agency.pk}/change/", _agency_form(agency, **changes))
    assert r.status_code == 200
    assert message in " ".join(r.context["adminform"].form.errors.get(field, [])), r.context[
        "adminform"
    ].form.errors
    assert Agency.objects.values().get(pk=agency.pk) == before
    # and through the service (the API's and the demo's way in)
    with pytest.raises(Exception) as refused:
        services.agency_update(agency=agency, **{k: (Agency.objects.filter(pk=v).first() if v else None)
                                                  if k == "parent" else v for k, v in changes.items()})  # fmt: skip
    assert field in refused.value.details


def test_a_calendar_code_is_stored_in_capitals_and_a_change_says_what_it_changes(
    admin_client, tree, django_user_model
):
    """The agency form kept "hbt-x" as typed while the override form looked for it as typed too, so the same code
    in other capitals was two calendars; and changing the code silently dropped the agency's local days off (the
    overrides stay under their code, append-only), moving the next appointments without a word."""
    from motcua.workdays import services as calendar

    district = tree["district"]
    r = admin_client.post(
        f"/admin/org/agency/{district.pk}/change/", _agency_form(district, jurisdiction=" hbt-x ")
    )
    assert r.status_code == 302
    district.refresh_from_db()
    assert district.jurisdiction == "HBT-X"
    from motcua.workdays.models import CalendarOverride

    admin = django_user_model.objects.get(username="admin")  # admin_client's user
    calendar.add_override(date="2099-12-01", kind="day_off", reason="Ngày nghỉ địa phương", user=admin,
                          jurisdiction="hbt-x")  # fmt: skip
    assert CalendarOverride.objects.filter(jurisdiction="HBT-X").count() == 1
    r = admin_client.post(
        f"/admin/org/agency/{district.pk}/change/", _agency_form(district, jurisdiction="HBT-Y"), follow=True
    )
    page = r.content.decode()
    assert "Đã đổi phạm vi lịch của UBND Quận Hai Bà Trưng từ “HBT-X” sang “HBT-Y”." in page
    assert "Không còn áp dụng cho cơ quan: 01/12/2099 (thêm ngày nghỉ)." in page


def test_user_admin_shows_roles(admin_client, staff):
    r = admin_client.get(f"/admin/auth/user/{staff.pk}/change/")
    assert r.status_code == 200
    assert "vai trò tại các cơ quan" in r.content.decode().lower()


@pytest.mark.parametrize(
    "url", ["/admin/org/unit/", "/admin/org/staffrole/", "/admin/org/loginthrottle/", "/admin/core/apitoken/"]
)
def test_other_changelists_load(admin_client, staff, url):
    assert admin_client.get(url).status_code == 200


def test_api_tokens_read_only(admin_client, staff):
    ApiToken.issue(staff, label="thử")
    token = ApiToken.objects.get()
    assert admin_client.get("/admin/core/apitoken/add/").status_code == 403
    r = admin_client.get(f"/admin/core/apitoken/{token.pk}/change/")
    assert r.status_code == 200
    assert token.key_hash not in r.content.decode()
    admin_client.post(
        "/admin/core/apitoken/", {"action": "revoke", "_selected_action": [token.pk], "index": 0}
    )
    token.refresh_from_db()
    assert token.revoked


# --- the inlines: duplicates within one submit are errors on the row, not a 500 ----------------------------------


def _rows(prefix: str, rows: list[dict], initial: int = 0) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        data.update({f"{prefix}-{i}-{name}": value for name, value in row.items()})
    return data


def _user_page(user, roles: list[dict], initial: int = 0) -> dict:
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": "",
        "is_active": "on",
        "date_joined_0": "01/01/2026",
        "date_joined_1": "08:00:00",
        **_rows("staff_roles", roles, initial),
    }


def _agency_page(agency, units=(), roles=(), units_initial=0, roles_initial=0) -> dict:
    return {
        "identifier": agency.identifier,
        "name": agency.name,
        "level": agency.level,
        "kind": agency.kind,
        "parent": agency.parent_id or "",
        "morning_start": "08:00",
        "morning_end": "12:00",
        "afternoon_start": "13:00",
        "afternoon_end": "17:00",
        "cutoff": "15:00",
        "active": "on",
        **_rows("units", list(units), units_initial),
        **_rows("staff_roles", list(roles), roles_initial),
    }


TWICE = "Vai trò này (không gắn đơn vị) đã được nhập ở một dòng khác cho cùng cán bộ và cơ quan"


def test_the_same_role_without_unit_twice_on_a_users_page_is_an_error_on_the_row(admin_client, staff, tree):
    kept = StaffRole.objects.get(user=staff)
    rows = [
        {"id": kept.pk, "agency": kept.agency_id, "unit": kept.unit_id, "role": kept.role, "active": "on"}
    ]
    new = {"id": "", "agency": tree["w1"].pk, "unit": "", "role": "specialist", "active": "on"}
    r = admin_client.post(f"/admin/auth/user/{staff.pk}/change/", _user_page(staff, [*rows, new, new], 1))
    assert r.status_code == 200
    assert TWICE in r.content.decode()
    assert list(StaffRole.objects.filter(user=staff)) == [kept]
    # once is fine, and so is the same role with a unit beside it
    unit = services.unit_create(agency=tree["w1"], name="Phòng Văn hóa", kind="specialist")
    with_unit = dict(new, unit=unit.pk)
    r = admin_client.post(
        f"/admin/auth/user/{staff.pk}/change/", _user_page(staff, [*rows, new, with_unit], 1)
    )
    assert r.status_code == 302
    assert StaffRole.objects.filter(user=staff, agency=tree["w1"], role="specialist").count() == 2


def test_the_same_role_without_unit_twice_on_an_agencys_page_is_an_error_on_the_row(
    admin_client, staff, tree, django_user_model
):
    ward = tree["w1"]
    person = django_user_model.objects.create_user("cv")
    row = {"id": "", "user": person.pk, "unit": "", "role": "specialist", "active": "on"}
    r = admin_client.post(f"/admin/org/agency/{ward.pk}/change/", _agency_page(ward, roles=[row, row]))
    assert r.status_code == 200
    assert TWICE in r.content.decode()
    assert not StaffRole.objects.filter(user=person).exists()


def test_a_unit_typed_with_combining_accents_is_the_same_unit(admin_client, staff, tree):
    ward = tree["w1"]
    name = "Phòng Tư pháp"
    decomposed = unicodedata.normalize("NFD", name)
    assert decomposed != name
    rows = [
        {"id": "", "name": name, "kind": "specialist"},
        {"id": "", "name": decomposed, "kind": "specialist"},
    ]
    r = admin_client.post(f"/admin/org/agency/{ward.pk}/change/", _agency_page(ward, units=rows))
    assert r.status_code == 200 and "Hãy sửa các giá trị trùng lặp dưới đây" in r.content.decode()
    assert not Unit.objects.filter(agency=ward).exists()
    # against a stored unit, in the units' own admin
    services.unit_create(agency=ward, name=name, kind="specialist")
    r = admin_client.post(
        "/admin/org/unit/add/", {"agency": ward.pk, "name": decomposed, "kind": "specialist"}
    )
    assert (
        r.status_code == 200 and "Đơn vị với thông tin Cơ quan và Tên đơn vị đã tồn tại" in r.content.decode()
    )
    assert Unit.objects.filter(agency=ward).count() == 1


def test_deleting_a_unit_while_editing_one_of_its_roles_leaves_the_role_without_the_unit(
    admin_client, staff, tree, django_user_model
):
    ward = tree["w1"]
    unit = services.unit_create(agency=ward, name="Phòng Tư pháp", kind="specialist")
    person = django_user_model.objects.create_user("cv")
    role = services.staff_assign_role(user=person, agency=ward, role="specialist", unit=unit)
    units = [{"id": unit.pk, "name": unit.name, "kind": unit.kind, "DELETE": "on"}]
    roles = [{"id": role.pk, "user": person.pk, "unit": unit.pk, "role": "specialist", "since": "02/01/2026"}]
    r = admin_client.post(
        f"/admin/org/agency/{ward.pk}/change/",
        _agency_page(ward, units, roles, units_initial=1, roles_initial=1),
    )
    assert r.status_code == 302
    role.refresh_from_db()
    assert not Unit.objects.filter(pk=unit.pk).exists()
    assert (role.unit_id, role.active, role.since) == (None, False, dt.date(2026, 1, 2))


# --- office hours: a day other than 8 hours is said at save (contract §2: N working days = N x 8 office hours) ----


def test_an_office_day_other_than_8_hours_is_warned_about_at_save(admin_client, staff, tree):
    ward = tree["w1"]
    page = {
        **_agency_page(ward),
        "morning_start": "07:30",
        "morning_end": "11:30",
        "afternoon_start": "13:30",
    }
    r = admin_client.post(f"/admin/org/agency/{ward.pk}/change/", page, follow=True)
    assert r.status_code == 200
    html = r.content.decode()
    assert f"Giờ làm việc của {ward.name} là 7,5 giờ một ngày, không phải 8 giờ" in html
    assert "N × 8 giờ làm việc" in html
    ward.refresh_from_db()
    assert ward.morning_start == dt.time(7, 30)  # saved all the same: a warning, not a refusal
    # the default day (8 h) and a continuous one of 8 h say nothing
    r = admin_client.post(f"/admin/org/agency/{ward.pk}/change/", _agency_page(ward), follow=True)
    assert "không phải 8 giờ" not in r.content.decode()
    page = {**_agency_page(ward), "morning_start": "08:00", "morning_end": "12:00", "afternoon_start": "12:00",
            "afternoon_end": "16:00", "cutoff": "15:00"}  # fmt: skip
    r = admin_client.post(f"/admin/org/agency/{ward.pk}/change/", page, follow=True)
    assert "không phải 8 giờ" not in r.content.decode()


def test_fmt_hours_in_each_language():
    from django.utils import translation

    from motcua.org.admin import fmt_hours

    with translation.override("vi"):
        assert [fmt_hours(Decimal(h)) for h in ("7.5", "8", "7.8333", "10")] == ["7,5", "8", "7,83", "10"]
    with translation.override("en"):
        assert fmt_hours(Decimal("7.5")) == "7.5"


def test_a_role_is_held_in_a_unit_that_fits_it(admin_client, tree, django_user_model):
    """An officer filed under a specialist department, or the agency's leader under the one-stop unit, were saved
    without a word: the leader then showed in every hand-over's list of receivers."""
    from motcua.core.errors import Unprocessable

    user = django_user_model.objects.create_user("loduc.bad", first_name="Phạm Văn", last_name="Bình")
    one_stop = services.unit_create(agency=tree["dept"], name="Bộ phận Một cửa", kind="one_stop")
    department = services.unit_create(agency=tree["dept"], name="Phòng Đăng ký kinh doanh", kind="specialist")
    for role, unit in (("officer", department), ("leader", one_stop), ("specialist", None)):
        data = {"user": user.pk, "agency": tree["dept"].pk, "unit": unit.pk if unit else "", "role": role,
                "active": "on"}  # fmt: skip
        r = admin_client.post("/admin/org/staffrole/add/", data)
        if unit is None:  # no unit: any role
            assert r.status_code == 302
            continue
        assert r.status_code == 200
        assert f"không đặt tại đơn vị “{unit.name}”" in " ".join(r.context["adminform"].form.errors["unit"])
        with pytest.raises(Unprocessable):
            services.staff_assign_role(user=user, agency=tree["dept"], role=role, unit=unit)
    assert list(StaffRole.objects.filter(user=user).values_list("role", flat=True)) == ["specialist"]
    # the fitting ones are taken
    services.staff_assign_role(user=user, agency=tree["dept"], role="officer", unit=one_stop)
    services.staff_assign_role(user=user, agency=tree["dept"], role="unit_head", unit=department)


def test_a_staff_account_is_added_with_its_name_and_email(admin_client, tree, django_user_model):
    """The add page asked for a username and a password only: an officer added as the README said signed Mẫu 01
    with the username ("loduc.mc") and could not use "Quên mật khẩu?". The name is asked in Vietnamese order
    (family and middle names, then the given name: get_full_name()), and an e-mail another account holds is
    refused."""
    page = admin_client.get("/admin/auth/user/add/").content.decode()
    assert "Họ và tên đệm" in page and 'name="email"' in page
    data = {"username": "loduc.mc", "first_name": "Phạm Thị", "last_name": "Thu", "email": "thu@loduc.gov.vn",
            "usable_password": "true", "password1": "mat-khau-rat-dai-2026", "password2": "mat-khau-rat-dai-2026",
            "staff_roles-TOTAL_FORMS": "0", "staff_roles-INITIAL_FORMS": "0"}  # fmt: skip
    r = admin_client.post("/admin/auth/user/add/", {**data, "first_name": ""})
    assert r.status_code == 200 and "first_name" in r.context["adminform"].form.errors
    r = admin_client.post("/admin/auth/user/add/", data)
    assert r.status_code == 302, r.context["adminform"].form.errors
    user = django_user_model.objects.get(username="loduc.mc")
    assert (user.get_full_name(), user.email) == ("Phạm Thị Thu", "thu@loduc.gov.vn")
    r = admin_client.post(
        "/admin/auth/user/add/", {**data, "username": "loduc.mc2", "email": "THU@loduc.gov.vn"}
    )
    assert r.status_code == 200 and "Thư điện tử này đã được dùng" in str(r.context["adminform"].form.errors)
    change = admin_client.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert "Họ và tên đệm" in change
