"""Reads for the community teams: the dashboards (per ward, per residential group), a team's recent outreach and
the "assisted by" note shown on a dossier.

Households reached (hộ đã tiếp cận) of a residential group = the households its outreach logs record as visited
for the first time (`households_first_visit`), summed and capped at the group's household count. A log records a
round of visits: a household visited again in a later round is counted in `households_visited` (the visits) but
not again in the reach. Legacy logs, written before the first-visit count existed, count all their visits as first
visits (an upper bound — migration 0002). With a period, a group's reach is the first visits recorded in logs
dated within it. A ward's figure is the sum over its groups; the share is reached / households.
Online share = the ward agency's dossiers received online / all its dossiers received (received_at set).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, Sum

from motcua.dossiers.models import Dossier, DossierDocument
from motcua.org.models import Agency, AgencyLevel

from .models import AssistedFiling, Member, MemberRole, OutreachLog, ResidentialGroup, Team, Topic

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


def team_member_ids() -> frozenset[int]:
    """The accounts of the active members of active teams, from the reference cache (Team and Member are watched,
    ADR 0020): an online filing asks whether its filer is one with no statement on the live path."""
    from motcua.core import refcache

    return refcache.get(
        ("team-members",),
        lambda: frozenset(
            Member.objects.filter(active=True, team__active=True, user__isnull=False).values_list(
                "user_id", flat=True
            )
        ),
    )


def pct(numerator: int, denominator: int) -> float | None:
    if not denominator:
        return None
    return float((Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def assistance_for(dossier) -> dict | None:
    """{"team", "ward", "member", "member_role", "consent_method", "consent_at", "consent_slip" (whether the
    signed slip is among the dossier's documents), "filed_at"} when a community team filed the dossier on the
    applicant's behalf, else None. No personal data beyond the helper's name."""
    filing = (
        AssistedFiling.objects.select_related("team", "team__ward", "member")
        .filter(dossier_id=getattr(dossier, "pk", dossier))
        .first()
    )
    if filing is None:
        return None
    return {
        "team": filing.team.name,
        "team_id": filing.team_id,
        "ward": filing.team.ward.name,
        "ward_identifier": filing.team.ward.identifier,
        "member": filing.member.full_name,
        "member_role": filing.member.get_role_display(),
        "consent_method": filing.get_consent_method_display(),
        "consent_at": filing.consent_at,
        "consent_slip": DossierDocument.objects.filter(dossier_id=filing.dossier_id, kind="consent").exists(),
        "filed_at": filing.created_at,
    }


def _period(
    date_from: dt.date | None, date_to: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=LOCAL) if date_from else None
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=LOCAL) if date_to else None
    return start, end


def _online_share(ward_ids: list[int], date_from, date_to) -> dict[int, tuple[int, int]]:
    start, end = _period(date_from, date_to)
    q = Q(agency_id__in=ward_ids, received_at__isnull=False)
    if start:
        q &= Q(received_at__gte=start)
    if end:
        q &= Q(received_at__lt=end)
    rows = (
        Dossier.objects.filter(q)
        .values("agency_id")
        .annotate(total=Count("pk"), online=Count("pk", filter=Q(channel="online")))
    )
    return {r["agency_id"]: (r["online"], r["total"]) for r in rows}


def _outreach_by_group(group_ids, date_from, date_to) -> dict[int, tuple[int, int]]:
    """{group id: (visits, first visits)} over the logs dated in the period."""
    q = Q(residential_group_id__in=group_ids)
    if date_from:
        q &= Q(date__gte=date_from)
    if date_to:
        q &= Q(date__lte=date_to)
    rows = (
        OutreachLog.objects.filter(q)
        .values("residential_group_id")
        .annotate(v=Sum("households_visited"), f=Sum("households_first_visit"))
    )
    return {r["residential_group_id"]: (int(r["v"] or 0), int(r["f"] or 0)) for r in rows}


def first_visits(group) -> int:
    """The first visits logged in a residential group so far, all teams and dates."""
    return _outreach_by_group([group.pk], None, None).get(group.pk, (0, 0))[1]


def reached(households: int, first_visits: int) -> int:
    """A group's households reached: its first visits, never more than its households."""
    return min(households, first_visits)


def _assisted_by(field: str, ids, date_from, date_to) -> dict[int, int]:
    start, end = _period(date_from, date_to)
    q = Q(**{f"{field}__in": ids})
    if start:
        q &= Q(created_at__gte=start)
    if end:
        q &= Q(created_at__lt=end)
    return {r[field]: r["n"] for r in AssistedFiling.objects.filter(q).values(field).annotate(n=Count("pk"))}


def community_wards():
    """Commune-level agencies that have residential groups or teams, in tree order."""
    return (
        Agency.objects.filter(level=AgencyLevel.COMMUNE)
        .filter(Q(residential_groups__isnull=False) | Q(community_teams__isnull=False))
        .distinct()
        .order_by("path")
    )


def ward_summaries(*, date_from: dt.date | None = None, date_to: dt.date | None = None) -> dict:
    """One row per ward plus totals: teams, members, groups, households, reached, reached %, assisted filings,
    dossiers received, online, online %. Optional period on outreach dates, filings and receptions."""
    wards = list(community_wards())
    ids = [w.pk for w in wards]
    teams = dict(
        Team.objects.filter(ward_id__in=ids, active=True)
        .values("ward_id")
        .annotate(n=Count("pk"))
        .values_list("ward_id", "n")
    )
    members = dict(
        Member.objects.filter(team__ward_id__in=ids, active=True, team__active=True)
        .values("team__ward_id")
        .annotate(n=Count("pk"))
        .values_list("team__ward_id", "n")
    )
    groups = list(ResidentialGroup.objects.filter(ward_id__in=ids).values("pk", "ward_id", "households"))
    outreach = _outreach_by_group([g["pk"] for g in groups], date_from, date_to)
    per_ward = defaultdict(lambda: {"groups": 0, "households": 0, "reached": 0})
    for g in groups:
        w = per_ward[g["ward_id"]]
        w["groups"] += 1
        w["households"] += g["households"]
        w["reached"] += reached(g["households"], outreach.get(g["pk"], (0, 0))[1])
    assisted = _assisted_by("team__ward_id", ids, date_from, date_to)
    online = _online_share(ids, date_from, date_to)
    rows = []
    for w in wards:
        agg = per_ward[w.pk]
        on, total = online.get(w.pk, (0, 0))
        rows.append(
            {
                "ward": w,
                "teams": teams.get(w.pk, 0),
                "members": members.get(w.pk, 0),
                "groups": agg["groups"],
                "households": agg["households"],
                "reached": agg["reached"],
                "reached_pct": pct(agg["reached"], agg["households"]),
                "assisted": assisted.get(w.pk, 0),
                "received": total,
                "online": on,
                "online_pct": pct(on, total),
            }
        )
    keys = ("teams", "members", "groups", "households", "reached", "assisted", "received", "online")
    totals = {k: sum(r[k] for r in rows) for k in keys}
    totals["reached_pct"] = pct(totals["reached"], totals["households"])
    totals["online_pct"] = pct(totals["online"], totals["received"])
    return {"rows": rows, "totals": totals}


def ward_dashboard(ward: Agency, *, date_from: dt.date | None = None, date_to: dt.date | None = None) -> dict:
    """The ward's figures (as in ward_summaries) and one row per residential group with its team(s)."""
    summary = next(
        (r for r in ward_summaries(date_from=date_from, date_to=date_to)["rows"] if r["ward"] == ward), None
    )
    groups = list(ResidentialGroup.objects.filter(ward=ward).order_by("number", "name"))
    outreach = _outreach_by_group([g.pk for g in groups], date_from, date_to)
    teams = list(
        Team.objects.filter(ward=ward, active=True)
        .annotate(n_members=Count("members", filter=Q(members__active=True)))
        .order_by("residential_group__number", "name")
    )
    leaders = {
        m.team_id: m.full_name
        for m in Member.objects.filter(team__in=teams, role=MemberRole.LEADER, active=True).order_by("pk")
    }
    assisted = _assisted_by("team_id", [t.pk for t in teams], date_from, date_to)
    by_group = defaultdict(list)
    ward_level = []
    for t in teams:
        item = {
            "team": t,
            "members": t.n_members,
            "leader": leaders.get(t.pk, ""),
            "assisted": assisted.get(t.pk, 0),
        }
        (by_group[t.residential_group_id] if t.residential_group_id else ward_level).append(item)
    rows = []
    for g in groups:
        visits, first = outreach.get(g.pk, (0, 0))
        n = reached(g.households, first)
        rows.append(
            {
                "group": g,
                "households": g.households,
                "visited": visits,
                "first_visits": first,
                "reached": n,
                "reached_pct": pct(n, g.households),
                "teams": by_group.get(g.pk, []),
                "assisted": sum(t["assisted"] for t in by_group.get(g.pk, [])),
            }
        )
    logs = (
        OutreachLog.objects.filter(team__ward=ward)
        .select_related("team", "residential_group")
        .order_by("-date", "-pk")
    )
    if date_from:
        logs = logs.filter(date__gte=date_from)
    if date_to:
        logs = logs.filter(date__lte=date_to)
    recent = [_log_row(log) for log in logs[:20]]
    return {"ward": ward, "summary": summary, "groups": rows, "ward_teams": ward_level, "recent": recent}


def _log_row(log: OutreachLog, *, members: bool = False) -> dict:
    topic_labels = dict(Topic.choices)
    row = {
        "date": log.date,
        "group": log.residential_group.name,
        "team": log.team.name,
        "households_visited": log.households_visited,
        "households_first_visit": log.households_first_visit,
        "households_newly_online": log.households_newly_online,
        "topics": [topic_labels.get(t, t) for t in log.topics if t != Topic.OTHER]
        + ([log.other_topic] if Topic.OTHER in log.topics and log.other_topic else []),
    }
    if members:
        row["members"] = [m.full_name for m in log.members.all()]
        row["note"] = log.note
    return row


def team_recent_outreach(team_ids, limit: int = 20) -> list[dict]:
    """The latest outreach logs of these teams, newest first, with who took part (the recording page)."""
    logs = (
        OutreachLog.objects.filter(team_id__in=list(team_ids))
        .select_related("team", "residential_group")
        .prefetch_related("members")
        .order_by("-date", "-pk")[:limit]
    )
    return [_log_row(log, members=True) for log in logs]


def member_filings(user):
    """The filings `user` made for residents while they serve in the team (as dossiers.services.filer_reads_q):
    a member who left no longer reads the residents' data, on the filing's page either."""
    return (
        AssistedFiling.objects.select_related("dossier", "dossier__procedure", "team")
        .filter(member__user=user, member__active=True, member__team__active=True)
        .order_by("-created_at")
    )
