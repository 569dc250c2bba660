"""Sign-in and sign-out pages, password change and "Quên mật khẩu?" (Django's auth views and token generator, with
Vietnamese templates and messages, the login throttle and rate limits; ADR 0003 addendum)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from . import throttle
from .forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm, ThrottledAuthenticationForm
from .selectors import is_overseer_only, is_staff_member


def mark_throttled(request, response):
    """Turn a refused sign-in page into HTTP 429 with Retry-After (used by ours and the admin's)."""
    wait = getattr(request, "motcua_throttled_for", 0)
    if wait:
        response.status_code = 429
        response["Retry-After"] = str(wait)
    return response


def render_throttled(request, template: str, ctx: dict, wait: int, message: str):
    """A page refused because its client went over a rate limit: HTTP 429 with Retry-After, `message` (with
    `%(minutes)s`) shown as the page's error."""
    ctx["error"] = message % {"minutes": throttle.wait_minutes(wait)}
    response = render(request, template, ctx, status=429)
    response["Retry-After"] = str(wait)
    return response


def lookup_throttled(request, template: str, ctx: dict):
    """Count one public lookup of the client (org.throttle.lookup_limit: the lookup page, and any page that tells a
    dossier's state to whoever has its code); over the limit, the 429 page to return, else None."""
    from . import throttle

    limit, window = throttle.lookup_limit()
    wait = throttle.check_rate(throttle.LOOKUP_KEY, throttle.client_ip(request), limit=limit, window=window)
    if not wait:
        return None
    message = _("Bạn đã tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau %(minutes)s phút.")
    return render_throttled(request, template, ctx, wait, message)


def landing_url(user) -> str:
    """Where a user lands after signing in without a `next` page: officers and administrators at the staff
    inbox, read-only overseers at the overseers' statistics, members of a digital community team at their
    filing page, everyone else (citizens, businesses) at their own dossiers."""
    from motcua.community.services import active_memberships  # community depends on org, not the reverse

    if user.is_superuser:
        return reverse("dossiers:inbox")
    if is_overseer_only(user):
        return reverse("reports:overseer")
    if is_staff_member(user):
        return reverse("dossiers:inbox")
    if active_memberships(user).exists():
        return reverse("community:assisted_new")
    return reverse("portal:my_dossiers")


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form):
        """A refused sign-in is a 400 (as every refused form here), 429 once throttled; Django answered 200."""
        response = super().form_invalid(form)
        response.status_code = 400
        return mark_throttled(self.request, response)

    def get_default_redirect_url(self):
        """A `next` page the form carries (checked by Django as safe) wins; otherwise the user's own landing page."""
        return landing_url(self.request.user)


class LogoutView(auth_views.LogoutView):
    """POST signs out (as Django requires); GET shows a confirmation button instead of a 405."""

    http_method_names = ["get", "post", "options"]
    template_name = "registration/logged_out.html"

    def get(self, request, *args, **kwargs):
        return render(request, "registration/logout_confirm.html")


# --- passwords ------------------------------------------------------------------------------------------------


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return ""


class PasswordChangeView(auth_views.PasswordChangeView):
    """'Đổi mật khẩu' for any signed-in user (staff and citizens): the current password, the new one twice through
    AUTH_PASSWORD_VALIDATORS. This session stays signed in (update_session_auth_hash, in Django's view); the user's
    other sessions end, their session hash no longer matching. An account without a usable password (signed in only
    through OpenID Connect) is told it has no password here, and a POST changes nothing (400)."""

    template_name = "registration/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("org:password_change")  # with a message; or the safe `next` page

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "next": _safe_next(self.request)}

    def _no_local_password(self, status: int):
        from motcua.portal.oidc import provider_name  # portal depends on org, not the reverse

        ctx = {"no_local_password": True, "provider": provider_name(), "next": _safe_next(self.request)}
        return render(self.request, self.template_name, ctx, status=status)

    def get(self, request, *args, **kwargs):
        if not request.user.has_usable_password():
            return self._no_local_password(200)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if not request.user.has_usable_password():
            return self._no_local_password(400)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # saves and keeps this session (update_session_auth_hash); our redirect below
        super().form_valid(form)
        throttle.reset(self.request.user.get_username(), throttle.client_ip(self.request))
        messages.success(self.request, _("Đã đổi mật khẩu. Lần đăng nhập sau, hãy dùng mật khẩu mới."))
        return redirect(_safe_next(self.request) or self.get_success_url())

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 429 if form.throttled_for else 400
        if form.throttled_for:
            response["Retry-After"] = str(form.throttled_for)
        return response


def _link_hours() -> int:
    """How long a reset link is good for, in whole hours (the e-mail and the "sent" page say it)."""
    return max(1, round(int(settings.PASSWORD_RESET_TIMEOUT) / 3600))


class PasswordResetView(auth_views.PasswordResetView):
    """'Quên mật khẩu?': an e-mail address; Django's form and token generator send a one-use link (valid
    PASSWORD_RESET_TIMEOUT seconds) to each active account with that address and a usable password, the address
    of MOTCUA_SITE_URL in the link (never the request's Host). The same page follows whether or not an account
    has the address (a failed delivery is logged, not shown). Throttled per client IP and per address typed
    (org.throttle.password_reset_limits): over a limit, 429 and nothing is sent."""

    template_name = "registration/password_reset.html"
    form_class = PasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("org:password_reset_done")

    def _throttled(self, form, wait: int):
        message = _("Bạn đã yêu cầu đặt lại mật khẩu quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút.")
        return render_throttled(self.request, self.template_name, {"form": form}, wait, message)

    def post(self, request, *args, **kwargs):
        wait = throttle.password_reset_ip_wait(throttle.client_ip(request))
        if wait:
            return self._throttled(self.get_form(), wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        wait = throttle.password_reset_email_wait(form.cleaned_data["email"])
        if wait:
            return self._throttled(form, wait)
        site_url = settings.MOTCUA_SITE_URL.rstrip("/")
        self.extra_email_context = {"site_url": site_url, "valid_hours": _link_hours()}
        return super().form_valid(form)

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_sent.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "valid_hours": _link_hours()}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The e-mailed link: Django's view (the token moves into the session and the address bar loses it; a link
    is good once, its token tied to the password and the last sign-in). An invalid, expired or used link says so
    (400) with a link to ask again. A new password set here also clears the account's login throttle locks
    (org.throttle.clear_login_locks): the owner who proved the mailbox is not kept out by failures that guessed
    at the old password."""

    template_name = "registration/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("org:password_reset_complete")

    def render_to_response(self, context, **response_kwargs):
        if not context.get("validlink"):
            response_kwargs.setdefault("status", 400)
        return super().render_to_response(context, **response_kwargs)

    def form_valid(self, form):
        response = super().form_valid(form)
        throttle.clear_login_locks(form.user)
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
