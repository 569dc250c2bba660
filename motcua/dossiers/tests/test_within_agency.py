"""At an inter-agency step (liên thông) the partner agency works the step through its own people: its specialist
drafts the reply and hands the step to the agency's head to sign (trình ký) with `hand_over` + `within_agency`;
the step stays the same, with the same due instant (one budget for the partner's work), and the head's ordinary
`hand_over` sends the dossier on. ADR 0004, addendum 28/11/2026."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from motcua.core.errors import Unprocessable
from motcua.dossiers import pdf, services
from motcua.dossiers.models import Dossier, DossierEvent, DossierStep
from motcua.org.models import Role, StaffRole

from .conftest import act, local, login
from .test_lifecycle import file_online
from .test_pdf import form_text, squash

TAX = "000.00.40.H26"


@pytest.fixture
def tax_org(org):
    """The tax office (Cục Thuế) with a leader besides its specialist, both with names."""
    head = get_user_model().objects.create_user(
        "ld.thue", password="pw-123456-x", first_name="Trần Văn", last_name="Thuế"
    )
    StaffRole.objects.create(user=head, agency=org["tax"], role=Role.LEADER)
    org["users"]["tax_leader"] = head
    cv = org["users"]["tax_specialist"]
    cv.first_name, cv.last_name = "Lê Thị", "Mai"
    cv.save()
    return org


def at_the_tax_office(org):
    """Received at the Sở on 03/03/2025 09:00; its specialist sends step 1 on to the tax office at 10:00 for 4
    working hours (due 15:00 the same day), to the tax specialist 'thue'. The Sở's leader's step follows."""
    d = file_online(org, local(2025, 3, 3, 8, 30))
    act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    return act(org, d, "hand_over", "specialist", local(2025, 3, 3, 10, 0), to_agency=TAX, hours=4, to="thue")


def post(d, who_token, body):
    return Client().post(
        f"/api/v1/dossiers/{d.code}/hand_over",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {who_token}",
    )


def state_of(d) -> tuple:
    """The dossier row, its events and its steps as stored: what a refusal must leave as it was."""
    return (
        Dossier.objects.filter(pk=d.pk).values().get(),
        list(DossierEvent.objects.filter(dossier=d).order_by("seq").values()),
        list(DossierStep.objects.filter(dossier=d).order_by("order").values()),
    )


def test_specialist_to_head_to_the_receiving_agency_over_the_api(tax_org, token, monkeypatch):
    org = tax_org
    d = at_the_tax_office(org)
    due, step_due = d.due_at, services.current_step(d).due_at
    assert step_due == local(2025, 3, 3, 15, 0)

    monkeypatch.setattr(services, "live_instant", lambda: local(2025, 3, 3, 11, 0))
    r = post(d, token("tax_specialist"), {"within_agency": True, "to": "ld.thue", "note": "Dự thảo công văn"})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["state"] == "processing" and body["due_at"] == "2025-03-06T09:00:00+07:00"
    steps = body["steps"]
    assert len(steps) == 3  # no step added: the partner's work keeps its one step and budget
    assert steps[1] == {
        **steps[1],
        "order": 2,
        "agency": TAX,
        "assignee": "ld.thue",
        "started_at": "2025-03-03T10:00:00+07:00",
        "due_at": "2025-03-03T15:00:00+07:00",
        "completed_at": None,
        "classification": None,
        "hours": 4.0,
    }
    assert steps[2]["started_at"] is None  # the Sở's leader's step has not begun
    sub = DossierEvent.objects.get(dossier=d, seq=4)
    assert (sub.action, sub.actor_name, sub.at, sub.step_order) == (
        "hand_over",
        "thue",
        local(2025, 3, 3, 11, 0),
        2,
    )
    assert (sub.from_state, sub.to_state) == ("processing", "processing")
    assert sub.data == {
        "within_agency": True,
        "from_step": 2,
        "from_actor": "Cục Thuế",
        "from_agency": TAX,
        "giver": "thue",
        "to_step": 2,
        "to_actor": "Cục Thuế",
        "to_agency": TAX,
        "receiver": "ld.thue",
        "step_due_at": "2025-03-03T08:00:00+00:00",
        "inter_agency": True,
        "part_result": "on_time",  # 11:00 against 15:00 the same day
        "note": "Dự thảo công văn",
    }
    d = Dossier.objects.get(pk=d.pk)
    assert d.due_at == due and services.current_step(d).due_at == step_due
    # the head's inbox holds it now
    from motcua.dossiers.selectors import inbox

    assert list(inbox(org["users"]["tax_leader"], "process").values_list("code", flat=True)) == [d.code]

    # the head signs at 16:00 and hands it back with an ordinary hand_over: judged against 15:00, late — the
    # sub-hand-over gave the tax office no new hours
    monkeypatch.setattr(services, "live_instant", lambda: local(2025, 3, 3, 16, 0))
    r = post(d, token("tax_leader"), {})
    assert r.status_code == 200, r.json()
    steps = r.json()["steps"]
    assert steps[1]["completed_at"] == "2025-03-03T16:00:00+07:00" and steps[1]["classification"] == "late"
    assert steps[2]["started_at"] == "2025-03-03T16:00:00+07:00" and steps[2]["agency"] == "000.00.21.H26"
    back = DossierEvent.objects.get(dossier=d, seq=5)
    assert back.actor_name == "ld.thue" and "within_agency" not in back.data
    assert (
        back.data["from_step"],
        back.data["step_result"],
        back.data["to_step"],
        back.data["to_agency"],
    ) == (
        2,
        "late",
        3,
        "000.00.21.H26",
    )
    d = Dossier.objects.get(pk=d.pk)
    assert d.due_at == due and d.version == 5
    assert services.verify_chain(d) == []
    # and the Sở finishes as before
    d = act(org, d, "hand_over", "leader", local(2025, 3, 4, 9, 0))
    d = act(org, d, "resolve", "leader", local(2025, 3, 4, 9, 30), outcome="approved")
    assert d.classification == "early" and services.verify_chain(d) == []


def test_the_control_slip_shows_the_sub_hand_over_as_a_row(tax_org):
    org = tax_org
    d = at_the_tax_office(org)
    d = act(org, d, "hand_over", "tax_specialist", local(2025, 3, 3, 11, 0), within_agency=True, to="ld.thue")
    d = act(org, d, "hand_over", "tax_leader", local(2025, 3, 3, 14, 30))
    rows = pdf.control_context(d)["rows"]
    sub = [r for r in rows if r["note"].startswith("Chuyển xử lý trong cơ quan phối hợp")]
    assert len(sub) == 1
    assert sub[0] == {
        **sub[0],
        "giver_unit": "Cục Thuế",
        "receiver_unit": "Cục Thuế",
        "at": "11 giờ 00 phút, ngày 03/03/2025",
        "giver": "Lê Thị Mai",
        "receiver": "Trần Văn Thuế",
        "result": "Đúng hạn",
        "note": "Chuyển xử lý trong cơ quan phối hợp, giữ hạn bước liên thông (15 giờ 00 phút, ngày 03/03/2025)",
    }
    back = rows[rows.index(sub[0]) + 1]  # the head's hand-over back to the Sở, on time against the same 15:00
    assert (back["giver_unit"], back["receiver_unit"], back["giver"], back["result"]) == (
        "Cục Thuế",
        "Lãnh đạo Sở",
        "Trần Văn Thuế",
        "Đúng hạn",
    )
    text = squash(form_text("control", d))
    assert (
        "Chuyển xử lý trong cơ quan phối hợp, giữ hạn bước liên thông (15 giờ 00 phút, ngày 03/03/2025)"
        in text
    )
    assert "Lê Thị Mai" in text and "Trần Văn Thuế" in text


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("leader", {"within_agency": True, "to": "ld.thue"}, 403, "forbidden"),  # the Sở's leader
        ("specialist", {"within_agency": True, "to": "ld.thue"}, 403, "forbidden"),  # the Sở's specialist
        ("other_officer", {"within_agency": True, "to": "ld.thue"}, 404, "not_found"),  # Sở Tư pháp
        ("tax_specialist", {"within_agency": True, "to": "ld"}, 422, "bad_assignee"),  # the Sở's leader
        ("tax_specialist", {"within_agency": True, "to": "congdan"}, 422, "bad_assignee"),  # a citizen
        ("tax_specialist", {"within_agency": True, "to": "thue"}, 422, "bad_assignee"),  # the holder
        ("tax_specialist", {"within_agency": True}, 422, "bad_assignee"),  # nobody named
        ("tax_specialist", {"within_agency": True, "to": "ld.thue", "to_agency": TAX, "hours": 2}, 422, None),
        ("tax_specialist", {"within_agency": True, "to": "ld.thue", "step": 1}, 409, "wrong_step"),
    ],
)
def test_refusals_change_nothing(tax_org, token, who, body, status, code):
    d = at_the_tax_office(tax_org)
    before = state_of(d)
    r = post(d, token(who), body)
    assert r.status_code == status, r.json()
    out = r.json()
    assert out["error"] == (code or "bad_within_agency")
    assert out["message"] and out["message_en"] and out["message"] != out["message_en"]
    assert state_of(d) == before


def test_not_at_a_partner_step(tax_org, token):
    """The receiving agency's own step is not handed on within an agency by this: 409, nothing changed."""
    org = tax_org
    d = file_online(org, local(2025, 3, 3, 8, 30))
    d = act(org, d, "receive", "officer", local(2025, 3, 3, 9, 0))
    before = state_of(d)
    r = post(d, token("specialist"), {"within_agency": True, "to": "tp"})
    assert r.status_code == 409 and r.json()["error"] == "not_inter_agency"
    assert "liên thông" in r.json()["message"] and "inter-agency" in r.json()["message_en"]
    assert state_of(d) == before
    with pytest.raises(Unprocessable) as refused:  # not a yes or no
        act(org, d, "hand_over", "specialist", local(2025, 3, 3, 10, 0), within_agency="yes", to="tp")
    assert refused.value.code == "bad_within_agency" and state_of(d) == before


