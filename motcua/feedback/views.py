"""Web pages: rating a dossier, sending a PAKN, the public answers, and the staff PAKN desk. Views parse, check
permission, call a service and render; a refused action re-renders with the message and the right status."""

import datetime as dt
import uuid
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from motcua.core.errors import DomainError, NotFound
from motcua.core.i18n import in_page_language
from motcua.core.text import code_forms, nfc
from motcua.dossiers import services as dossier_services
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import mask_name
from motcua.org import throttle
from motcua.org.models import Agency
from motcua.org.selectors import is_one_stop_officer, is_staff_member, readable_agency_filter
from motcua.org.throttle import wait_minutes
from motcua.org.views import lookup_throttled, render_throttled

from . import selectors, services
from .forms import AnswerForm, EvaluationForm, FeedbackForm, RatingForm, RejectForm
from .models import Criterion, Feedback, Rating, Status

# how often the counter's rating screen asks whether a new result was handed over
COUNTER_DISPLAY_REFRESH_SECONDS = 4


def _error_page(request, exc: DomainError, *, title: str):
    return render(request, "feedback/error.html", {"title": title, "error": exc}, status=exc.status)


def _dossier(code: str) -> Dossier | None:
    """The dossier of a code as typed or upper-cased (a code read aloud or typed on a phone comes in lower case)."""
    return Dossier.objects.select_related("agency", "procedure").filter(code__in=code_forms(code)).first()


def _staff_dossier(request, code: str) -> Dossier | None:
    """The dossier of a staff page (the paper form, the counter QR) for one who may read it; None otherwise, as for
    a code that does not exist: a 403 only to those who cannot read the dossier would tell anyone signed in which
    codes exist, with no limit (the public pages count such lookups)."""
    dossier = _dossier(code)
    return dossier if dossier is not None and dossier_services.may_read(request.user, dossier) else None


def _not_found(request, code: str, title: str):
    return _error_page(
        request, DomainError(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code}, status=404), title=title
    )


# --- rating ---------------------------------------------------------------------------------------------------


