import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from motcua.community import services
from motcua.community.models import AssistedFiling, OutreachLog
from motcua.community.selectors import ward_dashboard, ward_summaries
from motcua.core.errors import PermissionDenied, Unprocessable
from motcua.dossiers.models import Dossier

from .conftest import local

_n = iter(range(1, 10_000))


def dossier(world, ward, channel, received=True):
    return Dossier.objects.create(
        code=f"{ward.identifier}-250301-{next(_n):04d}",
        agency=ward,
        procedure=world["procedure"],
        channel=channel,
        state="received" if received else "submitted",
        applicant_name="Trần Văn Bảo",
        applicant_name_ascii="tran van bao",
        received_at=local(2025, 3, 3, 9) if received else None,
    )


def log(world, team, group, day, visited, first=None, **kw):
    return OutreachLog.objects.create(
        team=team,
        residential_group=group,
        date=day,
        households_visited=visited,
        households_first_visit=visited if first is None else first,
        topics=kw.pop("topics", ["online_services"]),
        **kw,
    )


@pytest.fixture
def known(world):
    g1, g2, g3, gb = world["groups"]
    t1, t2, tb = world["teams"]
    log(world, t1, g1, dt.date(2025, 1, 10), 30)
    log(world, t1, g1, dt.date(2025, 3, 10), 50)  # g1: 80 of 100
    log(world, t2, g2, dt.date(2025, 2, 1), 150)
    log(world, t2, g2, dt.date(2025, 3, 1), 120, first=60)  # g2: 270 visits, 210 first visits, capped at 200
    log(world, tb, gb, dt.date(2025, 3, 5), 75)  # ward B: 75 of 300
    wa = world["ward_a"]
    for channel in ("online", "online", "online", "counter"):
        dossier(world, wa, channel)
    dossier(world, wa, "online", received=False)  # filed, not received: not counted
    d = dossier(world, wa, "online")
    AssistedFiling.objects.create(
        dossier=d,
        team=t1,
        member=world["m1"],
        resident_name="Trần Văn Bảo",
        resident_id_number="001085012345",
        consent_method="phone",
        consent_at=timezone.now(),
    )
    return world


def test_ward_summaries_known_figures(known):
    data = ward_summaries()
    rows = {r["ward"].identifier: r for r in data["rows"]}
    a, b = rows["000.02.33.H26"], rows["000.03.33.H26"]
    assert (a["groups"], a["households"], a["reached"], a["reached_pct"]) == (3, 350, 280, 80.0)
    assert (a["teams"], a["members"], a["assisted"]) == (2, 3, 1)  # the inactive member is not counted
    assert (a["received"], a["online"], a["online_pct"]) == (5, 4, 80.0)
    assert (b["reached"], b["reached_pct"], b["online_pct"]) == (75, 25.0, None)
    t = data["totals"]
    assert (t["households"], t["reached"], t["reached_pct"], t["teams"], t["members"]) == (
        650,
        355,
        54.62,
        3,
        4,
    )


def test_period_limits_the_outreach_counted(known):
    rows = {
        r["ward"].identifier: r
        for r in ward_summaries(date_from=dt.date(2025, 3, 1), date_to=dt.date(2025, 3, 31))["rows"]
    }
    # March only: the first visits recorded in March — g1 50/100, g2 60/200 (of 120 visits), g3 0/50
    assert (rows["000.02.33.H26"]["reached"], rows["000.02.33.H26"]["reached_pct"]) == (110, 31.43)


