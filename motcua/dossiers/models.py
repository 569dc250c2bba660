"""Dossiers (hồ sơ) and their immutable, hash-chained event history.

Timings asked for often (received_at, due_at, resolved_at, classification) are stored on the dossier and indexed
so that statistics are aggregate queries; the event log remains the truth they are derived from
(`motcua verify-history` checks the chains, the statistics checker recomputes from events).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from motcua.catalog.models import Procedure, ProcedureComponent, ProcedureVersion
from motcua.core.prepared import CompiledSaveMixin
from motcua.org.models import Agency, Role, Unit


class State(models.TextChoices):
    SUBMITTED = "submitted", _("Mới đăng ký")
    RECEIVED = "received", _("Được tiếp nhận")
    REFUSED = "refused", _("Không được tiếp nhận")
    PROCESSING = "processing", _("Đang xử lý")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Yêu cầu bổ sung")
    AWAITING_PAYMENT = "awaiting_payment", _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWAL_REQUESTED = "withdrawal_requested", _("Công dân yêu cầu rút hồ sơ")
    STOPPED = "stopped", _("Dừng xử lý")
    RESOLVED = "resolved", _("Đã xử lý xong")
    RETURNED = "returned", _("Đã trả kết quả")


class Channel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    COUNTER = "counter", _("Trực tiếp")
    POSTAL = "postal", _("Qua bưu chính")


class ReturnMethod(models.TextChoices):
    COUNTER = "counter", _("Tại Bộ phận Một cửa")
    POST = "post", _("Qua dịch vụ bưu chính")
    ELECTRONIC = "electronic", _("Trực tuyến (kết quả điện tử)")


class Classification(models.TextChoices):
    EARLY = "early", _("Trước hạn")
    ON_TIME = "on_time", _("Đúng hạn")
    LATE = "late", _("Quá hạn")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Giải quyết (có kết quả)")
    INELIGIBLE = "ineligible", _("Không đủ điều kiện giải quyết")


class ApplicantKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Cá nhân")
    ORGANIZATION = "organization", _("Tổ chức")


class DailySequence(models.Model):
    """Per agency and registration day, the last sequence number used. Incremented in the same transaction as the
    dossier insert, so codes are unique and gap-free under concurrent registration."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="dailysequence_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day} #{self.last}"


