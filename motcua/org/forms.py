"""Sign-in forms with login throttling, for the site (/accounts/login/) and the admin (/admin/login/)."""

import math

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _

from . import throttle


class ThrottleMixin:
    """Refuses the attempt before authenticating when (username, IP) is locked out.

    Sets `form.throttled_for` and `request.motcua_throttled_for` (seconds) so the view can answer 429.
    """

    throttled_for = 0

    def clean(self):
        username = self.cleaned_data.get("username")
        request = getattr(self, "request", None)
        if username and request is not None:
            wait = throttle.seconds_locked(username, throttle.client_ip(request))
            if wait:
                self.throttled_for = wait
                request.motcua_throttled_for = wait
                minutes = max(1, math.ceil(wait / 60))
                raise forms.ValidationError(
                    _(
                        "Bạn đã đăng nhập sai quá nhiều lần. Để bảo vệ tài khoản, việc đăng nhập tạm thời bị "
                        "khoá; vui lòng thử lại sau %(minutes)s phút. (Too many failed sign-in attempts: "
                        "try again in %(minutes)s minutes.)"
                    )
                    % {"minutes": minutes},
                    code="throttled",
                )
        return super().clean()


class ThrottledAuthenticationForm(ThrottleMixin, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Tên đăng nhập hoặc mật khẩu không đúng. Lưu ý: mật khẩu phân biệt chữ hoa, chữ thường.",
        "inactive": "Tài khoản này đã bị khoá.",
    }


class ThrottledAdminAuthenticationForm(ThrottleMixin, AdminAuthenticationForm):
    pass
