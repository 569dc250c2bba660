"""Admin for the community teams (Vietnamese labels from the models' verbose names)."""

from django.contrib import admin

from .models import AssistedFiling, ClaimRecord, Member, OutreachLog, ResidentialGroup, Team


@admin.register(ResidentialGroup)
class ResidentialGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "ward", "number", "households"]
    list_filter = ["ward"]
    search_fields = ["name", "ward__name", "ward__identifier"]
    raw_id_fields = ["ward"]


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0
    fields = ["full_name", "phone", "role", "organisation", "organisation_note", "user", "active"]
    raw_id_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "ward", "residential_group", "decision_number", "decision_date", "active"]
    list_filter = ["active", "ward"]
    search_fields = ["name", "decision_number", "ward__name"]
    raw_id_fields = ["ward", "residential_group"]
    inlines = [MemberInline]
    fieldsets = [
        (None, {"fields": ["name", "ward", "residential_group", "active"]}),
        ("Quyết định thành lập", {"fields": ["decision_number", "decision_date", "decision_signer"]}),
    ]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["full_name", "team", "role", "organisation", "user", "active", "generated"]
    list_filter = ["role", "organisation", "active", "generated"]
    search_fields = ["full_name", "phone", "team__name"]
    raw_id_fields = ["team", "user"]


@admin.register(OutreachLog)
class OutreachLogAdmin(admin.ModelAdmin):
    list_display = [
        "date",
        "team",
        "residential_group",
        "households_visited",
        "households_first_visit",
        "households_newly_online",
    ]
    list_filter = ["date"]
    search_fields = ["team__name", "residential_group__name"]
    raw_id_fields = ["team", "residential_group"]
    filter_horizontal = ["members"]
    date_hierarchy = "date"


@admin.register(AssistedFiling)
class AssistedFilingAdmin(admin.ModelAdmin):
    list_display = [
        "dossier",
        "team",
        "member",
        "resident_name",
        "consent_method",
        "consent_at",
        "created_at",
    ]
    list_filter = ["consent_method"]
    search_fields = ["dossier__code", "resident_name", "team__name", "member__full_name"]
    raw_id_fields = ["dossier", "team", "member", "resident_user"]
    readonly_fields = ["created_at"]


@admin.register(ClaimRecord)
class ClaimRecordAdmin(admin.ModelAdmin):
    list_display = ["dossier", "user", "previous_user", "claimed_at"]
    search_fields = ["dossier__code", "user__username"]
    raw_id_fields = ["dossier", "user", "previous_user"]
    readonly_fields = ["dossier", "user", "previous_user", "claimed_at"]

    def has_add_permission(self, request):
        return False
