"""Form shapes for the assisted-filing and claim pages. Rules live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ConsentMethod


class AssistedFilingForm(forms.Form):
    team = forms.TypedChoiceField(label=_("Tổ"), coerce=int, required=False)
    procedure_code = forms.CharField(
        label=_("Mã thủ tục"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "offered", "autocomplete": "off"}),
    )
    agency = forms.CharField(
        label=_("Cơ quan tiếp nhận (mã định danh)"),
        max_length=35,
        required=False,
        help_text=_("Để trống: UBND phường/xã của tổ."),
    )
    resident_name = forms.CharField(label=_("Họ và tên người dân"), max_length=255)
    resident_id_number = forms.CharField(label=_("Số định danh cá nhân (12 chữ số)"), max_length=20)
    resident_phone = forms.CharField(label=_("Số điện thoại"), max_length=30, required=False)
    resident_email = forms.EmailField(label=_("Thư điện tử"), required=False)
    resident_address = forms.CharField(label=_("Địa chỉ"), max_length=500, required=False)
    consent_method = forms.ChoiceField(label=_("Hình thức người dân đồng ý"), choices=ConsentMethod.choices)
    consent_at = forms.DateTimeField(
        label=_("Thời điểm đồng ý"),
        input_formats=["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    consent_note = forms.CharField(
        label=_("Ghi chú về sự đồng ý"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=1000,
    )
    form_note = forms.CharField(
        label=_("Nội dung đề nghị (tờ khai tóm tắt)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
    )

    def __init__(self, *args, memberships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [
            (m.team_id, f"{m.team.name} — {m.team.ward.name}") for m in memberships
        ]


class ClaimForm(forms.Form):
    code = forms.CharField(label=_("Mã hồ sơ"), max_length=80)
    id_number = forms.CharField(label=_("Số định danh cá nhân của Ông/Bà"), max_length=20)
