"""Sign-in forms with login throttling, for the site (/accounts/login/) and the admin (/admin/login/); the password
change and reset forms (Django's, with Vietnamese labels and messages)."""

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.forms import CheckedTextMixin
from motcua.core.i18n import english_active, in_page_language

from . import throttle


class ThrottleMixin:
    """Refuses the attempt before authenticating when (username, IP) is locked out, or when the client IP has
    made too many failed sign-ins whatever the account names (throttle.login_ip_limit; password spraying).

    Sets `form.throttled_for` and `request.motcua_throttled_for` (seconds) so the view can answer 429.
    """

    throttled_for = 0

    def _throttled(self, request, wait: int, message: str):
        self.throttled_for = wait
        request.motcua_throttled_for = wait
        return forms.ValidationError(message % {"minutes": throttle.wait_minutes(wait)}, code="throttled")

    def clean(self):
        username = self.cleaned_data.get("username")
        request = getattr(self, "request", None)
        if username and request is not None:
            ip = throttle.client_ip(request)
            wait = throttle.seconds_locked(username, ip)
            if wait:
                raise self._throttled(
                    request,
                    wait,
                    _(
                        "Bạn đã đăng nhập sai quá nhiều lần. Để bảo vệ tài khoản, việc đăng nhập tạm thời bị "
                        "khoá; vui lòng thử lại sau %(minutes)s phút. (Too many failed sign-in attempts: "
                        "try again in %(minutes)s minutes.)"
                    ),
                )
            wait = throttle.seconds_locked(throttle.LOGIN_IP_KEY, ip)
            if wait:
                raise self._throttled(
                    request,
                    wait,
                    _(
                        "Đã có quá nhiều lần đăng nhập sai từ địa chỉ mạng này. Để bảo vệ các tài khoản, việc "
                        "đăng nhập từ địa chỉ này tạm thời bị khoá; vui lòng thử lại sau %(minutes)s phút."
                    ),
                )
        return super().clean()


class ThrottledAuthenticationForm(ThrottleMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        # in the page's language (they were Vietnamese on the English page too)
        "invalid_login": gettext_lazy(
            "Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: mật khẩu phân biệt chữ hoa, chữ thường."
        ),
        "inactive": gettext_lazy("Tài khoản này đã bị khoá."),
    }


class ThrottledAdminAuthenticationForm(ThrottleMixin, AdminAuthenticationForm):
    pass


# Passwords: change (signed in), forgotten (by e-mail), set anew from the e-mailed link --------------------------

# Django's Vietnamese catalogue lacks some password validators' messages (or words them awkwardly): ours here.
PASSWORD_MESSAGES_VI = {
    "password_too_short": "Mật khẩu này quá ngắn: cần ít nhất %(min_length)d ký tự.",
    "password_too_similar": "Mật khẩu quá giống thông tin cá nhân (%(verbose_name)s).",
}
PASSWORD_HELP = gettext_lazy(
    "Ít nhất 8 ký tự, không quá phổ biến, không toàn chữ số, không giống thông tin cá nhân."
)


def vi_password_error(error: forms.ValidationError) -> forms.ValidationError:
    """A password validator's error in Vietnamese (Django's own English message when English is active)."""
    template = PASSWORD_MESSAGES_VI.get(error.code)
    if template is None or english_active():
        return error
    return forms.ValidationError(template, code=error.code, params=error.params)


class _VietnameseNewPassword:
    """SetPasswordForm's new password fields and messages in Vietnamese; the validators' errors too."""

    error_messages = {"password_mismatch": gettext_lazy("Hai mật khẩu không khớp.")}

    def _vietnamese_fields(self):
        required = {"required": gettext_lazy("Vui lòng nhập thông tin này.")}
        self.fields["new_password1"].label = gettext_lazy("Mật khẩu mới")
        self.fields["new_password1"].help_text = PASSWORD_HELP
        self.fields["new_password2"].label = gettext_lazy("Nhập lại mật khẩu mới")
        self.fields["new_password2"].help_text = ""
        for name in ("new_password1", "new_password2"):
            self.fields[name].error_messages.update(required)

    def validate_password_for_user(self, user, password_field_name="new_password2"):
        """Django's AUTH_PASSWORD_VALIDATORS, the errors under the first field (where the password was chosen)."""
        password = self.cleaned_data.get(password_field_name)
        if password and not self.has_error(password_field_name):
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as exc:
                self.add_error("new_password1", [vi_password_error(e) for e in exc.error_list])


class SetPasswordForm(_VietnameseNewPassword, CheckedTextMixin, auth_forms.SetPasswordForm):
    """A new password from the e-mailed link (no old password)."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self._vietnamese_fields()


class PasswordChangeForm(_VietnameseNewPassword, CheckedTextMixin, auth_forms.PasswordChangeForm):
    """The signed-in user's password change: the current password, then the new one twice. A wrong current
    password counts as a failed sign-in of (username, client IP) in the login throttle (org.throttle), and a locked
    pair is refused before the check (`throttled_for` seconds, the view answers 429): a session left open on a
    shared computer does not let anyone guess the password at leisure."""

    error_messages = {
        **_VietnameseNewPassword.error_messages,
        "password_incorrect": gettext_lazy("Mật khẩu hiện tại không đúng. Vui lòng nhập lại."),
    }
    throttled_for = 0

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].label = gettext_lazy("Mật khẩu hiện tại")
        self.fields["old_password"].error_messages.update(
            {"required": gettext_lazy("Vui lòng nhập thông tin này.")}
        )
        self._vietnamese_fields()

    def clean_old_password(self):
        username, ip = self.user.get_username(), throttle.client_ip(self.request)
        wait = throttle.seconds_locked(username, ip) if self.request is not None else 0
        if wait:
            self.throttled_for = wait
            raise forms.ValidationError(
                _("Bạn đã nhập sai mật khẩu quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút.")
                % {"minutes": throttle.wait_minutes(wait)},
                code="throttled",
            )
        try:
            return super().clean_old_password()
        except forms.ValidationError:
            if self.request is not None:
                throttle.record_failure(username, ip)
            raise


class PasswordResetForm(CheckedTextMixin, auth_forms.PasswordResetForm):
    """'Quên mật khẩu?': the account's e-mail address. Django's form: a reset link goes to every active account with
    that address and a usable password (an account that signs in only through OpenID Connect has none, and gets
    nothing); the page says the same whether or not one exists."""

    email = forms.CharField(
        label=gettext_lazy("Thư điện tử"),
        max_length=254,
        error_messages={"required": gettext_lazy("Vui lòng nhập thư điện tử của tài khoản.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email", "autofocus": True}),
    )

    def clean_email(self):
        from motcua.notifications.recipients import RecipientError, normalise_email

        try:
            return normalise_email(self.cleaned_data["email"])
        except RecipientError as exc:
            raise forms.ValidationError(in_page_language(exc), code="invalid") from exc
