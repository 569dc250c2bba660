"""Notifications: `notify` writes outbox rows (in the caller's transaction), delivery happens after commit and is
retried by `motcua send-outbox`.

Guarantees:
- at most one row per (event, channel, recipient) — a unique constraint, and a `dedupe_key` for notifications
  without an event (same template + same context + same recipient = the same message);
- a row is sent by exactly one sender: a sender first CLAIMS it with `UPDATE … SET status='sending' WHERE
  id=… AND status='pending'` (an atomic compare-and-set on SQLite and PostgreSQL alike) and only the sender whose
  UPDATE changed the row sends it;
- nothing is sent for a rolled-back action: rows are written inside the action's transaction and delivery is
  scheduled with `transaction.on_commit`;
- a failing channel is retried with exponential backoff (MOTCUA_OUTBOX_BACKOFF_SECONDS × 2^(attempts-1), capped at
  6 h) and marked `failed` after MOTCUA_OUTBOX_MAX_ATTEMPTS attempts.

A sender that dies between claiming and recording the result leaves the row `sending`; after
MOTCUA_OUTBOX_LEASE_SECONDS the next `send-outbox` run puts it back to `pending` (the only case where a message
could be delivered twice: the crash happened after the provider accepted it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Channel, Outbox, Status
from .recipients import RecipientError, normalise_email, normalise_phone
from .sms import PermanentFailure, get_adapter

logger = logging.getLogger(__name__)

TEMPLATES = {
    "received": _("Tiếp nhận hồ sơ"),
    "supplement_requested": _("Yêu cầu bổ sung hồ sơ"),
    "refused": _("Từ chối tiếp nhận hồ sơ"),
    "apology": _("Xin lỗi và hẹn lại ngày trả kết quả"),
    "resolved": _("Hồ sơ đã có kết quả"),
    "payment_requested": _("Yêu cầu thực hiện nghĩa vụ tài chính"),
    "stopped": _("Dừng giải quyết hồ sơ"),
    "returned": _("Kết quả đã được gửi"),
    "resumed": _("Tiếp tục giải quyết, hẹn trả kết quả mới"),
    "feedback_answered": _("Phản ánh, kiến nghị đã được trả lời"),
    "feedback_rejected": _("Phản ánh, kiến nghị không được xử lý"),
    "apology_reminder": _("Nhắc gửi thư xin lỗi (cán bộ)"),  # to the responsible staff, not to the applicant
    "feedback_dissatisfied": _("Người gửi không hài lòng với trả lời (cán bộ)"),  # to the PAKN's handlers
}
MAX_BACKOFF = dt.timedelta(hours=6)


def max_attempts() -> int:
    return int(getattr(settings, "MOTCUA_OUTBOX_MAX_ATTEMPTS", 5))


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt `attempts + 1`: base × 2^(attempts-1), capped at 6 hours."""
    base = float(getattr(settings, "MOTCUA_OUTBOX_BACKOFF_SECONDS", 60))
    return min(dt.timedelta(seconds=base * (2 ** max(attempts - 1, 0))), MAX_BACKOFF)


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "MOTCUA_OUTBOX_LEASE_SECONDS", 900)))


# --- rendering ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def render(template: str, channel: str, context: dict) -> Rendered:
    if template not in TEMPLATES:
        raise ValueError(f"Unknown notification template '{template}' (known: {', '.join(TEMPLATES)}).")
    base = f"notifications/{template}/"
    subject = " ".join(render_to_string(base + "subject.txt", context).split())
    try:
        body = render_to_string(base + ("email.txt" if channel == Channel.EMAIL else "sms.txt"), context)
    except TemplateDoesNotExist:
        body = subject
    return Rendered(subject=subject[:300], body=body.strip() + ("\n" if channel == Channel.EMAIL else ""))


def _digest(context: dict) -> str:
    blob = json.dumps(context, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:32]


# --- enqueue --------------------------------------------------------------------------------------------------


def key_prefix(key: str) -> str:
    """The start of the outbox rows' `dedupe_key` for a notification queued with `key` (one row per channel and
    recipient follows it): how a caller finds the rows it queued."""
    return f"key:{key}:"


