"""The calendar overrides' admin: dates are read day first (dd/mm/yyyy) in both interface languages."""

import datetime as dt
import re

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.utils import formats, translation

from motcua.workdays.models import CalendarOverride

ADD = "/admin/workdays/calendaroverride/add/"


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("quantri", "qt@example.vn", "mat-khau-dai-1")
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_admin_reads_day_first(admin_client, language):
    admin_client.cookies["django_language"] = language
    page = admin_client.get(ADD)
    assert page.status_code == 200
    response = admin_client.post(
        ADD, {"date": "10/12/2026", "kind": "day_off", "jurisdiction": "", "reason": "Công văn số 1/VPCP"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert CalendarOverride.objects.get().date == dt.date(2026, 12, 10)  # 10 December, not 12 October
    listing = admin_client.get("/admin/workdays/calendaroverride/").content.decode()
    if language == "en":
        assert "10/12/2026" in listing


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["vi", "en"])
def test_a_month_first_date_is_refused_not_misread(admin_client, language):
    admin_client.cookies["django_language"] = language
    response = admin_client.post(
        ADD, {"date": "12/31/2026", "kind": "day_off", "jurisdiction": "", "reason": "Công văn số 1/VPCP"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert not CalendarOverride.objects.exists()


@pytest.mark.parametrize("language", ["vi", "en", None])
def test_no_input_format_reads_month_first(language):
    with translation.override(language):
        for name in ("DATE_INPUT_FORMATS", "DATETIME_INPUT_FORMATS"):
            fmts = formats.get_format(name)
            assert fmts[0].startswith("%d/%m/%Y")
            assert not any(re.search(r"%m/%d", f) for f in fmts)
        assert forms.DateField().clean("10/12/2026") == dt.date(2026, 12, 10)
        assert forms.DateField().clean("2026-12-10") == dt.date(2026, 12, 10)
        with pytest.raises(forms.ValidationError):
            forms.DateField().clean("12/31/2026")
        value = forms.DateTimeField().clean("10/12/2026 14:30")
        assert (value.day, value.month, value.hour, value.minute) == (10, 12, 14, 30)
        # the admin's date widget shows what it reads
        assert forms.DateInput().format_value(dt.date(2026, 12, 10)) == "10/12/2026"


def test_forms_with_their_own_formats_keep_them():
    from motcua.catalog.eforms import DATE_FORMATS

    for language in ("vi", "en"):
        with translation.override(language):
            field = forms.DateField(input_formats=DATE_FORMATS)
            assert field.clean("01/02/2026") == dt.date(2026, 2, 1)
            local = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M"])
            assert local.clean("2026-02-01T08:15").day == 1


@pytest.mark.django_db
def test_a_jurisdiction_no_agency_uses_is_refused(admin_client):
    from motcua.org.models import Agency

    data = {"date": "10/12/2026", "kind": "day_off", "jurisdiction": "KHONG-TON-TAI", "reason": "Công văn 1"}
    r = admin_client.post(ADD, data)
    assert r.status_code == 200 and "Không có cơ quan nào dùng phạm vi lịch" in r.content.decode()
    assert not CalendarOverride.objects.exists()
    Agency.objects.create(identifier="000.00.21.H26", name="Sở KH&ĐT", level="department", jurisdiction="H26")
    assert admin_client.post(ADD, {**data, "jurisdiction": "H26"}).status_code == 302
    assert (
        admin_client.post(ADD, {**data, "date": "11/12/2026", "jurisdiction": ""}).status_code == 302
    )  # national
    assert sorted(CalendarOverride.objects.values_list("jurisdiction", flat=True)) == ["", "H26"]


@pytest.mark.django_db
def test_an_override_for_a_past_date_is_saved_with_a_warning(admin_client):
    r = admin_client.post(
        ADD,
        {"date": "10/03/2025", "kind": "day_off", "jurisdiction": "", "reason": "Công văn 1"},
        follow=True,
    )
    assert r.status_code == 200 and CalendarOverride.objects.get().date == dt.date(2025, 3, 10)
    assert "Ngày 10/03/2025 đã qua" in r.content.decode()
    r = admin_client.post(
        ADD,
        {"date": "10/12/2099", "kind": "day_off", "jurisdiction": "", "reason": "Công văn 2"},
        follow=True,
    )
    assert "đã qua" not in r.content.decode()


@pytest.mark.django_db
def test_a_reason_with_hidden_characters_is_refused(admin_client):
    """A reason with U+202E (right-to-left override) or BEL was kept, and the log is append-only: it could never be
    corrected. It is refused as on every other form; the typed jurisdiction in lower case is read in capitals."""
    from motcua.org.models import Agency

    for bad in ("Nghỉ\u202e bù", "Nghỉ\x07 bù"):
        r = admin_client.post(
            ADD, {"date": "07/12/2026", "kind": "day_off", "jurisdiction": "", "reason": bad}
        )
        assert r.status_code == 200 and "Lý do" in r.content.decode(), repr(bad)
    assert not CalendarOverride.objects.exists()
    Agency.objects.create(identifier="000.00.21.H26", name="Sở KH&ĐT", level="department", jurisdiction="H26")
    data = {"date": "07/12/2026", "kind": "day_off", "jurisdiction": "h26", "reason": "Công văn 12/UBND"}
    assert admin_client.post(ADD, data).status_code == 302
    assert CalendarOverride.objects.get().jurisdiction == "H26"
