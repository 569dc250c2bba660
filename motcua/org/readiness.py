"""Is an agency ready to take dossiers? What an operator checks after configuring one (README "Configuring an
agency"): each setting below is accepted on its own by the admin or an import, yet together they can leave a
dossier that nobody receives, a step that nobody holds, a process that does not fit the limit, or a form without
the agency's address. `motcua check-agency` and the agency's admin page list the findings (ADR 0003 addendum).

An *error* stops dossiers: nobody can receive or resolve them, a step of a listed procedure's process has nobody to
do it, a listed procedure has no version in force. A *warning* is something the agency works around at a cost.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone, translation

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Finding:
    level: str  # ERROR or WARNING
    code: str
    message: str  # Vietnamese
    message_en: str


def _roles_held(agency_ids) -> set[tuple[int, str]]:
    from motcua.dossiers.services import working_staff

    return set(working_staff(agency_ids).values_list("agency_id", "role"))


def _role_name(role: str) -> tuple[str, str]:
    from motcua.org.models import Role

    with translation.override("vi"):
        vi = str(Role(role).label)
    with translation.override("en"):
        en = str(Role(role).label)
    return vi, en


def agency_findings(agency, today: dt.date | None = None) -> list[Finding]:
    """The findings for one agency, errors first."""
    from motcua.catalog.models import Offering
    from motcua.org.models import ONE_STOP_KINDS, Role

    today = today or timezone.localdate()
    out: list[Finding] = []

    def add(level, code, vi, en):
        out.append(Finding(level, code, vi, en))

    if not agency.active:
        add(
            WARNING,
            "inactive",
            "Cơ quan đang ngừng hoạt động: không nhận hồ sơ.",
            "The agency is inactive: it takes no dossiers.",
        )
    offerings = list(
        Offering.objects.filter(agency=agency)
        .select_related("procedure", "agency")
        .order_by("procedure__code")
    )
    if not offerings:
        # a level above the offices (a province, a district) or an agency not set up yet: nothing to take
        add(
            WARNING,
            "no_offerings",
            "Cơ quan chưa niêm yết thủ tục nào (Thủ tục niêm yết): không nhận hồ sơ trực tuyến nào; cán bộ, quy "
            "trình chưa được kiểm tra.",
            "The agency lists no procedure (Offering): it takes no online filing; its staff and processes were not "
            "checked.",
        )
        return out
    held = _roles_held([agency.pk])
    if (agency.pk, Role.OFFICER) not in held:
        add(
            ERROR,
            "no_officer",
            "Chưa có cán bộ một cửa đang làm việc (vai trò 'Cán bộ một cửa' trên tài khoản đang hoạt động): không ai "
            "tiếp nhận hồ sơ hay trả kết quả.",
            "No working one-stop officer (role 'one-stop officer' on an active account): nobody receives dossiers or "
            "returns results.",
        )
    if not {(agency.pk, Role.UNIT_HEAD), (agency.pk, Role.LEADER)} & held:
        add(
            ERROR,
            "no_head",
            "Chưa có lãnh đạo phòng hay lãnh đạo cơ quan đang làm việc: không ai giải quyết (ký) hồ sơ.",
            "No working unit head or leader: nobody resolves (signs) dossiers.",
        )
    if not agency.units.filter(kind__in=ONE_STOP_KINDS).exists():
        add(
            WARNING,
            "no_one_stop_unit",
            "Chưa có đơn vị loại Bộ phận Một cửa hoặc Trung tâm Phục vụ hành chính công: số của các phiếu không có "
            "ký hiệu đơn vị tiếp nhận.",
            "No one-stop unit (Bộ phận Một cửa or public-service centre): the forms' numbers lack the receiving "
            "unit's abbreviation.",
        )
    missing = [
        (vi, en)
        for value, vi, en in ((agency.address, "địa chỉ", "address"), (agency.phone, "điện thoại", "phone"))
        if not (value or "").strip()
    ]
    if missing:
        add(
            WARNING,
            "no_contact",
            f"Chưa ghi {' và '.join(vi for vi, _en in missing)} của cơ quan: các phiếu gửi người nộp (Mẫu 01, 02) "
            "không có để liên hệ.",
            f"The agency's {' and '.join(en for _vi, en in missing)} not recorded: the forms sent to applicants "
            "(Forms 01, 02) give none to contact.",
        )
    out += _offering_findings(agency, offerings, today)
    return sorted(out, key=lambda f: f.level != ERROR)


def _offering_findings(agency, offerings, today) -> list[Finding]:
    """The listed procedures' findings, read for all of them at once: the versions in force, which of them have
    components, the processes with their steps (a department lists about a hundred procedures)."""
    from django.db.models import Prefetch, Q

    from motcua.catalog.admin import process_mismatch
    from motcua.catalog.models import ProcedureComponent, ProcedureVersion, ProcessStep, ProcessTemplate

    out: list[Finding] = []
    procedure_ids = [o.procedure_id for o in offerings]
    versions: dict = {}  # the version in force today (Procedure.version_at): the latest effective_from <= today
    for v in ProcedureVersion.objects.filter(
        procedure_id__in=procedure_ids, effective_from__lte=today
    ).order_by("procedure_id", "-effective_from"):
        versions.setdefault(v.procedure_id, v)
    with_components = set(
        ProcedureComponent.objects.filter(version__in=list(versions.values())).values_list(
            "version_id", flat=True
        )
    )
    steps = Prefetch("steps", queryset=ProcessStep.objects.select_related("partner_agency").order_by("order"))
    templates = {
        # the lowest pk of each kind last, so kept: the one a dossier follows (dossiers.services.process_steps)
        (t.procedure_id, t.agency_id): t
        for t in ProcessTemplate.objects.filter(procedure_id__in=procedure_ids)
        .filter(Q(agency=agency) | Q(agency__isnull=True))
        .prefetch_related(steps)
        .order_by("-pk")
    }
    partners = {
        s.partner_agency_id
        for t in templates.values()
        for s in t.steps.all()
        if s.inter_agency and s.partner_agency_id
    }
    held = _roles_held([agency.pk, *partners])
    grouped: dict[tuple[str, str, str, str], list[str]] = {}  # one finding per kind, naming its procedures
    for o in offerings:
        p = o.procedure
        code = p.code

        def add(level, key, vi, en, code=code):
            grouped.setdefault((level, key, vi, en), []).append(code)

        version = versions.get(p.pk)
        if version is None or not p.active:
            add(
                ERROR,
                "no_version",
                "thủ tục không có phiên bản đang có hiệu lực (hoặc đã bãi bỏ): hồ sơ nộp đến bị từ chối.",
                "the procedure has no version in force (or is abolished): filings are refused.",
            )
            continue
        if version.limit_hours(o.registered_days) is None:
            add(
                WARNING,
                "no_limit",
                "thủ tục không có một thời hạn giải quyết duy nhất: cán bộ phải nhập thời hạn khi tiếp nhận từng hồ "
                "sơ.",
                "the procedure has no single time limit: the officer types one at each reception.",
            )
        if o.online and version.pk not in with_components:
            add(
                WARNING,
                "no_components",
                "nhận trực tuyến nhưng phiên bản thủ tục chưa có thành phần hồ sơ: người dân nộp mà không tải lên giấy "
                "tờ nào.",
                "received online but the version has no components: citizens file without uploading any paper.",
            )
        template = templates.get((p.pk, agency.pk)) or templates.get((p.pk, None))
        if template is None:
            add(
                WARNING,
                "no_process",
                "chưa có quy trình nội bộ: hồ sơ đi một bước 'Xử lý' duy nhất của chuyên viên, không có bước phân "
                "công, trình ký.",
                "no internal process: dossiers go through one 'Processing' step of a specialist, with no "
                "assignment or signing step.",
            )
            continue
        with translation.override("vi"):
            mismatch_vi = process_mismatch(o, version=version, template=template)
        if mismatch_vi:
            with translation.override("en"):
                mismatch_en = process_mismatch(o, version=version, template=template)
            out.append(Finding(WARNING, "process_mismatch", mismatch_vi, mismatch_en))
        for s in template.steps.all():
            where = s.partner_agency if (s.inter_agency and s.partner_agency_id) else agency
            if s.inter_agency and not s.partner_agency_id:
                add(
                    WARNING,
                    "no_partner",
                    f"bước {s.order} là bước liên thông nhưng chưa chọn cơ quan phối hợp: bước được làm tại chính cơ "
                    "quan.",
                    f"step {s.order} is inter-agency but names no partner agency: it is done at the agency itself.",
                )
            if (where.pk, s.role) not in held:
                vi, en = _role_name(s.role)
                add(
                    ERROR,
                    "step_unheld",
                    f"bước {s.order} ({s.actor}) cần vai trò '{vi}' tại {where.name}, nhưng không ai đang giữ vai "
                    "trò này: hồ sơ dừng ở bước đó.",
                    f"step {s.order} ({s.actor}) needs the role '{en}' at {where.identifier}, which nobody working "
                    "holds: dossiers stop at that step.",
                )
    for (level, key, vi, en), codes in grouped.items():
        named = ", ".join(codes[:LISTED])
        more_vi = f" và {len(codes) - LISTED} thủ tục khác" if len(codes) > LISTED else ""
        more_en = f" and {len(codes) - LISTED} more" if len(codes) > LISTED else ""
        if len(codes) == 1:
            out.append(Finding(level, key, f"{named}: {vi}", f"{named}: {en}"))
        else:
            out.append(
                Finding(
                    level,
                    key,
                    f"{len(codes)} thủ tục ({named}{more_vi}): {vi}",
                    f"{len(codes)} procedures ({named}{more_en}): {en}",
                )
            )
    return out


LISTED = 12  # procedure codes named in one finding


def calendar_findings(today: dt.date | None = None) -> list[Finding]:
    """What holds for every agency: a year whose appointments rest on the Labour Code's days off alone."""
    from motcua.workdays.services import unconfirmed_years

    years = unconfirmed_years(today)
    if not years:
        return []
    listed = ", ".join(map(str, years))
    return [
        Finding(
            WARNING,
            "calendar_unconfirmed",
            f"Chưa ghi lịch nghỉ lễ, Tết, ngày làm bù được công bố cho năm {listed}: ngày hẹn trả tính theo Bộ luật "
            "Lao động, có thể sai quanh Tết.",
            f"The announced days off and make-up days for {listed} are not recorded: appointments follow the Labour "
            "Code alone and may be wrong around Tết.",
        )
    ]
