import pytest

from motcua.org import services


@pytest.fixture
def tree(db):
    """H26 -> {000.00.21.H26 (department), 000.00.33.H26 (district) -> 000.01.33.H26, 000.02.33.H26}."""
    province = services.agency_create(identifier="H26", name="Thành phố Hà Nội", level="province")
    dept = services.agency_create(
        identifier="000.00.21.H26", name="Sở Kế hoạch và Đầu tư", level="department", parent=province
    )
    district = services.agency_create(
        identifier="000.00.33.H26", name="UBND Quận Hai Bà Trưng", level="district", parent="H26"
    )
    w1 = services.agency_create(
        identifier="000.01.33.H26", name="UBND Phường Bạch Đằng", level="commune", parent=district
    )
    w2 = services.agency_create(
        identifier="000.02.33.H26", name="UBND Phường Bách Khoa", level="commune", parent=district
    )
    return {"province": province, "dept": dept, "district": district, "w1": w1, "w2": w2}
