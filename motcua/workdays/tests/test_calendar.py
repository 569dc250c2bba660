"""Deadline arithmetic of contract §2 on the pure calendar (no database)."""

import datetime as dt
from decimal import Decimal

import pytest

from motcua.workdays.calendar import (
    TZ,
    CalendarRangeError,
    OfficeHours,
    WorkCalendar,
    days_to_hours,
    to_microseconds,
)

from .conftest import at


def iso(x):
    return x.isoformat()


# --- contract examples ---------------------------------------------------------------------------------------


def test_contract_example_tet_2025(cal):
    start, due = cal.deadline_days(at(2025, 1, 24, 10), 3)
    assert iso(start) == "2025-01-24T10:00:00+07:00"
    assert iso(due) == "2025-02-05T10:00:00+07:00"


def test_contract_example_makeup_saturday_2024(cal):
    start, due = cal.deadline_days(dt.datetime.fromisoformat("2024-05-03T15:30:00+07:00"), 1)
    assert iso(start) == "2024-05-04T08:00:00+07:00"
    assert iso(due) == "2024-05-04T17:00:00+07:00"


# --- counting start -----------------------------------------------------------------------------------------
# Tue 2025-03-04 is an ordinary working day; Mon 2025-03-03 too.


@pytest.mark.parametrize(
    "received, expected",
    [
        (at(2025, 3, 4, 6, 30), at(2025, 3, 4, 8)),  # before opening -> that day's opening
        (at(2025, 3, 4, 0, 0), at(2025, 3, 4, 8)),
        (at(2025, 3, 4, 8, 0), at(2025, 3, 4, 8)),  # at opening
        (at(2025, 3, 4, 9, 17, 42), at(2025, 3, 4, 9, 17, 42)),  # inside the morning -> R
        (at(2025, 3, 4, 12, 0), at(2025, 3, 4, 13)),  # lunch break, before cut-off -> 13:00
        (at(2025, 3, 4, 12, 59, 59), at(2025, 3, 4, 13)),
        (at(2025, 3, 4, 13, 0), at(2025, 3, 4, 13)),
        (at(2025, 3, 4, 14, 59, 59, 999999), at(2025, 3, 4, 14, 59, 59, 999999)),  # just before cut-off
        (at(2025, 3, 4, 15, 0), at(2025, 3, 5, 8)),  # exactly at cut-off -> next working day
        (at(2025, 3, 4, 16, 0), at(2025, 3, 5, 8)),  # after cut-off, before closing
        (at(2025, 3, 4, 17, 0), at(2025, 3, 5, 8)),  # at closing
        (at(2025, 3, 4, 21, 0), at(2025, 3, 5, 8)),  # after closing
        (at(2025, 3, 7, 16, 0), at(2025, 3, 10, 8)),  # Friday after cut-off -> Monday
        (at(2025, 3, 8, 10, 0), at(2025, 3, 10, 8)),  # Saturday -> Monday
        (at(2025, 3, 9, 10, 0), at(2025, 3, 10, 8)),  # Sunday -> Monday
        (at(2025, 4, 30, 9, 0), at(2025, 5, 5, 8)),  # holiday (30/4) -> after 1/5, 2/5 and the weekend
        (at(2025, 4, 29, 15, 30), at(2025, 5, 5, 8)),  # after cut-off before a holiday block
        (at(2025, 4, 26, 9, 0), at(2025, 4, 26, 9, 0)),  # make-up Saturday works like a weekday
        (at(2025, 4, 26, 7, 0), at(2025, 4, 26, 8, 0)),
        (at(2025, 4, 25, 15, 0), at(2025, 4, 26, 8, 0)),  # Friday at cut-off -> make-up Saturday
        (at(2024, 12, 31, 16, 0), at(2025, 1, 2, 8)),  # across the year and New Year's Day
        (at(2025, 1, 24, 15, 0), at(2025, 2, 3, 8)),  # before Tết 2025
    ],
)
def test_counting_start(cal, received, expected):
    assert cal.counting_start(received) == expected
    start, _ = cal.deadline(received, 8)
    assert start == expected


