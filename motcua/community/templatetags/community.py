"""`{% load community %}{% assistance_note dossier %}` — the "assisted by team X, member Y" note for a dossier
page (renders nothing when no community team filed it)."""

from django import template

from motcua.community.selectors import assistance_for

register = template.Library()


@register.inclusion_tag("community/_assistance.html", takes_context=True)
def assistance_note(context, dossier):
    """With the claim, when the resident took the dossier into an account: whose, when, and (for the agency's
    one-stop officers and heads) the form that takes it back out, for a wrong claim."""
    from motcua.community.models import ClaimRecord
    from motcua.community.services import may_release_claim

    assistance = assistance_for(dossier) if dossier is not None else None
    claim = None
    user = getattr(context.get("request"), "user", None)
    if assistance is not None and dossier.applicant_user_id:
        claim = (
            ClaimRecord.objects.select_related("user")
            .filter(dossier=dossier, user_id=dossier.applicant_user_id, released_at__isnull=True)
            .order_by("-claimed_at")
            .first()
        )
    return {
        "assistance": assistance,
        "claim": claim,
        "dossier": dossier,
        "may_release": claim is not None and user is not None and may_release_claim(user, dossier),
        "csrf_token": context.get("csrf_token"),
    }
