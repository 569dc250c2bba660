import csv
import datetime as dt
import json
import unicodedata
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from motcua.catalog.importers import import_procedures, import_procedures_file, read_records
from motcua.catalog.models import Field, Procedure, ProcedureComponent, ProcedureVersion

from .conftest import record

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 1, 15)


def write_json(tmp_path, records, name="p.json"):
    path = tmp_path / name
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc, out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


def snapshot():
    return sorted(
        ProcedureVersion.objects.values_list("procedure__code", "effective_from", "content_hash", "name")
    ), Field.objects.count()


def test_reference_json_imports_all_95(tmp_path, ref_procs):
    path = write_json(tmp_path, ref_procs)
    exc, out, err = run("import-procedures", str(path), "--effective-from", "2025-11-18")
    assert exc is None, err
    assert Procedure.objects.count() == 95
    assert ProcedureVersion.objects.count() == 95
    assert Field.objects.count() == 18
    assert set(ProcedureVersion.objects.values_list("effective_from", flat=True)) == {dt.date(2025, 11, 18)}
    # Same-day records (days_basis immediate) get 0 days; cuts are kept.
    immediate = [r["code"] for r in ref_procs if (r["days_basis"] or "").startswith("immediate")]
    assert len(immediate) == 4
    for code in immediate:
        assert Procedure.objects.get(code=code).versions.get().legal_days == 0
    v = Procedure.objects.get(code="1.004122").versions.get()
    assert (v.legal_days, v.registered_days, v.limit_hours()) == (24, 22, Decimal(176))
    assert v.registered_limit_text() == "22 ngày làm việc (cắt giảm 02/24, 8,33%)"
    assert v.source["province"] == "Cao Bằng" and v.source_document.startswith("Quyết định 1949")
    # Several hour limits (6/8/24 h) cannot become one: left empty with a warning, not an error.
    co = Procedure.objects.get(code="1.000603.H21").versions.get()
    assert co.legal_hours is None and co.legal_days is None
    assert "1.000603.H21" in out and "CẢNH BÁO" in out
    f = Field.objects.get(name="Tài nguyên nước")
    assert f.code == "tai-nguyen-nuoc"
    assert Procedure.objects.filter(field=f).count() == 22


def test_dry_run_changes_nothing_and_reports(tmp_path, ref_procs):
    path = write_json(tmp_path, ref_procs)
    exc, out, _ = run("import-procedures", str(path), "--dry-run")
    assert exc is None
    assert "Chạy thử" in out and "mới 95" in out
    assert Procedure.objects.count() == 0 and Field.objects.count() == 0


def test_a_number_json_does_not_define_refuses_the_file(tmp_path):
    """Python writes NaN and Infinity into "JSON" and reads them back; JSON has neither (a limit of NaN days).
    The file is refused with where the token is, and nothing is stored."""
    for bad in (float("nan"), float("inf")):
        path = write_json(tmp_path, [record(code="1.000001"), record(code="1.000002", legal_days=bad)])
        exc, out, err = run("import-procedures", str(path))
        assert exc is not None and exc.returncode == 1
        message = err + str(exc)
        assert ("NaN is not allowed" if bad != bad else "Infinity is not allowed") in message, message
        assert "Tệp JSON không hợp lệ" in message and "line 1 column" in message
    assert Procedure.objects.count() == 0


def test_bad_records_listed_with_numbers_and_nothing_stored(tmp_path):
    records = [
        record(code="1.000001"),
        record(code="1.00161"),  # 2: bad code
        record(code="1.000003", legal_days=-1),  # 3: negative
        record(code="1.000004", legal_days=2, registered_days=3),  # 4: registered > legal
        record(code="1.000005", level="liên vùng", level_vi=None),  # 5: unknown level
        record(code="1.000006", online_level="mức 9"),  # 6: online level
        record(code="1.000007", name="  "),  # 7: empty name
        record(code="1.000008", legal_days="ba ngày"),  # 8: not a number
        record(code="1.000001"),  # 9: duplicate of record 1
        record(code="1.000010", level=None, level_vi="Cấp xã"),  # valid (level from level_vi)
    ]
    path = write_json(tmp_path, records)
    exc, out, err = run("import-procedures", str(path))
    assert exc is not None and exc.returncode == 1
    assert Procedure.objects.count() == 0 and Field.objects.count() == 0
    lines = [line for line in err.splitlines() if line.startswith("LỖI")]
    numbers = sorted({int(line.split("Bản ghi ")[1].split()[0]) for line in lines})
    assert numbers == [2, 3, 4, 5, 6, 7, 8, 9]
    by_record = {int(line.split("Bản ghi ")[1].split()[0]): line for line in lines}
    assert "Mã thủ tục không hợp lệ" in by_record[2] and "Invalid procedure code" in by_record[2]
    assert "không được âm" in by_record[3] and "must not be negative" in by_record[3]
    assert "Thời hạn cắt giảm" in by_record[4] and "exceeds the legal limit" in by_record[4]
    assert "Cấp thực hiện không hợp lệ" in by_record[5]
    assert "Mức trực tuyến không hợp lệ" in by_record[6]
    assert "Thiếu tên thủ tục" in by_record[7] and "Missing procedure name" in by_record[7]
    assert "phải là số" in by_record[8]
    assert "bản ghi 1" in by_record[9]
    assert "[1.00161]" in by_record[2]
    # A dry run reports the same problems, also non-zero, and stores nothing.
    exc2, _, err2 = run("import-procedures", str(path), "--dry-run")
    assert exc2 is not None
    assert [x for x in err2.splitlines() if x.startswith("LỖI")] == lines
    assert Procedure.objects.count() == 0


