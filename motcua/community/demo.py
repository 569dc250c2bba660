"""Demo community teams for the 18 wards of Quận Hai Bà Trưng: 250 teams (one per residential group, 13–15
groups per ward), 4–9 members each, and some outreach logs (the first round in a group meets mostly households
never visited, later rounds fewer). Idempotent: groups and teams are looked up by ward and name and only created
when missing; members and logs are only added to a team created now, so a second run adds nothing and an
operator's edits survive.

EVERY MEMBER IS A GENERATED DEMO PERSON (`Member.generated = True`): names are drawn from common Vietnamese
family, middle and given names by a seeded random generator; they have no phone numbers and resemble no real
person. Household counts and outreach figures are invented too.

Needs the organisation demo (ward agencies 000.01.33.H26 … 000.18.33.H26): wards that are missing are skipped.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from motcua.org.demo import HBT_WARDS as HBT_WARD_NAMES
from motcua.org.demo import ward_identifier
from motcua.org.models import Agency

from .models import Member, MemberRole, Organisation, OutreachLog, ResidentialGroup, Team, Topic

DEMO_PASSWORD = "motcua-demo-2026"
DEMO_MEMBER_USERNAME = "tcns.bachkhoa"
# Residential groups (= teams) per ward, in identifier order: 13–15 each, 250 in all.
GROUPS_PER_WARD = [14, 15, 13, 14, 14, 13, 15, 14, 13, 14, 13, 14, 15, 14, 13, 14, 15, 13]
assert sum(GROUPS_PER_WARD) == 250 and len(GROUPS_PER_WARD) == len(HBT_WARD_NAMES)

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Đinh", "Trịnh"]  # fmt: skip
MIDDLE_M = ["Văn", "Đức", "Minh", "Quốc", "Hữu", "Công", "Thanh", "Xuân", "Tiến", "Ngọc"]
MIDDLE_F = ["Thị", "Thu", "Ngọc", "Thanh", "Minh", "Phương", "Kim", "Thúy", "Hồng", "Bích"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Hùng", "Hải", "Long", "Nam", "Phong", "Quang", "Sơn", "Tuấn", "Thắng",
           "Trung", "Việt", "Khánh", "Hiếu", "Đạt", "Tùng", "Kiên"]  # fmt: skip
GIVEN_F = ["Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngọc", "Nhung",
           "Phương", "Thảo", "Trang", "Yến", "Vân", "Huyền", "Loan"]  # fmt: skip
OTHER_ORGS = [
    Organisation.WOMEN_UNION, Organisation.VETERANS, Organisation.POLICE, Organisation.TELECOM,
    Organisation.TEACHER, Organisation.WARD_OFFICIAL, Organisation.YOUTH_UNION, Organisation.POST,
]  # fmt: skip
TOPICS = [Topic.ONLINE_SERVICES, Topic.VNEID, Topic.E_PAYMENT, Topic.CYBER_SAFETY, Topic.E_COMMERCE]


def person(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_M)} {rng.choice(GIVEN_M)}"
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_F)} {rng.choice(GIVEN_F)}"


@dataclass
class Result:
    wards: int = 0
    missing_wards: int = 0
    groups: int = 0
    teams: int = 0
    members: int = 0
    logs: int = 0
    users: int = 0


def _members_for(team: Team, rng: random.Random) -> list[Member]:
    size = rng.randint(4, 9)
    people = []
    seen: set[str] = set()
    while len(people) < size:
        name = person(rng)
        if name not in seen:
            seen.add(name)
            people.append(name)
    out = [
        Member(team=team, full_name=people[0], role=MemberRole.LEADER, organisation=Organisation.GROUP_HEAD),
        Member(team=team, full_name=people[1], role=MemberRole.DEPUTY, organisation=Organisation.YOUTH_UNION),
    ]
    out += [
        Member(team=team, full_name=name, role=MemberRole.MEMBER, organisation=rng.choice(OTHER_ORGS))
        for name in people[2:]
    ]
    for m in out:
        m.generated = True
    return out


def _logs_for(
    team: Team,
    group: ResidentialGroup,
    members: list[Member],
    rng: random.Random,
    first_rng: random.Random,
) -> list[OutreachLog]:
    """0–3 rounds in 2025. The first round (by date) meets mostly households never visited before, later rounds
    fewer (85–100 %, then 10–40 % of their visits); never more first visits in all than the group's households.
    `first_rng` draws only those shares, so the other figures are those the generator always made."""
    logs = []
    for _ in range(rng.randint(0, 3)):
        visited = rng.randint(group.households // 10, group.households // 2)
        chosen = rng.sample(TOPICS, rng.randint(1, 3))
        log = OutreachLog(
            team=team,
            residential_group=group,
            date=dt.date(2025, 1, 6) + dt.timedelta(days=rng.randint(0, 360)),
            households_visited=visited,
            topics=[str(t) for t in chosen],
            households_newly_online=rng.randint(0, visited // 3),
        )
        log._members = rng.sample(members, min(len(members), rng.randint(2, 4)))
        logs.append(log)
    remaining = group.households
    for n, log in enumerate(sorted(logs, key=lambda lg: lg.date)):
        share = first_rng.uniform(0.85, 1.0) if n == 0 else first_rng.uniform(0.1, 0.4)
        log.households_first_visit = min(remaining, round(log.households_visited * share))
        remaining -= log.households_first_visit
    return logs


def load_teams() -> Result:
    """Bulk inserts per ward (a handful of queries each), so `make run` stays quick."""
    result = Result()
    with transaction.atomic():
        for i, ward_name in enumerate(HBT_WARD_NAMES, start=1):
            ward = Agency.objects.filter(identifier=ward_identifier(i)).first()
            if ward is None:
                result.missing_wards += 1
                continue
            result.wards += 1
            rng = random.Random(f"motcua-community-{ward.identifier}")
            first_rng = random.Random(f"motcua-community-first-visits-{ward.identifier}")
            count = GROUPS_PER_WARD[i - 1]
            households = [rng.randint(120, 420) for _ in range(count)]
            groups = {g.name: g for g in ResidentialGroup.objects.filter(ward=ward)}
            new_groups = [
                ResidentialGroup(ward=ward, name=f"Tổ dân phố số {n}", number=n, households=households[n - 1])
                for n in range(1, count + 1)
                if f"Tổ dân phố số {n}" not in groups
            ]
            for g in ResidentialGroup.objects.bulk_create(new_groups):
                groups[g.name] = g
            result.groups += len(new_groups)
            existing = set(Team.objects.filter(ward=ward).values_list("name", flat=True))
            new_teams = [
                Team(
                    ward=ward,
                    residential_group=groups[f"Tổ dân phố số {n}"],
                    name=f"Tổ công nghệ số cộng đồng TDP số {n}",
                    decision_number=f"{120 + i}/QĐ-UBND",
                    decision_date=dt.date(2022, 4, 4 + i),
                    decision_signer=f"Chủ tịch UBND Phường {ward_name}",
                )
                for n in range(1, count + 1)
                if f"Tổ công nghệ số cộng đồng TDP số {n}" not in existing
            ]
            if not new_teams:
                continue
            Team.objects.bulk_create(new_teams)
            teams = list(
                Team.objects.filter(ward=ward, name__in=[t.name for t in new_teams])
                .select_related("residential_group")
                .order_by("pk")
            )
            members_by_team = {t.pk: _members_for(t, rng) for t in teams}
            Member.objects.bulk_create([m for ms in members_by_team.values() for m in ms])
            members_by_team = {}
            for m in Member.objects.filter(team__in=teams).order_by("pk"):
                members_by_team.setdefault(m.team_id, []).append(m)
            logs = []
            for t in teams:
                logs += _logs_for(t, t.residential_group, members_by_team[t.pk], rng, first_rng)
            created_logs = OutreachLog.objects.bulk_create(logs)
            through = OutreachLog.members.through
            links = []
            for log, original in zip(created_logs, logs, strict=True):
                links += [through(outreachlog_id=log.pk, member_id=m.pk) for m in original._members]
            through.objects.bulk_create(links)
            result.teams += len(teams)
            result.members += sum(len(v) for v in members_by_team.values())
            result.logs += len(created_logs)
        result.users += _demo_member_account()
    return result


def _demo_member_account() -> int:
    """A sign-in for the leader of Bách Khoa's TDP số 1 team, to try filing on a resident's behalf."""
    team = Team.objects.filter(
        ward__identifier=ward_identifier(2), name="Tổ công nghệ số cộng đồng TDP số 1"
    ).first()
    if team is None:
        return 0
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=DEMO_MEMBER_USERNAME,
        defaults={
            "password": make_password(DEMO_PASSWORD),
            "first_name": "Tổ trưởng",
            "last_name": "TDP số 1",
        },
    )
    leader = team.members.filter(role=MemberRole.LEADER).order_by("pk").first()
    if leader is not None and leader.user_id is None and not Member.objects.filter(user=user).exists():
        leader.user = user
        leader.save(update_fields=["user"])
        if created:
            user.first_name, user.last_name = leader.full_name.rsplit(" ", 1)
            user.save(update_fields=["first_name", "last_name"])
    return int(created)


def account_rows() -> list[tuple[str, str, str, str]]:
    """The team member's demo account as a row of the demo accounts table (every `motcua demo` prints it, not only
    the run that created it)."""
    member = Member.objects.filter(user__username=DEMO_MEMBER_USERNAME).select_related("team__ward").first()
    if member is None:
        return []
    team = member.team
    return [
        (
            DEMO_MEMBER_USERNAME,
            DEMO_PASSWORD,
            "Thành viên tổ công nghệ số cộng đồng",
            f"{team.ward.name} / {team.name} (nộp hồ sơ hộ người dân)",
        )
    ]


def load(*, stdout=None) -> Result:
    out = stdout or sys.stdout
    result = load_teams()
    if result.missing_wards:
        out.write(
            f"Tổ công nghệ số demo: thiếu {result.missing_wards} phường (chạy dữ liệu demo tổ chức trước) — "
            "bỏ qua các phường này.\n"
        )
    if result.teams or result.groups or result.users:
        out.write(
            f"Tổ công nghệ số demo: đã tạo {result.groups} tổ dân phố, {result.teams} tổ, {result.members} thành "
            f"viên (người giả lập), {result.logs} nhật ký hỗ trợ ở {result.wards} phường.\n"
        )
        if result.users:
            out.write(
                f"  Tài khoản thành viên tổ: {DEMO_MEMBER_USERNAME} / {DEMO_PASSWORD} (nộp hồ sơ hộ người dân)\n"
            )
    else:
        out.write("Tổ công nghệ số demo: đã có sẵn, không tạo thêm gì (community demo already loaded).\n")
    return result
