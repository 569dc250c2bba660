import contextlib
import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from motcua.catalog.models import (
    Field,
    Offering,
    Procedure,
    ProcedureVersion,
    ProcessStep,
    ProcessTemplate,
)
from motcua.core.models import ApiToken
from motcua.dossiers import services
from motcua.org.models import Agency, Role, StaffRole, Unit

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
PASSWORD = "pw-123456-x"  # every user of the org


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Uploads go to the test's own directory, never the checkout's media/ (the hashers: conftest.py at the top)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def org(db):
    hn = Agency.objects.create(identifier="H26", name="Thành phố Hà Nội", level="province")
    so = Agency.objects.create(
        identifier="000.00.21.H26", name="Sở Kế hoạch và Đầu tư", level="department", parent=hn
    )
    other = Agency.objects.create(
        identifier="000.00.22.H26", name="Sở Tư pháp", level="department", parent=hn
    )
    tax = Agency.objects.create(identifier="000.00.40.H26", name="Cục Thuế", level="department", parent=hn)
    one_stop = Unit.objects.create(agency=so, name="Bộ phận Một cửa", kind="one_stop")
    dkkd = Unit.objects.create(agency=so, name="Phòng Đăng ký kinh doanh", kind="specialist")
    User = get_user_model()

    def user(name, role=None, agency=so, unit=None):
        u = User.objects.create_user(name, password=PASSWORD)
        if role:
            StaffRole.objects.create(user=u, agency=agency, role=role, unit=unit)
        return u

    users = {
        "officer": user("mc", Role.OFFICER, unit=one_stop),
        "specialist": user("cv", Role.SPECIALIST, unit=dkkd),
        "unit_head": user("tp", Role.UNIT_HEAD, unit=dkkd),
        "leader": user("ld", Role.LEADER),
        "overseer": user("gs", Role.OVERSEER, agency=hn),
        "other_officer": user("mc2", Role.OFFICER, agency=other),
        "tax_specialist": user("thue", Role.SPECIALIST, agency=tax),
        "citizen": user("congdan"),
        "citizen2": user("congdan2"),
    }
    field = Field.objects.create(code="ho-kinh-doanh", name="Thành lập và hoạt động của hộ kinh doanh")
    proc = Procedure.objects.create(
        code="1.001612", name="Đăng ký thành lập hộ kinh doanh", field=field, level="commune"
    )
    version = ProcedureVersion.objects.create(
        procedure=proc,
        effective_from=dt.date(2020, 1, 1),
        name=proc.name,
        field=field,
        level="commune",
        legal_days=Decimal(3),
    )
    Offering.objects.create(agency=so, procedure=proc, online=True)  # citizens file it online at the Sở
    tpl = ProcessTemplate.objects.create(procedure=proc, total_hours=24)
    ProcessStep.objects.create(
        template=tpl, order=1, actor="Chuyên viên Phòng ĐKKD", role=Role.SPECIALIST, hours=16
    )
    ProcessStep.objects.create(template=tpl, order=2, actor="Lãnh đạo Sở", role=Role.LEADER, hours=8)
    return {
        "hn": hn,
        "so": so,
        "other": other,
        "tax": tax,
        "users": users,
        "procedure": proc,
        "version": version,
        "field": field,
    }


def act(org, d, action, who, at=None, **params):
    """``who`` (a key of ``org["users"]``) takes ``action`` on ``d`` at ``at`` (now when not given)."""
    return services.dossier_act(code=d.code, action=action, actor=org["users"][who], params=params, at=at)


def login(client, org, who):
    client.force_login(org["users"][who])
    return client


@contextlib.contextmanager
def limit_unset(version):
    """For the duration, the catalogue gives the procedure version no single time limit (a procedure whose limit
    depends on the case): the one-stop officer then sets the limit at reception (`working_days`)."""
    saved = (version.legal_days, version.registered_days, version.legal_hours)
    ProcedureVersion.objects.filter(pk=version.pk).update(
        legal_days=None, registered_days=None, legal_hours=None
    )
    try:
        yield
    finally:
        ProcedureVersion.objects.filter(pk=version.pk).update(
            legal_days=saved[0], registered_days=saved[1], legal_hours=saved[2]
        )


@pytest.fixture
def token(org):
    def make(key):
        return ApiToken.issue(org["users"][key])

    return make


APPLICANT = {
    "kind": "individual",
    "name": "Nguyễn Văn An",
    "id_number": "001203012345",
    "phone": "0912345678",
}
