"""Agencies (a tree of any depth), their units, and staff roles scoped to an agency."""

import datetime as dt
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from motcua.core.text import fold, nfc

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
    CENTRAL = "central", "Trung ương"
    MINISTRY = "ministry", "Bộ, ngành"
    PROVINCE = "province", "Cấp tỉnh"
    DEPARTMENT = "department", "Sở, ban, ngành"
    DISTRICT = "district", "Cấp huyện"
    COMMUNE = "commune", "Cấp xã"


class Agency(models.Model):
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

    def clean(self) -> None:
        for t in ("morning_start", "morning_end", "afternoon_start", "afternoon_end"):
            if getattr(self, t) is None:
                raise ValidationError({t: "Bắt buộc nhập giờ làm việc."})
        if not (self.morning_start < self.morning_end <= self.afternoon_start < self.afternoon_end):
            raise ValidationError(
                "Giờ làm việc phải theo thứ tự: mở sáng < đóng sáng ≤ mở chiều < đóng chiều."
            )
        if self.parent_id and self.pk:
            node = self.parent
            while node is not None:
                if node.pk == self.pk:
                    raise ValidationError(
                        {"parent": "Cơ quan cấp trên không thể là chính nó hoặc cấp dưới của nó."}
                    )
                node = node.parent

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.name_ascii = fold(self.name)
        self.path = (self.parent.path if self.parent_id else "/") + self.identifier + "/"
        super().save(*args, **kwargs)
        # Keep descendants' paths in step when an agency moves.
        for child in self.children.all():
            if not child.path.startswith(self.path):
                child.save()

    def subtree(self):
        return Agency.objects.filter(path__startswith=self.path)


class UnitKind(models.TextChoices):
    ONE_STOP = "one_stop", "Bộ phận Một cửa"
    SPECIALIST = "specialist", "Phòng chuyên môn"
    LEADERSHIP = "leadership", "Lãnh đạo"
    OTHER = "other", "Khác"


class Unit(models.Model):
    agency = models.ForeignKey(Agency, verbose_name="cơ quan", on_delete=models.CASCADE, related_name="units")
    name = models.CharField("tên đơn vị", max_length=255)
    kind = models.CharField("loại", max_length=20, choices=UnitKind.choices, default=UnitKind.SPECIALIST)

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="unit_unique_name_per_agency")]

    def __str__(self) -> str:
        return f"{self.name} — {self.agency.short_name or self.agency.name}"

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    OFFICER = "officer", "Cán bộ một cửa"
    SPECIALIST = "specialist", "Chuyên viên xử lý"
    UNIT_HEAD = "unit_head", "Lãnh đạo phòng"
    LEADER = "leader", "Lãnh đạo cơ quan"
    OVERSEER = "overseer", "Giám sát (HĐND)"
    ADMIN = "admin", "Quản trị"


class StaffRole(models.Model):
    """A role a user holds in an agency (and optionally a unit). Overseers read the agency's whole subtree."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles")
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
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency}"

    def clean(self) -> None:
        if self.unit_id and self.unit.agency_id != self.agency_id:
            raise ValidationError({"unit": "Đơn vị phải thuộc cơ quan đã chọn."})