def _rating_page(request, code: str, *, paper: bool):
    """The rating page of one dossier in one of three ways (services.rating_create): the applicant's account,
    the receipt (whoever holds it confirms the applicant's ID or tax number: the walk-in applicant), or a
    one-stop officer entering a paper evaluation form."""
    title = _("Nhập phiếu đánh giá giấy") if paper else _("Đánh giá mức độ hài lòng")
    dossier = _staff_dossier(request, code) if paper else _dossier(code)
    owner = bool(dossier) and request.user.is_authenticated and dossier.applicant_user_id == request.user.pk
    # a QR shown by the officer at the counter (services.counter_token) stands in for the applicant's number
    token = "" if paper else (request.POST.get("t") or request.GET.get("t") or "")[:200]
    token_ok = bool(dossier) and bool(token) and services.counter_token_officer(dossier, token) is not None
    if not paper and not (owner or token_ok or is_staff_member(request.user)):
        # the page tells a dossier's procedure, agency and state to anyone with its code, as the public lookup
        # does: counted against the lookup's limit, so it cannot be used to walk through codes instead — sent
        # (POST) as well as opened (GET): a POST answers the same page, or 404 for a code that does not exist. The
        # dossier's owner and the applicant holding the officer's QR are no code-walkers: a lookup limit reached
        # by others behind the same address (a carrier's NAT, a ward office) does not lock them out. Whether the
        # code exists is told only after the count, as before.
        refused = lookup_throttled(request, "feedback/error.html", {"title": title})
        if refused is not None:
            return refused
    if dossier is None:
        return _not_found(request, code, title)
    if paper and not services.may_record_counter(request.user, dossier):
        return _error_page(
            request,
            DomainError(
                _(
                    "Chỉ cán bộ Bộ phận Một cửa của cơ quan tiếp nhận hồ sơ mới được nhập phiếu đánh giá giấy."
                ),
                status=403,
            ),
            title=title,
        )
    verify = not paper and not owner and not token_ok
    # opened from the counter's rating screen (counter_display) on the tablet itself: back there when done
    at_counter = token_ok and (request.POST.get("quay") or request.GET.get("quay")) == "1"
    existing = Rating.objects.filter(dossier=dossier).first()
    criteria = list(Criterion.objects.filter(active=True))
    ctx = {
        "dossier": dossier,
        "rating": existing,
        "paper": paper,
        "title": title,
        "verify": verify,
        "token": token if token_ok else "",
        "token_error": bool(token) and not token_ok,
        "at_counter": at_counter,
        # back to the screen it came from: the paired desk's, or the one signed in as the officer
        "counter_url": _counter_screen_url(request) if at_counter else "",
    }
    # what was rated is shown to the applicant's account and the one-stop officers, not to anyone with the code
    ctx["show_rating"] = existing is not None and (owner or paper)
    if ctx["show_rating"]:
        ctx["rating_rows"] = selectors.score_rows(existing.scores)
    if existing is None and dossier.state not in services.RATABLE_STATES:
        ctx["not_ready"] = True
        return render(request, "feedback/rate.html", ctx, status=409 if request.method == "POST" else 200)
    if existing is not None:
        if request.method == "POST":
            ctx["error"] = _("Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ được đánh giá một lần.")
            return render(request, "feedback/rate.html", ctx, status=409)
        return render(request, "feedback/rate.html", ctx)
    form = RatingForm(request.POST or None, criteria=criteria, verify=verify)
    ctx["form"] = form
    if request.method == "POST":
        if verify:
            wait = services.verification_wait(throttle.client_ip(request))
            if wait:
                message = _(
                    "Ông/Bà đã thử xác nhận quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau %(minutes)s phút."
                )
                return render_throttled(request, "feedback/rate.html", ctx, wait, message)
        if not form.is_valid():
            return render(request, "feedback/rate.html", ctx, status=400)
        try:
            services.rating_create(
                user=request.user,
                dossier_code=dossier.code,
                overall=form.cleaned_data["overall"],
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                id_number=form.cleaned_data["id_number"] if verify else None,
                counter=paper,
                token=token if token_ok else None,
            )
        except DomainError as exc:
            # a number that does not match: on its field, which the error summary links and focuses
            if verify and exc.code == "not_applicant":
                form.add_error("id_number", in_page_language(exc))
            else:
                ctx["error"] = in_page_language(exc)
            return render(request, "feedback/rate.html", ctx, status=exc.status)
        if paper:
            messages.success(
                request, _("Đã nhập phiếu đánh giá của hồ sơ %(code)s.") % {"code": dossier.code}
            )
            return redirect("dossiers:detail", code=dossier.code)
        messages.success(request, _("Cảm ơn Ông/Bà đã đánh giá. Ý kiến đã được ghi nhận."))
        if at_counter:
            return redirect(ctx["counter_url"])
        return redirect("feedback:rate", code=dossier.code)
    return render(request, "feedback/rate.html", ctx)


@login_required
@require_GET
def rate_qr(request, code: str):
    """A QR for the applicant at the counter to rate on their own phone (no number to type): signed for this dossier
    and this officer, valid RATING_COUNTER_TOKEN_SECONDS (default 30 minutes)."""
    title = _("Mã QR mời đánh giá")
    dossier = _staff_dossier(request, code)
    if dossier is None:
        return _not_found(request, code, title)
    try:
        token = services.counter_token(dossier, request.user)
    except DomainError as exc:
        return _error_page(request, exc, title=title)
    ctx = {"dossier": dossier, "title": title}
    if Rating.objects.filter(dossier=dossier).exists():
        ctx["notice"] = _("Hồ sơ này đã được đánh giá; mỗi hồ sơ chỉ được đánh giá một lần.")
        return render(request, "feedback/rate_qr.html", ctx, status=409)
    if dossier.state not in services.RATABLE_STATES:
        ctx["notice"] = _("Hồ sơ chưa có kết quả giải quyết; chỉ mời đánh giá sau khi hồ sơ đã xử lý xong.")
        return render(request, "feedback/rate_qr.html", ctx, status=409)
    url = _counter_qr(request, dossier, token)
    ctx.update(
        {
            "url": url,
            "qr": segno.make(url, error="m").svg_inline(scale=6, title=_("Mã QR mời đánh giá")),
            "valid_until": timezone.localtime() + dt.timedelta(seconds=services.counter_token_seconds()),
        }
    )
    response = render(request, "feedback/rate_qr.html", ctx)
    response["Cache-Control"] = "no-store"
    return response


def _counter_screen_url(request) -> str:
    """The counter screen this browser shows: its desk's (a tablet paired with a desk) or the officer's own."""
    from .desks import DEVICE_COOKIE, device_for_key

    if device_for_key(request.COOKIES.get(DEVICE_COOKIE)) is not None:
        return reverse("feedback:desk_screen")
    return reverse("feedback:counter_display")


