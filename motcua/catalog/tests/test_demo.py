import io
import json
from pathlib import Path

import pytest

from motcua.catalog import demo
from motcua.catalog.models import Offering, Procedure, ProcedureVersion, ProcessStep, ProcessTemplate
from motcua.org import demo as org_demo
from motcua.org.models import Agency

pytestmark = pytest.mark.django_db


def counts():
    return (
        Procedure.objects.count(),
        ProcedureVersion.objects.count(),
        ProcessTemplate.objects.count(),
        ProcessStep.objects.count(),
        Offering.objects.count(),
    )


def test_demo_loads_catalogue_and_offerings_idempotently():
    org_demo.load(stdout=io.StringIO())
    out = io.StringIO()
    first = demo.load(stdout=out)
    assert first["procedures"] == 96 and first["procedures_created"] == 96
    # 11 reference workflows (+2 shared) + the demo template, at large, the department's own and the district's own
    assert first["process_templates_created"] == 16
    assert first["agencies_missing"] == []
    assert "Danh mục thủ tục" in out.getvalue()
    before = counts()
    second = demo.load()
    assert second["procedures_created"] == 0 and second["versions_created"] == 0
    assert second["process_templates_created"] == 0 and second["offerings_created"] == 0
    assert counts() == before

    # Offerings: the department takes every province-level procedure (+1.001612), the district and each ward the
    # commune-level ones including 1.001612.
    province = set(Procedure.objects.filter(level="province").values_list("code", flat=True))
    dept = set(
        Offering.objects.filter(agency__identifier="000.00.21.H26").values_list("procedure__code", flat=True)
    )
    assert dept == province | {"1.001612"} and len(province) == 94
    commune = {"1.001612", "1.001662"}
    for ident in ["000.00.33.H26", "000.01.33.H26", "000.18.33.H26"]:
        got = set(Offering.objects.filter(agency__identifier=ident).values_list("procedure__code", flat=True))
        assert got == commune, ident
    assert Offering.objects.get(agency__identifier="000.05.33.H26", procedure__code="1.001612").online

    p = Procedure.objects.get(code="1.001612")
    assert p.name == "Đăng ký thành lập hộ kinh doanh" and p.level == "commune"
    v = p.current_version()
    assert v.limit_hours() == 24 and v.online_level == "full" and "demo" in v.notes
    assert len(v.form_fields) >= 4 and v.components.count() == 3
    t = ProcessTemplate.objects.get(procedure=p, agency=None)
    assert t.step_hours_sum() == 24 and "demo" in t.notes
    assert list(t.steps.values_list("role", flat=True)) == ["officer", "specialist", "unit_head", "leader"]
    # at the department (the contract's example dossier) the same steps carry the department's actors
    from motcua.dossiers.services import process_steps

    at_dept = process_steps(p.pk, Agency.objects.get(identifier="000.00.21.H26").pk)
    assert [(s.role, s.hours) for s in at_dept] == [(s.role, s.hours) for s in t.steps.all()]
    assert at_dept[-1].actor == "Lãnh đạo Sở Kế hoạch và Đầu tư"
    assert not any("xã" in s.actor for s in at_dept)
    ward = Agency.objects.get(identifier="000.05.33.H26")
    assert process_steps(p.pk, ward.pk)[-1].actor == "Lãnh đạo UBND cấp xã"
    # at the district, the steps name the district's own units (org demo), not a commune's it does not have
    district = Agency.objects.get(identifier="000.00.33.H26")
    at_district = process_steps(p.pk, district.pk)
    assert [(s.role, s.hours) for s in at_district] == [(s.role, s.hours) for s in t.steps.all()]
    assert [s.actor for s in at_district] == [
        "Bộ phận Một cửa UBND Quận Hai Bà Trưng",
        f"Chuyên viên {org_demo.DIST_FINANCE}",
        f"Lãnh đạo {org_demo.DIST_FINANCE}",
        "Lãnh đạo UBND Quận Hai Bà Trưng",
    ]
    units = set(district.units.values_list("name", flat=True))
    assert {org_demo.ONE_STOP, org_demo.DIST_FINANCE, org_demo.DIST_LEADERS} <= units
    assert district.name == "UBND Quận Hai Bà Trưng"
    assert not any("xã" in s.actor or "Kinh tế" in s.actor for s in at_district)
    # Reference procedures take effect from their decision's date.
    assert Procedure.objects.get(code="1.004122").versions.get().effective_from.isoformat() == "2025-11-18"
    # No invented components for reference procedures.
    assert not Procedure.objects.get(code="1.004122").versions.get().components.exists()


def test_demo_without_agencies_skips_offerings():
    result = demo.load()
    assert result["offerings_created"] == 0
    assert result["agencies_missing"] == ["000.00.21.H26", "000.00.33.H26"]


def test_shipped_reference_copy_matches_the_shared_folder():
    if not demo.SHARED_DIR.exists():
        pytest.skip("shared reference folder not beside the repository")
    assert (demo.SHARED_DIR / "procedures.json").read_bytes() == (
        demo.DATA_DIR / "reference_procedures.json"
    ).read_bytes()
    assert (demo.SHARED_DIR / "internal_processes.json").read_bytes() == (
        demo.DATA_DIR / "reference_internal_processes.json"
    ).read_bytes()


PUBLISHED = Path(__file__).with_name("published_versions.json")


def test_published_demo_versions_are_never_edited():
    """`make run` on a database seeded earlier imports the shipped catalogue again, and the import refuses a
    published version whose content changed (dossiers may use it): the whole demo then fails. So a shipped
    version, once published, keeps its content; a change is a new version with a later effective date. The
    recorded hashes are those of the versions already shipped (a new version is added to the file)."""
    demo.load(stdout=io.StringIO())
    now = {f"{v.procedure.code}@{v.effective_from}": v.content_hash for v in ProcedureVersion.objects.all()}
    recorded = json.loads(PUBLISHED.read_text())
    changed = sorted(k for k, h in recorded.items() if now.get(k) != h)
    assert changed == [], f"published versions edited (give the change a new effective date): {changed}"
