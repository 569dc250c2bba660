"""A community team member files for a resident through the API (`POST /api/v1/dossiers` with `assisted`), as the
team's web form files: the resident is the applicant, the consent is recorded, the filing counts for the team."""

import datetime as dt

import pytest
from django.utils import timezone

from motcua.community.models import AssistedFiling
from motcua.core.models import ApiToken
from motcua.dossiers.models import Dossier, DossierEvent
from motcua.portal.models import CitizenProfile

from .conftest import RESIDENT_ID


def body(**over):
    b = {
        "procedure": "1.001193",
        "agency": "000.02.33.H26",
        "channel": "online",
        "applicant": {"name": "Trần Văn Bảo", "id_number": RESIDENT_ID, "phone": "0912345678"},
        "result_method": "electronic",
        "assisted": {
            "consent_method": "signature",
            "consent_at": timezone.localtime().replace(microsecond=0).isoformat(),
            "consent_note": "Ông Bảo ký vào phiếu đồng ý",
        },
    }
    b.update(over)
    return b


def post(client, user, data, **headers):
    return client.post(
        "/api/v1/dossiers",
        data=data,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {ApiToken.issue(user)}",
        **headers,
    )


def test_a_member_files_for_a_resident_through_the_api(client, world):
    member = world["users"]["member"]
    r = post(client, member, body(), HTTP_IDEMPOTENCY_KEY="tk-1")
    assert r.status_code == 201, r.json()
    answer = r.json()
    assert (
        answer["assisted"]["team"] == "Tổ CNSCĐ TDP số 1"
        and answer["assisted"]["consent_method"] == "signature"
    )
    d = Dossier.objects.get(code=answer["code"])
    assert (d.applicant_name, d.applicant_id_number, d.state) == ("Trần Văn Bảo", RESIDENT_ID, "submitted")
    assert d.filed_by == member and d.applicant_user is None  # the resident's once they claim it
    f = AssistedFiling.objects.get(dossier=d)
    assert (f.member, f.consent_method, f.consent_note) == (
        world["m1"],
        "signature",
        "Ông Bảo ký vào phiếu đồng ý",
    )
    # a retry with the same key files nothing more; the same key with another body is refused, not filed anew
    again = post(client, member, body(), HTTP_IDEMPOTENCY_KEY="tk-1")
    assert again.status_code == 200 and again.json()["code"] == d.code
    other = body(applicant={"name": "Lê Thị Cúc", "id_number": "001190012346"})
    mismatch = post(client, member, other, HTTP_IDEMPOTENCY_KEY="tk-1")
    assert mismatch.status_code == 422 and mismatch.json()["error"] == "idempotency_mismatch"
    assert Dossier.objects.count() == 1 and AssistedFiling.objects.count() == 1


@pytest.mark.parametrize(
    "change, status, error",
    [
        ({"channel": "counter"}, 422, "assisted_filing"),
        (
            {"applicant": {"kind": "organization", "name": "Công ty A", "id_number": "0101243150"}},
            422,
            "assisted_filing",
        ),
        ({"representative": {"name": "Trần Văn Con"}}, 422, "assisted_filing"),
        ({"assisted": {"consent_method": "signature"}}, 422, "validation"),  # no consent time
        (
            {"assisted": {"consent_method": "nod", "consent_at": "2026-01-01T08:00:00+07:00"}},
            422,
            "validation",
        ),
        (
            {"assisted": {"consent_method": "phone", "consent_at": "2020-01-01T08:00:00+07:00"}},
            422,
            "consent_time",
        ),
        ({"agency": "000.03.33.H26"}, 422, "not_offered"),  # the other ward does not list the procedure
        ({"applicant": {"name": "Trần Văn Bảo", "id_number": "123"}}, 422, "bad_id_number"),
    ],
)
def test_a_wrong_assisted_filing_is_refused_and_files_nothing(client, world, change, status, error):
    r = post(client, world["users"]["member"], body(**change))
    assert r.status_code == status, r.json()
    assert r.json()["error"] == error and r.json()["message"] and r.json()["message_en"]
    assert not Dossier.objects.exists() and not AssistedFiling.objects.exists()
    assert not DossierEvent.objects.exists()


def test_only_an_active_member_files_for_a_resident(client, world):
    r = post(client, world["users"]["other"], body())
    assert r.status_code == 403 and not Dossier.objects.exists()
    world["m1"].active = False
    world["m1"].save()
    r = post(client, world["users"]["member"], body())
    assert r.status_code == 403 and not Dossier.objects.exists()


def test_a_consent_time_without_offset_is_vietnams(client, world):
    naive = (timezone.localtime() - dt.timedelta(hours=1)).replace(tzinfo=None, microsecond=0)
    r = post(
        client,
        world["users"]["member"],
        body(assisted={"consent_method": "vneid", "consent_at": naive.isoformat()}),
    )
    assert r.status_code == 201, r.json()
    assert timezone.localtime(AssistedFiling.objects.get().consent_at).replace(tzinfo=None) == naive


def test_a_member_filing_for_another_without_assisted_is_warned(client, world):
    member = world["users"]["member"]
    plain = body()
    del plain["assisted"]
    r = post(client, member, plain)
    assert r.status_code == 201
    assert [w["code"] for w in r.json()["warnings"]] == ["not_assisted"]
    assert Dossier.objects.get().applicant_user == member and not AssistedFiling.objects.exists()
    # their own dossier (the account's ID) and anyone who is no member: no warning
    CitizenProfile.objects.create(user=member, id_number="001090012347")
    own = {**plain, "applicant": {"name": "Phạm Thị Hoa", "id_number": "001090012347"}}
    assert "warnings" not in post(client, member, own).json()
    assert "warnings" not in post(client, world["users"]["other"], plain).json()