def test_a_limit_the_calendar_cannot_compute_is_a_bad_record(tmp_path):
    """3,650 working days (the calendar's reach) at most, 29,200 working hours: a longer limit would only fail when
    a citizen's dossier is received under it."""
    records = [
        record(code="1.000001", legal_days=3650),  # the longest: accepted
        record(code="1.000002", legal_days=3651),
        record(code="1.000003", legal_days=None, legal_hours=29201),
        record(code="1.000004", legal_days=99999, registered_days=99999),
    ]
    exc, _, err = run("import-procedures", str(write_json(tmp_path, records)))
    assert exc is not None and Procedure.objects.count() == 0
    by_record = {}
    for line in err.splitlines():
        if line.startswith("LỖI"):
            by_record.setdefault(int(line.split("Bản ghi ")[1].split()[0]), []).append(line)
    assert sorted(by_record) == [2, 3, 4]
    assert "không quá 3.650" in by_record[2][0] and "at most 3,650" in by_record[2][0]
    assert "không quá 29.200" in by_record[3][0]
    assert len(by_record[4]) == 2  # both limits named
    assert import_procedures([records[0]], today=TODAY).ok


def test_a_huge_limit_is_a_bad_record_not_a_traceback(tmp_path):
    """A limit of 10**30 days (a CSV cell or a JSON integer) made Decimal.quantize raise InvalidOperation: the whole
    import ended in a traceback. It is now one bad record naming the bound, like 3,651."""
    records = [
        record(code="1.000001", legal_days=10**30),
        record(code="1.000002", legal_days=None, legal_hours="1e308"),
        record(code="1.000003", legal_days=5, registered_days="9" * 40),
    ]
    exc, _, err = run("import-procedures", str(write_json(tmp_path, records)), "--dry-run")
    assert exc is not None and exc.returncode == 1
    lines = [line for line in err.splitlines() if line.startswith("LỖI")]
    assert sorted(int(line.split("Bản ghi ")[1].split()[0]) for line in lines) == [1, 2, 3]
    assert "không quá 3.650" in lines[0] and "at most 3,650" in lines[0]
    assert "'legal_hours'" in lines[1] and "'registered_days'" in lines[2]
    assert Procedure.objects.count() == 0


def test_reimport_is_idempotent(tmp_path, ref_procs):
    path = write_json(tmp_path, ref_procs)
    first = import_procedures_file(path, today=TODAY)
    assert first.ok and first.created == 95
    before = snapshot()
    again = import_procedures_file(path, today=TODAY + dt.timedelta(days=30))
    assert again.ok and again.unchanged == 95 and again.created == 0 and again.new_versions == 0
    assert snapshot() == before


def test_changed_record_adds_a_new_version_and_keeps_the_old(tmp_path):
    r = record(code="1.000100", legal_days=5, registered_days=None, effective_from="2024-01-01")
    assert import_procedures([r], today=TODAY).ok
    old = ProcedureVersion.objects.get()
    old_state = (old.pk, old.legal_days, old.content_hash, old.name)

    changed = record(code="1.000100", legal_days=5, registered_days=4, name="Tên mới của thủ tục")
    report = import_procedures([changed], today=TODAY, effective_from=dt.date(2025, 7, 1))
    assert report.ok and report.new_versions == 1
    versions = list(Procedure.objects.get(code="1.000100").versions.order_by("effective_from"))
    assert [v.effective_from for v in versions] == [dt.date(2024, 1, 1), dt.date(2025, 7, 1)]
    old.refresh_from_db()
    assert (old.pk, old.legal_days, old.content_hash, old.name) == old_state  # never altered
    assert versions[1].registered_days == 4
    proc = Procedure.objects.get(code="1.000100")
    assert proc.name == "Tên mới của thủ tục"  # mirror follows the version in force today
    assert proc.version_at(dt.date(2025, 6, 30)) == old

    # Without any date the new version takes effect today.
    third = record(code="1.000100", legal_days=5, registered_days=3, name="Tên mới của thủ tục")
    assert import_procedures([third], today=TODAY).new_versions == 1
    assert proc.versions.order_by("-effective_from").first().effective_from == TODAY
    # Re-importing that same content again (even later) changes nothing.
    assert import_procedures([third], today=TODAY + dt.timedelta(days=3)).unchanged == 1
    assert proc.versions.count() == 3


