"""API schemas shared by several routers: one class per name, so the OpenAPI document's `components/schemas` has one
entry per shape (motcua/core/tests/test_openapi.py)."""

from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, ModelWrapValidatorHandler, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from .text import KINDS, bad_char


class InSchema(Schema):
    """A request body's schema. django-ninja's Schema wraps whatever it validates in a DjangoGetter (to read ORM
    objects and their managers as attributes), and a schema forbidding extra keys validates the input twice; a body
    is a dict parsed from JSON, so its schemas validate the dict itself: the same fields, the same errors and
    their locations (motcua/core/tests/test_schemas.py), about a twentieth of a filing+reception pair less
    (bench/bench_inproc.py --instructions pair). The override keeps django-ninja's validator name, so pydantic
    replaces it rather than running both."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values, handler: ModelWrapValidatorHandler, info: ValidationInfo):
        return handler(values)


class ErrorOut(Schema):
    """Every 4xx answer: a code, a message a person can act on in Vietnamese, the same in English."""

    error: str
    message: str
    message_en: str


class OfficeHoursOut(Schema):
    morning_start: str
    morning_end: str
    afternoon_start: str
    afternoon_end: str
    cutoff: str


# Text an API body carries: refused (422 `validation`, the field named, in both languages: motcua.api._VI_ERRORS)
# when it holds a control, invisible formatting or noncharacter (motcua.core.text.bad_char) — the same rule as the
# web forms and the services, which check again whatever reaches them.
def _checked(lines: bool):
    def check(value: str) -> str:
        found = bad_char(value, lines=lines)
        if found is not None:
            position, char, kind = found
            vi, en = KINDS[kind]
            raise PydanticCustomError(
                "bad_characters",
                "contains an invalid character {char} ({kind}) at position {position}: delete it and send again",
                {"char": f"U+{ord(char):04X}", "kind": en, "kind_vi": vi, "position": position},
            )
        return value

    return AfterValidator(check)


Line = Annotated[str, _checked(False)]
"""A single-line text (a name, an address, a number): no control or invisible formatting character."""
Text = Annotated[str, _checked(True)]
"""A text of several lines (a reason, a comment): no control character but TAB/LF/CR, no hiding character."""
