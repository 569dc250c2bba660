"""The first step of a process that begins at the one-stop unit is the receiving officer's: the heads' "to assign"
inbox listed the reception step as "chưa phân công" while the officer was doing it."""

import pytest
from django.test import Client

from motcua.catalog.models import ProcessStep, ProcessTemplate
from motcua.core.models import ApiToken
from motcua.dossiers.models import Dossier
from motcua.org.models import Role, StaffRole

from .conftest import login
from .test_api import BODY, call


@pytest.fixture
def one_stop_first(org):
    """The Sở's own process for the procedure: the one-stop unit's step, then the specialist's (24 hours)."""
    tpl = ProcessTemplate.objects.create(procedure=org["procedure"], agency=org["so"], total_hours=24)
    ProcessStep.objects.create(template=tpl, order=1, actor="Bộ phận Một cửa", role=Role.OFFICER, hours=4)
    ProcessStep.objects.create(
        template=tpl, order=2, actor="Chuyên viên Phòng ĐKKD", role=Role.SPECIALIST, hours=20
    )
    return org


def _received_by(c, org, tok):
    code = call(c, "post", "/api/v1/dossiers", ApiToken.issue(org["users"]["citizen"]), BODY).json()["code"]
    r = call(c, "post", f"/api/v1/dossiers/{code}/receive", tok, {})
    assert r.status_code == 200, r.content
    return Dossier.objects.get(code=code)


def test_the_receiving_officer_holds_the_one_stop_step(one_stop_first, client):
    org = one_stop_first
    d = _received_by(Client(), org, ApiToken.issue(org["users"]["officer"]))
    first, second = d.steps.order_by("order")
    assert (first.role, first.assignee, first.started_at is not None) == (
        Role.OFFICER,
        org["users"]["officer"],
        True,
    )
    assert second.assignee is None
    # not in the unit head's "to assign" list
    login(client, org, "unit_head")
    page = client.get("/staff/?tab=assign").content.decode()
    assert d.code not in page


def test_a_receiver_who_is_no_one_stop_officer_leaves_it_to_be_assigned(one_stop_first, django_user_model):
    org = one_stop_first
    root = django_user_model.objects.create_superuser("root", password="x")
    d = _received_by(Client(), org, ApiToken.issue(root))
    assert d.steps.get(order=1).assignee is None


def test_a_first_step_of_another_role_is_not_given_to_the_officer(org):
    d = _received_by(Client(), org, ApiToken.issue(org["users"]["officer"]))
    first = d.steps.get(order=1)
    assert first.role == Role.SPECIALIST and first.assignee is None


def test_the_control_slips_reception_row_names_who_received_the_step(one_stop_first, django_user_model):
    """Form 06's first row (Giao: the one-stop unit → Nhận: the first step) names the person who took the step at
    reception; a later reassignment does not rewrite who held it then."""
    from motcua.dossiers import pdf, services

    org = one_stop_first
    officer = org["users"]["officer"]
    d = _received_by(Client(), org, ApiToken.issue(officer))
    reception = pdf.control_context(d)["rows"][0]
    assert reception["note"] == "Tiếp nhận hồ sơ, chuyển xử lý"
    assert reception["receiver_unit"] == "Bộ phận Một cửa"
    assert reception["receiver"] == (officer.get_full_name() or officer.username)
    # a colleague takes the step over: the reception row still names the receiving officer, the assignment row
    # the colleague
    colleague = django_user_model.objects.create_user("mc3", first_name="Lê Thị Hoa")
    StaffRole.objects.create(user=colleague, agency=org["so"], role=Role.OFFICER)
    d = services.dossier_act(
        code=d.code, action="assign", actor=org["users"]["leader"], params={"assignee": "mc3"}
    )
    rows = pdf.control_context(d)["rows"]
    assert rows[0]["receiver"] == (officer.get_full_name() or officer.username)
    assert rows[1]["receiver"] == "Lê Thị Hoa" and "thay cho" in rows[1]["note"]
    # a receiver who is no one-stop officer left the step to be assigned: nobody took it at reception
    root = django_user_model.objects.create_superuser("root", password="x")
    unassigned = _received_by(Client(), org, ApiToken.issue(root))
    assert pdf.control_context(unassigned)["rows"][0]["receiver"] == ""
