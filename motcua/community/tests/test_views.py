from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from motcua.community.models import AssistedFiling, ClaimRecord
from motcua.dossiers.models import Dossier

from .conftest import RESIDENT_ID


def post_filing(client, **over):
    data = {
        "procedure_code": "1.001193",
        "agency": "",
        "resident_name": "Trần Văn Bảo",
        "resident_id_number": RESIDENT_ID,
        "resident_phone": "0912345678",
        "consent_method": "phone",
        "consent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "consent_note": "Gọi lúc 9h",
        **over,
    }
    return client.post(reverse("community:assisted_new"), data)


def test_assisted_filing_page(client, world):
    url = reverse("community:assisted_new")
    assert client.get(url).status_code == 302
    client.force_login(world["users"]["resident"])
    assert client.get(url).status_code == 403  # not a team member
    client.force_login(world["users"]["member"])
    page = client.get(url).content.decode()
    assert "1.001193" in page  # offered procedures suggested
    bad = post_filing(client, resident_id_number="123")
    assert bad.status_code == 422 and "12 chữ số" in bad.content.decode()
    assert post_filing(client, consent_method="").status_code == 400
    assert not Dossier.objects.exists()
    ok = post_filing(client)
    assert ok.status_code == 302
    f = AssistedFiling.objects.get()
    assert ok["Location"] == reverse("community:assisted_done", args=[f.dossier.code])
    done = client.get(ok["Location"]).content.decode()
    assert f.dossier.code in done and "Phạm Thị Hoa" in done and "xác nhận qua điện thoại" in done
    client.force_login(world["users"]["member_b"])  # another team's member cannot see it
    assert client.get(ok["Location"]).status_code == 404


def test_claim_pages(client, world):
    client.force_login(world["users"]["member"])
    post_filing(client)
    code = AssistedFiling.objects.get().dossier.code
    url = reverse("community:claim")
    client.logout()
    assert client.get(url).status_code == 302
    client.force_login(world["users"]["resident"])
    assert client.get(url, {"ma": code}).status_code == 200
    wrong = client.post(url, {"code": code, "id_number": "001085099999"})
    assert wrong.status_code == 404 and "không đúng" in wrong.content.decode()
    assert Dossier.objects.get(code=code).applicant_user is None
    assert client.get(reverse("community:claim_done", args=[code])).status_code == 404  # not yet theirs
    ok = client.post(url, {"code": code, "id_number": RESIDENT_ID})
    assert ok.status_code == 302 and ok["Location"] == reverse("community:claim_done", args=[code])
    page = client.get(ok["Location"]).content.decode()
    assert code in page and "Mới đăng ký" in page and "Tổ CNSCĐ TDP số 1" in page
    assert ClaimRecord.objects.count() == 1
    again = client.post(url, {"code": code, "id_number": RESIDENT_ID})
    assert again.status_code == 302 and ClaimRecord.objects.count() == 1
    client.force_login(world["users"]["other"])
    assert client.post(url, {"code": code, "id_number": RESIDENT_ID}).status_code == 409
    assert client.get(reverse("community:claim_done", args=[code])).status_code == 404


def test_claim_page_throttles(client, world):
    client.force_login(world["users"]["member"])
    post_filing(client)
    code = AssistedFiling.objects.get().dossier.code
    client.force_login(world["users"]["resident"])
    for _ in range(5):
        client.post(reverse("community:claim"), {"code": code, "id_number": "001085099999"})
    assert (
        client.post(reverse("community:claim"), {"code": code, "id_number": RESIDENT_ID}).status_code == 429
    )


def test_assistance_template_tag(world, client):
    client.force_login(world["users"]["member"])
    post_filing(client)
    d = AssistedFiling.objects.get().dossier
    html = Template("{% load community %}{% assistance_note d %}").render(Context({"d": d}))
    assert "Tổ CNSCĐ TDP số 1" in html and "Phạm Thị Hoa" in html and "Tổ trưởng" in html
    plain = Dossier.objects.create(
        code="X-1",
        agency=world["ward_a"],
        procedure=world["procedure"],
        channel="counter",
        state="received",
        applicant_name="A",
        applicant_name_ascii="a",
    )
    assert Template("{% load community %}{% assistance_note d %}").render(Context({"d": plain})).strip() == ""
