"""Ratings of walk-in applicants: by the receipt (the dossier code with the applicant's ID or tax number) and from
the counter (a one-stop officer enters a paper evaluation form) — on the service, the web pages and the API."""

import datetime as dt
import json
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.urls import reverse

from motcua.core import refcache
from motcua.core.errors import Conflict, PermissionDenied
from motcua.core.models import ApiToken
from motcua.feedback.models import Channel, Rating
from motcua.feedback.selectors import satisfaction_stats
from motcua.feedback.services import (
    counter_token,
    counter_token_officer,
    rating_create,
    receipt_holder_matches,
)
from motcua.org.models import StaffRole

from .conftest import make_dossier

ANON = AnonymousUser()


def test_the_receipt_and_the_applicants_number_rate_a_walk_in_dossier(world):
    d = make_dossier(world, state="returned", owner=None, channel="counter")
    with pytest.raises(PermissionDenied) as exc:
        rating_create(user=ANON, dossier_code=d.code, overall=4, id_number="001203012346")
    assert exc.value.code == "not_applicant"
    with pytest.raises(PermissionDenied):  # no number at all is no proof either
        rating_create(user=ANON, dossier_code=d.code, overall=4, id_number="  ")
    assert not Rating.objects.exists()
    r = rating_create(user=ANON, dossier_code=d.code, overall=2, id_number=" 001 203-012.345 ")
    r.refresh_from_db()
    assert (r.channel, r.user, r.recorded_by, r.overall) == (Channel.RECEIPT, None, None, 2)
    with pytest.raises(Conflict):
        rating_create(user=ANON, dossier_code=d.code, overall=4, id_number="001203012345")


def test_the_representatives_number_also_proves_the_receipt(world):
    d = make_dossier(world, state="resolved", owner=None)
    d.representative = {"name": "Trần Thị Bình", "id_number": "079304000123"}
    d.applicant_id_number = ""
    d.save()
    assert receipt_holder_matches(d, "079304000123")
    assert not receipt_holder_matches(d, "")
    d.representative = {}
    assert not receipt_holder_matches(d, "079304000123")  # nothing recorded: nothing to match


def test_an_organisations_tax_code_matches_without_its_dash(world):
    d = make_dossier(world, state="resolved", owner=None)
    d.applicant_id_number = "0101234567-001"
    d.save()
    assert receipt_holder_matches(d, "0101234567001")
    assert not receipt_holder_matches(d, "0101234567")


def test_a_one_stop_officer_of_the_agency_records_a_counter_rating(world):
    d = make_dossier(world, state="returned", owner=None, channel="counter")
    for who in ("district_officer", "dept_officer", "overseer", "citizen"):
        with pytest.raises(PermissionDenied):
            rating_create(user=world["users"][who], dossier_code=d.code, overall=4, counter=True)
    assert not Rating.objects.exists()
    officer = world["users"]["ward_officer"]
    r = rating_create(
        user=officer, dossier_code=d.code, overall=3, scores={"thai-do-can-bo": 4}, counter=True
    )
    r.refresh_from_db()
    assert (r.channel, r.user, r.recorded_by) == (Channel.COUNTER, None, officer)
    assert r.scores == {"thai-do-can-bo": 4}


def test_satisfaction_counts_each_channel(world):
    when = dt.datetime(2025, 3, 10, 9, tzinfo=dt.UTC)
    own = make_dossier(world, state="resolved")
    walk_in = make_dossier(world, state="resolved", owner=None)
    desk = make_dossier(world, state="returned", owner=None)
    rating_create(user=world["users"]["citizen"], dossier_code=own.code, overall=4, at=when)
    rating_create(user=ANON, dossier_code=walk_in.code, overall=1, id_number="001203012345", at=when)
    rating_create(
        user=world["users"]["ward_officer"], dossier_code=desk.code, overall=3, counter=True, at=when
    )
    s = satisfaction_stats(date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 31))
    assert s["by_channel"] == {"account": 1, "receipt": 1, "counter": 1}
    assert (s["ratings"], s["satisfied"], s["by_level"]["1"]) == (3, 2, 1)


