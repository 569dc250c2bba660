"""Vietnamese text helpers: NFC normalisation and diacritic folding for search."""

import functools
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


# --- characters that have no place in what a person types ---------------------------------------------------
# Control characters (C0 other than TAB/LF/CR, DEL, C1), lone surrogates and noncharacters are never text; invisible
# format characters (zero-width space, word joiner, BOM, the bidirectional overrides and isolates that make a name
# read other than it is stored) hide what a value holds. They are refused, never stripped: the person sees which
# character and where, and what they filed is stored as they wrote it (in NFC). Two families:
# - a single-line value (names, addresses, titles, numbers, codes): every format character (Cf) and private-use
#   character (Co) as well — nothing invisible or undefined belongs in a name;
# - a text of several lines (reasons, PAKN contents, answers, notes): the format characters that join emoji and
#   hyphenate words (ZWJ, ZWNJ, soft hyphen, emoji tags) and private-use symbols (Word's pasted bullets) are kept.
# Combining marks (Mn: Vietnamese tones typed decomposed) are letters' parts, never refused; TAB/LF/CR are
# whitespace (a single-line value's are collapsed by `nfc`, a text's line breaks kept by `nfc_lines`).

_HIDING = (
    [0x061C, 0x180E, 0x200B, 0x200E, 0x200F, 0xFEFF]  # ALM, MVS, ZWSP, LRM, RLM, BOM
    + list(range(0x202A, 0x202F))  # LRE RLE PDF LRO RLO
    + list(range(0x2060, 0x2070))  # word joiner, invisible operators, LRI RLI FSI PDI, deprecated format
    + list(range(0xFFF9, 0xFFFC))  # interlinear annotation
)


def _ranges(codes) -> str:
    """A regular expression's character class body for these code points, in runs."""
    codes = sorted(codes)
    parts, i = [], 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        first, last = codes[i], codes[j]
        parts.append(re.escape(chr(first)) + ("-" + re.escape(chr(last)) if last > first else ""))
        i = j + 1
    return "".join(parts)


@functools.cache
def _refused(lines: bool) -> tuple[re.Pattern, frozenset]:
    """The characters `bad_char` refuses: a compiled class of those of the Basic Multilingual Plane, which also
    stops at any character beyond it (a class of astral ranges makes every search several times slower), and the
    set of astral ones. Built once per process from this Python's Unicode database (format characters live below
    U+20000 and in the tag block)."""
    codes = [c for c in range(0x20) if chr(c) not in "\t\n\r"] + list(range(0x7F, 0xA0))
    codes += list(range(0xD800, 0xE000)) + list(range(0xFDD0, 0xFDF0))
    codes += [plane + low for plane in range(0, 0x110000, 0x10000) for low in (0xFFFE, 0xFFFF)]
    if lines:
        codes += _HIDING
    else:
        for c in (*range(0xA0, 0x20000), *range(0xE0000, 0xE1000)):
            if unicodedata.category(chr(c)) == "Cf":
                codes.append(c)
        codes += [*range(0xE000, 0xF900), *range(0xF0000, 0xFFFFE), *range(0x100000, 0x10FFFE)]
    bmp = {c for c in codes if c <= 0xFFFF}
    return re.compile(f"[{_ranges(bmp)}\U00010000-\U0010ffff]"), frozenset(
        chr(c) for c in codes if c > 0xFFFF
    )


def bad_char(value: str | None, *, lines: bool = False) -> tuple[int, str, str] | None:
    """The first character a value may not hold: (its position from 1, the character, its kind: 'control',
    'format' or 'noncharacter'), or None. `lines`: the value is a text of several lines (see above)."""
    if not value:
        return None
    pattern, astral = _refused(lines)
    text = str(value)
    found = pattern.search(text)
    while found is not None:
        ch = found.group()
        if ch <= "\uffff" or ch in astral:
            category = unicodedata.category(ch)
            kind = "control" if category == "Cc" else "format" if category == "Cf" else "noncharacter"
            return found.start() + 1, ch, kind
        found = pattern.search(text, found.end())  # an emoji, a rare ideograph: allowed
    return None


KINDS = {
    "control": ("ký tự điều khiển", "a control character"),
    "format": ("ký tự định dạng vô hình", "an invisible formatting character"),
    "noncharacter": ("mã không phải chữ viết", "a code that is not a written character"),
}


class BadCharacters(ValueError):
    """A value holding a character `bad_char` refuses; `message` (Vietnamese) and `message_en` name the field, the
    character (U+XXXX) and its position, for a form's field error, an API refusal or an import's bad line."""

    def __init__(self, field_vi: str | None, field_en: str | None, position: int, char: str, kind: str):
        vi, en = KINDS[kind]
        self.position, self.char, self.kind = position, char, kind
        self.codepoint = f"U+{ord(char):04X}"
        # without a field name (a form field's own error, shown beside it and after its label in the summary)
        subject_vi, subject_en = (f"{field_vi} chứa", f"{field_en} contains") if field_vi else ("Có", "Holds")
        self.message = (
            f"{subject_vi} ký tự không hợp lệ {self.codepoint} ({vi}) ở vị trí {position}: hãy xoá ký tự đó "
            "(thường lẫn vào khi sao chép từ nơi khác) rồi gửi lại."
        )
        self.message_en = (
            f"{subject_en} an invalid character {self.codepoint} ({en}) at position {position}: delete it "
            "(it often comes with text copied from elsewhere) and send again."
        )
        super().__init__(self.message_en)


