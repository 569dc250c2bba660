"""Recipient validation shared by notifications and the portal: e-mail addresses and Vietnamese mobile numbers."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

# Vietnamese mobile numbers: 10 digits starting 03/05/07/08/09 (after the 2018 renumbering).
_MOBILE = re.compile(r"^0[35789]\d{8}$")


class RecipientError(ValueError):
    def __init__(self, message: str, message_en: str):
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en


def normalise_phone(value: str) -> str:
    """'+84 912 345 678', '84912345678', '0912.345.678' → '0912345678'. Raises RecipientError otherwise."""
    raw = re.sub(r"[\s.\-()]", "", str(value or ""))
    if raw.startswith("+84"):
        raw = "0" + raw[3:]
    elif raw.startswith("84") and len(raw) == 11:
        raw = "0" + raw[2:]
    if not _MOBILE.match(raw):
        raise RecipientError(
            "Số điện thoại di động không hợp lệ: cần 10 chữ số bắt đầu bằng 03, 05, 07, 08 hoặc 09 "
            "(hoặc dạng +84…).",
            "Invalid mobile number: 10 digits starting with 03, 05, 07, 08 or 09 (or the +84 form).",
        )
    return raw


def normalise_email(value: str) -> str:
    email = str(value or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise RecipientError("Địa chỉ thư điện tử không hợp lệ.", "Invalid e-mail address.") from exc
    if len(email.rpartition("@")[0]) > 64:  # RFC 5321: longer, every message to it bounces
        raise RecipientError(
            "Địa chỉ thư điện tử không hợp lệ: phần trước dấu @ dài tối đa 64 ký tự.",
            "Invalid e-mail address: the part before the @ is at most 64 characters.",
        )
    return email.lower()  # providers treat the local part case-insensitively; so does deduplication
