import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from motcua.catalog.models import Field, Offering, Procedure, ProcedureVersion
from motcua.dossiers.models import Dossier
from motcua.feedback.criteria import ensure_default_criteria
from motcua.org.models import Agency, Role, StaffRole

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "pw-123456-x"  # every user of the world


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)


@pytest.fixture
def world(db):
    ensure_default_criteria()  # a transactional test elsewhere may have flushed the migration's rows
    hn = Agency.objects.create(identifier="H26", name="Thành phố Hà Nội", level="province")
    district = Agency.objects.create(
        identifier="000.00.33.H26", name="UBND Quận Hai Bà Trưng", level="district", parent=hn
    )
    ward = Agency.objects.create(
        identifier="000.02.33.H26", name="UBND Phường Bách Khoa", level="commune", parent=district
    )
    dept = Agency.objects.create(
        identifier="000.00.21.H26", name="Sở Kế hoạch và Đầu tư", level="department", parent=hn
    )
    User = get_user_model()

    def user(name, role=None, agency=None, **extra):
        u = User.objects.create_user(name, password=PASSWORD, **extra)
        if role:
            StaffRole.objects.create(user=u, agency=agency, role=role)
        return u

    users = {
        "citizen": user("congdan", email="congdan@example.vn", first_name="Nguyễn Văn", last_name="An"),
        "citizen2": user("congdan2"),
        "ward_officer": user("phuong.mc", Role.OFFICER, ward),
        "district_officer": user("quan.mc", Role.OFFICER, district),
        "dept_officer": user("so.mc", Role.OFFICER, dept),
        "overseer": user("giamsat", Role.OVERSEER, hn),
    }
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
    Offering.objects.create(agency=ward, procedure=proc)
    return {"hn": hn, "district": district, "ward": ward, "dept": dept, "users": users, "procedure": proc}


_seq = iter(range(1, 10_000))


def make_dossier(world, *, state="resolved", owner="citizen", agency=None, code=None, channel="online"):
    agency = agency or world["ward"]
    n = next(_seq)
    return Dossier.objects.create(
        code=code or f"{agency.identifier}-250110-{n:04d}",
        agency=agency,
        procedure=world["procedure"],
        channel=channel,
        state=state,
        applicant_name="Nguyễn Văn An",
        applicant_name_ascii="nguyen van an",
        applicant_id_number="001203012345",
        applicant_user=world["users"][owner] if owner else None,
    )