def check_chars(
    value: str | None, field_vi: str | None, field_en: str | None = None, *, lines: bool = False
) -> None:
    """Raise BadCharacters naming the field (unless `field_vi` is None) when `value` holds a character `bad_char`
    refuses."""
    found = bad_char(value, lines=lines)
    if found is not None:
        raise BadCharacters(field_vi, field_en or field_vi, *found)


def check_json_chars(value, field_vi: str, field_en: str, path: str = "") -> None:
    """`check_chars` on every string of a JSON value, at any depth (a text of several lines each), and on every
    key of its objects (a single-line name); the field is named with the path to the string ("ho_ten",
    "con[0].ten")."""
    if isinstance(value, str):
        vi, en = (
            (f"{field_vi}, mục '{path}'", f"{field_en}, field '{path}'") if path else (field_vi, field_en)
        )
        check_chars(value, vi, en, lines=True)
    elif isinstance(value, dict):
        for key, item in value.items():
            key = str(key)
            inner = f"{path}.{key}" if path else key
            check_chars(key, f"{field_vi}, tên mục '{inner}'", f"{field_en}, the name of field '{inner}'")
            check_json_chars(item, field_vi, field_en, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_json_chars(item, field_vi, field_en, f"{path}[{index}]")


def check_text(value: str | None, field_vi: str, field_en: str | None = None, *, lines: bool = False) -> None:
    """`check_chars` for the services: a refusal is `Unprocessable` (422 on the API, `bad_characters` as the NUL
    refusal), with both messages."""
    try:
        check_chars(value, field_vi, field_en, lines=lines)
    except BadCharacters as exc:
        raise refusal(exc) from exc


def refusal(exc: BadCharacters):
    """The services' refusal of a BadCharacters: `Unprocessable` (422 on the API), code `bad_characters` as the
    NUL refusal's."""
    from .errors import Unprocessable

    return Unprocessable(exc.message, exc.message_en, code="bad_characters")


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


_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def identifier_form(value: str | None) -> str:
    """An agency's electronic identifier as an operator or integrator typed it → the stored form: surrounding
    whitespace removed, a-z upper-cased (Decision 20/2020/QĐ-TTg identifiers are groups of 0-9 and A-Z, so
    `000.00.21.h26` is `000.00.21.H26`). Only ASCII letters change ('ß' does not become 'SS'); what is still not an
    identifier is left for the caller to refuse or not find. None → ''. The one place this rule lives: every
    command option, API parameter, import field and admin form that takes an identifier goes through it."""
    return str(value or "").strip().translate(_ASCII_UPPER)


# what a code copied from a Word document, a PDF or a web page may carry: invisible characters (zero-width space
# and joiners, byte order mark, soft hyphen) dropped, and the dashes a word processor puts for "-" read as "-"
_PASTED = str.maketrans(
    {"\u200b": None, "\u200c": None, "\u200d": None, "\u2060": None, "\ufeff": None, "\u00ad": None}
    | dict.fromkeys(("\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2212"), "-")
)


def unpaste(text: str) -> str:
    """A code as copied from a Word document, a PDF or a web page, with its invisible characters dropped and its
    word-processor dashes read as "-"."""
    return text.translate(_PASTED)


def code_forms(value: str | None) -> list[str]:
    """The forms a typed dossier code is looked up by: without spaces (and what unpaste drops), as typed and
    upper-cased (contract §3 codes are upper case; an imported code is kept as it came, so it is tried as typed
    first). '' for nothing typed → []."""
    code = re.sub(r"\s+", "", unpaste(unicodedata.normalize("NFC", str(value or ""))))
    return list(dict.fromkeys((code, code.upper()))) if code else []


def dong(value) -> str:
    """An amount in đồng as Vietnamese write it: 1400000 → '1.400.000 đồng' ('' when it is not a number)."""
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    try:
        amount = Decimal(str(value)).to_integral_value(ROUND_HALF_UP)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return f"{int(amount):,}".replace(",", ".") + " đồng"


def size_text(n: int, en: bool = False) -> str:
    """A size as the pages and messages say it: "20 MB", "1,5 MB", "512 KB", "300 byte". Vietnamese writes the
    decimal comma ("1,5 MB"); `en` gives the English point ("1.5 MB")."""
    if n >= 1024 * 1024:
        shown = f"{n / (1024 * 1024):.1f}".rstrip("0").rstrip(".") + " MB"
    elif n >= 1024:
        shown = f"{n / 1024:.0f} KB"
    else:
        return f"{n} byte"
    return shown if en else shown.replace(".", ",")


def size_over_text(n: int, limit: int, en: bool = False) -> str:
    """The size `n` of something over `limit`, said so that it differs from the limit's size_text: 21,000,000 bytes
    over a 20 MB limit is "20,03 MB" ("20.03 MB" in English), not "20 MB" (as if it were the limit)."""
    shown = size_text(n, en)
    if n <= limit or shown != size_text(limit, en):
        return shown
    unit, name = (1024 * 1024, "MB") if n >= 1024 * 1024 else (1024, "KB") if n >= 1024 else (1, "byte")
    for digits in (2, 3, 4):
        shown = f"{n / unit:.{digits}f} {name}"
        if shown != f"{limit / unit:.{digits}f} {name}":
            return shown if en else shown.replace(".", ",")
    return f"{n} byte"
