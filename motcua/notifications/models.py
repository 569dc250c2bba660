"""The notification outbox: one row per (event, channel, recipient), written in the same transaction as the
action that caused it, delivered after commit and retried with exponential backoff by `motcua send-outbox`."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.dossiers.models import Dossier, DossierEvent


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn (SMS/Zalo)")


class Status(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")
    SENDING = "sending", _("Đang gửi")
    SENT = "sent", _("Đã gửi")
    FAILED = "failed", _("Gửi không thành công")


class Outbox(models.Model):
    dossier = models.ForeignKey(
        Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    event = models.ForeignKey(
        DossierEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    template = models.CharField("mẫu thông báo", max_length=50)
    channel = models.CharField("kênh", max_length=10, choices=Channel.choices)
    recipient = models.CharField("người nhận", max_length=254)
    subject = models.CharField("tiêu đề", max_length=300, blank=True)
    body = models.TextField("nội dung")
    # Deduplication for every row, also those without an event (feedback answers...): see services.notify.
    dedupe_key = models.CharField(max_length=255, unique=True, editable=False)
    status = models.CharField(
        "trạng thái", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField("số lần gửi", default=0)
    next_attempt_at = models.DateTimeField("lần gửi tiếp theo", null=True, blank=True, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField("đã gửi lúc", null=True, blank=True)
    last_error = models.TextField("lỗi gần nhất", blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)

    class Meta:
        verbose_name = "thông báo"
        verbose_name_plural = "hộp thư đi (thông báo)"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "channel", "recipient"], name="outbox_unique_event_channel_recipient"
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}: {self.subject or self.template}"
