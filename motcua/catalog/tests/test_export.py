import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from motcua.catalog.importers import COLUMNS, import_procedures, import_procedures_file
from motcua.catalog.models import Field, Procedure, ProcedureVersion

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 1, 15)
DATA = Path(__file__).resolve().parent.parent / "data"


def catalogue_state():
    rows = []
    for v in ProcedureVersion.objects.select_related("procedure", "field").order_by(
        "procedure__code", "effective_from"
    ):
        rows.append(
            (
                v.procedure.code,
                v.procedure.name,
                v.procedure.level,
                v.procedure.field.name,
                v.procedure.field.code,
                v.effective_from,
                v.name,
                v.field.name,
                v.level,
                v.legal_days,
                v.legal_hours,
                v.registered_days,
                v.days_basis,
                v.time_text,
                v.fee_text,
                v.online_level,
                v.implementing_agency,
                v.deciding_agency,
                v.subjects,
                v.result,
                v.conditions,
                v.legal_basis,
                v.notes,
                v.source_document,
                json.dumps(v.source, sort_keys=True, ensure_ascii=False),
                json.dumps(v.form_fields, sort_keys=True, ensure_ascii=False),
                v.content_hash,
                tuple(
                    v.components.order_by("order").values_list(
                        "order", "name", "originals", "copies", "required", "note"
                    )
                ),
            )
        )
    return rows


def _load(ref_procs):
    extra = json.loads((DATA / "demo_extra_procedures.json").read_text(encoding="utf-8"))
    report = import_procedures(ref_procs + extra, today=TODAY, effective_from=dt.date(2025, 11, 18))
    assert report.ok, report.lines()


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_round_trip_into_an_empty_database(tmp_path, ref_procs, suffix):
    _load(ref_procs)
    before = catalogue_state()
    assert len(before) == 99  # 95 + four versions of 1.001612
    out = tmp_path / f"catalogue.{suffix}"
    call_command("export-procedures", str(out), stdout=open(tmp_path / "log", "w"))
    ProcedureVersion.objects.all().delete()
    Procedure.objects.all().delete()
    Field.objects.all().delete()
    report = import_procedures_file(out, today=TODAY)
    assert report.ok and report.created == 96 and report.new_versions == 3, report.lines()
    assert catalogue_state() == before
    # And importing the export again into the filled catalogue changes nothing.
    assert import_procedures_file(out, today=TODAY).unchanged == 99


def test_export_columns_and_current_only(tmp_path, ref_procs):
    _load(ref_procs)
    out = tmp_path / "c.xlsx"
    call_command("export-procedures", str(out), "--current-only", stdout=open(tmp_path / "log", "w"))
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[1]]
    assert header == COLUMNS
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 96
    row = dict(zip(header, next(r for r in rows if r[0] == "1.001612"), strict=True))
    assert (
        row["effective_from"] == "2026-11-29"
        and row["level"] == "commune"
        and row["online_level"] == "toàn trình"
    )
    assert json.loads(row["components"])[0]["name"] == "Giấy đề nghị đăng ký hộ kinh doanh"
    row = dict(zip(header, next(r for r in rows if r[0] == "1.004122"), strict=True))
    assert (row["legal_days"], row["registered_days"], row["source.province"]) == (24, 22, "Cao Bằng")


@pytest.mark.django_db
def test_export_procedures_names_a_bad_output_file(tmp_path):
    """A name other than .xlsx/.csv was written as XLSX under it (which import-procedures then refuses); a folder
    that does not exist was a traceback. Both now stop with one message in both languages, writing nothing."""
    from django.core.management import CommandError

    for name, vietnamese, english in [
        (
            "danh-muc.txt",
            "Tên tệp phải kết thúc bằng .xlsx hoặc .csv",
            "must end in .xlsx or .csv (not '.txt')",
        ),
        ("khong-co/danh-muc.xlsx", "Không ghi được tệp", "Cannot write"),
    ]:
        with pytest.raises(CommandError) as exc:
            call_command("export-procedures", str(tmp_path / name))
        assert vietnamese in str(exc.value) and english in str(exc.value)
    assert list(tmp_path.iterdir()) == []
