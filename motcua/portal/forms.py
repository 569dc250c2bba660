"""Portal forms: registration, profile, and the steps of the online filing wizard. Messages in Vietnamese."""

import re

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from motcua.catalog.eforms import CHOOSE, REQUIRED
from motcua.core.forms import CheckedForm
from motcua.core.i18n import in_page_language
from motcua.core.text import nfc
from motcua.dossiers.validators import IdentifierError, clean_applicant_id, clean_personal_id, clean_tax_code
from motcua.notifications.recipients import RecipientError, normalise_email, normalise_phone
from motcua.org.forms import PASSWORD_HELP, vi_password_error

from .models import CitizenProfile, id_number_taken

_message = in_page_language  # a validator's message in the interface language (both carry vi and en)


def _email(value: str) -> str:
    try:
        return normalise_email(value)
    except RecipientError as exc:
        raise ValidationError(_message(exc), code="email") from exc


def _phone(value: str) -> str:
    """A Vietnamese mobile number, normalised: the account's sign-in and where text messages about the dossier go."""
    try:
        return normalise_phone(value)
    except RecipientError as exc:
        raise ValidationError(_message(exc), code="phone") from exc


def _personal_id(value: str) -> str:
    try:
        return clean_personal_id(value)
    except IdentifierError as exc:
        raise ValidationError(_message(exc), code="id_number") from exc


def _is_tax_code(value: str) -> bool:
    """A valid 10- or 13-digit tax or enterprise code (not a 12-digit personal ID)."""
    try:
        clean_tax_code(value)
    except IdentifierError:
        return False
    return len(re.sub(r"\D", "", value)) in (10, 13)


# The citizen's own name, address, phone and e-mail carry their autocomplete purpose (WCAG 1.3.5): the browser
# can fill them, and assistive tools can tell what each asks for.
NAME = forms.TextInput(attrs={"autocomplete": "name"})
ADDRESS = forms.TextInput(attrs={"autocomplete": "street-address"})
TEL = forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"})
EMAIL = forms.TextInput(attrs={"autocomplete": "email", "inputmode": "email"})
# a citizen's identity number (CCCD: 12 digits): a phone opens its number pad, as for the applicant's own number
PERSONAL_ID = forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})


def _unused_id_number(id_number: str, user=None) -> str:
    """A personal ID no other account's profile holds: one account per person, as the national portal keeps it
    (a second account in the same ID would file and read in that person's name)."""
    if id_number_taken(id_number, except_user=user):
        raise ValidationError(
            _(
                "Số định danh cá nhân này đã được dùng cho một tài khoản khác. Nếu đó là tài khoản của bạn, hãy đăng "
                "nhập (hoặc dùng “Quên mật khẩu?”); nếu không, liên hệ Bộ phận Một cửa."
            ),
            code="taken",
        )
    return id_number


