"""Control, invisible formatting and noncharacters (core.text.bad_char) are refused at every way in to a dossier —
the API's schemas, the services whatever calls them, the staff's web forms, the migration import — with a message
naming the field and the character, and nothing is stored; Vietnamese text (decomposed tones included) and a
reason's line breaks pass."""

import json
import unicodedata

import pytest
from django.test import Client

from motcua.dossiers import migration_io, services
from motcua.dossiers.models import Dossier, DossierEvent

from .conftest import APPLICANT, login
from .test_api import BODY, call
from .test_views import counter_data, file_online, offered  # noqa: F401 (fixture)

BAD = ["\x01", "\x1b", "\x7f", "\x85", "\x9f", "\u200b", "\u202e", "\ufeff", "\u2066", "\ud800", "\ufffe"]


@pytest.mark.parametrize("char", BAD)
def test_api_refuses_the_applicants_name_with_a_hidden_character(org, token, char):
    c = Client()
    body = {**BODY, "applicant": {**APPLICANT, "name": "Nguyễn Văn" + char + " An"}}
    r = c.post(
        "/api/v1/dossiers",
        data=json.dumps(body),  # a lone surrogate is written as its \\ud800 escape
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token('citizen')}",
    )
    assert r.status_code == 422, r.content
    body = r.json()
    code = f"U+{ord(char):04X}"
    assert body["error"] == "validation"
    assert body["details"][0]["field"] == "applicant.name"
    if char == "\ud800":  # pydantic refuses a lone surrogate itself, before the rule: in Vietnamese too
        assert "nửa cặp UTF-16 đơn lẻ" in body["details"][0]["message"]
        assert not Dossier.objects.exists()
        return
    assert f"chứa ký tự không hợp lệ {code}" in body["details"][0]["message"]
    assert "ở vị trí 11" in body["details"][0]["message"]
    assert f"invalid character {code}" in body["message_en"] and "at position 11" in body["message_en"]
    assert not Dossier.objects.exists()


def test_api_takes_vietnamese_in_any_normal_form_and_stores_it_in_nfc(org, token):
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh Tuyết")
    assert decomposed != "Nguyễn Thị Ánh Tuyết"
    body = {**BODY, "applicant": {**APPLICANT, "name": decomposed, "address": "Ngõ 1\tphố Huế"}}
    r = call(Client(), "post", "/api/v1/dossiers", token("citizen"), body)
    assert r.status_code == 201, r.content
    d = Dossier.objects.get()
    assert d.applicant_name == "Nguyễn Thị Ánh Tuyết" and d.applicant_address == "Ngõ 1 phố Huế"


def test_api_action_reason_keeps_its_lines_and_refuses_a_direction_override(org, token):
    c = Client()
    code = call(c, "post", "/api/v1/dossiers", token("citizen"), BODY).json()["code"]
    officer = token("officer")
    r = call(c, "post", f"/api/v1/dossiers/{code}/refuse", officer, {"reason": "Thiếu giấy tờ\u202e ab"})
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "reason"
    r = call(c, "post", f"/api/v1/dossiers/{code}/receive", officer, {"note": "ghi\x1bchú"})
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "note"
    r = call(
        c, "post", f"/api/v1/dossiers/{code}/request_supplement", officer,
        {"reason": "Bổ sung", "items": [{"name": "Giấy\u200b đề nghị", "reason": ""}]},
    )  # fmt: skip
    assert r.status_code == 422 and r.json()["details"][0]["field"] == "items.0.name"
    assert Dossier.objects.get(code=code).state == "submitted"
    assert list(DossierEvent.objects.values_list("action", flat=True)) == ["submit"]
    # a reason of several points keeps them; an emoji joined by ZWJ is text
    r = call(c, "post", f"/api/v1/dossiers/{code}/refuse", officer, {"reason": "1. Thiếu\n2. Sai 👩\u200d💻"})
    assert r.status_code == 200, r.content
    assert DossierEvent.objects.get(action="refuse").reason == "1. Thiếu\n2. Sai 👩\u200d💻"


def test_service_refuses_whatever_calls_it(org):
    """The services check again (the counter form, a community team's filing, any future caller): 422
    bad_characters naming the field, nothing stored — the representative, the e-form's values at any depth."""
    cases = [
        ({"representative": {"name": "Trần\x1b Bình"}}, "Họ tên người được ủy quyền chứa ký tự không hợp lệ U+001B"),
        ({"form_data": {"ghi_chu": {"dong": ["ok", "x\x7f"]}}}, "Tờ khai, mục 'ghi_chu.dong[1]' chứa ký tự"),
        ({"form_data": {"ten\u200b": "x"}}, "Tờ khai, tên mục 'ten\u200b' chứa ký tự không hợp lệ U+200B"),
        ({"applicant": {**APPLICANT, "address": "Số 1\u0085"}}, "Địa chỉ người nộp chứa ký tự không hợp lệ U+0085"),
    ]  # fmt: skip
    for extra, message in cases:
        with pytest.raises(services.Unprocessable) as exc:
            services.dossier_file(
                actor=org["users"]["citizen"],
                procedure_code="1.001612",
                agency_identifier="000.00.21.H26",
                channel="online",
                **{"applicant": APPLICANT, **extra},
            )
        assert exc.value.code == "bad_characters" and message in exc.value.message, extra
        assert exc.value.status == 422 and "invalid character" in exc.value.message_en
    assert not Dossier.objects.exists()
    d = file_online(org)
    for params in ({"reason": "Lý do\x00"}, {"reason": "a\u2067b"}):
        with pytest.raises(services.Unprocessable):
            services.dossier_act(code=d.code, action="refuse", actor=org["users"]["officer"], params=params)
    assert Dossier.objects.get(pk=d.pk).state == "submitted"


