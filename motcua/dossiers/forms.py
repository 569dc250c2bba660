"""Web forms of the staff screens: one form per lifecycle action (each turns its cleaned data into the params of
services.dossier_act and lists the files to store), the counter registration form and the upload form.
Forms only parse and validate input; every write goes through the services."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from motcua.catalog.eforms import VietnameseNumberField, WholeNumberField
from motcua.core.errors import DomainError
from motcua.core.forms import CheckedForm
from motcua.core.i18n import english_active, in_page_language
from motcua.core.text import BadCharacters, check_chars, nfc, nfc_lines
from motcua.org.models import Agency
from motcua.workdays.services import MAX_WORKING_DAYS

from . import documents
from .models import ApplicantKind, DocumentKind, Dossier, Outcome, ReturnMethod
from .validators import IdentifierError, clean_applicant_id, clean_personal_id, clean_phone

# What documents.inspect_upload takes (checked there from the content): offered first by the browser's file chooser,
# and on a phone with the camera.
ACCEPTED_FILES = ".pdf,.jpg,.jpeg,.png,.docx,.xlsx,application/pdf,image/jpeg,image/png"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED_FILES}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        # as the portal says it (Django's "Tập tin được gửi là rỗng."; the staff upload added "choose a file")
        self.error_messages["empty"] = _("Tệp rỗng (0 byte): hãy chọn tệp có nội dung.")

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def component_label(component) -> str:
    """The component's name with the copies asked and whether it is required, in the page's language (the name
    is the catalogue's, as published)."""
    copies = []
    if component.originals:
        n = component.originals
        copies.append(ngettext("%(n)d bản chính", "%(n)d bản chính", n) % {"n": n})
    if component.copies:
        n = component.copies
        copies.append(ngettext("%(n)d bản sao", "%(n)d bản sao", n) % {"n": n})
    extra = ", ".join(copies + [gettext("bắt buộc") if component.required else gettext("nếu có")])
    return f"{component.name} ({extra})"


DATETIME_LOCAL = ["%d/%m/%Y %H:%M", "%d/%m/%Y %Hh%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def datetime_input() -> forms.DateTimeInput:
    """A date and time typed as dd/mm/yyyy hh:mm (24 h) whatever the browser's language: a native
    datetime-local picker follows the browser's locale (mm/dd/yyyy and AM/PM in an English browser)."""
    return forms.DateTimeInput(
        format="%d/%m/%Y %H:%M",
        attrs={"placeholder": "dd/mm/yyyy hh:mm", "autocomplete": "off", "size": 16, "maxlength": 16},
    )


def add_component_fields(form: forms.Form, components, *, paper: bool = True) -> list[tuple]:
    """For each of the procedure's components: a "received on paper" box (`paper_<pk>`; not for an online
    filing, `paper=False`) and a file input for its scan (`component_<pk>`, a label of its own for screen readers;
    without the box, the component's full label). Returns [(file field name, component)]."""
    out = []
    for c in components:
        if paper:
            form.fields[f"paper_{c.pk}"] = forms.BooleanField(
                label=_("%(name)s — đã nhận bản giấy") % {"name": component_label(c)}, required=False
            )
            label = _("Tệp số hóa — %(name)s") % {"name": Truncator(c.name).chars(48)}
        else:
            label = component_label(c)
        name = f"component_{c.pk}"
        form.fields[name] = forms.FileField(
            label=label, required=False, widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES})
        )
        out.append((name, c))
    return out


def named_component_uploads(form: forms.Form) -> list[tuple]:
    """(input name, file, kind, component) of every file a form with add_component_fields' inputs and an
    `other_files` field was given."""
    data = getattr(form, "cleaned_data", {})
    out = [(name, data[name], DocumentKind.COMPONENT, c) for name, c in form.components if data.get(name)]
    return out + [("other_files", f, DocumentKind.OTHER, None) for f in data.get("other_files") or []]


def inspect_into_form(form: forms.Form, named) -> tuple[list[tuple], list[DomainError]]:
    """Every chosen file of `named` ((input name, file, kind, component)) checked now (content type, size,
    scanner: documents.inspect_upload), a refused one as an error on its own input beside the form's other
    errors, so the sender sees every problem in one sending. Returns (file, kind, component, Inspected) of those
    accepted, for documents.store_all, and the refusals. A check that could not run (the scanner unavailable,
    5xx) is raised: it is no fault of the file."""
    accepted, refused = [], []
    for name, f, kind, component in named:
        if not f:
            continue
        try:
            accepted.append((f, kind, component, documents.inspect_upload(f)))
        except DomainError as exc:
            if exc.status >= 500:
                raise
            refused.append(exc)
            form.add_error(name, in_page_language(exc))
    return accepted, refused


