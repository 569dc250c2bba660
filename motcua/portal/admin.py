from django.contrib import admin

from .models import CitizenProfile, Draft, Payment


@admin.register(CitizenProfile)
class CitizenProfileAdmin(admin.ModelAdmin):
    list_display = ("full_name", "user", "phone", "created_at")
    search_fields = ("full_name", "phone", "user__username", "user__email")
    raw_id_fields = ("user",)


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ("procedure", "user", "step", "updated_at", "submitted_at", "dossier")
    list_filter = ("submitted_at",)
    raw_id_fields = ("user", "procedure", "agency", "dossier")
    readonly_fields = ("data",)


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("reference", "dossier", "amount", "status", "created_at", "paid_at")
    list_filter = ("status", "provider")
    search_fields = ("reference", "dossier__code")
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request):
        return False
