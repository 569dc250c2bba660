"""Demo organisation and accounts (loaded by `motcua demo`). Idempotent: everything is looked up by its
identifier or username first and only created when missing; existing records are never overwritten, so an
operator's edits survive a second `make run`.

Other apps' demo data rely on these identifiers and usernames — keep them stable.
"""

import sys
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from motcua.core.text import fold

from . import services
from .models import AdministrativeKind, Agency, AgencyLevel, Role, StaffRole, Unit, UnitKind

DEMO_PASSWORD = "motcua-demo-2026"

PROVINCE = "H26"
DEPARTMENT = "000.00.21.H26"
DISTRICT = "000.00.33.H26"

# Quận Hai Bà Trưng's 18 wards (before the 2025 reorganisation), in identifier order 000.01.33.H26 …
HBT_WARDS = [
    "Bạch Đằng",
    "Bách Khoa",
    "Bạch Mai",
    "Cầu Dền",
    "Đống Mác",
    "Đồng Nhân",
    "Đồng Tâm",
    "Lê Đại Hành",
    "Minh Khai",
    "Nguyễn Du",
    "Phạm Đình Hổ",
    "Phố Huế",
    "Quỳnh Lôi",
    "Quỳnh Mai",
    "Thanh Lương",
    "Thanh Nhàn",
    "Trương Định",
    "Vĩnh Tuy",
]


def ward_identifier(index: int) -> str:
    """1-based position in HBT_WARDS -> '000.01.33.H26'."""
    return f"000.{index:02d}.33.H26"


BACH_KHOA = ward_identifier(HBT_WARDS.index("Bách Khoa") + 1)

ONE_STOP = "Bộ phận Một cửa"
DEPT_BUSINESS = "Phòng Đăng ký kinh doanh"
DEPT_LEADERS = "Ban Giám đốc Sở"
DIST_FINANCE = "Phòng Tài chính - Kế hoạch"
DIST_LEADERS = "Lãnh đạo UBND Quận"
WARD_LEADERS = "Lãnh đạo UBND Phường"
# a ward's business-registration office (the procedure's commune-level text: "Phòng Kinh tế hoặc Phòng Kinh tế, Hạ
# tầng và Đô thị thuộc Ủy ban nhân dân cấp xã"): Bách Khoa's, with a specialist and a head, works the ward process's
# specialist and review steps (the other wards have their one-stop officer only)
WARD_ECONOMY = "Phòng Kinh tế, Hạ tầng và Đô thị"


def _agencies() -> list[dict]:
    rows = [
        {
            "identifier": PROVINCE,
            "name": "Thành phố Hà Nội",
            "short_name": "UBND TP Hà Nội",
            "level": AgencyLevel.PROVINCE,
            "kind": AdministrativeKind.CITY,
            "parent": None,
            "address": "12 Lê Lai, Hoàn Kiếm, Hà Nội",
            "place_name": "Hà Nội",
            "units": [],
        },
        {
            "identifier": DEPARTMENT,
            "name": "Sở Kế hoạch và Đầu tư",
            "short_name": "Sở KH&ĐT",
            "level": AgencyLevel.DEPARTMENT,
            "kind": "",
            "parent": PROVINCE,
            "address": "16 Cát Linh, Đống Đa, Hà Nội",
            "place_name": "Hà Nội",
            "units": [
                (ONE_STOP, UnitKind.ONE_STOP),
                (DEPT_BUSINESS, UnitKind.SPECIALIST),
                (DEPT_LEADERS, UnitKind.LEADERSHIP),
            ],
        },
        {
            "identifier": DISTRICT,
            "name": "UBND Quận Hai Bà Trưng",
            "short_name": "UBND Q. Hai Bà Trưng",
            "level": AgencyLevel.DISTRICT,
            "kind": AdministrativeKind.URBAN_DISTRICT,
            "parent": PROVINCE,
            "address": "30 Lê Đại Hành, Hai Bà Trưng, Hà Nội",
            "place_name": "Hà Nội",
            "units": [
                (ONE_STOP, UnitKind.ONE_STOP),
                (DIST_FINANCE, UnitKind.SPECIALIST),
                (DIST_LEADERS, UnitKind.LEADERSHIP),
            ],
        },
    ]
    for i, ward in enumerate(HBT_WARDS, start=1):
        rows.append(
            {
                "identifier": ward_identifier(i),
                "name": f"UBND Phường {ward}",
                "short_name": f"UBND P. {ward}",
                "level": AgencyLevel.COMMUNE,
                "kind": AdministrativeKind.WARD,
                "parent": DISTRICT,
                "address": f"Phường {ward}, Quận Hai Bà Trưng, Hà Nội",
                "place_name": "Hà Nội",
                "units": [(ONE_STOP, UnitKind.ONE_STOP), (WARD_LEADERS, UnitKind.LEADERSHIP)]
                + ([(WARD_ECONOMY, UnitKind.SPECIALIST)] if ward == "Bách Khoa" else []),
            }
        )
    return rows


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str  # family and middle names, so get_full_name() reads in Vietnamese order
    last_name: str
    role: str | None = None
    agency: str | None = None
    unit: str | None = None
    superuser: bool = False
    note: str = ""