def test_future_version_does_not_replace_current_mirror():
    assert import_procedures([record(code="1.000200", name="Tên cũ")], today=TODAY).ok
    r = record(code="1.000200", name="Tên sẽ áp dụng", effective_from="2027-01-01")
    assert import_procedures([r], today=TODAY).new_versions == 1
    assert Procedure.objects.get(code="1.000200").name == "Tên cũ"


def test_changed_content_for_an_existing_date_is_refused():
    r = record(code="1.000300", effective_from="2025-07-01")
    assert import_procedures([r], today=TODAY).ok
    before = snapshot()
    changed = record(code="1.000300", effective_from="2025-07-01", legal_days=30)
    report = import_procedures([changed, record(code="1.000301")], today=TODAY)
    assert not report.ok
    assert report.errors[0].record == 1 and "01/07/2025" in report.errors[0].message
    assert snapshot() == before  # the valid second record was not stored either
    assert not Procedure.objects.filter(code="1.000301").exists()


def test_levels_nfc_same_day_and_hours():
    decomposed = unicodedata.normalize("NFD", "Đăng ký khai sinh")
    records = [
        record(code="1.000401", level=None, level_vi="Cấp tỉnh (thành phố trực thuộc trung ương)"),
        record(
            code="1.000402",
            level=None,
            level_vi="Cấp xã",
            name=decomposed,
            field=unicodedata.normalize("NFD", "Hộ tịch"),
        ),
        record(
            code="1.000403",
            level="commune",
            legal_days=None,
            registered_days=None,
            days_basis=None,
            time_text="Giải quyết trong ngày làm việc.",
        ),
        record(
            code="1.000404",
            legal_days=None,
            registered_days=None,
            days_basis="working hours (giờ làm việc)",
            time_text="Trong thời hạn 08 giờ làm việc kể từ khi nhận đủ hồ sơ.",
        ),
        record(code="1.000405", level="CENTRAL", online_level="Toàn trình"),
    ]
    report = import_procedures(records, today=TODAY)
    assert report.ok, report.lines()
    get = lambda c: Procedure.objects.get(code=c)  # noqa: E731
    assert get("1.000401").level == "province"
    p = get("1.000402")
    assert p.level == "commune" and p.name == unicodedata.normalize("NFC", decomposed)
    assert p.field.name == "Hộ tịch" and p.name_ascii == "1.000402 dang ky khai sinh"
    assert get("1.000403").versions.get().legal_days == 0
    v = get("1.000404").versions.get()
    assert v.legal_hours == 8 and v.legal_days is None and v.limit_hours() == 8
    v = get("1.000405").versions.get()
    assert get("1.000405").level == "central" and v.online_level == "full"


def test_components_and_form_fields_from_json():
    r = record(
        code="1.000500",
        components=[
            {"name": "Giấy đề nghị", "originals": 1, "copies": 0},
            {"name": "Bản sao giấy tờ", "originals": 0, "copies": 1, "required": False, "note": "Nếu có."},
            "Tờ khai",
        ],
        form_fields=[{"name": "ho_ten", "label": "Họ tên", "type": "text", "required": True}],
    )
    assert import_procedures([r], today=TODAY).ok
    comps = list(
        ProcedureComponent.objects.order_by("order").values_list(
            "order", "name", "originals", "copies", "required"
        )
    )
    assert comps == [
        (1, "Giấy đề nghị", 1, 0, True),
        (2, "Bản sao giấy tờ", 0, 1, False),
        (3, "Tờ khai", 1, 0, True),
    ]
    assert ProcedureVersion.objects.get().form_fields[0]["name"] == "ho_ten"
    bad = record(code="1.000501", components=[{"name": "", "copies": -1}], form_fields=[{"name": "Họ tên"}])
    report = import_procedures([bad], today=TODAY)
    assert not report.ok
    text = " ".join(p.message for p in report.errors)
    assert "thiếu tên" in text and "không được âm" in text and "Trường tờ khai" in text


