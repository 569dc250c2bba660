"""Form shapes for the rating, PAKN and answer pages. Domain rules live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from motcua.catalog.eforms import CHOOSE
from motcua.core.forms import CheckedForm
from motcua.org.models import Agency

from .models import Kind, Level, Subject

LEVEL_CHOICES = [(str(v), label) for v, label in sorted(Level.choices, reverse=True)]


class RatingForm(CheckedForm):
    overall = forms.ChoiceField(
        label=_("Mức độ hài lòng chung"),
        choices=LEVEL_CHOICES,
        widget=forms.RadioSelect,
        required=True,
        error_messages=CHOOSE,  # not Django's "Trường này là bắt buộc."
    )
    comment = forms.CharField(
        label=_("Ý kiến góp ý"), widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=2000
    )

    def __init__(self, *args, criteria=(), verify: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        if verify:  # whoever holds the receipt confirms the applicant's number (the walk-in applicant)
            self.fields["id_number"] = forms.CharField(
                label=_("Số định danh cá nhân hoặc mã số thuế của người nộp hồ sơ"),
                help_text=_(
                    "Số ghi trên hồ sơ (căn cước của cá nhân, mã số thuế của tổ chức) để xác nhận Ông/Bà là người nộp."
                ),
                max_length=20,
                required=True,
                error_messages={
                    "required": _("Vui lòng nhập số định danh cá nhân hoặc mã số thuế của người nộp.")
                },
                widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
            )
        for c in self.criteria:
            self.fields[f"c_{c.code}"] = forms.ChoiceField(
                label=c.shown_label,
                choices=[("", _("— không chấm —"))] + LEVEL_CHOICES,
                required=c.required,
                error_messages={"required": _("Vui lòng chấm tiêu chí này (bắt buộc).")},
            )

    def scores(self) -> dict:
        return {c.code: self.cleaned_data.get(f"c_{c.code}") for c in self.criteria}


CODE = forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"})


class FeedbackForm(CheckedForm):
    # a random key written into the page when shown: the page sent twice at once is one PAKN
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    kind = forms.ChoiceField(
        label=_("Loại"),
        choices=Kind.choices,
        widget=forms.RadioSelect,
        initial=Kind.REFLECTION,
        error_messages={"required": _("Chọn loại: phản ánh, kiến nghị hoặc khiếu nại.")},
    )
    subject = forms.ChoiceField(label=_("Phản ánh về"), choices=Subject.choices, initial=Subject.DOSSIER)
    # a code is typed as printed (upper case, no word to correct): a phone's keyboard neither capitalises nor "fixes" it
    dossier_code = forms.CharField(label=_("Mã hồ sơ"), max_length=80, required=False, widget=CODE)
    procedure_code = forms.CharField(label=_("Mã thủ tục"), max_length=40, required=False, widget=CODE)
    agency = forms.ChoiceField(label=_("Cơ quan"), required=False)
    title = forms.CharField(
        label=_("Tiêu đề"),
        max_length=300,
        error_messages={"required": _("Vui lòng ghi tiêu đề phản ánh, kiến nghị.")},
    )
    content = forms.CharField(
        label=_("Nội dung"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=5000,
        error_messages={"required": _("Vui lòng ghi nội dung phản ánh, kiến nghị.")},
    )
    # the sender's contact details: their purpose for autofill (WCAG 1.3.5) and a phone's keypad for the number
    name = forms.CharField(
        label=_("Họ và tên"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label=_("Thư điện tử"), required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    address = forms.CharField(
        label=_("Địa chỉ"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("— chọn cơ quan —"))] + list(
            Agency.objects.filter(active=True).order_by("path").values_list("identifier", "name")
        )

    def clean_phone(self):
        # checked with the form's other fields (the service's check came only once the rest was right: a second
        # sending to learn of it)
        from .services import phone_problem

        phone = self.cleaned_data.get("phone") or ""
        if phone_problem(phone):
            raise forms.ValidationError(
                _("Số điện thoại không hợp lệ (10 chữ số bắt đầu bằng 0, hoặc dạng +84…).")
            )
        return phone

    def clean_dossier_code(self):
        # codes are upper case (contract §3); the public lookup takes a lower-case one too
        return "".join(self.cleaned_data["dossier_code"].split()).upper()

    def clean(self):
        """What the chosen subject needs, on its field (the service checks it again)."""
        cleaned = super().clean()
        subject = cleaned.get("subject")
        if (
            subject == Subject.DOSSIER
            and not cleaned.get("dossier_code")
            and "dossier_code" not in self.errors
        ):
            self.add_error(
                "dossier_code",
                _("Nhập mã hồ sơ ghi trên giấy tiếp nhận (ví dụ 000.00.21.H26-250124-0001)."),
            )
        if subject == Subject.PROCEDURE and not (cleaned.get("procedure_code") or "").strip():
            if "procedure_code" not in self.errors:
                self.add_error("procedure_code", _("Nhập mã thủ tục mà Ông/Bà phản ánh."))
        if subject in (Subject.PROCEDURE, Subject.AGENCY) and not cleaned.get("agency"):
            if "agency" not in self.errors:
                self.add_error("agency", _("Chọn cơ quan."))
        return cleaned


class AnswerForm(CheckedForm):
    answer = forms.CharField(
        label=_("Nội dung trả lời"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10000
    )
    public = forms.BooleanField(label=_("Công khai câu trả lời trên trang PAKN của cơ quan"), required=False)
    public_title = forms.CharField(
        label=_("Tiêu đề công khai"),
        required=False,
        max_length=300,
        help_text=_(
            "Để trống: tiêu đề gốc đã che số giấy tờ, điện thoại, thư điện tử, mã hồ sơ và họ tên đã biết."
        ),
    )
    public_content = forms.CharField(
        label=_("Nội dung phản ánh công khai"),
        help_text=_(
            "Bắt buộc khi công khai: nội dung gốc không bao giờ được công khai. Để trống, hệ thống gợi ý một bản "
            "nháp đã che số giấy tờ, điện thoại, thư điện tử, mã hồ sơ và họ tên đã biết; hãy xoá địa chỉ và mọi "
            "thông tin cá nhân còn lại trước khi xác nhận."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    # the digest of the preview the officer saw (selectors.public_preview): publishing needs it to match
    confirm = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class RejectForm(CheckedForm):
    reason = forms.CharField(
        label=_("Lý do từ chối"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class EvaluationForm(CheckedForm):
    """The sender's evaluation of the answer to their PAKN: satisfied or not, a reason (required when not)."""

    satisfied = forms.ChoiceField(
        label=_("Ông/Bà có hài lòng với trả lời không?"),
        choices=[("1", _("Hài lòng")), ("0", _("Không hài lòng"))],
        widget=forms.RadioSelect,
        error_messages=CHOOSE,
    )
    reason = forms.CharField(
        label=_("Ý kiến, lý do"),
        help_text=_("Bắt buộc khi không hài lòng: cơ quan cần biết điều gì chưa được giải quyết."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("satisfied") == "0" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Hãy cho biết lý do Ông/Bà không hài lòng với trả lời."))
        return cleaned
