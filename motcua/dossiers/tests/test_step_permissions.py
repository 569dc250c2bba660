"""Who may act on a step: the partner agency of an inter-agency step works on its step only; a step is completed by
its assignee, the holders of its role there or that agency's heads; a step goes only to staff of its agency. And
what the staff screens offer: appointments the office can keep, actions that can succeed, highlights by working
time."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from motcua.core.errors import PermissionDenied, Unprocessable
from motcua.dossiers import services
from motcua.dossiers.models import Dossier
from motcua.dossiers.selectors import apology_candidates, due_status
from motcua.org.models import Role, StaffRole

from .conftest import act, local
from .test_lifecycle import file_online

TAX = "000.00.40.H26"


def _tax_leader(org):
    u = get_user_model().objects.create_user("ld.thue", password="pw-123456-x")
    StaffRole.objects.create(user=u, agency=org["tax"], role=Role.LEADER)
    org["users"]["tax_leader"] = u
    return u


def at_the_tax_office(org):
    """Received at the department, the specialist's step sent to the tax office (liên thông) for 4 hours."""
    d = file_online(org, local(2025, 3, 3, 8, 30))
    act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    return act(org, d, "hand_over", "specialist", local(2025, 3, 3, 10, 0), to_agency=TAX, hours=4)


def test_the_partner_agency_works_on_its_step_and_nothing_else(org):
    leader = _tax_leader(org)
    d = at_the_tax_office(org)
    assert services.current_step(d).agency == org["tax"]
    for who in ("tax_specialist", "tax_leader"):
        offered = services.allowed_actions(org["users"][who], d)
        assert "hand_over" in offered and "request_payment" in offered, who
        assert not {"resolve", "stop", "apologize", "request_supplement", "request_withdrawal"} & set(offered)
    for action, params in [
        ("resolve", {"outcome": "approved"}),
        ("stop", {"reason": "Không thuộc thẩm quyền"}),
        ("apologize", {"reason": "Chậm", "new_return_at": local(2025, 3, 12, 9, 0)}),
        ("request_supplement", {"reason": "Thiếu tờ khai thuế"}),
    ]:
        with pytest.raises(PermissionDenied):
            services.dossier_act(
                code=d.code, action=action, actor=leader, params=params, at=local(2025, 3, 3, 11)
            )
    d.refresh_from_db()
    assert (d.state, d.version, d.events.count()) == ("processing", 3, 3)
    # the tax office sets the obligation and hands its step back; the department resolves
    d = act(org, d, "request_payment", "tax_specialist", local(2025, 3, 3, 11, 0), amount="500000")
    d = act(org, d, "confirm_payment", "officer", local(2025, 3, 3, 14, 0))
    d = act(org, d, "hand_over", "tax_specialist", local(2025, 3, 3, 15, 0))
    assert services.current_step(d).agency == org["so"]
    assert "hand_over" not in services.allowed_actions(org["users"]["tax_specialist"], d)  # no longer theirs
    d = act(org, d, "resolve", "leader", local(2025, 3, 4, 9, 0), outcome="approved")
    assert d.state == "resolved"