def test_number_fields_take_bounds_and_whole_numbers():
    fields = [
        {"name": "von", "label": "Vốn", "type": "number", "min": 1, "max": 1e12, "integer": "có"},
        {"name": "chenh_lech", "label": "Chênh lệch", "type": "number", "min": None},
    ]
    assert import_procedures([record(code="1.000502", form_fields=fields)], today=TODAY).ok
    kept = ProcedureVersion.objects.get().form_fields
    assert kept[0] == {
        "name": "von",
        "label": "Vốn",
        "type": "number",
        "required": False,
        "min": 1,
        "max": 1e12,
        "integer": True,
    }
    assert kept[1]["min"] is None
    bad = [
        {"name": "a", "label": "A", "type": "number", "min": "không"},
        {"name": "b", "label": "B", "type": "number", "min": 5, "max": 1},
        {"name": "c", "label": "C", "type": "number", "max": True},
    ]
    report = import_procedures([record(code="1.000503", form_fields=bad)], today=TODAY)
    text = " ".join(p.message for p in report.errors)
    assert not report.ok
    assert "thứ 1: 'min' phải là một số" in text and "thứ 2: 'min' lớn hơn 'max'" in text
    assert "thứ 3: 'max' phải là một số" in text


def test_a_limit_written_with_thousands_groups_is_asked_not_guessed():
    # "1.000" is a thousand to a Vietnamese reader and was stored as 1 day; "2,500" as 2.5
    for text in ("1.000", "2,500", "1.000.000"):
        report = import_procedures(
            [record(code="1.000504", legal_days=text, registered_days=None)], today=TODAY
        )
        assert not report.ok, text
        messages = " ".join(p.message for p in report.errors)
        assert f"không rõ '{text}' là số nghìn hay số thập phân" in messages
        assert not Procedure.objects.filter(code="1.000504").exists()
    # decimals that cannot be a thousands group are read as before
    cases = (("1,5", Decimal("1.5")), ("0.500", Decimal("0.5")), ("12", Decimal("12")), ("1000", 1000))
    for i, (text, days) in enumerate(cases):
        code = f"1.00051{i}"
        report = import_procedures([record(code=code, legal_days=text, registered_days=None)], today=TODAY)
        assert report.ok, (text, [p.message for p in report.errors])
        assert ProcedureVersion.objects.get(procedure__code=code).legal_days == days


def _flat(rec: dict) -> dict:
    flat = {k: v for k, v in rec.items() if k != "source"}
    for k, v in (rec.get("source") or {}).items():
        flat[f"source.{k}"] = v
    return flat


def test_csv_import_with_line_numbers(tmp_path):
    rows = [
        _flat(
            record(code="1.000601", notes="Ghi chú\nnhiều dòng")
        ),  # a quoted cell over two lines (lines 2-3)
        _flat(record(code="1.000602", registered_days="25")),  # line 4: registered > legal
        _flat(record(code="1.000603", legal_days="10,5", registered_days="")),
        _flat(
            record(code="1.000604", components=json.dumps([{"name": "Đơn", "copies": 1}], ensure_ascii=False))
        ),
    ]
    path = tmp_path / "p.csv"
    cols = sorted({k for r in rows for k in r})
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({k: "" if v is None else v for k, v in r.items()})
    report = import_procedures_file(path, today=TODAY)
    assert not report.ok
    assert [(p.record, p.line) for p in report.errors] == [(2, 4)]
    assert "dòng 4" in str(report.errors[0])
    assert Procedure.objects.count() == 0
    # Fix the bad row: the whole file goes in.
    rows[1]["registered_days"] = "20"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({k: "" if v is None else v for k, v in r.items()})
    report = import_procedures_file(path, today=TODAY)
    assert report.ok and report.created == 4
    assert Procedure.objects.get(code="1.000603").versions.get().legal_days == Decimal("10.5")
    assert Procedure.objects.get(code="1.000604").versions.get().components.get().copies == 1
    assert Procedure.objects.get(code="1.000601").versions.get().source["province"] == "Cao Bằng"


def test_xlsx_import_with_row_numbers(tmp_path):
    cols = [
        "code",
        "name",
        "field",
        "level_vi",
        "legal_days",
        "registered_days",
        "online_level",
        "source.document",
    ]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(cols)
    ws.append(["1.000701", "Thủ tục A", "Lĩnh vực A", "Cấp tỉnh", 5, 4, "toàn trình", "QĐ 1"])
    ws.append([None] * len(cols))  # blank rows are skipped
    ws.append(["1.000702", "Thủ tục B", "Lĩnh vực A", "Cấp xã", 0.5, None, None, "QĐ 2"])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    records = read_records(path)
    assert [(r.number, r.line) for r in records] == [(1, 2), (2, 4)]
    report = import_procedures(records, today=TODAY)
    assert report.ok and report.created == 2
    v = Procedure.objects.get(code="1.000702").versions.get()
    assert v.legal_days == Decimal("0.5") and v.limit_hours() == 4
    ws.cell(row=4, column=5, value=-2)
    wb.save(path)
    Procedure.objects.all().delete()
    report = import_procedures_file(path, today=TODAY)
    assert [(p.record, p.line) for p in report.errors] == [(2, 4)]


