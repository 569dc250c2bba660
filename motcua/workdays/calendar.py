"""Working-day arithmetic (contract §2) — pure Python, no ORM, no floats.

Model: every working day contributes the same office time D (morning + afternoon). Office time is laid on one
integer "working timeline" in microseconds: the instant `x` of working day number k (counted from the start of the
loaded range) sits at position k·D + (office time elapsed that day before x). A deadline is then a subtraction
and a division — no day-by-day loop — using dense per-day tables built once per calendar for a range of whole years
(`_DayIndex`). Inputs are aware datetimes in any offset (naive ones are read as local time, Asia/Ho_Chi_Minh);
outputs are aware datetimes in Asia/Ho_Chi_Minh (zoneinfo).

Rules (contract §2):
- counting start for a dossier received at R: on a working day inside office hours before the cut-off → R; before
  opening → that day's opening; in the lunch break before the cut-off → afternoon opening; at/after the cut-off,
  after closing, or on a non-working day → opening of the next working day.
- a budget of H working hours (N working days = N × 8 h) runs from the counting start over office hours of working
  days only; a budget that runs out exactly on a closing boundary ends there (12:00 / 17:00), not at the next
  opening. A zero budget (same-day procedure, "trong ngày") is due at closing time of the counting-start day.
- `add_working_hours` (used to resume after a pause) applies no cut-off.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from .schedules import MAX_YEAR, MIN_YEAR

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HOURS_PER_WORKING_DAY = 8  # contract §2: "N working days is N × 8 working hours"
US_PER_SECOND = 1_000_000
US_PER_MINUTE = 60 * US_PER_SECOND
US_PER_HOUR = 60 * US_PER_MINUTE
_D_US_PER_HOUR = Decimal(US_PER_HOUR)
_DIV = Context(prec=34)
HOURS_PLACES = Decimal("1e-12")  # hours are returned with 12 decimals: exact to far below a microsecond
_ONE_US = dt.timedelta(microseconds=1)

YearLoader = Callable[[int], tuple[Collection[dt.date], Collection[dt.date]]]


class CalendarRangeError(ValueError):
    """A date outside the supported years (MIN_YEAR-MAX_YEAR)."""


def _time_us(t: dt.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * US_PER_SECOND + t.microsecond


def to_microseconds(hours) -> int:
    """A non-negative budget in hours (int, Decimal, float, numeric str, or a timedelta) → whole microseconds.

    Floats are read through their shortest repr (0.1 → Decimal("0.1")), so there is no binary drift; the result is
    rounded half-up to the microsecond (a positive budget to at least one: only 0 is the same-day limit)."""
    if type(hours) is int:
        us = hours * US_PER_HOUR
    elif isinstance(hours, dt.timedelta):
        us = hours // _ONE_US
    else:
        if isinstance(hours, float):
            value = Decimal(repr(hours))
        elif isinstance(hours, Decimal):
            value = hours
        elif isinstance(hours, str):
            try:
                value = Decimal(hours.strip())
            except InvalidOperation:
                raise ValueError(f"not a number: {hours!r}") from None
        else:
            raise TypeError(f"hours must be a number, got {type(hours).__name__}")
        if not value.is_finite():
            raise ValueError(f"hours must be finite, got {hours!r}")
        us = int((value * _D_US_PER_HOUR).to_integral_value(rounding=ROUND_HALF_UP))
        if us == 0 and value > 0:
            us = 1  # a positive budget below half a microsecond is still a budget, not the same-day limit (0)
    if us < 0:
        raise ValueError(f"hours must not be negative, got {hours!r}")
    return us


def days_to_hours(days) -> Decimal:
    """N working days → N × 8 hours, exactly (floats through their repr)."""
    if isinstance(days, bool):
        raise TypeError("working days must be a number")
    if isinstance(days, float):
        days = Decimal(repr(days))
    elif isinstance(days, str):
        try:
            days = Decimal(days.strip())
        except InvalidOperation:
            raise ValueError(f"not a number: {days!r}") from None
    value = Decimal(days)
    if not value.is_finite():
        raise ValueError(f"working days must be finite, got {days!r}")
    if value < 0:
        raise ValueError(f"working days must not be negative, got {days!r}")
    return value * HOURS_PER_WORKING_DAY


@dataclass(frozen=True)
class OfficeHours:
    """An agency's office hours and reception cut-off (defaults: contract §2)."""

    morning_start: dt.time = dt.time(8, 0)
    morning_end: dt.time = dt.time(12, 0)
    afternoon_start: dt.time = dt.time(13, 0)
    afternoon_end: dt.time = dt.time(17, 0)
    cutoff: dt.time = dt.time(15, 0)

    def __post_init__(self):
        for name in ("morning_start", "morning_end", "afternoon_start", "afternoon_end", "cutoff"):
            value = getattr(self, name)
            if not isinstance(value, dt.time):
                raise TypeError(f"{name} must be a datetime.time")
            if value.tzinfo is not None:
                object.__setattr__(self, name, value.replace(tzinfo=None))
        if not (self.morning_start < self.morning_end <= self.afternoon_start < self.afternoon_end):
            raise ValueError(
                "office hours must satisfy morning_start < morning_end <= afternoon_start < afternoon_end"
            )

    def text(self) -> str:
        """The two sessions as an office posts them: "08:00–12:00, 13:00–17:00"."""
        return (
            f"{self.morning_start:%H:%M}–{self.morning_end:%H:%M}, "
            f"{self.afternoon_start:%H:%M}–{self.afternoon_end:%H:%M}"
        )

    @classmethod
    def from_object(cls, obj) -> OfficeHours:
        """Read the five fields from anything that has them (an org.Agency); missing ones keep the default."""
        default = cls()
        return cls(**{f: getattr(obj, f, None) or getattr(default, f) for f in cls.__dataclass_fields__})

    def key(self) -> tuple:
        return (self.morning_start, self.morning_end, self.afternoon_start, self.afternoon_end, self.cutoff)

    def as_dict(self) -> dict:
        return {f: getattr(self, f).strftime("%H:%M") for f in self.__dataclass_fields__}


