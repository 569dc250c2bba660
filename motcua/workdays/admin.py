"""Django admin (Vietnamese) for calendar overrides: add-only, never edited or deleted in place."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from motcua.core.errors import DomainError

from . import services
from .models import CalendarOverride


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "jurisdiction_label", "reason", "created_by", "created_at")
    list_filter = ("kind", "jurisdiction", "date")
    search_fields = ("reason", "jurisdiction")
    date_hierarchy = "date"
    fields = ("date", "kind", "jurisdiction", "reason")
    readonly_fields = ()

    @admin.display(description="phạm vi áp dụng")
    def jurisdiction_label(self, obj):
        return obj.jurisdiction or "Toàn quốc"

    def has_change_permission(self, request, obj=None):
        # Viewing is allowed (read-only form); saving an existing row is refused in save_model/model.save.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return services.can_manage_calendar(request.user) and super().has_add_permission(request)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ("date", "kind", "jurisdiction", "reason", "created_by", "created_at")
        return ()

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ("date", "kind", "jurisdiction", "reason", "created_by", "created_at")
        return self.fields

    def save_model(self, request, obj, form, change):
        if change:
            raise ValidationError("Không sửa điều chỉnh lịch đã ghi; hãy thêm một điều chỉnh mới.")
        try:
            created = services.add_override(
                date=obj.date,
                kind=obj.kind,
                reason=obj.reason,
                user=request.user,
                jurisdiction=obj.jurisdiction,
            )
        except DomainError as exc:
            # Shown as an error message; the admin then redirects without having stored anything.
            self.message_user(request, exc.message, level=messages.ERROR)
            obj.pk = None
            return
        obj.pk = created.pk
        obj.created_by = created.created_by
        obj.created_at = created.created_at

    def log_addition(self, request, obj, message):
        if obj.pk is None:
            return None
        return super().log_addition(request, obj, message)
