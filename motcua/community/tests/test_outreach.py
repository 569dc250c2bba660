"""Households reached counts first visits, not visits; the page where a team records its rounds; the migration
that gave legacy logs their first-visit count."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from motcua.community.models import Member, OutreachLog, ResidentialGroup, Team
from motcua.community.selectors import ward_dashboard, ward_summaries
from motcua.org.models import Agency

URL = "/to-cong-nghe-so/nhat-ky/"


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- the probe: 343 households visited three times --------------------------------------------------------------


@pytest.fixture
def revisited(world):
    """A ward of one group of 343 households, visited in three rounds: 377 visits, 125 distinct households."""
    ward = Agency.objects.create(
        identifier="000.04.33.H26", name="UBND Phường Cầu Dền", level="commune", parent=world["district"]
    )
    group = ResidentialGroup.objects.create(ward=ward, name="Tổ dân phố số 7", number=7, households=343)
    team = Team.objects.create(ward=ward, residential_group=group, name="Tổ CNSCĐ TDP số 7")
    for day, visited, first in (
        (dt.date(2025, 3, 3), 125, 118),
        (dt.date(2025, 4, 7), 126, 5),
        (dt.date(2025, 5, 5), 126, 2),
    ):
        OutreachLog.objects.create(
            team=team,
            residential_group=group,
            date=day,
            households_visited=visited,
            households_first_visit=first,
            topics=["vneid"],
        )
    return {"ward": ward, "group": group}


def test_reach_counts_first_visits_not_revisits(revisited):
    row = next(r for r in ward_summaries()["rows"] if r["ward"] == revisited["ward"])
    assert (row["households"], row["reached"], row["reached_pct"]) == (343, 125, 36.44)
    g = ward_dashboard(revisited["ward"])["groups"][0]
    assert (g["visited"], g["first_visits"], g["reached"]) == (377, 125, 125)
    # a period counts the first visits recorded in it: April and May met 7 new households
    april_may = ward_summaries(date_from=dt.date(2025, 4, 1), date_to=dt.date(2025, 5, 31))["rows"]
    assert next(r for r in april_may if r["ward"] == revisited["ward"])["reached"] == 7


def test_reach_on_the_dashboard_and_the_ward_page(client, revisited):
    page = text(client.get(reverse("community:dashboard")))
    row = re.search(r'data-ward="000.04.33.H26">(.*?)</tr>', page).group(1)
    assert "125 / 343" in row and "36,44 %" in row and "343 / 343" not in row
    assert "lần đến lại không được tính" in page and "không vượt quá số hộ của tổ dân phố" in page
    ward = text(client.get(reverse("community:ward", args=["000.04.33.H26"])))
    assert re.search(r'id="ward-reached">125 / 343 \(36,44 %\)', ward)
    group_row = re.search(r'data-group="\d+">(.*?)</tr>', ward).group(1)
    assert '<td class="visits">377</td>' in group_row and '<td class="reached">125 ' in group_row
    assert "Lượt hộ đã đến" in ward and "lần đến lại không được tính" in ward
    assert "ghi trong các nhật ký có ngày trong khoảng đó" in ward


# --- the recording page ------------------------------------------------------------------------------------------


def form_data(world, **over):
    g1 = world["groups"][0]
    data = {
        "team": world["teams"][0].pk,
        "residential_group": g1.pk,
        "date": (timezone.localdate() - dt.timedelta(days=1)).strftime("%d/%m/%Y"),
        "members": [world["m1"].pk],
        "households_visited": "40",
        "households_first_visit": "25",
        "households_newly_online": "6",
        "topics": ["online_services", "vneid"],
        "other_topic": "",
        "note": "Trời mưa, nhiều hộ vắng nhà",
    }
    data.update(over)
    return data


def field_error(html: str, field: str) -> str:
    m = re.search(rf'id="id_{field}_error">(.*?)</span>', html)
    return m.group(1) if m else ""


def test_page_access(client, world):
    assert client.get(URL).status_code == 302  # to sign in
    assert client.post(URL, form_data(world)).status_code == 302
    client.force_login(world["users"]["resident"])  # not a member
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data(world)).status_code == 403
    Member.objects.filter(user=world["users"]["member"]).update(active=False)  # a member who left
    client.force_login(world["users"]["member"])
    assert client.get(URL).status_code == 403
    Member.objects.filter(user=world["users"]["member"]).update(active=True)
    Team.objects.filter(pk=world["teams"][0].pk).update(active=False)  # a team no longer active
    assert client.post(URL, form_data(world)).status_code == 403
    assert not OutreachLog.objects.exists()


def test_links_to_the_page(client, world):
    ward_url = reverse("community:ward", args=["000.02.33.H26"])
    assert URL not in client.get(ward_url).content.decode()  # not offered to the public
    client.force_login(world["users"]["member"])
    assert URL in client.get(ward_url).content.decode()
    assert URL in client.get(reverse("community:assisted_new")).content.decode()
    assert URL not in client.get(reverse("community:ward", args=["000.03.33.H26"])).content.decode()


def test_record_a_round(client, world):
    client.force_login(world["users"]["member"])
    page = text(client.get(URL))
    # the team was established for Tổ dân phố số 1: its rounds are there (a team for a whole ward has every group)
    assert "Tổ dân phố số 1" in page and "Tổ dân phố số 3" not in page and "Tổ dân phố số 1 — " not in page
    assert "Vũ Minh Đức" in page and "Lê Thu Trang" not in page  # active members of the team only
    assert "Đặng Quốc Huy" not in page  # another team's member
    assert timezone.localdate().strftime("%d/%m/%Y") in page  # today, as dd/mm/yyyy
    assert "Tổ chưa ghi nhật ký nào." in page
    deputy = Member.objects.get(full_name="Vũ Minh Đức")
    note = "Trời mưa, nhiều hộ vắng nhà\r\nHẹn quay lại  thứ Bảy"
    response = client.post(URL, form_data(world, members=[world["m1"].pk, deputy.pk], note=note))
    assert response.status_code == 302 and response["Location"] == URL
    log = OutreachLog.objects.get()
    assert log.note == "Trời mưa, nhiều hộ vắng nhà\nHẹn quay lại thứ Bảy"  # its lines kept
    assert (log.team, log.residential_group, log.date) == (
        world["teams"][0],
        world["groups"][0],
        timezone.localdate() - dt.timedelta(days=1),
    )
    assert (log.households_visited, log.households_first_visit, log.households_newly_online) == (40, 25, 6)
    assert log.topics == ["online_services", "vneid"] and set(log.members.all()) == {world["m1"], deputy}
    after = text(client.get(URL))
    assert "Đã ghi nhật ký ngày" in after and "40 hộ đã đến, 25 hộ lần đầu" in after
    recent = re.search(r'<table class="outreach-recent"[^>]*>(.*?)</table>', after).group(1)
    assert "Phạm Thị Hoa" in recent and "Vũ Minh Đức" in recent and "vắng nhà<br>Hẹn quay lại" in recent
    assert "<td>40</td><td>25</td><td>6</td>" in recent
    # "other" with its text; ISO dates are accepted too
    ok = client.post(
        URL, form_data(world, topics=["other"], other_topic="Cài ứng dụng Hà Nội", date="2025-03-01")
    )
    assert ok.status_code == 302
    assert OutreachLog.objects.get(date=dt.date(2025, 3, 1)).other_topic == "Cài ứng dụng Hà Nội"
    # it counts on the dashboard: 25 of the first log's 40 visits
    summary = ward_dashboard(world["ward_a"])["groups"][0]
    assert (summary["visited"], summary["reached"]) == (80, 50)


@pytest.mark.parametrize(
    ("over", "field", "message"),
    [
        ({"date": "FUTURE"}, "date", "không được ở tương lai"),
        ({"date": "01/04/2022"}, "date", "trước ngày quyết định thành lập tổ (05/04/2022)"),
        ({"date": "31/02/2025"}, "date", "Ngày không hợp lệ"),
        ({"households_first_visit": "41"}, "households_first_visit", "không thể lớn hơn số hộ đã đến"),
        ({"households_newly_online": "41"}, "households_newly_online", "không thể lớn hơn số hộ đã đến"),
        # the counts' own messages, not Django's ("Đảm bảo giá trị này lớn hơn hoặc bằng với 1 .",
        # "Nhập một số tổng thể.")
        ({"households_visited": "0"}, "households_visited", "Giá trị phải từ 1 trở lên."),
        ({"households_visited": "2,5"}, "households_visited", "Vui lòng nhập số nguyên."),
        ({"households_first_visit": "-1"}, "households_first_visit", "Giá trị phải từ 0 trở lên."),
        ({"households_newly_online": "100001"}, "households_newly_online", "không được lớn hơn 100.000."),
        ({"residential_group": "GB"}, "residential_group", "phải thuộc phường/xã của tổ"),
        ({"residential_group": "G2"}, "residential_group", "là tổ dân phố của tổ"),
        ({"members": ["MB"]}, "members", "Chỉ chọn thành viên đang hoạt động của tổ"),
        ({"members": ["T2"]}, "members", "Chỉ chọn thành viên đang hoạt động của tổ"),
        ({"members": []}, "members", "Chọn ít nhất một thành viên"),
        ({"topics": ["vneid", "other"]}, "other_topic", "hãy ghi nội dung đó"),
        ({"topics": ["other"], "other_topic": "   "}, "other_topic", "hãy ghi nội dung đó"),
        ({"topics": []}, "topics", "Chọn ít nhất một nội dung"),
        ({"team": "TB"}, "team", "không phải thành viên đang hoạt động của tổ này"),
    ],
)
def test_bad_input_is_refused_next_to_the_field(client, world, over, field, message):
    Team.objects.filter(pk=world["teams"][0].pk).update(decision_date=dt.date(2022, 4, 5))
    t2_member = Member.objects.get(full_name="Hoàng Văn Nam")
    stand_in = {
        "FUTURE": (timezone.localdate() + dt.timedelta(days=1)).strftime("%d/%m/%Y"),
        "GB": str(world["groups"][3].pk),
        "G2": str(world["groups"][1].pk),
        "MB": str(world["mb"].pk),
        "T2": str(t2_member.pk),
        "TB": str(world["teams"][2].pk),
    }
    over = {
        k: [stand_in.get(x, x) for x in v] if isinstance(v, list) else stand_in.get(v, v)
        for k, v in over.items()
    }
    client.force_login(world["users"]["member"])
    response = client.post(URL, form_data(world, **over))
    assert response.status_code == 400
    html = response.content.decode()
    error = field_error(html, field)
    assert error and message in error, (field, error)
    # each problem linked from the focused error summary (it was one line asking to find the marked fields)
    summary = html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f'href="#id_{field}' in summary and 'getElementById("error-summary").focus()' in html
    assert "Trời mưa, nhiều hộ vắng nhà" in html  # what was typed is kept
    assert not OutreachLog.objects.exists()


def test_member_of_several_teams_chooses_the_team(client, world):
    """Member of teams in two wards: each team's groups and members only go with that team."""
    user = world["users"]["member"]
    tb = world["teams"][2]
    also = Member.objects.create(team=tb, full_name="Phạm Thị Hoa", organisation="telecom", user=user)
    client.force_login(user)
    page = text(client.get(URL))
    assert (
        "Tổ CNSCĐ TDP số 1 — UBND Phường Bạch Mai" in page
        and "Tổ dân phố số 1 — UBND Phường Bạch Mai" in page
    )
    gb = world["groups"][3]
    # ward B's team with ward A's group, or with ward A's member: refused on the field
    wrong_group = client.post(URL, form_data(world, team=tb.pk, members=[also.pk]))
    assert wrong_group.status_code == 400
    assert "phải thuộc phường/xã của tổ" in field_error(wrong_group.content.decode(), "residential_group")
    wrong_member = client.post(URL, form_data(world, team=tb.pk, residential_group=gb.pk))
    assert wrong_member.status_code == 400
    assert "Thành viên phải thuộc tổ" in field_error(wrong_member.content.decode(), "members")
    assert not OutreachLog.objects.exists()
    ok = client.post(URL, form_data(world, team=tb.pk, residential_group=gb.pk, members=[also.pk]))
    assert ok.status_code == 302 and OutreachLog.objects.get().team == tb


