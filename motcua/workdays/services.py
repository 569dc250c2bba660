"""The working-day calendar as other apps use it (contract §2). Keep these names and signatures stable.

Calendars are cached per (jurisdiction, Culture Day switch) for the days and per office hours for the arithmetic,
so a deadline costs no database query. Cache invalidation (ADR 0002):
- in this process, saving a CalendarOverride clears the cache at once (post_save signal) and, while the saving
  transaction may still roll back, every later call re-reads a cheap marker (count and max id of overrides);
- across processes, the marker is re-read at most every MOTCUA_CALENDAR_RECHECK_SECONDS (default 2 s) and on
  every calendar API request (`refresh(force=True)`), and the cache is rebuilt when it changed.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Max, Q
from django.db.models.signals import post_delete, post_save

from motcua.core.errors import DomainError, PermissionDenied, Unprocessable
from motcua.core.text import check_text, nfc

from .calendar import (
    HOURS_PER_WORKING_DAY,
    TZ,
    US_PER_HOUR,
    CalendarRangeError,
    OfficeHours,
    WorkCalendar,
    days_to_hours,
    to_microseconds,
)
from .models import CalendarOverride, OverrideKind
from .schedules import MAX_YEAR, MIN_YEAR, national_schedule

if TYPE_CHECKING:  # pragma: no cover
    from motcua.org.models import Agency

# The longest time limit the calendar computes (the deadline API and CLI, a limit an officer applies): ten years
# of working days, far beyond any procedure's.
MAX_WORKING_DAYS = Decimal(3650)

__all__ = [
    "Deadline",
    "calendar_for",
    "compute_deadline",
    "add_working_hours",
    "working_hours_between",
    "is_working_day",
    "year_schedule",
    "add_override",
    "check_override",
    "can_manage_calendar",
    "may_override",
    "past_date_warning",
    "refresh",
]


_US_PER_DAY = HOURS_PER_WORKING_DAY * US_PER_HOUR


@dataclass(frozen=True)
class Deadline:
    counting_starts_at: dt.datetime
    due_at: dt.datetime


def _deadline(start: dt.datetime, due: dt.datetime) -> Deadline:
    """Deadline(start, due) without the frozen-dataclass __init__ overhead (hot path; same object)."""
    obj = object.__new__(Deadline)
    obj.__dict__.update(counting_starts_at=start, due_at=due)
    return obj


# --- cache --------------------------------------------------------------------------------------------------

_lock = threading.RLock()
_days: dict[tuple[str, bool], WorkCalendar] = {}  # (jurisdiction, culture day) -> calendar (default hours)
_calendars: dict[tuple, WorkCalendar] = {}  # (jurisdiction, culture day, hours key) -> calendar
_marker: tuple | None = None
_checked_at = 0.0
_next_check = 0.0  # monotonic time of the next marker check
_generation = 0  # bumped on every clear: a calendar built from older data is not cached
_dirty = False  # an override was written in a transaction that may not have committed yet


# Settings read on every computation are cached here (LazySettings lookups cost more than a deadline) and
# re-read when Django signals a settings change (override_settings, the pytest `settings` fixture).
_settings_cache: dict[str, object] = {}


def _setting(name: str, default):
    try:
        return _settings_cache[name]
    except KeyError:
        value = _settings_cache[name] = getattr(settings, name, default)
        return value


def _on_setting_changed(setting: str = "", **kwargs) -> None:
    global _next_check
    _settings_cache.pop(setting, None)
    if setting == "MOTCUA_CALENDAR_RECHECK_SECONDS":
        _next_check = 0.0


setting_changed.connect(_on_setting_changed, dispatch_uid="workdays_setting_changed")


def _culture_day() -> bool:
    return bool(_setting("MOTCUA_CULTURE_DAY_HOLIDAY", False))


def _table_missing(exc: DatabaseError) -> bool:
    """True when the overrides table does not exist yet (database not migrated) outside a transaction: the
    calendar then runs on the national schedule alone (e.g. `motcua deadline` before `migrate`)."""
    return not connection.in_atomic_block and "calendaroverride" in str(exc).lower()


def _read_marker() -> tuple:
    try:
        agg = CalendarOverride.objects.aggregate(n=Count("id"), m=Max("id"))
    except DatabaseError as exc:
        if _table_missing(exc):
            return (0, None)
        raise
    return (agg["n"], agg["m"])


def _clear() -> None:
    global _generation
    with _lock:
        _generation += 1
        _days.clear()
        _calendars.clear()


def refresh(*, force: bool = False) -> None:
    """Drop cached calendars if the overrides table changed (checked at most every few seconds unless forced)."""
    global _marker, _checked_at, _next_check, _dirty
    now = time.monotonic()
    if not (force or _dirty or now >= _next_check):
        return
    marker = _read_marker()
    with _lock:
        if marker != _marker:
            _clear()
            _marker = marker
        _checked_at = now
        _next_check = now + float(_setting("MOTCUA_CALENDAR_RECHECK_SECONDS", 2))
        if _dirty and not connection.in_atomic_block:
            _dirty = False  # whatever was written is now committed or rolled back; the marker saw it


def _on_override_change(sender, **kwargs) -> None:
    global _dirty, _marker
    with _lock:
        _dirty = True
        _marker = None
    _clear()
    transaction.on_commit(_clear)


post_save.connect(_on_override_change, sender=CalendarOverride, dispatch_uid="workdays_override_saved")
post_delete.connect(_on_override_change, sender=CalendarOverride, dispatch_uid="workdays_override_deleted")


def _overrides_for(jurisdiction: str) -> list[CalendarOverride]:
    q = Q(jurisdiction="")
    if jurisdiction:
        q |= Q(jurisdiction=jurisdiction)
    try:
        return list(CalendarOverride.objects.filter(q).select_related("created_by").order_by("id"))
    except DatabaseError as exc:
        if _table_missing(exc):
            return []
        raise


def _apply_overrides(off: set, makeup: set, overrides) -> None:
    for ov in overrides:
        if ov.kind == OverrideKind.DAY_OFF:
            off.add(ov.date)
            makeup.discard(ov.date)
        elif ov.kind == OverrideKind.MAKEUP_WORKDAY:
            makeup.add(ov.date)
            off.discard(ov.date)
        elif ov.kind == OverrideKind.REMOVE_DAY_OFF:
            off.discard(ov.date)
        elif ov.kind == OverrideKind.REMOVE_MAKEUP:
            makeup.discard(ov.date)


def _days_calendar(jurisdiction: str) -> WorkCalendar:
    culture = _culture_day()
    key = (jurisdiction, culture)
    cal = _days.get(key)
    if cal is not None:
        return cal
    generation = _generation
    by_year: dict[int, list[CalendarOverride]] = {}
    for ov in _overrides_for(jurisdiction):
        by_year.setdefault(ov.date.year, []).append(ov)

    def loader(year: int):
        sched = national_schedule(year, culture)
        off, makeup = set(sched.days_off), set(sched.makeup_workdays)
        _apply_overrides(off, makeup, by_year.get(year, ()))
        return off, makeup

    cal = WorkCalendar(base=loader)
    with _lock:
        return _days.setdefault(key, cal) if generation == _generation else cal


def _jurisdiction_of(agency) -> str:
    return (getattr(agency, "jurisdiction", "") or "").strip() if agency is not None else ""


_HOUR_FIELDS = ("morning_start", "morning_end", "afternoon_start", "afternoon_end", "cutoff")


def calendar_for(agency: Agency | None = None) -> WorkCalendar:
    """The calendar of `agency` (its office hours and jurisdiction's overrides), or the national default."""
    if _dirty or time.monotonic() >= _next_check:
        refresh()
    culture = _culture_day()
    if agency is None:
        key = ("", culture, None)
    else:
        key = (_jurisdiction_of(agency), culture, tuple(getattr(agency, f, None) for f in _HOUR_FIELDS))
    cal = _calendars.get(key)
    if cal is not None:
        return cal
    generation = _generation
    if agency is None:
        hours = OfficeHours()
    else:
        try:
            hours = OfficeHours.from_object(agency)
        except (TypeError, ValueError) as exc:
            raise Unprocessable(
                f"Giờ làm việc của cơ quan '{getattr(agency, 'identifier', agency)}' không hợp lệ.",
                f"Invalid office hours for agency '{getattr(agency, 'identifier', agency)}': {exc}",
                code="bad_office_hours",
            ) from exc
    cal = _days_calendar(key[0]).with_hours(hours)
    with _lock:
        return _calendars.setdefault(key, cal) if generation == _generation else cal


# --- arithmetic ---------------------------------------------------------------------------------------------


def _range_error(exc: Exception) -> Unprocessable:
    return Unprocessable(
        f"Thời điểm nằm ngoài phạm vi lịch hỗ trợ (năm {MIN_YEAR}–{MAX_YEAR}).",
        f"The instant is outside the supported calendar years ({MIN_YEAR}-{MAX_YEAR}): {exc}",
        code="out_of_range",
    )


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise Unprocessable(
            f"'{name}' phải là thời điểm (ngày giờ).", f"'{name}' must be a datetime.", code="bad_datetime"
        )
    return value if value.tzinfo is not None else value.replace(tzinfo=TZ)  # naive = local time


def _budget_us(hours, working_days) -> int:
    """The limit in whole microseconds of office time (N working days = N x 8 h)."""
    if (hours is None) == (working_days is None):
        raise Unprocessable(
            "Cần đúng một trong hai: số ngày làm việc hoặc số giờ làm việc.",
            "Give exactly one of working_days or hours.",
            code="bad_limit",
        )
    try:
        if working_days is not None:
            if type(working_days) is int and working_days >= 0:
                return working_days * _US_PER_DAY
            return to_microseconds(days_to_hours(working_days))
        return to_microseconds(hours)
    except (TypeError, ValueError) as exc:
        raise Unprocessable(
            "Thời hạn phải là một số không âm.",
            f"The time limit must be a non-negative number: {exc}",
            code="bad_limit",
        ) from exc


def compute_deadline(
    received_at: dt.datetime,
    *,
    hours: Decimal | int | float | None = None,
    working_days: Decimal | int | float | None = None,
    agency=None,
) -> Deadline:
    """Counting start and due instant for a dossier received (complete and valid) at `received_at`."""
    budget = _budget_us(hours, working_days)
    received_at = _aware(received_at, "received_at")
    try:
        start, due = calendar_for(agency).deadline_us(received_at, budget)
    except CalendarRangeError as exc:
        raise _range_error(exc) from exc
    return _deadline(start, due)


def add_working_hours(start: dt.datetime, hours, *, agency=None) -> dt.datetime:
    """`start` moved later by `hours` of office time (no cut-off: used to resume after a pause)."""
    budget = _budget_us(hours, None)
    try:
        return calendar_for(agency).add_us(_aware(start, "start"), budget)
    except CalendarRangeError as exc:
        raise _range_error(exc) from exc


def working_hours_between(start: dt.datetime, end: dt.datetime, *, agency=None) -> Decimal:
    """Office time of working days in [start, end), in hours (0 if end <= start)."""
    try:
        return calendar_for(agency).working_hours_between(_aware(start, "start"), _aware(end, "end"))
    except CalendarRangeError as exc:
        raise _range_error(exc) from exc


def is_working_day(d: dt.date, *, agency=None) -> bool:
    if isinstance(d, dt.datetime):
        d = (d if d.tzinfo is None else d.astimezone(TZ)).date()
    try:
        return calendar_for(agency).is_working_day(d)
    except CalendarRangeError as exc:
        raise _range_error(exc) from exc


# --- schedules ----------------------------------------------------------------------------------------------


def _check_year(year: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise Unprocessable(
            f"Năm phải trong khoảng {MIN_YEAR}–{MAX_YEAR}.",
            f"The year must be between {MIN_YEAR} and {MAX_YEAR}.",
            code="bad_year",
        )


def past_date_warning(ov: CalendarOverride) -> dict | None:
    """The warning an override of a day already past is taken with (the admin's page and the API say it alike):
    deadlines computed before are not computed again. None for today or later."""
    from django.utils import timezone

    if ov.date >= timezone.localdate():
        return None
    return {
        "code": "past_date",
        "message": f"Ngày {ov.date:%d/%m/%Y} đã qua: điều chỉnh chỉ áp dụng cho các lần tính hạn từ nay; hạn của hồ "
        "sơ đã tiếp nhận không tính lại.",
        "message_en": f"{ov.date:%d/%m/%Y} has passed: the change applies to deadlines computed from now on; those of "
        "dossiers already received are not computed again.",
    }


def override_as_dict(ov: CalendarOverride) -> dict:
    return {
        "id": ov.id,
        "date": ov.date.isoformat(),
        "kind": ov.kind,
        "kind_label": ov.get_kind_display(),
        "jurisdiction": ov.jurisdiction,
        "reason": ov.reason,
        "created_by": ov.created_by.get_username() if ov.created_by_id else None,
        "created_at": ov.created_at.astimezone(TZ).isoformat() if ov.created_at else None,
    }


def year_schedule(year: int, *, agency=None) -> dict:
    """Days off (Mon-Fri dates that are not working days) and make-up working days (Sat/Sun dates that are) of
    `year`, with names and sources, for the national calendar or an agency's jurisdiction."""
    _check_year(year)
    cal = calendar_for(agency)
    culture = _culture_day()
    jurisdiction = _jurisdiction_of(agency)
    national = national_schedule(year, culture)
    overrides = [ov for ov in _overrides_for(jurisdiction) if ov.date.year == year]
    last_override = {ov.date: ov for ov in overrides}  # ordered by id: the latest wins
    days_off = cal.days_off(year)
    makeup = cal.makeup_workdays(year)

    def describe(d: dt.date, kind: str) -> dict:
        ov = last_override.get(d)
        occ = (national.days_off if kind == "day_off" else national.makeup_workdays).get(d)
        if ov is not None and (occ is None or ov.kind in (OverrideKind.DAY_OFF, OverrideKind.MAKEUP_WORKDAY)):
            return {
                "date": d.isoformat(),
                "weekday": d.isoweekday(),
                "kind": kind,
                "name": ov.reason,
                "origin": "override",
                "jurisdiction": ov.jurisdiction,
                "sources": [],
                "document": "",
                "note": "",
                "override_id": ov.id,
            }
        if occ is not None:
            data = occ.as_dict()
            data.update(weekday=d.isoweekday(), kind=kind)
            return data
        return {
            "date": d.isoformat(),
            "weekday": d.isoweekday(),
            "kind": kind,
            "name": "",
            "origin": "unknown",
        }

    return {
        "year": year,
        "timezone": "Asia/Ho_Chi_Minh",
        "agency": getattr(agency, "identifier", None) if agency is not None else None,
        "jurisdiction": jurisdiction,
        "origin": national.origin,
        "weekend": ["saturday", "sunday"],
        "culture_day_holiday": culture,
        "days_off": [d.isoformat() for d in days_off],
        "makeup_workdays": [d.isoformat() for d in makeup],
        "holidays": sorted(
            [describe(d, "day_off") for d in days_off] + [describe(d, "makeup_workday") for d in makeup],
            key=lambda h: h["date"],
        ),
        "overrides": [override_as_dict(ov) for ov in overrides],
    }


# --- overrides ----------------------------------------------------------------------------------------------


def can_manage_calendar(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    from motcua.org.models import Role, StaffRole

    return StaffRole.objects.filter(user=user, role=Role.ADMIN, active=True).exists()


def may_override(user, jurisdiction: str) -> bool:
    """Whether `user` may change the calendar of `jurisdiction` ('' the whole country): a superuser; for the
    country, an administrator of an agency at the top of the tree (a province's operator; every agency's deadlines
    move); for a calendar code, an administrator of an agency whose subtree holds every agency that uses the code.
    A ward's administrator added national days off and moved the department's deadlines (ADR 0002 addendum)."""
    if not can_manage_calendar(user):
        return False
    if user.is_superuser:
        return True
    from motcua.org.models import Agency, Role, StaffRole

    roots = list(
        StaffRole.objects.filter(user=user, role=Role.ADMIN, active=True, agency__active=True).values_list(
            "agency__path", "agency__parent_id"
        )
    )
    if not jurisdiction:
        return any(parent is None for _path, parent in roots)
    users = list(Agency.objects.filter(jurisdiction=jurisdiction).values_list("path", flat=True))
    return bool(users) and all(any(p.startswith(path) for path, _parent in roots) for p in users)


def _parse_date(value) -> dt.date:
    given = value
    if isinstance(value, dt.datetime):
        value = (value if value.tzinfo is None else value.astimezone(TZ)).date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        named = f" '{str(given)[:40]}'" if given not in (None, "") else ""  # the value as sent, named
        raise Unprocessable(
            f"Ngày{named} không hợp lệ: ghi theo định dạng YYYY-MM-DD, ví dụ 2026-12-14.",
            f"Invalid date{named}: expected YYYY-MM-DD, e.g. 2026-12-14.",
            code="bad_date",
        )
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise Unprocessable(
            f"Ngày phải thuộc các năm {MIN_YEAR}–{MAX_YEAR}.",
            f"The date must be within {MIN_YEAR}-{MAX_YEAR}.",
            code="bad_date",
        )
    return value


def check_override(*, date, kind, reason, user, jurisdiction="") -> dict:
    """Validate an override without storing it; returns the normalised fields. Raises PermissionDenied (403),
    Unprocessable (422) for bad input, or a 409 DomainError when the change would change nothing."""
    if not can_manage_calendar(user):
        raise PermissionDenied(
            "Chỉ quản trị hệ thống hoặc cán bộ có vai trò quản trị được điều chỉnh lịch làm việc.",
            "Only superusers or staff with the admin role may change the working-day calendar.",
        )
    day = _parse_date(date)
    if kind not in OverrideKind.values:
        raise Unprocessable(
            "Loại điều chỉnh không hợp lệ; chọn một trong: " + ", ".join(OverrideKind.values) + ".",
            "Invalid kind; use one of: " + ", ".join(OverrideKind.values) + ".",
            code="bad_kind",
        )
    # the log is append-only: a control or invisible character kept now could never be corrected
    check_text(reason if isinstance(reason, str) else "", "Lý do", "The reason")
    reason = nfc(reason if isinstance(reason, str) else "")
    if not reason:
        raise Unprocessable(
            "Cần ghi lý do hoặc căn cứ (ví dụ số công văn).",
            "A reason (e.g. the official letter) is required.",
            code="reason_required",
        )
    if len(reason) > 500:
        raise Unprocessable(
            "Lý do tối đa 500 ký tự.", "The reason must be at most 500 characters.", code="reason_too_long"
        )
    # in capitals, as the agencies store it: "hbt-loduc" is HBT-LODUC
    from motcua.org.models import jurisdiction_form

    jurisdiction = jurisdiction_form(jurisdiction) if isinstance(jurisdiction, str | type(None)) else None
    if jurisdiction is None or len(jurisdiction) > 35 or any(ch.isspace() for ch in jurisdiction):
        raise Unprocessable(
            "Phạm vi áp dụng không hợp lệ (trống = toàn quốc, hoặc mã phạm vi lịch tối đa 35 ký tự).",
            "Invalid jurisdiction (blank = national, or a calendar code of at most 35 characters).",
            code="bad_jurisdiction",
        )
    if jurisdiction:
        from motcua.org.models import Agency

        if not Agency.objects.filter(jurisdiction=jurisdiction).exists():
            raise Unprocessable(
                f"Không có cơ quan nào dùng phạm vi lịch '{jurisdiction}': điều chỉnh sẽ không áp dụng cho ai. Để "
                "trống nếu áp dụng toàn quốc, hoặc ghi phạm vi lịch cho cơ quan trước (trang Cơ quan).",
                f"No agency uses the calendar code '{jurisdiction}': the override would apply to nobody. Leave it "
                "blank for the whole country, or set the agencies' calendar code first.",
                code="unknown_jurisdiction",
            )
    if not may_override(user, jurisdiction):
        raise PermissionDenied(
            (
                "Chỉ quản trị hệ thống hoặc quản trị của cơ quan cấp cao nhất (cấp tỉnh) được điều chỉnh lịch toàn "
                "quốc: điều chỉnh này đổi thời hạn của mọi cơ quan."
                if not jurisdiction
                else f"Phạm vi lịch '{jurisdiction}' có cơ quan ngoài phạm vi quản trị của bạn: chỉ quản trị của cơ "
                "quan cấp trên của mọi cơ quan dùng phạm vi này (hoặc quản trị hệ thống) được điều chỉnh."
            ),
            (
                "Only superusers or an administrator of a top-level agency (the province) may change the national "
                "calendar: it moves every agency's deadlines."
                if not jurisdiction
                else f"The calendar code '{jurisdiction}' is used by agencies outside those you administer: only an "
                "administrator above every agency using it (or a superuser) may change it."
            ),
            code="calendar_scope",
        )
    refresh(force=True)
    working = _days_calendar(jurisdiction).is_working_day(day)
    weekend = day.weekday() >= 5
    label = f"{day:%d/%m/%Y}"
    problem = None
    if kind == OverrideKind.DAY_OFF and not working:
        problem = (f"Ngày {label} đã là ngày nghỉ.", f"{day} is already a day off.")
    elif kind == OverrideKind.MAKEUP_WORKDAY and working:
        problem = (f"Ngày {label} đã là ngày làm việc.", f"{day} is already a working day.")
    elif kind == OverrideKind.REMOVE_DAY_OFF and (working or weekend):
        problem = (
            f"Ngày {label} không phải ngày nghỉ lễ/nghỉ bù trong tuần (thứ Bảy, Chủ nhật: dùng 'makeup_workday').",
            f"{day} is not a listed weekday day off (for a weekend day use 'makeup_workday').",
        )
    elif kind == OverrideKind.REMOVE_MAKEUP and (not working or not weekend):
        problem = (
            f"Ngày {label} không phải ngày làm việc bù (thứ Bảy/Chủ nhật).",
            f"{day} is not a make-up working day (Saturday/Sunday).",
        )
    if problem:
        raise DomainError(problem[0], problem[1], code="no_change", status=409)
    return {"date": day, "kind": kind, "reason": reason, "jurisdiction": jurisdiction}


def add_override(*, date, kind, reason, user, jurisdiction="") -> CalendarOverride:
    """Record an operator change to the calendar (validated, one transaction); it applies to new computations at
    once. Refuses changes that would change nothing (409) so the log only holds real decisions."""
    with transaction.atomic():
        fields = check_override(date=date, kind=kind, reason=reason, user=user, jurisdiction=jurisdiction)
        return CalendarOverride.objects.create(created_by=user, **fields)


# The month from which next year's schedule matters: appointments given then reach into January and February, and
# the government announces the next Tết holiday around then (rules §6.3 sources: October to December).
NEXT_YEAR_FROM_MONTH_SETTING = "MOTCUA_CALENDAR_NEXT_YEAR_FROM_MONTH"


def unconfirmed_years(today: dt.date | None = None) -> list[int]:
    """Years appointments given today may fall in whose days off come from the Labour Code rules alone (no
    announced schedule shipped with the product, no nationwide override recorded for that year): the current year,
    and from October (MOTCUA_CALENDAR_NEXT_YEAR_FROM_MONTH) the next. Every Tết since 2019 needed compensatory days
    off or a make-up Saturday beyond the five legal days, so such a year's appointments are likely wrong until an
    operator records the announced schedule; one nationwide override in the year counts as recorded."""
    from django.utils import timezone

    today = today or timezone.localdate()
    years = [today.year]
    if today.month >= int(_setting(NEXT_YEAR_FROM_MONTH_SETTING, 10)) and today.year < MAX_YEAR:
        years.append(today.year + 1)
    rule_based = [y for y in years if national_schedule(y, _culture_day()).origin == "labour_code"]
    if not rule_based:
        return []
    try:
        recorded = {
            d.year
            for d in CalendarOverride.objects.filter(jurisdiction="", date__year__in=rule_based).dates(
                "date", "year"
            )
        }
    except DatabaseError as exc:  # a database not migrated yet: nothing to say
        if _table_missing(exc):
            return []
        raise
    return [y for y in rule_based if y not in recorded]