DEFAULT_HOURS = OfficeHours()


class _State:
    """Dense tables for the whole years [lo, hi]: cum[i] = number of working days in [base, base + i);
    work[k] = ordinal of working day number k."""

    __slots__ = ("lo", "hi", "base", "n", "cum", "work")

    def __init__(self, lo: int, hi: int, base: int, cum: list[int], work: list[int]):
        self.lo, self.hi, self.base, self.cum, self.work = lo, hi, base, cum, work
        self.n = len(cum) - 1


class _DayIndex:
    """Which days are working days, as dense tables over a range of whole years that grows on demand.

    The per-year sets come from `loader(year) -> (days_off, makeup_workdays)`. A day is a working day iff it is
    not in days_off and is Monday-Friday or in makeup_workdays. Tables are rebuilt (never mutated) when the range
    grows, and swapped in atomically, so readers need no lock."""

    def __init__(self, loader: YearLoader):
        self._loader = loader
        self._years: dict[int, tuple[frozenset[int], frozenset[int]]] = {}
        self._lock = threading.Lock()
        self.state: _State | None = None

    def year_sets(self, year: int) -> tuple[frozenset[int], frozenset[int]]:
        """(days off, make-up days) of `year` as sets of ordinals."""
        sets = self._years.get(year)
        if sets is None:
            off, makeup = self._loader(year)
            sets = (frozenset(d.toordinal() for d in off), frozenset(d.toordinal() for d in makeup))
            self._years[year] = sets
        return sets

    def is_working_ordinal(self, o: int) -> bool:
        st = self.state
        if st is not None and 0 <= o - st.base < st.n:
            i = o - st.base
            return st.cum[i + 1] != st.cum[i]
        year = dt.date.fromordinal(o).year
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise CalendarRangeError(f"date outside the supported years {MIN_YEAR}-{MAX_YEAR}")
        off, makeup = self.year_sets(year)
        return o not in off and ((o - 1) % 7 < 5 or o in makeup)

    def covering(self, o: int) -> _State:
        """A state whose range holds ordinal o and at least the whole following year."""
        st = self.state
        if st is not None and 0 <= o - st.base < st.n and (o - st.base + 366 < st.n or st.hi == MAX_YEAR):
            return st
        year = dt.date.fromordinal(o).year
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise CalendarRangeError(f"date outside the supported years {MIN_YEAR}-{MAX_YEAR}")
        return self._grow(year - 1, year + 1)

    def grow_up(self, st: _State) -> _State:
        """A state reaching one year further than `st` (same base, so working-day numbers stay valid)."""
        if st.hi >= MAX_YEAR:
            raise CalendarRangeError(f"deadline beyond the supported years {MIN_YEAR}-{MAX_YEAR}")
        return self._grow(st.lo, st.hi + 1)

    def _grow(self, lo: int, hi: int) -> _State:
        with self._lock:
            st = self.state
            lo, hi = max(lo, MIN_YEAR), min(hi, MAX_YEAR)
            if st is not None:
                # Never shrink; keep the base when only growing upward.
                lo, hi = min(lo, st.lo), max(hi, st.hi)
                if lo == st.lo and hi == st.hi:
                    return st
            base = dt.date(lo, 1, 1).toordinal()
            cum = [0]
            work: list[int] = []
            count = 0
            for year in range(lo, hi + 1):
                off, makeup = self.year_sets(year)
                first = dt.date(year, 1, 1).toordinal()
                last = dt.date(year, 12, 31).toordinal()
                for o in range(first, last + 1):
                    if o not in off and ((o - 1) % 7 < 5 or o in makeup):
                        work.append(o)
                        count += 1
                    cum.append(count)
            new = _State(lo, hi, base, cum, work)
            self.state = new
            return new


