"""Dossier API (contract §6/§7): POST /dossiers, GET /dossiers/<code>, POST /dossiers/<code>/<action>,
and the public masked status lookup GET /dossiers/<code>/status."""

import datetime as dt
from typing import Literal

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, File, Form, Path, Query, Router, UploadedFile
from ninja.security import HttpBearer
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from motcua.catalog import selectors as catalog_selectors
from motcua.core.auth import BearerAuth
from motcua.core.errors import NotFound, PermissionDenied, Throttled, Unprocessable
from motcua.core.prepared import Prepared
from motcua.core.schemas import ErrorOut, InSchema, Line, Text, ignored_notice, with_ignored
from motcua.core.storage import open_stored
from motcua.core.text import code_forms, identifier_form
from motcua.org import throttle
from motcua.org.models import Agency
from motcua.org.selectors import is_staff_member
from motcua.org.throttle import wait_minutes

from . import access_log, documents, lifecycle, pdf, selectors, services
from .models import AccessKind, Dossier, State

router = Router(tags=["dossiers"])
MAX_OFFSET = 10**9  # far beyond any agency's dossiers, and within every database's integer range
auth = BearerAuth()


PHONE = (
    "Số điện thoại: 10–11 chữ số bắt đầu bằng 0, hoặc số quốc tế +… — 0 and 9–10 digits, or + and 8–15 digits"
)


class ApplicantIn(InSchema):
    kind: Literal["individual", "organization", "organisation"] = Field(
        "individual",
        description="individual (cá nhân) or organization (tổ chức; 'organisation' is read the same)",
    )
    name: Line = Field(..., max_length=255)
    id_number: Line = Field("", max_length=20, description="CCCD (12 chữ số) hoặc mã số thuế (10/13 chữ số)")
    birth_year: int | None = None
    address: Line = Field("", max_length=500)
    phone: Line = Field("", max_length=30, description=PHONE)
    email: Line = Field("", max_length=254)


class RepresentativeIn(InSchema):
    name: Line = Field(..., max_length=255)
    id_number: Line = Field("", max_length=20, description="Số định danh cá nhân (CCCD, 12 chữ số)")
    address: Line = Field("", max_length=500)
    phone: Line = Field("", max_length=30, description=PHONE)
    email: Line = Field("", max_length=254)
    authorisation_document: Line = Field("", max_length=255, description="Số, ngày văn bản ủy quyền")


class AssistedIn(InSchema):
    consent_method: Literal["signature", "phone", "vneid"] = Field(
        ...,
        description="how the resident consented: signature (ký xác nhận trực tiếp), phone (qua điện thoại), "
        "vneid (qua VNeID)",
    )
    consent_at: dt.datetime = Field(
        ...,
        description="when the resident consented: not in the future, at most 30 days before the filing "
        "(without an offset: Vietnam's time, +07:00)",
    )
    consent_note: Text = Field("", max_length=1000, description="Ghi chú về sự đồng ý")
    team: int | None = Field(
        None, ge=1, le=2**31 - 1, description="the team's id, for a member of several (default: the first)"
    )


class FileIn(InSchema):
    procedure: str = Field(..., description="Procedure code, e.g. 1.001612")
    agency: str = Field(..., description="Receiving agency identifier, e.g. 000.00.21.H26")
    channel: Literal["online", "counter", "postal"] = "online"
    applicant: ApplicantIn
    representative: RepresentativeIn | None = None
    form_data: dict = {}
    result_method: Literal["counter", "post", "electronic"] = "counter"
    receive: bool = Field(False, description="Officer only: receive at once (counter)")
    working_days: float | None = Field(
        None,
        ge=0,
        le=3650,
        allow_inf_nan=False,
        description="Officer only: the limit applied, in working days (procedures without one)",
    )
    assisted: AssistedIn | None = Field(
        None,
        description="A community digital team member (tổ công nghệ số cộng đồng) filing online for a resident, "
        "who is the applicant (an individual, without representative): how and when the resident consented. The "
        "dossier belongs to no account until the resident claims it; the filing counts in the team's reach. The "
        "agency must receive the procedure online.",
    )


