"""HTTP API: /api/v1/calendar/deadline, /api/v1/calendar/<year>, /api/v1/calendar/overrides."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from motcua.core.models import ApiToken
from motcua.org.models import Agency, Role, StaffRole
from motcua.workdays.models import CalendarOverride

from .test_schedules import OFFICIAL, _dates

pytestmark = pytest.mark.django_db
URL = "/api/v1/calendar"


def get(client, path, **params):
    return client.get(URL + path, params)


def test_deadline_contract_examples(client):
    r = get(client, "/deadline", start="2025-01-24T10:00:00+07:00", working_days="3")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["due_at"] == "2025-02-05T10:00:00+07:00"
    assert body["counting_starts_at"] == "2025-01-24T10:00:00+07:00"
    assert body["received_at"] == "2025-01-24T10:00:00+07:00"
    assert body["working_days"] == 3 and body["hours"] == 24 and body["agency"] is None
    r = get(client, "/deadline", start="2024-05-03T15:30:00+07:00", working_days="1")
    assert r.json()["counting_starts_at"] == "2024-05-04T08:00:00+07:00"
    assert r.json()["due_at"] == "2024-05-04T17:00:00+07:00"


def test_deadline_other_offsets_hours_and_fractions(client):
    r = get(client, "/deadline", start="2025-03-04T02:30:00Z", hours="2.5")
    assert r.json()["due_at"] == "2025-03-04T12:00:00+07:00"
    assert r.json()["received_at"] == "2025-03-04T09:30:00+07:00"
    r = get(client, "/deadline", start="2025-03-04T09:00:00+07:00", working_days="0.5")
    assert r.json()["due_at"] == "2025-03-04T14:00:00+07:00" and r.json()["working_days"] == 0.5
    r = get(client, "/deadline", start="2025-03-04T09:00:00+07:00", working_days="0")
    assert r.json()["due_at"] == "2025-03-04T17:00:00+07:00"


def test_naive_start_is_local_time_and_unencoded_plus_is_tolerated(client):
    r = get(client, "/deadline", start="2025-03-04T09:00:00", hours="1")
    assert r.json()["due_at"] == "2025-03-04T10:00:00+07:00"
    # a client that forgot to URL-encode '+': the query string decodes it to a space
    r = client.get(URL + "/deadline?start=2025-03-04T09:00:00+07:00&hours=1")
    assert r.status_code == 200 and r.json()["due_at"] == "2025-03-04T10:00:00+07:00"


def test_deadline_with_agency(client):
    Agency.objects.create(
        identifier="000.00.21.H26",
        name="Sở Kế hoạch và Đầu tư",
        level="department",
        morning_start=dt.time(7, 0),
        morning_end=dt.time(11, 0),
    )
    r = get(client, "/deadline", start="2025-03-04T06:00:00+07:00", hours="4", agency="000.00.21.H26")
    assert r.status_code == 200
    assert r.json()["counting_starts_at"] == "2025-03-04T07:00:00+07:00"
    assert r.json()["due_at"] == "2025-03-04T11:00:00+07:00"
    assert r.json()["agency"] == "000.00.21.H26"
    assert r.json()["office_hours"]["morning_start"] == "07:00"


@pytest.mark.parametrize(
    "params, status",
    [
        ({"working_days": "3"}, 400),  # missing start
        ({"start": "", "working_days": "3"}, 400),
        ({"start": "24/01/2025 10:00", "working_days": "3"}, 400),
        ({"start": "2025-02-30T10:00:00+07:00", "working_days": "3"}, 400),
        ({"start": "2025-01-24T10:00:00+07:00"}, 400),  # neither
        ({"start": "2025-01-24T10:00:00+07:00", "working_days": "3", "hours": "8"}, 400),  # both
        ({"start": "2025-01-24T10:00:00+07:00", "working_days": "-1"}, 422),  # out of range, as 100000
        ({"start": "2025-01-24T10:00:00+07:00", "hours": "-0.5"}, 422),
        ({"start": "2025-01-24T10:00:00+07:00", "working_days": "abc"}, 400),
        ({"start": "2025-01-24T10:00:00+07:00", "working_days": "nan"}, 400),
        ({"start": "2025-01-24T10:00:00+07:00", "hours": "inf"}, 400),
        ({"start": "2025-01-24T10:00:00+07:00", "working_days": "100000"}, 422),
        ({"start": "1985-01-24T10:00:00+07:00", "working_days": "3"}, 422),
        ({"start": "2100-12-30T10:00:00+07:00", "working_days": "30"}, 422),
        ({"start": "0001-01-01T00:00:00+07:00", "working_days": "3"}, 422),  # no 500 moving it to UTC
        ({"start": "9999-12-31T23:59:00-12:00", "working_days": "3"}, 422),
        ({"start": "2025-01-24T10:00:00+07:00", "working_days": "3", "agency": "NO.SUCH"}, 404),
    ],
)
def test_deadline_errors(client, params, status):
    r = get(client, "/deadline", **params)
    assert r.status_code == status, r.content
    body = r.json()
    assert body["message"] and body["message_en"] and body["error"]


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_year_endpoint_matches_official_schedule(client, year):
    r = get(client, f"/{year}")
    assert r.status_code == 200
    off, makeup = OFFICIAL[year]
    assert r.json()["days_off"] == [d.isoformat() for d in _dates(year, off)]
    assert r.json()["makeup_workdays"] == [d.isoformat() for d in _dates(year, makeup)]
    assert all(h["name"] and h["sources"] for h in r.json()["holidays"])


def test_year_endpoint_fallback_and_errors(client):
    r = get(client, "/2027")
    assert r.status_code == 200 and r.json()["origin"] == "labour_code"
    assert "2027-11-24" not in r.json()["days_off"]  # Culture Day pending
    assert get(client, "/1989").status_code == 422
    assert get(client, "/2101").status_code == 422
    assert get(client, "/1990").status_code == 200
    assert get(client, "/2100").status_code == 200
    r = get(client, "/abcd")
    assert r.status_code == 400 and r.json()["message_en"]
    assert get(client, "/2025", agency="NO.SUCH").status_code == 404


# --- overrides ---------------------------------------------------------------------------------------------------


@pytest.fixture
def admin_token():
    user = get_user_model().objects.create_superuser("root", "root@example.vn", "x-Strong-pass-123")
    return user, ApiToken.issue(user)


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_override_via_api_takes_effect_immediately(client, admin_token):
    user, token = admin_token
    before = get(client, "/deadline", start="2025-03-11T09:00:00+07:00", working_days="2").json()["due_at"]
    assert before == "2025-03-13T09:00:00+07:00"
    r = client.post(
        URL + "/overrides",
        {"date": "2025-03-12", "kind": "day_off", "reason": "Công văn 99/UBND về nghỉ đột xuất"},
        content_type="application/json",
        **auth(token),
    )
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["created_by"] == "root" and created["reason"].startswith("Công văn 99")
    assert created["created_at"].endswith("+07:00") and created["jurisdiction"] == ""
    after = get(client, "/deadline", start="2025-03-11T09:00:00+07:00", working_days="2").json()["due_at"]
    assert after == "2025-03-14T09:00:00+07:00"
    assert "2025-03-12" in get(client, "/2025").json()["days_off"]
    listed = client.get(URL + "/overrides", {"year": 2025}, **auth(token)).json()
    assert [o["id"] for o in listed] == [created["id"]]
    # the same change again changes nothing -> 409, nothing stored
    r = client.post(
        URL + "/overrides",
        {"date": "2025-03-12", "kind": "day_off", "reason": "again"},
        content_type="application/json",
        **auth(token),
    )
    assert r.status_code == 409 and CalendarOverride.objects.count() == 1


def test_override_api_permissions_and_validation(client, admin_token):
    _, token = admin_token
    body = {"date": "2025-03-12", "kind": "day_off", "reason": "x"}
    assert client.post(URL + "/overrides", body, content_type="application/json").status_code == 401
    assert client.get(URL + "/overrides").status_code == 401
    agency = Agency.objects.create(identifier="000.00.21.H26", name="Sở", level="department")
    clerk = get_user_model().objects.create_user("clerk", password="x-Strong-pass-123")
    StaffRole.objects.create(user=clerk, agency=agency, role=Role.OFFICER)
    clerk_token = ApiToken.issue(clerk)
    r = client.post(URL + "/overrides", body, content_type="application/json", **auth(clerk_token))
    assert r.status_code == 403
    assert client.get(URL + "/overrides", **auth(clerk_token)).status_code == 403
    for bad in (
        {"date": "2025-03-12", "kind": "day_off", "reason": ""},
        {"date": "12/03/2025", "kind": "day_off", "reason": "x"},
        {"date": "2025-03-12", "kind": "nghỉ", "reason": "x"},
        {"kind": "day_off", "reason": "x"},
    ):
        r = client.post(URL + "/overrides", bad, content_type="application/json", **auth(token))
        assert r.status_code == 422, (bad, r.content)
        assert r.json()["message"]
        if "/" in bad.get("date", ""):  # the date as sent is named, with the form expected
            assert "'12/03/2025'" in r.json()["message"] and "YYYY-MM-DD" in r.json()["message"]
    assert CalendarOverride.objects.count() == 0
    # an agency admin may
    StaffRole.objects.create(user=clerk, agency=agency, role=Role.ADMIN)
    r = client.post(URL + "/overrides", body, content_type="application/json", **auth(clerk_token))
    assert r.status_code == 201


def test_an_agency_administrator_changes_only_the_calendar_of_the_agencies_under_it(client):
    """A ward's administrator added a national day off and moved the department's deadlines: the country's calendar
    is a top-level (province) administrator's, a calendar code that of an administrator above every agency using
    it. A refusal stores nothing."""
    province = Agency.objects.create(identifier="H26", name="Thành phố Hà Nội", level="province")
    district = Agency.objects.create(
        identifier="000.00.33.H26", name="UBND Quận Hai Bà Trưng", level="district", parent=province
    )
    ward = Agency.objects.create(
        identifier="000.02.33.H26",
        name="UBND Phường Bách Khoa",
        level="commune",
        parent=district,
        jurisdiction="HBT",
    )
    Agency.objects.create(
        identifier="000.00.21.H26",
        name="Sở Kế hoạch và Đầu tư",
        level="department",
        parent=province,
        jurisdiction="HN",
    )
    User = get_user_model()

    def admin_of(agency, name):
        user = User.objects.create_user(name, password="x-Strong-pass-123")
        StaffRole.objects.create(user=user, agency=agency, role=Role.ADMIN)
        return ApiToken.issue(user)

    ward_admin, district_admin, province_admin = (
        admin_of(ward, "qt.phuong"),
        admin_of(district, "qt.quan"),
        admin_of(province, "qt.tp"),
    )

    def post(token, jurisdiction, date="2027-03-03"):
        body = {"date": date, "kind": "day_off", "reason": "Công văn 12/UBND", "jurisdiction": jurisdiction}
        return client.post(URL + "/overrides", body, content_type="application/json", **auth(token))

    r = post(ward_admin, "")
    assert (
        r.status_code == 403 and r.json()["error"] == "calendar_scope" and "toàn quốc" in r.json()["message"]
    )
    assert post(district_admin, "").status_code == 403
    assert post(ward_admin, "HN").status_code == 403  # the department's code: not under the ward
    assert CalendarOverride.objects.count() == 0
    assert post(ward_admin, "HBT").status_code == 201  # its own
    # a code another agency outside the district takes up: no longer the district's alone
    Agency.objects.filter(identifier="000.00.21.H26").update(jurisdiction="HBT")
    assert post(district_admin, "HBT", "2027-03-04").status_code == 403
    assert post(province_admin, "HBT", "2027-03-04").status_code == 201
    assert post(province_admin, "").status_code == 201
    assert CalendarOverride.objects.count() == 3


def test_a_past_day_is_taken_with_a_warning_and_agency_administrators_see_the_calendar_in_the_admin(client):
    """The API took a past day off without the warning the admin's page gives; and the admin's front page told a
    province's administrator (a staff role, no Django permission) there was nothing to see, while the add page
    worked."""
    province = Agency.objects.create(identifier="H26", name="Thành phố Hà Nội", level="province")
    user = get_user_model().objects.create_user("qt.hanoi", password="x-Strong-pass-123", is_staff=True)
    StaffRole.objects.create(user=user, agency=province, role=Role.ADMIN)
    token = ApiToken.issue(user)
    body = {"date": "2026-11-02", "kind": "day_off", "reason": "Công văn 1/UBND"}
    r = client.post(URL + "/overrides", body, content_type="application/json", **auth(token))
    assert r.status_code == 201 and [w["code"] for w in r.json()["warnings"]] == ["past_date"]
    assert "02/11/2026 đã qua" in r.json()["warnings"][0]["message"]
    future = {**body, "date": "2027-03-04"}
    r = client.post(URL + "/overrides", future, content_type="application/json", **auth(token))
    assert r.status_code == 201 and r.json()["warnings"] == []
    client.force_login(user)
    index = client.get("/admin/").content.decode()
    assert "/admin/workdays/calendaroverride/" in index
