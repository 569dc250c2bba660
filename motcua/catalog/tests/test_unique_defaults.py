"""One default internal process per procedure (agency blank) and one staff role per (user, agency, role) without a
unit: the unique rules used to ignore NULL. The migrations resolve existing duplicates the way the code read them
(reception used the oldest template; roles are read as "holds an active role"), the admin refuses a new one."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from motcua.catalog.models import Field, Procedure, ProcessTemplate
from motcua.org.models import Agency, Role, StaffRole


@pytest.fixture
def procedure(db):
    field = Field.objects.create(code="ho-kinh-doanh", name="Hộ kinh doanh")
    return Procedure.objects.create(
        code="1.001612", name="Đăng ký hộ kinh doanh", field=field, level="commune"
    )


def test_a_second_default_template_is_refused(procedure):
    agency = Agency.objects.create(identifier="000.00.21.H26", name="Sở KH&ĐT", level="department")
    ProcessTemplate.objects.create(procedure=procedure, total_hours=24)
    ProcessTemplate.objects.create(
        procedure=procedure, agency=agency, total_hours=16
    )  # an agency's own: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        ProcessTemplate.objects.create(procedure=procedure, total_hours=8)


def test_the_admin_says_why(admin_client, procedure):
    ProcessTemplate.objects.create(procedure=procedure, total_hours=24)
    r = admin_client.post(
        "/admin/catalog/processtemplate/add/",
        {
            "procedure": procedure.pk,
            "agency": "",
            "total_hours": "8",
            "total_text": "",
            "notes": "",
            "source": "{}",
            "steps-TOTAL_FORMS": "0",
            "steps-INITIAL_FORMS": "0",
            "steps-MIN_NUM_FORMS": "0",
            "steps-MAX_NUM_FORMS": "1000",
        },
    )
    assert r.status_code == 200
    assert "Thủ tục này đã có quy trình nội bộ mặc định" in r.content.decode()
    assert ProcessTemplate.objects.count() == 1


def test_an_identical_role_without_unit_is_refused(admin_client, django_user_model):
    agency = Agency.objects.create(identifier="000.00.21.H26", name="Sở KH&ĐT", level="department")
    user = django_user_model.objects.create_user("cv", password="pw-123456-x")
    StaffRole.objects.create(user=user, agency=agency, role=Role.SPECIALIST)
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffRole.objects.create(user=user, agency=agency, role=Role.SPECIALIST)
    r = admin_client.post(
        "/admin/org/staffrole/add/", {"user": user.pk, "agency": agency.pk, "unit": "", "role": "specialist"}
    )
    assert r.status_code == 200
    assert "Cán bộ này đã có vai trò này tại cơ quan" in r.content.decode()
    assert StaffRole.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migrations_keep_what_the_code_used(capsys):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("catalog", "0004_procedure_name_sort"), ("org", "0002_agency_kind_login_throttle")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps
    Agency_ = old.get_model("org", "Agency")
    agency = Agency_.objects.create(identifier="000.00.21.H26", name="Sở", level="department", path="x")
    field = old.get_model("catalog", "Field").objects.create(code="f", name="Lĩnh vực")
    proc = old.get_model("catalog", "Procedure").objects.create(code="1.001612", name="Thủ tục", field=field)
    Template = old.get_model("catalog", "ProcessTemplate")
    Step = old.get_model("catalog", "ProcessStep")
    oldest = Template.objects.create(procedure=proc, total_hours=Decimal(24))
    Step.objects.create(template=oldest, order=1, actor="Chuyên viên", hours=Decimal(24))
    newer = Template.objects.create(procedure=proc, total_hours=Decimal(16))
    Step.objects.create(template=newer, order=1, actor="Chuyên viên mới", hours=Decimal(16))
    own = Template.objects.create(procedure=proc, agency=agency, total_hours=Decimal(8))
    User_ = old.get_model("auth", "User")
    user = User_.objects.create(username="cv")
    Role_ = old.get_model("org", "StaffRole")
    first = Role_.objects.create(user=user, agency=agency, role="specialist", active=False)
    Role_.objects.create(user=user, agency=agency, role="specialist", active=True, since=dt.date(2025, 3, 1))
    Role_.objects.create(user=user, agency=agency, role="specialist", active=False, since=dt.date(2024, 1, 1))
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    out = capsys.readouterr().out
    assert sorted(ProcessTemplate.objects.values_list("pk", flat=True)) == [oldest.pk, own.pk]
    assert (
        f"removed duplicate default process #{newer.pk} (kept #{oldest.pk}" in out
        and "Chuyên viên mới" in out
    )
    (role,) = StaffRole.objects.all()
    assert role.pk == first.pk and role.active and role.since == dt.date(2024, 1, 1)
    assert "merged into" in out


def test_reception_uses_the_default_template(procedure):
    """The one template left is the one process_steps reads (the agency's own first)."""
    from motcua.dossiers.services import process_steps

    agency = Agency.objects.create(identifier="000.00.21.H26", name="Sở KH&ĐT", level="department")
    t = ProcessTemplate.objects.create(procedure=procedure, total_hours=24)
    t.steps.create(order=1, actor="Chuyên viên", hours=Decimal(24))
    assert [s.actor for s in process_steps(procedure.pk, agency.pk)] == ["Chuyên viên"]


def _template_post(procedure, total, steps):
    data = {
        "procedure": procedure.pk,
        "agency": "",
        "total_hours": total,
        "total_text": "",
        "notes": "",
        "source": "{}",
        "steps-TOTAL_FORMS": str(len(steps)),
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
    }
    for i, (actor, hours) in enumerate(steps):
        data.update(
            {
                f"steps-{i}-order": str(i + 1),
                f"steps-{i}-actor": actor,
                f"steps-{i}-role": Role.SPECIALIST,
                f"steps-{i}-hours": hours,
            }
        )
    return data


def test_the_admin_refuses_step_budgets_that_do_not_add_up(admin_client, procedure):
    """As `motcua import-processes` does: the steps' hours must add up to the process's total and to the
    procedure's time limit. The admin used to save any budget and only mark the mismatch on the saved page."""
    from motcua.catalog.models import ProcedureVersion

    ProcedureVersion.objects.create(
        procedure=procedure,
        effective_from=dt.date(2020, 1, 1),
        name=procedure.name,
        field=procedure.field,
        level="commune",
        legal_days=Decimal(2),
        registered_days=Decimal(1),
    )
    url = "/admin/catalog/processtemplate/add/"
    r = admin_client.post(
        url, _template_post(procedure, "8", [("Một cửa", "2"), ("Chuyên viên", "4"), ("LĐ", "4")])
    )
    assert r.status_code == 200
    assert "Tổng thời gian các bước (10 giờ) khác tổng thời gian của quy trình (8 giờ)" in r.content.decode()
    r = admin_client.post(url, _template_post(procedure, "16", [("Chuyên viên", "12"), ("LĐ", "4")]))
    assert r.status_code == 200
    assert "khác thời hạn giải quyết đang áp dụng của thủ tục 1.001612 (8 giờ làm việc)" in r.content.decode()
    assert not ProcessTemplate.objects.exists()
    r = admin_client.post(url, _template_post(procedure, "8", [("Chuyên viên", "4"), ("LĐ", "4")]))
    assert r.status_code == 302
    assert ProcessTemplate.objects.get().step_hours_sum() == 8


def _offering_post(agency, procedure, registered_days=""):
    return {
        "agency": agency.pk,
        "procedure": procedure.pk,
        "online": "on",
        "since": "",
        "registered_days": registered_days,
    }


def test_an_offerings_cut_that_its_process_does_not_follow_is_warned_about(admin_client, procedure):
    """A cut registered on an offering changes the procedure's limit at that agency; the dossiers there follow the
    agency's own process, else the default one, whose steps must add up to it. The offering's page used to save
    the cut silently, leaving the default process (longer than the new limit) to the agency's dossiers."""
    from motcua.catalog.models import Offering, ProcedureVersion

    ProcedureVersion.objects.create(procedure=procedure, effective_from=dt.date(2020, 1, 1), name=procedure.name,
                                    field=procedure.field, level="commune", legal_days=Decimal(2))  # fmt: skip
    default = ProcessTemplate.objects.create(procedure=procedure, total_hours=16)
    default.steps.create(order=1, actor="Chuyên viên", hours=Decimal(12))
    default.steps.create(order=2, actor="Lãnh đạo", hours=Decimal(4))
    agency = Agency.objects.create(identifier="000.00.21.H26", name="Sở KH&ĐT", level="department")

    r = admin_client.post("/admin/catalog/offering/add/", _offering_post(agency, procedure), follow=True)
    assert "quy trình nội bộ" not in r.content.decode()  # no cut: the default process fits the legal limit

    offering = Offering.objects.get()
    url = f"/admin/catalog/offering/{offering.pk}/change/"
    r = admin_client.post(url, _offering_post(agency, procedure, "1"), follow=True)
    html = r.content.decode()
    assert (
        "Sở KH&amp;ĐT — 1.001612: thời hạn tại cơ quan là 8 giờ làm việc nhưng quy trình nội bộ mặc định"
        in html
    )
    assert "có tổng 16 giờ" in html and "Hãy thêm quy trình nội bộ riêng của cơ quan" in html
    offering.refresh_from_db()
    assert offering.registered_days == 1  # saved all the same: a warning, not a refusal

    own = ProcessTemplate.objects.create(procedure=procedure, agency=agency, total_hours=8)
    own.steps.create(order=1, actor="Chuyên viên", hours=Decimal(8))
    r = admin_client.post(url, _offering_post(agency, procedure, "1"), follow=True)
    assert "quy trình nội bộ" not in r.content.decode()
    # the cut withdrawn: now the agency's own process is the one that no longer fits
    r = admin_client.post(url, _offering_post(agency, procedure, ""), follow=True)
    assert "thời hạn tại cơ quan là 16 giờ làm việc nhưng quy trình nội bộ của cơ quan có tổng 8 giờ" in (
        r.content.decode()
    )
