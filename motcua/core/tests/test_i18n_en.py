"""English is the UI's second language: the compiled catalogue is shipped and used when the user picks English."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from motcua.catalog.importers import import_procedures

pytestmark = pytest.mark.django_db

LC = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"


def english() -> Client:
    c = Client()
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return c


def text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def procedure():
    report = import_procedures(
        [
            {
                "code": "1.001612",
                "name": "Đăng ký thành lập hộ kinh doanh",
                "field": "Thành lập và hoạt động của hộ kinh doanh",
                "level": "commune",
                "level_vi": "Cấp xã",
                "legal_days": 3,
                "registered_days": 3,
                "days_basis": "working days (ngày làm việc)",
                "time_text": "03 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.",
                "fee_text": None,
                "agency": "UBND cấp xã",
                "deciding_agency": None,
                "online_level": "toàn trình",
                "legal_basis": "Nghị định số 168/2025/NĐ-CP",
                "notes": None,
                "source": {"document": "Quyết định 1234/QĐ-UBND", "province": "Hà Nội"},
            }
        ]
    )
    assert report.ok
    return "1.001612"


def test_home_in_english_when_chosen():
    html = text(english().get("/"))
    assert '<html lang="en">' in html
    assert "Look up administrative procedures" in html
    assert "Tra cứu thủ tục hành chính" not in html
    # the header navigation is translated too
    assert ">Track a dossier<" in html and ">Tra cứu hồ sơ<" not in html


def test_home_in_vietnamese_without_a_choice():
    html = text(Client().get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9"))
    assert '<html lang="vi">' in html
    assert "Tra cứu thủ tục hành chính" in html
    assert "Look up administrative procedures" not in html


def test_procedure_list_in_english_with_plural_and_placeholder(procedure):
    html = text(english().get("/thu-tuc/"))
    assert "<h1>Administrative procedures</h1>" in html
    assert "Thủ tục hành chính" not in html
    assert "Found 1 procedure." in html
    # the level of a procedure card is interface, not data: "Cấp xã" was shown on English pages
    assert "Commune level" in html and "Cấp xã" not in html
    html = text(english().get("/thu-tuc/?q=zzzz"))
    assert "Found 0 procedures for “zzzz”." in html


def test_procedure_list_in_vietnamese_by_default(procedure):
    html = text(Client().get("/thu-tuc/"))
    assert "<h1>Thủ tục hành chính</h1>" in html
    assert "Tìm thấy 1 thủ tục." in html
    assert "Administrative procedures" not in html


def test_procedure_detail_in_english(procedure):
    html = text(english().get(f"/thu-tuc/{procedure}/"))
    assert ">Dossier documents<" in html
    assert ">Procedure code<" in html
    assert ">Full online<" in html
    assert ">Thành phần hồ sơ<" not in html
    # data stays as published (Vietnamese): only the interface is translated
    assert "Đăng ký thành lập hộ kinh doanh" in html


def _po_entries(path: Path) -> dict[str, list[str]]:
    """msgid -> msgstr(s) of a .po file (no fuzzy entries expected)."""
    entries: dict[str, list[str]] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#, ") and "fuzzy" in line:
                fields["fuzzy"] = "1"
            m = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line)
            if m:
                key = m.group(1)
                fields[key] = ast.literal_eval(m.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            assert "fuzzy" not in fields, fields["msgid"]
            entries[fields["msgid"]] = [v for k, v in fields.items() if k.startswith("msgstr")]
    return entries


def test_catalogue_is_complete_and_compiled():
    po = _po_entries(LC / "django.po")
    assert len(po) > 400
    untranslated = [k for k, v in po.items() if not v or not all(v)]
    assert untranslated == []
    with (LC / "django.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)
    catalog = mo._catalog  # msgid -> msgstr, or (msgid, n) -> msgstr for plural entries
    stale = [k for k, v in po.items() if catalog.get(k, catalog.get((k, 0))) != v[0]]
    assert stale == [], "django.mo differs from django.po: run compilemessages --locale en"
