import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from motcua.catalog.importers import hours_from_text, import_procedures, import_processes, role_for_actor
from motcua.catalog.models import ProcessStep, ProcessTemplate

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 1, 15)


@pytest.fixture
def catalogue(ref_procs):
    assert import_procedures(ref_procs, today=TODAY, effective_from=dt.date(2025, 11, 18)).ok


def state():
    return sorted(
        ProcessStep.objects.values_list("template__procedure__code", "order", "actor", "hours", "role")
    ), sorted(ProcessTemplate.objects.values_list("procedure__code", "content_hash"))


def test_reference_processes_import(catalogue, ref_processes):
    report = import_processes(ref_processes, today=TODAY)
    assert report.ok, report.lines()
    # 11 workflows, two of them shared with another procedure (also_applies_to).
    assert report.created == 13 and ProcessTemplate.objects.count() == 13
    # the summary says its counts are per procedure, not per record (11 records, 13 new: no miscount)
    assert "11 bản ghi quy trình; mới 13" in report.summary()
    assert "(tính theo thủ tục áp dụng)" in report.summary() and "(counted per procedure" in report.summary()
    t = ProcessTemplate.objects.get(procedure__code="1.012644")
    steps = list(t.steps.order_by("order"))
    assert len(steps) == 17
    assert t.total_hours == 240 and t.step_hours_sum() == 240
    assert steps[0].role == "officer" and steps[0].hours == 4
    assert steps[8].hours is None  # merged time cell stays null
    assert steps[16].time_text == "Giờ hành chính" and steps[16].hours is None
    shared = ProcessTemplate.objects.get(procedure__code="1.014465.H12")
    assert shared.step_hours_sum() == 16 and "1.014464.H12" in shared.notes
    # Steps done at the provincial People's Committee office are inter-agency.
    inter = list(shared.steps.filter(inter_agency=True).values_list("order", flat=True))
    assert inter == [4, 5]


def test_reimport_is_idempotent(catalogue, ref_processes):
    assert import_processes(ref_processes, today=TODAY).ok
    before = state()
    again = import_processes(ref_processes, today=TODAY)
    assert again.ok and again.unchanged == 13 and again.created == 0 and again.new_versions == 0
    assert state() == before


def test_changed_workflow_replaces_its_steps(catalogue, ref_processes):
    assert import_processes(ref_processes, today=TODAY).ok
    wf = next(w for w in ref_processes if w["procedure_code"] == "1.014438")
    wf["steps"][0]["actor"] = "Chuyên viên Phòng Quản lý công nghệ"
    report = import_processes([wf], today=TODAY)
    assert report.ok and report.new_versions == 1
    assert (
        ProcessTemplate.objects.get(procedure__code="1.014438").steps.get(order=1).actor.endswith("công nghệ")
    )


def test_broken_sum_is_rejected_per_workflow_and_nothing_stored(catalogue, ref_processes, tmp_path):
    broken = next(i for i, w in enumerate(ref_processes) if w["procedure_code"] == "1.001806")
    ref_processes[broken]["steps"][2]["hours"] = 64  # 07 ngày → 8 ngày: total 88 h, limit is 80 h
    path = tmp_path / "wf.json"
    path.write_text(json.dumps(ref_processes, ensure_ascii=False), encoding="utf-8")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as info:
        call_command("import-processes", str(path), stdout=out, stderr=err)
    assert info.value.returncode == 1
    assert ProcessTemplate.objects.count() == 0  # all-or-nothing: the 10 good workflows are not stored either
    lines = err.getvalue().splitlines()
    assert len(lines) == 2  # sum vs total_hours, sum vs the procedure's limit
    assert all(f"Bản ghi {broken + 1} [1.001806]" in line for line in lines)
    assert any("88 giờ" in line and "80 giờ" in line and "1.001806" in line for line in lines)
    # Dry run: same report, nothing stored.
    with pytest.raises(CommandError):
        call_command("import-processes", str(path), "--dry-run", stdout=StringIO(), stderr=StringIO())
    assert ProcessTemplate.objects.count() == 0


