"""What a one-stop officer and a legal inspector check on the printed forms and the inter-agency (liên thông)
steps: the date line as an administrative document writes it (Decree 30/2020/NĐ-CP), who signs as the person
filing when an authorised person filed, and a step's own deadline across a pause (supplement, payment), on the
calendar of the agency that holds the step."""

import datetime as dt

import pytest

from motcua.dossiers import pdf, services

from .conftest import APPLICANT, local
from .test_pdf import form_text, squash

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
    d, _ = services.dossier_file(
        actor=org["users"]["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant=APPLICANT,
        receive=True,
        at=local(2025, 3, 3, 9, 0),
    )
    text = squash(form_text("receipt", d))
    assert "Hà Nội, ngày 03 tháng 3 năm 2025" in text
    assert "tháng 03" not in text


def test_an_authorised_person_signs_the_receipt_and_the_refusal_as_the_person_filing(org):
    """Form 01 and Form 03 are signed by whoever handed the dossier in: the authorised person when the applicant
    authorised one (Decree 118/2025 Art. 6(2), 15), not the applicant who was not at the counter."""
    rep = {"name": "Lê Văn Tám", "id_number": "001085012345", "authorisation_document": "Giấy ủy quyền số 12"}
    received, _ = services.dossier_file(
        actor=org["users"]["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant={**APPLICANT, "name": "Trần Thị Bích Ngọc"},
        representative=rep,
        receive=True,
        at=local(2025, 3, 3, 9, 0),
    )
    html = pdf.render_form_html("receipt", received)
    signs = squash(html.split('class="signs"')[1])
    assert "Lê Văn Tám" in signs and "Trần Thị Bích Ngọc" not in signs
    assert "Ông/Bà: <b>Trần Thị Bích Ngọc</b>" in html  # the applicant stays the applicant

    refused, _ = services.dossier_file(
        actor=org["users"]["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
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
    alone, _ = services.dossier_file(
        actor=org["users"]["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant={**APPLICANT, "name": "Phạm Minh Châu"},
        receive=True,
        at=local(2025, 3, 3, 10, 0),
    )
    assert "Phạm Minh Châu" in squash(pdf.render_form_html("receipt", alone).split('class="signs"')[1])