DEMO_USERS = [
    DemoUser("admin", "Quản trị", "viên", Role.ADMIN, PROVINCE, superuser=True, note="Quản trị hệ thống"),
    DemoUser("motcua.mc", "Nguyễn Thị", "Hoa", Role.OFFICER, DEPARTMENT, ONE_STOP),
    DemoUser("chuyenvien", "Trần Văn", "Bình", Role.SPECIALIST, DEPARTMENT, DEPT_BUSINESS),
    DemoUser("truongphong", "Lê Thị", "Mai", Role.UNIT_HEAD, DEPARTMENT, DEPT_BUSINESS),
    DemoUser("lanhdao", "Phạm Văn", "Dũng", Role.LEADER, DEPARTMENT, DEPT_LEADERS),
    DemoUser("giamsat", "Đại biểu HĐND", "Thành phố", Role.OVERSEER, PROVINCE, note="HĐND Thành phố"),
    DemoUser("quan.mc", "Hoàng Thị", "Lan", Role.OFFICER, DISTRICT, ONE_STOP),
    DemoUser("quan.cv", "Vũ Văn", "Nam", Role.SPECIALIST, DISTRICT, DIST_FINANCE),
    DemoUser("quan.tp", "Đặng Thị", "Thu", Role.UNIT_HEAD, DISTRICT, DIST_FINANCE),
    DemoUser("quan.ld", "Bùi Văn", "Hùng", Role.LEADER, DISTRICT, DIST_LEADERS),
    DemoUser("quan.giamsat", "Đại biểu HĐND", "Quận", Role.OVERSEER, DISTRICT, note="HĐND Quận"),
    DemoUser("phuong.bachkhoa.mc", "Đỗ Thị", "Hương", Role.OFFICER, BACH_KHOA, ONE_STOP),
    DemoUser("phuong.bachkhoa.cv", "Trương Thị", "Lan Anh", Role.SPECIALIST, BACH_KHOA, WARD_ECONOMY),
    DemoUser("phuong.bachkhoa.tp", "Lưu Văn", "Hải", Role.UNIT_HEAD, BACH_KHOA, WARD_ECONOMY),
    DemoUser("phuong.bachkhoa.ld", "Ngô Văn", "Thắng", Role.LEADER, BACH_KHOA, WARD_LEADERS),
    DemoUser("congdan", "Nguyễn Văn", "An", note="Công dân (không có vai trò cán bộ)"),
]

# Every ward offers the commune-level procedures, so every ward's one-stop unit has an officer to receive what is
# filed there: phuong.<ward, ASCII>.mc (Bách Khoa's is above, with its leader).
_WARD_OFFICERS = [
    ("Phan Thị", "Thảo"), ("Lý Văn", "Tùng"), ("Hồ Thị", "Ngọc"), ("Trịnh Văn", "Khoa"), ("Mai Thị", "Yến"),
    ("Đinh Văn", "Long"), ("Dương Thị", "Hạnh"), ("Lương Văn", "Phúc"), ("Cao Thị", "Nhung"), ("Tạ Văn", "Quân"),
    ("Kiều Thị", "Oanh"), ("Lâm Văn", "Sơn"), ("Quách Thị", "Trang"), ("Hà Văn", "Việt"), ("Chu Thị", "Xuân"),
    ("Tô Văn", "Đức"), ("Văn Thị", "Giang"),
]  # fmt: skip


