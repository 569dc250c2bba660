"""`{% load community %}{% assistance_note dossier %}` — the "assisted by team X, member Y" note for a dossier
page (renders nothing when no community team filed it)."""

from django import template

from motcua.community.selectors import assistance_for

register = template.Library()


@register.inclusion_tag("community/_assistance.html")
def assistance_note(dossier):
    return {"assistance": assistance_for(dossier) if dossier is not None else None}