class RegistrationForm(CheckedForm):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=255, error_messages=REQUIRED, widget=NAME)
    email = forms.CharField(
        label=_("Thư điện tử"),
        required=False,
        max_length=254,
        help_text=_("Nhập thư điện tử hoặc số điện thoại (hoặc cả hai) để đăng nhập và nhận thông báo."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại di động"),
        required=False,
        max_length=20,
        help_text=_("10 chữ số, bắt đầu bằng 03, 05, 07, 08, 09 (hoặc dạng +84…)."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    id_number = forms.CharField(
        label=_("Số định danh cá nhân (CCCD)"),
        required=False,
        max_length=20,
        help_text=_("12 chữ số; có thể bổ sung sau."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    password1 = forms.CharField(
        label=_("Mật khẩu"),
        strip=False,
        error_messages=REQUIRED,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=PASSWORD_HELP,
    )
    password2 = forms.CharField(
        label=_("Nhập lại mật khẩu"),
        strip=False,
        error_messages=REQUIRED,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    consent = forms.BooleanField(
        label=_(
            "Tôi đã đọc Thông báo xử lý dữ liệu cá nhân và đồng ý để hệ thống xử lý dữ liệu cá nhân của tôi cho "
            "các mục đích nêu trong thông báo."
        ),
        error_messages={
            "required": _("Vui lòng đọc và đồng ý với Thông báo xử lý dữ liệu cá nhân để đăng ký tài khoản.")
        },
    )

    def clean_full_name(self):
        name = " ".join(nfc(self.cleaned_data["full_name"]).split())
        if len(name) < 2:
            raise ValidationError(_("Họ và tên quá ngắn."))
        return name

    def clean_email(self):
        value = (self.cleaned_data.get("email") or "").strip()
        if not value:
            return ""
        email = _email(value)
        User = get_user_model()
        if (
            User.objects.filter(email__iexact=email).exists()
            or User.objects.filter(username__iexact=email).exists()
        ):
            raise ValidationError(_("Thư điện tử này đã được dùng cho một tài khoản khác."), code="taken")
        return email

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip()
        if not value:
            return ""
        phone = _phone(value)
        if (
            CitizenProfile.objects.filter(phone=phone).exists()
            or get_user_model().objects.filter(username=phone).exists()
        ):
            raise ValidationError(_("Số điện thoại này đã được dùng cho một tài khoản khác."), code="taken")
        return phone

    def clean_id_number(self):
        value = (self.cleaned_data.get("id_number") or "").strip()
        return _unused_id_number(_personal_id(value)) if value else ""

    def clean(self):
        data = super().clean()
        if (
            not data.get("email")
            and not data.get("phone")
            and not self.has_error("email")
            and not self.has_error("phone")
        ):
            self.add_error("email", _("Cần ít nhất thư điện tử hoặc số điện thoại."))
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("Hai mật khẩu không khớp."))
        elif p1:
            probe = get_user_model()(
                username=data.get("email") or data.get("phone") or "",
                email=data.get("email") or "",
                first_name=data.get("full_name") or "",
            )
            try:
                password_validation.validate_password(p1, probe)
            except ValidationError as exc:
                self.add_error("password1", [vi_password_error(e) for e in exc.error_list])
        return data


class ProfileForm(CheckedForm):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=255, error_messages=REQUIRED, widget=NAME)
    phone = forms.CharField(label=_("Số điện thoại di động"), required=False, max_length=20, widget=TEL)
    id_number = forms.CharField(
        label=_("Số định danh cá nhân (CCCD)"), required=False, max_length=20, widget=PERSONAL_ID
    )
    address = forms.CharField(label=_("Địa chỉ"), required=False, max_length=500, widget=ADDRESS)

    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_full_name(self):
        return " ".join(nfc(self.cleaned_data["full_name"]).split())

    def clean_phone(self):
        value = (self.cleaned_data.get("phone") or "").strip()
        if not value:
            return ""
        phone = _phone(value)
        if CitizenProfile.objects.filter(phone=phone).exclude(user=self.user).exists():
            raise ValidationError(_("Số điện thoại này đã được dùng cho một tài khoản khác."), code="taken")
        return phone

    def clean_id_number(self):
        value = (self.cleaned_data.get("id_number") or "").strip()
        return _unused_id_number(_personal_id(value), user=self.user) if value else ""

    def clean_address(self):
        return nfc(self.cleaned_data.get("address") or "").strip()


# --- filing wizard -----------------------------------------------------------------------------------------


class WhoForm(CheckedForm):
    """Step 1: the receiving agency, who files, and the applicant (and the representative when filing for
    someone else under an authorisation)."""

    agency = forms.ChoiceField(label=_("Cơ quan tiếp nhận"), error_messages=CHOOSE)
    who = forms.ChoiceField(
        label=_("Bạn nộp hồ sơ cho ai?"),
        choices=[
            ("self", _("Cho chính tôi")),
            ("behalf", _("Thay mặt người khác/tổ chức (có văn bản ủy quyền)")),
        ],
        widget=forms.RadioSelect,
        initial="self",
        error_messages=CHOOSE,
    )
    applicant_kind = forms.ChoiceField(
        label=_("Người/tổ chức yêu cầu giải quyết"),
        choices=[("individual", _("Cá nhân")), ("organization", _("Tổ chức, doanh nghiệp"))],
        initial="individual",
        required=False,
    )
    applicant_name = forms.CharField(
        label=_("Họ và tên / tên tổ chức"), max_length=255, error_messages=REQUIRED, widget=NAME
    )
    applicant_id_number = forms.CharField(
        label=_("Số định danh cá nhân (CCCD) / mã số thuế"),
        max_length=20,
        error_messages=REQUIRED,
        # a person's 12-digit ID on the number pad; an organisation's tax code may end in a branch suffix,
        # "0101234567-001", and the number pad (iOS) has no hyphen: see __init__ and site.js (data-kind-field)
        widget=forms.TextInput(attrs={"inputmode": "numeric", "data-kind-field": "applicant_kind"}),
    )
    applicant_address = forms.CharField(
        label=_("Địa chỉ"), max_length=500, error_messages=REQUIRED, widget=ADDRESS
    )
    applicant_phone = forms.CharField(
        label=_("Số điện thoại di động"), max_length=20, required=False, widget=TEL
    )
    applicant_email = forms.CharField(label=_("Thư điện tử"), max_length=254, required=False, widget=EMAIL)
    rep_name = forms.CharField(
        label=_("Họ và tên người được ủy quyền (bạn)"), max_length=255, required=False, widget=NAME
    )
    rep_id_number = forms.CharField(
        label=_("Số định danh cá nhân của người được ủy quyền"),
        max_length=20,
        required=False,
        widget=PERSONAL_ID,
    )
    rep_phone = forms.CharField(
        label=_("Số điện thoại người được ủy quyền"), max_length=20, required=False, widget=TEL
    )
    rep_email = forms.CharField(
        label=_("Thư điện tử người được ủy quyền"), max_length=254, required=False, widget=EMAIL
    )

    def __init__(self, *args, agencies=(), own_id: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.own_id = own_id  # the account holder's personal ID (CitizenProfile), when the account has one
        choices = [(a.identifier, a.name) for a in agencies]
        if len(choices) > 1:
            # none chosen beforehand: the first in the list (a department) was filed to by a citizen who did not
            # look, for a procedure their ward receives
            choices.insert(0, ("", _("— Chọn cơ quan tiếp nhận hồ sơ —")))
        self.fields["agency"].choices = choices
        if self["applicant_kind"].value() == "organization":
            # the text keyboard, whose digits row has the hyphen; "tel" would not do: the iOS phone pad has none
            self.fields["applicant_id_number"].widget.attrs["inputmode"] = "text"

    def clean(self):
        d = super().clean()
        who = d.get("who") or "self"
        # as chosen: a business's own account files for itself as an organisation (with its tax code)
        kind = d.get("applicant_kind") or "individual"
        d["applicant_kind"] = kind
        for key in ("applicant_name", "applicant_address", "rep_name"):
            if d.get(key):
                d[key] = " ".join(nfc(d[key]).split())
        if d.get("applicant_id_number"):
            try:
                d["applicant_id_number"] = clean_applicant_id(kind, d["applicant_id_number"].strip())
            except IdentifierError as exc:
                if kind == "individual" and _is_tax_code(d["applicant_id_number"]):
                    # a business's tax code with "Cá nhân" left chosen: say which choice takes it
                    self.add_error(
                        "applicant_id_number",
                        _(
                            "Đây là mã số thuế của tổ chức, doanh nghiệp: hãy chọn “Tổ chức, doanh nghiệp” ở mục "
                            "Người/tổ chức yêu cầu giải quyết, hoặc nhập số định danh cá nhân (12 chữ số)."
                        ),
                    )
                else:
                    self.add_error("applicant_id_number", _message(exc))
        for key, fn in (
            ("applicant_phone", _phone),
            ("rep_phone", _phone),
            ("applicant_email", _email),
            ("rep_email", _email),
        ):
            if d.get(key):
                try:
                    d[key] = fn(d[key].strip())
                except ValidationError as exc:
                    self.add_error(key, exc)
        if (
            who == "self"
            and kind == "individual"
            and self.own_id
            and d.get("applicant_id_number")
            and "applicant_id_number" not in self.errors
            and d["applicant_id_number"] != self.own_id
        ):
            # "for myself" with another person's ID: a dossier filed in someone's name with no authorisation
            self.add_error(
                "applicant_id_number",
                _(
                    "Bạn chọn “Cho chính tôi” nên người yêu cầu là chủ tài khoản: số định danh phải là số của bạn "
                    "(%(own)s). Nộp cho người khác thì chọn “Thay mặt người khác/tổ chức” và kèm văn bản ủy quyền."
                )
                % {"own": self.own_id},
            )
        # a contact typed but refused has its own message: "needed" is for none typed
        typed = self.has_error("applicant_phone") or self.has_error("applicant_email")
        if who == "self" and not typed and not d.get("applicant_phone") and not d.get("applicant_email"):
            self.add_error(
                "applicant_phone", _("Cần số điện thoại hoặc thư điện tử để nhận thông báo về hồ sơ.")
            )
        if who == "behalf":
            if not d.get("rep_name"):
                self.add_error("rep_name", _("Vui lòng nhập họ tên người được ủy quyền."))
            if d.get("rep_id_number"):
                try:
                    d["rep_id_number"] = clean_personal_id(d["rep_id_number"].strip())
                except IdentifierError as exc:
                    self.add_error("rep_id_number", _message(exc))
            else:
                self.add_error(
                    "rep_id_number", _("Vui lòng nhập số định danh cá nhân của người được ủy quyền.")
                )
            typed = self.has_error("rep_phone") or self.has_error("rep_email")
            if not typed and not d.get("rep_phone") and not d.get("rep_email"):
                self.add_error("rep_phone", _("Cần số điện thoại hoặc thư điện tử của người được ủy quyền."))
            if (
                d.get("applicant_id_number")
                and d.get("applicant_id_number") == d.get("rep_id_number")
                and "applicant_id_number" not in self.errors
            ):
                # the account holder's own details left in the applicant's fields (they are pre-filled from it)
                self.add_error(
                    "applicant_id_number",
                    _(
                        "Khi nộp thay, mục này là thông tin của người hoặc tổ chức ủy quyền cho bạn, không phải của "
                        "bạn: hãy nhập số định danh cá nhân hoặc mã số thuế của họ."
                    ),
                )
        return d


class ResultForm(CheckedForm):
    result_method = forms.ChoiceField(
        label=_("Hình thức nhận kết quả"),
        choices=[
            ("counter", _("Nhận trực tiếp tại Bộ phận Một cửa")),
            ("post", _("Nhận qua dịch vụ bưu chính công ích")),
            ("electronic", _("Nhận kết quả điện tử trên Cổng dịch vụ công")),
        ],
        widget=forms.RadioSelect,
        error_messages={**CHOOSE, "invalid_choice": _("Hình thức nhận kết quả không hợp lệ.")},
    )
    result_address = forms.CharField(
        label=_("Địa chỉ nhận kết quả qua bưu chính"), max_length=500, required=False
    )

    def clean(self):
        d = super().clean()
        # an address typed too long already has its message: it was typed, so "enter an address" would be wrong
        typed = "result_address" in self.errors
        if d.get("result_method") == "post" and not typed and not (d.get("result_address") or "").strip():
            self.add_error("result_address", _("Vui lòng nhập địa chỉ nhận kết quả qua bưu chính."))
        if d.get("result_address"):
            d["result_address"] = " ".join(nfc(d["result_address"]).split())
        return d
