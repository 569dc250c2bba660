"""Calendar API (/api/v1/calendar): deadlines, year schedules, and operator overrides (contract §2)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from motcua.core.auth import BearerAuth
from motcua.core.errors import DomainError, NotFound, PermissionDenied, Unprocessable
from motcua.core.schemas import ErrorOut, InSchema, OfficeHoursOut

from . import services
from .calendar import TZ
from .models import CalendarOverride
from .schedules import MAX_YEAR, MIN_YEAR

router = Router(tags=["calendar"])

MAX_WORKING_DAYS = services.MAX_WORKING_DAYS
MAX_HOURS = MAX_WORKING_DAYS * 8


class DeadlineOut(Schema):
    received_at: str
    working_days: int | float | None
    hours: int | float
    agency: str | None
    counting_starts_at: str
    due_at: str
    timezone: str
    office_hours: OfficeHoursOut


class HolidayOut(Schema):
    date: str
    weekday: int
    kind: str
    name: str
    origin: str
    sources: list[str] = []
    document: str = ""
    note: str = ""


class OverrideOut(Schema):
    id: int
    date: str
    kind: str
    kind_label: str
    jurisdiction: str
    reason: str
    created_by: str | None
    created_at: str | None


class WarningOut(Schema):
    code: str
    message: str
    message_en: str


class OverrideCreatedOut(OverrideOut):
    warnings: list[WarningOut] = Field(
        [], description="past_date: a day already past — deadlines computed before are not computed again"
    )


class YearOut(Schema):
    year: int
    timezone: str
    agency: str | None
    jurisdiction: str
    origin: str
    weekend: list[str]
    culture_day_holiday: bool
    days_off: list[str]
    makeup_workdays: list[str]
    holidays: list[HolidayOut]
    overrides: list[OverrideOut]


class OverrideIn(InSchema):
    date: str
    kind: str
    reason: str = ""
    jurisdiction: str = ""


def _bad(message: str, message_en: str, code: str = "invalid") -> DomainError:
    return DomainError(message, message_en, code=code, status=400)


# "+07:00" arrives as " 07:00" when a client forgets to URL-encode the "+": put it back.
_PLUS_LOST = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def parse_instant(raw: str | None, name: str = "start") -> dt.datetime:
    """An ISO 8601 instant; one without offset is read as local time (Asia/Ho_Chi_Minh)."""
    if raw is None or not raw.strip():
        raise _bad(
            f"Thiếu tham số '{name}' (thời điểm tiếp nhận, ISO 8601, ví dụ 2025-01-24T10:00:00+07:00).",
            f"Missing '{name}' (the reception instant, ISO 8601, e.g. 2025-01-24T10:00:00+07:00).",
            code="missing_start",
        )
    text = raw.strip()
    m = _PLUS_LOST.match(text)
    if m:
        text = f"{m.group(1)}+{m.group(2)}"
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise _bad(
            f"'{name}' không phải thời điểm ISO 8601 hợp lệ: '{raw}' (ví dụ 2025-01-24T10:00:00+07:00).",
            f"'{name}' is not a valid ISO 8601 instant: '{raw}' (e.g. 2025-01-24T10:00:00+07:00).",
            code="bad_datetime",
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=TZ)
    # the year as written first: 0001-01-01 or 9999-12-31 cannot be moved to another offset
    if not MIN_YEAR <= value.year <= MAX_YEAR or not MIN_YEAR <= value.astimezone(TZ).year <= MAX_YEAR:
        raise Unprocessable(
            f"'{name}' phải thuộc các năm {MIN_YEAR}–{MAX_YEAR}.",
            f"'{name}' must be within the years {MIN_YEAR}-{MAX_YEAR}.",
            code="out_of_range",
        )
    return value


def parse_amount(raw: str, name: str, maximum: Decimal) -> Decimal:
    text = raw.strip().replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise _bad(
            f"'{name}' phải là một số (ví dụ 3 hoặc 0.5), nhận được '{raw}'.",
            f"'{name}' must be a number (e.g. 3 or 0.5), got '{raw}'.",
            code="bad_limit",
        )
    if value < 0:  # a number out of range, as one too large (422); what is not a number is 400
        raise Unprocessable(f"'{name}' không được âm.", f"'{name}' must not be negative.", code="bad_limit")
    if value > maximum:
        raise Unprocessable(
            f"'{name}' tối đa {maximum}.", f"'{name}' must be at most {maximum}.", code="bad_limit"
        )
    return value


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _agency(identifier: str | None):
    if identifier is None or not identifier.strip():
        return None
    from motcua.core.text import identifier_form
    from motcua.org.models import Agency

    agency = Agency.objects.filter(identifier=identifier_form(identifier)).first()
    if agency is None:
        raise NotFound(
            f"Không tìm thấy cơ quan có mã định danh '{identifier}'.",
            f"No agency with identifier '{identifier}'.",
        )
    return agency


@router.get(
    "/deadline",
    response={200: DeadlineOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Tính hạn giải quyết",
)
def deadline(
    request: HttpRequest,
    start: str | None = None,
    working_days: str | None = None,
    hours: str | None = None,
    agency: str | None = None,
    received_at: str | None = None,
):
    """When counting starts and when a dossier received at `start` (ISO 8601; without an offset it is read as
    local time, Asia/Ho_Chi_Minh; `received_at` is accepted as an alias) is due, for a limit of `working_days`
    (N working days = N × 8 office hours; 0 = same day, due at closing) or `hours` (exactly one of them),
    with the office hours and jurisdiction of `agency` (an electronic identifier; default: national calendar,
    08:00–12:00, 13:00–17:00, cut-off 15:00)."""
    if start is None and received_at is not None:
        start = received_at
    instant = parse_instant(start, "start")
    wd = working_days if working_days is not None and working_days.strip() else None
    hr = hours if hours is not None and hours.strip() else None
    if (wd is None) == (hr is None):
        raise _bad(
            "Cần đúng một trong hai tham số: 'working_days' (số ngày làm việc) hoặc 'hours' (số giờ làm việc).",
            "Give exactly one of 'working_days' or 'hours'.",
            code="bad_limit",
        )
    days_value = parse_amount(wd, "working_days", MAX_WORKING_DAYS) if wd is not None else None
    hours_value = parse_amount(hr, "hours", MAX_HOURS) if hr is not None else days_value * 8
    agency_obj = _agency(agency)
    services.refresh(force=True)
    result = services.compute_deadline(instant, hours=hours_value, agency=agency_obj)
    cal = services.calendar_for(agency_obj)
    return {
        "received_at": instant.astimezone(TZ).isoformat(),
        "working_days": _number(days_value) if days_value is not None else None,
        "hours": _number(hours_value),
        "agency": agency_obj.identifier if agency_obj else None,
        "counting_starts_at": result.counting_starts_at.isoformat(),
        "due_at": result.due_at.isoformat(),
        "timezone": "Asia/Ho_Chi_Minh",
        "office_hours": cal.hours.as_dict(),
    }


def _manager(request: HttpRequest):
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if not services.can_manage_calendar(user):
        raise PermissionDenied(
            "Chỉ quản trị hệ thống hoặc cán bộ có vai trò quản trị được xem và điều chỉnh lịch làm việc.",
            "Only superusers or staff with the admin role may view and change calendar overrides.",
        )
    return user


@router.get(
    "/overrides",
    auth=BearerAuth(),
    response={200: list[OverrideOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="Các điều chỉnh lịch làm việc",
)
def list_overrides(
    request: HttpRequest, year: int | None = None, jurisdiction: str | None = None, kind: str | None = None
):
    """Operator changes to the calendar, newest first (who, when, why). Filters: `year`, `jurisdiction`
    (blank string = national only), `kind`."""
    _manager(request)
    qs = CalendarOverride.objects.select_related("created_by").order_by("-id")
    if year is not None:
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise Unprocessable(
                f"Năm phải trong khoảng {MIN_YEAR}–{MAX_YEAR}.", f"year must be within {MIN_YEAR}-{MAX_YEAR}."
            )
        qs = qs.filter(date__year=year)
    if jurisdiction is not None:
        from motcua.org.models import jurisdiction_form

        qs = qs.filter(jurisdiction=jurisdiction_form(jurisdiction))
    if kind:
        qs = qs.filter(kind=kind)
    return [services.override_as_dict(ov) for ov in qs[:1000]]


@router.post(
    "/overrides",
    auth=BearerAuth(),
    response={
        201: OverrideCreatedOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="Thêm điều chỉnh lịch làm việc",
)
def create_override(request: HttpRequest, payload: OverrideIn):
    """Add a day off (`day_off`), a make-up working day (`makeup_workday`), or remove one (`remove_day_off`,
    `remove_makeup`) on `date`, nationally (`jurisdiction` blank) or for one calendar jurisdiction
    (`Agency.jurisdiction`). `reason` (e.g. the official letter) is required. Takes effect at once; kept with
    who and when; never edited (add the opposite override to undo). 409 if it would change nothing."""
    user = _manager(request)
    ov = services.add_override(
        date=payload.date,
        kind=payload.kind,
        reason=payload.reason,
        user=user,
        jurisdiction=payload.jurisdiction,
    )
    answer = services.override_as_dict(ov)
    if warning := services.past_date_warning(ov):  # as the admin's page says it
        answer["warnings"] = [warning]
    return Status(201, answer)


@router.get(
    "/{year}",
    response={200: YearOut, 400: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="Lịch ngày nghỉ và ngày làm bù của một năm",
)
def year_calendar(request: HttpRequest, year: str, agency: str | None = None):
    """`days_off`: the Monday–Friday dates that are not working days (holidays, compensatory and swapped days,
    operator-added days off); `makeup_workdays`: the Saturdays/Sundays that are working days (làm bù).
    Weekends are implicitly off. `holidays` names each date and cites its source. Years 1990–2100; 2023–2026
    follow the announced schedules, other years the Labour Code rules."""
    text = year.strip()
    if not re.fullmatch(r"-?\d{1,6}", text):
        raise _bad(
            f"Năm không hợp lệ: '{year}' (ví dụ /api/v1/calendar/2025).",
            f"Invalid year: '{year}' (e.g. /api/v1/calendar/2025).",
            code="bad_year",
        )
    agency_obj = _agency(agency)
    services.refresh(force=True)
    return services.year_schedule(int(text), agency=agency_obj)
