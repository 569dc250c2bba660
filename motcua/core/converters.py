"""URL converters. `dossier`: a dossier code in a page address. Imported dossiers keep their codes, any unique code
(contract §8), and some previous systems wrote them with a slash ("123/2019/HS"), which Django's `str` converter
neither matches nor reverses (a page listing such a dossier would fail). The code here is one or more segments,
matched as short as the rest of the pattern allows: list a route with a fixed tail (`<dossier:code>/act/…`) before
the bare `<dossier:code>/`."""

from django.urls import register_converter


class DossierCodeConverter:
    regex = r"[^/]+(?:/[^/]+)*?"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(DossierCodeConverter, "dossier")
