"""Applicant identifiers: the 12-digit personal ID (rules §9.1) and tax/enterprise codes (rules §9.2)."""

import re

from django.utils import timezone
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.vn import mst

# Circular 07/2016/TT-BCA appendix: birth-registration province codes (63 pre-2025 provinces; numbers are for
# life, so the codes stay valid after the 2025 mergers).
PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 037 038 "
    "040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067 068 070 072 074 075 077 079 080 082 "
    "083 084 086 087 089 091 092 093 094 095 096".split()
)

_DIGITS12 = re.compile(r"^\d{12}$")
_DIGITS9 = re.compile(r"^\d{9}$")


class IdentifierError(ValueError):
    def __init__(self, message: str, message_en: str):
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en


def encoded_birth_year(number: str) -> int:
    """The year of birth a 12-digit personal ID encodes (rules §9.1): d4 the century (0/1 the 1900s, 2/3 the 2000s,
    … one pair per century), d5–d6 the last two digits of the year."""
    return 1900 + int(number[3]) // 2 * 100 + int(number[4:6])


def clean_personal_id(value: str, *, birth_year: int | None = None, allow_legacy: bool = False) -> str:
    """Validate a personal identification number (số định danh cá nhân). Returns the cleaned digits (spaces, dots
    and dashes between the groups, as people write it, dropped)."""
    raw = re.sub(r"[\s.\-]", "", value or "")
    if allow_legacy and _DIGITS9.match(raw):
        return raw  # old 9-digit CMND numbers still appear in migrated data
    if not _DIGITS12.match(raw):
        raise IdentifierError(
            "Số định danh cá nhân phải gồm đúng 12 chữ số.",
            "The personal identification number must be exactly 12 digits.",
        )
    if raw[:3] not in PROVINCE_CODES:
        raise IdentifierError(
            f"Số định danh cá nhân không hợp lệ: mã tỉnh nơi đăng ký khai sinh '{raw[:3]}' không tồn tại.",
            f"Invalid personal ID: birth-registration province code '{raw[:3]}' does not exist.",
        )
    born = encoded_birth_year(raw)
    # 0012 99… or 0014 xx…: nobody living was born then. A typing check for new filings: a migrated record keeps
    # the number its old system accepted (one such typo would otherwise stop the whole all-or-nothing import)
    if not allow_legacy and born > timezone.localdate().year:
        raise IdentifierError(
            f"Số định danh cá nhân không hợp lệ: mã thế kỷ và năm sinh '{raw[3:6]}' chỉ năm sinh {born}, chưa tới.",
            f"Invalid personal ID: the century and birth-year code '{raw[3:6]}' gives {born} as the year of birth, "
            "which is in the future.",
        )
    if birth_year is not None:
        century = (birth_year // 100) - 19  # 1900s → 0, 2000s → 1 ...
        if century < 0 or int(raw[3]) // 2 != century or int(raw[4:6]) != birth_year % 100:
            raise IdentifierError(
                "Số định danh cá nhân không khớp với năm sinh.",
                "The personal ID does not match the year of birth.",
            )
    return raw


def clean_tax_code(value: str) -> str:
    """Validate a tax/enterprise code (10 or 13 digits with check digit) or, for households and individuals
    since 01/07/2025, a 12-digit personal ID. Returns the compact form (13-digit codes as NNNNNNNNNN-NNN)."""
    raw = re.sub(r"\s", "", value or "")
    if _DIGITS12.match(raw):
        return clean_personal_id(raw)
    try:
        return mst.format(mst.validate(raw))
    except StdnumError as exc:
        raise IdentifierError(
            "Mã số thuế / mã số doanh nghiệp không hợp lệ (10 hoặc 13 chữ số, kiểm tra chữ số kiểm tra).",
            "Invalid tax/enterprise code (10 or 13 digits with a valid check digit).",
        ) from exc


def clean_applicant_id(
    kind: str, value: str, *, allow_legacy: bool = False, birth_year: int | None = None
) -> str:
    if kind == "organization":
        return clean_tax_code(value)
    return clean_personal_id(value, allow_legacy=allow_legacy, birth_year=birth_year)


# A phone number as people write it: Vietnamese, 0 then 9 digits (a mobile) or 10 (a landline with its area code,
# 02x); or international, + and 8 to 15 digits (E.164: +84…, or a foreign applicant's own number); with spaces,
# dots, dashes or brackets between the groups.
_PHONE = re.compile(r"^(?:0\d{9,10}|\+\d{8,15})$")


def clean_phone(value: str) -> str:
    """The phone number as written (trimmed, spaces collapsed) if it is one; IdentifierError otherwise."""
    text = " ".join(str(value or "").split())
    if not _PHONE.match(re.sub(r"[\s.\-()]", "", text)):
        raise IdentifierError(
            "Số điện thoại không hợp lệ: 10 hoặc 11 chữ số bắt đầu bằng 0, hoặc số quốc tế dạng +84…, +1….",
            "Invalid phone number: 10 or 11 digits starting with 0, or an international number (+84…, +1…).",
        )
    return text
