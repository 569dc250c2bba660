"""Citizen pages: registration and profile, the online filing wizard (/nop-ho-so/), my dossiers (/ho-so-cua-toi/),
public status lookup (/tra-cuu/), fee payment (/thanh-toan/). Views parse, check ownership, call a service and
render; bad input re-renders the page with Vietnamese messages and a 4xx status."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlencode, urlparse

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from motcua.catalog.eforms import (
    build_eform,
    eform_draft_values,
    eform_initial,
    eform_rows,
    eform_to_json,
    kept_text,
    multiline_names,
    usable_fields,
)
from motcua.catalog.selectors import applied_limit_text
from motcua.core.errors import DomainError, NotFound, Throttled, Unprocessable
from motcua.core.i18n import in_page_language
from motcua.core.storage import open_stored
from motcua.core.text import code_forms, nfc, unpaste
from motcua.core.views import post_only
from motcua.dossiers import access_log, pdf
from motcua.dossiers.models import DocumentKind, Dossier, State
from motcua.dossiers.selectors import dossier_public, due_status, eform_of, visible_dossiers
from motcua.dossiers.workflow import TRANSITIONS
from motcua.org.selectors import is_overseer_only
from motcua.org.throttle import client_ip, wait_minutes
from motcua.org.views import lookup_throttled

from . import export, services, wizard
from .forms import ProfileForm, RegistrationForm, ResultForm, WhoForm
from .models import Draft, DraftFile, Payment
from .oidc import oidc_enabled, provider_name
from .payments import FakeGateway, InvalidCallback, fake_gateway_enabled, get_gateway
from .privacy import NOTICE_VERSION
from .templatetags.portal_tags import vnd

# What the lookup takes for a code: the contract's (000.00.21.H26-250124-0001) and an imported one kept as the previous
# system wrote it (contract §8), whose separators may also be "/" or "_" (123/2019/HS, HS_2019_0012); still no
# spaces, so words are not a code
CODE_RE = re.compile(r"^[0-9A-Z][0-9A-Z.\-/_]{2,79}$")
CODE_SEPARATOR_SPACES = re.compile(r"\s*([.\-/_])\s*")


def form_pdf_url(code: str, form: str, seq: int | None = None) -> str:
    url = reverse("portal:my_form_pdf", args=[code, form])
    return f"{url}?seq={seq}" if seq else url


def my_form_pdf(request: HttpRequest, code: str, form: str) -> HttpResponse:
    """/ho-so-cua-toi/<code>/phieu/<form>.pdf: a form addressed to the applicant (receipt, supplement request,
    refusal, apology, stop notice), as the staff screens serve it; its errors lead back to "Hồ sơ của tôi"."""
    from motcua.dossiers import views as dossier_views

    return dossier_views.form_pdf(
        request, code, form, back=(reverse("portal:my_dossiers"), _("Về hồ sơ của tôi"))
    )


error_text = in_page_language  # a refusal's message in the interface language


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


# --- accounts -----------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """/tai-khoan/du-lieu-ca-nhan/: the privacy notice a citizen accepts at registration (portal.privacy)."""
    from django.conf import settings

    return render(
        request,
        "portal/privacy_notice.html",
        {"version": NOTICE_VERSION, "controller": settings.MOTCUA_DATA_CONTROLLER},
    )


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:my_dossiers")
    form = RegistrationForm(request.POST or None)
    status, wait = 200, 0
    if request.method == "POST":
        if not form.is_valid():
            status = 400
            taken = [
                f for f, errors in form.errors.as_data().items() if any(e.code == "taken" for e in errors)
            ]
            # "already used by another account" tells whether an ID number, an e-mail or a phone has an account:
            # each such answer is counted as an account created, so a script cannot ask it by the thousand; past
            # the limit the page says only that, not which value was taken
            if taken and (wait := services.registration_wait(client_ip(request))):
                for name in taken:
                    del form.errors[name]
                status = 429
        elif wait := services.registration_wait(client_ip(request)):  # counted only once the form is valid
            status = 429
        else:
            d = form.cleaned_data
            try:
                user = services.citizen_register(
                    full_name=d["full_name"],
                    email=d["email"],
                    phone=d["phone"],
                    password=d["password1"],
                    id_number=d["id_number"],
                    privacy_notice=NOTICE_VERSION,
                )
            except DomainError as exc:
                # the same page sent twice at once (a double click): the other sending made the account, seconds
                # ago, with this very password — sign in with it as the first sending did, rather than say it was
                # taken. Only an account that new: otherwise this would be a password check without the sign-in
                # page's lockout
                user = None
                if services.just_registered(d["email"], d["phone"]):
                    user = authenticate(request, username=d["email"] or d["phone"], password=d["password1"])
                if user is None:
                    form.add_error(None, error_text(exc))
                    status = exc.status
            if user is not None:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, _("Đăng ký tài khoản thành công. Chào mừng bạn!"))
                return redirect(_safe_next(request, reverse("portal:my_dossiers")))
    ctx = {
        "form": form,
        "next": _safe_next(request, ""),
        "oidc_enabled": oidc_enabled(),
        "oidc_provider": provider_name(),
    }
    if status == 429:  # the page's error summary
        message = _(
            "Đã có quá nhiều tài khoản được đăng ký từ địa chỉ mạng này trong thời gian ngắn. Vui lòng thử "
            "lại sau %(minutes)s phút."
        )
        form.add_error(None, message % {"minutes": wait_minutes(wait)})
    response = render(request, "portal/register.html", ctx, status=status)
    if wait:
        response["Retry-After"] = str(wait)
    return response


def _profile_initial(user, profile) -> dict:
    return {
        "full_name": profile.full_name or user.get_full_name(),
        "phone": profile.phone,
        "id_number": profile.id_number,
        "address": profile.address,
    }


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    profile = services.profile_of(request.user)
    initial = _profile_initial(request.user, profile)
    form = ProfileForm(request.POST or None, initial=initial, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.profile_update(user=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, error_text(exc))
                status = exc.status
            else:
                messages.success(request, _("Đã cập nhật thông tin tài khoản."))
                return redirect("portal:account")
        else:
            status = 400
    return render(request, "portal/account.html", {"form": form, "profile": profile}, status=status)


def _back_to_account(request) -> str:
    return reverse("portal:account")


@login_required
@post_only(_back_to_account)
def account_export(request: HttpRequest) -> HttpResponse:
    """Tải dữ liệu của tôi ("download my data"): the signed-in account's own data as a ZIP, at once (motcua.portal.export; ADR 0024
    addendum). Whoever is signed in — a citizen, an officer, an administrator — gets their own account's data and
    nothing else; rate-limited per account (429 on the account page)."""
    try:
        export.check_export(request.user)
    except Throttled as exc:
        profile = services.profile_of(request.user)
        form = ProfileForm(initial=_profile_initial(request.user, profile), user=request.user)
        response = render(
            request,
            "portal/account.html",
            {"form": form, "profile": profile, "export_error": in_page_language(exc)},
            status=exc.status,
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    return export_response(request.user)


def export_response(user) -> FileResponse:
    """The archive, streamed from its temporary file (closed, hence gone, when the response is)."""
    response = FileResponse(
        export.build_zip(user),
        as_attachment=True,
        filename=export.filename(user),
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"  # personal data: no shared or browser cache keeps a copy
    return response


# --- filing wizard --------------------------------------------------------------------------------------------


def _procedure_or_page(request, code):
    try:
        return services.filable_procedure(code), None
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Unprocessable as exc:
        page = render(
            request, "portal/not_online.html", {"code": code, "message": error_text(exc)}, status=exc.status
        )
        return None, page


@login_required
@require_http_methods(["GET", "POST"])
def file_start(request: HttpRequest, code: str) -> HttpResponse:
    """GET changes nothing: it goes on with the citizen's open draft, or shows the start page, whose button
    POSTs (with the CSRF token) to create the draft — a link or an image on another site cannot fill an account
    with empty drafts."""
    found, page = _procedure_or_page(request, code)
    if page:
        return page
    procedure, version = found
    if is_overseer_only(request.user):  # read-only (ADR 0003): no draft, no filing
        message = _(
            "Tài khoản giám sát chỉ được xem hồ sơ và số liệu, không nộp hồ sơ. Muốn nộp hồ sơ cho bản thân, hãy "
            "dùng tài khoản công dân."
        )
        ctx = {"code": procedure.code, "message": message, "heading": _("Tài khoản chỉ được xem")}
        return render(request, "portal/not_online.html", ctx, status=403)
    if request.method == "POST":
        draft = services.draft_open(user=request.user, procedure=procedure)
    else:
        draft = services.draft_current(user=request.user, procedure=procedure)
        if draft is None:
            ctx = {
                "procedure": procedure,
                "version": version,
                "components": list(version.components.all()),
                # the citizen's dossiers of this procedure still under way: Back after filing led here, to "Bắt
                # đầu nộp hồ sơ", with nothing saying the dossier had been filed, and a second one was
                "filed": list(
                    Dossier.objects.filter(applicant_user=request.user, procedure=procedure)
                    .exclude(state__in=(State.RETURNED, State.REFUSED, State.STOPPED))
                    .order_by("-submitted_at", "-pk")[:5]
                ),
            }
            return render(request, "portal/file_start.html", ctx)
    step = draft.step if draft.step in wizard.STEPS else wizard.STEPS[0]
    return redirect("portal:file_step", code=procedure.code, step=step)


def _wizard_ctx(draft, procedure, version, step, **extra):
    index = wizard.STEPS.index(step)
    # a step is marked done (a check mark, "đã xong") once passed and complete: a citizen may open any step from the
    # list, and the steps skipped on the way are not done
    unfinished = {p.step for p in wizard.problems(draft)}
    steps = [
        {
            "key": s,
            "label": wizard.STEP_LABELS[s],
            "n": i + 1,
            "current": s == step,
            "done": i < index and s not in unfinished,
        }
        for i, s in enumerate(wizard.STEPS)
    ]
    return {
        "draft": draft,
        "procedure": procedure,
        "version": version,
        "step": step,
        "step_label": wizard.STEP_LABELS[step],
        "step_number": index + 1,
        "step_count": len(wizard.STEPS),
        "steps": steps,
        "prev_step": wizard.STEPS[index - 1] if index else None,
        **extra,
    }


def _next_step(step: str) -> str:
    return wizard.STEPS[min(wizard.STEPS.index(step) + 1, len(wizard.STEPS) - 1)]


def _leaving(request) -> bool:
    """A POST that leaves the step without checking it: "Lưu nháp và thoát", "← Quay lại" or a step of the list at
    the top (what the page holds is kept in the draft as typed, as when moving on, so nothing typed is lost by going
    back or elsewhere)."""
    return request.method == "POST" and any(k in request.POST for k in ("save_exit", "back", "goto"))


def _leave(request, procedure, step: str):
    """Where a leaving POST goes once the draft is saved: the step chosen in the list, the step before ("← Quay
    lại"), or the citizen's list."""
    if "goto" in request.POST:  # a step of the list (one unknown: this one again)
        target = request.POST["goto"] if request.POST["goto"] in wizard.STEPS else step
        return redirect("portal:file_step", code=procedure.code, step=target)
    if "back" in request.POST:
        return redirect("portal:file_step", code=procedure.code, step=_prev_step(step))
    return _exit_with_draft(request)


def _prev_step(step: str) -> str:
    return wizard.STEPS[max(wizard.STEPS.index(step) - 1, 0)]


def _exit_with_draft(request):
    messages.success(
        request, _("Đã lưu bản nháp. Bạn có thể quay lại nộp tiếp bất cứ lúc nào trong mục Hồ sơ của tôi.")
    )
    return redirect("portal:my_dossiers")


def _raw(values: dict, keys) -> dict:
    return {k: nfc(values.get(k, "")) for k in keys if k in values}


@login_required
@require_http_methods(["GET", "POST"])
def file_step(request: HttpRequest, code: str, step: str) -> HttpResponse:
    if step not in wizard.STEPS:
        raise Http404("Không có bước này.")
    found, page = _procedure_or_page(request, code)
    if page:
        return page
    procedure, version = found
    if request.method == "POST":
        filed = _filed_draft(request, procedure)
        if filed is not None:  # the back button, then a step sent again: the filing is done, create nothing
            messages.info(
                request,
                _(
                    "Hồ sơ này đã được nộp (mã hồ sơ %(code)s); thông tin vừa gửi không được lưu lại. Để nộp một hồ "
                    "sơ mới, hãy bắt đầu lại từ trang thủ tục."
                )
                % {"code": filed.dossier.code},
            )
            return redirect("portal:my_dossier", code=filed.dossier.code)
    # a POST (CSRF-protected) may open the draft: an old tab sent after the draft was deleted
    if request.method == "POST":
        draft = services.draft_open(user=request.user, procedure=procedure)
    else:  # a GET creates nothing: without an open draft, the start page
        draft = services.draft_current(user=request.user, procedure=procedure)
        if draft is None:
            return redirect("portal:file_start", code=procedure.code)
    handler = {
        "nguoi-nop": _step_who,
        "thanh-phan": _step_components,
        "to-khai": _step_eform,
        "nhan-ket-qua": _step_result,
        "xem-lai": _step_review,
    }[step]
    return handler(request, draft, procedure, version, step)


def _filed_draft(request, procedure) -> Draft | None:
    """The already-submitted draft a wizard page was showing (its `draft` field), if that page is sent again."""
    try:
        pk = int(request.POST.get("draft", ""))
    except ValueError:
        return None
    return (
        Draft.objects.select_related("dossier")
        .filter(
            pk=pk, user=request.user, procedure=procedure, submitted_at__isnull=False, dossier__isnull=False
        )
        .first()
    )


def _step_who(request, draft, procedure, version, step):
    agencies = services.online_agencies(procedure)
    if _leaving(request):
        services.draft_save(draft=draft, values=_raw(request.POST, wizard.WHO_KEYS), step=step)
        return _leave(request, procedure, step)
    if request.method == "POST":
        form = WhoForm(request.POST, agencies=agencies, own_id=wizard.own_id_number(draft))
        if form.is_valid():
            values = {k: form.cleaned_data.get(k) or "" for k in wizard.WHO_KEYS}
            services.draft_save(draft=draft, values=values, step=_next_step(step))
            return redirect("portal:file_step", code=procedure.code, step=_next_step(step))
        status = 400
    else:
        form = WhoForm(initial=draft.data, agencies=agencies, own_id=wizard.own_id_number(draft))
        status = 200
    ctx = _wizard_ctx(draft, procedure, version, step, form=form, single_agency=len(agencies) == 1)
    return render(request, "portal/file_who.html", ctx, status=status)


def _step_components(request, draft, procedure, version, step):
    errors: dict[str, list[str]] = {}
    status = 200
    incomplete = False  # "next" with required components still missing
    comps = list(wizard.components(draft))
    if request.method == "POST":
        if request.POST.get("remove"):
            try:
                services.draft_remove_file(draft=draft, file_id=int(request.POST["remove"]))
            except (ValueError, DomainError):
                raise Http404("Không tìm thấy tệp.") from None
            messages.info(request, _("Đã xóa tệp khỏi hồ sơ nháp."))
            return redirect("portal:file_step", code=procedure.code, step=step)
        uploads = [(c, f"file_{c.pk}", DraftFile.Kind.COMPONENT) for c in comps]
        uploads.append((None, "file_auth", DraftFile.Kind.AUTHORISATION))
        added = 0
        for component, field, kind in uploads:
            for f in request.FILES.getlist(field):
                try:
                    services.draft_add_file(draft=draft, uploaded_file=f, kind=kind, component=component)
                    added += 1
                except DomainError as exc:
                    errors.setdefault(field, []).append(error_text(exc))
                    status = exc.status
        if added:
            messages.success(request, _("Đã lưu %(n)s tệp vào hồ sơ nháp.") % {"n": added})
        if not errors:
            if _leaving(request):
                services.draft_save(draft=draft, values={}, step=step)
                return _leave(request, procedure, step)
            if "next" in request.POST:
                missing = [p for p in wizard.problems(draft) if p.step == step]
                if not missing:
                    services.draft_save(draft=draft, values={}, step=_next_step(step))
                    return redirect("portal:file_step", code=procedure.code, step=_next_step(step))
                for p in missing:  # beside the component's input, and linked from the summary
                    errors.setdefault(p.field or "__all__", []).append(p.message)
                incomplete = True
                status = 400
            else:
                return redirect("portal:file_step", code=procedure.code, step=step)
    files = list(draft.files.all())
    rows = [
        {
            "component": c,
            "field": f"file_{c.pk}",
            "files": [f for f in files if f.component_id == c.pk],
            "errors": errors.get(f"file_{c.pk}", []),
        }
        for c in comps
    ]
    ctx = _wizard_ctx(
        draft,
        procedure,
        version,
        step,
        rows=rows,
        auth_files=[f for f in files if f.kind == DraftFile.Kind.AUTHORISATION],
        auth_errors=errors.get("file_auth", []),
        general_errors=errors.get("__all__", []),
        has_errors=bool(errors),
        incomplete=incomplete,
        behalf=draft.data.get("who") == "behalf",
        stray_files=[
            f
            for f in files
            if f.kind == DraftFile.Kind.COMPONENT and f.component_id not in {c.pk for c in comps}
        ],
    )
    return render(request, "portal/file_components.html", ctx, status=status)


def _step_eform(request, draft, procedure, version, step):
    fields = usable_fields(version.form_fields)
    EForm = build_eform(fields)
    names = [f.get("name") for f in fields if f.get("name")]
    if _leaving(request):
        lines = multiline_names(fields)
        raw = eform_draft_values(fields, {n: kept_text(request.POST.get(n, ""), n in lines) for n in names})
        services.draft_save(
            draft=draft, values={"form": {**(draft.data.get("form") or {}), **raw}}, step=step
        )
        return _leave(request, procedure, step)
    if request.method == "POST":
        form = EForm(request.POST)
        if form.is_valid():
            services.draft_save(
                draft=draft, values={"form": eform_to_json(form.cleaned_data, fields)}, step=_next_step(step)
            )
            return redirect("portal:file_step", code=procedure.code, step=_next_step(step))
        status = 400
    else:
        form = EForm(initial=eform_initial(fields, draft.data.get("form") or {}))
        status = 200
    return render(
        request,
        "portal/file_eform.html",
        _wizard_ctx(draft, procedure, version, step, form=form),
        status=status,
    )


def _step_result(request, draft, procedure, version, step):
    if _leaving(request):
        services.draft_save(
            draft=draft, values=_raw(request.POST, ["result_method", "result_address"]), step=step
        )
        return _leave(request, procedure, step)
    if request.method == "POST":
        form = ResultForm(request.POST)
        if form.is_valid():
            values = {
                "result_method": form.cleaned_data["result_method"],
                "result_address": form.cleaned_data.get("result_address") or "",
            }
            services.draft_save(draft=draft, values=values, step=_next_step(step))
            return redirect("portal:file_step", code=procedure.code, step=_next_step(step))
        status = 400
    else:
        form = ResultForm(initial=draft.data)
        status = 200
    return render(
        request,
        "portal/file_result.html",
        _wizard_ctx(draft, procedure, version, step, form=form),
        status=status,
    )


def _step_review(request, draft, procedure, version, step):
    status = 200
    error = ""
    if _leaving(request):  # a step's button sent to this page (an old tab): it only moves, it never files
        return _leave(request, procedure, step)
    if request.method == "POST":
        try:
            dossier = services.draft_submit(draft_id=draft.pk, user=request.user)
        except DomainError as exc:
            error, status = error_text(exc), exc.status
        else:
            messages.success(
                request,
                _(
                    "Nộp hồ sơ thành công. Mã hồ sơ của bạn: %(code)s. Bộ phận Một cửa sẽ kiểm tra và tiếp nhận; "
                    "bạn sẽ nhận thông báo khi hồ sơ được tiếp nhận."
                )
                % {"code": dossier.code},
            )
            return redirect("portal:my_dossier", code=dossier.code)
    data = draft.data
    fields = usable_fields(version.form_fields)
    # as the dossier pages will show them (numbers grouped, dates dd/mm/yyyy, yes/no), the declared fields only
    typed = data.get("form") or {}
    form_values = [
        {"label": label, "value": value}
        for label, value in eform_rows(fields, {f["name"]: typed.get(f["name"]) for f in fields})
    ]
    files = list(draft.files.select_related("component"))
    agency = next(
        (a for a in services.online_agencies(procedure) if a.identifier == data.get("agency")), None
    )
    ctx = _wizard_ctx(
        draft,
        procedure,
        version,
        step,
        data=data,
        agency=agency,
        limit_text=applied_limit_text(version, agency, procedure),
        problems=wizard.problems(draft),
        form_values=form_values,
        files=files,
        result_label=dict(ResultForm.base_fields["result_method"].choices).get(data.get("result_method"), ""),
        error=error,
    )
    return render(request, "portal/file_review.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def draft_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Deleting a draft asks first (a page, no JavaScript needed): its files go with it."""
    draft = (
        Draft.objects.select_related("procedure")
        .filter(pk=pk, user=request.user, submitted_at__isnull=True)
        .first()
    )
    if draft is None:
        raise Http404(_("Không tìm thấy hồ sơ nháp."))
    if request.method == "POST" and request.POST.get("confirm") == "1":
        services.draft_delete(draft=draft)
        messages.info(request, _("Đã xóa hồ sơ nháp."))
        return redirect("portal:my_dossiers")
    ctx = {"draft": draft, "files": list(draft.files.order_by("pk"))}
    return render(request, "portal/draft_delete.html", ctx, status=400 if request.method == "POST" else 200)


@login_required
def draft_file(request: HttpRequest, pk: int) -> HttpResponse:
    row = DraftFile.objects.filter(pk=pk, draft__user=request.user).first()
    if row is None:
        raise Http404("Không tìm thấy tệp.")
    return FileResponse(
        open_stored(row.file), as_attachment=True, filename=row.name, content_type=row.content_type
    )


# --- my dossiers ----------------------------------------------------------------------------------------------


@login_required
def my_dossiers(request: HttpRequest) -> HttpResponse:
    qs = (
        Dossier.objects.filter(applicant_user=request.user)
        .select_related("procedure", "agency")
        # newest filing first (created_at is the import time for migrated dossiers)
        .order_by(F("submitted_at").desc(nulls_last=True), "-pk")
    )
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    rows = [{"d": d, "due_status": due_status(d)} for d in page.object_list]
    drafts = Draft.objects.filter(user=request.user, submitted_at__isnull=True).select_related("procedure")
    return render(request, "portal/my_dossiers.html", {"page": page, "rows": rows, "drafts": drafts})


def _owned(request, code):
    try:
        return services.owned_dossier(code, request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _detail_ctx(dossier: Dossier) -> dict:
    events = list(dossier.events.order_by("seq"))
    # the forms addressed to the applicant, as the API lists them for the applicant (pdf.available_forms): the
    # receipt, supplement requests, refusal, apology, stop notice and notice of ineligibility, each numbered as the
    # circular of its date numbers it
    forms_ = []
    for f in pdf.available_forms(dossier):
        spec = f["spec"]
        if not spec.citizen:
            continue
        title = (
            _("%(name)s (Mẫu số %(number)s)") % {"name": spec.display, "number": spec.number}
            if spec.number
            else str(spec.display)
        )
        if f["round"]:
            title = _("%(title)s — lần %(n)s") % {"title": title, "n": f["round"]}
        url = form_pdf_url(dossier.code, f["key"], f["seq"] if f["round"] else None)
        forms_.append({"key": f["key"], "title": title, "url": url, "at": f["at"]})
    forms_.sort(key=lambda f: f["at"])  # in the order they were issued
    timeline = [
        {
            "at": e.at,
            "label": TRANSITIONS[e.action].display if e.action in TRANSITIONS else e.action,
            "state": e.to_state,
            "reason": e.reason,
            "new_return_at": (e.data or {}).get("new_return_at") if e.action == "apologize" else None,
            "due_at": (e.data or {}).get("due_at") if e.action == "receive" else None,
            "items": [i for i in (e.data or {}).get("items") or [] if isinstance(i, dict)]
            if e.action == "request_supplement"
            else [],
            # how the result was handed over (it may differ from the way chosen at filing), and the post's number
            "method": pdf.return_method_label((e.data or {}).get("method"))
            if e.action == "return_result"
            else "",
            "tracking_number": (e.data or {}).get("tracking_number", "")
            if e.action == "return_result"
            else "",
            "note": (e.data or {}).get("note", "") if e.action == "supplement" else "",  # the applicant's own
        }
        for e in events
    ]
    # the last return of the result, the result's number (số, ký hiệu văn bản) given at resolution, and the post's
    # number when sent by post: what a citizen quotes once the result is out
    returned = next((t for t in reversed(timeline) if t["method"]), None)
    returned_by = returned["method"] if returned else ""
    resolved = next((e for e in reversed(events) if e.action == "resolve"), None)
    supplement_request = None
    if dossier.state == State.SUPPLEMENT_REQUESTED:
        supplement_request = next(
            (t for t in reversed(timeline) if t["state"] == State.SUPPLEMENT_REQUESTED), None
        )
    docs = list(dossier.documents.order_by("uploaded_at", "pk"))
    due = services.payment_due(dossier)
    # what the agency asked to be paid, as its request states it (the amount, and what for: fees, charges, taxes)
    asked = (
        next((e for e in reversed(events) if e.action == "request_payment"), None)
        if dossier.state == State.AWAITING_PAYMENT
        else None
    )
    return {
        "d": dossier,
        "timeline": timeline,
        "forms": forms_,
        "documents": [x for x in docs if x.kind != DocumentKind.RESULT],
        "results": [x for x in docs if x.kind == DocumentKind.RESULT],
        "supplement_request": supplement_request,
        # the procedure's components a supplementary file may stand for (the signed copy of an unsigned form)
        "supplement_components": (
            list(dossier.procedure_version.components.order_by("order", "pk"))
            if supplement_request and dossier.procedure_version_id
            else []
        ),
        "payment_due": {"amount": due[0], "seq": due[1]} if due else None,
        "payment_asked": {"reason": asked.reason} if asked else None,
        "payments": list(dossier.payments.order_by("-created_at")[:10]),
        "due_status": due_status(dossier),
        "may_withdraw": dossier.state in TRANSITIONS["request_withdrawal"].sources,
        "eform": eform_of(dossier),
        "returned_by": returned_by,
        "result_number": ((resolved.data or {}).get("result_number") or "") if resolved else "",
        "tracking_number": returned["tracking_number"] if returned else "",
    }


@login_required
def my_dossier(request: HttpRequest, code: str) -> HttpResponse:
    """The applicant's own dossier (its reads are theirs, not on its access record), with who else read it."""
    dossier = _owned(request, code)
    ctx = _detail_ctx(dossier)
    ctx.update(access_log.page_context(request.user, dossier))
    return render(request, "portal/my_dossier.html", ctx)


def _refused(request, dossier: Dossier, action: str, exc: DomainError, more=(), **kept) -> HttpResponse:
    """The dossier page again with the refusal's reason: next to the action when the page still offers it, else at
    the top (the dossier moved on meanwhile: resolved, no longer awaiting a supplement or a payment), never a bare
    status. `more`: the form's other problems, listed with the first (`<action>_errors`). `kept`: what the citizen
    typed, shown again."""
    dossier.refresh_from_db()
    ctx = _detail_ctx(dossier)
    ctx.update(access_log.page_context(request.user, dossier))
    shown = {
        "withdraw": ctx["may_withdraw"],
        "supplement": ctx["supplement_request"],
        "payment": ctx["payment_due"],
    }
    ctx[f"{action}_error"] = error_text(exc)
    ctx[f"{action}_errors"] = [error_text(e) for e in (exc, *more)]
    if not shown[action]:
        ctx["page_error"] = error_text(exc)
    ctx.update(kept)
    return render(request, "portal/my_dossier.html", ctx, status=exc.status)


def _back_to_dossier(request, code: str) -> str:
    return reverse("portal:my_dossier", kwargs={"code": code})


@login_required
@post_only(_back_to_dossier)
def my_dossier_supplement(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _owned(request, code)
    files = request.FILES.getlist("files")
    note = nfc(request.POST.get("note", ""))  # an overlong note is refused by the action, never cut
    component = (request.POST.get("component") or "").strip()
    try:
        services.dossier_supplement(code=code, user=request.user, files=files, note=note, component=component)
    except DomainError as exc:
        earlier = services.supplement_just_sent(dossier, request.user, files) if exc.code == "state" else None
        if earlier is not None:  # the page sent twice: the first sending supplemented the dossier
            messages.info(
                request,
                _("Tài liệu bổ sung này đã được nộp lúc %(time)s; lần gửi lại không nộp thêm.")
                % {"time": timezone.localtime(earlier.at).strftime("%H:%M")},
            )
            return redirect("portal:my_dossier", code=code)
        # nothing was attached: say so, naming the files, so none silently vanishes
        return _refused(
            request, dossier, "supplement", exc, supplement_note=note, refused_files=[f.name for f in files]
        )
    messages.success(request, _("Đã nộp tài liệu bổ sung. Hồ sơ tiếp tục được xử lý."))
    return redirect("portal:my_dossier", code=code)


@login_required
@post_only(_back_to_dossier)
def my_dossier_withdraw(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _owned(request, code)
    reason = nfc(request.POST.get("reason", ""))  # bounded by the action (refused, never cut)
    # every problem of the form at once (the reason and the box), as a form lists its errors
    problems = services.withdrawal_problems(reason, confirmed=request.POST.get("confirm") == "1")
    try:
        if problems:
            raise problems[0]
        services.dossier_withdraw(code=code, user=request.user, reason=reason)
    except DomainError as exc:
        return _refused(request, dossier, "withdraw", exc, more=problems[1:], withdraw_reason=reason)
    messages.success(request, _("Đã gửi yêu cầu rút hồ sơ. Cơ quan sẽ thông báo dừng giải quyết hồ sơ."))
    return redirect("portal:my_dossier", code=code)


@login_required
@post_only(_back_to_dossier)
def my_dossier_pay(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _owned(request, code)
    try:
        _payment, url = services.payment_start(code=code, user=request.user)
    except DomainError as exc:
        return _refused(request, dossier, "payment", exc)
    return redirect(url)


@login_required
def my_document(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    dossier = _owned(request, code)
    doc = dossier.documents.filter(pk=pk).first()
    if doc is None:
        raise Http404("Không tìm thấy tài liệu.")
    return FileResponse(
        open_stored(doc.file), as_attachment=True, filename=doc.name, content_type=doc.content_type
    )


# --- public lookup --------------------------------------------------------------------------------------------


def parse_code(raw: str) -> str:
    """A dossier code from what was typed or scanned: the code itself, or a URL with ?ma=<code>; the spaces (or a
    line break) around its separators (. - / _) dropped, as a code is copied from a text message or typed from the
    receipt ("000.00.21.h26 - 250124 - 0001"). Words are not run together into a code. The case is kept: the
    lookup tries the code as typed, then upper-cased (code_forms), as the status API does, so an imported code
    kept in lower case (contract §8) is found too."""
    text = (raw or "").strip()[:500]
    if "ma=" in text:
        values = parse_qs(urlparse(text).query).get("ma") or parse_qs(text.split("?", 1)[-1]).get("ma")
        text = (values or [""])[0].strip()
    return CODE_SEPARATOR_SPACES.sub(r"\1", unpaste(nfc(text)))


def lookup(request: HttpRequest) -> HttpResponse:
    """/tra-cuu/?ma=<code>: masked status for anyone with the code. Rate limited per client IP
    (org.throttle.lookup_limit): over the limit, HTTP 429 with Retry-After and no lookup."""
    raw = request.GET.get("ma", "")
    typed = parse_code(raw)
    # as typed first, then upper-cased (code_forms): a contract code typed in lower case is found as before, and an
    # imported code kept in lower case as it is stored; the shape is checked on the upper-cased form, as before
    well_formed = CODE_RE.match(typed.upper()) is not None  # no spaces left: words are not a code
    forms = code_forms(typed) if well_formed else []
    code = typed.upper()  # shown when nothing is found, as before
    ctx = {"query": code or raw.strip()[:80], "result": None, "error": "", "owner": False}
    status = 200
    if raw.strip():
        # an account that reads the dossier anyway (its applicant, the staff of its agency, an overseer above it)
        # looks it up without counting: others behind the same address (a carrier's shared IP, a ward office) must
        # not lock the applicant out of their own dossier. Staff were exempt for any code, so one account swept
        # every agency's codes without a limit.
        user = request.user
        exempt = (
            user.is_authenticated and well_formed and visible_dossiers(user).filter(code__in=forms).exists()
        )
        refused = None if exempt else lookup_throttled(request, "portal/lookup.html", ctx)
        if refused is not None:
            return refused
        if not well_formed:
            ctx["error"] = _("Mã hồ sơ không hợp lệ. Mã hồ sơ có dạng 000.00.21.H26-250124-0001.")
            status = 400
        else:
            found = {
                d.code: d
                for d in Dossier.objects.select_related("agency", "procedure").filter(code__in=forms)
            }
            dossier = next((found[c] for c in forms if c in found), None)
            if dossier is not None:
                ctx["query"] = dossier.code
            if dossier is None:
                ctx["error"] = _(
                    "Không tìm thấy hồ sơ có mã %(code)s. Vui lòng kiểm tra lại mã trên giấy tiếp nhận."
                ) % {"code": code}
                status = 404
            else:
                ctx["result"] = dossier_public(dossier)
                ctx["owner"] = request.user.is_authenticated and dossier.applicant_user_id == request.user.pk
    return render(request, "portal/lookup.html", ctx, status=status)


def lookup_qr(request: HttpRequest, code: str) -> HttpResponse:
    """The QR of the lookup page's address for `code`, drawn for any well-formed code without looking it up: the
    image must not tell whether a code exists (only the lookup page does, within its rate limit). The shape is the
    lookup's (an imported code kept in lower case has its QR too)."""
    if not CODE_RE.match(code.upper()):
        raise Http404("Mã hồ sơ không hợp lệ.")
    url = request.build_absolute_uri(reverse("portal:lookup") + "?" + urlencode({"ma": code}))
    buf = io.BytesIO()
    segno.make(url, error="m").save(
        buf, kind="svg", scale=4, title=_("Mã QR tra cứu hồ sơ %(code)s") % {"code": code}
    )
    return HttpResponse(buf.getvalue(), content_type="image/svg+xml")


# --- payments -------------------------------------------------------------------------------------------------


def refund_message(payment: Payment) -> str:
    """What the payer is told about a payment received when nothing was due any more (a duplicate)."""
    return _(
        "Giao dịch %(ref)s (%(amount)s) là khoản nộp trùng: khoản phí của hồ sơ đã được thanh toán trước đó "
        "(hoặc không còn phải nộp). Cơ quan sẽ đối soát và hoàn lại số tiền này cho bạn."
    ) % {"ref": payment.reference, "amount": vnd(payment.amount)}


@require_http_methods(["GET", "POST"])
def fake_gateway(request: HttpRequest, ref: str) -> HttpResponse:
    """The fake provider's payment page (demo/tests only)."""
    if not fake_gateway_enabled():
        raise Http404()
    payment = (
        Payment.objects.select_related("dossier__procedure", "dossier__agency").filter(reference=ref).first()
    )
    if payment is None:
        raise Http404("Không có giao dịch.")
    if request.method == "POST":
        status = "paid" if request.POST.get("action") == "paid" else "cancelled"
        return redirect(reverse("portal:payment_return") + "?" + FakeGateway.callback_query(ref, status))
    return render(request, "portal/fake_gateway.html", {"payment": payment})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def payment_return(request: HttpRequest) -> HttpResponse:
    """Gateway callback: the browser's return (GET) or the provider's server notification (POST, JSON reply)."""
    try:
        reference, paid = get_gateway().verify_callback(request)
    except InvalidCallback:
        if request.method == "POST":
            return JsonResponse({"error": "invalid_callback", "message": "Chữ ký không hợp lệ."}, status=400)
        return render(
            request,
            "portal/payment_result.html",
            {"error": _("Kết quả thanh toán không hợp lệ (sai chữ ký).")},
            status=400,
        )
    try:
        payment = services.payment_callback(reference=reference, paid=paid)
    except DomainError as exc:
        if request.method == "POST":
            return JsonResponse(exc.as_dict(), status=exc.status)
        return render(request, "portal/payment_result.html", {"error": error_text(exc)}, status=exc.status)
    if request.method == "POST":
        return JsonResponse(
            {"reference": payment.reference, "status": payment.status, "refund_due": payment.refund_due}
        )
    if request.user.is_authenticated and payment.dossier.applicant_user_id == request.user.pk:
        if payment.refund_due:
            messages.warning(request, refund_message(payment))
        elif payment.status == "paid":
            messages.success(
                request, _("Thanh toán thành công (mã giao dịch %(ref)s).") % {"ref": payment.reference}
            )
        else:
            messages.warning(request, _("Bạn đã hủy thanh toán; khoản phí vẫn chờ được thanh toán."))
        return redirect("portal:my_dossier", code=payment.dossier.code)
    ctx = {"payment": payment, "refund": refund_message(payment) if payment.refund_due else ""}
    return render(request, "portal/payment_result.html", ctx)
