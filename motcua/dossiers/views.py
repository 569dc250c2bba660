"""Staff screens (Vietnamese): inboxes per role, the dossier page with one form per allowed action, the counter
registration page, uploads, document downloads and the PDF forms. Views parse, check permission, call a service
and reply; they never write models directly. A refused action shows its message and changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from motcua.catalog.models import Offering, Procedure
from motcua.catalog.selectors import applied_limit_text
from motcua.core.dates import YEARS_RULE, in_supported_years, parse_day
from motcua.core.errors import Conflict, DomainError, NotFound
from motcua.core.storage import open_stored
from motcua.core.text import code_forms, dong, identifier_form, nfc
from motcua.core.views import post_only
from motcua.org.models import Agency, Role
from motcua.org.selectors import (
    can_read_agency,
    is_one_stop_officer,
    is_staff_member,
    readable_agencies,
    roles_of,
)

from . import access_log, documents, lifecycle, pdf, selectors, services, transfer
from .forms import ACTION_FORMS, CounterForm, UploadForm, inspect_into_form, paper_components
from .models import (
    AccessKind,
    Classification,
    Dossier,
    DossierEvent,
    IdempotencyKey,
    Outcome,
    ReturnMethod,
    State,
)
from .workflow import TRANSITIONS

LOCAL = lifecycle.LOCAL
PAGE_SIZE = 50

TAB_LABELS = {
    "receive": gettext_lazy("Chờ tiếp nhận"),
    "assign": gettext_lazy("Chờ phân công"),
    "process": gettext_lazy("Đang xử lý (của tôi)"),
    "approve": gettext_lazy("Chờ duyệt, ký kết quả"),
    "return": gettext_lazy("Chờ trả kết quả"),
    "apology": gettext_lazy("Cần gửi thư xin lỗi"),
    "all": gettext_lazy("Tất cả hồ sơ"),
}
# tabs whose rows also show the step under way and its own due instant (the specialist's and the heads' work)
STEP_TABS = ("assign", "process", "approve", "all")
TAB_ROLES = {
    "receive": {Role.OFFICER},
    "assign": {Role.UNIT_HEAD, Role.LEADER},
    "process": {Role.OFFICER, Role.SPECIALIST, Role.UNIT_HEAD, Role.LEADER},
    "approve": {Role.UNIT_HEAD, Role.LEADER},
    "return": {Role.OFFICER},
    "apology": {Role.OFFICER, Role.UNIT_HEAD, Role.LEADER},
    "all": None,
}


# --- helpers --------------------------------------------------------------------------------------------------


def _error_page(request, message: str, status: int, message_en: str = "", *, back=None):
    """`back`: (url, label) of the way out when it is not the staff inbox (a citizen sent to a staff page)."""
    return render(
        request,
        "dossiers/staff/error.html",
        {"message": message, "message_en": message_en, "status": status, "back": back},
        status=status,
    )


def staff_required(view):
    """Signed in (else to the login page) and holding a staff role (else 403 in Vietnamese)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_staff_member(request.user):
            return _error_page(
                request,
                _(
                    "Trang này dành cho cán bộ. Tài khoản của bạn chưa được giao vai trò cán bộ tại cơ quan nào."
                ),
                403,
                "Staff only: your account holds no staff role.",
                back=(reverse("portal:my_dossiers"), _("Về hồ sơ của tôi")),
            )
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            return _error_page(request, exc.message, 404, exc.message_en)

    return wrapper


def _dossier_or_404(request, code: str) -> Dossier:
    dossier = (
        Dossier.objects.select_related("agency", "agency__parent", "procedure", "procedure_version")
        .filter(code=code)
        .first()
    )
    if dossier is None or not services.may_read(request.user, dossier):
        raise NotFound(f"Không tìm thấy hồ sơ '{code}'.", f"Dossier '{code}' not found.")
    return dossier


def due_flag(dossier: Dossier, now=None) -> str:
    """'overdue' / 'due_soon' / '' for highlighting (selectors.due_status)."""
    return selectors.due_status(dossier, now)


def _person(user, username: str = "") -> str:
    if user is not None:
        return user.get_full_name() or user.get_username()
    return username