# --- web ------------------------------------------------------------------------------------------------------


def test_an_anonymous_receipt_holder_rates_on_the_web(client, world):
    d = make_dossier(world, state="returned", owner=None)
    url = reverse("feedback:rate", args=[d.code])
    page = client.get(url)
    assert page.status_code == 200 and 'name="id_number"' in page.content.decode()
    wrong = client.post(url, {"overall": "4", "id_number": "001203012399"})
    assert wrong.status_code == 403
    assert "không khớp" in wrong.content.decode() and not Rating.objects.exists()
    missing = client.post(url, {"overall": "4"})
    assert missing.status_code == 400 and not Rating.objects.exists()
    done = client.post(url, {"overall": "3", "id_number": "001203012345", "comment": "Chờ hơi lâu"})
    assert done.status_code == 302
    assert Rating.objects.get(dossier=d).channel == Channel.RECEIPT
    # anyone else holding the code learns that it was rated, not what was said
    again = client.get(url).content.decode()
    assert "đã được đánh giá" in again and "Chờ hơi lâu" not in again


def test_the_receipt_route_is_limited_per_client(client, world, settings):
    settings.RATING_VERIFY_RATE_LIMIT = 2
    d = make_dossier(world, state="resolved", owner=None)
    url = reverse("feedback:rate", args=[d.code])
    for guess in ("001203012300", "001203012301"):
        assert client.post(url, {"overall": "4", "id_number": guess}).status_code == 403
    blocked = client.post(url, {"overall": "4", "id_number": "001203012345"})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert not Rating.objects.exists()


def test_the_owner_rates_without_a_number_and_sees_the_link_on_the_dossier_page(client, world):
    d = make_dossier(world, state="resolved")
    client.force_login(world["users"]["citizen"])
    mine = client.get(reverse("portal:my_dossier", args=[d.code])).content.decode()
    assert reverse("feedback:rate", args=[d.code]) in mine
    page = client.get(reverse("feedback:rate", args=[d.code])).content.decode()
    assert 'name="id_number"' not in page
    assert client.post(reverse("feedback:rate", args=[d.code]), {"overall": "4"}).status_code == 302
    assert Rating.objects.get(dossier=d).channel == Channel.ACCOUNT


def test_the_lookup_offers_the_rating_once_there_is_a_result(client, world):
    pending = make_dossier(world, state="processing", owner=None)
    done = make_dossier(world, state="returned", owner=None)
    url = reverse("portal:lookup")
    assert (
        reverse("feedback:rate", args=[pending.code])
        not in client.get(url, {"ma": pending.code}).content.decode()
    )
    assert reverse("feedback:rate", args=[done.code]) in client.get(url, {"ma": done.code}).content.decode()


