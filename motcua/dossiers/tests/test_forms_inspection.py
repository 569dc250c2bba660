"""What a one-stop officer and a legal inspector check on the printed forms and the inter-agency (liên thông)
steps: the date line as an administrative document writes it (Decree 30/2020/NĐ-CP), who signs as the person
filing when an authorised person filed, and a step's own deadline across a pause (supplement, payment), on the
calendar of the agency that holds the step."""

import datetime as dt

import pytest

from motcua.dossiers import pdf, services
from motcua.workdays import services as calendar

from .conftest import APPLICANT, act, local
from .test_pdf import form_text, squash
from .test_step_permissions import TAX, at_the_tax_office

pytestmark = pytest.mark.django_db


def counter(org, **extra):
    """A dossier registered at the Sở's counter by its one-stop officer (received at once with receive=True)."""
    extra.setdefault("applicant", APPLICANT)
    return services.dossier_file(
        actor=org["users"]["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
        **extra,
    )


@pytest.mark.parametrize(
    "day, words",
    [
        (dt.date(2025, 1, 5), "ngày 05 tháng 01 năm 2025"),
        (dt.date(2026, 2, 14), "ngày 14 tháng 02 năm 2026"),
        (dt.date(2025, 3, 3), "ngày 03 tháng 3 năm 2025"),
        (dt.date(2026, 6, 29), "ngày 29 tháng 6 năm 2026"),
        (dt.date(2026, 11, 28), "ngày 28 tháng 11 năm 2026"),
    ],
)
def test_the_date_line_pads_days_below_10_and_only_the_months_1_and_2(org, day, words):
    org["so"].place_name = "Hà Nội"
    org["so"].save()
    assert pdf.place_date(org["so"], day) == f"Hà Nội, {words}"


def test_a_form_issued_in_march_writes_thang_3(org):
    org["so"].place_name = "Hà Nội"
    org["so"].save()
    d, _ = counter(org, receive=True, at=local(2025, 3, 3, 9, 0))
    text = squash(form_text("receipt", d))
    assert "Hà Nội, ngày 03 tháng 3 năm 2025" in text
    assert "tháng 03" not in text


def test_an_authorised_person_signs_the_receipt_and_the_refusal_as_the_person_filing(org):
    """Form 01 and Form 03 are signed by whoever handed the dossier in: the authorised person when the applicant
    authorised one (Decree 118/2025 Art. 6(2), 15), not the applicant who was not at the counter."""
    rep = {"name": "Lê Văn Tám", "id_number": "001085012345", "authorisation_document": "Giấy ủy quyền số 12"}
    received, _ = counter(
        org,
        applicant={**APPLICANT, "name": "Trần Thị Bích Ngọc"},
        representative=rep,
        receive=True,
        at=local(2025, 3, 3, 9, 0),
    )
    html = pdf.render_form_html("receipt", received)
    signs = squash(html.split('class="signs"')[1])
    assert "Lê Văn Tám" in signs and "Trần Thị Bích Ngọc" not in signs
    assert "Ông/Bà: <b>Trần Thị Bích Ngọc</b>" in html  # the applicant stays the applicant

    refused, _ = counter(
        org,
        applicant={**APPLICANT, "name": "Trần Thị Bích Ngọc"},
        representative=rep,
        at=local(2025, 3, 3, 9, 30),
    )
    refused = act(
        org, refused, "refuse", "officer", local(2025, 3, 3, 9, 45), reason="Không thuộc thẩm quyền"
    )
    signs = squash(pdf.render_form_html("refusal", refused).split('class="signs"')[1])
    assert "Lê Văn Tám" in signs and "Trần Thị Bích Ngọc" not in signs

    # without an authorised person, the applicant signs as before
    alone, _ = counter(
        org, applicant={**APPLICANT, "name": "Phạm Minh Châu"}, receive=True, at=local(2025, 3, 3, 10, 0)
    )
    assert "Phạm Minh Châu" in squash(pdf.render_form_html("receipt", alone).split('class="signs"')[1])


def test_a_supplement_asked_during_a_step_moves_the_steps_deadline_by_the_time_paused(org):
    """The specialist's step (16 working hours from Mon 03/03/2025 08:00: Tue 04/03 17:00) is paused from Mon
    09:00 until the applicant supplements on Fri 07/03 09:00 (32 working hours): its deadline moves to Mon 10/03
    17:00, as the dossier's does, and the step completed on Fri 10:00 is early, not late."""
    d = counter(org, receive=True, at=local(2025, 3, 3, 7, 30))[0]
    step = services.current_step(d)
    assert step.due_at == local(2025, 3, 4, 17, 0)
    d = act(org, d, "request_supplement", "specialist", local(2025, 3, 3, 9, 0), reason="Thiếu tờ khai")
    d = act(org, d, "supplement", "officer", local(2025, 3, 7, 9, 0))
    assert d.due_at == local(2025, 3, 11, 17, 0)  # Wed 05/03 17:00 + 32 working hours
    services.forget_steps(d)
    assert services.current_step(d).due_at == local(2025, 3, 10, 17, 0)
    d = act(org, d, "hand_over", "specialist", local(2025, 3, 7, 10, 0))
    first = d.steps.get(order=1)
    assert first.classification == "early"
    text = squash(form_text("control", d))
    assert "Quá hạn" not in text


def test_a_payment_asked_by_the_partner_moves_its_step_on_the_partners_calendar(org, admin_user):
    """The tax office's step (4 working hours from Mon 03/03/2025 10:00: Mon 15:00) is paused for a payment from
    11:00 to 16:00 (4 working hours). The tax office's own calendar has Tue 04/03 off: its step is due Wed 05/03
    10:00 (on the department's calendar it would be Tue 10:00), and a hand-back on Wed 09:00 is on time — on the
    control slip too. The dossier's appointment moves on the department's calendar, as before."""
    org["tax"].jurisdiction = "THUE"
    org["tax"].save()
    calendar.add_override(
        date=dt.date(2025, 3, 4),
        kind="day_off",
        reason="Nghỉ riêng của Cục Thuế",
        user=admin_user,
        jurisdiction="THUE",
    )
    d = at_the_tax_office(org)
    step = services.current_step(d)
    assert (step.agency.identifier, step.due_at) == (TAX, local(2025, 3, 3, 15, 0))
    due_before = d.due_at
    d = act(org, d, "request_payment", "tax_specialist", local(2025, 3, 3, 11, 0), amount="500000")
    d = act(org, d, "confirm_payment", "officer", local(2025, 3, 3, 16, 0))
    services.forget_steps(d)
    assert services.current_step(d).due_at == local(2025, 3, 5, 10, 0)
    assert d.due_at == calendar.add_working_hours(due_before, 4, agency=org["so"])
    d = act(org, d, "hand_over", "tax_specialist", local(2025, 3, 5, 9, 0))
    tax_step = d.steps.get(agency=org["tax"])
    assert tax_step.classification == "on_time"
    text = squash(form_text("control", d))
    assert "Cục Thuế" in text and "Quá hạn" not in text


def test_a_pause_before_the_step_began_its_clock_does_not_move_it_twice(org):
    """A supplement asked and given before any step time ran (received after the cut-off, paused and resumed
    before the next opening): nothing moves."""
    d = counter(org, receive=True, at=local(2025, 3, 3, 17, 10))[0]
    due = services.current_step(d).due_at
    d = act(org, d, "request_supplement", "officer", local(2025, 3, 3, 17, 20), reason="Thiếu tờ khai")
    d = act(org, d, "supplement", "officer", local(2025, 3, 3, 18, 0))
    services.forget_steps(d)
    assert services.current_step(d).due_at == due


def test_the_tracking_book_names_the_procedure_as_the_receipt_does(org):
    """Form 07 and Form 01 name a dossier's procedure alike: the name of the version it was filed under, even after
    the catalogue renamed the procedure."""
    from motcua.catalog.models import Procedure

    d = counter(org, receive=True, at=local(2025, 3, 3, 9, 0))[0]
    Procedure.objects.filter(pk=org["procedure"].pk).update(name="Đăng ký hộ kinh doanh (tên mới)")
    rows = pdf.tracking_rows(org["so"], dt.date(2025, 3, 3), dt.date(2025, 3, 3))
    assert [r["procedure"] for r in rows] == ["Đăng ký thành lập hộ kinh doanh"]
    assert "Đăng ký thành lập hộ kinh doanh" in squash(pdf.render_form_html("receipt", d))


def _import(tmp_path, record: dict):
    import json

    from motcua.dossiers import migration_io
    from motcua.dossiers.models import Dossier

    path = tmp_path / "history.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    migration_io.import_dossiers(str(path))
    return Dossier.objects.get(code=record["code"])


def test_a_2023_dossier_prints_circular_01_2018s_forms_and_numbers(org, tmp_path):
    """A dossier imported from the previous system, received, late and apologised for in 2023, was issued its forms
    under Circular 01/2018/TT-VPCP: its receipt is that circular's Form 01, its apology that circular's Form 04
    with its title, its control slip Form 05 and its tracking book Form 06 — not Circular 03/2025's numbers."""
    d = _import(
        tmp_path,
        {
            "code": "000.00.21.H26-230306-0001",
            "procedure": "1.001612",
            "agency": "000.00.21.H26",
            "channel": "counter",
            "applicant": {"kind": "individual", "name": "Nguyễn Văn A", "id_number": "001203012345"},
            "events": [
                {"action": "register", "at": "2023-03-06T09:00:00+07:00"},
                {"action": "receive", "at": "2023-03-06T09:10:00+07:00"},
                {
                    "action": "apologize",
                    "at": "2023-03-08T09:00:00+07:00",
                    "reason": "Cần xác minh",
                    "new_return_at": "2023-03-13T16:00:00+07:00",
                },
            ],
        },
    )
    receipt = squash(form_text("receipt", d))
    assert "Mẫu số 01 — Thông tư số 01/2018/TT-VPCP" in receipt and "03/2025" not in receipt
    apology = squash(form_text("apology", d))
    assert "Mẫu số 04 — Thông tư số 01/2018/TT-VPCP" in apology
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in apology and "GIA HẠN" not in apology
    assert "Mẫu số 05 — Thông tư số 01/2018/TT-VPCP" in squash(pdf.render_form_html("control", d))
    book = squash(pdf.render_tracking_book_html(org["so"], dt.date(2023, 3, 1), dt.date(2023, 3, 31)))
    assert "Mẫu số 06 — Thông tư số 01/2018/TT-VPCP" in book and d.code in book
    # the staff page's list of forms numbers them alike
    assert {f["key"]: f["spec"].number for f in pdf.available_forms(d)} == {
        "receipt": "01",
        "apology": "04",
        "control": "05",
    }


def test_a_downloaded_forms_file_name_carries_the_number_it_prints(org, client):
    """The PDF's file name said Circular 03/2025's number whatever the form's date: a 2023 control slip printed
    "Mẫu số 05" came down as "…-mau-06.pdf"; a 2023 stop notice, which has no number, as "…-mau-05.pdf"."""
    client.force_login(org["users"]["officer"])

    def file_name(d, form):
        r = client.get(f"/staff/dossiers/{d.code}/forms/{form}.pdf")
        assert r.status_code == 200
        return r["Content-Disposition"].split('filename="')[1].rstrip('"')

    old = counter(org, receive=True, at=local(2023, 3, 6, 9, 0))[0]
    assert file_name(old, "control") == f"{old.code}-mau-05.pdf"
    old = act(org, old, "stop", "officer", local(2023, 3, 6, 10, 0), reason="Theo đề nghị của công dân")
    assert file_name(old, "stop") == f"{old.code}-stop.pdf"
    new = counter(org, receive=True, at=local(2025, 10, 6, 9, 0))[0]
    assert file_name(new, "control") == f"{new.code}-mau-06.pdf"


def test_a_dossier_of_late_2025_prints_circular_03_2025s_forms(org):
    d = counter(org, receive=True, at=local(2025, 10, 6, 9, 0))[0]
    assert "Mẫu số 01 — Thông tư số 03/2025/TT-VPCP" in squash(form_text("receipt", d))
    assert "Mẫu số 06 — Thông tư số 03/2025/TT-VPCP" in squash(pdf.render_form_html("control", d))
    book = squash(pdf.render_tracking_book_html(org["so"], dt.date(2025, 10, 1), dt.date(2025, 10, 31)))
    assert "Mẫu số 07 — Thông tư số 03/2025/TT-VPCP" in book
    d = act(org, d, "stop", "officer", local(2025, 10, 6, 10, 0), reason="Theo đề nghị của công dân")
    stop = squash(form_text("stop", d))
    assert "Mẫu số 05 — Thông tư số 03/2025/TT-VPCP" in stop and "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in stop

    # a stop notice of 2023 is no numbered form of Circular 01/2018: no "Mẫu số" line at all
    old = counter(org, receive=True, at=local(2023, 3, 6, 9, 0))[0]
    old = act(org, old, "stop", "officer", local(2023, 3, 6, 10, 0), reason="Theo đề nghị của công dân")
    assert "Mẫu số" not in squash(pdf.render_form_html("stop", old))


def test_the_circulars_table_is_configurable(org, settings):
    """The day Circular 03/2025 took effect is not verified (rules §0): an installation sets it."""
    settings.MOTCUA_FORM_CIRCULARS = [
        {"code": "01/2018/TT-VPCP", "effective_from": "2019-01-06", "numbers": {"receipt": "01"}},
        {"code": "03/2025/TT-VPCP", "effective_from": "2025-11-01", "numbers": {"receipt": "01"}},
    ]
    d = counter(org, receive=True, at=local(2025, 10, 6, 9, 0))[0]
    assert "Mẫu số 01 — Thông tư số 01/2018/TT-VPCP" in squash(pdf.render_form_html("receipt", d))
    e = counter(org, receive=True, at=local(2025, 11, 3, 9, 0))[0]
    assert "Mẫu số 01 — Thông tư số 03/2025/TT-VPCP" in squash(pdf.render_form_html("receipt", e))


# --- the issuing unit's abbreviation in the forms' numbers ------------------------------------------------------


def test_a_departments_one_stop_unit_numbers_its_forms_bptntkq_not_ttpvhcc(org):
    """The Sở receives at its own one-stop unit (Bộ phận Tiếp nhận và Trả kết quả), not at a public-service centre:
    its numbers end in BPTNTKQ, as the 2025 national forms write it ("…/PBS-TTPVHCC (BPTNTKQ)")."""
    d = counter(org, receive=True, at=local(2025, 10, 6, 9, 0))[0]
    text = squash(form_text("receipt", d))
    assert "Số: 251006-0001/BPTNTKQ" in text and "TTPVHCC" not in text
    assert "Bộ phận Một cửa".upper() in text.upper()  # the unit's name under the agency's
    book = squash(pdf.render_tracking_book_html(org["so"], dt.date(2025, 10, 1), dt.date(2025, 10, 31)))
    assert "/STD-BPTNTKQ" in book


def test_a_public_service_centre_numbers_ttpvhcc_and_a_unit_may_set_its_own(org):
    """A ward whose one-stop unit is its Trung tâm Phục vụ hành chính công numbers TTPVHCC; a unit that registered
    its own abbreviation numbers with it; an agency with no one-stop unit recorded takes its level's."""
    from motcua.catalog.models import Offering
    from motcua.org.models import Agency, Role, StaffRole, Unit

    ward = Agency.objects.create(
        identifier="000.21.01.H26", name="Phường Bạch Mai", level="commune", kind="ward", parent=org["hn"]
    )
    centre = Unit.objects.create(
        agency=ward, name="Trung tâm Phục vụ hành chính công phường", kind="service_centre"
    )
    StaffRole.objects.create(user=org["users"]["specialist"], agency=ward, unit=centre, role=Role.OFFICER)
    Offering.objects.create(agency=ward, procedure=org["procedure"], online=True)

    def received_at_ward(day):
        return services.dossier_file(
            actor=org["users"]["specialist"],
            procedure_code="1.001612",
            agency_identifier=ward.identifier,
            channel="counter",
            applicant=APPLICANT,
            receive=True,
            at=local(2025, 10, day, 9, 0),
        )[0]

    d = received_at_ward(6)
    text = squash(form_text("receipt", d))
    assert "Số: 251006-0001/TTPVHCC" in text
    assert "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG PHƯỜNG" in text.upper()

    centre.form_abbreviation = "ttpvhcc-bm"  # refused: not an abbreviation
    with pytest.raises(Exception, match="Ký hiệu viết tắt"):
        centre.full_clean()
    centre.form_abbreviation = "TTHCC"
    centre.full_clean()
    centre.save()
    assert "Số: 251006-0001/TTHCC" in squash(pdf.render_form_html("receipt", d))

    one_stop = Unit.objects.get(agency=org["so"], kind="one_stop")
    one_stop.delete()  # no one-stop unit recorded: the department's level says BPTNTKQ, the ward's TTPVHCC
    assert pdf.number_abbreviation(org["so"], None) == "BPTNTKQ"
    assert pdf.number_abbreviation(ward, None) == "TTPVHCC"


def test_the_admin_shows_the_units_abbreviation(org, admin_client):
    page = admin_client.get(f"/admin/org/agency/{org['so'].pk}/change/").content.decode()
    assert 'name="units-0-form_abbreviation"' in page


# --- a supplement asked for during an inter-agency (liên thông) step ----------------------------------------------


def _named(org):
    org["so"].place_name, org["so"].phone = "Hà Nội", "024 3825 6789"
    org["so"].save()
    org["tax"].phone = "024 1111 2222"
    org["tax"].save()
    for key, first, last in (("specialist", "Trần Văn", "Cường"), ("tax_specialist", "Lê Thị", "Thu")):
        u = org["users"][key]
        u.first_name, u.last_name = first, last
        u.save()


def test_a_supplement_asked_by_the_department_while_the_tax_office_holds_the_step_is_not_the_tax_offices(org):
    """Received at the Sở, assigned, handed over to the tax office (liên thông); the Sở's specialist asks for a
    supplement while the tax office holds the step. The control slip used to write the row as given by "Cục Thuế"
    (the step's holder) with the Sở's specialist as the giver: it now names the Sở, and where the dossier was."""
    _named(org)
    d = at_the_tax_office(org)
    d = act(org, d, "request_supplement", "specialist", local(2025, 3, 3, 11, 0), reason="Thiếu tờ khai thuế")
    event = d.events.get(action="request_supplement")
    assert event.data["step_agency"] == TAX and event.data["requesting_agency"] == "000.00.21.H26"
    assert services.verify_chain(d) == []
    row = next(r for r in pdf.control_context(d)["rows"] if r["note"].startswith("Yêu cầu bổ sung"))
    assert row["giver_unit"] == "Sở Kế hoạch và Đầu tư" and row["giver"] == "Trần Văn Cường"
    assert row["note"] == "Yêu cầu bổ sung hồ sơ (trong bước liên thông tại Cục Thuế): Thiếu tờ khai thuế"
    text = squash(form_text("supplement", d))
    assert "Trong quá trình giải quyết, Sở Kế hoạch và Đầu tư đã xem xét hồ sơ" in text
    assert (
        "liên hệ với Trần Văn Cường, số điện thoại 024 3825 6789" in text
    )  # the Sở's own officer, the Sở's phone


def test_the_dossier_pages_log_says_a_supplement_was_asked_during_the_partners_step(org, client):
    """The staff page's processing log named only the actor of a request made while the tax office held the
    dossier; it now says in which liên thông step and in whose name it was asked."""
    _named(org)
    d = at_the_tax_office(org)
    d = act(org, d, "request_supplement", "specialist", local(2025, 3, 3, 11, 0), reason="Thiếu tờ khai thuế")
    client.force_login(org["users"]["specialist"])
    html = client.get(f"/staff/dossiers/{d.code}/").content.decode()
    entry = html[html.index('data-action="request_supplement"') :]
    entry = entry[: entry.index("</li>")]
    assert "Trong bước liên thông tại Cục Thuế; cơ quan đề nghị: Sở Kế hoạch và Đầu tư" in entry
    assert "liên thông tại" not in html[: html.index('data-action="request_supplement"')]


def test_a_supplement_the_partner_asked_for_is_sent_by_the_receiving_one_stop_unit(org, monkeypatch):
    """The partner's own officer recorded the request (history from before partners were limited to their step's
    work — ADR 0004, 27/11/2026 — or an installation that lets them ask). Form 02 is still the receiving one-stop
    unit's (rules §1.3: the agency asks, the one-stop unit sends it; the applicant's single point of contact): the
    Sở's header, unit and number series; "theo đề nghị của Cục Thuế"; the applicant contacts the Sở's one-stop unit
    at the Sở's phone; the one-stop officer who sends it signs; the tax officer is named as the one who asked. The
    event keeps its actor. An event recorded before the requesting agency was written down reads the same."""
    _named(org)
    d = at_the_tax_office(org)
    monkeypatch.setattr(
        services, "STEP_AGENCY_ACTIONS", services.STEP_AGENCY_ACTIONS | {"request_supplement"}
    )
    d = act(
        org, d, "request_supplement", "tax_specialist", local(2025, 3, 3, 11, 0), reason="Thiếu tờ khai thuế"
    )
    event = d.events.get(action="request_supplement")
    assert event.actor == org["users"]["tax_specialist"]
    assert event.data["requesting_agency"] == TAX

    def check():
        text = squash(form_text("supplement", d))
        header = text.split("PHIẾU YÊU CẦU BỔ SUNG")[0]
        assert "SỞ KẾ HOẠCH VÀ ĐẦU TƯ" in header and "CỤC THUẾ" not in header
        assert f"Số: 250303-0001.{event.seq:02d}/PBS-BPTNTKQ" in header
        assert (
            "Trong quá trình giải quyết liên thông, Cục Thuế (cơ quan phối hợp giải quyết) đã xem xét hồ sơ"
            in text
        )
        assert (
            "Theo đề nghị của Cục Thuế, Bộ phận Một cửa Sở Kế hoạch và Đầu tư đề nghị Ông/Bà bổ sung" in text
        )
        assert "liên hệ với Bộ phận Một cửa Sở Kế hoạch và Đầu tư, số điện thoại 024 3825 6789" in text
        assert "024 1111 2222" not in text
        assert "Cơ quan đề nghị bổ sung: Cục Thuế (cán bộ: Lê Thị Thu)" in text
        signs = squash(pdf.render_form_html("supplement", d).split('class="signs"')[1])
        assert "Lê Thị Thu" not in signs  # the one-stop officer who sends it signs, by hand
        row = next(r for r in pdf.control_context(d)["rows"] if r["note"].startswith("Yêu cầu bổ sung"))
        assert (row["giver_unit"], row["giver"]) == ("Cục Thuế", "Lê Thị Thu")

    check()
    data = {k: v for k, v in event.data.items() if k not in ("requesting_agency", "step_agency")}
    type(event).objects.filter(pk=event.pk).update(data=data)  # as recorded before this change
    check()