class SupplementItemIn(InSchema):
    model_config = ConfigDict(extra="forbid")

    name: Line = Field(..., min_length=1, max_length=500, description="Giấy tờ, nội dung cần bổ sung")
    reason: Line = Field("", max_length=1000, description="Lý do")


class ActionIn(InSchema):
    reason: Text = Field(
        "",
        max_length=2000,
        description="refuse, request_supplement, apologize, stop, resolve (ineligible): the reasons the paper states; "
        "without them the action is taken and `warnings` says so (missing_reason)",
    )
    items: list[SupplementItemIn] | None = Field(
        None,
        max_length=100,
        description="request_supplement: every missing or wrong item with its reason (Form 02)",
    )
    outcome: Literal["approved", "ineligible"] | None = None
    method: Literal["counter", "post", "electronic"] | None = None
    new_return_at: dt.datetime | dt.date | None = Field(
        None,
        description="apologize: the new return date (Form 04), in office hours of a working day; a day alone "
        "(2026-12-10) is that day's closing time (17:00 by default)",
    )
    assignee: str | None = Field(
        None,
        description="assign: the staff member's username (default: the only active holder of the step's role there)",
    )
    step: int | None = Field(
        None,
        description="assign: the step to assign (default: the step under way); hand_over: the step under way "
        "(409 wrong_step if the dossier is at another step)",
    )
    to: str | None = None
    within_agency: bool | None = Field(
        None,
        description="hand_over during a partner agency's inter-agency step (liên thông): give the step to `to`, a "
        "colleague of that agency (its head, to sign the reply), keeping the step and its due instant; the step is "
        "not completed (409 not_inter_agency at any other step)",
    )
    to_agency: str | None = None
    hours: float | None = Field(
        None, gt=0, le=99999.99, allow_inf_nan=False, description="hand_over to another agency: its budget"
    )
    amount: float | None = Field(
        None,
        gt=0,
        lt=10**14,
        allow_inf_nan=False,
        description="request_payment: whole đồng (without it: `warnings`, missing_amount)",
    )
    note: Line = Field("", max_length=1000)
    result_number: Line = Field("", max_length=200)
    tracking_number: Line = Field("", max_length=100)
    paid_reference: Line = Field(
        "", max_length=200, description="confirm_payment: the receipt's or payment document's number"
    )
    received_by: Line = Field("", max_length=255, description="return_result: who took the result")
    working_days: float | None = Field(
        None, ge=0, le=3650, allow_inf_nan=False, description="receive: the limit applied (working days)"
    )
    paper_components: list[int] | None = Field(
        None, description="receive: the procedure's components (their numbers) handed in on paper"
    )
    received_items: list[Line] | None = Field(
        None,
        max_length=50,
        description="receive: papers handed in, named one by one, where the catalogue lists no components "
        "(Form 01 lists them)",
    )
    expected_version: int | None = None

    @field_validator("new_return_at", mode="before")
    @classmethod
    def _day_alone(cls, value):
        """A day alone ("2026-12-10") is a day, not midnight: the service makes it that day's closing time (a body is validated
        as a dict, where a text would otherwise be read as a datetime first)."""
        if isinstance(value, str) and services.DAY_ONLY.match(value):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:  # 2026-02-30: one error, not one per member of the union
                raise PydanticCustomError(
                    "date_from_datetime_parsing", "Input should be a valid date, e.g. 2026-12-10"
                ) from None
        return value


ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": services.MAX_IDEMPOTENCY_KEY},
    "description": "Any text of the client's choosing, one per filing: a retry with the same key and body answers "
    "200 with the dossier the first request created (201) and creates no second one; the same key with another "
    "body is 422 `idempotency_mismatch`. Keys are per account.",
}


