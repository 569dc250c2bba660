"""Catalogue import and export.

- `import_procedures(records, ...)`: procedures in the shape of `reference/procedures.json` (JSON, or CSV/XLSX with the
  same columns, nested `source` flattened as `source.document`, `source.file`, ... or kept whole as JSON text in a
  `source` column).
- `import_processes(records, ...)`: internal processes in the shape of `reference/internal_processes.json`.
- `export_procedures(dest, ...)`: the catalogue as XLSX (or CSV) with the import's columns (round trip).

Both imports are all-or-nothing (one transaction; any bad record: nothing stored, every bad record listed with its
number and a Vietnamese + English reason), idempotent (a content hash per record: re-importing the same file changes
nothing), and support a dry run (the same work, rolled back). A changed procedure record never edits a published
version (dossiers may use it): it adds a NEW version from its effective date.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.text import slugify

from motcua.core import strictjson
from motcua.core.dates import YEARS_RULE, in_supported_years, parse_day
from motcua.core.errors import Unprocessable
from motcua.core.text import BadCharacters, check_chars, check_json_chars, fold, identifier_form, nfc
from motcua.org.models import Agency, Role

from .eforms import check_form_fields, yes_no
from .models import (
    CODE_RE,
    HOURS_PER_DAY,
    MAX_LIMIT_DAYS,
    STEP_ROLES,
    Field,
    Level,
    OnlineLevel,
    Procedure,
    ProcedureComponent,
    ProcedureVersion,
    ProcessStep,
    ProcessTemplate,
    registered_days_at,
)

# Columns of the flat formats (CSV/XLSX), in export order. JSON uses the same names with `source` nested.
SOURCE_KEYS = ["document", "file", "repo", "province"]
COLUMNS = [
    "code",
    "name",
    "field",
    "level",
    "level_vi",
    "effective_from",
    "legal_days",
    "legal_hours",
    "registered_days",
    "days_basis",
    "time_text",
    "fee_text",
    "agency",
    "deciding_agency",
    "online_level",
    "subjects",
    "result",
    "conditions",
    "legal_basis",
    "notes",
    *[f"source.{k}" for k in SOURCE_KEYS],
    "components",
    "form_fields",
]

LEVEL_VI = {
    Level.PROVINCE: "Cấp tỉnh",
    Level.COMMUNE: "Cấp xã",
    Level.DISTRICT: "Cấp huyện",
    Level.CENTRAL: "Cấp trung ương",
}
ONLINE_OUT = {OnlineLevel.FULL: "toàn trình", OnlineLevel.PARTIAL: "một phần", OnlineLevel.NONE: None}
MAX_DAYS = Decimal("99999")
# a number written with thousands groups ("1.000", "12,500", "1.000.000"): the mark is ambiguous, see _number
GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}([.,]\d{3})+")
# A time limit or a step's budget is at most what the calendar computes (workdays.services.MAX_WORKING_DAYS):
# a longer one would only fail when a citizen's dossier is received under it.
MAX_LIMIT_HOURS = MAX_LIMIT_DAYS * HOURS_PER_DAY


class ImportFileError(Unprocessable):
    """The file itself cannot be read (format, encoding, shape)."""


# --------------------------------------------------------------------------------------------------- reports


@dataclass
class Problem:
    record: int | None
    code: str
    message: str
    message_en: str
    line: int | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"Bản ghi {self.record}" if self.record is not None else "Tệp"
        if self.line is not None:
            where += f" (dòng {self.line})"
        if self.code:
            where += f" [{self.code}]"
        label = "LỖI" if self.severity == "error" else "CẢNH BÁO"
        return f"{label} {where}: {self.message} / {self.message_en}"

    def as_dict(self) -> dict:
        return {
            "record": self.record,
            "line": self.line,
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
            "severity": self.severity,
        }


@dataclass
class ImportReport:
    kind: str
    dry_run: bool
    total: int = 0
    created: int = 0  # new procedures / new process templates
    new_versions: int = 0  # procedures: versions added to existing procedures; processes: templates replaced
    unchanged: int = 0
    fields_created: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def stored(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        what = "thủ tục" if self.kind == "procedures" else "quy trình"
        changed = "phiên bản mới" if self.kind == "procedures" else "cập nhật"
        head = "Chạy thử (không lưu gì)" if self.dry_run else ("Đã nhập" if self.ok else "KHÔNG nhập gì")
        head_en = (
            "Dry run (nothing stored)" if self.dry_run else ("Imported" if self.ok else "NOTHING imported")
        )
        fields_vi = f", lĩnh vực mới {self.fields_created}" if self.kind == "procedures" else ""
        fields_en = f", new fields {self.fields_created}" if self.kind == "procedures" else ""
        # a process record shared by several procedures (also_applies_to) makes one process per procedure: the counts
        # after the records' are of processes, and say so
        per_vi = " (tính theo thủ tục áp dụng)" if self.kind == "processes" else ""
        per_en = " (counted per procedure it applies to)" if self.kind == "processes" else ""
        return (
            f"{head}: {self.total} bản ghi {what}; mới {self.created}, {changed} {self.new_versions}, "
            f"không đổi {self.unchanged}{per_vi}{fields_vi}; lỗi {len(self.errors)}, cảnh báo {len(self.warnings)}. / "
            f"{head_en}: {self.total} records; new {self.created}, "
            f"{'new versions' if self.kind == 'procedures' else 'updated'} {self.new_versions}, unchanged "
            f"{self.unchanged}{per_en}{fields_en}; errors {len(self.errors)}, warnings {len(self.warnings)}."
        )

    def lines(self) -> list[str]:
        return [str(p) for p in self.errors] + [str(p) for p in self.warnings] + [self.summary()]

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "dry_run": self.dry_run,
            "ok": self.ok,
            "total": self.total,
            "created": self.created,
            "new_versions": self.new_versions,
            "unchanged": self.unchanged,
            "fields_created": self.fields_created,
            "errors": [p.as_dict() for p in self.errors],
            "warnings": [p.as_dict() for p in self.warnings],
        }


@dataclass
class RawRecord:
    number: int  # 1-based position in the file
    data: dict
    line: int | None = None  # line (CSV) or row (XLSX) where the record starts


# --------------------------------------------------------------------------------------------------- reading


def read_records(path: str | Path, *, root_key: str = "procedures") -> list[RawRecord]:
    """Read a JSON array, a CSV (UTF-8, header row) or an XLSX (first sheet, header row) into raw records."""
    path = Path(path)
    if not path.exists():
        raise ImportFileError(f"Không tìm thấy tệp: {path}", f"File not found: {path}")
    if path.is_dir():
        raise ImportFileError(f"'{path}' là thư mục, không phải tệp.", f"'{path}' is a folder, not a file.")
    with open(path, "rb") as fh:  # an empty file (an export that failed, a copy not finished) is a mistake
        head = fh.read(4096)
        if len(head) < 4096 and not head.removeprefix(b"\xef\xbb\xbf").strip():
            raise ImportFileError(
                f"Tệp '{path}' trống: không có dữ liệu để nhập.",
                f"'{path}' is empty: there is nothing to import.",
            )
    suffix = path.suffix.lower()
    if suffix == ".json":
        records = _read_json(path.read_bytes(), root_key=root_key)
    elif suffix == ".csv":
        records = _read_csv(path.read_bytes())
    elif suffix in (".xlsx", ".xlsm"):
        records = _read_xlsx(path)
    else:
        raise ImportFileError(
            f"Định dạng tệp không hỗ trợ '{suffix}': dùng .json, .csv hoặc .xlsx.",
            f"Unsupported file type '{suffix}': use .json, .csv or .xlsx.",
        )
    return records  # none (a header row alone, []): an empty catalogue, reported as "0 records"


def _check_header(header: list[str]) -> None:
    """A table's header naming a column twice: the last one's values were taken, without a word."""
    seen, twice = set(), []
    for name in header:
        if name and name in seen and name not in twice:
            twice.append(name)
        seen.add(name)
    if twice:
        names = ", ".join(f"'{n}'" for n in twice)
        raise ImportFileError(
            f"Dòng tên cột có cột trùng tên: {names}. Mỗi cột chỉ được có một lần; xóa cột thừa rồi nhập lại.",
            f"The header row names a column twice: {names}. Each column may appear once; remove the extra one and "
            "import again.",
        )


def _read_json(raw: bytes, *, root_key: str) -> list[RawRecord]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # saved as Windows-1258 or Latin-1, or as UTF-16 by Notepad
        raise ImportFileError(
            "Tệp JSON phải mã hóa UTF-8.", f"The JSON file must be UTF-8 encoded ({exc})."
        ) from exc
    try:
        data = strictjson.loads(text)
    except json.JSONDecodeError as exc:  # where and what in Vietnamese too, not the parser's English alone
        raise ImportFileError(
            f"Tệp JSON không hợp lệ ở {strictjson.error_vi(exc)}.", f"Invalid JSON file: {exc}"
        ) from exc
    except ValueError as exc:
        raise ImportFileError(f"Tệp JSON không hợp lệ: {exc}", f"Invalid JSON file: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get(root_key), list):
        data = data[root_key]
    if not isinstance(data, list):
        raise ImportFileError(
            "Tệp JSON phải là một mảng các bản ghi.", "The JSON file must be an array of records."
        )
    return [
        RawRecord(i, item if isinstance(item, dict) else {"__invalid__": item})
        for i, item in enumerate(data, 1)
    ]


def _read_csv(raw: bytes) -> list[RawRecord]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            "Tệp CSV phải mã hóa UTF-8 (có thể tệp được lưu bằng Windows-1258 hoặc ANSI): trong Excel chọn Lưu thành "
            "'CSV UTF-8 (Comma delimited)', hoặc dùng tệp XLSX.",
            f"The CSV file must be UTF-8 encoded ({exc}; perhaps saved as Windows-1258 or ANSI): in Excel choose "
            "Save As 'CSV UTF-8 (Comma delimited)', or use the XLSX file.",
        ) from exc
    # The delimiter is whichever of , ; TAB the header row uses most (Excel in Vietnamese locales writes ';').
    header_line = text.split("\n", 1)[0]
    delimiter = max([",", ";", "\t"], key=header_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return []
    header = [h.strip() for h in header]
    _check_header(header)
    records: list[RawRecord] = []
    start = reader.line_num + 1
    number = 0
    for row in reader:
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        number += 1
        records.append(RawRecord(number, _unflatten(dict(zip(header, row, strict=False))), line=line))
    return records


def _read_xlsx(path: Path) -> list[RawRecord]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken file
        raise ImportFileError(f"Không đọc được tệp XLSX: {exc}", f"Cannot read the XLSX file: {exc}") from exc
    try:
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if not header:
            return []
        header = [str(h).strip() if h is not None else "" for h in header]
        _check_header(header)
        records: list[RawRecord] = []
        number = 0
        for row_no, row in enumerate(rows, 2):
            if not any(c is not None and str(c).strip() for c in row):
                continue
            number += 1
            records.append(RawRecord(number, _unflatten(dict(zip(header, row, strict=False))), line=row_no))
        if not records and len(wb.worksheets) > 1:
            # a cover page first, the table on the next sheet: only the first sheet is read
            others = ", ".join(f"'{w.title}'" for w in wb.worksheets[1:])
            raise ImportFileError(
                f"Trang tính đầu tiên ('{ws.title}') không có bản ghi nào; chỉ trang đầu tiên được đọc (các trang "
                f"khác: {others}). Đưa bảng danh mục lên trang đầu tiên rồi nhập lại.",
                f"The first sheet ('{ws.title}') holds no record; only the first sheet is read (the others: "
                f"{others}). Move the catalogue's table to the first sheet and import again.",
            )
        return records
    finally:
        wb.close()


def _unflatten(flat: dict) -> dict:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        if not key:
            continue
        if isinstance(value, str) and not value.strip():
            value = None
        if "." in key:
            head, tail = key.split(".", 1)
            out.setdefault(head, {})
            if isinstance(out[head], dict):
                out[head][tail] = value
        else:
            out[key] = value
    return out


# --------------------------------------------------------------------------------------------------- cleaning


class _Errors:
    def __init__(self):
        self.errors: list[tuple[str, str]] = []
        self.warnings: list[tuple[str, str]] = []

    def err(self, vi: str, en: str) -> None:
        self.errors.append((vi, en))

    def warn(self, vi: str, en: str) -> None:
        self.warnings.append((vi, en))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value))


def _code(value: Any) -> str:
    return re.sub(r"\s+", "", _text(value))


def _dec_str(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _number(value: Any, column: str, e: _Errors, high: Decimal = MAX_DAYS) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        e.err(f"'{column}' phải là số, không phải {value!r}.", f"'{column}' must be a number, not {value!r}.")
        return None
    try:
        if isinstance(value, int):
            d = Decimal(value)
        elif isinstance(value, float):
            d = Decimal(repr(value))
        elif isinstance(value, Decimal):
            d = value
        else:
            text = str(value).strip().replace(" ", "")
            if GROUPED.fullmatch(text):
                # "1.000" is a thousand to a Vietnamese reader and one to an English one; "2,500" the other way
                # round. Limits, hours and counts take at most 2 decimals, so three digits after the mark can
                # only be a thousands group: asked, never guessed (reading "1.000" as 1 altered the record).
                e.err(
                    f"'{column}': không rõ '{value}' là số nghìn hay số thập phân; viết không có dấu phân cách "
                    "hàng nghìn (1000) và dùng dấu phẩy cho phần thập phân (1,5).",
                    f"'{column}': '{value}' could be a thousand or a decimal; write it without a thousands "
                    "separator (1000), with a comma or a point for decimals (1,5 or 1.5).",
                )
                return None
            d = Decimal(text.replace(",", "."))
    except InvalidOperation:
        e.err(
            f"'{column}' phải là số (nhận được '{value}').", f"'{column}' must be a number (got '{value}')."
        )
        return None
    if not d.is_finite():
        e.err(f"'{column}' phải là số hữu hạn.", f"'{column}' must be a finite number.")
        return None
    if d < 0:
        e.err(
            f"'{column}' không được âm (nhận được {value}).",
            f"'{column}' must not be negative (got {value}).",
        )
        return None
    if d > high or d != d.quantize(Decimal("0.01")):  # the bound first: quantize cannot take 1e30
        e.err(
            f"'{column}' tối đa 2 chữ số thập phân và không quá {high:,} (nhận được {value}).".replace(
                ",", "."
            ),
            f"'{column}' takes at most 2 decimals and at most {high:,} (got {value}).",
        )
        return None
    return Decimal(_dec_str(d))


def _int(value: Any, column: str, default: int, e: _Errors) -> int:
    d = _number(value, column, e)
    if d is None:
        return default
    if d != d.to_integral_value():
        e.err(f"'{column}' phải là số nguyên.", f"'{column}' must be a whole number.")
        return default
    return int(d)


def _bool(value: Any, column: str, default: bool, e: _Errors) -> bool:
    return yes_no(value, column, default, e.errors)


def _date(value: Any, column: str, e: _Errors) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    s = str(value).strip()
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = parse_day(s)
        except ValueError:
            e.err(
                f"'{column}' không phải ngày hợp lệ '{s}': dùng YYYY-MM-DD hoặc dd/mm/yyyy.",
                f"'{column}' is not a valid date '{s}': use YYYY-MM-DD or dd/mm/yyyy.",
            )
            return None
    if not in_supported_years(day.year):  # a version effective in year 1 or 9999 is a typing slip
        e.err(f"'{column}' = '{s}' {YEARS_RULE[0]}.", f"'{column}' = '{s}' {YEARS_RULE[1]}.")
        return None
    return day


def parse_level(level: Any, level_vi: Any, e: _Errors) -> str | None:
    raw = _text(level)
    if raw:
        found = _level_from_text(raw)
        if not found:
            e.err(
                f"Cấp thực hiện không hợp lệ '{raw}': dùng province/district/commune/central hoặc "
                "'Cấp tỉnh', 'Cấp huyện', 'Cấp xã', 'Cấp trung ương'.",
                f"Unknown level '{raw}': use province/district/commune/central or the Vietnamese label.",
            )
        return found
    raw_vi = _text(level_vi)
    if raw_vi:
        found = _level_from_text(raw_vi)
        if not found:
            e.err(
                f"Cấp thực hiện không hợp lệ '{raw_vi}': dùng 'Cấp tỉnh', 'Cấp huyện', 'Cấp xã' hoặc "
                "'Cấp trung ương'.",
                f"Unknown level '{raw_vi}': use 'Cấp tỉnh', 'Cấp huyện', 'Cấp xã' or 'Cấp trung ương'.",
            )
        return found
    e.err("Thiếu cấp thực hiện (level hoặc level_vi).", "Missing level (level or level_vi).")
    return None


def _level_from_text(text: str) -> str | None:
    f = fold(text)
    if f in Level.values:
        return f
    f = re.sub(r"^cap\s+", "", f)
    for prefix, level in (
        ("tinh", Level.PROVINCE),
        ("thanh pho truc thuoc trung uong", Level.PROVINCE),
        ("huyen", Level.DISTRICT),
        ("xa", Level.COMMUNE),
        ("phuong", Level.COMMUNE),
        ("trung uong", Level.CENTRAL),
        ("bo", Level.CENTRAL),
    ):
        if f == prefix or f.startswith(prefix + " ") or f.startswith(prefix + ","):
            return level
    return None


def parse_online_level(value: Any, e: _Errors) -> str:
    f = fold(_text(value))
    if f in ("", "none", "null", "khong", "khong truc tuyen"):
        return OnlineLevel.NONE
    if f in ("toan trinh", "full", "dvc truc tuyen toan trinh", "muc 4"):
        return OnlineLevel.FULL
    if f in ("mot phan", "partial", "dvc truc tuyen mot phan", "muc 3"):
        return OnlineLevel.PARTIAL
    e.err(
        f"Mức trực tuyến không hợp lệ '{value}': dùng 'toàn trình', 'một phần' hoặc để trống.",
        f"Unknown online level '{value}': use 'toàn trình' (full), 'một phần' (partial) or leave empty.",
    )
    return OnlineLevel.NONE


_SAME_DAY = ("trong ngay", "ngay sau khi", "ngay trong ngay", "ngay khi nhan")
_HOURS_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*gio")
_COUNT_RE = re.compile(r"\d+(?:[.,]\d+)?\s*(?:ngay|gio)")


def derive_limits(
    legal_days: Decimal | None, legal_hours: Decimal | None, days_basis: str, time_text: str, e: _Errors
) -> tuple[Decimal | None, Decimal | None]:
    """Same-day records → 0 days; hour limits → legal_hours parsed from the text when it gives one figure."""
    if legal_days is not None or legal_hours is not None:
        return legal_days, legal_hours
    fb, ft = fold(days_basis), fold(time_text)
    if "immediate" in fb or "same day" in fb or any(p in fb for p in _SAME_DAY):
        return Decimal(0), None
    if any(p in ft for p in _SAME_DAY) and not _COUNT_RE.search(ft):
        return Decimal(0), None
    if "hour" in fb or "gio" in fb or _HOURS_RE.search(ft):
        hours = sorted({Decimal(x.replace(",", ".")) for x in _HOURS_RE.findall(ft)})
        if len(hours) == 1:
            return None, Decimal(_dec_str(hours[0]))
        if hours:
            listed = ", ".join(_dec_str(h) for h in hours)
            e.warn(
                f"Thời hạn theo giờ có nhiều trường hợp ({listed} giờ): để trống legal_hours, xem time_text.",
                f"Several hour limits ({listed} h): legal_hours left empty, see time_text.",
            )
            return None, None
    if time_text:
        e.warn(
            "Không có một thời hạn duy nhất (nhiều trường hợp hoặc không ghi số ngày): thời hạn để trống.",
            "No single time limit (several cases or no day count): limit left empty.",
        )
    else:
        e.warn("Không có thời hạn giải quyết.", "No time limit given.")
    return None, None


def _source(value: Any, e: _Errors) -> dict[str, str]:
    """The record's `source` object: nested in JSON, flattened as `source.document`, `source.file`, … in CSV/XLSX,
    or a whole `source` column holding the JSON object (a spreadsheet written from the JSON's own keys)."""
    if value in (None, ""):
        return {}
    if isinstance(value, str):
        try:
            value = strictjson.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        e.err(
            "'source' phải là một đối tượng (JSON), hoặc dùng các cột source.document, source.file, ….",
            "'source' must be an object (JSON), or use the columns source.document, source.file, ….",
        )
        return {}
    return {str(k): _text(v) for k, v in value.items() if _text(v)}


def _components(value: Any, e: _Errors) -> list[dict]:
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        try:
            value = strictjson.loads(value)
        except ValueError:
            e.err(
                "'components' phải là danh sách JSON các thành phần hồ sơ.",
                "'components' must be a JSON list of dossier components.",
            )
            return []
    if not isinstance(value, list):
        e.err("'components' phải là danh sách.", "'components' must be a list.")
        return []
    out = []
    for i, item in enumerate(value, 1):
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, dict):
            e.err(f"Thành phần hồ sơ thứ {i} không hợp lệ.", f"Dossier component #{i} is invalid.")
            continue
        name = _text(item.get("name"))
        if not name:
            e.err(f"Thành phần hồ sơ thứ {i} thiếu tên.", f"Dossier component #{i} has no name.")
        elif len(name) > 1000:
            e.err(f"Tên thành phần hồ sơ thứ {i} quá dài.", f"Dossier component #{i}: name too long.")
        url = _text(item.get("template_url"))
        if url and not re.match(r"^https?://\S+$", url):
            e.err(
                f"Thành phần hồ sơ thứ {i}: liên kết mẫu phải bắt đầu bằng http:// hoặc https://.",
                f"Dossier component #{i}: template_url must be an http(s) link.",
            )
        out.append(
            {
                "order": i,
                "name": name,
                "originals": _int(item.get("originals"), f"components[{i}].originals", 1, e),
                "copies": _int(item.get("copies"), f"components[{i}].copies", 0, e),
                "required": _bool(item.get("required"), f"components[{i}].required", True, e),
                "note": _text(item.get("note")),
                "template_url": url,
            }
        )
    return out