def _event_rows(dossier: Dossier, events: list[DossierEvent]) -> list[dict]:
    rows = []
    names = pdf.person_names(
        {e.data.get(k, "") for e in events for k in ("assignee", "receiver", "previous_assignee")}
    )
    codes = {e.data.get(k) for e in events if e.data for k in ("step_agency", "requesting_agency")} - {
        None,
        "",
    }
    agency_names = (
        dict(Agency.objects.filter(identifier__in=codes).values_list("identifier", "name")) if codes else {}
    )
    for e in events:
        t = TRANSITIONS.get(e.action)
        details = []
        d = e.data or {}
        if e.action == "assign" and d.get("assignee"):
            who = names.get(d["assignee"], d["assignee"])
            if e.step_order is not None:
                details.append(
                    _("Giao cho: %(who)s — bước %(n)s: %(actor)s")
                    % {"who": who, "n": e.step_order, "actor": d.get("step_actor", "")}
                )
            else:  # an imported history records the assignee without the step
                details.append(_("Giao cho: %(who)s") % {"who": who})
            if d.get("previous_assignee"):
                before = d["previous_assignee"]
                details.append(_("Thay cho: %(who)s") % {"who": names.get(before, before)})
        if e.action == "hand_over" and d.get("within_agency"):
            who = names.get(d.get("receiver", ""), d.get("receiver", ""))
            details.append(
                _("Chuyển trong cơ quan phối hợp (%(agency)s) cho: %(who)s")
                % {"agency": d.get("from_actor", ""), "who": who}
            )
            if d.get("step_due_at"):
                details.append(
                    _("Hạn bước liên thông giữ nguyên: %s") % pdf.fmt_dt(pdf._parse_dt(d["step_due_at"]))
                )
            if d.get("part_result"):
                details.append(
                    _("Tiến độ so với hạn bước: %s") % dict(Classification.choices).get(d["part_result"], "")
                )
        elif e.action == "hand_over":
            if d.get("from_actor"):
                details.append(_("Giao: %s") % d["from_actor"])
            if d.get("to_actor"):
                who = names.get(d.get("receiver", ""), d.get("receiver", ""))
                details.append(_("Nhận: %s") % d["to_actor"] + (f" ({who})" if who else ""))
            if d.get("inter_agency"):
                details.append(_("Liên thông"))
            if d.get("step_result"):
                details.append(_("Kết quả bước: %s") % dict(Classification.choices).get(d["step_result"], ""))
        if d.get("step_agency") and d["step_agency"] != dossier.agency.identifier:
            # asked while a partner agency held the dossier (liên thông): in whose name, and where it was
            asked_by = d.get("requesting_agency") or dossier.agency.identifier
            details.append(
                _("Trong bước liên thông tại %(step)s; cơ quan đề nghị: %(asked)s")
                % {
                    "step": agency_names.get(d["step_agency"], d["step_agency"]),
                    "asked": agency_names.get(asked_by, asked_by),
                }
            )
        for item in d.get("items") or []:
            if isinstance(item, dict):
                line = " — ".join(str(v) for v in (item.get("name"), item.get("reason")) if v)
                details.append(_("Bổ sung: %s") % line)
        if d.get("outcome") in Outcome.values:
            details.append(Outcome(d["outcome"]).label)
        if d.get("method") in ReturnMethod.values:
            details.append(_("Trả kết quả: %s") % ReturnMethod(d["method"]).label)
        if e.action in ("receive", "supplement", "confirm_payment") and d.get("due_at"):
            details.append(_("Hẹn trả: %s") % pdf.fmt_dt(pdf._parse_dt(d["due_at"])))
        if d.get("new_return_at"):
            details.append(_("Hẹn lại: %s") % pdf.fmt_dt(pdf._parse_dt(d["new_return_at"])))
        for key, label in (
            ("amount", _("Số tiền")),
            ("paid_reference", _("Chứng từ")),
            ("result_number", _("Số văn bản kết quả")),
            ("tracking_number", _("Số vận đơn")),
            ("received_by", _("Người nhận")),
            ("note", _("Ghi chú")),
        ):
            if d.get(key):
                value = d[key]
                if key == "amount" and str(value).isdigit():  # 500.000 đồng, as the officer wrote it
                    value = dong(value)
                details.append(f"{label}: {value}")
        rows.append(
            {
                "seq": e.seq,
                "label": t.display if t else e.action,
                "action": e.action,
                "at": e.at,
                "actor": _person(e.actor, e.actor_name),
                "from_state": lifecycle.state_display(e.from_state or None) if e.from_state else "",
                "to_state": lifecycle.state_display(e.to_state),
                "reason": e.reason,
                "details": details,
                "file_hashes": e.file_hashes,
                "hash": e.hash,
            }
        )
    return rows


