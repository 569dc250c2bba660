"""Catalogue administration (Vietnamese): procedures with their versions, components, process templates with their
steps (sum of step budgets vs. the procedure's limit), offerings and fields.

Published versions are the record dossiers were measured against: the admin lets an operator add a new version;
a version already used by dossiers cannot be deleted (PROTECT) and what gives those dossiers their meaning — the
procedure and effective date, field and level, the time limits, the online level, the e-form and the components —
is read-only once one uses it (add a new version instead); its published texts (name, fees, subjects, legal basis…)
can still be corrected. An e-form definition is checked by the rules the e-form code relies on
(catalog.eforms.check_form_fields, as the import does)."""

from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from django.utils.translation import gettext as _

from .models import (
    Field,
    Offering,
    Procedure,
    ProcedureComponent,
    ProcedureVersion,
    ProcessStep,
    ProcessTemplate,
    registered_days_at,
)
from .selectors import query_words


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "procedure_count")
    search_fields = ("name", "name_ascii", "code")
    prepopulated_fields = {"code": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n=Count("procedures"))

    @admin.display(description="số thủ tục", ordering="n")
    def procedure_count(self, obj):
        return obj.n


class ProcedureVersionInline(admin.StackedInline):
    model = ProcedureVersion
    extra = 0
    show_change_link = True
    ordering = ("-effective_from",)
    fields = (
        ("effective_from", "level", "field"),
        "name",
        ("legal_days", "registered_days", "legal_hours"),
        "time_text",
        "online_level",
        "source_document",
    )
    readonly_fields = ()
    classes = ("collapse",)

    def get_formset(self, request, obj=None, **kwargs):
        """A version dossiers were filed under keeps its meaning here too, as on its own page: its limits, dates,
        field, level and online level are shown but not taken from the post, and it cannot be deleted."""
        formset = super().get_formset(request, obj, **kwargs)
        used = set(_used_version_ids(obj))

        class FixedWhenUsed(formset):
            def _construct_form(self, i, **form_kwargs):
                form = super()._construct_form(i, **form_kwargs)
                if form.instance.pk in used:
                    for name, f in form.fields.items():
                        if name in MEANING_FIELDS or name == "DELETE":
                            f.disabled = True
                            f.help_text = _(
                                "Đã có hồ sơ nộp theo phiên bản này: thêm phiên bản mới để thay đổi."
                            )
                return form

        return FixedWhenUsed


class OfferingInline(admin.TabularInline):
    model = Offering
    extra = 0
    autocomplete_fields = ("agency",)
    fields = ("agency", "online", "since", "registered_days")


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "field", "level", "active", "current_limit", "version_count")
    list_filter = ("level", "active", "field")
    search_fields = ("code", "name", "name_ascii")
    list_select_related = ("field",)
    inlines = [ProcedureVersionInline, OfferingInline]
    readonly_fields = ("name_ascii",)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Offering:
            for offering in formset.new_objects + [obj for obj, _fields in formset.changed_objects]:
                warn_process_mismatch(request, offering)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_versions=Count("versions"))

    def get_search_results(self, request, queryset, search_term):
        """Diacritic-free search, like the public catalogue: every folded word must be in the code or name."""
        words = query_words(search_term)
        if not words:
            return queryset, False
        for w in words:
            queryset = queryset.filter(name_ascii__icontains=w)
        return queryset, False

    @admin.display(description="số phiên bản", ordering="n_versions")
    def version_count(self, obj):
        return obj.n_versions

    @admin.display(description="thời hạn đang áp dụng")
    def current_limit(self, obj):
        v = obj.current_version()
        if v is None:
            return "—"
        return v.registered_limit_text() or v.legal_limit_text() or "—"


def used_by_dossiers(version) -> bool:
    """Whether a dossier was filed under `version` (by procedure first: the dossiers' procedure is indexed)."""
    from motcua.dossiers.models import Dossier

    return (
        version is not None
        and version.pk is not None
        and Dossier.objects.filter(
            procedure_id=version.procedure_id, procedure_version_id=version.pk
        ).exists()
    )


def _used_version_ids(procedure) -> list[int]:
    """The versions of `procedure` some dossier was filed under (one query)."""
    from motcua.dossiers.models import Dossier

    if procedure is None or procedure.pk is None:
        return []
    return list(
        Dossier.objects.filter(procedure_id=procedure.pk)
        .values_list("procedure_version_id", flat=True)
        .distinct()
    )


