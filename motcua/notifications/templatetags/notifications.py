"""`{% load notifications %}{% notifications_box dossier %}` — on the staff dossier page: the e-mails and text
messages sent to the applicant about this dossier, with their state, so the desk knows when an applicant was not
told (a failed message is flagged, and a one-stop officer of the agency may send it again)."""

from django import template

from motcua.notifications.models import Outbox, Status
from motcua.notifications.services import TEMPLATES, may_resend

register = template.Library()
SHOWN = 30  # the latest messages of a dossier


@register.inclusion_tag("notifications/_box.html", takes_context=True)
def notifications_box(context, dossier):
    user = getattr(context.get("request"), "user", None) or context.get("user")
    rows = list(Outbox.objects.filter(dossier=dossier).order_by("-created_at", "-pk")[:SHOWN])
    for row in rows:
        row.label = TEMPLATES.get(row.template, row.template)
    return {
        "dossier": dossier,
        "rows": rows,
        "failed": sum(1 for r in rows if r.status == Status.FAILED),
        "can_resend": may_resend(user, dossier),
        "no_contact": not rows
        and not (dossier.applicant_email or dossier.applicant_phone or dossier.applicant_user_id),
        "request": context.get("request"),
    }