def test_counting_start_uses_local_time_for_any_offset(cal):
    # 02:30 UTC = 09:30 +07:00: inside the morning.
    assert cal.counting_start(dt.datetime(2025, 3, 4, 2, 30, tzinfo=dt.UTC)) == at(2025, 3, 4, 9, 30)
    # 08:00 UTC = 15:00 +07:00: at the cut-off.
    assert cal.counting_start(dt.datetime(2025, 3, 4, 8, 0, tzinfo=dt.UTC)) == at(2025, 3, 5, 8)
    # 23:00 UTC Monday = 06:00 Tuesday local: before opening on Tuesday.
    assert cal.counting_start(dt.datetime(2025, 3, 3, 23, 0, tzinfo=dt.UTC)) == at(2025, 3, 4, 8)
    # naive = local time
    assert cal.counting_start(dt.datetime(2025, 3, 4, 9, 30)) == at(2025, 3, 4, 9, 30)


def test_outputs_are_in_ho_chi_minh_zone(cal):
    start, due = cal.deadline_days(dt.datetime(2025, 3, 4, 2, 30, tzinfo=dt.UTC), 1)
    assert start.tzinfo is TZ and due.tzinfo is TZ
    assert due.isoformat() == "2025-03-05T09:30:00+07:00"


# --- budgets -----------------------------------------------------------------------------------------------


def test_one_day_from_morning_instant(cal):
    assert cal.deadline_days(at(2025, 3, 4, 9, 30), 1)[1] == at(2025, 3, 5, 9, 30)


def test_one_day_from_afternoon_instant(cal):
    assert cal.deadline_days(at(2025, 3, 4, 14, 0), 1)[1] == at(2025, 3, 5, 14, 0)


def test_half_day_is_exactly_four_hours(cal):
    assert days_to_hours(0.5) == Decimal(4)
    assert to_microseconds(0.5 * 8) == 4 * 3600 * 10**6
    assert cal.deadline_days(at(2025, 3, 4, 9, 0), 0.5)[1] == at(2025, 3, 4, 14, 0)  # 3 h + lunch + 1 h
    assert cal.deadline_days(at(2025, 3, 4, 9, 0), Decimal("0.5"))[1] == at(2025, 3, 4, 14, 0)
    assert cal.deadline_days(at(2025, 3, 4, 9, 0), "0.5")[1] == at(2025, 3, 4, 14, 0)


def test_fractional_days_without_float_drift(cal):
    # 0.1 day = 48 minutes exactly; 1.25 days = 10 h.
    assert cal.deadline_days(at(2025, 3, 4, 8, 0), 0.1)[1] == at(2025, 3, 4, 8, 48)
    assert cal.deadline_days(at(2025, 3, 4, 8, 0), 1.25)[1] == at(2025, 3, 5, 10, 0)
    # 0.3 working days = 2.4 h = 2 h 24 min (0.1 + 0.2 != 0.3 in binary floats)
    assert cal.deadline_days(at(2025, 3, 4, 8, 0), 0.1 + 0.2)[1] == at(2025, 3, 4, 10, 24)


def test_hours_limit_used_as_is(cal):
    assert cal.deadline(at(2025, 3, 4, 8, 0), 3)[1] == at(2025, 3, 4, 11, 0)
    assert cal.deadline(at(2025, 3, 4, 11, 0), 2)[1] == at(2025, 3, 4, 14, 0)  # lunch skipped
    assert cal.deadline(at(2025, 3, 4, 16, 0), 2)[1] == at(
        2025, 3, 5, 10, 0
    )  # after cut-off: from 08:00 next day
    assert cal.deadline(at(2025, 3, 4, 14, 0), 2)[1] == at(2025, 3, 4, 16, 0)
    assert cal.deadline(at(2025, 3, 4, 14, 0), Decimal("2.5"))[1] == at(2025, 3, 4, 16, 30)
    assert cal.deadline(at(2025, 3, 4, 14, 0), 240)[1] == cal.deadline_days(at(2025, 3, 4, 14, 0), 30)[1]