def _counter_qr(request, dossier: Dossier, token: str, **extra) -> str:
    """The absolute address of the rating page for `dossier` with the counter token `token` (and `extra` query
    parameters)."""
    return request.build_absolute_uri(
        reverse("feedback:rate", args=[dossier.code]) + "?" + urlencode({"t": token, **extra})
    )


@login_required
@require_GET
def counter_display(request):
    """The counter's rating screen on a tablet signed in as the desk's officer (a tablet paired with a desk,
    `desk_views.screen`, needs no officer's session): see `counter_screen`."""
    title = _("Màn hình đánh giá tại quầy")
    if not is_one_stop_officer(request.user):
        return _error_page(
            request,
            DomainError(_("Chỉ cán bộ Bộ phận Một cửa mới mở được màn hình đánh giá tại quầy."), status=403),
            title=title,
        )
    return counter_screen(request, request.user, title=title)


def counter_screen(request, officer, *, title: str, desk=None):
    """The counter's rating screen: a tablet at the one-stop desk, facing the applicant. It shows by itself the
    rating QR of the result `officer` just handed over at the counter (selectors.counter_display_dossier) —
    scanned with the applicant's phone or rated on the tablet — and a welcome when there is none (or nobody sits
    at the `desk`). The page asks for its panel again every few seconds (`?panel=1`, the panel alone; 204 when
    `key` is still what it shows: the dossier, the officer and the desk's state); nothing personal is shown
    beyond the masked name the public lookup shows."""
    closed = desk is not None and not desk.active
    since = desk.seated_at if desk is not None else None  # a desk shows what was handed over at that desk
    dossier = None if closed or officer is None else selectors.counter_display_dossier(officer, since=since)
    key = f"{dossier.code if dossier else '-'}:{officer.pk if officer is not None else 0}:{int(closed)}"
    panel = request.GET.get("panel") == "1"
    if panel and request.GET.get("key") == key:
        return HttpResponse(status=204, headers={"Cache-Control": "no-store"})  # unchanged: no new QR to draw
    ctx = {
        "title": title,
        "dossier": dossier,
        "officer": officer,
        "desk": desk,
        "closed": closed,
        "key": key,
        "refresh_seconds": COUNTER_DISPLAY_REFRESH_SECONDS,
    }
    if dossier is not None:
        try:
            token = services.counter_token(dossier, officer)
        except DomainError:  # the officer's role is at another agency: nothing to invite
            ctx["dossier"] = dossier = None
        else:
            url = _counter_qr(request, dossier, token)
            ctx.update(
                {
                    "applicant": mask_name(dossier.applicant_name),
                    "qr": segno.make(url, error="m").svg_inline(scale=7, title=_("Mã QR mời đánh giá")),
                    "here_url": _counter_qr(request, dossier, token, quay="1"),
                }
            )
    template = "feedback/_counter_panel.html" if panel else "feedback/counter.html"
    response = render(request, template, ctx)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def rate(request, code: str):
    return _rating_page(request, code, paper=False)


@login_required
@require_http_methods(["GET", "POST"])
def rate_paper(request, code: str):
    return _rating_page(request, code, paper=True)


# --- PAKN (citizen) -------------------------------------------------------------------------------------------


# The PAKN form's field a refusal of feedback_submit is about (None: the form as a whole), by the refusal's code.
SUBMIT_ERROR_FIELDS = {
    "bad_phone": "phone",
    "dossier_required": "dossier_code",
    "agency_required": "agency",
    "not_offered": "agency",
}


def _submit_error_field(exc: DomainError, subject: str) -> str | None:
    if isinstance(exc, NotFound):  # the dossier or procedure named was not found
        return {"dossier": "dossier_code", "procedure": "procedure_code"}.get(subject)
    return SUBMIT_ERROR_FIELDS.get(exc.code)


SAME_FEEDBACK_WINDOW = dt.timedelta(minutes=30)


