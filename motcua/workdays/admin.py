"""Django admin (Vietnamese) for calendar overrides: add and view only — never edited or deleted in place."""

from django import forms
from django.contrib import admin, messages

from motcua.core.errors import DomainError

from . import services
from .models import CalendarOverride


class CalendarOverrideForm(forms.ModelForm):
    class Meta:
        model = CalendarOverride
        fields = ("date", "kind", "jurisdiction", "reason")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            services.check_override(
                date=data.get("date"),
                kind=data.get("kind"),
                reason=data.get("reason"),
                jurisdiction=data.get("jurisdiction"),
                user=self.request_user,
            )
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    form = CalendarOverrideForm
    list_display = ("date", "kind", "jurisdiction_label", "reason", "created_by", "created_at")
    list_filter = ("kind", "jurisdiction")
    search_fields = ("reason", "jurisdiction")
    date_hierarchy = "date"
    readonly_fields = ("created_by", "created_at")

    @admin.display(description="phạm vi áp dụng")
    def jurisdiction_label(self, obj):
        return obj.jurisdiction or "Toàn quốc"

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user
        return form

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ("date", "kind", "jurisdiction", "reason", "created_by", "created_at")
        return ("date", "kind", "jurisdiction", "reason")

    def has_module_permission(self, request):
        # the admin's front page lists the calendar for the agencies' administrators (a staff role, not a Django
        # permission): it told a province's operator "nothing to see or change" while the add page worked
        return services.can_manage_calendar(request.user) or super().has_module_permission(request)

    def has_add_permission(self, request):
        return services.can_manage_calendar(request.user)

    def has_view_permission(self, request, obj=None):
        return services.can_manage_calendar(request.user) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return False  # append-only: undo by adding the opposite override

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        created = services.add_override(
            date=obj.date, kind=obj.kind, reason=obj.reason, user=request.user, jurisdiction=obj.jurisdiction
        )
        obj.pk, obj.created_by, obj.created_at = created.pk, created.created_by, created.created_at
        if warning := services.past_date_warning(created):  # the admin is Vietnamese (core.middleware)
            messages.warning(request, warning["message"])
        obj._state.adding = False
        obj._state.db = created._state.db