def test_sum_checked_against_the_procedure_limit_without_total(catalogue):
    wf = {
        "procedure_code": "1.004122",  # 24 days cut to 22: limit 176 h
        "steps": [
            {"order": 1, "actor": "Chuyên viên", "hours": 100},
            {"order": 2, "actor": "Lãnh đạo Sở", "hours": 76},
        ],
    }
    report = import_processes([wf], today=TODAY)
    assert report.ok and ProcessTemplate.objects.get().total_hours == 176
    wf["steps"][1]["hours"] = 80
    report = import_processes([wf], today=TODAY, dry_run=True)
    assert not report.ok and "176" in report.errors[0].message


def test_an_agency_process_adds_up_to_the_limit_the_agency_registered(catalogue):
    """An agency that registered its own cut (20 of the 24 legal days, against the province's 22) publishes its
    own process: its steps add up to 160 h, the default process's to 176 h."""
    from motcua.catalog.models import Offering, Procedure
    from motcua.org.models import Agency

    ward = Agency.objects.create(identifier="000.21.33.H26", name="UBND phường Bách Khoa", level="commune")
    Offering.objects.create(
        agency=ward, procedure=Procedure.objects.get(code="1.004122"), registered_days=Decimal(20)
    )
    steps = [
        {"order": 1, "actor": "Chuyên viên", "hours": 100},
        {"order": 2, "actor": "Lãnh đạo", "hours": 76},
    ]
    wf = {"procedure_code": "1.004122", "agency": ward.identifier, "steps": steps}
    report = import_processes([wf], today=TODAY, dry_run=True)
    assert not report.ok and "160" in report.errors[0].message
    steps[1]["hours"] = 60
    report = import_processes([wf], today=TODAY)
    assert report.ok, report.lines()
    assert ProcessTemplate.objects.get(agency=ward).total_hours == 160


def test_a_step_longer_than_the_calendar_computes_is_refused(catalogue):
    """A procedure without a single limit is not checked against one: a step's budget is still at most 29,200
    working hours (3,650 days), given in hours or in the published text."""
    from motcua.catalog.models import MAX_LIMIT_DAYS, ProcedureVersion
    from motcua.workdays.services import MAX_WORKING_DAYS

    assert MAX_LIMIT_DAYS == MAX_WORKING_DAYS
    ProcedureVersion.objects.filter(procedure__code="1.004122").update(legal_days=None, registered_days=None)
    wf = {"procedure_code": "1.004122", "steps": [{"order": 1, "actor": "Sở Tài chính", "hours": 99999}]}
    report = import_processes([wf], today=TODAY, dry_run=True)
    assert not report.ok and "không quá 29.200" in report.errors[0].message
    wf["steps"][0] = {"order": 1, "actor": "Sở Tài chính", "time_text": "4000 ngày làm việc"}
    report = import_processes([wf], today=TODAY, dry_run=True)
    assert not report.ok and "dài quá 29.200 giờ làm việc" in report.errors[0].message
    wf["steps"][0] = {"order": 1, "actor": "Sở Tài chính", "hours": 29200}
    assert import_processes([wf], today=TODAY).ok


def test_the_admin_holds_limits_and_budgets_to_what_the_calendar_computes(catalogue):
    from django.core.exceptions import ValidationError

    from motcua.catalog.models import ProcedureVersion

    step = ProcessStep(template=ProcessTemplate(total_hours=1), order=1, actor="A", hours=Decimal(29201))
    with pytest.raises(ValidationError) as refused:
        step.clean_fields(exclude=["template"])
    assert "hours" in refused.value.message_dict
    v = ProcedureVersion.objects.filter(procedure__code="1.004122").first()
    v.legal_days = Decimal(3651)
    with pytest.raises(ValidationError) as refused:
        v.clean_fields()
    assert "legal_days" in refused.value.message_dict


