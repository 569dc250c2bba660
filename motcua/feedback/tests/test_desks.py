"""The one-stop unit's desks: officers sit at a desk, a tablet paired with the desk (holding no officer's session)
shows the rating QR of the result whoever sits there has just handed over at the counter."""

import datetime as dt
import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from motcua.dossiers.tests.conftest import org  # noqa: F401 - the lifecycle's agencies and people
from motcua.feedback import desks
from motcua.feedback.models import Channel, CounterDesk, CounterDevice, Rating
from motcua.org.models import Role, StaffRole

from .test_counter_display import returned

DESKS = reverse("feedback:desks")
SCREEN = reverse("feedback:desk_screen")


def _desk(org, number=1, label=""):  # noqa: F811
    return desks.desk_create(actor=org["users"]["officer"], agency=org["so"], number=number, label=label)


def _second_officer(org):  # noqa: F811
    u = get_user_model().objects.create_user("mc3", password="pw-123456-x", first_name="Bình")
    StaffRole.objects.create(user=u, agency=org["so"], role=Role.OFFICER)
    return u


def _paired(client, org, desk):  # noqa: F811
    """Pair `client`'s browser with `desk` as the desk's officer would, on the tablet itself."""
    client.force_login(org["users"]["officer"])
    response = client.post(reverse("feedback:device_pair", args=[desk.pk]), {"confirm": "1"})
    assert response.status_code == 302 and response["Location"] == SCREEN
    return response


# --- desks -------------------------------------------------------------------------------------------------------


def test_an_officer_adds_desks_from_the_page(client, org):  # noqa: F811
    client.force_login(org["users"]["officer"])
    page = client.get(DESKS)
    assert page.status_code == 200 and "Cơ quan chưa khai báo quầy nào" in page.content.decode()
    done = client.post(
        reverse("feedback:desk_create"), {"agency": "000.00.21.H26", "number": "3", "label": " Đất đai "}
    )
    assert done.status_code == 302 and done["Location"] == DESKS
    desk = CounterDesk.objects.get()
    assert (desk.agency, desk.number, desk.label, str(desk)) == (
        org["so"],
        3,
        "Đất đai",
        "Quầy số 3 — Đất đai",
    )
    assert "Quầy số 3 — Đất đai" in client.get(DESKS).content.decode()


@pytest.mark.parametrize(
    "number, label, status, text",
    [
        ("0", "", 422, "Số quầy phải là số nguyên từ 1 đến 999"),
        ("1000", "", 422, "Số quầy phải là số nguyên từ 1 đến 999"),
        ("ba", "", 422, "Số quầy phải là số nguyên từ 1 đến 999"),
        ("", "", 422, "Số quầy phải là số nguyên từ 1 đến 999"),
        ("2", "x" * 101, 422, "dài quá 100 ký tự"),
        ("1", "", 409, "Cơ quan đã có quầy số 1"),
    ],
)
def test_a_bad_desk_is_refused_and_nothing_is_added(client, org, number, label, status, text):  # noqa: F811
    _desk(org, 1)
    client.force_login(org["users"]["officer"])
    response = client.post(
        reverse("feedback:desk_create"), {"agency": "000.00.21.H26", "number": number, "label": label}
    )
    assert response.status_code == status and text in response.content.decode()
    assert CounterDesk.objects.count() == 1
    assert f'value="{number}"' in response.content.decode()  # what was typed stays in the form


def test_desks_of_another_agency_are_out_of_reach(client, org):  # noqa: F811
    desk = _desk(org, 1)
    client.force_login(org["users"]["other_officer"])
    page = client.get(DESKS)
    assert page.status_code == 200 and "Quầy số 1" not in page.content.decode()  # lists its own agency's only
    create = client.post(reverse("feedback:desk_create"), {"agency": "000.00.21.H26", "number": "2"})
    assert create.status_code == 403 and CounterDesk.objects.count() == 1
    for name in ("desk_sit", "device_pair", "desk_toggle"):
        assert client.post(reverse(f"feedback:{name}", args=[desk.pk]), {"active": "0"}).status_code == 403
    desk.refresh_from_db()
    assert (desk.officer, desk.active, desk.devices.count()) == (None, True, 0)
    assert client.post(reverse("feedback:desk_sit", args=[999999])).status_code == 404