def _detail_context(
    request, dossier: Dossier, *, bound: dict | None = None, error: DomainError | None = None
):
    user = request.user
    allowed = services.allowed_actions(user, dossier)
    action_forms = []
    for action in allowed:
        cls = ACTION_FORMS.get(action)
        if cls is None:
            continue
        form = (bound or {}).get(action) or cls(dossier=dossier, user=user)
        # a form taking files says the size limit once, under its fields (however many file inputs it has)
        takes_files = any(isinstance(f.widget, forms.FileInput) for f in form.fields.values())
        action_forms.append(
            {"action": action, "label": TRANSITIONS[action].display, "form": form, "takes_files": takes_files}
        )
    # the log, read once: the timeline, who completed each step, which files an event recorded
    events = list(dossier.events.select_related("actor").order_by("seq"))
    steps = list(dossier.steps.select_related("agency", "assignee").order_by("order"))
    done = pdf.step_completers(events)
    for s in steps:  # a finished step nobody was assigned: who completed it (the "Cán bộ" column)
        s.done_by = done.get(s.order, "") if s.completed_at and not s.assignee_id else ""
        s.stopped = pdf.step_stopped(s, dossier)
    current = next((s for s in steps if s.started_at and not s.completed_at), None)
    if current is not None:  # the step under way flagged as in the inboxes (its own due instant and calendar)
        current.due_flag = selectors.step_due_status(current, dossier)
    forms_list = pdf.available_forms(dossier)
    recorded = {h for e in events for h in e.file_hashes or ()}
    docs = list(dossier.documents.select_related("component", "uploaded_by").order_by("uploaded_at", "pk"))
    for d in docs:
        d.recorded = d.sha256 in recorded
    may_upload = documents.may_upload(user, dossier)
    siblings = selectors.applicant_open_dossiers(dossier)
    return {
        "dossier": dossier,
        "state_label": lifecycle.state_display(dossier.state),
        "due_status": due_flag(dossier),
        "steps": steps,
        "current_step": current,
        "events": _event_rows(dossier, events),
        "documents": docs,
        "forms": forms_list,
        "action_forms": action_forms,
        "error": error,
        "upload_form": UploadForm(dossier=dossier) if may_upload else None,
        "working_days": (dossier.limit_hours / 8) if dossier.limit_hours is not None else None,
        "classification_label": dict(Classification.choices).get(dossier.classification, ""),
        "outcome_label": dict(Outcome.choices).get(dossier.outcome, ""),
        "return_method_label": dict(ReturnMethod.choices).get(dossier.return_method, ""),
        "result_method_label": dict(ReturnMethod.choices).get(dossier.result_method, ""),
        "channel_label": dossier.get_channel_display(),
        "eform": selectors.eform_of(dossier),
        "eform_on_paper": selectors.declaration_on_paper(dossier),
        "open_siblings": siblings,
        "possible_duplicate": any(o.same_procedure for o in siblings),
        **access_log.page_context(user, dossier),
    }


def _render_detail(request, dossier, *, bound=None, error=None, status=200):
    return render(
        request,
        "dossiers/staff/dossier.html",
        _detail_context(request, dossier, bound=bound, error=error),
        status=status,
    )


# --- dossier page and actions ---------------------------------------------------------------------------------


@require_GET
@staff_required
def dossier_detail(request, code: str):
    dossier = _dossier_or_404(request, code)
    access_log.record(request, request.user, dossier, AccessKind.VIEW, channel="web")
    return _render_detail(request, dossier)


def _changes_since(dossier: Dossier, expected_version: int) -> list:
    """The events recorded since the page showed the dossier at `expected_version` (one per version), oldest
    first."""
    n = dossier.version - expected_version
    if n <= 0:
        return []
    return list(dossier.events.select_related("actor").order_by("-seq")[:n])[::-1]


def _stale_with_changes(newer: list) -> DomainError:
    """The refusal of an action sent from a page older than the dossier, saying what happened meanwhile, by
    whom and when (the two-tabs case: the loser sees why nothing was done)."""
    vi, en = [], []
    for e in newer[-3:]:
        t = TRANSITIONS.get(e.action)
        who, at = _person(e.actor, e.actor_name), pdf.fmt_dt(e.at)
        vi.append(f"{t.label if t else e.action} ({who}, {at})")
        en.append(f"{t.label_en if t else e.action} ({who}, {at})")
    return Conflict(
        "Hồ sơ vừa được cập nhật sau khi trang này được mở: "
        + "; ".join(vi)
        + ". Thao tác của bạn chưa được "
        "thực hiện; xem lại hồ sơ dưới đây rồi thao tác lại nếu còn cần.",
        "The dossier was changed after this page was opened: " + "; ".join(en) + ". Your action was not "
        "taken; check the dossier below and act again if still needed.",
        code="stale",
    )


def _no_action(action: str) -> NotFound:
    return NotFound(f"Không có thao tác '{action}' trên hồ sơ.", f"No action '{action}'.")


def _back_to_form(request, code: str, action: str = "") -> str:
    """Where an action's (or an upload's) address opened rather than posted goes (core.views.post_only): the
    dossier, with that action's form open; a dossier the user may not read, or no such action, is a 404."""
    dossier = _dossier_or_404(request, code)
    if action and action not in ACTION_FORMS:
        raise _no_action(action)
    url = reverse("dossiers:detail", kwargs={"code": dossier.code})
    return url + (f"?open={action}#act-{action}" if action else "")


