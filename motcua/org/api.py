"""Public agency directory: GET /api/v1/agencies and /api/v1/agencies/{identifier}."""

from django.http import HttpRequest
from ninja import Router, Schema

from motcua.core.errors import NotFound, Unprocessable
from motcua.core.i18n import vietnamese
from motcua.core.schemas import ErrorOut, OfficeHoursOut

from . import selectors
from .models import ONE_STOP_KINDS, Agency, AgencyLevel

router = Router(tags=["agencies"])


class AgencyRefOut(Schema):
    identifier: str
    name: str
    level: str


class AgencyOut(Schema):
    identifier: str
    name: str
    short_name: str
    level: str
    level_label: str
    kind: str
    parent: str | None
    address: str
    phone: str
    email: str
    place_name: str
    office_hours: OfficeHoursOut
    active: bool


class UnitOut(Schema):
    name: str
    kind: str
    kind_label: str


class AgencyDetailOut(AgencyOut):
    ancestors: list[AgencyRefOut]
    children: list[AgencyRefOut]
    units: list[UnitOut]


def _hhmm(value) -> str:
    return value.strftime("%H:%M")


def _ref(a: Agency) -> dict:
    return {"identifier": a.identifier, "name": a.name, "level": a.level}


def _agency(a: Agency) -> dict:
    return {
        "identifier": a.identifier,
        "name": a.name,
        "short_name": a.short_name,
        "level": a.level,
        "level_label": vietnamese(a.get_level_display),
        "kind": a.kind,
        "parent": a.parent.identifier if a.parent_id else None,
        "address": a.address,
        "phone": a.phone,
        "email": a.email,
        "place_name": a.place_name,
        "office_hours": {
            "morning_start": _hhmm(a.morning_start),
            "morning_end": _hhmm(a.morning_end),
            "afternoon_start": _hhmm(a.afternoon_start),
            "afternoon_end": _hhmm(a.afternoon_end),
            "cutoff": _hhmm(a.cutoff),
        },
        "active": a.active,
    }


@router.get("", response={200: list[AgencyOut], 404: ErrorOut, 422: ErrorOut}, summary="Danh sách cơ quan")
def list_agencies(
    request: HttpRequest,
    parent: str | None = None,
    q: str | None = None,
    level: str | None = None,
    include_inactive: bool = False,
):
    """Agencies in tree order. `parent=<identifier>`: its direct children; `q`: search in names ignoring
    Vietnamese diacritics, or in identifiers; `level`: one of central, ministry, province, department,
    district, commune; `include_inactive=true` also lists dissolved agencies."""
    parent_agency = None
    if parent:
        parent_agency = selectors.agency_by_identifier(parent.strip())
        if parent_agency is None:
            raise NotFound(
                f"Không tìm thấy cơ quan cấp trên có mã định danh '{parent}'.",
                f"No agency with identifier '{parent}'.",
            )
    if level and level not in AgencyLevel.values:
        raise Unprocessable(
            "Cấp cơ quan không hợp lệ; chọn một trong: " + ", ".join(AgencyLevel.values) + ".",
            "level must be one of " + ", ".join(AgencyLevel.values) + ".",
        )
    agencies = selectors.agency_list(
        parent=parent_agency, q=q or "", level=level or "", include_inactive=include_inactive
    )
    return [_agency(a) for a in agencies]


@router.get(
    "/{identifier}",
    response={200: AgencyDetailOut, 404: ErrorOut, 422: ErrorOut},
    summary="Thông tin cơ quan",
)
def get_agency(request: HttpRequest, identifier: str):
    """One agency by its electronic identifier (e.g. 000.00.21.H26), with its parents, sub-agencies and
    units."""
    agency = selectors.agency_detail(identifier)  # as typed: identifier_form
    if agency is None:
        raise NotFound(
            f"Không tìm thấy cơ quan có mã định danh '{identifier}'.",
            f"No agency with identifier '{identifier}'.",
        )
    data = _agency(agency)
    data["ancestors"] = [_ref(a) for a in agency.ancestors()]
    data["children"] = [_ref(c) for c in sorted(agency.children.all(), key=lambda c: c.path)]
    data["units"] = [
        {"name": u.name, "kind": u.kind, "kind_label": vietnamese(u.get_kind_display)}
        for u in sorted(agency.units.all(), key=lambda u: (u.kind not in ONE_STOP_KINDS, u.pk))
    ]
    return data
