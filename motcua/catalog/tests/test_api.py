import datetime as dt
import json
from pathlib import Path

import pytest
from django.utils import timezone

from motcua.catalog.importers import import_procedures, import_processes
from motcua.catalog.models import Offering, Procedure
from motcua.org.models import Agency

from .conftest import record

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.fixture
def catalogue(ref_procs):
    extra = json.loads((DATA / "demo_extra_procedures.json").read_text(encoding="utf-8"))
    local = record(code="1.014464.H26", name="Thủ tục có mã địa phương", legal_days=3, registered_days=2)
    assert import_procedures(ref_procs + extra + [local], effective_from=dt.date(2025, 11, 18)).ok
    processes = json.loads((DATA / "demo_extra_processes.json").read_text(encoding="utf-8"))
    assert import_processes(processes).ok
    agency = Agency.objects.create(
        identifier="000.00.33.H26", name="UBND Quận Hai Bà Trưng", level="district"
    )
    Offering.objects.create(agency=agency, procedure=Procedure.objects.get(code="1.001612"), online=True)
    return agency


def get(client, url):
    response = client.get(url)
    return response.status_code, response.json()


def test_list_search_without_diacritics(client, catalogue):
    status, data = get(client, "/api/v1/procedures?q=dang%20ky%20ho%20kinh%20doanh")
    assert status == 200
    assert data["count"] == 1
    item = data["items"][0]
    assert item["code"] == "1.001612" and item["name"] == "Đăng ký thành lập hộ kinh doanh"
    assert item["field"] == "Thành lập và hoạt động của hộ kinh doanh"
    assert item["level"] == "commune" and item["legal_days"] == 3 and item["registered_days"] is None
    assert item["limit_hours"] == 24 and item["online_level"] == "full"
    status, same = get(client, "/api/v1/procedures?q=%C4%90%C4%83ng%20k%C3%BD%20h%E1%BB%99%20kinh%20doanh")
    assert same == data
    status, slash = get(client, "/api/v1/procedures/?q=dang+ky+ho+kinh+doanh")
    assert status == 200 and slash == data


def test_list_paging_filters_and_numbers(client, catalogue):
    status, data = get(client, "/api/v1/procedures?limit=10&offset=0")
    assert status == 200 and data["count"] == 97 and len(data["items"]) == 10
    status, page2 = get(client, "/api/v1/procedures?limit=10&offset=10")
    assert {i["code"] for i in data["items"]}.isdisjoint({i["code"] for i in page2["items"]})
    status, beyond = get(client, "/api/v1/procedures?limit=10&offset=500")
    assert beyond["count"] == 97 and beyond["items"] == []
    status, data = get(client, "/api/v1/procedures?field=tai-nguyen-nuoc&limit=100")
    assert data["count"] == 23 and all(i["field"] == "Tài nguyên nước" for i in data["items"])
    status, data = get(client, "/api/v1/procedures?level=commune&limit=100")
    assert {i["code"] for i in data["items"]} == {"1.001612", "1.001662"}
    status, data = get(client, "/api/v1/procedures?agency=000.00.33.H26")
    assert [i["code"] for i in data["items"]] == ["1.001612"]
    status, data = get(client, "/api/v1/procedures?q=1.004122")
    item = data["items"][0]
    assert item["code"] == "1.004122" and item["legal_days"] == 24 and item["registered_days"] == 22
    assert item["limit_hours"] == 176 and item["limit_text"] == "22 ngày làm việc (cắt giảm 02/24, 8,33%)"
    status, data = get(client, "/api/v1/procedures?q=2.001717")
    assert data["items"][0]["legal_days"] == 10.5 and data["items"][0]["limit_hours"] == 84


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("level=tinh", 422),
        ("limit=0", 422),
        ("limit=101", 422),
        ("offset=-1", 422),
        ("agency=999.99.99.H99", 404),
        ("field=khong-co", 404),
    ],
)
def test_list_bad_input(client, catalogue, query, status):
    code, data = get(client, f"/api/v1/procedures?{query}")
    assert code == status
    assert data["message"] and data["message_en"] and data["error"]


def test_detail_with_dotted_code_versions_components_process_agencies(client, catalogue):
    status, data = get(client, "/api/v1/procedures/1.001612")
    assert status == 200
    assert data["effective_from"] == "2026-11-29" and data["level"] == "commune"
    assert data["legal_basis"] == "Luật Doanh nghiệp 2020; Nghị định số 168/2025/NĐ-CP"
    assert [v["effective_from"] for v in data["versions"]] == [
        "2026-11-29",
        "2026-11-27",
        "2025-07-01",
        "2021-01-04",
    ]
    assert [v["in_force"] for v in data["versions"]] == [True, False, False, False]
    assert [c["name"] for c in data["components"]][0] == "Giấy đề nghị đăng ký hộ kinh doanh"
    assert len(data["components"]) == 3 and data["components"][1]["required"] is False
    assert [f["name"] for f in data["form_fields"]][:4] == [
        "ten_ho_kinh_doanh",
        "dia_chi_tru_so",
        "nganh_nghe_kinh_doanh",
        "von_kinh_doanh",
    ]
    steps = data["process"]["steps"]
    assert [(s["hours"], s["role"]) for s in steps] == [
        (4, "officer"),
        (12, "specialist"),
        (4, "unit_head"),
        (4, "leader"),
    ]
    assert data["process"]["step_hours_sum"] == data["limit_hours"] == 24
    assert data["agencies"] == [
        {
            "identifier": "000.00.33.H26",
            "name": "UBND Quận Hai Bà Trưng",
            "level": "district",
            "online": True,
            "registered_days": None,  # no cut of its own: the procedure's limit
            "limit_hours": 24,
            "limit_text": "03 ngày làm việc",
        }
    ]
    assert data["online_filing_url"] == "/nop-ho-so/1.001612/"

    assert get(client, "/api/v1/procedures/1.001612/") == (200, data)
    status, local = get(client, "/api/v1/procedures/1.014464.H26")
    assert status == 200 and local["code"] == "1.014464.H26"
    assert get(client, "/api/v1/procedures/1.014464.h26") == (200, local)  # as agency identifiers are read
    assert local["registered_limit_text"] == "02 ngày làm việc (cắt giảm 01/03, 33,33%)"
    assert local["online_filing_url"] is None  # not offered by any agency


