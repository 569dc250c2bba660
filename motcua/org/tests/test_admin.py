import pytest

from motcua.core.models import ApiToken
from motcua.org import services
from motcua.org.models import Agency


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


def test_admin_rejects_cycle(admin_client, staff):
    district = Agency.objects.get(identifier="000.00.33.H26")
    ward = Agency.objects.get(identifier="000.01.33.H26")
    data = {
        "identifier": district.identifier,
        "name": district.name,
        "level": district.level,
        "kind": "",
        "parent": ward.pk,
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
    r = admin_client.post(f"/admin/org/agency/{district.pk}/change/", data)
    assert r.status_code == 200  # form redisplayed with the error
    assert "không thể là chính nó hoặc cấp dưới" in r.content.decode()
    district.refresh_from_db()
    assert district.parent.identifier == "H26"


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
