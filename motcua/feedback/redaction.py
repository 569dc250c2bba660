"""Hiding personal data in the free text of a PAKN before it is shown publicly.

What can be recognised by its shape is masked wherever it appears: e-mail addresses, dossier codes (contract §3:
`<agency identifier>-<YYMMDD>-<NNNN>`), and any run of at least nine digits however it is grouped (spaces, dots,
dashes, brackets between the groups) — 9- and 12-digit ID numbers, 10- and 13-digit tax codes, phone numbers in
every grouping, +84 numbers, bank accounts. Amounts of money written as such ("1.200.000.000 đồng") are kept.

What cannot be recognised by its shape — names, addresses — is masked when it is known: the sender's, the
applicant's and the representative's names and addresses recorded on the PAKN and its dossier, compared without
diacritics or case ("Nguyen Van An", "NGUYỄN VĂN AN"). Other free-text addresses or names cannot be found
reliably: an officer writes (or confirms) the public text of a PAKN before it is published (ADR 0016).

No Django imports: the data migration that fills the public titles uses it too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MASK = "[đã ẩn]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# contract §3: dot-separated groups of 0-9 and A-Z (the agency's identifier), the date, the day's number
_DOSSIER_CODE = re.compile(
    r"(?<![\w.])[0-9A-Za-z]{1,12}(?:\.[0-9A-Za-z]{1,12}){0,8}[ \t]*-[ \t]*\d{6}[ \t]*-[ \t]*\d{4,}(?!\d)"
)
# a run of digits with up to three separators between them (spaces, dots, dashes, brackets), maybe with '+'
_SEP = r"[ \t\u00a0.\-()]"
_DIGIT_RUN = re.compile(rf"(?<![\d+])(?:\+|\(\+?)?\d(?:{_SEP}{{0,3}}\d)*")
_MIN_DIGITS = 9
_MONEY_AFTER = re.compile(r"\s*(?:đồng|đ|vnđ|vnd|triệu|tỷ)(?!\w)", re.IGNORECASE)


def _fold_char(ch: str) -> str:
    """One character without its diacritics, lower case ('' for a lone combining mark)."""
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in base if not unicodedata.combining(c))
    return base[:1].lower() if base else ""


def _folded(text: str) -> tuple[str, list[int]]:
    """The text folded (no diacritics, lower case) and, for each folded character, its index in `text`."""
    chars, origin = [], []
    for i, ch in enumerate(text):
        f = _fold_char(ch)
        if f:
            chars.append(f)
            origin.append(i)
    return "".join(chars), origin


def _words(value: str) -> list[str]:
    folded, _origin = _folded(unicodedata.normalize("NFC", value or ""))
    return re.findall(r"\w+", folded)


def _phrase_patterns(phrases: Iterable[str]) -> list[re.Pattern]:
    """Whole-word, diacritic- and case-insensitive patterns of the known names and addresses. A name is masked
    in full and without its family name ('Văn An' of 'Nguyễn Văn An'); a one-word name is not masked alone (too
    many Vietnamese words are also given names: 'an', 'bình', 'hoà')."""
    variants: set[tuple[str, ...]] = set()
    for phrase in phrases:
        words = tuple(_words(phrase))
        if len(words) >= 2:
            variants.add(words)
        if len(words) >= 3:
            variants.add(words[1:])
    # longest first, so that the full name is masked as one
    return [
        re.compile(r"(?<!\w)" + r"\W{1,3}".join(map(re.escape, words)) + r"(?!\w)")
        for words in sorted(variants, key=len, reverse=True)
    ]


def _mask_phrases(text: str, patterns: list[re.Pattern]) -> str:
    for pattern in patterns:
        folded, origin = _folded(text)
        spans = []
        for m in pattern.finditer(folded):
            start, end = origin[m.start()], origin[m.end() - 1] + 1
            while end < len(text) and unicodedata.combining(text[end]):
                end += 1
            spans.append((start, end))
        for start, end in reversed(spans):
            text = text[:start] + MASK + text[end:]
    return text


def _mask_digit_run(match: re.Match) -> str:
    run = match.group(0)
    if sum(c.isdigit() for c in run) < _MIN_DIGITS:
        return run
    if _MONEY_AFTER.match(match.string, match.end()):
        return run
    return MASK


def redact(text: str | None, *, phrases: Iterable[str] = (), literals: Iterable[str] = ()) -> str:
    """`text` with personal data replaced by "[đã ẩn]": e-mail addresses, dossier codes, ID and tax numbers,
    phone numbers (any grouping), the known `literals` (codes, numbers: case-insensitive) and the known
    `phrases` (names, addresses: also diacritic-insensitive)."""
    text = unicodedata.normalize("NFC", text or "")
    text = _EMAIL.sub(MASK, text)
    for literal in sorted({x.strip() for x in literals if x and len(x.strip()) >= 4}, key=len, reverse=True):
        before = r"(?<!\w)" if re.match(r"\w", literal) else ""
        after = r"(?!\w)" if re.search(r"\w$", literal) else ""
        text = re.sub(before + re.escape(literal) + after, MASK, text, flags=re.IGNORECASE)
    text = _DOSSIER_CODE.sub(MASK, text)
    text = _mask_phrases(text, _phrase_patterns(phrases))
    return _DIGIT_RUN.sub(_mask_digit_run, text)


def known_personal_data(fb) -> tuple[list[str], list[str]]:
    """(phrases, literals) known for a PAKN: the names and addresses of its sender (as written on the PAKN and on
    the sender's account), of its dossier's applicant and authorised representative; the dossier code, ID numbers,
    phones and e-mails recorded there. Works on historical models too (plain attributes only)."""
    phrases = [fb.contact_name, fb.contact_address]
    literals = [fb.contact_phone, fb.contact_email]
    user = fb.user if fb.user_id else None
    if user is not None:
        first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
        phrases += [f"{first} {last}", f"{last} {first}"]
        literals += [user.email, user.username]
    dossier = fb.dossier if fb.dossier_id else None
    if dossier is not None:
        phrases += [dossier.applicant_name, dossier.applicant_address]
        literals += [
            dossier.code,
            dossier.applicant_id_number,
            dossier.applicant_phone,
            dossier.applicant_email,
        ]
        rep = dossier.representative or {}
        if isinstance(rep, dict):
            phrases += [str(rep.get("name") or ""), str(rep.get("address") or "")]
            literals += [str(rep.get(k) or "") for k in ("id_number", "phone", "email")]
    return [p for p in phrases if p], [x for x in literals if x]
