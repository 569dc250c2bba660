"""The dossier API as integrators use it (contract §3, §6, §7)."""

import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.test import Client

from motcua.dossiers import services
from motcua.dossiers.models import Dossier

from .conftest import APPLICANT, limit_unset, local

CODE_RE = re.compile(r"^000\.00\.21\.H26-\d{6}-\d{4,}$")


def call(client, method, path, tok=None, json=None, **headers):
    if tok:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {tok}"
    fn = getattr(client, method)
    if json is not None:
        return fn(path, data=json, content_type="application/json", **headers)
    return fn(path, **headers)


BODY = {
    "procedure": "1.001612",
    "agency": "000.00.21.H26",
    "channel": "online",
    "applicant": APPLICANT,
    "result_method": "electronic",
}


def test_filing_checks_the_values_given_for_the_e_form(org, token):
    """Values for the version's declared e-form fields are checked as the portal checks them: a refused filing
    changes nothing and says which field is wrong, in Vietnamese and in English."""
    org["version"].form_fields = [
        {"name": "ten_ho_kinh_doanh", "label": "Tên hộ kinh doanh", "type": "text", "required": True},
        {
            "name": "von_kinh_doanh",
            "label": "Vốn kinh doanh (đồng)",
            "type": "number",
            "min": 1,
            "integer": True,
        },
    ]
    org["version"].save()
    c = Client()
    citizen = token("citizen")
    bad = {**BODY, "form_data": {"ten_ho_kinh_doanh": "Hộ An", "von_kinh_doanh": -5}}
    r = call(c, "post", "/api/v1/dossiers", citizen, bad)
    assert r.status_code == 422, r.content
    assert r.json()["error"] == "bad_form_data"
    assert "Vốn kinh doanh (đồng): Giá trị phải từ 1 trở lên." in r.json()["message"]
    assert "Vốn kinh doanh (đồng): The value must be 1 or more." in r.json()["message_en"]
    assert Dossier.objects.count() == 0
    good = {**BODY, "form_data": {"ten_ho_kinh_doanh": "Hộ An", "von_kinh_doanh": 50000000, "ghi_chu": "x"}}
    r = call(c, "post", "/api/v1/dossiers", citizen, good)
    assert r.status_code == 201, r.content
    assert r.json()["form_data"] == good["form_data"]  # kept as sent once it fits


def test_receive_through_the_api_records_paper_components(org, token):
    from motcua.catalog.models import ProcedureComponent

    ProcedureComponent.objects.create(version=org["version"], order=1, name="Giấy đề nghị")
    c = Client()
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    officer = token("officer")
    r = call(c, "post", f"/api/v1/dossiers/{code}/receive", officer, {"paper_components": "1,2"})
    assert r.status_code == 422
    r = call(c, "post", f"/api/v1/dossiers/{code}/receive", officer, {"paper_components": [1, 2]})
    assert r.status_code == 422 and r.json()["error"] == "bad_components" and "số 2" in r.json()["message"]
    assert Dossier.objects.get(code=code).state == "submitted"
    r = call(c, "post", f"/api/v1/dossiers/{code}/receive", officer, {"paper_components": [1]})
    assert r.status_code == 200, r.content
    event = Dossier.objects.get(code=code).events.get(action="receive")
    assert event.data["paper_components"] == [{"order": 1, "name": "Giấy đề nghị"}]


