"""Admin for ratings, criteria and PAKN (Vietnamese labels from the models' verbose names)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from .models import CounterDesk, CounterDevice, Criterion, Feedback, Rating


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ["order", "label", "label_en", "code", "required", "active"]
    list_display_links = ["label"]
    list_editable = ["order", "required", "active"]
    search_fields = ["code", "label", "label_en"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["dossier", "overall", "created_at", "user"]
    list_filter = ["overall"]
    search_fields = ["dossier__code"]
    date_hierarchy = "created_at"
    raw_id_fields = ["dossier", "user"]
    readonly_fields = ["dossier", "user", "overall", "scores", "comment", "created_at"]

    def has_add_permission(self, request):
        return False  # ratings come from the applicant only


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["reference", "kind", "title", "agency", "status", "received_at", "due_at", "on_time"]
    list_filter = ["status", "kind", "subject", "answer_public", "on_time"]
    search_fields = ["reference", "title", "dossier__code", "contact_name"]
    date_hierarchy = "received_at"
    raw_id_fields = ["dossier", "procedure", "agency", "user", "answered_by"]
    readonly_fields = [
        "reference",
        "received_at",
        "due_at",
        "answered_at",
        "on_time",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "kind",
                    "subject",
                    "dossier",
                    "procedure",
                    "agency",
                    "title",
                    "content",
                ]
            },
        ),
        (
            "Người gửi",
            {"fields": ["user", "contact_name", "contact_phone", "contact_email", "contact_address"]},
        ),
        (
            "Xử lý",
            {
                "fields": [
                    "status",
                    "received_at",
                    "working_days",
                    "due_at",
                    "answer",
                    "answer_public",
                    "public_content",
                    "answered_at",
                    "answered_by",
                    "on_time",
                    "rejected_reason",
                    "rejected_at",
                    "closed_at",
                ]
            },
        ),
    ]


class CounterDeviceInline(admin.TabularInline):
    model = CounterDevice
    extra = 0
    can_delete = False
    fields = ["paired_at", "paired_by", "last_seen_at", "user_agent", "revoked_at", "revoked_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # a tablet is paired on the tablet itself (the desks page), which sets its key


class CounterDeskForm(forms.ModelForm):
    """The desks page's rules, with their messages: a number from 1 to 999 (the database only refuses 0, with a
    constraint's name for a message), and an officer sits at one desk at a time."""

    def clean_number(self):
        from .desks import MAX_DESK_NUMBER

        number = self.cleaned_data["number"]
        if number is not None and not 1 <= number <= MAX_DESK_NUMBER:
            raise forms.ValidationError(
                _("Số quầy phải là số nguyên từ 1 đến %(max)s.") % {"max": MAX_DESK_NUMBER}, code="bad_number"
            )
        return number

    def clean_officer(self):
        officer = self.cleaned_data["officer"]
        if officer is not None:
            elsewhere = CounterDesk.objects.filter(officer=officer).exclude(pk=self.instance.pk).first()
            if elsewhere is not None:
                raise forms.ValidationError(
                    _("Cán bộ này đang ngồi %(desk)s (%(agency)s); mỗi cán bộ chỉ ngồi một quầy một lúc.")
                    % {"desk": elsewhere, "agency": elsewhere.agency},
                    code="seated_elsewhere",
                )
        return officer


@admin.register(CounterDesk)
class CounterDeskAdmin(admin.ModelAdmin):
    form = CounterDeskForm
    list_display = ["__str__", "agency", "officer", "seated_at", "active", "used"]
    list_filter = ["active", "used"]
    search_fields = ["label", "agency__name", "agency__identifier"]
    raw_id_fields = ["agency", "officer"]
    readonly_fields = ["used"]
    inlines = [CounterDeviceInline]
