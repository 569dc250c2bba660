"""Small site-wide views that belong to no app."""

from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request):
    """/favicon.ico, which browsers and the admin ask for by default: the site's icon (pages name it too)."""
    return HttpResponsePermanentRedirect(static("motcua/favicon.svg"))