def _same_feedback(request, d: dict) -> Feedback | None:
    """The sender's PAKN of the last half hour with this kind, subject, target, title and content: the same form
    sent again (the browser's reload of the answer page, or the back button then "Gửi" again) would file a
    duplicate the agency must answer twice. The sender is the account, or (without one) the same name."""
    rows = Feedback.objects.select_related("dossier", "procedure", "agency").filter(
        received_at__gte=timezone.now() - SAME_FEEDBACK_WINDOW, kind=d["kind"], subject=d["subject"]
    )
    if request.user.is_authenticated:
        rows = rows.filter(user=request.user)
    else:
        rows = rows.filter(user__isnull=True)
    name = " ".join(nfc(d.get("name") or "").split())
    target = (
        d["dossier_code"] if d["subject"] == "dossier" else "",
        (d["procedure_code"] or "").strip().upper() if d["subject"] == "procedure" else "",
        d["agency"] if d["subject"] != "dossier" else "",
    )
    for fb in rows:
        found = (
            fb.dossier.code if fb.dossier_id and d["subject"] == "dossier" else "",
            fb.procedure.code.upper() if fb.procedure_id and d["subject"] == "procedure" else "",
            fb.agency.identifier if fb.agency_id and d["subject"] != "dossier" else "",
        )
        same_sender = request.user.is_authenticated or " ".join(fb.contact_name.split()) == name
        if (
            same_sender
            and found == target
            and fb.title == nfc(d["title"])
            and fb.content == services.content_text(d["content"])
        ):
            return fb
    return None


@require_http_methods(["GET", "POST"])
def submit(request):
    initial = {"submission": uuid.uuid4().hex}
    if request.GET.get("ho-so"):
        initial.update({"subject": "dossier", "dossier_code": request.GET["ho-so"][:80]})
    form = FeedbackForm(request.POST or None, initial=initial)
    ctx = {"form": form, "working_days": services.pakn_working_days()}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "feedback/submit.html", ctx, status=400)
        d = form.cleaned_data
        earlier = _same_feedback(request, d)
        if earlier is not None:
            messages.info(
                request,
                _("Phản ánh, kiến nghị này đã được gửi (số %(reference)s); không gửi lại lần nữa.")
                % {"reference": earlier.reference},
            )
            return render(request, "feedback/submitted.html", {"fb": earlier})
        wait = services.submission_wait(throttle.client_ip(request), request.user)
        if wait:
            message = _(
                "Đã có quá nhiều phản ánh, kiến nghị được gửi từ địa chỉ mạng này trong thời gian ngắn. Vui lòng "
                "thử lại sau %(minutes)s phút."
            )
            form.add_error(None, message % {"minutes": wait_minutes(wait)})  # the page's error summary
            response = render(request, "feedback/submit.html", ctx, status=429)
            response["Retry-After"] = str(wait)
            return response
        try:
            fb = services.feedback_submit(
                user=request.user,
                kind=d["kind"],
                subject=d["subject"],
                title=d["title"],
                content=d["content"],
                dossier_code=d["dossier_code"],
                procedure_code=d["procedure_code"],
                agency_identifier=d["agency"],
                contact={
                    "name": d["name"],
                    "phone": d["phone"],
                    "email": d["email"],
                    "address": d["address"],
                },
                submission_key=d.get("submission") or "",
            )
        except DomainError as exc:
            # in the error summary (focused, linked to the field it is about), in the page's language
            form.add_error(_submit_error_field(exc, d["subject"]), in_page_language(exc))
            return render(request, "feedback/submit.html", ctx, status=exc.status)
        if getattr(fb, "replayed", False):  # the same page sent twice at once: the first sending filed it
            messages.info(
                request,
                _("Phản ánh, kiến nghị này đã được gửi (số %(reference)s); không gửi lại lần nữa.")
                % {"reference": fb.reference},
            )
            return render(request, "feedback/submitted.html", {"fb": fb})
        return render(request, "feedback/submitted.html", {"fb": fb}, status=201)
    return render(request, "feedback/submit.html", ctx)


@login_required
def mine(request):
    items = Feedback.objects.select_related("agency").filter(user=request.user).order_by("-received_at")
    return render(request, "feedback/mine.html", {"items": items})