def test_counter_form_marks_the_field_and_files_nothing(client, org, offered):  # noqa: F811
    login(client, org, "officer")
    for field, value in (
        ("applicant_name", "Phạm Thị Lan\u200b"),
        ("applicant_address", "\x1b[31m1 Bạch Mai"),
        ("rep_name", "Trần\u202eBốn"),
    ):
        r = client.post("/staff/tiep-nhan/", counter_data(**{field: value}))
        assert r.status_code == 400, field
        errors = " ".join(r.context["form"].errors[field])
        assert errors.startswith("Có ký tự không hợp lệ U+") and "ở vị trí" in errors, (
            field
        )  # beside its field: not named again
    assert not Dossier.objects.exists()
    data = counter_data(applicant_name=unicodedata.normalize("NFD", "Phạm Thị Lan"))
    data.pop("receive_now")  # registered only: the components are handed in later
    r = client.post("/staff/tiep-nhan/", data)
    assert r.status_code == 302
    assert Dossier.objects.get().applicant_name == "Phạm Thị Lan"


def test_web_action_forms_refuse_hidden_characters(client, org):
    d = services.dossier_act(
        code=file_online(org).code, action="receive", actor=org["users"]["officer"], params={}
    )
    login(client, org, "specialist")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/request_supplement/",
        {"expected_version": d.version, "reason": "Hồ sơ chưa hợp lệ", "item_name": ["Giấy\x7f"], "item_reason": [""]},
    )  # fmt: skip
    assert (
        r.status_code == 400
        and "Dòng 1, tên giấy tờ, nội dung chứa ký tự không hợp lệ U+007F" in r.content.decode()
    )
    login(client, org, "officer")
    r = client.post(
        f"/staff/dossiers/{d.code}/act/request_payment/",
        {"expected_version": d.version, "amount": "500000", "reason": "Lệ phí\u200f"},
    )
    assert r.status_code == 400 and "U+200F" in r.content.decode()
    assert Dossier.objects.get(pk=d.pk).version == d.version


def _record(**over) -> dict:
    rec = {
        "code": "000.00.21.H26-200105-0001",
        "agency": "000.00.21.H26",
        "procedure": "1.001612",
        "channel": "counter",
        "applicant": {"kind": "individual", "name": "Lê Văn Cũ", "id_number": "001203012345"},
        "events": [{"action": "register", "at": "2020-01-05T09:00:00+07:00", "actor": "mc"}],
    }
    rec.update(over)
    return rec


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"applicant": {"kind": "individual", "name": "Lê\x1b Văn", "id_number": "001203012345"}}, "U+001B"),
        ({"representative": {"name": "Trần\u202e"}}, "'representative', mục 'name' chứa ký tự không hợp lệ U+202E"),
        ({"form_data": {"x": "\x85"}}, "'form_data', mục 'x'"),
        ({"ma_cu": "A\x01"}, "'ma_cu' chứa ký tự không hợp lệ U+0001"),
        ({"events": [{"action": "register", "at": "2020-01-05T09:00:00+07:00", "actor": "m\u200bc"}]}, "'actor'"),
    ],
)  # fmt: skip
def test_migration_import_reports_the_line_and_stores_nothing(org, tmp_path, over, message):
    good = json.dumps(_record(code="000.00.21.H26-200105-0002"), ensure_ascii=False)
    bad = json.dumps(_record(**over), ensure_ascii=True)
    path = tmp_path / "history.jsonl"
    path.write_text(good + "\n" + bad + "\n", encoding="utf-8")
    report = migration_io.import_dossiers(str(path))
    assert not report.ok and report.bad == 1
    assert [p.line for p in report.problems] == [2]
    assert message in report.problems[0].message and "invalid character" in report.problems[0].message_en
    assert not Dossier.objects.exists()  # all or nothing


def test_migration_import_keeps_a_reasons_lines_and_vietnamese(org, tmp_path):
    rec = _record(
        events=[
            {"action": "register", "at": "2020-01-05T09:00:00+07:00", "actor": "mc"},
            {
                "action": "refuse",
                "at": "2020-01-05T10:00:00+07:00",
                "actor": "mc",
                "reason": "Thiếu\tgiấy tờ",
            },
        ]
    )
    path = tmp_path / "history.jsonl"
    path.write_text(json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8")
    report = migration_io.import_dossiers(str(path))
    assert report.ok, [str(p) for p in report.problems]