def test_budget_ending_exactly_on_closing_boundary_ends_there(cal):
    assert cal.deadline(at(2025, 3, 4, 8, 0), 4)[1] == at(2025, 3, 4, 12, 0)  # not 13:00
    assert cal.deadline(at(2025, 3, 4, 8, 0), 8)[1] == at(2025, 3, 4, 17, 0)  # not next 08:00
    assert cal.deadline(at(2025, 3, 4, 13, 0), 4)[1] == at(2025, 3, 4, 17, 0)
    assert cal.deadline(at(2025, 3, 4, 12, 30), 4)[1] == at(2025, 3, 4, 17, 0)  # lunch start -> 13:00 + 4 h
    assert cal.deadline(at(2025, 3, 4, 10, 0), 2)[1] == at(2025, 3, 4, 12, 0)
    # a full day from 08:00 Friday before a holiday block ends Friday 17:00, not Monday 08:00
    assert cal.deadline_days(at(2025, 4, 29, 8, 0), 1)[1] == at(2025, 4, 29, 17, 0)
    assert cal.deadline_days(at(2025, 4, 29, 8, 0), 2)[1] == at(2025, 5, 5, 17, 0)
    assert cal.add_working_hours(at(2025, 3, 4, 11, 0), 1) == at(2025, 3, 4, 12, 0)
    assert cal.add_working_hours(at(2025, 3, 4, 16, 0), 1) == at(2025, 3, 4, 17, 0)


def test_same_day_procedure_due_at_closing(cal):
    assert cal.deadline_days(at(2025, 3, 4, 9, 0), 0) == (at(2025, 3, 4, 9, 0), at(2025, 3, 4, 17, 0))
    assert cal.deadline_days(at(2025, 3, 4, 14, 59), 0)[1] == at(2025, 3, 4, 17, 0)
    # received after the cut-off: the next working day, at its closing
    assert cal.deadline_days(at(2025, 3, 4, 15, 0), 0) == (at(2025, 3, 5, 8, 0), at(2025, 3, 5, 17, 0))
    assert cal.deadline_days(at(2025, 3, 8, 10, 0), 0)[1] == at(2025, 3, 10, 17, 0)
    assert cal.deadline(at(2025, 3, 4, 9, 0), 0)[1] == at(2025, 3, 4, 17, 0)


def test_long_limits_cross_years(cal):
    # 60 working days from Mon 2025-11-03 08:00: Nov has 20 working days (3-28), Dec 23 (1-31),
    # then 2026: 01/01 and 02/01 off; 05-09/01 (48), Sat 10/01 make-up (49), 12-16 (54), 19-23 (59), Mon 26/01 (60).
    start = at(2025, 11, 3, 8, 0)
    due = cal.deadline_days(start, 60)[1]
    days = 0
    d = dt.date(2025, 11, 3)
    while True:
        if cal.is_working_day(d):
            days += 1
            if days == 60:
                break
        d += dt.timedelta(days=1)
    assert due == at(d.year, d.month, d.day, 17, 0)
    assert due.date() == dt.date(2026, 1, 26)


# --- pauses --------------------------------------------------------------------------------------------------


def test_working_hours_between(cal):
    assert cal.working_hours_between(at(2025, 3, 4, 9, 0), at(2025, 3, 4, 11, 30)) == Decimal("2.5")
    assert cal.working_hours_between(at(2025, 3, 4, 11, 0), at(2025, 3, 4, 14, 0)) == 2  # lunch excluded
    assert cal.working_hours_between(at(2025, 3, 4, 16, 0), at(2025, 3, 5, 9, 0)) == 2  # night excluded
    assert cal.working_hours_between(at(2025, 3, 7, 16, 0), at(2025, 3, 10, 9, 0)) == 2  # weekend excluded
    assert cal.working_hours_between(at(2025, 4, 29, 16, 0), at(2025, 5, 5, 9, 0)) == 2  # holidays excluded
    assert cal.working_hours_between(at(2025, 4, 25, 16, 0), at(2025, 4, 28, 8, 0)) == 9  # make-up Saturday
    assert cal.working_hours_between(at(2025, 3, 8, 9, 0), at(2025, 3, 9, 17, 0)) == 0  # all weekend
    assert cal.working_hours_between(at(2025, 3, 4, 9, 0), at(2025, 3, 4, 9, 0)) == 0
    assert cal.working_hours_between(at(2025, 3, 5, 9, 0), at(2025, 3, 4, 9, 0)) == 0  # reversed
    # the cut-off does not apply to pauses: time after 15:00 counts
    assert cal.working_hours_between(at(2025, 3, 4, 15, 0), at(2025, 3, 4, 17, 0)) == 2
    assert cal.working_microseconds_between(at(2025, 3, 4, 9, 0), at(2025, 3, 4, 9, 0, 1)) == 10**6