ACTION_IDEMPOTENCY_HEADER = {
    **IDEMPOTENCY_HEADER,
    "description": "Any text of the client's choosing, one per action: a retry of the action with the same key by "
    "the same account answers 200 with the dossier as it is now (header `Idempotent-Replayed: true`) and takes the "
    "action no second time — a head's `hand_over` sent twice would otherwise complete two steps. The same key "
    "with another action on the dossier is 422 `idempotency_mismatch`. The key is kept in the event's data.",
}


@router.post(
    "",
    auth=auth,
    response={200: dict, 201: dict, **ERRORS},
    summary="File a dossier",
    openapi_extra={"parameters": [IDEMPOTENCY_HEADER]},
)
def file_dossier(request: HttpRequest, payload: FileIn):
    """Online filing (`submit`) by a citizen/organisation account, or counter/postal registration (`register`)
    by an officer. Send `Idempotency-Key` to make retries safe. A key of the body that no field takes is not an
    error; the answer names each one under `ignored` (key, message, message_en), as it was not stored."""
    agency = identifier_form(payload.agency)  # "000.00.21.h26" is 000.00.21.H26
    if payload.assisted is not None:
        return _file_assisted(request, payload, agency)
    if payload.channel == "online":
        _check_received_online(payload.procedure.strip(), agency)
    dossier, created = services.dossier_file(
        actor=request.auth,
        procedure_code=payload.procedure.strip(),
        agency_identifier=agency,
        channel=payload.channel,
        applicant=payload.applicant.model_dump(),
        representative=payload.representative.model_dump() if payload.representative else None,
        form_data=payload.form_data,
        result_method=payload.result_method,
        receive=payload.receive,
        working_days=payload.working_days,
        idempotency_key=(request.META.get("HTTP_IDEMPOTENCY_KEY") or "").strip() or None,
    )
    answer = _detail_noting(request, FileIn, dossier)
    if (
        created
        and payload.channel == "online"
        and _files_for_another_as_member(request.auth, payload.applicant)
    ):
        answer["warnings"] = [NOT_ASSISTED]
    return _rendered(request, answer, 201 if created else 200)


NOT_ASSISTED = {
    "code": "not_assisted",
    "message": "Hồ sơ được nộp như của chính tài khoản của bạn. Bạn là thành viên tổ công nghệ số cộng đồng: để nộp "
    "hộ người dân (ghi nhận sự đồng ý, tính vào kết quả của tổ), gửi kèm 'assisted'.",
    "message_en": "The dossier was filed as your own account's. You are a community digital team member: to file "
    "for a resident (their consent recorded, counted in the team's reach), send 'assisted'.",
}


def _files_for_another_as_member(user, applicant) -> bool:
    """An active team member's own filing for someone whose ID is not the account's: likely a resident's dossier
    filed without `assisted` (no consent recorded, not counted in the team's reach, the member its account)."""
    from motcua.community.selectors import team_member_ids
    from motcua.portal.models import CitizenProfile

    if user.pk not in team_member_ids():
        return False
    own = CitizenProfile.objects.filter(user=user).values_list("id_number", flat=True).first()
    return not own or own != (applicant.id_number or "").strip()