def test_over_the_api_the_partner_gets_403_and_nothing_changes(org, token):
    _tax_leader(org)
    d = at_the_tax_office(org)
    t = token("tax_leader")
    r = Client().post(
        f"/api/v1/dossiers/{d.code}/resolve",
        {"outcome": "approved"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {t}",
    )
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert Dossier.objects.get(pk=d.pk).state == "processing"


def test_a_step_is_completed_by_its_assignee_its_role_or_the_agencys_heads(org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    # step 1 is the specialists' (Chuyên viên Phòng ĐKKD): the one-stop officer does not complete it
    assert "hand_over" not in services.allowed_actions(org["users"]["officer"], d)
    with pytest.raises(PermissionDenied):
        act(org, d, "hand_over", "officer", local(2025, 3, 3, 9, 30))
    assert "hand_over" in services.allowed_actions(org["users"]["unit_head"], d)  # a head may push it on
    d = act(org, d, "hand_over", "specialist", local(2025, 3, 3, 10, 0), to="ld")
    step = services.current_step(d)
    assert (step.order, step.role, step.assignee.username) == (2, "leader", "ld")
    # step 2 is the leader's: the specialist who handed it over cannot hand it over again
    with pytest.raises(PermissionDenied):
        act(org, d, "hand_over", "specialist", local(2025, 3, 3, 10, 5))
    assert services.current_step(Dossier.objects.get(pk=d.pk)).order == 2


def test_a_step_goes_to_a_holder_of_its_role_or_a_head_above_it(org):
    """The specialist's appraisal was given to the one-stop officer: any staff member of the agency could be named,
    so the published internal process (who appraises, who reviews, who signs) could be worked by anyone.
    A step now goes to a holder of its role, or of a head's role above it in the process line (specialist < unit
    head < leader): the head who takes over an appraisal completes it; the officer is refused (422 bad_assignee,
    nothing changed), and so is a specialist for a head's step."""
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    step = services.current_step(d)
    assert step.role == "specialist"
    with pytest.raises(Unprocessable) as refused:
        act(
            org, d, "assign", "unit_head", local(2025, 3, 3, 9, 10), assignee="mc"
        )  # the officer, by the head
    assert refused.value.code == "bad_assignee" and "chuyên viên xử lý" in refused.value.message
    assert "specialist" in refused.value.message_en.lower()
    d.refresh_from_db()
    assert services.current_step(d).assignee_id is None and d.events.count() == 2
    # the screens offer only those who may hold it
    from motcua.dossiers.forms import AssignForm, HandOverForm

    offered = [
        u for u, _label in AssignForm(dossier=d, user=org["users"]["unit_head"]).fields["assignee"].choices
    ]
    assert "cv" in offered and "tp" in offered and "mc" not in offered
    offered = [
        u for u, _label in HandOverForm(dossier=d, user=org["users"]["specialist"]).fields["to"].choices
    ]
    assert offered == ["", "ld"]  # step 2 is the agency leader's: neither the unit head nor the officer
    d = act(org, d, "assign", "unit_head", local(2025, 3, 3, 9, 10), assignee="tp")  # the head takes it over
    d = act(org, d, "hand_over", "unit_head", local(2025, 3, 3, 9, 30))
    assert services.current_step(d).order == 2
    assert services.may_hold_step({"unit_head"}, "specialist") and services.may_hold_step(
        {"leader"}, "unit_head"
    )
    assert not services.may_hold_step({"specialist"}, "unit_head")
    assert not services.may_hold_step({"officer"}, "specialist") and not services.may_hold_step(
        {"leader"}, "officer"
    )
    assert (
        services.may_hold_step({"officer"}, "") and services.may_hold_step({"specialist"}, "officer") is False
    )


@pytest.mark.parametrize(
    "params",
    [
        {"to": "congdan"},  # a citizen
        {"to": "mc2"},  # staff of another agency
        {"to": "nobody"},  # no such account
        {"to_agency": TAX, "hours": 4, "to": "ld"},  # the department's leader for the tax office's step
    ],
)
def test_a_step_goes_only_to_staff_of_its_agency(org, params):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    with pytest.raises(Unprocessable) as refused:
        act(org, d, "hand_over", "specialist", local(2025, 3, 3, 10, 0), **params)
    assert refused.value.code == "bad_assignee"
    d.refresh_from_db()
    assert services.current_step(d).order == 1 and d.events.count() == 2 and d.steps.count() == 2


def test_the_tax_office_step_can_be_given_to_its_own_specialist(org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    d = act(org, d, "hand_over", "specialist", local(2025, 3, 3, 10, 0), to_agency=TAX, hours=4, to="thue")
    assert services.current_step(d).assignee.username == "thue"


@pytest.mark.parametrize(
    "new_return_at, said",
    [
        (local(2025, 3, 16, 10, 0), "16/03/2025 là ngày nghỉ"),  # a Sunday
        (local(2025, 3, 12, 23, 30), "trong giờ làm việc (08:00–12:00, 13:00–17:00)"),  # at night
        (local(2025, 3, 12, 12, 30), "trong giờ làm việc (08:00–12:00, 13:00–17:00)"),  # lunch break
        (local(2025, 4, 30, 9, 0), "30/04/2025 là ngày nghỉ"),  # Reunification Day
    ],
)
def test_a_new_return_date_is_one_the_office_can_keep(org, new_return_at, said):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))  # due Thu 06/03 09:00
    with pytest.raises(Unprocessable) as refused:
        act(
            org,
            d,
            "apologize",
            "leader",
            local(2025, 3, 4, 9, 0),
            reason="Chờ xác minh",
            new_return_at=new_return_at,
        )
    assert refused.value.code == "bad_new_date" and said in str(refused.value)
    d = act(org, d, "apologize", "leader", local(2025, 3, 4, 9, 0), reason="Chờ xác minh",
            new_return_at=local(2025, 3, 12, 17, 0))  # fmt: skip
    assert d.new_return_at == local(2025, 3, 12, 17, 0)


def test_the_screens_offer_only_actions_that_can_succeed(org, monkeypatch):
    officer, leader = org["users"]["officer"], org["users"]["leader"]

    def on(instant):  # the screens look at the dossier at this instant
        monkeypatch.setattr("django.utils.timezone.now", lambda: instant)

    d = file_online(org, local(2025, 3, 3, 8, 30))
    assert "apologize" not in services.allowed_actions(leader, d)  # no appointment yet
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    d = act(org, d, "request_supplement", "specialist", local(2025, 3, 3, 10, 0), reason="Thiếu bản sao")
    assert "refuse" not in services.allowed_actions(officer, d)  # received: no refusal at reception any more
    d = act(org, d, "supplement", "citizen", local(2025, 3, 3, 14, 0))  # due Thu 06/03 (moved by the pause)
    on(local(2025, 3, 5, 16, 0))
    assert "apologize" in services.allowed_actions(leader, d)
    on(local(2025, 3, 6, 8, 0))  # the due day: too late for an apology (the lifecycle refuses it)
    assert "apologize" not in services.allowed_actions(leader, d)
    monkeypatch.undo()
    d = act(org, d, "apologize", "leader", local(2025, 3, 4, 9, 0), reason="Chờ xác minh",
            new_return_at=local(2025, 3, 12, 9, 0))  # fmt: skip
    assert "apologize" not in services.allowed_actions(leader, d)  # once
    e = file_online(org, local(2025, 3, 3, 8, 40))
    e = act(org, e, "request_supplement", "officer", local(2025, 3, 3, 9, 0), reason="Thiếu tờ khai")
    assert "refuse" in services.allowed_actions(officer, e)  # before reception: still possible


def test_due_highlights_count_working_time_and_stop_while_paused(org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))  # due Thu 06/03 09:00
    assert due_status(d, local(2025, 3, 4, 16, 0)) == ""
    assert due_status(d, local(2025, 3, 5, 10, 0)) == "due_soon"  # 7 working hours left
    assert due_status(d, local(2025, 3, 6, 9, 1)) == "overdue"
    # due on Monday morning, looked at on Friday afternoon: one working day away, though 64 hours in the calendar
    e = file_online(org, local(2025, 3, 4, 8, 30))
    e = act(org, e, "receive", "officer", local(2025, 3, 4, 14, 0))  # due Fri 07/03 14:00
    e = act(org, e, "request_supplement", "specialist", local(2025, 3, 5, 9, 0), reason="Bổ sung")
    assert due_status(e, local(2025, 3, 11, 9, 0)) == ""  # paused before its due time: the clock is stopped
    assert e not in apology_candidates(now=local(2025, 3, 6, 9, 0))  # nothing to apologise for while paused
    e = act(org, e, "supplement", "citizen", local(2025, 3, 7, 9, 0))
    assert e.due_at == local(2025, 3, 11, 14, 0)  # moved by the 16 working hours paused
    assert (
        due_status(e, local(2025, 3, 10, 15, 0)) == "due_soon"
        and due_status(e, local(2025, 3, 7, 15, 0)) == ""
    )


