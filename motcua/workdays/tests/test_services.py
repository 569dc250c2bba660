"""Service layer: cached calendars, operator overrides (who/when/why), jurisdiction scoping, invalidation."""

import datetime as dt
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from motcua.core.errors import DomainError, PermissionDenied, Unprocessable
from motcua.org.models import Agency, Role, StaffRole
from motcua.workdays import services
from motcua.workdays.models import CalendarOverride

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return get_user_model().objects.create_superuser("root", "root@example.vn", "x-Strong-pass-123")


@pytest.fixture
def agency():
    return Agency.objects.create(identifier="000.00.21.H26", name="Sở Kế hoạch và Đầu tư", level="department")


def test_contract_examples_through_services():
    d = services.compute_deadline(at(2025, 1, 24, 10), working_days=3)
    assert d == services.Deadline(at(2025, 1, 24, 10), at(2025, 2, 5, 10))
    assert d.due_at.isoformat() == "2025-02-05T10:00:00+07:00"
    d = services.compute_deadline(dt.datetime.fromisoformat("2024-05-03T15:30:00+07:00"), working_days=1)
    assert d.counting_starts_at.isoformat() == "2024-05-04T08:00:00+07:00"
    assert d.due_at.isoformat() == "2024-05-04T17:00:00+07:00"


def test_hours_and_days_are_alternatives():
    assert (
        services.compute_deadline(at(2025, 3, 4, 9), hours=Decimal(12)).due_at
        == services.compute_deadline(at(2025, 3, 4, 9), working_days=1.5).due_at
        == at(2025, 3, 5, 14)
    )
    with pytest.raises(Unprocessable):
        services.compute_deadline(at(2025, 3, 4, 9))
    with pytest.raises(Unprocessable):
        services.compute_deadline(at(2025, 3, 4, 9), hours=8, working_days=1)
    with pytest.raises(Unprocessable):
        services.compute_deadline(at(2025, 3, 4, 9), working_days=-1)
    with pytest.raises(Unprocessable):
        services.compute_deadline(at(2099, 12, 1, 9), working_days=400)


def test_naive_datetimes_are_local_time():
    d = services.compute_deadline(dt.datetime(2025, 3, 4, 9, 0), hours=1)
    assert d.due_at == at(2025, 3, 4, 10)


def test_pause_helpers():
    paused = services.working_hours_between(at(2025, 3, 5, 16), at(2025, 3, 7, 10))
    assert paused == 11
    assert services.add_working_hours(at(2025, 3, 11, 9), paused) == at(2025, 3, 12, 12)
    assert services.is_working_day(dt.date(2025, 4, 26))  # make-up Saturday
    assert not services.is_working_day(dt.date(2025, 4, 30))


def test_agency_office_hours_apply(agency):
    agency.morning_start, agency.morning_end = dt.time(7, 30), dt.time(11, 30)
    agency.afternoon_start, agency.afternoon_end = dt.time(13, 30), dt.time(17, 30)
    agency.cutoff = dt.time(16, 0)
    agency.save()
    d = services.compute_deadline(at(2025, 3, 4, 15, 30), hours=3, agency=agency)
    assert d.counting_starts_at == at(2025, 3, 4, 15, 30)  # before this agency's 16:00 cut-off
    assert d.due_at == at(2025, 3, 5, 8, 30)  # 2 h today, 1 h from 07:30 tomorrow
    # the national calendar is unchanged
    assert services.compute_deadline(at(2025, 3, 4, 15, 30), hours=3).due_at == at(2025, 3, 5, 11)
    # editing the agency's hours takes effect at once
    agency.cutoff = dt.time(15, 0)
    agency.save()
    assert services.compute_deadline(at(2025, 3, 4, 15, 30), hours=3, agency=agency).counting_starts_at == at(
        2025, 3, 5, 7, 30
    )


def test_year_schedule_lists_days_and_sources():
    data = services.year_schedule(2024)
    assert data["days_off"][:2] == ["2024-01-01", "2024-02-08"]
    assert data["makeup_workdays"] == ["2024-05-04"]
    assert data["origin"] == "official"
    sat = next(h for h in data["holidays"] if h["date"] == "2024-05-04")
    assert sat["kind"] == "makeup_workday" and "2450/VPCP-KGVX" in sat["document"]
    with pytest.raises(Unprocessable):
        services.year_schedule(1989)
    with pytest.raises(Unprocessable):
        services.year_schedule(2101)


def test_culture_day_switch(settings):
    assert services.is_working_day(dt.date(2026, 11, 24))
    settings.MOTCUA_CULTURE_DAY_HOLIDAY = True
    assert not services.is_working_day(dt.date(2026, 11, 24))
    assert "2026-11-24" in services.year_schedule(2026)["days_off"]
    settings.MOTCUA_CULTURE_DAY_HOLIDAY = False
    assert services.is_working_day(dt.date(2026, 11, 24))


# --- overrides -------------------------------------------------------------------------------------------------


