"""Operator changes to the working-day calendar, kept as an append-only log (who, when, why)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class OverrideKind(models.TextChoices):
    DAY_OFF = "day_off", "Thêm ngày nghỉ"
    MAKEUP_WORKDAY = "makeup_workday", "Thêm ngày làm việc bù"
    REMOVE_DAY_OFF = "remove_day_off", "Bỏ ngày nghỉ"
    REMOVE_MAKEUP = "remove_makeup", "Bỏ ngày làm việc bù"


class CalendarOverride(models.Model):
    """One operator decision on one date. Never edited or deleted: to undo, add the opposite override.

    Overrides apply in the order they were recorded (latest wins) on top of the national schedule; those with a
    `jurisdiction` apply only to agencies whose `Agency.jurisdiction` has that code."""

    date = models.DateField("ngày")
    kind = models.CharField("loại điều chỉnh", max_length=20, choices=OverrideKind.choices)
    jurisdiction = models.CharField(
        "phạm vi áp dụng",
        max_length=35,
        blank=True,
        default="",
        help_text="Trống = toàn quốc; hoặc mã phạm vi lịch làm việc của các cơ quan ở địa phương (trang Cơ quan).",
    )
    reason = models.CharField(
        "lý do / căn cứ", max_length=500, help_text="Ví dụ: Công văn số …/VPCP-KGVX ngày …"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người thực hiện",
        on_delete=models.PROTECT,
        related_name="calendar_overrides",
    )
    created_at = models.DateTimeField("thời điểm ghi nhận", auto_now_add=True)

    class Meta:
        verbose_name = "điều chỉnh lịch làm việc"
        verbose_name_plural = "điều chỉnh lịch làm việc"
        ordering = ["-id"]
        indexes = [models.Index(fields=["jurisdiction", "date"], name="workdays_override_jur_date")]

    def __str__(self) -> str:
        scope = self.jurisdiction or "toàn quốc"
        return f"{self.date:%d/%m/%Y} — {self.get_kind_display()} ({scope})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(
                "Không sửa điều chỉnh lịch đã ghi; hãy thêm một điều chỉnh mới để hoàn tác. "
                "(Calendar overrides are append-only: add a new override to undo.)"
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(
            "Không xóa điều chỉnh lịch đã ghi; hãy thêm một điều chỉnh mới để hoàn tác. "
            "(Calendar overrides are append-only: add a new override to undo.)"
        )