def test_an_amount_is_typed_as_officers_write_it(client, org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    client.force_login(org["users"]["specialist"])
    url = f"/staff/dossiers/{d.code}/act/request_payment/"
    refused = client.post(url, {"amount": "500.000,5", "expected_version": d.version})
    assert refused.status_code == 400 and "ví dụ 500000 hoặc 500.000" in refused.content.decode()
    assert Dossier.objects.get(pk=d.pk).state == "received"
    r = client.post(url, {"amount": "0", "expected_version": d.version})
    assert r.status_code == 400 and "Số tiền phải từ 1 đồng trở lên." in r.content.decode()
    done = client.post(url, {"amount": "1.500.000 đ", "reason": "Lệ phí", "expected_version": d.version})
    assert done.status_code == 302
    assert Dossier.objects.get(pk=d.pk).events.get(action="request_payment").data["amount"] == 1500000
    assert "Số tiền: 1.500.000 đồng" in client.get(f"/staff/dossiers/{d.code}/").content.decode()


def test_each_agency_assigns_its_own_steps_only(org):
    """The tax office assigns its inter-agency step, not the department's next one; the department's unit head
    assigns the department's steps, not the tax office's."""
    tax_head = get_user_model().objects.create_user("tp.thue", password="pw-123456-x")
    StaffRole.objects.create(user=tax_head, agency=org["tax"], role=Role.UNIT_HEAD)
    d = at_the_tax_office(org)  # steps: 1 department (done), 2 tax (current), 3 department's leader
    tax_step, next_step = services.current_step(d).order, services.current_step(d).order + 1
    with pytest.raises(PermissionDenied):
        services.dossier_act(code=d.code, action="assign", actor=tax_head, at=local(2025, 3, 3, 10, 30),
                             params={"step": next_step, "assignee": "ld"})  # fmt: skip
    with pytest.raises(PermissionDenied):
        act(org, d, "assign", "unit_head", local(2025, 3, 3, 10, 30), step=tax_step, assignee="thue")
    d = services.dossier_act(code=d.code, action="assign", actor=tax_head, at=local(2025, 3, 3, 10, 40),
                             params={"step": tax_step, "assignee": "thue"})  # fmt: skip
    assert services.current_step(d).assignee.username == "thue"
    d = act(org, d, "assign", "unit_head", local(2025, 3, 3, 10, 50), step=next_step, assignee="ld")
    assert d.steps.get(order=next_step).assignee.username == "ld"
    # the web form offers each its own agency's steps
    from motcua.dossiers.forms import AssignForm

    assert [c[0] for c in AssignForm(dossier=d, user=tax_head).fields["step"].choices] == [tax_step]
    assert [c[0] for c in AssignForm(dossier=d, user=org["users"]["unit_head"]).fields["step"].choices] == [
        next_step
    ]


def test_an_overseer_is_never_given_a_step(org):
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    watcher = get_user_model().objects.create_user("gs.so", password="pw-123456-x")
    StaffRole.objects.create(user=watcher, agency=org["so"], role=Role.OVERSEER)
    with pytest.raises(Unprocessable) as refused:
        act(org, d, "assign", "unit_head", local(2025, 3, 3, 9, 10), assignee="gs.so")
    assert refused.value.code == "bad_assignee"
    from motcua.dossiers.forms import AssignForm

    assert "gs.so" not in [
        c[0] for c in AssignForm(dossier=d, user=org["users"]["unit_head"]).fields["assignee"].choices
    ]


def test_a_pause_still_open_at_resolution_counts_as_paused(org):
    """The applicant asks to withdraw while a supplement is awaited; the leader resolves anyway: the paused working
    time moves the due instant and is not counted as processing, as at a resume (it stayed open for good)."""
    from motcua.reports import verify

    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))  # due Thu 06/03 09:00
    d = act(org, d, "request_supplement", "specialist", local(2025, 3, 4, 9, 0), reason="Thiếu bản sao")
    d = services.dossier_act(code=d.code, action="request_withdrawal", actor=org["users"]["citizen"],
                             params={"reason": "Không còn nhu cầu"}, at=local(2025, 3, 5, 9, 0))  # fmt: skip
    d = act(org, d, "resolve", "leader", local(2025, 3, 7, 9, 0), outcome="approved")
    assert d.paused_since is None
    assert d.due_at == local(2025, 3, 11, 9, 0)  # moved by the 24 working hours paused
    assert d.classification == "early" and d.processing_seconds == 8 * 3600  # 03/03 09:00 – 04/03 09:00
    report = verify.verify(date_from=local(2025, 3, 1).date(), date_to=local(2025, 3, 31).date(),
                           now=local(2025, 4, 1, 9))  # fmt: skip
    assert report.dossier_diffs == [] and report.agency_diffs == []
