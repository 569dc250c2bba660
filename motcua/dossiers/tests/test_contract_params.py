"""Contract §7 names the parameters of three actions only (`apologize` with `new_return_at`, `resolve` with `outcome`,
`return_result` with `method`). Every other action is taken through the API with just its name: what its written
paper would state and was not sent (a refusal's reasons, Form 02's items, a payment request's amount) is named under
`warnings` in the answer, and the paper says it was not given. The staff pages still require those texts."""

import datetime as dt

import pytest
from django.test import Client

from motcua.dossiers import pdf
from motcua.dossiers.models import Dossier
from motcua.org.models import Role, StaffRole

from .conftest import login
from .test_api import BODY, call
from .test_pdf import squash


def _filed(c, token, **extra):
    return call(c, "post", "/api/v1/dossiers", token("citizen"), {**BODY, **extra}).json()["code"]


def _received(c, token):
    code = _filed(c, token)
    assert call(c, "post", f"/api/v1/dossiers/{code}/receive", token("officer"), {}).status_code == 200
    return code


def _post(c, tok, code, action, body=None):
    return call(c, "post", f"/api/v1/dossiers/{code}/{action}", tok, body if body is not None else {})


@pytest.mark.parametrize(
    ("action", "form", "placeholder"),
    [
        ("refuse", "refusal", "(không ghi lý do)"),
        ("request_supplement", "supplement", "(không ghi nội dung cần bổ sung)"),
    ],
)
def test_reception_actions_are_taken_with_their_name_alone(org, token, action, form, placeholder):
    c = Client()
    code = _filed(c, token)
    r = _post(c, token("officer"), code, action)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == {"refuse": "refused", "request_supplement": "supplement_requested"}[action]
    assert [w["code"] for w in body["warnings"]] == ["missing_reason"]
    assert "reason" in body["warnings"][0]["message"] and "reason" in body["warnings"][0]["message_en"]
    d = Dossier.objects.get(code=code)
    assert d.events.get(action=action).reason == ""
    assert placeholder in squash(pdf.render_form_html(form, d))


def test_a_reason_given_leaves_no_warning_and_is_printed(org, token):
    c = Client()
    code = _filed(c, token)
    r = _post(c, token("officer"), code, "refuse", {"reason": "Hồ sơ không thuộc thẩm quyền giải quyết"})
    assert r.status_code == 200 and "warnings" not in r.json()
    text = squash(pdf.render_form_html("refusal", Dossier.objects.get(code=code)))
    assert "Hồ sơ không thuộc thẩm quyền giải quyết" in text and "(không ghi lý do)" not in text
    # items alone are what Form 02 states: no warning either
    code2 = _filed(c, token)
    items = [{"name": "Bản sao giấy khai sinh", "reason": "Chưa chứng thực"}]
    r = _post(c, token("officer"), code2, "request_supplement", {"items": items})
    assert r.status_code == 200 and "warnings" not in r.json()


def test_a_supplement_round_and_a_payment_pause_through_the_contract_alone(org, token):
    """The pause arithmetic of contract §7 reached with no parameter the contract does not name."""
    c, officer, leader = Client(), token("officer"), token("leader")
    code = _received(c, token)
    due = Dossier.objects.get(code=code).due_at
    r = _post(c, officer, code, "request_supplement")
    assert r.status_code == 200 and r.json()["state"] == "supplement_requested"
    r = _post(c, officer, code, "supplement")
    assert r.status_code == 200, r.content
    assert Dossier.objects.get(code=code).due_at >= due
    r = _post(c, leader, code, "request_payment")
    assert r.status_code == 200 and r.json()["state"] == "awaiting_payment", r.content
    assert [w["code"] for w in r.json()["warnings"]] == ["missing_amount"]
    assert "amount" not in Dossier.objects.get(code=code).events.get(action="request_payment").data
    r = _post(c, officer, code, "confirm_payment")
    assert r.status_code == 200 and r.json()["state"] in ("received", "processing"), r.content
    # an amount given is still checked
    r = _post(c, leader, code, "request_payment", {"amount": 150000.5})
    assert r.status_code == 422 and r.json()["error"] == "bad_amount"