def check_required_components(form: forms.Form, *, on_file=frozenset()) -> None:
    """Reception takes a complete dossier (rules §1: a missing item is asked for in writing, Form 02, not
    received): every required component is uploaded now, already on file (`on_file`: component ids with a stored
    document), or ticked as received on paper. Otherwise an error on the component's box, so Form 01 never lists
    as handed in what nobody handed in."""
    data = getattr(form, "cleaned_data", {})
    for name, c in form.components:
        if c.required and not data.get(name) and not data.get(f"paper_{c.pk}") and c.pk not in on_file:
            form.add_error(
                f"paper_{c.pk}" if f"paper_{c.pk}" in form.fields else name,
                _(
                    "Thành phần bắt buộc chưa được nhận: đánh dấu đã nhận bản giấy hoặc tải tệp số hóa. Nếu hồ sơ "
                    "còn thiếu, hãy hướng dẫn bổ sung (Mẫu 02) thay vì tiếp nhận."
                ),
            )


def paper_components(form: forms.Form) -> list[int]:
    """The components (their order in the procedure) the officer ticked as received on paper."""
    data = getattr(form, "cleaned_data", {})
    return [c.order for _name, c in form.components if data.get(f"paper_{c.pk}")]


class ActionForm(CheckedForm):
    """Base of the action forms. `params()` -> services params; `uploads()` -> [(file, kind, component)]."""

    action = ""
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    file_kind = DocumentKind.OTHER

    def __init__(self, *args, dossier: Dossier, user=None, **kwargs):
        self.dossier = dossier
        self.user = user
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")  # several action forms share one page
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("expected_version", dossier.version)

    def params(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("expected_version", "files")}
        text = {k: (nfc_lines(v) if k == "reason" else nfc(v)) for k, v in data.items() if isinstance(v, str)}
        return {k: text.get(k, v) for k, v in data.items() if v not in (None, "", [])}

    def named_uploads(self) -> list[tuple]:
        """(input name, file, kind, component) of the files chosen, for inspect_into_form."""
        data = getattr(self, "cleaned_data", {})
        return [("files", f, self.file_kind, None) for f in data.get("files") or []]


