from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def vnnum(value) -> str:
    """4.00 → '4', 0.50 → '0,5' (Vietnamese decimal comma); None → ''."""
    if value is None or value == "":
        return ""
    d = Decimal(str(value))
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f").replace(".", ",")


@register.simple_tag(takes_context=True)
def page_url(context, number) -> str:
    qs = context.get("querystring") or ""
    return f"?{qs + '&' if qs else ''}page={number}"