def _form_fields(value: Any, e: _Errors) -> list[dict]:
    """The e-form definition, by the rules the e-form code relies on (catalog.eforms.check_form_fields, which the
    admin applies too)."""
    clean, errors = check_form_fields(value)
    for vi, en in errors:
        e.err(vi, en)
    return clean


def _limited(text: str, column: str, limit: int, e: _Errors) -> str:
    if len(text) > limit:
        e.err(f"'{column}' dài quá {limit} ký tự.", f"'{column}' is longer than {limit} characters.")
    return text


# Columns that hold a name or a code: single-line values (core.text.bad_char), every invisible character refused;
# the others (conditions, legal basis, notes, steps' tasks…) are texts of several lines.
_NAME_COLUMNS = {
    "code",
    "procedure_code",
    "name",
    "field",
    "field_code",
    "level",
    "level_vi",
    "agency",
    "deciding_agency",
    "implementing_agency",
    "online_level",
    "actor",
    "role",
}


def _check_characters(data: dict, e: _Errors) -> None:
    """A record whose texts hold a control or hiding character is a bad record, the column named (never stripped:
    a name imported so would be stored, shown and exported as it came)."""
    try:
        for key, value in data.items():
            key = str(key)
            check_chars(key, f"Tên cột '{key}'", f"The column name '{key}'")
            if isinstance(value, str):
                check_chars(value, f"Cột '{key}'", f"Column '{key}'", lines=key not in _NAME_COLUMNS)
            else:
                check_json_chars(value, f"Cột '{key}'", f"Column '{key}'")
    except BadCharacters as exc:
        e.err(exc.message, exc.message_en)


