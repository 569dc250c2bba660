"""Satisfaction ratings of dossiers (đánh giá mức độ hài lòng) and citizens' feedback and complaints (phản ánh,
kiến nghị — PAKN) with their own handling deadline in working days.

Rules: rules §1.6 (evaluation criteria), §4 (Decision 766 satisfaction group). Personal data of whoever files a
PAKN (name, phone, e-mail, account) is never shown on a public page.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Procedure
from motcua.core.i18n import english_active
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
    label_en = models.CharField(
        "nội dung tiêu chí (tiếng Anh)",
        max_length=300,
        blank=True,
        help_text="Shown when the interface is in English; empty: the Vietnamese text is shown.",
    )
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    required = models.BooleanField("bắt buộc chấm", default=False)
    active = models.BooleanField("đang dùng", default=True)

    class Meta:
        verbose_name = "tiêu chí đánh giá"
        verbose_name_plural = "tiêu chí đánh giá"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.label

    @property
    def shown_label(self) -> str:
        """The label in the interface language: English when it is English and the criterion has one."""
        return shown_label(self.label, self.label_en)

    def save(self, *args, **kwargs):
        self.label = nfc(self.label)
        self.label_en = nfc(self.label_en).strip()
        super().save(*args, **kwargs)


def shown_label(label: str, label_en: str) -> str:
    """A criterion's label in the interface language (the Vietnamese one when no English one was given)."""
    return label_en if label_en and english_active() else label


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
    # the key of the form page that sent it (services.feedback_submit): the same page sent twice at once is one PAKN
    submission_key = models.CharField(max_length=64, blank=True, default="", editable=False)
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
    public_title = models.CharField(
        "tiêu đề công khai",
        max_length=300,
        blank=True,
        help_text="Tiêu đề phản ánh đã lược bỏ thông tin cá nhân để công khai (trống = tiêu đề gốc đã che).",
    )
    public_content = models.TextField(
        "nội dung công khai",
        blank=True,
        help_text="Nội dung phản ánh đã lược bỏ thông tin cá nhân, do cán bộ viết hoặc xác nhận khi công khai "
        "(trống = không công khai nội dung câu hỏi; nội dung gốc không bao giờ được công khai).",
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
    # Who took it up ("Nhận xử lý": received → processing), and when.
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người nhận xử lý",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    taken_at = models.DateTimeField("thời điểm nhận xử lý", null=True, blank=True)
    # The sender's evaluation of the answer (Decision 766: PAKN satisfaction), given once, after the answer:
    # None = not evaluated.
    sender_satisfied = models.BooleanField("người gửi hài lòng với trả lời", null=True, blank=True)
    sender_reason = models.TextField("ý kiến của người gửi về trả lời", blank=True)
    sender_evaluated_at = models.DateTimeField("thời điểm người gửi đánh giá", null=True, blank=True)
    rejected_at = models.DateTimeField("ngày từ chối", null=True, blank=True)
    rejected_reason = models.TextField("lý do từ chối", blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người từ chối",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
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
        constraints = [
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=~models.Q(submission_key=""),
                name="feedback_unique_submission",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CounterDesk(models.Model):
    """A desk (quầy) of an agency's one-stop unit, and the officer sitting at it now. A tablet paired with the desk
    (CounterDevice) shows the rating QR of the result that officer has just handed over, whoever sits there:
    officers rotate between desks, and the tablet facing the applicant holds no officer's session."""

    agency = models.ForeignKey(
        Agency, verbose_name="cơ quan", on_delete=models.CASCADE, related_name="counter_desks"
    )
    number = models.PositiveSmallIntegerField("số quầy")
    label = models.CharField(
        "lĩnh vực, ghi chú", max_length=100, blank=True, help_text="Ví dụ: Đất đai; Hộ tịch — chứng thực."
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="cán bộ đang ngồi quầy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    seated_at = models.DateTimeField("ngồi quầy từ", null=True, blank=True)
    active = models.BooleanField("đang dùng", default=True)
    # Set for good once an officer sits at the desk or a tablet is paired with it: results are handed over at a
    # desk only by the officer sitting there, so a desk never used has nothing recorded against it and may be
    # deleted (feedback.desks.desk_delete); a used one can only be closed.
    used = models.BooleanField(
        "đã dùng",
        default=False,
        editable=False,
        help_text="Đã có cán bộ ngồi quầy hoặc đã gắn màn hình: quầy không xóa được, chỉ đóng được.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "quầy tiếp nhận và trả kết quả"
        verbose_name_plural = "quầy tiếp nhận và trả kết quả"
        ordering = ["agency__path", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="counter_desk_number_unique"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="counter_desk_number_positive"),
            # an officer sits at one desk at a time
            models.UniqueConstraint(
                fields=["officer"],
                condition=models.Q(officer__isnull=False),
                name="counter_desk_one_per_officer",
            ),
        ]

    def __str__(self) -> str:
        name = _("Quầy số %(number)s") % {"number": self.number}
        return f"{name} — {self.label}" if self.label else str(name)

    def save(self, *args, **kwargs):
        self.label = nfc(self.label).strip()
        if self.officer_id is not None and not self.used:  # seated, from the desks page or the admin
            self.used = True
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "used"}
        super().save(*args, **kwargs)


class CounterDevice(models.Model):
    """A tablet paired with a desk: its browser keeps a random key in a cookie (only the key's SHA-256 is stored
    here), which lets it show that desk's rating screen and nothing else."""

    desk = models.ForeignKey(
        CounterDesk, verbose_name="quầy", on_delete=models.CASCADE, related_name="devices"
    )
    key_hash = models.CharField("mã khóa (SHA-256)", max_length=64, unique=True)
    paired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="cán bộ gắn máy",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    paired_at = models.DateTimeField("thời điểm gắn")
    last_seen_at = models.DateTimeField("hoạt động lần cuối", null=True, blank=True)
    user_agent = models.CharField("trình duyệt", max_length=200, blank=True)
    revoked_at = models.DateTimeField("thời điểm gỡ", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="cán bộ gỡ máy",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "màn hình đánh giá tại quầy"
        verbose_name_plural = "màn hình đánh giá tại quầy"
        ordering = ["desk", "-paired_at"]

    def __str__(self) -> str:
        return f"{self.desk} — {self.paired_at:%d/%m/%Y %H:%M}"