# --- the migration ------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_migration_gives_legacy_logs_their_visits_as_first_visits():
    """community.0002 over logs written before it: each gets households_first_visit = households_visited."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("community", "0001_initial")])
    old = MigrationExecutor(connection).loader.project_state([("community", "0001_initial")]).apps
    Agency_ = old.get_model("org", "Agency")
    ward = Agency_.objects.create(identifier="000.09.33.H26", name="UBND Phường X", level="commune", path="x")
    group = old.get_model("community", "ResidentialGroup").objects.create(
        ward=ward, name="TDP 1", households=343
    )
    team = old.get_model("community", "Team").objects.create(ward=ward, residential_group=group, name="Tổ 1")
    Log = old.get_model("community", "OutreachLog")
    for visited in (125, 126, 126):
        Log.objects.create(
            team=team,
            residential_group=group,
            date=dt.date(2025, 3, 3),
            households_visited=visited,
            topics=[],
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = list(
        OutreachLog.objects.order_by("pk").values_list("households_visited", "households_first_visit")
    )
    assert rows == [(125, 125), (126, 126), (126, 126)]
    # an upper bound: capped at the group's households, as before
    assert ward_dashboard(Agency.objects.get(identifier="000.09.33.H26"))["groups"][0]["reached"] == 343


def test_a_hidden_character_in_a_round_or_a_team_record_is_refused(client, world):
    """The outreach page marks the field; the service refuses a direct call; a team or member record edited in
    the administration (Model.full_clean) is refused on its field. Nothing is stored."""
    from django.core.exceptions import ValidationError

    from motcua.community import services
    from motcua.core.errors import Unprocessable

    client.force_login(world["users"]["member"])
    for over, field in (
        ({"note": "Trời mưa\x1b"}, "note"),
        ({"topics": ["other"], "other_topic": "Cài\u200b"}, "other_topic"),
    ):
        r = client.post(URL, form_data(world, **over))
        assert r.status_code == 400, over
        assert " ".join(r.context["form"].errors[field]).startswith("Có ký tự không hợp lệ U+")
    with pytest.raises(Unprocessable) as exc:
        services.outreach_record(
            team=world["teams"][0], residential_group=world["groups"][0], date=dt.date(2025, 3, 1),
            households_visited=1, households_first_visit=1, topics=["vneid"], note="Ghi chú\u202e",
        )  # fmt: skip
    assert exc.value.code == "bad_characters"
    assert not OutreachLog.objects.exists()
    team = world["teams"][1]
    team.name = "Tổ CNSCĐ\u200b số 2"
    with pytest.raises(ValidationError) as err:
        team.full_clean()
    assert "Tên tổ chứa ký tự không hợp lệ U+200B" in " ".join(err.value.message_dict["name"])
    member = world["m1"]
    member.full_name = "Phạm Thị\x7f Hoa"
    with pytest.raises(ValidationError) as err:
        member.full_clean()
    assert "name" not in err.value.message_dict and "full_name" in err.value.message_dict


def test_first_visits_stop_at_the_households_not_yet_reached(client, world):
    """A round logging 300 first visits in a group of 100 households, 25 already reached, was taken: the ward's
    all-time figure was capped at the group's households while the day's row showed 300, and the two disagreed.
    The round is refused, saying how many households are left; the service refuses it too."""
    from motcua.community.services import outreach_record
    from motcua.core.errors import Unprocessable

    client.force_login(world["users"]["member"])
    assert client.post(URL, form_data(world)).status_code == 302  # 25 first visits of 100
    r = client.post(URL, form_data(world, households_visited="90", households_first_visit="80"))
    assert r.status_code == 400
    assert r.context["form"].errors["households_first_visit"] == [
        "Tổ dân phố số 1 có 100 hộ, đã tiếp cận 25 hộ: chỉ còn 75 hộ chưa được tiếp cận lần đầu."
    ]
    assert OutreachLog.objects.count() == 1
    assert (
        client.post(URL, form_data(world, households_visited="90", households_first_visit="75")).status_code
        == 302
    )
    assert OutreachLog.objects.count() == 2
    with pytest.raises(Unprocessable) as refused:
        outreach_record(
            actor=world["users"]["member"], team=world["teams"][0], residential_group=world["groups"][0],
            date=timezone.localdate(), households_visited=5, households_first_visit=1, households_newly_online=0,
            topics=["vneid"], members=[world["m1"]],
        )  # fmt: skip
    assert "chỉ còn 0 hộ" in refused.value.message


@pytest.mark.parametrize(("typed", "stored"), [("1.000", 1000), ("1,000", 1000), ("1 000", 1000), ("40", 40)])
def test_a_count_typed_with_grouping_is_read_as_written(client, world, typed, stored):
    """ "1.000" households (the Vietnamese way of writing a thousand) was stored as 1: Django reads ".000" as
    decimals. A count reads as written, the Vietnamese or the English way."""
    ResidentialGroup.objects.filter(pk=world["groups"][0].pk).update(households=5000)
    client.force_login(world["users"]["member"])
    r = client.post(URL, form_data(world, households_visited=typed, households_first_visit="0"))
    assert r.status_code == 302, r.context["form"].errors if r.context else r
    assert OutreachLog.objects.get().households_visited == stored