def clean_procedure(data: dict) -> tuple[dict, list[tuple[str, str]], list[tuple[str, str]]]:
    """Validate and normalise one procedure record. Returns (clean, errors, warnings); each message is (vi, en)."""
    e = _Errors()
    if "__invalid__" in data:
        e.err("Bản ghi phải là một đối tượng JSON.", "The record must be a JSON object.")
        return {"code": ""}, e.errors, e.warnings
    _check_characters(data, e)
    code = _code(data.get("code"))
    if not code:
        e.err("Thiếu mã thủ tục.", "Missing procedure code.")
    elif not CODE_RE.match(code) or len(code) > 40:
        e.err(
            f"Mã thủ tục không hợp lệ '{code}': dạng d.dddddd, có thể thêm hậu tố địa phương như 1.001612.H26.",
            f"Invalid procedure code '{code}': d.dddddd, optionally with a local suffix such as 1.001612.H26.",
        )
    name = _limited(_text(data.get("name")), "name", 1000, e)
    if not name:
        e.err("Thiếu tên thủ tục.", "Missing procedure name.")
    field_name = _limited(_text(data.get("field")), "field", 255, e)
    if not field_name:
        e.err("Thiếu lĩnh vực.", "Missing field (lĩnh vực).")
    level = parse_level(data.get("level"), data.get("level_vi"), e)
    legal_days = _number(data.get("legal_days"), "legal_days", e, MAX_LIMIT_DAYS)
    legal_hours = _number(data.get("legal_hours"), "legal_hours", e, MAX_LIMIT_HOURS)
    registered_days = _number(data.get("registered_days"), "registered_days", e, MAX_LIMIT_DAYS)
    days_basis = _limited(_text(data.get("days_basis")), "days_basis", 200, e)
    time_text = _text(data.get("time_text"))
    if legal_days is not None and legal_hours is not None:  # the hours were ignored without a word
        # (both read as numbers: one refused is named once, above)
        e.err(
            "Ghi thời hạn luật định theo ngày (legal_days) hoặc theo giờ (legal_hours), không ghi cả hai.",
            "Give the legal limit in days (legal_days) or in hours (legal_hours), not both.",
        )
    legal_days, legal_hours = derive_limits(legal_days, legal_hours, days_basis, time_text, e)
    given = {k: data.get(k) not in (None, "") for k in ("legal_days", "legal_hours")}
    if registered_days is not None and legal_days is None and legal_hours is None and not any(given.values()):
        # dossiers got the registered days while the page showed no limit at all
        e.err(
            f"Có thời hạn cắt giảm ({_dec_str(registered_days)} ngày) nhưng không có thời hạn luật định mà nó cắt "
            "giảm: ghi legal_days (hoặc legal_hours).",
            f"A registered (shortened) limit ({_dec_str(registered_days)} days) without the legal limit it "
            "shortens: give legal_days (or legal_hours).",
        )
    if registered_days == 0 and legal_days:
        e.warn(
            f"Thời hạn cắt giảm còn 0 ngày (trong ngày) so với {_dec_str(legal_days)} ngày luật định: kiểm tra lại "
            "nếu không phải ý định.",
            f"The registered limit cuts {_dec_str(legal_days)} days to 0 (same day): check it if not meant.",
        )
    if registered_days is not None and legal_days is not None and registered_days > legal_days:
        e.err(
            f"Thời hạn cắt giảm ({_dec_str(registered_days)} ngày) dài hơn thời hạn luật định "
            f"({_dec_str(legal_days)} ngày).",
            f"Registered (shortened) limit {_dec_str(registered_days)} days exceeds the legal limit "
            f"{_dec_str(legal_days)} days.",
        )
    source = _source(data.get("source"), e)
    clean = {
        "code": code,
        "name": name,
        "field": field_name,
        "level": level,
        "effective_from": _date(data.get("effective_from"), "effective_from", e),
        "legal_days": legal_days,
        "legal_hours": legal_hours,
        "registered_days": registered_days,
        "days_basis": days_basis,
        "time_text": time_text,
        "fee_text": _text(data.get("fee_text")),
        "online_level": parse_online_level(data.get("online_level"), e),
        "implementing_agency": _limited(
            _text(data.get("agency") or data.get("implementing_agency")), "agency", 500, e
        ),
        "deciding_agency": _limited(_text(data.get("deciding_agency")), "deciding_agency", 500, e),
        "subjects": _text(data.get("subjects")),
        "result": _text(data.get("result")),
        "conditions": _text(data.get("conditions")),
        "legal_basis": _text(data.get("legal_basis")),
        "notes": _text(data.get("notes")),
        "source": source,
        "components": _components(data.get("components"), e),
        "form_fields": _form_fields(data.get("form_fields"), e),
    }
    _limited(source.get("document", ""), "source.document", 500, e)
    return clean, e.errors, e.warnings