def test_the_officer_enters_a_paper_form_from_the_dossier_page(client, world):
    d = make_dossier(world, state="returned", owner=None, channel="counter")
    paper = reverse("feedback:rate_paper", args=[d.code])
    # another agency's officer: not found, as elsewhere
    client.force_login(world["users"]["district_officer"])
    assert client.get(paper).status_code == 404
    assert client.post(paper, {"overall": "4"}).status_code == 404
    assert not Rating.objects.exists()
    client.force_login(world["users"]["ward_officer"])
    detail = client.get(reverse("dossiers:detail", args=[d.code])).content.decode()
    assert paper in detail
    form = client.get(paper).content.decode()
    assert 'name="id_number"' not in form
    response = client.post(paper, {"overall": "2", "c_thai-do-can-bo": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("dossiers:detail", args=[d.code])
    r = Rating.objects.get(dossier=d)
    assert (r.channel, r.recorded_by, r.scores) == (
        Channel.COUNTER,
        world["users"]["ward_officer"],
        {"thai-do-can-bo": 1},
    )
    detail = client.get(reverse("dossiers:detail", args=[d.code])).content.decode()
    assert paper not in detail and "Bình thường" in detail


def test_no_paper_form_before_the_result(client, world):
    d = make_dossier(world, state="processing", owner=None)
    client.force_login(world["users"]["ward_officer"])
    assert client.post(reverse("feedback:rate_paper", args=[d.code]), {"overall": "4"}).status_code == 409
    assert not Rating.objects.exists()


# --- API ------------------------------------------------------------------------------------------------------


def _post(client, code, body, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.post(
        f"/api/v1/dossiers/{code}/rating", json.dumps(body), content_type="application/json", **headers
    )


def test_rating_through_the_api(client, world):
    walk_in = make_dossier(world, state="returned", owner=None)
    wrong = _post(client, walk_in.code, {"overall": 4, "id_number": "001203012300"})
    assert wrong.status_code == 403 and wrong.json()["error"] == "not_applicant"
    assert _post(client, walk_in.code, {"overall": 4}).status_code == 403  # neither token nor number
    assert _post(client, walk_in.code, {"overall": 5, "id_number": "001203012345"}).status_code == 422
    assert _post(client, walk_in.code, {"overall": 4, "id_number": "x"}, token="bad").status_code == 401
    assert not Rating.objects.exists()
    ok = _post(client, walk_in.code, {"overall": 4, "id_number": "001203012345"})
    assert ok.status_code == 201
    assert ok.json()["channel"] == "receipt" and ok.json()["overall_label"] == "Rất hài lòng"
    assert ok.json()["created_at"].endswith("+07:00")
    again = _post(client, walk_in.code, {"overall": 1, "id_number": "001203012345"})
    assert again.status_code == 409 and again.json()["error"] == "already_rated"

    own = make_dossier(world, state="resolved")
    token = ApiToken.issue(world["users"]["citizen"])
    assert _post(client, own.code, {"overall": 3}, token=token).json()["channel"] == "account"

    desk = make_dossier(world, state="returned", owner=None)
    other = ApiToken.issue(world["users"]["district_officer"])
    assert _post(client, desk.code, {"overall": 3, "counter": True}, token=other).status_code == 403
    officer = ApiToken.issue(world["users"]["ward_officer"])
    made = _post(client, desk.code, {"overall": 3, "counter": True}, token=officer)
    assert made.status_code == 201 and made.json()["channel"] == "counter"
    assert _post(client, "000.02.33.H26-250101-9999", {"overall": 3, "id_number": "1"}).status_code == 404


def test_a_session_alone_does_not_rate_through_the_api(client, world):
    """A signed-in browser posting to the API without a token is anonymous (no cross-site rating)."""
    d = make_dossier(world, state="resolved")
    client.force_login(world["users"]["citizen"])
    assert _post(client, d.code, {"overall": 1}).status_code == 403
    assert not Rating.objects.exists()


def test_the_api_receipt_route_is_limited_per_client(client, world, settings):
    settings.RATING_VERIFY_RATE_LIMIT = 1
    d = make_dossier(world, state="resolved", owner=None)
    assert _post(client, d.code, {"overall": 4, "id_number": "001203012300"}).status_code == 403
    blocked = _post(client, d.code, {"overall": 4, "id_number": "001203012345"})
    assert blocked.status_code == 429 and blocked.json()["error"] == "throttled"
    assert not Rating.objects.exists()


def test_the_public_rating_page_counts_against_the_lookup_limit(client, world, settings):
    """It shows a dossier's procedure, agency and state to whoever has the code, as /tra-cuu/ does."""
    settings.LOOKUP_RATE_LIMIT = 2
    d = make_dossier(world, state="resolved", owner=None)
    url = reverse("feedback:rate", args=[d.code])
    assert client.get(url).status_code == 200
    assert client.get(reverse("feedback:rate", args=["000.02.33.H26-250101-9999"])).status_code == 404
    blocked = client.get(url)
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert d.procedure.name not in blocked.content.decode()
    client.force_login(world["users"]["ward_officer"])  # staff are not counted
    assert client.get(url).status_code == 200


def test_the_owner_and_the_counter_qr_are_not_locked_out_by_the_lookup_limit(client, world, settings):
    """Behind one address (a carrier's NAT, a ward office) others used up the lookup limit: the dossier's owner
    still opens their rating page, and so does the applicant with the officer's QR; anyone else is refused."""
    settings.LOOKUP_RATE_LIMIT = 1
    mine = make_dossier(world, state="resolved", owner="citizen")
    theirs = make_dossier(world, state="resolved", owner="citizen2")
    walk_in = make_dossier(world, state="returned", owner=None, channel="counter")
    assert client.get(reverse("portal:lookup"), {"ma": "x"}).status_code in (200, 400, 404)
    assert client.get(reverse("feedback:rate", args=[walk_in.code])).status_code == 429  # limit reached
    client.force_login(world["users"]["citizen"])
    own = client.get(reverse("feedback:rate", args=[mine.code]))
    assert own.status_code == 200 and own.context["dossier"] == mine and not own.context["verify"]
    # the same signed-in citizen on someone else's dossier, or an unknown code: counted, refused
    assert client.get(reverse("feedback:rate", args=[theirs.code])).status_code == 429
    assert client.get(reverse("feedback:rate", args=["000.02.33.H26-250101-9999"])).status_code == 429
    client.logout()
    token = counter_token(walk_in, world["users"]["ward_officer"])
    url = reverse("feedback:rate", args=[walk_in.code])
    assert client.get(url, {"t": token}).status_code == 200
    assert client.get(url, {"t": token[:-2] + "xx"}).status_code == 429  # a forged token is no exemption


# --- a QR shown at the counter ----------------------------------------------------------------------------------


def test_a_qr_shown_at_the_counter_rates_without_the_applicants_number(client, world, settings):
    d = make_dossier(world, state="returned", owner=None, channel="counter")
    other = make_dossier(world, state="returned", owner=None, channel="counter")
    officer = world["users"]["ward_officer"]
    with pytest.raises(PermissionDenied):
        counter_token(d, world["users"]["district_officer"])
    token = counter_token(d, officer)
    assert counter_token_officer(d, token) == officer
    assert counter_token_officer(other, token) is None  # this dossier's only
    assert counter_token_officer(d, token[:-2] + "xx") is None  # forged
    # the officer's page shows the QR of the rating page with the token
    client.force_login(officer)
    qr = client.get(reverse("feedback:rate_qr", args=[d.code]))
    assert qr.status_code == 200 and "<svg" in qr.content.decode() and qr["Cache-Control"] == "no-store"
    url = qr.context["url"]
    assert url.startswith(f"http://testserver{reverse('feedback:rate', args=[d.code])}?t=")
    client.force_login(world["users"]["district_officer"])  # another agency's officer: not found
    assert client.get(reverse("feedback:rate_qr", args=[d.code])).status_code == 404
    client.logout()
    # the applicant's phone: no number asked, the rating recorded as at the counter by that officer
    page = client.get(url)
    assert page.status_code == 200 and 'name="id_number"' not in page.content.decode()
    assert client.post(url.split("?")[0], {"overall": "4", "t": page.context["token"]}).status_code == 302
    r = Rating.objects.get(dossier=d)
    assert (r.channel, r.recorded_by, r.user) == (Channel.COUNTER, officer, None)
    # another dossier's page with this token: asks for the number, and the token alone is refused
    wrong = client.get(reverse("feedback:rate", args=[other.code]), {"t": token})
    assert wrong.context["token_error"] and 'name="id_number"' in wrong.content.decode()
    with pytest.raises(PermissionDenied) as exc:
        rating_create(user=ANON, dossier_code=other.code, overall=4, token=token)
    assert exc.value.code == "bad_token" and not Rating.objects.filter(dossier=other).exists()


def test_the_counter_qr_expires(world, settings, monkeypatch):
    d = make_dossier(world, state="resolved", owner=None)
    token = counter_token(d, world["users"]["ward_officer"])
    settings.RATING_COUNTER_TOKEN_SECONDS = 60
    assert counter_token_officer(d, token) is not None
    now = time.time()
    monkeypatch.setattr(signing.time, "time", lambda: now + 61)  # the signer's clock, a minute later
    assert counter_token_officer(d, token) is None
    with pytest.raises(PermissionDenied):
        rating_create(user=ANON, dossier_code=d.code, overall=4, token=token)
    # and an officer who has lost the role cannot be named by an old QR either
    monkeypatch.undo()
    settings.RATING_COUNTER_TOKEN_SECONDS = 1800
    StaffRole.objects.filter(user=world["users"]["ward_officer"]).update(active=False)
    refcache.clear()
    assert counter_token_officer(d, token) is None


# --- no walking through codes by the rating routes ------------------------------------------------------------


def test_posting_the_public_rating_page_counts_against_the_lookup_limit(client, world, settings):
    """A POST answers the same page as a GET (procedure, agency, state) or 404 for an unknown code: counted too."""
    settings.LOOKUP_RATE_LIMIT = 2
    d = make_dossier(world, state="resolved", owner=None)
    url = reverse("feedback:rate", args=[d.code])
    assert client.post(url, {}).status_code == 400  # the form, with the dossier
    missing = client.post(reverse("feedback:rate", args=["000.02.33.H26-250101-9999"]), {})
    assert missing.status_code == 404
    blocked = client.post(url, {"overall": "4", "id_number": "001203012345"})
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) > 0
    assert d.procedure.name not in blocked.content.decode()
    assert not Rating.objects.exists()


def test_the_staff_rating_pages_do_not_tell_others_which_codes_exist(client, world):
    """The paper form and the counter QR answer 404 to whoever may not read the dossier, as for an unknown code;
    403 only to those who read it without being its one-stop officers."""
    d = make_dossier(world, state="returned", owner=None, channel="counter")
    unknown = "000.02.33.H26-250101-9999"
    for who in ("citizen2", "district_officer", "dept_officer"):
        client.force_login(world["users"][who])
        for name in ("feedback:rate_paper", "feedback:rate_qr"):
            assert client.get(reverse(name, args=[d.code])).status_code == 404, (who, name)
            assert client.get(reverse(name, args=[unknown])).status_code == 404, (who, name)
        assert client.post(reverse("feedback:rate_paper", args=[d.code]), {"overall": "4"}).status_code == 404
    client.force_login(world["users"]["overseer"])  # reads the dossier, records no rating
    assert client.get(reverse("feedback:rate_paper", args=[d.code])).status_code == 403
    assert client.get(reverse("feedback:rate_qr", args=[d.code])).status_code == 403
    assert not Rating.objects.exists()


def test_the_api_rating_route_counts_as_a_status_lookup(client, world, settings):
    """Without a number (anonymous, or an account that is not the applicant's) the answer tells whether the code
    exists (403 against 404): counted against the status API's limit; staff are not counted."""
    settings.STATUS_API_RATE_LIMIT = 2
    d = make_dossier(world, state="returned", owner=None)
    assert _post(client, d.code, {"overall": 4}).status_code == 403
    assert _post(client, "000.02.33.H26-250101-9999", {"overall": 4}).status_code == 404
    blocked = _post(client, d.code, {"overall": 4})
    assert blocked.status_code == 429 and blocked.json()["error"] == "throttled"
    citizen = ApiToken.issue(world["users"]["citizen2"])
    assert _post(client, d.code, {"overall": 4}, token=citizen).status_code == 429
    assert client.get(f"/api/v1/dossiers/{d.code}/status").status_code == 429  # the same count
    officer = ApiToken.issue(world["users"]["ward_officer"])
    assert _post(client, d.code, {"overall": 3, "counter": True}, token=officer).status_code == 201
