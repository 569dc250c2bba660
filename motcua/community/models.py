"""Digital community teams (tổ công nghệ số cộng đồng, locally "tổ xung kích số" — rules §8): teams per ward and
residential group, their members, outreach visits, and dossiers filed online on a resident's behalf with the
resident's recorded consent."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from motcua.core.models import CheckedTextModel
from motcua.core.text import nfc
from motcua.dossiers.models import Dossier
from motcua.org.models import Agency, AgencyLevel


def _commune_level(agency_id) -> None:
    if agency_id and not Agency.objects.filter(pk=agency_id, level=AgencyLevel.COMMUNE).exists():
        raise ValidationError({"ward": "Phải chọn UBND cấp xã (phường, xã, đặc khu)."})


class ResidentialGroup(CheckedTextModel, models.Model):
    """A residential group (tổ dân phố) or village (thôn) of a ward/commune."""

    ward = models.ForeignKey(
        Agency,
        verbose_name="phường/xã",
        on_delete=models.PROTECT,
        related_name="residential_groups",
        limit_choices_to={"level": AgencyLevel.COMMUNE},
    )
    name = models.CharField("tên tổ dân phố", max_length=150)
    number = models.PositiveIntegerField("số thứ tự", default=0)
    households = models.PositiveIntegerField("số hộ gia đình", default=0)

    class Meta:
        verbose_name = "tổ dân phố"
        verbose_name_plural = "tổ dân phố"
        ordering = ["ward__path", "number", "name"]
        constraints = [models.UniqueConstraint(fields=["ward", "name"], name="residentialgroup_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} — {self.ward.short_name or self.ward.name}"

    def clean(self) -> None:
        _commune_level(self.ward_id)

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        super().save(*args, **kwargs)


class Team(CheckedTextModel, models.Model):
    """A team established by decision of the ward/commune People's Committee chairman, for a residential group
    (or the whole ward when no group is set)."""

    ward = models.ForeignKey(
        Agency,
        verbose_name="phường/xã",
        on_delete=models.PROTECT,
        related_name="community_teams",
        limit_choices_to={"level": AgencyLevel.COMMUNE},
    )
    residential_group = models.ForeignKey(
        ResidentialGroup,
        verbose_name="tổ dân phố",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
    )
    name = models.CharField("tên tổ", max_length=200)
    decision_number = models.CharField("số quyết định thành lập", max_length=60, blank=True)
    decision_date = models.DateField("ngày quyết định", null=True, blank=True)
    decision_signer = models.CharField("người ký quyết định", max_length=200, blank=True)
    active = models.BooleanField("đang hoạt động", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "tổ công nghệ số cộng đồng"
        verbose_name_plural = "tổ công nghệ số cộng đồng"
        ordering = ["ward__path", "residential_group__number", "name"]
        constraints = [models.UniqueConstraint(fields=["ward", "name"], name="team_unique_name_per_ward")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        _commune_level(self.ward_id)
        if self.residential_group_id and self.residential_group.ward_id != self.ward_id:
            raise ValidationError({"residential_group": "Tổ dân phố phải thuộc phường/xã của tổ."})

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.decision_signer = nfc(self.decision_signer)
        super().save(*args, **kwargs)


class MemberRole(models.TextChoices):
    LEADER = "leader", _("Tổ trưởng")
    DEPUTY = "deputy", _("Tổ phó")
    MEMBER = "member", pgettext_lazy("community team member role", "Thành viên")


class Organisation(models.TextChoices):
    WARD_OFFICIAL = "ward_official", _("Cán bộ UBND phường/xã")
    GROUP_HEAD = "group_head", _("Tổ trưởng tổ dân phố")
    YOUTH_UNION = "youth_union", _("Đoàn Thanh niên")
    WOMEN_UNION = "women_union", _("Hội Liên hiệp Phụ nữ")
    VETERANS = "veterans", _("Hội Cựu chiến binh")
    POLICE = "police", _("Công an")
    TELECOM = "telecom", _("Doanh nghiệp viễn thông")
    POST = "post", _("Bưu điện")
    TEACHER = "teacher", _("Giáo viên")
    OTHER = "other", _("Khác")


class Member(CheckedTextModel, models.Model):
    team = models.ForeignKey(Team, verbose_name="tổ", on_delete=models.CASCADE, related_name="members")
    full_name = models.CharField("họ và tên", max_length=200)
    phone = models.CharField("điện thoại", max_length=30, blank=True)
    role = models.CharField(
        "vai trò trong tổ", max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    organisation = models.CharField("đơn vị, tổ chức", max_length=20, choices=Organisation.choices)
    organisation_note = models.CharField("ghi chú đơn vị", max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="tài khoản",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="community_memberships",
    )
    active = models.BooleanField("đang tham gia", default=True)
    generated = models.BooleanField(
        "dữ liệu demo",
        default=False,
        help_text="Người được sinh ngẫu nhiên cho dữ liệu demo, không phải người thật.",
    )

    class Meta:
        verbose_name = "thành viên tổ"
        verbose_name_plural = "thành viên tổ"
        ordering = ["team", "role", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"],
                condition=models.Q(user__isnull=False),
                name="member_unique_user_per_team",
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_role_display()}, {self.team})"

    def save(self, *args, **kwargs):
        self.full_name = nfc(self.full_name)
        self.organisation_note = nfc(self.organisation_note)
        super().save(*args, **kwargs)


class Topic(models.TextChoices):
    """What was explained on a visit: the "5 basic digital skills" campaign and the e-ID (rules §8)."""

    ONLINE_SERVICES = "online_services", _("Dịch vụ công trực tuyến")
    VNEID = "vneid", _("Định danh điện tử (VNeID)")
    E_PAYMENT = "e_payment", _("Thanh toán không dùng tiền mặt")
    CYBER_SAFETY = "cyber_safety", _("Kỹ năng an toàn trên không gian mạng")
    E_COMMERCE = "e_commerce", _("Thương mại điện tử")
    OTHER = "other", _("Khác")


class OutreachLog(CheckedTextModel, models.Model):
    """One outreach round ("đi từng ngõ, gõ từng nhà") in a residential group."""

    team = models.ForeignKey(Team, verbose_name="tổ", on_delete=models.CASCADE, related_name="outreach")
    residential_group = models.ForeignKey(
        ResidentialGroup, verbose_name="tổ dân phố", on_delete=models.PROTECT, related_name="outreach"
    )
    date = models.DateField("ngày")
    members = models.ManyToManyField(
        Member, verbose_name="thành viên tham gia", blank=True, related_name="outreach"
    )
    households_visited = models.PositiveIntegerField(
        "số hộ đã đến", help_text="Số hộ tổ đến trong đợt này (tính cả hộ đã được đến ở các đợt trước)."
    )
    households_first_visit = models.PositiveIntegerField(
        "số hộ lần đầu được tiếp cận",
        help_text="Trong số hộ đã đến, số hộ tổ đến lần đầu (chưa từng được tổ đến ở đợt nào trước). Các "
        "dashboard tính hộ đã tiếp cận bằng tổng số này, không vượt quá số hộ của tổ dân phố. Nhật ký ghi trước "
        "khi có trường này được lấy bằng số hộ đã đến (giới hạn trên).",
    )
    topics = models.JSONField("nội dung hướng dẫn", default=list, blank=True)
    other_topic = models.CharField("nội dung khác", max_length=300, blank=True)
    households_newly_online = models.PositiveIntegerField("số hộ mới biết nộp hồ sơ trực tuyến", default=0)
    note = models.TextField("ghi chú", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "nhật ký hỗ trợ người dân"
        verbose_name_plural = "nhật ký hỗ trợ người dân"
        ordering = ["-date", "team"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(households_first_visit__lte=models.F("households_visited")),
                name="outreachlog_first_visit_within_visited",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} — {self.team} — {self.households_visited} hộ"

    def clean(self) -> None:
        errors = {}
        unknown = [t for t in (self.topics or []) if t not in Topic.values]
        if unknown:
            errors["topics"] = "Nội dung không có trong danh mục: " + ", ".join(map(str, unknown))
        if Topic.OTHER in (self.topics or []) and not self.other_topic.strip():
            errors["other_topic"] = "Hãy ghi nội dung khác."
        visited = self.households_visited or 0
        if self.households_first_visit is not None and self.households_first_visit > visited:
            errors["households_first_visit"] = "Không thể lớn hơn số hộ đã đến."
        if self.households_newly_online > visited:
            errors["households_newly_online"] = "Không thể lớn hơn số hộ đã đến."
        if self.residential_group_id and self.team_id and self.residential_group.ward_id != self.team.ward_id:
            errors["residential_group"] = "Tổ dân phố phải thuộc phường/xã của tổ."
        if errors:
            raise ValidationError(errors)


class ConsentMethod(models.TextChoices):
    SIGNATURE = "signature", _("Ký xác nhận trực tiếp")
    PHONE = "phone", _("Xác nhận qua điện thoại")
    VNEID = "vneid", _("Xác nhận qua VNeID")


class AssistedFiling(CheckedTextModel, models.Model):
    """A dossier a team member filed online on a resident's behalf (the resident is the applicant, the member
    `filed_by`), with how and when the resident consented."""

    dossier = models.OneToOneField(
        Dossier, verbose_name="hồ sơ", on_delete=models.CASCADE, related_name="assisted_filing"
    )
    team = models.ForeignKey(
        Team, verbose_name="tổ", on_delete=models.PROTECT, related_name="assisted_filings"
    )
    member = models.ForeignKey(
        Member, verbose_name="thành viên hỗ trợ", on_delete=models.PROTECT, related_name="assisted_filings"
    )
    resident_name = models.CharField("họ tên người dân", max_length=255)
    resident_id_number = models.CharField("số định danh cá nhân", max_length=20)
    resident_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="tài khoản người dân",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    consent_method = models.CharField("hình thức đồng ý", max_length=12, choices=ConsentMethod.choices)
    consent_at = models.DateTimeField("thời điểm đồng ý")
    consent_note = models.TextField("ghi chú về sự đồng ý", blank=True)
    created_at = models.DateTimeField("thời điểm nộp hộ", auto_now_add=True)

    class Meta:
        verbose_name = "hồ sơ nộp hộ"
        verbose_name_plural = "hồ sơ nộp hộ"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.dossier.code} — {self.member.full_name}"


class ClaimRecord(models.Model):
    """A resident took over (nhận) a dossier filed on their behalf: who, when, from whom. Kept here rather than
    in the dossier's event chain, which is left untouched."""

    dossier = models.ForeignKey(
        Dossier, verbose_name="hồ sơ", on_delete=models.CASCADE, related_name="claims"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người nhận", on_delete=models.PROTECT, related_name="+"
    )
    previous_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="tài khoản trước đó",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    claimed_at = models.DateTimeField("thời điểm nhận")
    # the claim put the applicant's ID on an account that had none (services._claim_identity): a release takes it off
    set_id_number = models.BooleanField("ghi số định danh vào tài khoản", default=False)
    # a one-stop officer or leader of the agency took the dossier back out of that account (a wrong claim)
    released_at = models.DateTimeField("thời điểm gỡ", null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người gỡ",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    release_reason = models.TextField("lý do gỡ", blank=True)

    class Meta:
        verbose_name = "lượt nhận hồ sơ"
        verbose_name_plural = "lượt nhận hồ sơ"
        ordering = ["-claimed_at"]

    def __str__(self) -> str:
        return f"{self.dossier.code} → {self.user}"
