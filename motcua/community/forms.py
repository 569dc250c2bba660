"""Form shapes for the assisted-filing and claim pages. Rules live in services.py."""

import datetime as dt

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from motcua.catalog.eforms import DATE_FORMATS, WholeNumberField
from motcua.core.forms import CheckedForm
from motcua.core.i18n import english_active, in_page_language
from motcua.dossiers.forms import (
    ACCEPTED_FILES,
    DATETIME_LOCAL,
    MultipleFileField,
    add_component_fields,
    datetime_input,
    inspect_into_form,
    named_component_uploads,
)
from motcua.dossiers.models import DocumentKind, ReturnMethod
from motcua.dossiers.validators import IdentifierError, clean_personal_id, clean_phone

from .models import ConsentMethod, Member, ResidentialGroup, Topic
from .services import CONSENT_MAX_AGE, outreach_problems


class AssistedFilingForm(CheckedForm):
    team = forms.TypedChoiceField(label=_("Tổ"), coerce=int, required=False)
    procedure_code = forms.CharField(label=_("Mã thủ tục"), max_length=40, widget=forms.HiddenInput)
    agency = forms.ChoiceField(
        label=_("Cơ quan tiếp nhận"),
        help_text=_(
            "Các cơ quan niêm yết và tiếp nhận trực tuyến thủ tục này; UBND phường/xã của tổ ở đầu danh sách."
        ),
        error_messages={
            "invalid_choice": _(
                "Cơ quan này không tiếp nhận trực tuyến thủ tục đã chọn; chọn một cơ quan trong danh sách."
            ),
            "required": _("Chọn cơ quan tiếp nhận hồ sơ."),
        },
    )
    resident_name = forms.CharField(label=_("Họ và tên người dân"), max_length=255)
    resident_id_number = forms.CharField(label=_("Số định danh cá nhân (12 chữ số)"), max_length=20)
    resident_phone = forms.CharField(label=_("Số điện thoại"), max_length=30, required=False)
    resident_email = forms.EmailField(label=_("Thư điện tử"), required=False)
    resident_address = forms.CharField(label=_("Địa chỉ"), max_length=500, required=False)
    # a random key written into the page when shown: the page sent twice at once files one dossier
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    consent_method = forms.ChoiceField(
        label=_("Hình thức người dân đồng ý"),
        choices=[("", _("— chọn —")), *ConsentMethod.choices],
        error_messages={
            "required": _("Ghi người dân đã đồng ý thế nào: ký trực tiếp, qua điện thoại hoặc qua VNeID.")
        },
    )
    consent_at = forms.DateTimeField(
        label=_("Thời điểm đồng ý"),
        input_formats=DATETIME_LOCAL,
        widget=datetime_input(),
        help_text=_("Dạng dd/mm/yyyy hh:mm."),
        error_messages={
            "invalid": _("Thời điểm không hợp lệ (dùng dạng dd/mm/yyyy hh:mm)."),
            "required": _("Ghi thời điểm người dân đồng ý cho nộp hộ (dd/mm/yyyy hh:mm)."),
        },
    )
    consent_note = forms.CharField(
        label=_("Ghi chú về sự đồng ý"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=1000,
    )
    form_note = forms.CharField(
        label=_("Ghi chú cho Bộ phận Một cửa"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )
    result_method = forms.ChoiceField(
        label=_("Người dân nhận kết quả"), choices=ReturnMethod.choices, initial=ReturnMethod.ELECTRONIC
    )
    result_address = forms.CharField(
        label=_("Địa chỉ nhận kết quả qua bưu chính"), max_length=500, required=False
    )
    other_files = MultipleFileField(label=_("Tệp khác (nếu có)"))
    consent_file = forms.FileField(
        label=_("Phiếu đồng ý có chữ ký (ảnh hoặc bản quét, nếu có)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}),
        help_text=_(
            "Lưu cùng hồ sơ làm bằng chứng người dân đồng ý; cơ quan tiếp nhận và người dân xem được."
        ),
    )

    def __init__(self, *args, memberships=(), components=(), agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [
            (m.team_id, f"{m.team.name} — {m.team.ward.name}") for m in memberships
        ]
        # only the agencies that receive the chosen procedure online (services.receiving_agencies)
        self.fields["agency"].choices = [(a.identifier, a.name) for a in agencies]
        # one file per component of the procedure (an online filing: no paper boxes); required ones must be given
        self.components = add_component_fields(self, components, paper=False)
        for name, component in self.components:
            self.fields[name].required = component.required
            self.fields[name].error_messages["required"] = _("Tải lên tệp của thành phần hồ sơ bắt buộc này.")
        self.fields["other_files"] = self.fields.pop("other_files")

    def clean_resident_id_number(self):
        """As the filing service checks it (12 digits, a known province code), shown on the field."""
        try:
            return clean_personal_id(self.cleaned_data["resident_id_number"])
        except IdentifierError as exc:
            raise forms.ValidationError(in_page_language(exc)) from exc

    def clean_consent_at(self):
        """As the filing service checks it: not in the future, at most 30 days before filing."""
        value = self.cleaned_data["consent_at"]
        now = timezone.now()
        if value > now + dt.timedelta(minutes=5):
            raise forms.ValidationError(_("Thời điểm người dân đồng ý không được ở tương lai."))
        if value < now - CONSENT_MAX_AGE:
            raise forms.ValidationError(
                _("Thời điểm người dân đồng ý không được quá 30 ngày trước khi nộp; hãy xin lại sự đồng ý.")
            )
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("resident_phone"):  # as the filing service checks it, shown on the field
            try:
                cleaned["resident_phone"] = clean_phone(cleaned["resident_phone"])
            except IdentifierError as exc:
                self.add_error("resident_phone", in_page_language(exc))
        if (
            cleaned.get("result_method") == ReturnMethod.POST
            and "result_address" not in self.errors  # typed, but too long: its own message says so
            and not (cleaned.get("result_address") or "").strip()
        ):
            self.add_error("result_address", _("Ghi địa chỉ để nhận kết quả qua bưu chính."))
        return cleaned

    @property
    def component_fields(self) -> list:
        return [self[name] for name, _component in self.components]

    def inspect_uploads(self) -> tuple[list[tuple], list]:
        """The chosen files checked in the same sending as the other inputs, a refusal on its own input
        (dossiers.forms.inspect_into_form): (accepted, refusals)."""
        named = named_component_uploads(self)
        consent = getattr(self, "cleaned_data", {}).get("consent_file")
        if consent:
            named.append(("consent_file", consent, DocumentKind.CONSENT, None))
        return inspect_into_form(self, named)


class ClaimForm(CheckedForm):
    code = forms.CharField(label=_("Mã hồ sơ"), max_length=80)
    id_number = forms.CharField(label=_("Số định danh cá nhân của Ông/Bà"), max_length=20)


class OutreachForm(CheckedForm):
    """One outreach round of a team the signed-in member belongs to. The choices are the member's active teams,
    the residential groups of their wards and their active members; the rules are the service's
    (`services.outreach_problems`), shown next to each field."""

    team = forms.TypedChoiceField(
        label=_("Tổ"),
        coerce=int,
        error_messages={"invalid_choice": _("Ông/Bà không phải thành viên đang hoạt động của tổ này.")},
    )
    residential_group = forms.TypedChoiceField(
        label=_("Tổ dân phố"),
        coerce=int,
        error_messages={
            "invalid_choice": _(
                "Tổ dân phố phải thuộc phường/xã của tổ (và là tổ dân phố của tổ, khi tổ được thành lập cho một tổ "
                "dân phố); chọn một tổ dân phố trong danh sách."
            ),
            "required": _("Chọn tổ dân phố đã đến."),
        },
    )
    date = forms.DateField(
        label=_("Ngày đi hỗ trợ"),
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(
            format="%d/%m/%Y",
            attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off", "size": 10},
        ),
        help_text=_("Dạng dd/mm/yyyy; không ở tương lai, không trước ngày quyết định thành lập tổ."),
        error_messages={
            "invalid": _("Ngày không hợp lệ (dùng dạng dd/mm/yyyy)."),
            "required": _("Ghi ngày đi hỗ trợ."),
        },
    )
    members = forms.TypedMultipleChoiceField(
        label=_("Thành viên tham gia"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": _("Chỉ chọn thành viên đang hoạt động của tổ."),
            "required": _("Chọn ít nhất một thành viên đã tham gia."),
        },
    )
    households_visited = WholeNumberField(
        label=_("Số hộ đã đến"),
        min_value=1,
        max_value=100_000,
        help_text=_("Mọi hộ tổ đến trong đợt này, kể cả hộ đã được đến ở các đợt trước."),
    )
    households_first_visit = WholeNumberField(
        label=_("Trong đó: số hộ lần đầu được tiếp cận"),
        min_value=0,
        max_value=100_000,
        help_text=_(
            "Hộ tổ chưa từng đến ở đợt nào trước. Chỉ số hộ này được cộng vào “Hộ gia đình đã tiếp cận” trên "
            "trang thống kê."
        ),
    )
    households_newly_online = WholeNumberField(
        label=_("Trong đó: số hộ mới biết nộp hồ sơ trực tuyến"),
        min_value=0,
        max_value=100_000,
        initial=0,
    )
    topics = forms.MultipleChoiceField(
        label=_("Nội dung đã hướng dẫn"),
        choices=Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Chọn ít nhất một nội dung đã hướng dẫn.")},
    )
    other_topic = forms.CharField(
        label=_("Nội dung khác"),
        max_length=300,
        required=False,
        help_text=_("Bắt buộc khi chọn “Khác”."),
    )
    note = forms.CharField(
        label=_("Ghi chú"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, memberships=(), **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # the household counts: not Django's "Nhập một số tổng thể."
            if isinstance(field, forms.IntegerField):
                field.error_messages.update(
                    {
                        "invalid": _("Vui lòng nhập số nguyên."),
                        "min_value": _("Giá trị phải từ %(limit)s trở lên.") % {"limit": field.min_value},
                        "max_value": _("Giá trị không được lớn hơn %(limit)s.")
                        % {"limit": number_format(field.max_value, force_grouping=True)},
                    }
                )
        teams = {m.team_id: m.team for m in memberships}
        self.teams = teams
        several_wards = len({t.ward_id for t in teams.values()}) > 1
        self.fields["team"].choices = [(t.pk, f"{t.name} — {t.ward.name}") for t in teams.values()]
        # a team established for a residential group works there; a team for the whole ward, in any of its groups
        whole_wards = {t.ward_id for t in teams.values() if t.residential_group_id is None}
        own_groups = {t.residential_group_id for t in teams.values() if t.residential_group_id is not None}
        groups = list(
            ResidentialGroup.objects.filter(Q(ward_id__in=whole_wards) | Q(pk__in=own_groups))
            .select_related("ward")
            .order_by("ward__path", "number", "name")
        )
        self.groups = {g.pk: g for g in groups}
        self.fields["residential_group"].choices = [("", _("— Chọn tổ dân phố —"))] + [
            (g.pk, f"{g.name} — {g.ward.name}" if several_wards else g.name) for g in groups
        ]
        members = list(
            Member.objects.filter(team_id__in=teams, active=True)
            .select_related("team")
            .order_by("team_id", "pk")
        )
        self.members = {m.pk: m for m in members}
        several_teams = len(teams) > 1
        self.fields["members"].choices = [
            (m.pk, f"{m.full_name} ({m.get_role_display()}{', ' + m.team.name if several_teams else ''})")
            for m in members
        ]

    def clean(self):
        cleaned = super().clean()
        team = self.teams.get(cleaned.get("team"))
        if team is None:
            return cleaned
        cleaned["team_obj"] = team
        cleaned["group_obj"] = self.groups.get(cleaned.get("residential_group"))
        cleaned["member_objs"] = [self.members[pk] for pk in cleaned.get("members") or []]
        problems = outreach_problems(
            team=team,
            residential_group=cleaned["group_obj"],
            date=cleaned.get("date"),
            households_visited=cleaned.get("households_visited"),
            households_first_visit=cleaned.get("households_first_visit"),
            households_newly_online=cleaned.get("households_newly_online"),
            topics=cleaned.get("topics") or [],
            other_topic=cleaned.get("other_topic") or "",
            members=cleaned["member_objs"],
        )
        if "households_visited" not in cleaned:  # its own message is shown; no comparison with nothing
            problems.pop("households_first_visit", None)
            problems.pop("households_newly_online", None)
        for field, (vi, en) in problems.items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, en if english_active() else vi)
        return cleaned
