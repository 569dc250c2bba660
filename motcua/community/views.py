"""Pages of the community digital teams: public dashboards, filing on a resident's behalf (members), and the
resident's claim of a dossier filed for them."""

import datetime as dt
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.catalog.eforms import NOTE, RESULT_ADDRESS, build_eform, eform_to_json
from motcua.catalog.models import Offering, Procedure
from motcua.core.dates import SUPPORTED_YEARS
from motcua.core.errors import DomainError
from motcua.core.i18n import in_page_language
from motcua.core.text import identifier_form, nfc
from motcua.dossiers import access_log, documents
from motcua.dossiers.models import AccessKind, Dossier, ReturnMethod
from motcua.org.models import Agency, AgencyLevel
from motcua.org.throttle import client_ip
from motcua.reports import selectors as report_selectors

from . import selectors, services
from .forms import AssistedFilingForm, ClaimForm, OutreachForm

DATE_MIN, DATE_MAX = dt.date(SUPPORTED_YEARS[0], 1, 1), dt.date(SUPPORTED_YEARS[1], 12, 31)


def _date_param(request, key: str) -> str:
    """`tu` / `den` as the page's form sends them, or `from` / `to` as every other statistics page and the API take
    them (a link with `?from=` showed the all-time figures without a word)."""
    alias = {"tu": "from", "den": "to"}[key]
    return (request.GET.get(key) or request.GET.get(alias) or "").strip()


def _dates(request) -> tuple[dt.date | None, dt.date | None, str]:
    out, error = [], ""
    for key in ("tu", "den"):
        raw = _date_param(request, key)
        if not raw:
            out.append(None)
            continue
        try:
            # as the statistics pages read a day (reports.selectors.parse_date): dd/mm/yyyy or YYYY-MM-DD only —
            # Python's own reading took "2026-W10" for 02/03/2026 and "20261130" for 30/11/2026 without a word
            out.append(report_selectors.parse_date(raw, key))
        except DomainError:
            out.append(None)
            error = _("Ngày không hợp lệ (dùng dạng dd/mm/yyyy); đang hiển thị toàn bộ thời gian.")
        # the statistics' range (reports): 01/01/0001 or 31/12/9999 made a local midnight out of any datetime's
        # range (a 500)
        if out[-1] and not DATE_MIN <= out[-1] <= DATE_MAX:
            out[-1] = None
            error = _(
                "Ngày ngoài khoảng cho phép (từ năm 1900 đến năm 2999); đang hiển thị toàn bộ thời gian."
            )
    if error:  # as the message says: the whole time, not the other date's half of the range
        return None, None, error
    if out[0] and out[1] and out[0] > out[1]:
        return None, None, _("Từ ngày phải trước đến ngày; đang hiển thị toàn bộ thời gian.")
    return out[0], out[1], error


def _typed(request, error: str) -> dict:
    """The dates as typed, for the fields to show them back when one is wrong (they were emptied: the reader saw
    blank fields above the all-time figures and could not tell which date was refused)."""
    if not error:
        return {}
    return {
        "typed_from": _date_param(request, "tu"),
        "typed_to": _date_param(request, "den"),
    }


def dashboard(request):
    date_from, date_to, error = _dates(request)
    data = selectors.ward_summaries(date_from=date_from, date_to=date_to)
    return render(
        request,
        "community/dashboard.html",
        {**data, "date_from": date_from, "date_to": date_to, "error": error, **_typed(request, error)},
        status=400 if error else 200,
    )


def ward_detail(request, identifier: str):
    ward = get_object_or_404(Agency, identifier=identifier_form(identifier), level=AgencyLevel.COMMUNE)
    date_from, date_to, error = _dates(request)
    data = selectors.ward_dashboard(ward, date_from=date_from, date_to=date_to)
    # a member of one of the ward's teams is offered the page to record an outreach round
    can_record = services.active_memberships(request.user).filter(team__ward=ward).exists()
    return render(
        request,
        "community/ward.html",
        {
            **data,
            "date_from": date_from,
            "date_to": date_to,
            "error": error,
            "can_record": can_record,
            **_typed(request, error),
        },
        status=400 if error else 200,
    )