def notify(
    *,
    recipient_email: str | None = None,
    recipient_phone: str | None = None,
    template: str,
    context: dict,
    dossier=None,
    event=None,
    key: str | None = None,
) -> list[Outbox]:
    """Queue `template` for the given e-mail address and/or mobile number and deliver it after the current
    transaction commits. Calling it again for the same event (or, without an event, the same template, context
    — or `key` — and recipient) returns the existing rows and sends nothing new. Invalid recipients are skipped
    (logged), so a notification never breaks the action that caused it."""
    if template not in TEMPLATES:
        raise ValueError(f"Unknown notification template '{template}' (known: {', '.join(TEMPLATES)}).")
    targets: list[tuple[str, str]] = []
    if recipient_email:
        try:
            targets.append((Channel.EMAIL, normalise_email(recipient_email)))
        except RecipientError:
            logger.warning("notify(%s): invalid e-mail recipient skipped", template)
    if recipient_phone:
        try:
            targets.append((Channel.SMS, normalise_phone(recipient_phone)))
        except RecipientError:
            logger.warning("notify(%s): invalid mobile number skipped", template)
    if dossier is None and event is not None:
        dossier = event.dossier
    rows: list[Outbox] = []
    now = timezone.now()
    for channel, recipient in targets:
        if event is not None:
            dedupe = f"event:{event.pk}:{channel}:{recipient}"
        elif key:
            dedupe = f"{key_prefix(key)}{channel}:{recipient}"[:255]
        else:
            dedupe = f"ctx:{template}:{_digest(context)}:{channel}:{recipient}"[:255]
        existing = Outbox.objects.filter(dedupe_key=dedupe).first()
        if existing is not None:
            rows.append(existing)
            continue
        rendered = render(template, channel, context)
        try:
            with transaction.atomic():
                row = Outbox.objects.create(
                    dossier=dossier,
                    event=event,
                    template=template,
                    channel=channel,
                    recipient=recipient,
                    subject=rendered.subject,
                    body=rendered.body,
                    dedupe_key=dedupe,
                    next_attempt_at=now,
                )
        except IntegrityError:  # a concurrent notify() for the same message won the race
            row = Outbox.objects.filter(dedupe_key=dedupe).first()
            if row is None:
                raise
        rows.append(row)
    ids = [r.pk for r in rows if r.status == Status.PENDING]
    if ids and getattr(settings, "MOTCUA_NOTIFY_ON_COMMIT", True):
        transaction.on_commit(lambda: deliver_ids(ids))
    return rows


# --- delivery -------------------------------------------------------------------------------------------------


def _send(row: Outbox) -> None:
    if row.channel == Channel.EMAIL:
        message = EmailMessage(
            subject=row.subject,
            body=row.body,
            from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
            to=[row.recipient],
        )
        mailers.default.send_messages([message])
    elif row.channel == Channel.SMS:
        get_adapter().send(to=row.recipient, body=row.body)
    else:  # pragma: no cover — guarded by choices
        raise ValueError(f"Unknown channel {row.channel}")


def claim(pk: int, now: dt.datetime | None = None) -> bool:
    """Atomically take a pending, due row for sending. True only for the one caller whose UPDATE changed it."""
    now = now or timezone.now()
    changed = Outbox.objects.filter(pk=pk, status=Status.PENDING, next_attempt_at__lte=now).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    return changed == 1


