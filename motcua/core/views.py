"""Small site-wide views that belong to no app."""

from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request):
    """/favicon.ico, which browsers and the admin ask for by default: the site's icon (pages name it too)."""
    return HttpResponsePermanentRedirect(static("motcua/favicon.svg"))


def post_only(back, message=None):
    """Like Django's `require_POST`, except that a GET (or HEAD) of the address is sent `back` — `back(request,
    *args, **kwargs)` gives the page the form lives on (it may raise to refuse, e.g. a 404) — saying that nothing
    was done (`message(request, *args, **kwargs)`, else a general sentence). A form's address is opened rather than
    posted when someone signs in again after their session ended as they sent it (the sign-in page sends back to
    the address the form posted to) or follows the browser's history; Django's 405 is a blank page the browser
    calls "This page isn't working". Other methods are still 405."""
    from functools import wraps

    from django.contrib import messages
    from django.http import HttpResponseNotAllowed
    from django.shortcuts import redirect
    from django.utils.translation import gettext as _

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                return view(request, *args, **kwargs)
            if request.method in ("GET", "HEAD"):
                url = back(request, *args, **kwargs)
                messages.warning(
                    request,
                    message(request, *args, **kwargs)
                    if message
                    else _("Chưa thực hiện: thông tin chưa được gửi. Hãy nhập lại (nếu cần) và gửi lại."),
                )
                return redirect(url)
            return HttpResponseNotAllowed(["POST"])

        return wrapper

    return decorator
