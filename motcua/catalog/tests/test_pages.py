import datetime as dt
import json
import re
from html import unescape
from pathlib import Path

import pytest

from motcua.catalog.importers import import_procedures, import_processes
from motcua.catalog.models import Offering, Procedure
from motcua.org.models import Agency

from .conftest import record

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def catalogue():
    extra = json.loads((DATA / "demo_extra_procedures.json").read_text(encoding="utf-8"))
    others = [
        record(code=f"1.1000{i:02d}", name=f"Cấp phép khai thác nước số {i}", legal_days=3, registered_days=2)
        for i in range(25)
    ]
    assert import_procedures(extra + others).ok
    assert import_processes(json.loads((DATA / "demo_extra_processes.json").read_text(encoding="utf-8"))).ok
    ward = Agency.objects.create(identifier="000.05.33.H26", name="UBND Phường Bách Khoa", level="commune")
    Offering.objects.create(agency=ward, procedure=Procedure.objects.get(code="1.001612"), online=True)
    return ward


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_home_has_search_fields_and_popular(client, catalogue):
    r = client.get("/")
    assert r.status_code == 200
    html = text(r)
    assert '<html lang="vi">' in html
    assert '<label for="q">' in html and 'name="q"' in html
    assert "Thành lập và hoạt động của hộ kinh doanh" in html and "/thu-tuc/?field=" in html
    # The procedure offered by an agency ranks first among the most used.
    assert html.index("Đăng ký thành lập hộ kinh doanh") < html.index("Cấp phép khai thác nước")


@pytest.mark.parametrize("q", ["dang ky ho kinh doanh", "Đăng ký hộ kinh doanh"])
def test_catalogue_search(client, catalogue, q):
    html = text(client.get("/thu-tuc/", {"q": q}))
    assert "Tìm thấy 1 thủ tục" in html
    assert 'href="/thu-tuc/1.001612/"' in html and "Đăng ký thành lập hộ kinh doanh" in html
    assert "Toàn trình" in html


def test_catalogue_filters_and_pagination(client, catalogue):
    html = text(client.get("/thu-tuc/"))
    assert "Tìm thấy 26 thủ tục" in html and "Trang 1/2" in html
    page2 = text(client.get("/thu-tuc/", {"page": 2}))
    assert "Trang 2/2" in page2 and page2.count('class="proc-card"') == 6
    html = text(client.get("/thu-tuc/", {"agency": "000.05.33.H26"}))
    assert "Tìm thấy 1 thủ tục" in html and "selected>UBND Phường Bách Khoa" in html
    html = text(client.get("/thu-tuc/", {"level": "commune", "field": "tai-nguyen-nuoc"}))
    assert "Tìm thấy 0 thủ tục" in html
    html = text(client.get("/thu-tuc/", {"level": "nowhere"}))
    assert "không hợp lệ" in html and "Tìm thấy 26 thủ tục" in html
    html = text(client.get("/thu-tuc/", {"q": "khai thac nuoc", "page": 2}))
    assert "Trang 2/2" in html and "q=khai+thac+nuoc&amp;page=1" in html
    # the notices of a stale link read in the page's language
    client.cookies["django_language"] = "en"
    html = unescape(text(client.get("/thu-tuc/", {"level": "xyz", "field": "abc", "agency": "zzz"})))
    assert "Level 'xyz' is not valid — this filter is ignored." in html
    assert "No field 'abc' — this filter is ignored." in html and "No agency 'ZZZ'" not in html
    assert "No agency with identifier 'zzz' — this filter is ignored." in html and "bỏ qua" not in html