@pytest.mark.parametrize("who", ["specialist", "citizen", "overseer", "leader"])
def test_only_one_stop_officers_manage_desks(client, org, who):  # noqa: F811
    desk = _desk(org, 1)
    client.force_login(org["users"][who])
    assert client.get(DESKS).status_code == 403
    assert client.post(reverse("feedback:desk_sit", args=[desk.pk])).status_code == 403
    assert client.post(reverse("feedback:device_pair", args=[desk.pk])).status_code == 403
    assert CounterDesk.objects.get().officer is None and not CounterDevice.objects.exists()


def test_signed_out_the_desks_page_asks_for_the_sign_in_and_actions_are_posts(client, org):  # noqa: F811
    assert "/accounts/login/" in client.get(DESKS)["Location"]
    desk = _desk(org, 1)
    for name in ("desk_edit", "device_pair"):
        assert "/accounts/login/" in client.get(reverse(f"feedback:{name}", args=[desk.pk]))["Location"]
    client.force_login(org["users"]["officer"])
    # an action's address opened (signing in again after the session ended as the form was sent): back to the
    # desks page, told nothing was done — not Django's blank 405; another method is still 405
    for url in [
        reverse(f"feedback:{n}", args=[desk.pk]) for n in ("desk_sit", "desk_toggle", "desk_delete")
    ] + [
        reverse("feedback:desk_leave"),
        reverse("feedback:desk_create"),
    ]:
        r = client.get(url)
        assert r.status_code == 302 and r["Location"] == DESKS, url
        assert client.put(url).status_code == 405
    assert "Chưa thực hiện: thông tin chưa được gửi" in client.get(DESKS).content.decode()
    desk.refresh_from_db()
    assert desk.officer is None and desk.active
    # pairing's address shows the confirmation step: a GET pairs nothing
    assert client.get(reverse("feedback:device_pair", args=[desk.pk])).status_code == 200
    assert not CounterDevice.objects.exists()


def test_an_officer_sits_at_one_desk_at_a_time_and_the_next_one_takes_over(client, org):  # noqa: F811
    officer, second = org["users"]["officer"], _second_officer(org)
    one, two = _desk(org, 1), _desk(org, 2)
    client.force_login(officer)
    assert client.post(reverse("feedback:desk_sit", args=[one.pk])).status_code == 302
    assert desks.seat_of(officer) == one
    client.post(reverse("feedback:desk_sit", args=[two.pk]))
    one.refresh_from_db()
    assert desks.seat_of(officer) == two and one.officer is None  # moved: the first desk is free
    # the next shift's officer sits down where the first one forgot to leave
    client.force_login(second)
    taken = client.post(reverse("feedback:desk_sit", args=[two.pk]), follow=True)
    assert "mc không còn ngồi quầy này" in taken.content.decode()
    assert desks.seat_of(second) == two and desks.seat_of(officer) is None
    client.post(reverse("feedback:desk_leave"))
    assert desks.seat_of(second) is None


def test_taking_over_from_an_officer_whose_name_holds_a_percent_sign(client, org):  # noqa: F811
    officer, second = org["users"]["officer"], _second_officer(org)
    officer.first_name, officer.last_name = "Nguyễn Văn A (100%", "phụ trách)"
    officer.save()
    desk = _desk(org, 1)
    client.force_login(officer)
    client.post(reverse("feedback:desk_sit", args=[desk.pk]))
    client.force_login(second)
    taken = client.post(reverse("feedback:desk_sit", args=[desk.pk]), follow=True)
    assert taken.status_code == 200 and "không còn ngồi quầy này" in taken.content.decode()
    assert desks.seat_of(second) == desk


def test_a_closed_desk_has_nobody_and_takes_nobody(client, org):  # noqa: F811
    desk = _desk(org, 1)
    client.force_login(org["users"]["officer"])
    client.post(reverse("feedback:desk_sit", args=[desk.pk]))
    client.post(reverse("feedback:desk_toggle", args=[desk.pk]), {"active": "0"})
    desk.refresh_from_db()
    assert (desk.active, desk.officer) == (False, None)
    refused = client.post(reverse("feedback:desk_sit", args=[desk.pk]))
    assert refused.status_code == 409 and "Quầy này đang đóng" in refused.content.decode()
    client.post(reverse("feedback:desk_toggle", args=[desk.pk]), {"active": "1"})
    assert client.post(reverse("feedback:desk_sit", args=[desk.pk])).status_code == 302


