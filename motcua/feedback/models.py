"""Satisfaction ratings of dossiers (đánh giá mức độ hài lòng) and citizens' feedback and complaints (phản ánh,
kiến nghị — PAKN) with their own handling deadline in working days.

Rules: rules §1.6 (evaluation criteria), §4 (Decision 766 satisfaction group). Personal data of whoever files a
PAKN (name, phone, e-mail, account) is never shown on a public page.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Procedure
from motcua.core.text import nfc
from motcua.dossiers.models import Dossier
from motcua.org.models import Agency


class Level(models.IntegerChoices):
    """The four-level scale of the national and provincial portals."""

    VERY_SATISFIED = 4, _("Rất hài lòng")
    SATISFIED = 3, _("Hài lòng")
    NEUTRAL = 2, _("Bình thường")
    DISSATISFIED = 1, _("Không hài lòng")


# Levels counted as "satisfied" in the statistics (Rất hài lòng + Hài lòng).
SATISFIED_LEVELS = (Level.VERY_SATISFIED, Level.SATISFIED)


class Criterion(models.Model):
    """One evaluation criterion (tiêu chí đánh giá). The set is configurable in the admin; a data migration seeds
    the 12 criteria a provincial portal displays (rules §1.6)."""

    code = models.SlugField("mã tiêu chí", max_length=50, unique=True)
    label = models.CharField("nội dung tiêu chí", max_length=300)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    required = models.BooleanField("bắt buộc chấm", default=False)
    active = models.BooleanField("đang dùng", default=True)

    class Meta:
        verbose_name = "tiêu chí đánh giá"
        verbose_name_plural = "tiêu chí đánh giá"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs):
        self.label = nfc(self.label)
        super().save(*args, **kwargs)


class Channel(models.TextChoices):
    """How a rating reached the system (Circular 01/2018 Ch. III: electronic evaluation on the portal, paper
    evaluation forms at the desk and handed out with the receipt)."""

    ACCOUNT = "account", _("Tài khoản người nộp")
    RECEIPT = "receipt", _("Mã hồ sơ trên giấy tiếp nhận")
    COUNTER = "counter", _("Tại Bộ phận Một cửa (phiếu giấy hoặc mã QR)")


class Rating(models.Model):
    """The applicant's rating of one dossier, given once, after the result (resolved or returned): from the
    applicant's account, by anyone holding the receipt who confirms the applicant's ID or tax number (a walk-in
    applicant has no account), or from a paper evaluation form that a one-stop officer enters."""

    dossier = models.OneToOneField(
        Dossier, verbose_name="hồ sơ", on_delete=models.CASCADE, related_name="rating"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người đánh giá",
        null=True,
        on_delete=models.SET_NULL,
        related_name="dossier_ratings",
    )
    channel = models.CharField(
        "kênh đánh giá", max_length=10, choices=Channel.choices, default=Channel.ACCOUNT
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="cán bộ nhập phiếu",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overall = models.PositiveSmallIntegerField("mức độ hài lòng chung", choices=Level.choices)
    scores = models.JSONField("điểm theo tiêu chí", default=dict, blank=True)
    comment = models.TextField("ý kiến", blank=True)
    created_at = models.DateTimeField("thời điểm đánh giá", db_index=True)

    class Meta:
        verbose_name = "đánh giá hài lòng"
        verbose_name_plural = "đánh giá hài lòng"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.dossier.code}: {self.get_overall_display()}"

    @property
    def satisfied(self) -> bool:
        return self.overall in SATISFIED_LEVELS


class Kind(models.TextChoices):
    REFLECTION = "reflection", _("Phản ánh")
    RECOMMENDATION = "recommendation", _("Kiến nghị")
    COMPLAINT = "complaint", _("Khiếu nại về việc giải quyết hồ sơ")


class Subject(models.TextChoices):
    DOSSIER = "dossier", _("Hồ sơ")
    PROCEDURE = "procedure", _("Thủ tục hành chính")
    AGENCY = "agency", _("Cơ quan")


class Status(models.TextChoices):
    RECEIVED = "received", _("Đã tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    ANSWERED = "answered", _("Đã trả lời")
    CLOSED = "closed", _("Đã đóng")
    REJECTED = "rejected", _("Từ chối xử lý")


OPEN_STATUSES = (Status.RECEIVED, Status.PROCESSING)


class Feedback(models.Model):
    """A PAKN routed to the responsible agency, due `working_days` working days after it was received."""

    reference = models.CharField("số PAKN", max_length=30, unique=True)
    kind = models.CharField("loại", max_length=16, choices=Kind.choices)
    subject = models.CharField("đối tượng", max_length=12, choices=Subject.choices)
    dossier = models.ForeignKey(
        Dossier,
        verbose_name="hồ sơ",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
    )
    procedure = models.ForeignKey(
        Procedure,
        verbose_name="thủ tục",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
    )
    agency = models.ForeignKey(
        Agency, verbose_name="cơ quan xử lý", on_delete=models.PROTECT, related_name="feedback"
    )
    title = models.CharField("tiêu đề", max_length=300)
    content = models.TextField("nội dung")

    # Who filed it (never shown publicly).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="tài khoản",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feedback",
    )
    contact_name = models.CharField("họ tên người gửi", max_length=255)
    contact_phone = models.CharField("điện thoại", max_length=30, blank=True)
    contact_email = models.EmailField("thư điện tử", blank=True)
    contact_address = models.CharField("địa chỉ", max_length=500, blank=True)

    # Handling.
    status = models.CharField(
        "trạng thái", max_length=12, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    received_at = models.DateTimeField("ngày tiếp nhận", db_index=True)
    working_days = models.DecimalField("thời hạn (ngày làm việc)", max_digits=5, decimal_places=1)
    due_at = models.DateTimeField("hạn trả lời", db_index=True)
    answer = models.TextField("nội dung trả lời", blank=True)
    answer_public = models.BooleanField("công khai trả lời", default=False)
    public_content = models.TextField(
        "nội dung công khai",
        blank=True,
        help_text="Nội dung phản ánh đã lược bỏ thông tin cá nhân để công khai (trống = dùng nội dung gốc, "
        "đã che số định danh, điện thoại, thư điện tử).",
    )
    answered_at = models.DateTimeField("ngày trả lời", null=True, blank=True, db_index=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người trả lời",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    on_time = models.BooleanField("trả lời đúng hạn", null=True, blank=True)
    rejected_at = models.DateTimeField("ngày từ chối", null=True, blank=True)
    rejected_reason = models.TextField("lý do từ chối", blank=True)
    closed_at = models.DateTimeField("ngày đóng", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "phản ánh, kiến nghị"
        verbose_name_plural = "phản ánh, kiến nghị"
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["agency", "received_at"], name="feedback_agency_received"),
            models.Index(fields=["agency", "status"], name="feedback_agency_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
