"""API schemas shared by several routers: one class per name, so the OpenAPI document's `components/schemas` has one
entry per shape (motcua/core/tests/test_openapi.py)."""

from ninja import Schema


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