# --- the paired tablet -------------------------------------------------------------------------------------------


def test_pairing_keeps_only_a_key_and_signs_the_officer_out_of_the_tablet(client, org):  # noqa: F811
    desk = _desk(org, 4, "Đất đai")
    response = _paired(client, org, desk)
    cookie = response.cookies[desks.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and int(cookie["max-age"]) > 300 * 24 * 3600
    device = CounterDevice.objects.get()
    assert device.key_hash == hashlib.sha256(cookie.value.encode()).hexdigest() != cookie.value
    assert device.paired_by == org["users"]["officer"]
    # no officer's session on the tablet any more
    assert "/accounts/login/" in client.get(reverse("dossiers:inbox"))["Location"]
    screen = client.get(SCREEN)
    body = screen.content.decode()
    assert screen.status_code == 200 and "Quầy số 4 — Đất đai" in body and "<svg" not in body
    assert "/staff/" not in body and 'class="brand"' not in body  # a kiosk
    assert CounterDevice.objects.get().last_seen_at is not None


def test_the_tablet_shows_what_the_officer_sitting_at_the_desk_hands_over(client, org):  # noqa: F811
    officer, second = org["users"]["officer"], _second_officer(org)
    desk = _desk(org, 1)
    _paired(client, org, desk)
    idle = client.get(SCREEN)
    assert idle.context["key"].startswith("-:0:")  # nobody sits there yet
    desks.desk_sit(actor=officer, desk_id=desk.pk)
    d = returned(org)
    page = client.get(SCREEN)
    body = page.content.decode()
    assert page.context["key"].startswith(f"{d.code}:") and "<svg" in body and "Nguyễn Văn An" not in body
    same = client.get(SCREEN, {"panel": "1", "key": page.context["key"]})
    assert same.status_code == 204 and same["Cache-Control"] == "no-store"
    # the next officer sits down: the screen follows them, not the one who left
    desks.desk_sit(actor=second, desk_id=desk.pk)
    moved = client.get(SCREEN, {"panel": "1", "key": page.context["key"]})
    assert (
        moved.status_code == 200 and "<svg" not in moved.content.decode() and "Bình" in moved.content.decode()
    )
    desks.desk_set_active(actor=second, desk_id=desk.pk, active=False)
    assert "Quầy tạm nghỉ" in client.get(SCREEN).content.decode()


def test_rating_on_the_paired_tablet_goes_back_to_the_desk_screen(client, org):  # noqa: F811
    officer = org["users"]["officer"]
    desk = _desk(org, 1)
    _paired(client, org, desk)
    desks.desk_sit(actor=officer, desk_id=desk.pk)
    d = returned(org)
    here = client.get(SCREEN).context["here_url"]
    form = client.get(here)
    assert form.status_code == 200 and 'name="id_number"' not in form.content.decode()
    assert f'href="{SCREEN}"' in form.content.decode()
    done = client.post(here.split("?")[0], {"overall": "3", "t": form.context["token"], "quay": "1"})
    assert done.status_code == 302 and done["Location"] == SCREEN
    r = Rating.objects.get(dossier=d)
    assert (r.channel, r.recorded_by, r.user, r.overall) == (Channel.COUNTER, officer, None, 3)
    after = client.get(SCREEN).content.decode()
    assert "Cảm ơn" in after and "<svg" not in after


@pytest.mark.parametrize("cookie", [None, "x" * 43, "short", "ü" * 50])
def test_a_browser_without_a_valid_key_is_told_how_to_pair(client, org, cookie):  # noqa: F811
    if cookie is not None:
        client.cookies[desks.DEVICE_COOKIE] = cookie
    page = client.get(SCREEN)
    assert page.status_code == 403 and "chưa được gắn với quầy nào" in page.content.decode()
    assert page["Cache-Control"] == "no-store"


def test_an_unpaired_tablet_opens_nothing_and_pairing_again_replaces_the_key(client, org):  # noqa: F811
    one, two = _desk(org, 1), _desk(org, 2)
    _paired(client, org, one)
    first = CounterDevice.objects.get()
    _paired(client, org, two)  # the same browser, moved to desk 2
    first.refresh_from_db()
    assert first.revoked_at is not None and client.get(SCREEN).context["desk"] == two
    device = CounterDevice.objects.get(revoked_at__isnull=True)
    # another agency's officer cannot unpair it; the desk's officer can
    other = client.__class__()
    other.force_login(org["users"]["other_officer"])
    assert other.post(reverse("feedback:device_revoke", args=[device.pk])).status_code == 403
    assert client.get(SCREEN).status_code == 200
    officer = client.__class__()
    officer.force_login(org["users"]["officer"])
    assert officer.post(reverse("feedback:device_revoke", args=[device.pk])).status_code == 302
    assert client.get(SCREEN).status_code == 403
    assert officer.post(reverse("feedback:device_revoke", args=[987654])).status_code == 404


def test_last_seen_is_written_at_most_once_a_minute(org):  # noqa: F811
    desk = _desk(org, 1)
    device, _key = desks.device_pair(actor=org["users"]["officer"], desk_id=desk.pk)
    t0 = timezone.now()
    desks.device_seen(device, at=t0)
    desks.device_seen(device, at=t0 + dt.timedelta(seconds=30))
    assert CounterDevice.objects.get().last_seen_at == t0
    desks.device_seen(device, at=t0 + dt.timedelta(seconds=61))
    assert CounterDevice.objects.get().last_seen_at == t0 + dt.timedelta(seconds=61)


def test_the_desks_page_shows_the_seat_the_tablets_and_english(client, org):  # noqa: F811
    desk = _desk(org, 2, "Hộ tịch")
    officer = org["users"]["officer"]
    desks.desk_sit(actor=officer, desk_id=desk.pk)
    desks.device_pair(actor=officer, desk_id=desk.pk)
    client.force_login(officer)
    body = client.get(DESKS).content.decode()
    # a staff page speaks to the officer as the other staff pages do ("Bạn"), not as a letter to a citizen
    assert "Bạn đang ngồi <strong>Quầy số 2 — Hộ tịch</strong>" in body and "Ông/Bà" not in body
    assert "chưa hoạt động" in body and "Rời quầy" in body
    client.cookies["django_language"] = "en"
    english = client.get(DESKS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Desk no. 2" in english and "Leave the desk" in english


def test_a_desk_shows_only_what_was_handed_over_since_the_officer_sat_there(client, org):  # noqa: F811
    officer = org["users"]["officer"]
    one, two = _desk(org, 1), _desk(org, 2)
    desks.desk_sit(actor=officer, desk_id=one.pk, at=timezone.now() - dt.timedelta(minutes=5))
    d = returned(org, at=timezone.now() - dt.timedelta(minutes=2))  # handed over at desk 1
    _paired(client, org, two)
    desks.desk_sit(actor=officer, desk_id=two.pk)  # moved to desk 2 a minute later
    page = client.get(SCREEN)
    assert page.context["dossier"] is None and d.code not in page.content.decode()


def test_an_administrator_adds_desks_for_agencies_with_one_stop_officers(client, org):  # noqa: F811
    admin = get_user_model().objects.create_superuser("root", password="pw-123456-x")
    client.force_login(admin)
    page = client.get(DESKS)
    assert page.status_code == 200 and [a.identifier for a in page.context["agencies"]] == [
        "000.00.21.H26",
        "000.00.22.H26",
    ]


# --- changing and deleting a desk, and the step before pairing ---------------------------------------------------


def test_an_officer_renames_and_renumbers_a_desk(client, org):  # noqa: F811
    desk = _desk(org, 1, "Đất đai")
    _desk(org, 2)
    client.force_login(org["users"]["officer"])
    edit = reverse("feedback:desk_edit", args=[desk.pk])
    page = client.get(edit)
    body = page.content.decode()
    assert page.status_code == 200 and 'value="1"' in body and 'value="Đất đai"' in body
    done = client.post(edit, {"number": " 7 ", "label": " Hộ tịch — chứng thực "}, follow=True)
    assert done.redirect_chain == [(DESKS, 302)]
    assert "Đã lưu Quầy số 7 — Hộ tịch — chứng thực." in done.content.decode()
    desk.refresh_from_db()
    assert (desk.number, desk.label) == (7, "Hộ tịch — chứng thực")
    # the label is optional: emptied, the desk is just its number; the same number again is no duplicate
    assert client.post(edit, {"number": "7", "label": "   "}).status_code == 302
    desk.refresh_from_db()
    assert (desk.number, desk.label, str(desk)) == (7, "", "Quầy số 7")


@pytest.mark.parametrize(
    "number, label, status, text",
    [
        ("0", "", 422, "Số quầy phải là số nguyên từ 1 đến 999"),
        ("1000", "", 422, "Số quầy phải là số nguyên từ 1 đến 999"),
        ("-3", "", 422, "Số quầy phải là số nguyên từ 1 đến 999"),
        ("2,5", "", 422, "Số quầy phải là số nguyên từ 1 đến 999"),
        ("", "Hộ tịch", 422, "Số quầy phải là số nguyên từ 1 đến 999"),
        ("1", "x" * 101, 422, "dài quá 100 ký tự"),
        ("2", "Hộ tịch", 409, "Cơ quan đã có quầy số 2"),
    ],
)
def test_a_bad_change_is_refused_on_its_page_and_changes_nothing(client, org, number, label, status, text):  # noqa: F811
    desk = _desk(org, 1, "Đất đai")
    _desk(org, 2)
    client.force_login(org["users"]["officer"])
    response = client.post(reverse("feedback:desk_edit", args=[desk.pk]), {"number": number, "label": label})
    body = response.content.decode()
    assert response.status_code == status and text in body and 'id="action-error"' in body
    assert f'value="{number}"' in body  # what was typed stays in the form
    desk.refresh_from_db()
    assert (desk.number, desk.label) == (1, "Đất đai")


def test_a_desk_never_used_is_deleted(client, org):  # noqa: F811
    desk, kept = _desk(org, 1), _desk(org, 2)
    client.force_login(org["users"]["officer"])
    page = client.get(reverse("feedback:desk_edit", args=[desk.pk])).content.decode()
    assert "Xóa quầy số 1" in page and "chưa được dùng" in page
    done = client.post(reverse("feedback:desk_delete", args=[desk.pk]), follow=True)
    assert done.redirect_chain == [(DESKS, 302)] and "Đã xóa quầy số 1." in done.content.decode()
    assert list(CounterDesk.objects.all()) == [kept]


def _sat_and_left(org, desk):  # noqa: F811
    desks.desk_sit(actor=org["users"]["officer"], desk_id=desk.pk)
    desks.desk_leave(actor=org["users"]["officer"])


def _paired_and_unpaired(org, desk):  # noqa: F811
    device, _key = desks.device_pair(actor=org["users"]["officer"], desk_id=desk.pk)
    desks.device_revoke(actor=org["users"]["officer"], device_id=device.pk)


def _seated_in_the_admin(org, desk):  # noqa: F811
    desk.officer = org["users"]["officer"]
    desk.save()
    desk.officer = None
    desk.save()


@pytest.mark.parametrize("use", [_sat_and_left, _paired_and_unpaired, _seated_in_the_admin])
def test_a_desk_once_used_cannot_be_deleted_only_closed(client, org, use):  # noqa: F811
    desk = _desk(org, 1, "Đất đai")
    use(org, desk)
    desk.refresh_from_db()
    assert desk.used and desk.officer is None
    client.force_login(org["users"]["officer"])
    page = client.get(reverse("feedback:desk_edit", args=[desk.pk])).content.decode()
    assert "Xóa quầy số 1" not in page and "không xóa được" in page and "Đóng quầy" in page
    refused = client.post(reverse("feedback:desk_delete", args=[desk.pk]))
    body = refused.content.decode()
    assert refused.status_code == 409
    assert "Quầy số 1 đã được dùng" in body and "hãy đóng quầy" in body
    assert CounterDesk.objects.filter(pk=desk.pk).exists()
    client.cookies["django_language"] = "en"
    english = client.post(reverse("feedback:desk_delete", args=[desk.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 409 and "cannot be deleted; if it is no longer needed, close it" in (
        english.content.decode()
    )


def test_the_seat_taken_now_keeps_a_desk(org):  # noqa: F811
    desk = _desk(org, 1)
    desks.desk_sit(actor=org["users"]["officer"], desk_id=desk.pk)
    with pytest.raises(desks.Conflict) as refused:
        desks.desk_delete(actor=org["users"]["officer"], desk_id=desk.pk)
    assert refused.value.code == "desk_used" and CounterDesk.objects.filter(pk=desk.pk).exists()


@pytest.mark.parametrize("who", ["other_officer", "specialist", "leader", "overseer", "citizen"])
def test_another_agencys_desk_cannot_be_changed_deleted_or_paired(client, org, who):  # noqa: F811
    desk = _desk(org, 1, "Đất đai")
    client.force_login(org["users"][who])
    edit = reverse("feedback:desk_edit", args=[desk.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"number": "5", "label": "Khác"}).status_code == 403
    assert client.post(reverse("feedback:desk_delete", args=[desk.pk])).status_code == 403
    assert client.get(reverse("feedback:device_pair", args=[desk.pk])).status_code == 403
    assert client.post(reverse("feedback:device_pair", args=[desk.pk]), {"confirm": "1"}).status_code == 403
    desk.refresh_from_db()
    assert (desk.number, desk.label, desk.devices.count()) == (1, "Đất đai", 0)


def test_an_unknown_desk_is_not_found(client, org):  # noqa: F811
    client.force_login(org["users"]["officer"])
    for name in ("desk_edit", "device_pair"):
        missing = client.get(reverse(f"feedback:{name}", args=[987654]))
        assert missing.status_code == 404 and "Không tìm thấy quầy" in missing.content.decode()
    assert client.post(reverse("feedback:desk_edit", args=[987654]), {"number": "1"}).status_code == 404
    assert client.post(reverse("feedback:desk_delete", args=[987654])).status_code == 404


def test_pairing_first_says_what_will_happen(client, org):  # noqa: F811
    one, two = _desk(org, 1), _desk(org, 2, "Hộ tịch")
    client.force_login(org["users"]["officer"])
    listed = client.get(DESKS).content.decode()
    pair = reverse("feedback:device_pair", args=[two.pk])
    assert f'href="{pair}"' in listed  # the list links to the step, it does not pair
    step = client.get(pair)
    body = step.content.decode()
    assert step.status_code == 200 and "Quầy số 2 — Hộ tịch" in body
    assert "được đăng xuất khỏi máy này ngay" in body and 'name="confirm" value="1"' in body
    # a post without the confirmation shows the step again and pairs nothing
    again = client.post(pair)
    assert again.status_code == 200 and "Gắn máy và đăng xuất" in again.content.decode()
    assert not CounterDevice.objects.exists()
    assert client.get(reverse("dossiers:inbox")).status_code == 200  # still signed in
    # a browser already paired with desk 1 is told it leaves that desk
    _paired(client, org, one)
    client.force_login(org["users"]["officer"])
    assert "máy này đang là màn hình của Quầy số 1: máy sẽ được gỡ" in client.get(pair).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_desks_declared_before_use_was_recorded_count_as_used():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("feedback", "0005_public_title")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = MigrationExecutor(connection).loader.project_state(before).apps
    agency = old.get_model("org", "Agency").objects.create(
        identifier="000.00.21.H26", name="Sở", level="department", path="/000.00.21.H26/"
    )
    old.get_model("feedback", "CounterDesk").objects.create(agency_id=agency.pk, number=1)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    desk = CounterDesk.objects.get()
    assert desk.used and not desks.desk_deletable(desk)


@pytest.mark.parametrize(
    "number, seated, text",
    [
        ("0", False, "Số quầy phải là số nguyên từ 1 đến 999"),
        ("1000", False, "Số quầy phải là số nguyên từ 1 đến 999"),
        ("3", True, "Cán bộ này đang ngồi Quầy số 1 (Sở Kế hoạch và Đầu tư); mỗi cán bộ chỉ ngồi một quầy"),
    ],
)
def test_the_admin_says_why_a_desk_is_refused(admin_client, org, number, seated, text):  # noqa: F811
    officer = org["users"]["officer"]
    desks.desk_sit(actor=officer, desk_id=_desk(org, 1).pk)
    data = {
        "agency": org["so"].pk,
        "number": number,
        "label": "",
        "officer": officer.pk if seated else "",
        "active": "on",
        "devices-TOTAL_FORMS": "0",
        "devices-INITIAL_FORMS": "0",
    }
    r = admin_client.post(reverse("admin:feedback_counterdesk_add"), data)
    assert r.status_code == 200 and text in r.content.decode()
    assert CounterDesk.objects.count() == 1
    data.update(number="3", officer="")
    assert admin_client.post(reverse("admin:feedback_counterdesk_add"), data).status_code == 302
    assert not CounterDesk.objects.get(number=3).used
