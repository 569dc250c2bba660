import io

from django.core.management import call_command
from django.db.models import Count

from motcua.community import demo
from motcua.community.models import Member, OutreachLog, ResidentialGroup, Team
from motcua.community.selectors import ward_summaries
from motcua.org import demo as org_demo


def test_demo_loads_250_teams_in_18_wards_idempotently(db):
    org_demo.load(stdout=io.StringIO())
    out = io.StringIO()
    first = demo.load(stdout=out)
    assert (first.wards, first.teams, first.groups, first.missing_wards) == (18, 250, 250, 0)
    assert "250 tổ" in out.getvalue() and demo.DEMO_MEMBER_USERNAME in out.getvalue()
    per_ward = dict(
        Team.objects.values("ward__identifier").annotate(n=Count("pk")).values_list("ward__identifier", "n")
    )
    assert len(per_ward) == 18 and set(per_ward.values()) <= {13, 14, 15}
    sizes = list(Team.objects.annotate(n=Count("members")).values_list("n", flat=True))
    assert min(sizes) >= 4 and max(sizes) <= 9
    assert not Member.objects.filter(generated=False).exists()
    assert all(m.phone == "" for m in Member.objects.all()[:50])
    assert Team.objects.filter(residential_group__isnull=True).count() == 0
    leaders = Member.objects.filter(role="leader").values("team").annotate(n=Count("pk"))
    assert leaders.count() == 250 and {row["n"] for row in leaders} == {1}
    assert (
        Member.objects.get(user__username=demo.DEMO_MEMBER_USERNAME).team.ward.identifier == "000.02.33.H26"
    )
    counts = (
        ResidentialGroup.objects.count(),
        Team.objects.count(),
        Member.objects.count(),
        OutreachLog.objects.count(),
    )
    assert counts[3] > 0
    # first visits: within each log's visits, never more in all than the group's households; the first round of a
    # group meets mostly new households, later rounds fewer
    rounds: dict[int, list] = {}
    for log in OutreachLog.objects.select_related("residential_group").order_by("date", "pk"):
        assert log.households_first_visit <= log.households_visited
        rounds.setdefault(log.residential_group_id, []).append(log)
    for logs in rounds.values():
        assert sum(lg.households_first_visit for lg in logs) <= logs[0].residential_group.households
        assert logs[0].households_first_visit >= 0.85 * logs[0].households_visited - 1
        assert all(lg.households_first_visit <= 0.4 * lg.households_visited + 1 for lg in logs[1:])
    assert any(len(logs) == 3 for logs in rounds.values())
    first_visits = sorted(OutreachLog.objects.values_list("pk", "households_first_visit"))
    again = io.StringIO()
    second = demo.load(stdout=again)
    assert (second.teams, second.groups, second.members, second.logs, second.users) == (0, 0, 0, 0, 0)
    assert "đã có sẵn" in again.getvalue()
    assert counts == (
        ResidentialGroup.objects.count(),
        Team.objects.count(),
        Member.objects.count(),
        OutreachLog.objects.count(),
    )
    assert first_visits == sorted(OutreachLog.objects.values_list("pk", "households_first_visit"))
    totals = ward_summaries()["totals"]
    assert totals["teams"] == 250 and 0 < totals["reached_pct"] < 100


def test_demo_without_wards_skips_them(db):
    out = io.StringIO()
    result = demo.load(stdout=out)
    assert result.teams == 0 and result.missing_wards == 18 and "thiếu 18 phường" in out.getvalue()


def test_command(db):
    org_demo.load(stdout=io.StringIO())
    out = io.StringIO()
    call_command("community-demo", stdout=out)
    assert "250 tổ" in out.getvalue()