def _file_assisted(request: HttpRequest, payload: FileIn, agency: str):
    """`POST /dossiers` with `assisted`: community.services.assisted_file, as the team's web form files."""
    from django.utils import timezone

    from motcua.community import services as community

    refusals = (
        (payload.channel != "online", "kênh 'online'", "channel 'online'"),
        (payload.applicant.kind != "individual", "người nộp là cá nhân", "an individual applicant"),
        (payload.representative is not None, "không có người đại diện", "no representative"),
        (
            payload.receive or payload.working_days is not None,
            "không có 'receive', 'working_days'",
            "no 'receive' or 'working_days'",
        ),
    )
    for refused, vi, en in refusals:
        if refused:
            raise Unprocessable(
                f"Nộp hộ người dân ('assisted') cần {vi}: người dân là người nộp hồ sơ trực tuyến.",
                f"Filing for a resident ('assisted') takes {en}: the resident files online.",
                code="assisted_filing",
            )
    a = payload.assisted
    consent_at = a.consent_at if timezone.is_aware(a.consent_at) else timezone.make_aware(a.consent_at)
    filing = community.assisted_file(
        member_user=request.auth,
        team_id=a.team,
        procedure_code=payload.procedure.strip(),
        agency_identifier=agency,
        resident=payload.applicant.model_dump(),
        consent_method=a.consent_method,
        consent_at=consent_at,
        consent_note=a.consent_note,
        form_data=payload.form_data or None,
        result_method=payload.result_method,
        idempotency_key=(request.META.get("HTTP_IDEMPOTENCY_KEY") or "").strip() or None,
        refile_on_mismatch=False,
    )
    answer = _detail_noting(request, FileIn, filing.dossier)
    answer["assisted"] = {
        "team": filing.team.name,
        "consent_method": filing.consent_method,
        "consent_at": timezone.localtime(filing.consent_at).isoformat(),
    }
    return _rendered(request, answer, 200 if getattr(filing, "replayed", False) else 201)


def _detail_noting(request: HttpRequest, schema, dossier) -> dict:
    """The dossier as the API shows it, with `ignored` naming the body's keys that `schema` does not take."""
    return with_ignored(selectors.dossier_detail(dossier, request.auth), ignored_notice(request, schema))


def _check_received_online(procedure_code: str, identifier: str) -> None:
    """An online filing goes to an agency that lists the procedure (catalog `Offering`), when the catalogue says
    where it is received: one that lists it elsewhere only is a 422 `not_offered` naming the way to find the right
    one. A procedure no agency lists yet (a catalogue imported before its offerings) is not refused, nor is one the
    agency lists as received at the counter only: the API's clients (provincial and national portals) decide
    their online service themselves, and the portal and the digital teams' filings check the online flag (ADR
    0016 addendum). From the reference cache: no statement on the live path. An unknown agency or procedure is
    left to `dossier_file` (404)."""
    listed = catalog_selectors.offered_at(procedure_code)
    if not listed or identifier in listed:
        return
    agency = Agency.objects.filter(identifier=identifier).first()
    if agency is None:
        return
    raise Unprocessable(
        f"{agency.name} không tiếp nhận thủ tục {procedure_code}; nộp tại cơ quan có niêm yết thủ tục này "
        "(GET /api/v1/procedures/<mã> liệt kê các cơ quan).",
        f"{agency.identifier} does not receive procedure {procedure_code}; file with an agency that lists it "
        "(GET /api/v1/procedures/<code> lists them).",
        code="not_offered",
    )