def _hash(payload: Any) -> str:
    def default(o):
        if isinstance(o, Decimal):
            return _dec_str(o)
        if isinstance(o, (dt.date, dt.datetime)):
            return o.isoformat()
        raise TypeError(type(o))

    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def procedure_hash(clean: dict) -> str:
    return _hash({k: v for k, v in clean.items() if k != "effective_from"})


# --------------------------------------------------------------------------------------------------- procedures


def field_for_name(name: str) -> tuple[Field, bool]:
    """The field (lĩnh vực) with this name, created with a slug code when new."""
    name = nfc(name)
    existing = Field.objects.filter(name=name).first()
    if existing:
        return existing, False
    base = slugify(fold(name))[:90] or "linh-vuc"
    code, n = base, 2
    while Field.objects.filter(code=code).exists():
        code, n = f"{base}-{n}", n + 1
    return Field.objects.create(code=code, name=name), True


# The columns (JSON keys) a procedure record may have; `source.*` columns make the `source` object.
KNOWN_KEYS = frozenset([*(c.split(".", 1)[0] for c in COLUMNS), "implementing_agency"])


def _check_columns(records: list[RawRecord], report: ImportReport) -> set[str]:
    """Columns the import does not read: one that looks like a known column ('legal_day', 'registerd_days') is a
    typo that would silently drop its values, so an error for the file; any other is ignored with a warning.
    Returns the misspelt ones."""
    unknown = sorted({k for r in records for k in r.data if k not in KNOWN_KEYS and k != "__invalid__"})
    misspelt = set()
    for key in unknown:
        close = difflib.get_close_matches(key.lower(), sorted(KNOWN_KEYS), n=1, cutoff=0.6)
        if close:
            misspelt.add(key)
            report.errors.append(
                Problem(
                    None,
                    "",
                    f"Cột '{key}' không có trong mẫu nhập (có phải '{close[0]}'?): sửa tên cột rồi nhập lại.",
                    f"Unknown column '{key}' (did you mean '{close[0]}'?): fix the column name and import again.",
                )
            )
        else:
            report.warnings.append(
                Problem(
                    None,
                    "",
                    f"Cột '{key}' không có trong mẫu nhập: bỏ qua.",
                    f"Unknown column '{key}': ignored.",
                    severity="warning",
                )
            )
    return misspelt


