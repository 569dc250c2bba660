"""The public status lookup is rate limited per client IP (HTTP 429 with Retry-After and a message in the
interface language); the empty form is not counted; another IP is not affected; the limit lifts after the
window."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from motcua.org import throttle
from motcua.org.models import LoginThrottle

from .test_lookup_and_my_dossiers import act, file_for


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.LOOKUP_RATE_LIMIT = 3
    settings.LOOKUP_RATE_WINDOW_SECONDS = 300


def lookup(client: Client, code: str, ip: str = "203.0.113.7"):
    return client.get("/tra-cuu/", {"ma": code}, REMOTE_ADDR=ip)


def test_lookups_over_the_limit_get_429(client, world):
    dossier = act(world, file_for(world, world["citizen"]), "receive")
    for _ in range(5):  # the form itself is not a lookup
        assert client.get("/tra-cuu/", REMOTE_ADDR="203.0.113.7").status_code == 200
    assert lookup(client, dossier.code).status_code == 200
    assert lookup(client, "000.00.21.H26-250101-9999").status_code == 404  # misses count too
    assert lookup(client, "not a code").status_code == 400
    r = lookup(client, dossier.code)
    assert r.status_code == 429
    assert 240 < int(r["Retry-After"]) <= 300
    page = r.content.decode()
    assert "Bạn đã tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau 5 phút." in page
    assert "Được tiếp nhận" not in page  # nothing looked up
    # the refused request is not counted: still 429, still about 5 minutes
    assert lookup(client, dossier.code).status_code == 429
    # another client is served
    assert lookup(client, dossier.code, ip="198.51.100.2").status_code == 200
    # in English
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    r = lookup(english, dossier.code)
    assert r.status_code == 429
    assert "Too many lookups in a short time. Please try again in 5 minutes." in r.content.decode()


def test_limit_lifts_after_the_window(client, world):
    dossier = act(world, file_for(world, world["citizen"]), "receive")
    for _ in range(3):
        assert lookup(client, dossier.code).status_code == 200
    assert lookup(client, dossier.code).status_code == 429
    past = timezone.now() - dt.timedelta(seconds=301)
    LoginThrottle.objects.filter(username=throttle.LOOKUP_KEY).update(
        first_failure_at=past, locked_until=past
    )
    assert lookup(client, dossier.code).status_code == 200


def test_lookup_counter_is_not_a_login_lockout(client, world):
    """The lookup key cannot be a username, and login failures do not count as lookups."""
    dossier = act(world, file_for(world, world["citizen"]), "receive")
    for _ in range(6):
        client.post("/accounts/login/", {"username": "ai", "password": "sai"}, REMOTE_ADDR="203.0.113.7")
    assert lookup(client, dossier.code).status_code == 200
    assert throttle.seconds_locked("ai", "203.0.113.7") > 0
    assert throttle.seconds_locked(throttle.LOOKUP_KEY, "203.0.113.7") == 0


def test_the_applicants_own_account_is_not_locked_out_by_others_on_its_address(client, world):
    """A carrier's shared address or a ward office: others' lookups exhaust the limit, the dossier's own
    signed-in applicant still looks it up; another signed-in citizen does not get around the limit."""
    dossier = act(world, file_for(world, world["citizen"]), "receive")
    stranger = Client()
    for _ in range(3):
        lookup(stranger, dossier.code)
    assert lookup(stranger, dossier.code).status_code == 429
    client.force_login(world["citizen"])
    for _ in range(3):
        assert lookup(client, dossier.code).status_code == 200
    other = Client()
    other.force_login(world["other"])
    assert lookup(other, dossier.code).status_code == 429


def test_staff_look_up_their_own_agencys_dossiers_without_counting_and_others_counted(
    client, world, django_user_model
):
    """Staff were exempt from the lookup limit for any code: one ward officer's account swept every agency's codes
    (masked names, sequential codes). The agency's own staff still look up its dossiers freely; another agency's
    officer is counted as anyone is."""
    from motcua.org.models import Agency, Role, StaffRole

    dossier = act(world, file_for(world, world["citizen"]), "receive")
    stranger = Client()
    for _ in range(3):
        lookup(stranger, dossier.code)
    client.force_login(world["officer"])  # the Sở's officer, behind the same address
    for _ in range(4):
        assert lookup(client, dossier.code).status_code == 200
    ward = Agency.objects.create(identifier="000.02.33.H26", name="UBND Phường Bách Khoa", level="commune")
    elsewhere = django_user_model.objects.create_user("phuong.mc")
    StaffRole.objects.create(user=elsewhere, agency=ward, role=Role.OFFICER)
    other = Client()
    other.force_login(elsewhere)
    assert lookup(other, dossier.code).status_code == 429
