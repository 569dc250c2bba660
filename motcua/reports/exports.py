"""Exports: the TTHC statistics workbook by field (the layout agencies report in), and open data.

Open data carries aggregated counts only — per agency and field — never a dossier code, name or identifier.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from motcua.catalog.models import Field
from motcua.org.models import Agency

from . import glossary, selectors

# (header group, column label, key in the figures dict)
XLSX_COLUMNS = [
    ("Số hồ sơ nhận giải quyết", "Tổng số", "intake_total"),
    ("Số hồ sơ nhận giải quyết", "Trực tuyến", "received_online"),
    ("Số hồ sơ nhận giải quyết", "Trực tiếp, bưu chính", "received_direct"),
    ("Số hồ sơ nhận giải quyết", "Kỳ trước chuyển qua", "carried_over"),
    ("Số hồ sơ đã giải quyết", "Tổng số", "resolved"),
    ("Số hồ sơ đã giải quyết", "Trước hạn", "early"),
    ("Số hồ sơ đã giải quyết", "Đúng hạn", "on_time"),
    ("Số hồ sơ đã giải quyết", "Quá hạn", "late"),
    ("Số hồ sơ đang giải quyết", "Tổng số", "pending"),
    ("Số hồ sơ đang giải quyết", "Trong hạn", "pending_within"),
    ("Số hồ sơ đang giải quyết", "Quá hạn", "pending_overdue"),
    ("Khác", "Dừng xử lý", "stopped"),
    ("Khác", "Từ chối tiếp nhận", "refused"),
    ("Tỷ lệ (%)", "Trước và đúng hạn", "on_time_rate"),
    ("Tỷ lệ (%)", "Chỉ số 2.1 (QĐ 766)", "index_2_1"),
]
FIRST_DATA_ROW = 7
FIRST_VALUE_COL = 3


def _xlsx_figures(figures: dict) -> dict:
    out = dict(figures)
    out["received_direct"] = figures["received_counter"] + figures["received_postal"]
    out["intake_total"] = figures["received"] + figures["carried_over"]
    return out


NOT_STARTED = (
    "Kỳ báo cáo chưa bắt đầu: chưa có hồ sơ tiếp nhận, giải quyết trong kỳ; số “kỳ trước chuyển sang” và “đang giải "
    "quyết” là các hồ sơ đang giải quyết hiện nay."
)


def not_started(date_from, now=None) -> str:
    """NOT_STARTED when the period beginning on `date_from` (a date or its ISO text) has not begun, else ''. The
    pages say it (views._as_of); a file downloaded for next month said nothing and read as a report of it."""
    day = dt.date.fromisoformat(date_from) if isinstance(date_from, str) else date_from
    start = dt.datetime.combine(day, dt.time.min, tzinfo=selectors.LOCAL)
    return NOT_STARTED if start > (now or timezone.now()) else ""


def as_of_text(value: dt.datetime) -> str:
    """When the figures are counted, as the exports write it: '10:05 ngày 26/11/2026'; a local midnight is the
    end of the day before, 'hết ngày 31/03/2025' (a finished period's figures are those of its last day's end)."""
    value = value.astimezone(selectors.LOCAL)
    if value.time() == dt.time(0, 0):
        return f"hết ngày {value.date() - dt.timedelta(days=1):%d/%m/%Y}"
    return f"{value:%H:%M} ngày {value:%d/%m/%Y}"


def field_rows(*, date_from, date_to, agency=None, field=None, procedure=None, now=None) -> dict:
    data = selectors.breakdown(
        date_from=date_from,
        date_to=date_to,
        by="field",
        agency=agency,
        field=field,
        procedure=procedure,
        now=now,
    )
    return data


def xlsx_by_field(*, date_from, date_to, agency=None, field=None, procedure=None, now=None) -> bytes:
    """One row per field, a totals row; headers in two levels. Cell (row, col) positions are fixed:
    data from row 7, values from column C in the order of XLSX_COLUMNS."""
    data = field_rows(
        date_from=date_from, date_to=date_to, agency=agency, field=field, procedure=procedure, now=now
    )
    wb = Workbook()
    ws = wb.active
    ws.title = "Theo lĩnh vực"
    d1 = dt.date.fromisoformat(data["from"])
    d2 = dt.date.fromisoformat(data["to"])
    last_col = FIRST_VALUE_COL + len(XLSX_COLUMNS) - 1
    bold = Font(bold=True)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)

    ws.cell(1, 1, "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH").font = Font(bold=True, size=13)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last_col)
    ws.cell(1, 1).alignment = center
    ws.cell(2, 1, f"Kỳ báo cáo: từ ngày {d1:%d/%m/%Y} đến ngày {d2:%d/%m/%Y}")
    ws.cell(3, 1, f"Đơn vị: {agency.name} ({agency.identifier})" if agency else "Đơn vị: Toàn hệ thống")
    scope = []
    if field is not None:
        scope.append(f"Lĩnh vực: {field.name}")
    if procedure is not None:
        scope.append(f"Thủ tục: {procedure.code}")
    ws.cell(
        4,
        1,
        "; ".join(scope)
        + (" — " if scope else "")
        + f"Số liệu tính đến {as_of_text(dt.datetime.fromisoformat(data['as_of']))}"
        + (f". {notice}" if (notice := not_started(d1, now)) else ""),
    )

    ws.cell(5, 1, "STT")
    ws.cell(5, 2, "Lĩnh vực giải quyết")
    ws.merge_cells(start_row=5, start_column=1, end_row=6, end_column=1)
    ws.merge_cells(start_row=5, start_column=2, end_row=6, end_column=2)
    col = FIRST_VALUE_COL
    groups: list[tuple[str, int, int]] = []
    for group, label, _key in XLSX_COLUMNS:
        if groups and groups[-1][0] == group:
            groups[-1] = (group, groups[-1][1], col)
        else:
            groups.append((group, col, col))
        ws.cell(6, col, label)
        col += 1
    for group, c1, c2 in groups:
        ws.cell(5, c1, group)
        if c2 > c1:
            ws.merge_cells(start_row=5, start_column=c1, end_row=5, end_column=c2)
    for r in (5, 6):
        for c in range(1, last_col + 1):
            cell = ws.cell(r, c)
            cell.font = bold
            cell.alignment = center
            cell.border = border

    row = FIRST_DATA_ROW
    for i, item in enumerate(data["rows"], start=1):
        _write_row(ws, row, i, item["label"], _xlsx_figures(item), border)
        row += 1
    _write_row(ws, row, None, "Tổng cộng", _xlsx_figures(data["total"]), border)
    for c in range(1, last_col + 1):
        ws.cell(row, c).font = bold
    # under the table, what each figure counts (as the dashboards and the PDF report say)
    row += 2
    ws.cell(row, 1, "Cách tính các số liệu").font = bold
    for term, definition in glossary.vietnamese_terms():
        row += 1
        ws.cell(row, 1, f"{term}: {definition}")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
        ws.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 30

    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 42
    for c in range(FIRST_VALUE_COL, last_col + 1):
        ws.column_dimensions[get_column_letter(c)].width = 12
    ws.row_dimensions[6].height = 45
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, FIRST_VALUE_COL)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _write_row(ws, row: int, number, label: str, figures: dict, border) -> None:
    ws.cell(row, 1, number)
    # a name is text even when it begins with "=" (openpyxl would store it as a live formula)
    ws.cell(row, 2, label).data_type = "s"
    for offset, (_g, _l, key) in enumerate(XLSX_COLUMNS):
        cell = ws.cell(row, FIRST_VALUE_COL + offset, figures[key])
        if key in selectors.RATE_KEYS:
            cell.number_format = "0.00"
    for c in range(1, FIRST_VALUE_COL + len(XLSX_COLUMNS)):
        ws.cell(row, c).border = border


# --- open data -------------------------------------------------------------------------------------------

OPEN_DATA_COLUMNS = [
    "period_from",
    "period_to",
    "agency_identifier",
    "agency_name",
    "field_code",
    "field_name",
    *selectors.COUNT_KEYS,
    *selectors.RATE_KEYS,
    "as_of",  # when the pending figures were counted: the period's end, or the download's instant if sooner
]


def open_data(
    *, date_from, date_to, agency: Agency | None = None, field: Field | None = None, now=None
) -> dict:
    """Aggregated counts per (receiving agency, field) for the period, plus totals — of one field with `field`
    (the figures of the statistics page filtered by that field). No personal data."""
    period = selectors.make_period(date_from, date_to)
    as_of = timezone.localtime(min(period.end, now or timezone.now())).isoformat()
    groups = selectors.agency_field_counts(period, agency=agency, field=field, now=now)
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in={g["agency"] for g in groups})}
    fields = {f.pk: f for f in Field.objects.filter(pk__in={g["field"] for g in groups})}
    rows = []
    for g in groups:
        a, f = agencies.get(g["agency"]), fields.get(g["field"])
        figures = selectors.with_rates(g)
        rows.append(
            {
                "period_from": period.date_from.isoformat(),
                "period_to": period.date_to.isoformat(),
                "agency_identifier": a.identifier if a else None,
                "agency_name": a.name if a else None,
                "field_code": f.code if f else None,
                "field_name": f.name if f else None,
                **{k: figures[k] for k in (*selectors.COUNT_KEYS, *selectors.RATE_KEYS)},
                "as_of": as_of,
            }
        )
    rows.sort(key=lambda r: (r["agency_identifier"] or "", r["field_code"] or ""))
    total = selectors.with_rates(selectors.scope_counts(period, agency=agency, field=field, now=now))
    return {
        "title": "Tình hình giải quyết thủ tục hành chính — dữ liệu mở",
        "description": "Số liệu tổng hợp theo cơ quan tiếp nhận và lĩnh vực; không chứa dữ liệu cá nhân.",
        "licence": "CC BY 4.0",
        "generated_at": timezone.localtime().isoformat(),
        "as_of": as_of,
        **({"notice": text} if (text := not_started(period.date_from, now)) else {}),
        "from": period.date_from.isoformat(),
        "to": period.date_to.isoformat(),
        "agency": agency.identifier if agency else None,
        "field": field.code if field else None,
        "columns": OPEN_DATA_COLUMNS,
        "rows": rows,
        "total": {k: total[k] for k in (*selectors.COUNT_KEYS, *selectors.RATE_KEYS)},
    }


# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection"): such a text cell is written with a
# leading apostrophe, which the spreadsheet shows as text and does not run. Only text is guarded: the counts and
# rates are numbers written as numbers (a negative number, were there one, would stay one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> object:
    """A value as an open-data CSV cell: '' for None, a number as it is, text that a spreadsheet would read as a
    formula prefixed with an apostrophe ('=1+1 → '=1+1)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def open_data_csv(
    *, date_from, date_to, agency: Agency | None = None, field: Field | None = None, now=None
) -> str:
    data = open_data(date_from=date_from, date_to=date_to, agency=agency, field=field, now=now)
    buf = io.StringIO()
    buf.write("\ufeff")  # BOM: spreadsheet software then reads UTF-8 Vietnamese correctly
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(OPEN_DATA_COLUMNS)
    for r in data["rows"]:
        writer.writerow([csv_cell(r[c]) for c in OPEN_DATA_COLUMNS])
    return buf.getvalue()