def test_without_within_agency_hand_over_is_as_before(tax_org, token):
    """`within_agency: false` (or left out): the partner's colleague is refused as the next step's receiver, as
    before; the plain hand_over completes the partner's step."""
    d = at_the_tax_office(tax_org)
    before = state_of(d)
    r = post(d, token("tax_specialist"), {"within_agency": False, "to": "ld.thue"})
    assert r.status_code == 422 and r.json()["error"] == "bad_assignee"
    assert state_of(d) == before


def test_the_web_form_offers_it_to_the_partners_staff(client, tax_org):
    org = tax_org
    d = at_the_tax_office(org)
    login(client, org, "specialist")  # the Sở's specialist: its own page has no such choice
    page = client.get(f"/staff/dossiers/{d.code}/").content.decode()
    assert "Trình lãnh đạo cơ quan ký" not in page
    login(client, org, "tax_specialist")
    page = client.get(f"/staff/dossiers/{d.code}/").content.decode()
    form = page[page.index('id="act-hand_over"') :]
    form = form[: form.index("</form>")]
    assert "Trình lãnh đạo cơ quan ký / Chuyển cho cán bộ trong cơ quan" in form
    assert 'value="ld.thue"' in form and 'value="thue"' not in form.split('name="to"')[0]
    assert "giữ nguyên hạn (03/03/2025 15:00)" in form
    before = state_of(d)
    r = client.post(
        f"/staff/dossiers/{d.code}/act/hand_over/",
        {"expected_version": d.version, "within_to": "ld.thue", "to_agency": TAX, "hours": "2"},
    )
    assert r.status_code == 400 and "không chọn người nhận ở bước tiếp theo" in r.content.decode()
    assert state_of(d) == before
    r = client.post(
        f"/staff/dossiers/{d.code}/act/hand_over/",
        {"expected_version": d.version, "within_to": "ld.thue", "note": "Trình ký công văn trả lời"},
    )
    assert r.status_code == 302
    d = Dossier.objects.get(pk=d.pk)
    step = services.current_step(d)
    assert (step.order, step.assignee.username, step.due_at) == (2, "ld.thue", local(2025, 3, 3, 15, 0))
    login(client, org, "tax_leader")
    page = client.get(f"/staff/dossiers/{d.code}/").content.decode()
    assert "Chuyển trong cơ quan phối hợp (Cục Thuế) cho: Trần Văn Thuế" in page
    assert "Hạn bước liên thông giữ nguyên: 03/03/2025 15:00" in page
    r = client.post(f"/staff/dossiers/{d.code}/act/hand_over/", {"expected_version": d.version})
    assert r.status_code == 302
    d = Dossier.objects.get(pk=d.pk)
    assert services.current_step(d).order == 3 and services.verify_chain(d) == []


