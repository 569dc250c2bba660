"""Sign-in and sign-out pages (Django's auth views with Vietnamese templates and login throttling)."""

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from .forms import ThrottledAuthenticationForm


def mark_throttled(request, response):
    """Turn a refused sign-in page into HTTP 429 with Retry-After (used by ours and the admin's)."""
    wait = getattr(request, "motcua_throttled_for", 0)
    if wait:
        response.status_code = 429
        response["Retry-After"] = str(wait)
    return response


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = ThrottledAuthenticationForm

    def form_invalid(self, form):
        return mark_throttled(self.request, super().form_invalid(form))


class LogoutView(auth_views.LogoutView):
    """POST signs out (as Django requires); GET shows a confirmation button instead of a 405."""

    http_method_names = ["get", "post", "options"]
    template_name = "registration/logged_out.html"

    def get(self, request, *args, **kwargs):
        return render(request, "registration/logout_confirm.html")