def _not_sent(request, code: str, action: str = "") -> str:
    label = TRANSITIONS[action].display if action else _("Tải tài liệu lên")
    return _("Chưa thực hiện: %(action)s. Nhập lại thông tin và gửi lại.") % {"action": label}


def _no_longer_applies(request, dossier, action: str):
    """A form of a page opened before the dossier moved on (another officer acted), sent with a field wrong: the
    form is no longer on the page, so "fix the marked fields" pointed at nothing — the action is said to be over
    (409), nothing changed. (Sent right, the service's refusal names what changed since the page was opened.)"""
    label = TRANSITIONS[action].display
    with translation.override("en"):
        label_en, state_en = str(TRANSITIONS[action].display), str(State(dossier.state).label)
    err = Conflict(
        f"Thao tác “{label}” không còn áp dụng: hồ sơ đang ở trạng thái “{lifecycle.state_label(dossier.state)}” "
        "(có thể đã được cập nhật sau khi trang được mở). Hồ sơ không thay đổi.",
        f"“{label_en}” no longer applies: the dossier is now “{state_en}” (it may have changed after this page "
        "was opened). Nothing was changed.",
        code="transition_not_allowed",
    )
    return _render_detail(request, dossier, error=err, status=409)


@staff_required
@post_only(_back_to_form, _not_sent)
def dossier_act(request, code: str, action: str):
    dossier = _dossier_or_404(request, code)
    form_cls = ACTION_FORMS.get(action)
    if form_cls is None:
        missing = _no_action(action)
        return _error_page(request, missing.message, 404, missing.message_en)
    if not services.may_act(request.user, dossier, action):
        # who may not take the action at all (an overseer, a colleague of another role) is told so before the
        # form is checked: "fix the marked fields" would say that it could succeed; nothing is read or scanned
        try:
            services.refuse_action(request.user, dossier, action)
        except DomainError as exc:
            return _error_page(request, exc.message, exc.status, exc.message_en)
    form = form_cls(request.POST, request.FILES, dossier=dossier, user=request.user)
    valid = form.is_valid()
    try:  # the files too, in the same sending: a refused file is named on its input beside the other errors
        inspected, refused = inspect_into_form(form, form.named_uploads())
    except DomainError as exc:  # the check could not run (the scanner unavailable): no fault of the file
        return _render_detail(request, dossier, bound={action: form}, error=exc, status=exc.status)
    if not valid and action not in services.lifecycle_allowed(dossier.state):
        return _no_longer_applies(request, dossier, action)
    if not valid or refused:
        if valid:  # a file refused alone: its own message and status (422 a type not taken, 413 too large)
            return _render_detail(
                request, dossier, bound={action: form}, error=refused[0], status=refused[0].status
            )
        invalid = _(
            "Thông tin chưa hợp lệ, kiểm tra lại các ô được đánh dấu."
        )  # in the page's language, once
        err = DomainError(invalid, invalid)
        return _render_detail(request, dossier, bound={action: form}, error=err, status=400)
    stored: list = []
    try:
        with transaction.atomic():
            documents.store_all(dossier, inspected, request.user, stored)
            dossier = services.dossier_act(
                code=dossier.code,
                action=action,
                actor=request.user,
                params=form.params(),
                expected_version=form.cleaned_data["expected_version"],
                record_uploads=True,
            )
    except DomainError as exc:
        documents.discard(stored)
        fresh = _dossier_or_404(request, code)
        if exc.code == "stale":
            newer = _changes_since(fresh, form.cleaned_data["expected_version"])
            if any(e.action == action for e in newer) and all(e.actor_id == request.user.pk for e in newer):
                # the same form sent twice (a double click, sent again while the first was served), or the same
                # action already taken from another tab: done once, and the officer is told so
                messages.info(
                    request,
                    _(
                        "Bạn đã thực hiện %(action)s lúc %(at)s (lần gửi trước, hoặc ở một thẻ khác); lần gửi "
                        "này không thực hiện thêm. Kết quả ở dưới đây."
                    )
                    % {
                        "action": TRANSITIONS[action].display,
                        "at": pdf.fmt_dt([e for e in newer if e.action == action][-1].at),
                    },
                )
                return redirect("dossiers:detail", code=fresh.code)
            if newer:
                exc = _stale_with_changes(newer)
        return _render_detail(request, fresh, bound={action: form}, error=exc, status=exc.status)
    messages.success(
        request,
        _("Đã thực hiện: %(action)s. Hồ sơ %(code)s: %(state)s.")
        % {
            "action": TRANSITIONS[action].display,
            "code": dossier.code,
            "state": lifecycle.state_display(dossier.state),
        },
    )
    return redirect("dossiers:detail", code=dossier.code)