def test_flat_files_with_the_json_keys_as_columns(tmp_path, ref_procs):
    """Contract §6: CSV/XLSX with the same columns as the JSON. A sheet written from the JSON's own keys holds the
    nested `source` as JSON text in a `source` column; it was refused ("'source' must be an object") for every
    row. It now reads as the object; a `source` cell that is not a JSON object is an error for its record."""
    records = ref_procs[:3]
    keys = list(records[0])
    assert "source" in keys and not any("." in k for k in keys)

    def cells(rec):
        return [json.dumps(rec[k], ensure_ascii=False) if isinstance(rec[k], dict) else rec[k] for k in keys]

    csv_path = tmp_path / "p.csv"
    with open(csv_path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(keys)
        for rec in records:
            w.writerow(["" if c is None else c for c in cells(rec)])
    wb = openpyxl.Workbook()
    wb.active.append(keys)
    for rec in records:
        wb.active.append(cells(rec))
    xlsx_path = tmp_path / "p.xlsx"
    wb.save(xlsx_path)
    for path in (csv_path, xlsx_path):
        report = import_procedures_file(path, dry_run=True, today=TODAY)
        assert report.ok, [str(p) for p in report.errors]
    report = import_procedures_file(xlsx_path, today=TODAY)
    assert report.ok and report.created == 3
    for rec in records:
        version = Procedure.objects.get(code=rec["code"]).versions.get()
        assert version.source == {k: v for k, v in rec["source"].items() if v}
    wb.active.cell(row=3, column=keys.index("source") + 1, value="Quyết định 1949")
    wb.save(xlsx_path)
    report = import_procedures_file(xlsx_path, dry_run=True, today=TODAY)
    assert [(p.record, p.line) for p in report.errors] == [(2, 3)]
    assert "'source'" in report.errors[0].message


def test_unreadable_files_are_reported(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text("{not json", encoding="utf-8")
    exc, _, _ = run("import-procedures", str(bad))
    assert exc is not None and "JSON" in str(exc)
    other = tmp_path / "p.txt"
    other.write_text("x", encoding="utf-8")
    exc, _, _ = run("import-procedures", str(other))
    assert exc is not None and "không hỗ trợ" in str(exc)
    exc, _, _ = run("import-procedures", str(tmp_path / "missing.json"))
    assert exc is not None and "Không tìm thấy" in str(exc)
    obj = tmp_path / "o.json"
    obj.write_text('{"a": 1}', encoding="utf-8")
    exc, _, _ = run("import-procedures", str(obj))
    assert exc is not None and "mảng" in str(exc)


def test_an_empty_file_or_one_in_another_encoding_is_named_as_such(tmp_path):
    """An empty CSV imported "0 records" with exit 0 (an export that failed reads as all is well), an empty JSON
    said "Expecting value: line 1 column 1", and a catalogue saved as Windows-1258 was "invalid JSON"."""
    for name, content in [
        ("p.csv", b""),
        ("p.json", b"\xef\xbb\xbf \r\n"),
        ("p.xlsx", b""),
        ("q.csv", b"\n\n"),
    ]:
        path = tmp_path / name
        path.write_bytes(content)
        exc, out, _ = run("import-procedures", str(path), "--dry-run")
        assert exc is not None and exc.returncode == 1, name
        assert f"Tệp '{path}' trống" in str(exc) and "is empty: there is nothing to import" in str(exc), exc
        assert out == ""
    path = tmp_path / "cp1258.json"
    text = json.dumps([record(code="1.000001", name="Đăng ơn", field="Tư pháp")], ensure_ascii=False)
    path.write_bytes(text.encode("cp1258", errors="replace"))  # Đ, ă, ơ, ư as Windows-1258 bytes
    exc, _, _ = run("import-procedures", str(path))
    assert (
        exc is not None and "Tệp JSON phải mã hóa UTF-8" in str(exc) and "must be UTF-8 encoded" in str(exc)
    )
    assert Procedure.objects.count() == 0
    # '[' × 100,000: a RecursionError traceback
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    exc, _, _ = run("import-procedures", str(deep))
    assert exc is not None and "Tệp JSON không hợp lệ: lồng nhau quá sâu / nested too deeply" in str(exc)
    # Excel on a Vietnamese Windows saves "CSV" as Windows-1258: the message says how to save it as UTF-8
    path = tmp_path / "excel.csv"
    path.write_bytes("code,name,field,level\n1.000001,Đăng ơn,Tư pháp,province\n".encode("cp1258"))
    exc, _, _ = run("import-procedures", str(path))
    assert exc is not None and "Tệp CSV phải mã hóa UTF-8" in str(exc)
    assert "CSV UTF-8 (Comma delimited)" in str(exc) and "perhaps saved as Windows-1258" in str(exc)
    # a header row alone is still a file the operator meant: nothing to do, no error
    header = tmp_path / "header.csv"
    header.write_text("code,name,field,level\n", encoding="utf-8")
    exc, out, _ = run("import-procedures", str(header), "--dry-run")
    assert exc is None and "0 records" in out


def test_an_effective_date_in_year_1_or_9999_is_a_bad_record(tmp_path):
    """effective_from 0001-01-01 was stored: a version in force since year 1, shadowing every later one."""
    records = [
        record(code="1.000001", effective_from="0001-01-01"),
        record(code="1.000002", effective_from="31/12/9999"),
        record(code="1.000003", effective_from="15/01/2026"),
    ]
    exc, _, err = run("import-procedures", str(write_json(tmp_path, records)))
    assert exc is not None and Procedure.objects.count() == 0
    lines = [line for line in err.splitlines() if line.startswith("LỖI")]
    assert len(lines) == 2, err
    assert "'effective_from' = '0001-01-01' phải thuộc các năm 1900–2999" in lines[0]
    assert "'effective_from' = '31/12/9999' must be within the years 1900-2999" in lines[1]


def test_field_codes_are_unique_slugs():
    records = [
        record(code="1.000801", field="Đất đai"),
        record(code="1.000802", field="Dat dai"),
        record(code="1.000803", field="Đất đai"),
    ]
    report = import_procedures(records, today=TODAY)
    assert report.ok and report.fields_created == 2
    assert sorted(Field.objects.values_list("code", flat=True)) == ["dat-dai", "dat-dai-2"]
    assert (
        Procedure.objects.get(code="1.000803").field.code == Procedure.objects.get(code="1.000801").field.code
    )


def test_semicolon_csv_from_excel(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text(
        "\ufeffcode;name;field;level_vi;legal_days;registered_days;online_level\n"
        "1.000901;Cấp phép A;Lĩnh vực B;Cấp tỉnh;3;2;một phần\n",
        encoding="utf-8",
    )
    report = import_procedures_file(path, today=TODAY)
    assert report.ok and report.created == 1
    v = Procedure.objects.get(code="1.000901").versions.get()
    assert v.registered_limit_text() == "02 ngày (cắt giảm 01/03, 33,33%)" and v.online_level == "partial"


def test_a_misspelled_column_refuses_the_file_and_an_extra_one_is_named(tmp_path):
    """A hand-made sheet with 'legal_day' for 'legal_days' used to import without the legal limit and a column
    'online' for 'online_level' without the online level, silently. A column that looks like one the import reads
    is now an error for the file (nothing stored, the likely name given); any other column is named as ignored."""
    path = tmp_path / "p.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["STT", "code", "name", "field", "level", "legal_day", "registered_days", "online"])
        w.writerow(["1", "1.000901", "Thủ tục cột sai", "Chứng thực", "province", "5", "3", "toàn trình"])
    wb = openpyxl.Workbook()
    wb.active.append(["STT", "code", "name", "field", "level", "registerd_days", "legal_days"])
    wb.active.append([1, "1.000902", "Thủ tục cột sai", "Chứng thực", "province", 3, 5])
    wb.save(tmp_path / "p.xlsx")
    for name, typos in [
        ("p.csv", [("legal_day", "legal_days"), ("online", "online_level")]),
        ("p.xlsx", [("registerd_days", "registered_days")]),
    ]:
        for dry in ([], ["--dry-run"]):
            code, out, err = run("import-procedures", str(tmp_path / name), *dry)
            assert isinstance(code, CommandError), (name, out)
            for typo, meant in typos:
                assert f"LỖI Tệp: Cột '{typo}' không có trong mẫu nhập (có phải '{meant}'?)" in err, err
            assert "CẢNH BÁO Tệp: Cột 'STT' không có trong mẫu nhập: bỏ qua." in out + err
    assert not Procedure.objects.exists() and not Field.objects.exists()
    report = import_procedures([{**record(code="1.000903"), "STT": 1}], today=TODAY)
    assert report.ok and [w.message_en for w in report.warnings] == ["Unknown column 'STT': ignored."]
    assert Procedure.objects.filter(code="1.000903").exists()


def test_a_record_with_a_control_or_hiding_character_is_a_bad_record(tmp_path):
    """A procedure, field or agency name (shown, exported as open data) or any other column holding a control or
    hiding character is refused, the record and column named; nothing of the file is stored. Decomposed tones and a
    text's line breaks are text."""
    records = [
        record(code="1.000001", name=unicodedata.normalize("NFD", "Đăng ký hộ kinh doanh")),
        record(code="1.000002", name="Đăng ký\u200b"),  # 2: zero-width space in a name
        record(code="1.000003", field="Hộ kinh doanh\u202e"),  # 3: right-to-left override
        record(code="1.000004", agency="UBND\x1b[31m cấp xã"),  # 4: terminal escape
        record(code="1.000005", legal_basis="Nghị định 1\x85"),  # 5: C1 control in a text
        record(code="1.000006", legal_basis="Nghị định 1;\nThông tư 2"),  # fine: lines
    ]
    path = write_json(tmp_path, records)
    exc, _out, err = run("import-procedures", str(path))
    assert exc is not None and Procedure.objects.count() == 0 and Field.objects.count() == 0
    lines = [line for line in err.splitlines() if line.startswith("LỖI")]
    by_record = {int(line.split("Bản ghi ")[1].split()[0]): line for line in lines}
    assert sorted(by_record) == [2, 3, 4, 5]
    assert "Cột 'name' chứa ký tự không hợp lệ U+200B" in by_record[2] and "Column 'name'" in by_record[2]
    assert "Cột 'field' chứa ký tự không hợp lệ U+202E" in by_record[3]
    assert "Cột 'agency' chứa ký tự không hợp lệ U+001B" in by_record[4]
    assert "Cột 'legal_basis' chứa ký tự không hợp lệ U+0085" in by_record[5]


@pytest.mark.parametrize(
    "text, where_what",
    [
        ('[\n  {"code": "1.000001",}\n]', "dòng 2, cột 22: thừa dấu phẩy trước dấu }"),
        ('[\n  {"code": "1.000001"},\n]', "dòng 2, cột 23: thừa dấu phẩy trước dấu ]"),
        ("[\n  {'code': '1.000001'}\n]", "dòng 2, cột 4: cần tên trường trong dấu nháy kép"),
        (
            '[\n  {"code": "1.000001"}\n  {"code": "1.000002"}\n]',
            "dòng 3, cột 3: thiếu dấu phẩy giữa hai phần tử",
        ),
        ('[{"code": "1.000001", "code": "1.000002"}]', 'dòng 1, cột 23: tên trường "code" có hai lần'),
        ('[{"code": "1.000001"}]]', "dòng 1, cột 23: còn nội dung sau khi mảng hoặc đối tượng đã đóng"),
    ],
)
def test_a_json_syntax_error_says_where_and_what_in_vietnamese(tmp_path, text, where_what):
    """The Vietnamese half of the refusal was the parser's English ("Tệp JSON không hợp lệ: Expecting property
    name enclosed in double quotes: line 2 column 1"): it now says the line, the column and what is wrong; the
    English half keeps the parser's words."""
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    exc, out, _ = run("import-procedures", str(path), "--dry-run")
    assert exc is not None and exc.returncode == 1
    vi, en = str(exc).split(" / ", 1)
    assert vi.startswith("Tệp JSON không hợp lệ ở " + where_what), vi
    assert "Expecting" not in vi and "Illegal" not in vi and "Extra data" not in vi
    assert en.startswith("Invalid JSON file: ") and "line " in en
    assert out == "" and Procedure.objects.count() == 0


def test_a_table_without_a_required_column_is_refused_once_for_the_file(tmp_path):
    """A sheet with translated headings ("Mã thủ tục", "Tên thủ tục"…) printed four "Thiếu …" errors for every row —
    hundreds of lines for a catalogue — and a column 'nam' for 'name' one more per row: the file is now refused
    once, naming the missing columns (and the column meant, as for any misspelt one); nothing is stored."""
    path = tmp_path / "p.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện"])
        for i in range(50):
            w.writerow([f"1.0009{i:02d}", "Thủ tục", "Chứng thực", "Cấp tỉnh"])
    wb = openpyxl.Workbook()
    wb.active.append(["code", "nam", "field", "level_vi", "legal_days"])
    wb.active.append(["1.000950", "Thủ tục", "Chứng thực", "Cấp tỉnh", 5])
    wb.save(tmp_path / "p.xlsx")
    for name, missing, extra in [
        (
            "p.csv",
            "'code', 'name', 'field', 'level' (hoặc 'level_vi')",
            "Cột 'Mã thủ tục' không có trong mẫu nhập",
        ),
        ("p.xlsx", "'name'", "Cột 'nam' không có trong mẫu nhập (có phải 'name'?)"),
    ]:
        for dry in ([], ["--dry-run"]):
            exc, out, err = run("import-procedures", str(tmp_path / name), *dry)
            assert isinstance(exc, CommandError) and exc.returncode == 1, (name, out)
            assert f"LỖI Tệp: Thiếu cột bắt buộc {missing}. Dòng đầu của bảng phải là tên cột" in err, err
            assert "Missing required column" in err and extra in out + err
            assert "Bản ghi" not in out + err  # no line per row
    assert not Procedure.objects.exists() and not Field.objects.exists()
    # a JSON record without a name is still that record's error (JSON records are not a table)
    report = import_procedures(
        [{k: v for k, v in record(code="1.000960").items() if k != "name"}], today=TODAY
    )
    assert [p.message_en for p in report.errors] == ["Missing procedure name."]


def test_a_misspelt_column_on_a_reimport_is_the_only_error(tmp_path):
    """Re-importing an edited export with 'legal_dayz' for 'legal_days' reported, besides the column, every row as
    "a version effective from … already exists with different content: give a new effective date" — one error per
    row pointing to the wrong fix. The rows carrying the misspelt column are not checked; the others still are."""
    records = [record(code=f"1.00097{i}", legal_days=25 + i, effective_from="2026-01-15") for i in range(3)]
    assert import_procedures(records, today=TODAY).ok
    path = tmp_path / "p.csv"
    rows = [{("legal_dayz" if k == "legal_days" else k): v for k, v in _flat(r).items()} for r in records]
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    before = snapshot()
    exc, out, err = run("import-procedures", str(path))
    assert isinstance(exc, CommandError)
    assert err.count("LỖI") == 1 and "Cột 'legal_dayz' không có trong mẫu nhập (có phải 'legal_days'?)" in err
    assert "nội dung khác" not in err and str(exc).startswith("1 lỗi")
    assert snapshot() == before
    # JSON: only the record with the misspelt key is left unchecked; another record's own error is still reported
    report = import_procedures(
        [{**record(code="1.000980"), "legal_dayz": 5}, record(code="1.000981", name="")], today=TODAY
    )
    assert [(p.record, p.message_en[:24]) for p in report.errors] == [
        (None, "Unknown column 'legal_da"),
        (2, "Missing procedure name."),
    ]


def test_a_cover_sheet_first_or_a_column_named_twice_is_refused(tmp_path):
    """An XLSX whose first sheet is a cover page (the table on the second) read no record and said "imported: 0
    records", exit 0; a header naming `legal_days` twice took the last column's values without a word."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Bìa"
    wb.active.append(["Danh mục TTHC năm 2025"])
    table = wb.create_sheet("Danh mục")
    table.append(["code", "name", "field", "level"])
    table.append(["1.000001", "Đăng ký thử", "Tư pháp", "province"])
    book = tmp_path / "cover.xlsx"
    wb.save(book)
    exc, _, _ = run("import-procedures", str(book))
    assert exc is not None and "Trang tính đầu tiên ('Bìa') không có bản ghi nào" in str(exc)
    assert "'Danh mục'" in str(exc) and "only the first sheet is read" in str(exc)
    twice = tmp_path / "twice.csv"
    twice.write_text("code,name,field,level,legal_days,legal_days\n1.000001,Đăng ký,Tư pháp,province,10,20\n")
    exc, _, _ = run("import-procedures", str(twice))
    assert (
        exc is not None and "cột trùng tên: 'legal_days'" in str(exc) and "names a column twice" in str(exc)
    )
    assert Procedure.objects.count() == 0


def test_limits_that_contradict_each_other_are_refused_or_flagged(tmp_path):
    """Found by an import walk: both a day and an hour limit (the hours dropped without a word), a shortened limit
    with no legal limit (dossiers got 12 days while the page showed none) are refused; a cut to 0 days is flagged."""
    records = [
        record(code="1.000001", legal_days=5, legal_hours=4, registered_days=None),
        record(code="1.000002", legal_days=None, registered_days=12, time_text=""),
        record(code="1.000003", legal_days=10, registered_days=0),
    ]
    exc, out, err = run("import-procedures", str(write_json(tmp_path, records)), "--dry-run")
    by_record: dict[int, str] = {}
    for line in (out + err).splitlines():
        if "Bản ghi" in line:
            n = int(line.split("Bản ghi ")[1].split()[0])
            by_record[n] = by_record.get(n, "") + line + "\n"
    assert "LỖI" in by_record[1] and "không ghi cả hai" in by_record[1] and "not both" in by_record[1]
    assert "LỖI" in by_record[2] and "không có thời hạn luật định" in by_record[2]
    assert "LỖI" not in by_record[3] and "CẢNH BÁO" in by_record[3] and "0 ngày (trong ngày)" in by_record[3]
    assert exc is not None and Procedure.objects.count() == 0