def test_ward_dashboard_rows(known):
    data = ward_dashboard(known["ward_a"])
    rows = {r["group"].name: r for r in data["groups"]}
    assert (rows["Tổ dân phố số 1"]["reached"], rows["Tổ dân phố số 1"]["reached_pct"]) == (80, 80.0)
    g2 = rows["Tổ dân phố số 2"]
    assert (g2["visited"], g2["first_visits"], g2["reached"], g2["reached_pct"]) == (270, 210, 200, 100.0)
    assert rows["Tổ dân phố số 3"]["reached_pct"] == 0.0 and rows["Tổ dân phố số 3"]["teams"] == []
    assert rows["Tổ dân phố số 1"]["teams"][0]["leader"] == "Phạm Thị Hoa"
    assert rows["Tổ dân phố số 1"]["teams"][0]["members"] == 2 and rows["Tổ dân phố số 1"]["assisted"] == 1
    assert data["summary"]["reached_pct"] == 80.0
    assert [r["households_visited"] for r in data["recent"]] == [50, 120, 150, 30]
    assert [r["households_first_visit"] for r in data["recent"]] == [50, 60, 150, 30]


def test_dashboard_pages(client, known):
    html = client.get(reverse("community:dashboard")).content.decode()
    assert "UBND Phường Bách Khoa" in html and "280 / 350" in html and "80,00 %" in html
    ward = client.get(reverse("community:ward", args=["000.02.33.H26"]))
    assert ward.status_code == 200
    text = ward.content.decode()
    assert "Phạm Thị Hoa" in text and "Tổ dân phố số 3" in text and "12/QĐ-UBND" in text
    assert "001085012345" not in text and "Trần Văn Bảo" not in text  # no resident data on public pages
    assert client.get(reverse("community:ward", args=["000.00.33.H26"])).status_code == 404  # not a ward
    assert client.get(reverse("community:ward", args=["KHONG"])).status_code == 404
    assert (
        client.get(reverse("community:ward", args=["000.02.33.h26"])).status_code == 200
    )  # typed in lower case
    # dates as shown (dd/mm/yyyy) or ISO; anything else is refused
    assert (
        client.get(reverse("community:dashboard"), {"tu": "01/12/2025", "den": "2025-12-31"}).status_code
        == 200
    )
    bad = client.get(reverse("community:dashboard"), {"tu": "31/13/2025"})
    assert bad.status_code == 400 and "không hợp lệ" in bad.content.decode()
    # the fields keep what was typed (they were emptied above the all-time figures)
    bad = client.get(
        reverse("community:ward", args=["000.02.33.H26"]), {"tu": "01/12/2025", "den": "31/13/2025"}
    )
    html = bad.content.decode()
    assert bad.status_code == 400
    assert 'name="tu" value="01/12/2025"' in html and 'name="den" value="31/13/2025"' in html
    # "showing the whole time", as the message says — the valid date was still applied (a half-open range)
    assert "toàn bộ thời gian" in html and bad.context["date_from"] is None and bad.context["date_to"] is None
    # ?from=&to=, as every other statistics page and the API take them, are the same period as ?tu=&den=
    aliased = client.get(reverse("community:dashboard"), {"from": "2025-12-01", "to": "31/12/2025"})
    assert aliased.status_code == 200
    assert (aliased.context["date_from"], aliased.context["date_to"]) == (
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 31),
    )
    # a date the statistics do not cover (reports: years 1900–2999) is refused, not a 500 (its local midnight
    # was out of any datetime's range)
    for url in (reverse("community:dashboard"), reverse("community:ward", args=["000.02.33.H26"])):
        for query in ({"tu": "01/01/0001"}, {"den": "31/12/9999"}, {"tu": "0001-01-01", "den": "9999-12-31"}):
            far = client.get(url, query)
            assert far.status_code == 400, (url, query)
            assert "ngoài khoảng cho phép (từ năm 1900 đến năm 2999)" in far.content.decode()
    # an ISO week or a basic date is no day the page offers: refused, as on the statistics pages (they were read as
    # 02/03/2026 and 30/11/2026 without a word)
    for query in ({"tu": "2026-W10"}, {"den": "20261130"}):
        odd = client.get(reverse("community:dashboard"), query)
        assert odd.status_code == 400 and odd.context["date_from"] is None, query
    # the period shown is named, "the whole time" included, with the instant the figures are counted at
    assert "Số liệu toàn bộ thời gian, tính đến" in html
    december = client.get(reverse("community:dashboard"), {"tu": "01/12/2025", "den": "31/12/2025"}).content
    assert "Số liệu từ ngày 01/12/2025 đến ngày 31/12/2025, tính đến" in december.decode()