class ReceiveForm(ActionForm):
    action = "receive"
    file_kind = DocumentKind.COMPONENT
    working_days = forms.DecimalField(
        label=_("Số ngày làm việc áp dụng (nếu thủ tục chưa có thời hạn xác định)"),
        required=False,
        min_value=Decimal(0),
        max_value=MAX_WORKING_DAYS,
        max_digits=6,
        decimal_places=2,
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=1000)
    files = MultipleFileField(label=_("Tệp khác (số hóa)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        version = self.dossier.procedure_version
        if version is not None and version.limit_hours() is not None:
            # the catalogue's limit applies as is (contract §5; another number is refused): nothing to type, as on
            # the counter page
            del self.fields["working_days"]
        self.components = add_component_fields(self, version.components.order_by("order") if version else ())
        self.fields["files"] = self.fields.pop("files")  # "other files" after the components
        # what the applicant already uploaded for each component: said next to its box (nothing more to do)
        self.on_file: dict[int, list[str]] = {}
        for comp_id, name in self.dossier.documents.filter(component__isnull=False).values_list(
            "component_id", "name"
        ):
            self.on_file.setdefault(comp_id, []).append(name)
        for _name, c in self.components:
            if c.pk in self.on_file and f"paper_{c.pk}" in self.fields:
                self.fields[f"paper_{c.pk}"].help_text = _("Đã có tệp: %(names)s") % {
                    "names": "; ".join(self.on_file[c.pk])
                }

    def clean(self):
        cleaned = super().clean()
        check_required_components(self, on_file=set(self.on_file))
        return cleaned

    def params(self) -> dict:
        p = super().params()
        paper = paper_components(self)
        for name, c in self.components:
            p.pop(name, None)
            p.pop(f"paper_{c.pk}", None)
        if paper:
            p["paper_components"] = paper
        if "working_days" in p:
            p["working_days"] = float(p["working_days"])
        return p

    def named_uploads(self) -> list[tuple]:
        data = getattr(self, "cleaned_data", {})
        out = [(n, data[n], DocumentKind.COMPONENT, c) for n, c in self.components if data.get(n)]
        return out + super().named_uploads()


class RequestSupplementForm(ActionForm):
    action = "request_supplement"
    ITEM_ROWS = 5  # the empty lines the page offers
    reason = forms.CharField(
        label=_("Lý do, nội dung hướng dẫn chung"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def item_rows(self) -> list[tuple[int, str, str]]:
        """The item lines of the page, (number, name, reason): as typed when the form comes back refused (a line
        without its name, the stale version), so the officer corrects one line instead of typing the whole list
        of Form 02 again; at least ITEM_ROWS lines, the typed ones first."""
        getlist = getattr(self.data, "getlist", None) if self.is_bound else None
        names = getlist("item_name") if getlist else []
        reasons = getlist("item_reason") if getlist else []
        typed = [
            (n, reasons[i] if i < len(reasons) else "")
            for i, n in enumerate(names)
            if n.strip() or (i < len(reasons) and reasons[i].strip())
        ]
        typed += [("", "")] * max(self.ITEM_ROWS - len(typed), 0)
        return [(i, name, reason) for i, (name, reason) in enumerate(typed, start=1)]

    def clean(self):
        cleaned = super().clean()
        names = self.data.getlist("item_name") if hasattr(self.data, "getlist") else []
        reasons = self.data.getlist("item_reason") if hasattr(self.data, "getlist") else []
        items, problems = [], []  # every line's problem at once, not the first one only
        for i, name in enumerate(names):
            reason = reasons[i] if i < len(reasons) else ""
            try:
                check_chars(
                    name, f"Dòng {i + 1}, tên giấy tờ, nội dung", f"Line {i + 1}, document or content"
                )
                check_chars(reason, f"Dòng {i + 1}, lý do", f"Line {i + 1}, reason")
            except BadCharacters as exc:
                problems.append(forms.ValidationError(in_page_language(exc), code="bad_characters"))
                continue
            name, reason = nfc(name), nfc(reason)
            if not name and not reason:
                continue
            if not name:
                problems.append(
                    forms.ValidationError(
                        _("Dòng %(n)s: mỗi dòng cần bổ sung phải có tên giấy tờ, nội dung.") % {"n": i + 1}
                    )
                )
                continue
            if len(name) > 500 or len(reason) > 1000:  # refused, not cut: the applicant reads exactly this
                problems.append(
                    forms.ValidationError(
                        _("Dòng %(n)s: tên giấy tờ, nội dung tối đa 500 ký tự; lý do tối đa 1000 ký tự.")
                        % {"n": i + 1}
                    )
                )
                continue
            items.append({"name": name, "reason": reason})
        if not items and not problems:
            problems.append(
                forms.ValidationError(
                    _(
                        "Liệt kê đầy đủ từng giấy tờ, nội dung cần bổ sung và lý do (hướng dẫn một lần bằng văn "
                        "bản)."
                    )
                )
            )
        if problems:
            raise forms.ValidationError(problems)
        cleaned["items"] = items
        return cleaned


class SupplementForm(ActionForm):
    action = "supplement"
    file_kind = DocumentKind.SUPPLEMENT
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=1000)
    files = MultipleFileField(label=_("Tài liệu bổ sung"))


class ReasonForm(ActionForm):
    reason = forms.CharField(label=_("Lý do"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class RefuseForm(ReasonForm):
    action = "refuse"


class StopForm(ReasonForm):
    action = "stop"


class RequestWithdrawalForm(ActionForm):
    action = "request_withdrawal"
    reason = forms.CharField(
        label=_("Nội dung đề nghị rút hồ sơ"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )


def _staff_choices(agency_ids, steps=()) -> list[tuple[str, str]]:
    """The staff who may be given a step of these agencies (services.WORKING_ROLES: not an overseer); with `steps`,
    only those who may be given one of them (services.may_be_given)."""
    from .services import may_be_given, working_staff

    rows = list(
        working_staff(agency_ids).select_related("user", "agency").order_by("agency__path", "user__username")
    )
    if steps:
        held: dict[tuple[int, int], set[str]] = {}
        for r in rows:
            held.setdefault((r.user_id, r.agency_id), set()).add(r.role)
        fits = {
            key
            for key, roles in held.items()
            if any(s.agency_id == key[1] and may_be_given(roles, s) for s in steps)
        }
        rows = [r for r in rows if (r.user_id, r.agency_id) in fits]
    seen, out = set(), []
    for r in rows:
        if r.user.username in seen:
            continue
        seen.add(r.user.username)
        name = r.user.get_full_name() or r.user.username
        out.append(
            (
                r.user.username,
                f"{name} ({r.user.username}) — {r.get_role_display()}, {r.agency.short_name or r.agency.name}",
            )
        )
    return out


class AssignForm(ActionForm):
    action = "assign"
    step = forms.TypedChoiceField(label=_("Bước xử lý"), coerce=int)
    assignee = forms.ChoiceField(label=_("Giao cho cán bộ"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .services import may_assign_step

        steps = [
            s
            for s in self.dossier.steps.filter(completed_at__isnull=True)
            .select_related("agency")
            .order_by("order")
            if self.user is None
            or may_assign_step(self.user, s)  # the steps of the agencies the user assigns for
        ]
        self.fields["step"].choices = [
            (s.order, f"{s.order}. {s.actor} — {s.agency.short_name or s.agency.name}") for s in steps
        ]
        current = next((s for s in steps if s.started_at), None)
        if current is not None and not self.is_bound:
            self.initial["step"] = current.order
        self.fields["assignee"].choices = [("", "—")] + _staff_choices({s.agency_id for s in steps}, steps)


class HandOverForm(ActionForm):
    action = "hand_over"
    to = forms.ChoiceField(
        label=_("Người nhận ở bước tiếp theo (không bắt buộc)"),
        required=False,
        help_text=_("Khi chuyển liên thông, cơ quan phối hợp tự phân công người xử lý; để trống."),
    )
    to_agency = forms.ChoiceField(label=_("Chuyển liên thông đến cơ quan (không bắt buộc)"), required=False)
    # typed the way people type it ("1,5" is one and a half hours; "1e3" is no number of hours)
    hours = VietnameseNumberField(
        label=_("Thời gian bước liên thông (giờ làm việc)"),
        required=False,
        min_value=Decimal("0.25"),
        max_value=Decimal("800"),
        max_digits=7,
        decimal_places=2,
        error_messages={
            "invalid": _("Nhập số giờ làm việc, ví dụ 4 hoặc 1,5."),
            "min_value": _("Thời gian bước liên thông từ 0,25 giờ làm việc trở lên."),
            "max_value": _("Thời gian bước liên thông tối đa 800 giờ làm việc (100 ngày làm việc)."),
            "max_decimal_places": _("Số giờ có tối đa 2 chữ số thập phân."),
        },
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The receiver of the next step of the internal process: staff of the agencies of the steps still to come.
        # For an inter-agency hand-over the partner agency assigns its own staff (the service refuses anyone not
        # of the next step's agency).
        nxt = self.dossier.steps.filter(started_at__isnull=True).order_by("order").first()
        if nxt is not None:  # who may hold it (its role, or a head's above it)
            self.fields["to"].choices = [("", "—")] + _staff_choices({nxt.agency_id}, [nxt])
        else:
            self.fields["to"].choices = [("", "—")] + _staff_choices({self.dossier.agency_id})
        agencies = Agency.objects.filter(active=True).exclude(pk=self.dossier.agency_id).order_by("path")
        self.fields["to_agency"].choices = [("", "—")] + [
            (a.identifier, f"{a.name} ({a.identifier})") for a in agencies
        ]
        self._offer_within_agency()

    def _offer_within_agency(self):
        """At a partner agency's inter-agency step, its staff may give the step to a colleague there (the head, to
        sign the reply) without completing it: the step keeps its due instant (services._hand_within_agency)."""
        from .services import current_step

        step = current_step(self.dossier)
        if step is None or not step.inter_agency or step.agency_id == self.dossier.agency_id:
            return
        colleagues = [
            c
            for c in _staff_choices({step.agency_id}, [step])
            if self.user is None or c[0] != self.user.username
        ]
        field = forms.ChoiceField(
            label=_("Trình lãnh đạo cơ quan ký / Chuyển cho cán bộ trong cơ quan"),
            required=False,
            choices=[("", "—")] + colleagues,
            help_text=_(
                "Bước liên thông của %(agency)s chưa hoàn thành và giữ nguyên hạn (%(due)s); người nhận hoàn thành "
                "bước sau. Để trống khi hoàn thành bước, chuyển sang bước tiếp theo."
            )
            % {
                "agency": step.agency.name,
                "due": timezone.localtime(step.due_at).strftime("%d/%m/%Y %H:%M") if step.due_at else "—",
            },
        )
        self.fields = {"within_to": field, **self.fields}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("within_to") and any(cleaned.get(k) for k in ("to", "to_agency", "hours")):
            self.add_error(
                "within_to",
                _(
                    "Chuyển cho cán bộ trong cơ quan thì không chọn người nhận ở bước tiếp theo hay chuyển liên thông."
                ),
            )
        elif cleaned.get("to_agency") and not cleaned.get("hours") and "hours" not in self.errors:
            # hours typed but refused (too many, too few) already carry their own error
            self.add_error("hours", _("Bước liên thông cần thời gian xử lý (giờ làm việc)."))
        elif cleaned.get("hours") and not cleaned.get("to_agency") and not cleaned.get("within_to"):
            # the service reads the hours only with a partner agency: typed alone they would be dropped silently
            self.add_error(
                "hours",
                _(
                    "Thời gian này chỉ dùng khi chuyển liên thông: chọn cơ quan phối hợp, hoặc để trống ô thời gian."
                ),
            )
        return cleaned

    def params(self) -> dict:
        p = super().params()
        within = p.pop("within_to", None)
        if within:
            p.update({"within_agency": True, "to": within})
        if "hours" in p:
            p["hours"] = float(p["hours"])
        return p


_DONG = re.compile(r"^\d{1,3}(?:([., ])\d{3})(?:\1\d{3})*$|^\d+$")


class DongField(forms.DecimalField):
    """A whole amount of đồng as officers write it: 500000, 500.000, 500 000 or 500,000 (one grouping mark, in
    groups of three), with an optional trailing "đ"/"đồng"/"VND". Anything else (decimals, 1e5) is refused with an
    example rather than Django's message about decimal places."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_messages.update(
            {
                "min_value": _("Số tiền phải từ 1 đồng trở lên."),
                "max_digits": _("Số tiền quá lớn: tối đa 14 chữ số."),
                "max_whole_digits": _("Số tiền quá lớn: tối đa 14 chữ số."),
            }
        )

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = re.sub(r"\s*(đồng|đ|vnđ|vnd|₫)\s*$", "", nfc(str(value)).strip(), flags=re.IGNORECASE)
        if not _DONG.match(text):
            raise forms.ValidationError(
                _("Số tiền là số nguyên đồng, ví dụ 500000 hoặc 500.000."), code="invalid"
            )
        return super().to_python(re.sub(r"[., ]", "", text))


class RequestPaymentForm(ActionForm):
    action = "request_payment"
    amount = DongField(
        label=_("Số tiền phải nộp (đồng)"),
        min_value=Decimal(1),
        max_digits=14,
        decimal_places=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    reason = forms.CharField(label=_("Nội dung (phí, lệ phí, thuế)"), required=False, max_length=1000)

    def params(self) -> dict:
        p = super().params()
        p["amount"] = str(p["amount"])
        return p


class ConfirmPaymentForm(ActionForm):
    action = "confirm_payment"
    paid_reference = forms.CharField(
        label=_("Số biên lai / chứng từ nộp tiền"), required=False, max_length=200
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=1000)


APPOINTMENT_DAY_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class AppointmentField(forms.DateTimeField):
    """A return date and time as dd/mm/yyyy hh:mm, or the day alone (dd/mm/yyyy), then that day's closing time
    (`closing`, the agency's; services.appointment_instant does the same for the API)."""

    closing = dt.time(17, 0)

    def to_python(self, value):
        text = (value or "").strip() if isinstance(value, str) else value
        if isinstance(text, str) and text:
            for fmt in APPOINTMENT_DAY_FORMATS:
                try:
                    day = dt.datetime.strptime(text, fmt).date()
                except ValueError:
                    continue
                return timezone.make_aware(dt.datetime.combine(day, self.closing))
        return super().to_python(value)


class ApologizeForm(ActionForm):
    action = "apologize"
    reason = forms.CharField(
        label=_("Lý do chậm trả kết quả"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    new_return_at = AppointmentField(
        label=_("Ngày, giờ hẹn trả mới"),
        input_formats=DATETIME_LOCAL,
        widget=datetime_input(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # the example is a date the form takes: the first working day after the current appointment, 15:00
        from .services import AgencyCalendar

        self.cal = AgencyCalendar(self.dossier.agency)
        self.hours = self.cal.office_hours()
        due = self.dossier.due_at
        day = self.cal.next_working_day(timezone.localtime(due).date() if due else timezone.localdate())
        self.example = f"{day:%d/%m/%Y} 15:00"
        field = self.fields["new_return_at"]
        field.closing = self.hours.afternoon_end
        field.help_text = _(
            "Một ngày làm việc, trong giờ làm việc; dạng dd/mm/yyyy hh:mm, ví dụ %(example)s."
        ) % {"example": self.example}
        field.error_messages["invalid"] = _(
            "Ngày, giờ hẹn trả không đúng dạng: ghi dd/mm/yyyy hh:mm (giờ 24), ví dụ %(example)s; chỉ ghi ngày "
            "dd/mm/yyyy thì hẹn đến %(closing)s ngày đó."
        ) % {"example": self.example, "closing": f"{self.hours.afternoon_end:%H:%M}"}

    def clean_new_return_at(self):
        """In office hours of a working day (the service checks it too): said now, beside the other errors."""
        value = self.cleaned_data["new_return_at"]
        from motcua.workdays.calendar import CalendarRangeError

        from .services import appointment_year_refusal

        try:
            if value is None or self.cal.is_office_time(value):
                return value
        except CalendarRangeError:  # a typo in the year (0001, 9999, 2206): said beside the field, not a 500
            vi, en = appointment_year_refusal(value)
            raise forms.ValidationError(en if english_active() else vi, code="year") from None
        h = self.hours
        local = timezone.localtime(value)
        args = {
            "day": f"{local:%d/%m/%Y}",
            "time": f"{local:%H:%M}",
            "hours": h.text(),
            "example": self.example,
        }
        if not self.cal.is_working_day(local.date()):
            raise forms.ValidationError(
                _(
                    "Ngày hẹn trả phải là ngày làm việc: %(day)s là ngày nghỉ. Ví dụ một ngày hẹn được: %(example)s."
                )
                % args,
                code="day_off",
            )
        raise forms.ValidationError(
            _(
                "Giờ hẹn trả phải trong giờ làm việc (%(hours)s): %(time)s ngày %(day)s là ngoài giờ làm việc. "
                "Ghi dd/mm/yyyy hh:mm, ví dụ %(example)s."
            )
            % args,
            code="outside_hours",
        )


class ResolveForm(ActionForm):
    action = "resolve"
    outcome = forms.ChoiceField(
        label=_("Kết quả"), choices=Outcome.choices, widget=forms.RadioSelect, initial=Outcome.APPROVED
    )
    result_number = forms.CharField(label=_("Số, ký hiệu văn bản kết quả"), required=False, max_length=200)
    reason = forms.CharField(
        label=_("Lý do (bắt buộc khi thông báo không đủ điều kiện giải quyết)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    files = MultipleFileField(label=_("Tệp kết quả giải quyết / văn bản thông báo"))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == Outcome.INELIGIBLE and not nfc(cleaned.get("reason")):
            self.add_error("reason", _("Văn bản thông báo không đủ điều kiện giải quyết phải nêu rõ lý do."))
        return cleaned

    def named_uploads(self) -> list[tuple]:
        data = getattr(self, "cleaned_data", {})
        kind = DocumentKind.NOTICE if data.get("outcome") == Outcome.INELIGIBLE else DocumentKind.RESULT
        return [("files", f, kind, None) for f in data.get("files") or []]


class ReturnResultForm(ActionForm):
    action = "return_result"
    method = forms.ChoiceField(label=_("Hình thức trả kết quả"), choices=ReturnMethod.choices)
    tracking_number = forms.CharField(
        label=_("Số vận đơn bưu chính (nếu gửi qua bưu chính)"), required=False, max_length=100
    )
    received_by = forms.CharField(label=_("Người nhận kết quả"), required=False, max_length=255)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["method"] = self.dossier.result_method or ReturnMethod.COUNTER

    def clean(self):
        cleaned = super().clean()
        # kept with any method, a tracking number made the log and Form 06 say "at the counter, tracking no. …"
        if (cleaned.get("tracking_number") or "").strip() and cleaned.get("method") not in (
            None,
            ReturnMethod.POST,
        ):
            self.add_error(
                "tracking_number",
                _(
                    "Số vận đơn chỉ ghi khi gửi kết quả qua bưu chính: chọn hình thức đó, hoặc để trống ô này."
                ),
            )
        elif (
            cleaned.get("method") == ReturnMethod.POST and not (cleaned.get("tracking_number") or "").strip()
        ):
            # the proof the result was sent, and what the applicant follows the parcel with (Form 06, the SMS)
            self.add_error(
                "tracking_number",
                _("Ghi số vận đơn bưu chính: là bằng chứng đã gửi kết quả và để người nộp theo dõi bưu gửi."),
            )
        return cleaned


ACTION_FORMS: dict[str, type[ActionForm]] = {
    f.action: f
    for f in [
        ReceiveForm,
        RequestSupplementForm,
        SupplementForm,
        RefuseForm,
        AssignForm,
        HandOverForm,
        RequestPaymentForm,
        ConfirmPaymentForm,
        ApologizeForm,
        RequestWithdrawalForm,
        StopForm,
        ResolveForm,
        ReturnResultForm,
    ]
}


class UploadForm(CheckedForm):
    # not the resident's consent slip: the evidence of the community member who filed (ADR 0016)
    kind = forms.ChoiceField(
        label=_("Loại tài liệu"), choices=[c for c in DocumentKind.choices if c[0] != DocumentKind.CONSENT]
    )
    component = forms.TypedChoiceField(
        label=_("Thành phần hồ sơ"), required=False, coerce=int, empty_value=None
    )
    files = MultipleFileField(label=_("Tệp"))

    def __init__(self, *args, dossier: Dossier, **kwargs):
        super().__init__(*args, **kwargs)
        self.dossier = dossier
        comps = dossier.procedure_version.components.order_by("order") if dossier.procedure_version_id else []
        self.fields["component"].choices = [("", "—")] + [(c.pk, c.name) for c in comps]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("files") and "files" not in self.errors:  # an empty file has its own message
            raise forms.ValidationError(_("Chọn ít nhất một tệp để tải lên."))
        comp = cleaned.get("component")
        cleaned["component_obj"] = (
            self.dossier.procedure_version.components.filter(pk=comp).first() if comp else None
        )
        return cleaned


# --- counter registration ---------------------------------------------------------------------------------


class CounterForm(CheckedForm):
    """Registration at the counter (or by post) by a one-stop officer; components are scanned and uploaded."""

    agency = forms.ChoiceField(label=_("Cơ quan tiếp nhận"))
    procedure = forms.ChoiceField(label=_("Thủ tục hành chính"))
    channel = forms.ChoiceField(
        label=_("Kênh nộp"),
        choices=[("counter", _("Trực tiếp tại Bộ phận Một cửa")), ("postal", _("Qua bưu chính"))],
    )
    applicant_kind = forms.ChoiceField(label=_("Người nộp là"), choices=ApplicantKind.choices)
    applicant_name = forms.CharField(
        label=_("Họ tên / tên tổ chức"),
        max_length=255,
        error_messages={"required": _("Ghi họ tên người nộp, hoặc tên tổ chức.")},
    )
    applicant_id_number = forms.CharField(
        label=_("Số định danh cá nhân (12 số) / mã số thuế tổ chức"), max_length=20
    )
    applicant_birth_year = WholeNumberField(
        label=_("Năm sinh (không bắt buộc)"),
        required=False,
        min_value=1900,
        max_value=2100,
        error_messages={
            "invalid": _("Năm sinh là một số, ví dụ 1990."),
            "min_value": _("Năm sinh từ 1900 đến 2100."),
            "max_value": _("Năm sinh từ 1900 đến 2100."),
        },
    )
    applicant_address = forms.CharField(label=_("Địa chỉ"), max_length=500, required=False)
    applicant_phone = forms.CharField(label=_("Điện thoại"), max_length=30, required=False)
    applicant_email = forms.EmailField(
        label=_("Thư điện tử"),
        required=False,
        error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ.")},
    )
    rep_name = forms.CharField(label=_("Người được ủy quyền: họ tên"), max_length=255, required=False)
    rep_id_number = forms.CharField(
        label=_("Số định danh người được ủy quyền"), max_length=20, required=False
    )
    rep_address = forms.CharField(label=_("Địa chỉ người được ủy quyền"), max_length=500, required=False)
    rep_phone = forms.CharField(label=_("Điện thoại người được ủy quyền"), max_length=30, required=False)
    rep_email = forms.EmailField(
        label=_("Thư điện tử người được ủy quyền"),
        required=False,
        error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ.")},
    )
    rep_document = forms.CharField(label=_("Văn bản ủy quyền (số, ngày)"), max_length=255, required=False)
    rep_file = forms.FileField(
        label=_("Văn bản ủy quyền (bản chụp, không bắt buộc)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}),
    )
    result_method = forms.ChoiceField(label=_("Nhận kết quả"), choices=ReturnMethod.choices)
    working_days = forms.DecimalField(
        label=_("Số ngày làm việc áp dụng (nếu thủ tục chưa có thời hạn xác định)"),
        required=False,
        min_value=Decimal(0),
        max_value=MAX_WORKING_DAYS,
        max_digits=6,
        decimal_places=2,
    )
    receive_now = forms.BooleanField(
        label=_("Hồ sơ đầy đủ, hợp lệ: tiếp nhận ngay và in giấy hẹn"), required=False, initial=True
    )
    other_files = MultipleFileField(label=_("Tệp khác"))
    # where the catalogue lists no components: what the applicant handed in, for Form 01 to list (views.counter)
    received_items = forms.CharField(
        label=_("Giấy tờ đã nhận (mỗi dòng một giấy tờ, ghi số bản)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Thủ tục chưa có danh mục thành phần hồ sơ: Giấy tiếp nhận (Mẫu 01) liệt kê các dòng này."
        ),
    )
    # a random key written into the page when it is shown: the same page sent twice (a double click, a retry while
    # the first request is still being served) files one dossier (services.dossier_file's idempotency key)
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    # shown only when the same officer registered this applicant for this procedure minutes ago (views.counter)
    another = forms.BooleanField(
        label=_("Đây là một hồ sơ khác của người nộp này (không phải hồ sơ vừa đăng ký)"), required=False
    )

    def __init__(self, *args, agencies, procedures, components=(), needs_days=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_days = needs_days  # the procedure has no single limit: reception needs the days applied
        self.fields["agency"].choices = [(a.identifier, f"{a.name} ({a.identifier})") for a in agencies]
        self.fields["procedure"].choices = [(p.code, f"{p.code} — {p.name}") for p in procedures]
        self.components = add_component_fields(self, components)
        self.fields["other_files"] = self.fields.pop("other_files")

    def clean(self):
        cleaned = super().clean()
        # the identifiers and numbers the service checks, shown on their own fields (Form 01 and the lookup use them)
        kind = cleaned.get("applicant_kind") or "individual"
        born = cleaned.get("applicant_birth_year")
        this_year = timezone.localdate().year
        if born is not None and born > this_year:
            # a typo in the year: said on the year, the ID not checked against it (it would be blamed instead)
            self.add_error(
                "applicant_birth_year",
                gettext("Năm sinh không thể sau năm nay (%(year)s).") % {"year": this_year},
            )
            born = None
        checks = (
            # with the year of birth, as the service checks it: both wrong at once are both shown at once
            ("applicant_id_number", lambda v: clean_applicant_id(kind, v, birth_year=born)),
            ("applicant_phone", clean_phone),
            ("rep_id_number", clean_personal_id),
            ("rep_phone", clean_phone),
        )
        for name, check in checks:
            if cleaned.get(name):
                try:
                    cleaned[name] = check(cleaned[name].strip())
                except IdentifierError as exc:
                    self.add_error(name, in_page_language(exc))
        if (cleaned.get("rep_document") or cleaned.get("rep_file")) and not cleaned.get("rep_name"):
            self.add_error("rep_name", _("Ghi họ tên người được ủy quyền."))
        if cleaned.get("rep_name"):
            # Form 01 records who acts under the authorisation and by which paper (Decree 118 Art. 6(2)): a name
            # alone identified neither
            if not cleaned.get("rep_id_number") and "rep_id_number" not in self.errors:
                self.add_error("rep_id_number", _("Ghi số định danh cá nhân của người được ủy quyền."))
            if not (cleaned.get("rep_document") or "").strip() and not cleaned.get("rep_file"):
                self.add_error(
                    "rep_document",
                    _("Ghi văn bản ủy quyền (số, ngày) hoặc tải lên bản chụp văn bản ủy quyền."),
                )
        if (
            cleaned.get("result_method") == ReturnMethod.POST
            and not (cleaned.get("applicant_address") or "").strip()
            and not (cleaned.get("rep_address") or "").strip()
        ):
            # the result cannot be posted without an address (Form 01 printed "Địa chỉ: ………………")
            self.add_error("applicant_address", _("Nhận kết quả qua bưu chính: ghi địa chỉ để gửi kết quả."))
        if paper_components(self) and not cleaned.get("receive_now"):
            self.add_error(
                "receive_now",
                _("Thành phần nhận bản giấy được ghi khi tiếp nhận: chọn tiếp nhận ngay, hoặc bỏ đánh dấu."),
            )
        if cleaned.get("receive_now"):
            check_required_components(self)
            if self.needs_days and cleaned.get("working_days") is None and "working_days" not in self.errors:
                self.add_error(
                    "working_days",
                    _(
                        "Thủ tục chưa có thời hạn giải quyết xác định: nhập số ngày làm việc áp dụng khi tiếp nhận."
                    ),
                )
        return cleaned

    def file_fields(self) -> list[tuple[str, str]]:
        """(field name, label) of the page's file inputs, in the page's order."""
        names = [name for name, _c in self.components] + ["other_files", "rep_file"]
        return [(n, self.fields[n].label) for n in names if n in self.fields]

    def chosen_files(self) -> list[tuple[str, str]]:
        """(field label, file name) of every file the officer chose in this sending: a browser never fills a file
        input again, so when the page comes back with errors each one has to be chosen again."""
        return [(label, f.name) for name, label in self.file_fields() for f in self.files.getlist(name) if f]

    def inspect_uploads(self) -> list[tuple]:
        """The chosen files checked now, refusals on their inputs (inspect_into_form)."""
        data = getattr(self, "cleaned_data", {})
        named = [(name, data.get(name), DocumentKind.COMPONENT, c) for name, c in self.components]
        named += [("other_files", f, DocumentKind.OTHER, None) for f in data.get("other_files") or []]
        named.append(("rep_file", data.get("rep_file"), DocumentKind.AUTHORISATION, None))
        return inspect_into_form(self, named)[0]

    def applicant(self) -> dict:
        c = self.cleaned_data
        return {
            "kind": c["applicant_kind"],
            "name": c["applicant_name"],
            "id_number": c["applicant_id_number"],
            "birth_year": c.get("applicant_birth_year"),
            "address": c.get("applicant_address", ""),
            "phone": c.get("applicant_phone", ""),
            "email": c.get("applicant_email", ""),
        }

    def received_item_lines(self) -> list[str]:
        return [
            line.strip()
            for line in (self.cleaned_data.get("received_items") or "").splitlines()
            if line.strip()
        ]

    def representative(self) -> dict | None:
        c = self.cleaned_data
        if not nfc(c.get("rep_name")):
            return None
        return {
            "name": nfc(c["rep_name"]),
            "id_number": c.get("rep_id_number", ""),
            "address": nfc(c.get("rep_address")),
            "phone": c.get("rep_phone", ""),
            "email": c.get("rep_email", ""),
            "authorisation_document": nfc(c.get("rep_document")),
        }


def user_by_username(username: str):
    return get_user_model().objects.filter(username=username).first()
