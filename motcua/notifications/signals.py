"""Notify applicants of the lifecycle events that concern them.

Listens to `post_save` of DossierEvent (created exactly once per action, inside the action's transaction): the
outbox rows are written in that same transaction (so they vanish with a refused/rolled-back action) and sent
after commit (services.notify uses transaction.on_commit). Imported (migrated) dossiers and back-dated events
(see is_news) are never notified.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from motcua.core.i18n import vietnamese
from motcua.core.text import dong, strip_marks
from motcua.dossiers import lifecycle
from motcua.dossiers.models import DossierEvent, Outcome

from . import services

logger = logging.getLogger(__name__)

LOCAL = lifecycle.LOCAL

# action → notification template (issue: receipt, supplement request, refusal, apology, result ready; and what the
# applicant must know besides: a fee to pay, a dossier stopped)
EVENT_TEMPLATES = {
    "receive": "received",
    "request_supplement": "supplement_requested",
    "refuse": "refused",
    "apologize": "apology",
    "resolve": "resolved",
    "request_payment": "payment_requested",  # the applicant has to act: pay the fee
    "stop": "stopped",  # the agency stopped it (or did as the applicant asked): nothing more will come
    "return_result": "returned",  # sent by post (with its tracking number) or delivered electronically
    # the clock runs again, the appointment moved by the time paused: the new date is the applicant's to know
    "supplement": "resumed",
    "confirm_payment": "resumed",
}
# A result handed over at the counter reaches an applicant who is there: nothing to tell them.
RETURN_METHODS_NOTIFIED = ("post", "electronic")


def fmt(value) -> str:
    """dd/mm/yyyy HH:MM in local time ('' when absent)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        value = parse_datetime(value)
        if value is None:
            return ""
    return value.astimezone(LOCAL).strftime("%H:%M ngày %d/%m/%Y")


def site_url() -> str:
    return settings.MOTCUA_SITE_URL.rstrip("/")


def days_text(limit_hours) -> str:
    if limit_hours is None:
        return "theo quy định"
    days = limit_hours / 8
    if days == 0:
        return "trong ngày"
    if days == int(days):
        return f"{int(days):02d} ngày làm việc"
    return f"{str(days.normalize()).replace('.', ',')} ngày làm việc"


def vnd(value) -> str:
    """1400000 → '1.400.000 đồng' ('' when absent)."""
    return dong(value)


SMS_ITEMS_CHARS = 100  # what to supplement, in a text message: the names, cut to about one segment's worth


def ascii_text(value) -> str:
    """Vietnamese text without diacritics, case kept, for a text message (GSM 7-bit): 'Giấy đề nghị' → 'Giay de
    nghi'."""
    return " ".join("".join(ch for ch in strip_marks(value) if ch.isascii()).split())


def items_text(items: list[dict]) -> str:
    """The names of the items to supplement, for a text message: 'Giay de nghi; Ban sao CCCD' — whole names, as
    many as fit in SMS_ITEMS_CHARS, then ' (...)' (the e-mail and the dossier page list them all)."""
    names = [n for n in (ascii_text(i.get("name")) for i in items) if n]
    text = ""
    for i, name in enumerate(names):
        longer = f"{text}; {name}" if text else name
        if len(longer) > SMS_ITEMS_CHARS and i:
            return text + " (...)"
        text = longer[:SMS_ITEMS_CHARS]
    return text


