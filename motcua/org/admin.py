"""Django admin for operators (Vietnamese labels come from the models' verbose names)."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.forms.models import BaseInlineFormSet
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from motcua.core.text import nfc

from .forms import ThrottledAdminAuthenticationForm
from .models import Agency, LoginThrottle, StaffRole, Unit
from .selectors import tree_order
from .views import mark_throttled

User = get_user_model()

# Admin sign-in goes through the same throttle as /accounts/login/ (HTTP 429 once locked out).
admin.site.login_form = ThrottledAdminAuthenticationForm
_admin_login = admin.site.login


def _throttled_admin_login(request, extra_context=None):
    return mark_throttled(request, _admin_login(request, extra_context))


admin.site.login = _throttled_admin_login


class UnitForm(forms.ModelForm):
    """The unit's name in NFC before the unique checks: Unit.save stores it so, and a name typed with combining
    accents (some Vietnamese keyboards) would otherwise pass the checks as a different name and reach the
    database's unique constraint (a 500), against a stored unit or another row of the same inline."""

    def clean_name(self):
        return nfc(self.cleaned_data["name"]).strip()

    def clean_form_abbreviation(self):
        return nfc(self.cleaned_data.get("form_abbreviation") or "").strip().upper()


def office_day_hours(agency: Agency):
    """The length of the agency's office day in hours (morning and afternoon sessions)."""

    def minutes(t):
        return t.hour * 60 + t.minute

    total = (minutes(agency.morning_end) - minutes(agency.morning_start)) + (
        minutes(agency.afternoon_end) - minutes(agency.afternoon_start)
    )
    return Decimal(total) / 60


def fmt_hours(hours: Decimal) -> str:
    """7.5 → "7,5" in Vietnamese and "7.5" in English, 8 → "8": at most two decimals, in the active language."""
    hours = round(hours, 2)
    return number_format(int(hours) if hours == hours.to_integral_value() else hours.normalize())


class UnitInline(admin.TabularInline):
    model = Unit
    form = UnitForm
    extra = 0
    fields = ["name", "kind", "form_abbreviation"]


class StaffRoleInlineFormSet(BaseInlineFormSet):
    """Refuses two rows holding the same role for the same person and agency without a unit. Django's formset
    check skips rows with an empty field, so the constraint staffrole_unique_no_unit (which the form checks
    against the stored rows only) was reached at save: a 500 instead of an error on the row."""

    KEY = ("user", "agency", "role")

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or form.errors or self._should_delete_form(form) or data.get("unit") is not None:
                continue
            # the inline's own foreign key (the page's user or agency) is the same on every row
            key = tuple(
                "parent" if name == self.fk.name else getattr(data.get(name), "pk", data.get(name))
                for name in self.KEY
            )
            if None in key:
                continue
            if key in seen:
                form.add_error(
                    None,
                    _(
                        "Vai trò này (không gắn đơn vị) đã được nhập ở một dòng khác cho cùng cán bộ và cơ quan; "
                        "hãy bỏ một dòng."
                    ),
                )
            seen.add(key)