# What dossiers filed under a version were received and measured against: fixed once one uses it.
MEANING_FIELDS = (
    "procedure",
    "effective_from",
    "field",
    "level",
    "legal_days",
    "registered_days",
    "legal_hours",
    "days_basis",
    "online_level",
    "form_fields",
)


class ComponentInline(admin.TabularInline):
    model = ProcedureComponent
    extra = 0
    fields = ("order", "name", "originals", "copies", "required", "note", "template", "template_url")

    def _fixed(self, request, obj) -> bool:
        if not hasattr(request, "_version_used"):
            request._version_used = used_by_dossiers(obj)
        return request._version_used

    def get_readonly_fields(self, request, obj=None):
        return self.fields if self._fixed(request, obj) else ()

    def has_add_permission(self, request, obj=None):
        return not self._fixed(request, obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._fixed(request, obj) and super().has_delete_permission(request, obj)


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
    list_display = ("procedure", "effective_from", "name", "level", "limit_display", "online_level")
    list_filter = ("level", "online_level", "effective_from")
    search_fields = ("procedure__code", "name")
    date_hierarchy = "effective_from"
    list_select_related = ("procedure",)
    autocomplete_fields = ("procedure",)
    inlines = [ComponentInline]
    readonly_fields = ("content_hash",)
    fieldsets = (
        (None, {"fields": ("procedure", "effective_from", "name", "field", "level")}),
        (
            "Thời hạn giải quyết",
            {"fields": (("legal_days", "registered_days", "legal_hours"), "days_basis", "time_text")},
        ),
        (
            "Thông tin công bố",
            {
                "fields": (
                    "online_level",
                    "fee_text",
                    "implementing_agency",
                    "deciding_agency",
                    "subjects",
                    "result",
                    "conditions",
                    "legal_basis",
                    "source_document",
                    "source",
                    "notes",
                )
            },
        ),
        ("Nộp trực tuyến", {"fields": ("form_fields",)}),
        ("Kỹ thuật", {"classes": ("collapse",), "fields": ("content_hash",)}),
    )

    @admin.display(description="thời hạn")
    def limit_display(self, obj):
        return obj.registered_limit_text() or obj.legal_limit_text() or "—"

    def get_readonly_fields(self, request, obj=None):
        if not hasattr(request, "_version_used"):
            request._version_used = used_by_dossiers(obj)
        return (*MEANING_FIELDS, "content_hash") if request._version_used else ("content_hash",)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        version = self.get_object(request, object_id)
        if request.method == "GET" and used_by_dossiers(version):
            messages.warning(
                request,
                _(
                    "Đã có hồ sơ nộp theo phiên bản này: thời hạn, tờ khai, thành phần hồ sơ và các thông tin xác định "
                    "hồ sơ không sửa được; chỉ sửa lỗi chính tả trong phần công bố. Khi thủ tục thay đổi, hãy thêm "
                    "phiên bản mới có ngày hiệu lực mới."
                ),
            )
        return super().change_view(request, object_id, form_url, extra_context)


class StepBudgetFormSet(BaseInlineFormSet):
    """The steps' budgets must add up to the process's total and to the procedure's time limit, as
    `motcua import-processes` requires: the admin saved any budget and only marked the mismatch afterwards."""

    def clean(self):
        super().clean()
        template = self.instance
        if any(self.errors) or template.total_hours is None or not template.procedure_id:
            return
        steps = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("actor")
        ]
        if not steps:
            return  # the process's header first; its steps may follow
        total = sum((s["hours"] for s in steps if s.get("hours") is not None), Decimal(0))
        if total != template.total_hours:
            raise ValidationError(
                _(
                    "Tổng thời gian các bước (%(steps)s giờ) khác tổng thời gian của quy trình (%(total)s giờ): "
                    "sửa thời gian các bước hoặc tổng thời gian."
                )
                % {"steps": _fmt(total), "total": _fmt(template.total_hours)}
            )
        limit = _limit(template)
        if limit is not None and total != limit:
            raise ValidationError(
                _(
                    "Tổng thời gian các bước (%(steps)s giờ) khác thời hạn giải quyết đang áp dụng của thủ tục "
                    "%(code)s (%(limit)s giờ làm việc)."
                )
                % {"steps": _fmt(total), "code": template.procedure.code, "limit": _fmt(limit)}
            )


class StepInline(admin.TabularInline):
    model = ProcessStep
    extra = 0
    fields = (
        "order",
        "label",
        "actor",
        "role",
        "task",
        "time_text",
        "hours",
        "inter_agency",
        "partner_agency",
    )
    autocomplete_fields = ("partner_agency",)
    formset = StepBudgetFormSet