def _looks_like(records: list[RawRecord], keys: tuple[str, ...]) -> bool:
    """True when every record has all of `keys`: the file is the other import's (the reference data's
    internal_processes.json given to import-procedures, or the reverse), which would otherwise be reported as
    dozens of missing columns on every record."""
    return bool(records) and all(all(k in r.data for k in keys) for r in records)


def import_procedures_file(path: str | Path, **kwargs) -> ImportReport:
    records = read_records(path)
    if _looks_like(records, ("procedure_code", "steps")):
        raise ImportFileError(
            "Tệp này là quy trình nội bộ (có 'procedure_code' và 'steps'), không phải danh mục thủ tục: nhập bằng "
            "motcua import-processes.",
            "This file holds internal processes ('procedure_code' and 'steps'), not procedures: import it with "
            "motcua import-processes.",
        )
    if Path(path).suffix.lower() in (".csv", ".xlsx", ".xlsm") and records:
        missing = _missing_columns(records)
        if missing:
            return _refused_for_columns(records, missing, dry_run=kwargs.get("dry_run", False))
    return import_procedures(records, **kwargs)


def _missing_columns(records: list[RawRecord]) -> list[str]:
    """The required columns a table's header lacks (a CSV/XLSX record has every column of the header)."""
    columns = {k for r in records for k in r.data}
    missing = [c for c in ("code", "name", "field") if c not in columns]
    if "level" not in columns and "level_vi" not in columns:
        missing.append("level")
    return missing


def _refused_for_columns(records: list[RawRecord], missing: list[str], *, dry_run: bool) -> ImportReport:
    """A table without a required column, refused once for the file: each of its rows said "Thiếu mã thủ tục…",
    four lines a row for a sheet with translated headings ("Mã thủ tục", "Tên thủ tục"), hundreds for a catalogue.
    The header's unknown columns are named as usual (with the column meant when one is close)."""
    report = ImportReport(kind="procedures", dry_run=dry_run, total=len(records))
    _check_columns(records, report)
    names_vi = ", ".join("'level' (hoặc 'level_vi')" if c == "level" else f"'{c}'" for c in missing)
    names_en = ", ".join("'level' (or 'level_vi')" if c == "level" else f"'{c}'" for c in missing)
    report.errors.insert(
        0,
        Problem(
            None,
            "",
            f"Thiếu cột bắt buộc {names_vi}. Dòng đầu của bảng phải là tên cột như tệp motcua export-procedures "
            "xuất ra (code, name, field, level, legal_days…); chưa kiểm tra bản ghi nào.",
            f"Missing required column {names_en}. The table's first row must name the columns as "
            "motcua export-procedures writes them (code, name, field, level, legal_days…); no record was checked.",
        ),
    )
    return report


