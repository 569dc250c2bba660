"""Agencies (a tree of any depth), their units, and staff roles scoped to an agency."""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.core.models import CheckedTextModel
from motcua.core.text import fold, identifier_form, nfc

# The username prefix of an agency's system account (portal.services.system_account: it confirms verified online
# payments and cannot sign in); ":" is no character of a person's username, so no person's account has it.
SYSTEM_ACCOUNT_PREFIX = "system:"

# Decision 20/2020/QĐ-TTg Art. 4: dot-separated groups of 0-9 and A-Z, at most 35 characters.
IDENTIFIER_RE = re.compile(r"^[0-9A-Z]+(\.[0-9A-Z]+)*$")


def validate_identifier(value: str) -> None:
    if not value or len(value) > 35 or not IDENTIFIER_RE.match(value):
        raise ValidationError(
            "Mã định danh điện tử không hợp lệ: các nhóm ký tự 0-9, A-Z ngăn cách bởi dấu chấm, tối đa 35 ký tự "
            "(Quyết định 20/2020/QĐ-TTg), ví dụ 000.00.21.H26.",
            code="identifier",
        )


class AgencyLevel(models.TextChoices):
    CENTRAL = "central", _("Trung ương")
    MINISTRY = "ministry", _("Bộ, ngành")
    PROVINCE = "province", _("Cấp tỉnh")
    DEPARTMENT = "department", _("Sở, ban, ngành")
    DISTRICT = "district", _("Cấp huyện")
    COMMUNE = "commune", _("Cấp xã")


class AdministrativeKind(models.TextChoices):
    """What kind of local administrative unit an agency governs (Law on Local Government Organisation).

    The level says where an agency sits in the hierarchy; the kind says what to call it. Wards, communes,
    townships and special zones are all `commune` level. In the two-tier model (from 01/07/2025) the district
    level is abolished: commune-level agencies hang directly under the province, which the tree allows as is.
    """

    NONE = "", "—"
    PROVINCE = "province", "Tỉnh"
    CITY = "city", "Thành phố trực thuộc trung ương"
    RURAL_DISTRICT = "rural_district", "Huyện"
    URBAN_DISTRICT = "urban_district", "Quận"
    TOWN = "town", "Thị xã"
    PROVINCIAL_CITY = "provincial_city", "Thành phố thuộc tỉnh"
    COMMUNE = "commune", "Xã"
    WARD = "ward", "Phường"
    TOWNSHIP = "township", "Thị trấn"
    SPECIAL_ZONE = "special_zone", "Đặc khu"


