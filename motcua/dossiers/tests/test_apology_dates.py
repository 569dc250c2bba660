"""An apology's new return date (Form 04) given as a day alone is that day's closing time, on the API and on the staff
form; a day off or a time outside office hours is refused saying what is expected (ADR 0022 addendum)."""

import datetime as dt

from django.test import Client
from django.utils import timezone

from motcua.dossiers import services
from motcua.dossiers.models import Dossier

from .conftest import act, login
from .test_api import call
from .test_views import file_online


def _days_after_due(org, d):
    """(a working day after the appointment, a day off after it)."""
    cal = services.AgencyCalendar(org["so"])
    day = timezone.localtime(d.due_at).date() + dt.timedelta(days=7)
    while not cal.is_working_day(day):
        day += dt.timedelta(days=1)
    off = day
    while cal.is_working_day(off):
        off += dt.timedelta(days=1)
    return day, off


def test_api_a_day_alone_is_that_days_closing_time_and_due_at_stays(org, token):
    d = act(org, file_online(org), "receive", "officer")
    day, _off = _days_after_due(org, d)
    r = call(
        Client(), "post", f"/api/v1/dossiers/{d.code}/apologize", token("leader"),
        {"reason": "Cần xác minh", "new_return_at": day.isoformat()},
    )  # fmt: skip
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["new_return_at"] == f"{day.isoformat()}T17:00:00+07:00"
    fresh = Dossier.objects.get(code=d.code)
    assert fresh.due_at == d.due_at  # contract §5: an apology never moves due_at


def test_api_a_day_off_or_a_time_outside_office_hours_says_what_is_expected(org, token):
    d = act(org, file_online(org), "receive", "officer")
    day, off = _days_after_due(org, d)
    c, tok = Client(), token("leader")
    r = call(
        c,
        "post",
        f"/api/v1/dossiers/{d.code}/apologize",
        tok,
        {"reason": "x", "new_return_at": off.isoformat()},
    )
    assert r.status_code == 422 and r.json()["error"] == "bad_new_date"
    assert f"{off:%d/%m/%Y} là ngày nghỉ" in r.json()["message"]
    assert f"{off:%d/%m/%Y} is a day off" in r.json()["message_en"]
    assert "T17:00:00+07:00" in r.json()["message_en"]  # an example in the API's format
    r = call(
        c, "post", f"/api/v1/dossiers/{d.code}/apologize", tok,
        {"reason": "x", "new_return_at": f"{day.isoformat()}T07:00:00+07:00"},
    )  # fmt: skip
    body = r.json()
    assert r.status_code == 422 and body["error"] == "bad_new_date"
    assert "08:00–12:00, 13:00–17:00" in body["message"] and f"07:00 ngày {day:%d/%m/%Y}" in body["message"]
    assert (
        "outside them" in body["message_en"] and f"or the day alone ({day.isoformat()})" in body["message_en"]
    )
    r = call(c, "post", f"/api/v1/dossiers/{d.code}/apologize", tok, {"new_return_at": "2026-02-30"})
    assert r.status_code == 422 and [e["field"] for e in r.json()["details"]] == ["new_return_at"]
    assert Dossier.objects.get(code=d.code).new_return_at is None


def test_staff_form_lists_a_missing_reason_and_a_time_outside_office_hours_together(client, org):
    d = act(org, file_online(org), "receive", "officer")
    day, off = _days_after_due(org, d)
    login(client, org, "leader")
    url = f"/staff/dossiers/{d.code}/act/apologize/"
    r = client.post(
        url, {"expected_version": d.version, "reason": "", "new_return_at": f"{day:%d/%m/%Y} 18:00"}
    )
    form = r.context["action_forms"]
    errors = next(af["form"].errors for af in form if af["action"] == "apologize")
    assert r.status_code == 400 and set(errors) == {"reason", "new_return_at"}
    assert f"18:00 ngày {day:%d/%m/%Y} là ngoài giờ làm việc" in errors["new_return_at"][0]
    r = client.post(url, {"expected_version": d.version, "reason": "x", "new_return_at": f"{off:%d/%m/%Y}"})
    assert r.status_code == 400 and f"{off:%d/%m/%Y} là ngày nghỉ" in r.content.decode()
    r = client.post(url, {"expected_version": d.version, "reason": "x", "new_return_at": "10-12-2026"})
    assert r.status_code == 400 and "chỉ ghi ngày dd/mm/yyyy thì hẹn đến 17:00" in r.content.decode()
    # a day alone: that day's closing time
    r = client.post(
        url, {"expected_version": d.version, "reason": "Cần xác minh", "new_return_at": f"{day:%d/%m/%Y}"}
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert timezone.localtime(Dossier.objects.get(code=d.code).new_return_at).strftime("%d/%m/%Y %H:%M") == (
        f"{day:%d/%m/%Y} 17:00"
    )