def test_added_day_off_takes_effect_immediately_and_records_who_and_why(admin_user):
    before = services.compute_deadline(at(2025, 3, 11, 9), working_days=2)
    assert before.due_at == at(2025, 3, 13, 9)
    ov = services.add_override(
        date=dt.date(2025, 3, 12), kind="day_off", reason="Công văn 123/VPCP (thử nghiệm)", user=admin_user
    )
    after = services.compute_deadline(at(2025, 3, 11, 9), working_days=2)
    assert after.due_at == at(2025, 3, 14, 9)
    ov.refresh_from_db()
    assert ov.created_by == admin_user and ov.reason.startswith("Công văn 123") and ov.created_at is not None
    assert "2025-03-12" in services.year_schedule(2025)["days_off"]
    # undo = a new override; both stay in the log
    services.add_override(
        date="2025-03-12", kind="remove_day_off", reason="Hủy công văn 123", user=admin_user
    )
    assert services.compute_deadline(at(2025, 3, 11, 9), working_days=2).due_at == at(2025, 3, 13, 9)
    assert CalendarOverride.objects.count() == 2


def test_makeup_and_removal_of_official_days(admin_user):
    # make Sat 2025-03-15 a working day; remove the official make-up Saturday 26/04/2025
    services.add_override(date=dt.date(2025, 3, 15), kind="makeup_workday", reason="Làm bù", user=admin_user)
    assert services.is_working_day(dt.date(2025, 3, 15))
    assert services.compute_deadline(at(2025, 3, 14, 16), working_days=1).counting_starts_at == at(
        2025, 3, 15, 8
    )
    services.add_override(
        date=dt.date(2025, 4, 26), kind="remove_makeup", reason="Điều chỉnh", user=admin_user
    )
    assert not services.is_working_day(dt.date(2025, 4, 26))
    assert "2025-04-26" not in services.year_schedule(2025)["makeup_workdays"]
    # an official holiday turned into a working day
    services.add_override(date=dt.date(2025, 4, 7), kind="remove_day_off", reason="Thử", user=admin_user)
    assert services.is_working_day(dt.date(2025, 4, 7))


def test_jurisdiction_overrides_apply_only_there(admin_user, agency):
    other = Agency.objects.create(identifier="000.00.21.H29", name="Sở KH&ĐT Hải Dương", level="department")
    agency.jurisdiction = "H26"
    agency.save()
    services.add_override(
        date=dt.date(2025, 3, 12),
        kind="day_off",
        reason="Nghỉ địa phương",
        user=admin_user,
        jurisdiction="H26",
    )
    assert not services.is_working_day(dt.date(2025, 3, 12), agency=agency)
    assert services.is_working_day(dt.date(2025, 3, 12), agency=other)
    assert services.is_working_day(dt.date(2025, 3, 12))
    assert "2025-03-12" in services.year_schedule(2025, agency=agency)["days_off"]
    assert "2025-03-12" not in services.year_schedule(2025)["days_off"]


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"date": "2025-03-08", "kind": "day_off"}, DomainError),  # Saturday: already off
        ({"date": "2025-03-12", "kind": "makeup_workday"}, DomainError),  # Wednesday: already working
        ({"date": "2025-03-12", "kind": "remove_day_off"}, DomainError),
        ({"date": "2025-03-08", "kind": "remove_makeup"}, DomainError),
        ({"date": "2025-13-01", "kind": "day_off"}, Unprocessable),
        ({"date": "1980-03-12", "kind": "day_off"}, Unprocessable),
        ({"date": "2025-03-12", "kind": "holiday"}, Unprocessable),
        ({"date": "2025-03-12", "kind": "day_off", "reason": "   "}, Unprocessable),
        ({"date": "2025-03-12", "kind": "day_off", "jurisdiction": "H 26"}, Unprocessable),
        (
            {"date": "2025-03-12", "kind": "day_off", "jurisdiction": "KHONG-TON-TAI"},
            Unprocessable,
        ),  # no agency
    ],
)
def test_bad_overrides_change_nothing(admin_user, kwargs, error):
    kwargs = {"reason": "lý do", "user": admin_user, **kwargs}
    with pytest.raises(error) as exc:
        services.add_override(**kwargs)
    if error is DomainError and not isinstance(exc.value, Unprocessable):
        assert exc.value.status == 409
    assert CalendarOverride.objects.count() == 0


def test_only_admins_may_override(agency):
    User = get_user_model()
    clerk = User.objects.create_user("clerk", password="x-Strong-pass-123")
    StaffRole.objects.create(user=clerk, agency=agency, role=Role.OFFICER)
    with pytest.raises(PermissionDenied):
        services.add_override(date="2025-03-12", kind="day_off", reason="x", user=clerk)
    boss = User.objects.create_user("boss", password="x-Strong-pass-123")
    StaffRole.objects.create(user=boss, agency=agency, role=Role.ADMIN)
    services.add_override(date="2025-03-12", kind="day_off", reason="x", user=boss)
    with pytest.raises(PermissionDenied):
        services.add_override(date="2025-03-13", kind="day_off", reason="x", user=None)