class Agency(CheckedTextModel, models.Model):
    identifier = models.CharField(
        "mã định danh",
        max_length=35,
        unique=True,
        validators=[validate_identifier],
        help_text="Mã định danh điện tử theo Quyết định 20/2020/QĐ-TTg, ví dụ 000.00.21.H26",
    )
    name = models.CharField("tên cơ quan", max_length=255)
    name_ascii = models.CharField(max_length=255, editable=False, db_index=True)
    short_name = models.CharField("tên viết tắt", max_length=100, blank=True)
    level = models.CharField("cấp", max_length=20, choices=AgencyLevel.choices)
    kind = models.CharField(
        "loại đơn vị hành chính",
        max_length=20,
        choices=AdministrativeKind.choices,
        blank=True,
        default="",
        help_text="Với UBND các cấp: phường, xã, đặc khu, quận, huyện… (để trống với sở, ban, ngành).",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="cơ quan cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of identifiers ("/H26/000.00.21.H26/"): sub-tree queries are one LIKE.
    path = models.CharField(max_length=1000, editable=False, db_index=True, default="")
    address = models.CharField("địa chỉ", max_length=500, blank=True)
    phone = models.CharField("điện thoại", max_length=50, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    place_name = models.CharField(
        "địa danh (trên văn bản)",
        max_length=100,
        blank=True,
        help_text="Dùng ở dòng 'Hà Nội, ngày … tháng … năm …' của các mẫu phiếu.",
    )
    # Office hours (contract §2 defaults) — the calendar reads these per agency.
    morning_start = models.TimeField("giờ mở cửa sáng", default=dt.time(8, 0))
    morning_end = models.TimeField("giờ đóng cửa sáng", default=dt.time(12, 0))
    afternoon_start = models.TimeField("giờ mở cửa chiều", default=dt.time(13, 0))
    afternoon_end = models.TimeField("giờ đóng cửa chiều", default=dt.time(17, 0))
    cutoff = models.TimeField(
        "giờ chốt tiếp nhận",
        default=dt.time(15, 0),
        help_text="Hồ sơ nhận từ giờ này được tính từ ngày làm việc tiếp theo.",
    )
    jurisdiction = models.CharField(
        "phạm vi lịch làm việc",
        max_length=35,
        blank=True,
        help_text="Mã địa phương áp dụng ngày nghỉ/làm bù riêng (trống = toàn quốc).",
    )
    active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        verbose_name = "cơ quan"
        verbose_name_plural = "cơ quan"
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude=None) -> None:
        # typed in the admin as `000.00.21.h26 `: stored as 000.00.21.H26 (before the field's validator runs)
        self.identifier = identifier_form(self.identifier)
        self.jurisdiction = jurisdiction_form(self.jurisdiction)
        super().clean_fields(exclude)

    def clean(self) -> None:
        if self.parent_id and self.pk and self._parent_is_descendant():
            raise ValidationError({"parent": "Cơ quan cấp trên không thể là chính nó hoặc cấp dưới của nó."})
        errors = {**agency_structure_errors(self), **agency_hours_errors(self)}
        if errors:
            raise ValidationError(errors)

    def _parent_is_descendant(self) -> bool:
        """True if the chosen parent is this agency or one of its descendants (a cycle)."""
        seen: set[int] = set()
        node_id = self.parent_id
        while node_id is not None and node_id not in seen:
            if node_id == self.pk:
                return True
            seen.add(node_id)
            node_id = Agency.objects.filter(pk=node_id).values_list("parent_id", flat=True).first()
        return node_id is not None  # a cycle already stored above us: refuse as well

    def save(self, *args, **kwargs):
        if self.pk and self.parent_id and self._parent_is_descendant():
            raise ValidationError({"parent": "Cơ quan cấp trên không thể là chính nó hoặc cấp dưới của nó."})
        self.name = nfc(self.name)
        self.name_ascii = fold(self.name)
        self.path = (self.parent.path if self.parent_id else "/") + self.identifier + "/"
        super().save(*args, **kwargs)
        # Keep descendants' paths in step when an agency moves or changes its identifier.
        for child in self.children.all():
            if child.path != self.path + child.identifier + "/":
                child.save()

    @property
    def depth(self) -> int:
        return self.path.strip("/").count("/")

    def ancestors(self):
        """Ancestors from the root down (excluding self), in one query."""
        identifiers = self.path.strip("/").split("/")[:-1]
        return Agency.objects.filter(identifier__in=identifiers).order_by("path")

    def subtree(self):
        return Agency.objects.filter(path__startswith=self.path)


# What kind of administrative unit each level governs (Law on Local Government Organisation); the other levels'
# agencies (ministries, departments) govern none.
KINDS_OF_LEVEL = {
    AgencyLevel.PROVINCE: {AdministrativeKind.PROVINCE, AdministrativeKind.CITY},
    AgencyLevel.DISTRICT: {
        AdministrativeKind.RURAL_DISTRICT,
        AdministrativeKind.URBAN_DISTRICT,
        AdministrativeKind.TOWN,
        AdministrativeKind.PROVINCIAL_CITY,
    },
    AgencyLevel.COMMUNE: {
        AdministrativeKind.COMMUNE,
        AdministrativeKind.WARD,
        AdministrativeKind.TOWNSHIP,
        AdministrativeKind.SPECIAL_ZONE,
    },
}
# The levels an agency of a level may sit under (none: any, or no parent). A commune sits under its district, or
# directly under the province in the two-tier model (from 01/07/2025); a district under its province; a
# department (sở, or a chi cục under it) under a province, a department or a ministry's local branch.
PARENT_LEVELS = {
    AgencyLevel.COMMUNE: {AgencyLevel.DISTRICT, AgencyLevel.PROVINCE},
    AgencyLevel.DISTRICT: {AgencyLevel.PROVINCE},
    AgencyLevel.DEPARTMENT: {AgencyLevel.PROVINCE, AgencyLevel.DEPARTMENT, AgencyLevel.MINISTRY},
    AgencyLevel.PROVINCE: {AgencyLevel.CENTRAL},
    AgencyLevel.MINISTRY: {AgencyLevel.CENTRAL},
}
JURISDICTION_RE = re.compile(r"^[0-9A-Z][0-9A-Z._-]{0,34}$")


def jurisdiction_form(value) -> str:
    """A calendar jurisdiction code as stored: trimmed and in capitals ("hbt-loduc " is HBT-LODUC), as agency
    identifiers are — the agencies and the calendar overrides compare it exactly."""
    return (value or "").strip().upper() if isinstance(value, str) else ""


def agency_structure_errors(agency) -> dict[str, str]:
    """Vietnamese messages for a level, kind, parent or calendar code that do not fit together (empty if all is
    well): a ward at district level, a commune under a department or under another commune, a district with no
    province above it. They set the statistics' scopes and the calendar a dossier is timed by."""
    errors = {}
    level = agency.level
    labels = dict(AgencyLevel.choices)
    kinds = KINDS_OF_LEVEL.get(level, set())
    if agency.kind and agency.kind not in kinds:
        allowed = ", ".join(str(k.label) for k in sorted(kinds, key=lambda k: k.value)) or "để trống"
        errors["kind"] = (
            f"Loại đơn vị hành chính “{AdministrativeKind(agency.kind).label}” không thuộc "
            f"{str(labels.get(level, level)).lower()} (chọn: {allowed})."
        )
    parent = agency.parent if agency.parent_id else None
    allowed_parents = PARENT_LEVELS.get(level)
    if parent is not None and allowed_parents is not None and parent.level not in allowed_parents:
        names = ", ".join(str(labels[v]).lower() for v in sorted(allowed_parents))
        errors["parent"] = (
            f"Cơ quan {str(labels.get(level, level)).lower()} không thể trực thuộc “{parent.name}” "
            f"({str(labels[parent.level]).lower()}); cơ quan cấp trên phải là: {names}."
        )
    elif parent is None and level in (AgencyLevel.DISTRICT, AgencyLevel.COMMUNE):
        errors["parent"] = f"Cơ quan {str(labels[level]).lower()} phải có cơ quan cấp trên (cấp tỉnh" + (
            " hoặc cấp huyện)." if level == AgencyLevel.COMMUNE else ")."
        )
    code = jurisdiction_form(agency.jurisdiction)
    if code and not JURISDICTION_RE.match(code):
        errors["jurisdiction"] = (
            "Mã phạm vi lịch gồm chữ cái không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới, không có khoảng "
            "trắng, tối đa 35 ký tự (ví dụ HBT-LODUC); để trống nếu theo lịch toàn quốc."
        )
    return errors


def agency_hours_errors(agency) -> dict[str, str]:
    """Vietnamese messages for office hours that are missing or out of order (empty if all is well)."""
    names = ("morning_start", "morning_end", "afternoon_start", "afternoon_end", "cutoff")
    errors = {n: "Bắt buộc nhập giờ làm việc." for n in names if getattr(agency, n) is None}
    if errors:
        return errors
    if not (agency.morning_start < agency.morning_end <= agency.afternoon_start < agency.afternoon_end):
        errors["afternoon_end"] = (
            "Giờ làm việc phải theo thứ tự: mở sáng < đóng sáng ≤ mở chiều < đóng chiều."
        )
    elif not (agency.morning_start < agency.cutoff <= agency.afternoon_end):
        errors["cutoff"] = "Giờ chốt tiếp nhận phải sau giờ mở cửa sáng và không muộn hơn giờ đóng cửa chiều."
    elif agency.morning_end < agency.cutoff < agency.afternoon_start:
        # contract §2: a dossier received in the lunch break before the cut-off counts from the afternoon opening,
        # which would then be after the cut-off itself. (No lunch break, morning_end = afternoon_start, is allowed:
        # a continuous day, where that rule never applies.)
        errors["cutoff"] = (
            "Giờ chốt tiếp nhận không được nằm trong giờ nghỉ trưa: chọn giờ trong buổi sáng (đến giờ đóng cửa "
            "sáng) hoặc trong buổi chiều."
        )
    return errors


class UnitKind(models.TextChoices):
    ONE_STOP = "one_stop", _("Bộ phận Một cửa")
    # Decree 118/2025/NĐ-CP Art. 1: a province's or commune's one-stop unit is its public-service centre.
    SERVICE_CENTRE = "service_centre", _("Trung tâm Phục vụ hành chính công")
    SPECIALIST = "specialist", _("Phòng chuyên môn")
    LEADERSHIP = "leadership", _("Lãnh đạo")
    OTHER = "other", _("Khác")


# The units that receive dossiers and return results (the one-stop unit of Decree 118/2025 Art. 1, by either name).
ONE_STOP_KINDS = frozenset({UnitKind.ONE_STOP, UnitKind.SERVICE_CENTRE})
# The issuing unit's abbreviation in a form's number ("Số: 250303-0007.03/PBS-TTPVHCC"), by the unit's kind, as the
# 2025 national forms write it: "…/PBS-TTPVHCC (BPTNTKQ)" — a public-service centre, else the Bộ phận Tiếp nhận và
# Trả kết quả (MOH Decision 3621/QĐ-BYT, BM.01–03). A unit's own `form_abbreviation` overrides it.
DEFAULT_FORM_ABBREVIATIONS = {UnitKind.SERVICE_CENTRE: "TTPVHCC", UnitKind.ONE_STOP: "BPTNTKQ"}
ABBREVIATION_RE = re.compile(r"^[0-9A-ZĐ]+(&[0-9A-ZĐ]+)*$")


def validate_abbreviation(value: str) -> None:
    if value and (len(value) > 20 or not ABBREVIATION_RE.match(value)):
        raise ValidationError(
            "Ký hiệu viết tắt chỉ gồm chữ in hoa, chữ số (và dấu &), không có dấu cách, tối đa 20 ký tự, "
            "ví dụ TTPVHCC, BPTNTKQ.",
            code="abbreviation",
        )


class Unit(CheckedTextModel, models.Model):
    agency = models.ForeignKey(Agency, verbose_name="cơ quan", on_delete=models.CASCADE, related_name="units")
    name = models.CharField("tên đơn vị", max_length=255)
    kind = models.CharField("loại", max_length=20, choices=UnitKind.choices, default=UnitKind.SPECIALIST)
    form_abbreviation = models.CharField(
        "ký hiệu trên số phiếu",
        max_length=20,
        blank=True,
        validators=[validate_abbreviation],
        help_text=(
            "Chữ viết tắt của bộ phận một cửa trong số của các mẫu phiếu (…/PBS-TTPVHCC). Để trống: TTPVHCC với "
            "Trung tâm Phục vụ hành chính công, BPTNTKQ với Bộ phận Một cửa (Bộ phận Tiếp nhận và Trả kết quả)."
        ),
    )

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="unit_unique_name_per_agency")]

    def __str__(self) -> str:
        return f"{self.name} — {self.agency.short_name or self.agency.name}"

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.form_abbreviation = nfc(self.form_abbreviation or "").strip().upper()
        super().save(*args, **kwargs)

    @property
    def number_abbreviation(self) -> str:
        """The abbreviation the forms' numbers carry for this unit: its own, else its kind's default."""
        return self.form_abbreviation or DEFAULT_FORM_ABBREVIATIONS.get(self.kind, "BPTNTKQ")