def import_procedures(
    records: list[RawRecord] | list[dict],
    *,
    effective_from: dt.date | None = None,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> ImportReport:
    """Import procedure records (all-or-nothing, idempotent). See the module docstring."""
    records = _as_raw(records)
    today = today or timezone.localdate()
    report = ImportReport(kind="procedures", dry_run=dry_run, total=len(records))
    misspelt = _check_columns(records, report)
    cleaned: list[tuple[RawRecord, dict]] = []
    seen: dict[tuple[str, dt.date | None], int] = {}
    for rec in records:
        if misspelt.intersection(rec.data):
            # read without the misspelt column, the record would differ from what was meant: on a re-import each
            # such record was also "a version … already exists with different content: give a new effective
            # date", the wrong fix, once per row of a table. The file's error says what to correct.
            continue
        clean, errors, warnings = clean_procedure(rec.data)
        code = clean.get("code", "")
        for vi, en in warnings:
            report.warnings.append(Problem(rec.number, code, vi, en, rec.line, "warning"))
        for vi, en in errors:
            report.errors.append(Problem(rec.number, code, vi, en, rec.line))
        if errors:
            continue
        key = (code, clean["effective_from"])
        if key in seen:
            report.errors.append(
                Problem(
                    rec.number,
                    code,
                    f"Mã {code} đã có ở bản ghi {seen[key]} với cùng ngày hiệu lực.",
                    f"Code {code} already appears in record {seen[key]} with the same effective date.",
                    rec.line,
                )
            )
            continue
        seen[key] = rec.number
        cleaned.append((rec, clean))

    # Records of one procedure are applied in date order so each new version lands after the previous one.
    def order(item):
        _rec, clean = item
        return (clean["code"], clean["effective_from"] or effective_from or today)

    with transaction.atomic():
        touched: set[int] = set()
        for rec, clean in sorted(cleaned, key=order):
            try:
                with transaction.atomic():
                    pk = _apply_procedure(rec, clean, report, effective_from=effective_from, today=today)
                if pk:
                    touched.add(pk)
            except (ValidationError, DatabaseError) as exc:
                report.errors.append(
                    Problem(
                        rec.number,
                        clean["code"],
                        f"Không lưu được: {exc}",
                        f"Could not be stored: {exc}",
                        rec.line,
                    )
                )
        for proc in Procedure.objects.filter(pk__in=touched):
            sync_procedure_mirror(proc, today=today)
        if report.errors or dry_run:
            transaction.set_rollback(True)
    report.errors.sort(key=lambda p: p.record or 0)
    report.warnings.sort(key=lambda p: p.record or 0)
    return report


def _apply_procedure(
    rec: RawRecord, clean: dict, report: ImportReport, *, effective_from: dt.date | None, today: dt.date
) -> int | None:
    explicit = clean["effective_from"] or effective_from
    when = explicit or today
    digest = procedure_hash(clean)
    proc = Procedure.objects.filter(code=clean["code"]).first()
    if proc is not None:
        at = proc.version_at(when)
        if at is not None and at.content_hash == digest:
            report.unchanged += 1
            return None
        if not explicit:
            latest = proc.versions.order_by("-effective_from").first()
            if latest is not None and latest.content_hash == digest:
                report.unchanged += 1
                return None
        if at is not None and at.effective_from == when:
            report.errors.append(
                Problem(
                    rec.number,
                    clean["code"],
                    f"Đã có phiên bản hiệu lực từ {when:%d/%m/%Y} với nội dung khác. Không sửa phiên bản đã công "
                    "bố (hồ sơ có thể đang dùng): ghi ngày hiệu lực mới (effective_from hoặc --effective-from).",
                    f"A version effective from {when:%Y-%m-%d} already exists with different content. Published "
                    "versions are never edited (dossiers may use them): give a new effective date "
                    "(effective_from or --effective-from).",
                    rec.line,
                )
            )
            return None
    field_obj, created = field_for_name(clean["field"])
    report.fields_created += int(created)
    if proc is None:
        proc = Procedure(code=clean["code"], name=clean["name"], field=field_obj, level=clean["level"])
        proc.save()
        report.created += 1
    else:
        report.new_versions += 1
    version = ProcedureVersion(
        procedure=proc,
        effective_from=when,
        name=clean["name"],
        field=field_obj,
        level=clean["level"],
        legal_days=clean["legal_days"],
        legal_hours=clean["legal_hours"],
        registered_days=clean["registered_days"],
        days_basis=clean["days_basis"],
        time_text=clean["time_text"],
        fee_text=clean["fee_text"],
        online_level=clean["online_level"],
        implementing_agency=clean["implementing_agency"],
        deciding_agency=clean["deciding_agency"],
        subjects=clean["subjects"],
        result=clean["result"],
        conditions=clean["conditions"],
        legal_basis=clean["legal_basis"],
        notes=clean["notes"],
        source_document=clean["source"].get("document", ""),
        source=clean["source"],
        form_fields=clean["form_fields"],
        content_hash=digest,
    )
    version.clean()
    version.save()
    ProcedureComponent.objects.bulk_create(
        [
            ProcedureComponent(
                version=version,
                order=c["order"],
                name=c["name"],
                originals=c["originals"],
                copies=c["copies"],
                required=c["required"],
                note=c["note"],
                template_url=c["template_url"],
            )
            for c in clean["components"]
        ]
    )
    return proc.pk


def sync_procedure_mirror(proc: Procedure, *, today: dt.date | None = None) -> None:
    """Mirror the name, field and level of the version in force (else the earliest) onto the procedure."""
    version = proc.version_for(today or timezone.localdate())
    if version is None:
        return
    if (proc.name, proc.field_id, proc.level) != (version.name, version.field_id, version.level):
        proc.name, proc.field_id, proc.level = version.name, version.field_id, version.level
        proc.save()


def _as_raw(records) -> list[RawRecord]:
    out = []
    for i, r in enumerate(records, 1):
        if isinstance(r, RawRecord):
            out.append(r)
        else:
            out.append(RawRecord(i, r if isinstance(r, dict) else {"__invalid__": r}))
    return out


# --------------------------------------------------------------------------------------------------- processes

_OFFICER_WORDS = (
    "mot cua",
    "tn&tkq",
    "tn & tkq",
    "tn va tkq",
    "tiep nhan va tra ket qua",
    "tiep nhan va tra kq",
    "tra ket qua",
    "phuc vu hanh chinh cong",
    "ttpvhcc",
)
_UNIT_HEAD_START = ("lanh dao phong", "truong phong", "pho truong phong", "lanh dao bo phan chuyen mon")
_LEADER_START = (
    "lanh dao",
    "chu tich",
    "pho chu tich",
    "giam doc",
    "pho giam doc",
    "thu truong",
    "ubnd",
    "uy ban nhan dan",
)


def role_for_actor(actor: str) -> str:
    """Heuristic role for a workflow actor: one-stop reception → officer, head of a division → unit_head,
    leadership of the department/People's Committee → leader, clerical registry (văn thư) → officer,
    everyone else (chuyên viên, công chức xử lý, phòng chuyên môn) → specialist."""
    text = fold(actor).lstrip("-–• ").strip()
    first = re.split(r";|\s-\s", text)[0].strip()
    if first.startswith(_UNIT_HEAD_START):
        return Role.UNIT_HEAD
    if first.startswith(_LEADER_START):
        return Role.LEADER
    if any(w in first for w in _OFFICER_WORDS):
        return Role.OFFICER
    if first.startswith(("van thu", "bo phan van thu")):
        return Role.OFFICER
    return Role.SPECIALIST


_STEP_DAYS_RE = re.compile(r"(\d+(?:[.,]\d+)?|1/2)\s*ngay")
_STEP_HOURS_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*gio")


def hours_from_text(text: str) -> Decimal | None:
    """'0,5 ngày' → 4, '1/2 ngày' → 4, '04 giờ làm việc' → 4; None when the text gives no figure."""
    f = fold(text)
    m = _STEP_HOURS_RE.search(f)
    if m:
        return Decimal(m.group(1).replace(",", "."))
    m = _STEP_DAYS_RE.search(f)
    if m:
        days = Decimal("0.5") if m.group(1) == "1/2" else Decimal(m.group(1).replace(",", "."))
        return days * 8
    return None


def _codes(value: Any, e: _Errors, column: str) -> list[str]:
    if value in (None, "", []):
        return []
    items = value if isinstance(value, list) else re.split(r"[,;\s]+", str(value))
    out = []
    for item in items:
        code = _code(item)
        if not code:
            continue
        if not CODE_RE.match(code):
            e.err(
                f"'{column}': mã thủ tục không hợp lệ '{code}'.",
                f"'{column}': invalid procedure code '{code}'.",
            )
        out.append(code)
    return out


def clean_workflow(data: dict) -> tuple[dict, list[tuple[str, str]], list[tuple[str, str]]]:
    e = _Errors()
    if "__invalid__" in data:
        e.err("Bản ghi phải là một đối tượng JSON.", "The record must be a JSON object.")
        return {"procedure_code": ""}, e.errors, e.warnings
    _check_characters(data, e)
    code = _code(data.get("procedure_code") or data.get("code"))
    if not code:
        e.err("Thiếu mã thủ tục (procedure_code).", "Missing procedure_code.")
    elif not CODE_RE.match(code):
        e.err(f"Mã thủ tục không hợp lệ '{code}'.", f"Invalid procedure code '{code}'.")
    also = [c for c in _codes(data.get("also_applies_to"), e, "also_applies_to") if c != code]
    agency = identifier_form(_text(data.get("agency")))
    total_hours = _number(data.get("total_hours"), "total_hours", e, MAX_LIMIT_HOURS)
    steps_raw = data.get("steps")
    steps: list[dict] = []
    if not isinstance(steps_raw, list) or not steps_raw:
        e.err("Quy trình phải có danh sách bước (steps).", "The workflow needs a non-empty 'steps' list.")
        steps_raw = []
    orders = set()
    for i, s in enumerate(steps_raw, 1):
        if not isinstance(s, dict):
            e.err(f"Bước thứ {i} không hợp lệ.", f"Step #{i} is invalid.")
            continue
        order = _int(s.get("order"), f"steps[{i}].order", i, e)
        if order < 1 or order in orders:
            e.err(
                f"Bước thứ {i}: số thứ tự {order} trùng hoặc không hợp lệ.",
                f"Step #{i}: order {order} is duplicated or invalid.",
            )
        orders.add(order)
        actor = _text(s.get("actor"))
        if not actor:
            e.err(f"Bước thứ {i} thiếu người thực hiện (actor).", f"Step #{i} has no actor.")
        time_text = _text(s.get("time_text"))
        if "hours" in s:
            hours = _number(s.get("hours"), f"steps[{i}].hours", e, MAX_LIMIT_HOURS)
        else:
            hours = hours_from_text(time_text)
            if hours is not None and hours > MAX_LIMIT_HOURS:
                e.err(
                    f"Bước thứ {i}: thời gian '{time_text}' dài quá {MAX_LIMIT_HOURS:,} giờ làm việc.".replace(
                        ",", "."
                    ),
                    f"Step #{i}: time '{time_text}' is longer than {MAX_LIMIT_HOURS:,} working hours.",
                )
        role = _text(s.get("role"))
        if role and role not in STEP_ROLES:
            names = ", ".join(r.value for r in STEP_ROLES)
            e.err(
                f"Bước thứ {i}: vai trò '{role}' không nhận một bước của quy trình (chọn: {names}).",
                f"Step #{i}: the role '{role}' does not hold a step of a process (use one of: {names}).",
            )
        label = _text(s.get("step_label") or s.get("label"))
        steps.append(
            {
                "order": order,
                "label": label[:50],
                "actor": _limited(actor, f"steps[{i}].actor", 500, e),
                "role": role or role_for_actor(actor),
                "task": _text(s.get("task")),
                "time_text": time_text[:200],
                "hours": hours,
                "inter_agency": _bool(s.get("inter_agency"), f"steps[{i}].inter_agency", False, e),
                "partner_agency": identifier_form(_text(s.get("partner_agency"))),
                "note": _text(s.get("note")),
            }
        )
    _mark_inter_agency(steps)
    source = _source(data.get("source"), e)
    clean = {
        "procedure_code": code,
        "also_applies_to": also,
        "agency": agency,
        "total_hours": total_hours,
        "total_text": _text(data.get("total_time_text")),
        "notes": _text(data.get("notes")),
        "source": source,
        "steps": sorted(steps, key=lambda s: s["order"]),
    }
    return clean, e.errors, e.warnings


_AT_RE = re.compile(r"\(tai (.+?)\)")


def _mark_inter_agency(steps: list[dict]) -> None:
    """Labels such as 'Bước 1 (tại Văn phòng Ủy ban nhân dân tỉnh)' name where a step is done: steps at another
    place than the first step's are inter-agency (liên thông)."""
    places = [(_AT_RE.search(fold(s["label"])) or None) for s in steps]
    first = next((m.group(1) for m in places if m), None)
    if first is None:
        return
    for s, m in zip(steps, places, strict=True):
        if m and m.group(1) != first:
            s["inter_agency"] = True


def import_processes_file(path: str | Path, **kwargs) -> ImportReport:
    records = read_records(path, root_key="processes")
    if _looks_like(records, ("code", "name")) and not any("steps" in r.data for r in records):
        raise ImportFileError(
            "Tệp này là danh mục thủ tục (có 'code' và 'name', không có 'steps'), không phải quy trình nội bộ: "
            "nhập bằng motcua import-procedures.",
            "This file holds procedures ('code' and 'name', no 'steps'), not internal processes: import it with "
            "motcua import-procedures.",
        )
    return import_processes(records, **kwargs)


def import_processes(
    records: list[RawRecord] | list[dict], *, dry_run: bool = False, today: dt.date | None = None
) -> ImportReport:
    """Import internal process templates (all-or-nothing, idempotent). The step budgets must add up to the
    procedure's applied limit (limit_hours() of its current version), else to the workflow's total_hours."""
    records = _as_raw(records)
    today = today or timezone.localdate()
    report = ImportReport(kind="processes", dry_run=dry_run, total=len(records))
    seen: dict[tuple[str, str], int] = {}
    with transaction.atomic():
        for rec in records:
            clean, errors, warnings = clean_workflow(rec.data)
            code = clean.get("procedure_code", "")
            for vi, en in warnings:
                report.warnings.append(Problem(rec.number, code, vi, en, rec.line, "warning"))
            for vi, en in errors:
                report.errors.append(Problem(rec.number, code, vi, en, rec.line))
            if errors:
                continue
            problems_before = len(report.errors)
            agency = None
            if clean["agency"]:
                agency = Agency.objects.filter(identifier=clean["agency"]).first()
                if agency is None:
                    report.errors.append(
                        Problem(
                            rec.number,
                            code,
                            f"Không có cơ quan mã định danh '{clean['agency']}'.",
                            f"No agency with identifier '{clean['agency']}'.",
                            rec.line,
                        )
                    )
            partners = {}
            for s in clean["steps"]:
                ident = s["partner_agency"]
                if ident and ident not in partners:
                    partners[ident] = Agency.objects.filter(identifier=ident).first()
                    if partners[ident] is None:
                        report.errors.append(
                            Problem(
                                rec.number,
                                code,
                                f"Bước {s['order']}: không có cơ quan liên thông mã '{ident}'.",
                                f"Step {s['order']}: no partner agency with identifier '{ident}'.",
                                rec.line,
                            )
                        )
            step_sum = sum((s["hours"] for s in clean["steps"] if s["hours"] is not None), Decimal(0))
            if clean["total_hours"] is not None and step_sum != clean["total_hours"]:
                report.errors.append(
                    Problem(
                        rec.number,
                        code,
                        f"Tổng thời gian các bước ({_dec_str(step_sum)} giờ) khác tổng thời gian của quy trình "
                        f"({_dec_str(clean['total_hours'])} giờ).",
                        f"Step budgets add up to {_dec_str(step_sum)} h, not the workflow total "
                        f"{_dec_str(clean['total_hours'])} h.",
                        rec.line,
                    )
                )
            targets = []
            for target in [code, *clean["also_applies_to"]]:
                key = (target, clean["agency"])
                if key in seen:
                    report.errors.append(
                        Problem(
                            rec.number,
                            code,
                            f"Thủ tục {target} đã có quy trình ở bản ghi {seen[key]}.",
                            f"Procedure {target} already has a workflow in record {seen[key]}.",
                            rec.line,
                        )
                    )
                    continue
                seen[key] = rec.number
                proc = Procedure.objects.filter(code=target).first()
                if proc is None:
                    report.errors.append(
                        Problem(
                            rec.number,
                            code,
                            f"Chưa có thủ tục mã {target} trong danh mục: nhập danh mục thủ tục trước.",
                            f"No procedure {target} in the catalogue: import the procedures first.",
                            rec.line,
                        )
                    )
                    continue
                version = proc.version_for(today)
                limit = version.limit_hours(registered_days_at(proc, agency)) if version else None
                if limit is not None and step_sum != limit:
                    report.errors.append(
                        Problem(
                            rec.number,
                            code,
                            f"Tổng thời gian các bước ({_dec_str(step_sum)} giờ) khác thời hạn giải quyết của thủ "
                            f"tục {target} ({_dec_str(limit)} giờ làm việc).",
                            f"Step budgets add up to {_dec_str(step_sum)} h, not the time limit of procedure "
                            f"{target} ({_dec_str(limit)} working hours).",
                            rec.line,
                        )
                    )
                elif limit is None and clean["total_hours"] is None:
                    report.warnings.append(
                        Problem(
                            rec.number,
                            code,
                            f"Thủ tục {target} không có thời hạn duy nhất và quy trình không ghi tổng thời gian: "
                            "không đối chiếu được.",
                            f"Procedure {target} has no single limit and the workflow gives no total: not checked.",
                            rec.line,
                            "warning",
                        )
                    )
                targets.append((proc, limit))
            if len(report.errors) > problems_before:
                continue
            try:
                with transaction.atomic():
                    _store_templates(clean, code, agency, partners, targets, step_sum, report)
            except (ValidationError, DatabaseError) as exc:
                report.errors.append(
                    Problem(
                        rec.number, code, f"Không lưu được: {exc}", f"Could not be stored: {exc}", rec.line
                    )
                )
        if report.errors or dry_run:
            transaction.set_rollback(True)
    return report


def _store_templates(clean, code, agency, partners, targets, step_sum, report) -> None:
    for proc, limit in targets:
        notes = clean["notes"]
        if proc.code != code:
            shared = f"Dùng chung quy trình nội bộ của thủ tục {code}."
            notes = f"{notes} {shared}".strip()
        total = clean["total_hours"] if clean["total_hours"] is not None else (limit or step_sum)
        payload = {**clean, "notes": notes, "total_hours": total, "also_applies_to": None}
        digest = _hash(payload)
        template = ProcessTemplate.objects.filter(procedure=proc, agency=agency).first()
        if template is not None and template.content_hash == digest:
            report.unchanged += 1
            continue
        if template is None:
            template = ProcessTemplate(procedure=proc, agency=agency)
            report.created += 1
        else:
            template.steps.all().delete()
            report.new_versions += 1
        template.total_hours = total
        template.total_text = clean["total_text"]
        template.source = clean["source"]
        template.notes = notes
        template.content_hash = digest
        template.save()
        ProcessStep.objects.bulk_create(
            [
                ProcessStep(
                    template=template,
                    order=s["order"],
                    label=s["label"],
                    actor=s["actor"],
                    role=s["role"],
                    task=s["task"],
                    time_text=s["time_text"],
                    hours=s["hours"],
                    inter_agency=s["inter_agency"] or bool(s["partner_agency"]),
                    partner_agency=partners.get(s["partner_agency"]) if s["partner_agency"] else None,
                )
                for s in clean["steps"]
            ]
        )


# --------------------------------------------------------------------------------------------------- export


def version_row(version: ProcedureVersion, components: list[ProcedureComponent]) -> dict:
    """One version as a flat row with the import's column names (values as the importer reads them back)."""

    def num(d: Decimal | None):
        if d is None:
            return None
        return int(d) if d == d.to_integral_value() else float(d)

    row = {
        "code": version.procedure.code,
        "name": version.name,
        "field": version.field.name,
        "level": version.level,
        "level_vi": LEVEL_VI.get(version.level, ""),
        "effective_from": version.effective_from.isoformat(),
        "legal_days": num(version.legal_days),
        "legal_hours": num(version.legal_hours),
        "registered_days": num(version.registered_days),
        "days_basis": version.days_basis or None,
        "time_text": version.time_text or None,
        "fee_text": version.fee_text or None,
        "agency": version.implementing_agency or None,
        "deciding_agency": version.deciding_agency or None,
        "online_level": ONLINE_OUT.get(version.online_level),
        "subjects": version.subjects or None,
        "result": version.result or None,
        "conditions": version.conditions or None,
        "legal_basis": version.legal_basis or None,
        "notes": version.notes or None,
    }
    for key, value in (version.source or {}).items():
        row[f"source.{key}"] = value
    if components:
        items = []
        for c in components:
            item = {"name": c.name, "originals": c.originals, "copies": c.copies, "required": c.required}
            if c.note:
                item["note"] = c.note
            if c.template_url:
                item["template_url"] = c.template_url
            items.append(item)
        row["components"] = json.dumps(items, ensure_ascii=False)
    if version.form_fields:
        row["form_fields"] = json.dumps(version.form_fields, ensure_ascii=False)
    return row


def export_rows(*, current_only: bool = False, today: dt.date | None = None) -> tuple[list[str], list[dict]]:
    today = today or timezone.localdate()
    rows: list[dict] = []
    procedures = Procedure.objects.order_by("code").prefetch_related(
        "versions__components", "versions__field", "versions__procedure"
    )
    for proc in procedures:
        versions = sorted(proc.versions.all(), key=lambda v: v.effective_from)
        if current_only:
            at = [v for v in versions if v.effective_from <= today]
            versions = [at[-1]] if at else versions[:1]
        for v in versions:
            rows.append(version_row(v, sorted(v.components.all(), key=lambda c: c.order)))
    columns = list(COLUMNS)
    for row in rows:
        for key in row:
            if key not in columns:
                columns.insert(columns.index("components"), key)
    return columns, rows


def export_procedures(dest, *, current_only: bool = False, today: dt.date | None = None) -> int:
    """Write the catalogue (every version, or only the one in force) as XLSX, or CSV when `dest` ends in .csv.
    Returns the number of rows written."""
    columns, rows = export_rows(current_only=current_only, today=today)
    if str(dest).lower().endswith(".csv"):
        with open(dest, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        return len(rows)

    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "thu_tuc_hanh_chinh"
    ws.append(columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for row in rows:
        values = []
        for col in columns:
            v = row.get(col)
            if isinstance(v, str):
                v = ILLEGAL_CHARACTERS_RE.sub("", v)
            values.append(v)
        ws.append(values)
    for col_cells, width in zip(ws.columns, (16, 60, 30, 10, 12, 12), strict=False):
        ws.column_dimensions[col_cells[0].column_letter].width = width
    wb.save(dest)
    return len(rows)
