"""Admin for cross-cutting models. API tokens are issued with `motcua apitoken <username>` (the raw token
is shown once, only its hash is stored), so the admin lists them read-only and can only revoke them."""

from django.contrib import admin, messages

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "label", "created_at", "expires_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["user__username", "label"]
    list_select_related = ["user"]
    readonly_fields = ["user", "label", "created_at", "expires_at", "last_used_at", "revoked"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only; the only change is the revoke action below

    @admin.action(description="Thu hồi các mã truy cập đã chọn", permissions=["delete"])
    def revoke(self, request, queryset):
        count = queryset.filter(revoked=False).update(revoked=True)
        self.message_user(request, f"Đã thu hồi {count} mã truy cập.", messages.SUCCESS)
