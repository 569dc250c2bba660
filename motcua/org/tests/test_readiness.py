"""`motcua check-agency` and the agency's admin page: what stops an agency's dossiers (nobody to receive, resolve or
do a step; no version in force) is an error, what it works around is a warning; each goes when it is fixed."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from motcua.catalog.models import (
    Field,
    Offering,
    Procedure,
    ProcedureComponent,
    ProcedureVersion,
    ProcessStep,
    ProcessTemplate,
)
from motcua.org import services
from motcua.org.readiness import ERROR, agency_findings


@pytest.fixture
def setup(tree, django_user_model):
    dept, district = tree["dept"], tree["district"]
    field = Field.objects.create(code="dau-tu", name="Đầu tư")
    proc = Procedure.objects.create(code="1.009403", name="Cấp giấy chứng nhận đăng ký đầu tư", field=field)
    version = ProcedureVersion.objects.create(
        procedure=proc,
        effective_from=dt.date(2020, 1, 1),
        name=proc.name,
        field=field,
        legal_days=Decimal(15),
    )
    ProcedureComponent.objects.create(version=version, order=1, name="Văn bản đề nghị")
    Offering.objects.create(agency=dept, procedure=proc, online=True)
    template = ProcessTemplate.objects.create(procedure=proc, total_hours=Decimal(120))
    for order, actor, role, hours, partner in (
        (1, "Bộ phận Một cửa", "officer", 4, None),
        (2, "Chuyên viên phòng", "specialist", 80, None),
        (3, "Phòng Tài chính quận", "specialist", 16, district),
        (4, "Giám đốc Sở", "leader", 20, None),
    ):
        ProcessStep.objects.create(
            template=template,
            order=order,
            actor=actor,
            role=role,
            hours=Decimal(hours),
            inter_agency=partner is not None,
            partner_agency=partner,
        )
    dept.address, dept.phone = "16 Cát Linh, Hà Nội", "024 3825 6637"
    dept.save()
    services.unit_create(agency=dept, name="Bộ phận Một cửa", kind="one_stop")

    def staff(username, agency, role):
        user = django_user_model.objects.create_user(username)
        services.staff_assign_role(user=user, agency=agency, role=role)
        return user

    return {"dept": dept, "district": district, "procedure": proc, "version": version, "staff": staff}


def codes(agency, level=None):
    return [f.code for f in agency_findings(agency) if level is None or f.level == level]


def test_an_agency_without_staff_for_its_process_is_not_ready_until_each_role_is_held(setup):
    dept, district, staff = setup["dept"], setup["district"], setup["staff"]
    errors = [f for f in agency_findings(dept) if f.level == ERROR]
    assert [f.code for f in errors] == [
        "no_officer",
        "no_head",
        "step_unheld",
        "step_unheld",
        "step_unheld",
        "step_unheld",
    ]
    partner = next(f for f in errors if "bước 3" in f.message)
    assert "UBND Quận Hai Bà Trưng" in partner.message and "000.00.33.H26" in partner.message_en
    staff("mc", dept, "officer")
    staff("cv", dept, "specialist")
    staff("gd", dept, "leader")
    assert codes(dept, ERROR) == ["step_unheld"]  # the inter-agency step is the partner's to do
    staff("tc", district, "specialist")
    assert codes(dept) == []
    # an account switched off no longer counts
    leader = dept.staff_roles.get(role="leader").user
    leader.is_active = False
    leader.save()
    assert codes(dept, ERROR) == ["no_head", "step_unheld"]


def test_listed_procedures_without_version_process_limit_or_components_are_named(setup):
    dept, staff = setup["dept"], setup["staff"]
    for username, agency, role in (
        ("mc", dept, "officer"),
        ("cv", dept, "specialist"),
        ("gd", dept, "leader"),
    ):
        staff(username, agency, role)
    staff("tc", setup["district"], "specialist")
    field = setup["procedure"].field
    bare = Procedure.objects.create(code="1.000001", name="Thủ tục chưa có quy trình", field=field)
    ProcedureVersion.objects.create(
        procedure=bare, effective_from=dt.date(2020, 1, 1), name=bare.name, field=field
    )
    future = Procedure.objects.create(code="1.000002", name="Thủ tục chưa có hiệu lực", field=field)
    ProcedureVersion.objects.create(
        procedure=future,
        effective_from=dt.date(2999, 1, 1),
        name=future.name,
        field=field,
        legal_days=Decimal(5),
    )
    Offering.objects.create(agency=dept, procedure=bare, online=True)
    Offering.objects.create(agency=dept, procedure=future, online=False)
    found = {f.code: f for f in agency_findings(dept)}
    assert set(found) == {"no_version", "no_limit", "no_components", "no_process"}
    assert found["no_version"].level == ERROR and found["no_version"].message.startswith("1.000002:")
    assert all(found[c].message.startswith("1.000001:") for c in ("no_limit", "no_components", "no_process"))
    # the agency's own cut that its process no longer fits
    Offering.objects.filter(procedure=setup["procedure"]).update(registered_days=Decimal(10))
    assert "process_mismatch" in codes(dept)


def test_the_command_reports_every_agency_and_fails_on_an_error(setup):
    dept, staff = setup["dept"], setup["staff"]
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("check-agency", "000.00.21.h26", stdout=out)
    assert exit_.value.code == 1
    text = out.getvalue()
    assert "000.00.21.H26 Sở Kế hoạch và Đầu tư" in text and "LỖI / ERROR [no_officer]" in text
    assert "1 cơ quan: 0 sẵn sàng tiếp nhận (không có lỗi), 6 lỗi" in text and "1 agency: 0 ready" in text
    for username, agency, role in (
        ("mc", dept, "officer"),
        ("cv", dept, "specialist"),
        ("gd", dept, "leader"),
    ):
        staff(username, agency, role)
    staff("tc", setup["district"], "specialist")
    out = io.StringIO()
    call_command("check-agency", "000.00.21.H26", stdout=out)  # no SystemExit: ready
    assert "1 cơ quan: 1 sẵn sàng tiếp nhận (không có lỗi), 0 lỗi" in out.getvalue()
    # ready means nothing stops its dossiers: the same count with --errors-only
    dept.phone = ""
    dept.save()
    for flags in ((), ("--errors-only",)):
        out = io.StringIO()
        call_command("check-agency", "000.00.21.H26", *flags, stdout=out)
        assert "1 agency: 1 ready (no errors)" in out.getvalue(), flags
    with pytest.raises(CommandError, match="Không có cơ quan mã 000.99.99.H26"):
        call_command("check-agency", "000.99.99.H26", stdout=io.StringIO())


def test_the_agency_admin_page_lists_the_findings(admin_client, setup):
    page = admin_client.get(f"/admin/org/agency/{setup['dept'].pk}/change/").content.decode()
    assert "Sẵn sàng tiếp nhận hồ sơ" in page
    assert "Chưa có cán bộ một cửa đang làm việc" in page and 'class="errornote"' in page
    assert "Sẵn sàng tiếp nhận hồ sơ" not in admin_client.get("/admin/org/agency/add/").content.decode()