def _ward_slug(ward: str) -> str:
    return fold(ward).replace(" ", "")


DEMO_USERS += [
    DemoUser(f"phuong.{_ward_slug(ward)}.mc", first, last, Role.OFFICER, ward_identifier(i), ONE_STOP)
    for (i, ward), (first, last) in zip(
        ((i, w) for i, w in enumerate(HBT_WARDS, start=1) if w != "Bách Khoa"), _WARD_OFFICERS, strict=True
    )
]


@dataclass
class DemoResult:
    agencies: int = 0
    units: int = 0
    users: int = 0
    roles: int = 0
    created: list[str] = field(default_factory=list)

    @property
    def anything_created(self) -> bool:
        return bool(self.agencies or self.units or self.users or self.roles)


@transaction.atomic
def load_organisation() -> DemoResult:
    result = DemoResult()
    for row in _agencies():
        units = row.pop("units")
        agency = Agency.objects.filter(identifier=row["identifier"]).first()
        if agency is None:
            agency = services.agency_create(**row)
            result.agencies += 1
        for name, kind in units:
            if not Unit.objects.filter(agency=agency, name=name).exists():
                services.unit_create(agency=agency, name=name, kind=kind)
                result.units += 1

    User = get_user_model()
    password_hash = None  # one PBKDF2 hash (Django's default hasher) shared by all demo accounts
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            if password_hash is None:
                password_hash = make_password(DEMO_PASSWORD)
            user = User(
                username=spec.username,
                first_name=spec.first_name,
                last_name=spec.last_name,
                email=f"{spec.username}@demo.motcua.invalid",
                is_staff=spec.superuser,
                is_superuser=spec.superuser,
                password=password_hash,
            )
            user.save()
            result.users += 1
        if spec.role:
            agency = Agency.objects.get(identifier=spec.agency)
            unit = Unit.objects.get(agency=agency, name=spec.unit) if spec.unit else None
            if not StaffRole.objects.filter(user=user, agency=agency, unit=unit, role=spec.role).exists():
                services.staff_assign_role(user=user, agency=agency, role=spec.role, unit=unit)
                result.roles += 1
    return result


def accounts_table(extra: list[tuple[str, str, str, str]] = ()) -> str:
    """The demo accounts as a fixed-width table (printed by every `motcua demo`); `extra`: rows of the other apps'
    demo accounts (username, password, role, where), e.g. the community team member's."""
    agencies = dict(Agency.objects.values_list("identifier", "name"))
    labels = dict(Role.choices)
    rows = [("Tên đăng nhập", "Mật khẩu", "Vai trò", "Cơ quan / đơn vị")]
    for spec in DEMO_USERS:
        role = labels[spec.role] if spec.role else "Công dân"
        if spec.superuser:
            role += " + superuser"
        where = agencies.get(spec.agency, "—") if spec.agency else "—"
        if spec.unit:
            where += f" / {spec.unit}"
        elif spec.note and spec.agency:
            where += f" ({spec.note})"
        rows.append((spec.username, DEMO_PASSWORD, role, where))
    rows.extend(extra)
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3])
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 16)
    return "\n".join(lines)


def load(stdout=None) -> DemoResult:
    out = stdout or sys.stdout
    result = load_organisation()
    if result.anything_created:
        out.write(
            f"Tổ chức demo: đã tạo {result.agencies} cơ quan, {result.units} đơn vị, "
            f"{result.users} tài khoản, {result.roles} vai trò.\n"
        )
    else:
        out.write("Tổ chức demo: đã có sẵn, không tạo thêm gì (organisation demo already loaded).\n")
    return result
