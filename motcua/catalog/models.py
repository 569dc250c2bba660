"""The procedure catalogue: procedures (versioned by effective date), their components, internal process
templates, and which agencies offer (publicly list) which procedures."""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from motcua.core.models import CheckedTextModel
from motcua.core.text import fold, nfc
from motcua.org.models import Agency, Role

HOURS_PER_DAY = Decimal(8)
# The longest time limit the calendar computes (= workdays.services.MAX_WORKING_DAYS, asserted by a test): a longer
# limit or step budget in the catalogue would only fail when a citizen's dossier is received under it.
MAX_LIMIT_DAYS = Decimal(3650)
MAX_LIMIT_HOURS = MAX_LIMIT_DAYS * HOURS_PER_DAY
_DAYS_BOUNDS = [MinValueValidator(0), MaxValueValidator(MAX_LIMIT_DAYS)]
_HOURS_BOUNDS = [MinValueValidator(0), MaxValueValidator(MAX_LIMIT_HOURS)]

# National code `d.dddddd`, optionally with a local suffix (`.H26`, `.000.00.00.H48`). Rules §5 [P]:
# kept permissive on the suffix (groups of 0-9A-Z) since provinces write it differently.
CODE_RE = re.compile(r"^\d\.\d{6}(\.[0-9A-Z]+)*$")


def validate_procedure_code(value: str) -> None:
    if not CODE_RE.match(value or ""):
        raise ValidationError(
            "Mã thủ tục không hợp lệ: dạng d.dddddd, có thể thêm hậu tố địa phương như 1.001612.H26.",
            code="procedure_code",
        )


class Level(models.TextChoices):
    CENTRAL = "central", _("Cấp trung ương")
    PROVINCE = "province", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện")
    COMMUNE = "commune", _("Cấp xã")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Toàn trình")
    PARTIAL = "partial", _("Một phần")
    NONE = "none", _("Không trực tuyến")


class Field(CheckedTextModel, models.Model):
    """Lĩnh vực: the field a procedure belongs to."""

    code = models.SlugField("mã lĩnh vực", max_length=100, unique=True)
    name = models.CharField("tên lĩnh vực", max_length=255, unique=True)
    name_ascii = models.CharField(max_length=255, editable=False, db_index=True)

    class Meta:
        verbose_name = "lĩnh vực"
        verbose_name_plural = "lĩnh vực"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.name_ascii = fold(self.name)
        super().save(*args, **kwargs)


class Procedure(CheckedTextModel, models.Model):
    """A procedure by its code. Content lives in versions; the current version's name, field and level are
    mirrored here so the catalogue can be searched and filtered with one indexed query."""

    code = models.CharField("mã thủ tục", max_length=40, unique=True, validators=[validate_procedure_code])
    name = models.CharField("tên thủ tục", max_length=1000)
    name_ascii = models.CharField(max_length=1000, editable=False, db_index=True)
    # fold(name) alone (name_ascii also carries the code): ranks "name starts with the query" first.
    name_folded = models.CharField(max_length=1000, editable=False, blank=True, default="")
    field = models.ForeignKey(
        Field, verbose_name="lĩnh vực", on_delete=models.PROTECT, related_name="procedures"
    )
    level = models.CharField("cấp thực hiện", max_length=20, choices=Level.choices)
    active = models.BooleanField("còn hiệu lực", default=True)

    class Meta:
        verbose_name = "thủ tục hành chính"
        verbose_name_plural = "thủ tục hành chính"
        ordering = ["code"]
        indexes = [models.Index(fields=["name_folded", "code"], name="procedure_name_sort")]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def save(self, *args, **kwargs):
        self.name = nfc(self.name)
        self.name_ascii = fold(f"{self.code} {self.name}")
        self.name_folded = fold(self.name)
        if kwargs.get("update_fields") and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_ascii", "name_folded"}
        super().save(*args, **kwargs)

    def version_at(self, when) -> "ProcedureVersion | None":
        """The version in force on date `when` (the latest effective_from ≤ when)."""
        return self.versions.filter(effective_from__lte=when).order_by("-effective_from").first()

    def version_for(self, when) -> "ProcedureVersion | None":
        """The version in force on `when`, else the earliest one (a dossier older than the catalogue entry, e.g.
        migrated history, is measured against the first published version rather than against nothing)."""
        return self.version_at(when) or self.versions.order_by("effective_from").first()

    def current_version(self) -> "ProcedureVersion | None":
        """The version in force today (local date), else the earliest upcoming one."""
        from django.utils import timezone

        return self.version_for(timezone.localdate())