def test_outreach_record_validation(world):
    g1, g2, g3, gb = world["groups"]
    t1 = world["teams"][0]
    ok = services.outreach_record(
        team=t1,
        residential_group=g1,
        date=dt.date(2025, 3, 1),
        households_visited=10,
        households_first_visit=4,
        topics=["vneid", "vneid", "e_payment"],
        households_newly_online=3,
        members=[world["m1"]],
    )
    assert ok.topics == ["vneid", "e_payment"] and list(ok.members.all()) == [world["m1"]]
    assert (ok.households_visited, ok.households_first_visit) == (10, 4)
    t1.decision_date = dt.date(2022, 4, 5)
    t1.save()
    bad = [
        (dict(households_newly_online=6, topics=[]), "households_newly_online"),
        (dict(households_first_visit=6, topics=[]), "households_first_visit"),
        (dict(topics=["lottery"]), "topics"),
        (dict(topics=["other"]), "other_topic"),
        (dict(topics=["other"], other_topic="   "), "other_topic"),
        (dict(topics=[], date=timezone.localdate() + dt.timedelta(days=2)), "date"),
        (dict(topics=[], date=dt.date(2022, 4, 4)), "date"),  # before the establishing decision
        (dict(topics=[], residential_group=gb), "residential_group"),
        (dict(topics=[], members=[world["mb"]]), "members"),
    ]
    for kw, field in bad:
        params = {
            "team": t1,
            "residential_group": g1,
            "date": dt.date(2025, 3, 1),
            "households_visited": 5,
            "households_first_visit": 5,
            **kw,
        }
        with pytest.raises(Unprocessable) as exc:
            services.outreach_record(**params)
        assert list(exc.value.details["fields"]) == [field], kw
    # an actor must be an active member of this active team
    for user in (world["users"]["member_b"], world["users"]["resident"]):
        with pytest.raises(PermissionDenied):
            services.outreach_record(**{**params, "topics": [], "date": dt.date(2025, 3, 1), "actor": user})
    t1.active = False
    t1.save()
    with pytest.raises(Unprocessable):
        services.outreach_record(**{**params, "topics": [], "date": dt.date(2025, 3, 1)})
    assert OutreachLog.objects.count() == 1


def test_model_clean_and_database_keep_first_visits_within_visits(world):
    g1 = world["groups"][0]
    t1 = world["teams"][0]
    entry = OutreachLog(
        team=t1,
        residential_group=g1,
        date=dt.date(2025, 3, 1),
        households_visited=5,
        households_first_visit=6,
    )
    with pytest.raises(ValidationError) as exc:
        entry.full_clean()
    assert "households_first_visit" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        entry.save()  # the check constraint, for writes that skip clean (bulk loads)
    assert not OutreachLog.objects.exists()


def test_counts_are_grouped_as_the_statistics_pages_write_them(client, known):
    """4.466 in Vietnamese, 4,466 in English, as the statistics pages and the PDF report (they wrote 15763)."""
    from motcua.community.models import ResidentialGroup

    ResidentialGroup.objects.filter(name="Tổ dân phố số 1", ward__identifier="000.02.33.H26").update(
        households=12345
    )
    html = client.get(reverse("community:dashboard")).content.decode()
    assert "355 / 12.895" in html and "12895" not in html  # all wards: 12,345 + 200 + 50 + 300
    ward = client.get(reverse("community:ward", args=["000.02.33.H26"])).content.decode()
    assert "12.345" in ward and "12345" not in ward
    client.cookies["django_language"] = "en"
    assert "12,345" in client.get(reverse("community:ward", args=["000.02.33.H26"])).content.decode()