def test_pause_moves_due_later_by_the_working_time_paused(cal):
    received = at(2025, 3, 4, 9, 0)
    _, due = cal.deadline_days(received, 5)  # Tue 11/03 09:00
    assert due == at(2025, 3, 11, 9, 0)
    paused = cal.working_hours_between(at(2025, 3, 5, 16, 0), at(2025, 3, 7, 10, 0))  # 1 + 8 + 2 = 11 h
    assert paused == 11
    assert cal.add_working_hours(due, paused) == at(2025, 3, 12, 12, 0)


def test_add_working_hours_has_no_cutoff(cal):
    assert cal.add_working_hours(at(2025, 3, 4, 16, 0), Decimal("0.5")) == at(2025, 3, 4, 16, 30)
    assert cal.add_working_hours(at(2025, 3, 4, 12, 30), 1) == at(2025, 3, 4, 14, 0)
    assert cal.add_working_hours(at(2025, 3, 8, 12, 30), 1) == at(2025, 3, 10, 9, 0)  # from a Saturday
    assert cal.add_working_hours(at(2025, 3, 4, 18, 0), 0) == at(2025, 3, 4, 18, 0)  # nothing to add
    assert cal.add_working_hours(at(2025, 3, 4, 9, 0), dt.timedelta(minutes=90)) == at(2025, 3, 4, 10, 30)


def test_round_trip_between_and_add(cal):
    a, b = at(2025, 1, 20, 10, 7, 13), at(2025, 2, 11, 14, 33, 1)
    assert cal.add_working_hours(a, cal.working_hours_between(a, b)) == b


# --- office hours per agency ---------------------------------------------------------------------------------


def test_agency_office_hours(make_cal):
    c = make_cal(
        morning_start=dt.time(7, 0),
        morning_end=dt.time(11, 0),
        afternoon_start=dt.time(13, 0),
        afternoon_end=dt.time(17, 0),
        cutoff=dt.time(15, 0),
    )
    assert c.counting_start(at(2025, 3, 4, 6, 0)) == at(2025, 3, 4, 7, 0)
    assert c.counting_start(at(2025, 3, 4, 11, 30)) == at(2025, 3, 4, 13, 0)
    assert c.deadline(at(2025, 3, 4, 7, 0), 4)[1] == at(2025, 3, 4, 11, 0)
    assert c.deadline_days(at(2025, 3, 4, 10, 0), 1)[1] == at(2025, 3, 5, 10, 0)


def test_cutoff_variants(make_cal):
    late = make_cal(cutoff=dt.time(16, 30))
    assert late.counting_start(at(2025, 3, 4, 16, 0)) == at(2025, 3, 4, 16, 0)
    assert late.deadline(at(2025, 3, 4, 16, 0), 2)[1] == at(2025, 3, 5, 9, 0)
    # a cut-off after closing behaves like closing time
    beyond = make_cal(cutoff=dt.time(19, 0))
    assert beyond.counting_start(at(2025, 3, 4, 16, 59)) == at(2025, 3, 4, 16, 59)
    assert beyond.counting_start(at(2025, 3, 4, 18, 0)) == at(2025, 3, 5, 8, 0)
    # a cut-off in the lunch break: before it -> 13:00, at/after it -> next day
    lunch = make_cal(cutoff=dt.time(12, 30))
    assert lunch.counting_start(at(2025, 3, 4, 12, 15)) == at(2025, 3, 4, 13, 0)
    assert lunch.counting_start(at(2025, 3, 4, 12, 30)) == at(2025, 3, 5, 8, 0)


