"""The official 2023-2026 schedules (rules §6.3) as an independent oracle, and the Labour Code fallback."""

import datetime as dt

import pytest

from motcua.workdays.calendar import WorkCalendar
from motcua.workdays.schedules import national_schedule

# Copied by hand from docs: vn-one-stop-rules.md §6.3, "Machine-readable summary" — NOT from the data file.
OFFICIAL = {
    2023: (
        "01-02 01-20 01-23 01-24 01-25 01-26 05-01 05-02 05-03 09-01 09-04",
        "",
    ),
    2024: (
        "01-01 02-08 02-09 02-12 02-13 02-14 04-18 04-29 04-30 05-01 09-02 09-03",
        "05-04",
    ),
    2025: (
        "01-01 01-27 01-28 01-29 01-30 01-31 04-07 04-30 05-01 05-02 09-01 09-02",
        "04-26",
    ),
    2026: (
        "01-01 01-02 02-16 02-17 02-18 02-19 02-20 04-27 04-30 05-01 08-31 09-01 09-02",
        "01-10 08-22",
    ),
}


def _dates(year, spec):
    return [dt.date(year, int(s[:2]), int(s[3:])) for s in spec.split()]


def _all_days(year):
    d = dt.date(year, 1, 1)
    while d.year == year:
        yield d
        d += dt.timedelta(days=1)


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_every_day_of_official_years(cal, year):
    off, makeup = (set(_dates(year, s)) for s in OFFICIAL[year])
    assert all(d.weekday() < 5 for d in off) and all(d.weekday() >= 5 for d in makeup)
    wrong = [
        d
        for d in _all_days(year)
        if cal.is_working_day(d) != ((d.weekday() < 5 and d not in off) or d in makeup)
    ]
    assert wrong == []
    assert cal.days_off(year) == sorted(off)
    assert cal.makeup_workdays(year) == sorted(makeup)


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_official_data_carries_sources(year):
    sched = national_schedule(year)
    assert sched.origin == "official"
    for occ in list(sched.days_off.values()) + list(sched.makeup_workdays.values()):
        assert occ.name and occ.sources, occ
        assert all(s.startswith("http") for s in occ.sources)


def test_official_data_wins_over_holidays_package():
    # holidays 0.109 misses the Fri 02/01/2026 swap and the Sat 10/01/2026 make-up day.
    sched = national_schedule(2026)
    assert dt.date(2026, 1, 2) in sched.days_off
    assert dt.date(2026, 1, 10) in sched.makeup_workdays
    assert sched.days_off[dt.date(2026, 1, 2)].document.startswith("Công văn 12729/VPCP-KGVX")


def test_culture_day_is_pending_unless_switched_on(cal):
    assert dt.date(2026, 11, 24) not in national_schedule(2026, False).days_off
    assert cal.is_working_day(dt.date(2026, 11, 24))
    assert dt.date(2026, 11, 24) in national_schedule(2026, True).days_off
    # Fallback years: the holidays package lists 24/11 from 2026; it is dropped unless switched on.
    assert dt.date(2027, 11, 24) not in national_schedule(2027, False).days_off
    assert dt.date(2027, 11, 24) in national_schedule(2027, True).days_off
    on = WorkCalendar(
        base=lambda y: (national_schedule(y, True).off_set, national_schedule(y, True).makeup_set)
    )
    assert not on.is_working_day(dt.date(2027, 11, 24))
    assert cal.is_working_day(dt.date(2027, 11, 24))


def test_fallback_years_follow_labour_code(cal):
    s2027 = national_schedule(2027)
    assert s2027.origin == "labour_code"
    # 2027: Tết (Thu 04/02 - Wed 10/02), Hùng Kings Fri 16/04, 30/4 Fri, 1/5 Sat -> Mon 03/05, 2/9 + 3/9.
    expected = [
        "01-01", "02-04", "02-05", "02-08", "02-09", "02-10", "04-16", "04-30", "05-03", "09-02", "09-03",
    ]  # fmt: skip
    assert [d.strftime("%m-%d") for d in cal.days_off(2027)] == expected
    assert cal.makeup_workdays(2027) == []
    # 2019: the 05/01/2019 Saturday make-up day known to the package.
    assert dt.date(2019, 1, 5) in cal.makeup_workdays(2019)
    # 2022: compensatory Monday 03/01 for Sat 01/01.
    assert not cal.is_working_day(dt.date(2022, 1, 3))


def test_weekend_inside_tet_is_not_listed(cal):
    # Sat 25/01/2025 - Sun 02/02/2025 is the break; only the weekdays are listed days off.
    assert dt.date(2025, 1, 25) not in cal.days_off(2025)
    assert not cal.is_working_day(dt.date(2025, 1, 25))


def test_supported_years():
    with pytest.raises(ValueError):
        national_schedule(1989)
    with pytest.raises(ValueError):
        national_schedule(2101)
    assert national_schedule(1990).days_off
    assert national_schedule(2100).days_off
