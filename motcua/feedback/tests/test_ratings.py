import unicodedata

import pytest
from django.urls import reverse

from motcua.core.errors import Conflict, NotFound, PermissionDenied, Unprocessable
from motcua.feedback.criteria import ensure_default_criteria
from motcua.feedback.models import Criterion, Rating
from motcua.feedback.services import rating_create

from .conftest import make_dossier


def test_owner_rates_a_resolved_dossier_once(world):
    d = make_dossier(world, state="resolved")
    comment = unicodedata.normalize("NFD", "Cán bộ  hướng dẫn tận tình")
    r = rating_create(
        user=world["users"]["citizen"],
        dossier_code=d.code,
        overall=4,
        scores={"thai-do-can-bo": "4", "dung-han": 3, "cong-khai-tthc": ""},
        comment=comment,
    )
    r.refresh_from_db()
    assert r.overall == 4 and r.satisfied
    assert r.scores == {"thai-do-can-bo": 4, "dung-han": 3}
    assert r.comment == "Cán bộ hướng dẫn tận tình"
    assert unicodedata.is_normalized("NFC", r.comment)
    with pytest.raises(Conflict) as exc:
        rating_create(user=world["users"]["citizen"], dossier_code=d.code, overall=1)
    assert exc.value.code == "already_rated"
    assert Rating.objects.get().overall == 4


def test_returned_dossier_can_be_rated(world):
    d = make_dossier(world, state="returned")
    rating_create(user=world["users"]["citizen"], dossier_code=d.code, overall=1)
    assert Rating.objects.get(dossier=d).satisfied is False


@pytest.mark.parametrize("state", ["submitted", "received", "processing", "supplement_requested", "stopped"])
def test_no_rating_before_the_result(world, state):
    d = make_dossier(world, state=state)
    with pytest.raises(Conflict) as exc:
        rating_create(user=world["users"]["citizen"], dossier_code=d.code, overall=4)
    assert exc.value.code == "not_ratable"
    assert not Rating.objects.exists()


def test_only_the_owner_rates(world):
    d = make_dossier(world, state="resolved")
    for who in ("citizen2", "ward_officer"):
        with pytest.raises(PermissionDenied):
            rating_create(user=world["users"][who], dossier_code=d.code, overall=4)
    orphan = make_dossier(world, state="resolved", owner=None)
    with pytest.raises(PermissionDenied):
        rating_create(user=world["users"]["citizen"], dossier_code=orphan.code, overall=4)
    with pytest.raises(NotFound):
        rating_create(user=world["users"]["citizen"], dossier_code="NO-SUCH", overall=4)
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "overall,scores,code",
    [
        (5, {}, "bad_level"),
        ("x", {}, "bad_level"),
        (0, {}, "bad_level"),
        (3, {"khong-co": 3}, "bad_criterion"),
        (3, {"dung-han": 7}, "bad_level"),
    ],
)
def test_bad_scores_change_nothing(world, overall, scores, code):
    d = make_dossier(world, state="resolved")
    with pytest.raises(Unprocessable) as exc:
        rating_create(user=world["users"]["citizen"], dossier_code=d.code, overall=overall, scores=scores)
    assert exc.value.code == code
    assert not Rating.objects.exists()


def test_required_and_inactive_criteria(world):
    Criterion.objects.filter(code="dung-han").update(required=True)
    Criterion.objects.filter(code="cong-khai-tthc").update(active=False)
    d = make_dossier(world, state="resolved")
    with pytest.raises(Unprocessable) as exc:
        rating_create(user=world["users"]["citizen"], dossier_code=d.code, overall=3)
    assert exc.value.code == "missing_criteria" and "đúng hẹn" in exc.value.message
    with pytest.raises(Unprocessable):
        rating_create(
            user=world["users"]["citizen"],
            dossier_code=d.code,
            overall=3,
            scores={"dung-han": 3, "cong-khai-tthc": 4},
        )
    rating_create(user=world["users"]["citizen"], dossier_code=d.code, overall=3, scores={"dung-han": 2})
    assert Rating.objects.get().scores == {"dung-han": 2}


@pytest.mark.django_db
def test_default_criteria_are_twelve_and_idempotent():
    Criterion.objects.all().delete()
    assert ensure_default_criteria() == 12
    Criterion.objects.filter(code="dung-han").update(label="Đúng hẹn (sửa)")
    assert ensure_default_criteria() == 0
    assert Criterion.objects.get(code="dung-han").label == "Đúng hẹn (sửa)"
    assert Criterion.objects.filter(active=True).count() == 12


def test_rate_page(client, world):
    d = make_dossier(world, state="resolved")
    url = reverse("feedback:rate", args=[d.code])
    # anyone else (signed in or not) is asked for the applicant's number: the receipt route
    assert 'name="id_number"' in client.get(url).content.decode()
    client.force_login(world["users"]["citizen2"])
    assert 'name="id_number"' in client.get(url).content.decode()
    assert client.post(url, {"overall": "4"}).status_code == 400
    assert client.post(url, {"overall": "4", "id_number": "001203012399"}).status_code == 403
    assert not Rating.objects.exists()
    client.force_login(world["users"]["citizen"])
    page = client.get(url)
    assert page.status_code == 200 and "Rất hài lòng" in page.content.decode()
    bad = client.post(url, {"overall": "9"})
    assert bad.status_code == 400 and not Rating.objects.exists()
    ok = client.post(url, {"overall": "3", "c_thai-do-can-bo": "4", "comment": "Tốt"})
    assert ok.status_code == 302
    assert Rating.objects.get(dossier=d).scores == {"thai-do-can-bo": 4}
    again = client.post(url, {"overall": "1"})
    assert again.status_code == 409
    assert Rating.objects.get(dossier=d).overall == 3
    shown = client.get(url).content.decode()
    assert "Thái độ, tinh thần phục vụ" in shown and "Hài lòng" in shown


def test_rate_page_before_result(client, world):
    d = make_dossier(world, state="processing")
    client.force_login(world["users"]["citizen"])
    url = reverse("feedback:rate", args=[d.code])
    assert "chưa có kết quả" in client.get(url).content.decode()
    assert client.post(url, {"overall": "4"}).status_code == 409
    assert not Rating.objects.exists()


def test_rating_box_tag(world, rf):
    from django.template import Context, Template

    d = make_dossier(world, state="resolved")
    tpl = Template("{% load feedback %}{% rating_box d %}")

    def render(user):
        request = rf.get("/")
        request.user = user
        return tpl.render(Context({"d": d, "request": request}))

    assert render(world["users"]["citizen2"]).strip() == ""
    assert reverse("feedback:rate", args=[d.code]) in render(world["users"]["citizen"])
    rating_create(user=world["users"]["citizen"], dossier_code=d.code, overall=4)
    html = render(world["users"]["citizen"])
    assert "Rất hài lòng" in html and reverse("feedback:rate", args=[d.code]) not in html
