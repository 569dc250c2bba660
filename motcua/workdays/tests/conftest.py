import datetime as dt

import pytest

from motcua.workdays.calendar import TZ, OfficeHours, WorkCalendar
from motcua.workdays.schedules import national_schedule


def national_loader(year):
    s = national_schedule(year, False)
    return s.off_set, s.makeup_set


@pytest.fixture(scope="session")
def cal():
    """The national calendar with default office hours, built without the database."""
    return WorkCalendar(base=national_loader)


@pytest.fixture
def make_cal():
    def make(**hours):
        return WorkCalendar(base=national_loader, hours=OfficeHours(**hours))

    return make


def at(y, m, d, hh=0, mm=0, ss=0, us=0):
    return dt.datetime(y, m, d, hh, mm, ss, us, tzinfo=TZ)
