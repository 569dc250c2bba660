import pytest

from motcua.org import services


@pytest.fixture
def agencies(tree):
    services.unit_create(agency=tree["dept"], name="Phòng Đăng ký kinh doanh", kind="specialist")
    services.unit_create(agency=tree["dept"], name="Bộ phận Một cửa", kind="one_stop")
    return tree


def test_list(client, agencies):
    r = client.get("/api/v1/agencies")
    assert r.status_code == 200
    data = r.json()
    assert [a["identifier"] for a in data] == [
        "H26",
        "000.00.21.H26",
        "000.00.33.H26",
        "000.01.33.H26",
        "000.02.33.H26",
    ]
    dept = data[1]
    assert dept["name"] == "Sở Kế hoạch và Đầu tư"
    assert dept["level"] == "department"
    assert dept["parent"] == "H26"
    assert data[0]["parent"] is None
    assert dept["office_hours"] == {
        "morning_start": "08:00",
        "morning_end": "12:00",
        "afternoon_start": "13:00",
        "afternoon_end": "17:00",
        "cutoff": "15:00",
    }
    assert "address" in dept


def test_list_by_parent_and_search(client, agencies):
    r = client.get("/api/v1/agencies", {"parent": "000.00.33.H26"})
    assert [a["identifier"] for a in r.json()] == ["000.01.33.H26", "000.02.33.H26"]
    r = client.get("/api/v1/agencies", {"q": "bach khoa"})
    assert [a["name"] for a in r.json()] == ["UBND Phường Bách Khoa"]
    r = client.get("/api/v1/agencies", {"q": "Kế Hoạch"})
    assert [a["identifier"] for a in r.json()] == ["000.00.21.H26"]
    r = client.get("/api/v1/agencies", {"q": "ke hoach dau tu"})
    assert [a["identifier"] for a in r.json()] == ["000.00.21.H26"]
    r = client.get("/api/v1/agencies", {"q": "000.00.33"})
    assert [a["identifier"] for a in r.json()] == ["000.00.33.H26"]
    r = client.get("/api/v1/agencies", {"level": "commune"})
    assert len(r.json()) == 2


def test_list_hides_inactive_unless_asked(client, agencies):
    services.agency_update(agency=agencies["w1"], active=False)
    assert len(client.get("/api/v1/agencies").json()) == 4
    assert len(client.get("/api/v1/agencies", {"include_inactive": "true"}).json()) == 5


def test_list_bad_filters(client, agencies):
    r = client.get("/api/v1/agencies", {"parent": "000.00.99.H26"})
    assert r.status_code == 404
    assert r.json()["error"] == "not_found"
    r = client.get("/api/v1/agencies", {"level": "galaxy"})
    assert r.status_code == 422
    assert r.json()["message"]


def test_detail_with_dotted_identifier(client, agencies):
    r = client.get("/api/v1/agencies/000.00.21.H26")
    assert r.status_code == 200
    data = r.json()
    assert data["identifier"] == "000.00.21.H26"
    assert data["parent"] == "H26"
    assert data["ancestors"] == [{"identifier": "H26", "name": "Thành phố Hà Nội", "level": "province"}]
    assert [u["name"] for u in data["units"]] == ["Bộ phận Một cửa", "Phòng Đăng ký kinh doanh"]
    assert data["units"][0]["kind"] == "one_stop"
    r = client.get("/api/v1/agencies/000.00.33.H26")
    assert [c["identifier"] for c in r.json()["children"]] == ["000.01.33.H26", "000.02.33.H26"]


def test_detail_unknown_is_json_404(client, agencies):
    r = client.get("/api/v1/agencies/000.00.99.H26")
    assert r.status_code == 404
    assert r["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["error"] == "not_found"
    assert "000.00.99.H26" in body["message"] and body["message_en"]


def test_openapi_lists_agency_paths(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/agencies" in paths
    assert "/api/v1/agencies/{identifier}" in paths


def test_list_query_count_does_not_grow(client, agencies, django_assert_max_num_queries):
    for i in range(3, 23):
        services.agency_create(
            identifier=f"000.{i:02d}.33.H26", name=f"UBND Phường {i}", level="commune", parent="000.00.33.H26"
        )
    with django_assert_max_num_queries(2):
        r = client.get("/api/v1/agencies")
    assert len(r.json()) == 25


def test_detail_query_count(client, agencies, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        assert client.get("/api/v1/agencies/000.00.33.H26").status_code == 200