# --- outreach rounds ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def outreach_new(request):
    """A team member records an outreach round ("đi từng ngõ, gõ từng nhà") of one of their teams; the teams'
    recent rounds are listed under the form."""
    memberships = list(services.active_memberships(request.user).order_by("team__ward__path", "team__name"))
    if not memberships:
        return render(
            request,
            "message.html",
            {
                "title": _("Nhật ký hỗ trợ người dân"),
                "message": _("Trang này dành cho thành viên tổ công nghệ số cộng đồng đang hoạt động."),
            },
            status=403,
        )
    ctx = {"recent": selectors.team_recent_outreach(m.team_id for m in memberships)}
    if request.method != "POST":
        first = memberships[0]
        initial = {
            "team": first.team_id,
            "residential_group": first.team.residential_group_id,
            "date": timezone.localdate(),
            "members": [m.pk for m in memberships if m.team_id == first.team_id],
            "households_newly_online": 0,
        }
        ctx["form"] = OutreachForm(initial=initial, memberships=memberships)
        return render(request, "community/outreach_new.html", ctx)
    form = OutreachForm(request.POST, memberships=memberships)
    ctx["form"] = form
    if not form.is_valid():
        ctx["error"] = _("Thông tin chưa hợp lệ, kiểm tra lại các ô được đánh dấu.")
        return render(request, "community/outreach_new.html", ctx, status=400)
    d = form.cleaned_data
    try:
        log = services.outreach_record(
            actor=request.user,
            team=d["team_obj"],
            residential_group=d["group_obj"],
            date=d["date"],
            members=d["member_objs"],
            households_visited=d["households_visited"],
            households_first_visit=d["households_first_visit"],
            households_newly_online=d["households_newly_online"],
            topics=d["topics"],
            other_topic=d["other_topic"],
            note=d["note"],
        )
    except DomainError as exc:
        ctx["error"] = in_page_language(exc)
        return render(request, "community/outreach_new.html", ctx, status=exc.status)
    messages.success(
        request,
        _("Đã ghi nhật ký ngày %(date)s ở %(group)s: %(visited)s hộ đã đến, %(first)s hộ lần đầu.")
        % {
            "date": log.date.strftime("%d/%m/%Y"),
            "group": log.residential_group.name,
            "visited": log.households_visited,
            "first": log.households_first_visit,
        },
    )
    return redirect("community:outreach_new")


