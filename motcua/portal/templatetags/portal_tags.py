"""Dates as Vietnamese people write them (dd/mm/yyyy), from datetimes or ISO strings, in local time."""

import datetime as dt

from django import template
from django.utils import formats
from django.utils.dateparse import parse_date, parse_datetime

from motcua.core.i18n import english_active
from motcua.core.text import dong
from motcua.dossiers import lifecycle

register = template.Library()


@register.simple_tag
def max_upload_size() -> str:
    """The largest file an upload takes ("20 MB"): said beside the file inputs, before a citizen on a phone sends
    a large scan only to have it refused."""
    from motcua.dossiers.documents import max_size_text

    return max_size_text(en=english_active())


def _as_local(value):
    if isinstance(value, str):
        value = parse_datetime(value) or parse_date(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(lifecycle.LOCAL) if value.tzinfo else value
    return value


@register.filter
def vn_date(value) -> str:
    value = _as_local(value)
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else ""


@register.filter
def vn_datetime(value) -> str:
    """Date then time, "28/11/2026 08:20": the one order of every page (SHORT_DATETIME_FORMAT, motcua/formats),
    of the forms' tables (pdf.fmt_dt) and of the date-time fields people type into; it said "08:20 28/11/2026"."""
    value = _as_local(value)
    if isinstance(value, dt.datetime):
        return formats.date_format(value, "SHORT_DATETIME_FORMAT")
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else ""


@register.filter
def state_label(state: str) -> str:
    """Contract §4's label, in English when the interface is in English."""
    return lifecycle.state_display(state)


@register.filter
def vnd(value) -> str:
    """1400000 → '1.400.000 đồng'; '1,400,000 đồng' for a reader in English, who reads 1.400.000 as 1.4 (grouped
    as the e-form's numbers are, catalog.eforms.grouped). Official forms and messages keep core.text.dong."""
    text = dong(value)
    return text.replace(".", ",") if english_active() else text


@register.simple_tag
def widget(field, **attrs):
    """Render a bound field's widget with its help text and error message tied to it (WCAG 1.3.1, 3.3.1)."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        described.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


@register.inclusion_tag("portal/_oidc_login.html", takes_context=True)
def oidc_login(context):
    """The "sign in with the e-ID provider" button, shown only when OIDC is configured.
    Usage (e.g. in registration/login.html): {% load portal_tags %}{% oidc_login %}"""
    from motcua.portal.oidc import oidc_enabled, provider_name

    return {"oidc_enabled": oidc_enabled(), "oidc_provider": provider_name(), "next": context.get("next", "")}


@register.inclusion_tag("portal/_payments_box.html")
def payments_box(dossier):
    """On the staff dossier page: the online payments of the dossier, a payment received when nothing was due any
    more (a duplicate) flagged for reconciliation and refund."""
    from motcua.portal.models import Payment

    rows = list(Payment.objects.filter(dossier=dossier).order_by("-created_at", "-pk")[:20])
    return {"rows": rows, "refunds": [p for p in rows if p.refund_due]}
