"""Sign-in and sign-out pages (Django's auth views with Vietnamese templates and login throttling)."""

import math

from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from .forms import ThrottledAuthenticationForm
from .selectors import is_overseer_only, is_staff_member


def mark_throttled(request, response):
    """Turn a refused sign-in page into HTTP 429 with Retry-After (used by ours and the admin's)."""
    wait = getattr(request, "motcua_throttled_for", 0)
    if wait:
        response.status_code = 429
        response["Retry-After"] = str(wait)
    return response


def wait_minutes(wait: int) -> int:
    """A wait in seconds as whole minutes for a message (at least one)."""
    return max(1, math.ceil(wait / 60))


def render_throttled(request, template: str, ctx: dict, wait: int, message: str):
    """A page refused because its client went over a rate limit: HTTP 429 with Retry-After, `message` (with
    `%(minutes)s`) shown as the page's error."""
    ctx["error"] = message % {"minutes": wait_minutes(wait)}
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
        return mark_throttled(self.request, super().form_invalid(form))

    def get_default_redirect_url(self):
        """A `next` page the form carries (checked by Django as safe) wins; otherwise the user's own landing page."""
        return landing_url(self.request.user)


class LogoutView(auth_views.LogoutView):
    """POST signs out (as Django requires); GET shows a confirmation button instead of a 405."""

    http_method_names = ["get", "post", "options"]
    template_name = "registration/logged_out.html"

    def get(self, request, *args, **kwargs):
        return render(request, "registration/logout_confirm.html")
