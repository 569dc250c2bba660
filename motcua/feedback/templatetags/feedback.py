"""`{% load feedback %}{% rating_box dossier %}` — on a dossier page: to the applicant's account, its rating if given,
else a link to rate it once the result is out; to a one-stop officer of the receiving agency, the rating and its
channel, else a link to enter a paper evaluation form. Renders nothing for anyone else."""

from django import template

from motcua.feedback.models import Rating
from motcua.feedback.services import RATABLE_STATES, may_record_counter

register = template.Library()


@register.inclusion_tag("feedback/_rating_box.html", takes_context=True)
def rating_box(context, dossier):
    user = getattr(context.get("request"), "user", None) or context.get("user")
    owner = (
        dossier is not None
        and getattr(user, "is_authenticated", False)
        and dossier.applicant_user_id == user.pk
    )
    officer = not owner and dossier is not None and may_record_counter(user, dossier)
    rating = Rating.objects.filter(dossier=dossier).first() if owner or officer else None
    ratable = rating is None and dossier is not None and dossier.state in RATABLE_STATES
    return {
        "dossier": dossier,
        "show": owner or officer,
        "officer": officer,
        "rating": rating,
        "can_rate": owner and ratable,
        "can_record_counter": officer and ratable,
    }
