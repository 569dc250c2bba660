"""Django admin: the dossiers' access record, read-only (operators answering who read a dossier or what an account
read; the records are appended by motcua.dossiers.access_log, never typed or changed)."""

from django.contrib import admin

from .models import DossierAccess


@admin.register(DossierAccess)
class DossierAccessAdmin(admin.ModelAdmin):
    list_display = ("at", "dossier_code", "user_name", "capacity", "kind", "detail", "channel", "ip")
    list_filter = ("kind", "channel")
    search_fields = ("dossier__code", "user_name", "user__username")
    date_hierarchy = "at"
    list_select_related = ("dossier",)
    ordering = ("-at", "-pk")

    @admin.display(description="mã hồ sơ", ordering="dossier__code")
    def dossier_code(self, obj: DossierAccess) -> str:
        return obj.dossier.code

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