@router.get("", auth=auth, response={200: dict, **ERRORS}, summary="Dossiers I may see")
def list_dossiers(
    request: HttpRequest,
    q: str = "",
    state: str = "",
    agency: str = "",
    limit: int = Query(50, ge=1, description="1–500 (a larger value is read as 500)"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    from motcua.core.text import fold

    qs = selectors.visible_dossiers(request.auth)
    if state:
        if state not in State.values:  # a typo would read as "no dossiers"
            names = ", ".join(State.values)
            raise Unprocessable(
                f"Không có trạng thái '{state[:40]}'. Trạng thái là một trong: {names}.",
                f"No state '{state[:40]}'. A state is one of: {names}.",
                code="bad_state",
            )
        qs = qs.filter(state=state)
    if agency.strip():
        identifier = identifier_form(agency)
        if not Agency.objects.filter(identifier=identifier).exists():  # a typo would read as "no dossiers"
            raise Unprocessable(
                f"Không có cơ quan mã '{agency.strip()[:40]}'.",
                f"No agency '{agency.strip()[:40]}'.",
                code="bad_agency",
            )
        qs = qs.filter(agency__identifier=identifier)
    if q:
        f = fold(q)
        qs = qs.filter(
            Q(code__icontains=q.strip())
            | Q(applicant_name_ascii__contains=f)
            | Q(applicant_id_number=q.strip())
        )
    limit = min(limit, 500)
    total = qs.count()
    items = [
        {
            "code": d.code,
            "state": d.state,
            "state_label": lifecycle.state_label(d.state),
            "procedure": d.procedure.code,
            "agency": d.agency.identifier,
            "applicant_name": d.applicant_name,
            "received_at": selectors.iso(d.received_at),
            "due_at": selectors.iso(d.due_at),
            "classification": d.classification or None,
        }
        # the key as tie-breaker: one import's rows share created_at on PostgreSQL (the transaction's time), and
        # pages of rows in no defined order skipped some dossiers and repeated others
        for d in qs.order_by("-created_at", "-pk")[offset : offset + limit]
    ]
    return {"count": total, "limit": limit, "offset": offset, "items": items}


def _rendered(request: HttpRequest, data: dict, status: int = 200):
    """The response as the API renders it (same bytes and headers), without re-validating the dict against the
    declared `dict` schema (a deep copy of every event and step)."""
    from motcua.api import api  # mounts this router: imported at call time

    return api.create_response(request, data, status=status)


# `.first()` of the code (Meta ordering), compiled once per connection (motcua.core.prepared); its agency,
# procedure and version from the reference cache (services.with_references)
_READABLE = Prepared(lambda code: Dossier.objects.filter(code=code)[:1], str)


def _stored_code(code: str) -> str:
    """The code as stored for a code typed in lower case or with spaces (`000.00.21.h26-250124-0001`): as typed
    when a dossier has it (an imported code keeps its own form, contract §8), else upper-cased (code_forms). A code
    typed exactly costs no statement."""
    forms = code_forms(code)
    if forms == [code]:
        return code
    return next((c for c in forms if _READABLE.first(c) is not None), code)


def _get_readable(request, code: str) -> Dossier:
    dossier = services.with_references(_READABLE.first(_stored_code(code)))
    if dossier is None or not services.may_read(request.auth, dossier):
        head, sep, doc = code.partition("/documents/")
        if sep and head and doc:  # …/documents/<not a number>: the document's id is what is wrong
            raise NotFound(
                f"Không tìm thấy tài liệu '{doc[:40]}' của hồ sơ '{head}': mã tài liệu là một số (id trong danh "
                "sách tài liệu của hồ sơ).",
                f"Document '{doc[:40]}' of dossier '{head}' not found: a document's id is a number (the id in the "
                "dossier's list of documents).",
            )
        raise NotFound(f"Không tìm thấy hồ sơ '{code}'.", f"Dossier '{code}' not found.")
    return dossier


def _throttled(wait: int, vi: str, en: str) -> Throttled:
    """429 with Retry-After; the messages take the wait in minutes at `{}`."""
    minutes = wait_minutes(wait)
    return Throttled(vi.format(minutes), en.format(minutes), retry_after=wait)


def _count_status_lookup(request: HttpRequest) -> None:
    """Count one lookup of the client against the status API's limit (throttle.status_api_limit); over it, 429."""
    limit, window = throttle.status_api_limit()
    wait = limit and throttle.check_rate(
        throttle.STATUS_API_KEY, throttle.client_ip(request), limit=limit, window=window
    )
    if wait:
        raise _throttled(
            wait,
            "Bạn đã tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau {} phút.",
            "Too many lookups in a short time. Please try again in {} minutes.",
        )


@router.get(
    "/{code}/status",
    response={200: dict, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="Public status lookup (masked)",
)
def dossier_status(request: HttpRequest, code: str):
    """Rate limited per client IP like the lookup page (STATUS_API_RATE_LIMIT lookups within
    STATUS_API_RATE_WINDOW_SECONDS, found or not): over it, 429 with Retry-After and no lookup."""
    _count_status_lookup(request)
    found = selectors.public_status(code.strip())
    # a code typed as the lookup page takes it (lower case, spaces around the dashes): tried only after a miss, so
    # the exact code costs one statement as before
    if found is None:
        for typed in code_forms(code):
            found = selectors.public_status(typed) if typed != code.strip() else None
            if found is not None:
                break
    if found is None:
        raise NotFound(
            f"Không tìm thấy hồ sơ '{code}'. Kiểm tra lại mã hồ sơ trên giấy tiếp nhận.",
            f"Dossier '{code}' not found. Check the code on your receipt.",
        )
    return _rendered(request, found)


@router.get("/{code}", auth=auth, response={200: dict, **ERRORS}, summary="A dossier with its event history")
def get_dossier(request: HttpRequest, code: str):
    dossier = _get_readable(request, code)
    access_log.record(request, request.auth, dossier, AccessKind.VIEW, channel="api")
    return _rendered(request, selectors.dossier_detail(dossier, request.auth))


# Before "/{code}/{action}" (Django tries the patterns in order: "forms" is no action).
def _forms_of(request: HttpRequest, dossier: Dossier) -> list[dict]:
    """The forms issued for the dossier that the caller may download: every one for its staff, those addressed to
    the applicant (receipt, supplement requests, refusal, apology, stop, ineligibility notice) for the applicant."""
    staff = services.reads_as_staff(request.auth, dossier)
    return [f for f in pdf.available_forms(dossier) if staff or f["spec"].citizen]


@router.get("/{code}/forms", auth=auth, response={200: dict, **ERRORS}, summary="The dossier's forms (PDF)")
def list_forms(request: HttpRequest, code: str):
    """The official forms issued for the dossier (Form 01 receipt, 02 supplement requests, 03 refusal, 04 apology,
    05/06 control slip, the stop and ineligibility notices), each with the address of its PDF."""
    dossier = _get_readable(request, code)
    base = f"/api/v1/dossiers/{dossier.code}/forms/"
    return _rendered(
        request,
        {
            "code": dossier.code,
            "forms": [
                {
                    "form": f["key"],
                    "number": f["spec"].number,
                    "title": f["spec"].title,
                    "seq": f["seq"],
                    "url": base + f["key"] + (f"?seq={f['seq']}" if f["seq"] else ""),
                }
                for f in _forms_of(request, dossier)
            ],
        },
    )


@router.get(
    "/{code}/access-log",
    auth=auth,
    response={200: dict, **ERRORS},
    summary="Who read the dossier's personal data (the applicant, the agency's leadership)",
)
def access_record(request: HttpRequest, code: str):
    """Every read of the dossier's page or record, documents and forms by someone other than its applicant, newest
    first: when, who and in what capacity, what, through which channel (ADR 0024). For the applicant, a superuser, and
    a leader or administrator of the dossier's agency or above; other readers of the dossier get 403."""
    dossier = _get_readable(request, code)
    if not access_log.may_see(request.auth, dossier):
        raise PermissionDenied(
            "Chỉ người nộp hồ sơ và lãnh đạo, quản trị của cơ quan được xem nhật ký truy cập hồ sơ.",
            "Only the applicant and the agency's leaders and administrators may read the dossier's access record.",
        )
    items = [access_log.entry_dict(a) for a in access_log.entries(dossier)]
    return _rendered(request, {"code": dossier.code, "count": len(items), "items": items})


@router.get(
    "/{code}/forms/{form}",
    auth=auth,
    response={200: None, **ERRORS},
    summary="A form of the dossier as PDF",
    openapi_extra={"responses": {200: {"description": "The form", "content": {"application/pdf": {}}}}},
)
def form_pdf(
    request: HttpRequest,
    code: str,
    form: str,
    seq: int | None = Query(
        None, ge=1, le=2**31, description="supplement: the request's event (default: the last)"
    ),
):
    dossier = _get_readable(request, code)
    issued = [f for f in _forms_of(request, dossier) if f["key"] == form and (seq is None or f["seq"] == seq)]
    if not issued:
        known = ", ".join(pdf.FORMS)
        if form not in pdf.FORMS:
            raise NotFound(
                f"Không có mẫu phiếu '{form[:40]}' (các mẫu: {known}).",
                f"No form '{form[:40]}' (forms: {known}).",
            )
        raise NotFound(
            f"Hồ sơ '{dossier.code}' không có {pdf.FORMS[form].title.lower()} mà bạn được tải"
            + (f" (sự kiện {seq})." if seq else "."),
            f"Dossier '{dossier.code}' has no '{form}' form you may download"
            + (f" (event {seq})." if seq else "."),
        )
    spec = issued[-1]["spec"]
    access_log.record(request, request.auth, dossier, AccessKind.FORM, channel="api", detail=spec.title)
    response = HttpResponse(pdf.render_form_pdf(form, dossier, seq), content_type="application/pdf")
    response["Content-Disposition"] = pdf.form_content_disposition(dossier, form, seq, issued)
    return response


# Before "/{code}/{action}": Django tries the patterns in order, and "documents" is no action.
@router.post(
    "/{code}/documents",
    auth=auth,
    response={201: dict, **ERRORS, 413: ErrorOut},
    summary="Add files to a dossier",
)
def add_documents(
    request: HttpRequest,
    code: str,
    files: list[UploadedFile] = File(..., description="one or more files: PDF, JPEG, PNG, DOCX or XLSX"),
    kind: Literal["component", "supplement", "authorisation", "result", "notice", "consent", "other"] = Form(
        "component",
        description="consent: the signed slip by which a resident agreed to a community team member's filing "
        "(the member who filed adds it)",
    ),
    component: int | None = Form(
        None, ge=1, le=1000, description="kind component: the procedure's component number"
    ),
):
    """multipart/form-data. Each file is bounded in size and its type sniffed from its content; all are checked
    before any is stored (all or none). The dossier's staff add any kind while it is open; its applicant adds
    `component`, `supplement` or `authorisation` (the member of a community team who filed it, `consent` too) before reception or while a supplement is asked for. The files'
    SHA-256 go into the event of the next action on the dossier (e.g. `supplement`, `receive`, `resolve`)."""
    dossier = _get_readable(request, code)
    stored = documents.add_files(
        dossier=dossier, user=request.auth, files=files, kind=kind, component_order=component
    )
    return _rendered(request, {"documents": [selectors.document_dict(dossier, d) for d in stored]}, 201)


@router.get(
    "/{code}/documents/{doc_id}",
    auth=auth,
    response={200: None, **ERRORS},
    summary="Download a file of a dossier",
    openapi_extra={
        "responses": {200: {"description": "The file", "content": {"application/octet-stream": {}}}}
    },
)
def download_document(request: HttpRequest, code: str, doc_id: int = Path(..., ge=1, le=2**62)):
    """For those who may read the dossier (its agency's staff, its applicant, overseers of the agency)."""
    dossier = _get_readable(request, code)
    doc = dossier.documents.filter(pk=doc_id).first()
    if doc is None:
        raise NotFound("Không tìm thấy tài liệu của hồ sơ.", "No such document in this dossier.")
    access_log.record(request, request.auth, dossier, AccessKind.DOCUMENT, channel="api", detail=doc.name)
    response = FileResponse(
        open_stored(doc.file), content_type=doc.content_type, as_attachment=True, filename=doc.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


class RatingIn(InSchema):
    overall: int = Field(
        ..., ge=1, le=4, description="4 Rất hài lòng, 3 Hài lòng, 2 Bình thường, 1 Không hài lòng"
    )
    scores: dict[str, int] = Field({}, description="criterion code → level 1–4 (the active criteria)")
    comment: Text = Field("", max_length=2000)
    id_number: Line | None = Field(
        None,
        max_length=20,
        description="Without a token: the applicant's (or representative's) ID or tax number as on the dossier",
    )
    counter: bool = Field(
        False, description="A one-stop officer of the agency records a rating given at the counter"
    )


class _BearerOrAnonymous(HttpBearer):
    """A valid bearer token, or no Authorization header at all (anonymous: never the browser's session, so a
    cross-site form cannot rate in a signed-in citizen's name). A header with a bad token is refused (401)."""

    def __call__(self, request: HttpRequest):
        if not request.META.get("HTTP_AUTHORIZATION"):  # as BearerAuth reads it
            request.user = AnonymousUser()
            return True
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str):
        return auth.authenticate(request, token)


# Before "/{code}/{action}": "rating" is no action.
@router.post(
    "/{code}/rating",
    auth=_BearerOrAnonymous(),
    response={201: dict, **ERRORS, 429: ErrorOut},
    summary="Rate a dossier (satisfaction), once, after its result",
)
def rate_dossier(request: HttpRequest, code: str, payload: RatingIn):
    """The applicant's account (bearer token); or, without a token, whoever holds the receipt, with the
    applicant's ID or tax number (`id_number`, attempts limited per client IP like the status lookup: 429 with
    Retry-After); or a one-stop officer of the receiving agency with `counter: true` (a paper form or a tablet at
    the desk). Refused: 403 (not the applicant, wrong number), 404, 409 (no result yet, already rated), 422. A call
    without `id_number` by anyone but staff counts against the status lookup's limit (429 with Retry-After)."""
    from motcua.feedback import services as feedback

    verify = payload.id_number is not None and not payload.counter
    if verify:
        wait = feedback.verification_wait(throttle.client_ip(request))
        if wait:
            raise _throttled(
                wait,
                "Đã thử xác nhận quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau {} phút.",
                "Too many attempts in a short time. Please try again in {} minutes.",
            )
    elif not is_staff_member(request.user):
        # the answer tells whether the code exists (404) or not (403, 409): counted as a status lookup, so this
        # route cannot walk through codes beyond the status API's limit; by receipt, the tighter count above
        # applies; the staff (a paper form or a tablet at the desk, `counter`) are not counted, as on the pages
        _count_status_lookup(request)
    rating = feedback.rating_create(
        user=request.user,
        dossier_code=code,
        overall=payload.overall,
        scores=payload.scores,
        comment=payload.comment,
        id_number=payload.id_number if verify else None,
        counter=payload.counter,
    )
    body = {
        "dossier": rating.dossier.code,
        "overall": rating.overall,
        "overall_label": rating.get_overall_display(),
        "scores": rating.scores,
        "channel": rating.channel,
        "created_at": selectors.iso(rating.created_at),
    }
    return _rendered(request, body, 201)


# 405: the tail is another endpoint's that does not take POST (…/status, …/forms), the allowed methods named
@router.post(
    "/{code}/{action}",
    auth=auth,
    response={200: dict, **ERRORS, 405: ErrorOut},
    summary="Take a lifecycle action",
    openapi_extra={"parameters": [ACTION_IDEMPOTENCY_HEADER]},
)
def act(request: HttpRequest, code: str, action: str, payload: ActionIn | None = None):
    """One lifecycle action (contract §7). A key of the body that no field takes is not an error; the answer names
    each one under `ignored` (key, message, message_en), as it was not stored. An action taken without the text its
    written paper states (a refusal's reasons, a payment request's amount) is taken; the answer names what is
    missing under `warnings` (code, message, message_en). So is a reception that records neither a file nor a
    paper copy (`paper_components`) of a required component: `missing_components`, with their numbers."""
    params = payload.model_dump(exclude_none=True) if payload else {}
    expected = params.pop("expected_version", None)
    warnings = services.missing_texts(action, params)
    dossier = services.dossier_act(
        code=_stored_code(code),
        action=action,
        actor=request.auth,
        params=params,
        expected_version=expected,
        record_uploads=True,  # files added through POST /{code}/documents since the last action
        idempotency_key=(request.META.get("HTTP_IDEMPOTENCY_KEY") or "").strip() or None,
    )
    if action == "receive":
        warnings += services.missing_components(dossier, params.get("paper_components"))
    replayed = getattr(dossier, "replayed", False)
    if replayed:  # a retry: the warnings were given to the first sending
        warnings = []
    answer = _detail_noting(request, ActionIn, dossier)
    response = _rendered(request, {**answer, "warnings": warnings} if warnings else answer)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response
