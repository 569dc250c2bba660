"""English interface, Vietnamese dates: day first for input and output (motcua/formats/__init__.py), never US
month/day."""

from motcua.formats import (  # noqa: F401  (read by django.utils.formats.get_format)
    DATE_INPUT_FORMATS,
    DATETIME_INPUT_FORMATS,
    SHORT_DATE_FORMAT,
    SHORT_DATETIME_FORMAT,
    TIME_INPUT_FORMATS,
)

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
