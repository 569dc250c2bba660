"""Calendar days typed by people: the ISO form (2025-01-24) and the Vietnamese one (24/01/2025, as every page shows
dates), for the commands' options and the catalogue's files."""

import datetime as dt

DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")

# the years a typed date or instant may name (the statistics' range): outside them it is a typing slip, not a date
# (and 0001-01-01 or 9999-12-31 cannot be moved to another offset)
SUPPORTED_YEARS = (1900, 2999)
# what a refusal says of it, in Vietnamese and English
YEARS_RULE = (
    f"phải thuộc các năm {SUPPORTED_YEARS[0]}–{SUPPORTED_YEARS[1]}",
    f"must be within the years {SUPPORTED_YEARS[0]}-{SUPPORTED_YEARS[1]}",
)


def in_supported_years(year: int) -> bool:
    return SUPPORTED_YEARS[0] <= year <= SUPPORTED_YEARS[1]


def parse_day(text: str) -> dt.date:
    """'2025-01-24' or '24/01/2025' (surrounding spaces ignored); ValueError for anything else."""
    text = str(text).strip()
    for fmt in DAY_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError(text)


def option_day(value: str, option: str) -> dt.date:
    """A command option's day, or the command's error naming both accepted forms."""
    from django.core.management.base import CommandError

    try:
        day = parse_day(value)
    except ValueError:
        raise CommandError(
            f"{option}: ngày '{value}' không hợp lệ, dùng dd/mm/yyyy hoặc YYYY-MM-DD. / "
            f"{option}: '{value}' is not a date: use dd/mm/yyyy or YYYY-MM-DD."
        ) from None
    if not in_supported_years(
        day.year
    ):  # 31/12/9999 overflowed the day after; 01/01/0001 dated versions in year 1
        raise CommandError(
            f"{option}: ngày '{value}' {YEARS_RULE[0]}. / {option}: '{value}' {YEARS_RULE[1]}."
        )
    return day
