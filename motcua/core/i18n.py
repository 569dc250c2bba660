"""Helpers for the two interface languages (Vietnamese first, English second)."""

from __future__ import annotations

from django.utils import translation


def vietnamese(label) -> str:
    """A label in Vietnamese whatever the active language, for texts that are Vietnamese by nature (official
    forms, messages to applicants, API labels, the Vietnamese `message` of an error). `label` is a lazy string
    (a choice's `.label`) or a callable returning one (`obj.get_status_display`: Django evaluates display values
    at once, so the call itself must run in Vietnamese)."""
    with translation.override("vi"):
        return str(label() if callable(label) else label)


def english_active() -> bool:
    return (translation.get_language() or "").startswith("en")


def in_page_language(error) -> str:
    """A refusal's message in the interface language: `message` (Vietnamese), or `message_en` when the user chose
    English — for anything that carries both (DomainError, the validators' IdentifierError, …)."""
    return error.message_en if english_active() else error.message