def test_receive_through_the_api_names_required_components_nobody_handed_in(org, token, settings, tmp_path):
    """The staff page refuses a reception that lacks a required component; the API takes it (the papers may be
    held elsewhere) and warns, naming exactly the required components with neither a file nor a paper copy."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from motcua.catalog.models import ProcedureComponent

    settings.MEDIA_ROOT = str(tmp_path / "media")
    for order, name, required in ((1, "Giấy đề nghị", True), (2, "Bản sao CCCD", True), (3, "Ảnh", False)):
        ProcedureComponent.objects.create(version=org["version"], order=order, name=name, required=required)
    ProcedureComponent.objects.create(version=org["version"], order=4, name="Sơ đồ", required=True)
    c = Client()
    citizen, officer = token("citizen"), token("officer")
    codes = [call(c, "post", "/api/v1/dossiers", citizen, BODY).json()["code"] for _ in range(2)]
    r = c.post(
        f"/api/v1/dossiers/{codes[0]}/documents",
        data={"files": [SimpleUploadedFile("don.pdf", SCAN)], "kind": "component", "component": "1"},
        HTTP_AUTHORIZATION=f"Bearer {citizen}",
    )
    assert r.status_code == 201, r.content
    r = call(c, "post", f"/api/v1/dossiers/{codes[0]}/receive", officer, {"paper_components": [4]})
    assert r.status_code == 200 and r.json()["state"] == "received"
    [warning] = r.json()["warnings"]
    assert warning["code"] == "missing_components" and warning["components"] == [2]
    assert "2. Bản sao CCCD" in warning["message"] and "Giấy đề nghị" not in warning["message"]
    assert "2. Bản sao CCCD" in warning["message_en"]
    # every required component accounted for (a file, or paper): no warning
    r = call(c, "post", f"/api/v1/dossiers/{codes[1]}/receive", officer, {"paper_components": [1, 2, 4]})
    assert r.status_code == 200 and "warnings" not in r.json()


def test_file_receive_and_read(org, token):
    c = Client()
    citizen, officer = token("citizen"), token("officer")
    r = call(c, "post", "/api/v1/dossiers", citizen, BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    assert r.status_code == 201, r.content
    body = r.json()
    code = body["code"]
    assert CODE_RE.match(code) and body["state"] == "submitted" and body["state_label"] == "Mới đăng ký"
    # a retried submission never creates a second dossier
    r2 = call(c, "post", "/api/v1/dossiers", citizen, BODY, HTTP_IDEMPOTENCY_KEY="k-1")
    assert r2.status_code == 200 and r2.json()["code"] == code
    assert Dossier.objects.count() == 1
    r3 = call(
        c, "post", "/api/v1/dossiers", citizen, {**BODY, "result_method": "post"}, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert r3.status_code == 422 and Dossier.objects.count() == 1

    r4 = call(c, "post", "/api/v1/dossiers", citizen, BODY, HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert (
        r4.status_code == 422 and r4.json()["error"] == "bad_idempotency_key" and Dossier.objects.count() == 1
    )

    r = call(c, "post", f"/api/v1/dossiers/{code}/receive", officer, {})
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["state"] == "received"
    # every instant as the contract writes them, to the second (a live receipt's microseconds ran into due_at)
    instant = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")
    for key in ("submitted_at", "received_at", "counting_starts_at", "due_at"):
        assert instant.match(data[key]), (key, data[key])
    assert all(instant.match(e["at"]) for e in data["events"]), data["events"]
    assert data["events"][-1]["action"] == "receive" and data["events"][-1]["to_state"] == "received"

    # the owner reads it with its history; an officer of another agency cannot see it
    assert call(c, "get", f"/api/v1/dossiers/{code}", citizen).status_code == 200
    assert call(c, "get", f"/api/v1/dossiers/{code}", token("other_officer")).status_code == 404
    assert call(c, "get", f"/api/v1/dossiers/{code}", token("overseer")).status_code == 200
    assert call(c, "get", f"/api/v1/dossiers/{code}").status_code == 401


def test_errors_are_json_and_change_nothing(org, token):
    c = Client()
    officer = token("officer")
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    r = call(c, "post", f"/api/v1/dossiers/{code}/resolve", token("leader"), {"outcome": "approved"})
    assert r.status_code == 409 and "Mới đăng ký" in r.json()["message"]
    r = call(c, "post", f"/api/v1/dossiers/{code}/resolve", token("leader"), {"outcome": "maybe"})
    assert r.status_code == 422 and r.json()["error"] == "validation"
    r = call(c, "post", f"/api/v1/dossiers/{code}/fly", officer, {})
    assert r.status_code == 404
    r = call(c, "post", f"/api/v1/dossiers/{code}/refuse", officer, {"reason": "x" * 2001})
    assert r.status_code == 422 and "reason" in r.json()["message"]
    r = call(c, "post", f"/api/v1/dossiers/{code}/receive", officer, {"expected_version": 99})
    assert r.status_code == 409 and r.json()["error"] == "stale"
    assert call(c, "post", "/api/v1/dossiers/NOPE-250101-0001/receive", officer, {}).status_code == 404
    bad = {**BODY, "applicant": {**APPLICANT, "id_number": "12345"}}
    r = call(c, "post", "/api/v1/dossiers", token("citizen"), bad)
    assert r.status_code == 422 and "12 chữ số" in r.json()["message"]
    d = Dossier.objects.get(code=code)
    assert d.state == "submitted" and d.version == 1 and d.events.count() == 1


def test_public_status_is_masked(org, token):
    c = Client()
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    r = c.get(f"/api/v1/dossiers/{code}/status")
    assert r.status_code == 200
    body = r.json()
    assert body["state"] == "submitted"
    text = r.content.decode()
    assert "Nguyễn Văn An" not in text and "001203012345" not in text and "0912345678" not in text
    assert body["applicant_name"].startswith("Nguyễn") and body["applicant_id_number"].endswith("345")
    assert c.get("/api/v1/dossiers/000.00.21.H26-250101-9999/status").status_code == 404


def test_public_status_takes_a_code_as_people_type_it(org, token):
    """Lower case, spaces around the dashes (read off a receipt): found as the lookup page finds it; an unknown code
    still 404."""
    c = Client()
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    head, day, number = code.rsplit("-", 2)
    for typed in (code.lower(), f"{head.lower()} - {day} - {number}"):
        r = c.get(f"/api/v1/dossiers/{typed}/status")
        assert r.status_code == 200 and r.json()["code"] == code, typed
    assert c.get(f"/api/v1/dossiers/{code.lower()}9/status").status_code == 404


# Role × action × own/other agency, written out by hand from the legal roles (not read from the code's table).
# Each row: action, state set-up, {actor: allowed?}
MATRIX = [
    (
        "receive",
        "submitted",
        {
            "officer": True,
            "specialist": False,
            "unit_head": False,
            "leader": False,
            "overseer": False,
            "citizen": False,
            "other_officer": False,
        },
    ),
    (
        "refuse",
        "submitted",
        {
            "officer": True,
            "specialist": False,
            "leader": False,
            "overseer": False,
            "citizen": False,
            "other_officer": False,
        },
    ),
    (
        "assign",
        "received",
        {
            "unit_head": True,
            "leader": True,
            "specialist": False,
            "overseer": False,
            "citizen": False,
            "other_officer": False,
        },
    ),
    (
        "resolve",
        "received",
        {
            "leader": True,
            "unit_head": True,
            "officer": False,
            "specialist": False,
            "overseer": False,
            "citizen": False,
            "other_officer": False,
        },
    ),
    (
        "return_result",
        "resolved",
        {"officer": True, "leader": False, "overseer": False, "citizen": False, "other_officer": False},
    ),
    # the check of an online filing is the one-stop officer's at reception; once received, processing staff ask too
    (
        "request_supplement",
        "submitted",
        {"officer": True, "leader": False, "specialist": False, "overseer": False, "other_officer": False},
    ),
    (
        "request_supplement",
        "received",
        {"officer": True, "leader": True, "specialist": True, "overseer": False, "citizen": False},
    ),
    (
        "request_withdrawal",
        "received",
        {"citizen": True, "officer": True, "overseer": False, "other_officer": False, "citizen2": False},
    ),
    (
        "stop",
        "withdrawal_requested",
        {
            "officer": True,
            "leader": True,
            "specialist": False,
            "overseer": False,
            "citizen": False,
            "other_officer": False,
        },
    ),
]

PARAMS = {
    "refuse": {"reason": "Không thuộc thẩm quyền"},
    "assign": {"assignee": "cv"},
    "resolve": {"outcome": "approved"},
    "return_result": {"method": "counter"},
    "stop": {"reason": "Rút hồ sơ"},
    "request_supplement": {"reason": "Thiếu giấy tờ", "items": [{"name": "Bản sao CCCD"}]},
}


def _prepare(org, state):
    d, _ = services.dossier_file(
        actor=org["users"]["citizen"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="online",
        applicant=APPLICANT,
    )
    u = org["users"]
    if state in ("received", "resolved", "withdrawal_requested"):
        d = services.dossier_act(code=d.code, action="receive", actor=u["officer"])
    if state == "resolved":
        d = services.dossier_act(
            code=d.code, action="resolve", actor=u["leader"], params={"outcome": "approved"}
        )
    if state == "withdrawal_requested":
        d = services.dossier_act(code=d.code, action="request_withdrawal", actor=u["citizen"])
    return d


@pytest.mark.parametrize("action,state,expect", MATRIX, ids=[m[0] for m in MATRIX])
def test_permission_matrix(org, token, action, state, expect):
    c = Client()
    for who, allowed in expect.items():
        d = _prepare(org, state)
        r = call(c, "post", f"/api/v1/dossiers/{d.code}/{action}", token(who), PARAMS.get(action, {}))
        if allowed:
            assert r.status_code == 200, (who, action, r.content)
        else:
            assert r.status_code in (403, 404), (who, action, r.status_code)
            d.refresh_from_db()
            assert d.state == state


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_registration_gap_free_and_single_winner(org):
    users = org["users"]
    codes, errors = [], []

    def file_one():
        try:
            d, _ = services.dossier_file(
                actor=users["citizen"],
                procedure_code="1.001612",
                agency_identifier="000.00.21.H26",
                channel="online",
                applicant=APPLICANT,
                at=local(2025, 6, 2, 9, 0),
            )
            codes.append(d.code)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=file_one) for _ in range(12)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors
    assert sorted(codes) == [f"000.00.21.H26-250602-{i:04d}" for i in range(1, 13)]

    results = []

    def receive():
        try:
            services.dossier_act(
                code=codes[0], action="receive", actor=users["officer"], at=local(2025, 6, 2, 10, 0)
            )
            results.append("ok")
        except Exception as exc:  # noqa: BLE001
            results.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=receive) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sorted(results) == ["Conflict", "ok"]
    assert Dossier.objects.get(code=codes[0]).events.filter(action="receive").count() == 1


def test_public_status_query_equals_the_model_serialisation(org, token):
    """The one-statement status lookup gives exactly what `dossier_public` gives from the model, through the
    states where its timestamps fill in (None, then set)."""
    from motcua.dossiers import selectors

    c = Client()
    officer = token("officer")
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]

    def both():
        d = Dossier.objects.select_related("agency", "procedure").get(code=code)
        return selectors.public_status(code), selectors.dossier_public(d)

    fast, model = both()
    assert fast == model and fast["received_at"] is None and fast["submitted_at"].endswith("+07:00")
    assert call(c, "post", f"/api/v1/dossiers/{code}/receive", officer, {}).status_code == 200
    assert call(c, "post", f"/api/v1/dossiers/{code}/apologize", officer, {}).status_code in (409, 422)
    fast, model = both()
    assert fast == model and fast["state"] == "received" and fast["due_at"] is not None
    assert c.get(f"/api/v1/dossiers/{code}/status").json() == model
    assert selectors.public_status(code + "x") is None


def test_status_response_is_what_the_api_renderer_makes(org, token):
    """The status view hands its dict to the API's renderer itself: same bytes and content type as a view
    returning the dict (ninja's JSON encoder, default separators, ASCII escapes)."""
    import json

    from ninja.responses import NinjaJSONEncoder

    from motcua.dossiers import selectors

    c = Client()
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    r = c.get(f"/api/v1/dossiers/{code}/status")
    assert r.status_code == 200 and r["Content-Type"] == "application/json; charset=utf-8"
    assert r.content == json.dumps(selectors.public_status(code), cls=NinjaJSONEncoder).encode()
    assert "\\u1ec5" in r.content.decode()  # 'ễ' of Nguyễn, escaped as the renderer does


def test_a_body_that_is_not_json_gets_a_vietnamese_400_and_files_nothing(org, token):
    c = Client()
    for body in ("{bad json", '{"procedure": "1.001612",}'):
        r = c.post(
            "/api/v1/dossiers", data=body, content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token('citizen')}",
        )  # fmt: skip
        assert r.status_code == 400
        data = r.json()
        assert data["error"] == "bad_body"
        assert data["message"].startswith("Không đọc được nội dung yêu cầu")
        assert "valid JSON" in data["message_en"]
    assert not Dossier.objects.exists()


