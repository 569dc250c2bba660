"""Language selection: Vietnamese first.

Django's LocaleMiddleware would follow the browser's Accept-Language, so a visitor with an English browser got an
English-labelled page. The one-stop portal is Vietnamese unless the user explicitly chose English (the language
switcher sets the `django_language` cookie); the API's messages are bilingual anyway.
"""

from django.conf import settings
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