def test_words_found_apart_are_ranked_after_the_phrase_and_said_to_be_apart(client, catalogue):
    """ "khai sinh" found one procedure about "khai thác … sinh hoạt" and offered it as the answer: a name holding the
    words together comes first, and when none does the page says the words were found apart."""
    assert import_procedures(
        [
            record(
                code="1.200001",
                name="Tính tiền khai thác nước cho sinh hoạt",
                legal_days=3,
                registered_days=2,
            ),
            record(code="1.200002", name="Trích lục khai sinh", legal_days=3, registered_days=2),
        ]
    ).ok
    html = unescape(text(client.get("/thu-tuc/", {"q": "khai sinh"})))
    assert html.index("Trích lục khai sinh") < html.index("Tính tiền khai thác nước cho sinh hoạt")
    assert "Không có thủ tục có đúng cụm từ" not in html
    Procedure.objects.filter(code="1.200002").update(active=False)
    html = unescape(text(client.get("/thu-tuc/", {"q": "khai sinh"})))
    assert "Không có thủ tục có đúng cụm từ “khai sinh”" in html and "Tính tiền khai thác nước" in html


def test_procedure_page_has_what_a_citizen_needs(client, catalogue):
    r = client.get("/thu-tuc/1.001612/")
    assert r.status_code == 200
    html = text(r)
    assert "<h1" in html and "Đăng ký thành lập hộ kinh doanh" in html
    for expected in [
        "1.001612",
        "Thành lập và hoạt động của hộ kinh doanh",
        "Cấp xã",
        "03 ngày làm việc",
        "Toàn trình",
        "Nghị quyết của Hội đồng nhân dân cấp tỉnh",
        "Giấy đề nghị đăng ký hộ kinh doanh",
        "Không (nếu có)",
        "Giấy chứng nhận đăng ký hộ kinh doanh",
        "Luật Doanh nghiệp 2020; Nghị định số 168/2025/NĐ-CP",
        "Lãnh đạo Phòng Kinh tế",
        "12 giờ làm việc",
        "Tổng thời gian</th><td>24 giờ làm việc",
        "UBND Phường Bách Khoa",
        "01/07/2025",  # dd/mm/yyyy
        "04/01/2021",
    ]:
        assert expected in html, expected
    assert 'href="/nop-ho-so/1.001612/"' in html and "Nộp hồ sơ trực tuyến" in html


def test_registered_limit_and_no_online_button_when_not_offered(client, catalogue):
    html = text(client.get("/thu-tuc/1.100001/"))
    assert "02 ngày làm việc (cắt giảm 01/03, 33,33%)" in html
    assert "/nop-ho-so/" not in html and "chưa nhận hồ sơ trực tuyến" in html


def test_past_version_and_unknown_code(client, catalogue):
    html = text(client.get("/thu-tuc/1.001612/", {"ngay": "03/01/2023"}))
    assert "Cấp huyện" in html and "Nghị định số 01/2021/NĐ-CP" in html
    assert client.get("/thu-tuc/9.999999/").status_code == 404
    assert client.get("/thu-tuc/1.001612/", {"ngay": "31/02/2023"}).status_code == 200


def test_catalogue_empty_pages_render(client):
    assert client.get("/").status_code == 200
    assert "Tìm thấy 0 thủ tục" in text(client.get("/thu-tuc/", {"q": "x"}))


def test_admin_pages_render(admin_client, catalogue):
    from motcua.catalog.models import ProcedureVersion, ProcessTemplate

    t = ProcessTemplate.objects.get()
    v = ProcedureVersion.objects.first()
    for url in [
        "/admin/catalog/procedure/",
        "/admin/catalog/procedure/?q=dang+ky+ho",
        f"/admin/catalog/procedure/{v.procedure_id}/change/",
        f"/admin/catalog/procedureversion/{v.pk}/change/",
        "/admin/catalog/processtemplate/",
        f"/admin/catalog/processtemplate/{t.pk}/change/",
        "/admin/catalog/offering/",
        "/admin/catalog/field/",
    ]:
        assert admin_client.get(url).status_code == 200, url
    html = text(admin_client.get("/admin/catalog/processtemplate/"))
    assert "khớp" in html
    html = text(admin_client.get("/admin/catalog/procedure/", {"q": "dang ky ho"}))
    assert "1.001612" in html and "1.100001" not in html


def test_dates_are_dd_mm_yyyy(client, catalogue):
    html = text(client.get("/thu-tuc/1.001612/"))
    assert re.search(r"\b\d{2}/\d{2}/\d{4}\b", html)
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", html)
    assert dt.date(2025, 7, 1).strftime("%d/%m/%Y") in html
