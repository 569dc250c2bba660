"""An operator's mistake on a dossier command (an unknown agency or dossier, a bad instant, an output file that
cannot be written) stops it with one message in Vietnamese and English and a non-zero exit, having done nothing:
never a traceback, never a silent "0 checked" that reads as all is well."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from motcua.dossiers import services

from .conftest import APPLICANT, local


def _error(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(*args, stdout=out, stderr=err)
    assert out.getvalue() == ""
    return str(exc.value)


def test_verify_history_refuses_an_unknown_agency_or_dossier(org):
    message = _error("verify-history", "--agency", "000.00.99.H26")
    assert "Không có cơ quan mã định danh '000.00.99.H26'" in message
    assert "No agency with identifier '000.00.99.H26'" in message
    message = _error("verify-history", "--code", "KHONG-CO")
    assert "Không có hồ sơ mã 'KHONG-CO'" in message and "No dossier with code 'KHONG-CO'" in message
    # a known agency with no dossier yet is checked, not refused
    out = io.StringIO()
    call_command("verify-history", "--agency", "000.00.21.H26", stdout=out)
    assert "Checked 0 dossier(s)" in out.getvalue()


def test_remind_apologies_names_its_mistakes_in_both_languages(org):
    message = _error("remind-apologies", "--at", "hom-qua")
    assert "'hom-qua' không phải thời điểm ISO 8601" in message and "is not an ISO 8601 instant" in message
    for far in ("0001-01-01T00:00:00+07:00", "9999-12-31T23:00:00-05:00", "2101-01-01T08:00:00+07:00"):
        message = _error("remind-apologies", "--at", far)  # year 1 and 9999: an OverflowError traceback
        assert f"'{far}' phải thuộc các năm 1990–2100" in message and "must be within the years" in message
    message = _error("remind-apologies", "--agency", "000.00.99.H26")
    assert (
        "Không có cơ quan mã định danh" in message and "No agency with identifier '000.00.99.H26'" in message
    )


def test_export_dossiers_to_a_file_it_cannot_write(org, tmp_path):
    services.dossier_file(actor=org["users"]["citizen"], procedure_code="1.001612", agency_identifier="000.00.21.H26",
                          channel="online", applicant=APPLICANT, at=local(2025, 3, 3, 8, 30))  # fmt: skip
    target = tmp_path / "khong-co" / "ho-so.jsonl"
    message = _error("export-dossiers", "-o", str(target))
    assert f"Không ghi được tệp '{target}'" in message and f"Cannot write '{target}'" in message
    assert not target.parent.exists()
    message = _error("export-dossiers", "-o", str(tmp_path))  # a folder, not a file
    assert "Không ghi được tệp" in message and "Cannot write" in message


def test_import_dossiers_refuses_a_json_array_as_a_whole(org, tmp_path):
    """A JSON array (the catalogue's procedures.json, or dossiers pretty-printed) was read line by line: thousands
    of "not valid JSON" lines. One message now says what the file is and what is expected."""
    path = tmp_path / "procedures.json"
    path.write_text(
        '\ufeff  [\n  {"code": "1.001612",\n   "name": "Đăng ký hộ kinh doanh"}\n]\n', encoding="utf-8"
    )
    message = _error("import-dossiers", str(path), "--dry-run")
    assert (
        "là một mảng JSON, không phải JSON Lines" in message and "is a JSON array, not JSON Lines" in message
    )


def test_apitoken_names_an_unknown_user_in_both_languages(org):
    message = _error("apitoken", "khong-co-ai")
    assert message == "Không có người dùng 'khong-co-ai'. / No user 'khong-co-ai'."


def test_apitoken_refuses_a_deactivated_account_and_a_label_too_long(org):
    """A deactivated account got a token the API then refused with 401; a 500-character label ended in a
    DataError traceback on PostgreSQL (and was stored whole on SQLite)."""
    from motcua.core.models import ApiToken

    user = org["users"]["citizen"]
    message = _error("apitoken", user.username, "--label", "x" * 101)
    assert (
        "--label dài 101 ký tự: tối đa 100" in message
        and "--label is 101 characters long: at most 100" in message
    )
    user.is_active = False
    user.save(update_fields=["is_active"])
    message = _error("apitoken", user.username)
    assert "đã bị vô hiệu hóa" in message and f"The account '{user.username}' is deactivated" in message
    assert not ApiToken.objects.filter(user=user).exists()
    call_command("apitoken", user.username, "--revoke", stdout=io.StringIO())  # revoking still works


def _record(code, at, **kw):
    return {
        "code": code,
        "procedure": "1.001612",
        "agency": "000.00.21.H26",
        "channel": "online",
        "applicant": {"kind": "individual", "name": "Nguyễn Văn A", "id_number": "001203012345"},
        "events": [{"action": "submit", "at": at}],
        **kw,
    }


def test_import_dossiers_reports_an_instant_outside_the_calendar_instead_of_a_traceback(org, tmp_path):
    """0001-01-01T00:00+07:00 (and 9999-12-31T23:00-05:00) parse, but have no UTC instant: the import crashed
    with OverflowError; each line is now reported and nothing is stored."""
    import json

    from motcua.dossiers.models import Dossier

    lines = [
        _record("OLD-1", "0001-01-01T00:00:00+07:00"),
        _record("OLD-2", "2023-01-03T09:12:00+07:00", due_at="9999-12-31T23:00:00-05:00"),
    ]
    path = tmp_path / "old.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    for jobs in ("0", "2"):
        err = io.StringIO()
        with pytest.raises(CommandError) as exc:
            call_command("import-dossiers", str(path), "--jobs", jobs, stdout=io.StringIO(), stderr=err)
        assert "2 dòng lỗi" in str(exc.value) and "nothing was imported" in str(exc.value)
        text = err.getvalue()
        assert "Dòng 1 (OLD-1)" in text and "'at' = '0001-01-01T00:00:00+07:00' is out of the range" in text
        assert (
            "Dòng 2 (OLD-2)" in text and "'due_at' = '9999-12-31T23:00:00-05:00' is out of the range" in text
        )
    assert not Dossier.objects.exists()


def test_import_dossiers_names_a_folder_as_a_folder(org, tmp_path):
    message = _error("import-dossiers", str(tmp_path))
    assert "là một thư mục" in message and "is a folder, not a JSON Lines file" in message
    assert "not found" not in message


def test_import_dossiers_dry_run_progress_does_not_say_storing(org, tmp_path):
    import json

    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(_record("DRY-1", "2023-01-03T09:12:00+07:00")) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("import-dossiers", str(path), "--dry-run", "--progress-every", "1", stdout=out, stderr=err)
    assert "checking (nothing stored)" in err.getvalue()
    assert "storing:" not in err.getvalue().replace("nothing stored", "")
    assert "Dry run: 1 records, 0 bad; 1 would be created" in out.getvalue()


def test_import_dossiers_names_a_code_that_is_not_text(org, tmp_path):
    """ "code": 12345 was reported as "Missing the dossier 'code'" although the line has one."""
    import json

    path = tmp_path / "codes.jsonl"
    lines = [_record(12345, "2023-01-03T09:12:00+07:00"), _record(None, "2023-01-03T09:12:00+07:00")]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import-dossiers", str(path), "--jobs", "0", stdout=io.StringIO(), stderr=err)
    text = err.getvalue()
    assert "Dòng 1: Mã hồ sơ 'code' phải là chuỗi ký tự" in text
    assert "Line 1: The dossier 'code' must be a string in double quotes, not 12345." in text
    assert "Dòng 2: Thiếu mã hồ sơ 'code'." in text


def test_import_dossiers_names_a_day_that_does_not_exist(org, tmp_path):
    """31 February was reported as "not an ISO 8601 datetime": the operator checked the format, which is right."""
    import json

    path = tmp_path / "days.jsonl"
    lines = [
        _record("D-1", "2026-02-31T09:00:00+07:00"),
        _record("D-2", "2023-13-01T09:00:00+07:00"),
        _record("D-3", "03/01/2023 09:12"),
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import-dossiers", str(path), "--jobs", "0", stdout=io.StringIO(), stderr=err)
    text = err.getvalue()
    assert (
        "Dòng 1 (D-1): Sự kiện 1 (submit): Thời điểm 'at' = '2026-02-31T09:00:00+07:00' không tồn tại" in text
    )
    assert "'at' = '2023-13-01T09:00:00+07:00' does not exist (day, month or hour out of range" in text
    assert "'at' = '03/01/2023 09:12' is not an ISO 8601 datetime" in text


def test_import_dossiers_bounds_its_worker_processes(org, tmp_path):
    path = tmp_path / "none.jsonl"
    path.write_text("", encoding="utf-8")
    for jobs in ("-1", "1000"):
        message = _error("import-dossiers", str(path), "--jobs", jobs)
        assert f"--jobs {jobs}: số tiến trình phải từ 0 đến 64" in message and "must be 0 to 64" in message