@staff_required
@post_only(_back_to_form, _not_sent)
def upload(request, code: str):
    dossier = _dossier_or_404(request, code)
    if not documents.may_upload(request.user, dossier):
        return _error_page(
            request,
            _(
                "Bạn không thể tải tài liệu lên hồ sơ này (không thuộc cơ quan xử lý, hoặc hồ sơ đã kết thúc)."
            ),
            403,
            "You may not upload documents to this dossier.",
        )
    form = UploadForm(request.POST, request.FILES, dossier=dossier)
    if not form.is_valid():
        # the form's own messages (an empty file says so), else what to do
        said = " ".join(m for field in ("__all__", "files") for m in form.errors.get(field, []))
        said = said or _("Chọn tệp và loại tài liệu.")  # in the page's language, either way
        err = DomainError(said, said)
        return _render_detail(request, dossier, error=err, status=400)
    kind = form.cleaned_data["kind"]
    comp = form.cleaned_data.get("component_obj")
    stored: list = []
    try:
        inspected = documents.inspect_all([(f, kind, comp) for f in form.cleaned_data["files"]])
        with transaction.atomic():
            documents.store_all(dossier, inspected, request.user, stored)
    except DomainError as exc:
        documents.discard(stored)
        return _render_detail(request, dossier, error=exc, status=exc.status)
    messages.success(
        request,
        ngettext(
            "Đã tải lên %(n)d tệp. Mã SHA-256 của tệp được ghi vào sự kiện của thao tác tiếp theo trên hồ sơ.",
            "Đã tải lên %(n)d tệp. Mã SHA-256 của các tệp được ghi vào sự kiện của thao tác tiếp theo trên hồ sơ.",
            len(stored),
        )
        % {"n": len(stored)},
    )
    return redirect("dossiers:detail", code=dossier.code)


@require_GET
@login_required
def document_download(request, code: str, pk: int):
    try:
        dossier = _dossier_or_404(request, code)
    except NotFound as exc:
        return _error_page(request, exc.message, 404, exc.message_en)
    doc = dossier.documents.filter(pk=pk).first()
    if doc is None:
        return _error_page(request, "Không tìm thấy tài liệu.", 404, "Document not found.")
    access_log.record(request, request.user, dossier, AccessKind.DOCUMENT, channel="web", detail=doc.name)
    response = FileResponse(
        open_stored(doc.file), content_type=doc.content_type, as_attachment=True, filename=doc.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@login_required
def form_pdf(request, code: str, form: str, *, back=None):
    """A form of the dossier as PDF: staff who may read the dossier; the applicant for the forms addressed to
    them (receipt, supplement, refusal, apology, stop). `back`: the error page's way out (the citizen's pages link
    their forms at /ho-so-cua-toi/<code>/phieu/, whose errors lead back to "Hồ sơ của tôi", not the staff inbox)."""
    try:
        dossier = _dossier_or_404(request, code)
        spec = pdf.FORMS.get(form)
        if spec is None:
            raise NotFound(f"Không có mẫu phiếu '{form}'.", f"No form '{form}'.")
        staff_reader = services.reads_as_staff(request.user, dossier)
        if not staff_reader and not spec.citizen:
            raise NotFound(f"Không tìm thấy hồ sơ '{code}'.", f"Dossier '{code}' not found.")
        seq = request.GET.get("seq")
        seq = int(seq) if seq and seq.isdigit() else None
        data = pdf.render_form_pdf(form, dossier, seq)
    except NotFound as exc:
        return _error_page(request, exc.message, 404, exc.message_en, back=back)
    access_log.record(request, request.user, dossier, AccessKind.FORM, channel="web", detail=spec.title)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = pdf.form_content_disposition(dossier, form, seq)
    return response


# the tracking book's date boxes as the inbox labels them ("Sổ theo dõi hồ sơ từ … đến …")
_DAY_LABELS = {"from": ("từ", "from"), "to": ("đến", "to")}


def _parse_day(value: str, name: str) -> dt.date:
    value = value.strip()
    vi, en = _DAY_LABELS.get(name, (name, name))
    try:
        day = parse_day(value)
    except ValueError as exc:
        shown = value[:20]
        raise DomainError(
            f"Sổ theo dõi hồ sơ: ngày “{vi}” {shown} không có trong lịch hoặc sai dạng (dùng dd/mm/yyyy, "
            "ví dụ 01/11/2026).",
            f"Tracking book: the “{en}” date {shown} is not a calendar date or not in the form dd/mm/yyyy "
            "(e.g. 01/11/2026).",
        ) from exc
    if not in_supported_years(day.year):  # the period's instants could not be computed (nor hold a dossier)
        raise DomainError(
            f"Sổ theo dõi hồ sơ: ngày “{vi}” {value[:20]} {YEARS_RULE[0]}.",
            f"Tracking book: the “{en}” date {value[:20]} {YEARS_RULE[1]}.",
        )
    return day


def _default_agency(user) -> Agency | None:
    roles = roles_of(user)
    for wanted in (Role.OFFICER, Role.LEADER, Role.UNIT_HEAD, Role.SPECIALIST, Role.OVERSEER, Role.ADMIN):
        for r in roles:
            if r.role == wanted:
                return r.agency
    return Agency.objects.order_by("path").first() if user.is_superuser else None


@require_GET
@staff_required
def tracking_book_pdf(request):
    """Form 07 — Sổ theo dõi hồ sơ of an agency for a period: ?from=&to=[&agency=]."""
    today = timezone.localdate()
    try:
        start = _parse_day(request.GET["from"], "from") if request.GET.get("from") else today.replace(day=1)
        end = _parse_day(request.GET["to"], "to") if request.GET.get("to") else today
        if start > end:
            raise DomainError(
                f"Sổ theo dõi hồ sơ: ngày “từ” ({start:%d/%m/%Y}) phải trước hoặc bằng ngày “đến” ({end:%d/%m/%Y}).",
                f"Tracking book: the “from” date ({start:%d/%m/%Y}) must not be after the “to” date "
                f"({end:%d/%m/%Y}).",
            )
        if (end - start).days > 366:
            raise DomainError("Mỗi lần in sổ tối đa 366 ngày.", "At most 366 days per tracking book.")
    except DomainError as exc:
        return _error_page(request, exc.message, 400, exc.message_en)
    identifier = identifier_form(request.GET.get("agency", ""))
    agency = (
        Agency.objects.filter(identifier=identifier).first() if identifier else _default_agency(request.user)
    )
    if agency is None or not can_read_agency(request.user, agency):
        return _error_page(
            request, f"Không tìm thấy cơ quan '{identifier}'.", 404, f"No agency '{identifier}'."
        )
    data = pdf.render_tracking_book_pdf(agency, start, end)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="so-theo-doi-{agency.identifier}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"'
    )
    return response


