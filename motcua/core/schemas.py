"""API schemas shared by several routers: one class per name, so the OpenAPI document's `components/schemas` has one
entry per shape (motcua/core/tests/test_openapi.py)."""

import difflib
import functools
import logging
import typing
from typing import Annotated

from ninja import Schema
from pydantic import AfterValidator, BaseModel, ModelWrapValidatorHandler, ValidationInfo, model_validator
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


# --- keys a body sent that no schema takes ---------------------------------------------------------------------
# The API's bodies are read leniently (a key the schema does not name is not an error: the provincial and national
# portals send their own extra keys), but a key dropped without a word is data an applicant filed and nobody kept —
# "form" for "form_data", "tracking_numbr" for "tracking_number". A successful answer names each such key under
# `ignored`, with the key meant when one is close, so the integrator sees it at once (ADR 0022, addendum).

logger = logging.getLogger("motcua.api")
BODY_ATTR = "_motcua_json_body"  # the parsed body, kept on the request by the API's parser (motcua.api)


def _nested_schema(annotation) -> type | None:
    """The schema of a field holding one nested object (`ApplicantIn`, `RepresentativeIn | None`), else None."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


@functools.cache
def _fields_of(schema) -> dict[str, type | None]:
    """The keys `schema` takes, each with the schema of the object it holds (None for any other value)."""
    return {name: _nested_schema(field.annotation) for name, field in schema.model_fields.items()}


def ignored_keys(body, schema, prefix: str = "") -> list[tuple[str, list[str]]]:
    """(dotted key, the keys the schema takes at that level) for each key of `body` that `schema` does not take,
    looking into nested objects (`applicant.emial`)."""
    if not isinstance(body, dict):
        return []
    fields = _fields_of(schema)
    found = []
    for key, value in body.items():
        if key not in fields:
            found.append((prefix + str(key), list(fields)))
            continue
        nested = fields[key]
        if nested is not None and isinstance(value, dict):
            found += ignored_keys(value, nested, f"{prefix}{key}.")
    return found


def ignored_notice(request, schema) -> list[dict]:
    """What the answer says of the body's keys that `schema` does not take (empty when there are none)."""
    return _notices(
        request,
        ignored_keys(getattr(request, BODY_ATTR, None), schema),
        (
            "Trường '{key}' không thuộc API này nên không được lưu.",
            "'{key}' is not a field of this API: it was not stored.",
        ),
    )


def ignored_query(request, known) -> list[dict]:
    """What the answer says of the query's parameters that the endpoint does not take (`?agncy=`: the figures came
    back for the whole province without a word)."""
    known = list(known)
    return _notices(
        request,
        [(key, known) for key in request.GET if key not in known],
        (
            "Tham số '{key}' không thuộc API này nên không được dùng: kết quả như khi không có tham số này.",
            "'{key}' is not a parameter of this API: it was not used, the answer is as without it.",
        ),
    )


def with_ignored(answer: dict, notices: list[dict]) -> dict:
    """`answer` with `ignored` holding the notices, when there are any (an answer without them is as before)."""
    return {**answer, "ignored": notices} if notices else answer


def closest(key: str, known) -> list[str]:
    """The name meant by a misspelt `key` among `known` ([] when none is close): "agncy" → ["agency"]."""
    return difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)


def _notices(request, found, texts: tuple[str, str]) -> list[dict]:
    notices = []
    for path, known in found:
        key = path.rpartition(".")[2]
        close = closest(key, known)
        meant_vi = f" Có phải ý bạn là '{path[: len(path) - len(key)]}{close[0]}'?" if close else ""
        meant_en = f" Did you mean '{path[: len(path) - len(key)]}{close[0]}'?" if close else ""
        shown = path[:100]
        notices.append(
            {
                "key": shown,
                "message": texts[0].format(key=shown) + meant_vi,
                "message_en": texts[1].format(key=shown) + meant_en,
            }
        )
    if notices:
        logger.warning("%s %s: ignored keys %s", request.method, request.path, [n["key"] for n in notices])
    return notices