class WorkCalendar:
    """Days off, make-up working days and office hours, with the deadline arithmetic of contract §2.

    `days_off` / `makeup_workdays` are explicit sets of dates; `base(year) -> (days_off, makeup_workdays)` supplies
    the schedule of any year lazily (e.g. `schedules.national_schedule`). Explicit sets win over the base: an
    explicit make-up day is a working day even if the base had it off, and an explicit day off is off."""

    def __init__(
        self,
        days_off: Iterable[dt.date] = (),
        makeup_workdays: Iterable[dt.date] = (),
        hours: OfficeHours | None = None,
        *,
        base: YearLoader | None = None,
        _index: _DayIndex | None = None,
    ):
        self.hours = hours or DEFAULT_HOURS
        if _index is None:
            extra_off = frozenset(days_off)
            extra_makeup = frozenset(makeup_workdays)

            def loader(year: int):
                off, makeup = base(year) if base else ((), ())
                y_off = {d for d in extra_off if d.year == year}
                y_makeup = {d for d in extra_makeup if d.year == year}
                off_all = (set(off) - y_makeup) | y_off
                makeup_all = (set(makeup) - y_off) | y_makeup
                return off_all, makeup_all

            _index = _DayIndex(loader)
        self._idx = _index
        h = self.hours
        self._ms = _time_us(h.morning_start)
        self._me = _time_us(h.morning_end)
        self._as = _time_us(h.afternoon_start)
        self._ae = _time_us(h.afternoon_end)
        # A cut-off after closing acts as closing time; before opening it sends the whole day to the next one.
        self._cut = min(_time_us(h.cutoff), self._ae)
        self._m = self._me - self._ms  # morning length
        self._d = self._m + self._ae - self._as  # office time of one working day
        self._ymd: dict[int, tuple[int, int, int]] = {}

    def with_hours(self, hours: OfficeHours) -> WorkCalendar:
        """The same days with other office hours (shares the day tables)."""
        if hours == self.hours:
            return self
        return WorkCalendar(hours=hours, _index=self._idx)

    # --- days -------------------------------------------------------------------------------------------------
    def is_working_day(self, d: dt.date) -> bool:
        return self._idx.is_working_ordinal(d.toordinal())

    def is_office_time(self, when: dt.datetime) -> bool:
        """Whether the instant (aware) falls within office hours of a working day, ends included: an appointment
        the office can keep."""
        local = when.astimezone(TZ)
        if not self.is_working_day(local.date()):
            return False
        t = local.timetz().replace(tzinfo=None)
        h = self.hours
        return h.morning_start <= t <= h.morning_end or h.afternoon_start <= t <= h.afternoon_end

    def next_working_day(self, d: dt.date) -> dt.date:
        """The first working day strictly after `d`."""
        o = d.toordinal()
        st = self._idx.covering(o)
        k = st.cum[o - st.base + 1]
        while k >= len(st.work):
            st = self._idx.grow_up(st)
        return dt.date.fromordinal(st.work[k])

    def days_off(self, year: int) -> list[dt.date]:
        """Monday-Friday dates of `year` that are not working days (weekends are implicit)."""
        return [
            d for d in _days_of(year) if d.weekday() < 5 and not self._idx.is_working_ordinal(d.toordinal())
        ]

    def makeup_workdays(self, year: int) -> list[dt.date]:
        """Saturdays/Sundays of `year` that are working days (làm bù)."""
        return [d for d in _days_of(year) if d.weekday() >= 5 and self._idx.is_working_ordinal(d.toordinal())]

    # --- instants ---------------------------------------------------------------------------------------------
    def _local(self, when: dt.datetime) -> tuple[int, int]:
        if when.tzinfo is not TZ:
            when = when.astimezone(TZ) if when.tzinfo is not None else when.replace(tzinfo=TZ)
        return when.toordinal(), (
            ((when.hour * 60 + when.minute) * 60 + when.second) * US_PER_SECOND + when.microsecond
        )

    def _at(self, o: int, tod: int) -> dt.datetime:
        ymd = self._ymd.get(o)
        if ymd is None:
            d = dt.date.fromordinal(o)
            ymd = (d.year, d.month, d.day)
            if len(self._ymd) < 100_000:
                self._ymd[o] = ymd
        h, rest = divmod(tod, US_PER_HOUR)
        m, rest = divmod(rest, US_PER_MINUTE)
        sec, us = divmod(rest, US_PER_SECOND)
        return dt.datetime(ymd[0], ymd[1], ymd[2], h, m, sec, us, TZ)

    def _start(self, o: int, t: int) -> tuple[_State, int, int, int]:
        """Counting start for a reception at (o, t): (state, working-day number, time of day, position)."""
        st = self._idx.covering(o)
        i = o - st.base
        cum = st.cum
        k = cum[i]
        if cum[i + 1] != k and t < self._cut:
            kd = k * self._d
            if t < self._ms:
                return st, k, self._ms, kd
            if t < self._me:
                return st, k, t, kd + t - self._ms
            if t < self._as:
                return st, k, self._as, kd + self._m
            if t < self._ae:
                return st, k, t, kd + self._m + t - self._as
        k = cum[i + 1]
        while k >= len(st.work):
            st = self._idx.grow_up(st)
        return st, k, self._ms, k * self._d

    def _position(self, st: _State, o: int, t: int) -> int:
        """Office time (µs) on the working timeline before instant (o, t); no cut-off."""
        i = o - st.base
        cum = st.cum
        k = cum[i]
        if cum[i + 1] != k:
            kd = k * self._d
            if t < self._ms:
                return kd
            if t < self._me:
                return kd + t - self._ms
            if t < self._as:
                return kd + self._m
            if t < self._ae:
                return kd + self._m + t - self._as
            return kd + self._d
        return k * self._d

    def _instant(self, st: _State, pos: int) -> dt.datetime:
        """The instant where a budget ending at timeline position `pos` (> 0) runs out (closing boundaries kept)."""
        k, off = divmod(pos - 1, self._d)
        off += 1
        while k >= len(st.work):
            st = self._idx.grow_up(st)
        tod = self._ms + off if off <= self._m else self._as + off - self._m
        return self._at(st.work[k], tod)

    def counting_start(self, received: dt.datetime) -> dt.datetime:
        o, t = self._local(received)
        st, k, tod, _ = self._start(o, t)
        return self._at(st.work[k], tod)

    def deadline(self, received: dt.datetime, hours) -> tuple[dt.datetime, dt.datetime]:
        """(counting start, due) for a limit of `hours` working hours (0 = same day: due at closing)."""
        return self.deadline_us(received, to_microseconds(hours))

    def deadline_us(self, received: dt.datetime, budget: int) -> tuple[dt.datetime, dt.datetime]:
        """`deadline` with the budget already in whole microseconds (>= 0)."""
        local = received
        if local.tzinfo is not TZ:
            local = local.astimezone(TZ) if local.tzinfo is not None else local.replace(tzinfo=TZ)
        o = local.toordinal()
        t = ((local.hour * 60 + local.minute) * 60 + local.second) * US_PER_SECOND + local.microsecond
        st, k, tod, pos = self._start(o, t)
        start_day = st.work[k]
        start = local if tod == t and start_day == o else self._at(start_day, tod)
        if budget == 0:
            return start, self._at(start_day, self._ae)
        return start, self._instant(st, pos + budget)

    def deadline_days(self, received: dt.datetime, working_days) -> tuple[dt.datetime, dt.datetime]:
        return self.deadline(received, days_to_hours(working_days))

    def add_working_hours(self, start: dt.datetime, hours) -> dt.datetime:
        """The instant where `hours` of office time, counted from `start`, run out (no cut-off)."""
        return self.add_us(start, to_microseconds(hours))

    def add_us(self, start: dt.datetime, budget: int) -> dt.datetime:
        """`add_working_hours` with the budget already in whole microseconds (>= 0)."""
        o, t = self._local(start)
        if budget == 0:
            return start.astimezone(TZ) if start.tzinfo is not None else start.replace(tzinfo=TZ)
        st = self._idx.covering(o)
        return self._instant(st, self._position(st, o, t) + budget)

    def working_microseconds_between(self, a: dt.datetime, b: dt.datetime) -> int:
        """Office time of working days in [a, b), in whole microseconds (0 if b <= a)."""
        oa, ta = self._local(a)
        ob, tb = self._local(b)
        if (ob, tb) <= (oa, ta):
            return 0
        self._idx.covering(oa)
        st = self._idx.covering(ob)  # covers oa too: the range only grows and oa <= ob
        return self._position(st, ob, tb) - self._position(st, oa, ta)

    def working_hours_between(self, a: dt.datetime, b: dt.datetime) -> Decimal:
        """Office time of working days in [a, b), in hours (0 if b <= a).

        A Decimal with at most 12 decimals (1 s = 0.000277777778 h); feeding it back to `add_working_hours`
        gives the exact microsecond again. `working_microseconds_between` is the exact integer form."""
        hours = _DIV.divide(Decimal(self.working_microseconds_between(a, b)), _D_US_PER_HOUR)
        return hours.quantize(HOURS_PLACES, context=_DIV).normalize(_DIV) if hours else Decimal(0)


def _days_of(year: int) -> list[dt.date]:
    first = dt.date(year, 1, 1).toordinal()
    last = dt.date(year, 12, 31).toordinal()
    return [dt.date.fromordinal(o) for o in range(first, last + 1)]