def test_detail_at_a_past_date(client, catalogue):
    status, data = get(client, "/api/v1/procedures/1.001612?at=2023-01-03")
    assert status == 200 and data["effective_from"] == "2021-01-04" and data["level"] == "district"
    assert "01/2021/NĐ-CP" in data["legal_basis"]


def test_detail_unknown_code_is_404_json(client, catalogue):
    status, data = get(client, "/api/v1/procedures/9.999999.H26")
    assert status == 404
    assert data["error"] == "not_found"
    assert "Không tìm thấy thủ tục" in data["message"] and "9.999999.H26" in data["message_en"]


def test_openapi_renders_with_procedure_paths(client):
    status, schema = get(client, "/api/v1/openapi.json")
    assert status == 200
    assert "/api/v1/procedures" in schema["paths"]
    assert "/api/v1/procedures/{code}" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/v1/procedures"]["get"]["parameters"]}
    assert {"q", "field", "level", "agency", "limit", "offset"} <= params


def test_current_version_is_today(client, catalogue):
    # A version effective tomorrow does not replace today's in the detail.
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    r = record(code="1.004122", name="Tên áp dụng từ ngày mai", effective_from=tomorrow.isoformat())
    assert import_procedures([r]).new_versions == 1
    status, data = get(client, "/api/v1/procedures/1.004122")
    assert data["name"] == "Cấp giấy phép hành nghề khoan nước dưới đất"
    assert (
        data["versions"][0]["effective_from"] == tomorrow.isoformat() and not data["versions"][0]["in_force"]
    )


def test_an_agencys_own_process_is_shown_as_its_own_not_as_the_procedures(client, catalogue):
    """A ward's own internal process was shown on the procedure's public page and in the API as "the" process of
    the procedure when it had no default one — under every agency listing it. Now the default is the procedure's
    (null when there is none) and each agency's own is shown under its name."""
    from motcua.catalog.models import ProcessTemplate

    ward = Agency.objects.create(identifier="000.19.33.H26", name="UBND Phường Lò Đúc", level="commune")
    steps = [{"order": 1, "actor": "Công chức Bộ phận Một cửa phường", "hours": 12, "role": "officer"},
             {"order": 2, "actor": "Chủ tịch UBND phường", "hours": 12, "role": "leader"}]  # fmt: skip
    ProcessTemplate.objects.filter(procedure__code="1.001612").delete()
    assert import_processes([{"procedure_code": "1.001612", "agency": ward.identifier, "steps": steps}]).ok
    status, data = get(client, "/api/v1/procedures/1.001612")
    assert status == 200 and data["process"] is None
    assert [(p["agency"], p["agency_name"]) for p in data["agency_processes"]] == [
        ("000.19.33.H26", "UBND Phường Lò Đúc")
    ]
    page = client.get("/thu-tuc/1.001612/").content.decode()
    assert "Quy trình giải quyết nội bộ của UBND Phường Lò Đúc" in page
    assert "Quy trình giải quyết nội bộ</h2>" not in page  # no process presented as the procedure's own
    # with a default one too: the default is the procedure's, the ward's is under its name
    assert import_processes([{"procedure_code": "1.001612", "steps": [{**s, "hours": 12} for s in steps]}]).ok
    status, data = get(client, "/api/v1/procedures/1.001612")
    assert data["process"]["agency"] is None and len(data["agency_processes"]) == 1
    page = client.get("/thu-tuc/1.001612/").content.decode()
    assert "Quy trình giải quyết nội bộ (áp dụng chung)" in page
    assert page.index("(áp dụng chung)") < page.index("của UBND Phường Lò Đúc")


def test_a_procedure_published_for_a_later_date_has_no_version_in_force(client, catalogue):
    """The detail shows the earliest version when none is in force on the day, and marked it `in_force`: a
    procedure published from next year read as in force today (the page said "sắp có hiệu lực")."""
    later = timezone.localdate() + dt.timedelta(days=200)
    r = record(code="1.777777", name="Thủ tục công bố cho năm sau", effective_from=later.isoformat())
    assert import_procedures([r]).created == 1
    status, data = get(client, "/api/v1/procedures/1.777777")
    assert status == 200 and data["effective_from"] == later.isoformat()
    assert [v["in_force"] for v in data["versions"]] == [False]
    status, data = get(client, f"/api/v1/procedures/1.777777?at={later.isoformat()}")
    assert [v["in_force"] for v in data["versions"]] == [True]