class Role(models.TextChoices):
    OFFICER = "officer", _("Cán bộ một cửa")
    SPECIALIST = "specialist", _("Chuyên viên xử lý")
    UNIT_HEAD = "unit_head", _("Lãnh đạo phòng")
    LEADER = "leader", _("Lãnh đạo cơ quan")
    OVERSEER = "overseer", _("Giám sát (HĐND)")
    ADMIN = "admin", _("Quản trị")


class StaffRole(models.Model):
    """A role a user holds in an agency (and optionally a unit). Overseers read the agency's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người dùng",
        on_delete=models.CASCADE,
        related_name="staff_roles",
    )
    agency = models.ForeignKey(
        Agency, verbose_name="cơ quan", on_delete=models.CASCADE, related_name="staff_roles"
    )
    unit = models.ForeignKey(Unit, verbose_name="đơn vị", null=True, blank=True, on_delete=models.SET_NULL)
    role = models.CharField("vai trò", max_length=20, choices=Role.choices)
    active = models.BooleanField("hiệu lực", default=True)
    since = models.DateField("từ ngày", null=True, blank=True)

    class Meta:
        verbose_name = "vai trò cán bộ"
        verbose_name_plural = "vai trò cán bộ"
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "unit", "role"], name="staffrole_unique"),
            # the rule above ignores a NULL unit: the same role in the agency without a unit only once
            models.UniqueConstraint(
                fields=["user", "agency", "role"],
                condition=models.Q(unit__isnull=True),
                name="staffrole_unique_no_unit",
                violation_error_message=_(
                    "Cán bộ này đã có vai trò này tại cơ quan (không gắn đơn vị); không thêm trùng."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency}"

    def clean(self) -> None:
        if self.unit_id and self.unit.agency_id != self.agency_id:
            raise ValidationError({"unit": "Đơn vị phải thuộc cơ quan đã chọn."})
        if self.unit_id and self.role:
            problem = role_unit_problem(self.role, self.unit)
            if problem:
                raise ValidationError({"unit": problem[0]})


# The units a role cannot be held in (None: any unit): the one-stop officer works at the one-stop unit or the
# public-service centre, not in a specialist department or the leadership; the agency's leader in its leadership
# (or no unit); a specialist or a unit head in a department or the one-stop unit, not the leadership. Step holders
# are chosen by role (services.may_hold_step): a leader filed under the one-stop unit is offered every hand-over.
ROLE_UNIT_KINDS_REFUSED = {
    Role.OFFICER: {UnitKind.SPECIALIST, UnitKind.LEADERSHIP},
    Role.LEADER: {UnitKind.ONE_STOP, UnitKind.SERVICE_CENTRE, UnitKind.SPECIALIST},
    Role.SPECIALIST: {UnitKind.LEADERSHIP},
    Role.UNIT_HEAD: {UnitKind.LEADERSHIP},
}


def role_unit_problem(role: str, unit) -> tuple[str, str] | None:
    """(Vietnamese, English) message when `role` cannot be held in `unit` (ROLE_UNIT_KINDS_REFUSED), else None."""
    if unit is None or unit.kind not in ROLE_UNIT_KINDS_REFUSED.get(role, ()):
        return None
    role_label, kind_label = str(Role(role).label), str(UnitKind(unit.kind).label)
    return (
        f"Vai trò “{role_label}” không đặt tại đơn vị “{unit.name}” ({kind_label.lower()}): chọn đơn vị phù hợp "
        "hoặc để trống đơn vị.",
        f"The role '{role}' is not held in the unit '{unit.name}' ({unit.kind}): choose a fitting unit or none.",
    )


class LoginThrottle(models.Model):
    """Failed sign-in attempts per (username, client IP) — the store behind login throttling.

    Kept in the database rather than the per-process cache so that every worker process sees the same count
    (see docs/adr/0003-organisation-and-roles.md).
    """

    username = models.CharField("tên đăng nhập", max_length=150)
    ip = models.CharField("địa chỉ IP", max_length=45)
    failures = models.PositiveIntegerField("số lần sai", default=0)
    first_failure_at = models.DateTimeField("lần sai đầu tiên")
    locked_until = models.DateTimeField("khoá đến", null=True, blank=True)

    class Meta:
        verbose_name = "lần đăng nhập sai"
        verbose_name_plural = "lần đăng nhập sai"
        constraints = [models.UniqueConstraint(fields=["username", "ip"], name="loginthrottle_unique")]

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip}: {self.failures}"
