"""The national schedule of days off and make-up working days, year by year (pure Python, no ORM).

Two sources, in this order (ADR 0002):
1. `data/official_schedules.json`: the schedules announced for civil servants for 2023-2026 (rules §6.3), with the
   source of every occasion. For these years this file is the whole truth; the `holidays` package is not consulted.
2. Any other year: the Labour Code rules as encoded by the `holidays` package (Vietnam, Vietnamese names),
   including the make-up Saturdays it knows (`weekend_workdays`). Vietnam Culture Day (24/11, pending legislation)
   and its compensatory day are dropped unless `culture_day` is true.

Weekends (Saturday, Sunday) are implicitly days off and are not listed; `days_off` holds the Monday-Friday days
that are not working days, `makeup_workdays` the Saturdays/Sundays that are.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

MIN_YEAR = 1990
MAX_YEAR = 2100

DATA_FILE = Path(__file__).with_name("data") / "official_schedules.json"
CULTURE_DAY_SETTING = "MOTCUA_CULTURE_DAY_HOLIDAY"
CULTURE_DAY_NAME = "Văn hóa Việt Nam"  # as named by holidays 0.109: "Ngày Văn hóa Việt Nam"
LABOUR_CODE_SOURCE = "Bộ luật Lao động 2019 (45/2019/QH14) Điều 111, 112 — theo thư viện holidays"


@dataclass(frozen=True)
class Occasion:
    date: dt.date
    name: str
    kind: str  # "day_off" | "makeup_workday"
    source: str  # "official" | "labour_code"
    sources: tuple[str, ...] = ()
    document: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "name": self.name,
            "kind": self.kind,
            "origin": self.source,
            "sources": list(self.sources),
            "document": self.document,
            "note": self.note,
        }


@dataclass(frozen=True)
class YearSchedule:
    year: int
    origin: str  # "official" (announced schedule) or "labour_code" (rule-based fallback)
    days_off: dict[dt.date, Occasion] = field(default_factory=dict)
    makeup_workdays: dict[dt.date, Occasion] = field(default_factory=dict)

    @property
    def off_set(self) -> frozenset[dt.date]:
        return frozenset(self.days_off)

    @property
    def makeup_set(self) -> frozenset[dt.date]:
        return frozenset(self.makeup_workdays)


@lru_cache(maxsize=1)
def _official() -> dict:
    with DATA_FILE.open(encoding="utf-8") as fh:
        return json.load(fh)


def official_years() -> tuple[int, ...]:
    return tuple(sorted(int(y) for y in _official()["years"]))


def check_year(year: int) -> None:
    if not (MIN_YEAR <= year <= MAX_YEAR):
        raise ValueError(f"year {year} outside the supported range {MIN_YEAR}-{MAX_YEAR}")


@lru_cache(maxsize=512)
def national_schedule(year: int, culture_day: bool = False) -> YearSchedule:
    """The national schedule for `year` (cached; cheap after the first call)."""
    check_year(year)
    occasions = _official()["years"].get(str(year))
    if occasions is not None:
        return _from_official(year, occasions, culture_day)
    return _from_labour_code(year, culture_day)


def _from_official(year: int, occasions: list[dict], culture_day: bool) -> YearSchedule:
    off: dict[dt.date, Occasion] = {}
    makeup: dict[dt.date, Occasion] = {}
    for occ in occasions:
        if occ.get("conditional") == CULTURE_DAY_SETTING and not culture_day:
            continue
        common = {
            "name": occ["name"],
            "source": "official",
            "sources": tuple(occ.get("sources", ())),
            "document": occ.get("document", ""),
            "note": occ.get("note", ""),
        }
        for iso in occ["days_off"]:
            d = dt.date.fromisoformat(iso)
            if d.year == year and d.weekday() < 5:
                off[d] = Occasion(date=d, kind="day_off", **common)
        for iso in occ["makeup_workdays"]:
            d = dt.date.fromisoformat(iso)
            if d.year == year and d.weekday() >= 5:
                makeup[d] = Occasion(date=d, kind="makeup_workday", **common)
    return YearSchedule(year=year, origin="official", days_off=off, makeup_workdays=makeup)


def _from_labour_code(year: int, culture_day: bool) -> YearSchedule:
    import holidays  # imported lazily: only years without an announced schedule need it

    vn = holidays.country_holidays("VN", years=year, language="vi")
    off: dict[dt.date, Occasion] = {}
    for d, name in sorted(vn.items()):
        if d.year != year or d.weekday() >= 5:
            continue
        if CULTURE_DAY_NAME.casefold() in name.casefold() and not culture_day:
            continue
        off[d] = Occasion(
            date=d, name=name, kind="day_off", source="labour_code", sources=(LABOUR_CODE_SOURCE,)
        )
    makeup: dict[dt.date, Occasion] = {}
    for d in sorted(getattr(vn, "weekend_workdays", ()) or ()):
        if d.year == year and d.weekday() >= 5:
            makeup[d] = Occasion(
                date=d,
                name="Ngày làm việc bù",
                kind="makeup_workday",
                source="labour_code",
                sources=(LABOUR_CODE_SOURCE,),
            )
    return YearSchedule(year=year, origin="labour_code", days_off=off, makeup_workdays=makeup)
