"""Households reached counts first visits, not visits; the migration that gave legacy logs their first-visit
count."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from motcua.community.models import OutreachLog, ResidentialGroup, Team
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
    assert "125 / 343" in row and "36,44%" in row and "343 / 343" not in row
    assert "lần đến lại không được tính" in page and "không vượt quá số hộ của tổ dân phố" in page
    ward = text(client.get(reverse("community:ward", args=["000.04.33.H26"])))
    assert re.search(r'id="ward-reached">125 / 343 \(36,44%\)', ward)
    group_row = re.search(r'data-group="\d+">(.*?)</tr>', ward).group(1)
    assert '<td class="visits">377</td>' in group_row and '<td class="reached">125 ' in group_row
    assert "Lượt hộ đã đến" in ward and "lần đến lại không được tính" in ward
    assert "ghi trong các nhật ký có ngày trong khoảng đó" in ward


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
