"""The counter's rating screen: a tablet at the one-stop desk, signed in as the desk's officer, shows by itself the
rating QR of the result that officer just handed over at the counter, and takes the rating on the tablet too."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from motcua.dossiers import services
from motcua.dossiers.tests.conftest import APPLICANT, org  # noqa: F401 - the lifecycle's agencies and people
from motcua.feedback.models import Channel, Rating
from motcua.feedback.selectors import counter_display_dossier

DISPLAY = reverse("feedback:counter_display")


def returned(org, *, method="counter", who="officer", at=None):  # noqa: F811
    """A dossier filed online, received, processed, resolved and handed over (`method`) by `who` at `at`."""
    at = at or timezone.now()
    u = org["users"]
    d, _ = services.dossier_file(
        actor=u["citizen"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="online",
        applicant=APPLICANT,
        at=at - dt.timedelta(days=3),
    )
    steps = [
        ("receive", "officer", {}),
        ("assign", "unit_head", {"assignee": "cv"}),
        ("hand_over", "specialist", {"to": "ld"}),
        ("resolve", "leader", {"outcome": "approved"}),
    ]
    for i, (action, actor, params) in enumerate(steps):
        services.dossier_act(
            code=d.code, action=action, actor=u[actor], params=params, at=at - dt.timedelta(days=2, hours=-i)
        )
    return services.dossier_act(
        code=d.code, action="return_result", actor=u[who], params={"method": method}, at=at
    )


def test_the_screen_waits_then_shows_the_result_just_handed_over(client, org):  # noqa: F811
    client.force_login(org["users"]["officer"])
    idle = client.get(DISPLAY)
    assert idle.status_code == 200 and idle["Cache-Control"] == "no-store"
    body = idle.content.decode()
    assert 'data-key="-:' in body and "<svg" not in body
    assert "/staff/" not in body.replace(DISPLAY, "")  # a kiosk: no way into the staff pages
    d = returned(org)
    page = client.get(DISPLAY)
    body = page.content.decode()
    assert f'data-key="{d.code}:' in body and "<svg" in body
    assert "Nguyễn Văn An" not in body and page.context["applicant"].startswith(
        "N"
    )  # masked as on the lookup
    # the panel alone, which the page asks for every few seconds
    panel = client.get(DISPLAY, {"panel": "1"}).content.decode()
    assert panel.lstrip().startswith('<section id="counter-panel"') and "<html" not in panel
    assert f'data-key="{d.code}:' in panel
    # nothing new since the panel the screen shows: no content, no new QR drawn
    same = client.get(DISPLAY, {"panel": "1", "key": page.context["key"]})
    assert same.status_code == 204 and same.content == b"" and same["Cache-Control"] == "no-store"
    assert (
        client.get(DISPLAY, {"panel": "1", "key": idle.context["key"]}).status_code == 200
    )  # the screen still shows the welcome


def test_rating_on_the_tablet_brings_it_back_to_the_screen(client, org):  # noqa: F811
    officer = org["users"]["officer"]
    d = returned(org)
    client.force_login(officer)
    here = client.get(DISPLAY).context["here_url"]
    form = client.get(here)
    body = form.content.decode()
    assert form.status_code == 200 and 'name="id_number"' not in body and 'name="quay" value="1"' in body
    # the officer's session is open on the tablet: no link out of the page at all, not even the site's home
    assert 'href="/staff/"' not in body and "Đăng xuất" not in body and 'class="brand"' not in body
    done = client.post(here.split("?")[0], {"overall": "4", "t": form.context["token"], "quay": "1"})
    assert done.status_code == 302 and done["Location"] == DISPLAY
    r = Rating.objects.get(dossier=d)
    assert (r.channel, r.recorded_by, r.overall) == (Channel.COUNTER, officer, 4)
    after = client.get(DISPLAY)
    assert 'data-key="-:' in after.content.decode()  # rated: back to the welcome
    assert "Cảm ơn" in after.content.decode()


def test_only_the_officers_own_counter_returns_within_the_window(org):  # noqa: F811
    u = org["users"]
    d = returned(org)
    assert counter_display_dossier(u["officer"]) == d
    assert counter_display_dossier(u["other_officer"]) is None  # another desk
    later = timezone.now() + dt.timedelta(minutes=11)
    assert counter_display_dossier(u["officer"], now=later) is None  # past RATING_COUNTER_DISPLAY_MINUTES
    newer = returned(org)
    assert counter_display_dossier(u["officer"]) == newer  # the latest one
    returned(org, method="post")
    assert counter_display_dossier(u["officer"]) == newer  # sent by post: nobody at the desk to ask


def test_the_next_applicant_at_the_desk_is_not_invited_to_rate_the_previous_one(client, org):  # noqa: F811
    """Once the officer registers the next walk-in's dossier, whoever stands at the desk is someone else: the screen
    must not invite them to rate the previous applicant's dossier — that rating would be the other person's, and
    the dossier's one rating would be gone for its own applicant."""
    u = org["users"]
    d = returned(org, at=timezone.now() - dt.timedelta(minutes=3))
    assert counter_display_dossier(u["officer"]) == d
    services.dossier_file(
        actor=u["officer"],
        procedure_code="1.001612",
        agency_identifier="000.00.21.H26",
        channel="counter",
        applicant={**APPLICANT, "name": "Trần Thị Bình", "id_number": "001303012345"},
        receive=True,
    )
    assert counter_display_dossier(u["officer"]) is None
    client.force_login(u["officer"])
    assert f'data-key="{d.code}:' not in client.get(DISPLAY).content.decode()  # the welcome again
    assert counter_display_dossier(u["other_officer"]) is None
    newer = returned(org)  # the next result handed over is shown as before
    assert counter_display_dossier(u["officer"]) == newer


def test_the_window_is_a_setting(org, settings):  # noqa: F811
    d = returned(org, at=timezone.now() - dt.timedelta(minutes=20))
    assert counter_display_dossier(org["users"]["officer"]) is None
    settings.RATING_COUNTER_DISPLAY_MINUTES = 30
    assert counter_display_dossier(org["users"]["officer"]) == d


@pytest.mark.parametrize("who, status", [("specialist", 403), ("citizen", 403), ("overseer", 403)])
def test_only_one_stop_officers_open_the_screen(client, org, who, status):  # noqa: F811
    client.force_login(org["users"][who])
    assert client.get(DISPLAY).status_code == status


def test_signed_out_the_screen_asks_for_the_sign_in(client, org):  # noqa: F811
    page = client.get(DISPLAY)
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