def test_a_field_given_twice_is_refused_not_read_as_its_last_value(org, token):
    """{"agency": A, "agency": B}: Python's json kept B silently, filing at an agency the sender may not have
    meant. Refused as an unreadable body that names the field; nothing filed."""
    body = (
        '{"procedure": "1.001612", "agency": "000.00.21.H26", "channel": "online", "agency": "000.00.21.H26",'
        f' "applicant": {__import__("json").dumps(APPLICANT, ensure_ascii=False)}}}'
    )
    r = Client().post(
        "/api/v1/dossiers", data=body, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token('citizen')}",
    )  # fmt: skip
    assert r.status_code == 400, r.content
    refusal = r.json()
    assert refusal["error"] == "bad_body" and "'agency' xuất hiện hai lần" in refusal["message"]
    assert "'agency' appears twice" in refusal["message_en"]
    assert not Dossier.objects.exists()


def test_a_number_json_does_not_define_is_refused_before_anything_is_filed(org, token):
    """Python's json reads NaN, Infinity and -Infinity, and 1e400 as infinity: none is JSON (RFC 8259), and a
    non-finite value would reach a JSON column (PostgreSQL refuses it: a 500) or a limit. Refused as an unreadable
    body, wherever it sits in the body."""
    c = Client()
    officer = token("officer")
    for number in ("NaN", "Infinity", "-Infinity", "1e400", "-1E999"):
        for body in (
            f'{{"procedure": "1.001612", "agency": "000.00.21.H26", "channel": "counter", "working_days": {number},'
            f' "applicant": {{"name": "Lê Văn An", "id_number": "001203012345"}}}}',
            f'{{"procedure": "1.001612", "agency": "000.00.21.H26", "form_data": {{"so": [{number}]}},'
            f' "applicant": {{"name": "Lê Văn An", "id_number": "001203012345"}}}}',
        ):
            r = c.post(
                "/api/v1/dossiers",
                data=body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {officer}",
            )
            assert r.status_code == 400, (number, r.content)
            assert r.json()["error"] == "bad_body" and "Infinity" in r.json()["message"]
    assert not Dossier.objects.exists()
    # the largest finite numbers still parse, and are then held to the field's bounds
    body = {**BODY, "channel": "counter", "working_days": 1.7e308}
    r = call(c, "post", "/api/v1/dossiers", officer, body)
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "working_days"
    assert not Dossier.objects.exists()


def test_only_an_officer_sets_the_limit_and_within_the_calendar(org, token):
    """A citizen's online filing takes the procedure's limit: setting `working_days` would move the due date the
    statistics judge the agency by. An officer may set one (procedures without a limit), within what the calendar
    computes (3,650 working days); the web forms hold the same bounds."""
    c = Client()
    r = call(c, "post", "/api/v1/dossiers", token("citizen"), {**BODY, "working_days": 30})
    assert r.status_code == 403 and r.json()["error"] == "limit_not_allowed"
    assert "working_days" in r.json()["message_en"]
    assert not Dossier.objects.exists()
    officer = token("officer")
    counter = {**BODY, "channel": "counter", "receive": True}
    r = call(c, "post", "/api/v1/dossiers", officer, {**counter, "working_days": 3650.5})
    assert r.status_code == 422 and r.json()["details"][0]["message"] == "phải nhỏ hơn hoặc bằng 3650"
    with pytest.raises(services.Unprocessable) as refused:  # the service's own bound, for every caller
        services.dossier_file(
            actor=org["users"]["officer"], procedure_code="1.001612", agency_identifier="000.00.21.H26",
            channel="counter", applicant=APPLICANT, working_days="3651",
        )  # fmt: skip
    assert refused.value.code == "bad_limit" and "từ 0 đến 3.650" in refused.value.message
    assert not Dossier.objects.exists()
    # the procedure has its limit (3 working days): that one applies, restated or not, and no other
    r = call(c, "post", "/api/v1/dossiers", officer, {**counter, "working_days": 2.5})
    assert r.status_code == 422 and r.json()["error"] == "limit_fixed" and "03 ngày" in r.json()["message"]
    assert not Dossier.objects.exists()
    with limit_unset(org["version"]):  # a procedure whose limit depends on the case
        r = call(c, "post", "/api/v1/dossiers", officer, {**counter, "working_days": 2.5})
    assert r.status_code == 201, r.content
    assert Dossier.objects.get().limit_hours == 20
    r = call(c, "post", "/api/v1/dossiers", officer, {**counter, "working_days": 3})
    assert r.status_code == 201 and Dossier.objects.get(code=r.json()["code"]).limit_hours == 24
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    r = call(c, "post", f"/api/v1/dossiers/{code}/receive", officer, {"working_days": 1e6})
    assert r.status_code == 422 and Dossier.objects.get(code=code).state == "submitted"
    r = call(c, "post", f"/api/v1/dossiers/{code}/receive", officer, {"working_days": 60})
    assert r.status_code == 422 and r.json()["error"] == "limit_fixed"
    assert Dossier.objects.get(code=code).state == "submitted"


def test_the_payment_receipt_and_who_took_the_result_are_kept_from_the_api(org, token):
    """What the web forms record for confirm_payment (the receipt's number) and return_result (who took the
    result, Form 06/07) the API records too — an integrator's values were dropped without a word — within the
    same bounds."""
    c, officer, leader = Client(), token("officer"), token("leader")
    code = call(
        c, "post", "/api/v1/dossiers", officer, {**BODY, "channel": "counter", "receive": True}
    ).json()["code"]
    base = f"/api/v1/dossiers/{code}"
    assert call(c, "post", f"{base}/request_payment", officer, {"amount": 150000}).status_code == 200
    r = call(c, "post", f"{base}/confirm_payment", officer, {"paid_reference": "x" * 201})
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "paid_reference"
    assert Dossier.objects.get(code=code).state == "awaiting_payment"
    assert (
        call(c, "post", f"{base}/confirm_payment", officer, {"paid_reference": "BL 0012345"}).status_code
        == 200
    )
    assert call(c, "post", f"{base}/resolve", leader, {"outcome": "approved"}).status_code == 200
    r = call(
        c, "post", f"{base}/return_result", officer, {"method": "counter", "received_by": "Trần  Văn Bình"}
    )
    assert r.status_code == 200, r.content
    events = {e.action: e.data for e in Dossier.objects.get(code=code).events.all()}
    assert events["confirm_payment"]["paid_reference"] == "BL 0012345"
    assert events["return_result"]["received_by"] == "Trần Văn Bình"


