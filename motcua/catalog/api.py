"""Public procedure catalogue API: GET /api/v1/procedures (search) and GET /api/v1/procedures/{code} (detail)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from motcua.core.errors import NotFound, Unprocessable
from motcua.core.i18n import vietnamese
from motcua.core.schemas import ErrorOut
from motcua.core.text import identifier_form
from motcua.org.models import Agency, Role

from . import selectors
from .eforms import usable_fields
from .models import Level, OnlineLevel, Procedure, ProcedureVersion

router = Router(tags=["procedures"])

Number = int | float | None


def num(value: Decimal | None) -> Number:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


class ProcedureItemOut(Schema):
    code: str
    name: str
    field: str
    field_code: str
    level: str
    level_label: str
    legal_days: Number
    legal_hours: Number
    registered_days: Number
    applied_days: Number
    limit_hours: Number
    limit_text: str
    online_level: str | None
    online_level_label: str
    implementing_agency: str
    url: str


class ProcedureListOut(Schema):
    count: int
    limit: int
    offset: int
    items: list[ProcedureItemOut]


class ComponentOut(Schema):
    order: int
    name: str
    originals: int
    copies: int
    required: bool
    note: str
    template_url: str | None


class StepOut(Schema):
    order: int
    label: str
    actor: str
    role: str
    role_label: str
    task: str
    time_text: str
    hours: Number
    inter_agency: bool
    partner_agency: str | None


class ProcessOut(Schema):
    agency: str | None
    agency_name: str | None
    total_hours: Number
    total_text: str
    step_hours_sum: Number
    notes: str
    steps: list[StepOut]


class OfferingAgencyOut(Schema):
    identifier: str
    name: str
    level: str
    online: bool
    registered_days: Number = Field(
        None, description="the limit the agency registered for itself (working days), if any"
    )
    limit_hours: Number = Field(None, description="the limit a dossier gets at this agency (working hours)")
    limit_text: str = ""


class VersionRefOut(Schema):
    effective_from: dt.date
    in_force: bool
    name: str
    legal_days: Number
    legal_hours: Number
    registered_days: Number
    limit_hours: Number
    online_level: str | None
    source_document: str


class ProcedureDetailOut(ProcedureItemOut):
    active: bool
    effective_from: dt.date
    days_basis: str
    time_text: str
    registered_limit_text: str
    fee_text: str
    deciding_agency: str
    subjects: str
    result: str
    conditions: str
    legal_basis: str
    notes: str
    source_document: str
    source: dict
    components: list[ComponentOut]
    form_fields: list[dict]
    process: ProcessOut | None
    agency_processes: list[ProcessOut]
    agencies: list[OfferingAgencyOut]
    versions: list[VersionRefOut]
    online_filing_url: str | None


def _online(level: str) -> str | None:
    return None if level in ("", OnlineLevel.NONE) else level


def _item(p: Procedure, v: ProcedureVersion | None) -> dict:
    return {
        "code": p.code,
        "name": p.name,
        "field": p.field.name,
        "field_code": p.field.code,
        "level": p.level,
        "level_label": vietnamese(Level(p.level).label) if p.level in Level.values else p.level,
        "legal_days": num(v.legal_days) if v else None,
        "legal_hours": num(v.legal_hours) if v else None,
        "registered_days": num(v.registered_days) if v else None,
        "applied_days": num(v.applied_days) if v else None,
        "limit_hours": num(v.limit_hours()) if v else None,
        "limit_text": (v.registered_limit_text() or v.legal_limit_text()) if v else "",
        "online_level": _online(v.online_level) if v else None,
        "online_level_label": vietnamese(OnlineLevel(v.online_level).label) if v and v.online_level else "",
        "implementing_agency": v.implementing_agency if v else "",
        "url": f"/thu-tuc/{p.code}/",
    }


@router.get(
    "",
    response={200: ProcedureListOut, 404: ErrorOut, 422: ErrorOut},
    summary="Tra cứu thủ tục hành chính (search the catalogue)",
    description="Tìm không phân biệt dấu và hoa/thường; mọi từ phải có trong mã hoặc tên. "
    "Every word of q must occur in the code or name; Vietnamese diacritics and case are ignored.",
)
def list_procedures(
    request: HttpRequest,
    q: str = "",
    field: str | None = None,
    level: str | None = None,
    agency: str | None = None,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    if len(q) > 200:
        raise Unprocessable("Từ khóa tìm kiếm quá dài (tối đa 200 ký tự).", "Search text too long (max 200).")
    level_value = selectors.parse_level(level)
    if level and not level_value:
        raise Unprocessable(
            f"Cấp thực hiện không hợp lệ '{level}': dùng {', '.join(Level.values)}.",
            f"Unknown level '{level}': use {', '.join(Level.values)}.",
        )
    field_obj = selectors.field_by_key(field)
    if field and field_obj is None:
        raise NotFound(f"Không có lĩnh vực '{field}'.", f"No field '{field}'.")
    agency_obj = None
    if agency:
        agency_obj = Agency.objects.filter(identifier=identifier_form(agency)).first()
        if agency_obj is None:
            raise NotFound(
                f"Không có cơ quan mã định danh '{agency}'.", f"No agency with identifier '{agency}'."
            )
    qs = selectors.search_procedures(q=q, field=field_obj, level=level_value, agency=agency_obj)
    count, page = selectors.search_page(qs, offset=offset, limit=limit)
    return {"count": count, "limit": limit, "offset": offset, "items": [_item(p, p.current) for p in page]}


@router.get("/", response={200: ProcedureListOut, 404: ErrorOut, 422: ErrorOut}, include_in_schema=False)
def list_procedures_slash(
    request: HttpRequest,
    q: str = "",
    field: str | None = None,
    level: str | None = None,
    agency: str | None = None,
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    """The same list at /api/v1/procedures/ (trailing slash)."""
    return list_procedures(request, q=q, field=field, level=level, agency=agency, limit=limit, offset=offset)


@router.get(
    "/{code}",
    response={200: ProcedureDetailOut, 404: ErrorOut, 422: ErrorOut},
    summary="Chi tiết thủ tục (procedure detail)",
    description="Phiên bản có hiệu lực hôm nay (hoặc ngày `at`), kèm các phiên bản, thành phần hồ sơ, quy trình nội "
    "bộ và cơ quan tiếp nhận. The version in force today (or on `at`), with versions, components, internal process "
    "and receiving agencies.",
)
def get_procedure(request: HttpRequest, code: str, at: dt.date | None = None):
    proc = selectors.procedure_by_code(code)
    if proc is None:
        raise NotFound(
            f"Không tìm thấy thủ tục hành chính mã '{code}'.",
            f"No administrative procedure with code '{code}'.",
        )
    when = at or timezone.localdate()
    v = selectors.version_detail(proc, when=when)
    if v is None:
        raise NotFound(
            f"Thủ tục '{code}' chưa có phiên bản nào được công bố.",
            f"Procedure '{code}' has no published version.",
        )
    data = _item(proc, v)
    default_process, agency_processes = selectors.published_processes(proc)
    offerings = selectors.offering_agencies(proc)
    versions = list(proc.versions.order_by("-effective_from"))
    # the version shown falls back to the earliest when none is in force on the day (a procedure published for a
    # later date, or `at` before its first version): then no version is in force, and none is said to be
    in_force = proc.version_at(when)
    data.update(
        {
            "name": v.name,
            "field": v.field.name,
            "field_code": v.field.code,
            "level": v.level,
            "level_label": vietnamese(Level(v.level).label) if v.level in Level.values else v.level,
            "active": proc.active,
            "effective_from": v.effective_from,
            "days_basis": v.days_basis,
            "time_text": v.time_text,
            "registered_limit_text": v.registered_limit_text(),
            "fee_text": v.fee_text,
            "deciding_agency": v.deciding_agency,
            "subjects": v.subjects,
            "result": v.result,
            "conditions": v.conditions,
            "legal_basis": v.legal_basis,
            "notes": v.notes,
            "source_document": v.source_document,
            "source": v.source or {},
            "components": [
                {
                    "order": c.order,
                    "name": c.name,
                    "originals": c.originals,
                    "copies": c.copies,
                    "required": c.required,
                    "note": c.note,
                    "template_url": (c.template.url if c.template else c.template_url) or None,
                }
                for c in v.components.all()
            ],
            "form_fields": usable_fields(v.form_fields),
            # the procedure's default internal process (null when there is none); an agency's own process is in
            # agency_processes, under its agency, never in its place
            "process": _process(default_process),
            "agency_processes": [_process(t) for t in agency_processes],
            "agencies": [
                {
                    "identifier": o.agency.identifier,
                    "name": o.agency.name,
                    "level": o.agency.level,
                    "online": o.online,
                    "registered_days": num(o.registered_days),
                    "limit_hours": num(v.limit_hours(o.registered_days)),
                    "limit_text": v.registered_limit_text(o.registered_days) or v.legal_limit_text(),
                }
                for o in offerings
            ],
            "versions": [
                {
                    "effective_from": x.effective_from,
                    "in_force": in_force is not None and x.pk == in_force.pk,
                    "name": x.name,
                    "legal_days": num(x.legal_days),
                    "legal_hours": num(x.legal_hours),
                    "registered_days": num(x.registered_days),
                    "limit_hours": num(x.limit_hours()),
                    "online_level": _online(x.online_level),
                    "source_document": x.source_document,
                }
                for x in versions
            ],
            "online_filing_url": online_filing_url(proc, v, offerings),
        }
    )
    return data


@router.get(
    "/{code}/", response={200: ProcedureDetailOut, 404: ErrorOut, 422: ErrorOut}, include_in_schema=False
)
def get_procedure_slash(request: HttpRequest, code: str, at: dt.date | None = None):
    """The same detail at /api/v1/procedures/<code>/ (trailing slash)."""
    return get_procedure(request, code=code, at=at)


def online_filing_url(proc: Procedure, version: ProcedureVersion, offerings) -> str | None:
    """Where a citizen files online: only when the version is offered online and some agency receives it online."""
    if version.online_level in (OnlineLevel.FULL, OnlineLevel.PARTIAL) and any(o.online for o in offerings):
        return f"/nop-ho-so/{proc.code}/"
    return None


def _process(template) -> dict | None:
    if template is None:
        return None
    steps = list(template.steps.all())
    return {
        "agency": template.agency.identifier if template.agency_id else None,
        "agency_name": template.agency.name if template.agency_id else None,
        "total_hours": num(template.total_hours),
        "total_text": template.total_text,
        "step_hours_sum": num(sum((s.hours for s in steps if s.hours is not None), Decimal(0))),
        "notes": template.notes,
        "steps": [
            {
                "order": s.order,
                "label": s.label,
                "actor": s.actor,
                "role": s.role,
                "role_label": vietnamese(Role(s.role).label) if s.role in Role.values else s.role,
                "task": s.task,
                "time_text": s.time_text,
                "hours": num(s.hours),
                "inter_agency": s.inter_agency,
                "partner_agency": s.partner_agency.identifier if s.partner_agency_id else None,
            }
            for s in steps
        ],
    }
