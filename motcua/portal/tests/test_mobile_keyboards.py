"""The keyboard a phone opens, and what the browser may fill in, for the fields a citizen types on the portal: a
phone number gets the phone pad, an identity number the number pad, a code is neither capitalised nor "corrected",
and the citizen's own name, address, phone and e-mail carry their autocomplete purpose (WCAG 1.3.5). Each assertion
is a field that had none of it on a phone."""

import re

import pytest

from motcua.catalog.eforms import build_eform
from motcua.portal.forms import ProfileForm, WhoForm


def attrs(html: str, name: str) -> dict:
    """The attributes of the <input> or <textarea> named `name` in `html`."""
    tag = re.search(rf'<(?:input|textarea)[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert tag, name
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag.group(0)))


@pytest.mark.django_db
def test_the_pakn_form_opens_the_right_keyboards(client):
    html = client.get("/phan-anh/").content.decode()
    phone = attrs(html, "phone")
    assert phone["type"] == "tel" and phone["inputmode"] == "tel" and phone["autocomplete"] == "tel"
    assert attrs(html, "name")["autocomplete"] == "name"
    assert attrs(html, "email")["autocomplete"] == "email" and attrs(html, "email")["type"] == "email"
    assert attrs(html, "address")["autocomplete"] == "street-address"
    for code in ("dossier_code", "procedure_code"):
        field = attrs(html, code)
        assert field["autocapitalize"] == "characters" and field["spellcheck"] == "false", code
        assert field["autocomplete"] == "off", code


def test_an_eform_phone_and_email_open_their_keyboards():
    form = build_eform(
        [
            {"name": "dien_thoai", "label": "Điện thoại liên hệ", "type": "tel"},
            {"name": "thu", "label": "Thư điện tử", "type": "email"},
        ]
    )()
    phone = attrs(str(form["dien_thoai"]), "dien_thoai")
    assert phone["type"] == "tel" and phone["inputmode"] == "tel" and phone["autocomplete"] == "tel"
    email = attrs(str(form["thu"]), "thu")
    assert email["type"] == "email" and email["autocomplete"] == "email"


def test_a_phone_number_field_still_takes_a_vietnamese_number():
    form_class = build_eform([{"name": "dien_thoai", "label": "Điện thoại liên hệ", "type": "tel"}])
    assert form_class({"dien_thoai": "0912 345 678"}).is_valid()
    assert not form_class({"dien_thoai": "12"}).is_valid()


def test_identity_numbers_open_the_number_pad():
    who = WhoForm()
    assert attrs(str(who["rep_id_number"]), "rep_id_number")["inputmode"] == "numeric"
    profile = ProfileForm()
    assert attrs(str(profile["id_number"]), "id_number")["inputmode"] == "numeric"


def test_an_organisations_tax_code_is_typed_on_the_text_keyboard():
    """A branch's tax code is written "0101234567-001": the number pad (iOS) has no hyphen, the text keyboard's
    digits row has. A person's ID keeps the number pad; the page's script follows a change of the kind."""
    assert attrs(str(WhoForm()["applicant_id_number"]), "applicant_id_number")["inputmode"] == "numeric"
    chosen = WhoForm({"applicant_kind": "organization"})["applicant_id_number"]
    assert attrs(str(chosen), "applicant_id_number")["inputmode"] == "text"
    kept = WhoForm(initial={"applicant_kind": "organization"})["applicant_id_number"]
    field = attrs(str(kept), "applicant_id_number")
    assert field["inputmode"] == "text" and field["data-kind-field"] == "applicant_kind"
    # the organisation's keyboard was set on that form's own widget, not on the class's
    assert attrs(str(WhoForm()["applicant_id_number"]), "applicant_id_number")["inputmode"] == "numeric"