def test_apology_with_new_return_at_alone_and_stop_with_nothing(org, token):
    c, leader = Client(), token("leader")
    code = _received(c, token)
    d = Dossier.objects.get(code=code)
    later = (d.due_at + dt.timedelta(days=7)).replace(hour=9, minute=0)
    while later.weekday() >= 5:
        later += dt.timedelta(days=1)
    r = _post(c, leader, code, "apologize", {"new_return_at": later.isoformat()})
    assert r.status_code == 200, r.content
    assert [w["code"] for w in r.json()["warnings"]] == ["missing_reason"]
    assert "(không ghi lý do)" in squash(pdf.render_form_html("apology", Dossier.objects.get(code=code)))
    r = _post(c, leader, code, "stop")
    assert r.status_code == 200 and r.json()["state"] == "stopped", r.content
    assert "(không ghi lý do)" in squash(pdf.render_form_html("stop", Dossier.objects.get(code=code)))


def test_an_ineligibility_notice_without_reasons_is_taken_with_a_warning(org, token):
    c, leader = Client(), token("leader")
    code = _received(c, token)
    r = _post(c, leader, code, "resolve", {"outcome": "ineligible"})
    assert r.status_code == 200 and r.json()["state"] == "resolved", r.content
    assert [w["code"] for w in r.json()["warnings"]] == ["missing_reason"]
    assert "(không ghi lý do)" in squash(pdf.render_form_html("ineligible", Dossier.objects.get(code=code)))
    # an approved result states no reasons: no warning
    code2 = _received(c, token)
    r = _post(c, leader, code2, "resolve", {"outcome": "approved"})
    assert r.status_code == 200 and "warnings" not in r.json()


@pytest.mark.parametrize(
    ("action", "who", "fields"),
    [
        ("refuse", "officer", {}),
        ("request_supplement", "officer", {"item_name": ["Bản sao giấy khai sinh"], "item_reason": [""]}),
        ("stop", "leader", {}),
    ],
)
def test_the_staff_pages_still_require_the_reason(client, org, token, action, who, fields):
    c = Client()
    code = _filed(c, token)
    if action == "stop":
        _post(c, token("officer"), code, "receive")
    d = Dossier.objects.get(code=code)
    login(client, org, who)
    r = client.post(
        f"/staff/dossiers/{code}/act/{action}/", {"expected_version": d.version, "reason": "  ", **fields}
    )
    assert r.status_code in (200, 400, 422), r.status_code
    after = Dossier.objects.get(code=code)
    assert (after.state, after.version) == (d.state, d.version)


def test_assign_without_an_assignee_gives_the_step_to_its_only_holder(org, token):
    c = Client()
    code = _received(c, token)
    r = _post(c, token("unit_head"), code, "assign")
    assert r.status_code == 200, r.content
    d = Dossier.objects.get(code=code)
    step = d.steps.get(order=1)
    assert step.assignee == org["users"]["specialist"]
    assert d.events.get(action="assign").data["assignee"] == "cv"


def test_assign_without_an_assignee_among_several_names_them_and_changes_nothing(
    org, token, django_user_model
):
    second = django_user_model.objects.create_user("cv2", password="x")
    StaffRole.objects.create(user=second, agency=org["so"], role=Role.SPECIALIST)
    c = Client()
    code = _received(c, token)
    version = Dossier.objects.get(code=code).version
    r = _post(c, token("unit_head"), code, "assign")
    assert r.status_code == 422 and r.json()["error"] == "bad_assignee", r.content
    assert "cv, cv2" in r.json()["message"] and "cv, cv2" in r.json()["message_en"]
    d = Dossier.objects.get(code=code)
    assert d.version == version and d.steps.get(order=1).assignee is None


def test_hours_without_a_partner_agency_and_a_tracking_number_without_post_are_refused(org, token):
    """The staff forms refuse both on the field; through the API the hours were dropped and the tracking number kept
    with a return at the counter (the log and Form 06 read "at the counter, tracking no. …")."""
    c, spec, leader, officer = Client(), token("specialist"), token("leader"), token("officer")
    code = _received(c, token)
    version = Dossier.objects.get(code=code).version
    r = _post(c, spec, code, "hand_over", {"hours": 8})
    assert r.status_code == 422 and r.json()["error"] == "bad_hours", r.content
    assert Dossier.objects.get(code=code).version == version
    assert _post(c, spec, code, "hand_over").status_code == 200
    assert _post(c, leader, code, "resolve", {"outcome": "approved"}).status_code == 200
    version = Dossier.objects.get(code=code).version
    r = _post(c, officer, code, "return_result", {"method": "counter", "tracking_number": "EE123456789VN"})
    assert r.status_code == 422 and r.json()["error"] == "bad_tracking_number", r.content
    assert Dossier.objects.get(code=code).version == version
    r = _post(c, officer, code, "return_result", {"method": "post", "tracking_number": "EE123456789VN"})
    assert r.status_code == 200 and r.json()["state"] == "returned", r.content