def _evaluation_page(request, fb: Feedback, *, token: str | None = None):
    """The sender's PAKN with the answer and, once answered, the evaluation of the answer ("Hài lòng" / "Không hài
    lòng" with a reason) — given once (services.feedback_evaluate): on the account's page, or on the page of the
    evaluation link sent with the answer to a sender without an account (`token`)."""
    by_link = token is not None
    form = EvaluationForm(request.POST or None)
    ctx = {
        "fb": fb,
        "form": form,
        "by_link": by_link,
        "may_evaluate": services.may_evaluate(request.user, fb, by_link=by_link),
    }
    here = request.path
    if request.method == "POST":
        if not ctx["may_evaluate"] and fb.sender_satisfied is not None:
            ctx["error"] = _(
                "Ông/Bà đã đánh giá trả lời của phản ánh này; mỗi phản ánh chỉ được đánh giá một lần."
            )
            return _evaluation_response(request, ctx, status=409)
        if not form.is_valid():
            return _evaluation_response(request, ctx, status=400)
        try:
            services.feedback_evaluate(
                reference=fb.reference,
                user=None if by_link else request.user,
                token=token,
                satisfied=form.cleaned_data["satisfied"] == "1",
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            form.add_error("reason" if exc.code == "reason_required" else None, in_page_language(exc))
            return _evaluation_response(request, ctx, status=exc.status)
        messages.success(
            request, _("Cảm ơn Ông/Bà đã đánh giá trả lời. Ý kiến đã được gửi đến cơ quan xử lý.")
        )
        return redirect(here)
    return _evaluation_response(request, ctx)


def _evaluation_response(request, ctx: dict, *, status: int = 200):
    response = render(request, "feedback/mine_detail.html", ctx, status=status)
    if ctx["by_link"]:
        # the link is the key: kept out of caches. (The site's Referrer-Policy, same-origin, already keeps it from
        # other sites; "no-referrer" would make browsers send "Origin: null" with the form, which CSRF refuses.)
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def mine_detail(request, reference: str):
    """One of the signed-in sender's PAKN (`_evaluation_page`); anyone else's: 404, as if it did not exist."""
    fb = Feedback.objects.select_related("agency").filter(user=request.user, reference=reference).first()
    if fb is None:
        raise Http404
    return _evaluation_page(request, fb)


@require_http_methods(["GET", "POST"])
def evaluate_link(request, token: str):
    """The evaluation link of the answer notification to a sender without an account (services.evaluation_token):
    no sign-in, the same rules as the account's page. A bad or tampered token: 404; an expired one says so (410).
    A PAKN sent from an account is evaluated there, never by link."""
    try:
        reference = services.evaluation_link_reference(token)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        return _error_page(request, exc, title=_("Đánh giá trả lời phản ánh, kiến nghị"))
    fb = Feedback.objects.select_related("agency").filter(user__isnull=True, reference=reference).first()
    if fb is None:
        raise Http404
    return _evaluation_page(request, fb, token=token)


def public_list(request):
    agency_id = (request.GET.get("co-quan") or "").strip()
    agency = Agency.objects.filter(identifier=agency_id).first() if agency_id else None
    qs = selectors.public_answers(agency=agency, q=request.GET.get("q", "")[:100])
    page = Paginator(qs, 20).get_page(request.GET.get("trang"))
    return render(
        request,
        "feedback/public_list.html",
        {
            "page": page,
            "items": [selectors.public_item(fb) for fb in page.object_list],
            "agency": agency,
            "agencies": Agency.objects.filter(active=True, feedback__answer_public=True)
            .distinct()
            .order_by("path"),
            "q": request.GET.get("q", ""),
        },
    )


# --- PAKN desk (staff) ----------------------------------------------------------------------------------------


def _staff_only(request):
    if not (request.user.is_superuser or is_staff_member(request.user)):
        return _error_page(
            request,
            DomainError(_("Trang này dành cho cán bộ, công chức có vai trò tại cơ quan."), status=403),
            title=_("Phản ánh, kiến nghị"),
        )
    return None


@login_required
def staff_list(request):
    denied = _staff_only(request)
    if denied:
        return denied
    status = request.GET.get("trang-thai", "open")
    qs = selectors.staff_feedback(request.user, status=status, q=request.GET.get("q", "")[:80])
    page = Paginator(qs, 30).get_page(request.GET.get("trang"))
    now = timezone.now()
    rows = [{"fb": fb, "due": selectors.due_status(fb, now)} for fb in page.object_list]
    return render(
        request,
        "feedback/staff_list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": Status.choices,
            "dissatisfied": selectors.DISSATISFIED,
            "q": request.GET.get("q", ""),
        },
    )