def test_overrides_are_append_only(admin_user):
    ov = services.add_override(date="2025-03-12", kind="day_off", reason="x", user=admin_user)
    ov.reason = "changed"
    with pytest.raises(ValidationError):
        ov.save()
    with pytest.raises(ValidationError):
        ov.delete()
    assert CalendarOverride.objects.get().reason == "x"


def test_changes_made_by_another_process_are_seen(admin_user, monkeypatch, settings):
    assert services.is_working_day(dt.date(2025, 3, 12))
    # Simulate another process: a row written without this process's signals, and a fresh recheck clock.
    CalendarOverride.objects.bulk_create(
        [CalendarOverride(date=dt.date(2025, 3, 12), kind="day_off", reason="x", created_by=admin_user)]
    )
    settings.MOTCUA_CALENDAR_RECHECK_SECONDS = 3600
    monkeypatch.setattr(services, "_dirty", False)
    monkeypatch.setattr(services, "_next_check", time.monotonic() + 3600)
    assert services.is_working_day(dt.date(2025, 3, 12))  # cached until the next check
    settings.MOTCUA_CALENDAR_RECHECK_SECONDS = 0
    assert not services.is_working_day(dt.date(2025, 3, 12))  # the marker changed: rebuilt


def test_forced_refresh_sees_other_process_changes(admin_user, monkeypatch, settings):
    assert services.is_working_day(dt.date(2025, 3, 13))
    CalendarOverride.objects.bulk_create(
        [CalendarOverride(date=dt.date(2025, 3, 13), kind="day_off", reason="x", created_by=admin_user)]
    )
    settings.MOTCUA_CALENDAR_RECHECK_SECONDS = 3600
    monkeypatch.setattr(services, "_dirty", False)
    monkeypatch.setattr(services, "_next_check", time.monotonic() + 3600)
    services.refresh(force=True)
    assert not services.is_working_day(dt.date(2025, 3, 13))


def test_calendars_are_cached():
    assert services.calendar_for() is services.calendar_for()


def test_admin_adds_overrides_and_never_edits(client, admin_user):
    client.force_login(admin_user)
    url = "/admin/workdays/calendaroverride/add/"
    assert client.get(url).status_code == 200
    r = client.post(
        url, {"date": "2025-03-12", "kind": "day_off", "jurisdiction": "", "reason": "Công văn 1"}
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    ov = CalendarOverride.objects.get()
    assert ov.created_by == admin_user and ov.reason == "Công văn 1"
    assert not services.is_working_day(dt.date(2025, 3, 12))
    # a no-op change is refused on the form, nothing stored
    r = client.post(url, {"date": "2025-03-12", "kind": "day_off", "jurisdiction": "", "reason": "lại"})
    assert r.status_code == 200 and "đã là ngày nghỉ" in r.content.decode()
    assert CalendarOverride.objects.count() == 1
    # view only, no edit, no delete
    change = f"/admin/workdays/calendaroverride/{ov.pk}/change/"
    assert client.get(change).status_code == 200
    client.post(change, {"date": "2025-03-13", "kind": "day_off", "jurisdiction": "", "reason": "x"})
    assert CalendarOverride.objects.get().date == dt.date(2025, 3, 12)
    assert (
        client.post(f"/admin/workdays/calendaroverride/{ov.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert CalendarOverride.objects.count() == 1
    assert client.get("/admin/workdays/calendaroverride/").status_code == 200


def test_a_year_without_an_announced_schedule_is_named_until_one_is_recorded(admin_user, settings):
    """2026's schedule ships with the product; 2027's does not. From October, appointments reach into 2027 and its
    days off are the Labour Code's rule only: named until an operator records a nationwide override in 2027."""
    assert services.unconfirmed_years(dt.date(2026, 9, 30)) == []
    assert services.unconfirmed_years(dt.date(2026, 10, 1)) == [2027]
    assert services.unconfirmed_years(dt.date(2027, 3, 1)) == [2027]
    settings.MOTCUA_CALENDAR_NEXT_YEAR_FROM_MONTH = 12
    assert services.unconfirmed_years(dt.date(2026, 11, 27)) == []
    settings.MOTCUA_CALENDAR_NEXT_YEAR_FROM_MONTH = 10
    Agency.objects.create(identifier="H26", name="Thành phố Hà Nội", level="province", jurisdiction="HN")
    services.add_override(date="2027-02-15", kind="day_off", reason="Nghỉ riêng của Hà Nội", user=admin_user,
                          jurisdiction="HN")  # fmt: skip
    assert services.unconfirmed_years(dt.date(2026, 11, 27)) == [
        2027
    ]  # one province's day is not the schedule
    services.add_override(date="2027-02-15", kind="day_off", reason="Tết Đinh Mùi: nghỉ bù (CV …/VPCP-KGVX)",
                          user=admin_user)  # fmt: skip
    assert services.unconfirmed_years(dt.date(2026, 11, 27)) == []
    assert services.unconfirmed_years(dt.date(2028, 10, 1)) == [2028, 2029]