class AgencyStaffRoleInline(admin.TabularInline):
    model = StaffRole
    formset = StaffRoleInlineFormSet
    extra = 0
    fields = ["user", "unit", "role", "active", "since"]
    autocomplete_fields = ["user"]
    verbose_name = "cán bộ"
    verbose_name_plural = "cán bộ và vai trò"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "unit":
            agency_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            kwargs["queryset"] = (
                Unit.objects.filter(agency_id=agency_id) if agency_id else Unit.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["tree_name", "identifier", "level", "kind", "parent", "active"]
    list_display_links = ["tree_name"]
    list_filter = ["level", "kind", "active"]
    search_fields = ["identifier", "name", "name_ascii", "short_name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["tree_path", "readiness"]
    list_select_related = ["parent"]
    list_per_page = 200
    inlines = [UnitInline, AgencyStaffRoleInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "identifier",
                    "name",
                    "short_name",
                    "level",
                    "kind",
                    "parent",
                    "tree_path",
                    "active",
                ]
            },
        ),
        ("Liên hệ", {"fields": ["address", "phone", "email", "place_name"]}),
        (
            "Giờ làm việc",
            {
                "fields": [
                    ("morning_start", "morning_end"),
                    ("afternoon_start", "afternoon_end"),
                    "cutoff",
                    "jurisdiction",
                ]
            },
        ),
    ]

    def get_fieldsets(self, request, obj=None):
        if obj is None:  # nothing to check before the agency exists
            return self.fieldsets
        return [*self.fieldsets, ("Sẵn sàng tiếp nhận hồ sơ", {"fields": ["readiness"]})]

    @admin.display(description="kiểm tra cấu hình")
    def readiness(self, obj):
        """What `motcua check-agency` says of this agency (org.readiness), as of the saved configuration."""
        from django.utils.html import format_html, format_html_join

        from .readiness import ERROR, agency_findings

        if obj is None or obj.pk is None:
            return "—"
        findings = agency_findings(obj)
        if not findings:
            return "Sẵn sàng: có cán bộ cho mọi vai trò, mọi thủ tục niêm yết có phiên bản, quy trình và thời hạn."
        return format_html(
            '<ul class="readiness">{}</ul>',
            format_html_join(
                "",
                '<li class="{}"><strong>{}</strong> {}</li>',
                (
                    (
                        "errornote" if f.level == ERROR else "",
                        "Lỗi:" if f.level == ERROR else "Cảnh báo:",
                        f.message,
                    )
                    for f in findings
                ),
            ),
        )

    def get_ordering(self, request):
        return [tree_order()]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "jurisdiction" in form.changed_data:
            self._warn_calendar_change(request, obj, form.initial.get("jurisdiction") or "")
        hours = office_day_hours(obj)
        if hours != 8:
            # contract §2: N working days are N x 8 office hours, whatever the agency's day; an operator who types
            # 07:30-11:30, 13:30-17:00 (7.5 h) would otherwise find every return date a day or more later than the
            # N days the procedure says, with no hint why.
            messages.warning(
                request,
                _(
                    "Giờ làm việc của %(agency)s là %(hours)s giờ một ngày, không phải 8 giờ: thời hạn N ngày làm "
                    "việc được tính là N × 8 giờ làm việc trong giờ làm việc của cơ quan, nên ngày hẹn trả không "
                    "rơi đúng N ngày làm việc sau khi tiếp nhận."
                )
                % {"agency": obj.name, "hours": fmt_hours(hours)},
            )

    @staticmethod
    def _warn_calendar_change(request, agency: Agency, before: str) -> None:
        """Say what a new calendar code changes: the local days off and make-up days (from today) of the old code
        no longer apply to the agency, those of the new one do. Overrides are kept under their code (append-only):
        nothing tells the operator otherwise, and the next appointments would move without a word."""
        from django.utils import timezone

        from motcua.workdays.models import CalendarOverride

        today = timezone.localdate()

        def days(code: str) -> str:
            if not code:
                return ""
            found = CalendarOverride.objects.filter(jurisdiction=code, date__gte=today).order_by("date", "id")
            return ", ".join(f"{o.date:%d/%m/%Y} ({o.get_kind_display().lower()})" for o in found[:12]) + (
                " …" if found.count() > 12 else ""
            )

        national = _("lịch toàn quốc")
        parts = [
            _("Đã đổi phạm vi lịch của %(agency)s từ “%(before)s” sang “%(after)s”.")
            % {"agency": agency.name, "before": before or national, "after": agency.jurisdiction or national}
        ]
        dropped, added = days(before), days(agency.jurisdiction)
        if dropped:
            parts.append(_("Không còn áp dụng cho cơ quan: %(days)s.") % {"days": dropped})
        if added:
            parts.append(_("Nay áp dụng: %(days)s.") % {"days": added})
        parts.append(
            _(
                "Ngày hẹn trả của hồ sơ tiếp nhận từ nay tính theo lịch mới; hồ sơ đã tiếp nhận giữ ngày hẹn đã "
                "ghi. Nếu đổi nhầm, hãy đặt lại phạm vi cũ."
            )
        )
        messages.warning(request, " ".join(str(p) for p in parts))

    def save_related(self, request, form, formsets, change):
        # The staff roles before the units: a unit deleted in the same submit as an edit of one of its roles
        # would otherwise be gone (its roles' unit emptied) when the edited role is saved back with it, a
        # foreign key to a missing unit (a 500 at commit). A role's unit is always one stored before the submit.
        formsets = sorted(formsets, key=lambda formset: formset.model is Unit)
        super().save_related(request, form, formsets, change)

    @admin.display(description="vị trí trong cây cơ quan")
    def tree_path(self, obj: Agency):
        # the stored path (/H26/000.00.33.H26/…): the identifiers from the top agency down; labelled "Path" in
        # English on the Vietnamese page when shown as the bare field
        return obj.path or "—"

    @admin.display(description="tên cơ quan (theo cây)", ordering="path")
    def tree_name(self, obj: Agency):
        return format_html(
            '<span style="padding-left:{}em">{}{}</span>',
            obj.depth * 1.5,
            "└ " if obj.depth else "",
            obj.name,
        )

    def get_search_results(self, request, queryset, search_term):
        # Diacritic-free search: "hai ba trung" finds "Hai Bà Trưng".
        from motcua.core.text import fold

        qs, may_dup = super().get_search_results(request, queryset, search_term)
        folded = fold(search_term)
        if folded and folded != search_term:
            qs = qs | queryset.filter(name_ascii__contains=folded)
        return qs, may_dup


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    form = UnitForm
    list_display = ["name", "kind", "agency"]
    list_filter = ["kind", "agency__level"]
    search_fields = ["name", "agency__name", "agency__identifier"]
    autocomplete_fields = ["agency"]
    list_select_related = ["agency"]


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency", "unit", "active", "since"]
    list_filter = ["role", "active", "agency__level"]
    search_fields = [
        "user__username",
        "user__first_name",
        "user__last_name",
        "agency__name",
        "agency__identifier",
    ]
    autocomplete_fields = ["user", "agency", "unit"]
    list_select_related = ["user", "agency", "unit"]


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Who is locked out; deleting a row unlocks that username from that address."""

    list_display = ["username", "ip", "failures", "first_failure_at", "locked_until"]
    search_fields = ["username", "ip"]
    readonly_fields = ["username", "ip", "failures", "first_failure_at", "locked_until"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class UserStaffRoleInline(admin.TabularInline):
    model = StaffRole
    formset = StaffRoleInlineFormSet
    fk_name = "user"
    extra = 0
    fields = ["agency", "unit", "role", "active", "since"]
    autocomplete_fields = ["agency", "unit"]
    verbose_name = "vai trò"
    verbose_name_plural = "vai trò tại các cơ quan"


if admin.site.is_registered(User):
    admin.site.unregister(User)


def _vietnamese_name_labels(form) -> None:
    """first_name holds the family and middle names and last_name the given name, so that get_full_name() reads
    in Vietnamese order ("Nguyễn Thị" + "Hoa"); Django labels them "Tên" and "Họ", the other way round."""
    form.fields["first_name"].label = _("Họ và tên đệm")
    form.fields["first_name"].help_text = _("Ví dụ: Nguyễn Thị — họ tên đầy đủ được in trên các mẫu phiếu.")
    form.fields["last_name"].label = _("Tên")
    form.fields["last_name"].help_text = _("Ví dụ: Hoa")


class StaffUserChangeForm(UserChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "first_name" in self.fields and "last_name" in self.fields:
            _vietnamese_name_labels(self)


class StaffUserCreationForm(AdminUserCreationForm):
    """The add page asks for the person's name and e-mail with the username: the forms print the name of who
    received and handled a dossier (Mẫu 01 was signed with the username), and "Quên mật khẩu?" needs the e-mail."""

    class Meta(AdminUserCreationForm.Meta):
        fields = ("username", "first_name", "last_name", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _vietnamese_name_labels(self)
        for name in ("first_name", "last_name"):
            self.fields[name].required = True

    def clean_email(self):
        email = (self.cleaned_data.get("email") or "").strip()
        if email and User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("Thư điện tử này đã được dùng cho tài khoản khác."))
        return email


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = StaffUserCreationForm
    form = StaffUserChangeForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    ("first_name", "last_name"),
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    inlines = [*DjangoUserAdmin.inlines, UserStaffRoleInline]
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_superuser", "is_active"]
