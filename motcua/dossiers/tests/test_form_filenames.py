"""A form's PDF is named once (pdf.form_content_disposition): the staff page's download and the API's give the same
Content-Disposition for the same form."""

from django.test import Client

from motcua.dossiers import pdf
from motcua.dossiers.models import Dossier

from .conftest import act, login
from .test_api import call
from .test_views import file_online


def test_the_web_and_the_api_name_a_form_alike(client, org, token):
    d = act(org, file_online(org), "receive", "officer")
    d = act(
        org, d, "request_supplement", "specialist", reason="Thiếu giấy tờ", items=[{"name": "Giấy đề nghị", "reason": "x"}]
    )  # fmt: skip
    login(client, org, "leader")
    api, tok = Client(), token("leader")
    seen = {}
    for form, query in (
        ("receipt", ""),
        ("control", ""),
        ("supplement", ""),
        ("supplement", f"?seq={d.version}"),
    ):
        web = client.get(f"/staff/dossiers/{d.code}/forms/{form}.pdf{query}")
        via_api = call(api, "get", f"/api/v1/dossiers/{d.code}/forms/{form}{query}", tok)
        assert web.status_code == via_api.status_code == 200, (form, web.status_code, via_api.status_code)
        assert web["Content-Disposition"] == via_api["Content-Disposition"], form
        seen[form] = web["Content-Disposition"]
    assert seen["receipt"] == f'inline; filename="{d.code}-mau-01.pdf"'
    assert seen["supplement"] == f'inline; filename="{d.code}-mau-02.pdf"'


def test_an_imported_code_with_slashes_gives_the_same_plain_file_name(client, org, token):
    """The API wrote "HS_2019_0001-mau-01.pdf" and the staff page "HS/2019/0001-mau-01.pdf" (a browser keeps only
    "0001-mau-01.pdf" of it, or refuses it)."""
    d = act(org, file_online(org), "receive", "officer")
    Dossier.objects.filter(pk=d.pk).update(code="HS/2019/0001")  # an older system's code, kept (contract §8)
    d = Dossier.objects.get(pk=d.pk)
    assert pdf.form_content_disposition(d, "receipt") == 'inline; filename="HS_2019_0001-mau-01.pdf"'
    login(client, org, "leader")
    web = client.get(f"/staff/dossiers/{d.code}/forms/receipt.pdf")
    via_api = call(Client(), "get", f"/api/v1/dossiers/{d.code}/forms/receipt", token("leader"))
    assert web.status_code == via_api.status_code == 200, (web.status_code, via_api.status_code)
    assert (
        web["Content-Disposition"]
        == via_api["Content-Disposition"]
        == pdf.form_content_disposition(d, "receipt")
    )