# --- inbox ----------------------------------------------------------------------------------------------------


def _tabs_for(user) -> list[str]:
    if user.is_superuser:
        return list(selectors.INBOX_TABS)
    mine = {r.role for r in roles_of(user)}
    return [t for t in selectors.INBOX_TABS if TAB_ROLES[t] is None or TAB_ROLES[t] & mine]


def _apology_matches(user, q: str, now) -> list:
    rows = selectors.apology_candidates(user, now=now)
    if q:
        keep = set(
            selectors.search_dossiers(Dossier.objects.filter(pk__in=[d.pk for d in rows]), q).values_list(
                "pk", flat=True
            )
        )
        rows = [d for d in rows if d.pk in keep]
    return rows


@require_GET
@staff_required
def inbox(request):
    user = request.user
    tabs = _tabs_for(user)
    tab = request.GET.get("tab") or (tabs[0] if tabs else "all")
    if tab not in tabs:
        tab = "all"
    q = request.GET.get("q", "").strip()
    # a whole dossier code typed or scanned (a receipt handed in at the return counter): straight to its page, when
    # it is one this user may open; anything else is searched as before
    if q and request.GET.get("page") is None:
        exact = list(
            selectors.inbox(user, "all").filter(code__in=code_forms(q)).values_list("code", flat=True)[:2]
        )
        if len(exact) == 1:
            return redirect("dossiers:detail", code=exact[0])
    now = timezone.now()
    # With a search, each tab's count is the number of matches in it: an officer who typed a code or a name sees
    # at once which tab holds the dossier, whatever tab the search was typed in.
    counts = {}
    apology_rows = None
    for t in tabs:
        if t == "apology":
            apology_rows = _apology_matches(user, q, now)
            counts[t] = len(apology_rows)
        else:
            counts[t] = selectors.search_dossiers(selectors.inbox(user, t), q).count()
    if tab == "apology":
        rows = apology_rows if apology_rows is not None else _apology_matches(user, q, now)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        qs = selectors.search_dossiers(selectors.inbox(user, tab), q)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    steps = selectors.open_steps_of(page.object_list) if tab in STEP_TABS else {}
    for d in page.object_list:
        d.due_flag = due_flag(d, now)
        d.state_text = lifecycle.state_display(d.state)
        d.open_step = steps.get(d.pk)
        if d.open_step is not None:
            d.open_step.due_flag = selectors.step_due_status(d.open_step, d, now)
    apology_count = counts.get("apology", 0)
    heads_transfers = bool(transfer.transfer_agencies(user))
    return render(
        request,
        "dossiers/staff/inbox.html",
        {
            "tabs": [{"key": t, "label": TAB_LABELS[t], "count": counts[t]} for t in tabs],
            "tab": tab,
            "tab_label": TAB_LABELS[tab],
            "step_column": tab in STEP_TABS,
            "q": q,
            # a search with no match here but matches in other tabs: say where they are
            "elsewhere": [
                {"key": t, "label": TAB_LABELS[t], "count": counts[t]}
                for t in tabs
                if q and t != tab and counts[t] and not counts[tab]
            ],
            "page": page,
            "apology_count": apology_count,
            "heads_transfers": heads_transfers,
            # open steps held by staff who left the agency or lost their working role: nobody else sees them
            "stranded_count": transfer.stranded_count(user) if heads_transfers else 0,
            "is_officer": is_one_stop_officer(user),
            # the heads' and overseers' statistics pages, linked from here (no other page links to them)
            "dashboards": _dashboard_links(user),
            "default_agency": (default_agency := _default_agency(user)),
            # the agencies whose tracking book this user may print (an overseer's or a leader's whole subtree,
            # a user with roles in several agencies each of them): a choice when there is more than one
            "book_agencies": _book_agencies(user, default_agency),
            "month_start": timezone.localdate().replace(day=1),
            "today": timezone.localdate(),
        },
    )