# --- filing on a resident's behalf ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def assisted_new(request):
    """Filing on a resident's behalf, in two steps on one page: pick one of the procedures the member's ward
    offers (`?procedure_code=`), then the resident, the consent, the procedure's e-form and its components'
    files, as the online filing wizard asks of a citizen."""
    memberships = list(services.active_memberships(request.user))
    if not memberships:
        return render(
            request,
            "message.html",
            {
                "title": _("Nộp hồ sơ hộ người dân"),
                "message": _("Trang này dành cho thành viên tổ công nghệ số cộng đồng đang hoạt động."),
            },
            status=403,
        )
    wards = [m.team.ward for m in memberships]
    offered = {
        o.procedure.code: o.procedure
        for o in Offering.objects.filter(agency__in=wards, online=True, agency__active=True)
        .select_related("procedure")
        .order_by("procedure__code")
    }
    source = request.POST if request.method == "POST" else request.GET
    code = (source.get("procedure_code") or "").strip().upper()
    # the ward's procedures are listed; another agency's (a province-level one…) may be named by its code
    procedure = offered.get(code) or (Procedure.objects.filter(code=code).first() if code else None)
    version = procedure.version_at(timezone.localdate()) if procedure else None
    components = list(version.components.order_by("order", "pk")) if version else []
    EForm = build_eform(version.form_fields if version else [])
    agencies = services.receiving_agencies(procedure, wards) if procedure else []
    ctx = {
        "offered": list(offered.values()),
        "procedure": procedure,
        "code": code,
        "agencies": agencies,
        "filings": selectors.member_filings(request.user)[:20],
    }
    kwargs = {"memberships": memberships, "components": components, "agencies": agencies}
    unknown = (
        _("Không có thủ tục mã “%(code)s”. Chọn thủ tục trong danh sách.") % {"code": code}
        if code and procedure is None
        else ""
    )
    nowhere = (
        _("Không cơ quan nào tiếp nhận trực tuyến thủ tục %(code)s; không thể nộp hộ thủ tục này.")
        % {"code": procedure.code}
        if procedure and not agencies
        else ""
    )
    if request.method != "POST":
        # how and when the resident consented are left for the member to record (rules §10: consent is explicit
        # and provable; filled in beforehand, a filing recorded a signature nobody asked for)
        initial = {
            "procedure_code": code,
            "agency": agencies[0].identifier if agencies else "",
            "submission": uuid.uuid4().hex,
        }
        ctx.update(form=AssistedFilingForm(initial=initial, **kwargs), eform=EForm(prefix="tk"))
        if unknown or nowhere:
            ctx["error"] = unknown or nowhere
            return render(request, "community/assisted_new.html", ctx, status=404 if unknown else 422)
        return render(request, "community/assisted_new.html", ctx)
    form = AssistedFilingForm(request.POST, request.FILES, **kwargs)
    eform = EForm(request.POST, prefix="tk")
    ctx.update(form=form, eform=eform)
    if procedure is None:
        ctx["error"] = unknown or _("Chọn thủ tục hành chính.")
        return render(request, "community/assisted_new.html", ctx, status=404 if unknown else 400)
    if nowhere:
        ctx["error"] = nowhere
        return render(request, "community/assisted_new.html", ctx, status=422)
    form_valid, eform_valid = form.is_valid(), eform.is_valid()  # both, for every error at once
    valid = form_valid and eform_valid
    try:  # the files too, in the same sending: a refused file is named on its input beside the other errors
        inspected, refused = form.inspect_uploads()
    except DomainError as exc:  # the check could not run (the scanner unavailable): no fault of the file
        ctx["error"] = in_page_language(exc)
        return render(request, "community/assisted_new.html", ctx, status=exc.status)
    if not valid or refused:
        # an agency that does not receive the procedure is refused as the service refuses it (422), and so is
        # a file when nothing else is wrong (its own status: 422 a type not taken, 413 too large)
        not_offered = any(e.code == "invalid_choice" for e in form.errors.as_data().get("agency", []))
        if not_offered:
            ctx["error"], status = form.errors["agency"][0], 422
        elif valid:  # a file refused alone: its own message and status
            ctx["error"], status = in_page_language(refused[0]), refused[0].status
        else:
            ctx["error"], status = _("Thông tin chưa hợp lệ, kiểm tra lại các ô được đánh dấu."), 400
        return render(request, "community/assisted_new.html", ctx, status=status)
    d = form.cleaned_data
    form_data = eform_to_json(eform.cleaned_data, version.form_fields if version else [])
    if d["form_note"]:
        form_data.setdefault(NOTE, d["form_note"])
    if d["result_method"] == ReturnMethod.POST:
        form_data[RESULT_ADDRESS] = nfc(d["result_address"]).strip()
    hashes = [info.sha256 for *_rest, info in inspected]
    earlier = _same_filing(request.user, procedure, d, form_data, hashes)
    if earlier is not None:
        messages.info(
            request,
            _(
                "Hồ sơ này đã được nộp lúc %(time)s (mã hồ sơ %(code)s): cùng người dân, thủ tục, tờ khai và tệp; "
                "không nộp lại lần nữa."
            )
            % {
                "time": timezone.localtime(earlier.created_at).strftime("%H:%M"),
                "code": earlier.dossier.code,
            },
        )
        return redirect("community:assisted_done", code=earlier.dossier.code)
    stored: list = []
    try:
        with transaction.atomic():
            filing = services.assisted_file(
                member_user=request.user,
                team_id=d["team"] or None,
                procedure_code=procedure.code,
                agency_identifier=d["agency"],
                resident={
                    "name": d["resident_name"],
                    "id_number": d["resident_id_number"],
                    "phone": d["resident_phone"],
                    "email": d["resident_email"],
                    "address": d["resident_address"],
                },
                consent_method=d["consent_method"],
                consent_at=d["consent_at"],
                consent_note=d["consent_note"],
                form_data=form_data or None,
                result_method=d["result_method"],
                file_hashes=hashes,
                idempotency_key=f"assisted-{d['submission']}" if d.get("submission") else None,
            )
            if getattr(filing, "replayed", False):  # the same page sent twice: the first sending filed it
                messages.info(
                    request,
                    _("Hồ sơ %(code)s đã được nộp từ lần gửi trước; lần gửi lại không tạo thêm hồ sơ.")
                    % {"code": filing.dossier.code},
                )
                return redirect("community:assisted_done", code=filing.dossier.code)
            documents.store_all(filing.dossier, inspected, request.user, stored)
    except DomainError as exc:
        documents.discard(stored)
        ctx["error"] = in_page_language(exc)
        return render(request, "community/assisted_new.html", ctx, status=exc.status)
    messages.success(request, _("Đã nộp hồ sơ trực tuyến thay người dân."))
    return redirect("community:assisted_done", code=filing.dossier.code)


SAME_FILING_WINDOW = dt.timedelta(minutes=30)