@admin.register(ProcessTemplate)
class ProcessTemplateAdmin(admin.ModelAdmin):
    list_display = ("procedure", "agency", "total_hours", "steps_sum", "procedure_limit", "budget_check")
    search_fields = ("procedure__code", "procedure__name")
    list_select_related = ("procedure", "agency")
    autocomplete_fields = ("procedure", "agency")
    inlines = [StepInline]
    readonly_fields = ("steps_sum", "procedure_limit", "budget_check", "content_hash")
    fields = (
        "procedure",
        "agency",
        "total_hours",
        "total_text",
        "steps_sum",
        "procedure_limit",
        "budget_check",
        "notes",
        "source",
        "content_hash",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps")

    @admin.display(description="tổng giờ các bước")
    def steps_sum(self, obj):
        return _fmt(obj.step_hours_sum()) if obj.pk else "—"

    @admin.display(description="thời hạn của thủ tục (giờ)")
    def procedure_limit(self, obj):
        limit = _limit(obj)
        return _fmt(limit) if limit is not None else "—"

    @admin.display(description="đối chiếu")
    def budget_check(self, obj):
        if not obj.pk:
            return "—"
        limit = _limit(obj)
        if limit is None:
            limit = obj.total_hours
        total = obj.step_hours_sum()
        if total == limit:
            return format_html('<span style="color:#1b6e2d">✔ {}</span>', "khớp")
        return format_html(
            '<strong style="color:#a50e0e">✘ lệch {} giờ</strong>',
            _fmt(total - limit),
        )


def _limit(template: ProcessTemplate) -> Decimal | None:
    """The limit the process's steps must add up to: the procedure's at the template's agency (its own registered
    cut, if any), the procedure's alone for the default process."""
    if not template.procedure_id:
        return None
    v = template.procedure.current_version()
    return v.limit_hours(registered_days_at(template.procedure, template.agency)) if v else None


def _fmt(value: Decimal) -> str:
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f").replace(".", ",")


def process_mismatch(offering: Offering, *, version=None, template=None) -> str | None:
    """What is wrong with the internal process a dossier would follow at the offering's agency, now that its limit
    there is known (the agency's registered cut, else the procedure's): the steps of the agency's own process, else
    of the default one, must add up to that limit. None when they do, or when there is no process or limit. A caller
    that has read the version in force and the process (org.readiness, for every offering at once) passes them."""
    version = version or offering.procedure.current_version()
    limit = version.limit_hours(offering.registered_days) if version else None
    template = (
        template
        or ProcessTemplate.objects.filter(procedure=offering.procedure_id, agency=offering.agency_id).first()
        or ProcessTemplate.objects.filter(procedure=offering.procedure_id, agency__isnull=True).first()
    )
    if limit is None or template is None:
        return None
    total = template.step_hours_sum()
    if total == limit:
        return None
    if template.agency_id is None:
        return _(
            "%(agency)s — %(code)s: thời hạn tại cơ quan là %(limit)s giờ làm việc nhưng quy trình nội bộ mặc định "
            "của thủ tục có tổng %(total)s giờ. Hãy thêm quy trình nội bộ riêng của cơ quan (trang Quy trình nội bộ) "
            "với các bước cộng lại đúng %(limit)s giờ."
        ) % {
            "agency": offering.agency,
            "code": offering.procedure.code,
            "limit": _fmt(limit),
            "total": _fmt(total),
        }
    return _(
        "%(agency)s — %(code)s: thời hạn tại cơ quan là %(limit)s giờ làm việc nhưng quy trình nội bộ của cơ quan có "
        "tổng %(total)s giờ. Hãy sửa thời gian các bước (trang Quy trình nội bộ) cho cộng lại đúng %(limit)s giờ."
    ) % {
        "agency": offering.agency,
        "code": offering.procedure.code,
        "limit": _fmt(limit),
        "total": _fmt(total),
    }


def warn_process_mismatch(request, offering: Offering) -> None:
    """A cut registered (or removed) on an offering changes the limit at the agency; the admin and the import refuse
    a process whose steps do not add up to it, but the offering's page would otherwise save it silently and leave
    the dossiers following a process longer (or shorter) than their time limit."""
    message = process_mismatch(offering)
    if message:
        messages.warning(request, message)


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ("procedure", "agency", "online", "since", "registered_days")
    list_filter = ("online", "agency__level")
    search_fields = ("procedure__code", "procedure__name", "agency__name", "agency__identifier")
    list_select_related = ("procedure", "agency")
    autocomplete_fields = ("procedure", "agency")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        warn_process_mismatch(request, obj)
