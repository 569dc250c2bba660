"""Language selection: Vietnamese first.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a visitor with an English browser got an
English-labelled page. The one-stop portal is Vietnamese unless the user explicitly chose English (the language
switcher sets the `django_language` cookie); the API's messages are bilingual anyway.
"""

import json
import logging

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware as _AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware as _MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as _SessionMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware as _CSPMiddleware
from django.middleware.csp import get_nonce
from django.utils import translation
from django.utils.csp import CSP, build_policy

from .storage import READ_FAILED, STORE_FAILED, StorageUnavailable, storage_errors
from .text import size_over_text, size_text

logger = logging.getLogger(__name__)


def chosen_language(request) -> str:
    """The language the user chose (the language cookie), Vietnamese unless it names another supported one."""
    lang = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if lang:
        for code, _name in settings.LANGUAGES:
            if code == lang:
                return lang
    return settings.LANGUAGE_CODE


class VietnameseFirstLocaleMiddleware:
    """The user's chosen language (the cookie), Vietnamese by default — and always Vietnamese in the admin, whose
    models, fields and checks are named in Vietnamese only (README): with English chosen it read "Select cơ quan to
    change", "ADD CƠ QUAN", English validation next to Vietnamese."""

    def __init__(self, get_response):
        self.get_response = get_response
        from django.urls import NoReverseMatch, reverse

        try:
            self.admin_prefix = reverse("admin:index")
        except NoReverseMatch:  # no admin in this URL configuration
            self.admin_prefix = None

    def __call__(self, request):
        if self.admin_prefix and request.path_info.startswith(self.admin_prefix):
            lang = settings.LANGUAGE_CODE
        else:
            lang = chosen_language(request)
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", lang)
        return response


class ContentSecurityPolicyMiddleware(_CSPMiddleware):
    """Django's, with the policy of a response that used no nonce (every API response, most downloads) built once
    per configuration instead of on every response: it is the same string each time, and building it was about
    1.5 % of a filing+reception pair (bench/bench_inproc.py); API requests get no nonce object at all. A page that
    used its nonce, or a view that set its own configuration, goes through Django's code unchanged. The
    configuration is recognised by identity (settings replaced in tests give a new dict); it is not expected to
    change in place."""

    _built: dict[int, tuple[dict, str]] = {}

    def process_request(self, request):
        if not is_api(request):  # JSON never carries an inline script: no nonce to make for it
            super().process_request(request)

    def process_response(self, request, response):
        if get_nonce(request) or hasattr(response, "_csp_config") or hasattr(response, "_csp_ro_config"):
            return super().process_response(request, response)
        for header, config in (
            (CSP.HEADER_ENFORCE, settings.SECURE_CSP),
            (CSP.HEADER_REPORT_ONLY, settings.SECURE_CSP_REPORT_ONLY),
        ):
            if config and header not in response:
                response.headers[str(header)] = self._policy(config)  # a plain str: WSGI servers check
        return response

    @classmethod
    def _policy(cls, config: dict) -> str:
        cached = cls._built.get(id(config))
        if cached is None or cached[0] is not config:  # the dict is kept, so its id is not reused meanwhile
            cached = cls._built[id(config)] = (config, build_policy(config))
        return cached[1]


# --- browser-only middleware --------------------------------------------------------------------------------
# The JSON API under /api/ authenticates with bearer tokens (motcua.core.auth) and never reads a session, a
# session user or flash messages; setting those up and tearing them down was a measurable part of a status
# read (bench/bench_inproc.py). These subclasses (so Django's and the admin's checks still find the classes they
# require) step aside for /api/ paths and run unchanged for everything else. Security headers, host validation,
# CSRF, language, clickjacking and WhiteNoise middleware still run on every request.

API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


# What a signed-in user's page or an API answer to a token holds (a dossier, a citizen's ID number, a document) is
# not to be kept by a browser or a proxy: a counter PC or a community team's shared tablet kept it in its cache after
# sign-out. Unless the view said otherwise, such an answer is `Cache-Control: private, no-store`.
NO_STORE = "private, no-store"


def _not_stored(response):
    if not response.has_header("Cache-Control"):
        response["Cache-Control"] = NO_STORE
    return response