def test_a_fee_is_whole_dong_within_the_payment_record_and_a_step_budget_bounded(org, token):
    """request_payment: a positive whole number of đồng that fits the payment record (14 digits) — 1e308 used to
    be accepted, and the citizen's online payment could not be stored; hand_over to another agency: a finite budget
    of working hours. Refusals change nothing."""
    c = Client()
    officer = token("officer")
    code = call(
        c, "post", "/api/v1/dossiers", officer, {**BODY, "channel": "counter", "receive": True}
    ).json()["code"]
    for amount, field_error in ((1e308, True), (10**14, True), (0, True), (150000.5, False)):
        r = call(c, "post", f"/api/v1/dossiers/{code}/request_payment", officer, {"amount": amount})
        assert r.status_code == 422, (amount, r.content)
        if field_error:
            assert r.json()["details"][0]["field"] == "amount"
        else:
            assert r.json()["error"] == "bad_amount" and "số nguyên" in r.json()["message"]
    assert Dossier.objects.get(code=code).state == "received"
    r = call(c, "post", f"/api/v1/dossiers/{code}/request_payment", officer, {"amount": 99_999_999_999_999})
    assert r.status_code == 200, r.content
    amount = Dossier.objects.get(code=code).events.get(action="request_payment").data["amount"]
    assert amount == 99_999_999_999_999 and type(amount) is int  # whole đồng, not 99999999999999.0
    r = call(
        c, "post", f"/api/v1/dossiers/{code}/hand_over", officer, {"to_agency": "000.00.40.H26", "hours": 1e6}
    )
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "hours"


def test_schema_errors_read_in_vietnamese_with_the_english_beside(org, token):
    """pydantic's refusals (types, limits, allowed values, dates) in Vietnamese in `message`, pydantic's English in
    `message_en`, one entry per field in `details`; nothing is filed."""
    c = Client()
    body = {**BODY, "channel": "fax", "applicant": {"name": 5}, "working_days": -1}
    del body["agency"]
    r = call(c, "post", "/api/v1/dossiers", token("citizen"), body)
    assert r.status_code == 422
    data = r.json()
    vi = {d["field"]: d["message"] for d in data["details"]}
    assert vi == {
        "agency": "thiếu (bắt buộc)",
        "channel": "phải là một trong các giá trị: 'online', 'counter' hoặc 'postal'",
        "applicant.name": "phải là chuỗi ký tự",
        "working_days": "phải lớn hơn hoặc bằng 0",
    }
    assert data["message"].startswith("Dữ liệu không hợp lệ — 'agency': thiếu (bắt buộc);")
    assert "Field required" in data["message_en"] and "Field required" not in data["message"]
    assert not Dossier.objects.exists()
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    r = call(c, "post", f"/api/v1/dossiers/{code}/apologize", token("leader"), {"new_return_at": "mai"})
    assert r.status_code == 422 and "ISO 8601" in r.json()["details"][0]["message"]


def test_an_apology_date_in_year_1_or_9999_is_refused_not_a_server_error(org, token):
    """0001-01-01 or 9999-12-31 cannot be moved to another offset (OverflowError): it was a 500."""
    c = Client()
    code = call(
        c, "post", "/api/v1/dossiers", token("officer"), {**BODY, "channel": "counter", "receive": True}
    ).json()["code"]
    before = _unchanged(code)
    for instant in ("0001-01-01T00:00:00+07:00", "9999-12-31T23:59:00-12:00"):
        r = call(
            c,
            "post",
            f"/api/v1/dossiers/{code}/apologize",
            token("leader"),
            {"new_return_at": instant, "reason": "Cần xác minh thêm"},
        )
        body = r.json()
        assert r.status_code == 422 and body["error"] == "bad_datetime", r.content
        assert "1900–2999" in body["message"] and "1900-2999" in body["message_en"]
        assert instant[:4] in body["message"]  # the year as typed, four digits ("01/01/0001", not "01/01/1")
    assert _unchanged(code) == before


def test_listing_refuses_an_unknown_state_or_agency_instead_of_answering_none(org, token):
    """A typo in a filter (`state=recieved`, an agency code that does not exist) answered 200 with no dossiers."""
    c = Client()
    officer = token("officer")
    call(c, "post", "/api/v1/dossiers", token("citizen"), BODY)
    r = call(c, "get", "/api/v1/dossiers?state=recieved", officer)
    assert r.status_code == 422 and r.json()["error"] == "bad_state", r.content
    assert "'recieved'" in r.json()["message"] and "received" in r.json()["message_en"]
    r = call(c, "get", "/api/v1/dossiers?agency=NOPE", officer)
    assert r.status_code == 422 and r.json()["error"] == "bad_agency", r.content
    assert call(c, "get", "/api/v1/dossiers?state=submitted", officer).json()["count"] == 1
    assert call(c, "get", "/api/v1/dossiers?agency=000.00.21.h26", officer).json()["count"] == 1
    # an existing agency outside the user's reach: simply none of theirs
    r = call(c, "get", "/api/v1/dossiers?agency=000.00.21.H26", token("other_officer"))
    assert r.status_code == 200 and r.json()["count"] == 0


def test_a_document_id_that_is_no_number_is_named_as_the_documents_not_the_dossiers(org, token):
    c = Client()
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    r = call(c, "get", f"/api/v1/dossiers/{code}/documents/abc", token("officer"))
    body = r.json()
    assert r.status_code == 404 and "tài liệu 'abc'" in body["message"], r.content
    assert f"hồ sơ '{code}'" in body["message"] and "Document 'abc'" in body["message_en"]


def test_listing_refuses_an_offset_out_of_range_instead_of_failing(org, token):
    c = Client()
    officer = token("officer")
    call(c, "post", "/api/v1/dossiers", token("citizen"), BODY)
    listing = call(c, "get", "/api/v1/dossiers?offset=0&limit=9999", officer).json()
    assert listing["count"] == 1 and (listing["limit"], listing["offset"]) == (500, 0)  # a larger limit: 500
    # each item names its state as GET /dossiers/<code> does: the code and the contract's Vietnamese label
    assert (listing["items"][0]["state"], listing["items"][0]["state_label"]) == ("submitted", "Mới đăng ký")
    for offset in ("-1", str(10**30)):
        r = call(c, "get", f"/api/v1/dossiers?offset={offset}", officer)
        assert r.status_code == 422 and r.json()["details"][0]["field"] == "offset", offset
    # a limit below 1 is refused, as the procedures' listing does (it was read as 1: one dossier shown, no word)
    for limit in ("0", "-3"):
        r = call(c, "get", f"/api/v1/dossiers?limit={limit}", officer)
        assert r.status_code == 422 and r.json()["details"][0]["field"] == "limit", limit


def test_a_filing_without_a_body_says_so_and_the_idempotency_key_is_documented(org, token):
    """An empty POST answered "'body': Field required", naming a field no client has; and the Idempotency-Key
    header that makes a filing's retry safe was only mentioned in the operation's text."""
    r = Client().post(
        "/api/v1/dossiers",
        data="",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token('citizen')}",
    )
    body = r.json()
    assert r.status_code == 422
    assert "thiếu nội dung yêu cầu: gửi một đối tượng JSON" in body["message"]
    assert "the request has no body" in body["message_en"]
    spec = Client().get("/api/v1/openapi.json").json()
    header = [p for p in spec["paths"]["/api/v1/dossiers"]["post"]["parameters"] if p["in"] == "header"]
    assert [(h["name"], h["schema"]["maxLength"]) for h in header] == [("Idempotency-Key", 200)]


# --- files through the API ----------------------------------------------------------------------------------------

SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_files_added_through_the_api_are_checked_stored_and_recorded_by_the_next_action(
    org, token, settings, tmp_path
):
    """POST /dossiers/<code>/documents (multipart): sniffed, bounded, all or none; the next action's event records
    their SHA-256 (as the web's actions do); GET …/documents/<id> gives the file to those who may read the dossier.
    The applicant adds the dossier's own papers before reception or when asked; staff add results."""
    import hashlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    from motcua.catalog.models import ProcedureComponent

    settings.MEDIA_ROOT = str(tmp_path / "media")
    ProcedureComponent.objects.create(version=org["version"], order=1, name="Giấy đề nghị")
    c = Client()
    citizen, officer = token("citizen"), token("officer")
    code = call(c, "post", "/api/v1/dossiers", citizen, BODY).json()["code"]
    url = f"/api/v1/dossiers/{code}/documents"

    def upload(tok, *files, **fields):
        data = {"files": [SimpleUploadedFile(name, content) for name, content in files], **fields}
        return c.post(url, data=data, HTTP_AUTHORIZATION=f"Bearer {tok}")

    dossier = Dossier.objects.get(code=code)
    for refused, status, error in (
        (
            upload(citizen, ("a.pdf", SCAN), ("virus.exe", b"MZ\x90\x00" + b"\x00" * 60)),
            422,
            "executable_file",
        ),
        (upload(citizen, ("a.pdf", SCAN), kind="component", component="9"), 422, "bad_component"),
        (upload(citizen, ("a.pdf", SCAN), kind="result"), 403, "upload_not_allowed"),
        (upload(token("citizen2"), ("a.pdf", SCAN)), 404, "not_found"),
        (upload(citizen, *[(f"{i}.pdf", SCAN) for i in range(21)]), 422, "too_many_files"),
        (upload(citizen), 422, "validation"),
    ):
        assert refused.status_code == status, refused.content
        assert refused.json()["error"] == error and refused.json()["message"]
    assert not dossier.documents.exists()  # nothing of a refused upload is kept
    r = upload(citizen, ("Giấy đề nghị.pdf", SCAN), kind="component", component="1")
    assert r.status_code == 201, r.content
    [doc] = r.json()["documents"]
    assert doc["sha256"] == hashlib.sha256(SCAN).hexdigest() and doc["name"] == "Giấy đề nghị.pdf"
    stored = dossier.documents.get()
    assert (
        stored.component.order == 1
        and stored.kind == "component"
        and stored.uploaded_by.username == "congdan"
    )
    got = c.get(doc["url"], HTTP_AUTHORIZATION=f"Bearer {citizen}")
    assert got.status_code == 200 and b"".join(got.streaming_content) == SCAN
    assert got["Content-Type"] == "application/pdf" and got["X-Content-Type-Options"] == "nosniff"
    assert c.get(doc["url"], HTTP_AUTHORIZATION=f"Bearer {token('citizen2')}").status_code == 404
    assert c.get(f"{url}/{stored.pk + 1000}", HTTP_AUTHORIZATION=f"Bearer {officer}").status_code == 404
    # reception through the API records the file in its event
    r = call(c, "post", f"/api/v1/dossiers/{code}/receive", officer, {})
    assert r.status_code == 200, r.content
    receive = next(e for e in r.json()["events"] if e["action"] == "receive")
    assert receive["file_hashes"] == [doc["sha256"]]
    assert [d["url"] for d in r.json()["documents"]] == [doc["url"]]
    # received: the applicant adds nothing more unless asked; the agency's staff add the result
    assert upload(citizen, ("late.pdf", SCAN)).status_code == 403
    for action, who, body in (("assign", "unit_head", {"assignee": "cv"}), ("hand_over", "specialist", {})):
        assert call(c, "post", f"/api/v1/dossiers/{code}/{action}", token(who), body).status_code == 200
    result = SCAN.replace(b"trailer", b"%ket qua\ntrailer")  # uploaded right before the action it belongs to
    r = upload(token("leader"), ("Kết quả.pdf", result), kind="result")
    assert r.status_code == 201, r.content
    assert upload(token("other_officer"), ("x.pdf", SCAN), kind="result").status_code == 404
    r = call(c, "post", f"/api/v1/dossiers/{code}/resolve", token("leader"), {"outcome": "approved"})
    assert r.status_code == 200, r.content
    resolve = next(e for e in r.json()["events"] if e["action"] == "resolve")
    assert resolve["file_hashes"] == [hashlib.sha256(result).hexdigest()]
    assert services.verify_chain(Dossier.objects.get(code=code)) == []


@pytest.mark.parametrize(
    "applicant, representative, code",
    [
        ({"phone": "0" * 31}, None, "validation"),  # longer than the column: was a server error on PostgreSQL
        ({"address": "a" * 501}, None, "validation"),
        ({"phone": "0912"}, None, "bad_phone"),
        ({"email": "binh@"}, None, "bad_email"),
        ({}, {"name": "   ", "phone": "0912345678"}, "required"),
        ({}, {"name": "Trần Văn Bốn", "id_number": "12"}, "bad_id_number"),
        ({}, {"name": "Trần Văn Bốn", "email": "bon at example.vn"}, "bad_email"),
        ({}, {"name": "B" * 256}, "validation"),
    ],
)
def test_the_applicants_and_representatives_contacts_are_checked(org, token, applicant, representative, code):
    body = {**BODY, "applicant": {**BODY["applicant"], **applicant}}
    if representative is not None:
        body["representative"] = representative
    r = call(Client(), "post", "/api/v1/dossiers", token("citizen"), body)
    assert r.status_code == 422 and r.json()["error"] == code, r.content
    assert r.json()["message"] and r.json()["message_en"] != r.json()["message"]
    assert not Dossier.objects.exists()


def test_the_same_key_sent_twice_at_once_gets_the_first_requests_dossier(org, token, monkeypatch):
    """Two copies of one submission race: the second checked the key before the first committed, so its insert of
    the key fails on the unique index. It answers with the first one's dossier (200), keeps nothing of its own
    (no second dossier, no gap in the day's sequence) — it used to be a 500."""
    c, citizen = Client(), token("citizen")
    first = call(c, "post", "/api/v1/dossiers", citizen, BODY, HTTP_IDEMPOTENCY_KEY="race-1")
    assert first.status_code == 201
    real = services._idempotent_replay
    calls = []

    def late(actor, key, payload):  # the check ran before the other request's commit: nothing found yet
        calls.append(key)
        return None if len(calls) == 1 else real(actor, key, payload)

    monkeypatch.setattr(services, "_idempotent_replay", late)
    second = call(c, "post", "/api/v1/dossiers", citizen, BODY, HTTP_IDEMPOTENCY_KEY="race-1")
    assert second.status_code == 200 and second.json()["code"] == first.json()["code"] and len(calls) == 2
    assert Dossier.objects.count() == 1
    third = call(c, "post", "/api/v1/dossiers", citizen, BODY, HTTP_IDEMPOTENCY_KEY="race-2")
    assert third.json()["code"].endswith("-0002")  # the rolled-back attempt took no number


def test_an_action_the_state_refuses_is_409_whatever_was_sent_with_it(org, token):
    """Two people at once, or a client that sends nothing: the state is checked first, so the loser of a race
    gets 409 (not 422 'out of order' or 'missing amount'), and nothing changes."""
    c, officer = Client(), token("officer")
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    assert call(c, "post", f"/api/v1/dossiers/{code}/receive", officer, {}).status_code == 200
    d = Dossier.objects.get(code=code)
    # the second receive of a race carried an instant before the first's: still the state's 409
    with pytest.raises(services.Conflict) as refused:
        services.dossier_act(code=code, action="receive", actor=org["users"]["officer"], params={},
                             at=d.received_at - dt.timedelta(seconds=1))  # fmt: skip
    assert refused.value.code == "transition_not_allowed"
    r = call(c, "post", f"/api/v1/dossiers/{code}/confirm_payment", officer, {})
    assert r.status_code == 409 and r.json()["error"] == "transition_not_allowed"
    r = call(c, "post", f"/api/v1/dossiers/{code}/return_result", officer, {})  # no method, wrong state
    assert r.status_code == 409
    assert Dossier.objects.get(code=code).version == d.version


