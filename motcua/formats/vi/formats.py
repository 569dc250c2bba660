"""Vietnamese: day-first input (motcua/formats/__init__.py). The long output formats stay Django's ("Ngày 10
tháng 12 năm 2026"); the short ones use slashes as the project's pages do."""

from motcua.formats import (  # noqa: F401  (read by django.utils.formats.get_format)
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    TIME_INPUT_FORMATS,
)

# Counts are written with a dot every three digits (4.466), as the PDF report does; Django's Vietnamese locale leaves
# the grouping unset, so even a forced grouping printed 4466. Applies only where grouping is asked for
# (reports_tags.num, floatformat's "g"): USE_THOUSAND_SEPARATOR stays off (ids and years in addresses and texts).
NUMBER_GROUPING = 3
