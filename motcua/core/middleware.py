"""Language selection: Vietnamese first.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a visitor with an English browser got an
English-labelled page. The one-stop portal is Vietnamese unless the user explicitly chose English (the language
switcher sets the `django_language` cookie); the API's messages are bilingual anyway.
"""

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as _AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as _SessionMiddleware
from django.utils import translation


class VietnameseFirstLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
        if lang not in self.supported:
            lang = settings.LANGUAGE_CODE
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        return response


# --- browser-only middleware --------------------------------------------------------------------------------
# The JSON API under /api/ authenticates with bearer tokens (motcua.core.auth) and never reads a session, a
# session user or flash messages; setting those up and tearing them down was a measurable part of a status
# read (bench/bench_inproc.py). These subclasses (so Django's and the admin's checks still find the classes they
# require) step aside for /api/ paths and run unchanged for everything else. Security headers, host validation,
# CSRF, language, clickjacking and WhiteNoise middleware still run on every request.

API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


class SessionMiddleware(_SessionMiddleware):
    def __call__(self, request):
        if is_api(request):
            return self.get_response(request)
        return super().__call__(request)


class AuthenticationMiddleware(_AuthenticationMiddleware):
    """On /api/, `request.user` is anonymous until a bearer token names the user (no session to read)."""

    def __call__(self, request):
        if is_api(request):
            request.user = AnonymousUser()
            return self.get_response(request)
        return super().__call__(request)


class MessageMiddleware(_MessageMiddleware):
    def __call__(self, request):
        if is_api(request):
            return self.get_response(request)
        return super().__call__(request)
