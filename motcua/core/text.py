"""Vietnamese text helpers: NFC normalisation and diacritic folding for search."""

import re
import unicodedata

_WS = re.compile(r"\s+")


def nfc(value: str | None) -> str:
    """NFC-normalise and collapse whitespace; None becomes ''."""
    if not value:
        return ""
    return _WS.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


_HSPACE = re.compile(r"[^\S\n]+")


def nfc_lines(value: str | None) -> str:
    """NFC-normalise a text of several lines (a reason listed point by point): the line breaks are kept, the
    whitespace inside each line collapsed, blank lines and the ends trimmed; None becomes ''."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    lines = (_HSPACE.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def strip_marks(value: str | None) -> str:
    """Vietnamese text without its diacritics, case and spacing kept: 'Đăng ký' -> 'Dang ky'. NFD strips combining
    marks; đ/Đ have no decomposition and are mapped explicitly."""
    if not value:
        return ""
    text = unicodedata.normalize("NFD", str(value).replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def fold(value: str | None) -> str:
    """Lower-case ASCII fold of Vietnamese text: 'Đăng ký' -> 'dang ky'."""
    return _WS.sub(" ", strip_marks(value).lower()).strip()


# Vietnamese alphabetical order (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y): letters with a breve,
# circumflex or horn are letters of their own; tones order words only when the letters are equal (dictionary
# order: none, huyền, hỏi, ngã, sắc, nặng).
_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}  # breve, circumflex, horn
_TONES = {
    "\u0300": 1,
    "\u0309": 2,
    "\u0303": 3,
    "\u0301": 4,
    "\u0323": 5,
}  # grave, hook, tilde, acute, dot below


def sort_key(value: str | None) -> tuple:
    """A key that sorts Vietnamese names as a Vietnamese reader expects: 'Đồng Tâm' after every 'D…' word and
    before 'E…' (code-point order puts 'Đ' after 'Z'), 'Ăn' after 'An', case ignored; then tones, then the text."""
    text = nfc(value)
    primary, tones = [], []
    for ch in unicodedata.normalize("NFD", text.lower()):
        if ch in _LETTER_MARKS and primary:
            primary[-1] = (primary[-1][0], _LETTER_MARKS[ch])
        elif ch in _TONES and tones:
            tones[-1] = _TONES[ch]
        elif unicodedata.combining(ch):
            continue
        elif ch == "đ":
            primary.append(("d", 9))  # after d and every d with a mark
            tones.append(0)
        else:
            primary.append((ch, 0))
            tones.append(0)
    return (tuple(primary), tuple(tones), text)


def code_forms(value: str | None) -> list[str]:
    """The forms a typed dossier code is looked up by: without spaces, as typed and upper-cased (contract §3 codes
    are upper case; an imported code is kept as it came). '' for nothing typed → []."""
    code = re.sub(r"\s+", "", unicodedata.normalize("NFC", str(value or "")))
    return list(dict.fromkeys((code, code.upper()))) if code else []


def dong(value) -> str:
    """An amount in đồng as Vietnamese write it: 1400000 → '1.400.000 đồng' ('' when it is not a number)."""
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    try:
        amount = Decimal(str(value)).to_integral_value(ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return f"{int(amount):,}".replace(",", ".") + " đồng"