def test_invalid_office_hours_rejected():
    with pytest.raises(ValueError):
        OfficeHours(morning_start=dt.time(12, 0), morning_end=dt.time(8, 0))
    with pytest.raises(ValueError):
        OfficeHours(afternoon_start=dt.time(11, 0))


# --- days ---------------------------------------------------------------------------------------------------


def test_next_working_day(cal):
    assert cal.next_working_day(dt.date(2025, 1, 24)) == dt.date(2025, 2, 3)
    assert cal.next_working_day(dt.date(2024, 5, 3)) == dt.date(2024, 5, 4)
    assert cal.next_working_day(dt.date(2025, 3, 4)) == dt.date(2025, 3, 5)
    assert cal.next_working_day(dt.date(2026, 12, 31)) == dt.date(2027, 1, 4)


def test_explicit_sets_override_the_base():
    from .conftest import national_loader

    c = WorkCalendar(
        days_off=[dt.date(2025, 3, 5)], makeup_workdays=[dt.date(2025, 4, 30)], base=national_loader
    )
    assert not c.is_working_day(dt.date(2025, 3, 5))
    assert c.is_working_day(dt.date(2025, 4, 30))
    assert c.deadline_days(at(2025, 3, 4, 9, 0), 1)[1] == at(2025, 3, 6, 9, 0)
    plain = WorkCalendar()  # no base: weekends only
    assert plain.is_working_day(dt.date(2025, 1, 1))


# --- bad input -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-1, Decimal("-0.5"), float("nan"), float("inf"), "abc", None, True])
def test_bad_budgets_rejected(cal, bad):
    with pytest.raises((TypeError, ValueError)):
        cal.deadline(at(2025, 3, 4, 9), bad)


def test_out_of_range(cal):
    with pytest.raises(CalendarRangeError):
        cal.deadline(at(1989, 12, 1, 9), 8)
    with pytest.raises(CalendarRangeError):
        cal.deadline_days(at(2100, 12, 20, 9), 30)
    with pytest.raises(CalendarRangeError):
        cal.is_working_day(dt.date(2101, 1, 3))


def test_same_day_limit_is_due_at_closing_even_when_a_small_budget_is_earlier(cal):
    # The one place where "more time" gives an earlier due: contract §2 puts a 0-day limit at closing.
    assert cal.deadline_days(at(2025, 3, 4, 8, 0), 0)[1] == at(2025, 3, 4, 17, 0)
    assert cal.deadline_days(at(2025, 3, 4, 8, 0), 0.5)[1] == at(2025, 3, 4, 12, 0)


def test_a_tiny_positive_limit_is_not_the_same_day_limit(cal):
    """Only a limit of 0 is "trong ngày" (due at closing). 1e-30 working days rounded to 0 µs and was due at 17:00,
    later than 1e-7 days (10:00:00.002880): a positive limit is now at least one microsecond of office time."""
    start = at(2025, 3, 4, 10, 0)
    assert to_microseconds(Decimal("1e-30")) == 1 and to_microseconds(0) == 0
    assert cal.deadline_days(start, Decimal("1e-30"))[1] == start + dt.timedelta(microseconds=1)
    assert cal.deadline(start, 1e-30)[1] == start + dt.timedelta(microseconds=1)
    assert cal.deadline_days(start, Decimal("1e-7"))[1] == at(2025, 3, 4, 10, 0, 0, 2880)
    assert cal.deadline_days(start, Decimal("0"))[1] == at(2025, 3, 4, 17, 0)


def test_hours_between_are_tidy_decimals(cal):
    one_second = cal.working_hours_between(at(2025, 3, 4, 9, 0), at(2025, 3, 4, 9, 0, 1))
    assert one_second == Decimal("0.000277777778")
    assert cal.add_working_hours(at(2025, 3, 4, 9, 0), one_second) == at(2025, 3, 4, 9, 0, 1)
    assert str(cal.working_hours_between(at(2025, 3, 4, 9, 0), at(2025, 3, 4, 11, 0))) == "2"
