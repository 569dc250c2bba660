"""Vietnamese text helpers: NFC normalisation and diacritic folding for search."""

import re
import unicodedata

_WS = re.compile(r"\s+")


def nfc(value: str | None) -> str:
    """NFC-normalise and collapse whitespace; None becomes ''."""
    if not value:
        return ""
    return _WS.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def fold(value: str | None) -> str:
    """Lower-case ASCII fold of Vietnamese text: 'Đăng ký' -> 'dang ky'.

    NFD strips combining marks; đ/Đ have no decomposition and are mapped explicitly.
    """
    if not value:
        return ""
    text = unicodedata.normalize("NFD", str(value).replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _WS.sub(" ", text.lower()).strip()
