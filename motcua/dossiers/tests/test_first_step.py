"""The first step of a process that begins at the one-stop unit is the receiving officer's: the heads' "to assign"
inbox listed the reception step as "chưa phân công" while the officer was doing it."""

import pytest
from django.test import Client

from motcua.catalog.models import ProcessStep, ProcessTemplate
from motcua.core.models import ApiToken
from motcua.dossiers.models import Dossier
from motcua.org.models import Role

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
