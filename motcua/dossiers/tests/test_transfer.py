"""Handing a colleague's open steps to another (chuyển giao công việc): a head reassigns, each dossier by the
`assign` action with the previous holder and the reason recorded; paused dossiers, steps reassigned meanwhile,
wrong recipients and people who are not heads change nothing."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from motcua.core.errors import PermissionDenied, Unprocessable
from motcua.dossiers import pdf, services, transfer
from motcua.dossiers.models import Dossier, DossierStep
from motcua.org.models import Role, StaffRole

from .conftest import act, local
from .test_lifecycle import file_online


@pytest.fixture
def desk(org):
    """Three dossiers whose first step the unit head gave to the specialist 'cv': one being processed, one back
    with the applicant for a supplement (clock paused), one resolved (its steps are no longer work). A second
    specialist 'cv2' works in the same agency."""
    cv2 = get_user_model().objects.create_user("cv2", password="pw-123456-x", first_name="Lê Bình")
    StaffRole.objects.create(user=cv2, agency=org["so"], role=Role.SPECIALIST)
    org["users"]["specialist2"] = cv2
    made = []
    for i in range(3):
        d = file_online(org, local(2025, 3, 3, 8, 10 + i))
        act(org, d, "receive", "officer", local(2025, 3, 3, 9, i))
        made.append(act(org, d, "assign", "unit_head", local(2025, 3, 3, 9, 30 + i), step=1, assignee="cv"))
    busy, paused, done = made
    act(
        org, paused, "request_supplement", "specialist", local(2025, 3, 3, 11, 0), reason="Thiếu bản sao CCCD"
    )
    act(org, done, "resolve", "leader", local(2025, 3, 4, 9, 0), outcome="approved")
    return {"busy": busy, "paused": paused, "done": done}


def _step1(d):
    return DossierStep.objects.select_related("assignee").get(dossier=d, order=1)


def _state(d):
    d = Dossier.objects.get(pk=d.pk)
    return d.state, d.version, d.events.count(), d.due_at, _step1(d).assignee.username


def test_a_head_hands_the_open_steps_on_and_the_history_says_from_whom_and_why(org, desk):
    StaffRole.objects.filter(user=org["users"]["specialist"]).update(active=False)  # rotated to another post
    busy, paused = desk["busy"], desk["paused"]
    due_before = Dossier.objects.get(pk=busy.pk).due_at
    held = transfer.holders(org["so"])
    assert [(h.username, h.steps, h.assignable, h.still_here) for h in held] == [("cv", 2, 1, False)]
    assert transfer.stranded_count(org["users"]["unit_head"]) == 2
    paused_before = _state(paused)

    outcomes = transfer.steps_transfer(
        actor=org["users"]["unit_head"],
        agency=org["so"],
        from_username="cv",
        to_username="cv2",
        step_ids=[_step1(busy).pk, _step1(paused).pk],
        reason="Luân chuyển vị trí công tác",
    )

    assert [(o.code, o.done) for o in outcomes] == [(busy.code, True), (paused.code, False)]
    assert "tiếp tục xử lý" in outcomes[1].message and "resumes" in outcomes[1].message_en
    assert _state(paused) == paused_before  # paused: left exactly as it was
    d = Dossier.objects.get(pk=busy.pk)
    assert _step1(d).assignee.username == "cv2" and d.due_at == due_before
    event = d.events.order_by("-seq").first()
    assert event.action == "assign" and event.actor == org["users"]["unit_head"]
    assert event.data["assignee"] == "cv2" and event.data["previous_assignee"] == "cv"
    assert "Luân chuyển vị trí công tác" in event.reason
    assert services.verify_chain(d) == []
    # the control slip (Form 06) says whose work it was
    rows = pdf.control_rows(d, list(d.events.order_by("seq")), list(d.steps.order_by("order")))
    assert "thay cho cv" in rows[-1]["note"] and rows[-1]["receiver"] == "Lê Bình"
    assert transfer.stranded_count(org["users"]["unit_head"]) == 1  # the paused one, until it resumes


def test_only_the_agencys_heads_transfer_and_only_to_its_working_staff(org, desk):
    busy = desk["busy"]
    ids = [_step1(busy).pk]
    before = _state(busy)
    for who in ("specialist", "officer", "overseer", "other_officer"):
        with pytest.raises(PermissionDenied):
            transfer.steps_transfer(
                actor=org["users"][who],
                agency=org["so"],
                from_username="cv",
                to_username="cv2",
                step_ids=ids,
                reason="Nghỉ phép",
            )
    head = org["users"]["leader"]
    for to, reason in [
        ("gs", "Nghỉ phép"),  # an overseer reads, never works a step
        ("thue", "Nghỉ phép"),  # another agency's specialist
        ("congdan", "Nghỉ phép"),
        ("cv", "Nghỉ phép"),  # the holder themselves
        ("cv2", "   "),  # no reason
        ("cv2", "x" * 501),
    ]:
        with pytest.raises(Unprocessable):
            transfer.steps_transfer(
                actor=head, agency=org["so"], from_username="cv", to_username=to, step_ids=ids, reason=reason
            )
    assert _state(busy) == before


def test_a_step_reassigned_meanwhile_is_not_taken_from_its_new_holder(org, desk):
    busy = desk["busy"]
    step = _step1(busy)
    act(org, busy, "assign", "unit_head", local(2025, 3, 3, 14, 0), step=1, assignee="tp")
    before = _state(busy)
    [outcome] = transfer.steps_transfer(
        actor=org["users"]["unit_head"],
        agency=org["so"],
        from_username="cv",
        to_username="cv2",
        step_ids=[step.pk],
        reason="Nghỉ phép",
    )
    assert not outcome.done and "phân công lại" in outcome.message
    assert _state(busy) == before and before[-1] == "tp"


def test_the_page_lists_holders_and_transfers_what_was_ticked(org, desk):
    StaffRole.objects.filter(user=org["users"]["specialist"]).update(active=False)
    c = Client()
    c.force_login(org["users"]["unit_head"])
    inbox = c.get("/staff/").content.decode()
    assert 'id="stranded"' in inbox and "/staff/chuyen-giao/" in inbox
    page = c.get("/staff/chuyen-giao/").content.decode()
    assert 'data-holder="cv"' in page and "Không còn vai trò xử lý tại cơ quan" in page
    page = c.get("/staff/chuyen-giao/?from=cv").content.decode()
    assert desk["busy"].code in page and desk["paused"].code in page and desk["done"].code not in page
    # the receivers offered: who may hold a specialist's step (a specialist, or a head above), not the officer
    receivers = re.findall(r'<option value="([^"]+)"', page[page.index('name="to"') :].split("</select>")[0])
    assert "cv2" in receivers and "tp" in receivers and "mc" not in receivers, receivers
    busy = desk["busy"]
    before = _state(busy)
    # nothing ticked, or no recipient: the page says so and nothing moves
    r = c.post(
        "/staff/chuyen-giao/", {"agency": "000.00.21.H26", "from": "cv", "to": "cv2", "reason": "Nghỉ"}
    )
    assert r.status_code == 400 and "Chọn ít nhất một hồ sơ" in r.content.decode()
    r = c.post(
        "/staff/chuyen-giao/",
        {"agency": "000.00.21.H26", "from": "cv", "steps": [_step1(busy).pk], "to": "", "reason": "Nghỉ"},
    )
    assert r.status_code == 400
    assert _state(busy) == before
    r = c.post(
        "/staff/chuyen-giao/",
        {
            "agency": "000.00.21.H26",
            "from": "cv",
            "steps": [_step1(busy).pk],
            "to": "cv2",
            "reason": "Nghỉ phép 01/12–05/12",
        },
        follow=True,
    )
    text = r.content.decode()
    assert r.status_code == 200 and "Đã chuyển giao 1 bước xử lý" in text
    assert _step1(busy).assignee.username == "cv2"
    detail = c.get(f"/staff/dossiers/{busy.code}/").content.decode()
    assert "Thay cho:" in detail


def test_the_page_is_for_heads(org, desk):
    c = Client()
    c.force_login(org["users"]["specialist"])
    r = c.get("/staff/chuyen-giao/")
    assert r.status_code == 403
    c.force_login(org["users"]["unit_head"])
    assert c.get("/staff/chuyen-giao/?agency=000.00.22.H26").status_code == 404  # not an agency they head
    assert "chuyen-giao" not in Client().get("/staff/").get("Location", "/accounts/login/")