def test_online_filing_goes_to_an_agency_that_lists_the_procedure(org, token):
    """The API filed a citizen's online dossier at any agency, whether or not it lists the procedure (the portal
    and the digital teams already refused): it landed in the inbox of an office that does not handle it. Now 422
    `not_offered`, nothing filed, where the catalogue lists the procedure elsewhere only; a procedure listed
    nowhere yet, or listed here for the counter only, is still filed; counter registration is unchanged."""
    from motcua.catalog.models import Offering

    c = Client()
    citizen = token("citizen")
    for agency in ("000.00.22.H26", "000.00.40.H26"):  # Sở Tư pháp, Cục Thuế: not listed there
        r = call(c, "post", "/api/v1/dossiers", citizen, {**BODY, "agency": agency})
        assert r.status_code == 422, r.content
        assert r.json()["error"] == "not_offered"
        assert "không tiếp nhận thủ tục 1.001612" in r.json()["message"]
    assert not Dossier.objects.exists()
    assert (
        call(c, "post", "/api/v1/dossiers", citizen, {**BODY, "agency": "000.00.99.H26"}).status_code == 404
    )
    counter = {**BODY, "channel": "counter", "agency": "000.00.22.H26"}
    r = call(c, "post", "/api/v1/dossiers", token("other_officer"), counter)
    assert r.status_code == 201, r.content
    Offering.objects.filter(agency=org["so"]).update(
        online=False
    )  # listed here, counter only: the client decides
    assert call(c, "post", "/api/v1/dossiers", citizen, BODY).status_code == 201
    Offering.objects.all().delete()  # a catalogue imported before its offerings: nowhere listed, not refused
    r = call(c, "post", "/api/v1/dossiers", citizen, {**BODY, "agency": "000.00.22.H26"})
    assert r.status_code == 201, r.content


@pytest.mark.parametrize("field", ["applicant", "representative"])
@pytest.mark.parametrize("value", ["Nguyễn Văn An", [1, 2], 5])
def test_a_value_that_is_not_an_object_is_refused_where_it_stands(org, token, field, value):
    """The body's schemas validate the JSON object itself (motcua.core.schemas.InSchema): a person given as a text
    is refused at that key as "not a JSON object". Through django-ninja's attribute reader it read as an object
    missing its name ("applicant.name: bắt buộc"), pointing the client at the wrong fix."""
    body = {**BODY, field: value}
    r = call(Client(), "post", "/api/v1/dossiers", token("citizen"), body)
    assert r.status_code == 422 and r.json()["error"] == "validation", r.content
    assert field in r.json()["message"] and "đối tượng JSON" in r.json()["message"]
    assert f"{field}.name" not in r.json()["message"] + r.json()["message_en"]
    assert not Dossier.objects.exists()


def test_an_unknown_key_in_a_supplement_item_is_still_refused(org, token):
    c, officer = Client(), token("officer")
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    items = [{"name": "Bản sao giấy khai sinh", "reason": "thiếu", "note": "x"}]
    r = call(c, "post", f"/api/v1/dossiers/{code}/request_supplement", officer, {"items": items})
    assert r.status_code == 422 and "items.0.note" in r.json()["message"], r.content
    assert Dossier.objects.get(code=code).state == "submitted"


def _unchanged(code):
    """What a refused action must leave as it was: the dossier's row, its events and its steps."""
    d = Dossier.objects.get(code=code)
    return (
        d.state,
        d.version,
        d.due_at,
        list(d.events.order_by("seq").values_list("seq", "action")),
        list(d.steps.order_by("order").values_list("order", "started_at", "completed_at", "assignee_id")),
    )


def test_hand_over_naming_a_step_that_is_not_under_way_is_refused(org, token):
    """hand_over with "step" completes the step under way: a client naming another one (step 99, or a step the
    dossier has left or not reached) had it ignored (200) and the current step completed. 409 wrong_step in both
    languages, nothing changed; the step under way is handed over when named."""
    c, officer, specialist = Client(), token("officer"), token("specialist")
    code = call(
        c, "post", "/api/v1/dossiers", officer, {**BODY, "channel": "counter", "receive": True}
    ).json()["code"]
    before = _unchanged(code)
    for step in (99, 2):
        r = call(c, "post", f"/api/v1/dossiers/{code}/hand_over", specialist, {"step": step})
        assert r.status_code == 409 and r.json()["error"] == "wrong_step", r.content
        assert f"Bước {step} không phải bước đang thực hiện" in r.json()["message"]
        assert "đang ở bước 1" in r.json()["message"]
        assert f"Step {step} is not the step under way" in r.json()["message_en"]
        assert _unchanged(code) == before
    r = call(c, "post", f"/api/v1/dossiers/{code}/hand_over", specialist, {"step": 1})
    assert r.status_code == 200, r.content
    hand_over = Dossier.objects.get(code=code).events.get(action="hand_over")
    assert hand_over.data["from_step"] == 1 and hand_over.step_order == 2
    # the step just completed is no longer the one under way
    before = _unchanged(code)
    r = call(c, "post", f"/api/v1/dossiers/{code}/hand_over", token("leader"), {"step": 1})
    assert r.status_code == 409 and r.json()["error"] == "wrong_step", r.content
    assert _unchanged(code) == before


@pytest.mark.parametrize(
    "action, who, extra", [("assign", "unit_head", {"assignee": "cv"}), ("hand_over", "specialist", {})]
)
def test_a_step_number_below_one_is_refused(org, token, action, who, extra):
    """assign with step 0 assigned the current step instead (0 read as "not given"); 422 bad_step now."""
    c = Client()
    code = call(
        c, "post", "/api/v1/dossiers", token("officer"), {**BODY, "channel": "counter", "receive": True}
    ).json()["code"]
    before = _unchanged(code)
    for step in (0, -1):
        r = call(c, "post", f"/api/v1/dossiers/{code}/{action}", token(who), {**extra, "step": step})
        assert r.status_code == 422 and r.json()["error"] == "bad_step", r.content
        assert "từ 1" in r.json()["message"] and "from 1" in r.json()["message_en"]
        assert _unchanged(code) == before


def test_a_receiver_named_at_the_last_step_is_refused_not_dropped(org, token):
    """hand_over with `to` at the process's last step used to complete the step and drop the receiver (200)."""
    c = Client()
    code = call(
        c, "post", "/api/v1/dossiers", token("officer"), {**BODY, "channel": "counter", "receive": True}
    ).json()["code"]
    assert call(c, "post", f"/api/v1/dossiers/{code}/hand_over", token("specialist"), {}).status_code == 200
    before = _unchanged(code)
    r = call(c, "post", f"/api/v1/dossiers/{code}/hand_over", token("leader"), {"to": "cv"})
    body = r.json()
    assert r.status_code == 422 and body["error"] == "no_next_step", r.content
    assert "'cv'" in body["message"] and "bước cuối" in body["message"] and "last" in body["message_en"]
    assert _unchanged(code) == before
    r = call(c, "post", f"/api/v1/dossiers/{code}/hand_over", token("leader"), {})
    assert r.status_code == 200, r.content
    assert Dossier.objects.get(code=code).steps.filter(completed_at__isnull=True).count() == 0