class Dossier(CompiledSaveMixin, models.Model):
    code = models.CharField("mã hồ sơ", max_length=80)  # unique: Meta.constraints (no LIKE twin index)
    agency = models.ForeignKey(
        Agency,
        verbose_name="cơ quan tiếp nhận",
        on_delete=models.PROTECT,
        related_name="dossiers",
        db_index=False,  # (agency, received_at) and the other composites lead with agency
    )
    procedure = models.ForeignKey(
        Procedure, verbose_name="thủ tục", on_delete=models.PROTECT, related_name="dossiers"
    )
    procedure_version = models.ForeignKey(
        ProcedureVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # no query filters on it (only PROTECT when a version is deleted: never done)
    )
    field_id_snapshot = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Field (lĩnh vực) of the procedure version filed under.",
    )
    channel = models.CharField("kênh nộp", max_length=10, choices=Channel.choices)
    state = models.CharField("trạng thái", max_length=24, choices=State.choices)  # index (state, agency)
    resume_state = models.CharField(max_length=24, blank=True)

    # Applicant (người nộp) and the authorised representative (ủy quyền), if any.
    applicant_kind = models.CharField(
        max_length=12, choices=ApplicantKind.choices, default=ApplicantKind.INDIVIDUAL
    )
    applicant_name = models.CharField("người nộp", max_length=255)
    # Searched with LIKE '%…%' (selectors.search_dossiers): a B-tree index cannot serve that, so none.
    applicant_name_ascii = models.CharField(max_length=255, editable=False)
    applicant_id_number = models.CharField("số định danh / mã số thuế", max_length=20, blank=True)
    applicant_address = models.CharField("địa chỉ", max_length=500, blank=True)
    applicant_phone = models.CharField("điện thoại", max_length=30, blank=True)
    applicant_email = models.EmailField("thư điện tử", blank=True)
    representative = models.JSONField("người được ủy quyền", default=dict, blank=True)
    # Partial indexes (Meta.indexes, IS NOT NULL): imported and counter dossiers have none and cost nothing.
    applicant_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossiers",
        db_index=False,
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    form_data = models.JSONField("tờ khai điện tử", default=dict, blank=True)
    result_method = models.CharField(
        "hình thức nhận kết quả", max_length=12, choices=ReturnMethod.choices, default=ReturnMethod.COUNTER
    )

    # Timing (contract §5). limit_hours = the limit applied at reception, in working hours.
    limit_hours = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField("ngày tiếp nhận", null=True, blank=True, db_index=True)
    counting_starts_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField("hẹn trả", null=True, blank=True, db_index=True)
    initial_due_at = models.DateTimeField(null=True, blank=True)
    paused_since = models.DateTimeField(null=True, blank=True)
    paused_hours = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    # When the clock last stopped or resumed (paused_since set or cleared): the statistics of a past period find
    # by it the few dossiers whose due instant or pause at the period's end differs from their columns now
    # (reports.asof); partial index in Meta.indexes.
    clock_changed_at = models.DateTimeField(null=True, blank=True)
    new_return_at = models.DateTimeField("hẹn lại (thư xin lỗi)", null=True, blank=True)
    resolved_at = models.DateTimeField("ngày có kết quả", null=True, blank=True, db_index=True)
    # Set at resolution (lifecycle.processing_seconds): working time from the counting start to the resolution
    # minus the paused time; summed by the statistics summary for Decision 766 indicator 2.2.
    processing_seconds = models.BigIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    classification = models.CharField(max_length=8, choices=Classification.choices, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    return_method = models.CharField(max_length=12, choices=ReturnMethod.choices, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)  # partial index in Meta.indexes
    supplement_rounds = models.PositiveIntegerField(default=0)

    imported = models.BooleanField(default=False)
    version = models.PositiveIntegerField(
        default=0, help_text="Incremented by every action (optimistic locking)."
    )
    last_event_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "hồ sơ"
        verbose_name_plural = "hồ sơ"
        ordering = ["-created_at"]
        # Every index here is read by a query in the code: docs/adr/0018-dossier-indexes.md says which.
        constraints = [models.UniqueConstraint(fields=["code"], name="dossier_code_unique")]
        indexes = [
            models.Index(fields=["agency", "received_at"], name="dossier_agency_received"),
            models.Index(fields=["agency", "resolved_at"], name="dossier_agency_resolved"),
            models.Index(fields=["state", "agency"], name="dossier_state_agency"),
            models.Index(
                fields=["stopped_at"], name="dossier_stopped_at", condition=models.Q(stopped_at__isnull=False)
            ),
            models.Index(
                fields=["applicant_user"],
                name="dossier_applicant_user",
                condition=models.Q(applicant_user__isnull=False),
            ),
            models.Index(
                fields=["filed_by"], name="dossier_filed_by", condition=models.Q(filed_by__isnull=False)
            ),
            models.Index(
                fields=["clock_changed_at", "received_at"],
                name="dossier_clock_changed",
                condition=models.Q(clock_changed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None

    def refresh_from_db(self, *args, **kwargs):
        # services.steps_of / events_of and selectors.documents_of per-object caches
        for cache in ("_motcua_steps", "_motcua_events", "_motcua_documents"):
            self.__dict__.pop(cache, None)
        super().refresh_from_db(*args, **kwargs)


# The task services records for an inter-agency step handed over without a note (a record: kept in Vietnamese).
INTER_AGENCY_TASK = "Phối hợp giải quyết liên thông"
_(
    "Phối hợp giải quyết liên thông"
)  # the msgid of task_shown's translation (makemessages reads literals only)


class DossierStep(CompiledSaveMixin, models.Model):
    """One step of the dossier's internal process (instantiated from the procedure's template at reception)."""

    # dossier: the unique (dossier, order) constraint's index serves every lookup by dossier
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps", db_index=False)
    order = models.PositiveIntegerField()
    label = models.CharField(max_length=200, blank=True)
    actor = models.CharField("người/bộ phận thực hiện", max_length=500)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SPECIALIST)
    task = models.TextField(blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )  # no query filters steps by unit
    inter_agency = models.BooleanField(default=False)
    hours = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dossier_steps",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    classification = models.CharField(max_length=8, choices=Classification.choices, blank=True)

    class Meta:
        ordering = ["dossier", "order"]
        constraints = [models.UniqueConstraint(fields=["dossier", "order"], name="dossierstep_unique_order")]
        indexes = [
            # the steps someone holds now (transfer.py: the heads' page and the inbox's warning): a few open
            # steps among the millions completed, so the index stays small and the warning costs no scan
            models.Index(
                fields=["agency", "assignee"],
                name="dossierstep_open_held",
                condition=models.Q(completed_at__isnull=True, assignee__isnull=False),
            ),
        ]

    @property
    def task_shown(self) -> str:
        """The step's task as the page shows it: the words services gives an inter-agency step without a note
        (INTER_AGENCY_TASK, stored in Vietnamese as the record) in the reader's language, any other text as written."""
        return str(_(INTER_AGENCY_TASK)) if self.task == INTER_AGENCY_TASK else self.task

    def __str__(self) -> str:
        return f"{self.dossier.code} #{self.order} {self.actor}"


class DossierEvent(CompiledSaveMixin, models.Model):
    """An immutable record of one action. `hash` = SHA-256 over the previous event's hash and this event's
    canonical content; `motcua verify-history` recomputes every chain."""

    # dossier: the unique (dossier, seq) constraint's index serves every lookup by dossier
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events", db_index=False)
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=32)
    at = models.DateTimeField()  # the (action, at) index serves the queries on it
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # partial index in Meta.indexes (imported events have no actor)
    )
    actor_name = models.CharField(max_length=255, blank=True)
    from_state = models.CharField(max_length=24, blank=True)
    to_state = models.CharField(max_length=24)
    step_order = models.PositiveIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    file_hashes = models.JSONField(default=list, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "seq"]
        constraints = [models.UniqueConstraint(fields=["dossier", "seq"], name="dossierevent_unique_seq")]
        indexes = [
            models.Index(fields=["action", "at"], name="dossierevent_action_at"),
            models.Index(
                fields=["actor"], name="dossierevent_actor", condition=models.Q(actor__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id}#{self.seq} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk and not kwargs.pop("_allow_update", False):
            raise ValueError("Dossier events are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Dossier events are immutable.")


class DocumentKind(models.TextChoices):
    COMPONENT = "component", _("Thành phần hồ sơ")
    SUPPLEMENT = "supplement", _("Tài liệu bổ sung")
    AUTHORISATION = "authorisation", _("Văn bản ủy quyền")
    RESULT = "result", _("Kết quả giải quyết")
    NOTICE = "notice", _("Văn bản thông báo")
    CONSENT = "consent", _("Phiếu đồng ý nộp hộ")
    OTHER = "other", _("Khác")


class DossierDocument(models.Model):
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=16, choices=DocumentKind.choices, default=DocumentKind.COMPONENT)
    component = models.ForeignKey(
        ProcedureComponent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=500)
    file = models.FileField(upload_to="dossiers/%Y/%m/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "uploaded_at"]

    def __str__(self) -> str:
        return self.name


class IdempotencyKey(models.Model):
    """`Idempotency-Key` of a filing request: a retried submission returns the dossier created the first time."""

    key = models.CharField(max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    request_hash = models.CharField(max_length=64)
    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotencykey_unique")]

    def __str__(self) -> str:
        return self.key


class AccessKind(models.TextChoices):
    VIEW = "view", _("Xem hồ sơ")
    DOCUMENT = "document", _("Tải tài liệu")
    FORM = "form", _("Tải biểu mẫu")


class DossierAccess(models.Model):
    """One read of a dossier's personal data by someone other than its applicant (staff, an overseer, the
    community-team member who filed it): who, when, what, through which channel. Append-only, like the events;
    the applicant and the agency's leadership read it (ADR 0024). The reader's name and role are kept as they were
    at the read, so the record stays true after an account is renamed, moved or removed."""

    dossier = models.ForeignKey(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="accesses", db_index=False
    )
    at = models.DateTimeField(_("thời điểm"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user_name = models.CharField(_("người xem"), max_length=255)
    # "Chuyên viên xử lý — Sở Tư pháp", as at the read
    capacity = models.CharField(_("tư cách"), max_length=300, blank=True)
    kind = models.CharField(_("nội dung"), max_length=16, choices=AccessKind.choices)
    detail = models.CharField(_("tài liệu, biểu mẫu"), max_length=500, blank=True)
    channel = models.CharField(_("kênh"), max_length=8)  # "web" or "api"
    ip = models.CharField(_("địa chỉ IP"), max_length=45, blank=True)

    class Meta:
        verbose_name = _("lượt truy cập hồ sơ")
        verbose_name_plural = _("nhật ký truy cập hồ sơ")
        ordering = ["dossier", "at", "pk"]
        indexes = [
            models.Index(fields=["dossier", "at"], name="dossieraccess_dossier_at"),
            models.Index(fields=["user", "at"], name="dossieraccess_user_at"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier_id} {self.kind} {self.user_name} {self.at:%Y-%m-%d %H:%M}"

    def capacity_display(self) -> str:
        """The capacity in the page's language (access_log.capacity_display); stored as at the read, in Vietnamese."""
        from .access_log import capacity_display

        return capacity_display(self.capacity)

    def save(self, *args, **kwargs):
        if self.pk:
            raise ValueError("Access records are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Access records are immutable.")