def test_the_forms_are_listed_and_downloaded_through_the_api_by_those_entitled(org, token):
    """Every form is a PDF downloadable by those entitled (issue 3): the staff pages and the portal served them, the
    API did not. Staff get every form issued; the applicant those addressed to them; others nothing."""
    c, citizen, officer = Client(), token("citizen"), token("officer")
    code = _filed(c, token)
    _post(c, officer, code, "request_supplement", {"items": [{"name": "Bản sao CCCD", "reason": "Mờ"}]})
    _post(c, citizen, code, "supplement")
    _post(c, officer, code, "receive")

    def forms(tok):
        r = call(c, "get", f"/api/v1/dossiers/{code}/forms", tok)
        assert r.status_code == 200, r.content
        return {f["form"]: f for f in r.json()["forms"]}

    staff, mine = forms(officer), forms(citizen)
    assert {"receipt", "supplement", "control"} <= set(staff)
    assert {"receipt", "supplement"} <= set(mine) and "control" not in mine
    assert staff["receipt"]["number"] == "01" and staff["supplement"]["seq"] is not None
    r = call(c, "get", mine["receipt"]["url"], citizen)
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert f"{code}-mau-01.pdf" in r["Content-Disposition"]
    r = call(c, "get", staff["supplement"]["url"], citizen)
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    # the control slip is the agency's, not the applicant's
    assert call(c, "get", f"/api/v1/dossiers/{code}/forms/control", citizen).status_code == 404
    assert call(c, "get", f"/api/v1/dossiers/{code}/forms/control", officer).status_code == 200
    # a form not issued, a form that does not exist, another agency's officer, another citizen
    r = call(c, "get", f"/api/v1/dossiers/{code}/forms/refusal", officer)
    assert r.status_code == 404 and "refusal" in r.json()["message_en"]
    r = call(c, "get", f"/api/v1/dossiers/{code}/forms/mau99", officer)
    assert r.status_code == 404 and "receipt" in r.json()["message_en"]
    for other in ("other_officer", "citizen2"):
        assert call(c, "get", f"/api/v1/dossiers/{code}/forms", token(other)).status_code == 404
        assert call(c, "get", f"/api/v1/dossiers/{code}/forms/receipt", token(other)).status_code == 404
    assert call(c, "get", f"/api/v1/dossiers/{code}/forms/receipt").status_code == 401


def test_the_applicant_sees_what_a_payment_is_for_and_an_unpriced_one_without_a_pay_button(
    org, token, client
):
    c, leader = Client(), token("leader")
    code = _received(c, token)
    login(client, org, "citizen")
    r = _post(
        c, leader, code, "request_payment", {"amount": 150000, "reason": "Lệ phí đăng ký hộ kinh doanh"}
    )
    assert r.status_code == 200
    page = squash(client.get(f"/ho-so-cua-toi/{code}/").content.decode())
    assert (
        "Lệ phí đăng ký hộ kinh doanh" in page and "150.000 đồng" in page and "Thanh toán trực tuyến" in page
    )
    _post(c, token("officer"), code, "confirm_payment")
    assert _post(c, leader, code, "request_payment").status_code == 200  # no amount, no content
    page = squash(client.get(f"/ho-so-cua-toi/{code}/").content.decode())
    assert "Thực hiện nghĩa vụ tài chính" in page and "chưa ghi số tiền phải nộp" in page
    assert "Thanh toán trực tuyến" not in page


def test_the_applicants_page_names_the_authorised_representative(org, token, client):
    rep = {"name": "Trần Văn Bốn", "authorisation_document": "Giấy ủy quyền số 12/2026"}
    code = _filed(Client(), token, representative=rep)
    login(client, org, "citizen")
    page = squash(client.get(f"/ho-so-cua-toi/{code}/").content.decode())
    assert "Người được ủy quyền" in page and "Trần Văn Bốn (Giấy ủy quyền số 12/2026)" in page
