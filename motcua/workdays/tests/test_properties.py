"""Property-based tests (hypothesis) and a brute-force minute-stepping oracle written from contract §2."""

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motcua.workdays.calendar import TZ, WorkCalendar

from .conftest import national_loader
from .test_schedules import OFFICIAL, _dates

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

CAL = WorkCalendar(base=national_loader)
LO = dt.datetime(2023, 1, 1, tzinfo=TZ)
HI = dt.datetime(2026, 11, 30, tzinfo=TZ)
OFFSETS = [dt.timezone(dt.timedelta(hours=h)) for h in (-10, -5, 0, 1, 7, 9, 14)] + [dt.UTC, TZ]

instants = st.builds(
    lambda seconds, tz: (LO + dt.timedelta(seconds=seconds)).astimezone(tz),
    st.integers(0, int((HI - LO).total_seconds())),
    st.sampled_from(OFFSETS),
)
minute_instants = st.builds(
    lambda minutes: LO + dt.timedelta(minutes=minutes), st.integers(0, int((HI - LO).total_seconds()) // 60)
)
day_limits = st.one_of(
    st.integers(0, 30),
    st.decimals(min_value=0, max_value=30, places=2, allow_nan=False, allow_infinity=False),
)

# --- independent oracle ----------------------------------------------------------------------------------------
OFF = {d for y, (off, _) in OFFICIAL.items() for d in _dates(y, off)}
MAKEUP = {d for y, (_, mk) in OFFICIAL.items() for d in _dates(y, mk)}
MS, ME, AS, AE, CUT = 8 * 60, 12 * 60, 13 * 60, 17 * 60, 15 * 60  # minutes of the day


def oracle_working(d):
    return d in MAKEUP or (d.weekday() < 5 and d not in OFF)


def oracle_office_minute(x):
    """Is the minute [x, x + 1 min) office time of a working day?"""
    m = x.hour * 60 + x.minute
    return oracle_working(x.date()) and (MS <= m < ME or AS <= m < AE)


def oracle_deadline(received, minutes):
    r = received.astimezone(TZ)
    m = r.hour * 60 + r.minute
    d = r.date()
    if oracle_working(d) and m < CUT and m < AE:
        if m < MS:
            start = r.replace(hour=8, minute=0)
        elif ME <= m < AS:
            start = r.replace(hour=13, minute=0)
        else:
            start = r
    else:
        d += dt.timedelta(days=1)
        while not oracle_working(d):
            d += dt.timedelta(days=1)
        start = dt.datetime(d.year, d.month, d.day, 8, 0, tzinfo=TZ)
    if minutes == 0:
        return start, start.replace(hour=17, minute=0)
    t, left = start, minutes
    while left:
        if oracle_office_minute(t):
            left -= 1
        t += dt.timedelta(minutes=1)
    return start, t


@SETTINGS
@given(minute_instants, st.integers(0, 10 * 8 * 60))
def test_matches_minute_stepping_oracle(received, minutes):
    got = CAL.deadline(received, Decimal(minutes) / 60)
    assert got == oracle_deadline(received, minutes)


@SETTINGS
@given(minute_instants, st.integers(0, 10 * 8 * 60), st.integers(0, 5 * 8 * 60))
def test_working_hours_between_matches_oracle(a, span_minutes, pause_minutes):
    b = a + dt.timedelta(minutes=span_minutes)
    expected, t = 0, a
    while t < b:
        expected += oracle_office_minute(t)
        t += dt.timedelta(minutes=1)
    assert CAL.working_microseconds_between(a, b) == expected * 60_000_000
    assert abs(CAL.working_hours_between(a, b) * 60 - expected) < Decimal("1e-9")


# --- properties -------------------------------------------------------------------------------------------------


def in_office(x, *, closing_allowed):
    x = x.astimezone(TZ)
    t = x.time()
    if not CAL.is_working_day(x.date()):
        return False
    if closing_allowed:
        return dt.time(8) < t <= dt.time(12) or dt.time(13) < t <= dt.time(17)
    return dt.time(8) <= t < dt.time(12) or dt.time(13) <= t < dt.time(17)


@SETTINGS
@given(instants, day_limits)
def test_due_after_start_after_received(received, days):
    start, due = CAL.deadline_days(received, days)
    assert received <= start <= due
    assert in_office(start, closing_allowed=False)
    if days == 0:
        assert due.time() == dt.time(17) and due.date() == start.date()
    else:
        assert in_office(due, closing_allowed=True)
    assert start.utcoffset() == due.utcoffset() == dt.timedelta(hours=7)


@SETTINGS
@given(instants, day_limits, day_limits)
def test_more_days_never_earlier(received, a, b):
    lo, hi = sorted((Decimal(a), Decimal(b)))
    if lo == 0:
        # Contract §2: a same-day (0-day) limit is due at closing of the counting-start day, which can be
        # later than a small positive budget (0.5 day from 08:00 is due 12:00). Compare 0 days with 1 day.
        assert CAL.deadline_days(received, 0)[1] <= CAL.deadline_days(received, 1)[1]
        lo = min(hi, Decimal("0.01"))
        if lo == 0:
            return
    assert CAL.deadline_days(received, lo)[1] <= CAL.deadline_days(received, hi)[1]


@SETTINGS
@given(instants, day_limits, st.integers(0, 60))
def test_added_day_off_never_earlier(received, days, shift):
    extra = received.astimezone(TZ).date() + dt.timedelta(days=shift)
    with_off = WorkCalendar(days_off=[extra], base=national_loader)
    start, due = CAL.deadline_days(received, days)
    start2, due2 = with_off.deadline_days(received, days)
    assert start2 >= start and due2 >= due


@SETTINGS
@given(instants, st.integers(1, 20 * 8 * 60))
def test_add_then_measure_round_trip(start, minutes):
    end = CAL.add_working_hours(start, Decimal(minutes) / 60)
    assert end > start
    assert CAL.working_microseconds_between(start, end) == minutes * 60_000_000
    assert CAL.add_working_hours(start, CAL.working_hours_between(start, end)) == end


@SETTINGS
@given(instants, instants, instants)
def test_working_hours_additive(a, b, c):
    a, b, c = sorted((a, b, c))
    us = CAL.working_microseconds_between
    assert us(a, b) + us(b, c) == us(a, c) >= 0
    hours = CAL.working_hours_between
    assert abs(hours(a, b) + hours(b, c) - hours(a, c)) <= Decimal("2e-12")
    assert CAL.add_working_hours(a, hours(a, c)) == CAL.add_working_hours(
        a, dt.timedelta(microseconds=us(a, c))
    )