class ProcedureVersion(CheckedTextModel, models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    effective_from = models.DateField("hiệu lực từ ngày")
    name = models.CharField("tên thủ tục", max_length=1000)
    field = models.ForeignKey(Field, verbose_name="lĩnh vực", on_delete=models.PROTECT, related_name="+")
    level = models.CharField("cấp thực hiện", max_length=20, choices=Level.choices)
    # Time limits. A limit is either in working days (may be fractional) or in working hours; 0 days = same day.
    legal_days = models.DecimalField(
        "thời hạn luật định (ngày làm việc)",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_DAYS_BOUNDS,
    )
    legal_hours = models.DecimalField(
        "thời hạn luật định (giờ làm việc)",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_HOURS_BOUNDS,
    )
    registered_days = models.DecimalField(
        "thời hạn đăng ký cắt giảm (ngày làm việc)",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_DAYS_BOUNDS,
    )
    days_basis = models.CharField("cách tính ngày", max_length=200, blank=True)
    time_text = models.TextField("thời hạn giải quyết (nguyên văn)", blank=True)
    fee_text = models.TextField("phí, lệ phí", blank=True)
    online_level = models.CharField(
        "mức trực tuyến", max_length=10, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    implementing_agency = models.CharField("cơ quan thực hiện", max_length=500, blank=True)
    deciding_agency = models.CharField("cơ quan có thẩm quyền quyết định", max_length=500, blank=True)
    subjects = models.TextField("đối tượng thực hiện", blank=True)
    result = models.TextField("kết quả thực hiện", blank=True)
    conditions = models.TextField("điều kiện thực hiện", blank=True)
    legal_basis = models.TextField("căn cứ pháp lý", blank=True)
    notes = models.TextField("ghi chú", blank=True)
    source_document = models.CharField("văn bản công bố", max_length=500, blank=True)
    source = models.JSONField("nguồn", default=dict, blank=True)
    # e-form fields a citizen fills when filing online: [{"name", "label", "type", "required"}].
    form_fields = models.JSONField("trường tờ khai điện tử", default=list, blank=True)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "phiên bản thủ tục"
        verbose_name_plural = "phiên bản thủ tục"
        ordering = ["procedure", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "effective_from"], name="procedureversion_unique_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} ({self.effective_from:%d/%m/%Y})"

    def clean(self) -> None:
        from .eforms import check_form_fields

        _fields, problems = check_form_fields(self.form_fields)
        if problems:
            raise ValidationError({"form_fields": [f"{vi} ({en})" for vi, en in problems]})
        if self.legal_days is None and self.legal_hours is None and not self.same_day_text():
            pass  # limit may be unknown for some published records (several cases); reported by import
        if (
            self.registered_days is not None
            and self.legal_days is not None
            and self.registered_days > self.legal_days
        ):
            raise ValidationError(
                {"registered_days": "Thời hạn cắt giảm không được dài hơn thời hạn luật định."}
            )
        for f in ("legal_days", "legal_hours", "registered_days"):
            v = getattr(self, f)
            if v is not None and v < 0:
                raise ValidationError({f: "Thời hạn không được âm."})

    def same_day_text(self) -> bool:
        return "trong ngày" in fold(self.time_text) or "ngay sau khi" in fold(self.time_text)

    @property
    def applied_days(self) -> Decimal | None:
        """The limit dossiers get: the registered (shortened) one if any, else the legal one (contract §5)."""
        return self.registered_days if self.registered_days is not None else self.legal_days

    def registered_for(self, agency_days: Decimal | None) -> Decimal | None:
        """The shortened limit in force at an agency: its own registration (`Offering.registered_days`) when it
        has one this version can take (a limit in days no longer than the legal one), else the version's. An
        agency's registration longer than a later version's legal limit is not applied (ADR 0004 addendum)."""
        if agency_days is not None and self.legal_days is not None and agency_days <= self.legal_days:
            return agency_days
        return self.registered_days

    def limit_hours(self, agency_days: Decimal | None = None) -> Decimal | None:
        """The applied limit in working hours (days × 8), or None when the catalogue gives no single limit; with
        `agency_days`, the receiving agency's own registered limit (`registered_for`)."""
        registered = self.registered_for(agency_days)
        if registered is not None:
            return registered * HOURS_PER_DAY
        if self.legal_days is not None:
            return self.legal_days * HOURS_PER_DAY
        if self.legal_hours is not None:
            return self.legal_hours
        return None

    @property
    def is_same_day(self) -> bool:
        return self.legal_days is not None and self.legal_days == 0

    def legal_limit_text(self) -> str:
        """The legal limit in words: '03 ngày làm việc', '6 giờ làm việc', 'Trong ngày'; '' when not single. In the
        active language (the pages' English says '03 working days')."""
        if self.legal_days is not None:
            if self.legal_days == 0:
                return gettext("Trong ngày")
            n = {"n": local_days(self.legal_days)}
            if self.counts_working_days:
                return gettext("%(n)s ngày làm việc") % n
            return gettext("%(n)s ngày") % n
        if self.legal_hours is not None:
            return gettext("%(n)s giờ làm việc") % {"n": number_format(self.legal_hours.normalize())}
        return ""

    @property
    def counts_working_days(self) -> bool:
        """The published limit is in working days ("ngày làm việc" in the days' basis)."""
        return "lam viec" in fold(self.days_basis) or "working" in self.days_basis

    def registered_limit_text(self, agency_days: Decimal | None = None) -> str:
        """As decisions publish it: '02 ngày (cắt giảm 01/03, 33,33%)'; with `agency_days`, the limit registered
        at that agency (`registered_for`). In the active language, numbers written as it writes them."""
        registered = self.registered_for(agency_days)
        if registered is None or self.legal_days in (None, 0):
            return ""
        cut = self.legal_days - registered
        pct = (cut / self.legal_days * 100).quantize(Decimal("0.01"))
        if self.counts_working_days:  # a citizen reads "22 ngày" as calendar days
            text = gettext("%(days)s ngày làm việc (cắt giảm %(cut)s/%(legal)s, %(pct)s%%)")
        else:
            text = gettext("%(days)s ngày (cắt giảm %(cut)s/%(legal)s, %(pct)s%%)")
        return text % {
            "days": local_days(registered),
            "cut": local_days(cut),
            "legal": local_days(self.legal_days),
            "pct": number_format(pct, 2),
        }


def registered_days_at(procedure: Procedure, agency: Agency | None) -> Decimal | None:
    """The limit in working days `agency` registered for `procedure` (`Offering.registered_days`), or None (no
    agency, not listed there, or no cut of its own). For the catalogue's checks; the live path reads the reference
    cache (`selectors.agency_registered_days`)."""
    if agency is None or procedure is None:
        return None
    return (
        Offering.objects.filter(procedure=procedure, agency=agency)
        .values_list("registered_days", flat=True)
        .first()
    )


def local_days(value: Decimal) -> str:
    """`fmt_days` with the active language's decimal separator (0,5 in Vietnamese, 0.5 in English)."""
    if value == value.to_integral_value():
        return f"{int(value):02d}"
    return number_format(value.normalize())


def fmt_days(value: Decimal) -> str:
    """Two-digit day counts as decisions write them: 2 → '02', 0.5 → '0,5'."""
    if value == value.to_integral_value():
        return f"{int(value):02d}"
    return format(value.normalize(), "f").replace(".", ",")


class ProcedureComponent(CheckedTextModel, models.Model):
    """A dossier component (thành phần hồ sơ) of a procedure version."""

    version = models.ForeignKey(ProcedureVersion, on_delete=models.CASCADE, related_name="components")
    order = models.PositiveIntegerField("thứ tự", default=1)
    name = models.CharField("tên giấy tờ", max_length=1000)
    originals = models.PositiveIntegerField("số bản chính", default=1)
    copies = models.PositiveIntegerField("số bản sao", default=0)
    required = models.BooleanField("bắt buộc", default=True)
    note = models.TextField("ghi chú", blank=True)
    template = models.FileField("mẫu đơn, tờ khai", upload_to="templates/", blank=True)
    template_url = models.URLField(
        "liên kết mẫu đơn, tờ khai",
        max_length=1000,
        blank=True,
        help_text="Ví dụ trên csdl.dichvucong.gov.vn",
    )

    class Meta:
        verbose_name = "thành phần hồ sơ"
        verbose_name_plural = "thành phần hồ sơ"
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.name


class ProcessTemplate(models.Model):
    """The internal process (quy trình nội bộ) of a procedure at an agency; agency null = the default."""

    procedure = models.ForeignKey(
        Procedure, verbose_name="thủ tục", on_delete=models.CASCADE, related_name="process_templates"
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name="cơ quan",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Để trống: quy trình mặc định của thủ tục.",
    )
    total_hours = models.DecimalField(
        "tổng thời gian (giờ làm việc)", max_digits=8, decimal_places=2, validators=_HOURS_BOUNDS
    )
    total_text = models.TextField("tổng thời gian (nguyên văn)", blank=True)
    source = models.JSONField(default=dict, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    content_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "quy trình nội bộ"
        verbose_name_plural = "quy trình nội bộ"
        constraints = [
            models.UniqueConstraint(fields=["procedure", "agency"], name="processtemplate_unique"),
            # the rule above ignores a NULL agency: one default process per procedure (reception reads one)
            models.UniqueConstraint(
                fields=["procedure"],
                condition=models.Q(agency__isnull=True),
                name="processtemplate_unique_default",
                violation_error_message=_(
                    "Thủ tục này đã có quy trình nội bộ mặc định (không gắn cơ quan): hãy sửa quy trình đó, hoặc "
                    "chọn cơ quan cho quy trình riêng của cơ quan."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"Quy trình {self.procedure.code}"

    def step_hours_sum(self) -> Decimal:
        return sum((s.hours for s in self.steps.all() if s.hours is not None), Decimal(0))


# Who works a step of an internal process: the agency's staff who act on dossiers. An overseer (HĐND) reads and an
# administrator configures; neither holds a step (no one could then hand it over or be given it).
STEP_ROLES = (Role.OFFICER, Role.SPECIALIST, Role.UNIT_HEAD, Role.LEADER)
STEP_ROLE_CHOICES = [(r.value, r.label) for r in STEP_ROLES]


class ProcessStep(CheckedTextModel, models.Model):
    template = models.ForeignKey(
        ProcessTemplate, verbose_name="quy trình", on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveIntegerField("thứ tự")
    label = models.CharField("bước", max_length=50, blank=True)
    actor = models.CharField("người thực hiện", max_length=500)
    role = models.CharField("vai trò", max_length=20, choices=STEP_ROLE_CHOICES, default=Role.SPECIALIST)
    task = models.TextField("nội dung công việc", blank=True)
    time_text = models.CharField("thời gian (nguyên văn)", max_length=200, blank=True)
    hours = models.DecimalField(
        "thời gian (giờ làm việc)",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_HOURS_BOUNDS,
    )
    # Inter-agency step (liên thông): done at another agency, identified by its identifier when known.
    inter_agency = models.BooleanField("liên thông", default=False)
    partner_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "bước xử lý"
        verbose_name_plural = "bước xử lý"
        ordering = ["template", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "order"], name="processstep_unique_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.actor}"


class Offering(models.Model):
    """An agency publicly lists (niêm yết) and receives a procedure."""

    agency = models.ForeignKey(
        Agency, verbose_name="cơ quan", on_delete=models.CASCADE, related_name="offerings"
    )
    procedure = models.ForeignKey(
        Procedure, verbose_name="thủ tục", on_delete=models.CASCADE, related_name="offerings"
    )
    online = models.BooleanField("nhận trực tuyến", default=True)
    since = models.DateField("niêm yết từ", null=True, blank=True)
    # The agency's own shortened limit (the province's or the agency's decision registering a cut for it), in
    # working days; empty = the procedure version's registered limit, else its legal one (contract §5).
    registered_days = models.DecimalField(
        "thời hạn cơ quan đăng ký cắt giảm (ngày làm việc)",
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Để trống nếu cơ quan áp dụng thời hạn của thủ tục. Không dài hơn thời hạn luật định của phiên bản "
            "đang có hiệu lực."
        ),
    )

    class Meta:
        verbose_name = "thủ tục niêm yết"
        verbose_name_plural = "thủ tục niêm yết"
        constraints = [models.UniqueConstraint(fields=["agency", "procedure"], name="offering_unique")]

    def __str__(self) -> str:
        return f"{self.agency} — {self.procedure.code}"

    def clean(self) -> None:
        """An agency's registered limit is a cut of the legal limit in working days of the version in force."""
        days = self.registered_days
        if days is None:
            return
        if days < 0:
            raise ValidationError({"registered_days": _("Thời hạn không được âm.")})
        if not self.procedure_id:
            return
        from django.utils import timezone

        version = (
            ProcedureVersion.objects.filter(
                procedure_id=self.procedure_id, effective_from__lte=timezone.localdate()
            )
            .order_by("-effective_from")
            .first()
        )
        if version is None or version.legal_days is None:
            raise ValidationError(
                {
                    "registered_days": _(
                        "Thủ tục chưa có thời hạn luật định tính bằng ngày làm việc: không đăng ký cắt giảm được."
                    )
                }
            )
        if days > version.legal_days:
            raise ValidationError(
                {
                    "registered_days": _(
                        "Thời hạn cắt giảm không được dài hơn thời hạn luật định (%(days)s ngày làm việc)."
                    )
                    % {"days": fmt_days(version.legal_days)}
                }
            )
