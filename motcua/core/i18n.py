"""Helpers for the two interface languages (Vietnamese first, English second)."""

from __future__ import annotations

from django.utils import translation


def vietnamese(label) -> str:
    """A (lazily translated) label in Vietnamese whatever the active language: for texts that are Vietnamese by
    nature — official forms, messages to applicants, the Vietnamese `message` of an API error."""
    with translation.override("vi"):
        return str(label)


def english_active() -> bool:
    return (translation.get_language() or "").startswith("en")