def _same_filing(user, procedure, data: dict, form_data: dict, hashes: list):
    """The member's filing of the last half hour identical to this one (the resident, the procedure, the agency,
    the e-form and the files): the form sent again — by the back button from the filed page, or a second tap —
    would file the household's dossier twice. A filing with anything changed is a new one."""
    recent = (
        selectors.member_filings(user)
        .filter(
            created_at__gte=timezone.now() - SAME_FILING_WINDOW,
            resident_id_number=data["resident_id_number"],
            dossier__procedure=procedure,
            dossier__agency__identifier=data["agency"],
            dossier__result_method=data["result_method"],
        )
        .prefetch_related("dossier__documents")
    )
    for filing in recent:
        if filing.dossier.form_data == (form_data or {}) and sorted(
            doc.sha256 for doc in filing.dossier.documents.all()
        ) == sorted(hashes):
            return filing
    return None


@login_required
def assisted_done(request, code: str):
    filing = (
        selectors.member_filings(request.user)
        .select_related("dossier__agency", "member")
        .filter(dossier__code=code)
        .first()
    )
    if filing is None:
        raise Http404
    # the household's data read by someone other than the resident: on the dossier's access record (ADR 0024)
    access_log.record(request, request.user, filing.dossier, AccessKind.VIEW, channel="web")
    # the claim page's whole address: the member writes or reads it out for the household, who types it in
    claim_url = settings.MOTCUA_SITE_URL.rstrip("/") + reverse("community:claim")
    return render(
        request,
        "community/assisted_done.html",
        {
            "filing": filing,
            "dossier": filing.dossier,
            "assistance": selectors.assistance_for(filing.dossier),
            "claim_url": claim_url,
        },
    )


@login_required
@require_http_methods(["POST"])
def consent_slip(request, code: str):
    """The signed consent slip added after the filing (forgotten, or signed later), by the member who filed: a
    document of the dossier, its hash in the next action's event (documents.add_files)."""
    filing = selectors.member_filings(request.user).filter(dossier__code=code).first()
    if filing is None:
        raise Http404
    try:
        documents.add_files(
            dossier=filing.dossier,
            user=request.user,
            files=request.FILES.getlist("consent_file"),
            kind="consent",
        )
    except DomainError as exc:
        messages.error(request, in_page_language(exc))
    else:
        messages.success(request, _("Đã lưu phiếu đồng ý có chữ ký cùng hồ sơ."))
    return redirect("community:assisted_done", code=filing.dossier.code)


# --- the resident takes the dossier over ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def claim(request):
    form = ClaimForm(request.POST or None, initial={"code": request.GET.get("ma", "")[:80]})
    ctx = {"form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "community/claim.html", ctx, status=400)
        try:
            dossier, created = services.claim_dossier(
                user=request.user,
                code=form.cleaned_data["code"],
                id_number=form.cleaned_data["id_number"],
                ip=client_ip(request),
            )
        except DomainError as exc:
            ctx["error"] = in_page_language(exc)
            response = render(request, "community/claim.html", ctx, status=exc.status)
            if getattr(exc, "retry_after", None):
                response["Retry-After"] = str(exc.retry_after)
            return response
        if created:
            messages.success(request, _("Đã nhận hồ sơ về tài khoản của Ông/Bà."))
        else:
            messages.info(request, _("Hồ sơ này đã thuộc tài khoản của Ông/Bà."))
        return redirect("community:claim_done", code=dossier.code)
    return render(request, "community/claim.html", ctx)


@login_required
@require_http_methods(["POST"])
def release_claim(request, code: str):
    """From the staff dossier page: take a wrongly claimed dossier back out of the account (services.release_claim)."""
    try:
        services.release_claim(user=request.user, code=code, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(in_page_language(exc)) from exc
        messages.error(request, in_page_language(exc))
    else:
        messages.success(request, _("Đã gỡ hồ sơ khỏi tài khoản đã nhận. Người dân có thể nhận lại hồ sơ."))
    return redirect(f"/staff/dossiers/{code}/")


@login_required
def claim_done(request, code: str):
    dossier = (
        Dossier.objects.select_related("agency", "procedure")
        .filter(code=code, applicant_user=request.user)
        .first()
    )
    if dossier is None:
        raise Http404
    mine = (
        Dossier.objects.select_related("procedure")
        .filter(applicant_user=request.user, assisted_filing__isnull=False)
        .order_by("-created_at")[:20]
    )
    return render(request, "community/claim_done.html", {"dossier": dossier, "mine": mine})
