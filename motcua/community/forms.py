"""Form shapes for the assisted-filing and claim pages. Rules live in services.py."""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from motcua.core.i18n import english_active
from motcua.dossiers.forms import (
    DATETIME_LOCAL,
    MultipleFileField,
    add_component_fields,
    component_uploads,
    datetime_input,
)
from motcua.dossiers.models import ReturnMethod
from motcua.dossiers.validators import IdentifierError, clean_personal_id, clean_phone

from .models import ConsentMethod
from .services import CONSENT_MAX_AGE


class AssistedFilingForm(forms.Form):
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
    consent_method = forms.ChoiceField(label=_("Hình thức người dân đồng ý"), choices=ConsentMethod.choices)
    consent_at = forms.DateTimeField(
        label=_("Thời điểm đồng ý"),
        input_formats=DATETIME_LOCAL,
        widget=datetime_input(),
        help_text=_("Dạng dd/mm/yyyy hh:mm."),
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
            raise forms.ValidationError(exc.message_en if english_active() else exc.message) from exc

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
                self.add_error("resident_phone", exc.message_en if english_active() else exc.message)
        if (
            cleaned.get("result_method") == ReturnMethod.POST
            and not (cleaned.get("result_address") or "").strip()
        ):
            self.add_error("result_address", _("Ghi địa chỉ để nhận kết quả qua bưu chính."))
        return cleaned

    @property
    def component_fields(self) -> list:
        return [self[name] for name, _component in self.components]

    def uploads(self) -> list[tuple]:
        return component_uploads(self)


class ClaimForm(forms.Form):
    code = forms.CharField(label=_("Mã hồ sơ"), max_length=80)
    id_number = forms.CharField(label=_("Số định danh cá nhân của Ông/Bà"), max_length=20)
