"""An agency identifier typed in lower case (or with spaces around it) is the same identifier: Decision 20/2020
identifiers are groups of 0-9 and A-Z, so `000.00.21.h26` is `000.00.21.H26` (contract §3). Every entry point
where an operator or integrator names an agency — the commands' `--agency`, the API's parameters and bodies, the
import files' "agency", the admin — upper-cases it (motcua.core.text.identifier_form); a dossier code typed in
lower case is found too, but an imported dossier's own code is kept exactly as it came (contract §8)."""

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from motcua.catalog.importers import import_processes
from motcua.catalog.models import ProcessTemplate
from motcua.core.text import identifier_form
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.org.models import Agency

from .conftest import APPLICANT, local

LOWER = "000.00.21.h26"


def test_identifier_form():
    assert identifier_form(" 000.00.21.h26\t") == "000.00.21.H26"
    assert identifier_form("h26") == "H26"
    assert identifier_form(None) == identifier_form("  ") == ""
    # only ASCII letters: 'ß'.upper() is 'SS', which would turn a wrong identifier into a well-formed one
    assert identifier_form("000.00.21.hß") == "000.00.21.Hß"


@pytest.fixture
def filed(org):
    return services.dossier_file(actor=org["users"]["citizen"], procedure_code="1.001612", agency_identifier="000.00.21.H26",
                                 channel="online", applicant=APPLICANT, at=local(2025, 3, 3, 8, 30))[0]  # fmt: skip


def _run(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


def test_the_commands_take_a_lower_case_agency(org, filed, tmp_path):
    assert filed.agency == org["so"] and filed.code.startswith("000.00.21.H26-")
    exported = _run("export-dossiers", "--agency", f" {LOWER} ")
    assert [json.loads(line)["code"] for line in exported.splitlines()] == [filed.code]
    assert "Checked 1 dossier(s)" in _run("verify-history", "--agency", LOWER)
    assert "Checked 1 dossier(s)" in _run("verify-history", "--code", filed.code.lower())
    assert "000.00.21.H26 (Sở Kế hoạch và Đầu tư)" in _run("verify-stats", "--from", "01/03/2025", "--to", "31/03/2025",
                                        "--agency", LOWER, "--now", "2025-03-31T17:00:00+07:00")  # fmt: skip
    out = _run("remind-apologies", "--agency", LOWER, "--at", "2025-03-03T09:00:00+07:00")
    assert "Không có hồ sơ cần nhắc" in out
    out = _run("deadline", "--start", "2025-01-24T10:00:00+07:00", "--working-days", "3", "--agency", LOWER)
    assert "000.00.21.H26 — Sở Kế hoạch và Đầu tư" in out
    assert out.splitlines()[-1] == "2025-02-05T10:00:00+07:00"


def test_the_api_takes_a_lower_case_agency_and_dossier_code(org, filed, token):
    client = Client()
    upper = client.get("/api/v1/stats/on-time?from=2025-03-01&to=2025-03-31&agency=000.00.21.H26").json()
    lower = client.get(f"/api/v1/stats/on-time?from=2025-03-01&to=2025-03-31&agency={LOWER}%20").json()
    assert lower == upper and lower["agency"] == "000.00.21.H26"
    got = client.get(
        f"/api/v1/calendar/deadline?start=2025-01-24T10:00:00%2B07:00&working_days=3&agency={LOWER}"
    )
    assert got.status_code == 200 and got.json()["due_at"] == "2025-02-05T10:00:00+07:00"
    got = client.get(f"/api/v1/agencies/{LOWER}")
    assert got.status_code == 200 and got.json()["identifier"] == "000.00.21.H26"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token('officer')}"}
    got = client.get(f"/api/v1/dossiers?agency={LOWER}", **auth)
    assert [d["code"] for d in got.json()["items"]] == [filed.code]
    got = client.get(f"/api/v1/dossiers/{filed.code.lower()}", **auth)
    assert got.status_code == 200 and got.json()["code"] == filed.code
    got = client.post(f"/api/v1/dossiers/{filed.code.lower()}/receive", data={}, content_type="application/json",
                      **auth)  # fmt: skip
    assert got.status_code == 200, got.content
    assert Dossier.objects.get(pk=filed.pk).state == "received"
    body = {"procedure": "1.001612", "agency": LOWER, "channel": "online", "applicant": APPLICANT}
    got = client.post("/api/v1/dossiers", data=body, content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {token('citizen')}")  # fmt: skip
    assert got.status_code == 201, got.content
    assert got.json()["code"].startswith("000.00.21.H26-")


def test_an_unknown_agency_is_still_refused_naming_what_was_typed(org):
    got = Client().get("/api/v1/stats/on-time?from=2025-03-01&to=2025-03-31&agency=000.00.99.h26")
    assert got.status_code == 404 and "000.00.99.H26" in got.json()["message"]


def test_the_imports_take_a_lower_case_agency_but_keep_the_dossier_code(org, tmp_path):
    record = {
        "code": "hs-cu/2023/0001",  # an older system's code: kept exactly, case included
        "procedure": "1.001612",
        "agency": f" {LOWER}",
        "channel": "counter",
        "applicant": {"kind": "individual", "name": "Trần Thị Bình", "id_number": "001185000123"},
        "events": [
            {"action": "register", "at": "2023-01-03T09:12:00+07:00"},
            {"action": "receive", "at": "2023-01-03T10:00:00+07:00"},
        ],
    }
    path = tmp_path / "history.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    call_command("import-dossiers", str(path), "--quiet", stdout=io.StringIO(), stderr=io.StringIO())
    imported = Dossier.objects.get(imported=True)
    assert imported.code == "hs-cu/2023/0001" and imported.agency == org["so"]

    steps = [
        {"order": 1, "actor": "Chuyên viên Phòng ĐKKD", "role": "specialist", "hours": 16},
        {"order": 2, "actor": "Lãnh đạo Sở", "role": "leader", "hours": 8},
    ]
    report = import_processes([{"procedure_code": "1.001612", "agency": LOWER, "steps": steps}])
    assert report.ok, [p.message for p in report.errors]
    assert ProcessTemplate.objects.filter(agency=org["so"], procedure=org["procedure"]).exists()


def test_the_admin_stores_a_lower_case_identifier_upper_cased(org):
    agency = Agency(identifier=" 000.00.23.h26 ", name="Sở Tài chính", level="department", parent=org["hn"])
    agency.full_clean()
    assert agency.identifier == "000.00.23.H26"
    clash = Agency(identifier=LOWER, name="Trùng mã", level="department", parent=org["hn"])
    with pytest.raises(ValidationError, match="Mã định danh đã tồn tại"):
        clash.full_clean()  # the same identifier as the Sở's, once upper-cased