def _unconfirmed_publication(request, fb: Feedback, answer_form: AnswerForm, ctx: dict):
    """Publishing an answer shows the officer exactly what the public page will show (title, question, answer,
    redacted) and publishes only what was confirmed: the form carries the digest of the preview the officer saw.
    Without a public content, a redacted draft of the original is offered to edit (422: nothing is answered);
    with one that was not previewed as it stands, the preview (200). None when confirmed."""
    if not services.may_handle(request.user, fb):
        return None  # the service refuses (403)
    d = answer_form.cleaned_data
    data = request.POST.copy()
    drafted = not d["public_content"].strip()
    if drafted:
        draft = selectors.public_draft(fb)
        data["public_content"] = draft["public_content"]
        if not d["public_title"].strip():
            data["public_title"] = draft["public_title"]
    preview = selectors.public_preview(
        fb, public_title=data["public_title"], public_content=data["public_content"], answer=d["answer"]
    )
    if not drafted and d["confirm"] == preview["digest"]:
        return None
    data["confirm"] = preview["digest"]
    ctx["answer_form"] = AnswerForm(data)
    ctx["preview"] = preview
    if drafted:
        ctx["error"] = _(
            "Nội dung gốc của phản ánh không được công khai. Hệ thống đã gợi ý một bản nháp đã che số giấy tờ, "
            "điện thoại, thư điện tử, mã hồ sơ và họ tên đã biết: hãy đọc phần xem trước, xoá địa chỉ và mọi "
            "thông tin cá nhân còn lại, rồi bấm “Xác nhận công khai và gửi trả lời”."
        )
        return render(request, "feedback/staff_detail.html", ctx, status=422)
    ctx["notice"] = _(
        "Kiểm tra phần xem trước dưới đây — đúng những gì sẽ công khai — rồi bấm “Xác nhận công khai và gửi trả lời”."
    )
    return render(request, "feedback/staff_detail.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def staff_detail(request, reference: str):
    denied = _staff_only(request)
    if denied:
        return denied
    fb = (
        Feedback.objects.select_related("agency", "dossier", "procedure", "answered_by", "taken_by")
        .filter(readable_agency_filter(request.user), reference=reference)
        .first()
    )
    if fb is None:
        raise Http404
    answer_form = AnswerForm(request.POST if request.POST.get("op") == "answer" else None)
    reject_form = RejectForm(request.POST if request.POST.get("op") == "reject" else None)
    notifications = selectors.sender_notifications(fb)
    ctx = {
        "fb": fb,
        "due": selectors.due_status(fb),
        "may_handle": services.may_handle(request.user, fb),
        "notifications": notifications,
        "notifications_failed": any(r.status == "failed" for r in notifications),
        "answer_form": answer_form,
        "reject_form": reject_form,
    }
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            if op == "start":
                services.feedback_start(reference=fb.reference, user=request.user)
                messages.success(request, _("Đã chuyển phản ánh sang trạng thái đang xử lý."))
            elif op == "answer":
                if not answer_form.is_valid():
                    return render(request, "feedback/staff_detail.html", ctx, status=400)
                if answer_form.cleaned_data["public"] and fb.is_open:
                    unconfirmed = _unconfirmed_publication(request, fb, answer_form, ctx)
                    if unconfirmed is not None:
                        return unconfirmed
                services.feedback_answer(
                    reference=fb.reference,
                    user=request.user,
                    answer=answer_form.cleaned_data["answer"],
                    public=answer_form.cleaned_data["public"],
                    public_content=answer_form.cleaned_data["public_content"],
                    public_title=answer_form.cleaned_data["public_title"],
                )
                messages.success(request, _("Đã gửi trả lời phản ánh, kiến nghị."))
            elif op == "reject":
                if not reject_form.is_valid():
                    return render(request, "feedback/staff_detail.html", ctx, status=400)
                services.feedback_reject(
                    reference=fb.reference, user=request.user, reason=reject_form.cleaned_data["reason"]
                )
                messages.success(request, _("Đã từ chối xử lý phản ánh."))
            elif op == "close":
                services.feedback_close(reference=fb.reference, user=request.user)
                messages.success(request, _("Đã đóng phản ánh."))
            elif op == "resend":
                try:
                    outbox_id = int(request.POST.get("outbox", ""))
                except ValueError:
                    outbox_id = 0
                row = services.feedback_resend_notification(
                    reference=fb.reference, user=request.user, outbox_id=outbox_id
                )
                messages.success(
                    request, _("Đã đưa thông báo vào hàng gửi lại: %(to)s.") % {"to": row.recipient}
                )
            else:
                ctx["error"] = _("Thao tác không hợp lệ.")
                return render(request, "feedback/staff_detail.html", ctx, status=400)
        except DomainError as exc:
            ctx["error"] = in_page_language(exc)
            return render(request, "feedback/staff_detail.html", ctx, status=exc.status)
        return redirect("feedback:staff_detail", reference=fb.reference)
    return render(request, "feedback/staff_detail.html", ctx)
