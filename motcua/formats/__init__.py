"""Date and time formats for both interface languages (settings.FORMAT_MODULE_PATH = ["motcua.formats"]).

Django's Vietnamese locale defines no input formats (so the global defaults applied, which read 10/12/2026 as
October 12) and its English locale defines US ones (month first). Dates are written and read day first
(dd/mm/yyyy) in both languages, with ISO 8601 (yyyy-mm-dd) also accepted; no format reads month/day. The admin's
date widgets show and read the first input format. Forms that name their own `input_formats` (the e-forms, the
outreach log, datetime-local inputs) keep them. See docs/adr/0001-foundation-choices.md (addendum)."""

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S.%f",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]
TIME_INPUT_FORMATS = ["%H:%M:%S", "%H:%M:%S.%f", "%H:%M"]
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