def test_assigning_a_missing_or_completed_step_names_it_and_the_steps_left(org, token):
    c = Client()
    code = call(
        c, "post", "/api/v1/dossiers", token("officer"), {**BODY, "channel": "counter", "receive": True}
    ).json()["code"]
    steps = list(Dossier.objects.get(code=code).steps.order_by("order").values_list("order", flat=True))
    assert len(steps) >= 2
    r = call(c, "post", f"/api/v1/dossiers/{code}/hand_over", token("specialist"), {})
    assert r.status_code == 200, r.content
    before = _unchanged(code)
    left = ", ".join(str(o) for o in steps[1:])
    missing = max(steps) + 5
    r = call(
        c, "post", f"/api/v1/dossiers/{code}/assign", token("unit_head"), {"assignee": "cv", "step": missing}
    )
    body = r.json()
    assert r.status_code == 422 and body["error"] == "bad_step", r.content
    assert f"không có bước {missing}" in body["message"] and f"has no step {missing}" in body["message_en"]
    assert f"phân công được: {left}." in body["message"] and f"assigned: {left}." in body["message_en"]
    r = call(
        c, "post", f"/api/v1/dossiers/{code}/assign", token("unit_head"), {"assignee": "cv", "step": steps[0]}
    )
    body = r.json()
    assert r.status_code == 422 and body["error"] == "bad_step", r.content
    assert f"Bước {steps[0]} (" in body["message"] and "đã hoàn thành lúc" in body["message"]
    assert f"Step {steps[0]} (" in body["message_en"] and "cannot be assigned again" in body["message_en"]
    assert _unchanged(code) == before


def test_keys_no_field_takes_are_named_in_the_answer_not_dropped_silently(org, token):
    """A portal that writes "form" for "form_data" (or mistypes an action's key) files successfully — extra keys
    are not an error — but the answer names each key that was not kept, with the key meant, and a body without
    such keys has no `ignored` at all."""
    c = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token('officer')}"}
    body = {
        "procedure": "1.001612",
        "agency": "000.00.21.H26",
        "channel": "counter",
        "applicant": {**APPLICANT, "emial": "an@example.vn"},
        "form": {"ten_ho_kinh_doanh": "Hộ kinh doanh An"},
        "receive": True,
    }
    r = c.post("/api/v1/dossiers", body, content_type="application/json", **auth)
    assert r.status_code == 201, r.json()
    out = r.json()
    ignored = {i["key"]: i for i in out["ignored"]}
    assert set(ignored) == {"form", "applicant.emial"}
    assert "Có phải ý bạn là 'form_data'?" in ignored["form"]["message"]
    assert "Did you mean 'applicant.email'?" in ignored["applicant.emial"]["message_en"]
    assert "không được lưu" in ignored["form"]["message"] and "not stored" in ignored["form"]["message_en"]
    d = Dossier.objects.get(code=out["code"])
    assert d.form_data == {} and d.state == "received"  # filed; what was ignored is said, not invented
    # an action: a mistyped key is named, the known ones act
    r = c.post(
        f"/api/v1/dossiers/{d.code}/request_supplement",
        {
            "reason": "Thiếu giấy tờ",
            "items": [{"name": "Bản sao CCCD", "reason": "Mờ"}],
            "notes": "Gọi trước",
        },
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 200, r.json()
    assert [i["key"] for i in r.json()["ignored"]] == ["notes"]
    assert "'note'" in r.json()["ignored"][0]["message"] and r.json()["state"] == "supplement_requested"
    # and a clean body says nothing
    r = c.post(
        "/api/v1/dossiers",
        {**body, "applicant": APPLICANT, "form": None, "receive": False} | {"form_data": {}},
        content_type="application/json",
        **auth,
    )
    assert r.status_code == 201 and [i["key"] for i in r.json()["ignored"]] == ["form"]
    del body["form"]
    r = c.post("/api/v1/dossiers", {**body, "applicant": APPLICANT}, content_type="application/json", **auth)
    assert r.status_code == 201 and "ignored" not in r.json()


@pytest.mark.parametrize("body", ["[]", '"x"', "1"])
def test_a_body_that_is_no_object_is_named_as_the_body(org, token, body):
    """It was named '?' (the error's location is the body itself)."""
    r = Client().post(
        "/api/v1/dossiers",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token('citizen')}",
    )
    assert r.status_code == 422
    out = r.json()
    assert out["details"][0]["field"] == "body" and "'body': phải là một đối tượng JSON" in out["message"]
    assert not Dossier.objects.exists()


def test_an_organisation_is_filed_under_either_spelling(org, token):
    """The issue and the docs write "organisation", the API's schema "organization": both are read as the one
    stored kind (a tax code then validates as an enterprise's); any other kind is refused and nothing is filed."""
    c = Client()
    officer = token("officer")
    company = {"name": "Công ty TNHH An Bình", "id_number": "0100109106"}
    for kind in ("organisation", "organization"):
        body = {**BODY, "channel": "counter", "applicant": {**company, "kind": kind}}
        r = call(c, "post", "/api/v1/dossiers", officer, body)
        assert r.status_code == 201, r.content
        assert r.json()["applicant"]["kind"] == "organization"
    assert set(Dossier.objects.values_list("applicant_kind", flat=True)) == {"organization"}
    r = call(c, "post", "/api/v1/dossiers", officer, {**BODY, "applicant": {**company, "kind": "company"}})
    assert r.status_code == 422 and Dossier.objects.count() == 2
    # a tax code with a wrong check digit is refused, whatever the spelling
    person = {"kind": "organisation", "name": "X", "id_number": "0100109107"}
    r = call(c, "post", "/api/v1/dossiers", officer, {**BODY, "channel": "counter", "applicant": person})
    assert r.status_code == 422 and Dossier.objects.count() == 2


def test_an_overseers_account_files_nothing(org, token, client):
    """An HĐND overseer's token filed a dossier online (201, the overseer as its applicant account), then could
    upload to it and ask to withdraw it: the one thing the read-only account could change. Filing is refused (403
    overseer_read_only, nothing stored), the portal's wizard does not open for it and the procedure page offers no
    button; reading stays as it was."""
    c = Client()
    r = call(c, "post", "/api/v1/dossiers", token("overseer"), BODY)
    assert r.status_code == 403 and r.json()["error"] == "overseer_read_only", r.content
    assert "không nộp hồ sơ" in r.json()["message"] and "files none" in r.json()["message_en"]
    assert Dossier.objects.count() == 0
    assert call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).status_code == 201
    from motcua.catalog.models import Offering, OnlineLevel, ProcedureVersion

    ProcedureVersion.objects.update(online_level=OnlineLevel.FULL)
    Offering.objects.update(online=True)
    client.force_login(org["users"]["citizen"])
    assert "Nộp hồ sơ trực tuyến</button>" in client.get(f"/thu-tuc/{BODY['procedure']}/").content.decode()
    client.force_login(org["users"]["overseer"])
    page = client.get(f"/thu-tuc/{BODY['procedure']}/").content.decode()
    assert (
        "Tài khoản giám sát chỉ được xem, không nộp hồ sơ." in page
        and "Nộp hồ sơ trực tuyến</button>" not in page
    )
    r = client.post(f"/nop-ho-so/{BODY['procedure']}/")
    assert r.status_code == 403 and "Tài khoản giám sát chỉ được xem hồ sơ và số liệu" in r.content.decode()
    from motcua.portal.models import Draft

    assert not Draft.objects.exists() and Dossier.objects.count() == 1