def _book_agencies(user, default: Agency | None) -> list[Agency]:
    """The agencies whose Form 07 the user may print, in the tree's order; empty when only the default one (the
    form then names it without a choice)."""
    if default is None:
        return []
    agencies = list(readable_agencies(user).only("pk", "identifier", "name", "short_name", "path"))
    return agencies if len(agencies) > 1 else []


def _dashboard_links(user) -> list[tuple[str, str]]:
    """(address, label) of the statistics pages the user's roles are for: the leader's dashboard for heads and
    overseers, the overseers' ranking of agencies for overseers (and administrators)."""
    roles = {r.role for r in roles_of(user)}
    links = []
    if user.is_superuser or roles & {Role.LEADER, Role.UNIT_HEAD, Role.OVERSEER, Role.ADMIN}:
        links.append((reverse("reports:leader"), _("Bảng điều hành")))
    if user.is_superuser or roles & {Role.OVERSEER, Role.ADMIN}:
        links.append((reverse("reports:overseer"), _("Giám sát tình hình giải quyết TTHC")))
    return links


# --- counter registration ---------------------------------------------------------------------------------


def _officer_agencies(user) -> list[Agency]:
    if user.is_superuser:
        return list(Agency.objects.filter(active=True, offerings__isnull=False).distinct().order_by("path"))
    ids = [r.agency_id for r in roles_of(user) if r.role == Role.OFFICER]
    return list(Agency.objects.filter(pk__in=ids, active=True).order_by("path"))


def _offered(agency: Agency | None) -> list[Procedure]:
    if agency is None:
        return []
    ids = Offering.objects.filter(agency=agency).values_list("procedure_id", flat=True)
    return list(Procedure.objects.filter(pk__in=ids, active=True).order_by("code"))


JUST_REGISTERED = dt.timedelta(minutes=30)


def _just_registered(user, agency, procedure, applicant: dict, key: str | None):
    """The dossier `user` registered at the counter in the last half hour for the same applicant (ID number, else
    name) and procedure at `agency`, or None. Not one this very page filed (its idempotency `key`: a double click is
    answered with the first dossier by the filing itself)."""
    same = (
        Q(applicant_id_number=applicant["id_number"])
        if applicant.get("id_number")
        else Q(applicant_name=nfc(applicant.get("name") or ""))
    )
    return (
        Dossier.objects.filter(
            same,
            filed_by=user,
            agency=agency,
            procedure=procedure,
            channel__in=("counter", "postal"),
            created_at__gte=timezone.now() - JUST_REGISTERED,
        )
        .exclude(pk__in=IdempotencyKey.objects.filter(user=user, key=key).values("dossier") if key else [])
        .order_by("-created_at")
        .first()
    )