class SessionMiddleware(_SessionMiddleware):
    def __call__(self, request):
        if is_api(request):
            return self.get_response(request)
        response = super().__call__(request)
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            or settings.SESSION_COOKIE_NAME in response.cookies
        ):
            _not_stored(response)  # a session: a signed-in user's page, or a draft of a filing
        return response


class AuthenticationMiddleware(_AuthenticationMiddleware):
    """On /api/, `request.user` is anonymous until a bearer token names the user (no session to read)."""

    def __call__(self, request):
        if is_api(request):
            request.user = AnonymousUser()
            response = self.get_response(request)
            return _not_stored(response) if "HTTP_AUTHORIZATION" in request.META else response
        return super().__call__(request)


class MessageMiddleware(_MessageMiddleware):
    def __call__(self, request):
        if is_api(request):
            return self.get_response(request)
        return super().__call__(request)


# --- NUL characters -------------------------------------------------------------------------------------------
# PostgreSQL text cannot hold U+0000: a NUL in a path, a query parameter or a posted value reached a query and
# failed with a server error (found by fuzzing the API with schemathesis). This refuses it in the URL, in a page's
# posted form and anywhere in an API request's JSON body (written "\\u0000" there) before any view runs: 422 on
# the API, 400 on a page.

NUL_MESSAGE = "Địa chỉ hoặc dữ liệu gửi lên chứa ký tự không hợp lệ (NUL)."
NUL_MESSAGE_EN = "The address or the data sent contains an invalid character (NUL)."


def has_nul(request) -> bool:
    if "\x00" in request.path_info:
        return True
    query = request.META.get("QUERY_STRING", "")
    if "%00" not in query.lower() and "\x00" not in query:
        return False  # the common case, without parsing the query
    return _querydict_has_nul(request.GET)


def form_has_nul(request) -> bool:
    """A page's POSTed form field holding NUL (Django's form fields refuse it, but a view may read a value, such as
    the chosen procedure, before its form does)."""
    return request.method == "POST" and _querydict_has_nul(request.POST)


def _querydict_has_nul(data) -> bool:
    return any("\x00" in key or "\x00" in value for key, values in data.lists() for value in values)


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def json_body_has_nul(request) -> bool:
    """A JSON body whose strings hold NUL (the escape \\u0000; a raw NUL byte is not valid JSON and django-ninja
    refuses the body already). Bodies without the escape are not parsed here."""
    if request.method not in ("POST", "PUT", "PATCH") or not request.content_type.endswith("json"):
        return False
    try:
        body = request.body
    except Exception:  # too large, or already read: left to the view's own handling
        return False
    if b"\\u0000" not in body.lower():
        return False
    try:
        return _holds_nul(json.loads(body))
    except ValueError:
        return False  # not JSON: django-ninja answers 400 itself


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = is_api(request)
        if not (has_nul(request) or (json_body_has_nul(request) if api else form_has_nul(request))):
            return self.get_response(request)
        if api:
            from django.http import JsonResponse

            body = {"error": "bad_characters", "message": NUL_MESSAGE, "message_en": NUL_MESSAGE_EN}
            return JsonResponse(body, status=422)  # as the API's other refusals of a value
        from django.shortcuts import render

        translation.activate(settings.LANGUAGE_CODE)
        return render(
            request,
            "message.html",
            {"title": "Yêu cầu không hợp lệ", "message": f"{NUL_MESSAGE} {NUL_MESSAGE_EN}"},
            status=400,
        )


# --- the size of a request -----------------------------------------------------------------------------------
# Each file is bounded (MOTCUA_UPLOAD_MAX_BYTES, documents.inspect_upload) and so is how many a request may hold
# (DATA_UPLOAD_MAX_NUMBER_FILES), but not their sum: the portal's filing step took every component's files in one
# request. MOTCUA_UPLOAD_MAX_REQUEST_BYTES bounds the whole body. Django reads no more of a body than its
# Content-Length says (a body sent without one is read as empty), so the declared length is checked before anything
# reads the body — this middleware sits above the NUL check and CSRF, which read a posted form — and nothing is
# parsed, spooled or stored: 413, JSON on the API, a page saying both limits elsewhere.


def request_max_bytes() -> int:
    return int(getattr(settings, "MOTCUA_UPLOAD_MAX_REQUEST_BYTES", 100 * 1024 * 1024))


def declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django reads no body then either


class RequestSizeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = request_max_bytes()
        length = declared_length(request)
        if length <= limit:
            return self.get_response(request)
        logger.warning(
            "request body of %s bytes refused (limit %s) on %s %s",
            length,
            limit,
            request.method,
            request.path,
        )
        each_limit = int(settings.MOTCUA_UPLOAD_MAX_BYTES)
        total, each, sent = size_text(limit), size_text(each_limit), size_over_text(length, limit)
        if is_api(request):
            from django.http import JsonResponse

            body = {
                "error": "too_large",
                "message": f"Yêu cầu quá lớn ({sent}): mỗi lần gửi tối đa {total} (tất cả các tệp "
                f"cùng các trường khác), mỗi tệp tối đa {each}. Không tệp nào được lưu; hãy gửi các tệp thành "
                "nhiều lần.",
                "message_en": f"The request is too large ({size_over_text(length, limit, en=True)}): at most "
                f"{size_text(limit, en=True)} per request (all its files and other fields together), "
                f"{size_text(each_limit, en=True)} per file. No file was stored; send the files in "
                "several requests.",
            }
            return JsonResponse(body, status=413)
        from django.shortcuts import render
        from django.utils.http import url_has_allowed_host_and_scheme

        # the language the user chose (the locale middleware, further down, has not run yet)
        lang = chosen_language(request)
        if lang == "en":
            total, each = size_text(limit, en=True), size_text(each_limit, en=True)
        back = request.META.get("HTTP_REFERER", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = ""
        with translation.override(lang):
            return render(
                request,
                "error.html",  # with a link back to the form when it was this site's
                {
                    "title": translation.gettext("Dữ liệu gửi lên quá lớn"),
                    "message": translation.gettext(
                        "Các tệp gửi cùng một lần vượt quá %(total)s: mỗi lần gửi tối đa %(total)s, mỗi tệp tối đa "
                        "%(each)s. Không tệp nào trong lần gửi này được lưu (các tệp đã lưu trước đó vẫn còn). Hãy "
                        "quay lại và gửi ít tệp hơn mỗi lần, hoặc thu nhỏ tệp (chẳng hạn quét ở độ phân giải thấp "
                        "hơn)."
                    )
                    % {"total": total, "each": each},
                    "back": back,
                    "status": 413,
                },
                status=413,
            )


# --- the file store down --------------------------------------------------------------------------------------
# A view that reads or writes a stored file (a download, an upload outside a form that catches DomainError) and
# meets the store down answers 503 with the bilingual message, never a 500 with the backend's traceback
# (motcua.core.storage.StorageUnavailable; raw botocore errors too). Uploads inside an action are refused by the
# action's own form with the same message, and nothing is recorded.


class StorageErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, StorageUnavailable):
            message, message_en = exception.message, exception.message_en
        elif isinstance(exception, storage_errors()[1:]):  # botocore's; a bare OSError may be anything
            message, message_en = READ_FAILED if request.method in ("GET", "HEAD") else STORE_FAILED
        else:
            return None
        logger.error("file store unavailable on %s %s: %s", request.method, request.path, exception)
        if is_api(request):
            from django.http import JsonResponse

            body = {"error": "storage_unavailable", "message": message, "message_en": message_en}
            return JsonResponse(body, status=503)
        from django.shortcuts import render

        from .i18n import english_active

        title = translation.gettext("Kho lưu trữ tệp tạm thời không truy cập được")
        return render(
            request,
            "message.html",
            {"title": title, "message": message_en if english_active() else message},
            status=503,
        )


class DemoNotFoundMiddleware:
    """With DEBUG on (`make run`, the demo), a page that is not found is the product's own 404 page, as in
    production: Django's technical page listed every URL pattern to a citizen who mistyped an address. Set
    MOTCUA_TECHNICAL_404=1 to keep Django's page while developing. Not loaded at all with DEBUG off (handler404
    answers there)."""

    MARK = (
        "You’re seeing this error because you have <code>DEBUG = True</code>".encode()
    )  # technical_404.html

    def __init__(self, get_response):
        from django.core.exceptions import MiddlewareNotUsed

        if not settings.DEBUG or getattr(settings, "MOTCUA_TECHNICAL_404", False):
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and not response.streaming and self._technical(response):
            from .errorviews import page_not_found

            return page_not_found(request)
        return response

    def _technical(self, response) -> bool:
        return self.MARK in response.content