def event_context(event: DossierEvent) -> dict:
    dossier = event.dossier
    data = event.data or {}
    has_account = dossier.applicant_user_id is not None
    lookup_url = f"{site_url()}/tra-cuu/?ma={dossier.code}"
    due_at = fmt(data.get("due_at") or dossier.due_at)
    new_return_at = fmt(data.get("new_return_at") or dossier.new_return_at)
    items = [i for i in (data.get("items") or []) if isinstance(i, dict)]
    return {
        "code": dossier.code,
        "procedure_name": dossier.procedure.name,
        "agency_name": dossier.agency.name,
        "applicant_name": dossier.applicant_name,
        "at": fmt(event.at),
        "due_at": due_at,
        # text messages stay in plain ASCII (GSM 7-bit: 160 characters a message, not 70): "ngay", not "ngày"
        "due_at_ascii": due_at.replace(" ngày ", " ngay "),
        "limit_text": days_text(dossier.limit_hours),
        "reason": event.reason,
        "items": items,
        "items_ascii": items_text(items),
        "new_return_at": new_return_at,
        "new_return_at_ascii": new_return_at.replace(" ngày ", " ngay "),
        "outcome_label": vietnamese(Outcome(dossier.outcome).label)
        if dossier.outcome in Outcome.values
        else "",
        "result_method": dossier.result_method,
        "amount": vnd(data.get("amount")),
        "amount_ascii": vnd(data.get("amount")).replace("đồng", "dong"),
        "note": data.get("note", ""),
        "return_method": data.get("method", ""),
        "tracking_number": data.get("tracking_number", ""),
        # the applicant's account page when there is an account; a walk-in applicant (no account) has the public
        # lookup instead — a link to a sign-in page they cannot pass would be no link at all
        "has_account": has_account,
        "dossier_url": f"{site_url()}/ho-so-cua-toi/{dossier.code}/" if has_account else lookup_url,
        "lookup_url": lookup_url,
        "rating_url": f"{site_url()}/danh-gia/{dossier.code}/",
        "resumed_by": event.action,
    }


def recipients_of(dossier) -> tuple[list[str], list[str]]:
    """Applicant e-mail(s) and mobile number(s): the dossier's, its citizen account's, its representative's."""
    emails, phones = [], []
    rep = dossier.representative if isinstance(dossier.representative, dict) else {}
    for e in (dossier.applicant_email, getattr(dossier.applicant_user, "email", ""), rep.get("email")):
        if e and e.strip().lower() not in [x.lower() for x in emails]:
            emails.append(e.strip())
    for p in (dossier.applicant_phone, rep.get("phone")):
        if p and p not in phones:
            phones.append(p)
    return emails, phones


def is_news_at(at: dt.datetime) -> bool:
    """What happened at `at` is news to tell the applicant unless it is back-dated by more than
    MOTCUA_NOTIFY_MAX_EVENT_AGE_HOURS (default 72; None = no limit): such records are history — demo seeds, late
    data entry — and are not sent."""
    max_age = getattr(settings, "MOTCUA_NOTIFY_MAX_EVENT_AGE_HOURS", 72)
    if max_age is None:
        return True
    return timezone.now() - at <= dt.timedelta(hours=max_age)


def is_news(event: DossierEvent) -> bool:
    """A dossier event is news unless back-dated (is_news_at)."""
    return is_news_at(event.at)


def notify_event(event: DossierEvent, recipients: tuple[list[str], list[str]] | None = None) -> list:
    template = EVENT_TEMPLATES.get(event.action)
    dossier = event.dossier
    # the migration import writes its events without signals; a live action on a carried-over dossier (imported,
    # still open) is news to its applicant like any other — unless back-dated (`is_news`)
    if template is None or not is_news(event):
        return []
    if template == "resumed" and (dossier.received_at is None or dossier.due_at is None):
        return []  # supplemented before reception: no appointment yet, the receipt will give it
    if event.action == "return_result" and (event.data or {}).get("method") not in RETURN_METHODS_NOTIFIED:
        return []
    emails, phones = recipients or recipients_of(dossier)
    if not emails and not phones:
        return []
    context = event_context(event)
    rows = []
    for i in range(max(len(emails), len(phones))):
        rows += services.notify(
            recipient_email=emails[i] if i < len(emails) else None,
            recipient_phone=phones[i] if i < len(phones) else None,
            template=template,
            context=context,
            dossier=dossier,
            event=event,
        )
    return rows


@receiver(post_save, sender=DossierEvent, dispatch_uid="motcua.notifications.on_dossier_event")
def on_dossier_event(sender, instance: DossierEvent, created: bool, raw: bool = False, **kwargs):
    if not created or raw or instance.action not in EVENT_TEMPLATES:
        return
    try:
        recipients = recipients_of(instance.dossier)
        if not any(recipients):  # nobody to tell: no savepoint, no statement
            return
        with transaction.atomic():  # a savepoint: a notification problem never breaks the action
            notify_event(instance, recipients)
    except Exception:  # noqa: BLE001
        logger.exception("Could not queue notifications for %s#%s", instance.dossier_id, instance.seq)
