import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from motcua.catalog.models import Field, Offering, Procedure, ProcedureVersion
from motcua.community.models import Member, ResidentialGroup, Team
from motcua.org.models import Agency, Role, StaffRole

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
RESIDENT_ID = "001085012345"
PASSWORD = "pw-123456-x"  # every user of the world


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    hn = Agency.objects.create(identifier="H26", name="Thành phố Hà Nội", level="province")
    district = Agency.objects.create(
        identifier="000.00.33.H26", name="UBND Quận Hai Bà Trưng", level="district", parent=hn
    )
    ward_a = Agency.objects.create(
        identifier="000.02.33.H26",
        name="UBND Phường Bách Khoa",
        short_name="P. Bách Khoa",
        level="commune",
        parent=district,
    )
    ward_b = Agency.objects.create(
        identifier="000.03.33.H26", name="UBND Phường Bạch Mai", level="commune", parent=district
    )
    User = get_user_model()

    def user(name, **extra):
        return User.objects.create_user(name, password=PASSWORD, **extra)

    users = {
        "member": user("tcns.bk1"),
        "member_b": user("tcns.bm1"),
        "resident": user("nguoidan"),
        "other": user("nguoikhac"),
        "officer": user("phuong.mc"),
    }
    StaffRole.objects.create(user=users["officer"], agency=ward_a, role=Role.OFFICER)
    field = Field.objects.create(code="ho-tich", name="Hộ tịch")
    proc = Procedure.objects.create(
        code="1.001193", name="Thủ tục đăng ký khai sinh", field=field, level="commune"
    )
    ProcedureVersion.objects.create(
        procedure=proc,
        effective_from=dt.date(2020, 1, 1),
        name=proc.name,
        field=field,
        level="commune",
        legal_days=Decimal(3),
    )
    Offering.objects.create(agency=ward_a, procedure=proc)
    g1 = ResidentialGroup.objects.create(ward=ward_a, name="Tổ dân phố số 1", number=1, households=100)
    g2 = ResidentialGroup.objects.create(ward=ward_a, name="Tổ dân phố số 2", number=2, households=200)
    g3 = ResidentialGroup.objects.create(ward=ward_a, name="Tổ dân phố số 3", number=3, households=50)
    gb = ResidentialGroup.objects.create(ward=ward_b, name="Tổ dân phố số 1", number=1, households=300)
    t1 = Team.objects.create(
        ward=ward_a, residential_group=g1, name="Tổ CNSCĐ TDP số 1", decision_number="12/QĐ-UBND"
    )
    t2 = Team.objects.create(ward=ward_a, residential_group=g2, name="Tổ CNSCĐ TDP số 2")
    tb = Team.objects.create(ward=ward_b, residential_group=gb, name="Tổ CNSCĐ TDP số 1")
    m1 = Member.objects.create(
        team=t1, full_name="Phạm Thị Hoa", role="leader", organisation="group_head", user=users["member"]
    )
    Member.objects.create(team=t1, full_name="Vũ Minh Đức", role="deputy", organisation="youth_union")
    Member.objects.create(team=t1, full_name="Lê Thu Trang", organisation="women_union", active=False)
    Member.objects.create(team=t2, full_name="Hoàng Văn Nam", role="leader", organisation="police")
    mb = Member.objects.create(
        team=tb, full_name="Đặng Quốc Huy", role="leader", organisation="telecom", user=users["member_b"]
    )
    return {
        "ward_a": ward_a,
        "ward_b": ward_b,
        "district": district,
        "users": users,
        "procedure": proc,
        "groups": (g1, g2, g3, gb),
        "teams": (t1, t2, tb),
        "m1": m1,
        "mb": mb,
    }


def resident(**over):
    return {"name": "Trần Văn Bảo", "id_number": RESIDENT_ID, "phone": "0912345678", **over}


@pytest.fixture
def province_procedure(world):
    """A province-level procedure (1.009403) listed and received online only by a department, as in the demo."""
    dept = Agency.objects.create(
        identifier="000.00.21.H26",
        name="Sở Kế hoạch và Đầu tư",
        level="department",
        parent=world["district"].parent,
    )
    proc = Procedure.objects.create(
        code="1.009403", name="Thủ tục cấp tỉnh", field=world["procedure"].field, level="province"
    )
    ProcedureVersion.objects.create(
        procedure=proc,
        effective_from=dt.date(2020, 1, 1),
        name=proc.name,
        field=proc.field,
        level="province",
        legal_days=Decimal(15),
    )
    Offering.objects.create(agency=dept, procedure=proc)
    # the district lists the ward's procedure too, but not online
    Offering.objects.create(agency=world["district"], procedure=world["procedure"], online=False)
    return {"dept": dept, "procedure": proc}