def test_an_approved_result_is_returned_electronically_only_with_its_file(org, token, settings, tmp_path):
    """Resolved "approved" with no result file, then returned with method "electronic": the applicant's page said
    "Đã trả kết quả" with nothing to download. The electronic return now needs the result's file (409
    no_result_file, nothing changed); at the counter or by post the paper certificate is handed over as before, and
    a notice of ineligibility is its own form."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path / "media")
    c = Client()
    officer, leader = token("officer"), token("leader")

    def resolved(outcome):
        code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
        assert call(c, "post", f"/api/v1/dossiers/{code}/receive", officer, {}).status_code == 200
        r = call(
            c, "post", f"/api/v1/dossiers/{code}/resolve", leader, {"outcome": outcome, "reason": "Không đủ"}
        )
        assert r.status_code == 200, r.content
        return code

    code = resolved("approved")
    r = call(c, "post", f"/api/v1/dossiers/{code}/return_result", officer, {"method": "electronic"})
    assert r.status_code == 409 and r.json()["error"] == "no_result_file", r.content
    assert (
        "tải văn bản kết quả" in r.json()["message"]
        and "upload the (signed) result" in r.json()["message_en"]
    )
    dossier = Dossier.objects.get(code=code)
    assert dossier.state == "resolved" and not dossier.events.filter(action="return_result").exists()
    up = c.post(
        f"/api/v1/dossiers/{code}/documents",
        data={"files": [SimpleUploadedFile("Giấy chứng nhận.pdf", SCAN)], "kind": "result"},
        HTTP_AUTHORIZATION=f"Bearer {leader}",
    )
    assert up.status_code == 201, up.content
    r = call(c, "post", f"/api/v1/dossiers/{code}/return_result", officer, {"method": "electronic"})
    assert r.status_code == 200 and r.json()["state"] == "returned", r.content
    counter = resolved("approved")
    r = call(c, "post", f"/api/v1/dossiers/{counter}/return_result", officer, {"method": "counter"})
    assert r.status_code == 200, r.content
    ineligible = resolved("ineligible")
    r = call(c, "post", f"/api/v1/dossiers/{ineligible}/return_result", officer, {"method": "electronic"})
    assert r.status_code == 200, r.content


def test_a_retried_hand_over_is_told_the_step_is_done_not_that_it_is_not_allowed(org, token):
    """The step's holder retrying a hand_over that went through (or losing a race for it) named the step, and got
    403 "you may not" — the next step is not theirs. 409 wrong_step says what happened; nothing changes."""
    c, specialist = Client(), token("specialist")
    code = call(
        c, "post", "/api/v1/dossiers", token("officer"), {**BODY, "channel": "counter", "receive": True}
    ).json()["code"]
    first = call(c, "post", f"/api/v1/dossiers/{code}/hand_over", specialist, {"step": 1})
    assert first.status_code == 200, first.content
    before = _unchanged(code)  # at step 2, the leader's
    again = call(c, "post", f"/api/v1/dossiers/{code}/hand_over", specialist, {"step": 1})
    assert again.status_code == 409 and again.json()["error"] == "wrong_step", again.content
    assert _unchanged(code) == before
    # someone who may not read the dossier learns nothing about its steps
    r = call(c, "post", f"/api/v1/dossiers/{code}/hand_over", token("citizen2"), {"step": 1})
    assert r.status_code == 404


def test_an_action_retried_with_its_idempotency_key_is_taken_once(org, token):
    """A head's hand_over without a step completes whatever step is under way: sent twice (a client's retry after
    a timeout), it completed two. With an Idempotency-Key the retry answers 200 with the dossier as it is, marked
    replayed, and changes nothing; the key with another action is refused; a stale version names what happened."""
    c, officer, leader = Client(), token("officer"), token("leader")
    code = call(
        c, "post", "/api/v1/dossiers", officer, {**BODY, "channel": "counter", "receive": True}
    ).json()["code"]
    url = f"/api/v1/dossiers/{code}/hand_over"
    first = call(c, "post", url, leader, {}, HTTP_IDEMPOTENCY_KEY="ho-1")
    assert first.status_code == 200 and "Idempotent-Replayed" not in first, first.content
    after_first = _unchanged(code)
    for _ in range(2):
        retry = call(c, "post", url, leader, {}, HTTP_IDEMPOTENCY_KEY="ho-1")
        assert retry.status_code == 200 and retry["Idempotent-Replayed"] == "true", retry.content
        assert retry.json()["version"] == first.json()["version"]
        assert _unchanged(code) == after_first
    event = Dossier.objects.get(code=code).events.get(action="hand_over")
    assert event.data["idempotency_key"] == "ho-1"
    # the same key for another action on the dossier
    r = call(c, "post", f"/api/v1/dossiers/{code}/stop", leader, {"reason": "x"}, HTTP_IDEMPOTENCY_KEY="ho-1")
    assert r.status_code == 422 and r.json()["error"] == "idempotency_mismatch", r.content
    assert "Chuyển" in r.json()["message"] or "chuyển" in r.json()["message"]
    # a key is the account's own: another head with the same key takes the action
    r = call(c, "post", url, token("unit_head"), {}, HTTP_IDEMPOTENCY_KEY="ho-1")
    assert r.status_code == 200 and "Idempotent-Replayed" not in r
    assert Dossier.objects.get(code=code).events.filter(action="hand_over").count() == 2
    r = call(c, "post", url, leader, {}, HTTP_IDEMPOTENCY_KEY="k" * 201)
    assert r.status_code == 422 and r.json()["error"] == "bad_idempotency_key"
    # without a key, a version the dossier has left: which version it has and the last action
    stale = call(c, "post", url, leader, {"expected_version": first.json()["version"] - 1})
    assert stale.status_code == 409 and stale.json()["error"] == "stale"
    version = Dossier.objects.get(code=code).version
    assert f"nay là phiên bản {version}" in stale.json()["message"]
    assert "thao tác gần nhất: " in stale.json()["message"] and "last action: " in stale.json()["message_en"]


def test_a_filing_retried_in_another_unicode_form_is_the_same_filing(org, token):
    """The retry of a filing whose name arrives decomposed (NFD) or with a space more is stored identically; it
    was refused as a different request (422 idempotency_mismatch)."""
    import unicodedata

    c, citizen = Client(), token("citizen")
    first = call(c, "post", "/api/v1/dossiers", citizen, BODY, HTTP_IDEMPOTENCY_KEY="nfd-1")
    assert first.status_code == 201
    name = BODY["applicant"]["name"]
    for variant in (unicodedata.normalize("NFD", name), f"  {name} "):
        body = {**BODY, "applicant": {**BODY["applicant"], "name": variant}}
        r = call(c, "post", "/api/v1/dossiers", citizen, body, HTTP_IDEMPOTENCY_KEY="nfd-1")
        assert r.status_code == 200 and r.json()["code"] == first.json()["code"], r.content
    other = {**BODY, "applicant": {**BODY["applicant"], "name": "Trần Văn Bình"}}
    r = call(c, "post", "/api/v1/dossiers", citizen, other, HTTP_IDEMPOTENCY_KEY="nfd-1")
    assert r.status_code == 422 and r.json()["error"] == "idempotency_mismatch"
    assert Dossier.objects.count() == 1


def test_listing_pages_cover_every_dossier_once_when_they_were_created_together(org, token):
    """One import's dossiers share created_at (PostgreSQL's transaction time): paging ordered by it alone skipped
    some and repeated others. Ties are broken by the newest key first, so the pages are a partition."""
    c, officer = Client(), token("officer")
    codes = [
        call(c, "post", "/api/v1/dossiers", officer, {**BODY, "channel": "counter"}).json()["code"]
        for _ in range(7)
    ]
    same = Dossier.objects.get(code=codes[0]).created_at
    Dossier.objects.filter(code__in=codes).update(created_at=same)
    seen = []
    for offset in range(0, 8, 3):
        seen += [
            i["code"]
            for i in call(c, "get", f"/api/v1/dossiers?limit=3&offset={offset}", officer).json()["items"]
        ]
    assert seen == list(reversed(codes))  # each once, the last registered first