def test_the_specialist_cannot_send_the_step_on_unsigned(tax_org, token):
    """Once the specialist passed the step to the head to sign, the step is the head's: a plain hand_over by the
    specialist (or another holder of the step's role) is refused with the holder's name, and nothing changes; the
    head completes it. Before the pass, the specialist could."""
    org = tax_org
    d = at_the_tax_office(org)
    assert services.may_complete_step(org["users"]["tax_specialist"], d)
    d = act(org, d, "hand_over", "tax_specialist", local(2025, 3, 3, 11, 0), within_agency=True, to="ld.thue")
    d = Dossier.objects.get(pk=d.pk)
    assert not services.may_complete_step(org["users"]["tax_specialist"], d)
    assert "hand_over" not in services.allowed_actions(org["users"]["tax_specialist"], d)
    before = state_of(d)
    r = post(d, token("tax_specialist"), {})
    assert r.status_code == 403, r.json()
    out = r.json()
    assert out["error"] == "held_for_signature"
    assert "Trần Văn Thuế (ld.thue)" in out["message"] and "trình ký" in out["message"]
    assert "to sign" in out["message_en"]
    assert state_of(d) == before
    r = post(d, token("tax_leader"), {})
    assert r.status_code == 200 and r.json()["steps"][1]["completed_at"], r.json()
