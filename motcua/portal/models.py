"""What citizens own in the portal: their profile, filing drafts (with the files uploaded so far) and online
payments of fees."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Procedure, ProcedureComponent
from motcua.dossiers.models import Dossier
from motcua.org.models import Agency


class CitizenProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="citizen_profile"
    )
    full_name = models.CharField("họ và tên", max_length=255, blank=True)
    phone = models.CharField("số điện thoại di động", max_length=10, blank=True)
    id_number = models.CharField("số định danh cá nhân", max_length=12, blank=True)
    address = models.CharField("địa chỉ", max_length=500, blank=True)
    oidc_sub = models.CharField("mã định danh tài khoản điện tử (OIDC sub)", max_length=255, blank=True)
    # the consent given at registration to the privacy notice then in force (portal.privacy): which notice, when
    privacy_notice = models.CharField("thông báo xử lý dữ liệu cá nhân đã đồng ý", max_length=20, blank=True)
    privacy_accepted_at = models.DateTimeField("thời điểm đồng ý", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "hồ sơ công dân"
        verbose_name_plural = "hồ sơ công dân"
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=~Q(phone=""), name="citizenprofile_unique_phone"
            ),
            models.UniqueConstraint(
                fields=["oidc_sub"], condition=~Q(oidc_sub=""), name="citizenprofile_unique_oidc_sub"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.user.get_username()


def id_number_taken(id_number: str, *, except_user=None) -> bool:
    """Whether another account's profile holds this personal ID (one account per person: registration, profile
    edits and a community claim all keep it so)."""
    taken = CitizenProfile.objects.filter(id_number=id_number)
    if except_user is not None:
        taken = taken.exclude(user=except_user)
    return taken.exists()


class Draft(models.Model):
    """A filing in progress. `data` holds what the wizard collected (who files, applicant, e-form, how to
    receive the result); files live in DraftFile. One open draft per citizen and procedure."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="filing_drafts")
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    step = models.CharField(max_length=20, blank=True)
    dossier = models.ForeignKey(Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "hồ sơ nháp"
        verbose_name_plural = "hồ sơ nháp"
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "procedure"],
                condition=Q(submitted_at__isnull=True),
                name="draft_one_open_per_procedure",
            )
        ]

    def __str__(self) -> str:
        return f"Nháp {self.procedure.code} — {self.user}"


class DraftFile(models.Model):
    class Kind(models.TextChoices):
        COMPONENT = "component", "Thành phần hồ sơ"
        AUTHORISATION = "authorisation", "Văn bản ủy quyền"

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.COMPONENT)
    component = models.ForeignKey(
        ProcedureComponent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=255)
    file = models.FileField(upload_to="drafts/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["draft", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Chờ thanh toán")
    PAID = "paid", _("Đã thanh toán")
    CANCELLED = "cancelled", _("Đã hủy")


class Payment(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField("số tiền (đồng)", max_digits=14, decimal_places=2)
    reference = models.CharField("mã giao dịch", max_length=100, unique=True)
    provider = models.CharField("cổng thanh toán", max_length=100)
    status = models.CharField(max_length=10, choices=PaymentStatus.choices, default=PaymentStatus.PENDING)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    request_seq = models.PositiveIntegerField(help_text="seq of the request_payment event this pays.")
    note = models.CharField(max_length=500, blank=True)
    redirect_url = models.CharField(
        max_length=2000,
        blank=True,
        help_text="where the gateway takes the payer (to resume a pending payment)",
    )
    refund_due = models.BooleanField(
        "cần hoàn tiền",
        default=False,
        help_text="paid when nothing was due any more (a duplicate payment): to be reconciled and refunded",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "giao dịch thanh toán"
        verbose_name_plural = "giao dịch thanh toán"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reference} ({self.get_status_display()})"
