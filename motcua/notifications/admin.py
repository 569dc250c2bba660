from django.contrib import admin

from .models import Outbox, Status


@admin.register(Outbox)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ("created_at", "template", "channel", "recipient", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "template")
    search_fields = ("recipient", "subject", "dossier__code")
    readonly_fields = [f.name for f in Outbox._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Gửi lại ngay các thông báo lỗi đã chọn")
    def retry_now(self, request, queryset):
        from django.utils import timezone

        n = queryset.filter(status=Status.FAILED).update(
            status=Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        self.message_user(request, f"Đã đưa {n} thông báo vào hàng đợi gửi lại.")
