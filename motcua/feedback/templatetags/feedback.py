"""`{% load feedback %}{% rating_box dossier %}` — on a dossier page: the applicant's rating if given, else a link
to rate it once the result is out (renders nothing for anyone else)."""

from django import template

from motcua.feedback.models import Rating
from motcua.feedback.services import RATABLE_STATES

register = template.Library()


@register.inclusion_tag("feedback/_rating_box.html", takes_context=True)
def rating_box(context, dossier):
    user = getattr(context.get("request"), "user", None) or context.get("user")
    owner = (
        dossier is not None
        and getattr(user, "is_authenticated", False)
        and dossier.applicant_user_id == user.pk
    )
    rating = Rating.objects.filter(dossier=dossier).first() if owner else None
    return {
        "dossier": dossier,
        "show": owner,
        "rating": rating,
        "can_rate": owner and rating is None and dossier.state in RATABLE_STATES,
    }
