"""Demo catalogue: the 95 reference procedures and 11 internal processes, plus the national procedure 1.001612
(Đăng ký thành lập hộ kinh doanh) as a demo supplement, and the demo agencies' offerings.

`load()` is idempotent (imports compare content hashes; offerings are created only when missing) and runs after the
demo agencies exist (`motcua demo`). Reference files are read from the shared folder beside the repository when it is
there (dev machines), else from the copy shipped in motcua/catalog/data/.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from django.conf import settings
from django.db import transaction

from motcua.org.models import Agency

from .importers import ImportReport, import_procedures, import_processes
from .models import Level, Offering, OnlineLevel, Procedure

DATA_DIR = Path(__file__).resolve().parent / "data"
SHARED_DIR = Path(settings.BASE_DIR).parent / "shared" / "reference"

DEPARTMENT = "000.00.21.H26"  # Sở Kế hoạch và Đầu tư Hà Nội
DISTRICT = "000.00.33.H26"  # UBND Quận Hai Bà Trưng; its wards are 000.01.33.H26 … 000.18.33.H26
DEMO_PROCEDURE = "1.001612"
# Reference catalogues were published by decisions of late 2025; a record's version takes effect from its decision's
# date ("(Cao Bằng, 18/11/2025)"), else from the start of the 2025 one-stop framework (Decree 118/2025).
DEFAULT_EFFECTIVE = dt.date(2025, 7, 1)
_DOC_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})\)\s*$")


class DemoLoadError(RuntimeError):
    pass


def _read(name: str, shared_name: str) -> list[dict]:
    shared = SHARED_DIR / shared_name
    path = shared if shared_name and shared.exists() else DATA_DIR / name
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def decision_date(record: dict) -> dt.date:
    doc = (record.get("source") or {}).get("document") or ""
    m = _DOC_DATE.search(doc)
    if m:
        try:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            pass
    return DEFAULT_EFFECTIVE


def _check(report: ImportReport, what: str) -> None:
    if not report.ok:
        raise DemoLoadError(f"Demo {what} import failed:\n" + "\n".join(report.lines()))


def load(*, stdout=None) -> dict:
    """Load the demo catalogue; returns counts of what was created this time."""
    reference = _read("reference_procedures.json", "procedures.json")
    for record in reference:
        record.setdefault("effective_from", decision_date(record).isoformat())
    extra = _read("demo_extra_procedures.json", "")
    processes = _read("reference_internal_processes.json", "internal_processes.json")
    processes += _read("demo_extra_processes.json", "")
    if Agency.objects.filter(identifier=DEPARTMENT).exists():
        # the department's own process for 1.001612 (its actors, not a ward's), once it exists, as its offerings
        processes += _read("demo_department_processes.json", "")
    if Agency.objects.filter(identifier=DISTRICT).exists():
        # the district's own process for 1.001612, naming its units (org demo: Bộ phận Một cửa, Phòng Tài chính -
        # Kế hoạch, Lãnh đạo UBND Quận) rather than a commune's (Phòng Kinh tế, UBND cấp xã) it does not have
        processes += _read("demo_district_processes.json", "")
    with transaction.atomic():
        proc_report = import_procedures(reference + extra)
        _check(proc_report, "procedure")
        process_report = import_processes(processes)
        _check(process_report, "process")
        offerings = _load_offerings()
    result = {
        "procedures": Procedure.objects.count(),
        "procedures_created": proc_report.created,
        "versions_created": proc_report.created + proc_report.new_versions,
        "process_templates_created": process_report.created + process_report.new_versions,
        "offerings_created": offerings["created"],
        "agencies_missing": offerings["missing"],
    }
    if stdout is not None:
        stdout.write(
            f"Danh mục thủ tục: {result['procedures']} thủ tục (mới {result['procedures_created']}, phiên bản mới "
            f"{result['versions_created']}), quy trình mới {result['process_templates_created']}, niêm yết mới "
            f"{result['offerings_created']}."
        )
        if offerings["missing"]:
            stdout.write(f"  Bỏ qua cơ quan chưa có: {', '.join(offerings['missing'])}")
    return result


def _load_offerings() -> dict:
    created, missing = 0, []
    procedures = list(Procedure.objects.filter(active=True).prefetch_related("versions"))
    province_level = [p for p in procedures if p.level == Level.PROVINCE]
    commune_level = [p for p in procedures if p.level == Level.COMMUNE]
    demo = [p for p in procedures if p.code == DEMO_PROCEDURE]

    department = Agency.objects.filter(identifier=DEPARTMENT).first()
    district = Agency.objects.filter(identifier=DISTRICT).first()
    plan: list[tuple[Agency, list[Procedure]]] = []
    if department:
        # Also 1.001612 at the department, so the contract's example dossier (procedure 1.001612 at 000.00.21.H26)
        # has a matching offering.
        plan.append((department, province_level + [p for p in demo if p not in province_level]))
    else:
        missing.append(DEPARTMENT)
    if district:
        plan.append((district, commune_level))
        for ward in Agency.objects.filter(parent=district).order_by("identifier"):
            plan.append((ward, commune_level))
    else:
        missing.append(DISTRICT)
    for agency, procs in plan:
        have = set(Offering.objects.filter(agency=agency).values_list("procedure_id", flat=True))
        new = []
        for p in procs:
            if p.pk in have:
                continue
            current = p.current_version()
            online = bool(current and current.online_level != OnlineLevel.NONE)
            new.append(
                Offering(agency=agency, procedure=p, online=online, since=current and current.effective_from)
            )
        Offering.objects.bulk_create(new)
        created += len(new)
    return {"created": created, "missing": missing}
