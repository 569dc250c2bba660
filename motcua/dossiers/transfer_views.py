"""The heads' page for handing a colleague's open steps to another (transfer.py): who holds what, then one
person's steps with the recipient and the reason. Each step moves by the `assign` action; what could not move is
said, dossier by dossier."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.errors import DomainError
from motcua.core.forms import CheckedForm
from motcua.core.i18n import in_page_language
from motcua.org.models import Agency

from . import lifecycle, selectors, transfer
from .forms import _staff_choices
from .views import _error_page, staff_required

MAX_LISTED_FAILURES = 20


class TransferForm(CheckedForm):
    steps = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Các bước chuyển giao"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Chọn ít nhất một hồ sơ để chuyển giao.")},
    )
    to = forms.ChoiceField(label=gettext_lazy("Giao cho cán bộ"))
    reason = forms.CharField(
        label=gettext_lazy("Lý do chuyển giao"),
        max_length=transfer.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Ví dụ: nghỉ phép từ 01/12 đến 05/12; luân chuyển vị trí công tác."),
    )

    def __init__(self, *args, agency: Agency, holder: str, steps, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["steps"].choices = [(s.pk, s.dossier.code) for s in steps]
        # only those who may be given one of these steps (a step's role, or a head's above it): the one-stop
        # officer is not offered a specialist's appraisals; a step someone may not hold is still refused per step
        self.fields["to"].choices = [("", "—")] + [
            (u, label) for u, label in _staff_choices({agency.pk}, steps) if u != holder
        ]
        if not self.is_bound:
            self.initial["steps"] = [s.pk for s in steps if s.dossier.state in transfer.ASSIGNABLE_STATES]


def _agency_of(request, agencies: list[Agency]) -> Agency | None:
    wanted = request.POST.get("agency") or request.GET.get("agency")
    if wanted:
        return next((a for a in agencies if a.identifier == wanted), None)
    return agencies[0] if agencies else None


@staff_required
def transfer_page(request):
    agencies = transfer.transfer_agencies(request.user)
    if not agencies:
        return _error_page(
            request,
            _("Chỉ lãnh đạo cơ quan, lãnh đạo phòng chuyển giao công việc của cán bộ."),
            403,
            "Only the agency's heads hand over a colleague's work.",
        )
    agency = _agency_of(request, agencies)
    if agency is None:
        return _error_page(
            request,
            _("Bạn không chuyển giao công việc ở cơ quan này."),
            404,
            "You do not hand over work in this agency.",
        )
    holder = (request.POST.get("from") or request.GET.get("from") or "").strip()
    context = {
        "agencies": agencies,
        "agency": agency,
        "holders": transfer.holders(agency),
        "holder": holder,
        "now": timezone.now(),
    }
    if not holder:
        return render(request, "dossiers/staff/transfer.html", context)
    steps = list(transfer.steps_held(agency, holder))
    for s in steps:
        s.state_text = lifecycle.state_display(s.dossier.state)
        s.assignable = s.dossier.state in transfer.ASSIGNABLE_STATES
        s.due_flag = selectors.due_status(s.dossier, context["now"])
    holder_row = next((h for h in context["holders"] if h.username == holder), None)
    context.update({"steps": steps, "holder_row": holder_row})
    form = TransferForm(
        request.POST if request.method == "POST" else None, agency=agency, holder=holder, steps=steps
    )
    context["form"] = form
    if request.method != "POST":
        return render(request, "dossiers/staff/transfer.html", context)
    if not form.is_valid():
        context["error"] = _("Thông tin chưa hợp lệ, kiểm tra lại các ô được đánh dấu.")
        return render(request, "dossiers/staff/transfer.html", context, status=400)
    try:
        outcomes = transfer.steps_transfer(
            actor=request.user,
            agency=agency,
            from_username=holder,
            to_username=form.cleaned_data["to"],
            step_ids=form.cleaned_data["steps"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        context["error"] = in_page_language(exc)
        return render(request, "dossiers/staff/transfer.html", context, status=exc.status)
    done = [o for o in outcomes if o.done]
    failed = [o for o in outcomes if not o.done]
    recipient = dict(form.fields["to"].choices).get(form.cleaned_data["to"], form.cleaned_data["to"])
    if done:
        messages.success(
            request,
            _("Đã chuyển giao %(n)d bước xử lý cho %(who)s.") % {"n": len(done), "who": recipient},
        )
    for o in failed[:MAX_LISTED_FAILURES]:
        why = in_page_language(o)
        messages.warning(request, _("Chưa chuyển giao %(code)s: %(why)s") % {"code": o.code, "why": why})
    if len(failed) > MAX_LISTED_FAILURES:
        messages.warning(
            request,
            _("Và %(n)d hồ sơ khác chưa chuyển giao được.") % {"n": len(failed) - MAX_LISTED_FAILURES},
        )
    query = urlencode({"agency": agency.identifier, "from": holder})
    return redirect(f"{reverse('dossiers:transfer')}?{query}")