@staff_required
def counter(request):
    """Counter (or postal) registration by a one-stop officer: pick the agency and a procedure it offers, then
    fill the applicant, scan the components and, when the dossier is complete, receive it at once."""
    agencies = _officer_agencies(request.user)
    if not agencies:
        return _error_page(
            request,
            _("Chỉ cán bộ Bộ phận Một cửa mới đăng ký hồ sơ tại quầy."),
            403,
            "One-stop officers only.",
        )
    source = request.POST if request.method == "POST" else request.GET
    agency = next((a for a in agencies if a.identifier == source.get("agency")), agencies[0])
    procedures = _offered(agency)
    procedure = next((p for p in procedures if p.code == source.get("procedure")), None)
    version = procedure.version_at(timezone.localdate()) if procedure else None
    components = list(version.components.order_by("order")) if version else []
    ctx = {
        "agencies": agencies,
        "agency": agency,
        "procedures": procedures,
        "procedure": procedure,
        "version": version,
        "needs_days": version is not None and version.limit_hours() is None,
        # the limit applied at this agency: its own registered cut, else the version's registered, else legal
        "limit_text": applied_limit_text(version, agency, procedure),
    }
    kwargs = {
        "agencies": [agency],
        "procedures": [procedure] if procedure else procedures,
        "components": components,
    }
    if request.method != "POST":
        initial = {
            "agency": agency.identifier,
            "procedure": procedure.code if procedure else "",
            "submission": uuid.uuid4().hex,
        }
        ctx["form"] = CounterForm(initial=initial, needs_days=ctx["needs_days"], **kwargs)
        return render(request, "dossiers/staff/counter.html", ctx)
    form = CounterForm(request.POST, request.FILES, needs_days=ctx["needs_days"], **kwargs)
    ctx["form"] = form
    # a page sent back with errors never keeps the files chosen (no browser refills a file input): named beside
    # the file inputs, so the officer knows to choose them again
    ctx["unsaved_files"] = form.chosen_files()
    inspected: list = []
    if procedure is not None:
        form.is_valid()
        try:  # the files too, in the same sending: every problem shown at once
            inspected = form.inspect_uploads()
        except DomainError as exc:
            ctx["error"] = exc
            return render(request, "dossiers/staff/counter.html", ctx, status=exc.status)
    if procedure is None or not form.is_valid():
        invalid = (
            _("Thông tin chưa hợp lệ, kiểm tra lại các ô được đánh dấu.")
            if procedure
            else _("Chọn thủ tục hành chính.")
        )
        ctx["error"] = DomainError(invalid, invalid)  # in the page's language, once
        return render(request, "dossiers/staff/counter.html", ctx, status=400)
    c = form.cleaned_data
    key = f"counter-{c['submission']}" if c.get("submission") else None
    earlier = (
        None if c.get("another") else _just_registered(request.user, agency, procedure, form.applicant(), key)
    )
    if earlier is not None:
        # Back and "Đăng ký hồ sơ" again (the page is fetched anew, with a new key): the applicant's dossier was
        # registered minutes ago — registering it again made a second dossier, received, with its own Form 01
        ctx["earlier"] = earlier
        message = _(
            "Hồ sơ %(code)s của %(name)s cho thủ tục này vừa được đăng ký lúc %(time)s. Không đăng ký lại; nếu đây "
            "là một hồ sơ khác của người nộp này, đánh dấu ô bên dưới rồi gửi lại."
        ) % {
            "code": earlier.code,
            "name": earlier.applicant_name,
            "time": timezone.localtime(earlier.created_at).strftime("%H:%M"),
        }
        ctx["error"] = DomainError(message, message, code="just_registered", status=409)
        return render(request, "dossiers/staff/counter.html", ctx, status=409)
    stored: list = []
    try:
        with transaction.atomic():
            filing = dict(
                actor=request.user,
                procedure_code=procedure.code,
                agency_identifier=agency.identifier,
                channel=c["channel"],
                applicant=form.applicant(),
                representative=form.representative(),
                result_method=c["result_method"],
                receive=False,
                working_days=float(c["working_days"]) if c.get("working_days") is not None else None,
                file_hashes=[info.sha256 for _f, _k, _c, info in inspected],
            )
            try:
                dossier, created = services.dossier_file(**filing, idempotency_key=key)
            except DomainError as exc:
                if exc.code != "idempotency_mismatch":
                    raise
                # the page was sent again with other data (back, corrected, sent): another applicant's dossier
                dossier, created = services.dossier_file(**filing)
            if not created:  # the same page sent twice: the first sending filed it, nothing more is done
                messages.info(
                    request,
                    _("Hồ sơ %(code)s đã được đăng ký từ lần gửi trước; lần gửi lại không tạo thêm hồ sơ.")
                    % {"code": dossier.code},
                )
                return redirect("dossiers:detail", code=dossier.code)
            documents.store_all(dossier, inspected, request.user, stored)
            if c.get("receive_now"):
                params = {}
                if paper := paper_components(form):
                    params["paper_components"] = paper
                if not form.components and (items := form.received_item_lines()):
                    params["received_items"] = items
                dossier = services.dossier_act(
                    code=dossier.code,
                    action="receive",
                    actor=request.user,
                    params=params,
                    record_uploads=True,
                )
    except DomainError as exc:
        documents.discard(stored)
        ctx["error"] = exc
        return render(request, "dossiers/staff/counter.html", ctx, status=exc.status)
    if dossier.state == State.RECEIVED:
        messages.success(
            request,
            _("Đã tiếp nhận hồ sơ %(code)s; hẹn trả %(due)s. In Giấy tiếp nhận (Mẫu 01) ở mục Biểu mẫu.")
            % {"code": dossier.code, "due": pdf.fmt_dt(dossier.due_at)},
        )
    else:
        messages.success(
            request, _("Đã đăng ký hồ sơ %(code)s (chờ kiểm tra, tiếp nhận).") % {"code": dossier.code}
        )
    return redirect("dossiers:detail", code=dossier.code)