def deliver_one(pk: int, now: dt.datetime | None = None) -> str | None:
    """Claim and send one row. Returns 'sent', 'retry', 'failed', or None when another sender has it / it is
    not due."""
    now = now or timezone.now()
    if not claim(pk, now):
        return None
    row = Outbox.objects.get(pk=pk)
    try:
        _send(row)
    except Exception as exc:  # noqa: BLE001 — any provider failure is retried, unless retrying cannot help
        error = (str(exc) if isinstance(exc, PermanentFailure) else f"{type(exc).__name__}: {exc}")[:2000]
        if row.attempts >= max_attempts() or isinstance(exc, PermanentFailure):
            Outbox.objects.filter(pk=pk, status=Status.SENDING).update(
                status=Status.FAILED, last_error=error, next_attempt_at=None
            )
            logger.error("outbox #%s failed after %s attempts: %s", pk, row.attempts, error)
            return "failed"
        Outbox.objects.filter(pk=pk, status=Status.SENDING).update(
            status=Status.PENDING, last_error=error, next_attempt_at=now + backoff(row.attempts)
        )
        logger.warning("outbox #%s attempt %s failed, will retry: %s", pk, row.attempts, error)
        return "retry"
    Outbox.objects.filter(pk=pk, status=Status.SENDING).update(
        status=Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return "sent"


def deliver_ids(ids: list[int]) -> None:
    """After-commit hook: try to send the rows just queued (failures stay pending for `send-outbox`)."""
    for pk in ids:
        try:
            deliver_one(pk)
        except Exception:  # noqa: BLE001 — never let a notification break the request that queued it
            logger.exception("outbox #%s: delivery crashed; left for send-outbox", pk)


def due_ids(now: dt.datetime | None = None, limit: int = 100) -> list[int]:
    now = now or timezone.now()
    return list(
        Outbox.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def release_stale(now: dt.datetime | None = None) -> int:
    """Rows left `sending` by a sender that died: back to pending (or failed when out of attempts)."""
    now = now or timezone.now()
    stale = Outbox.objects.filter(status=Status.SENDING, claimed_at__lt=now - lease())
    failed = stale.filter(attempts__gte=max_attempts()).update(
        status=Status.FAILED, last_error="Sender interrupted; no attempts left.", next_attempt_at=None
    )
    return failed + stale.update(status=Status.PENDING, next_attempt_at=now)


def send_outbox(*, limit: int = 100, now: dt.datetime | None = None) -> dict[str, int]:
    """One pass over the due rows (what `motcua send-outbox` runs from cron). Safe to run concurrently."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0, "released": release_stale(now)}
    for pk in due_ids(now, limit):
        result = deliver_one(pk, now)
        counts[result or "skipped"] += 1
    return counts


# --- what the one-stop officer sees and can do ------------------------------------------------------------------


def may_resend(user, dossier) -> bool:
    """A one-stop officer of the dossier's agency (the desk that talks to the applicant), or an administrator."""
    from motcua.org.selectors import is_one_stop_officer

    return dossier is not None and is_one_stop_officer(user, dossier.agency)


def resend(*, pk: int, user) -> Outbox:
    """Send a failed notification again, on a one-stop officer's request (after checking the applicant's address
    or number, say): the row is pending again with its attempts reset, and is delivered after commit (or by the
    next `send-outbox` pass)."""
    from motcua.core.errors import NotFound, PermissionDenied

    with transaction.atomic():
        row = Outbox.objects.select_for_update().filter(pk=pk).first()
        dossier = row.dossier if row is not None and row.dossier_id else None
        if dossier is None:
            raise NotFound(f"Không tìm thấy thông báo số {pk}.", f"Notification {pk} not found.")
        if not may_resend(user, dossier):
            raise PermissionDenied(
                "Chỉ cán bộ Bộ phận Một cửa của cơ quan tiếp nhận hồ sơ mới gửi lại được thông báo.",
                "Only a one-stop officer of the receiving agency may send a notification again.",
            )
        requeue(row, user)
    row.refresh_from_db()
    return row


def requeue(row: Outbox, user) -> None:
    """Put a failed notification back in the queue, attempts reset, delivered after commit (or by the next
    `send-outbox` pass). The caller holds the row locked (select_for_update) in its transaction and has checked
    that `user` may ask for it (`resend` for a dossier's; the PAKN desk for a PAKN sender's)."""
    from motcua.core.errors import Conflict

    if row.status != Status.FAILED:
        raise Conflict(
            "Chỉ gửi lại được thông báo đã gửi không thành công.",
            "Only a notification that failed can be sent again.",
            code="not_failed",
        )
    Outbox.objects.filter(pk=row.pk).update(
        status=Status.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None
    )
    logger.info(
        "outbox #%s sent again at the request of %s (was: %s)", row.pk, user.get_username(), row.last_error
    )
    if getattr(settings, "MOTCUA_NOTIFY_ON_COMMIT", True):
        pk = row.pk
        transaction.on_commit(lambda: deliver_ids([pk]))
