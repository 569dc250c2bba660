"""What a one-stop officer and a legal inspector check on the printed forms and the inter-agency (liên thông)
steps: the date line as an administrative document writes it (Decree 30/2020/NĐ-CP), who signs as the person
filing when an authorised person filed, and a step's own deadline across a pause (supplement, payment), on the
calendar of the agency that holds the step."""

import datetime as dt

import pytest

from motcua.dossiers import pdf, services
from motcua.workdays import services as calendar

from .conftest import APPLICANT, local
from .test_pdf import form_text, squash
from .test_step_permissions import TAX, at_the_tax_office

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


def act(org, d, action, who, at, **params):
    return services.dossier_act(code=d.code, action=action, actor=org["users"][who], params=params, at=at)


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
