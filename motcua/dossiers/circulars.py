"""Which circular's form set a printed form follows, by the form's date.

The one-stop forms are numbered by the Government Office's circular in force when they are issued (rules §0, §2):
- Circular 01/2018/TT-VPCP (23/11/2018, effective 06/01/2019), guiding Decree 61/2018/NĐ-CP: six forms — 01 receipt,
  02 supplement request, 03 refusal, 04 "Phiếu xin lỗi và hẹn lại ngày trả kết quả", 05 control slip, 06 tracking
  book; no stop notice among them [V, rules §2.1].
- Circular 03/2025/TT-VPCP (15/09/2025), guiding Decree 118/2025/NĐ-CP: seven forms (Phụ lục I) — 01 receipt,
  02 supplement request, 03 refusal, 04 "Phiếu xin lỗi và đề nghị gia hạn thời gian giải quyết", 05 stop notice,
  06 control slip, 07 tracking book [P, rules §2.2; 01 and 06 verified].

Where the two circulars word a form's line differently (`FormCircular.texts`): Circular 03/2025's wording is read
from the national templates as a ministry reproduced them (MOH Decision 3621/QĐ-BYT, BM.01–06, rules §2.3 [P]);
Circular 01/2018's is kept as the forms printed it before [U]. Form 04 is signed "(Ký và ghi rõ họ tên)" by the
head of the agency in the 2025 template, with "(Chữ ký số của … nếu là biểu mẫu điện tử)" under the signature
blocks of Forms 01–04; the 2018 apology kept its seal line.

The day Circular 03/2025 took effect is not verified [U]: the default is its date of signing, the earliest it can
apply. An installation sets the table (`MOTCUA_FORM_CIRCULARS` in the settings: a list of dicts with the keys of
`FormCircular`, `effective_from` as a date or "YYYY-MM-DD") when the exact day, or a province's transition, differs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings


@dataclass(frozen=True)
class FormCircular:
    code: str  # "03/2025/TT-VPCP", as the forms cite it ("Thông tư số 03/2025/TT-VPCP")
    effective_from: dt.date
    # form key (pdf.FORMS, "tracking") -> its number in the circular; a key absent: the form is not numbered there
    numbers: dict[str, str]
    # a form's title where this circular words it otherwise than pdf.FORMS
    titles: dict[str, str] = field(default_factory=dict)
    # lines this circular words its own way, by key (TEXT_KEYS); a key absent: the line is not printed
    texts: dict[str, str] = field(default_factory=dict)

    def text(self, key: str) -> str:
        return self.texts.get(key, "")


# the keys of `FormCircular.texts`
TEXT_KEYS = (
    "apology_sign_hint",  # the hint under "Thủ trưởng cơ quan, đơn vị" on Form 04
    "digital_signature_note",  # under a signature block of Forms 01–04: "(Chữ ký số của {signer} …)"
)


CIRCULAR_01_2018 = FormCircular(
    code="01/2018/TT-VPCP",
    effective_from=dt.date(2019, 1, 6),
    numbers={
        "receipt": "01",
        "supplement": "02",
        "refusal": "03",
        "apology": "04",
        "control": "05",
        "tracking": "06",
    },
    titles={"apology": "Phiếu xin lỗi và hẹn lại ngày trả kết quả"},
    texts={"apology_sign_hint": "(Ký, ghi rõ họ tên và đóng dấu)"},  # [U]
)
CIRCULAR_03_2025 = FormCircular(
    code="03/2025/TT-VPCP",
    effective_from=dt.date(2025, 9, 15),  # [U] the date of signing; the effective day is not verified
    numbers={
        "receipt": "01",
        "supplement": "02",
        "refusal": "03",
        "apology": "04",
        "stop": "05",
        "control": "06",
        "tracking": "07",
    },
    texts={
        "apology_sign_hint": "(Ký và ghi rõ họ tên)",  # [P] MOH 3621/QĐ-BYT BM.04
        "digital_signature_note": "(Chữ ký số của {signer} nếu là biểu mẫu điện tử)",  # [P] BM.01–04
    },
)
DEFAULT_FORM_CIRCULARS = (CIRCULAR_01_2018, CIRCULAR_03_2025)


def _from_setting(entry) -> FormCircular:
    if isinstance(entry, FormCircular):
        return entry
    start = entry["effective_from"]
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    return FormCircular(
        code=entry["code"],
        effective_from=start,
        numbers=dict(entry.get("numbers") or {}),
        titles=dict(entry.get("titles") or {}),
        texts=dict(entry.get("texts") or {}),
    )


def form_circulars() -> list[FormCircular]:
    """The table in force (the setting's, else the default), oldest first."""
    configured = getattr(settings, "MOTCUA_FORM_CIRCULARS", None)
    table = [_from_setting(e) for e in configured] if configured else list(DEFAULT_FORM_CIRCULARS)
    return sorted(table, key=lambda c: c.effective_from)


def circular_on(day: dt.date) -> FormCircular:
    """The circular whose forms apply to a form dated `day`: the latest one in effect that day (the oldest one for a
    day before every entry, e.g. a dossier imported from before 2019)."""
    table = form_circulars()
    chosen = table[0]
    for c in table:
        if c.effective_from <= day:
            chosen = c
    return chosen