def test_unknown_procedure_and_bad_steps(catalogue):
    report = import_processes(
        [
            {"procedure_code": "9.999999", "steps": [{"order": 1, "actor": "A", "hours": 1}]},
            {"procedure_code": "1.004122", "steps": []},
            {"procedure_code": "1.004122", "steps": [{"order": 1, "actor": "", "hours": -1, "role": "boss"}]},
            # an overseer (HĐND) reads and an administrator configures: neither holds a step
            {
                "procedure_code": "1.004122",
                "steps": [{"order": 1, "actor": "Thường trực HĐND", "hours": 8, "role": "overseer"}],
            },  # fmt: skip
        ],
        today=TODAY,
    )
    assert not report.ok
    assert {p.record for p in report.errors} == {1, 2, 3, 4}
    msgs = " | ".join(p.message for p in report.errors)
    assert "Chưa có thủ tục mã 9.999999" in msgs
    assert "steps" in msgs and "actor" in msgs and "không được âm" in msgs and "vai trò 'boss'" in msgs
    assert "vai trò 'overseer' không nhận một bước của quy trình" in msgs


@pytest.mark.parametrize(
    ("actor", "role"),
    [
        ("Cán bộ Bộ phận TN&TKQ Sở Dân tộc & Tôn giáo", "officer"),
        ("Bộ phận một cửa UBND phường", "officer"),
        ("Trưởng Bộ phận TN&TKQ", "officer"),
        ("Chuyên viên trực tại Trung tâm Phục vụ hành chính công tỉnh", "officer"),
        ("Lãnh đạo phòng Nghiệp vụ", "unit_head"),
        ("Trưởng phòng Tài chính - Kế hoạch", "unit_head"),
        ("Lãnh đạo Sở", "leader"),
        ("Lãnh đạo UBND Thành phố", "leader"),
        ("Chủ tịch UBND xã", "leader"),
        ("Chuyên viên phòng Nghiệp vụ", "specialist"),
        ("Công chức kiểm tra, thẩm định hồ sơ; dự thảo văn bản trình Lãnh đạo phòng", "specialist"),
        ("Văn thư Sở", "officer"),
    ],
)
def test_role_heuristic(actor, role):
    assert role_for_actor(actor) == role


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("1/2 ngày", 4),
        ("0,5 ngày làm việc", 4),
        ("02 ngày", 16),
        ("04 giờ làm việc", 4),
        ("Giờ hành chính", None),
    ],
)
def test_hours_from_text(text, hours):
    assert hours_from_text(text) == (Decimal(hours) if hours is not None else None)


@pytest.mark.django_db
def test_each_import_names_the_other_ones_file(ref_procs, ref_processes, tmp_path):
    """The reference data's two files given to the wrong command: one message saying which command reads the file,
    not a missing column on every record; a folder is named as such. Exit 1, nothing stored."""
    procedures, processes = tmp_path / "procedures.json", tmp_path / "internal_processes.json"
    procedures.write_text(json.dumps(ref_procs, ensure_ascii=False), encoding="utf-8")
    processes.write_text(json.dumps(ref_processes, ensure_ascii=False), encoding="utf-8")
    cases = [
        (
            "import-procedures",
            processes,
            "Tệp này là quy trình nội bộ",
            "import it with motcua import-processes",
        ),
        (
            "import-processes",
            procedures,
            "Tệp này là danh mục thủ tục",
            "import it with motcua import-procedures",
        ),
        ("import-procedures", tmp_path, "là thư mục, không phải tệp", "is a folder, not a file"),
        ("import-processes", tmp_path, "là thư mục, không phải tệp", "is a folder, not a file"),
    ]
    for command, path, vietnamese, english in cases:
        out, err = StringIO(), StringIO()
        with pytest.raises(CommandError) as exc:
            call_command(command, str(path), stdout=out, stderr=err)
        assert exc.value.returncode == 1
        assert vietnamese in str(exc.value) and english in str(exc.value), command
        assert out.getvalue() == "" and err.getvalue() == ""
    from motcua.catalog.models import Procedure

    assert not Procedure.objects.exists() and not ProcessTemplate.objects.exists()
