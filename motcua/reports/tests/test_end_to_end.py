"""Statistics over dossiers driven through the real services (dossier_file / dossier_act with `at=`), so the
stored columns come from the lifecycle engine and the calendar, and the checker replays the real events."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from motcua.catalog.models import Field, Procedure, ProcedureVersion
from motcua.dossiers import services
from motcua.org.models import Agency, Role, StaffRole
from motcua.reports import selectors, verify

from .conftest import at

APPLICANT = {"kind": "individual", "name": "Trần Thị Bình", "id_number": "001203012345"}


@pytest.fixture
def setup(db):
    hn = Agency.objects.create(identifier="H26", name="Thành phố Hà Nội", level="province")
    so = Agency.objects.create(
        identifier="000.00.21.H26", name="Sở Kế hoạch và Đầu tư", level="department", parent=hn
    )
    User = get_user_model()
    officer = User.objects.create_user("mc.e2e", password="x-123456-y")
    leader = User.objects.create_user("ld.e2e", password="x-123456-y")
    StaffRole.objects.create(user=officer, agency=so, role=Role.OFFICER)
    StaffRole.objects.create(user=leader, agency=so, role=Role.LEADER)
    field = Field.objects.create(code="ho-kinh-doanh", name="Hộ kinh doanh")
    proc = Procedure.objects.create(
        code="1.001612", name="Đăng ký hộ kinh doanh", field=field, level="commune"
    )
    ProcedureVersion.objects.create(
        procedure=proc,
        effective_from=dt.date(2020, 1, 1),
        name=proc.name,
        field=field,
        level="commune",
        legal_days=Decimal(3),
    )
    return {"so": so, "officer": officer, "leader": leader}


def file_and_receive(s, when, channel="counter"):
    d, _ = services.dossier_file(
        actor=s["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel=channel,
        applicant=APPLICANT,
        receive=True,
        at=when,
    )
    return d


def test_lifecycle_driven_statistics(setup):
    s = setup
    # received Fri 24/01/2025 10:00, 3 working days -> due Wed 05/02/2025 10:00 (Tết 27–31/01 off)
    d1 = file_and_receive(s, at(2025, 1, 24, 10))
    assert d1.due_at == at(2025, 2, 5, 10)
    services.dossier_act(
        code=d1.code,
        action="resolve",
        actor=s["leader"],
        params={"outcome": "approved"},
        at=at(2025, 2, 5, 9),
    )
    # received Mon 03/02 09:00 -> due Thu 06/02 09:00; supplement requested 04/02 09:00, back 05/02 09:00
    # (8 working hours) -> due Fri 07/02 09:00; resolved 07/02 10:00 -> late
    d2 = file_and_receive(s, at(2025, 2, 3, 9))
    services.dossier_act(
        code=d2.code,
        action="request_supplement",
        actor=s["officer"],
        params={"reason": "Thiếu bản sao giấy tờ"},
        at=at(2025, 2, 4, 9),
    )
    services.dossier_act(code=d2.code, action="supplement", actor=s["officer"], at=at(2025, 2, 5, 9))
    services.dossier_act(
        code=d2.code,
        action="resolve",
        actor=s["leader"],
        params={"outcome": "approved"},
        at=at(2025, 2, 7, 10),
    )
    d2.refresh_from_db()
    assert d2.due_at == at(2025, 2, 7, 9) and d2.classification == "late"
    # received Tue 04/02 16:00 (after the cut-off) -> counting 05/02 08:00 -> due 07/02 17:00; still open
    file_and_receive(s, at(2025, 2, 4, 16), channel="online")

    now = at(2025, 2, 10, 12)
    feb = selectors.on_time_stats(date_from="2025-02-01", date_to="2025-02-28", agency=s["so"], now=now)
    assert (feb["received"], feb["carried_over"], feb["resolved"]) == (2, 1, 2)
    assert (feb["on_time"], feb["late"], feb["pending_overdue"], feb["pending_within"]) == (1, 1, 1, 0)
    assert feb["on_time_rate"] == 50.0
    assert feb["index_2_1"] == pytest.approx(33.33)
    report = verify.verify(date_from="2025-02-01", date_to="2025-02-28", agency=s["so"], now=now)
    assert report.ok, verify.render(report)
    assert report.checked == 3
